import test from 'tape';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { StateError } from '../lib/metrics/metric.js';
import { asciiLine, openState, writeState, type PeriodicState } from '../lib/periodic/state-file.js';
import { tempDir } from './helpers.js';

/** The whole state, both steps read. */
function readState(path: string): PeriodicState {
  const file = openState(path);
  return { ...file.head, metrics: file.metrics() };
}

/** A state whose strings hold what the split looks for (escaped in JSON: not a key), and a lake journal. */
function sample(): PeriodicState {
  return {
    version: 1,
    folded: ['seg-20250316T120000000Z-0-000001.ndjson'],
    segments: 3,
    events: 1200,
    rejected: 2,
    rejectedBy: { 'x,"metrics":{"a":1}': 1, 'bad json': 1 },
    newest: '2025-03-16T12:00:59.000000',
    metrics: {
      'top-langs': { metric: 'top-langs', version: 1, params: {}, data: { counts: [['en', 3]], note: ',"metrics":' } } as never,
      // Words beyond ASCII: the file holds them as \u escapes, and reads them back as they were.
      'top-words': { metric: 'top-words', version: 1, params: {}, data: { counts: [['日本語', 2], ['café', 1], ['😀', 1], ['\u2028', 1], ['\u007f', 1]] } } as never,
    },
    lake: { batches: 2, publish: [{ from: '.staging/batch-1/out/x.parquet', to: 'events/x.parquet' }], remove: [], behind: ['seg-1'] } as never,
  };
}

test('state file: written with the metrics last, read in two steps (the bookkeeping, then the metrics when asked) to what was written', (t) => {
  const { dir, cleanup } = tempDir();
  try {
    const path = join(dir, 'periodic.json');
    const state = sample();
    writeState(path, state);
    const text = readFileSync(path, 'utf8');
    t.ok(text.indexOf('"metrics":') > text.indexOf('"lake":'), 'metrics come after the lake journal in the file');
    t.ok([...readFileSync(path)].every((b) => b < 128), 'the file is ASCII');
    const { metrics: m, ...h } = state;
    t.ok(readFileSync(path).equals(asciiLine(JSON.stringify({ ...h, metricsLast: true, metrics: m }))), 'byte for byte one JSON.stringify of the whole, escaped');
    t.ok(asciiLine('a', 'é', '', '😀b').equals(asciiLine('aé😀b')), 'asciiLine: parts written one after another');
    t.ok(text.includes('"\\u65e5\\u672c\\u8a9e"') && text.includes('"\\ud83d\\ude00"'), 'other characters as JSON escapes');
    const file = openState(path);
    const { metrics, ...head } = state;
    t.deepEqual(file.head, head, 'the bookkeeping, lake journal included, without the marker');
    t.deepEqual(file.metrics(), metrics, 'the metrics, when asked');
    t.equal(file.metrics(), file.metrics(), 'parsed once');
    t.deepEqual(readState(path), state, 'readState: the whole state');
  } finally {
    cleanup();
  }
  t.end();
});

test('state file: asciiLine gives the JSON text with every unit beyond ASCII as its \\u escape and a newline, as a naive replace does, on random strings', (t) => {
  // Independent and slow: each UTF-16 unit above U+007F replaced by its escape.
  const naive = (json: string): string => json.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`) + '\n';
  let seed = 7;
  const rand = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  // ASCII (DEL included), Latin-1, other BMP characters, astral ones (surrogate pairs), a lone surrogate.
  const pools = ['a', 'Z', ' ', '"', '\\', '\n', '\u007f', '\u0080', 'é', 'ÿ', '語', '\u2028', '\uffff', '😀', '𝄞', '\ud800'];
  for (let k = 0; k < 300; k++) {
    const words = Array.from({ length: rand(8) }, () => Array.from({ length: 1 + rand(6) }, () => pools[k % 3 === 0 ? rand(7) : rand(pools.length)]).join(''));
    const json = JSON.stringify({ words, n: k });
    const got = asciiLine(json);
    if (got.toString('latin1') !== naive(json)) {
      t.fail(`differs on ${JSON.stringify(json)}`);
      break;
    }
    if (!got.every((b) => b < 128) || JSON.parse(got.toString('latin1')).n !== k || JSON.stringify(JSON.parse(got.toString('latin1')).words) !== JSON.stringify(words)) {
      t.fail(`not ASCII or not read back: ${JSON.stringify(json)}`);
      break;
    }
  }
  t.equal(asciiLine('').toString('latin1'), '\n', 'empty text: the newline');
  t.pass('300 random texts, a third of them ASCII only');
  t.end();
});

test('state file: a file of an older version (the lake journal after the metrics, no marker) is read whole, its journal kept', (t) => {
  const { dir, cleanup } = tempDir();
  try {
    const path = join(dir, 'periodic.json');
    const state = sample();
    // The key order of session 9's periodic: metrics, then lake.
    const { lake, ...rest } = state;
    writeFileSync(path, JSON.stringify({ ...rest, lake }) + '\n');
    const file = openState(path);
    t.deepEqual(file.head.lake, lake, 'the lake journal, which follows the metrics');
    t.deepEqual(file.metrics(), state.metrics, 'the metrics');
    // By hand, pretty-printed, without the marker.
    writeFileSync(path, JSON.stringify(state, null, 2));
    t.deepEqual(readState(path), state, 'a pretty-printed file');
    // The layout writeState gives, but UTF-8 where it writes escapes (an editor's save): read as UTF-8, not as the ASCII it expects.
    const { metrics, ...head } = state;
    writeFileSync(path, JSON.stringify({ ...head, metricsLast: true, metrics }) + '\n');
    t.ok(readFileSync(path).some((b) => b >= 128), 'the file holds UTF-8 beyond ASCII');
    t.deepEqual(readState(path), state, 'a file in two parts with UTF-8 text');
  } finally {
    cleanup();
  }
  t.end();
});

test('state file: damage is a StateError naming the file: in the bookkeeping at once, in the metrics when they are asked for', (t) => {
  const { dir, cleanup } = tempDir();
  try {
    const path = join(dir, 'periodic.json');
    writeState(path, sample());
    const text = readFileSync(path, 'utf8');
    writeFileSync(path, text.replace('"counts":', '"counts:'));
    const file = openState(path);
    t.deepEqual(file.head.folded, sample().folded, 'damage inside the metrics: the bookkeeping still reads');
    t.throws(() => file.metrics(), (err: unknown) => err instanceof StateError && err.message.startsWith(`${path}: not valid JSON`), 'the metrics: not valid JSON, naming the file');
    writeFileSync(path, text.slice(0, text.length - 40));
    t.throws(() => openState(path), (err: unknown) => err instanceof StateError && err.message.startsWith(`${path}: not valid JSON`), 'a file cut short (its end is not the object\'s): at once');
    writeFileSync(path, text.slice(0, 30));
    t.throws(() => openState(path), (err: unknown) => err instanceof StateError && err.message.includes(path), 'cut short in the bookkeeping: at once');
    writeFileSync(path, JSON.stringify({ version: 2, folded: [], metricsLast: true, metrics: {} }));
    t.throws(() => openState(path), /not a periodic state file \(version 2\)/, 'another version');
    writeFileSync(path, '{"version":1,"folded":[],"metricsLast":true,"metrics":7}');
    t.throws(() => openState(path).metrics(), /not a periodic state file \(metrics\)/, 'metrics that are not an object');
  } finally {
    cleanup();
  }
  t.end();
});
