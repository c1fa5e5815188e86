import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, rmSync, statfsSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** Mounting needs root (CI runs as root); tests that mount skip themselves visibly otherwise. */
export const IS_ROOT = process.getuid?.() === 0;

/** Runs a command, throwing with its stderr when it fails. */
function must(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr.trim()}`);
}

/** Mounts a tmpfs of `size` (e.g. '1m') on a new folder `dir`; returns the unmount, to call in a finally. */
export function mountTmpfs(dir: string, size: string): () => void {
  mkdirSync(dir, { recursive: true });
  must('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]);
  return () => must('umount', ['-l', dir]);
}

/** Mounts a read-only tmpfs on a new folder `dir`; returns the unmount. */
export function mountReadOnly(dir: string): () => void {
  mkdirSync(dir, { recursive: true });
  must('mount', ['-t', 'tmpfs', '-o', 'size=64k,ro', 'tmpfs', dir]);
  return () => must('umount', ['-l', dir]);
}

/** Bytes free for writing in the file system holding `dir`. */
export function freeBytes(dir: string): number {
  const s = statfsSync(dir);
  return s.bavail * s.bsize;
}

/**
 * Fills the file system holding `dir` with a file `.filler` until only about
 * `leave` bytes are free (page granularity); remove it to free the space.
 */
export function fill(dir: string, leave: number): string {
  const path = join(dir, '.filler');
  const fd = openSync(path, 'a');
  const block = Buffer.alloc(4096, 0x2e);
  try {
    while (freeBytes(dir) > leave) writeSync(fd, block, 0, Math.min(block.length, freeBytes(dir) - leave));
  } finally {
    closeSync(fd);
  }
  return path;
}

/** Removes the filler, giving the space back. */
export function unfill(dir: string): void {
  rmSync(join(dir, '.filler'), { force: true });
}
