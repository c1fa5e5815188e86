import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One process of a measured command line: a label for the RSS column and its argv, shell-quoted when built. */
export interface Proc {
  label: string;
  argv: string[];
}

/** One timed run: wall seconds of the whole command, CPU seconds of all its processes (user + system), peak RSS (MB) per process label. */
export interface Sample {
  seconds: number;
  cpu: number;
  rss: Record<string, number>;
}

/** Quotes a word for bash. */
export function q(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`;
}

/**
 * Runs a pipeline of processes (stdin from a file or nothing, stdout to a file
 * or /dev/null) under bash with pipefail, each wrapped in GNU time for its
 * peak RSS. Throws with the stderr when the command fails.
 */
export function measure(procs: Proc[], io: { stdin?: string; stdout?: string; env?: Record<string, string> } = {}): Sample {
  const dir = mkdtempSync(join(tmpdir(), 'bsky-bench-'));
  try {
    const stages = procs.map((p, i) => `/usr/bin/time -f '%M %U %S' -o ${q(join(dir, `rss-${i}`))} ${p.argv.map(q).join(' ')}`);
    let cmd = stages.join(' | ');
    if (io.stdin) cmd = `${cmd.slice(0, stages[0].length)} < ${q(io.stdin)}${cmd.slice(stages[0].length)}`;
    cmd += ` > ${q(io.stdout ?? '/dev/null')}`;
    const started = performance.now();
    const r = spawnSync('bash', ['--norc', '--noprofile', '-o', 'pipefail', '-c', cmd], {
      env: { ...process.env, ...io.env }, encoding: 'utf8', maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'pipe'],
    });
    const seconds = (performance.now() - started) / 1000;
    if (r.status !== 0) throw new Error(`command failed (${r.status ?? r.signal}): ${cmd}\n${r.stderr.slice(-2000)}`);
    const rss: Record<string, number> = {};
    let cpu = 0;
    procs.forEach((p, i) => {
      // GNU time writes "Command exited with non-zero status N" before the figures: take the last line.
      const lines = readFileSync(join(dir, `rss-${i}`), 'utf8').trim().split('\n');
      const [kb, user, system] = lines[lines.length - 1].split(' ').map(Number);
      rss[p.label] = Math.max(rss[p.label] ?? 0, kb / 1024);
      cpu += user + system;
    });
    return { seconds, cpu, rss };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs a command once, untimed (set-up steps); throws with the stderr when it fails. */
export function step(argv: string[], io: { stdin?: string; stdout?: string } = {}): void {
  let cmd = argv.map(q).join(' ');
  if (io.stdin) cmd += ` < ${q(io.stdin)}`;
  if (io.stdout) cmd += ` > ${q(io.stdout)}`;
  const r = spawnSync('bash', ['--norc', '--noprofile', '-o', 'pipefail', '-c', cmd], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`command failed (${r.status ?? r.signal}): ${cmd}\n${r.stderr.slice(-2000)}`);
}

/** The median of a list of numbers. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}
