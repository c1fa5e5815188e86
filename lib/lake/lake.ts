import { existsSync, mkdirSync, readdirSync, renameSync, rmdirSync, rmSync, statfsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { openDuck, type DuckOptions } from './duck.js';
import { compactionStep } from './compact.js';
import { coalesceParquet } from './coalesce.js';
import { concatParquet, NotConcatenable, rowsPerGroup } from './concat.js';
import { EVENTS, FORMAT, FORMAT_VERSION, HOURS, lakeFiles, readFormat, STAGING } from './layout.js';
import { takeSegmentFiles } from './segment-lake.js';
import { dropWriter } from './prewarm.js';
import { fsyncPath, writeFileAtomicSync } from '../io/atomic-write.js';
import { makeDir } from '../io/make-dir.js';
import { DAY_US, formatWall, wallMicros } from '../time.js';
import { BatchStager, PARQUET, stageSegments } from './write.js';

/**
 * The lake's part of periodic's state file, which is the commit point: files
 * listed in `publish` are renamed into the lake and files in `remove` deleted
 * once the state that lists them is saved, by the run that saved it or, when
 * that one was killed, by the next (both steps are idempotent). Staged files
 * the saved state does not list were never committed and are deleted.
 */
export interface LakeJournal {
  /** Batches written so far: numbers the next one (file names and the `batch` column). */
  batches: number;
  publish: Array<{ from: string; to: string }>;
  remove: string[];
  /**
   * Segments folded into the metrics but not yet into the lake (free space
   * was under the floor), in fold order: they wait in the spool's archive,
   * which keeps them, and go in first once space returns.
   */
  behind?: string[];
}

export const EMPTY_JOURNAL: LakeJournal = { batches: 0, publish: [], remove: [] };

/** Free bytes for an unprivileged writer on the file system holding `dir` (or its nearest existing parent). */
export function freeBytes(dir: string): number {
  let d = dir;
  while (!existsSync(d) && dirname(d) !== d) d = dirname(d);
  const s = statfsSync(d);
  return s.bavail * s.bsize;
}

/** Fault injection for the kill tests (as rollup's): BSKY_CRASH_AT=lake-stage|lake-commit|lake-commit-mid|lake-compact. */
function crashPoint(step: string): void {
  if (process.env.BSKY_CRASH_AT === step) process.kill(process.pid, 'SIGKILL');
}

export interface LakeOptions extends DuckOptions {
  dir: string;
  /** A closed partition's files smaller than this are merged, a group of them per run. */
  compactBytes?: number;
  /** Dates older than this many days before the newest event's date are deleted (0: keep everything). */
  days?: number;
  /** Below this many free bytes on the lake's file system, lake writes wait (the metrics do not). */
  minFree?: number;
  /** Told when writes wait or resume. */
  warn?: (message: string) => void;
}


/** periodic's writer of the lake: recover at start, stage before the state is saved, commit after. */
export class LakeWriter {
  private duck: Awaited<ReturnType<typeof openDuck>> | undefined;
  /** Segments that were waiting for the lake before this run (for the message when writes resume). */
  private waitedBefore = 0;
  /** The batch the fold feeds as it reads (one pass over the segments), when begin() started one. */
  private early: { stager?: BatchStager; ready: Array<{ from: string; to: string }>; batch: number } | undefined;

  constructor(readonly opts: LakeOptions) {}

  /** Finishes what the saved state committed and a killed run did not, and drops uncommitted staging. */
  recover(journal: LakeJournal | undefined): void {
    if (journal) this.commit(journal);
    rmSync(join(this.opts.dir, STAGING), { recursive: true, force: true });
    // A lake begun by this version: every file it will hold has record_cut (session.ts reads one file's schema), in hour partitions.
    if (lakeFiles(this.opts.dir).length === 0 && readFormat(this.opts.dir) < FORMAT_VERSION) {
      makeDir(this.opts.dir);
      writeFileAtomicSync(join(this.opts.dir, FORMAT), `${FORMAT_VERSION}\n`);
    }
  }

  /**
   * Starts this run's batch before the fold: the files handle-stream wrote
   * for the fresh segments are moved into staging with their batch set
   * (segment-lake.ts); the other segments' rows are written by a worker
   * thread (write.ts, rows.ts) while the main thread folds them. Only when
   * no segment waits from an earlier run (those go first, read from the
   * archive) and free space is above the floor; else stage() does it all.
   * Staged files are uncommitted until the journal stage() returns is saved.
   */
  async begin(saved: LakeJournal | undefined, spool: string, fresh: string[]): Promise<void> {
    if (fresh.length === 0 || (saved?.behind ?? []).length) return;
    if (freeBytes(this.opts.dir) < (this.opts.minFree ?? 0)) return;
    const batch = saved?.batches ?? 0;
    const { files, cold } = takeSegmentFiles(this.opts.dir, spool, fresh, batch, readFormat(this.opts.dir) >= HOURS);
    const stager = cold.length ? new BatchStager(this.opts.dir, batch, cold.map((name) => ({ name, path: join(spool, name) }))) : undefined;
    // Nothing for periodic's own writer: the thread its launcher started goes (it would take a core's time to start).
    if (!stager) dropWriter();
    this.early = { ...(stager ? { stager } : {}), ready: files, batch };
  }

  /** The journal to save with the folded segments: they wait for the lake (behind the ones already waiting). */
  defer(fresh: string[], saved: LakeJournal | undefined): LakeJournal {
    this.waitedBefore = saved?.behind?.length ?? 0;
    const behind = [...(saved?.behind ?? []), ...fresh];
    return { batches: saved?.batches ?? 0, publish: [], remove: [], ...(behind.length ? { behind } : {}) };
  }

  /**
   * Writes the rows of the waiting segments (unless free space is under the
   * floor), at most one compaction step and the retention's deletions into
   * staging; returns the journal to save (the same object when there is
   * nothing to do). Nothing readers see changes until commit().
   */
  async stage(spool: string, saved: LakeJournal, newest: string | null): Promise<LakeJournal> {
    const journal: LakeJournal = { batches: saved.batches, publish: [], remove: [] };
    const dir = this.opts.dir;
    const waiting = saved.behind ?? [];
    const early = this.early;
    this.early = undefined;
    const free = waiting.length && !early ? freeBytes(dir) : Infinity;
    if (early && waiting.length && early.batch === journal.batches) {
      // The fold fed this batch as it read the segments: finish it.
      journal.batches++;
      journal.publish.push(...early.ready, ...(early.stager ? (await early.stager.finish()).files : []));
      crashPoint('lake-stage');
    } else if (waiting.length && free < (this.opts.minFree ?? 0)) {
      journal.behind = waiting;
      this.opts.warn?.(`lake writes wait: ${free} bytes free at ${dir}, under the floor of ${this.opts.minFree} (--lake-min-free); `
        + `${waiting.length} segments wait in ${join(spool, 'archive')} and go into the lake once space returns; the metrics stay exact`);
    } else if (waiting.length) {
      if (this.waitedBefore) this.opts.warn?.(`lake writes resume: ${this.waitedBefore} segments that waited go into the lake`);
      const found = waiting.map((name) => ({ name, path: locate(spool, name) }));
      const lost = found.filter((f) => f.path === undefined).map((f) => f.name);
      if (lost.length) this.opts.warn?.(`${lost.length} segments that waited for the lake are gone from ${spool} and its archive: their events are not in the lake (${lost[0]}...)`);
      const batch = journal.batches++;
      const staged = await stageSegments(dir, found.filter((f) => f.path !== undefined) as Array<{ name: string; path: string }>, batch);
      journal.publish.push(...staged.files);
      crashPoint('lake-stage');
    }
    // Retention: whole dates older than --lake-days before the newest event's.
    if (this.opts.days && newest !== null && !Number.isNaN(wallMicros(newest))) {
      const cutoff = formatWall(wallMicros(newest.slice(0, 10) + 'T00:00:00.000000') - this.opts.days * DAY_US).slice(0, 10);
      for (const f of lakeFiles(dir)) if (f.date < cutoff) journal.remove.push(f.path);
    }
    const step = compactionStep(dir, newest, this.opts.compactBytes ?? 128 << 20, new Set(journal.remove));
    if (step) {
      const batch = journal.batches++;
      const from = join(STAGING, `compact-${batch}.parquet`);
      mkdirSync(join(dir, STAGING), { recursive: true });
      await compactFiles(step.files.map((f) => join(dir, f)), join(dir, from), () => this.db(), compactOptionsFromEnv());
      journal.publish.push({ from, to: join(dirname(step.files[0]), `part-${String(batch).padStart(8, '0')}-c.parquet`) });
      journal.remove.push(...step.files);
      crashPoint('lake-compact');
    }
    for (const f of journal.publish) fsyncPath(join(dir, f.from));
    if (journal.publish.length === 0 && journal.remove.length === 0 && (journal.behind ?? []).length === waiting.length) return saved;
    return journal;
  }

  /** Publishes what a saved journal lists (idempotent): renames, then deletions, then the folders made durable. */
  commit(journal: LakeJournal): void {
    const dir = this.opts.dir;
    crashPoint('lake-commit');
    const touched = new Set<string>();
    for (const f of journal.publish) {
      const from = join(dir, f.from);
      if (!existsSync(from)) continue;
      const to = join(dir, f.to);
      mkdirSync(dirname(to), { recursive: true });
      renameSync(from, to);
      touched.add(dirname(to));
      crashPoint('lake-commit-mid');
    }
    for (const f of journal.remove) {
      rmSync(join(dir, f), { force: true });
      touched.add(dirname(join(dir, f)));
    }
    const events = join(dir, EVENTS);
    for (let d of touched) {
      // A partition whose files are all gone (retention, compaction) goes too, and its date when it was the last hour.
      while (d !== events && dirname(d) !== d && existsSync(d) && readdirSync(d).length === 0) {
        rmdirSync(d);
        d = dirname(d);
      }
      if (existsSync(d)) fsyncPath(d);
    }
  }

  /**
   * After a commit: the staging folder's empty folders go (a batch's
   * `batch-N/out/date=...` once its files are published), and the staging
   * folder itself when nothing else is in it. Only empty folders: a file
   * still there is never deleted here (the next run's recover() drops what
   * no saved journal names).
   */
  tidy(): void {
    const staging = join(this.opts.dir, STAGING);
    if (existsSync(staging)) removeEmptyDirs(staging);
  }

  /**
   * DuckDB's settings for compaction and rebuild. One thread: its Parquet
   * COPY took twice the CPU on two (measured, docs/LAKE.md), and a run's fold has the other core.
   */
  private duckOptions(): DuckOptions {
    return { threads: this.opts.threads ?? 1, ...(this.opts.memoryLimit ? { memoryLimit: this.opts.memoryLimit } : {}), tempDirectory: join(this.opts.dir, STAGING, 'duckdb-tmp'), returnMemory: true };
  }

  /** DuckDB in this thread (compaction, rebuild), opened on first use: a run with nothing of that kind never loads it. */
  async db() {
    this.duck ??= await openDuck(this.duckOptions());
    return this.duck.db;
  }

  /** Ends what this run started (a batch a failed run did not stage stops first). */
  async close(): Promise<void> {
    await this.early?.stager?.abort();
    this.early = undefined;
    this.duck?.close();
    this.duck = undefined;
  }
}

/**
 * Files not written by the lake writer (an older lake's, DuckDB's) whose
 * row groups hold this many rows on average are concatenated as they are
 * (concat.ts, a copy of their bytes); smaller ones are merged by DuckDB
 * into row groups of up to 16 MB (mergeFiles). The writer's own files are
 * coalesced whatever their groups (coalesce.ts).
 */
export const CONCAT_MIN_ROWS = 8192;

/** How compaction merges. */
export interface CompactOptions {
  /** Other writers' files with row groups this large on average are concatenated (CONCAT_MIN_ROWS). */
  minRows?: number;
  /** DuckDB's COPY for every file (BSKY_COMPACT=duckdb: make verify-memory measures such a step). */
  duckdb?: boolean;
}

/** BSKY_COMPACT=duckdb: every compaction step merged by DuckDB (make verify-memory measures its memory). */
function compactOptionsFromEnv(): CompactOptions {
  return process.env.BSKY_COMPACT === 'duckdb' ? { duckdb: true } : {};
}

/**
 * A compaction step's merge: `files` into the new file `to`. The lake
 * writer's files are coalesced (coalesce.ts: consecutive small row groups
 * joined into groups of up to 32,768 rows, large ones copied as they are);
 * other files are concatenated when their row groups are large enough and
 * their footers allow it (same schema; concat.ts), else merged by DuckDB's
 * COPY (`db` opened only then). docs/LAKE.md, Compaction.
 */
export async function compactFiles(files: string[], to: string, db: () => Promise<DuckDBConnection>, opts: CompactOptions = {}): Promise<'coalesce' | 'concat' | 'duckdb'> {
  if (!opts.duckdb) {
    for (const merge of [
      async () => {
        await coalesceParquet(files, to);
        return 'coalesce' as const;
      },
      async () => {
        if (rowsPerGroup(files) < (opts.minRows ?? CONCAT_MIN_ROWS)) return undefined;
        concatParquet(files, to);
        return 'concat' as const;
      },
    ]) {
      rmSync(to, { force: true });
      try {
        const how = await merge();
        if (how) return how;
      } catch (err) {
        // Not theirs to merge (another writer's files, another schema: a file of an older lake): the next way.
        if (!(err instanceof NotConcatenable)) throw err;
      }
    }
  }
  rmSync(to, { force: true });
  await mergeFiles(await db(), files, to);
  return 'duckdb';
}

/**
 * Compaction's merge by DuckDB: the rows of Parquet `files` into one file `to` (PARQUET's options), on a connection opened
 * as LakeWriter.db() opens it. Also the benchmark's, to query a lake as compaction leaves it (bench/compact-lake.ts).
 */
export async function mergeFiles(db: DuckDBConnection, files: string[], to: string): Promise<void> {
  const list = `[${files.map((f) => `'${f.replaceAll("'", "''")}'`).join(', ')}]`;
  // The rows' order within a file means nothing (rebuild orders by batch, seg, seq): DuckDB may then bound row groups by bytes.
  await db.run('SET preserve_insertion_order = false');
  try {
    await db.run(`COPY (SELECT * FROM read_parquet(${list}, hive_partitioning = false, union_by_name = true))
      TO '${to.replaceAll("'", "''")}' (${PARQUET})`);
  } finally {
    await db.run('SET preserve_insertion_order = true');
  }
}

/** Where a segment is: still in the spool, or in a day folder of its archive. */
export function locate(spool: string, name: string): string | undefined {
  const here = join(spool, name);
  if (existsSync(here)) return here;
  const archive = join(spool, 'archive');
  if (!existsSync(archive)) return undefined;
  for (const day of readdirSync(archive).sort().reverse()) {
    const p = join(archive, day, name);
    if (existsSync(p)) return p;
  }
  return undefined;
}

/** Removes `dir` and the folders under it that hold no file, deepest first; returns whether `dir` went. */
function removeEmptyDirs(dir: string): boolean {
  let empty = true;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (!e.isDirectory() || !removeEmptyDirs(join(dir, e.name))) empty = false;
  }
  if (empty) rmdirSync(dir);
  return empty;
}
