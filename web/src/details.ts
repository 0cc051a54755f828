// The map's details box: what a click on the map picked (a declaration's volume, a track, an alert), and for
// one's own declaration the buttons that activate, end or cancel it.

import type { Api } from './api';
import { $, h } from './dom';
import type { Props } from './overlay';
import { act } from './shell';
import type { Store } from './store';
import type { Sync } from './sync';
import { shortTime } from './text';

const round = (v: unknown) => Math.round(Number(v));

export class Details {
  private box = $('#details');

  constructor(
    private store: Store,
    private api: Api,
    private sync: Sync,
  ) {}

  show(p: Props): void {
    const rows: [string, unknown][] =
      p.what === 'declaration'
        ? [
            ['declaration', `${p.name} (${p.id})`],
            ['party', p.party],
            ['kind', p.kind],
            ['status', p.status],
            ['altitude', `${round(p.lower_m)}–${round(p.upper_m)} m (FL${round(Number(p.lower_m) / 30.48)}–FL${round(Number(p.upper_m) / 30.48)})`],
            ['time', `${shortTime(String(p.startText))} – ${shortTime(String(p.endText))}`],
          ]
        : p.what === 'alert'
          ? [
              ['alert', `${p.kind} (${p.alert})`],
              ['track', `${p.callsign || p.id} of ${p.party}`],
              ['altitude', `${round(p.alt_m)} m`],
              ['parties', p.parties],
              ['into', p.declaration],
            ]
          : [
              ['track', `${p.callsign || p.id}`],
              ['party', p.party],
              ['altitude', `${round(p.alt_m)} m`],
              ['speed, track', `${round(p.gs_mps)} m/s, ${round(p.trk_deg)}°`],
              ['reported', shortTime(typeof p.reported === 'string' ? p.reported : undefined)],
            ];
    const box = this.box;
    box.replaceChildren(
      h('button', { class: 'close', 'aria-label': 'close details', onclick: () => (box.hidden = true) }, '×'),
      h('dl', {}, ...rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, String(v ?? '—'))])),
      ...(p.what === 'declaration' && p.party === this.store.state.who.party ? [this.lifecycle(String(p.id))] : []),
    );
    box.hidden = false;
    box.querySelector<HTMLButtonElement>('button.close')?.focus();
  }

  /// Activate, end or cancel one's own declaration (at the version shown, so a stale view is refused).
  private lifecycle(id: string): HTMLElement {
    // Ids live in each party's own namespace: the caller's own declaration of this id.
    const { declarations, who } = this.store.state;
    const d = declarations.find((x) => x.id === id && x.party === who.party);
    if (!d) return h('span');
    const step = (action: string, label: string) =>
      h(
        'button',
        {
          onclick: () =>
            act(async () => {
              await this.api.post(`/v1/declarations/${encodeURIComponent(id)}/${action}`, undefined, { 'If-Match': `"${d.version}"` });
              this.box.hidden = true;
              await this.sync.declarations();
            }, `${id}: ${label.toLowerCase()}`),
        },
        label,
      );
    const open = d.status === 'planned' || d.status === 'active';
    return h(
      'div',
      { class: 'actions' },
      d.status === 'planned' ? step('activate', 'Activate') : null,
      d.status === 'active' ? step('end', 'End') : null,
      open ? step('cancel', 'Cancel') : null,
    );
  }
}
