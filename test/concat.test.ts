import test from 'tape';
import { closeSync, existsSync, fstatSync, openSync, readdirSync, readSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, tempDir } from './helpers.js';
import { genLines, LAKE_KEY, lakeQuery, spooledKeys } from './lake-fixtures.js';
import { openDuck } from '../lib/lake/duck.js';
import { concatParquet, decodeFields, encodeFields, NotConcatenable, rowsPerGroup } from '../lib/lake/concat.js';
import { compactFiles, mergeFiles } from '../lib/lake/lake.js';
import { feedSegments, LakeRows } from '../lib/lake/rows.js';
import { lakeFiles } from '../lib/lake/layout.js';

/** Writes `events` generated events as one lake file (the writer's layout) and returns its path. */
async function writerFile(dir: string, name: string, events: number, seed: number, groupRows?: number): Promise<string> {
  const seg = join(dir, `${name}.ndjson`);
  const lines = genLines(events, seed, ['--start', '2025-03-16T10:00:00']);
  // Canonical events, as the spool holds them.
  writeFileSync(seg, run('bsky-parse', ['-q'], Buffer.concat(lines)).stdout);
  const rows = new LakeRows(join(dir, name), name, 0, { hours: true, ...(groupRows ? { groupRows, blockRows: groupRows / 2 } : {}) });
  await feedSegments(rows, [{ path: seg, name: `${name}.ndjson` }]);
  const done = await rows.end();
  if (done.files.length !== 1) throw new Error(`${name}: ${done.files.length} files`);
  return join(dir, name, done.files[0]);
}

/** A file's footer bytes. */
function footerBytes(path: string): Buffer {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const tail = Buffer.alloc(8);
    readSync(fd, tail, 0, 8, size - 8);
    const len = tail.readUInt32LE(0);
    const buf = Buffer.alloc(len);
    readSync(fd, buf, 0, len, size - 8 - len);
    return buf;
  } finally {
    closeSync(fd);
  }
}

/** Every row of Parquet files in order (all columns), and their row groups, read by DuckDB. */
async function readAll(paths: string[]): Promise<{ rows: string; groups: number; bloom: number }> {
  const { db, close } = await openDuck();
  try {
    const list = `[${paths.map((p) => `'${p}'`).join(', ')}]`;
    // The files' own columns: not the date and hour of the inputs' folder names.
    const rows = (await db.runAndReadAll(`SELECT * FROM read_parquet(${list}, hive_partitioning = false)`)).getRowObjectsJson();
    const meta = (await db.runAndReadAll(`SELECT count(DISTINCT (file_name, row_group_id)) AS g FROM parquet_metadata(${list})`)).getRowObjectsJson();
    // An equality filter on a dictionary column makes DuckDB read the bloom filters (at their offsets) where files have them.
    const did = String(rows[rows.length - 1].did);
    const bloom = (await db.runAndReadAll(`SELECT count(*) AS n FROM read_parquet(${list}, hive_partitioning = false) WHERE did = '${did}'`)).getRowObjectsJson();
    return { rows: JSON.stringify(rows), groups: Number(meta[0].g), bloom: Number(bloom[0].n) };
  } finally {
    close();
  }
}

test('concat: a footer decoded and encoded again gives the same bytes (the writer\'s files and DuckDB\'s)', async (t) => {
  const { dir, cleanup } = tempDir();
  const ours = await writerFile(dir, 'a', 3000, 1);
  const { db, close } = await openDuck({ threads: 1 });
  await mergeFiles(db, [ours], join(dir, 'duck.parquet'));
  close();
  for (const f of [ours, join(dir, 'duck.parquet')]) {
    const buf = footerBytes(f);
    t.ok(encodeFields(decodeFields(buf)).equals(buf), `${f.endsWith('duck.parquet') ? 'DuckDB\'s' : 'the writer\'s'} footer, ${buf.length} bytes`);
  }
  cleanup();
  t.end();
});

test('concat: files of one schema concatenated give every row of each, in order, their row groups kept; DuckDB\'s files too (bloom filters read at their new offsets)', async (t) => {
  const { dir, cleanup } = tempDir();
  // Row groups of 1,000 rows, so that each file holds several (the last one short).
  const files = [await writerFile(dir, 'a', 2500, 1, 1000), await writerFile(dir, 'b', 1200, 2, 1000), await writerFile(dir, 'c', 3100, 3, 1000)];
  const want = await readAll(files);
  const out = join(dir, 'out.parquet');
  const r = concatParquet(files, out);
  t.ok(want.groups > 3, `${want.groups} row groups in the three files`);
  t.deepEqual(r, { rows: 6800, groups: want.groups }, 'the rows and row groups of the three');
  const got = await readAll([out]);
  t.equal(got.groups, want.groups, 'row groups kept');
  t.ok(got.rows === want.rows, 'every row and value, in order');
  t.equal(rowsPerGroup([out]), 6800 / want.groups, 'rowsPerGroup reads the footers');
  // DuckDB's own files (V2 encodings, its statistics and bloom filters): one merged file, concatenated with itself.
  const { db, close } = await openDuck({ threads: 1 });
  await mergeFiles(db, files, join(dir, 'duck.parquet'));
  close();
  const duckWant = await readAll([join(dir, 'duck.parquet'), join(dir, 'duck.parquet')]);
  concatParquet([join(dir, 'duck.parquet'), join(dir, 'duck.parquet')], join(dir, 'duck2.parquet'));
  const duckGot = await readAll([join(dir, 'duck2.parquet')]);
  t.ok(duckGot.rows === duckWant.rows, 'DuckDB\'s file twice: every row twice, in order');
  t.equal(duckGot.bloom, duckWant.bloom, `an equality filter finds the same rows (${duckGot.bloom})`);
  t.ok(duckGot.bloom >= 2, 'in both copies');
  cleanup();
  t.end();
});

test('concat: files of different schemas are refused before anything is written; compactFiles then merges them with DuckDB', async (t) => {
  const { dir, cleanup } = tempDir();
  const ours = await writerFile(dir, 'a', 2000, 1);
  const { db, close } = await openDuck({ threads: 1 });
  await db.run(`COPY (SELECT * EXCLUDE (record_cut) FROM read_parquet('${ours}')) TO '${join(dir, 'other.parquet')}' (FORMAT parquet)`);
  close();
  const out = join(dir, 'out.parquet');
  t.throws(() => concatParquet([ours, join(dir, 'other.parquet')], out), NotConcatenable, 'another schema: NotConcatenable');
  t.notOk(existsSync(out), 'nothing written');
  writeFileSync(join(dir, 'junk.parquet'), 'not parquet at all');
  t.throws(() => concatParquet([ours, join(dir, 'junk.parquet')], out), NotConcatenable, 'not a Parquet file: NotConcatenable');
  t.notOk(existsSync(out), 'nothing written');
  // The writer's file (large groups) with a file of the older schema: DuckDB's merge, every row of both.
  const duck = await openDuck({ threads: 1 });
  const how = await compactFiles([ours, join(dir, 'other.parquet')], out, async () => duck.db, 1);
  duck.close();
  t.equal(how, 'duckdb', 'merged by DuckDB');
  const rows = await lakeQuery(dir, () => `SELECT count(*) AS n FROM read_parquet('${out}', union_by_name = true)`);
  t.equal(rows[0].n, '4000', 'every row of both');
  cleanup();
  t.end();
});

test('concat: compactFiles concatenates files whose row groups are large enough, and leaves small ones to DuckDB', async (t) => {
  const { dir, cleanup } = tempDir();
  const files = [await writerFile(dir, 'a', 1500, 1), await writerFile(dir, 'b', 1500, 2)];
  const duck = await openDuck({ threads: 1 });
  const db = async () => duck.db;
  t.equal(await compactFiles(files, join(dir, 'big.parquet'), db, 1000), 'concat', 'groups of 1,500 rows against a floor of 1,000: concatenated');
  t.equal(await compactFiles(files, join(dir, 'small.parquet'), db), 'duckdb', 'against the default floor (8,192): DuckDB');
  duck.close();
  const a = await readAll([join(dir, 'big.parquet')]);
  const b = await readAll(files);
  t.ok(a.rows === b.rows, 'the same rows');
  cleanup();
  t.end();
});

test('concat: periodic compacts a closed hour of large runs by concatenation: one file, the runs\' row groups, every event once (killed while publishing too)', async (t) => {
  for (const step of ['none', 'lake-commit-mid']) {
    const { dir, cleanup } = tempDir();
    // Three runs of 10,000 events within one hour: each run's file is one row group of 10,000 rows (past CONCAT_MIN_ROWS).
    const lines = genLines(30000, 7, ['--start', '2025-03-16T10:00:00.000000', '--rate', '100', '--dup-rate', '0', '--bad-rate', '0']);
    for (let k = 0; k < 3; k++) {
      run('handle-stream', ['-q'], Buffer.concat(lines.slice(k * 10000, (k + 1) * 10000)), { cwd: dir });
      t.equal(run('periodic', ['--lake', 'lake', '-q'], '', { cwd: dir }).code, 0);
    }
    const hour = join(dir, 'lake', 'events', 'date=2025-03-16', 'hour=10');
    t.equal(readdirSync(hour).length, 3, 'three files before the hour closes');
    const before = await lakeQuery(join(dir, 'lake'), (files) => `SELECT ${LAKE_KEY} AS k, * EXCLUDE (date, hour) FROM ${files} ORDER BY batch, seg, seq`);
    run('handle-stream', ['-q'], Buffer.from(JSON.stringify({ time: '2025-03-16T12:00:00.000000', did: 'did:plc:closer', op: 'create', collection: 'app.bsky.feed.like', rkey: 'c1', record: { subject: { uri: 'at://did:plc:q/app.bsky.feed.post/7' } } }) + '\n'), { cwd: dir });
    if (step !== 'none') {
      const killed = run('periodic', ['--lake', 'lake', '-q'], '', { cwd: dir, env: { BSKY_CRASH_AT: step } });
      t.equal(killed.signal, 'SIGKILL', `killed at ${step}`);
      // Ages the lock the killed run left, so that the next run takes it over at once.
      const lock = join(dir, 'state', 'periodic.lock');
      if (existsSync(lock)) utimesSync(lock, new Date(Date.now() - 3600_000), new Date(Date.now() - 3600_000));
    }
    for (let i = 0; i < 2; i++) t.equal(run('periodic', ['--lake', 'lake', '-q'], '', { cwd: dir }).code, 0);
    const files = readdirSync(hour);
    t.equal(files.length, 1, `one file for the closed hour (${step})`);
    t.match(files[0], /-c\.parquet$/);
    const meta = await lakeQuery(join(dir, 'lake'), () => `SELECT count(DISTINCT row_group_id) AS g, min(row_group_num_rows) AS lo FROM parquet_metadata('${join(hour, files[0])}')`);
    t.deepEqual(meta, [{ g: '3', lo: '10000' }], 'the three runs\' row groups, as the writer made them');
    const after = await lakeQuery(join(dir, 'lake'), (files) => `SELECT ${LAKE_KEY} AS k, * EXCLUDE (date, hour) FROM ${files} WHERE NOT (date = '2025-03-16' AND hour = 12) ORDER BY batch, seg, seq`);
    t.equal(JSON.stringify(after), JSON.stringify(before), `every row and value as before (${step})`);
    const keys = lakeFiles(join(dir, 'lake')).length;
    t.ok(keys >= 2, 'the closer\'s hour has its own file');
    const all = await lakeQuery(join(dir, 'lake'), (files) => `SELECT ${LAKE_KEY} AS k FROM ${files}`);
    t.deepEqual(all.map((r) => r.k as string).sort(), spooledKeys(dir), `every event exactly once (${step})`);
    cleanup();
  }
  t.end();
});
