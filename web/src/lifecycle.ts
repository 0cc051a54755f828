// A declaration's status as the picture shows it: the line's own status (planned, active, ended, cancelled)
// read against the line's time and the declaration's window, so that a planned declaration whose window has
// begun is never shown as plainly "planned", and the lifecycle actions valid for it (the line takes
// planned → active, planned or active → ended, and cancels what is not yet ended or cancelled).

import { define } from './i18n';
import { durationText, shortTime } from './text';

const t = define('lifecycle', {
  en: {
    until: 'until {end}',
    activePast: 'active — past its window',
    endedEndIt: 'its window ended {end}; end it',
    active: 'active',
    planned: 'planned',
    starts: 'starts {start} (in {left}), {until}',
    inWindow: 'in its window — not yet active',
    since: 'since {start}, {until}',
    plannedPast: 'planned — its window has passed',
    neverActivated: 'never activated; its window ended {end}',
    ended: 'ended',
    cancelled: 'cancelled',
    window: 'window {start} – {end}',
    unknown: 'unknown',
  },
  ru: {
    until: 'до {end}',
    activePast: 'активна — её окно прошло',
    endedEndIt: 'её окно закончилось {end}; завершите её',
    active: 'активна',
    planned: 'запланирована',
    starts: 'начало {start} (через {left}), {until}',
    inWindow: 'в своём окне — ещё не активна',
    since: 'с {start}, {until}',
    plannedPast: 'запланирована — её окно прошло',
    neverActivated: 'так и не активирована; её окно закончилось {end}',
    ended: 'завершена',
    cancelled: 'отменена',
    window: 'окно {start} – {end}',
    unknown: 'неизвестно',
  },
  ar: {
    until: 'حتى {end}',
    activePast: 'نشط — تجاوز نافذته',
    endedEndIt: 'انتهت نافذته {end}؛ أنهِه',
    active: 'نشط',
    planned: 'مخطط',
    starts: 'يبدأ {start} (بعد {left})، {until}',
    inWindow: 'ضمن نافذته — لم يُفعَّل بعد',
    since: 'منذ {start}، {until}',
    plannedPast: 'مخطط — انقضت نافذته',
    neverActivated: 'لم يُفعَّل قط؛ انتهت نافذته {end}',
    ended: 'منتهٍ',
    cancelled: 'ملغى',
    window: 'النافذة {start} – {end}',
    unknown: 'غير معروف',
  },
  tr: {
    until: '{end} tarihine kadar',
    activePast: 'etkin — zaman aralığı geçti',
    endedEndIt: 'zaman aralığı {end} tarihinde bitti; sonlandırın',
    active: 'etkin',
    planned: 'planlandı',
    starts: '{start} başlıyor ({left} sonra), {until}',
    inWindow: 'zaman aralığında — henüz etkin değil',
    since: '{start} tarihinden beri, {until}',
    plannedPast: 'planlandı — zaman aralığı geçti',
    neverActivated: 'hiç etkinleştirilmedi; zaman aralığı {end} tarihinde bitti',
    ended: 'sona erdi',
    cancelled: 'iptal edildi',
    window: 'zaman aralığı {start} – {end}',
    unknown: 'bilinmiyor',
  },
});

export type LifecycleAction = 'activate' | 'end' | 'cancel';

export interface StatusShown {
  /// The status in a few words: `active`, `in its window — not yet active`, `planned`, …
  label: string;
  /// When, in words: `since 1 Jun 00:00Z, until 1 Jul 00:00Z`.
  detail: string;
  /// A class for its colour: `active`, `due` (planned and in its window, or past it), `planned`, `closed`.
  tone: 'active' | 'due' | 'planned' | 'closed';
  /// What its own party may do with it now.
  actions: LifecycleAction[];
}

/// The status of a declaration whose line status is `status`, with its window from `start` to `end` (ms;
/// the earliest start and latest end of its volumes), at the line's time `now` (ms).
export function statusShown(status: string, start: number, end: number, now: number): StatusShown {
  const window = Number.isFinite(start) && Number.isFinite(end);
  const until = window ? t('until', { end: shortTime(end) }) : '';
  switch (status) {
    case 'active':
      if (window && now >= end) return { label: t('activePast'), detail: t('endedEndIt', { end: shortTime(end) }), tone: 'due', actions: ['end', 'cancel'] };
      return { label: t('active'), detail: until, tone: 'active', actions: ['end', 'cancel'] };
    case 'planned':
      if (!window) return { label: t('planned'), detail: '', tone: 'planned', actions: ['activate', 'cancel'] };
      if (now < start) {
        return { label: t('planned'), detail: t('starts', { start: shortTime(start), left: durationText((start - now) / 1000), until }), tone: 'planned', actions: ['activate', 'cancel'] };
      }
      if (now < end) {
        return { label: t('inWindow'), detail: t('since', { start: shortTime(start), until }), tone: 'due', actions: ['activate', 'cancel'] };
      }
      return { label: t('plannedPast'), detail: t('neverActivated', { end: shortTime(end) }), tone: 'due', actions: ['end', 'cancel'] };
    case 'ended':
    case 'cancelled':
      return { label: t(status), detail: window ? t('window', { start: shortTime(start), end: shortTime(end) }) : '', tone: 'closed', actions: [] };
    default:
      // A status this picture does not know: shown as the line gives it, with nothing offered.
      return { label: status || t('unknown'), detail: until, tone: 'planned', actions: [] };
  }
}

/// The window of a declaration: the earliest start and the latest end of its volumes (ms, NaN when none).
export function windowOf(volumes: { start: string; end: string }[] | undefined): [number, number] {
  const starts = (volumes ?? []).map((v) => Date.parse(v.start)).filter(Number.isFinite);
  const ends = (volumes ?? []).map((v) => Date.parse(v.end)).filter(Number.isFinite);
  return [starts.length ? Math.min(...starts) : Number.NaN, ends.length ? Math.max(...ends) : Number.NaN];
}
