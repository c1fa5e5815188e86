import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'tape';
import type { OptionSpec, ToolSpec } from '../lib/cli/tool.js';
import { METRICS } from '../lib/metrics/registry.js';
import { ENV, ROOT, RUN_TIMEOUT_MS, run, tempDir } from './helpers.js';

// One spelling per meaning, across every binary: the same option name has the
// same type, zero rule and wording everywhere, help lines read alike, and
// every spelling of a filter gives the same output.
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> };
const TOOLS = Object.keys(pkg.bin);
const SPECS = new Map<string, ToolSpec>(TOOLS.map((tool) => [tool, JSON.parse(run(tool, [], '', { env: { BSKY_TOOL_SPEC: '1' } }).stdout) as ToolSpec]));
const shown = (o: OptionSpec): string | undefined => o.defaultText ?? (o.default === undefined ? undefined : String(o.default));
const aliases = (o: OptionSpec): string[] => [o.alias ?? []].flat().sort();

test('every tool: an option name has one type, zero rule, list rule and set of aliases wherever it appears', (t) => {
  const seen = new Map<string, [string, OptionSpec]>();
  for (const [tool, spec] of SPECS) {
    for (const [name, o] of Object.entries(spec.options)) {
      const first = seen.get(name);
      if (!first) {
        seen.set(name, [tool, o]);
        continue;
      }
      const [other, p] = first;
      const shape = (x: OptionSpec) => ({ type: x.type, duration: x.duration === true, zero: x.zero === true, list: x.list === true, array: x.array === true, aliases: aliases(x) });
      t.deepEqual(shape(o), shape(p), `--${name}: ${tool} as ${other}`);
    }
  }
  t.ok(seen.size > 50, `${seen.size} distinct option names checked`);
  t.end();
});

test('every tool: help lines are lower-case phrases without a full stop, defaults shown as [default: X] only', (t) => {
  for (const [tool, spec] of SPECS) {
    const help = run(tool, ['--help']).stdout;
    t.doesNotMatch(help, /Show help|\[default: "/, `${tool}: no yargs-cased line, no quoted default`);
    for (const [name, o] of Object.entries(spec.options)) {
      t.ok(/^[a-z0-9(-]/.test(o.describe) && !/\.$/.test(o.describe), `${tool} --${name}: '${o.describe.slice(0, 30)}...' lower-case, no full stop`);
      t.doesNotMatch(o.describe, /[([]default[: ]/i, `${tool} --${name}: no default written in the description`);
      const d = shown(o);
      if (d !== undefined) t.ok(help.replace(/\s+/g, ' ').includes(`[default: ${d}]`), `${tool} --${name}: --help shows [default: ${d}]`);
    }
  }
  t.end();
});

test('every tool: each example of --help is a whole line, never wrapped mid-command', (t) => {
  for (const [tool, spec] of SPECS) {
    const lines = run(tool, ['--help'], '', { env: { COLUMNS: '40' } }).stdout.split('\n').map((l) => l.trim());
    t.ok(spec.examples.length > 0, `${tool}: has examples`);
    for (const [cmd] of spec.examples) t.ok(lines.includes(cmd), `${tool}: '${cmd.slice(0, 50)}' on a line of its own`);
  }
  t.end();
});

test('periodic and bsky-metric: the metric parameters have the same names, types, bounds and defaults', (t) => {
  const metric = SPECS.get('bsky-metric')!.options;
  const periodic = SPECS.get('periodic')!.options;
  for (const name of ['min-likes', 'within', 'lateness', 'keyword', 'top']) {
    t.ok(metric[name] !== undefined, `bsky-metric has --${name}`);
    t.deepEqual(periodic[name], metric[name], `--${name}: the same declaration in both`);
    t.ok(shown(metric[name]) !== undefined, `--${name}: shows its default`);
  }
  t.end();
});

test('bsky-metric --help: every metric name and alias is listed', (t) => {
  const help = run('bsky-metric', ['--help']).stdout.replace(/\s+/g, ' ');
  const names = METRICS.flatMap((m) => [m.name, ...m.aliases]);
  t.ok(names.includes('top-10-word'), 'top-10-word is an alias');
  for (const name of names) t.ok(help.includes(name), `--help names ${name}`);
  t.end();
});

test('every tool: --help and --version to a full stdout exit 1 with one line naming stdout', (t) => {
  for (const tool of TOOLS) {
    for (const flag of ['--help', '--version']) {
      const full = openSync('/dev/full', 'w');
      try {
        const r = spawnSync(join(ROOT, 'bin', tool), [flag], { env: ENV, stdio: ['ignore', full, 'pipe'], encoding: 'utf8', timeout: RUN_TIMEOUT_MS });
        t.equal(r.status, 1, `${tool} ${flag} > /dev/full: exit 1`);
        t.match(r.stderr, new RegExp(`^${tool}: stdout: [^\\n]*no space left on device\\n$`, 'i'), `${tool} ${flag}: one line naming stdout (${r.stderr.trim()})`);
      } finally {
        closeSync(full);
      }
    }
  }
  t.end();
});

test('every tool: --help to a reader that leaves early (| head -1) is success', (t) => {
  for (const tool of TOOLS) {
    const r = spawnSync('bash', ['-c', `set -o pipefail; "${join(ROOT, 'bin', tool)}" --help | head -c 10 >/dev/null`], { env: ENV, encoding: 'utf8', timeout: RUN_TIMEOUT_MS });
    t.equal(r.status, 0, `${tool} --help | head: exit 0 (${r.stderr.trim()})`);
  }
  t.end();
});

/** The last number option with a lower bound: given below it, it stops the check after every option before it. */
function poison(spec: ToolSpec): [string, string] {
  const [name, o] = Object.entries(spec.options).filter(([, o]) => o.type === 'number' && o.min !== undefined && o.integer).at(-1)!;
  return [name, String(o.min! - 1)];
}

test('every tool: every duration option takes 0 and 0s alike where zero is allowed, and refuses both in the same words elsewhere', (t) => {
  const { dir, cleanup } = tempDir();
  let checked = 0;
  try {
    for (const [tool, spec] of SPECS) {
      const durations = Object.entries(spec.options).filter(([, o]) => o.duration);
      if (durations.length === 0) continue;
      const [stop, below] = poison(spec);
      for (const [name, o] of durations) {
        const messages: string[] = [];
        for (const zero of ['0', '0s', '0.0m']) {
          // The later, bad --STOP shows that --NAME passed its check without running the tool.
          const r = run(tool, [`--${name}=${zero}`, `--${stop}=${below}`], '', { cwd: dir });
          t.equal(r.code, 2, `${tool} --${name}=${zero}: stops at a usage error`);
          const first = r.stderr.split('\n')[0];
          if (o.zero) t.ok(first.startsWith(`${tool}: --${stop}: `), `${tool} --${name}=${zero}: accepted (${first})`);
          else {
            t.match(first, new RegExp(`^${tool}: --${name}: expected a duration (above 0|at least \\S+|from \\S+ to \\S+)( and at most \\S+)? \\(e\\.g\\. 10s, 5m\\), got '${zero.replace('.', '\\.')}'$`), `${tool} --${name}=${zero}: refused (${first})`);
            messages.push(first.replace(/got '.*'$/, ''));
          }
        }
        if (!o.zero) t.equal(new Set(messages).size, 1, `${tool} --${name}: 0, 0s and 0.0m refused in the same words`);
        checked++;
      }
    }
  } finally {
    cleanup();
  }
  t.ok(checked >= 20, `${checked} duration options checked`);
  t.end();
});

test('bsky-flatten and bsky-window: --kinds/--kind/-k and --ops/--op give the same output, and refuse an empty list alike', (t) => {
  const capture = run('bsky-gen', ['--events', '3000', '--quiet']).stdout;
  const events = run('bsky-parse', ['--quiet'], capture).stdout;
  const rows = run('bsky-flatten', ['--quiet'], events).stdout;
  for (const [tool, input] of [['bsky-flatten', events], ['bsky-window', rows]] as const) {
    const spec = SPECS.get(tool)!;
    t.deepEqual(aliases(spec.options.kinds), ['k', 'kind'], `${tool}: --kinds, --kind, -k`);
    t.deepEqual(aliases(spec.options.ops), ['op'], `${tool}: --ops, --op`);
    const outputs = [
      ['--kinds', 'like', '--ops', 'create'], ['--kind', 'like', '--op', 'create'], ['-k', 'like', '--op=create'], ['--kind=like', '--ops=create'],
    ].map((args) => run(tool, ['--quiet', ...args], input));
    t.ok(outputs[0].stdout.length > 0 && outputs.every((r) => r.code === 0), `${tool}: every spelling runs`);
    t.ok(outputs.every((r) => r.stdout === outputs[0].stdout), `${tool}: every spelling gives the same bytes`);
    t.notEqual(run(tool, ['--quiet'], input).stdout, outputs[0].stdout, `${tool}: and the filter filters`);
  }
  for (const flag of ['--kinds', '--kind', '--ops', '--op']) {
    const said = ['bsky-flatten', 'bsky-window'].map((tool) => {
      const r = run(tool, [`${flag}=,`], '');
      t.equal(r.code, 2, `${tool} ${flag}=,: exit 2`);
      return r.stderr.slice(tool.length);
    });
    t.equal(said[0], said[1].replace(/bsky-window/g, 'bsky-flatten'), `${flag}=,: the same words in both tools`);
    t.match(said[0], new RegExp(`^: ${flag}: expected a comma-separated list, got ','\\n`), `${flag}=,: names the flag as typed`);
  }
  t.end();
});

test('handle-stream --dedupe-window 0 keeps duplicates, as bsky-parse does', (t) => {
  const { dir, cleanup } = tempDir();
  try {
    const capture = run('bsky-gen', ['--events', '500', '--dup-rate', '0.05', '--quiet']).stdout;
    const parsed = run('bsky-parse', ['--dedupe-window', '0'], capture);
    const spooled = run('handle-stream', ['--dedupe-window', '0', '--spool', join(dir, 'spool'), '--status', 'never', '--prom', join(dir, 'hs.prom')], capture);
    t.equal(spooled.code, 0, `handle-stream exits 0 (${spooled.stderr.trim()})`);
    t.match(parsed.stderr, / 0 duplicates/, 'bsky-parse: no duplicate dropped');
    t.match(spooled.stderr, / 0 duplicates/, 'handle-stream: no duplicate dropped');
    t.match(run('handle-stream', ['--spool', join(dir, 'spool2'), '--status', 'never', '--prom', join(dir, 'hs2.prom')], capture).stderr, / [1-9]\d* duplicates/, 'while the default drops them');
  } finally {
    cleanup();
  }
  t.end();
});
