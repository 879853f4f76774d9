// Replays a spigo (or microsim) graph.json: nodes and edges appear in the
// order of their timestamps, the whole file compressed to a few seconds of
// wall time. No simulation: same engine shape as WasmEngine.

const REPLAY_WALL_MS = 4000;

// RFC 3339 with up to nanoseconds -> ms since the epoch (fraction kept).
export function parseTimestamp(s) {
  if (typeof s !== 'string') return NaN;
  const m = s.match(/^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?(.*)$/);
  if (!m) return Date.parse(s);
  const base = Date.parse(m[1] + (m[3] || 'Z'));
  const frac = m[2] ? Number('0.' + m[2]) * 1000 : 0;
  return base + frac;
}

function splitName(name) {
  // arch.region.zone.serviceNN (spigo), with '*' for spanning nodes
  const p = name.split('.');
  if (p.length >= 4) return { region: p[1], zone: p[2], base: p.slice(3).join('.') };
  return { region: '*', zone: '*', base: p[p.length - 1] };
}

export function buildReplay(doc) {
  const entries = (doc.graph || []).filter((e) => e && typeof e === 'object');
  const nodeInfo = new Map(); // name -> {t, package}
  const edgeList = []; // {id, source, target, t, forgetT}
  const edgeById = new Map();
  let t0 = Infinity, t1 = -Infinity;
  const note = (t) => { if (Number.isFinite(t)) { t0 = Math.min(t0, t); t1 = Math.max(t1, t); } };
  for (const e of entries) {
    const t = parseTimestamp(e.timestamp);
    if (typeof e.node === 'string') {
      if (!nodeInfo.has(e.node)) { nodeInfo.set(e.node, { t, package: e.package || '' }); note(t); }
    } else if (typeof e.edge === 'string' || (e.source && e.target && !('forget' in e))) {
      const ed = { id: e.edge, source: e.source, target: e.target, t, forgetT: Infinity };
      edgeList.push(ed); edgeById.set(e.edge, ed); note(t);
      for (const n of [e.source, e.target]) if (!nodeInfo.has(n)) nodeInfo.set(n, { t, package: '' });
    } else if ('forget' in e) {
      const ed = edgeById.get(e.forget);
      if (ed) ed.forgetT = t;
      else for (const x of edgeList) if (x.source === e.source && x.target === e.target) x.forgetT = t;
    }
  }
  if (!Number.isFinite(t0)) { t0 = 0; t1 = 0; }

  // Services: the instance name without its trailing digits, in order of appearance.
  const regions = [], zones = [], services = [], svcIndex = new Map();
  const raw = [];
  for (const [name, info] of nodeInfo) {
    const { region, zone, base } = splitName(name);
    const svcName = base.replace(/\d+$/, '') || base;
    if (!svcIndex.has(svcName)) {
      svcIndex.set(svcName, services.length);
      services.push({ id: services.length, name: svcName, package: info.package, first: 0, count: 0, deps: [], entry: false });
    }
    if (region !== '*' && !regions.includes(region)) regions.push(region);
    if (zone !== '*' && !zones.includes(zone)) zones.push(zone);
    raw.push({ name, svc: svcIndex.get(svcName), region, zone, t: info.t });
  }
  // Dense ids grouped by service, so a service's instances are first..first+count.
  raw.sort((a, b) => a.svc - b.svc);
  const idOf = new Map();
  const instances = raw.map((r, i) => {
    idOf.set(r.name, i);
    const s = services[r.svc];
    if (s.count === 0) s.first = i;
    s.count++;
    const ri = r.region === '*' ? -1 : regions.indexOf(r.region);
    return [r.name, r.svc, ri, r.region, r.zone];
  });
  const appear = raw.map((r) => (Number.isFinite(r.t) ? r.t - t0 : 0));
  const edges = edgeList.map((e) => ({
    from: idOf.get(e.source), to: idOf.get(e.target),
    t: Number.isFinite(e.t) ? e.t - t0 : 0,
    until: Number.isFinite(e.forgetT) ? e.forgetT - t0 : Infinity,
  }));
  for (const e of edges) {
    const a = services[instances[e.from][1]], b = instances[e.to][1];
    if (!a.deps.includes(b)) a.deps.push(b);
  }
  const called = new Set(services.flatMap((s) => s.deps.filter((d) => d !== s.id)));
  for (const s of services) s.entry = !called.has(s.id);
  const topology = {
    arch: doc.arch || 'graph', regions, zones: zones.length ? zones : ['zoneA'], services,
    instance_fields: ['name', 'service', 'region_index', 'region', 'zone'], instances,
    instance_states: ['up'], // a graph file says nothing of health: every node is up (code 0)
    replay: { version: doc.version || '', args: doc.args || '', date: doc.date || '' },
  };
  return { topology, appear, edges, span: t1 - t0 };
}

export class ReplayEngine {
  constructor({ onSnapshot, onError }) {
    this.onSnapshot = onSnapshot;
    this.onError = onError;
    this.kind = 'replay';
    this.speed = 1;
    this.paused = false;
    this.wall = 0;
    this.sinceSnap = 0;
  }

  async start({ doc }) {
    this.r = buildReplay(doc);
    if (this.r.topology.instances.length === 0) throw 'the graph file has no nodes';
    this.wall = 0;
    this.snapNow = true;
    return this.r.topology;
  }

  // File time shown at this wall time.
  fileTime() {
    const span = this.r.span;
    if (span <= 0) return Infinity;
    return (this.wall / REPLAY_WALL_MS) * span;
  }

  frame(wallMs) {
    if (!this.r) return;
    if (!this.paused) this.wall += Math.min(wallMs, 100) * this.speed;
    this.sinceSnap += wallMs;
    if (this.snapNow || this.sinceSnap >= 200) this.emit();
  }

  emit() {
    this.sinceSnap = 0;
    this.snapNow = false;
    const t = this.fileTime();
    const n = this.r.topology.instances.length;
    const visible = this.r.appear.map((a) => a <= t);
    const edges = [];
    const rps = new Array(n).fill(0);
    for (const e of this.r.edges) {
      if (e.t <= t && t < e.until && e.from !== undefined && e.to !== undefined) {
        edges.push([e.from, e.to, 1, 0]);
        rps[e.to] += 1;
      }
    }
    const shown = visible.filter(Boolean).length;
    this.onSnapshot({
      t_ms: Math.min(t, this.r.span), window_ms: 200, state: new Array(n).fill(0), rps,
      err: new Array(n).fill(0), lat_ms: new Array(n).fill(0), edges, timeline: [],
      visible, summary: null,
      replay: { nodes: shown, edges: edges.length, progress: this.r.span > 0 ? Math.min(1, t / this.r.span) : 1 },
    });
  }

  step(virtualMs) { this.wall += virtualMs / 10; this.emit(); }
  fault() { throw 'a replayed graph file has no simulation to break: open an architecture instead'; }
  kill() {}
  heal() {}
  setSpeed(x) { this.speed = x; }
  pause() { this.paused = true; }
  play() { this.paused = false; if (this.fileTime() >= this.r.span) { this.wall = 0; } }
  summary() { return null; }
  nowMs() { return this.r ? Math.min(this.fileTime(), this.r.span) : 0; }
  close() {}
}
