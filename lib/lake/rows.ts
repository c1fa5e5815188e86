import { closeSync, mkdirSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { LineSplitter } from '../input/split-lines.js';
import { openSegment } from '../spool/segments.js';
import type { BskyEvent } from '../events/event.js';
import { flatten, kindOf, type FlatRow } from '../rows/flatten.js';
import { tokens } from '../metrics/words.js';
import { DAY_US, formatWall, HOUR_US, wallMicros } from '../time.js';
import { F, FastLine } from './fast-line.js';
import { partitionDir } from './layout.js';
import { BufferPool, ParquetFile, type ColumnSpec, type RowBlock, type ListColumn, type NumberColumn, type StringColumn } from './parquet.js';

/**
 * The lake's columns, in file order (docs/LAKE.md, Columns). `dict` columns
 * hold few distinct values (dictionary-encoded); the others are plain.
 * `wholeGroup`: one page a row group (the narrow columns most queries
 * filter and group by), the others a page a block.
 */
const W = { wholeGroup: true } as const;
export const LAKE_COLUMNS: readonly ColumnSpec[] = [
  { name: 'time', type: 'timestamp', ...W }, { name: 'time_text', type: 'string', ...W }, { name: 'did', type: 'string', rowBytes: 40 },
  { name: 'op', type: 'dict', ...W }, { name: 'collection', type: 'dict', ...W }, { name: 'kind', type: 'dict', ...W },
  { name: 'rkey', type: 'string', rowBytes: 18 }, { name: 'cid', type: 'string', rowBytes: 64 }, { name: 'subject', type: 'string', rowBytes: 64 },
  { name: 'subject_did', type: 'string', rowBytes: 32 }, { name: 'text', type: 'string', rowBytes: 16 }, { name: 'langs', type: 'dictlist', ...W },
  { name: 'reply_parent', type: 'string' }, { name: 'reply_root', type: 'string' }, { name: 'embed', type: 'dict', ...W },
  { name: 'quote', type: 'string' }, { name: 'mentions', type: 'list' }, { name: 'links', type: 'list' },
  { name: 'tags', type: 'dictlist' }, { name: 'list', type: 'string' }, { name: 'created_at', type: 'string', rowBytes: 28 },
  { name: 'words', type: 'dictlist' }, { name: 'record', type: 'json', rowBytes: 256 }, { name: 'record_cut', type: 'uint8', ...W },
  { name: 'batch', type: 'int32', constant: true, ...W }, { name: 'seg', type: 'dict', ...W }, { name: 'seq', type: 'int32', ...W },
];

/**
 * Rows per block (a page of each column but the wholeGroup ones): the
 * writer holds at most two uncompressed (one filling, one being
 * compressed); row groups are parquet.ts's GROUP_ROWS. 4,096 rather than
 * 8,192: periodic's peak RSS on a 1M backlog 201 to 205 MB against 217 to
 * 231 MB, for a lake 3% larger (29.5% of the NDJSON at 1M events against
 * 28.6%).
 */
export const BLOCK_ROWS = 4096;

/** Rows per file: past this, a batch's date goes on in a new file (a replay of a long backlog writes files of bounded size). */
export const FILE_ROWS = 1 << 20;

/** A subject record_cut may leave out: non-empty printable ASCII without `"` or `\` (its JSON text is itself). */
const CUTTABLE = /^[\x20\x21\x23-\x5b\x5d-\x7e]+$/;

/** Whether `needle` occurs exactly once in `s`. */
function once(s: string, needle: string): number {
  const at = s.indexOf(needle);
  return at >= 0 && s.indexOf(needle, at + 1) < 0 ? at : -1;
}

/**
 * record_cut (docs/LAKE.md): 1 when the record's only `"uri":` key holds the
 * subject (left out as `"uri":""`), 2 when its only `"subject":` key does
 * (`"subject":""`), 0 when the record stays whole.
 */
export function cutRecord(record: string, subject: string | undefined): [number, string] {
  if (subject === undefined || !CUTTABLE.test(subject)) return [0, record];
  if (once(record, '"uri":') >= 0) {
    const at = record.indexOf(`"uri":"${subject}"`);
    if (at >= 0) return [1, record.slice(0, at + 7) + record.slice(at + 7 + subject.length)];
  }
  if (once(record, '"subject":') >= 0) {
    const at = record.indexOf(`"subject":"${subject}"`);
    if (at >= 0) return [2, record.slice(0, at + 11) + record.slice(at + 11 + subject.length)];
  }
  return [0, record];
}

/** A partition's open file and the block filling. */
interface PartOut {
  /** The partition's folder, relative to `out` (layout.ts partitionDir). */
  dir: string;
  file: ParquetFile;
  block: RowBlock;
  /** Rows in the file, the filling block's included. */
  rows: number;
  /** When a row last went to it (LakeRows.tick): the least recent is closed first. */
  used: number;
}

/**
 * Partitions a writer keeps open at most: past this, drain() closes the
 * least recently used one's file (a row of it coming later starts a new
 * file, which compaction merges). Each open partition holds a block of
 * buffers (sized for 4,096 rows: a few MB); a batch of events in order has one or two open
 * (an hour and the late events of the hour before).
 */
export const MAX_OPEN = 4;

/** What a LakeRows is told besides where and what: the layout, and (the tests') sizes. */
export interface LakeRowsOptions {
  /** Hour partitions (`date=YYYY-MM-DD/hour=H/`, a lake of format 3 on); else date partitions. */
  hours?: boolean;
  blockRows?: number;
  fileRows?: number;
  groupRows?: number;
  /** Buffers to reuse (a writer that lives across batches: handle-stream's, segment-lake.ts). */
  pool?: BufferPool;
}

/** The columns of a block, by name. */
function columnsOf(g: RowBlock) {
  const c = g.columns;
  return {
    time: c[0] as NumberColumn, time_text: c[1] as StringColumn, did: c[2] as StringColumn, op: c[3] as StringColumn,
    collection: c[4] as StringColumn, kind: c[5] as StringColumn, rkey: c[6] as StringColumn, cid: c[7] as StringColumn,
    subject: c[8] as StringColumn, subject_did: c[9] as StringColumn, text: c[10] as StringColumn, langs: c[11] as ListColumn,
    reply_parent: c[12] as StringColumn, reply_root: c[13] as StringColumn, embed: c[14] as StringColumn, quote: c[15] as StringColumn,
    mentions: c[16] as ListColumn, links: c[17] as ListColumn, tags: c[18] as ListColumn, list: c[19] as StringColumn,
    created_at: c[20] as StringColumn, words: c[21] as ListColumn, record: c[22] as StringColumn, record_cut: c[23] as NumberColumn,
    batch: c[24] as NumberColumn, seg: c[25] as StringColumn, seq: c[26] as NumberColumn,
  };
}
type Cols = ReturnType<typeof columnsOf>;

/**
 * Turns a batch's spooled lines into the lake's Parquet files: one file per
 * partition of event time (and per FILE_ROWS rows) under
 * `out/date=YYYY-MM-DD/hour=H/` (or `out/date=YYYY-MM-DD/` in a lake begun
 * before hour partitions), rows in fold order. Every row gets its segment and line number (`seg`, `seq`, the
 * physical line, from 1: the order in which periodic folded it, which
 * rebuild follows; a writer given a range of a segment counts the lines
 * before it). The row is the
 * flat row bsky-flatten makes (lib/rows/flatten.ts), posts' word tokens as
 * top-words makes them before the stop list, and the record's JSON text;
 * most lines are read from their bytes (fast-line.ts), the others JSON.parse'd. Lines that are not
 * events (a hand-edited spool) take an ordinal and no row, as the fold
 * rejects them. periodic runs it in a worker thread (lake-worker.ts) while
 * its main thread folds the same segments.
 */
export class LakeRows {
  /** Rows written. */
  rows = 0;
  /** The files written, relative to `out`. */
  readonly files: string[] = [];
  private seq = 0;
  private seg = '';
  private readonly outs = new Map<string, PartOut>();
  private lastPart = NaN;
  private last: PartOut | undefined;
  private tick = 0;
  private cols: Cols | undefined;
  private readonly kinds = new Map<string, string>();
  private readonly fast = new FastLine();
  private lastCollection = '';
  /** A minute (`YYYY-MM-DDTHH:MM`) whose times formatWall gives back as they are. */
  private plainMinute = '\u0000';
  private fileNo = 0;
  /** Blocks' buffers, reused from one to the next. */
  private readonly pool: BufferPool;

  private readonly hours: boolean;
  private readonly partUs: number;
  private readonly blockRows: number;
  private readonly fileRows: number;
  private readonly groupRows: number | undefined;

  constructor(private readonly out: string, private readonly name: string, private readonly batch: number, opts: LakeRowsOptions = {}) {
    this.hours = opts.hours ?? false;
    this.partUs = this.hours ? HOUR_US : DAY_US;
    this.blockRows = opts.blockRows ?? BLOCK_ROWS;
    this.fileRows = opts.fileRows ?? FILE_ROWS;
    this.groupRows = opts.groupRows;
    this.pool = opts.pool ?? new BufferPool();
  }

  /** The segment whose lines come next, and how many of its lines come before them (a range that starts mid-segment). */
  segment(name: string, before = 0): void {
    this.seg = name;
    this.seq = before;
  }

  /** A line's bytes: true when it took the fast path (fast-line.ts; else the caller decodes it and calls line()). */
  bytes(buf: Buffer, from: number, to: number): boolean {
    const f = this.fast;
    if (!f.parse(buf, from, to)) return false;
    const s = f.start;
    const e = f.end;
    const op = opOf(buf, s[F.op], e[F.op]);
    if (op === undefined) return false;
    this.seq++;
    const latin1 = buf as Buffer & { latin1Slice(s: number, e: number): string };
    const time = latin1.latin1Slice(s[F.time], e[F.time]);
    const us = wallMicros(time);
    const c = this.target(us);
    c.time.put(us);
    c.time_text.put(this.timeText(time, us), true);
    c.did.putRange(buf, s[F.did], e[F.did]);
    c.op.put(op, true);
    const collection = this.collection(buf, s[F.collection], e[F.collection]);
    c.collection.put(collection, true);
    c.kind.put(this.kind(collection), true);
    c.rkey.putRange(buf, s[F.rkey], e[F.rkey]);
    if (s[F.cid] < 0) c.cid.put(undefined);
    else c.cid.putRange(buf, s[F.cid], e[F.cid]);
    // The subject: a string, or an object's uri (then its DID too, as didOfUri reads it).
    const uri = s[F.uri] >= 0;
    const subject = uri ? F.uri : F.subject;
    const ss = s[subject];
    const se = e[subject];
    if (ss < 0) c.subject.put(undefined);
    else c.subject.putRange(buf, ss, se);
    const did = uri ? didRange(buf, ss, se) : -1;
    if (did < 0) c.subject_did.put(undefined);
    else c.subject_did.putRange(buf, ss + 5, did);
    c.text.put(undefined);
    c.langs.put(undefined);
    c.reply_parent.put(undefined);
    c.reply_root.put(undefined);
    c.embed.put(undefined);
    c.quote.put(undefined);
    c.mentions.put(undefined);
    c.links.put(undefined);
    c.tags.put(undefined);
    if (s[F.list] < 0) c.list.put(undefined);
    else c.list.putRange(buf, s[F.list], e[F.list]);
    if (s[F.createdAt] < 0) c.created_at.put(undefined);
    else c.created_at.putRange(buf, s[F.createdAt], e[F.createdAt]);
    c.words.put(undefined);
    if (s[F.record] < 0) {
      c.record.put(undefined);
      c.record_cut.put(0);
    } else if (se === ss) {
      // An empty subject is not left out.
      c.record.putRange(buf, s[F.record], e[F.record]);
      c.record_cut.put(0);
    } else {
      // The subject is printable ASCII (fast-line.ts) and its key the only one of its name: left out.
      c.record.putRange(buf, s[F.record], ss, se, e[F.record]);
      c.record_cut.put(uri ? 1 : 2);
    }
    this.tail(c);
    return true;
  }

  /** A collection's name (few: cached by the bytes' length and the last bytes, checked whole). */
  private collection(buf: Buffer, s: number, e: number): string {
    const last = this.lastCollection;
    if (last.length === e - s) {
      let same = true;
      for (let i = last.length - 1; i >= 0 && same; i--) same = last.charCodeAt(i) === buf[s + i];
      if (same) return last;
    }
    for (const name of this.kinds.keys()) {
      if (name.length !== e - s) continue;
      let same = true;
      for (let i = name.length - 1; i >= 0 && same; i--) same = name.charCodeAt(i) === buf[s + i];
      if (same) return (this.lastCollection = name);
    }
    const name = buf.toString('latin1', s, e);
    this.kind(name);
    return (this.lastCollection = name);
  }

  /** A line of text (a line bytes() did not take). */
  line(text: string): void {
    if (text.trim().length === 0) {
      this.seq++;
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

  /** A parsed event and its flat row. */
  event(ev: BskyEvent, flat: FlatRow): void {
    this.seq++;
    const us = wallMicros(flat.time);
    const c = this.target(us);
    c.time.put(us);
    c.time_text.put(this.timeText(flat.time, us));
    c.did.put(flat.did);
    c.op.put(flat.op);
    c.collection.put(flat.collection);
    c.kind.put(flat.kind);
    c.rkey.put(flat.rkey);
    c.cid.put(flat.cid);
    c.subject.put(flat.subject);
    c.subject_did.put(flat.subject_did);
    c.text.put(flat.text);
    c.langs.put(flat.langs);
    c.reply_parent.put(flat.reply_parent);
    c.reply_root.put(flat.reply_root);
    c.embed.put(flat.embed);
    c.quote.put(flat.quote);
    c.mentions.put(flat.mentions);
    c.links.put(flat.links);
    c.tags.put(flat.tags);
    c.list.put(flat.list);
    c.created_at.put(flat.created_at);
    c.words.put(flat.kind === 'post' && typeof flat.text === 'string' ? tokens(flat.text) : undefined);
    const record = (ev as { record?: unknown }).record;
    if (record === undefined || record === null) {
      c.record.put(undefined);
      c.record_cut.put(0);
    } else {
      const [cut, text] = cutRecord(JSON.stringify(record), flat.subject);
      c.record.put(text);
      c.record_cut.put(cut);
    }
    this.tail(c);
  }

  /** A line that is not text (bad UTF-8, too long): it takes its number, no row. */
  skip(): void {
    this.seq++;
  }

  private tail(c: Cols): void {
    c.batch.put(this.batch);
    c.seg.put(this.seg, false);
    c.seq.put(this.seq);
    this.last!.block.rows++;
    this.last!.rows++;
    this.rows++;
  }

  private kind(collection: string): string {
    let k = this.kinds.get(collection);
    if (k === undefined) this.kinds.set(collection, (k = kindOf(collection)));
    return k;
  }

  /**
   * The time's text when formatWall does not give it back from `time` (a
   * zone suffix, a short fraction, no time at all), else undefined.
   */
  private timeText(time: string, us: number): string | undefined {
    if (Number.isNaN(us)) return time;
    if (time.length === 26 && time.startsWith(this.plainMinute) && plainTail(time)) return undefined;
    if (formatWall(us) !== time) return time;
    this.plainMinute = time.slice(0, 16);
    return undefined;
  }

  /** The columns of the row group the partition of `us` fills (an event without a time: 1970-01-01 at 00, its text in time_text). */
  private target(us: number): Cols {
    const part = Number.isNaN(us) ? 0 : Math.floor(us / this.partUs);
    if (part !== this.lastPart || this.last === undefined) {
      const start = formatWall(part * this.partUs);
      const dir = partitionDir(start.slice(0, 10), this.hours ? Number(start.slice(11, 13)) : undefined);
      let o = this.outs.get(dir);
      if (o === undefined) this.outs.set(dir, (o = this.open(dir)));
      o.used = ++this.tick;
      this.last = o;
      this.lastPart = part;
      this.cols = columnsOf(o.block);
    }
    return this.cols!;
  }

  private open(dir: string): PartOut {
    mkdirSync(join(this.out, dir), { recursive: true });
    const rel = join(dir, `${this.name}-${this.fileNo++}.parquet`);
    this.files.push(rel);
    const file = new ParquetFile(join(this.out, rel), LAKE_COLUMNS, { pool: this.pool, groupRows: this.groupRows });
    return { dir, file, block: file.block(this.blockRows), rows: 0, used: 0 };
  }

  /** Closes a partition's file (its filling block written first); a later row of it starts a new file. */
  private async closeOut(o: PartOut): Promise<void> {
    this.outs.delete(o.dir);
    if (this.last === o) this.last = undefined;
    await o.file.add(o.block);
    await o.file.close();
  }

  /** Hands full blocks to their files (compressed off this thread; at most two in memory a file). */
  async drain(): Promise<void> {
    for (const o of [...this.outs.values()]) {
      if (o.block.rows < this.blockRows) continue;
      const full = o.block;
      // Its sizes first: the next block's buffers start at them.
      full.note();
      if (o.rows >= this.fileRows) {
        // The file is full: closed (its block is the full one), and the partition goes on in a new one.
        await this.closeOut(o);
      } else {
        o.block = o.file.block(this.blockRows);
        if (this.last === o) this.cols = columnsOf(o.block);
        await o.file.add(full);
      }
    }
    while (this.outs.size > MAX_OPEN) {
      let lru: PartOut | undefined;
      for (const o of this.outs.values()) if (lru === undefined || o.used < lru.used) lru = o;
      await this.closeOut(lru!);
    }
  }

  /** Writes what is left and closes every file; returns the rows written and the files (relative to `out`). */
  async end(): Promise<{ rows: number; files: string[] }> {
    for (const o of this.outs.values()) {
      await o.file.add(o.block);
      await o.file.close();
    }
    this.outs.clear();
    this.last = undefined;
    return { rows: this.rows, files: this.files };
  }

  /** Closes the files without their footers (a failed or stopped run; the staging folder goes with them). */
  abandon(): void {
    for (const o of this.outs.values()) o.file.abandon();
    this.outs.clear();
  }
}

const OPS = ['create', 'update', 'delete'];

/** The op whose bytes are buf[s, e), when it is one of a commit's. */
function opOf(buf: Buffer, s: number, e: number): string | undefined {
  if (e - s !== 6) return undefined;
  for (const op of OPS) {
    let same = true;
    for (let i = 0; i < 6 && same; i++) same = op.charCodeAt(i) === buf[s + i];
    if (same) return op;
  }
  return undefined;
}

/** didOfUri on bytes: where the DID of `at://DID/...` in buf[s, e) ends, or -1 when it is not one (the DID starts at s + 5). */
function didRange(buf: Buffer, s: number, e: number): number {
  // at://did:
  if (e - s < 9 || buf[s] !== 97 || buf[s + 1] !== 116 || buf[s + 2] !== 58 || buf[s + 3] !== 47 || buf[s + 4] !== 47) return -1;
  if (buf[s + 5] !== 100 || buf[s + 6] !== 105 || buf[s + 7] !== 100 || buf[s + 8] !== 58) return -1;
  const slash = buf.indexOf(47, s + 5);
  return slash < 0 || slash >= e ? e : slash;
}

/** `:SS.ffffff` at 16: seconds under 60 and six digits of fraction (the minute is checked by the caller). */
function plainTail(t: string): boolean {
  if (t.charCodeAt(16) !== 58 || t.charCodeAt(19) !== 46) return false;
  const s = t.charCodeAt(17);
  if (s < 48 || s > 53) return false;
  for (const i of [18, 20, 21, 22, 23, 24, 25]) {
    const d = t.charCodeAt(i);
    if (d < 48 || d > 57) return false;
  }
  return true;
}

/** Part of a segment: the lines that start in bytes [from, to) (`to` undefined: up to the end). */
export interface SegmentRange {
  path: string;
  name: string;
  from?: number;
  to?: number;
}

/**
 * Where the lines of a range start: `from` when a line starts there, else
 * after the line that crosses it (which is the range before's), and the
 * lines before that point.
 */
function rangeStart(fd: number, from: number): { at: number; before: number } {
  if (from <= 0) return { at: 0, before: 0 };
  const buf = Buffer.allocUnsafe(1 << 20);
  let before = 0;
  let pos = 0;
  let last = 10;
  while (pos < from) {
    const n = readSync(fd, buf, 0, Math.min(buf.length, from - pos), pos);
    if (n === 0) return { at: pos, before };
    for (let i = buf.indexOf(10, 0); i >= 0 && i < n; i = buf.indexOf(10, i + 1)) before++;
    last = buf[n - 1];
    pos += n;
  }
  if (last === 10) return { at: from, before };
  for (;;) {
    const n = readSync(fd, buf, 0, buf.length, pos);
    if (n === 0) return { at: pos, before };
    const nl = buf.subarray(0, n).indexOf(10);
    if (nl >= 0) return { at: pos + nl + 1, before: before + 1 };
    pos += n;
  }
}

/**
 * Feeds segment files (or ranges of them) to `rows`, in order; `stopped` is
 * asked between chunks. A range's last line is read whole, past `to`.
 */
export async function feedSegments(rows: LakeRows, segments: SegmentRange[], stopped: () => boolean = () => false): Promise<void> {
  for (const seg of segments) {
    if (stopped()) return;
    // As the fold opens it: never blocks on a FIFO named like a segment.
    const fd = openSegment(seg.path);
    const { at, before } = rangeStart(fd, seg.from ?? 0);
    const to = seg.to ?? Infinity;
    if (at >= to) {
      // No line starts in this range.
      closeSync(fd);
      continue;
    }
    rows.segment(seg.name, before);
    const splitter = new LineSplitter(seg.name, 1 << 30, {
      bytes: (buf, from, end) => rows.bytes(buf, from, end),
      line: (text) => rows.line(text),
      bad: () => rows.skip(),
      spill: () => undefined,
    });
    // Read synchronously (the segments are in the page cache, just written): asynchronous reads would
    // queue in libuv's pool behind the row groups being compressed, and the thread would wait on them.
    const buf = Buffer.allocUnsafe(1 << 20);
    let pos = at;
    let ended = false;
    try {
      while (!ended) {
        const n = readSync(fd, buf, 0, buf.length, pos);
        if (n === 0) break;
        let chunk = buf.subarray(0, n);
        if (pos + n >= to) {
          // The range ends in this chunk: up to the newline that ends the line holding byte to - 1.
          const nl = chunk.indexOf(10, Math.max(0, to - 1 - pos));
          if (nl >= 0) {
            chunk = chunk.subarray(0, nl + 1);
            ended = true;
          }
        }
        splitter.push(chunk);
        pos += n;
        await rows.drain();
        if (stopped()) return;
      }
    } finally {
      closeSync(fd);
    }
    if (!ended) splitter.end();
  }
}
