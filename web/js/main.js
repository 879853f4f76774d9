// The page: pickers and URL, the engine (wasm, native socket or graph
// replay), the animation loop, chaos buttons, the panel, and window.microsim
// for tests and curious workshop participants.

import { GraphView } from './view.js';
import { RENDERERS } from './renderers.js';
import { renderPanel, RECENT_S } from './panel.js';
import { lessonPanel, firstRun } from './lesson.js';
import { HystrixBoard, hystrixCards } from './hystrix.js';
import { Timeline } from './timeline.js';
import { WasmEngine } from './engine-wasm.js';
import { SocketEngine } from './engine-socket.js';
import { ReplayEngine } from './replay.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const ui = {
  arch: $('arch'), scenario: $('scenario'), seed: $('seed'), scale: $('scale'), regions: $('regions'),
  file: $('file'), play: $('play'), step: $('step'), speed: $('speed'), mode: $('mode'),
  region: $('f-region'), zone: $('f-zone'), service: $('f-service'), percent: $('f-percent'), ms: $('f-ms'),
  hang: $('hang'), forSel: $('f-for'), panel: $('panel'), vtime: $('vtime'), fps: $('fps'), engineLabel: $('engine'),
  tooltip: $('tooltip'), error: $('error'), lesson: $('lesson'), lessonPanel: $('lesson-panel'), focus: $('focus'),
};

let engine = null;
let topo = null;
let lastSnap = null;
let paused = false;
let loading = 0;
let config = {};
let lesson = null; // the lesson shown, {name, doc, run}
let hovered = null; // what the tooltip is about, refreshed with each snapshot
let source = { kind: 'named' }; // or {kind: 'file-arch', text, name} / {kind: 'replay', doc, name}

const view = new GraphView($('graph'), { onHover: showTooltip });
const model = view.model; // what the snapshots say, per instance and service
const timeline = new Timeline($('timeline'));
const hystrix = new HystrixBoard();

function showError(msg) {
  ui.error.textContent = String(msg);
  ui.error.hidden = !msg;
}

async function fetchText(url) {
  const r = await fetch(url);
  if (!r.ok) throw `cannot load ${url}: HTTP ${r.status}`;
  return r.text();
}

function setOptions(sel, values, labels) {
  sel.replaceChildren(...values.map((v, i) => { const o = document.createElement('option'); o.value = v; o.textContent = labels ? labels[i] : v; return o; }));
}

function settings() {
  return {
    arch: ui.arch.value,
    scenario: ui.scenario.value || null,
    seed: Math.max(0, Math.floor(Number(ui.seed.value) || 0)),
    scale: Math.max(1, Number(ui.scale.value) || 100),
    regions: Math.min(100, Math.max(1, Math.floor(Number(ui.regions.value) || 1))),
  };
}

function updateUrl() {
  const s = settings();
  const p = new URLSearchParams(location.search);
  p.set('arch', s.arch); p.set('seed', String(s.seed)); p.set('scale', String(s.scale));
  if (s.scenario) p.set('scenario', s.scenario); else p.delete('scenario');
  if (s.regions !== 1) p.set('regions', String(s.regions)); else p.delete('regions');
  if (view.mode !== 'instances') p.set('view', view.mode); else p.delete('view');
  if (lesson) p.set('lesson', lesson.name); else p.delete('lesson');
  history.replaceState(null, '', `${location.pathname}?${p}`);
}

function engineKind() {
  if (source.kind === 'replay') return 'replay';
  if (params.get('engine') === 'native' && source.kind === 'named') return 'native';
  return 'wasm';
}

async function load() {
  const my = ++loading;
  document.body.dataset.ready = '0';
  showError('');
  const kind = engineKind();
  const s = settings();
  const handlers = { onSnapshot, onError: showError };
  const next = kind === 'replay' ? new ReplayEngine(handlers) : kind === 'native' ? new SocketEngine(handlers) : new WasmEngine(handlers);
  let t;
  try {
    if (kind === 'replay') t = await next.start({ doc: source.doc });
    else if (kind === 'native') t = await next.start({ ...s, speed: Number(ui.speed.value), paused });
    else {
      const archText = source.kind === 'file-arch' ? source.text : await fetchText(`architectures/${encodeURIComponent(s.arch)}.json`);
      const scenarioText = s.scenario ? await fetchText(`architectures/scenarios/${encodeURIComponent(s.scenario)}.json`) : undefined;
      t = await next.start({ archText, scenarioText, ...s });
    }
  } catch (e) {
    if (my === loading) showError(e);
    next.close?.();
    return;
  }
  if (my !== loading) { next.close(); return; }
  engine?.close();
  engine = next;
  engine.setSpeed(Number(ui.speed.value));
  if (paused) engine.pause();
  topo = t;
  lastSnap = null;
  view.setTopology(topo, { seed: s.seed });
  timeline.clear();
  hystrix.clear();
  timeline.setScenario(topo.faults, topo.discovery_poll_s);
  fillFaultPickers();
  const label = kind === 'replay' ? `replaying ${source.name}` : kind === 'native' ? 'engine: native (microsim serve)' : source.kind === 'file-arch' ? `wasm · ${source.name}` : 'engine: wasm';
  ui.engineLabel.textContent = `${label} · ${topo.instances.length} instances`;
  if (config.native && kind !== 'replay') {
    // microsim serve can simulate natively: offer the other engine
    const a = document.createElement('a');
    const p = new URLSearchParams(location.search);
    if (kind === 'native') p.delete('engine'); else p.set('engine', 'native');
    a.href = `?${p}`;
    a.textContent = kind === 'native' ? 'use wasm' : 'use native engine';
    ui.engineLabel.append(' · ', a);
  }
  updatePanel();
  document.body.dataset.ready = '1';
}

function fillFaultPickers() {
  setOptions(ui.region, topo.regions);
  setOptions(ui.zone, topo.zones);
  const names = topo.services.map((s) => s.name);
  const keep = ui.service.value;
  setOptions(ui.service, names);
  if (names.includes(keep)) ui.service.value = keep;
  else if (names.includes('subscriber')) ui.service.value = 'subscriber';
  setOptions(ui.focus, ['', ...names], ['all services', ...names]);
  fillDeploy();
  const callers = topo.services.filter((s) => s.deps.length).map((s) => s.name);
  const hxKeep = $('hx-service').value;
  setOptions($('hx-service'), callers);
  $('hx-service').value = callers.includes(params.get('hystrix')) ? params.get('hystrix') : callers.includes(hxKeep) ? hxKeep : callers.includes('homepage') ? 'homepage' : callers[0] ?? '';
  setFocus(names.includes(params.get('focus')) && !focusSet ? params.get('focus') : '');
  focusSet = true;
}

function onSnapshot(snap) {
  lastSnap = snap;
  view.update(snap);
  timeline.add(snap.timeline);
  timeline.setVerdicts(snap.summary?.deployments);
  hystrix.add(snap);
  updatePanel();
  if (hovered) showTooltip(hovered); // a kill or a fault changes what it says
}

function updatePanel() {
  ui.vtime.textContent = `t = ${((lastSnap?.t_ms ?? 0) / 1000).toFixed(1)} s`;
  renderPanel(ui.panel, { topo, snap: lastSnap, model, recent: timeline.recent(RECENT_S) });
  const sid = topo?.services.findIndex((s) => s.name === $('hx-service').value) ?? -1;
  $('hystrix').replaceChildren(...(sid >= 0 && lastSnap && !lastSnap.replay ? hystrixCards(hystrix.rows(topo, model, lastSnap, sid)) : []));
}

// Shown instead of the topology's state name, where it says more.
const STATE_TEXT = { down: 'down (refusing)' };

function showTooltip(p) {
  hovered = p;
  if (!p || !topo) { ui.tooltip.hidden = true; return; }
  let text;
  if (p.kind === 'service') {
    const s = topo.services[p.id];
    text = `${s.name} (${s.package})\n${s.count} instances\n${model.svcRps[p.id].toFixed(1)} req/s · ${model.svcErr[p.id].toFixed(1)} err/s\nclick: kill one instance`;
  } else {
    const [name, svc] = topo.instances[p.id];
    const state = model.stateName(p.id);
    const v = model.version?.[p.id] ?? -1;
    const version = v >= 0 && topo.services[svc].versions ? ` · ${topo.services[svc].versions[v]}` : '';
    text = `${name}\n${topo.services[svc].name}${version} · ${STATE_TEXT[state] ?? state}\n${model.rps[p.id].toFixed(1)} req/s · ${model.err[p.id].toFixed(1)} err/s · ${model.lat[p.id].toFixed(1)} ms\nclick: kill`;
  }
  const rect = $('stage').getBoundingClientRect();
  const canvasRect = $('graph').getBoundingClientRect();
  const [sx, sy] = view.screenPos(p.id);
  const x = sx + canvasRect.left - rect.left + (p.kind === 'service' ? 16 : 12);
  const y = sy + canvasRect.top - rect.top + (p.kind === 'service' ? 16 : 12);
  ui.tooltip.textContent = text;
  ui.tooltip.style.left = `${Math.min(x, rect.width - 260)}px`;
  ui.tooltip.style.top = `${Math.min(y, rect.height - 80)}px`;
  ui.tooltip.hidden = false;
}

// Faults --------------------------------------------------------------------

function withFor(f) {
  if (ui.forSel.value) f.for = ui.forSel.value;
  return f;
}

function act(fn) {
  if (!engine) return;
  try { fn(); showError(''); } catch (e) { showError(e); }
}

const faults = {
  killZone(region, zone, hang = ui.hang.checked) {
    act(() => engine.fault(withFor({ zone_outage: { region, zone, mode: hang ? 'hang' : 'refuse' } })));
  },
  killRegion(region, hang = ui.hang.checked) {
    act(() => engine.fault(withFor({ region_outage: { region, mode: hang ? 'hang' : 'refuse' } })));
  },
  addLatency(service, add_ms, percent) { act(() => engine.fault(withFor({ latency: { service, add_ms, percent } }))); },
  addErrors(service, percent) { act(() => engine.fault(withFor({ errors: { service, percent } }))); },
  killInstance(id, hang = ui.hang.checked) { act(() => engine.kill(id, hang)); },
  heal() { act(() => engine.heal()); },
};

$('kill-zone').onclick = () => faults.killZone(ui.region.value, ui.zone.value);
$('kill-region').onclick = () => faults.killRegion(ui.region.value);
$('add-latency').onclick = () => faults.addLatency(ui.service.value, Number(ui.ms.value) || 100, Number(ui.percent.value) || 100);
$('add-errors').onclick = () => faults.addErrors(ui.service.value, Number(ui.percent.value) || 100);
$('heal').onclick = () => faults.heal();

$('graph').addEventListener('click', (e) => {
  const p = view.pickEvent(e);
  if (!p || !topo || engine?.kind === 'replay') return;
  if (p.kind === 'instance') faults.killInstance(p.id);
  else {
    // services view: kill one instance of the service that is still up
    const s = topo.services[p.id];
    for (let i = s.first; i < s.first + s.count; i++) if (model.isUp(i)) { faults.killInstance(i); break; }
  }
});

// Controls ------------------------------------------------------------------

function setPaused(p) {
  paused = p;
  ui.play.textContent = p ? 'play' : 'pause';
  if (engine) (p ? engine.pause() : engine.play());
}
ui.play.onclick = () => setPaused(!paused);
ui.step.onclick = () => { setPaused(true); engine?.step(1000); };
ui.speed.onchange = () => engine?.setSpeed(Number(ui.speed.value));
ui.mode.onchange = () => { view.setMode(ui.mode.value); updateUrl(); };
for (const el of [ui.arch, ui.scenario, ui.seed, ui.scale, ui.regions]) {
  el.addEventListener('change', () => { source = { kind: 'named' }; updateUrl(); load(); });
}
$('fit').onclick = () => view.fit();

// Focus: one service, what it calls and what calls it — how to see one
// service's dependencies among hundreds.
let focusSet = false; // the URL's focus applies to the first topology only
function setFocus(name) {
  const s = topo?.services.find((x) => x.name === name);
  ui.focus.value = s ? name : '';
  model.focus = s ? new Set([s.id, ...s.deps, ...topo.services.filter((o) => o.deps.includes(s.id)).map((o) => o.id)]) : null;
  view.dirty = true;
  view.fit();
  const p = new URLSearchParams(location.search);
  if (s) p.set('focus', name); else p.delete('focus');
  history.replaceState(null, '', `${location.pathname}?${p}`);
}
ui.focus.onchange = () => setFocus(ui.focus.value);

// Deploy: a version of a versioned service pushed live, as a canary (with a
// baseline of the first version and Kayenta's judge) or red/black; the judge
// rolls a worse version back, and its verdicts appear on the timeline.
function fillDeploy() {
  const versioned = topo.services.filter((s) => (s.versions ?? []).length > 1);
  $('deploy-group').hidden = !versioned.length;
  setOptions($('d-service'), versioned.map((s) => s.name));
  fillVersions();
}
function fillVersions() {
  const s = topo?.services.find((x) => x.name === $('d-service').value);
  const later = (s?.versions ?? []).slice(1);
  setOptions($('d-version'), later);
}
$('d-service').onchange = fillVersions;
function deployment(service, version, strategy) {
  const s = topo.services.find((x) => x.name === service);
  const analysis = { step: '5s', metrics: [{ metric: 'error_rate' }, { metric: 'latency_mean' }] };
  if (strategy === 'red_black') return { red_black: { service, version, startup: '10s', analysis: { ...analysis, window: '30s' } } };
  return {
    canary: {
      service, canary: version, baseline: s.versions[0], instances: 1, startup: '10s',
      steps: [{ set_weight: 5 }, { pause: '30s' }, { set_weight: 25 }, { pause: '30s' }], analysis,
    },
  };
}
const deploy = (service, version, strategy) => act(() => engine.deploy(deployment(service, version, strategy)));
$('deploy').onclick = () => deploy($('d-service').value, $('d-version').value, $('d-strategy').value);
$('hx-service').onchange = () => updatePanel();

// Lessons ------------------------------------------------------------------

function showLesson() {
  ui.lessonPanel.replaceChildren(...lessonPanel(lesson?.doc, runLesson, lesson?.run));
  if (lesson && lesson.doc.runs.length > 1) {
    const a = document.createElement('a');
    a.href = `split.html?lesson=${encodeURIComponent(lesson.name)}`;
    a.id = 'split-link';
    a.textContent = 'open the first two runs side by side';
    ui.lessonPanel.querySelector('.runs')?.append(a);
  }
  ui.lessonPanel.hidden = !lesson;
}

// Loads one run of the lesson: its architecture and scenario, the lesson's seed.
function runLesson(run) {
  if (!lesson) return;
  lesson.run = run.name;
  ui.arch.value = run.architecture;
  ui.scenario.value = run.scenario ?? '';
  ui.seed.value = String(lesson.doc.seed ?? 1);
  source = { kind: 'named' };
  showLesson();
  updateUrl();
  load();
}

async function pickLesson(name, { run = true } = {}) {
  if (!name) { lesson = null; showLesson(); updateUrl(); return; }
  try {
    const doc = JSON.parse(await fetchText(`architectures/lessons/${encodeURIComponent(name)}.json`));
    lesson = { name, doc, run: null };
  } catch (e) { showError(`cannot load lesson ${name}: ${e}`); return; }
  showLesson();
  if (run && firstRun(lesson.doc)) runLesson(firstRun(lesson.doc));
}
ui.lesson.onchange = () => pickLesson(ui.lesson.value);

$('reload').onclick = () => { if (source.kind === 'replay') load(); else { updateUrl(); load(); } };

ui.file.addEventListener('change', async () => {
  const f = ui.file.files[0];
  if (!f) return;
  const text = await f.text();
  ui.file.value = '';
  let doc;
  try { doc = JSON.parse(text); } catch (e) { showError(`${f.name} is not JSON: ${e.message}`); return; }
  source = doc && Array.isArray(doc.graph) ? { kind: 'replay', doc, name: f.name } : { kind: 'file-arch', text, name: f.name };
  await load();
});

// Loop ----------------------------------------------------------------------

let frames = 0, lastT = performance.now();
const frameTimes = [];
const timings = { engine: 0, layout: 0, draw: 0 }; // smoothed ms per frame
function loop(now) {
  const dt = Math.max(0, now - lastT);
  lastT = now;
  frames++;
  frameTimes.push(now);
  while (frameTimes.length && frameTimes[0] < now - 1000) frameTimes.shift();
  const t0 = performance.now();
  if (engine) {
    try { engine.frame(dt); } catch (e) { showError(e); }
  }
  const t1 = performance.now();
  view.frame(dt);
  const k = 0.05;
  timings.engine += (t1 - t0 - timings.engine) * k;
  timings.layout += ((view.layoutMs || 0) - timings.layout) * k;
  timings.draw += ((view.drawMs || 0) - timings.draw) * k;
  if (frames % 30 === 0) ui.fps.textContent = `${frameTimes.length} fps`;
  requestAnimationFrame(loop);
}

// The hooks tests (and the curious) use.
window.microsim = {
  state: () => engine?.summary() ?? null,
  snapshot: () => lastSnap,
  timelineFaults: () => timeline.faults.map((f) => ({ ...f, state: Timeline.faultState(f, (engine?.nowMs() ?? 0) / 1000) })),
  topology: () => topo,
  engine: () => engine?.kind ?? null,
  nodeCount: () => view.visibleCount(),
  instanceCount: () => (topo ? topo.instances.length : 0),
  instanceState: (id) => (topo ? model.state[id] : undefined), // a code: topology().instance_states names it
  instanceStateName: (id) => (topo ? model.stateName(id) : undefined),
  layerDraws: () => view.layerDraws, // offscreen layer redraws so far
  nodeClientPos: (id) => view.clientPos(id),
  fps: () => frameTimes.length,
  layoutSettled: () => view.settled(),
  frames: () => frames,
  timings: () => ({ ...timings }),
  view, // the renderer, for debugging
  virtualMs: () => engine?.nowMs() ?? 0,
  setMode: (m) => { view.setMode(m); ui.mode.value = m; },
  setFocus,
  deploy,
  verdicts: () => timeline.verdicts.slice(),
  instanceVersion: (id) => model.version?.[id] ?? -1,
  hystrix: () => [...document.querySelectorAll('#hystrix .hx-card')].map((c) => ({ dep: c.dataset.dep, circuit: c.dataset.circuit })),
  pause: () => setPaused(true),
  play: () => setPaused(false),
  ...faults,
};

// Boot ----------------------------------------------------------------------

async function boot() {
  try {
    const r = await fetch('config.json');
    if (r.ok) config = await r.json();
  } catch { /* plain static hosting: no config */ }
  let index = { architectures: [], scenarios: [], lessons: [] };
  try { index = JSON.parse(await fetchText('architectures/index.json')); }
  catch (e) { showError(`${e}\nRun scripts/build-web.sh first: it copies the architectures into web/architectures/.`); }
  setOptions(ui.arch, index.architectures);
  setOptions(ui.scenario, ['', ...index.scenarios], ['none', ...index.scenarios]);
  const lessons = index.lessons ?? [];
  setOptions(ui.lesson, ['', ...lessons], ['none', ...lessons]);
  const want = params.get('arch') || config.default_arch || 'netflixoss';
  ui.arch.value = index.architectures.includes(want) ? want : index.architectures[0] ?? '';
  // An unknown name in a shared link runs nothing: running another
  // architecture instead would teach the wrong lesson.
  const unknown = params.get('arch') && ui.arch.value !== params.get('arch');
  ui.scenario.value = index.scenarios.includes(params.get('scenario')) ? params.get('scenario') : '';
  if (params.has('seed')) ui.seed.value = params.get('seed');
  if (params.has('scale')) ui.scale.value = params.get('scale');
  if (params.has('regions')) ui.regions.value = params.get('regions');
  if (params.has('speed')) ui.speed.value = params.get('speed');
  setOptions(ui.mode, Object.keys(RENDERERS), Object.values(RENDERERS).map((R) => R.label));
  if (RENDERERS[params.get('view')]) ui.mode.value = params.get('view');
  view.mode = ui.mode.value;
  if (params.get('engine') === 'native' && !config.native) ui.engineLabel.textContent = 'trying native engine…';
  requestAnimationFrame(loop);
  if (unknown) {
    showError(`no architecture named "${params.get('arch')}": pick one above (${index.architectures.length} built in)`);
    document.body.dataset.ready = 'error';
    return;
  }
  if (params.get('lesson') && lessons.includes(params.get('lesson'))) {
    ui.lesson.value = params.get('lesson');
    // The address names the run to show; without one, the lesson's first run.
    await pickLesson(params.get('lesson'), { run: !params.get('arch') });
    if (params.get('arch')) { lesson.run = lesson.doc.runs.find((r) => r.architecture === ui.arch.value && (r.scenario ?? '') === ui.scenario.value)?.name ?? null; showLesson(); }
    if (!params.get('arch')) { if (ui.mode.value !== 'instances') view.setMode(ui.mode.value); return; }
  } else if (params.get('lesson')) {
    showError(`no lesson named "${params.get('lesson')}"`);
  }
  if (index.architectures.length) updateUrl(); // the address bar shows what runs, ready to share
  await load();
  if (ui.mode.value !== 'instances') view.setMode(ui.mode.value);
}
boot();
