import { DID, NSID, RKEY, type ParseOptions } from '../events/parse-event.js';
import { canonicalTime } from '../time.js';
import { didOfUri, FIELDS, kindOf, type FlatRow } from './flatten.js';

/**
 * Fast paths for the commonest lines of a pipeline, as text shapes: a
 * regular expression (compiled to machine code by V8) checks the whole line
 * and picks its values in one pass, where JSON.parse would build the object
 * and JSON.stringify walk it again. A line that is not exactly in the shape
 * is left to the slow path, which decides; test/fast-paths.test.ts checks
 * that the two agree on generated and mutated lines.
 *
 * A value matched by STR holds no quote, backslash or control character,
 * and comes from valid UTF-8 (no lone surrogate): its JSON text is itself
 * in quotes.
 */
const STR = '[^"\\\\\\u0000-\\u001f]*';
const SUBJECT = `(?:\\{"cid":"${STR}","uri":"(${STR})"\\}|"(${STR})")`;

/**
 * A canonical line (bsky-parse's output) of a create or update whose record
 * is a like, repost, follow, block and the like: `$type`, a subject (a
 * strong ref or a DID) and `createdAt`, in either order, nothing else.
 */
const SUBJECT_EVENT = new RegExp(
  `^\\{"time":"(${STR})","did":"(${STR})","op":"(create|update)","collection":"(${STR})","rkey":"(${STR})"(?:,"cid":"(${STR})")?` +
    `,"record":\\{"\\$type":"${STR}",(?:"subject":${SUBJECT},"createdAt":"(${STR})"|"createdAt":"(${STR})","subject":${SUBJECT})\\}\\}$`,
);

/**
 * The flat row of a canonical line whose record holds only a subject and a
 * createdAt, as flatten(parseEvent(text)) would make it; undefined when the
 * line is not in that shape or not valid (the slow path words the reason).
 */
export function subjectRow(text: string, opts: ParseOptions): FlatRow | undefined {
  // A strong-ref subject is the record's second level: a --max-depth under 2 is the slow path's to reject.
  if (opts.time === 'created' || (opts.maxDepth ?? 64) < 2) return undefined;
  const m = SUBJECT_EVENT.exec(text);
  if (m === null) return undefined;
  const [, rawTime, did, op, collection, rkey, cid, uri1, subject1, created1, created2, uri2, subject2] = m;
  if (!DID.test(did) || !NSID.test(collection) || !RKEY.test(rkey)) return undefined;
  const time = canonicalTime(rawTime, opts.tz);
  if (time === undefined) return undefined;
  const row: FlatRow = { time, kind: kindOf(collection), op, did, rkey, collection };
  if (cid !== undefined) row.cid = cid;
  const uri = uri1 ?? uri2;
  if (uri !== undefined) {
    row.subject = uri;
    const subjectDid = didOfUri(uri);
    if (subjectDid) row.subject_did = subjectDid;
  } else row.subject = (subject1 ?? subject2) as string;
  row.created_at = (created1 ?? created2) as string;
  return row;
}

/**
 * The JSON text of a row from subjectRow, as JSON.stringify writes it (all
 * fields, or `fields` in that order): every value is a plain string.
 */
export function plainRowJson(row: FlatRow, fields: ReadonlyArray<keyof FlatRow>): string {
  let s = '{';
  for (const f of fields.length ? fields : FIELDS) {
    const v = row[f];
    if (v === undefined) continue;
    if (s.length > 1) s += ',';
    s += `"${f}":"${v as string}"`;
  }
  return s + '}';
}

/**
 * A flat row (bsky-flatten's output) whose fields are all plain strings:
 * time, kind, op and did first, then any others but text and langs (a
 * post's, parsed whole). Every value of such a line can be read without
 * JSON.parse, so this path serves whatever fields the metrics declare
 * (addPlainFields).
 */
const PLAIN_ROW = new RegExp(
  `^\\{"time":"(${STR})","kind":"(${STR})","op":"(${STR})","did":"(${STR})"(?:,"(?!(?:time|kind|op|did|text|langs)")${STR}":"${STR}")*\\}$`,
);

/** The fields a plain row always has. */
export const PLAIN_FIELDS: ReadonlyArray<keyof FlatRow> = ['time', 'kind', 'op', 'did'];

/** The row of a plain line without JSON.parse (time, kind, op, did); undefined when the line is not one. */
export function plainRow(text: string): FlatRow | undefined {
  const m = PLAIN_ROW.exec(text);
  if (m === null) return undefined;
  // A match is a slice of the whole line, and keeps it alive: fast-likers keeps DIDs of active users, so copy (as envelope() does).
  return { time: m[1], kind: m[2], op: m[3], did: (' ' + m[4]).slice(1) };
}

/** Adds to a row from plainRow the `extra` fields its line has. */
export function addPlainFields(row: FlatRow, text: string, extra: ReadonlyArray<keyof FlatRow>): void {
  for (const f of extra) {
    // No value holds a quote, so `,"name":"` is found only where that key is.
    const key = `,"${f}":"`;
    const at = text.indexOf(key);
    if (at < 0) continue;
    const from = at + key.length;
    (row as unknown as Record<string, string>)[f] = (' ' + text.slice(from, text.indexOf('"', from))).slice(1);
  }
}
