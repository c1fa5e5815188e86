import { parseJsonObject, preview } from '../input/json-object.js';
import type { Emit, LineTool } from '../cli/tool.js';
import { MAX_FILL, secondLabel, wallMicros } from '../time.js';
import { keysOf, valuesOf } from './row-keys.js';
import { Windower, type ClosedWindow } from './windower.js';

export interface WindowLinesOptions {
  sizeUs: number;
  hopUs: number;
  latenessUs: number;
  /** The lateness as the user wrote it, for messages. */
  lateness: string;
  fill: boolean;
  /** Group-by field. */
  by?: string;
  /** Field whose distinct values are counted, instead of rows. */
  distinct?: string;
  /** Keep only rows of these kinds, or of these ops; others are skipped as if filtered out beforehand. */
  kinds?: Set<string>;
  ops?: Set<string>;
}

/** The bsky-window line tool: flat rows in, one row per closed window and key out. */
export function windowLines(opts: WindowLinesOptions): LineTool & { rows: number; late: number; partlyLate: number; filtered: number } {
  let sink: Emit = () => {};
  const format = (w: ClosedWindow): string => {
    const o: Record<string, unknown> = { start: secondLabel(w.start), end: secondLabel(w.end) };
    if (opts.by !== undefined) o.key = w.key;
    o[opts.distinct !== undefined ? 'distinct' : 'count'] = w.value;
    return JSON.stringify(o) + '\n';
  };
  const windower = new Windower(
    { sizeUs: opts.sizeUs, hopUs: opts.hopUs, latenessUs: opts.latenessUs, distinct: opts.distinct !== undefined, fill: opts.fill },
    (w) => sink(format(w)),
  );
  const hopping = opts.hopUs < opts.sizeUs;
  const tool = {
    rows: 0,
    late: 0,
    partlyLate: 0,
    filtered: 0,
    line(text: string, _ref: unknown, emit: Emit): string | undefined {
      const parsed = parseJsonObject(text);
      if (parsed.reason !== undefined) return parsed.reason;
      const r = parsed.object;
      if (typeof r.time !== 'string') return r.time === undefined ? 'row without a time' : `invalid time: ${preview(r.time)}`;
      const us = wallMicros(r.time);
      if (Number.isNaN(us)) return `invalid time: ${preview(r.time)}`;
      if ((opts.kinds && !opts.kinds.has(r.kind as string)) || (opts.ops && !opts.ops.has(r.op as string))) {
        tool.filtered++;
        return undefined;
      }
      sink = emit;
      const keys = opts.by === undefined ? [null] : keysOf(r[opts.by]);
      const values = opts.distinct === undefined ? undefined : valuesOf(r[opts.distinct]);
      const admitted = windower.add(us, keys, values);
      if (admitted === 'late') {
        tool.late++;
        return `late row: time ${r.time} is in windows already emitted (watermark ${secondLabel(windower.watermark)}, --lateness ${opts.lateness})`;
      }
      tool.rows++;
      if (admitted === 'partly-late') tool.partlyLate++;
      return undefined;
    },
    end(emit: Emit): void {
      sink = emit;
      windower.end();
    },
    summary: (): string[] => [
      `${tool.rows} rows`, `${windower.windows} windows`, `${tool.late} late`,
      ...(hopping ? [`${tool.partlyLate} partly late`] : []), `${tool.filtered} filtered`,
      ...(windower.lastUnfilled ? [`${windower.unfilled} gap${windower.unfilled > 1 ? 's' : ''} of more than ${MAX_FILL} empty windows not filled (the last from ${secondLabel(windower.lastUnfilled[0])} to ${secondLabel(windower.lastUnfilled[1])})`] : []),
    ],
  };
  return tool;
}

