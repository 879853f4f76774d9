// The services view: instances collapsed into one node per service, declared
// dependencies faint, traffic between services, names under the nodes. A
// service is down (or zombie) when none of its instances is up, degraded when
// some are not: states of this view, derived from the instances'.

import { serviceLayout, settle, boundsOf } from './layout.js';
import { COLORS, healthColor } from './palette.js';
import { strokeTraffic, fillNodes, hoverRing } from './paint.js';

const FIT_TICKS = 200; // the layout is run this far before fitting the zoom to it

export class ServicesRenderer {
  static label = 'services';

  constructor(model, { levels, seed }) {
    this.model = model;
    this.layout = serviceLayout(model.topo, levels, seed);
    this.sim = this.layout.sim;
    this.nodes = this.layout.nodes; // node id = service id
  }

  // Switching to this view: restart the layout and run it far enough to fit.
  activate() { this.sim.alpha(1); settle(this.sim, FIT_TICKS); }

  bounds() { return boundsOf(this.nodes.filter((d) => this.shows(d.index)), 60); }

  nodeOfInstance(id) { return this.model.serviceOf[id]; }
  pickKind() { return 'service'; }
  shows(s) { return !this.model.focus || this.model.focus.has(s); }
  edges() { return this.model.svcEdges; }
  showsEdge(e) { return this.shows(e.a) && this.shows(e.b); }
  count() { return this.model.S; }
  visibleCount() { return this.model.focus ? this.model.focus.size : this.model.S; }

  // down / zombie (no instance up; zombie if any hangs), degraded (some not
  // up), else the instances' own: up. Places an autoscaler keeps off do not count.
  state(s) {
    const m = this.model, size = m.svcLive[s], up = m.svcUp[s];
    if (size === 0 || up === size) return 'up';
    if (up > 0) return 'degraded';
    return m.serviceCountIn(s, 'zombie') > 0 ? 'zombie' : 'down';
  }

  radius(s) { const m = this.model; return 9 + Math.min(22, Math.sqrt(m.svcRps[s] + m.svcErr[s]) * 1.2); }
  color(s) { const m = this.model; return healthColor(this.state(s), m.svcRps[s], m.svcErr[s]); }

  // The hovered service, what it calls and what calls it (declared).
  neighbours(id) {
    const services = this.model.topo.services;
    const s = new Set([id]);
    for (const d of services[id].deps) s.add(d);
    for (const o of services) if (o.deps.includes(id)) s.add(o.id);
    return s;
  }

  drawStatic(ctx, { k, hover, near }) {
    const px = 1 / k, P = this.nodes;
    ctx.strokeStyle = 'rgba(140,150,170,0.25)';
    ctx.lineWidth = px;
    ctx.beginPath();
    for (const l of this.layout.links) {
      if (!this.shows(l.source.index) || !this.shows(l.target.index)) continue;
      ctx.moveTo(l.source.x, l.source.y); ctx.lineTo(l.target.x, l.target.y);
    }
    ctx.stroke();
    strokeTraffic(ctx, this.edges(), P, { px, hover, alpha: 0.55, width: 1.5, widthLit: 1.5, include: (e) => this.showsEdge(e) });
    fillNodes(ctx, this.model.S, P, {
      k, include: (s) => this.shows(s), color: (s) => this.color(s), radius: (s) => this.radius(s), dim: (s) => hover >= 0 && !near.has(s),
    });
    ctx.fillStyle = COLORS.label;
    ctx.font = `${12 * px}px system-ui, sans-serif`;
    ctx.textAlign = 'center';
    const services = this.model.topo.services;
    for (const d of P) if (this.shows(d.index)) ctx.fillText(services[d.index].name, d.x, d.y + this.radius(d.index) + 13 * px);
    if (hover >= 0 && P[hover]) hoverRing(ctx, P[hover], this.radius(hover), px);
  }
}
