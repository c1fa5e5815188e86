import test from 'tape';
import { Fold } from '../lib/metrics/fold.js';
import type { FastLikersState } from '../lib/metrics/fast-likers.js';
import type { Metric, Params } from '../lib/metrics/metric.js';
import { METRICS, parseParams } from '../lib/metrics/registry.js';
import type { FlatRow } from '../lib/rows/flatten.js';
import { generate, random, split } from './reference/gen.js';
import * as naive from './reference/naive.js';

function fold(m: Metric<any>, params: Params, parts: FlatRow[][]): { result: unknown; state: unknown } {
  let state = m.create(params);
  parts.forEach((part, i) => {
    // Between parts the state goes through JSON text, as it does on disk.
    if (i > 0) state = m.load(JSON.parse(JSON.stringify(m.save(state))), params);
    // Strict: a metric reading a field it does not declare throws.
    const f = new Fold(new Map([[m, state]]), { strict: true });
    for (const row of part) f.add(row);
  });
  return { result: m.result(state), state };
}

function expected(name: string, rows: naive.Row[], p: Params): unknown {
  switch (name) {
    case 'likes-per-minute': return naive.likesPerMinute(rows);
    case 'fast-likers': return naive.fastLikers(rows, Number(p.minLikes), Number(p.within), Number(p.lateness)).rows;
    case 'top-words': return naive.topWords(rows, String(p.keyword), Number(p.top));
    case 'posts-by-hour': return naive.postsByHour(rows);
    case 'posts-by-weekday': return naive.postsByWeekday(rows);
    case 'events-per-minute': return naive.eventsPerMinute(rows);
    case 'top-langs': return naive.topLangs(rows, Number(p.top));
    default: throw new Error(`no reference for ${name}`);
  }
}

test('metrics: every metric equals the naive reference on 40 seeded random row sets, whole and in parts through save/load', (t) => {
  let mismatched = 0;
  let fastFound = 0;
  for (let seed = 1; seed <= 40; seed++) {
    const rnd = random(seed * 7919);
    const lateness = [0, 30, 120, 300][seed % 4];
    const rows = generate(seed, { rows: 600 + Math.floor(rnd() * 900), users: 5 + Math.floor(rnd() * 40), disorder: rnd() * 0.3, jitterUs: (10 + rnd() * 400) * 1e6, grainUs: seed % 2 ? 1e6 : 1 });
    const params = parseParams({
      minLikes: 5 + Math.floor(rnd() * 45), within: `${10 + Math.floor(rnd() * 60)}s`, lateness: `${lateness}s`,
      keyword: seed % 5 === 0 ? 'software' : 'engineering', top: 1 + Math.floor(rnd() * 15),
    });
    const parts = split(rows as FlatRow[], rnd, 2 + Math.floor(rnd() * 6));
    for (const m of METRICS) {
      const want = expected(m.name, rows, params);
      const whole = fold(m, params, [rows as FlatRow[]]);
      const pieces = fold(m, params, parts);
      const ok = JSON.stringify(whole.result) === JSON.stringify(want) && JSON.stringify(pieces.result) === JSON.stringify(want);
      if (!ok) {
        mismatched++;
        t.deepEqual(whole.result, want, `${m.name}, seed ${seed}: one pass equals the reference`);
        t.deepEqual(pieces.result, want, `${m.name}, seed ${seed}: ${parts.length} parts equal the reference`);
      }
      if (m.name === 'fast-likers') {
        const late = naive.fastLikers(rows, Number(params.minLikes), Number(params.within), Number(params.lateness)).late;
        if ((whole.state as FastLikersState).late !== late || (pieces.state as FastLikersState).late !== late) t.fail(`fast-likers, seed ${seed}: late count`);
        fastFound += (want as unknown[]).length;
      }
    }
  }
  t.equal(mismatched, 0, `every metric equals the reference on all 40 seeds, whole and in parts (${40 * METRICS.length} checks)`);
  t.ok(fastFound > 20, `the data has fast likers to find (${fastFound})`);
  t.end();
});
