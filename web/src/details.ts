// The map's details box: what a click on the map picked (a declaration's volume, a track, an alert), and for
// one's own declaration the lifecycle actions valid for its status (activate, end), and cancelling it — a
// destructive step, asked for by name and confirmed, apart from the box's × that only closes it. A
// declaration's status is the line's, read against the line's time (lifecycle.ts).

import type { Api } from './api';
import { lineNow } from './clock';
import { alertWords, kindText } from './describe';
import { $, h } from './dom';
import { define } from './i18n';
import { type LifecycleAction, statusShown, windowOf } from './lifecycle';
import type { Props } from './overlay';
import { act } from './shell';
import type { Store } from './store';
import type { Sync } from './sync';
import { bandText, heightText, shortTime } from './text';

const round = (v: unknown) => Math.round(Number(v));

const t = define('details', {
  en: {
    declaration: 'declaration',
    party: 'party',
    kind: 'kind',
    status: 'status',
    heights: 'heights',
    time: 'time',
    alert: 'alert',
    track: 'track',
    height: 'height',
    parties: 'parties',
    speedTrack: 'speed, track',
    reported: 'reported',
    named: '{name} ({id})',
    you: '{party} (you)',
    statusDetail: '{label} ({detail})',
    trackOf: '{track} of {party}',
    speed: '{mps} m/s ({kt} kt), {deg}°',
    closeDetails: 'close details',
    close: 'Close',
    activate: 'Activate',
    end: 'End',
    activated: '{label}: activated',
    ended: '{label}: ended',
    cancelled: '{label}: cancelled',
    confirmCancelling: 'confirm cancelling {label}',
    yesCancel: 'Yes, cancel {id}',
    keepIt: 'Keep it',
    question: 'Cancel the declaration {label}? It is withdrawn from every party it was shared with, and its conflicts are closed. This cannot be undone.',
    cancelDeclaration: 'Cancel declaration…',
  },
  ru: {
    declaration: 'заявка',
    party: 'сторона',
    kind: 'вид',
    status: 'статус',
    heights: 'высоты',
    time: 'время',
    alert: 'тревога',
    track: 'трек',
    height: 'высота',
    parties: 'стороны',
    speedTrack: 'скорость, путевой угол',
    reported: 'донесение',
    named: '{name} ({id})',
    you: '{party} (вы)',
    statusDetail: '{label} ({detail})',
    trackOf: '{track} стороны {party}',
    speed: '{mps} м/с ({kt} уз), {deg}°',
    closeDetails: 'закрыть подробности',
    close: 'Закрыть',
    activate: 'Активировать',
    end: 'Завершить',
    activated: '{label}: активирована',
    ended: '{label}: завершена',
    cancelled: '{label}: отменена',
    confirmCancelling: 'подтвердите отмену {label}',
    yesCancel: 'Да, отменить {id}',
    keepIt: 'Оставить',
    question: 'Отменить заявку {label}? Она будет отозвана у всех сторон, с которыми ею поделились, а её конфликты закрыты. Это необратимо.',
    cancelDeclaration: 'Отменить заявку…',
  },
  ar: {
    declaration: 'الإعلان',
    party: 'الطرف',
    kind: 'النوع',
    status: 'الحالة',
    heights: 'الارتفاعات',
    time: 'الوقت',
    alert: 'الإنذار',
    track: 'المسار',
    height: 'الارتفاع',
    parties: 'الأطراف',
    speedTrack: 'السرعة، الاتجاه',
    reported: 'وقت البلاغ',
    named: '{name} ({id})',
    you: '{party} (أنت)',
    statusDetail: '{label} ({detail})',
    trackOf: '{track} التابع لـ {party}',
    speed: '{mps} م/ث ({kt} عقدة)، {deg}°',
    closeDetails: 'إغلاق التفاصيل',
    close: 'إغلاق',
    activate: 'تفعيل',
    end: 'إنهاء',
    activated: '{label}: فُعِّل',
    ended: '{label}: أُنهي',
    cancelled: '{label}: أُلغي',
    confirmCancelling: 'تأكيد إلغاء {label}',
    yesCancel: 'نعم، ألغِ {id}',
    keepIt: 'أبقِه',
    question: 'إلغاء الإعلان {label}؟ سيُسحب من كل طرف شورك معه، وتُغلق تعارضاته. لا يمكن التراجع عن ذلك.',
    cancelDeclaration: 'إلغاء الإعلان…',
  },
  tr: {
    declaration: 'beyan',
    party: 'taraf',
    kind: 'tür',
    status: 'durum',
    heights: 'irtifalar',
    time: 'zaman',
    alert: 'alarm',
    track: 'iz',
    height: 'irtifa',
    parties: 'taraflar',
    speedTrack: 'sürat, rota',
    reported: 'bildirildi',
    named: '{name} ({id})',
    you: '{party} (siz)',
    statusDetail: '{label} ({detail})',
    trackOf: '{party} tarafının {track} izi',
    speed: '{mps} m/sn ({kt} kt), {deg}°',
    closeDetails: 'ayrıntıları kapat',
    close: 'Kapat',
    activate: 'Etkinleştir',
    end: 'Sonlandır',
    activated: '{label}: etkinleştirildi',
    ended: '{label}: sonlandırıldı',
    cancelled: '{label}: iptal edildi',
    confirmCancelling: '{label} iptalini onaylayın',
    yesCancel: 'Evet, {id} iptal edilsin',
    keepIt: 'Kalsın',
    question: '{label} beyanı iptal edilsin mi? Paylaşıldığı tüm taraflardan geri çekilir ve çatışmaları kapatılır. Bu geri alınamaz.',
    cancelDeclaration: 'Beyanı iptal et…',
  },
});

type Row = [key: string, label: string, value: unknown];

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
    const str = (v: unknown) => String(v ?? '');
    // Each row: its key (the same in every language), its label, its value.
    const rows: Row[] =
      p.what === 'declaration'
        ? [
            ['declaration', t('declaration'), p.name && p.name !== p.id ? t('named', { name: str(p.name), id: str(p.id) }) : p.id],
            ['party', t('party'), p.party === s.who.party ? t('you', { party: str(p.party) }) : p.party],
            ['kind', t('kind'), kindText(typeof p.kind === 'string' ? p.kind : undefined)],
            ['status', t('status'), status ? (status.detail ? t('statusDetail', { label: status.label, detail: status.detail }) : status.label) : p.status],
            ['heights', t('heights'), bandText(Number(p.lower_m), Number(p.upper_m))],
            ['time', t('time'), `${shortTime(String(p.startText))} – ${shortTime(String(p.endText))}`],
          ]
        : p.what === 'alert'
          ? [
              ['alert', t('alert'), this.alertText(String(p.alert))],
              ['track', t('track'), t('trackOf', { track: str(p.callsign || p.id), party: str(p.party) })],
              ['height', t('height'), heightText(Number(p.alt_m))],
              ['parties', t('parties'), p.parties],
            ]
          : [
              ['track', t('track'), `${p.callsign || p.id}`],
              ['party', t('party'), p.party],
              ['height', t('height'), heightText(Number(p.alt_m))],
              ['speed, track', t('speedTrack'), t('speed', { mps: String(round(p.gs_mps)), kt: String(round(Number(p.gs_mps) * 1.943844)), deg: String(round(p.trk_deg)) })],
              ['reported', t('reported'), shortTime(typeof p.reported === 'string' ? p.reported : undefined)],
            ];
    const box = this.box;
    box.replaceChildren(
      h('button', { type: 'button', class: 'close', 'aria-label': t('closeDetails'), title: t('close'), onclick: () => (box.hidden = true) }, '×'),
      h('dl', {}, ...rows.flatMap(([k, label, v]) => [h('dt', {}, label), h('dd', { 'data-row': k }, String(v ?? '—'))])),
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
    const label = d.declaration.name && d.declaration.name !== id ? t('named', { name: d.declaration.name, id }) : id;
    const { actions } = this.status(d.status, d.outline);
    const run = (action: LifecycleAction, done: 'activated' | 'ended' | 'cancelled') =>
      act(async () => {
        await this.api.post(`/v1/declarations/${encodeURIComponent(id)}/${action}`, undefined, { 'If-Match': `"${d.version}"` });
        this.box.hidden = true;
        await this.sync.declarations();
      }, t(done, { label }));
    const step = (action: LifecycleAction, text: string, done: 'activated' | 'ended') =>
      h('button', { type: 'button', 'data-action': action, onclick: () => run(action, done) }, text);
    const row = h(
      'div',
      { class: 'actions' },
      actions.includes('activate') ? step('activate', t('activate'), 'activated') : null,
      actions.includes('end') ? step('end', t('end'), 'ended') : null,
    );
    if (!actions.includes('cancel')) return row;
    // Cancelling withdraws the declaration from every party it was shared with: asked for, then confirmed.
    const question = h('p', {});
    const confirm = h(
      'div',
      { class: 'confirm', role: 'alertdialog', 'aria-label': t('confirmCancelling', { label }), hidden: true },
      // Its words are written when it is asked for (a hidden copy of the name would be found by a search).
      question,
      h(
        'div',
        { class: 'actions' },
        h('button', { type: 'button', class: 'danger', onclick: () => run('cancel', 'cancelled') }, t('yesCancel', { id })),
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
          t('keepIt'),
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
          question.textContent = t('question', { label });
          confirm.hidden = false;
          // The safe answer has the focus: Enter keeps the declaration.
          confirm.querySelector<HTMLButtonElement>('button.keep')?.focus();
        },
      },
      t('cancelDeclaration'),
    );
    row.append(ask);
    return h('div', {}, row, confirm);
  }
}
