import { MINUTE_US } from '../time.js';

/** The longest dedupe window: the memory holds every event of two windows. */
export const DEDUPE_MAX_US = 24 * 60 * MINUTE_US;

/**
 * Remembers event identities for at least `windowUs` of event time, in bounded
 * memory: keys are kept as two 32-bit hashes (64 bits: with a million keys
 * held, a false match has odds of about 1 in 10^13 per event) in open-addressing tables, one per
 * generation of `windowUs`; the table two generations old is dropped whole.
 */
export class Dedupe {
  private current = new HashSet64();
  private previous = new HashSet64();
  private generation = -Infinity;

  constructor(private readonly windowUs = 10 * MINUTE_US) {}

  /** True when the key was already seen; otherwise remembers it. `us` is the event's time in microseconds. */
  seen(key: string, us: number): boolean {
    hashParts([key]);
    return this.check(us);
  }

  /** Same as seen(parts.join(' '), us), without building the key. */
  seenParts(parts: string[], us: number): boolean {
    hashParts(parts);
    return this.check(us);
  }

  /** Same as seenParts, for a key hashed beforehand by hashKey (on another thread). */
  seenHash(h1: number, h2: number, us: number): boolean {
    hash1 = h1;
    hash2 = h2;
    return this.check(us);
  }

  private check(us: number): boolean {
    const gen = Math.floor(us / this.windowUs);
    if (gen > this.generation) {
      if (gen === this.generation + 1) {
        const recycled = this.previous;
        this.previous = this.current;
        recycled.clear();
        this.current = recycled;
      } else {
        this.previous.clear();
        this.current.clear();
      }
      this.generation = gen;
    }
    const h1 = hash1;
    const h2 = hash2;
    if (this.current.has(h1, h2) || this.previous.has(h1, h2)) return true;
    this.current.add(h1, h2);
    return false;
  }

  /** Number of identities held. */
  get size(): number {
    return this.current.size + this.previous.size;
  }
}

/** An open-addressing set of (h1, h2) pairs in one Int32Array; h1 is never 0, so 0 marks a free slot. */
class HashSet64 {
  private slots = new Int32Array(2 * 1024);
  private mask = 1023;
  size = 0;

  has(h1: number, h2: number): boolean {
    h1 = h1 || 1;
    const s = this.slots;
    for (let i = h1 & this.mask; ; i = (i + 1) & this.mask) {
      const a = s[2 * i];
      if (a === 0) return false;
      if (a === h1 && s[2 * i + 1] === h2) return true;
    }
  }

  add(h1: number, h2: number): void {
    h1 = h1 || 1;
    // Linear probing stays short up to three quarters full; fuller tables would grow slower lookups.
    if ((this.size + 1) * 4 > (this.mask + 1) * 3) this.grow();
    this.put(h1, h2);
    this.size++;
  }

  clear(): void {
    // Shrink back when the table outgrew a quiet period, so memory follows the rate.
    if (this.mask > 1023 && this.size * 8 < this.mask + 1) {
      this.slots = new Int32Array(this.slots.length / 2);
      this.mask = (this.mask + 1) / 2 - 1;
    } else {
      this.slots.fill(0);
    }
    this.size = 0;
  }

  private put(h1: number, h2: number): void {
    const s = this.slots;
    let i = h1 & this.mask;
    while (s[2 * i] !== 0) i = (i + 1) & this.mask;
    s[2 * i] = h1;
    s[2 * i + 1] = h2;
  }

  private grow(): void {
    const old = this.slots;
    this.slots = new Int32Array(old.length * 2);
    this.mask = this.mask * 2 + 1;
    for (let i = 0; i < old.length; i += 2) if (old[i] !== 0) this.put(old[i], old[i + 1]);
  }
}

let hash1 = 0;
let hash2 = 0;

/** Hashes the parts of a key as seenParts does, into `into[at]` and `into[at + 1]`. */
export function hashKey(parts: string[], into: Int32Array, at: number): void {
  hashParts(parts);
  into[at] = hash1;
  into[at + 1] = hash2;
}

/**
 * Two independent 32-bit hashes (FNV-1a and a murmur-style mix) of the parts
 * joined by spaces, in one pass and without building the joined string;
 * results in hash1 and hash2.
 */
function hashParts(parts: string[]): void {
  let length = parts.length - 1;
  for (const p of parts) length += p.length;
  let a = 0x811c9dc5;
  let b = 0x9747b28c ^ length;
  for (let k = 0; k < parts.length; k++) {
    if (k > 0) {
      a = Math.imul(a ^ 32, 0x01000193);
      b = Math.imul(b ^ 32, 0x5bd1e995) ^ (b >>> 15);
    }
    const s = parts[k];
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995) ^ (b >>> 15);
    }
  }
  hash1 = fmix(a);
  hash2 = fmix(b);
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}
