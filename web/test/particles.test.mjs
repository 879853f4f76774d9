// Particles along edges (web/js/particles.js): spawned in proportion to
// rates, capped, moved on, dropped on arrival.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Particles, PARTICLE_WALL_MS } from '../js/particles.js';

test('particles follow the rates, failures apart, and arrive', () => {
  const p = new Particles(1000, () => 0); // random 0: every fraction spawns
  p.spawn(new Map([[0, { a: 1, b: 2, rps: 10, err: 4 }]]), 1000); // a model's edges are a Map
  // 10 - 4 = 6 ok and 4 failed per second for one second
  assert.equal(p.count, 10);
  let failed = 0;
  for (let i = 0; i < p.count; i++) { failed += p.err[i]; assert.equal(p.from[i], 1); assert.equal(p.to[i], 2); }
  assert.equal(failed, 4);
  p.advance(PARTICLE_WALL_MS / 2);
  assert.equal(p.count, 10);
  p.advance(PARTICLE_WALL_MS / 2);
  assert.equal(p.count, 0, 'all arrived');
});

test('particles stay under the cap and skip excluded edges', () => {
  const p = new Particles(100, () => 0);
  p.spawn([{ a: 0, b: 1, rps: 1e6, err: 0 }, { a: 2, b: 3, rps: 1e6, err: 0 }], 1000, (e) => e.a !== 2);
  assert.ok(p.count > 0 && p.count <= 100, `${p.count} particles`);
  for (let i = 0; i < p.count; i++) assert.equal(p.from[i], 0);
  p.clear();
  assert.equal(p.count, 0);
  p.spawn([], 1000);
  assert.equal(p.count, 0);
});
