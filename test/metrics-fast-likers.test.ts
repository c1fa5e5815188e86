import test from 'tape';
import { Fold } from '../lib/metrics/fold.js';
import { fastLikers } from '../lib/metrics/fast-likers.js';
import { StateError } from '../lib/metrics/metric.js';
import { parseParams } from '../lib/metrics/registry.js';
import type { FlatRow } from '../lib/rows/flatten.js';
import { formatWall } from '../lib/time.js';
import { random } from './reference/gen.js';

const T0 = Date.UTC(2025, 2, 16, 13, 0, 0) * 1000;
const like = (did: string, us: number, op = 'create'): FlatRow => ({ time: formatWall(us), kind: 'like', op, did });
/** n likes evenly from `from`, the last at `from + spanUs`. */
const burst = (did: string, n: number, from: number, spanUs: number): FlatRow[] =>
  Array.from({ length: n }, (_, i) => like(did, from + Math.round((spanUs * i) / Math.max(1, n - 1))));

function run(rows: FlatRow[], raw: Record<string, unknown> = {}) {
  const s = fastLikers.create(parseParams(raw));
  const fold = new Fold(new Map([[fastLikers, s]]), { strict: true });
  for (const r of rows) fold.add(r);
  return { rows: fastLikers.result(s), late: s.late, state: s };
}

test('fast-likers: 50 likes in 59.5 s make a fast liker', (t) => {
  t.deepEqual(run(burst('did:plc:a', 50, T0, 59_500_000)).rows, [{ user_id: 'did:plc:a', likes: 50 }]);
  t.end();
});

test('fast-likers: 50 likes spanning exactly 60 s do not, the window being [t, t+60 s)', (t) => {
  t.deepEqual(run(burst('did:plc:a', 50, T0, 60_000_000)).rows, []);
  t.deepEqual(run(burst('did:plc:a', 50, T0, 59_999_999)).rows, [{ user_id: 'did:plc:a', likes: 50 }], 'one microsecond less does');
  t.end();
});

test('fast-likers: 49 likes are not enough', (t) => {
  t.deepEqual(run(burst('did:plc:a', 49, T0, 1_000_000)).rows, []);
  t.end();
});

test('fast-likers: a burst of 60 likes straddling a minute boundary counts as 60', (t) => {
  t.deepEqual(run(burst('did:plc:a', 60, T0 + 30_000_000, 50_000_000)).rows, [{ user_id: 'did:plc:a', likes: 60 }]);
  t.end();
});

test('fast-likers: likes is the largest count in any window, over several bursts', (t) => {
  const rows = [...burst('did:plc:a', 55, T0, 10_000_000), ...burst('did:plc:a', 70, T0 + 300_000_000, 30_000_000)];
  t.deepEqual(run(rows).rows, [{ user_id: 'did:plc:a', likes: 70 }]);
  t.end();
});

test('fast-likers: sorted by likes descending, then user_id', (t) => {
  const rows = [...burst('did:plc:c', 50, T0, 1e6), ...burst('did:plc:b', 50, T0, 1e6), ...burst('did:plc:a', 51, T0, 1e6)];
  t.deepEqual(run(rows).rows.map((r) => r.user_id), ['did:plc:a', 'did:plc:b', 'did:plc:c']);
  t.end();
});

test('fast-likers: deletes, updates and other kinds are not counted', (t) => {
  const rows = burst('did:plc:a', 50, T0, 1e6).map((r, i) => (i === 0 ? { ...r, op: 'delete' } : i === 1 ? { ...r, kind: 'repost' } : r));
  t.deepEqual(run(rows).rows, []);
  t.end();
});

test('fast-likers: likes out of order within the lateness are counted exactly', (t) => {
  const rows = burst('did:plc:a', 50, T0, 50_000_000).reverse();
  t.deepEqual(run(rows).rows, [{ user_id: 'did:plc:a', likes: 50 }]);
  t.equal(run(rows).late, 0);
  t.end();
});

test('fast-likers: a like older than the newest minus --lateness is late: counted, not folded in', (t) => {
  const rows = [...burst('did:plc:a', 49, T0 + 400_000_000, 1e6), like('did:plc:b', T0 + 500_000_000), like('did:plc:a', T0 + 399_000_000)];
  const r = run(rows, { lateness: '100s' });
  t.equal(r.late, 1);
  t.deepEqual(r.rows, [], 'the late like does not make a 50th');
  const ok = run(rows, { lateness: '101s' });
  t.equal(ok.late, 0, 'exactly --lateness behind the newest is not late');
  t.deepEqual(ok.rows, [{ user_id: 'did:plc:a', likes: 50 }]);
  t.equal(run([like('did:plc:a', T0 + 1), like('did:plc:a', T0)], { lateness: '0' }).late, 1, '--lateness 0: any step back is late');
  t.end();
});

test('fast-likers: --min-likes and --within change the rule', (t) => {
  const rows = burst('did:plc:a', 10, T0, 9_000_000);
  t.deepEqual(run(rows, { minLikes: 10, within: '10s' }).rows, [{ user_id: 'did:plc:a', likes: 10 }]);
  t.deepEqual(run(rows, { minLikes: 10, within: '9s' }).rows, [], 'the 10th like falls at exactly 9 s');
  t.deepEqual(run(rows, { minLikes: 9, within: '9s' }).rows, [{ user_id: 'did:plc:a', likes: 9 }]);
  t.end();
});

test('fast-likers: idle users are forgotten and a best count is stored only from min-likes', (t) => {
  const rows: FlatRow[] = [];
  for (let u = 0; u < 1000; u++) rows.push(like(`did:plc:u${u}`, T0 + u * 1_000_000));
  rows.push(...burst('did:plc:fast', 50, T0 + 2000e6, 1e6));
  const { state } = run(rows);
  t.ok(state.active.size < 400, `active users bounded by the window plus lateness (${state.active.size})`);
  t.deepEqual([...state.best.keys()], ['did:plc:fast']);
  const saved = JSON.stringify(fastLikers.save(state));
  t.ok(saved.length < 20_000, `the saved state stays small (${saved.length} bytes)`);
  t.end();
});

test('fast-likers: a state carries its parameters; loading it with others is an error', (t) => {
  const params = parseParams({});
  const saved = JSON.parse(JSON.stringify(fastLikers.save(run(burst('did:plc:a', 50, T0, 1e6)).state)));
  t.equal(saved.metric, 'fast-likers');
  t.equal(saved.version, 1);
  t.deepEqual(saved.params, { minLikes: 50, within: 60_000_000, lateness: 60_000_000 });
  t.deepEqual(fastLikers.result(fastLikers.load(saved, params)), [{ user_id: 'did:plc:a', likes: 50 }]);
  t.throws(() => fastLikers.load(saved, parseParams({ within: '30s' })), (e: Error) => e instanceof StateError && /made with --within 1m, this run has --within 30s/.test(e.message));
  t.throws(() => fastLikers.load({ ...saved, version: 9 }, params), /version 9/);
  t.throws(() => fastLikers.load({ ...saved, metric: 'top-words' }, params), /for metric 'top-words'/);
  t.throws(() => fastLikers.load({ ...saved, data: { late: 'x' } }, params), /malformed/);
  t.end();
});

/** A saved state with its users sorted (the order they come in is the Map's, which depends on when sweeps ran). */
function canonical(state: ReturnType<typeof run>['state']): unknown {
  const { users, counts, ago, best, ...rest } = JSON.parse(JSON.stringify(fastLikers.save(state))).data;
  let k = 0;
  const active = (users as string[]).map((u, i) => [u, ago.slice(k, (k += counts[i]))]).sort((a, b) => (a[0] < b[0] ? -1 : 1));
  return { ...rest, active, best: [...best].sort((a, b) => (a[0] < b[0] ? -1 : 1)) };
}

test('fast-likers: a run cut anywhere, its state saved in columns or in the older pairs and loaded, folds on as one run', (t) => {
  // Likes of 300 users over 10 minutes, some late, some out of order within the lateness; cut at several points.
  const rows: FlatRow[] = [];
  const rnd = random(7);
  let now = T0;
  for (let i = 0; i < 20_000; i++) {
    now += Math.floor(rnd() * 30_000);
    const jitter = rnd() < 0.1 ? Math.floor(rnd() * 90e6) : 0;
    rows.push(like(`did:plc:u${Math.floor(rnd() * rnd() * 300)}`, now - jitter));
  }
  const whole = run(rows);
  t.ok(whole.rows.length >= 3 && whole.late > 0, `the data has fast likers (${whole.rows.length}) and late likes (${whole.late})`);
  const params = parseParams({});
  for (const cut of [1, 5_000, 12_345, 19_999]) {
    const first = run(rows.slice(0, cut)).state;
    const saved = JSON.parse(JSON.stringify(fastLikers.save(first)));
    t.ok(Array.isArray(saved.data.users) && saved.data.active === undefined, 'saved in columns');
    // The same state in the layout before columns: [user, [times]] pairs.
    const older = structuredClone(saved);
    const { users, counts, ago, ...rest } = older.data;
    let k = 0;
    older.data = { ...rest, active: users.map((u: string, i: number) => [u, Array.from({ length: counts[i] }, () => rest.watermark - ago[k++])]) };
    for (const [layout, state] of [['columns', saved], ['pairs', older]] as const) {
      const s = fastLikers.load(state, params);
      const fold = new Fold(new Map([[fastLikers, s]]), { strict: true });
      for (const r of rows.slice(cut)) fold.add(r);
      t.deepEqual(fastLikers.result(s), whole.rows, `cut at ${cut}, ${layout}: the same fast likers`);
      t.equal(s.late, whole.late, `cut at ${cut}, ${layout}: the same late count`);
      t.deepEqual(canonical(s), canonical(whole.state), `cut at ${cut}, ${layout}: the same state after (users in any order)`);
    }
  }
  // Columns that do not add up are refused, naming the metric.
  const saved = JSON.parse(JSON.stringify(fastLikers.save(run(rows.slice(0, 5_000)).state)));
  const bad = (data: object): unknown => fastLikers.load({ ...saved, data: { ...saved.data, ...data } }, params);
  t.ok(saved.data.users.length > 1, 'several active users');
  t.throws(() => bad({ counts: saved.data.counts.slice(1) }), /fast-likers: malformed state: active users and their counts differ/);
  t.throws(() => bad({ ago: saved.data.ago.slice(1) }), /fast-likers: malformed state: bad active user/);
  t.throws(() => bad({ ago: [...saved.data.ago, 5] }), /fast-likers: malformed state: more like times than counted/);
  t.throws(() => bad({ ago: saved.data.ago.map(() => 'x') }), /fast-likers: malformed state: bad like time/);
  t.throws(() => bad({ watermark: null }), /fast-likers: malformed state: active users without a watermark/);
  t.throws(() => bad({ users: undefined }), /fast-likers: malformed state: no active users/);
  t.end();
});

test('fast-likers: loaded users stay in columns until they like again, survive several runs untouched, and go at once after a pause', (t) => {
  // 400 users liking for 5 minutes, a pause of an hour, 50 of them (and new ones) liking again; runs cut in three.
  const rows: FlatRow[] = [];
  const rnd = random(11);
  let now = T0;
  for (let i = 0; i < 6_000; i++) {
    now += Math.floor(rnd() * 100_000);
    rows.push(like(`did:plc:u${Math.floor(rnd() * 400)}`, now - (rnd() < 0.05 ? Math.floor(rnd() * 50e6) : 0)));
  }
  const beforePause = rows.length;
  now += 3600e6;
  for (let i = 0; i < 3_000; i++) {
    now += Math.floor(rnd() * 20_000);
    rows.push(like(`did:plc:u${Math.floor(rnd() * 50) * 9}`, now));
  }
  const whole = run(rows);
  t.ok(whole.rows.length >= 2, `the data has fast likers (${whole.rows.length})`);
  const params = parseParams({});
  const cuts = [[2_000, 2_001, 4_000], [3_000, beforePause, beforePause + 10], [100, 5_999, beforePause + 2_000]];
  for (const [a, b, c] of cuts) {
    let state = run(rows.slice(0, a)).state;
    for (const [from, to] of [[a, b], [b, c], [c, rows.length]]) {
      const s = fastLikers.load(JSON.parse(JSON.stringify(fastLikers.save(state))), params);
      t.equal(s.active.size, 0, `cut at ${from}: loaded users are not expanded`);
      const fold = new Fold(new Map([[fastLikers, s]]), { strict: true });
      for (const r of rows.slice(from, to)) fold.add(r);
      if (from < beforePause && to > beforePause + 100) t.equal(s.loaded, undefined, `cut at ${from}: after the pause, the loaded users are gone`);
      state = s;
    }
    t.deepEqual(fastLikers.result(state), whole.rows, `cuts ${a}, ${b}, ${c}: the same fast likers`);
    t.equal(state.late, whole.late, `cuts ${a}, ${b}, ${c}: the same late count`);
    t.deepEqual(canonical(state), canonical(whole.state), `cuts ${a}, ${b}, ${c}: the same state after (users in any order)`);
  }
  // One like of a loaded user expands that user alone.
  const s = fastLikers.load(JSON.parse(JSON.stringify(fastLikers.save(run(rows.slice(0, 3_000)).state))), params);
  const fold = new Fold(new Map([[fastLikers, s]]), { strict: true });
  fold.add(like(rows[2_999].did!, s.watermark));
  t.equal(s.active.size, 1, 'one user expanded');
  t.ok(s.loaded !== undefined && s.loaded.users.length > 100, `the others stay loaded (${s.loaded?.users.length})`);
  t.end();
});
