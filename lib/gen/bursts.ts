import { Rng } from './rng.js';

/** How a burst account likes: a fast liker, or one of the two near misses the metric must not report. */
export type BurstKind = 'fast' | 'near49' | 'near50slow';

/** A planned run of likes by one account, from `start` for `duration` microseconds. */
export interface Burst {
  account: number;
  kind: BurstKind;
  start: number;
  duration: number;
  count: number;
  seed: number;
}

/** Bursts repeat once per period of event time; a gap of more than 60 s separates an account's bursts. */
export const PERIOD_US = 600_000_000;
const SECOND = 1_000_000;
const GAP = 70 * SECOND;

/**
 * Plans the bursts of period `k` for `fast` fast likers and as many
 * near-miss accounts, within the first `horizon` microseconds after `origin`.
 * A fast burst has more than 50 likes (some far more) in under 60 s; a
 * near miss has 49 likes within a minute, or 50 spread over a bit more than
 * 60 s. In a short capture (the first period cut by the horizon) fast bursts
 * shrink to fit and slow near misses are left out.
 */
export function planPeriod(seed: string, k: number, fast: number, origin: number, horizon: number): Burst[] {
  const rng = new Rng(seed, 1000 + k);
  const from = k * PERIOD_US;
  const room = Math.min(PERIOD_US, horizon - from);
  // Only the period that reaches the horizon has no next period to keep a gap before.
  const last = horizon - from <= PERIOD_US;
  const bursts: Burst[] = [];
  if (room <= 0) return bursts;
  for (let a = 0; a < 2 * fast; a++) {
    const isFast = a < fast;
    let kind: BurstKind = isFast ? 'fast' : a % 2 === 0 ? 'near49' : 'near50slow';
    let count: number;
    let duration: number;
    if (kind === 'fast') {
      const r = rng.float();
      count = r < 0.7 ? rng.int(52, 120) : r < 0.95 ? rng.int(121, 400) : rng.int(401, 1500);
      duration = rng.int(10, 55) * SECOND;
    } else {
      if (kind === 'near50slow' && room < 2 * GAP) kind = 'near49';
      count = kind === 'near49' ? 49 : 50;
      duration = kind === 'near49' ? rng.int(20, 58) * SECOND : 60 * SECOND + rng.int(300_000, 3_000_000);
    }
    // Keep a gap before the next period's burst, except in the last period.
    const span = room - duration - (last ? 0 : GAP);
    if (span <= 0 && k > 0) continue;
    if (span <= 0) duration = Math.max(1000, Math.floor(room * 0.8));
    const start = origin + from + Math.floor(rng.float() * Math.max(0, room - duration - (last ? 0 : GAP)));
    bursts.push({ account: a, kind, start, duration, count, seed: rng.u32() });
  }
  return bursts;
}

/** The times of a burst's likes, ascending; a slow near miss spans its whole duration exactly. */
export function burstTimes(b: Burst): Float64Array {
  const rng = new Rng(b.seed, 7);
  const t = new Float64Array(b.count);
  for (let i = 0; i < b.count; i++) t[i] = b.start + Math.floor(rng.float() * b.duration);
  t.sort();
  if (b.kind === 'near50slow') {
    t[0] = b.start;
    t[b.count - 1] = b.start + b.duration;
  }
  return t;
}
