import test from 'tape';
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, sh, tempDir } from './helpers.js';
import { IS_ROOT, fill, mountReadOnly, mountTmpfs } from './mounts.js';

/** Inputs for every tool: a capture, its events, flat rows and a metrics CSV, in a fresh folder. */
function inputs(): { dir: string; cleanup: () => void } {
  const t = tempDir();
  const r = sh('bsky-gen -q -n 300 > cap.ndjson && bsky-parse -q cap.ndjson > ev.ndjson && bsky-flatten -q ev.ndjson > rows.ndjson'
    + ' && bsky-metric -q -i rows.ndjson posts-by-hour | bsky-csv -q > hours.csv && handle-stream -q --spool spool cap.ndjson', { cwd: t.dir });
  if (r.code !== 0) throw new Error(r.stderr);
  return t;
}

/** Every tool once, reading the inputs above; each writes stdout. */
const COMMANDS: Array<[tool: string, args: string]> = [
  ['bsky-gen', '-n 100'],
  ['bsky-parse', 'cap.ndjson'],
  ['bsky-flatten', 'ev.ndjson'],
  ['bsky-window', '--size 1m rows.ndjson'],
  ['bsky-metric', '-i rows.ndjson all'],
  ['bsky-csv', 'rows.ndjson'],
  ['bsky-plot', 'hours.csv'],
  ['periodic', '--spool spool --state state --metrics metrics'],
];

/** One line, `TOOL: PATH: CODE: CAUSE`. */
function oneLine(t: test.Test, stderr: string, tool: string, path: string, code: string, what: string): void {
  t.equal(stderr, stderr.split('\n')[0] + '\n', `${what}: one line`);
  t.ok(stderr.startsWith(`${tool}: ${path}: ${code}: `), `${what}: names ${path} and ${code} (${stderr.trim()})`);
}

test('every tool: stdout on a full device (/dev/full) prints one line naming stdout and exits 1', { skip: !existsSync('/dev/full') }, (t) => {
  const { dir, cleanup } = inputs();
  try {
    for (const [tool, args] of COMMANDS) {
      const r = sh(`${tool} ${args} > /dev/full`, { cwd: dir });
      t.equal(r.code, 1, `${tool}: exit 1`);
      oneLine(t, r.stderr.replace(/^.*rejected.*\n/m, ''), tool, 'stdout', 'ENOSPC', tool);
    }
  } finally {
    cleanup();
  }
  t.end();
});

test('every line tool: a directory where an input file is expected prints one line naming it and exits 1', (t) => {
  const { dir, cleanup } = inputs();
  try {
    mkdirSync(join(dir, 'adir'));
    for (const tool of ['bsky-parse', 'bsky-flatten', 'bsky-csv', 'handle-stream']) {
      const r = run(tool, tool === 'handle-stream' ? ['-q', '--spool', 'spool2', 'adir'] : ['-q', 'adir'], '', { cwd: dir });
      t.equal(r.code, 1, `${tool}: exit 1`);
      oneLine(t, r.stderr, tool, 'adir', 'EISDIR', tool);
    }
  } finally {
    cleanup();
  }
  t.end();
});

test('handle-stream: --spool onto a file, a read-only mount, or a spool holding a folder named like a segment: one line naming the path, exit 1', (t) => {
  const { dir, cleanup } = inputs();
  try {
    let r = run('handle-stream', ['--spool', 'cap.ndjson'], '', { cwd: dir });
    t.equal(r.code, 1);
    oneLine(t, r.stderr, 'handle-stream', 'cap.ndjson', 'ENOTDIR', 'onto a file');
    const seg = 'seg-20250101T000000000Z-1-000000.ndjson';
    mkdirSync(join(dir, 'spool', seg));
    r = run('handle-stream', ['--spool', 'spool'], readFileSync(join(dir, 'cap.ndjson')), { cwd: dir });
    t.equal(r.code, 1);
    oneLine(t, r.stderr, 'handle-stream', `spool/${seg}`, 'EISDIR', 'a folder named like a segment');
    if (!IS_ROOT) {
      t.skip('a read-only mount needs root');
      return;
    }
    const umount = mountReadOnly(join(dir, 'ro'));
    try {
      for (const spool of ['ro', 'ro/sub']) {
        r = run('handle-stream', ['--spool', spool], readFileSync(join(dir, 'cap.ndjson')), { cwd: dir });
        t.equal(r.code, 1);
        oneLine(t, r.stderr, 'handle-stream', spool, 'EROFS', `--spool ${spool} on a read-only mount`);
      }
    } finally {
      umount();
    }
  } finally {
    cleanup();
    t.end();
  }
});

test('periodic: a corrupt state file, a folder or FIFO named like a segment, a read-only state folder: one line naming the path, exit 1, nothing changed', (t) => {
  const { dir, cleanup } = inputs();
  try {
    const args = ['--spool', 'spool', '--state', 'state', '--metrics', 'metrics'];
    // handle-stream may have made it already, for its counters.
    mkdirSync(join(dir, 'state'), { recursive: true });
    writeFileSync(join(dir, 'state', 'periodic.json'), '{"version":1,"folded":["seg-');
    let r = run('periodic', args, '', { cwd: dir });
    t.equal(r.code, 1);
    t.match(r.stderr, /^periodic: state\/periodic\.json: not valid JSON \([^\n]*\); run periodic --rebuild to recompute from the lake, or move state away to start afresh\n$/, 'a corrupt state file is named, and the way back (the lake is on by default)');
    t.equal(readFileSync(join(dir, 'state', 'periodic.json'), 'utf8'), '{"version":1,"folded":["seg-', 'and left as it was');
    writeFileSync(join(dir, 'state', 'periodic.json'), '[]');
    r = run('periodic', args, '', { cwd: dir });
    t.match(r.stderr, /^periodic: state\/periodic\.json: not a periodic state file/, 'valid JSON of another shape too');
    r = run('periodic', ['--spool', 'spool', '--state', 'state2', '--metrics', 'metrics2'], '', { cwd: dir });
    t.equal(r.code, 0, 'a fresh state folder');
    const segs = readdirSync(join(dir, 'spool'));
    const seg = 'seg-20990101T000000000Z-1-000000.ndjson';
    mkdirSync(join(dir, 'spool', seg));
    r = run('periodic', args.map((a) => a.replace(/^state$/, 'state3')), '', { cwd: dir });
    t.equal(r.code, 1);
    oneLine(t, r.stderr, 'periodic', `spool/${seg}`, 'EISDIR', 'a folder named like a segment');
    spawnSync('rmdir', [join(dir, 'spool', seg)]);
    spawnSync('mkfifo', [join(dir, 'spool', seg)]);
    r = run('periodic', args.map((a) => a.replace(/^state$/, 'state3')), '', { cwd: dir });
    t.equal(r.code, 1);
    oneLine(t, r.stderr, 'periodic', `spool/${seg}`, 'EINVAL', 'a FIFO named like a segment');
    t.deepEqual(readdirSync(join(dir, 'spool')).sort(), [...segs, seg].sort(), 'no segment moved');
    if (!IS_ROOT) {
      t.skip('a read-only mount needs root');
      return;
    }
    const umount = mountReadOnly(join(dir, 'ro'));
    try {
      r = run('periodic', ['--spool', 'spool', '--state', 'ro/state', '--metrics', 'metrics'], '', { cwd: dir });
      t.equal(r.code, 1);
      oneLine(t, r.stderr, 'periodic', 'ro/state', 'EROFS', 'a state folder on a read-only mount');
    } finally {
      umount();
    }
  } finally {
    cleanup();
    t.end();
  }
});

test('every tool that writes a file: on a full tmpfs, one line naming the file, exit 1, no temporary file left', { skip: !IS_ROOT }, (t) => {
  const { dir, cleanup } = inputs();
  const umount = mountTmpfs(join(dir, 'm'), '256k');
  try {
    fill(join(dir, 'm'), 8192);
    const cases: Array<[tool: string, args: string[], path: string]> = [
      ['bsky-csv', ['-q', '--out', 'm/rows.csv', 'rows.ndjson'], 'm/rows.csv'],
      ['bsky-parse', ['-q', '--rejects', 'm/rejects.ndjson', 'cap.ndjson'], 'm/rejects.ndjson'],
      ['bsky-metric', ['-q', '--state', 'm/metric-state.json', '-i', 'rows.ndjson', 'all'], 'm/metric-state.json'],
    ];
    writeFileSync(join(dir, 'bad.ndjson'), Array.from({ length: 2000 }, (_, i) => `{"bad line ${i}": ${'x'.repeat(20)}\n`).join(''));
    cases[1][1][3] = 'bad.ndjson';
    for (const [tool, args, path] of cases) {
      const r = run(tool, args, '', { cwd: dir });
      t.equal(r.code, 1, `${tool}: exit 1`);
      oneLine(t, r.stderr, tool, path, 'ENOSPC', tool);
    }
    t.deepEqual(readdirSync(join(dir, 'm')).filter((f) => f.endsWith('.tmp')), [], 'no temporary file left');
    const rejects = readFileSync(join(dir, 'm', 'rejects.ndjson'), 'utf8');
    t.ok(rejects === '' || rejects.endsWith('\n'), 'the rejects file ends with a whole line');
  } finally {
    umount();
    cleanup();
  }
  t.end();
});

test('bsky-csv: --out onto a directory is an error with no summary; onto a symlink replaces its target; onto /dev/stdout and a FIFO writes through', (t) => {
  const { dir, cleanup } = inputs();
  try {
    mkdirSync(join(dir, 'out'));
    let r = run('bsky-csv', ['--out', 'out', 'rows.ndjson'], '', { cwd: dir });
    t.equal(r.code, 1);
    t.equal(r.stderr, 'bsky-csv: out: EISDIR: is a directory\n', 'one line, and no summary before it');
    const whole = run('bsky-csv', ['-q', 'rows.ndjson'], '', { cwd: dir }).stdout;
    writeFileSync(join(dir, 'real.csv'), 'old\n');
    symlinkSync('real.csv', join(dir, 'link.csv'));
    r = run('bsky-csv', ['-q', '--out', 'link.csv', 'rows.ndjson'], '', { cwd: dir });
    t.equal(r.code, 0);
    t.ok(lstatSync(join(dir, 'link.csv')).isSymbolicLink(), 'the link stays a link');
    t.equal(readFileSync(join(dir, 'real.csv'), 'utf8'), whole, 'its target holds the CSV');
    r = sh('bsky-csv -q --out /dev/stdout rows.ndjson | cat', { cwd: dir });
    t.equal(r.stdout, whole, '--out /dev/stdout into a pipe');
    r = sh('bsky-csv -q --out /dev/stdout rows.ndjson > viafile.csv', { cwd: dir });
    t.equal(readFileSync(join(dir, 'viafile.csv'), 'utf8'), whole, '--out /dev/stdout redirected to a file');
    r = sh('mkfifo f && (cat f > fromfifo.csv &) && bsky-csv -q --out f rows.ndjson && wait && sleep 0.2; test -p f', { cwd: dir });
    t.equal(r.code, 0, 'the FIFO is still a FIFO');
    t.equal(readFileSync(join(dir, 'fromfifo.csv'), 'utf8'), whole, 'and the CSV went through it');
    r = run('bsky-csv', ['-q', '--out', '/dev/null', 'rows.ndjson'], '', { cwd: dir });
    t.equal(r.code, 0, '/dev/null is written, not replaced');
    t.ok(lstatSync('/dev/null').isCharacterDevice(), '/dev/null is still a device');
  } finally {
    cleanup();
  }
  t.end();
});
