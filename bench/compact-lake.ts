import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { LakeWriter, mergeFiles } from '../lib/lake/lake.js';
import { FORMAT, lakeFiles, STAGING } from '../lib/lake/layout.js';

/**
 * A lake as periodic's compaction leaves a closed partition: each file of SRC
 * merged alone into DST by compaction's own merge (lake.ts mergeFiles: the
 * same COPY, options and DuckDB settings). A compaction step merges about
 * 128 MB of small per-run files; the benchmark's history lake was written by
 * one run in files of about that size, so file for file gives the files a
 * long-running lake holds. Arguments: SRC DST.
 */
const [src, dst] = process.argv.slice(2);
if (!src || !dst) {
  process.stderr.write('usage: node dist/bench/compact-lake.js SRC_LAKE DST_LAKE\n');
  process.exit(2);
}
const writer = new LakeWriter({ dir: dst });
const db = await writer.db();
for (const f of lakeFiles(src)) {
  mkdirSync(dirname(join(dst, f.path)), { recursive: true });
  await mergeFiles(db, [join(src, f.path)], join(dst, f.path).replace(/\.parquet$/, '-c.parquet'));
}
if (existsSync(join(src, FORMAT))) copyFileSync(join(src, FORMAT), join(dst, FORMAT));
await writer.close();
// DuckDB's temporary folder (periodic's, under the lake's staging folder).
rmSync(join(dst, STAGING), { recursive: true, force: true });
