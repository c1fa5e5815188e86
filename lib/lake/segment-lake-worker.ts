import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parentPort } from 'node:worker_threads';
import { fsyncPath } from '../io/atomic-write.js';
import { BufferPool } from './parquet.js';
import { feedSegments, LakeRows } from './rows.js';
import type { SegmentDone, SegmentWork } from './segment-lake.js';

/**
 * handle-stream's lake thread (segment-lake.ts): for each published segment
 * it is given, the segment's rows as the lake's Parquet files (rows.ts, hour
 * partitions, batch 0 until periodic sets it), synced, then their folder
 * renamed into place. It lives as long as handle-stream, so its code is
 * compiled once and stays warm.
 */
const pool = new BufferPool();
let chain = Promise.resolve();
parentPort!.on('message', (work: SegmentWork) => {
  // A failure is the segment's, never the thread's: the next segment is written as usual.
  chain = chain.then(() => write(work).catch((err: Error) => ({ name: work.name, error: err.message })))
    .then((done) => parentPort!.postMessage(done satisfies SegmentDone));
});

async function write(work: SegmentWork): Promise<SegmentDone> {
  const rows = new LakeRows(work.out, 'part', 0, { hours: true, pool });
  let ended = false;
  try {
    rmSync(work.out, { recursive: true, force: true });
    mkdirSync(work.out, { recursive: true });
    await feedSegments(rows, [{ path: work.path, name: work.name }]);
    const done = await rows.end();
    ended = true;
    for (const f of done.files) fsyncPath(join(work.out, f));
    rmSync(work.to, { recursive: true, force: true });
    renameSync(work.out, work.to);
    fsyncPath(dirname(work.to));
    return { name: work.name, rows: done.rows };
  } catch (err) {
    if (!ended) rows.abandon();
    try {
      rmSync(work.out, { recursive: true, force: true });
    } catch {
      // What made the write fail may make this fail too (spool/lake not a folder): handle-stream's next start sweeps it.
    }
    const e = err as NodeJS.ErrnoException & { cause?: NodeJS.ErrnoException };
    // Gone before it was read: periodic moved it out first (and wrote its rows itself).
    if ((e.code ?? e.cause?.code) === 'ENOENT' && !ended) return { name: work.name, gone: true };
    return { name: work.name, error: e.message };
  }
}
