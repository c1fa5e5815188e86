import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { lit } from './duck.js';
import { STAGING, EVENTS, walk } from './layout.js';
import { prepareSegments, type Part } from './prepare.js';

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
 * Writes the rows of `segments` as zstd Parquet, one file per event date,
 * into the staging folder of batch `batch`; nothing the readers see changes.
 */
export async function stageSegments(db: DuckDBConnection, lake: string, segments: Array<{ path: string; name: string }>, batch: number): Promise<Staged> {
  const rel = join(STAGING, `batch-${batch}`);
  const dir = join(lake, rel);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const out = join(dir, 'out');
  const name = `part-${String(batch).padStart(8, '0')}`;
  let rows = 0;
  // DuckDB writes a part (on its own threads) while the JS pass prepares the next: one part in flight.
  let writing: Promise<void> = Promise.resolve();
  const write = async (part: Part): Promise<void> => {
    const objectMax = Math.max(1 << 20, part.longest + 1024);
    const select = lakeRowsSql([part.file], objectMax, batch);
    let copied;
    if (part.dates.size === 1) {
      // Most parts hold one date: one file, without PARTITION_BY's cost.
      const date = [...part.dates][0];
      mkdirSync(join(out, `date=${date}`), { recursive: true });
      copied = await db.run(`COPY (SELECT * EXCLUDE (date) FROM (${select})) TO ${lit(join(out, `date=${date}`, `${name}-${part.index}.parquet`))} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE ${ROW_GROUP})`);
    } else {
      copied = await db.run(`COPY (${select}) TO ${lit(out)} (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE ${ROW_GROUP}, PARTITION_BY (date), OVERWRITE_OR_IGNORE true, FILENAME_PATTERN ${lit(`${name}-${part.index}-{i}`)})`);
    }
    rows += Number(copied.rowsChanged);
    rmSync(part.file, { force: true });
  };
  await prepareSegments(segments, dir, async (part) => {
    await writing;
    writing = write(part);
    // A failed write is reported when awaited (next part or the end), never left unhandled.
    writing.catch(() => undefined);
  });
  await writing;
  const files = walk(out).map((f) => ({ from: join(rel, 'out', f), to: join(EVENTS, f) }));
  return { files, rows };
}
