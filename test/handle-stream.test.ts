import test, { type Test } from 'tape';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { NEEDS_REAL, REAL_CAPTURE, exited, ndjson, run, start, tempDir, waitUntil } from './helpers.js';

const REAL = REAL_CAPTURE ?? '';

/** A take-home line with a unique rkey and a time i milliseconds after a fixed start. */
function like(i: number): string {
  const t = new Date(Date.UTC(2025, 2, 16, 13, 0, 0) + i).toISOString().slice(0, 23) + '000';
  return JSON.stringify({ timestamp: t, action: 'create', path: `app.bsky.feed.like/k${i}`, cid: 'bafy', prev: null, record: { subject: { uri: 'at://did:plc:b/app.bsky.feed.post/p', cid: 'c' } }, repo: `did:plc:u${i % 97}` }) + '\n';
}

function spooled(spool: string): string[] {
  return readdirSync(spool).filter((f) => f.startsWith('seg-')).sort().flatMap((f) => readFileSync(join(spool, f), 'utf8').split('\n').filter(Boolean));
}


/** Spools a capture with a bad line, a blank line and a repeated first line; every line is accounted for. */
function spoolsEveryEvent(t: Test, capture: string): void {
  const { dir, cleanup } = tempDir();
  const n = capture.split('\n').filter(Boolean).length;
  const input = capture + '\n{"bad json\n' + capture.split('\n')[0] + '\n';
  const r = run('handle-stream', [], input, { cwd: dir });
  t.equal(r.code, 0);
  t.equal(r.stdout, '');
  t.equal(r.stderr.split('\n')[0].replace(/: Unterminated.*/, ''), `handle-stream: stdin:${n + 2}: invalid JSON`);
  t.equal(r.stderr.split('\n').slice(1).join('\n'), `handle-stream: ${n + 3} lines, ${n} events, 1 duplicates, 1 rejected, 1 blank\n`);
  const events = spooled(join(dir, 'spool'));
  t.equal(events.length, n);
  t.equal(events.join('\n') + '\n', run('bsky-parse', ['-q'], capture).stdout, 'the spool holds exactly what bsky-parse gives');
  t.equal(readFileSync(join(dir, 'spool', 'rejects.ndjson'), 'utf8'), '{"bad json\n');
  cleanup();
}

test('handle-stream: spools every event of a generated capture and accounts for every line', (t) => {
  spoolsEveryEvent(t, run('bsky-gen', ['-q', '--events', '2000', '--seed', '3']).stdout);
  t.end();
});

test('handle-stream: spools every event of the real capture and accounts for every line', NEEDS_REAL, (t) => {
  spoolsEveryEvent(t, readFileSync(REAL, 'utf8'));
  t.end();
});

test('handle-stream: an event redelivered after a restart is counted once', (t) => {
  const { dir, cleanup } = tempDir();
  const first = Array.from({ length: 500 }, (_, i) => like(i)).join('');
  const second = Array.from({ length: 500 }, (_, i) => like(i + 250)).join('');
  run('handle-stream', ['-q'], first, { cwd: dir });
  const r = run('handle-stream', [], second, { cwd: dir });
  t.match(r.stderr, /500 lines, 250 events, 250 duplicates/);
  t.equal(spooled(join(dir, 'spool')).length, 750);
  t.end();
  cleanup();
});

test('handle-stream: --rotate-bytes publishes several segments, each of whole lines', (t) => {
  const { dir, cleanup } = tempDir();
  const spool = join(dir, 'sp');
  const r = run('handle-stream', ['-q', '--spool', spool, '--rotate-bytes', '20000'], Array.from({ length: 2000 }, (_, i) => like(i)).join(''));
  t.equal(r.code, 0);
  const segs = readdirSync(spool).filter((f) => f.startsWith('seg-'));
  t.ok(segs.length > 5, `${segs.length} segments`);
  t.ok(segs.every((f) => readFileSync(join(spool, f), 'utf8').endsWith('\n')));
  t.equal(spooled(spool).length, 2000);
  t.notOk(readdirSync(spool).some((f) => f.startsWith('.open')), 'no open segment left');
  cleanup();
  t.end();
});

test('handle-stream: SIGTERM mid-stream flushes, exits 0, and every line read is in the spool or the rejects file', async (t) => {
  const { dir, cleanup } = tempDir();
  const child = start('handle-stream', ['--rotate-every', '1h'], { cwd: dir });
  child.stdin.on('error', () => undefined);
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  const lines: string[] = [];
  for (let i = 0; i < 3000; i++) lines.push(i % 500 === 7 ? 'garbage\n' : like(i));
  child.stdin.write(lines.join(''));
  const spool = join(dir, 'spool');
  t.ok(await waitUntil(() => existsSync(spool) && readdirSync(spool).some((f) => f.startsWith('.open') && statSync(join(spool, f)).size > 0)), 'an open segment with data');
  child.kill('SIGTERM');
  const code = await exited(child);
  t.equal(code, 0);
  const m = /(\d+) lines, (\d+) events, (\d+) duplicates, (\d+) rejected, (\d+) blank/.exec(stderr);
  t.ok(m, stderr);
  const [read, events, dups, rejected, blank] = m!.slice(1).map(Number);
  t.equal(events + dups + rejected + blank, read, 'every line read is accounted for');
  const spoolLines = spooled(spool);
  t.equal(spoolLines.length, events);
  const rejectLines = readFileSync(join(spool, 'rejects.ndjson'), 'utf8').split('\n').filter(Boolean);
  t.equal(rejectLines.length, rejected);
  // The signal may come mid-chunk: the part of a line read by then is the last line, rejected as truncated and kept.
  const last = lines[read - 1];
  const partial = rejectLines.some((r) => r !== 'garbage' && r + '\n' !== last && last.startsWith(r));
  const whole = lines.slice(0, partial ? read - 1 : read).filter((l) => l !== 'garbage\n');
  t.deepEqual(spoolLines.map((l) => ndjson(l)[0].rkey), whole.map((l) => JSON.parse(l).path.split('/')[1]), `the events spooled are those of the lines read, in order${partial ? ' (the last one read in part, rejected)' : ''}`);
  cleanup();
  t.end();
});

test('handle-stream: after SIGKILL the next start publishes the complete lines the dead process wrote', async (t) => {
  const { dir, cleanup } = tempDir();
  const spool = join(dir, 'spool');
  const child = start('handle-stream', ['--rotate-every', '1h', '-q'], { cwd: dir });
  child.stdin.on('error', () => undefined);
  child.stdin.write(Array.from({ length: 1000 }, (_, i) => like(i)).join(''));
  t.ok(await waitUntil(() => existsSync(spool) && readdirSync(spool).some((f) => f.startsWith('.open') && statSync(join(spool, f)).size > 0)), 'an open segment with data');
  child.kill('SIGKILL');
  await exited(child);
  t.equal(spooled(spool).length, 0, 'nothing published before the restart');
  const r = run('handle-stream', [], Array.from({ length: 1000 }, (_, i) => like(i)).join(''), { cwd: dir });
  t.equal(r.code, 0);
  const recovered = spooled(spool);
  t.ok(recovered.length > 0 && recovered.length <= 1000, `${recovered.length} events recovered or respooled`);
  t.equal(new Set(recovered.map((l) => ndjson(l)[0].rkey)).size, 1000, 'every event once: recovered ones are not spooled again');
  t.equal(recovered.length, 1000);
  t.notOk(readdirSync(spool).some((f) => f.startsWith('.open')));
  cleanup();
  t.end();
});

test('handle-stream: options are checked; help and version', (t) => {
  t.equal(run('handle-stream', ['--rotate-every', 'often']).code, 2);
  t.equal(run('handle-stream', ['--dedupe-window', 'x']).code, 2);
  t.equal(run('handle-stream', ['--status', 'loud']).code, 2);
  t.match(run('handle-stream', ['--help']).stdout, /--spool/);
  t.match(run('handle-stream', ['--version']).stdout, /^handle-stream \d/);
  t.end();
});

test('handle-stream: every option at once on the real capture, --time created with --tz', NEEDS_REAL, (t) => {
  const { dir, cleanup } = tempDir();
  const r = run('handle-stream', ['--status', 'always', '--time', 'created', '--tz', 'Europe/Paris', '--dedupe-window', '1m', '--rotate-every', '1s', '--max-line', '100000', '--strict', '--rejects', join(dir, 'rj')], readFileSync(REAL, 'utf8'), { cwd: dir });
  t.equal(r.code, 0);
  t.equal(ndjson(spooled(join(dir, 'spool')).join('\n'))[0].time, '2025-03-16T14:26:52.612000+01:00', '--time created with --tz');
  t.ok(existsSync(join(dir, 'rj')));
  cleanup();
  t.end();
});
