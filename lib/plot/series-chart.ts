import type { Point } from './read-table.js';
import { aggregate, formatNumber, groupSize, type Aggregate } from './series.js';
import { padStart, sanitize, stringWidth, truncate } from './width.js';
import { paint, type Paint } from './color.js';

/** Bottom-anchored eighth blocks: index i fills i/8 of a cell from below. */
const UP = [' ', '▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
/** Braille dot bits by [row from top][column]. */
const DOTS = [[0x01, 0x08], [0x02, 0x10], [0x04, 0x20], [0x40, 0x80]];

export interface SeriesOptions {
  /** Total width in cells of every line. */
  width: number;
  /** Rows of the plot area. */
  height: number;
  type: 'columns' | 'line';
  /** How adjacent points share a column when they do not fit. */
  agg: Aggregate;
  paint?: Paint;
}

export interface SeriesChart {
  lines: string[];
  /** Points folded into each column (1 when every point has its own). */
  group: number;
}

/**
 * Lays out a chart over time: a y axis with its bounds, vertical columns in
 * eighth blocks (from 0) or a braille line (over the data's range), an x axis
 * with the first and last labels. Points that do not fit are folded by `agg`.
 */
export function drawSeries(points: Point[], opts: SeriesOptions): SeriesChart {
  const p = opts.paint ?? paint(false);
  const height = Math.max(1, opts.height);
  const raw = points.map((pt) => pt.value);
  // Measure the axis labels on the raw bounds first: aggregation can only widen them, checked below.
  let yw = 1;
  let group = 1;
  let values = raw;
  let slots = 1;
  for (let pass = 0; pass < 3; pass++) {
    slots = Math.max(1, opts.width - yw - 2) * (opts.type === 'line' ? 2 : 1);
    group = groupSize(raw.length, slots);
    values = aggregate(raw, group, opts.agg);
    const bounds = opts.type === 'line' ? lineBounds(values, height) : columnBounds(values, height);
    const w = Math.max(...bounds.labels.map((l) => stringWidth(l.text)), 1);
    if (w <= yw) break;
    yw = w;
  }
  // Few points: widen each column (up to 8 cells) so that ten minutes do not make a ten-cell chart.
  const stretch = opts.type === 'columns' ? Math.max(1, Math.min(8, Math.floor(slots / values.length))) : 1;
  if (stretch > 1) values = values.flatMap((v) => Array<number>(stretch).fill(v));
  const grid = opts.type === 'line' ? lineGrid(values, height) : columnGrid(values, height);
  const bounds = opts.type === 'line' ? lineBounds(values, height) : columnBounds(values, height);
  const lines = grid.map((row, r) => {
    const label = bounds.labels.find((l) => l.row === r);
    const axis = label ? `${padStart(label.text, yw)} ┤` : `${' '.repeat(yw)} │`;
    return axis + p.bar(row.replace(/\s+$/, ''));
  });
  const cols = grid[0]?.length ?? 0;
  lines.push(`${' '.repeat(yw)} └${'─'.repeat(cols)}`);
  lines.push(...xLabels(points, yw + 2, cols, opts.width));
  return { lines, group };
}

interface Bounds {
  labels: Array<{ row: number; text: string }>;
}

/** Splits the height into rows above and below zero and finds rows per unit. */
function columnScale(values: number[], height: number): { above: number; below: number; scale: number } {
  const max = Math.max(0, ...values);
  const min = Math.min(0, ...values);
  let below = 0;
  if (min < 0) below = max > 0 ? Math.min(height - 1, Math.max(1, Math.round((height * -min) / (max - min)))) : height;
  const above = height - below;
  const scale = Math.min(max > 0 ? above / max : Infinity, min < 0 ? below / -min : Infinity);
  return { above, below, scale: Number.isFinite(scale) ? scale : 0 };
}

function columnBounds(values: number[], height: number): Bounds {
  const { above, below, scale } = columnScale(values, height);
  if (scale === 0) return { labels: [{ row: height - 1, text: '0' }] };
  const labels: Bounds['labels'] = [];
  if (above > 0) labels.push({ row: 0, text: formatNumber(above / scale) });
  if (below > 0) labels.push({ row: height - 1, text: formatNumber(-below / scale) });
  // The zero baseline sits under the lowest row above zero.
  // All below zero: the top of the chart is the zero line.
  labels.push(above > 0 ? { row: above - 1, text: '0' } : { row: 0, text: '0' });
  return { labels: labels.filter((l, i) => labels.findIndex((m) => m.row === l.row) === i) };
}

function columnGrid(values: number[], height: number): string[] {
  const { above, scale } = columnScale(values, height);
  const rows: string[] = [];
  for (let r = 0; r < height; r++) {
    let row = '';
    for (const v of values) {
      if (r < above) {
        // Row r counts from the top; j counts up from the zero line.
        const j = above - 1 - r;
        const f = v > 0 ? Math.min(8, Math.max(0, Math.round(v * scale * 8) - 8 * j)) : 0;
        row += UP[f];
      } else {
        // Only halves exist for blocks hanging from the top of a cell.
        const j = r - above;
        const f = v < 0 ? Math.min(2, Math.max(0, Math.round(-v * scale * 2) - 2 * j)) : 0;
        row += f === 2 ? '█' : f === 1 ? '▀' : ' ';
      }
    }
    rows.push(row);
  }
  return rows;
}

function lineBounds(values: number[], height: number): Bounds & { lo: number; hi: number } {
  const lo = values.reduce((m, v) => Math.min(m, v), Infinity);
  const hi = values.reduce((m, v) => Math.max(m, v), -Infinity);
  return { lo, hi, labels: [{ row: 0, text: formatNumber(hi) }, { row: height - 1, text: formatNumber(lo) }] };
}

function lineGrid(values: number[], height: number): string[] {
  const { lo, hi } = lineBounds(values, height);
  const dots = height * 4;
  const cols = Math.ceil(values.length / 2);
  const cells = Array.from({ length: height }, () => new Array<number>(cols).fill(0));
  const y = (v: number): number => (hi === lo ? 0 : Math.round(((v - lo) / (hi - lo)) * (dots - 1)));
  let prev = y(values[0]);
  values.forEach((v, x) => {
    const cur = y(v);
    // Join each point to the previous one with a vertical run, so the line has no gaps.
    for (let d = Math.min(prev, cur); d <= Math.max(prev, cur); d++) {
      const fromTop = dots - 1 - d;
      cells[Math.floor(fromTop / 4)][Math.floor(x / 2)] |= DOTS[fromTop % 4][x % 2];
    }
    prev = cur;
  });
  return cells.map((row) => row.map((b) => (b ? String.fromCharCode(0x2800 + b) : ' ')).join(''));
}

function xLabels(points: Point[], offset: number, cols: number, width: number): string[] {
  const pad = ' '.repeat(offset);
  const room = Math.max(1, width - offset);
  const first = truncate(sanitize(points[0].label), room);
  if (points.length < 2) return [pad + first];
  const last = truncate(sanitize(points[points.length - 1].label), room);
  const fw = stringWidth(first);
  const lw = stringWidth(last);
  // The last label ends under the last column, or further right when the first label is in the way.
  const start = Math.max(cols - lw, fw + 2);
  if (start + lw <= room) return [pad + first + ' '.repeat(start - fw) + last];
  return [pad + first, pad + ' '.repeat(Math.max(0, Math.min(cols, room) - lw)) + last];
}
