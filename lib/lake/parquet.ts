import { closeSync, openSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { bin, bool, encodeStruct, i32, i64, list, opt, struct, type TStruct } from './thrift.js';

/**
 * A Parquet writer for the lake's one schema: optional strings (plain or
 * dictionary-encoded), optional lists of strings, INT32 and INT64
 * timestamps; version 1 data pages, a page per column of each block of
 * rows (row groups of several blocks share a dictionary), every page
 * compressed with zstd (natively, off the JavaScript thread: @mongodb-js/zstd
 * runs in libuv's pool). Written for speed on the lake's hot path
 * (docs/LAKE.md has the measurements against DuckDB's COPY, which wrote the lake before): values go into
 * byte buffers as they come, strings never become objects, and a block
 * is compressed while the next one fills. Readers: DuckDB (tested), and any
 * reader of the Parquet format (docs/SCALE-OUT.md).
 */

// Parquet's enums (parquet.thrift).
const TYPE = { INT32: 1, INT64: 2, BYTE_ARRAY: 6 } as const;
const REP = { REQUIRED: 0, OPTIONAL: 1, REPEATED: 2 } as const;
const CONVERTED = { UTF8: 0, LIST: 3, TIMESTAMP_MICROS: 10, UINT_8: 11, INT_32: 17, JSON: 19 } as const;
const ENC = { PLAIN: 0, PLAIN_DICTIONARY: 2, RLE: 3, DELTA_BINARY_PACKED: 5 } as const;
const ZSTD = 6;
const UNCOMPRESSED = 0;
const PAGE = { DATA: 0, DICTIONARY: 2 } as const;

/** What a column holds: a string (`dict`: dictionary-encoded while its values are few), JSON text, a list of strings, a timestamp (microseconds, wall clock), an INT32 or an unsigned 8-bit integer. */
export type ColumnType = 'string' | 'dict' | 'json' | 'list' | 'dictlist' | 'timestamp' | 'int32' | 'uint8';

export interface ColumnSpec {
  name: string;
  type: ColumnType;
  /** Bytes a row's value takes, about (a block's first buffers are sized by it: growing them by copies cost more). */
  rowBytes?: number;
  /**
   * One page for the whole row group instead of one a block: for the narrow
   * columns queries filter and group by (time, kind, op: at most 256 KB a
   * column a row group before compression), which DuckDB reads faster in
   * fewer pages.
   */
  wholeGroup?: boolean;
  /**
   * An `int32` column whose rows in a file all hold one value that is set
   * after the file is written (the lake's `batch`: periodic's run number,
   * unknown to handle-stream when it writes a segment's rows; setConstant).
   * Each row group's chunk is uncompressed: a one-entry dictionary (the
   * value's 4 bytes) and a page of indices that are all 0; its statistics
   * give the value as least and greatest. Implies wholeGroup.
   */
  constant?: boolean;
}

export type Compress = (data: Buffer, level: number) => Promise<Buffer>;

/**
 * zstd, loaded on first use (a native module, kept out of the bundles). Its
 * native compress, not the package's main export: that wrapper passes the
 * data on and drops the level (@mongodb-js/zstd 1.2.2), so until session 8
 * every page was compressed at zstd's default level 3, twice level 1's CPU
 * and a little larger on the lake's pages (test/parquet.test.ts).
 */
let zstd: Promise<Compress> | undefined;
export function loadZstd(): Promise<Compress> {
  zstd ??= loadBinding().then((b) => b.compress);
  return zstd;
}

export type Decompress = (data: Buffer) => Promise<Buffer>;

let unzstd: Promise<Decompress> | undefined;
/** zstd's decompress, from the same native module (compaction's coalescing reads pages: coalesce.ts). */
export function loadUnzstd(): Promise<Decompress> {
  unzstd ??= loadBinding().then((b) => b.decompress);
  return unzstd;
}

interface ZstdBinding {
  compress: Compress;
  decompress: Decompress;
}

let binding: Promise<ZstdBinding> | undefined;

/**
 * On Linux, the platform's glibc build is loaded directly: the package's
 * loader first asks `process.report` for the C library, which builds a
 * whole diagnostic report (12 to 13 ms against 4 to 5 for the module alone,
 * once per writer thread). Elsewhere, or if that build is missing or does
 * not load (musl), the package's loader chooses.
 */
function loadBinding(): Promise<ZstdBinding> {
  binding ??= (async () => {
    if (process.platform === 'linux') {
      try {
        return createRequire(import.meta.url)(`@mongodb-js/zstd-linux-${process.arch}-gnu`) as ZstdBinding;
      } catch {
        // The loader below.
      }
    }
    return (await import('@mongodb-js/zstd/bindings.js')) as unknown as ZstdBinding;
  })();
  return binding;
}

/**
 * zstd level 1 (DuckDB's default is 3): half level 3's CPU (35 against 63 ms in libuv's pool on 25.6 MB of NDJSON
 * text), the lake's files 0.3% larger (docs/LAKE.md, session 8).
 */
export const ZSTD_LEVEL = 1;

/** Buffer's own encoders without write()'s argument checks (public since Node 0.x, untyped). */
type Writable = Buffer & { latin1Write(s: string, at: number): number; utf8Write(s: string, at: number): number };

/** A block's values of one column encoded: the data page's body and its values' encoding, the nulls, and for numbers their least and greatest. */
interface Encoded {
  values: Buffer;
  encoding: number;
  nulls?: number;
  lo?: number;
  hi?: number;
}

/**
 * Buffers handed back once their block is compressed, for the next one to
 * fill: every block then writes into memory already touched, sized by
 * the last one (fresh memory and growing copies were a quarter of the
 * writer's time). One pool per writer (LakeRows); keys name a column's buffer.
 */
export class BufferPool {
  private readonly free = new Map<string, Array<Buffer | Uint16Array>>();

  private readonly sizes = new Map<string, number>();

  /** A buffer handed back, else a new one (`make` is given the size the last full block needed, 0 at first). */
  take<T extends Buffer | Uint16Array>(key: string, make: (size: number) => T): T {
    return (this.free.get(key)?.pop() as T | undefined) ?? make(this.sizes.get(key) ?? 0);
  }

  /** The size a full block's buffer reached: new buffers start there, not small and growing. */
  note(key: string, size: number): void {
    if (size > (this.sizes.get(key) ?? 0)) this.sizes.set(key, size);
  }

  /** Keeps `buf` for the next take() of `key`, up to `keep` of them. */
  give(key: string, buf: Buffer | Uint16Array, keep = 3): void {
    const list = this.free.get(key);
    if (list === undefined) this.free.set(key, [buf]);
    else if (list.length < keep) list.push(buf);
  }
}

/** Bytes of a PageStore's chunks, and how many a writer keeps for the next row groups (two groups' worth of the lake's pages). */
const STORE_CHUNK = 1 << 20;
const STORE_KEEP = 16;

/**
 * A row group's compressed pages, copied out of the buffers zstd returns
 * into chunks of STORE_CHUNK bytes that go back to the pool once the group
 * is written. zstd's buffers are native memory that only V8's collection of
 * their JavaScript object frees: kept for a whole row group they outlived
 * the young generation and waited for a full collection (heaptrack: 50 MB
 * of zstd's memory live at the peak of a 1M backlog, nearly all of it
 * pages; 11 MB since: docs/LAKE.md, Session 10); copied at once they die
 * young.
 */
class PageStore {
  private readonly chunks: Buffer[] = [];
  private used = 0;

  constructor(private readonly pool: BufferPool) {}

  /** A copy of `body` in the store (a view of one of its chunks); a body larger than a chunk (rare) is kept as it is. */
  keep(body: Buffer): Buffer {
    const n = body.length;
    if (n > STORE_CHUNK) return body;
    let last = this.chunks[this.chunks.length - 1];
    if (last === undefined || this.used + n > last.length) {
      last = this.pool.take('packed', () => Buffer.allocUnsafeSlow(STORE_CHUNK));
      this.chunks.push(last);
      this.used = 0;
    }
    body.copy(last, this.used);
    this.used += n;
    return last.subarray(this.used - n, this.used);
  }

  /** The group is written: its chunks go back to the pool (no page of it is read again). */
  release(): void {
    for (const c of this.chunks) this.pool.give('packed', c, STORE_KEEP);
    this.chunks.length = 0;
    this.used = 0;
  }
}

/** Room kept before a column's values for its levels, so that a page's body is one buffer without a copy. */
const PREFIX = 1 << 15;

/** Bytes appended, the buffer doubled as needed; `prefix` bytes kept free at the start. */
class Bytes {
  buf: Buffer;
  len: number;

  constructor(buf: Buffer = Buffer.allocUnsafe(1 << 12), readonly prefix = 0) {
    this.buf = buf;
    this.len = prefix;
  }

  room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  /** A PLAIN byte array: its length (4 bytes, little-endian), then its UTF-8 bytes; returns where its bytes start. */
  string(s: string, ascii: boolean): number {
    this.room(4 + s.length * 3);
    const b = this.buf as Writable;
    const len = this.len;
    const at = len + 4;
    const n = ascii ? b.latin1Write(s, at) : b.utf8Write(s, at);
    b[len] = n & 0xff;
    b[len + 1] = (n >>> 8) & 0xff;
    b[len + 2] = (n >>> 16) & 0xff;
    b[len + 3] = n >>> 24;
    this.len = at + n;
    return at;
  }

  /** A PLAIN byte array of src[s1, e1) then src[s2, e2) (bytes already UTF-8). */
  range(src: Buffer, s1: number, e1: number, s2 = 0, e2 = 0): void {
    const n = e1 - s1 + e2 - s2;
    this.room(4 + n);
    const b = this.buf;
    let at = this.len;
    b[at] = n & 0xff;
    b[at + 1] = (n >>> 8) & 0xff;
    b[at + 2] = (n >>> 16) & 0xff;
    b[at + 3] = n >>> 24;
    at += 4;
    // A loop: Buffer.copy makes a view object a call (a quarter of the writer's time on 60,000 records, measured).
    if (e1 - s1 <= 4096 && e2 - s2 <= 4096) {
      for (let i = s1; i < e1; i++) b[at++] = src[i];
      for (let i = s2; i < e2; i++) b[at++] = src[i];
    } else {
      at += src.copy(b, at, s1, e1);
      if (e2 > s2) src.copy(b, at, s2, e2);
    }
    this.len += 4 + n;
  }

  int32(v: number): void {
    this.room(4);
    this.buf.writeInt32LE(v, this.len);
    this.len += 4;
  }

  int64(v: number): void {
    this.room(8);
    if (v >= 0 && v <= Number.MAX_SAFE_INTEGER) {
      // Two 32-bit halves: no BigInt a value.
      const lo = v % 0x100000000;
      this.buf.writeUInt32LE(lo, this.len);
      this.buf.writeUInt32LE((v - lo) / 0x100000000, this.len + 4);
    } else this.buf.writeBigInt64LE(BigInt(v), this.len);
    this.len += 8;
  }

  done(): Buffer {
    return this.buf.subarray(this.prefix, this.len);
  }

  /** `head` then the bytes: in place when it fits the prefix, else copied. */
  after(head: Buffer): Buffer {
    if (head.length > this.prefix) return Buffer.concat([head, this.done()]);
    head.copy(this.buf, this.prefix - head.length);
    return this.buf.subarray(this.prefix - head.length, this.len);
  }
}

/**
 * Small unsigned integers (levels up to 3, dictionary indices under DICT_MAX), appended. One array type for
 * both: with levels in a Uint8Array and indices in a Uint32Array, rleHybrid, runAt and push saw two kinds of
 * arrays, and V8 threw their optimised code away and compiled them again (rleHybrid five times a refresh).
 */
class Ints {
  n = 0;

  constructor(public a: Uint16Array) {}

  push(v: number): void {
    if (this.n === this.a.length) {
      const next = new Uint16Array(this.a.length * 2);
      next.set(this.a);
      this.a = next;
    }
    this.a[this.n++] = v;
  }
}

/**
 * Parquet's RLE / bit-packed hybrid encoding of `n` values of `width` bits:
 * runs of 8 or more equal values as RLE runs, the rest bit-packed in groups
 * of 8 (the last group padded with zeros).
 */
export function rleHybrid(v: Uint16Array, n: number, width: number): Buffer {
  const out = new Bytes(Buffer.allocUnsafe(64 + ((n * (width + 1)) >> 3)));
  const valueBytes = (width + 7) >> 3;
  let i = 0;
  while (i < n) {
    let j = i + 1;
    while (j < n && v[j] === v[i]) j++;
    if (j - i >= 8) {
      rleRun(out, j - i, v[i], valueBytes);
      i = j;
      continue;
    }
    // Groups of 8 until a run of 8 equal values starts at a group's start.
    const start = i;
    let groups = 0;
    do {
      i += 8;
      groups++;
    } while (i < n && groups < 63 && !runAt(v, i, n));
    varint(out, (groups << 1) | 1);
    out.room(groups * width);
    let acc = 0;
    let bits = 0;
    for (let k = start; k < start + groups * 8; k++) {
      acc |= (k < n ? v[k] : 0) << bits;
      bits += width;
      while (bits >= 8) {
        out.buf[out.len++] = acc & 0xff;
        acc >>>= 8;
        bits -= 8;
      }
    }
    i = Math.min(i, n);
  }
  return out.done();
}

/** One RLE run: its header (varint of count * 2), then the value in `valueBytes` little-endian bytes. */
function rleRun(out: Bytes, count: number, value: number, valueBytes: number): void {
  varint(out, count * 2);
  out.room(valueBytes);
  for (let b = 0, x = value; b < valueBytes; b++, x >>>= 8) out.buf[out.len++] = x & 0xff;
}

/** Whether 8 equal values start at i. */
function runAt(v: Uint16Array, i: number, n: number): boolean {
  if (i + 8 > n) return false;
  const x = v[i];
  for (let k = i + 1; k < i + 8; k++) if (v[k] !== x) return false;
  return true;
}

function varint(out: Bytes, n: number): void {
  out.room(5);
  while (n >= 0x80) {
    out.buf[out.len++] = (n & 0x7f) | 0x80;
    n >>>= 7;
  }
  out.buf[out.len++] = n;
}

/**
 * Timestamps at or past this (2^52 us: the year 2112) or before 1970 stay
 * PLAIN: below it every delta and every delta minus a block's least one is
 * an exact integer in a double.
 */
const DELTA_LIMIT = 2 ** 52;

/** Parquet's DELTA_BINARY_PACKED: blocks of 128 deltas, 4 miniblocks of 32 a block. */
const DELTA_BLOCK = 128;
const DELTA_MINIS = 4;
const DELTA_MINI = DELTA_BLOCK / DELTA_MINIS;

/** An unsigned LEB128 varint of an integer up to 2^53 (varint() is for 32 bits). */
function uleb(out: Bytes, x: number): void {
  out.room(8);
  while (x >= 0x80) {
    out.buf[out.len++] = (x % 0x80) | 0x80;
    x = Math.floor(x / 0x80);
  }
  out.buf[out.len++] = x;
}

/** ZigZag of an integer of magnitude under 2^52. */
function zigzag(x: number): number {
  return x >= 0 ? 2 * x : -2 * x - 1;
}

/**
 * Parquet's DELTA_BINARY_PACKED encoding of `n` (at least 1) INT64 values
 * held as little-endian int64s in buf[at...], each in [0, DELTA_LIMIT): a
 * header (block size, miniblocks a block, count, the first value), then
 * each block's least delta, its miniblocks' bit widths and the miniblocks,
 * each delta minus the least one packed LSB first, the last miniblock
 * padded with zeros (the spec's layout, as DuckDB and parquet-mr write it
 * in version 2 files). The events' times, in fold order, differ by a few
 * milliseconds: about 20 bits a value against 64, and DuckDB's
 * likes-per-minute query over 10M events 15% faster (docs/LAKE.md, Session 12).
 */
export function deltaBinaryPacked(buf: Buffer, at: number, n: number): Buffer {
  const value = (i: number): number => buf.readUInt32LE(at + 8 * i) + buf.readUInt32LE(at + 8 * i + 4) * 0x100000000;
  const out = new Bytes(Buffer.allocUnsafe(64 + n * 4));
  uleb(out, DELTA_BLOCK);
  uleb(out, DELTA_MINIS);
  uleb(out, n);
  let prev = value(0);
  uleb(out, zigzag(prev));
  const deltas = new Float64Array(DELTA_BLOCK);
  for (let i = 1; i < n; i += DELTA_BLOCK) {
    const m = Math.min(DELTA_BLOCK, n - i);
    let least = Infinity;
    for (let k = 0; k < m; k++) {
      const v = value(i + k);
      deltas[k] = v - prev;
      prev = v;
      if (deltas[k] < least) least = deltas[k];
    }
    uleb(out, zigzag(least));
    out.room(DELTA_MINIS);
    const widths = out.len;
    out.len += DELTA_MINIS;
    for (let b = 0; b < DELTA_MINIS; b++) {
      const from = b * DELTA_MINI;
      // Miniblocks past the last value: a width (0) and no bytes.
      out.buf[widths + b] = 0;
      if (from >= m) continue;
      const to = Math.min(from + DELTA_MINI, m);
      let max = 0;
      for (let k = from; k < to; k++) if (deltas[k] - least > max) max = deltas[k] - least;
      let w = 0;
      for (let p = 1; p <= max; p *= 2) w++;
      out.buf[widths + b] = w;
      packMini(out, deltas, from, to, least, w);
    }
  }
  return out.done();
}

/** One miniblock: DELTA_MINI values (deltas[from, to) minus `least`, then zeros) of `w` bits each, LSB first. */
function packMini(out: Bytes, deltas: Float64Array, from: number, to: number, least: number, w: number): void {
  out.room(DELTA_MINI * w / 8);
  const b = out.buf;
  // Bits not yet written, fewer than 8 between values: acc < 2^31 with 24 bits added at a time.
  let acc = 0;
  let bits = 0;
  for (let k = from; k < from + DELTA_MINI; k++) {
    let x = k < to ? deltas[k] - least : 0;
    for (let left = w; left > 0;) {
      const take = left < 24 ? left : 24;
      const unit = 2 ** take;
      const part = x % unit;
      x = (x - part) / unit;
      acc += part * 2 ** bits;
      bits += take;
      left -= take;
      while (bits >= 8) {
        const byte = acc % 256;
        b[out.len++] = byte;
        acc = (acc - byte) / 256;
        bits -= 8;
      }
    }
  }
}

/** Bits needed for values up to max. */
export function bitWidth(max: number): number {
  return max === 0 ? 0 : 32 - Math.clz32(max);
}

/** Levels as a V1 page holds them: their byte length (4 bytes), then the hybrid encoding. */
function levelsBlock(levels: Ints, max: number): Buffer {
  return lengthPrefixed(rleHybrid(levels.a, levels.n, bitWidth(max)));
}

/** Encoded levels after their byte length (4 bytes, little-endian), as a V1 page holds them. */
function lengthPrefixed(enc: Buffer): Buffer {
  const out = Buffer.allocUnsafe(4 + enc.length);
  out.writeUInt32LE(enc.length, 0);
  enc.copy(out, 4);
  return out;
}

/** Dictionaries past this many values turn the rest of the column chunk into plain values. */
const DICT_MAX = 1 << 15;

/**
 * A column chunk's dictionary, shared by the blocks of one row group: each
 * distinct value once, in order of first use. Past DICT_MAX values it is
 * full: the block that overflowed and the blocks after it are plain (the
 * blocks before keep their indices, as other writers fall back).
 */
export class Dictionary {
  readonly map = new Map<string, number>();
  readonly entries: Bytes;
  /** Where each entry's bytes start in `entries`. */
  readonly starts: number[] = [];
  full = false;

  constructor(private readonly pool: BufferPool, private readonly key: string) {
    this.entries = new Bytes(pool.take(`${key}:e`, (n) => Buffer.allocUnsafe(Math.max(1 << 12, n))));
  }

  /** Adds a value; returns its index. */
  add(s: string, ascii: boolean): number {
    const k = this.map.size;
    this.map.set(s, k);
    this.starts.push(this.entries.string(s, ascii));
    if (this.map.size > DICT_MAX) this.full = true;
    return k;
  }

  /** The least and greatest entries (byte order), copied. */
  bounds(): { min?: Buffer; max?: Buffer } {
    const e = this.entries.buf;
    let min: Buffer | undefined;
    let max: Buffer | undefined;
    for (const at of this.starts) {
      const v = e.subarray(at, at + e.readUInt32LE(at - 4));
      if (min === undefined || Buffer.compare(v, min) < 0) min = v;
      if (max === undefined || Buffer.compare(v, max) > 0) max = v;
    }
    return { min: min && Buffer.from(min), max: max && Buffer.from(max) };
  }

  /** Hands the buffer back (the row group is written). */
  release(): void {
    this.pool.note(`${this.key}:e`, this.entries.len);
    this.pool.give(`${this.key}:e`, this.entries.buf);
  }
}

/**
 * A block's string values: plain (length-prefixed UTF-8) or, for a `dict`
 * column whose dictionary is not full, an index into the row group's
 * dictionary per value.
 */
class StringValues {
  readonly plain: Bytes;
  private dict: Dictionary | undefined;
  private readonly indices: Ints | undefined;

  constructor(dict: Dictionary | undefined, private readonly pool: BufferPool, private readonly key: string, first = 1 << 16) {
    this.plain = new Bytes(pool.take(`${key}:v`, (n) => Buffer.allocUnsafe(Math.max(first, n))), PREFIX);
    if (dict !== undefined && !dict.full) {
      this.dict = dict;
      this.indices = new Ints(pool.take(`${key}:i`, () => new Uint16Array(1 << 14)));
    }
  }

  put(s: string, ascii: boolean): void {
    const dict = this.dict;
    if (dict === undefined) {
      this.plain.string(s, ascii);
      return;
    }
    let k = dict.map.get(s);
    if (k === undefined) {
      k = dict.add(s, ascii);
      if (dict.full) return this.toPlain();
    }
    this.indices!.push(k);
  }

  /** A value given as UTF-8 bytes. */
  range(src: Buffer, s1: number, e1: number, s2: number, e2: number): void {
    if (this.dict === undefined) this.plain.range(src, s1, e1, s2, e2);
    else this.put(src.toString('utf8', s1, e1) + src.toString('utf8', s2, e2), false);
  }

  /** The dictionary is full: this block's indices written out as their values, then the value that overflowed (the last entry). */
  private toPlain(): void {
    const d = this.dict!;
    const e = d.entries;
    const copy = (at: number): void => {
      const len = e.buf.readUInt32LE(at - 4);
      this.plain.room(len + 4);
      e.buf.copy(this.plain.buf, this.plain.len, at - 4, at + len);
      this.plain.len += len + 4;
    };
    for (let i = 0; i < this.indices!.n; i++) copy(d.starts[this.indices!.a[i]]);
    copy(d.starts[d.starts.length - 1]);
    this.dict = undefined;
  }

  /** The values encoded, the page's levels (`head`) before them. */
  encode(head: Buffer): Encoded {
    if (this.dict === undefined) return { values: this.plain.after(head), encoding: ENC.PLAIN };
    // Indices as wide as the dictionary is now: later blocks only add entries.
    const width = Math.max(1, bitWidth(this.dict.map.size - 1));
    const idx = rleHybrid(this.indices!.a, this.indices!.n, width);
    return { values: Buffer.concat([head, Buffer.of(width), idx]), encoding: ENC.PLAIN_DICTIONARY };
  }

  /** Tells the pool the size reached (the block is full). */
  note(): void {
    this.pool.note(`${this.key}:v`, this.plain.len);
  }

  /** Hands the buffers back (the block is compressed). */
  release(): void {
    this.pool.give(`${this.key}:v`, this.plain.buf);
    if (this.indices) this.pool.give(`${this.key}:i`, this.indices.a);
  }
}

/** One column's values of the block being filled: one page of its column chunk. */
abstract class Column {
  /** Definition levels (0: null) and, for lists, repetition levels. */
  readonly defs: Ints;
  readonly reps: Ints | undefined;
  abstract readonly maxDef: number;
  /** While every level so far is the same (most columns, most blocks), only their number: `same` of `first`. */
  private same = 0;
  private first = 0;
  private mixed = false;

  constructor(readonly spec: ColumnSpec, protected readonly pool: BufferPool, protected readonly key: string, repeated = false) {
    this.defs = new Ints(pool.take(`${key}:d`, () => new Uint16Array(1 << 15)));
    this.reps = repeated ? new Ints(pool.take(`${key}:r`, () => new Uint16Array(1 << 15))) : undefined;
    // Lists' levels vary: kept one by one from the start.
    this.mixed = repeated;
  }

  /** A definition level. */
  protected def(v: number): void {
    if (this.mixed) this.defs.push(v);
    else if (this.same === 0 || v === this.first) {
      this.first = v;
      this.same++;
    } else {
      for (let i = 0; i < this.same; i++) this.defs.push(this.first);
      this.defs.push(v);
      this.mixed = true;
    }
  }

  /** Levels in the page (values, nulls included). */
  get levelCount(): number {
    return this.mixed ? this.defs.n : this.same;
  }

  /** The levels of a V1 page: repetition levels (lists), then definition levels. */
  protected levels(): Buffer {
    let defs: Buffer;
    if (this.mixed) defs = levelsBlock(this.defs, this.maxDef);
    else {
      // Every level the same: one RLE run.
      const run = new Bytes(Buffer.allocUnsafe(16));
      rleRun(run, this.same, this.first, (bitWidth(this.maxDef) + 7) >> 3);
      defs = lengthPrefixed(run.done());
    }
    return this.reps ? Buffer.concat([levelsBlock(this.reps, 1), defs]) : defs;
  }

  abstract encode(): Encoded;

  abstract note(): void;

  release(): void {
    this.pool.give(`${this.key}:d`, this.defs.a);
    if (this.reps) this.pool.give(`${this.key}:r`, this.reps.a);
  }
}

/** A column of string values (StringValues), plain or in lists. */
abstract class StringsColumn extends Column {
  protected readonly values: StringValues;

  constructor(spec: ColumnSpec, pool: BufferPool, key: string, repeated: boolean, dict: Dictionary | undefined, first?: number) {
    super(spec, pool, key, repeated);
    this.values = new StringValues(dict, pool, key, first);
  }

  note(): void {
    this.values.note();
  }

  release(): void {
    super.release();
    this.values.release();
  }
}

export class StringColumn extends StringsColumn {
  readonly maxDef = 1;
  private nulls = 0;

  constructor(spec: ColumnSpec, pool: BufferPool, key: string, rows: number, dict?: Dictionary) {
    super(spec, pool, key, false, dict, PREFIX + rows * (spec.rowBytes ?? 8));
  }

  /** A value (undefined or null: NULL); `ascii` when it is known to be ASCII (written faster). */
  put(s: string | undefined | null, ascii = false): void {
    if (s === undefined || s === null) {
      this.def(0);
      this.nulls++;
      return;
    }
    this.def(1);
    this.values.put(s, ascii);
  }

  /** A value given as bytes: src[s1, e1), then src[s2, e2) when given (a plain column's; a dictionary column's are decoded). */
  putRange(src: Buffer, s1: number, e1: number, s2 = 0, e2 = 0): void {
    this.def(1);
    this.values.range(src, s1, e1, s2, e2);
  }

  encode(): Encoded {
    return { ...this.values.encode(this.levels()), nulls: this.nulls };
  }
}

/** An optional list of optional strings (three-level LIST: list, element); levels: 0 null list, 1 empty, 3 a value. */
export class ListColumn extends StringsColumn {
  readonly maxDef = 3;

  constructor(spec: ColumnSpec, pool: BufferPool, key: string, dict?: Dictionary) {
    super(spec, pool, key, true, dict);
  }

  put(items: readonly string[] | undefined | null): void {
    const reps = this.reps!;
    if (items === undefined || items === null) {
      reps.push(0);
      this.def(0);
      return;
    }
    if (items.length === 0) {
      reps.push(0);
      this.def(1);
      return;
    }
    for (let i = 0; i < items.length; i++) {
      reps.push(i === 0 ? 0 : 1);
      this.def(3);
      this.values.put(items[i], false);
    }
  }

  // Null counts of nested columns are read differently by readers: none given.
  encode(): Encoded {
    return this.values.encode(this.levels());
  }
}

/** INT32 (`int32`, `uint8`) or INT64 microseconds (`timestamp`), with min and max. */
export class NumberColumn extends Column {
  readonly maxDef = 1;
  private readonly values: Bytes;
  private nulls = 0;
  private min = Infinity;
  private max = -Infinity;

  constructor(spec: ColumnSpec, pool: BufferPool, key: string) {
    super(spec, pool, key);
    this.values = new Bytes(pool.take(`${key}:v`, (n) => Buffer.allocUnsafe(Math.max(1 << 16, n))), PREFIX);
  }

  put(v: number | undefined): void {
    if (v === undefined || Number.isNaN(v)) {
      this.def(0);
      this.nulls++;
      return;
    }
    this.def(1);
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
    if (this.spec.type === 'timestamp') this.values.int64(v);
    else this.values.int32(v);
  }

  encode(): Encoded {
    const some = this.min <= this.max;
    const bounds = { nulls: this.nulls, ...(some ? { lo: this.min, hi: this.max } : {}) };
    if (this.spec.type === 'timestamp' && some && this.min >= 0 && this.max < DELTA_LIMIT) {
      const v = this.values;
      return { values: Buffer.concat([this.levels(), deltaBinaryPacked(v.buf, v.prefix, (v.len - v.prefix) / 8)]), encoding: ENC.DELTA_BINARY_PACKED, ...bounds };
    }
    return { values: this.values.after(this.levels()), encoding: ENC.PLAIN, ...bounds };
  }

  note(): void {
    this.pool.note(`${this.key}:v`, this.values.len);
  }

  release(): void {
    super.release();
    this.pool.give(`${this.key}:v`, this.values.buf);
  }

  /** A `constant` column's chunk (ColumnSpec.constant): its value, and its data page's body: the levels, then every row's index 0. */
  constantPage(): { value: number; body: Buffer; levels: number } {
    if (this.nulls > 0 || this.min !== this.max) throw new Error(`parquet: column ${this.spec.name} is constant, but holds ${this.nulls ? 'nulls' : 'more than one value'}`);
    const idx = new Bytes(Buffer.allocUnsafe(16));
    rleRun(idx, this.levelCount, 0, 1);
    return { value: this.min, body: Buffer.concat([this.levels(), Buffer.of(1), idx.done()]), levels: this.levelCount };
  }
}

export type AnyColumn = StringColumn | ListColumn | NumberColumn;

/** A column's values for a block or (`wholeGroup`) a row group; `rows` sizes its first buffers. */
function makeColumn(spec: ColumnSpec, pool: BufferPool, key: string, rows: number, dict: Dictionary | undefined): AnyColumn {
  if (spec.type === 'list' || spec.type === 'dictlist') return new ListColumn(spec, pool, key, dict);
  if (spec.type === 'timestamp' || spec.type === 'int32' || spec.type === 'uint8') return new NumberColumn(spec, pool, key);
  return new StringColumn(spec, pool, key, rows, dict);
}

/**
 * A block of rows as they fill: a page of each column (the wholeGroup
 * columns' values go on into their row group's one page). A row group is
 * one or more blocks (ParquetFile.block): a block is what the writer holds
 * uncompressed, a row group what readers skip or split work by (DuckDB's
 * likes-per-minute query over 10M events ran about a quarter faster with
 * row groups of 131,072 rows than of 8,192, and with 32,768 nearly as fast
 * as 131,072: docs/LAKE.md). Its buffers come from `pool` and go back once
 * it is compressed.
 */
export class RowBlock {
  readonly columns: AnyColumn[];
  rows = 0;

  /** `rows`: about how many rows it will hold (its first buffers are sized for them); `group`: the row group's dictionaries and wholeGroup columns, by column. */
  constructor(readonly specs: readonly ColumnSpec[], pool: BufferPool, rows: number,
    group: { dicts: ReadonlyArray<Dictionary | undefined>; whole: ReadonlyArray<AnyColumn | undefined> }) {
    this.columns = specs.map((s, i) => group.whole[i] ?? makeColumn(s, pool, String(i), rows, group.dicts[i]));
  }

  /** Tells the pool the sizes this full block reached. */
  note(): void {
    for (const c of this.columns) if (!c.spec.wholeGroup) c.note();
  }

  release(): void {
    for (const c of this.columns) if (!c.spec.wholeGroup) c.release();
  }
}

/** The schema elements of the columns (the root first). */
function schemaElements(specs: readonly ColumnSpec[]): TStruct[] {
  const out: TStruct[] = [[[4, bin('schema')], [5, i32(specs.length)]]];
  const leaf = (name: string, type: number, rep: number, converted?: number, logical?: TStruct): TStruct =>
    [[1, i32(type)], [3, i32(rep)], [4, bin(name)], [6, opt(converted, i32)], [10, opt(logical, struct)]];
  for (const s of specs) {
    switch (s.type) {
      case 'string':
      case 'dict':
        out.push(leaf(s.name, TYPE.BYTE_ARRAY, REP.OPTIONAL, CONVERTED.UTF8));
        break;
      case 'json':
        out.push(leaf(s.name, TYPE.BYTE_ARRAY, REP.OPTIONAL, CONVERTED.JSON, [[12, struct([])]]));
        break;
      case 'list':
      case 'dictlist':
        out.push([[3, i32(REP.OPTIONAL)], [4, bin(s.name)], [5, i32(1)], [6, i32(CONVERTED.LIST)], [10, struct([[3, struct([])]])]]);
        out.push([[3, i32(REP.REPEATED)], [4, bin('list')], [5, i32(1)]]);
        out.push(leaf('element', TYPE.BYTE_ARRAY, REP.OPTIONAL, CONVERTED.UTF8));
        break;
      case 'timestamp':
        // Wall clock (not adjusted to UTC): DuckDB reads it as TIMESTAMP, as DuckDB writes it.
        out.push(leaf(s.name, TYPE.INT64, REP.OPTIONAL, CONVERTED.TIMESTAMP_MICROS, [[8, struct([[1, bool(false)], [2, struct([[2, struct([])]])]])]]));
        break;
      case 'int32':
        out.push(leaf(s.name, TYPE.INT32, REP.OPTIONAL, CONVERTED.INT_32));
        break;
      case 'uint8':
        out.push(leaf(s.name, TYPE.INT32, REP.OPTIONAL, CONVERTED.UINT_8));
        break;
    }
  }
  return out;
}

function physical(t: ColumnType): number {
  return t === 'timestamp' ? TYPE.INT64 : t === 'int32' || t === 'uint8' ? TYPE.INT32 : TYPE.BYTE_ARRAY;
}

/** A page: its header and compressed body. */
interface Page {
  header: Buffer;
  body: Buffer;
  raw: number;
}

async function page(compress: Compress, type: number, body: Buffer, headerOf: (raw: number, packed: number) => TStruct): Promise<Page> {
  const packed = await compress(body, ZSTD_LEVEL);
  return { header: encodeStruct(headerOf(body.length, packed.length)), body: packed, raw: body.length };
}

/** A data page and what its chunk's metadata needs of it: its levels, the values' encoding, nulls, and numbers' least and greatest. */
interface DataPage extends Page {
  levels: number;
  encoding: number;
  nulls?: number;
  lo?: number;
  hi?: number;
}

/** A block's column as a data page: encoded now (before the next block adds to the dictionaries), compressed off the thread. */
async function dataPage(compress: Compress, c: AnyColumn): Promise<DataPage> {
  const { values: body, encoding, nulls, lo, hi } = c.encode();
  const levels = c.levelCount;
  const p = await page(compress, PAGE.DATA, body, (raw, packed) => [[1, i32(PAGE.DATA)], [2, i32(raw)], [3, i32(packed)],
    [5, struct([[1, i32(levels)], [2, i32(encoding)], [3, i32(ENC.RLE)], [4, i32(ENC.RLE)]])]]);
  return { ...p, levels, encoding, nulls, lo, hi };
}

/** A column chunk as its pages come: the compressed data pages and what its metadata needs. */
class ChunkPages {
  readonly pages: Page[] = [];
  values = 0;
  nulls: number | undefined;
  lo = Infinity;
  hi = -Infinity;
  dictPages = 0;
  plainPages = 0;
  deltaPages = 0;

  take(p: DataPage): void {
    this.pages.push(p);
    this.values += p.levels;
    if (p.nulls !== undefined) this.nulls = (this.nulls ?? 0) + p.nulls;
    if (p.lo !== undefined && p.lo < this.lo) this.lo = p.lo;
    if (p.hi !== undefined && p.hi > this.hi) this.hi = p.hi;
    if (p.encoding === ENC.PLAIN_DICTIONARY) this.dictPages++;
    else if (p.encoding === ENC.DELTA_BINARY_PACKED) this.deltaPages++;
    else this.plainPages++;
  }
}

/** The row group being filled: the blocks handed out for it, their pages by column, the dictionaries they share. */
class OpenGroup {
  readonly blocks: RowBlock[] = [];
  readonly chunks: ChunkPages[];
  /** Blocks whose pages are in `chunks`. */
  added = 0;
  rows = 0;
  /** No more blocks: written once every block is added. */
  closed = false;
  written = false;

  /** The wholeGroup columns, filled by every block of the group, by column. */
  readonly whole: ReadonlyArray<AnyColumn | undefined>;

  /** The blocks' compressed pages until the group is written. */
  readonly store: PageStore;

  constructor(specs: readonly ColumnSpec[], readonly dicts: ReadonlyArray<Dictionary | undefined>, pool: BufferPool, rows: number) {
    this.store = new PageStore(pool);
    this.chunks = specs.map(() => new ChunkPages());
    this.whole = specs.map((s, i) => (s.wholeGroup ? makeColumn(s, pool, String(i), rows, dicts[i]) : undefined));
  }

  /** Rows in the blocks handed out. */
  get handed(): number {
    let n = 0;
    for (const b of this.blocks) n += b.rows;
    return n;
  }
}

/**
 * Rows per row group: the blocks that fill one are written together.
 * DuckDB writes 122,880 by default, and 131,072 made the query over 10M
 * events 5 to 10% faster still, but periodic's peak RSS on a 1M backlog
 * went from 190 to 250-275 MB (target 200; docs/LAKE.md).
 */
export const GROUP_ROWS = 1 << 15;

/** The footer's created_by: compaction coalesces the row groups of files that carry it (coalesce.ts). */
export const CREATED_BY = 'bsky-tools lake writer';

/**
 * One Parquet file, written front to back: `PAR1`, row groups as they
 * fill, then the footer at close(). Rows go into blocks (block()), each
 * compressed while the caller fills the next; a row group's compressed
 * pages wait in memory until it is full (about 4 MB for the lake's
 * 32,768 rows), then go to the file column by column, each column's
 * dictionary page first. The file is only ever read once closed (lake.ts
 * publishes it by a rename).
 */
export class ParquetFile {
  private readonly fd: number;
  private offset = 4;
  private readonly groups: TStruct[] = [];
  private rows = 0;
  /** Blocks being compressed and row groups being written, in order. */
  private queue: Promise<void> = Promise.resolve();
  private inFlight = 0;
  private open: OpenGroup | undefined;
  /** Each block's row group, until it is added. */
  private readonly groupOf = new Map<RowBlock, OpenGroup>();
  private readonly pool: BufferPool;
  private readonly groupRows: number;

  constructor(readonly path: string, readonly specs: readonly ColumnSpec[], opts: { pool?: BufferPool; groupRows?: number } = {}) {
    this.pool = opts.pool ?? new BufferPool();
    this.groupRows = opts.groupRows ?? GROUP_ROWS;
    this.fd = openSync(path, 'w');
    writeSync(this.fd, Buffer.from('PAR1'));
  }

  /**
   * A new block to fill (about `rows` rows), in the row group being filled,
   * or in a new one when the blocks handed out so far hold groupRows rows.
   * Fill it, then add() it (the next block may be made first, as LakeRows does).
   */
  block(rows = 1 << 12): RowBlock {
    let g = this.open;
    if (g === undefined || g.handed >= this.groupRows) {
      if (g) this.closeGroup(g);
      const dicts = this.specs.map((s, i) => (s.type === 'dict' || s.type === 'dictlist' ? new Dictionary(this.pool, String(i)) : undefined));
      g = this.open = new OpenGroup(this.specs, dicts, this.pool, this.groupRows);
    }
    const b = new RowBlock(this.specs, this.pool, rows, g);
    g.blocks.push(b);
    this.groupOf.set(b, g);
    return b;
  }

  /**
   * Encodes a filled block and compresses it in the background; resolves
   * once no other block is still in flight (callers await it, which bounds
   * memory to two blocks, the one compressing and the one filling, and the
   * row group's compressed pages: with two compressing, periodic's peak RSS
   * on a 1M backlog was 5 MB higher, and no faster).
   */
  async add(b: RowBlock): Promise<void> {
    const g = this.groupOf.get(b);
    if (g === undefined) throw new Error('parquet: a block added twice, or to a file that did not make it');
    this.groupOf.delete(b);
    if (b.rows === 0) {
      g.blocks.splice(g.blocks.indexOf(b), 1);
      b.release();
      return;
    }
    b.note();
    const compress = await loadZstd();
    const pages = Promise.all(b.columns.map((c) => (c.spec.wholeGroup ? undefined : dataPage(compress, c))));
    // A failure is reported by the queue, never left unhandled here.
    pages.catch(() => undefined);
    this.inFlight++;
    this.queue = this.queue.then(async () => {
      const done = await pages;
      for (let i = 0; i < done.length; i++) if (done[i]) g.chunks[i].take({ ...done[i]!, body: g.store.keep(done[i]!.body) });
      g.added++;
      g.rows += b.rows;
      b.release();
      this.inFlight--;
      if (g.closed && g.added === g.blocks.length) await this.write(g);
    });
    if (this.inFlight > 0) await this.queue;
  }

  /** No more blocks for g: it is written once its blocks are added. */
  private closeGroup(g: OpenGroup): void {
    g.closed = true;
    this.queue = this.queue.then(async () => {
      if (g.added === g.blocks.length) await this.write(g);
    });
  }

  /** Writes a row group: column by column, the dictionary page (compressed now) then the data pages. */
  private async write(g: OpenGroup): Promise<void> {
    if (g.written) return;
    g.written = true;
    if (g.rows === 0) {
      for (const d of g.dicts) d?.release();
      for (const c of g.whole) c?.release();
      g.store.release();
      return;
    }
    const compress = await loadZstd();
    // The wholeGroup columns' one page each; a constant column's two uncompressed pages.
    const constant = g.whole.map((c) => (c?.spec.constant ? constantPages(c as NumberColumn) : undefined));
    const whole = await Promise.all(g.whole.map((c) => (c && !c.spec.constant ? dataPage(compress, c) : undefined)));
    for (let i = 0; i < whole.length; i++) {
      if (whole[i]) g.chunks[i].take(whole[i]!);
      g.whole[i]?.note();
      g.whole[i]?.release();
    }
    const dictPages = await Promise.all(g.dicts.map((d, i) => (d === undefined || g.chunks[i].dictPages === 0 ? undefined
      : page(compress, PAGE.DICTIONARY, d.entries.done(), (raw, packed) => [[1, i32(PAGE.DICTIONARY)], [2, i32(raw)], [3, i32(packed)],
        [7, struct([[1, i32(d.map.size)], [2, i32(ENC.PLAIN_DICTIONARY)]])]]))));
    const start = this.offset;
    let total = 0;
    const columns: TStruct[] = [];
    for (let i = 0; i < this.specs.length; i++) {
      const spec = this.specs[i];
      const c = g.chunks[i];
      const dict = dictPages[i] ?? constant[i]?.dict;
      const first = this.offset;
      let raw = 0;
      let packed = 0;
      let dictOffset: number | undefined;
      if (dict) {
        dictOffset = this.offset;
        this.append(dict.header, dict.body);
        raw += dict.header.length + dict.raw;
        packed += dict.header.length + dict.body.length;
      }
      const dataOffset = this.offset;
      for (const p of constant[i] ? [constant[i]!.data] : c.pages) {
        this.append(p.header, p.body);
        raw += p.header.length + p.raw;
        packed += p.header.length + p.body.length;
      }
      total += raw;
      // Bounds: a dictionary's entries when every page used it (plain string pages keep none); numbers' least and greatest.
      let min: Buffer | undefined;
      let max: Buffer | undefined;
      if (constant[i]) min = max = bound(spec.type, constant[i]!.value);
      else if (dict && c.plainPages === 0) ({ min, max } = g.dicts[i]!.bounds());
      else if (c.lo <= c.hi) [min, max] = [bound(spec.type, c.lo), bound(spec.type, c.hi)];
      const encodings = [...(dict ? [ENC.PLAIN_DICTIONARY] : []), ...(c.plainPages ? [ENC.PLAIN] : []), ...(c.deltaPages ? [ENC.DELTA_BINARY_PACKED] : []), ENC.RLE];
      const values = constant[i]?.levels ?? c.values;
      const path = spec.type === 'list' || spec.type === 'dictlist' ? [spec.name, 'list', 'element'] : [spec.name];
      const stats: TStruct = [[3, opt(constant[i] ? 0 : c.nulls, i64)], [5, opt(max, bin)], [6, opt(min, bin)]];
      const meta: TStruct = [[1, i32(physical(spec.type))], [2, list('i32', encodings)], [3, list('bin', path)], [4, i32(constant[i] ? UNCOMPRESSED : ZSTD)],
        [5, i64(values)], [6, i64(raw)], [7, i64(packed)], [9, i64(dataOffset)], [11, opt(dictOffset, i64)], [12, struct(stats)]];
      columns.push([[2, i64(first)], [3, struct(meta)]]);
    }
    for (const d of g.dicts) d?.release();
    g.store.release();
    this.groups.push([[1, list('struct', columns)], [2, i64(total)], [3, i64(g.rows)], [5, i64(start)], [6, i64(this.offset - start)]]);
    this.rows += g.rows;
  }

  private append(...bufs: Buffer[]): void {
    for (const b of bufs) {
      let done = 0;
      while (done < b.length) done += writeSync(this.fd, b, done, b.length - done, this.offset + done);
      this.offset += b.length;
    }
  }

  /** Waits for the blocks in flight, writes the last row group and the footer, and closes the file; returns its rows. */
  async close(): Promise<number> {
    try {
      if (this.open) this.closeGroup(this.open);
      await this.queue;
      const meta: TStruct = [[1, i32(1)], [2, list('struct', schemaElements(this.specs))], [3, i64(this.rows)],
        [4, list('struct', this.groups)], [6, bin(CREATED_BY)],
        // Every leaf ordered by its type: readers trust min_value and max_value only then.
        [7, list('struct', this.specs.map((): TStruct => [[1, struct([])]]))]];
      const footer = encodeStruct(meta);
      const len = Buffer.allocUnsafe(4);
      len.writeUInt32LE(footer.length);
      this.append(footer, len, Buffer.from('PAR1'));
      return this.rows;
    } finally {
      closeSync(this.fd);
    }
  }

  /** Closes the file without a footer (the run failed; the file is deleted with its staging folder). */
  abandon(): void {
    try {
      closeSync(this.fd);
    } catch {
      // Already closed.
    }
  }
}

/**
 * A constant column's chunk (ColumnSpec.constant), uncompressed so that
 * setConstant can rewrite its value in place: a dictionary page of one INT32
 * entry, and a data page whose indices are all 0.
 */
function constantPages(c: NumberColumn): { value: number; levels: number; dict: Page; data: Page } {
  const { value, body, levels } = c.constantPage();
  const entry = bound('int32', value);
  const dict: Page = { header: encodeStruct([[1, i32(PAGE.DICTIONARY)], [2, i32(4)], [3, i32(4)], [7, struct([[1, i32(1)], [2, i32(ENC.PLAIN_DICTIONARY)]])]]), body: entry, raw: 4 };
  const data: Page = { header: encodeStruct([[1, i32(PAGE.DATA)], [2, i32(body.length)], [3, i32(body.length)],
    [5, struct([[1, i32(levels)], [2, i32(ENC.PLAIN_DICTIONARY)], [3, i32(ENC.RLE)], [4, i32(ENC.RLE)]])]]), body, raw: body.length };
  return { value, levels, dict, data };
}

/** A number's bound as its physical type's bytes (INT64 for timestamps, else INT32; little-endian). */
function bound(type: ColumnType, v: number): Buffer {
  const wide = type === 'timestamp';
  const b = Buffer.allocUnsafe(wide ? 8 : 4);
  if (wide) b.writeBigInt64LE(BigInt(v));
  else b.writeInt32LE(v);
  return b;
}
