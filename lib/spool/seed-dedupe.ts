import { createReadStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import { Dedupe, hashKey } from '../events/dedupe.js';
import { identityOf } from '../events/parse-region.js';
import type { BskyEvent } from '../events/event.js';
import { LineSplitter } from '../input/split-lines.js';
import { envelope } from '../rows/envelope.js';
import { wallMicros } from '../time.js';
import { archiveDays, listSegments, openSegment, type SkipNote } from './segments.js';

/**
 * Rebuilds the dedupe memory of a restarted spooler from what it published
 * last: segments are read newest first until they reach back two windows of
 * event time, so a redelivered event is still recognised after a restart or
 * a crash. Cost is bounded by the window, not by the history; memory is 16
 * bytes an event read (two hash words and a time in typed arrays), never the
 * events or their keys as strings.
 */
export async function seedDedupe(spool: string, windowUs: number, skip?: SkipNote): Promise<{ dedupe: Dedupe; events: number }> {
  const dedupe = new Dedupe(windowUs);
  const paths = [
    ...listSegments(spool, skip).map((f) => join(spool, f)),
    ...archiveDays(spool).slice(0, 2).flatMap((d) => listSegments(join(spool, 'archive', d), skip).map((f) => join(spool, 'archive', d, f))),
  ].sort((a, b) => (base(a) < base(b) ? 1 : -1));
  const keys = new Keys();
  let newest = -Infinity;
  for (const path of paths) {
    if (!existsSync(path)) continue;
    let oldest = Infinity;
    const splitter = new LineSplitter(path, 1 << 24, {
      line(text) {
        const us = keys.add(text);
        if (us > newest) newest = us;
        if (us < oldest) oldest = us;
      },
      // A spool line that is not valid text was never an event: nothing to remember.
      bad: () => undefined,
      spill: () => undefined,
    });
    for await (const chunk of createReadStream('', { fd: openSegment(path), highWaterMark: 1 << 16 })) splitter.push(chunk as Buffer);
    splitter.end();
    if (oldest < newest - 2 * windowUs) break;
  }
  // The generation before the newest first, then the newest: the tables end as they did when the events came in.
  const newestGen = Math.floor(newest / windowUs);
  for (const gen of [newestGen - 1, newestGen]) {
    for (let i = 0; i < keys.n; i++) {
      if (Math.floor(keys.us[i] / windowUs) === gen) dedupe.seenHash(keys.hashes[2 * i], keys.hashes[2 * i + 1], keys.us[i]);
    }
  }
  return { dedupe, events: keys.n };
}

const parts = ['', '', '', ''];
const RKEY = '","rkey":"';

/** Identity hashes and times of spool lines, in growing typed arrays. */
class Keys {
  n = 0;
  hashes = new Int32Array(2 * 4096);
  us = new Float64Array(4096);

  /** Notes a line's identity and returns its time (NaN for a line that is not an event). */
  add(text: string): number {
    let us = NaN;
    if (this.n === this.us.length) this.grow();
    // The head of a canonical commit line is read in place (most lines); anything else is parsed whole.
    const e = envelope(text);
    const rkeyAt = e ? text.indexOf(RKEY) : -1;
    const rkeyEnd = rkeyAt < 0 ? -1 : text.indexOf('"', rkeyAt + RKEY.length);
    const rkey = rkeyEnd > 0 ? text.slice(rkeyAt + RKEY.length, rkeyEnd) : '\\';
    // An escape in the rkey (its text is not its value) sends the line to JSON.parse.
    if (e && !rkey.includes('\\')) {
      us = wallMicros(e.time);
      parts[0] = e.did;
      parts[1] = e.collection;
      parts[2] = rkey;
      parts[3] = e.op;
      hashKey(parts, this.hashes, 2 * this.n);
    } else {
      try {
        const ev = JSON.parse(text) as BskyEvent;
        if (typeof ev.time !== 'string' || typeof ev.did !== 'string') return NaN;
        us = wallMicros(ev.time);
        hashKey([identityOf(ev)], this.hashes, 2 * this.n);
      } catch {
        return NaN;
      }
    }
    if (Number.isNaN(us)) return NaN;
    this.us[this.n++] = us;
    return us;
  }

  private grow(): void {
    const hashes = new Int32Array(this.hashes.length * 2);
    hashes.set(this.hashes);
    this.hashes = hashes;
    const us = new Float64Array(this.us.length * 2);
    us.set(this.us);
    this.us = us;
  }
}

function base(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
