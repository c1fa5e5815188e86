#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { fail, parseArgs, quietOnBrokenPipe, usageError, type ToolSpec } from '../lib/cli/tool.js';
import { toCsv } from '../lib/csv/csv-lines.js';
import { openDuck } from '../lib/lake/duck.js';
import { takeDuck } from '../lib/lake/duck-prewarm.js';
import { checkLake, defineStopwords, defineViews, NoLake } from '../lib/lake/session.js';

const spec: ToolSpec = {
  name: 'bsky-sql',
  summary: 'Runs SQL (DuckDB) over the Parquet lake that periodic writes. Views: events (one row per event), likes, posts; '
    + 'table stopwords (language, word). Rows out as NDJSON, or CSV with a header under --csv. See docs/LAKE.md.',
  usage: 'bsky-sql [options] (QUERY | --file FILE.sql)',
  options: {
    lake: { type: 'string', describe: 'folder of the lake', default: './lake' },
    file: { type: 'string', describe: 'read the SQL from FILE (several statements: the last one\'s rows are printed)', alias: 'f' },
    csv: { type: 'boolean', describe: 'write CSV with a header row (as bsky-csv writes it) instead of NDJSON', default: false },
    quiet: { type: 'boolean', describe: 'no summary line on stderr', default: false, alias: 'q' },
  },
  examples: [
    ["bsky-sql \"SELECT kind, count(*) AS n FROM events GROUP BY kind ORDER BY n DESC\"", 'events per kind'],
    ['bsky-sql --csv --file sql/likes-per-minutes.sql', 'the likes-per-minute metric, byte for byte as metrics/likes-per-minutes.csv'],
    ["bsky-sql \"SELECT subject_did AS user, count(*) AS likes FROM likes GROUP BY 1 ORDER BY 2 DESC LIMIT 10\" | bsky-csv", 'the ten most liked accounts'],
    ["bsky-sql \"SELECT w, count(*) FROM posts, unnest(words) AS t(w) WHERE w NOT IN (SELECT word FROM stopwords WHERE language = 'en') GROUP BY 1 ORDER BY 2 DESC LIMIT 20\"", 'the words of all posts, without English stop words'],
  ],
};

const opts = parseArgs<{ lake: string; file?: string; csv: boolean; quiet: boolean }>(spec);
if (opts.file !== undefined && opts.files.length) usageError(spec.name, `give a QUERY or --file, not both (got --file ${opts.file} and '${opts.files[0]}')`);
if (opts.file === undefined && opts.files.length === 0) usageError(spec.name, 'no query: give a QUERY or --file FILE.sql');
if (opts.files.length > 1) usageError(spec.name, `one QUERY only (quote it): unexpected argument '${opts.files[1]}'`);
let sql: string;
try {
  sql = opts.file !== undefined ? readFileSync(opts.file, 'utf8') : opts.files[0];
} catch (err) {
  fail(spec.name, `${opts.file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
}
if (sql.trim() === '') usageError(spec.name, `${opts.file ?? 'QUERY'}: empty query`);
quietOnBrokenPipe();

const started = performance.now();
try {
  checkLake(opts.lake);
} catch (err) {
  if (err instanceof NoLake) fail(spec.name, err.message);
  throw err;
}
// Opened by the launcher while this bundle loaded (lib/lake/duck-prewarm.ts), or now.
const { db, close } = await (takeDuck() ?? openDuck());
let rows = 0;
try {
  await defineViews(db, opts.lake);
  if (/stopwords/i.test(sql)) await defineStopwords(db);
  const statements = await db.extractStatements(sql);
  for (let i = 0; i < statements.count - 1; i++) await (await statements.prepare(i)).run();
  const prepared = await statements.prepare(statements.count - 1);
  const result = await prepared.stream();
  const columns = result.columnNames();
  // Whole numbers come as text from DuckDB's JSON conversion (a BIGINT can exceed 2^53): numbers again when exact.
  const numeric = result.columnTypes().map((t) => /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|DECIMAL)/.test(t.toString()));
  let header = opts.csv;
  for await (const chunk of result.yieldRowObjectJson()) {
    const objects = chunk as Array<Record<string, unknown>>;
    for (const row of objects) {
      for (let c = 0; c < columns.length; c++) {
        const v = row[columns[c]];
        if (numeric[c] && typeof v === 'string' && String(Number(v)) === v) row[columns[c]] = Number(v);
      }
    }
    rows += objects.length;
    const text = opts.csv ? toCsv(objects, columns, header) : objects.map((o) => JSON.stringify(o)).join('\n') + (objects.length ? '\n' : '');
    header = false;
    if (text && !process.stdout.write(text)) await new Promise((resolve) => process.stdout.once('drain', resolve));
  }
  // An empty result still has its header under --csv.
  if (header) process.stdout.write(toCsv([], columns, true));
} catch (err) {
  close();
  fail(spec.name, (err as Error).message);
}
close();
if (!opts.quiet) process.stderr.write(`bsky-sql: ${rows} rows in ${((performance.now() - started) / 1000).toFixed(2)} s\n`);
