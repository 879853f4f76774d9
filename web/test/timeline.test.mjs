// The timeline's fault markers: a fault is upcoming before its start, active
// until it heals (for ever when it never does), then healed.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Timeline } from '../js/timeline.js';

test('faults are upcoming, active, then healed', () => {
  const f = { at_s: 20, until_s: 40, what: 'zone outage' };
  assert.equal(Timeline.faultState(f, 19.9), 'upcoming');
  assert.equal(Timeline.faultState(f, 20), 'active');
  assert.equal(Timeline.faultState(f, 39.9), 'active');
  assert.equal(Timeline.faultState(f, 40), 'healed');
  const forever = { at_s: 10, until_s: null, what: 'kill' };
  assert.equal(Timeline.faultState(forever, 1e9), 'active');
});
