// The page's frame around the map and the panels: the header (who, the exercise banner, the stream's state),
// the panels' tabs and their keys, toasts, and `act`, which runs a user's action and says how it went.

import { ApiError } from './api';
import { $, h } from './dom';
import type { State } from './store';

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
  $('#who').textContent = `${s.who.party} · ${s.who.role.replace('_', ' ')}`;
  const exercise = $('#exercise');
  exercise.hidden = !s.who.exercise;
  exercise.textContent = s.who.clock_rate === 1 ? 'EXERCISE' : `EXERCISE · clock ×${s.who.clock_rate}`;
}

/// The stream's state in the header.
export function showStream(s: State): void {
  const el = $('#stream');
  const { status, detail, cursor } = s.stream;
  el.textContent = status === 'live' ? '● live' : status === 'connecting' ? '○ connecting' : `○ ${detail ?? 'down'}`;
  el.className = `stream ${status}`;
  el.title = `stream cursor ${cursor}`;
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
