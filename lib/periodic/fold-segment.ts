import { closeSync, readSync } from 'node:fs';
import type { Metric } from '../metrics/metric.js';
import { LineSplitter, type LineRef } from '../input/split-lines.js';
import type { BskyEvent } from '../events/event.js';
import { flatten } from '../rows/flatten.js';
import { ENVELOPE_FIELDS, envelopeRow } from '../rows/envelope.js';
import { Fold } from '../metrics/fold.js';
import { openSegment } from '../spool/segments.js';

export interface FoldCounts {
  events: number;
  /** Events read from their head alone (the fast path). */
  fast: number;
  newest: string | null;
}

/**
 * Folds one spool segment into the metric states. Segment lines were
 * validated and written by handle-stream, so most are not parsed at all: the
 * envelope at the head of a canonical line (time, did, op, collection) is
 * read in place, and serves the rows of every kind from which the metrics
 * declare they read nothing more (for the built-in ones: all but posts).
 * Other lines, and any line not in that exact shape, are parsed whole and
 * flattened; a line that is not an event (a hand-edited spool) goes to `reject`.
 */
export async function foldSegment(
  path: string, name: string, states: Map<Metric<any>, unknown>,
  reject: (ref: LineRef, reason: string, raw: string | Buffer | null) => void,
  /** strict: a metric reading an undeclared field throws (tests); onChunk: told the bytes of every chunk read and the events folded so far, for the progress line. */
  opts: { strict?: boolean; onChunk?: (bytes: number, events: number) => void } = {},
): Promise<FoldCounts> {
  const fold = new Fold(states, opts);
  const serves = fold.servedBy(ENVELOPE_FIELDS);
  const counts: FoldCounts = { events: 0, fast: 0, newest: null };
  const splitter = new LineSplitter(name, 1 << 24, {
    line(text, ref) {
      if (text.length === 0) return;
      const fast = envelopeRow(text, serves);
      if (fast !== undefined) {
        fold.add(fast);
        counts.events++;
        counts.fast++;
        if (counts.newest === null || fast.time > counts.newest) counts.newest = fast.time;
        return;
      }
      let e: BskyEvent;
      try {
        e = JSON.parse(text) as BskyEvent;
      } catch (err) {
        reject(ref, `invalid JSON: ${(err as Error).message}`, text);
        return;
      }
      if (typeof e !== 'object' || e === null || typeof e.time !== 'string' || typeof e.op !== 'string' || typeof e.did !== 'string') {
        reject(ref, 'not a canonical event', text);
        return;
      }
      fold.add(flatten(e));
      counts.events++;
      if (counts.newest === null || e.time > counts.newest) counts.newest = e.time;
    },
    bad: (reason, ref, raw) => reject(ref, reason, raw),
    spill: () => undefined,
  });
  // Read synchronously into one buffer (the segment is a regular file, openSegment checks, and in the page cache):
  // a stream's reads each went through libuv's pool and back, and the thread idled between them (70 ms of a
  // 0.64 s refresh after 60,000 events). The event loop still turns every few reads (timers: the progress line, an age lock's refresh).
  const fd = openSegment(path);
  // One buffer for every segment: a new one each would be garbage outside the heap, freed only by a full GC
  // (a backlog is hundreds of segments). A fold that overlaps another takes its own.
  const buf = spare ?? Buffer.allocUnsafe(READ_BYTES);
  spare = undefined;
  try {
    for (let pos = 0, reads = 1; ; reads++) {
      const n = readSync(fd, buf, 0, buf.length, pos);
      if (n === 0) break;
      pos += n;
      splitter.push(buf.subarray(0, n));
      opts.onChunk?.(n, counts.events);
      if (reads % YIELD_EVERY === 0) await new Promise((resolve) => setImmediate(resolve));
    }
  } finally {
    closeSync(fd);
    spare = buf;
  }
  splitter.end();
  return counts;
}

/** Bytes a read; the event loop turns every YIELD_EVERY reads. */
const READ_BYTES = 1 << 20;
const YIELD_EVERY = 4;
/** The read buffer, when no fold is using it. */
let spare: Buffer | undefined;
