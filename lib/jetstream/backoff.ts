/** Settings of the reconnect delay, in milliseconds. */
export interface BackoffOptions {
  baseMs: number;
  capMs: number;
  /** A connection that stayed up this long resets the delay to its base. */
  healthyMs: number;
}

/**
 * Exponential backoff with full jitter: the n-th retry in a row waits a
 * uniform random time in [0, min(cap, base * 2^n)), so that many clients cut
 * off at once do not all come back at the same instant.
 */
export class Backoff {
  private attempt = 0;

  constructor(private readonly opts: BackoffOptions, private readonly random: () => number = Math.random) {}

  /** The delay before the next attempt; each call without a reset doubles the ceiling. */
  next(): number {
    const ceiling = Math.min(this.opts.capMs, this.opts.baseMs * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    return Math.floor(this.random() * ceiling);
  }

  /** Reports how long a connection stayed up; a healthy one resets the delay. */
  ended(upMs: number): void {
    if (upMs >= this.opts.healthyMs) this.attempt = 0;
  }

  /** Number of attempts since the last reset. */
  get attempts(): number {
    return this.attempt;
  }
}
