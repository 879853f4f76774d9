// Shared by the browser tests: serves web/ (microsim serve when the binary
// has it, else python3's http.server on 127.0.0.1) and drives Debian's
// chromium through playwright-core.

import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync, mkdirSync } from 'node:fs';
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

export async function startServer() {
  const bin = MICROSIM;
  const web = join(repo, 'web');
  if (existsSync(bin)) {
    const help = spawnSync(bin, ['--help'], { encoding: 'utf8' }).stdout || '';
    if (/^\s+serve\b/m.test(help)) {
      const child = spawn(bin, ['serve', '--port', '0', '--web', web], { stdio: ['ignore', 'pipe', 'pipe'] });
      const m = await waitForLine(child, /listening on (http:\/\/[\w.:[\]]+)/, 'microsim serve');
      return { url: m[1].replace(/\/$/, ''), kind: 'microsim serve', stop: () => child.kill() };
    }
  }
  const child = spawn('python3', ['-u', '-m', 'http.server', '--bind', '127.0.0.1', '--directory', web, '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const m = await waitForLine(child, /port (\d+)/, 'python3 -m http.server');
  return { url: `http://127.0.0.1:${m[1]}`, kind: 'python3 http.server', stop: () => child.kill() };
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
