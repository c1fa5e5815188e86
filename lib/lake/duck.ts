import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';

/**
 * DuckDB's settings for every tool: a bounded memory (BSKY_DUCKDB_MEMORY
 * overrides it) and two threads. DuckDB allocates beyond memory_limit (JSON
 * reader buffers, the Parquet writer): see docs/LAKE.md, Limits.
 */
export interface DuckOptions {
  /** DuckDB's memory_limit, e.g. `128MB`; it spills to `tempDirectory` past it. */
  memoryLimit?: string;
  threads?: number;
  tempDirectory?: string;
  /**
   * Give freed memory back to the system after each task (periodic, whose
   * peak RSS has a target). Not for bsky-sql: it made a query over 10M events
   * about twice as slow (0.55 s against 0.25 s).
   */
  returnMemory?: boolean;
}

export const DEFAULT_MEMORY_LIMIT = '128MB';

/**
 * Opens an in-memory DuckDB. The native module is imported here, lazily: the
 * tools that never touch the lake do not pay its start-up (about 40 ms), and
 * the bundles keep it external (scripts/post-build.mjs).
 */
export async function openDuck(opts: DuckOptions = {}): Promise<{ instance: DuckDBInstance; db: DuckDBConnection; close: () => void }> {
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const settings: Record<string, string> = {
    memory_limit: opts.memoryLimit ?? process.env.BSKY_DUCKDB_MEMORY ?? DEFAULT_MEMORY_LIMIT,
    threads: String(opts.threads ?? 2),
    // Results in input order: rebuild folds events in the order they were folded.
    preserve_insertion_order: 'true',
  };
  if (opts.returnMemory) {
    // DuckDB's allocator (jemalloc) keeps what a query freed until 128 MB / 512 MB by default: periodic's RSS
    // climbed to 260-380 MB over a few Parquet COPYs. Returned after each task instead: about 100 MB between them.
    settings.allocator_flush_threshold = '1MB';
    settings.allocator_bulk_deallocation_flush_threshold = '1MB';
  }
  if (opts.tempDirectory) settings.temp_directory = opts.tempDirectory;
  const instance = await DuckDBInstance.create(':memory:', settings);
  const db = await instance.connect();
  return {
    instance, db, close: () => {
      db.closeSync();
      instance.closeSync();
    },
  };
}

/** A string as a SQL literal. */
export function lit(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}
