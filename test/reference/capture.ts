// Naive reference from raw capture lines to the metrics CSV files, written apart from lib/:
// its own parsing, dedupe and CSV writing, and the naive metrics of naive.ts.
import * as naive from './naive.js';

type Out = Array<Record<string, string | number>>;

/** Raw take-home or Jetstream lines to flat-ish rows: bad lines dropped, an event seen again counted once. */
export function referenceRows(lines: Buffer[]): { rows: naive.Row[]; dropped: number } {
  const seen = new Set<string>();
  const rows: naive.Row[] = [];
  let dropped = 0;
  const decoder = new TextDecoder('utf-8', { fatal: true });
  for (const bytes of lines) {
    let line: string;
    try {
      line = decoder.decode(bytes);
    } catch {
      dropped++;
      continue;
    }
    if (line.trim() === '') continue;
    let o: any;
    try {
      o = JSON.parse(line);
    } catch {
      dropped++;
      continue;
    }
    let time: string, did: string, collection: string, rkey: string, op: string, record: any;
    if (o && typeof o.path === 'string') {
      [time, did, op, record] = [o.timestamp, o.repo, o.action, o.record];
      [collection, rkey] = [o.path.slice(0, o.path.lastIndexOf('/')), o.path.slice(o.path.lastIndexOf('/') + 1)];
    } else if (o && o.kind === 'commit' && o.commit) {
      time = new Date(Math.floor(o.time_us / 1000)).toISOString().slice(0, 23) + String(o.time_us % 1000).padStart(3, '0') + 'Z';
      [did, op, record, collection, rkey] = [o.did, o.commit.operation, o.commit.record, o.commit.collection, o.commit.rkey];
    } else if (o && (o.kind === 'identity' || o.kind === 'account')) {
      continue;
    } else {
      dropped++;
      continue;
    }
    const valid = typeof time === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/.test(time) && !Number.isNaN(Date.parse(time.slice(0, 19) + 'Z'))
      && typeof did === 'string' && /^did:[a-z]+:[A-Za-z0-9._:%-]+$/.test(did) && typeof collection === 'string' && /^[a-zA-Z][\w-]*(\.[\w-]+)+$/.test(collection)
      && typeof rkey === 'string' && /^[A-Za-z0-9._:~-]{1,512}$/.test(rkey) && ['create', 'update', 'delete'].includes(op) && (op === 'delete' || (record && typeof record === 'object' && !Array.isArray(record)));
    if (!valid || (record !== undefined && depth(record) > 64)) {
      dropped++;
      continue;
    }
    const key = JSON.stringify([did, collection, rkey, op]);
    if (seen.has(key)) continue;
    seen.add(key);
    const kind = collection.split('.').pop()!.toLowerCase();
    rows.push({ time, kind, op, did, text: record?.text, langs: record?.langs });
  }
  return { rows, dropped };
}

function csv(rows: Out, columns: string[]): string {
  const cell = (v: unknown): string => {
    const s = String(v);
    return /[",\n\r]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
  };
  return [columns.join(','), ...rows.map((r) => columns.map((c) => cell(r[c])).join(','))].map((l) => l + '\n').join('');
}

/** The spec's five CSV files (and the two extras) for a capture, by file name. */
export function referenceCsvs(lines: Buffer[]): Record<string, string> {
  const { rows } = referenceRows(lines);
  return {
    'events-per-minute.csv': csv(naive.eventsPerMinute(rows), ['time', 'events']),
    'fast-likers.csv': csv(naive.fastLikers(rows, 50, 60_000_000, 60_000_000).rows, ['user_id', 'likes']),
    'likes-per-minutes.csv': csv(naive.likesPerMinute(rows), ['time', 'likes']),
    'posts-by-hour.csv': csv(naive.postsByHour(rows), ['hour', 'posts']),
    'posts-by-weekday.csv': csv(naive.postsByWeekday(rows), ['weekday', 'posts']),
    'top-10-word.csv': csv(naive.topWords(rows, 'engineering', 10), ['word', 'count']),
    'top-langs.csv': csv(naive.topLangs(rows, 10), ['lang', 'posts']),
  };
}

/** Nesting depth of a JSON value; a stack overflow counts as too deep. */
function depth(v: unknown): number {
  try {
    if (v === null || typeof v !== 'object') return 0;
    return 1 + Math.max(0, ...Object.values(v).map(depth));
  } catch {
    return Infinity;
  }
}
