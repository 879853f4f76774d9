// The side panel: availability, counts, failure reasons and failing services
// of a simulation, or what a replay has shown. Built as DOM nodes with text
// (dom.js): architecture, service and reason names come from files a user
// opened.

import { h } from './dom.js';

export const fmt = (x) => (x >= 1e6 ? (x / 1e6).toFixed(2) + 'M' : x >= 1e4 ? (x / 1e3).toFixed(1) + 'k' : String(Math.round(x)));

// Fills el from the latest snapshot; model (a SnapshotModel) counts states.
// recent: {requests, failed} over the last RECENT_S seconds (timeline.recent).
export function renderPanel(el, { topo, snap, model, recent }) {
  if (!snap) { el.textContent = 'starting…'; return; }
  if (snap.replay) { el.replaceChildren(...replayPanel(topo, snap.replay)); return; }
  const e2e = snap.summary?.end_to_end;
  if (!e2e) { el.textContent = ''; return; }
  el.replaceChildren(...simulationPanel(e2e, snap.summary.services || {}, model, recent).filter(Boolean), ...cachePanel(snap.summary.caches, model), ...storePanel(snap.summary.stores));
}

// Caches with a capacity: hit rate so far, and instances still cold (a
// restarted cache starts empty and warms as reads refill it).
function cachePanel(caches, model) {
  if (!caches) return [];
  const idOf = new Map((model.topo?.services ?? []).map((s) => [s.name, s.id]));
  return [h('h3', null, 'caches'), h('table', null, Object.entries(caches).map(([name, c]) => {
    const cold = idOf.has(name) ? model.coldCaches(idOf.get(name)) : 0;
    return h('tr', null, cell(name), cell(`${(c.hit_rate * 100).toFixed(1)} % hits`, 'n'),
      cell(cold ? `${cold} cold` : 'warm', cold ? 'n warn' : 'n muted'));
  }))];
}

// Replicated stores: the share of reads that returned an old version, the
// regions where they were read (a stale region shows as one), and the
// requests refused as unavailable (too few replicas alive or reachable).
export function storePanel(stores) {
  if (!stores) return [];
  const rows = [];
  for (const [name, s] of Object.entries(stores)) {
    const stale = s.reads ? s.stale_reads / s.reads : 0;
    rows.push(h('tr', null, cell(name), cell(`${s.write}/${s.read}`, 'muted'),
      cell(`${(stale * 100).toFixed(1)} % stale`, stale > 0.01 ? 'n warn' : 'n muted'),
      cell(`${fmt(s.unavailable)} unavailable`, s.unavailable ? 'n err' : 'n muted')));
    for (const [region, n] of Object.entries(s.stale_by_region || {})) {
      if (n > 0) rows.push(h('tr', { class: 'small' }, cell(`  ${region}`), cell(''), cell(`${fmt(n)} stale reads`, 'n warn'), cell('')));
    }
  }
  return [h('h3', null, 'replicated stores'), h('table', null, rows)];
}

// The window of the "last seconds" availability: a fault shows there at once,
// while the cumulative figure moves slowly.
export const RECENT_S = 10;

const availClass = (a) => (a >= 0.999 ? 'ok' : a >= 0.99 ? 'warn' : 'err');

function replayPanel(topo, r) {
  return [
    h('div', null, topo.arch, ' ', topo.replay?.version ?? ''),
    h('div', { class: 'big' }, `${r.nodes} nodes`),
    h('div', null, `${r.edges} edges · ${(r.progress * 100).toFixed(0)} % replayed`),
    h('div', { class: 'muted small' }, topo.replay?.args ?? ''),
  ];
}

const cell = (text, cls) => h('td', { class: cls }, text);

function simulationPanel(e2e, services, model, recent) {
  // Requests still in flight are neither: availability is over answered requests.
  const answered = e2e.ok + e2e.failed;
  const avail = answered ? e2e.ok / answered : 1;
  const cls = availClass(avail);
  const last = recent && recent.requests ? 1 - recent.failed / recent.requests : null;
  const reasons = Object.entries(e2e.failures || {}).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]);
  const lat = e2e.latency_ms || {};
  const worst = Object.entries(services).filter(([, s]) => s.failed > 0).sort((a, b) => b[1].failed - a[1].failed).slice(0, 5);
  const out = [
    h('div', { class: `big ${cls}` }, `${(avail * 100).toFixed(3)} %`),
    h('div', { class: 'muted' }, 'availability (ok / answered), whole run'),
    last == null ? null : h('div', { class: 'recent' },
      h('span', { class: `mid ${availClass(last)}`, id: 'recent-availability' }, `${(last * 100).toFixed(2)} %`),
      h('span', { class: 'muted' }, ` last ${RECENT_S} s`)),
    h('table', null,
      h('tr', null, cell('requests'), cell(fmt(e2e.requests), 'n'), cell('ok'), cell(fmt(e2e.ok), 'n')),
      h('tr', null, cell('failed'), cell(fmt(e2e.failed), 'n err'), cell('p99'), cell(`${(lat.p99 ?? 0).toFixed(1)} ms`, 'n')),
      h('tr', null, cell('down'), cell(model.countIn('down'), 'n'), cell('zombies'), cell(model.countIn('zombie'), 'n')),
      h('tr', null, cell('in flight'), cell(fmt(e2e.unanswered ?? 0), 'n'), cell('degraded'), cell(fmt(e2e.degraded ?? 0), 'n'))),
    h('h3', null, 'failure reasons'),
    reasons.length
      ? h('table', null, reasons.map(([r, n]) => h('tr', null, cell(r), cell(fmt(n), 'n'))))
      : h('div', { class: 'muted' }, 'none yet'),
  ];
  if (worst.length) {
    out.push(h('h3', null, 'failing services'), h('table', null, worst.map(([name, s]) => h('tr', null,
      cell(name), cell(fmt(s.failed), 'n'), cell(`${((s.failed / Math.max(1, s.requests)) * 100).toFixed(1)} %`, 'n muted')))));
  }
  return out;
}
