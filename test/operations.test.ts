import test from 'tape';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ENV, ROOT, RUN_TIMEOUT_MS, sh, tempDir } from './helpers.js';

// Running it for weeks: the systemd units and the crontab lines that the Makefile writes for a checkout.
const make = (args: string): ReturnType<typeof sh> => sh(`make -s --no-print-directory ${args}`);
const HAS_SYSTEMD_ANALYZE = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' }).status === 0;

test('make systemd writes the units of contrib/systemd with this checkout\'s paths and the data folder', (t) => {
  const { dir, cleanup } = tempDir();
  const r = make(`systemd UNITS=${dir}/units DATA=${dir}/data`);
  t.equal(r.code, 0, r.stderr);
  t.match(r.stdout, new RegExp(`^Units for ${ROOT} with data in ${dir}/data are in ${dir}/units/; install them with:\n`));
  const units = readdirSync(join(dir, 'units')).sort();
  t.deepEqual(units, ['bsky-bluesky.service', 'bsky-periodic.service', 'bsky-periodic.timer', 'bsky-stream.service']);
  for (const u of units) {
    const text = readFileSync(join(dir, 'units', u), 'utf8');
    t.doesNotMatch(text, /@[A-Z]+@/, `${u}: every placeholder filled in`);
    if (u.endsWith('.service')) {
      t.match(text, new RegExp(`^ReadWritePaths=${dir}/data$`, 'm'), `${u}: writes only in the data folder`);
      t.match(text, /^ProtectSystem=strict$/m, `${u}: read-only system`);
      t.match(text, /^NoNewPrivileges=yes$/m, `${u}: no new privileges`);
    }
  }
  t.match(readFileSync(join(dir, 'units', 'bsky-stream.service'), 'utf8'), new RegExp(`--cursor-file ${dir}/data/state/jetstream.cursor`), 'the cursor file is kept in the state folder');
  t.match(readFileSync(join(dir, 'units', 'bsky-periodic.timer'), 'utf8'), /^OnUnitActiveSec=30s$/m, 'periodic every 30 s');
  cleanup();
  t.end();
});

test('the systemd units pass systemd-analyze verify with an empty stderr', { skip: !HAS_SYSTEMD_ANALYZE }, (t) => {
  const { dir, cleanup } = tempDir();
  make(`systemd UNITS=${dir}/units DATA=${dir}/data`);
  const units = readdirSync(join(dir, 'units')).map((u) => join(dir, 'units', u));
  // verify exits 0 on unknown keys and bad values: only an empty stderr says the units are clean.
  const r = spawnSync('systemd-analyze', ['verify', '--man=no', ...units], { env: ENV, encoding: 'utf8', timeout: RUN_TIMEOUT_MS });
  t.equal(r.status, 0);
  t.equal(r.stderr, '', 'no warning');
  cleanup();
  t.end();
});

test('make cron prints crontab lines that run periodic in the data folder, every 30 seconds, logged', (t) => {
  const { dir, cleanup } = tempDir();
  const r = make(`cron DATA=${dir}`);
  t.equal(r.code, 0, r.stderr);
  const lines = r.stdout.split('\n').filter(Boolean);
  t.equal(lines.length, 2, 'two lines: on the minute and 30 s later');
  t.ok(lines.every((l) => l.startsWith('* * * * * ')), 'every minute');
  t.match(lines[1], /^\* \* \* \* \* sleep 30; /);
  // The command of the first line, as cron would run it (without the schedule), after some spooling.
  t.equal(sh('bsky-gen -q --events 3000 | handle-stream -q', { cwd: dir }).code, 0);
  const job = sh(lines[0].slice('* * * * * '.length), { cwd: '/' });
  t.equal(job.code, 0, job.stderr);
  t.match(readFileSync(join(dir, 'periodic.log'), 'utf8'), /^periodic: 1 new segments, 3000 events in /, 'the summary is in the log');
  cleanup();
  t.end();
});
