/** What the status line shows. */
export interface StatusInput {
  host: string | undefined;
  connected: boolean;
  /** Events written since the previous status line, and the time it covers. */
  events: number;
  elapsedMs: number;
  /** time_us of the last event written, and the wall clock now in ms. */
  cursor: number | undefined;
  nowMs: number;
  paused: boolean;
}

/** One status line: host, events/s, lag behind real time. */
export function formatStatus(s: StatusInput): string {
  const rate = s.elapsedMs > 0 ? Math.round((s.events * 1000) / s.elapsedMs) : 0;
  const lag = s.cursor === undefined ? '-' : formatLag(s.nowMs - s.cursor / 1000);
  const state = !s.connected ? 'reconnecting' : s.paused ? 'waiting for stdout' : 'connected';
  return `${s.host ?? '-'} ${state}, ${rate} events/s, lag ${lag}`;
}

/** A lag in ms as 0.4s, 12s, 3m05s, 2h10m. */
export function formatLag(ms: number): string {
  if (ms < 0) ms = 0;
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)}s`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
