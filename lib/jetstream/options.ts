import { durationValue } from '../cli/options-check.js';
import type { FollowOptions } from './follow.js';
import { parseCursor } from './cursor-file.js';
import { PUBLIC_URLS, checkCollection, checkUrl } from './subscribe-url.js';

/** The command-line options of bsky-jetstream, as yargs gives them. */
export interface JetstreamArgs {
  url: string;
  collections: string;
  cursorFile?: string;
  cursor?: string;
  rewind: string;
  idleTimeout: string;
  backoffBase: string;
  backoffCap: string;
  healthyAfter: string;
  saveEvery: string;
  maxMessage: number;
  quiet: boolean;
}

type Settings = Omit<FollowOptions, 'log' | 'status' | 'out' | 'cursor'> & { startCursor?: number };

/** Checks and converts the options; returns the settings, or a usage error message. */
export function settingsFromArgs(a: JetstreamArgs): Settings | string {
  const urls = list(a.url).flatMap((u) => (u === 'public' ? PUBLIC_URLS : [u]));
  if (urls.length === 0) return '--url: no URL given';
  for (const u of urls) {
    const bad = checkUrl(u);
    if (bad) return `--url: ${bad}`;
  }
  const collections = list(a.collections);
  if (collections.length === 0) return '--collections: no collection given (use * for all)';
  for (const c of collections) {
    const bad = checkCollection(c);
    if (bad) return `--collections: ${bad}`;
  }
  const ms: Record<string, number> = {};
  // Checked by parseArgs with the rest (the same zero rule and wording as every tool): only converted here.
  for (const [flag, value] of [
    ['rewind', a.rewind], ['idle-timeout', a.idleTimeout], ['backoff-base', a.backoffBase],
    ['backoff-cap', a.backoffCap], ['healthy-after', a.healthyAfter], ['save-every', a.saveEvery],
  ] as const) {
    const us = durationValue(value);
    if (us === undefined) return `--${flag}: invalid duration '${value}' (e.g. 10s, 5m)`;
    ms[flag] = us / 1000;
  }
  if (!Number.isInteger(a.maxMessage) || a.maxMessage < 1) return '--max-message: needs a positive number of bytes';
  let startCursor: number | undefined;
  if (a.cursor !== undefined) {
    startCursor = parseCursor(a.cursor);
    if (startCursor === undefined) return `--cursor: invalid cursor '${a.cursor}' (time_us, or a time with a zone such as 2025-03-16T13:00:00Z)`;
  }
  return {
    urls, collections, cursorFile: a.cursorFile, startCursor,
    rewindUs: ms.rewind * 1000, idleMs: ms['idle-timeout'], saveMs: ms['save-every'], maxMessage: a.maxMessage,
    backoff: { baseMs: ms['backoff-base'], capMs: Math.max(ms['backoff-cap'], ms['backoff-base']), healthyMs: ms['healthy-after'] },
  };
}

function list(text: string): string[] {
  return text.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}
