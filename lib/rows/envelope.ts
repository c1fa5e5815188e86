import { kindOf, type FlatRow } from './flatten.js';

const HEAD = ['{"time":"', '","did":"', '","op":"', '","collection":"'];
const OPS = new Set(['create', 'update', 'delete']);

/** Posts carry what top-words and top-langs read (text, langs): their lines are parsed whole. */
export const POSTS = 'app.bsky.feed.post';

/**
 * The head of a canonical line (time, did, op, collection), read in place
 * without JSON.parse; undefined when the line does not start in exactly that
 * shape or a value holds an escape (then parse it whole).
 */
export function envelope(text: string): { time: string; did: string; op: string; collection: string } | undefined {
  const values: string[] = [];
  let at = 0;
  for (const key of HEAD) {
    if (text.slice(at, at + key.length) !== key) return undefined;
    at += key.length;
    const end = text.indexOf('"', at);
    if (end < 0) return undefined;
    const value = text.slice(at, end);
    if (value.includes('\\')) return undefined;
    // A slice keeps its whole parent alive (the decoded chunk), and metric state keeps DIDs: copy.
    values.push((' ' + value).slice(1));
    at = end;
  }
  const [time, did, op, collection] = values;
  if (!OPS.has(op) || text.slice(at, at + 9) !== '","rkey":') return undefined;
  return { time, did, op, collection };
}

/**
 * The row of a canonical line read from its head, for lines the metrics need
 * nothing more from (any collection but posts); undefined otherwise.
 */
export function envelopeRow(text: string): FlatRow | undefined {
  const e = envelope(text);
  if (e === undefined || e.collection === POSTS) return undefined;
  return { time: e.time, kind: kindOf(e.collection), op: e.op, did: e.did };
}
