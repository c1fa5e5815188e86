import { isBlank, splitRegion } from '../input/split-lines.js';
import { wallMicros } from '../time.js';
import { hashKey } from './dedupe.js';
import { isCommit, type BskyEvent } from './event.js';
import { parseEvent, type ParseOptions } from './parse-event.js';

export interface RegionOptions extends ParseOptions {
  maxLine: number;
  /** Hash each event's identity for dedupe (off when dedupe is). */
  hash: boolean;
}

/** A rejected line of a region: its index in the region, the reason, its text or bytes. */
export interface RegionReject {
  at: number;
  reason: string;
  raw: string | Uint8Array;
}

/**
 * What parseRegion makes of a run of whole lines: the canonical events as
 * bytes ready to write, and per event what the ordered side needs to number
 * lines, dedupe and cut. Typed arrays and bytes only, so that a worker hands
 * it over without copying.
 */
export interface RegionResult {
  lines: number;
  blank: number;
  /** The canonical events, one line each, newline-terminated. */
  out: Uint8Array;
  /** Per event: where its line ends in `out`. */
  ends: Int32Array;
  /** Per event: the index of its input line in the region. */
  at: Int32Array;
  /** Per event: its time in microseconds (dedupe generations). */
  us: Float64Array;
  /** Per event: two 32-bit words of its identity's hash, when asked. */
  hashes: Int32Array;
  rejects: RegionReject[];
}

const TRUNCATED = ' (last line has no newline: truncated?)';

/**
 * bsky-parse's work on one run of whole lines (a ChunkSplitter region):
 * decode, parse, validate, write the canonical event, hash its identity.
 * Stateless, so regions can be parsed on several threads; numbering lines
 * and dedupe happen in input order, on the side that gathers the results.
 */
export function parseRegion(buf: Buffer, last: boolean, opts: RegionOptions): RegionResult {
  const texts: string[] = [];
  const at: number[] = [];
  const us: number[] = [];
  const hashes = opts.hash ? new Int32Array(64) : new Int32Array(0);
  let hashed = hashes;
  const rejects: RegionReject[] = [];
  let index = 0;
  let blank = 0;
  const lines = splitRegion(buf, opts.maxLine, last, {
    line(text, lastLine) {
      const i = index++;
      if (isBlank(text)) {
        blank++;
        return;
      }
      const r = parseEvent(text, opts);
      if (r.reason !== undefined) {
        rejects.push({ at: i, reason: lastLine ? r.reason + TRUNCATED : r.reason, raw: text });
        return;
      }
      const e = r.event;
      const n = texts.length;
      texts.push(JSON.stringify(e) + '\n');
      at.push(i);
      us.push(wallMicros(e.time));
      if (opts.hash) {
        if (2 * n + 2 > hashed.length) {
          const grown = new Int32Array(hashed.length * 2);
          grown.set(hashed);
          hashed = grown;
        }
        hashKey(isCommit(e) ? keyParts(e.did, e.collection, e.rkey, e.op) : [identityOf(e)], hashed, 2 * n);
      }
    },
    bad(reason, raw) {
      // A copy: a view would carry the whole region to the other thread.
      rejects.push({ at: index++, reason, raw: new Uint8Array(raw) });
    },
  });
  const text = texts.join('');
  const out = owned(Buffer.from(text));
  const ends = new Int32Array(texts.length);
  if (out.length === text.length) {
    // All ASCII: characters are bytes.
    let end = 0;
    for (let i = 0; i < texts.length; i++) ends[i] = end += texts[i].length;
  } else {
    let end = 0;
    for (let i = 0; i < texts.length; i++) ends[i] = end += Buffer.byteLength(texts[i]);
  }
  return {
    lines,
    blank,
    out,
    ends,
    at: Int32Array.from(at),
    us: Float64Array.from(us),
    hashes: hashed.slice(0, opts.hash ? 2 * texts.length : 0),
    rejects,
  };
}

/** The bytes in an ArrayBuffer of their own (small Buffers share a pool, which must not be handed over). */
function owned(b: Buffer): Uint8Array {
  if (b.byteOffset === 0 && b.buffer.byteLength === b.length) return new Uint8Array(b.buffer, 0, b.length);
  return new Uint8Array(b);
}

/**
 * The identity of an event for dedupe: (DID, collection, rkey), and the
 * operation so that a delete is not taken for its create. Identity and
 * account events have no rkey: the same DID, kind and time is the same event
 * (a Jetstream rewind replays them).
 */
export function identityOf(e: BskyEvent): string {
  return isCommit(e) ? `${e.did} ${e.collection} ${e.rkey} ${e.op}` : `${e.did} ${e.op} ${e.time}`;
}

const parts = ['', '', '', ''];

/** identityOf's parts in a reused array, hashed as its text would be without building it. */
function keyParts(did: string, collection: string, rkey: string, op: string): string[] {
  parts[0] = did;
  parts[1] = collection;
  parts[2] = rkey;
  parts[3] = op;
  return parts;
}
