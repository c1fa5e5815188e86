/**
 * Event-time windows, free of streams: feed rows (a time, group keys, values
 * to count distinctly), get closed windows through a callback, in order of
 * window start then key.
 *
 * Windows start at multiples of the hop (on the wall clock, counted from
 * 1970-01-01 00:00:00) and last `size`: [start, start + size). Rows are held
 * in panes of gcd(size, hop), so a row is stored once however many hopping
 * windows hold it, and a window is the merge of its panes. The watermark is
 * the largest time seen minus the lateness; a window closes, and is emitted,
 * once the watermark reaches its end. Only panes of open windows are kept.
 */

import { MAX_FILL } from '../time.js';

/** A group key or a counted value: a JSON scalar. */
export type Key = string | number | boolean | null;

export interface WindowSpec {
  sizeUs: number;
  /** Distance between window starts; equal to sizeUs for tumbling windows. */
  hopUs: number;
  latenessUs: number;
  /** Count distinct values (given to add) instead of rows. */
  distinct: boolean;
  /** Emit empty windows between the first and the last window, with 0. */
  fill: boolean;
  /** The most empty windows filled in one gap (default MAX_FILL); a longer gap is skipped and counted in `unfilled`. */
  maxFill?: number;
}

/** One output row: a closed window and one key with its count (or distinct count). */
export interface ClosedWindow {
  start: number;
  end: number;
  key: Key;
  value: number;
}

/** What became of a row: counted in all its windows, in only the open ones, or in none (late). */
export type Admission = 'counted' | 'partly-late' | 'late';

interface Cell {
  key: Key;
  rows: number;
  values: Set<string> | null;
}

type Pane = Map<string, Cell>;

export class Windower {
  /** Windows emitted so far (one per start, whatever the number of keys). */
  windows = 0;
  /** Gaps too long to fill, and the last one: [start of its first empty window, start of the next window with data]. */
  unfilled = 0;
  lastUnfilled: [number, number] | null = null;
  private noFillBefore = -Infinity;
  private readonly paneUs: number;
  private readonly panes = new Map<number, Pane>();
  private maxUs = -Infinity;
  /** Every window that ends at or before the frontier is closed (emitted or skipped as empty). */
  private frontier = -Infinity;
  private started = false;
  private readonly seenKeys = new Map<string, Key>();
  private sortedSeen: Array<[string, Key]> | null = null;

  constructor(
    private readonly spec: WindowSpec,
    private readonly out: (w: ClosedWindow) => void,
  ) {
    if (!(spec.hopUs > 0 && spec.sizeUs >= spec.hopUs && spec.latenessUs >= 0)) throw new RangeError('need 0 < hop <= size and lateness >= 0');
    this.paneUs = gcd(spec.sizeUs, spec.hopUs);
  }

  /** The watermark: largest event time seen minus the lateness. */
  get watermark(): number {
    return this.maxUs - this.spec.latenessUs;
  }

  /** Feeds one row at wall time `us` under each of `keys` (at least one); closes the windows the watermark passes. */
  add(us: number, keys: readonly Key[], values?: readonly Key[]): Admission {
    const { sizeUs, hopUs } = this.spec;
    const lastStart = floorTo(us, hopUs);
    if (lastStart + sizeUs <= this.frontier) return 'late';
    // With hopping windows the earliest windows of a row may be closed while later ones are open.
    const partly = floorTo(us - sizeUs, hopUs) + hopUs + sizeUs <= this.frontier;
    const p = Math.floor(us / this.paneUs);
    let pane = this.panes.get(p);
    if (!pane) {
      pane = new Map();
      this.panes.set(p, pane);
    }
    for (const key of keys) {
      const id = keyId(key);
      let cell = pane.get(id);
      if (!cell) {
        cell = { key, rows: 0, values: this.spec.distinct ? new Set() : null };
        pane.set(id, cell);
      }
      cell.rows++;
      if (cell.values && values) for (const v of values) cell.values.add(keyId(v));
    }
    if (us > this.maxUs) {
      this.maxUs = us;
      this.close(us - this.spec.latenessUs);
    }
    return partly ? 'partly-late' : 'counted';
  }

  /** At the end of input: emits every open window. */
  end(): void {
    this.close(Infinity);
  }

  private close(wm: number): void {
    if (wm <= this.frontier) return;
    const { sizeUs, hopUs } = this.spec;
    const g = this.paneUs;
    // Most rows move the watermark without reaching the next window end: nothing to close.
    if (this.frontier !== -Infinity && wm < floorTo(this.frontier - sizeUs, hopUs) + hopUs + sizeUs) {
      this.frontier = wm;
      return;
    }
    const idx = [...this.panes.keys()].sort((a, b) => a - b);
    if (idx.length === 0) {
      this.frontier = wm;
      return;
    }
    // The first window not closed yet, or the first window of the oldest pane on the first call.
    let s = this.frontier === -Infinity ? firstStart(idx[0] * g, sizeUs, hopUs) : floorTo(this.frontier - sizeUs, hopUs) + hopUs;
    let j = 0;
    while (s + sizeUs <= wm) {
      const lo = s / g;
      const hi = (s + sizeUs) / g;
      while (j < idx.length && idx[j] < lo) j++;
      // No data at or after this window: nothing to emit or fill up to.
      if (j === idx.length) break;
      if (idx[j] >= hi) {
        if (this.spec.fill && this.started) {
          const next = firstStart(idx[j] * g, sizeUs, hopUs);
          const skipping = s < this.noFillBefore;
          if (skipping || (next - s) / hopUs > (this.spec.maxFill ?? MAX_FILL)) {
            // Filling across years (one row stamped 2099) would never end: the gap stays a jump,
            // also when the watermark stopped inside it.
            if (!skipping) {
              this.unfilled++;
              this.lastUnfilled = [s, next];
            }
            this.noFillBefore = next;
            s = next;
            continue;
          }
          this.emit(s, new Map());
          s += hopUs;
        } else {
          s = Math.max(s + hopUs, firstStart(idx[j] * g, sizeUs, hopUs));
        }
        continue;
      }
      let k = j;
      while (k < idx.length && idx[k] < hi) k++;
      this.emit(s, k - j === 1 ? this.panes.get(idx[j])! : this.merge(idx.slice(j, k)));
      s += hopUs;
    }
    this.frontier = wm;
    // A pane is dropped once the last window that holds it is closed.
    for (const p of idx) {
      if (floorTo(p * g, hopUs) + sizeUs > wm) break;
      this.panes.delete(p);
    }
  }

  private merge(list: number[]): Pane {
    const merged: Pane = new Map();
    for (const p of list) {
      for (const [id, cell] of this.panes.get(p)!) {
        const into = merged.get(id);
        if (!into) {
          merged.set(id, { key: cell.key, rows: cell.rows, values: cell.values ? new Set(cell.values) : null });
          continue;
        }
        into.rows += cell.rows;
        if (into.values && cell.values) for (const v of cell.values) into.values.add(v);
      }
    }
    return merged;
  }

  private emit(start: number, cells: Pane): void {
    this.started = true;
    this.windows++;
    const end = start + this.spec.sizeUs;
    const value = (c: Cell | undefined): number => (c === undefined ? 0 : c.values ? c.values.size : c.rows);
    if (this.spec.fill) {
      // Filling with keys: every key seen in this or an earlier emitted window, 0 where absent.
      for (const [id, cell] of cells) {
        if (!this.seenKeys.has(id)) {
          this.seenKeys.set(id, cell.key);
          this.sortedSeen = null;
        }
      }
      this.sortedSeen ??= [...this.seenKeys].sort((a, b) => compareKeys(a[1], b[1]));
      for (const [id, key] of this.sortedSeen) this.out({ start, end, key, value: value(cells.get(id)) });
      return;
    }
    const list = [...cells.values()];
    if (list.length > 1) list.sort((a, b) => compareKeys(a.key, b.key));
    for (const c of list) this.out({ start, end, key: c.key, value: value(c) });
  }
}

/** Orders keys: null, then false and true, then numbers ascending, then strings by code unit. */
export function compareKeys(a: Key, b: Key): number {
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  if (a === b) return 0;
  return (a as string | number) < (b as string | number) ? -1 : 1;
}

function rank(k: Key): number {
  return k === null ? 0 : typeof k === 'boolean' ? 1 : typeof k === 'number' ? 2 : 3;
}

/** A map key that keeps 5 and "5" apart, cheaply for strings. */
function keyId(k: Key): string {
  return typeof k === 'string' ? 's' + k : String(k);
}

/** Largest multiple of m at or below x, exact on integers. */
export function floorTo(x: number, m: number): number {
  return x - (((x % m) + m) % m);
}

/** Start of the first window that holds the pane (or instant) at `us`. */
function firstStart(us: number, sizeUs: number, hopUs: number): number {
  return floorTo(us - sizeUs, hopUs) + hopUs;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}
