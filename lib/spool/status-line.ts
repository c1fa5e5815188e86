import { inputBytes } from '../cli/progress.js';
import { humanSeconds, instantMs } from '../time.js';

interface Counted {
  events: number;
  duplicates: number;
  newest?: string;
}

/**
 * Redraws one status line on stderr every 2 s: events/s, totals, duplicates,
 * lag behind the clock, and how much of the input files was read when their
 * size is known (a replay).
 */
export function statusLine(tool: Counted, input?: InputProgress, everyMs = 2000): { stop(): void } {
  let last = tool.events;
  let lastAt = Date.now();
  const timer = setInterval(() => {
    const now = Date.now();
    const rate = ((tool.events - last) * 1000) / Math.max(1, now - lastAt);
    last = tool.events;
    lastAt = now;
    const lag = tool.newest ? `, lag ${humanSeconds((now - instantMs(tool.newest)) / 1000)}` : '';
    const done = input?.report() ?? '';
    const rejected = input?.rejected ?? 0;
    process.stderr.write(`\r\x1b[K${done}${tool.events.toLocaleString('en-US')} events (${Math.round(rate).toLocaleString('en-US')}/s), ${tool.duplicates} duplicates, ${rejected} rejected${lag}`);
  }, everyMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      process.stderr.write('\r\x1b[K');
    },
  };
}

export interface InputProgress {
  /** Lines rejected so far. */
  rejected: number;
  /** Called for every chunk read (RunOptions.onChunk). */
  add: (bytes: number, rejected: number) => void;
  /** `42.0% of 514 MB, ` when the input size is known, else nothing. */
  report: () => string;
}

/** Counts bytes read against the total size of the inputs when they are files (`< capture`, or named), and the lines rejected. */
export function inputProgress(files: string[]): InputProgress {
  const total = inputBytes(files)?.amount ?? 0;
  let read = 0;
  const progress: InputProgress = {
    rejected: 0,
    add: (bytes, rejected) => {
      read += bytes;
      progress.rejected = rejected;
    },
    report: () => (total > 0 ? `${Math.min(100, (100 * read) / total).toFixed(1)}% of ${(total / 1e6).toFixed(0)} MB, ` : ''),
  };
  return progress;
}
