import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { DuckDBConnection } from '@duckdb/node-api';
import { stopWords } from '../metrics/words.js';
import { lit } from './duck.js';
import { eventsGlob, lakeFiles, readFormat } from './layout.js';
import { RECORD_SQL } from './write.js';

/** A lake that cannot be queried: missing, or without any file yet. */
export class NoLake extends Error {}

/**
 * The views bsky-sql defines over a lake. `events`: one row per event (every
 * column, `date` and `hour` from the partition folders). `likes`, `posts`: the created likes and
 * posts, the rows most metrics start from.
 */
export function viewsSql(lake: string, format: LakeFormat = { cut: true, mixed: false }): string[] {
  const read = `read_parquet(${lit(eventsGlob(lake))}, hive_partitioning = true${format.mixed ? ', union_by_name = true' : ''})`;
  return [
    // The record whole again (write.ts, RECORD_SQL), in its place; record_cut is the writer's business.
    format.cut ? `CREATE VIEW events AS SELECT * EXCLUDE (record_cut) REPLACE (${RECORD_SQL} AS record) FROM ${read}` : `CREATE VIEW events AS SELECT * FROM ${read}`,
    `CREATE VIEW likes AS SELECT time, date, did, subject, subject_did, rkey, cid FROM events WHERE kind = 'like' AND op = 'create'`,
    `CREATE VIEW posts AS SELECT time, date, did, rkey, cid, text, langs, words, reply_parent, reply_root, embed, quote, mentions, links, tags
      FROM events WHERE kind = 'post' AND op = 'create'`,
  ];
}

/** Checks that the lake has files, else throws NoLake with what to do. */
export function checkLake(lake: string): void {
  if (!existsSync(lake)) throw new NoLake(`no lake at ${lake}: periodic writes it (periodic --lake ${lake}), or give --lake DIR`);
  if (lakeFiles(lake).length === 0) throw new NoLake(`the lake at ${lake} holds no events yet: run periodic after handle-stream has spooled some`);
}

/** What the views must know of a lake's files: whether records are cut (record_cut), and whether its files differ in columns. */
export interface LakeFormat {
  cut: boolean;
  mixed: boolean;
}

/**
 * A lake periodic started with this version (FORMAT file) has record_cut in
 * every file: the views read one file's schema. An older lake may mix files
 * with and without it: the views then read every file's (union_by_name, about
 * 0.1 s for 555 files).
 */
export async function lakeFormat(db: DuckDBConnection, lake: string): Promise<LakeFormat> {
  if (readFormat(lake) >= 2) return { cut: true, mixed: false };
  const cols = await db.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${lit(eventsGlob(lake))}, union_by_name = true)`);
  return { cut: cols.getRowObjects().some((c) => c.column_name === 'record_cut'), mixed: true };
}

/** Defines the views over the lake. */
export async function defineViews(db: DuckDBConnection, lake: string): Promise<void> {
  for (const sql of viewsSql(lake, await lakeFormat(db, lake))) await db.run(sql);
}

/**
 * The `stopwords` table (language, word): every stopwords-iso list, each
 * word normalised as the metrics compare words (lib/metrics/words.ts), with
 * language the lower-case ISO 639-1 code. top-words drops a word found under
 * 'en' or under the primary subtag of any of the post's langs.
 */
export async function defineStopwords(db: DuckDBConnection): Promise<void> {
  await db.run('CREATE TABLE stopwords (language VARCHAR NOT NULL, word VARCHAR NOT NULL)');
  const lists = createRequire(import.meta.url)('stopwords-iso') as Record<string, string[]>;
  const appender = await db.createAppender('stopwords');
  for (const code of Object.keys(lists).sort()) {
    for (const word of [...stopWords(code)].sort()) {
      appender.appendVarchar(code);
      appender.appendVarchar(word);
      appender.endRow();
    }
  }
  appender.closeSync();
}
