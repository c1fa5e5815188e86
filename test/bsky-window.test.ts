import test from 'tape';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exited, ndjson, run, sh, start, tempDir } from './helpers.js';

const row = (time: string, over: Record<string, unknown> = {}): string =>
  JSON.stringify({ time: `2025-03-16T${time}`, kind: 'like', op: 'create', did: 'did:plc:a', ...over }) + '\n';

const ROWS = [
  row('13:26:53.075991'),
  row('13:26:58.000000', { kind: 'post', did: 'did:plc:b', langs: ['en', 'fr'] }),
  row('13:27:00.000000', { did: 'did:plc:c' }),
  row('13:26:59.500000', { did: 'did:plc:b' }),
  row('13:29:20.000000', { kind: 'post', langs: ['en'] }),
  row('13:29:21.000000', { op: 'delete' }),
].join('');

test('bsky-window: counts rows per minute, in order, with a closing summary', (t) => {
  const r = run('bsky-window', [], ROWS);
  t.equal(r.code, 0);
  t.equal(r.stdout, [
    '{"start":"2025-03-16 13:26:00","end":"2025-03-16 13:27:00","count":3}',
    '{"start":"2025-03-16 13:27:00","end":"2025-03-16 13:28:00","count":1}',
    '{"start":"2025-03-16 13:29:00","end":"2025-03-16 13:30:00","count":2}',
    '',
  ].join('\n'));
  t.equal(r.stderr, 'bsky-window: 6 lines, 6 rows, 3 windows, 0 late, 0 filtered, 0 rejected, 0 blank\n');
  t.end();
});

test('bsky-window: --count is the default and can be said', (t) => {
  t.equal(run('bsky-window', ['--count', '-q'], ROWS).stdout, run('bsky-window', ['-q'], ROWS).stdout);
  t.end();
});

test('bsky-window: --kind and --op keep matching rows, as if filtered beforehand', (t) => {
  const r = run('bsky-window', ['--kind', 'like', '--op', 'create'], ROWS);
  t.deepEqual(ndjson(r.stdout).map((w) => [w.start, w.count]), [['2025-03-16 13:26:00', 2], ['2025-03-16 13:27:00', 1]]);
  t.match(r.stderr, /6 lines, 3 rows, 2 windows, 0 late, 3 filtered, 0 rejected/);
  const list = run('bsky-window', ['-q', '--kind', 'post, like', '--op', 'create,delete'], ROWS);
  t.equal(ndjson(list.stdout).reduce((n, w) => n + (w.count as number), 0), 6, 'comma lists');
  t.end();
});

test('bsky-window: --by groups by a field; an array counts once per element, a missing field under null', (t) => {
  const r = run('bsky-window', ['-q', '--by', 'langs'], ROWS);
  t.deepEqual(ndjson(r.stdout), [
    { start: '2025-03-16 13:26:00', end: '2025-03-16 13:27:00', key: null, count: 2 },
    { start: '2025-03-16 13:26:00', end: '2025-03-16 13:27:00', key: 'en', count: 1 },
    { start: '2025-03-16 13:26:00', end: '2025-03-16 13:27:00', key: 'fr', count: 1 },
    { start: '2025-03-16 13:27:00', end: '2025-03-16 13:28:00', key: null, count: 1 },
    { start: '2025-03-16 13:29:00', end: '2025-03-16 13:30:00', key: null, count: 1 },
    { start: '2025-03-16 13:29:00', end: '2025-03-16 13:30:00', key: 'en', count: 1 },
  ]);
  t.end();
});

test('bsky-window: --distinct counts distinct values of a field per window and key', (t) => {
  const r = run('bsky-window', ['-q', '--distinct', 'did', '--by', 'kind'], ROWS);
  t.deepEqual(ndjson(r.stdout).map((w) => [w.start, w.key, w.distinct]), [
    ['2025-03-16 13:26:00', 'like', 2], ['2025-03-16 13:26:00', 'post', 1], ['2025-03-16 13:27:00', 'like', 1],
    ['2025-03-16 13:29:00', 'like', 1], ['2025-03-16 13:29:00', 'post', 1],
  ]);
  t.notOk(r.stdout.includes('"count"'), 'distinct replaces count');
  t.end();
});

test('bsky-window: --size and --hop make overlapping hopping windows', (t) => {
  const r = run('bsky-window', ['-q', '--size', '2m', '--hop', '1m', '--kind', 'like'], ROWS);
  t.deepEqual(ndjson(r.stdout).map((w) => [w.start, w.end, w.count]), [
    ['2025-03-16 13:25:00', '2025-03-16 13:27:00', 2],
    ['2025-03-16 13:26:00', '2025-03-16 13:28:00', 3],
    ['2025-03-16 13:27:00', '2025-03-16 13:29:00', 1],
    ['2025-03-16 13:28:00', '2025-03-16 13:30:00', 1],
    ['2025-03-16 13:29:00', '2025-03-16 13:31:00', 1],
  ]);
  const summary = run('bsky-window', ['--size', '2m', '--hop', '1m'], ROWS).stderr;
  t.match(summary, /0 late, 0 partly late, 0 filtered/, 'hopping windows report partly late rows');
  t.end();
});

test('bsky-window: --fill emits empty windows with 0; with --by, every key seen so far', (t) => {
  const r = run('bsky-window', ['-q', '--fill'], ROWS);
  t.deepEqual(ndjson(r.stdout).map((w) => w.count), [3, 1, 0, 2]);
  t.equal(ndjson(r.stdout)[2].start, '2025-03-16 13:28:00');
  const by = run('bsky-window', ['-q', '--fill', '--by', 'kind'], ROWS);
  t.deepEqual(ndjson(by.stdout).map((w) => [(w.start as string).slice(14, 16), w.key, w.count]), [
    ['26', 'like', 2], ['26', 'post', 1], ['27', 'like', 1], ['27', 'post', 0], ['28', 'like', 0], ['28', 'post', 0], ['29', 'like', 1], ['29', 'post', 1],
  ]);
  t.end();
});

test('bsky-window: a late row is reported on stderr, kept in --rejects, counted in the summary, and counted in no window', (t) => {
  const { dir, cleanup } = tempDir();
  const late = row('13:26:40.000000', { did: 'did:plc:late' });
  const input = row('13:26:50') + row('13:27:30') + late + row('13:27:31');
  const rejects = join(dir, 'late.ndjson');
  const r = run('bsky-window', ['--lateness', '20s', '--rejects', rejects], input);
  t.equal(r.code, 0, 'late rows alone exit 0');
  t.deepEqual(ndjson(r.stdout).map((w) => w.count), [1, 2]);
  t.equal(r.stderr, [
    'bsky-window: stdin:3: late row: time 2025-03-16T13:26:40.000000 is in windows already emitted (watermark 2025-03-16 13:27:10, --lateness 20s)',
    'bsky-window: 4 lines, 3 rows, 2 windows, 1 late, 0 filtered, 1 rejected, 0 blank',
    '',
  ].join('\n'));
  t.equal(readFileSync(rejects, 'utf8'), late, 'kept verbatim');
  const lenient = run('bsky-window', ['-q', '--lateness', '1m'], input);
  t.deepEqual(ndjson(lenient.stdout).map((w) => w.count), [2, 2], 'a larger --lateness counts it');
  const zero = run('bsky-window', ['-q', '--lateness', '0'], row('13:27:00') + row('13:26:59.999999'));
  t.deepEqual(ndjson(zero.stdout).map((w) => w.count), [1], '--lateness 0: the minute closes at its end');
  cleanup();
  t.end();
});

test('bsky-window: --strict stops with status 1 at a late row as at a bad line', (t) => {
  const r = run('bsky-window', ['--strict', '--lateness', '0'], row('13:28:00') + row('13:26:00') + row('13:29:00'));
  t.equal(r.code, 1);
  t.match(r.stderr, /^bsky-window: stdin:2: late row: .*\(--strict\)\n$/);
  t.end();
});

test('bsky-window: bad lines are reported with their number and skipped', (t) => {
  const input = [
    row('13:26:01'), 'nope\n', '[1]\n', '{"kind":"like"}\n', '{"time":"yesterday"}\n', '{"time":42}\n', '\n', row('13:26:02'), '{"time":"2025-03-16T13:2',
  ].join('');
  const r = run('bsky-window', [], input);
  t.equal(r.code, 0);
  t.deepEqual(ndjson(r.stdout).map((w) => w.count), [2]);
  const errs = r.stderr.trim().split('\n');
  t.match(errs[0], /^bsky-window: stdin:2: invalid JSON/);
  t.equal(errs[1], 'bsky-window: stdin:3: not a JSON object');
  t.equal(errs[2], 'bsky-window: stdin:4: row without a time');
  t.equal(errs[3], 'bsky-window: stdin:5: invalid time: "yesterday"');
  t.equal(errs[4], 'bsky-window: stdin:6: invalid time: 42');
  t.match(errs[5], /^bsky-window: stdin:9: invalid JSON.*truncated/);
  t.equal(errs[6], 'bsky-window: 9 lines, 2 rows, 1 windows, 0 late, 0 filtered, 6 rejected, 1 blank');
  t.equal(run('bsky-window', ['--max-line', '50', '-q'], row('13:26:01')).stdout, '', '--max-line rejects longer rows');
  t.end();
});

test('bsky-window: empty input gives empty output and exit 0', (t) => {
  const r = run('bsky-window', [], '');
  t.equal(r.code, 0);
  t.equal(r.stdout, '');
  t.equal(r.stderr, 'bsky-window: 0 lines, 0 rows, 0 windows, 0 late, 0 filtered, 0 rejected, 0 blank\n');
  t.equal(run('bsky-window', ['--fill', '--by', 'kind', '-q'], '\n\n').stdout, '');
  t.end();
});

test('bsky-window: files are read in order, as one stream of event time', (t) => {
  const { dir, cleanup } = tempDir();
  writeFileSync(join(dir, 'a.ndjson'), row('13:26:01') + row('13:27:01'));
  writeFileSync(join(dir, 'b.ndjson'), row('13:27:02') + 'bad\n');
  const r = run('bsky-window', [join(dir, 'a.ndjson'), join(dir, 'b.ndjson')]);
  t.deepEqual(ndjson(r.stdout).map((w) => w.count), [1, 2]);
  t.match(r.stderr, /b\.ndjson:2: invalid JSON/);
  cleanup();
  t.end();
});

test('bsky-window: windows stream out while the input is still open', async (t) => {
  const child = start('bsky-window', ['--lateness', '10s']);
  let out = '';
  const first = new Promise<string>((resolve) => {
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve(out);
    });
  });
  child.stdin.write(row('13:26:01') + row('13:26:30') + row('13:27:10'));
  const line = await first;
  t.equal(line, '{"start":"2025-03-16 13:26:00","end":"2025-03-16 13:27:00","count":2}\n', 'the first minute, before the input ends');
  child.stdin.end(row('13:27:20'));
  const code = await exited(child);
  t.equal(code, 0);
  t.equal(ndjson(out).length, 2, 'the last minute at the end of input');
});

test('bsky-window: | head -n 1 exits 0 at once with an empty stderr', (t) => {
  const { dir, cleanup } = tempDir();
  const base = Date.UTC(2025, 2, 16, 13, 0, 0);
  const lines: string[] = [];
  for (let i = 0; i < 30_000; i++) lines.push(`{"time":"${new Date(base + i * 1000).toISOString().slice(0, 19)}","kind":"like"}`);
  writeFileSync(join(dir, 'rows.ndjson'), lines.join('\n') + '\n');
  const r = sh(`bin/bsky-window --size 1s --lateness 0 ${dir}/rows.ndjson | head -n 1`);
  cleanup();
  t.equal(r.code, 0);
  t.equal(r.stdout, '{"start":"2025-03-16 13:00:00","end":"2025-03-16 13:00:01","count":1}\n');
  t.equal(r.stderr, '');
  t.end();
});

test('bsky-window: --help, --version, and usage errors', (t) => {
  const help = run('bsky-window', ['--help']);
  t.equal(help.code, 0);
  t.match(help.stdout, /--lateness/);
  t.match(help.stdout, /Examples:/);
  t.match(run('bsky-window', ['--version']).stdout, /^bsky-window \d+\.\d+\.\d+\n$/);
  const usage: Array<[string[], RegExp]> = [
    [['--nope'], /unknown argument: nope/],
    [['--size', 'soon'], /--size: expected a duration .*got 'soon'/],
    [['--size', '1500ms'], /--size: '1500ms' is not a whole number of seconds/],
    [['--size', '1m', '--hop', '2m'], /--hop 2m is longer than --size 1m/],
    [['--hop', 'x'], /--hop: expected a duration/],
    [['--hop', '0.5s', '--size', '1s'], /--hop: '0.5s' is not a whole number/],
    [['--lateness', 'late'], /--lateness: expected a duration/],
    [['--count', '--distinct', 'did'], /--count and --distinct exclude each other/],
    [['--by', ''], /--by needs a field name|not enough arguments/],
    [['--distinct'], /not enough arguments/],
    [['--kind', 'like', '--kind', 'post'], /--kind given more than once/],
  ];
  for (const [args, message] of usage) {
    const r = run('bsky-window', args);
    t.equal(r.code, 2, args.join(' '));
    t.match(r.stderr, message, args.join(' '));
    t.match(r.stderr, /Try 'bsky-window --help'/);
    t.equal(r.stdout, '');
  }
  t.end();
});
