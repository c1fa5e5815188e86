import type { Point } from './read-table.js';

/** How adjacent points become one column when there are more points than columns. */
export type Aggregate = 'sum' | 'max' | 'mean';

const TIME = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)?(?:Z|[+-]\d{2}:?\d{2})?$/;

/** Whether a label looks like a date or a time (`2025-03-16 13:26:00`, ISO 8601). */
export function isTimeLabel(label: string): boolean {
  return TIME.test(label.trim());
}

/** Whether a table is a time series: at least two points, every label a time. */
export function isTimeSeries(points: Point[]): boolean {
  return points.length >= 2 && points.every((p) => isTimeLabel(p.label));
}

/** Points per column so that `n` points fit in `slots` columns. */
export function groupSize(n: number, slots: number): number {
  return Math.max(1, Math.ceil(n / Math.max(1, slots)));
}

/** Folds each run of `k` adjacent values into one, by sum, max or mean. */
export function aggregate(values: number[], k: number, how: Aggregate): number[] {
  if (k <= 1) return values.slice();
  const out: number[] = [];
  for (let i = 0; i < values.length; i += k) {
    const run = values.slice(i, i + k);
    if (how === 'max') out.push(run.reduce((m, v) => Math.max(m, v), -Infinity));
    else {
      const sum = run.reduce((a, b) => a + b, 0);
      out.push(how === 'sum' ? sum : sum / run.length);
    }
  }
  return out;
}

/** Short text for a number on an axis: integers as they are, others to four significant digits. */
export function formatNumber(n: number): string {
  if (Number.isInteger(n)) return String(n);
  return String(Number(n.toPrecision(4)));
}
