// `make verify-1m`: the five-tool pipeline on a generated capture of 1 million
// events gives the naive reference's CSVs, each process under 150 MB.
// Too slow for `make test` (about 2 minutes); run by hand and in the notes.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helpers.js';
import { referenceCsvs } from '../reference/capture.js';

const events = Number(process.argv[2] ?? 1_000_000);
const dir = join(ROOT, 'tmp', 'verify');
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const capture = join(dir, 'capture.ndjson');
const sh = (cmd: string): string => {
  const r = spawnSync('bash', ['--norc', '--noprofile', '-o', 'pipefail', '-c', cmd], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${cmd}\n${r.stderr}`);
  return r.stderr;
};
sh(`bin/bsky-gen -q --events ${events} --seed 31 --fast-likers 10 --engineering 0.05 --bad-rate 0.0005 --dup-rate 0.001 > ${capture}`);
const METRICS: Array<[string, string]> = [
  ['likes-per-minute', 'likes-per-minutes.csv'], ['fast-likers', 'fast-likers.csv'], ['top-10-word', 'top-10-word.csv'],
  ['posts-by-hour', 'posts-by-hour.csv'], ['posts-by-weekday', 'posts-by-weekday.csv'],
];
const peak: Record<string, number> = {};
for (const [name, file] of METRICS) {
  const t = (label: string): string => `/usr/bin/time -f '${label} %M'`;
  const err = sh(`${t('bsky-parse')} bin/bsky-parse -q ${capture} | ${t('bsky-flatten')} bin/bsky-flatten -q --kinds like,post --ops create`
    + ` | ${t('bsky-metric')} bin/bsky-metric -q ${name} | ${t('bsky-csv')} bin/bsky-csv -q --out ${join(dir, file)}`);
  for (const m of err.matchAll(/^(bsky-[a-z]+) (\d+)$/gm)) peak[m[1]] = Math.max(peak[m[1]] ?? 0, Number(m[2]) / 1024);
}
const bytes = readFileSync(capture);
const lines: Buffer[] = [];
for (let at = 0; at < bytes.length;) {
  const nl = bytes.indexOf(10, at);
  const end = nl < 0 ? bytes.length : nl + 1;
  lines.push(bytes.subarray(at, end));
  at = end;
}
const reference = referenceCsvs(lines);
let failed = 0;
for (const [, file] of METRICS) {
  const same = readFileSync(join(dir, file), 'utf8') === reference[file];
  if (!same) failed++;
  console.log(`${same ? 'same' : 'DIFFERENT'}: ${file}`);
}
for (const [tool, mb] of Object.entries(peak)) {
  if (mb >= 150) failed++;
  console.log(`peak RSS ${tool}: ${mb.toFixed(0)} MB`);
}
console.log(`${events} events: ${failed === 0 ? 'the pipeline equals the reference, every process under 150 MB' : `${failed} failures`}`);
process.exit(failed === 0 ? 0 : 1);
