import { humanSeconds, instantMs } from '../time.js';
import type { RollupSummary } from './rollup.js';

/** The one line periodic prints: what was new, how long it took, how fresh the newest event is. */
export function summaryLine(s: RollupSummary, seconds: number, now = Date.now()): string {
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
  return `periodic: ${parts.join(', ')}`;
}
