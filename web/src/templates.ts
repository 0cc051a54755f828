// Structured hotline messages in words: a template (an operation's notice with its volume, a request to
// confirm that a site is excluded, a request for a delay, an acknowledgement) as a sentence in the reader's
// language, with the reader's units — heights in metres and feet (and the flight level where one applies),
// times in UTC with their date-time group, declarations by name with the id beside. The sender's free text
// is never translated: the page says so beside it.
//
// Pure: a template (as listed, so `unknown`: another party wrote it) and a language give words. A template
// of a type this page does not read, or with fields it cannot read, is shown as sent, as text. Right to left
// (Arabic), each name or id is set apart from the sentence (a first-strong isolate) and each figure, time and
// date-time group kept left to right (`6 096` is never read `096 6`).

import { define, type Lang, lang, langInfo } from './i18n';
import { grouped, SFC_M } from './text';
import { dtg } from './times';
import { ACK_STATUSES, type AckStatus, field, isRecord, type Template } from './types';

const catalogue = {
  en: {
    notice_decl: 'Notice of operation {declaration}: {window}, heights {band}.',
    notice: 'Notice of an operation: {window}, heights {band}.',
    band: 'from {lower} to {upper}',
    exclusion: 'Request to confirm that {site} is excluded from operations: {window}.',
    delay: 'Request to delay {declaration} by {delay}.',
    ack: 'Acknowledgement: {status}.',
    ack_of: 'Acknowledgement of message {message}: {status}.',
    received: 'received',
    will_comply: 'will comply',
    cannot_comply: 'cannot comply',
    unknown: 'A structured message of a type this page does not read (“{type}”); as sent: {raw}',
    untranslated: 'as written — not translated',
    free: 'free text',
    operation_notice: 'notice of an operation',
    site_exclusion_request: 'request to confirm a site’s exclusion',
    delay_request: 'request for a delay',
    acknowledgement: 'acknowledgement',
    m: 'm',
    ft: 'ft',
    h: 'h',
    min: 'min',
    s: 's',
    months: 'Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec',
  },
  ru: {
    notice_decl: 'Уведомление об операции {declaration}: {window}, высоты {band}.',
    notice: 'Уведомление об операции: {window}, высоты {band}.',
    band: 'от {lower} до {upper}',
    exclusion: 'Прошу подтвердить, что объект {site} исключён из района операций: {window}.',
    delay: 'Прошу отложить {declaration} на {delay}.',
    ack: 'Подтверждение: {status}.',
    ack_of: 'Подтверждение по сообщению {message}: {status}.',
    received: 'получено',
    will_comply: 'будет выполнено',
    cannot_comply: 'выполнить не можем',
    unknown: 'Структурированное сообщение неизвестного этой странице типа («{type}»); как отправлено: {raw}',
    untranslated: 'как написано — без перевода',
    free: 'свободный текст',
    operation_notice: 'уведомление об операции',
    site_exclusion_request: 'запрос подтверждения исключения объекта',
    delay_request: 'запрос на задержку',
    acknowledgement: 'подтверждение',
    m: 'м',
    ft: 'фут',
    h: 'ч',
    min: 'мин',
    s: 'с',
    months: 'января февраля марта апреля мая июня июля августа сентября октября ноября декабря',
  },
  ar: {
    notice_decl: 'إشعار بالعملية {declaration}: {window}، الارتفاعات {band}.',
    notice: 'إشعار بعملية: {window}، الارتفاعات {band}.',
    band: 'من {lower} إلى {upper}',
    exclusion: 'طلب تأكيد استثناء الموقع {site} من العمليات: {window}.',
    delay: 'طلب تأجيل {declaration} مدة {delay}.',
    ack: 'إقرار: {status}.',
    ack_of: 'إقرار بشأن الرسالة {message}: {status}.',
    received: 'تم الاستلام',
    will_comply: 'سيتم الامتثال',
    cannot_comply: 'يتعذر الامتثال',
    unknown: 'رسالة منظمة من نوع لا تقرؤه هذه الصفحة («{type}»)؛ كما أُرسلت: {raw}',
    untranslated: 'كما كُتب — دون ترجمة',
    free: 'نص حر',
    operation_notice: 'إشعار بعملية',
    site_exclusion_request: 'طلب تأكيد استثناء موقع',
    delay_request: 'طلب تأجيل',
    acknowledgement: 'إقرار',
    m: 'م',
    ft: 'قدم',
    h: 'ساعة',
    min: 'دقيقة',
    s: 'ثانية',
    months: 'يناير فبراير مارس أبريل مايو يونيو يوليو أغسطس سبتمبر أكتوبر نوفمبر ديسمبر',
  },
  tr: {
    notice_decl: 'Harekât duyurusu — {declaration}: {window}, irtifa {band}.',
    notice: 'Harekât duyurusu: {window}, irtifa {band}.',
    band: '{lower} ile {upper} arası',
    exclusion: '{site} tesisinin harekât dışında tutulduğunun teyidi talep edilir: {window}.',
    delay: '{declaration} için {delay} erteleme talep edilir.',
    ack: 'Teyit: {status}.',
    ack_of: '{message} mesajına teyit: {status}.',
    received: 'mesaj alındı',
    will_comply: 'gereği yapılacak',
    cannot_comply: 'gereği yapılamayacak',
    unknown: 'Bu sayfanın okuyamadığı türde yapılandırılmış mesaj (“{type}”); gönderildiği gibi: {raw}',
    untranslated: 'yazıldığı gibi — çevrilmedi',
    free: 'serbest metin',
    operation_notice: 'harekât duyurusu',
    site_exclusion_request: 'tesis hariç tutma teyit talebi',
    delay_request: 'erteleme talebi',
    acknowledgement: 'teyit',
    m: 'm',
    ft: 'ft',
    h: 'sa',
    min: 'dk',
    s: 'sn',
    months: 'Ocak Şubat Mart Nisan Mayıs Haziran Temmuz Ağustos Eylül Ekim Kasım Aralık',
  },
};

type Key = keyof typeof catalogue.en;
// Registered with the page's catalogues (complete in every language, checked by the compiler and the unit
// tests); the words below are taken in the language asked for, not only the page's.
define<Key>('templates', catalogue);

const rtl = (l: Lang) => langInfo(l).dir === 'rtl';

/// Right to left: `s` set apart from the sentence around it, in the direction of its first strong letter.
const isolate = (l: Lang, s: string) => (rtl(l) && s ? `\u2068${s}\u2069` : s);

/// Right to left: `s` (a figure, a time, a date-time group) kept left to right.
const fig = (l: Lang, s: string) => (rtl(l) && s ? `\u2066${s}\u2069` : s);

/// The words of `key` in `l`, placeholders filled (each set apart, right to left).
function say(l: Lang, key: Key, p: Record<string, string> = {}): string {
  return catalogue[l][key].replace(/\{(\w+)\}/g, (all: string, name: string) => (name in p ? isolate(l, p[name]) : all));
}

/// The template types this page reads, as the compose form offers them.
export const TEMPLATE_TYPES = ['operation_notice', 'site_exclusion_request', 'delay_request', 'acknowledgement'] as const satisfies readonly Template['type'][];
export type TemplateType = (typeof TEMPLATE_TYPES)[number];

/// A template type's name (or `free` text's) in `l`.
export function typeName(type: TemplateType | 'free', l: Lang = lang()): string {
  return say(l, type);
}

/// An acknowledgement's status in `l`: `will comply`.
export function statusWords(status: AckStatus, l: Lang = lang()): string {
  return say(l, status);
}

/// The label beside free text: it is shown as its writer wrote it.
export function untranslated(l: Lang = lang()): string {
  return say(l, 'untranslated');
}

/// A unit's name in `l` (`m`, `ft`, `h`, `min`, `s`).
export function unit(u: 'm' | 'ft' | 'h' | 'min' | 's', l: Lang = lang()): string {
  return say(l, u);
}

// ---- heights, times, durations ------------------------------------------------------------------------------

const FOOT = 0.3048;

/// A height in metres as metres and feet in `l`, with the flight level from FL030, and the surface as `SFC`
/// (null, or the line's lowest altitude): 6096 → `6 096 м / 20 000 фут (FL200)`.
export function heightWords(m: number | null | undefined, l: Lang = lang()): string {
  if (m === null || m === undefined || m <= SFC_M) return 'SFC';
  if (!Number.isFinite(m)) return '—';
  const ft = m / FOOT;
  const fl = Math.round(ft / 100);
  const level = fl >= 30 ? ` (${fig(l, `FL${String(fl).padStart(3, '0')}`)})` : '';
  return `${fig(l, grouped(m))} ${say(l, 'm')} / ${fig(l, grouped(ft))} ${say(l, 'ft')}${level}`;
}

const two = (n: number) => String(n).padStart(2, '0');
const month = (l: Lang, i: number) => say(l, 'months').split(' ')[i];

/// The date of `ms` in `l`, in UTC: `18 Jun 2017`, `18 июня 2017`.
function dateWords(ms: number, l: Lang): string {
  const d = new Date(ms);
  return `${d.getUTCDate()} ${month(l, d.getUTCMonth())} ${d.getUTCFullYear()}`;
}

const clock = (ms: number) => `${two(new Date(ms).getUTCHours())}:${two(new Date(ms).getUTCMinutes())}Z`;
const group = (l: Lang, ms: number) => fig(l, dtg(ms));

/// A time in UTC in `l` with its date-time group: `18 июня 2017 18:30Z (181830ZJUN17)`. Text that is no time
/// is shown as it is.
export function timeWords(iso: string | number, l: Lang = lang()): string {
  const ms = typeof iso === 'number' ? iso : Date.parse(iso);
  if (!Number.isFinite(ms)) return String(iso);
  return `${dateWords(ms, l)} ${fig(l, clock(ms))} (${group(l, ms)})`;
}

/// A window in UTC in `l`: on one day `18 июня 2017 18:30Z–19:30Z (181830ZJUN17 – 181930ZJUN17)`, else
/// both times in full.
export function windowWords(start: string, end: string, l: Lang = lang()): string {
  const a = Date.parse(start);
  const b = Date.parse(end);
  if (!Number.isFinite(a) || !Number.isFinite(b)) return `${timeWords(start, l)} – ${timeWords(end, l)}`;
  if (dateWords(a, l) === dateWords(b, l)) return `${dateWords(a, l)} ${fig(l, `${clock(a)}–${clock(b)}`)} (${fig(l, `${dtg(a)} – ${dtg(b)}`)})`;
  return `${timeWords(a, l)} – ${timeWords(b, l)}`;
}

/// A duration in seconds in `l`: `45 min`, `1 h 05 min`, `2 ч 00 мин 30 с`.
export function durationWords(seconds: number, l: Lang = lang()): string {
  const t = Math.round(Math.abs(seconds));
  const h = Math.floor(t / 3600);
  const min = Math.floor((t % 3600) / 60);
  const s = t % 60;
  const parts: string[] = [];
  if (h) parts.push(`${h} ${say(l, 'h')}`);
  if (min || (h && s)) parts.push(`${h ? two(min) : min} ${say(l, 'min')}`);
  if (s || !t) parts.push(`${s} ${say(l, 's')}`);
  return parts.join(' ');
}

// ---- templates -----------------------------------------------------------------------------------------------

/// What the reader was given to name what a template refers to.
export interface Lookup {
  /// The reader's party: a declaration of another party is named with its owner beside.
  me?: string;
  /// A declaration's name, when the reader was given one (the owner's, when the template names it).
  declaration(id: string, party?: string): string | undefined;
  /// What the reader knows of a message: its precedence and sender.
  message?(id: string): { precedence?: string; from?: string } | undefined;
}

const NO_NAMES: Lookup = { declaration: () => undefined };

/// A declaration by name with its id beside: `Tabqa strike (us-17)`, or the id alone; one the line says is
/// another party's than the reader's with that party beside (`us-17, ru-gs`), so that a sender's own
/// `us-17` is never read as the reader's.
function declarationWords(id: string, names: Lookup, party?: string): string {
  const name = names.declaration(id, party);
  const label = party !== undefined && names.me !== undefined && party !== names.me ? `${id}, ${party}` : id;
  if (name && name !== id) return `${name} (${label})`;
  return label === id ? id : `${id} (${party})`;
}

function messageWords(id: string, names: Lookup): string {
  const m = names.message?.(id);
  const about = [m?.precedence, m?.from].filter(Boolean).join(', ');
  return about ? `${id} (${about})` : id;
}

const str = (t: unknown, key: string): string | undefined => {
  const v = field(t, key);
  return typeof v === 'string' && v !== '' ? v : undefined;
};
const num = (t: unknown, key: string): number | undefined => {
  const v = field(t, key);
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
};
const isStatus = (v: unknown): v is AckStatus => ACK_STATUSES.some((s) => s === v);

/// A template's type, if it is one this page reads.
export function templateType(t: unknown): TemplateType | undefined {
  const type = field(t, 'type');
  return TEMPLATE_TYPES.find((x) => x === type);
}

/// A template as a sentence in `l`. One of a type this page does not read, or whose fields it cannot read,
/// says so and shows what was sent, as text.
export function templateWords(t: unknown, l: Lang = lang(), names: Lookup = NO_NAMES): string {
  const read = readable(t, l, names);
  if (read !== undefined) return read;
  const type = isRecord(t) ? String(t.type ?? '?') : '?';
  let raw = '';
  try {
    raw = JSON.stringify(t) ?? String(t);
  } catch {
    raw = String(t);
  }
  return say(l, 'unknown', { type: clip(type, 40), raw: clip(raw, 300) });
}

const clip = (s: string, max: number) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

function readable(t: unknown, l: Lang, names: Lookup): string | undefined {
  switch (templateType(t)) {
    case 'operation_notice': {
      const start = str(t, 'start');
      const end = str(t, 'end');
      const upper = num(t, 'upper_m');
      const lowerRaw = field(t, 'lower_m');
      const lower = lowerRaw === null || lowerRaw === undefined ? null : num(t, 'lower_m');
      if (!start || !end || upper === undefined || lower === undefined) return undefined;
      const band = say(l, 'band', { lower: heightWords(lower, l), upper: heightWords(upper, l) });
      const window = windowWords(start, end, l);
      const declaration = str(t, 'declaration');
      return declaration
        ? say(l, 'notice_decl', { declaration: declarationWords(declaration, names, str(t, 'declaration_party')), window, band })
        : say(l, 'notice', { window, band });
    }
    case 'site_exclusion_request': {
      const site = str(t, 'site');
      const start = str(t, 'start');
      const end = str(t, 'end');
      if (!site || !start || !end) return undefined;
      return say(l, 'exclusion', { site: declarationWords(site, names, str(t, 'site_party')), window: windowWords(start, end, l) });
    }
    case 'delay_request': {
      const declaration = str(t, 'declaration');
      const delay = num(t, 'delay_s');
      if (!declaration || delay === undefined) return undefined;
      return say(l, 'delay', { declaration: declarationWords(declaration, names, str(t, 'declaration_party')), delay: durationWords(delay, l) });
    }
    case 'acknowledgement': {
      const status = field(t, 'status');
      if (!isStatus(status)) return undefined;
      const message = str(t, 'message');
      return message
        ? say(l, 'ack_of', { message: messageWords(message, names), status: say(l, status) })
        : say(l, 'ack', { status: say(l, status) });
    }
    default:
      return undefined;
  }
}
