import {
  closeSync, constants, createReadStream, existsSync, ftruncateSync, mkdirSync, openSync, readdirSync, readSync, renameSync, rmSync, fstatSync, type ReadStream,
} from 'node:fs';
import { join } from 'node:path';
import { IoError } from '../io/io-error.js';

/**
 * The spool: a folder of published segment files `seg-<UTC time>-<pid>-<seq>.ndjson`,
 * each holding complete canonical-event lines. A segment being written is a
 * hidden `.open-<pid>-<seq>.ndjson` beside them; publishing is a rename, so a
 * reader lists only whole segments. `archive/YYYY-MM-DD/` holds processed ones.
 */
export const SEGMENT = /^seg-\d{8}T\d{9}Z-\d+-\d+\.ndjson$/;
const OPEN = /^\.open-(\d+)-(\d+)\.ndjson$/;

/** Published segment names in the spool folder, in publishing order. */
export function listSegments(spool: string): string[] {
  if (!existsSync(spool)) return [];
  return readdirSync(spool).filter((f) => SEGMENT.test(f)).sort();
}

/** The archive's day folders, newest first. */
export function archiveDays(spool: string): string[] {
  const dir = join(spool, 'archive');
  if (!existsSync(dir)) return [];
  return readdirSync(dir).filter((d) => /^\d{4}-\d{2}-\d{2}$/.test(d)).sort().reverse();
}

/** The name a segment gets when published now. */
export function segmentName(pid: number, seq: number, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:.]/g, '').replace('Z', 'Z'); // YYYYMMDDTHHMMSSmmmZ
  return `seg-${stamp}-${pid}-${String(seq).padStart(6, '0')}.ndjson`;
}

/** The hidden name of a segment still being written. */
export function openName(pid: number, seq: number): string {
  return `.open-${pid}-${seq}.ndjson`;
}

/**
 * Publishes what a dead writer left: each open segment of a process that no
 * longer runs is cut back to its last complete line and renamed into place.
 * Returns the names published.
 */
export function recoverOrphans(spool: string): string[] {
  const published: string[] = [];
  for (const f of readdirSync(spool)) {
    const m = OPEN.exec(f);
    if (!m || alive(+m[1])) continue;
    const path = join(spool, f);
    const keep = lastNewline(path);
    if (keep === 0) {
      rmSync(path, { force: true });
      continue;
    }
    const fd = openSync(path, 'r+');
    ftruncateSync(fd, keep);
    closeSync(fd);
    const name = segmentName(+m[1], +m[2]);
    renameSync(path, join(spool, name));
    published.push(name);
  }
  return published;
}

/**
 * Opens a segment for reading, or throws an IoError naming it when it is not
 * a regular file (a folder or a FIFO named like a segment): opened without
 * blocking, so that a FIFO cannot hang the reader, and checked before any read.
 */
export function openSegment(path: string): ReadStream {
  let fd: number | undefined;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    const st = fstatSync(fd);
    if (st.isDirectory()) throw Object.assign(new Error('EISDIR: is a directory'), { code: 'EISDIR' });
    if (!st.isFile()) throw Object.assign(new Error('EINVAL: not a regular file'), { code: 'EINVAL' });
  } catch (err) {
    if (fd !== undefined) closeSync(fd);
    throw new IoError(path, err);
  }
  return createReadStream('', { fd, highWaterMark: 1 << 16 });
}

/** Moves a processed segment into the archive's day folder. */
export function archiveSegment(spool: string, name: string, day: string): void {
  const dir = join(spool, 'archive', day);
  mkdirSync(dir, { recursive: true });
  renameSync(join(spool, name), join(dir, name));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Length of the file up to and including its last newline. */
function lastNewline(path: string): number {
  const fd = openSync(path, 'r');
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
