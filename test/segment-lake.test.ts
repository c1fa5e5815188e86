import test from 'tape';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, start, exited, tempDir, waitUntil } from './helpers.js';
import { chunks, genLines, LAKE_KEY, lakeQuery, spooledKeys } from './lake-fixtures.js';
import { IS_ROOT, mountTmpfs } from './mounts.js';
import { setConstant } from '../lib/lake/concat.js';
import { walk } from '../lib/lake/layout.js';
import { readTotals, sampleKey } from '../lib/ops/prom.js';
import { feedSegments, LakeRows } from '../lib/lake/rows.js';

// handle-stream writes each published segment's lake rows beside it (lib/lake/segment-lake.ts); periodic moves them in.
const lines = genLines(3000, 31, ['--start', '2025-03-16T23:59:00.000000', '--rate', '20', '--dup-rate', '0.01', '--bad-rate', '0.003']);

/** Every lake row, in fold order (batch, segment, line). */
async function rows(dir: string): Promise<string[]> {
  const r = await lakeQuery(join(dir, 'lake'), (files) => `SELECT * FROM ${files} ORDER BY batch, seg, seq`);
  return r.map((x) => JSON.stringify(x));
}

/** The segment folders (or anything else) left under SPOOL/lake, `.open` aside. */
function spoolLake(dir: string): string[] {
  const d = join(dir, 'spool', 'lake');
  return existsSync(d) ? readdirSync(d).filter((f) => f !== '.open') : [];
}

/**
 * Spools `parts` through one handle-stream run each (`hsArgs`): each run publishes its segment at the end of its
 * input, at no backlog, so it gets its lake files (a segment published because it filled up, --rotate-bytes, is a
 * backlog: none).
 */
function spool(dir: string, parts: Buffer[], hsArgs: string[] = []): void {
  for (const part of parts) {
    const hs = run('handle-stream', ['-q', ...hsArgs], part, { cwd: dir });
    if (hs.code !== 0) throw new Error(`handle-stream: ${hs.stderr}`);
  }
}

/** The capture spooled in `parts` segments, two a periodic run (`pArgs`), in a new folder under `root`. */
function flow(root: string, name: string, parts: number, hsArgs: string[], pArgs: string[] = [], before?: (dir: string) => void): string {
  const dir = join(root, name);
  mkdirSync(dir);
  before?.(dir);
  const all = chunks(lines, parts);
  for (let i = 0; i < all.length; i += 2) {
    spool(dir, all.slice(i, i + 2), hsArgs);
    const p = run('periodic', ['-q', '--lake', 'lake', ...pArgs], '', { cwd: dir });
    if (p.code !== 0) throw new Error(`periodic: ${p.stderr}`);
  }
  return dir;
}

test('segment lake: handle-stream writes each segment\'s rows beside it; periodic moves them into the lake with their batch set: the same rows, batches and order as periodic\'s own writer makes', async (t) => {
  const { dir: root, cleanup } = tempDir();
  // One run to look at what handle-stream leaves.
  const look = join(root, 'look');
  mkdirSync(look);
  spool(look, chunks(lines, 6).slice(0, 3));
  const segs = readdirSync(join(look, 'spool')).filter((f) => f.startsWith('seg-')).sort();
  t.equal(segs.length, 3, `${segs.length} segments`);
  t.deepEqual(spoolLake(look).sort(), segs, 'a folder of lake files for each published segment');
  // A backlog: segments published because they filled up get none (periodic writes their rows).
  const backlog = join(root, 'backlog');
  mkdirSync(backlog);
  spool(backlog, [chunks(lines, 3)[0]], ['--rotate-bytes', '40000']);
  t.ok(readdirSync(join(backlog, 'spool')).filter((f) => f.startsWith('seg-')).length >= 3, 'a backlog of segments');
  t.deepEqual(spoolLake(backlog), [], 'none of them has files');
  // handle-stream.prom counts them, over its runs.
  const lakeCount = (d: string, outcome: string): number | undefined => readTotals(join(d, 'state', 'handle-stream.prom')).get(sampleKey('bsky_handle_stream_lake_segments_total', { outcome }));
  t.deepEqual(['written', 'failed', 'skipped'].map((o) => lakeCount(look, o)), [3, 0, 0], 'handle-stream.prom: 3 segments\' files written over three runs');
  const published = readdirSync(join(backlog, 'spool')).filter((f) => f.startsWith('seg-')).length;
  t.deepEqual(['written', 'failed', 'skipped'].map((o) => lakeCount(backlog, o)), [0, 0, published], `the backlog's ${published} segments counted as skipped`);
  const files = walk(join(look, 'spool', 'lake', segs[0]));
  t.ok(files.length > 0 && files.every((f) => /^date=\d{4}-\d{2}-\d{2}\/hour=\d{1,2}\/part-\d+\.parquet$/.test(f)), `in hour partitions: ${files.join(' ')}`);
  t.notOk(existsSync(join(look, 'spool', 'lake', '.open')) && readdirSync(join(look, 'spool', 'lake', '.open')).length > 0, 'nothing half written left');

  // The same segments folded twice: with handle-stream's files (warm), and copied without them into another spool
  // (cold: periodic's own writer). Segment boundaries depend on how the input arrives, so the cold spool gets the very files.
  const warm = join(root, 'warm');
  const cold = join(root, 'cold');
  mkdirSync(join(cold, 'spool'), { recursive: true });
  mkdirSync(warm);
  const all = chunks(lines, 6);
  for (let i = 0; i < all.length; i += 2) {
    spool(warm, all.slice(i, i + 2));
    for (const f of readdirSync(join(warm, 'spool'))) if (f.startsWith('seg-')) copyFileSync(join(warm, 'spool', f), join(cold, 'spool', f));
    t.equal(run('periodic', ['-q', '--lake', 'lake'], '', { cwd: warm }).code, 0);
    t.equal(run('periodic', ['-q', '--lake', 'lake'], '', { cwd: cold }).code, 0);
  }
  t.deepEqual(spoolLake(warm), [], 'periodic took every folder');
  const a = await rows(warm);
  t.ok(a.length > 2900, `${a.length} rows`);
  const b = await rows(cold);
  const at = a.findIndex((r, i) => r !== b[i]);
  t.equal(at, -1, `every row, column and batch as periodic's own writer makes them${at < 0 ? '' : `: row ${at}\n${a[at]}\n${b[at]}`}`);
  t.equal(a.length, b.length, 'as many rows');
  const batches = await lakeQuery(join(warm, 'lake'), (f) => `SELECT DISTINCT batch FROM ${f} ORDER BY 1`);
  t.deepEqual(batches.map((b) => b.batch), [0, 1, 2], 'each run its batch');
  const keys = await lakeQuery(join(warm, 'lake'), (f) => `SELECT ${LAKE_KEY} AS k FROM ${f}`);
  t.deepEqual(keys.map((k) => k.k as string).sort(), spooledKeys(warm), 'every spooled event once');
  // The statistics say the batch too: a filter on it skips the other files.
  const pruned = await lakeQuery(join(warm, 'lake'), (f) => `SELECT count(*) AS n FROM ${f} WHERE batch = 1`);
  const counted = await lakeQuery(join(warm, 'lake'), (f) => `SELECT count(*) FILTER (WHERE batch = 1) AS n FROM ${f}`);
  t.equal(pruned[0].n, counted[0].n, 'a filter on batch finds its rows');
  cleanup();
  t.end();
});

test('segment lake: segments without files (one folder gone, --no-lake-files for a run, an older lake in date folders) are written by periodic; every event once', async (t) => {
  const { dir: root, cleanup } = tempDir();
  // A part spooled without, the others with; a folder deleted before periodic runs.
  const dir = join(root, 'mixed');
  mkdirSync(dir);
  const parts = chunks(lines, 6);
  spool(dir, parts.slice(0, 2));
  spool(dir, parts.slice(2, 3), ['--no-lake-files']);
  spool(dir, parts.slice(3, 4), ['--rotate-bytes', '40000']);
  const some = spoolLake(dir).sort();
  t.equal(some.length, 2, 'two of the segments have files');
  rmSync(join(dir, 'spool', 'lake', some[1]), { recursive: true });
  t.equal(run('periodic', ['-q', '--lake', 'lake'], '', { cwd: dir }).code, 0);
  spool(dir, parts.slice(4));
  t.equal(run('periodic', ['-q', '--lake', 'lake'], '', { cwd: dir }).code, 0);
  const keys = await lakeQuery(join(dir, 'lake'), (f) => `SELECT ${LAKE_KEY} AS k FROM ${f}`);
  t.deepEqual(keys.map((k) => k.k as string).sort(), spooledKeys(dir), 'every event once');
  const alone = flow(root, 'alone', 1, ['--no-lake-files']);
  t.deepEqual((await rows(dir)).length, (await rows(alone)).length, 'as many rows as periodic alone writes');
  const names = readdirSync(join(dir, 'lake', 'events'), { recursive: true }).map(String).filter((f) => f.endsWith('.parquet'));
  t.ok(names.some((f) => /-s\d+-\d+\.parquet$/.test(f)) && names.some((f) => /part-\d{8}-\d+-\d+\.parquet$/.test(f)), 'files of both writers');

  // A lake begun before hour partitions (FORMAT 2): handle-stream's hour files go to their date folders.
  const old = flow(root, 'old', 4, [], [], (d) => {
    mkdirSync(join(d, 'lake', 'events', 'date=2025-03-15'), { recursive: true });
    writeFileSync(join(d, 'lake', 'FORMAT'), '2\n');
    // One file already there keeps it an old lake (a lake with no file starts in hours).
    copyFileSync(join(dir, 'lake', 'events', readdirSync(join(dir, 'lake', 'events'), { recursive: true }).map(String).find((f) => f.endsWith('.parquet'))!), join(d, 'lake', 'events', 'date=2025-03-15', 'part-old.parquet'));
  });
  const oldFiles = readdirSync(join(old, 'lake', 'events'), { recursive: true }).map(String).filter((f) => f.endsWith('.parquet'));
  t.ok(oldFiles.every((f) => /^date=[\d-]+\/[^/]+\.parquet$/.test(f)), `date folders only: ${oldFiles.slice(0, 3).join(' ')}...`);
  t.ok(oldFiles.some((f) => /-h\d+\.parquet$/.test(f)), 'handle-stream\'s files named by their hour');
  const oldKeys = await lakeQuery(join(old, 'lake'), (f) => `SELECT ${LAKE_KEY} AS k FROM ${f} WHERE date > '2025-03-15'`);
  t.deepEqual(oldKeys.map((k) => k.k as string).sort(), spooledKeys(old), 'every event once');
  cleanup();
  t.end();
});

test('segment lake: what a killed handle-stream or periodic left is cleaned up, and periodic --no-lake deletes the folders it folds', async (t) => {
  const { dir, cleanup } = tempDir();
  const parts = chunks(lines, 2);
  spool(dir, parts.slice(0, 1));
  // A half-written folder (handle-stream killed while writing) and a folder put aside by a killed periodic.
  mkdirSync(join(dir, 'spool', 'lake', '.open', 'seg-x', 'date=2025-03-17', 'hour=0'), { recursive: true });
  writeFileSync(join(dir, 'spool', 'lake', '.open', 'seg-x', 'date=2025-03-17', 'hour=0', 'part-0.parquet'), 'half');
  mkdirSync(join(dir, 'spool', 'lake', '.taken', 'seg-y'), { recursive: true });
  // A folder whose segment is gone (periodic folded it before handle-stream's thread was done).
  mkdirSync(join(dir, 'spool', 'lake', 'seg-20250101T000000000Z-gone-000000.ndjson'));
  t.equal(run('periodic', ['-q', '--no-lake'], '', { cwd: dir }).code, 0);
  t.deepEqual(readdirSync(join(dir, 'spool', 'lake')), ['.open'], 'periodic --no-lake: the folded segments\' folders, the orphan and what was put aside are deleted');
  spool(dir, parts.slice(1));
  t.deepEqual(readdirSync(join(dir, 'spool', 'lake', '.open')), [], 'handle-stream starts by emptying .open');
  cleanup();
  t.end();
});

test('segment lake: a segment whose files cannot be written (spool/lake a file) is left to periodic, said in one line and counted in handle-stream.prom; the thread, handle-stream and periodic carry on; every event in the lake once', async (t) => {
  const { dir, cleanup } = tempDir();
  const hs = start('handle-stream', ['-q'], { cwd: dir });
  const prom = join(dir, 'state', 'handle-stream.prom');
  t.ok(await waitUntil(() => existsSync(prom)), 'handle-stream started');
  // A file where the thread makes its folders: every segment's files fail (ENOTDIR).
  writeFileSync(join(dir, 'spool', 'lake'), '');
  let stderr = '';
  hs.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  hs.stdin.end(Buffer.concat(lines));
  t.equal(await exited(hs), 0, 'handle-stream carries on and ends well');
  t.match(stderr, /^handle-stream: lake files of seg-\S+ not written \(.*ENOTDIR.*\); periodic writes its rows itself\n$/, 'one line naming the segment and the cause');
  const totals = readTotals(prom);
  t.deepEqual(['written', 'failed', 'skipped'].map((outcome) => totals.get(sampleKey('bsky_handle_stream_lake_segments_total', { outcome }))), [0, 1, 0], 'counted as failed');
  // The file stays: handle-stream starts and spools all the same (saying so), periodic folds and writes the lake.
  const again = run('handle-stream', [], Buffer.concat(genLines(500, 33, ['--start', '2025-03-17T01:00:00.000000'])), { cwd: dir });
  t.equal(again.code, 0, 'handle-stream starts with the file there');
  t.match(again.stderr, /^handle-stream: spool\/lake\/\.open: ENOTDIR/, 'and says so first');
  const p = run('periodic', ['-q', '--lake', 'lake'], '', { cwd: dir });
  t.equal(p.code, 0, p.stderr);
  t.ok(existsSync(join(dir, 'spool', 'lake')), 'the file is left alone');
  const keys = await lakeQuery(join(dir, 'lake'), (f) => `SELECT ${LAKE_KEY} AS k FROM ${f}`);
  t.deepEqual(keys.map((k) => k.k as string).sort(), spooledKeys(dir), 'every spooled event once, written by periodic');
  cleanup();
  t.end();
});

test('segment lake: handle-stream killed while it writes, then run again, and periodic: every event in the lake once', async (t) => {
  const { dir, cleanup } = tempDir();
  const input = Buffer.concat(genLines(40000, 32, ['--start', '2025-03-17T00:00:00.000000', '--rate', '200']));
  // One segment, published at the end of the input; killed while its thread writes the segment's files.
  const hs = start('handle-stream', ['-q'], { cwd: dir });
  hs.stdin.end(input);
  const open = join(dir, 'spool', 'lake', '.open');
  t.ok(await waitUntil(() => existsSync(open) && readdirSync(open).length > 0, 60_000, 2), 'writing');
  hs.kill('SIGKILL');
  await exited(hs);
  t.ok(existsSync(open) && readdirSync(open).length > 0 && spoolLake(dir).length === 0, 'killed with a folder half written');
  t.equal(run('handle-stream', ['-q'], '', { cwd: dir }).code, 0, 'handle-stream starts again (its dead self\'s segments recovered)');
  t.equal(run('periodic', ['-q', '--lake', 'lake'], '', { cwd: dir }).code, 0);
  const keys = await lakeQuery(join(dir, 'lake'), (f) => `SELECT ${LAKE_KEY} AS k FROM ${f}`);
  t.deepEqual(keys.map((k) => k.k as string).sort(), spooledKeys(dir), 'every spooled event once');
  t.deepEqual(spoolLake(dir), [], 'no folder left');
  cleanup();
  t.end();
});

test('segment lake: a lake on another file system (tmpfs): the folders are copied, every event once, none left in the spool', { skip: !IS_ROOT }, async (t) => {
  const { dir, cleanup } = tempDir();
  const unmount = mountTmpfs(join(dir, 'lake'), '64m');
  try {
    for (const part of chunks(lines, 2)) {
      spool(dir, [part]);
      // A small file system: the free-space floor (5 GB by default) would keep the rows waiting.
      const p = run('periodic', ['-q', '--lake', 'lake', '--lake-min-free', '0'], '', { cwd: dir });
      t.equal(p.code, 0, p.stderr);
    }
    const keys = await lakeQuery(join(dir, 'lake'), (f) => `SELECT ${LAKE_KEY} AS k FROM ${f}`);
    t.deepEqual(keys.map((k) => k.k as string).sort(), spooledKeys(dir), 'every event once');
    const batches = await lakeQuery(join(dir, 'lake'), (f) => `SELECT DISTINCT batch FROM ${f} ORDER BY 1`);
    t.deepEqual(batches.map((b) => b.batch), [0, 1], 'batches set');
    t.deepEqual(spoolLake(dir), [], 'nothing left in the spool');
  } finally {
    unmount();
    cleanup();
  }
  t.end();
});

test('segment lake: setConstant sets a constant column in every row group, statistics included; refuses any other column', async (t) => {
  const { dir, cleanup } = tempDir();
  // A segment of canonical events, as handle-stream spools them.
  run('handle-stream', ['-q', '--no-lake-files'], Buffer.concat(genLines(3000, 33, ['--start', '2025-03-17T00:00:00.000000'])), { cwd: dir });
  const seg = join(dir, 'spool', readdirSync(join(dir, 'spool')).find((f) => f.startsWith('seg-'))!);
  const rowsOut = new LakeRows(join(dir, 'out'), 'p', 7, { hours: true, groupRows: 1000, blockRows: 500 });
  await feedSegments(rowsOut, [{ path: seg, name: 'seg-x' }]);
  await rowsOut.end();
  const [file] = walk(join(dir, 'out'));
  const path = join(dir, 'out', file);
  const read = async (sql: string) => lakeQuery(dir, () => sql.replaceAll('$F', `'${path}'`));
  const groups = Number((await read('SELECT count(DISTINCT row_group_id) AS n FROM parquet_metadata($F)'))[0].n);
  const n = (await read('SELECT count(*) AS n FROM $F'))[0].n;
  t.ok(groups >= 2, `${groups} row groups, ${n} rows`);
  t.equal(setConstant(path, 'batch', 123456), groups, 'set in every row group');
  t.deepEqual(await read('SELECT DISTINCT batch FROM $F'), [{ batch: 123456 }], 'every row');
  const stats = await read(`SELECT DISTINCT stats_min_value AS lo, stats_max_value AS hi FROM parquet_metadata($F) WHERE path_in_schema = 'batch'`);
  t.deepEqual(stats, [{ lo: '123456', hi: '123456' }], 'the statistics');
  t.equal((await read('SELECT count(*) AS n FROM $F WHERE batch = 123456'))[0].n, n, 'a filter finds every row');
  t.equal((await read('SELECT count(*) AS n FROM $F WHERE batch = 7'))[0].n, '0', 'and none by the old value');
  t.throws(() => setConstant(path, 'seq', 1), /not a constant column/, 'a compressed column is refused');
  t.equal((await read('SELECT count(*) AS n FROM $F WHERE seq > 0'))[0].n, n, 'and left as it was');
  cleanup();
  t.end();
});
