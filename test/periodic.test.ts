import test from 'tape';
import { existsSync, mkdirSync, readFileSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { ROOT, exited, run, start, tempDir } from './helpers.js';
import { referenceCsvs, referenceRows } from './reference/capture.js';

/** A seeded capture from the generator, as lines of bytes (malformed ones include invalid UTF-8). */
function capture(events: number, seed: number): Buffer[] {
  const r = spawnSync(join(ROOT, 'bin', 'bsky-gen'), ['--events', String(events), '--seed', String(seed), '--rate', '40', '--fast-likers', '4', '--engineering', '0.3', '--dup-rate', '0.01', '--bad-rate', '0.002', '-q'], { maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(String(r.stderr));
  const out: Buffer[] = [];
  for (let at = 0; at < r.stdout.length;) {
    const nl = r.stdout.indexOf(10, at);
    const end = nl < 0 ? r.stdout.length : nl + 1;
    out.push(r.stdout.subarray(at, end));
    at = end;
  }
  return out;
}

/** Splits lines into n consecutive chunks. */
function chunks(lines: Buffer[], n: number): Buffer[] {
  const size = Math.ceil(lines.length / n);
  return Array.from({ length: n }, (_, i) => Buffer.concat(lines.slice(i * size, (i + 1) * size)));
}

/** Every metrics CSV in a folder, by file name. */
function csvs(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(join(dir, 'metrics')).sort()) out[f] = readFileSync(join(dir, 'metrics', f), 'utf8');
  return out;
}

/** The metrics of one handle-stream and one periodic run over the whole capture. */
function wholeRun(lines: Buffer[]): Record<string, string> {
  const { dir, cleanup } = tempDir();
  run('handle-stream', ['-q'], Buffer.concat(lines), { cwd: dir });
  run('periodic', ['-q'], '', { cwd: dir });
  const out = csvs(dir);
  cleanup();
  return out;
}

const lines = capture(12000, 11);
const whole = wholeRun(lines);

test('periodic: one handle-stream and periodic run over a capture equals the naive reference', (t) => {
  t.deepEqual(whole, referenceCsvs(lines));
  const gen = run('bsky-gen', ['--events', '12000', '--seed', '11', '--rate', '40', '--fast-likers', '4', '--engineering', '0.3', '--dup-rate', '0.01', '--bad-rate', '0.002']);
  const malformed = Number(/(\d+) malformed/.exec(gen.stderr)?.[1]);
  t.equal(referenceRows(lines).dropped, malformed, 'the reference drops exactly the malformed lines the generator made');
  t.end();
});

test('periodic: the spec metrics files exist with their headers', (t) => {
  t.deepEqual(Object.keys(whole).filter((f) => ['likes-per-minutes.csv', 'fast-likers.csv', 'top-10-word.csv', 'posts-by-hour.csv', 'posts-by-weekday.csv'].includes(f)).length, 5);
  t.ok(whole['likes-per-minutes.csv'].startsWith('time,likes\n'));
  t.ok(whole['fast-likers.csv'].split('\n').length > 3, 'the generator made fast likers');
  t.equal(whole['top-10-word.csv'].trim().split('\n').length, 11, 'ten words and a header');
  t.equal(whole['posts-by-hour.csv'].trim().split('\n').length, 25);
  t.equal(whole['posts-by-weekday.csv'].trim().split('\n').length, 8);
  t.end();
});

test('periodic: a capture in 5 chunks, each through its own handle-stream with periodic after each, gives byte-identical CSVs', (t) => {
  const { dir, cleanup } = tempDir();
  for (const chunk of chunks(lines, 5)) {
    t.equal(run('handle-stream', ['-q'], chunk, { cwd: dir }).code, 0);
    const p = run('periodic', [], '', { cwd: dir });
    t.equal(p.code, 0);
    t.match(p.stdout, /^periodic: 1 new segments, \d+ events in [\d.]+ s, \d+ events in all, newest event .* old\), \d+ CSV files written, lake [\d.]+ [kMG]?B\n$/);
  }
  t.deepEqual(csvs(dir), whole);
  cleanup();
  t.end();
});

test('periodic: a run with nothing new rewrites the same CSVs', (t) => {
  const { dir, cleanup } = tempDir();
  run('handle-stream', ['-q'], Buffer.concat(lines), { cwd: dir });
  run('periodic', ['-q'], '', { cwd: dir });
  const p = run('periodic', [], '', { cwd: dir });
  t.match(p.stdout, /^periodic: 0 new segments, 0 events/);
  t.deepEqual(csvs(dir), whole);
  t.ok(readdirSync(join(dir, 'spool')).every((f) => !f.startsWith('seg-')), 'processed segments left the spool');
  t.ok(readdirSync(join(dir, 'spool', 'archive')).length === 1, 'and are in the archive');
  cleanup();
  t.end();
});

test('periodic: killed at each step (fault injection), the next run neither loses nor double-counts', (t) => {
  for (const step of ['fold', 'save', 'csv', 'archive', 'archive-mid']) {
    const { dir, cleanup } = tempDir();
    for (const chunk of chunks(lines, 2)) {
      run('handle-stream', ['-q', '--rotate-bytes', '200000'], chunk, { cwd: dir });
      const killed = run('periodic', ['-q'], '', { cwd: dir, env: { BSKY_CRASH_AT: step } });
      t.equal(killed.signal, 'SIGKILL', `killed at ${step}`);
      staleLock(dir);
    }
    t.equal(run('periodic', ['-q'], '', { cwd: dir }).code, 0);
    t.deepEqual(csvs(dir), whole, `same CSVs after kills at ${step}`);
    cleanup();
  }
  t.end();
});

test('periodic: killed with SIGKILL at 20 random moments and then run to completion gives the same CSVs', async (t) => {
  const { dir, cleanup } = tempDir();
  let seed = 42;
  const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
  const parts = chunks(lines, 20);
  const kills: number[] = [];
  for (const part of parts) {
    run('handle-stream', ['-q', '--rotate-bytes', '30000'], part, { cwd: dir });
    const child = start('periodic', ['-q', '--lock-stale', '2s'], { cwd: dir });
    const delay = Math.floor(random() * 400);
    kills.push(delay);
    const timer = setTimeout(() => child.kill('SIGKILL'), delay);
    await exited(child);
    clearTimeout(timer);
    staleLock(dir);
  }
  const final = run('periodic', ['--lock-stale', '2s'], '', { cwd: dir });
  t.equal(final.code, 0, final.stderr);
  t.deepEqual(csvs(dir), whole, `kills after ${kills.join(', ')} ms`);
  cleanup();
  t.end();
});

test('periodic: two runs started together: one does the work, the other exits 0; the CSVs are right', async (t) => {
  const { dir, cleanup } = tempDir();
  run('handle-stream', ['-q', '--rotate-bytes', '50000'], Buffer.concat(lines), { cwd: dir });
  const both = [start('periodic', [], { cwd: dir }), start('periodic', [], { cwd: dir })];
  const results = await Promise.all(both.map((c) => new Promise<{ code: number | null; out: string; err: string }>((resolve) => {
    let out = '';
    let err = '';
    c.stdout.on('data', (d: Buffer) => (out += d));
    c.stderr.on('data', (d: Buffer) => (err += d));
    c.on('close', (code) => resolve({ code, out, err }));
  })));
  t.deepEqual(results.map((r) => r.code), [0, 0]);
  const worked = results.filter((r) => /[1-9]\d* new segments/.test(r.out));
  t.equal(worked.length, 1, 'exactly one folded the segments');
  const other = results.find((r) => r !== worked[0])!;
  t.ok(/another run is in progress/.test(other.err) || /^periodic: 0 new segments/.test(other.out), 'the other stood aside or found nothing new');
  t.deepEqual(csvs(dir), whole);
  cleanup();
  t.end();
});

test('periodic: options, a bad spool line, metric parameters, and a state made with other parameters', (t) => {
  const { dir, cleanup } = tempDir();
  mkdirSync(join(dir, 'sp'));
  writeFileSync(join(dir, 'sp', 'seg-20250316T000000000Z-1-000001.ndjson'), Buffer.concat(lines.slice(0, 50)).toString() + 'not json\n');
  const args = ['--spool', 'sp', '--state', 'st', '--metrics', 'out', '--archive-days', '0', '--min-likes', '3', '--within', '10s', '--lateness', '30s', '--keyword', 'engineering', '--top', '5'];
  // Raw capture lines are not canonical events; periodic reports them instead of guessing.
  const p = run('periodic', args, '', { cwd: dir });
  t.equal(p.code, 0);
  t.match(p.stderr, /periodic: seg-20250316T000000000Z-1-000001.ndjson:\d+: /);
  t.ok(existsSync(join(dir, 'out', 'top-5-word.csv')), '--top 5 names the file');
  t.equal(readdirSync(join(dir, 'sp')).filter((f) => f.startsWith('seg-')).length, 0, '--archive-days 0 deletes processed segments');
  const other = run('periodic', ['--spool', 'sp', '--state', 'st', '--metrics', 'out', '--min-likes', '4', '--within', '10s', '--lateness', '30s'], '', { cwd: dir });
  t.equal(other.code, 1);
  t.match(other.stderr, /^periodic: .*--min-likes 3.*--min-likes 4.*move st away/);
  t.equal(run('periodic', ['extra']).code, 2);
  t.equal(run('periodic', ['--top', 'many']).code, 2);
  t.equal(run('periodic', ['--lock-stale', 'x']).code, 2);
  t.match(run('periodic', ['--help']).stdout, /--archive-days/);
  t.match(run('periodic', ['--version']).stdout, /^periodic \d/);
  cleanup();
  t.end();
});

/** Ages a lock left by a killed run, as if its stale time had passed. */
function staleLock(dir: string): void {
  const lock = join(dir, 'state', 'periodic.lock');
  if (existsSync(lock)) utimesSync(lock, new Date(Date.now() - 3600_000), new Date(Date.now() - 3600_000));
}
