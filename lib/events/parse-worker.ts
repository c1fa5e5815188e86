import { parentPort, workerData } from 'node:worker_threads';
import { parseRegion, type RegionOptions } from './parse-region.js';

/** A parse worker of ParsePool: regions in, RegionResults out, handed over without copying. */
const opts = workerData as RegionOptions;
const port = parentPort!;
port.on('message', (m: { id: number; buf: Uint8Array; last: boolean }) => {
  const r = parseRegion(Buffer.from(m.buf.buffer, m.buf.byteOffset, m.buf.byteLength), m.last, opts);
  port.postMessage({ id: m.id, r }, [r.out.buffer, r.ends.buffer, r.at.buffer, r.us.buffer, r.hashes.buffer] as ArrayBuffer[]);
});
