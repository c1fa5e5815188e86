import test from 'tape';
import { readFileSync, writeFileSync } from 'node:fs';
import { NEEDS_REAL, REAL_CAPTURE, ndjson, run, sh, tempDir } from './helpers.js';

const REAL = REAL_CAPTURE ?? '';
const events = REAL_CAPTURE === undefined ? '' : run('bsky-parse', ['-q', REAL]).stdout;
// A generated capture of our own, for the tests that need events but not the real ones.
const GEN = run('bsky-gen', ['-q', '--events', '3000', '--seed', '5']).stdout;
const genEvents = run('bsky-parse', ['-q'], GEN).stdout;

test('bsky-flatten: one row per event of a generated capture, its kind read from the collection', (t) => {
  const r = run('bsky-flatten', [], genEvents);
  t.equal(r.code, 0);
  const rows = ndjson(r.stdout);
  const parsed = ndjson<{ collection: string; did: string }>(genEvents);
  t.equal(rows.length, parsed.length);
  // The naive kind: the collection's last segment, as the lexicon names it.
  const naive: Record<string, string> = { like: 'like', post: 'post', repost: 'repost', follow: 'follow', block: 'block', listitem: 'listitem', profile: 'profile' };
  t.deepEqual(rows.map((row) => row.kind), parsed.map((e) => naive[e.collection.split('.').pop()!] ?? e.collection));
  t.deepEqual(rows.map((row) => row.did), parsed.map((e) => e.did));
  t.equal(r.stderr, `bsky-flatten: ${parsed.length} lines, ${parsed.length} rows, 0 filtered out, 0 rejected, 0 blank\n`);
  t.end();
});

test('bsky-flatten: one row per event, with the kind mix of the real capture', NEEDS_REAL, (t) => {
  const r = run('bsky-flatten', [], events);
  t.equal(r.code, 0);
  const rows = ndjson(r.stdout);
  t.equal(rows.length, 423);
  const kinds: Record<string, number> = {};
  for (const row of rows) kinds[row.kind as string] = (kinds[row.kind as string] ?? 0) + 1;
  t.deepEqual(kinds, { like: 267, follow: 61, repost: 45, post: 42, block: 4, listitem: 3, profile: 1 });
  t.equal(r.stderr, 'bsky-flatten: 423 lines, 423 rows, 0 filtered out, 0 rejected, 0 blank\n');
  t.end();
});

test('bsky-flatten: a like row names its subject and the subject author', NEEDS_REAL, (t) => {
  const like = ndjson(run('bsky-flatten', ['-q', '--kinds', 'like'], events).stdout)[0];
  t.deepEqual(Object.keys(like), ['time', 'kind', 'op', 'did', 'rkey', 'collection', 'cid', 'subject', 'subject_did', 'created_at']);
  t.equal(like.subject_did, 'did:plc:mlee3r3munzzlbqu5zwaqhdl');
  const follow = ndjson(run('bsky-flatten', ['-q', '-k', 'follow'], events).stdout)[0];
  t.match(follow.subject as string, /^did:plc:/);
  t.end();
});

test('bsky-flatten: posts carry text, langs, replies, embeds and facets', NEEDS_REAL, (t) => {
  const posts = ndjson(run('bsky-flatten', ['-q', '--kinds', 'post'], events).stdout);
  t.equal(posts.length, 42);
  t.ok(posts.every((p) => typeof p.text === 'string' && Array.isArray(p.langs)));
  t.ok(posts.some((p) => p.reply_parent && p.reply_root));
  t.ok(posts.some((p) => p.embed === 'external' && Array.isArray(p.links)));
  t.end();
});

test('bsky-flatten: --fields picks fields in the given order; unknown fields are a usage error', NEEDS_REAL, (t) => {
  const rows = ndjson(run('bsky-flatten', ['-q', '--kinds', 'like,repost', '--fields', 'did,time'], events).stdout);
  t.equal(rows.length, 267 + 45);
  t.deepEqual(Object.keys(rows[0]), ['did', 'time']);
  const bad = run('bsky-flatten', ['--fields', 'did,colour']);
  t.equal(bad.code, 2);
  t.match(bad.stderr, /unknown field 'colour'/);
  t.end();
});

test('bsky-flatten: --ops keeps chosen operations; deletes and identity events flatten too', (t) => {
  const input = [
    { did: 'did:plc:a', time_us: 1742131613000000, kind: 'commit', commit: { operation: 'delete', collection: 'app.bsky.feed.like', rkey: 'k1' } },
    { did: 'did:plc:a', time_us: 1742131614000000, kind: 'identity', identity: { handle: 'a.bsky.social' } },
  ].map((o) => JSON.stringify(o)).join('\n') + '\n';
  const all = ndjson(run('bsky-flatten', ['-q'], input).stdout);
  t.deepEqual(all.map((r) => `${r.kind}/${r.op}`), ['like/delete', 'identity/identity']);
  const deletes = ndjson(run('bsky-flatten', ['-q', '--ops', 'delete'], input).stdout);
  t.equal(deletes.length, 1);
  t.end();
});

test('bsky-flatten: reads raw capture lines directly, bad lines reported and kept', NEEDS_REAL, (t) => {
  const { dir, cleanup } = tempDir();
  const r = sh(`(head -n 3 ${REAL}; echo '{oops'; tail -n 1 ${REAL}) | bsky-flatten --rejects ${dir}/r --fields kind`);
  t.equal(r.code, 0);
  t.equal(r.stdout, '{"kind":"repost"}\n{"kind":"like"}\n{"kind":"follow"}\n' + `{"kind":"${ndjson(sh(`tail -n 1 ${REAL} | bsky-flatten -q`).stdout)[0].kind}"}\n`);
  t.match(r.stderr, /bsky-flatten: stdin:4: invalid JSON/);
  t.equal(readFileSync(`${dir}/r`, 'utf8'), '{oops\n');
  const noDir = run('bsky-flatten', ['--rejects', `${dir}/none/r`], '');
  t.equal(noDir.code, 1);
  t.match(noDir.stderr, /^bsky-flatten: --rejects \S+\/none\/r: ENOENT: no such file or directory\n$/);
  cleanup();
  t.end();
});

test('bsky-flatten: --strict, empty input, | head, help, version', (t) => {
  t.equal(run('bsky-flatten', ['--strict'], 'x\n').code, 1);
  const empty = run('bsky-flatten', [], '');
  t.equal(empty.code, 0);
  t.equal(empty.stdout, '');
  const { dir, cleanup } = tempDir();
  writeFileSync(`${dir}/big`, GEN);
  const head = sh(`bsky-flatten ${dir}/big | head -n 2`);
  cleanup();
  t.equal(head.code, 0);
  t.equal(head.stderr, '');
  t.match(run('bsky-flatten', ['--help']).stdout, /--kinds/);
  t.match(run('bsky-flatten', ['--version']).stdout, /^bsky-flatten \d/);
  t.end();
});

test('bsky-flatten: lines dropped by --kinds before decoding still count: a bad line after them is named by its number', (t) => {
  const lines = genEvents.split('\n').filter(Boolean);
  const follows = lines.filter((l) => l.includes('"collection":"app.bsky.graph.follow"')).slice(0, 3);
  const like = lines.find((l) => l.includes('"collection":"app.bsky.feed.like"'))!;
  const input = [...follows, '{"time": broken', like, ''].join('\n');
  const r = run('bsky-flatten', ['--kinds', 'like'], input);
  t.equal(r.code, 0);
  t.equal(ndjson(r.stdout).length, 1, 'the like comes out');
  t.match(r.stderr, /stdin:4: invalid JSON/, 'the bad line is line 4');
  t.match(r.stderr, /5 lines, 1 rows, 3 filtered out, 1 rejected/);
  t.end();
});
