/**
 * Copies JSON values from bytes to bytes in the exact form
 * `JSON.stringify(JSON.parse(text))` gives, without making a JS value: no
 * whitespace, escapes resolved the way JSON.stringify writes them. On
 * anything it does not handle the same way for sure (a fraction or exponent,
 * a huge integer, a duplicate key, a key JSON.parse would reorder, nesting
 * past the limit, invalid JSON) it gives up, and the caller takes the slow
 * path (JSON.parse, then JSON.stringify), which decides. So it may only ever
 * agree with the slow path or give up; test/json-canon.test.ts checks that
 * on generated and mutated lines.
 *
 * The input must be valid UTF-8 (splitRegion checks each region first), so
 * bytes of non-ASCII characters are copied as they are: JSON.stringify writes
 * them raw too, and valid UTF-8 holds no lone surrogate.
 *
 * State lives in module variables, not objects: this runs for every byte of
 * every event.
 */

let src: Uint8Array = new Uint8Array(0);
let at = 0;
let end = 0;
let out: Uint8Array = new Uint8Array(0);
let o = 0;
let depthLeft = 0;
/** Keys of the objects being copied, as [start, length] pairs in `out`, to find duplicates. */
let keys = new Int32Array(256);
let keyTop = 0;

/** Where copyValue left off: the input offset after the value and the output offset after its copy. */
export const canon = { at: 0, o: 0 };

/**
 * Copies the value starting at `from` (after optional whitespace) into
 * `dest` at `to`; `dest` must have room for `limit - from` bytes (a copy is
 * never longer than its text). Nesting deeper than `maxDepth` levels gives
 * up. Returns false when it gives up; otherwise `canon` holds where the value
 * ended in the input and in `dest`.
 */
export function copyValue(bytes: Uint8Array, from: number, limit: number, dest: Uint8Array, to: number, maxDepth: number): boolean {
  src = bytes;
  at = from;
  end = limit;
  out = dest;
  o = to;
  depthLeft = maxDepth;
  keyTop = 0;
  skipSpace();
  if (!value()) return false;
  canon.at = at;
  canon.o = o;
  return true;
}

/** Skips JSON whitespace from `from`; returns the offset of the next byte (or `limit`). */
export function skipWhitespace(bytes: Uint8Array, from: number, limit: number): number {
  let i = from;
  while (i < limit) {
    const c = bytes[i];
    if (c !== 32 && c !== 10 && c !== 13 && c !== 9) break;
    i++;
  }
  return i;
}

function skipSpace(): void {
  while (at < end) {
    const c = src[at];
    if (c !== 32 && c !== 10 && c !== 13 && c !== 9) return;
    at++;
  }
}

function value(): boolean {
  if (at >= end) return false;
  const c = src[at];
  if (c === 34) return string();
  if (c === 123) return object();
  if (c === 91) return array();
  if (c === 116) return literal(TRUE);
  if (c === 102) return literal(FALSE);
  if (c === 110) return literal(NULL);
  return integer();
}

const TRUE = [116, 114, 117, 101];
const FALSE = [102, 97, 108, 115, 101];
const NULL = [110, 117, 108, 108];

function literal(word: number[]): boolean {
  if (at + word.length > end) return false;
  for (let k = 0; k < word.length; k++) {
    if (src[at + k] !== word[k]) return false;
    out[o + k] = word[k];
  }
  at += word.length;
  o += word.length;
  return true;
}

/** An integer of at most 15 digits, not -0: JSON.stringify gives back its text. Anything else gives up. */
function integer(): boolean {
  const start = at;
  if (src[at] === 45) at++;
  const first = at;
  while (at < end && src[at] >= 48 && src[at] <= 57) at++;
  const digits = at - first;
  if (digits === 0 || digits > 15 || (digits > 1 && src[first] === 48)) return false;
  if (start !== first && digits === 1 && src[first] === 48) return false;
  if (at < end) {
    const c = src[at];
    if (c === 46 || c === 101 || c === 69) return false;
  }
  for (let k = start; k < at; k++) out[o++] = src[k];
  return true;
}

function array(): boolean {
  if (--depthLeft < 0) return false;
  at++;
  out[o++] = 91;
  skipSpace();
  if (at < end && src[at] === 93) {
    at++;
    out[o++] = 93;
    depthLeft++;
    return true;
  }
  for (;;) {
    if (!value()) return false;
    skipSpace();
    if (at >= end) return false;
    const c = src[at++];
    if (c === 93) break;
    if (c !== 44) return false;
    out[o++] = 44;
    skipSpace();
  }
  out[o++] = 93;
  depthLeft++;
  return true;
}

function object(): boolean {
  if (--depthLeft < 0) return false;
  at++;
  out[o++] = 123;
  skipSpace();
  if (at < end && src[at] === 125) {
    at++;
    out[o++] = 125;
    depthLeft++;
    return true;
  }
  const base = keyTop;
  for (;;) {
    if (at >= end || src[at] !== 34) return false;
    const keyStart = o;
    if (!string()) return false;
    // JSON.parse puts keys that are array indexes first: leave those to it.
    const k0 = out[keyStart + 1];
    if (k0 >= 48 && k0 <= 57) return false;
    if (!newKey(base, keyStart, o - keyStart)) return false;
    skipSpace();
    if (at >= end || src[at] !== 58) return false;
    at++;
    out[o++] = 58;
    skipSpace();
    if (!value()) return false;
    skipSpace();
    if (at >= end) return false;
    const c = src[at++];
    if (c === 125) break;
    if (c !== 44) return false;
    out[o++] = 44;
    skipSpace();
  }
  out[o++] = 125;
  keyTop = base;
  depthLeft++;
  return true;
}

/** Records a key of the object whose keys start at `base`; false when it is there already (JSON.parse keeps the last value, in the first one's place). */
function newKey(base: number, start: number, len: number): boolean {
  for (let k = base; k < keyTop; k += 2) {
    if (keys[k + 1] !== len) continue;
    const s = keys[k];
    let same = true;
    for (let b = 0; b < len; b++) {
      if (out[s + b] !== out[start + b]) {
        same = false;
        break;
      }
    }
    if (same) return false;
  }
  if (keyTop + 2 > keys.length) {
    if (keys.length >= 1 << 16) return false;
    const grown = new Int32Array(keys.length * 2);
    grown.set(keys);
    keys = grown;
  }
  keys[keyTop++] = start;
  keys[keyTop++] = len;
  return true;
}

/** A string, with its escapes written as JSON.stringify writes them. */
function string(): boolean {
  at++;
  out[o++] = 34;
  while (at < end) {
    const c = src[at];
    if (c === 34) {
      at++;
      out[o++] = 34;
      return true;
    }
    if (c === 92) {
      if (!escape()) return false;
      continue;
    }
    if (c < 32) return false;
    out[o++] = c;
    at++;
  }
  return false;
}

function escape(): boolean {
  if (at + 1 >= end) return false;
  const e = src[at + 1];
  switch (e) {
    case 34: // \"
    case 92: // \\
    case 98: // \b
    case 102: // \f
    case 110: // \n
    case 114: // \r
    case 116: // \t
      out[o++] = 92;
      out[o++] = e;
      at += 2;
      return true;
    case 47: // \/ is written plain
      out[o++] = 47;
      at += 2;
      return true;
    case 117: {
      const u = hex4(at + 2);
      if (u < 0) return false;
      at += 6;
      if (u >= 0xd800 && u <= 0xdbff) {
        const low = at + 1 < end && src[at] === 92 && src[at + 1] === 117 ? hex4(at + 2) : -1;
        if (low >= 0xdc00 && low <= 0xdfff) {
          at += 6;
          const cp = 0x10000 + ((u - 0xd800) << 10) + (low - 0xdc00);
          out[o++] = 0xf0 | (cp >> 18);
          out[o++] = 0x80 | ((cp >> 12) & 63);
          out[o++] = 0x80 | ((cp >> 6) & 63);
          out[o++] = 0x80 | (cp & 63);
          return true;
        }
        return unicodeEscape(u);
      }
      if (u >= 0xdc00 && u <= 0xdfff) return unicodeEscape(u);
      if (u < 32) {
        const short = SHORT[u];
        if (short) {
          out[o++] = 92;
          out[o++] = short;
          return true;
        }
        return unicodeEscape(u);
      }
      if (u === 34 || u === 92) {
        out[o++] = 92;
        out[o++] = u;
      } else if (u < 0x80) out[o++] = u;
      else if (u < 0x800) {
        out[o++] = 0xc0 | (u >> 6);
        out[o++] = 0x80 | (u & 63);
      } else {
        out[o++] = 0xe0 | (u >> 12);
        out[o++] = 0x80 | ((u >> 6) & 63);
        out[o++] = 0x80 | (u & 63);
      }
      return true;
    }
    default:
      return false;
  }
}

/** The short escapes JSON.stringify uses for control characters: \b \t \n \f \r. */
const SHORT: number[] = [];
SHORT[8] = 98;
SHORT[9] = 116;
SHORT[10] = 110;
SHORT[12] = 102;
SHORT[13] = 114;

const HEX = [48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 97, 98, 99, 100, 101, 102];

/** `\uXXXX` in lowercase hex: how JSON.stringify writes control characters and lone surrogates. */
function unicodeEscape(u: number): boolean {
  out[o++] = 92;
  out[o++] = 117;
  out[o++] = HEX[(u >> 12) & 15];
  out[o++] = HEX[(u >> 8) & 15];
  out[o++] = HEX[(u >> 4) & 15];
  out[o++] = HEX[u & 15];
  return true;
}

function hex4(i: number): number {
  if (i + 4 > end) return -1;
  let u = 0;
  for (let k = i; k < i + 4; k++) {
    const c = src[k];
    let d: number;
    if (c >= 48 && c <= 57) d = c - 48;
    else if (c >= 97 && c <= 102) d = c - 87;
    else if (c >= 65 && c <= 70) d = c - 55;
    else return -1;
    u = (u << 4) | d;
  }
  return u;
}
