import test from 'tape';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { ENV, ROOT, run, start, tempDir } from './helpers.js';

const ROOT_USER = process.getuid?.() === 0;
const UNSHARE = ROOT_USER && spawnSync('unshare', ['-pf', '--mount-proc', 'true']).status === 0;

/** A take-home like with a unique rkey, i milliseconds after a fixed start. */
function like(i: number): string {
  const t = new Date(Date.UTC(2025, 2, 16, 13, 0, 0) + i * 3).toISOString().slice(0, 23) + '000';
  return JSON.stringify({ timestamp: t, action: 'create', path: `app.bsky.feed.like/k${i}`, cid: 'bafy', prev: null, record: { subject: { uri: 'at://did:plc:b/app.bsky.feed.post/p', cid: 'c' } }, repo: `did:plc:u${i % 97}` }) + '\n';
}

function likes(from: number, to: number): string {
  let out = '';
  for (let i = from; i < to; i++) out += like(i);
  return out;
}

/** Waits for cond, polling; fails (rejects) after `ms`. */
async function waitFor(cond: () => boolean, what: string, ms = 30_000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Complete lines in the open segments of a spool. */
function openLines(spool: string): number {
  if (!existsSync(spool)) return 0;
  let n = 0;
  for (const f of readdirSync(spool)) {
    if (!f.startsWith('.open-')) continue;
    const b = readFileSync(join(spool, f));
    for (let i = 0; i < b.length; i++) if (b[i] === 10) n++;
  }
  return n;
}

function csvs(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(join(dir, 'metrics')).sort()) out[f] = readFileSync(join(dir, 'metrics', f), 'utf8');
  return out;
}

function spooledEvents(spool: string): number {
  return readdirSync(spool).filter((f) => f.startsWith('seg-')).reduce((n, f) => n + readFileSync(join(spool, f), 'utf8').split('\n').filter(Boolean).length, 0);
}

/** A PATH holding only node, so that util-linux flock is missing and the locks fall back. */
function pathWithoutFlock(dir: string): string {
  const bin = join(dir, 'nodebin');
  mkdirSync(bin);
  symlinkSync(process.execPath, join(bin, 'node'));
  return bin;
}

test('handle-stream: restarted as PID 1 of a fresh PID namespace after kill -9, it publishes the dead PID 1\'s open segment: every event folded once', { skip: !UNSHARE }, async (t) => {
  const first = likes(0, 20_000);
  const second = likes(20_000, 30_000);
  const clean = tempDir();
  run('handle-stream', ['-q'], first + second, { cwd: clean.dir });
  run('periodic', ['-q'], '', { cwd: clean.dir });
  const expected = csvs(clean.dir);
  clean.cleanup();

  const { dir, cleanup } = tempDir();
  const spool = join(dir, 'spool');
  const hs = join(ROOT, 'bin', 'handle-stream');
  try {
    const outer = spawn('unshare', ['-pf', '--mount-proc', hs, '-q', '--rotate-every', '1h'], { cwd: dir, env: ENV, stdio: ['pipe', 'ignore', 'pipe'] });
    outer.stdin.on('error', () => undefined);
    const closed = new Promise((r) => outer.on('close', r));
    outer.stdin.write(first);
    await waitFor(() => openLines(spool) === 20_000, 'the first 20,000 events in the open segment');
    // The writer is PID 1 of its namespace, a child of unshare: kill it, not unshare.
    const children = readFileSync(`/proc/${outer.pid}/task/${outer.pid}/children`, 'utf8').trim().split(/\s+/).map(Number);
    t.equal(children.length, 1, 'unshare has one child, the writer');
    process.kill(children[0], 'SIGKILL');
    await closed;
    t.equal(spooledEvents(spool), 0, 'nothing published before the restart');
    const again = spawnSync('unshare', ['-pf', '--mount-proc', hs, '--rotate-every', '1h'], { cwd: dir, env: ENV, input: second, encoding: 'utf8', timeout: 60_000 });
    t.equal(again.status, 0, again.stderr);
    t.match(again.stderr, /10000 events, 0 duplicates/);
    t.equal(spooledEvents(spool), 30_000, 'both runs\' events are in the spool, once');
    t.notOk(readdirSync(spool).some((f) => f.startsWith('.open-')), 'no open segment left');
    t.equal(run('periodic', ['-q'], '', { cwd: dir }).code, 0);
    t.deepEqual(csvs(dir), expected, 'CSVs identical to a clean run');
  } finally {
    cleanup();
  }
  t.end();
});

for (const fallback of [false, true]) {
  const how = fallback ? ' (age lock, without flock)' : '';
  test(`handle-stream: a second handle-stream on the same spool is refused with one line naming the spool and the holder${how}`, async (t) => {
    const { dir, cleanup } = tempDir();
    const env: Record<string, string> = fallback ? { PATH: pathWithoutFlock(dir) } : {};
    const spool = join(dir, 'spool');
    const first = start('handle-stream', ['-q', '--rotate-every', '1h'], { cwd: dir, env });
    first.stdin.on('error', () => undefined);
    let firstErr = '';
    first.stderr.on('data', (d: Buffer) => (firstErr += d));
    const closed = new Promise<number | null>((r) => first.on('close', r));
    try {
      first.stdin.write(likes(0, 100));
      await waitFor(() => openLines(spool) === 100, 'the first writer\'s events');
      const second = run('handle-stream', ['-q'], likes(100, 200), { cwd: dir, env });
      t.equal(second.code, 1, 'the second exits 1');
      t.match(second.stderr, new RegExp(`^handle-stream: spool \\./spool is in use by handle-stream pid ${first.pid} on \\S+ since \\S+\\n$`), second.stderr);
      first.stdin.end(likes(200, 300));
      t.equal(await closed, 0, firstErr);
      t.equal(spooledEvents(spool), 200, 'only the first writer\'s events are spooled');
      const third = run('handle-stream', [], likes(100, 200), { cwd: dir, env });
      t.equal(third.code, 0, 'the spool is free again once the first has exited');
      t.match(third.stderr, /100 events, 0 duplicates/);
    } finally {
      first.kill('SIGKILL');
      cleanup();
    }
    t.end();
  });

  test(`handle-stream: killed with SIGKILL, a restart takes the spool at once and publishes what the dead one wrote${how}`, async (t) => {
    const { dir, cleanup } = tempDir();
    const env: Record<string, string> = fallback ? { PATH: pathWithoutFlock(dir) } : {};
    const spool = join(dir, 'spool');
    const first = start('handle-stream', ['-q', '--rotate-every', '1h'], { cwd: dir, env });
    first.stdin.on('error', () => undefined);
    const closed = new Promise((r) => first.on('close', r));
    try {
      first.stdin.write(likes(0, 500));
      await waitFor(() => openLines(spool) === 500, 'the first writer\'s events');
      first.kill('SIGKILL');
      await closed;
      const again = run('handle-stream', [], likes(500, 1000), { cwd: dir, env });
      t.equal(again.code, 0, again.stderr);
      t.equal(spooledEvents(spool), 1000);
    } finally {
      cleanup();
    }
    t.end();
  });
}
