// `make verify-memory`: the cases issue 12 found unbounded, each measured
// with /usr/bin/time and held under 150 MB of peak RSS: handle-stream
// restarting over a spool of unfolded events (default 1.2 million, 20 minutes
// at 1,000/s) and still knowing them, bsky-plot on endless and on the largest
// inputs it takes, bsky-window with absurd --size/--hop, periodic with a FIFO
// in the spool, then folding the whole spool (without the lake, then with it,
// under 200 MB: issue 13's target), and compaction steps of about 150 MB
// (under 200 MB too: copied, by DuckDB, and coalescing short runs' row groups). Too slow for `make test` at full size (about two minutes).
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helpers.js';

const events = Number(process.argv[2] ?? 1_200_000);
const dir = join(ROOT, 'tmp', 'verify-memory');
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const LIMIT_MB = 150;
/** periodic with its lake (the lake's writer thread and zstd; DuckDB when it compacts): issue 13's target. */
const LAKE_LIMIT_MB = 200;
let failed = 0;

/** Runs a command line with bin/ on PATH; returns its exit status, stderr and the peak RSS (MB) of the measured tool. */
function measure(label: string, cmd: string, expect: { code: number; stderr?: RegExp }, limitMb = LIMIT_MB): void {
  const rss = join(dir, 'rss');
  const r = spawnSync('bash', ['--norc', '--noprofile', '-c', cmd.replace('TIME', `/usr/bin/time -f %M -o ${rss} timeout -s KILL 120`)], {
    cwd: dir, encoding: 'utf8', maxBuffer: 1 << 26, env: { ...process.env, PATH: `${join(ROOT, 'bin')}:${process.env.PATH}` },
  });
  const mb = Number(spawnSync('tail', ['-n1', rss], { encoding: 'utf8' }).stdout.trim()) / 1024;
  const ok = mb < limitMb && r.status === expect.code && (!expect.stderr || expect.stderr.test(r.stderr));
  if (!ok) failed++;
  console.log(`${ok ? 'ok' : 'FAILED'}: ${label}: peak RSS ${mb.toFixed(0)} MB (limit ${limitMb}), exit ${r.status}${ok ? '' : `\n${r.stderr.trim()}`}`);
}

const sh = (cmd: string): void => {
  const r = spawnSync('bash', ['--norc', '--noprofile', '-o', 'pipefail', '-c', cmd], { cwd: dir, encoding: 'utf8', env: { ...process.env, PATH: `${join(ROOT, 'bin')}:${process.env.PATH}` } });
  if (r.status !== 0) throw new Error(`${cmd}\n${r.stderr}`);
};

sh(`bsky-gen -q --events ${events} --seed 41 --rate 1000 --bad-rate 0 --dup-rate 0 > capture.ndjson`);
sh('handle-stream -q --spool spool < capture.ndjson');
sh('tail -n 1000 capture.ndjson > redelivery.ndjson');
measure(`handle-stream restarting over ${events} unfolded events, a redelivery of the last 1,000 all known`,
  'TIME handle-stream --spool spool < redelivery.ndjson', { code: 0, stderr: /1000 lines, 0 events, 1000 duplicates/ });

const t0 = Date.UTC(2025, 0, 1);
const rows = (n: number, row: (i: number) => string): string => Array.from({ length: n }, (_, i) => row(i)).join('\n') + '\n';
writeFileSync(join(dir, 'series.csv'), 'time,likes\n' + rows(100_000, (i) => `${new Date(t0 + i * 60_000).toISOString().slice(0, 16).replace('T', ' ')}:00,${i % 997}`));
writeFileSync(join(dir, 'wide.csv'), 'word,count\n' + rows(99_990, (i) => `w${String(i).padStart(70, 'x')},${i}`));
writeFileSync(join(dir, 'bars.csv'), 'word,count\n' + rows(9_990, (i) => `w${String(i).padStart(800, 'x')},${i}`));
writeFileSync(join(dir, 'wide.ndjson'), rows(99_990, (i) => JSON.stringify({ word: `w${String(i).padStart(55, 'x')}`, count: i })));
measure('bsky-plot /dev/zero', 'TIME bsky-plot /dev/zero', { code: 1, stderr: /^bsky-plot: \/dev\/zero: too large to chart/ });
measure('bsky-plot, 100,000 minutes (the most rows it takes)', 'TIME bsky-plot series.csv > /dev/null', { code: 0 });
measure('bsky-plot --type columns, 100,000 rows of 80-byte labels (8 MB, the largest input)', 'TIME bsky-plot --type columns wide.csv > /dev/null', { code: 0 });
measure('bsky-plot --type line, 100,000 NDJSON rows (8 MB)', 'TIME bsky-plot --type line wide.ndjson > /dev/null', { code: 0 });
measure('bsky-plot, 10,000 bars of 800-byte labels (8 MB)', 'TIME bsky-plot bars.csv > /dev/null', { code: 0 });
measure('bsky-window --size 1000000d --hop 1s', 'TIME bsky-window --size 1000000d --hop 1s < /dev/null', { code: 2, stderr: /--size 1000000d with --hop 1s/ });
sh('mkfifo spool/seg-20250101T000000000Z-1-000001.ndjson');
measure('periodic with a FIFO named like a segment: refused at once', 'TIME periodic -q --spool spool --state state --metrics metrics --archive-days 0',
  { code: 1, stderr: /EINVAL: not a regular file \(a FIFO\)/ });
sh('rm spool/seg-20250101T000000000Z-1-000001.ndjson');
// The same segments twice: periodic's own memory (issue 12's 150 MB), then with the lake it writes by default (issue 13's target: under 200 MB).
sh('cp -al spool spool-lake');
const lakeRun = 'TIME periodic -q --spool spool-lake --state state-lake --metrics metrics-lake --archive-days 0 --lake lake';
measure('periodic folding the spool above, --no-lake', 'TIME periodic -q --spool spool --state state --metrics metrics --archive-days 0 --no-lake', { code: 0 });
measure('periodic folding the same segments with its lake', lakeRun, { code: 0 }, LAKE_LIMIT_MB);
// A rogue event that got past the time policy (written into a segment by hand): no fill across years, state not poisoned.
// On the lake's side: the 2099 event closes the 1.2M events' date, so these runs compact it (DuckDB in process).
sh(`head -n 1 capture.ndjson | bsky-parse -q | sed -E 's/"time":"[0-9]{4}/"time":"2099/' > spool-lake/seg-20990101T000000000Z-rogue-000001.ndjson`);
sh('bsky-gen -q --events 60000 --seed 42 --start 2025-03-16T12:30:00 | handle-stream -q --spool spool-lake');
measure('periodic with an event stamped 2099 in a segment, and 60,000 more', lakeRun, { code: 0 });
measure('periodic again over that state', lakeRun, { code: 0 });
// A whole compaction step (issue 13's 200 MB): the capture folded with the lake in three runs (three files of about
// 50 MB for its hour at full size: 20 minutes at 1,000 events a second), then a later event closes the hour and one run
// merges them (about 150 MB): coalesced (their row groups are the writer's 32,768 rows: copied as they are), and the same
// step merged by DuckDB in process (BSKY_COMPACT=duckdb: what compaction does with files the writer did not make).
sh('split -n l/3 capture.ndjson third-');
for (const part of ['third-aa', 'third-ab', 'third-ac']) {
  sh(`handle-stream -q --spool spool-c < ${part} && periodic -q --spool spool-c --state state-c --metrics metrics-c --archive-days 0 --lake lake-c`);
}
sh('cp -al spool-c spool-d && cp -al lake-c lake-d && cp -r state-c state-d && cp -r metrics-c metrics-d');
for (const s of ['c', 'd']) sh(`bsky-gen -q --events 1000 --seed 43 --start 2025-03-18T02:00:00 | handle-stream -q --spool spool-${s}`);
measure('periodic merging a closed hour\'s three files (a compaction step, coalesced)', 'TIME periodic -q --spool spool-c --state state-c --metrics metrics-c --archive-days 0 --lake lake-c', { code: 0 }, LAKE_LIMIT_MB);
measure('periodic merging a closed hour\'s three files (a compaction step, by DuckDB)', 'BSKY_COMPACT=duckdb TIME periodic -q --spool spool-d --state state-d --metrics metrics-d --archive-days 0 --lake lake-d', { code: 0 }, LAKE_LIMIT_MB);
sh('ls lake-c/events/date=*/hour=*/ | grep -q -- "-c.parquet$" && ls lake-d/events/date=*/hour=*/ | grep -q -- "-c.parquet$"');
// The same events as runs of 4,096 events write them (a row group and a dictionary each; bench/short-lake.ts), three
// files of a third of the events (400,000 rows at full size), then a later event: the step coalesces a closed hour's small row groups.
sh(`handle-stream -q --spool spool-s < capture.ndjson && node ${join(ROOT, 'dist', 'bench', 'short-lake.js')} spool-s lake-c lake-e 4096 ${Math.ceil(events / 3)}`);
sh('bsky-gen -q --events 1000 --seed 43 --start 2025-03-18T02:00:00 | handle-stream -q --spool spool-e');
measure('periodic coalescing a closed hour of short runs\' files (a compaction step)', 'TIME periodic -q --spool spool-e --state state-e --metrics metrics-e --archive-days 0 --lake lake-e', { code: 0 }, LAKE_LIMIT_MB);
sh('ls lake-e/events/date=*/hour=*/ | grep -q -- "-c.parquet$"');
rmSync(dir, { recursive: true, force: true });
console.log(`${events} events: ${failed === 0 ? 'every case under its limit' : `${failed} failures`}`);
process.exit(failed === 0 ? 0 : 1);
