import { createReadStream, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { LineSplitter } from '../input/split-lines.js';
import { envelope, envelopeBytes, newHead, POSTS, type Head } from '../rows/envelope.js';
import { flatten } from '../rows/flatten.js';
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

const RICH_BYTES = ['"text":', '"langs":', '"reply":', '"embed":', '"facets":', '"tags":'].map((k) => Buffer.from(k));
const POST_COLLECTION = POSTS;

/** sqlRow() on a line's bytes, without decoding it (its head read into `head`): most lines of a segment are copied as bytes. */
function sqlRowBytes(buf: Buffer, from: number, to: number, head: Head): boolean {
  if (to - from > SQL_LINE_MAX || buf[to - 1] === 13 || !envelopeBytes(buf, from, to, head) || head.collection === POST_COLLECTION) return false;
  const line = buf.subarray(from, to);
  for (const k of RICH_BYTES) if (line.indexOf(k) >= 0) return false;
  return true;
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

/** NDJSON bytes per part: DuckDB writes each part on its own, so that its memory stays bounded whatever the batch. */
export const PART_BYTES = 8 << 20;

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
 * Rewrites a batch of segments for DuckDB, one NDJSON file per collection
 * (so that rows come out grouped by collection, then in arrival order, which
 * compresses well, without a sort). Every line gets its segment and ordinal
 * (`seg`, `seq`: the order in which periodic folded it, which rebuild
 * follows). Lines SQL can finish (prepare.ts's sqlRow) are copied as they
 * are; the others (every post, with its word tokens as top-words tokenises
 * them before the stop list; identity and account events; lines not in the
 * canonical shape) are flattened here exactly as the metrics see them
 * (lib/rows/flatten.ts), with `kind` set, which marks them done. Lines that
 * are not events (a hand-edited spool) are left out, as the fold rejects them.
 */
export async function prepareSegments(segments: Array<{ path: string; name: string }>, dir: string, onPart: (part: Part) => Promise<void> = async () => undefined): Promise<Prepared> {
  const out: Prepared = { parts: [], rows: 0, sqlRows: 0, longest: 0, dates: new Set() };
  let files = new Map<string, ByteBuf>();
  let partBytes = 0;
  const sink = (collection: string): ByteBuf => {
    let f = files.get(collection);
    if (f === undefined) files.set(collection, (f = new ByteBuf()));
    return f;
  };
  // A part is written as one file, its lines grouped by collection (which compresses well, without a sort).
  const closePart = async (): Promise<void> => {
    if (files.size === 0) return;
    const file = join(dir, `part-${out.parts.length}.ndjson`);
    const stream = createWriteStream(file);
    for (const [, f] of [...files].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
      for (const block of f.done()) if (!stream.write(block)) await once(stream, 'drain');
    }
    stream.end();
    await once(stream, 'close');
    out.parts.push(file);
    files = new Map();
    partBytes = 0;
    const part: Part = { file, index: out.parts.length - 1, dates: partDates, longest: partLongest };
    partDates = new Set();
    partLongest = 0;
    lastDate = '';
    await onPart(part);
  };
  let lastDate = '';
  let partDates = new Set<string>();
  let partLongest = 0;
  const date = (d: string): void => {
    if (d !== lastDate) {
      out.dates.add((lastDate = d));
      partDates.add(d);
    }
  };
  const COMMA = Buffer.from(',');
  const NL = Buffer.from('\n');
  const head = newHead();
  // Ordinals run on across the segments of a batch.
  let seq = 0;
  for (const seg of segments) {
    const prefix = Buffer.from(`{"seg":${JSON.stringify(seg.name)},"seq":`);
    const splitter = new LineSplitter(seg.name, 1 << 30, {
      bytes(buf, from, to) {
        if (!sqlRowBytes(buf, from, to, head)) return false;
        seq++;
        const f = sink(head.collection);
        f.append(prefix);
        f.append(String(seq));
        f.append(COMMA);
        f.append(buf, from + 1, to);
        f.append(NL);
        partBytes += to - from;
        if (to - from > out.longest) out.longest = to - from;
        if (to - from > partLongest) partLongest = to - from;
        // {"time":" is 9 bytes: the date follows.
        date(buf.toString('latin1', from + 9, from + 19));
        out.sqlRows++;
        return true;
      },
      line(text) {
        if (text.trim().length === 0) return;
        seq++;
        const e = envelope(text);
        if (sqlRow(text, e)) {
          sink(e!.collection).append(`{"seg":${JSON.stringify(seg.name)},"seq":${seq},${text.slice(1)}\n`);
          partBytes += text.length;
          if (text.length * 3 > out.longest) out.longest = text.length * 3;
          if (text.length * 3 > partLongest) partLongest = text.length * 3;
          date(e!.time.slice(0, 10));
          out.sqlRows++;
          return;
        }
        let ev: BskyEvent;
        try {
          ev = JSON.parse(text) as BskyEvent;
        } catch {
          return;
        }
        if (typeof ev !== 'object' || ev === null || typeof ev.time !== 'string' || typeof ev.op !== 'string' || typeof ev.did !== 'string') return;
        const row: Record<string, unknown> = { seg: seg.name, seq, ...flatten(ev) };
        if (row.kind === 'post' && typeof row.text === 'string') row.words = tokens(row.text);
        row.record = ev.record ?? null;
        const json = JSON.stringify(row) + '\n';
        sink(typeof row.collection === 'string' ? row.collection : '').append(json);
        partBytes += json.length;
        if (json.length * 3 > out.longest) out.longest = json.length * 3;
        if (json.length * 3 > partLongest) partLongest = json.length * 3;
        date(ev.time.slice(0, 10));
        out.rows++;
      },
      bad: () => undefined,
      spill: () => undefined,
    });
    for await (const chunk of createReadStream(seg.path, { highWaterMark: 1 << 16 })) {
      splitter.push(chunk as Buffer);
      if (partBytes >= PART_BYTES) await closePart();
    }
    splitter.end();
  }
  await closePart();
  return out;
}
