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
  // Straight-line code: this runs for most spooled lines.
  if (!text.startsWith(HEAD[0])) return undefined;
  let at = HEAD[0].length;
  let end = text.indexOf('"', at);
  const time = text.slice(at, end);
  if (end < 0 || text.slice(end, end + HEAD[1].length) !== HEAD[1]) return undefined;
  at = end + HEAD[1].length;
  end = text.indexOf('"', at);
  const did = text.slice(at, end);
  if (end < 0 || text.slice(end, end + HEAD[2].length) !== HEAD[2]) return undefined;
  at = end + HEAD[2].length;
  end = text.indexOf('"', at);
  const op = text.slice(at, end);
  if (end < 0 || !OPS.has(op) || text.slice(end, end + HEAD[3].length) !== HEAD[3]) return undefined;
  at = end + HEAD[3].length;
  end = text.indexOf('"', at);
  const collection = text.slice(at, end);
  if (end < 0 || text.slice(end, end + 9) !== '","rkey":') return undefined;
  if (time.includes('\\') || did.includes('\\') || collection.includes('\\')) return undefined;
  // A slice keeps its whole parent alive (the decoded chunk), and metric state keeps DIDs: copy.
  return { time, did: (' ' + did).slice(1), op, collection };
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
