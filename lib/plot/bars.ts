import type { Point } from './read-table.js';
import { padEnd, sanitize, stringWidth } from './width.js';
import { paint, type Paint } from './color.js';

/** Left-anchored eighth blocks: index i is a bar i/8 of a cell long. */
const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉', '█'];

export interface BarOptions {
  /** Total width in cells of every line. */
  width: number;
  paint?: Paint;
}

/** A bar of `eighths` eighths of a cell: full blocks and one partial block. */
export function barText(eighths: number): string {
  return '█'.repeat(Math.floor(eighths / 8)) + EIGHTHS[eighths % 8];
}

/**
 * Lays out a horizontal bar chart, one line per point: the label padded (cut
 * with … when long), an axis, the bar in eighth blocks, and the value as it
 * came in. Bars grow from 0: negative values grow left of a zero column.
 */
export function drawBars(points: Point[], opts: BarOptions): string[] {
  const p = opts.paint ?? paint(false);
  if (!points.length) return [];
  const labels = points.map((pt) => sanitize(pt.label));
  const values = points.map((pt) => sanitize(pt.text));
  // Loops, not Math.max(...xs): a spread of a few hundred thousand arguments overflows the stack.
  const valueW = values.reduce((w, v) => Math.max(w, stringWidth(v)), 0);
  // Labels get at most 40% of the width so that the bars stay readable.
  const labelW = Math.max(1, Math.min(labels.reduce((w, l) => Math.max(w, stringWidth(l)), 0), Math.floor(opts.width * 0.4)));
  const area = Math.max(1, opts.width - labelW - 2 - 1 - valueW);
  const max = points.reduce((m, pt) => Math.max(m, pt.value), 0);
  const min = points.reduce((m, pt) => Math.min(m, pt.value), 0);
  // Whole cells left of zero for negative bars, the rest for positive ones.
  const left = min < 0 ? (max > 0 ? Math.max(1, Math.round((area * -min) / (max - min))) : area) : 0;
  const right = area - left;
  // Cells per unit: one scale for both sides, so that lengths compare.
  const scale = Math.min(max > 0 ? right / max : Infinity, min < 0 ? left / -min : Infinity);
  return points.map((pt, i) => {
    let bar: string;
    if (pt.value >= 0) {
      const e = Number.isFinite(scale) ? Math.round(pt.value * scale * 8) : 0;
      bar = ' '.repeat(left) + p.bar(barText(e));
    } else {
      // Right-anchored partials exist only as halves: the negative side is drawn in half cells.
      const halves = Math.round(-pt.value * scale * 2);
      const text = (halves % 2 ? '▐' : '') + '█'.repeat(Math.floor(halves / 2));
      bar = ' '.repeat(left - stringWidth(text)) + p.bar(text);
    }
    return `${padEnd(labels[i], labelW)} ┤${bar} ${values[i]}`;
  });
}
