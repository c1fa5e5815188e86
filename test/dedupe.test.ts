import test from 'tape';
import { Dedupe } from '../lib/events/dedupe.js';
import { MINUTE_US } from '../lib/time.js';
import { random } from './reference/gen.js';

const W = 10 * MINUTE_US;
const T0 = Date.UTC(2025, 2, 16, 12) * 1000;

test('Dedupe: an event seen again within the window is a duplicate, as a naive map of last times says', (t) => {
  const rnd = random(3);
  const d = new Dedupe(W);
  const firstSeen = new Map<string, number>();
  let now = T0;
  let checked = 0;
  for (let i = 0; i < 200_000; i++) {
    now += Math.floor(rnd() * 20_000); // about 100 events a second
    // A redelivery of a recent key (within the window) or a new key.
    const redeliver = rnd() < 0.05 && i > 0;
    const key = redeliver ? `k${Math.max(0, i - 1 - Math.floor(rnd() * 50_000))}` : `k${i}`;
    const first = firstSeen.get(key);
    const dup = d.seen(key, now);
    if (first === undefined) {
      if (dup) return t.fail(`${key}: never seen, taken for a duplicate`), t.end();
      firstSeen.set(key, now);
    } else if (now - first < W) {
      checked++;
      if (!dup) return t.fail(`${key}: seen ${(now - first) / 1e6} s before, within the window, not caught`), t.end();
    }
  }
  t.ok(checked > 1000, `${checked} redeliveries within the window caught`);
  t.ok(d.size < 250_000, `memory bounded by the window (${d.size} keys held)`);
  t.end();
});

test('Dedupe: after a gap in event time the memory moves on and stays bounded', (t) => {
  const d = new Dedupe(W);
  for (let i = 0; i < 5000; i++) d.seen(`a${i}`, T0 + i * 100_000);
  const later = T0 + 24 * 60 * MINUTE_US;
  // Several windows of events a day later, 100 a second.
  for (let i = 0; i < 300_000; i++) d.seen(`b${i}`, later + i * 10_000);
  t.ok(d.size <= 2 * W / 10_000 + 1000, `only the last two windows held (${d.size} keys)`);
  t.equal(d.seen('b299999', later + 300_000 * 10_000), true, 'the newest events are known');
  t.equal(d.seen('a10', later + 300_000 * 10_000), false, 'the events of a day before are forgotten');
  t.end();
});
