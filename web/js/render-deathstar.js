// The death-star view, as the famous pictures of Netflix's and Amazon's
// service graphs draw it: services on a ring, ordered by call depth (entry
// points first, then what they call), and every call a curve bent through
// the middle, so thousands of calls bundle into a few visible flows. Width
// is traffic, red is errors; hovering a service lights its calls. States and
// colours are the services view's.

import d3 from './d3.js';
import * as layout from './layout.js';
import { COLORS } from './palette.js';
import { strokeTraffic, fillNodes, hoverRing } from './paint.js';
import { ServicesRenderer } from './render-services.js';

// How far towards the centre a call's curve is pulled (0: straight, 1: through the centre).
export const BUNDLE = 0.85;
const GAP = 26; // arc length per service on the ring, layout units
const LABEL_MAX = 160; // services beyond which only the hovered one is named

// Ring positions of the services: by call depth, then name, so a tier sits
// together and its calls leave the ring side by side.
export function ringLayout(services, levels) {
  const order = services.map((s) => s.id).sort((a, b) => levels[a] - levels[b] || services[a].name.localeCompare(services[b].name));
  const R = Math.max(220, (order.length * GAP) / (2 * Math.PI));
  const nodes = services.map((s, i) => ({ index: i, x: 0, y: 0, angle: 0 }));
  order.forEach((id, k) => {
    const a = -Math.PI / 2 + (2 * Math.PI * k) / Math.max(1, order.length);
    Object.assign(nodes[id], { x: R * Math.cos(a), y: R * Math.sin(a), angle: a });
  });
  return { nodes, R };
}

export class DeathStarRenderer extends ServicesRenderer {
  static label = 'death star';

  constructor(model, { levels }) {
    super(model, { levels, seed: 1 });
    const { nodes, R } = ringLayout(model.topo.services, levels);
    this.nodes = nodes;
    this.R = R;
    // Fixed positions: a simulation that never moves, for GraphView's "settled".
    this.sim = d3.forceSimulation(nodes).stop().alpha(0);
  }

  activate() {}

  bounds() { return layout.boundsOf(this.nodes.filter((d) => this.shows(d.index)), 90); }

  radius(s) { const m = this.model; return 5 + Math.min(12, Math.sqrt(m.svcRps[s] + m.svcErr[s]) * 0.8); }

  drawStatic(ctx, { k, hover, near }) {
    const px = 1 / k, P = this.nodes;
    strokeTraffic(ctx, this.edges(), P, { px, hover, alpha: 0.5, width: 1.2, widthLit: 1.6, bend: BUNDLE, include: (e) => this.showsEdge(e) });
    fillNodes(ctx, this.model.S, P, {
      k, include: (s) => this.shows(s), color: (s) => this.color(s), radius: (s) => this.radius(s), dim: (s) => hover >= 0 && !near.has(s),
    });
    const services = this.model.topo.services;
    ctx.fillStyle = COLORS.label;
    ctx.font = `${11 * px}px system-ui, sans-serif`;
    for (const d of P) {
      if (!this.shows(d.index) || (services.length > LABEL_MAX && !this.model.focus && d.index !== hover)) continue;
      // Names outward along the radius, upright on both halves of the ring.
      const flip = Math.cos(d.angle) < 0;
      ctx.save();
      ctx.translate(d.x, d.y);
      ctx.rotate(flip ? d.angle + Math.PI : d.angle);
      ctx.textAlign = flip ? 'right' : 'left';
      ctx.textBaseline = 'middle';
      const off = (this.radius(d.index) + 4) * (flip ? -1 : 1);
      ctx.fillText(services[d.index].name, off, 0);
      ctx.restore();
    }
    if (hover >= 0 && P[hover]) hoverRing(ctx, P[hover], this.radius(hover), px);
  }
}
