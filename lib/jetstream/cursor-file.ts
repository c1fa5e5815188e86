import { readFileSync } from 'node:fs';
import { writeFileAtomicSync } from '../io/atomic-write.js';
import { IoError } from '../io/io-error.js';
import { canonicalTime, formatInstant } from '../time.js';

/** What the cursor file holds: one JSON object, readable with jq. */
export interface CursorRecord {
  /** time_us of the last event whose line was written to stdout. */
  cursor: number;
  /** The same instant as text, for people. */
  time: string;
  /** The instance it came from: time_us values are each instance's own clock. */
  host?: string;
}

/**
 * Reads a cursor file: our JSON record or a bare time_us. Returns undefined
 * when the file does not exist (a first run); throws on anything else unreadable.
 */
export function readCursorFile(file: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new IoError(file, err);
  }
  const trimmed = text.trim();
  // An empty file is what `touch` leaves: start live, as with no file.
  if (trimmed === '') return undefined;
  const value = /^\d+$/.test(trimmed) ? Number(trimmed) : parseRecord(trimmed);
  if (value === undefined) throw new Error(`${file}: not a cursor file (expected {"cursor":TIME_US} or a bare time_us)`);
  return value;
}

function parseRecord(text: string): number | undefined {
  try {
    const o = JSON.parse(text) as { cursor?: unknown };
    return parseCursor(String(o?.cursor ?? ''));
  } catch {
    return undefined;
  }
}

/** Parses a cursor given by a user: time_us digits, or an ISO time with a zone. */
export function parseCursor(text: string): number | undefined {
  if (/^\d{1,17}$/.test(text)) {
    const n = Number(text);
    return Number.isSafeInteger(n) && n > 0 ? n : undefined;
  }
  // Only instants make sense here: a time without a zone has no single time_us.
  if (!/(Z|z|[+-]\d{2}(:?\d{2})?)$/.test(text)) return undefined;
  const canonical = canonicalTime(text);
  if (canonical === undefined) return undefined;
  const ms = Date.parse(canonical.slice(0, 23) + 'Z');
  return ms * 1000 + Number(canonical.slice(23, 26));
}

/** The record saved for a cursor. */
export function cursorRecord(cursor: number, host?: string): CursorRecord {
  return host === undefined ? { cursor, time: formatInstant(cursor) } : { cursor, time: formatInstant(cursor), host };
}

/** Saves the cursor atomically: a reader sees the old file or the new one, never half of one. */
export async function saveCursorFile(file: string, cursor: number, host?: string): Promise<void> {
  // A few dozen bytes: written synchronously, with the same checks as every other state file.
  writeFileAtomicSync(file, JSON.stringify(cursorRecord(cursor, host)) + '\n');
}

/** Same as saveCursorFile, synchronously, for the exit path. */
export function saveCursorFileSync(file: string, cursor: number, host?: string): void {
  writeFileAtomicSync(file, JSON.stringify(cursorRecord(cursor, host)) + '\n');
}
