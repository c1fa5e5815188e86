import { isJsonObject } from '../input/json-object.js';
import { isCommit, type BskyEvent } from '../events/event.js';

/**
 * A flat row: one per event, the fields a user wants at hand, absent fields
 * left out so that rows stay small and `jq 'select(.text)'` works.
 */
export interface FlatRow {
  time: string;
  kind: string;
  op: string;
  did: string;
  rkey?: string;
  collection?: string;
  cid?: string;
  /** like, repost: the subject record's URI; follow, block, listitem: the subject DID. */
  subject?: string;
  /** like, repost: the DID of the subject record's author. */
  subject_did?: string;
  text?: string;
  langs?: string[];
  reply_parent?: string;
  reply_root?: string;
  /** Short embed type: images, video, external, record, recordWithMedia. */
  embed?: string;
  /** The URI a quote post quotes. */
  quote?: string;
  mentions?: string[];
  links?: string[];
  tags?: string[];
  list?: string;
  created_at?: string;
}

/** Every field a row can have, in output order; bsky-flatten --fields picks among them. */
export const FIELDS: ReadonlyArray<keyof FlatRow> = [
  'time', 'kind', 'op', 'did', 'rkey', 'collection', 'cid', 'subject', 'subject_did', 'text', 'langs',
  'reply_parent', 'reply_root', 'embed', 'quote', 'mentions', 'links', 'tags', 'list', 'created_at',
];

/** Kind of a collection: the last NSID segment for app.bsky.*, the whole NSID otherwise. */
export function kindOf(collection: string): string {
  if (collection.startsWith('app.bsky.')) return collection.slice(collection.lastIndexOf('.') + 1).toLowerCase();
  return collection;
}

/** Flattens one canonical event into a row. */
export function flatten(e: BskyEvent): FlatRow {
  if (!isCommit(e)) return { time: e.time, kind: e.op, op: e.op, did: e.did };
  const row: FlatRow = { time: e.time, kind: kindOf(e.collection), op: e.op, did: e.did, rkey: e.rkey, collection: e.collection };
  if (e.cid !== undefined) row.cid = e.cid;
  const r = e.record;
  if (!r) return row;
  const subject = r.subject;
  if (typeof subject === 'string') {
    row.subject = subject;
  } else if (isJsonObject(subject) && typeof subject.uri === 'string') {
    row.subject = subject.uri;
    const did = didOfUri(subject.uri);
    if (did) row.subject_did = did;
  }
  if (typeof r.text === 'string') row.text = r.text;
  if (Array.isArray(r.langs)) row.langs = r.langs.filter((l): l is string => typeof l === 'string');
  if (isJsonObject(r.reply)) {
    const parent = uriOf(r.reply.parent);
    const root = uriOf(r.reply.root);
    if (parent) row.reply_parent = parent;
    if (root) row.reply_root = root;
  }
  if (isJsonObject(r.embed)) {
    const type = r.embed.$type;
    if (typeof type === 'string') row.embed = type.slice(type.lastIndexOf('.') + 1);
    const quoted = uriOf(r.embed.record) ?? (isJsonObject(r.embed.record) ? uriOf(r.embed.record.record) : undefined);
    if (quoted) row.quote = quoted;
  }
  if (Array.isArray(r.facets)) facets(r.facets, row);
  if (Array.isArray(r.tags)) {
    const tags = r.tags.filter((t): t is string => typeof t === 'string');
    if (tags.length) row.tags = [...new Set([...(row.tags ?? []), ...tags])];
  }
  if (typeof r.list === 'string') row.list = r.list;
  if (typeof r.createdAt === 'string') row.created_at = r.createdAt;
  return row;
}

function facets(list: unknown[], row: FlatRow): void {
  for (const facet of list) {
    if (!isJsonObject(facet) || !Array.isArray(facet.features)) continue;
    for (const f of facet.features) {
      if (!isJsonObject(f) || typeof f.$type !== 'string') continue;
      if (f.$type.endsWith('#mention') && typeof f.did === 'string') (row.mentions ??= []).push(f.did);
      else if (f.$type.endsWith('#link') && typeof f.uri === 'string') (row.links ??= []).push(f.uri);
      else if (f.$type.endsWith('#tag') && typeof f.tag === 'string') (row.tags ??= []).push(f.tag);
    }
  }
}

/** Projects a row onto chosen fields, in the order given; absent fields stay absent. */
export function pick(row: FlatRow, fields: ReadonlyArray<keyof FlatRow>): Partial<FlatRow> {
  const out: Record<string, unknown> = {};
  for (const f of fields) if (row[f] !== undefined) out[f] = row[f];
  return out as Partial<FlatRow>;
}

function uriOf(v: unknown): string | undefined {
  return isJsonObject(v) && typeof v.uri === 'string' ? v.uri : undefined;
}

/** The DID in an at:// URI. */
export function didOfUri(uri: string): string | undefined {
  if (!uri.startsWith('at://')) return undefined;
  const end = uri.indexOf('/', 5);
  const did = end < 0 ? uri.slice(5) : uri.slice(5, end);
  return did.startsWith('did:') ? did : undefined;
}

