import type { Emit, LineTool } from '../cli/tool.js';
import { wallMicros } from '../time.js';
import { Dedupe } from './dedupe.js';
import { isCommit, type BskyEvent } from './event.js';
import { parseEvent, type ParseOptions } from './parse-event.js';

export interface ParseLinesOptions extends ParseOptions {
  /** Dedupe window in microseconds of event time; 0 turns dedupe off. */
  dedupeUs: number;
  /** A dedupe memory to use, e.g. one seeded from the spool after a restart. */
  dedupe?: Dedupe;
}

/** The bsky-parse line tool: raw lines in, canonical events out, duplicates counted and dropped. */
export function parseLines(opts: ParseLinesOptions): LineTool & { events: number; duplicates: number; newest?: string } {
  const dedupe = opts.dedupe ?? (opts.dedupeUs > 0 ? new Dedupe(opts.dedupeUs) : null);
  const tool = {
    events: 0,
    duplicates: 0,
    newest: undefined as string | undefined,
    line(text: string, _ref: unknown, emit: Emit): string | undefined {
      const r = parseEvent(text, opts);
      if (r.reason !== undefined) return r.reason;
      const e = r.event;
      // The parts hash as identityOf's text would, without building it on the hot path.
      const key = isCommit(e) ? keyParts(e.did, e.collection, e.rkey, e.op) : [identityOf(e)];
      if (dedupe && dedupe.seenParts(key, wallMicros(e.time))) {
        tool.duplicates++;
        return undefined;
      }
      tool.events++;
      tool.newest = e.time;
      emit(JSON.stringify(e) + '\n');
      return undefined;
    },
    summary: () => [`${tool.events} events`, `${tool.duplicates} duplicates`],
  };
  return tool;
}

/**
 * The identity of an event for dedupe: (DID, collection, rkey), and the
 * operation so that a delete is not taken for its create. Identity and
 * account events have no rkey: the same DID, kind and time is the same event
 * (a Jetstream rewind replays them).
 */
export function identityOf(e: BskyEvent): string {
  return isCommit(e) ? `${e.did} ${e.collection} ${e.rkey} ${e.op}` : `${e.did} ${e.op} ${e.time}`;
}

const parts = ['', '', '', ''];

/** eventKey's parts in a reused array, for Dedupe.seenParts. */
function keyParts(did: string, collection: string, rkey: string, op: string): string[] {
  parts[0] = did;
  parts[1] = collection;
  parts[2] = rkey;
  parts[3] = op;
  return parts;
}
