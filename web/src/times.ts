// Times as duty officers type them into the Declare panel. Besides what the line reads itself (RFC 3339 and
// date-time groups such as 181830ZJUN17), a bare time of day — `1830Z`, `18:30Z`, `1830`, `18:30` (UTC) —
// is read here as the next such time on the line's clock (for an end: the first such time after the
// start), and sent to the line as a full time. Every reading is shown beside its field as a date-time
// group, so that nobody declares for the wrong day without seeing it. The group itself is the same in every
// language (`181830ZJUN17`: English months, as the military standard writes it).

import { dayMonth, define, ltr } from './i18n';

const t = define('times', {
  en: { readAs: 'read as {time}' },
  ru: { readAs: 'читается как {time}' },
  ar: { readAs: 'يُقرأ {time}' },
  tr: { readAs: '{time} olarak okundu' },
});

/// The date-time group's months: English abbreviations in every language (the military standard).
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAY_MS = 86_400_000;
const two = (n: number) => String(n).padStart(2, '0');

/// A time (ms) as a date-time group in UTC: `181830ZJUN17`.
export function dtg(ms: number): string {
  const d = new Date(ms);
  return `${two(d.getUTCDate())}${two(d.getUTCHours())}${two(d.getUTCMinutes())}Z${MONTHS[d.getUTCMonth()]}${two(d.getUTCFullYear() % 100)}`;
}

/// A time (ms) in full, as it is read back: `18 Jun 2017 18:30Z (181830ZJUN17)`; the day, month and year in
/// the page's language, the time and the date-time group as they are in every language.
export function fullTime(ms: number): string {
  const d = new Date(ms);
  return `${dayMonth(ms, true)} ${ltr(`${two(d.getUTCHours())}:${two(d.getUTCMinutes())}Z`)} (${ltr(dtg(ms))})`;
}

/// Hours east of UTC of a date-time group's zone letter (J, local time, names no offset).
function zoneOffset(letter: string): number | undefined {
  const c = letter.toUpperCase();
  if (c === 'Z') return 0;
  const a = 'ABCDEFGHIKLM'.indexOf(c);
  if (a >= 0) return a + 1;
  const n = 'NOPQRSTUVWXY'.indexOf(c);
  return n >= 0 ? -(n + 1) : undefined;
}

/// A date-time group `DDHHMM` + zone letter + `MON` + `YY` or `YYYY` (spaces allowed), in ms.
function readDtg(text: string): number | undefined {
  const m = /^(\d\d)(\d\d)(\d\d)\s*([A-Z])\s*([A-Z]{3})\s*(\d{2}|\d{4})$/i.exec(text);
  if (!m) return undefined;
  const offset = zoneOffset(m[4]);
  const month = MONTHS.indexOf(m[5].toUpperCase());
  if (offset === undefined || month < 0) return undefined;
  const year = m[6].length === 2 ? 2000 + Number(m[6]) : Number(m[6]);
  const [day, hh, mm] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (day < 1 || day > 31 || hh > 23 || mm > 59) return undefined;
  const ms = Date.UTC(year, month, day, hh, mm) - offset * 3_600_000;
  return new Date(ms + offset * 3_600_000).getUTCDate() === day ? ms : undefined;
}

/// A time field read: what to send to the line, the time it stands for (ms) when it could be read here, and
/// whether it was a bare time of day made full.
export interface TimeRead {
  send: string;
  ms?: number;
  expanded: boolean;
}

/// Reads a time field at the line's time `now` (ms); `after` (ms) is the start, for an end: a bare time of
/// day is then the first such time after it. Text this cannot read is sent as it is (the line says why it
/// cannot read it).
export function readTime(text: string, now: number, after?: number): TimeRead {
  const t = text.trim();
  const bare = /^([01]\d|2[0-3]):?([0-5]\d)\s*Z?$/i.exec(t);
  if (bare) {
    const from = after ?? now;
    const day = Math.floor(from / DAY_MS) * DAY_MS;
    let ms = day + (Number(bare[1]) * 60 + Number(bare[2])) * 60_000;
    // The next such time: at or after the line's time; strictly after the start, for an end.
    while (after !== undefined ? ms <= from : ms < from) ms += DAY_MS;
    return { send: new Date(ms).toISOString().replace('.000Z', 'Z'), ms, expanded: true };
  }
  const group = readDtg(t);
  if (group !== undefined) return { send: t, ms: group, expanded: false };
  // RFC 3339 with a zone (Date.parse takes more; the line is strict and says so).
  if (/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/i.test(t)) {
    const ms = Date.parse(t);
    if (Number.isFinite(ms)) return { send: t, ms, expanded: false };
  }
  return { send: t, expanded: false };
}

/// What is shown beside a time field: the full time it was read as, or nothing to say.
export function readBack(r: TimeRead): string {
  if (r.ms === undefined) return '';
  return r.expanded ? t('readAs', { time: fullTime(r.ms) }) : `= ${fullTime(r.ms)}`;
}
