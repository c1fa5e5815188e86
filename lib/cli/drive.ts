import { pipeline } from 'node:stream/promises';
import type { DiskFull } from '../io/disk-full.js';
import { IoError, describeError, isSystemError } from '../io/io-error.js';
import { isBlank, LineSplitter, type LineRef } from '../input/split-lines.js';
import { exitOnBrokenPipe, fail, failFlushed, quietOnBrokenPipe } from './exit.js';
import { InputError, readInput } from './input.js';
import { Rejects, StrictStop } from './rejects.js';
import type { CommonOptions, ToolSpec } from './spec.js';
import { inputBytes, startProgress, type Progress } from './progress.js';

/** Where output goes, a batch at a time. */
export type Emit = (text: string) => void;

/** A line-oriented tool: the driver splits, counts and reports; the tool handles good lines. */
export interface LineTool {
  /**
   * Optional: a valid UTF-8 line offered as bytes (buf[from, to)) before it
   * is decoded; true when the tool is done with it (it filtered it out),
   * false to have it decoded and given to line().
   */
  bytes?(buf: Buffer, from: number, to: number): boolean;
  /** Handles one non-blank text line; returns a reason to reject it, or undefined. */
  line(text: string, ref: LineRef, emit: Emit, last: boolean): string | undefined;
  /** Called after each input chunk, before its output is written: for tools that batch. */
  flush?(emit: Emit): void;
  /** Called once at the end of all input. */
  end?(emit: Emit): void | Promise<void>;
  /** Tool-specific counts for the closing summary, e.g. ['420 events', '3 duplicates']. */
  summary?(): string[];
}

/** How runLines is wired: where output goes, when to stop early, how rejects are kept. */
export interface RunOptions {
  /** Default: stdout. */
  output?: NodeJS.WritableStream;
  /** Told the run's Rejects once made (handle-stream reads its counts by reason for Prometheus). */
  onRejects?: (rejects: Rejects) => void;
  /** Aborting stops reading at the next chunk; what was read is still handled and written. */
  signal?: AbortSignal;
  /** Append to the rejects file instead of replacing it (a long-running spooler). */
  appendRejects?: boolean;
  /** Told the size of every input chunk read and the lines rejected so far, for progress reports. */
  onChunk?: (bytes: number, rejected: number) => void;
  /** The output's name in error messages (default: stdout). */
  outputName?: string;
  /** Called once all output is written, before the summary: an atomic file's rename. */
  commit?: () => void;
  /** Wait out a full disk for the rejects file (handle-stream) instead of failing. */
  diskFull?: DiskFull;
  /** A batch tool: draw a progress line on a terminal while reading regular files (lib/cli/progress.ts). */
  progress?: boolean;
}

/** What runLines counted: every physical line is one of handled, rejected or blank. */
export interface RunCounts {
  lines: number;
  blank: number;
  rejected: number;
}

/**
 * Runs a line tool over the files named (or stdin): splits lines, rejects bad
 * ones, lets pipeline() write the output with backpressure, prints the summary.
 */
export async function runLines(spec: ToolSpec, opts: CommonOptions, tool: LineTool, run: RunOptions = {}): Promise<RunCounts> {
  const counts: RunCounts = { lines: 0, blank: 0, rejected: 0 };
  let out: string[] = [];
  const emit: Emit = (text) => {
    out.push(text);
  };
  const take = (): string => {
    const text = out.join('');
    out = [];
    return text;
  };
  // The input being split, whose lines the progress line counts until they join counts.lines.
  let reading: LineSplitter | undefined;
  async function* produce(rejects: Rejects, progress?: Progress): AsyncGenerator<string> {
    for (const source of opts.files.length ? opts.files : ['-']) {
      const name = source === '-' ? 'stdin' : source;
      const splitter = new LineSplitter(name, opts.maxLine, {
        bytes: tool.bytes && ((buf, from, to) => tool.bytes!(buf, from, to)),
        line(text, ref, last) {
          if (isBlank(text)) {
            counts.blank++;
            return;
          }
          const reason = tool.line(text, ref, emit, last);
          if (reason !== undefined) rejects.reject(ref, last ? `${reason} (last line has no newline: truncated?)` : reason, text);
        },
        bad: (reason, ref, raw) => rejects.reject(ref, reason, raw),
        spill: (bytes) => rejects.spill(bytes),
      });
      reading = splitter;
      for await (const chunk of readInput(source, run.signal)) {
        splitter.push(chunk);
        run.onChunk?.(chunk.length, rejects.count);
        progress?.add(chunk.length);
        tool.flush?.(emit);
        if (out.length) yield take();
        if (rejects.blocked) await rejects.drained();
      }
      splitter.end();
      tool.flush?.(emit);
      counts.lines += splitter.lines;
      reading = undefined;
      if (out.length) yield take();
    }
    if (tool.end) await tool.end(emit);
    if (out.length) yield take();
  }
  counts.rejected = await drive(spec, opts, run, produce, () => [`${counts.lines} lines`, ...(tool.summary?.() ?? [])], () => [`${counts.blank} blank`], () => counts.lines + (reading?.lines ?? 0));
  return counts;
}

/**
 * What every line tool shares around its own loop: opens the rejects file,
 * writes what `produce` yields through pipeline() (backpressure), turns
 * --strict stops, input errors and a closed stdout into the right exit, and
 * prints the summary: `head` counts, the rejected count, `tail` counts.
 * Returns the number of rejected lines.
 */
export async function drive(
  spec: ToolSpec, opts: CommonOptions, run: RunOptions,
  produce: (rejects: Rejects, progress?: Progress) => AsyncGenerator<string | Buffer>,
  head: () => string[], tail: () => string[], lines?: () => number,
): Promise<number> {
  const output = run.output ?? process.stdout;
  quietOnBrokenPipe();
  let rejects: Rejects;
  try {
    rejects = new Rejects(spec.name, opts, run.appendRejects, run.diskFull);
  } catch (err) {
    fail(spec.name, `--rejects ${(err as Error).message}`);
  }
  run.onRejects?.(rejects);
  let outputError: unknown = null;
  let progress: Progress | undefined;
  output.once('error', (err) => {
    outputError = err;
  });
  // A --strict stop or an input error ends the output as the end of the input would: what
  // was written before it goes out whole (failFlushed), never cut by pipeline() destroying stdout.
  const stop: { err?: StrictStop | InputError | IoError } = {};
  async function* guarded(): AsyncGenerator<string | Buffer> {
    try {
      yield* produce(rejects, progress);
    } catch (err) {
      if (!(err instanceof StrictStop || err instanceof InputError || err instanceof IoError)) throw err;
      stop.err = err;
    }
  }
  try {
    // Never end our stdout: when it is a socket shared with the parent (a Node or
    // Python caller), ending it shuts the socket down for every later writer too.
    progress = run.progress ? startProgress(spec.name, opts.quiet, inputBytes(opts.files), lines) : undefined;
    await pipeline(guarded, output, { end: output !== process.stdout });
    if (stop.err === undefined) {
      await rejects.drained();
      run.commit?.();
    }
  } catch (err) {
    rejects.close();
    exitOnBrokenPipe(err);
    if (err === outputError && isSystemError(err)) fail(spec.name, `${run.outputName ?? 'stdout'}: ${describeError(err)}`);
    throw err;
  }
  if (stop.err !== undefined) {
    rejects.close();
    const err = stop.err;
    await failFlushed(spec.name, err instanceof StrictStop ? err.message.slice(spec.name.length + 2) + ' (--strict)' : err.message, output);
  }
  rejects.close();
  progress?.end();
  if (!opts.quiet) process.stderr.write(`${spec.name}: ${[...head(), `${rejects.count} rejected`, ...tail()].join(', ')}\n${rejects.capSummary()}`);
  return rejects.count;
}
