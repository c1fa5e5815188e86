import { PERIOD_US, burstTimes, planPeriod, type Burst } from './bursts.js';
import { SECOND } from './event-maker.js';
import { didOf } from './ids.js';
import type { ResolvedOptions } from './options.js';
import type { Rng } from './rng.js';

const SALT_BOT = 0x7654321;

/** A bot in a burst: its DID, its like times, the next one's index. */
interface Active {
  did: string;
  times: Float64Array;
  i: number;
}

/**
 * When events happen: the main stream (Poisson arrivals at --rate) and the
 * planned bursts of fast likers and near misses, merged in time order.
 */
export class Schedule {
  /** DIDs of the accounts planned to like in fast bursts, and of the near misses. */
  readonly fastLikers: string[] = [];
  readonly nearMisses: string[] = [];
  private mainLeft: number;
  private tMain: number;
  private readonly pending: Burst[] = [];
  private planned = 0;
  private readonly active: Active[] = [];
  /** Set by next(): the main stream's time and the earliest burst like's (Infinity when none), and that bot's index. */
  private tM = Infinity;
  private tB = Infinity;
  private best = -1;

  constructor(private readonly opts: ResolvedOptions, private readonly rng: Rng) {
    this.tMain = opts.start;
    this.mainLeft = opts.events;
    if (Number.isFinite(opts.events)) this.planAll();
    const accounts = new Set(this.pending.map((b) => b.account));
    for (let a = 0; a < 2 * opts.fastLikers; a++) {
      if (Number.isFinite(opts.events) && !accounts.has(a)) continue;
      (a < opts.fastLikers ? this.fastLikers : this.nearMisses).push(didOf(a, SALT_BOT));
    }
  }

  /** The time of the next event (Infinity at the end); then takeBurst() or takeMain() takes it. */
  next(): number {
    if (!Number.isFinite(this.opts.events)) this.planAhead();
    const tM = (this.tM = this.mainLeft > 0 ? this.tMain : Infinity);
    while (this.pending.length && (this.pending[0].start <= tM || this.active.length === 0)) {
      const b = this.pending.shift()!;
      this.active.push({ did: didOf(b.account, SALT_BOT), times: burstTimes(b), i: 0 });
    }
    this.best = -1;
    this.tB = Infinity;
    for (let i = 0; i < this.active.length; i++) {
      const a = this.active[i];
      if (a.times[a.i] < this.tB) {
        this.tB = a.times[a.i];
        this.best = i;
      }
    }
    return Math.min(tM, this.tB);
  }

  /** Whether the next event is a bot's like (at a tie, the burst goes first). */
  get burstNext(): boolean {
    return this.tB <= this.tM;
  }

  /** Takes the next burst like; returns the bot's DID. */
  takeBurst(): string {
    const a = this.active[this.best];
    if (++a.i >= a.times.length) this.active.splice(this.best, 1);
    return a.did;
  }

  /** Takes the next event of the main stream (after it was made: the next arrival's draw comes after its own). */
  takeMain(): void {
    this.mainLeft--;
    this.tMain += this.rng.exp(SECOND / this.opts.rate);
  }

  /** Plans every burst of a finite capture, so that bursts count in --events and end before the capture does. */
  private planAll(): void {
    const o = this.opts;
    let bursts: Burst[] = [];
    let total = 0;
    for (let pass = 0; pass < 2; pass++) {
      const horizon = (0.9 * (o.events - total) * SECOND) / o.rate;
      bursts = [];
      for (let k = 0; k * PERIOD_US < horizon; k++) bursts.push(...planPeriod(o.seed, k, o.fastLikers, o.start, horizon));
      bursts.sort((a, b) => a.start - b.start || a.account - b.account);
      total = bursts.reduce((s, b) => s + b.count, 0);
      // Bursts take at most a quarter of the events: a short capture keeps its mix.
      // Near misses go first: the fast likers are what a short capture is for.
      while (total * 4 > o.events && bursts.length) {
        let i = bursts.length - 1;
        for (let j = i; j >= 0; j--) if (bursts[j].kind !== 'fast') { i = j; break; }
        total -= bursts.splice(i, 1)[0].count;
      }
    }
    this.pending.push(...bursts);
    this.mainLeft = o.events - total;
  }

  /** Plans bursts of an endless capture a period ahead of the main clock. */
  private planAhead(): void {
    const o = this.opts;
    while (o.start + (this.planned - 1) * PERIOD_US <= this.tMain) {
      const bursts = planPeriod(o.seed, this.planned++, o.fastLikers, o.start, Infinity);
      this.pending.push(...bursts.sort((a, b) => a.start - b.start || a.account - b.account));
    }
  }
}
