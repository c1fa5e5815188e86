import { parseDuration } from '../time.js';
import { oneLine } from './rejects.js';
import type { OptionSpec } from './spec.js';

/**
 * Checks one option value against its spec's constraints (the one place
 * where every tool's numbers, durations and lists are checked, so that the
 * same rule reads the same in every tool); returns what is wrong, or
 * undefined.
 */
export function checkValue(o: OptionSpec, value: unknown, raw?: string): string | undefined {
  if (o.type === 'number') {
    const n = value as number;
    if (typeof n !== 'number' || Number.isNaN(n)) return `expected a number${raw === undefined ? '' : `, got '${oneLine(raw, 40)}'`}`;
    if (!Number.isFinite(n)) return `expected a finite number, got ${n}`;
    const wanted = rangeText(o, o.integer ? 'a whole number' : 'a number', String);
    if (o.integer && !Number.isSafeInteger(n)) return `expected ${wanted}, got ${n}`;
    if ((o.min !== undefined && n < o.min) || (o.max !== undefined && n > o.max) || (o.above !== undefined && n <= o.above) || (o.below !== undefined && n >= o.below)) {
      return `expected ${wanted}, got ${n}`;
    }
    return undefined;
  }
  if (o.duration && o.type === 'string') {
    const text = String(value).trim();
    if (o.words?.includes(text) || (o.zero && ZERO.test(text))) return undefined;
    const examples = ['10s', '5m', ...(o.zero ? ['0'] : []), ...(o.words ?? [])];
    // A duration that may not be 0 says so, however 0 is written (`0`, `0s`, `0.0m`).
    const bounds = o.zero || o.min !== undefined ? o : { ...o, above: 0 };
    const wanted = `${rangeText(bounds, 'a duration', showDuration)} (e.g. ${examples.join(', ')})`;
    const us = ZERO.test(text) ? 0 : parseDuration(text);
    if (us === undefined || us < (o.min ?? 1) || (o.max !== undefined && us > o.max)) return `expected ${wanted}, got '${oneLine(String(value), 40)}'`;
  }
  if (o.list && o.type === 'string' && listOption(String(value)).length === 0) {
    return `expected a comma-separated list, got '${oneLine(String(value), 40)}'`;
  }
  return undefined;
}

/** The text given for --name on the command line (yargs turns 'abc' into NaN for a number). */
export function rawValue(argv: string[], name: string): string | undefined {
  for (let i = argv.length - 1; i >= 0; i--) {
    if (argv[i] === `--${name}`) return argv[i + 1];
    if (argv[i].startsWith(`--${name}=`)) return argv[i].slice(name.length + 3);
  }
  return undefined;
}

const ZERO = /^0+(\.0*)?(us|ms|s|m|h|d)?$/;

/** A duration option's value in microseconds: 0 for a zero, undefined for one of its words. */
export function durationValue(text: string): number | undefined {
  return ZERO.test(text.trim()) ? 0 : parseDuration(text);
}

/** Splits a comma-separated option value (`like,post`) into trimmed, non-empty items. */
export function listOption(value: string | undefined): string[] {
  return (value ?? '').split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}

function rangeText(o: OptionSpec, what: string, show: (n: number) => string): string {
  if (o.min !== undefined && o.max !== undefined) return `${what} from ${show(o.min)} to ${show(o.max)}`;
  const parts: string[] = [];
  if (o.min !== undefined) parts.push(`at least ${show(o.min)}`);
  if (o.above !== undefined) parts.push(`above ${o.above === 0 ? '0' : show(o.above)}`);
  if (o.max !== undefined) parts.push(`at most ${show(o.max)}`);
  if (o.below !== undefined) parts.push(`below ${show(o.below)}`);
  return parts.length ? `${what} ${parts.join(' and ')}` : what;
}

/** A duration in microseconds as a user would type it: `24d`, `90s`, `500ms`. */
export function showDuration(us: number): string {
  for (const [unit, size] of [['d', 86_400_000_000], ['h', 3_600_000_000], ['m', 60_000_000], ['s', 1_000_000], ['ms', 1000]] as const) {
    if (us >= size && us % size === 0) return `${us / size}${unit}`;
  }
  return `${us}us`;
}
