import test from 'tape';
import { closeSync, existsSync, fstatSync, openSync, readdirSync, readFileSync, readSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, tempDir } from './helpers.js';
import { genLines, LAKE_KEY, lakeQuery, spooledKeys } from './lake-fixtures.js';
import { openDuck } from '../lib/lake/duck.js';
import { concatParquet, decodeFields, encodeFields, field, type Field, NotConcatenable, Reader, readFooter, rowsPerGroup, setConstant } from '../lib/lake/concat.js';
import { coalesceParquet, decodeDelta, decodeHybrid } from '../lib/lake/coalesce.js';
import { deltaBinaryPacked, rleHybrid } from '../lib/lake/parquet.js';
import { compactFiles, mergeFiles } from '../lib/lake/lake.js';
import { feedSegments, LAKE_COLUMNS, LakeRows } from '../lib/lake/rows.js';
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
  const how = await compactFiles([ours, join(dir, 'other.parquet')], out, async () => duck.db, { minRows: 1 });
  duck.close();
  t.equal(how, 'duckdb', 'merged by DuckDB');
  const rows = await lakeQuery(dir, () => `SELECT count(*) AS n FROM read_parquet('${out}', union_by_name = true)`);
  t.equal(rows[0].n, '4000', 'every row of both');
  cleanup();
  t.end();
});

test('concat: compactFiles coalesces the writer\'s files, concatenates other files whose row groups are large enough, leaves small ones to DuckDB', async (t) => {
  const { dir, cleanup } = tempDir();
  const files = [await writerFile(dir, 'a', 1500, 1), await writerFile(dir, 'b', 1500, 2)];
  const duck = await openDuck({ threads: 1 });
  const db = async () => duck.db;
  t.equal(await compactFiles(files, join(dir, 'ours.parquet'), db), 'coalesce', 'the writer\'s files: coalesced');
  t.equal(await compactFiles(files, join(dir, 'forced.parquet'), db, { duckdb: true }), 'duckdb', 'forced: DuckDB');
  // The same rows as DuckDB writes them (another created_by): concatenated past the floor, else DuckDB.
  const theirs = [join(dir, 'da.parquet'), join(dir, 'db.parquet')];
  for (const [i, f] of files.entries()) await mergeFiles(duck.db, [f], theirs[i]);
  t.equal(await compactFiles(theirs, join(dir, 'big.parquet'), db, { minRows: 1000 }), 'concat', 'DuckDB\'s files, groups of 1,500 rows against a floor of 1,000: concatenated');
  t.equal(await compactFiles(theirs, join(dir, 'small.parquet'), db), 'duckdb', 'against the default floor (8,192): DuckDB');
  duck.close();
  const b = await readAll(files);
  t.equal((await readAll([join(dir, 'ours.parquet')])).rows, b.rows, 'coalesced: the same rows, in order');
  t.equal((await readAll([join(dir, 'ours.parquet')])).groups, 1, 'coalesced: one row group of 3,000 rows');
  t.equal((await readAll([join(dir, 'big.parquet')])).rows, (await readAll(theirs)).rows, 'concatenated: the same rows');
  cleanup();
  t.end();
});

/** Per column of a file: the least and greatest its row groups' statistics give, their null counts summed, and the values' own (DuckDB). */
async function statsAgainstValues(path: string): Promise<Array<{ column: string; stats: string; values: string }>> {
  const { db, close } = await openDuck();
  try {
    const cols = (await db.runAndReadAll(`SELECT DISTINCT path_in_schema AS c FROM parquet_metadata('${path}') WHERE path_in_schema NOT LIKE '%,%'`)).getRowObjectsJson();
    const out = [];
    for (const { c } of cols) {
      const col = String(c);
      // Statistics come as text: the integer columns' compared as numbers.
      const n = (x: string): string => (['seq', 'batch', 'record_cut'].includes(col) ? `${x}::BIGINT` : x);
      const s = (await db.runAndReadAll(`SELECT min(${n('stats_min_value')})::VARCHAR AS lo, max(${n('stats_max_value')})::VARCHAR AS hi, sum(stats_null_count)::BIGINT AS nulls,
        count(*) FILTER (WHERE stats_min_value IS NULL) AS unbounded FROM parquet_metadata('${path}') WHERE path_in_schema = '${col}'`)).getRowObjectsJson()[0];
      const v = (await db.runAndReadAll(`SELECT min(${col})::VARCHAR AS lo, max(${col})::VARCHAR AS hi, count(*) FILTER (WHERE ${col} IS NULL) AS nulls FROM read_parquet('${path}')`)).getRowObjectsJson()[0];
      out.push({ column: col, stats: JSON.stringify(s), values: JSON.stringify(v) });
    }
    return out;
  } finally {
    close();
  }
}

/** The data pages of each column chunk of a file, by column name: one list entry a row group (the footer, then each page header). */
function dataPages(path: string): Map<string, number[]> {
  const fd = openSync(path, 'r');
  try {
    const { fields } = readFooter(fd, path);
    const out = new Map<string, number[]>();
    const num = (n: unknown): number => (n as { v: number }).v;
    for (const g of (field(fields, 4) as { v: Array<{ v: Field[] }> }).v) {
      for (const c of (field(g.v, 1) as { v: Array<{ v: Field[] }> }).v) {
        const meta = (field(c.v, 3) as { v: Field[] }).v;
        const name = (field(meta, 3) as { v: Array<{ v: Buffer }> }).v[0].v.toString();
        const start = num(field(meta, 11) ?? field(meta, 9));
        const buf = Buffer.alloc(num(field(meta, 7)));
        readSync(fd, buf, 0, buf.length, start);
        let pages = 0;
        for (let pos = 0; pos < buf.length;) {
          const r = new Reader(buf.subarray(pos));
          const h = r.struct();
          if (num(field(h, 1)) === 0) pages++;
          pos += r.pos + num(field(h, 3));
        }
        out.set(name, [...(out.get(name) ?? []), pages]);
      }
    }
    return out;
  } finally {
    closeSync(fd);
  }
}

test('coalesce: the writer\'s small row groups joined into groups of up to 32,768 rows: every row in order, one dictionary per chunk, statistics that hold', async (t) => {
  const { dir, cleanup } = tempDir();
  // Runs of a few hundred to a few thousand events, groups of 700 to 3,000 rows, dictionaries in different orders (other seeds).
  const files = [
    await writerFile(dir, 'a', 2500, 1, 1000), await writerFile(dir, 'b', 700, 2), await writerFile(dir, 'c', 3100, 3, 2000),
    await writerFile(dir, 'd', 5000, 4), await writerFile(dir, 'e', 30000, 5), await writerFile(dir, 'f', 40000, 6),
  ];
  // Distinct batches (a constant column, set in place as periodic does), so that the merged chunk's dictionary is not one entry.
  for (const [i, f] of files.entries()) setConstant(f, 'batch', 10 + i);
  const want = await readAll(files);
  const out = join(dir, 'out.parquet');
  const r = await coalesceParquet(files, out);
  t.equal(r.rows, 81300, 'every row counted');
  // Planned greedily in order: 1000+1000+500+700+2000+1100+5000 = 11,300; 30,000; 32,768 + 7,232 from the 40,000 (the writer's own groups).
  t.equal(r.groups, 4, 'row groups: the small ones joined, 30,000 alone, the writer\'s 32,768 and its rest');
  const got = await readAll([out]);
  t.equal(got.groups, 4, 'DuckDB reads 4 row groups');
  t.ok(got.rows === want.rows, 'every row and column equal to the inputs\', in order');
  t.equal(got.bloom, want.bloom, 'an equality filter finds the same rows');
  // The columns the writer keeps in one page a row group are one page again; the others keep their blocks' pages.
  const pages = dataPages(out);
  for (const c of LAKE_COLUMNS.filter((x) => x.wholeGroup)) t.deepEqual(pages.get(c.name), [1, 1, 1, 1], `${c.name}: one page a row group`);
  t.ok(pages.get('record')![0] > 1, `record: the sources' pages (${pages.get('record')![0]} in the first group)`);
  const stats = await statsAgainstValues(out);
  t.ok(stats.length >= 20, `${stats.length} columns checked (the lists' elements aside)`);
  for (const s of stats) {
    const st = JSON.parse(s.stats) as { lo: string | null; hi: string | null; nulls: string | null; unbounded: string };
    const v = JSON.parse(s.values) as { lo: string | null; hi: string | null; nulls: string };
    if (st.nulls !== null) t.equal(st.nulls, v.nulls, `${s.column}: null counts add up (${v.nulls})`);
    if (st.unbounded === '0' && v.lo !== null && s.column !== 'time') t.deepEqual([st.lo, st.hi], [v.lo, v.hi], `${s.column}: least and greatest from the statistics`);
  }
  // Filters DuckDB answers from the statistics and dictionaries: the same as over the inputs.
  const q = (f: string[]) => lakeQuery(dir, () => `SELECT batch, kind, count(*) AS n, min(time) AS lo FROM read_parquet([${f.map((x) => `'${x}'`).join(', ')}], hive_partitioning = false)
    WHERE kind IN ('like', 'post') AND batch BETWEEN 11 AND 14 AND op = 'create' GROUP BY ALL ORDER BY ALL`);
  t.deepEqual(await q([out]), await q(files), 'filtered counts by batch and kind equal');
  // Coalesced again with a later file (compaction of a late event): still every row.
  const late = await writerFile(dir, 'g', 300, 7);
  const again = join(dir, 'again.parquet');
  t.deepEqual(await coalesceParquet([out, late], again), { rows: 81600, groups: 4 }, 'the late file joins the last group');
  t.ok((await readAll([again])).rows === (await readAll([...files, late])).rows, 'and every row is there, in order');
  cleanup();
  t.end();
});

test('coalesce: groups that stay alone are copied byte for byte (the same file as concatenation), and files the writer did not make are refused', async (t) => {
  const { dir, cleanup } = tempDir();
  const files = [await writerFile(dir, 'a', 20000, 1), await writerFile(dir, 'b', 20000, 2)];
  const out = join(dir, 'out.parquet');
  t.deepEqual(await coalesceParquet(files, out), { rows: 40000, groups: 2 }, 'two groups of 20,000: no pair fits in 32,768');
  concatParquet(files, join(dir, 'cat.parquet'));
  t.ok(readFileSync(out).equals(readFileSync(join(dir, 'cat.parquet'))), 'byte for byte the concatenated file');
  const { db, close } = await openDuck({ threads: 1 });
  await mergeFiles(db, [files[0]], join(dir, 'duck.parquet'));
  close();
  const refused = join(dir, 'refused.parquet');
  const err = await coalesceParquet([files[1], join(dir, 'duck.parquet')], refused).then(() => undefined, (e: unknown) => e);
  t.ok(err instanceof NotConcatenable, `DuckDB's file: NotConcatenable (${String(err)})`);
  t.notOk(existsSync(refused), 'nothing written');
  cleanup();
  t.end();
});

test('coalesce: the delta decoder reads what the writer\'s deltaBinaryPacked writes', (t) => {
  let seed = 11;
  const rand = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (const n of [1, 2, 127, 128, 129, 1000, 4097]) {
    for (const spread of [0, 1, 1e3, 1e9, 2 ** 50]) {
      const buf = Buffer.alloc(8 * n);
      // Mostly rising by small steps (times in fold order), some going back, within [0, 2^52).
      let v = Math.floor(rand() * 2 ** 51);
      for (let i = 0; i < n; i++) {
        v = Math.min(2 ** 52 - 1, Math.max(0, v + Math.floor((rand() - 0.2) * spread)));
        buf.writeBigInt64LE(BigInt(v), 8 * i);
      }
      const enc = deltaBinaryPacked(buf, 0, n);
      t.ok(decodeDelta(enc, 0, n).equals(buf), `${n} values, steps up to ${spread}`);
    }
  }
  t.end();
});

test('coalesce: the hybrid decoder reads what rleHybrid writes, at every width', (t) => {
  let seed = 7;
  const rand = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let width = 1; width <= 16; width++) {
    const n = 1 + Math.floor(rand() * 3000);
    const v = new Uint16Array(n);
    // Runs and noise, so that both RLE runs and bit-packed groups occur.
    for (let i = 0; i < n; i++) v[i] = rand() < 0.5 && i > 0 ? v[i - 1] : Math.floor(rand() * 2 ** width);
    const enc = rleHybrid(v, n, width);
    t.deepEqual([...decodeHybrid(enc, 0, enc.length, width, n)], [...v], `width ${width}, ${n} values`);
  }
  t.end();
});

test('concat: periodic compacts a closed hour of runs by coalescing: one file, the runs\' row groups joined, every event once (killed while publishing too)', async (t) => {
  for (const step of ['none', 'lake-commit-mid']) {
    const { dir, cleanup } = tempDir();
    // Three runs of 10,000 events within one hour: each run's file is one row group of 10,000 rows, joined into one of 30,000.
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
    t.deepEqual(meta, [{ g: '1', lo: '30000' }], 'the three runs\' row groups joined into one');
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
