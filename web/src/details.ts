// The map's details box: what a click on the map picked (a declaration's volume, a track, an alert), and for
// one's own declaration the lifecycle actions valid for its status (activate, end), and cancelling it — a
// destructive step, asked for by name and confirmed, apart from the box's × that only closes it. A
// declaration's status is the line's, read against the line's time (lifecycle.ts).

import type { Api } from './api';
import { lineNow } from './clock';
import { alertWords } from './describe';
import { $, h } from './dom';
import { type LifecycleAction, statusShown, windowOf } from './lifecycle';
import type { Props } from './overlay';
import { act } from './shell';
import type { Store } from './store';
import type { Sync } from './sync';
import { bandText, heightText, shortTime } from './text';

const round = (v: unknown) => Math.round(Number(v));

export class Details {
  private box = $('#details');

  constructor(
    private store: Store,
    private api: Api,
    private sync: Sync,
  ) {}

  show(p: Props): void {
    const s = this.store.state;
    const decl = p.what === 'declaration' ? s.declarations.find((d) => d.id === p.id && d.party === p.party) : undefined;
    const status = decl ? this.status(decl.status, decl.outline) : undefined;
    const rows: [string, unknown][] =
      p.what === 'declaration'
        ? [
            ['declaration', p.name && p.name !== p.id ? `${p.name} (${p.id})` : p.id],
            ['party', p.party === s.who.party ? `${p.party} (you)` : p.party],
            ['kind', String(p.kind ?? '').replace('_', ' ')],
            ['status', status ? `${status.label}${status.detail ? ` (${status.detail})` : ''}` : p.status],
            ['heights', bandText(Number(p.lower_m), Number(p.upper_m))],
            ['time', `${shortTime(String(p.startText))} – ${shortTime(String(p.endText))}`],
          ]
        : p.what === 'alert'
          ? [
              ['alert', this.alertText(String(p.alert))],
              ['track', `${p.callsign || p.id} of ${p.party}`],
              ['height', heightText(Number(p.alt_m))],
              ['parties', p.parties],
            ]
          : [
              ['track', `${p.callsign || p.id}`],
              ['party', p.party],
              ['height', heightText(Number(p.alt_m))],
              ['speed, track', `${round(p.gs_mps)} m/s (${round(Number(p.gs_mps) * 1.943844)} kt), ${round(p.trk_deg)}°`],
              ['reported', shortTime(typeof p.reported === 'string' ? p.reported : undefined)],
            ];
    const box = this.box;
    box.replaceChildren(
      h('button', { type: 'button', class: 'close', 'aria-label': 'close details', title: 'Close', onclick: () => (box.hidden = true) }, '×'),
      h('dl', {}, ...rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', { 'data-row': k }, String(v ?? '—'))])),
      ...(p.what === 'declaration' && p.party === s.who.party ? [this.lifecycle(String(p.id))] : []),
    );
    box.hidden = false;
    box.querySelector<HTMLButtonElement>('button.close')?.focus();
  }

  /// A declaration's status as shown, at the line's time now.
  private status(status: string, outline: { start: string; end: string }[] | undefined) {
    const [start, end] = windowOf(outline);
    return statusShown(status, start, end, lineNow(this.store.state.clock));
  }

  private alertText(id: string): string {
    const a = this.store.state.alerts.find((x) => x.id === id);
    return a ? alertWords(a) : id;
  }

  /// The lifecycle actions valid for one's own declaration now (at the version shown, so that a stale view
  /// is refused), and cancelling it after a confirmation that names it.
  private lifecycle(id: string): HTMLElement {
    // Ids live in each party's own namespace: the caller's own declaration of this id.
    const { declarations, who } = this.store.state;
    const d = declarations.find((x) => x.id === id && x.party === who.party);
    if (!d) return h('span');
    const label = d.declaration.name && d.declaration.name !== id ? `${d.declaration.name} (${id})` : id;
    const { actions } = this.status(d.status, d.outline);
    const run = (action: LifecycleAction, done: string) =>
      act(async () => {
        await this.api.post(`/v1/declarations/${encodeURIComponent(id)}/${action}`, undefined, { 'If-Match': `"${d.version}"` });
        this.box.hidden = true;
        await this.sync.declarations();
      }, `${label}: ${done}`);
    const step = (action: LifecycleAction, text: string, done: string) =>
      h('button', { type: 'button', 'data-action': action, onclick: () => run(action, done) }, text);
    const row = h(
      'div',
      { class: 'actions' },
      actions.includes('activate') ? step('activate', 'Activate', 'activated') : null,
      actions.includes('end') ? step('end', 'End', 'ended') : null,
    );
    if (!actions.includes('cancel')) return row;
    // Cancelling withdraws the declaration from every party it was shared with: asked for, then confirmed.
    const question = h('p', {});
    const confirm = h(
      'div',
      { class: 'confirm', role: 'alertdialog', 'aria-label': `confirm cancelling ${label}`, hidden: true },
      // Its words are written when it is asked for (a hidden copy of the name would be found by a search).
      question,
      h(
        'div',
        { class: 'actions' },
        h('button', { type: 'button', class: 'danger', onclick: () => run('cancel', 'cancelled') }, `Yes, cancel ${id}`),
        h(
          'button',
          {
            type: 'button',
            class: 'keep',
            onclick: () => {
              confirm.hidden = true;
              ask.hidden = false;
              ask.focus();
            },
          },
          'Keep it',
        ),
      ),
    );
    const ask = h(
      'button',
      {
        type: 'button',
        class: 'danger-outline',
        onclick: () => {
          ask.hidden = true;
          question.textContent = `Cancel the declaration ${label}? It is withdrawn from every party it was shared with, and its conflicts are closed. This cannot be undone.`;
          confirm.hidden = false;
          // The safe answer has the focus: Enter keeps the declaration.
          confirm.querySelector<HTMLButtonElement>('button.keep')?.focus();
        },
      },
      'Cancel declaration…',
    );
    row.append(ask);
    return h('div', {}, row, confirm);
  }
}
