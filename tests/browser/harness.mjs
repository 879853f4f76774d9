// Shared by the browser tests: serves the viewer with a lone copy of the
// release binary (`microsim serve`, the viewer built into it) and drives
// Debian's chromium through playwright-core.

import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const artifacts = join(repo, 'test-artifacts');
mkdirSync(artifacts, { recursive: true });
const require = createRequire(join(repo, 'web/package.json'));
const { chromium } = require('playwright-core');

export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run'];

function waitForLine(child, re, what) {
  return new Promise((ok, fail) => {
    let buf = '';
    const timer = setTimeout(() => fail(new Error(`${what} did not start: ${buf}`)), 20000);
    const on = (d) => {
      buf += d;
      const m = buf.match(re);
      if (m) { clearTimeout(timer); ok(m); }
    };
    child.stdout.on('data', on);
    child.stderr.on('data', on);
    child.on('exit', (code) => { clearTimeout(timer); fail(new Error(`${what} exited with ${code}: ${buf}`)); });
  });
}

export const MICROSIM = process.env.MICROSIM_BIN || join(repo, 'target/release/microsim');

// microsim is one binary to carry: the viewer is served by a copy of it,
// alone in an empty directory (no web/, no architectures/, no source tree
// beside it), so what the tests see is what the binary holds.
export async function startServer() {
  if (!existsSync(MICROSIM)) {
    throw new Error(`${MICROSIM} is missing: run scripts/build-web.sh, then cargo build --release -p sim-cli`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'microsim-alone-'));
  const bin = join(dir, 'microsim');
  copyFileSync(MICROSIM, bin);
  chmodSync(bin, 0o755);
  const child = spawn(bin, ['serve', '--port', '0'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  const m = await waitForLine(child, /listening on (http:\/\/[\w.:[\]]+)/, 'microsim serve');
  const stop = () => { child.kill(); rmSync(dir, { recursive: true, force: true }); };
  return { url: m[1].replace(/\/$/, ''), kind: 'microsim serve', dir, stop };
}

export async function startBrowser() {
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
}

export async function openPage(browser, url, errors) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    // config.json is absent under static hosting: the page asks, and expects a 404
    if (m.type() === 'error' && !/config\.json$/.test(m.location()?.url || '')) errors.push(m.text());
  });
  await page.goto(url);
  await page.waitForFunction(() => document.body.dataset.ready === '1', null, { timeout: 60000 });
  return page;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// A death-star-sized architecture: n services (one instance each) in tiers —
// an edge, ten front services, then mid-tier services and stores — each
// calling three services of the next tiers, chosen by a seeded LCG.
export function bigArchitecture(n = 600, seed = 7) {
  let x = seed;
  const rand = () => { x = (x * 1103515245 + 12345) % 2147483648; return x / 2147483648; };
  const name = (i) => `svc${String(i).padStart(3, '0')}`;
  const tiers = [[0], [], [], []];
  for (let i = 1; i < n; i++) tiers[i <= 10 ? 1 : i <= n * 0.45 ? 2 : 3].push(i);
  const services = [];
  for (let t = 0; t < tiers.length; t++) {
    for (const i of tiers[t]) {
      const next = tiers[t + 1] ?? [];
      const deps = t === 0 ? next.map(name) : [...new Set(Array.from({ length: Math.min(3, next.length) }, () => name(next[Math.floor(rand() * next.length)])))];
      services.push({
        name: name(i), package: deps.length ? 'karyon' : 'store', count: 1, regions: 1,
        ...(deps.length ? { dependencies: deps } : {}),
        service_time: { dist: 'exponential', mean_ms: 0.5 },
      });
    }
  }
  return { arch: `deathstar${n}`, description: `${n} services in tiers, for the death-star view`, traffic: { rate: 5 }, services };
}
