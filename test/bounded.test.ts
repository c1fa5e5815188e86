import test from 'tape';
import { spawnSync } from 'node:child_process';
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENV, ROOT, run, sh, tempDir } from './helpers.js';

/** Runs bin/<tool> with a time bound: a hang fails the test instead of holding the suite. */
function bounded(tool: string, args: string[], opts: { cwd?: string; input?: string } = {}) {
  const r = spawnSync(join(ROOT, 'bin', tool), args, { cwd: opts.cwd ?? ROOT, env: ENV, input: opts.input ?? '', encoding: 'utf8', timeout: 60_000, killSignal: 'SIGKILL', maxBuffer: 1 << 26 });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

test('bsky-plot: an endless input (/dev/zero) stops at the size cap: exit 1, one line', (t) => {
  const r = bounded('bsky-plot', ['/dev/zero']);
  t.equal(r.signal, null, 'not killed by the time bound');
  t.equal(r.code, 1);
  t.equal(r.stderr, 'bsky-plot: /dev/zero: too large to chart (more than 8388608 bytes)\n');
  t.equal(r.stdout, '');
  const stdin = sh('head -c 20000000 /dev/zero | bsky-plot');
  t.equal(stdin.code, 1);
  t.equal(stdin.stderr, 'bsky-plot: stdin: too large to chart (more than 8388608 bytes)\n');
  t.end();
});

test('bsky-plot: more rows than a chart takes are refused with one line: bars past 10,000, any chart past 100,000', (t) => {
  const { dir, cleanup } = tempDir();
  const bars = ['word,count', ...Array.from({ length: 10_001 }, (_, i) => `w${i},${i}`)].join('\n') + '\n';
  writeFileSync(join(dir, 'bars.csv'), bars);
  const r = bounded('bsky-plot', [join(dir, 'bars.csv')]);
  t.equal(r.code, 1);
  t.match(r.stderr, /^bsky-plot: \S+bars\.csv: 10001 rows are too many bars \(at most 10000\); try --type columns\n$/);
  t.equal(bounded('bsky-plot', ['--type', 'columns', join(dir, 'bars.csv')]).code, 0, 'columns take them');
  const t0 = Date.UTC(2025, 0, 1);
  const series = ['time,likes', ...Array.from({ length: 100_001 }, (_, i) => `${new Date(t0 + i * 60_000).toISOString().slice(0, 16).replace('T', ' ')}:00,${i % 7}`)].join('\n') + '\n';
  writeFileSync(join(dir, 'series.csv'), series);
  const s = bounded('bsky-plot', [join(dir, 'series.csv')]);
  t.equal(s.code, 1);
  t.match(s.stderr, /^bsky-plot: \S+series\.csv: too many rows to chart \(more than 100000\)\n$/);
  writeFileSync(join(dir, 'series.csv'), series.split('\n').slice(0, 100_001).join('\n') + '\n');
  t.equal(bounded('bsky-plot', [join(dir, 'series.csv')]).code, 0, '100,000 rows are drawn');
  const bad = ['word,count', ...Array.from({ length: 10_001 }, (_, i) => `w${i},x`)].join('\n') + '\n';
  const b = bounded('bsky-plot', ['-q'], { input: bad });
  t.equal(b.code, 1);
  t.equal(b.stderr, "bsky-plot: stdin: more than 10000 bad rows (the first at line 2: not a number: 'x'): not a chart's input\n");
  cleanup();
  t.end();
});

test('bsky-window: --size and --hop that put a row in too many windows are a usage error naming both flags', (t) => {
  const r = bounded('bsky-window', ['--size', '1000000d', '--hop', '1s'], { input: '' });
  t.equal(r.code, 2);
  t.equal(r.stderr, "bsky-window: --size 1000000d with --hop 1s puts every row in 86400000000 windows (at most 10000): use a longer --hop or a shorter --size\nTry 'bsky-window --help' for more information.\n");
  t.equal(bounded('bsky-window', ['--size', '1d', '--hop', '10s'], { input: '' }).code, 0, '1d by 10s (8,640 windows) is allowed');
  t.end();
});

test('periodic and handle-stream: a FIFO named like a segment is never waited on: one line naming it, exit 1, nothing moved', (t) => {
  const { dir, cleanup } = tempDir();
  const spool = join(dir, 'spool');
  t.equal(run('handle-stream', ['-q'], '{"time":"2025-03-16T13:00:00.000000","did":"did:plc:a","op":"create","collection":"app.bsky.feed.like","rkey":"k1","cid":"c","record":{"subject":{"uri":"at://did:plc:b/app.bsky.feed.post/p","cid":"c"}}}\n', { cwd: dir }).code, 0);
  const fifo = 'seg-20250316T000000000Z-1-000001.ndjson';
  if (spawnSync('mkfifo', [join(spool, fifo)]).status !== 0) throw new Error('mkfifo failed');
  const before = readdirSync(spool).sort();
  const p = bounded('periodic', [], { cwd: dir });
  t.equal(p.signal, null, 'periodic did not hang');
  t.equal(p.code, 1);
  t.equal(p.stderr, `periodic: spool/${fifo}: EINVAL: not a regular file (a FIFO)\n`);
  t.deepEqual(readdirSync(spool).sort(), before, 'nothing folded or moved');
  const h = bounded('handle-stream', [], { cwd: dir, input: '' });
  t.equal(h.signal, null, 'handle-stream did not hang');
  t.equal(h.code, 1);
  t.equal(h.stderr, `handle-stream: spool/${fifo}: EINVAL: not a regular file (a FIFO)\n`);
  rmSync(join(spool, fifo));
  const again = bounded('periodic', [], { cwd: dir });
  t.equal(again.code, 0, again.stderr);
  t.match(again.stdout, /^periodic: 1 new segments, 1 events/, 'once it is gone, the run goes on with nothing lost');
  cleanup();
  t.end();
});
