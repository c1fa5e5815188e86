// Naive reference metrics, written apart from lib/metrics: simple, obviously correct, slow.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helpers.js';
import { ENGLISH_CONTENT_WORDS } from '../../lib/metrics/stop-allow.js';

export interface Row {
  time: string;
  kind: string;
  op: string;
  did: string;
  text?: string;
  langs?: string[];
}

type Out = Array<Record<string, string | number>>;

/** Wall microseconds, parsed with a regex (lib/time uses fixed offsets). */
export function micros(time: string): number {
  const m = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d+))?/.exec(time)!;
  const frac = ((m[7] ?? '') + '000000').slice(0, 6);
  return Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) * 1000 + Number(frac);
}

const likes = (rows: Row[]): Row[] => rows.filter((r) => r.kind === 'like' && r.op === 'create');
const posts = (rows: Row[]): Row[] => rows.filter((r) => r.kind === 'post' && r.op === 'create');

function label(minuteMs: number): string {
  const d = new Date(minuteMs);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:00`;
}

function perMinute(rows: Row[], column: string): Out {
  if (rows.length === 0) return [];
  const minutes = rows.map((r) => Math.floor(micros(r.time) / 60e6));
  // A loop, not Math.min(...minutes): a million arguments overflow the stack.
  const lo = minutes.reduce((a, b) => (b < a ? b : a));
  const hi = minutes.reduce((a, b) => (b > a ? b : a));
  const out: Out = [];
  for (let m = lo; m <= hi; m++) out.push({ time: label(m * 60_000), [column]: minutes.filter((x) => x === m).length });
  return out;
}

export const likesPerMinute = (rows: Row[]): Out => perMinute(likes(rows), 'likes');
export const eventsPerMinute = (rows: Row[]): Out => perMinute(rows, 'events');

/** Late likes: older than lateness behind the newest like before them. The rest: every start tried. */
export function fastLikers(rows: Row[], minLikes: number, withinUs: number, latenessUs: number): { rows: Out; late: number } {
  let newest = -Infinity;
  let late = 0;
  const byUser = new Map<string, number[]>();
  for (const r of likes(rows)) {
    const t = micros(r.time);
    if (t < newest - latenessUs) {
      late++;
      continue;
    }
    newest = Math.max(newest, t);
    byUser.set(r.did, [...(byUser.get(r.did) ?? []), t]);
  }
  const out: Out = [];
  for (const [did, times] of byUser) {
    times.sort((a, b) => a - b);
    let best = 0;
    for (const start of times) best = Math.max(best, times.filter((t) => t >= start && t < start + withinUs).length);
    if (best >= minLikes) out.push({ user_id: did, likes: best });
  }
  out.sort((a, b) => (b.likes as number) - (a.likes as number) || (a.user_id < b.user_id ? -1 : 1));
  return { rows: out, late };
}

const stop = JSON.parse(readFileSync(join(ROOT, 'node_modules/stopwords-iso/stopwords-iso.json'), 'utf8')) as Record<string, string[]>;
// The metric's documented English allow-list (data, not code): stopwords-iso's content words kept.
stop.en = stop.en.filter((w) => !ENGLISH_CONTENT_WORDS.includes(w.toLowerCase()));

function lower(word: string): string {
  const w = word.toLowerCase().replaceAll('\u2019', "'");
  return w.endsWith("'s") ? w.slice(0, -2) : w;
}

/** Words of a text: whitespace chunks that are URLs or handles go first (the generator keeps them apart). */
export function words(text: string): string[] {
  const kept = text.split(/\s+/).filter((c) => !/^(https?:\/\/|www\.|@)/i.test(c) && !/^[a-z0-9-]+(\.[a-z0-9-]+)+\//i.test(c));
  const seg = new Intl.Segmenter('en', { granularity: 'word' });
  return [...seg.segment(kept.join(' '))].filter((s) => s.isWordLike).map((s) => lower(s.segment)).filter((w) => w !== '' && !w.includes('.'));
}

export function topWords(rows: Row[], keyword: string, top: number): Out {
  const counts = new Map<string, number>();
  for (const p of posts(rows)) {
    const ws = words(p.text ?? '');
    if (!ws.includes(keyword)) continue;
    const langs = ['en', ...(p.langs ?? []).map((l) => l.toLowerCase().split('-')[0])];
    const stops = new Set(langs.flatMap((l) => (stop[l] ?? []).map((w) => w.toLowerCase())));
    const good = ws.filter((w) => w !== keyword && !stops.has(w) && !/^[0-9.,']+$/.test(w) && [...w].length >= 2);
    for (const w of new Set(good)) counts.set(w, (counts.get(w) ?? 0) + 1);
  }
  return topOf(counts, 'word', 'count', top);
}

function topOf(counts: Map<string, number>, label: string, count: string, top: number): Out {
  return [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, top).map(([k, v]) => ({ [label]: k, [count]: v }));
}

export function topLangs(rows: Row[], top: number): Out {
  const counts = new Map<string, number>();
  for (const p of posts(rows)) for (const l of new Set((p.langs ?? []).map((x) => x.toLowerCase().split(/[-_]/)[0]))) counts.set(l, (counts.get(l) ?? 0) + 1);
  return topOf(counts, 'lang', 'posts', top);
}

export function postsByHour(rows: Row[]): Out {
  const ps = posts(rows).map((r) => new Date(Math.floor(micros(r.time) / 1000)).getUTCHours());
  return Array.from({ length: 24 }, (_, h) => ({ hour: String(h).padStart(2, '0'), posts: ps.filter((x) => x === h).length }));
}

export function postsByWeekday(rows: Row[]): Out {
  const names = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const ps = posts(rows).map((r) => names[new Date(Math.floor(micros(r.time) / 1000)).getUTCDay()]);
  return ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'].map((d) => ({ weekday: d, posts: ps.filter((x) => x === d).length }));
}
