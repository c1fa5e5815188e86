import test from 'tape';
import { Fold } from '../lib/metrics/fold.js';
import type { Params } from '../lib/metrics/metric.js';
import { eventsPerMinute, likesPerMinute } from '../lib/metrics/per-minute.js';
import { postsByHour, postsByWeekday } from '../lib/metrics/posts-by-time.js';
import { allParams, findMetric, METRICS, parseParams } from '../lib/metrics/registry.js';
import { topLangs, topWords } from '../lib/metrics/top-words.js';
import type { Metric } from '../lib/metrics/metric.js';
import type { FlatRow } from '../lib/rows/flatten.js';

const row = (time: string, kind = 'like', op = 'create', extra: Partial<FlatRow> = {}): FlatRow => ({ time, kind, op, did: 'did:plc:a', ...extra });

function run(m: Metric<any>, rows: FlatRow[], raw: Record<string, unknown> = {}) {
  const params: Params = parseParams(raw);
  const s = m.create(params);
  // Strict: a metric reading a field it does not declare throws.
  const fold = new Fold(new Map([[m, s]]), { strict: true });
  for (const r of rows) fold.add(r);
  return m.result(s);
}

test('likes-per-minute: one row per minute from the first to the last, a gap minute is 0', (t) => {
  const rows = [row('2025-03-16T13:26:53.075991'), row('2025-03-16T13:26:00.000000'), row('2025-03-16T13:28:59.999999'), row('2025-03-16T13:27:10', 'post'), row('2025-03-16T13:27:10', 'like', 'delete')];
  t.deepEqual(run(likesPerMinute, rows), [
    { time: '2025-03-16 13:26:00', likes: 2 }, { time: '2025-03-16 13:27:00', likes: 0 }, { time: '2025-03-16 13:28:00', likes: 1 },
  ]);
  t.deepEqual(run(likesPerMinute, []), [], 'no likes, no rows');
  t.end();
});

test('likes-per-minute: rows out of order and across midnight land in their minute, and zone suffixes keep their clock', (t) => {
  const rows = [row('2025-03-17T00:00:01+01:00'), row('2025-03-16T23:59:59.5Z')];
  t.deepEqual(run(likesPerMinute, rows), [{ time: '2025-03-16 23:59:00', likes: 1 }, { time: '2025-03-17 00:00:00', likes: 1 }]);
  t.end();
});

test('events-per-minute: counts rows of every kind and operation', (t) => {
  t.deepEqual(run(eventsPerMinute, [row('2025-03-16T13:26:00'), row('2025-03-16T13:26:01', 'post', 'delete'), row('2025-03-16T13:26:02', 'identity', 'identity')]), [{ time: '2025-03-16 13:26:00', events: 3 }]);
  t.end();
});

test('posts-by-hour and posts-by-weekday: all 24 and all 7 rows, posts created only', (t) => {
  const rows = [row('2025-03-16T13:00:00', 'post'), row('2025-03-17T00:59:59.999999', 'post'), row('2025-03-16T13:00:00', 'post', 'update'), row('2025-03-16T13:00:00')];
  const hours = run(postsByHour, rows);
  t.equal(hours.length, 24);
  t.deepEqual(hours[0], { hour: '00', posts: 1 });
  t.deepEqual(hours[13], { hour: '13', posts: 1 });
  t.equal(hours.reduce((n, r) => n + (r.posts as number), 0), 2);
  const days = run(postsByWeekday, rows);
  t.deepEqual(days.map((r) => r.weekday), ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun']);
  t.deepEqual(days.filter((r) => r.posts).map((r) => r.weekday), ['Mon', 'Sun'], '2025-03-16 was a Sunday');
  t.deepEqual(run(postsByWeekday, [row('1969-12-31T23:00:00', 'post')]).filter((r) => r.posts)[0].weekday, 'Wed', 'times before 1970 too');
  t.end();
});

test('top-words: posts counted once per word, ties by word, --top and --keyword apply', (t) => {
  const post = (text: string): FlatRow => row('2025-03-16T13:00:00', 'post', 'create', { text, langs: ['en'] });
  const rows = [post('Engineering rust rust'), post('engineering rust zig'), post('engineering zig'), post('rust alone'), post('ENGINEERING! ada')];
  t.deepEqual(run(topWords, rows), [{ word: 'rust', count: 2 }, { word: 'zig', count: 2 }, { word: 'ada', count: 1 }]);
  t.deepEqual(run(topWords, rows, { top: 1 }), [{ word: 'rust', count: 2 }]);
  t.deepEqual(run(topWords, rows, { keyword: 'zig' }), [{ word: 'engineering', count: 2 }, { word: 'rust', count: 1 }]);
  t.end();
});

test('top-langs: primary subtags, once per post', (t) => {
  const post = (langs: string[]): FlatRow => row('2025-03-16T13:00:00', 'post', 'create', { text: 'x', langs });
  t.deepEqual(run(topLangs, [post(['en']), post(['en-US', 'en']), post(['pt-BR']), post([])]), [{ lang: 'en', posts: 2 }, { lang: 'pt', posts: 1 }]);
  t.end();
});

test('registry: names, aliases, file names and columns as the spec has them', (t) => {
  const p = parseParams({});
  const files = Object.fromEntries(METRICS.map((m) => [m.name, [m.file(p), m.columns.join(',')]]));
  t.deepEqual(files['likes-per-minute'], ['likes-per-minutes.csv', 'time,likes']);
  t.deepEqual(files['fast-likers'], ['fast-likers.csv', 'user_id,likes']);
  t.deepEqual(files['top-words'], ['top-10-word.csv', 'word,count']);
  t.deepEqual(files['posts-by-hour'], ['posts-by-hour.csv', 'hour,posts']);
  t.deepEqual(files['posts-by-weekday'], ['posts-by-weekday.csv', 'weekday,posts']);
  t.equal(topWords.file(parseParams({ top: 25 })), 'top-25-word.csv');
  t.equal(findMetric('top-10-word'), topWords);
  t.equal(findMetric('nope'), undefined);
  t.deepEqual(allParams().map((x) => x.flag), ['min-likes', 'within', 'lateness', 'keyword', 'top']);
  t.throws(() => parseParams({ minLikes: 0 }), /--min-likes: expected a whole number at least 1, got 0/);
  t.throws(() => parseParams({ within: 'soon' }), /--within: expected a duration above 0 and at most 1d/);
  t.throws(() => parseParams({ within: '0' }), /--within: expected a duration above 0 and at most 1d/);
  t.throws(() => parseParams({ keyword: 'two words' }), /--keyword: 'two words' is not a single word/);
  t.end();
});

test('metrics: every state survives JSON and gives the same result', (t) => {
  const rows = [row('2025-03-16T13:26:53'), row('2025-03-16T13:29:00', 'post', 'create', { text: 'engineering rust', langs: ['en'] })];
  const params = parseParams({});
  for (const m of METRICS) {
    const s = m.create(params);
    const fold = new Fold(new Map([[m, s]]), { strict: true });
    for (const r of rows) fold.add(r);
    const back = m.load(JSON.parse(JSON.stringify(m.save(s))), params);
    t.deepEqual(m.result(back), m.result(s), m.name);
  }
  t.end();
});
