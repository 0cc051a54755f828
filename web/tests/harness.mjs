// What the browser tests share: the `deconflict demo` they run against, the API as a party, headless
// Chromium (Debian's, driven by playwright-core) with a party signed in, and small helpers on the map.

import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import assert from 'node:assert/strict';

export const here = new URL('..', import.meta.url).pathname;
export const root = resolve(here, '..');
export const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const given = arg('--bin') ?? process.env.DECONFLICT_BIN;
export const bin = given
  ? resolve(given)
  : [join(root, 'target/release/deconflict'), join(root, 'target/debug/deconflict')].find(existsSync);
export const shots = resolve(arg('--screenshots', join(here, 'test-output')));
export const browserPath = process.env.CHROMIUM ?? '/usr/bin/chromium';
export const step = (what) => console.log(`e2e: ${what}`);

// ---- the line ----------------------------------------------------------------------------------------------

export async function startDemo(speed) {
  assert.ok(bin && existsSync(bin), `no deconflict binary (give --bin or build it): ${bin}`);
  // The test bundle (dist-test/): the production one has no window.__deconflict.
  assert.ok(existsSync(join(here, 'dist-test/index.html')), 'the test bundle of the web picture is not built: npm run build');
  const data = await mkdtemp(join(tmpdir(), 'deconflict-e2e-'));
  await rm(data, { recursive: true });
  const child = spawn(bin, ['demo', '--listen', '127.0.0.1:0', '--web', join(here, 'dist-test'), '--data', data, '--speed', String(speed)], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const banner = await new Promise((resolveBanner, reject) => {
    const timer = setTimeout(() => reject(new Error(`the demo did not start:\n${out}\n${err}`)), 60_000);
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('press Ctrl-C')) {
        clearTimeout(timer);
        resolveBanner(out);
      }
    });
    child.on('exit', (code) => reject(new Error(`the demo exited (${code}):\n${out}\n${err}`)));
  });
  const url = /listening on (\S+)/.exec(banner)[1];
  const tokens = Object.fromEntries([...banner.matchAll(/export (\w+)=(\S+)/g)].map((m) => [m[1], m[2]]));
  return { child, url, tokens, data };
}

export async function api(line, token, method, path, body) {
  const res = await fetch(line.url + path, {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

// ---- the browser -------------------------------------------------------------------------------------------

export const launchArgs = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--enable-unsafe-swiftshader', '--disable-renderer-backgrounding', '--disable-background-timer-throttling',
];

export async function signedIn(browser, line, token) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  // Refusals the test provokes (a bad field) show as failed loads; anything else is an error.
  page.on('console', (m) => m.type() === 'error' && !/status of 4\d\d/.test(m.text()) && errors.push(m.text()));
  const t0 = Date.now();
  await page.goto(`${line.url}/#token=${token}`);
  await page.waitForSelector('body[data-ready=true]', { timeout: 30_000 });
  const readyMs = Date.now() - t0;
  await page.waitForFunction(() => {
    const m = window.__deconflict.map();
    return m && m.queryRenderedFeatures({ layers: ['decl-fill'] }).length > 0;
  }, null, { timeout: 30_000, polling: 20 });
  const loadMs = Date.now() - t0;
  await page.waitForFunction(() => {
    const m = window.__deconflict.map();
    return m.getLayer('land') && m.queryRenderedFeatures({ layers: ['land'] }).length > 0;
  }, null, { timeout: 30_000, polling: 20 });
  return { context, page, errors, loadMs, readyMs, basemapMs: Date.now() - t0 };
}

/// How many distinct colours (to 4 bits a channel) a screenshot holds: a blank or failed map has a handful.
export async function colours(page, png) {
  return page.evaluate(async (b64) => {
    const img = new Image();
    img.src = `data:image/png;base64,${b64}`;
    await img.decode();
    const c = document.createElement('canvas');
    c.width = img.width;
    c.height = img.height;
    const g = c.getContext('2d');
    g.drawImage(img, 0, 0);
    const d = g.getImageData(0, 0, c.width, c.height).data;
    const seen = new Set();
    for (let i = 0; i < d.length; i += 4 * 7) seen.add(((d[i] >> 4) << 8) | ((d[i + 1] >> 4) << 4) | (d[i + 2] >> 4));
    return seen.size;
  }, png.toString('base64'));
}

export async function clickMapAt(page, lon, lat) {
  const p = await page.evaluate(([x, y]) => window.__deconflict.map().project([x, y]), [lon, lat]);
  const box = await page.locator('#map').boundingBox();
  await page.mouse.click(box.x + p.x, box.y + p.y);
}

export async function tab(page, name) {
  await page.click(`[role=tab][data-tab=${name}]`);
}

/// Stops a demo started by `startDemo` and removes its data directory.
export async function stopDemo(line) {
  if (!line) return;
  line.child.kill('SIGTERM');
  await rm(line.data, { recursive: true, force: true });
}
