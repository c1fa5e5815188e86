import { mix32, type Rng } from './rng.js';

const B32 = 'abcdefghijklmnopqrstuvwxyz234567';
const SORTABLE = '234567abcdefghijklmnopqrstuvwxyz';
const DIGITS3: string[] = [];
for (let i = 0; i < 1000; i++) DIGITS3.push(String(i).padStart(3, '0'));

const B32_CODES = [...B32].map((ch) => ch.charCodeAt(0));
const SORTABLE_CODES = [...SORTABLE].map((ch) => ch.charCodeAt(0));
/** Scratch space for ids: built as character codes, made into one flat string (no rope to flatten later). */
const codes: number[] = new Array(59).fill(0);
const d24: number[] = new Array(24).fill(0);
const t13: number[] = new Array(13).fill(0);

function fill6(codes: number[], at: number, x: number): void {
  codes[at] = B32_CODES[x & 31];
  codes[at + 1] = B32_CODES[(x >>> 5) & 31];
  codes[at + 2] = B32_CODES[(x >>> 10) & 31];
  codes[at + 3] = B32_CODES[(x >>> 15) & 31];
  codes[at + 4] = B32_CODES[(x >>> 20) & 31];
  codes[at + 5] = B32_CODES[(x >>> 25) & 31];
}

function text(codes: number[]): string {
  return String.fromCharCode.apply(null, codes);
}

/** The DID of account `index` in a pool: `did:plc:` and 24 base32 characters, the same for the same index and salt. */
export function didOf(index: number, salt: number): string {
  fill6(d24, 0, mix32(index, salt));
  fill6(d24, 6, mix32(index, salt ^ 0x5bd1e995));
  fill6(d24, 12, mix32(index, salt ^ 0x27d4eb2f));
  fill6(d24, 18, mix32(index, salt ^ 0x165667b1));
  return 'did:plc:' + text(d24);
}

const CID_HEAD = [...'bafyrei'].map((ch) => ch.charCodeAt(0));
const BLOB_HEAD = [...'bafkrei'].map((ch) => ch.charCodeAt(0));

/**
 * A random CID as the firehose shows them: `bafyrei` (CIDv1, dag-cbor,
 * sha-256) then 52 characters, of which the first holds only 3 bits of hash
 * and the last 3 bits plus padding. `bafkrei` (raw) for blobs.
 */
export function randomCid(rng: Rng, blob = false): string {
  const head = blob ? BLOB_HEAD : CID_HEAD;
  for (let i = 0; i < 7; i++) codes[i] = head[i];
  codes[7] = B32_CODES[rng.u32() & 7];
  for (let i = 8; i < 56; i += 6) fill6(codes, i, rng.u32());
  const x = rng.u32();
  codes[56] = B32_CODES[x & 31];
  codes[57] = B32_CODES[(x >>> 5) & 31];
  codes[58] = B32_CODES[((x >>> 10) & 7) << 2];
  return text(codes);
}

/** A TID record key: 13 base32-sortable characters from microseconds since the epoch and a 10-bit clock id. */
export function tid(us: number, clock: number): string {
  let v = Math.floor(us);
  // The low 25 bits by integer arithmetic, the rest by division: microseconds need 51 bits.
  let lo = v % 33554432;
  let hi = (v - lo) / 33554432;
  for (let i = 10; i >= 6; i--, lo >>>= 5) t13[i] = SORTABLE_CODES[lo & 31];
  for (let i = 5; i >= 0; i--, hi = Math.floor(hi / 32)) t13[i] = SORTABLE_CODES[hi % 32];
  t13[11] = SORTABLE_CODES[(clock >>> 5) & 31];
  t13[12] = SORTABLE_CODES[clock & 31];
  return text(t13);
}

const DIGITS2: string[] = [];
for (let i = 0; i < 100; i++) DIGITS2.push(String(i).padStart(2, '0'));

/**
 * Formats wall microseconds as `YYYY-MM-DDTHH:MM:SS.ffffff`, reusing the date
 * and hour while they do not change: the hot path of a generator that writes
 * two times per line.
 */
export class WallClock {
  private hour = NaN;
  private prefix = '';

  private secondText(sec: number): string {
    const hour = Math.floor(sec / 3600);
    if (hour !== this.hour) {
      this.hour = hour;
      this.prefix = new Date(hour * 3_600_000).toISOString().slice(0, 14);
    }
    const inHour = sec - hour * 3600;
    const minute = Math.floor(inHour / 60);
    return `${this.prefix}${DIGITS2[minute]}:${DIGITS2[inHour - minute * 60]}.`;
  }

  /** `YYYY-MM-DDTHH:MM:SS.ffffff` (take-home timestamp). */
  micros(us: number): string {
    const sec = Math.floor(us / 1_000_000);
    const frac = Math.floor(us - sec * 1_000_000);
    return this.secondText(sec) + DIGITS3[Math.floor(frac / 1000)] + DIGITS3[frac % 1000];
  }

  /** `YYYY-MM-DDTHH:MM:SS.mmmZ` (a client's createdAt). */
  millisZ(us: number): string {
    const sec = Math.floor(us / 1_000_000);
    return this.secondText(sec) + DIGITS3[Math.floor((us - sec * 1_000_000) / 1000)] + 'Z';
  }
}
