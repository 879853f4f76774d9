// How fast the viewer is in headless chromium: frames per second with 600+
// and 5,000+ instances, virtual seconds simulated per wall second, and the
// wall time from a click (or a zone outage) to the change showing. Writes
// test-artifacts/fps.json and prints it. A smoke run: it fails only when the
// page cannot be driven (an error in the page, a change that never shows),
// never because the machine is slow; the browser tests assert behaviour.
//
// Run: node tests/browser/bench.mjs (after scripts/build-web.sh and
// cargo build --release -p sim-cli).

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { artifacts, startServer, startBrowser, openPage, sleep, bigArchitecture } from './harness.mjs';

const WAIT = { timeout: 60000 };
const round = (x, d = 1) => Math.round(x * 10 ** d) / 10 ** d;

async function measureFps(page, seconds) {
  const [f0, v0] = await page.evaluate(() => [window.microsim.frames(), window.microsim.virtualMs()]);
  const t0 = Date.now();
  await sleep(seconds * 1000);
  const [f1, v1] = await page.evaluate(() => [window.microsim.frames(), window.microsim.virtualMs()]);
  const wall = (Date.now() - t0) / 1000;
  return { fps: round((f1 - f0) / wall), virtual_s_per_wall_s: round((v1 - v0) / 1000 / wall, 3) };
}

// Wall ms from act() until pred (a page function of arg) holds.
async function delay(page, act, pred, arg) {
  const t0 = Date.now();
  await act();
  await page.waitForFunction(pred, arg, { ...WAIT, polling: 'raf' });
  return Date.now() - t0;
}

async function scale(browser, url, errors, pct, seconds) {
  const page = await openPage(browser, `${url}/?arch=netflixoss&seed=1&scale=${pct}`, errors);
  try {
    const instances = await page.evaluate(() => window.microsim.nodeCount());
    const t0 = Date.now();
    await page.waitForFunction(() => window.microsim.layoutSettled(), null, WAIT);
    const settle_ms = Date.now() - t0;
    await sleep(500);
    const rate = await measureFps(page, seconds);
    const timings = await page.evaluate(() => window.microsim.timings());
    // an up instance of homepage, clicked where it is drawn
    const id = await page.evaluate(() => {
      const s = window.microsim.topology().services.find((x) => x.name === 'homepage');
      return s.first + Math.floor(s.count / 2);
    });
    const pos = await page.evaluate((i) => window.microsim.nodeClientPos(i), id);
    const click_to_shown_ms = await delay(page, () => page.mouse.click(pos.x, pos.y),
      (i) => window.microsim.instanceStateName(i) === 'down', id);
    return {
      instances, ...rate, layout_settled_after_ms: settle_ms, click_to_shown_ms,
      ms_per_frame: Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, round(v, 2)])),
    };
  } finally { await page.close(); }
}

async function zoneOutage(browser, url, errors) {
  const page = await openPage(browser, `${url}/?arch=netflixoss&seed=3`, errors);
  try {
    await page.selectOption('#f-zone', 'zoneA');
    const ms = await delay(page, () => page.click('#kill-zone'), () => {
      const t = window.microsim.topology();
      return t.instances.some(([, , , , zone], id) => zone === 'zoneA' && window.microsim.instanceStateName(id) === 'down');
    });
    return { zone_outage_to_shown_ms: ms };
  } finally { await page.close(); }
}

// Frames per second of the death-star view of a 600-service architecture.
async function deathStar(browser, url, errors, seconds) {
  const page = await openPage(browser, `${url}/?arch=netflixoss&seed=1`, errors);
  try {
    const doc = bigArchitecture(600);
    await page.setInputFiles('#file', { name: 'deathstar600.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(doc)) });
    await page.waitForFunction(() => window.microsim.topology()?.arch === 'deathstar600' && document.body.dataset.ready === '1', null, WAIT);
    await page.evaluate(() => window.microsim.setMode('deathstar'));
    await sleep(1000);
    const services = await page.evaluate(() => window.microsim.nodeCount());
    const rate = await measureFps(page, seconds);
    const timings = await page.evaluate(() => window.microsim.timings());
    return { services, ...rate, ms_per_frame: Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, round(v, 2)])) };
  } finally { await page.close(); }
}

const server = await startServer();
const browser = await startBrowser();
const errors = [];
const report = { date: new Date().toISOString(), server: server.kind, note: 'wall-clock figures: they depend on the machine and its load' };
try {
  report.scale_1000 = await scale(browser, server.url, errors, 1000, 3);
  report.scale_8400 = await scale(browser, server.url, errors, 8400, 2);
  report.default = await zoneOutage(browser, server.url, errors);
  report.deathstar_600 = await deathStar(browser, server.url, errors, 3);
} finally {
  await browser.close();
  server.stop();
}
const out = join(artifacts, 'fps.json');
writeFileSync(out, JSON.stringify(report, null, 2) + '\n');
console.log(JSON.stringify(report, null, 2));
console.log(`# written to ${out}`);
if (errors.length) {
  console.error(`errors in the page:\n${errors.join('\n')}`);
  process.exit(1);
}
