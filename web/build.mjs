// Builds the web picture into dist/: the app bundled by esbuild, MapLibre's stylesheet, the page, and an
// offline basemap (land, coastlines and borders from Natural Earth via world-atlas; rivers from geo-maps'
// earth-rivers, cut to Europe, the Middle East and North Africa to keep the first load small).
import { build } from 'esbuild';
import { mkdir, readFile, writeFile, copyFile } from 'node:fs/promises';
import { feature, mesh } from 'topojson-client';

const out = new URL('./dist/', import.meta.url);
await mkdir(out, { recursive: true });

await build({
  entryPoints: ['src/main.ts'],
  bundle: true,
  format: 'esm',
  minify: true,
  target: 'es2022',
  outfile: 'dist/app.js',
  logLevel: 'warning',
});
await copyFile('node_modules/maplibre-gl/dist/maplibre-gl.css', new URL('maplibre-gl.css', out));
// MapLibre's worker is an ES module of its own that shares a chunk with the main build.
for (const f of ['maplibre-gl-worker.mjs', 'maplibre-gl-shared.mjs']) {
  await copyFile(`node_modules/maplibre-gl/dist/${f}`, new URL(f, out));
}
await copyFile('static/index.html', new URL('index.html', out));
await copyFile('static/style.css', new URL('style.css', out));

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
let bytes = 0;
for (const [name, data] of Object.entries(layers)) {
  const text = JSON.stringify(data);
  bytes += text.length;
  await writeFile(new URL(`basemap-${name}.json`, out), text);
}
console.log(`web: dist/ built (basemap ${(bytes / 1e6).toFixed(2)} MB, ${polygons.length} river polygons)`);
