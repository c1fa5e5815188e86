/**
 * The canonical lines of most events (likes, reposts, follows, blocks, list
 * items, deletions) read from their bytes, without decoding or JSON.parse:
 *
 *     {"time":T,"did":D,"op":O,"collection":C,"rkey":R}
 *     {"time":T,"did":D,"op":O,"collection":C,"rkey":R,"cid":I,"record":{"$type":Y,"subject":S,"createdAt":A}}
 *
 * where S is a string or `{"cid":X,"uri":U}` and the record may end with
 * `"list":L`; every value a string of printable ASCII without `"` or `\`,
 * so that each value's bytes are the value itself and the record's bytes are
 * what JSON.stringify gives. A line of any other shape is left to JSON.parse
 * (rows.ts). The offsets of each value are filled in place: no allocation a
 * line.
 */

/** Fields, as indices into FastLine's offsets. */
export const F = { time: 0, did: 1, op: 2, collection: 3, rkey: 4, cid: 5, record: 6, subject: 7, uri: 8, createdAt: 9, list: 10 } as const;

const lit = (s: string): Uint8Array => Buffer.from(s, 'latin1');
const TIME = lit('{"time":"');
const DID = lit('","did":"');
const OP = lit('","op":"');
const COLLECTION = lit('","collection":"');
const RKEY = lit('","rkey":"');
const CID = lit('","cid":"');
const RECORD = lit('","record":{"$type":"');
const SUBJECT = lit('","subject":');
const SUBJECT_CID = lit('{"cid":"');
const URI = lit('","uri":"');
const CREATED_AT_AFTER_OBJECT = lit('"},"createdAt":"');
const CREATED_AT = lit('","createdAt":"');
const LIST = lit('","list":"');
const QUOTE = 34;

export class FastLine {
  /** Where each field's value starts and ends (bytes of the buffer given to parse); -1 when absent. */
  readonly start = new Int32Array(11);
  readonly end = new Int32Array(11);

  /** Whether buf[from, to) is a line of the shapes above; its offsets filled when it is. */
  parse(buf: Uint8Array, from: number, to: number): boolean {
    const s = this.start;
    const e = this.end;
    s.fill(-1);
    e.fill(-1);
    let at = expect(buf, from, to, TIME);
    if (at < 0 || (at = this.value(buf, at, to, F.time)) < 0) return false;
    if ((at = expect(buf, at, to, DID)) < 0 || (at = this.value(buf, at, to, F.did)) < 0) return false;
    if ((at = expect(buf, at, to, OP)) < 0 || (at = this.value(buf, at, to, F.op)) < 0) return false;
    if ((at = expect(buf, at, to, COLLECTION)) < 0 || (at = this.value(buf, at, to, F.collection)) < 0) return false;
    if ((at = expect(buf, at, to, RKEY)) < 0 || (at = this.value(buf, at, to, F.rkey)) < 0) return false;
    // at: the rkey's closing quote. A deletion ends here.
    if (at + 2 === to && buf[at + 1] === 125) return true;
    if ((at = expect(buf, at, to, CID)) < 0 || (at = this.value(buf, at, to, F.cid)) < 0) return false;
    const recordStart = at + 11; // after `","record":`
    if ((at = expect(buf, at, to, RECORD)) < 0 || (at = skipString(buf, at, to)) < 0) return false;
    if ((at = expect(buf, at, to, SUBJECT)) < 0) return false;
    if (buf[at] === QUOTE) {
      if ((at = this.value(buf, at + 1, to, F.subject)) < 0 || (at = expect(buf, at, to, CREATED_AT)) < 0) return false;
    } else {
      if ((at = expect(buf, at, to, SUBJECT_CID)) < 0 || (at = skipString(buf, at, to)) < 0) return false;
      if ((at = expect(buf, at, to, URI)) < 0 || (at = this.value(buf, at, to, F.uri)) < 0) return false;
      if ((at = expect(buf, at, to, CREATED_AT_AFTER_OBJECT)) < 0) return false;
    }
    if ((at = this.value(buf, at, to, F.createdAt)) < 0) return false;
    if (to - at > 3 && buf[at + 1] === 44) {
      if ((at = expect(buf, at, to, LIST)) < 0 || (at = this.value(buf, at, to, F.list)) < 0) return false;
    }
    // The closing quote, the record's brace, the line's.
    if (at + 3 !== to || buf[at + 1] !== 125 || buf[at + 2] !== 125) return false;
    s[F.record] = recordStart;
    e[F.record] = at + 2;
    return true;
  }

  /** A string value starting at `at` (after its opening quote): its offsets; returns its closing quote's index, or -1. */
  private value(buf: Uint8Array, at: number, to: number, field: number): number {
    const end = skipString(buf, at, to);
    if (end < 0) return -1;
    this.start[field] = at;
    this.end[field] = end;
    return end;
  }
}

/**
 * Whether `bytes` stand at buf[at...]: the index after them, or -1. A literal
 * that follows a value starts with that value's closing quote, where `at` points.
 */
function expect(buf: Uint8Array, at: number, to: number, bytes: Uint8Array): number {
  if (at + bytes.length > to) return -1;
  for (let i = 0; i < bytes.length; i++) if (buf[at + i] !== bytes[i]) return -1;
  return at + bytes.length;
}

/** Printable ASCII without `\` up to the next `"`: that quote's index, or -1. */
function skipString(buf: Uint8Array, at: number, to: number): number {
  for (let i = at; i < to; i++) {
    const c = buf[i];
    if (c === QUOTE) return i;
    if (c < 0x20 || c > 0x7e || c === 92) return -1;
  }
  return -1;
}
