import { instantMs } from '../time.js';

interface Counted {
  events: number;
  duplicates: number;
  newest?: string;
}

/** Redraws one status line on stderr every 2 s: events/s, totals, duplicates, lag behind the clock. */
export function statusLine(tool: Counted, everyMs = 2000): { stop(): void } {
  let last = tool.events;
  let lastAt = Date.now();
  const timer = setInterval(() => {
    const now = Date.now();
    const rate = ((tool.events - last) * 1000) / Math.max(1, now - lastAt);
    last = tool.events;
    lastAt = now;
    const lag = tool.newest ? `, lag ${((now - instantMs(tool.newest)) / 1000).toFixed(1)} s` : '';
    process.stderr.write(`\r\x1b[K${tool.events.toLocaleString('en-US')} events (${Math.round(rate).toLocaleString('en-US')}/s), ${tool.duplicates} duplicates${lag}`);
  }, everyMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      process.stderr.write('\r\x1b[K');
    },
  };
}
