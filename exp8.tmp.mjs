import { lakeRowsSql } from '/work/wt/lake/dist/lib/lake/write.js';
import { DuckDBInstance } from '@duckdb/node-api';
import { readdirSync, statSync } from 'node:fs';
const inst = await DuckDBInstance.create(':memory:', { memory_limit: '128MB', threads: '1', preserve_insertion_order: 'true' });
const db = await inst.connect();
const parts = readdirSync('/tmp/lk/parts').filter((f) => f.endsWith('.ndjson')).map((f) => '/tmp/lk/parts/' + f);
const variants = [
  ['base', '* EXCLUDE (date)', ''],
  ['nodict', '* EXCLUDE (date)', ', DICTIONARY_SIZE_LIMIT 0'],
  ['nodict-v2', '* EXCLUDE (date)', ', DICTIONARY_SIZE_LIMIT 0, PARQUET_VERSION V2'],
  ['v2', '* EXCLUDE (date)', ', PARQUET_VERSION V2'],
  ['nodict-v2-l5', '* EXCLUDE (date)', ', DICTIONARY_SIZE_LIMIT 0, PARQUET_VERSION V2, COMPRESSION_LEVEL 5'],
];
const res = new Map();
for (let rep = 0; rep < 3; rep++) for (const [name, sel, opts] of variants) {
  const c0 = process.cpuUsage();
  let bytes = 0;
  for (const [i, p] of parts.entries()) {
    if (sel === null) { await db.run(`CREATE OR REPLACE TEMP TABLE t AS SELECT * FROM (${lakeRowsSql([p], 1 << 20, 0)})`); continue; }
    await db.run(`COPY (SELECT ${sel} FROM (${lakeRowsSql([p], 1 << 20, 0)})) TO '/tmp/lk/x${i}.parquet' (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 16384${opts})`);
    bytes += statSync(`/tmp/lk/x${i}.parquet`).size;
  }
  const c = process.cpuUsage(c0);
  res.set(name, [...(res.get(name) ?? []), ((c.user + c.system) / 1000) | 0]);
  if (rep === 0) console.log(name, 'bytes', bytes);
}
for (const [k, v] of res) console.log(k, v.join(' '), 'ms cpu');
