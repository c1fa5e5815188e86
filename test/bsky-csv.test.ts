import test from 'tape';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, sh, tempDir } from './helpers.js';

const rows = (list: object[]): string => list.map((o) => JSON.stringify(o) + '\n').join('');

test('bsky-csv: rows become CSV with a header from the first row', (t) => {
  const r = run('bsky-csv', [], rows([{ time: '2025-03-16 13:26:00', likes: 3 }, { time: '2025-03-16 13:27:00', likes: 0 }]));
  t.equal(r.code, 0);
  t.equal(r.stdout, 'time,likes\n2025-03-16 13:26:00,3\n2025-03-16 13:27:00,0\n');
  t.equal(r.stderr, 'bsky-csv: 2 lines, 2 rows, 0 rejected, 0 blank\n');
  t.end();
});

test('bsky-csv: RFC 4180 quoting of commas, quotes and newlines; arrays space-separated', (t) => {
  const r = run('bsky-csv', ['-q'], rows([{ text: 'a, "b"\nc', langs: ['en', 'ja'], n: null, ok: true }]));
  t.equal(r.stdout, 'text,langs,n,ok\n"a, ""b""\nc",en ja,,true\n');
  t.end();
});

test('bsky-csv: --columns chooses the order; missing values are empty; --no-header', (t) => {
  const input = rows([{ a: 1, b: 2, c: 3 }, { b: 5 }]);
  t.equal(run('bsky-csv', ['-q', '--columns', 'c,a'], input).stdout, 'c,a\n3,1\n,\n');
  t.equal(run('bsky-csv', ['-q', '-c', 'b', '--no-header'], input).stdout, '2\n5\n');
  t.equal(run('bsky-csv', ['-q', '-c', 'b:bee,a'], input).stdout, 'bee,a\n2,1\n5,\n', 'KEY:HEADER renames');
  t.equal(run('bsky-csv', ['-q', '-c', 'x,y'], '').stdout, 'x,y\n', 'empty input with columns: header only');
  t.equal(run('bsky-csv', ['-q'], '').stdout, '', 'empty input without columns: nothing');
  t.end();
});

test('bsky-csv: --out replaces the file atomically and leaves no temporary file', (t) => {
  const { dir, cleanup } = tempDir();
  const out = join(dir, 'm.csv');
  writeFileSync(out, 'old\n');
  const r = run('bsky-csv', ['-q', '--out', out], rows([{ w: 'x', n: 1 }]));
  t.equal(r.code, 0);
  t.equal(r.stdout, '');
  t.equal(readFileSync(out, 'utf8'), 'w,n\nx,1\n');
  t.deepEqual(readdirSync(dir), ['m.csv']);
  const strict = run('bsky-csv', ['--strict', '--out', out], rows([{ w: 'y', n: 2 }]) + 'bad\n');
  t.equal(strict.code, 1);
  t.equal(readFileSync(out, 'utf8'), 'w,n\nx,1\n', 'a failed run keeps the old file');
  t.deepEqual(readdirSync(dir), ['m.csv'], 'and removes its temporary file');
  const missing = run('bsky-csv', ['--out', join(dir, 'no', 'such', 'dir.csv')], rows([{ a: 1 }]));
  t.equal(missing.code, 1);
  t.notOk(existsSync(join(dir, 'no')));
  cleanup();
  t.end();
});

test('bsky-csv: bad lines are reported, kept with --rejects, and skipped', (t) => {
  const { dir, cleanup } = tempDir();
  const r = run('bsky-csv', ['--rejects', join(dir, 'r')], rows([{ a: 1 }]) + '[1]\n{bad\n' + rows([{ a: 2 }]));
  t.equal(r.stdout, 'a\n1\n2\n');
  t.match(r.stderr, /bsky-csv: stdin:2: not a JSON object\nbsky-csv: stdin:3: invalid JSON/);
  t.equal(readFileSync(join(dir, 'r'), 'utf8'), '[1]\n{bad\n');
  cleanup();
  t.end();
});

test('bsky-csv: | head, help, version, usage', (t) => {
  const { dir, cleanup } = tempDir();
  sh(`yes '{"a":1,"b":"x"}' | head -n 200000 > ${dir}/rows || true`);
  const head = sh(`bsky-csv ${dir}/rows | head -n 1`);
  cleanup();
  t.equal(head.code, 0);
  t.equal(head.stdout, 'a,b\n');
  t.equal(head.stderr, '');
  t.match(run('bsky-csv', ['--help']).stdout, /--columns/);
  t.match(run('bsky-csv', ['--version']).stdout, /^bsky-csv \d/);
  t.equal(run('bsky-csv', ['--out']).code, 2);
  t.end();
});
