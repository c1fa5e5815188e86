import { closeSync, constants, existsSync, ftruncateSync, mkdirSync, openSync, readdirSync, readSync, renameSync, rmSync, fstatSync, type Dirent } from 'node:fs';
import { join } from 'node:path';
import { IoError } from '../io/io-error.js';

/**
 * The spool: a folder of published segment files `seg-<UTC time>-<token>-<seq>.ndjson`,
 * each holding complete canonical-event lines. A segment being written is a
 * hidden `.open-<token>-<seq>.ndjson` beside them; publishing is a rename, so a
 * reader lists only whole segments. `archive/YYYY-MM-DD/` holds processed ones.
 * The token is the writer's random start token (a PID before): a restarted
 * writer's names never meet a dead one's, even when it got the same PID.
 * One writer at a time holds `handle-stream.lock` (lib/lock/process-lock.ts).
 */
export const SEGMENT = /^seg-\d{8}T\d{9}Z-[0-9a-z]+-\d+\.ndjson$/;
const OPEN = /^\.open-([0-9a-z]+)-(\d+)\.ndjson$/;

/** The spool's lock file: the writer holds it for its lifetime. */
export const SPOOL_LOCK = 'handle-stream.lock';

/**
 * Told of a file named like a segment that is not a regular file (a FIFO
 * would block its reader, and periodic's lock, forever).
 */
export type SkipNote = (path: string, what: string) => void;

/**
 * The spool's policy for such a file: the run stops with one line naming it
 * (exit 1), before anything is folded or moved; nothing is lost, and the
 * stray file is left for the user to remove.
 */
export function refuseOther(path: string, what: string): never {
  const code = what === 'a directory' ? 'EISDIR' : 'EINVAL';
  throw new IoError(path, Object.assign(new Error(`${code}: ${what === 'a directory' ? 'is a directory' : `not a regular file (${what})`}`), { code }));
}

/** Published segment names in the spool folder, in publishing order; only regular files. */
export function listSegments(spool: string, skip?: SkipNote): string[] {
  if (!existsSync(spool)) return [];
  const names: string[] = [];
  for (const d of readdirSync(spool, { withFileTypes: true })) if (SEGMENT.test(d.name) && regular(spool, d, skip)) names.push(d.name);
  return names.sort();
}

/** Whether a directory entry is a regular file; tells `skip` when it is not. */
function regular(dir: string, d: Dirent, skip?: SkipNote): boolean {
  if (d.isFile()) return true;
  const what = d.isFIFO() ? 'a FIFO' : d.isDirectory() ? 'a directory' : d.isSymbolicLink() ? 'a symbolic link' : d.isSocket() ? 'a socket' : 'a device';
  skip?.(join(dir, d.name), what);
  return false;
}

/**
 * Opens a segment for reading without ever blocking: O_NONBLOCK (a FIFO
 * swapped in after listing would otherwise wait for a writer), then a check
 * that it is a regular file. Returns the descriptor.
 */
export function openSegment(path: string): number {
  let fd: number | undefined;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    const st = fstatSync(fd);
    if (st.isFile()) return fd;
    throw Object.assign(new Error(st.isDirectory() ? 'EISDIR: is a directory' : 'EINVAL: not a regular file'), { code: st.isDirectory() ? 'EISDIR' : 'EINVAL' });
  } catch (err) {
    if (fd !== undefined) closeSync(fd);
    throw new IoError(path, err);
  }
}

/** The archive's day folders, newest first. */
export function archiveDays(spool: string): string[] {
  const dir = join(spool, 'archive');
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((d) => /^\d{4}-\d{2}-\d{2}$/.test(d)).sort().reverse();
}

/** A segment's start (the UTC stamp segmentName gave it), in microseconds; NaN when the name has none. */
export function segmentStartUs(name: string): number {
  const m = /^seg-(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z-/.exec(name);
  return m ? Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6], +m[7]) * 1000 : NaN;
}

/** The name a segment gets when published now. */
export function segmentName(token: string, seq: number, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:.]/g, '').replace('Z', 'Z'); // YYYYMMDDTHHMMSSmmmZ
  return `seg-${stamp}-${token}-${String(seq).padStart(6, '0')}.ndjson`;
}

/** The hidden name of a segment still being written. */
export function openName(token: string, seq: number): string {
  return `.open-${token}-${seq}.ndjson`;
}

/**
 * Publishes what dead writers left: each open segment is cut back to its last
 * complete line and renamed into place. Call it holding the spool lock and
 * before writing: then no live writer has an open segment, so every one found
 * is a dead writer's, whatever PID it had. Returns the names published.
 */
export function recoverOrphans(spool: string, skip?: SkipNote): string[] {
  const published: string[] = [];
  for (const d of readdirSync(spool, { withFileTypes: true })) {
    const f = d.name;
    const m = OPEN.exec(f);
    if (!m || !regular(spool, d, skip)) continue;
    const path = join(spool, f);
    const keep = lastNewline(path);
    if (keep === 0) {
      rmSync(path, { force: true });
      continue;
    }
    const fd = openSync(path, 'r+');
    ftruncateSync(fd, keep);
    closeSync(fd);
    const name = segmentName(m[1], +m[2]);
    renameSync(path, join(spool, name));
    published.push(name);
  }
  return published;
}


/** Moves a processed segment into the archive's day folder. */
export function archiveSegment(spool: string, name: string, day: string): void {
  const dir = join(spool, 'archive', day);
  mkdirSync(dir, { recursive: true });
  renameSync(join(spool, name), join(dir, name));
}

/** Length of the file up to and including its last newline. */
function lastNewline(path: string): number {
  const fd = openSegment(path);
  try {
    let end = fstatSync(fd).size;
    const buf = Buffer.alloc(64 * 1024);
    while (end > 0) {
      const start = Math.max(0, end - buf.length);
      const n = readSync(fd, buf, 0, end - start, start);
      const nl = buf.subarray(0, n).lastIndexOf(10);
      if (nl >= 0) return start + nl + 1;
      end = start;
    }
    return 0;
  } finally {
    closeSync(fd);
  }
}
