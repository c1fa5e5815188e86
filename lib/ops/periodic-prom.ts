import type { RollupSummary } from '../periodic/rollup.js';
import { instantMs } from '../time.js';
import type { PromFamily } from './prom.js';

/** What periodic tells Prometheus after a run: totals over the life of its state, and gauges of this run. */
export function periodicFamilies(s: RollupSummary, o: { seconds: number; pending: number; now?: number }): PromFamily[] {
  const t = s.totals ?? { segments: s.segments, rejected: s.rejected, rejectedBy: {}, late: 0 };
  const one = (value: number): PromFamily['samples'] => [{ value }];
  const families: PromFamily[] = [
    { name: 'bsky_periodic_events_folded_total', type: 'counter', help: 'Events folded into the metrics over the life of the state.', samples: one(s.totalEvents) },
    { name: 'bsky_periodic_segments_folded_total', type: 'counter', help: 'Spool segments folded over the life of the state.', samples: one(t.segments) },
    {
      name: 'bsky_periodic_rejected_lines_total', type: 'counter', help: 'Spooled lines periodic could not fold (kept in state/rejects.ndjson), by kind of reason.',
      samples: Object.keys(t.rejectedBy).length ? Object.entries(t.rejectedBy).sort().map(([reason, value]) => ({ labels: { reason }, value })) : [{ labels: { reason: 'any' }, value: t.rejected }],
    },
    { name: 'bsky_periodic_late_events_total', type: 'counter', help: 'Likes that came later than --lateness allows: counted, not folded into fast-likers.', samples: one(t.late) },
    { name: 'bsky_periodic_segments_pending', type: 'gauge', help: 'Segments published in the spool and not folded yet, at the end of the run.', samples: one(o.pending) },
    { name: 'bsky_periodic_run_duration_seconds', type: 'gauge', help: 'How long the last run took.', samples: one(Number(o.seconds.toFixed(3))) },
    { name: 'bsky_periodic_last_run_timestamp_seconds', type: 'gauge', help: 'When the last run ended (Unix time).', samples: one(Math.round((o.now ?? Date.now()) / 1000)) },
    {
      name: 'bsky_periodic_metrics_file_rows', type: 'gauge', help: 'Data rows of each metrics CSV file written.',
      samples: Object.entries(s.rows ?? {}).sort().map(([file, value]) => ({ labels: { file }, value })),
    },
  ];
  if (s.lakeBytes !== undefined) families.push({ name: 'bsky_periodic_lake_bytes', type: 'gauge', help: 'Bytes of the Parquet lake\'s files (periodic --lake).', samples: one(s.lakeBytes) });
  if (s.lakeBehind !== undefined) {
    families.push({
      name: 'bsky_periodic_lake_segments_behind', type: 'gauge', samples: one(s.lakeBehind),
      help: 'Folded segments whose rows wait for the lake (free space under --lake-min-free: kept in the archive): alert when above 0 for long.',
    });
  }
  // A zone-less time is read on the local clock, as it was written.
  if (s.newest) families.push({ name: 'bsky_periodic_newest_event_timestamp_seconds', type: 'gauge', help: 'Time of the newest event folded (Unix time): alert when it grows old.', samples: one(instantMs(s.newest) / 1000) });
  return families;
}
