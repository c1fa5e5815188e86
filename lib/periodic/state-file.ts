import { isAscii } from 'node:buffer';
import { existsSync, readFileSync } from 'node:fs';
import { writeFileAtomicSync } from '../io/atomic-write.js';
import { IoError } from '../io/io-error.js';
import { StateError, type Metric, type Params, type SavedState } from '../metrics/metric.js';
import type { LakeJournal } from '../lake/lake.js';

/** What periodic keeps between runs, in one file replaced atomically: metrics and bookkeeping change together. */
export interface PeriodicState {
  version: 1;
  /** Segments folded in whose files may still be in the spool (moved out after the state is saved). */
  folded: string[];
  segments: number;
  events: number;
  rejected: number;
  /** Rejected lines by kind of reason, over the life of the state (absent in states of older versions). */
  rejectedBy?: Record<string, number>;
  newest: string | null;
  metrics: Record<string, SavedState>;
  /** The lake's commit journal (lib/lake/lake.ts), when periodic writes a lake. */
  lake?: LakeJournal;
}

export const EMPTY: PeriodicState = { version: 1, folded: [], segments: 0, events: 0, rejected: 0, newest: null, metrics: {} };

/** The state file's bookkeeping (everything but the metrics' states), and the metrics' states when asked for. */
export interface StateFile {
  head: Omit<PeriodicState, 'metrics'>;
  metrics(): PeriodicState['metrics'];
}

/** What separates the bookkeeping from the metrics' states, which writeState puts last (and says so with LAST: true). */
const METRICS_KEY = ',"metrics":';
const LAST = 'metricsLast' as const;

/**
 * Reads the state file (the empty state when there is none yet) in two
 * steps: the bookkeeping now, the metrics' states (nearly all of the file:
 * 1.8 MB after 10M events, mostly fast-likers' active users) on the first call of
 * metrics(). periodic starts the lake's writer thread in between, so the
 * parse runs beside it. writeState puts `metrics` last and says so in the
 * bookkeeping (`"metricsLast":true`); a file without that (written by an
 * older version, or by hand) is parsed whole.
 */
export function openState(path: string): StateFile {
  if (!existsSync(path)) {
    const { metrics, ...head } = structuredClone(EMPTY);
    return { head, metrics: () => metrics };
  }
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new IoError(path, err);
  }
  const parse = (json: string): unknown => {
    try {
      return JSON.parse(json);
    } catch (err) {
      throw new StateError(`${path}: not valid JSON (${(err as Error).message})`);
    }
  };
  // writeState writes ASCII (asciiLine): decoded as latin1, a copy, where UTF-8 took 9 ms for the 1.75 MB after 10M events.
  // A file from an older version or an editor may hold UTF-8.
  const text = (from: number, to: number): string => bytes.toString(isAscii(bytes.subarray(from, to)) ? 'latin1' : 'utf8', from, to);
  const check = (state: Partial<PeriodicState> | null): void => {
    if (state?.version !== 1 || !Array.isArray(state.folded)) throw new StateError(`${path}: not a periodic state file (version ${String(state?.version)})`);
  };
  // A `,"metrics":` outside a string is a key (a quote in a string is escaped): the first one is the top level's.
  // Found in the bytes: decoding the whole file as text is most of the time of reading it.
  const at = bytes.indexOf(METRICS_KEY);
  let end = bytes.length - 1;
  while (end > 0 && (bytes[end] === 10 || bytes[end] === 13 || bytes[end] === 32 || bytes[end] === 9)) end--;
  let head: (Partial<PeriodicState> & { [LAST]?: unknown }) | undefined;
  if (at > 0 && bytes[end] === 125) {
    try {
      head = JSON.parse(text(0, at) + '}') as typeof head;
    } catch {
      head = undefined;
    }
  }
  if (head === undefined || head === null || typeof head !== 'object' || head[LAST] !== true) {
    const state = parse(text(0, bytes.length)) as PeriodicState;
    check(state);
    const { metrics, ...rest } = state;
    return { head: rest, metrics: () => metrics };
  }
  check(head);
  delete head[LAST];
  let metrics: PeriodicState['metrics'] | undefined;
  return {
    head: head as Omit<PeriodicState, 'metrics'>,
    metrics: () => {
      if (metrics !== undefined) return metrics;
      const value = parse(text(at + METRICS_KEY.length, end));
      if (value === null || typeof value !== 'object') throw new StateError(`${path}: not a periodic state file (metrics)`);
      metrics = value as PeriodicState['metrics'];
      return metrics;
    },
  };
}

/**
 * Replaces the state file atomically (temporary file, every byte checked,
 * fsync, rename, fsync of the folder). The file is ASCII: other characters
 * (top-words' words) are written as JSON's \u escapes, since a few hundred
 * bytes of them made the whole file decode as two-byte text (17 to 20 ms
 * to decode against 7 for ASCII, and a slower parse). Each metric's state is
 * made text on its own, the same text as one JSON.stringify of the whole:
 * a word beyond ASCII in top-words then makes only top-words' few kilobytes
 * two-byte, not fast-likers' 1.7 MB (escaping them all took 25 ms a save
 * in a live refresh after 10M events, against about 2).
 */
export function writeState(path: string, state: PeriodicState): void {
  // The metrics' states last, for openState to read the rest first.
  const { metrics, ...head } = state;
  const parts = [`${JSON.stringify({ ...head, [LAST]: true }).slice(0, -1)}${METRICS_KEY}{`];
  let first = true;
  for (const [name, saved] of Object.entries(metrics)) {
    const json = JSON.stringify(saved) as string | undefined;
    // As JSON.stringify leaves out a key whose value it cannot write.
    if (json === undefined) continue;
    parts.push(`${first ? '' : ','}${JSON.stringify(name)}:`, json);
    first = false;
  }
  parts.push('}}');
  writeFileAtomicSync(path, asciiLine(...parts));
}

/** A UTF-16 unit that is not ASCII (a character beyond U+FFFF is two of them, escaped one by one as JSON does). */
const NOT_ASCII = /[^\x00-\x7f]/g;

/**
 * JSON text (in parts, written one after another) as ASCII bytes and a
 * newline: every UTF-16 unit beyond ASCII as its `\uXXXX` escape, which
 * JSON.parse reads back as it was. Written straight into one buffer: a
 * replace() with a function, then `+ '\n'` and Buffer.from, took 25 to 45 ms
 * a save of 1.77 MB. The regular expression finds the few units to escape;
 * a loop over every unit took twice as long.
 */
export function asciiLine(...parts: string[]): Buffer {
  // ASCII exactly when its UTF-8 is a byte a unit: a native count, 0.3 ms for 1.5 MB where the regular expression's
  // first scan took 5.
  const ascii = parts.map((part) => Buffer.byteLength(part, 'utf8') === part.length);
  let size = 1;
  for (const [i, part] of parts.entries()) {
    size += part.length;
    if (ascii[i]) continue;
    NOT_ASCII.lastIndex = 0;
    while (NOT_ASCII.exec(part) !== null) size += 5;
  }
  const buf = Buffer.allocUnsafe(size);
  let at = 0;
  for (const [i, part] of parts.entries()) {
    if (ascii[i]) {
      at += buf.write(part, at, 'latin1');
      continue;
    }
    NOT_ASCII.lastIndex = 0;
    let m = NOT_ASCII.exec(part);
    let from = 0;
    for (; m !== null; m = NOT_ASCII.exec(part)) {
      // ASCII between escapes: latin1 writes each unit as its byte.
      at += buf.write(part.slice(from, m.index), at, 'latin1');
      at += buf.write(`\\u${part.charCodeAt(m.index).toString(16).padStart(4, '0')}`, at, 'latin1');
      from = m.index + 1;
    }
    at += buf.write(part.slice(from), at, 'latin1');
  }
  buf[at] = 10;
  return buf;
}

/** Live metric states from a saved state, or new ones for metrics it lacks. */
export function loadMetrics(saved: Pick<PeriodicState, 'metrics'>, metrics: ReadonlyArray<Metric<any>>, params: Params): Map<Metric<any>, unknown> {
  const states = new Map<Metric<any>, unknown>();
  for (const m of metrics) states.set(m, saved.metrics[m.name] ? m.load(saved.metrics[m.name], params) : m.create(params));
  return states;
}
