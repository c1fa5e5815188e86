import test from 'tape';
import { readFileSync } from 'node:fs';
import { tokens, WordCounter, stopWords, asciiTokens, segmentTokens, wideTokens } from '../lib/metrics/words.js';
import { NEEDS_REAL, REAL_CAPTURE, run } from './helpers.js';

const counter = new WordCounter('engineering');
const matches = (text: string): boolean => counter.words(text) !== undefined;

test('words: Engineering, ENGINEERING! and #engineering contain the word', (t) => {
  for (const text of ['Engineering is fun', 'I love ENGINEERING!', 'hiring #engineering', 'engineering', '(engineering)', 'Software-engineering rocks']) t.ok(matches(text), text);
  t.end();
});

test('words: reengineering, engineer, engineers and engineering_team do not', (t) => {
  for (const text of ['reengineering', 'engineer', 'engineers', 'engineering_team', 'engineeringly', 'Xengineering']) t.notOk(matches(text), text);
  t.end();
});

test('words: re-engineering segments into re and engineering, so it contains the word', (t) => {
  t.deepEqual(tokens('re-engineering'), ['re', 'engineering']);
  t.ok(matches('re-engineering'));
  t.end();
});

test("words: ENGINEERING's stays one token, and its possessive 's is dropped, so it contains the word", (t) => {
  t.deepEqual(tokens("ENGINEERING's"), ['engineering']);
  t.ok(matches("ENGINEERING's future"));
  t.ok(matches('engineering’s future'), 'curly apostrophe too');
  t.end();
});

test('words: the word inside a URL or a handle does not count', (t) => {
  for (const text of ['see https://example.com/engineering', 'www.engineering.org', '@engineering.bsky.social hi', 'example.com/engineering/jobs', 'engineering.com']) t.notOk(matches(text), text);
  t.end();
});

test('words: meaningful words are lower-cased, once per post, without the keyword, stop words, numbers, 1-letter words, URLs or handles', (t) => {
  const words = counter.words('Engineering RUST rust Rust, the great 2025 3.5 1,000 x é 10am @bob.bsky.social https://x.com/a x.com k8s 日本語 Compilers!');
  t.deepEqual([...words!].sort(), ['10am', 'compilers', 'k8s', 'rust', '日本語']);
  t.end();
});

test("words: stop words are English plus the post's langs", (t) => {
  t.deepEqual([...counter.words('engineering und daten')!].sort(), ['daten', 'und'], 'no langs: English only');
  t.deepEqual([...counter.words('engineering und daten', ['de'])!], ['daten'], 'German list from langs');
  t.deepEqual([...counter.words('engineering de datos', ['es-MX'])!], ['datos'], 'region subtags use the language list');
  t.deepEqual([...counter.words('engineering datos', ['zz'])!], ['datos'], 'unknown languages add nothing');
  t.ok(stopWords('en').has('new') && stopWords('en').has("don't"));
  t.end();
});

test('words: the keyword must be one word', (t) => {
  t.throws(() => new WordCounter('data engineering'), /not a single word/);
  t.throws(() => new WordCounter('x.com'), /not a single word/);
  t.equal(new WordCounter('Software').keyword, 'software');
  t.deepEqual([...new WordCounter('software').words('Software engineering')!], ['engineering']);
  t.end();
});

test('words: engineering posts keep their domain words (ai, computer, research, systems) and lose filler (the, just, it\'s, new, really)', (t) => {
  const posts = [
    'The new AI research in engineering is really just computer systems, it\'s true',
    'It\'s really new: engineering the system, the problem and the information, just research',
    'Computer engineering: AI, open source, test the state of the world',
  ];
  const kept = new Set(posts.flatMap((p) => [...counter.words(p)!]));
  for (const w of ['ai', 'computer', 'research', 'systems', 'system', 'problem', 'information', 'open', 'test', 'state']) t.ok(kept.has(w), `${w} survives`);
  for (const w of ['the', 'just', "it's", 'it', 'new', 'really', 'is', 'in', 'and', 'of']) t.notOk(kept.has(w), `${w} does not`);
  t.end();
});

test('words: the English allow-list only lifts words of stopwords-iso\'s English list, not of the post\'s other languages', (t) => {
  const en = stopWords('en');
  t.notOk(en.has('computer'), 'computer is no English stop word here');
  t.ok(en.has('the') && en.has('really') && en.has('new'), 'function words and filler stay');
  const words = counter.words('engineering computer', ['en']);
  t.deepEqual([...words!], ['computer']);
  t.end();
});

/** Post texts of NDJSON lines (canonical events or the real capture's), whatever their nesting. */
function postTexts(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split('\n')) {
    let e: unknown;
    try {
      e = JSON.parse(line);
    } catch {
      continue;
    }
    const r = (e as { record?: { text?: unknown } } | null)?.record;
    if (typeof r?.text === 'string') out.push(r.text);
  }
  return out;
}

/** Differences between the ASCII tokeniser and the segmenter on texts (each also stripped to its ASCII characters). */
function asciiDiffs(texts: string[]): { checked: number; diffs: string[] } {
  let checked = 0;
  const diffs: string[] = [];
  for (const raw of texts) {
    for (const text of [raw, raw.replace(/[^\x00-\x7f]/g, ''), raw.replace(/[^\x00-\x7f]/g, ' '), raw.replace(/[^\x00-\x7f\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]/g, '')]) {
      if (!/^[\x00-\x7f\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]*$/.test(text)) continue;
      checked++;
      const a = JSON.stringify(asciiTokens(text));
      const b = JSON.stringify(segmentTokens(text));
      if (a !== b && diffs.length < 5) diffs.push(`${JSON.stringify(text)}: ${a} against ${b}`);
    }
  }
  return { checked, diffs };
}

test('words: ASCII texts (Latin-1 letters allowed) are tokenised without the segmenter, exactly as it does, on random Latin-1 strings', (t) => {
  // Seeded: every Latin-1 character, weighted towards letters, digits and the characters word breaks depend on.
  let seed = 12345;
  const rand = (n: number): number => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) % n;
  const common = "aZk9_'.:,; -s'SéÀÿ#@!?\n";
  const texts: string[] = [];
  for (let i = 0; i < 30000; i++) {
    let s = '';
    const len = 1 + rand(14);
    for (let j = 0; j < len; j++) s += rand(3) === 0 ? String.fromCharCode(rand(256)) : common[rand(common.length)];
    texts.push(s);
  }
  const { checked, diffs } = asciiDiffs(texts);
  t.deepEqual(diffs, [], `${checked} texts`);
  t.deepEqual(asciiTokens("__ _ a_ _1 x'y 1.5 a.b 3,4 a:b 1:2 it's __a"), ['__', 'a_', '_1', "x'y", '3,4', 'a:b', '1', '2', 'it', '__a']);
  t.end();
});

test('words: ASCII texts are tokenised exactly as the segmenter does on generated posts', (t) => {
  const { checked, diffs } = asciiDiffs(postTexts(run('bsky-gen', ['-q', '--events', '20000', '--seed', '9']).stdout));
  t.ok(checked > 1000, `${checked} texts`);
  t.deepEqual(diffs, []);
  t.end();
});

test('words: ASCII texts are tokenised exactly as the segmenter does on the real capture\'s posts', NEEDS_REAL, (t) => {
  const { checked, diffs } = asciiDiffs(postTexts(readFileSync(REAL_CAPTURE!, 'utf8')));
  t.ok(checked > 50, `${checked} texts`);
  t.deepEqual(diffs, []);
  t.end();
});

/** Every character the wide tokeniser's tables know (not left to the segmenter), with its class. */
function wideCharacters(): string[] {
  const out: string[] = [];
  for (const [from, to] of [[0x80, 0x530], [0x2000, 0x2c00], [0x3000, 0x3040], [0x3130, 0x3190], [0xac00, 0xd7a4], [0xfe00, 0xfe10], [0x1f000, 0x1fb00], [0xe0020, 0xe0080]]) {
    for (let cp = from; cp < to; cp++) {
      const ch = String.fromCodePoint(cp);
      if (wideTokens(`${ch} `) !== undefined) out.push(ch);
    }
  }
  return out;
}

test('words: the wide tokeniser gives the segmenter\'s tokens for every character it knows, in the contexts word breaks depend on', (t) => {
  const chars = wideCharacters();
  t.ok(chars.length > 14000, `${chars.length} characters known`);
  const contexts = ['aXb', '1X2', 'Xa', 'aX', 'XX', 'aXXb', 'a.Xb', 'X.a', "a'X", '_X_', 'a:Xb', '3,X4', '👍Xa', 'a X b', 'Xé', "X's", 'XŁ', '한X글'];
  let checked = 0;
  let fast = 0;
  const diffs: string[] = [];
  for (const ch of chars) {
    for (const c of contexts) {
      const text = c.replaceAll('X', ch);
      const w = wideTokens(text);
      checked++;
      if (w === undefined) continue;
      fast++;
      const want = segmentTokens(text);
      if (JSON.stringify(w) !== JSON.stringify(want) && diffs.length < 10) diffs.push(`${JSON.stringify(text)} (U+${ch.codePointAt(0)!.toString(16)}): ${JSON.stringify(w)} against ${JSON.stringify(want)}`);
    }
  }
  t.deepEqual(diffs, [], `${checked} texts, ${fast} without the segmenter`);
  t.ok(fast > checked / 2, 'most without the segmenter');
  t.end();
});

test('words: tokens() gives the segmenter\'s tokens on random texts of letters, emoji, joiners, marks and punctuation', (t) => {
  let seed = 777;
  const rand = (n: number): number => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) % n;
  const pool = [
    'a', 'Z', 's', '9', '0', '_', "'", '.', ':', ',', ';', ' ', '\n', '-', '#', 'é', 'ÿ', 'Ł', 'ș', 'ǅ', 'Ω', 'ς', 'Σ', 'ж', 'Ё', '한', '국', '어',
    'ㅋ', 'ㅎ', '\u2019', '\u2018', '\u201c', '\u2014', '\u2026', '\u00a0', '\u00ad', '\u00b7', '\u200b', '\u200c', '\u200d', '\ufe0f', '\u0301', '\u20e3',
    '😀', '👍', '🏽', '❤', '☀', '🇺', '🇸', '🅰', '\u{e0067}', '、', '。', '「', '日', 'カ', '×', '©', '²', '\u202f', '\u3000', 'İ', 'ŉ',
  ];
  let fast = 0;
  const diffs: string[] = [];
  for (let k = 0; k < 40000; k++) {
    let s = '';
    const len = 1 + rand(16);
    for (let j = 0; j < len; j++) s += pool[rand(pool.length)];
    if (wideTokens(s) !== undefined) fast++;
    const got = JSON.stringify(tokens(s));
    const want = JSON.stringify(segmentTokens(s));
    if (got !== want && diffs.length < 10) diffs.push(`${JSON.stringify(s)}: ${got} against ${want}`);
  }
  t.deepEqual(diffs, [], `40000 texts, ${fast} without the segmenter`);
  t.ok(fast > 4000, 'many without the segmenter');
  t.end();
});

test('words: posts with emoji, curly quotes and Hangul are tokenised without the segmenter, as it does, on generated posts', (t) => {
  const texts = postTexts(run('bsky-gen', ['-q', '--events', '20000', '--seed', '9']).stdout).filter((x) => !/^[\x00-\x7f\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]*$/.test(x));
  let fast = 0;
  const diffs: string[] = [];
  for (const text of texts) {
    const w = wideTokens(text);
    if (w === undefined) continue;
    fast++;
    const want = segmentTokens(text);
    if (JSON.stringify(w) !== JSON.stringify(want) && diffs.length < 5) diffs.push(`${JSON.stringify(text)}: ${JSON.stringify(w)} against ${JSON.stringify(want)}`);
  }
  t.ok(fast > texts.length / 3, `${fast} of ${texts.length} texts beyond Latin-1 without the segmenter`);
  t.deepEqual(diffs, []);
  t.end();
});
