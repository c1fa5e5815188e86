import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { lit, type DuckOptions } from './duck.js';
import { STAGING, EVENTS, walk } from './layout.js';
import { Worker } from 'node:worker_threads';
import type { Part } from './prepare.js';
import type { LakeDone, LakeWork } from './lake-worker.js';

/**
 * Columns of the files prepare.ts writes: the canonical event's (lines SQL
 * finishes) and the flat row's (lines flattened in JS, `kind` set). Explicit,
 * so that read_json never guesses nor stops at a bad line.
 */
const COLUMNS_IN = `{seg: 'VARCHAR', seq: 'BIGINT', time: 'VARCHAR', did: 'VARCHAR', op: 'VARCHAR', collection: 'VARCHAR', rkey: 'VARCHAR',
  cid: 'VARCHAR', record: 'JSON', kind: 'VARCHAR', subject: 'VARCHAR', subject_did: 'VARCHAR', text: 'VARCHAR', langs: 'VARCHAR[]',
  reply_parent: 'VARCHAR', reply_root: 'VARCHAR', embed: 'VARCHAR', quote: 'VARCHAR', mentions: 'VARCHAR[]', links: 'VARCHAR[]',
  tags: 'VARCHAR[]', list: 'VARCHAR', created_at: 'VARCHAR', words: 'VARCHAR[]'}`;

/**
 * A string field of the record's fields (struct `f`), as flatten() takes it: only when it is a JSON string.
 * json_transform gives each field as JSON text without leading space, so its first character is its type
 * (a `"` for a string): no parse for json_type.
 */
function recordString(field: string): string {
  return `CASE WHEN starts_with(f.${field}::VARCHAR, '"') THEN f.${field} ->> '$' END`;
}

/**
 * The flat row's fields that SQL computes for lines prepare.ts leaves to it
 * (no post, no text, langs, reply, embed, facets or tags in the record),
 * mirroring lib/rows/flatten.ts. The record is parsed once, into `f`; its
 * subject's `uri` once more, into `subject_uri` (the subject URI when it is a string).
 */
const SQL_FIELDS = `
  CASE WHEN done THEN kind WHEN starts_with(collection, 'app.bsky.') THEN lower(regexp_extract(collection, '[^.]*$')) ELSE collection END AS kind,
  CASE WHEN done THEN subject WHEN starts_with(f.subject::VARCHAR, '"') THEN f.subject ->> '$' ELSE subject_uri END AS subject,
  CASE WHEN done THEN subject_did WHEN starts_with(subject_uri, 'at://') AND starts_with(split_part(substr(subject_uri, 6), '/', 1), 'did:')
    THEN split_part(substr(subject_uri, 6), '/', 1) END AS subject_did,
  CASE WHEN done THEN list ELSE ${recordString('list')} END AS list,
  CASE WHEN done THEN created_at ELSE ${recordString('createdAt')} END AS created_at`;

/**
 * The record without the value the `subject` column already holds (a tenth
 * of the lake's bytes: likes' and reposts' subject URI, follows' and
 * blocks' subject DID): `record_cut` 1 when the record's only `"uri":` key
 * had the subject as its value, left out as `"uri":""`; 2 when its only
 * `"subject":` key did, left out as `"subject":""`; 0 when the record is
 * whole. Only a subject of printable ASCII without quote or backslash (its
 * JSON text is itself) is left out, and the key is the only one of its name in
 * the text, so putting the subject back at that key (RECORD_SQL) gives the
 * record's text byte for byte (tested).
 */
const CUT_SQL = `CASE WHEN subject IS NULL OR NOT regexp_full_match(subject, '[ !#-\\[\\]-~]+') THEN 0
    WHEN length(record) - length(replace(record, '"uri":', '')) = 6 AND contains(record, '"uri":"' || subject || '"') THEN 1
    WHEN length(record) - length(replace(record, '"subject":', '')) = 10 AND contains(record, '"subject":"' || subject || '"') THEN 2
    ELSE 0 END::UTINYINT`;

/** The whole record from a lake row (record, record_cut, subject); files without record_cut (written before it) hold it whole. */
export const RECORD_SQL = `CASE record_cut WHEN 1 THEN replace(record::VARCHAR, '"uri":""', '"uri":"' || subject || '"')::JSON
    WHEN 2 THEN replace(record::VARCHAR, '"subject":""', '"subject":"' || subject || '"')::JSON ELSE record END`;

/** The lake's columns in order (date is the partition). */
export const COLUMNS = [
  'time', 'time_text', 'did', 'op', 'collection', 'kind', 'rkey', 'cid', 'subject', 'subject_did', 'text', 'langs',
  'reply_parent', 'reply_root', 'embed', 'quote', 'mentions', 'links', 'tags', 'list', 'created_at', 'words', 'record',
  'record_cut', 'batch', 'seg', 'seq',
];

const WALL = `'%Y-%m-%dT%H:%M:%S.%f'`;

/**
 * Rows per Parquet row group: the writer holds one in memory per thread; DuckDB's
 * default (122,880) ran out of memory at 128 MB when compacting a day of files.
 */
export const ROW_GROUP = 16384;

/** The options of every Parquet COPY of the lake. */
// zstd level 1, not DuckDB's 3: a fifth less CPU for the Parquet writer and no larger (0.3% smaller on 60,000 generated events).
export const PARQUET = `FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1, ROW_GROUP_SIZE ${ROW_GROUP}`;

/**
 * The SELECT that turns prepare.ts's files into lake rows, in file order:
 * DuckDB reads them itself (natively, in parallel) and finishes the rows
 * that JS left to it (`kind` unset).
 */
export function lakeRowsSql(files: string[], objectMax: number, batch: number): string {
  // One pass over the files (a CTE read twice would be held in memory whole).
  return `WITH q AS (SELECT *, kind IS NOT NULL AS done,
      CASE WHEN kind IS NULL AND starts_with(record::VARCHAR, '{') THEN json_transform(record, '{"subject": "JSON", "list": "JSON", "createdAt": "JSON"}') END AS f
    FROM read_json([${files.map(lit).join(', ')}], columns = ${COLUMNS_IN},
      format = 'newline_delimited', ignore_errors = true, maximum_object_size = ${objectMax})
    WHERE time IS NOT NULL AND did IS NOT NULL AND op IS NOT NULL),
  r AS (SELECT *, CASE WHEN starts_with(f.subject::VARCHAR, '{') THEN json_transform(f.subject, '{"uri": "JSON"}').uri END AS uj FROM q),
  s AS (SELECT *, CASE WHEN starts_with(uj::VARCHAR, '"') THEN uj ->> '$' END AS subject_uri FROM r),
  t AS (SELECT seg, seq, time, did, op, collection, rkey, cid, record::VARCHAR AS record, text, langs, reply_parent, reply_root, embed, quote,
      mentions, links, tags, words, ${SQL_FIELDS}, try_strptime(left(time, 26), ${WALL}) AS wall FROM s),
  u AS (SELECT *, ${CUT_SQL} AS record_cut FROM t)
  SELECT wall AS time, CASE WHEN length(time) = 26 AND wall IS NOT NULL THEN NULL ELSE time END AS time_text,
    did, op, collection, kind, rkey, cid, subject, subject_did, text, langs, reply_parent, reply_root, embed, quote,
    mentions, links, tags, list, created_at, words,
    (CASE record_cut WHEN 1 THEN replace(record, '"uri":"' || subject || '"', '"uri":""')
      WHEN 2 THEN replace(record, '"subject":"' || subject || '"', '"subject":""') ELSE record END)::JSON AS record,
    record_cut, ${batch}::INTEGER AS batch, seg, seq::INTEGER AS seq, CAST(wall AS DATE) AS date
  FROM u`;
}

export interface Staged {
  /** Staged files (relative to the lake) and where each is published. */
  files: Array<{ from: string; to: string }>;
  rows: number;
}

/**
 * Writes one part file as zstd Parquet under `out/date=D/`, one file per
 * event date (`NAME-INDEX[-i].parquet`), and deletes the part; returns the rows written.
 */
export async function copyPart(db: DuckDBConnection, part: Part, to: { out: string; name: string; batch: number }): Promise<number> {
  const objectMax = Math.max(1 << 20, part.longest + 1024);
  const select = lakeRowsSql([part.file], objectMax, to.batch);
  const { out, name } = to;
  let copied;
  if (part.dates.size === 1) {
    // Most parts hold one date: one file, without PARTITION_BY's cost.
    const date = [...part.dates][0];
    mkdirSync(join(out, `date=${date}`), { recursive: true });
    copied = await db.run(`COPY (SELECT * EXCLUDE (date) FROM (${select})) TO ${lit(join(out, `date=${date}`, `${name}-${part.index}.parquet`))} (${PARQUET})`);
  } else {
    copied = await db.run(`COPY (${select}) TO ${lit(out)} (${PARQUET}, PARTITION_BY (date), OVERWRITE_OR_IGNORE true, FILENAME_PATTERN ${lit(`${name}-${part.index}-{i}`)})`);
  }
  rmSync(part.file, { force: true });
  return Number(copied.rowsChanged);
}

/**
 * Stages one batch: the rows of `segments` (in fold order) written as zstd
 * Parquet, one file per part and event date, into the staging folder of
 * batch `batch`; nothing the readers see changes. The work runs in a worker
 * thread (lake-worker.ts, with DuckDB loaded there), started at once:
 * periodic starts the batch before its fold, so the two run side by side.
 */
export class BatchStager {
  private readonly rel: string;
  private readonly out: string;
  private readonly done: Promise<LakeDone>;
  private worker: Worker | undefined;
  private exited = false;

  constructor(lake: string, batch: number, segments: Array<{ path: string; name: string }>, duck: DuckOptions) {
    this.rel = join(STAGING, `batch-${batch}`);
    const dir = join(lake, this.rel);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    this.out = join(dir, 'out');
    this.done = this.run({ segments, dir, out: this.out, name: `part-${String(batch).padStart(8, '0')}`, batch, duck });
    // A failure is reported by finish(), never left unhandled.
    this.done.catch(() => undefined);
  }

  private run(work: LakeWork): Promise<LakeDone> {
    return new Promise((resolve, reject) => {
      const worker = this.worker = new Worker(new URL('./lake-worker.js', import.meta.url), {
        workerData: work,
        // V8 flags are the process's: the launchers' --max-semi-space-size is not for workers to take again.
        execArgv: [],
        resourceLimits: { maxYoungGenerationSizeMb: 8 },
      });
      let done: LakeDone | undefined;
      worker.on('message', (m: LakeDone) => void (done = m));
      worker.on('error', (err) => reject(err));
      worker.on('exit', (code) => {
        this.exited = true;
        if (done && code === 0) resolve(done);
        else reject(new Error(`the lake's writer thread stopped (status ${code})`));
      });
    });
  }

  /**
   * Stops the worker (the run failed): it stops reading and ends once DuckDB's COPY in flight has
   * (terminating it during one aborts the process). Its staged files are never committed.
   */
  async abort(): Promise<void> {
    const worker = this.worker;
    if (worker === undefined || this.exited) return;
    this.worker = undefined;
    await new Promise<void>((resolve) => {
      worker.once('exit', () => resolve());
      worker.postMessage('stop');
    });
  }

  /** Waits for the worker; the staged files and where each is published. */
  async finish(): Promise<Staged> {
    const { rows } = await this.done;
    const files = walk(this.out).map((f) => ({ from: join(this.rel, 'out', f), to: join(EVENTS, f) }));
    return { files, rows };
  }
}

/** Stages the rows of `segments` (files) as batch `batch` (see BatchStager). */
export async function stageSegments(lake: string, segments: Array<{ path: string; name: string }>, batch: number, duck: DuckOptions): Promise<Staged> {
  return new BatchStager(lake, batch, segments, duck).finish();
}
