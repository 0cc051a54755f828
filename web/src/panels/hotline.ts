// The Hotline panel: what awaits the party first (messages to it not yet acknowledged, those escalated to
// it — the commander's pager — and its own sent messages overdue), then what it received and what it sent;
// each list in a stable order by urgency (FLASH, IMMEDIATE, PRIORITY, ROUTINE, then deadline, then the
// order sent), with deadline countdowns and receipts; acknowledge or answer a message received; and the
// compose form. The tab's badge counts everything awaiting the party.

import type { Api } from '../api';
import { lineNow, showCountdown } from '../clock';
import { $, $as, control, h } from '../dom';
import { type Card, KeyedList } from '../keyed';
import { act } from '../shell';
import type { State, Store } from '../store';
import type { Sync } from '../sync';
import { shortTime } from '../text';
import { MESSAGE_KINDS, type MessageInput, type MessageView, oneOf, PRECEDENCES, type Receipt } from '../types';
import { LIST_MAX } from './conflicts';

/// Precedences, most urgent first.
const RANK: Record<string, number> = { FLASH: 0, IMMEDIATE: 1, PRIORITY: 2, ROUTINE: 3 };

/// The order a message was sent in: its id's number (`m-58`), which the line gives in log order.
function seqOf(m: MessageView): number {
  const n = /(\d+)$/.exec(m.id);
  return n ? Number(n[1]) : Number.MAX_SAFE_INTEGER;
}

/// Urgency first: precedence, then the earliest deadline, then the order sent (then the id, so that the
/// order never changes between redraws).
export function byUrgency(a: MessageView, b: MessageView): number {
  return (
    (RANK[a.precedence] ?? 9) - (RANK[b.precedence] ?? 9) ||
    (Date.parse(a.deadline) || 0) - (Date.parse(b.deadline) || 0) ||
    seqOf(a) - seqOf(b) ||
    a.id.localeCompare(b.id)
  );
}

/// Whether one of the recipients of a sent message has not acknowledged it by its deadline (at `now`, ms).
export function overdue(m: MessageView, now: number): boolean {
  const open = Object.values(m.receipts ?? {}).some((r) => !r.acknowledged);
  return open && (Date.parse(m.deadline) < now || Object.values(m.receipts ?? {}).some((r) => r.overdue && !r.acknowledged));
}

export type Section = 'awaiting' | 'received' | 'sent';

/// One message as listed: which section, and whether it came to the party, was escalated to it, or is its
/// own.
export interface Listed {
  m: MessageView;
  section: Section;
  mine: boolean;
  escalated: boolean;
}

/// The party's messages in their sections, each in order of urgency, each message once: awaiting the party
/// (received or escalated to it and not acknowledged by it; its own sent and overdue), received, sent.
export function sections(s: Pick<State, 'boxes' | 'who'>, now: number): Record<Section, Listed[]> {
  const party = s.who.party;
  const seen = new Map<string, Listed>();
  const escalated = new Set(s.boxes.escalated.map((m) => m.id));
  for (const m of [...s.boxes.inbox, ...s.boxes.escalated]) {
    if (seen.has(m.id)) continue;
    // The party's own receipt; a message escalated to it without one awaits it while any receipt is open.
    const r = m.receipts?.[party];
    const waiting = r ? !r.acknowledged : Object.values(m.receipts ?? {}).some((x) => !x.acknowledged);
    seen.set(m.id, { m, section: waiting ? 'awaiting' : 'received', mine: false, escalated: escalated.has(m.id) });
  }
  for (const m of s.boxes.outbox) {
    if (seen.has(m.id)) continue;
    seen.set(m.id, { m, section: overdue(m, now) ? 'awaiting' : 'sent', mine: true, escalated: escalated.has(m.id) });
  }
  const out: Record<Section, Listed[]> = { awaiting: [], received: [], sent: [] };
  for (const l of seen.values()) out[l.section].push(l);
  for (const list of Object.values(out)) list.sort((a, b) => byUrgency(a.m, b.m));
  return out;
}

const TITLES: Record<Section, string> = { awaiting: 'Awaiting you', received: 'Received', sent: 'Sent' };

export class HotlinePanel {
  private lists: Record<Section, KeyedList<Listed>>;
  private heads: Record<Section, HTMLElement>;
  private badgeTimer = 0;

  constructor(
    private store: Store,
    private api: Api,
    private sync: Sync,
  ) {
    $as('#compose', HTMLFormElement).addEventListener('submit', (ev) => this.compose(ev));
    const make = (section: Section) => {
      const head = h('h3', { class: `box-head ${section}` });
      const list = h('div', { class: `message-list ${section}`, 'data-section': section });
      $('#message-list').append(head, list);
      return { head, list: new KeyedList<Listed>(list, (l) => l.m.id, (l) => this.card(l)) };
    };
    const made = { awaiting: make('awaiting'), received: make('received'), sent: make('sent') };
    this.lists = { awaiting: made.awaiting.list, received: made.received.list, sent: made.sent.list };
    this.heads = { awaiting: made.awaiting.head, received: made.received.head, sent: made.sent.head };
    store.watch((s) => s.boxes, (s) => this.render(s));
    store.watch((s) => s.parties, (s) => this.renderRecipients(s), true);
    // A sent message goes overdue with the line's time, not with a list: the sections are checked every 2 s.
    this.badgeTimer = window.setInterval(() => this.recount(), 2000);
  }

  stop(): void {
    clearInterval(this.badgeTimer);
  }

  private lastAwaiting = '';

  /// Redraws when what awaits the party changed with the time alone.
  private recount(): void {
    const s = this.store.state;
    const ids = sections(s, lineNow(s.clock))
      .awaiting.map((l) => l.m.id)
      .join();
    if (ids !== this.lastAwaiting) this.render(s);
  }

  render(s: State): void {
    const all = sections(s, lineNow(s.clock));
    this.lastAwaiting = all.awaiting.map((l) => l.m.id).join();
    const badge = $('#inbox-count');
    badge.textContent = String(all.awaiting.length);
    badge.title = `${all.awaiting.length} awaiting you: messages not yet acknowledged, escalated to you, or your own overdue`;
    badge.classList.toggle('none', all.awaiting.length === 0);
    for (const section of ['awaiting', 'received', 'sent'] as const) {
      const list = all[section];
      this.heads[section].textContent = `${TITLES[section]} (${list.length})${list.length > LIST_MAX ? ` — the first ${LIST_MAX} shown` : ''}`;
      this.lists[section].render(list.slice(0, LIST_MAX));
    }
    if (!all.awaiting.length) this.heads.awaiting.textContent = 'Awaiting you: nothing';
  }

  /// The compose form's recipients: every party one has an agreement with.
  private renderRecipients(s: State): void {
    $('#to').replaceChildren(
      ...s.parties
        .filter((p) => p !== s.who.party)
        .map((p) => h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'to', value: p }), p)),
    );
  }

  private card(first: Listed): Card<Listed> {
    const m = first.m;
    const party = this.store.state.who.party;
    const done = (what: Promise<unknown>) => what.then(() => this.sync.messages());
    const badge = h('span', { class: `badge ${m.precedence}` }, m.precedence);
    const flags = h('span', { class: 'flags' });
    const countdown = h('span', { class: 'countdown', dataset: { deadline: m.deadline }, title: `deadline ${shortTime(m.deadline)}` });
    const receipts = h('div', { class: 'receipts' });
    const answer = h('input', { type: 'text', name: 'answer', placeholder: 'answer', 'aria-label': `answer to ${m.id}` });
    const acknowledge = h('button', { type: 'button', onclick: () => act(() => done(this.api.post(`/v1/messages/${m.id}/acknowledge`)), 'Acknowledged') }, 'Acknowledge');
    const actions = h(
      'form',
      {
        class: 'actions',
        onsubmit: (ev: Event) => {
          ev.preventDefault();
          act(() => done(this.api.post(`/v1/messages/${m.id}/answer`, { text: answer.value })), 'Answered');
        },
      },
      acknowledge,
      answer,
      h('button', { type: 'submit' }, 'Answer'),
    );
    const el = h(
      'article',
      { class: `card message ${m.precedence}`, 'data-message': m.id },
      h('header', {}, badge, ' ', flags, ` ${m.from} → ${(m.to ?? []).join(', ')} · ${m.kind} · sent ${shortTime(m.sent)} `, countdown),
      h('p', {}, m.text),
      receipts,
      actions,
    );
    return {
      el,
      update: (l) => {
        const mine = l.m.receipts?.[party];
        const all = Object.entries(l.m.receipts ?? {});
        const acknowledged = l.mine ? all.every(([, r]) => r.acknowledged) : !!mine?.acknowledged;
        countdown.dataset.done = String(acknowledged);
        showCountdown(countdown, lineNow(this.store.state.clock));
        flags.textContent = [l.escalated ? '⚠ escalated' : '', l.mine && l.section === 'awaiting' ? 'yours, overdue' : ''].filter(Boolean).join(' · ');
        el.classList.toggle('escalated', l.escalated);
        receipts.replaceChildren(...all.map(([p, r]) => receiptLine(p, r)));
        // Acknowledge and answer: a message to the party (or escalated to it) that it has not acknowledged.
        actions.hidden = l.mine || !mine || !!mine.acknowledged;
      },
    };
  }

  private async compose(ev: SubmitEvent): Promise<void> {
    ev.preventDefault();
    const form = ev.target;
    if (!(form instanceof HTMLFormElement)) return;
    const data = new FormData(form);
    const body: MessageInput = {
      to: data.getAll('to').map(String),
      precedence: oneOf(control(form, 'precedence').value, PRECEDENCES),
      kind: oneOf(control(form, 'kind').value, MESSAGE_KINDS),
      text: control(form, 'text').value,
    };
    await act(async () => {
      await this.api.post('/v1/messages', body);
      form.reset();
      await this.sync.messages();
    }, 'Sent');
  }
}

function receiptLine(party: string, r: Receipt): HTMLElement {
  return h(
    'p',
    { class: 'muted receipt' },
    `${party}: ${r.acknowledged ? `acknowledged ${shortTime(r.acknowledged)}` : r.delivered ? `delivered ${shortTime(r.delivered)}, not acknowledged` : 'not yet delivered'}`,
    r.answered ? ` · answered ${shortTime(r.answered)}` : '',
    r.answer ? ` “${r.answer}”` : '',
    ...(r.escalations ?? []).map((e) => h('span', { class: 'escalation' }, ` ⚠ escalated to ${e.level ?? e.role ?? '?'} ${shortTime(e.time ?? e.at)}`)),
  );
}
