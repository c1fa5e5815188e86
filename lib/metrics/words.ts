import { createRequire } from 'node:module';
import { ENGLISH_CONTENT_WORDS } from './stop-allow.js';

/**
 * Words of post text, for top-words. Tokens come from Unicode word
 * segmentation (Intl.Segmenter, word granularity, word-like segments only)
 * after URLs and @handles are removed; they are lower-cased (NFC), a curly
 * apostrophe counts as a straight one, and a possessive `'s` is dropped, so
 * `ENGINEERING's` is the word `engineering`. Segments with a dot inside
 * (`x.com`, `e.g`) are bare domains or abbreviations and are dropped.
 */

// Segmenter construction is costly: one for the process.
let segmenter: Intl.Segmenter | undefined;

const URL_RE = /\b(?:[a-z][a-z0-9+.-]*:\/\/|www\.)\S+/giu;
const WWW_RE = /www\./i;
// A bare domain followed by a path (Bluesky shortens link text to `example.com/pa...`).
const PATH_RE = /[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+\/\S*/gu;
const HANDLE_RE = /@[\p{L}\p{N}._-]+/gu;
const NUMBER_RE = /^[\p{Nd}.,']+$/u;

/** Lower-cased word tokens of a text, after removing URLs and @handles; repeated tokens repeat. */
export function tokens(text: string): string[] {
  // Each pattern needs a character most posts lack: skipping its pass when that is missing changes nothing (and saves the most costly regular expression of the lake's writer).
  let clean = text;
  if (clean.includes('/') || WWW_RE.test(clean)) clean = clean.replace(URL_RE, ' ');
  if (clean.includes('/')) clean = clean.replace(PATH_RE, ' ');
  if (clean.includes('@')) clean = clean.replace(HANDLE_RE, ' ');
  return ASCII_RE.test(clean) ? asciiTokens(clean) : (wideTokens(clean) ?? segmentTokens(clean));
}

/** The word-like segments of a text (Intl.Segmenter), normalised; those with a dot inside dropped. */
export function segmentTokens(clean: string): string[] {
  segmenter ??= new Intl.Segmenter('en', { granularity: 'word' });
  const out: string[] = [];
  for (const s of segmenter.segment(clean)) {
    if (!s.isWordLike) continue;
    const t = normalise(s.segment);
    if (t.length > 0 && !t.includes('.')) out.push(t);
  }
  return out;
}

// ASCII and Latin-1's letters (À-ÿ but × and ÷): letters for word breaks, already NFC, lower-cased within the range.
const ASCII_RE = /^[\x00-\x7f\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff]*$/;

// Word-break classes of those characters (Unicode's UAX #29 as ICU applies it, checked against Intl.Segmenter):
// 0 other, 1 letter (ASCII and Latin-1's), 2 digit, 3 MidLetter (:), 4 MidNum (, ;), 5 MidNumLet and Single_Quote (. '), 6 ExtendNumLet (_).
const WB = new Uint8Array(256);
for (let c = 65; c <= 90; c++) WB[c] = WB[c + 32] = 1;
for (let c = 0xc0; c <= 0xff; c++) if (c !== 0xd7 && c !== 0xf7) WB[c] = 1;
for (let c = 48; c <= 57; c++) WB[c] = 2;
WB[58] = 3;
WB[44] = WB[59] = 4;
WB[46] = WB[39] = 5;
WB[95] = 6;

/**
 * tokens() for an ASCII text (Latin-1's letters allowed), without Intl.Segmenter (a third of its cost in the lake's
 * writer): each character's class from WB, then classTokens. Gives exactly what the segmenter does
 * (test/metrics-words.test.ts compares them on generated, real and random texts).
 */
export function asciiTokens(text: string): string[] {
  const n = text.length;
  if (scratch.length < n) scratch = new Uint8Array(n * 2);
  for (let i = 0; i < n; i++) scratch[i] = WB[text.charCodeAt(i)];
  return classTokens(text, scratch, false);
}

// Word-break classes for wideTokens, by UTF-16 code unit (astral characters by code point, below): WB's 0-6, then
// 7 Extend, Format or ZWJ (UAX #29's WB4: it joins the character before it), 8 unknown (the segmenter decides),
// 9 a Hangul syllable (ICU makes words of runs of them, joined to nothing else: not even digits or `_`).
const EXTEND = 7;
const UNKNOWN = 8;
const HANGUL = 9;
let WIDE: Uint8Array | undefined;
let EMOJI: Uint8Array | undefined;
/** The astral characters the table knows: emoji and pictographs (U+1F000-U+1FAFF). */
const EMOJI_FROM = 0x1f000;
const EMOJI_TO = 0x1fb00;

// Characters UAX #29 gives a class of its own although their general category looks plain (MidLetter, MidNum,
// MidNumLet, ExtendNumLet, Katakana, ALetter among the symbols): the fast path leaves them to the segmenter.
const SPECIAL = new Set([
  0xb7, 0x387, 0x55f, 0x5f4, 0x2027, 0xfe13, 0xfe55, 0xff1a, 0x37e, 0x589, 0x60c, 0x60d, 0x66c, 0x7f8, 0x2044, 0xfe10, 0xfe14,
  0xfe50, 0xfe54, 0xff0c, 0xff1b, 0x2024, 0xfe52, 0xff07, 0xff0e, 0x202f, 0x3031, 0x3032, 0x3033, 0x3034, 0x3035, 0x309b,
  0x309c, 0x30a0, 0x30fc, 0xff70, 0x55a, 0x55b, 0x55c, 0x55e, 0x58a, 0x5f3, 0xa720, 0xa721, 0xa789, 0xa78a, 0xab5b,
  // 🈀 (squared hiragana, a word to ICU: found by the test).
  0x1f200,
]);
const LETTER_RE = /^\p{L}$/u;
// Modifier symbols (Sk) too: ICU joins some to letters (U+00B8 cedilla, found by the test).
const NOT_OTHER_RE = /[\p{L}\p{N}\p{M}\p{Pc}\p{Sk}\p{Alphabetic}\p{Cn}\p{Co}\p{Cs}]/u;
const EXTEND_RE = /^[\p{M}\p{Cf}\p{Emoji_Modifier}]$/u;

/** The class of one code point for wideTokens (see WIDE). */
function wideClass(cp: number): number {
  if (cp < 0x80) return WB[cp];
  if (SPECIAL.has(cp) || (cp >= 0x2c2 && cp <= 0x2ff) || (cp >= 0xa708 && cp <= 0xa716)) return UNKNOWN;
  if (cp === 0x2018 || cp === 0x2019) return 5;
  // Before the patterns: Hangul syllables (letters, Lo) are 11,172 of the table's 18,500 characters (making the
  // table, once a process: 8.0 -> 6.5 ms).
  if (cp >= 0xac00 && cp <= 0xd7a3) return HANGUL;
  const ch = String.fromCodePoint(cp);
  if (EXTEND_RE.test(ch)) return EXTEND;
  // Letters of alphabets whose words are split by UAX #29's rules alone (ICU uses dictionaries for Han, kana, Thai...),
  // unchanged by NFC: Latin-1, Latin Extended-A and B, Greek, Cyrillic, Hangul compatibility jamo (ㅋㅋ: letters to ICU, unlike syllables).
  const alphabet = (cp >= 0xc0 && cp <= 0x24f) || (cp >= 0x370 && cp <= 0x52f) || (cp >= 0x3131 && cp <= 0x318e);
  if (alphabet && LETTER_RE.test(ch)) return ch.normalize('NFC') === ch ? 1 : UNKNOWN;
  // A symbol, punctuation or space: a word ends before it and starts after it.
  return NOT_OTHER_RE.test(ch) ? UNKNOWN : 0;
}

/** WIDE and EMOJI, made on first use: Latin-1 to Cyrillic, the punctuation and symbol blocks, Hangul, emoji. */
function wideTables(): Uint8Array {
  if (WIDE) return WIDE;
  const t = new Uint8Array(0x10000).fill(UNKNOWN);
  for (const [from, to] of [[0, 0x530], [0x2000, 0x2c00], [0x3000, 0x3040], [0x3130, 0x3190], [0xac00, 0xd7a4], [0xfe00, 0xfe10]]) {
    for (let cp = from; cp < to; cp++) t[cp] = wideClass(cp);
  }
  const e = new Uint8Array(EMOJI_TO - EMOJI_FROM);
  for (let cp = EMOJI_FROM; cp < EMOJI_TO; cp++) e[cp - EMOJI_FROM] = wideClass(cp);
  EMOJI = e;
  return (WIDE = t);
}

/** Classes of the text being tokenised, by code unit (grown as needed). */
let scratch = new Uint8Array(1024);

/**
 * tokens() without Intl.Segmenter for texts of alphabets, punctuation and
 * emoji (a post with an emoji or a curly apostrophe cost the segmenter
 * about 45 us, ten times the rest): each character's word-break class from
 * a table, then asciiTokens' rules. Undefined, and the segmenter decides,
 * when the text holds a character the table does not know (Han, kana,
 * Thai, Hebrew, digits of other scripts, the few symbols with a class of
 * their own) or an Extend, Format or ZWJ after anything but a symbol (WB4
 * would join it to a word). Exactly the segmenter's tokens otherwise
 * (test/metrics-words.test.ts checks every character of the tables in
 * several contexts, and random texts).
 */
export function wideTokens(text: string): string[] | undefined {
  const table = wideTables();
  const emoji = EMOJI!;
  const n = text.length;
  if (scratch.length < n) scratch = new Uint8Array(n * 2);
  const cls = scratch;
  let prev = 0;
  let curly = false;
  for (let i = 0; i < n; i++) {
    const u = text.charCodeAt(i);
    let c: number;
    if (u < 0xd800 || u > 0xdfff) {
      c = table[u];
      if (u === 0x2019) curly = true;
    } else {
      const cp = text.codePointAt(i)!;
      if (cp < 0x10000) return undefined;
      c = cp >= EMOJI_FROM && cp < EMOJI_TO ? emoji[cp - EMOJI_FROM] : cp >= 0xe0020 && cp <= 0xe007f ? EXTEND : UNKNOWN;
      if (c === 1 || c === 2) return undefined;
      cls[i] = c === EXTEND ? 0 : c;
      i++;
    }
    if (c === UNKNOWN) return undefined;
    if (c === EXTEND) {
      // Joined to the character before (WB4): harmless after a symbol, which it leaves a symbol.
      if (prev !== 0) return undefined;
      c = 0;
    }
    cls[i] = c;
    prev = c;
  }
  return classTokens(text, cls, curly);
}

/**
 * The tokens of a text whose characters' word-break classes are in `cls`
 * (asciiTokens' and wideTokens'): UAX #29's rules on letters, digits,
 * MidLetter, MidNum, MidNumLet and ExtendNumLet (WB5-WB13b; a run of
 * underscores alone is word-like from two on, as ICU has it), runs of
 * Hangul syllables, then normalise() (lower case, a curly apostrophe as a
 * straight one when `curly`, the possessive: NFC changes nothing in these).
 */
function classTokens(text: string, cls: Uint8Array, curly: boolean): string[] {
  const out: string[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    const first = cls[i];
    if (first === HANGUL) {
      const start = i;
      while (i < n && cls[i] === HANGUL) i++;
      out.push(text.slice(start, i));
      continue;
    }
    if (first !== 1 && first !== 2 && first !== 6) {
      i++;
      continue;
    }
    const start = i;
    let p = first;
    let letters = first !== 6;
    i++;
    while (i < n) {
      const cur = cls[i];
      // WB5, WB8-10 (letters and digits), WB13a-b (underscores join either).
      if ((cur === 1 || cur === 2) && p !== 0 && p < 3) {
        letters = true;
      } else if (cur === 6) {
        // p is a letter, digit or underscore here.
      } else if ((cur === 1 || cur === 2) && p === 6) {
        letters = true;
      } else if (i + 1 < n && ((p === 1 && (cur === 3 || cur === 5) && cls[i + 1] === 1) || (p === 2 && (cur === 4 || cur === 5) && cls[i + 1] === 2))) {
        // WB6-7 (letter MidLetter letter), WB11-12 (digit MidNum digit).
        i++;
        p = cls[i];
        i++;
        continue;
      } else {
        break;
      }
      p = cur;
      i++;
    }
    if (!letters && i - start < 2) continue;
    let t = text.slice(start, i).toLowerCase();
    if (curly) t = t.replace(/\u2019/g, "'");
    if (t.endsWith("'s")) t = t.slice(0, -2);
    if (t.length > 0 && !t.includes('.')) out.push(t);
  }
  return out;
}

/** A token as compared and counted: NFC, lower case, straight apostrophe, no possessive `'s`. */
export function normalise(segment: string): string {
  let t = segment.normalize('NFC').toLowerCase().replace(/[\u2019\u02bc]/g, "'");
  if (t.endsWith("'s")) t = t.slice(0, -2);
  return t;
}

/** Finds posts containing a keyword and their meaningful words. Build once per keyword. */
export class WordCounter {
  readonly keyword: string;
  private readonly quick: RegExp;

  /** Throws when the keyword is not exactly one word. */
  constructor(keyword: string) {
    const words = tokens(keyword);
    if (words.length !== 1 || words[0] !== normalise(keyword.trim())) throw new Error(`'${keyword}' is not a single word`);
    this.keyword = words[0];
    this.quick = new RegExp(words[0].replace(/[.*+?^${}()|[\]\\]/g, '\\$&'), 'iu');
  }

  /** The set of meaningful words of a post that contains the keyword as a word; undefined when it does not. */
  words(text: string, langs?: readonly string[]): Set<string> | undefined {
    // Cheap substring test first: most posts never reach the segmenter.
    if (!this.quick.test(text)) return undefined;
    const all = tokens(text);
    if (!all.includes(this.keyword)) return undefined;
    const stop = stopLists(langs);
    const out = new Set<string>();
    for (const t of all) if (meaningful(t, this.keyword, stop)) out.add(t);
    return out;
  }
}

/** Whether a token counts: not the keyword, not a stop word, not a pure number, at least 2 characters. */
function meaningful(t: string, keyword: string, stop: Array<Set<string>>): boolean {
  if (t === keyword || NUMBER_RE.test(t)) return false;
  // Code points, not UTF-16 units: an emoji-free CJK character is one.
  let n = 0;
  for (const _ of t) if (++n >= 2) break;
  if (n < 2) return false;
  for (const s of stop) if (s.has(t)) return false;
  return true;
}

let lists: Record<string, string[]> | undefined;
const sets = new Map<string, Set<string>>();

/** Stop words of a language from stopwords-iso (ISO 639-1 code, e.g. `pt` for `pt-BR`), English less its content words; empty when unknown. */
export function stopWords(lang: string): Set<string> {
  const code = lang.toLowerCase().split(/[-_]/)[0];
  let set = sets.get(code);
  if (!set) {
    lists ??= createRequire(import.meta.url)('stopwords-iso') as Record<string, string[]>;
    const list = Object.hasOwn(lists, code) ? lists[code] : [];
    set = new Set(list.map((w) => w.normalize('NFC').toLowerCase().replace(/[\u2019\u02bc]/g, "'")));
    // stopwords-iso's English list holds content words that engineering posts are about (stop-allow.ts).
    if (code === 'en') for (const w of ENGLISH_CONTENT_WORDS) set.delete(w);
    sets.set(code, set);
  }
  return set;
}

/** English plus each language of the post. */
function stopLists(langs?: readonly string[]): Array<Set<string>> {
  const out = [stopWords('en')];
  if (langs) for (const l of langs) if (typeof l === 'string') {
    const s = stopWords(l);
    if (!out.includes(s)) out.push(s);
  }
  return out;
}
