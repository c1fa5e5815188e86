#!/usr/bin/env node
import { pipeline } from 'node:stream/promises';
import { exitOnBrokenPipe, fail, parseArgs, quietOnBrokenPipe, usageError, type ToolSpec } from '../lib/cli/tool.js';
import { describeError } from '../lib/io/io-error.js';
import { Capture, chunks, clockFor, nowMicros, paced, summary, toGenOptions, type CliOptions } from '../lib/gen/cli.js';

const spec: ToolSpec = {
  name: 'bsky-gen',
  summary: 'Writes a synthetic, deterministic firehose capture (take-home script lines or Jetstream) with a realistic mix, bursts of fast likers, and optional bad lines and duplicates.',
  usage: 'bsky-gen [options]',
  options: {
    events: { type: 'number', describe: 'distinct events to write (malformed lines and duplicates come on top)', defaultText: '10000, or endless with --pace', alias: 'n', integer: true, min: 0 },
    seed: { type: 'string', describe: 'the same seed and options give the same bytes', default: '1' },
    format: { type: 'string', describe: 'line format', choices: ['takehome', 'jetstream'], default: 'takehome' },
    start: { type: 'string', describe: "time of the first event (ISO 8601; 'now' for the clock)", default: '2025-03-16T12:00:00.000000' },
    rate: { type: 'number', describe: 'mean events per second of event time (Poisson arrivals)', default: 1000, min: 0.001, max: 1e7 },
    'bad-rate': { type: 'number', describe: 'fraction of lines that are malformed or blank', default: 0, min: 0, below: 1 },
    'dup-rate': { type: 'number', describe: 'fraction of events written again verbatim 2 s to 5 min later', default: 0, min: 0, below: 1 },
    'fast-likers': { type: 'number', describe: 'bots liking >50 times a minute in bursts (plus as many near misses)', default: 3, integer: true, min: 0, max: 10_000 },
    engineering: { type: 'number', describe: 'fraction of posts about engineering', default: 0.03, min: 0, max: 1 },
    users: { type: 'number', describe: 'size of the account pool', defaultText: 'events/10, from 1000 to 1000000', integer: true, min: 2, max: 50_000_000 },
    pace: { type: 'boolean', describe: 'write in real time at --rate, timestamps from the clock (a live demo)', default: false },
    quiet: { type: 'boolean', describe: 'no summary on stderr', default: false, alias: 'q' },
  },
  examples: [
    ['bsky-gen --events 100000 > capture.ndjson', 'a reproducible capture of 100,000 events'],
    ['bsky-gen --bad-rate 0.001 --dup-rate 0.001 | bsky-parse > events.ndjson', 'with bad lines and duplicates, as real captures'],
    ['bsky-gen --format jetstream --seed 7 | head', 'Jetstream lines'],
    ['bsky-gen --pace --rate 50 | handle-stream', 'a live stream for a demo, until Ctrl-C'],
  ],
};

const opts = parseArgs<CliOptions>(spec);
if (opts.files.length) usageError(spec.name, `unexpected argument '${opts.files[0]}'`);
const options = toGenOptions(opts, nowMicros());
if (typeof options === 'string') usageError(spec.name, options);
const capture = new Capture(options);
quietOnBrokenPipe();
const report = (): void => void (opts.quiet || process.stderr.write(summary(spec.name, capture)));
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => (report(), process.exit(0)));
await pipeline(opts.pace ? paced(capture, () => clockFor(opts.format)(nowMicros())) : chunks(capture), process.stdout, { end: false }).catch((err: NodeJS.ErrnoException) => {
  exitOnBrokenPipe(err);
  fail(spec.name, `stdout: ${describeError(err)}`);
});
report();
