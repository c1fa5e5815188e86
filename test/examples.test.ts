import test from 'tape';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, golden, sh, tempDir } from './helpers.js';

// Every example in examples/ runs here; its stdout must equal examples/NAME.out.
// UPDATE_GOLDEN=1 rewrites the .out files for review with git diff.
const EXAMPLES = join(ROOT, 'examples');

for (const file of readdirSync(EXAMPLES).filter((f) => f.endsWith('.sh') && f !== 'live-demo.sh').sort()) {
  test(`examples/${file}: runs and prints what examples/${file.replace('.sh', '.out')} shows`, (t) => {
    const r = sh(`bash examples/${file}`);
    t.equal(r.code, 0, r.stderr);
    t.equal(r.stderr, '', 'nothing on stderr');
    golden(t, join(EXAMPLES, file.replace('.sh', '.out')), r.stdout);
    t.end();
  });
}

test('examples/live-demo.sh: a paced generator, handle-stream, then periodic and the charts each round', (t) => {
  const { dir, cleanup } = tempDir();
  const r = sh(`ROUNDS=2 INTERVAL=2 RATE=3000 DIR=${dir} bash examples/live-demo.sh`);
  t.equal(r.code, 0, r.stderr);
  const summaries = r.stdout.match(/^periodic: \d+ new segments, \d+ events in [\d.]+ s, (\d+) events in all/gm) ?? [];
  t.equal(summaries.length, 2, 'one periodic line a round');
  t.ok(Number(/events in all/.exec(summaries[1]) && summaries[1].match(/(\d+) events in all/)![1]) > 0, 'events arrived');
  t.match(r.stdout, /likes-per-minutes\.csv: likes by time/);
  t.ok(existsSync(join(dir, 'metrics', 'likes-per-minutes.csv')));
  cleanup();
  t.end();
});
