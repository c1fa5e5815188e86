import test from 'tape';
import { spawnSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENV, ROOT, RUN_TIMEOUT_MS, golden, tempDir } from './helpers.js';

// The test runner and the golden files are what make a red suite red: they are tested too.

test('run-tests: a file that throws while loading is one failure, the other files still run, skips are counted', (t) => {
  const { dir, cleanup } = tempDir();
  mkdirSync(join(dir, 'dist', 'test'), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  const tape = `import test from '${join(ROOT, 'node_modules', 'tape', 'index.js')}';\n`;
  writeFileSync(join(dir, 'dist', 'test', 'a.test.js'), `${tape}throw new Error('cannot load');\n`);
  writeFileSync(join(dir, 'dist', 'test', 'b.test.js'), `${tape}test('b', (t) => { t.ok(true); t.ok(true); t.end(); });\ntest('c', { skip: true }, (t) => t.end());\n`);
  writeFileSync(join(dir, 'dist', 'test', 'c.test.js'), `${tape}test('d', (t) => { t.equal(1, 2); t.skip('later'); t.end(); });\n`);
  const r = spawnSync(process.execPath, [join(ROOT, 'scripts', 'run-tests.mjs')], { cwd: dir, env: ENV, encoding: 'utf8', timeout: RUN_TIMEOUT_MS });
  t.equal(r.status, 1, 'failures make the exit status 1');
  const lines = r.stdout.split('\n');
  t.ok(lines.includes('not ok - dist/test/a.test.js exited with status 1 before reporting a failure'), 'the file that did not load is named');
  t.ok(lines.includes('# failing files: dist/test/a.test.js dist/test/c.test.js'), 'the failing files are listed');
  t.equal(r.stdout.split('\n').at(-2), '2 passed, 2 failed, 2 skipped', 'the closing line');
  const one = spawnSync(process.execPath, [join(ROOT, 'scripts', 'run-tests.mjs'), 'dist/test/b*.js'], { cwd: dir, env: ENV, encoding: 'utf8', timeout: RUN_TIMEOUT_MS });
  t.equal(one.status, 0);
  t.equal(one.stdout.split('\n').at(-2), '2 passed, 0 failed, 1 skipped', 'a pattern picks the files');
  cleanup();
  t.end();
});

test('golden: a missing golden file fails; UPDATE_GOLDEN=1 writes it; a different output fails', (t) => {
  const { dir, cleanup } = tempDir();
  const results: string[] = [];
  const fake = { equal: (a: unknown, b: unknown) => results.push(a === b ? 'pass' : 'fail'), fail: () => results.push('fail') };
  const file = join(dir, 'x.out');
  const saved = process.env.UPDATE_GOLDEN;
  delete process.env.UPDATE_GOLDEN;
  golden(fake, file, 'one\n');
  process.env.UPDATE_GOLDEN = '1';
  golden(fake, file, 'one\n');
  delete process.env.UPDATE_GOLDEN;
  golden(fake, file, 'one\n');
  golden(fake, file, 'two\n');
  if (saved !== undefined) process.env.UPDATE_GOLDEN = saved;
  t.deepEqual(results, ['fail', 'pass', 'pass', 'fail']);
  cleanup();
  t.end();
});
