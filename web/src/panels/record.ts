// The Record panel: the log entries the party may read (the latest 300, newest first), the latest signed
// checkpoint, and for each entry its leaf and, once a checkpoint covers it, its inclusion proof to download
// and verify offline. Entries from before sign-in are read once, when the panel is first opened.

import type { Api } from '../api';
import { $, h } from '../dom';
import { act } from '../shell';
import type { State, Store } from '../store';
import { readHistory } from '../stream';
import { shortTime } from '../text';
import { field, type LogEvent, text } from '../types';

/// Entries drawn at most.
const SHOWN = 300;

/// One line on what an entry is about.
export function summary(e: LogEvent): string {
  const c = e.content;
  const id = field(c, 'id');
  const name = field(c, 'name');
  if (id && name) return `${id}: ${name}`;
  if (e.kind.startsWith('message')) {
    const said = text(c, 'text');
    return said ? `${text(c, 'precedence') ?? ''} ${said}`.slice(0, 90) : String(id ?? field(c, 'message') ?? '');
  }
  const a = field(c, 'a');
  const b = field(c, 'b');
  if (a && b) return `${field(a, 'id')} ↔ ${field(b, 'id')}`;
  return String(id ?? '');
}

export class RecordPanel {
  private timer = 0;
  private past?: Promise<void>;

  /// `historyUntil` is where the live stream started; `cursor()` where it is now.
  constructor(
    private store: Store,
    private api: Api,
    private historyUntil: number,
    private cursor: () => number,
  ) {
    // Redrawn soon after entries come (once for a burst), and when a checkpoint is read.
    store.subscribe((next, prev) => {
      if (next.events !== prev.events) this.soon();
      if (next.checkpoint !== prev.checkpoint) {
        $('#checkpoint').textContent = next.checkpoint.text;
        this.render(next);
      }
    });
  }

  /// The panel is shown: drawn now, and the entries from before sign-in read (once).
  shown(): void {
    this.render(this.store.state);
    if (this.past) return;
    this.past = readHistory(this.api.token, this.historyUntil).then((past) => this.store.dispatch({ type: 'record/past', past }));
  }

  private soon(): void {
    if (this.timer) return;
    this.timer = window.setTimeout(() => {
      this.timer = 0;
      this.render(this.store.state);
    }, 150);
  }

  render(s: State): void {
    const list = s.events.slice(-SHOWN).reverse();
    $('#record-count').textContent = `${s.events.length} entries you may read (cursor ${this.cursor()})`;
    $('#record-list').replaceChildren(...list.map((e) => this.row(s, e)));
  }

  private row(s: State, e: LogEvent): HTMLElement {
    const download = (what: 'proof' | 'leaf', file: string) =>
      h(
        'button',
        {
          'aria-label': `download the ${what} of entry ${e.seq}`,
          onclick: () => act(() => this.api.download(`/v1/log/entries/${e.seq}/${what}`, file)),
        },
        what,
      );
    return h(
      'tr',
      { 'data-seq': e.seq },
      h('td', {}, e.seq),
      h('td', {}, shortTime(e.time)),
      h('td', {}, e.kind),
      h('td', {}, e.actor),
      h('td', {}, summary(e)),
      h(
        'td',
        {},
        e.seq < s.checkpoint.size ? download('proof', `entry-${e.seq}.tlog-proof`) : h('span', { class: 'muted' }, 'awaiting checkpoint'),
        ' ',
        download('leaf', `entry-${e.seq}.leaf`),
      ),
    );
  }
}
