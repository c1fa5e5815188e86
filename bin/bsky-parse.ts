#!/usr/bin/env node
import { durationValue, parseArgs, usageError, type ToolSpec } from '../lib/cli/tool.js';
import { DEDUPE_MAX_US, Dedupe } from '../lib/events/dedupe.js';
import { MAX_DEPTH } from '../lib/input/json-depth.js';
import { runParse, threadsOption } from '../lib/events/parse-stream.js';
import { TIME_POLICY_OPTIONS, timePolicyFrom, type TimePolicyArgs } from '../lib/events/time-policy.js';
import { checkZone } from '../lib/time.js';

const spec: ToolSpec = {
  name: 'bsky-parse',
  summary: 'Raw firehose lines (take-home script, Jetstream, or bsky-parse output) to canonical events: validated, deduplicated.',
  lines: true,
  options: {
    tz: { type: 'string', describe: 'show instants (Jetstream time_us, times with an offset) in this zone, e.g. Europe/Paris' },
    time: { type: 'string', describe: 'event time: receive time, or the client-set record.createdAt', choices: ['receive', 'created'], default: 'receive' },
    'dedupe-window': { type: 'string', describe: 'an event seen again within this much event time is dropped (0 = no dedupe)', default: '10m', duration: true, zero: true, max: DEDUPE_MAX_US },
    'max-depth': { type: 'number', describe: 'reject records nested deeper than this', default: 64, integer: true, min: 1, max: MAX_DEPTH },
    ...TIME_POLICY_OPTIONS,
    threads: threadsOption('output'),
  },
  examples: [
    ['bsky-parse capture.ndjson | head', 'the first canonical events of a capture'],
    ['./bluesky | bsky-parse --rejects bad.ndjson > events.ndjson', 'keep rejected lines aside'],
    ['bsky-parse --tz Europe/Paris jetstream.ndjson', 'Jetstream times in Paris time'],
  ],
};

const opts = parseArgs<{ tz?: string; time: 'receive' | 'created'; dedupeWindow: string; maxDepth: number; threads: number } & TimePolicyArgs>(spec);
if (opts.tz && checkZone(opts.tz)) usageError(spec.name, `--tz: ${checkZone(opts.tz)}`);
const dedupeUs = durationValue(opts.dedupeWindow)!;
await runParse(spec, opts, { parse: { tz: opts.tz, time: opts.time, maxDepth: opts.maxDepth }, threads: opts.threads, policy: timePolicyFrom(spec.name, opts), dedupe: dedupeUs > 0 ? new Dedupe(dedupeUs) : null, progress: true });
