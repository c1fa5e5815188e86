// After tsc: bundles each command (and the parse worker) into one file in
// dist/bundle/bin/, which the bin/<tool> launchers import. Loading some fifty
// ES modules one by one was most of a tool's start-up; with a bundle,
// periodic with nothing to do went from 0.33 s to 0.20 s (node alone: 0.08 s)
// and bsky-parse on empty input from 0.21 s to 0.17 s (BENCHMARKS.md), which
// counts for a `periodic` run every 30 s and for each of the five tools of a
// pipeline. dist/bin, dist/lib and dist/test stay as tsc
// wrote them: the tests import lib/ from there.
import { chmodSync, readdirSync } from 'node:fs';
import { build } from 'esbuild';

for (const f of readdirSync('dist/bin')) if (f.endsWith('.js')) chmodSync(`dist/bin/${f}`, 0o755);

const entryPoints = Object.fromEntries(readdirSync('dist/bin').filter((f) => f.endsWith('.js')).map((f) => [f.slice(0, -3), `dist/bin/${f}`]));
// The worker is its own entry, next to the commands: parse-pool.js starts it as ./parse-worker.js.
entryPoints['parse-worker'] = 'dist/lib/events/parse-worker.js';
// So is the lake's (lib/lake/write.ts starts ./lake-worker.js).
entryPoints['lake-worker'] = 'dist/lib/lake/lake-worker.js';
/** The commands import DuckDB's API from its own bundle (below), not from node_modules. */
const duckApiExternal = {
  name: 'duckdb-api',
  setup(b) {
    b.onResolve({ filter: /^@duckdb\/node-api$/ }, () => ({ path: './duckdb-api.js', external: true }));
  },
};
await build({
  entryPoints,
  outdir: 'dist/bundle/bin',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  // CommonJS dependencies call require(): give the ES module bundle one.
  banner: { js: "import { createRequire as __bskyCreateRequire } from 'node:module'; const require = __bskyCreateRequire(import.meta.url);" },
  // CommonJS dependencies that name their own file.
  define: { __filename: 'import.meta.filename', __dirname: 'import.meta.dirname' },
  // ws loads these optional native speed-ups if they are installed; DuckDB's bindings and zstd are native modules,
  // loaded from node_modules at run time (and only by the tools that read or write the lake).
  external: ['bufferutil', 'utf-8-validate', '@duckdb/node-bindings', '@mongodb-js/zstd'],
  plugins: [duckApiExternal],
  logLevel: 'warning',
});
// DuckDB's JavaScript API (@duckdb/node-api, 180 files) bundled once, beside the commands, which import it only
// when they open DuckDB: loading it took 0.18-0.2 s from node_modules, about 0.03 s as one file. Its native
// bindings stay in node_modules (the package installs the build for the platform).
await build({
  stdin: { contents: "export { DuckDBInstance } from '@duckdb/node-api';", resolveDir: '.', loader: 'js' },
  outfile: 'dist/bundle/bin/duckdb-api.js',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  banner: { js: "import { createRequire as __bskyCreateRequire } from 'node:module'; const require = __bskyCreateRequire(import.meta.url);" },
  external: ['@duckdb/node-bindings'],
  logLevel: 'warning',
});
for (const f of readdirSync('dist/bundle/bin')) chmodSync(`dist/bundle/bin/${f}`, 0o755);
