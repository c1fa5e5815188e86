import type { OptionSpec } from './spec.js';

/**
 * The kind and operation filters, declared once for every tool that filters
 * rows or events by them (bsky-flatten, bsky-window): one help line, both
 * spellings (`--kinds`/`--kind`, `--ops`/`--op`), the same checks.
 */
export const FILTER_OPTIONS: Record<string, OptionSpec> = {
  kinds: { type: 'string', describe: 'keep only these kinds, comma-separated (like, post, repost, follow, block, profile, ...)', alias: ['kind', 'k'], list: true },
  ops: { type: 'string', describe: 'keep only these operations, comma-separated (create, update, delete, identity, account)', alias: 'op', list: true },
};

/** The filters as parsed: the comma-separated lists, under either spelling. */
export interface FilterArgs {
  kinds?: string;
  ops?: string;
}
