import type { FlatRow } from '../rows/flatten.js';
import { wallMicros } from '../time.js';
import type { Metric } from './metric.js';

/** A field of a flat row. */
export type Field = keyof FlatRow;

/** What a row holds when a metric sees it from a kind it does not list: it may only check kind and op. */
const CHECK_ONLY: ReadonlySet<Field> = new Set(['kind', 'op']);

/**
 * Folds rows into metric states, and knows which fields those metrics read
 * (each declares `fields` and, optionally, `kinds`), so that a fast path that
 * reads only part of a line can tell whether it serves a row of some kind or
 * must step aside to a full parse.
 *
 * In strict mode (`BSKY_STRICT_FIELDS=1`, set by the tests) each metric gets
 * the row behind a proxy that throws on any field it did not declare: a new
 * metric reading an undeclared field fails its tests instead of being
 * silently wrong on a fast path.
 */
export class Fold {
  private readonly entries: Array<[Metric<any>, unknown]>;
  /** The metrics and their states as two arrays: the loop in add() is the hot one. */
  private readonly metrics: Array<Metric<any>>;
  private readonly values: unknown[];
  private readonly strict: boolean;
  private readonly needs = new Map<string, ReadonlySet<Field>>();

  constructor(readonly states: Map<Metric<any>, unknown>, opts: { strict?: boolean } = {}) {
    this.entries = [...states];
    this.metrics = this.entries.map(([m]) => m);
    this.values = this.entries.map(([, s]) => s);
    this.strict = opts.strict ?? process.env.BSKY_STRICT_FIELDS === '1';
  }

  /** Folds one row into every state; `us` is wallMicros(row.time) when the caller has it already. */
  add(row: FlatRow, us: number = wallMicros(row.time)): void {
    const metrics = this.metrics;
    const values = this.values;
    if (this.strict) {
      for (let i = 0; i < metrics.length; i++) metrics[i].add(values[i], guard(metrics[i], row), us);
      return;
    }
    for (let i = 0; i < metrics.length; i++) metrics[i].add(values[i], row, us);
  }

  /** Every field some metric reads from rows of this kind. */
  fieldsOf(kind: string): ReadonlySet<Field> {
    let set = this.needs.get(kind);
    if (set === undefined) {
      const fields = new Set<Field>();
      for (const [m] of this.entries) for (const f of readsFrom(m, kind)) fields.add(f);
      set = fields;
      this.needs.set(kind, set);
    }
    return set;
  }

  /** Every field some metric reads from rows of any kind. */
  allFields(): Field[] {
    const out = new Set<Field>();
    for (const [m] of this.entries) for (const f of m.fields) out.add(f);
    return [...out];
  }

  /** A test of whether a path that provides only `have` serves rows of a kind (answers cached per kind). */
  servedBy(have: ReadonlySet<Field>): (kind: string) => boolean {
    const cache = new Map<string, boolean>();
    return (kind) => {
      let ok = cache.get(kind);
      if (ok === undefined) {
        ok = [...this.fieldsOf(kind)].every((f) => have.has(f));
        cache.set(kind, ok);
      }
      return ok;
    };
  }
}

/** The fields a metric reads from a row of this kind. */
function readsFrom(m: Metric<any>, kind: string): ReadonlyArray<Field> {
  if (m.kinds === undefined || m.kinds.includes(kind)) return m.fields;
  return m.fields.filter((f) => CHECK_ONLY.has(f));
}

/** The row behind a proxy that lets the metric read only what it declared for the row's kind. */
function guard(m: Metric<any>, row: FlatRow): FlatRow {
  const allowed = new Set(readsFrom(m, row.kind));
  return new Proxy(row, {
    get(target, key, receiver) {
      if (typeof key === 'string' && !allowed.has(key as Field)) {
        throw new Error(`metric ${m.name} read the field '${key}' of a ${row.kind} row, which it does not declare (fields, kinds)`);
      }
      return Reflect.get(target, key, receiver);
    },
    has(target, key) {
      if (typeof key === 'string' && !allowed.has(key as Field)) {
        throw new Error(`metric ${m.name} tested the field '${key}' of a ${row.kind} row, which it does not declare (fields, kinds)`);
      }
      return Reflect.has(target, key);
    },
  });
}
