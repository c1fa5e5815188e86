import test from 'tape';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, sh, tempDir } from './helpers.js';

// The progress line is drawn only when stderr is a terminal: util-linux script(1) (bsdutils, essential on
// Debian) gives the command a pseudo-terminal. Stdout goes to a file inside the command, so that what
// script prints is the command's stderr alone, with the terminal's \r\n for \n.
const { dir, cleanup } = tempDir('bsky-progress-');
const capture = join(dir, 'capture.ndjson');
const events = join(dir, 'events.ndjson');
const rows = join(dir, 'rows.ndjson');
writeFileSync(capture, run('bsky-gen', ['--events', '3000', '--seed', '7', '-q']).stdout);
writeFileSync(events, run('bsky-parse', ['-q', capture]).stdout);
writeFileSync(rows, run('bsky-flatten', ['-q', events]).stdout);

/** Runs a shell command line on a terminal (stderr only); returns what reached the terminal, with \n for \r\n. */
function onTerminal(command: string): { tty: string; code: number | null } {
  const r = sh(`script -qfec ${shellQuote(command)} /dev/null`, { cwd: dir });
  return { tty: r.stdout.replace(/\r\n/g, '\n'), code: r.code };
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

const hasScript = sh('command -v script').code === 0;

/** The drawings of the progress line in terminal output: every text after a carriage return and erase. */
function draws(tty: string, label: string): string[] {
  return tty.split('\r\x1b[K').filter((s) => s.startsWith(`${label}: `) && /% of /.test(s));
}

const tools: Array<[tool: string, args: string[]]> = [
  ['bsky-parse', [capture]],
  ['bsky-flatten', [events]],
  ['bsky-metric', ['-i', rows, 'all']],
  ['bsky-window', ['--by', 'kind', rows]],
];

test('progress: script(1) is here to give the tests a terminal', (t) => {
  t.ok(hasScript, 'script from util-linux (bsdutils) is installed');
  t.end();
});

for (const [tool, args] of tools) {
  test(`progress: ${tool} reading a file draws a progress line on a terminal that ends at 100% on its own line, stdout unchanged`, { skip: !hasScript }, (t) => {
    const plain = run(tool, args);
    t.equal(plain.code, 0);
    t.notOk(plain.stderr.includes('% of'), 'no progress line when stderr is a pipe');
    const r = onTerminal(`${tool} ${args.join(' ')} > out`);
    t.equal(r.code, 0);
    const drawn = draws(r.tty, tool);
    t.ok(drawn.length >= 1, 'drawn at least once');
    const last = drawn[drawn.length - 1] ?? '';
    t.match(last, new RegExp(`^${tool}: 100\\.0% of \\d+\\.\\d MB, \\d[\\d,]* lines, [\\d,]+/s, done in [\\d.]+ s\\n`), 'the final state: 100%, then a newline');
    t.ok(drawn.slice(0, -1).every((d) => !d.includes('\n')), 'earlier drawings overwrite each other on one line');
    t.ok(r.tty.endsWith(plain.stderr), 'the summary follows on a line of its own');
    t.ok(readFileSync(join(dir, 'out')).equals(Buffer.from(plain.stdout)), 'stdout byte-identical with and without the terminal');
    t.end();
  });
}

test('progress: the final line counts every line read', { skip: !hasScript }, (t) => {
  const r = onTerminal(`bsky-flatten ${events} > out`);
  const last = draws(r.tty, 'bsky-flatten').pop() ?? '';
  t.match(last, /, 3,0\d\d lines,/, 'the count of the summary, with thousands separated');
  const lines = Number(/bsky-flatten: (\d+) lines/.exec(r.tty)?.[1]);
  t.ok(last.includes(`, ${lines.toLocaleString('en-US')} lines,`), 'the same count as the summary');
  t.end();
});

test('progress: no progress line with --quiet, nor when stderr is a file, nor when stdin is a pipe', { skip: !hasScript }, (t) => {
  for (const [tool, args] of tools) {
    const quiet = onTerminal(`${tool} --quiet ${args.join(' ')} > out`);
    t.equal(quiet.code, 0);
    t.equal(quiet.tty, '', `${tool} --quiet: nothing on the terminal`);
    const toFile = onTerminal(`${tool} ${args.join(' ')} > out 2> err`);
    t.equal(toFile.tty, '', `${tool} with stderr to a file: nothing on the terminal`);
    const err = readFileSync(join(dir, 'err'), 'utf8');
    t.ok(!err.includes('% of') && !err.includes('\r'), `${tool}: the file holds the summary alone`);
  }
  const piped = onTerminal(`cat ${events} | bsky-flatten > out`);
  t.equal(piped.code, 0);
  t.equal(draws(piped.tty, 'bsky-flatten').length, 0, 'stdin a pipe: no size to measure against, no line (docs/CHOICES.md)');
  t.match(piped.tty, /^bsky-flatten: \d+ lines, /, 'the summary alone');
  const redirected = onTerminal(`bsky-flatten < ${events} > out`);
  t.match(draws(redirected.tty, 'bsky-flatten').pop() ?? '', /^bsky-flatten: 100\.0% of /, 'stdin redirected from a file: its size is known, the line is drawn');
  t.end();
});

// BSKY_PROGRESS_MS=0 draws at every chunk read: drawings in mid-run without waiting for the clock.
const EVERY_CHUNK = 'BSKY_PROGRESS_MS=0';

test('progress: redrawn in place as the input is read', { skip: !hasScript }, (t) => {
  const r = onTerminal(`${EVERY_CHUNK} bsky-flatten ${events} > out`);
  const drawn = draws(r.tty, 'bsky-flatten');
  t.ok(drawn.length > 2, `several drawings (the file is read in several chunks): ${drawn.length}`);
  const shares = drawn.map((d) => Number(/: ([\d.]+)% of/.exec(d)?.[1]));
  t.deepEqual(shares, [...shares].sort((a, b) => a - b), 'the percentage only grows');
  t.match(drawn[0], /^bsky-flatten: 0\.0% of [\d.]+ MB, 0 lines, 0\/s$/, 'drawn at the start');
  t.match(drawn[1], /, ETA [\d.]+ (s|min|h|days)$/, 'with an ETA while reading');
  t.end();
});

test('progress: an early exit (a closed stdout) leaves no half line for the prompt', { skip: !hasScript }, (t) => {
  const r = onTerminal(`${EVERY_CHUNK} bsky-flatten ${events} ${events} ${events} | head -c 100 > out`);
  t.equal(r.code, 0);
  t.ok(draws(r.tty, 'bsky-flatten').length >= 1, 'drawn before stdout closed');
  t.ok(r.tty.endsWith('\r\x1b[K'), `the line is wiped at exit: ${JSON.stringify(r.tty.slice(-60))}`);
  t.end();
});

test('progress: a message in mid-run (a failure, a rejected line) starts on a wiped line, never glued to the progress text', { skip: !hasScript }, (t) => {
  const bad = join(dir, 'bad.ndjson');
  const good = readFileSync(events, 'utf8').split('\n');
  writeFileSync(bad, [...good.slice(0, 2000), '{not json', ...good.slice(2000)].join('\n'));
  const strict = onTerminal(`${EVERY_CHUNK} bsky-flatten --strict ${bad} > out`);
  t.equal(strict.code, 1);
  t.ok(draws(strict.tty, 'bsky-flatten').length >= 1, 'drawn before the bad line');
  t.match(strict.tty, /\r\x1b\[Kbsky-flatten: [^\n]*bad\.ndjson:2001: [^\n]*\(--strict\)\n$/, 'the failure wipes the line first and ends the output');
  const full = onTerminal(`${EVERY_CHUNK} bsky-flatten ${events} > /dev/full`);
  t.equal(full.code, 1);
  t.ok(draws(full.tty, 'bsky-flatten').length >= 1, 'drawn before the write failed');
  t.match(full.tty, /\r\x1b\[Kbsky-flatten: stdout: [^\n]*\n$/, 'an output failure wipes the line first');
  const lenient = onTerminal(`${EVERY_CHUNK} bsky-flatten ${bad} > out`);
  t.equal(lenient.code, 0);
  t.match(lenient.tty, /(^|\n|\x1b\[K)bsky-flatten: [^\n]*bad\.ndjson:2001: /, 'a rejected line\'s message starts a line');
  t.match(draws(lenient.tty, 'bsky-flatten').pop() ?? '', /^bsky-flatten: 100\.0% of /, 'and the line comes back to its end');
  t.end();
});

test('progress: periodic catching up on a backlog draws the line over the segments\' bytes; --rebuild over the lake\'s events', { skip: !hasScript }, (t) => {
  const spool = (name: string): void => {
    t.equal(sh(`mkdir ${name} && cd ${name} && handle-stream -q < ${capture}`, { cwd: dir }).code, 0);
  };
  spool('a');
  spool('b');
  const folded = onTerminal('cd a && periodic --lake lake > out');
  t.equal(folded.code, 0);
  t.match(draws(folded.tty, 'periodic').pop() ?? '', /^periodic: 100\.0% of \d+\.\d MB, [\d,]+ events, [\d,]+\/s, done in [\d.]+ s\n$/, 'ends at 100% of the segments, on its own line');
  t.equal(sh('cd b && periodic --lake lake -q', { cwd: dir }).code, 0);
  const csvs = (name: string): string[] => readdirSync(join(dir, name, 'metrics')).sort().map((f) => readFileSync(join(dir, name, 'metrics', f), 'utf8'));
  t.deepEqual(csvs('a'), csvs('b'), 'the same metrics with and without the terminal');
  const idle = onTerminal('cd a && periodic --lake lake > out');
  t.equal(idle.tty, '', 'no segment to fold: no line');
  const rebuilt = onTerminal('cd a && periodic --lake lake --rebuild > out');
  t.equal(rebuilt.code, 0);
  t.match(draws(rebuilt.tty, 'periodic --rebuild').pop() ?? '', /^periodic --rebuild: 100\.0% of [\d,]+ events, [\d,]+\/s, done in [\d.]+ s\n$/, 'the rebuild ends at 100% of the lake\'s events');
  t.equal(onTerminal('cd a && periodic --lake lake --rebuild -q > out').tty, '', '--quiet: nothing');
  t.equal(onTerminal('cd b && periodic --lake lake --rebuild > out 2> err').tty, '', 'stderr to a file: nothing');
  t.equal(readFileSync(join(dir, 'b', 'err'), 'utf8'), '', 'and nothing in the file');
  t.end();
});

test('progress: clean up', (t) => {
  cleanup();
  t.pass('temporary folder removed');
  t.end();
});
