import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './helpers.js';
import { openDuck } from '../lib/lake/duck.js';

/** A seeded capture from the generator as lines of bytes; extra bsky-gen options may follow. */
export function genLines(events: number, seed: number, extra: string[] = []): Buffer[] {
  const r = spawnSync(join(ROOT, 'bin', 'bsky-gen'), ['--events', String(events), '--seed', String(seed), '--fast-likers', '4', '--engineering', '0.3', '-q', ...extra], { maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(String(r.stderr));
  return splitLines(r.stdout);
}

export function splitLines(buf: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let at = 0; at < buf.length;) {
    const nl = buf.indexOf(10, at);
    const end = nl < 0 ? buf.length : nl + 1;
    out.push(buf.subarray(at, end));
    at = end;
  }
  return out;
}

/** Splits lines into n consecutive chunks. */
export function chunks(lines: Buffer[], n: number): Buffer[] {
  const size = Math.ceil(lines.length / n);
  return Array.from({ length: n }, (_, i) => Buffer.concat(lines.slice(i * size, (i + 1) * size)));
}

const ev = (o: Record<string, unknown>): Buffer => Buffer.from(JSON.stringify(o) + '\n');
const like = (time: string, did: string, rkey: string, extra: Record<string, unknown> = {}): Buffer => ev({
  time, did, op: 'create', collection: 'app.bsky.feed.like', rkey, cid: `bafy${rkey}`,
  record: { $type: 'app.bsky.feed.like', subject: { cid: 'bafyx', uri: 'at://did:plc:liked/app.bsky.feed.post/1' }, createdAt: time + 'Z', ...extra },
});

/**
 * Canonical events at the edges of what the lake and the SQL metrics must get
 * right: every flattened field, rich records on kinds that are not posts,
 * escapes, zones, identity and account events, updates and deletes, the day
 * boundary, a minute without likes, late likes (beyond --lateness) and likes
 * just within it, a fast liker at exactly 50 likes in [t, t+60 s) and one at
 * 50 likes in 60 s plus 1 us, stop words of a post's language, numbers and
 * one-letter words, a possessive, a did:web.
 */
export function boundaryLines(): Buffer[] {
  const out: Buffer[] = [];
  const post = (time: string, rkey: string, text: string, extra: Record<string, unknown> = {}, op = 'create'): Buffer => ev({
    time, did: 'did:plc:poster', op, collection: 'app.bsky.feed.post', rkey, cid: `bafy${rkey}`,
    record: { $type: 'app.bsky.feed.post', text, createdAt: time + 'Z', ...extra },
  });
  out.push(post('2025-03-16T23:59:58.000000', 'p1', 'Engineering rocks: the ENGINEERING\u2019s new café, 42 x 3.5 #engineering https://x.com/a @bob.bsky.social', {
    langs: ['pt-BR', 'en', 7], tags: ['engineering', 'x', 'x'],
    facets: [
      { features: [{ $type: 'app.bsky.richtext.facet#mention', did: 'did:plc:bob' }] },
      { features: [{ $type: 'app.bsky.richtext.facet#link', uri: 'https://x.com/a' }, { $type: 'app.bsky.richtext.facet#tag', tag: 'engineering' }] },
      'junk',
    ],
    reply: { parent: { uri: 'at://did:plc:p/app.bsky.feed.post/9', cid: 'c' }, root: { uri: 'at://did:plc:r/app.bsky.feed.post/8', cid: 'c' } },
    embed: { $type: 'app.bsky.embed.recordWithMedia', record: { record: { uri: 'at://did:plc:q/app.bsky.feed.post/7' } } },
  }));
  out.push(post('2025-03-16T23:59:59.999999', 'p2', 'engineering e para o mundo, muito bom engineering \u00e9 vida \u4e2d\u6587 \ud83d\ude00', { langs: ['pt'] }));
  out.push(post('2025-03-17T00:00:00.000000', 'p3', 'Software engineering and engineering managers: managers engineering', { embed: { $type: 'app.bsky.embed.images', images: [] } }));
  out.push(post('2025-03-17T00:00:00.000001', 'p3', 'an edited engineering post about compilers', {}, 'update'));
  out.push(ev({ time: '2025-03-17T00:00:01.000000', did: 'did:plc:poster', op: 'delete', collection: 'app.bsky.feed.post', rkey: 'p3' }));
  out.push(post('2025-03-17T00:00:02.000000', 'p4', 42 as unknown as string));
  // Not posts, but with keys SQL leaves to JS.
  out.push(like('2025-03-17T00:00:03.000000', 'did:plc:rich', 'l1', { text: 'a like with text', langs: ['en'] }));
  out.push(ev({ time: '2025-03-17T00:00:03.500000', did: 'did:plc:odd', op: 'create', collection: 'app.bsky.feed.Like', rkey: 'l2', record: { subject: { uri: 'https://not-at/x' } } }));
  out.push(ev({ time: '2025-03-17T00:00:04.000000', did: 'did:plc:f', op: 'create', collection: 'app.bsky.graph.follow', rkey: 'f1', cid: 'bafyf', record: { subject: 'did:plc:g', createdAt: 'x' } }));
  out.push(ev({ time: '2025-03-17T00:00:04.100000', did: 'did:plc:f', op: 'create', collection: 'app.bsky.graph.listitem', rkey: 'i1', record: { subject: 'did:plc:g', list: 'at://did:plc:f/app.bsky.graph.list/1' } }));
  out.push(ev({ time: '2025-03-17T00:00:04.200000', did: 'did:plc:f', op: 'delete', collection: 'app.bsky.graph.follow', rkey: 'f1' }));
  out.push(ev({ time: '2025-03-17T00:00:04.300000', did: 'did:plc:f', op: 'create', collection: 'com.example.thing', rkey: 'e1', record: { subject: { uri: 'at://did:web:example.com/x/1' }, list: 5 } }));
  out.push(ev({ time: '2025-03-17T00:00:04.400000', did: 'did:plc:caf\u00e9', op: 'create', collection: 'app.bsky.feed.repost', rkey: 'r1', record: { subject: { uri: 'at://did:plc:q/app.bsky.feed.post/7' } } }));
  out.push(ev({ time: '2025-03-17T00:00:04.500000Z', did: 'did:plc:zoned', op: 'create', collection: 'app.bsky.feed.like', rkey: 'z1', record: { subject: { uri: 'at://did:plc:q/app.bsky.feed.post/7' } } }));
  out.push(ev({ time: '2025-03-17T00:00:05.000000', did: 'did:plc:x', op: 'identity', record: { did: 'did:plc:x', handle: 'x.test', seq: 1 } }));
  out.push(ev({ time: '2025-03-17T00:00:05.000001', did: 'did:plc:x', op: 'account', record: { active: false, status: 'deactivated' } }));
  out.push(ev({ time: '2025-03-17T00:00:06.000000', did: 'did:web:' + 'w'.repeat(120) + '.example', op: 'create', collection: 'app.bsky.feed.like', rkey: 'w1', record: { subject: { uri: 'at://did:plc:q/app.bsky.feed.post/7' } } }));
  // Records whose subject cannot or must not be left out (record_cut): a second "uri" key, a subject with a quote or an escape,
  // an empty subject, a nested "subject" key, a key ending in uri, a follow whose record also holds "uri":"" elsewhere.
  const odd = (rkey: string, collection: string, record: unknown): Buffer => ev({ time: '2025-03-17T00:00:06.500000', did: 'did:plc:cut', op: 'create', collection, rkey, cid: 'bafyc', record });
  out.push(odd('c1', 'app.bsky.feed.like', { subject: { uri: 'at://did:plc:q/app.bsky.feed.post/7', cid: 'c' }, via: { uri: 'at://did:plc:q/app.bsky.feed.post/7' } }));
  out.push(odd('c2', 'app.bsky.feed.like', { subject: { uri: 'at://did:plc:q/app.bsky.feed.post/"7"' } }));
  out.push(odd('c3', 'app.bsky.feed.like', { subject: { uri: 'at://did:plc:q/app.bsky.feed.post/\u00e9\n' } }));
  out.push(odd('c4', 'app.bsky.feed.like', { subject: { uri: '' } }));
  out.push(odd('c5', 'app.bsky.graph.follow', { subject: 'did:plc:g', nested: { subject: 'did:plc:g' } }));
  out.push(odd('c6', 'app.bsky.graph.follow', { subject: 'did:plc:g', embed2: { uri: '' }, 'x"uri': 'did:plc:g' }));
  out.push(odd('c7', 'app.bsky.graph.block', { 'a"subject': 'y', subject: 'did:plc:g' }));
  out.push(odd('c8', 'app.bsky.feed.like', { subject: { cid: 'c', uri: 'at://did:plc:q/app.bsky.feed.post/8' }, createdAt: '2025-03-17T00:00:06.500Z' }));
  out.push(odd('c9', 'app.bsky.graph.follow', { subject: 'did:plc:\u00e9' }));
  // A fast liker at exactly 50 likes in [t, t + 60 s), one at 50 likes over 60 s and 1 us.
  for (let i = 0; i < 50; i++) out.push(like(`2025-03-17T00:01:${String(Math.min(59, i)).padStart(2, '0')}.${i === 49 ? '999999' : '000000'}`, 'did:plc:exact50', `e${i}`));
  for (let i = 0; i < 50; i++) out.push(like(i === 49 ? '2025-03-17T00:02:00.000001' : `2025-03-17T00:01:00.${String(i).padStart(6, '0')}`, 'did:plc:miss50', `m${i}`));
  // Nothing in minute 00:03; then late likes: 2 min behind the newest like (late), 59 s behind (kept).
  for (let i = 0; i < 60; i++) out.push(like(`2025-03-17T00:04:${String(i).padStart(2, '0')}.000000`, 'did:plc:steady', `s${i}`));
  for (let i = 0; i < 30; i++) out.push(like(`2025-03-17T00:02:10.${String(i).padStart(6, '0')}`, 'did:plc:late', `late${i}`));
  for (let i = 0; i < 50; i++) out.push(like(`2025-03-17T00:04:00.${String(i).padStart(6, '0')}`, 'did:plc:withinlateness', `w${i}`));
  return out;
}

/** Rows of a query over the lake's Parquet files read directly (not through bsky-sql's views). */
export async function lakeQuery(lake: string, select: (files: string) => string): Promise<Array<Record<string, unknown>>> {
  const { db, close } = await openDuck();
  try {
    const files = `read_parquet('${join(lake, 'events', '**', '*.parquet')}', hive_partitioning = true, union_by_name = true)`;
    const r = await db.runAndReadAll(select(files));
    return r.getRowObjectsJson() as Array<Record<string, unknown>>;
  } finally {
    close();
  }
}

/** The (did, collection, rkey, op, time) of every event in a folder's spool and archive, sorted: what the lake must hold once each. */
export function spooledKeys(dir: string): string[] {
  const keys: string[] = [];
  const spool = join(dir, 'spool');
  const files: string[] = [];
  const walk = (d: string): void => {
    if (!existsSync(d)) return;
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (/^seg-.*\.ndjson$/.test(e.name)) files.push(join(d, e.name));
    }
  };
  walk(spool);
  for (const f of files) {
    for (const line of readFileSync(f, 'utf8').split('\n')) {
      if (!line) continue;
      const e = JSON.parse(line) as Record<string, string>;
      keys.push(key(e));
    }
  }
  return keys.sort();
}

export function key(e: Record<string, unknown>): string {
  return [e.did, e.collection ?? '', e.rkey ?? '', e.op, e.time].join(' ');
}

/** The same key from lake rows (time back to its canonical text). */
export const LAKE_KEY = `did || ' ' || coalesce(collection, '') || ' ' || coalesce(rkey, '') || ' ' || op || ' ' || coalesce(time_text, strftime(time, '%Y-%m-%dT%H:%M:%S.%f'))`;
