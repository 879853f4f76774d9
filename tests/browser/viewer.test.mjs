// Browser tests of the viewer in web/: headless Debian chromium via
// playwright-core. Run: node --test tests/browser/viewer.test.mjs (after
// scripts/build-web.sh and cargo build --release -p sim-cli). Screenshots go
// to test-artifacts/.
//
// Functional assertions only, with generous polling waits: on a loaded
// machine a change may take seconds to show, and that is no failure here.
// How fast things are (fps, click to red) is bench.mjs's to measure.

import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repo, artifacts, MICROSIM, startServer, startBrowser, openPage, sleep, bigArchitecture } from './harness.mjs';

let server, browser;
const errors = [];

before(async () => {
  server = await startServer();
  console.log(`# the viewer built into a lone copy of microsim in ${server.dir}, at ${server.url}`);
  browser = await startBrowser();
});
after(async () => {
  await browser?.close();
  server?.stop();
});
beforeEach(() => { errors.length = 0; }); // a failed test's page errors are its own

const e2e = (page) => page.evaluate(() => window.microsim.state().end_to_end);
const shot = (page, name) => page.screenshot({ path: join(artifacts, `browser-${name}.png`) });
const WAIT = { timeout: 20000 }; // for anything that should show "at once": generous, polled
const settled = (page) => page.waitForFunction(() => window.microsim.layoutSettled(), null, { timeout: 60000 });

test('the page loads the default architecture and runs, from one binary alone in an empty directory', async () => {
  // Nothing beside the binary: the page, D3, the wasm engine, the
  // architectures and scenarios all come out of it.
  assert.deepEqual(readdirSync(server.dir), ['microsim']);
  const page = await openPage(browser, `${server.url}/`, errors);
  try {
    const arch = await page.evaluate(() => window.microsim.topology().arch);
    assert.equal(arch, 'netflixoss');
    const n = await page.evaluate(() => window.microsim.nodeCount());
    assert.ok(n >= 60, `draws ${n} nodes`);
    await page.waitForFunction(() => window.microsim.state().end_to_end.requests > 0, null, WAIT);
    const a = (await e2e(page)).requests;
    await page.waitForFunction((r) => window.microsim.state().end_to_end.requests > r, a, WAIT); // and grow
    // the URL carries what is shown, for sharing
    assert.match(page.url(), /arch=netflixoss/);
    assert.match(page.url(), /seed=1/);
    // hovering an instance names it in the tooltip
    await settled(page);
    const id = await page.evaluate(() => window.microsim.topology().services.find((s) => s.name === 'zuul').first);
    const pos = await page.evaluate((i) => window.microsim.nodeClientPos(i), id);
    await page.mouse.move(pos.x, pos.y);
    const name = await page.evaluate((i) => window.microsim.topology().instances[i][0], id);
    await page.waitForFunction((n) => !document.getElementById('tooltip').hidden && document.getElementById('tooltip').textContent.startsWith(n + '\n'), name, WAIT);
    assert.match(await page.textContent('#tooltip'), /zuul · up\n/);
    await shot(page, '1-default');
  } finally { await page.close(); }
  assert.deepEqual(errors.splice(0), [], 'no errors in the page');
});

test('a lesson opens with its story, runs its first run, and a click runs the other', async () => {
  const page = await openPage(browser, `${server.url}/?lesson=zone-outage`, errors);
  try {
    const panel = page.locator('#lesson-panel');
    assert.equal(await panel.isVisible(), true);
    const text = await panel.textContent();
    assert.match(text, /A zone goes down/);
    assert.match(text, /three availability zones/);
    assert.match(text, /Question: Out of every hundred requests/);
    assert.equal(await page.inputValue('#arch'), 'netflixoss');
    assert.equal(await page.inputValue('#scenario'), 'zone-outage');
    assert.match(page.url(), /lesson=zone-outage/);
    // the last ten seconds' availability sits beside the whole run's
    await page.waitForSelector('#recent-availability', WAIT);
    // the scenario's fault is on the timeline, named, upcoming until 20 s
    const marked = await page.evaluate(() => window.microsim.timelineFaults());
    assert.equal(marked.length, 1);
    assert.equal(marked[0].what, 'zone outage of us-east-1 zoneA (refusing)');
    assert.deepEqual([marked[0].at_s, marked[0].until_s], [20, 40]);
    await page.selectOption('#speed', '10');
    await page.waitForFunction(() => window.microsim.virtualMs() > 21000, null, { timeout: 60000 });
    assert.equal((await page.evaluate(() => window.microsim.timelineFaults()))[0].state, 'active');
    await page.selectOption('#speed', '1');
    await shot(page, 'lesson');
    await page.click('#lesson-panel button[data-run="resilient"]');
    await page.waitForFunction(() => window.microsim.topology()?.arch === 'netflixoss-resilient' && document.body.dataset.ready === '1', null, WAIT);
    assert.equal(await page.inputValue('#scenario'), 'zone-outage');
    assert.match(await page.getAttribute('#lesson-panel button[data-run="resilient"]', 'class'), /current/);
  } finally { await page.close(); }
  assert.deepEqual(errors.splice(0), [], 'no errors in the page');
});

test('split screen runs two engines with one seed, and their figures differ as the lesson says', async () => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 800 } });
  page.on('pageerror', (e) => errors.push(String(e)));
  try {
    await page.goto(`${server.url}/split.html?lesson=zone-outage`);
    await page.waitForFunction(() => document.body.dataset.ready === '1', null, { timeout: 60000 });
    assert.deepEqual(await page.evaluate(() => [window.microsim.topology(0).arch, window.microsim.topology(1).arch]), ['netflixoss', 'netflixoss-resilient']);
    assert.match(await page.textContent('#title'), /A zone goes down/);
    await page.evaluate(() => window.microsim.setSpeed(10));
    // past the outage (20 s to 40 s) and a discovery poll
    await page.waitForFunction(() => window.microsim.virtualMs(0) > 45000 && window.microsim.virtualMs(1) > 45000, null, { timeout: 90000 });
    const [a, b] = await page.evaluate(() => [window.microsim.state(0).end_to_end, window.microsim.state(1).end_to_end]);
    // the same traffic (one seed), different outcomes: the plain one loses requests, the resilient one hardly any
    assert.ok(Math.abs(a.requests - b.requests) <= 0.02 * a.requests, `${a.requests} ${b.requests}`);
    assert.ok(a.failed > 100, `plain failed ${a.failed}`);
    assert.ok(b.failed < a.failed / 10, `resilient failed ${b.failed} vs ${a.failed}`);
    await shot(page, 'split-zone-outage');
  } finally { await page.close(); }
  assert.deepEqual(errors.splice(0), [], 'no errors in the page');
});

test('CAP: during a partition the panel shows where reads go stale', async () => {
  const page = await openPage(browser, `${server.url}/?lesson=cap`, errors);
  try {
    assert.equal(await page.inputValue('#arch'), 'cap-available');
    assert.equal(await page.inputValue('#scenario'), 'cap-partition');
    await page.selectOption('#speed', '10');
    // the partition runs from 20 s to 50 s
    await page.waitForFunction(() => window.microsim.virtualMs() > 30000, null, { timeout: 90000 });
    await page.waitForFunction(() => /replicated stores/.test(document.getElementById('panel').textContent), null, WAIT);
    const text = await page.textContent('#panel');
    assert.match(text, /cassandra\s*LOCAL_QUORUM\/ONE/);
    assert.match(text, /\d+\.\d % stale/);
    assert.match(text, /us-west-2\s*[\d.k]+ stale reads/);
    const stale = await page.evaluate(() => window.microsim.state().stores.cassandra.stale_reads);
    assert.ok(stale > 100, `stale reads ${stale}`);
    await page.selectOption('#speed', '1');
    await shot(page, 'cap-stale-region');
  } finally { await page.close(); }
  assert.deepEqual(errors.splice(0), [], 'no errors in the page');
});

test('the Hystrix panel shows a circuit opening under failing-dependency', async () => {
  const page = await openPage(browser, `${server.url}/?arch=netflixoss-resilient&scenario=failing-dependency&seed=1&hystrix=homepage`, errors);
  try {
    const before = await page.evaluate(() => window.microsim.hystrix());
    assert.deepEqual(before.map((c) => c.dep).sort(), ['recommendations', 'subscriber']);
    assert.ok(before.every((c) => c.circuit === 'closed'), JSON.stringify(before));
    await page.selectOption('#speed', '10');
    // recommendations fails every request from 10 s: homepage's breakers open
    await page.waitForFunction(() => window.microsim.hystrix().some((c) => c.dep === 'recommendations' && c.circuit === 'open'), null, { timeout: 60000 });
    const after = await page.evaluate(() => window.microsim.hystrix());
    assert.equal(after.find((c) => c.dep === 'subscriber').circuit, 'closed');
    await shot(page, 'hystrix-open');
  } finally { await page.close(); }
  assert.deepEqual(errors.splice(0), [], 'no errors in the page');
});

test('deploying a defective version as a canary: rings on its instances, verdicts on the timeline, rolled back', async () => {
  const page = await openPage(browser, `${server.url}/?arch=change-in-flight&seed=1`, errors);
  try {
    assert.equal(await page.locator('#deploy-group').isVisible(), true);
    await page.selectOption('#d-service', 'api');
    await page.selectOption('#d-version', 'v2');
    await page.selectOption('#d-strategy', 'canary');
    await page.selectOption('#speed', '10');
    await page.click('#deploy');
    // the canary's instance starts (10 s), is listed at the next poll, and shows its version
    await page.waitForFunction(() => {
      const t = window.microsim.topology();
      return t.instances.some((_, id) => window.microsim.instanceVersion(id) === 1);
    }, null, { timeout: 60000 });
    await shot(page, 'canary-rings');
    // v2 fails 20 % of its requests: the judge fails it and it is rolled back
    await page.waitForFunction(() => (window.microsim.state().deployments ?? []).some((d) => d.outcome === 'rolled_back'), null, { timeout: 120000 });
    // and the next snapshot puts the judge's failing verdict on the timeline
    await page.waitForFunction(() => window.microsim.verdicts().some((v) => v.verdict === 'fail'), null, WAIT);
    await shot(page, 'canary-rolled-back');
  } finally { await page.close(); }
  assert.deepEqual(errors.splice(0), [], 'no errors in the page');
});

test('an unknown ?arch= says so and runs nothing else', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  try {
    await page.goto(`${server.url}/?arch=no-such-arch`);
    await page.waitForFunction(() => document.body.dataset.ready === 'error', null, WAIT);
    assert.match(await page.textContent('#error'), /no architecture named "no-such-arch"/);
    assert.equal(await page.evaluate(() => window.microsim.instanceCount()), 0);
  } finally { await page.close(); }
});

test('failing a zone with the buttons raises failures', async () => {
  const page = await openPage(browser, `${server.url}/?arch=netflixoss&seed=3`, errors);
  try {
    await page.waitForFunction(() => window.microsim.state().end_to_end.requests > 200, null, { timeout: 20000 });
    const before = await e2e(page);
    assert.equal(before.failed, 0, 'nothing fails before the outage');
    await page.selectOption('#f-region', 'us-east-1');
    await page.selectOption('#f-zone', 'zoneA');
    await page.click('#kill-zone');
    // the zone's instances show down, the others stay up
    await page.waitForFunction(() => {
      const t = window.microsim.topology();
      return t.instances.every(([, , ri, , zone], id) => ri < 0 || (zone === 'zoneA') === (window.microsim.instanceStateName(id) === 'down'));
    }, null, WAIT);
    await page.waitForFunction((f) => window.microsim.state().end_to_end.failed > f, before.failed, WAIT);
    const after = await e2e(page);
    assert.ok(after.failed > before.failed, `failed ${before.failed} -> ${after.failed}`);
    assert.ok(Object.values(after.failures).some((n) => n > 0), 'a failure reason is counted');
    // the panel (redrawn with each snapshot) lists the failure reasons
    await page.waitForFunction(() => /refused|timeout|dependency/.test(document.getElementById('panel').textContent), null, WAIT);
    await shot(page, '2-zone-outage');
    await page.click('#heal');
  } finally { await page.close(); }
  assert.deepEqual(errors.splice(0), [], 'no errors in the page');
});

test('opening a spigo graph.json replays its nodes', async (t) => {
  // spigo's graph files live beside the repository, not in it.
  if (!existsSync(join(repo, '../shared/spigo'))) {
    t.skip("skipped: ../shared/spigo not found; spigo's reference files are not part of this repository");
    return;
  }
  const dir = join(repo, '../shared/spigo/graph_json');
  const file = join(dir, 'netflixoss.json');
  assert.ok(existsSync(file), `${file} (files: ${existsSync(dir) ? readdirSync(dir) : 'none'})`);
  const page = await openPage(browser, `${server.url}/`, errors);
  try {
    await page.setInputFiles('#file', file);
    await page.waitForFunction(() => window.microsim.engine() === 'replay' && window.microsim.nodeCount() >= 65, null, WAIT);
    assert.equal(await page.evaluate(() => window.microsim.nodeCount()), 65);
    await sleep(500);
    await shot(page, '3-spigo-replay');
  } finally { await page.close(); }
  assert.deepEqual(errors.splice(0), [], 'no errors in the page');
});

test("opening microsim's own graph.json replays it", async () => {
  const out = join(artifacts, 'browser-graph-run');
  const r = spawnSync(MICROSIM, ['run', join(repo, 'architectures/lamp.json'), '--duration', '5s', '--out', out], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const doc = JSON.parse(readFileSync(join(out, 'graph.json'), 'utf8'));
  const nodes = doc.graph.filter((e) => 'node' in e).length;
  const page = await openPage(browser, `${server.url}/`, errors);
  try {
    await page.setInputFiles('#file', join(out, 'graph.json'));
    await page.waitForFunction((n) => window.microsim.engine() === 'replay' && window.microsim.nodeCount() === n, nodes, WAIT);
    await shot(page, '3b-own-replay');
  } finally { await page.close(); }
  assert.deepEqual(errors.splice(0), [], 'no errors in the page');
});

// Markup in names from an opened file: an <img> whose onerror would set a flag.
const PAYLOAD = '<img src=x onerror="window.__injected=1">';
const EMBEDS = 'img, iframe, object, embed, svg, script';
const embedded = (page) => page.evaluate((sel) => document.querySelectorAll(sel).length, EMBEDS);
const noInjection = async (page, before) => {
  assert.equal(await embedded(page), before, 'no element made from a name');
  assert.equal(await page.evaluate(() => window.__injected), undefined, 'no handler ran');
};

test('names in an opened graph file are shown as text, not parsed as HTML', async () => {
  const file = join(artifacts, 'browser-markup-graph.json');
  const t = (s) => `2024-01-01T00:00:0${s}Z`;
  writeFileSync(file, JSON.stringify({
    arch: PAYLOAD, version: `v1 ${PAYLOAD}`, args: `--arch ${PAYLOAD}`, graph: [
      { node: `a.r.z.${PAYLOAD}1`, package: PAYLOAD, timestamp: t(1) },
      { node: 'a.r.z.api1', package: 'p', timestamp: t(2) },
      { edge: 'e1', source: `a.r.z.${PAYLOAD}1`, target: 'a.r.z.api1', timestamp: t(3) },
    ],
  }));
  const page = await openPage(browser, `${server.url}/`, errors);
  try {
    const before = await embedded(page);
    await page.setInputFiles('#file', file);
    await page.waitForFunction(() => window.microsim.engine() === 'replay' && window.microsim.nodeCount() === 2, null, WAIT);
    // the panel shows the names, as text
    await page.waitForFunction((p) => document.getElementById('panel').textContent.includes(`--arch ${p}`), PAYLOAD, WAIT);
    const panel = await page.textContent('#panel');
    assert.ok(panel.includes(`${PAYLOAD} v1 ${PAYLOAD}`), panel);
    // the services view draws names on the canvas and its tooltip is text too
    await page.selectOption('#mode', 'services');
    const pos = await page.evaluate(() => window.microsim.nodeClientPos(0));
    await page.mouse.move(pos.x, pos.y);
    await page.waitForFunction((p) => document.getElementById('tooltip').textContent.startsWith(p), PAYLOAD, WAIT);
    await sleep(300); // an injected image would have failed to load by now
    await noInjection(page, before);
  } finally { await page.close(); }
  assert.deepEqual(errors.splice(0), [], 'no errors in the page');
});

test('names in an opened architecture are shown as text, not parsed as HTML', async () => {
  const lamp = readFileSync(join(repo, 'architectures/lamp.json'), 'utf8');
  const page = await openPage(browser, `${server.url}/`, errors);
  try {
    const before = await embedded(page);
    // the engine takes any architecture name, and the page shows it nowhere as HTML
    const named = join(artifacts, 'browser-markup-arch.json');
    writeFileSync(named, JSON.stringify({ ...JSON.parse(lamp), arch: PAYLOAD }));
    await page.setInputFiles('#file', named);
    await page.waitForFunction((a) => window.microsim.topology()?.arch === a && document.body.dataset.ready === '1', PAYLOAD, WAIT);
    await page.waitForFunction(() => /availability/.test(document.getElementById('panel').textContent), null, WAIT);
    // it refuses markup in a service name, and the error quoting it is text
    const arch = JSON.parse(lamp);
    arch.services[0].name += PAYLOAD;
    const bad = join(artifacts, 'browser-markup-service.json');
    writeFileSync(bad, JSON.stringify(arch));
    await page.setInputFiles('#file', bad);
    // (sim-core quotes the name as JSON does, so its own quotes come escaped)
    await page.waitForFunction((p) => document.getElementById('error').textContent.includes(p), PAYLOAD.split('"')[0], WAIT);
    await sleep(300);
    await noInjection(page, before);
    await shot(page, '7-markup-arch');
  } finally { await page.close(); }
  assert.deepEqual(errors.splice(0), [], 'no errors in the page');
});

test("the URL's seed fixes the layout", async () => {
  const layout = async (seed) => {
    const page = await openPage(browser, `${server.url}/?arch=netflixoss&seed=${seed}`, errors);
    try {
      await settled(page);
      return await page.evaluate(() => Array.from({ length: 40 }, (_, i) => window.microsim.nodeClientPos(i)));
    } finally { await page.close(); }
  };
  const a = await layout(5), b = await layout(5), c = await layout(6);
  assert.deepEqual(a, b, 'seed 5 twice: the same positions');
  assert.notDeepEqual(a, c, 'seed 6: other positions');
  assert.deepEqual(errors.splice(0), [], 'no errors in the page');
});

test('the graph layer is redrawn only when something changed', async () => {
  const page = await openPage(browser, `${server.url}/?arch=netflixoss&seed=2`, errors);
  try {
    await page.evaluate(() => window.microsim.pause()); // no snapshots while paused
    await settled(page);
    await sleep(500); // a snapshot already on its way
    const d0 = await page.evaluate(() => window.microsim.layerDraws());
    const f0 = await page.evaluate(() => window.microsim.frames());
    await page.waitForFunction((f) => window.microsim.frames() > f + 20, f0, WAIT);
    assert.equal(await page.evaluate(() => window.microsim.layerDraws()), d0, 'frames without a change copy the layer');
    const pos = await page.evaluate(() => window.microsim.nodeClientPos(0));
    await page.mouse.move(pos.x, pos.y);
    await page.waitForFunction((d) => window.microsim.layerDraws() > d, d0, WAIT); // hover
    const d1 = await page.evaluate(() => window.microsim.layerDraws());
    await page.mouse.wheel(0, -200);
    await page.waitForFunction((d) => window.microsim.layerDraws() > d, d1, WAIT); // zoom
    const d2 = await page.evaluate(() => window.microsim.layerDraws());
    await page.click('#step');
    await page.waitForFunction((d) => window.microsim.layerDraws() > d, d2, WAIT); // a snapshot
  } finally { await page.close(); }
  assert.deepEqual(errors.splice(0), [], 'no errors in the page');
});

test('600+ instances lay out, animate and simulate', async () => {
  const page = await openPage(browser, `${server.url}/?arch=netflixoss&seed=1&scale=1000`, errors);
  try {
    const n = await page.evaluate(() => window.microsim.nodeCount());
    assert.ok(n >= 600, `${n} instances`);
    await settled(page);
    const [f0, v0] = await page.evaluate(() => [window.microsim.frames(), window.microsim.virtualMs()]);
    await page.waitForFunction(([f, v]) => window.microsim.frames() > f + 30 && window.microsim.virtualMs() > v + 1000, [f0, v0], WAIT);
    await shot(page, '4-scale-1000');
  } finally { await page.close(); }
  assert.deepEqual(errors.splice(0), [], 'no errors in the page');
});

test('5,000 instances render and clicking one kills that one', async () => {
  const page = await openPage(browser, `${server.url}/?arch=netflixoss&seed=1&scale=8400`, errors);
  try {
    const n = await page.evaluate(() => window.microsim.nodeCount());
    assert.ok(n >= 5000, `${n} instances`);
    await settled(page);
    // an up instance of homepage, clicked where it is drawn
    const id = await page.evaluate(() => {
      const s = window.microsim.topology().services.find((x) => x.name === 'homepage');
      return s.first + Math.floor(s.count / 2);
    });
    assert.equal(await page.evaluate((i) => window.microsim.instanceStateName(i), id), 'up');
    const pos = await page.evaluate((i) => window.microsim.nodeClientPos(i), id);
    await page.mouse.click(pos.x, pos.y);
    await page.waitForFunction((i) => window.microsim.instanceStateName(i) === 'down', id, WAIT);
    const down = await page.evaluate(() => window.microsim.snapshot().state.filter((_, i) => window.microsim.instanceStateName(i) !== 'up').length);
    assert.equal(down, 1, 'only the clicked instance is down');
    await shot(page, '5-5000-instances');
  } finally { await page.close(); }
  assert.deepEqual(errors.splice(0), [], 'no errors in the page');
});

test('the death-star view draws 600 services on a ring and keeps animating', async () => {
  const page = await openPage(browser, `${server.url}/?arch=netflixoss&seed=1`, errors);
  try {
    const doc = bigArchitecture(600);
    await page.setInputFiles('#file', { name: 'deathstar600.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(doc)) });
    await page.waitForFunction(() => window.microsim.topology()?.arch === 'deathstar600' && document.body.dataset.ready === '1', null, { timeout: 60000 });
    await page.evaluate(() => window.microsim.setMode('deathstar'));
    assert.equal(await page.evaluate(() => window.microsim.nodeCount()), 600);
    await page.waitForFunction(() => window.microsim.state().end_to_end.requests > 0, null, WAIT);
    const f0 = await page.evaluate(() => window.microsim.frames());
    await page.waitForFunction((f) => window.microsim.frames() > f + 30, f0, WAIT);
    // every service sits on the ring
    const radii = await page.evaluate(() => window.microsim.view.renderer().nodes.map((d) => Math.hypot(d.x, d.y)));
    assert.ok(Math.max(...radii) - Math.min(...radii) < 1e-6);
    await shot(page, 'deathstar-600');
    await page.evaluate(() => window.microsim.setMode('deathstar'));
    await page.goto(`${server.url}/?arch=netflixoss-resilient&seed=1&view=deathstar`);
    await page.waitForFunction(() => document.body.dataset.ready === '1', null, { timeout: 60000 });
    assert.equal(await page.inputValue('#mode'), 'deathstar');
    await shot(page, 'deathstar-netflixoss-resilient');
  } finally { await page.close(); }
  assert.deepEqual(errors.splice(0), [], 'no errors in the page');
});

test('focus shows one service with what it calls and what calls it', async () => {
  const page = await openPage(browser, `${server.url}/?arch=netflixoss&seed=1&view=services`, errors);
  try {
    await page.selectOption('#focus', 'subscriber');
    // subscriber, what it calls (evcache, cassandra), what calls it (homepage, login, recommendations)
    await page.waitForFunction(() => window.microsim.nodeCount() === 6, null, WAIT);
    assert.match(page.url(), /focus=subscriber/);
    await shot(page, 'focus-subscriber');
    await page.selectOption('#focus', '');
    await page.waitForFunction(() => window.microsim.nodeCount() === window.microsim.topology().services.length, null, WAIT);
  } finally { await page.close(); }
  assert.deepEqual(errors.splice(0), [], 'no errors in the page');
});

test('the services view collapses instances; a click kills one instance of the service', async () => {
  const page = await openPage(browser, `${server.url}/?arch=netflixoss&seed=4`, errors);
  try {
    const services = await page.evaluate(() => window.microsim.topology().services.length);
    const instances = await page.evaluate(() => window.microsim.instanceCount());
    assert.ok(instances > services);
    await page.selectOption('#mode', 'services');
    assert.equal(await page.evaluate(() => window.microsim.nodeCount()), services);
    assert.match(page.url(), /view=services/);
    await settled(page);
    const svc = await page.evaluate(() => window.microsim.topology().services.find((s) => s.name === 'homepage'));
    const downIn = (s) => page.evaluate(({ first, count }) => {
      let k = 0;
      for (let i = first; i < first + count; i++) k += window.microsim.instanceStateName(i) !== 'up';
      return k;
    }, s);
    assert.equal(await downIn(svc), 0);
    const pos = await page.evaluate((i) => window.microsim.nodeClientPos(i), svc.first);
    await page.mouse.click(pos.x, pos.y);
    await page.waitForFunction(({ first, count }) => {
      let k = 0;
      for (let i = first; i < first + count; i++) k += window.microsim.instanceStateName(i) !== 'up';
      return k > 0;
    }, svc, WAIT);
    assert.equal(await downIn(svc), 1, 'one instance of the clicked service');
    assert.equal(await page.evaluate(() => window.microsim.snapshot().state.filter((_, i) => window.microsim.instanceStateName(i) !== 'up').length), 1, 'and nothing else');
    await shot(page, '8-services');
    await page.selectOption('#mode', 'instances');
    assert.equal(await page.evaluate(() => window.microsim.nodeCount()), instances);
  } finally { await page.close(); }
  assert.deepEqual(errors.splice(0), [], 'no errors in the page');
});

test('native engine: the page runs over microsim serve\'s WebSocket', async () => {
  const page = await openPage(browser, `${server.url}/?arch=netflixoss&seed=1&engine=native`, errors);
  try {
    assert.equal(await page.evaluate(() => window.microsim.engine()), 'native');
    assert.ok((await page.evaluate(() => window.microsim.nodeCount())) >= 60);
    await page.waitForFunction(() => window.microsim.state()?.end_to_end.requests > 100, null, WAIT);
    const before = await e2e(page);
    await page.selectOption('#f-zone', 'zoneA');
    await page.click('#kill-zone');
    await page.waitForFunction((f) => window.microsim.state().end_to_end.failed > f, before.failed, WAIT);
    await shot(page, '6-native');
  } finally { await page.close(); }
  assert.deepEqual(errors.splice(0), [], 'no errors in the page');
});
