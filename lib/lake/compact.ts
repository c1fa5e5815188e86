import { DAY_US, HOUR_US, wallMicros } from '../time.js';
import { lakeFiles } from './layout.js';

/** A partition is closed once the newest event is this far past its end (late events can still add a file; it is merged later). */
export const CLOSE_AFTER_US = HOUR_US;

/**
 * The next bounded compaction step: in the oldest closed partition with more
 * than one small file, the first run of small files whose total reaches
 * `targetBytes` (or all of them); undefined when there is nothing to merge.
 * One step per run: a refresh never rewrites more than about targetBytes.
 */
export function compactionStep(lake: string, newest: string | null, targetBytes: number): { date: string; files: string[] } | undefined {
  if (newest === null) return undefined;
  const now = wallMicros(newest);
  if (Number.isNaN(now)) return undefined;
  const byDate = new Map<string, Array<{ path: string; bytes: number }>>();
  for (const f of lakeFiles(lake)) {
    const start = wallMicros(`${f.date}T00:00:00.000000`);
    if (Number.isNaN(start) || start + DAY_US + CLOSE_AFTER_US > now || f.bytes >= targetBytes) continue;
    (byDate.get(f.date) ?? byDate.set(f.date, []).get(f.date)!).push(f);
  }
  for (const [date, files] of byDate) {
    if (files.length < 2) continue;
    const group: string[] = [];
    let bytes = 0;
    for (const f of files) {
      group.push(f.path);
      bytes += f.bytes;
      if (bytes >= targetBytes) break;
    }
    if (group.length >= 2) return { date, files: group };
  }
  return undefined;
}
