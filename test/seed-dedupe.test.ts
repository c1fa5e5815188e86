import test from 'tape';
import { readFileSync, readdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { run, tempDir } from './helpers.js';

const T0 = Date.UTC(2025, 2, 16, 13, 0, 0) * 1000;

/** Jetstream lines of every shape the spool holds: creates and deletes, posts with escapes, identity and account events. */
function jetstream(from: number, to: number): string {
  let out = '';
  for (let i = from; i < to; i++) {
    const time_us = T0 + i * 50_000;
    const did = `did:plc:u${i % 53}`;
    if (i % 17 === 3) out += JSON.stringify({ did, time_us, kind: 'identity', identity: { did, handle: `u${i}.test`, seq: i, time: '2025-03-16T13:00:00.000Z' } }) + '\n';
    else if (i % 19 === 4) out += JSON.stringify({ did, time_us, kind: 'account', account: { active: true, did, seq: i, time: '2025-03-16T13:00:00.000Z' } }) + '\n';
    else if (i % 7 === 0) out += JSON.stringify({ did, time_us, kind: 'commit', commit: { rev: 'r', operation: 'create', collection: 'app.bsky.feed.post', rkey: `p${i}`, cid: 'c', record: { $type: 'app.bsky.feed.post', text: `say "hi" \\ ${i} — engineering\n`, langs: ['en'], createdAt: '2025-03-16T13:00:00.000Z' } } }) + '\n';
    else if (i % 11 === 0) out += JSON.stringify({ did, time_us, kind: 'commit', commit: { rev: 'r', operation: 'delete', collection: 'app.bsky.feed.like', rkey: `k${i - 1}` } }) + '\n';
    else out += JSON.stringify({ did, time_us, kind: 'commit', commit: { rev: 'r', operation: 'create', collection: 'app.bsky.feed.like', rkey: `k${i}`, cid: 'c', record: { $type: 'app.bsky.feed.like', subject: { uri: 'at://did:plc:b/app.bsky.feed.post/p', cid: 'c' }, createdAt: '2025-03-16T13:00:00.000Z' } } }) + '\n';
  }
  return out;
}

function spooled(spool: string): number {
  return readdirSync(spool).filter((f) => f.startsWith('seg-')).reduce((n, f) => n + readFileSync(join(spool, f), 'utf8').split('\n').filter(Boolean).length, 0);
}

test('handle-stream: restarted over its spool, it knows every event of it again (creates, deletes, posts with escapes, identity and account events)', (t) => {
  const { dir, cleanup } = tempDir();
  const spool = join(dir, 'spool');
  const first = run('handle-stream', ['--rotate-bytes', '20000'], jetstream(0, 3000), { cwd: dir });
  t.match(first.stderr, /3000 lines, 3000 events, 0 duplicates/);
  const again = run('handle-stream', [], jetstream(0, 3000), { cwd: dir });
  t.match(again.stderr, /3000 lines, 0 events, 3000 duplicates/, 'all of a redelivery is known');
  const more = run('handle-stream', [], jetstream(2500, 3500), { cwd: dir });
  t.match(more.stderr, /1000 lines, 500 events, 500 duplicates/, 'a redelivery with new events: only the new ones are spooled');
  t.equal(spooled(spool), 3500);
  // Processed (archived) segments are read back too.
  t.equal(run('periodic', ['-q'], '', { cwd: dir }).code, 0);
  const after = run('handle-stream', [], jetstream(3000, 3600), { cwd: dir });
  t.match(after.stderr, /600 lines, 100 events, 500 duplicates/, 'after periodic archived the segments');
  cleanup();
  t.end();
});

test('handle-stream: a restart with --dedupe-window 1m knows the events of the last window', (t) => {
  const { dir, cleanup } = tempDir();
  // 3000 events 50 ms apart: 150 s. With a 1m window, the newest generation and the one before are remembered.
  run('handle-stream', ['-q', '--dedupe-window', '1m', '--rotate-bytes', '20000'], jetstream(0, 3000), { cwd: dir });
  const tail = run('handle-stream', ['--dedupe-window', '1m'], jetstream(2000, 3000), { cwd: dir });
  t.match(tail.stderr, /1000 lines, 0 events, 1000 duplicates/, 'the last 50 s are known');
  cleanup();
  t.end();
});

test('periodic --lake: the archive keeps only what a restart\'s dedupe reads back (two --dedupe-window), and the restart still knows the last window', (t) => {
  const { dir, cleanup } = tempDir();
  // Segments named as if spooled a year ago: past two windows, so periodic deletes them (all but the newest) once folded.
  run('handle-stream', ['-q', '--dedupe-window', '1m', '--rotate-bytes', '20000'], jetstream(0, 1000), { cwd: dir });
  const old = readdirSync(join(dir, 'spool')).filter((f) => f.startsWith('seg-')).sort();
  old.forEach((f, i) => renameSync(join(dir, 'spool', f), join(dir, 'spool', f.replace(/^seg-\d{8}T\d{9}Z/, `seg-20250101T0000${String(i).padStart(2, '0')}000Z`))));
  t.ok(old.length >= 3, `${old.length} old segments`);
  run('handle-stream', ['-q', '--dedupe-window', '1m', '--rotate-bytes', '20000'], jetstream(1000, 3000), { cwd: dir });
  const fresh = readdirSync(join(dir, 'spool')).filter((f) => f.startsWith('seg-') && !f.startsWith('seg-2025')).length;
  const r = run('periodic', ['-q', '--lake', 'lake', '--lake-min-free', '0', '--dedupe-window', '1m'], '', { cwd: dir });
  t.equal(r.code, 0, r.stderr);
  const archived = readdirSync(join(dir, 'spool', 'archive')).flatMap((d) => readdirSync(join(dir, 'spool', 'archive', d)));
  t.equal(archived.filter((f) => f.startsWith('seg-2025')).length, 1, 'of the old segments, only the newest is kept (it holds the window\'s boundary)');
  t.equal(archived.length, fresh + 1, 'every recent segment is kept');
  t.equal(run('bsky-sql', ['--lake', 'lake', '--csv', 'SELECT count(*) AS n FROM events'], '', { cwd: dir }).stdout, 'n\n3000\n', 'the lake holds every event');
  const tail = run('handle-stream', ['--dedupe-window', '1m'], jetstream(2000, 3000), { cwd: dir });
  t.match(tail.stderr, /1000 lines, 0 events, 1000 duplicates/, 'a restart still knows the last window\'s events');
  // --archive-days still decides when given.
  const kept = tempDir();
  run('handle-stream', ['-q', '--rotate-bytes', '20000'], jetstream(0, 1000), { cwd: kept.dir });
  for (const f of readdirSync(join(kept.dir, 'spool')).filter((x) => x.startsWith('seg-'))) renameSync(join(kept.dir, 'spool', f), join(kept.dir, 'spool', f.replace(/^seg-\d{8}T/, 'seg-20250101T')));
  const n = readdirSync(join(kept.dir, 'spool')).filter((f) => f.startsWith('seg-')).length;
  t.equal(run('periodic', ['-q', '--lake', 'lake', '--lake-min-free', '0', '--archive-days', '1'], '', { cwd: kept.dir }).code, 0);
  t.equal(readdirSync(join(kept.dir, 'spool', 'archive')).flatMap((d) => readdirSync(join(kept.dir, 'spool', 'archive', d))).length, n, 'with --archive-days 1, every segment stays a day');
  kept.cleanup();
  cleanup();
  t.end();
});
