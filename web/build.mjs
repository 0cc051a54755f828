// Builds the web picture: the app bundled by esbuild, MapLibre's stylesheet, the page, and an offline basemap
// (land, coastlines and borders from Natural Earth via world-atlas; rivers from geo-maps' earth-rivers, cut to
// Europe, the Middle East and North Africa to keep the first load small).
//
// Two bundles from the same sources, told apart by the compile-time constant __TEST__:
//   dist/       the production picture (`deconflict demo` / `serve --web web/dist`): __TEST__ is false, so
//               the browser tests' hook (src/testhook.ts) is dropped from the bundle, and this script fails
//               if the name `__deconflict` is found in it anyway;
//   dist-test/  the picture the browser tests serve (tests/e2e.mjs, tests/load.mjs): __TEST__ is true, and
//               the page sets window.__deconflict.
// Usage: node build.mjs [--prod | --test]   (both by default)
import { build } from 'esbuild';
import { mkdir, readFile, rm, writeFile, copyFile } from 'node:fs/promises';
import { feature, mesh } from 'topojson-client';

const only = process.argv.includes('--prod') ? 'prod' : process.argv.includes('--test') ? 'test' : undefined;
const targets = [
  { dir: 'dist', test: false },
  { dir: 'dist-test', test: true },
].filter((t) => !only || only === (t.test ? 'test' : 'prod'));

/// The basemap's layers, made once for every target.
async function basemap() {
  // The region whose rivers are kept: [min_lon, min_lat, max_lon, max_lat].
  const REGION = [-25, 5, 75, 72];
  const round = (x) => Math.round(x * 1000) / 1000;
  const roundCoords = (c) => (typeof c[0] === 'number' ? [round(c[0]), round(c[1])] : c.map(roundCoords));
  const inRegion = ([lon, lat]) => lon >= REGION[0] && lon <= REGION[2] && lat >= REGION[1] && lat <= REGION[3];

  const topo = JSON.parse(await readFile('node_modules/world-atlas/countries-50m.json', 'utf8'));
  const land = feature(topo, topo.objects.land);
  const borders = mesh(topo, topo.objects.countries, (a, b) => a !== b);
  const rivers = JSON.parse(await readFile('node_modules/@geo-maps/earth-rivers-1km/map.geo.json', 'utf8'));
  const polygons = [];
  for (const g of rivers.geometries ?? [rivers]) {
    const list = g.type === 'MultiPolygon' ? g.coordinates : g.type === 'Polygon' ? [g.coordinates] : [];
    for (const poly of list) if (poly[0].some(inRegion)) polygons.push(roundCoords(poly));
  }
  // One file per layer: the map's worker fetches and parses each itself, off the page's thread.
  const layers = {
    land: { type: 'FeatureCollection', features: land.features.map((f) => ({ ...f, geometry: { ...f.geometry, coordinates: roundCoords(f.geometry.coordinates) } })) },
    borders: { type: 'Feature', properties: {}, geometry: { ...borders, coordinates: roundCoords(borders.coordinates) } },
    rivers: { type: 'Feature', properties: {}, geometry: { type: 'MultiPolygon', coordinates: polygons } },
  };
  return { files: Object.entries(layers).map(([name, data]) => [`basemap-${name}.json`, JSON.stringify(data)]), rivers: polygons.length };
}

const map = await basemap();
for (const { dir, test } of targets) {
  const out = new URL(`./${dir}/`, import.meta.url);
  await mkdir(out, { recursive: true });
  // Split: what is loaded only when asked for (jsPDF, for the situation picture's PDF) goes in chunks/ and
  // stays out of the first load. jsPDF's own optional imports (html2canvas, DOMPurify, canvg) serve methods
  // the picture does not call, and are left out.
  await rm(new URL('chunks/', out), { recursive: true, force: true });
  const result = await build({
    entryPoints: { app: 'src/main.ts' },
    bundle: true,
    splitting: true,
    format: 'esm',
    minify: true,
    target: 'es2022',
    outdir: dir,
    chunkNames: 'chunks/[name]-[hash]',
    external: ['html2canvas', 'dompurify', 'canvg'],
    define: { __TEST__: String(test) },
    logLevel: 'warning',
    metafile: true,
  });
  // The production bundle must not carry the tests' hook, in any of its files.
  for (const file of Object.keys(result.metafile.outputs)) {
    if (!test && file.endsWith('.js') && (await readFile(file, 'utf8')).includes('__deconflict')) {
      console.error(`web: ${file} contains __deconflict, the browser tests' hook: it belongs in dist-test/ only`);
      process.exit(1);
    }
  }
  await copyFile('node_modules/maplibre-gl/dist/maplibre-gl.css', new URL('maplibre-gl.css', out));
  // MapLibre's worker is an ES module of its own that shares a chunk with the main build.
  for (const f of ['maplibre-gl-worker.mjs', 'maplibre-gl-shared.mjs']) {
    await copyFile(`node_modules/maplibre-gl/dist/${f}`, new URL(f, out));
  }
  await copyFile('static/index.html', new URL('index.html', out));
  await copyFile('static/style.css', new URL('style.css', out));
  for (const [name, text] of map.files) await writeFile(new URL(name, out), text);
}
const bytes = map.files.reduce((n, [, text]) => n + text.length, 0);
console.log(
  `web: ${targets.map((t) => `${t.dir}/`).join(' and ')} built (basemap ${(bytes / 1e6).toFixed(2)} MB, ${map.rivers} river polygons)` +
    (targets.some((t) => !t.test) ? '; dist/app.js has no test hook' : ''),
);
