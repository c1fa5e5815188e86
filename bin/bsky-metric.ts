#!/usr/bin/env node
import { fail, parseArgs, runLines, usageError, type OptionSpec, type ToolSpec } from '../lib/cli/tool.js';
import { StateError } from '../lib/metrics/metric.js';
import { allParams, METRICS, paramOption, parseParams } from '../lib/metrics/registry.js';
import { metricLines, openStates, resolveNames } from '../lib/metrics/run.js';

const options: Record<string, OptionSpec> = {
  input: { type: 'string', alias: 'i', array: true, describe: 'read flat rows from FILE instead of stdin; repeat for several files, read in order' },
  state: { type: 'string', describe: 'load the state from FILE if it exists, fold the input in, save it atomically; print the metrics over the whole history' },
};
for (const p of allParams()) options[p.flag] = paramOption(p);

const spec: ToolSpec = {
  name: 'bsky-metric',
  usage: 'bsky-metric [options] NAME...',
  summary: `Flat rows (bsky-flatten output) to metric rows, written at the end of input. NAME: ${METRICS.map((m) => m.name).join(', ')}, or all; also ${METRICS.flatMap((m) => m.aliases.map((a) => `${a} (${m.name})`)).join(', ')}. With several names each row starts with "metric".`,
  lines: true,
  options,
  examples: [
    ['bsky-flatten events.ndjson | bsky-metric likes-per-minute', 'likes per minute of a capture'],
    ['bsky-metric -i rows.ndjson fast-likers --min-likes 20 --within 30s', 'a stricter fast-liker rule'],
    ['bsky-metric --state state.json all < new-rows.ndjson', 'fold only new rows into saved state, print every metric'],
  ],
};

const opts = parseArgs<{ state?: string; input?: string[] } & Record<string, unknown>>(spec);
// Positionals are metric names here; input files come with --input.
const names = opts.files;
opts.files = opts.input ?? [];
let tool;
try {
  const metrics = resolveNames(names);
  const params = parseParams(opts);
  tool = metricLines(metrics, openStates(metrics, params, opts.state), opts.state);
} catch (err) {
  if (err instanceof StateError) fail(spec.name, err.message);
  usageError(spec.name, (err as Error).message);
}
await runLines(spec, opts, tool, { progress: true }).catch((err: Error) => fail(spec.name, err.message));
