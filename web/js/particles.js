// Particles along edges: each carries a call from a to b in PARTICLE_WALL_MS
// of wall time, red for failed calls. Spawned in proportion to the edges'
// rates, scaled down together to stay under the cap; typed arrays, no
// allocation per frame. Positions come from the view at drawing time.

import { COLORS } from './palette.js';

export const MAX_PARTICLES = 4000;
export const PARTICLE_WALL_MS = 800;

export class Particles {
  constructor(max = MAX_PARTICLES, random = Math.random) {
    this.max = max;
    this.random = random;
    this.from = new Int32Array(max);
    this.to = new Int32Array(max);
    this.t = new Float32Array(max); // 0..1 along the edge
    this.err = new Uint8Array(max);
    this.count = 0;
  }

  clear() { this.count = 0; }

  // Moves every particle on by dtMs and drops those that arrived.
  advance(dtMs) {
    const dt = dtMs / PARTICLE_WALL_MS;
    let j = 0;
    for (let i = 0; i < this.count; i++) {
      const t = this.t[i] + dt;
      if (t >= 1) continue;
      this.from[j] = this.from[i]; this.to[j] = this.to[i]; this.t[j] = t; this.err[j] = this.err[i]; j++;
    }
    this.count = j;
  }

  // New particles for dtMs of traffic on edges (a Map or an array of {a, b,
  // rps, err}) that pass include.
  spawn(edges, dtMs, include) {
    let total = 0;
    for (const e of edges.values()) total += e.rps + e.err;
    if (total <= 0) return;
    // particles alive ~ total x scale x travel time; keep under the cap
    const scale = Math.min(1, (this.max * 0.8) / (total * (PARTICLE_WALL_MS / 1000)));
    const dt = dtMs / 1000;
    for (const e of edges.values()) {
      if (include && !include(e)) continue;
      for (let kind = 0; kind < 2; kind++) {
        const rate = (kind ? e.err : e.rps - e.err) * scale;
        if (rate <= 0) continue;
        let k = rate * dt;
        while (k > 0 && this.count < this.max) {
          if (k < 1 && this.random() >= k) break;
          const p = this.count++;
          this.from[p] = e.a; this.to[p] = e.b; this.t[p] = this.random() * 0.05; this.err[p] = kind;
          k -= 1;
        }
      }
    }
  }

  // 2.5 px squares, one path per kind; P[id] is a node's {x, y}.
  draw(ctx, P, px) {
    const ps = 2.5 * px;
    for (let kind = 0; kind < 2; kind++) {
      ctx.fillStyle = kind ? COLORS.particleErr : COLORS.particle;
      ctx.beginPath();
      for (let i = 0; i < this.count; i++) {
        if (this.err[i] !== kind) continue;
        const a = P[this.from[i]], b = P[this.to[i]];
        if (!a || !b) continue;
        const t = this.t[i];
        ctx.rect(a.x + (b.x - a.x) * t - ps / 2, a.y + (b.y - a.y) * t - ps / 2, ps, ps);
      }
      ctx.fill();
    }
  }
}
