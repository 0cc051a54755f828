// How times, countdowns and advice read on the page.

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

/// The least delay, climb or descent that clears a declaration's conflicts, as a sentence.
export function describeAdvice(a: Advice | null | undefined): string {
  if (!a) return 'No conflict left to clear.';
  const parts: string[] = [];
  if (a.delay_s !== null && a.delay_s !== undefined) parts.push(`delay by ${Math.round(a.delay_s / 60)} min`);
  if (a.climb_m !== null && a.climb_m !== undefined) parts.push(`climb ${Math.round(a.climb_m)} m`);
  if (a.descend_m !== null && a.descend_m !== undefined) parts.push(`descend ${Math.round(a.descend_m)} m`);
  return parts.length ? `Advice: ${parts.join(', or ')}.` : `Advice: ${JSON.stringify(a)}`;
}
