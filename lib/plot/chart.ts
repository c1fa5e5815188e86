import { drawBars } from './bars.js';
import { paint } from './color.js';
import { TooManyRows, type Table } from './read-table.js';
import { isTimeSeries, type Aggregate } from './series.js';
import { drawSeries } from './series-chart.js';
import { sanitize, truncate } from './width.js';

/** What kind of chart: `auto` draws columns for a time series and bars otherwise. */
export type ChartType = 'auto' | 'bar' | 'columns' | 'line';

export interface ChartOptions {
  /** Heading; the input's name when not given by --title. */
  title: string;
  /** Whether the title was chosen by the user (kept as is) or is the input name (columns named after it). */
  customTitle?: boolean;
  width: number;
  height: number;
  type: ChartType;
  agg: Aggregate;
  color: boolean;
}

/** A bar chart draws a line per row: more than this is no chart a terminal shows, and its lines are memory. */
export const MAX_BARS = 10_000;

/** Draws one table as a chart: a title line, then the bars or the chart over time. */
export function drawChart(table: Table, opts: ChartOptions): string[] {
  const p = paint(opts.color);
  const type = opts.type === 'auto' ? (isTimeSeries(table.points) ? 'columns' : 'bar') : opts.type;
  let title = opts.customTitle ? opts.title : `${opts.title}: ${table.valueName} by ${table.labelName}`;
  if (!table.points.length) return [p.title(truncate(sanitize(title), opts.width)), '(no data)'];
  if (type === 'bar' && table.points.length > MAX_BARS) throw new TooManyRows(`${table.points.length} rows are too many bars (at most ${MAX_BARS}); try --type columns`);
  if (type === 'bar') return [p.title(truncate(sanitize(title), opts.width)), ...drawBars(table.points, { width: opts.width, paint: p })];
  const chart = drawSeries(table.points, { width: opts.width, height: opts.height, type, agg: opts.agg, paint: p });
  if (chart.group > 1) title += ` (${opts.agg} of ${chart.group} points per ${type === 'line' ? 'dot' : 'column'})`;
  return [p.title(truncate(sanitize(title), opts.width)), ...chart.lines];
}
