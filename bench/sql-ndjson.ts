// DuckDB's API loaded as bsky-sql loads it (its bundle, scripts/post-build.mjs), so that only the query differs.
const { DuckDBInstance } = (await import(new URL('../bundle/bin/duckdb-api.js', import.meta.url).href)) as typeof import('@duckdb/node-api');

/**
 * The lake's benchmark peer: DuckDB computes likes per minute from canonical
 * NDJSON (the spool's segments, the files named), reading only the columns
 * the query needs, with the same memory limit and threads as bsky-sql.
 */
const files = process.argv.slice(2);
const list = `[${files.map((f) => `'${f.replaceAll("'", "''")}'`).join(', ')}]`;
const db = await DuckDBInstance.create(':memory:', { memory_limit: '128MB', threads: '2' });
const c = await db.connect();
const r = await c.runAndReadAll(`WITH ev AS (
    SELECT try_strptime(left(time, 26), '%Y-%m-%dT%H:%M:%S.%f') AS time, op, collection
    FROM read_json(${list}, columns = {time: 'VARCHAR', op: 'VARCHAR', collection: 'VARCHAR'}, format = 'newline_delimited', ignore_errors = true)
  ), counts AS (
    SELECT date_trunc('minute', time) AS minute, count(*) AS likes FROM ev
    WHERE collection = 'app.bsky.feed.like' AND op = 'create' AND time IS NOT NULL GROUP BY 1
  ), span AS (SELECT unnest(generate_series(min(minute), max(minute), INTERVAL 1 MINUTE)) AS minute FROM counts)
  SELECT strftime(span.minute, '%Y-%m-%d %H:%M:00') AS time, coalesce(counts.likes, 0) AS likes
  FROM span LEFT JOIN counts ON counts.minute = span.minute ORDER BY span.minute`);
process.stdout.write(`${r.getRows().length} minutes\n`);
