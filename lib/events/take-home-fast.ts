import { Canon, copyValue, skipWhitespace } from '../input/json-canon.js';
import { canonicalTime } from '../time.js';
import { OPS } from './event.js';
import { DID, NSID, RKEY, type ParseOptions } from './parse-event.js';

/**
 * bsky-parse's fast path for the take-home script's lines, the common input:
 * reads the line's bytes once and copies its record into canonical form
 * (lib/input/json-canon.ts) without JSON.parse and JSON.stringify, which
 * were half of bsky-parse's time. It gives up (returns false) on anything
 * that is not plainly a valid take-home line, and the slow path
 * (parseEvent), which knows every format and every error message, decides.
 * On success the canonical event is the same bytes the slow path writes
 * (test/fast-paths.test.ts compares both on generated and mutated lines).
 */

const KEYS = ['timestamp', 'action', 'path', 'cid', 'repo', 'record'].map((k) => Buffer.from(k, 'latin1'));
const TIMESTAMP = 0;
const ACTION = 1;
const PATH = 2;
const CID = 3;
const REPO = 4;
const RECORD = 5;

/**
 * A reader of take-home lines with its own scratch, owned by its caller
 * (one per thread that parses): what read() found is valid until its next call.
 */
export class TakeHomeReader {
  /** The canonical event is `head`, then for all but a delete the record's bytes (scratch up to recordEnd) and `}`. */
  head = '';
  time = '';
  did = '';
  op = '';
  collection = '';
  rkey = '';
  /** Where the record's canonical copy ends in `scratch` (it starts at 0); -1 for a delete, which has none. */
  recordEnd = -1;
  /** Where records are copied; grows to the longest line seen. */
  scratch = new Uint8Array(1 << 16);
  /** Scratch of the read, not part of its result. */
  readonly canon = new Canon();
  /** Per known key: where its string value starts and ends in the line (-1: absent or not a string). */
  readonly starts = new Int32Array(KEYS.length);
  readonly ends = new Int32Array(KEYS.length);
  /** Per known key: 0 absent, 1 seen. */
  readonly seen = new Uint8Array(KEYS.length);

  /**
   * Reads the line at buf[from, to) (valid UTF-8, no newline) as a take-home
   * line; true when it is one and valid, with the event in this reader's
   * fields and scratch; false to leave it to the slow path.
   */
  read(buf: Buffer, from: number, to: number, opts: ParseOptions): boolean {
    return readTakeHome(this, buf, from, to, opts);
  }
}

/** TakeHomeReader.read, its scratch in locals. */
function readTakeHome(fast: TakeHomeReader, buf: Buffer, from: number, to: number, opts: ParseOptions): boolean {
  if (opts.time === 'created') return false;
  if (fast.scratch.length < to - from) fast.scratch = new Uint8Array(Math.max(2 * fast.scratch.length, to - from));
  const { scratch, starts, ends, seen, canon } = fast;
  let i = skipWhitespace(buf, from, to);
  if (i >= to || buf[i] !== 123) return false;
  i = skipWhitespace(buf, i + 1, to);
  seen.fill(0);
  starts.fill(-1);
  let recordStart = -1;
  let scratchAt = 0;
  fast.recordEnd = -1;
  if (i < to && buf[i] === 125) return false;
  for (;;) {
    // A key: plain ASCII, no escapes (else give up).
    if (i >= to || buf[i] !== 34) return false;
    const keyStart = ++i;
    i = plainEnd(buf, i, to);
    if (i < 0) return false;
    const key = knownKey(buf, keyStart, i);
    i = skipWhitespace(buf, i + 1, to);
    if (i >= to || buf[i] !== 58) return false;
    i = skipWhitespace(buf, i + 1, to);
    if (key >= 0) {
      if (seen[key]) return false;
      seen[key] = 1;
    }
    if (key >= 0 && key !== RECORD && buf[i] === 34) {
      // A string value we read: plain ASCII, no escapes (else give up).
      const s = ++i;
      i = plainEnd(buf, i, to);
      if (i < 0) return false;
      starts[key] = s;
      ends[key] = i;
      i++;
    } else {
      // Any other value is checked and copied; only the record's copy is kept.
      const depth = key === RECORD ? (opts.maxDepth ?? 64) : 256;
      const isRecord = key === RECORD && buf[i] === 123;
      if (!copyValue(canon, buf, i, to, scratch, scratchAt, depth)) return false;
      i = canon.at;
      if (isRecord) {
        recordStart = scratchAt;
        fast.recordEnd = canon.o;
        scratchAt = canon.o;
      }
    }
    i = skipWhitespace(buf, i, to);
    if (i >= to) return false;
    const c = buf[i++];
    if (c === 125) break;
    if (c !== 44) return false;
    i = skipWhitespace(buf, i, to);
  }
  if (skipWhitespace(buf, i, to) !== to) return false;
  // The slow path's checks, in its order; any failure is its to word.
  if (starts[ACTION] < 0 || starts[PATH] < 0 || starts[TIMESTAMP] < 0 || starts[REPO] < 0) return false;
  // One decode of the line, and slices of it: five decodes of the fields cost twice as much.
  const line = (buf as Buffer & { latin1Slice(s: number, e: number): string }).latin1Slice(from, to);
  const field = (key: number): string => line.slice(starts[key] - from, ends[key] - from);
  const op = field(ACTION);
  if (!OPS.has(op)) return false;
  if (op !== 'delete' && recordStart !== 0) return false;
  const path = field(PATH);
  const slash = path.lastIndexOf('/');
  if (slash < 0) return false;
  const did = field(REPO);
  const collection = path.slice(0, slash);
  const rkey = path.slice(slash + 1);
  if (!DID.test(did) || !NSID.test(collection) || !RKEY.test(rkey)) return false;
  const time = canonicalTime(field(TIMESTAMP), opts.tz);
  if (time === undefined) return false;
  // Every piece is ASCII without quotes or backslashes: its JSON text is itself in quotes.
  let head = `{"time":"${time}","did":"${did}","op":"${op}","collection":"${collection}","rkey":"${rkey}"`;
  if (starts[CID] >= 0) head += `,"cid":"${field(CID)}"`;
  if (op === 'delete') {
    fast.recordEnd = -1;
    head += '}';
  } else head += ',"record":';
  fast.head = head;
  fast.time = time;
  fast.did = did;
  fast.op = op;
  fast.collection = collection;
  fast.rkey = rkey;
  return true;
}


/** Where the string whose text starts at `i` ends (its closing quote), if it is plain printable ASCII without escapes; -1 otherwise. */
function plainEnd(buf: Buffer, i: number, to: number): number {
  while (i < to) {
    const c = buf[i];
    if (c === 34) return i;
    if (c === 92 || c < 32 || c > 126) return -1;
    i++;
  }
  return -1;
}

/** The index of a known key in KEYS, or -1. */
function knownKey(buf: Uint8Array, from: number, to: number): number {
  const len = to - from;
  for (let k = 0; k < KEYS.length; k++) {
    const name = KEYS[k];
    if (name.length !== len) continue;
    let same = true;
    for (let b = 0; b < len; b++) {
      if (buf[from + b] !== name[b]) {
        same = false;
        break;
      }
    }
    if (same) return k;
  }
  return -1;
}
