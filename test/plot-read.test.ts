import test from 'tape';
import { readTable, parseValue } from '../lib/plot/read-table.js';
import { decode } from '../lib/plot/run-plot.js';

const H = { header: true };

test('plot read: a CSV with a header gives labelled numbers, quoting per RFC 4180', (t) => {
  const r = readTable('word,count\n"design, systems",3\n"say ""hi""",2\nplain,1\n', H);
  t.equal(r.error, undefined);
  t.equal(r.table?.labelName, 'word');
  t.equal(r.table?.valueName, 'count');
  t.deepEqual(r.table?.points.map((p) => [p.label, p.value, p.line]), [['design, systems', 3, 2], ['say "hi"', 2, 3], ['plain', 1, 4]]);
  t.equal(r.table?.lines, 4);
  t.deepEqual(r.bad, []);
  t.end();
});

test('plot read: CRLF line ends give the same rows and line numbers', (t) => {
  const r = readTable('w,c\r\na,1\r\nb,x\r\nc,3\r\n', H);
  t.deepEqual(r.table?.points.map((p) => [p.label, p.line]), [['a', 2], ['c', 4]]);
  t.deepEqual(r.bad, [{ line: 3, reason: "not a number: 'x'", raw: 'b,x' }]);
  t.end();
});

test('plot read: bad rows are kept with their line number, reason and text', (t) => {
  const r = readTable('word,count\na,1\n\n"multi\nline",x\nb\nc,1e999\n"open,4\n', H);
  t.deepEqual(r.table?.points.map((p) => p.label), ['a']);
  t.deepEqual(r.bad, [
    { line: 4, reason: "not a number: 'x'", raw: '"multi\nline",x' },
    { line: 6, reason: 'missing value: 1 column', raw: 'b' },
    { line: 7, reason: "number out of range: '1e999'", raw: 'c,1e999' },
    { line: 8, reason: 'quote not closed', raw: '"open,4' },
  ]);
  t.end();
});

test('plot read: numbers are what a CSV writer writes, nothing looser', (t) => {
  t.equal(parseValue(' 42 '), 42);
  t.equal(parseValue('-1.5e3'), -1500);
  t.equal(parseValue('.5'), 0.5);
  for (const bad of ['', '0x10', '1,234', 'NaN', 'Infinity', '12abc']) t.equal(typeof parseValue(bad), 'string', `'${bad}' is rejected`);
  t.end();
});

test('plot read: --label and --value choose columns; unknown names and one-column files are errors', (t) => {
  const text = 'a,b,c\nx,1,2\n';
  t.deepEqual(readTable(text, { ...H, label: 'c', value: 'b' }).table?.points.map((p) => [p.label, p.value]), [['2', 1]]);
  t.match(readTable(text, { ...H, value: 'z' }).error ?? '', /^--value: no column 'z' \(columns: a, b, c\)$/);
  t.match(readTable('word\nx\n', H).error ?? '', /needs two columns/);
  t.end();
});

test('plot read: without a header the first row is data', (t) => {
  const r = readTable('a,1\nb,2\n', { header: false });
  t.deepEqual(r.table?.points.map((p) => [p.label, p.value, p.line]), [['a', 1, 1], ['b', 2, 2]]);
  t.end();
});

test('plot read: empty input and a header alone give no points and no errors', (t) => {
  for (const text of ['', '\n\n', 'word,count\n', '\ufeffword,count\n']) {
    const r = readTable(text, H);
    t.equal(r.error, undefined);
    t.deepEqual(r.table?.points, []);
    t.deepEqual(r.bad, []);
  }
  t.end();
});

test('plot read: NDJSON is detected by its first character and takes the first two keys', (t) => {
  const r = readTable('\n{"start":"2025-03-16 13:00:00","count":3}\n{"start":"b","count":"4"}\n{"count":1}\n[1]\n{"start":"c","count":null}\n{bad\n', H);
  t.equal(r.table?.labelName, 'start');
  t.deepEqual(r.table?.points.map((p) => [p.label, p.value, p.line]), [['2025-03-16 13:00:00', 3, 2], ['b', 4, 3]]);
  t.deepEqual(r.bad.map((b) => [b.line, b.reason.replace(/:.*/, ':')]), [[4, "no field 'start'"], [5, 'not a JSON object'], [6, 'not a number:'], [7, 'invalid JSON:']]);
  const chosen = readTable('{"a":1,"b":"x","c":7}\n', { ...H, label: 'b', value: 'c' });
  t.deepEqual(chosen.table?.points.map((p) => [p.label, p.value]), [['x', 7]]);
  t.end();
});

test('plot read: a line with invalid UTF-8 is reported and blanked, keeping line numbers', (t) => {
  const bad: number[] = [];
  const text = decode(Buffer.concat([Buffer.from('w,c\na,1\n'), Buffer.from([0xff, 0x2c, 0x31]), Buffer.from('\nb,2\n')]), (line) => bad.push(line));
  t.deepEqual(bad, [3]);
  t.deepEqual(readTable(text, H).table?.points.map((p) => [p.label, p.line]), [['a', 2], ['b', 4]]);
  t.end();
});
