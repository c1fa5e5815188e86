import WebSocket from 'ws';
import { Backoff, type BackoffOptions } from './backoff.js';
import { saveCursorFile, saveCursorFileSync } from './cursor-file.js';
import { checkMessage } from './message.js';
import { formatStatus } from './status.js';
import { hostOf, subscribeUrl } from './subscribe-url.js';

/** Everything followJetstream needs; times in milliseconds, cursors in microseconds. */
export interface FollowOptions {
  urls: string[];
  collections: string[];
  cursorFile?: string;
  /** Where to start: from the cursor file or --cursor; undefined = live. */
  cursor?: number;
  rewindUs: number;
  idleMs: number;
  saveMs: number;
  maxMessage: number;
  backoff: BackoffOptions;
  /** A diagnostic line for stderr (connections, skipped messages); a no-op under --quiet. */
  log: (line: string) => void;
  /** Redraws the status line in place, when stderr is a terminal. */
  status?: (line: string) => void;
  out: NodeJS.WritableStream;
}

/** Counts for the closing summary. */
export interface FollowCounts {
  events: number;
  skipped: number;
  connections: number;
  cursor: number | undefined;
}

/**
 * Follows Jetstream for as long as it runs: writes each event message as one
 * line, reconnects with backoff and failover, resumes from the last written
 * cursor minus a rewind, pauses the socket while stdout is full, and saves
 * the cursor every few seconds. Call stop() to end; it resolves once the
 * pending output is flushed and the cursor saved.
 */
export function followJetstream(o: FollowOptions): Follower {
  const backoff = new Backoff(o.backoff);
  const counts: FollowCounts = { events: 0, skipped: 0, connections: 0, cursor: o.cursor };
  let urlIndex = 0;
  let ws: WebSocket | null = null;
  let host: string | undefined;
  let openedAt = 0;
  let connected = false;
  let stopping = false;
  let paused = false;
  let idleTimer: NodeJS.Timeout | null = null;
  let retryTimer: NodeJS.Timeout | null = null;
  let batch: string[] = [];
  let batchCursor = 0;
  let batchBytes = 0;
  let flushScheduled = false;
  let savedCursor = o.cursor;
  let saving: Promise<void> | null = null;
  let pendingWrites = 0;
  let written: (() => void) | null = null;
  let rearm: () => void = () => {};

  function connect(): void {
    retryTimer = null;
    if (stopping) return;
    const base = o.urls[urlIndex];
    // Ask for a little before the last line written: instances differ in clock, and an edge may be cut.
    const from = counts.cursor === undefined ? undefined : Math.max(1, counts.cursor - o.rewindUs);
    const url = subscribeUrl(base, o.collections, from);
    host = hostOf(base);
    let failure = '';
    let idle = false;
    let messageNo = 0;
    counts.connections++;
    const socket = new WebSocket(url, {
      handshakeTimeout: o.idleMs,
      // We check sizes and UTF-8 ourselves, to skip a bad message instead of losing the connection.
      maxPayload: Math.max(64 << 20, 2 * o.maxMessage),
      skipUTF8Validation: true,
      perMessageDeflate: false,
    });
    ws = socket;
    rearm = armIdle;
    socket.on('open', () => {
      connected = true;
      openedAt = Date.now();
      o.log(`connected to ${host}${from === undefined ? ' (live)' : ` from cursor ${from}`}`);
      armIdle();
    });
    socket.on('message', (data: Buffer, isBinary: boolean) => {
      if (stopping || ws !== socket) return;
      // A socket opened while stdout was still full starts paused too.
      if (paused && !socket.isPaused) socket.pause();
      messageNo++;
      armIdle();
      const m = checkMessage(data, isBinary, o.maxMessage);
      if (m.reason !== undefined) {
        counts.skipped++;
        o.log(`${host}: message ${messageNo}: ${m.reason}`);
        return;
      }
      counts.events++;
      batch.push(m.line);
      batchBytes += m.line.length;
      batchCursor = m.timeUs;
      // Bounded batches keep the cursor close to what the reader has, and the strings small.
      if (batchBytes >= 1 << 16) flush();
      else if (!flushScheduled) {
        flushScheduled = true;
        setImmediate(flush);
      }
    });
    socket.on('error', (err) => {
      failure = err.message;
    });
    socket.on('close', (code: number) => {
      if (ws !== socket) return;
      ws = null;
      clearIdle();
      const wasOpen = connected;
      connected = false;
      if (stopping) return;
      const upMs = wasOpen ? Date.now() - openedAt : 0;
      backoff.ended(upMs);
      // A server that failed, stalled or dropped us early may be unwell: try the next one.
      const healthy = wasOpen && !idle && upMs >= o.backoff.healthyMs;
      if (!healthy && o.urls.length > 1) urlIndex = (urlIndex + 1) % o.urls.length;
      const delay = backoff.next();
      const why = idle ? `no message for ${o.idleMs / 1000}s` : failure || (wasOpen ? `connection closed (${code})` : 'connection failed');
      o.log(`${host}: ${why}; reconnecting to ${hostOf(o.urls[urlIndex])} in ${(delay / 1000).toFixed(1)}s`);
      retryTimer = setTimeout(connect, delay);
    });

    function armIdle(): void {
      clearIdle();
      // While stdout is full we stop reading on purpose: silence then is ours, not the server's.
      if (paused) return;
      idleTimer = setTimeout(() => {
        idle = true;
        socket.terminate();
      }, o.idleMs);
    }
  }

  function clearIdle(): void {
    if (idleTimer) clearTimeout(idleTimer);
    idleTimer = null;
  }

  function flush(): void {
    flushScheduled = false;
    if (batch.length === 0) return;
    batchBytes = 0;
    const text = batch.join('');
    const cursor = batchCursor;
    batch = [];
    pendingWrites++;
    const room = o.out.write(text, (err) => {
      // The cursor moves only once the lines are handed to the reader: nothing unwritten is ever skipped.
      if (!err) counts.cursor = cursor;
      if (--pendingWrites === 0 && written) written();
    });
    if (!room) pause();
  }

  function pause(): void {
    ws?.pause();
    if (paused) return;
    paused = true;
    clearIdle();
    o.out.once('drain', () => {
      paused = false;
      if (ws) {
        ws.resume();
        rearm();
      }
    });
  }

  const saveTimer = o.cursorFile
    ? setInterval(() => {
      if (saving || counts.cursor === undefined || counts.cursor === savedCursor) return;
      const cursor = counts.cursor;
      saving = saveCursorFile(o.cursorFile!, cursor, host)
        .then(() => { savedCursor = cursor; })
        .catch((err: Error) => o.log(`cannot save the cursor: ${err.message}`))
        .finally(() => { saving = null; });
    }, o.saveMs)
    : null;

  let last = { at: Date.now(), events: 0 };
  const statusTimer = o.status
    ? setInterval(() => {
      const now = Date.now();
      o.status!(formatStatus({ host, connected, events: counts.events - last.events, elapsedMs: now - last.at, cursor: counts.cursor, nowMs: now, paused }));
      last = { at: now, events: counts.events };
    }, 1000)
    : null;

  connect();

  async function stop(): Promise<FollowCounts> {
    if (stopping) return counts;
    stopping = true;
    if (retryTimer) clearTimeout(retryTimer);
    if (saveTimer) clearInterval(saveTimer);
    if (statusTimer) clearInterval(statusTimer);
    clearIdle();
    ws?.terminate();
    ws = null;
    flush();
    // Wait for what is written to reach the reader, but not forever if the reader is stuck.
    if (pendingWrites > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 5000);
        written = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    // A periodic save still in flight would otherwise land after ours, with an older cursor.
    if (saving) await saving;
    saveNow();
    return counts;
  }

  /** Saves the cursor synchronously: on exit, also after a broken pipe. */
  function saveNow(): void {
    if (o.cursorFile && counts.cursor !== undefined && counts.cursor !== savedCursor) {
      saveCursorFileSync(o.cursorFile, counts.cursor, host);
      savedCursor = counts.cursor;
    }
  }

  return { stop, counts, saveNow };
}

/** A running follower. */
export interface Follower {
  /** Stops reading, flushes what is pending (5 s at most), saves the cursor. */
  stop: () => Promise<FollowCounts>;
  /** Saves the cursor now, synchronously (after a broken pipe). */
  saveNow: () => void;
  counts: FollowCounts;
}
