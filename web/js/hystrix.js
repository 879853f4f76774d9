// A Hystrix dashboard for one service, as Netflix's drew it: a row per
// dependency with its rolling volume, error percentage, circuit state and
// latency percentiles. Rolling figures are over the last WINDOW_S seconds of
// virtual time, from the differences between snapshots: the rate and errors
// of the calls from this service (the snapshot's service edges), and whether
// the dependency short-circuited calls in the window (its circuit is open
// somewhere) — Hystrix's own rolling window is 10 s too.

import { h } from './dom.js';

export const WINDOW_S = 10;

export class HystrixBoard {
  constructor() { this.history = []; } // [{t, services: {name: {short}}}]

  clear() { this.history = []; }

  // Keeps each snapshot's cumulative short-circuit counts, for the window.
  add(snap) {
    const services = snap?.summary?.services;
    if (!services) return;
    const t = snap.t_ms / 1000;
    const row = {};
    for (const [name, s] of Object.entries(services)) row[name] = s.failures?.short_circuited ?? 0;
    this.history.push({ t, row });
    while (this.history.length > 2 && this.history[1].t <= t - WINDOW_S) this.history.shift();
  }

  // Short-circuited calls of `name` within the window.
  shortInWindow(name) {
    if (this.history.length < 2) return 0;
    const first = this.history[0].row[name] ?? 0, last = this.history[this.history.length - 1].row[name] ?? 0;
    return last - first;
  }

  // One row per dependency of service id `sid`.
  rows(topo, model, snap, sid) {
    const s = topo.services[sid];
    const services = snap?.summary?.services ?? {};
    return s.deps.map((d) => {
      const dep = topo.services[d];
      const e = model.svcEdges.get(sid * model.S + d) ?? { rps: 0, err: 0 };
      const total = e.rps + e.err;
      const lat = services[dep.name]?.latency_ms ?? {};
      return {
        name: dep.name,
        rps: total,
        errorPct: total > 0 ? (100 * e.err) / total : 0,
        circuit: this.shortInWindow(dep.name) > 0 ? 'open' : 'closed',
        p50: lat.p50 ?? 0, p90: lat.p90 ?? 0, p99: lat.p99 ?? 0,
      };
    });
  }
}

// The board's DOM: a card per dependency, green/orange/red as Hystrix's.
export function hystrixCards(rows) {
  if (!rows.length) return [h('div', { class: 'muted' }, 'no dependencies')];
  return rows.map((r) => {
    const cls = r.circuit === 'open' ? 'err' : r.errorPct > 5 ? 'warn' : 'ok';
    return h('div', { class: `hx-card ${cls}`, 'data-dep': r.name, 'data-circuit': r.circuit },
      h('div', { class: 'hx-name' }, r.name),
      h('div', null, `${r.rps.toFixed(1)} req/s · ${r.errorPct.toFixed(1)} % errors`),
      h('div', null, `circuit ${r.circuit}`),
      h('div', { class: 'muted' }, `p50 ${r.p50.toFixed(1)} · p90 ${r.p90.toFixed(1)} · p99 ${r.p99.toFixed(1)} ms`));
  });
}
