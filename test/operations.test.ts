import test from 'tape';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ENV, ROOT, RUN_TIMEOUT_MS, run, sh, tempDir } from './helpers.js';

// Running it for weeks: the systemd units and the crontab lines that the Makefile writes for a checkout.
const make = (args: string): ReturnType<typeof sh> => sh(`make -s --no-print-directory ${args}`);
const HAS_SYSTEMD_ANALYZE = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' }).status === 0;

test('make systemd writes the units of contrib/systemd with this checkout\'s paths and the data folder', (t) => {
  const { dir, cleanup } = tempDir();
  const r = make(`systemd UNITS=${dir}/units DATA=${dir}/data`);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, new RegExp(`^Units for ${ROOT} with data in ${dir}/data are in ${dir}/units/; install them with:\n`));
  const units = readdirSync(join(dir, 'units')).sort();
  t.deepEqual(units, ['bsky-bluesky.service', 'bsky-periodic.service', 'bsky-periodic.timer', 'bsky-stream.service']);
  for (const u of units) {
    const text = readFileSync(join(dir, 'units', u), 'utf8');
    t.doesNotMatch(text, /@[A-Z]+@/, `${u}: every placeholder filled in`);
    if (u.endsWith('.service')) {
      t.match(text, new RegExp(`^ReadWritePaths=${dir}/data$`, 'm'), `${u}: writes only in the data folder`);
      t.match(text, /^ProtectSystem=strict$/m, `${u}: read-only system`);
      t.match(text, /^NoNewPrivileges=yes$/m, `${u}: no new privileges`);
    }
  }
  t.match(readFileSync(join(dir, 'units', 'bsky-stream.service'), 'utf8'), new RegExp(`--cursor-file ${dir}/data/state/jetstream.cursor`), 'the cursor file is kept in the state folder');
  t.match(readFileSync(join(dir, 'units', 'bsky-periodic.timer'), 'utf8'), /^OnUnitActiveSec=30s$/m, 'periodic every 30 s');
  cleanup();
  t.end();
});

test('the systemd units pass systemd-analyze verify with an empty stderr', { skip: !HAS_SYSTEMD_ANALYZE }, (t) => {
  const { dir, cleanup } = tempDir();
  make(`systemd UNITS=${dir}/units DATA=${dir}/data`);
  const units = readdirSync(join(dir, 'units')).map((u) => join(dir, 'units', u));
  // verify exits 0 on unknown keys and bad values: only an empty stderr says the units are clean.
  const r = spawnSync('systemd-analyze', ['verify', '--man=no', ...units], { env: ENV, encoding: 'utf8', timeout: RUN_TIMEOUT_MS });
  t.equal(r.status, 0);
  t.equal(r.stderr, '', 'no warning');
  cleanup();
  t.end();
});

test('make cron prints crontab lines that run periodic in the data folder, every 30 seconds, logged', (t) => {
  const { dir, cleanup } = tempDir();
  const r = make(`cron DATA=${dir}`);
  t.equal(r.code, 0, r.stderr);
  const lines = r.stdout.split('\n').filter(Boolean);
  t.equal(lines.length, 2, 'two lines: on the minute and 30 s later');
  t.ok(lines.every((l) => l.startsWith('* * * * * ')), 'every minute');
  t.match(lines[1], /^\* \* \* \* \* sleep 30; /);
  // The command of the first line, as cron would run it (without the schedule), after some spooling.
  t.equal(sh('bsky-gen -q --events 3000 | handle-stream -q', { cwd: dir }).code, 0);
  const job = sh(lines[0].slice('* * * * * '.length), { cwd: '/' });
  t.equal(job.code, 0, job.stderr);
  t.match(readFileSync(join(dir, 'periodic.log'), 'utf8'), /^periodic: 1 new segments, 3000 events in /, 'the summary is in the log');
  cleanup();
  t.end();
});

test('periodic --max-age: a stale capture still gets its CSVs, then one line and exit 3; fresh data exits 0; nothing ever folded is stale', (t) => {
  const { dir, cleanup } = tempDir();
  for (const d of ['stale', 'plain', 'fresh', 'empty']) mkdirSync(join(dir, d));
  const capture = run('bsky-gen', ['-q', '--events', '5000', '--seed', '12']).stdout;
  t.equal(run('handle-stream', ['-q'], capture, { cwd: join(dir, 'stale') }).code, 0);
  t.equal(run('handle-stream', ['-q'], capture, { cwd: join(dir, 'plain') }).code, 0);
  const stale = run('periodic', ['--max-age', '1m'], '', { cwd: join(dir, 'stale') });
  t.equal(stale.code, 3, 'exit 3: apart from 1 (failure)');
  t.match(stale.stderr, /^periodic: stale: the newest event folded, 2025-03-16T12:00:0\d\.\d{6}, is [\d.]+ days old \(--max-age 1m\)\n$/);
  t.match(stale.stdout, /^periodic: 1 new segments, 5000 events/, 'the work is done first');
  t.equal(run('periodic', ['-q'], '', { cwd: join(dir, 'plain') }).code, 0);
  const csvs = (d: string): Record<string, string> => Object.fromEntries(readdirSync(join(dir, d, 'metrics')).map((f) => [f, readFileSync(join(dir, d, 'metrics', f), 'utf8')]));
  t.deepEqual(csvs('stale'), csvs('plain'), 'the CSVs are those of a run without --max-age');
  // Zone-less times are the producing machine's local time: a fresh capture in Tokyo is fresh on Tokyo's clock.
  const tokyo = { TZ: 'Asia/Tokyo' };
  t.equal(sh('bsky-gen -q --events 2000 --rate 100000 --start now | handle-stream -q', { cwd: join(dir, 'fresh'), env: tokyo }).code, 0);
  const fresh = run('periodic', ['-q', '--max-age', '10m'], '', { cwd: join(dir, 'fresh'), env: tokyo });
  t.equal(fresh.code, 0, fresh.stderr);
  t.equal(fresh.stderr, '');
  const empty = run('periodic', ['-q', '--max-age', '10m'], '', { cwd: join(dir, 'empty') });
  t.equal(empty.code, 3);
  t.equal(empty.stderr, 'periodic: stale: no event was ever folded (--max-age 10m)\n');
  t.equal(run('periodic', ['--max-age', 'soon'], '', { cwd: join(dir, 'empty') }).code, 2, 'a bad duration is a usage error');
  cleanup();
  t.end();
});

/**
 * A strict reader of the Prometheus text format (0.0.4), independent of the
 * writer: HELP and TYPE before a family's samples, valid names and labels,
 * counters named _total, float values, no sample twice. Returns the samples.
 */
function parseProm(text: string): { samples: Map<string, number>; types: Map<string, string>; errors: string[] } {
  const samples = new Map<string, number>();
  const types = new Map<string, string>();
  const helps = new Set<string>();
  const errors: string[] = [];
  const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
  if (!text.endsWith('\n')) errors.push('no final newline');
  text.split('\n').slice(0, -1).forEach((line, i) => {
    const at = `line ${i + 1}`;
    let m: RegExpExecArray | null;
    if ((m = new RegExp(`^# HELP (${NAME}) (.+)$`).exec(line))) helps.add(m[1]);
    else if ((m = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`).exec(line))) {
      if (types.has(m[1])) errors.push(`${at}: TYPE of ${m[1]} twice`);
      types.set(m[1], m[2]);
    } else if ((m = new RegExp(`^(${NAME})(\\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*",?)*\\})? (\\S+)$`).exec(line))) {
      const [, name, labels = '', value] = m;
      if (!types.has(name) || !helps.has(name)) errors.push(`${at}: ${name} without HELP and TYPE before it`);
      if (types.get(name) === 'counter' && !name.endsWith('_total')) errors.push(`${at}: counter ${name} not named _total`);
      if (types.get(name) === 'gauge' && name.endsWith('_total')) errors.push(`${at}: gauge ${name} named _total`);
      if (!/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$|^[+-]Inf$|^NaN$/.test(value)) errors.push(`${at}: value ${value}`);
      if (samples.has(name + labels)) errors.push(`${at}: ${name + labels} twice`);
      samples.set(name + labels, Number(value));
    } else errors.push(`${at}: cannot read '${line}'`);
  });
  return { samples, types, errors };
}

const sum = (samples: Map<string, number>, name: string): number => [...samples].filter(([k]) => k === name || k.startsWith(name + '{')).reduce((a, [, v]) => a + v, 0);

test('Prometheus files: handle-stream and periodic each write theirs, valid text format, totals equal to their own summaries, cumulative across runs', (t) => {
  const { dir, cleanup } = tempDir();
  const summaries: number[][] = [];
  for (const seed of ['1', '2']) {
    const input = run('bsky-gen', ['-q', '--events', '4000', '--seed', seed, '--dup-rate', '0.01', '--bad-rate', '0.01']).stdout;
    const r = run('handle-stream', [], input, { cwd: dir });
    t.equal(r.code, 0);
    const m = /(\d+) lines, (\d+) events, (\d+) duplicates, (\d+) rejected, (\d+) blank\n$/.exec(r.stderr);
    summaries.push(m!.slice(1).map(Number));
  }
  const stream = parseProm(readFileSync(join(dir, 'state', 'handle-stream.prom'), 'utf8'));
  t.deepEqual(stream.errors, [], 'handle-stream.prom is valid');
  const total = (i: number): number => summaries[0][i] + summaries[1][i];
  t.equal(stream.samples.get('bsky_handle_stream_events_spooled_total'), total(1), 'events spooled = the summaries\' events, over both runs');
  t.equal(stream.samples.get('bsky_handle_stream_duplicates_total'), total(2), 'duplicates');
  t.equal(sum(stream.samples, 'bsky_handle_stream_rejected_lines_total'), total(3), 'rejected lines, summed over the reasons');
  t.ok([...stream.samples.keys()].some((k) => k === 'bsky_handle_stream_rejected_lines_total{reason="invalid JSON"}'), 'by kind of reason');
  t.equal(stream.samples.get('bsky_handle_stream_segments_published_total'), 2);
  const p1 = run('periodic', [], '', { cwd: dir });
  const p2 = run('periodic', ['--prom', join(dir, 'elsewhere', 'p.prom')], '', { cwd: dir });
  t.equal(p2.code, 1, 'a --prom folder that does not exist is an error naming it');
  t.match(p2.stderr, /elsewhere\/p\.prom: ENOENT/);
  mkdirSync(join(dir, 'elsewhere'));
  const p3 = run('periodic', ['--prom', join(dir, 'elsewhere', 'p.prom')], '', { cwd: dir });
  t.equal(p3.code, 0, p3.stderr);
  for (const [file, out] of [[join(dir, 'state', 'periodic.prom'), p1.stdout], [join(dir, 'elsewhere', 'p.prom'), p3.stdout]]) {
    const p = parseProm(readFileSync(file, 'utf8'));
    t.deepEqual(p.errors, [], `${file} is valid`);
    t.equal(p.samples.get('bsky_periodic_events_folded_total'), Number(/(\d+) events in all/.exec(out)![1]), 'events folded = periodic\'s "N events in all"');
    t.equal(p.samples.get('bsky_periodic_events_folded_total'), total(1), 'and = what handle-stream spooled');
    t.equal(p.samples.get('bsky_periodic_segments_folded_total'), 2);
    t.equal(p.samples.get('bsky_periodic_metrics_file_rows{file="posts-by-hour.csv"}'), 24, 'rows per metrics file');
    t.equal(p.samples.get('bsky_periodic_segments_pending'), 0);
    t.ok(p.samples.get('bsky_periodic_newest_event_timestamp_seconds')! > 1.7e9, 'newest event time');
    const names = new Set([...p.types.keys(), ...stream.types.keys()]);
    t.equal(names.size, p.types.size + stream.types.size, 'no metric name shared between the two files');
  }
  cleanup();
  t.end();
});
