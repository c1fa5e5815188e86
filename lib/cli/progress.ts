import { fstatSync, statSync } from 'node:fs';
import { humanSeconds } from '../time.js';

/**
 * How often the line is redrawn: a few times a second, and never more (each
 * draw is a write to the terminal). BSKY_PROGRESS_MS=0 draws at every chunk:
 * the tests' way to have drawings in mid-run without waiting for the clock.
 */
const EVERY_MS = everyMs(process.env.BSKY_PROGRESS_MS);

function everyMs(text: string | undefined): number {
  const ms = Number(text ?? 250);
  return Number.isFinite(ms) && ms >= 0 ? ms : 250;
}

/** What the progress line counts towards its percentage: input bytes, or the events of a lake. */
export interface ProgressTotal {
  amount: number;
  unit: 'bytes' | 'events';
}

/**
 * One self-overwriting line on stderr for long batch work: percent done,
 * events (lines) and their rate, ETA. Drawn at the start, then at most
 * every 250 ms from add(), which costs a clock read, and once more by end(),
 * whose final state stays on screen, ended by a newline, however short the run.
 */
export class Progress {
  private done = 0;
  private lines = 0;
  private readonly started = performance.now();
  private next = this.started + EVERY_MS;
  private drawn = false;
  /** stderr's own write, put back by end(). */
  private readonly original = process.stderr.write;
  private readonly clearOnExit = (): void => this.clear();

  constructor(
    private readonly label: string,
    private readonly total: ProgressTotal,
    /** The live count of lines (events) handled, when the caller keeps one. */
    private readonly count?: () => number,
    private readonly unit = 'lines',
  ) {
    // Whatever else goes to stderr (a rejected line, a failure, a warning) first wipes the line, so
    // that it never ends up glued to the end of the progress text; the next draw puts it back.
    process.stderr.write = ((...args: Parameters<typeof process.stderr.write>) => {
      this.clear();
      return this.original.apply(process.stderr, args);
    }) as typeof process.stderr.write;
    // An exit in mid-run (a broken pipe, a failure) leaves no half line for the shell prompt to land on.
    process.once('exit', this.clearOnExit);
    // Drawn at once: a rebuild sorts the lake before its first event comes out.
    this.draw(false);
  }

  /** Counts what was just read (bytes, or events of a lake) and the lines so far when the caller knows them; redraws when due. */
  add(done: number, lines?: number): void {
    this.done += done;
    if (lines !== undefined) this.lines = lines;
    if (performance.now() >= this.next) this.draw(false);
  }

  /** Draws the final state, ends the line with a newline and gives stderr back. */
  end(lines?: number): void {
    if (lines !== undefined) this.lines = lines;
    this.draw(true);
    this.write('\n');
    this.drawn = false;
    process.stderr.write = this.original;
    process.removeListener('exit', this.clearOnExit);
  }

  private draw(final: boolean): void {
    const now = performance.now();
    this.next = now + EVERY_MS;
    const seconds = Math.max(1e-3, (now - this.started) / 1000);
    const lines = this.count?.() ?? this.lines;
    const { amount, unit } = this.total;
    const share = amount > 0 ? Math.min(1, this.done / amount) : 1;
    // Over a lake the events are the total itself: their count would say the percentage again.
    const parts = unit === 'bytes'
      ? [`${(100 * share).toFixed(1)}% of ${(amount / 1e6).toFixed(1)} MB`, `${lines.toLocaleString('en-US')} ${this.unit}`]
      : [`${(100 * share).toFixed(1)}% of ${amount.toLocaleString('en-US')} ${this.unit}`];
    parts.push(`${Math.round(lines / seconds).toLocaleString('en-US')}/s`);
    // The ETA assumes the rest goes at the average rate so far; the final line says how long it took.
    if (final) parts.push(`done in ${humanSeconds(seconds)}`);
    else if (share > 0) parts.push(`ETA ${humanSeconds((seconds * (1 - share)) / share)}`);
    const text = `${this.label}: ${parts.join(', ')}`;
    // Never wider than the terminal: a wrapped line cannot be overwritten with \r.
    const width = process.stderr.columns || 80;
    this.write(`\r\x1b[K${text.length >= width ? text.slice(0, width - 1) : text}`);
    this.drawn = true;
  }

  private write(text: string): void {
    this.original.call(process.stderr, text);
  }

  private clear(): void {
    if (!this.drawn) return;
    this.drawn = false;
    this.write('\r\x1b[K');
  }
}

/**
 * A progress line when it has somewhere to go: stderr is a terminal, --quiet
 * was not given and the total is known (every input is a regular file). A
 * pipe has no end to measure against, and in a pipeline every tool shares
 * the one terminal: only the tool reading the file draws.
 */
export function startProgress(label: string, quiet: boolean, total: ProgressTotal | undefined, count?: () => number, unit?: string): Progress | undefined {
  if (quiet || !process.stderr.isTTY || total === undefined) return undefined;
  return new Progress(label, total, count, unit);
}

/** Whether a progress line would be drawn: worth a look-up (a count over the lake) only then. */
export function progressWanted(quiet: boolean): boolean {
  return !quiet && Boolean(process.stderr.isTTY);
}

/** The total size of the inputs (stdin for none or `-`) when every one is a regular file; undefined otherwise. */
export function inputBytes(files: string[]): ProgressTotal | undefined {
  let amount = 0;
  for (const f of files.length ? files : ['-']) {
    try {
      const s = f === '-' ? fstatSync(0) : statSync(f);
      if (!s.isFile()) return undefined;
      amount += s.size;
    } catch {
      // The read names the missing file; the progress line just stays away.
      return undefined;
    }
  }
  return { amount, unit: 'bytes' };
}
