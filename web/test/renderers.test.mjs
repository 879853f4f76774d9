// The views' renderers (web/js/render-*.js) without a canvas: what they
// derive from the model, and the shape GraphView relies on.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as d3 from 'd3';
import { topology } from '../fixtures/topology.mjs';

globalThis.d3 = d3;
const { RENDERERS } = await import('../js/renderers.js');
const { SnapshotModel } = await import('../js/model.js');
const { serviceLevels } = await import('../js/layout.js');
const { COLORS } = await import('../js/palette.js');

function setup(states) {
  const topo = topology({ zones: 2, perZone: 2, states });
  const model = new SnapshotModel();
  model.setTopology(topo);
  const make = (name) => new RENDERERS[name](model, { levels: serviceLevels(topo.services), seed: 1 });
  return { topo, model, make };
}

test('every renderer has what GraphView calls', () => {
  const { make } = setup();
  const methods = ['activate', 'bounds', 'nodeOfInstance', 'pickKind', 'shows', 'edges', 'showsEdge', 'count', 'visibleCount', 'radius', 'color', 'neighbours', 'drawStatic'];
  for (const name of Object.keys(RENDERERS)) {
    const r = make(name);
    for (const m of methods) assert.equal(typeof r[m], 'function', `${name}.${m}`);
    assert.ok(r.sim && Array.isArray(r.nodes) && r.nodes.length === r.count(), `${name}: a simulation and a node per id`);
    assert.equal(typeof RENDERERS[name].label, 'string');
    r.activate();
    const [x0, y0, x1, y1] = r.bounds();
    assert.ok(x1 > x0 && y1 > y0, `${name}: bounds`);
  }
});

test('services view: up, degraded when some instances are not up, down or zombie when none is', () => {
  // codes unlike sim-core's, to show the names decide
  const { topo, model, make } = setup(['down', 'zombie', 'up']);
  const r = make('services');
  const byName = (n) => topo.services.find((s) => s.name === n);
  const [web, api, db] = ['web', 'api', 'db'].map(byName);
  const state = Array(topo.instances.length).fill(2);
  state[api.first] = 0; // one api instance down: degraded
  for (let i = db.first; i < db.first + db.count; i++) state[i] = 0; // all db down, one a zombie
  state[db.first + 1] = 1;
  const zeros = Array(topo.instances.length).fill(0);
  model.update({ state, rps: zeros, err: zeros, lat_ms: zeros, edges: [] });
  assert.equal(r.state(web.id), 'up');
  assert.equal(r.state(api.id), 'degraded');
  assert.equal(r.state(db.id), 'zombie');
  assert.equal(r.color(api.id), COLORS.degraded);
  assert.equal(r.color(db.id), COLORS.zombie);
  assert.equal(r.color(web.id), COLORS.idle, 'up without traffic is idle');
  state[db.first + 1] = 0;
  model.update({ state, rps: zeros, err: zeros, lat_ms: zeros, edges: [] });
  assert.equal(r.state(db.id), 'down');
  assert.equal(r.nodeOfInstance(api.first + 1), api.id);
});

test('instances view: colour by state name and error share; neighbours by traffic', () => {
  const { topo, model, make } = setup();
  const r = make('instances');
  const n = topo.instances.length;
  const arr = (f) => Array.from({ length: n }, (_, i) => f(i));
  model.update({
    state: arr((i) => (i === 1 ? 1 : i === 2 ? 2 : 0)), rps: arr((i) => (i === 3 ? 100 : i === 4 ? 10 : 0)),
    err: arr((i) => (i === 4 ? 1 : 0)), lat_ms: arr(() => 0), edges: [[0, 5, 1, 0], [6, 0, 1, 0]],
  });
  assert.equal(r.color(1), COLORS.down);
  assert.equal(r.color(2), COLORS.zombie);
  assert.equal(r.color(3), COLORS.up);
  assert.equal(r.color(4), COLORS.degraded, '1 failed in 11 is over 2 %');
  assert.equal(r.color(7), COLORS.idle);
  assert.deepEqual([...r.neighbours(0)].sort(), [0, 5, 6]);
  assert.ok(r.radius(3) > r.radius(7), 'traffic makes a dot bigger');
});

test('the death star puts services on one ring by call depth and bends calls through the middle', async () => {
  const { ringLayout, BUNDLE } = await import('../js/render-deathstar.js');
  const { topo, make } = setup();
  const r = make('deathstar');
  const radii = r.nodes.map((d) => Math.hypot(d.x, d.y));
  for (const q of radii) assert.ok(Math.abs(q - r.R) < 1e-9, 'every service on the ring');
  const levels = serviceLevels(topo.services);
  const { nodes } = ringLayout(topo.services, levels);
  // walking the ring from the top, call depth never decreases
  const byAngle = [...nodes].sort((a, b) => a.angle - b.angle).map((d) => levels[d.index]);
  for (let i = 1; i < byAngle.length; i++) assert.ok(byAngle[i] >= byAngle[i - 1], `${byAngle}`);
  assert.ok(BUNDLE > 0 && BUNDLE < 1);
  assert.ok(r.sim.alpha() < r.sim.alphaMin(), 'fixed positions: settled at once');
});

test('focus shows one service and its neighbours in every view', () => {
  const { topo, model, make } = setup();
  const s = topo.services.find((x) => x.deps.length > 0);
  model.focus = new Set([s.id, ...s.deps]);
  for (const name of Object.keys(RENDERERS)) {
    const r = make(name);
    const shown = [...Array(r.count()).keys()].filter((i) => r.shows(i));
    const services = new Set(shown.map((i) => r.pickKind() === 'instance' ? model.serviceOf[i] : i));
    assert.deepEqual([...services].sort(), [...model.focus].sort(), name);
    assert.equal(r.visibleCount(), shown.length, name);
  }
  model.focus = null;
});
