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
  const landPolygons = land.features
    .flatMap((f) => (f.geometry.type === 'MultiPolygon' ? f.geometry.coordinates : [f.geometry.coordinates]))
    .flatMap(acrossAntimeridian);
  const sea = seaOf(landPolygons);
  // One file per layer: the map's worker fetches and parses each itself, off the page's thread. The land is
  // drawn as its coastline (the ground under it has the land's colour, and the sea is drawn over that).
  const layers = {
    land: { type: 'Feature', properties: {}, geometry: { type: 'MultiLineString', coordinates: roundCoords(coastline(landPolygons)) } },
    sea: { type: 'Feature', properties: {}, geometry: { type: 'MultiPolygon', coordinates: roundCoords(sea) } },
    borders: { type: 'Feature', properties: {}, geometry: { ...borders, coordinates: roundCoords(borders.coordinates) } },
    rivers: { type: 'Feature', properties: {}, geometry: { type: 'MultiPolygon', coordinates: polygons } },
  };
  return { files: Object.entries(layers).map(([name, data]) => [`basemap-${name}.json`, JSON.stringify(data)]), rivers: polygons.length };
}

// ---- the sea ------------------------------------------------------------------------------------------------
//
// The map's ground is drawn in the land's colour and the sea over it, rather than the land over a sea-coloured
// ground: over the theatre most of the screen is land, and without a GPU every pixel a fill covers costs CPU
// in every frame of a pan. The sea is the world's rectangle less the land, cut into cells of 30° of longitude
// by bands of latitude so that no polygon holds many holes (MapLibre keeps at most 500 rings of a polygon in
// a tile; the world in one polygon would lose its smallest islands at low zoom). Each cell is its rectangle
// with, as holes, every land polygon clipped to it; a lake in the land (the Caspian) is a sea polygon of its
// own, with the land inside it as its holes. Holes that touch a cell's edge are what MapLibre's own tiling
// makes at every tile edge, and draw as such.

/// The Web Mercator limit of latitude: the map shows nothing beyond it.
const MERCATOR_LAT = 85.0511;

/// A closed ring ([lon, lat] points, first = last) clipped to a box [west, south, east, north]
/// (Sutherland–Hodgman: a concave ring comes out with zero-width bridges along the box's edges, which fill
/// the same pixels).
function clipRing(ring, [w, s, e, n]) {
  const edges = [
    [(p) => p[0] >= w, (a, b) => [w, a[1] + ((b[1] - a[1]) * (w - a[0])) / (b[0] - a[0])]],
    [(p) => p[0] <= e, (a, b) => [e, a[1] + ((b[1] - a[1]) * (e - a[0])) / (b[0] - a[0])]],
    [(p) => p[1] >= s, (a, b) => [a[0] + ((b[0] - a[0]) * (s - a[1])) / (b[1] - a[1]), s]],
    [(p) => p[1] <= n, (a, b) => [a[0] + ((b[0] - a[0]) * (n - a[1])) / (b[1] - a[1]), n]],
  ];
  let pts = ring.slice(0, -1);
  for (const [inside, cut] of edges) {
    if (!pts.length) break;
    const out = [];
    for (let i = 0; i < pts.length; i++) {
      const a = pts[(i + pts.length - 1) % pts.length];
      const b = pts[i];
      if (inside(b)) {
        if (!inside(a)) out.push(cut(a, b));
        out.push(b);
      } else if (inside(a)) {
        out.push(cut(a, b));
      }
    }
    pts = out;
  }
  return pts.length >= 3 && Math.abs(ringArea([...pts, pts[0]])) > 1e-9 ? [...pts, pts[0]] : undefined;
}

/// A ring's signed area in square degrees (positive counter-clockwise, north up).
function ringArea(ring) {
  let a = 0;
  for (let i = 0; i + 1 < ring.length; i++) a += ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1];
  return a / 2;
}

function bbox(ring) {
  const b = [Infinity, Infinity, -Infinity, -Infinity];
  for (const [x, y] of ring) {
    b[0] = Math.min(b[0], x);
    b[1] = Math.min(b[1], y);
    b[2] = Math.max(b[2], x);
    b[3] = Math.max(b[3], y);
  }
  return b;
}

const overlaps = (a, b) => a[0] <= b[2] && b[0] <= a[2] && a[1] <= b[3] && b[1] <= a[3];

function insideRing([x, y], ring) {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/// A land polygon whose outer ring crosses the antimeridian (Chukotka, Wrangel Island, Fiji, Antarctica)
/// jumps there from +180° to −180° of longitude, and such a jump drawn on a flat map is an edge across the
/// whole world. The ring is made continuous (longitudes beyond ±180°), closed round the pole if it goes round
/// one (Antarctica), and cut back into the world's [−180°, 180°]: one polygon for each side.
function acrossAntimeridian(polygon) {
  const [outer, ...holes] = polygon;
  if (!outer.some((p, i) => i && Math.abs(p[0] - outer[i - 1][0]) > 180)) return [polygon];
  let shift = 0;
  const line = outer.map((p, i) => {
    if (i && Math.abs(p[0] - outer[i - 1][0]) > 180) shift -= Math.sign(p[0] - outer[i - 1][0]) * 360;
    return [p[0] + shift, p[1]];
  });
  if (shift) {
    const pole = outer[0][1] < 0 ? -90 : 90;
    line.push([line[line.length - 1][0], pole], [line[0][0], pole], line[0]);
  }
  const pieces = [];
  for (const k of [-360, 0, 360]) {
    const piece = clipRing(
      line.map(([x, y]) => [x + k, y]),
      [-180, -90, 180, 90],
    );
    if (piece) pieces.push([piece, ...holes.filter((h) => Math.abs(ringArea(h)) > 1e-6 && insideRing(h[0], piece))]);
  }
  return pieces;
}

/// The land's rings as lines, less their edges along the world's borders (the antimeridian, the poles).
function coastline(polygons) {
  const lines = [];
  const border = (a, b) => (Math.abs(a[0]) === 180 && a[0] === b[0]) || (Math.abs(a[1]) === 90 && a[1] === b[1]);
  for (const ring of polygons.flat()) {
    let line = [ring[0]];
    for (let i = 1; i < ring.length; i++) {
      if (border(ring[i - 1], ring[i])) {
        if (line.length > 1) lines.push(line);
        line = [];
      }
      line.push(ring[i]);
    }
    if (line.length > 1) lines.push(line);
  }
  return lines;
}

/// The sea as a list of polygons (GeoJSON MultiPolygon coordinates), from the land's polygons.
function seaOf(landPolygons) {
  const lakes = landPolygons.flatMap((p) => p.slice(1)).filter((r) => Math.abs(ringArea(r)) > 1e-6);
  const lakeBoxes = lakes.map(bbox);
  // Land inside a lake is a hole of the lake, not of its cell.
  const islands = lakes.map(() => []);
  const shores = [];
  for (const p of landPolygons) {
    const k = lakes.findIndex((lake, i) => overlaps(lakeBoxes[i], bbox(p[0])) && insideRing(p[0][0], lake));
    if (k >= 0) islands[k].push(p[0]);
    else shores.push(p[0]);
  }
  const shoreBoxes = shores.map(bbox);
  const lats = [-MERCATOR_LAT, -60, -30, 0, 30, 60, MERCATOR_LAT];
  const sea = [];
  for (let west = -180; west < 180; west += 30) {
    for (let j = 0; j + 1 < lats.length; j++) {
      const cell = [west, lats[j], west + 30, lats[j + 1]];
      const [w, s, e, n] = cell;
      const holes = [];
      shores.forEach((ring, i) => {
        if (!overlaps(shoreBoxes[i], cell)) return;
        const cut = clipRing(ring, cell);
        if (cut) holes.push(cut);
      });
      sea.push([
        [
          [w, s],
          [e, s],
          [e, n],
          [w, n],
          [w, s],
        ],
        ...holes,
      ]);
      lakes.forEach((lake, i) => {
        if (!overlaps(lakeBoxes[i], cell)) return;
        const water = clipRing(lake, cell);
        if (water) sea.push([water, ...islands[i].map((r) => clipRing(r, cell)).filter(Boolean)]);
      });
    }
  }
  // Checked here: the sea and the land together are the world, neither overlapping the other.
  const world = 360 * 2 * MERCATOR_LAT;
  const area = (polygons, box) =>
    polygons.reduce((sum, p) => {
      const rings = box ? p.map((r) => clipRing(r, box)).filter(Boolean) : p;
      if (!rings.length || (box && !clipRing(p[0], box))) return sum;
      return sum + Math.abs(ringArea(rings[0])) - rings.slice(1).reduce((h, r) => h + Math.abs(ringArea(r)), 0);
    }, 0);
  const total = area(sea) + area(landPolygons, [-180, -MERCATOR_LAT, 180, MERCATOR_LAT]);
  if (Math.abs(total - world) > world * 1e-6) {
    console.error(`web: the sea and the land do not make the world (${total} square degrees against ${world})`);
    process.exit(1);
  }
  return sea;
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
