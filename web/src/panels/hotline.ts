// The Hotline panel: what awaits the party first (messages to it not yet acknowledged, those escalated to
// it — the commander's pager — and its own sent messages overdue), then what it received and what it sent;
// each list in a stable order by urgency (FLASH, IMMEDIATE, PRIORITY, ROUTINE, then deadline, then the
// order sent), with deadline countdowns and receipts; acknowledge or answer a message received (with a
// structured acknowledgement, free text, or both); and the compose form, for free text or one of the
// structured messages (templates.ts), whose fields are typed: declarations chosen from those the party sees,
// times as the Declare panel takes them, heights with their unit. The tab's badge counts everything
// awaiting the party.
//
// A structured message reads as a sentence in the reader's language and units; free text is shown as its
// writer wrote it, and says so.

import type { Api } from '../api';
import { lineNow } from '../clock';
import { namesOf } from '../describe';
import { $, $as, control, h } from '../dom';
import { define } from '../i18n';
import { type Card, KeyedList } from '../keyed';
import { act, toast } from '../shell';
import type { State, Store } from '../store';
import type { Sync } from '../sync';
import {
  heightWords,
  type Lookup,
  statusWords,
  TEMPLATE_TYPES,
  type TemplateType,
  templateType,
  templateWords,
  timeWords,
  typeName,
  unit,
  untranslated,
} from '../templates';
import { countdown, shortTime } from '../text';
import { readTime } from '../times';
import {
  ACK_STATUSES,
  type AnswerInput,
  type Answered,
  type DeclarationView,
  MESSAGE_KINDS,
  type MessageInput,
  type MessageView,
  oneOf,
  PRECEDENCES,
  type Receipt,
  type Template,
} from '../types';
import { LIST_MAX } from './conflicts';

const t = define('hotline', {
  en: {
    awaiting: 'Awaiting you',
    received: 'Received',
    sent: 'Sent',
    head: '{title} ({n})',
    head_more: '{title} ({n}) — the first {max} shown',
    awaiting_none: 'Awaiting you: nothing',
    badge_title: '{n} awaiting you: messages not yet acknowledged, escalated to you, or your own overdue',
    deadline: 'deadline {time}',
    cd_acknowledged: 'acknowledged',
    cd_overdue: 'OVERDUE {left}',
    header: '{from} → {to} · {kind} · sent {time}',
    acknowledge: 'Acknowledge',
    answer: 'Answer',
    done_acknowledged: 'Acknowledged',
    done_answered: 'Answered',
    done_sent: 'Sent',
    answer_text: 'answer (free text)',
    answer_label: 'answer to {id}',
    answer_status: 'structured answer to {id}',
    answer_free: '— free text only —',
    answer_empty: 'Choose a structured answer or write one.',
    escalated: '⚠ escalated',
    overdue: 'yours, overdue',
    kind_text: 'text',
    kind_notice: 'notice',
    kind_request: 'request',
    kind_reply: 'reply',
    kind_assistance: 'assistance',
    kind_not_my_forces: 'not my forces',
    r_acknowledged: '{party}: acknowledged {time}',
    r_delivered: '{party}: delivered {time}, not acknowledged',
    r_pending: '{party}: not yet delivered',
    r_answered: ' · answered {time}',
    r_escalated: ' ⚠ escalated to {level} {time}',
    duty_officer: 'duty officer',
    commander: 'commander',
    chief: 'chief',
    compose: 'Compose',
    to: 'To',
    no_parties: 'nobody to write to: an agreement is needed',
    precedence: 'Precedence',
    kind: 'Kind',
    form: 'Form',
    text: 'Text',
    text_optional: 'Free text (optional, sent as written)',
    send: 'Send',
    declaration: 'Declaration',
    declaration_optional: 'Declaration (optional)',
    none: '— none —',
    site: 'Protected site',
    no_sites: '— no protected site shown to you —',
    start: 'Start (UTC: 1830Z, 2017-06-18T18:30Z or 181830ZJUN17)',
    end: 'End (1930Z: the first 19:30Z after the start)',
    lower: 'Lower',
    upper: 'Upper',
    lower_unit: 'lower height unit',
    upper_unit: 'upper height unit',
    delay_min: 'Delay (minutes)',
    message_ref: 'In answer to (optional)',
    status: 'Status',
    read_as: 'read as {time}',
    height_is: '= {height}',
    to_needed: 'Choose at least one recipient.',
  },
  ru: {
    awaiting: 'Ожидают вас',
    received: 'Полученные',
    sent: 'Отправленные',
    head: '{title} ({n})',
    head_more: '{title} ({n}) — показаны первые {max}',
    awaiting_none: 'Ожидают вас: ничего',
    badge_title: 'Ожидают вас: {n} — неподтверждённые сообщения, эскалированные вам и ваши просроченные',
    deadline: 'срок {time}',
    cd_acknowledged: 'подтверждено',
    cd_overdue: 'ПРОСРОЧЕНО {left}',
    header: '{from} → {to} · {kind} · отправлено {time}',
    acknowledge: 'Подтвердить',
    answer: 'Ответить',
    done_acknowledged: 'Подтверждено',
    done_answered: 'Ответ отправлен',
    done_sent: 'Отправлено',
    answer_text: 'ответ (свободный текст)',
    answer_label: 'ответ на {id}',
    answer_status: 'ответ по форме на {id}',
    answer_free: '— только текст —',
    answer_empty: 'Выберите ответ по форме или напишите ответ.',
    escalated: '⚠ эскалировано',
    overdue: 'ваше, просрочено',
    kind_text: 'текст',
    kind_notice: 'уведомление',
    kind_request: 'запрос',
    kind_reply: 'ответ',
    kind_assistance: 'помощь',
    kind_not_my_forces: 'не мои силы',
    r_acknowledged: '{party}: подтверждено {time}',
    r_delivered: '{party}: доставлено {time}, не подтверждено',
    r_pending: '{party}: ещё не доставлено',
    r_answered: ' · ответ {time}',
    r_escalated: ' ⚠ эскалировано: {level} {time}',
    duty_officer: 'дежурный офицер',
    commander: 'командир',
    chief: 'начальник',
    compose: 'Новое сообщение',
    to: 'Кому',
    no_parties: 'писать некому: нужно соглашение',
    precedence: 'Срочность',
    kind: 'Вид',
    form: 'Форма',
    text: 'Текст',
    text_optional: 'Свободный текст (необязательно, передаётся как написан)',
    send: 'Отправить',
    declaration: 'Декларация',
    declaration_optional: 'Декларация (необязательно)',
    none: '— нет —',
    site: 'Охраняемый объект',
    no_sites: '— охраняемых объектов вам не показано —',
    start: 'Начало (UTC: 1830Z, 2017-06-18T18:30Z или 181830ZJUN17)',
    end: 'Окончание (1930Z — первые 19:30Z после начала)',
    lower: 'Нижняя граница',
    upper: 'Верхняя граница',
    lower_unit: 'единица нижней границы',
    upper_unit: 'единица верхней границы',
    delay_min: 'Задержка (минуты)',
    message_ref: 'В ответ на (необязательно)',
    status: 'Статус',
    read_as: 'читается как {time}',
    height_is: '= {height}',
    to_needed: 'Выберите хотя бы одного получателя.',
  },
  ar: {
    awaiting: 'بانتظارك',
    received: 'الواردة',
    sent: 'المرسلة',
    head: '{title} ({n})',
    head_more: '{title} ({n}) — تُعرض أول {max}',
    awaiting_none: 'بانتظارك: لا شيء',
    badge_title: '{n} بانتظارك: رسائل لم يُقَرّ باستلامها بعد، أو صُعّدت إليك، أو رسائلك المتأخرة',
    deadline: 'المهلة {time}',
    cd_acknowledged: 'أُقرّ بالاستلام',
    cd_overdue: 'متأخرة {left}',
    header: '{from} ← {to} · {kind} · أُرسلت {time}',
    acknowledge: 'إقرار بالاستلام',
    answer: 'رد',
    done_acknowledged: 'تم الإقرار بالاستلام',
    done_answered: 'تم الرد',
    done_sent: 'تم الإرسال',
    answer_text: 'الرد (نص حر)',
    answer_label: 'الرد على {id}',
    answer_status: 'رد منظم على {id}',
    answer_free: '— نص فقط —',
    answer_empty: 'اختر ردًا منظمًا أو اكتب ردًا.',
    escalated: '⚠ صُعّدت',
    overdue: 'رسالتك، متأخرة',
    kind_text: 'نص',
    kind_notice: 'إشعار',
    kind_request: 'طلب',
    kind_reply: 'رد',
    kind_assistance: 'مساعدة',
    kind_not_my_forces: 'ليست قواتي',
    r_acknowledged: '{party}: أُقرّ بالاستلام {time}',
    r_delivered: '{party}: سُلّمت {time}، دون إقرار',
    r_pending: '{party}: لم تُسلَّم بعد',
    r_answered: ' · رُدّ عليها {time}',
    r_escalated: ' ⚠ صُعّدت إلى {level} {time}',
    duty_officer: 'ضابط المناوبة',
    commander: 'القائد',
    chief: 'الرئيس',
    compose: 'رسالة جديدة',
    to: 'إلى',
    no_parties: 'لا أحد للمراسلة: يلزم اتفاق',
    precedence: 'الأسبقية',
    kind: 'النوع',
    form: 'الصيغة',
    text: 'النص',
    text_optional: 'نص حر (اختياري، يُرسل كما كُتب)',
    send: 'إرسال',
    declaration: 'الإعلان',
    declaration_optional: 'الإعلان (اختياري)',
    none: '— لا شيء —',
    site: 'الموقع المحمي',
    no_sites: '— لا مواقع محمية معروضة لك —',
    start: 'البداية (UTC: 1830Z أو 2017-06-18T18:30Z أو 181830ZJUN17)',
    end: 'النهاية (1930Z: أول 19:30Z بعد البداية)',
    lower: 'الحد الأدنى',
    upper: 'الحد الأعلى',
    lower_unit: 'وحدة الحد الأدنى',
    upper_unit: 'وحدة الحد الأعلى',
    delay_min: 'التأجيل (بالدقائق)',
    message_ref: 'ردًا على (اختياري)',
    status: 'الحالة',
    read_as: 'تُقرأ: {time}',
    height_is: '= {height}',
    to_needed: 'اختر مستلمًا واحدًا على الأقل.',
  },
  tr: {
    awaiting: 'Sizi bekleyenler',
    received: 'Gelenler',
    sent: 'Gönderilenler',
    head: '{title} ({n})',
    head_more: '{title} ({n}) — ilk {max} gösteriliyor',
    awaiting_none: 'Sizi bekleyen: yok',
    badge_title: 'Sizi bekleyen {n} mesaj: henüz teyit edilmemiş, size iletilmiş ya da süresi geçmiş kendi mesajlarınız',
    deadline: 'son süre {time}',
    cd_acknowledged: 'teyit edildi',
    cd_overdue: 'SÜRESİ GEÇTİ {left}',
    header: '{from} → {to} · {kind} · gönderildi {time}',
    acknowledge: 'Teyit et',
    answer: 'Yanıtla',
    done_acknowledged: 'Teyit edildi',
    done_answered: 'Yanıtlandı',
    done_sent: 'Gönderildi',
    answer_text: 'yanıt (serbest metin)',
    answer_label: '{id} mesajına yanıt',
    answer_status: '{id} mesajına kalıp yanıt',
    answer_free: '— yalnız metin —',
    answer_empty: 'Bir kalıp yanıt seçin ya da yanıt yazın.',
    escalated: '⚠ üst kademeye iletildi',
    overdue: 'sizin, süresi geçti',
    kind_text: 'metin',
    kind_notice: 'duyuru',
    kind_request: 'talep',
    kind_reply: 'yanıt',
    kind_assistance: 'yardım',
    kind_not_my_forces: 'bizim kuvvetimiz değil',
    r_acknowledged: '{party}: teyit etti {time}',
    r_delivered: '{party}: teslim edildi {time}, teyit edilmedi',
    r_pending: '{party}: henüz teslim edilmedi',
    r_answered: ' · yanıtladı {time}',
    r_escalated: ' ⚠ üst kademeye iletildi: {level} {time}',
    duty_officer: 'nöbetçi subay',
    commander: 'komutan',
    chief: 'üst komuta',
    compose: 'Yeni mesaj',
    to: 'Kime',
    no_parties: 'yazılacak kimse yok: bir anlaşma gerekli',
    precedence: 'Öncelik',
    kind: 'Tür',
    form: 'Biçim',
    text: 'Metin',
    text_optional: 'Serbest metin (isteğe bağlı, yazıldığı gibi gönderilir)',
    send: 'Gönder',
    declaration: 'Beyan',
    declaration_optional: 'Beyan (isteğe bağlı)',
    none: '— yok —',
    site: 'Korunan tesis',
    no_sites: '— size gösterilen korunan tesis yok —',
    start: 'Başlangıç (UTC: 1830Z, 2017-06-18T18:30Z veya 181830ZJUN17)',
    end: 'Bitiş (1930Z: başlangıçtan sonraki ilk 19:30Z)',
    lower: 'Alt sınır',
    upper: 'Üst sınır',
    lower_unit: 'alt sınır birimi',
    upper_unit: 'üst sınır birimi',
    delay_min: 'Erteleme (dakika)',
    message_ref: 'Yanıt verilen mesaj (isteğe bağlı)',
    status: 'Durum',
    read_as: 'okunan: {time}',
    height_is: '= {height}',
    to_needed: 'En az bir alıcı seçin.',
  },
});

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

const KINDS: Record<string, Parameters<typeof t>[0]> = {
  text: 'kind_text',
  notice: 'kind_notice',
  request: 'kind_request',
  reply: 'kind_reply',
  assistance: 'kind_assistance',
  not_my_forces: 'kind_not_my_forces',
};
const LEVELS: Record<string, Parameters<typeof t>[0]> = { duty_officer: 'duty_officer', commander: 'commander', chief: 'chief' };

/// A message's kind in words (one this page does not know, as the line gave it).
const kindWords = (kind: string | undefined) => (kind && KINDS[kind] ? t(KINDS[kind]) : (kind ?? ''));
const levelWords = (level: string | undefined) => (level && LEVELS[level] ? t(LEVELS[level]) : (level ?? '?'));

/// The kind a structured message goes as, unless one chooses another.
const KIND_OF: Record<TemplateType, (typeof MESSAGE_KINDS)[number]> = {
  operation_notice: 'notice',
  site_exclusion_request: 'request',
  delay_request: 'request',
  acknowledgement: 'reply',
};

const FOOT = 0.3048;

/// A height field in metres: a number in its unit (`m`, `ft`, `FL` — `FL200` or `200`), to the centimetre;
/// `SFC` is the surface (null). Undefined when the number cannot be read.
export function metresOf(value: string, unit: string): number | null | undefined {
  if (unit === 'SFC') return null;
  const v = value.trim().replace(/^FL\s*/i, '').replace(',', '.');
  const n = Number(v);
  if (v === '' || !Number.isFinite(n)) return undefined;
  const m = unit === 'ft' ? n * FOOT : unit === 'FL' ? n * 100 * FOOT : n;
  return Math.round(m * 100) / 100;
}

/// A deadline's countdown (the element's `data-due`) at the line's time `now` (ms): the time left, the time
/// overdue (red), or that it was acknowledged (`data-done`).
export function showDue(el: HTMLElement, now: number): void {
  const left = Date.parse(el.dataset.due ?? '') - now;
  const done = el.dataset.done === 'true';
  el.textContent = done ? t('cd_acknowledged') : left < 0 ? t('cd_overdue', { left: countdown(-left) }) : countdown(left);
  el.classList.toggle('overdue', !done && left < 0);
}

/// What a message or an answer says: its template as a sentence in the reader's language and units, then
/// its free text as its writer wrote it, labelled so (and laid out in the text's own direction).
export function said(template: unknown, text: string | null | undefined, names: Lookup): HTMLElement[] {
  const out: HTMLElement[] = [];
  if (template !== undefined && template !== null) {
    out.push(h('p', { class: 'template-sentence', dataset: { template: templateType(template) ?? 'unknown' } }, templateWords(template, undefined, names)));
  }
  if (text) {
    out.push(h('div', { class: 'as-written' }, h('span', { class: 'as-written-label' }, untranslated()), h('p', { class: 'free-text', dir: 'auto' }, text)));
  }
  return out;
}

/// The names a party was given, as templates look them up.
function lookupOf(s: State): Lookup {
  const n = namesOf(s);
  return { me: s.who.party, declaration: (id, party) => n.declaration(party, id), message: (id) => n.message(id) };
}

export class HotlinePanel {
  private lists: Record<Section, KeyedList<Listed>>;
  private heads: Record<Section, HTMLElement>;
  private badgeTimer = 0;
  private dueTimer = 0;
  private names: Lookup = { declaration: () => undefined };

  constructor(
    private store: Store,
    private api: Api,
    private sync: Sync,
  ) {
    new Compose(store, api, sync);
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
    // Names come with the declarations: the messages that refer to them are read again.
    store.watch((s) => s.declarations, (s) => this.render(s));
    // A sent message goes overdue with the line's time, not with a list: the sections are checked every 2 s.
    this.badgeTimer = window.setInterval(() => this.recount(), 2000);
    // The countdowns run with the line's clock, four times a second (a minute is 15 s at 60x).
    this.dueTimer = window.setInterval(() => {
      const now = lineNow(this.store.state.clock);
      for (const el of $('#message-list').querySelectorAll<HTMLElement>('[data-due]')) showDue(el, now);
    }, 250);
  }

  stop(): void {
    clearInterval(this.badgeTimer);
    clearInterval(this.dueTimer);
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
    this.names = lookupOf(s);
    const all = sections(s, lineNow(s.clock));
    this.lastAwaiting = all.awaiting.map((l) => l.m.id).join();
    const badge = $('#inbox-count');
    badge.textContent = String(all.awaiting.length);
    badge.title = t('badge_title', { n: all.awaiting.length });
    badge.classList.toggle('none', all.awaiting.length === 0);
    for (const section of ['awaiting', 'received', 'sent'] as const) {
      const list = all[section];
      const p = { title: t(section), n: list.length, max: LIST_MAX };
      this.heads[section].textContent = list.length > LIST_MAX ? t('head_more', p) : t('head', p);
      this.lists[section].render(list.slice(0, LIST_MAX));
    }
    if (!all.awaiting.length) this.heads.awaiting.textContent = t('awaiting_none');
  }

  private card(first: Listed): Card<Listed> {
    const m = first.m;
    const party = this.store.state.who.party;
    // Once acted on, the card may move to another section: the focus leaves it, so that it is not held back.
    const done = (what: Promise<unknown>) =>
      what.then(() => {
        const active = document.activeElement;
        if (active instanceof HTMLElement && el.contains(active)) active.blur();
        return this.sync.messages();
      });
    const badge = h('span', { class: `badge ${m.precedence}` }, m.precedence);
    const flags = h('span', { class: 'flags' });
    const due = h('span', { class: 'countdown', dataset: { due: m.deadline }, title: t('deadline', { time: shortTime(m.deadline) }) });
    const body = h('div', { class: 'message-body' });
    const receipts = h('div', { class: 'receipts' });
    const status = h(
      'select',
      { name: 'answer_status', 'aria-label': t('answer_status', { id: m.id }) },
      h('option', { value: '' }, t('answer_free')),
      ...ACK_STATUSES.map((s) => h('option', { value: s }, statusWords(s))),
    );
    const answer = h('input', { type: 'text', name: 'answer', dir: 'auto', placeholder: t('answer_text'), 'aria-label': t('answer_label', { id: m.id }) });
    const acknowledge = h(
      'button',
      { type: 'button', onclick: () => act(() => done(this.api.post(`/v1/messages/${m.id}/acknowledge`)), t('done_acknowledged')) },
      t('acknowledge'),
    );
    const actions = h(
      'form',
      {
        class: 'actions',
        onsubmit: (ev: Event) => {
          ev.preventDefault();
          const text = answer.value.trim();
          const chosen = oneOf(status.value, ACK_STATUSES);
          if (!text && !chosen) {
            toast(t('answer_empty'), true);
            return;
          }
          const reply: AnswerInput = {};
          if (chosen) reply.template = { type: 'acknowledgement', status: chosen };
          if (text) reply.text = text;
          act(() => done(this.api.post(`/v1/messages/${m.id}/answer`, reply)), t('done_answered'));
        },
      },
      acknowledge,
      status,
      answer,
      h('button', { type: 'submit' }, t('answer')),
    );
    const to = (m.to ?? []).join(', ');
    const el = h(
      'article',
      { class: `card message ${m.precedence}`, 'data-message': m.id, dataset: { template: templateType(m.template) } },
      h('header', {}, badge, ' ', flags, ` ${t('header', { from: m.from, to, kind: kindWords(m.kind), time: shortTime(m.sent) })} `, due),
      body,
      receipts,
      actions,
    );
    let words = '';
    return {
      el,
      update: (l) => {
        const mine = l.m.receipts?.[party];
        const all = Object.entries(l.m.receipts ?? {});
        const acknowledged = l.mine ? all.every(([, r]) => r.acknowledged) : !!mine?.acknowledged;
        due.dataset.done = String(acknowledged);
        showDue(due, lineNow(this.store.state.clock));
        flags.textContent = [l.escalated ? t('escalated') : '', l.mine && l.section === 'awaiting' ? t('overdue') : ''].filter(Boolean).join(' · ');
        el.classList.toggle('escalated', l.escalated);
        // The body is drawn again only when its words change (names arrive with the declarations).
        const now = l.m.template === undefined || l.m.template === null ? '' : templateWords(l.m.template, undefined, this.names);
        if (!body.firstChild || now !== words) {
          words = now;
          body.replaceChildren(...said(l.m.template, l.m.text, this.names));
        }
        receipts.replaceChildren(...all.map(([p, r]) => receiptLine(p, r, this.names)));
        // Acknowledge and answer: a message to the party (or escalated to it) that it has not acknowledged.
        actions.hidden = l.mine || !mine || !!mine.acknowledged;
      },
    };
  }
}

/// A recipient's receipt: delivered, acknowledged, answered (the answer in the reader's words), escalated.
function receiptLine(party: string, r: Receipt, names: Lookup): HTMLElement {
  const answered: Answered | undefined = typeof r.answered === 'string' ? { at: r.answered } : (r.answered ?? undefined);
  const state = r.acknowledged
    ? t('r_acknowledged', { party, time: shortTime(r.acknowledged) })
    : r.delivered
      ? t('r_delivered', { party, time: shortTime(r.delivered) })
      : t('r_pending', { party });
  const line = h(
    'div',
    { class: 'receipt', dataset: { party } },
    h(
      'p',
      { class: 'muted' },
      state,
      answered ? t('r_answered', { time: shortTime(answered.at) }) : '',
      ...(r.escalations ?? []).map((e) =>
        h('span', { class: 'escalation' }, t('r_escalated', { level: levelWords(e.level ?? e.role), time: shortTime(e.time ?? e.at) })),
      ),
    ),
  );
  if (answered && (answered.text || (answered.template !== undefined && answered.template !== null))) {
    line.append(h('div', { class: 'answer' }, ...said(answered.template, answered.text, names)));
  }
  return line;
}

// ---- compose -------------------------------------------------------------------------------------------------

type Form = TemplateType | 'free';

/// The compose form, built here: recipients, precedence, kind, and the form of the message — free text, or a
/// template with its typed fields (only the chosen template's fields are sent or checked).
class Compose {
  private form = $as('#compose', HTMLFormElement);
  private to = h('div', { id: 'to' });
  private parts = new Map<TemplateType, HTMLFieldSetElement>();
  private textLabel = h('span', {});

  constructor(
    private store: Store,
    private api: Api,
    private sync: Sync,
  ) {
    const notice = this.fieldset(
      'operation_notice',
      this.choice('notice_declaration', t('declaration_optional')),
      ...this.time('notice_start', t('start')),
      ...this.time('notice_end', t('end')),
      h(
        'div',
        { class: 'alt' },
        h('label', {}, `${t('lower')} `, h('input', { name: 'notice_lower', value: '0', size: 6, inputmode: 'decimal', autocomplete: 'off' })),
        this.units('notice_lower_unit', t('lower_unit'), ['SFC', 'm', 'ft', 'FL']),
        h('label', {}, `${t('upper')} `, h('input', { name: 'notice_upper', value: '300', size: 6, inputmode: 'decimal', required: true, autocomplete: 'off' })),
        this.units('notice_upper_unit', t('upper_unit'), ['FL', 'm', 'ft']),
      ),
      note('notice_lower'),
      note('notice_upper'),
    );
    const exclusion = this.fieldset(
      'site_exclusion_request',
      this.choice('site', t('site'), true),
      ...this.time('site_start', t('start')),
      ...this.time('site_end', t('end')),
    );
    const delay = this.fieldset(
      'delay_request',
      this.choice('delay_declaration', t('declaration'), true),
      h('label', {}, `${t('delay_min')} `, h('input', { name: 'delay_min', type: 'number', min: 1, max: 1440, step: 1, value: 30, required: true })),
    );
    const ack = this.fieldset(
      'acknowledgement',
      this.choice('ack_message', t('message_ref')),
      h(
        'label',
        {},
        `${t('status')} `,
        h('select', { name: 'ack_status' }, ...ACK_STATUSES.map((s) => h('option', { value: s }, statusWords(s)))),
      ),
    );
    this.form.setAttribute('aria-label', t('compose'));
    this.form.replaceChildren(
      h('h3', {}, t('compose')),
      h('fieldset', {}, h('legend', {}, t('to')), this.to),
      h(
        'label',
        {},
        `${t('precedence')} `,
        h('select', { name: 'precedence' }, ...PRECEDENCES.map((p) => h('option', { value: p, selected: p === 'ROUTINE' }, p))),
      ),
      h('label', {}, `${t('kind')} `, h('select', { name: 'kind' }, ...MESSAGE_KINDS.map((k) => h('option', { value: k }, kindWords(k))))),
      h(
        'label',
        {},
        `${t('form')} `,
        h(
          'select',
          { name: 'form' },
          h('option', { value: 'free' }, typeName('free')),
          ...TEMPLATE_TYPES.map((type) => h('option', { value: type }, typeName(type))),
        ),
      ),
      notice,
      exclusion,
      delay,
      ack,
      h('label', {}, this.textLabel, ' ', h('textarea', { name: 'text', rows: 3, dir: 'auto' })),
      h('button', { type: 'submit' }, t('send')),
    );
    this.form.addEventListener('submit', (ev) => this.send(ev));
    this.form.addEventListener('change', (ev) => {
      const name = ev.target instanceof HTMLSelectElement ? ev.target.name : '';
      if (name === 'form') this.chosen(true);
      if (name === 'notice_lower_unit') this.showForm();
      this.readBack();
    });
    this.form.addEventListener('input', () => this.readBack());
    this.form.addEventListener('reset', () => setTimeout(() => this.chosen(false)));
    store.watch((s) => s.parties, (s) => this.renderRecipients(s), true);
    store.watch((s) => s.declarations, (s) => this.renderChoices(s), true);
    store.watch((s) => s.boxes, (s) => this.renderMessages(s), true);
    this.chosen(false);
  }

  private fieldset(type: TemplateType, ...children: HTMLElement[]): HTMLFieldSetElement {
    const set = h('fieldset', { class: 'template-fields', 'data-template': type }, h('legend', {}, typeName(type)), ...children);
    this.parts.set(type, set);
    return set;
  }

  /// A list to choose a declaration (or a message) from, filled from the store.
  private choice(name: string, label: string, required = false): HTMLElement {
    return h('label', {}, `${label} `, h('select', { name, required }));
  }

  private time(name: string, label: string): HTMLElement[] {
    return [h('label', {}, `${label} `, h('input', { name, required: true, autocomplete: 'off', spellcheck: 'false' })), note(name)];
  }

  private units(name: string, label: string, units: string[]): HTMLSelectElement {
    const words: Record<string, string> = { m: unit('m'), ft: unit('ft') };
    return h('select', { name, 'aria-label': label }, ...units.map((u) => h('option', { value: u }, words[u] ?? u)));
  }

  private select(name: string): HTMLSelectElement {
    const el = control(this.form, name);
    if (!(el instanceof HTMLSelectElement)) throw new Error(`${name} is not a list`);
    return el;
  }

  private current(): Form {
    return oneOf(this.select('form').value, TEMPLATE_TYPES) ?? 'free';
  }

  /// Shows the chosen form's fields (the others are disabled: neither sent nor checked); `changed` when
  /// one chose it, which also sets the kind it goes as.
  private chosen(changed: boolean): void {
    const form = this.current();
    if (changed && form !== 'free') this.select('kind').value = KIND_OF[form];
    this.showForm();
    this.readBack();
  }

  private showForm(): void {
    const form = this.current();
    for (const [type, set] of this.parts) {
      set.hidden = type !== form;
      set.disabled = type !== form;
    }
    const text = control(this.form, 'text');
    text.required = form === 'free';
    this.textLabel.textContent = form === 'free' ? t('text') : t('text_optional');
    const lower = control(this.form, 'notice_lower');
    lower.required = this.select('notice_lower_unit').value !== 'SFC';
  }

  /// Beside each time, the time it was read as; beside each height, metres and feet.
  private readBack(): void {
    const now = lineNow(this.store.state.clock);
    const value = (name: string) => control(this.form, name).value;
    for (const [a, b] of [
      ['notice_start', 'notice_end'],
      ['site_start', 'site_end'],
    ]) {
      const start = readTime(value(a), now);
      const end = readTime(value(b), now, start.ms);
      this.note(a, start.ms === undefined ? '' : t('read_as', { time: timeWords(start.ms) }));
      this.note(b, end.ms === undefined ? '' : t('read_as', { time: timeWords(end.ms) }));
    }
    for (const name of ['notice_lower', 'notice_upper']) {
      const m = metresOf(value(name), value(`${name}_unit`));
      this.note(name, m === undefined ? '' : t('height_is', { height: heightWords(m) }));
    }
  }

  private note(name: string, text: string): void {
    const el = this.form.querySelector(`.field-note[data-for="${name}"]`);
    if (el) el.textContent = text;
  }

  /// The compose form's recipients: every party one has an agreement with.
  private renderRecipients(s: State): void {
    const others = s.parties.filter((p) => p !== s.who.party);
    this.to.replaceChildren(
      ...others.map((p) => h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'to', value: p }), p)),
      ...(others.length ? [] : [h('span', { class: 'muted' }, t('no_parties'))]),
    );
  }

  /// The declarations one may refer to: those the party sees, by party (its own first), by name with the id
  /// beside; protected sites only, for a site's exclusion.
  private renderChoices(s: State): void {
    const me = s.who.party;
    const label = (d: DeclarationView) => {
      const name = d.declaration.name;
      return name && name !== d.id ? `${name} (${d.id})` : d.id;
    };
    const groups = (list: DeclarationView[]) => {
      const parties = [...new Set(list.map((d) => d.party))].sort((a, b) => Number(b === me) - Number(a === me) || a.localeCompare(b));
      return parties.map((p) =>
        h(
          'optgroup',
          { label: p },
          ...list
            .filter((d) => d.party === p)
            .sort((a, b) => label(a).localeCompare(label(b)))
            .map((d) => h('option', { value: d.id }, label(d))),
        ),
      );
    };
    const fill = (name: string, list: DeclarationView[], empty?: string) => {
      const el = this.select(name);
      const was = el.value;
      el.replaceChildren(...(empty !== undefined ? [h('option', { value: '' }, empty)] : []), ...groups(list));
      if ([...el.options].some((o) => o.value === was)) el.value = was;
    };
    fill('notice_declaration', s.declarations, t('none'));
    const sites = s.declarations.filter((d) => d.declaration.kind === 'site');
    fill('site', sites, sites.length ? undefined : t('no_sites'));
    fill('delay_declaration', s.declarations);
  }

  /// The messages one may acknowledge by a message of its own: those it received.
  private renderMessages(s: State): void {
    const el = this.select('ack_message');
    const was = el.value;
    const seen = new Set<string>();
    const names = lookupOf(s);
    const options = [...s.boxes.inbox, ...s.boxes.escalated]
      .filter((m) => !seen.has(m.id) && seen.add(m.id))
      .sort(byUrgency)
      .map((m) => {
        const said = m.text || (m.template ? templateWords(m.template, undefined, names) : '');
        const gist = said ? `: ${said.length > 40 ? `${said.slice(0, 39)}…` : said}` : '';
        return h('option', { value: m.id }, `${m.id} · ${m.precedence} · ${m.from}${gist}`);
      });
    el.replaceChildren(h('option', { value: '' }, t('none')), ...options);
    if ([...el.options].some((o) => o.value === was)) el.value = was;
  }

  /// The chosen template from the form's fields: times read as the Declare panel reads them (the line names
  /// any it cannot read), heights in metres, the delay in seconds.
  private template(form: Form): Template | undefined {
    const value = (name: string) => control(this.form, name).value.trim();
    const now = lineNow(this.store.state.clock);
    const times = (a: string, b: string) => {
      const start = readTime(value(a), now);
      return { start: start.send, end: readTime(value(b), now, start.ms).send };
    };
    switch (form) {
      case 'operation_notice': {
        const declaration = value('notice_declaration');
        return {
          type: 'operation_notice',
          ...(declaration ? { declaration } : {}),
          ...times('notice_start', 'notice_end'),
          lower_m: metresOf(value('notice_lower'), value('notice_lower_unit')) ?? null,
          upper_m: metresOf(value('notice_upper'), value('notice_upper_unit')) ?? Number.NaN,
        };
      }
      case 'site_exclusion_request':
        return { type: 'site_exclusion_request', site: value('site'), ...times('site_start', 'site_end') };
      case 'delay_request':
        return { type: 'delay_request', declaration: value('delay_declaration'), delay_s: Math.round(Number(value('delay_min')) * 60) };
      case 'acknowledgement': {
        const message = value('ack_message');
        return { type: 'acknowledgement', ...(message ? { message } : {}), status: oneOf(value('ack_status'), ACK_STATUSES) ?? 'received' };
      }
      default:
        return undefined;
    }
  }

  private async send(ev: SubmitEvent): Promise<void> {
    ev.preventDefault();
    const data = new FormData(this.form);
    const to = data.getAll('to').map(String);
    if (!to.length) {
      toast(t('to_needed'), true);
      return;
    }
    const form = this.current();
    const text = control(this.form, 'text').value;
    const body: MessageInput = {
      to,
      precedence: oneOf(control(this.form, 'precedence').value, PRECEDENCES),
      kind: oneOf(control(this.form, 'kind').value, MESSAGE_KINDS),
    };
    const template = this.template(form);
    if (template) body.template = template;
    if (!template || text.trim()) body.text = text;
    await act(async () => {
      await this.api.post('/v1/messages', body);
      this.form.reset();
      await this.sync.messages();
    }, t('done_sent'));
  }
}

const note = (name: string) => h('p', { class: 'field-note', 'data-for': name, 'aria-live': 'polite' });
