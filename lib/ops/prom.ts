import { readFileSync } from 'node:fs';
import { writeFileAtomicSync } from '../io/atomic-write.js';

/**
 * One metric family of the Prometheus text format (version 0.0.4), as
 * node_exporter's textfile collector reads it: HELP and TYPE, then a sample
 * per label set. Counters end in `_total` and only grow over the life of the
 * state they count; units are in the name (`_seconds`, `_bytes`).
 */
export interface PromFamily {
  name: string;
  help: string;
  type: 'counter' | 'gauge';
  samples: Array<{ labels?: Record<string, string>; value: number }>;
}

/** The families as text, each with its HELP and TYPE lines. */
export function promText(families: PromFamily[]): string {
  let out = '';
  for (const f of families) {
    out += `# HELP ${f.name} ${f.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}\n# TYPE ${f.name} ${f.type}\n`;
    for (const s of f.samples) out += `${f.name}${labelText(s.labels)} ${numberText(s.value)}\n`;
  }
  return out;
}

/** Writes the families to `path` atomically: the collector never reads half a file. */
export function writeProm(path: string, families: PromFamily[]): void {
  writeFileAtomicSync(path, promText(families));
}

/**
 * The counters (`*_total` samples) of a file we wrote before, by name and
 * labels as written (`name{a="b"}`): a restarted process carries on from
 * them, so its counters stay cumulative. Empty when the file is missing or
 * unreadable (the counters then start again, which Prometheus treats as a reset).
 */
export function readTotals(path: string): Map<string, number> {
  const totals = new Map<string, number>();
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return totals;
  }
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*_total(?:\{.*\})?) (\S+)$/.exec(line);
    if (m && Number.isFinite(Number(m[2]))) totals.set(m[1], Number(m[2]));
  }
  return totals;
}

/** The sample key readTotals uses: the name and its labels as promText writes them. */
export function sampleKey(name: string, labels?: Record<string, string>): string {
  return name + labelText(labels);
}

function labelText(labels?: Record<string, string>): string {
  if (!labels || Object.keys(labels).length === 0) return '';
  const esc = (v: string): string => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
  return `{${Object.entries(labels).map(([k, v]) => `${k}="${esc(v)}"`).join(',')}}`;
}

function numberText(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '+Inf' : '-Inf';
  return String(v);
}

/**
 * The kind of a reject reason, as a label value: the reason without what
 * varies from line to line (numbers, quoted text, times), so that the
 * counters have a handful of label sets, not one per line.
 */
export function reasonKind(reason: string): string {
  if (/ahead of the clock/.test(reason)) return 'ahead of the clock';
  if (/behind the newest/.test(reason)) return 'behind the newest event';
  return reason.split(/[:(]/)[0].replace(/"[^"]*"|'[^']*'/g, '').replace(/(?<![\w-])\d[\w.:+-]*/g, 'N').replace(/\s+/g, ' ').trim().slice(0, 60) || 'other';
}
