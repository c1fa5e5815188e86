import { median, type Sample } from './measure.js';

/** Samples by case name, in repetition order. */
export type Results = Map<string, Sample[]>;

export interface RunInfo {
  machine: string;
  date: string;
  reps: number;
  events: number;
  newEvents: number;
  history: number[];
  seconds: number;
  /** Bytes of the lake and of the canonical NDJSON it was written from, for `events` events. */
  sizes?: { lake?: number; ndjson?: number; events?: number };
}

interface Row {
  name: string;
  what: string;
  seconds: number;
  cpu: number;
  events: number;
  ratio?: string;
  target?: string;
  ok?: boolean;
  rss: Record<string, number>;
}

const n = (x: number): string => Math.round(x).toLocaleString('en-US');
const x2 = (r: number): string => `${r.toFixed(2)}x`;

/** Per-repetition ratios a/b (each case ran next to its baseline), then their median. */
function ratio(a: Sample[] | undefined, b: Sample[] | undefined): number | undefined {
  if (!a?.length || !b?.length) return undefined;
  const rs = a.slice(0, b.length).map((s, i) => s.seconds / b[i].seconds);
  return median(rs);
}

function peak(samples: Sample[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of samples) for (const [k, v] of Object.entries(s.rss)) out[k] = Math.max(out[k] ?? 0, v);
  return out;
}

/** Sums two cases run one after the other in each repetition (handle-stream, then periodic). */
function chain(a: Sample[] | undefined, b: Sample[] | undefined): Sample[] | undefined {
  if (!a?.length || !b?.length) return undefined;
  return a.map((s, i) => ({ seconds: s.seconds + b[i].seconds, cpu: s.cpu + b[i].cpu, rss: { ...s.rss, ...b[i].rss } }));
}

/** The benchmark's report as Markdown: run facts, the table of medians and ratios, the targets. */
export function report(results: Results, info: RunInfo): string {
  const get = (k: string): Sample[] | undefined => results.get(k);
  const rows: Row[] = [];
  const checks: Array<[string, boolean]> = [];
  const add = (name: string, what: string, samples: Sample[] | undefined, events: number, extra: Partial<Row> = {}): void => {
    if (!samples?.length) return;
    rows.push({ name, what, seconds: median(samples.map((s) => s.seconds)), cpu: median(samples.map((s) => s.cpu)), events, rss: peak(samples), ...extra });
  };
  const vs = (r: number | undefined, base: string): string | undefined => (r === undefined ? undefined : `${x2(r)} ${base}`);
  add('bare', 'split2 + JSON.parse loop (baseline)', get('bare'), info.events);
  const ingest = ratio(get('ingest'), get('bare'));
  const ingestRate = get('ingest') ? info.events / median(get('ingest')!.map((s) => s.seconds)) : undefined;
  if (ingest !== undefined && ingestRate !== undefined) {
    checks.push([`ingest: handle-stream at least 100,000 events/s (${n(ingestRate)})`, ingestRate >= 100_000]);
    checks.push([`ingest: handle-stream within 1.5x of the bare loop (${x2(ingest)})`, ingest <= 1.5]);
  }
  add('ingest', 'handle-stream < capture', get('ingest'), info.events, { ratio: vs(ingest, 'bare'), target: '<= 1.5x, >= 100k ev/s', ok: ingest !== undefined && ingest <= 1.5 && (ingestRate ?? 0) >= 100_000 });
  const replaySamples = chain(get('ingest'), get('replay-periodic'));
  const replay = ratio(replaySamples, get('bare'));
  add('replay', 'handle-stream, then periodic', replaySamples, info.events, { ratio: vs(replay, 'bare'), target: '<= 2x', ok: replay !== undefined && replay <= 2 });
  if (replay !== undefined) checks.push([`replay: handle-stream then periodic within 2x of the bare loop (${x2(replay)})`, replay <= 2]);
  const replayLakeSamples = chain(get('ingest'), get('replay-lake-periodic'));
  const replayLake = ratio(replayLakeSamples, get('bare'));
  add('replay-lake', 'handle-stream, then periodic --lake', replayLakeSamples, info.events, { ratio: vs(replayLake, 'bare'), target: '<= 2x', ok: replayLake !== undefined && replayLake <= 2 });
  if (replayLake !== undefined) checks.push([`lake: handle-stream then periodic --lake within 2x of the bare loop (${x2(replayLake)})`, replayLake <= 2]);
  const pipeBare = ratio(get('pipeline'), get('bare'));
  const pipeJq = ratio(get('pipeline'), get('jq'));
  const pipeRatio = [vs(pipeBare, 'bare'), vs(pipeJq, 'jq')].filter(Boolean).join(', ');
  add('pipeline', 'bsky-parse | bsky-flatten --kinds like | bsky-metric likes-per-minute | bsky-csv | bsky-plot', get('pipeline'), info.events, {
    ratio: pipeRatio, target: '<= 3x bare, < 1x jq', ok: pipeBare !== undefined && pipeBare <= 3 && (pipeJq === undefined || pipeJq < 1),
  });
  if (pipeBare !== undefined) checks.push([`pipeline: five tools within 3x of the bare loop (${x2(pipeBare)})`, pipeBare <= 3]);
  if (pipeJq !== undefined) checks.push([`pipeline: five tools faster than jq (${x2(pipeJq)} of jq's time)`, pipeJq < 1]);
  add('jq', `jq -r 'select(.path|startswith("app.bsky.feed.like/"))|.timestamp[0:16]' | sort | uniq -c`, get('jq'), info.events, { ratio: vs(ratio(get('jq'), get('bare')), 'bare') });
  const top = Math.max(...info.history);
  for (const h of info.history) {
    const r = ratio(get(`refresh-${h}`), get('refresh-0'));
    const isTop = h === top && h > 0;
    add(`refresh-${h}`, `periodic after ${n(info.newEvents)} new events, ${n(h)} events of history`, get(`refresh-${h}`), info.newEvents, {
      ratio: h === 0 ? undefined : vs(r, 'refresh-0'), target: isTop ? '<= 1.3x' : undefined, ok: isTop && r !== undefined ? r <= 1.3 : undefined,
    });
    if (isTop && r !== undefined) checks.push([`refresh: periodic with ${n(h)} events of history within 1.3x of no history (${x2(r)})`, r <= 1.3]);
    const live = ratio(get(`refresh-live-${h}`), get('refresh-0'));
    if (isTop && get(`refresh-live-${h}`)) {
      add(`refresh-live-${h}`, `the same, the new events continuing the history (live: its state still in use)`, get(`refresh-live-${h}`), info.newEvents, {
        ratio: vs(live, 'refresh-0'), target: '<= 1.3x', ok: live === undefined ? undefined : live <= 1.3,
      });
      if (live !== undefined) checks.push([`refresh: a live refresh (new events continuing ${n(h)} events of history) within 1.3x of no history (${x2(live)})`, live <= 1.3]);
    }
  }
  for (const h of info.history) {
    const r = ratio(get(`duckdb-${h}`), get(`refresh-${h}`));
    const isTop = h === top && h > 0;
    add(`duckdb-${h}`, `DuckDB recomputes 4 metrics from ${n(h + info.newEvents)} events`, get(`duckdb-${h}`), h + info.newEvents, {
      ratio: vs(r, `refresh-${h}`), target: isTop ? '>= 20x' : undefined, ok: isTop && r !== undefined ? r >= 20 : undefined,
    });
    if (isTop && r !== undefined) checks.push([`refresh: periodic at least 20x faster than DuckDB over ${n(h)} events of history (${r.toFixed(1)}x)`, r >= 20]);
  }
  for (const h of info.history) {
    const r = ratio(get(`refresh-lake-${h}`), get(`refresh-${h}`));
    const isTop = h === top;
    add(`refresh-lake-${h}`, `periodic --lake after ${n(info.newEvents)} new events, ${n(h)} events of history`, get(`refresh-lake-${h}`), info.newEvents, {
      ratio: r === undefined ? undefined : `${x2(r)} refresh-${h}`, target: isTop ? '<= 1.5x' : undefined, ok: isTop && r !== undefined ? r <= 1.5 : undefined,
    });
    if (isTop && r !== undefined) checks.push([`lake: periodic's refresh with the lake within 1.5x of without (${x2(r)}, ${n(h)} events of history)`, r <= 1.5]);
  }
  const sqlR = ratio(get('sql-ndjson'), get('sql-lake'));
  add('sql-lake', `bsky-sql --file sql/likes-per-minutes.sql over the lake of ${n(top)} events`, get('sql-lake'), top);
  add('sql-ndjson', `DuckDB likes per minute over the same ${n(top)} events as canonical NDJSON`, get('sql-ndjson'), top, {
    ratio: sqlR === undefined ? undefined : `lake ${sqlR.toFixed(1)}x faster`, target: 'lake >= 5x faster', ok: sqlR === undefined ? undefined : sqlR >= 5,
  });
  if (sqlR !== undefined) checks.push([`lake: likes per minute over the lake at least 5x faster than DuckDB over the NDJSON (${sqlR.toFixed(1)}x)`, sqlR >= 5]);
  const sqlC = ratio(get('sql-ndjson'), get('sql-lake-compacted'));
  add('sql-lake-compacted', `the same over that lake as periodic's compaction leaves a closed partition (bench/compact-lake.ts)`, get('sql-lake-compacted'), top, {
    ratio: sqlC === undefined ? undefined : `lake ${sqlC.toFixed(1)}x faster`, target: 'lake >= 5x faster', ok: sqlC === undefined ? undefined : sqlC >= 5,
  });
  if (sqlC !== undefined) checks.push([`lake: likes per minute over the compacted lake at least 5x faster than DuckDB over the NDJSON (${sqlC.toFixed(1)}x)`, sqlC >= 5]);
  const sqlS = ratio(get('sql-ndjson'), get('sql-lake-short'));
  add('sql-lake-short', `the same events as runs of 4,096 events write them (a row group each), as compaction leaves them (coalesced)`, get('sql-lake-short'), top, {
    ratio: sqlS === undefined ? undefined : `lake ${sqlS.toFixed(1)}x faster`, target: 'lake >= 5x faster', ok: sqlS === undefined ? undefined : sqlS >= 5,
  });
  if (sqlS !== undefined) checks.push([`lake: likes per minute over a lake of short runs, compacted, at least 5x faster than DuckDB over the NDJSON (${sqlS.toFixed(1)}x)`, sqlS >= 5]);
  if (info.sizes?.lake && info.sizes.ndjson) {
    const share = info.sizes.lake / info.sizes.ndjson;
    checks.push([`lake: at most 30% of the canonical NDJSON's bytes (${(100 * share).toFixed(1)}%: ${(info.sizes.lake / info.events).toFixed(0)} bytes an event against ${(info.sizes.ndjson / info.events).toFixed(0)})`, share <= 0.3]);
  }
  let maxRss = 0;
  for (const [k, samples] of results) {
    if (!/^(ingest|replay-periodic|refresh-(?!lake))/.test(k)) continue;
    for (const v of Object.values(peak(samples))) maxRss = Math.max(maxRss, v);
  }
  if (maxRss > 0) checks.push([`memory: peak RSS of handle-stream and periodic under 150 MB at every size (${maxRss.toFixed(0)} MB)`, maxRss < 150]);
  let lakeRss = 0;
  for (const [k, samples] of results) if (/^(replay-lake-periodic|refresh-lake-)/.test(k)) for (const v of Object.values(peak(samples))) lakeRss = Math.max(lakeRss, v);
  if (lakeRss > 0) checks.push([`lake: peak RSS of periodic --lake (DuckDB in process) under 200 MB at every size (${lakeRss.toFixed(0)} MB)`, lakeRss < 200]);

  const lines = [
    '## Latest run',
    '',
    `- Machine: ${info.machine}`,
    `- Date: ${info.date}; ${info.reps} repetitions per case, medians; the whole run took ${(info.seconds / 60).toFixed(1)} min`,
    `- Capture: ${n(info.events)} generated events (take-home lines, seed 1, 0.1% duplicates); refresh: ${n(info.newEvents)} new events on histories of ${info.history.map(n).join(', ')} events`,
    '',
    '| case | what runs | median s | CPU s | events/s | ratio | target | ok | peak RSS MB |',
    '|---|---|---:|---:|---:|---|---|---|---|',
    ...rows.map((r) => `| ${r.name} | ${r.what.replaceAll('|', '\\|')} | ${r.seconds.toFixed(2)} | ${r.cpu.toFixed(2)} | ${n(r.events / r.seconds)} | ${r.ratio ?? ''} | ${r.target ?? ''} | ${r.ok === undefined ? '' : r.ok ? 'yes' : 'NO'} | ${Object.entries(r.rss).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ')} |`),
    '',
    'Targets:',
    '',
    ...checks.map(([what, ok]) => `- ${ok ? 'PASS' : 'FAIL'} ${what}`),
    '',
  ];
  return lines.join('\n');
}
