import { checkValue, durationValue } from '../cli/options-check.js';
import type { OptionSpec } from '../cli/spec.js';
import { DAY_US } from '../time.js';
import { fastLikers } from './fast-likers.js';
import type { Metric, ParamSpec, Params } from './metric.js';
import { eventsPerMinute, likesPerMinute } from './per-minute.js';
import { postsByHour, postsByWeekday } from './posts-by-time.js';
import { topLangs, topWords } from './top-words.js';
import { WordCounter } from './words.js';

/** Every metric, in output order: the spec's five first. bsky-metric, bsky-csv and periodic read this. */
export const METRICS: ReadonlyArray<Metric<any>> = [
  likesPerMinute, fastLikers, topWords, postsByHour, postsByWeekday, eventsPerMinute, topLangs,
];

/** The metric with this name or alias, or undefined. */
export function findMetric(name: string): Metric<any> | undefined {
  return METRICS.find((m) => m.name === name || m.aliases.includes(name));
}

/** Every parameter of every metric, once each (metrics may share one, e.g. --top). */
export function allParams(metrics: ReadonlyArray<Metric<any>> = METRICS): ParamSpec[] {
  const out: ParamSpec[] = [];
  for (const m of metrics) for (const p of m.params) if (!out.some((q) => q.key === p.key)) out.push(p);
  return out;
}

/**
 * A parameter as a command-line option, its constraints declared for
 * parseArgs to check (a count is a whole number from 1; a duration at most a
 * day: fast-likers holds every like of that span). bsky-metric and periodic
 * both declare their parameters with it: the same names, types, defaults.
 */
export function paramOption(p: ParamSpec): OptionSpec {
  const o: OptionSpec = { type: p.type === 'count' ? 'number' : 'string', describe: p.describe, default: p.default };
  if (p.type === 'count') Object.assign(o, { integer: true, min: p.zero ? 0 : 1 });
  if (p.type === 'duration') Object.assign(o, { duration: true, zero: p.zero === true, max: DAY_US });
  return o;
}

/**
 * Checks parameter values given as a user types them (`60s`, `50`, `engineering`),
 * missing ones taking their defaults; returns Params or throws an Error naming the flag.
 */
export function parseParams(raw: Record<string, unknown>, specs: ParamSpec[] = allParams()): Params {
  const out: Params = {};
  for (const p of specs) {
    const v = raw[p.key] ?? p.default;
    // The same check and wording as on the command line (parseArgs), for callers that skip it.
    const value = p.type === 'count' ? Number(v) : typeof v === 'number' ? `${v}s` : String(v);
    const bad = checkValue(paramOption(p), value, String(v));
    if (bad !== undefined) throw new Error(`--${p.flag}: ${bad}`);
    if (p.type === 'count') out[p.key] = value as number;
    else if (p.type === 'duration') out[p.key] = durationValue(value as string)!;
    else {
      try {
        out[p.key] = new WordCounter(String(v)).keyword;
      } catch (err) {
        throw new Error(`--${p.flag}: ${(err as Error).message}`);
      }
    }
  }
  return out;
}
