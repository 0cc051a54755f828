// How times, countdowns, advice, heights and distances read on the page, in the page's language: heights
// always in metres and feet (with the flight level where one applies), times in UTC. Right to left, each
// figure is kept left to right (`9 100` never read `100 9`), and the sentence around it, units included,
// reads right to left.

import { dayMonth, define, fixed, ltr } from './i18n';
import type { Advice } from './types';

const t = define('text', {
  en: {
    noConflict: 'No conflict left to clear.',
    noDelay: 'no delay within a day',
    keepTime: 'keep its time',
    delayBy: 'delay it by {d}',
    noClimb: 'no climb within {h}',
    climb: 'climb {h}',
    noDescent: 'no descent within {h}',
    descend: 'descend {h}',
    or: ', or ',
    advice: 'Advice: to clear every conflict, {advice}.',
    adviceWithNone: 'Advice: to clear every conflict, {advice} ({none} would).',
    noAdvice: 'No advice: {none} clears every conflict. Change the plan, or agree it with the other party on the hotline.',
    noAdviceKind: 'No advice: this kind of declaration does not move in time or height. Agree it with the other party on the hotline.',
    m: 'm',
    ft: 'ft',
    km: 'km',
    closer: 'closer than the agreed minima',
    overlapping: 'overlapping (same place, same heights, same time)',
    sameGround: 'over the same ground, {v} apart vertically (closer than the agreed minima)',
    apartOverlapping: '{d} apart, at overlapping heights (closer than the agreed minima)',
    apart: '{d} apart and {v} apart vertically (closer than the agreed minima)',
    seconds: '{n} s',
    minutes: '{n} min',
    hours: '{h} h {m} min',
  },
  ru: {
    noConflict: 'Конфликтов для устранения не осталось.',
    noDelay: 'задержки в пределах суток нет',
    keepTime: 'сохранить её время',
    delayBy: 'задержать её на {d}',
    noClimb: 'набора высоты в пределах {h} нет',
    climb: 'набрать высоту на {h}',
    noDescent: 'снижения в пределах {h} нет',
    descend: 'снизиться на {h}',
    or: ' или ',
    advice: 'Рекомендация: чтобы устранить все конфликты, {advice}.',
    adviceWithNone: 'Рекомендация: чтобы устранить все конфликты, {advice} ({none}).',
    noAdvice: 'Рекомендации нет: ни один сдвиг не устраняет все конфликты ({none}). Измените план или согласуйте его с другой стороной по горячей линии.',
    noAdviceKind: 'Рекомендации нет: заявка этого вида не смещается ни по времени, ни по высоте. Согласуйте её с другой стороной по горячей линии.',
    m: 'м',
    ft: 'фут',
    km: 'км',
    closer: 'ближе согласованных минимумов',
    overlapping: 'пересекаются (то же место, те же высоты, то же время)',
    sameGround: 'над одним и тем же районом, по вертикали в {v} (ближе согласованных минимумов)',
    apartOverlapping: 'в {d} друг от друга, на пересекающихся высотах (ближе согласованных минимумов)',
    apart: 'в {d} друг от друга и в {v} по вертикали (ближе согласованных минимумов)',
    seconds: '{n} с',
    minutes: '{n} мин',
    hours: '{h} ч {m} мин',
  },
  ar: {
    noConflict: 'لم يبقَ تعارض لإزالته.',
    noDelay: 'لا تأخير خلال يوم',
    keepTime: 'الإبقاء على وقته',
    delayBy: 'تأخيره بمقدار {d}',
    noClimb: 'لا صعود ضمن {h}',
    climb: 'الصعود بمقدار {h}',
    noDescent: 'لا هبوط ضمن {h}',
    descend: 'الهبوط بمقدار {h}',
    or: '، أو ',
    advice: 'النصيحة: لإزالة كل التعارضات، {advice}.',
    adviceWithNone: 'النصيحة: لإزالة كل التعارضات، {advice} ({none}).',
    noAdvice: 'لا نصيحة: لا يوجد تعديل يزيل كل التعارضات ({none}). غيّر الخطة، أو اتفق عليها مع الطرف الآخر عبر الخط الساخن.',
    noAdviceKind: 'لا نصيحة: هذا النوع من الإعلانات لا يتحرك في الوقت ولا في الارتفاع. اتفق عليه مع الطرف الآخر عبر الخط الساخن.',
    m: 'م',
    ft: 'قدم',
    km: 'كم',
    closer: 'أقرب من الحدود الدنيا المتفق عليها',
    overlapping: 'متداخلان (المكان نفسه، الارتفاعات نفسها، الوقت نفسه)',
    sameGround: 'فوق الأرض نفسها، بينهما {v} عمودياً (أقرب من الحدود الدنيا المتفق عليها)',
    apartOverlapping: 'بينهما {d}، على ارتفاعات متداخلة (أقرب من الحدود الدنيا المتفق عليها)',
    apart: 'بينهما {d} أفقياً و{v} عمودياً (أقرب من الحدود الدنيا المتفق عليها)',
    seconds: '{n} ثانية',
    minutes: '{n} دقيقة',
    hours: '{h} ساعة {m} دقيقة',
  },
  tr: {
    noConflict: 'Giderilecek çatışma kalmadı.',
    noDelay: 'bir gün içinde erteleme yok',
    keepTime: 'zamanını koruyun',
    delayBy: '{d} erteleyin',
    noClimb: '{h} içinde tırmanma yok',
    climb: '{h} tırmanın',
    noDescent: '{h} içinde alçalma yok',
    descend: '{h} alçalın',
    or: ' ya da ',
    advice: 'Öneri: tüm çatışmaları gidermek için {advice}.',
    adviceWithNone: 'Öneri: tüm çatışmaları gidermek için {advice} ({none}).',
    noAdvice: 'Öneri yok: hiçbir kaydırma tüm çatışmaları gidermiyor ({none}). Planı değiştirin ya da sıcak hatta diğer tarafla uzlaşın.',
    noAdviceKind: 'Öneri yok: bu tür beyan zamanda ya da irtifada kaydırılamaz. Sıcak hatta diğer tarafla uzlaşın.',
    m: 'm',
    ft: 'ft',
    km: 'km',
    closer: 'kararlaştırılan asgari mesafelerden yakın',
    overlapping: 'örtüşüyor (aynı yer, aynı irtifalar, aynı zaman)',
    sameGround: 'aynı arazi üzerinde, dikeyde {v} ara (kararlaştırılan asgari mesafelerden yakın)',
    apartOverlapping: '{d} ara, örtüşen irtifalarda (kararlaştırılan asgari mesafelerden yakın)',
    apart: '{d} ara ve dikeyde {v} ara (kararlaştırılan asgari mesafelerden yakın)',
    seconds: '{n} sn',
    minutes: '{n} dk',
    hours: '{h} sa {m} dk',
  },
});

/// `2017-06-18T15:30:00Z` as `18 Jun 15:30Z` (the day and month in the page's language, the time in UTC).
export function shortTime(iso: string | number | null | undefined): string {
  if (iso === null || iso === undefined || iso === '') return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  const hh = String(d.getUTCHours()).padStart(2, '0');
  const mm = String(d.getUTCMinutes()).padStart(2, '0');
  return `${dayMonth(d.getTime())} ${ltr(`${hh}:${mm}Z`)}`;
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
  if (!a) return t('noConflict');
  const parts: string[] = [];
  const none: string[] = [];
  const bound = verticalText(BOUND_M);
  if (a.delay_s !== undefined) {
    if (a.delay_s === null) none.push(t('noDelay'));
    else parts.push(a.delay_s === 0 ? t('keepTime') : t('delayBy', { d: durationText(a.delay_s) }));
  }
  if (a.climb_m !== undefined) {
    if (a.climb_m === null) none.push(t('noClimb', { h: bound }));
    else parts.push(t('climb', { h: verticalText(a.climb_m) }));
  }
  if (a.descend_m !== undefined) {
    if (a.descend_m === null) none.push(t('noDescent', { h: bound }));
    else parts.push(t('descend', { h: verticalText(a.descend_m) }));
  }
  if (parts.length) {
    const advice = parts.join(t('or'));
    return none.length ? t('adviceWithNone', { advice, none: none.join(', ') }) : t('advice', { advice });
  }
  if (none.length) return t('noAdvice', { none: none.join(', ') });
  return t('noAdviceKind');
}

/// How far up or down the line looks for a clear height.
const BOUND_M = 3000;

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
/// 6096 → `6 096 m / 20 000 ft (FL200)` (`6 096 м / 20 000 фут (FL200)`).
export function heightText(m: number | null | undefined): string {
  if (m === null || m === undefined || !Number.isFinite(m)) return '—';
  if (m <= SFC_M) return 'SFC';
  const ft = m / FOOT;
  const fl = Math.round(ft / 100);
  const level = fl >= 30 ? ` (FL${String(fl).padStart(3, '0')})` : '';
  return `${ltr(grouped(m))} ${t('m')} / ${ltr(grouped(ft))} ${t('ft')}${level}`;
}

/// An altitude band: `SFC – 18 288 m / 60 000 ft (FL600)`.
export function bandText(lower: number | null | undefined, upper: number | null | undefined): string {
  return `${heightText(lower)} – ${heightText(upper)}`;
}

/// A vertical distance (a gap, a climb): metres and feet, no flight level: `300 m / 984 ft`.
export function verticalText(m: number): string {
  return `${ltr(grouped(m))} ${t('m')} / ${ltr(grouped(m / FOOT))} ${t('ft')}`;
}

/// A horizontal distance: metres below 1 km, else km to a tenth (to the unit from 100 km): `1.1 km`.
export function distanceText(m: number): string {
  if (!Number.isFinite(m)) return '—';
  if (Math.abs(m) < 1000) return `${ltr(String(Math.round(m)))} ${t('m')}`;
  const km = m / 1000;
  return `${ltr(Math.abs(km) >= 100 ? grouped(km) : fixed(km, 1))} ${t('km')}`;
}

/// How far apart the two sides of a conflict are, in words: `overlapping` when they share space.
export function separationText(distance: number | null | undefined, gap: number | null | undefined): string {
  const d = Number(distance ?? Number.NaN);
  const g = Number(gap ?? Number.NaN);
  if (!Number.isFinite(d) || !Number.isFinite(g)) return t('closer');
  if (d <= 0 && g <= 0) return t('overlapping');
  if (d <= 0) return t('sameGround', { v: verticalText(g) });
  if (g <= 0) return t('apartOverlapping', { d: distanceText(d) });
  return t('apart', { d: distanceText(d), v: verticalText(g) });
}

/// A duration in seconds as it is said: `40 s`, `12 min`, `1 h 05 min`.
export function durationText(s: number): string {
  const n = Math.round(Math.abs(s));
  if (n < 60) return t('seconds', { n: String(n) });
  const min = Math.round(n / 60);
  if (min < 60) return t('minutes', { n: String(min) });
  return t('hours', { h: String(Math.floor(min / 60)), m: String(min % 60).padStart(2, '0') });
}
