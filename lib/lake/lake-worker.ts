import { parentPort, workerData } from 'node:worker_threads';
import { openDuck, type DuckOptions } from './duck.js';
import { feedSegments, LakeParts } from './prepare.js';
import { copyPart } from './write.js';

/** What BatchStager gives the worker: the segments of a batch in fold order, where to write, and DuckDB's settings. */
export interface LakeWork {
  segments: Array<{ path: string; name: string }>;
  /** The batch's staging folder: part files, and the Parquet files under `out`. */
  dir: string;
  out: string;
  /** Parquet file names start with this. */
  name: string;
  batch: number;
  duck: DuckOptions;
}

/** What the worker sends at the end. */
export interface LakeDone {
  rows: number;
}

/**
 * The lake's writer thread, off periodic's main thread (which folds the same
 * segments meanwhile): reads the batch's segments into NDJSON part files
 * (prepare.ts) and has DuckDB (loaded here, on one thread of its own) write
 * each as zstd Parquet while the next is prepared: one part in flight.
 */
const work = workerData as LakeWork;
// Asked to stop (periodic failed): stop reading, let the COPY in flight end, close DuckDB, end the thread.
// Terminating the thread during a COPY aborts the whole process (a native exception), hence this.
let stopping = false;
parentPort!.on('message', (m) => void (m === 'stop' && (stopping = true)));
// Loading DuckDB takes a third of a second or more: the JS pass prepares the first part meanwhile.
const opening = openDuck(work.duck);
// A failed open is reported when awaited (first part, or the end), never left unhandled.
opening.catch(() => undefined);
let rows = 0;
let writing: Promise<void> = Promise.resolve();
const parts = new LakeParts(work.dir, async (part) => {
  const { db } = await opening;
  await writing;
  writing = copyPart(db, part, work).then((n) => void (rows += n));
  // A failed write is reported when awaited (next part or the end), never left unhandled.
  writing.catch(() => undefined);
});
try {
  await feedSegments(parts, work.segments, () => stopping);
  if (!stopping) await parts.end();
  await writing;
} finally {
  (await opening.catch(() => undefined))?.close();
}
if (!stopping) parentPort!.postMessage({ rows } satisfies LakeDone);
// Nothing more to receive: let the thread end.
parentPort!.close();
