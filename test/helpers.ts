import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: compiled tests run from dist/test/. */
export const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/**
 * The real capture (423 firehose lines, no licence to copy it here), when it
 * is beside the repository or named by BSKY_REAL_CAPTURE; undefined otherwise,
 * and the tests that need it are skipped.
 */
export const REAL_CAPTURE: string | undefined = [
  process.env.BSKY_REAL_CAPTURE,
  resolve(ROOT, '..', 'shared', 'data', 'real-capture-2025-03-16.ndjson'),
].find((f): f is string => !!f && existsSync(f));
/** Tape's option to skip a test that needs the real capture when it is absent. */
export const NEEDS_REAL = { skip: REAL_CAPTURE === undefined };

export interface Run {
  stdout: string;
  stderr: string;
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A fixed environment, so that no user setting (TZ, colours, terminal) changes the output; metrics see only the fields they declare (lib/metrics/fold.ts). */
export const ENV = { PATH: process.env.PATH ?? '/usr/bin:/bin', TZ: 'UTC', LANG: 'C.UTF-8', NO_COLOR: '1', BSKY_STRICT_FIELDS: '1' };

/** Every wait in a test has a bound: a spawned command still running after this is killed (and its test fails). */
export const RUN_TIMEOUT_MS = 300_000;

/** Spawns bin/<tool> with arguments and stdin, and waits for it. */
export function run(tool: string, args: string[] = [], input: string | Buffer = '', opts: { cwd?: string; env?: Record<string, string> } = {}): Run {
  const r = spawnSync(join(ROOT, 'bin', tool), args, {
    input, cwd: opts.cwd ?? ROOT, env: { ...ENV, ...opts.env }, maxBuffer: 1 << 30, encoding: 'utf8', timeout: RUN_TIMEOUT_MS,
  });
  return { stdout: r.stdout, stderr: r.stderr, code: r.status, signal: r.signal };
}

/** Runs a shell command line (for pipelines) from the repository root, with bin/ on PATH. */
export function sh(command: string, opts: { cwd?: string; env?: Record<string, string>; input?: string } = {}): Run {
  const r = spawnSync('bash', ['--norc', '--noprofile', '-o', 'pipefail', '-c', command], {
    cwd: opts.cwd ?? ROOT, env: { ...ENV, PATH: `${join(ROOT, 'bin')}:${ENV.PATH}`, ...opts.env }, input: opts.input ?? '', maxBuffer: 1 << 30, encoding: 'utf8', timeout: RUN_TIMEOUT_MS,
  });
  return { stdout: r.stdout, stderr: r.stderr, code: r.status, signal: r.signal };
}

/** Async spawn of bin/<tool>, for tests that signal or race processes. */
export function start(tool: string, args: string[] = [], opts: { cwd?: string; env?: Record<string, string> } = {}) {
  return spawn(join(ROOT, 'bin', tool), args, { cwd: opts.cwd ?? ROOT, env: { ...ENV, ...opts.env }, stdio: ['pipe', 'pipe', 'pipe'] });
}

/** A fresh temporary folder, removed by the returned function. */
export function tempDir(prefix = 'bsky-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Parses NDJSON output into objects. */
export function ndjson<T = Record<string, unknown>>(text: string): T[] {
  return text.split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l) as T);
}

/**
 * Compares output with a golden file. `UPDATE_GOLDEN=1` rewrites it (review
 * with git diff); a missing golden file fails, so a lost file cannot pass.
 */
export function golden(t: { equal: (a: unknown, b: unknown, m?: string) => void; fail: (m: string) => void }, file: string, got: string): void {
  const name = file.startsWith(ROOT + '/') ? file.slice(ROOT.length + 1) : file;
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(file, got);
  if (!existsSync(file)) return t.fail(`missing golden file ${name}: UPDATE_GOLDEN=1 make test writes it`);
  t.equal(got, readFileSync(file, 'utf8'), `matches ${name}`);
}

/** Polls until cond() holds; false once ms have passed, so that a test fails instead of hanging. */
export async function waitUntil(cond: () => boolean, ms = 30_000, every = 20): Promise<boolean> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) return false;
    await new Promise((r) => setTimeout(r, every));
  }
  return true;
}

/**
 * A child's exit code (or signal name) once it has closed; a child still
 * running after ms is killed and the result is 'timeout', failing the test.
 */
export function exited(child: ChildProcess, ms = 60_000): Promise<number | string | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode ?? child.signalCode);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve('timeout');
    }, ms);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve(code ?? signal);
    });
  });
}
