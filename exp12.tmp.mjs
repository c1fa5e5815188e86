import { lakeRowsSql, PARQUET } from '/work/wt/lake/dist/lib/lake/write.js';
import { DuckDBInstance } from '@duckdb/node-api';
import { readdirSync } from 'node:fs';
const P = '/tmp/lk/p4';
const parts = readdirSync(P).filter((f) => f.endsWith('.ndjson')).map((f) => P + '/' + f);
const variants = {
  cut: (p) => lakeRowsSql([p], 1 << 20, 0),
  nocut: (p) => lakeRowsSql([p], 1 << 20, 0).replace(/\(CASE record_cut WHEN 1[\s\S]*?END\)::JSON AS record/, 'record::JSON AS record'),
};
const res = {};
for (let rep = 0; rep < 3; rep++) for (const pio of ['true', 'false']) for (const [name, sql] of Object.entries(variants)) {
  const inst = await DuckDBInstance.create(':memory:', { memory_limit: '128MB', threads: '1', preserve_insertion_order: pio, allocator_flush_threshold: '1MB', allocator_bulk_deallocation_flush_threshold: '1MB' });
  const db = await inst.connect();
  const c0 = process.cpuUsage();
  for (const [i, p] of parts.entries()) await db.run(`COPY (SELECT * EXCLUDE (date) FROM (${sql(p)})) TO '/tmp/lk/o${i}.parquet' (${PARQUET})`);
  const c = process.cpuUsage(c0);
  (res[`${name} pio=${pio}`] ??= []).push(((c.user + c.system) / 1000) | 0);
  db.closeSync(); inst.closeSync();
}
console.log(res);
