import { parentPort, workerData } from 'node:worker_threads';
import { parseRegion, type RegionOptions } from './parse-region.js';
import { TakeHomeReader } from './take-home-fast.js';

/** What ParsePool sends: a region's bytes, and the buffers to write its result into. */
export interface RegionRequest {
  id: number;
  input: ArrayBuffer;
  length: number;
  last: boolean;
  out: ArrayBuffer;
  meta: ArrayBuffer;
}

/** What a worker sends back: the result's buffers (all three handed over, none copied) and the rest. */
export interface RegionReply {
  id: number;
  /** Bytes of the region in `input`. */
  length: number;
  lines: number;
  blank: number;
  events: number;
  outLength: number;
  rejects: Array<{ at: number; reason: string; raw: string | Uint8Array }>;
  input: ArrayBuffer;
  out: ArrayBuffer;
  meta: ArrayBuffer;
}

/** A parse worker of ParsePool: regions in, results out, the same buffers going back and forth. */
const opts = workerData as RegionOptions;
const port = parentPort!;
/** This thread's reader of take-home lines (its scratch kept from region to region). */
const reader = new TakeHomeReader();
port.on('message', (m: RegionRequest) => {
  // Fault injection for the test of a worker that fails: the run must stop with one clear line.
  if (process.env.BSKY_CRASH_AT === 'parse-worker') throw new Error('injected failure (BSKY_CRASH_AT=parse-worker)');
  const r = parseRegion(Buffer.from(m.input, 0, m.length), m.last, opts, { input: m.input, out: m.out, meta: m.meta }, reader);
  const reply: RegionReply = {
    id: m.id, length: m.length, lines: r.lines, blank: r.blank, events: r.ends.length, outLength: r.out.length, rejects: r.rejects,
    input: m.input, out: r.buffers.out, meta: r.buffers.meta,
  };
  port.postMessage(reply, [reply.input, reply.out, reply.meta]);
});
