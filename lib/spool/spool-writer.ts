import { accessSync, closeSync, constants, ftruncateSync, fsyncSync, openSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { writeAllSync } from '../io/atomic-write.js';
import type { DiskFull } from '../io/disk-full.js';
import { IoError, isDiskFull } from '../io/io-error.js';
import { makeDir } from '../io/make-dir.js';
import { openName, segmentName } from './segments.js';

export type PublishReason = 'size' | 'time' | 'end';

export interface SpoolOptions {
  dir: string;
  /** Publish the open segment at least this often (ms), when it holds anything. */
  rotateMs: number;
  /** Publish as soon as the open segment reaches this many bytes. */
  maxBytes: number;
  /** Wait out a full disk (retrying) instead of failing. */
  diskFull?: DiskFull;
  /** The writer's start token (HeldLock.token), in its segment names. */
  token: string;
  /** Told each segment's name once it is published, and why: it reached maxBytes, it was rotateMs old, or the input ended. */
  onPublish?: (name: string, why: PublishReason) => void;
}

/**
 * A Writable that spools whole-line chunks into segment files and publishes
 * each by rename when it is old or big enough, and on end. Writes are
 * synchronous, so a chunk acknowledged is in the file. On a full disk (with
 * `diskFull`) a chunk is cut back out of the file and retried until it fits
 * whole; it is not acknowledged meanwhile, so the writer upstream stops
 * (backpressure) and the segment only ever holds whole lines.
 */
export class SpoolWriter extends Writable {
  published = 0;
  private fd: number | null = null;
  private seq = 0;
  private bytes = 0;
  private readonly timer: NodeJS.Timeout;
  private retry: NodeJS.Timeout | null = null;
  /** The path reported full, until a write goes through. */
  private fullPath: string | null = null;

  constructor(private readonly opts: SpoolOptions) {
    super({ decodeStrings: true });
    try {
      makeDir(opts.dir);
      // Said now, before any input is read, rather than at the first write (EROFS is reported to root too).
      accessSync(opts.dir, constants.W_OK);
    } catch (err) {
      throw new IoError(opts.dir, err);
    }
    this.timer = setInterval(() => {
      try {
        this.publish('time');
      } catch (err) {
        this.destroy(err as Error);
      }
    }, opts.rotateMs);
    this.timer.unref();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    this.attempt(chunk, done);
  }

  private attempt(chunk: Buffer, done: (err?: Error | null) => void): void {
    this.retry = null;
    try {
      this.append(chunk);
    } catch (err) {
      const { diskFull } = this.opts;
      if (!diskFull || !isDiskFull(err)) return done(err instanceof IoError ? err : new IoError(this.openPath(), err));
      this.fullPath ??= this.openPath();
      diskFull.report(this.fullPath, err);
      this.retry = setTimeout(() => this.attempt(chunk, done), diskFull.retryMs);
      return;
    }
    if (this.fullPath !== null) this.opts.diskFull?.resumed(this.fullPath);
    this.fullPath = null;
    done();
  }

  /** Writes a chunk whole at the end of the open segment, or leaves the segment as it was and throws. */
  private append(chunk: Buffer): void {
    if (this.fd === null) this.fd = openSync(this.openPath(), 'wx');
    try {
      writeAllSync(this.fd, chunk, this.bytes);
    } catch (err) {
      // Part of a chunk may have gone in: cut it off, so that no line is ever glued to a later one.
      ftruncateSync(this.fd, this.bytes);
      throw err;
    }
    this.bytes += chunk.length;
    if (this.bytes >= this.opts.maxBytes) this.publish('size');
  }

  override _final(done: (err?: Error | null) => void): void {
    clearInterval(this.timer);
    try {
      this.publish('end');
      done();
    } catch (err) {
      done(err as Error);
    }
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    clearInterval(this.timer);
    if (this.retry !== null) clearTimeout(this.retry);
    done(err);
  }

  private openPath(): string {
    return join(this.opts.dir, openName(this.opts.token, this.seq));
  }

  /** Closes the open segment and renames it into place; an empty one is removed. */
  publish(why: PublishReason = 'time'): void {
    if (this.fd === null) return;
    const open = this.openPath();
    let name: string | undefined;
    try {
      fsyncSync(this.fd);
      closeSync(this.fd);
      this.fd = null;
      if (this.bytes === 0) rmSync(open, { force: true });
      else {
        name = segmentName(this.opts.token, this.seq);
        renameSync(open, join(this.opts.dir, name));
        this.published++;
      }
    } catch (err) {
      throw new IoError(open, err);
    }
    this.seq++;
    this.bytes = 0;
    if (name !== undefined) this.opts.onPublish?.(name, why);
  }
}
