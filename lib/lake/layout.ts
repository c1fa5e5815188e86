import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The lake's folders. Readers glob `LAKE/events/**\/*.parquet`; files being
 * written wait in `LAKE/.staging/`, outside that glob (DuckDB's `**` does
 * enter dot-folders) but on the same file system, so that publishing a file
 * is one rename.
 */
export const EVENTS = 'events';
export const STAGING = '.staging';

/** The glob that reads every published file of the lake. */
export function eventsGlob(lake: string): string {
  return join(lake, EVENTS, '**', '*.parquet');
}

/** A published file: `events/date=YYYY-MM-DD/NAME.parquet`, relative to the lake. */
export interface LakeFile {
  date: string;
  /** Path relative to the lake. */
  path: string;
  bytes: number;
}

/** The published files of the lake, by date then name. */
export function lakeFiles(lake: string): LakeFile[] {
  const dir = join(lake, EVENTS);
  if (!existsSync(dir)) return [];
  const out: LakeFile[] = [];
  for (const part of readdirSync(dir).sort()) {
    const m = /^date=(.+)$/.exec(part);
    if (!m) continue;
    for (const f of readdirSync(join(dir, part)).sort()) {
      if (!f.endsWith('.parquet')) continue;
      const path = join(EVENTS, part, f);
      out.push({ date: m[1], path, bytes: statSync(join(lake, path)).size });
    }
  }
  return out;
}

/** Bytes of the lake's published files. */
export function lakeBytes(lake: string): number {
  return lakeFiles(lake).reduce((n, f) => n + f.bytes, 0);
}

/** Every file under a folder, relative to it. */
export function walk(dir: string, rel = ''): string[] {
  if (!existsSync(join(dir, rel))) return [];
  const out: string[] = [];
  for (const e of readdirSync(join(dir, rel), { withFileTypes: true })) {
    const p = rel ? join(rel, e.name) : e.name;
    if (e.isDirectory()) out.push(...walk(dir, p));
    else out.push(p);
  }
  return out.sort();
}

/**
 * The lake's format, in LAKE/FORMAT: 2 for a lake periodic began with
 * record_cut in every file (write.ts); 1 (no file) for an older lake, whose
 * files may lack it.
 */
export const FORMAT = 'FORMAT';
export const FORMAT_VERSION = 2;

export function readFormat(lake: string): number {
  try {
    return Number.parseInt(readFileSync(join(lake, FORMAT), 'utf8'), 10) || 1;
  } catch {
    return 1;
  }
}
