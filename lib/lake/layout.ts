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

/**
 * A published file: `events/date=YYYY-MM-DD/hour=H/NAME.parquet` in a lake
 * of format 3 on (HOURS), `events/date=YYYY-MM-DD/NAME.parquet` in an older
 * one (its files stay where they are: DuckDB reads no glob whose files sit
 * at different depths).
 */
export interface LakeFile {
  date: string;
  /** The hour (0 to 23) of an hour partition; undefined in a date partition. */
  hour?: number;
  /** Path relative to the lake. */
  path: string;
  bytes: number;
}

/**
 * The partition folder (relative to `events/`) of a wall-clock date and
 * hour: hours in a lake of format HOURS on. The hour unpadded (`hour=5`), as
 * Spark writes an integer partition: DuckDB then reads it as a BIGINT (`05`
 * would be a VARCHAR).
 */
export function partitionDir(date: string, hour: number | undefined): string {
  return hour === undefined ? `date=${date}` : join(`date=${date}`, `hour=${hour}`);
}

/** A partition folder's hour (`hour=H`, 0 to 23), or undefined for another name. */
function hourOf(name: string): number | undefined {
  const m = /^hour=(\d{1,2})$/.exec(name);
  return m && Number(m[1]) < 24 ? Number(m[1]) : undefined;
}

/** The published files of the lake, by date, hour, then name. */
export function lakeFiles(lake: string): LakeFile[] {
  const dir = join(lake, EVENTS);
  if (!existsSync(dir)) return [];
  const out: LakeFile[] = [];
  const files = (date: string, hour: number | undefined): void => {
    const part = partitionDir(date, hour);
    const entries = readdirSync(join(dir, part), { withFileTypes: true });
    // Hours in order (hour=10 after hour=9), names in order.
    const rank = (name: string): number => hourOf(name) ?? -1;
    entries.sort((a, b) => rank(a.name) - rank(b.name) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      if (e.isDirectory()) {
        const h = hour === undefined ? hourOf(e.name) : undefined;
        if (h !== undefined) files(date, h);
      } else if (e.name.endsWith('.parquet')) {
        const path = join(EVENTS, part, e.name);
        out.push({ date, ...(hour === undefined ? {} : { hour }), path, bytes: statSync(join(lake, path)).size });
      }
    }
  };
  for (const part of readdirSync(dir).sort()) {
    const m = /^date=(.+)$/.exec(part);
    if (m) files(m[1], undefined);
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
 * The lake's format, in LAKE/FORMAT: 3 for a lake periodic began with hour
 * partitions (HOURS); 2 for one begun with record_cut in every file
 * (write.ts), in date partitions; 1 (no file) for an older lake, whose
 * files may lack record_cut. periodic keeps writing a lake in the layout
 * it began with (docs/LAKE.md, Partitions).
 */
export const FORMAT = 'FORMAT';
export const FORMAT_VERSION = 3;
/** The first format with hour partitions. */
export const HOURS = 3;

export function readFormat(lake: string): number {
  try {
    return Number.parseInt(readFileSync(join(lake, FORMAT), 'utf8'), 10) || 1;
  } catch {
    return 1;
  }
}
