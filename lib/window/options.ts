import { durationValue } from '../cli/options-check.js';
import { parseDuration } from '../time.js';
import type { WindowLinesOptions } from './window-lines.js';

/** The options of bsky-window as parsed from the command line. */
export interface WindowArgs {
  size: string;
  hop?: string;
  lateness: string;
  by?: string;
  count: boolean;
  distinct?: string;
  fill: boolean;
  kinds?: string;
  ops?: string;
}

const SECOND_US = 1_000_000;

/**
 * Each row counts in --size / --hop windows, each open and held until it
 * closes: beyond this many, memory and time per row are unbounded in
 * practice (1000000d by 1s is 86 billion windows). 1d by 10s is 8,640.
 */
export const MAX_WINDOWS_PER_ROW = 10_000;

/** Checks and converts the command-line options; returns a usage error message or the options. */
export function windowOptions(a: WindowArgs): WindowLinesOptions | string {
  const sizeUs = parseDuration(a.size);
  if (sizeUs === undefined) return `--size: invalid duration '${a.size}' (e.g. 1m, 30s, 1h)`;
  if (sizeUs % SECOND_US) return `--size: '${a.size}' is not a whole number of seconds`;
  const hopUs = a.hop === undefined ? sizeUs : parseDuration(a.hop);
  if (hopUs === undefined) return `--hop: invalid duration '${a.hop}' (e.g. 1m, 30s)`;
  if (hopUs % SECOND_US) return `--hop: '${a.hop}' is not a whole number of seconds`;
  if (hopUs > sizeUs) return `--hop ${a.hop} is longer than --size ${a.size}: rows between windows would count nowhere`;
  const perRow = Math.ceil(sizeUs / hopUs);
  if (perRow > MAX_WINDOWS_PER_ROW) return `--size ${a.size} with --hop ${a.hop} puts every row in ${perRow} windows (at most ${MAX_WINDOWS_PER_ROW}): use a longer --hop or a shorter --size`;
  const latenessUs = durationValue(a.lateness);
  if (latenessUs === undefined) return `--lateness: invalid duration '${a.lateness}' (e.g. 10s, 0)`;
  if (a.distinct !== undefined && a.count) return '--count and --distinct exclude each other';
  for (const [flag, field] of [['--by', a.by], ['--distinct', a.distinct]] as const) {
    if (field !== undefined && field.trim() === '') return `${flag} needs a field name`;
  }
  return {
    sizeUs, hopUs, latenessUs, lateness: a.lateness.trim(), fill: a.fill, by: a.by, distinct: a.distinct,
    kinds: list(a.kinds), ops: list(a.ops),
  };
}

function list(text: string | undefined): Set<string> | undefined {
  if (text === undefined) return undefined;
  return new Set(text.split(',').map((s) => s.trim()).filter((s) => s.length > 0));
}
