import test from 'tape';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { run, tempDir } from './helpers.js';
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
    const cleanArgs = ['-q', '--spool', join(clean, 'spool'), '--state', join(clean, 'state'), '--metrics', join(clean, 'metrics')];
    copySegments(a, join(clean, 'spool'));
    t.equal(run('periodic', cleanArgs).code, 0);
    copySegments(b, join(clean, 'spool'));
    t.equal(run('periodic', cleanArgs).code, 0);

    const spool = join(dir, 'spool');
    const statePath = join(mnt, 'state', 'periodic.json');
    const args = ['-q', '--spool', spool, '--state', join(mnt, 'state'), '--metrics', join(mnt, 'metrics')];
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
      t.match(r.stderr, new RegExp(`^periodic: ${mnt}/(state|metrics)/[\\w.-]+: no space left on device \\(ENOSPC\\)\\n$`), 'one line naming the path and the cause');
      if (r.stderr.includes('periodic.json')) t.equal(readFileSync(statePath, 'utf8'), before, 'the old state is kept whole');
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
