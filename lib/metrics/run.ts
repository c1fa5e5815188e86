import { parseJsonObject } from '../input/json-object.js';
import { existsSync, readFileSync } from 'node:fs';
import { writeFileAtomicSync } from '../io/atomic-write.js';
import { describeError } from '../io/io-error.js';
import type { Emit, LineTool } from '../cli/tool.js';
import type { FlatRow } from '../rows/flatten.js';
import { addPlainFields, PLAIN_FIELDS, plainRow } from '../rows/flat-fast.js';
import { wallMicros } from '../time.js';
import { Fold } from './fold.js';
import { StateError, type Metric, type Params } from './metric.js';
import { findMetric, METRICS } from './registry.js';

/** A usage problem: unknown metric name and the like (exit 2). */
export class MetricUsageError extends Error {}

/** The metrics named on the command line, `all` for every one; aliases resolve, repeats count once. */
export function resolveNames(names: string[]): Array<Metric<any>> {
  if (names.length === 0) throw new MetricUsageError(`name at least one metric: ${METRICS.map((m) => m.name).join(', ')} or all`);
  const out: Array<Metric<any>> = [];
  for (const name of names) {
    const found = name === 'all' ? [...METRICS] : [findMetric(name)];
    for (const m of found) {
      if (!m) throw new MetricUsageError(`unknown metric '${name}'; choose from ${METRICS.map((x) => x.name).join(', ')}, all`);
      if (!out.includes(m)) out.push(m);
    }
  }
  return out;
}

const FORMAT = 'bsky-metric-state';
const VERSION = 1;

/**
 * The states of a run. From a state file when it exists: then every metric in
 * it folds the input (so none misses data), and the metrics asked for must be
 * among them. Throws StateError on a bad or mismatched file.
 */
export function openStates(metrics: Array<Metric<any>>, params: Params, path?: string): Map<Metric<any>, unknown> {
  const states = new Map<Metric<any>, unknown>();
  if (!path || !existsSync(path)) {
    for (const m of metrics) states.set(m, m.create(params));
    return states;
  }
  let json: { format?: unknown; version?: unknown; metrics?: Record<string, unknown> };
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new StateError(`${path}: cannot read state: ${describeError(err)}`);
  }
  if (json?.format !== FORMAT || json.version !== VERSION || typeof json.metrics !== 'object' || json.metrics === null) {
    throw new StateError(`${path}: not a ${FORMAT} file of version ${VERSION}`);
  }
  for (const [name, saved] of Object.entries(json.metrics)) {
    const m = findMetric(name);
    if (!m) throw new StateError(`${path}: unknown metric '${name}' in state`);
    try {
      states.set(m, m.load(saved, params));
    } catch (err) {
      throw new StateError(`${path}: ${(err as Error).message}`);
    }
  }
  for (const m of metrics) {
    if (!states.has(m)) {
      throw new StateError(`${path}: state has no ${m.name} (it holds ${[...states.keys()].map((x) => x.name).join(', ') || 'nothing'}); its history would be missing: use a new state file`);
    }
  }
  return states;
}

/** Writes every state to the file atomically: a reader sees the old file or the new one. */
export function saveStates(states: Map<Metric<any>, unknown>, path: string): void {
  const metrics: Record<string, unknown> = {};
  for (const [m, s] of states) metrics[m.name] = m.save(s);
  try {
    writeFileAtomicSync(path, JSON.stringify({ format: FORMAT, version: VERSION, metrics }) + '\n');
  } catch (err) {
    // The IoError names the path and the cause.
    throw new StateError((err as Error).message);
  }
}

/** Checks that a parsed line is a flat row; returns the reason when it is not. */
export function checkRow(v: unknown): string | undefined {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return 'not a JSON object';
  const r = v as Record<string, unknown>;
  if (typeof r.time !== 'string') return 'missing time: not a flat row (pipe events through bsky-flatten)';
  if (Number.isNaN(wallMicros(r.time))) return `invalid time: ${JSON.stringify(r.time).slice(0, 60)}`;
  if (typeof r.kind !== 'string') return 'missing kind: not a flat row (pipe events through bsky-flatten)';
  if (typeof r.op !== 'string') return 'missing op';
  if (typeof r.did !== 'string') return 'missing did';
  if (r.text !== undefined && typeof r.text !== 'string') return 'text is not a string';
  if (r.langs !== undefined && !Array.isArray(r.langs)) return 'langs is not an array';
  return undefined;
}

/**
 * The bsky-metric line tool: folds flat rows into every state, then (with a
 * state file: saves it first) writes the named metrics' rows. With several
 * metrics each row starts with a `metric` field.
 */
export function metricLines(
  metrics: Array<Metric<any>>, states: Map<Metric<any>, unknown>, statePath?: string, opts: { strict?: boolean } = {},
): LineTool & { rows: number; fast: number } {
  const fold = new Fold(states, opts);
  // Plain rows (only string fields, no text or langs) are read with one match, which picks the fields the metrics declare.
  const extra = fold.allFields().filter((f) => !PLAIN_FIELDS.includes(f));
  const tool = {
    rows: 0,
    /** Rows read by the fast path. */
    fast: 0,
    line(text: string): string | undefined {
      const plain = plainRow(text);
      if (plain !== undefined) {
        if (extra.length !== 0) addPlainFields(plain, text, extra);
        const reason = checkRow(plain);
        if (reason !== undefined) return reason;
        tool.rows++;
        tool.fast++;
        fold.add(plain);
        return undefined;
      }
      const parsed = parseJsonObject(text);
      if (parsed.reason !== undefined) return parsed.reason;
      const reason = checkRow(parsed.object);
      if (reason !== undefined) return reason;
      tool.rows++;
      fold.add(parsed.object as unknown as FlatRow);
      return undefined;
    },
    end(emit: Emit): void {
      if (statePath) saveStates(states, statePath);
      const tagged = metrics.length > 1;
      for (const m of metrics) {
        const out: string[] = [];
        for (const row of m.result(states.get(m))) out.push(JSON.stringify(tagged ? { metric: m.name, ...row } : row));
        if (out.length) emit(out.join('\n') + '\n');
      }
    },
    summary(): string[] {
      const notes = [`${tool.rows} rows`];
      for (const m of metrics) for (const n of [...(m.notes?.(states.get(m)) ?? []), ...(m.warnings?.(states.get(m)) ?? [])]) notes.push(`${m.name}: ${n}`);
      return notes;
    },
  };
  return tool;
}
