import test from 'tape';
import { wallMicros } from '../lib/time.js';

const at = (iso: string): number => Date.parse(iso + 'Z') * 1000;

test('wallMicros: canonical times to microseconds, with or without fraction, T or space', (t) => {
  t.equal(wallMicros('2025-03-16T13:26:53.075991'), at('2025-03-16T13:26:53') + 75_991);
  t.equal(wallMicros('2025-03-16 13:26:53'), at('2025-03-16T13:26:53'));
  t.equal(wallMicros('2025-03-16T13:26:54.5Z'), at('2025-03-16T13:26:54') + 500_000, 'the same minute again (cached), a short fraction');
  t.equal(wallMicros('2024-02-29T00:00:00'), at('2024-02-29T00:00:00'), '29 February of a leap year');
  t.equal(wallMicros('0025-01-01T00:00:00'), Date.parse('0025-01-01T00:00:00Z') * 1000, 'year 25 is year 25, not 1925');
  t.end();
});

test('wallMicros: NaN for a field out of its range, instead of rolling over to another time', (t) => {
  for (const bad of [
    '2025-13-01T00:00:00', '2025-00-10T00:00:00', '2025-02-29T00:00:00', '2025-04-31T00:00:00', '2025-03-00T00:00:00',
    '2025-03-16T24:00:00', '2025-03-16T13:60:00', '2025-03-16T13:26:60', '2025-03-16T13:26:75', 'not a time at all!',
  ]) t.ok(Number.isNaN(wallMicros(bad)), bad);
  // The same minute as a good time just before: the cached path checks the seconds too.
  t.ok(!Number.isNaN(wallMicros('2025-03-16T13:26:59')));
  t.ok(Number.isNaN(wallMicros('2025-03-16T13:26:61')), 'seconds 61 after a good time of the same minute');
  t.end();
});
