import type { Rng } from './rng.js';
import {
  DOMAINS, EMOJI, ENGINEERING_FORMS, ENGINEERING_TEMPLATES, LANGUAGES, NAME_PARTS, NEAR_MISSES, NEAR_MISS_TEMPLATES, TAGS, TOPIC,
  type Language,
} from './vocab.js';

/** A rich-text facet: a byte range of the text and what it points to. */
export interface Facet {
  byteStart: number;
  byteEnd: number;
  type: 'mention' | 'link' | 'tag';
  /** The mentioned DID, the link URI or the tag (without #). */
  value: string;
}

export interface PostText {
  text: string;
  /** Undefined when the client sent no langs (old clients). */
  langs?: string[];
  facets: Facet[];
  /** The post contains the word "engineering" (in one of the forms that must match). */
  engineering: boolean;
}

/** What a post's text may point at: a DID for each @mention. */
export type DidPicker = () => string;

const LANG_TOTAL = LANGUAGES.reduce((s, l) => s + l.weight, 0);
const TOPIC_CDF = cdf(TOPIC.map((_, r) => 1 / Math.pow(r + 1.5, 1.3)));
const EN = LANGUAGES[0];

/** Builds text while counting UTF-8 bytes, so facets get the byte offsets the firehose uses. */
class TextBuilder {
  text = '';
  bytes = 0;
  facets: Facet[] = [];

  add(s: string): void {
    this.text += s;
    this.bytes += Buffer.byteLength(s);
  }

  facet(shown: string, type: Facet['type'], value: string): void {
    const start = this.bytes;
    this.add(shown);
    this.facets.push({ byteStart: start, byteEnd: this.bytes, type, value });
  }
}

/**
 * Writes one post's text: a sentence or two in one language, sometimes with an
 * @mention, a link, hashtags, emoji and numbers; with probability
 * `engineering` a post about engineering, with `nearMiss` one that only says
 * "engineer" or "reengineering".
 */
export function postText(rng: Rng, engineering: number, nearMiss: number, mentionDid: DidPicker): PostText {
  const b = new TextBuilder();
  const roll = rng.float();
  const isEng = roll < engineering;
  const isNear = !isEng && roll < engineering + nearMiss;
  const lang = isEng || isNear ? (rng.chance(0.9) ? EN : pickLanguage(rng)) : pickLanguage(rng);
  if (rng.chance(0.08)) {
    b.facet(`@${handle(rng)}`, 'mention', mentionDid());
    b.add(' ');
  }
  if (isEng) {
    fill(b, rng, lang, rng.pick(ENGINEERING_TEMPLATES));
    if (rng.chance(0.05)) fill(b, rng, lang, " The engineering's {t} is the hard part.");
    if (lang !== EN) {
      b.add(lang.spaced ? ' ' : '');
      fill(b, rng, lang, rng.pick(lang.templates));
    }
  } else if (isNear) {
    fill(b, rng, lang, rng.pick(NEAR_MISS_TEMPLATES));
  } else {
    fill(b, rng, lang, rng.pick(lang.templates));
    if (rng.chance(0.3)) {
      b.add(rng.chance(0.5) ? '\n\n' : lang.spaced ? ' ' : '');
      fill(b, rng, lang, rng.pick(lang.templates));
    }
  }
  if (rng.chance(0.1)) {
    b.add(rng.chance(0.5) ? '\n\n' : ' ');
    link(b, rng);
  }
  if (rng.chance(0.12)) {
    const n = rng.int(1, 3);
    b.add(rng.chance(0.5) ? '\n' : ' ');
    for (let i = 0; i < n; i++) {
      if (i > 0) b.add(' ');
      const tag = rng.pick(TAGS);
      b.facet(`#${tag}`, 'tag', tag);
    }
  }
  const langs = rng.chance(0.03) ? undefined : rng.chance(0.02) ? [lang.code, 'en'] : [lang.code];
  return { text: b.text, langs, facets: b.facets, engineering: isEng };
}

function fill(b: TextBuilder, rng: Rng, lang: Language, template: string): void {
  let at = 0;
  for (;;) {
    const open = template.indexOf('{', at);
    if (open < 0) break;
    if (open > at) b.add(template.slice(at, open));
    const slot = template.slice(open + 1, template.indexOf('}', open));
    at = open + slot.length + 2;
    switch (slot) {
      case 'n': b.add(rng.pick(lang.n)); break;
      case 'a': b.add(rng.pick(lang.a)); break;
      case 'v': b.add(rng.pick(lang.v)); break;
      case 'p': b.add(rng.pick(lang.p)); break;
      case 'e': b.add(rng.pick(EMOJI)); break;
      case 'x': b.add(String(rng.chance(0.7) ? rng.int(2, 12) : rng.int(13, 2025))); break;
      case 't': b.add(TOPIC[sample(TOPIC_CDF, rng.float())]); break;
      case 'N': b.add(rng.pick(NEAR_MISSES)); break;
      case 'url': link(b, rng); break;
      case 'E': {
        const form = rng.pick(ENGINEERING_FORMS);
        if (form[0] === '#') b.facet(form, 'tag', form.slice(1));
        else b.add(form);
        break;
      }
      default: b.add(slot);
    }
  }
  if (at < template.length) b.add(template.slice(at));
}

/** A link as clients show it: the full URL, or shortened without scheme and cut with `...`. */
function link(b: TextBuilder, rng: Rng): void {
  const domain = rng.pick(DOMAINS);
  let path = '';
  const len = rng.int(6, 24);
  for (let i = 0; i < len; i++) path += 'abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ0123456789-/'[rng.int(0, 61)];
  const uri = `https://${domain}/${path}`;
  b.facet(rng.chance(0.4) ? uri : `${domain}/${path.slice(0, 8)}...`, 'link', uri);
}

/** A handle such as `solar-punk-auntie.bsky.social`. */
export function handle(rng: Rng): string {
  const parts = rng.int(1, 3);
  let h = rng.pick(NAME_PARTS);
  for (let i = 1; i < parts; i++) h += (rng.chance(0.5) ? '-' : '') + rng.pick(NAME_PARTS);
  if (rng.chance(0.3)) h += rng.int(1, 99);
  return `${h}.bsky.social`;
}

function pickLanguage(rng: Rng): Language {
  let x = rng.float() * LANG_TOTAL;
  for (const l of LANGUAGES) if ((x -= l.weight) < 0) return l;
  return EN;
}

function cdf(weights: number[]): Float64Array {
  const out = new Float64Array(weights.length);
  const total = weights.reduce((s, w) => s + w, 0);
  let acc = 0;
  weights.forEach((w, i) => (out[i] = acc += w / total));
  return out;
}

function sample(c: Float64Array, x: number): number {
  let lo = 0;
  let hi = c.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (c[mid] > x) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
