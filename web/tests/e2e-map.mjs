// Browser test of the map an officer reads (headless Chromium against a real `deconflict demo`, at 1440×900):
// place names and declarations' names drawn, the latitude/longitude and MGRS grids (100 km squares with their
// ids, 10 km lines closer in), the protected hospital hosp-kz drawn as a marker at theatre zoom (ringed for
// ru-gs once a Russian jet over it raises an alert about it), the cursor's
// position in MGRS and DMS over Raqqa, the measure tool between Hmeimim and Incirlik (distance within 1 %,
// bearing), and the situation picture exported as PNG and PDF. Screenshots go to test-output/.
//
// Usage: node tests/e2e-map.mjs [--bin PATH] [--screenshots DIR]
// Exit 0 when every check holds.

import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import mgrs from 'mgrs';
import geodesic from 'geographiclib-geodesic';
import { api, bin, browserPath, colours, here, launchArgs, shots, signedIn, startDemo, step, stopDemo } from './harness.mjs';

const PLACES = {
  raqqa: [39.01, 35.95],
  hmeimim: [35.95, 35.4],
  incirlik: [35.43, 37.0],
  kafrZeita: [36.6, 35.37],
};

/// Degrees, minutes and seconds as the readout writes them ("35°57′00″N 039°00′36″E"), written here again
/// so that the page's formatter is checked against something it does not share.
function dms(lon, lat) {
  const one = (v, width) => {
    let s = Math.round(Math.abs(v) * 3600);
    const d = Math.floor(s / 3600);
    s -= d * 3600;
    const m = Math.floor(s / 60);
    s -= m * 60;
    return `${String(d).padStart(width, '0')}°${String(m).padStart(2, '0')}′${String(s).padStart(2, '0')}″`;
  };
  return `${one(lat, 2)}${lat < 0 ? 'S' : 'N'} ${one(lon, 3)}${lon < 0 ? 'W' : 'E'}`;
}

/// Waits for the map to be still and drawn, and the overlay drawn after it.
async function settle(page) {
  await page.evaluate(
    () =>
      new Promise((resolve) => {
        const m = window.__deconflict.map();
        const done = () => requestAnimationFrame(() => requestAnimationFrame(resolve));
        if (m.loaded() && !m.isMoving()) m.once('idle', done);
        else m.once('idle', done);
        m.triggerRepaint();
      }),
  );
}

async function jump(page, center, zoom) {
  await page.evaluate(([c, z]) => window.__deconflict.map().jumpTo({ center: c, zoom: z }), [center, zoom]);
  await settle(page);
}

const drawn = (page) => page.evaluate(() => JSON.parse(JSON.stringify(window.__deconflict.picture().map.overlay.drawn)));

/// A point's pixel on the page, rounded, and the position the map reads there.
async function pixelOf(page, [lon, lat]) {
  const box = await page.locator('#map').boundingBox();
  const p = await page.evaluate(([x, y]) => window.__deconflict.map().project([x, y]), [lon, lat]);
  // Whole pixels of the page (what a mouse event carries), read back relative to the map as MapLibre does.
  const x = Math.round(box.x + p.x);
  const y = Math.round(box.y + p.y);
  const at = await page.evaluate(([x, y]) => window.__deconflict.map().unproject([x, y]), [x - box.x, y - box.y]);
  return { x, y, lon: at.lng, lat: at.lat };
}

function pngSize(buf) {
  assert.equal(buf.subarray(1, 4).toString('latin1'), 'PNG', 'a PNG file');
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
}

async function download(page, selector) {
  const [d] = await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), page.click(selector)]);
  const path = join(here, 'test-output', d.suggestedFilename());
  await d.saveAs(path);
  return { name: d.suggestedFilename(), path, bytes: await readFile(path) };
}

async function run(line, browser) {
  const us = await signedIn(browser, line, line.tokens.US_CJTF);
  const page = us.page;
  await page.setViewportSize({ width: 1440, height: 900 });
  await mkdir(shots, { recursive: true });

  // Theatre zoom: the places, the declarations' names, the graticule.
  await jump(page, [38.3, 35.4], 6.4);
  let d = await drawn(page);
  const names = d.labels.filter((l) => l.kind === 'place').map((l) => l.text);
  step(`theatre zoom: ${names.length} place names (${names.join(', ')}); ${d.labels.filter((l) => l.kind === 'declaration').length} declarations named; graticule ${d.graticuleLines} lines every ${d.graticuleStep}°`);
  await page.screenshot({ path: join(shots, 'web-map-theatre.png') });
  for (const n of ['Aleppo', 'Raqqa', 'Deir ez-Zor', 'Damascus', 'Homs', 'Hmeimim AB']) assert.ok(names.includes(n), `${n} is named at theatre zoom`);
  assert.ok(d.labels.some((l) => l.kind === 'declaration'), 'declarations are named');
  assert.ok(d.graticuleLines >= 6, 'the latitude/longitude grid is drawn');
  // No two labels overlap.
  const rivers = await page.evaluate(() => window.__deconflict.map().queryRenderedFeatures({ layers: ['rivers-main'] }).map((f) => f.properties.name));
  assert.ok(rivers.includes('Euphrates'), 'the Euphrates is drawn as a line at theatre zoom');

  // The hospital at Kafr Zeita, 300 m across, is a marker at theatre zoom.
  const kz = await page.evaluate(([lon, lat]) => {
    const m = window.__deconflict.map();
    const p = m.project([lon, lat]);
    const near = m.queryRenderedFeatures([[p.x - 12, p.y - 12], [p.x + 12, p.y + 12]], { layers: ['site-marks'] });
    return near.map((f) => ({ id: f.properties.id, icon: f.properties.icon, alerted: f.properties.alerted }));
  }, PLACES.kafrZeita);
  step(`site markers at Kafr Zeita: ${JSON.stringify(kz)}`);
  assert.ok(kz.some((f) => f.id === 'hosp-kz' && f.icon === 'hospital'), 'hosp-kz is drawn as a hospital marker at theatre zoom');
  const kzPixel = await page.evaluate(([lon, lat]) => window.__deconflict.map().project([lon, lat]), PLACES.kafrZeita);
  const kzName = d.labels.find((l) => l.kind === 'declaration' && Math.hypot(l.x - kzPixel.x, l.y - kzPixel.y) < 120 && /hosp-kz|Kafr Zeita/i.test(l.text));
  assert.ok(kzName, "the hospital's name is written beside its marker");

  // The MGRS grid on: 100 km squares with their ids at theatre zoom.
  await page.click('.maptools [data-tool=mgrs]');
  await settle(page);
  d = await drawn(page);
  const raqqaSquare = mgrs.forward(PLACES.raqqa, 0);
  step(`MGRS grid: ${d.mgrsSquares.length} squares in and around the view, ${d.mgrsLines} lines; ids shown: ${d.labels.filter((l) => l.kind === 'mgrs').length}`);
  assert.ok(d.mgrsSquares.includes(raqqaSquare), `Raqqa's square ${raqqaSquare} is drawn`);
  assert.ok(d.labels.some((l) => l.kind === 'mgrs'), 'squares are labelled with their ids');
  const gridShot = await page.screenshot({ path: join(shots, 'web-map-grids.png') });
  const distinct = await colours(page, gridShot);
  step(`screenshot with the grids and names: ${distinct} distinct colours`);
  assert.ok(distinct > 40, `the map with grids looks blank (${distinct} colours)`);

  // The cursor over Raqqa: MGRS as the mgrs library writes it, and DMS.
  const raqqa = await pixelOf(page, PLACES.raqqa);
  await page.mouse.move(raqqa.x, raqqa.y);
  await page.waitForFunction(() => /MGRS \d/.test(document.querySelector('#cursor-readout')?.textContent ?? ''));
  const shownMgrs = (await page.textContent('#cursor-readout [data-format=mgrs]')).replace(/^MGRS /, '').replace(/ /g, '');
  const shownDms = await page.textContent('#cursor-readout [data-format=dms]');
  const expected = mgrs.forward([raqqa.lon, raqqa.lat], 5);
  step(`cursor over Raqqa: MGRS ${shownMgrs} (mgrs library: ${expected}), DMS ${shownDms}`);
  assert.equal(shownMgrs, expected, 'the readout gives the MGRS reference of the point under the cursor');
  assert.equal(shownDms, dms(raqqa.lon, raqqa.lat));
  assert.match(await page.textContent('#cursor-readout [data-format=decimal]'), /^35\.9\d{3}° N 39\.0\d{3}° E$/);

  // Closer in: 10 km lines, a finer graticule.
  await jump(page, PLACES.raqqa, 8.6);
  const close = await drawn(page);
  step(`zoom 8.6: MGRS ${close.mgrsLines} lines over ${close.mgrsSquares.length} squares in and around the view; graticule every ${(close.graticuleStep * 60).toFixed(0)}′`);
  assert.ok(close.mgrsLines > 4 * close.mgrsSquares.length, '10 km lines are drawn closer in');
  assert.ok(close.graticuleStep < d.graticuleStep, 'the graticule is finer closer in');
  await page.screenshot({ path: join(shots, 'web-map-close.png') });

  // The measure tool: Hmeimim to Incirlik.
  await jump(page, [35.7, 36.2], 7);
  await page.click('.maptools [data-tool=measure]');
  const a = await pixelOf(page, PLACES.hmeimim);
  const b = await pixelOf(page, PLACES.incirlik);
  await page.mouse.click(a.x, a.y);
  await page.mouse.click(b.x, b.y);
  const measured = await page.evaluate(() => window.__deconflict.picture().tools.last);
  const truth = geodesic.Geodesic.WGS84.Inverse(PLACES.hmeimim[1], PLACES.hmeimim[0], PLACES.incirlik[1], PLACES.incirlik[0]);
  const bearing = (truth.azi1 + 360) % 360;
  const text = await page.textContent('#measure-out');
  step(`measured Hmeimim → Incirlik: ${text} (GeographicLib between the places: ${(truth.s12 / 1000).toFixed(1)} km, ${bearing.toFixed(1)}°)`);
  assert.ok(Math.abs(measured.km - truth.s12 / 1000) / (truth.s12 / 1000) < 0.01, `distance ${measured.km} km within 1 %`);
  assert.ok(Math.abs(measured.nm - truth.s12 / 1852) / (truth.s12 / 1852) < 0.01, 'distance in NM within 1 %');
  assert.ok(Math.abs(measured.bearing - bearing) < 1, `bearing ${measured.bearing}° within 1° of ${bearing}°`);
  assert.match(text, /km · .* NM · \d{3}\.\d° T/);
  await page.screenshot({ path: join(shots, 'web-map-measure.png') });
  await page.keyboard.press('Escape');
  assert.equal(await page.textContent('#measure-out'), '', 'Esc clears the measurement');
  // And the line goes from the overlay when it is next drawn (within a frame).
  await page.waitForFunction(() => window.__deconflict.picture().map.overlay.drawn.measure === '', null, { timeout: 5000 });

  // The situation picture, as PNG and as PDF, from the toolbar.
  await jump(page, [38.3, 35.4], 6.4);
  const png = await download(page, '.maptools [data-export=png]');
  const size = pngSize(png.bytes);
  const mapBox = await page.locator('#map').boundingBox();
  const pngColours = await colours(page, png.bytes);
  step(`exported ${png.name}: ${size.width}×${size.height}, ${pngColours} distinct colours`);
  assert.match(png.name, /^situation-us-cjtf-\d{6}Z[A-Z]{3}\d{2}\.png$/, 'the file name carries the date-time group');
  assert.equal(size.width, Math.round(mapBox.width));
  assert.ok(size.height > mapBox.height, 'the picture has its banner, title and legend around the map');
  assert.ok(pngColours > 40, 'the exported picture is not blank');
  const pdf = await download(page, '.maptools [data-export=pdf]');
  const pdfText = pdf.bytes.toString('latin1');
  const pages = (pdfText.match(/\/Type \/Page\b(?!s)/g) ?? []).length;
  step(`exported ${pdf.name}: ${pdf.bytes.length} bytes, ${pages} page`);
  assert.ok(pdfText.startsWith('%PDF-'), 'a PDF file');
  assert.equal(pages, 1, 'one page');
  assert.match(pdf.name, /^situation-us-cjtf-\d{6}Z[A-Z]{3}\d{2}\.pdf$/);

  await page.screenshot({ path: join(shots, 'web-map-1440.png') });
  assert.deepEqual(us.errors, [], 'no page errors');
  await us.context.close();

  // A Russian jet over the hospital at Kafr Zeita: ru-gs's picture rings the hospital's marker.
  const ru = await signedIn(browser, line, line.tokens.RU_GS);
  await ru.page.setViewportSize({ width: 1440, height: 900 });
  await jump(ru.page, [37.5, 35.4], 6.4);
  const over = { tracks: [{ id: 'su24-e2e', lat: 35.37, lon: 36.6, alt_m: 3000, gs_mps: 250, trk_deg: 90 }] };
  let ringed;
  for (let i = 0; i < 60 && !ringed; i++) {
    await api(line, line.tokens.RU_GS, 'POST', '/v1/tracks', over);
    await new Promise((r) => setTimeout(r, 500));
    ringed = await ru.page.evaluate(() => {
      const m = window.__deconflict.map();
      const site = m.queryRenderedFeatures({ layers: ['site-marks'] }).find((f) => f.properties.id === 'hosp-kz');
      const drawnNow = window.__deconflict.picture().map.overlay.drawn;
      return site?.properties.alerted && drawnNow.alertSites > 0 ? { alerted: true, rings: drawnNow.alertSites } : undefined;
    });
  }
  step(`ru-gs over Kafr Zeita: the hospital's marker ${ringed ? `is ringed (${ringed.rings} ringed site in view)` : 'was not ringed'}`);
  assert.ok(ringed, 'an open alert about hosp-kz rings its marker');
  await ru.page.screenshot({ path: join(shots, 'web-map-alerted-site.png') });
  assert.deepEqual(ru.errors, [], 'no page errors for ru-gs');
  await ru.context.close();
}

const line = await startDemo(60);
step(`demo at ${line.url} (${bin})`);
let browser;
try {
  browser = await chromium.launch({ executablePath: browserPath, args: launchArgs });
  await mkdir(join(here, 'test-output'), { recursive: true });
  await run(line, browser);
  console.log('e2e-map: passed');
} catch (e) {
  console.error('e2e-map: FAILED:', e);
  process.exitCode = 1;
} finally {
  await browser?.close();
  await stopDemo(line);
}
