// Drawing both views share, in world coordinates on a 2D context whose
// transform includes the zoom: traffic edges in few paths (bucketed by width,
// health and highlight), nodes in one path per colour, the hover ring.

import { COLORS } from './palette.js';

// Edges (a Map or an array of {a, b, rps, err, detached}) weighted by rate, red when more than 5 % fail,
// dashed when nobody waits for the calls (mirrors, async); with a hovered node,
// its edges lit and the rest faint. style: {alpha, width, widthLit} (alpha
// and line width factors when nothing is hovered / for lit edges).
// bend (0..1): each edge a curve pulled that far towards the origin (the
// death star's bundles); absent, straight lines.
export function strokeTraffic(ctx, edges, P, { px, hover, alpha, width, widthLit, include, bend }) {
  const hovering = hover >= 0;
  const buckets = new Map();
  for (const e of edges.values()) {
    if (include && !include(e)) continue;
    const lit = hovering && (e.a === hover || e.b === hover);
    const w = Math.min(5, 0.5 + Math.log2(1 + e.rps + e.err) * 0.6);
    const bad = e.err > 0.05 * (e.rps + e.err) ? 1 : 0;
    const key = (Math.round(w * 2) << 3) | (e.detached ? 4 : 0) | (bad << 1) | (lit ? 1 : 0);
    let b = buckets.get(key);
    if (!b) { b = []; buckets.set(key, b); }
    b.push(e);
  }
  for (const [key, list] of buckets) {
    const lit = key & 1, bad = (key >> 1) & 1, dashed = (key >> 2) & 1, w = (key >> 3) / 2;
    const a = hovering ? (lit ? 0.9 : 0.05) : alpha;
    ctx.strokeStyle = (bad ? COLORS.edgeErr : COLORS.edge) + a + ')';
    ctx.lineWidth = w * px * (lit ? widthLit : width);
    ctx.setLineDash(dashed ? DASH.map((d) => d * px) : []);
    ctx.beginPath();
    for (const e of list) {
      const p = P[e.a], q = P[e.b];
      ctx.moveTo(p.x, p.y);
      if (bend) {
        const k = 1 - bend;
        ctx.quadraticCurveTo(((p.x + q.x) / 2) * k, ((p.y + q.y) / 2) * k, q.x, q.y);
      } else ctx.lineTo(q.x, q.y);
    }
    ctx.stroke();
  }
  ctx.setLineDash([]);
}

// Dash and gap, in screen pixels, of an edge nobody waits for.
export const DASH = [5, 4];

// Nodes 0..count-1 that pass include, one path per colour; dimmed (not in
// the hovered node's neighbourhood) at 20 %; dots under ~2 px are squares.
export function fillNodes(ctx, count, P, { k, include, color, radius, dim }) {
  const byColor = new Map();
  for (let i = 0; i < count; i++) {
    if (include && !include(i)) continue;
    const c = color(i);
    const key = dim(i) ? c + '|d' : c;
    let l = byColor.get(key);
    if (!l) { l = []; byColor.set(key, l); }
    l.push(i);
  }
  for (const [key, list] of byColor) {
    const [c, dimmed] = key.split('|');
    ctx.globalAlpha = dimmed ? 0.2 : 1;
    ctx.fillStyle = c;
    ctx.beginPath();
    for (const i of list) {
      const d = P[i], r = radius(i);
      if (r * k < 1.6) ctx.rect(d.x - r, d.y - r, 2 * r, 2 * r);
      else { ctx.moveTo(d.x + r, d.y); ctx.arc(d.x, d.y, r, 0, 2 * Math.PI); }
    }
    ctx.fill();
  }
  ctx.globalAlpha = 1;
}

export function hoverRing(ctx, d, r, px) {
  ctx.strokeStyle = COLORS.hover;
  ctx.lineWidth = 2 * px;
  ctx.beginPath(); ctx.arc(d.x, d.y, r + 2 * px, 0, 2 * Math.PI); ctx.stroke();
}
