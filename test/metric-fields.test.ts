import test from 'tape';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Fold } from '../lib/metrics/fold.js';
import { byCountThenLabel, defineMetric, isLike, pairs, type Metric, type MetricRow } from '../lib/metrics/metric.js';
import { METRICS, parseParams } from '../lib/metrics/registry.js';
import { metricLines } from '../lib/metrics/run.js';
import { foldSegment } from '../lib/periodic/fold-segment.js';
import { flatten, type FlatRow } from '../lib/rows/flatten.js';
import type { BskyEvent } from '../lib/events/event.js';
import { sh, tempDir } from './helpers.js';

/**
 * A metric that reads a field the fast paths used not to give (subject_did),
 * defined here and folded by the code bsky-metric and periodic run
 * (metricLines, foldSegment), next to the built-in ones.
 */
const likedAuthors = defineMetric<{ params: unknown; counts: Map<string, number> }, Array<[string, number]>>({
  name: 'liked-authors',
  aliases: [],
  description: 'likes received per author of the liked record',
  version: 1,
  columns: ['author', 'likes'],
  params: [],
  fields: ['kind', 'op', 'subject_did'],
  kinds: ['like'],
  file: () => 'liked-authors.csv',
  create: (params) => ({ params, counts: new Map() }),
  add(s, row) {
    if (!isLike(row) || row.subject_did === undefined) return;
    s.counts.set(row.subject_did, (s.counts.get(row.subject_did) ?? 0) + 1);
  },
  result: (s) => [...s.counts].map(([author, likes]) => ({ author, likes })).sort(byCountThenLabel('likes', 'author')),
  saveData: (s) => [...s.counts],
  loadData: (data, params) => ({ params, counts: new Map(pairs<string>(data, 'counts')) }),
});

/** The same thing from canonical events, written without flatten, the fast paths or the metric code. */
function naiveLikedAuthors(events: Array<Record<string, any>>): MetricRow[] {
  const counts: Record<string, number> = {};
  for (const e of events) {
    if (e.op !== 'create' || e.collection !== 'app.bsky.feed.like') continue;
    const uri = e.record?.subject?.uri;
    if (typeof uri !== 'string' || !uri.startsWith('at://did:')) continue;
    const did = uri.slice(5).split('/')[0];
    counts[did] = (counts[did] ?? 0) + 1;
  }
  return Object.entries(counts).map(([author, likes]) => ({ author, likes })).sort(byCountThenLabel('likes', 'author'));
}

/** The same object with its keys in reverse order: no fast path takes it, JSON.parse does. */
function reversed(line: string): string {
  const o = JSON.parse(line) as Record<string, unknown>;
  return JSON.stringify(Object.fromEntries(Object.entries(o).reverse()));
}

const params = parseParams({});
const { dir, cleanup } = tempDir();
const r = sh('bsky-gen -q --seed 5 -n 20000 | bsky-parse -q > events.ndjson && bsky-flatten -q < events.ndjson > rows.ndjson && cat events.ndjson', { cwd: dir });
const eventLines = r.stdout.split('\n').filter((l) => l.length > 0);
const events = eventLines.map((l) => JSON.parse(l) as Record<string, any>);
const rowLines = sh('cat rows.ndjson', { cwd: dir }).stdout.split('\n').filter((l) => l.length > 0);
const likes = events.filter((e) => e.collection === 'app.bsky.feed.like').length;
const posts = events.filter((e) => e.collection === 'app.bsky.feed.post').length;

/** bsky-metric's fold over these row lines: every metric's output, and how many rows the fast path read. */
function metricRun(metrics: Array<Metric<any>>, lines: string[]) {
  const states = new Map<Metric<any>, unknown>(metrics.map((m) => [m, m.create(params)]));
  const tool = metricLines(metrics, states, undefined, { strict: true });
  for (const line of lines) if (tool.line(line, undefined as never, () => undefined, false) !== undefined) throw new Error(`rejected: ${line}`);
  return { results: metrics.map((m) => m.result(states.get(m))), fast: tool.fast, rows: tool.rows };
}

/** periodic's fold of one segment holding these event lines. */
async function periodicRun(metrics: Array<Metric<any>>, lines: string[]) {
  const states = new Map<Metric<any>, unknown>(metrics.map((m) => [m, m.create(params)]));
  const path = join(dir, 'segment.ndjson');
  writeFileSync(path, lines.join('\n') + '\n');
  const counts = await foldSegment(path, 'segment.ndjson', states, (_ref, reason) => {
    throw new Error(reason);
  }, { strict: true });
  return { results: metrics.map((m) => m.result(states.get(m))), fast: counts.fast, events: counts.events };
}

test('metric fields: the generated capture holds likes with subjects and posts', (t) => {
  t.equal(r.code, 0, r.stderr);
  t.ok(likes > 1000 && posts > 1000, `${likes} likes, ${posts} posts`);
  t.equal(rowLines.length, events.length, 'one row per event');
  t.ok(naiveLikedAuthors(events).length > 100, 'many liked authors');
  t.end();
});

test('metric fields: bsky-metric gives a metric reading subject_did the naive result on its fast and full paths', (t) => {
  const all = [likedAuthors, ...METRICS];
  const fast = metricRun(all, rowLines);
  t.deepEqual(fast.results[0], naiveLikedAuthors(events), 'fast path: equal to the naive count');
  t.equal(fast.fast, events.length - posts, 'every row but posts was read by the fast path');
  const full = metricRun(all, rowLines.map(reversed));
  t.equal(full.fast, 0, 'reordered keys: no row was read by the fast path');
  t.deepEqual(full.results, fast.results, 'full path: every metric equal to the fast path');
  t.end();
});

test('metric fields: periodic gives a metric reading subject_did the naive result, the head-only path stepping aside for likes', async (t) => {
  const all = [likedAuthors, ...METRICS];
  const fast = await periodicRun(all, eventLines);
  t.deepEqual(fast.results[0], naiveLikedAuthors(events), 'equal to the naive count');
  t.equal(fast.fast, events.length - posts - likes, 'likes and posts parsed whole, every other event read from its head');
  const full = await periodicRun(all, eventLines.map(reversed));
  t.equal(full.fast, 0, 'reordered keys: every event parsed whole');
  t.deepEqual(full.results, fast.results, 'full path: every metric equal');
  const bsky = metricRun(all, rowLines);
  t.deepEqual(fast.results, bsky.results, 'periodic and bsky-metric agree on every metric');
});

test('metric fields: the built-in metrics keep the fast paths for every row but posts', async (t) => {
  const builtIn = [...METRICS];
  const metric = metricRun(builtIn, rowLines);
  t.equal(metric.fast, events.length - posts, 'bsky-metric: fast path for every row but posts');
  const periodic = await periodicRun(builtIn, eventLines);
  t.equal(periodic.fast, events.length - posts, 'periodic: head-only path for every event but posts');
  t.deepEqual(periodic.results, metric.results, 'same results');
});

test('metric fields: a metric reading a field it does not declare fails loudly in strict mode', (t) => {
  const sneaky = { ...likedAuthors, name: 'sneaky', fields: ['kind', 'op'] } as Metric<any>;
  const row: FlatRow = { time: '2025-03-16T12:00:00.000000', kind: 'like', op: 'create', did: 'did:plc:a', subject_did: 'did:plc:b' };
  const fold = new Fold(new Map([[sneaky, sneaky.create(params)]]), { strict: true });
  t.throws(() => fold.add(row), /metric sneaky read the field 'subject_did' of a like row, which it does not declare/);
  const outside = { ...likedAuthors, name: 'outside', kinds: ['post'] } as Metric<any>;
  const fold2 = new Fold(new Map([[outside, outside.create(params)]]), { strict: true });
  t.throws(() => fold2.add(row), /metric outside read the field 'subject_did' of a like row/, 'a field read from a kind the metric does not list');
  const lax = new Fold(new Map([[sneaky, sneaky.create(params)]]), { strict: false });
  t.doesNotThrow(() => lax.add(row), 'without strict mode: no check (the speed of a run)');
  t.end();
});

test('metric fields: every built-in metric declares the fields it reads', (t) => {
  for (const m of METRICS) t.ok(m.fields.length > 0, `${m.name}: ${m.fields.join(', ')}${m.kinds ? ` of ${m.kinds.join(', ')}` : ''}`);
  t.end();
});

test('metric fields: periodic reads a segment in pieces of 1 MB: lines across pieces and one longer than a piece fold as the lines do one by one', async (t) => {
  const post = events.find((e) => e.collection === 'app.bsky.feed.post' && typeof e.record?.text === 'string')!;
  const big = JSON.stringify({ ...post, rkey: 'big', record: { ...post.record, text: `engineering ${'word '.repeat(600_000)}` } });
  t.ok(big.length > 2.5 * (1 << 20), `a line of ${big.length} bytes`);
  const lines = [...eventLines.slice(0, 5000), big, ...eventLines.slice(5000)];
  const got = await periodicRun([...METRICS], lines);
  const states = new Map<Metric<any>, unknown>(METRICS.map((m) => [m, m.create(params)]));
  const fold = new Fold(states, { strict: true });
  for (const line of lines) fold.add(flatten(JSON.parse(line) as BskyEvent));
  t.equal(got.events, lines.length, 'every line an event');
  t.deepEqual(got.results, METRICS.map((m) => m.result(states.get(m))), 'every metric as folded line by line');
  t.end();
});

test('metric fields: clean up', (t) => {
  cleanup();
  t.end();
});
