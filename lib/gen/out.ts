import type { Rng } from './rng.js';

const B32 = 'abcdefghijklmnopqrstuvwxyz234567';
const SORTABLE = '234567abcdefghijklmnopqrstuvwxyz';
const B32_CODES = Uint8Array.from([...B32].map((ch) => ch.charCodeAt(0)));
const SORTABLE_CODES = Uint8Array.from([...SORTABLE].map((ch) => ch.charCodeAt(0)));

/**
 * Output bytes, written in place: ids and times go straight into the chunk as
 * bytes, ASCII text is copied a character at a time, and only free text goes
 * through the UTF-8 encoder. Building each line as a string and encoding it
 * afterwards costs twice as much (V8 has to flatten the concatenated string).
 */
export class Out {
  buf: Buffer;
  at = 0;
  /** Full chunks waiting to be taken. */
  readonly done: Buffer[] = [];

  constructor(private readonly size = 1 << 18) {
    this.buf = Buffer.allocUnsafe(size);
  }

  /** Makes room for n more bytes, handing over the current chunk if needed. */
  need(n: number): void {
    if (this.at + n <= this.buf.length) return;
    if (this.at > 0) this.done.push(this.buf.subarray(0, this.at));
    this.buf = Buffer.allocUnsafe(Math.max(this.size, n));
    this.at = 0;
  }

  /** The chunks written so far, the current one included; the writer starts a fresh chunk. */
  take(): Buffer[] {
    if (this.at > 0) {
      this.done.push(this.buf.subarray(0, this.at));
      this.buf = this.buf.length - this.at >= 1 << 16 ? this.buf.subarray(this.at) : Buffer.allocUnsafe(this.size);
      this.at = 0;
    }
    return this.done.splice(0);
  }

  /** ASCII text (no escaping needed): the caller made room. */
  a(s: string): void {
    this.at += (this.buf as unknown as { latin1Write(s: string, at: number): number }).latin1Write(s, this.at);
  }

  /** Pre-encoded constant bytes: the caller made room. */
  k(b: Uint8Array): void {
    this.buf.set(b, this.at);
    this.at += b.length;
  }

  /** Any text, UTF-8 encoded, with room made for it. */
  u(s: string): void {
    this.need(s.length * 3);
    this.at += this.buf.write(s, this.at);
  }

  /** Raw bytes. */
  bytes(b: Uint8Array): void {
    this.need(b.length);
    this.buf.set(b, this.at);
    this.at += b.length;
  }

  /** A decimal integer. */
  int(n: number): void {
    this.a(String(n));
  }

  /** A random CID: `bafyrei` (dag-cbor) or `bafkrei` (raw blob), then 52 base32 characters shaped as real ones. */
  cid(rng: Rng, blob = false): void {
    const buf = this.buf;
    let at = this.at;
    buf[at] = 98; // b a f y|k r e i
    buf[at + 1] = 97;
    buf[at + 2] = 102;
    buf[at + 3] = blob ? 107 : 121;
    buf[at + 4] = 114;
    buf[at + 5] = 101;
    buf[at + 6] = 105;
    buf[at + 7] = B32_CODES[rng.u32() & 7];
    at += 8;
    for (let k = 0; k < 8; k++) {
      const x = rng.u32();
      buf[at] = B32_CODES[x & 31];
      buf[at + 1] = B32_CODES[(x >>> 5) & 31];
      buf[at + 2] = B32_CODES[(x >>> 10) & 31];
      buf[at + 3] = B32_CODES[(x >>> 15) & 31];
      buf[at + 4] = B32_CODES[(x >>> 20) & 31];
      buf[at + 5] = B32_CODES[(x >>> 25) & 31];
      at += 6;
    }
    const x = rng.u32();
    buf[at] = B32_CODES[x & 31];
    buf[at + 1] = B32_CODES[(x >>> 5) & 31];
    buf[at + 2] = B32_CODES[((x >>> 10) & 7) << 2];
    this.at = at + 3;
  }

  /** A TID: 13 base32-sortable characters from microseconds since the epoch and a 10-bit clock id. */
  tid(us: number, clock: number): void {
    const buf = this.buf;
    const at = this.at;
    const v = Math.floor(us);
    let lo = v % 33554432;
    let hi = (v - lo) / 33554432;
    for (let i = 10; i >= 6; i--, lo >>>= 5) buf[at + i] = SORTABLE_CODES[lo & 31];
    for (let i = 5; i >= 0; i--, hi = Math.floor(hi / 32)) buf[at + i] = SORTABLE_CODES[hi % 32];
    buf[at + 11] = SORTABLE_CODES[(clock >>> 5) & 31];
    buf[at + 12] = SORTABLE_CODES[clock & 31];
    this.at = at + 13;
  }

  private hour = NaN;
  private readonly hourText = Buffer.alloc(14);

  /** `YYYY-MM-DDTHH:MM:SS.` of wall microseconds, the date and hour cached. */
  private second(sec: number): void {
    const hour = Math.floor(sec / 3600);
    if (hour !== this.hour) {
      this.hour = hour;
      this.hourText.write(new Date(hour * 3_600_000).toISOString().slice(0, 14), 'latin1');
    }
    const buf = this.buf;
    let at = this.at;
    buf.set(this.hourText, at);
    at += 14;
    const inHour = sec - hour * 3600;
    const minute = Math.floor(inHour / 60);
    const s = inHour - minute * 60;
    buf[at] = 48 + Math.floor(minute / 10);
    buf[at + 1] = 48 + (minute % 10);
    buf[at + 2] = 58;
    buf[at + 3] = 48 + Math.floor(s / 10);
    buf[at + 4] = 48 + (s % 10);
    buf[at + 5] = 46;
    this.at = at + 6;
  }

  private digits(n: number, count: number): void {
    const buf = this.buf;
    for (let i = this.at + count - 1; i >= this.at; i--, n = Math.floor(n / 10)) buf[i] = 48 + (n % 10);
    this.at += count;
  }

  /** `YYYY-MM-DDTHH:MM:SS.ffffff`: a take-home timestamp. */
  micros(us: number): void {
    const sec = Math.floor(us / 1_000_000);
    this.second(sec);
    this.digits(Math.floor(us - sec * 1_000_000), 6);
  }

  /** `YYYY-MM-DDTHH:MM:SS.mmmZ`: a client's createdAt. */
  millisZ(us: number): void {
    const sec = Math.floor(us / 1_000_000);
    this.second(sec);
    this.digits(Math.floor((us - sec * 1_000_000) / 1000), 3);
    this.buf[this.at++] = 90;
  }

  /** Appends the bytes written since `start` as a copy (for a duplicate or a malformed variant). */
  since(start: number): Buffer {
    return Buffer.from(this.buf.subarray(start, this.at));
  }
}
