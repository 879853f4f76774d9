// Where things go, in world units: no DOM, no canvas. Instances are grouped
// by region (a disc around the world centre) and zone (a wedge of it),
// services in bands by call depth from the entry points. Every random number
// (start jitter, the force simulations' own) comes from d3.randomLcg(seed), so
// one seed gives one layout.

import d3 from './d3.js';

export const SPACING = 10; // world units between neighbouring instances

// Call depth of every service from the entry points (all 0 when none is marked).
export function serviceLevels(services) {
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

// How many instances fit on an arc of a wedge at radius r.
const arcCapacity = (r, wedge) => Math.max(1, Math.floor((r * wedge * 0.8) / SPACING));

// Target of every instance: a band per service level, each zone a wedge, each
// region a disc; instances of no zone at their region's centre, spanning
// (global) ones above a single region or in the middle of several.
export function instanceTargets(topo, levels) {
  const n = topo.instances.length;
  const R = Math.max(1, topo.regions.length);
  const zones = topo.zones.length ? topo.zones : ['zoneA'];
  const Z = zones.length;
  const wedge = (2 * Math.PI) / Z;
  const maxLevel = Math.max(0, ...levels);
  // groups[region][level][zone] = [instance ids]
  const groups = Array.from({ length: R }, () => Array.from({ length: maxLevel + 1 }, () => Array.from({ length: Z }, () => [])));
  const centreIds = Array.from({ length: R }, () => []);
  const globalIds = [];
  topo.instances.forEach(([, svc, ri, , zone], id) => {
    if (ri < 0) { globalIds.push(id); return; }
    const zi = zones.indexOf(zone);
    if (zi < 0) { centreIds[ri].push(id); return; }
    groups[ri][levels[svc]][zi].push(id);
  });
  const tx = new Float32Array(n), ty = new Float32Array(n);
  // Radii of each level band: rows of arcs holding the largest zone group.
  const inner = SPACING * (2.5 + Math.sqrt(Math.max(...centreIds.map((c) => c.length), 1)));
  const bands = []; // per level: start radius
  let r = inner;
  for (let L = 0; L <= maxLevel; L++) {
    let most = 0;
    for (let ri = 0; ri < R; ri++) for (let z = 0; z < Z; z++) most = Math.max(most, groups[ri][L][z].length);
    bands.push(r);
    if (most === 0) continue;
    let left = most, rr = r;
    while (left > 0) { left -= arcCapacity(rr, wedge); rr += SPACING; }
    r = rr + SPACING * 1.5;
  }
  const regionRadius = r;
  const ringR = R === 1 ? 0 : (regionRadius * 1.15) / Math.sin(Math.PI / R) + (globalIds.length ? SPACING * 3 : 0);
  const regionCentres = [];
  for (let ri = 0; ri < R; ri++) {
    const a = -Math.PI / 2 + (2 * Math.PI * ri) / R;
    regionCentres.push([ringR * Math.cos(a), ringR * Math.sin(a)]);
  }
  const place = (ids, cx, cy) => { // a small circle
    ids.forEach((id, k) => {
      if (ids.length === 1) { tx[id] = cx; ty[id] = cy; return; }
      const a = (2 * Math.PI * k) / ids.length;
      const rad = SPACING * Math.sqrt(ids.length) * 0.5;
      tx[id] = cx + rad * Math.cos(a); ty[id] = cy + rad * Math.sin(a);
    });
  };
  for (let ri = 0; ri < R; ri++) {
    const [cx, cy] = regionCentres[ri];
    place(centreIds[ri], cx, cy);
    for (let L = 0; L <= maxLevel; L++) {
      for (let z = 0; z < Z; z++) {
        const ids = groups[ri][L][z];
        const mid = -Math.PI / 2 + wedge * z + (R > 1 ? (2 * Math.PI * ri) / R : 0);
        let k = 0, rr = bands[L];
        while (k < ids.length) {
          const m = Math.min(arcCapacity(rr, wedge), ids.length - k);
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
  if (R === 1) place(globalIds, 0, -(regionRadius + SPACING * 3));
  else place(globalIds, 0, 0);
  return { tx, ty, regionRadius, regionCentres };
}

// Instances: start near their targets, pulled to them, pushed apart by
// collisions (below 2,000 instances: they matter little on precomputed
// targets and cost most at scale). Settles in about a second of ticks.
export function instanceLayout(topo, levels, seed) {
  const targets = instanceTargets(topo, levels);
  const { tx, ty } = targets;
  const n = tx.length;
  const random = d3.randomLcg(seed);
  const nodes = new Array(n);
  for (let i = 0; i < n; i++) {
    nodes[i] = { index: i, x: tx[i] + (random() - 0.5) * SPACING * 3, y: ty[i] + (random() - 0.5) * SPACING * 3 };
  }
  const sim = d3.forceSimulation(nodes)
    .randomSource(random)
    .alpha(0.6)
    .alphaDecay(0.05)
    .velocityDecay(0.4)
    .force('x', d3.forceX((d) => tx[d.index]).strength(0.25))
    .force('y', d3.forceY((d) => ty[d.index]).strength(0.25))
    .alphaMin(0.01)
    .stop();
  if (n <= 2000) sim.force('collide', d3.forceCollide(SPACING * 0.42).iterations(1));
  return { ...targets, nodes, sim };
}

// Services: one node each, linked by declared dependencies, in rows by level.
export function serviceLayout(topo, levels, seed) {
  const random = d3.randomLcg(seed);
  const nodes = topo.services.map((s, i) => ({ index: i, x: (random() - 0.5) * 100, y: levels[i] * 60 - 100 }));
  const links = [];
  for (const s of topo.services) for (const d of s.deps) if (d !== s.id) links.push({ source: s.id, target: d });
  const maxLevel = Math.max(0, ...levels);
  const sim = d3.forceSimulation(nodes)
    .randomSource(random)
    .force('link', d3.forceLink(links).distance(70).strength(0.3))
    .force('charge', d3.forceManyBody().strength(-400))
    .force('y', d3.forceY((d) => (levels[d.index] - maxLevel / 2) * 90).strength(0.5))
    .force('x', d3.forceX(0).strength(0.05))
    .force('collide', d3.forceCollide(26))
    .stop();
  return { nodes, links, sim };
}

export const settled = (sim) => sim.alpha() < sim.alphaMin();

// Ticks until settled or maxTicks; returns the ticks done.
export function settle(sim, maxTicks = Infinity) {
  let k = 0;
  while (k < maxTicks && !settled(sim)) { sim.tick(); k++; }
  return k;
}

// Smallest box [x0, y0, x1, y1] holding the points (objects with x and y),
// grown by pad on every side.
export function boundsOf(points, pad = 0) {
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (const p of points) { x0 = Math.min(x0, p.x); x1 = Math.max(x1, p.x); y0 = Math.min(y0, p.y); y1 = Math.max(y1, p.y); }
  return [x0 - pad, y0 - pad, x1 + pad, y1 + pad];
}

// Zoom {k, x, y} that centres a box in a w x h view, with margins, at most maxK.
export function fitTransform([x0, y0, x1, y1], w, h, maxK = 8) {
  const k = Math.min((w - 40) / (x1 - x0), (h - 60) / (y1 - y0), maxK);
  return { k, x: w / 2 - (k * (x0 + x1)) / 2, y: h / 2 - (k * (y0 + y1)) / 2 };
}
