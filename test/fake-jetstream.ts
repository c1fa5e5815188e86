import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

/** What one connection does, in order of connection; the last plan repeats. */
export interface Plan {
  /** Terminate the socket abruptly after sending this many events. */
  dropAfter?: number;
  /** Stop sending after this many events but keep the socket open: a stalled server. */
  stallAfter?: number;
  /** Frames to send before the event at this position (counted on this connection). */
  bad?: Array<{ before: number; data: string | Buffer; binary?: boolean }>;
  /** Events sent per turn of the event loop, to pace the stream (default 500). */
  chunk?: number;
}

/** A stand-in Jetstream on 127.0.0.1 that replays a capture from the cursor asked for. */
export interface FakeJetstream {
  /** ws://127.0.0.1:PORT/subscribe */
  url: string;
  /** Every request, in order, as URLs (read cursor and wantedCollections from searchParams). */
  requests: URL[];
  /** Events sent, over all connections. */
  sent: number;
  /** Resolves when a connection has sent every event it had to send. */
  drained(): Promise<void>;
  close(): Promise<void>;
}

interface Item {
  timeUs: number;
  collection?: string;
  text: string;
}

/** Starts the stand-in: events are Jetstream messages with increasing time_us. */
export async function startFakeJetstream(events: Array<Record<string, unknown>>, plans: Plan[] = [{}]): Promise<FakeJetstream> {
  const items: Item[] = events.map((e) => ({
    timeUs: e.time_us as number,
    collection: (e.commit as { collection?: string } | undefined)?.collection,
    text: JSON.stringify(e),
  }));
  const http: Server = createServer((_req, res) => res.writeHead(404).end());
  const wss = new WebSocketServer({ server: http, path: '/subscribe' });
  const sockets = new Set<WebSocket>();
  let waiters: Array<() => void> = [];
  const fake: FakeJetstream = {
    url: '',
    requests: [],
    sent: 0,
    drained: () => new Promise((resolve) => waiters.push(resolve)),
    close: async () => {
      for (const s of sockets) s.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
  wss.on('connection', (ws, req) => {
    sockets.add(ws);
    ws.on('close', () => sockets.delete(ws));
    ws.on('error', () => {});
    const url = new URL(req.url ?? '/', 'ws://127.0.0.1');
    const plan = plans[Math.min(fake.requests.length, plans.length - 1)];
    fake.requests.push(url);
    void serve(ws, url, plan);
  });

  async function serve(ws: WebSocket, url: URL, plan: Plan): Promise<void> {
    const wanted = url.searchParams.getAll('wantedCollections');
    const cursor = url.searchParams.get('cursor');
    const from = cursor === null ? 0 : lowerBound(items, Number(cursor));
    const chunk = plan.chunk ?? 500;
    const bad = [...(plan.bad ?? [])].sort((a, b) => a.before - b.before);
    let n = 0;
    for (let i = from; i < items.length; i++) {
      const item = items[i];
      if (item.collection !== undefined && wanted.length && !wanted.some((w) => matches(w, item.collection!))) continue;
      if (plan.dropAfter !== undefined && n >= plan.dropAfter) {
        ws.terminate();
        return;
      }
      if (plan.stallAfter !== undefined && n >= plan.stallAfter) return;
      while (bad.length && bad[0].before <= n) {
        const b = bad.shift()!;
        ws.send(b.data, { binary: b.binary ?? false });
      }
      if (ws.readyState !== ws.OPEN) return;
      ws.send(item.text);
      n++;
      fake.sent++;
      if (n % chunk === 0) {
        // Respect the client's pace: a client that stops reading fills our buffer, and we wait.
        do await new Promise((resolve) => setTimeout(resolve, 2));
        while (ws.readyState === ws.OPEN && ws.bufferedAmount > 1 << 20);
      }
    }
    for (const b of bad) ws.send(b.data, { binary: b.binary ?? false });
    // Like the live tail with nothing new: the socket stays open and silent.
    const done = waiters;
    waiters = [];
    for (const w of done) w();
  }

  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  fake.url = `ws://127.0.0.1:${(http.address() as AddressInfo).port}/subscribe`;
  return fake;
}

function matches(wanted: string, collection: string): boolean {
  return wanted.endsWith('.*') ? collection.startsWith(wanted.slice(0, -1)) : wanted === collection;
}

/** Index of the first item with timeUs >= t: Jetstream replays from the cursor, inclusive. */
function lowerBound(items: Item[], t: number): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (items[mid].timeUs < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
