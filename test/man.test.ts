import test from 'tape';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENV, ROOT, RUN_TIMEOUT_MS, run } from './helpers.js';

// The man pages: one per binary, built from the tool's own ToolSpec (as --help
// is) and the prose in man/src/<tool>.md.
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string>; man: string[] };
const TOOLS = Object.keys(pkg.bin);
const HAS_MAN = spawnSync('man', ['--version'], { encoding: 'utf8' }).status === 0;

test('man: every binary has its prose, its page, and package.json installs the page', (t) => {
  for (const tool of TOOLS) {
    t.ok(existsSync(join(ROOT, 'man', 'src', `${tool}.md`)), `man/src/${tool}.md exists`);
    t.ok(existsSync(join(ROOT, 'man', `${tool}.1`)), `man/${tool}.1 is built`);
    t.ok(pkg.man.includes(`man/${tool}.1`), `package.json lists man/${tool}.1`);
  }
  t.equal(pkg.man.length, TOOLS.length, 'and no other page');
  t.end();
});

test('man: every page names every option and example that --help shows', (t) => {
  for (const tool of TOOLS) {
    const page = readFileSync(join(ROOT, 'man', `${tool}.1`), 'utf8').replace(/\\-/g, '-').replace(/\\e/g, '\\').replace(/\\f[BIR]/g, '');
    const help = run(tool, ['--help']).stdout;
    const flags = [...help.matchAll(/^\s+(?:-\w, )?(--[\w-]+)/gm)].map((m) => m[1]);
    t.ok(flags.length >= 3, `${tool}: --help lists options (${flags.length})`);
    t.deepEqual(flags.filter((f) => !page.includes(`${f} `) && !page.includes(`${f}\n`) && !page.includes(`${f},`)), [], `${tool}: every option of --help is in the page`);
    const spec = JSON.parse(run(tool, [], '', { env: { BSKY_TOOL_SPEC: '1' } }).stdout) as { examples: Array<[string, string]> };
    t.deepEqual(spec.examples.map((e) => e[0]).filter((cmd) => !page.includes(cmd)), [], `${tool}: every example of --help is in the page`);
  }
  t.end();
});

test('man: every page renders with man -l without a warning, with the sections a man page has', { skip: !HAS_MAN }, (t) => {
  for (const tool of TOOLS) {
    const r = spawnSync('man', ['-l', join(ROOT, 'man', `${tool}.1`)], { env: { ...ENV, MANWIDTH: '80', MANPAGER: 'cat', PAGER: 'cat' }, encoding: 'utf8', timeout: RUN_TIMEOUT_MS });
    t.equal(r.status, 0, `${tool}: man -l exits 0`);
    t.equal(r.stderr, '', `${tool}: no warning`);
    const sections = ['NAME', 'SYNOPSIS', 'DESCRIPTION', 'OPTIONS', 'EXIT STATUS', 'EXAMPLES', 'SEE ALSO'];
    t.deepEqual(sections.filter((s) => !new RegExp(`^${s}$`, 'm').test(r.stdout)), [], `${tool}: ${sections.join(', ')}`);
    t.match(r.stdout, new RegExp(`^NAME\\n {7}${tool} +- `, 'm'), `${tool}: NAME line`);
  }
  t.end();
});
