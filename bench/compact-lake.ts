import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { compactFiles, LakeWriter, mergeFiles } from '../lib/lake/lake.js';
import { FORMAT, lakeFiles, STAGING } from '../lib/lake/layout.js';

/**
 * A lake as periodic's compaction leaves a closed partition: each file of
 * SRC merged alone into DST, HOW = `compact` by compaction's own merge
 * (lake.ts compactFiles: the writer's row groups coalesced, those of
 * 32,768 rows copied as they are, smaller ones joined), `duckdb` by
 * DuckDB's COPY with compaction's options (lake.ts mergeFiles: what
 * compaction does with files the writer did not make; what it did with
 * runs under 8,192 events until session 16). A compaction step merges about 128 MB
 * of small per-run files; the benchmark's history lake was written by one
 * run in files of about that size, so file for file gives the files a
 * long-running lake holds. Arguments: SRC DST HOW.
 */
const [src, dst, how] = process.argv.slice(2);
if (!src || !dst || (how !== 'compact' && how !== 'duckdb')) {
  process.stderr.write('usage: node dist/bench/compact-lake.js SRC_LAKE DST_LAKE compact|duckdb\n');
  process.exit(2);
}
const writer = new LakeWriter({ dir: dst });
for (const f of lakeFiles(src)) {
  mkdirSync(dirname(join(dst, f.path)), { recursive: true });
  const from = join(src, f.path);
  const to = join(dst, f.path).replace(/\.parquet$/, '-c.parquet');
  if (how === 'compact') await compactFiles([from], to, () => writer.db());
  else await mergeFiles(await writer.db(), [from], to);
}
if (existsSync(join(src, FORMAT))) copyFileSync(join(src, FORMAT), join(dst, FORMAT));
await writer.close();
// DuckDB's temporary folder (periodic's, under the lake's staging folder).
rmSync(join(dst, STAGING), { recursive: true, force: true });
