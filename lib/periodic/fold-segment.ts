import { createReadStream } from 'node:fs';
import type { Metric } from '../metrics/metric.js';
import { LineSplitter, type LineRef } from '../input/split-lines.js';
import type { BskyEvent } from '../events/event.js';
import { flatten, kindOf, type FlatRow } from '../rows/flatten.js';

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
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 16 })) splitter.push(chunk as Buffer);
  splitter.end();
  return counts;
}

const HEAD = ['{"time":"', '","did":"', '","op":"', '","collection":"'];
const OPS = new Set(['create', 'update', 'delete']);

/**
 * The row of a canonical line read from its head, for lines the metrics need
 * nothing more from (any collection but posts); undefined otherwise. A value
 * with a backslash (an escape) is left to the full parse.
 */
export function envelopeRow(text: string): FlatRow | undefined {
  const values: string[] = [];
  let at = 0;
  for (const key of HEAD) {
    if (text.slice(at, at + key.length) !== key) return undefined;
    at += key.length;
    const end = text.indexOf('"', at);
    if (end < 0) return undefined;
    const value = text.slice(at, end);
    if (value.includes('\\')) return undefined;
    // A slice keeps its whole parent alive (the decoded chunk); metric state keeps DIDs: copy.
    values.push((' ' + value).slice(1));
    at = end;
  }
  const [time, did, op, collection] = values;
  if (collection === POSTS || !OPS.has(op) || text.slice(at, at + 9) !== '","rkey":') return undefined;
  return { time, kind: kindOf(collection), op, did };
}

/** Posts carry what top-words and top-langs read (text, langs): their lines are parsed whole. */
const POSTS = 'app.bsky.feed.post';
