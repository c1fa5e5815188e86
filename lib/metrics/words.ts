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
  segmenter ??= new Intl.Segmenter('en', { granularity: 'word' });
  // Each pattern needs a character most posts lack: skipping its pass when that is missing changes nothing (and saves the most costly regular expression of the lake's writer).
  let clean = text;
  if (clean.includes('/') || WWW_RE.test(clean)) clean = clean.replace(URL_RE, ' ');
  if (clean.includes('/')) clean = clean.replace(PATH_RE, ' ');
  if (clean.includes('@')) clean = clean.replace(HANDLE_RE, ' ');
  const out: string[] = [];
  for (const s of segmenter.segment(clean)) {
    if (!s.isWordLike) continue;
    const t = normalise(s.segment);
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
