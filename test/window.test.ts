import test from 'tape';
import { compareKeys, Windower, type ClosedWindow, type Key, type WindowSpec } from '../lib/window/windower.js';
import { keysOf, valuesOf } from '../lib/window/row-keys.js';
import { MINUTE_US, wallMicros } from '../lib/time.js';

const S = 1_000_000;
const T0 = wallMicros('2025-03-16T13:00:00');
const at = (text: string): number => wallMicros(`2025-03-16T${text}`);

interface Row {
  us: number;
  keys: Key[];
  values?: Key[];
}

function spec(over: Partial<WindowSpec> = {}): WindowSpec {
  return { sizeUs: MINUTE_US, hopUs: MINUTE_US, latenessUs: 0, distinct: false, fill: false, ...over };
}

/** Runs the windower over rows; returns the output and what became of each row. */
function runCore(s: WindowSpec, rows: Row[]): { out: ClosedWindow[]; admissions: string[]; windows: number } {
  const out: ClosedWindow[] = [];
  const w = new Windower(s, (x) => out.push(x));
  const admissions = rows.map((r) => w.add(r.us, r.keys, r.values));
  w.end();
  return { out, admissions, windows: w.windows };
}

/**
 * The naive reference: decides for each row which of its windows were still
 * open when it came (end above the largest earlier time minus the lateness),
 * then computes every window by brute force over all rows.
 */
function naive(s: WindowSpec, rows: Row[]): { out: ClosedWindow[]; admissions: string[]; windows: number } {
  const cells = new Map<number, Map<string, { key: Key; rows: number; values: Set<string> }>>();
  const admissions: string[] = [];
  let max = -Infinity;
  for (const r of rows) {
    const frontier = max - s.latenessUs;
    const starts: number[] = [];
    for (let k = Math.floor(r.us / s.hopUs); k * s.hopUs + s.sizeUs > r.us; k--) starts.push(k * s.hopUs);
    const open = starts.filter((st) => st + s.sizeUs > frontier);
    admissions.push(open.length === 0 ? 'late' : open.length < starts.length ? 'partly-late' : 'counted');
    for (const st of open) {
      if (!cells.has(st)) cells.set(st, new Map());
      for (const key of r.keys) {
        const id = JSON.stringify(key);
        const m = cells.get(st)!;
        if (!m.has(id)) m.set(id, { key, rows: 0, values: new Set() });
        const c = m.get(id)!;
        c.rows++;
        for (const v of r.values ?? []) c.values.add(JSON.stringify(v));
      }
    }
    max = Math.max(max, r.us);
  }
  const starts = [...cells.keys()].sort((a, b) => a - b);
  const out: ClosedWindow[] = [];
  if (starts.length === 0) return { out, admissions, windows: 0 };
  const all: number[] = [];
  if (s.fill) for (let st = starts[0]; st <= starts[starts.length - 1]; st += s.hopUs) all.push(st);
  else all.push(...starts);
  const seen = new Map<string, Key>();
  for (const st of all) {
    const m = cells.get(st) ?? new Map();
    for (const [id, c] of m) seen.set(id, c.key);
    const ids = s.fill ? [...seen.keys()] : [...m.keys()];
    const keyOf = (id: string): Key => (m.has(id) ? m.get(id)!.key : seen.get(id)!);
    ids.sort((a, b) => compareKeys(keyOf(a), keyOf(b)));
    for (const id of ids) {
      const c = m.get(id);
      out.push({ start: st, end: st + s.sizeUs, key: keyOf(id), value: c === undefined ? 0 : s.distinct ? c.values.size : c.rows });
    }
  }
  return { out, admissions, windows: all.length };
}

/** mulberry32: a small seeded generator, so that failures replay. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const KINDS: unknown[] = ['like', 'post', 'repost', undefined, ['en', 'fr'], ['en'], [], 'like'];

/** Random rows over about half an hour, with bursts, gaps of several minutes, and rows moved back by up to `disorderUs`. */
function randomRows(seed: number, n: number, disorderUs: number): Row[] {
  const r = rng(seed);
  let t = T0 + Math.floor(r() * MINUTE_US);
  const rows: Row[] = [];
  for (let i = 0; i < n; i++) {
    // Mostly whole seconds, so that rows and watermarks fall exactly on window bounds.
    const gap = r() < 0.03 ? Math.floor(r() * 5) * MINUTE_US : Math.floor(r() * 6) * S + (r() < 0.1 ? Math.floor(r() * S) : 0);
    t += gap;
    const back = r() < 0.2 ? Math.floor((r() * disorderUs) / S) * S : 0;
    rows.push({ us: t - back, keys: keysOf(KINDS[Math.floor(r() * KINDS.length)]), values: valuesOf(`did:${Math.floor(r() * 7)}`) });
  }
  return rows;
}

/** Reorders rows so that each is at most `latenessUs` older than any row before it: no row is late. */
function shuffleWithin(seed: number, sorted: Row[], latenessUs: number): Row[] {
  const r = rng(seed);
  const chunks = new Map<number, Row[]>();
  for (const row of sorted) {
    const c = Math.floor(row.us / latenessUs);
    if (!chunks.has(c)) chunks.set(c, []);
    chunks.get(c)!.push(row);
  }
  const out: Row[] = [];
  for (const c of [...chunks.keys()].sort((a, b) => a - b)) {
    const list = chunks.get(c)!;
    for (let i = list.length - 1; i > 0; i--) {
      const j = Math.floor(r() * (i + 1));
      [list[i], list[j]] = [list[j], list[i]];
    }
    out.push(...list);
  }
  return out;
}

const SHAPES: Array<[string, Partial<WindowSpec>]> = [
  ['tumbling 1m', {}],
  ['tumbling 10s', { sizeUs: 10 * S, hopUs: 10 * S }],
  ['hopping 5m by 1m', { sizeUs: 5 * MINUTE_US, hopUs: MINUTE_US }],
  ['hopping 2m by 45s', { sizeUs: 2 * MINUTE_US, hopUs: 45 * S }],
];

test('window: the windower matches the naive reference on seeded random rows, with late rows', (t) => {
  let cases = 0;
  let late = 0;
  let partly = 0;
  for (const [name, shape] of SHAPES) {
    for (const latenessUs of [0, 5 * S, 30 * S]) {
      for (const fill of [false, true]) {
        for (const distinct of [false, true]) {
          for (const seed of [1, 2, 3]) {
            const s = spec({ ...shape, latenessUs, fill, distinct });
            const rows = randomRows(seed * 97 + latenessUs, 300, 60 * S);
            const got = runCore(s, rows);
            const want = naive(s, rows);
            late += want.admissions.filter((a) => a === 'late').length;
            partly += want.admissions.filter((a) => a === 'partly-late').length;
            const label = `${name}, lateness ${latenessUs / S}s, fill ${fill}, distinct ${distinct}, seed ${seed}`;
            if (JSON.stringify(got) !== JSON.stringify(want)) {
              t.deepEqual(got, want, label);
              t.end();
              return;
            }
            cases++;
          }
        }
      }
    }
  }
  t.equal(cases, 4 * 3 * 2 * 2 * 3, `${cases} cases agree`);
  t.ok(late > 100, `the data has late rows (${late})`);
  t.ok(partly > 10, `and partly late rows in hopping windows (${partly})`);
  t.end();
});

test('window: rows shuffled within the lateness give the same windows as sorted rows, none late', (t) => {
  for (const [name, shape] of SHAPES) {
    for (const seed of [4, 5]) {
      const latenessUs = 20 * S;
      const sorted = randomRows(seed, 400, 0).sort((a, b) => a.us - b.us);
      const shuffled = shuffleWithin(seed, sorted, latenessUs);
      t.notDeepEqual(shuffled, sorted, 'the rows are out of order');
      for (const fill of [false, true]) {
        const s = spec({ ...shape, latenessUs, fill, distinct: seed === 5 });
        const got = runCore(s, shuffled);
        t.deepEqual(got.out, runCore(s, sorted).out, `${name}, fill ${fill}, seed ${seed}`);
        t.ok(got.admissions.every((a) => a === 'counted'), 'no row is late');
      }
    }
  }
  t.end();
});

test('window: a row exactly at a window end belongs to the next window', (t) => {
  const { out } = runCore(spec(), [{ us: at('13:26:59.999999'), keys: [null] }, { us: at('13:27:00'), keys: [null] }]);
  t.deepEqual(out, [
    { start: at('13:26:00'), end: at('13:27:00'), key: null, value: 1 },
    { start: at('13:27:00'), end: at('13:28:00'), key: null, value: 1 },
  ]);
  t.end();
});

test('window: hopping windows overlap, each row counting in size/hop windows', (t) => {
  const s = spec({ sizeUs: 5 * MINUTE_US, hopUs: MINUTE_US });
  const { out } = runCore(s, [{ us: at('13:26:30'), keys: [null] }, { us: at('13:28:00'), keys: [null] }]);
  t.deepEqual(out.map((w) => [w.start, w.value]), [
    [at('13:22:00'), 1], [at('13:23:00'), 1], [at('13:24:00'), 2], [at('13:25:00'), 2], [at('13:26:00'), 2], [at('13:27:00'), 1], [at('13:28:00'), 1],
  ]);
  t.ok(out.every((w) => w.end - w.start === 5 * MINUTE_US), 'each window lasts --size');
  t.end();
});

test('window: a window is emitted as soon as the watermark reaches its end, not before', (t) => {
  const out: ClosedWindow[] = [];
  const w = new Windower(spec({ latenessUs: 10 * S }), (x) => out.push(x));
  w.add(at('13:26:10'), [null]);
  w.add(at('13:27:09.999999'), [null]);
  t.equal(out.length, 0, 'watermark 13:26:59.999999: the 13:26 window is still open');
  w.add(at('13:26:59'), [null]);
  w.add(at('13:27:10'), [null]);
  t.deepEqual(out, [{ start: at('13:26:00'), end: at('13:27:00'), key: null, value: 2 }], 'watermark 13:27:00 closes it');
  w.end();
  t.deepEqual(out[1], { start: at('13:27:00'), end: at('13:28:00'), key: null, value: 2 }, 'the end of input closes the rest');
  t.end();
});

test('window: late rows are refused and counted nowhere; partly late rows count in their open windows', (t) => {
  const out: ClosedWindow[] = [];
  const w = new Windower(spec({ sizeUs: 2 * MINUTE_US, hopUs: MINUTE_US }), (x) => out.push(x));
  t.equal(w.add(at('13:26:10'), [null]), 'counted');
  t.equal(w.add(at('13:28:00'), [null]), 'counted');
  t.equal(w.add(at('13:25:59'), [null]), 'late', 'windows 13:24 and 13:25 are both closed');
  t.equal(w.add(at('13:27:00'), [null]), 'partly-late', 'window 13:26 is closed, 13:27 is open');
  w.end();
  t.deepEqual(out.map((x) => [x.start, x.value]), [[at('13:25:00'), 1], [at('13:26:00'), 1], [at('13:27:00'), 2], [at('13:28:00'), 1]]);
  t.equal(w.windows, 4);
  t.end();
});

test('window: a row is late exactly when the watermark has reached the end of its last window', (t) => {
  const w = new Windower(spec({ latenessUs: 10 * S }), () => {});
  w.add(at('13:27:10'), [null]);
  t.equal(w.add(at('13:26:59.999999'), [null]), 'late', 'watermark 13:27:00 = end of the 13:26 window');
  t.equal(w.add(at('13:27:00'), [null]), 'counted');
  t.equal(w.add(at('13:27:00.000001'), [null]), 'counted');
  t.end();
});

test('window: --fill emits empty windows with 0 between the first and the last, and nothing outside', (t) => {
  const rows = [{ us: at('13:26:10'), keys: [null] }, { us: at('13:29:10'), keys: [null] }];
  const { out } = runCore(spec({ fill: true }), rows);
  t.deepEqual(out.map((w) => [w.start, w.value]), [[at('13:26:00'), 1], [at('13:27:00'), 0], [at('13:28:00'), 0], [at('13:29:00'), 1]]);
  t.equal(runCore(spec(), rows).out.length, 2, 'without --fill empty windows are skipped');
  t.end();
});

test('window: --fill with keys fills every key seen in this or an earlier window', (t) => {
  const rows = [{ us: at('13:26:10'), keys: ['like'] }, { us: at('13:27:10'), keys: ['post'] }, { us: at('13:29:10'), keys: ['like'] }];
  const { out } = runCore(spec({ fill: true }), rows);
  t.deepEqual(out.map((w) => [w.start === at('13:26:00') ? 26 : w.start === at('13:27:00') ? 27 : w.start === at('13:28:00') ? 28 : 29, w.key, w.value]), [
    [26, 'like', 1], [27, 'like', 0], [27, 'post', 1], [28, 'like', 0], [28, 'post', 0], [29, 'like', 1], [29, 'post', 0],
  ]);
  t.end();
});

test('window: distinct counts distinct values per window and key', (t) => {
  const rows: Row[] = [
    { us: at('13:26:01'), keys: ['like'], values: ['did:a'] },
    { us: at('13:26:02'), keys: ['like'], values: ['did:a'] },
    { us: at('13:26:03'), keys: ['like'], values: ['did:b'] },
    { us: at('13:26:04'), keys: ['post'], values: ['did:a'] },
    { us: at('13:26:05'), keys: ['post'], values: [] },
    { us: at('13:27:01'), keys: ['like'], values: ['did:a'] },
  ];
  const { out } = runCore(spec({ distinct: true }), rows);
  t.deepEqual(out.map((w) => [w.key, w.value]), [['like', 2], ['post', 1], ['like', 1]]);
  const hop = runCore(spec({ distinct: true, sizeUs: 2 * MINUTE_US, hopUs: 2 * MINUTE_US }), rows).out;
  t.deepEqual(hop.map((w) => [w.start, w.key, w.value]), [[at('13:26:00'), 'like', 2], [at('13:26:00'), 'post', 1]], 'a 2m window holds both minutes');
  t.end();
});

test('window: keys are ordered null, booleans, numbers, then strings by code unit', (t) => {
  const keys: Key[] = ['b', 'B', 10, 9, null, true, 'a', false];
  t.deepEqual(keys.sort(compareKeys), [null, false, true, 9, 10, 'B', 'a', 'b']);
  t.end();
});

test('window: array fields give one key per distinct element; missing or empty fields the key null', (t) => {
  t.deepEqual(keysOf(['en', 'fr', 'en']), ['en', 'fr']);
  t.deepEqual(keysOf([]), [null]);
  t.deepEqual(keysOf(undefined), [null]);
  t.deepEqual(keysOf(3), [3]);
  t.deepEqual(keysOf({ a: 1 }), ['{"a":1}']);
  t.deepEqual(valuesOf(undefined), []);
  t.deepEqual(valuesOf(['x', null, 'y']), ['x', 'y']);
  t.end();
});

test('window: memory holds only open panes, whatever the input length', (t) => {
  const w = new Windower(spec({ latenessUs: 30 * S, distinct: true }), () => {});
  let peak = 0;
  for (let i = 0; i < 20_000; i++) {
    w.add(T0 + i * S, ['k'], [`did:${i}`]);
    peak = Math.max(peak, (w as unknown as { panes: Map<number, unknown> }).panes.size);
  }
  t.ok(peak <= 2, `at most 2 one-minute panes held with 30s lateness (peak ${peak})`);
  t.end();
});
