import { createReadStream } from 'node:fs';
import type { Metric } from '../metrics/metric.js';
import { LineSplitter, type LineRef } from '../input/split-lines.js';
import type { BskyEvent } from '../events/event.js';
import { flatten } from '../rows/flatten.js';
import { envelopeRow } from '../rows/envelope.js';
import { openSegment } from '../spool/segments.js';

export interface FoldCounts {
  events: number;
  newest: string | null;
}

/**
 * Folds one spool segment into the metric states. Segment lines were
 * validated and written by handle-stream, so most are not parsed at all: the
 * envelope at the head of a canonical line (time, did, op, collection) is
 * all the metrics read from any kind but posts, and it is read in place.
 * Posts, and any line not in that exact shape, are parsed whole and
 * flattened; a line that is not an event (a hand-edited spool) goes to `reject`.
 */
export async function foldSegment(
  path: string, name: string, states: Map<Metric<any>, unknown>,
  reject: (ref: LineRef, reason: string, raw: string | Buffer | null) => void,
  /** Told the bytes of every chunk read and the events folded so far, for the progress line. */
  onChunk?: (bytes: number, events: number) => void,
): Promise<FoldCounts> {
  const entries = [...states];
  const counts: FoldCounts = { events: 0, newest: null };
  const splitter = new LineSplitter(name, 1 << 24, {
    line(text, ref) {
      if (text.length === 0) return;
      const fast = envelopeRow(text);
      if (fast !== undefined) {
        for (const [metric, state] of entries) metric.add(state, fast);
        counts.events++;
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
      const row = flatten(e);
      for (const [metric, state] of entries) metric.add(state, row);
      counts.events++;
      if (counts.newest === null || e.time > counts.newest) counts.newest = e.time;
    },
    bad: (reason, ref, raw) => reject(ref, reason, raw),
    spill: () => undefined,
  });
  for await (const chunk of createReadStream('', { fd: openSegment(path), highWaterMark: 1 << 16 })) {
    splitter.push(chunk as Buffer);
    onChunk?.((chunk as Buffer).length, counts.events);
  }
  splitter.end();
  return counts;
}
