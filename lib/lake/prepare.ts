import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { LineSplitter } from '../input/split-lines.js';
import { openSegment } from '../spool/segments.js';
import { envelope, envelopeBytes, newHead, POSTS, type Head } from '../rows/envelope.js';
import { flatten, type FlatRow } from '../rows/flatten.js';
import type { BskyEvent } from '../events/event.js';
import { tokens } from '../metrics/words.js';

/**
 * Keys of a record that flatten() reads in ways plain SQL cannot copy exactly
 * (facets, tag sets, filtered language lists). A canonical line holds a key
 * as `"key":` (JSON.stringify escapes nothing in these names), so a line
 * without any of these strings has none of them.
 */
const RICH = /"(?:text|langs|reply|embed|facets|tags)":/;
const PRINTABLE = /^[\x20-\x7e]*$/;

/**
 * Lines longer than this (characters, so at most 3x in bytes) are rewritten
 * here whole: DuckDB's read_json must be given a maximum_object_size above
 * the longest line, and its buffers grow with it.
 */
export const SQL_LINE_MAX = 256 * 1024;

/** Whether a spooled line is a canonical event whose lake row SQL computes exactly (most likes, follows, reposts). */
export function sqlRow(text: string, e = envelope(text)): boolean {
  if (text.length > SQL_LINE_MAX || e === undefined || e.collection === POSTS || !PRINTABLE.test(e.collection)) return false;
  return !RICH.test(text);
}

const POST_COLLECTION = POSTS;

/** sqlRow() on a line's bytes, without decoding it (its head read into `head`): most lines of a segment are copied as bytes. */
function sqlRowBytes(buf: Buffer, from: number, to: number, head: Head): boolean {
  if (to - from > SQL_LINE_MAX || buf[to - 1] === 13 || !envelopeBytes(buf, from, to, head) || head.collection === POST_COLLECTION) return false;
  // One scan of the line as Latin-1 (each byte a character: the keys are ASCII), not one a key.
  return !RICH.test((buf as Buffer & { latin1Slice(s: number, e: number): string }).latin1Slice(from, to));
}

/** Bytes appended in memory, a megabyte block at a time (one collection's lines of a part). */
class ByteBuf {
  private buf = Buffer.allocUnsafe(1 << 16);
  private used = 0;
  readonly blocks: Buffer[] = [];

  append(src: Buffer | string, from = 0, to?: number): void {
    if (typeof src === 'string') src = Buffer.from(src);
    to ??= src.length;
    const n = to - from;
    if (this.used + n > this.buf.length) this.rotate(n);
    src.copy(this.buf, this.used, from, to);
    this.used += n;
  }

  private rotate(need: number): void {
    if (this.used > 0) this.blocks.push(this.buf.subarray(0, this.used));
    this.buf = Buffer.allocUnsafe(Math.max(1 << 20, need));
    this.used = 0;
  }

  /** Every block, the last one included. */
  done(): Buffer[] {
    this.rotate(0);
    return this.blocks;
  }
}

const NL = Buffer.from('\n');

/** NDJSON bytes per part: DuckDB writes each part on its own, so that its memory stays bounded whatever the batch. */
export const PART_BYTES = 4 << 20;

export interface Prepared {
  /** The files written, one a part (DuckDB's JSON reader holds a large buffer per file it reads: one file, one buffer). */
  parts: string[];
  /** Rows flattened here. */
  rows: number;
  /** Lines left to SQL. */
  sqlRows: number;
  /** Bytes of the longest line written (read_json needs a maximum_object_size above it). */
  longest: number;
  /** Event dates (the first 10 characters of the time) seen. */
  dates: Set<string>;
}

/** One part, handed over as soon as it is written: its file, its event dates, and the longest line in it (bytes, at most). */
export interface Part {
  file: string;
  index: number;
  dates: Set<string>;
  longest: number;
}

/**
 * Rewrites a batch of segments for DuckDB, one NDJSON part file at a time, its
 * lines grouped by collection (so that rows come out grouped by collection,
 * then in arrival order, which compresses well, without a sort). Every line
 * gets its segment and ordinal (`seg`, `seq`: the order in which periodic
 * folded it, which rebuild follows). Lines SQL can finish (sqlRow) are copied
 * as they are; the others (every post, with its word tokens as top-words
 * tokenises them before the stop list; identity and account events; lines
 * not in the canonical shape) are flattened here exactly as the metrics see
 * them (lib/rows/flatten.ts), with `kind` set, which marks them done. Lines
 * that are not events (a hand-edited spool) are left out, as the fold
 * rejects them.
 * periodic runs it in a worker thread (lake-worker.ts) while its main
 * thread folds the same segments.
 */
export class LakeParts {
  readonly out: Prepared = { parts: [], rows: 0, sqlRows: 0, longest: 0, dates: new Set() };
  /** Ordinals run on across the segments of a batch. */
  private seq = 0;
  // The head of the line being copied, filled by envelopeBytes.
  private readonly head = newHead();
  private files = new Map<string, ByteBuf>();
  private partBytes = 0;
  private lastDate = '';
  private partDates = new Set<string>();
  private partLongest = 0;
  private seg = '';
  private prefix = '';
  private prefixBytes = Buffer.alloc(0);

  constructor(private readonly dir: string, private readonly onPart: (part: Part) => Promise<void> = async () => undefined, private readonly partMax = PART_BYTES) {}

  /** The segment whose lines come next. */
  segment(name: string): void {
    this.seg = name;
    this.prefix = `{"seg":${JSON.stringify(name)},"seq":`;
    this.prefixBytes = Buffer.from(this.prefix);
  }

  /** Whether the current part is big enough to be written (then call flush()). */
  get full(): boolean {
    return this.partBytes >= this.partMax;
  }

  /** A line that is not an event: it takes an ordinal, no row. */
  skip(): void {
    this.seq++;
  }

  private sink(collection: string): ByteBuf {
    let f = this.files.get(collection);
    if (f === undefined) this.files.set(collection, (f = new ByteBuf()));
    return f;
  }

  private date(d: string): void {
    if (d !== this.lastDate) {
      this.out.dates.add((this.lastDate = d));
      this.partDates.add(d);
    }
  }

  /** Counts a line of `length` characters (or bytes) towards the part; `longest`, its length in bytes at most. */
  private sized(length: number, longest = length): void {
    this.partBytes += length;
    if (longest > this.out.longest) this.out.longest = longest;
    if (longest > this.partLongest) this.partLongest = longest;
  }

  /** A canonical line SQL finishes, copied from its bytes (this.head filled by envelopeBytes): false when it is not one. */
  bytes(buf: Buffer, from: number, to: number): boolean {
    if (!sqlRowBytes(buf, from, to, this.head)) return false;
    this.seq++;
    const f = this.sink(this.head.collection);
    f.append(this.prefixBytes);
    f.append(`${this.seq},`);
    f.append(buf, from + 1, to);
    f.append(NL);
    this.sized(to - from);
    // {"time":" is 9 bytes: the date follows.
    this.date(buf.toString('latin1', from + 9, from + 19));
    this.out.sqlRows++;
    return true;
  }

  /** A line of text; `e`, its envelope when the caller has read it. */
  line(text: string, e = envelope(text)): void {
    if (text.trim().length === 0) return;
    if (sqlRow(text, e)) {
      this.seq++;
      this.sink(e!.collection).append(this.prefix + this.seq + ',' + text.slice(1) + '\n');
      this.sized(text.length, text.length * 3);
      this.date(e!.time.slice(0, 10));
      this.out.sqlRows++;
      return;
    }
    let ev: BskyEvent;
    try {
      ev = JSON.parse(text) as BskyEvent;
    } catch {
      this.seq++;
      return;
    }
    if (typeof ev !== 'object' || ev === null || typeof ev.time !== 'string' || typeof ev.op !== 'string' || typeof ev.did !== 'string') {
      this.seq++;
      return;
    }
    this.event(ev, flatten(ev));
  }

  /** A parsed canonical event and its flat row (flatten()), for lines SQL does not finish. */
  event(ev: BskyEvent, flat: FlatRow): void {
    this.seq++;
    const row: Record<string, unknown> = { seg: this.seg, seq: this.seq, ...flat };
    if (row.kind === 'post' && typeof row.text === 'string') row.words = tokens(row.text);
    row.record = ev.record ?? null;
    const json = JSON.stringify(row) + '\n';
    this.sink(typeof row.collection === 'string' ? row.collection : '').append(json);
    this.sized(json.length, json.length * 3);
    this.date(ev.time.slice(0, 10));
    this.out.rows++;
  }

  /** Writes the current part when it is full and hands it over (to DuckDB). */
  async flush(): Promise<void> {
    if (this.full) await this.closePart();
  }

  /** Writes the last part; returns what was prepared. */
  async end(): Promise<Prepared> {
    await this.closePart();
    return this.out;
  }

  /** A part is written as one file, its lines grouped by collection (which compresses well, without a sort). */
  private async closePart(): Promise<void> {
    if (this.files.size === 0) return;
    const file = join(this.dir, `part-${this.out.parts.length}.ndjson`);
    const stream = createWriteStream(file);
    for (const [, f] of [...this.files].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
      for (const block of f.done()) if (!stream.write(block)) await once(stream, 'drain');
    }
    stream.end();
    await once(stream, 'close');
    this.out.parts.push(file);
    this.files = new Map();
    this.partBytes = 0;
    const part: Part = { file, index: this.out.parts.length - 1, dates: this.partDates, longest: this.partLongest };
    this.partDates = new Set();
    this.partLongest = 0;
    this.lastDate = '';
    await this.onPart(part);
  }
}

/** Feeds segment files to `parts`, in order. */
export async function feedSegments(parts: LakeParts, segments: Array<{ path: string; name: string }>, stopped: () => boolean = () => false): Promise<void> {
  for (const seg of segments) {
    if (stopped()) return;
    parts.segment(seg.name);
    const splitter = new LineSplitter(seg.name, 1 << 30, {
      bytes: (buf, from, to) => parts.bytes(buf, from, to),
      line: (text) => parts.line(text),
      bad: () => undefined,
      spill: () => undefined,
    });
    // As the fold opens it: never blocks on a FIFO named like a segment.
    for await (const chunk of createReadStream('', { fd: openSegment(seg.path), highWaterMark: 1 << 16 })) {
      splitter.push(chunk as Buffer);
      await parts.flush();
      if (stopped()) return;
    }
    splitter.end();
  }
}

/** LakeParts fed from segment files. */
export async function prepareSegments(segments: Array<{ path: string; name: string }>, dir: string, onPart: (part: Part) => Promise<void> = async () => undefined): Promise<Prepared> {
  const parts = new LakeParts(dir, onPart);
  await feedSegments(parts, segments);
  return parts.end();
}
