import { cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { setConstant } from './concat.js';
import { EVENTS, partitionDir, STAGING, walk } from './layout.js';
import { WRITER_OPTIONS } from './prewarm.js';

/**
 * The lake's rows written by handle-stream (docs/LAKE.md, Segment files).
 * periodic is a new process every refresh: its writer thread ran cold code
 * (interpreted, then compiled again each run), about half of a refresh with
 * the lake. handle-stream lives across refreshes, so its writer runs warm:
 * once it has published a segment, a thread of its own writes that
 * segment's rows as Parquet into `SPOOL/lake/SEGMENT/date=D/hour=H/`, the
 * same rows periodic's writer would make (rows.ts), with `batch` left to
 * set. A refresh then moves those files into the lake and sets their batch
 * (setConstant: a few bytes); only a segment without them (handle-stream
 * --no-lake, an older handle-stream, a segment published a moment before
 * the refresh, a failed write) is written by periodic's own thread.
 *
 * A segment's folder appears by a rename once every file in it is written
 * and synced: `SPOOL/lake/.open/SEGMENT/` until then, which handle-stream
 * empties when it starts (it holds the spool's lock). periodic deletes the
 * folders of segments it has moved out of the spool.
 */
export const SPOOL_LAKE = 'lake';
const OPEN = '.open';
/** Where periodic puts a segment's folder aside when its lake is on another file system (takeFolder). */
const TAKEN = '.taken';

/** What handle-stream's lake thread is given: a published segment, where to write, and where its folder goes when done. */
export interface SegmentWork {
  path: string;
  name: string;
  out: string;
  to: string;
}

/** What the thread answers: the rows written, or why none were. */
export interface SegmentDone {
  name: string;
  rows?: number;
  error?: string;
  /** The segment was gone before it was read (periodic took it first): nothing to report. */
  gone?: boolean;
}

/** The thread's file: next to this module in dist/lib/lake and in the bundles' folder alike. */
const WORKER_URL = new URL('./segment-lake-worker.js', import.meta.url);

/**
 * handle-stream's side: add() each segment once it is published; a worker
 * thread writes them one after another, in order. drained() waits for the
 * ones added so far; close() stops the thread (what it has not finished is
 * left to periodic).
 */
export class SegmentLake {
  private worker: Worker | undefined;
  private readonly queue: string[] = [];
  private busy = false;
  private waiting: Array<() => void> = [];
  private lastError = '';
  /** Segments whose files were written, and those left to periodic by a failure (the thread's death included): handle-stream.prom. */
  readonly counts = { written: 0, failed: 0 };

  constructor(private readonly spool: string, private readonly warn: (message: string) => void) {
    // A folder a killed handle-stream left half written. Failing that, the stream goes on: each segment's files then fail
    // in turn (said once, counted), and periodic writes their rows.
    try {
      rmSync(join(spool, SPOOL_LAKE, OPEN), { recursive: true, force: true });
    } catch (err) {
      warn(`${join(spool, SPOOL_LAKE, OPEN)}: ${(err as Error).message}`);
    }
  }

  add(name: string): void {
    this.queue.push(name);
    this.next();
  }

  /** Resolves once every segment added so far is written (or failed). */
  drained(): Promise<void> {
    if (!this.busy && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    this.queue.length = 0;
    if (w) await w.terminate();
    for (const resolve of this.waiting.splice(0)) resolve();
  }

  private next(): void {
    if (this.busy) return;
    const name = this.queue.shift();
    if (name === undefined) {
      for (const resolve of this.waiting.splice(0)) resolve();
      return;
    }
    this.busy = true;
    this.worker ??= this.start();
    const lake = join(this.spool, SPOOL_LAKE);
    this.worker.postMessage({ path: join(this.spool, name), name, out: join(lake, OPEN, name), to: join(lake, name) } satisfies SegmentWork);
  }

  private start(): Worker {
    // Started as periodic's writer threads are.
    const w = new Worker(WORKER_URL, WRITER_OPTIONS);
    w.on('message', (m: SegmentDone) => {
      this.busy = false;
      if (m.rows !== undefined) this.counts.written++;
      if (m.error !== undefined) {
        this.counts.failed++;
        // Once per kind of failure (a full disk says so every segment): periodic writes those rows itself.
        if (m.error !== this.lastError) this.warn(`lake files of ${m.name} not written (${m.error}); periodic writes its rows itself`);
        this.lastError = m.error;
      }
      this.next();
    });
    w.on('error', (err) => {
      // The thread died: the segments waiting are left to periodic; the next one published starts a new thread.
      this.warn(`the lake's writer thread failed (${err.message}); periodic writes the rows of the segments it had not written`);
      this.worker = undefined;
      // The segment it was writing and the ones waiting.
      this.counts.failed += (this.busy ? 1 : 0) + this.queue.length;
      this.busy = false;
      this.queue.length = 0;
      for (const resolve of this.waiting.splice(0)) resolve();
    });
    return w;
  }
}

/**
 * periodic's side, for batch `batch`: the files handle-stream wrote for the
 * segments `names` (in fold order) moved into the lake's staging folder
 * with their batch set; `cold` the segments without such files, which
 * periodic's writer thread writes. A segment's folder is taken whole by one
 * rename, so that it is in the spool or in staging, never half in each (when
 * the lake is on another file system: renamed aside in the spool, then
 * copied). In a lake of date partitions (begun before hours), a file of
 * hour H goes to its date folder. A segment whose files cannot be taken is
 * written cold (what was taken of it is deleted).
 */
export function takeSegmentFiles(lake: string, spool: string, names: string[], batch: number, hours: boolean): { files: Array<{ from: string; to: string }>; cold: string[] } {
  const files: Array<{ from: string; to: string }> = [];
  const cold: string[] = [];
  const staged = join(STAGING, `ready-${batch}`);
  rmSync(join(lake, staged), { recursive: true, force: true });
  const prefix = `part-${String(batch).padStart(8, '0')}`;
  for (const [k, name] of names.entries()) {
    const src = join(spool, SPOOL_LAKE, name);
    if (!existsSync(src)) {
      cold.push(name);
      continue;
    }
    const taken = join(staged, String(k));
    const mine: Array<{ from: string; to: string }> = [];
    try {
      takeFolder(src, join(lake, taken), join(spool, SPOOL_LAKE, TAKEN, name));
      for (const [j, f] of walk(join(lake, taken)).entries()) {
        const m = /^date=(\d{4}-\d{2}-\d{2})\/hour=(\d{1,2})\/[^/]+\.parquet$/.exec(f);
        if (!m) throw new Error(`${join(src, f)}: not a lake file`);
        const file = hours ? `${prefix}-s${k}-${j}.parquet` : `${prefix}-s${k}-${j}-h${m[2]}.parquet`;
        const from = join(taken, f);
        setConstant(join(lake, from), 'batch', batch);
        mine.push({ from, to: join(EVENTS, partitionDir(m[1], hours ? Number(m[2]) : undefined), file) });
      }
      files.push(...mine);
    } catch {
      rmSync(join(lake, taken), { recursive: true, force: true });
      cold.push(name);
    }
  }
  return { files, cold };
}

/** Moves a folder by one rename; across file systems, renamed aside to `aside` first (then it is gone from its place at once), copied, deleted. */
function takeFolder(from: string, to: string, aside: string): void {
  mkdirSync(dirname(to), { recursive: true });
  try {
    renameSync(from, to);
    return;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EXDEV') throw err;
  }
  mkdirSync(dirname(aside), { recursive: true });
  rmSync(aside, { recursive: true, force: true });
  renameSync(from, aside);
  cpSync(aside, to, { recursive: true });
  rmSync(aside, { recursive: true, force: true });
}

/**
 * Deletes the folders of segments no longer in the spool (periodic moved
 * them out: their rows are in the lake, or wait in the archive for
 * periodic's own writer), and what a killed run left aside. `.open` is
 * handle-stream's.
 */
export function sweepSegmentFiles(spool: string): void {
  const dir = join(spool, SPOOL_LAKE);
  // Something else by that name (handle-stream says so as it starts, and counts its segments' files as failed).
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return;
  for (const name of readdirSync(dir)) {
    if (name === OPEN || (name !== TAKEN && existsSync(join(spool, name)))) continue;
    rmSync(join(dir, name), { recursive: true, force: true });
  }
}
