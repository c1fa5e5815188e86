import test from 'tape';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, run, start, tempDir } from './helpers.js';

/** A seeded generated capture (likes, posts, fast likers, a few bad lines). */
function capture(events: number, seed: number): string {
  const r = spawnSync(join(ROOT, 'bin', 'bsky-gen'), ['--events', String(events), '--seed', String(seed), '--rate', '40', '--fast-likers', '2', '--engineering', '0.3', '-q'], { maxBuffer: 1 << 30, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return r.stdout;
}

function csvs(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(join(dir, 'metrics')).sort()) out[f] = readFileSync(join(dir, 'metrics', f), 'utf8');
  return out;
}

/** A PATH holding only node, so that util-linux flock is missing and the lock falls back to its age lock. */
function pathWithoutFlock(dir: string): string {
  const bin = join(dir, 'nodebin');
  mkdirSync(bin);
  symlinkSync(process.execPath, join(bin, 'node'));
  return bin;
}

async function waitFor(cond: () => boolean, what: string, ms = 30_000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const input = capture(4000, 5);
const clean = ((): Record<string, string> => {
  const { dir, cleanup } = tempDir();
  run('handle-stream', ['-q', '--rotate-bytes', '100000'], input, { cwd: dir });
  run('periodic', ['-q'], '', { cwd: dir });
  const out = csvs(dir);
  cleanup();
  return out;
})();

for (const fallback of [false, true]) {
  const how = fallback ? ' (age lock, without flock)' : '';

  test(`periodic: right after kill -9 mid-run, the next run takes the lock at once and gives the CSVs of a clean run${how}`, async (t) => {
    const { dir, cleanup } = tempDir();
    const env: Record<string, string> = fallback ? { PATH: pathWithoutFlock(dir) } : {};
    try {
      run('handle-stream', ['-q', '--rotate-bytes', '100000'], input, { cwd: dir });
      const killed = run('periodic', ['-q'], '', { cwd: dir, env: { ...env, BSKY_CRASH_AT: 'fold' } });
      t.equal(killed.signal, 'SIGKILL', 'killed while folding, holding the lock');
      if (!fallback) {
        // A run killed at a random moment too: the kernel frees whatever it held. (The age lock has a window, between
        // dropping its record and its directory on release, where a killed run leaves a holder it cannot name: that one
        // waits out --lock-stale, as documented.)
        const child = start('periodic', ['-q'], { cwd: dir, env });
        setTimeout(() => child.kill('SIGKILL'), Math.floor(Math.random() * 300));
        await new Promise((r) => child.on('close', r));
      }
      const next = run('periodic', [], '', { cwd: dir, env });
      t.equal(next.code, 0, next.stderr);
      t.equal(next.stderr, '', 'no "another run is in progress"');
      t.match(next.stdout, /^periodic: \d+ new segments/);
      t.deepEqual(csvs(dir), clean, 'CSVs identical to a clean run');
    } finally {
      cleanup();
    }
    t.end();
  });

  test(`periodic: a live holder is never taken over, even stopped past --lock-stale${how}`, async (t) => {
    const { dir, cleanup } = tempDir();
    const env: Record<string, string> = fallback ? { PATH: pathWithoutFlock(dir) } : {};
    run('handle-stream', ['-q', '--rotate-bytes', '100000'], input, { cwd: dir });
    const holder = start('periodic', ['-q', '--lock-stale', '2s'], { cwd: dir, env: { ...env, BSKY_STOP_AT: 'fold' } });
    let holderErr = '';
    holder.stderr.on('data', (d: Buffer) => (holderErr += d));
    const closed = new Promise<number | null>((r) => holder.on('close', r));
    try {
      // The holder stops itself (SIGSTOP) on reaching the fold step, lock held.
      await waitFor(() => /^\d+ \(.*\) T/.test(readFileSync(`/proc/${holder.pid}/stat`, 'utf8')), 'the holder to stop');
      await new Promise((r) => setTimeout(r, 2500));
      const other = run('periodic', ['--lock-stale', '2s'], '', { cwd: dir, env });
      t.equal(other.code, 0);
      t.match(other.stderr, new RegExp(`^periodic: another run is in progress \\(periodic pid ${holder.pid} on \\S+ since \\S+\\); nothing done\\n$`), other.stderr);
      t.equal(other.stdout, '');
      holder.kill('SIGCONT');
      t.equal(await closed, 0, holderErr);
      const last = run('periodic', ['-q'], '', { cwd: dir, env });
      t.equal(last.code, 0, last.stderr);
      t.deepEqual(csvs(dir), clean, 'CSVs identical to a clean run');
    } finally {
      holder.kill('SIGKILL');
      cleanup();
    }
    t.end();
  });
}
