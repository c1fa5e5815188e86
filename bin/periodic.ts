#!/usr/bin/env node
import { durationValue, fail, parseArgs, TIMER_MAX_US, usageError, type OptionSpec, type ToolSpec } from '../lib/cli/tool.js';
import { join } from 'node:path';
import { errorLine } from '../lib/io/io-error.js';
import { DEDUPE_MAX_US } from '../lib/events/dedupe.js';
import { periodicFamilies } from '../lib/ops/periodic-prom.js';
import { writeProm } from '../lib/ops/prom.js';
import { listSegments } from '../lib/spool/segments.js';
import { StateError } from '../lib/metrics/metric.js';
import { METRICS, allParams, paramOption, parseParams } from '../lib/metrics/registry.js';
import { rollup } from '../lib/periodic/rollup.js';
import { staleLine, summaryLine } from '../lib/periodic/summary.js';

/** A size such as `5GB`, `500MB`, `1.5G`, `0` in bytes (powers of 1000); undefined when malformed. */
function parseBytes(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)b?$/i.exec(text.trim());
  if (!m) return undefined;
  return Math.round(+m[1] * 1000 ** ' kmgt'.indexOf(m[2].toLowerCase() || ' '));
}

const metricOptions: Record<string, OptionSpec> = Object.fromEntries(
  allParams().map((p) => [p.flag, paramOption(p)]),
);
const spec: ToolSpec = {
  name: 'periodic',
  summary: 'Folds the spool segments published since the last run into the saved state and rewrites metrics/*.csv. One line of summary.',
  usage: 'periodic [options]',
  options: {
    spool: { type: 'string', describe: 'spool folder that handle-stream writes', default: './spool' },
    state: { type: 'string', describe: 'state folder', default: './state' },
    metrics: { type: 'string', describe: 'folder of the metrics CSV files', default: './metrics' },
    'archive-days': { type: 'number', describe: 'processed segments move to SPOOL/archive/DAY/, deleted after this many days (0: deleted at once); by default only the segments of the last two --dedupe-window (the lake holds the history), or 1 day with --no-lake', integer: true, min: 0, max: 36500 },
    'dedupe-window': { type: 'string', describe: 'without --archive-days: handle-stream\'s --dedupe-window; its restart reads the archive back two windows of it (0 = no dedupe: the archive keeps only the newest two segments)', default: '10m', duration: true, zero: true, max: DEDUPE_MAX_US },
    'lock-stale': { type: 'string', describe: 'fallback only (no flock, holder on another host): a lock this old is taken over', default: '30s', duration: true, min: 1_000_000, max: TIMER_MAX_US },
    prom: { type: 'string', describe: 'a Prometheus text file of counters, rewritten atomically each run, for node_exporter\'s textfile collector', defaultText: 'STATE/periodic.prom' },
    'max-age': { type: 'string', describe: 'stall alarm: after its work, exit 3 with one line on stderr when the newest event folded is older than this, or none ever was', duration: true, min: 1_000_000 },
    lake: { type: 'string', describe: 'also write every folded event, exactly once, to a Parquet lake in this folder (docs/LAKE.md); --no-lake: none', default: './lake' },
    'lake-days': { type: 'number', describe: 'delete lake dates older than this many days before the newest event\'s (0: keep everything)', default: 0, integer: true, min: 0, max: 36500 },
    'lake-min-free': { type: 'string', describe: 'below this much free space (e.g. 5GB, 500MB, 0) lake writes wait, loudly; segments wait in the archive; metrics stay exact', default: '5GB' },
    rebuild: { type: 'boolean', describe: 'recompute the state and CSVs from the lake alone (after changing --keyword, --min-likes, --within...)', default: false },
    quiet: { type: 'boolean', describe: 'no summary line, and no progress line on a terminal', default: false, alias: 'q' },
    ...metricOptions,
  },
  examples: [
    ['watch -n 30 periodic', 'refresh the metrics every 30 seconds'],
    ['* * * * * cd /data/bsky && bin/periodic >> periodic.log 2>&1', 'a crontab line, every minute'],
    ['periodic --max-age 5m || echo "stream stalled"', 'exit 3 when no event newer than 5 minutes came in'],
    ['periodic --rebuild --keyword rust', 'the metrics again from the lake, with another keyword'],
    ['periodic --no-lake --archive-days 0', 'metrics only: no lake, processed segments deleted'],
  ],
};

const opts = parseArgs<{ spool: string; state: string; metrics: string; archiveDays?: number; dedupeWindow: string; lockStale: string; maxAge?: string; prom?: string; quiet: boolean; lake?: string | false; rebuild: boolean; lakeDays: number; lakeMinFree: string }>(spec);
const minFree = parseBytes(opts.lakeMinFree) ?? usageError(spec.name, `--lake-min-free: invalid size '${opts.lakeMinFree}' (e.g. 5GB, 500MB, 0)`);
if (opts.lake === '') usageError(spec.name, '--lake: empty folder name');
if (opts.files.length) usageError(spec.name, `unexpected argument '${opts.files[0]}'`);
const lockStaleMs = durationValue(opts.lockStale)! / 1000;
let params;
try {
  params = parseParams(opts as unknown as Record<string, unknown>);
} catch (err) {
  usageError(spec.name, (err as Error).message);
}
/** The exit status of a run that did its work but found the data older than --max-age. */
const EXIT_STALE = 3;
const started = performance.now();
try {
  const summary = await rollup({
    spool: opts.spool, stateDir: opts.state, metricsDir: opts.metrics, metrics: METRICS, params,
    // With the lake, the archive only serves handle-stream's restart dedupe, which reads back two windows (--archive-days overrides).
    archiveDays: opts.archiveDays ?? 1,
    ...(opts.lake && opts.archiveDays === undefined ? { archiveSpanUs: 2 * durationValue(opts.dedupeWindow)! } : {}),
    lockStaleMs, quiet: opts.quiet,
    ...(!opts.lake ? {} : {
      lake: { dir: opts.lake, days: opts.lakeDays, minFree, warn: (m: string) => void process.stderr.write(`periodic: ${m}\n`) },
    }),
    rebuild: opts.rebuild,
  });
  if ('busy' in summary) process.stderr.write(`periodic: another run is in progress (${summary.busy}); nothing done\n`);
  else {
    const seconds = (performance.now() - started) / 1000;
    writeProm(opts.prom ?? join(opts.state, 'periodic.prom'), periodicFamilies(summary, { seconds, pending: listSegments(opts.spool).length }));
    if (!opts.quiet) process.stdout.write(summaryLine(summary, seconds, Date.now(), opts.spool) + '\n');
    // The alarm comes after the work (the CSVs are written): 3, apart from 1 (failure), for cron mail or a check to act on.
    const stale = opts.maxAge === undefined ? null : staleLine(summary, durationValue(opts.maxAge)!, opts.maxAge);
    if (stale !== null) {
      process.stderr.write(stale + '\n');
      process.exitCode = EXIT_STALE;
    }
  }
} catch (err) {
  fail(spec.name, err instanceof StateError ? `${err.message}; ${opts.lake ? 'run periodic --rebuild to recompute from the lake, or ' : ''}move ${opts.state} away to start afresh` : errorLine(err));
}
