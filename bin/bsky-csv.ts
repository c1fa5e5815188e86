#!/usr/bin/env node
import { fail, listOption, parseArgs, runLines, type ToolSpec } from '../lib/cli/tool.js';
import { AtomicFile } from '../lib/io/atomic-write.js';
import { csvLines } from '../lib/csv/csv-lines.js';

const spec: ToolSpec = {
  name: 'bsky-csv',
  summary: 'NDJSON rows to CSV (RFC 4180, LF, header row), columns in a chosen order; --out replaces a file atomically.',
  lines: true,
  options: {
    columns: { type: 'string', describe: "columns in this order, comma-separated, each KEY or KEY:HEADER ", alias: 'c', defaultText: "the first row's keys" },
    header: { type: 'boolean', describe: 'write a header row (--no-header to leave it out)', default: true },
    out: { type: 'string', describe: 'write to FILE through a temporary file renamed into place: readers never see half a file (a symlink is followed; a device or FIFO is written directly)', alias: 'o' },
  },
  examples: [
    ['bsky-metric likes-per-minute < rows.ndjson | bsky-csv --out metrics/likes-per-minutes.csv', 'replace a metrics file atomically'],
    ['bsky-flatten --kinds post events.ndjson | bsky-csv -c time,did,text', 'posts as a spreadsheet'],
    ['bsky-window --size 1m --fill < likes.ndjson | bsky-csv -c start:time,count:likes', 'rename columns in the header'],
  ],
};

const opts = parseArgs<{ columns?: string; header: boolean; out?: string }>(spec);
let file: AtomicFile | undefined;
try {
  file = opts.out ? new AtomicFile(opts.out) : undefined;
} catch (err) {
  fail(spec.name, (err as Error).message);
}
// Renamed into place before the summary, so that a failed rename is never reported as success.
await runLines(spec, opts, csvLines({ columns: listOption(opts.columns), header: opts.header }), { output: file?.stream, outputName: opts.out, commit: () => file?.commit() });
