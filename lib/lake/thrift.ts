/**
 * Thrift's compact protocol, the writing half, for Parquet's page headers and
 * footer (parquet.ts). A struct is a list of fields in increasing id order;
 * undefined values are left out (Thrift's optional fields). Only the types
 * Parquet's metadata uses: bool, i32, i64, binary (strings and byte
 * arrays), struct and list.
 */
export type TValue =
  | { t: 'bool'; v: boolean }
  | { t: 'i32'; v: number }
  | { t: 'i64'; v: number }
  | { t: 'bin'; v: string | Uint8Array }
  | { t: 'struct'; v: TStruct }
  | { t: 'list'; elem: 'i32' | 'bin' | 'struct'; v: Array<number | string | Uint8Array | TStruct> };

/** [field id, value]; a value left undefined is not written. */
export type TStruct = Array<[number, TValue | undefined]>;

// Compact protocol type codes (concat.ts reads and writes the others).
export const BOOL_TRUE = 1;
export const BOOL_FALSE = 2;
export const BYTE = 3;
export const I16 = 4;
export const I32 = 5;
export const I64 = 6;
export const BINARY = 8;
export const LIST = 9;
export const STRUCT = 12;
const ELEM = { i32: I32, bin: BINARY, struct: STRUCT } as const;

export const i32 = (v: number): TValue => ({ t: 'i32', v });
export const i64 = (v: number): TValue => ({ t: 'i64', v });
export const bin = (v: string | Uint8Array): TValue => ({ t: 'bin', v });
export const bool = (v: boolean): TValue => ({ t: 'bool', v });
export const struct = (v: TStruct): TValue => ({ t: 'struct', v });
export const list = (elem: 'i32' | 'bin' | 'struct', v: Array<number | string | Uint8Array | TStruct>): TValue => ({ t: 'list', elem, v });
/** Optional: a field written only when `v` is defined. */
export const opt = <T>(v: T | undefined, f: (v: T) => TValue): TValue | undefined => (v === undefined ? undefined : f(v));

/** A growing byte buffer for one encoded message (concat.ts writes footers with it too). */
export class Out {
  buf = Buffer.allocUnsafe(256);
  len = 0;

  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  byte(b: number): void {
    this.room(1);
    this.buf[this.len++] = b;
  }

  /** An unsigned varint of a number up to 2^53 (file offsets and sizes are below that). */
  varint(n: number): void {
    this.room(10);
    while (n >= 0x80) {
      this.buf[this.len++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    this.buf[this.len++] = n;
  }

  /** Zigzag: 0, -1, 1, -2... as 0, 1, 2, 3... */
  zigzag(n: number): void {
    this.varint(n >= 0 ? n * 2 : -n * 2 - 1);
  }

  bytes(b: Uint8Array | string): void {
    const data = typeof b === 'string' ? Buffer.from(b, 'utf8') : b;
    this.varint(data.length);
    this.room(data.length);
    this.buf.set(data, this.len);
    this.len += data.length;
  }
}

function typeCode(v: TValue): number {
  switch (v.t) {
    case 'bool': return v.v ? BOOL_TRUE : BOOL_FALSE;
    case 'i32': return I32;
    case 'i64': return I64;
    case 'bin': return BINARY;
    case 'list': return LIST;
    case 'struct': return STRUCT;
  }
}

function writeStruct(out: Out, s: TStruct): void {
  let last = 0;
  for (const [id, v] of s) {
    if (v === undefined) continue;
    const code = typeCode(v);
    if (id > last && id - last <= 15) out.byte(((id - last) << 4) | code);
    else {
      out.byte(code);
      out.zigzag(id);
    }
    last = id;
    writeValue(out, v);
  }
  out.byte(0);
}

function writeValue(out: Out, v: TValue): void {
  switch (v.t) {
    case 'bool': return; // in the field header
    case 'i32':
    case 'i64': return out.zigzag(v.v);
    case 'bin': return out.bytes(v.v);
    case 'struct': return writeStruct(out, v.v);
    case 'list': {
      const code = ELEM[v.elem];
      if (v.v.length < 15) out.byte((v.v.length << 4) | code);
      else {
        out.byte(0xf0 | code);
        out.varint(v.v.length);
      }
      for (const e of v.v) {
        if (v.elem === 'i32') out.zigzag(e as number);
        else if (v.elem === 'bin') out.bytes(e as string | Uint8Array);
        else writeStruct(out, e as TStruct);
      }
    }
  }
}

/** A struct in Thrift's compact protocol. */
export function encodeStruct(s: TStruct): Buffer {
  const out = new Out();
  writeStruct(out, s);
  return out.buf.subarray(0, out.len);
}
