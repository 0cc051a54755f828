// The page's frame around the map and the panels: the header (who, the exercise banner, the stream's state),
// the panels' tabs and their keys, toasts, and `act`, which runs a user's action and says how it went.

import { ApiError } from './api';
import { $, h } from './dom';
import { define } from './i18n';
import type { State } from './store';

const t = define('shell', {
  en: {
    signedOut: 'signed out',
    reconnecting: 'reconnecting from cursor {cursor}',
    exercise: 'EXERCISE',
    exerciseRate: 'EXERCISE · clock ×{rate}',
    live: '● live',
    connecting: '○ connecting',
    down: '○ {why}',
    downPlain: 'down',
    cursor: 'stream cursor {cursor}',
    duty_officer: 'duty officer',
    commander: 'commander',
    chief: 'chief',
  },
  ru: {
    signedOut: 'выход выполнен',
    reconnecting: 'переподключение с курсора {cursor}',
    exercise: 'УЧЕНИЯ',
    exerciseRate: 'УЧЕНИЯ · часы ×{rate}',
    live: '● на связи',
    connecting: '○ подключение',
    down: '○ {why}',
    downPlain: 'нет связи',
    cursor: 'курсор потока {cursor}',
    duty_officer: 'оперативный дежурный',
    commander: 'командир',
    chief: 'начальник',
  },
  ar: {
    signedOut: 'تم تسجيل الخروج',
    reconnecting: 'إعادة الاتصال من المؤشر {cursor}',
    exercise: 'تمرين',
    exerciseRate: 'تمرين · الساعة ×{rate}',
    live: '● متصل',
    connecting: '○ جارٍ الاتصال',
    down: '○ {why}',
    downPlain: 'منقطع',
    cursor: 'مؤشر البث {cursor}',
    duty_officer: 'ضابط مناوب',
    commander: 'قائد',
    chief: 'رئيس',
  },
  tr: {
    signedOut: 'oturum kapatıldı',
    reconnecting: '{cursor} imlecinden yeniden bağlanıyor',
    exercise: 'TATBİKAT',
    exerciseRate: 'TATBİKAT · saat ×{rate}',
    live: '● canlı',
    connecting: '○ bağlanıyor',
    down: '○ {why}',
    downPlain: 'bağlantı yok',
    cursor: 'akış imleci {cursor}',
    duty_officer: 'nöbetçi subay',
    commander: 'komutan',
    chief: 'başkan',
  },
});

/// A credential's role in words (a role this picture does not know: as the line gives it).
export function roleText(role: string): string {
  return role === 'duty_officer' || role === 'commander' || role === 'chief' ? t(role) : role.replace('_', ' ');
}

export function toast(text: string, loud = false): void {
  const t = h('div', { class: `toast ${loud ? 'loud' : ''}`, role: 'status' }, text);
  $('#toasts').append(t);
  setTimeout(() => t.remove(), loud ? 8000 : 4000);
}

/// A refusal or failure as a person reads it.
export function errorText(e: unknown): string {
  return e instanceof ApiError ? e.message : String(e);
}

/// Runs a user's action: a toast says `done` when it worked, or why it did not.
export async function act(what: () => Promise<unknown>, done?: string): Promise<void> {
  try {
    await what();
    if (done) toast(done);
  } catch (e) {
    toast(errorText(e), true);
  }
}

/// The header once signed in: who, and the exercise banner (an exercise's line says so on every screen:
/// nobody may take its picture for the real one).
export function showHeader(s: State): void {
  $('#signin').hidden = true;
  $('#app').hidden = false;
  $('#who').replaceChildren(h('bdi', {}, s.who.party), ` · ${roleText(s.who.role)}`);
  const exercise = $('#exercise');
  exercise.hidden = !s.who.exercise;
  exercise.textContent = s.who.clock_rate === 1 ? t('exercise') : t('exerciseRate', { rate: s.who.clock_rate });
}

/// The stream's state in the header.
export function showStream(s: State): void {
  const el = $('#stream');
  const { status, detail, cursor } = s.stream;
  el.textContent = status === 'live' ? t('live') : status === 'connecting' ? t('connecting') : t('down', { why: streamDetail(detail) });
  el.className = `stream ${status}`;
  el.title = t('cursor', { cursor: String(cursor) });
}

/// Why the stream is down, in words (the stream says it in English; the line's own reason as it is).
function streamDetail(detail: string | undefined): string {
  if (!detail) return t('downPlain');
  if (detail === 'signed out') return t('signedOut');
  const from = /^reconnecting from cursor (\d+)$/.exec(detail);
  return from ? t('reconnecting', { cursor: from[1] }) : detail;
}

export const TABS = ['conflicts', 'hotline', 'notifications', 'declare', 'record'] as const;
export type Tab = (typeof TABS)[number];

const isTab = (name: string | undefined): name is Tab => TABS.some((t) => t === name);

/// The panels' tabs: a click, the arrow keys on a tab, or the keys 1–5 once `enabled()` (signed in) show a
/// panel; `onShow` is told which. Escape closes the map's details. Neither fires while one is typing.
export function wireTabs(onShow: (tab: Tab) => void, enabled: () => boolean = () => true): void {
  const tabs = [...document.querySelectorAll<HTMLButtonElement>('[role=tab]')];
  const show = (name: string | undefined) => {
    const tab = isTab(name) ? name : 'conflicts';
    for (const b of tabs) {
      const on = b.dataset.tab === tab;
      b.setAttribute('aria-selected', String(on));
      b.tabIndex = on ? 0 : -1;
      $(`#panel-${b.dataset.tab}`).hidden = !on;
    }
    onShow(tab);
  };
  tabs.forEach((b, i) => {
    b.addEventListener('click', () => show(b.dataset.tab));
    b.addEventListener('keydown', (e) => {
      const j = e.key === 'ArrowRight' ? i + 1 : e.key === 'ArrowLeft' ? i - 1 : -1;
      if (j < 0) return;
      const next = tabs[(j + tabs.length) % tabs.length];
      next.focus();
      show(next.dataset.tab);
    });
  });
  document.addEventListener('keydown', (e) => {
    // Keys typed into a field are text, never shortcuts (a reason such as "FL230" must not switch panels).
    if (typing(e.target) || typing(document.activeElement)) return;
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === 'Escape') $('#details').hidden = true;
    const n = ['1', '2', '3', '4', '5'].indexOf(e.key);
    if (n >= 0 && enabled()) show(TABS[n]);
  });
}

/// Whether `el` takes typed text: a field, a list to choose from, or editable content.
export function typing(el: EventTarget | null): boolean {
  if (!(el instanceof Element)) return false;
  if (el instanceof HTMLElement && el.isContentEditable) return true;
  return !!el.closest('input, textarea, select, [contenteditable=""], [contenteditable=true]');
}
