import { REJECTS_CAP } from './rejects.js';

/** One command-line option, declared once: yargs parses it, --help prints it, the man page lists it. */
export interface OptionSpec {
  type: 'string' | 'number' | 'boolean';
  /** Lower-case, no trailing full stop, no default in it: the default is `default` or `defaultText`. */
  describe: string;
  default?: string | number | boolean;
  /** The default when it is not a value (`the system clock`): shown as `[default: TEXT]`. */
  defaultText?: string;
  /** Other spellings: a one-letter alias is `-k`, a longer one `--kind`. */
  alias?: string | string[];
  choices?: string[];
  /** May be given several times; the value is then a list. */
  array?: boolean;
  /** A string option holding a comma-separated list: an empty list is refused. */
  list?: boolean;
  /** A number option: a whole number. */
  integer?: boolean;
  /** Inclusive bounds: of a number, or of a duration in microseconds. */
  min?: number;
  max?: number;
  /** Exclusive bounds of a number (a rate above 0, a fraction below 1). */
  above?: number;
  below?: number;
  /** A string option holding a duration (`10s`, `5m`, `1.5h`), checked by parseDuration; min/max apply to it. */
  duration?: boolean;
  /** A duration option that also takes 0 (`0`, `0s`): none. */
  zero?: boolean;
  /** Words a duration option also takes as they are (`off`). */
  words?: string[];
}

/**
 * The longest delay a Node timer takes: beyond 2^31-1 ms, setTimeout and
 * setInterval fire after 1 ms instead. Options that end up in a timer are
 * bounded by it.
 */
export const TIMER_MAX_US = 24 * 86_400_000_000;

/** What a binary is: its name, one-line summary, options and examples. */
export interface ToolSpec {
  name: string;
  summary: string;
  usage?: string;
  options: Record<string, OptionSpec>;
  examples: Array<[command: string, meaning: string]>;
  /** Whether the tool reads NDJSON lines (adds --quiet, --strict, --rejects, --max-line). */
  lines?: boolean;
}

export interface CommonOptions {
  quiet: boolean;
  strict: boolean;
  rejects?: string;
  rejectsCap: number;
  maxLine: number;
  files: string[];
}

export type Parsed<T> = T & CommonOptions;

/** The options every line tool adds to its own. */
export const LINE_OPTIONS: Record<string, OptionSpec> = {
  quiet: { type: 'boolean', describe: 'no per-line errors, progress line or summary on stderr', default: false, alias: 'q' },
  strict: { type: 'boolean', describe: 'stop with status 1 at the first bad line', default: false },
  rejects: { type: 'string', describe: 'keep every rejected line verbatim in FILE, up to --rejects-cap' },
  'rejects-cap': { type: 'number', describe: 'the rejects file never grows past this many bytes: whole lines only, later rejects are counted, not kept', default: REJECTS_CAP, integer: true, min: 0 },
  // A line is held and decoded whole: V8 strings stop short of 2^29 characters.
  'max-line': { type: 'number', describe: 'reject lines longer than this many bytes, without holding them', default: 1 << 20, integer: true, min: 1, max: 1 << 28 },
};

/** A spec's options as parsed and shown: its own, then the line options when it reads lines. */
export function allOptions(spec: ToolSpec): Record<string, OptionSpec> {
  return spec.lines ? { ...spec.options, ...LINE_OPTIONS } : spec.options;
}
