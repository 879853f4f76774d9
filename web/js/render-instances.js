// The instances view: every instance a dot where the layout puts it, regions
// as discs split into zone wedges, traffic between instances. Colour is the
// instance's state (the topology's names) and its error share, size traffic.

import { SPACING, instanceLayout, boundsOf } from './layout.js';
import { COLORS, healthColor } from './palette.js';
import { strokeTraffic, fillNodes, hoverRing } from './paint.js';

const BASE_R = 3.2;
// Ring colours of versions 2, 3, … of a service (the first has none).
export const VERSION_COLORS = ['#d2a8ff', '#f0883e', '#79c0ff', '#ff7b72'];
const LABELS_MAX = 60; // services beyond which the instance view names none

export class InstancesRenderer {
  static label = 'instances';

  // model: a SnapshotModel with a topology; levels: serviceLevels() of it.
  constructor(model, { levels, seed }) {
    this.model = model;
    this.layout = instanceLayout(model.topo, levels, seed);
    this.sim = this.layout.sim;
    this.nodes = this.layout.nodes; // node id = instance id
  }

  // Switching to this view: warm the layout up a little.
  activate() { this.sim.alpha(Math.max(this.sim.alpha(), 0.3)); }

  bounds() {
    const { tx, ty } = this.layout;
    const shown = Array.from(tx, (x, i) => ({ x, y: ty[i], i })).filter((p) => !this.model.focus || this.shows(p.i));
    return boundsOf(shown, SPACING * 4);
  }

  nodeOfInstance(id) { return id; }
  pickKind() { return 'instance'; }
  shows(i) { const m = this.model; return m.visible[i] === 1 && (!m.focus || m.focus.has(m.serviceOf[i])); }
  edges() { return this.model.edges; }
  showsEdge(e) { return this.shows(e.a) && this.shows(e.b); }
  count() { return this.model.n; }
  visibleCount() { let c = 0; for (let i = 0; i < this.model.n; i++) c += this.shows(i) ? 1 : 0; return c; }

  radius(i) { const m = this.model; return BASE_R + Math.min(3, Math.sqrt(m.rps[i] + m.err[i]) * 0.4); }
  color(i) { const m = this.model; return healthColor(m.stateName(i), m.rps[i], m.err[i]); }

  // The hovered instance and those it exchanged traffic with.
  neighbours(id) {
    const s = new Set([id]);
    for (const e of this.model.edges.values()) {
      if (e.a === id) s.add(e.b);
      else if (e.b === id) s.add(e.a);
    }
    return s;
  }

  // Regions, traffic, instances, hover ring: the layer redrawn on change.
  drawStatic(ctx, { k, hover, near }) {
    const px = 1 / k, P = this.nodes;
    this.drawRegions(ctx, px);
    strokeTraffic(ctx, this.edges(), P, { px, hover, alpha: 0.13, width: 0.6, widthLit: 1, include: (e) => this.showsEdge(e) });
    fillNodes(ctx, this.model.n, P, {
      k, include: (i) => this.shows(i), color: (i) => this.color(i), radius: (i) => this.radius(i),
      dim: (i) => hover >= 0 && !near.has(i),
    });
    this.drawVersionRings(ctx, px);
    this.drawServiceLabels(ctx, px);
    if (hover >= 0 && P[hover]) hoverRing(ctx, P[hover], this.radius(hover), px);
  }

  // A ring in its version's colour around every instance that runs a version
  // other than its service's first (the stable one): a canary, a red/black
  // group, a rolling batch.
  drawVersionRings(ctx, px) {
    const m = this.model, P = this.nodes;
    if (!m.version) return;
    ctx.lineWidth = 1.6 * px;
    for (let i = 0; i < m.n; i++) {
      const v = m.version[i];
      if (!(v > 0) || !this.shows(i)) continue;
      ctx.strokeStyle = VERSION_COLORS[(v - 1) % VERSION_COLORS.length];
      ctx.beginPath();
      ctx.arc(P[i].x, P[i].y, this.radius(i) + 2.5 * px, 0, 2 * Math.PI);
      ctx.stroke();
    }
  }

  // Each service's name at the centre of its shown instances, so a hairball
  // still says who is who (up to LABELS_MAX services).
  drawServiceLabels(ctx, px) {
    const m = this.model, P = this.nodes;
    if (m.S > LABELS_MAX) return;
    const sx = new Float64Array(m.S), sy = new Float64Array(m.S), n = new Uint32Array(m.S);
    for (let i = 0; i < m.n; i++) {
      if (!this.shows(i)) continue;
      const s = m.serviceOf[i];
      sx[s] += P[i].x; sy[s] += P[i].y; n[s]++;
    }
    ctx.font = `${11 * px}px system-ui, sans-serif`;
    ctx.textAlign = 'center';
    ctx.fillStyle = COLORS.label;
    for (let s = 0; s < m.S; s++) if (n[s]) ctx.fillText(m.topo.services[s].name, sx[s] / n[s], sy[s] / n[s] - 8 * px);
  }

  drawRegions(ctx, px) {
    const topo = this.model.topo;
    const { regionCentres, regionRadius: rad } = this.layout;
    ctx.strokeStyle = 'rgba(255,255,255,0.07)';
    ctx.lineWidth = px;
    ctx.fillStyle = 'rgba(201,209,217,0.55)';
    const Z = Math.max(1, topo.zones.length);
    const R = Math.max(1, topo.regions.length);
    regionCentres.forEach(([cx, cy], ri) => {
      ctx.beginPath();
      ctx.arc(cx, cy, rad, 0, 2 * Math.PI);
      const off = R > 1 ? (2 * Math.PI * ri) / R : 0;
      for (let z = 0; z < Z; z++) { // wedge borders
        const a = -Math.PI / 2 + (2 * Math.PI * (z + 0.5)) / Z + off;
        ctx.moveTo(cx, cy);
        ctx.lineTo(cx + rad * Math.cos(a), cy + rad * Math.sin(a));
      }
      ctx.stroke();
      ctx.textAlign = 'right';
      ctx.font = `bold ${14 * px}px system-ui, sans-serif`;
      ctx.fillText(topo.regions[ri] || '', cx - rad * 0.72, cy - rad * 0.72);
      ctx.font = `${13 * px}px system-ui, sans-serif`;
      ctx.textAlign = 'center';
      for (let z = 0; z < Z; z++) {
        const a = -Math.PI / 2 + (2 * Math.PI * z) / Z + off;
        const rr = rad + 16 * px;
        ctx.fillText(topo.zones[z], cx + rr * Math.cos(a), cy + rr * Math.sin(a) + (z ? 10 * px : 0));
      }
    });
  }
}
