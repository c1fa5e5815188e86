import test from 'tape';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatWall } from '../lib/time.js';
import { ndjson, run, sh, tempDir } from './helpers.js';

const T0 = Date.UTC(2025, 2, 16, 13, 26, 30) * 1000;
const line = (o: object): string => JSON.stringify(o) + '\n';
const like = (did: string, us: number): string => line({ time: formatWall(us), kind: 'like', op: 'create', did, subject: 'at://did:plc:z/app.bsky.feed.post/1' });
const post = (us: number, text: string, langs = ['en']): string => line({ time: formatWall(us), kind: 'post', op: 'create', did: 'did:plc:p', text, langs });
const burst = (did: string, n: number, from: number, stepUs: number): string => Array.from({ length: n }, (_, i) => like(did, from + i * stepUs)).join('');

// 60 likes by a over 59 s across the 13:27 boundary, 3 likes by b, a post at 13:29 (13:28 has no likes).
const ROWS = burst('did:plc:a', 60, T0, 1_000_000) + like('did:plc:b', T0) + like('did:plc:b', T0 + 1) + like('did:plc:b', T0 + 2)
  + post(T0 + 150e6, 'Engineering rust and more rust #engineering') + post(T0 + 151e6, 'reengineering zig');

test('bsky-metric: one metric prints plain rows at the end of input, and a summary on stderr', (t) => {
  const r = run('bsky-metric', ['likes-per-minute'], ROWS);
  t.equal(r.code, 0);
  t.deepEqual(ndjson(r.stdout), [{ time: '2025-03-16 13:26:00', likes: 33 }, { time: '2025-03-16 13:27:00', likes: 30 }]);
  t.equal(r.stderr, 'bsky-metric: 65 lines, 65 rows, 0 rejected, 0 blank\n');
  t.end();
});

test('bsky-metric: several metrics tag each row with "metric", in the order named; aliases and repeats resolve', (t) => {
  const r = run('bsky-metric', ['-q', 'top-10-word', 'fast-likers', 'top-words'], ROWS);
  t.equal(r.stderr, '');
  t.deepEqual(ndjson(r.stdout), [{ metric: 'top-words', word: 'rust', count: 1 }, { metric: 'fast-likers', user_id: 'did:plc:a', likes: 60 }]);
  t.end();
});

test('bsky-metric: all prints every metric, the spec five with their columns', (t) => {
  const rows = ndjson(run('bsky-metric', ['-q', 'all'], ROWS).stdout);
  const names = [...new Set(rows.map((r) => r.metric))];
  t.deepEqual(names, ['likes-per-minute', 'fast-likers', 'top-words', 'posts-by-hour', 'posts-by-weekday', 'events-per-minute', 'top-langs']);
  t.equal(rows.filter((r) => r.metric === 'posts-by-hour').length, 24);
  t.deepEqual(rows.find((r) => r.metric === 'posts-by-weekday' && r.posts), { metric: 'posts-by-weekday', weekday: 'Sun', posts: 2 });
  t.end();
});

test('bsky-metric: --min-likes, --within, --lateness, --keyword and --top change the results', (t) => {
  const q = (args: string[], input = ROWS) => ndjson(run('bsky-metric', ['-q', ...args], input).stdout);
  t.deepEqual(q(['fast-likers', '--min-likes', '3']), [{ user_id: 'did:plc:a', likes: 60 }, { user_id: 'did:plc:b', likes: 3 }]);
  t.deepEqual(q(['fast-likers', '--within', '10s']), []);
  t.deepEqual(q(['fast-likers', '--within', '10s', '--min-likes', '10']), [{ user_id: 'did:plc:a', likes: 10 }]);
  const late = burst('did:plc:a', 50, T0, 1_000_000) + like('did:plc:x', T0 + 400e6) + like('did:plc:a', T0 + 49e6);
  t.deepEqual(q(['fast-likers', '--min-likes', '51', '--lateness', '6m'], late), [{ user_id: 'did:plc:a', likes: 51 }]);
  const r = run('bsky-metric', ['fast-likers', '--min-likes', '51', '--lateness', '5m'], late);
  t.equal(r.stdout, '', 'a like 351 s behind the newest is late with --lateness 5m');
  t.match(r.stderr, /fast-likers: 1 late likes/);
  t.deepEqual(q(['top-words', '--keyword', 'zig']), [{ word: 'reengineering', count: 1 }]);
  t.deepEqual(q(['top-words', '--keyword', 'rust']), [{ word: 'engineering', count: 1 }]);
  t.deepEqual(q(['top-langs', 'top-words', '--top', '1']).length, 2);
  t.end();
});

test('bsky-metric: --input reads files in order, repeated, and errors name the file', (t) => {
  const { dir, cleanup } = tempDir();
  const a = join(dir, 'a.ndjson');
  const b = join(dir, 'b.ndjson');
  writeFileSync(a, burst('did:plc:a', 30, T0, 1_000_000));
  writeFileSync(b, 'oops\n' + burst('did:plc:a', 30, T0 + 30e6, 1_000_000));
  const r = run('bsky-metric', ['fast-likers', '--input', a, '-i', b]);
  t.equal(r.code, 0);
  t.deepEqual(ndjson(r.stdout), [{ user_id: 'did:plc:a', likes: 60 }]);
  t.match(r.stderr, new RegExp(`^bsky-metric: ${b}:1: invalid JSON`));
  t.equal(run('bsky-metric', ['fast-likers', `--input=${join(dir, 'none')}`]).code, 1, 'a missing file fails with status 1');
  cleanup();
  t.end();
});

test('bsky-metric: --state across two runs equals one run over the whole', (t) => {
  const { dir, cleanup } = tempDir();
  const state = join(dir, 'state.json');
  const lines = ROWS.split('\n').filter(Boolean).map((l) => l + '\n');
  const one = run('bsky-metric', ['-q', 'all'], ROWS).stdout;
  run('bsky-metric', ['-q', '--state', state, 'all'], lines.slice(0, 40).join(''));
  t.ok(existsSync(state), 'state saved');
  const saved = JSON.parse(readFileSync(state, 'utf8'));
  t.equal(saved.format, 'bsky-metric-state');
  t.deepEqual(saved.metrics['fast-likers'].params, { minLikes: 50, within: 60_000_000, lateness: 60_000_000 });
  const two = run('bsky-metric', ['-q', '--state', state, 'all'], lines.slice(40).join(''));
  t.equal(two.stdout, one);
  const only = run('bsky-metric', ['-q', '--state', state, 'fast-likers'], '');
  t.deepEqual(ndjson(only.stdout), [{ user_id: 'did:plc:a', likes: 60 }], 'a subset of the saved metrics prints from the state alone');
  cleanup();
  t.end();
});

test('bsky-metric: a state made with other parameters, or without the metric, is refused with status 1', (t) => {
  const { dir, cleanup } = tempDir();
  const state = join(dir, 'state.json');
  run('bsky-metric', ['-q', '--state', state, 'fast-likers'], ROWS);
  const before = readFileSync(state, 'utf8');
  const other = run('bsky-metric', ['--state', state, 'fast-likers', '--within', '30s'], ROWS);
  t.equal(other.code, 1);
  t.equal(other.stderr, `bsky-metric: ${state}: fast-likers: state was made with --within 1m, this run has --within 30s\n`);
  const missing = run('bsky-metric', ['--state', state, 'likes-per-minute'], ROWS);
  t.equal(missing.code, 1);
  t.match(missing.stderr, /state has no likes-per-minute \(it holds fast-likers\)/);
  writeFileSync(join(dir, 'bad.json'), '{"nope"');
  t.match(run('bsky-metric', ['--state', join(dir, 'bad.json'), 'fast-likers'], '').stderr, /bad\.json: cannot read state/);
  t.equal(readFileSync(state, 'utf8'), before, 'a refused run leaves the state alone');
  cleanup();
  t.end();
});

test('bsky-metric: bad lines are rejected with a reason and skipped; --strict stops', (t) => {
  const input = like('did:plc:a', T0) + '{"time":"x","kind":"like","op":"create","did":"d"}\n' + '{"kind":"like"}\n' + 'nope\n' + '[1]\n' + like('did:plc:a', T0 + 1);
  const r = run('bsky-metric', ['likes-per-minute'], input);
  t.equal(r.code, 0);
  t.deepEqual(ndjson(r.stdout), [{ time: '2025-03-16 13:26:00', likes: 2 }]);
  t.deepEqual(r.stderr.split('\n').slice(0, 4).map((l) => l.split(':').slice(0, 3).join(':')), ['bsky-metric: stdin:2', 'bsky-metric: stdin:3', 'bsky-metric: stdin:4', 'bsky-metric: stdin:5']);
  t.match(r.stderr, /stdin:2: invalid time/);
  t.match(r.stderr, /stdin:3: missing time: not a flat row/);
  t.match(r.stderr, /6 lines, 2 rows, 4 rejected, 0 blank\n$/);
  const strict = run('bsky-metric', ['--strict', 'likes-per-minute'], input);
  t.equal(strict.code, 1);
  t.equal(strict.stdout, '');
  t.end();
});

test('bsky-metric: empty input gives no rows for likes-per-minute, zero rows for posts-by-hour', (t) => {
  const r = run('bsky-metric', ['likes-per-minute'], '');
  t.equal(r.code, 0);
  t.equal(r.stdout, '');
  t.equal(r.stderr, 'bsky-metric: 0 lines, 0 rows, 0 rejected, 0 blank\n');
  t.equal(ndjson(run('bsky-metric', ['-q', 'posts-by-hour'], '').stdout).length, 24);
  t.end();
});

test('bsky-metric: | head -n 1 exits 0 with an empty stderr', (t) => {
  const r = sh('bin/bsky-metric -q all | head -n 1', { input: ROWS });
  t.equal(r.code, 0);
  t.equal(r.stdout, '{"metric":"likes-per-minute","time":"2025-03-16 13:26:00","likes":33}\n');
  t.equal(r.stderr, '');
  t.end();
});

test('bsky-metric: --help, --version, and usage errors', (t) => {
  const help = run('bsky-metric', ['--help']);
  t.equal(help.code, 0);
  t.match(help.stdout, /likes-per-minute,\s+fast-likers,\s+top-words/);
  t.match(help.stdout, /--min-likes/);
  t.match(run('bsky-metric', ['--version']).stdout, /^bsky-metric \d+\.\d+\.\d+\n$/);
  const unknown = run('bsky-metric', ['likes', '--quiet']);
  t.equal(unknown.code, 2);
  t.equal(unknown.stderr, "bsky-metric: unknown metric 'likes'; choose from likes-per-minute, fast-likers, top-words, posts-by-hour, posts-by-weekday, events-per-minute, top-langs, all\nTry 'bsky-metric --help' for more information.\n");
  t.equal(run('bsky-metric', []).code, 2, 'no name');
  t.equal(run('bsky-metric', ['all', '--nope']).code, 2);
  t.match(run('bsky-metric', ['all', '--within', 'soon']).stderr, /--within: expected a duration .*got 'soon'/);
  t.equal(run('bsky-metric', ['all', '--min-likes', '0']).code, 2);
  t.equal(run('bsky-metric', ['all', '--keyword', 'two words']).code, 2);
  t.equal(run('bsky-metric', ['all', '--input']).code, 2, '--input without a file');
  t.end();
});
