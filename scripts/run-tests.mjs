// Runs the compiled tape tests, one process per test file, and closes with the
// line CI reads: `N passed, N failed, K skipped`.
//
// One process per file, so that a file that throws while loading (or crashes)
// is one failure and the other files still run. Arguments: test files, or
// patterns with `*` (default: every dist/test/**/*.test.js).
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const patterns = process.argv.slice(2);
const FILE_TIMEOUT_S = Number(process.env.TEST_FILE_TIMEOUT ?? 600);
const all = readdirSync('dist/test', { recursive: true })
  .map((f) => join('dist/test', String(f)))
  .filter((f) => f.endsWith('.test.js'))
  .sort();
const toRegExp = (p) => new RegExp('^' + p.split('**/').map((s) => s.split('*').map((x) => x.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*')).join('(?:.*/)?') + '$');
const files = patterns.length === 0 ? all : all.filter((f) => patterns.some((p) => toRegExp(p).test(f)));

let passed = 0;
let failed = 0;
let skipped = 0;
const broken = [];

/** Runs one test file under tape, echoing its TAP output and counting what it reports. */
function runFile(file) {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['node_modules/tape/bin/tape', file], { stdio: ['ignore', 'pipe', 'inherit'] });
    let fileFailed = 0;
    // The last bound on every wait: a file still running after this is killed and counts as failed.
    const timer = setTimeout(() => {
      process.stdout.write(`not ok - ${file} still running after ${FILE_TIMEOUT_S} s: killed\n`);
      child.kill('SIGKILL');
    }, FILE_TIMEOUT_S * 1000);
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      process.stdout.write(line + '\n');
      // tape counts a skipped assertion as a pass and prints a skipped test as a comment only.
      if (/^ok \d+ .* # SKIP$/.test(line)) skipped++;
      else if (/^ok \d+/.test(line)) passed++;
      else if (/^not ok \d+/.test(line)) fileFailed++;
      else if (/^# SKIP /.test(line)) skipped++;
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      // A file that exits badly without a failing assertion (a throw while loading, a crash) is one failure.
      if ((code !== 0 || signal) && fileFailed === 0) {
        fileFailed = 1;
        process.stdout.write(`not ok - ${file} exited with ${signal ?? `status ${code}`} before reporting a failure\n`);
      }
      if (fileFailed > 0) broken.push(file);
      failed += fileFailed;
      done();
    });
  });
}

if (files.length === 0) {
  process.stderr.write(`run-tests: no test file matches ${patterns.join(' ')}\n`);
  process.exit(1);
}
for (const file of files) {
  process.stdout.write(`# file ${file}\n`);
  await runFile(file);
}
if (broken.length) process.stdout.write(`# failing files: ${broken.join(' ')}\n`);
process.stdout.write(`${passed} passed, ${failed} failed, ${skipped} skipped\n`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
