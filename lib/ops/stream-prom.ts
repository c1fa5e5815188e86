import { dirname } from 'node:path';
import type { Rejects } from '../cli/rejects.js';
import type { ParseCounts } from '../events/parse-stream.js';
import { makeDir } from '../io/make-dir.js';
import { instantMs } from '../time.js';
import { readTotals, sampleKey, writeProm, type PromFamily } from './prom.js';

/** What handle-stream counts live, for its Prometheus file. */
export interface StreamCounted {
  counts: ParseCounts;
  rejects?: Rejects;
  published: () => number;
  diskFull: () => boolean;
  /** Segments by what became of their lake files (handle-stream --lake-files): written, failed, or skipped in a backlog. */
  lake?: () => { written: number; failed: number; skipped: number };
}

/**
 * Writes handle-stream's counters to `path` every `everyMs` and once more at
 * stop(). The counters carry on from the file a previous run left, so they
 * stay cumulative across restarts, as Prometheus expects of a `_total`.
 */
export function streamProm(path: string, live: StreamCounted, everyMs = 5000): { stop(): void } {
  makeDir(dirname(path));
  const before = readTotals(path);
  const base = (name: string, labels?: Record<string, string>): number => before.get(sampleKey(name, labels)) ?? 0;
  const started = Date.now();
  const families = (): PromFamily[] => {
    const counter = (name: string, help: string, value: number): PromFamily => ({ name, help, type: 'counter', samples: [{ value: base(name) + value }] });
    const reasons = new Map<string, number>();
    // Kinds of reason seen by an earlier run stay, so that no counter goes missing after a restart.
    for (const [key, value] of before) {
      const m = /^bsky_handle_stream_rejected_lines_total\{reason="(.*)"\}$/.exec(key);
      if (m) reasons.set(m[1].replace(/\\"/g, '"').replace(/\\n/g, '\n').replace(/\\\\/g, '\\'), value);
    }
    for (const [reason, n] of live.rejects?.byReason ?? []) reasons.set(reason, (reasons.get(reason) ?? 0) + n);
    const out: PromFamily[] = [
      counter('bsky_handle_stream_events_spooled_total', 'Events written to the spool.', live.counts.events),
      counter('bsky_handle_stream_duplicates_total', 'Events dropped as already spooled (same DID, collection, rkey within the dedupe window).', live.counts.duplicates),
      counter('bsky_handle_stream_segments_published_total', 'Spool segments published for periodic.', live.published()),
      {
        name: 'bsky_handle_stream_rejected_lines_total', type: 'counter', help: 'Input lines rejected (kept in the rejects file up to its cap), by kind of reason.',
        samples: reasons.size ? [...reasons].sort().map(([reason, value]) => ({ labels: { reason }, value })) : [{ labels: { reason: 'any' }, value: 0 }],
      },
      ...(live.lake ? [lakeFamily(live.lake(), base)] : []),
      { name: 'bsky_handle_stream_disk_full', type: 'gauge', help: '1 while handle-stream waits for disk space (input paused), else 0.', samples: [{ value: live.diskFull() ? 1 : 0 }] },
      { name: 'bsky_handle_stream_start_timestamp_seconds', type: 'gauge', help: 'When this handle-stream started (Unix time).', samples: [{ value: Math.round(started / 1000) }] },
    ];
    if (live.counts.newest) out.push({ name: 'bsky_handle_stream_newest_event_timestamp_seconds', type: 'gauge', help: 'Time of the newest event spooled (Unix time).', samples: [{ value: instantMs(live.counts.newest) / 1000 }] });
    return out;
  };
  const write = (): void => {
    try {
      writeProm(path, families());
    } catch (err) {
      // Monitoring must never stop the stream: a full disk is reported by the spool itself.
      process.emitWarning(`handle-stream: ${path}: ${(err as Error).message}`);
    }
  };
  write();
  const timer = setInterval(write, everyMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      write();
    },
  };
}

/** Segments by what became of their lake files; counted on from an earlier run's file, as the other totals. */
function lakeFamily(n: { written: number; failed: number; skipped: number }, base: (name: string, labels?: Record<string, string>) => number): PromFamily {
  const name = 'bsky_handle_stream_lake_segments_total';
  return {
    name, type: 'counter',
    help: 'Published segments by what became of their lake files: written (periodic moves them in), failed or skipped in a backlog (periodic writes those rows itself).',
    samples: (['written', 'failed', 'skipped'] as const).map((outcome) => ({ labels: { outcome }, value: base(name, { outcome }) + n[outcome] })),
  };
}
