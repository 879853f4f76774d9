// The snapshot model: per-instance and per-service state, rates and latency,
// smoothed edges (web/js/model.js). No d3, no DOM.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SnapshotModel } from '../js/model.js';
import { topology } from '../fixtures/topology.mjs';

// A snapshot of the fixture: everything up, quiet, unless given.
function snapshot(topo, { state = {}, rps = {}, err = {}, lat = {}, edges = [], visible } = {}) {
  const n = topo.instances.length;
  const arr = (m, d) => Array.from({ length: n }, (_, i) => m[i] ?? d);
  const up = topo.instance_states.indexOf('up');
  return { t_ms: 1000, state: arr(state, up), rps: arr(rps, 0), err: arr(err, 0), lat_ms: arr(lat, 0), edges, visible, timeline: [] };
}

const idsOf = (topo, name) => { const s = topo.services.find((x) => x.name === name); return Array.from({ length: s.count }, (_, k) => s.first + k); };

test('instance states are the topology\'s names, whatever their codes', () => {
  // codes in another order than sim-core's: the model must not assume 0 = up
  const topo = topology({ states: ['zombie', 'up', 'down'] });
  const m = new SnapshotModel();
  m.setTopology(topo);
  assert.ok(m.isUp(0), 'up before any snapshot');
  assert.equal(m.stateName(0), 'up');
  assert.deepEqual(Array.from(m.svcUp), Array.from(m.svcSize), 'every service wholly up before any snapshot');
  assert.equal(m.serviceCountIn(0, 'up'), m.svcSize[0]);
  const [a, b, c] = idsOf(topo, 'api');
  m.update(snapshot(topo, { state: { [a]: 2, [b]: 0, [c]: 1 } }));
  assert.equal(m.stateName(a), 'down');
  assert.equal(m.stateName(b), 'zombie');
  assert.equal(m.stateName(c), 'up');
  assert.ok(!m.isUp(a) && !m.isUp(b) && m.isUp(c));
  assert.equal(m.countIn('down'), 1);
  assert.equal(m.countIn('zombie'), 1);
  assert.equal(m.countIn('up'), topo.instances.length - 2);
  assert.equal(m.code('hang'), -1, 'a name the topology lacks has no code');
  assert.equal(m.countIn('hang'), 0);
});

test('per-service sums of rates, up and state counts, rate-weighted latency', () => {
  const topo = topology({ zones: 2, perZone: 2 });
  const m = new SnapshotModel();
  m.setTopology(topo);
  const api = topo.services.find((s) => s.name === 'api').id;
  const [a, b, c, d] = idsOf(topo, 'api');
  m.update(snapshot(topo, {
    rps: { [a]: 10, [b]: 30, [c]: 0, [d]: 0 }, err: { [a]: 1, [b]: 2 }, lat: { [a]: 10, [b]: 30 },
    state: { [c]: 1, [d]: 2 },
  }));
  assert.equal(m.svcRps[api], 40);
  assert.equal(m.svcErr[api], 3);
  assert.equal(m.svcLat[api], (10 * 10 + 30 * 30) / 40);
  assert.equal(m.svcSize[api], 4);
  assert.equal(m.svcUp[api], 2);
  assert.equal(m.serviceCountIn(api, 'down'), 1);
  assert.equal(m.serviceCountIn(api, 'zombie'), 1);
  assert.equal(m.serviceCountIn(api, 'up'), 2);
  const web = topo.services.find((s) => s.name === 'web').id;
  assert.equal(m.svcUp[web], m.svcSize[web], 'other services untouched');
  assert.equal(m.svcRps[web], 0);
});

test('edges are smoothed, decay without traffic, then go; service edges sum them', () => {
  const topo = topology({ zones: 1, perZone: 2 });
  const m = new SnapshotModel();
  m.setTopology(topo);
  const [w0, w1] = idsOf(topo, 'web'), [a0] = idsOf(topo, 'api');
  const S = topo.services.length, n = topo.instances.length;
  m.update(snapshot(topo, { edges: [[w0, a0, 10, 1], [w1, a0, 20, 0]] }));
  assert.equal(m.edges.size, 2);
  assert.deepEqual([m.edges.get(w0 * n + a0).rps, m.edges.get(w0 * n + a0).err], [6, 0.6]); // 60 % of the new rate
  let se = m.svcEdges.get(0 * S + 1);
  assert.deepEqual([se.a, se.b], [0, 1]);
  assert.ok(Math.abs(se.rps - 18) < 1e-9 && Math.abs(se.err - 0.6) < 1e-9, `service edge ${se.rps} ${se.err}`);
  m.update(snapshot(topo, { edges: [[w0, a0, 10, 1]] }));
  assert.ok(Math.abs(m.edges.get(w0 * n + a0).rps - (6 * 0.4 + 6)) < 1e-9, 'smoothed towards the new rate');
  assert.ok(Math.abs(m.edges.get(w1 * n + a0).rps - 12 * 0.4) < 1e-9, 'an edge without traffic decays');
  for (let k = 0; k < 10; k++) m.update(snapshot(topo));
  assert.equal(m.edges.size, 0, 'and is dropped once quiet');
  assert.equal(m.svcEdges.size, 0);
});

test('visibility follows the snapshot when it has one (graph replays)', () => {
  const topo = topology({ zones: 1, perZone: 1 });
  const m = new SnapshotModel();
  m.setTopology(topo);
  assert.ok(m.visible.every((v) => v === 1));
  const visible = topo.instances.map((_, i) => i % 2 === 0);
  m.update(snapshot(topo, { visible }));
  assert.deepEqual(Array.from(m.visible), visible.map((v) => (v ? 1 : 0)));
  m.update(snapshot(topo)); // no visible field: unchanged
  assert.deepEqual(Array.from(m.visible), visible.map((v) => (v ? 1 : 0)));
});

test('a new topology starts afresh', () => {
  const topo = topology({ zones: 1, perZone: 1 });
  const m = new SnapshotModel();
  m.setTopology(topo);
  m.update(snapshot(topo, { state: { 0: 1 }, rps: { 0: 5 }, edges: [[0, 1, 5, 0]] }));
  m.setTopology(topology({ zones: 2, perZone: 1 }));
  assert.equal(m.n, 7);
  assert.ok(m.isUp(0));
  assert.equal(m.rps[0], 0);
  assert.equal(m.edges.size, 0);
});

test('places an autoscaler keeps off are hidden and do not make a service degraded', () => {
  const topo = topology({ states: ['up', 'down', 'zombie', 'off', 'starting'] });
  const m = new SnapshotModel();
  m.setTopology(topo);
  const api = idsOf(topo, 'api');
  const off = topo.instance_states.indexOf('off'), starting = topo.instance_states.indexOf('starting');
  // Half of api's places are off, one is starting.
  const state = {};
  api.slice(0, 3).forEach((i) => { state[i] = off; });
  state[api[3]] = starting;
  m.update(snapshot(topo, { state }));
  assert.deepEqual(api.map((i) => m.visible[i]), [0, 0, 0, 1, 1, 1], 'off places are not drawn');
  assert.equal(m.svcLive[1], api.length - 4, 'off and booting places are not (yet) serving instances');
  assert.equal(m.svcUp[1], m.svcLive[1], 'so the service is wholly up, not degraded');
  assert.equal(m.stateName(api[3]), 'starting');
  // Scaled out: all visible again.
  m.update(snapshot(topo));
  assert.ok(api.every((i) => m.visible[i] === 1));
  assert.equal(m.svcLive[1], api.length);
});

test('edges nobody waits for (mirror, async) are flagged detached; a pair also called for real is not', () => {
  const topo = topology({ zones: 1, perZone: 1 });
  const [web, api, db, dns] = ['web', 'api', 'db', 'dns'].map((n) => topo.services.find((s) => s.name === n));
  web.deps = [api.id, dns.id, db.id]; web.dep_kinds = ['call', 'mirror', 'async'];
  api.deps = [db.id, db.id]; api.dep_kinds = ['async', 'call'];
  const m = new SnapshotModel();
  m.setTopology(topo);
  assert.ok(m.isDetached(web.id, dns.id) && m.isDetached(web.id, db.id));
  assert.ok(!m.isDetached(web.id, api.id), 'a call');
  assert.ok(!m.isDetached(api.id, db.id), 'also called for real');
  m.update(snapshot(topo, { edges: [[web.first, dns.first, 5, 0], [web.first, api.first, 50, 0]] }));
  const byPair = (a, b) => [...m.edges.values()].find((e) => e.a === a && e.b === b);
  assert.equal(byPair(web.first, dns.first).detached, true);
  assert.equal(byPair(web.first, api.first).detached, false);
  assert.equal(m.svcEdges.get(web.id * m.S + dns.id).detached, true, 'the services view too');
  // A topology without dep_kinds (an older engine): every dependency is a call.
  delete web.dep_kinds;
  m.setTopology(topo);
  assert.ok(!m.isDetached(web.id, dns.id));
});

test('cache instances under half their capacity count as cold, per service', () => {
  const topo = topology();
  const m = new SnapshotModel();
  m.setTopology(topo);
  const [a, b, c] = idsOf(topo, 'api');
  assert.equal(m.coldCaches(topo.instances[a][1]), 0, 'no cache data: nothing cold');
  m.update({ ...snapshot(topo), caches: [[a, 0.9, 1], [b, null, 0.1], [c, 0.2, 0.49]] });
  assert.equal(m.coldCaches(topo.instances[a][1]), 2);
  assert.deepEqual(m.cache.get(b), { hit: null, full: 0.1 });
  m.update(snapshot(topo));
  assert.equal(m.coldCaches(topo.instances[a][1]), 0, 'a snapshot without caches clears them');
});
