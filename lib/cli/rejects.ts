import { closeSync, fstatSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import type { LineRef } from '../input/split-lines.js';
import type { DiskFull } from '../io/disk-full.js';
import { IoError, isDiskFull } from '../io/io-error.js';
import { reasonKind } from '../ops/prom.js';

/** Raised under --strict at the first bad line. */
export class StrictStop extends Error {}

/**
 * Reports rejected lines: one stderr line each, the line kept verbatim in the
 * rejects file, counts by reason for the summary.
 *
 * A write error names the file. With `diskFull` (handle-stream), a full disk
 * does not fail: what could not be written is held, in order, and written
 * when space returns (see drained()); otherwise a line cut short is cut back
 * out of the file before the error is thrown, so the file holds whole lines.
 */
export class Rejects {
  count = 0;
  /** Rejected lines not kept because the file reached its cap. */
  notKept = 0;
  /** Rejected lines by kind of reason (reasonKind), for the Prometheus counters. */
  readonly byReason = new Map<string, number>();
  private fd: number | null;
  /** The rejects file's size cap in bytes; the line being spilled is dropped once it would cross it. */
  private readonly cap: number;
  private dropping = false;
  private capNoted = false;
  /** The file's size, and where the line being written began (to cut it back). */
  private size = 0;
  private lineStart = 0;
  /** Inside an overlong line streamed with spill(), which reject() ends. */
  private spilling = false;
  /** Bytes not yet written because the disk is full, in order. */
  private held: Buffer[] = [];
  private retry: Promise<void> | null = null;

  constructor(
    private readonly tool: string,
    private readonly opts: { quiet?: boolean; strict?: boolean; rejects?: string; rejectsCap?: number },
    append = false,
    private readonly diskFull?: DiskFull,
  ) {
    this.cap = opts.rejectsCap ?? REJECTS_CAP;
    try {
      this.fd = opts.rejects ? openSync(opts.rejects, append ? 'a' : 'w') : null;
      if (this.fd !== null) this.size = fstatSync(this.fd).size;
    } catch (err) {
      throw new IoError(opts.rejects!, err);
    }
  }

  /** Records one rejected line; raw is null when its bytes were already streamed with spill(). */
  reject(ref: LineRef, reason: string, raw: string | Buffer | null): void {
    this.count++;
    const kind = reasonKind(reason);
    this.byReason.set(kind, (this.byReason.get(kind) ?? 0) + 1);
    if (this.fd !== null) {
      if (!this.spilling) this.lineStart = this.size;
      this.spilling = false;
      const bytes = typeof raw === 'string' ? Buffer.from(raw + '\n') : raw === null ? Buffer.from('\n') : Buffer.concat([raw, NEWLINE]);
      if (this.dropping || !this.fits(bytes.length)) this.notKept++;
      else this.write(bytes);
      this.dropping = false;
    }
    const message = `${this.tool}: ${escapeControls(ref.source)}:${ref.line}: ${oneLine(reason)}`;
    if (this.opts.strict) throw new StrictStop(message);
    // On a terminal, clear a status line that may be drawn there (handle-stream) before the message.
    if (!this.opts.quiet) process.stderr.write((process.stderr.isTTY ? '\r\x1b[K' : '') + message + '\n');
  }

  /** Streams part of an overlong line to the rejects file as it goes past. */
  spill(bytes: Buffer): void {
    if (this.fd === null) return;
    if (!this.spilling) this.lineStart = this.size;
    this.spilling = true;
    if (this.dropping) return;
    if (this.fits(bytes.length + 1)) return this.write(bytes);
    // The line would cross the cap: what of it went in comes out again, so the file holds whole lines.
    this.dropping = true;
    if (!this.held.length && this.size > this.lineStart) {
      try {
        ftruncateSync(this.fd, this.lineStart);
        this.size = this.lineStart;
      } catch (err) {
        throw new IoError(this.opts.rejects!, err);
      }
    }
  }

  /** Whether n more bytes of the current line keep the file within its cap (never again once it did not); says so once. */
  private fits(n: number): boolean {
    // Once a line was kept out, every later one is too: the file is a prefix of the rejects, not a sample.
    if (!this.capNoted && this.size + n <= this.cap) return true;
    if (!this.capNoted && !this.opts.quiet) {
      process.stderr.write(`${this.tool}: ${escapeControls(this.opts.rejects!)}: reached its cap of ${this.cap} bytes (--rejects-cap); later rejected lines are counted, not kept\n`);
    }
    this.capNoted = true;
    return false;
  }

  /** Whether some bytes wait for disk space: call drained() before reading more. */
  get blocked(): boolean {
    return this.held.length > 0;
  }

  /** Resolves once everything held for a full disk is written, retrying every diskFull.retryMs. */
  drained(): Promise<void> {
    if (!this.blocked) return Promise.resolve();
    this.retry ??= (async () => {
      while (this.held.length) {
        await new Promise((resolve) => setTimeout(resolve, this.diskFull!.retryMs));
        const held = this.held;
        this.held = [];
        for (const b of held) this.write(b);
      }
      this.diskFull!.resumed(this.opts.rejects!);
      this.retry = null;
    })();
    return this.retry;
  }

  private write(bytes: Buffer): void {
    if (this.held.length) {
      // Copied: the bytes may be a view of a buffer that is read into again.
      this.held.push(Buffer.from(bytes));
      return;
    }
    let off = 0;
    try {
      while (off < bytes.length) {
        const n = writeSync(this.fd!, bytes, off, bytes.length - off);
        if (n <= 0) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
        off += n;
        this.size += n;
      }
    } catch (err) {
      if (this.diskFull && isDiskFull(err)) {
        // The rest follows on from what went in, once there is space: the line ends whole.
        this.diskFull.report(this.opts.rejects!, err);
        this.held.push(Buffer.from(bytes.subarray(off)));
        return;
      }
      try {
        ftruncateSync(this.fd!, this.lineStart);
        this.size = this.lineStart;
      } catch {
        // The write error below is the one to report.
      }
      throw new IoError(this.opts.rejects!, err);
    }
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  /** The closing note on what the cap kept out: empty when everything was kept. */
  capSummary(): string {
    return this.notKept ? `${this.tool}: ${escapeControls(this.opts.rejects!)}: ${this.notKept} rejected lines not kept (cap ${this.cap} bytes)\n` : '';
  }
}

const NEWLINE = Buffer.from('\n');

/** The default cap of a rejects file: an endless bad line must not fill the disk. */
export const REJECTS_CAP = 100 * 1024 * 1024;

/**
 * Keeps an error message to one short line that is safe on a terminal:
 * whitespace runs become one space, other control characters are escaped.
 */
export function oneLine(text: string, max = 200): string {
  const flat = escapeControls(text.replace(/\s+/g, ' ').trim());
  return flat.length > max ? flat.slice(0, max - 1) + '…' : flat;
}

/**
 * Control characters from bad input shown escaped (`\x1b`, `\u202e`), never
 * raw: a terminal would act on an escape sequence (retitle the window, move
 * the cursor, hide text), and bidi overrides reorder what is shown.
 */
export function escapeControls(text: string): string {
  return CONTROLS.test(text) ? text.replace(CONTROLS_ALL, escapeOne) : text;
}

const CONTROLS = /[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/;
const CONTROLS_ALL = new RegExp(CONTROLS.source, 'g');

function escapeOne(c: string): string {
  const code = c.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}
