import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Dedupe } from '../events/dedupe.js';
import { identityOf } from '../events/parse-region.js';
import type { BskyEvent } from '../events/event.js';
import { wallMicros } from '../time.js';
import { archiveDays, listSegments, openSegment } from './segments.js';

/**
 * Rebuilds the dedupe memory of a restarted spooler from what it published
 * last: segments are read newest first until they reach back two windows of
 * event time, so a redelivered event is still recognised after a restart or
 * a crash. Cost is bounded by the window, not by the history.
 */
export async function seedDedupe(spool: string, windowUs: number): Promise<{ dedupe: Dedupe; events: number }> {
  const dedupe = new Dedupe(windowUs);
  const paths = [
    ...listSegments(spool).map((f) => join(spool, f)),
    ...archiveDays(spool).slice(0, 2).flatMap((d) => listSegments(join(spool, 'archive', d)).map((f) => join(spool, 'archive', d, f))),
  ].sort((a, b) => (base(a) < base(b) ? 1 : -1));
  const keys: Array<[string, number]> = [];
  let newest = -Infinity;
  for (const path of paths) {
    if (!existsSync(path)) continue;
    let oldest = Infinity;
    for await (const line of createInterface({ input: openSegment(path), crlfDelay: Infinity })) {
      try {
        const e = JSON.parse(line) as BskyEvent;
        if (typeof e.time !== 'string' || typeof e.did !== 'string') continue;
        const us = wallMicros(e.time);
        keys.push([identityOf(e), us]);
        if (us > newest) newest = us;
        if (us < oldest) oldest = us;
      } catch {
        // A spool line that does not parse was never an event: nothing to remember.
      }
    }
    if (oldest < newest - 2 * windowUs) break;
  }
  // Oldest first, so that the generations rotate as they did when the events came in.
  keys.sort((a, b) => a[1] - b[1]);
  for (const [key, us] of keys) dedupe.seen(key, us);
  return { dedupe, events: keys.length };
}

function base(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
