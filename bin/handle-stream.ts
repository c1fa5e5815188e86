#!/usr/bin/env node
import { join } from 'node:path';
import { durationValue, fail, parseArgs, TIMER_MAX_US, usageError, type ToolSpec } from '../lib/cli/tool.js';
import { DiskFull } from '../lib/io/disk-full.js';
import { IoError, describeError } from '../lib/io/io-error.js';
import { runParse, threadsOption, type ParseCounts } from '../lib/events/parse-stream.js';
import { takeSpool } from '../lib/spool/take-spool.js';
import { streamProm, type StreamCounted } from '../lib/ops/stream-prom.js';
import { seedDedupe } from '../lib/spool/seed-dedupe.js';
import { refuseOther } from '../lib/spool/segments.js';
import { SpoolWriter, type PublishReason } from '../lib/spool/spool-writer.js';
import { SegmentLake } from '../lib/lake/segment-lake.js';
import { inputProgress, statusLine } from '../lib/spool/status-line.js';
import { DEDUPE_MAX_US } from '../lib/events/dedupe.js';
import { TIME_POLICY_OPTIONS, timePolicyFrom, type TimePolicyArgs } from '../lib/events/time-policy.js';
import { checkZone } from '../lib/time.js';

const spec: ToolSpec = {
  name: 'handle-stream',
  summary: 'Validates and dedupes a firehose capture on stdin and spools every event to rotated segment files for bin/periodic.',
  usage: 'handle-stream [options] [FILE...]',
  lines: true,
  options: {
    spool: { type: 'string', describe: 'spool folder', default: './spool' },
    'rotate-every': { type: 'string', describe: 'publish the open segment at least this often', default: '10s', duration: true, min: 1000, max: TIMER_MAX_US },
    'rotate-bytes': { type: 'number', describe: 'publish the open segment when it reaches this size', default: 64 << 20, integer: true, min: 1 },
    tz: { type: 'string', describe: 'show instants (Jetstream time_us, times with an offset) in this zone, e.g. Europe/Paris' },
    time: { type: 'string', describe: 'event time: receive time, or the client-set record.createdAt', choices: ['receive', 'created'], default: 'receive' },
    'dedupe-window': { type: 'string', describe: 'an event seen again within this much event time is dropped, also across restarts (0 = no dedupe)', default: '10m', duration: true, zero: true, max: DEDUPE_MAX_US },
    ...TIME_POLICY_OPTIONS,
    threads: threadsOption('the spool'),
    'disk-retry': { type: 'string', describe: 'on a full disk, hold what was read, stop reading and retry this often', default: '5s', duration: true, min: 1000, max: 3_600_000_000 },
    status: { type: 'string', describe: 'a status line on stderr every few seconds', choices: ['auto', 'always', 'never'], default: 'auto' },
    'lake-files': { type: 'boolean', describe: 'at a live pace (not while reading a backlog), write each published segment\'s rows as the lake\'s Parquet files beside it (SPOOL/lake/), so that periodic only moves them into its lake; --no-lake-files: periodic writes them all itself', default: true },
    prom: { type: 'string', describe: 'a Prometheus text file of counters, rewritten atomically every 5 s and at exit, for node_exporter\'s textfile collector', defaultText: 'the state folder beside the spool, ./state/handle-stream.prom' },
  },
  examples: [
    ['./bluesky | handle-stream', 'spool the live firehose into ./spool (rejects in ./spool/rejects.ndjson)'],
    ['handle-stream --spool /data/spool capture.ndjson', 'replay a capture file'],
  ],
};

const opts = parseArgs<{ lakeFiles: boolean; spool: string; rotateEvery: string; rotateBytes: number; tz?: string; time: 'receive' | 'created'; dedupeWindow: string; diskRetry: string; status: string; prom?: string; threads: number } & TimePolicyArgs>(spec);
const rotateMs = durationValue(opts.rotateEvery)! / 1000;
const dedupeUs = durationValue(opts.dedupeWindow)!;
const policy = timePolicyFrom(spec.name, opts);
const retryMs = durationValue(opts.diskRetry)! / 1000;
if (opts.tz && checkZone(opts.tz)) usageError(spec.name, `--tz: ${checkZone(opts.tz)}`);
const diskFull = new DiskFull(spec.name, retryMs);
const held = await takeSpool(opts.spool, spec.name).catch((err: Error) => fail(spec.name, err instanceof IoError || err.message.startsWith('spool ') ? err.message : `${opts.spool}: ${describeError(err)}`));
if (held.kind === 'age') setInterval(() => held.lost() && fail(spec.name, `spool ${opts.spool}: lost its lock (${held.lost()!.message})`), 1000).unref();
let spool: SpoolWriter;
let lake: SegmentLake | undefined;
let lakeSkipped = 0;
try {
  lake = opts.lakeFiles ? new SegmentLake(opts.spool, (message) => process.stderr.write(`${spec.name}: ${message}\n`)) : undefined;
  // Only at a live pace: a segment published because it filled up (--rotate-bytes) means a backlog read at full speed,
  // where the writer thread would fall behind and its memory add to the reader's (docs/LAKE.md, Segment files); periodic
  // writes those rows itself, until a segment is published by age again.
  let backlog = false;
  const onPublish = (name: string, why: PublishReason): void => {
    if (why === 'size') backlog = true;
    else if (why === 'time') backlog = false;
    if (!backlog) lake!.add(name);
    else lakeSkipped++;
  };
  spool = new SpoolWriter({ dir: opts.spool, rotateMs, maxBytes: opts.rotateBytes, diskFull, token: held.token, ...(lake ? { onPublish } : {}) });
} catch (err) {
  fail(spec.name, err instanceof IoError ? err.message : `${opts.spool}: ${describeError(err)}`);
}
const dedupe = dedupeUs > 0 ? (await seedDedupe(opts.spool, dedupeUs, refuseOther)).dedupe : null;
const counts: ParseCounts = { events: 0, duplicates: 0 };
const stop = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    // Stopping waits for the disk like everything else; a second signal gives up what is held.
    if (stop.signal.aborted && diskFull.waiting) fail(spec.name, `${opts.spool}: disk still full at the second ${signal}; events read but not yet spooled are lost`);
    stop.abort();
  });
}
const input = inputProgress(opts.files);
const live: StreamCounted = {
  counts, published: () => spool.published, diskFull: () => diskFull.waiting,
  ...(lake ? { lake: () => ({ ...lake!.counts, skipped: lakeSkipped }) } : {}),
};
// Beside the spool, where periodic keeps its state: ./spool gives ./state/handle-stream.prom.
const prom = streamProm(opts.prom ?? join(opts.spool, '..', 'state', 'handle-stream.prom'), live);
const status = opts.status === 'always' || (opts.status === 'auto' && process.stderr.isTTY) ? statusLine(counts, input) : undefined;
await runParse(spec, { ...opts, rejects: opts.rejects ?? join(opts.spool, 'rejects.ndjson') }, {
  parse: { tz: opts.tz, time: opts.time },
  threads: opts.threads,
  policy,
  dedupe,
  counts,
  output: spool,
  signal: stop.signal,
  appendRejects: true,
  diskFull,
  outputName: opts.spool,
  onChunk: input.add,
  onRejects: (rejects) => (live.rejects = rejects),
});
// The lake files of the last segments (a replay's backlog), unless stopped by a signal: periodic writes those itself.
if (lake && !stop.signal.aborted) await lake.drained();
await lake?.close();
status?.stop();
prom.stop();
await held.release();
