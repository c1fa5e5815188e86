import test from 'tape';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { ENV, exited, ndjson, ROOT, run, RUN_TIMEOUT_MS, start, tempDir } from './helpers.js';
import { boundaryLines, chunks, genLines, key, LAKE_KEY, lakeQuery, spooledKeys } from './lake-fixtures.js';
import { tokens } from '../lib/metrics/words.js';
import { RECORD_SQL } from '../lib/lake/write.js';
import { LakeWriter } from '../lib/lake/lake.js';
import { lakeFiles } from '../lib/lake/layout.js';

// Across midnight (two dates), with duplicates and bad lines, plus the boundary cases in the middle.
const gen = genLines(4000, 21, ['--start', '2025-03-16T23:58:30.000000', '--rate', '20', '--dup-rate', '0.01', '--bad-rate', '0.003']);
const lines = [...gen.slice(0, 2000), ...boundaryLines(), ...gen.slice(2000)];

/** Every event key in the lake, sorted, read by DuckDB from the Parquet files themselves. */
async function lakeKeys(dir: string): Promise<string[]> {
  const rows = await lakeQuery(join(dir, 'lake'), (files) => `SELECT ${LAKE_KEY} AS k FROM ${files}`);
  return rows.map((r) => r.k as string).sort();
}

/** The Parquet files of a partition folder under lake/events (`date=D/hour=H`, or `date=D` in a lake begun before hours). */
function partFiles(dir: string, part: string): string[] {
  const d = join(dir, 'lake', 'events', part);
  return existsSync(d) ? readdirSync(d).filter((f) => f.endsWith('.parquet')) : [];
}

/** The partition folders under lake/events that hold files, relative to it. */
function partitions(dir: string): string[] {
  return lakeFiles(join(dir, 'lake')).map((f) => dirname(relative(join(dir, 'lake', 'events'), join(dir, 'lake', f.path)))).filter((p, i, a) => a.indexOf(p) === i);
}

/** Ages the lock a killed run left, so that the next run takes it over at once. */
function staleLock(dir: string): void {
  const lock = join(dir, 'state', 'periodic.lock');
  if (existsSync(lock)) utimesSync(lock, new Date(Date.now() - 3600_000), new Date(Date.now() - 3600_000));
}

/** Spools the capture in `parts` handle-stream runs with periodic (and `env`) after each. */
function spoolAndRoll(dir: string, parts: number, periodicArgs: string[] = ['-q'], env: Record<string, string> = {}): void {
  for (const part of chunks(lines, parts)) {
    run('handle-stream', ['-q', '--rotate-bytes', '100000'], part, { cwd: dir });
    run('periodic', ['--lake', 'lake', ...periodicArgs], '', { cwd: dir, env });
  }
}

test('lake: periodic writes every folded event into the lake once, by date and hour, zstd Parquet, none left in staging', async (t) => {
  const { dir, cleanup } = tempDir();
  spoolAndRoll(dir, 4);
  const spooled = spooledKeys(dir);
  t.ok(spooled.length > 4000, `${spooled.length} events spooled`);
  t.deepEqual(await lakeKeys(dir), spooled, 'the lake holds each spooled event exactly once');
  const state = JSON.parse(readFileSync(join(dir, 'state', 'periodic.json'), 'utf8')) as { events: number };
  t.equal(state.events, spooled.length, 'as many as periodic folded');
  t.deepEqual(partitions(dir), ['date=2025-03-16/hour=23', 'date=2025-03-17/hour=0'], 'Hive partitions by event date and hour');
  t.equal(readFileSync(join(dir, 'lake', 'FORMAT'), 'utf8'), '3\n', 'a lake of format 3 (hour partitions)');
  const types = await lakeQuery(join(dir, 'lake'), (files) => `SELECT column_name AS c, column_type AS t FROM (DESCRIBE SELECT date, hour FROM ${files})`);
  t.deepEqual(types, [{ c: 'date', t: 'DATE' }, { c: 'hour', t: 'BIGINT' }], 'readers get date as a DATE and hour as a BIGINT');
  const hours = await lakeQuery(join(dir, 'lake'), (files) => `SELECT count(*) AS n FROM ${files} WHERE hour <> hour(time) OR date <> time::DATE`);
  t.equal(hours[0].n, '0', 'every row in the partition of its wall-clock time');
  t.notOk(existsSync(join(dir, 'lake', '.staging')), 'no staged file or empty staging folder left');
  const meta = await lakeQuery(join(dir, 'lake'), (files) => `SELECT DISTINCT path_in_schema = 'batch' AS batch, compression FROM parquet_metadata('${join(dir, 'lake', 'events', '**', '*.parquet')}') ORDER BY 1`);
  // batch: a few bytes a row group, uncompressed so that periodic sets it in the files handle-stream wrote (segment-lake.ts).
  t.deepEqual(meta, [{ batch: false, compression: 'ZSTD' }, { batch: true, compression: 'UNCOMPRESSED' }], 'zstd (batch, a one-entry dictionary, uncompressed)');
  cleanup();
  t.end();
});

test('lake: each row holds the flat row bsky-flatten makes of its event, the post tokens as top-words makes them, and the record', async (t) => {
  const { dir, cleanup } = tempDir();
  spoolAndRoll(dir, 2);
  // The canonical events, as the spool holds them, flattened by bsky-flatten.
  const segs: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (e.name.startsWith('seg-')) segs.push(join(d, e.name));
    }
  };
  walk(join(dir, 'spool'));
  const events = segs.sort().flatMap((f) => readFileSync(f, 'utf8').split('\n').filter(Boolean));
  const flat = ndjson(run('bsky-flatten', ['-q'], events.join('\n') + '\n').stdout);
  const byKey = new Map<string, Record<string, unknown>>();
  events.forEach((line, i) => byKey.set(key(JSON.parse(line) as Record<string, unknown>), { ...flat[i], record: (JSON.parse(line) as { record?: unknown }).record ?? null }));
  // The record as readers see it: put whole again where the writer left the subject out (record_cut).
  const rows = await lakeQuery(join(dir, 'lake'), (files) => `SELECT ${LAKE_KEY} AS k, coalesce(time_text, strftime(time, '%Y-%m-%dT%H:%M:%S.%f')) AS time,
    * EXCLUDE (time, time_text, batch, seg, seq, date, hour, record, record_cut), (${RECORD_SQL})::VARCHAR AS record, record_cut FROM ${files}`);
  t.equal(rows.length, events.length, 'one row per event');
  let differ = 0;
  let recordDiffer = 0;
  const cuts = [0, 0, 0];
  let posts = 0;
  for (const row of rows) {
    const want = byKey.get(row.k as string);
    const { k, words, record, record_cut: cut, ...fields } = row;
    cuts[cut as number]++;
    // Byte for byte: the spool's record text is JSON.stringify's.
    if (record !== JSON.stringify(want?.record ?? null) && !(record === null && want?.record === null) && recordDiffer++ < 3) t.equal(record, JSON.stringify(want?.record), `record of ${String(k)}`);
    const got: Record<string, unknown> = {};
    for (const [f, v] of Object.entries(fields)) if (v !== null) got[f] = v;
    const { record: wantRecord, ...wantFields } = want ?? {};
    if (want === undefined || JSON.stringify(Object.entries(got).sort()) !== JSON.stringify(Object.entries(wantFields).sort())
      || JSON.stringify(JSON.parse(record as string)) !== JSON.stringify(wantRecord)) {
      if (differ++ < 3) t.deepEqual(got, wantFields, `row ${String(k)}`);
    }
    if (fields.kind === 'post' && typeof fields.text === 'string') {
      posts++;
      if (JSON.stringify(words) !== JSON.stringify(tokens(fields.text))) t.fail(`words of ${String(k)}`);
    } else if (words !== null) t.fail(`words only for posts: ${String(k)}`);
  }
  t.equal(differ, 0, 'every field as bsky-flatten gives it (boundary cases included)');
  t.equal(recordDiffer, 0, 'every record byte for byte as spooled, put whole again where its subject was left out');
  t.ok(cuts[1] > 100 && cuts[2] > 100, `records with the subject URI left out: ${cuts[1]}, with the subject DID: ${cuts[2]}, whole: ${cuts[0]}`);
  t.ok(posts > 100, `${posts} posts with their tokens`);
  cleanup();
  t.end();
});

test('lake: a file in the staging folder is never read as part of the lake', async (t) => {
  const { dir, cleanup } = tempDir();
  spoolAndRoll(dir, 1);
  const before = await lakeKeys(dir);
  // What a killed run leaves: a staged copy of a published file.
  const published = lakeFiles(join(dir, 'lake'))[0].path;
  mkdirSync(join(dir, 'lake', '.staging', 'batch-9', 'out', 'date=2025-03-16', 'hour=23'), { recursive: true });
  writeFileSync(join(dir, 'lake', '.staging', 'batch-9', 'out', 'date=2025-03-16', 'hour=23', 'x.parquet'), readFileSync(join(dir, 'lake', published)));
  t.deepEqual(await lakeKeys(dir), before, 'the readers\' glob (lake/events/**) skips it');
  t.equal(run('periodic', ['--lake', 'lake', '-q'], '', { cwd: dir }).code, 0);
  t.notOk(existsSync(join(dir, 'lake', '.staging')), 'and the next run deletes it');
  cleanup();
  t.end();
});

test('lake: tidy() after a commit removes the staging folder\'s empty folders, never a file', (t) => {
  const { dir, cleanup } = tempDir();
  const staging = join(dir, '.staging');
  mkdirSync(join(staging, 'batch-3', 'out', 'date=2025-03-16'), { recursive: true });
  mkdirSync(join(staging, 'batch-4', 'out', 'date=2025-03-17'), { recursive: true });
  writeFileSync(join(staging, 'batch-4', 'out', 'date=2025-03-17', 'part.parquet'), 'x');
  const lake = new LakeWriter({ dir });
  lake.tidy();
  t.notOk(existsSync(join(staging, 'batch-3')), 'a batch folder holding only empty folders goes');
  t.ok(existsSync(join(staging, 'batch-4', 'out', 'date=2025-03-17', 'part.parquet')), 'a file stays, and the folders that lead to it');
  rmSync(join(staging, 'batch-4'), { recursive: true });
  lake.tidy();
  t.notOk(existsSync(staging), 'an empty staging folder goes');
  lake.tidy();
  t.pass('no staging folder: nothing to do');
  cleanup();
  t.end();
});

test('lake: periodic\'s launcher starts the writer thread before periodic loads and periodic gives it the batch: one thread a run, none with --no-lake; the bundle alone starts its own; none writes when handle-stream wrote the files', async (t) => {
  const { dir, cleanup } = tempDir();
  // A preload lists the Worker threads the main thread starts, each by the bundle that started it, printed at exit.
  const preload = join(dir, 'count.mjs');
  writeFileSync(preload, `import wt from 'node:worker_threads';
import { syncBuiltinESMExports } from 'node:module';
if (wt.isMainThread) {
  const W = wt.Worker;
  const by = [];
  wt.Worker = class extends W { constructor(...a) { super(...a); by.push(/bundle\\/bin\\/([\\w-]+\\.js)/.exec(new Error().stack)?.[1]); } };
  syncBuiltinESMExports();
  process.on('exit', () => process.stderr.write('workers: ' + by.join(' ') + '\\n'));
}
`);
  const env = { NODE_OPTIONS: `--import=${pathToFileURL(preload).href}` };
  const threads = (r: { code: number | null; stderr: string }, what: string): string | undefined => {
    t.equal(r.code, 0, `${what}: exit 0 ${r.stderr}`);
    return /^workers: (.*)$/m.exec(r.stderr)?.[1];
  };
  const half = chunks(lines, 2);
  mkdirSync(join(dir, 'a'));
  // handle-stream --no-lake-files: periodic's own writer thread writes the rows.
  run('handle-stream', ['-q', '--no-lake-files', '--rotate-bytes', '100000'], half[0], { cwd: join(dir, 'a') });
  t.equal(threads(run('periodic', ['--lake', 'lake', '-q'], '', { cwd: join(dir, 'a'), env }), 'through the launcher'), 'lake-prewarm.js', 'one thread, started by the launcher (lake-prewarm.js) before periodic.js: it wrote the batch');
  t.equal(threads(run('periodic', ['--lake', 'lake', '-q'], '', { cwd: join(dir, 'a'), env }), 'nothing new'), 'lake-prewarm.js', 'a run with nothing new leaves it unused, and ends');
  run('handle-stream', ['-q', '--no-lake-files', '--rotate-bytes', '100000'], half[1], { cwd: join(dir, 'a') });
  // The bundle run without its launcher: the batch starts its own thread.
  const bundle = spawnSync(process.execPath, [join(ROOT, 'dist', 'bundle', 'bin', 'periodic.js'), '--lake', 'lake', '-q'], { cwd: join(dir, 'a'), env: { ...ENV, ...env }, encoding: 'utf8', timeout: RUN_TIMEOUT_MS });
  t.equal(threads({ code: bundle.status, stderr: bundle.stderr }, 'the bundle alone'), 'periodic.js', 'without the launcher, periodic starts one for the batch');
  t.deepEqual(await lakeKeys(join(dir, 'a')), spooledKeys(join(dir, 'a')), 'every event in the lake exactly once');
  mkdirSync(join(dir, 'b'));
  run('handle-stream', ['-q'], half[0], { cwd: join(dir, 'b') });
  t.equal(threads(run('periodic', ['--no-lake', '-q'], '', { cwd: join(dir, 'b'), env }), '--no-lake'), '', '--no-lake starts none');
  // handle-stream wrote every segment's files: the bundle alone starts no writer thread, and the lake holds every event once.
  mkdirSync(join(dir, 'c'));
  // Two runs, a segment each (published at the end of the input, not because it filled up: a backlog gets no files).
  for (const part of half) run('handle-stream', ['-q'], part, { cwd: join(dir, 'c') });
  const moved = spawnSync(process.execPath, [join(ROOT, 'dist', 'bundle', 'bin', 'periodic.js'), '--lake', 'lake', '-q'], { cwd: join(dir, 'c'), env: { ...ENV, ...env }, encoding: 'utf8', timeout: RUN_TIMEOUT_MS });
  t.equal(threads({ code: moved.status, stderr: moved.stderr }, 'handle-stream\'s files'), '', 'the files handle-stream wrote are moved in: no writer thread');
  t.deepEqual(await lakeKeys(join(dir, 'c')), spooledKeys(join(dir, 'c')), 'every event in the lake exactly once');
  cleanup();
  t.end();
});

test('lake: a run that fails while the lake\'s writer thread works stops it cleanly (one line, exit 1) and the next run writes every event once', async (t) => {
  const { dir, cleanup } = tempDir();
  run('handle-stream', ['-q', '--rotate-bytes', '60000'], Buffer.concat(lines), { cwd: dir });
  // The writer thread starts before the fold; the fold of a middle segment fails while it reads, or DuckDB writes (a thread
  // terminated during a COPY aborted the whole process: "terminate called after throwing an instance of 'Napi::Error'").
  const segments = readdirSync(join(dir, 'spool')).filter((f) => f.startsWith('seg-')).length;
  t.ok(segments >= 4, `${segments} segments`);
  const at = `fold:${Math.ceil(segments * 0.7)}`;
  const failed = run('periodic', ['--lake', 'lake', '-q'], '', { cwd: dir, env: { BSKY_FAIL_AT: at } });
  t.equal(failed.code, 1, 'exit 1');
  t.equal(failed.stderr, `periodic: injected failure (BSKY_FAIL_AT=${at})\n`, 'one line, nothing from the native module');
  const final = run('periodic', ['--lake', 'lake', '-q'], '', { cwd: dir });
  t.equal(final.code, 0, final.stderr);
  t.deepEqual(await lakeKeys(dir), spooledKeys(dir), 'every event in the lake exactly once');
  cleanup();
  t.end();
});

test('lake: a run whose lake writer thread fails says so in one line, exits 1 with the metrics saved, and the next run writes every event once', async (t) => {
  const { dir, cleanup } = tempDir();
  // --no-lake-files: periodic's own writer thread writes the rows.
  run('handle-stream', ['-q', '--no-lake-files', '--rotate-bytes', '600000'], Buffer.concat(lines), { cwd: dir });
  const failed = run('periodic', ['--lake', 'lake', '-q'], '', { cwd: dir, env: { BSKY_FAIL_AT: 'lake-write:2' } });
  t.equal(failed.code, 1, 'exit 1');
  t.equal(failed.stderr, 'periodic: injected failure (BSKY_FAIL_AT=lake-write:2)\n', 'one line');
  const state = JSON.parse(readFileSync(join(dir, 'state', 'periodic.json'), 'utf8')) as { events: number; lake?: { behind?: string[] } };
  t.ok(state.events > 4000 && (state.lake?.behind ?? []).length > 0, 'the metrics were saved; the segments wait for the lake');
  const final = run('periodic', ['--lake', 'lake', '-q'], '', { cwd: dir });
  t.equal(final.code, 0, final.stderr);
  t.deepEqual(await lakeKeys(dir), spooledKeys(dir), 'every event in the lake exactly once');
  cleanup();
  t.end();
});

test('lake: killed at each lake step (fault injection) and run to completion, every event is in the lake exactly once', async (t) => {
  for (const step of ['save', 'csv', 'lake-stage', 'lake-save', 'lake-commit', 'lake-commit-mid', 'archive']) {
    const { dir, cleanup } = tempDir();
    for (const part of chunks(lines, 3)) {
      run('handle-stream', ['-q', '--rotate-bytes', '60000'], part, { cwd: dir });
      const killed = run('periodic', ['--lake', 'lake', '-q', '--lock-stale', '1s'], '', { cwd: dir, env: { BSKY_CRASH_AT: step } });
      t.equal(killed.signal, 'SIGKILL', `killed at ${step}${killed.stderr ? `: ${killed.stderr}` : ''}`);
      staleLock(dir);
    }
    const final = run('periodic', ['--lake', 'lake', '-q', '--lock-stale', '1s'], '', { cwd: dir });
    t.equal(final.code, 0, final.stderr);
    t.deepEqual(await lakeKeys(dir), spooledKeys(dir), `exactly once after kills at ${step}`);
    cleanup();
  }
  t.end();
});

test('lake: periodic killed with SIGKILL at 20 random moments while it writes the lake, then run to completion: every event exactly once', async (t) => {
  const { dir, cleanup } = tempDir();
  let seed = 7;
  const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const kills: number[] = [];
  for (const part of chunks(lines, 20)) {
    run('handle-stream', ['-q', '--rotate-bytes', '30000'], part, { cwd: dir });
    const child = start('periodic', ['--lake', 'lake', '-q', '--lock-stale', '1s'], { cwd: dir });
    const delay = 100 + Math.floor(random() * 900);
    kills.push(delay);
    const timer = setTimeout(() => child.kill('SIGKILL'), delay);
    await exited(child);
    clearTimeout(timer);
    staleLock(dir);
  }
  const final = run('periodic', ['--lake', 'lake', '-q', '--lock-stale', '1s'], '', { cwd: dir });
  t.equal(final.code, 0, final.stderr);
  t.deepEqual(await lakeKeys(dir), spooledKeys(dir), `exactly once after kills at ${kills.join(', ')} ms`);
  cleanup();
  t.end();
});

function csvs(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(join(dir, 'metrics')).sort()) out[f] = readFileSync(join(dir, 'metrics', f), 'utf8');
  return out;
}

test('lake: periodic --rebuild recomputes the same CSVs from the lake alone; with other parameters, those of a fresh run with them', (t) => {
  const { dir, cleanup } = tempDir();
  spoolAndRoll(dir, 4);
  const incremental = csvs(dir);
  const state = readFileSync(join(dir, 'state', 'periodic.json'), 'utf8');
  const rebuilt = run('periodic', ['--lake', 'lake', '--rebuild'], '', { cwd: dir });
  t.equal(rebuilt.code, 0, rebuilt.stderr);
  t.deepEqual(csvs(dir), incremental, 'identical CSVs');
  t.equal((JSON.parse(readFileSync(join(dir, 'state', 'periodic.json'), 'utf8')) as { events: number }).events, (JSON.parse(state) as { events: number }).events, 'the same event count');
  const other = ['--keyword', 'software', '--min-likes', '20', '--within', '30s', '--lateness', '0'];
  const refused = run('periodic', ['--lake', 'lake', '-q', ...other], '', { cwd: dir });
  t.match(refused.stderr, /run periodic --rebuild/, 'other parameters without --rebuild: told to rebuild');
  t.equal(run('periodic', ['--lake', 'lake', '-q', '--rebuild', ...other], '', { cwd: dir }).code, 0);
  const fresh = tempDir();
  run('handle-stream', ['-q'], Buffer.concat(lines), { cwd: fresh.dir });
  run('periodic', ['--lake', 'lake', '-q', ...other], '', { cwd: fresh.dir });
  t.deepEqual(csvs(dir), csvs(fresh.dir), 'as a fresh run with --keyword software --min-likes 20 --within 30s --lateness 0');
  t.ok(csvs(dir)['fast-likers.csv'].split('\n').length > 2, 'with fast likers');
  // New segments after a rebuild are folded as usual.
  run('handle-stream', ['-q'], Buffer.concat(genLines(500, 99, ['--start', '2025-03-17T00:10:00.000000'])), { cwd: dir });
  run('handle-stream', ['-q'], Buffer.concat(genLines(500, 99, ['--start', '2025-03-17T00:10:00.000000'])), { cwd: fresh.dir });
  run('periodic', ['--lake', 'lake', '-q', ...other], '', { cwd: dir });
  run('periodic', ['--lake', 'lake', '-q', ...other], '', { cwd: fresh.dir });
  t.deepEqual(csvs(dir), csvs(fresh.dir), 'and runs after it go on incrementally');
  fresh.cleanup();
  cleanup();
  t.end();
});

test('lake: --rebuild with --no-lake is refused; --no-lake writes no lake', (t) => {
  const { dir, cleanup } = tempDir();
  run('handle-stream', ['-q'], Buffer.concat(genLines(300, 2)), { cwd: dir });
  t.equal(run('periodic', ['-q', '--no-lake'], '', { cwd: dir }).code, 0);
  t.notOk(existsSync(join(dir, 'lake')), 'no lake folder');
  const r = run('periodic', ['-q', '--no-lake', '--rebuild'], '', { cwd: dir });
  t.equal(r.code, 1);
  t.match(r.stderr, /^periodic: --rebuild reads the lake[^\n]*\n$/);
  cleanup();
  t.end();
});

/** A like at `time`: late enough, it closes the partitions before it. */
const likeAt = (time: string): Buffer => Buffer.from(JSON.stringify({ time, did: 'did:plc:closer', op: 'create', collection: 'app.bsky.feed.like', rkey: 'c1', record: { subject: { uri: 'at://did:plc:q/app.bsky.feed.post/7' } } }) + '\n');
/** A like far enough in the future to close every earlier date. */
const closer = likeAt('2025-03-18T02:00:00.000000');

test('lake: the small files of a closed hour are compacted, one bounded step per run, every event still once (killed while compacting too)', async (t) => {
  for (const step of ['none', 'lake-compact', 'save', 'lake-commit', 'lake-commit-mid']) {
    const { dir, cleanup } = tempDir();
    spoolAndRoll(dir, 5);
    const files = (date: string, hour: number): string[] => partFiles(dir, `date=${date}/hour=${hour}`);
    t.ok(files('2025-03-16', 23).length >= 3, `${files('2025-03-16', 23).length} files for 2025-03-16 hour 23 before it closes`);
    run('handle-stream', ['-q'], closer, { cwd: dir });
    run('periodic', ['--lake', 'lake', '-q'], '', { cwd: dir });
    if (step !== 'none') {
      const killed = run('periodic', ['--lake', 'lake', '-q'], '', { cwd: dir, env: { BSKY_CRASH_AT: step } });
      t.equal(killed.signal, 'SIGKILL', `killed at ${step}`);
      staleLock(dir);
    }
    for (let i = 0; i < 3; i++) t.equal(run('periodic', ['--lake', 'lake', '-q'], '', { cwd: dir }).code, 0);
    t.deepEqual([files('2025-03-16', 23).length, files('2025-03-17', 0).length], [1, 1], `one file per closed hour (${step})`);
    t.equal(files('2025-03-18', 2).length, 1, 'the open hour untouched');
    t.deepEqual(await lakeKeys(dir), spooledKeys(dir), `every event exactly once (${step})`);
    cleanup();
  }
  t.end();
});

test('lake: an hour is compacted once it is closed, while its date goes on; the next hour once it closes', async (t) => {
  const { dir, cleanup } = tempDir();
  spoolAndRoll(dir, 5);
  const spooled = (): number => partFiles(dir, 'date=2025-03-17/hour=0').length;
  const open = spooled();
  t.ok(open >= 2, `${open} files for 2025-03-17 hour 0`);
  // 01:30: hour 23 of the 16th ended 90 minutes before (closed: CLOSE_AFTER_US, an hour), hour 0 of the 17th 30 minutes before (open).
  run('handle-stream', ['-q'], likeAt('2025-03-17T01:30:00.000000'), { cwd: dir });
  for (let i = 0; i < 2; i++) t.equal(run('periodic', ['--lake', 'lake', '-q'], '', { cwd: dir }).code, 0);
  t.equal(partFiles(dir, 'date=2025-03-16/hour=23').length, 1, 'the closed hour: one file');
  t.equal(spooled(), open, 'the hour closed less than an hour ago: untouched');
  run('handle-stream', ['-q'], likeAt('2025-03-17T02:00:00.000000').toString().replace('"c1"', '"c2"'), { cwd: dir });
  for (let i = 0; i < 2; i++) t.equal(run('periodic', ['--lake', 'lake', '-q'], '', { cwd: dir }).code, 0);
  t.equal(spooled(), 1, 'once closed, it is one file too');
  t.deepEqual(partFiles(dir, 'date=2025-03-17/hour=1').length, 1, 'the open hour (two likes, two runs): one file');
  t.deepEqual(await lakeKeys(dir), spooledKeys(dir), 'every event exactly once');
  cleanup();
  t.end();
});

test('lake: a lake begun before hour partitions (format 2, files in date folders) goes on in date folders, read and compacted as before', async (t) => {
  const { dir, cleanup } = tempDir();
  const [first, second] = chunks(lines, 2);
  run('handle-stream', ['-q', '--rotate-bytes', '100000'], first, { cwd: dir });
  t.equal(run('periodic', ['--lake', 'lake', '-q'], '', { cwd: dir }).code, 0);
  // What an older periodic left: the same files one level up, FORMAT 2.
  const lake = join(dir, 'lake');
  for (const f of lakeFiles(lake)) renameSync(join(lake, f.path), join(lake, 'events', `date=${f.date}`, `old-${f.hour}-${basename(f.path)}`));
  for (const f of readdirSync(join(lake, 'events'))) for (const h of readdirSync(join(lake, 'events', f))) if (h.startsWith('hour=')) rmdirSync(join(lake, 'events', f, h));
  writeFileSync(join(lake, 'FORMAT'), '2\n');
  run('handle-stream', ['-q', '--rotate-bytes', '100000'], second, { cwd: dir });
  t.equal(run('periodic', ['--lake', 'lake', '-q'], '', { cwd: dir }).code, 0);
  t.equal(readFileSync(join(lake, 'FORMAT'), 'utf8'), '2\n', 'its format stays');
  t.ok(lakeFiles(lake).every((f) => f.hour === undefined), 'every file in a date folder, none in an hour folder');
  const sql = run('bsky-sql', ['--lake', 'lake', 'SELECT count(*) AS n FROM events'], '', { cwd: dir });
  t.equal(sql.code, 0, sql.stderr);
  t.equal(JSON.parse(sql.stdout).n, spooledKeys(dir).length, 'bsky-sql reads it');
  run('handle-stream', ['-q'], closer, { cwd: dir });
  for (let i = 0; i < 4; i++) t.equal(run('periodic', ['--lake', 'lake', '-q'], '', { cwd: dir }).code, 0);
  t.deepEqual([partFiles(dir, 'date=2025-03-16').length, partFiles(dir, 'date=2025-03-17').length], [1, 1], 'a closed date is compacted into one file');
  t.deepEqual(await lakeKeys(dir), spooledKeys(dir), 'every event exactly once');
  cleanup();
  t.end();
});

test('lake: a compacted file keeps the time column delta-encoded, as the writer wrote it (docs/LAKE.md, Compaction), every row and value as before', async (t) => {
  const { dir, cleanup } = tempDir();
  spoolAndRoll(dir, 5);
  const date = join(dir, 'lake', 'events', 'date=2025-03-16', 'hour=23');
  // The closed date's rows in fold order, every column compaction could change.
  const dateRows = (): Promise<Array<Record<string, unknown>>> =>
    lakeQuery(join(dir, 'lake'), (files) => `SELECT ${LAKE_KEY} AS k, words, record, record_cut, seg, seq FROM ${files} WHERE date = '2025-03-16' ORDER BY seg, seq`);
  const before = await dateRows();
  run('handle-stream', ['-q'], closer, { cwd: dir });
  for (let i = 0; i < 3; i++) t.equal(run('periodic', ['--lake', 'lake', '-q'], '', { cwd: dir }).code, 0);
  const files = readdirSync(date).filter((f) => f.endsWith('.parquet'));
  t.equal(files.length, 1, 'the closed hour is one compacted file');
  t.match(files[0], /-c\.parquet$/);
  const meta = await lakeQuery(join(dir, 'lake'), () => `SELECT path_in_schema AS col, string_agg(DISTINCT encodings, ',') AS enc FROM parquet_metadata('${join(date, files[0])}') GROUP BY 1`);
  const enc = Object.fromEntries(meta.map((m) => [m.col, String(m.enc)]));
  t.match(enc.time, /DELTA_BINARY_PACKED/, `time: ${enc.time}`);
  const after = await dateRows();
  t.ok(before.length > 1000, `${before.length} rows`);
  t.deepEqual(after, before, 'the same rows and values, lists and records included');
  cleanup();
  t.end();
});

test('lake: --lake-days N deletes the dates older than N days before the newest event\'s, through the same commit', async (t) => {
  const { dir, cleanup } = tempDir();
  spoolAndRoll(dir, 2, ['-q', '--lake-days', '1']);
  t.deepEqual(readdirSync(join(dir, 'lake', 'events')).sort(), ['date=2025-03-16', 'date=2025-03-17'], 'one day back is kept');
  run('handle-stream', ['-q'], closer, { cwd: dir });
  t.equal(run('periodic', ['--lake', 'lake', '-q', '--lake-days', '1'], '', { cwd: dir }).code, 0);
  t.deepEqual(readdirSync(join(dir, 'lake', 'events')).sort(), ['date=2025-03-17', 'date=2025-03-18'], 'the date two days before the newest is gone');
  const kept = spooledKeys(dir).filter((k) => !/ 2025-03-16T\S*$/.test(k));
  t.deepEqual(await lakeKeys(dir), kept, 'the rest exactly once');
  const rebuilt = run('periodic', ['--lake', 'lake', '-q', '--rebuild', '--lake-days', '1'], '', { cwd: dir });
  t.equal(rebuilt.code, 0, rebuilt.stderr);
  t.equal(rebuilt.stderr, `periodic: rebuilt from what the lake holds: ${kept.length} events of the ${spooledKeys(dir).length} folded so far (older dates were pruned, --lake-days)\n`, 'a rebuild after pruning says what it covers');
  cleanup();
  t.end();
});

test('lake: under the free-space floor periodic keeps the metrics exact, says so, keeps the segments in the archive, and the lake catches up once space returns', async (t) => {
  const { dir, cleanup } = tempDir();
  const whole = tempDir();
  const parts = chunks(lines, 3);
  for (const d of [dir, whole.dir]) {
    run('handle-stream', ['-q'], parts[0], { cwd: d });
    t.equal(run('periodic', ['--lake', 'lake', '-q'], '', { cwd: d }).code, 0);
    run('handle-stream', ['-q'], parts[1], { cwd: d });
    run('handle-stream', ['-q'], parts[2], { cwd: d });
  }
  // The same folder without a floor: the reference.
  t.equal(run('periodic', ['--lake', 'lake', '-q', '--archive-days', '0'], '', { cwd: whole.dir }).code, 0);
  const behind = (): number => Number(/^bsky_periodic_lake_segments_behind (\d+)$/m.exec(readFileSync(join(dir, 'state', 'periodic.prom'), 'utf8'))?.[1]);
  // A floor no disk reaches; --archive-days 0 would delete the segments at once, but not those the lake waits for.
  for (let i = 0; i < 2; i++) {
    const low = run('periodic', ['--lake', 'lake', '-q', '--lake-min-free', '1000000TB', '--archive-days', '0'], '', { cwd: dir });
    t.equal(low.code, 0, low.stderr);
    t.match(low.stderr, /^periodic: lake writes wait: \d+ bytes free at lake, under the floor of 1000000000000000000 \(--lake-min-free\); 2 segments wait in spool\/archive and go into the lake once space returns; the metrics stay exact\n$/);
    t.equal(behind(), 2, 'periodic.prom: 2 segments behind');
  }
  const archived = readdirSync(join(dir, 'spool', 'archive')).flatMap((d) => readdirSync(join(dir, 'spool', 'archive', d)));
  t.equal(archived.length, 2, 'the two waiting segments are kept in the archive');
  const metrics = (d: string): string => readdirSync(join(d, 'metrics')).sort().map((f) => readFileSync(join(d, 'metrics', f), 'utf8')).join('');
  t.equal(metrics(dir), metrics(whole.dir), 'the metrics as exact as without a floor');
  const back = run('periodic', ['--lake', 'lake', '-q', '--lake-min-free', '0', '--archive-days', '0'], '', { cwd: dir });
  t.equal(back.code, 0, back.stderr);
  t.match(back.stderr, /lake writes resume: 2 segments that waited go into the lake/);
  t.equal(behind(), 0, 'periodic.prom: none behind');
  t.deepEqual(await lakeKeys(dir), await lakeKeys(whole.dir), 'every event in the lake exactly once after all');
  t.notOk(existsSync(join(dir, 'spool', 'archive')) && readdirSync(join(dir, 'spool', 'archive')).some((d) => readdirSync(join(dir, 'spool', 'archive', d)).length), 'and the archive is pruned as --archive-days says once they are in');
  t.equal(metrics(dir), metrics(whole.dir), 'the metrics unchanged');
  whole.cleanup();
  cleanup();
  t.end();
});

test('periodic: --lake-days and --lake-min-free are checked', (t) => {
  for (const [args, message] of [[['--lake-days', '-1'], /--lake-days: expected a whole number from 0 to 36500/], [['--lake-min-free', 'lots'], /--lake-min-free: invalid size 'lots'/]] as Array<[string[], RegExp]>) {
    const r = run('periodic', args);
    t.equal(r.code, 2);
    t.match(r.stderr, message);
  }
  t.end();
});
