import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { checkFooters, encodeFields, field, FMD, type Field, type Footer, type Node, NotConcatenable, readFooter, Reader } from './concat.js';
import { bitWidth, type Compress, CREATED_BY, type Decompress, deltaBinaryPacked, GROUP_ROWS, loadUnzstd, loadZstd, rleHybrid, ZSTD_LEVEL } from './parquet.js';
import { LAKE_COLUMNS } from './rows.js';
import { BINARY, I32, I64, LIST, STRUCT } from './thrift.js';

/**
 * Compaction that coalesces row groups: the lake writer's files (parquet.ts)
 * merged into one whose row groups hold up to `groupRows` rows (the
 * writer's 32,768), consecutive small groups (short runs, handle-stream's
 * segments) made into one. A group that stays alone is copied byte for
 * byte, as concat.ts does. For a group made of several, each column chunk
 * is the sources' data pages one after the other, as they are, except in
 * dictionary-encoded chunks: one dictionary, the union of the sources',
 * and each dictionary page's indices decoded and encoded again against it
 * (only those pages are decompressed: the chunks a query filters on, a few
 * percent of the bytes). Statistics are merged (null counts added, least
 * and greatest compared by the column's type). Only files the lake writer
 * made (its created_by) are taken: it knows their pages (version 1 data
 * pages; plain, dictionary or delta values; no page indexes, bloom filters
 * or CRCs); anything else is a NotConcatenable (from the footers, before
 * `to` is made, or from a page: `to` is then left part-written, for the
 * caller to delete), and the caller merges those another way (lake.ts).
 * docs/LAKE.md, Compaction.
 */

/** Parquet's page types and the encodings a dictionary page's indices use (parquet.thrift). */
const PAGE = { DATA: 0, DICTIONARY: 2 } as const;
const ENC = { PLAIN: 0, DELTA: 5 } as const;
const DICT_ENCODINGS = new Set([2, 8]); // PLAIN_DICTIONARY, RLE_DICTIONARY
/** The columns the writer keeps in one page a row group (ColumnSpec.wholeGroup): coalesced into one page again. */
const WHOLE = new Set(LAKE_COLUMNS.filter((c) => c.wholeGroup).map((c) => c.name));
/** Physical types (parquet.thrift Type). */
const TYPE = { INT32: 1, INT64: 2, BYTE_ARRAY: 6 } as const;

/** A union dictionary's indices go through rleHybrid's 16-bit array: a group's sources may bring this many entries at most. */
const UNION_MAX = 0xffff;

/** A leaf column of the schema: its dotted path, physical type and maximum levels. */
interface Leaf {
  path: string;
  type: number;
  maxDef: number;
  maxRep: number;
}

const num = (n: Node | undefined): number | undefined => (n !== undefined && n.type !== 8 && n.type !== 9 && n.type !== 12 ? n.v : undefined);
const fieldsOf = (n: Node | undefined): Field[] => {
  if (n?.type !== STRUCT) throw new NotConcatenable('a struct expected in the footer');
  return n.v;
};
const listOf = (n: Node | undefined): Node[] => {
  if (n?.type !== LIST) throw new NotConcatenable('a list expected in the footer');
  return n.v;
};

/** The schema's leaves in column order, with their levels (a required field adds none, an optional one a definition level, a repeated one both). */
function leaves(schema: Node[]): Leaf[] {
  const out: Leaf[] = [];
  let i = 0;
  const walk = (def: number, rep: number, prefix: string[], root: boolean): void => {
    const el = fieldsOf(schema[i++]);
    // SchemaElement: 1 type, 3 repetition_type (0 required, 1 optional, 2 repeated), 4 name, 5 num_children.
    const r = root ? 0 : num(field(el, 3)) ?? 0;
    const d = def + (r === 0 ? 0 : 1);
    const p = rep + (r === 2 ? 1 : 0);
    const name = field(el, 4);
    const path = root ? [] : [...prefix, name?.type === BINARY ? name.v.toString() : '?'];
    const kids = num(field(el, 5)) ?? 0;
    if (kids === 0) out.push({ path: path.join('.'), type: num(field(el, 1)) ?? -1, maxDef: d, maxRep: p });
    for (let k = 0; k < kids; k++) walk(d, p, path, false);
  };
  walk(0, 0, [], true);
  return out;
}

/** Parquet's RLE / bit-packed hybrid: `count` values of `width` bits from buf[pos, end). */
export function decodeHybrid(buf: Buffer, pos: number, end: number, width: number, count: number): Uint32Array {
  const out = new Uint32Array(count);
  const valueBytes = (width + 7) >> 3;
  let n = 0;
  while (n < count) {
    if (pos >= end) throw new NotConcatenable('a page\'s levels or indices end early');
    let header = 0;
    let shift = 0;
    for (;;) {
      const b = buf[pos++];
      header += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) break;
      shift += 7;
    }
    if (header % 2 === 0) {
      const run = header / 2;
      let v = 0;
      for (let k = 0; k < valueBytes; k++) v += buf[pos++] * 2 ** (8 * k);
      for (let k = 0; k < run && n < count; k++) out[n++] = v;
    } else {
      const values = ((header - 1) / 2) * 8;
      let acc = 0;
      let bits = 0;
      const mask = width === 32 ? 0xffffffff : (1 << width) - 1;
      for (let k = 0; k < values; k++) {
        while (bits < width) {
          acc += buf[pos++] * 2 ** bits;
          bits += 8;
        }
        const v = acc % 2 ** width;
        if (n < count) out[n++] = v & mask;
        acc = (acc - v) / 2 ** width;
        bits -= width;
      }
    }
  }
  return out;
}

/** Arrays of integers one after the other. */
function concatInts(parts: Uint32Array[]): Uint32Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint32Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Reads bits least significant first (Parquet's bit packing). */
class Bits {
  constructor(private readonly buf: Buffer, public bit: number) {}

  /** `w` bits (up to 53) as a number. */
  read(w: number): number {
    let v = 0;
    for (let got = 0; got < w;) {
      const at = this.bit >> 3;
      if (at >= this.buf.length) throw new NotConcatenable('a delta-encoded page ends early');
      const off = this.bit & 7;
      const take = Math.min(8 - off, w - got);
      v += ((this.buf[at] >> off) & ((1 << take) - 1)) * 2 ** got;
      got += take;
      this.bit += take;
    }
    return v;
  }
}

/** An unsigned LEB128 varint at buf[pos]: its value and the position after it. */
function uleb(buf: Buffer, pos: number): [number, number] {
  let v = 0;
  for (let shift = 0; ; shift += 7) {
    if (pos >= buf.length) throw new NotConcatenable('a delta-encoded page ends early');
    const b = buf[pos++];
    v += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) return [v, pos];
  }
}

const unzigzag = (n: number): number => (n % 2 === 0 ? n / 2 : -(n + 1) / 2);

/**
 * DELTA_BINARY_PACKED values from buf[pos...] (the lake writer's: INT64
 * values in [0, 2^52), parquet.ts deltaBinaryPacked), `count` of them, as
 * little-endian int64s.
 */
export function decodeDelta(buf: Buffer, pos: number, count: number): Buffer {
  let blockSize: number;
  let minis: number;
  let total: number;
  let first: number;
  [blockSize, pos] = uleb(buf, pos);
  [minis, pos] = uleb(buf, pos);
  [total, pos] = uleb(buf, pos);
  [first, pos] = uleb(buf, pos);
  if (total !== count || minis === 0 || blockSize % minis !== 0) throw new NotConcatenable(`a delta-encoded page of ${total} values where ${count} are present`);
  const out = Buffer.allocUnsafe(8 * count);
  let prev = unzigzag(first);
  const put = (i: number, v: number): void => {
    if (v < 0 || v >= 2 ** 52) throw new NotConcatenable('a delta-encoded value out of the writer\'s range');
    out.writeUInt32LE(v % 0x100000000, 8 * i);
    out.writeUInt32LE(Math.floor(v / 0x100000000), 8 * i + 4);
  };
  if (count > 0) put(0, prev);
  let n = 1;
  const per = blockSize / minis;
  while (n < count) {
    let least: number;
    [least, pos] = uleb(buf, pos);
    least = unzigzag(least);
    const widths = buf.subarray(pos, pos + minis);
    pos += minis;
    for (let m = 0; m < minis && n < count; m++) {
      const w = widths[m];
      const bits = new Bits(buf, pos * 8);
      for (let k = 0; k < per; k++) {
        const d = w === 0 ? 0 : bits.read(w);
        if (n < count) {
          prev += least + d;
          put(n++, prev);
        }
      }
      pos += (per * w) / 8;
    }
  }
  return out;
}

/** One page of a column chunk: its header's fields, the header's bytes and the (compressed) body. */
interface SrcPage {
  header: Field[];
  head: Buffer;
  body: Buffer;
}

/** A source column chunk: its metadata's fields and its pages. */
interface SrcChunk {
  meta: Field[];
  pages: SrcPage[];
}

function readChunk(fd: number, meta: Field[], path: string): SrcChunk {
  const start = num(field(meta, 11)) ?? num(field(meta, 9));
  const len = num(field(meta, 7));
  if (start === undefined || len === undefined) throw new NotConcatenable(`${path}: a column chunk without its offsets`);
  const buf = Buffer.allocUnsafe(len);
  if (readSync(fd, buf, 0, len, start) !== len) throw new NotConcatenable(`${path}: short read`);
  const pages: SrcPage[] = [];
  for (let pos = 0; pos < len;) {
    const r = new Reader(buf.subarray(pos));
    const header = r.struct();
    const size = num(field(header, 3));
    if (size === undefined || pos + r.pos + size > len) throw new NotConcatenable(`${path}: a page past its column chunk`);
    pages.push({ header, head: buf.subarray(pos, pos + r.pos), body: buf.subarray(pos + r.pos, pos + r.pos + size) });
    pos += r.pos + size;
  }
  return { meta, pages };
}

/** Compares two statistics values of a physical type (Parquet's order for the lake's types: signed integers, bytes unsigned). */
function compare(type: number, a: Buffer, b: Buffer): number {
  if (type === TYPE.INT32 && a.length === 4 && b.length === 4) return a.readInt32LE(0) - b.readInt32LE(0);
  if (type === TYPE.INT64 && a.length === 8 && b.length === 8) {
    const x = a.readBigInt64LE(0);
    const y = b.readBigInt64LE(0);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  return Buffer.compare(a, b);
}

/** Statistics of chunks merged: null counts added, the least of the least and the greatest of the greatest (kept only when every chunk has them). */
function mergeStats(type: number, chunks: SrcChunk[]): Field[] | undefined {
  let nulls: number | undefined = 0;
  let min: Buffer | undefined;
  let max: Buffer | undefined;
  let bounded = true;
  for (const c of chunks) {
    const s = field(c.meta, 12);
    if (s === undefined) return undefined;
    const f = fieldsOf(s);
    // Statistics: 3 null_count, 5 max_value, 6 min_value (1, 2, 4 and later fields: not the writer's, refused by checkChunk).
    const n = num(field(f, 3));
    nulls = n === undefined || nulls === undefined ? undefined : nulls + n;
    const lo = field(f, 6);
    const hi = field(f, 5);
    if (lo?.type !== BINARY || hi?.type !== BINARY) bounded = false;
    else {
      if (min === undefined || compare(type, lo.v, min) < 0) min = lo.v;
      if (max === undefined || compare(type, hi.v, max) > 0) max = hi.v;
    }
  }
  const out: Field[] = [];
  if (nulls !== undefined) out.push([3, { type: I64, v: nulls }]);
  if (bounded && min && max) out.push([5, { type: BINARY, v: max }], [6, { type: BINARY, v: min }]);
  return out;
}

/** ColumnMetaData fields the writer sets (parquet.ts ParquetFile.write); any other is not ours to merge. */
const META_FIELDS = new Set([1, 2, 3, 4, 5, 6, 7, 9, 11, 12]);

function checkChunk(c: SrcChunk, path: string): void {
  for (const [id] of c.meta) if (!META_FIELDS.has(id)) throw new NotConcatenable(`${path}: column metadata field ${id}, which the lake writer does not write`);
  const s = field(c.meta, 12);
  if (s !== undefined) for (const [id] of fieldsOf(s)) if (![3, 5, 6].includes(id)) throw new NotConcatenable(`${path}: statistics field ${id}`);
  for (const p of c.pages) {
    const type = num(field(p.header, 1));
    // PageHeader: 1 type, 2 uncompressed size, 3 compressed size, 4 crc, 5 data page header, 7 dictionary page header.
    if (type !== PAGE.DATA && type !== PAGE.DICTIONARY) throw new NotConcatenable(`${path}: a page of type ${type}`);
    if (field(p.header, 4) !== undefined) throw new NotConcatenable(`${path}: a page with a CRC`);
  }
}

/** A dictionary page's entries, PLAIN-encoded (BYTE_ARRAY: 4-byte length then bytes; INT32, INT64: fixed width). */
function entries(type: number, raw: Buffer, count: number): Buffer[] {
  const out: Buffer[] = [];
  let pos = 0;
  for (let k = 0; k < count; k++) {
    if (type === TYPE.BYTE_ARRAY) {
      const len = raw.readUInt32LE(pos);
      out.push(raw.subarray(pos, pos + 4 + len));
      pos += 4 + len;
    } else if (type === TYPE.INT32 || type === TYPE.INT64) {
      const w = type === TYPE.INT32 ? 4 : 8;
      out.push(raw.subarray(pos, pos + w));
      pos += w;
    } else throw new NotConcatenable(`a dictionary of physical type ${type}`);
  }
  if (pos !== raw.length) throw new NotConcatenable('a dictionary page longer than its entries');
  return out;
}

/** A page header with new sizes (and, for a dictionary page, a new count). */
function withSizes(header: Field[], raw: number, packed: number, dictCount?: number): Field[] {
  return header.map(([id, n]): Field => {
    if (id === 2) return [id, { type: I32, v: raw }];
    if (id === 3) return [id, { type: I32, v: packed }];
    if (id === 7 && dictCount !== undefined) {
      return [id, { type: STRUCT, v: fieldsOf(n).map(([k, m]): Field => (k === 1 ? [k, { type: I32, v: dictCount }] : [k, m])) }];
    }
    return [id, n];
  });
}

interface Codec {
  compress: Compress;
  decompress: Decompress;
}

/** Chunks of one column, one per source row group, merged into one chunk: its bytes (headers and bodies) and its metadata without offsets. */
async function mergeChunk(leaf: Leaf, chunks: SrcChunk[], codec: Codec, whole: boolean): Promise<{ parts: Buffer[]; meta: Field[]; raw: number; packed: number; dictBytes: number }> {
  const codecs = new Set(chunks.map((c) => num(field(c.meta, 4))));
  if (codecs.size !== 1) throw new NotConcatenable(`column ${leaf.path}: its chunks are compressed differently`);
  const zstd = num(field(chunks[0].meta, 4));
  if (zstd !== 0 && zstd !== 6) throw new NotConcatenable(`column ${leaf.path}: codec ${zstd}`);
  const unpack = (b: Buffer): Promise<Buffer> => (zstd === 0 ? Promise.resolve(b) : codec.decompress(b));
  const pack = (b: Buffer): Promise<Buffer> => (zstd === 0 ? Promise.resolve(b) : codec.compress(b, ZSTD_LEVEL));
  const parts: Buffer[] = [];
  let raw = 0;
  let packed = 0;
  const emit = (header: Field[] | Buffer, body: Buffer, rawSize: number): void => {
    const head = Buffer.isBuffer(header) ? header : encodeFields(header);
    parts.push(head, body);
    raw += head.length + rawSize;
    packed += head.length + body.length;
  };
  const dicts = chunks.map((c) => c.pages.find((p) => num(field(p.header, 1)) === PAGE.DICTIONARY));
  let dictHeader: Field[] | undefined;
  // Each chunk's dictionary indices in the union (undefined: no dictionary, or the union's indices are its own).
  const remaps: Array<Uint32Array | undefined> = [];
  const union = new Map<string, number>();
  const unionEntries: Buffer[] = [];
  for (const d of dicts) {
    if (d === undefined) {
      remaps.push(undefined);
      continue;
    }
    dictHeader ??= d.header;
    const count = num(field(fieldsOf(field(d.header, 7)), 1)) ?? 0;
    const es = entries(leaf.type, await unpack(d.body), count);
    const remap = new Uint32Array(es.length);
    let same = true;
    for (const [k, e] of es.entries()) {
      const key = e.toString('latin1');
      let at = union.get(key);
      if (at === undefined) {
        at = unionEntries.length;
        union.set(key, at);
        unionEntries.push(e);
      }
      remap[k] = at;
      if (at !== k) same = false;
    }
    if (union.size > UNION_MAX) throw new NotConcatenable(`column ${leaf.path}: more than ${UNION_MAX} dictionary entries in a row group`);
    remaps.push(same ? undefined : remap);
  }
  if (dictHeader !== undefined) {
    const body = Buffer.concat(unionEntries);
    const packedBody = await pack(body);
    emit(withSizes(dictHeader, body.length, packedBody.length, unionEntries.length), packedBody, body.length);
  }
  const width = Math.max(1, bitWidth(Math.max(0, unionEntries.length - 1)));
  const dictBytes = packed;
  const data: Array<{ chunk: number; page: SrcPage; encoding: number; levels: number; rawSize: number }> = [];
  for (const [i, c] of chunks.entries()) {
    for (const page of c.pages) {
      if (num(field(page.header, 1)) === PAGE.DICTIONARY) continue;
      const dph = fieldsOf(field(page.header, 5));
      const encoding = num(field(dph, 2)) ?? -1;
      if (DICT_ENCODINGS.has(encoding) && dicts[i] === undefined) throw new NotConcatenable(`column ${leaf.path}: dictionary indices without a dictionary`);
      data.push({ chunk: i, page, encoding, levels: num(field(dph, 1)) ?? 0, rawSize: num(field(page.header, 2)) ?? 0 });
    }
  }
  /** A version 1 page's body: repetition levels, definition levels (each its byte length, then the hybrid encoding), then the values. */
  const split = (body: Buffer, levels: number): { reps?: Uint32Array; defs?: Uint32Array; present: number; at: number } => {
    let pos = 0;
    let reps: Uint32Array | undefined;
    let defs: Uint32Array | undefined;
    if (leaf.maxRep > 0) {
      const len = body.readUInt32LE(pos);
      reps = decodeHybrid(body, pos + 4, pos + 4 + len, bitWidth(leaf.maxRep), levels);
      pos += 4 + len;
    }
    let present = levels;
    if (leaf.maxDef > 0) {
      const len = body.readUInt32LE(pos);
      defs = decodeHybrid(body, pos + 4, pos + 4 + len, bitWidth(leaf.maxDef), levels);
      present = 0;
      for (let k = 0; k < levels; k++) if (defs[k] === leaf.maxDef) present++;
      pos += 4 + len;
    }
    return { reps, defs, present, at: pos };
  };
  const remapped = (i: number, body: Buffer, at: number, present: number): Uint32Array => {
    const idx = decodeHybrid(body, at + 1, body.length, body[at], present);
    const remap = remaps[i];
    if (remap) for (let k = 0; k < present; k++) idx[k] = remap[idx[k]];
    return idx;
  };
  const pageEncodings = new Set(data.map((d) => d.encoding));
  const only = data[0]?.encoding;
  if (whole && data.length > 1 && pageEncodings.size === 1 && (only === ENC.PLAIN || only === ENC.DELTA || DICT_ENCODINGS.has(only))) {
    // A column the writer keeps in one page a row group (ColumnSpec.wholeGroup: the ones queries filter and group by): one page again.
    const reps: Uint32Array[] = [];
    const defs: Uint32Array[] = [];
    const values: Array<Buffer | Uint32Array> = [];
    let levels = 0;
    let present = 0;
    for (const d of data) {
      const body = await unpack(d.page.body);
      const sp = split(body, d.levels);
      if (sp.reps) reps.push(sp.reps);
      if (sp.defs) defs.push(sp.defs);
      levels += d.levels;
      present += sp.present;
      if (only === ENC.PLAIN) values.push(body.subarray(sp.at));
      else if (only === ENC.DELTA) values.push(decodeDelta(body, sp.at, sp.present));
      else values.push(remapped(d.chunk, body, sp.at, sp.present));
    }
    const prefixed = (parts: Uint32Array[], max: number): Buffer => {
      const enc = rleHybrid(Uint16Array.from(concatInts(parts)), levels, bitWidth(max));
      const len = Buffer.allocUnsafe(4);
      len.writeUInt32LE(enc.length);
      return Buffer.concat([len, enc]);
    };
    const head = [...(leaf.maxRep > 0 ? [prefixed(reps, leaf.maxRep)] : []), ...(leaf.maxDef > 0 ? [prefixed(defs, leaf.maxDef)] : [])];
    let tail: Buffer[];
    if (only === ENC.PLAIN) tail = values as Buffer[];
    else if (only === ENC.DELTA) tail = [deltaBinaryPacked(Buffer.concat(values as Buffer[]), 0, present)];
    else tail = [Buffer.of(width), rleHybrid(Uint16Array.from(concatInts(values as Uint32Array[])), present, width)];
    const body = Buffer.concat([...head, ...tail]);
    const packedBody = await pack(body);
    const header = withSizes(data[0].page.header, body.length, packedBody.length).map(([id, n]): Field => (id === 5
      ? [id, { type: STRUCT, v: fieldsOf(n).map(([k, m]): Field => (k === 1 ? [k, { type: I32, v: levels }] : [k, m])) }] : [id, n]));
    emit(header, packedBody, body.length);
  } else {
    for (const d of data) {
      if (!DICT_ENCODINGS.has(d.encoding)) {
        emit(d.page.head, d.page.body, d.rawSize);
        continue;
      }
      const body = await unpack(d.page.body);
      const sp = split(body, d.levels);
      if (remaps[d.chunk] === undefined && body[sp.at] === width) {
        emit(d.page.head, d.page.body, d.rawSize);
        continue;
      }
      const idx = remapped(d.chunk, body, sp.at, sp.present);
      const newBody = Buffer.concat([body.subarray(0, sp.at), Buffer.of(width), rleHybrid(Uint16Array.from(idx), sp.present, width)]);
      const packedBody = await pack(newBody);
      emit(withSizes(d.page.header, newBody.length, packedBody.length), packedBody, newBody.length);
    }
  }
  // Encodings: every source chunk's, once each, in first-seen order.
  const encodings: number[] = [];
  for (const c of chunks) for (const e of listOf(field(c.meta, 2))) if (!encodings.includes(num(e)!)) encodings.push(num(e)!);
  let values = 0;
  for (const c of chunks) values += num(field(c.meta, 5)) ?? 0;
  const stats = mergeStats(leaf.type, chunks);
  const meta: Field[] = [];
  for (const [id, n] of chunks[0].meta) {
    if (id === 2) meta.push([id, { type: LIST, elem: I32, v: encodings.map((v) => ({ type: I32, v })) }]);
    else if (id === 5) meta.push([id, { type: I64, v: values }]);
    else if (id === 6) meta.push([id, { type: I64, v: raw }]);
    else if (id === 7) meta.push([id, { type: I64, v: packed }]);
    else if (id === 9 || id === 11 || id === 12) continue; // offsets: the caller's
    else meta.push([id, n]);
  }
  if (stats !== undefined) meta.push([12, { type: STRUCT, v: stats }]);
  return { parts, meta, raw, packed, dictBytes };
}

/** A source row group: its file and its fields. */
interface SrcGroup {
  file: number;
  fields: Field[];
  rows: number;
}

/**
 * Merges the lake writer's files `paths` into `to` (created; the caller
 * syncs it), consecutive row groups joined while they hold `groupRows` rows
 * at most. Throws NotConcatenable, before writing anything, for files the
 * writer did not make or cannot be merged this way. Returns the rows and
 * the row groups written.
 */
export async function coalesceParquet(paths: string[], to: string, groupRows = GROUP_ROWS): Promise<{ rows: number; groups: number }> {
  const fds = paths.map((p) => openSync(p, 'r'));
  let out: number | undefined;
  try {
    const footers: Footer[] = fds.map((fd, i) => readFooter(fd, paths[i]));
    checkFooters(footers, paths);
    for (const [i, f] of footers.entries()) {
      const by = field(f.fields, 6);
      if (by?.type !== BINARY || by.v.toString() !== CREATED_BY) throw new NotConcatenable(`${paths[i]}: not written by the lake writer`);
    }
    const cols = leaves(listOf(field(footers[0].fields, FMD.schema)));
    // The plan: source row groups in order, joined while the sum of their rows stays within groupRows.
    const plan: SrcGroup[][] = [];
    let rows = 0;
    for (const [file, f] of footers.entries()) {
      for (const g of listOf(field(f.fields, FMD.rowGroups) ?? { type: LIST, elem: STRUCT, v: [] })) {
        const fields = fieldsOf(g);
        const n = num(field(fields, 3)) ?? 0;
        const columns = listOf(field(fields, 1));
        if (columns.length !== cols.length) throw new NotConcatenable(`${paths[file]}: ${columns.length} column chunks in a row group, ${cols.length} leaves in the schema`);
        for (const c of columns) if (field(fieldsOf(c), 1) !== undefined) throw new NotConcatenable('a column chunk in another file');
        rows += n;
        const last = plan[plan.length - 1];
        const held = last?.reduce((s, x) => s + x.rows, 0) ?? Infinity;
        if (last !== undefined && held + n <= groupRows) last.push({ file, fields, rows: n });
        else plan.push([{ file, fields, rows: n }]);
      }
    }
    const codec: Codec = { compress: await loadZstd(), decompress: await loadUnzstd() };
    out = openSync(to, 'wx');
    let offset = 0;
    const write = (b: Buffer): void => {
      for (let done = 0; done < b.length;) done += writeSync(out!, b, done, b.length - done, offset + done);
      offset += b.length;
    };
    write(Buffer.from('PAR1'));
    const groups: Node[] = [];
    for (const group of plan) {
      const start = offset;
      const columns: Node[] = [];
      let total = 0;
      let compressed = 0;
      for (let k = 0; k < cols.length; k++) {
        const chunks = group.map((g) => {
          const meta = fieldsOf(field(fieldsOf(listOf(field(g.fields, 1))[k]), 3));
          const c = readChunk(fds[g.file], meta, paths[g.file]);
          checkChunk(c, paths[g.file]);
          return c;
        });
        const first = offset;
        let meta: Field[];
        // The dictionary page's bytes (it starts the chunk; the data pages follow).
        let dictBytes: number;
        if (chunks.length === 1) {
          // Alone: its bytes as they are, its offsets moved.
          const c = chunks[0];
          for (const p of c.pages) {
            write(p.head);
            write(p.body);
          }
          const d = c.pages.find((p) => num(field(p.header, 1)) === PAGE.DICTIONARY);
          dictBytes = d ? d.head.length + d.body.length : 0;
          meta = c.meta.filter(([id]) => id !== 9 && id !== 11);
          total += num(field(c.meta, 6)) ?? 0;
          compressed += num(field(c.meta, 7)) ?? 0;
        } else {
          const m = await mergeChunk(cols[k], chunks, codec, WHOLE.has(cols[k].path.split('.')[0]));
          for (const b of m.parts) write(b);
          meta = m.meta;
          dictBytes = m.dictBytes;
          total += m.raw;
          compressed += m.packed;
        }
        meta.push([9, { type: I64, v: first + dictBytes }]);
        if (dictBytes > 0) meta.push([11, { type: I64, v: first }]);
        meta.sort((a, b) => a[0] - b[0]);
        columns.push({ type: STRUCT, v: [[2, { type: I64, v: first }], [3, { type: STRUCT, v: meta }]] });
      }
      const n = group.reduce((s, g) => s + g.rows, 0);
      // RowGroup: 1 columns, 2 total_byte_size, 3 num_rows, 5 file_offset, 6 total_compressed_size (as the writer writes it).
      groups.push({ type: STRUCT, v: [[1, { type: LIST, elem: STRUCT, v: columns }], [2, { type: I64, v: total }], [3, { type: I64, v: n }],
        [5, { type: I64, v: start }], [6, { type: I64, v: compressed }]] });
    }
    const meta: Field[] = footers[0].fields.map(([id, n]): Field => {
      if (id === FMD.numRows) return [id, { type: I64, v: rows }];
      if (id === FMD.rowGroups) return [id, { type: LIST, elem: STRUCT, v: groups }];
      return [id, n];
    });
    const footer = encodeFields(meta);
    const tail = Buffer.alloc(8);
    tail.writeUInt32LE(footer.length, 0);
    tail.write('PAR1', 4, 'latin1');
    write(footer);
    write(tail);
    return { rows, groups: groups.length };
  } finally {
    if (out !== undefined) closeSync(out);
    for (const fd of fds) closeSync(fd);
  }
}
