import test from 'tape';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Backoff } from '../lib/jetstream/backoff.js';
import { parseCursor, readCursorFile } from '../lib/jetstream/cursor-file.js';
import { checkMessage } from '../lib/jetstream/message.js';
import { formatLag, formatStatus } from '../lib/jetstream/status.js';
import { checkCollection, subscribeUrl } from '../lib/jetstream/subscribe-url.js';
import { startFakeJetstream, type FakeJetstream, type Plan } from './fake-jetstream.js';
import { ENV, ROOT, exited, run, start, tempDir } from './helpers.js';

type Message = Record<string, unknown> & { time_us: number };

/** A small seeded Jetstream capture: likes, posts, follows, reposts, a few deletes, identity and account events. */
function capture(n: number, seed = 7): Message[] {
  let s = seed >>> 0;
  const rand = (): number => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const words = ['engineering', 'data', 'pipeline', 'bluesky', 'stream', 'rust', 'typescript', 'the', 'and', 'coffee', 'Engineering!'];
  const out: Message[] = [];
  let t = 1742131613000000;
  for (let i = 0; i < n; i++) {
    t += 1 + Math.floor(rand() * 40000);
    const did = `did:plc:user${Math.floor(rand() * 300)}`;
    const r = rand();
    if (r < 0.01) {
      out.push({ did, time_us: t, kind: 'identity', identity: { did, handle: `u${i}.bsky.social`, seq: i, time: '2025-03-16T13:26:53.000Z' } });
      continue;
    }
    if (r < 0.015) {
      out.push({ did, time_us: t, kind: 'account', account: { active: true, did, seq: i, time: '2025-03-16T13:26:53.000Z' } });
      continue;
    }
    const c = rand();
    const collection = c < 0.55 ? 'app.bsky.feed.like' : c < 0.8 ? 'app.bsky.feed.post' : c < 0.9 ? 'app.bsky.graph.follow' : 'app.bsky.feed.repost';
    const rkey = `3lk${i.toString(36).padStart(10, '0')}`; // '0' never starts a base-36 number, so keys stay unique
    const operation = rand() < 0.05 ? 'delete' : 'create';
    const commit: Record<string, unknown> = { rev: `rev${i}`, operation, collection, rkey };
    if (operation === 'create') {
      const createdAt = new Date(t / 1000).toISOString();
      if (collection === 'app.bsky.feed.post') {
        const text = Array.from({ length: 3 + Math.floor(rand() * 8) }, () => words[Math.floor(rand() * words.length)]).join(' ');
        commit.record = { $type: collection, text, langs: ['en'], createdAt };
      } else if (collection === 'app.bsky.graph.follow') {
        commit.record = { $type: collection, subject: `did:plc:user${Math.floor(rand() * 300)}`, createdAt };
      } else {
        commit.record = { $type: collection, subject: { cid: 'bafyreisubject', uri: `at://did:plc:user${Math.floor(rand() * 300)}/app.bsky.feed.post/3abc${i}` }, createdAt };
      }
      commit.cid = `bafyrei${i}`;
    }
    out.push({ did, time_us: t, kind: 'commit', commit });
  }
  return out;
}

const CAPTURE = capture(8000);
const METRIC = new Set(['app.bsky.feed.like', 'app.bsky.feed.post']);
/** What the stand-in serves with the default collections: likes, posts, identity and account events. */
const SERVED = CAPTURE.filter((m) => m.kind !== 'commit' || METRIC.has((m.commit as { collection: string }).collection));
const FAST = ['--backoff-base', '50ms', '--backoff-cap', '200ms', '--save-every', '100ms', '--healthy-after', '2s'];

interface Ran {
  stdout: string;
  stderr: string;
  code: number | null;
  /** stdout of the reader when the output was piped to one. */
  piped?: string;
}

/**
 * Runs bsky-jetstream against the stand-in until `until` shows up in its output
 * (or in the reader's, when piped), then sends it `signal` and waits for both ends.
 */
function follow(args: string[], until: string, opts: { signal?: NodeJS.Signals; reader?: [string, string[]]; cwd?: string } = {}): Promise<Ran> {
  let reader: ChildProcess | undefined;
  let jet: ChildProcess;
  if (opts.reader) {
    // A real pipe between the two: the test only watches the far end.
    reader = spawn(opts.reader[0], opts.reader[1], { cwd: opts.cwd ?? ROOT, env: ENV, stdio: ['pipe', 'pipe', 'pipe'] });
    jet = spawn(join(ROOT, 'bin', 'bsky-jetstream'), args, { cwd: opts.cwd ?? ROOT, env: ENV, stdio: ['ignore', reader.stdin!, 'pipe'] });
    reader.stdin!.destroy();
  } else {
    jet = start('bsky-jetstream', args, { cwd: opts.cwd });
  }
  const watched = reader ? reader.stdout! : jet.stdout!;
  let stdout = '';
  let piped = '';
  let stderr = '';
  let tail = '';
  let signalled = false;
  watched.setEncoding('utf8');
  watched.on('data', (chunk: string) => {
    if (reader) piped += chunk;
    else stdout += chunk;
    const window = tail + chunk;
    tail = window.slice(-until.length);
    if (!signalled && window.includes(until)) {
      signalled = true;
      jet.kill(opts.signal ?? 'SIGTERM');
    }
  });
  jet.stderr!.setEncoding('utf8');
  jet.stderr!.on('data', (chunk: string) => (stderr += chunk));
  const jetDone = new Promise<number | null>((resolve) => jet.on('close', (code, signal) => resolve(code ?? (signal as unknown as number))));
  const readerDone = reader ? new Promise<void>((resolve) => reader!.on('close', () => resolve())) : Promise.resolve();
  return Promise.all([jetDone, readerDone]).then(([code]) => ({ stdout, stderr, code, piped: reader ? piped : undefined }));
}

const lines = (text: string): string[] => text.split('\n').filter((l) => l.length > 0);
const toText = (ms: Message[]): string => ms.map((m) => JSON.stringify(m) + '\n').join('');
const needle = (m: Message): string => `"time_us":${m.time_us},`;

/** Canonical events of a set of lines after bsky-parse (and its dedupe): commits as a sorted list, the rest as a set. */
function parsed(text: string): { commits: string[]; others: string[] } {
  const r = run('bsky-parse', ['-q'], text);
  const commits: string[] = [];
  const others = new Set<string>();
  for (const l of lines(r.stdout)) (JSON.parse(l).collection ? commits.push(l) : others.add(l));
  return { commits: commits.sort(), others: [...others].sort() };
}

const EXPECTED = parsed(toText(SERVED));

function sameEvents(t: test.Test, got: string, expected = EXPECTED, what = 'the served events'): void {
  const p = parsed(got);
  t.equal(p.commits.length, expected.commits.length, `as many record events as ${what}: no gap, no double count`);
  t.ok(p.commits.every((l, i) => l === expected.commits[i]), `exactly ${what}`);
  t.deepEqual(p.others, expected.others, 'the same identity and account events');
}

async function withServer(plans: Plan[], body: (server: FakeJetstream) => Promise<void>, events: Message[] = CAPTURE): Promise<void> {
  const server = await startFakeJetstream(events, plans);
  try {
    await body(server);
  } finally {
    await server.close();
  }
}

test('bsky-jetstream: writes every served message as received, one a line, and saves the cursor on SIGTERM', async (t) => {
  const { dir, cleanup } = tempDir();
  const file = join(dir, 'cursor');
  await withServer([{}], async (server) => {
    const r = await follow(['--url', server.url, '--cursor-file', file, ...FAST], needle(SERVED[SERVED.length - 1]));
    t.equal(r.code, 0, 'exit 0 on SIGTERM');
    t.equal(r.stdout, toText(SERVED), 'stdout is the served messages, byte for byte');
    t.equal(server.requests.length, 1);
    t.deepEqual(server.requests[0].searchParams.getAll('wantedCollections'), ['app.bsky.feed.like', 'app.bsky.feed.post']);
    t.equal(server.requests[0].searchParams.get('cursor'), null, 'no cursor file yet: live');
    const host = new URL(server.url).host;
    const last = SERVED[SERVED.length - 1].time_us;
    t.equal(r.stderr, `bsky-jetstream: connected to ${host} (live)\nbsky-jetstream: ${SERVED.length} events, 0 skipped, 1 connections, cursor ${last}\n`);
    const saved = JSON.parse(readFileSync(file, 'utf8'));
    t.equal(saved.cursor, last, 'the cursor is the last event written');
    t.equal(saved.host, host);
    t.match(saved.time, /^2025-03-16T\d\d:\d\d:\d\d\.\d{6}Z$/);
  });
  cleanup();
});

test('bsky-jetstream | bsky-parse: a drop after 5,000 events, a stalled server and bad frames lose and double nothing', async (t) => {
  const pretty = JSON.stringify(SERVED[3000], null, 2);
  const bad = [
    { before: 10, data: 'not json at all' },
    { before: 20, data: Buffer.from([0x89, 0x50, 0x4e, 0x47]), binary: true },
    { before: 30, data: JSON.stringify({ kind: 'commit', time_us: 1, pad: 'x'.repeat(5000) }) },
    { before: 40, data: Buffer.from('{"kind":"commit","time_us":5,"x":"\xff\xfe"}', 'latin1') },
    { before: 50, data: JSON.stringify({ kind: 'info', time_us: 5 }) },
    { before: 60, data: JSON.stringify({ kind: 'commit', did: 'did:plc:x' }) },
    { before: 70, data: '[1,2,3]' },
    { before: 80, data: pretty },
  ];
  await withServer([{ dropAfter: 5000 }, { stallAfter: 1000 }, { bad }, {}], async (server) => {
    const r = await follow(['--url', server.url, '--idle-timeout', '1s', '--max-message', '4096', ...FAST], `"time":"${new Date(SERVED[SERVED.length - 1].time_us / 1000).toISOString().slice(0, 19)}`, { reader: ['bin/bsky-parse', ['-q']] });
    t.equal(r.code, 0);
    sameEvents(t, r.piped!);
    t.ok(server.requests.length >= 3, 'reconnected after the drop and after the stall');
    const second = Number(server.requests[1].searchParams.get('cursor'));
    t.ok(second <= SERVED[4999].time_us - 5_000_000 + 1 && second > SERVED[0].time_us, 'the reconnect asks for 5 s before the last event written');
    t.match(r.stderr, /no message for 1s; reconnecting/, 'the stall is detected');
    const host = new URL(server.url).host;
    for (const reason of ['invalid JSON', 'binary frame \\(4 bytes\\)', 'message too long \\(\\d+ bytes; limit 4096', 'invalid UTF-8', 'unknown kind: "info"', 'invalid time_us: missing', 'not a JSON object']) {
      t.match(r.stderr, new RegExp(`bsky-jetstream: ${host}: message \\d+: ${reason}`), `reports ${reason.replace(/\\/g, '')}`);
    }
    t.match(r.stderr, /, 7 skipped, /, 'the pretty-printed event is kept, the 7 bad frames skipped');
  });
});

test('bsky-jetstream: a pretty-printed message becomes one line', (t) => {
  const m = checkMessage(Buffer.from(JSON.stringify(CAPTURE[0], null, 2)), false, 1 << 20);
  t.equal(m.line, JSON.stringify(CAPTURE[0]) + '\n');
  t.end();
});

test('bsky-jetstream: a restart from the cursor file after SIGINT resumes without a gap', async (t) => {
  const { dir, cleanup } = tempDir();
  const file = join(dir, 'cursor');
  await withServer([{ stallAfter: 3000 }, {}], async (server) => {
    const first = await follow(['--url', server.url, '--cursor-file', file, ...FAST], needle(SERVED[2999]), { signal: 'SIGINT' });
    t.equal(first.code, 0, 'exit 0 on SIGINT');
    const out = lines(first.stdout);
    t.equal(out.length, 3000);
    const saved = readCursorFile(file);
    t.equal(saved, SERVED[2999].time_us, 'the saved cursor is the last line written');
    const second = await follow(['--url', server.url, '--cursor-file', file, ...FAST], needle(SERVED[SERVED.length - 1]));
    t.equal(second.code, 0);
    t.equal(server.requests[1].searchParams.get('cursor'), String(saved! - 5_000_000), 'asks for 5 s before the saved cursor');
    t.match(second.stderr, new RegExp(`from cursor ${saved! - 5_000_000}`));
    t.ok(lines(second.stdout).length > SERVED.length - 3000, 'the overlap is replayed');
    sameEvents(t, first.stdout + second.stdout);
    t.equal(readCursorFile(file), SERVED[SERVED.length - 1].time_us);
  });
  cleanup();
});

test('bsky-jetstream: fails over to the next URL when one refuses', async (t) => {
  await withServer([{}], async (server) => {
    // Taken while the server listens: a port free before it started could be the very one it got (seen once in make test).
    const dead = await freePort();
    const r = await follow(['--url', `ws://127.0.0.1:${dead}/subscribe,${server.url}`, ...FAST], needle(SERVED[SERVED.length - 1]));
    t.equal(r.code, 0);
    t.equal(r.stdout, toText(SERVED));
    t.match(r.stderr, new RegExp(`^bsky-jetstream: 127.0.0.1:${dead}: connect ECONNREFUSED .*; reconnecting to ${new URL(server.url).host} in \\d+\\.\\ds\\n`));
    t.match(r.stderr, /, 2 connections, /);
  });
});

test('bsky-jetstream: a slow reader still gets every event, in order', async (t) => {
  const slow = 'let n=0;process.stdin.on("data",(c)=>{n+=c.length;process.stdout.write(c);process.stdin.pause();setTimeout(()=>process.stdin.resume(),3)})';
  const big = capture(8000, 11).map((m) => (m.kind === 'commit' && (m.commit as { record?: { text?: string } }).record?.text !== undefined
    ? { ...m, commit: { ...(m.commit as object), record: { ...(m.commit as { record: object }).record, text: 'engineering '.repeat(150) } } } : m)) as Message[];
  const served = big.filter((m) => m.kind !== 'commit' || METRIC.has((m.commit as { collection: string }).collection));
  await withServer([{}], async (server) => {
    const r = await follow(['--url', server.url, ...FAST], needle(served[served.length - 1]), { reader: [process.execPath, ['-e', slow]] });
    t.equal(r.code, 0);
    t.equal(r.piped, toText(served), 'every event, in order');
  }, big);
});

test('bsky-jetstream: | head exits 0 quietly and keeps the cursor of what was written', async (t) => {
  const { dir, cleanup } = tempDir();
  const file = join(dir, 'cursor');
  await withServer([{}], async (server) => {
    const r = await shAsync(`bin/bsky-jetstream -q --url ${server.url} --cursor-file ${file} | head -n 3`);
    t.equal(r.code, 0);
    t.equal(r.stdout, toText(SERVED.slice(0, 3)));
    t.equal(r.stderr, '');
    const saved = readCursorFile(file);
    // Only a batch handed over whole moves the cursor: the one head cut short may not count.
    t.ok(saved === undefined || SERVED.some((m) => m.time_us === saved), 'a saved cursor is that of a line written');
  });
  cleanup();
});

test('bsky-jetstream: no events gives empty output, exit 0, and no cursor file', async (t) => {
  const { dir, cleanup } = tempDir();
  const file = join(dir, 'cursor');
  await withServer([{}], async (server) => {
    const done = server.drained();
    const jet = start('bsky-jetstream', ['--url', server.url, '--cursor-file', file, ...FAST]);
    let stdout = '';
    let stderr = '';
    jet.stdout.on('data', (c) => (stdout += c));
    jet.stderr.on('data', (c) => (stderr += c));
    await done;
    await new Promise((resolve) => setTimeout(resolve, 100));
    jet.kill('SIGTERM');
    const code = await exited(jet);
    t.equal(code, 0);
    t.equal(stdout, '');
    t.match(stderr, /bsky-jetstream: 0 events, 0 skipped, 1 connections, no cursor\n$/);
    t.notOk(existsSync(file), 'nothing written, nothing saved');
  }, []);
  cleanup();
});

test('bsky-jetstream: --collections, --cursor and --rewind shape the request', async (t) => {
  const follows = CAPTURE.filter((m) => m.kind !== 'commit' || (m.commit as { collection: string }).collection.startsWith('app.bsky.graph.'));
  await withServer([{}], async (server) => {
    const r = await follow(['--url', server.url, '--collections', 'app.bsky.graph.*', '-q', ...FAST], needle(follows[follows.length - 1]));
    t.equal(r.stdout, toText(follows), 'only what was asked for');
    t.equal(r.stderr, '', '--quiet');
    t.deepEqual(server.requests[0].searchParams.getAll('wantedCollections'), ['app.bsky.graph.*']);
  });
  await withServer([{}], async (server) => {
    const from = CAPTURE[4000].time_us;
    const r = await follow(['--url', server.url, '--collections', '*', '--cursor', String(from), '--rewind', '0', '-q', ...FAST], needle(CAPTURE[CAPTURE.length - 1]));
    t.equal(r.stdout, toText(CAPTURE.slice(4000)), '--collections * gets everything, from the cursor given');
    t.equal(server.requests[0].search, `?cursor=${from}`);
  });
  await withServer([{}], async (server) => {
    const r = await follow(['--url', server.url, '--cursor', '2025-03-16T13:28:00+01:00', '--rewind', '1m', '-q', ...FAST], needle(SERVED[SERVED.length - 1]));
    t.equal(r.code, 0);
    t.equal(server.requests[0].searchParams.get('cursor'), String(Date.UTC(2025, 2, 16, 12, 27) * 1000), 'a zoned time, minus the rewind');
  });
});

test('bsky-jetstream: --help, --version, usage errors and a bad cursor file', (t) => {
  const help = run('bsky-jetstream', ['--help']);
  t.equal(help.code, 0);
  t.match(help.stdout, /--cursor-file/);
  t.match(help.stdout, /Examples:/);
  t.match(run('bsky-jetstream', ['--version']).stdout, /^bsky-jetstream \d+\.\d+\.\d+\n$/);
  for (const args of [['--nope'], ['--url', 'http://x/subscribe'], ['--url', ','], ['--idle-timeout', 'soon'], ['--rewind', '-1s'],
    ['--collections', 'not a nsid'], ['--cursor', '2025-03-16T13:00:00'], ['--max-message', '0'], ['--url']]) {
    const r = run('bsky-jetstream', args);
    t.equal(r.code, 2, `${args.join(' ')}: exit 2`);
    t.match(r.stderr, /\nTry 'bsky-jetstream --help' for more information\.\n$/);
    t.equal(r.stdout, '');
  }
  const { dir, cleanup } = tempDir();
  const file = join(dir, 'cursor');
  writeFileSync(file, 'garbage\n');
  const r = run('bsky-jetstream', ['--url', 'ws://127.0.0.1:9/subscribe', '--cursor-file', file]);
  t.equal(r.code, 1, 'a corrupt cursor file is a failure, not a silent restart from live');
  t.match(r.stderr, /^bsky-jetstream: --cursor-file .*cursor: not a cursor file/);
  const nodir = run('bsky-jetstream', ['--url', 'ws://127.0.0.1:9/subscribe', '--cursor-file', join(dir, 'no', 'cursor')]);
  t.equal(nodir.code, 1, 'a cursor file that cannot be saved is a failure at start');
  t.match(nodir.stderr, /no such directory/);
  cleanup();
  t.end();
});

test('jetstream lib: backoff grows to its cap with full jitter and resets after a healthy connection', (t) => {
  const top = new Backoff({ baseMs: 100, capMs: 1000, healthyMs: 5000 }, () => 0.999999);
  t.deepEqual([1, 2, 3, 4, 5, 6].map(() => top.next()), [99, 199, 399, 799, 999, 999]);
  top.ended(4999);
  t.equal(top.next(), 999, 'a short connection does not reset');
  top.ended(5000);
  t.equal(top.next(), 99, 'a healthy one does');
  t.equal(new Backoff({ baseMs: 100, capMs: 1000, healthyMs: 1 }, () => 0).next(), 0, 'jitter reaches down to 0');
  t.end();
});

test('jetstream lib: subscribe URLs, collections and cursors', (t) => {
  t.equal(subscribeUrl('wss://h/subscribe', ['app.bsky.feed.like', 'app.bsky.feed.post'], 42), 'wss://h/subscribe?wantedCollections=app.bsky.feed.like&wantedCollections=app.bsky.feed.post&cursor=42');
  t.equal(subscribeUrl('wss://h/subscribe?cursor=1', ['*']), 'wss://h/subscribe');
  t.equal(checkCollection('app.bsky.feed.*'), undefined);
  t.ok(checkCollection('app.*.feed'));
  t.equal(parseCursor('1742131613075991'), 1742131613075991);
  t.equal(parseCursor('2025-03-16T13:26:53.075991Z'), 1742131613075991);
  t.equal(parseCursor('2025-03-16T14:26:53.075991+01:00'), 1742131613075991);
  t.equal(parseCursor('2025-03-16T13:26:53'), undefined, 'a time without a zone is not an instant');
  t.equal(parseCursor('0'), undefined);
  const { dir, cleanup } = tempDir();
  t.equal(readCursorFile(join(dir, 'none')), undefined, 'a missing file: start live');
  writeFileSync(join(dir, 'bare'), '1742131613075991\n');
  t.equal(readCursorFile(join(dir, 'bare')), 1742131613075991, 'a bare time_us is accepted');
  cleanup();
  t.end();
});

test('jetstream lib: the status line shows host, rate and lag', (t) => {
  const line = formatStatus({ host: 'jetstream1.us-east.bsky.network', connected: true, events: 2500, elapsedMs: 2000, cursor: 1_000_000_000, nowMs: 1_000_400, paused: false });
  t.equal(line, 'jetstream1.us-east.bsky.network connected, 1250 events/s, lag 0.4s');
  t.deepEqual([formatLag(12_400), formatLag(185_000), formatLag(7_800_000), formatLag(-5)], ['12s', '3m05s', '2h10m', '0.0s']);
  t.match(formatStatus({ host: undefined, connected: false, events: 0, elapsedMs: 0, cursor: undefined, nowMs: 0, paused: false }), /reconnecting, 0 events\/s, lag -/);
  t.end();
});


test('bsky-jetstream | handle-stream, stopped with SIGTERM, then periodic, gives the metrics of the capture', async (t) => {
  const { dir, cleanup } = tempDir();
  const file = join(dir, 'cursor');
  const last = SERVED[SERVED.length - 1].time_us;
  await withServer([{ dropAfter: 5000 }, { stallAfter: 1000 }, {}], async (server) => {
    const reader = spawn(join(ROOT, 'bin', 'handle-stream'), [], { cwd: dir, env: ENV, stdio: ['pipe', 'pipe', 'pipe'] });
    const jet = spawn(join(ROOT, 'bin', 'bsky-jetstream'), ['--url', server.url, '--cursor-file', file, '--idle-timeout', '1s', ...FAST], { cwd: dir, env: ENV, stdio: ['ignore', reader.stdin!, 'pipe'] });
    reader.stdin!.destroy();
    // handle-stream writes to its spool, not stdout: wait until the cursor says the last event went down the pipe.
    for (let i = 0; i < 600 && readCursorFile(file) !== last; i++) await new Promise((resolve) => setTimeout(resolve, 50));
    const closed = Promise.all([jet, reader].map((p) => new Promise((resolve) => p.on('close', (code) => resolve(code)))));
    jet.kill('SIGTERM');
    // A stuck end must fail the test, not hang the suite.
    const guard = setTimeout(() => [jet, reader].forEach((p) => p.kill('SIGKILL')), 30_000);
    t.deepEqual(await closed, [0, 0], 'both ends exit 0');
    clearTimeout(guard);
  });
  const periodic = run('periodic', [], '', { cwd: dir });
  t.equal(periodic.code, 0, 'periodic exits 0');
  const minutes = new Map<string, number>();
  const hours = new Array<number>(24).fill(0);
  for (const m of SERVED) {
    const c = m.commit as { collection?: string; operation?: string } | undefined;
    if (c?.operation !== 'create') continue;
    const iso = new Date(Math.floor(m.time_us / 1000)).toISOString();
    if (c.collection === 'app.bsky.feed.like') minutes.set(`${iso.slice(0, 10)} ${iso.slice(11, 16)}:00`, (minutes.get(`${iso.slice(0, 10)} ${iso.slice(11, 16)}:00`) ?? 0) + 1);
    if (c.collection === 'app.bsky.feed.post') hours[+iso.slice(11, 13)]++;
  }
  const keys = [...minutes.keys()].sort();
  const rows: string[] = [];
  for (let ms = Date.parse(keys[0].replace(' ', 'T') + 'Z'); ms <= Date.parse(keys[keys.length - 1].replace(' ', 'T') + 'Z'); ms += 60_000) {
    const label = new Date(ms).toISOString().slice(0, 16).replace('T', ' ') + ':00';
    rows.push(`${label},${minutes.get(label) ?? 0}`);
  }
  t.equal(readFileSync(join(dir, 'metrics', 'likes-per-minutes.csv'), 'utf8'), `time,likes\n${rows.join('\n')}\n`, 'likes per minute: no gap, no double count');
  const byHour = hours.map((n, h) => `${String(h).padStart(2, '0')},${n}`).join('\n');
  t.equal(readFileSync(join(dir, 'metrics', 'posts-by-hour.csv'), 'utf8'), `hour,posts\n${byHour}\n`, 'posts by hour');
  cleanup();
});

function shAsync(command: string): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['--norc', '--noprofile', '-o', 'pipefail', '-c', command], { cwd: ROOT, env: ENV });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (code) => resolve({ stdout, stderr, code }));
  });
}

/** A port nobody listens on: bound, then released. */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}
