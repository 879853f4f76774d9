// Layout: pure functions of a topology and a seed (web/js/layout.js).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as d3 from 'd3';

globalThis.d3 = d3; // as vendor/d3.min.js does in the page
const { serviceLevels, instanceTargets, instanceLayout, serviceLayout, settle, settled, boundsOf, fitTransform, SPACING } = await import('../js/layout.js');
const { topology } = await import('../fixtures/topology.mjs');

test('service levels are call depths from the entry points', () => {
  const services = [
    { id: 0, entry: true, deps: [1, 2] },
    { id: 1, entry: false, deps: [3] },
    { id: 2, entry: false, deps: [3, 2] }, // a self-call is not a level down
    { id: 3, entry: false, deps: [] },
    { id: 4, entry: false, deps: [] }, // unreachable: level 0
  ];
  assert.deepEqual(serviceLevels(services), [0, 1, 1, 2, 0]);
});

test('service levels end on cycles and default to 0 without entry points', () => {
  // a cycle pushes levels down until they pass the number of services, then stops
  const cycle = [{ id: 0, entry: true, deps: [1] }, { id: 1, entry: false, deps: [0] }, { id: 2, entry: false, deps: [] }];
  const levels = serviceLevels(cycle);
  assert.ok(levels.every((l) => l >= 0 && l <= cycle.length), `levels ${levels}`);
  assert.equal(levels[2], 0);
  assert.deepEqual(serviceLevels([{ id: 0, deps: [] }, { id: 1, deps: [] }]), [0, 0]);
});

test('instance targets: each zone a wedge, deeper services further out, spanning instances apart', () => {
  const topo = topology({ zones: 3, perZone: 4 });
  const levels = serviceLevels(topo.services);
  const { tx, ty, regionRadius, regionCentres } = instanceTargets(topo, levels);
  assert.equal(regionCentres.length, 1);
  const polar = (id) => ({ r: Math.hypot(tx[id], ty[id]), a: Math.atan2(ty[id], tx[id]) });
  const byZone = new Map();
  topo.instances.forEach(([, svc, ri, , zone], id) => {
    if (ri < 0) return;
    const { r, a } = polar(id);
    assert.ok(r > 0 && r <= regionRadius, `instance ${id} at radius ${r} inside the region (${regionRadius})`);
    if (!byZone.has(zone)) byZone.set(zone, []);
    byZone.get(zone).push({ svc, r, a });
  });
  // every zone's instances sit within one wedge of 120°, around the wedge's middle
  [...byZone.values()].forEach((list, z) => {
    const mid = -Math.PI / 2 + ((2 * Math.PI) / 3) * z;
    for (const { a } of list) {
      const off = Math.abs(Math.atan2(Math.sin(a - mid), Math.cos(a - mid)));
      assert.ok(off < Math.PI / 3, `zone ${z}: ${off} rad off the wedge's middle`);
    }
  });
  // the entry service (level 0) is nearer the centre than the one it calls (level 1)
  const rOf = (svc) => Math.max(...[...byZone.values()].flat().filter((x) => x.svc === svc).map((x) => x.r));
  const rMin = (svc) => Math.min(...[...byZone.values()].flat().filter((x) => x.svc === svc).map((x) => x.r));
  assert.ok(rOf(0) < rMin(1), `entry band ${rOf(0)} inside the next band ${rMin(1)}`);
  // the spanning (global) instance sits above the region, outside it
  const g = topo.instances.findIndex((x) => x[2] < 0);
  assert.ok(ty[g] < -regionRadius, `global instance at y=${ty[g]}`);
  // no two instances share a target
  const seen = new Set();
  for (let i = 0; i < tx.length; i++) seen.add(`${tx[i].toFixed(3)},${ty[i].toFixed(3)}`);
  assert.equal(seen.size, tx.length);
});

test('several regions are discs side by side that do not overlap', () => {
  const topo = topology({ regions: 3, zones: 3, perZone: 2 });
  const { regionRadius, regionCentres } = instanceTargets(topo, serviceLevels(topo.services));
  assert.equal(regionCentres.length, 3);
  for (let i = 0; i < 3; i++) {
    for (let j = i + 1; j < 3; j++) {
      const [a, b] = [regionCentres[i], regionCentres[j]];
      assert.ok(Math.hypot(a[0] - b[0], a[1] - b[1]) > 2 * regionRadius, `regions ${i} and ${j} overlap`);
    }
  }
});

const positions = (nodes) => nodes.map((d) => [d.x, d.y]);

test('the same seed gives the same instance layout, another seed another', () => {
  const topo = topology({ zones: 3, perZone: 6 });
  const levels = serviceLevels(topo.services);
  const run = (seed) => { const l = instanceLayout(topo, levels, seed); settle(l.sim); return positions(l.nodes); };
  const a = run(7), b = run(7), c = run(8);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  // and no Math.random: replacing it changes nothing
  const saved = Math.random;
  Math.random = () => 0.5;
  try { assert.deepEqual(run(7), a); } finally { Math.random = saved; }
});

test('the same seed gives the same services layout, another seed another', () => {
  const topo = topology({ zones: 3, perZone: 2 });
  const levels = serviceLevels(topo.services);
  const run = (seed) => { const l = serviceLayout(topo, levels, seed); settle(l.sim, 300); return positions(l.nodes); };
  const a = run(1), b = run(1), c = run(2);
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
  const saved = Math.random;
  Math.random = () => 0.25;
  try { assert.deepEqual(run(1), a); } finally { Math.random = saved; }
});

test('the instance layout settles near its targets and stops', () => {
  const topo = topology({ zones: 3, perZone: 3 });
  const l = instanceLayout(topo, serviceLevels(topo.services), 1);
  assert.ok(!settled(l.sim));
  const ticks = settle(l.sim);
  assert.ok(settled(l.sim) && ticks > 10 && ticks < 200, `${ticks} ticks`);
  l.nodes.forEach((d, i) => {
    assert.ok(Math.hypot(d.x - l.tx[i], d.y - l.ty[i]) < SPACING * 1.5, `instance ${i} near its target`);
  });
});

test('boundsOf and fitTransform centre a box in the view', () => {
  const b = boundsOf([{ x: 0, y: 0 }, { x: 100, y: 50 }], 10);
  assert.deepEqual(b, [-10, -10, 110, 60]);
  const { k, x, y } = fitTransform(b, 1000, 800);
  assert.equal(k, Math.min(960 / 120, 740 / 70, 8));
  // the box's centre lands on the view's centre
  assert.equal(x + k * 50, 500);
  assert.equal(y + k * 25, 400);
});
