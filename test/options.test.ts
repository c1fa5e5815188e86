import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'tape';
import { checkValue, showDuration, type OptionSpec } from '../lib/cli/tool.js';
import { run, tempDir } from './helpers.js';

/** Every numeric and duration option of every tool, with values that must be refused. */
const BAD: Array<[tool: string, flag: string, values: string[]]> = [
  ['bsky-parse', '--max-line', ['-1', '0', '1.5', 'abc']],
  ['bsky-parse', '--max-depth', ['-5', '0', '1000000000']],
  ['bsky-parse', '--threads', ['-1', '2.5', '65']],
  ['bsky-parse', '--dedupe-window', ['-1s', '2d', 'soon']],
  ['bsky-parse', '--max-ahead', ['-5m', 'never']],
  ['bsky-parse', '--max-behind', ['1x', '-1d']],
  ['handle-stream', '--rotate-every', ['30d', '0', '-1s']],
  ['handle-stream', '--rotate-bytes', ['0', '1.5']],
  ['handle-stream', '--dedupe-window', ['-1s', '30d']],
  ['handle-stream', '--max-line', ['-1']],
  ['handle-stream', '--threads', ['1e9']],
  ['handle-stream', '--max-ahead', ['forever']],
  ['periodic', '--archive-days', ['-1', '0.5', '1e9']],
  ['periodic', '--lock-stale', ['99999d', '0', '10ms']],
  ['periodic', '--min-likes', ['0', '2.5']],
  ['periodic', '--within', ['0', '2d']],
  ['periodic', '--top', ['-3']],
  ['bsky-metric', '--min-likes', ['-1']],
  ['bsky-metric', '--within', ['30d']],
  ['bsky-metric', '--lateness', ['-1m']],
  ['bsky-metric', '--max-line', ['0']],
  ['bsky-window', '--size', ['0', '-1m']],
  ['bsky-window', '--hop', ['0', 'x']],
  ['bsky-window', '--lateness', ['-1s']],
  ['bsky-flatten', '--max-line', ['1.5']],
  ['bsky-csv', '--max-line', ['-1']],
  ['bsky-plot', '--width', ['5', '20.5', '2000']],
  ['bsky-plot', '--height', ['0', '1.5']],
  ['bsky-gen', '--events', ['-1', '1.5']],
  ['bsky-gen', '--rate', ['0', '-5', '1e-9']],
  ['bsky-gen', '--bad-rate', ['1', '-0.1']],
  ['bsky-gen', '--dup-rate', ['2']],
  ['bsky-gen', '--fast-likers', ['-1', '0.5']],
  ['bsky-gen', '--engineering', ['1.5']],
  ['bsky-gen', '--users', ['1', '1e12']],
  ['bsky-jetstream', '--idle-timeout', ['30d', '0']],
  ['bsky-jetstream', '--backoff-base', ['99999d']],
  ['bsky-jetstream', '--backoff-cap', ['25d']],
  ['bsky-jetstream', '--healthy-after', ['-1s']],
  ['bsky-jetstream', '--save-every', ['0']],
  ['bsky-jetstream', '--rewind', ['2d']],
  ['bsky-jetstream', '--max-message', ['0', '1.5']],
];

test('every tool: a bad number or duration is a usage error naming the flag, before anything is done', (t) => {
  const { dir, cleanup } = tempDir();
  try {
    for (const [tool, flag, values] of BAD) {
      for (const value of values) {
        // --flag=value: a value starting with a dash would read as an option otherwise.
        const r = run(tool, [`${flag}=${value}`], '', { cwd: dir });
        const lines = r.stderr.split('\n').filter((l) => l);
        t.equal(r.code, 2, `${tool} ${flag} ${value}: exit 2`);
        t.ok(lines.length === 2 && lines[0].startsWith(`${tool}: ${flag}: expected `) && lines[1] === `Try '${tool} --help' for more information.`, `${tool} ${flag} ${value}: one line naming the flag, then the pointer to --help (${lines[0]})`);
        t.equal(r.stdout, '', `${tool} ${flag} ${value}: nothing on stdout`);
      }
    }
    t.deepEqual(readdirSync(dir), [], 'no tool created a spool, state or metrics folder');
  } finally {
    cleanup();
  }
  t.end();
});

test('every tool: the limits themselves are accepted', (t) => {
  const { dir, cleanup } = tempDir();
  try {
    const cases: Array<[string, string[]]> = [
      ['bsky-parse', ['--max-line', '1', '--max-depth', '1000', '--threads', '0', '--dedupe-window', '1d', '--max-ahead', 'off', '--max-behind', '0']],
      ['periodic', ['--archive-days', '0', '--lock-stale', '24d', '--quiet']],
      ['bsky-plot', ['--width', '20', '--height', '200']],
      ['bsky-gen', ['--events', '0', '--rate', '0.001', '--quiet']],
    ];
    for (const [tool, args] of cases) {
      const r = run(tool, args, '', { cwd: dir });
      t.equal(r.code, 0, `${tool} ${args.join(' ')}: exit 0 (${r.stderr.trim()})`);
    }
    t.ok(existsSync(join(dir, 'state')), 'periodic ran');
  } finally {
    cleanup();
  }
  t.end();
});

test('checkValue: integers, inclusive and exclusive bounds, durations with zero and words', (t) => {
  const count: OptionSpec = { type: 'number', describe: '', integer: true, min: 1, max: 10 };
  t.equal(checkValue(count, 1), undefined);
  t.equal(checkValue(count, 10), undefined);
  t.equal(checkValue(count, 0), 'expected a whole number from 1 to 10, got 0');
  t.equal(checkValue(count, 1.5), 'expected a whole number from 1 to 10, got 1.5');
  t.equal(checkValue(count, NaN, 'x'), "expected a number, got 'x'");
  t.equal(checkValue(count, Infinity), 'expected a finite number, got Infinity');
  const fraction: OptionSpec = { type: 'number', describe: '', min: 0, below: 1 };
  t.equal(checkValue(fraction, 0), undefined);
  t.equal(checkValue(fraction, 1), 'expected a number at least 0 and below 1, got 1');
  const timer: OptionSpec = { type: 'string', describe: '', duration: true, min: 1000, max: 24 * 86_400_000_000 };
  t.equal(checkValue(timer, '24d'), undefined);
  t.equal(checkValue(timer, '25d'), "expected a duration from 1ms to 24d (e.g. 10s, 5m), got '25d'");
  t.equal(checkValue(timer, '0'), "expected a duration from 1ms to 24d (e.g. 10s, 5m), got '0'");
  const window: OptionSpec = { type: 'string', describe: '', duration: true, zero: true, words: ['off'] };
  for (const ok of ['0', '0s', '0.0m', 'off', '90s']) t.equal(checkValue(window, ok), undefined, `${ok} accepted`);
  t.equal(checkValue(window, 'on'), "expected a duration (e.g. 10s, 5m, 0, off), got 'on'");
  t.equal(showDuration(90_000_000), '90s');
  t.equal(showDuration(1500), '1500us');
  t.end();
});

test('bsky-parse: --max-depth 1000 still rejects a record nested 100,000 deep instead of overflowing the stack', (t) => {
  const deep = '['.repeat(100_000) + '1' + ']'.repeat(100_000);
  const line = `{"timestamp":"2025-03-16T12:00:00.000000","action":"create","path":"app.bsky.feed.like/3abc","cid":"x","repo":"did:plc:abc","record":{"a":${deep}}}\n`;
  for (const threads of ['0', '1']) {
    const r = run('bsky-parse', ['--max-depth', '1000', '--threads', threads], line);
    t.equal(r.code, 0, `--threads ${threads}: exit 0`);
    t.match(r.stderr, /stdin:1: .*(deeper than 1000|nest)/, `--threads ${threads}: the line is rejected for its depth`);
  }
  t.end();
});

/** Bytes a terminal would act on: C0 controls but the newline, DEL, C1 controls (as UTF-8) and bidi overrides. */
const RAW_CONTROL = /[\x00-\x09\x0b-\x1f\x7f\x80-\x9f\u202a-\u202e\u2066-\u2069]/;

test('every tool: control bytes and terminal escapes from bad input are shown escaped on stderr, kept verbatim in --rejects', (t) => {
  const { dir, cleanup } = tempDir();
  try {
    const bad = '\x1b]0;pwned\x07{"a":"\u202e\x9b2J"\n';
    const cases: Array<[string, string[]]> = [
      ['bsky-parse', ['--threads', '0']],
      ['bsky-parse', ['--threads', '1']],
      ['bsky-flatten', []],
      ['bsky-window', []],
      ['bsky-metric', ['all']],
      ['bsky-csv', []],
      ['bsky-plot', []],
      ['handle-stream', ['--spool', join(dir, 'spool')]],
    ];
    for (const [tool, args] of cases) {
      const rejects = join(dir, `${tool}.rejects`);
      const r = run(tool, [...args, ...(tool === 'bsky-plot' || tool === 'handle-stream' ? [] : ['--rejects', rejects])], bad);
      t.notOk(RAW_CONTROL.test(r.stderr), `${tool} ${args.join(' ')}: no raw control character on stderr`);
      t.ok(r.stderr.includes('\\x1b') || tool === 'bsky-plot', `${tool} ${args.join(' ')}: the escape shown as \\x1b (${r.stderr.split('\n')[0]})`);
      if (existsSync(rejects)) t.equal(readFileSync(rejects, 'utf8'), bad, `${tool}: the rejects file keeps the line verbatim`);
    }
    t.equal(readFileSync(join(dir, 'spool', 'rejects.ndjson'), 'utf8'), bad, 'handle-stream: the spool rejects file keeps the line verbatim');
    // A bad line in a segment reaches periodic's stderr the same way.
    writeFileSync(join(dir, 'spool', 'seg-20250316T120000000Z-1-000000.ndjson'), bad);
    const p = run('periodic', ['--spool', join(dir, 'spool'), '--state', join(dir, 'state'), '--metrics', join(dir, 'metrics'), '--lake', join(dir, 'lake')]);
    t.notOk(RAW_CONTROL.test(p.stderr), 'periodic: no raw control character on stderr');
    t.match(p.stderr, /\\x1b/, 'periodic: the escape shown as \\x1b');
    // And in names given on the command line.
    const named = run('bsky-flatten', ['no-such-\x1b[2J-file']);
    t.equal(named.code, 1);
    t.equal(named.stderr.split('\n').length, 2, 'one line');
    t.notOk(RAW_CONTROL.test(named.stderr), 'a file name with an escape is shown escaped');
    const usage = run('bsky-csv', ['--no-such-\x1b[2J']);
    t.notOk(RAW_CONTROL.test(usage.stderr), 'an unknown option with an escape is shown escaped');
  } finally {
    cleanup();
  }
  t.end();
});
