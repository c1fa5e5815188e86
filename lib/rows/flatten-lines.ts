import type { Emit, LineTool } from '../cli/tool.js';
import { parseEvent, type ParseOptions } from '../events/parse-event.js';
import { envelope, envelopeBytes, newHead } from './envelope.js';
import { flatten, kindOf, pick, type FlatRow } from './flatten.js';
import { plainRowJson, subjectRow } from './flat-fast.js';

export interface FlattenOptions extends ParseOptions {
  /** Keep only these kinds (like, post, …); all when empty. */
  kinds: string[];
  /** Keep only these operations (create, update, delete, identity, account); all when empty. */
  ops: string[];
  /** Output these fields, in this order; all when empty. */
  fields: Array<keyof FlatRow>;
}

/** The bsky-flatten line tool: events (any input format) in, one flat row per event out. */
export function flattenLines(opts: FlattenOptions): LineTool {
  const kinds = opts.kinds.length ? new Set(opts.kinds) : null;
  const ops = opts.ops.length ? new Set(opts.ops) : null;
  // A field named twice comes out once (pick): plainRowJson would write it twice.
  const plainFields = new Set(opts.fields).size === opts.fields.length;
  const head = newHead();
  let rows = 0;
  let filtered = 0;
  /** True (and counted) for a kind or operation the options leave out. */
  const dropped = (kind: string, op: string): boolean => {
    if ((kinds && !kinds.has(kind)) || (ops && !ops.has(op))) {
      filtered++;
      return true;
    }
    return false;
  };
  return {
    bytes(buf: Buffer, from: number, to: number): boolean {
      // The same filter on the bytes, so that dropped lines are not even decoded.
      if (!kinds && !ops) return false;
      return envelopeBytes(buf, from, to, head) && dropped(kindOf(head.collection), head.op);
    },
    line(text: string, _ref: unknown, emit: Emit): string | undefined {
      // Likes, reposts, follows, blocks: one match reads and checks the whole line (before the
      // head filter below: a line in this shape has that head too, and the filter gives the same answer).
      const fast = subjectRow(text, opts);
      if (fast !== undefined) {
        if (dropped(fast.kind, fast.op)) return undefined;
        rows++;
        emit((plainFields ? plainRowJson(fast, opts.fields) : JSON.stringify(pick(fast, opts.fields))) + '\n');
        return undefined;
      }
      // bsky-parse output whose kind or op is not wanted is counted out without parsing it:
      // most of the cost of a --kinds like pipeline was parsing the follows and posts it drops.
      if (kinds || ops) {
        const e = envelope(text);
        if (e !== undefined && dropped(kindOf(e.collection), e.op)) return undefined;
      }
      const r = parseEvent(text, opts);
      if (r.reason !== undefined) return r.reason;
      const row = flatten(r.event);
      if (dropped(row.kind, row.op)) return undefined;
      rows++;
      emit(JSON.stringify(opts.fields.length ? pick(row, opts.fields) : row) + '\n');
      return undefined;
    },
    summary: () => [`${rows} rows`, `${filtered} filtered out`],
  };
}
