import test from 'tape';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync, chmodSync, lstatSync } from 'node:fs';
import { join } from 'node:path';
import { resolveTarget, writeFileAtomicSync } from '../lib/io/atomic-write.js';
import { describeError, IoError } from '../lib/io/io-error.js';
import { ROOT, tempDir } from './helpers.js';
import { IS_ROOT, fill, mountTmpfs } from './mounts.js';

test('atomic-write: replaces a file, keeps its mode, and leaves no temporary file', (t) => {
  const { dir, cleanup } = tempDir();
  try {
    const path = join(dir, 'state.json');
    writeFileSync(path, 'old\n');
    chmodSync(path, 0o640);
    writeFileAtomicSync(path, 'new\n');
    t.equal(readFileSync(path, 'utf8'), 'new\n');
    t.equal(statSync(path).mode & 0o777, 0o640, 'the mode of the file replaced');
    t.deepEqual(readdirSync(dir), ['state.json']);
  } finally {
    cleanup();
  }
  t.end();
});

test('atomic-write: a symlink is followed and its target replaced; a directory is an error naming the path', (t) => {
  const { dir, cleanup } = tempDir();
  try {
    mkdirSync(join(dir, 'real'));
    writeFileSync(join(dir, 'real', 'a.csv'), 'old\n');
    symlinkSync('real/a.csv', join(dir, 'link.csv'));
    writeFileAtomicSync(join(dir, 'link.csv'), 'new\n');
    t.ok(lstatSync(join(dir, 'link.csv')).isSymbolicLink(), 'the link stays a link');
    t.equal(readFileSync(join(dir, 'real', 'a.csv'), 'utf8'), 'new\n', 'its target has the new content');
    symlinkSync('real/b.csv', join(dir, 'dangling.csv'));
    writeFileAtomicSync(join(dir, 'dangling.csv'), 'b\n');
    t.equal(readFileSync(join(dir, 'real', 'b.csv'), 'utf8'), 'b\n', 'a dangling link creates its target');
    t.throws(() => writeFileAtomicSync(join(dir, 'real'), 'x'), (err: Error) => err instanceof IoError && err.message === `${join(dir, 'real')}: EISDIR: is a directory`);
    t.deepEqual(resolveTarget('/dev/null'), { path: '/dev/null', direct: true }, 'a device is written in place');
    t.equal(resolveTarget('/dev/stdout').direct, true, '/dev/stdout is written in place');
  } finally {
    cleanup();
  }
  t.end();
});

test('atomic-write: a FIFO is written in place, not replaced', (t) => {
  const { dir, cleanup } = tempDir();
  try {
    const fifo = join(dir, 'fifo');
    spawnSync('mkfifo', [fifo]);
    const reader = spawnSync('bash', ['-c', `cat '${fifo}' & sleep 0.1; node -e "import('${join(ROOT, 'dist/lib/io/atomic-write.js')}').then((m) => m.writeFileAtomicSync('${fifo}', 'through\\\\n'))"; wait`], { encoding: 'utf8', timeout: 20000 });
    t.equal(reader.stdout, 'through\n');
    t.ok(statSync(fifo).isFIFO(), 'still a FIFO');
  } finally {
    cleanup();
  }
  t.end();
});

test('atomic-write: a system error is described in words with its code, without the syscall', (t) => {
  t.equal(describeError(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' })), 'ENOSPC: no space left on device');
  t.equal(describeError(Object.assign(new Error("ENOENT: no such file or directory, open 'a/b'"), { code: 'ENOENT' })), 'ENOENT: no such file or directory');
  t.equal(describeError(new Error('plain')), 'plain');
  t.end();
});

test('atomic-write: on a full tmpfs the write fails naming the path, the old file stays whole and no temporary file is left', { skip: !IS_ROOT }, (t) => {
  const { dir, cleanup } = tempDir();
  const umount = mountTmpfs(join(dir, 'm'), '256k');
  try {
    const path = join(dir, 'm', 'state.json');
    const old = JSON.stringify({ old: 'x'.repeat(40_000) }) + '\n';
    writeFileAtomicSync(path, old);
    fill(join(dir, 'm'), 60_000);
    const big = JSON.stringify({ next: 'y'.repeat(100_000) }) + '\n';
    t.throws(() => writeFileAtomicSync(path, big), (err: Error) => err instanceof IoError && err.message === `${path}: ENOSPC: no space left on device`);
    t.equal(readFileSync(path, 'utf8'), old, 'the old file is untouched');
    t.deepEqual(readdirSync(join(dir, 'm')).sort(), ['.filler', 'state.json'], 'the temporary file was removed');
    t.end();
  } finally {
    umount();
    cleanup();
  }
});
