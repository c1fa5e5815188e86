import test from 'tape';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NEEDS_REAL, REAL_CAPTURE, ndjson, run, sh, tempDir } from './helpers.js';

const REAL = REAL_CAPTURE ?? '';
const line = (o: object): string => JSON.stringify(o) + '\n';
const takeHome = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  timestamp: '2025-03-16T13:26:53.075991', action: 'create', path: 'app.bsky.feed.like/3lkiqjyvkqx2d', cid: 'bafyx', prev: null,
  py_type: 'com.atproto.sync.subscribeRepos#repoOp',
  record: { $type: 'app.bsky.feed.like', subject: { cid: 'bafys', uri: 'at://did:plc:b/app.bsky.feed.post/3abc' }, createdAt: '2025-03-16T13:26:52.307Z' },
  repo: 'did:plc:a', ...over,
});

test('bsky-parse: all 423 lines of the real capture parse with none rejected', NEEDS_REAL, (t) => {
  const r = run('bsky-parse', [REAL]);
  t.equal(r.code, 0);
  t.equal(ndjson(r.stdout).length, 423);
  t.equal(r.stderr, 'bsky-parse: 423 lines, 423 events, 0 duplicates, 0 rejected, 0 blank\n');
  t.end();
});

test('bsky-parse: its own output parses to the same events (idempotent)', (t) => {
  const once = run('bsky-parse', ['-q'], run('bsky-gen', ['-q', '--events', '3000', '--format', 'jetstream']).stdout + run('bsky-gen', ['-q', '--events', '3000', '--seed', '2']).stdout).stdout;
  t.ok(once.length > 0);
  const twice = run('bsky-parse', ['-q'], once);
  t.equal(twice.stdout, once);
  t.equal(twice.stderr, '');
  t.end();
});

test('bsky-parse: a Jetstream commit becomes the same event in UTC, or in --tz', (t) => {
  const js = { did: 'did:plc:a', time_us: 1742131613075991, kind: 'commit', commit: { rev: 'r', operation: 'create', collection: 'app.bsky.feed.like', rkey: 'k1', cid: 'c', record: { subject: { uri: 'at://x', cid: 'y' } } } };
  const utc = ndjson(run('bsky-parse', ['-q'], line(js)).stdout)[0];
  t.equal(utc.time, '2025-03-16T13:26:53.075991Z');
  t.equal(utc.collection, 'app.bsky.feed.like');
  const paris = ndjson(run('bsky-parse', ['-q', '--tz', 'Europe/Paris'], line(js)).stdout)[0];
  t.equal(paris.time, '2025-03-16T14:26:53.075991+01:00');
  t.end();
});

test('bsky-parse: a timestamp without offset keeps its clock, also with --tz', (t) => {
  const e = ndjson(run('bsky-parse', ['-q', '--tz', 'Asia/Tokyo'], line(takeHome())).stdout)[0];
  t.equal(e.time, '2025-03-16T13:26:53.075991');
  t.end();
});

test('bsky-parse: --time created takes record.createdAt', (t) => {
  const e = ndjson(run('bsky-parse', ['-q', '--time', 'created'], line(takeHome())).stdout)[0];
  t.equal(e.time, '2025-03-16T13:26:52.307000Z');
  t.end();
});

test('bsky-parse: the same event twice within the dedupe window is kept once', (t) => {
  const later = takeHome({ timestamp: '2025-03-16T13:35:00.000000' });
  const r = run('bsky-parse', [], line(takeHome()) + line(later));
  t.equal(ndjson(r.stdout).length, 1);
  t.match(r.stderr, /1 events, 1 duplicates/);
  const off = run('bsky-parse', ['--dedupe-window', '0', '-q'], line(takeHome()) + line(later));
  t.equal(ndjson(off.stdout).length, 2, '--dedupe-window 0 keeps both');
  const short = run('bsky-parse', ['--dedupe-window', '1m', '-q'], line(takeHome()) + line(takeHome({ timestamp: '2025-03-16T13:29:00' })));
  t.equal(ndjson(short.stdout).length, 2, 'outside a 1m window both count');
  t.end();
});

test('bsky-parse: bad lines are reported with their number and kept verbatim in --rejects', (t) => {
  const { dir, cleanup } = tempDir();
  const bad = [
    line(takeHome()),
    '{"truncated": \n',
    '\n',
    '   \n',
    line(takeHome({ repo: 'not-a-did' })),
    line(takeHome({ path: 'app.bsky.feed.like/k2', timestamp: '2025-02-30T00:00:00' })),
    '[1,2]\n',
    '{"hello":"world"}\n',
    line(takeHome({ path: 'app.bsky.feed.like/deep', record: JSON.parse('['.repeat(100) + ']'.repeat(100)) })),
  ].join('');
  const rejects = join(dir, 'rejects.ndjson');
  const r = run('bsky-parse', ['--rejects', rejects], Buffer.concat([Buffer.from(bad), Buffer.from([0xff, 0xfe, 0x0a]), Buffer.from('{"last": tru')]));
  t.equal(r.code, 0, 'skipped lines alone exit 0');
  t.equal(ndjson(r.stdout).length, 1);
  const errs = r.stderr.trim().split('\n');
  t.deepEqual(errs.slice(0, -1).map((l) => l.split(':').slice(0, 3).join(':')), [
    'bsky-parse: stdin:2', 'bsky-parse: stdin:5', 'bsky-parse: stdin:6', 'bsky-parse: stdin:7', 'bsky-parse: stdin:8', 'bsky-parse: stdin:9', 'bsky-parse: stdin:10', 'bsky-parse: stdin:11',
  ]);
  t.match(errs[1], /invalid repo/);
  t.match(errs[2], /invalid timestamp/);
  t.match(errs[5], /record .*without a record object|deeper|record object/);
  t.match(errs[6], /invalid UTF-8/);
  t.match(errs[7], /truncated/);
  t.equal(errs[8], 'bsky-parse: 11 lines, 1 events, 0 duplicates, 8 rejected, 2 blank');
  const kept = readFileSync(rejects);
  t.equal(kept.toString('latin1').split('\n').length - 1, 8, 'eight rejected lines kept');
  t.ok(kept.includes(Buffer.from([0xff, 0xfe, 0x0a])), 'invalid bytes kept verbatim');
  cleanup();
  t.end();
});

test('bsky-parse: a 5 MB line is rejected and kept whole in the rejects file', (t) => {
  const { dir, cleanup } = tempDir();
  const big = '{"x":"' + 'a'.repeat(5 << 20) + '"}\n';
  const rejects = join(dir, 'r.ndjson');
  const r = run('bsky-parse', ['--rejects', rejects], line(takeHome()) + big + line(takeHome({ path: 'app.bsky.feed.like/k3' })));
  t.equal(ndjson(r.stdout).length, 2);
  t.match(r.stderr, /stdin:2: line too long \(5242888 bytes; limit 1048576/);
  t.equal(readFileSync(rejects, 'utf8'), big);
  const small = run('bsky-parse', ['--max-line', '100', '-q'], line(takeHome()));
  t.equal(small.stdout, '', '--max-line lowers the limit');
  cleanup();
  t.end();
});

test('bsky-parse: 100,000-deep nesting is rejected, not a crash', (t) => {
  const deep = '{"a":' + '['.repeat(100000) + ']'.repeat(100000) + '}\n';
  const r = run('bsky-parse', [], deep + line(takeHome({ record: { a: JSON.parse('['.repeat(70) + ']'.repeat(70)) } })));
  t.equal(r.code, 0);
  t.match(r.stderr, /stdin:1: unrecognised line/);
  t.match(r.stderr, /stdin:2: record nested deeper than 64 levels/);
  t.end();
});

test('bsky-parse: --max-depth sets how deep a record may nest', (t) => {
  const nested = line(takeHome({ record: { a: { b: { c: { d: 1 } } } } }));
  t.equal(ndjson(run('bsky-parse', ['-q'], nested).stdout).length, 1, 'four levels pass the default of 64');
  const r = run('bsky-parse', ['--max-depth', '3'], nested);
  t.equal(r.stdout, '');
  t.match(r.stderr, /stdin:1: record nested deeper than 3 levels/);
  t.end();
});

test('bsky-parse: --strict stops at the first bad line with status 1', (t) => {
  const r = run('bsky-parse', ['--strict'], line(takeHome()) + 'nope\n' + line(takeHome({ path: 'app.bsky.feed.like/k9' })));
  t.equal(r.code, 1);
  t.match(r.stderr, /^bsky-parse: stdin:2: invalid JSON.*\(--strict\)\n$/);
  t.end();
});

test('bsky-parse: empty input gives empty output and exit 0', (t) => {
  const r = run('bsky-parse', [], '');
  t.equal(r.code, 0);
  t.equal(r.stdout, '');
  t.equal(r.stderr, 'bsky-parse: 0 lines, 0 events, 0 duplicates, 0 rejected, 0 blank\n');
  t.end();
});

test('bsky-parse: files given as arguments are read in order and named in errors', (t) => {
  const { dir, cleanup } = tempDir();
  const a = join(dir, 'a.ndjson');
  sh(`printf '%s\\nbad\\n' '${JSON.stringify(takeHome())}' > ${a}`);
  const r = run('bsky-parse', [a, a]);
  t.equal(ndjson(r.stdout).length, 1, 'the second copy is all duplicates');
  t.match(r.stderr, new RegExp(`${a}:2: invalid JSON`));
  const missing = run('bsky-parse', [join(dir, 'missing.ndjson')]);
  t.equal(missing.code, 1);
  t.match(missing.stderr, /^bsky-parse: .*missing.ndjson: ENOENT/);
  cleanup();
  t.end();
});

test('bsky-parse: | head -n 1 exits 0 at once with an empty stderr', (t) => {
  const { dir, cleanup } = tempDir();
  sh(`bsky-gen -q --events 20000 > ${dir}/big.ndjson`);
  const r = sh(`bin/bsky-parse --dedupe-window 0 ${dir}/big.ndjson | head -n 1`);
  cleanup();
  t.equal(r.code, 0);
  t.equal(r.stdout.split('\n').length, 2);
  t.equal(r.stderr, '');
  t.end();
});

test('bsky-parse: --help, --version, and usage errors', (t) => {
  const help = run('bsky-parse', ['--help']);
  t.equal(help.code, 0);
  t.match(help.stdout, /Examples:/);
  const version = run('bsky-parse', ['--version']);
  t.match(version.stdout, /^bsky-parse \d+\.\d+\.\d+\n$/);
  const bad = run('bsky-parse', ['--nope']);
  t.equal(bad.code, 2);
  t.match(bad.stderr, /Try 'bsky-parse --help'/);
  t.equal(run('bsky-parse', ['--tz', 'Mars/Olympus']).code, 2);
  t.equal(run('bsky-parse', ['--dedupe-window', 'soon']).code, 2);
  t.equal(run('bsky-parse', ['--time', 'never']).code, 2);
  t.end();
});
