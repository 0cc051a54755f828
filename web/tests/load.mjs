// First-load benchmark of the web picture: a demo line on real time, then N times a new headless Chromium
// opening the coalition's page, timing the party's picture drawn on the map and the basemap under it.
//
// Usage: node tests/load.mjs [--bin PATH] [--runs N]   (prints a table row per run and the medians)

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';

const here = new URL('..', import.meta.url).pathname;
const root = resolve(here, '..');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const bin = resolve(arg('--bin', join(root, 'target/release/deconflict')));
const runs = Number(arg('--runs', '5'));
if (!existsSync(bin)) throw new Error(`no deconflict binary at ${bin} (give --bin)`);

const data = join(await mkdtemp(join(tmpdir(), 'deconflict-load-')), 'line');
const demo = spawn(bin, ['demo', '--listen', '127.0.0.1:0', '--web', join(here, 'dist-test'), '--data', data, '--speed', '1'], {
  cwd: root,
  stdio: ['ignore', 'pipe', 'ignore'],
});
let banner = '';
await new Promise((ok, fail) => {
  demo.stdout.on('data', (d) => {
    banner += d;
    if (banner.includes('press Ctrl-C')) ok();
  });
  demo.on('exit', (code) => fail(new Error(`the demo exited (${code})`)));
});
const url = /listening on (\S+)/.exec(banner)[1];
const token = /export US_CJTF=(\S+)/.exec(banner)[1];
const args = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--enable-unsafe-swiftshader'];
const rows = [];
console.log('| run | picture drawn (ms) | basemap drawn (ms) |\n|---|---|---|');
try {
  for (let i = 1; i <= runs; i++) {
    const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args });
    const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    const t0 = Date.now();
    await page.goto(`${url}/#token=${token}`);
    const drawn = (layer) =>
      page.waitForFunction((l) => {
        const m = window.__deconflict?.map();
        return m?.getLayer(l) && m.queryRenderedFeatures({ layers: [l] }).length > 0;
      }, layer, { polling: 20, timeout: 30_000 });
    await drawn('decl-fill');
    const picture = Date.now() - t0;
    await drawn('land');
    const basemap = Date.now() - t0;
    rows.push([picture, basemap]);
    console.log(`| ${i} | ${picture} | ${basemap} |`);
    await browser.close();
  }
} finally {
  demo.kill('SIGTERM');
  await rm(resolve(data, '..'), { recursive: true, force: true });
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`| median | ${median(rows.map((r) => r[0]))} | ${median(rows.map((r) => r[1]))} |`);
