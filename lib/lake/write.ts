import { mkdirSync, rmSync, statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { takeWriter, WRITER_OPTIONS, WRITER_URL } from './prewarm.js';
import { EVENTS, HOURS, readFormat, STAGING, walk } from './layout.js';
import { GROUP_ROWS } from './parquet.js';
import { type SegmentRange } from './rows.js';
import type { LakeDone, LakeWork } from './lake-worker.js';

/** The whole record from a lake row (record, record_cut, subject); files without record_cut (written before it) hold it whole. */
export const RECORD_SQL = `CASE record_cut WHEN 1 THEN replace(record::VARCHAR, '"uri":""', '"uri":"' || subject || '"')::JSON
    WHEN 2 THEN replace(record::VARCHAR, '"subject":""', '"subject":"' || subject || '"')::JSON ELSE record END`;

/**
 * The options of every Parquet COPY of the lake (compaction): zstd level 1, as the lake's own writer (parquet.ts);
 * row groups as the writer's, or of 16 MB before compression when that comes first: DuckDB holds a row group whole
 * while it writes it (at 131,072 rows periodic's peak RSS went from 110 to 172 MB; about 20,000 rows of lake events
 * at 16 MB: 124 MB; 32 MB: a compaction step of 150 MB at 200 MB, over the target). ROW_GROUP_SIZE_BYTES needs
 * preserve_insertion_order off (lake.ts sets it for the COPY). PARQUET_VERSION V2: DuckDB's newer encodings (still
 * version 1 page headers), so that a compacted date keeps the time column delta-encoded as the writer wrote it
 * (DELTA_BINARY_PACKED integers, DELTA_LENGTH_BYTE_ARRAY plain strings, RLE_DICTIONARY): likes per minute over 10M
 * events compacted 4.96x -> 5.39x faster than DuckDB over the NDJSON (docs/LAKE.md, Session 13; readers:
 * docs/SCALE-OUT.md).
 */
export const PARQUET = `FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1, ROW_GROUP_SIZE ${GROUP_ROWS}, ROW_GROUP_SIZE_BYTES '16MB', PARQUET_VERSION V2`;

export interface Staged {
  /** Staged files (relative to the lake) and where each is published. */
  files: Array<{ from: string; to: string }>;
  rows: number;
}

/** A writer thread takes at least this many bytes of segments: below, one thread does it all (each costs a start-up and its memory). */
export const THREAD_BYTES = 4 << 20;

/**
 * Writer threads at most. periodic's main thread folds on one core; the
 * writers get the others (on 2 cores, one writer: two measured slower, 1.43
 * against 1.24 s for 60,000 events, docs/LAKE.md; more cores untested).
 */
export const MAX_THREADS = 4;

/**
 * The batch's segments cut into `n` runs of about equal bytes, in order:
 * each thread writes the lines that start in its run (rows.ts, feedSegments).
 */
export function splitRanges(segments: Array<{ path: string; name: string; bytes: number }>, n: number): SegmentRange[][] {
  const total = segments.reduce((a, s) => a + s.bytes, 0);
  const out: SegmentRange[][] = Array.from({ length: n }, () => []);
  let offset = 0;
  for (const s of segments) {
    if (s.bytes === 0) {
      // Empty (or gone: opening it reports that): the thread whose run holds this point.
      out[total === 0 ? 0 : Math.min(n - 1, Math.floor((offset * n) / total))].push({ path: s.path, name: s.name });
      continue;
    }
    for (let k = 0; k < n; k++) {
      // Thread k takes bytes [k * total / n, (k + 1) * total / n) of the segments laid end to end.
      const lo = Math.max(0, Math.floor((k * total) / n) - offset);
      const hi = Math.min(s.bytes, Math.floor(((k + 1) * total) / n) - offset);
      if (hi <= lo) continue;
      out[k].push({ path: s.path, name: s.name, ...(lo > 0 ? { from: lo } : {}), ...(k < n - 1 || hi < s.bytes ? { to: hi } : {}) });
    }
    offset += s.bytes;
  }
  return out;
}

/**
 * Stages one batch: the rows of `segments` (in fold order) written as zstd
 * Parquet, a file per partition (hour, or date) and writer thread, into the staging folder
 * of batch `batch`; nothing the readers see changes. The work runs in worker
 * threads (lake-worker.ts; two when the batch is large enough, each given
 * half its bytes), started at once: periodic starts the batch before its
 * fold, so they run beside it.
 */
export class BatchStager {
  private readonly rel: string;
  private readonly out: string;
  private readonly done: Promise<LakeDone[]>;
  private readonly workers = new Set<Worker>();

  constructor(lake: string, batch: number, segments: Array<{ path: string; name: string }>) {
    this.rel = join(STAGING, `batch-${batch}`);
    const dir = join(lake, this.rel);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    this.out = join(dir, 'out');
    const sized = segments.map((s) => ({ ...s, bytes: sizeOf(s.path) }));
    const total = sized.reduce((a, s) => a + s.bytes, 0);
    const threads = Math.max(1, Math.min(MAX_THREADS, availableParallelism() - 1, Math.floor(total / THREAD_BYTES)));
    const name = `part-${String(batch).padStart(8, '0')}`;
    // The layout the lake began with (recover() writes a new lake's FORMAT before any batch).
    const hours = readFormat(lake) >= HOURS;
    this.done = Promise.all(splitRanges(sized, threads).map((ranges, k) => this.run({ segments: ranges, out: this.out, name: `${name}-${k}`, batch, hours })));
    // A failure is reported by finish(), never left unhandled.
    this.done.catch(() => undefined);
  }

  private run(work: LakeWork): Promise<LakeDone> {
    return new Promise((resolve, reject) => {
      // The thread periodic's launcher started (prewarm.ts) is given its work by message; a new one gets it as workerData.
      const warm = takeWriter();
      const worker = warm ?? new Worker(WRITER_URL, { ...WRITER_OPTIONS, workerData: work });
      warm?.postMessage(work);
      this.workers.add(worker);
      // Its files are written and closed when it says so: no need to wait for the thread's teardown (10-15 ms).
      worker.on('message', (m: LakeDone) => resolve(m));
      worker.on('error', (err) => reject(err));
      worker.on('exit', (code) => {
        this.workers.delete(worker);
        // After the message, a no-op.
        reject(new Error(`the lake's writer thread stopped (status ${code})`));
      });
    });
  }

  /**
   * Stops the workers (the run failed): each stops reading and ends once the row group being compressed
   * is (a native call in flight). Their staged files are never committed.
   */
  async abort(): Promise<void> {
    const workers = [...this.workers];
    this.workers.clear();
    await Promise.all(workers.map((worker) => new Promise<void>((resolve) => {
      worker.once('exit', () => resolve());
      worker.postMessage('stop');
    })));
  }

  /** Waits for the workers; the staged files and where each is published. */
  async finish(): Promise<Staged> {
    const rows = (await this.done).reduce((a, d) => a + d.rows, 0);
    const files = walk(this.out).map((f) => ({ from: join(this.rel, 'out', f), to: join(EVENTS, f) }));
    return { files, rows };
  }
}

/** Stages the rows of `segments` (files) as batch `batch` (see BatchStager). */
export async function stageSegments(lake: string, segments: Array<{ path: string; name: string }>, batch: number): Promise<Staged> {
  return new BatchStager(lake, batch, segments).finish();
}

/** A segment's bytes (0 when it cannot be read: its writer thread reports that). */
function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
