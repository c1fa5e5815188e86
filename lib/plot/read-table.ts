import { parse } from 'csv-parse/sync';

/** One labelled number, with the value text kept as it came in for display. */
export interface Point {
  label: string;
  value: number;
  text: string;
  line: number;
}

/** A chart's data: the names of the label and value columns, and the good rows. */
export interface Table {
  labelName: string;
  valueName: string;
  points: Point[];
  /** Physical lines read. */
  lines: number;
}

/** A row that could not be used: its line, why, and its text verbatim. */
export interface BadRow {
  line: number;
  reason: string;
  raw: string;
}

export interface ReadOptions {
  /** Label column or field; default the first. */
  label?: string;
  /** Value column or field; default the second. */
  value?: string;
  /** Whether the first CSV row names the columns. */
  header: boolean;
}

/** What reading an input gives: a table, or a reason the whole input cannot be charted. */
export type ReadResult = { table: Table; bad: BadRow[]; error?: undefined } | { error: string; bad: BadRow[]; table?: undefined };

/** A chart of more rows than this is refused: memory stays bounded (150 MB with the longest rows MAX_INPUT allows) and no terminal shows more. */
export const MAX_ROWS = 100_000;

/** More bad rows than this and the input is no chart's (a capture by mistake): stop reading it. */
export const MAX_BAD = 10_000;

/** Thrown when an input has more rows than a chart takes (MAX_ROWS, or MAX_BARS for bars). */
export class TooManyRows extends Error {
  constructor(message = `too many rows to chart (more than ${MAX_ROWS})`) {
    super(message);
  }
}

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Parses a number the way a CSV writer wrote it; an error reason when it is not one. */
export function parseValue(text: string): number | string {
  const t = text.trim();
  if (!NUMBER.test(t)) return `not a number: '${t.length > 40 ? t.slice(0, 39) + '…' : t}'`;
  const n = Number(t);
  return Number.isFinite(n) ? n : `number out of range: '${t.slice(0, 40)}'`;
}

/** Reads one input: NDJSON when its first non-blank character is `{`, CSV with a header row otherwise. */
export function readTable(text: string, opts: ReadOptions): ReadResult {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const first = /\S/.exec(text);
  return first?.[0] === '{' ? readNdjson(text, opts) : readCsv(text, opts);
}

function countLines(text: string): number {
  if (!text) return 0;
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return text.endsWith('\n') ? n : n + 1;
}

function readCsv(text: string, opts: ReadOptions): ReadResult {
  const bad: BadRow[] = [];
  const lines = countLines(text);
  let columns: string[] | null = opts.header ? null : ['label', 'value'];
  let li = 0;
  let vi = 1;
  let error: string | undefined;
  const points: Point[] = [];
  // Each record becomes a point as it is parsed (on_record returns null, so csv-parse keeps no array of records):
  // a record with its raw text and info object costs about ten times its point.
  parse(text, {
    info: true, raw: true, skip_empty_lines: true, relax_column_count: true, skip_records_with_error: true,
    on_skip: (err, raw) => {
      const r = (raw ?? '').replace(/^[\r\n]+/, '').replace(/[\r\n]+$/, '');
      const end = Number(err?.lines ?? 0);
      bad.push({ line: end - (r.split('\n').length - 1), reason: csvReason(err?.message ?? 'invalid CSV'), raw: r });
      return undefined;
    },
    on_record: (ext: unknown) => {
      const { record, info, raw } = ext as { record: string[]; info: { lines: number }; raw: string };
      if (error !== undefined) return null;
      if (columns === null) {
        columns = record;
        const l = pickColumn(columns, opts.label, 0);
        const v = pickColumn(columns, opts.value, 1);
        if (typeof l === 'string') error = `--label: ${l}`;
        else if (typeof v === 'string') error = columns.length < 2 && opts.value === undefined ? `needs two columns, a label and a number; header has ${columns.length}` : `--value: ${v}`;
        else [li, vi] = [l, v];
        return null;
      }
      tooMany(points, bad);
      const r = raw.replace(/^[\r\n]+/, '').replace(/[\r\n]+$/, '');
      const line = info.lines - (r.split('\n').length - 1);
      if (record.length <= Math.max(li, vi)) {
        bad.push({ line, reason: `missing value: ${record.length} column${record.length === 1 ? '' : 's'}`, raw: r });
        return null;
      }
      const value = parseValue(record[vi]);
      if (typeof value === 'string') bad.push({ line, reason: value, raw: r });
      else points.push({ label: record[li], value, text: record[vi].trim(), line });
      return null;
    },
  });
  if (columns === null) return { table: { labelName: opts.label ?? 'label', valueName: opts.value ?? 'value', points: [], lines }, bad };
  if (error !== undefined) return { error, bad };
  tooMany(points, bad, false);
  const names: string[] = columns;
  bad.sort((a, b) => a.line - b.line);
  return { table: { labelName: names[li] ?? 'label', valueName: names[vi] ?? 'value', points, lines }, bad };
}

/** Throws TooManyRows past either cap; called before each row is kept (`adding`) and once at the end. */
function tooMany(points: Point[], bad: BadRow[], adding = true): void {
  if (adding && points.length >= MAX_ROWS) throw new TooManyRows();
  if (bad.length > MAX_BAD) throw new TooManyRows(`more than ${MAX_BAD} bad rows (the first at line ${bad[0].line}: ${bad[0].reason}): not a chart's input`);
}

function csvReason(message: string): string {
  // csv-parse messages start with a title-case summary and end with a position we give ourselves.
  const m = /^([^:]+)/.exec(message);
  return (m ? m[1] : message).toLowerCase();
}

function pickColumn(columns: string[], name: string | undefined, fallback: number): number | string {
  if (name === undefined) return fallback < columns.length ? fallback : `no column ${fallback + 1}`;
  const i = columns.indexOf(name);
  return i >= 0 ? i : `no column '${name}' (columns: ${columns.join(', ')})`;
}

function readNdjson(text: string, opts: ReadOptions): ReadResult {
  const bad: BadRow[] = [];
  const points: Point[] = [];
  let labelName = opts.label;
  let valueName = opts.value;
  // Line by line with indexOf, never split('\n'): a string per line of a large input is most of its memory.
  let line = 0;
  for (let at = 0; at < text.length;) {
    const nl = text.indexOf('\n', at);
    const end = nl < 0 ? text.length : nl;
    const raw = text.slice(at, end);
    at = end + 1;
    line++;
    take(raw);
  }
  tooMany(points, bad, false);
  function take(raw: string): void {
    const t = raw.replace(/\r$/, '');
    if (!t.trim()) return;
    tooMany(points, bad);
    let o: unknown;
    try {
      o = JSON.parse(t);
    } catch (err) {
      bad.push({ line, reason: `invalid JSON: ${(err as Error).message}`, raw: t });
      return;
    }
    if (o === null || typeof o !== 'object' || Array.isArray(o)) {
      bad.push({ line, reason: 'not a JSON object', raw: t });
      return;
    }
    const row = o as Record<string, unknown>;
    // The first object names the fields for the whole input, so rows stay comparable.
    if (labelName === undefined || valueName === undefined) {
      const keys = Object.keys(row);
      labelName ??= keys[0];
      valueName ??= keys.find((k) => k !== labelName);
      if (labelName === undefined || valueName === undefined) {
        bad.push({ line, reason: 'needs two fields, a label and a number', raw: t });
        labelName = opts.label;
        valueName = opts.value;
        return;
      }
    }
    if (!(labelName in row)) return void bad.push({ line, reason: `no field '${labelName}'`, raw: t });
    if (!(valueName in row)) return void bad.push({ line, reason: `no field '${valueName}'`, raw: t });
    const v = row[valueName];
    const value = typeof v === 'number' ? v : typeof v === 'string' ? parseValue(v) : `not a number: ${JSON.stringify(v)}`;
    if (typeof value === 'string') return void bad.push({ line, reason: value, raw: t });
    const l = row[labelName];
    points.push({ label: typeof l === 'string' ? l : JSON.stringify(l), value, text: typeof v === 'string' ? v.trim() : String(v), line });
  }
  return { table: { labelName: labelName ?? 'label', valueName: valueName ?? 'value', points, lines: line }, bad };
}
