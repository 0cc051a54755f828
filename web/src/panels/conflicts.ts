// The Conflicts panel: the party's open live alerts (each can frame its tracks on the map), then its
// conflicts, filtered by state, each with acknowledge, accept, dispute (with a reason), advice and "Map".
// Alerts and conflicts are drawn apart, each as a keyed list of cards updated in place: a live alert's
// update (about once a second on a busy line) never touches a conflict's card, and a card being worked in
// (a reason being typed, advice being read) is never replaced. Every word is the page's language's; names,
// reasons and the line's figures are as given.

import type { Api } from '../api';
import { type Names, alertWords, declarationLabel, namesOf } from '../describe';
import { $, $as, h } from '../dom';
import { define } from '../i18n';
import { type Card, KeyedList } from '../keyed';
import type { Picture } from '../picture';
import { act } from '../shell';
import type { State, Store } from '../store';
import type { Sync } from '../sync';
import { describeAdvice, separationText, shortTime } from '../text';
import type { AdviceAnswer, AlertView, ConflictView } from '../types';

/// Cards drawn at most in one list (the map shows everything).
export const LIST_MAX = 100;

const t = define('conflicts', {
  en: {
    all: 'all',
    open: 'open',
    acknowledged: 'acknowledged',
    accepted: 'accepted',
    disputed: 'disputed',
    resolved: 'resolved',
    count: '{n} {state}',
    counts_none: 'none',
    more: 'The first {max} of {n} are shown.',
    alerts_head: 'Live alerts ({n})',
    alerts_more: 'The latest {max} are shown; all flash on the map.',
    incursion: 'Incursion predicted',
    los: 'Loss of separation',
    at_risk: 'Separation at risk',
    raised: 'raised {time}',
    predicted: ' · predicted {start} – {end}',
    show_on_map: 'Show on map',
    reason_placeholder: 'reason (e.g. not my forces)',
    reason_label: 'reason for dispute',
    acknowledge: 'Acknowledge',
    accept: 'Accept',
    dispute: 'Dispute',
    advice: 'Advice',
    map: 'Map',
    done_acknowledged: 'Acknowledged',
    done_accepted: 'Accepted',
    done_disputed: 'Disputed',
    asking: 'Asking the line…',
    when: '{start} – {end} · {separation}',
    under: 'under {agreements}',
    said_acknowledged: 'you acknowledged it {time}',
    said_accepted: 'accepted {time}',
    said_disputed: 'disputed {time}',
    said_resolved: 'resolved',
    said_outcome: 'resolved ({outcome})',
  },
  ru: {
    all: 'все',
    open: 'открыт',
    acknowledged: 'подтверждён',
    accepted: 'принят',
    disputed: 'оспорен',
    resolved: 'урегулирован',
    count: '{state}: {n}',
    counts_none: 'нет',
    more: 'Показаны первые {max} из {n}.',
    alerts_head: 'Действующие предупреждения ({n})',
    alerts_more: 'Показаны последние {max}; на карте мигают все.',
    incursion: 'Прогнозируется вторжение',
    los: 'Нарушение эшелонирования',
    at_risk: 'Угроза нарушения эшелонирования',
    raised: 'объявлено {time}',
    predicted: ' · прогноз {start} – {end}',
    show_on_map: 'Показать на карте',
    reason_placeholder: 'причина (например, не мои силы)',
    reason_label: 'причина оспаривания',
    acknowledge: 'Подтвердить',
    accept: 'Принять',
    dispute: 'Оспорить',
    advice: 'Рекомендация',
    map: 'Карта',
    done_acknowledged: 'Подтверждено',
    done_accepted: 'Принято',
    done_disputed: 'Оспорено',
    asking: 'Запрос к линии…',
    when: '{start} – {end} · {separation}',
    under: 'по соглашению {agreements}',
    said_acknowledged: 'вы подтвердили {time}',
    said_accepted: 'принят {time}',
    said_disputed: 'оспорен {time}',
    said_resolved: 'урегулирован',
    said_outcome: 'урегулирован ({outcome})',
  },
  ar: {
    all: 'الكل',
    open: 'مفتوح',
    acknowledged: 'مُقَرّ به',
    accepted: 'مقبول',
    disputed: 'مُعترَض عليه',
    resolved: 'تمت تسويته',
    count: '{state}: {n}',
    counts_none: 'لا شيء',
    more: 'تُعرض أول {max} من {n}.',
    alerts_head: 'تنبيهات حية ({n})',
    alerts_more: 'تُعرض آخر {max}؛ وتومض جميعها على الخريطة.',
    incursion: 'توغل متوقع',
    los: 'فقدان الفصل',
    at_risk: 'الفصل في خطر',
    raised: 'صدر {time}',
    predicted: ' · متوقع {start} – {end}',
    show_on_map: 'عرض على الخريطة',
    reason_placeholder: 'السبب (مثلًا: ليست قواتي)',
    reason_label: 'سبب الاعتراض',
    acknowledge: 'إقرار',
    accept: 'قبول',
    dispute: 'اعتراض',
    advice: 'توصية',
    map: 'الخريطة',
    done_acknowledged: 'تم الإقرار',
    done_accepted: 'تم القبول',
    done_disputed: 'تم الاعتراض',
    asking: 'جارٍ سؤال الخط…',
    when: '{start} – {end} · {separation}',
    under: 'بموجب {agreements}',
    said_acknowledged: 'أقررتَ به {time}',
    said_accepted: 'قُبل {time}',
    said_disputed: 'اعتُرض عليه {time}',
    said_resolved: 'تمت تسويته',
    said_outcome: 'تمت تسويته ({outcome})',
  },
  tr: {
    all: 'tümü',
    open: 'açık',
    acknowledged: 'teyit edildi',
    accepted: 'kabul edildi',
    disputed: 'itiraz edildi',
    resolved: 'çözüldü',
    count: '{n} {state}',
    counts_none: 'yok',
    more: 'İlk {max} / {n} gösteriliyor.',
    alerts_head: 'Canlı uyarılar ({n})',
    alerts_more: 'Son {max} uyarı gösteriliyor; hepsi haritada yanıp söner.',
    incursion: 'İhlal öngörülüyor',
    los: 'Ayırma kaybı',
    at_risk: 'Ayırma risk altında',
    raised: 'verildi {time}',
    predicted: ' · öngörülen {start} – {end}',
    show_on_map: 'Haritada göster',
    reason_placeholder: 'gerekçe (ör. bizim kuvvetimiz değil)',
    reason_label: 'itiraz gerekçesi',
    acknowledge: 'Teyit et',
    accept: 'Kabul et',
    dispute: 'İtiraz et',
    advice: 'Tavsiye',
    map: 'Harita',
    done_acknowledged: 'Teyit edildi',
    done_accepted: 'Kabul edildi',
    done_disputed: 'İtiraz edildi',
    asking: 'Hatta soruluyor…',
    when: '{start} – {end} · {separation}',
    under: '{agreements} kapsamında',
    said_acknowledged: 'teyit ettiniz {time}',
    said_accepted: 'kabul edildi {time}',
    said_disputed: 'itiraz edildi {time}',
    said_resolved: 'çözüldü',
    said_outcome: 'çözüldü ({outcome})',
  },
});

const STATES = ['open', 'acknowledged', 'accepted', 'disputed', 'resolved'] as const;

/// A conflict's state in words (one this page does not know, as the line gave it).
export function stateWords(state: string): string {
  const known = STATES.find((x) => x === state);
  return known ? t(known) : state;
}

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
  if (a.kind === 'incursion') return t('incursion');
  return a.los ? t('los') : t('at_risk');
}

/// When an alert was raised, and an incursion's window.
function alertWhen(a: AlertView): string {
  const window = a.kind === 'incursion' && a.start ? t('predicted', { start: shortTime(a.start), end: shortTime(a.end) }) : '';
  return `${t('raised', { time: shortTime(a.raised) })}${window}`;
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
    // The filter's choices (the page's markup) in words; their values stay the states'.
    for (const o of this.filter.options) o.textContent = o.value === 'all' ? t('all') : stateWords(o.value);
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
    this.alertHead.textContent = open.length ? t('alerts_head', { n: open.length }) : '';
    this.alertHead.hidden = !open.length;
    this.alertNote.textContent = open.length > LIST_MAX ? t('alerts_more', { max: LIST_MAX }) : '';
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
        .map(([k, v]) => t('count', { n: v, state: stateWords(k) }))
        .join(' · ') || t('counts_none');
    const more = $('#conflict-more');
    more.hidden = list.length <= LIST_MAX;
    more.textContent = t('more', { max: LIST_MAX, n: list.length });
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
      h('button', { type: 'button', onclick: () => this.picture.map.fit([(current.tracks ?? []).map((x) => [x.lon, x.lat])]) }, t('show_on_map')),
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
    const reason = h('input', { type: 'text', name: 'reason', required: true, maxlength: 2000, placeholder: t('reason_placeholder'), 'aria-label': t('reason_label'), dir: 'auto' });
    const acknowledge = h('button', { type: 'button', onclick: () => act(() => post('acknowledge'), t('done_acknowledged')) }, t('acknowledge'));
    const accept = h('button', { type: 'button', onclick: () => act(() => post('accept'), t('done_accepted')) }, t('accept'));
    const dispute = h(
      'form',
      {
        class: 'dispute',
        onsubmit: (ev: Event) => {
          ev.preventDefault();
          act(async () => {
            await post('dispute', { reason: reason.value.trim() });
            reason.value = '';
          }, t('done_disputed'));
        },
      },
      reason,
      h('button', { type: 'submit' }, t('dispute')),
    );
    const adviceButton = h(
      'button',
      {
        type: 'button',
        onclick: () =>
          act(async () => {
            advice.textContent = t('asking');
            const a = await this.api.get<AdviceAnswer>(`/v1/declarations/${encodeURIComponent(own())}/advice`);
            advice.textContent = describeAdvice(a.advice);
          }),
      },
      t('advice'),
    );
    const el = h(
      'article',
      { class: 'card conflict', 'data-conflict': id },
      h('header', {}, heading, badge),
      when,
      under,
      stance,
      h('div', { class: 'actions' }, acknowledge, accept, adviceButton, h('button', { type: 'button', onclick: () => this.picture.focus(own(), this.otherRings(row.c)) }, t('map'))),
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
        badge.textContent = stateWords(state);
        when.textContent = t('when', { start: shortTime(c.start), end: shortTime(c.end), separation: separationText(c.distance_m, c.vertical_gap_m) });
        under.textContent = c.agreements?.length ? t('under', { agreements: c.agreements.join(', ') }) : '';
        under.hidden = !c.agreements?.length;
        const mine = c.parties?.[me] ?? {};
        const closed = c.status === 'resolved';
        const said = [
          mine.acknowledged ? t('said_acknowledged', { time: shortTime(mine.acknowledged) }) : '',
          mine.accepted ? t('said_accepted', { time: shortTime(mine.accepted) }) : '',
          mine.disputed ? `${t('said_disputed', { time: shortTime(mine.disputed.at) })}${mine.disputed.reason ? `: “${mine.disputed.reason}”` : ''}` : '',
          closed ? (c.outcome && c.outcome !== 'resolved' ? t('said_outcome', { outcome: stateWords(String(c.outcome)) }) : t('said_resolved')) : '',
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
