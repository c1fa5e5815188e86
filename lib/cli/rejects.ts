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
    const message = `${this.tool}: ${escapeControls(ref.source)}:${ref.line}: ${oneLine(reason)}`;
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
