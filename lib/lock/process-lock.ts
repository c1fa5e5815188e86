import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, constants, existsSync, ftruncateSync, openSync, readFileSync, readlinkSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { IoError } from '../io/io-error.js';
import { makeDir } from '../io/make-dir.js';
import lockfile from 'proper-lockfile';

/**
 * One process at a time on a folder (handle-stream on a spool, periodic on a
 * state folder), by a lock that ends with its holder.
 *
 * First choice, a kernel lock: flock(2) on `path`, held through our own open
 * file description for the life of the process and dropped by the kernel when
 * it exits, however it dies, whatever its PID or PID namespace. Node has no
 * flock call; util-linux `flock` locks the descriptor we pass it as its fd 3,
 * and the lock stays with that description (ours) after it exits. The file
 * holds who has it, for the refusal message only: the kernel decides.
 *
 * Fallback, where `flock` is missing or the file system refuses flock: the
 * age lock periodic always had, proper-lockfile's directory `path.d` whose
 * mtime the holder refreshes, plus `path.d.json` naming the holder. A holder
 * on this host (same boot, same PID namespace) is taken over at once when its
 * PID is gone or is another process (start time in /proc/PID/stat); one that
 * cannot be checked (another host) only once older than `staleMs`.
 */
export interface HeldLock {
  /** 'kernel' (flock) or 'age' (the fallback). */
  kind: 'kernel' | 'age';
  /** Random, new for every holder: names made with it never meet a dead holder's, as PIDs can. */
  token: string;
  /** Why the lock was lost (an age lock taken over while we stalled), or null. */
  lost(): Error | null;
  release(): Promise<void>;
}

export type LockAttempt = { held: HeldLock } | { holder: string };

interface Holder {
  tool: string;
  pid: number;
  host: string;
  since: string;
  token: string;
  /** For the fallback's liveness check: boot id, PID namespace, start time in clock ticks since boot. */
  boot?: string;
  pidns?: string;
  start?: string;
}

/** Takes the lock on `path` for this process, or names who holds it. */
export async function lockProcess(path: string, opts: { tool: string; staleMs: number }): Promise<LockAttempt> {
  makeDir(dirname(path));
  const me: Holder = {
    tool: opts.tool, pid: process.pid, host: hostname(), since: new Date().toISOString(), token: randomBytes(5).toString('hex'),
    boot: readProc('/proc/sys/kernel/random/boot_id'), pidns: pidNamespace('self'), start: startTicks(process.pid),
  };
  try {
    const kernel = kernelLock(path, me);
    if (kernel !== undefined) return kernel;
    return await ageLock(path, me, opts.staleMs);
  } catch (err) {
    throw err instanceof IoError ? err : new IoError(path, err);
  }
}

function kernelLock(path: string, me: Holder): LockAttempt | undefined {
  const fd = openSync(path, constants.O_RDWR | constants.O_CREAT, 0o644);
  const r = spawnSync('flock', ['--nonblock', '--exclusive', '--conflict-exit-code', '75', '3'], { stdio: ['ignore', 'ignore', 'pipe', fd] });
  if (r.status === 75) {
    closeSync(fd);
    return { holder: describe(readHolder(path)) };
  }
  if (r.status !== 0) {
    // No flock(1) here, or a file system without flock: the caller falls back to the age lock.
    closeSync(fd);
    return undefined;
  }
  const text = JSON.stringify(me) + '\n';
  try {
    ftruncateSync(fd, 0);
    writeSync(fd, text, 0);
  } catch {
    // Who holds the lock is only for messages: a full disk must not stop a run that holds it.
  }
  return {
    held: {
      kind: 'kernel', token: me.token, lost: () => null,
      release: async () => {
        // The file stays: unlinking a lock file lets a waiter lock the old inode while a newcomer locks a new one.
        ftruncateSync(fd, 0);
        closeSync(fd);
      },
    },
  };
}

async function ageLock(path: string, me: Holder, staleMs: number): Promise<LockAttempt> {
  const dir = `${path}.d`;
  const info = `${dir}.json`;
  let lost: Error | null = null;
  for (let attempt = 0; ; attempt++) {
    const holder = existsSync(dir) ? readHolder(info) : null;
    const verdict = holder ? liveness(holder, me) : 'unknown';
    // A holder we can see alive is never taken over, however old its lock (a stopped or very slow run).
    if (verdict === 'alive') return { holder: describe(holder) };
    // One we can see dead is taken over at once; only an unknown one waits out the stale time.
    if (verdict === 'dead') rmSync(dir, { recursive: true, force: true });
    try {
      const release = await lockfile.lock(dirname(path), {
        lockfilePath: dir, realpath: false, retries: 0, stale: staleMs, update: Math.max(1000, staleMs / 4),
        onCompromised: (err) => {
          lost = err;
        },
      });
      writeFileSync(info, JSON.stringify(me) + '\n');
      return {
        held: {
          kind: 'age', token: me.token, lost: () => lost,
          release: async () => {
            rmSync(info, { force: true });
            await release().catch(() => undefined);
          },
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ELOCKED') throw err;
      // Taken between our look and our try: look once more, at who has it now.
      if (attempt === 0) continue;
      return { holder: describe(readHolder(info)) };
    }
  }
}

/**
 * Whether a recorded holder still runs, when that can be proven: only for one
 * on this boot of this host and in our PID namespace, whose PID is then gone
 * or another process (start time in /proc/PID/stat) when it is dead.
 */
function liveness(h: Holder, me: Holder): 'alive' | 'dead' | 'unknown' {
  if (h.host !== me.host || !h.boot || h.boot !== me.boot || !h.pidns || h.pidns !== me.pidns || !h.start) return 'unknown';
  return startTicks(h.pid) === h.start ? 'alive' : 'dead';
}

function readHolder(path: string): Holder | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Holder;
  } catch {
    return null;
  }
}

function describe(h: Holder | null): string {
  if (h === null || typeof h.pid !== 'number') return 'another process (who is not recorded yet)';
  return `${h.tool} pid ${h.pid} on ${h.host} since ${h.since}`;
}

function readProc(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

function pidNamespace(pid: string): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/ns/pid`);
  } catch {
    return undefined;
  }
}

/** Field 22 of /proc/PID/stat, the process's start time: a reused PID has another one. */
function startTicks(pid: number): string | undefined {
  const stat = readProc(`/proc/${pid}/stat`);
  if (stat === undefined) return undefined;
  // The command name (field 2) is in parentheses and may hold spaces: count fields after its closing one.
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
}
