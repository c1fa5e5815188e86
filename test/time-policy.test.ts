import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'tape';
import { generateCapture } from '../lib/gen/generate.js';
import { ndjson, run, sh, tempDir } from './helpers.js';

const CAPTURE = generateCapture({ events: 4000, seed: 'policy', dupRate: 0.01, badRate: 0.002 }).toString();
const like = (timestamp: string, rkey = '3zzzzzzzzzzz2'): string =>
  JSON.stringify({
    timestamp, action: 'create', path: `app.bsky.feed.like/${rkey}`, cid: 'bafyx', prev: null, py_type: 'com.atproto.sync.subscribeRepos#repoOp',
    record: { $type: 'app.bsky.feed.like', subject: { cid: 'bafys', uri: 'at://did:plc:b/app.bsky.feed.post/3abc' }, createdAt: '2025-03-16T12:30:00.000Z' },
    repo: 'did:plc:rogue',
  }) + '\n';
/** The same like as the three paths read it: take-home (fast path), canonical (slow path), Jetstream time_us. */
const ROGUES = [
  like('2099-01-01T00:00:00.000000'),
  JSON.stringify({ time: '2099-01-01T00:00:00.000000', did: 'did:plc:rogue', op: 'create', collection: 'app.bsky.feed.like', rkey: '3zzzzzzzzzzz3', record: { $type: 'app.bsky.feed.like' } }) + '\n',
  JSON.stringify({ did: 'did:plc:rogue', time_us: 4070908800000000, kind: 'commit', commit: { rev: 'x', operation: 'create', collection: 'app.bsky.feed.like', rkey: '3zzzzzzzzzzz4', record: { $type: 'app.bsky.feed.like' }, cid: 'bafyx' } }) + '\n',
];
const LINES = CAPTURE.split('\n').length - 1;

test('bsky-parse: a like stamped 2099 appended to a capture is rejected with its reason, the output is the capture\'s own (--threads 0, 1, 3)', (t) => {
  const { dir, cleanup } = tempDir();
  try {
    for (const threads of ['0', '1', '3']) {
      const clean = run('bsky-parse', ['--threads', threads], CAPTURE);
      for (const [k, rogue] of ROGUES.entries()) {
        const rejects = join(dir, `rejects-${threads}-${k}`);
        const r = run('bsky-parse', ['--threads', threads, '--rejects', rejects], CAPTURE + rogue);
        t.equal(r.code, 0, `--threads ${threads}, rogue ${k}: exit 0`);
        t.equal(r.stdout, clean.stdout, `--threads ${threads}, rogue ${k}: the same events as without it`);
        t.match(r.stderr, new RegExp(`^bsky-parse: stdin:${LINES + 1}: time 2099-01-01T00:00:00\\.000000Z? is 7\\d\\.\\d years ahead of the clock \\(limit --max-ahead 5m\\)$`, 'm'), `--threads ${threads}, rogue ${k}: one line naming the line and the reason`);
        t.equal(readFileSync(rejects, 'utf8').split('\n').filter((l) => l.includes('rogue')).join('\n') + '\n', rogue, `--threads ${threads}, rogue ${k}: the rejects file keeps the line verbatim`);
      }
    }
  } finally {
    cleanup();
  }
  t.end();
});

test('bsky-parse: the rogue line in the middle of a capture is rejected and the lines after it are not', (t) => {
  const lines = generateCapture({ events: 4000, seed: 'policy' }).toString().split('\n');
  const whole = lines.join('\n');
  const middle = lines.slice(0, 2000).join('\n') + '\n' + ROGUES[0] + lines.slice(2000).join('\n');
  for (const threads of ['0', '3']) {
    const r = run('bsky-parse', ['--threads', threads, '-q'], middle);
    t.equal(r.stdout, run('bsky-parse', ['--threads', threads, '-q'], whole).stdout, `--threads ${threads}: the same events as without it`);
    const strict = run('bsky-parse', ['--threads', threads, '--strict', '--max-behind', 'off'], lines.slice(0, 2000).join('\n') + '\n' + ROGUES[0]);
    t.equal(strict.code, 1, `--threads ${threads} --strict: stops at the rogue line`);
    t.match(strict.stderr, /stdin:2001: time 2099.*\(--strict\)/);
  }
  t.end();
});

test('bsky-parse: an event more than --max-behind behind the newest is rejected; off lets it in', (t) => {
  const input = like('2025-03-16T12:00:00.000000', '3aaaaaaaaaaa2') + like('2025-03-14T11:59:00.000000', '3aaaaaaaaaaa3') + like('2025-03-15T12:30:00.000000', '3aaaaaaaaaaa4');
  const r = run('bsky-parse', ['--threads', '0'], input);
  t.equal(ndjson(r.stdout).length, 2, 'two days behind: rejected; a day less half an hour behind: let in');
  t.match(r.stderr, /stdin:2: time 2025-03-14T11:59:00\.000000 is 2\.0 days behind the newest event, 2025-03-16T12:00:00\.000000 \(limit --max-behind 1d\)/);
  t.equal(ndjson(run('bsky-parse', ['--max-behind', '3d'], input).stdout).length, 3, '--max-behind 3d lets it in');
  t.equal(ndjson(run('bsky-parse', ['--max-behind', 'off'], input).stdout).length, 3, '--max-behind off lets it in');
  // The newest is of events let in: a rejected event in 2099 does not make the rest "behind".
  const after = run('bsky-parse', ['-q'], ROGUES[0] + input);
  t.equal(ndjson(after.stdout).length, 2);
  t.end();
});

test('bsky-parse: a zone-less time is local time (TZ), a zoned time and time_us are instants, all checked against --now', (t) => {
  const jet = (us: number, rkey: string): string => JSON.stringify({ did: 'did:plc:j', time_us: us, kind: 'commit', commit: { rev: 'x', operation: 'create', collection: 'app.bsky.feed.like', rkey, record: {}, cid: 'c' } }) + '\n';
  const noon = Date.UTC(2025, 2, 16, 12) * 1000;
  const input = [
    like('2025-03-16T21:04:00.000000', '3bbbbbbbbbb01'), // Tokyo 21:04 = 12:04Z: in
    like('2025-03-16T21:10:00.000000', '3bbbbbbbbbb02'), // 12:10Z: 10 min ahead
    like('2025-03-16T12:04:00Z', '3bbbbbbbbbb03'),
    like('2025-03-16T12:10:00Z', '3bbbbbbbbbb04'),
    like('2025-03-16T21:04:00+09:00', '3bbbbbbbbbb05'),
    like('2025-03-16T21:10:00+09:00', '3bbbbbbbbbb06'),
    jet(noon + 240e6, '3bbbbbbbbbb07'),
    jet(noon + 600e6, '3bbbbbbbbbb08'),
  ].join('');
  for (const now of ['2025-03-16T12:00:00Z', '2025-03-16T21:00:00']) {
    const r = run('bsky-parse', ['--now', now, '--max-behind', 'off'], input, { env: { TZ: 'Asia/Tokyo' } });
    const rejected = [...r.stderr.matchAll(/stdin:(\d+): .*ahead of the clock/g)].map((m) => +m[1]);
    t.deepEqual(rejected, [2, 4, 6, 8], `TZ=Asia/Tokyo --now ${now}: each format 10 minutes ahead is rejected, 4 minutes ahead let in`);
  }
  const utc = run('bsky-parse', ['--now', '2025-03-16T12:00:00Z', '--max-behind', 'off'], input, { env: { TZ: 'UTC' } });
  const rejected = [...utc.stderr.matchAll(/stdin:(\d+): .*ahead of the clock/g)].map((m) => +m[1]);
  t.deepEqual(rejected, [1, 2, 4, 6, 8], 'TZ=UTC: the zone-less Tokyo times are 9 hours ahead');
  t.equal(ndjson(run('bsky-parse', ['--max-ahead', 'off', '--now', '2000-01-01T00:00:00Z', '--max-behind', 'off'], input).stdout).length, 8, '--max-ahead off lets everything in');
  const bad = run('bsky-parse', ['--now', 'yesterday']);
  t.equal(bad.code, 2);
  t.match(bad.stderr, /^bsky-parse: --now: invalid time 'yesterday'/);
  t.end();
});

test('bsky-gen --pace writes local time, which bsky-parse reads back as the clock in the same TZ', (t) => {
  const r = sh('bin/bsky-gen --pace --rate 500 -n 20 --fast-likers 0 -q | bin/bsky-parse --max-ahead 2s', { env: { TZ: 'Pacific/Kiritimati' } });
  t.equal(r.code, 0);
  t.equal(ndjson(r.stdout).length, 20, 'none ahead of the clock in the same zone');
  const gen = run('bsky-gen', ['--pace', '--rate', '500', '-n', '1', '--fast-likers', '0', '-q'], '', { env: { TZ: 'Pacific/Kiritimati' } });
  const stamped = Date.parse(JSON.parse(gen.stdout).timestamp + 'Z');
  t.ok(Math.abs(stamped - Date.now() - 14 * 3600_000) < 600_000, 'the timestamp is UTC+14 wall time');
  t.end();
});

test('handle-stream + periodic: a like stamped 2099 is rejected at entry and every CSV is the same as without it', (t) => {
  const { dir, cleanup } = tempDir();
  try {
    const csvs = (name: string, input: string): Record<string, string> => {
      const spool = join(dir, name, 'spool');
      const h = run('handle-stream', ['--spool', spool, '-q'], input);
      t.equal(h.code, 0, `${name}: handle-stream exit 0`);
      const p = run('periodic', ['--spool', spool, '--state', join(dir, name, 'state'), '--metrics', join(dir, name, 'metrics'), '--lake', join(dir, name, 'lake'), '-q']);
      t.equal(p.code, 0, `${name}: periodic exit 0`);
      t.equal(p.stderr, '', `${name}: periodic says nothing`);
      const out: Record<string, string> = {};
      for (const f of readdirSync(join(dir, name, 'metrics'))) out[f] = readFileSync(join(dir, name, 'metrics', f), 'utf8');
      return out;
    };
    const clean = csvs('clean', CAPTURE);
    const rogue = csvs('rogue', CAPTURE + ROGUES[0]);
    t.deepEqual(rogue, clean, 'the same CSVs');
    t.ok(readFileSync(join(dir, 'rogue', 'spool', 'rejects.ndjson'), 'utf8').endsWith(ROGUES[0]), 'the line is in the spool rejects file');
  } finally {
    cleanup();
  }
  t.end();
});

test('periodic: a rogue event already in the spool (or the saved state) is folded in bounded: no fill across years, later runs still work', (t) => {
  const { dir, cleanup } = tempDir();
  try {
    const spool = join(dir, 'spool');
    run('handle-stream', ['--spool', spool, '-q'], CAPTURE);
    // As an older handle-stream would have spooled it.
    writeFileSync(join(spool, 'seg-20990101T000000000Z-1-000000.ndjson'), JSON.stringify({ time: '2099-01-01T00:00:00.000000', did: 'did:plc:rogue', op: 'create', collection: 'app.bsky.feed.like', rkey: '3zzzzzzzzzzz5', record: {} }) + '\n');
    const args = ['--spool', spool, '--state', join(dir, 'state'), '--metrics', join(dir, 'metrics'), '--lake', join(dir, 'lake')];
    for (const round of [1, 2]) {
      const p = run('periodic', args);
      t.equal(p.code, 0, `run ${round}: exit 0`);
      const likes = readFileSync(join(dir, 'metrics', 'likes-per-minutes.csv'), 'utf8').split('\n');
      t.ok(likes.length < 200, `run ${round}: likes-per-minutes.csv holds the capture's minutes and the 2099 one (${likes.length} lines)`);
      t.equal(likes[likes.length - 2], '2099-01-01 00:00:00,1');
      t.match(p.stderr, /periodic: likes-per-minute: 1 gap of more than 10080 empty minutes not filled with 0/, `run ${round}: says so`);
      t.match(p.stdout, /newest event 2099-01-01T00:00:00\.000000 \([\d.]+ days ahead of the clock\)/, `run ${round}: the summary says the newest is ahead of the clock`);
      run('handle-stream', ['--spool', spool, '-q'], like('2025-03-16T12:59:00.000000', '3cccccccccc0' + round));
    }
  } finally {
    cleanup();
  }
  t.end();
});

test('bsky-parse --time created: createdAt years off is rejected at entry, and likes per minute stay bounded downstream', (t) => {
  // The generator skews createdAt as clients do: most near the receive time, a few back to 2022.
  const r = run('bsky-parse', ['--time', 'created'], CAPTURE);
  const behind = r.stderr.split('\n').filter((l) => /time 202[2-5]-.* behind the newest event/.test(l));
  t.ok(behind.length >= 10, `createdAt more than a day behind the newest are rejected (${behind.length})`);
  const rows = (args: string): number => +sh(`bin/bsky-parse -q --time created ${args} | bin/bsky-flatten -q | bin/bsky-metric -q likes-per-minute | wc -l`, { input: CAPTURE }).stdout.trim();
  const bounded = rows('');
  t.ok(bounded <= 1441 + 60, `likes per minute cover about a day at most (${bounded} rows)`);
  const off = sh('bin/bsky-parse -q --time created --max-behind off | bin/bsky-flatten -q | bin/bsky-metric likes-per-minute', { input: CAPTURE });
  const n = off.stdout.split('\n').length - 1;
  t.ok(n < 2 * 10080, `with --max-behind off, no fill back to 2022: gaps over a week stay jumps (${n} rows)`);
  t.match(off.stderr, /gaps? of more than 10080 empty minutes not filled/);
  t.end();
});

test('bsky-window --fill: a row stamped 2099 after 2025 rows leaves the gap unfilled and says so', (t) => {
  const rows = ['2025-03-16T12:00:00', '2025-03-16T12:02:30', '2099-01-01T00:00:00'].map((time) => JSON.stringify({ time, kind: 'like', op: 'create', did: 'did:plc:a' })).join('\n') + '\n';
  const r = run('bsky-window', ['--fill'], rows);
  t.equal(r.code, 0);
  t.deepEqual(ndjson(r.stdout).map((w) => `${w.start} ${w.count}`), ['2025-03-16 12:00:00 1', '2025-03-16 12:01:00 0', '2025-03-16 12:02:00 1', '2099-01-01 00:00:00 1']);
  t.match(r.stderr, /1 gap of more than 10080 empty windows not filled \(the last from 2025-03-16 12:03:00 to 2099-01-01 00:00:00\)/);
  const hop = run('bsky-window', ['--fill', '--size', '2m', '--hop', '1m', '-q'], rows);
  t.ok(ndjson(hop.stdout).length < 20, 'hopping windows too');
  t.end();
});
