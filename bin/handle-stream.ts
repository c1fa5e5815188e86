#!/usr/bin/env node
import { join } from 'node:path';
import { fail, parseArgs, usageError, type ToolSpec } from '../lib/cli/tool.js';
import { checkThreads, runParse, threadsOption, type ParseCounts } from '../lib/events/parse-stream.js';
import { takeSpool } from '../lib/spool/take-spool.js';
import { seedDedupe } from '../lib/spool/seed-dedupe.js';
import { skipNote } from '../lib/spool/segments.js';
import { SpoolWriter } from '../lib/spool/spool-writer.js';
import { inputProgress, statusLine } from '../lib/spool/status-line.js';
import { checkZone, parseDuration } from '../lib/time.js';

const spec: ToolSpec = {
  name: 'handle-stream',
  summary: 'Validates and dedupes a firehose capture on stdin and spools every event to rotated segment files for bin/periodic.',
  usage: 'handle-stream [options] [FILE...]',
  lines: true,
  options: {
    spool: { type: 'string', describe: 'spool folder', default: './spool' },
    'rotate-every': { type: 'string', describe: 'publish the open segment at least this often', default: '10s' },
    'rotate-bytes': { type: 'number', describe: 'publish the open segment when it reaches this size', default: 64 << 20 },
    tz: { type: 'string', describe: 'show instants (Jetstream time_us, times with an offset) in this zone' },
    time: { type: 'string', describe: 'event time: receive time, or the client-set record.createdAt', choices: ['receive', 'created'], default: 'receive' },
    'dedupe-window': { type: 'string', describe: 'an event seen again within this much event time is counted once, also across restarts', default: '10m' },
    threads: threadsOption('the spool'),
    status: { type: 'string', describe: 'a status line on stderr every few seconds', choices: ['auto', 'always', 'never'], default: 'auto' },
  },
  examples: [
    ['./bluesky | handle-stream', 'spool the live firehose into ./spool (rejects in ./spool/rejects.ndjson)'],
    ['handle-stream --spool /data/spool capture.ndjson', 'replay a capture file'],
  ],
};

const opts = parseArgs<{ spool: string; rotateEvery: string; rotateBytes: number; tz?: string; time: 'receive' | 'created'; dedupeWindow: string; status: string; threads: number }>(spec);
checkThreads(spec.name, opts.threads);
const rotateMs = (parseDuration(opts.rotateEvery) ?? usageError(spec.name, `--rotate-every: invalid duration '${opts.rotateEvery}'`)) / 1000;
const dedupeUs = parseDuration(opts.dedupeWindow) ?? usageError(spec.name, `--dedupe-window: invalid duration '${opts.dedupeWindow}'`);
if (opts.tz && checkZone(opts.tz)) usageError(spec.name, `--tz: ${checkZone(opts.tz)}`);
const held = await takeSpool(opts.spool, spec.name).catch((err: Error) => fail(spec.name, err.message.startsWith('spool ') ? err.message : `${opts.spool}: ${err.message}`));
if (held.kind === 'age') setInterval(() => held.lost() && fail(spec.name, `spool ${opts.spool}: lost its lock (${held.lost()!.message})`), 1000).unref();
const spool = new SpoolWriter({ dir: opts.spool, rotateMs, maxBytes: opts.rotateBytes, token: held.token });
const { dedupe } = await seedDedupe(opts.spool, dedupeUs, skipNote(spec.name));
const counts: ParseCounts = { events: 0, duplicates: 0 };
const stop = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => stop.abort());
const input = inputProgress(opts.files);
const status = opts.status === 'always' || (opts.status === 'auto' && process.stderr.isTTY) ? statusLine(counts, input) : undefined;
await runParse(spec, { ...opts, rejects: opts.rejects ?? join(opts.spool, 'rejects.ndjson') }, {
  parse: { tz: opts.tz, time: opts.time },
  threads: opts.threads,
  dedupe,
  counts,
  output: spool,
  signal: stop.signal,
  appendRejects: true,
  onChunk: input.add,
});
status?.stop();
await held.release();
