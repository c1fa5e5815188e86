import test from 'tape';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ENV, ROOT, tempDir } from './helpers.js';

// Every command the README shows runs here, as written, in a folder holding the
// files it names (a generated capture.ndjson, events.ndjson, rows.ndjson, ...,
// and a stand-in ./bluesky that prints a capture and a banner on stderr).
// Not run: what needs the live network or never ends (watch, --pace, cron, the
// public Jetstream, nohup), the usage synopses and sample output lines.
const SKIP = [/^watch /, /--pace/, /^\* \* \*/, /^nohup/, /^make /, /\[options\]|NAME\.\.\./, /^[a-z-]+: /, /^bin\/bsky-jetstream(?!.*--url)/, /─▶/];

function commands(file: string): string[] {
  const out: string[] = [];
  const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!/^ {4}\S/.test(lines[i])) continue;
    let cmd = lines[i].slice(4);
    while (cmd.endsWith('\\') && i + 1 < lines.length) cmd = cmd.slice(0, -1) + lines[++i].trim();
    cmd = cmd.replace(/\s{2,}#.*$/, '').trim();
    if (!/^(bin\/|bsky-|handle-stream|periodic|\.\/handle-stream|\.\/periodic|jq |\.\/bluesky|mkdir )/.test(cmd)) continue;
    if (SKIP.some((re) => re.test(cmd))) continue;
    out.push(cmd);
  }
  return out;
}

function sandbox(): { dir: string; cleanup: () => void } {
  const t = tempDir('bsky-readme-');
  const { dir } = t;
  symlinkSync(join(ROOT, 'bin'), join(dir, 'bin'));
  for (const f of ['handle-stream', 'periodic']) symlinkSync(join(ROOT, f), join(dir, f));
  const shell = (cmd: string): void => {
    const r = spawnSync('bash', ['--norc', '--noprofile', '-o', 'pipefail', '-c', cmd], { cwd: dir, env: { ...ENV, PATH: `${join(ROOT, 'bin')}:${ENV.PATH}` }, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${cmd}: ${r.stderr}`);
  };
  shell('bsky-gen -q --events 6000 --seed 9 --rate 50 --engineering 0.3 --fast-likers 2 --bad-rate 0.002 --dup-rate 0.01 > capture.ndjson');
  shell('bsky-gen -q --events 2000 --seed 9 --format jetstream > jetstream.ndjson');
  shell('bsky-parse -q capture.ndjson > events.ndjson && bsky-flatten -q events.ndjson > rows.ndjson');
  shell('head -n 3000 rows.ndjson > a.ndjson && tail -n +3001 rows.ndjson > b.ndjson && cp b.ndjson new-rows.ndjson');
  shell('handle-stream -q < capture.ndjson && periodic -q --lake lake && mkdir -p state');
  writeFileSync(join(dir, 'bluesky'), '#!/bin/sh\necho "connecting to the firehose" >&2\ncat capture.ndjson\n');
  chmodSync(join(dir, 'bluesky'), 0o755);
  mkdirSync(join(dir, 'data'), { recursive: true });
  return t;
}

const list = commands('README.md');
// The man pages' prose (man/src/*.md) shows commands too: they run the same way.
const PAGES = readdirSync(join(ROOT, 'man', 'src')).filter((f) => f.endsWith('.md')).sort().map((f) => `man/src/${f}`);

test('README: short (at most 250 lines), opening with the reviewers\' commands, then make demo and make test', (t) => {
  const text = readFileSync(join(ROOT, 'README.md'), 'utf8');
  t.ok(text.split('\n').length <= 250, `${text.split('\n').length} lines`);
  const at = (s: string): number => text.indexOf(s);
  t.ok(at('./bluesky | ./handle-stream') > 0 && at('watch -n 30 ./periodic') > 0, 'the reviewers\' commands, verbatim');
  t.ok(at('watch -n 30 ./periodic') < at('make demo') && at('make demo') < at('make test'), 'in that order');
  for (const link of text.match(/\]\((docs\/[^)]+|BENCHMARKS\.md)\)/g) ?? []) {
    const file = link.slice(2, -1);
    t.ok(existsSync(join(ROOT, file)), `${file} exists`);
  }
  t.end();
});

test('README: the commands it shows are found', (t) => {
  t.ok(list.length >= 5, `${list.length} commands`);
  t.end();
});

for (const file of ['README.md', ...PAGES]) test(`${file}: every command it shows runs as written and exits 0`, (t) => {
  const { dir, cleanup } = sandbox();
  for (const cmd of file === 'README.md' ? list : commands(file)) {
    const r = spawnSync('bash', ['--norc', '--noprofile', '-o', 'pipefail', '-c', cmd], {
      cwd: dir, env: { ...ENV, PATH: `${join(ROOT, 'bin')}:${ENV.PATH}` }, encoding: 'utf8', timeout: 60_000, maxBuffer: 1 << 28,
    });
    t.equal(r.status, 0, `${cmd}${r.status === 0 ? '' : `\n${r.stderr.slice(0, 400)}`}`);
  }
  cleanup();
  t.end();
});
