import { dirname } from 'node:path';
import { DAY_US, HOUR_US, wallMicros } from '../time.js';
import { lakeFiles } from './layout.js';

/** A partition is closed once the newest event is this far past its end (late events can still add a file; it is merged later). */
export const CLOSE_AFTER_US = HOUR_US;

/**
 * The next bounded compaction step: in the oldest closed partition (an hour,
 * or a date in a lake begun before hour partitions) with more than one small
 * file, the first run of small files whose total reaches `targetBytes` (or
 * all of them); undefined when there is nothing to merge. One step per run:
 * a refresh never rewrites more than about targetBytes. Files in `removed`
 * (retention deletes them in the same commit) are left out.
 */
export function compactionStep(lake: string, newest: string | null, targetBytes: number, removed: ReadonlySet<string> = new Set()): { date: string; files: string[] } | undefined {
  if (newest === null) return undefined;
  const now = wallMicros(newest);
  if (Number.isNaN(now)) return undefined;
  const byPart = new Map<string, { date: string; files: Array<{ path: string; bytes: number }> }>();
  for (const f of lakeFiles(lake)) {
    // Deleted by this run (retention): never merged into a new file.
    if (removed.has(f.path)) continue;
    const day = wallMicros(`${f.date}T00:00:00.000000`);
    const [start, length] = f.hour === undefined ? [day, DAY_US] : [day + f.hour * HOUR_US, HOUR_US];
    if (Number.isNaN(start) || start + length + CLOSE_AFTER_US > now || f.bytes >= targetBytes) continue;
    const part = dirname(f.path);
    (byPart.get(part) ?? byPart.set(part, { date: f.date, files: [] }).get(part)!).files.push(f);
  }
  for (const { date, files } of byPart.values()) {
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
