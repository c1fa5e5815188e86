import { isUtf8 } from 'node:buffer';
import { DupHeap } from './dup-heap.js';
import { EventMaker, SECOND, Shape, type Ev } from './event-maker.js';
import { LineWriter } from './lines.js';
import { malformed } from './malform.js';
import { resolveOptions, type GenOptions, type GenStats, type ResolvedOptions } from './options.js';
import { Out } from './out.js';
import { Rng } from './rng.js';
import { Schedule } from './schedule.js';

export { MIX } from './event-maker.js';
export { DEFAULT_START, resolveOptions, type GenOptions, type GenStats, type ResolvedOptions } from './options.js';

const MAX_PENDING_DUPS = 10_000;

/**
 * The synthetic capture: call next() for each line (a string without its
 * newline, or a Buffer for a line with invalid UTF-8), until it returns
 * undefined. Memory stays bounded: no event is kept except pending duplicates.
 * The parts: a Schedule says when, an EventMaker what, a LineWriter writes
 * it; duplicates wait in a DupHeap; malformed lines are made from good ones.
 */
export class Capture {
  readonly opts: ResolvedOptions;
  readonly stats: GenStats = { events: 0, malformed: 0, blank: 0, duplicates: 0 };
  /** DIDs of the accounts planned to like in fast bursts, and of the near misses. */
  readonly fastLikers: string[];
  readonly nearMisses: string[];
  /** Event time (wall microseconds) of the line last returned by next(). */
  time = 0;

  private readonly rng: Rng;
  private readonly jet: boolean;
  private readonly maker: EventMaker;
  private readonly schedule: Schedule;
  private readonly writer: LineWriter;
  private readonly dups = new DupHeap();
  /** The line API's own output and the lines split from it. */
  private lineOut: Out | undefined;
  private lines: Array<string | Buffer> = [];
  private lineHead = 0;

  constructor(options: GenOptions = {}) {
    const o = (this.opts = resolveOptions(options));
    this.rng = new Rng(o.seed);
    this.jet = o.format === 'jetstream';
    this.maker = new EventMaker(o, this.rng);
    this.writer = new LineWriter(this.jet, this.rng);
    this.schedule = new Schedule(o, this.rng);
    this.fastLikers = this.schedule.fastLikers;
    this.nearMisses = this.schedule.nearMisses;
  }

  /** The next line, or undefined at the end: a convenience over write(), for tests and small data. */
  next(): string | Buffer | undefined {
    while (this.lineHead >= this.lines.length) {
      const out = (this.lineOut ??= new Out(1 << 16));
      if (!this.write(out)) return undefined;
      const bytes = Buffer.concat(out.take());
      this.lines = [];
      this.lineHead = 0;
      for (let from = 0; from < bytes.length;) {
        const nl = bytes.indexOf(10, from);
        const line = bytes.subarray(from, nl);
        this.lines.push(isUtf8(line) ? line.toString() : Buffer.from(line));
        from = nl + 1;
      }
    }
    return this.lines[this.lineHead++];
  }

  /**
   * Writes the next event into `out`, after any duplicates that are due and
   * followed by any malformed lines; false at the end. `time` is then the
   * event's time.
   */
  write(out: Out): boolean {
    const t = this.schedule.next();
    let wrote = false;
    while (this.dups.size && this.dups.peekDue() <= t) {
      out.bytes(this.dups.pop());
      this.stats.duplicates++;
      wrote = true;
    }
    if (t === Infinity) return wrote;
    this.time = t;
    let ev: Ev;
    if (this.schedule.burstNext) {
      // A bot's like, at exactly the time its burst planned.
      ev = this.maker.like(this.schedule.takeBurst(), t);
    } else {
      ev = this.maker.event(t);
      this.schedule.takeMain();
    }
    out.need(1024 + 3 * ev.text.length);
    const start = out.at;
    this.writer.write(out, ev);
    out.buf[out.at++] = 10;
    this.stats.events++;
    const o = this.opts;
    if (ev.shape !== Shape.Info && o.dupRate > 0 && this.rng.chance(o.dupRate) && this.dups.size < MAX_PENDING_DUPS) {
      this.dups.push(t + this.rng.logUniform(2 * SECOND, 300 * SECOND), out.since(start));
    }
    if (o.badRate > 0 && this.rng.chance(o.badRate)) this.malformed(out, out.buf.toString('utf8', start, out.at - 1));
    return true;
  }

  /** Malformed or blank lines made from a good one, one or more (each with --bad-rate's chance). */
  private malformed(out: Out, line: string): void {
    const o = this.opts;
    do {
      const bad = malformed(this.rng, line, this.jet);
      if (bad.blank) this.stats.blank++;
      else this.stats.malformed++;
      if (typeof bad.line === 'string') out.u(bad.line);
      else out.bytes(bad.line);
      out.need(1);
      out.buf[out.at++] = 10;
    } while (this.rng.chance(o.badRate));
  }
}

/** The lines of a capture, one at a time (a Buffer only for a line with invalid UTF-8). */
export function* generateLines(options: GenOptions = {}): Generator<string | Buffer, GenStats> {
  const c = new Capture(options);
  for (let line = c.next(); line !== undefined; line = c.next()) yield line;
  return c.stats;
}

/** A whole capture as bytes, newline-terminated lines: for tests and fixtures. */
export function generateCapture(options: GenOptions = {}): Buffer {
  return Buffer.concat([...chunks(new Capture(options))]);
}

/** The capture in chunks of about 256 KB, for writing to a stream fast. */
export function* chunks(c: Capture): Generator<Buffer> {
  const out = new Out();
  while (c.write(out)) if (out.done.length) yield* out.done.splice(0);
  yield* out.take();
}

/**
 * The capture written in real time: each event waits until the clock reaches
 * its time (start the capture at the current time). The generator only runs
 * when pulled, so a slow reader slows it down (backpressure).
 */
export async function* paced(c: Capture, now: () => number = nowMicros): AsyncGenerator<Buffer> {
  const out = new Out(1 << 16);
  while (c.write(out)) {
    const wait = c.time - now();
    if (wait > 5000 || out.done.length) {
      yield* out.take();
      if (wait > 5000) await new Promise((resolve) => setTimeout(resolve, Math.ceil(wait / 1000)));
    }
  }
  yield* out.take();
}

/** The current time in microseconds since the epoch. */
export function nowMicros(): number {
  return Math.floor((performance.timeOrigin + performance.now()) * 1000);
}
