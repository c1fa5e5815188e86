import test from 'tape';
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, constants, openSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ChunkSplitter, LineSplitter, splitRegion } from '../lib/input/split-lines.js';
import { parseRegion, identityOf, type RegionResult } from '../lib/events/parse-region.js';
import { hashKey } from '../lib/events/dedupe.js';
import type { BskyEvent } from '../lib/events/event.js';
import { random } from './reference/gen.js';
import { referenceRows } from './reference/capture.js';
import { ROOT, exited, ndjson, run, sh, start, tempDir } from './helpers.js';

const like = (rkey: string, time = '2025-03-16T13:26:53.075991', did = 'did:plc:a'): string => JSON.stringify({
  timestamp: time, action: 'create', path: `app.bsky.feed.like/${rkey}`, cid: 'bafyx',
  record: { $type: 'app.bsky.feed.like', subject: { cid: 'bafys', uri: 'at://did:plc:b/app.bsky.feed.post/3abc' }, createdAt: '2025-03-16T13:26:52.307Z' }, repo: did,
});
const post = (rkey: string, text: string): string => JSON.stringify({
  timestamp: '2025-03-16T13:26:54.000000', action: 'create', path: `app.bsky.feed.post/${rkey}`, cid: 'bafyp',
  record: { $type: 'app.bsky.feed.post', text, langs: ['fr'], createdAt: '2025-03-16T13:26:52.307Z' }, repo: 'did:plc:p',
});
const jetIdentity = JSON.stringify({ did: 'did:plc:i', time_us: 1742131613075991, kind: 'identity', identity: { handle: 'x.test' } });

function decoded(r: RegionResult): string[] {
  const out = Buffer.from(r.out);
  return [...r.ends].map((end, i) => out.toString('utf8', i > 0 ? r.ends[i - 1] : 0, end));
}

test('parseRegion: events as bytes with their ends, line indexes, times, hashes; rejects by index; blanks counted', (t) => {
  const lines = [
    like('k1'),
    '',
    '{"nope',
    post('p1', 'café crème ☕ 日本語'),
    '  \t',
    jetIdentity,
    like('k2', '2025-03-16T13:27:01.500000') + '\r',
  ];
  const buf = Buffer.concat([Buffer.from(lines.join('\n')), Buffer.from('\n'), Buffer.from([0xff, 0xfe])]);
  const r = parseRegion(buf, false, { maxLine: 1 << 20, hash: true });
  t.equal(r.lines, 8);
  t.equal(r.blank, 2);
  t.deepEqual([...r.at], [0, 3, 5, 6], 'events come from lines 0, 3, 5 and 6 of the region');
  t.deepEqual(r.rejects.map((j) => [j.at, j.reason.split(':')[0]]), [[2, 'invalid JSON'], [7, 'invalid UTF-8']]);
  t.equal(r.rejects[0].raw, '{"nope', 'a text line is kept as text');
  t.deepEqual([...(r.rejects[1].raw as Uint8Array)], [0xff, 0xfe], 'an undecodable line is kept as its bytes');
  const events = decoded(r);
  t.equal(events.length, 4);
  t.ok(events.every((e) => e.endsWith('\n') && !e.slice(0, -1).includes('\n')), 'each end falls after one whole line, non-ASCII text included');
  const parsed = events.map((e) => JSON.parse(e) as BskyEvent);
  t.equal((parsed[1] as unknown as { record: { text: string } }).record.text, 'café crème ☕ 日本語');
  t.equal(parsed[2].op, 'identity');
  t.equal(r.us[3] - r.us[0], 8_424_009, 'event times in microseconds');
  for (let i = 0; i < parsed.length; i++) {
    const h = new Int32Array(2);
    hashKey([identityOf(parsed[i])], h, 0);
    t.deepEqual([r.hashes[2 * i], r.hashes[2 * i + 1]], [h[0], h[1]], `event ${i}: the hash of its identity's text`);
  }
  t.equal(parseRegion(buf, false, { maxLine: 1 << 20, hash: false }).hashes.length, 0, 'no hashes without dedupe');
  t.end();
});

test('parseRegion: an unterminated last line is rejected as possibly truncated; a line over maxLine is rejected with its size', (t) => {
  const cut = like('k1').slice(0, 50);
  const last = parseRegion(Buffer.from(cut), true, { maxLine: 1 << 20, hash: true });
  t.equal(last.rejects.length, 1);
  t.match(last.rejects[0].reason, /^invalid JSON.*\(last line has no newline: truncated\?\)$/);
  const long = parseRegion(Buffer.from(like('k1') + '\n' + like('k2')), false, { maxLine: 100, hash: true });
  t.deepEqual(long.rejects.map((j) => j.reason), [`line too long (${like('k1').length} bytes; limit 100, see --max-line)`, `line too long (${like('k2').length} bytes; limit 100, see --max-line)`]);
  t.end();
});

test('ChunkSplitter + splitRegion: any chunking of the input gives the same lines and overlong lines as splitting it whole', (t) => {
  const rnd = random(7);
  for (let round = 0; round < 200; round++) {
    const maxLine = 1 + Math.floor(rnd() * 40);
    const lines: string[] = [];
    const n = Math.floor(rnd() * 30);
    for (let i = 0; i < n; i++) lines.push('x'.repeat(Math.floor(rnd() * 2 * maxLine)) + (rnd() < 0.1 ? '\r' : ''));
    const text = lines.join('\n') + (rnd() < 0.5 && n > 0 ? '\n' : '');
    // An input ending in a newline has no unterminated last line (even when the last line joined was empty).
    const terminated = text.endsWith('\n');
    // Expected: every line, text when within the limit (CR dropped), too long otherwise.
    const expected = text === '' ? [] : (terminated ? text.slice(0, -1) : text).split('\n').map((l, i, all) => {
      const last = !terminated && i === all.length - 1;
      return l.length > maxLine ? `long ${l.length}${last ? ' last' : ''}` : `text ${l.replace(/\r$/, '')}${last ? ' last' : ''}`;
    });
    const got: string[] = [];
    let spilled = 0;
    const splitter = new ChunkSplitter(maxLine, {
      region: (buf, last) => void splitRegion(buf, maxLine, last, {
        line: (l, lastLine) => got.push(`text ${l}${lastLine ? ' last' : ''}`),
        bad: (reason, raw) => got.push(`long ${raw.length}${last ? ' last' : ''}`),
      }),
      spill: (bytes) => (spilled += bytes.length),
      overlong: (bytes, last) => {
        got.push(`long ${bytes}${last ? ' last' : ''}`);
        t.equal(spilled, bytes, 'every byte of an overlong line was spilled');
        spilled = 0;
      },
    });
    const input = Buffer.from(text);
    for (let at = 0; at < input.length;) {
      const size = 1 + Math.floor(rnd() * 2 * maxLine);
      splitter.push(input.subarray(at, at + size));
      at += size;
    }
    splitter.end();
    if (JSON.stringify(got) !== JSON.stringify(expected)) {
      t.deepEqual(got, expected, `round ${round}: maxLine ${maxLine}`);
      return t.end();
    }
  }
  t.pass('200 random inputs and chunkings');
  t.end();
});

test('LineSplitter numbers lines across regions and overlong lines', (t) => {
  const seen: string[] = [];
  const s = new LineSplitter('in', 10, {
    line: (text, ref) => seen.push(`${ref.line}:${text}`),
    bad: (reason, ref) => seen.push(`${ref.line}:bad`),
    spill: () => undefined,
  });
  for (const chunk of ['a\nb', 'b\n0123456789', 'ABCDEF\nc\n', '\xff\n', 'd']) s.push(Buffer.from(chunk, 'latin1'));
  s.end();
  t.deepEqual(seen, ['1:a', '2:bb', '3:bad', '4:c', '5:bad', '6:d']);
  t.equal(s.lines, 6);
  t.end();
});

/** A capture with every kind of trouble, over many input chunks: bad lines, duplicates, overlong lines, no final newline. */
function troubledCapture(dir: string): string {
  // As bytes: bad lines may hold invalid UTF-8.
  const gen = execFileSync(join(ROOT, 'bin', 'bsky-gen'), ['-q', '--events', '20000', '--seed', '5', '--bad-rate', '0.01', '--dup-rate', '0.01'], { maxBuffer: 1 << 30 });
  const lines: Buffer[] = [];
  for (let from = 0; from < gen.length;) {
    const nl = gen.indexOf(10, from);
    lines.push(gen.subarray(from, nl < 0 ? gen.length : nl));
    from = nl < 0 ? gen.length : nl + 1;
  }
  const rnd = random(11);
  const out: Buffer[] = [];
  for (const l of lines) {
    out.push(l, Buffer.from('\n'));
    const r = rnd();
    if (r < 0.001) out.push(Buffer.from(`{"x":"${'y'.repeat(200_000)}"}\n`));
    else if (r < 0.002) out.push(Buffer.from([0xc3, 0x28, 0x0a]));
    // Timed at the start of the capture: a time far ahead would start a new dedupe generation.
    else if (r < 0.003) out.push(Buffer.from(post(`n${out.length}`, 'naïve 日本語 ✓').replace('2025-03-16T13:26:54.000000', '2025-03-16T12:00:00.000000') + '\n'));
  }
  out.push(lines[5].subarray(0, 40));
  const path = join(dir, 'capture.ndjson');
  writeFileSync(path, Buffer.concat(out));
  return path;
}

test('bsky-parse --threads 0, 1 and 3: the same events, messages and rejects, byte for byte, from a file or a pipe', (t) => {
  const { dir, cleanup } = tempDir();
  const capture = troubledCapture(dir);
  const runs = [['0', 'file'], ['1', 'pipe'], ['3', 'file'], ['3', 'pipe']].map(([threads, how]) => {
    const rejects = join(dir, `rejects-${threads}-${how}`);
    const args = ['--threads', threads, '--max-line', '100000', '--rejects', rejects];
    const r = how === 'file' ? run('bsky-parse', [...args, capture]) : sh(`cat ${capture} | bsky-parse ${args.join(' ')}`);
    t.equal(r.code, 0, `--threads ${threads} from a ${how}: exit 0`);
    return { label: `--threads ${threads} (${how})`, stdout: r.stdout, stderr: r.stderr.replaceAll(capture, 'stdin'), rejects: readFileSync(rejects) };
  });
  for (const r of runs.slice(1)) {
    t.ok(r.stdout === runs[0].stdout, `${r.label}: same events as on the main thread`);
    t.equal(r.stderr, runs[0].stderr, `${r.label}: same messages, same line numbers`);
    t.ok(r.rejects.equals(runs[0].rejects), `${r.label}: same rejects file`);
  }
  // And against the naive reference, written apart from lib/.
  const raw = readFileSync(capture);
  const lines: Buffer[] = [];
  for (let from = 0; from < raw.length;) {
    const nl = raw.indexOf(10, from);
    lines.push(raw.subarray(from, nl < 0 ? raw.length : nl));
    from = nl < 0 ? raw.length : nl + 1;
  }
  const ref = referenceRows(lines);
  const events = ndjson(runs[0].stdout);
  t.equal(events.length, ref.rows.length, `${ref.rows.length} events, as the reference finds`);
  t.ok(events.every((e, i) => e.time === ref.rows[i]?.time), 'in input order');
  const summary = /(\d+) lines, (\d+) events, (\d+) duplicates, (\d+) rejected, (\d+) blank\n$/.exec(runs[0].stderr)!;
  t.equal(Number(summary[1]), lines.length, 'every line counted');
  t.ok(Number(summary[3]) > 100, `duplicates dropped across chunks (${summary[3]})`);
  t.equal(Number(summary[4]), runs[0].stderr.split('\n').filter((l) => /^bsky-parse: stdin:\d+: /.test(l)).length, 'one message per rejected line');
  cleanup();
  t.end();
});

test('bsky-parse --strict on worker threads writes every event before the bad line, none after, and exits 1', (t) => {
  const good = Array.from({ length: 30_000 }, (_, i) => like(`k${i}`, `2025-03-16T13:${String(10 + Math.floor(i / 1000)).padStart(2, '0')}:00.000000`));
  const input = [...good.slice(0, 20_000), '{"bad', ...good.slice(20_000)].join('\n') + '\n';
  for (const threads of ['0', '2']) {
    const r = run('bsky-parse', ['--strict', '--threads', threads], input);
    t.equal(r.code, 1);
    t.equal(r.stderr, 'bsky-parse: stdin:20001: invalid JSON: Unterminated string in JSON at position 5 (--strict)\n');
    const events = ndjson(r.stdout);
    t.equal(events.length, 20_000, `--threads ${threads}: the 20,000 events before the bad line`);
    t.equal(events[events.length - 1].rkey, 'k19999');
  }
  t.end();
});

test('bsky-parse --strict: the events before the bad line reach a reader that lags (a pipe full when the run stops)', async (t) => {
  // Output goes to a FIFO (a pipe of 64 KB) that the test reads only once the run has reported its stop. A duplicate
  // cuts the output before the bad line in two writes: about 60 KB, which the pipe takes, then about 10 KB, which it
  // cannot: that write is still pending when the bad line stops the run, and exiting then would lose it.
  const size = Buffer.byteLength(run('bsky-parse', ['-q'], like('k0') + '\n').stdout);
  const a = Math.floor(60_000 / size);
  const b = Math.floor(10_000 / size);
  const good = Array.from({ length: a + b + 10 }, (_, i) => like(`k${i}`));
  const lines = [...good.slice(0, a), good[a - 1], ...good.slice(a, a + b), '{"bad', ...good.slice(a + b)];
  const { dir, cleanup } = tempDir();
  try {
    const input = join(dir, 'in.ndjson');
    writeFileSync(input, lines.join('\n') + '\n');
    const fifo = join(dir, 'out.fifo');
    execFileSync('mkfifo', [fifo]);
    for (const threads of ['0', '2']) {
      const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
      const writer = openSync(fifo, 'w');
      const p = spawn(join(ROOT, 'bin', 'bsky-parse'), ['--strict', '--threads', threads, input], { stdio: ['ignore', writer, 'pipe'] });
      closeSync(writer);
      let stderr = '';
      p.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      const code = exited(p);
      for (let i = 0; i < 600 && !stderr.includes('\n'); i++) await new Promise((r) => setTimeout(r, 50));
      t.equal(stderr, `bsky-parse: ${input}:${a + b + 2}: invalid JSON: Unterminated string in JSON at position 5 (--strict)\n`);
      // Now read everything, up to the end of the pipe (the run has exited).
      const chunks: Buffer[] = [];
      const buf = Buffer.alloc(1 << 16);
      for (let i = 0; i < 6000; i++) {
        let n: number;
        try {
          n = readSync(reader, buf);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
          await new Promise((r) => setTimeout(r, 10));
          continue;
        }
        if (n === 0) break;
        chunks.push(Buffer.from(buf.subarray(0, n)));
      }
      closeSync(reader);
      t.equal(await code, 1, `--threads ${threads}: exit 1`);
      const out = Buffer.concat(chunks).toString();
      const last = out.slice(out.lastIndexOf('\n', out.length - 2) + 1);
      t.equal(out.split('\n').length - 1, a + b, `--threads ${threads}: every event before the bad line (the duplicate dropped)`);
      t.equal(last, run('bsky-parse', ['-q'], like(`k${a + b - 1}`) + '\n').stdout, 'the last one, whole');
    }
  } finally {
    cleanup();
  }
  t.end();
});

test('bsky-parse on worker threads writes what it has read while its input pauses (a live stream)', async (t) => {
  const p = start('bsky-parse', ['-q', '--threads', '2']);
  let out = '';
  p.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const waitFor = async (lines: number): Promise<boolean> => {
    for (let i = 0; i < 300 && out.split('\n').length - 1 < lines; i++) await new Promise((r) => setTimeout(r, 100));
    return out.split('\n').length - 1 >= lines;
  };
  p.stdin.write(like('k1') + '\n' + like('k2') + '\n');
  t.ok(await waitFor(2), 'the first two events are out while stdin stays open');
  p.stdin.write(like('k3') + '\n');
  t.ok(await waitFor(3), 'and the third after it');
  // A line that comes in two reads: it ends a read alone, and must not wait for the next.
  const k4 = like('k4');
  p.stdin.write(k4.slice(0, 50));
  await new Promise((r) => setTimeout(r, 300));
  p.stdin.write(k4.slice(50) + '\n');
  t.ok(await waitFor(4), 'a line split across two reads is out while stdin stays open');
  p.stdin.end();
  const code = await exited(p);
  t.equal(code, 0);
  t.deepEqual(ndjson(out).map((e) => e.rkey), ['k1', 'k2', 'k3', 'k4']);
  t.end();
});

test('bsky-parse and handle-stream: --threads must be a whole number from 0 to 64', (t) => {
  for (const tool of ['bsky-parse', 'handle-stream']) {
    for (const bad of ['-1', '1.5', '65']) {
      const r = run(tool, ['--threads', bad]);
      t.equal(r.code, 2, `${tool} --threads ${bad}: usage error`);
      t.match(r.stderr, /--threads: expected a whole number from 0 to 64/);
    }
  }
  t.end();
});

test('handle-stream --threads 0 and 3 spool the same events and rejects', (t) => {
  const { dir, cleanup } = tempDir();
  const capture = troubledCapture(dir);
  const spooled = ['0', '3'].map((threads) => {
    const spool = join(dir, `spool-${threads}`);
    const r = run('handle-stream', ['-q', '--threads', threads, '--max-line', '100000', '--spool', spool, capture]);
    t.equal(r.code, 0);
    const segments = sh(`cat ${spool}/*.ndjson`).stdout;
    return { segments, rejects: readFileSync(join(spool, 'rejects.ndjson')) };
  });
  t.ok(spooled[0].segments.length > 1_000_000, 'a spool of some size');
  t.ok(spooled[1].segments === spooled[0].segments, 'same spooled events');
  t.ok(spooled[1].rejects.equals(spooled[0].rejects), 'same rejects');
  cleanup();
  t.end();
});

test('bsky-parse and handle-stream: a parse worker that fails stops the run with status 1 and one line on stderr', (t) => {
  const input = Array.from({ length: 100 }, (_, i) => like(`k${i}`)).join('\n') + '\n';
  const r = run('bsky-parse', ['--threads', '1'], input, { env: { BSKY_CRASH_AT: 'parse-worker' } });
  t.equal(r.code, 1);
  t.equal(r.stderr, 'bsky-parse: injected failure (BSKY_CRASH_AT=parse-worker)\n');
  const { dir, cleanup } = tempDir();
  const h = run('handle-stream', ['--threads', '1', '--spool', join(dir, 'spool')], input, { env: { BSKY_CRASH_AT: 'parse-worker' } });
  t.equal(h.code, 1);
  t.match(h.stderr, /^handle-stream: injected failure/);
  t.equal(run('bsky-parse', ['-q', '--threads', '0'], input, { env: { BSKY_CRASH_AT: 'parse-worker' } }).code, 0, 'no worker, no failure');
  cleanup();
  t.end();
});
