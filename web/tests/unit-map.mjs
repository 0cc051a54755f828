// Unit tests of the map's pure helpers (src/map/): positions in decimal degrees, DMS and MGRS, the geodesic
// distance and bearing, the grids' spacing and lines, the date-time group, label placement without overlaps,
// and the place list. Bundled in memory by esbuild and run by Node's test runner, like tests/unit.mjs.
//
// Usage: node --test tests/unit-map.mjs

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { load } from './bundled.mjs';



const [geo] = await load(['src/map/geo.ts']);
const [grid] = await load(['src/map/grid.ts']);
const [labels] = await load(['src/map/labels.ts']);
const [places] = await load(['src/map/places.ts']);

test('positions in decimal degrees, DMS and MGRS', () => {
  assert.equal(geo.formatDecimal(39.01, 35.95), '35.9500° N 39.0100° E');
  assert.equal(geo.formatDecimal(-3.5, -12.25, 2), '12.25° S 3.50° W');
  assert.equal(geo.formatDMS(39.01, 35.95), '35°57′00″N 039°00′36″E');
  // 59.9 seconds round into the next minute, not to 60″.
  assert.equal(geo.formatDMS(36 + 59.99 / 3600, 35 + 59 / 60 + 59.7 / 3600), '36°00′00″N 036°01′00″E');
  assert.equal(geo.formatDMS(-0.5, -0.25), '00°15′00″S 000°30′00″W');
  const raqqa = geo.mgrsOf(39.01, 35.95);
  assert.match(raqqa, /^37SEV\d{10}$/);
  assert.equal(geo.spaceMgrs(raqqa), `37S EV ${raqqa.slice(5, 10)} ${raqqa.slice(10)}`);
  assert.equal(geo.spaceMgrs('37SEV'), '37S EV');
  assert.equal(geo.mgrsOf(0, 85), '', 'no MGRS beyond 84° N');
});

test('geodesic distance and true bearing', () => {
  // Hmeimim to Incirlik: about 184 km, a little west of north.
  const m = geo.measure([35.95, 35.4], [35.43, 37.0]);
  assert.ok(Math.abs(m.km - 183.6) < 0.5, String(m.km));
  assert.ok(Math.abs(m.nm - m.km / 1.852) < 1e-9);
  assert.ok(Math.abs(m.bearing - 345.4) < 0.2, String(m.bearing));
  assert.ok(Math.abs(m.back - 165.1) < 0.5, String(m.back));
  // Due east along the equator: 1° is 111.32 km, bearing 090.
  const e = geo.measure([0, 0], [1, 0]);
  assert.ok(Math.abs(e.km - 111.32) < 0.01);
  assert.ok(Math.abs(e.bearing - 90) < 1e-9);
  assert.equal(geo.formatMeasure(m), `${m.km.toFixed(1)} km · ${m.nm.toFixed(1)} NM · 345.4° T`);
  assert.match(geo.formatMeasure(geo.measure([36, 35], [36.01, 35])), /^0\.91 km · 0\.49 NM · 090\.0° T$/);
  const path = geo.geodesicPath([35.95, 35.4], [35.43, 37.0], 4);
  assert.equal(path.length, 5);
  assert.deepEqual(path[0].map((v) => v.toFixed(6)), ['35.950000', '35.400000']);
  assert.deepEqual(path[4].map((v) => v.toFixed(6)), ['35.430000', '37.000000']);
});

test('the graticule: spacing for the view, labels, lines', () => {
  assert.equal(geo.gridStep(8), 1);
  assert.equal(geo.gridStep(40), 5);
  assert.equal(geo.gridStep(2), 0.25);
  assert.equal(geo.gridStep(0.3), 1 / 30);
  assert.equal(geo.gridStep(0.3, 20), 1 / 60);
  assert.equal(geo.gridLabel(36, 'lon'), '36°E');
  assert.equal(geo.gridLabel(35.5, 'lat'), '35°30′N');
  assert.equal(geo.gridLabel(-0.25, 'lon'), '0°15′W');
  const g = grid.graticule({ west: 35.2, east: 37.9, south: 34.6, north: 36.1 }, 1);
  assert.deepEqual(g.lines.filter((l) => l.points[0][1] === 34.6).map((l) => l.points[0][0]), [36, 37]);
  assert.deepEqual(g.labels.map((l) => l.text), ['36°E', '37°E', '35°N', '36°N']);
});

test('the MGRS grid: squares in view, cut at zone edges, 10 km lines', () => {
  const b = { west: 35.5, east: 36.5, south: 35.2, north: 35.8 };
  const squares = grid.mgrsSquares(b);
  // Zones 36 and 37 meet at 36° E.
  assert.ok(squares.some((s) => s.startsWith('36S')) && squares.some((s) => s.startsWith('37S')), squares.join());
  for (const id of squares) {
    const sq = grid.mgrsSquare(id);
    const [lo, hi] = id.startsWith('36') ? [30, 36] : [36, 42];
    for (const l of sq.outline) for (const [lon] of l) assert.ok(lon >= lo - 1e-6 && lon <= hi + 1e-6, `${id} stays in its zone`);
    assert.ok(sq.centre[0] > lo && sq.centre[0] < hi);
  }
  const g = grid.mgrsGrid(b, true);
  const coarse = grid.mgrsGrid(b, false);
  assert.ok(g.lines.length > coarse.lines.length * 3, '10 km lines added');
  assert.equal(coarse.labels.length, squares.length);
  assert.deepEqual(grid.clipLon([[0, 0], [10, 1]], 2, 4), [[[2, 0.2], [4, 0.4]]]);
  assert.deepEqual(grid.clipLon([[3, 0], [3, 1]], 2, 4), [[[3, 0], [3, 1]]]);
  assert.deepEqual(grid.clipLon([[5, 0], [6, 1]], 2, 4), []);
});

test('the date-time group and UTC', () => {
  const t = Date.parse('2017-06-18T15:30:42Z');
  assert.equal(geo.dtg(t), '181530ZJUN17');
  assert.equal(geo.utcText(t), '2017-06-18 15:30Z');
  assert.equal(geo.dtg(Date.parse('2019-01-02T03:04:00Z')), '020304ZJAN19');
});

test('labels are placed without overlapping, the most important first', () => {
  const c = (x, y, priority, w = 40) => ({ x, y, w, h: 12, priority });
  const kept = labels.placeLabels([c(100, 100, 50), c(102, 100, 10), c(300, 100, 20), c(5, 5, 1, 2000)], 400, 200);
  const boxes = kept.map((k) => [k.left, k.top, k.left + k.label.w, k.top + k.label.h]);
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const [a, b] = [boxes[i], boxes[j]];
      assert.ok(a[2] <= b[0] || b[2] <= a[0] || a[3] <= b[1] || b[3] <= a[1], 'no overlap');
    }
  }
  // The wider-than-the-screen label is dropped; the important one near x=102 wins its right-hand spot.
  assert.equal(kept.length, 3);
  assert.equal(kept[0].label.priority, 10);
  assert.equal(kept[0].left, 107);
  // Centred labels only go where they are centred.
  const [area] = labels.placeLabels([{ x: 50, y: 50, w: 20, h: 10, priority: 1, centred: true }], 100, 100);
  assert.deepEqual([area.left, area.top], [40, 45]);
});

test('places: every demo place is there, once, inside the theatre', () => {
  const ids = places.PLACES.map((p) => p.id);
  assert.equal(new Set(ids).size, ids.length, 'ids are unique');
  for (const name of ['Hmeimim AB', 'Incirlik AB', 'Shayrat AB', 'Manbij', 'Al-Bab', 'Jarabulus', 'Tabqa', 'Raqqa', 'Deir ez-Zor', 'Khasham', 'Mayadin', 'Abu Kamal', 'At-Tanf', 'Idlib', 'Kafr Zeita', 'Aleppo', 'Damascus', 'Homs', 'Hama', 'Latakia', 'Qamishli', 'Hasakah', 'Palmyra', 'Gaziantep', 'Mosul']) {
    assert.ok(places.PLACES.some((p) => p.names.en === name), name);
  }
  for (const p of places.PLACES) assert.ok(p.lat > 24 && p.lat < 40 && p.lon > 32 && p.lon < 52, p.id);
  const raqqa = places.PLACES.find((p) => p.id === 'raqqa');
  assert.equal(places.placeName(raqqa, 'en'), 'Raqqa');
  assert.equal(places.placeName(raqqa, 'ru'), 'Ракка');
  assert.equal(places.placeName(raqqa, 'ar'), 'الرقة');
  assert.equal(places.placeName(raqqa, 'tr'), 'Rakka');
  for (const p of places.PLACES) for (const l of ['ru', 'ar', 'tr']) assert.ok(p.names[l], `${p.id} is named in ${l}`);
  const euphrates = places.RIVERS.find((r) => r.name.en === 'Euphrates').line;
  // The Euphrates passes within 10 km of Jarabulus, Raqqa, Deir ez-Zor and Abu Kamal.
  for (const [lon, lat] of [[38.01, 36.82], [39.01, 35.95], [40.14, 35.34], [40.92, 34.45]]) {
    const near = Math.min(...euphrates.map((p) => geo.measure(p, [lon, lat]).km));
    assert.ok(near < 10, `${near} km from [${lon}, ${lat}]`);
  }
});
