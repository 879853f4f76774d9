// What the snapshots say, per instance, per service and per edge: no DOM, no
// drawing. Instance states are the topology's own names (`instance_states`,
// whose index is the code in snapshot.state), mapped once per topology.

const KEEP = 0.4; // edge smoothing: share of the previous rate kept per snapshot
const FORGET_BELOW = 0.05; // an edge without traffic is dropped once its rates fall below this
export const COLD_BELOW = 0.5; // a cache instance holding less than half its capacity is cold

export class SnapshotModel {
  constructor() { this.topo = null; this.n = 0; }

  setTopology(topo) {
    this.topo = topo;
    const n = topo.instances.length, S = topo.services.length;
    this.n = n;
    this.S = S;
    this.stateNames = topo.instance_states ?? [];
    this.codeOf = new Map(this.stateNames.map((name, code) => [name, code]));
    this.upCode = this.code('up');
    this.offCode = this.code('off'); // a place an autoscaler has not started: not drawn
    this.startingCode = this.code('starting'); // booting: drawn, not yet serving
    this.serviceOf = Int32Array.from(topo.instances, (x) => x[1]);
    this.svcSize = new Uint32Array(S); // instances of each service
    for (const s of this.serviceOf) this.svcSize[s]++;
    this.state = new Uint8Array(n).fill(Math.max(0, this.upCode));
    this.rps = new Float32Array(n);
    this.err = new Float32Array(n);
    this.lat = new Float32Array(n);
    this.visible = new Uint8Array(n).fill(1);
    this.focus = null; // a Set of service ids: only they are drawn (focus mode)
    this.version = null; // per instance, its version's index in its service's `versions` (-1: none); null without versions
    this.edges = new Map(); // a * n + b -> {a, b, rps, err}, smoothed
    this.svcRps = new Float32Array(S);
    this.svcErr = new Float32Array(S);
    this.svcLat = new Float32Array(S); // mean over answered requests
    this.svcUp = new Uint32Array(S);
    this.svcLive = new Uint32Array(S); // instances that serve or should (not off, not booting)
    this.svcStates = new Uint32Array(S * Math.max(1, this.stateNames.length)); // [s * K + code] -> instances
    this.svcEdges = new Map(); // sa * S + sb -> {a, b, rps, err, detached}
    this.detachedPairs = detachedPairs(topo.services, S);
    this.cache = new Map(); // instance of a cache with a capacity -> {hit (window, null without reads), full}
    this.aggregateServices(); // all up until a snapshot says otherwise
  }

  // Whether calls from service sa to sb are never waited for (mirror or async).
  isDetached(sa, sb) { return this.detachedPairs.has(sa * this.S + sb); }

  // Code of a state name, -1 when this topology has no such state.
  code(name) { return this.codeOf.get(name) ?? -1; }
  stateName(i) { return this.stateNames[this.state[i]] ?? 'unknown'; }
  isUp(i) { return this.state[i] === this.upCode; }
  // Instances in a state, overall or of one service.
  countIn(name) {
    const c = this.code(name);
    let k = 0;
    for (let i = 0; i < this.n; i++) if (this.state[i] === c) k++;
    return k;
  }
  serviceCountIn(s, name) {
    const c = this.code(name);
    return c < 0 ? 0 : this.svcStates[s * Math.max(1, this.stateNames.length) + c];
  }

  // A snapshot: rates since the previous one; edges smoothed so the picture
  // does not flicker.
  update(snap) {
    if (!this.topo) return;
    const n = this.n;
    for (let i = 0; i < n; i++) {
      this.state[i] = snap.state[i] | 0;
      this.rps[i] = snap.rps[i] || 0;
      this.err[i] = snap.err[i] || 0;
      this.lat[i] = snap.lat_ms?.[i] || 0;
    }
    if (snap.visible) for (let i = 0; i < n; i++) this.visible[i] = snap.visible[i] ? 1 : 0;
    else if (this.offCode >= 0) for (let i = 0; i < n; i++) this.visible[i] = this.state[i] === this.offCode ? 0 : 1;
    this.updateEdges(snap.edges || []);
    this.version = Array.isArray(snap.version) ? snap.version : null;
    this.cache.clear();
    for (const [i, hit, full] of snap.caches || []) this.cache.set(i, { hit, full });
    this.aggregateServices();
  }

  // Instances of service s whose cache is cold (under COLD_BELOW of its capacity): a restarted cache starts empty.
  coldCaches(s) {
    let k = 0;
    for (const [i, c] of this.cache) if (this.serviceOf[i] === s && c.full < COLD_BELOW) k++;
    return k;
  }

  updateEdges(rows) {
    const n = this.n;
    for (const e of this.edges.values()) e.fresh = false;
    for (const [a, b, rps, err] of rows) {
      const key = a * n + b;
      let e = this.edges.get(key);
      if (!e) {
        e = { a, b, rps: 0, err: 0, fresh: true, detached: this.isDetached(this.serviceOf[a], this.serviceOf[b]) };
        this.edges.set(key, e);
      }
      e.rps = e.rps * KEEP + rps * (1 - KEEP);
      e.err = e.err * KEEP + err * (1 - KEEP);
      e.fresh = true;
    }
    for (const [key, e] of this.edges) {
      if (!e.fresh) { e.rps *= KEEP; e.err *= KEEP; if (e.rps + e.err < FORGET_BELOW) this.edges.delete(key); }
    }
  }

  aggregateServices() {
    const S = this.S, K = Math.max(1, this.stateNames.length), of = this.serviceOf;
    this.svcRps.fill(0); this.svcErr.fill(0); this.svcLat.fill(0); this.svcUp.fill(0); this.svcStates.fill(0); this.svcLive.fill(0);
    for (let i = 0; i < this.n; i++) {
      const s = of[i];
      this.svcRps[s] += this.rps[i];
      this.svcErr[s] += this.err[i];
      this.svcLat[s] += this.lat[i] * this.rps[i];
      if (this.state[i] === this.upCode) this.svcUp[s]++;
      if (this.state[i] !== this.offCode && this.state[i] !== this.startingCode) this.svcLive[s]++;
      if (this.state[i] < K) this.svcStates[s * K + this.state[i]]++;
    }
    for (let s = 0; s < S; s++) this.svcLat[s] = this.svcRps[s] > 0 ? this.svcLat[s] / this.svcRps[s] : 0;
    this.svcEdges.clear();
    for (const e of this.edges.values()) {
      const sa = of[e.a], sb = of[e.b];
      const key = sa * S + sb;
      let se = this.svcEdges.get(key);
      if (!se) { se = { a: sa, b: sb, rps: 0, err: 0, detached: this.isDetached(sa, sb) }; this.svcEdges.set(key, se); }
      se.rps += e.rps; se.err += e.err;
    }
  }
}

// Service pairs (sa * S + sb) whose every dependency is one nobody waits for:
// the topology's dep_kinds (parallel to deps) says "mirror" or "async". A
// pair also called for real is drawn as a call. Older topologies have no
// dep_kinds: every dependency is a call.
export function detachedPairs(services, S) {
  const pairs = new Set();
  for (const s of services) {
    const kinds = s.dep_kinds ?? [];
    const waited = new Set(), detached = new Set();
    s.deps.forEach((d, i) => ((kinds[i] ?? 'call') === 'call' ? waited : detached).add(d));
    for (const d of detached) if (!waited.has(d)) pairs.add(s.id * S + d);
  }
  return pairs;
}
