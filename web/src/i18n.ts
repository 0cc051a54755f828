// The page's languages: English, Russian, Arabic (right to left) and Turkish. Every module that puts words on
// the page defines its own catalogue with `define`; the compiler refuses a catalogue in which a language lacks
// a key English has, so no label can be left untranslated in one language only. Numbers, dates and plural
// forms follow the chosen language through `Intl`; digits stay Latin in every language (a figure read over a
// radio must not change its shape).
//
// The language is chosen per user (the credential signed in, `Whoami.you`) and remembered in this browser;
// before sign-in the page uses the last language chosen here, else the browser's own if it is one of ours.
// Changing it reloads the page (the tab's sign-in survives), so nothing drawn keeps an old language.

export type Lang = 'en' | 'ru' | 'ar' | 'tr';

export interface LangInfo {
  code: Lang;
  /// The language's name in itself, as the chooser shows it.
  name: string;
  dir: 'ltr' | 'rtl';
  /// The locale `Intl` is given: Latin digits everywhere.
  locale: string;
}

export const LANGS: readonly LangInfo[] = [
  { code: 'en', name: 'English', dir: 'ltr', locale: 'en-GB' },
  { code: 'ru', name: 'Русский', dir: 'ltr', locale: 'ru-RU' },
  { code: 'ar', name: 'العربية', dir: 'rtl', locale: 'ar-u-nu-latn' },
  { code: 'tr', name: 'Türkçe', dir: 'ltr', locale: 'tr-TR' },
];

export type Params = Record<string, string | number>;
/// A message: a plain string with `{name}` placeholders, or a function of the parameters (for plurals and
/// word order a template cannot express).
export type Msg = string | ((p: Params) => string);
export type Catalogue<K extends string> = { en: Record<K, Msg> } & { [L in Exclude<Lang, 'en'>]: Record<K, Msg> };

const isLang = (s: string | null | undefined): s is Lang => LANGS.some((l) => l.code === s);

const LAST_KEY = 'deconflict.lang';
const userKey = (user: string) => `deconflict.lang.user.${user}`;

function stored(key: string): string | null {
  try {
    return globalThis.localStorage?.getItem(key) ?? null;
  } catch {
    return null;
  }
}

function store(key: string, value: string): void {
  try {
    globalThis.localStorage?.setItem(key, value);
  } catch {
    // A browser that keeps nothing still shows the language chosen until the page is left.
  }
}

function initial(): Lang {
  const last = stored(LAST_KEY);
  if (isLang(last)) return last;
  const nav = globalThis.navigator?.language?.slice(0, 2);
  return isLang(nav) ? nav : 'en';
}

let current: Lang = initial();

/// The language the page is in.
export function lang(): Lang {
  return current;
}

export function langInfo(l: Lang = current): LangInfo {
  return LANGS.find((x) => x.code === l) ?? LANGS[0];
}

/// Sets the language without remembering it (the unit tests; the page's start).
export function setLang(l: Lang): void {
  current = l;
  const doc = globalThis.document?.documentElement;
  if (doc) {
    doc.lang = l;
    doc.dir = langInfo(l).dir;
  }
}

/// Once signed in: the language this user chose last, if any (it wins over the page's).
export function userLang(user: string): Lang | null {
  const l = stored(userKey(user));
  return isLang(l) ? l : null;
}

/// Remembers `l` for `user` (or for this browser only, before sign-in).
export function rememberLang(l: Lang, user?: string): void {
  store(LAST_KEY, l);
  if (user) store(userKey(user), l);
}

/// Every module's catalogue, by the module's name, for the unit test that checks each language has each key
/// with the same placeholders.
export const registry: { name: string; catalogue: Catalogue<string> }[] = [];

/// A module's messages in the page's language: `t(key, params)`. A placeholder with no parameter stays as
/// written, so a missing parameter shows rather than vanishes. Right to left, each parameter is set apart
/// from the sentence around it (a Unicode first-strong isolate): an id, a height or a name in Latin letters
/// keeps its own order, and the sentence keeps its.
export function define<K extends string>(name: string, catalogue: Catalogue<K>): (key: K, p?: Params) => string {
  registry.push({ name, catalogue: catalogue as Catalogue<string> });
  return (key, p = {}) => {
    const m = catalogue[current][key] ?? catalogue.en[key];
    const s: string = typeof m === 'function' ? m(p) : m;
    return s.replace(/\{(\w+)\}/g, (all: string, name: string) => (name in p ? isolate(format(p[name])) : all));
  };
}

function format(v: string | number): string {
  return typeof v === 'number' ? num(v) : v;
}

const rtl = () => langInfo().dir === 'rtl';

/// Right to left: `s` set apart with the direction of its first strong letter (a parameter); else as it is.
export function isolate(s: string): string {
  return rtl() && s !== '' ? `\u2068${s}\u2069` : s;
}

/// Right to left: `s` kept left to right inside the sentence (a figure, an id, a grid reference, a date-time
/// group: never reversed, `6 096` never read `096 6`); else as it is.
export function ltr(s: string): string {
  return rtl() && s !== '' ? `\u2066${s}\u2069` : s;
}

/// The plural category of `n` in the page's language (`one`, `few`, `many`, `other`…).
export function plural(n: number): Intl.LDMLPluralRule {
  return new Intl.PluralRules(langInfo().locale).select(n);
}

/// A number as the page's language writes it, with at most `digits` decimals: Latin digits, the language's
/// decimal sign, thousands grouped by a space in every language (as a watch floor reads them: a Turkish
/// `20.000` or an English `20,000` would be read as a decimal by the other party). Right to left, kept left
/// to right.
export function num(n: number, digits = 2): string {
  const plain = new Intl.NumberFormat(langInfo().locale, { maximumFractionDigits: digits, useGrouping: false }).format(n);
  return ltr(plain.replace(/\d+/, (whole) => whole.replace(/\B(?=(\d{3})+(?!\d))/g, ' ')));
}

/// A number with exactly `digits` decimals, as the page's language writes it (`1.1`, `1,1`), not grouped.
export function fixed(n: number, digits: number): string {
  return new Intl.NumberFormat(langInfo().locale, { minimumFractionDigits: digits, maximumFractionDigits: digits, useGrouping: false }).format(n);
}

/// A day and month in the page's language, in UTC (`18 Jun`, `18 июн.`, `18 يونيو`, `18 Haz`), with the year
/// when `year` is set.
export function dayMonth(ms: number, year = false): string {
  return new Intl.DateTimeFormat(langInfo().locale, { day: 'numeric', month: 'short', year: year ? 'numeric' : undefined, timeZone: 'UTC' }).format(ms);
}
