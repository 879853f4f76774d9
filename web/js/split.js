// Split screen: two engines with the same seed side by side, stepped by the
// same wall clock, so a room sees before and after at once (e.g. netflixoss
// and netflixoss-resilient under the same zone outage). The address says
// what runs: ?a=ARCH&b=ARCH[&scenario=S][&scenario_b=T][&seed=N][&view=V],
// or ?lesson=NAME for a lesson's first two runs. A fault from the toolbar
// goes to both.

import { GraphView } from './view.js';
import { RENDERERS } from './renderers.js';
import { renderPanel, RECENT_S } from './panel.js';
import { Timeline } from './timeline.js';
import { WasmEngine } from './engine-wasm.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);

function showError(msg) {
  $('error').textContent = String(msg);
  $('error').hidden = !msg;
}

async function fetchText(url) {
  const r = await fetch(url);
  if (!r.ok) throw `cannot load ${url}: HTTP ${r.status}`;
  return r.text();
}

// One half: an engine, its view, panel and timeline.
class Half {
  constructor(el) {
    this.el = el;
    this.view = new GraphView(el.querySelector('.graph'));
    this.timeline = new Timeline(el.querySelector('.timeline'));
    this.engine = null;
    this.snap = null;
  }

  async start({ arch, scenario, seed }) {
    this.el.querySelector('.label').textContent = `${arch}${scenario ? ` + ${scenario}` : ''}`;
    const archText = await fetchText(`architectures/${encodeURIComponent(arch)}.json`);
    const scenarioText = scenario ? await fetchText(`architectures/scenarios/${encodeURIComponent(scenario)}.json`) : undefined;
    this.engine = new WasmEngine({ onSnapshot: (s) => this.onSnapshot(s), onError: showError });
    const topo = await this.engine.start({ archText, scenario, scenarioText, seed, scale: 100, regions: 1 });
    this.view.setTopology(topo, { seed });
    this.timeline.setScenario(topo.faults, topo.discovery_poll_s);
  }

  onSnapshot(snap) {
    this.snap = snap;
    this.view.update(snap);
    this.timeline.add(snap.timeline);
    renderPanel(this.el.querySelector('.panel'), { topo: this.view.topo, snap, model: this.view.model, recent: this.timeline.recent(RECENT_S) });
  }
}

const halves = [new Half($('half-a')), new Half($('half-b'))];
let paused = false;

function both(fn) {
  try { for (const h of halves) if (h.engine) fn(h.engine); showError(''); } catch (e) { showError(e); }
}

$('play').onclick = () => {
  paused = !paused;
  $('play').textContent = paused ? 'play' : 'pause';
  both((e) => (paused ? e.pause() : e.play()));
};
$('speed').onchange = () => both((e) => e.setSpeed(Number($('speed').value)));
$('kill-zone').onclick = () => both((e) => e.fault({ zone_outage: { region: 'us-east-1', zone: 'zoneA', mode: 'refuse' } }));
$('heal').onclick = () => both((e) => e.heal());
for (const [name, R] of Object.entries(RENDERERS)) {
  const o = document.createElement('option');
  o.value = name; o.textContent = R.label;
  $('mode').append(o);
}
$('mode').onchange = () => { for (const h of halves) h.view.setMode($('mode').value); };

let lastT = performance.now(), frames = 0;
function loop(now) {
  const dt = Math.max(0, now - lastT);
  lastT = now;
  frames++;
  for (const h of halves) {
    if (h.engine) { try { h.engine.frame(dt); } catch (e) { showError(e); } }
    h.view.frame(dt);
  }
  $('vtime').textContent = `t = ${((halves[0].engine?.nowMs() ?? 0) / 1000).toFixed(1)} s`;
  requestAnimationFrame(loop);
}

// What the two halves run: from the lesson, else from a/b.
async function plan() {
  const seed = Math.max(0, Math.floor(Number(params.get('seed') ?? 1)) || 0);
  if (params.get('lesson')) {
    const lesson = JSON.parse(await fetchText(`architectures/lessons/${encodeURIComponent(params.get('lesson'))}.json`));
    if (lesson.runs.length < 2) throw `lesson ${params.get('lesson')} has one run: nothing to put side by side`;
    $('title').textContent = lesson.title;
    const s = lesson.seed ?? seed;
    return lesson.runs.slice(0, 2).map((r) => ({ arch: r.architecture, scenario: r.scenario ?? null, seed: s }));
  }
  const a = params.get('a') || 'netflixoss';
  const b = params.get('b') || 'netflixoss-resilient';
  const scenario = params.get('scenario');
  const scenarioB = params.get('scenario_b') ?? scenario;
  $('title').textContent = `${a} and ${b}, seed ${seed}`;
  return [{ arch: a, scenario, seed }, { arch: b, scenario: scenarioB, seed }];
}

async function boot() {
  requestAnimationFrame(loop);
  try {
    const runs = await plan();
    await Promise.all(halves.map((h, i) => h.start(runs[i])));
  } catch (e) {
    showError(e);
    document.body.dataset.ready = 'error';
    return;
  }
  if (RENDERERS[params.get('view')]) { $('mode').value = params.get('view'); for (const h of halves) h.view.setMode(params.get('view')); }
  document.body.dataset.ready = '1';
}

// The hooks tests use.
window.microsim = {
  state: (i) => halves[i].engine?.summary() ?? null,
  topology: (i) => halves[i].view.topo,
  virtualMs: (i = 0) => halves[i].engine?.nowMs() ?? 0,
  frames: () => frames,
  setSpeed: (x) => { $('speed').value = String(x); both((e) => e.setSpeed(x)); },
};

boot();
