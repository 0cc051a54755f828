// The Conflicts panel: the party's open live alerts (each can frame its tracks on the map), then its
// conflicts, filtered by state, each with acknowledge, accept, dispute (with a reason), advice and "Map".
// Alerts and conflicts are drawn apart, each as a keyed list of cards updated in place: a live alert's
// update (about once a second on a busy line) never touches a conflict's card, and a card being worked in
// (a reason being typed, advice being read) is never replaced.

import type { Api } from '../api';
import { type Names, alertWords, declarationLabel, namesOf } from '../describe';
import { $, $as, h } from '../dom';
import { type Card, KeyedList } from '../keyed';
import type { Picture } from '../picture';
import { act } from '../shell';
import type { State, Store } from '../store';
import type { Sync } from '../sync';
import { describeAdvice, separationText, shortTime } from '../text';
import type { AdviceAnswer, AlertView, ConflictView } from '../types';

/// Cards drawn at most in one list (the map shows everything).
export const LIST_MAX = 100;

/// A conflict's state as the party sees it: the conflict's own, or the party's stance on an open one.
export function conflictState(c: ConflictView, party: string): string {
  const mine = c.parties?.[party] ?? {};
  if (c.status && c.status !== 'open' && c.status !== 'acknowledged') return c.status;
  if (mine.disputed) return 'disputed';
  if (mine.accepted) return 'accepted';
  if (mine.acknowledged || c.status === 'acknowledged') return 'acknowledged';
  return 'open';
}

/// The title of an alert's card.
function alertTitle(a: AlertView): string {
  if (a.kind === 'incursion') return 'Incursion predicted';
  return a.los ? 'Loss of separation' : 'Separation at risk';
}

/// When an alert was raised, and an incursion's window.
function alertWhen(a: AlertView): string {
  const window = a.kind === 'incursion' && a.start ? ` · predicted ${shortTime(a.start)} – ${shortTime(a.end)}` : '';
  return `raised ${shortTime(a.raised)}${window}`;
}

interface Row {
  c: ConflictView;
  state: string;
  names: Names;
}

export class ConflictsPanel {
  private filter = $as('#conflict-filter', HTMLSelectElement);
  private alertHead = h('h3', {});
  private alertNote = h('p', { class: 'muted' });
  private alerts: KeyedList<AlertView>;
  private conflicts: KeyedList<Row>;

  constructor(
    private store: Store,
    private api: Api,
    private sync: Sync,
    private picture: Picture,
  ) {
    const alertList = h('div', { class: 'alert-list' });
    $('#alerts').replaceChildren(this.alertHead, this.alertNote, alertList);
    this.alerts = new KeyedList(alertList, (a) => a.id, (a) => this.alertCard(a));
    this.conflicts = new KeyedList($('#conflict-list'), (r) => r.c.id, (r) => this.conflictCard(r));
    this.filter.addEventListener('change', () => this.renderConflicts(store.state));
    store.subscribe((next, prev) => {
      if (next.alerts !== prev.alerts) this.renderAlerts(next);
      if (next.conflicts !== prev.conflicts || next.declarations !== prev.declarations) this.renderConflicts(next);
    });
  }

  render(s: State): void {
    this.renderAlerts(s);
    this.renderConflicts(s);
  }

  private renderAlerts(s: State): void {
    const open = s.alerts.filter((a) => a.status === 'open');
    this.alertHead.textContent = open.length ? `Live alerts (${open.length})` : '';
    this.alertHead.hidden = !open.length;
    this.alertNote.textContent = open.length > LIST_MAX ? `The latest ${LIST_MAX} are shown; all flash on the map.` : '';
    this.alertNote.hidden = open.length <= LIST_MAX;
    // Newest first; an alert keeps its place as it is updated.
    const shown = open
      .slice()
      .sort((a, b) => String(b.raised).localeCompare(String(a.raised)) || a.id.localeCompare(b.id))
      .slice(0, LIST_MAX);
    this.alerts.render(shown);
  }

  private renderConflicts(s: State): void {
    const filter = this.filter.value;
    const names = namesOf(s);
    const all = s.conflicts.map((c) => ({ c, state: conflictState(c, s.who.party), names }));
    const list = all
      .filter(({ state }) => filter === 'all' || state === filter)
      .sort((a, b) => String(a.c.start).localeCompare(String(b.c.start)) || a.c.id.localeCompare(b.c.id));
    const counts: Record<string, number> = {};
    for (const { state } of all) counts[state] = (counts[state] ?? 0) + 1;
    $('#conflict-counts').textContent =
      Object.entries(counts)
        .map(([k, v]) => `${v} ${k}`)
        .join(' · ') || 'none';
    const more = $('#conflict-more');
    more.hidden = list.length <= LIST_MAX;
    more.textContent = `The first ${LIST_MAX} of ${list.length} are shown.`;
    this.conflicts.render(list.slice(0, LIST_MAX));
  }

  private alertCard(first: AlertView): Card<AlertView> {
    let current = first;
    const title = h('b', {});
    const parties = h('span', { class: 'muted' });
    const words = h('p', {});
    const when = h('p', { class: 'muted' });
    const el = h(
      'article',
      { class: 'card alert', 'data-alert': first.id },
      h('header', {}, title, ' ', parties),
      words,
      when,
      h('button', { type: 'button', onclick: () => this.picture.map.fit([(current.tracks ?? []).map((t) => [t.lon, t.lat])]) }, 'Show on map'),
    );
    return {
      el,
      update: (a) => {
        current = a;
        title.textContent = alertTitle(a);
        parties.textContent = `· ${(a.parties ?? []).join(', ')}`;
        words.textContent = alertWords(a);
        when.textContent = alertWhen(a);
      },
    };
  }

  private conflictCard(first: Row): Card<Row> {
    let row = first;
    const id = first.c.id;
    const own = () => row.c.declaration?.id ?? '';
    const post = (action: string, body?: unknown) => this.api.post(`/v1/conflicts/${id}/${action}`, body).then(() => this.sync.conflicts());
    const heading = h('span', { class: 'sides' });
    const badge = h('span', { class: 'badge' });
    const when = h('p', {});
    const under = h('p', { class: 'muted' });
    const stance = h('p', { class: 'muted stance' });
    const advice = h('p', { class: 'advice', 'aria-live': 'polite' });
    const reason = h('input', { type: 'text', name: 'reason', required: true, maxlength: 2000, placeholder: 'reason (e.g. not my forces)', 'aria-label': 'reason for dispute' });
    const acknowledge = h('button', { type: 'button', onclick: () => act(() => post('acknowledge'), 'Acknowledged') }, 'Acknowledge');
    const accept = h('button', { type: 'button', onclick: () => act(() => post('accept'), 'Accepted') }, 'Accept');
    const dispute = h(
      'form',
      {
        class: 'dispute',
        onsubmit: (ev: Event) => {
          ev.preventDefault();
          act(async () => {
            await post('dispute', { reason: reason.value.trim() });
            reason.value = '';
          }, 'Disputed');
        },
      },
      reason,
      h('button', { type: 'submit' }, 'Dispute'),
    );
    const adviceButton = h(
      'button',
      {
        type: 'button',
        onclick: () =>
          act(async () => {
            advice.textContent = 'Asking the line…';
            const a = await this.api.get<AdviceAnswer>(`/v1/declarations/${encodeURIComponent(own())}/advice`);
            advice.textContent = describeAdvice(a.advice);
          }),
      },
      'Advice',
    );
    const el = h(
      'article',
      { class: 'card conflict', 'data-conflict': id },
      h('header', {}, heading, badge),
      when,
      under,
      stance,
      h('div', { class: 'actions' }, acknowledge, accept, adviceButton, h('button', { type: 'button', onclick: () => this.picture.focus(own(), this.otherRings(row.c)) }, 'Map')),
      dispute,
      advice,
    );
    return {
      el,
      update: (r) => {
        row = r;
        const { c, state, names } = r;
        const me = this.store.state.who.party;
        el.className = `card conflict ${state}`;
        heading.textContent = `${declarationLabel(names, me, own(), false)} ↔ ${c.other ? declarationLabel(names, c.other.party, c.other.id) : '?'}`;
        badge.className = `badge ${state}`;
        badge.textContent = state;
        when.textContent = `${shortTime(c.start)} – ${shortTime(c.end)} · ${separationText(c.distance_m, c.vertical_gap_m)}`;
        under.textContent = c.agreements?.length ? `under ${c.agreements.join(', ')}` : '';
        under.hidden = !c.agreements?.length;
        const mine = c.parties?.[me] ?? {};
        const closed = c.status === 'resolved';
        const said = [
          mine.acknowledged ? `you acknowledged it ${shortTime(mine.acknowledged)}` : '',
          mine.accepted ? `accepted ${shortTime(mine.accepted)}` : '',
          mine.disputed ? `disputed ${shortTime(mine.disputed.at)}${mine.disputed.reason ? `: “${mine.disputed.reason}”` : ''}` : '',
          closed ? `resolved${c.outcome ? ` (${c.outcome})` : ''}` : '',
        ].filter(Boolean);
        stance.textContent = said.join(' · ');
        stance.hidden = !said.length;
        acknowledge.hidden = closed || !!mine.acknowledged;
        accept.hidden = closed || !!mine.accepted;
        dispute.hidden = closed;
        adviceButton.hidden = closed;
      },
    };
  }

  /// The other side's outline, when its declaration is shared with the party.
  private otherRings(c: ConflictView): number[][][] {
    const visible = this.store.state.declarations.find((d) => d.id === c.other?.id && d.party === c.other?.party);
    return (visible?.outline ?? []).map((v) => v.ring);
  }
}
