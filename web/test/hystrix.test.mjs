// The Hystrix board: a circuit is open when its dependency short-circuited
// calls within the rolling window, closed again once the window has passed.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HystrixBoard, WINDOW_S } from '../js/hystrix.js';

const snap = (t_s, short) => ({ t_ms: t_s * 1000, summary: { services: { recs: { failures: { short_circuited: short } } } } });

test('open while short circuits happen in the window, closed after', () => {
  const b = new HystrixBoard();
  b.add(snap(0, 0));
  b.add(snap(5, 0));
  assert.equal(b.shortInWindow('recs'), 0);
  b.add(snap(6, 12));
  assert.equal(b.shortInWindow('recs'), 12);
  b.add(snap(6 + WINDOW_S + 1, 12));
  b.add(snap(6 + WINDOW_S + 2, 12));
  assert.equal(b.shortInWindow('recs'), 0, 'the window has passed');
});
