import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * A lake writer thread started early. A Worker takes 50 ms (idle machine)
 * to 150 ms (beside periodic's fold) to bootstrap Node and load its bundle
 * before it writes a row, and the writer is the critical path of a refresh
 * with the lake (docs/LAKE.md). periodic's launcher (bin/periodic) starts
 * one before it loads periodic's bundle, so that the bootstrap overlaps
 * with that load, the argument parsing and the lock; the first batch the
 * run stages (write.ts) takes it and sends it its work. A run that writes
 * no batch (nothing new, --help) leaves it: it is unref'ed, so it never
 * keeps the process alive, and ends with it.
 */

/** The writer thread's file: next to this module in dist/lib/lake and in the bundles' folder alike. */
export const WRITER_URL = new URL('./lake-worker.js', import.meta.url);

/** How every writer thread is started. */
export const WRITER_OPTIONS: WorkerOptions = {
  // V8 flags are the process's: the launchers' --max-semi-space-size is not for workers to take again.
  execArgv: [],
  resourceLimits: { maxYoungGenerationSizeMb: 8 },
};

/** Shared through globalThis: the launcher loads this module from its own small bundle, periodic from its bundle. */
const KEY = Symbol.for('bsky-tools.lake-writer');

interface Warm {
  worker: Worker;
  /** It failed or ended before it was given work: a fresh thread reports the failure instead. */
  gone: boolean;
}

/** Starts a writer thread that waits for its work (lake-worker.ts: no workerData, the work comes as the first message). */
export function prewarmWriter(): void {
  const warm: Warm = { worker: new Worker(WRITER_URL, WRITER_OPTIONS), gone: false };
  warm.worker.unref();
  warm.worker.once('error', () => void (warm.gone = true));
  warm.worker.once('exit', () => void (warm.gone = true));
  (globalThis as Record<symbol, unknown>)[KEY] = warm;
}

/** The thread prewarmWriter started, once, ref'ed again; undefined when there is none or it is gone. */
export function takeWriter(): Worker | undefined {
  const g = globalThis as Record<symbol, unknown>;
  const warm = g[KEY] as Warm | undefined;
  delete g[KEY];
  if (warm === undefined || warm.gone) return undefined;
  warm.worker.ref();
  return warm.worker;
}

/** Ends the thread prewarmWriter started, when the run has no rows to write itself (handle-stream wrote them: segment-lake.ts). */
export function dropWriter(): void {
  void takeWriter()?.terminate();
}
