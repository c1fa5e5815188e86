import { isUtf8 } from 'node:buffer';

/** Buffer's own decoder without toString's argument checks (public since Node 0.x, untyped). */
type Utf8Sliceable = Buffer & { utf8Slice(start: number, end: number): string };

/** Where a physical line came from: the source name as users see it and its 1-based number. */
export interface LineRef {
  source: string;
  line: number;
}

/** What a splitter hands over: good lines as text, bad ones as a reason with their raw bytes. */
export interface LineHandler {
  /**
   * Optional: a complete, valid UTF-8 line within the length limit offered as
   * bytes (buf[from, to), a final CR included) before it is decoded; true
   * when the handler is done with it, false to have it decoded and given to line().
   */
  bytes?(buf: Buffer, from: number, to: number): boolean;
  /** A complete, valid UTF-8 line within the length limit, without its newline. `last` marks an unterminated final line. */
  line(text: string, ref: LineRef, last: boolean): void;
  /** A line that cannot become text: invalid UTF-8 or too long. `raw` is its bytes, or null when they were streamed to `spill`. */
  bad(reason: string, ref: LineRef, raw: Buffer | null): void;
  /** Bytes of an overlong line, in order, as they stream past; the line is never held whole. */
  spill(bytes: Buffer): void;
}

/** What a ChunkSplitter hands over, in input order: runs of whole lines, and overlong lines as they stream past. */
export interface PieceHandler {
  /**
   * One or more whole lines separated by newlines, without the final one.
   * `last`: the unterminated final line of the input (then one line). The
   * buffer may be a view of the chunk pushed: valid during the call only.
   */
  region(buf: Buffer, last: boolean): void;
  /** Bytes of an overlong line, in order, as they stream past. */
  spill(bytes: Buffer): void;
  /** An overlong line ended; its `bytes` went to spill. */
  overlong(bytes: number, last: boolean): void;
}

/** What splitRegion hands over for each line, in order. */
export interface LineSink {
  /**
   * Optional fast path: a valid UTF-8 line within the length limit, offered
   * as bytes (buf[from, to), a final CR included) before it is decoded.
   * True when the sink took it; false to have it decoded and given to line().
   */
  bytes?(buf: Buffer, from: number, to: number): boolean;
  line(text: string, last: boolean): void;
  bad(reason: string, raw: Buffer): void;
}

const NL = 10;

/**
 * Cuts a byte stream into runs of whole lines without holding an overlong
 * line in memory (split2 cannot: with maxLength it either errors or drops
 * the line, and we must keep every rejected line verbatim). It only looks
 * for newlines: decoding and numbering the lines is splitRegion's and the
 * caller's, which may happen on another thread.
 */
export class ChunkSplitter {
  private carry: Buffer[] = [];
  private carryLen = 0;
  private overflowing = false;
  private overflowLen = 0;

  constructor(
    private readonly maxLine: number,
    private readonly handler: PieceHandler,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    if (this.overflowing) {
      const nl = chunk.indexOf(NL);
      if (nl < 0) {
        this.spillOverflow(chunk);
        return;
      }
      this.spillOverflow(chunk.subarray(0, nl));
      this.endOverflow(false);
      start = nl + 1;
    }
    const lastNl = chunk.lastIndexOf(NL);
    if (lastNl < start) {
      this.keep(chunk.subarray(start));
      return;
    }
    if (this.carryLen > 0) {
      // The line begun in earlier chunks ends here: hand it over alone, so that
      // the rest of the chunk goes as a view, not copied behind it.
      const firstNl = chunk.indexOf(NL, start);
      this.carry.push(chunk.subarray(start, firstNl));
      const line = Buffer.concat(this.carry);
      this.carry = [];
      this.carryLen = 0;
      this.handler.region(line, false);
      start = firstNl + 1;
    }
    if (start <= lastNl) this.handler.region(chunk.subarray(start, lastNl), false);
    if (lastNl + 1 < chunk.length) this.keep(chunk.subarray(lastNl + 1));
  }

  /** Flushes the final line when the input does not end with a newline. */
  end(): void {
    if (this.overflowing) {
      this.endOverflow(true);
      return;
    }
    if (this.carryLen === 0) return;
    const rest = Buffer.concat(this.carry);
    this.carry = [];
    this.carryLen = 0;
    this.handler.region(rest, true);
  }

  private keep(part: Buffer): void {
    // The chunk may be reused by the stream: copy what we keep.
    this.carry.push(Buffer.from(part));
    this.carryLen += part.length;
    if (this.carryLen > this.maxLine) {
      this.overflowing = true;
      this.overflowLen = 0;
      const held = Buffer.concat(this.carry);
      this.carry = [];
      this.carryLen = 0;
      this.spillOverflow(held);
    }
  }

  private spillOverflow(bytes: Buffer): void {
    this.overflowLen += bytes.length;
    if (bytes.length) this.handler.spill(bytes);
  }

  private endOverflow(last: boolean): void {
    this.overflowing = false;
    this.handler.overlong(this.overflowLen, last);
    this.overflowLen = 0;
  }
}

/** A line of nothing but spaces, tabs and a CR: counted as blank, neither handled nor rejected. */
export function isBlank(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
}

/** The reason given for a line over --max-line. */
export function tooLong(bytes: number, maxLine: number, last = false): string {
  return `line too long (${bytes} bytes${last ? ', no final newline' : ''}; limit ${maxLine}, see --max-line)`;
}

/**
 * Decodes a run of whole lines (a ChunkSplitter region) line by line: valid
 * UTF-8 within the length limit becomes text (a final CR dropped), anything
 * else a bad line with its bytes. Returns the number of lines.
 */
export function splitRegion(buf: Buffer, maxLine: number, last: boolean, sink: LineSink): number {
  let lines = 0;
  const whole = isUtf8(buf);
  let from = 0;
  for (;;) {
    const nl = buf.indexOf(NL, from);
    const end = nl < 0 ? buf.length : nl;
    lines++;
    if (whole && sink.bytes !== undefined && end - from <= maxLine && sink.bytes(buf, from, end)) {
      // Taken as bytes.
    } else if (whole || isUtf8(buf.subarray(from, end))) {
      // Each line is decoded on its own: one non-ASCII post would make the whole
      // region a two-byte string, and JSON.parse and JSON.stringify are slower on
      // those for every line. utf8Slice makes a one-byte string of an ASCII (or
      // Latin-1) line by itself: checking with isAscii first cost 2.5 times as much
      // (450 ns a line against 180, BENCHMARKS.md).
      let line = (buf as Utf8Sliceable).utf8Slice(from, end);
      // Characters never outnumber bytes, so only long strings need the byte count.
      if (line.length * 3 > maxLine && Buffer.byteLength(line) > maxLine) sink.bad(tooLong(Buffer.byteLength(line), maxLine), buf.subarray(from, end));
      else {
        if (line.length > 0 && line.charCodeAt(line.length - 1) === 13) line = line.slice(0, -1);
        // Only the final line of the input can be unterminated.
        sink.line(line, last && nl < 0);
      }
    } else sink.bad('invalid UTF-8', buf.subarray(from, end));
    if (nl < 0) return lines;
    from = nl + 1;
  }
}

/**
 * Splits a byte stream into numbered lines of text on this thread: a
 * ChunkSplitter whose regions are decoded at once by splitRegion.
 */
export class LineSplitter {
  private lineNo = 0;
  private readonly chunks: ChunkSplitter;

  constructor(
    private readonly source: string,
    maxLine: number,
    handler: LineHandler,
  ) {
    const bytes = handler.bytes;
    const sink: LineSink = {
      bytes: bytes && ((buf, from, to) => (bytes.call(handler, buf, from, to) ? (this.lineNo++, true) : false)),
      line: (text, last) => handler.line(text, this.next(), last),
      bad: (reason, raw) => handler.bad(reason, this.next(), raw),
    };
    this.chunks = new ChunkSplitter(maxLine, {
      region: (buf, last) => void splitRegion(buf, maxLine, last, sink),
      spill: (bytes) => handler.spill(bytes),
      overlong: (bytes, last) => handler.bad(tooLong(bytes, maxLine, last), this.next(), null),
    });
  }

  /** Number of physical lines seen so far. */
  get lines(): number {
    return this.lineNo;
  }

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
  }

  /** Flushes the final line when the input does not end with a newline. */
  end(): void {
    this.chunks.end();
  }

  private next(): LineRef {
    return { source: this.source, line: ++this.lineNo };
  }
}
