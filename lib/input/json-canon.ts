/**
 * Copies JSON values from bytes to bytes in the exact form
 * `JSON.stringify(JSON.parse(text))` gives, without making a JS value: no
 * whitespace, escapes resolved the way JSON.stringify writes them. On
 * anything it does not handle the same way for sure (a fraction or exponent,
 * a huge integer, a duplicate key, a key JSON.parse would reorder, nesting
 * past the limit, invalid JSON) it gives up, and the caller takes the slow
 * path (JSON.parse, then JSON.stringify), which decides. So it may only ever
 * agree with the slow path or give up; test/fast-paths.test.ts checks that
 * on generated and mutated lines.
 *
 * The input must be valid UTF-8 (splitRegion checks each region first), so
 * bytes of non-ASCII characters are copied as they are: JSON.stringify writes
 * them raw too, and valid UTF-8 holds no lone surrogate.
 *
 * copyValue keeps no state between calls of its own: its scratch (the keys
 * and open containers) and where it left off live in a Canon that the
 * caller owns, so two callers (or a caller and a test) never share them.
 */

/** copyValue's scratch and results, owned by its caller (one per reader). */
export class Canon {
  /** Where the last copy ended: the input offset after the value. */
  at = 0;
  /** Where the last copy ended: the output offset after its copy. */
  o = 0;
  /** Keys of the objects being copied, as [start, length] pairs in the output, to find duplicates. */
  keys = new Int32Array(256);
  /** Per open container: where its keys start in `keys` (objects), or -1 (arrays). */
  stack = new Int32Array(64);
}

const VALUE = 0;
const KEY = 1;
const AFTER = 2;

/**
 * Copies the value starting at `from` (after optional whitespace) into
 * `dest` at `to`; `dest` must have room for `limit - from` bytes (a copy is
 * never longer than its text). Nesting deeper than `maxDepth` levels gives
 * up. Returns false when it gives up; otherwise `canon.at` and `canon.o`
 * hold where the value ended in the input and in `dest`.
 *
 * One loop with an explicit stack and every hot variable local: V8 keeps
 * locals in registers but reloads module variables and fields on every
 * use, and a recursive version was twice as slow per byte.
 */
export function copyValue(canon: Canon, bytes: Uint8Array, from: number, limit: number, dest: Uint8Array, to: number, maxDepth: number): boolean {
  const s = bytes;
  const d = dest;
  const e = limit;
  let i = from;
  let k = to;
  let depth = 0;
  let keyTop = 0;
  let state = VALUE;
  if (canon.stack.length < Math.min(maxDepth, 1 << 16) + 1) canon.stack = new Int32Array(Math.min(maxDepth, 1 << 16) + 1);
  const stack = canon.stack;
  let keys = canon.keys;
  for (;;) {
    if (state === AFTER && depth === 0) break;
    // Whitespace between tokens is dropped.
    let c = 0;
    while (i < e) {
      c = s[i];
      if (c !== 32 && c !== 10 && c !== 13 && c !== 9) break;
      i++;
    }
    if (i >= e) return false;
    if (state === AFTER) {
      const base = stack[depth - 1];
      i++;
      if (c === 44) {
        d[k++] = 44;
        state = base >= 0 ? KEY : VALUE;
        continue;
      }
      if ((c === 125 && base >= 0) || (c === 93 && base < 0)) {
        d[k++] = c;
        if (base >= 0) keyTop = base;
        depth--;
        continue;
      }
      return false;
    }
    if (state === KEY || c === 34) {
      // A string (a key or a value): bytes copied as they are up to the closing quote, escapes rewritten.
      if (c !== 34) return false;
      const start = k;
      d[k++] = 34;
      i++;
      for (;;) {
        if (i >= e) return false;
        const b = s[i];
        if (b === 34) break;
        if (b === 92) {
          if (!escape(canon, s, i, e, d, k)) return false;
          i = canon.at;
          k = canon.o;
          continue;
        }
        if (b < 32) return false;
        d[k++] = b;
        i++;
      }
      d[k++] = 34;
      i++;
      if (state !== KEY) {
        state = AFTER;
        continue;
      }
      // JSON.parse puts keys that are array indexes first: leave those to it.
      const k0 = d[start + 1];
      if (k0 >= 48 && k0 <= 57) return false;
      // A key seen before in this object: JSON.parse keeps the last value in the first one's place.
      const len = k - start;
      for (let x = stack[depth - 1]; x < keyTop; x += 2) {
        if (keys[x + 1] !== len) continue;
        const p = keys[x];
        let b = 1;
        while (b < len && d[p + b] === d[start + b]) b++;
        if (b === len) return false;
      }
      if (keyTop + 2 > keys.length) {
        if (keys.length >= 1 << 20) return false;
        const grown = new Int32Array(keys.length * 2);
        grown.set(keys);
        keys = canon.keys = grown;
      }
      keys[keyTop++] = start;
      keys[keyTop++] = len;
      while (i < e && (s[i] === 32 || s[i] === 10 || s[i] === 13 || s[i] === 9)) i++;
      if (i >= e || s[i] !== 58) return false;
      d[k++] = 58;
      i++;
      state = VALUE;
      continue;
    }
    // A value other than a string.
    if (c === 123 || c === 91) {
      if (depth >= maxDepth || depth >= stack.length) return false;
      d[k++] = c;
      i++;
      while (i < e && (s[i] === 32 || s[i] === 10 || s[i] === 13 || s[i] === 9)) i++;
      if (i < e && s[i] === c + 2) {
        // {} or []
        d[k++] = c + 2;
        i++;
        state = AFTER;
        continue;
      }
      stack[depth++] = c === 123 ? keyTop : -1;
      state = c === 123 ? KEY : VALUE;
      continue;
    }
    if (c === 116 || c === 102 || c === 110) {
      const word = c === 116 ? TRUE : c === 102 ? FALSE : NULL;
      if (i + word.length > e) return false;
      for (let w = 0; w < word.length; w++) {
        if (s[i + w] !== word[w]) return false;
        d[k++] = word[w];
      }
      i += word.length;
      state = AFTER;
      continue;
    }
    // An integer of at most 15 digits, not -0: JSON.stringify gives back its text. Anything else gives up.
    const start = i;
    if (c === 45) i++;
    const first = i;
    while (i < e && s[i] >= 48 && s[i] <= 57) i++;
    const digits = i - first;
    if (digits === 0 || digits > 15 || (digits > 1 && s[first] === 48)) return false;
    if (start !== first && digits === 1 && s[first] === 48) return false;
    if (i < e && (s[i] === 46 || s[i] === 101 || s[i] === 69)) return false;
    for (let x = start; x < i; x++) d[k++] = s[x];
    state = AFTER;
  }
  canon.at = i;
  canon.o = k;
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

const TRUE = [116, 114, 117, 101];
const FALSE = [102, 97, 108, 115, 101];
const NULL = [110, 117, 108, 108];

/** Rewrites the escape at src[at] (a backslash) into out[o] as JSON.stringify writes it; canon.at and canon.o say where each ends; false when invalid. */
function escape(canon: Canon, src: Uint8Array, at: number, end: number, out: Uint8Array, o: number): boolean {
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
      break;
    case 47: // \/ is written plain
      out[o++] = 47;
      at += 2;
      break;
    case 117: {
      const u = hex4(src, at + 2, end);
      if (u < 0) return false;
      at += 6;
      if (u >= 0xd800 && u <= 0xdbff) {
        const low = at + 1 < end && src[at] === 92 && src[at + 1] === 117 ? hex4(src, at + 2, end) : -1;
        if (low >= 0xdc00 && low <= 0xdfff) {
          at += 6;
          const cp = 0x10000 + ((u - 0xd800) << 10) + (low - 0xdc00);
          out[o++] = 0xf0 | (cp >> 18);
          out[o++] = 0x80 | ((cp >> 12) & 63);
          out[o++] = 0x80 | ((cp >> 6) & 63);
          out[o++] = 0x80 | (cp & 63);
        } else o = unicodeEscape(out, o, u);
      } else if (u >= 0xdc00 && u <= 0xdfff) o = unicodeEscape(out, o, u);
      else if (u < 32) {
        const short = SHORT[u];
        if (short) {
          out[o++] = 92;
          out[o++] = short;
        } else o = unicodeEscape(out, o, u);
      } else if (u === 34 || u === 92) {
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
      break;
    }
    default:
      return false;
  }
  canon.at = at;
  canon.o = o;
  return true;
}

/** The short escapes JSON.stringify uses for control characters: \b \t \n \f \r. */
const SHORT: number[] = [];
SHORT[8] = 98;
SHORT[9] = 116;
SHORT[10] = 110;
SHORT[12] = 102;
SHORT[13] = 114;

const HEX = [48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 97, 98, 99, 100, 101, 102];

/** Writes `\uXXXX` in lowercase hex (how JSON.stringify writes control characters and lone surrogates) at out[o]; returns the offset after it. */
function unicodeEscape(out: Uint8Array, o: number, u: number): number {
  out[o++] = 92;
  out[o++] = 117;
  out[o++] = HEX[(u >> 12) & 15];
  out[o++] = HEX[(u >> 8) & 15];
  out[o++] = HEX[(u >> 4) & 15];
  out[o++] = HEX[u & 15];
  return o;
}

/** The four hex digits at src[i], or -1. */
function hex4(src: Uint8Array, i: number, end: number): number {
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
