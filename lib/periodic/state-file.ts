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

/** Reads the state file, or the empty state when there is none yet. */
export function readState(path: string): PeriodicState {
  if (!existsSync(path)) return structuredClone(EMPTY);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new IoError(path, err);
  }
  let state: PeriodicState;
  try {
    state = JSON.parse(text) as PeriodicState;
  } catch (err) {
    throw new StateError(`${path}: not valid JSON (${(err as Error).message})`);
  }
  if (state?.version !== 1 || !Array.isArray(state.folded)) throw new StateError(`${path}: not a periodic state file (version ${String(state?.version)})`);
  return state;
}

/** Replaces the state file atomically (temporary file, every byte checked, fsync, rename, fsync of the folder). */
export function writeState(path: string, state: PeriodicState): void {
  writeFileAtomicSync(path, JSON.stringify(state) + '\n');
}

/** Live metric states from a saved state, or new ones for metrics it lacks. */
export function loadMetrics(saved: PeriodicState, metrics: ReadonlyArray<Metric<any>>, params: Params): Map<Metric<any>, unknown> {
  const states = new Map<Metric<any>, unknown>();
  for (const m of metrics) states.set(m, saved.metrics[m.name] ? m.load(saved.metrics[m.name], params) : m.create(params));
  return states;
}
