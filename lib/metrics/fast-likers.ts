import { MINUTE_US } from '../time.js';
import { defineMetric, byCountThenLabel, isLike, pairs, StateError, type Params } from './metric.js';

/**
 * Fast likers: users whose largest number of likes inside any window
 * [t, t + within) is at least min-likes. The watermark is the newest like
 * time seen; a like older than watermark - lateness is late: counted in
 * `late`, not folded in. Likes within the lateness are handled exactly,
 * whatever their order. Each active user keeps only the like times that can
 * still share a window with a like that is not late; a user with none left is
 * forgotten, and a best count is stored only once it reaches min-likes.
 */
export interface FastLikersState {
  params: Params;
  minLikes: number;
  withinUs: number;
  latenessUs: number;
  watermark: number;
  late: number;
  /** Like times per active user, ascending. */
  active: Map<string, number[]>;
  /** Active users as a saved state listed them, each moved into `active` when it likes again (Loaded). */
  loaded: Loaded | undefined;
  /** Best count per user, only once it reached min-likes. */
  best: Map<string, number>;
  lastSweep: number;
}

/**
 * The saved state. Active users' like times are saved in columns: user i
 * has counts[i] times, which follow in `ago` as watermark - time (whole
 * microseconds). After 10M events of history that is 34,000 users: as
 * [user, [times]] pairs (`active`, the layout before, still read) the file
 * took 2.25 MB and 20 to 45 ms to parse; in columns 1.75 MB and 6 to 18 ms.
 */
interface Saved {
  watermark: number | null;
  late: number;
  users?: string[];
  counts?: number[];
  ago?: number[];
  active?: Array<[string, number[]]>;
  best: Array<[string, number]>;
}

/**
 * The saved columns as loaded, unexpanded: user i's like times are
 * `base - ago[k]` for k from `from[i]` to `from[i + 1]`, ascending. A run
 * after 10M events of history loads 34,000 active users; a Map entry and an
 * array each took 35 ms in a new process (a Map of the users alone 25), and
 * the first sweep as long again, before a single like was folded. Loaded,
 * they cost a pass of checks; a user moves into `active` only when it likes
 * again (the Map of users built then, once), and all of them go at once when
 * the horizon passes the newest of their times (a run after a pause, the
 * benchmark's refresh). saveData writes the ones never taken from here.
 */
interface Loaded {
  users: string[];
  from: Uint32Array;
  ago: number[];
  /** The watermark they were saved with. */
  base: number;
  /** The newest of their times. */
  newest: number;
  /** 1 once user i moved into `active` (or went with it). */
  taken: Uint8Array;
  /** User to position, built on the first like that needs it. */
  index: Map<string, number> | undefined;
}

export const fastLikers = defineMetric<FastLikersState, Saved>({
  name: 'fast-likers',
  aliases: [],
  description: 'every user whose largest number of likes inside any window [t, t+--within) is at least --min-likes; likes = that number',
  version: 1,
  columns: ['user_id', 'likes'],
  params: [
    { flag: 'min-likes', key: 'minLikes', type: 'count', default: 50, describe: 'fast-likers: at least this many likes…', state: true },
    { flag: 'within', key: 'within', type: 'duration', default: '60s', describe: 'fast-likers: …inside a window this long, [t, t+within)', state: true },
    { flag: 'lateness', key: 'lateness', type: 'duration', default: '1m', describe: 'fast-likers: a like older than the newest like minus this is late: counted, not folded in (0: likes must come in order)', state: true, zero: true },
  ],
  fields: ['kind', 'op', 'time', 'did'],
  kinds: ['like'],
  file: () => 'fast-likers.csv',
  create: createState,
  add(s, row, t) {
    if (!isLike(row)) return;
    if (t < s.watermark - s.latenessUs) {
      s.late++;
      return;
    }
    if (t > s.watermark) {
      s.watermark = t;
      // Forget idle users now and then: the cost follows the active users, not the history.
      if (t - s.lastSweep >= Math.max(s.withinUs, MINUTE_US)) sweep(s);
    }
    let times = s.active.get(row.did) ?? (s.loaded && take(s.loaded, row.did, s.active));
    if (times === undefined) {
      times = [];
      s.active.set(row.did, times);
    } else {
      prune(times, horizon(s), false);
    }
    let count: number;
    const n = times.length;
    if (n === 0 || t >= times[n - 1]) {
      // In order (the usual case): the best window holding t is the one ending at it.
      times.push(t);
      count = n + 1 - upperBound(times, t - s.withinUs);
    } else {
      times.splice(upperBound(times, t), 0, t);
      count = bestAround(times, t, s.withinUs);
    }
    if (count >= s.minLikes && count > (s.best.get(row.did) ?? 0)) s.best.set(row.did, count);
  },
  result: (s) => [...s.best].map(([user_id, likes]) => ({ user_id, likes })).sort(byCountThenLabel('likes', 'user_id')),
  notes: (s) => [`${s.late} late likes`],
  saveData(s) {
    const h = horizon(s);
    const users: string[] = [];
    const counts: number[] = [];
    const ago: number[] = [];
    const l = s.loaded;
    if (l !== undefined) {
      // Users loaded and never taken: their times straight from the columns, shifted to this watermark.
      const shift = s.watermark - l.base;
      for (let i = 0; i < l.users.length; i++) {
        if (l.taken[i] === 1) continue;
        const end = l.from[i + 1];
        let k = l.from[i];
        while (k < end && l.base - l.ago[k] < h) k++;
        if (k === end) continue;
        users.push(l.users[i]);
        counts.push(end - k);
        for (; k < end; k++) ago.push(l.ago[k] + shift);
      }
    }
    for (const [did, times] of s.active) {
      const from = lowerBound(times, h);
      if (from === times.length) continue;
      users.push(did);
      counts.push(times.length - from);
      for (let i = from; i < times.length; i++) ago.push(s.watermark - times[i]);
    }
    return { watermark: Number.isFinite(s.watermark) ? s.watermark : null, late: s.late, users, counts, ago, best: [...s.best] };
  },
  loadData(data, params) {
    const s = createState(params);
    if (data.watermark !== null && typeof data.watermark !== 'number') throw new StateError('fast-likers: malformed state: bad watermark');
    if (typeof data.late !== 'number') throw new StateError('fast-likers: malformed state: bad late count');
    s.watermark = data.watermark ?? -Infinity;
    s.late = data.late;
    s.lastSweep = s.watermark;
    if (Array.isArray(data.users)) s.loaded = loadColumns(s.watermark, data.users, data.counts, data.ago);
    else if (Array.isArray(data.active)) {
      for (const entry of data.active) {
        if (!Array.isArray(entry) || typeof entry[0] !== 'string' || !Array.isArray(entry[1])) throw new StateError('fast-likers: malformed state: bad active user');
        s.active.set(entry[0], entry[1]);
      }
    } else throw new StateError('fast-likers: malformed state: no active users');
    s.best = new Map(pairs<string>(data.best, 'best counts'));
    return s;
  },
});

/** Active users from the saved columns (Saved), checked, left as columns (Loaded); undefined when there are none. */
function loadColumns(base: number, users: unknown[], counts: unknown, ago: unknown): Loaded | undefined {
  const bad = (what: string): never => {
    throw new StateError(`fast-likers: malformed state: ${what}`);
  };
  if (!Array.isArray(counts) || !Array.isArray(ago) || counts.length !== users.length) return bad('active users and their counts differ');
  if (users.length === 0) return ago.length === 0 ? undefined : bad('more like times than counted');
  if (!Number.isFinite(base)) return bad('active users without a watermark');
  const from = new Uint32Array(users.length + 1);
  let k = 0;
  for (let i = 0; i < users.length; i++) {
    const n: unknown = counts[i];
    if (typeof users[i] !== 'string' || typeof n !== 'number' || !Number.isInteger(n) || n < 1 || k + n > ago.length) return bad('bad active user');
    k += n;
    from[i + 1] = k;
  }
  if (k !== ago.length) bad('more like times than counted');
  let least = Infinity;
  for (let j = 0; j < k; j++) {
    const a: unknown = ago[j];
    if (typeof a !== 'number' || !Number.isFinite(a)) return bad('bad like time');
    if (a < least) least = a;
  }
  return { users: users as string[], from, ago: ago as number[], base, newest: base - least, taken: new Uint8Array(users.length), index: undefined };
}

/** A loaded user's times, moved into `active`; undefined when the user was not loaded or was taken before. */
function take(l: Loaded, did: string, active: Map<string, number[]>): number[] | undefined {
  if (l.index === undefined) {
    l.index = new Map();
    for (let i = 0; i < l.users.length; i++) l.index.set(l.users[i], i);
  }
  const i = l.index.get(did);
  if (i === undefined || l.taken[i] === 1) return undefined;
  l.taken[i] = 1;
  const times: number[] = [];
  for (let k = l.from[i]; k < l.from[i + 1]; k++) times.push(l.base - l.ago[k]);
  active.set(did, times);
  return times;
}

function createState(params: Params): FastLikersState {
  return {
    params,
    minLikes: Number(params.minLikes),
    withinUs: Number(params.within),
    latenessUs: Number(params.lateness),
    watermark: -Infinity,
    late: 0,
    active: new Map(),
    loaded: undefined,
    best: new Map(),
    lastSweep: -Infinity,
  };
}

/** Oldest like time that can still share a window with a like that is not late. */
function horizon(s: FastLikersState): number {
  return s.watermark - s.latenessUs - s.withinUs;
}

function sweep(s: FastLikersState): void {
  s.lastSweep = s.watermark;
  const h = horizon(s);
  // The loaded users go all at once when none of their times can count any more.
  if (s.loaded !== undefined && s.loaded.newest < h) s.loaded = undefined;
  for (const [did, times] of s.active) {
    prune(times, h, true);
    if (times.length === 0) s.active.delete(did);
  }
}

/**
 * Drops times older than the horizon. Stale times never count (every window
 * searched starts after them), so outside a sweep they go in batches: one
 * splice per like would cost a heavy liker's whole array each time.
 */
function prune(times: number[], h: number, force: boolean): void {
  if (times.length === 0 || times[0] >= h) return;
  const k = lowerBound(times, h);
  if (force || k >= 64 || 2 * k >= times.length) times.splice(0, k);
}

/** Largest count of a window [a, a + w) that holds t, over sorted times; such a window can start at a like. */
function bestAround(times: number[], t: number, w: number): number {
  let best = 0;
  let j = 0;
  for (let i = upperBound(times, t - w); i < times.length && times[i] <= t; i++) {
    if (j < i) j = i;
    while (j < times.length && times[j] < times[i] + w) j++;
    if (j - i > best) best = j - i;
  }
  return best;
}

/** First index whose time is >= x. */
function lowerBound(a: number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index whose time is > x. */
function upperBound(a: number[], x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
