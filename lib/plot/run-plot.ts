import { isUtf8 } from 'node:buffer';
import { createReadStream } from 'node:fs';
import { EXIT_FAILURE, exitOnBrokenPipe, fail, quietOnBrokenPipe } from '../cli/tool.js';
import { Rejects, StrictStop, oneLine } from '../cli/rejects.js';
import { IoError, describeError } from '../io/io-error.js';
import { drawChart, type ChartOptions } from './chart.js';
import { readTable, TooManyRows, type ReadOptions } from './read-table.js';

/** A chart is drawn from memory: refuse inputs far larger than any metrics file. */
export const MAX_INPUT = 8 << 20;

export interface PlotOptions extends ReadOptions, Omit<ChartOptions, 'title' | 'customTitle'> {
  title?: string;
  files: string[];
  quiet: boolean;
  strict: boolean;
  rejects?: string;
}

/** Reads each input (files or stdin), draws one chart per input, reports bad rows and a summary. */
export async function runPlot(tool: string, opts: PlotOptions): Promise<void> {
  quietOnBrokenPipe();
  const rejects = new Rejects(tool, opts);
  const sources = opts.files.length ? opts.files : ['-'];
  let lines = 0;
  let rows = 0;
  let failed = false;
  let first = true;
  for (const source of sources) {
    const name = source === '-' ? 'stdin' : source;
    let buf: Buffer | null;
    try {
      buf = await readCapped(source === '-' ? process.stdin : createReadStream(source));
    } catch (err) {
      process.stderr.write(`${tool}: ${oneLine(`${name}: ${describeError(err)}`, 400)}\n`);
      failed = true;
      continue;
    }
    // Endless or huge (/dev/zero, a capture by mistake): stop, as nothing after it would be charted either.
    if (buf === null) fail(tool, `${name}: too large to chart (more than ${MAX_INPUT} bytes)`);
    try {
      let text: string | null = decode(buf, (line, raw) => rejects.reject({ source: name, line }, 'invalid UTF-8', raw));
      // Dropped as soon as used: the input's bytes, its text and its points would otherwise be held together.
      buf = null;
      const r = readTable(text, opts);
      text = null;
      for (const b of r.bad) rejects.reject({ source: name, line: b.line }, b.reason, b.raw);
      if (r.error !== undefined) {
        process.stderr.write(`${tool}: ${oneLine(`${name}: ${r.error}`, 400)}\n`);
        failed = true;
        continue;
      }
      lines += r.table.lines;
      rows += r.table.points.length;
      const chart = drawChart(r.table, { ...opts, title: opts.title ?? name, customTitle: opts.title !== undefined });
      await write((first ? '' : '\n') + chart.join('\n') + '\n');
      first = false;
    } catch (err) {
      rejects.close();
      if (err instanceof StrictStop) fail(tool, err.message.slice(tool.length + 2) + ' (--strict)');
      if (err instanceof TooManyRows) fail(tool, `${name}: ${err.message}`);
      throw err;
    }
  }
  rejects.close();
  if (!opts.quiet) process.stderr.write(`${tool}: ${lines} lines, ${rows} rows, ${rejects.count} rejected\n`);
  if (failed) process.exitCode = EXIT_FAILURE;
}

/** Writes and waits until written, so that a closed reader (`| head`) stops us before the next chart. */
function write(text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    process.stdout.write(text, (err) => {
      exitOnBrokenPipe(err);
      if (err) reject(new IoError('stdout', err));
      else resolve();
    });
  });
}

/** Reads a whole input, checking the size as it comes: null as soon as it passes MAX_INPUT (never held whole). */
async function readCapped(input: NodeJS.ReadableStream & { destroy(): void }): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of input) {
    size += (chunk as Buffer).length;
    if (size > MAX_INPUT) {
      input.destroy();
      return null;
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Decodes UTF-8; a line with invalid bytes is reported and blanked, keeping line numbers. */
export function decode(buf: Buffer, bad: (line: number, raw: Buffer) => void): string {
  if (isUtf8(buf)) return buf.toString('utf8');
  const parts: string[] = [];
  let line = 0;
  for (let from = 0; from <= buf.length; ) {
    const nl = buf.indexOf(10, from);
    const end = nl < 0 ? buf.length : nl;
    const bytes = buf.subarray(from, end);
    line++;
    if (isUtf8(bytes)) parts.push(bytes.toString('utf8'));
    else {
      bad(line, bytes);
      parts.push('');
    }
    if (nl < 0) break;
    from = nl + 1;
  }
  return parts.join('\n');
}
