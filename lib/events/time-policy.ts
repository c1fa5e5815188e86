import { durationValue, showDuration, usageError, type OptionSpec } from '../cli/tool.js';
import { canonicalTime, DAY_US, humanSeconds, instantMicros } from '../time.js';

/**
 * Where events enter (bsky-parse, handle-stream), an event whose time is far
 * outside the stream's is an error of its source, not history: stamped more
 * than `maxAheadUs` ahead of the clock, or more than `maxBehindUs` behind the
 * newest event the stream has let in, it is rejected with its reason. One
 * event stamped 2099 would otherwise make every per-minute metric fill every
 * minute up to 2099. Times compare as instants: a zone-less time is the
 * producing machine's local time (TZ).
 */
export class TimePolicy {
  /** The newest instant let in so far (epoch microseconds), and its text. */
  newest = -Infinity;
  private newestText = '';
  private clockUs = 0;

  constructor(
    /** null: no ahead check (replaying a capture whose clock is unknown). */
    private readonly maxAheadUs: number | null,
    /** null: no behind check. */
    private readonly maxBehindUs: number | null,
    /** A fixed clock (epoch microseconds) instead of the system's: replays and tests. */
    private readonly fixedNowUs: number | null = null,
  ) {}

  /** Reads the clock, once for a batch of events. */
  tick(): void {
    this.clockUs = this.fixedNowUs ?? Date.now() * 1000;
  }

  /**
   * Checks one event, in stream order: the reason to reject it, or undefined
   * when it is let in (and may become the newest). `time` gives its text, for
   * messages only.
   */
  check(instant: number, time: () => string): string | undefined {
    if (this.maxAheadUs !== null && instant > this.clockUs + this.maxAheadUs) {
      return `time ${time()} is ${ago(instant - this.clockUs)} ahead of the clock (limit --max-ahead ${showDuration(this.maxAheadUs)})`;
    }
    if (this.maxBehindUs !== null && instant < this.newest - this.maxBehindUs) {
      return `time ${time()} is ${ago(this.newest - instant)} behind the newest event, ${this.newestText} (limit --max-behind ${showDuration(this.maxBehindUs)})`;
    }
    if (instant > this.newest) {
      this.newest = instant;
      this.newestText = time();
    }
    return undefined;
  }
}

function ago(us: number): string {
  const seconds = us / 1e6;
  return seconds >= 2 * 365 * 86400 ? `${(seconds / (365.25 * 86400)).toFixed(1)} years` : humanSeconds(seconds);
}

/** The time policy's options, the same on bsky-parse and handle-stream. */
export const TIME_POLICY_OPTIONS: Record<string, OptionSpec> = {
  'max-ahead': {
    type: 'string', duration: true, zero: true, words: ['off'], max: 366 * DAY_US, default: '5m',
    describe: 'reject an event stamped more than this ahead of the clock (off: never, for a capture from a clock you do not trust)',
  },
  'max-behind': {
    type: 'string', duration: true, zero: true, words: ['off'], max: 3660 * DAY_US, default: '1d',
    describe: 'reject an event stamped more than this behind the newest event let in before it (off: never)',
  },
  now: {
    type: 'string',
    describe: "the clock --max-ahead compares with, e.g. 2025-03-16T14:00:00 (local time) or ...Z", defaultText: 'the system clock',
  },
};

export interface TimePolicyArgs {
  maxAhead: string;
  maxBehind: string;
  now?: string;
}

/** Builds the policy from the options (checked by parseArgs but --now, checked here: usage error exit 2). */
export function timePolicyFrom(tool: string, a: TimePolicyArgs): TimePolicy {
  let nowUs: number | null = null;
  if (a.now !== undefined) {
    const text = canonicalTime(a.now);
    nowUs = text === undefined ? NaN : instantMicros(text);
    if (!Number.isFinite(nowUs)) usageError(tool, `--now: invalid time '${a.now}' (e.g. 2025-03-16T14:00:00, or with a zone: 2025-03-16T13:00:00Z)`);
  }
  const bound = (text: string): number | null => (text.trim() === 'off' ? null : durationValue(text)!);
  return new TimePolicy(bound(a.maxAhead), bound(a.maxBehind), nowUs);
}
