import { randomCid } from './ids.js';
import type { Rng } from './rng.js';
import type { Facet } from './text.js';

/**
 * How JSON is spelled: the take-home script prints Python's json.dumps
 * (`", "` and `": "`, blobs as the string "<binary>"); Jetstream prints Go's
 * compact JSON with blob references as `{"$link": cid}`.
 */
export interface Style {
  /** Between a key and its value. */
  c: string;
  /** Between members. */
  s: string;
  python: boolean;
}

export const PYTHON: Style = { c: ': ', s: ', ', python: true };
export const COMPACT: Style = { c: ':', s: ',', python: false };

/** A JSON string literal; JSON.stringify escapes exactly what Python's json.dumps(ensure_ascii=False) escapes for well-formed text. */
export const str = JSON.stringify as (s: string) => string;

/** `{"cid": ..., "uri": ...}`: a strong reference to a record. */
export function strongRef(y: Style, cid: string, uri: string): string {
  return `{"cid"${y.c}"${cid}"${y.s}"uri"${y.c}"${uri}"}`;
}

/** A blob: `"<binary>"` in the take-home format, a CID link in Jetstream. */
export function blob(y: Style, rng: Rng, mime: string, size: number): string {
  if (y.python) return `{"ref": "<binary>", "size": ${size}, "$type": "blob", "mimeType": "${mime}"}`;
  return `{"$type":"blob","ref":{"$link":"${randomCid(rng, true)}"},"mimeType":"${mime}","size":${size}}`;
}

export function listItemRecord(y: Style, subject: string, createdAt: string, list: string): string {
  return `{"$type"${y.c}"app.bsky.graph.listitem"${y.s}"subject"${y.c}"${subject}"${y.s}"createdAt"${y.c}"${createdAt}"${y.s}"list"${y.c}"${list}"}`;
}

export function profileRecord(y: Style, rng: Rng, createdAt: string, displayName: string, description?: string): string {
  let r = `{"$type"${y.c}"app.bsky.actor.profile"${y.s}"createdAt"${y.c}"${createdAt}"${y.s}"avatar"${y.c}${blob(y, rng, 'image/jpeg', rng.int(8000, 400000))}`;
  r += `${y.s}"displayName"${y.c}${str(displayName)}`;
  if (description !== undefined) r += `${y.s}"description"${y.c}${str(description)}`;
  return r + '}';
}

/** The parts of a post record; embed and reply are already rendered JSON. */
export interface PostParts {
  createdAt: string;
  text: string;
  langs?: string[];
  reply?: string;
  embed?: string;
  facets: Facet[];
}

export function postRecord(y: Style, p: PostParts): string {
  let r = `{"$type"${y.c}"app.bsky.feed.post"${y.s}"createdAt"${y.c}"${p.createdAt}"${y.s}"text"${y.c}${str(p.text)}`;
  if (p.langs) r += `${y.s}"langs"${y.c}[${p.langs.map((l) => `"${l}"`).join(y.s)}]`;
  if (p.reply) r += `${y.s}"reply"${y.c}${p.reply}`;
  if (p.embed) r += `${y.s}"embed"${y.c}${p.embed}`;
  if (p.facets.length) r += `${y.s}"facets"${y.c}[${p.facets.map((f) => facet(y, f)).join(y.s)}]`;
  return r + '}';
}

/** `{"root": ref, "parent": ref}`. */
export function replyRef(y: Style, root: string, parent: string): string {
  return `{"root"${y.c}${root}${y.s}"parent"${y.c}${parent}}`;
}

/** Facets in the member order the firehose shows for each feature type. */
function facet(y: Style, f: Facet): string {
  const index = `"index"${y.c}{"byteEnd"${y.c}${f.byteEnd}${y.s}"byteStart"${y.c}${f.byteStart}}`;
  if (f.type === 'mention') {
    return `{${index}${y.s}"features"${y.c}[{"$type"${y.c}"app.bsky.richtext.facet#mention"${y.s}"did"${y.c}"${f.value}"}]${y.s}"$type"${y.c}"app.bsky.richtext.facet"}`;
  }
  if (f.type === 'link') return `{${index}${y.s}"features"${y.c}[{"uri"${y.c}${str(f.value)}${y.s}"$type"${y.c}"app.bsky.richtext.facet#link"}]}`;
  return `{${index}${y.s}"features"${y.c}[{"$type"${y.c}"app.bsky.richtext.facet#tag"${y.s}"tag"${y.c}${str(f.value)}}]}`;
}

const TITLES = ['Login • Instagram', 'Redirecting...', 'Holocaust Memorial Day Trust | First They Came', 'Tangled Threads: Poison', 'YouTube video', 'The week in review', '„Schockiert, wütend und traurig“', 'Le monde en bref', 'Notícias do dia'];
const DESCRIPTIONS = ['', 'Welcome back. Sign in to check out what your friends have been sharing.', 'YouTube video by a channel', 'A short read about the news of the day.', 'Das Geld ist rar und viele Projekte sind gestrichen worden.'];

/** One embed: images, an external link card (for `link` when the text has one), a quoted record, or a video. */
export function embed(y: Style, rng: Rng, kind: 'images' | 'external' | 'record' | 'video', link: string | undefined, quote: string): string {
  switch (kind) {
    case 'images': {
      const n = rng.chance(0.7) ? 1 : rng.int(2, 4);
      const images: string[] = [];
      for (let i = 0; i < n; i++) {
        const [w, h] = rng.pick([[1024, 768], [1080, 1350], [2000, 1500], [750, 1000], [1920, 1080]]);
        const alt = rng.chance(0.7) ? '' : 'A photo of the view from my window';
        images.push(`{"alt"${y.c}"${alt}"${y.s}"image"${y.c}${blob(y, rng, 'image/jpeg', rng.int(20000, 990000))}${y.s}"aspectRatio"${y.c}{"width"${y.c}${w}${y.s}"height"${y.c}${h}}}`);
      }
      return `{"$type"${y.c}"app.bsky.embed.images"${y.s}"images"${y.c}[${images.join(y.s)}]}`;
    }
    case 'external': {
      const uri = link ?? 'https://www.youtube.com/watch?v=dQw4w9WgXcQ';
      const thumb = rng.chance(0.6) ? `${y.s}"thumb"${y.c}${blob(y, rng, 'image/jpeg', rng.int(5000, 600000))}` : '';
      return `{"$type"${y.c}"app.bsky.embed.external"${y.s}"external"${y.c}{"uri"${y.c}${str(uri)}${thumb}${y.s}"title"${y.c}${str(rng.pick(TITLES))}${y.s}"description"${y.c}${str(rng.pick(DESCRIPTIONS))}}}`;
    }
    case 'record':
      return `{"$type"${y.c}"app.bsky.embed.record"${y.s}"record"${y.c}${quote}}`;
    case 'video':
      return `{"$type"${y.c}"app.bsky.embed.video"${y.s}"video"${y.c}${blob(y, rng, 'video/mp4', rng.int(300000, 9000000))}${y.s}"aspectRatio"${y.c}{"width"${y.c}1280${y.s}"height"${y.c}720}}`;
  }
}
