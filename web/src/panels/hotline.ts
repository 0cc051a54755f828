// The Hotline panel: compose a message to parties one has an agreement with, and the inbox, outbox and
// messages escalated to one, each with its precedence, deadline countdown and receipts; acknowledge or
// answer a message received. The tab's badge counts the inbox's unacknowledged messages.

import type { Api } from '../api';
import { lineNow, showCountdown } from '../clock';
import { $, $as, control, h } from '../dom';
import { act } from '../shell';
import type { State, Store } from '../store';
import type { Sync } from '../sync';
import { shortTime } from '../text';
import { BOXES, type Box, MESSAGE_KINDS, type MessageInput, type MessageView, oneOf, PRECEDENCES, type Receipt } from '../types';
import { LIST_MAX } from './conflicts';

const isBox = (v: string): v is Box => BOXES.some((b) => b === v);

export class HotlinePanel {
  private box = $as('#box', HTMLSelectElement);

  constructor(
    store: Store,
    private api: Api,
    private sync: Sync,
  ) {
    this.box.addEventListener('change', () => this.render(store.state));
    $as('#compose', HTMLFormElement).addEventListener('submit', (ev) => this.compose(ev));
    store.watch((s) => s.boxes, (s) => this.render(s));
    store.watch((s) => s.parties, (s) => this.renderRecipients(s), true);
  }

  render(s: State): void {
    const box = isBox(this.box.value) ? this.box.value : 'inbox';
    const unacked = s.boxes.inbox.filter((m) => !m.receipts?.[s.who.party]?.acknowledged).length;
    $('#inbox-count').textContent = String(unacked);
    $('#message-list').replaceChildren(
      ...s.boxes[box]
        .slice()
        .sort((a, b) => String(b.sent).localeCompare(String(a.sent)))
        .slice(0, LIST_MAX)
        .map((m) => this.card(s, m, box)),
    );
  }

  /// The compose form's recipients: every party one has an agreement with.
  private renderRecipients(s: State): void {
    $('#to').replaceChildren(
      ...s.parties
        .filter((p) => p !== s.who.party)
        .map((p) => h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'to', value: p }), p)),
    );
  }

  private card(s: State, m: MessageView, box: Box): HTMLElement {
    const mine = m.receipts?.[s.who.party];
    const receipts = Object.entries(m.receipts ?? {});
    const answer = h('input', { type: 'text', placeholder: 'answer', 'aria-label': `answer to ${m.id}` });
    const acknowledged = box === 'outbox' ? receipts.every(([, r]) => r.acknowledged) : !!mine?.acknowledged;
    const done = (what: Promise<unknown>) => what.then(() => this.sync.messages());
    return h(
      'article',
      { class: `card message ${m.precedence}`, 'data-message': m.id },
      h(
        'header',
        {},
        h('span', { class: `badge ${m.precedence}` }, m.precedence),
        ` ${m.from} → ${(m.to ?? []).join(', ')} · ${m.kind} · ${shortTime(m.sent)} `,
        showCountdown(
          h('span', { class: 'countdown', dataset: { deadline: m.deadline, done: String(acknowledged) }, title: `deadline ${m.deadline}` }),
          lineNow(s.clock),
        ),
      ),
      h('p', {}, m.text),
      ...receipts.map(([p, r]) => receiptLine(p, r)),
      box !== 'outbox' && mine && !mine.acknowledged
        ? h(
            'div',
            { class: 'actions' },
            h('button', { onclick: () => act(() => done(this.api.post(`/v1/messages/${m.id}/acknowledge`)), 'Acknowledged') }, 'Acknowledge'),
            answer,
            h('button', { onclick: () => act(() => done(this.api.post(`/v1/messages/${m.id}/answer`, { text: answer.value })), 'Answered') }, 'Answer'),
          )
        : null,
    );
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
    `${party}: ${r.acknowledged ? `acknowledged ${shortTime(r.acknowledged)}` : r.delivered ? `delivered ${shortTime(r.delivered)}` : 'not yet delivered'}`,
    r.answered ? ` · answered ${shortTime(r.answered)}` : '',
    r.answer ? ` “${r.answer}”` : '',
    ...(r.escalations ?? []).map((e) => h('span', { class: 'escalation' }, ` ⚠ escalated to ${e.level ?? e.role ?? '?'} ${shortTime(e.time ?? e.at)}`)),
  );
}
