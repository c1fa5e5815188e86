import { HOUR_US } from '../time.js';
import { defineMetric, isPost, StateError, type Metric, type Params } from './metric.js';

/** Fixed bins of post counts, e.g. 24 hours of the day. */
export interface BinState {
  params: Params;
  counts: number[];
}

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const HOURS = Array.from({ length: 24 }, (_, h) => (h < 10 ? `0${h}` : String(h)));

function postBins(name: string, column: string, labels: string[], bin: (us: number) => number, description: string): Metric<BinState> {
  return defineMetric<BinState, number[]>({
    name, aliases: [], description, version: 1,
    columns: [column, 'posts'],
    params: [],
    fields: ['kind', 'op', 'time'],
    kinds: ['post'],
    file: () => `${name}.csv`,
    create: (params) => ({ params, counts: labels.map(() => 0) }),
    add(state, row, us) {
      if (isPost(row)) state.counts[bin(us)]++;
    },
    result: (state) => labels.map((label, i) => ({ [column]: label, posts: state.counts[i] })),
    saveData: (state) => [...state.counts],
    loadData(data, params) {
      if (!Array.isArray(data) || data.length !== labels.length || !data.every((n) => Number.isSafeInteger(n))) {
        throw new StateError(`counts are not ${labels.length} integers`);
      }
      return { params, counts: [...data] };
    },
  });
}

export const postsByHour = postBins('posts-by-hour', 'hour', HOURS, (us) => mod(Math.floor(us / HOUR_US), 24),
  'posts created per hour of the day on the wall clock, 00 to 23, all 24 rows');

// 1970-01-01 was a Thursday: day 0 is index 3 when Monday is 0.
export const postsByWeekday = postBins('posts-by-weekday', 'weekday', WEEKDAYS, (us) => mod(Math.floor(us / (24 * HOUR_US)) + 3, 7),
  'posts created per day of the week on the wall clock, Mon to Sun, all 7 rows');

/** Remainder that stays positive, for times before 1970. */
function mod(a: number, n: number): number {
  return ((a % n) + n) % n;
}
