import { closeSync, openSync, writeSync } from 'node:fs';
import type { LineRef } from '../input/split-lines.js';

/** Raised under --strict at the first bad line. */
export class StrictStop extends Error {}

/**
 * Reports rejected lines: one stderr line each, the line kept verbatim in the
 * rejects file, counts by reason for the summary.
 */
export class Rejects {
  count = 0;
  private fd: number | null;

  constructor(
    private readonly tool: string,
    private readonly opts: { quiet?: boolean; strict?: boolean; rejects?: string },
    append = false,
  ) {
    this.fd = opts.rejects ? openSync(opts.rejects, append ? 'a' : 'w') : null;
  }

  /** Records one rejected line; raw is null when its bytes were already streamed with spill(). */
  reject(ref: LineRef, reason: string, raw: string | Buffer | null): void {
    this.count++;
    if (this.fd !== null) {
      if (typeof raw === 'string') writeSync(this.fd, raw);
      else if (raw !== null) writeSync(this.fd, raw);
      writeSync(this.fd, '\n');
    }
    const message = `${this.tool}: ${ref.source}:${ref.line}: ${oneLine(reason)}`;
    if (this.opts.strict) throw new StrictStop(message);
    // On a terminal, clear a status line that may be drawn there (handle-stream) before the message.
    if (!this.opts.quiet) process.stderr.write((process.stderr.isTTY ? '\r\x1b[K' : '') + message + '\n');
  }

  /** Streams part of an overlong line to the rejects file as it goes past. */
  spill(bytes: Buffer): void {
    if (this.fd !== null) writeSync(this.fd, bytes);
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

/** Keeps an error message to one short line. */
export function oneLine(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? flat.slice(0, max - 1) + '…' : flat;
}
