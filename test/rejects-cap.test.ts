import test from 'tape';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { run, tempDir } from './helpers.js';

// The rejects file never grows past its cap (--rejects-cap): whole lines only,
// what would cross it is counted and announced, also across restarts.
const bad = (i: number): string => `{"bad": ${i}\n`;

test('rejects cap: a 30 MB bad line and what follows leave a rejects file within the cap, of whole lines, and say so once', (t) => {
  const { dir, cleanup } = tempDir();
  const input = Buffer.concat([Buffer.from(bad(1) + bad(2)), Buffer.alloc(30 << 20, 'x'), Buffer.from('\n' + bad(3))]);
  const file = join(dir, 'rejects.ndjson');
  const r = run('bsky-parse', ['--rejects', file, '--rejects-cap', '1000000'], input);
  t.equal(r.code, 0, 'skipped lines alone do not fail the run');
  t.equal(readFileSync(file, 'utf8'), bad(1) + bad(2), 'the lines before the cap, whole; nothing of the long line or after it');
  const notes = r.stderr.split('\n').filter((l) => /cap/.test(l));
  t.deepEqual(notes, [
    `bsky-parse: ${file}: reached its cap of 1000000 bytes (--rejects-cap); later rejected lines are counted, not kept`,
    `bsky-parse: ${file}: 2 rejected lines not kept (cap 1000000 bytes)`,
  ]);
  t.match(r.stderr, /4 lines, 0 events, 0 duplicates, 4 rejected, 0 blank/, 'every line still counted');
  cleanup();
  t.end();
});

test('rejects cap: handle-stream\'s rejects file stays within the cap across restarts', (t) => {
  const { dir, cleanup } = tempDir();
  const file = join(dir, 'spool', 'rejects.ndjson');
  const sizes: number[] = [];
  for (let round = 0; round < 3; round++) {
    const input = Array.from({ length: 100 }, (_, i) => bad(round * 100 + i)).join('');
    const r = run('handle-stream', ['--rejects-cap', '2000'], input, { cwd: dir });
    t.equal(r.code, 0, r.stderr.split('\n').slice(-3).join('\n'));
    sizes.push(statSync(file).size);
  }
  t.ok(sizes.every((s) => s <= 2000), `never past the cap (${sizes.join(', ')} bytes)`);
  t.equal(sizes[2], sizes[1], 'a restart adds nothing once the cap is reached');
  const lines = readFileSync(file, 'utf8').split('\n');
  t.equal(lines.pop(), '', 'ends with a whole line');
  t.deepEqual(lines, lines.map((_, i) => bad(i).trimEnd()), 'a prefix of the rejected lines, in order');
  cleanup();
  t.end();
});

test('rejects cap: 0 keeps nothing and counts everything; a bad cap is a usage error', (t) => {
  const { dir, cleanup } = tempDir();
  const file = join(dir, 'r');
  const r = run('bsky-flatten', ['--rejects', file, '--rejects-cap', '0'], bad(1) + bad(2));
  t.equal(r.code, 0);
  t.ok(existsSync(file) && statSync(file).size === 0, 'an empty file');
  t.match(r.stderr, /r: 2 rejected lines not kept \(cap 0 bytes\)\n$/);
  const quiet = run('bsky-flatten', ['-q', '--rejects', file, '--rejects-cap', '0'], bad(1));
  t.equal(quiet.stderr, '', '--quiet silences the notes too');
  for (const v of ['-1', '1.5', 'x']) t.equal(run('bsky-parse', ['--rejects-cap', v]).code, 2, `--rejects-cap ${v}`);
  cleanup();
  t.end();
});
