// How times, countdowns, advice, heights and distances read on the page.

import type { Advice } from './types';

/// `2017-06-18T15:30:00Z` as `18 Jun 15:30Z`.
export function shortTime(iso: string | number | null | undefined): string {
  if (iso === null || iso === undefined || iso === '') return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  const mon = d.toLocaleString('en-GB', { month: 'short', timeZone: 'UTC' });
  const hh = String(d.getUTCHours()).padStart(2, '0');
  const mm = String(d.getUTCMinutes()).padStart(2, '0');
  return `${d.getUTCDate()} ${mon} ${hh}:${mm}Z`;
}

/// Milliseconds as `-1:05:09` / `09:59`.
export function countdown(ms: number): string {
  const sign = ms < 0 ? '-' : '';
  let s = Math.floor(Math.abs(ms) / 1000);
  const hours = Math.floor(s / 3600);
  s -= hours * 3600;
  const m = Math.floor(s / 60);
  s -= m * 60;
  const two = (n: number) => String(n).padStart(2, '0');
  return hours ? `${sign}${hours}:${two(m)}:${two(s)}` : `${sign}${two(m)}:${two(s)}`;
}

/// Milliseconds as an RFC 3339 time to the minute.
export function isoMinute(ms: number): string {
  return new Date(ms).toISOString().replace(/:\d\d\.\d{3}Z$/, ':00Z');
}

/// The least delay, climb or descent that clears every conflict of a declaration, in words. A shift the
/// answer leaves out does not apply to its kind (a site does not move); a shift given as null is one the line
/// looked for and found none within its bounds (a day's delay, 3 000 m up or down).
export function describeAdvice(a: Advice | null | undefined): string {
  if (!a) return 'No conflict left to clear.';
  const parts: string[] = [];
  const none: string[] = [];
  if (a.delay_s !== undefined) {
    if (a.delay_s === null) none.push('no delay within a day');
    else parts.push(a.delay_s === 0 ? 'keep its time' : `delay it by ${durationText(a.delay_s)}`);
  }
  if (a.climb_m !== undefined) {
    if (a.climb_m === null) none.push('no climb within 3 000 m');
    else parts.push(`climb ${verticalText(a.climb_m)}`);
  }
  if (a.descend_m !== undefined) {
    if (a.descend_m === null) none.push('no descent within 3 000 m');
    else parts.push(`descend ${verticalText(a.descend_m)}`);
  }
  if (parts.length) {
    const rest = none.length ? ` (${none.join(', ')} would)` : '';
    return `Advice: to clear every conflict, ${parts.join(', or ')}${rest}.`;
  }
  if (none.length) return `No advice: ${none.join(', ')} clears every conflict. Change the plan, or agree it with the other party on the hotline.`;
  return 'No advice: this kind of declaration does not move in time or height. Agree it with the other party on the hotline.';
}

// ---- heights and distances ---------------------------------------------------------------------------------

/// The line's surface: `SFC` (and `GND`) are read as this lowest altitude, so that nothing below is missed.
export const SFC_M = -1000;
const FOOT = 0.3048;

/// Digits grouped by thin spaces, as a watch floor reads them: 20000 as `20 000`.
export function grouped(n: number): string {
  const r = Math.round(n);
  const s = String(Math.abs(r)).replace(/\B(?=(\d{3})+(?!\d))/g, ' ');
  return r < 0 ? `-${s}` : s;
}

/// A height in metres as metres and feet, with the flight level where one applies (from FL030, on the
/// standard atmosphere the line reads flight levels with), and the surface as `SFC`:
/// 6096 → `6 096 m / 20 000 ft (FL200)`.
export function heightText(m: number | null | undefined): string {
  if (m === null || m === undefined || !Number.isFinite(m)) return '—';
  if (m <= SFC_M) return 'SFC';
  const ft = m / FOOT;
  const fl = Math.round(ft / 100);
  const level = fl >= 30 ? ` (FL${String(fl).padStart(3, '0')})` : '';
  return `${grouped(m)} m / ${grouped(ft)} ft${level}`;
}

/// An altitude band: `SFC – 18 288 m / 60 000 ft (FL600)`.
export function bandText(lower: number | null | undefined, upper: number | null | undefined): string {
  return `${heightText(lower)} – ${heightText(upper)}`;
}

/// A vertical distance (a gap, a climb): metres and feet, no flight level: `300 m / 984 ft`.
export function verticalText(m: number): string {
  return `${grouped(m)} m / ${grouped(m / FOOT)} ft`;
}

/// A horizontal distance: metres below 1 km, else km to a tenth (to the unit from 100 km): `1.1 km`.
export function distanceText(m: number): string {
  if (!Number.isFinite(m)) return '—';
  if (Math.abs(m) < 1000) return `${Math.round(m)} m`;
  const km = m / 1000;
  return `${Math.abs(km) >= 100 ? grouped(km) : km.toFixed(1)} km`;
}

/// How far apart the two sides of a conflict are, in words: `overlapping` when they share space.
export function separationText(distance: number | null | undefined, gap: number | null | undefined): string {
  const d = Number(distance ?? Number.NaN);
  const g = Number(gap ?? Number.NaN);
  if (!Number.isFinite(d) || !Number.isFinite(g)) return 'closer than the agreed minima';
  if (d <= 0 && g <= 0) return 'overlapping (same place, same heights, same time)';
  if (d <= 0) return `over the same ground, ${verticalText(g)} apart vertically (closer than the agreed minima)`;
  if (g <= 0) return `${distanceText(d)} apart, at overlapping heights (closer than the agreed minima)`;
  return `${distanceText(d)} apart and ${verticalText(g)} apart vertically (closer than the agreed minima)`;
}

/// A duration in seconds as it is said: `40 s`, `12 min`, `1 h 05 min`.
export function durationText(s: number): string {
  const t = Math.round(Math.abs(s));
  if (t < 60) return `${t} s`;
  const min = Math.round(t / 60);
  if (min < 60) return `${min} min`;
  return `${Math.floor(min / 60)} h ${String(min % 60).padStart(2, '0')} min`;
}
