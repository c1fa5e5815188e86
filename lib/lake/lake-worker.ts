import { parentPort, workerData } from 'node:worker_threads';
import { feedSegments, LakeParts, type Part } from './prepare.js';

/** What BatchStager gives the worker: the segments of a batch, in fold order, and the staging folder for its part files. */
export interface LakeWork {
  segments: Array<{ path: string; name: string }>;
  dir: string;
}

/** What the worker sends: each part file as it is written, then the end. */
export type LakeMessage = { part: Part } | { done: true };

/** Part files written but not yet taken by DuckDB, at most: the worker waits past this (the staging folder stays small). */
const AHEAD = 2;

/**
 * The lake's JS pass, off periodic's main thread (which folds the same
 * segments meanwhile): reads the batch's segments and writes them as
 * NDJSON part files for DuckDB (prepare.ts); the main thread runs DuckDB on
 * each part and acknowledges it.
 */
const work = workerData as LakeWork;
const port = parentPort!;
let ahead = 0;
let wake: (() => void) | undefined;
port.on('message', () => {
  ahead--;
  wake?.();
  wake = undefined;
});
const parts = new LakeParts(work.dir, async (part) => {
  ahead++;
  port.postMessage({ part } satisfies LakeMessage);
  while (ahead >= AHEAD) await new Promise<void>((resolve) => (wake = resolve));
});
await feedSegments(parts, work.segments);
await parts.end();
port.postMessage({ done: true } satisfies LakeMessage);
// Nothing more to receive: let the thread end.
port.close();
