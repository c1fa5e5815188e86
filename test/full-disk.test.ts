import test from 'tape';
import { spawnSync } from 'node:child_process';
import { copyFileSync, createWriteStream, existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { run, start, tempDir } from './helpers.js';
import { IS_ROOT, fill, mountTmpfs, unfill } from './mounts.js';

/** Every metrics CSV in a folder, by file name. */
function csvs(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(dir).sort()) out[f] = readFileSync(join(dir, f), 'utf8');
  return out;
}

/** Segment files of a spool folder (not the archive). */
function segments(dir: string): string[] {
  return readdirSync(dir).filter((f) => f.startsWith('seg-')).sort();
}

function copySegments(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const f of segments(from)) copyFileSync(join(from, f), join(to, f));
}

/** Two spools of segments from one generated capture, cut in halves. */
function twoSpools(dir: string): [string, string] {
  const gen = run('bsky-gen', ['--events', '4000', '--seed', '5', '--rate', '40', '--engineering', '0.3', '-q']);
  const lines = gen.stdout.split(/(?<=\n)/);
  const half = Math.floor(lines.length / 2);
  const spools: [string, string] = [join(dir, 'src-a'), join(dir, 'src-b')];
  run('handle-stream', ['-q', '--spool', spools[0]], lines.slice(0, half).join(''));
  run('handle-stream', ['-q', '--spool', spools[1]], lines.slice(half).join(''));
  return spools;
}

test('periodic: state and metrics on a nearly full tmpfs: exit 1 naming the path, the old state readable, nothing archived; with space again, the CSVs of a clean run', { skip: !IS_ROOT }, (t) => {
  const { dir, cleanup } = tempDir();
  const mnt = join(dir, 'm');
  const umount = mountTmpfs(mnt, '1m');
  try {
    const [a, b] = twoSpools(dir);
    const clean = join(dir, 'clean');
    // Each run's lake beside it on the ordinary disk (not under the test runner's folder): this test fills state and metrics.
    const cleanArgs = ['-q', '--spool', join(clean, 'spool'), '--state', join(clean, 'state'), '--metrics', join(clean, 'metrics'), '--lake', join(clean, 'lake')];
    copySegments(a, join(clean, 'spool'));
    t.equal(run('periodic', cleanArgs).code, 0);
    copySegments(b, join(clean, 'spool'));
    t.equal(run('periodic', cleanArgs).code, 0);

    const spool = join(dir, 'spool');
    const statePath = join(mnt, 'state', 'periodic.json');
    const args = ['-q', '--spool', spool, '--state', join(mnt, 'state'), '--metrics', join(mnt, 'metrics'), '--lake', join(dir, 'lake')];
    copySegments(a, spool);
    t.equal(run('periodic', args).code, 0, 'a first run with space');
    copySegments(b, spool);
    let failures = 0;
    for (const leave of [0, 8192, 40_960, 81_920]) {
      const before = readFileSync(statePath, 'utf8');
      fill(mnt, leave);
      const r = run('periodic', args);
      unfill(mnt);
      const state = JSON.parse(readFileSync(statePath, 'utf8')) as { folded: string[] };
      if (r.code === 0) {
        t.pass(`${leave} bytes free: the run succeeded`);
        continue;
      }
      failures++;
      t.equal(r.code, 1, `${leave} bytes free: exit 1`);
      t.match(r.stderr, new RegExp(`^periodic: ${mnt}/(state|metrics)/[\\w.-]+: ENOSPC: no space left on device\\n$`), 'one line naming the path and the cause');
      // A save that failed left a whole state: the old one, or (the lake's commit, the second save, failed) the first save's,
      // which lists the segments folded and waiting for the lake.
      const now = readFileSync(statePath, 'utf8');
      const waiting = (JSON.parse(now) as { lake?: { behind?: string[] } }).lake?.behind ?? [];
      if (r.stderr.includes('periodic.json')) t.ok(now === before || segments(b).every((s) => waiting.includes(s)), 'the state is whole: the old one, or the first save\'s with the segments waiting for the lake');
      for (const s of segments(b)) t.ok(state.folded.includes(s) || existsSync(join(spool, s)), `${s} is folded or still in the spool`);
      t.deepEqual(readdirSync(join(mnt, 'state')).filter((f) => f.startsWith('.')), [], 'no temporary file left');
    }
    t.ok(failures > 0, 'the full disk made a run fail');
    t.equal(run('periodic', args).code, 0, 'with space again, a rerun succeeds');
    t.deepEqual(csvs(join(mnt, 'metrics')), csvs(join(clean, 'metrics')), 'the CSVs of a clean run');
    t.deepEqual(segments(spool), [], 'every segment archived');
  } finally {
    umount();
    cleanup();
  }
  t.end();
});

/** Resolves when check() holds, polling; fails after `ms`. */
async function waitFor(what: string, check: () => boolean, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * handle-stream reads a capture through a FIFO while the disk of its spool or
 * of its rejects file is full, then space is freed and the rest written.
 */
async function fullWhileReading(t: test.Test, full: 'spool' | 'rejects'): Promise<void> {
  const { dir, cleanup } = tempDir();
  const mnt = join(dir, 'm');
  const umount = mountTmpfs(mnt, '4m');
  try {
    const badRate = full === 'rejects' ? '0.4' : '0.05';
    const capture = run('bsky-gen', ['--events', '3000', '--seed', '8', '--rate', '40', '--bad-rate', badRate, '--dup-rate', '0.01', '-q']).stdout;
    const lines = capture.split(/(?<=\n)/);
    const half = Math.floor(lines.length / 2);
    const clean = join(dir, 'clean');
    t.equal(run('handle-stream', ['-q', '--spool', join(clean, 'spool')], capture).code, 0);
    const cleanEvents = segments(join(clean, 'spool')).flatMap((f) => readFileSync(join(clean, 'spool', f), 'utf8').split('\n').slice(0, -1)).length;
    const cleanRejects = readFileSync(join(clean, 'spool', 'rejects.ndjson'));
    t.equal(run('periodic', ['-q', '--spool', join(clean, 'spool'), '--state', join(clean, 'state'), '--metrics', join(clean, 'metrics'), '--lake', join(clean, 'lake')]).code, 0);

    const spool = full === 'spool' ? join(mnt, 'spool') : join(dir, 'spool');
    const rejects = full === 'rejects' ? join(mnt, 'rejects.ndjson') : join(spool, 'rejects.ndjson');
    mkdirSync(spool);
    const fifo = join(dir, 'in.fifo');
    spawnSync('mkfifo', [fifo]);
    fill(mnt, 64 * 1024);
    const child = start('handle-stream', ['-q', '--spool', spool, '--rejects', rejects, '--disk-retry', '50ms', '--rotate-every', '200ms', fifo]);
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    const writer = createWriteStream(fifo);
    // A reader that died (EPIPE) fails the test below rather than crashing it before the unmount.
    let writeError: Error | null = null;
    writer.on('error', (err) => (writeError = err));
    writer.write(lines.slice(0, half).join(''));
    await waitFor('the disk-full message', () => stderr.includes('ENOSPC: no space left on device'));
    unfill(mnt);
    writer.end(lines.slice(half).join(''));
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([exited, new Promise<string>((resolve) => (timer = setTimeout(() => resolve('timeout'), 60_000)))]);
    clearTimeout(timer);
    if (code === 'timeout') child.kill('SIGKILL');
    t.equal(code, 0, 'exit 0 at the end of the input');
    t.equal(writeError, null, 'every line written into the FIFO was read');
    const said = stderr.split('\n').filter((l) => l.includes('ENOSPC: no space left on device'));
    t.ok(said.length >= 1 && said.every((l) => /^handle-stream: \S+: ENOSPC: no space left on device; holding what was read/.test(l)), 'the full disk is reported, naming the file');
    t.ok(said.some((l) => l.includes(full === 'spool' ? '/spool/.open-' : rejects)), `the ${full} file is named`);
    t.equal(new Set(said.map((l) => l.split(': ')[1])).size, said.length, 'once per file');
    t.equal(stderr.split('\n').filter((l) => l.includes('writing resumed')).length, said.length, 'and its resumption once');
    const spooled = segments(spool).flatMap((f) => readFileSync(join(spool, f), 'utf8').split('\n').slice(0, -1));
    t.equal(spooled.filter((l) => { try { JSON.parse(l); return false; } catch { return true; } }).length, 0, 'no glued or cut line in the spool');
    t.equal(spooled.length, cleanEvents, 'as many events as a clean run');
    t.ok(readFileSync(rejects).equals(cleanRejects), 'the rejects file of a clean run, byte for byte');
    t.equal(run('periodic', ['-q', '--spool', spool, '--state', join(dir, 'state'), '--metrics', join(dir, 'metrics'), '--lake', join(dir, 'lake')]).code, 0);
    t.deepEqual(csvs(join(dir, 'metrics')), csvs(join(clean, 'metrics')), 'periodic counts what a clean run counts');
  } finally {
    umount();
    cleanup();
  }
}

test('handle-stream: when the spool\'s disk is full it stops reading, says so once, resumes when space returns, and every line is accounted for', { skip: !IS_ROOT }, async (t) => {
  await fullWhileReading(t, 'spool');
  t.end();
});

test('handle-stream: when the rejects file\'s disk is full it stops reading, says so once, resumes when space returns, and keeps every rejected line whole', { skip: !IS_ROOT }, async (t) => {
  await fullWhileReading(t, 'rejects');
  t.end();
});
