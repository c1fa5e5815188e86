import { parentPort, workerData } from 'node:worker_threads';
import { feedSegments, LakeRows, type SegmentRange } from './rows.js';

/** What BatchStager gives the worker: the segments of a batch in fold order and where to write. */
export interface LakeWork {
  segments: SegmentRange[];
  /** The Parquet files go under this folder (`date=YYYY-MM-DD/hour=H/NAME-K.parquet`). */
  out: string;
  /** Hour partitions (a lake of format 3 on, layout.ts); else date partitions. */
  hours: boolean;
  /** Parquet file names start with this. */
  name: string;
  batch: number;
}

/** What the worker sends at the end. */
export interface LakeDone {
  rows: number;
}

/**
 * The lake's writer thread, off periodic's main thread (which folds the same
 * segments meanwhile): reads the batch's segments and writes their rows as
 * zstd Parquet (rows.ts, parquet.ts), each row group compressed in libuv's
 * pool while the next one fills.
 */
// Asked to stop (periodic failed): stop reading, end the thread; the staged files are never committed.
let stopping = false;
let given: (work: LakeWork) => void = () => undefined;
const message = new Promise<LakeWork>((resolve) => (given = resolve));
parentPort!.on('message', (m: LakeWork | 'stop') => (m === 'stop' ? (stopping = true) : given(m)));
// The work comes as workerData, or as the first message to a thread started before periodic knew it (prewarm.ts).
const work = (workerData as LakeWork | undefined) ?? await message;
const rows = new LakeRows(work.out, work.name, work.batch, { hours: work.hours });
// Fault injection for the tests, as rollup's: BSKY_FAIL_AT=lake-write[:n], the writer fails after its n-th chunk of input.
const failAt = /^lake-write(?::(\d+))?$/.exec(process.env.BSKY_FAIL_AT ?? '');
let chunks = 0;
const stopped = (): boolean => {
  if (failAt && ++chunks >= Number(failAt[1] ?? 1)) throw new Error(`injected failure (BSKY_FAIL_AT=${process.env.BSKY_FAIL_AT})`);
  return stopping;
};
let done: { rows: number } | undefined;
try {
  await feedSegments(rows, work.segments, stopped);
  if (!stopping) done = await rows.end();
} finally {
  if (done === undefined) rows.abandon();
}
if (done !== undefined) parentPort!.postMessage({ rows: done.rows } satisfies LakeDone);
// Nothing more to receive: let the thread end.
parentPort!.close();
