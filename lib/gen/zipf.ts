import type { Rng } from './rng.js';

/**
 * Heavy-tailed choice of an account: rank r is chosen with weight
 * 1 / (r + offset), sampled in constant time with an alias table (Vose).
 * The offset flattens the head so that the busiest account does a fraction
 * of a percent of the traffic, as on the real firehose, not a tenth of it.
 */
export class Zipf {
  private readonly prob: Float64Array;
  private readonly alias: Int32Array;

  constructor(readonly size: number, offset = Math.max(1, Math.min(100, size / 10))) {
    const n = size;
    const w = new Float64Array(n);
    let sum = 0;
    for (let r = 0; r < n; r++) sum += w[r] = 1 / (r + offset);
    this.prob = new Float64Array(n);
    this.alias = new Int32Array(n);
    const small: number[] = [];
    const large: number[] = [];
    for (let r = 0; r < n; r++) {
      w[r] = (w[r] * n) / sum;
      (w[r] < 1 ? small : large).push(r);
    }
    while (small.length && large.length) {
      const s = small.pop()!;
      const l = large.pop()!;
      this.prob[s] = w[s];
      this.alias[s] = l;
      w[l] = w[l] + w[s] - 1;
      (w[l] < 1 ? small : large).push(l);
    }
    // Leftovers are 1 up to rounding error.
    for (const r of large) this.prob[r] = 1;
    for (const r of small) this.prob[r] = 1;
  }

  /** A rank in [0, size), small ranks far more often. */
  next(rng: Rng): number {
    const x = rng.float() * this.size;
    const i = Math.floor(x);
    return x - i < this.prob[i] ? i : this.alias[i];
  }
}
