#!/usr/bin/env node
import { durationValue, fail, parseArgs, TIMER_MAX_US, usageError, type OptionSpec, type ToolSpec } from '../lib/cli/tool.js';
import { join } from 'node:path';
import { errorLine } from '../lib/io/io-error.js';
import { periodicFamilies } from '../lib/ops/periodic-prom.js';
import { writeProm } from '../lib/ops/prom.js';
import { listSegments } from '../lib/spool/segments.js';
import { StateError } from '../lib/metrics/metric.js';
import { METRICS, allParams, paramOption, parseParams } from '../lib/metrics/registry.js';
import { rollup } from '../lib/periodic/rollup.js';
import { staleLine, summaryLine } from '../lib/periodic/summary.js';

const metricOptions: Record<string, OptionSpec> = Object.fromEntries(
  allParams().map((p) => [p.flag, paramOption(p, false)]),
);
const spec: ToolSpec = {
  name: 'periodic',
  summary: 'Folds the spool segments published since the last run into the saved state and rewrites metrics/*.csv. One line of summary.',
  usage: 'periodic [options]',
  options: {
    spool: { type: 'string', describe: 'spool folder that handle-stream writes', default: './spool' },
    state: { type: 'string', describe: 'state folder', default: './state' },
    metrics: { type: 'string', describe: 'folder of the metrics CSV files', default: './metrics' },
    'archive-days': { type: 'number', describe: 'processed segments move to SPOOL/archive/DAY/, deleted after this many days (0: deleted at once)', default: 1, integer: true, min: 0, max: 36500 },
    'lock-stale': { type: 'string', describe: 'fallback only (no flock, holder on another host): a lock this old is taken over', default: '30s', duration: true, min: 1_000_000, max: TIMER_MAX_US },
    prom: { type: 'string', describe: 'Prometheus text file of counters, rewritten atomically each run, for node_exporter\'s textfile collector (default: STATE/periodic.prom)' },
    'max-age': { type: 'string', describe: 'stall alarm: after its work, exit 3 with one line on stderr when the newest event folded is older than this, or none ever was', duration: true, min: 1_000_000 },
    quiet: { type: 'boolean', describe: 'no summary line', default: false, alias: 'q' },
    ...metricOptions,
  },
  examples: [
    ['watch -n 30 periodic', 'refresh the metrics every 30 seconds'],
    ['* * * * * cd /data/bsky && bin/periodic >> periodic.log 2>&1', 'a crontab line, every minute'],
    ['periodic --max-age 5m || echo "stream stalled"', 'exit 3 when no event newer than 5 minutes came in'],
  ],
};

const opts = parseArgs<{ spool: string; state: string; metrics: string; archiveDays: number; lockStale: string; maxAge?: string; prom?: string; quiet: boolean }>(spec);
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
    archiveDays: opts.archiveDays, lockStaleMs, quiet: opts.quiet,
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
  fail(spec.name, err instanceof StateError ? `${err.message}; move ${opts.state} away to start afresh` : errorLine(err));
}
