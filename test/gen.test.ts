import test from 'tape';
import { createRequire } from 'node:module';
import { Capture, MIX, generateCapture, generateLines, resolveOptions, type GenOptions } from '../lib/gen/generate.js';
import { burstTimes, planPeriod } from '../lib/gen/bursts.js';
import { didOf, randomCid, tid, WallClock } from '../lib/gen/ids.js';
import { Rng } from '../lib/gen/rng.js';
import { TOPIC } from '../lib/gen/vocab.js';

type Obj = Record<string, any>;
const stopwords = createRequire(import.meta.url)('stopwords-iso') as Record<string, string[]>;
const lines = (o: GenOptions): string[] => [...generateLines(o)].map((l) => (typeof l === 'string' ? l : l.toString('latin1')));
const parsed = (o: GenOptions): Obj[] => lines(o).map((l) => JSON.parse(l) as Obj);

/** Largest number of an account's likes inside any window [t, t+60 s): the spec's definition, computed naively. */
function maxLikesPerMinute(times: number[]): number {
  times.sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i] - times[j] >= 60_000_000) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

/** Python's json.dumps(value, ensure_ascii=False), for the values a capture holds. */
function pyDumps(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(pyDumps).join(', ')}]`;
  if (v !== null && typeof v === 'object') return `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}: ${pyDumps(x)}`).join(', ')}}`;
  return JSON.stringify(v);
}

const wall = (ts: string): number => Date.parse(ts.slice(0, 23) + 'Z') * 1000 + Number(ts.slice(23, 26));

test('gen: the same options give the same bytes; another seed gives others', (t) => {
  const a = generateCapture({ events: 3000, seed: 'x', badRate: 0.01, dupRate: 0.01 });
  t.ok(a.equals(generateCapture({ events: 3000, seed: 'x', badRate: 0.01, dupRate: 0.01 })));
  t.notOk(a.equals(generateCapture({ events: 3000, seed: 'y', badRate: 0.01, dupRate: 0.01 })));
  t.end();
});

test('gen: take-home lines have the script key order, Python separators and prev null', (t) => {
  const key = /^\{"timestamp": "\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}", "action": "create", "path": "app\.bsky\.[a-z.]+\/([a-z2-7]{13}|self)", "cid": "bafyrei[a-h][a-z2-7]{50}[aeimquy4]", "prev": null, "py_type": "com\.atproto\.sync\.subscribeRepos#repoOp", "record": \{"\$type": .*\}, "repo": "did:plc:[a-z2-7]{24}"\}$/;
  const all = lines({ events: 5000 });
  t.equal(all.filter((l) => !key.test(l)).length, 0, 'every line matches');
  t.equal(all.filter((l) => pyDumps(JSON.parse(l)) !== l).length, 0, 'every line is what json.dumps(ensure_ascii=False) prints');
  t.end();
});

test('gen: timestamps start at --start, never go down, and createdAt is a little earlier', (t) => {
  const events = parsed({ events: 5000, start: '2025-01-02T03:04:05.5' });
  t.equal(events[0].timestamp, '2025-01-02T03:04:05.500000');
  let down = 0;
  let close = 0;
  for (let i = 0; i < events.length; i++) {
    if (i > 0 && events[i].timestamp < events[i - 1].timestamp) down++;
    const lag = wall(events[i].timestamp) - Date.parse(events[i].record.createdAt) * 1000;
    if (lag > 0 && lag < 60_000_000) close++;
  }
  t.equal(down, 0);
  t.ok(close / events.length > 0.95 && close < events.length, `createdAt mostly 0-60 s earlier, some far off (${close}/${events.length})`);
  t.end();
});

test('gen: the kind mix is within 1.5 points of the target, and --rate sets the pace', (t) => {
  const events = parsed({ events: 20000, fastLikers: 0, rate: 500 });
  for (const [collection, share] of MIX) {
    const n = events.filter((e) => e.path.startsWith(collection + '/')).length;
    t.ok(Math.abs(n / events.length - share) < 0.015, `${collection}: ${(n / events.length).toFixed(3)} vs ${share}`);
  }
  const span = (wall(events[events.length - 1].timestamp) - wall(events[0].timestamp)) / 1e6;
  t.ok(span > 36 && span < 44, `20000 events at 500/s last about 40 s (${span.toFixed(1)})`);
  t.end();
});

test('gen: rkeys are unique per account and collection, and records look as in the capture', (t) => {
  const events = parsed({ events: 20000, seed: 4 });
  const keys = new Set(events.map((e) => `${e.repo} ${e.path}`));
  t.equal(keys.size, events.length);
  const like = events.find((e) => e.path.startsWith('app.bsky.feed.like/'))!;
  t.deepEqual(Object.keys(like.record), ['$type', 'subject', 'createdAt']);
  t.match(like.record.subject.uri, /^at:\/\/did:plc:[a-z2-7]{24}\/app\.bsky\.feed\.post\/[2-7a-z]{13}$/);
  const follow = events.find((e) => e.path.startsWith('app.bsky.graph.follow/'))!;
  t.match(follow.record.subject, /^did:plc:[a-z2-7]{24}$/);
  const posts = events.filter((e) => e.path.startsWith('app.bsky.feed.post/')).map((e) => e.record);
  const langs = new Set(posts.flatMap((p) => p.langs ?? []));
  for (const l of ['en', 'es', 'de', 'fr', 'pt', 'ja']) t.ok(langs.has(l), `posts in ${l}`);
  for (const type of ['images', 'external', 'record', 'video']) t.ok(posts.some((p) => p.embed?.$type === `app.bsky.embed.${type}`), `${type} embeds`);
  t.ok(posts.some((p) => p.reply?.root && p.reply?.parent), 'replies');
  t.ok(JSON.stringify(posts).includes('"<binary>"'), 'blobs as "<binary>"');
  for (const type of ['mention', 'link', 'tag']) t.ok(posts.some((p) => p.facets?.some((f: Obj) => f.features[0].$type.endsWith('#' + type))), `${type} facets`);
  t.end();
});

test('gen: facet byte offsets point at the mention, link or tag in the text', (t) => {
  const posts = parsed({ events: 20000, seed: 6 }).filter((e) => e.record.facets).map((e) => e.record);
  let checked = 0;
  for (const p of posts) {
    const bytes = Buffer.from(p.text);
    for (const f of p.facets) {
      const shown = bytes.subarray(f.index.byteStart, f.index.byteEnd).toString();
      const feature = f.features[0];
      if (feature.$type.endsWith('#tag')) t.equal(shown, '#' + feature.tag);
      else if (feature.$type.endsWith('#mention')) t.match(shown, /^@[a-z0-9-]+\.bsky\.social$/);
      else t.ok(feature.uri.includes(shown.replace(/\.\.\.$/, '')), 'link text is the URI or its start');
      checked++;
    }
  }
  t.ok(checked > 100, `${checked} facets checked`);
  t.end();
});

test('gen: engineering posts use varied forms, near misses never contain the word', (t) => {
  const texts = parsed({ events: 30000, engineering: 0.2 }).filter((e) => e.record.text !== undefined).map((e) => e.record.text as string);
  const word = /(^|[^\p{L}\p{N}_'])engineering([^\p{L}\p{N}_']|$)/iu;
  for (const form of ['Engineering', 'ENGINEERING!', '#engineering', "engineering's"]) t.ok(texts.some((x) => x.includes(form)), `has ${form}`);
  for (const miss of ['reengineering', 'engineer ', 'engineers', 'engineered']) t.ok(texts.some((x) => x.includes(miss) && !word.test(x)), `has ${miss} alone`);
  t.ok(texts.some((x) => /https?:\/\//.test(x)) && texts.some((x) => /\d/.test(x)), 'URLs and numbers');
  const share = texts.filter((x) => word.test(x)).length / texts.length;
  t.ok(share > 0.17 && share < 0.23, `--engineering 0.2 gives about 20% (${share.toFixed(3)})`);
  const none = parsed({ events: 5000, engineering: 0 }).filter((e) => /engineer/i.test(e.record.text ?? ''));
  t.equal(none.length, 0, '--engineering 0: none at all');
  t.end();
});

test('gen: the topic words of engineering posts are not stop words', (t) => {
  const en = new Set(stopwords.en);
  t.deepEqual(TOPIC.filter((w) => en.has(w)), []);
  t.end();
});

test('gen: exactly the fast likers have 50 or more likes within 60 s; near misses stay at 49 or below', (t) => {
  const c = new Capture({ events: 60000, seed: 8, fastLikers: 4 });
  const likes = new Map<string, number[]>();
  for (let l = c.next(); l !== undefined; l = c.next()) {
    const e = JSON.parse(l as string) as Obj;
    if (e.path.startsWith('app.bsky.feed.like/')) (likes.get(e.repo) ?? likes.set(e.repo, []).get(e.repo)!).push(wall(e.timestamp));
  }
  const fast = [...likes].filter(([, ts]) => maxLikesPerMinute(ts) >= 50).map(([did]) => did).sort();
  t.deepEqual(fast, [...c.fastLikers].sort());
  t.equal(c.fastLikers.length, 4);
  t.ok(c.fastLikers.every((d) => maxLikesPerMinute(likes.get(d)!) > 50), 'more than 50');
  t.deepEqual(c.nearMisses.map((d) => maxLikesPerMinute(likes.get(d)!) >= 45 && maxLikesPerMinute(likes.get(d)!) <= 49), [true, true, true, true], 'near misses: 45 to 49');
  t.equal(new Capture({ events: 1000, fastLikers: 0 }).fastLikers.length, 0);
  t.deepEqual([200, 300, 1300].map((events) => new Capture({ events }).fastLikers.length), [0, 1, 3], 'bursts take at most a quarter of a short capture');
  t.end();
});

test('gen: bursts of one account are more than 60 s apart; a slow near miss spans more than 60 s', (t) => {
  const bursts = [0, 1, 2].flatMap((k) => planPeriod('s', k, 2, 0, Infinity));
  for (const b of bursts.filter((x) => x.kind === 'near50slow')) {
    const times = burstTimes(b);
    t.ok(times[times.length - 1] - times[0] > 60_000_000 && times.length === 50);
  }
  for (let a = 0; a < 4; a++) {
    const mine = bursts.filter((b) => b.account === a).sort((x, y) => x.start - y.start);
    for (let i = 1; i < mine.length; i++) t.ok(mine[i].start - (mine[i - 1].start + mine[i - 1].duration) > 60_000_000);
  }
  t.end();
});

test('gen: ids have the firehose shapes', (t) => {
  const rng = new Rng(1);
  t.match(didOf(12, 3), /^did:plc:[a-z2-7]{24}$/);
  t.equal(didOf(12, 3), didOf(12, 3));
  t.match(randomCid(rng), /^bafyrei[a-h][a-z2-7]{50}[aeimquy4]$/);
  t.match(randomCid(rng, true), /^bafkrei/);
  t.equal(tid(1742131613075991, 0).length, 13);
  t.ok(tid(1742131613075991, 5) < tid(1742131613075992, 0), 'TIDs sort by time');
  t.equal(tid(1742131612307000, 0).slice(0, 7), '3lkiqjy', 'as in the real capture');
  t.equal(new WallClock().micros(1742131613075991), '2025-03-16T13:26:53.075991');
  t.equal(new WallClock().millisZ(1742131613075991), '2025-03-16T13:26:53.075Z');
  t.end();
});

test('gen: Jetstream lines have the Jetstream shape, with some identity, account and delete events', (t) => {
  const events = parsed({ events: 20000, format: 'jetstream' });
  t.deepEqual(Object.keys(events[0]), ['did', 'time_us', 'kind', 'commit']);
  t.deepEqual(Object.keys(events.find((e) => e.commit?.operation === 'create')!.commit), ['rev', 'operation', 'collection', 'rkey', 'record', 'cid']);
  for (const kind of ['identity', 'account']) t.ok(events.some((e) => e.kind === kind && e[kind].did === e.did), kind);
  t.ok(events.some((e) => e.commit?.operation === 'delete' && e.commit.record === undefined), 'deletes');
  t.ok(events.every((e, i) => i === 0 || e.time_us >= events[i - 1].time_us), 'time_us never goes down');
  t.end();
});

test('gen: options out of range are refused with the flag named', (t) => {
  t.throws(() => resolveOptions({ rate: 0 }), /--rate/);
  t.throws(() => resolveOptions({ badRate: 1 }), /--bad-rate/);
  t.throws(() => resolveOptions({ events: 1.5 }), /--events/);
  t.throws(() => resolveOptions({ start: 'yesterday' }), /--start/);
  t.equal(resolveOptions({ events: 100 }).users, 1000);
  t.equal(resolveOptions({ events: 1e8 }).users, 1_000_000);
  t.end();
});
