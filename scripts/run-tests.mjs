// Runs the compiled tape tests and closes with the line CI reads: `N passed, N failed`.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

const pattern = process.argv[2] ?? 'dist/test/**/*.test.js';
const child = spawn(process.execPath, ['node_modules/tape/bin/tape', pattern], { stdio: ['ignore', 'pipe', 'inherit'] });
let passed = 0;
let failed = 0;
const lines = createInterface({ input: child.stdout });
lines.on('line', (line) => {
  process.stdout.write(line + '\n');
  const m = /^# (pass|fail)\s+(\d+)/.exec(line);
  if (m) m[1] === 'pass' ? (passed = +m[2]) : (failed = +m[2]);
});
child.on('close', (code) => {
  // A crash before tape's own summary is a failure even if no assertion failed.
  if (code !== 0 && failed === 0) failed = 1;
  process.stdout.write(`${passed} passed, ${failed} failed\n`);
  process.exit(failed > 0 || passed === 0 ? 1 : 0);
});
