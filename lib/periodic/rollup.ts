import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { TEMP_FILE, writeFileAtomicSync } from '../io/atomic-write.js';
import { IoError, isSystemError } from '../io/io-error.js';
import { makeDir } from '../io/make-dir.js';
import { toCsv } from '../csv/csv-lines.js';
import type { Metric, Params } from '../metrics/metric.js';
import { archiveDays, archiveSegment, listSegments, refuseOther, segmentStartUs } from '../spool/segments.js';
import { foldSegment } from './fold-segment.js';
import { loadMetrics, openState, writeState } from './state-file.js';
import type { LineRef } from '../input/split-lines.js';
import { Rejects } from '../cli/rejects.js';
import { lockProcess } from '../lock/process-lock.js';
import { LakeWriter, type LakeOptions } from '../lake/lake.js';
import { lakeBytes } from '../lake/layout.js';
import { lakeStates } from '../lake/rebuild.js';
import { sweepSegmentFiles } from '../lake/segment-lake.js';
import { inputBytes, startProgress } from '../cli/progress.js';

export interface RollupOptions {
  spool: string;
  stateDir: string;
  metricsDir: string;
  metrics: ReadonlyArray<Metric<any>>;
  params: Params;
  /** Processed segments are archived by day; day folders older than this are deleted (0: delete at once). */
  archiveDays: number;
  /**
   * Instead of archiveDays: keep the archived segments that started within
   * this long (wall clock, from their names) of the newest one's start, and the one before
   * (periodic with the lake: what handle-stream's restart dedupe reads back).
   */
  archiveSpanUs?: number;
  /** Only where the lock's holder cannot be checked (the fallback lock, held from another host): a lock this old is taken over. */
  lockStaleMs: number;
  quiet: boolean;
  /** The Parquet lake every folded event goes to (lib/lake); none when undefined. */
  lake?: LakeOptions;
  /** Recompute the metric states from the lake instead of loading them (periodic --rebuild). */
  rebuild?: boolean;
}

const reached = new Map<string, number>();

/**
 * Fault injection for the kill tests: BSKY_CRASH_AT=fold|save|csv|archive
 * makes the run kill itself with SIGKILL when it reaches that step;
 * BSKY_STOP_AT=step stops it there (SIGSTOP), alive and holding the lock.
 */
function crashPoint(step: string): void {
  if (process.env.BSKY_CRASH_AT === step) process.kill(process.pid, 'SIGKILL');
  // BSKY_FAIL_AT=step[:n]: an error thrown the n-th time the step is reached (a failed run, not a killed one).
  const fail = /^([a-z-]+)(?::(\d+))?$/.exec(process.env.BSKY_FAIL_AT ?? '');
  if (fail && fail[1] === step && (reached.set(step, (reached.get(step) ?? 0) + 1).get(step) === +(fail[2] ?? 1))) {
    throw new Error(`injected failure (BSKY_FAIL_AT=${process.env.BSKY_FAIL_AT})`);
  }
  if (process.env.BSKY_STOP_AT === step) {
    // Once: a step met again (fold, per segment) runs on after SIGCONT.
    delete process.env.BSKY_STOP_AT;
    process.kill(process.pid, 'SIGSTOP');
  }
}

export interface RollupSummary {
  segments: number;
  events: number;
  rejected: number;
  /** Over the life of the state: for the Prometheus counters. */
  totals?: { segments: number; rejected: number; rejectedBy: Record<string, number>; late: number };
  /** Rows of each metrics file written. */
  rows?: Record<string, number>;
  totalEvents: number;
  newest: string | null;
  files: number;
  /** Bytes of the lake's files, when there is a lake. */
  lakeBytes?: number;
  /** Segments folded whose rows still wait for the lake (below the free-space floor: they stay in the archive). */
  lakeBehind?: number;
}

/**
 * One periodic run: under a lock, fold the segments published since the last
 * run into the saved metric states, save them (one atomic rename), rewrite
 * every CSV atomically, then move the folded segments out of the spool.
 * Killed at any point, the next run neither loses nor double-counts: a
 * segment is counted iff the saved state lists it or moved it out.
 * Returns who holds the lock when another run has it.
 */
export async function rollup(opts: RollupOptions): Promise<RollupSummary | { busy: string }> {
  for (const dir of [opts.spool, opts.stateDir, opts.metricsDir]) makeDir(dir);
  const lock = await lockProcess(join(opts.stateDir, 'periodic.lock'), { tool: 'periodic', staleMs: opts.lockStaleMs });
  if ('holder' in lock) return { busy: lock.holder };
  const check = (name: string): void => {
    // Another run took the age lock over (we stalled past the stale time): stop before writing anything.
    const lost = lock.held.lost();
    if (lost) throw new Error(`lost the lock (${lost.message}); nothing written`);
    crashPoint(name);
  };
  let lakeCleanup = async (): Promise<void> => undefined;
  try {
    removeLeftovers(opts.metricsDir, opts.stateDir);
    const statePath = join(opts.stateDir, 'periodic.json');
    // The bookkeeping first: the lake's batch starts before the metrics' states are parsed (most of the file).
    const file = openState(statePath);
    const saved = file.head;
    // Lake hook 1: finish the lake commit a killed run left (idempotent), drop uncommitted staging.
    const lake = opts.lake ? new LakeWriter(opts.lake) : undefined;
    lakeCleanup = async () => lake?.close();
    lake?.recover(saved.lake);
    const listed = listSegments(opts.spool, refuseOther);
    const done = new Set(saved.folded);
    const fresh = listed.filter((s) => !done.has(s));
    // The lake's batch is written (staged, not committed) while the rest runs, from here: LakeWriter.begin.
    if (!opts.rebuild) await lake?.begin(saved.lake, opts.spool, fresh);
    const rebuilt = opts.rebuild ? await lakeStates(lake, opts.metrics, opts.params, opts.spool, saved.lake?.behind ?? [], opts.quiet) : undefined;
    if (rebuilt && rebuilt.events < saved.events) {
      lake!.opts.warn?.(`rebuilt from what the lake holds: ${rebuilt.events} events of the ${saved.events} folded so far (older dates were pruned, --lake-days)`);
    }
    const states = rebuilt?.states ?? loadMetrics({ metrics: file.metrics() }, opts.metrics, opts.params);
    const rejects = new Rejects('periodic', { quiet: opts.quiet, rejects: join(opts.stateDir, 'rejects.ndjson') }, true);
    const reject = (ref: LineRef, reason: string, raw: string | Buffer | null): void => rejects.reject(ref, reason, raw);
    let events = 0;
    let newest = saved.newest;
    // A rebuild's batch starts only now: the rebuild reads the lake with DuckDB, which would share the cores and the memory.
    if (opts.rebuild) await lake?.begin(saved.lake, opts.spool, fresh);
    // Catching up on a backlog can take a while: a progress line on a terminal, over the bytes of the segments to fold.
    const progress = fresh.length ? startProgress('periodic', opts.quiet, inputBytes(fresh.map((s) => join(opts.spool, s))), undefined, 'events') : undefined;
    for (const name of fresh) {
      check('fold');
      const counts = await foldSegment(join(opts.spool, name), name, states, reject, { onChunk: progress && ((bytes, n) => progress.add(bytes, events + n)) }).catch((err: unknown) => {
        // A read error (a folder named like a segment: EISDIR) names the segment.
        throw isSystemError(err) ? new IoError(join(opts.spool, name), err) : err;
      });
      events += counts.events;
      if (counts.newest !== null && (newest === null || counts.newest > newest)) newest = counts.newest;
    }
    progress?.end(events);
    rejects.close();
    // Lake hook 2: the fresh segments wait for the lake, listed in the state saved below (written to it after the CSVs).
    const journal = lake?.defer(fresh, saved.lake);
    check('save');
    const next = {
      version: 1 as const,
      folded: listed.filter((s) => done.has(s)).concat(fresh),
      segments: saved.segments + fresh.length,
      events: saved.events + events,
      rejected: saved.rejected + rejects.count,
      rejectedBy: addCounts(saved.rejectedBy ?? {}, rejects.byReason),
      newest,
      metrics: Object.fromEntries(opts.metrics.map((m) => [m.name, m.save(states.get(m))])),
      ...(journal ? { lake: journal } : {}),
      ...(rebuilt ? { events: rebuilt.events + events, newest: rebuilt.newest !== null && (newest === null || rebuilt.newest > newest) ? rebuilt.newest : newest } : {}),
    };
    writeState(statePath, next);
    check('csv');
    for (const m of opts.metrics) {
      writeFileAtomicSync(join(opts.metricsDir, m.file(opts.params)), toCsv(m.result(states.get(m)), m.columns, true));
    }
    if (!opts.quiet) for (const m of opts.metrics) for (const w of m.warnings?.(states.get(m)) ?? []) process.stderr.write(`periodic: ${m.name}: ${w}\n`);
    // Lake hook 3: the waiting segments' rows staged as Parquet, committed by a second save, published.
    let keep = new Set<string>();
    if (lake && journal) {
      const written = await lake.stage(opts.spool, journal, next.newest);
      if (written !== journal) {
        check('lake-save');
        writeState(statePath, { ...next, lake: written });
        lake.commit(written);
        lake.tidy();
      }
      // Segments still waiting for the lake (disk under the floor) stay in the archive whatever --archive-days says.
      keep = new Set(written.behind ?? []);
    }
    check('archive');
    const day = new Date().toISOString().slice(0, 10);
    for (const name of next.folded) {
      if (opts.archiveDays > 0 || opts.archiveSpanUs !== undefined || keep.has(name)) archiveSegment(opts.spool, name, day);
      else rmSync(join(opts.spool, name), { force: true });
      crashPoint('archive-mid');
    }
    // The lake files handle-stream wrote for segments now out of the spool (moved into the lake, or left to periodic's writer).
    sweepSegmentFiles(opts.spool);
    if (opts.archiveSpanUs !== undefined) pruneArchiveSpan(opts.spool, opts.archiveSpanUs, keep);
    else pruneArchive(opts.spool, opts.archiveDays, keep);
    return {
      segments: fresh.length, events, rejected: rejects.count, totalEvents: next.events, newest: next.newest, files: opts.metrics.length,
      totals: { segments: next.segments, rejected: next.rejected, rejectedBy: next.rejectedBy, late: lateOf(next.metrics) },
      rows: Object.fromEntries(opts.metrics.map((m) => [m.file(opts.params), m.result(states.get(m)).length])),
      ...(lake ? { lakeBytes: lakeBytes(lake.opts.dir), lakeBehind: keep.size } : {}),
    };
  } finally {
    await lakeCleanup();
    await lock.held.release();
  }
}

/** Adds this run's counts by key to the saved ones. */
function addCounts(saved: Record<string, number>, run: Map<string, number>): Record<string, number> {
  const out = { ...saved };
  for (const [k, n] of run) out[k] = (out[k] ?? 0) + n;
  return out;
}

/** Late events counted by the metrics that have a lateness (fast-likers), over the life of the state. */
function lateOf(metrics: Record<string, unknown>): number {
  let late = 0;
  for (const m of Object.values(metrics)) if (typeof (m as { late?: unknown })?.late === 'number') late += (m as { late: number }).late;
  return late;
}

/** Deletes the temporary files of atomic writes that a killed run left (FILE.NUMBER from write-file-atomic in older versions). */
function removeLeftovers(...dirs: string[]): void {
  for (const dir of dirs) for (const f of readdirSync(dir)) if (/\.(csv|json)\.\d+$/.test(f) || TEMP_FILE.test(f)) rmSync(join(dir, f), { force: true });
}

/** Deletes archive day folders older than `days` days. */
function pruneArchive(spool: string, days: number, keep: ReadonlySet<string> = new Set()): void {
  const cutoff = new Date(Date.now() - days * 86_400_000).toISOString().slice(0, 10);
  for (const day of archiveDays(spool)) {
    if (!(day < cutoff || days === 0)) continue;
    const dir = join(spool, 'archive', day);
    if (keep.size === 0) rmSync(dir, { recursive: true, force: true });
    else for (const f of readdirSync(dir)) if (!keep.has(f)) rmSync(join(dir, f), { force: true });
  }
}

/**
 * Deletes archived segments that started more than `spanUs` before the
 * newest archived one, except the newest of those (it holds the events at
 * the boundary) and the ones in `keep`; day folders left empty go too.
 * handle-stream's restart dedupe reads the archive back two windows of
 * event time, which is receive time by default: what this keeps.
 */
function pruneArchiveSpan(spool: string, spanUs: number, keep: ReadonlySet<string>): void {
  const all = archiveDays(spool).flatMap((day) => readdirSync(join(spool, 'archive', day)).filter((f) => f.startsWith('seg-')).map((name) => ({ day, name, us: segmentStartUs(name) })));
  all.sort((a, b) => (a.name < b.name ? 1 : a.name > b.name ? -1 : 0));
  const newest = all.find((s) => !Number.isNaN(s.us))?.us;
  if (newest === undefined) return;
  let boundaryKept = false;
  for (const s of all) {
    if (Number.isNaN(s.us) || s.us >= newest - spanUs || keep.has(s.name)) continue;
    if (!boundaryKept) {
      boundaryKept = true;
      continue;
    }
    rmSync(join(spool, 'archive', s.day, s.name), { force: true });
  }
  for (const day of archiveDays(spool)) {
    const dir = join(spool, 'archive', day);
    if (readdirSync(dir).length === 0) rmSync(dir, { recursive: true, force: true });
  }
}
