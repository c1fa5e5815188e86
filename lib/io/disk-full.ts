import { describeError } from './io-error.js';

/**
 * How a long-running writer (handle-stream) waits out a full disk instead of
 * exiting and dropping what it read: each file says once that it is full and
 * once that it resumed; the writer retries every `retryMs`.
 */
export class DiskFull {
  private readonly full = new Set<string>();

  constructor(private readonly tool: string, readonly retryMs: number, private readonly say = (line: string) => void process.stderr.write(line)) {}

  /** A write to `path` failed for want of space: said once until it resumes. */
  report(path: string, err: unknown): void {
    if (this.full.has(path)) return;
    this.full.add(path);
    this.say(`${this.tool}: ${path}: ${describeError(err)}; holding what was read, not reading more, retrying every ${this.retryMs / 1000} s\n`);
  }

  /** A write to `path` went through again. */
  resumed(path: string): void {
    if (this.full.delete(path)) this.say(`${this.tool}: ${path}: space again, writing resumed\n`);
  }

  /** Whether some write is waiting for space. */
  get waiting(): boolean {
    return this.full.size > 0;
  }
}
