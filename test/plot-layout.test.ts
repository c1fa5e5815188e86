import test from 'tape';
import { barText, drawBars } from '../lib/plot/bars.js';
import { drawChart } from '../lib/plot/chart.js';
import { paint, useColor } from '../lib/plot/color.js';
import type { Point } from '../lib/plot/read-table.js';
import { aggregate, formatNumber, groupSize, isTimeLabel, isTimeSeries } from '../lib/plot/series.js';
import { drawSeries } from '../lib/plot/series-chart.js';
import { padEnd, sanitize, stringWidth, truncate } from '../lib/plot/width.js';

const pts = (rows: Array<[string, number]>): Point[] => rows.map(([label, value], i) => ({ label, value, text: String(value), line: i + 2 }));
const minutes = (values: number[]): Point[] => pts(values.map((v, i) => [`2025-03-16 13:${String(i).padStart(2, '0')}:00`, v]));

test('plot width: CJK and emoji take two cells, combining marks none', (t) => {
  t.equal(stringWidth('word'), 4);
  t.equal(stringWidth('工程'), 4);
  t.equal(stringWidth('한국어'), 6);
  t.equal(stringWidth('ｆｕｌｌ'), 8);
  t.equal(stringWidth('e\u0301te'), 3, 'e + combining acute is one cell');
  t.equal(stringWidth('🚀x'), 3);
  t.equal(stringWidth('👩‍💻'), 2, 'a ZWJ sequence is one emoji');
  t.equal(stringWidth('café'), 4);
  t.end();
});

test('plot width: truncate cuts to the cell budget with an ellipsis, never inside a wide character', (t) => {
  t.equal(truncate('engineering', 6), 'engin…');
  t.equal(truncate('short', 5), 'short');
  t.equal(truncate('工程师工程', 6), '工程…', 'a wide character that does not fit is left out');
  t.equal(stringWidth(padEnd('工程师工程', 6)), 6, 'padding fills the odd cell');
  t.equal(padEnd('ab', 4), 'ab  ');
  t.end();
});

test('plot width: control characters in labels cannot reach the terminal', (t) => {
  t.equal(sanitize('a\x1b[31mb\tc\nd'), 'a\uFFFD[31mb c d');
  t.end();
});

test('plot bars: bar lengths in eighth blocks', (t) => {
  t.equal(barText(0), '');
  t.equal(barText(3), '▍');
  t.equal(barText(8), '█');
  t.equal(barText(21), '██▋');
  t.end();
});

test('plot bars: labels padded, the longest bar fills the width, values after the bars', (t) => {
  const lines = drawBars(pts([['alpha', 10], ['b', 5], ['zero', 0]]), { width: 30 });
  t.deepEqual(lines, [
    'alpha ┤████████████████████ 10',
    'b     ┤██████████ 5',
    'zero  ┤ 0',
  ]);
  t.ok(lines.every((l) => stringWidth(l) <= 30));
  t.end();
});

test('plot bars: long labels are cut with … to 40% of the width', (t) => {
  const lines = drawBars(pts([['a-very-long-label-indeed-it-is', 1]]), { width: 30 });
  t.equal(lines[0], 'a-very-long… ┤██████████████ 1');
  t.equal(stringWidth(lines[0]), 30);
  t.end();
});

test('plot bars: negative values grow left of a zero column', (t) => {
  const lines = drawBars(pts([['up', 4], ['down', -4]]), { width: 30 });
  t.deepEqual(lines, [
    'up   ┤           ██████████ 4',
    'down ┤ ██████████ -4',
  ]);
  t.end();
});

test('plot bars: all zeros draw no bars and do not divide by zero', (t) => {
  t.deepEqual(drawBars(pts([['a', 0], ['b', 0]]), { width: 30 }), ['a ┤ 0', 'b ┤ 0']);
  t.deepEqual(drawBars([], { width: 30 }), []);
  t.end();
});

test('plot bars: huge values keep their text and stay in the width', (t) => {
  const p: Point[] = [{ label: 'big', value: 12345678901234567890, text: '12345678901234567890', line: 2 }, { label: 'small', value: 1, text: '1', line: 3 }];
  const lines = drawBars(p, { width: 40 });
  t.match(lines[0], /█ 12345678901234567890$/);
  t.ok(lines.every((l) => stringWidth(l) <= 40));
  t.end();
});

test('plot series: time labels are recognised, hours and weekdays are not', (t) => {
  t.ok(isTimeLabel('2025-03-16 13:26:00'));
  t.ok(isTimeLabel('2025-03-16T13:26:53.075991Z'));
  t.ok(isTimeLabel('2025-03-16'));
  t.notOk(isTimeLabel('13'));
  t.notOk(isTimeLabel('Mon'));
  t.notOk(isTimeSeries(minutes([1])), 'one point is not a series');
  t.ok(isTimeSeries(minutes([1, 2])));
  t.end();
});

test('plot series: adjacent points fold by sum, max or mean; the last group may be short', (t) => {
  t.equal(groupSize(10, 10), 1);
  t.equal(groupSize(11, 10), 2);
  t.equal(groupSize(0, 10), 1);
  t.deepEqual(aggregate([1, 2, 3, 4, 5], 2, 'sum'), [3, 7, 5]);
  t.deepEqual(aggregate([1, 2, 3, 4, 5], 2, 'max'), [2, 4, 5]);
  t.deepEqual(aggregate([1, 2, 3, 4, 5], 2, 'mean'), [1.5, 3.5, 5]);
  t.deepEqual(aggregate([1, 2], 1, 'sum'), [1, 2]);
  t.equal(formatNumber(1234), '1234');
  t.equal(formatNumber(2 / 3), '0.6667');
  t.end();
});

test('plot series: columns in eighth blocks from 0, with y and x axes, widened when points are few', (t) => {
  const { lines, group } = drawSeries(minutes([0, 1, 2, 4, 8]), { width: 50, height: 2, type: 'columns', agg: 'sum' });
  t.equal(group, 1);
  t.deepEqual(lines, [
    '8 ┤                                ████████',
    '0 ┤        ▂▂▂▂▂▂▂▂▄▄▄▄▄▄▄▄████████████████',
    '  └────────────────────────────────────────',
    '   2025-03-16 13:00:00  2025-03-16 13:04:00',
  ]);
  t.end();
});

test('plot series: negative columns hang below the zero line', (t) => {
  const { lines } = drawSeries(minutes([4, -4, 2]), { width: 40, height: 2, type: 'columns', agg: 'sum' });
  t.deepEqual(lines.slice(0, 3), [
    ' 4 ┤████████        ▄▄▄▄▄▄▄▄',
    '-4 ┤        ████████',
    '   └────────────────────────',
  ]);
  t.end();
});

test('plot series: more points than columns fold into groups, and the chart fits the width', (t) => {
  const values = Array.from({ length: 100 }, (_, i) => i % 10);
  const { lines, group } = drawSeries(minutes(values.slice(0, 60)), { width: 30, height: 3, type: 'columns', agg: 'max' });
  t.equal(group, 3, '60 points in 26 columns: 3 per column');
  t.equal(lines[3], '  └' + '─'.repeat(20));
  t.ok(lines.every((l) => stringWidth(l) <= 30), 'no line wider than 30');
  t.equal(lines.length, 3 + 1 + 2, 'the last time label moves to its own line when both do not fit');
  t.end();
});

test('plot series: a braille line spans the data range', (t) => {
  const { lines } = drawSeries(minutes([1, 2, 3, 4]), { width: 40, height: 1, type: 'line', agg: 'sum' });
  t.deepEqual(lines.slice(0, 2), ['4 ┤⣠⠞', '  └──']);
  const flat = drawSeries(minutes([5, 5]), { width: 40, height: 2, type: 'line', agg: 'sum' });
  t.deepEqual(flat.lines.slice(0, 2), ['5 ┤', '5 ┤⠉'.replace('⠉', '⣀')]);
  t.end();
});

test('plot chart: the title names the input and columns, and says how points were folded', (t) => {
  const table = { labelName: 'time', valueName: 'likes', points: minutes(Array.from({ length: 50 }, () => 1)), lines: 51 };
  const lines = drawChart(table, { title: 'likes.csv', width: 30, height: 2, type: 'auto', agg: 'sum', color: false });
  t.equal(lines[0], 'likes.csv: likes by time (sum…');
  const custom = drawChart(table, { title: 'Likes', customTitle: true, width: 60, height: 2, type: 'line', agg: 'max', color: false });
  t.equal(custom[0], 'Likes');
  const bars = drawChart(table, { title: 'Likes', customTitle: true, width: 60, height: 2, type: 'bar', agg: 'max', color: false });
  t.equal(bars.length, 51, '--type bar forces one bar per point');
  const empty = drawChart({ ...table, points: [] }, { title: 'e.csv', width: 60, height: 2, type: 'auto', agg: 'sum', color: false });
  t.deepEqual(empty, ['e.csv: likes by time', '(no data)']);
  t.end();
});

test('plot color: only on a terminal without NO_COLOR, unless forced', (t) => {
  t.equal(useColor('auto', true, {}), true);
  t.equal(useColor('auto', false, {}), false);
  t.equal(useColor('auto', true, { NO_COLOR: '1' }), false);
  t.equal(useColor('auto', true, { NO_COLOR: '' }), true, 'an empty NO_COLOR does not count');
  t.equal(useColor('always', false, { NO_COLOR: '1' }), true);
  t.equal(useColor('never', true, {}), false);
  t.equal(paint(true).bar('██'), '\x1b[32m██\x1b[0m');
  t.equal(paint(false).bar('██'), '██');
  t.end();
});
