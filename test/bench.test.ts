import test from 'tape';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, tempDir } from './helpers.js';

test('bench: --quick runs every case on a tiny capture and prints the table and the targets', (t) => {
  const { dir, cleanup } = tempDir('bsky-bench-');
  const r = spawnSync(process.execPath, [join(ROOT, 'dist', 'bench', 'run.js'), '--quick', '--out', dir], { encoding: 'utf8', cwd: ROOT });
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, /^## Latest run\n/);
  t.match(r.stdout, /\| case \| what runs \| median s \| events\/s \| ratio \|/);
  for (const name of ['bare', 'ingest', 'replay', 'pipeline', 'refresh-0', 'refresh-6000', 'duckdb-6000']) {
    t.match(r.stdout, new RegExp(`\\n\\| ${name} \\|`), `a row for ${name}`);
  }
  t.match(r.stdout, /\nTargets:\n\n- (PASS|FAIL) ingest:/);
  t.match(r.stdout, /peak RSS of handle-stream and periodic/);
  t.equal(readFileSync(join(dir, 'latest.md'), 'utf8'), r.stdout, 'the table is kept in latest.md');
  t.notOk(existsSync(join(dir, 'work')), 'the work folder is removed');
  cleanup();
  t.end();
});

test('bench: an unknown option is refused', (t) => {
  const r = spawnSync(process.execPath, [join(ROOT, 'dist', 'bench', 'run.js'), '--nope'], { encoding: 'utf8', cwd: ROOT });
  t.notEqual(r.status, 0);
  t.match(r.stderr, /nope/);
  t.end();
});
