import { existsSync } from 'node:fs';
import type { Metric, Params } from '../metrics/metric.js';
import { Fold } from '../metrics/fold.js';
import type { FlatRow } from '../rows/flatten.js';
import { locate, type LakeWriter } from './lake.js';
import { foldSegment } from '../periodic/fold-segment.js';
import { eventsGlob, lakeFiles } from './layout.js';
import { lit } from './duck.js';
import { progressWanted, startProgress } from '../cli/progress.js';

/** The fields of the rows lakeStates reads from the lake (its SELECT's columns). */
const REBUILT_FIELDS: ReadonlyArray<keyof FlatRow> = ['time', 'kind', 'op', 'did', 'text', 'langs'];

/**
 * Fresh metric states folded from the lake alone, in the order the events
 * were first folded (batch, segment, line): fast-likers' late likes depend
 * on that order. Reads only what the metrics read (time, kind, op, did, text, langs).
 */
export async function lakeStates(
  lake: LakeWriter | undefined, metrics: ReadonlyArray<Metric<any>>, params: Params, spool: string, behind: string[], quiet = true,
): Promise<{ states: Map<Metric<any>, unknown>; events: number; newest: string | null }> {
  if (lake === undefined) throw new Error('--rebuild reads the lake: it cannot be used with --no-lake');
  const states = new Map<Metric<any>, unknown>();
  for (const m of metrics) states.set(m, m.create(params));
  const fold = new Fold(states);
  // The rows below hold only these columns: a metric that declares another field cannot be rebuilt from them.
  const missing = fold.allFields().filter((f) => !REBUILT_FIELDS.includes(f));
  if (missing.length) throw new Error(`--rebuild: the metrics read ${missing.join(', ')}, which the rebuild does not read from the lake`);
  let events = 0;
  let newest: string | null = null;
  if (!existsSync(lake.opts.dir) || lakeFiles(lake.opts.dir).length === 0) return foldBehind({ states, events, newest }, spool, behind);
  const db = await lake.db();
  // On a terminal, a progress line over the lake's events (counted from the Parquet footers: only then).
  const total = progressWanted(quiet) ? Number((await db.runAndReadAll(`SELECT count(*) FROM read_parquet(${lit(eventsGlob(lake.opts.dir))})`)).getRows()[0][0]) : 0;
  const progress = startProgress('periodic --rebuild', quiet, { amount: total, unit: 'events' }, undefined, 'events');
  const result = await db.stream(`SELECT coalesce(time_text, strftime(time, '%Y-%m-%dT%H:%M:%S.%f')) AS time, kind, op, did, text, langs
    FROM read_parquet(${lit(eventsGlob(lake.opts.dir))}, hive_partitioning = true, union_by_name = true) ORDER BY batch, seg, seq`);
  for await (const rows of result.yieldRowsJs()) {
    for (const [time, kind, op, did, text, langs] of rows as Array<[string, string, string, string, string | null, string[] | null]>) {
      const row: FlatRow = { time, kind, op, did };
      if (text !== null) row.text = text;
      if (langs !== null) row.langs = langs;
      fold.add(row);
      events++;
      if (newest === null || time > newest) newest = time;
    }
    progress?.add(rows.length, events);
  }
  progress?.end(events);
  return foldBehind({ states, events, newest }, spool, behind);
}

/** Folded segments still waiting for the lake (disk under the floor) come after it, from the spool or its archive. */
async function foldBehind(r: { states: Map<Metric<any>, unknown>; events: number; newest: string | null }, spool: string, behind: string[]) {
  for (const name of behind) {
    const path = locate(spool, name);
    if (path === undefined) throw new Error(`--rebuild: segment ${name}, folded but not yet in the lake, is gone from ${spool} and its archive`);
    const counts = await foldSegment(path, name, r.states, () => undefined);
    r.events += counts.events;
    if (counts.newest !== null && (r.newest === null || counts.newest > r.newest)) r.newest = counts.newest;
  }
  return r;
}
