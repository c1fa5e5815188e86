import test from 'tape';
import { join } from 'node:path';
import { ROOT, golden, run } from './helpers.js';

// Golden charts: `UPDATE_GOLDEN=1 make test` rewrites them; review the change with `git diff test/golden/plot`.
const GOLDEN = join(ROOT, 'test', 'golden', 'plot');

const minutes = (n: number, f: (i: number) => number): string => {
  let s = 'time,likes\n';
  for (let i = 0; i < n; i++) {
    const d = new Date(Date.UTC(2025, 2, 16, 13, 0) + i * 60_000).toISOString();
    s += `${d.slice(0, 10)} ${d.slice(11, 16)}:00,${f(i)}\n`;
  }
  return s;
};
const wave = (i: number): number => Math.round(500 + 300 * Math.sin(i / 15) + ((i * 37) % 11) * 9);

const TOP = 'word,count\nsoftware,42\ndata,37\npython,30\ncareer,21\n"design, systems",18\n工程,15\nai,12\nlearning,9\njob,7\nrust,7\n';
const HOURS = 'hour,posts\n' + Array.from({ length: 24 }, (_, h) => `${String(h).padStart(2, '0')},${[3, 2, 1, 1, 0, 2, 5, 9, 14, 18, 21, 22, 25, 24, 22, 20, 19, 21, 24, 26, 22, 15, 9, 5][h] * 137}`).join('\n') + '\n';
const WEEKDAYS = 'weekday,posts\nMon,1200\nTue,1350\nWed,1280\nThu,1420\nFri,1100\nSat,640\nSun,0\n';

const CASES: Array<{ name: string; args: string[]; input?: string }> = [
  { name: 'top-10-word', args: ['--title', 'metrics/top-10-word.csv'], input: TOP },
  { name: 'posts-by-hour', args: ['--width', '60'], input: HOURS },
  { name: 'posts-by-weekday', args: ['--width', '50'], input: WEEKDAYS },
  { name: 'likes-per-minute-columns', args: ['--width', '72', '--height', '8'], input: minutes(120, wave) },
  { name: 'likes-per-minute-max', args: ['--width', '60', '--height', '6', '--agg', 'max'], input: minutes(180, wave) },
  { name: 'likes-per-minute-line', args: ['--type', 'line', '--width', '60', '--height', '6'], input: minutes(120, wave) },
  { name: 'few-minutes-with-gaps', args: ['--height', '4'], input: minutes(12, (i) => (i % 4 === 0 ? 0 : i * 3)) },
  { name: 'negative-values', args: ['--width', '50'], input: 'delta,change\nup,40\nflat,0\ndown,-25\nsmall,-1\nmore,3\n' },
  { name: 'negative-columns', args: ['--type', 'columns', '--height', '6'], input: 'delta,change\na,40\nb,0\nc,-25\nd,-1\ne,3\nf,20\n' },
  { name: 'long-and-wide-labels', args: ['--width', '40'], input: 'user_id,likes\ndid:plc:abcdefghijklmnopqrstuvwx,120\nエンジニアリングの仕事,80\n"a label with ""quotes"" and, commas",75\ncafé,12345678901\n' },
  { name: 'ndjson-rows', args: ['--width', '50', '--label', 'lang', '--value', 'posts'], input: '{"n":1,"lang":"en","posts":420}\n{"n":2,"lang":"ja","posts":180}\n{"n":3,"lang":"pt","posts":95}\n' },
  { name: 'bad-rows', args: ['--width', '50'], input: 'word,count\nok,5\nbad,x\n"open quote,3\n' },
  { name: 'header-only', args: [], input: 'word,count\n' },
  { name: 'color-always', args: ['--color', 'always', '--width', '40'], input: 'word,count\na,2\nb,1\n' },
];

for (const c of CASES) {
  test(`bsky-plot golden: ${c.name}`, (t) => {
    const r = run('bsky-plot', c.args, c.input ?? '');
    const got = `$ bsky-plot ${c.args.join(' ')}\n${r.stdout}--- stderr\n${r.stderr}--- exit ${r.code}\n`;
    golden(t, join(GOLDEN, `${c.name}.txt`), got);
    t.end();
  });
}
