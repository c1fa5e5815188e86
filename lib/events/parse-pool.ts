import { Worker } from 'node:worker_threads';
import { parseRegion, type RegionOptions, type RegionResult } from './parse-region.js';

interface Waiting {
  resolve(r: RegionResult): void;
  reject(err: Error): void;
}

interface Slot {
  worker: Worker;
  waiting: Map<number, Waiting>;
}

/**
 * Parses regions on `threads` worker threads, or on this thread when 0.
 * Results come back as promises; the caller awaits them in input order.
 * Workers start on the first region; each gets a small young generation, as
 * the launchers give the main thread, so that memory stays bounded.
 */
export class ParsePool {
  private slots: Slot[] = [];
  private next = 0;
  private failed: Error | null = null;

  constructor(
    private readonly threads: number,
    private readonly opts: RegionOptions,
  ) {}

  submit(buf: Buffer, last: boolean): Promise<RegionResult> {
    if (this.failed) return Promise.reject(this.failed);
    if (this.threads === 0) {
      try {
        return Promise.resolve(parseRegion(buf, last, this.opts));
      } catch (err) {
        return Promise.reject(err as Error);
      }
    }
    if (this.slots.length === 0) this.start();
    // Round robin: regions are about one input chunk each.
    const slot = this.slots[this.next++ % this.slots.length];
    const copy = new Uint8Array(buf.length);
    copy.set(buf);
    const id = this.next;
    return new Promise((resolve, reject) => {
      slot.waiting.set(id, { resolve, reject });
      slot.worker.postMessage({ id, buf: copy, last }, [copy.buffer]);
    });
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
      worker.on('message', (m: { id: number; r: RegionResult }) => {
        const w = slot.waiting.get(m.id);
        slot.waiting.delete(m.id);
        w?.resolve(m.r);
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
