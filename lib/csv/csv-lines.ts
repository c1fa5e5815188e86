import { parseJsonObject } from '../input/json-object.js';
import { stringify } from 'csv-stringify/sync';
import type { Emit, LineTool } from '../cli/tool.js';
import { nestedDeeper } from '../input/json-depth.js';

export interface CsvOptions {
  /** Column order, each `key` or `key:header`; taken from the first row's keys when empty. */
  columns: string[];
  header: boolean;
}

/** Formats one cell: arrays as space-separated values (langs: `en ja`), other objects as JSON. */
function castObject(value: object): string {
  return Array.isArray(value) ? value.map((v) => (typeof v === 'object' ? JSON.stringify(v) : String(v))).join(' ') : JSON.stringify(value);
}

/** Turns rows into RFC 4180 CSV with csv-stringify: LF line ends, a header row, chosen columns. */
export function toCsv(rows: Array<Record<string, unknown>>, columns: string[], header: boolean): string {
  const cols = columns.map((c) => {
    // `start:time` writes the row's `start` under the header `time`.
    const colon = c.indexOf(':');
    return colon < 0 ? { key: c } : { key: c.slice(0, colon), header: c.slice(colon + 1) };
  });
  return stringify(rows, { columns: cols, header, record_delimiter: 'unix', cast: { object: castObject, boolean: (b) => String(b) } });
}

/** The bsky-csv line tool: NDJSON rows in, CSV out, in batches. */
export function csvLines(opts: CsvOptions): LineTool {
  let columns = opts.columns.length ? opts.columns : null;
  let headerDone = !opts.header;
  let batch: Array<Record<string, unknown>> = [];
  let rows = 0;
  const flush = (emit: Emit): void => {
    if (!columns) {
      if (batch.length === 0) return;
      columns = Object.keys(batch[0]);
    }
    if (batch.length === 0 && headerDone) return;
    emit(toCsv(batch, columns, !headerDone));
    headerDone = true;
    batch = [];
  };
  return {
    line(text: string): string | undefined {
      const parsed = parseJsonObject(text);
      if (parsed.reason !== undefined) return parsed.reason;
      if (nestedDeeper(parsed.object, 64)) return 'row nested deeper than 64 levels';
      batch.push(parsed.object);
      rows++;
      return undefined;
    },
    flush,
    // With chosen columns, even an empty input gets its header row.
    end: (emit) => flush(emit),
    summary: () => [`${rows} rows`],
  };
}
