import { closeSync, openSync, writeSync } from 'node:fs';
import { bin, bool, encodeStruct, i32, i64, list, opt, struct, type TStruct } from './thrift.js';

/**
 * A Parquet writer for the lake's one schema: optional strings (plain or
 * dictionary-encoded), optional lists of strings, INT32 and INT64
 * timestamps; version 1 data pages, one page per column chunk, every page
 * compressed with zstd (natively, off the JavaScript thread: @mongodb-js/zstd
 * runs in libuv's pool). Written for speed on the lake's hot path
 * (docs/LAKE.md has the measurements against DuckDB's COPY, which wrote the lake before): values go into
 * byte buffers as they come, strings never become objects, and a row group
 * is compressed while the next one fills. Readers: DuckDB (tested), and any
 * reader of the Parquet format (docs/SCALE-OUT.md).
 */

// Parquet's enums (parquet.thrift).
const TYPE = { INT32: 1, INT64: 2, BYTE_ARRAY: 6 } as const;
const REP = { REQUIRED: 0, OPTIONAL: 1, REPEATED: 2 } as const;
const CONVERTED = { UTF8: 0, LIST: 3, TIMESTAMP_MICROS: 10, UINT_8: 11, INT_32: 17, JSON: 19 } as const;
const ENC = { PLAIN: 0, PLAIN_DICTIONARY: 2, RLE: 3 } as const;
const ZSTD = 6;
const PAGE = { DATA: 0, DICTIONARY: 2 } as const;

/** What a column holds: a string (`dict`: dictionary-encoded while its values are few), JSON text, a list of strings, a timestamp (microseconds, wall clock), an INT32 or an unsigned 8-bit integer. */
export type ColumnType = 'string' | 'dict' | 'json' | 'list' | 'dictlist' | 'timestamp' | 'int32' | 'uint8';

export interface ColumnSpec {
  name: string;
  type: ColumnType;
  /** Bytes a row's value takes, about (a row group's first buffers are sized by it: growing them by copies cost more). */
  rowBytes?: number;
}

export type Compress = (data: Buffer, level: number) => Promise<Buffer>;

/** zstd, loaded on first use (a native module, kept out of the bundles). */
let zstd: Promise<Compress> | undefined;
function loadZstd(): Promise<Compress> {
  zstd ??= import('@mongodb-js/zstd').then((m) => m.compress as Compress);
  return zstd;
}

/** zstd level 1: DuckDB's default is 3; 1 gave smaller files here and costs less (docs/LAKE.md). */
export const ZSTD_LEVEL = 1;

/** Buffer's own encoders without write()'s argument checks (public since Node 0.x, untyped). */
type Writable = Buffer & { latin1Write(s: string, at: number): number; utf8Write(s: string, at: number): number };

/** A column chunk's values encoded: the dictionary page's values (dictionary columns), the data page's values and their encoding, the values' bounds (byte order) and the nulls. */
interface Encoded {
  dict?: { values: Buffer; count: number };
  values: Buffer;
  encoding: number;
  min?: Buffer;
  max?: Buffer;
  nulls?: number;
}

/**
 * Buffers handed back once their row group is written, for the next one to
 * fill: every row group then writes into memory already touched, sized by
 * the last one (fresh memory and growing copies were a quarter of the
 * writer's time). One pool per writer (LakeRows); keys name a column's buffer.
 */
export class BufferPool {
  private readonly free = new Map<string, Array<Buffer | Uint8Array | Uint32Array>>();

  private readonly sizes = new Map<string, number>();

  /** A buffer handed back, else a new one (`make` is given the size the last full row group needed, 0 at first). */
  take<T extends Buffer | Uint8Array | Uint32Array>(key: string, make: (size: number) => T): T {
    return (this.free.get(key)?.pop() as T | undefined) ?? make(this.sizes.get(key) ?? 0);
  }

  /** The size a full row group's buffer reached: new buffers start there, not small and growing. */
  note(key: string, size: number): void {
    if (size > (this.sizes.get(key) ?? 0)) this.sizes.set(key, size);
  }

  give(key: string, buf: Buffer | Uint8Array | Uint32Array): void {
    const list = this.free.get(key);
    if (list === undefined) this.free.set(key, [buf]);
    else if (list.length < 3) list.push(buf);
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

/** Small unsigned integers (levels, dictionary indices), appended. */
class Ints<A extends Uint8Array | Uint32Array = Uint32Array> {
  n = 0;

  constructor(public a: A) {}

  push(v: number): void {
    if (this.n === this.a.length) {
      const next = new (this.a.constructor as new (n: number) => A)(this.a.length * 2);
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
export function rleHybrid(v: Uint8Array | Uint32Array, n: number, width: number): Buffer {
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
function runAt(v: Uint8Array | Uint32Array, i: number, n: number): boolean {
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

/** Bits needed for values up to max. */
function bitWidth(max: number): number {
  return max === 0 ? 0 : 32 - Math.clz32(max);
}

/** Levels as a V1 page holds them: their byte length (4 bytes), then the hybrid encoding. */
function levelsBlock(levels: Ints<Uint8Array>, max: number): Buffer {
  return lengthPrefixed(rleHybrid(levels.a, levels.n, bitWidth(max)));
}

/** Encoded levels after their byte length (4 bytes, little-endian), as a V1 page holds them. */
function lengthPrefixed(enc: Buffer): Buffer {
  const out = Buffer.allocUnsafe(4 + enc.length);
  out.writeUInt32LE(enc.length, 0);
  enc.copy(out, 4);
  return out;
}

/** Dictionaries past this many values turn the chunk back into plain values. */
const DICT_MAX = 1 << 15;

/**
 * String values: plain (length-prefixed UTF-8) or, for a `dict` column,
 * each distinct value once and an index per value (until there are more than
 * DICT_MAX distinct values in a row group: then plain).
 */
class StringValues {
  readonly plain: Bytes;
  private dict: Map<string, number> | undefined;
  private entries: Bytes | undefined;
  private starts: number[] = [];
  private indices: Ints | undefined;

  constructor(dict: boolean, private readonly pool: BufferPool, private readonly key: string, first = 1 << 16) {
    this.plain = new Bytes(pool.take(`${key}:v`, (n) => Buffer.allocUnsafe(Math.max(first, n))), PREFIX);
    if (dict) {
      this.dict = new Map();
      this.entries = new Bytes(pool.take(`${key}:e`, () => Buffer.allocUnsafe(1 << 12)));
      this.indices = new Ints(pool.take(`${key}:i`, () => new Uint32Array(1 << 14)));
    }
  }

  put(s: string, ascii: boolean): void {
    if (this.dict === undefined) {
      this.plain.string(s, ascii);
      return;
    }
    let k = this.dict.get(s);
    if (k === undefined) {
      k = this.dict.size;
      this.dict.set(s, k);
      this.starts.push(this.entries!.string(s, ascii));
      if (this.dict.size > DICT_MAX) return this.toPlain();
    }
    this.indices!.push(k);
  }

  /** A value given as UTF-8 bytes. */
  range(src: Buffer, s1: number, e1: number, s2: number, e2: number): void {
    if (this.dict === undefined) this.plain.range(src, s1, e1, s2, e2);
    else this.put(src.toString('utf8', s1, e1) + src.toString('utf8', s2, e2), false);
  }

  /** Too many distinct values: every index written out as its value, then the value that overflowed (the last entry). */
  private toPlain(): void {
    const e = this.entries!;
    const copy = (at: number): void => {
      const len = e.buf.readUInt32LE(at - 4);
      this.plain.room(len + 4);
      e.buf.copy(this.plain.buf, this.plain.len, at - 4, at + len);
      this.plain.len += len + 4;
    };
    for (let i = 0; i < this.indices!.n; i++) copy(this.starts[this.indices!.a[i]]);
    copy(this.starts[this.starts.length - 1]);
    this.dict = undefined;
    this.starts = [];
  }

  /** The values encoded, the page's levels (`head`) before them. */
  encode(head: Buffer): Encoded {
    if (this.dict === undefined) return { values: this.plain.after(head), encoding: ENC.PLAIN };
    const entries = this.entries!.done();
    const width = Math.max(1, bitWidth(this.dict.size - 1));
    const idx = rleHybrid(this.indices!.a, this.indices!.n, width);
    const values = Buffer.concat([head, Buffer.of(width), idx]);
    let min: Buffer | undefined;
    let max: Buffer | undefined;
    for (const at of this.starts) {
      const v = entries.subarray(at, at + entries.readUInt32LE(at - 4));
      if (min === undefined || Buffer.compare(v, min) < 0) min = v;
      if (max === undefined || Buffer.compare(v, max) > 0) max = v;
    }
    // Copies: the footer is written at the end, when these buffers serve another row group.
    return { dict: { values: entries, count: this.dict.size }, values, encoding: ENC.PLAIN_DICTIONARY, min: min && Buffer.from(min), max: max && Buffer.from(max) };
  }

  /** Tells the pool the size reached (the row group is full). */
  note(): void {
    this.pool.note(`${this.key}:v`, this.plain.len);
  }

  /** Hands the buffers back (the row group is written). */
  release(): void {
    this.pool.give(`${this.key}:v`, this.plain.buf);
    if (this.entries) this.pool.give(`${this.key}:e`, this.entries.buf);
    if (this.indices) this.pool.give(`${this.key}:i`, this.indices.a);
  }
}

/** One column's values of the row group being filled. */
abstract class Column {
  /** Definition levels (0: null) and, for lists, repetition levels. */
  readonly defs: Ints<Uint8Array>;
  readonly reps: Ints<Uint8Array> | undefined;
  abstract readonly maxDef: number;
  /** While every level so far is the same (most columns, most row groups), only their number: `same` of `first`. */
  private same = 0;
  private first = 0;
  private mixed = false;

  constructor(readonly spec: ColumnSpec, protected readonly pool: BufferPool, protected readonly key: string, repeated = false) {
    this.defs = new Ints(pool.take(`${key}:d`, () => new Uint8Array(1 << 15)));
    this.reps = repeated ? new Ints(pool.take(`${key}:r`, () => new Uint8Array(1 << 15))) : undefined;
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

  /** Levels in the chunk (values, nulls included). */
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

  constructor(spec: ColumnSpec, pool: BufferPool, key: string, repeated: boolean, first?: number) {
    super(spec, pool, key, repeated);
    this.values = new StringValues(spec.type === 'dict' || spec.type === 'dictlist', pool, key, first);
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

  constructor(spec: ColumnSpec, pool: BufferPool, key: string, rows: number) {
    super(spec, pool, key, false, PREFIX + rows * (spec.rowBytes ?? 8));
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

  constructor(spec: ColumnSpec, pool: BufferPool, key: string) {
    super(spec, pool, key, true);
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
    const wide = this.spec.type === 'timestamp';
    const bound = (v: number): Buffer => {
      const b = Buffer.allocUnsafe(wide ? 8 : 4);
      if (wide) b.writeBigInt64LE(BigInt(v));
      else b.writeInt32LE(v);
      return b;
    };
    const some = this.min <= this.max;
    return { values: this.values.after(this.levels()), encoding: ENC.PLAIN, nulls: this.nulls, ...(some ? { min: bound(this.min), max: bound(this.max) } : {}) };
  }

  note(): void {
    this.pool.note(`${this.key}:v`, this.values.len);
  }

  release(): void {
    super.release();
    this.pool.give(`${this.key}:v`, this.values.buf);
  }
}

export type AnyColumn = StringColumn | ListColumn | NumberColumn;

/** The columns of one row group, as they fill; their buffers come from `pool` and go back to it once the group is written. */
export class RowGroup {
  readonly columns: AnyColumn[];
  rows = 0;

  /** `rows`: about how many rows it will hold (its first buffers are sized for them). */
  constructor(readonly specs: readonly ColumnSpec[], pool = new BufferPool(), rows = 1 << 12) {
    this.columns = specs.map((s, i) => (s.type === 'list' || s.type === 'dictlist' ? new ListColumn(s, pool, String(i))
      : s.type === 'timestamp' || s.type === 'int32' || s.type === 'uint8' ? new NumberColumn(s, pool, String(i)) : new StringColumn(s, pool, String(i), rows)));
  }

  /** Tells the pool the sizes this full group reached. */
  note(): void {
    for (const c of this.columns) c.note();
  }

  release(): void {
    for (const c of this.columns) c.release();
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

/** A column chunk encoded: its pages and what its metadata needs. */
interface Chunk {
  spec: ColumnSpec;
  dict?: Page;
  data: Page;
  values: number;
  encodings: number[];
  min?: Buffer;
  max?: Buffer;
  nulls?: number;
}

async function encodeColumn(compress: Compress, c: AnyColumn): Promise<Chunk> {
  const e = c.encode();
  const body = e.values;
  const values = c.levelCount;
  const [dict, data] = await Promise.all([
    e.dict ? page(compress, PAGE.DICTIONARY, e.dict.values, (raw, packed) => [[1, i32(PAGE.DICTIONARY)], [2, i32(raw)], [3, i32(packed)],
      [7, struct([[1, i32(e.dict!.count)], [2, i32(ENC.PLAIN_DICTIONARY)]])]]) : undefined,
    page(compress, PAGE.DATA, body, (raw, packed) => [[1, i32(PAGE.DATA)], [2, i32(raw)], [3, i32(packed)],
      [5, struct([[1, i32(values)], [2, i32(e.encoding)], [3, i32(ENC.RLE)], [4, i32(ENC.RLE)]])]]),
  ]);
  const encodings = e.dict ? [ENC.PLAIN_DICTIONARY, ENC.RLE] : [ENC.PLAIN, ENC.RLE];
  return { spec: c.spec, dict, data, values, encodings, min: e.min, max: e.max, nulls: e.nulls };
}

/**
 * One Parquet file, written front to back: `PAR1`, row groups as they
 * come (each compressed while the caller fills the next), then the footer
 * at close(). The file is only ever read once closed (lake.ts publishes it
 * by a rename).
 */
export class ParquetFile {
  private readonly fd: number;
  private offset = 4;
  private readonly groups: TStruct[] = [];
  private rows = 0;
  /** Row groups being compressed, written in order. */
  private queue: Promise<void> = Promise.resolve();
  private inFlight = 0;

  constructor(readonly path: string, readonly specs: readonly ColumnSpec[]) {
    this.fd = openSync(path, 'w');
    writeSync(this.fd, Buffer.from('PAR1'));
  }

  /**
   * Compresses a full row group and appends it in order; resolves once at
   * most one other group is still in flight (callers await it, which bounds
   * memory to two groups).
   */
  async add(group: RowGroup): Promise<void> {
    if (group.rows === 0) return;
    group.note();
    const compress = await loadZstd();
    const encoded = Promise.all(group.columns.map((c) => encodeColumn(compress, c)));
    // A failure is reported by the queue, never left unhandled here.
    encoded.catch(() => undefined);
    this.inFlight++;
    this.queue = this.queue.then(async () => {
      this.write(await encoded, group.rows);
      group.release();
      this.inFlight--;
    });
    if (this.inFlight > 1) await this.queue;
  }

  private write(chunks: Chunk[], rows: number): void {
    const start = this.offset;
    let total = 0;
    const columns: TStruct[] = [];
    for (const c of chunks) {
      const first = this.offset;
      let raw = 0;
      let packed = 0;
      let dictOffset: number | undefined;
      if (c.dict) {
        dictOffset = this.offset;
        this.append(c.dict.header, c.dict.body);
        raw += c.dict.header.length + c.dict.raw;
        packed += c.dict.header.length + c.dict.body.length;
      }
      const dataOffset = this.offset;
      this.append(c.data.header, c.data.body);
      raw += c.data.header.length + c.data.raw;
      packed += c.data.header.length + c.data.body.length;
      total += raw;
      const path = c.spec.type === 'list' || c.spec.type === 'dictlist' ? [c.spec.name, 'list', 'element'] : [c.spec.name];
      const stats: TStruct = [[3, opt(c.nulls, i64)], [5, opt(c.max, bin)], [6, opt(c.min, bin)]];
      const meta: TStruct = [[1, i32(physical(c.spec.type))], [2, list('i32', c.encodings)], [3, list('bin', path)], [4, i32(ZSTD)],
        [5, i64(c.values)], [6, i64(raw)], [7, i64(packed)], [9, i64(dataOffset)], [11, opt(dictOffset, i64)], [12, struct(stats)]];
      columns.push([[2, i64(first)], [3, struct(meta)]]);
    }
    this.groups.push([[1, list('struct', columns)], [2, i64(total)], [3, i64(rows)], [5, i64(start)], [6, i64(this.offset - start)]]);
    this.rows += rows;
  }

  private append(...bufs: Buffer[]): void {
    for (const b of bufs) {
      let done = 0;
      while (done < b.length) done += writeSync(this.fd, b, done, b.length - done, this.offset + done);
      this.offset += b.length;
    }
  }

  /** Waits for the row groups in flight, writes the footer and closes the file; returns its rows. */
  async close(): Promise<number> {
    try {
      await this.queue;
      const meta: TStruct = [[1, i32(1)], [2, list('struct', schemaElements(this.specs))], [3, i64(this.rows)],
        [4, list('struct', this.groups)], [6, bin('bsky-tools lake writer')],
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
