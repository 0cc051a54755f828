// The Record panel: the log entries the party may read (the latest 300 shown, newest first), each said in
// words (describe.ts) with its seq, the latest signed checkpoint, and for each entry its leaf and, once a
// checkpoint covers it, its inclusion proof to download and verify offline. A filter by kind, with counts,
// keeps alert updates (most of a busy line's entries) out of sight until asked for. Entries from before
// sign-in are read once, when the panel is first opened.

import type { Api } from '../api';
import { describeEntry, ENTRY_GROUPS, type EntryGroup, entryGroup, groupName, namesOf, type Names } from '../describe';
import { $, h } from '../dom';
import { define } from '../i18n';
import { act } from '../shell';
import type { State, Store } from '../store';
import { readHistory } from '../stream';
import type { LogEvent } from '../types';

const t = define('record', {
  en: {
    checkpoint: 'checkpoint of {origin}: {size} entries, root {root}…; signed',
    noCheckpoint: 'no signed checkpoint yet',
    count: '{total} entries you may read (cursor {cursor}); {kept} shown by the filter',
    latest: ', the latest {shown} listed',
    hidden: '; {hidden} hidden',
    show: 'Show: ',
    proof: 'proof',
    leaf: 'leaf',
    downloadProof: 'download the proof of entry {seq}',
    downloadLeaf: 'download the leaf of entry {seq}',
    noProof: 'no proof yet',
    noProofTitle: 'its proof comes with the next signed checkpoint',
  },
  ru: {
    checkpoint: 'контрольная точка {origin}: записей {size}, корень {root}…; подписана',
    noCheckpoint: 'подписанной контрольной точки ещё нет',
    count: 'доступных вам записей: {total} (курсор {cursor}); по фильтру показано: {kept}',
    latest: ', в списке последние {shown}',
    hidden: '; скрыто: {hidden}',
    show: 'Показать: ',
    proof: 'доказательство',
    leaf: 'лист',
    downloadProof: 'скачать доказательство записи {seq}',
    downloadLeaf: 'скачать лист записи {seq}',
    noProof: 'доказательства пока нет',
    noProofTitle: 'доказательство появится со следующей подписанной контрольной точкой',
  },
  ar: {
    checkpoint: 'نقطة تحقق {origin}: {size} قيداً، الجذر {root}…؛ موقّعة',
    noCheckpoint: 'لا توجد نقطة تحقق موقّعة بعد',
    count: 'القيود التي يمكنك قراءتها: {total} (المؤشر {cursor})؛ المعروض حسب المرشح: {kept}',
    latest: '، مُدرَج آخر {shown}',
    hidden: '؛ المخفي: {hidden}',
    show: 'عرض: ',
    proof: 'الإثبات',
    leaf: 'الورقة',
    downloadProof: 'تنزيل إثبات القيد {seq}',
    downloadLeaf: 'تنزيل ورقة القيد {seq}',
    noProof: 'لا إثبات بعد',
    noProofTitle: 'يأتي إثباته مع نقطة التحقق الموقّعة التالية',
  },
  tr: {
    checkpoint: '{origin} kontrol noktası: {size} kayıt, kök {root}…; imzalı',
    noCheckpoint: 'henüz imzalı kontrol noktası yok',
    count: 'okuyabileceğiniz kayıtlar: {total} (imleç {cursor}); süzgeçle gösterilen: {kept}',
    latest: ', son {shown} listelendi',
    hidden: '; gizli: {hidden}',
    show: 'Göster: ',
    proof: 'kanıt',
    leaf: 'yaprak',
    downloadProof: '{seq} numaralı kaydın kanıtını indir',
    downloadLeaf: '{seq} numaralı kaydın yaprağını indir',
    noProof: 'henüz kanıt yok',
    noProofTitle: 'kanıtı bir sonraki imzalı kontrol noktasıyla gelir',
  },
});

/// The latest signed checkpoint in words.
function checkpointText(c: State['checkpoint']): string {
  if (c.signed === undefined) return c.text;
  if (c.signed === null) return t('noCheckpoint');
  return t('checkpoint', { origin: c.signed.origin, size: String(c.signed.size), root: c.signed.root.slice(0, 12) });
}

/// Entries drawn at most.
const SHOWN = 300;

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
        $('#checkpoint').textContent = checkpointText(next.checkpoint);
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

  /// The groups not shown: alert updates, until asked for.
  private hidden = new Set<EntryGroup>(['alert updates']);

  render(s: State): void {
    // Drawn only while it is shown (shown() draws it when it is opened).
    if ($('#panel-record').hidden) return;
    const counts = new Map<EntryGroup, number>();
    for (const e of s.events) counts.set(entryGroup(e.kind), (counts.get(entryGroup(e.kind)) ?? 0) + 1);
    this.renderFilter(counts);
    const kept = s.events.filter((e) => !this.hidden.has(entryGroup(e.kind)));
    const list = kept.slice(-SHOWN).reverse();
    const hiddenCount = s.events.length - kept.length;
    $('#record-count').textContent =
      t('count', { total: s.events.length, cursor: String(this.cursor()), kept: kept.length }) +
      (kept.length > SHOWN ? t('latest', { shown: SHOWN }) : '') +
      (hiddenCount ? t('hidden', { hidden: hiddenCount }) : '');
    const names = namesOf(s);
    $('#record-list').replaceChildren(...list.map((e) => this.row(s, e, names)));
  }

  /// The filter's boxes, one per group, made once (a box redrawn under the pointer would miss clicks).
  private boxes = new Map<EntryGroup, { label: HTMLElement; count: HTMLElement }>();

  /// The filter: one box per group of entries, with its count; groups with no entry are left out.
  private renderFilter(counts: Map<EntryGroup, number>): void {
    if (!this.boxes.size) {
      const made = ENTRY_GROUPS.map((g) => {
        const count = h('span', { class: 'n' });
        const label = h(
          'label',
          { class: 'check', 'data-group': g },
          h('input', {
            type: 'checkbox',
            value: g,
            checked: !this.hidden.has(g),
            onchange: (ev: Event) => {
              if (ev.target instanceof HTMLInputElement && ev.target.checked) this.hidden.delete(g);
              else this.hidden.add(g);
              this.render(this.store.state);
            },
          }),
          `${groupName(g)} `,
          count,
        );
        this.boxes.set(g, { label, count });
        return label;
      });
      $('#record-filter').replaceChildren(h('span', { class: 'muted' }, t('show')), ...made);
    }
    for (const [g, { label, count }] of this.boxes) {
      const n = counts.get(g) ?? 0;
      const text = `(${n})`; // digits only, never grouped
      if (count.textContent !== text) count.textContent = text;
      label.hidden = n === 0 && g !== 'alert updates';
    }
  }

  private row(s: State, e: LogEvent, names: Names): HTMLElement {
    const download = (what: 'proof' | 'leaf', file: string) =>
      h(
        'button',
        {
          type: 'button',
          'aria-label': t(what === 'proof' ? 'downloadProof' : 'downloadLeaf', { seq: String(e.seq) }),
          onclick: () => act(() => this.api.download(`/v1/log/entries/${e.seq}/${what}`, file)),
        },
        t(what),
      );
    const at = new Date(e.time);
    const clock = Number.isNaN(at.getTime()) ? e.time : `${at.toISOString().slice(11, 19)}Z`;
    return h(
      'tr',
      { 'data-seq': e.seq, 'data-kind': e.kind, class: entryGroup(e.kind).replace(' ', '-') },
      h('td', { class: 'seq', dir: 'ltr' }, e.seq),
      h('td', { class: 'when', title: e.time }, h('bdi', { dir: 'ltr' }, clock), h('br'), h('bdi', { class: 'muted' }, e.actor)),
      h('td', { class: 'what', title: e.kind }, describeEntry(e, names)),
      h(
        'td',
        { class: 'files' },
        e.seq < s.checkpoint.size ? download('proof', `entry-${e.seq}.tlog-proof`) : h('span', { class: 'muted', title: t('noProofTitle') }, t('noProof')),
        ' ',
        download('leaf', `entry-${e.seq}.leaf`),
      ),
    );
  }
}
