// The "death star": every instance a dot on a canvas, grouped by region
// (around the world centre) and zone (a wedge of its region), services in
// bands by call depth from the entry points. Colour is health, size traffic;
// edges carry particles, red for errors. Independent of the engine: it draws a
// topology and the snapshots it is given.
//
// d3 is the global from vendor/d3.min.js (d3-force, d3-zoom, d3-selection).

const d3 = globalThis.d3;

export const COLORS = {
  up: '#30a46c', idle: '#2b5e48', degraded: '#f5a524', down: '#e5484d', zombie: '#a371f7',
  edge: 'rgba(120,160,220,', edgeErr: 'rgba(229,72,77,', particle: '#9cc3ff', particleErr: '#ff5a5f',
};
const SPACING = 10; // world units between neighbouring instances
const BASE_R = 3.2;
const MAX_PARTICLES = 4000;
const PARTICLE_WALL_MS = 800; // time a particle takes along an edge
const LAYOUT_BUDGET_MS = 6;

function serviceLevels(services) {
  const level = services.map((s) => (s.entry ? 0 : -1));
  if (!level.some((l) => l === 0)) level.fill(0);
  for (let pass = 0; pass < services.length + 1; pass++) {
    let changed = false;
    for (const s of services) {
      if (level[s.id] < 0) continue;
      for (const d of s.deps) {
        if (d === s.id) continue;
        if (level[d] < level[s.id] + 1 && level[s.id] + 1 <= services.length) { level[d] = level[s.id] + 1; changed = true; }
      }
    }
    if (!changed) break;
  }
  return level.map((l) => (l < 0 ? 0 : l));
}

export class GraphView {
  constructor(canvas, { onHover } = {}) {
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d', { alpha: false });
    this.onHover = onHover || (() => {});
    this.mode = 'instances';
    this.transform = d3.zoomIdentity;
    this.hover = -1; // instance id (or service id in services mode)
    this.topo = null;
    this.edges = new Map(); // key -> {a, b, rps, err, age}
    this.svcEdges = new Map();
    this.pFrom = new Int32Array(MAX_PARTICLES);
    this.pTo = new Int32Array(MAX_PARTICLES);
    this.pT = new Float32Array(MAX_PARTICLES);
    this.pErr = new Uint8Array(MAX_PARTICLES);
    this.pCount = 0;
    this.zoom = d3.zoom().scaleExtent([0.02, 40]).on('zoom', (e) => { this.transform = e.transform; this.dirty = true; });
    d3.select(canvas).call(this.zoom).on('dblclick.zoom', null);
    canvas.addEventListener('mousemove', (e) => this.setHover(this.pickEvent(e)));
    canvas.addEventListener('mouseleave', () => this.setHover(null));
    this.resize();
    new ResizeObserver(() => { this.resize(); }).observe(canvas);
  }

  resize() {
    const dpr = window.devicePixelRatio || 1;
    const w = this.canvas.clientWidth, h = this.canvas.clientHeight;
    this.dpr = dpr; this.w = w; this.h = h;
    this.canvas.width = Math.max(1, Math.round(w * dpr));
    this.canvas.height = Math.max(1, Math.round(h * dpr));
    this.dirty = true;
  }

  setTopology(topo) {
    this.topo = topo;
    const n = topo.instances.length;
    this.n = n;
    this.state = new Uint8Array(n);
    this.rps = new Float32Array(n);
    this.err = new Float32Array(n);
    this.lat = new Float32Array(n);
    this.visible = new Uint8Array(n).fill(1);
    this.edges.clear(); this.svcEdges.clear();
    this.pCount = 0;
    this.hover = -1;
    this.levels = serviceLevels(topo.services);
    this.layoutInstances();
    this.layoutServices();
    this.fit();
  }

  // Targets: a band per service level, each zone a wedge, each region a disc.
  layoutInstances() {
    const topo = this.topo;
    const R = Math.max(1, topo.regions.length);
    const zones = topo.zones.length ? topo.zones : ['zoneA'];
    const Z = zones.length;
    const wedge = (2 * Math.PI) / Z;
    const maxLevel = Math.max(0, ...this.levels);
    // groups[region][level][zone] = [instance ids], spanning/global apart
    const groups = Array.from({ length: R }, () => Array.from({ length: maxLevel + 1 }, () => Array.from({ length: Z }, () => [])));
    const centreIds = Array.from({ length: R }, () => []);
    const globalIds = [];
    topo.instances.forEach(([, svc, ri, , zone], id) => {
      if (ri < 0) { globalIds.push(id); return; }
      const zi = zones.indexOf(zone);
      if (zi < 0) { centreIds[ri].push(id); return; }
      groups[ri][this.levels[svc]][zi].push(id);
    });
    const tx = new Float32Array(this.n), ty = new Float32Array(this.n);
    // Radii of each level band: rows of arcs holding the largest zone group.
    const inner = SPACING * (2.5 + Math.sqrt(Math.max(...centreIds.map((c) => c.length), 1)));
    const bands = []; // per level: [start radius, rows]
    let r = inner;
    for (let L = 0; L <= maxLevel; L++) {
      let most = 0;
      for (let ri = 0; ri < R; ri++) for (let z = 0; z < Z; z++) most = Math.max(most, groups[ri][L][z].length);
      if (most === 0) { bands.push([r, 0]); continue; }
      let rows = 0, left = most, rr = r;
      while (left > 0) { left -= Math.max(1, Math.floor((rr * wedge * 0.8) / SPACING)); rr += SPACING; rows++; }
      bands.push([r, rows]);
      r = rr + SPACING * 1.5;
    }
    const regionRadius = r;
    this.regionRadius = regionRadius;
    const centres = [];
    const ringR = R === 1 ? 0 : (regionRadius * 1.15) / Math.sin(Math.PI / R) + (globalIds.length ? SPACING * 3 : 0);
    for (let ri = 0; ri < R; ri++) {
      const a = -Math.PI / 2 + (2 * Math.PI * ri) / R;
      centres.push([ringR * Math.cos(a), ringR * Math.sin(a)]);
    }
    this.regionCentres = centres;
    const place = (ids, cx, cy, r0) => {
      ids.forEach((id, k) => {
        if (ids.length === 1 && r0 === 0) { tx[id] = cx; ty[id] = cy; return; }
        const a = (2 * Math.PI * k) / ids.length;
        const rad = r0 + SPACING * Math.sqrt(ids.length) * 0.5;
        tx[id] = cx + rad * Math.cos(a); ty[id] = cy + rad * Math.sin(a);
      });
    };
    for (let ri = 0; ri < R; ri++) {
      const [cx, cy] = centres[ri];
      place(centreIds[ri], cx, cy, 0);
      for (let L = 0; L <= maxLevel; L++) {
        const [r0] = bands[L];
        for (let z = 0; z < Z; z++) {
          const ids = groups[ri][L][z];
          const mid = -Math.PI / 2 + wedge * z + (R > 1 ? (2 * Math.PI * ri) / R : 0);
          let k = 0, rr = r0;
          while (k < ids.length) {
            const cap = Math.max(1, Math.floor((rr * wedge * 0.8) / SPACING));
            const m = Math.min(cap, ids.length - k);
            for (let j = 0; j < m; j++) {
              const a = mid + (m === 1 ? 0 : wedge * 0.8 * (j / (m - 1) - 0.5));
              tx[ids[k + j]] = cx + rr * Math.cos(a);
              ty[ids[k + j]] = cy + rr * Math.sin(a);
            }
            k += m; rr += SPACING;
          }
        }
      }
    }
    if (R === 1) place(globalIds, 0, -(regionRadius + SPACING * 3), 0);
    else place(globalIds, 0, 0, 0);
    this.tx = tx; this.ty = ty;
    // Force layout: pulled to the targets, pushed apart by collisions. Starts
    // near the targets, so the star settles in a second, then stops ticking.
    const nodes = new Array(this.n);
    for (let i = 0; i < this.n; i++) {
      nodes[i] = { index: i, x: tx[i] + (Math.random() - 0.5) * SPACING * 3, y: ty[i] + (Math.random() - 0.5) * SPACING * 3 };
    }
    this.nodes = nodes;
    this.sim?.stop();
    this.sim = d3.forceSimulation(nodes)
      .alpha(0.6)
      .alphaDecay(0.05)
      .velocityDecay(0.4)
      .force('x', d3.forceX((d) => tx[d.index]).strength(0.25))
      .force('y', d3.forceY((d) => ty[d.index]).strength(0.25))
      .alphaMin(0.01)
      .stop();
    // Collisions matter little on precomputed targets and cost most at scale.
    if (this.n <= 2000) this.sim.force('collide', d3.forceCollide(SPACING * 0.42).iterations(1));
  }

  layoutServices() {
    const topo = this.topo;
    const S = topo.services.length;
    const svcNodes = topo.services.map((s, i) => ({ index: i, x: (Math.random() - 0.5) * 100, y: this.levels[i] * 60 - 100 }));
    const links = [];
    for (const s of topo.services) for (const d of s.deps) if (d !== s.id) links.push({ source: s.id, target: d });
    this.svcNodes = svcNodes;
    this.svcLinks = links;
    const maxLevel = Math.max(0, ...this.levels);
    this.svcSim?.stop();
    this.svcSim = d3.forceSimulation(svcNodes)
      .force('link', d3.forceLink(links).distance(70).strength(0.3))
      .force('charge', d3.forceManyBody().strength(-400))
      .force('y', d3.forceY((d) => (this.levels[d.index] - maxLevel / 2) * 90).strength(0.5))
      .force('x', d3.forceX(0).strength(0.05))
      .force('collide', d3.forceCollide(26))
      .stop();
    this.svcState = new Uint8Array(S);
    this.svcRps = new Float32Array(S);
    this.svcErr = new Float32Array(S);
    this.svcDown = new Float32Array(S);
  }

  setMode(mode) {
    this.mode = mode;
    this.setHover(null);
    this.pCount = 0;
    if (mode === 'services') this.svcSim.alpha(1);
    else this.sim.alpha(Math.max(this.sim.alpha(), 0.3));
    this.fit();
  }

  fit() {
    if (!this.topo) return;
    let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    if (this.mode === 'services') {
      for (let k = 0; k < 200; k++) this.svcSim.tick();
      for (const d of this.svcNodes) { x0 = Math.min(x0, d.x); x1 = Math.max(x1, d.x); y0 = Math.min(y0, d.y); y1 = Math.max(y1, d.y); }
      x0 -= 60; x1 += 60; y0 -= 60; y1 += 60;
    } else {
      for (let i = 0; i < this.n; i++) { x0 = Math.min(x0, this.tx[i]); x1 = Math.max(x1, this.tx[i]); y0 = Math.min(y0, this.ty[i]); y1 = Math.max(y1, this.ty[i]); }
      x0 -= SPACING * 4; x1 += SPACING * 4; y0 -= SPACING * 4; y1 += SPACING * 4;
    }
    const k = Math.min((this.w - 40) / (x1 - x0), (this.h - 60) / (y1 - y0), 8);
    const t = d3.zoomIdentity.translate(this.w / 2 - (k * (x0 + x1)) / 2, this.h / 2 - (k * (y0 + y1)) / 2).scale(k);
    d3.select(this.canvas).call(this.zoom.transform, t);
  }

  // A snapshot: rates since the previous one; edges smoothed so the picture does not flicker.
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
    for (const e of this.edges.values()) e.fresh = false;
    for (const [a, b, rps, err] of snap.edges) {
      const key = a * n + b;
      let e = this.edges.get(key);
      if (!e) { e = { a, b, rps: 0, err: 0, fresh: true }; this.edges.set(key, e); }
      e.rps = e.rps * 0.4 + rps * 0.6;
      e.err = e.err * 0.4 + err * 0.6;
      e.fresh = true;
    }
    for (const [key, e] of this.edges) {
      if (!e.fresh) { e.rps *= 0.4; e.err *= 0.4; if (e.rps + e.err < 0.05) this.edges.delete(key); }
    }
    // Services: sums, and the share of instances down.
    const S = this.topo.services.length;
    this.svcRps.fill(0); this.svcErr.fill(0); this.svcDown.fill(0);
    const zombie = new Uint8Array(S);
    for (let i = 0; i < n; i++) {
      const s = this.topo.instances[i][1];
      this.svcRps[s] += this.rps[i]; this.svcErr[s] += this.err[i];
      if (this.state[i] !== 0) this.svcDown[s] += 1;
      if (this.state[i] === 2) zombie[s] = 1;
    }
    for (const s of this.topo.services) {
      const share = s.count ? this.svcDown[s.id] / s.count : 0;
      this.svcState[s.id] = share >= 1 ? (zombie[s.id] ? 2 : 1) : share > 0 ? 3 : 0; // 3: partly down
    }
    this.svcEdges.clear();
    for (const e of this.edges.values()) {
      const sa = this.topo.instances[e.a][1], sb = this.topo.instances[e.b][1];
      const key = sa * S + sb;
      let se = this.svcEdges.get(key);
      if (!se) { se = { a: sa, b: sb, rps: 0, err: 0 }; this.svcEdges.set(key, se); }
      se.rps += e.rps; se.err += e.err;
    }
    this.neighbours = null;
    this.dirty = true;
  }

  colorOf(state, rps, err) {
    if (state === 1) return COLORS.down;
    if (state === 2) return COLORS.zombie;
    if (state === 3) return COLORS.degraded;
    if (err > 0 && err >= 0.02 * (rps + err)) return COLORS.degraded;
    return rps > 0 ? COLORS.up : COLORS.idle;
  }

  radiusOf(i) { return BASE_R + Math.min(3, Math.sqrt(this.rps[i] + this.err[i]) * 0.4); }
  svcRadiusOf(s) { return 9 + Math.min(22, Math.sqrt(this.svcRps[s] + this.svcErr[s]) * 1.2); }

  pos(mode, id) {
    if (mode === 'services') { const d = this.svcNodes[id]; return [d.x, d.y]; }
    const d = this.nodes[id]; return [d.x, d.y];
  }

  // Nearest node to a client point, or null.
  pickEvent(e) {
    const rect = this.canvas.getBoundingClientRect();
    return this.pick(e.clientX - rect.left, e.clientY - rect.top);
  }

  pick(px, py) {
    if (!this.topo) return null;
    const [wx, wy] = this.transform.invert([px, py]);
    const slack = 4 / this.transform.k;
    let best = -1, bestD = Infinity;
    if (this.mode === 'services') {
      for (const d of this.svcNodes) {
        const dd = Math.hypot(d.x - wx, d.y - wy);
        if (dd < this.svcRadiusOf(d.index) + slack && dd < bestD) { best = d.index; bestD = dd; }
      }
      return best < 0 ? null : { kind: 'service', id: best };
    }
    for (let i = 0; i < this.n; i++) {
      if (!this.visible[i]) continue;
      const d = this.nodes[i];
      const dx = d.x - wx, dy = d.y - wy;
      const dd = dx * dx + dy * dy;
      const r = this.radiusOf(i) + slack;
      if (dd < r * r && dd < bestD) { best = i; bestD = dd; }
    }
    return best < 0 ? null : { kind: 'instance', id: best };
  }

  setHover(p) {
    const id = p ? p.id : -1;
    if (id === this.hover) return;
    this.hover = id;
    this.neighbours = null;
    this.dirty = true;
    this.onHover(p);
  }

  neighbourSet() {
    if (this.neighbours) return this.neighbours;
    const s = new Set([this.hover]);
    if (this.mode === 'services') {
      const svc = this.topo.services[this.hover];
      for (const d of svc.deps) s.add(d);
      for (const o of this.topo.services) if (o.deps.includes(this.hover)) s.add(o.id);
    } else {
      for (const e of this.edges.values()) {
        if (e.a === this.hover) s.add(e.b);
        else if (e.b === this.hover) s.add(e.a);
      }
    }
    this.neighbours = s;
    return s;
  }

  // Client coordinates of an instance (for tests and tooltips).
  clientPos(id) {
    const rect = this.canvas.getBoundingClientRect();
    const [x, y] = this.mode === 'services' ? this.pos('services', this.topo.instances[id][1]) : this.pos('instances', id);
    const [sx, sy] = this.transform.apply([x, y]);
    return { x: rect.left + sx, y: rect.top + sy };
  }

  visibleCount() {
    if (!this.topo) return 0;
    if (this.mode === 'services') return this.topo.services.length;
    let c = 0;
    for (let i = 0; i < this.n; i++) c += this.visible[i];
    return c;
  }

  settled() {
    const sim = this.mode === 'services' ? this.svcSim : this.sim;
    return !!sim && sim.alpha() < sim.alphaMin();
  }

  layoutTick() {
    const sim = this.mode === 'services' ? this.svcSim : this.sim;
    if (sim.alpha() < sim.alphaMin()) return false;
    const t0 = performance.now();
    do { sim.tick(); } while (performance.now() - t0 < LAYOUT_BUDGET_MS * 0.5 && sim.alpha() >= sim.alphaMin());
    return true;
  }

  spawnParticles(dtMs) {
    const edges = this.mode === 'services' ? this.svcEdges : this.edges;
    let total = 0;
    for (const e of edges.values()) total += e.rps + e.err;
    if (total <= 0) return;
    // particles alive ~ total x scale x travel time; keep under the cap
    const scale = Math.min(1, (MAX_PARTICLES * 0.8) / (total * (PARTICLE_WALL_MS / 1000)) );
    const dt = dtMs / 1000;
    for (const e of edges.values()) {
      if (this.mode === 'instances' && (!this.visible[e.a] || !this.visible[e.b])) continue;
      for (let kind = 0; kind < 2; kind++) {
        const rate = (kind ? e.err : e.rps - e.err) * scale;
        if (rate <= 0) continue;
        let k = rate * dt;
        while (k > 0 && this.pCount < MAX_PARTICLES) {
          if (k < 1 && Math.random() >= k) break;
          const p = this.pCount++;
          this.pFrom[p] = e.a; this.pTo[p] = e.b; this.pT[p] = Math.random() * 0.05; this.pErr[p] = kind;
          k -= 1;
        }
      }
    }
  }

  frame(dtMs) {
    if (!this.topo) return;
    const t0 = performance.now();
    const moved = this.layoutTick();
    const t1 = performance.now();
    this.layoutMs = t1 - t0;
    // particles advance and expire
    const dtT = dtMs / PARTICLE_WALL_MS;
    let j = 0;
    for (let i = 0; i < this.pCount; i++) {
      const t = this.pT[i] + dtT;
      if (t >= 1) continue;
      this.pFrom[j] = this.pFrom[i]; this.pTo[j] = this.pTo[i]; this.pT[j] = t; this.pErr[j] = this.pErr[i]; j++;
    }
    this.pCount = j;
    this.spawnParticles(dtMs);
    this.draw(moved);
    this.drawMs = performance.now() - t1;
  }

  // Regions, edges and nodes change only with a snapshot, the layout, zoom or
  // hover: they are drawn to a layer; each frame copies it and adds particles.
  drawStatic() {
    if (!this.layer) { this.layer = document.createElement('canvas'); this.lctx = this.layer.getContext('2d', { alpha: false }); }
    if (this.layer.width !== this.canvas.width || this.layer.height !== this.canvas.height) {
      this.layer.width = this.canvas.width; this.layer.height = this.canvas.height;
    }
    const ctx = this.lctx, dpr = this.dpr, tr = this.transform;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = '#0d1117';
    ctx.fillRect(0, 0, this.w, this.h);
    if (!this.topo) return;
    ctx.setTransform(dpr * tr.k, 0, 0, dpr * tr.k, dpr * tr.x, dpr * tr.y);
    const services = this.mode === 'services';
    const hovering = this.hover >= 0;
    const nb = hovering ? this.neighbourSet() : null;
    if (!services) this.drawRegions(ctx);
    const P = services ? this.svcNodes : this.nodes;
    const px = 1 / tr.k; // one screen pixel in world units

    // Edges: declared dependencies faintly (services), then traffic weighted by rate.
    if (services) {
      ctx.strokeStyle = 'rgba(140,150,170,0.25)';
      ctx.lineWidth = px;
      ctx.beginPath();
      for (const l of this.svcLinks) { ctx.moveTo(l.source.x, l.source.y); ctx.lineTo(l.target.x, l.target.y); }
      ctx.stroke();
    }
    const edges = services ? this.svcEdges : this.edges;
    const buckets = new Map();
    for (const e of edges.values()) {
      if (!services && (!this.visible[e.a] || !this.visible[e.b])) continue;
      const lit = hovering && (e.a === this.hover || e.b === this.hover);
      const w = Math.min(5, 0.5 + Math.log2(1 + e.rps + e.err) * 0.6);
      const bad = e.err > 0.05 * (e.rps + e.err) ? 1 : 0;
      const key = (Math.round(w * 2) << 2) | (bad << 1) | (lit ? 1 : 0);
      let b = buckets.get(key);
      if (!b) { b = []; buckets.set(key, b); }
      b.push(e);
    }
    for (const [key, list] of buckets) {
      const lit = key & 1, bad = (key >> 1) & 1, w = (key >> 2) / 2;
      const alpha = hovering ? (lit ? 0.9 : 0.05) : services ? 0.55 : 0.13;
      ctx.strokeStyle = (bad ? COLORS.edgeErr : COLORS.edge) + alpha + ')';
      ctx.lineWidth = w * px * (services ? 1.5 : lit ? 1 : 0.6);
      ctx.beginPath();
      for (const e of list) { const a = P[e.a], b = P[e.b]; ctx.moveTo(a.x, a.y); ctx.lineTo(b.x, b.y); }
      ctx.stroke();
    }

    // Nodes, one path per colour; dots smaller than ~2 px are squares.
    const count = services ? this.topo.services.length : this.n;
    const byColor = new Map();
    for (let i = 0; i < count; i++) {
      if (!services && !this.visible[i]) continue;
      const c = services ? this.colorOf(this.svcState[i], this.svcRps[i], this.svcErr[i]) : this.colorOf(this.state[i], this.rps[i], this.err[i]);
      const dim = hovering && !nb.has(i);
      const key = dim ? c + '|d' : c;
      let l = byColor.get(key);
      if (!l) { l = []; byColor.set(key, l); }
      l.push(i);
    }
    for (const [key, list] of byColor) {
      const [c, dim] = key.split('|');
      ctx.globalAlpha = dim ? 0.2 : 1;
      ctx.fillStyle = c;
      ctx.beginPath();
      for (const i of list) {
        const d = P[i];
        const r = services ? this.svcRadiusOf(i) : this.radiusOf(i);
        if (r * tr.k < 1.6) ctx.rect(d.x - r, d.y - r, 2 * r, 2 * r);
        else { ctx.moveTo(d.x + r, d.y); ctx.arc(d.x, d.y, r, 0, 2 * Math.PI); }
      }
      ctx.fill();
    }
    ctx.globalAlpha = 1;

    // Hovered node: outline and name; service names in services mode.
    if (services) {
      ctx.fillStyle = '#c9d1d9';
      ctx.font = `${12 * px}px system-ui, sans-serif`;
      ctx.textAlign = 'center';
      for (const d of this.svcNodes) ctx.fillText(this.topo.services[d.index].name, d.x, d.y + this.svcRadiusOf(d.index) + 13 * px);
    }
    if (hovering && P[this.hover]) {
      const d = P[this.hover];
      const r = services ? this.svcRadiusOf(this.hover) : this.radiusOf(this.hover);
      ctx.strokeStyle = '#fff';
      ctx.lineWidth = 2 * px;
      ctx.beginPath(); ctx.arc(d.x, d.y, r + 2 * px, 0, 2 * Math.PI); ctx.stroke();
    }
  }

  draw(moved) {
    // while the layout moves, redraw the layer at most ~30 times a second
    const now = performance.now();
    if (this.dirty || (moved && now - (this.lastStatic || 0) > 30)) {
      this.drawStatic(); this.dirty = false; this.lastStatic = now;
    }
    const ctx = this.ctx, dpr = this.dpr, tr = this.transform;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.drawImage(this.layer, 0, 0);
    if (!this.topo) return;
    ctx.setTransform(dpr * tr.k, 0, 0, dpr * tr.k, dpr * tr.x, dpr * tr.y);
    const services = this.mode === 'services';
    const P = services ? this.svcNodes : this.nodes;
    const px = 1 / tr.k;
    // Particles: 2.5 px squares, errors red.
    const ps = 2.5 * px;
    for (let kind = 0; kind < 2; kind++) {
      ctx.fillStyle = kind ? COLORS.particleErr : COLORS.particle;
      ctx.beginPath();
      for (let i = 0; i < this.pCount; i++) {
        if (this.pErr[i] !== kind) continue;
        const a = P[this.pFrom[i]], b = P[this.pTo[i]];
        if (!a || !b) continue;
        const t = this.pT[i];
        ctx.rect(a.x + (b.x - a.x) * t - ps / 2, a.y + (b.y - a.y) * t - ps / 2, ps, ps);
      }
      ctx.fill();
    }
  }

  drawRegions(ctx) {
    const px = 1 / this.transform.k;
    const topo = this.topo;
    ctx.strokeStyle = 'rgba(255,255,255,0.07)';
    ctx.lineWidth = px;
    ctx.fillStyle = 'rgba(201,209,217,0.55)';
    ctx.font = `${13 * px}px system-ui, sans-serif`;
    ctx.textAlign = 'center';
    const Z = Math.max(1, topo.zones.length);
    const R = Math.max(1, topo.regions.length);
    this.regionCentres.forEach(([cx, cy], ri) => {
      ctx.beginPath();
      ctx.arc(cx, cy, this.regionRadius, 0, 2 * Math.PI);
      const off = R > 1 ? (2 * Math.PI * ri) / R : 0;
      for (let z = 0; z < Z; z++) {
        const a = -Math.PI / 2 + (2 * Math.PI * (z + 0.5)) / Z + off;
        ctx.moveTo(cx, cy);
        ctx.lineTo(cx + this.regionRadius * Math.cos(a), cy + this.regionRadius * Math.sin(a));
      }
      ctx.stroke();
      ctx.textAlign = 'right';
      ctx.font = `bold ${14 * px}px system-ui, sans-serif`;
      ctx.fillText(topo.regions[ri] || '', cx - this.regionRadius * 0.72, cy - this.regionRadius * 0.72);
      ctx.font = `${13 * px}px system-ui, sans-serif`;
      ctx.textAlign = 'center';
      for (let z = 0; z < Z; z++) {
        const a = -Math.PI / 2 + (2 * Math.PI * z) / Z + off;
        const rr = this.regionRadius + 16 * px;
        ctx.fillText(topo.zones[z], cx + rr * Math.cos(a), cy + rr * Math.sin(a) + (z ? 10 * px : 0));
      }
    });
  }
}
