#!/usr/bin/env node
import { durationValue, fail, parseArgs, TIMER_MAX_US, usageError, type OptionSpec, type ToolSpec } from '../lib/cli/tool.js';
import { errorLine } from '../lib/io/io-error.js';
import { StateError } from '../lib/metrics/metric.js';
import { METRICS, allParams, paramOption, parseParams } from '../lib/metrics/registry.js';
import { rollup } from '../lib/periodic/rollup.js';
import { summaryLine } from '../lib/periodic/summary.js';

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
    quiet: { type: 'boolean', describe: 'no summary line', default: false, alias: 'q' },
    ...metricOptions,
  },
  examples: [
    ['watch -n 30 periodic', 'refresh the metrics every 30 seconds'],
    ['* * * * * cd /data/bsky && bin/periodic >> periodic.log 2>&1', 'a crontab line, every minute'],
  ],
};

const opts = parseArgs<{ spool: string; state: string; metrics: string; archiveDays: number; lockStale: string; quiet: boolean }>(spec);
if (opts.files.length) usageError(spec.name, `unexpected argument '${opts.files[0]}'`);
const lockStaleMs = durationValue(opts.lockStale)! / 1000;
let params;
try {
  params = parseParams(opts as unknown as Record<string, unknown>);
} catch (err) {
  usageError(spec.name, (err as Error).message);
}
const started = performance.now();
try {
  const summary = await rollup({
    spool: opts.spool, stateDir: opts.state, metricsDir: opts.metrics, metrics: METRICS, params,
    archiveDays: opts.archiveDays, lockStaleMs, quiet: opts.quiet,
  });
  if ('busy' in summary) process.stderr.write(`periodic: another run is in progress (${summary.busy}); nothing done\n`);
  else if (!opts.quiet) process.stdout.write(summaryLine(summary, (performance.now() - started) / 1000, Date.now(), opts.spool) + '\n');
} catch (err) {
  fail(spec.name, err instanceof StateError ? `${err.message}; move ${opts.state} away to start afresh` : errorLine(err));
}
