import { isAscii, isUtf8 } from 'node:buffer';

/** Where a physical line came from: the source name as users see it and its 1-based number. */
export interface LineRef {
  source: string;
  line: number;
}

/** What a splitter hands over: good lines as text, bad ones as a reason with their raw bytes. */
export interface LineHandler {
  /** A complete, valid UTF-8 line within the length limit, without its newline. `last` marks an unterminated final line. */
  line(text: string, ref: LineRef, last: boolean): void;
  /** A line that cannot become text: invalid UTF-8 or too long. `raw` is its bytes, or null when they were streamed to `spill`. */
  bad(reason: string, ref: LineRef, raw: Buffer | null): void;
  /** Bytes of an overlong line, in order, as they stream past; the line is never held whole. */
  spill(bytes: Buffer): void;
}

const NL = 10;

/**
 * Splits a byte stream into lines without holding an overlong line in memory.
 * split2 cannot do this: with maxLength it either errors or drops the line,
 * and we must keep every rejected line verbatim.
 */
export class LineSplitter {
  private carry: Buffer[] = [];
  private carryLen = 0;
  private overflowing = false;
  private overflowLen = 0;
  private lineNo = 0;

  constructor(
    private readonly source: string,
    private readonly maxLine: number,
    private readonly handler: LineHandler,
  ) {}

  /** Number of physical lines seen so far. */
  get lines(): number {
    return this.lineNo;
  }

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
    let region = chunk.subarray(start, lastNl);
    if (this.carryLen > 0) {
      this.carry.push(region);
      region = Buffer.concat(this.carry);
      this.carry = [];
      this.carryLen = 0;
    }
    this.region(region);
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
    this.one(rest, true);
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
    const ref = { source: this.source, line: ++this.lineNo };
    const how = last ? ', no final newline' : '';
    this.handler.bad(`line too long (${this.overflowLen} bytes${how}; limit ${this.maxLine}, see --max-line)`, ref, null);
    this.overflowLen = 0;
  }

  private region(buf: Buffer): void {
    if (isUtf8(buf)) {
      // Fast path: the whole region is valid text. Each line is decoded on its
      // own: one non-ASCII post would make the whole region a two-byte string,
      // and JSON.parse and JSON.stringify are slower on those for every line.
      let from = 0;
      for (;;) {
        const nl = buf.indexOf(NL, from);
        const end = nl < 0 ? buf.length : nl;
        this.text(buf.toString(isAscii(buf.subarray(from, end)) ? 'latin1' : 'utf8', from, end), false);
        if (nl < 0) return;
        from = nl + 1;
      }
    }
    let from = 0;
    for (;;) {
      const nl = buf.indexOf(NL, from);
      this.one(nl < 0 ? buf.subarray(from) : buf.subarray(from, nl), false);
      if (nl < 0) return;
      from = nl + 1;
    }
  }

  private one(bytes: Buffer, last: boolean): void {
    if (!isUtf8(bytes)) {
      this.handler.bad('invalid UTF-8', { source: this.source, line: ++this.lineNo }, bytes);
      return;
    }
    this.text(bytes.toString('utf8'), last);
  }

  private text(line: string, last: boolean): void {
    const ref = { source: this.source, line: ++this.lineNo };
    // Characters never outnumber bytes, so only long strings need the byte count.
    if (line.length * 3 > this.maxLine) {
      const bytes = Buffer.byteLength(line);
      if (bytes > this.maxLine) {
        this.handler.bad(`line too long (${bytes} bytes; limit ${this.maxLine}, see --max-line)`, ref, Buffer.from(line));
        return;
      }
    }
    if (line.length > 0 && line.charCodeAt(line.length - 1) === 13) line = line.slice(0, -1);
    this.handler.line(line, ref, last);
  }
}
