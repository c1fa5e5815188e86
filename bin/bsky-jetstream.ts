#!/usr/bin/env node
import { parseArgs, TIMER_MAX_US, type ToolSpec } from '../lib/cli/tool.js';
import type { JetstreamArgs } from '../lib/jetstream/options.js';
import { runJetstream } from '../lib/jetstream/run.js';
import { METRIC_COLLECTIONS, PUBLIC_URLS, hostOf } from '../lib/jetstream/subscribe-url.js';

const spec: ToolSpec = {
  name: 'bsky-jetstream',
  usage: 'bsky-jetstream [options]',
  summary: 'Follows Bluesky Jetstream and writes its events as NDJSON, one message a line, for weeks: resumes from a cursor file, reconnects, fails over.',
  options: {
    url: { type: 'string', describe: `the Jetstream subscribe URLs, comma-separated, tried in turn; public = ${PUBLIC_URLS.map(hostOf).join(', ')}`, default: 'public' },
    collections: { type: 'string', describe: 'collections wanted, comma-separated (app.bsky.feed.* prefixes; * for all)', default: METRIC_COLLECTIONS.join(',') },
    'cursor-file': { type: 'string', describe: 'resume from the time_us saved in FILE, and keep it saved there' },
    cursor: { type: 'string', describe: 'start at this time_us or zoned time (overrides --cursor-file once)' },
    rewind: { type: 'string', describe: 'on each (re)connect ask for this much before the cursor (the overlap is deduped downstream)', default: '5s', duration: true, zero: true, max: 36 * 3_600_000_000 },
    'idle-timeout': { type: 'string', describe: 'no message for this long means a dead connection: reconnect', default: '30s', duration: true, min: 1000, max: TIMER_MAX_US },
    'backoff-base': { type: 'string', describe: 'first reconnect delay ceiling, doubled on each failure in a row (with jitter)', default: '1s', duration: true, min: 1000, max: TIMER_MAX_US },
    'backoff-cap': { type: 'string', describe: 'longest reconnect delay', default: '60s', duration: true, min: 1000, max: TIMER_MAX_US },
    'healthy-after': { type: 'string', describe: 'a connection up this long resets the backoff', default: '60s', duration: true, min: 1000, max: TIMER_MAX_US },
    'save-every': { type: 'string', describe: 'save the cursor file this often (and on exit)', default: '5s', duration: true, min: 1000, max: TIMER_MAX_US },
    'max-message': { type: 'number', describe: 'skip (and report) messages longer than this many bytes', default: 1 << 20, integer: true, min: 1, max: 1 << 28 },
    quiet: { type: 'boolean', alias: 'q', describe: 'no connection messages, skipped messages or summary on stderr', default: false },
  },
  examples: [
    ['bsky-jetstream --cursor-file state/jetstream.cursor | handle-stream', 'the live network, resumed across restarts'],
    ['bsky-jetstream --collections "*" | head -n 5 | jq .', 'a first look at every kind of event'],
    ['bsky-jetstream --cursor 2025-03-16T13:00:00Z | bsky-parse', 'replay from a past time (as far back as the instance keeps)'],
  ],
};

runJetstream(spec, parseArgs<JetstreamArgs>(spec));
