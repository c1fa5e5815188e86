import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { FORMAT } from '../lib/lake/layout.js';
import { feedSegments, LakeRows } from '../lib/lake/rows.js';

/**
 * A lake as runs of about ROWS events each write it: the spooled segments
 * under SPOOL (its archive too), in name order, written by the lake's own
 * writer (rows.ts, hour partitions) with row groups and blocks of ROWS
 * rows, as many short runs' files hold them (one row group each, a
 * dictionary each), into DST. compact-lake.ts then merges it as compaction
 * does (make verify-memory measures such a step too, in files of FILE_ROWS
 * rows). Arguments: SPOOL SRC_LAKE (its FORMAT file is copied) DST ROWS
 * [FILE_ROWS].
 */
const [spool, src, dst, rowsArg, fileArg] = process.argv.slice(2);
const groupRows = Number(rowsArg);
const fileRows = fileArg === undefined ? undefined : Number(fileArg);
if (!spool || !src || !dst || !(groupRows > 0) || (fileRows !== undefined && !(fileRows > 0))) {
  process.stderr.write('usage: node dist/bench/short-lake.js SPOOL SRC_LAKE DST_LAKE ROWS [FILE_ROWS]\n');
  process.exit(2);
}
const segs: Array<{ path: string; name: string }> = [];
const walk = (d: string): void => {
  for (const e of readdirSync(d, { withFileTypes: true })) {
    if (e.isDirectory()) walk(join(d, e.name));
    else if (/^seg-.*\.ndjson$/.test(e.name)) segs.push({ path: join(d, e.name), name: e.name });
  }
};
walk(spool);
segs.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
const rows = new LakeRows(join(dst, 'events'), 'short', 0, { hours: true, groupRows, blockRows: groupRows, ...(fileRows ? { fileRows } : {}) });
await feedSegments(rows, segs);
await rows.end();
mkdirSync(dst, { recursive: true });
if (existsSync(join(src, FORMAT))) copyFileSync(join(src, FORMAT), join(dst, FORMAT));
