#!/usr/bin/env node
import { fail, parseArgs, usageError, type OptionSpec, type ToolSpec } from '../lib/cli/tool.js';
import { StateError } from '../lib/metrics/metric.js';
import { METRICS, allParams, parseParams } from '../lib/metrics/registry.js';
import { rollup } from '../lib/periodic/rollup.js';
import { summaryLine } from '../lib/periodic/summary.js';
import { parseDuration } from '../lib/time.js';

/** A size such as `5GB`, `500MB`, `1.5G`, `0` in bytes (powers of 1000); undefined when malformed. */
function parseBytes(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)b?$/i.exec(text.trim());
  if (!m) return undefined;
  return Math.round(+m[1] * 1000 ** ' kmgt'.indexOf(m[2].toLowerCase() || ' '));
}

const metricOptions: Record<string, OptionSpec> = Object.fromEntries(
  allParams().map((p) => [p.flag, { type: 'string', describe: `${p.describe} (default ${p.default})` }]),
);
const spec: ToolSpec = {
  name: 'periodic',
  summary: 'Folds the spool segments published since the last run into the saved state and rewrites metrics/*.csv. One line of summary.',
  usage: 'periodic [options]',
  options: {
    spool: { type: 'string', describe: 'spool folder that handle-stream writes', default: './spool' },
    state: { type: 'string', describe: 'state folder', default: './state' },
    metrics: { type: 'string', describe: 'folder of the metrics CSV files', default: './metrics' },
    'archive-days': { type: 'number', describe: 'processed segments move to SPOOL/archive/DAY/, deleted after this many days (0: deleted at once)', default: 1 },
    'lock-stale': { type: 'string', describe: 'a lock this old was left by a killed run and is taken over', default: '30s' },
    lake: { type: 'string', describe: 'folder of the Parquet lake every folded event goes to (docs/LAKE.md); --no-lake: none', default: './lake' },
    'lake-days': { type: 'number', describe: 'delete lake dates older than this many days before the newest event\'s (0: keep everything)', default: 0 },
    'lake-min-free': { type: 'string', describe: 'below this much free space (e.g. 5GB, 500MB, 0) lake writes wait, loudly; segments wait in the archive; metrics stay exact', default: '5GB' },
    rebuild: { type: 'boolean', describe: 'recompute the state and CSVs from the lake alone (after changing --keyword, --min-likes, --within...)', default: false },
    quiet: { type: 'boolean', describe: 'no summary line', default: false, alias: 'q' },
    ...metricOptions,
  },
  examples: [
    ['watch -n 30 periodic', 'refresh the metrics every 30 seconds'],
    ['* * * * * cd /data/bsky && bin/periodic >> periodic.log 2>&1', 'a crontab line, every minute'],
    ['periodic --rebuild --keyword rust', 'the metrics again from the lake, with another keyword'],
  ],
};

const opts = parseArgs<{ spool: string; state: string; metrics: string; archiveDays: number; lockStale: string; quiet: boolean; lake: string | false; rebuild: boolean; lakeDays: number; lakeMinFree: string }>(spec);
if (!Number.isInteger(opts.lakeDays) || opts.lakeDays < 0) usageError(spec.name, `--lake-days: expected a whole number of days, got '${opts.lakeDays}'`);
const minFree = parseBytes(opts.lakeMinFree) ?? usageError(spec.name, `--lake-min-free: invalid size '${opts.lakeMinFree}' (e.g. 5GB, 500MB, 0)`);
if (opts.lake === '') usageError(spec.name, '--lake: empty folder name (--no-lake: no lake)');
if (opts.files.length) usageError(spec.name, `unexpected argument '${opts.files[0]}'`);
const lockStaleMs = (parseDuration(opts.lockStale) ?? usageError(spec.name, `--lock-stale: invalid duration '${opts.lockStale}'`)) / 1000;
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
    ...(opts.lake === false ? {} : {
      lake: { dir: opts.lake, days: opts.lakeDays, minFree, warn: (m: string) => void process.stderr.write(`periodic: ${m}\n`) },
    }),
    rebuild: opts.rebuild,
  });
  if (summary === null) process.stderr.write(`periodic: another run is in progress (lock ${opts.state}/periodic.lock); nothing done\n`);
  else if (!opts.quiet) process.stdout.write(summaryLine(summary, (performance.now() - started) / 1000, Date.now(), opts.spool) + '\n');
} catch (err) {
  fail(spec.name, err instanceof StateError ? `${err.message}; run periodic --rebuild to recompute from the lake, or move ${opts.state} away to start afresh` : (err as Error).message);
}
