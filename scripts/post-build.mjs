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
// And handle-stream's (lib/lake/segment-lake.ts starts ./segment-lake-worker.js).
entryPoints['segment-lake-worker'] = 'dist/lib/lake/segment-lake-worker.js';
// And the module periodic's launcher uses to start that worker before it loads periodic's bundle (lib/lake/prewarm.ts).
entryPoints['lake-prewarm'] = 'dist/lib/lake/prewarm.js';
// And the one bsky-sql's launcher uses to open DuckDB before it loads bsky-sql's bundle (lib/lake/duck-prewarm.ts).
entryPoints['duck-prewarm'] = 'dist/lib/lake/duck-prewarm.js';
/** The commands import DuckDB's API from its own bundle (below), not from node_modules. */
const duckApiExternal = {
  name: 'duckdb-api',
  setup(b) {
    b.onResolve({ filter: /^@duckdb\/node-api$/ }, () => ({ path: './duckdb-api.js', external: true }));
  },
};
/**
 * string-width (yargs' and cliui's, to lay out --help) builds two Intl.Segmenters and a `\p{RGI_Emoji}` regular
 * expression when its module loads: 19 ms of every tool's start-up (a third of what a bundle adds to node's own
 * 90 ms; measured with --cpu-prof), for text only --help and usage errors measure. Each import of it becomes
 * a function that loads the module on its first call (a require(), which esbuild turns into a lazy module).
 */
const lazyStringWidth = {
  name: 'lazy-string-width',
  setup(b) {
    b.onResolve({ filter: /^string-width$/ }, (args) => args.kind === 'require-call' ? undefined
      : { path: args.resolveDir, namespace: 'lazy-string-width' });
    b.onLoad({ filter: /.*/, namespace: 'lazy-string-width' }, (args) => ({
      contents: "export default function stringWidth(text, options) { return require('string-width').default(text, options); }",
      resolveDir: args.path,
      loader: 'js',
    }));
  },
};
// Every bundle: one ES module for Node 20; CommonJS dependencies call require(), so the bundle makes one.
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  banner: { js: "import { createRequire as __bskyCreateRequire } from 'node:module'; const require = __bskyCreateRequire(import.meta.url);" },
  logLevel: 'warning',
};
await build({
  ...common,
  entryPoints,
  outdir: 'dist/bundle/bin',
  // CommonJS dependencies that name their own file.
  define: { __filename: 'import.meta.filename', __dirname: 'import.meta.dirname' },
  // ws loads these optional native speed-ups if they are installed; DuckDB's bindings and zstd are native modules,
  // loaded from node_modules at run time (and only by the tools that read or write the lake).
  external: ['bufferutil', 'utf-8-validate', '@duckdb/node-bindings', '@mongodb-js/zstd'],
  plugins: [duckApiExternal, lazyStringWidth],
});
/**
 * DuckDB's native bindings, still from node_modules, but on Linux (x64, arm64) the glibc build is required directly:
 * @duckdb/node-bindings' own loader first loads detect-libc and asks it which C library runs (9 to 13 ms of every
 * bsky-sql start, against the 21 ms of the library's dlopen itself). Elsewhere, or when that build is missing or does
 * not load (musl), the package's loader chooses, as before. As the lake writer loads zstd (lib/lake/parquet.ts).
 */
const directBindings = {
  name: 'direct-duckdb-bindings',
  setup(b) {
    b.onResolve({ filter: /^@duckdb\/node-bindings$/ }, (args) => args.importer === 'duckdb-bindings'
      ? { path: '@duckdb/node-bindings', external: true }
      : { path: 'duckdb-bindings', namespace: 'duckdb-bindings' });
    b.onLoad({ filter: /.*/, namespace: 'duckdb-bindings' }, () => ({
      contents: `let binding;
if (process.platform === 'linux' && (process.arch === 'x64' || process.arch === 'arm64')) {
  try {
    binding = require('node:module').createRequire(require.resolve('@duckdb/node-bindings'))(\`@duckdb/node-bindings-linux-\${process.arch}/duckdb.node\`);
  } catch {
    // The package's loader, below.
  }
}
module.exports = binding ?? require('@duckdb/node-bindings');
`,
      loader: 'js',
    }));
  },
};
// DuckDB's JavaScript API (@duckdb/node-api, 180 files) bundled once, beside the commands, which import it only
// when they open DuckDB: importing it took 0.18-0.23 s from node_modules, 0.09 s from this bundle (0.04 s of it
// loading the native bindings, which stay in node_modules: the package installs the build for the platform).
await build({
  ...common,
  stdin: { contents: "export { DuckDBInstance } from '@duckdb/node-api';", resolveDir: '.', loader: 'js' },
  outfile: 'dist/bundle/bin/duckdb-api.js',
  plugins: [directBindings],
});
for (const f of readdirSync('dist/bundle/bin')) chmodSync(`dist/bundle/bin/${f}`, 0o755);
