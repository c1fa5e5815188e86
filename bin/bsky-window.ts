#!/usr/bin/env node
import { parseArgs, runLines, usageError, type ToolSpec } from '../lib/cli/tool.js';
import { FILTER_OPTIONS } from '../lib/cli/filter-options.js';
import { windowOptions, type WindowArgs } from '../lib/window/options.js';
import { windowLines } from '../lib/window/window-lines.js';

const spec: ToolSpec = {
  name: 'bsky-window',
  summary: 'Flat rows to event-time windows: one row per window (and key) with its count, emitted as soon as the watermark (largest time seen minus --lateness) passes its end.',
  lines: true,
  options: {
    size: { type: 'string', describe: 'window length, whole seconds (windows start on multiples of --hop, e.g. minute boundaries)', default: '1m', duration: true },
    hop: { type: 'string', describe: 'distance between window starts, at most --size', defaultText: '--size (tumbling windows)', duration: true },
    lateness: { type: 'string', describe: 'allowed lateness: rows older than the watermark are late, reported and not counted', default: '10s', duration: true, zero: true },
    by: { type: 'string', describe: 'group by this row field (an array field counts once per distinct element)' },
    count: { type: 'boolean', describe: 'count rows per window and key (the default)', default: false },
    distinct: { type: 'string', describe: 'count the distinct values of this field instead of rows' },
    fill: { type: 'boolean', describe: 'emit empty windows with 0 between the first and the last (with --by: every key seen so far)', default: false },
    ...FILTER_OPTIONS,
  },
  examples: [
    ['bsky-window --kinds like --ops create --fill rows.ndjson', 'likes per minute, empty minutes as 0'],
    ['bsky-window --size 5m --hop 1m --by kind rows.ndjson', 'rows per kind over the last 5 minutes, every minute'],
    ['bsky-window --size 1h --kinds post --distinct did rows.ndjson', 'distinct posting users per hour'],
    ['bsky-window --by langs --kinds post --lateness 0 --rejects late.ndjson', 'posts per language, late rows kept aside'],
  ],
};

const opts = parseArgs<WindowArgs>(spec);
const windowOpts = windowOptions(opts);
if (typeof windowOpts === 'string') usageError(spec.name, windowOpts);
await runLines(spec, opts, windowLines(windowOpts), { progress: true });
