import { canonicalTime, wallMicros } from '../time.js';

/** Options of the generator; every field has a default, and the same options give the same bytes. */
export interface GenOptions {
  /** Distinct events to write (malformed lines and duplicates come on top); Infinity for no end. Default 10000. */
  events?: number;
  /** Any text or number. Default 1. */
  seed?: string | number;
  /** `takehome` (the take-home script's lines, default) or `jetstream`. */
  format?: 'takehome' | 'jetstream';
  /** Time of the first event: ISO text (no zone: wall clock; with a zone: shown in UTC) or wall microseconds. Default 2025-03-16T12:00:00. */
  start?: string | number;
  /** Mean events per second of event time. Default 1000. */
  rate?: number;
  /** Fraction of output lines that are malformed or blank. Default 0. */
  badRate?: number;
  /** Fraction of events written again verbatim 2 s to 5 min later. Default 0. */
  dupRate?: number;
  /** Bot accounts that like in bursts of more than 50 a minute (as many near-miss accounts come with them). Default 3. */
  fastLikers?: number;
  /** Fraction of posts about engineering. Default 0.03. */
  engineering?: number;
  /** Size of the account pool. Default: a tenth of the events, between 1,000 and 1,000,000. */
  users?: number;
}

/** The options with defaults applied. */
export type ResolvedOptions = Required<Omit<GenOptions, 'start' | 'seed'>> & { seed: string; start: number };

/** What was written so far, for the closing summary and for tests. */
export interface GenStats {
  events: number;
  malformed: number;
  blank: number;
  duplicates: number;
}

export const DEFAULT_START = '2025-03-16T12:00:00.000000';

/** Applies defaults and checks ranges; throws an Error naming the option when one is out of range. */
export function resolveOptions(o: GenOptions = {}): ResolvedOptions {
  const events = o.events ?? 10_000;
  const start = typeof o.start === 'number' ? o.start : wallMicros(canonicalTime(o.start ?? DEFAULT_START) ?? '');
  const r: ResolvedOptions = {
    events, seed: String(o.seed ?? 1), format: o.format ?? 'takehome', start, rate: o.rate ?? 1000,
    badRate: o.badRate ?? 0, dupRate: o.dupRate ?? 0, fastLikers: o.fastLikers ?? 3, engineering: o.engineering ?? 0.03,
    users: o.users ?? (Number.isFinite(events) ? Math.min(1_000_000, Math.max(1000, Math.ceil(events / 10))) : 200_000),
  };
  if (!(events >= 0) || (Number.isFinite(events) && !Number.isInteger(events))) throw new Error(`--events must be a whole number, not ${o.events}`);
  if (!Number.isFinite(start)) throw new Error(`--start: invalid time '${o.start}'`);
  if (r.format !== 'takehome' && r.format !== 'jetstream') throw new Error(`--format must be takehome or jetstream`);
  if (!(r.rate > 0 && Number.isFinite(r.rate))) throw new Error(`--rate must be above 0`);
  for (const [name, v] of [['bad-rate', r.badRate], ['dup-rate', r.dupRate]] as const) {
    if (!(v >= 0 && v < 1)) throw new Error(`--${name} must be at least 0 and below 1`);
  }
  if (!(r.engineering >= 0 && r.engineering <= 1)) throw new Error('--engineering must be between 0 and 1');
  if (!(Number.isInteger(r.fastLikers) && r.fastLikers >= 0 && r.fastLikers <= 10_000)) throw new Error('--fast-likers must be a whole number from 0 to 10000');
  if (!(Number.isInteger(r.users) && r.users >= 2 && r.users <= 50_000_000)) throw new Error('--users must be a whole number from 2 to 50000000');
  return r;
}
