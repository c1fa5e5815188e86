import { localWallMicros } from '../time.js';
import { Capture, resolveOptions, type GenOptions } from './generate.js';

export { Capture, chunks, paced, nowMicros } from './generate.js';

/** bsky-gen's parsed options (yargs camel-cases the flags). */
export interface CliOptions {
  events?: number;
  seed: string;
  format: 'takehome' | 'jetstream';
  start: string;
  rate: number;
  badRate: number;
  dupRate: number;
  fastLikers: number;
  engineering: number;
  users?: number;
  pace: boolean;
  quiet: boolean;
}

/** Turns command-line options into generator options; returns a usage error message when one is out of range. */
export function toGenOptions(o: CliOptions, now: number): GenOptions | string {
  // --pace stamps lines with the clock; otherwise the fixed default keeps outputs reproducible.
  const start = o.pace || o.start === 'now' ? clockFor(o.format)(now) : o.start;
  const events = o.events ?? (o.pace ? Infinity : 10_000);
  const options: GenOptions = {
    events, seed: o.seed, format: o.format, start, rate: o.rate, badRate: o.badRate, dupRate: o.dupRate,
    fastLikers: o.fastLikers, engineering: o.engineering, users: o.users,
  };
  try {
    resolveOptions(options);
  } catch (err) {
    return (err as Error).message;
  }
  return options;
}

/**
 * How the clock reads in a format's timestamps: Jetstream's time_us is the
 * instant; a take-home timestamp is local wall time without a zone, as the
 * script's `datetime.now()` writes it (so TZ applies, and bsky-parse's time
 * policy reads it back as local time).
 */
export function clockFor(format: 'takehome' | 'jetstream'): (epochUs: number) => number {
  return format === 'jetstream' ? (us) => us : localWallMicros;
}

/** The closing line on stderr, e.g. `bsky-gen: 100000 events, 95 malformed, 12 blank, 101 duplicates, 3 fast likers`. */
export function summary(tool: string, c: Capture): string {
  const s = c.stats;
  return `${tool}: ${s.events} events, ${s.malformed} malformed, ${s.blank} blank, ${s.duplicates} duplicates, ${c.fastLikers.length} fast likers\n`;
}
