import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: compiled tests run from dist/test/. */
export const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
// BSKY_SHARED: where ../shared is when the checkout is elsewhere (a git worktree).
export const SHARED = process.env.BSKY_SHARED ?? resolve(ROOT, '..', 'shared');

export interface Run {
  stdout: string;
  stderr: string;
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A fixed environment, so that no user setting (TZ, colours, terminal) changes the output. */
export const ENV = { PATH: process.env.PATH ?? '/usr/bin:/bin', TZ: 'UTC', LANG: 'C.UTF-8', NO_COLOR: '1' };

/** Spawns bin/<tool> with arguments and stdin, and waits for it. */
export function run(tool: string, args: string[] = [], input: string | Buffer = '', opts: { cwd?: string; env?: Record<string, string> } = {}): Run {
  const r = spawnSync(join(ROOT, 'bin', tool), args, {
    input, cwd: opts.cwd ?? ROOT, env: { ...ENV, ...opts.env }, maxBuffer: 1 << 30, encoding: 'utf8',
  });
  return { stdout: r.stdout, stderr: r.stderr, code: r.status, signal: r.signal };
}

/** Runs a shell command line (for pipelines) from the repository root, with bin/ on PATH. */
export function sh(command: string, opts: { cwd?: string; env?: Record<string, string>; input?: string } = {}): Run {
  const r = spawnSync('bash', ['--norc', '--noprofile', '-o', 'pipefail', '-c', command], {
    cwd: opts.cwd ?? ROOT, env: { ...ENV, PATH: `${join(ROOT, 'bin')}:${ENV.PATH}`, ...opts.env }, input: opts.input ?? '', maxBuffer: 1 << 30, encoding: 'utf8',
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
