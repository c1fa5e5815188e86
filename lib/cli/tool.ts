import { closeSync, createReadStream, fstatSync, openSync, read, readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import yargs from 'yargs';
import { isBlank, LineSplitter, type LineRef } from '../input/split-lines.js';
import { parseDuration } from '../time.js';
import { REJECTS_CAP, Rejects, StrictStop, oneLine } from './rejects.js';
import type { DiskFull } from '../io/disk-full.js';
import { inputBytes, startProgress, type Progress } from './progress.js';
import { IoError, describeError, errorLine, isSystemError } from '../io/io-error.js';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** One command-line option, declared once: yargs parses it and --help prints it. */
export interface OptionSpec {
  type: 'string' | 'number' | 'boolean';
  describe: string;
  default?: string | number | boolean;
  alias?: string;
  choices?: string[];
  /** May be given several times; the value is then a list. */
  array?: boolean;
  /** A number option: a whole number. */
  integer?: boolean;
  /** Inclusive bounds: of a number, or of a duration in microseconds. */
  min?: number;
  max?: number;
  /** Exclusive bounds of a number (a rate above 0, a fraction below 1). */
  above?: number;
  below?: number;
  /** A string option holding a duration (`10s`, `5m`, `1.5h`), checked by parseDuration; min/max apply to it. */
  duration?: boolean;
  /** A duration option that also takes 0 (`0`, `0s`): none. */
  zero?: boolean;
  /** Words a duration option also takes as they are (`off`). */
  words?: string[];
}

/**
 * The longest delay a Node timer takes: beyond 2^31-1 ms, setTimeout and
 * setInterval fire after 1 ms instead. Options that end up in a timer are
 * bounded by it.
 */
export const TIMER_MAX_US = 24 * 86_400_000_000;

/** What a binary is: its name, one-line summary, options and examples. */
export interface ToolSpec {
  name: string;
  summary: string;
  usage?: string;
  options: Record<string, OptionSpec>;
  examples: Array<[command: string, meaning: string]>;
  /** Whether the tool reads NDJSON lines (adds --quiet, --strict, --rejects, --max-line). */
  lines?: boolean;
}

export interface CommonOptions {
  quiet: boolean;
  strict: boolean;
  rejects?: string;
  rejectsCap: number;
  maxLine: number;
  files: string[];
}

export type Parsed<T> = T & CommonOptions;

const LINE_OPTIONS: Record<string, OptionSpec> = {
  quiet: { type: 'boolean', describe: 'no per-line errors, progress line or summary on stderr', default: false, alias: 'q' },
  strict: { type: 'boolean', describe: 'stop with status 1 at the first bad line', default: false },
  rejects: { type: 'string', describe: 'keep every rejected line verbatim in FILE, up to --rejects-cap' },
  'rejects-cap': { type: 'number', describe: 'the rejects file never grows past this many bytes: whole lines only, later rejects are counted, not kept', default: REJECTS_CAP, integer: true, min: 0 },
  // A line is held and decoded whole: V8 strings stop short of 2^29 characters.
  'max-line': { type: 'number', describe: 'reject lines longer than this many bytes, without holding them', default: 1 << 20, integer: true, min: 1, max: 1 << 28 },
};

/** Our own version, read from our package.json (yargs would find the caller's). */
export function version(): string {
  const pkg = fileURLToPath(new URL('../../../package.json', import.meta.url));
  return (JSON.parse(readFileSync(pkg, 'utf8')) as { version: string }).version;
}

/** Prints a usage error the same way for every binary and exits 2. */
export function usageError(tool: string, message: string): never {
  process.stderr.write(`${tool}: ${oneLine(message)}\nTry '${tool} --help' for more information.\n`);
  process.exit(EXIT_USAGE);
}

/** Prints a failure (I/O error, bad state) as one line and exits 1. */
export function fail(tool: string, message: string): never {
  process.stderr.write(`${tool}: ${oneLine(message, 400)}\n`);
  process.exit(EXIT_FAILURE);
}

let failuresHandled = false;

/**
 * The one place where an I/O error that no caller handled (a write to a full
 * stdout, an unwritable path) becomes one line, `TOOL: PATH: CAUSE`, and exit
 * 1 instead of a stack trace. Other errors are bugs and keep their trace.
 * Installed by parseArgs, so every binary has it.
 */
export function handleFailures(tool: string): void {
  if (failuresHandled) return;
  failuresHandled = true;
  const onError = (err: unknown): void => {
    if (err instanceof IoError || err instanceof InputError || isSystemError(err)) fail(tool, errorLine(err));
    process.stderr.write(`${tool}: internal error: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exit(EXIT_FAILURE);
  };
  process.on('uncaughtException', onError);
  process.on('unhandledRejection', onError);
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    // Deferred, so that a tool's own handler runs first (bsky-jetstream saves its cursor).
    setImmediate(() => {
      // A closed reader (`| head`) is success; any other stdout error (a full disk: /dev/full) is a failure.
      if (err.code === 'EPIPE') process.exit(EXIT_OK);
      fail(tool, `stdout: ${describeError(err)}`);
    });
  });
}

/** Parses argv against the spec; usage errors exit 2, --help and --version exit 0. */
export function parseArgs<T>(spec: ToolSpec, argv = process.argv.slice(2)): Parsed<T> {
  handleFailures(spec.name);
  const options = spec.lines ? { ...spec.options, ...LINE_OPTIONS } : spec.options;
  // The build asks each tool for its spec to write its man page from (scripts/man-pages.mjs): one source for both.
  if (process.env.BSKY_TOOL_SPEC === '1') {
    process.stdout.write(JSON.stringify({ ...spec, options, version: version() }) + '\n');
    process.exit(EXIT_OK);
  }
  let y = yargs(argv)
    .scriptName(spec.name)
    .usage(`${spec.usage ?? `${spec.name} [options] [FILE...]`}\n\n${spec.summary}`)
    .parserConfiguration({ 'camel-case-expansion': true, 'strip-dashed': false })
    .version(false)
    .option('version', { type: 'boolean', describe: 'print the version and exit' })
    .help('help')
    .alias('help', 'h')
    .strictOptions()
    .wrap(Math.min(100, process.stdout.columns || 100))
    .fail((msg, err) => usageError(spec.name, msg || err?.message || 'invalid arguments'));
  for (const [name, o] of Object.entries(options)) {
    y = y.option(name, { type: o.type, describe: o.describe, default: o.default, alias: o.alias, choices: o.choices, requiresArg: o.type !== 'boolean' });
  }
  for (const [cmd, meaning] of spec.examples) y = y.example(cmd, meaning);
  const args = y.parseSync() as Record<string, unknown>;
  if (args.version) {
    process.stdout.write(`${spec.name} ${version()}\n`);
    process.exit(EXIT_OK);
  }
  for (const [name, o] of Object.entries(options)) {
    const value = args[name];
    if (Array.isArray(value) && !o.array) usageError(spec.name, `--${name} given more than once`);
    for (const v of Array.isArray(value) ? value : [value]) {
      const bad = v === undefined ? undefined : checkValue(o, v, rawValue(argv, name));
      if (bad !== undefined) usageError(spec.name, `--${name}: ${bad}`);
    }
    // yargs gives a repeated option as a list and a single one as a value; a yargs array option would swallow positionals.
    if (o.array && value !== undefined && !Array.isArray(value)) args[name] = [value];
  }
  const files = ((args._ as unknown[]) ?? []).map(String);
  return { ...(args as T & CommonOptions), files };
}

/**
 * Checks one option value against its spec's constraints (the one place
 * where every tool's numbers and durations are checked); returns what is
 * wrong, or undefined.
 */
export function checkValue(o: OptionSpec, value: unknown, raw?: string): string | undefined {
  if (o.type === 'number') {
    const n = value as number;
    if (typeof n !== 'number' || Number.isNaN(n)) return `expected a number${raw === undefined ? '' : `, got '${oneLine(raw, 40)}'`}`;
    if (!Number.isFinite(n)) return `expected a finite number, got ${n}`;
    const wanted = rangeText(o, o.integer ? 'a whole number' : 'a number', String);
    if (o.integer && !Number.isSafeInteger(n)) return `expected ${wanted}, got ${n}`;
    if ((o.min !== undefined && n < o.min) || (o.max !== undefined && n > o.max) || (o.above !== undefined && n <= o.above) || (o.below !== undefined && n >= o.below)) {
      return `expected ${wanted}, got ${n}`;
    }
    return undefined;
  }
  if (o.duration && o.type === 'string') {
    const text = String(value).trim();
    if (o.words?.includes(text) || (o.zero && ZERO.test(text))) return undefined;
    const examples = ['10s', '5m', ...(o.zero ? ['0'] : []), ...(o.words ?? [])];
    const wanted = `${rangeText(o, 'a duration', showDuration)} (e.g. ${examples.join(', ')})`;
    const us = parseDuration(text);
    if (us === undefined || (o.min !== undefined && us < o.min) || (o.max !== undefined && us > o.max)) return `expected ${wanted}, got '${oneLine(String(value), 40)}'`;
  }
  return undefined;
}

/** The text given for --name on the command line (yargs turns 'abc' into NaN for a number). */
function rawValue(argv: string[], name: string): string | undefined {
  for (let i = argv.length - 1; i >= 0; i--) {
    if (argv[i] === `--${name}`) return argv[i + 1];
    if (argv[i].startsWith(`--${name}=`)) return argv[i].slice(name.length + 3);
  }
  return undefined;
}

const ZERO = /^0+(\.0*)?(us|ms|s|m|h|d)?$/;

/** A duration option's value in microseconds: 0 for a zero, undefined for one of its words. */
export function durationValue(text: string): number | undefined {
  return ZERO.test(text.trim()) ? 0 : parseDuration(text);
}

function rangeText(o: OptionSpec, what: string, show: (n: number) => string): string {
  if (o.min !== undefined && o.max !== undefined) return `${what} from ${show(o.min)} to ${show(o.max)}`;
  const parts: string[] = [];
  if (o.min !== undefined) parts.push(`at least ${show(o.min)}`);
  if (o.above !== undefined) parts.push(`above ${show(o.above)}`);
  if (o.max !== undefined) parts.push(`at most ${show(o.max)}`);
  if (o.below !== undefined) parts.push(`below ${show(o.below)}`);
  return parts.length ? `${what} ${parts.join(' and ')}` : what;
}

/** A duration in microseconds as a user would type it: `24d`, `90s`, `500ms`. */
export function showDuration(us: number): string {
  for (const [unit, size] of [['d', 86_400_000_000], ['h', 3_600_000_000], ['m', 60_000_000], ['s', 1_000_000], ['ms', 1000]] as const) {
    if (us >= size && us % size === 0) return `${us / size}${unit}`;
  }
  return `${us}us`;
}

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

/** Installs the one place where a closed stdout (`| head`) becomes a quiet exit 0. */
export function quietOnBrokenPipe(): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    // Other errors reach whoever is writing (pipeline() rejects); only a closed reader is success.
    if (err.code === 'EPIPE') process.exit(EXIT_OK);
  });
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
 * The chunks of one input (a file, or stdin for '-'), until the end or until
 * the signal aborts: what was read by then is still handed over. A read
 * error becomes an InputError naming the input. A chunk is valid until the
 * next one is asked for: regular files are read into one reused buffer (a
 * new buffer per chunk is garbage that waits for a full GC: tens of MB at
 * full speed); pipes and terminals through a stream, whose reads the signal
 * can interrupt.
 */
export async function* readInput(source: string, signal?: AbortSignal): AsyncGenerator<Buffer> {
  if (signal?.aborted) return;
  const name = source === '-' ? 'stdin' : source;
  let fd: number;
  let isFile: boolean;
  try {
    fd = source === '-' ? 0 : openSync(source, 'r');
    isFile = fstatSync(fd).isFile();
  } catch (err) {
    throw new InputError(`${name}: ${describeError(err)}`);
  }
  if (isFile) {
    yield* readFile(fd, name, signal);
    return;
  }
  // The fd already open is read, not the path again: closing a FIFO and reopening it
  // leaves its writer with no reader for a moment, and it dies of SIGPIPE.
  const input = source === '-' ? process.stdin : createReadStream('', { fd, highWaterMark: 1 << 18 });
  // Destroying the input wakes a read that waits on an idle pipe.
  const stop = (): void => void input.destroy();
  signal?.addEventListener('abort', stop);
  try {
    for await (const chunk of input) {
      yield chunk as Buffer;
      if (signal?.aborted) return;
    }
  } catch (err) {
    if (!signal?.aborted) throw new InputError(`${name}: ${describeError(err)}`);
  } finally {
    signal?.removeEventListener('abort', stop);
  }
}

const readAsync = promisify(read);

async function* readFile(fd: number, name: string, signal?: AbortSignal): AsyncGenerator<Buffer> {
  const buf = Buffer.allocUnsafeSlow(1 << 18);
  try {
    for (;;) {
      let n: number;
      try {
        ({ bytesRead: n } = await readAsync(fd, buf, 0, buf.length, null));
      } catch (err) {
        throw new InputError(`${name}: ${describeError(err)}`);
      }
      if (n === 0) return;
      yield buf.subarray(0, n);
      if (signal?.aborted) return;
    }
  } finally {
    if (fd !== 0) closeSync(fd);
  }
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
  try {
    // Never end our stdout: when it is a socket shared with the parent (a Node or
    // Python caller), ending it shuts the socket down for every later writer too.
    progress = run.progress ? startProgress(spec.name, opts.quiet, inputBytes(opts.files), lines) : undefined;
    await pipeline(() => produce(rejects, progress), output, { end: output !== process.stdout });
    await rejects.drained();
    run.commit?.();
  } catch (err) {
    rejects.close();
    if (err instanceof StrictStop) fail(spec.name, err.message.slice(spec.name.length + 2) + ' (--strict)');
    if ((err as NodeJS.ErrnoException).code === 'EPIPE') process.exit(EXIT_OK);
    if (err instanceof InputError || err instanceof IoError) fail(spec.name, err.message);
    if (err === outputError && isSystemError(err)) fail(spec.name, `${run.outputName ?? 'stdout'}: ${describeError(err)}`);
    throw err;
  }
  rejects.close();
  progress?.end();
  if (!opts.quiet) process.stderr.write(`${spec.name}: ${[...head(), `${rejects.count} rejected`, ...tail()].join(', ')}\n${rejects.capSummary()}`);
  return rejects.count;
}

class InputError extends Error {}
