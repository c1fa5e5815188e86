/** The four public Jetstream instances run by Bluesky, tried in this order. */
export const PUBLIC_URLS = [
  'wss://jetstream1.us-east.bsky.network/subscribe',
  'wss://jetstream2.us-east.bsky.network/subscribe',
  'wss://jetstream1.us-west.bsky.network/subscribe',
  'wss://jetstream2.us-west.bsky.network/subscribe',
];

/** The collections our metrics read: likes and posts. */
export const METRIC_COLLECTIONS = ['app.bsky.feed.like', 'app.bsky.feed.post'];

/** Builds a subscribe URL with `wantedCollections` (none for `*`) and an optional `cursor`. */
export function subscribeUrl(base: string, collections: string[], cursor?: number): string {
  const url = new URL(base);
  url.searchParams.delete('wantedCollections');
  url.searchParams.delete('cursor');
  // `*` alone means everything: Jetstream sends every collection when none is named.
  for (const c of collections) if (c !== '*') url.searchParams.append('wantedCollections', c);
  if (cursor !== undefined) url.searchParams.set('cursor', String(cursor));
  return url.toString();
}

/** Checks a --url value: a ws:// or wss:// URL; returns an error message or undefined. */
export function checkUrl(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `invalid URL '${text}'`;
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') return `'${text}' is not a ws:// or wss:// URL`;
  return undefined;
}

/** Checks a collection NSID or prefix pattern (`app.bsky.feed.*`); returns an error message or undefined. */
export function checkCollection(text: string): string | undefined {
  if (text === '*' || /^[a-zA-Z][a-zA-Z0-9-]*(\.[a-zA-Z0-9-]+)*(\.\*|(\.[a-zA-Z0-9-]+))$/.test(text)) return undefined;
  return `invalid collection '${text}' (an NSID such as app.bsky.feed.like, a prefix such as app.bsky.feed.*, or *)`;
}

/** Host (and port) of a URL, for messages. */
export function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
