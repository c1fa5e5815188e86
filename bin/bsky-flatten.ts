#!/usr/bin/env node
import { listOption, parseArgs, runLines, usageError, type ToolSpec } from '../lib/cli/tool.js';
import { FILTER_OPTIONS, type FilterArgs } from '../lib/cli/filter-options.js';
import { FIELDS, type FlatRow } from '../lib/rows/flatten.js';
import { flattenLines } from '../lib/rows/flatten-lines.js';

const spec: ToolSpec = {
  name: 'bsky-flatten',
  summary: `Canonical events (or raw capture lines) to flat rows, one per event.\nFields: ${FIELDS.join(', ')}.`,
  lines: true,
  options: {
    ...FILTER_OPTIONS,
    fields: { type: 'string', describe: 'output only these fields, in this order, comma-separated', alias: 'f' },
  },
  examples: [
    ['bsky-parse capture.ndjson | bsky-flatten --kinds like --fields time,did', 'who liked, when'],
    ["bsky-flatten --kinds post events.ndjson | jq -r 'select(.langs[0]==\"ja\") | .text'", 'Japanese post texts'],
  ],
};

const opts = parseArgs<FilterArgs & { fields?: string }>(spec);
const fields = listOption(opts.fields) as Array<keyof FlatRow>;
const unknown = fields.find((f) => !FIELDS.includes(f));
if (unknown) usageError(spec.name, `--fields: unknown field '${unknown}' (fields: ${FIELDS.join(', ')})`);
await runLines(spec, opts, flattenLines({ kinds: listOption(opts.kinds), ops: listOption(opts.ops), fields }), { progress: true });
