import { humanSeconds, instantMs } from '../time.js';
import type { RollupSummary } from './rollup.js';

/**
 * The one line periodic prints: what was new, how long it took, how fresh the
 * newest event is; and, while nothing was ever folded, where it looked.
 */
export function summaryLine(s: RollupSummary, seconds: number, now = Date.now(), spool = './spool'): string {
  const parts = [
    `${s.segments} new segments`,
    `${s.events} events in ${seconds.toFixed(2)} s`,
    `${s.totalEvents} events in all`,
  ];
  if (s.rejected) parts.push(`${s.rejected} rejected`);
  if (s.newest) {
    const age = (now - instantMs(s.newest)) / 1000;
    // A rogue event spooled before the time policy existed may be ahead of the clock.
    parts.push(`newest event ${s.newest} (${age >= 0 ? `${humanSeconds(age)} old` : `${humanSeconds(-age)} ahead of the clock`})`);
  }
  parts.push(`${s.files} CSV files written`);
  if (s.lakeBytes) parts.push(`lake ${humanBytes(s.lakeBytes)}`);
  // Run in the wrong folder, periodic writes empty CSVs: say why, or they look like a broken stream.
  if (s.totalEvents === 0 && s.segments === 0) parts.push(`no segments in ${spool}: is handle-stream writing here?`);
  return `periodic: ${parts.join(', ')}`;
}

/**
 * The stall alarm of `--max-age`: one line when the newest event folded so far
 * is older than maxAgeUs (a zone-less time read on the local clock, as it was
 * written), or when nothing was ever folded; null when the data is fresh.
 */
export function staleLine(s: RollupSummary, maxAgeUs: number, limit: string, now = Date.now()): string | null {
  if (!s.newest) return `periodic: stale: no event was ever folded (--max-age ${limit})`;
  const ageS = (now - instantMs(s.newest)) / 1000;
  if (ageS * 1e6 <= maxAgeUs) return null;
  return `periodic: stale: the newest event folded, ${s.newest}, is ${humanSeconds(ageS)} old (--max-age ${limit})`;
}

/** Bytes for people: `812 B`, `3.4 MB`, `1.20 GB`. */
export function humanBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  if (n < 1e6) return `${(n / 1e3).toFixed(1)} kB`;
  if (n < 1e9) return `${(n / 1e6).toFixed(1)} MB`;
  return `${(n / 1e9).toFixed(2)} GB`;
}
