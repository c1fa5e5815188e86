import test from 'tape';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, tempDir } from './helpers.js';

const RUN = join(ROOT, 'dist', 'bench', 'run.js');

test('bench: --quick runs every case on a tiny capture and prints the table and the targets', (t) => {
  const { dir, cleanup } = tempDir('bsky-bench-test-');
  const r = spawnSync(process.execPath, [RUN, '--quick', '--out', dir], { encoding: 'utf8', cwd: ROOT });
  t.equal(r.status, 0, 'exit 0');
  t.match(r.stdout, /^## Latest run\n/);
  t.match(r.stdout, /\| case \| what runs \| median s \| CPU s \| events\/s \| ratio \|/);
  for (const name of ['bare', 'ingest', 'replay', 'pipeline', 'refresh-0', 'refresh-6000', 'refresh-live-6000', 'duckdb-6000', 'refresh-lake-6000', 'sql-lake', 'sql-lake-compacted', 'sql-lake-short', 'sql-ndjson']) {
    t.match(r.stdout, new RegExp(`\\n\\| ${name} \\|`), `a row for ${name}`);
  }
  t.match(r.stdout, /\nTargets:\n\n- (PASS|FAIL) ingest:/);
  t.match(r.stdout, /peak RSS of handle-stream and periodic/);
  t.match(r.stdout, /- (PASS|FAIL) lake: at most 30% of the canonical NDJSON's bytes/);
  t.match(r.stdout, /- (PASS|FAIL) lake: likes per minute over the compacted lake at least 5x faster/);
  t.match(r.stdout, /- (PASS|FAIL) lake: likes per minute over a lake of short runs, compacted, at least 5x faster/);
  const short = readdirSync(join(dir, 'history-lake4-6000')).filter((f) => f.startsWith('lake-short-4096-compacted-'));
  t.equal(short.length, 1, 'the lake of short runs, compacted, too');
  const shortFiles = readdirSync(join(dir, 'history-lake4-6000', short[0], 'events'), { recursive: true }).map(String).filter((f) => f.endsWith('.parquet'));
  t.ok(shortFiles.length > 0, `its files: ${shortFiles.join(', ')}`);
  const compacted = readdirSync(join(dir, 'history-lake4-6000')).filter((f) => f.startsWith('lake-compacted-'));
  t.equal(compacted.length, 1, 'the compacted lake is built beside the history\'s');
  const files = readdirSync(join(dir, 'history-lake4-6000', compacted[0], 'events'), { recursive: true }).map(String).filter((f) => f.endsWith('.parquet'));
  t.ok(files.length > 0 && files.every((f) => f.endsWith('-c.parquet')), `every file of it merged by compaction (${files.join(', ')})`);
  // The live refresh's events continue the largest history a second after its newest event.
  const newest = (JSON.parse(readFileSync(join(dir, 'history-lake4-6000', 'state', 'periodic.json'), 'utf8')) as { newest: string }).newest;
  const live = readdirSync(dir).filter((f) => /^cap-500-s2-\d{8}T\d{6}\d+\.ndjson$/.test(f));
  t.equal(live.length, 1, `one capture for the live refresh (${live.join(', ')})`);
  const first = (JSON.parse(readFileSync(join(dir, live[0]), 'utf8').split('\n')[0]) as { timestamp: string }).timestamp;
  const gap = Date.parse(`${first.slice(0, 23)}Z`) - Date.parse(`${newest.slice(0, 23)}Z`);
  t.ok(gap >= 1000 && gap < 2000, `it starts a second after the history's newest event (${newest} then ${first})`);
  t.match(r.stdout, /- (PASS|FAIL) refresh: a live refresh \(new events continuing 6,000 events of history\) within 1\.3x of no history/);
  t.match(r.stderr, /bench: repetition 1 of 1\n/, 'progress goes to stderr');
  t.equal(readFileSync(join(dir, 'latest.md'), 'utf8'), r.stdout, 'the report is kept in latest.md');
  t.notOk(existsSync(join(dir, 'work')), 'the work folder is removed');
  cleanup();
  t.end();
});

test('bench: --cases runs only the cases named', (t) => {
  const { dir, cleanup } = tempDir('bsky-bench-test-');
  const r = spawnSync(process.execPath, [RUN, '--quick', '--out', dir, '--cases', 'replay'], { encoding: 'utf8', cwd: ROOT });
  t.equal(r.status, 0, 'exit 0');
  t.match(r.stdout, /\n\| ingest \|/);
  t.doesNotMatch(r.stdout, /\n\| (pipeline|refresh-0|duckdb-0) \|/);
  cleanup();
  t.end();
});

test('bench: an unknown option is refused', (t) => {
  const r = spawnSync(process.execPath, [RUN, '--nope'], { encoding: 'utf8', cwd: ROOT });
  t.equal(r.status, 2);
  t.match(r.stderr, /^bench: Unknown option '--nope'.*\nUsage: /);
  t.end();
});
