// The fast paths (bytes and text shapes read without JSON.parse/JSON.stringify)
// against the slow paths they stand in for, on generated lines, the real
// capture and mutations of both: a fast path may only agree or give up.
import { isUtf8 } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import test from 'tape';
import { isCommit, type BskyEvent } from '../lib/events/event.js';
import { parseEvent, type ParseOptions } from '../lib/events/parse-event.js';
import { TakeHomeReader } from '../lib/events/take-home-fast.js';
import { generateLines } from '../lib/gen/generate.js';
import { nestedDeeper } from '../lib/input/json-depth.js';
import { Canon, copyValue, skipWhitespace } from '../lib/input/json-canon.js';
import { checkRow } from '../lib/metrics/run.js';
import { envelope, envelopeBytes, newHead } from '../lib/rows/envelope.js';
import { plainRow, plainRowJson, subjectRow } from '../lib/rows/flat-fast.js';
import { FIELDS, flatten, pick, type FlatRow } from '../lib/rows/flatten.js';
import { NEEDS_REAL, REAL_CAPTURE } from './helpers.js';
import { random } from './reference/gen.js';

// The real capture joins the generated lines when it is here (see REAL_CAPTURE).
const REAL = REAL_CAPTURE === undefined ? [] : readFileSync(REAL_CAPTURE, 'utf8').split('\n').filter(Boolean);

/** Generated lines of both formats, bad lines included, as text (lines with invalid UTF-8 dropped: splitRegion never hands those over). */
function generated(format: 'takehome' | 'jetstream', events: number, seed: number): string[] {
  const out: string[] = [];
  for (const l of generateLines({ events, seed, format, badRate: 0.05, dupRate: 0.01 })) if (typeof l === 'string') out.push(l);
  return out;
}

/** Edits that make a line harder: escapes of every kind, whitespace, numbers, keys JSON.parse treats apart, broken syntax. */
const INSERTS = [
  '\\n', '\\t', '\\b', '\\f', '\\r', '\\"', '\\\\', '\\/', '\\u00e9', '\\u00E9', '\\u0000', '\\u001f', '\\u0022', '\\u005c', '\\u2028',
  '\\ud83d\\ude80', '\\ud83d', '\\ude80', '\\ud83dx', '\\uD83D\\uDE80', '\\x', '\\u12', 'é', '日本', '🚀', '\t', '\u0001', '"', '\\',
];
const SWAPS: Array<[string, string]> = [
  [': ', ':'], [', ', ','], [': ', ' :\t'], [', ', ' ,\r\n'], ['null', 'nul'], ['null', '1.5'], ['null', '-0'], ['null', '1e3'],
  ['null', '12345678901234567'], ['null', '-7'], ['null', '007'], ['null', '[]'], ['null', '{}'], ['null', '[1, [2, {"a": null}]]'],
  ['"$type"', '"1"'], ['"$type"', '"$type": "x", "$type"'], ['"createdAt"', '"createdAt": "2025", "createdAt"'],
  ['"subject"', '"subject": "x", "subject"'], ['"cid"', '"cid": 5, "cid"'], ['"record"', '"record": {}, "record"'],
  ['"uri"', '"uri": "at://did:plc:x/y", "uri"'], ['"cid":', '"cid2":'], ['{', '{ '], ['}', ' }'], ['"record": {', '"record": {"z": true, '],
  ['"record":{', '"record":{"0":1,'], ['"record":{', '"record":{"__proto__":{"a":1},'], ['"createdAt":', '"text":"hi","createdAt":'],
  ['"subject":{', '"subject":{"x":[1,2],'], ['"op":"create"', '"op":"delete"'], ['"op":"create"', '"op":"update"'],
  ['"action": "create"', '"action": "delete"'], ['"action": "create"', '"action": "update"'], ['"time":"', '"time":"x'],
  ['"kind":"like"', '"kind":"like","kind":"post"'], ['"did":"', '"did":"did:plc:a","did":"'], ['"time":"2025', '"time":"1999'],
  ['"cid":"', '"cid":null,"x":"'], [',"created_at"', ',"text":"x","created_at"'], [',"created_at"', ',"langs":["en"],"created_at"'],
  ['T', ' '], ['.', ','], ['app.bsky', 'app..bsky'], ['did:plc', 'did:PLC'], ['3l', '3l/'], ['"}', '"}\r'],
];

function mutate(line: string, rnd: () => number): string {
  let s = line;
  const edits = 1 + Math.floor(rnd() * 3);
  for (let e = 0; e < edits; e++) {
    const r = rnd();
    const at = Math.floor(rnd() * (s.length + 1));
    if (r < 0.35) {
      // An insert inside a string value, where escapes are legal.
      const q = s.indexOf('"', at);
      const where = q < 0 ? at : q + 1 + Math.floor(rnd() * 3);
      s = s.slice(0, where) + INSERTS[Math.floor(rnd() * INSERTS.length)] + s.slice(where);
    } else if (r < 0.7) {
      const [from, to] = SWAPS[Math.floor(rnd() * SWAPS.length)];
      const i = s.indexOf(from, Math.floor(rnd() * s.length));
      const j = i >= 0 ? i : s.indexOf(from);
      if (j >= 0) s = s.slice(0, j) + to + s.slice(j + from.length);
    } else if (r < 0.85) s = s.slice(0, at) + s.slice(at + 1 + Math.floor(rnd() * 3));
    else s = s.slice(0, at) + '{}[],:" \t1-0.e'[Math.floor(rnd() * 14)] + s.slice(at);
  }
  return s;
}

/**
 * Every line, and `copies` mutations of each, as the tools see them: text
 * decoded from UTF-8 bytes (a mutation that cut a surrogate pair leaves a
 * lone surrogate, which UTF-8 cannot hold: it comes back as U+FFFD).
 */
function withMutations(lines: string[], copies: number, seed: number): string[] {
  const rnd = random(seed);
  const out: string[] = [];
  for (const l of lines) {
    out.push(l);
    for (let c = 0; c < copies; c++) out.push(Buffer.from(mutate(l, rnd)).toString());
  }
  return out;
}

function slowEvent(text: string, opts: ParseOptions): string | undefined {
  const r = parseEvent(text, opts);
  return r.reason === undefined ? JSON.stringify(r.event) : undefined;
}

const fast = new TakeHomeReader();

function fastEvent(text: string, opts: ParseOptions): string | undefined {
  const b = Buffer.from(text);
  if (!isUtf8(b) || !fast.read(b, 0, b.length, opts)) return undefined;
  return fast.recordEnd < 0 ? fast.head : fast.head + Buffer.from(fast.scratch.subarray(0, fast.recordEnd)).toString() + '}';
}

test('take-home fast path: gives the slow path\'s canonical event byte for byte, or gives up', (t) => {
  const lines = withMutations([...REAL, ...generated('takehome', 6000, 11), ...generated('jetstream', 1500, 12)], 6, 13);
  const optionSets: ParseOptions[] = [{}, { tz: 'Europe/Paris' }, { maxDepth: 2 }, { time: 'created' }];
  let taken = 0;
  let escaped = 0;
  let bad = 0;
  for (const opts of optionSets) {
    for (const line of lines) {
      const f = fastEvent(line, opts);
      if (f === undefined) continue;
      taken++;
      if (line.includes('\\')) escaped++;
      const s = slowEvent(line, opts);
      if (s !== f) {
        bad++;
        if (bad <= 3) t.fail(`line ${JSON.stringify(line.slice(0, 400))} (options ${JSON.stringify(opts)}):\n slow ${s}\n fast ${f}`);
      }
    }
  }
  t.equal(bad, 0, `${taken} lines through the fast path agree with the slow path`);
  t.ok(escaped > 200, `some of them with escapes (${escaped})`);
  // The fast path must be the common path, else it is no use.
  const plain = [...REAL, ...generated('takehome', 3000, 14)].filter((l) => slowEvent(l, {}) !== undefined);
  const fastShare = plain.filter((l) => fastEvent(l, {}) !== undefined).length / plain.length;
  t.ok(fastShare > 0.99, `valid take-home lines take the fast path (${(100 * fastShare).toFixed(1)}%)`);
  t.end();
});

test('take-home fast path: every line of the real capture takes it and agrees with the slow path', NEEDS_REAL, (t) => {
  const disagree = REAL.filter((l) => fastEvent(l, {}) === undefined || fastEvent(l, {}) !== slowEvent(l, {}));
  t.equal(REAL.length, 423, 'the whole capture');
  t.deepEqual(disagree.map((l) => l.slice(0, 120)), [], 'no line left to the slow path or read differently');
  t.end();
});

test('take-home fast path: escapes, numbers and keys that JSON.stringify writes its own way', (t) => {
  const line = (record: string, extra = ''): string =>
    `{"timestamp": "2025-03-16T12:00:00.000001", "action": "create", "path": "app.bsky.feed.post/3lkiloi3y4uyb", "cid": "bafy"${extra}, "record": ${record}, "repo": "did:plc:abc"}`;
  const cases: Array<[string, string]> = [
    ['escapes resolved', line('{"text": "caf\\u00e9 \\ud83d\\ude80 \\/ \\u0041"}')],
    ['escapes kept as JSON.stringify writes them', line('{"text": "\\"q\\" \\\\ \\n\\t\\b\\f\\r \\u0001 \\u001F \\u007f"}')],
    ['lone surrogates written as lowercase escapes', line('{"text": "\\uD83D x \\uDE80 \\ud83d\\u0041"}')],
    ['U+2028 written raw', line('{"text": "a\\u2028b"}')],
    ['integers', line('{"n": [0, -1, 123456789012345, -123456789012345]}')],
    ['empty containers and literals', line('{"a": {}, "b": [], "c": [true, false, null], "d": ""}')],
    ['whitespace of every kind', line('{ "a" :\t[ 1 ,\r\n 2 ] , "b":{}}')],
    ['a delete without a record', line('null').replace('"create"', '"delete"')],
    ['an unknown key with any value', line('{}', ', "x": [15, {"y": "\\u00e9"}]')],
    ['trailing whitespace and CR', line('{}') + ' \r'],
  ];
  for (const [what, text] of cases) {
    const f = fastEvent(text, {});
    t.ok(f !== undefined, `${what}: fast path taken`);
    t.equal(f, slowEvent(text, {}), `${what}: same bytes as the slow path`);
  }
  const giveUp: Array<[string, string]> = [
    ['a fraction', line('{"n": 1.5}')],
    ['an exponent', line('{"n": 1e3}')],
    ['-0', line('{"n": -0}')],
    ['an integer past 15 digits', line('{"n": 1234567890123456}')],
    ['a duplicate key in the record', line('{"a": 1, "a": 2}')],
    ['a duplicate escaped the other way', line('{"a": 1, "\\u0061": 2}')],
    ['an array-index key', line('{"b": 1, "0": 2}')],
    ['a duplicate top-level key', line('{}', ', "cid": "other"')],
    ['nesting past --max-depth', line('{"a": {"b": {}}}')],
    ['a raw control character', line('{"text": "a\tb"}')],
    ['a bad escape', line('{"text": "\\x41"}')],
    ['a truncated line', line('{}').slice(0, -2)],
    ['garbage after the object', line('{}') + ' x'],
  ];
  for (const [what, text] of giveUp) {
    const opts = what.startsWith('nesting') ? { maxDepth: 2 } : {};
    t.equal(fastEvent(text, opts), undefined, `${what}: left to the slow path`);
  }
  t.end();
});

/** Canonical lines as bsky-parse writes them, from every generated and real line that parses. */
function canonicalLines(): string[] {
  const out: string[] = [];
  for (const l of [...REAL, ...generated('takehome', 5000, 21), ...generated('jetstream', 3000, 22)]) {
    const s = slowEvent(l, {});
    if (s !== undefined) out.push(s);
  }
  return out;
}

function slowRow(text: string, opts: ParseOptions): FlatRow | undefined {
  const r = parseEvent(text, opts);
  return r.reason === undefined ? flatten(r.event) : undefined;
}

test('bsky-flatten fast path: a subject record gives the row flatten gives, or gives up', (t) => {
  const lines = withMutations(canonicalLines(), 4, 23);
  let taken = 0;
  let bad = 0;
  for (const opts of [{}, { tz: 'Asia/Tokyo' }, { maxDepth: 1 }] as ParseOptions[]) {
    for (const line of lines) {
      const f = subjectRow(line, opts);
      if (f === undefined) continue;
      taken++;
      const s = slowRow(line, opts);
      if (JSON.stringify(s) !== JSON.stringify(f)) {
        bad++;
        if (bad <= 3) t.fail(`line ${line.slice(0, 400)}:\n slow ${JSON.stringify(s)}\n fast ${JSON.stringify(f)}`);
      }
    }
  }
  t.equal(bad, 0, `${taken} lines through the fast path agree with the slow path`);
  const events = canonicalLines().map((l) => JSON.parse(l) as BskyEvent);
  const subjects = events.filter((e) => isCommit(e) && e.op !== 'delete' && /like|repost|follow|block/.test(e.collection));
  const share = subjects.filter((e) => subjectRow(JSON.stringify(e), {}) !== undefined).length / subjects.length;
  t.ok(share > 0.95, `likes, reposts, follows and blocks take the fast path (${(100 * share).toFixed(1)}%)`);
  t.end();
});

test('bsky-flatten fast path: a row\'s JSON is JSON.stringify\'s, for every choice of fields', (t) => {
  const rnd = random(31);
  let bad = 0;
  let n = 0;
  for (const line of canonicalLines()) {
    const row = subjectRow(line, {});
    if (row === undefined) continue;
    const fields = rnd() < 0.3 ? [] : FIELDS.filter(() => rnd() < 0.4).sort(() => rnd() - 0.5);
    n++;
    if (plainRowJson(row, fields) !== JSON.stringify(fields.length ? pick(row, fields) : row)) bad++;
  }
  t.ok(n > 1000, `${n} rows`);
  t.equal(bad, 0, 'same JSON text');
  t.end();
});

test('bsky-metric fast path: a plain row gives what JSON.parse gives the metrics, or gives up', (t) => {
  const rows = canonicalLines().map((l) => JSON.stringify(flatten(JSON.parse(l) as BskyEvent)));
  const lines = withMutations(rows, 4, 41);
  let taken = 0;
  let bad = 0;
  for (const line of lines) {
    const f = plainRow(line);
    if (f === undefined) continue;
    taken++;
    let parsed: Record<string, unknown> | undefined;
    try {
      parsed = JSON.parse(line) as Record<string, unknown>;
    } catch {
      parsed = undefined;
    }
    const same = parsed !== undefined && typeof parsed === 'object' && !Array.isArray(parsed) &&
      checkRow(parsed) === checkRow(f) && parsed.text === undefined && parsed.langs === undefined &&
      (['time', 'kind', 'op', 'did'] as const).every((k) => parsed![k] === f[k]);
    if (!same) {
      bad++;
      if (bad <= 3) t.fail(`line ${line.slice(0, 300)}: fast ${JSON.stringify(f)}`);
    }
  }
  t.equal(bad, 0, `${taken} rows through the fast path agree with JSON.parse`);
  const plain = rows.filter((r) => !r.includes('"text"') && !r.includes('"langs"') && !r.includes('\\'));
  t.ok(plain.every((r) => plainRow(r) !== undefined), `every row without text or langs takes it (${plain.length})`);
  t.end();
});

test('bsky-flatten byte filter: a line\'s head read from its first bytes gives envelope()\'s op and collection, or gives up', (t) => {
  const lines = withMutations(canonicalLines(), 4, 51);
  lines.push(`{"time":"2025-03-16T12:00:00.000000","did":"did:web:${'x'.repeat(200)}","op":"create","collection":"app.bsky.feed.like","rkey":"a","record":{}}`);
  let taken = 0;
  let bad = 0;
  const head = newHead();
  for (const line of lines) {
    const b = Buffer.from(line);
    if (!envelopeBytes(b, 0, b.length, head)) continue;
    const f = { ...head };
    taken++;
    const e = envelope(line);
    if (e === undefined || e.op !== f.op || e.collection !== f.collection) {
      bad++;
      if (bad <= 3) t.fail(`line ${line.slice(0, 300)}: bytes ${JSON.stringify(f)}, text ${JSON.stringify(e)}`);
    }
  }
  t.equal(bad, 0, `${taken} heads read from bytes agree with envelope()`);
  t.ok(taken > lines.length / 2, 'most lines are read from their bytes');
  const long = lines[lines.length - 1];
  t.equal(envelopeBytes(Buffer.from(long), 0, long.length, newHead()), false, 'a head longer than the bytes read is left to the decoded line');
  t.end();
});

test('copyValue: any JSON value copied as JSON.stringify(JSON.parse(text)) writes it, or gives up', (t) => {
  const rnd = random(61);
  const STRINGS = ['', 'a', 'é', '日本', '🚀', 'a"b', 'a\\b', '\n\t', '\u0001', '\u2028', '\ud800', 'x'.repeat(40)];
  const KEYS = ['a', 'b', '$type', 'é', '', '1', '01', '9', '42', 'a b', '"', '__proto__'];
  // Text, not objects: an object would put array-index keys first and drop repeated keys before we see them.
  function value(depth: number, space: string): string {
    const r = rnd();
    if (depth > 4 || r < 0.3) return JSON.stringify(STRINGS[Math.floor(rnd() * STRINGS.length)]);
    if (r < 0.45) return ['0', '-1', '7', '123456789012345', '1.5', '-0.25', '1e21', '-0'][Math.floor(rnd() * 8)];
    if (r < 0.55) return ['true', 'false', 'null'][Math.floor(rnd() * 3)];
    if (r < 0.75) return `[${Array.from({ length: Math.floor(rnd() * 4) }, () => space + value(depth + 1, space)).join(',')}]`;
    const members: string[] = [];
    for (let n = Math.floor(rnd() * 4); n > 0; n--) members.push(`${space}${JSON.stringify(KEYS[Math.floor(rnd() * KEYS.length)])}:${space}${value(depth + 1, space)}`);
    return `{${members.join(',')}}`;
  }
  const texts: string[] = [];
  for (let n = 0; n < 3000; n++) texts.push(value(0, ''), value(0, rnd() < 0.5 ? ' ' : '\n\t'));
  const all = withMutations(texts, 3, 62);
  let taken = 0;
  let bad = 0;
  const canon = new Canon();
  for (const text of all) {
    const src = Buffer.from(text);
    if (!isUtf8(src)) continue;
    const dest = new Uint8Array(src.length);
    if (!copyValue(canon, src, 0, src.length, dest, 0, 3)) continue;
    // A value followed by more than whitespace is not the whole text: JSON.parse would refuse it.
    if (skipWhitespace(src, canon.at, src.length) !== src.length) continue;
    taken++;
    let expected: string | undefined;
    try {
      const v = JSON.parse(text) as unknown;
      expected = nestedDeeper(v, 3) ? 'too deep' : JSON.stringify(v);
    } catch {
      expected = 'invalid';
    }
    const got = Buffer.from(dest.subarray(0, canon.o)).toString();
    if (got !== expected) {
      bad++;
      if (bad <= 3) t.fail(`${JSON.stringify(text)}: expected ${expected}, got ${got}`);
    }
  }
  t.equal(bad, 0, `${taken} values copied as JSON.stringify writes them`);
  t.ok(taken > 3000, 'most are copied');
  t.end();
});

test('bsky-metric fast path: a DID it reads does not keep its whole line alive (fast-likers keeps DIDs)', (t) => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  const before = process.memoryUsage().heapUsed;
  const kept: string[] = [];
  const pad = 'x'.repeat(10_000);
  for (let i = 0; i < 20_000; i++) {
    // 20,000 lines of 10 KB: 200 MB if each DID kept its line.
    const line = `{"time":"2025-03-16T12:00:00.000000","kind":"like","op":"create","did":"did:plc:${String(i).padStart(24, '0')}","subject":"${pad}${i}"}`;
    kept.push(plainRow(line)!.did);
  }
  gc();
  const grown = (process.memoryUsage().heapUsed - before) / 1e6;
  t.equal(kept.length, 20_000);
  t.ok(grown < 20, `heap grew by ${grown.toFixed(1)} MB for 20,000 DIDs`);
  t.end();
});
