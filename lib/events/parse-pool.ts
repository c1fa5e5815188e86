import { Worker } from 'node:worker_threads';
import { metaViews, parseRegion, type RegionBuffers, type RegionOptions, type RegionResult } from './parse-region.js';
import type { RegionReply, RegionRequest } from './parse-worker.js';
import { TakeHomeReader } from './take-home-fast.js';

interface Waiting {
  resolve(r: RegionResult): void;
  reject(err: Error): void;
}

interface Slot {
  worker: Worker;
  waiting: Map<number, Waiting>;
}

/** Buffers are allocated this big at least; a region is about one input chunk (64 KB from a pipe, 256 KB from a file). */
const MIN_BUFFER = 1 << 18;

/**
 * Parses regions on `threads` worker threads and on this thread: a region
 * is parsed here when every worker already has one waiting (with 0, always).
 * Results come back as promises; the caller awaits them in input order and
 * hands each back with recycle() once its output is written. A region's
 * bytes and its result's buffers move between threads without copying and
 * are used again, so that parsing makes no garbage per region (garbage
 * ArrayBuffers wait for a full GC, and took 70 MB more at 150,000 events/s).
 * Workers start on the first region, each with a small young generation, as
 * the launchers give the main thread.
 */
export class ParsePool {
  private slots: Slot[] = [];
  private next = 0;
  private failed: Error | null = null;
  private free: RegionBuffers[] = [];
  /** This thread's reader of take-home lines, for the regions it parses itself. */
  private readonly reader = new TakeHomeReader();

  constructor(
    private readonly threads: number,
    private readonly opts: RegionOptions,
  ) {}

  /**
   * Parses a region; `head`, when given, is one whole line that comes before
   * it (a line that ran across two reads), parsed as the region's first.
   */
  submit(buf: Buffer, last: boolean, head: Buffer | null = null): Promise<RegionResult> {
    if (this.failed) return Promise.reject(this.failed);
    const b = this.free.pop() ?? { input: null, out: new ArrayBuffer(MIN_BUFFER), meta: new ArrayBuffer(1 << 14) };
    if (this.threads > 0 && this.slots.length === 0) this.start();
    this.next++;
    let slot = this.slots[0];
    for (const s of this.slots) if (s.waiting.size < slot.waiting.size) slot = s;
    const local = this.threads === 0 || slot.waiting.size >= 2;
    // The region's bytes go to a buffer of their own (pooled, no garbage): a worker parses them
    // there, and the lines stay readable until the result is written (a rejected event's line
    // is kept verbatim), while the chunk they came in is read into again.
    let length = buf.length;
    let input = b.input;
    {
      length = head === null ? buf.length : head.length + 1 + buf.length;
      if (input === null || input.byteLength < length) input = new ArrayBuffer(Math.max(length, MIN_BUFFER));
      const bytes = new Uint8Array(input, 0, length);
      if (head === null) bytes.set(buf);
      else {
        bytes.set(head);
        bytes[head.length] = 10;
        bytes.set(buf, head.length + 1);
      }
      b.input = input;
    }
    if (local) {
      // Every worker has a region to go on with (or there are none): this thread parses this one itself.
      try {
        const r = parseRegion(Buffer.from(input!, 0, length), last, this.opts, b, this.reader);
        r.input = new Uint8Array(input!, 0, length);
        return Promise.resolve(r);
      } catch (err) {
        return Promise.reject(err as Error);
      }
    }
    const request: RegionRequest = { id: this.next, input: input!, length, last, out: b.out, meta: b.meta };
    return new Promise((resolve, reject) => {
      slot.waiting.set(request.id, { resolve, reject });
      slot.worker.postMessage(request, [input!, b.out, b.meta]);
    });
  }

  /** Takes back a result's buffers once nothing reads them any more (its output was written). */
  recycle(r: RegionResult): void {
    if (this.free.length < 4 * this.threads + 4) this.free.push(r.buffers);
  }

  /** Stops the workers; results not yet back are dropped. */
  async close(): Promise<void> {
    const slots = this.slots;
    this.slots = [];
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  private start(): void {
    for (let i = 0; i < this.threads; i++) {
      const worker = new Worker(new URL('./parse-worker.js', import.meta.url), {
        workerData: this.opts,
        // V8 flags are the process's: the launchers' --max-semi-space-size is not for workers to take again.
        execArgv: [],
        resourceLimits: { maxYoungGenerationSizeMb: 8 },
      });
      const slot: Slot = { worker, waiting: new Map() };
      worker.on('message', (m: RegionReply) => {
        const w = slot.waiting.get(m.id);
        slot.waiting.delete(m.id);
        const views = metaViews(m.meta, m.events);
        w?.resolve({
          lines: m.lines,
          blank: m.blank,
          out: new Uint8Array(m.out, 0, m.outLength),
          ...views,
          hashes: this.opts.hash ? views.hashes : new Int32Array(0),
          rejects: m.rejects,
          input: new Uint8Array(m.input, 0, m.length),
          buffers: { input: m.input, out: m.out, meta: m.meta },
        });
      });
      const fail = (err: Error): void => {
        this.failed ??= err;
        for (const w of slot.waiting.values()) w.reject(err);
        slot.waiting.clear();
      };
      worker.on('error', fail);
      worker.on('exit', (code) => {
        if (slot.waiting.size > 0) fail(new Error(`a parse worker stopped (exit code ${code})`));
      });
      this.slots.push(slot);
    }
  }
}
