import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { DuckDBConnection } from '@duckdb/node-api';
import { stopWords } from '../metrics/words.js';
import { lit } from './duck.js';
import { eventsGlob, lakeFiles } from './layout.js';

/** A lake that cannot be queried: missing, or without any file yet. */
export class NoLake extends Error {}

/**
 * The views bsky-sql defines over a lake. `events`: one row per event (every
 * column, `date` from the partition). `likes`, `posts`: the created likes and
 * posts, the rows most metrics start from.
 */
export function viewsSql(lake: string): string[] {
  return [
    `CREATE VIEW events AS SELECT * FROM read_parquet(${lit(eventsGlob(lake))}, hive_partitioning = true)`,
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

/** Defines the views over the lake. */
export async function defineViews(db: DuckDBConnection, lake: string): Promise<void> {
  for (const sql of viewsSql(lake)) await db.run(sql);
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
