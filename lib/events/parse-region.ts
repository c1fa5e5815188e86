import { isBlank, splitRegion } from '../input/split-lines.js';
import { instantMicros, wallMicros } from '../time.js';
import { hashKey } from './dedupe.js';
import { isCommit, type BskyEvent } from './event.js';
import { parseEvent, type ParseOptions } from './parse-event.js';
import { TakeHomeReader } from './take-home-fast.js';

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
  /** Per event: the instant it names, epoch microseconds (the time policy: a zone-less time is local time). */
  instants: Float64Array;
  /** Per event: two 32-bit words of its identity's hash, when asked. */
  hashes: Int32Array;
  rejects: RegionReject[];
  /** The lines parsed, as they came (a rejected event's line is kept verbatim), or null when not kept. */
  input: Uint8Array | null;
  /** The buffers behind out and the per-event arrays, to use again once the output is written. */
  buffers: RegionBuffers;
}

const TRUNCATED = ' (last line has no newline: truncated?)';

/**
 * bsky-parse's work on one run of whole lines (a ChunkSplitter region):
 * decode, parse, validate, write the canonical event, hash its identity.
 * Stateless, so regions can be parsed on several threads; numbering lines
 * and dedupe happen in input order, on the side that gathers the results.
 */
export function parseRegion(
  buf: Buffer, last: boolean, opts: RegionOptions, reuse?: RegionBuffers, fast: TakeHomeReader = new TakeHomeReader(),
): RegionResult {
  // Each event is written into the output buffer as it comes (no join, no
  // second pass): the buffer handed in when there is one, so no garbage per region.
  let outBuf = reuse?.out ?? new ArrayBuffer(1 << 16);
  let out = Buffer.from(outBuf);
  let pos = 0;
  const ends: number[] = [];
  const at: number[] = [];
  const us: number[] = [];
  const instants: number[] = [];
  const hashes: number[] = [];
  const rejects: RegionReject[] = [];
  let index = 0;
  let blank = 0;
  /** Makes room for `n` more bytes in the output. */
  const room = (n: number): void => {
    const need = pos + n;
    if (need <= out.length) return;
    const grown = Buffer.from(new ArrayBuffer(Math.max(need, 2 * out.length)));
    out.copy(grown, 0, 0, pos);
    out = grown;
    outBuf = grown.buffer as ArrayBuffer;
  };
  /** Notes an event just written (it ends at `pos`): its line, its time, the hash of its identity. */
  const written = (i: number, time: string, identity: string[]): void => {
    ends.push(pos);
    at.push(i);
    const wall = wallMicros(time);
    us.push(wall);
    instants.push(instantMicros(time, wall));
    if (opts.hash) {
      hashKey(identity, pair, 0);
      hashes.push(pair[0], pair[1]);
    }
  };
  const lines = splitRegion(buf, opts.maxLine, last, {
    bytes(b, from, to) {
      if (!fast.read(b, from, to, opts)) return false;
      const head = fast.head;
      const rec = fast.recordEnd;
      room(head.length + rec + 2);
      pos += (out as Buffer & { latin1Write(s: string, at: number): number }).latin1Write(head, pos);
      if (rec >= 0) {
        out.set(fast.scratch.subarray(0, rec), pos);
        pos += rec;
        out[pos++] = 125;
      }
      out[pos++] = 10;
      written(index++, fast.time, keyParts(fast.did, fast.collection, fast.rkey, fast.op));
      return true;
    },
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
      const json = JSON.stringify(e);
      if (out.length - pos <= 3 * json.length) room(Buffer.byteLength(json) + 1);
      pos += out.write(json, pos);
      out[pos++] = 10;
      written(i, e.time, isCommit(e) ? keyParts(e.did, e.collection, e.rkey, e.op) : [identityOf(e)]);
    },
    bad(reason, raw) {
      // A copy: a view would carry the whole region to the other thread.
      rejects.push({ at: index++, reason, raw: new Uint8Array(raw) });
    },
  });
  const n = ends.length;
  const metaBytes = 32 * n;
  const meta = reuse && reuse.meta.byteLength >= metaBytes ? reuse.meta : new ArrayBuffer(Math.max(metaBytes, 1 << 14));
  const views = metaViews(meta, n);
  for (let i = 0; i < n; i++) {
    views.ends[i] = ends[i];
    views.at[i] = at[i];
    views.us[i] = us[i];
    views.instants[i] = instants[i];
  }
  if (opts.hash) views.hashes.set(hashes);
  return {
    lines,
    blank,
    out: new Uint8Array(outBuf, 0, pos),
    ...views,
    hashes: opts.hash ? views.hashes : new Int32Array(0),
    rejects,
    input: null,
    buffers: { input: reuse?.input ?? null, out: outBuf, meta },
  };
}

const pair = new Int32Array(2);

/** The buffers a region travels with between threads, handed back for the next region. */
export interface RegionBuffers {
  /** The region's bytes (main thread to worker), or null. */
  input: ArrayBuffer | null;
  out: ArrayBuffer;
  meta: ArrayBuffer;
}

/** The per-event arrays laid out in one buffer: times first (8-byte aligned), then ends, line indexes, hashes. */
export function metaViews(meta: ArrayBuffer, n: number): Pick<RegionResult, 'us' | 'instants' | 'ends' | 'at' | 'hashes'> {
  return {
    us: new Float64Array(meta, 0, n),
    instants: new Float64Array(meta, 8 * n, n),
    ends: new Int32Array(meta, 16 * n, n),
    at: new Int32Array(meta, 20 * n, n),
    hashes: new Int32Array(meta, 24 * n, 2 * n),
  };
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
