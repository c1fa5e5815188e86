import test from 'tape';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inputProgress } from '../lib/spool/status-line.js';
import { humanSeconds } from '../lib/time.js';
import { tempDir } from './helpers.js';

test('status line: progress is the share of the named files read so far', (t) => {
  const { dir, cleanup } = tempDir();
  writeFileSync(join(dir, 'a'), 'x'.repeat(3_000_000));
  writeFileSync(join(dir, 'b'), 'x'.repeat(1_000_000));
  const p = inputProgress([join(dir, 'a'), join(dir, 'b')]);
  t.equal(p.report(), '0.0% of 4 MB, ');
  p.add(1_000_000, 2);
  t.equal(p.report(), '25.0% of 4 MB, ');
  t.equal(p.rejected, 2, 'and the lines rejected so far');
  p.add(5_000_000, 2);
  t.equal(p.report(), '100.0% of 4 MB, ', 'never past 100%');
  t.equal(inputProgress([join(dir, 'missing')]).report(), '', 'unknown size: no percentage');
  cleanup();
  t.end();
});

test('status line: ages read as people say them', (t) => {
  t.equal(humanSeconds(4.24), '4.2 s');
  t.equal(humanSeconds(210), '3.5 min');
  t.equal(humanSeconds(7200), '2.0 h');
  t.equal(humanSeconds(53_625_922), '620.7 days');
  t.end();
});
