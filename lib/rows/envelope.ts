import { kindOf, type FlatRow } from './flatten.js';

const HEAD = ['{"time":"', '","did":"', '","op":"', '","collection":"'];
const OPS = new Set(['create', 'update', 'delete']);

/** The collection of posts. */
export const POSTS = 'app.bsky.feed.post';

/**
 * The head of a canonical line (time, did, op, collection), read in place
 * without JSON.parse; undefined when the line does not start in exactly that
 * shape or a value holds an escape (then parse it whole).
 */
export function envelope(text: string): { time: string; did: string; op: string; collection: string } | undefined {
  // Straight-line code: this runs for most spooled lines. startsWith at a position allocates nothing.
  if (!text.startsWith(HEAD[0])) return undefined;
  let at = HEAD[0].length;
  let end = text.indexOf('"', at);
  if (end < 0 || !text.startsWith(HEAD[1], end)) return undefined;
  const time = text.slice(at, end);
  at = end + HEAD[1].length;
  end = text.indexOf('"', at);
  if (end < 0 || !text.startsWith(HEAD[2], end)) return undefined;
  const did = text.slice(at, end);
  at = end + HEAD[2].length;
  end = text.indexOf('"', at);
  if (end < 0 || !text.startsWith(HEAD[3], end)) return undefined;
  const op = text.slice(at, end);
  if (!OPS.has(op)) return undefined;
  at = end + HEAD[3].length;
  end = text.indexOf('"', at);
  if (end < 0 || !text.startsWith('","rkey":', end)) return undefined;
  const collection = text.slice(at, end);
  if (time.includes('\\') || did.includes('\\') || collection.includes('\\')) return undefined;
  // A slice keeps its whole parent alive (the decoded chunk), and metric state keeps DIDs: copy.
  return { time, did: (' ' + did).slice(1), op, collection };
}

/** The fields envelopeRow gives. */
export const ENVELOPE_FIELDS: ReadonlySet<keyof FlatRow> = new Set(['time', 'kind', 'op', 'did']);

/**
 * The row of a canonical line read from its head (time, kind, op, did), when
 * `serves(kind)` says those are all the metrics read from rows of its kind
 * (not posts for the built-in metrics, whose text and langs they read);
 * undefined otherwise.
 */
export function envelopeRow(text: string, serves: (kind: string) => boolean): FlatRow | undefined {
  const e = envelope(text);
  if (e === undefined) return undefined;
  const kind = kindOf(e.collection);
  return serves(kind) ? { time: e.time, kind, op: e.op, did: e.did } : undefined;
}

/** Canonical heads are about 110 bytes; a longer one (a did:web of 100 characters) is decoded with its line. */
const HEAD_MAX = 192;

/** What envelopeBytes finds: one per caller, filled in place (no garbage per line). */
export interface Head {
  op: string;
  collection: string;
}

/** An empty Head for envelopeBytes to fill. */
export function newHead(): Head {
  return { op: '', collection: '' };
}

/**
 * envelope()'s op and collection, read from a line's first bytes into `into`
 * (bsky-flatten drops the kinds it does not want without decoding the whole
 * line); false when envelope() gives undefined, when the head is longer than
 * HEAD_MAX bytes or when the collection is not ASCII.
 */
export function envelopeBytes(buf: Buffer, from: number, to: number, into: Head): boolean {
  // Latin-1 maps each byte to a character: quotes and backslashes stay where they are.
  const text = (buf as Buffer & { latin1Slice(s: number, e: number): string }).latin1Slice(from, Math.min(to, from + HEAD_MAX));
  // One regular expression, not a dozen string calls (600 to 250 ns a line).
  const m = HEAD_RE.exec(text);
  if (m === null) return false;
  into.op = m[1];
  into.collection = m[2];
  return true;
}

/** envelope()'s shape: time and did without quote or backslash, a known op, a collection of printable ASCII. */
const HEAD_RE = /^\{"time":"[^"\\]*","did":"[^"\\]*","op":"(create|update|delete)","collection":"([\x20\x21\x23-\x5b\x5d-\x7e]*)","rkey":/;
