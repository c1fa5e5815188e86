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
  if (s.newest) parts.push(`newest event ${s.newest} (${humanSeconds((now - instantMs(s.newest)) / 1000)} old)`);
  parts.push(`${s.files} CSV files written`);
  return `periodic: ${parts.join(', ')}`;
}
