import test from 'tape';
import { exited, ndjson, run, sh, start } from './helpers.js';

const summary = /^bsky-gen: (\d+) events, (\d+) malformed, (\d+) blank, (\d+) duplicates, (\d+) fast likers\n$/;
const counts = (stderr: string): number[] => (summary.exec(stderr) ?? []).slice(1).map(Number);
const parseSummary = /bsky-parse: (\d+) lines, (\d+) events, (\d+) duplicates, (\d+) rejected, (\d+) blank\n$/;

test('bsky-gen: writes --events lines and a summary; the same seed gives the same bytes', (t) => {
  const a = run('bsky-gen', ['--events', '2000']);
  t.equal(a.code, 0);
  t.equal(ndjson(a.stdout).length, 2000);
  t.equal(a.stderr, 'bsky-gen: 2000 events, 0 malformed, 0 blank, 0 duplicates, 3 fast likers\n');
  t.equal(run('bsky-gen', ['--events', '2000']).stdout, a.stdout, 'default seed: reproducible');
  t.notEqual(run('bsky-gen', ['--events', '2000', '--seed', 'other']).stdout, a.stdout, 'another seed, other bytes');
  t.equal(run('bsky-gen', ['-n', '2000', '--seed', '1', '-q']).stdout, a.stdout, '-n, --seed 1 and -q');
  t.equal(run('bsky-gen', ['-n', '10', '-q']).stderr, '', '--quiet silences the summary');
  t.end();
});

test('bsky-gen: a clean capture parses with bsky-parse with nothing rejected, in both formats', (t) => {
  for (const format of ['takehome', 'jetstream']) {
    const r = sh(`bin/bsky-gen -q -n 20000 --format ${format} --bad-rate 0 --dup-rate 0 | bin/bsky-parse > /dev/null`);
    t.equal(r.code, 0);
    t.equal(r.stderr, 'bsky-parse: 20000 lines, 20000 events, 0 duplicates, 0 rejected, 0 blank\n', format);
  }
  t.end();
});

test('bsky-gen: bsky-parse rejects exactly the malformed lines and drops exactly the duplicates', (t) => {
  for (const format of ['takehome', 'jetstream']) {
    const r = sh(`bin/bsky-gen -n 20000 --format ${format} --bad-rate 0.02 --dup-rate 0.02 --seed 5 2>gen.err | bin/bsky-parse -q | wc -l; bin/bsky-gen -q -n 20000 --format ${format} --bad-rate 0.02 --dup-rate 0.02 --seed 5 | bin/bsky-parse 2>&1 >/dev/null | tail -1; cat gen.err; rm gen.err`);
    const [kept, parseLine, genLine] = r.stdout.split('\n');
    const [events, malformed, blank, duplicates] = counts(genLine + '\n');
    const p = (parseSummary.exec(parseLine + '\n') ?? []).slice(1).map(Number);
    t.ok(malformed > 200 && duplicates > 200 && blank > 20, `${format}: ${genLine}`);
    t.deepEqual(p, [events + malformed + blank + duplicates, events, duplicates, malformed, blank], `${format}: ${parseLine}`);
    t.equal(Number(kept), events);
  }
  t.end();
});

test('bsky-gen: --start, --rate and --users shape the capture', (t) => {
  const events = ndjson(run('bsky-gen', ['-q', '-n', '3000', '--start', '2024-12-31T23:59:30', '--rate', '100', '--users', '50', '--fast-likers', '0']).stdout);
  t.equal(events[0].timestamp, '2024-12-31T23:59:30.000000');
  const last = events[events.length - 1].timestamp as string;
  t.ok(last > '2024-12-31T23:59:55' && last < '2025-01-01T00:00:05', `about 30 s at 100/s (${last})`);
  t.ok(new Set(events.map((e) => e.repo)).size <= 50, 'at most 50 accounts');
  const zoned = ndjson(run('bsky-gen', ['-q', '-n', '1', '--start', '2025-03-16T14:00:00+01:00']).stdout)[0];
  t.equal(zoned.timestamp, '2025-03-16T13:00:00.000000', 'a start with an offset is shown in UTC');
  t.end();
});

test('bsky-gen: --fast-likers and --engineering are honoured', (t) => {
  const r = run('bsky-gen', ['-n', '30000', '--fast-likers', '5', '--engineering', '0']);
  t.equal(counts(r.stderr)[4], 5);
  t.notOk(/engineer/i.test(r.stdout), 'no engineering at all');
  const eng = ndjson(run('bsky-gen', ['-q', '-n', '3000', '--engineering', '1', '--fast-likers', '0']).stdout).filter((e) => e.record && (e.record as { text?: string }).text !== undefined);
  t.ok(eng.every((e) => /engineering/i.test((e.record as { text: string }).text)), '--engineering 1: every post');
  t.end();
});

test('bsky-gen: --events 0 writes nothing', (t) => {
  const r = run('bsky-gen', ['--events', '0']);
  t.equal(r.code, 0);
  t.equal(r.stdout, '');
  t.equal(r.stderr, 'bsky-gen: 0 events, 0 malformed, 0 blank, 0 duplicates, 0 fast likers\n');
  t.end();
});

test('bsky-gen: --pace writes in real time and ends after --events', (t) => {
  const r = run('bsky-gen', ['--pace', '--rate', '200', '-n', '40', '--fast-likers', '0']);
  t.equal(r.code, 0);
  const events = ndjson(r.stdout);
  t.equal(events.length, 40);
  const year = new Date().getUTCFullYear();
  t.ok(String(events[0].timestamp).startsWith(String(year)), 'timestamps from the clock');
  t.match(r.stderr, /^bsky-gen: 40 events/);
  t.end();
});

test('bsky-gen: --pace without --events runs until stopped, and SIGTERM ends it with a summary', async (t) => {
  const child = start('bsky-gen', ['--pace', '--rate', '100']);
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d;
    if (out.split('\n').length > 5) child.kill('SIGTERM');
  });
  child.stderr.on('data', (d: Buffer) => (err += d));
  t.equal(await exited(child), 0);
  t.match(err, summary);
  t.end();
});

test('bsky-gen: | head exits 0 with an empty stderr', (t) => {
  const r = sh('bin/bsky-gen -n 1000000 | head -n 2');
  t.equal(r.code, 0);
  t.equal(r.stdout.split('\n').length, 3);
  t.equal(r.stderr, '');
  const paced = sh('bin/bsky-gen --pace --rate 1000 | head -n 3');
  t.equal(paced.code, 0);
  t.equal(paced.stderr, '');
  t.end();
});

test('bsky-gen: --help, --version, and usage errors exit 2', (t) => {
  const help = run('bsky-gen', ['--help']);
  t.equal(help.code, 0);
  t.match(help.stdout, /--dup-rate/);
  t.match(help.stdout, /Examples:/);
  t.match(run('bsky-gen', ['--version']).stdout, /^bsky-gen \d+\.\d+\.\d+\n$/);
  for (const args of [['--nope'], ['--format', 'csv'], ['--rate', '0'], ['--rate', 'fast'], ['--bad-rate', '1'], ['--dup-rate', '-0.1'], ['--events', '-5'], ['--events', '1.5'],
    ['--fast-likers', '2.5'], ['--users', '1'], ['--engineering', '2'], ['--start', 'yesterday'], ['capture.ndjson']]) {
    const r = run('bsky-gen', args);
    t.equal(r.code, 2, args.join(' '));
    t.match(r.stderr, /^bsky-gen: .*\nTry 'bsky-gen --help' for more information\.\n$/);
    t.equal(r.stdout, '');
  }
  t.end();
});
