import { closeSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import { BINARY, BOOL_FALSE, BOOL_TRUE, BYTE, I16, I32, I64, LIST, Out, STRUCT } from './thrift.js';

/**
 * Compaction by concatenation: Parquet files with the same schema merged
 * into one by copying each file's column chunks byte for byte after the
 * previous file's and writing one footer whose row groups point at them
 * (their offsets shifted). Nothing is decoded or encoded again, so the
 * merged file keeps its inputs' row groups, pages and encodings, and the
 * merge costs about a copy of the bytes. The footer is read and written
 * with a generic Thrift compact-protocol codec that keeps every field,
 * known or not (statistics, bloom filter and page index offsets, size
 * statistics), shifting only the offsets Parquet's format defines.
 * Anything it does not expect (another schema, encryption, a type of
 * field Parquet's metadata does not use) is a NotConcatenable: the caller
 * merges those files another way (lake.ts, DuckDB's COPY).
 */
export class NotConcatenable extends Error {}

/** A Thrift compact-protocol value: its type code and payload. */
export type Node =
  | { type: 1 | 2 | 3 | 4 | 5 | 6; v: number } // bool (1 true, 2 false), byte, i16, i32, i64
  | { type: 8; v: Buffer } // binary
  | { type: 9; elem: number; v: Node[] } // list
  | { type: 12; v: Field[] }; // struct
export type Field = [number, Node];

/** Reads compact-protocol structs from a buffer. */
export class Reader {
  pos = 0;
  constructor(private readonly buf: Buffer) {}

  private byte(): number {
    if (this.pos >= this.buf.length) throw new NotConcatenable('truncated footer');
    return this.buf[this.pos++];
  }

  private varint(): number {
    let n = 0;
    let mul = 1;
    for (;;) {
      const b = this.byte();
      n += (b & 0x7f) * mul;
      if (n > Number.MAX_SAFE_INTEGER) throw new NotConcatenable('an integer past 2^53 in the footer');
      if (b < 0x80) return n;
      mul *= 0x80;
    }
  }

  private zigzag(): number {
    const n = this.varint();
    return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
  }

  private value(type: number): Node {
    switch (type) {
      case BYTE: {
        const b = this.byte();
        return { type, v: b >= 128 ? b - 256 : b };
      }
      case I16:
      case I32:
      case I64:
        return { type, v: this.zigzag() };
      case BINARY: {
        const n = this.varint();
        if (this.pos + n > this.buf.length) throw new NotConcatenable('truncated footer');
        const v = this.buf.subarray(this.pos, this.pos + n);
        this.pos += n;
        return { type, v };
      }
      case LIST: {
        const h = this.byte();
        const elem = h & 0x0f;
        const size = h >> 4 === 15 ? this.varint() : h >> 4;
        if (elem === BOOL_TRUE || elem === BOOL_FALSE) throw new NotConcatenable('a list of booleans in the footer');
        const v: Node[] = [];
        for (let i = 0; i < size; i++) v.push(this.value(elem));
        return { type, elem, v };
      }
      case STRUCT:
        return { type, v: this.struct() };
      default:
        throw new NotConcatenable(`a Thrift value of type ${type} in the footer`);
    }
  }

  struct(): Field[] {
    const out: Field[] = [];
    let last = 0;
    for (;;) {
      const h = this.byte();
      if (h === 0) return out;
      const type = h & 0x0f;
      const id = h >> 4 === 0 ? this.zigzag() : last + (h >> 4);
      last = id;
      out.push([id, type === BOOL_TRUE || type === BOOL_FALSE ? { type, v: type === BOOL_TRUE ? 1 : 0 } : this.value(type)]);
    }
  }
}

/** Writes compact-protocol structs. */
class Writer {
  readonly out = new Out();

  private value(node: Node): void {
    const out = this.out;
    switch (node.type) {
      case BOOL_TRUE:
      case BOOL_FALSE:
        return; // in the field header
      case BYTE:
        return out.byte(node.v & 0xff);
      case I16:
      case I32:
      case I64:
        return out.zigzag(node.v);
      case BINARY:
        return out.bytes(node.v);
      case LIST:
        if (node.v.length < 15) out.byte((node.v.length << 4) | node.elem);
        else {
          out.byte(0xf0 | node.elem);
          out.varint(node.v.length);
        }
        for (const e of node.v) this.value(e);
        return;
      case STRUCT:
        return this.struct(node.v);
    }
  }

  struct(fields: Field[]): void {
    let last = 0;
    for (const [id, node] of fields) {
      const type = node.type === BOOL_TRUE || node.type === BOOL_FALSE ? (node.v ? BOOL_TRUE : BOOL_FALSE) : node.type;
      if (id > last && id - last <= 15) this.out.byte(((id - last) << 4) | type);
      else {
        this.out.byte(type);
        this.out.zigzag(id);
      }
      last = id;
      this.value(node);
    }
    this.out.byte(0);
  }
}

/** Encodes a struct's fields (exported for the tests: decoding then encoding gives the same bytes). */
export function encodeFields(fields: Field[]): Buffer {
  const w = new Writer();
  w.struct(fields);
  return Buffer.from(w.out.buf.subarray(0, w.out.len));
}

/** Decodes a struct (exported for the tests). */
export function decodeFields(buf: Buffer): Field[] {
  const r = new Reader(buf);
  const fields = r.struct();
  if (r.pos !== buf.length) throw new NotConcatenable('bytes after the footer\'s struct');
  return fields;
}

export const field = (fields: Field[], id: number): Node | undefined => fields.find((f) => f[0] === id)?.[1];

/** Adds `shift` to the integer field `id` of `fields`, when it is there. */
function shiftField(fields: Field[], id: number, shift: number): void {
  const n = field(fields, id);
  if (n === undefined) return;
  if (n.type !== I64) throw new NotConcatenable(`offset field ${id} is not an i64`);
  n.v += shift;
}

/** A Parquet file's footer: FileMetaData's fields, and where its column chunks end. */
export interface Footer {
  fields: Field[];
  /** Bytes [4, dataEnd) hold the file's column chunks (and any page indexes, bloom filters). */
  dataEnd: number;
}

export function readFooter(fd: number, path: string): Footer {
  const size = fstatSync(fd).size;
  const tail = Buffer.alloc(8);
  const head = Buffer.alloc(4);
  if (size < 12 || readSync(fd, tail, 0, 8, size - 8) !== 8 || readSync(fd, head, 0, 4, 0) !== 4) throw new NotConcatenable(`${path}: not a Parquet file`);
  if (head.toString('latin1') !== 'PAR1' || tail.toString('latin1', 4) !== 'PAR1') throw new NotConcatenable(`${path}: not a plain Parquet file (no PAR1 at both ends)`);
  const len = tail.readUInt32LE(0);
  const dataEnd = size - 8 - len;
  if (dataEnd < 4) throw new NotConcatenable(`${path}: footer longer than the file`);
  const buf = Buffer.alloc(len);
  if (readSync(fd, buf, 0, len, dataEnd) !== len) throw new NotConcatenable(`${path}: short read`);
  return { fields: decodeFields(buf), dataEnd };
}

/** FileMetaData's field ids (parquet.thrift). */
export const FMD = { version: 1, schema: 2, numRows: 3, rowGroups: 4, encryption: 8, signingKey: 9 } as const;

/** The rows per row group of the files, on average (footers only): whether concatenation keeps row groups worth keeping. */
export function rowsPerGroup(paths: string[]): number {
  let rows = 0;
  let groups = 0;
  for (const path of paths) {
    const fd = openSync(path, 'r');
    try {
      const { fields } = readFooter(fd, path);
      const rg = field(fields, FMD.rowGroups);
      rows += (field(fields, FMD.numRows) as { v: number } | undefined)?.v ?? 0;
      groups += rg?.type === LIST ? rg.v.length : 0;
    } finally {
      closeSync(fd);
    }
  }
  return groups === 0 ? 0 : rows / groups;
}

/** Throws NotConcatenable unless the footers share one schema, are not encrypted and list their row groups as Parquet does. */
export function checkFooters(footers: Footer[], paths: string[]): void {
  const schema = (f: Footer): Buffer => {
    const s = field(f.fields, FMD.schema);
    if (s === undefined) throw new NotConcatenable('a footer without a schema');
    return encodeFields([[FMD.schema, s]]);
  };
  const first = schema(footers[0]);
  for (const [i, f] of footers.entries()) {
    if (field(f.fields, FMD.encryption) || field(f.fields, FMD.signingKey)) throw new NotConcatenable(`${paths[i]}: encrypted`);
    if (!schema(f).equals(first)) throw new NotConcatenable(`${paths[i]}: another schema than ${paths[0]}'s`);
    const rg = field(f.fields, FMD.rowGroups);
    if (rg !== undefined && (rg.type !== LIST || rg.elem !== STRUCT)) throw new NotConcatenable(`${paths[i]}: malformed row groups`);
  }
}

/**
 * Concatenates Parquet files into `to` (created; the caller syncs it).
 * Throws NotConcatenable, before writing anything, when the files cannot be
 * merged this way.
 */
export function concatParquet(paths: string[], to: string): { rows: number; groups: number } {
  const fds = paths.map((p) => openSync(p, 'r'));
  try {
    const footers = fds.map((fd, i) => readFooter(fd, paths[i]));
    checkFooters(footers, paths);
    // The row groups, their offsets shifted to where their file's bytes go.
    const groups: Node[] = [];
    let rows = 0;
    let offset = 4;
    for (const f of footers) {
      const shift = offset - 4;
      const rg = field(f.fields, FMD.rowGroups) as { v: Node[] } | undefined;
      for (const g of rg?.v ?? []) {
        const gf = (g as { v: Field[] }).v;
        // RowGroup: 1 columns, 5 file_offset, 7 ordinal.
        shiftField(gf, 5, shift);
        const ordinal = field(gf, 7);
        if (ordinal !== undefined) (ordinal as { v: number }).v = groups.length;
        const columns = field(gf, 1);
        if (columns?.type !== LIST) throw new NotConcatenable('a row group without columns');
        for (const c of columns.v) {
          const cf = (c as { v: Field[] }).v;
          // ColumnChunk: 1 file_path (another file: not ours to move), 2 file_offset, 3 meta_data, 4 offset_index_offset, 6 column_index_offset.
          if (field(cf, 1) !== undefined) throw new NotConcatenable('a column chunk in another file');
          shiftField(cf, 2, shift);
          shiftField(cf, 4, shift);
          shiftField(cf, 6, shift);
          const meta = field(cf, 3);
          if (meta?.type !== STRUCT) throw new NotConcatenable('a column chunk without its metadata');
          // ColumnMetaData: 9 data_page_offset, 10 index_page_offset, 11 dictionary_page_offset, 14 bloom_filter_offset.
          for (const id of [9, 10, 11, 14]) shiftField(meta.v, id, shift);
        }
        groups.push(g);
      }
      rows += (field(f.fields, FMD.numRows) as { v: number } | undefined)?.v ?? 0;
      offset += f.dataEnd - 4;
    }
    // The first file's metadata (schema, key-value metadata, created_by, column orders), with every row group and the rows summed.
    const version = Math.max(...footers.map((f) => (field(f.fields, FMD.version) as { v: number } | undefined)?.v ?? 1));
    const meta: Field[] = footers[0].fields.map(([id, n]): Field => {
      if (id === FMD.version) return [id, { type: I32, v: version }];
      if (id === FMD.numRows) return [id, { type: I64, v: rows }];
      if (id === FMD.rowGroups) return [id, { type: LIST, elem: STRUCT, v: groups }];
      return [id, n];
    });
    if (field(meta, FMD.rowGroups) === undefined) throw new NotConcatenable('a footer without row groups');
    const footer = encodeFields(meta);
    const out = openSync(to, 'wx');
    try {
      writeSync(out, Buffer.from('PAR1'));
      const chunk = Buffer.allocUnsafe(8 << 20);
      for (const [i, f] of footers.entries()) {
        for (let pos = 4; pos < f.dataEnd;) {
          const n = readSync(fds[i], chunk, 0, Math.min(chunk.length, f.dataEnd - pos), pos);
          if (n <= 0) throw new Error(`${paths[i]}: short read`);
          writeSync(out, chunk, 0, n);
          pos += n;
        }
      }
      const tail = Buffer.alloc(8);
      tail.writeUInt32LE(footer.length, 0);
      tail.write('PAR1', 4, 'latin1');
      writeSync(out, footer);
      writeSync(out, tail);
    } finally {
      closeSync(out);
    }
    return { rows, groups: groups.length };
  } finally {
    for (const fd of fds) closeSync(fd);
  }
}

/**
 * Sets the value of a `constant` column (parquet.ts ColumnSpec.constant) in
 * a file written by the lake's writer: in every row group, the 4 bytes of
 * the column chunk's one-entry dictionary, and its statistics' least and
 * greatest (the footer keeps its length: same-size values). The file is
 * changed in place (the caller syncs it). Returns the chunks set; throws
 * (nothing in the footer changed) when the column is not such a chunk.
 */
export function setConstant(path: string, column: string, value: number): number {
  const fd = openSync(path, 'r+');
  try {
    const { fields, dataEnd } = readFooter(fd, path);
    const entry = Buffer.alloc(4);
    entry.writeInt32LE(value);
    const at: number[] = [];
    const rg = field(fields, FMD.rowGroups);
    for (const g of rg?.type === LIST ? rg.v : []) {
      const columns = field((g as { v: Field[] }).v, 1);
      for (const c of columns?.type === LIST ? columns.v : []) {
        const meta = field((c as { v: Field[] }).v, 3);
        if (meta?.type !== STRUCT) continue;
        const name = field(meta.v, 3);
        if (name?.type !== LIST || name.v.map((n) => (n as { v: Buffer }).v.toString()).join('.') !== column) continue;
        // ColumnMetaData: 4 codec (0: uncompressed), 11 dictionary_page_offset, 12 statistics.
        const codec = field(meta.v, 4) as { v: number } | undefined;
        const dict = field(meta.v, 11) as { v: number } | undefined;
        if (codec?.v !== 0 || dict === undefined) throw new Error(`${path}: column ${column} is not a constant column (compressed, or no dictionary)`);
        const head = Buffer.alloc(64);
        const n = readSync(fd, head, 0, head.length, dict.v);
        const r = new Reader(head.subarray(0, n));
        const ph = r.struct();
        // PageHeader: 1 type (2: dictionary), 2 uncompressed size, 3 compressed size, 7 dictionary page header (1 num_values).
        const nv = field(ph, 7)?.type === STRUCT ? field((field(ph, 7) as { v: Field[] }).v, 1) : undefined;
        if ((field(ph, 1) as { v: number } | undefined)?.v !== 2 || (field(ph, 3) as { v: number } | undefined)?.v !== 4 || (nv as { v: number } | undefined)?.v !== 1) {
          throw new Error(`${path}: column ${column}'s dictionary is not one INT32 entry`);
        }
        at.push(dict.v + r.pos);
        // Statistics: 1 max, 2 min (deprecated), 5 max_value, 6 min_value.
        const stats = field(meta.v, 12);
        if (stats?.type === STRUCT) for (const [id, s] of stats.v) if ([1, 2, 5, 6].includes(id) && s.type === BINARY && s.v.length === 4) s.v = entry;
      }
    }
    const footer = encodeFields(fields);
    if (footer.length !== fstatSync(fd).size - 8 - dataEnd) throw new Error(`${path}: the footer changed length`);
    for (const pos of at) writeSync(fd, entry, 0, 4, pos);
    writeSync(fd, footer, 0, footer.length, dataEnd);
    return at.length;
  } finally {
    closeSync(fd);
  }
}
