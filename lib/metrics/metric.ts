import type { FlatRow } from '../rows/flatten.js';

/** One output row of a metric: column name to value, in column order. */
export type MetricRow = Record<string, string | number>;

/** Parameter values by key: counts and durations (microseconds) are numbers, words are strings. */
export type Params = Record<string, string | number>;

/** One parameter of a metric, declared once: bsky-metric makes an option of it, periodic can too. */
export interface ParamSpec {
  /** Command-line flag without dashes, e.g. `min-likes`. */
  flag: string;
  /** Key in Params: the flag in camelCase, as yargs gives it. */
  key: string;
  /** count: a positive integer; duration: `60s`, `5m` (held in microseconds); word: one word. */
  type: 'count' | 'duration' | 'word';
  /** Default as a user would type it. */
  default: string | number;
  describe: string;
  /** Whether the saved state depends on it; only these are checked when a state is loaded. */
  state: boolean;
  /** Whether 0 is allowed (a count or duration is positive otherwise). */
  zero?: boolean;
}

/**
 * A metric: a pure definition over flat rows with mergeable state. Folding rows
 * in consecutive parts, with save and load between them, gives the same result
 * as one pass over the whole.
 */
export interface Metric<S = unknown> {
  name: string;
  aliases: string[];
  description: string;
  /** Output columns in order: label first, number second, so that `uplot bar -d, -H` renders the CSV. */
  columns: string[];
  params: ParamSpec[];
  /**
   * The row fields add() reads. The fast paths serve these (or step aside to
   * a full parse), and in strict mode (tests) reading any other field throws:
   * see lib/metrics/fold.ts.
   */
  fields: ReadonlyArray<keyof FlatRow>;
  /**
   * The kinds whose rows add() reads beyond kind and op; rows of other kinds
   * it only checks and leaves (e.g. top-words: post). Every kind when absent.
   */
  kinds?: ReadonlyArray<string>;
  /** CSV file name for these parameters, e.g. `top-10-word.csv`. */
  file(params: Params): string;
  create(params: Params): S;
  /** Folds one row into the state (mutates it, for speed); `us` is the wall microseconds of row.time, computed once for every metric. */
  add(state: S, row: FlatRow, us: number): void;
  /** The output rows over everything folded in so far. */
  result(state: S): MetricRow[];
  /** A JSON-serialisable copy of the state, with the metric name, format version and parameters. */
  save(state: S): SavedState;
  /** Rebuilds a state from save(); throws StateError when it is not this metric's or has other parameters. */
  load(json: unknown, params: Params): S;
  /** Counts worth a line on stderr, e.g. late rows. */
  notes?(state: S): string[];
  /** Something wrong in the data the output cannot show, e.g. a gap too long to fill: bsky-metric and periodic print it. */
  warnings?(state: S): string[];
}

/** What save() returns. */
export interface SavedState {
  metric: string;
  version: number;
  params: Params;
  data: unknown;
}

/** A saved state that cannot be used: wrong metric, version or parameters, or malformed. */
export class StateError extends Error {}

/** The body of a metric without the save/load envelope. */
export interface MetricBody<S, D> extends Omit<Metric<S>, 'save' | 'load'> {
  version: number;
  saveData(state: S): D;
  /** Rebuilds the state from saveData()'s output; throws StateError (or any error) when malformed. */
  loadData(data: D, params: Params): S;
}

/** Builds a metric from its body, adding the versioned envelope that carries its parameters. */
export function defineMetric<S, D>(body: MetricBody<S, D>): Metric<S> {
  const { version, saveData, loadData, ...rest } = body;
  return {
    ...rest,
    save(state) {
      return { metric: body.name, version, params: stateParams(body.params, paramsOf(state)), data: saveData(state) };
    },
    load(json, params) {
      if (json === null || typeof json !== 'object') throw new StateError(`${body.name}: state is not a JSON object`);
      const saved = json as Partial<SavedState>;
      if (saved.metric !== body.name) throw new StateError(`${body.name}: state is for metric '${String(saved.metric)}'`);
      if (saved.version !== version) throw new StateError(`${body.name}: state format version ${String(saved.version)}, expected ${version}`);
      const want = stateParams(body.params, params);
      for (const p of body.params) {
        if (!p.state) continue;
        const had = (saved.params ?? {})[p.key];
        if (had !== want[p.key]) {
          throw new StateError(`${body.name}: state was made with --${p.flag} ${showParam(p, had)}, this run has --${p.flag} ${showParam(p, want[p.key])}`);
        }
      }
      try {
        return loadData(saved.data as D, params);
      } catch (err) {
        if (err instanceof StateError) throw err;
        throw new StateError(`${body.name}: malformed state: ${(err as Error).message}`);
      }
    },
  };
}

/** Every state keeps its parameters in a `params` field, so that save() can write them. */
function paramsOf(state: unknown): Params {
  return (state as { params: Params }).params;
}

function stateParams(specs: ParamSpec[], params: Params): Params {
  const out: Params = {};
  for (const p of specs) if (p.state) out[p.key] = params[p.key];
  return out;
}

/** A parameter value as a user would type it: durations back in s, ms or us. */
export function showParam(p: ParamSpec, value: unknown): string {
  if (value === undefined) return 'unset';
  if (p.type !== 'duration' || typeof value !== 'number') return String(value);
  if (value % 60_000_000 === 0) return `${value / 60_000_000}m`;
  if (value % 1_000_000 === 0) return `${value / 1_000_000}s`;
  if (value % 1000 === 0) return `${value / 1000}ms`;
  return `${value}us`;
}

/** True for a created like. */
export function isLike(row: FlatRow): boolean {
  return row.kind === 'like' && row.op === 'create';
}

/** True for a created post. */
export function isPost(row: FlatRow): boolean {
  return row.kind === 'post' && row.op === 'create';
}

/** Sorts rows by a numeric column descending, then a label column ascending (code-point order). */
export function byCountThenLabel(count: string, label: string): (a: MetricRow, b: MetricRow) => number {
  return (a, b) => (b[count] as number) - (a[count] as number) || (a[label] < b[label] ? -1 : a[label] > b[label] ? 1 : 0);
}

/** Checks that a loaded value is an array of [string|number, number] pairs. */
export function pairs<K extends string | number>(v: unknown, what: string): Array<[K, number]> {
  if (!Array.isArray(v)) throw new StateError(`${what} is not an array`);
  for (const p of v) {
    if (!Array.isArray(p) || p.length !== 2 || typeof p[1] !== 'number') throw new StateError(`${what} holds a bad entry`);
  }
  return v as Array<[K, number]>;
}
