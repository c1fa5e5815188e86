import test from 'tape';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENV, ROOT, exited, sh, tempDir } from './helpers.js';
import { referenceCsvs } from './reference/capture.js';
import { startFakeJetstream } from './fake-jetstream.js';

// Every pipeline of the Makefile runs here (make test itself is what CI runs; make bench has test/bench.test.ts).
const SPEC_FILES = ['likes-per-minutes.csv', 'fast-likers.csv', 'top-10-word.csv', 'posts-by-hour.csv', 'posts-by-weekday.csv'];
const { dir, cleanup } = tempDir('bsky-make-');
const CAPTURE = join(dir, 'capture.ndjson');
const gen = spawnSync(join(ROOT, 'bin', 'bsky-gen'), ['-q', '--events', '20000', '--seed', '21', '--rate', '100', '--fast-likers', '4', '--engineering', '0.3', '--dup-rate', '0.01', '--bad-rate', '0.001'], { maxBuffer: 1 << 28 });
writeFileSync(CAPTURE, gen.stdout);
const lines: Buffer[] = [];
for (let at = 0; at < gen.stdout.length;) {
  const nl = gen.stdout.indexOf(10, at);
  const end = nl < 0 ? gen.stdout.length : nl + 1;
  lines.push(gen.stdout.subarray(at, end));
  at = end;
}
const reference = referenceCsvs(lines);
const make = (args: string): ReturnType<typeof sh> => sh(`make -s --no-print-directory ${args}`);
const csvs = (folder: string): Record<string, string> => Object.fromEntries(SPEC_FILES.map((f) => [f, readFileSync(join(folder, f), 'utf8')]));
const expected = Object.fromEntries(SPEC_FILES.map((f) => [f, reference[f]]));

test('make pipeline: the five stream tools give the reference CSVs', (t) => {
  const r = make(`pipeline CAPTURE=${CAPTURE} OUT=${dir}/pipeline`);
  t.equal(r.code, 0, r.stderr);
  t.deepEqual(csvs(join(dir, 'pipeline')), expected);
  t.end();
});

test('make replay, then make periodic: the main job gives the same CSVs', (t) => {
  const where = `SPOOL=${dir}/spool STATE=${dir}/state METRICS=${dir}/metrics LAKE=${dir}/lake`;
  const r = make(`replay CAPTURE=${CAPTURE} ${where}`);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /^periodic: \d+ new segments/m);
  t.deepEqual(csvs(join(dir, 'metrics')), expected);
  const again = make(`periodic ${where}`);
  t.match(again.stdout, /^periodic: 0 new segments/);
  t.deepEqual(csvs(join(dir, 'metrics')), expected);
  t.end();
});

test('make sql: a query, or a SQL file as CSV, over the lake the main job wrote', (t) => {
  const q = make(`sql LAKE=${dir}/lake QUERY="SELECT count(*) AS n FROM likes WHERE did LIKE 'did:%'"`);
  t.equal(q.code, 0, q.stderr);
  t.match(q.stdout, /^\{"n":\d+\}\n$/);
  const f = make(`sql LAKE=${dir}/lake SQL=sql/top-10-word.sql CSV=1`);
  t.equal(f.code, 0, f.stderr);
  t.equal(f.stdout, readFileSync(join(dir, 'metrics', 'top-10-word.csv'), 'utf8'), 'sql/top-10-word.sql = metrics/top-10-word.csv');
  t.end();
});

test('make likes-per-minute and make show draw charts', (t) => {
  const lpm = make(`likes-per-minute CAPTURE=${CAPTURE}`);
  t.equal(lpm.code, 0, lpm.stderr);
  t.match(lpm.stdout, /stdin: likes by time/);
  const show = make(`show METRICS=${dir}/metrics`);
  t.equal(show.code, 0, show.stderr);
  for (const f of SPEC_FILES) t.ok(show.stdout.includes(`${dir}/metrics/${f}`), `draws ${f}`);
  t.end();
});

test('make demo: generates a sample, runs the main job in a folder of its own, draws every metric and says where they are', (t) => {
  const r = make(`demo SAMPLE=${dir}/sample.ndjson SAMPLE_EVENTS=20000 DEMO=${dir}/demo`);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /periodic: \d+ new segments, 20000 events/);
  for (const f of SPEC_FILES) t.ok(existsSync(join(dir, 'demo', 'metrics', f)), f);
  t.match(r.stdout, /top-10-word\.csv: count by word/);
  t.match(r.stdout, new RegExp(`metrics are in ${dir}/demo/metrics/ \\(draw them again with: make show METRICS=${dir}/demo/metrics\\)\n$`));
  t.end();
});

test('make demo leaves the main job\'s ./spool, ./state, ./metrics and ./lake alone (default folders, in a copy of the Makefile)', (t) => {
  const { dir: d, cleanup: done } = tempDir();
  // A scratch project: the Makefile, and bin/ and dist/ linked, so the default folders are its own.
  sh(`cp Makefile ${d}/ && ln -s ${ROOT}/bin ${ROOT}/dist ${ROOT}/examples ${d}/`);
  const r = sh(`make -s --no-print-directory -o all -o dist/.built demo SAMPLE_EVENTS=3000`, { cwd: d });
  t.equal(r.code, 0, r.stderr);
  t.ok(existsSync(join(d, 'tmp', 'demo', 'metrics', 'likes-per-minutes.csv')), 'the demo writes tmp/demo/');
  t.ok(existsSync(join(d, 'tmp', 'demo', 'lake', 'events')), 'its lake too');
  t.deepEqual(['spool', 'state', 'metrics', 'lake'].filter((f) => existsSync(join(d, f))), [], 'and nothing in ./spool, ./state, ./metrics, ./lake');
  done();
  t.end();
});

test('make live: without ./bluesky, a paced generator feeds handle-stream', (t) => {
  const r = make(`live LIVE_EVENTS=2000 SPOOL=${dir}/live-spool`);
  t.equal(r.code, 0, r.stderr);
  const events = readdirSync(join(dir, 'live-spool')).filter((f) => f.startsWith('seg-'))
    .reduce((n, f) => n + readFileSync(join(dir, 'live-spool', f), 'utf8').split('\n').filter(Boolean).length, 0);
  t.equal(events, 2000);
  t.end();
});

test('make live-demo: rounds of periodic and charts over a paced generator', (t) => {
  const r = sh(`ROUNDS=1 INTERVAL=2 RATE=3000 make -s --no-print-directory live-demo LIVE_DIR=${dir}/ld`);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, new RegExp(`^The live demo's spool, state and metrics are in ${dir}/ld/\n`));
  t.match(r.stdout, /^periodic: \d+ new segments/m);
  t.ok(existsSync(join(dir, 'ld', 'metrics', 'likes-per-minutes.csv')), 'in the folder named');
  t.end();
});

test('make jetstream: Jetstream into handle-stream, resumed from a cursor file', async (t) => {
  const events = Array.from({ length: 500 }, (_, i) => ({
    did: `did:plc:u${i % 7}`, time_us: 1742131613000000 + i * 1000, kind: 'commit',
    commit: { rev: `r${i}`, operation: 'create', collection: 'app.bsky.feed.like', rkey: `k${i}`, cid: 'c', record: { subject: { uri: 'at://did:plc:x/app.bsky.feed.post/p', cid: 'c' } } },
  }));
  const server = await startFakeJetstream(events, [{}]);
  const child = spawn('make', ['-s', '--no-print-directory', 'jetstream', `JETSTREAM_URL=${server.url}`, `SPOOL=${dir}/js-spool`, `STATE=${dir}/js-state`], { cwd: ROOT, env: ENV, detached: true, stdio: 'ignore' });
  const cursor = join(dir, 'js-state', 'jetstream.cursor');
  for (let i = 0; i < 400 && !(existsSync(cursor) && readFileSync(cursor, 'utf8').includes(String(events[499].time_us))); i++) await new Promise((r) => setTimeout(r, 50));
  process.kill(-child.pid!, 'SIGTERM');
  await exited(child);
  // make exits at once on SIGTERM; handle-stream publishes its segment a moment later.
  const spool = join(dir, 'js-spool');
  const spooledLines = (): string[] => readdirSync(spool).filter((f) => f.startsWith('seg-'))
    .flatMap((f) => readFileSync(join(spool, f), 'utf8').split('\n').filter(Boolean));
  for (let i = 0; i < 200 && spooledLines().length < 500; i++) await new Promise((r) => setTimeout(r, 50));
  await server.close();
  const spooled = spooledLines();
  t.equal(spooled.length, 500, 'every served event spooled once');
  t.ok(existsSync(cursor), 'the cursor file is kept in STATE');
  t.end();
});

test('make verify-1m (on 20,000 events here): the five-tool pipeline equals the naive reference, under 150 MB a process', (t) => {
  const r = make('verify-1m VERIFY_EVENTS=20000');
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /20000 events: the pipeline equals the reference, every process under 150 MB\n$/);
  t.end();
});

test('make verify-memory (on 20,000 events here): each of issue 12\'s memory cases stays under 150 MB, periodic with its lake under 200 MB', (t) => {
  const r = make('verify-memory VERIFY_SPOOL_EVENTS=20000');
  t.equal(r.code, 0, r.stdout + r.stderr);
  t.match(r.stdout, /\(limit 150\), exit 0\n[^]*periodic folding the same segments with its lake: peak RSS \d+ MB \(limit 200\)/);
  t.match(r.stdout, /periodic merging a closed hour's three files \(a compaction step, coalesced\): peak RSS \d+ MB \(limit 200\), exit 0\n/);
  t.match(r.stdout, /periodic coalescing a closed hour of short runs' files \(a compaction step\): peak RSS \d+ MB \(limit 200\), exit 0\n/);
  t.match(r.stdout, /periodic merging a closed hour's three files \(a compaction step, by DuckDB\): peak RSS \d+ MB \(limit 200\), exit 0\n/);
  t.match(r.stdout, /20000 events: every case under its limit\n$/);
  t.end();
});

test('make: cleanup', (t) => {
  cleanup();
  t.end();
});
