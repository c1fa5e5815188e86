import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { lit } from './duck.js';
import { STAGING, EVENTS, walk } from './layout.js';
import { Worker } from 'node:worker_threads';
import type { Part } from './prepare.js';
import type { LakeMessage, LakeWork } from './lake-worker.js';

/**
 * Columns of the files prepare.ts writes: the canonical event's (lines SQL
 * finishes) and the flat row's (lines flattened in JS, `kind` set). Explicit,
 * so that read_json never guesses nor stops at a bad line.
 */
const COLUMNS_IN = `{seg: 'VARCHAR', seq: 'BIGINT', time: 'VARCHAR', did: 'VARCHAR', op: 'VARCHAR', collection: 'VARCHAR', rkey: 'VARCHAR',
  cid: 'VARCHAR', record: 'JSON', kind: 'VARCHAR', subject: 'VARCHAR', subject_did: 'VARCHAR', text: 'VARCHAR', langs: 'VARCHAR[]',
  reply_parent: 'VARCHAR', reply_root: 'VARCHAR', embed: 'VARCHAR', quote: 'VARCHAR', mentions: 'VARCHAR[]', links: 'VARCHAR[]',
  tags: 'VARCHAR[]', list: 'VARCHAR', created_at: 'VARCHAR', words: 'VARCHAR[]'}`;

/** A string field of the record's fields (struct `f`), as flatten() takes it: only when it is a JSON string. */
function recordString(field: string): string {
  return `CASE WHEN json_type(f.${field}) = 'VARCHAR' THEN f.${field} ->> '$' END`;
}

/**
 * The flat row's fields that SQL computes for lines prepare.ts leaves to it
 * (no post, no text, langs, reply, embed, facets or tags in the record),
 * mirroring lib/rows/flatten.ts. The record is parsed once, into `f`.
 */
const SQL_FIELDS = `
  CASE WHEN done THEN kind WHEN starts_with(collection, 'app.bsky.') THEN lower(regexp_extract(collection, '[^.]*$')) ELSE collection END AS kind,
  CASE WHEN done THEN subject ELSE CASE json_type(f.subject) WHEN 'VARCHAR' THEN f.subject ->> '$'
    WHEN 'OBJECT' THEN CASE WHEN json_type(f.subject, '$.uri') = 'VARCHAR' THEN f.subject ->> '$.uri' END END END AS subject,
  CASE WHEN done THEN subject_did WHEN json_type(f.subject, '$.uri') = 'VARCHAR' AND starts_with(f.subject ->> '$.uri', 'at://')
    AND starts_with(split_part(substr(f.subject ->> '$.uri', 6), '/', 1), 'did:')
    THEN split_part(substr(f.subject ->> '$.uri', 6), '/', 1) END AS subject_did,
  CASE WHEN done THEN list ELSE ${recordString('list')} END AS list,
  CASE WHEN done THEN created_at ELSE ${recordString('createdAt')} END AS created_at`;

/** The lake's columns in order (date is the partition). */
export const COLUMNS = [
  'time', 'time_text', 'did', 'op', 'collection', 'kind', 'rkey', 'cid', 'subject', 'subject_did', 'text', 'langs',
  'reply_parent', 'reply_root', 'embed', 'quote', 'mentions', 'links', 'tags', 'list', 'created_at', 'words', 'record',
  'batch', 'seg', 'seq',
];

const WALL = `'%Y-%m-%dT%H:%M:%S.%f'`;

/**
 * Rows per Parquet row group: the writer holds one in memory per thread; DuckDB's
 * default (122,880) ran out of memory at 128 MB when compacting a day of files.
 */
export const ROW_GROUP = 16384;

/**
 * The SELECT that turns prepare.ts's files into lake rows, in file order:
 * DuckDB reads them itself (natively, in parallel) and finishes the rows
 * that JS left to it (`kind` unset).
 */
export function lakeRowsSql(files: string[], objectMax: number, batch: number): string {
  // One pass over the files (a CTE read twice would be held in memory whole).
  return `WITH r AS (SELECT *, kind IS NOT NULL AS done,
      CASE WHEN kind IS NULL AND json_type(record) = 'OBJECT' THEN json_transform(record, '{"subject": "JSON", "list": "JSON", "createdAt": "JSON"}') END AS f
    FROM read_json([${files.map(lit).join(', ')}], columns = ${COLUMNS_IN},
      format = 'newline_delimited', ignore_errors = true, maximum_object_size = ${objectMax})
    WHERE time IS NOT NULL AND did IS NOT NULL AND op IS NOT NULL),
  t AS (SELECT seg, seq, time, did, op, collection, rkey, cid, record, text, langs, reply_parent, reply_root, embed, quote,
      mentions, links, tags, words, ${SQL_FIELDS}, try_strptime(left(time, 26), ${WALL}) AS wall FROM r)
  SELECT wall AS time, CASE WHEN length(time) = 26 AND wall IS NOT NULL THEN NULL ELSE time END AS time_text,
    did, op, collection, kind, rkey, cid, subject, subject_did, text, langs, reply_parent, reply_root, embed, quote,
    mentions, links, tags, list, created_at, words, record, ${batch}::INTEGER AS batch, seg, seq::INTEGER AS seq,
    CAST(wall AS DATE) AS date
  FROM t`;
}

export interface Staged {
  /** Staged files (relative to the lake) and where each is published. */
  files: Array<{ from: string; to: string }>;
  rows: number;
}

/**
 * Stages one batch: the rows of `segments` (in fold order) written by DuckDB
 * as zstd Parquet, one file per part and event date, into the staging folder
 * of batch `batch`; nothing the readers see changes. The JS pass that
 * prepares the parts runs in a worker thread (lake-worker.ts), started at
 * once: periodic starts the batch before its fold, so the two run on
 * different cores; DuckDB writes a part while the worker prepares the next.
 */
export class BatchStager {
  private readonly rel: string;
  private readonly out: string;
  private readonly name: string;
  private rows = 0;
  private readonly done: Promise<void>;
  private worker: Worker | undefined;

  constructor(private readonly db: DuckDBConnection, lake: string, private readonly batch: number, segments: Array<{ path: string; name: string }>) {
    this.rel = join(STAGING, `batch-${batch}`);
    const dir = join(lake, this.rel);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    this.out = join(dir, 'out');
    this.name = `part-${String(batch).padStart(8, '0')}`;
    this.done = this.run({ segments, dir });
    // A failure is reported by finish(), never left unhandled.
    this.done.catch(() => undefined);
  }

  private run(work: LakeWork): Promise<void> {
    return new Promise((resolve, reject) => {
      const worker = this.worker = new Worker(new URL('./lake-worker.js', import.meta.url), {
        workerData: work,
        // V8 flags are the process's: the launchers' --max-semi-space-size is not for workers to take again.
        execArgv: [],
        resourceLimits: { maxYoungGenerationSizeMb: 8 },
      });
      let writing: Promise<void> = Promise.resolve();
      let failed = false;
      const fail = (err: unknown): void => {
        if (failed) return;
        failed = true;
        void worker.terminate();
        reject(err);
      };
      worker.on('message', (m: LakeMessage) => {
        if ('part' in m) {
          writing = writing.then(() => this.write(m.part)).then(() => void (failed || worker.postMessage('ack')));
          writing.catch(fail);
        } else {
          writing.then(resolve, fail);
        }
      });
      worker.on('error', (err) => fail(new Error(`lake writer thread: ${err.message}`)));
      worker.on('exit', (code) => {
        if (code !== 0) fail(new Error(`lake writer thread exited with status ${code}`));
      });
    });
  }

  private async write(part: Part): Promise<void> {
    const objectMax = Math.max(1 << 20, part.longest + 1024);
    const select = lakeRowsSql([part.file], objectMax, this.batch);
    const { db, out, name } = this;
    let copied;
    if (part.dates.size === 1) {
      // Most parts hold one date: one file, without PARTITION_BY's cost.
      const date = [...part.dates][0];
      mkdirSync(join(out, `date=${date}`), { recursive: true });
      copied = await db.run(`COPY (SELECT * EXCLUDE (date) FROM (${select})) TO ${lit(join(out, `date=${date}`, `${name}-${part.index}.parquet`))} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE ${ROW_GROUP})`);
    } else {
      copied = await db.run(`COPY (${select}) TO ${lit(out)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE ${ROW_GROUP}, PARTITION_BY (date), OVERWRITE_OR_IGNORE true, FILENAME_PATTERN ${lit(`${name}-${part.index}-{i}`)})`);
    }
    this.rows += Number(copied.rowsChanged);
    rmSync(part.file, { force: true });
  }

  /** Stops the worker (the run failed): its staged files are never committed. */
  async abort(): Promise<void> {
    await this.worker?.terminate();
  }

  /** Waits for the worker and DuckDB; the staged files and where each is published. */
  async finish(): Promise<Staged> {
    await this.done;
    const files = walk(this.out).map((f) => ({ from: join(this.rel, 'out', f), to: join(EVENTS, f) }));
    return { files, rows: this.rows };
  }
}

/** Stages the rows of `segments` (files) as batch `batch` (see BatchStager). */
export async function stageSegments(db: DuckDBConnection, lake: string, segments: Array<{ path: string; name: string }>, batch: number): Promise<Staged> {
  return new BatchStager(db, lake, batch, segments).finish();
}
