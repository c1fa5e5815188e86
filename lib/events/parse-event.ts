import { parseJsonObject, isJsonObject, preview } from '../input/json-object.js';
import { nestedDeeper } from '../input/json-depth.js';
import { canonicalTime } from '../time.js';
import { OPS, type BskyEvent } from './event.js';

/** Options of the parser: where event time comes from and the zone instants are shown in. */
export interface ParseOptions {
  tz?: string;
  /** `receive` (default): the capture's receive time; `created`: the record's createdAt, set by clients. */
  time?: 'receive' | 'created';
  maxDepth?: number;
}

export type ParseResult = { event: BskyEvent; reason?: undefined } | { event?: undefined; reason: string };

export const DID = /^did:[a-z]+:[A-Za-z0-9._:%-]{1,2000}$/;
export const NSID = /^[a-zA-Z][a-zA-Z0-9-]*(\.[a-zA-Z0-9-]+)+$/;
export const RKEY = /^[A-Za-z0-9._:~-]{1,512}$/;

/**
 * Turns one input line into a canonical event, detecting the format per line:
 * the take-home script's lines, Jetstream lines, or our own canonical events.
 */
export function parseEvent(text: string, opts: ParseOptions = {}): ParseResult {
  const parsed = parseJsonObject(text);
  return parsed.reason !== undefined ? parsed : fromObject(parsed.object, opts);
}

/** Same as parseEvent, for an already parsed object. */
export function fromObject(o: Record<string, unknown>, opts: ParseOptions = {}): ParseResult {
  if (typeof o.action === 'string' && typeof o.path === 'string') return fromTakeHome(o, opts);
  if (o.time_us !== undefined && typeof o.kind === 'string') return fromJetstream(o, opts);
  if (typeof o.time === 'string' && typeof o.op === 'string') return fromCanonical(o, opts);
  return { reason: 'unrecognised line: neither a take-home, a Jetstream nor a bsky-tools event' };
}

function fromTakeHome(o: Record<string, unknown>, opts: ParseOptions): ParseResult {
  const path = o.path as string;
  const slash = path.lastIndexOf('/');
  if (slash < 0) return { reason: `invalid path '${preview(path)}': expected collection/rkey` };
  return commit(o.timestamp, 'timestamp', o.repo, 'repo', o.action, path.slice(0, slash), path.slice(slash + 1), o.cid, o.record, opts);
}

function fromJetstream(o: Record<string, unknown>, opts: ParseOptions): ParseResult {
  if (o.kind === 'commit') {
    const c = o.commit as Record<string, unknown> | undefined;
    if (!c || typeof c !== 'object') return { reason: 'Jetstream commit without a commit object' };
    return commit(o.time_us, 'time_us', o.did, 'did', c.operation, c.collection, c.rkey, c.cid, c.record, opts);
  }
  if (o.kind === 'identity' || o.kind === 'account') {
    const time = canonicalTime(o.time_us, opts.tz);
    if (time === undefined) return { reason: `invalid time_us: ${preview(o.time_us)}` };
    if (typeof o.did !== 'string' || !DID.test(o.did)) return { reason: `invalid did: ${preview(o.did)}` };
    const body = o[o.kind];
    return { event: { time, did: o.did, op: o.kind, record: isJsonObject(body) ? body : {} } };
  }
  return { reason: `unknown Jetstream kind: ${preview(o.kind)}` };
}

function fromCanonical(o: Record<string, unknown>, opts: ParseOptions): ParseResult {
  if (o.op === 'identity' || o.op === 'account') {
    const time = canonicalTime(o.time, opts.tz);
    if (time === undefined) return { reason: `invalid time: ${preview(o.time)}` };
    if (typeof o.did !== 'string' || !DID.test(o.did)) return { reason: `invalid did: ${preview(o.did)}` };
    return { event: { time, did: o.did, op: o.op, record: isJsonObject(o.record) ? o.record : {} } };
  }
  return commit(o.time, 'time', o.did, 'did', o.op, o.collection, o.rkey, o.cid, o.record, opts);
}

function commit(
  rawTime: unknown, timeKey: string, did: unknown, didKey: string, op: unknown,
  collection: unknown, rkey: unknown, cid: unknown, record: unknown, opts: ParseOptions,
): ParseResult {
  if (typeof did !== 'string' || !DID.test(did)) return { reason: `invalid ${didKey}: ${preview(did)}` };
  if (typeof op !== 'string' || !OPS.has(op)) return { reason: `invalid operation: ${preview(op)}` };
  if (typeof collection !== 'string' || !NSID.test(collection)) return { reason: `invalid collection: ${preview(collection)}` };
  if (typeof rkey !== 'string' || !RKEY.test(rkey)) return { reason: `invalid rkey: ${preview(rkey)}` };
  if (op !== 'delete') {
    if (!isJsonObject(record)) return { reason: `${op} without a record object` };
    const maxDepth = opts.maxDepth ?? 64;
    if (nestedDeeper(record, maxDepth)) return { reason: `record nested deeper than ${maxDepth} levels` };
  }
  let time: string | undefined;
  if (opts.time === 'created') {
    const created = isJsonObject(record) ? record.createdAt : undefined;
    time = canonicalTime(created, opts.tz);
    if (time === undefined) return { reason: `invalid record.createdAt: ${preview(created)}` };
  } else {
    time = canonicalTime(rawTime, opts.tz);
    if (time === undefined) return { reason: `invalid ${timeKey}: ${preview(rawTime)}` };
  }
  const event: BskyEvent = { time, did, op: op as 'create', collection, rkey };
  if (typeof cid === 'string') event.cid = cid;
  if (op !== 'delete') event.record = record as Record<string, unknown>;
  return { event };
}


