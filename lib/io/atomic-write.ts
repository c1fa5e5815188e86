import {
  closeSync, createWriteStream, fchmodSync, fstatSync, fsyncSync, lstatSync, openSync, readlinkSync, renameSync, rmSync, statSync, writeSync,
  type WriteStream,
} from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { IoError } from './io-error.js';

/*
 * Why not write-file-atomic: its sync path writes the buffer with one
 * writeSync and does not look at the count returned. On a full disk a short
 * write is not an error, so a state file cut at 48 KB was fsynced and renamed
 * over the good one, and every later run failed to parse it. Here every byte
 * is checked before the rename, and the folder is fsynced after it so that
 * the rename itself survives a crash.
 */

/** Names of the temporary files below: `.NAME.PID-N.tmp`, beside their target. */
export const TEMP_FILE = /^\..+\.\d+-\d+\.tmp$/;

let counter = 0;

/**
 * Writes all of data, at `position` or else at the file's offset, or throws:
 * a short write (a disk filling up) is retried, and no progress is an ENOSPC.
 */
export function writeAllSync(fd: number, data: string | Buffer, position?: number): void {
  const buf = typeof data === 'string' ? Buffer.from(data) : data;
  let off = 0;
  while (off < buf.length) {
    const n = writeSync(fd, buf, off, buf.length - off, position === undefined ? null : position + off);
    if (n <= 0) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', syscall: 'write' });
    off += n;
  }
}

/** Where a write to `path` goes: the file a symlink chain ends at, renamed over; or, for a device, FIFO or /dev/fd path, the path itself written in place. */
export interface Target {
  path: string;
  /** Not a regular file (or not yet one): write in place, no temporary file. */
  direct: boolean;
}

/**
 * Follows `path` through symlinks to what a write should replace. A
 * directory is an error; a device, FIFO or socket is written directly (so
 * `--out /dev/stdout` works), as is anything reached through /dev/fd or
 * /proc/PID/fd, which name open files of this process that a rename cannot replace.
 */
export function resolveTarget(path: string): Target {
  let current = resolve(path);
  for (let hops = 0; hops < 40; hops++) {
    let st;
    try {
      st = lstatSync(current);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { path: current, direct: false };
      throw new IoError(path, err);
    }
    if (st.isSymbolicLink()) {
      if (/^\/(dev|proc)\//.test(current)) return { path, direct: true };
      current = resolve(dirname(current), readlinkSync(current));
      continue;
    }
    if (st.isDirectory()) throw new IoError(path, Object.assign(new Error('EISDIR: is a directory'), { code: 'EISDIR' }));
    return { path: current, direct: !st.isFile() };
  }
  throw new IoError(path, Object.assign(new Error('ELOOP: too many symbolic links'), { code: 'ELOOP' }));
}

function tempFor(target: string): string {
  return join(dirname(target), `.${basename(target)}.${process.pid}-${counter++}.tmp`);
}

/** Fsyncs a folder, so that a rename in it is on disk; file systems that cannot (EINVAL) are let be. */
export function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EINVAL') throw err;
  } finally {
    closeSync(fd);
  }
}

/** Makes a file's (or folder's) content and name durable. */
export function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Gives the temporary file the mode of the file it replaces, as an in-place write would keep it. */
function keepMode(fd: number, target: string): void {
  try {
    fchmodSync(fd, statSync(target).mode & 0o7777);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/** Checks, syncs and closes a written temporary file, renames it over its target, and syncs the folder. */
function commitTemp(fd: number, temp: string, target: string, expected: number): void {
  try {
    const size = fstatSync(fd).size;
    if (size !== expected) throw Object.assign(new Error(`ENOSPC: short write (${size} of ${expected} bytes), write`), { code: 'ENOSPC' });
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, target);
  fsyncDir(dirname(target));
}

/**
 * Replaces the file at `path` with `data` so that a reader, or the next run
 * after a crash or a full disk, sees the old file or the whole new one:
 * temporary sibling, every byte checked, fsync, rename, fsync of the folder.
 * Any failure removes the temporary file and throws an IoError naming `path`.
 */
export function writeFileAtomicSync(path: string, data: string | Buffer): void {
  const target = resolveTarget(path);
  const buf = typeof data === 'string' ? Buffer.from(data) : data;
  if (target.direct) {
    let fd: number | null = null;
    try {
      // Appending: a /dev/fd path reopens a file the shell already opened, which 'w' would truncate.
      fd = openSync(target.path, 'a');
      writeAllSync(fd, buf);
      return;
    } catch (err) {
      throw new IoError(path, err);
    } finally {
      if (fd !== null) closeSync(fd);
    }
  }
  const temp = tempFor(target.path);
  let fd: number | null = null;
  try {
    fd = openSync(temp, 'wx');
    keepMode(fd, target.path);
    writeAllSync(fd, buf);
    const written = fd;
    fd = null;
    commitTemp(written, temp, target.path, buf.length);
  } catch (err) {
    if (fd !== null) closeSync(fd);
    rmSync(temp, { force: true });
    throw new IoError(path, err);
  }
}

/**
 * A file written as a stream through a temporary sibling and renamed into
 * place on commit(), with the same checks as writeFileAtomicSync; a device or
 * FIFO is written directly. A process that exits without commit (an error,
 * --strict) removes the temporary file and leaves the old one untouched.
 */
export class AtomicFile {
  readonly stream: WriteStream;
  private readonly temp: string | null;
  private readonly target: string;
  private readonly fd: number;
  private done = false;
  private readonly cleanup = (): void => this.abort();

  constructor(readonly path: string) {
    const target = resolveTarget(path);
    this.target = target.path;
    this.temp = target.direct ? null : tempFor(target.path);
    try {
      // Opened synchronously, so that errors are reported before any input is read, and the exit hook never runs before the file exists.
      this.fd = this.temp === null ? openSync(target.path, 'a') : openSync(this.temp, 'wx');
      if (this.temp !== null) keepMode(this.fd, target.path);
    } catch (err) {
      throw new IoError(path, err);
    }
    // A temporary file's fd is closed by commit(), after the size check and fsync.
    this.stream = createWriteStream('', { fd: this.fd, autoClose: this.temp === null });
    process.once('exit', this.cleanup);
  }

  /** Checks that every byte written reached the file, syncs it and renames it over the target. */
  commit(): void {
    if (this.done) return;
    this.done = true;
    process.removeListener('exit', this.cleanup);
    if (this.temp === null) return;
    try {
      commitTemp(this.fd, this.temp, this.target, this.stream.bytesWritten);
    } catch (err) {
      rmSync(this.temp, { force: true });
      throw new IoError(this.path, err);
    }
  }

  abort(): void {
    if (this.done) return;
    this.done = true;
    process.removeListener('exit', this.cleanup);
    if (this.temp !== null) rmSync(this.temp, { force: true });
  }
}
