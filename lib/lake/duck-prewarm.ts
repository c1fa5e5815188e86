import { openDuck } from './duck.js';

/**
 * bsky-sql's DuckDB opened early. Creating the instance is about 40 ms of
 * native set-up on libuv's thread pool, after the API's bundle loads
 * (about 60 ms on the main thread): bsky-sql's launcher (bin/bsky-sql)
 * starts both before it loads bsky-sql's bundle, so that the set-up
 * overlaps with that load, the argument parsing and the lake's check;
 * bsky-sql takes it (takeDuck) or opens its own. A run that ends before
 * (--help, a usage error, no lake) exits with the open pending: checked
 * safe (exit codes kept, nothing printed).
 */

type Duck = Awaited<ReturnType<typeof openDuck>>;

/** Shared through globalThis: the launcher loads this module from its own small bundle, bsky-sql from its bundle. */
const KEY = Symbol.for('bsky-tools.duck');

/** Starts opening DuckDB as bsky-sql does (openDuck's defaults); a failure is bsky-sql's to report when it takes it. */
export function prewarmDuck(): void {
  const opening = openDuck();
  opening.catch(() => undefined);
  (globalThis as Record<symbol, unknown>)[KEY] = opening;
}

/** The DuckDB prewarmDuck started opening, once; undefined when there is none. */
export function takeDuck(): Promise<Duck> | undefined {
  const g = globalThis as Record<symbol, unknown>;
  const opening = g[KEY] as Promise<Duck> | undefined;
  delete g[KEY];
  return opening;
}
