// Browser tests of the viewer in web/: headless Debian chromium via
// playwright-core. Run: node --test tests/browser/ (after scripts/build-web.sh
// and cargo build --release -p sim-cli). Screenshots and fps.json go to
// test-artifacts/.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repo, artifacts, MICROSIM, startServer, startBrowser, openPage, sleep } from './harness.mjs';

let server, browser;
const errors = [];

before(async () => {
  server = await startServer();
  console.log(`# serving web/ with ${server.kind} at ${server.url}`);
  browser = await startBrowser();
});
after(async () => {
  await browser?.close();
  server?.stop();
});

const e2e = (page) => page.evaluate(() => window.microsim.state().end_to_end);
const shot = (page, name) => page.screenshot({ path: join(artifacts, `browser-${name}.png`) });

test('the page loads the default architecture and runs', async () => {
  const page = await openPage(browser, `${server.url}/`, errors);
  try {
    const arch = await page.evaluate(() => window.microsim.topology().arch);
    assert.equal(arch, 'netflixoss');
    const n = await page.evaluate(() => window.microsim.nodeCount());
    assert.ok(n >= 60, `draws ${n} nodes`);
    await page.waitForFunction(() => window.microsim.state().end_to_end.requests > 0, null, { timeout: 10000 });
    const a = (await e2e(page)).requests;
    await sleep(1500);
    const b = (await e2e(page)).requests;
    assert.ok(b > a, `requests grow: ${a} then ${b}`);
    // the URL carries what is shown, for sharing
    assert.match(page.url(), /arch=netflixoss/);
    assert.match(page.url(), /seed=1/);
    await shot(page, '1-default');
  } finally { await page.close(); }
  assert.deepEqual(errors.splice(0), [], 'no errors in the page');
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
    // the zone turns red within a second
    const t0 = Date.now();
    await page.waitForFunction(() => {
      const t = window.microsim.topology();
      return t.instances.some(([, , , , zone], id) => zone === 'zoneA' && window.microsim.instanceState(id) === 1);
    }, null, { timeout: 1000 });
    console.log(`# zone shown down ${Date.now() - t0} ms after the click`);
    await page.waitForFunction((f) => window.microsim.state().end_to_end.failed > f, before.failed, { timeout: 15000 });
    const after = await e2e(page);
    assert.ok(after.failed > before.failed, `failed ${before.failed} -> ${after.failed}`);
    assert.ok(Object.values(after.failures).some((n) => n > 0), 'a failure reason is counted');
    // the panel (redrawn with each snapshot) lists the failure reasons
    await page.waitForFunction(() => /refused|timeout|dependency/.test(document.getElementById('panel').textContent), null, { timeout: 2000 });
    await shot(page, '2-zone-outage');
    await page.click('#heal');
  } finally { await page.close(); }
  assert.deepEqual(errors.splice(0), [], 'no errors in the page');
});

test('opening a spigo graph.json replays its nodes', async () => {
  const dir = join(repo, '../shared/spigo/graph_json');
  const file = join(dir, 'netflixoss.json');
  assert.ok(existsSync(file), `${file} (files: ${existsSync(dir) ? readdirSync(dir) : 'none'})`);
  const page = await openPage(browser, `${server.url}/`, errors);
  try {
    await page.setInputFiles('#file', file);
    await page.waitForFunction(() => window.microsim.engine() === 'replay' && window.microsim.nodeCount() >= 65, null, { timeout: 15000 });
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
  const doc = JSON.parse((await import('node:fs')).readFileSync(join(out, 'graph.json'), 'utf8'));
  const nodes = doc.graph.filter((e) => 'node' in e).length;
  const page = await openPage(browser, `${server.url}/`, errors);
  try {
    await page.setInputFiles('#file', join(out, 'graph.json'));
    await page.waitForFunction((n) => window.microsim.engine() === 'replay' && window.microsim.nodeCount() === n, nodes, { timeout: 15000 });
    await shot(page, '3b-own-replay');
  } finally { await page.close(); }
  assert.deepEqual(errors.splice(0), [], 'no errors in the page');
});

async function measureFps(page, seconds) {
  const f0 = await page.evaluate(() => window.microsim.frames());
  const t0 = Date.now();
  await sleep(seconds * 1000);
  const f1 = await page.evaluate(() => window.microsim.frames());
  return (f1 - f0) / ((Date.now() - t0) / 1000);
}

const fpsReport = {};

test('600+ instances animate at 30 fps or more', async () => {
  const page = await openPage(browser, `${server.url}/?arch=netflixoss&seed=1&scale=1000`, errors);
  try {
    const n = await page.evaluate(() => window.microsim.nodeCount());
    assert.ok(n >= 600, `${n} instances`);
    await page.waitForFunction(() => window.microsim.layoutSettled(), null, { timeout: 30000 });
    await sleep(500);
    const v0 = await page.evaluate(() => window.microsim.virtualMs());
    const fps = await measureFps(page, 3);
    const v1 = await page.evaluate(() => window.microsim.virtualMs());
    fpsReport.scale_1000 = { instances: n, fps: Math.round(fps * 10) / 10, virtual_s_per_wall_s: Math.round((v1 - v0) / 3) / 1000 };
    writeFileSync(join(artifacts, 'fps.json'), JSON.stringify(fpsReport, null, 2) + '\n');
    console.log(`# ${n} instances: ${fps.toFixed(1)} fps`);
    await shot(page, '4-scale-1000');
    assert.ok(fps >= 30, `${fps.toFixed(1)} fps at ${n} instances`);
    assert.ok(v1 > v0, 'the simulation advances while animating');
  } finally { await page.close(); }
  assert.deepEqual(errors.splice(0), [], 'no errors in the page');
});

test('5,000 instances render and a click kills a node within a second', async () => {
  const page = await openPage(browser, `${server.url}/?arch=netflixoss&seed=1&scale=8400`, errors);
  try {
    const n = await page.evaluate(() => window.microsim.nodeCount());
    assert.ok(n >= 5000, `${n} instances`);
    await page.waitForFunction(() => window.microsim.layoutSettled(), null, { timeout: 30000 });
    const fps = await measureFps(page, 2);
    fpsReport.scale_8400 = { instances: n, fps: Math.round(fps * 10) / 10 };
    writeFileSync(join(artifacts, 'fps.json'), JSON.stringify(fpsReport, null, 2) + '\n');
    console.log(`# ${n} instances: ${fps.toFixed(1)} fps`);
    // an up instance of homepage, clicked where it is drawn
    const id = await page.evaluate(() => {
      const t = window.microsim.topology();
      const s = t.services.find((x) => x.name === 'homepage');
      return s.first + Math.floor(s.count / 2);
    });
    const pos = await page.evaluate((i) => window.microsim.nodeClientPos(i), id);
    const down0 = await page.evaluate(() => window.microsim.snapshot().state.filter((x) => x !== 0).length);
    const t0 = Date.now();
    await page.mouse.click(pos.x, pos.y);
    await page.waitForFunction((d) => window.microsim.snapshot().state.filter((x) => x !== 0).length > d, down0, { timeout: 1000 });
    const ms = Date.now() - t0;
    console.log(`# click to red: ${ms} ms`);
    fpsReport.scale_8400.click_to_shown_ms = ms;
    writeFileSync(join(artifacts, 'fps.json'), JSON.stringify(fpsReport, null, 2) + '\n');
    await shot(page, '5-5000-instances');
  } finally { await page.close(); }
  assert.deepEqual(errors.splice(0), [], 'no errors in the page');
});

test('native engine: the page runs over microsim serve\'s WebSocket', async (t) => {
  if (server.kind !== 'microsim serve') { t.skip('target/release/microsim has no serve command yet'); return; }
  const page = await openPage(browser, `${server.url}/?arch=netflixoss&seed=1&engine=native`, errors);
  try {
    assert.equal(await page.evaluate(() => window.microsim.engine()), 'native');
    assert.ok((await page.evaluate(() => window.microsim.nodeCount())) >= 60);
    await page.waitForFunction(() => window.microsim.state()?.end_to_end.requests > 100, null, { timeout: 15000 });
    const before = await e2e(page);
    await page.selectOption('#f-zone', 'zoneA');
    await page.click('#kill-zone');
    await page.waitForFunction((f) => window.microsim.state().end_to_end.failed > f, before.failed, { timeout: 15000 });
    await shot(page, '6-native');
  } finally { await page.close(); }
  assert.deepEqual(errors.splice(0), [], 'no errors in the page');
});
