import { closeSync, createWriteStream, fsyncSync, openSync, renameSync, rmSync, type WriteStream } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * A file written through a temporary sibling and renamed into place on
 * commit, so that a reader sees the old file or the whole new one, never half.
 * write-file-atomic does the same for whole buffers; this one streams.
 */
export class AtomicFile {
  readonly stream: WriteStream;
  private readonly temp: string;
  private done = false;
  private readonly cleanup = (): void => this.abort();

  constructor(readonly path: string) {
    this.temp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
    // Opened synchronously, so that the exit hook below can never run before the file exists.
    this.stream = createWriteStream(this.temp, { fd: openSync(this.temp, 'w') });
    // A process that exits without commit (error, --strict) leaves the old file untouched.
    process.once('exit', this.cleanup);
  }

  /** Flushes the temporary file to disk and renames it over the target. */
  commit(): void {
    const fd = openSync(this.temp, 'r+');
    fsyncSync(fd);
    closeSync(fd);
    renameSync(this.temp, this.path);
    this.done = true;
    process.removeListener('exit', this.cleanup);
  }

  abort(): void {
    if (!this.done) rmSync(this.temp, { force: true });
    this.done = true;
  }
}
