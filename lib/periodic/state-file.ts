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
 * to decode against 7 for ASCII, and a slower parse).
 */
export function writeState(path: string, state: PeriodicState): void {
  // The metrics' states last, for openState to read the rest first.
  const { metrics, ...head } = state;
  writeFileAtomicSync(path, asciiLine(JSON.stringify({ ...head, [LAST]: true, metrics })));
}

/** A UTF-16 unit that is not ASCII (a character beyond U+FFFF is two of them, escaped one by one as JSON does). */
const NOT_ASCII = /[^\x00-\x7f]/;

/**
 * JSON text as ASCII bytes and a newline: every UTF-16 unit beyond ASCII as
 * its `\uXXXX` escape, which JSON.parse reads back as it was. Written
 * straight into one buffer: after 10M events the state is 1.77 MB, and a
 * replace() with a function, then `+ '\n'` and Buffer.from, took 25 to 45 ms
 * a save (a few hundred bytes of Japanese words make the whole text
 * two-byte), against about 7 here.
 */
export function asciiLine(json: string): Buffer {
  const n = json.length;
  let extra = 0;
  if (NOT_ASCII.test(json)) for (let i = 0; i < n; i++) if (json.charCodeAt(i) > 0x7f) extra += 5;
  const buf = Buffer.allocUnsafe(n + extra + 1);
  if (extra === 0) buf.write(json, 0, 'latin1');
  else {
    let at = 0;
    let from = 0;
    for (let i = 0; i < n; i++) {
      const c = json.charCodeAt(i);
      if (c <= 0x7f) continue;
      // ASCII between escapes: latin1 writes each unit as its byte.
      at += buf.write(json.slice(from, i), at, 'latin1');
      at += buf.write(`\\u${c.toString(16).padStart(4, '0')}`, at, 'latin1');
      from = i + 1;
    }
    buf.write(json.slice(from), at, 'latin1');
  }
  buf[n + extra] = 10;
  return buf;
}

/** Live metric states from a saved state, or new ones for metrics it lacks. */
export function loadMetrics(saved: Pick<PeriodicState, 'metrics'>, metrics: ReadonlyArray<Metric<any>>, params: Params): Map<Metric<any>, unknown> {
  const states = new Map<Metric<any>, unknown>();
  for (const m of metrics) states.set(m, saved.metrics[m.name] ? m.load(saved.metrics[m.name], params) : m.create(params));
  return states;
}
