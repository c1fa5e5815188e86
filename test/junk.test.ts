import test from 'tape';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { run, tempDir } from './helpers.js';

// A like as the take-home script prints it (its rkey is replaced below to make a second event).
const good = JSON.stringify({ timestamp: '2025-03-16T13:26:53.075991', action: 'create', path: 'app.bsky.feed.like/3lkiqjyvkqx2d', cid: 'bafyreib', prev: null, py_type: 'com.atproto.sync.subscribeRepos#repoOp', record: { $type: 'app.bsky.feed.like', createdAt: '2025-03-16T13:26:52.307Z', subject: { cid: 'bafyreia', uri: 'at://did:plc:mlee3r3munzzlbqu5zwaqhdl/app.bsky.feed.post/3lkiqbkzeqs2a' } }, repo: 'did:plc:a2b3c4' }) + '\n';

/** Every kind of junk the spec names, one per line, between good lines; the numbers of the bad lines. */
function junk(): { input: Buffer; bad: number[] } {
  const parts: Buffer[] = [
    Buffer.from(good), // 1
    Buffer.from('{"timestamp": "2025-03-16T13:26:53.075991", "action": "crea\n'), // 2: truncated JSON
    Buffer.from([0x00, 0x01, 0xff, 0xfe, 0x80, 0x0a]), // 3: binary bytes, invalid UTF-8
    Buffer.from('{"x":"' + 'a'.repeat(5 << 20) + '"}\n'), // 4: a 5 MB line
    Buffer.from('{"a":' + '['.repeat(100000) + ']'.repeat(100000) + '}\n'), // 5: 100,000-deep nesting
    Buffer.concat([Buffer.from('{"text":"caf'), Buffer.from([0xc3, 0x28]), Buffer.from('"}\n')]), // 6: invalid UTF-8 inside a string
    Buffer.from('\n'), // 7: blank
    Buffer.from('   \t\n'), // 8: blank
    Buffer.from(good.replace('3lkiqjyvkqx2d', 'other')), // 9
    Buffer.from('{"timestamp": "2025-03-16T13:27:00.000000", "action": "create", "pa'), // 10: truncated last line, no newline
  ];
  return { input: Buffer.concat(parts), bad: [2, 3, 4, 5, 6, 10] };
}

const TOOLS: Array<[string, string[]]> = [
  ['bsky-parse', []],
  ['bsky-flatten', []],
  ['bsky-window', []],
  ['bsky-metric', ['all']],
  ['bsky-csv', []],
  ['handle-stream', []],
  ['bsky-plot', ['--label', 'did', '--value', 'time_us']],
];

for (const [tool, args] of TOOLS) {
  test(`${tool}: a file of junk is reported line by line, kept in the rejects file, and nothing crashes`, (t) => {
    const { dir, cleanup } = tempDir();
    const { input, bad } = junk();
    const rejects = join(dir, 'rejects.ndjson');
    const r = run(tool, [...args, '--rejects', rejects], input, { cwd: dir });
    t.equal(r.code, 0, 'exit 0: skipped lines alone are not a failure');
    const reported = [...r.stderr.matchAll(new RegExp(`^${tool}: stdin:(\\d+): `, 'gm'))].map((m) => Number(m[1]));
    // Downstream tools also reject the good capture lines (they are not rows); the junk lines must be among the reported ones.
    for (const n of bad) t.ok(reported.includes(n), `line ${n} reported`);
    t.ok(r.stderr.split('\n').every((l) => l.length < 400), 'one short line per problem, no stack trace');
    const kept = readFileSync(rejects);
    const expected = Buffer.concat(bad.map((n) => lineBytes(input, n)));
    for (const n of bad) t.ok(kept.includes(lineBytes(input, n)), `line ${n} kept verbatim`);
    t.ok(kept.length >= expected.length, 'every bad line is in the rejects file');
    // bsky-plot reads a table, where blank lines are not rows: its summary has no blank count.
    t.match(r.stderr, tool === 'bsky-plot' ? /10 lines, 0 rows, 8 rejected\n$/ : /10 lines, .*, [1-9]\d* rejected, 2 blank\n$/, 'the summary counts every line');
    cleanup();
    t.end();
  });
}

/** The bytes of line n (1-based), with its newline when it has one. */
function lineBytes(input: Buffer, n: number): Buffer {
  let start = 0;
  for (let i = 1; i < n; i++) start = input.indexOf(10, start) + 1;
  const end = input.indexOf(10, start);
  return input.subarray(start, end < 0 ? input.length : end + 1);
}
