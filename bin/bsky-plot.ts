#!/usr/bin/env node
import { parseArgs, type ToolSpec } from '../lib/cli/tool.js';
import { useColor, type ColorMode } from '../lib/plot/color.js';
import { runPlot } from '../lib/plot/run-plot.js';
import type { ChartType } from '../lib/plot/chart.js';
import type { Aggregate } from '../lib/plot/series.js';

const spec: ToolSpec = {
  name: 'bsky-plot',
  summary: 'Draws metrics CSV files (label, number) as terminal charts: bars, or columns over time. NDJSON rows work too.',
  options: {
    type: { type: 'string', describe: 'chart: auto draws columns when every label is a time, bars otherwise', choices: ['auto', 'bar', 'columns', 'line'], default: 'auto' },
    title: { type: 'string', describe: 'title above each chart', defaultText: 'the file name and columns' },
    width: { type: 'number', describe: 'width in cells', defaultText: 'the terminal width, 80 when piped', integer: true, min: 20, max: 1000 },
    height: { type: 'number', describe: 'rows of a chart over time', default: 10, integer: true, min: 1, max: 200 },
    agg: { type: 'string', describe: 'how adjacent points share a column when they do not fit', choices: ['sum', 'max', 'mean'], default: 'sum' },
    label: { type: 'string', describe: 'label column or NDJSON field', defaultText: 'the first' },
    value: { type: 'string', describe: 'number column or NDJSON field', defaultText: 'the second' },
    header: { type: 'boolean', describe: 'the first CSV row names the columns (--no-header: it is data)', default: true },
    color: { type: 'string', describe: 'colour: auto means a terminal and NO_COLOR unset', choices: ['auto', 'always', 'never'], default: 'auto' },
    quiet: { type: 'boolean', describe: 'no per-row errors and no summary on stderr', default: false, alias: 'q' },
    strict: { type: 'boolean', describe: 'stop with status 1 at the first bad row', default: false },
    rejects: { type: 'string', describe: 'keep every rejected row verbatim in FILE' },
  },
  examples: [
    ['bsky-plot metrics/top-10-word.csv', 'ten labelled bars'],
    ['bsky-plot metrics/*.csv', 'one chart per file'],
    ['bsky-plot --type line --agg max --height 6 metrics/likes-per-minutes.csv', 'likes per minute as a line, peaks kept'],
    ['bsky-window ... | bsky-plot --label start --value count', 'NDJSON rows from a pipeline'],
  ],
};

type Opts = { type: ChartType; title?: string; width?: number; height: number; agg: Aggregate; label?: string; value?: string; header: boolean; color: ColorMode };
const opts = parseArgs<Opts>(spec);
const width = opts.width ?? Math.max(20, Math.min(1000, process.stdout.isTTY ? process.stdout.columns || 80 : 80));
const color = useColor(opts.color, !!process.stdout.isTTY, process.env);
await runPlot(spec.name, { ...opts, width, color });
