import type { FlatRow } from '../rows/flatten.js';
import { MINUTE_US, minuteLabel } from '../time.js';
import { defineMetric, isLike, pairs, rowMicros, StateError, type Metric, type Params } from './metric.js';

/** Counts per wall-clock minute; the output fills every minute from the first to the last with data. */
export interface MinuteState {
  params: Params;
  counts: Map<number, number>;
  /** The minute being counted and its count not yet in `counts`: rows mostly come in order, so most adds skip the Map. */
  minute: number;
  pending: number;
}

function flush(state: MinuteState): void {
  if (state.pending === 0) return;
  state.counts.set(state.minute, (state.counts.get(state.minute) ?? 0) + state.pending);
  state.pending = 0;
}

function perMinute(name: string, aliases: string[], column: string, file: string, description: string, counts: (row: FlatRow) => boolean): Metric<MinuteState> {
  return defineMetric<MinuteState, Array<[number, number]>>({
    name, aliases, description, version: 1,
    columns: ['time', column],
    params: [],
    file: () => file,
    create: (params) => ({ params, counts: new Map(), minute: NaN, pending: 0 }),
    add(state, row) {
      if (!counts(row)) return;
      const minute = Math.floor(rowMicros(row) / MINUTE_US);
      if (minute !== state.minute) {
        flush(state);
        state.minute = minute;
      }
      state.pending++;
    },
    result(state) {
      flush(state);
      if (state.counts.size === 0) return [];
      let first = Infinity;
      let last = -Infinity;
      for (const m of state.counts.keys()) {
        if (m < first) first = m;
        if (m > last) last = m;
      }
      const rows = [];
      for (let m = first; m <= last; m++) rows.push({ time: minuteLabel(m * MINUTE_US), [column]: state.counts.get(m) ?? 0 });
      return rows;
    },
    saveData(state) {
      flush(state);
      return [...state.counts].sort((a, b) => a[0] - b[0]);
    },
    loadData(data, params) {
      const counts = new Map<number, number>();
      for (const [m, n] of pairs<number>(data, 'minute counts')) {
        if (!Number.isSafeInteger(m)) throw new StateError('minute counts hold a bad minute');
        counts.set(m, n);
      }
      return { params, counts, minute: NaN, pending: 0 };
    },
  });
}

export const likesPerMinute = perMinute(
  'likes-per-minute', ['likes-per-minutes'], 'likes', 'likes-per-minutes.csv',
  'likes created per wall-clock minute, every minute from the first to the last with data (0 when none)',
  isLike,
);

export const eventsPerMinute = perMinute(
  'events-per-minute', [], 'events', 'events-per-minute.csv',
  'rows of every kind and operation per wall-clock minute, every minute from the first to the last with data',
  () => true,
);
