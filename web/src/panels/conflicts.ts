// The Conflicts panel: the party's open live alerts (each can frame its tracks on the map), then its
// conflicts, filtered by state, each with acknowledge, accept, dispute, advice and "Map".

import type { Api } from '../api';
import { $, $as, h } from '../dom';
import type { Picture } from '../picture';
import { act } from '../shell';
import type { State, Store } from '../store';
import type { Sync } from '../sync';
import { describeAdvice, shortTime } from '../text';
import type { AdviceAnswer, AlertView, ConflictView } from '../types';

/// Cards drawn at most in one list (the map shows everything).
export const LIST_MAX = 100;

/// A conflict's state as the party sees it: the conflict's own, or the party's stance on an open one.
export function conflictState(c: ConflictView, party: string): string {
  const mine = c.parties?.[party] ?? {};
  if (c.status && c.status !== 'open') return c.status;
  if (mine.disputed) return 'disputed';
  if (mine.accepted) return 'accepted';
  if (mine.acknowledged) return 'acknowledged';
  return 'open';
}

/// When and how close: separation lost now or in so many seconds, closest approach; or an incursion's window.
function alertWhen(a: AlertView): string {
  if (a.kind === 'separation') {
    const lost = a.los ? 'separation lost now' : `separation lost in ${Math.round(a.t_los_s ?? 0)} s`;
    return `${lost} · closest ${Math.round(a.d_cpa_m ?? 0)} m in ${Math.round(a.t_cpa_s ?? 0)} s · raised ${shortTime(a.raised)}`;
  }
  return `from ${shortTime(a.start)} to ${shortTime(a.end)} · ${Math.round(a.distance_m ?? 0)} m · raised ${shortTime(a.raised)}`;
}

export class ConflictsPanel {
  private filter = $as('#conflict-filter', HTMLSelectElement);

  constructor(
    private store: Store,
    private api: Api,
    private sync: Sync,
    private picture: Picture,
  ) {
    this.filter.addEventListener('change', () => this.render(store.state));
    store.subscribe((next, prev) => {
      if (next.conflicts !== prev.conflicts || next.alerts !== prev.alerts) this.render(next);
    });
  }

  render(s: State): void {
    const filter = this.filter.value;
    const all = s.conflicts.map((c) => ({ c, state: conflictState(c, s.who.party) }));
    const list = all
      .filter(({ state }) => filter === 'all' || state === filter)
      .sort((a, b) => String(a.c.start).localeCompare(String(b.c.start)));
    const open = s.alerts.filter((a) => a.status === 'open');
    $('#alerts').replaceChildren(
      ...(open.length ? [h('h3', {}, `Live alerts (${open.length})`)] : []),
      ...(open.length > LIST_MAX ? [h('p', { class: 'muted' }, `The latest ${LIST_MAX} are shown; all flash on the map.`)] : []),
      ...open
        .slice(-LIST_MAX)
        .reverse()
        .map((a) => this.alertCard(a)),
    );
    const counts: Record<string, number> = {};
    for (const { state } of all) counts[state] = (counts[state] ?? 0) + 1;
    $('#conflict-counts').textContent =
      Object.entries(counts)
        .map(([k, v]) => `${v} ${k}`)
        .join(' · ') || 'none';
    $('#conflict-list').replaceChildren(
      ...(list.length > LIST_MAX ? [h('p', { class: 'muted' }, `The first ${LIST_MAX} of ${list.length} are shown.`)] : []),
      ...list.slice(0, LIST_MAX).map(({ c, state }) => this.conflictCard(c, state)),
    );
  }

  private alertCard(a: AlertView): HTMLElement {
    const tracks = a.tracks ?? [];
    return h(
      'article',
      { class: 'card alert', 'data-alert': a.id },
      h('header', {}, h('b', {}, a.kind === 'incursion' ? 'Incursion' : a.los ? 'Loss of separation' : 'Separation at risk'), ' ', (a.parties ?? []).join(' · ')),
      h(
        'p',
        {},
        tracks.map((t) => `${t.callsign || t.id} (${t.party}) ${Math.round(t.alt_m)} m`).join(' ↔ '),
        a.declaration ? ` into ${a.declaration.name ?? a.declaration.id}` : '',
      ),
      h('p', { class: 'muted' }, alertWhen(a)),
      h('button', { onclick: () => this.picture.map.fit([tracks.map((t) => [t.lon, t.lat])]) }, 'show on map'),
    );
  }

  private conflictCard(c: ConflictView, state: string): HTMLElement {
    const reason = h('input', { type: 'text', placeholder: 'reason (e.g. not my forces)', 'aria-label': 'reason for dispute' });
    const advice = h('p', { class: 'advice' });
    const own = c.declaration?.id ?? '';
    const post = (action: string, body?: unknown) => this.api.post(`/v1/conflicts/${c.id}/${action}`, body).then(() => this.sync.conflicts());
    return h(
      'article',
      { class: `card conflict ${state}`, 'data-conflict': c.id },
      h('header', {}, h('b', {}, own), ' ↔ ', h('b', {}, `${c.other?.id}`), ` of ${c.other?.party}`, h('span', { class: `badge ${state}` }, state)),
      h('p', {}, `${shortTime(c.start)} – ${shortTime(c.end)} · ${Math.round(c.distance_m ?? Number.NaN)} m apart, ${Math.round(c.vertical_gap_m ?? Number.NaN)} m vertical gap`),
      c.agreements ? h('p', { class: 'muted' }, `under ${c.agreements.join(', ')}`) : null,
      h(
        'div',
        { class: 'actions' },
        h('button', { onclick: () => act(() => post('acknowledge'), 'Acknowledged') }, 'Acknowledge'),
        h('button', { onclick: () => act(() => post('accept'), 'Accepted') }, 'Accept'),
        reason,
        h('button', { onclick: () => act(() => post('dispute', { reason: reason.value }), 'Disputed') }, 'Dispute'),
        h(
          'button',
          {
            onclick: () =>
              act(async () => {
                const a = await this.api.get<AdviceAnswer>(`/v1/declarations/${encodeURIComponent(own)}/advice`);
                advice.textContent = describeAdvice(a.advice);
              }),
          },
          'Advice',
        ),
        h('button', { onclick: () => this.picture.focus(own, this.otherRings(c)) }, 'Map'),
      ),
      advice,
    );
  }

  /// The other side's outline, when its declaration is shared with the party.
  private otherRings(c: ConflictView): number[][][] {
    const visible = this.store.state.declarations.find((d) => d.id === c.other?.id && d.party === c.other?.party);
    return (visible?.outline ?? []).map((v) => v.ring);
  }
}
