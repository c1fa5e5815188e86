import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { openName, segmentName } from './segments.js';

export interface SpoolOptions {
  dir: string;
  /** Publish the open segment at least this often (ms), when it holds anything. */
  rotateMs: number;
  /** Publish as soon as the open segment reaches this many bytes. */
  maxBytes: number;
  /** The writer's start token (HeldLock.token), in its segment names. */
  token: string;
}

/**
 * A Writable that spools whole-line chunks into segment files and publishes
 * each by rename when it is old or big enough, and on end. Writes are
 * synchronous, so a chunk acknowledged is in the file.
 */
export class SpoolWriter extends Writable {
  published = 0;
  private fd: number | null = null;
  private seq = 0;
  private bytes = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly opts: SpoolOptions) {
    super({ decodeStrings: true });
    mkdirSync(opts.dir, { recursive: true });
    this.timer = setInterval(() => this.publish(), opts.rotateMs);
    this.timer.unref();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    try {
      if (this.fd === null) this.fd = openSync(join(this.opts.dir, openName(this.opts.token, this.seq)), 'wx');
      writeSync(this.fd, chunk);
      this.bytes += chunk.length;
      if (this.bytes >= this.opts.maxBytes) this.publish();
      done();
    } catch (err) {
      done(err as Error);
    }
  }

  override _final(done: (err?: Error | null) => void): void {
    clearInterval(this.timer);
    try {
      this.publish();
      done();
    } catch (err) {
      done(err as Error);
    }
  }

  /** Closes the open segment and renames it into place; an empty one is removed. */
  publish(): void {
    if (this.fd === null) return;
    const open = join(this.opts.dir, openName(this.opts.token, this.seq));
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = null;
    if (this.bytes === 0) rmSync(open, { force: true });
    else {
      renameSync(open, join(this.opts.dir, segmentName(this.opts.token, this.seq)));
      this.published++;
    }
    this.seq++;
    this.bytes = 0;
  }
}
