// The map's grids as lines in longitude/latitude, for the overlay to draw: the latitude/longitude graticule
// at a spacing that suits the view (geo.ts `gridStep`), and the MGRS grid — 100 km squares with their
// two-letter ids, and 10 km lines closer in. MGRS squares come from the `mgrs` library (a square's corners
// are the points its references name), cut at their UTM zone's edges. Pure: no DOM.

import { forward, toPoint } from 'mgrs';
import { gridLabel } from './geo';

export type LonLat = [number, number];

export interface Bounds {
  west: number;
  south: number;
  east: number;
  north: number;
}

export interface GridLine {
  points: LonLat[];
  /// Drawn stronger: a whole degree, or a UTM zone's edge.
  major: boolean;
}

export interface GridLabel {
  text: string;
  at: LonLat;
  /// Where the label sits: at the view's edge (a graticule value), or centred (an MGRS square's id).
  edge?: 'top' | 'left';
}

export interface Grid {
  lines: GridLine[];
  labels: GridLabel[];
}

/// Lines of latitude and longitude every `step` degrees across `b`.
export function graticule(b: Bounds, step: number): Grid {
  const lines: GridLine[] = [];
  const labels: GridLabel[] = [];
  const whole = (v: number) => Math.abs(v - Math.round(v)) < 1e-9;
  const first = (v: number) => Math.ceil(v / step - 1e-9) * step;
  for (let lon = first(b.west); lon <= b.east + 1e-9; lon += step) {
    const v = Math.round(lon * 3600) / 3600;
    lines.push({ points: [[v, b.south], [v, b.north]], major: whole(v) && step < 1 });
    labels.push({ text: gridLabel(v, 'lon'), at: [v, b.north], edge: 'top' });
  }
  for (let lat = first(b.south); lat <= b.north + 1e-9; lat += step) {
    const v = Math.round(lat * 3600) / 3600;
    // Parallels in steps, so that they are drawn straight in Web Mercator (they are) at any length.
    lines.push({ points: [[b.west, v], [b.east, v]], major: whole(v) && step < 1 });
    labels.push({ text: gridLabel(v, 'lat'), at: [b.west, v], edge: 'left' });
  }
  return { lines, labels };
}

/// The UTM zone's edges, in longitude (Norway's and Svalbard's exceptions are outside the theatre).
function zoneSpan(zone: number): [number, number] {
  return [(zone - 1) * 6 - 180, zone * 6 - 180];
}

/// Cuts a polyline to the longitudes [lo, hi]: the parts inside, as separate polylines.
export function clipLon(line: LonLat[], lo: number, hi: number): LonLat[][] {
  const out: LonLat[][] = [];
  let cur: LonLat[] = [];
  const inside = (p: LonLat) => p[0] >= lo - 1e-9 && p[0] <= hi + 1e-9;
  const cross = (a: LonLat, b: LonLat, x: number): LonLat => {
    const t = (x - a[0]) / (b[0] - a[0]);
    return [x, a[1] + t * (b[1] - a[1])];
  };
  for (let i = 0; i < line.length; i++) {
    const p = line[i];
    const prev = line[i - 1];
    if (inside(p)) {
      if (prev && !inside(prev)) cur.push(cross(prev, p, prev[0] < lo ? lo : hi));
      cur.push(p);
    } else if (prev && inside(prev)) {
      cur.push(cross(prev, p, p[0] < lo ? lo : hi));
      out.push(cur);
      cur = [];
    } else if (prev && (prev[0] < lo) !== (p[0] < lo) && (prev[0] > hi) !== (p[0] > hi)) {
      // Crosses the whole span in one step.
      const a = cross(prev, p, prev[0] < lo ? lo : hi);
      const b = cross(prev, p, prev[0] < lo ? hi : lo);
      out.push([a, b]);
    }
  }
  if (cur.length > 1) out.push(cur);
  return out;
}

/// The 100 km squares ("37SEV") seen in `b`, found by sampling it.
export function mgrsSquares(b: Bounds): string[] {
  const found = new Set<string>();
  const south = Math.max(-80, b.south);
  const north = Math.min(84, b.north);
  const step = Math.max(0.05, Math.min(0.25, (b.east - b.west) / 50));
  const lons: number[] = [];
  for (let lon = b.west; lon < b.east + step; lon += step) lons.push(Math.min(lon, b.east));
  // And just inside each zone edge in view, where a narrow sliver of a square may hide.
  for (let z = Math.floor((b.west + 180) / 6) + 1; z <= Math.floor((b.east + 180) / 6) + 1; z++) {
    const [lo, hi] = zoneSpan(z);
    if (lo > b.west) lons.push(lo + 1e-6);
    if (hi < b.east) lons.push(hi - 1e-6);
  }
  for (const lon of lons) {
    if (lon < -180 || lon > 180) continue;
    for (let lat = south; lat < north + step; lat += step) found.add(forward([lon, Math.min(lat, north)], 0));
  }
  return [...found].sort();
}

const squareCache = new Map<string, { outline: LonLat[][]; tens: LonLat[][]; centre: LonLat }>();

/// A 100 km square's outline and its 10 km lines, cut at its zone's edges, and the middle of what is left.
export function mgrsSquare(id: string): { outline: LonLat[][]; tens: LonLat[][]; centre: LonLat } {
  const cached = squareCache.get(id);
  if (cached) return cached;
  const zone = Number.parseInt(id, 10);
  const [lo, hi] = zoneSpan(zone);
  const at = (e: number, n: number): LonLat => {
    const p = toPoint(`${id}${String(Math.min(e, 99999)).padStart(5, '0')}${String(Math.min(n, 99999)).padStart(5, '0')}`);
    return [p[0], p[1]];
  };
  const along = (fixed: number, vertical: boolean): LonLat[] => {
    const pts: LonLat[] = [];
    for (let v = 0; v <= 100000; v += 25000) pts.push(vertical ? at(fixed, v) : at(v, fixed));
    return pts;
  };
  const outline = [along(0, true), along(100000, true), along(0, false), along(100000, false)].flatMap((l) => clipLon(l, lo, hi));
  const tens: LonLat[][] = [];
  for (let v = 10000; v < 100000; v += 10000) {
    tens.push(...clipLon(along(v, true), lo, hi), ...clipLon(along(v, false), lo, hi));
  }
  // The square's middle, moved inside its zone when the zone cuts it.
  const mid = at(50000, 50000);
  const centre: LonLat = [Math.min(hi - 0.15, Math.max(lo + 0.15, mid[0])), mid[1]];
  const out = { outline, tens, centre };
  squareCache.set(id, out);
  return out;
}

/// The MGRS grid over `b`: 100 km squares with their ids, and 10 km lines when `tens`.
export function mgrsGrid(b: Bounds, tens: boolean): Grid & { squares: string[] } {
  const squares = mgrsSquares(b);
  const lines: GridLine[] = [];
  const labels: GridLabel[] = [];
  for (const id of squares) {
    const sq = mgrsSquare(id);
    for (const l of sq.outline) lines.push({ points: l, major: true });
    if (tens) for (const l of sq.tens) lines.push({ points: l, major: false });
    labels.push({ text: `${id.slice(0, -2)} ${id.slice(-2)}`, at: sq.centre });
  }
  return { lines, labels, squares };
}
