import test from 'tape';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { ENV, ROOT, RUN_TIMEOUT_MS, sh, tempDir } from './helpers.js';

// What a new user meets first: the reviewers' commands in the repository root,
// a launcher run before `make`, and the package that `npm install -g` installs.
const TOOLS = Object.keys(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).bin as Record<string, string>);
const csvs = (metrics: string): Record<string, string> => Object.fromEntries(readdirSync(metrics).sort().map((f) => [f, readFileSync(join(metrics, f), 'utf8')]));

test('./handle-stream and ./periodic in the repository root are the main job, with ./spool, ./state, ./metrics under the current folder', (t) => {
  const { dir, cleanup } = tempDir();
  for (const f of ['handle-stream', 'periodic']) t.ok(statSync(join(ROOT, f)).mode & 0o111, `./${f} is executable`);
  mkdirSync(join(dir, 'root'));
  mkdirSync(join(dir, 'bin'));
  const root = sh(`bsky-gen -q --events 20000 --seed 4 | ${ROOT}/handle-stream && ${ROOT}/periodic`, { cwd: join(dir, 'root') });
  t.equal(root.code, 0, root.stderr);
  t.match(root.stdout, /^periodic: 1 new segments, 20000 events in/);
  t.equal(sh(`bsky-gen -q --events 20000 --seed 4 | ${ROOT}/bin/handle-stream && ${ROOT}/bin/periodic`, { cwd: join(dir, 'bin') }).code, 0);
  t.deepEqual(readdirSync(join(dir, 'root')).sort(), ['lake', 'metrics', 'spool', 'state'], 'and ./lake, the Parquet lake (on unless --no-lake)');
  t.deepEqual(csvs(join(dir, 'root', 'metrics')), csvs(join(dir, 'bin', 'metrics')), 'the same CSVs as bin/handle-stream and bin/periodic');
  cleanup();
  t.end();
});

test('periodic where nothing was ever spooled writes header-only CSVs and says where it looked', (t) => {
  const { dir, cleanup } = tempDir();
  const r = sh(`${ROOT}/periodic`, { cwd: dir });
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, /^periodic: 0 new segments, 0 events in [\d.]+ s, 0 events in all, 7 CSV files written, no segments in \.\/spool: is handle-stream writing here\?\n$/);
  t.equal(readFileSync(join(dir, 'metrics', 'likes-per-minutes.csv'), 'utf8'), 'time,likes\n');
  const named = sh(`${ROOT}/periodic --spool ${dir}/elsewhere`, { cwd: dir });
  t.match(named.stdout, new RegExp(`no segments in ${dir}/elsewhere: is handle-stream writing here\\?\\n$`));
  sh(`bsky-gen -q --events 100 | ${ROOT}/handle-stream -q && ${ROOT}/periodic -q && ${ROOT}/periodic`, { cwd: dir });
  const later = sh(`${ROOT}/periodic`, { cwd: dir });
  t.match(later.stdout, /^periodic: 0 new segments, 0 events in [\d.]+ s, 100 events in all, /);
  t.doesNotMatch(later.stdout, /no segments in/, 'once events were folded, a quiet run is normal');
  cleanup();
  t.end();
});

test('every launcher run before a build says in one line to run make, and exits 1', (t) => {
  const { dir, cleanup } = tempDir();
  mkdirSync(join(dir, 'bin'));
  for (const tool of TOOLS) {
    copyFileSync(join(ROOT, 'bin', tool), join(dir, 'bin', tool));
    const r = spawnSync(join(dir, 'bin', tool), ['--help'], { env: ENV, encoding: 'utf8', timeout: RUN_TIMEOUT_MS });
    t.equal(r.status, 1, `${tool}: exit 1`);
    t.equal(r.stdout, '', `${tool}: nothing on stdout`);
    t.equal(r.stderr, `${tool}: bsky-tools is not built yet: run 'make' in ${dir}/\n`, `${tool}: one line`);
  }
  cleanup();
  t.end();
});

test('periodic\'s launcher runs a build made before its lake writer was started early (no lake-prewarm.js): periodic starts the thread itself', (t) => {
  const { dir, cleanup } = tempDir();
  // The launcher beside a copy of the bundles without lake-prewarm.js, as after a `git pull` without `make`.
  mkdirSync(join(dir, 'bin'));
  mkdirSync(join(dir, 'dist', 'bundle', 'bin'), { recursive: true });
  copyFileSync(join(ROOT, 'bin', 'periodic'), join(dir, 'bin', 'periodic'));
  for (const f of readdirSync(join(ROOT, 'dist', 'bundle', 'bin'))) {
    if (f !== 'lake-prewarm.js') copyFileSync(join(ROOT, 'dist', 'bundle', 'bin', f), join(dir, 'dist', 'bundle', 'bin', f));
  }
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  const work = join(dir, 'work');
  mkdirSync(work);
  t.equal(sh('bsky-gen -q --events 3000 --seed 2 | handle-stream -q', { cwd: work }).code, 0, 'spooled');
  const r = spawnSync(join(dir, 'bin', 'periodic'), ['-q', '--lake', 'lake'], { cwd: work, env: ENV, encoding: 'utf8', timeout: RUN_TIMEOUT_MS });
  t.equal(r.status, 0, `exit 0 ${r.stderr}`);
  t.equal(r.stderr, '', 'nothing on stderr');
  t.ok(readdirSync(join(work, 'lake', 'events')).length > 0, 'the lake written');
  cleanup();
  t.end();
});

test('bsky-sql\'s launcher runs a build made before it opened DuckDB early (no duck-prewarm.js): bsky-sql opens it itself', (t) => {
  const { dir, cleanup } = tempDir();
  mkdirSync(join(dir, 'bin'));
  mkdirSync(join(dir, 'dist', 'bundle', 'bin'), { recursive: true });
  copyFileSync(join(ROOT, 'bin', 'bsky-sql'), join(dir, 'bin', 'bsky-sql'));
  for (const f of readdirSync(join(ROOT, 'dist', 'bundle', 'bin'))) {
    if (f !== 'duck-prewarm.js') copyFileSync(join(ROOT, 'dist', 'bundle', 'bin', f), join(dir, 'dist', 'bundle', 'bin', f));
  }
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  const work = join(dir, 'work');
  mkdirSync(work);
  t.equal(sh('bsky-gen -q --events 2000 --seed 3 | handle-stream -q && periodic -q', { cwd: work }).code, 0, 'a lake');
  for (const bin of [join(dir, 'bin', 'bsky-sql'), join(ROOT, 'bin', 'bsky-sql')]) {
    const r = spawnSync(bin, ['-q', 'SELECT count(*) AS n FROM events'], { cwd: work, env: ENV, encoding: 'utf8', timeout: RUN_TIMEOUT_MS });
    t.equal(r.status, 0, `${bin}: exit 0 ${r.stderr}`);
    t.match(r.stdout, /^\{"n":\d+\}\n$/, `${bin}: the row`);
  }
  cleanup();
  t.end();
});

test('npm pack gives a package that npm install -g puts on PATH, and the main job runs from any folder', (t) => {
  const { dir, cleanup } = tempDir();
  const status = (): string => sh('git status --porcelain --untracked-files=all').stdout;
  const before = status();
  const pack = sh(`npm pack --silent --pack-destination ${dir}`);
  t.equal(pack.code, 0, pack.stderr);
  t.equal(status(), before, 'npm pack leaves no file that git neither tracks nor ignores');
  const tarball = join(dir, pack.stdout.trim().split('\n').pop()!);
  t.ok(existsSync(tarball), tarball);
  const prefix = join(dir, 'prefix');
  // --prefer-offline: the dependencies are in npm's cache since `npm ci`; the registry only if not.
  // The machine's CA settings pass through: npm may ask the registry for a package its cache lacks (behind a TLS proxy).
  const tls = Object.fromEntries(['HOME', 'NODE_EXTRA_CA_CERTS', 'SSL_CERT_FILE', 'npm_config_cafile'].filter((k) => process.env[k]).map((k) => [k, process.env[k]!]));
  const install = sh(`npm install -g --prefix ${prefix} --prefer-offline --no-audit --no-fund --loglevel=error ${tarball}`, { env: tls });
  t.equal(install.code, 0, install.stderr);
  for (const tool of TOOLS) t.ok(existsSync(join(prefix, 'bin', tool)), `${tool} installed on PATH`);
  // The installed tools only: PATH holds the prefix and the system, not the repository's bin/.
  const env = { PATH: `${join(prefix, 'bin')}:${ENV.PATH}` };
  mkdirSync(join(dir, 'work'));
  const help = spawnSync('bash', ['--norc', '--noprofile', '-c', 'for t in "$@"; do "$t" --version || exit 1; done', '-', ...TOOLS], { cwd: join(dir, 'work'), env: { ...ENV, ...env }, encoding: 'utf8', timeout: RUN_TIMEOUT_MS });
  t.equal(help.status, 0, help.stderr);
  t.deepEqual(help.stdout.split('\n').filter(Boolean).map((l) => l.split(' ')[0]), TOOLS, 'every tool answers --version');
  const job = 'bsky-gen -q --events 30000 --seed 9 | handle-stream -q && periodic -q --lake lake';
  const installed = spawnSync('bash', ['--norc', '--noprofile', '-o', 'pipefail', '-c', `command -v periodic && ${job}`], { cwd: join(dir, 'work'), env: { ...ENV, ...env }, encoding: 'utf8', timeout: RUN_TIMEOUT_MS });
  t.equal(installed.status, 0, installed.stderr);
  t.equal(installed.stdout, `${join(prefix, 'bin', 'periodic')}\n`, 'the installed periodic runs');
  // DuckDB, a native module outside the bundles, installed with the package: the installed bsky-sql answers over the lake periodic wrote.
  const sql = spawnSync('bash', ['--norc', '--noprofile', '-c', 'bsky-sql -q "SELECT count(*) AS events FROM events"'], { cwd: join(dir, 'work'), env: { ...ENV, ...env }, encoding: 'utf8', timeout: RUN_TIMEOUT_MS });
  t.equal(sql.status, 0, sql.stderr);
  t.equal(sql.stdout, '{"events":30000}\n', 'the installed bsky-sql reads the lake the installed periodic wrote');
  mkdirSync(join(dir, 'repo'));
  t.equal(sh(job, { cwd: join(dir, 'repo') }).code, 0);
  t.deepEqual(csvs(join(dir, 'work', 'metrics')), csvs(join(dir, 'repo', 'metrics')), 'the same CSVs as the repository\'s tools');
  cleanup();
  t.end();
});

test('every runtime dependency is imported by bin/ or lib/', (t) => {
  const deps = Object.keys(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).dependencies as Record<string, string>);
  const sources = sh(`cat $(find bin lib -name '*.ts')`).stdout;
  for (const dep of deps) {
    // A static import, an import() or a require() of the package or a file of it by name (stopwords-iso and zstd are loaded lazily).
    t.ok(new RegExp(`(from |require\\(|import\\()\\s*\\(?'${dep.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}(/[^']*)?'`).test(sources) || sources.includes(`('${dep}')`), `${dep} is imported`);
  }
  t.end();
});

test('a tool starts without building --help\'s text measures (string-width\'s segmenters and emoji pattern load on first use); --help still lays out', (t) => {
  // A preload counts what string-width builds when its module loads (19 ms of every start, scripts/post-build.mjs).
  const { dir, cleanup } = tempDir();
  const preload = join(dir, 'count.mjs');
  writeFileSync(preload, `let n = 0;
const S = Intl.Segmenter;
Intl.Segmenter = class extends S { constructor(...a) { super(...a); n++; } };
const R = RegExp;
globalThis.RegExp = new Proxy(R, { construct(target, args) { if (String(args[0]).includes('RGI_Emoji')) n++; return Reflect.construct(target, args); } });
process.on('exit', () => process.stderr.write('built: ' + n + '\\n'));
`);
  const env = { ...ENV, NODE_OPTIONS: `--import=${pathToFileURL(preload).href}` };
  /** Runs a tool under the counting preload: its exit status and what it built. */
  const built = (tool: string, args: string[]): { status: number | null; n: number } => {
    const r = spawnSync(join(ROOT, 'bin', tool), args, { env, encoding: 'utf8', timeout: RUN_TIMEOUT_MS });
    return { status: r.status, n: Number(/built: (\d+)/.exec(r.stderr)?.[1] ?? NaN) };
  };
  for (const tool of TOOLS) {
    const r = built(tool, ['--version']);
    t.equal(r.status, 0, `${tool} --version exits 0`);
    t.equal(r.n, 0, `${tool} --version builds no segmenter or emoji pattern`);
  }
  // The count sees them when --help lays out its columns: the check above can fail.
  t.ok(built('bsky-sql', ['--help']).n > 0, '--help builds them when it needs them');
  cleanup();
  t.end();
});

test('the bundles keep the native modules out: DuckDB\'s bindings and zstd load from node_modules, DuckDB\'s API from its own bundle', (t) => {
  const dir = join(ROOT, 'dist', 'bundle', 'bin');
  const files = readdirSync(dir).filter((f) => f.endsWith('.js'));
  for (const f of files) {
    const text = readFileSync(join(dir, f), 'utf8');
    // The one mention allowed: duckdb-api.js requires the platform's bindings package by name (below).
    t.notOk(text.replace('(`@duckdb/node-bindings-linux-${process.arch}/duckdb.node`)', '').includes('duckdb.node') || text.includes('zstd.node'), `${f} holds no native module's loader`);
    t.notOk(/["']@duckdb\/node-api["']/.test(text), `${f} does not load DuckDB's API from node_modules`);
  }
  const api = readFileSync(join(dir, 'duckdb-api.js'), 'utf8');
  t.ok(api.includes('require("@duckdb/node-bindings")'), 'the API bundle requires the bindings by name');
  t.ok(api.includes('(`@duckdb/node-bindings-linux-${process.arch}/duckdb.node`)'), 'or, on Linux, the platform\'s bindings package by name');
  for (const f of ['bsky-sql.js', 'periodic.js']) t.ok(readFileSync(join(dir, f), 'utf8').includes('import("./duckdb-api.js")'), `${f} imports the API bundle`);
  const worker = readFileSync(join(dir, 'lake-worker.js'), 'utf8');
  t.ok(worker.includes('import("@mongodb-js/zstd/bindings.js")'), 'the lake\'s writer imports zstd\'s native functions by name');
  t.ok(worker.includes('(`@mongodb-js/zstd-linux-${process.arch}-gnu`)'), 'or, on Linux, its glibc build by name');
  t.end();
});
