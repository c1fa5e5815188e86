import { lakeRowsSql } from '/work/wt/lake/dist/lib/lake/write.js';
import { DuckDBInstance } from '@duckdb/node-api';
import { readdirSync } from 'node:fs';
const inst = await DuckDBInstance.create(':memory:', { memory_limit: '128MB', threads: '1', preserve_insertion_order: 'true' });
const db = await inst.connect();
const parts = readdirSync('/tmp/lk/parts').filter((f) => f.endsWith('.ndjson')).map((f) => '/tmp/lk/parts/' + f);
for (const [name, sel] of [
  ['all', '* EXCLUDE (date)'],
  ['no record', '* EXCLUDE (date, record)'],
  ['record varchar', '* EXCLUDE (date, record), record::VARCHAR AS record'],
  ['no lists', '* EXCLUDE (date, langs, mentions, links, tags, words)'],
  ['no words', '* EXCLUDE (date, words)'],
  ['no time', '* EXCLUDE (date, time)'],
  ['only envelope', 'time, did, op, collection, rkey, cid, seq'],
]) {
  for (const opts of ['', ', DICTIONARY_SIZE_LIMIT 0']) {
  const t = performance.now();
  try { for (const p of parts) await db.run(`COPY (SELECT ${sel} FROM (${lakeRowsSql([p], 1 << 20, 0)})) TO '/tmp/lk/x.parquet' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 16384${opts})`);
  console.log(name, opts, (performance.now() - t) | 0, 'ms'); } catch (e) { console.log(name, opts, e.message.split('\n')[0]); }
  }
}
