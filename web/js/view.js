// The graph on the canvas: zoom, hover and picking, the frame loop's layout
// ticks and particles, and the offscreen layer. What is drawn, and where, is
// the current view's renderer (renderers.js); what the snapshots say is the
// SnapshotModel (model.js). Independent of the engine: it draws a topology
// and the snapshots it is given.

import d3 from './d3.js';
import { SnapshotModel } from './model.js';
import { serviceLevels, settled, fitTransform } from './layout.js';
import { Particles } from './particles.js';
import { COLORS } from './palette.js';
import { RENDERERS } from './renderers.js';

const LAYOUT_BUDGET_MS = 3; // layout ticks per frame stop after this
const LAYER_WHILE_MOVING_MS = 30; // while the layout moves, the layer is redrawn at most this often

export class GraphView {
  constructor(canvas, { onHover } = {}) {
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d', { alpha: false });
    this.onHover = onHover || (() => {});
    this.model = new SnapshotModel();
    this.mode = 'instances';
    this.renderers = {}; // by mode, made when first shown
    this.transform = d3.zoomIdentity;
    this.hover = -1; // node id in the current view
    this.near = null; // the hovered node's neighbours, cached until a snapshot or hover change
    this.particles = new Particles();
    this.layerDraws = 0;
    this.zoom = d3.zoom().scaleExtent([0.02, 40]).on('zoom', (e) => { this.transform = e.transform; this.dirty = true; });
    d3.select(canvas).call(this.zoom).on('dblclick.zoom', null);
    canvas.addEventListener('mousemove', (e) => this.setHover(this.pickEvent(e)));
    canvas.addEventListener('mouseleave', () => this.setHover(null));
    this.resize();
    new ResizeObserver(() => { this.resize(); }).observe(canvas);
  }

  get topo() { return this.model.topo; }

  resize() {
    const dpr = window.devicePixelRatio || 1;
    const w = this.canvas.clientWidth, h = this.canvas.clientHeight;
    this.dpr = dpr; this.w = w; this.h = h;
    this.canvas.width = Math.max(1, Math.round(w * dpr));
    this.canvas.height = Math.max(1, Math.round(h * dpr));
    this.dirty = true;
  }

  // A new topology; seed makes the layout (the same seed, the same picture).
  setTopology(topo, { seed = 1 } = {}) {
    this.model.setTopology(topo);
    this.levels = serviceLevels(topo.services);
    this.seed = seed;
    this.renderers = {};
    this.particles.clear();
    this.hover = -1;
    this.near = null;
    this.renderer().activate();
    this.fit();
  }

  // The current view's renderer, made on first use for this topology.
  renderer() {
    const Renderer = RENDERERS[this.mode];
    if (!this.renderers[this.mode]) this.renderers[this.mode] = new Renderer(this.model, { levels: this.levels, seed: this.seed });
    return this.renderers[this.mode];
  }

  setMode(mode) {
    if (!RENDERERS[mode]) throw new Error(`no view named ${mode}`);
    this.setHover(null);
    this.mode = mode;
    this.particles.clear();
    this.dirty = true;
    if (!this.topo) return;
    this.renderer().activate();
    this.fit();
  }

  fit() {
    if (!this.topo) return;
    const { k, x, y } = fitTransform(this.renderer().bounds(), this.w, this.h);
    d3.select(this.canvas).call(this.zoom.transform, d3.zoomIdentity.translate(x, y).scale(k));
  }

  update(snap) {
    if (!this.topo) return;
    this.model.update(snap);
    this.near = null;
    this.dirty = true;
  }

  // Nearest node to a client point, or null: {kind: 'instance' | 'service', id}.
  pickEvent(e) {
    const rect = this.canvas.getBoundingClientRect();
    return this.pick(e.clientX - rect.left, e.clientY - rect.top);
  }

  pick(px, py) {
    if (!this.topo) return null;
    const r = this.renderer();
    const [wx, wy] = this.transform.invert([px, py]);
    const slack = 4 / this.transform.k;
    let best = -1, bestD = Infinity;
    const P = r.nodes;
    for (let i = 0; i < r.count(); i++) {
      if (!r.shows(i)) continue;
      const dx = P[i].x - wx, dy = P[i].y - wy;
      const dd = dx * dx + dy * dy, rad = r.radius(i) + slack;
      if (dd < rad * rad && dd < bestD) { best = i; bestD = dd; }
    }
    return best < 0 ? null : { kind: r.pickKind(), id: best };
  }

  setHover(p) {
    const id = p ? p.id : -1;
    if (id === this.hover) return;
    this.hover = id;
    this.near = null;
    this.dirty = true;
    this.onHover(p);
  }

  // Canvas coordinates of a node of the current view.
  screenPos(node) {
    const d = this.renderer().nodes[node];
    return this.transform.apply([d.x, d.y]);
  }

  // Client coordinates of an instance (its service's node in the services view).
  clientPos(id) {
    const rect = this.canvas.getBoundingClientRect();
    const [sx, sy] = this.screenPos(this.renderer().nodeOfInstance(id));
    return { x: rect.left + sx, y: rect.top + sy };
  }

  visibleCount() { return this.topo ? this.renderer().visibleCount() : 0; }

  settled() { return !!this.topo && settled(this.renderer().sim); }

  // Layout ticks within a budget; true when the layout moved.
  layoutTick() {
    const sim = this.renderer().sim;
    if (settled(sim)) return false;
    const t0 = performance.now();
    do { sim.tick(); } while (performance.now() - t0 < LAYOUT_BUDGET_MS && !settled(sim));
    return true;
  }

  frame(dtMs) {
    if (!this.topo) return;
    const t0 = performance.now();
    const moved = this.layoutTick();
    const t1 = performance.now();
    this.layoutMs = t1 - t0;
    const r = this.renderer();
    this.particles.advance(dtMs);
    this.particles.spawn(r.edges(), dtMs, (e) => r.showsEdge(e));
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
    this.layerDraws++;
    const ctx = this.lctx, dpr = this.dpr, tr = this.transform;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = COLORS.background;
    ctx.fillRect(0, 0, this.w, this.h);
    if (!this.topo) return;
    ctx.setTransform(dpr * tr.k, 0, 0, dpr * tr.k, dpr * tr.x, dpr * tr.y);
    const r = this.renderer();
    if (this.hover >= 0 && !this.near) this.near = r.neighbours(this.hover);
    r.drawStatic(ctx, { k: tr.k, hover: this.hover, near: this.near });
  }

  draw(moved) {
    const now = performance.now();
    if (this.dirty || (moved && now - (this.lastStatic || 0) > LAYER_WHILE_MOVING_MS)) {
      this.drawStatic(); this.dirty = false; this.lastStatic = now;
    }
    const ctx = this.ctx, dpr = this.dpr, tr = this.transform;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.drawImage(this.layer, 0, 0);
    if (!this.topo) return;
    ctx.setTransform(dpr * tr.k, 0, 0, dpr * tr.k, dpr * tr.x, dpr * tr.y);
    this.particles.draw(ctx, this.renderer().nodes, 1 / tr.k);
  }
}
