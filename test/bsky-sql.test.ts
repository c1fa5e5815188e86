import test from 'tape';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ndjson, ROOT, run, tempDir } from './helpers.js';
import { boundaryLines, chunks, genLines } from './lake-fixtures.js';
import { prewarmDuck, takeDuck } from '../lib/lake/duck-prewarm.js';

/** A folder with a spool, state, metrics and lake made from `lines` in `parts` runs. */
function rolled(lines: Buffer[], parts: number): { dir: string; cleanup: () => void } {
  const made = tempDir();
  for (const part of chunks(lines, parts)) {
    run('handle-stream', ['-q', '--rotate-bytes', '80000'], part, { cwd: made.dir });
    run('periodic', ['--lake', 'lake', '-q'], '', { cwd: made.dir });
  }
  return made;
}

const SQL_METRICS = readdirSync(join(ROOT, 'sql')).filter((f) => f.endsWith('.sql')).sort();

test('bsky-sql: --help shows the usage and examples, --version the version', (t) => {
  const help = run('bsky-sql', ['--help']);
  t.equal(help.code, 0);
  t.match(help.stdout, /^bsky-sql \[options\] \(QUERY \| --file FILE\.sql\)/);
  t.match(help.stdout, /Examples:/);
  t.match(help.stdout, /bsky-sql --csv --file sql\/likes-per-minutes\.sql/);
  t.match(run('bsky-sql', ['--version']).stdout, /^bsky-sql \d+\.\d+\.\d+\n$/);
  t.end();
});

test('bsky-sql: usage errors exit 2 and say how to get help', (t) => {
  for (const args of [[], ['--file', 'x.sql', 'SELECT 1'], ['SELECT 1', 'SELECT 2'], ['--bogus', 'SELECT 1'], ['   ']]) {
    const r = run('bsky-sql', args);
    t.equal(r.code, 2, `bsky-sql ${args.join(' ')}`);
    t.match(r.stderr, /^bsky-sql: .+\nTry 'bsky-sql --help' for more information\.\n$/);
  }
  t.end();
});

test('bsky-sql: a missing or empty lake, a bad query and a missing file are one-line errors naming the cause', (t) => {
  const { dir, cleanup } = tempDir();
  const missing = run('bsky-sql', ['SELECT 1'], '', { cwd: dir });
  t.equal(missing.code, 1);
  t.equal(missing.stderr, 'bsky-sql: no lake at ./lake: periodic writes it (periodic --lake ./lake), or give --lake DIR\n');
  mkdirSync(join(dir, 'lake'));
  const empty = run('bsky-sql', ['SELECT 1'], '', { cwd: dir });
  t.equal(empty.code, 1);
  t.equal(empty.stderr, 'bsky-sql: the lake at ./lake holds no events yet: run periodic after handle-stream has spooled some\n');
  run('handle-stream', ['-q'], Buffer.concat(genLines(300, 1)), { cwd: dir });
  run('periodic', ['--lake', 'lake', '-q'], '', { cwd: dir });
  const bad = run('bsky-sql', ['SELEC 1'], '', { cwd: dir });
  t.equal(bad.code, 1);
  t.match(bad.stderr, /^bsky-sql: .*syntax error at or near "SELEC"[^\n]*\n$/);
  const column = run('bsky-sql', ['SELECT nope FROM events'], '', { cwd: dir });
  t.match(column.stderr, /^bsky-sql: .*nope[^\n]*\n$/, 'an unknown column is named');
  const file = run('bsky-sql', ['--file', 'no/such.sql'], '', { cwd: dir });
  t.equal(file.stderr, 'bsky-sql: no/such.sql: no such file\n');
  cleanup();
  t.end();
});

test('bsky-sql: NDJSON rows by default, CSV with a header under --csv, a summary on stderr unless --quiet', (t) => {
  const { dir, cleanup } = tempDir();
  run('handle-stream', ['-q'], Buffer.concat(genLines(2000, 3)), { cwd: dir });
  run('periodic', ['--lake', 'lake', '-q'], '', { cwd: dir });
  const q = "SELECT kind, count(*) AS n, min(time) AS first FROM events GROUP BY kind ORDER BY n DESC, kind";
  const rows = run('bsky-sql', [q], '', { cwd: dir });
  t.equal(rows.code, 0, rows.stderr);
  const objects = ndjson<{ kind: string; n: number; first: string }>(rows.stdout);
  t.equal(objects.reduce((s, o) => s + o.n, 0), 2000, 'counts are JSON numbers, summing to every event');
  t.equal(typeof objects[0].first, 'string');
  t.match(rows.stderr, /^bsky-sql: \d+ rows in [\d.]+ s\n$/);
  const csv = run('bsky-sql', ['--csv', '-q', q], '', { cwd: dir });
  t.equal(csv.stderr, '');
  t.equal(csv.stdout.split('\n')[0], 'kind,n,first');
  t.equal(csv.stdout.trim().split('\n').length, objects.length + 1);
  t.equal(run('bsky-sql', ['--csv', '-q', 'SELECT did FROM events WHERE false'], '', { cwd: dir }).stdout, 'did\n', 'an empty result is its header');
  const likes = ndjson<{ n: number }>(run('bsky-sql', ['-q', "SELECT count(*) AS n FROM likes"], '', { cwd: dir }).stdout)[0].n;
  const direct = ndjson<{ n: number }>(run('bsky-sql', ['-q', "SELECT count(*) AS n FROM events WHERE kind = 'like' AND op = 'create'"], '', { cwd: dir }).stdout)[0].n;
  t.ok(likes > 0 && likes === direct, 'the likes view is the created likes');
  cleanup();
  t.end();
});

test('bsky-sql: on Linux with glibc, DuckDB\'s bindings load without detect-libc (its package\'s loader asks it first); the answer is the same', (t) => {
  const { dir, cleanup } = tempDir();
  run('handle-stream', ['-q'], Buffer.concat(genLines(500, 5)), { cwd: dir });
  run('periodic', ['--lake', 'lake', '-q'], '', { cwd: dir });
  // A preload says at exit whether any module of detect-libc was loaded.
  writeFileSync(join(dir, 'seen.mjs'), `import { createRequire } from 'node:module';
const cache = createRequire(import.meta.url).cache;
process.on('exit', () => process.stderr.write('detect-libc: ' + Object.keys(cache).some((k) => k.includes('detect-libc')) + '\\n'));
`);
  const r = run('bsky-sql', ['-q', 'SELECT count(*) AS n FROM events'], '', { cwd: dir, env: { NODE_OPTIONS: `--import=./seen.mjs` } });
  t.equal(r.stdout, '{"n":500}\n', 'the query answers');
  const report = process.report.getReport() as { header?: { glibcVersionRuntime?: string } };
  const glibc = process.platform === 'linux' && (process.arch === 'x64' || process.arch === 'arm64') && report.header?.glibcVersionRuntime !== undefined;
  t.equal(r.stderr, `detect-libc: ${!glibc}\n`, glibc ? 'detect-libc never loads' : 'here the package\'s loader chooses');
  cleanup();
  t.end();
});

test('bsky-sql: the stopwords table holds the stop lists top-words uses', (t) => {
  const { dir, cleanup } = tempDir();
  run('handle-stream', ['-q'], Buffer.concat(genLines(200, 3)), { cwd: dir });
  run('periodic', ['--lake', 'lake', '-q'], '', { cwd: dir });
  const r = run('bsky-sql', ['-q', 'SELECT language, count(*) AS n FROM stopwords GROUP BY language ORDER BY language'], '', { cwd: dir });
  t.equal(r.code, 0, r.stderr);
  const lists = createRequire(import.meta.url)('stopwords-iso') as Record<string, string[]>;
  const got = Object.fromEntries(ndjson<{ language: string; n: number }>(r.stdout).map((o) => [o.language, o.n]));
  t.deepEqual(Object.keys(got).sort(), Object.keys(lists).filter((l) => lists[l].length).sort(), 'every language of stopwords-iso');
  t.ok(got.en > 1000, `${got.en} English words`);
  const curly = run('bsky-sql', ['-q', "SELECT count(*) AS n FROM stopwords WHERE word LIKE '%\u2019%'"], '', { cwd: dir });
  t.equal(ndjson<{ n: number }>(curly.stdout)[0].n, 0, 'normalised as the metric compares words (curly apostrophes straight)');
  cleanup();
  t.end();
});

const CAPTURES: Array<[string, Buffer[], number]> = [
  ['across midnight, duplicates, bad lines and the boundary cases', (() => {
    const gen = genLines(4000, 21, ['--start', '2025-03-16T23:58:30.000000', '--rate', '20', '--dup-rate', '0.01', '--bad-rate', '0.003']);
    return [...gen.slice(0, 2000), ...boundaryLines(), ...gen.slice(2000)];
  })(), 3],
  ['sparse (minutes without likes)', genLines(600, 5, ['--rate', '1']), 2],
  ['the boundary cases alone', boundaryLines(), 1],
  ['the default mix', genLines(8000, 8), 4],
];

for (const [name, lines, parts] of CAPTURES) {
  test(`bsky-sql: every sql/*.sql prints exactly its metrics/*.csv, byte for byte (${name})`, (t) => {
    const { dir, cleanup } = rolled(lines, parts);
    t.ok(SQL_METRICS.length >= 7, SQL_METRICS.join(' '));
    for (const f of SQL_METRICS) {
      const r = run('bsky-sql', ['-q', '--csv', '--file', join(ROOT, 'sql', f)], '', { cwd: dir });
      t.equal(r.code, 0, r.stderr);
      t.equal(r.stdout, readFileSync(join(dir, 'metrics', f.replace(/\.sql$/, '.csv')), 'utf8'), `${f} = metrics/${f.replace(/\.sql$/, '.csv')}`);
    }
    cleanup();
    t.end();
  });
}

test('bsky-sql: the boundary cases exercise the metrics (fast likers at exactly 50, late likes, a minute without likes)', (t) => {
  const { dir, cleanup } = rolled(boundaryLines(), 1);
  const fast = readFileSync(join(dir, 'metrics', 'fast-likers.csv'), 'utf8');
  t.match(fast, /did:plc:exact50,50/);
  t.doesNotMatch(fast, /did:plc:miss50/);
  t.doesNotMatch(fast, /did:plc:late/, 'late likes are not counted');
  t.match(fast, /did:plc:withinlateness,50/);
  t.match(readFileSync(join(dir, 'metrics', 'likes-per-minutes.csv'), 'utf8'), /2025-03-17 00:03:00,0\n/);
  writeFileSync(join(dir, 'q.sql'), "CREATE TEMP TABLE t AS SELECT 1 AS x;\nSELECT x + 1 AS y FROM t;\n");
  t.equal(run('bsky-sql', ['-q', '--file', 'q.sql'], '', { cwd: dir }).stdout, '{"y":2}\n', 'several statements: the last one\'s rows');
  cleanup();
  t.end();
});

test('bsky-sql: the DuckDB its launcher opens early is taken once, and works; none to take without it', async (t) => {
  t.equal(takeDuck(), undefined, 'none before');
  prewarmDuck();
  const opening = takeDuck();
  t.ok(opening !== undefined, 'taken');
  t.equal(takeDuck(), undefined, 'once');
  const { db, close } = await opening!;
  const r = await db.runAndReadAll('SELECT 42 AS n');
  t.deepEqual(r.getRowObjects(), [{ n: 42 }], 'a query runs');
  close();
  t.end();
});
