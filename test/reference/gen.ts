// A small seeded generator of flat rows for the metric tests: bursts of likes,
// rows somewhat out of order, posts drawn from a vocabulary full of edge cases.
import { formatWall as wall } from '../../lib/time.js';
import type { Row } from './naive.js';

/** mulberry32: a tiny seeded PRNG, so every failure replays. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const VOCAB = [
  'engineering', 'Engineering', 'ENGINEERING!', '#engineering', "engineering's", 'engineering’s', 're-engineering',
  'reengineering', 'engineer', 'engineers', 'engineering_team', 'software', 'Software', 'rust', 'compilers', 'data',
  'pipeline', 'pipelines', 'the', 'and', 'of', 'great', 'new', 'work', 'is', "don't", 'it’s', '2025', '3.5', '1,000', 'x',
  'a', 'é', 'über', 'naïve', 'Straße', 'ingeniería', 'de', 'la', 'und', 'die', 'datos', 'Daten', '日本語', 'エンジニアリング',
  'https://example.com/engineering', 'www.engineering.org', '@alice.bsky.social', '@engineering', 'example.com/engineering/x',
  'x.com', 'e.g.', 'team.', 'team,', '(systems)', 'systems', 'build', '10am', 'CI/CD', 'k8s', '🚀', 'über-cool',
];
const LANGS = [[], ['en'], ['en'], ['de'], ['es'], ['ja'], ['en', 'de'], ['pt-BR'], ['xx']];
const KINDS = ['like', 'like', 'like', 'post', 'repost', 'follow'];

export interface GenOptions {
  rows: number;
  users: number;
  /** Share of rows moved back in time by up to `jitterUs`. */
  disorder: number;
  jitterUs: number;
  start?: number;
  /** Round every time down to a multiple of this (1 s makes exact window boundaries frequent). */
  grainUs?: number;
}

/** Rows in arrival order: mostly ascending time, some late; some users like in bursts. */
export function generate(seed: number, o: GenOptions): Row[] {
  const rnd = random(seed);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(rnd() * a.length)];
  const rows: Row[] = [];
  let t = o.start ?? Date.UTC(2025, 2, 16, 23, 57, 30) * 1000;
  const g = o.grainUs ?? 1;
  const formatWall = (us: number): string => wall(Math.floor(us / g) * g);
  const did = (): string => `did:plc:u${Math.floor(rnd() * o.users)}`;
  while (rows.length < o.rows) {
    t += Math.floor(rnd() * 400_000);
    // Now and then a gap of a few minutes, so that empty minutes and idle users happen.
    if (rnd() < 0.01) t += Math.floor(rnd() * 5 * 60e6);
    const late = rnd() < o.disorder ? Math.floor(rnd() * o.jitterUs) : 0;
    const time = formatWall(t - late);
    if (rnd() < 0.03) {
      // A burst: one user, many likes, close together, some at the same microsecond.
      const who = did();
      const n = 20 + Math.floor(rnd() * 50);
      const span = 20e6 + Math.floor(rnd() * 60e6);
      for (let i = 0; i < n; i++) {
        const at = t + Math.floor((span * i) / n) - (rnd() < o.disorder ? Math.floor(rnd() * o.jitterUs) : 0);
        rows.push({ time: formatWall(at), kind: 'like', op: 'create', did: who });
      }
      t += span;
      continue;
    }
    const kind = pick(KINDS);
    const op = rnd() < 0.9 ? 'create' : pick(['update', 'delete']);
    const row: Row = { time, kind, op, did: did() };
    if (kind === 'post') {
      const n = 1 + Math.floor(rnd() * 12);
      row.text = Array.from({ length: n }, () => pick(VOCAB)).join(' ');
      const langs = pick(LANGS);
      if (langs.length || rnd() < 0.5) row.langs = langs;
    }
    rows.push(row);
  }
  return rows;
}

/** Cuts an array into random consecutive parts (some empty). */
export function split<T>(a: T[], rnd: () => number, parts: number): T[][] {
  const cuts = Array.from({ length: parts - 1 }, () => Math.floor(rnd() * (a.length + 1))).sort((x, y) => x - y);
  const out: T[][] = [];
  let from = 0;
  for (const c of [...cuts, a.length]) {
    out.push(a.slice(from, c));
    from = c;
  }
  return out;
}
