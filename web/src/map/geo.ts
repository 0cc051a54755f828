// Pure helpers for the map's readouts and tools: positions written in decimal degrees, DMS and MGRS (MGRS by
// the `mgrs` library), the geodesic distance and true bearing between two points (GeographicLib, WGS84), the
// spacing of the latitude/longitude grid for a view, and the date-time group of a time. No DOM here: the unit
// tests run them under Node.

import { Geodesic } from 'geographiclib-geodesic';
import { forward } from 'mgrs';

/// Metres in an international nautical mile.
export const NM = 1852;

/// "35.9500° N 39.0100° E".
export function formatDecimal(lon: number, lat: number, digits = 4): string {
  const ns = lat < 0 ? 'S' : 'N';
  const ew = lon < 0 ? 'W' : 'E';
  return `${Math.abs(lat).toFixed(digits)}° ${ns} ${Math.abs(lon).toFixed(digits)}° ${ew}`;
}

/// One angle as degrees, minutes and whole seconds, rounded to the second (so 59.6″ carries into the minute).
function dms(value: number, degWidth: number): string {
  let s = Math.round(Math.abs(value) * 3600);
  const d = Math.floor(s / 3600);
  s -= d * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  return `${String(d).padStart(degWidth, '0')}°${String(m).padStart(2, '0')}′${String(s).padStart(2, '0')}″`;
}

/// "35°57′00″N 039°00′36″E".
export function formatDMS(lon: number, lat: number): string {
  return `${dms(lat, 2)}${lat < 0 ? 'S' : 'N'} ${dms(lon, 3)}${lon < 0 ? 'W' : 'E'}`;
}

/// The MGRS reference of a point, to 1 m, as the `mgrs` library writes it ("37SEV0906480086"); empty outside
/// MGRS's latitudes (80° S to 84° N).
export function mgrsOf(lon: number, lat: number, digits = 5): string {
  if (lat < -80 || lat > 84) return '';
  return forward([lon, lat], digits);
}

/// An MGRS reference spaced for reading: "37S EV 09064 80086".
export function spaceMgrs(ref: string): string {
  const m = /^(\d{1,2}[C-X])([A-Z]{2})(\d*)$/.exec(ref);
  if (!m) return ref;
  const half = m[3].length / 2;
  return [m[1], m[2], m[3].slice(0, half), m[3].slice(half)].filter(Boolean).join(' ');
}

export interface Measure {
  /// Along the geodesic (the shortest way on the WGS84 ellipsoid), in metres.
  metres: number;
  km: number;
  nm: number;
  /// The true bearing at the first point towards the second, 0–360°.
  bearing: number;
  /// The bearing back: from the second point towards the first.
  back: number;
}

/// The geodesic distance and the true bearings between two points [lon, lat].
export function measure(a: [number, number], b: [number, number]): Measure {
  const r = Geodesic.WGS84.Inverse(a[1], a[0], b[1], b[0]);
  const metres = r.s12 ?? 0;
  const norm = (x: number) => ((x % 360) + 360) % 360;
  return { metres, km: metres / 1000, nm: metres / NM, bearing: norm(r.azi1 ?? 0), back: norm((r.azi2 ?? 0) + 180) };
}

/// "183.6 km · 99.1 NM · 345.4° T".
export function formatMeasure(m: Measure): string {
  const km = m.km < 10 ? m.km.toFixed(2) : m.km.toFixed(1);
  const nm = m.nm < 10 ? m.nm.toFixed(2) : m.nm.toFixed(1);
  return `${km} km · ${nm} NM · ${m.bearing.toFixed(1).padStart(5, '0')}° T`;
}

/// Grid spacings, in degrees, from coarse to fine: whole degrees, then 30′, 15′, 10′, 5′, 2′, 1′.
export const GRID_STEPS = [30, 20, 10, 5, 2, 1, 0.5, 0.25, 1 / 6, 1 / 12, 1 / 30, 1 / 60];

/// The latitude/longitude grid's spacing for a view `span` degrees of longitude wide: the finest step that
/// draws no more than `most` lines across it.
export function gridStep(span: number, most = 10): number {
  let step = GRID_STEPS[0];
  for (const s of GRID_STEPS) if (span / s <= most) step = s;
  return step;
}

/// A grid line's label: whole degrees as "36°E", else degrees and minutes "35°30′N".
export function gridLabel(value: number, axis: 'lat' | 'lon'): string {
  const hemi = axis === 'lat' ? (value < 0 ? 'S' : 'N') : value < 0 ? 'W' : 'E';
  const minutes = Math.round(Math.abs(value) * 60);
  const d = Math.floor(minutes / 60);
  const m = minutes - d * 60;
  return m ? `${d}°${String(m).padStart(2, '0')}′${hemi}` : `${d}°${hemi}`;
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];

/// The date-time group of a time (ms): "181530ZJUN17".
export function dtg(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}Z${MONTHS[d.getUTCMonth()]}${p(d.getUTCFullYear() % 100)}`;
}

/// "2017-06-18 15:30Z".
export function utcText(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')}Z`;
}

/// Points along the geodesic from a to b ([lon, lat]), `n` segments, for drawing it.
export function geodesicPath(a: [number, number], b: [number, number], n = 32): [number, number][] {
  const line = Geodesic.WGS84.InverseLine(a[1], a[0], b[1], b[0]);
  const total = line.s13 ?? 0;
  const out: [number, number][] = [];
  for (let i = 0; i <= n; i++) {
    const p = line.Position((total * i) / n);
    out.push([p.lon2 ?? a[0], p.lat2 ?? a[1]]);
  }
  return out;
}
