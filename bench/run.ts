import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem, type } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { measure, step, type Proc, type Sample } from './measure.js';
import { report, type Results } from './report.js';
import { PARQUET } from '../lib/lake/write.js';
import { CONCAT_MIN_ROWS } from '../lib/lake/lake.js';

/**
 * `make bench`: generates seeded captures (cached in bench/out/), runs every
 * case several times, interleaving each case with its baseline, and prints a
 * table of medians and ratios. --quick runs tiny sizes once (the smoke test).
 */
const OPTIONS = {
    quick: { type: 'boolean', default: false },
    reps: { type: 'string' },
    out: { type: 'string' },
    events: { type: 'string' },
    history: { type: 'string' },
    new: { type: 'string' },
    cases: { type: 'string', default: 'replay,pipeline,jq,refresh,duckdb,lake' },
} as const;
let o: ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>['values'];
try {
  o = parseArgs({ options: OPTIONS }).values;
} catch (err) {
  process.stderr.write(`bench: ${(err as Error).message}\nUsage: node dist/bench/run.js [--quick] [--reps N] [--out DIR] [--events N] [--history N,N,N] [--new N] [--cases replay,pipeline,jq,refresh,duckdb,lake]\n`);
  process.exit(2);
}
const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const BIN = join(ROOT, 'bin');
const NODE = process.execPath;
const OUT = resolve(o.out ?? join(ROOT, 'bench', 'out'));
const REPS = +(o.reps ?? (o.quick ? 1 : 5));
/** Events a run of the sql-lake-short case (a lake fed short runs: a row group each). */
const SHORT_RUN = 4096;
const EVENTS = +(o.events ?? (o.quick ? 3000 : 1_000_000));
const HISTORY = (o.history ?? (o.quick ? '0,3000,6000' : '0,1000000,10000000')).split(',').map(Number);
const NEW = +(o.new ?? (o.quick ? 500 : 60_000));
const CASES = new Set(o.cases.split(','));
const WORK = join(OUT, 'work');
const tool = (name: string, ...args: string[]): Proc => ({ label: name, argv: [join(BIN, name), ...args] });
const log = (text: string): void => void process.stderr.write(`bench: ${text}\n`);

mkdirSync(OUT, { recursive: true });
const startedAt = new Date();
const load = loadavg()[0];
const results: Results = new Map();
const record = (name: string, s: Sample): void => {
  results.set(name, [...(results.get(name) ?? []), s]);
  log(`${name}: ${s.seconds.toFixed(2)} s`);
};

/** A seeded capture of `events` events, generated once and kept. */
function capture(events: number, seed: number, start = '2025-03-16T12:00:00.000000'): string {
  // On the hour: named by the hour, as the cached captures are; otherwise by the whole start.
  const tag = start.endsWith(':00:00.000000') ? start.slice(0, 13) : start.replace(/[-:.]/g, '');
  const path = join(OUT, `cap-${events}-s${seed}-${tag}.ndjson`);
  if (existsSync(path)) return path;
  log(`generating ${events} events (seed ${seed})`);
  step([join(BIN, 'bsky-gen'), '-q', '--events', String(events), '--seed', String(seed), '--start', start, '--dup-rate', '0.001'], { stdout: `${path}.part` });
  renameSync(`${path}.part`, path);
  return path;
}

interface Dirs { spool: string; state: string; metrics: string; lake: string }

/** Fresh spool, state, metrics and lake folders under dir. */
function fresh(dir: string): Dirs {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return { spool: join(dir, 'spool'), state: join(dir, 'state'), metrics: join(dir, 'metrics'), lake: join(dir, 'lake') };
}

/** periodic on those folders; with its Parquet lake when `lake` (opt-in: the lake does not yet meet the targets). */
const periodic = (d: Dirs, lake = false): Proc =>
  tool('periodic', '-q', '--spool', d.spool, '--state', d.state, '--metrics', d.metrics, ...(lake ? ['--lake', d.lake] : ['--no-lake']));

/** Bytes of the files under a folder whose names match. */
function bytesUnder(dir: string, name: RegExp): number {
  if (!existsSync(dir)) return 0;
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) n += bytesUnder(join(dir, e.name), name);
    else if (name.test(e.name)) n += statSync(join(dir, e.name)).size;
  }
  return n;
}

/**
 * The lake writer's layout (row groups, pages, partitions): a history with a lake written by another is built again.
 * 2, 3: session 7's row groups of blocks; 4: hour partitions. (Session 15's batch column, uncompressed, changes no
 * query of the benchmark's; a history's replay is a backlog, for which handle-stream writes no lake files.)
 */
const LAKE_LAYOUT = 4;

/** The history of `events` events: spooled by handle-stream and rolled up by periodic, once, kept in OUT. */
function history(events: number, cap: () => string): string {
  // With its lake only when the lake cases run (it is opt-in): a name of its own, so that each kind is reused.
  const withLake = CASES.has('lake');
  const dir = join(OUT, withLake ? `history-lake${LAKE_LAYOUT}-${events}` : `history-${events}`);
  if (existsSync(join(dir, 'done'))) return dir;
  const d = fresh(`${dir}.part`);
  if (events > 0) {
    log(`building the history of ${events} events`);
    step([join(BIN, 'handle-stream'), '-q', '--status', 'never', '--spool', d.spool, ...(withLake ? [] : ['--no-lake-files'])], { stdin: cap() });
    step(periodic(d, withLake).argv);
  } else {
    step(periodic(d, withLake).argv);
  }
  writeFileSync(join(`${dir}.part`, 'done'), '');
  rmSync(dir, { recursive: true, force: true });
  renameSync(`${dir}.part`, dir);
  return dir;
}

const cap = capture(EVENTS, 1);
const sizes: { lake?: number; ndjson?: number; events?: number } = {};
const bare = (input: string): Sample => measure([{ label: 'bare loop', argv: [NODE, join(ROOT, 'dist', 'bench', 'bare.js')] }], { stdin: input });
const hasJq = spawnSync('bash', ['-c', 'command -v jq'], { encoding: 'utf8' }).status === 0;

for (let rep = 0; rep < REPS; rep++) {
  log(`repetition ${rep + 1} of ${REPS}`);
  record('bare', bare(cap));
  if (CASES.has('replay')) {
    // handle-stream as it runs by default: a replay at full speed is a backlog (segments published because they fill
    // up), for which it writes no lake files (docs/LAKE.md, Segment files): periodic --lake writes the rows.
    const d = fresh(join(WORK, 'replay'));
    record('ingest', measure([tool('handle-stream', '-q', '--status', 'never', '--spool', d.spool)], { stdin: cap }));
    record('replay-periodic', measure([periodic(d)]));
    if (CASES.has('lake')) {
      // The replay's periodic again over the same spool, with the lake (replay-lake = ingest + it, against the bare loop);
      // and the lake's bytes against the canonical NDJSON that handle-stream spooled.
      const l = fresh(join(WORK, 'replay-lake'));
      step(['cp', '-al', d.spool, l.spool]);
      for (const dir of readdirSync(join(l.spool, 'archive'))) for (const f of readdirSync(join(l.spool, 'archive', dir))) step(['ln', join(l.spool, 'archive', dir, f), join(l.spool, f)]);
      rmSync(join(l.spool, 'archive'), { recursive: true, force: true });
      record('replay-lake-periodic', measure([periodic(l, true)]));
      sizes.lake = bytesUnder(l.lake, /\.parquet$/);
      sizes.ndjson = bytesUnder(d.spool, /^seg-.*\.ndjson$/);
      sizes.events = EVENTS;
    }
  }
  if (CASES.has('pipeline')) {
    record('pipeline', measure([
      tool('bsky-parse', '-q'), tool('bsky-flatten', '-q', '--kinds', 'like'), tool('bsky-metric', '-q', 'likes-per-minute'),
      tool('bsky-csv', '-q'), tool('bsky-plot'),
    ], { stdin: cap, env: { COLUMNS: '80', NO_COLOR: '1' } }));
  }
  if (CASES.has('jq') && hasJq) {
    record('jq', measure([
      { label: 'jq', argv: ['jq', '-r', 'select(.path|startswith("app.bsky.feed.like/"))|.timestamp[0:16]'] },
      { label: 'sort', argv: ['sort'] }, { label: 'uniq', argv: ['uniq', '-c'] },
    ], { stdin: cap }));
  }
}

if (CASES.has('refresh') || CASES.has('duckdb')) {
  // The new events come after every history, so they are new minutes for each.
  const newCap = capture(NEW, 2, '2025-03-17T00:00:00.000000');
  // The new events spooled twice: by handle-stream --no-lake-files (the refresh without the lake), and as it runs by default,
  // with each segment's lake files (the refresh with the lake moves them in).
  const newSpool = (lake: boolean): string => {
    const dir = join(OUT, `new-${NEW}-spool-${lake ? 'lake' : 'nolake'}`);
    if (!existsSync(join(dir, 'done'))) {
      rmSync(dir, { recursive: true, force: true });
      step([join(BIN, 'handle-stream'), '-q', '--status', 'never', '--spool', `${dir}.part`, ...(lake ? [] : ['--no-lake-files'])], { stdin: newCap });
      writeFileSync(join(`${dir}.part`, 'done'), '');
      renameSync(`${dir}.part`, dir);
    }
    return dir;
  };
  const newPlain = newSpool(false);
  const newLake = CASES.has('lake') ? newSpool(true) : undefined;
  const hists = HISTORY.map((h) => ({ events: h, dir: history(h, () => capture(h, 1)) }));
  // A live refresh: the new events continue the largest history a second after its newest event (the new events above
  // come on a later day, after a pause: every state entry of the history has expired by then).
  const top = hists.find((h) => h.events === Math.max(...HISTORY) && h.events > 0);
  const liveSpool = top && CASES.has('refresh') ? ((): string => {
    const newest = (JSON.parse(readFileSync(join(top.dir, 'state', 'periodic.json'), 'utf8')) as { newest: string }).newest;
    const start = new Date(Date.parse(`${newest.slice(0, 23)}Z`) + 1000).toISOString().replace('Z', '000');
    const dir = join(OUT, `new-${NEW}-live-${top.events}-spool`);
    if (!existsSync(join(dir, 'done'))) {
      rmSync(dir, { recursive: true, force: true });
      step([join(BIN, 'handle-stream'), '-q', '--status', 'never', '--no-lake-files', '--spool', `${dir}.part`], { stdin: capture(NEW, 2, start) });
      writeFileSync(join(`${dir}.part`, 'done'), '');
      renameSync(`${dir}.part`, dir);
    }
    return dir;
  })() : undefined;
  for (let rep = 0; rep < REPS; rep++) {
    for (const h of hists) {
      if (CASES.has('refresh')) {
        const d = fresh(join(WORK, 'refresh'));
        // Hard links: a copy of any size in no time; periodic renames and unlinks, never writes into, a segment.
        step(['cp', '-al', join(h.dir, 'spool'), d.spool]);
        cpSync(join(h.dir, 'state'), d.state, { recursive: true });
        cpSync(join(h.dir, 'metrics'), d.metrics, { recursive: true });
        // The lake too: periodic only renames files in and unlinks them (compaction), never writes into one.
        for (const f of readdirSync(newPlain)) if (f.startsWith('seg-')) step(['ln', join(newPlain, f), join(d.spool, f)]);
        record(`refresh-${h.events}`, measure([periodic(d)]));
        if (liveSpool && h === top) {
          const l = fresh(join(WORK, 'refresh'));
          step(['cp', '-al', join(h.dir, 'spool'), l.spool]);
          cpSync(join(h.dir, 'state'), l.state, { recursive: true });
          cpSync(join(h.dir, 'metrics'), l.metrics, { recursive: true });
          for (const f of readdirSync(liveSpool)) if (f.startsWith('seg-')) step(['ln', join(liveSpool, f), join(l.spool, f)]);
          record(`refresh-live-${h.events}`, measure([periodic(l)]));
        }
        if (CASES.has('lake')) {
          const n = fresh(join(WORK, 'refresh'));
          step(['cp', '-al', join(h.dir, 'spool'), n.spool]);
          cpSync(join(h.dir, 'state'), n.state, { recursive: true });
          cpSync(join(h.dir, 'metrics'), n.metrics, { recursive: true });
          if (existsSync(join(h.dir, 'lake'))) step(['cp', '-al', join(h.dir, 'lake'), n.lake]);
          for (const f of readdirSync(newLake!)) if (f.startsWith('seg-')) step(['ln', join(newLake!, f), join(n.spool, f)]);
          // Copied, not linked: periodic sets the batch inside the files handle-stream wrote.
          if (existsSync(join(newLake!, 'lake'))) cpSync(join(newLake!, 'lake'), join(n.spool, 'lake'), { recursive: true });
          record(`refresh-lake-${h.events}`, measure([periodic(n, true)]));
        }
      }
      if (CASES.has('duckdb')) {
        const files = h.events === 0 ? [newCap] : [capture(h.events, 1), newCap];
        record(`duckdb-${h.events}`, measure([{ label: 'duckdb', argv: [NODE, join(ROOT, 'dist', 'bench', 'duck.js'), ...files] }]));
      }
    }
  }
}
if (CASES.has('lake')) {
  // Likes per minute over the largest history: bsky-sql over its lake against DuckDB over the same events as canonical NDJSON.
  const top = Math.max(...HISTORY);
  const h = history(top, () => capture(top, 1));
  const segs: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (/^seg-.*\.ndjson$/.test(e.name)) segs.push(join(d, e.name));
    }
  };
  walk(join(h, 'spool'));
  if (segs.length && existsSync(join(h, 'lake'))) {
    // The same lake as periodic's compaction leaves closed partitions (what a long-running lake holds), built once for
    // these compaction options (a change of them builds it again): this lake's files merged by compaction (row groups
    // of 32,768: copied as they are), and the same events as runs of SHORT_RUN events write them (a row group and a
    // dictionary each) merged by compaction (coalesced into groups of up to 32,768 rows).
    const key = createHash('sha1').update(`${PARQUET} concat ${CONCAT_MIN_ROWS} coalesce 1`).digest('hex').slice(0, 8);
    const compacted = join(h, `lake-compacted-${key}`);
    const short = join(h, `lake-short-${SHORT_RUN}`);
    const shortCompacted = join(h, `lake-short-${SHORT_RUN}-compacted-${key}`);
    if (!existsSync(short)) {
      log(`writing the history's events as runs of ${SHORT_RUN} events write them`);
      rmSync(`${short}.part`, { recursive: true, force: true });
      step([NODE, join(ROOT, 'dist', 'bench', 'short-lake.js'), join(h, 'spool'), join(h, 'lake'), `${short}.part`, String(SHORT_RUN)]);
      renameSync(`${short}.part`, short);
    }
    for (const [from, dir] of [[join(h, 'lake'), compacted], [short, shortCompacted]]) {
      if (existsSync(dir)) continue;
      log(`compacting ${from} as periodic does`);
      rmSync(`${dir}.part`, { recursive: true, force: true });
      step([NODE, join(ROOT, 'dist', 'bench', 'compact-lake.js'), from, `${dir}.part`, 'compact']);
      renameSync(`${dir}.part`, dir);
    }
    const likes = (lake: string): Proc => tool('bsky-sql', '-q', '--csv', '--lake', lake, '--file', join(ROOT, 'sql', 'likes-per-minutes.sql'));
    for (let rep = 0; rep < REPS; rep++) {
      record('sql-ndjson', measure([{ label: 'duckdb', argv: [NODE, join(ROOT, 'dist', 'bench', 'sql-ndjson.js'), ...segs] }]));
      record('sql-lake', measure([likes(join(h, 'lake'))]));
      record('sql-lake-compacted', measure([likes(compacted)]));
      record('sql-lake-short', measure([likes(shortCompacted)]));
    }
    sizes.events ??= top;
  }
}
rmSync(WORK, { recursive: true, force: true });

const machine = `${cpus().length} x ${cpus()[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GB RAM, ${type()} ${release()}, Node ${process.version}, load average ${load.toFixed(2)} at start`;
const text = report(results, {
  machine, date: startedAt.toISOString().slice(0, 16).replace('T', ' ') + ' UTC', reps: REPS, events: EVENTS, newEvents: NEW, history: HISTORY,
  seconds: (Date.now() - startedAt.getTime()) / 1000, sizes,
});
writeFileSync(join(OUT, 'latest.md'), text);
process.stdout.write(text);
