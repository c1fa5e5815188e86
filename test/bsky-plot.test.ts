import test from 'tape';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, sh, tempDir } from './helpers.js';

const TOP = 'word,count\nsoftware,42\ndata,37\npython,30\ncareer,21\ndesign,18\nsystems,15\nai,12\nlearning,9\njob,7\nrust,7\n';
const minutes = (n: number): string => {
  let s = 'time,likes\n';
  for (let i = 0; i < n; i++) {
    const d = new Date(Date.UTC(2025, 2, 16, 13, 0) + i * 60_000).toISOString();
    s += `${d.slice(0, 10)} ${d.slice(11, 16)}:00,${(i * 7) % 23}\n`;
  }
  return s;
};
const width = (line: string): number => [...line].length;
const ESC = /\x1b\[/;

function files(contents: Record<string, string>): { dir: string; cleanup: () => void } {
  const t = tempDir();
  for (const [name, text] of Object.entries(contents)) writeFileSync(join(t.dir, name), text);
  return t;
}

test('bsky-plot: a metrics file draws ten labelled bars under its name, with a summary on stderr', (t) => {
  const { dir, cleanup } = files({ 'top-10-word.csv': TOP });
  const r = run('bsky-plot', ['top-10-word.csv'], '', { cwd: dir });
  const lines = r.stdout.trimEnd().split('\n');
  t.equal(r.code, 0);
  t.equal(lines[0], 'top-10-word.csv: count by word');
  t.equal(lines.length, 11);
  t.match(lines[1], /^software ┤█+ 42$/);
  t.equal(width(lines[1]), 80, 'the longest bar fills 80 columns when piped');
  t.match(lines[10], /^rust     ┤[█-▏]+ 7$/);
  t.equal(r.stderr, 'bsky-plot: 11 lines, 10 rows, 0 rejected\n');
  cleanup();
  t.end();
});

test('bsky-plot: several files give one chart each, separated by a blank line', (t) => {
  const { dir, cleanup } = files({ 'a.csv': TOP, 'b.csv': 'weekday,posts\nMon,3\nTue,4\n' });
  const r = run('bsky-plot', ['a.csv', 'b.csv'], '', { cwd: dir });
  const charts = r.stdout.split('\n\n');
  t.equal(r.code, 0);
  t.equal(charts.length, 2);
  t.equal(charts[1].split('\n')[0], 'b.csv: posts by weekday');
  t.equal(r.stderr, 'bsky-plot: 14 lines, 12 rows, 0 rejected\n');
  cleanup();
  t.end();
});

test('bsky-plot: stdin is read when no file is named, and named stdin', (t) => {
  const r = run('bsky-plot', [], 'hour,posts\n00,1\n01,2\n');
  t.equal(r.stdout.split('\n')[0], 'stdin: posts by hour');
  t.equal(run('bsky-plot', ['-'], 'hour,posts\n00,1\n').stdout.split('\n')[0], 'stdin: posts by hour');
  t.end();
});

test('bsky-plot: a time series is drawn as columns over time; --type bar forces bars', (t) => {
  const r = run('bsky-plot', ['--height', '5'], minutes(30));
  const lines = r.stdout.trimEnd().split('\n');
  t.equal(lines.length, 1 + 5 + 1 + 1, 'title, 5 rows, axis, time labels');
  t.match(lines[1], /^22 ┤/);
  t.match(lines[5], /^ 0 ┤/);
  t.equal(lines[7].trim().replace(/  +/, '|'), '2025-03-16 13:00:00|2025-03-16 13:29:00');
  const bars = run('bsky-plot', ['--type', 'bar'], minutes(30));
  t.equal(bars.stdout.trimEnd().split('\n').length, 31);
  t.match(bars.stdout.split('\n')[1], /^2025-03-16 13:00:00 ┤ 0$/);
  t.end();
});

test('bsky-plot: --type columns and --type line draw any table over its rows', (t) => {
  const cols = run('bsky-plot', ['--type', 'columns', '--height', '3'], TOP);
  t.deepEqual(cols.stdout.split('\n').slice(1, 4).map((l) => l.slice(0, 4)), ['42 ┤', '   │', ' 0 ┤']);
  t.match(cols.stdout, /software +rust\n$/);
  const line = run('bsky-plot', ['--type', 'line', '--height', '2'], TOP);
  t.match(line.stdout.split('\n')[1], /^42 ┤[\u2800-\u28ff]+$/);
  t.match(line.stdout.split('\n')[2], /^ 7 ┤/);
  t.end();
});

test('bsky-plot: --width fits every line, folds points and says how in the title', (t) => {
  const r = run('bsky-plot', ['--width', '30'], minutes(100));
  const lines = r.stdout.trimEnd().split('\n');
  t.equal(lines[0], 'stdin: likes by time (sum of …', 'a long title is cut');
  t.ok(lines.every((l) => width(l) <= 30), 'no line over 30 cells');
  const max = run('bsky-plot', ['--width', '60', '--agg', 'max'], minutes(100));
  t.equal(max.stdout.split('\n')[0], 'stdin: likes by time (max of 2 points per column)');
  t.match(max.stdout.split('\n')[1], /^22 ┤/, 'max keeps the peak');
  const mean = run('bsky-plot', ['--width', '60', '--agg', 'mean'], minutes(100));
  t.match(mean.stdout.split('\n')[0], /\(mean of 2 points per column\)$/);
  const bars = run('bsky-plot', ['--width', '25'], TOP);
  t.ok(bars.stdout.trimEnd().split('\n').every((l) => width(l) <= 25));
  t.end();
});

test('bsky-plot: --title replaces the heading of every chart', (t) => {
  const r = run('bsky-plot', ['--title', 'Top words'], TOP);
  t.equal(r.stdout.split('\n')[0], 'Top words');
  t.end();
});

test('bsky-plot: --label and --value pick columns of a CSV or fields of NDJSON', (t) => {
  const csv = run('bsky-plot', ['--label', 'lang', '--value', 'posts'], 'n,lang,posts\n1,en,10\n2,ja,5\n');
  t.equal(csv.stdout.split('\n')[0], 'stdin: posts by lang');
  t.match(csv.stdout.split('\n')[1], /^en ┤█+ 10$/);
  const nd = run('bsky-plot', [], '{"word":"data","count":3}\n\n{"word":"ai","count":1}\n');
  t.equal(nd.stdout.split('\n')[0], 'stdin: count by word', 'NDJSON takes its first two keys');
  t.equal(nd.stderr, 'bsky-plot: 3 lines, 2 rows, 0 rejected\n');
  const missing = run('bsky-plot', ['--value', 'likes'], TOP);
  t.equal(missing.code, 1, 'an unknown column fails the input');
  t.equal(missing.stderr.split('\n')[0], "bsky-plot: stdin: --value: no column 'likes' (columns: word, count)");
  t.equal(missing.stdout, '');
  t.end();
});

test('bsky-plot: --no-header takes the first row as data', (t) => {
  const r = run('bsky-plot', ['--no-header'], 'a,2\nb,1\n');
  t.equal(r.stdout.split('\n')[0], 'stdin: value by label');
  t.equal(r.stdout.trimEnd().split('\n').length, 3);
  t.end();
});

test('bsky-plot: bad rows are reported with file and line, skipped, and kept by --rejects', (t) => {
  const { dir, cleanup } = files({ 'm.csv': 'word,count\na,1\nb,2\n\nc,3\nd,4\ne,5\nf,x\ng\nh,7\n' });
  const r = run('bsky-plot', ['m.csv', '--rejects', 'bad.csv'], '', { cwd: dir });
  t.equal(r.code, 0, 'skipped rows alone exit 0');
  t.equal(r.stderr, "bsky-plot: m.csv:8: not a number: 'x'\nbsky-plot: m.csv:9: missing value: 1 column\nbsky-plot: 10 lines, 6 rows, 2 rejected\n");
  t.equal(r.stdout.trimEnd().split('\n').length, 7);
  t.equal(readFileSync(join(dir, 'bad.csv'), 'utf8'), 'f,x\ng\n');
  const q = run('bsky-plot', ['-q', 'm.csv'], '', { cwd: dir });
  t.equal(q.stderr, '', '--quiet silences errors and summary');
  t.equal(q.stdout, r.stdout);
  const strict = run('bsky-plot', ['--strict', 'm.csv'], '', { cwd: dir });
  t.equal(strict.code, 1);
  t.equal(strict.stderr, "bsky-plot: m.csv:8: not a number: 'x' (--strict)\n");
  t.equal(strict.stdout, '', '--strict draws nothing of the bad input');
  cleanup();
  t.end();
});

test('bsky-plot: invalid UTF-8 and bad JSON lines are rejected like every tool', (t) => {
  const r = run('bsky-plot', [], Buffer.concat([Buffer.from('{"w":"a","n":1}\n'), Buffer.from([0xff, 0x0a]), Buffer.from('{"w":\n{"w":"b","n":2}\n')]));
  t.equal(r.code, 0);
  const errs = r.stderr.split('\n');
  t.equal(errs[0], 'bsky-plot: stdin:2: invalid UTF-8');
  t.match(errs[1], /^bsky-plot: stdin:3: invalid JSON/);
  t.equal(r.stdout.trimEnd().split('\n').length, 3);
  t.end();
});

test('bsky-plot: empty input, a header alone and zeros draw an empty chart and exit 0', (t) => {
  const empty = run('bsky-plot', [], '');
  t.equal(empty.code, 0);
  t.equal(empty.stdout, 'stdin: value by label\n(no data)\n');
  t.equal(empty.stderr, 'bsky-plot: 0 lines, 0 rows, 0 rejected\n');
  t.equal(run('bsky-plot', [], 'word,count\n').stdout, 'stdin: count by word\n(no data)\n');
  t.equal(run('bsky-plot', [], 'word,count\na,0\nb,0\n').stdout, 'stdin: count by word\na ┤ 0\nb ┤ 0\n');
  t.end();
});

test('bsky-plot: a missing file is reported, the other files still drawn, exit 1', (t) => {
  const { dir, cleanup } = files({ 'a.csv': TOP });
  const r = run('bsky-plot', ['nope.csv', 'a.csv'], '', { cwd: dir });
  t.equal(r.code, 1);
  t.match(r.stderr, /^bsky-plot: nope\.csv: ENOENT/);
  t.equal(r.stdout.split('\n')[0], 'a.csv: count by word');
  cleanup();
  t.end();
});

test('bsky-plot: colour only when asked or on a terminal without NO_COLOR', (t) => {
  t.doesNotMatch(run('bsky-plot', [], TOP, { env: { NO_COLOR: '' } }).stdout, ESC, 'piped output has no escape codes, even without NO_COLOR');
  t.match(run('bsky-plot', ['--color', 'always'], TOP).stdout, /\x1b\[32m█+\x1b\[0m 42/, '--color always wins over NO_COLOR');
  t.doesNotMatch(run('bsky-plot', ['--color', 'never'], TOP).stdout, ESC);
  const cmd = (env: string): string => `script -qec "env -i PATH=$PATH ${env} TERM=xterm bin/bsky-plot --width 40 -q" /dev/null`;
  const probe = sh('command -v script');
  if (probe.code !== 0) {
    t.skip('script(1) is missing: no terminal to test');
  } else {
    const input = 'word,count\na,2\n';
    t.match(sh(cmd(''), { input }).stdout, ESC, 'a terminal gets colour');
    t.doesNotMatch(sh(cmd('NO_COLOR=1'), { input }).stdout, ESC, 'NO_COLOR turns it off on a terminal');
  }
  t.end();
});

test('bsky-plot: | head ends quietly with status 0', (t) => {
  const { dir, cleanup } = files({ 'big.csv': minutes(3000) });
  const r = sh(`bin/bsky-plot --type bar ${dir}/big.csv ${dir}/big.csv | head -n 2`);
  t.equal(r.code, 0);
  t.equal(r.stdout.split('\n').length, 3);
  t.equal(r.stderr, '');
  cleanup();
  t.end();
});

test('bsky-plot: --help, --version, and usage errors exit 2', (t) => {
  const help = run('bsky-plot', ['--help']);
  t.equal(help.code, 0);
  t.match(help.stdout, /Examples:/);
  t.match(help.stdout, /--agg/);
  t.match(run('bsky-plot', ['--version']).stdout, /^bsky-plot \d+\.\d+\.\d+\n$/);
  for (const args of [['--nope'], ['--type', 'pie'], ['--width', '5'], ['--height', '0'], ['--width', 'wide'], ['--color', 'pink'], ['--agg', 'median']]) {
    const r = run('bsky-plot', args);
    t.equal(r.code, 2, `${args.join(' ')} is a usage error`);
    t.match(r.stderr, /Try 'bsky-plot --help'/);
    t.equal(r.stdout, '');
  }
  t.end();
});
