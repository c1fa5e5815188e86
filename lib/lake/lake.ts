import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { openDuck, type DuckOptions } from './duck.js';
import { compactionStep } from './compact.js';
import { STAGING } from './layout.js';
import { stageSegments } from './write.js';

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
}

export const EMPTY_JOURNAL: LakeJournal = { batches: 0, publish: [], remove: [] };

/** Fault injection for the kill tests (as rollup's): BSKY_CRASH_AT=lake-stage|lake-commit|lake-commit-mid|lake-compact. */
function crashPoint(step: string): void {
  if (process.env.BSKY_CRASH_AT === step) process.kill(process.pid, 'SIGKILL');
}

export interface LakeOptions extends DuckOptions {
  dir: string;
  /** A closed partition's files smaller than this are merged, a group of them per run. */
  compactBytes?: number;
}

/** Makes a file's (or folder's) content and name durable. */
function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** periodic's writer of the lake: recover at start, stage before the state is saved, commit after. */
export class LakeWriter {
  private duck: Awaited<ReturnType<typeof openDuck>> | undefined;

  constructor(readonly opts: LakeOptions) {}

  /** Finishes what the saved state committed and a killed run did not, and drops uncommitted staging. */
  recover(journal: LakeJournal | undefined): void {
    if (journal) this.commit(journal);
    rmSync(join(this.opts.dir, STAGING), { recursive: true, force: true });
  }

  /**
   * Writes the rows of the fresh segments (and at most one compaction step)
   * into staging; returns the journal to save in the state. Nothing readers
   * see changes until commit().
   */
  async stage(spool: string, fresh: string[], saved: LakeJournal | undefined, newest: string | null): Promise<LakeJournal> {
    const journal: LakeJournal = { batches: saved?.batches ?? 0, publish: [], remove: [] };
    const dir = this.opts.dir;
    if (fresh.length) {
      const batch = journal.batches++;
      const staged = await stageSegments(await this.db(), dir, fresh.map((name) => ({ path: join(spool, name), name })), batch);
      journal.publish.push(...staged.files);
      crashPoint('lake-stage');
    }
    const step = compactionStep(dir, newest, this.opts.compactBytes ?? 128 << 20);
    if (step) {
      const batch = journal.batches++;
      const from = join(STAGING, `compact-${batch}.parquet`);
      const db = await this.db();
      const list = `[${step.files.map((f) => `'${join(dir, f).replaceAll("'", "''")}'`).join(', ')}]`;
      mkdirSync(join(dir, STAGING), { recursive: true });
      await db.run(`COPY (SELECT * FROM read_parquet(${list}, hive_partitioning = false, union_by_name = true) ORDER BY collection, time)
        TO '${join(dir, from).replaceAll("'", "''")}' (FORMAT parquet, COMPRESSION zstd)`);
      journal.publish.push({ from, to: join(dirname(step.files[0]), `part-${String(batch).padStart(8, '0')}-c.parquet`) });
      journal.remove.push(...step.files);
      crashPoint('lake-compact');
    }
    for (const f of journal.publish) fsyncPath(join(dir, f.from));
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
    for (const d of touched) if (existsSync(d)) fsyncPath(d);
  }

  /** DuckDB, opened on first use: a run with nothing to write never loads it. */
  async db() {
    this.duck ??= await openDuck({ ...this.opts, tempDirectory: join(this.opts.dir, STAGING, 'duckdb-tmp') });
    return this.duck.db;
  }

  close(): void {
    this.duck?.close();
    this.duck = undefined;
  }
}
