import { availableParallelism } from 'node:os';
import type { Writable } from 'node:stream';
import { drive, fail, readInput, type CommonOptions, type OptionSpec, type RunCounts, type RunOptions, type ToolSpec } from '../cli/tool.js';
import type { Rejects } from '../cli/rejects.js';
import type { Progress } from '../cli/progress.js';
import { ChunkSplitter, tooLong } from '../input/split-lines.js';
import type { Dedupe } from './dedupe.js';
import type { TimePolicy } from './time-policy.js';
import type { ParseOptions } from './parse-event.js';
import { ParsePool } from './parse-pool.js';
import type { RegionResult } from './parse-region.js';

/** What bsky-parse and handle-stream count as they go (their status line reads it). */
export interface ParseCounts {
  events: number;
  duplicates: number;
  /** Time of the last event written. */
  newest?: string;
}

export interface ParseRunOptions extends RunOptions {
  parse: ParseOptions;
  /** Worker threads that parse; 0 parses on the main thread. */
  threads: number;
  /** The dedupe memory, or null for none. */
  dedupe: Dedupe | null;
  /** Events too far ahead of the clock or behind the newest are rejected; null: none are. */
  policy?: TimePolicy | null;
  counts?: ParseCounts;
}

/**
 * The default --threads: one worker per core but one, at least one, at most 3;
 * the main thread parses too when the workers are busy. Each worker costs
 * about 30 MB (its own V8 heap and code).
 */
export function defaultThreads(): number {
  return Math.max(1, Math.min(3, availableParallelism() - 1));
}

/** The --threads option of bsky-parse and handle-stream; `same` says what stays the same whatever the number. */
export function threadsOption(same: string): OptionSpec {
  return { type: 'number', describe: `parse on this many worker threads (0: on the main thread); ${same} is the same`, default: defaultThreads(), defaultText: 'cores - 1, from 1 to 3', integer: true, min: 0, max: 64 };
}

/** One input piece waiting its turn: a region being parsed, or part of an overlong line. */
type Pending =
  | { kind: 'region'; result: Promise<RegionResult> }
  | { kind: 'spill'; bytes: Buffer }
  | { kind: 'overlong'; bytes: number; last: boolean };

/**
 * bsky-parse's loop, parsing on worker threads: the main thread reads, cuts
 * the input into runs of whole lines, hands them to the pool, and takes the
 * results back in input order to number lines, report rejects, dedupe and
 * write. Output is the same, byte for byte, whatever the number of threads.
 */
export async function runParse(spec: ToolSpec, opts: CommonOptions, cfg: ParseRunOptions): Promise<RunCounts & ParseCounts> {
  const counts = cfg.counts ?? { events: 0, duplicates: 0 };
  const run = { lines: 0, blank: 0, rejected: 0 };
  const pool = new ParsePool(cfg.threads, { ...cfg.parse, maxLine: opts.maxLine, hash: cfg.dedupe !== null });
  // Enough regions in flight to keep every worker busy while the main thread writes.
  const inFlight = 2 * cfg.threads + 2;

  let stopped: unknown = null;
  const output = (cfg.output ?? process.stdout) as Writable;

  // Lines numbered in the input being read, for the progress line until they join run.lines.
  let lineNo = 0;
  async function* produce(rejects: Rejects, progress?: Progress): AsyncGenerator<Buffer> {
    for (const source of opts.files.length ? opts.files : ['-']) {
      const name = source === '-' ? 'stdin' : source;
      lineNo = 0;
      const queue: Pending[] = [];
      // The reader and the writer below wake each other when the queue changes.
      const waiters: Array<() => void> = [];
      const wake = (): void => {
        for (const w of waiters.splice(0)) w();
      };
      const changed = (): Promise<void> => new Promise((resolve) => waiters.push(resolve));
      const send = (buf: Buffer, last: boolean, head: Buffer | null): void => {
        const result = pool.submit(buf, last, head);
        // Awaited in turn below; a failure before then is not an unhandled rejection.
        result.catch(() => undefined);
        queue.push({ kind: 'region', result });
      };
      // A line that ran across two reads comes alone; it goes with the region after it.
      let held: Buffer | null = null;
      const release = (): void => {
        if (held !== null) send(held, false, null);
        held = null;
      };
      const splitter = new ChunkSplitter(opts.maxLine, {
        region(buf, last) {
          if (!last && held === null && buf.length < 1 << 16 && buf.indexOf(10) < 0) {
            // Copied: the chunk it may be a view of is read into again.
            held = Buffer.from(buf);
            return;
          }
          if (last) release();
          const head = held;
          held = null;
          send(buf, last, head);
        },
        // Copied: the chunk may be reused, and earlier regions' rejects go to the file first.
        spill: (bytes) => {
          release();
          queue.push({ kind: 'spill', bytes: Buffer.from(bytes) });
        },
        overlong: (bytes, last) => {
          release();
          queue.push({ kind: 'overlong', bytes, last });
        },
      });
      // Reading goes on while results are awaited, so that a pause in the input
      // (a live stream) never holds back what was read before it.
      let ended = false;
      const reading = (async () => {
        try {
          for await (const chunk of readInput(source, cfg.signal)) {
            splitter.push(chunk);
            // Never held past the read it came in: the input may pause here.
            release();
            cfg.onChunk?.(chunk.length, rejects.count);
            progress?.add(chunk.length);
            wake();
            while (queue.length > inFlight && stopped === null) await changed();
          }
          splitter.end();
          release();
        } finally {
          ended = true;
          wake();
        }
      })();
      reading.catch(() => undefined);
      try {
        for (;;) {
          if (queue.length === 0) {
            if (ended) break;
            await changed();
            continue;
          }
          const p = queue.shift()!;
          wake();
          if (p.kind === 'spill') rejects.spill(p.bytes);
          else if (p.kind === 'overlong') rejects.reject({ source: name, line: ++lineNo }, tooLong(p.bytes, opts.maxLine, p.last), null);
          else {
            const r = await p.result;
            const base = lineNo;
            lineNo += r.lines;
            run.blank += r.blank;
            // The events as slices of the result's bytes: a region with a duplicate
            // is written in pieces rather than copied (copies were garbage).
            for (const piece of take(r, base, name, rejects)) yield piece;
            if (stopped !== null) throw stopped;
            // Once written (nothing left buffered in the output), the result's buffers serve again.
            if (output.writableLength === 0) pool.recycle(r);
          }
          // The rejects file's disk is full (handle-stream): take no more until what it holds is written.
          if (rejects.blocked) await rejects.drained();
        }
        await reading;
      } finally {
        run.lines += lineNo;
        lineNo = 0;
      }
    }
  }

  /**
   * The events of a region to write, in input order with the region's
   * rejects: the time policy's rejects reported, duplicates dropped; a
   * --strict stop writes what came before it.
   */
  function take(r: RegionResult, base: number, name: string, rejects: Rejects): Buffer[] {
    const out = Buffer.from(r.out.buffer, r.out.byteOffset, r.out.byteLength);
    const policy = cfg.policy ?? null;
    const keep: Buffer[] = [];
    let stop: unknown = null;
    const report = (at: number, reason: string, raw: string | Buffer): boolean => {
      try {
        rejects.reject({ source: name, line: base + at + 1 }, reason, raw);
        return true;
      } catch (err) {
        stop = err;
        return false;
      }
    };
    let j = 0;
    const reportUpTo = (at: number): boolean => {
      for (; j < r.rejects.length && r.rejects[j].at < at; j++) {
        const raw = r.rejects[j].raw;
        if (!report(r.rejects[j].at, r.rejects[j].reason, typeof raw === 'string' ? raw : Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength))) return false;
      }
      return true;
    };
    const start = (i: number): number => (i > 0 ? r.ends[i - 1] : 0);
    // Output not yet kept or cut away starts here; an event dropped is cut out of it.
    let from = 0;
    const drop = (i: number): void => {
      if (start(i) > from) keep.push(out.subarray(from, start(i)));
      from = r.ends[i];
    };
    const lines = policy && r.input ? new LineCursor(r.input) : null;
    policy?.tick();
    let cut = r.ends.length;
    let last = -1;
    for (let i = 0; i < r.ends.length; i++) {
      if (!reportUpTo(r.at[i])) {
        cut = i;
        break;
      }
      if (policy) {
        // A canonical line starts with {"time":" and the time has no escapes.
        const reason = policy.check(r.instants[i], () => out.toString('latin1', start(i) + 9, out.indexOf(34, start(i) + 9)));
        if (reason !== undefined) {
          drop(i);
          // The line as it came; the canonical event if the lines were not kept.
          const raw = lines?.line(r.at[i]) ?? out.subarray(start(i), r.ends[i] - 1);
          if (!report(r.at[i], reason, raw)) {
            cut = i;
            break;
          }
          continue;
        }
      }
      if (cfg.dedupe && cfg.dedupe.seenHash(r.hashes[2 * i], r.hashes[2 * i + 1], r.us[i])) {
        counts.duplicates++;
        drop(i);
        continue;
      }
      counts.events++;
      last = i;
    }
    if (stop === null) reportUpTo(Infinity);
    const end = cut > 0 ? r.ends[cut - 1] : 0;
    if (end > from) keep.push(out.subarray(from, end));
    if (last >= 0) counts.newest = out.toString('latin1', start(last) + 9, out.indexOf(34, start(last) + 9));
    // Under --strict, what came before the bad line is written, then the run stops.
    if (stop !== null) stopped = stop;
    return keep;
  }

  try {
    run.rejected = await drive(spec, opts, cfg, produce, () => [`${run.lines} lines`, `${counts.events} events`, `${counts.duplicates} duplicates`], () => [`${run.blank} blank`], () => run.lines + lineNo);
  } catch (err) {
    // drive() handled every expected error: this is a parse worker's failure.
    fail(spec.name, (err as Error).message);
  } finally {
    await pool.close();
  }
  return { ...run, ...counts };
}

/** Finds lines of a region by index, going forward only (rejects come in input order). */
class LineCursor {
  private index = 0;
  private at = 0;

  constructor(private readonly bytes: Uint8Array) {}

  /** Line `n` (0-based) as it came, without its newline and a final CR. */
  line(n: number): Buffer {
    const b = Buffer.from(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
    while (this.index < n) {
      const nl = b.indexOf(10, this.at);
      this.at = nl < 0 ? b.length : nl + 1;
      this.index++;
    }
    const nl = b.indexOf(10, this.at);
    let end = nl < 0 ? b.length : nl;
    if (end > this.at && b[end - 1] === 13) end--;
    return b.subarray(this.at, end);
  }
}
