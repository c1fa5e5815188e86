import type { FlatRow } from '../rows/flatten.js';
import { MAX_FILL, MINUTE_US, humanSeconds, minuteLabel } from '../time.js';
import { defineMetric, isLike, pairs, StateError, type Metric, type Params } from './metric.js';

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

/** The minutes with data, ascending. */
function minutes(state: MinuteState): number[] {
  flush(state);
  return [...state.counts.keys()].sort((a, b) => a - b);
}

/** Pairs of consecutive minutes with data further apart than the fill allows. */
export function unfilled(sorted: number[]): Array<[number, number]> {
  const gaps: Array<[number, number]> = [];
  for (let i = 1; i < sorted.length; i++) if (sorted[i] - sorted[i - 1] - 1 > MAX_FILL) gaps.push([sorted[i - 1], sorted[i]]);
  return gaps;
}

function perMinute(
  name: string, aliases: string[], column: string, file: string, description: string,
  counts: (row: FlatRow) => boolean, reads: Pick<Metric<MinuteState>, 'fields' | 'kinds'>,
): Metric<MinuteState> {
  return defineMetric<MinuteState, Array<[number, number]>>({
    name, aliases, description, version: 1,
    columns: ['time', column],
    params: [],
    ...reads,
    file: () => file,
    create: (params) => ({ params, counts: new Map(), minute: NaN, pending: 0 }),
    add(state, row, us) {
      if (!counts(row)) return;
      const minute = Math.floor(us / MINUTE_US);
      if (minute !== state.minute) {
        flush(state);
        state.minute = minute;
      }
      state.pending++;
    },
    result(state) {
      const rows = [];
      let prev = NaN;
      for (const m of minutes(state)) {
        // Empty minutes between two with data are rows with 0, up to a week of them: a longer gap is a jump (see notes).
        if (m - prev - 1 <= MAX_FILL) for (let z = prev + 1; z < m; z++) rows.push({ time: minuteLabel(z * MINUTE_US), [column]: 0 });
        rows.push({ time: minuteLabel(m * MINUTE_US), [column]: state.counts.get(m)! });
        prev = m;
      }
      return rows;
    },
    warnings(state) {
      const gaps = unfilled(minutes(state));
      if (gaps.length === 0) return [];
      const [from, to] = gaps[gaps.length - 1];
      return [`${gaps.length} gap${gaps.length > 1 ? 's' : ''} of more than ${MAX_FILL} empty minutes not filled with 0 (the last: ${humanSeconds(((to - from - 1) * MINUTE_US) / 1e6)} after ${minuteLabel(from * MINUTE_US)})`];
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
  isLike, { fields: ['kind', 'op', 'time'], kinds: ['like'] },
);

export const eventsPerMinute = perMinute(
  'events-per-minute', [], 'events', 'events-per-minute.csv',
  'rows of every kind and operation per wall-clock minute, every minute from the first to the last with data',
  () => true, { fields: ['time'] },
);
