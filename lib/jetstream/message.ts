import { parseJsonObject, preview } from '../input/json-object.js';
import { isUtf8 } from 'node:buffer';

/** A checked Jetstream message: the line to write and its cursor, or why it is skipped. */
export type CheckedMessage =
  | { line: string; timeUs: number; kind: string; reason?: undefined }
  | { reason: string; line?: undefined };

const KINDS = new Set(['commit', 'identity', 'account']);

/**
 * Checks one WebSocket message and turns it into an NDJSON line: the message
 * as received, re-serialised only if it spans several lines.
 */
export function checkMessage(data: Buffer, isBinary: boolean, maxBytes: number): CheckedMessage {
  if (data.length > maxBytes) return { reason: `message too long (${data.length} bytes; limit ${maxBytes}, see --max-message)` };
  // Jetstream sends text frames; binary ones are zstd-compressed, which we never ask for.
  if (isBinary) return { reason: `binary frame (${data.length} bytes)` };
  if (!isUtf8(data)) return { reason: 'invalid UTF-8' };
  const text = data.toString('utf8');
  const parsed = parseJsonObject(text);
  if (parsed.reason !== undefined) return parsed;
  const o = parsed.object;
  if (typeof o.kind !== 'string' || !KINDS.has(o.kind)) return { reason: `unknown kind: ${preview(o.kind)}` };
  if (!Number.isSafeInteger(o.time_us) || (o.time_us as number) <= 0) return { reason: `invalid time_us: ${preview(o.time_us)}` };
  // A pretty-printed message would break NDJSON: one message, one line.
  const line = text.includes('\n') || text.includes('\r') || text.includes('\u2028') ? JSON.stringify(o) : text;
  return { line: line + '\n', timeUs: o.time_us as number, kind: o.kind };
}

