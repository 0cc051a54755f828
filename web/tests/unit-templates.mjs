// Unit tests of structured hotline messages in words (src/templates.ts): each template in each of the four
// languages, heights in metres and feet (and the flight level), times in UTC with their date-time group,
// durations, a template of a type the page does not read (or with fields it cannot read) shown safely; the
// compose form's heights in metres and the hotline's countdowns (src/panels/hotline.ts); and that the catalogues of the templates, the
// Hotline and the Conflicts panels have every key in every language, with the same placeholders. The
// TypeScript is bundled in memory by esbuild and run by Node's test runner.
//
// Usage: node tests/unit-templates.mjs

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { load } from './bundled.mjs';



const [tpl, i18n, hotline] = await load(['src/templates.ts', 'src/i18n.ts', 'src/panels/hotline.ts', 'src/panels/conflicts.ts']);

const LANGS = ['en', 'ru', 'ar', 'tr'];
/// Words without the marks that keep right-to-left text in order (isolates), for comparing the words alone.
const plain = (s) => s.replace(/[\u2066-\u2069]/g, '');
const names = {
  declaration: (id) => ({ 'ru-42': 'Су-24 южнее Табки', 'hosp-kz': 'Kafr Zeita hospital' })[id],
  message: (id) => (id === 'm-58' ? { precedence: 'FLASH', from: 'us-cjtf' } : undefined),
};

const notice = { type: 'operation_notice', declaration: 'ru-42', start: '2017-06-18T18:30:00Z', end: '2017-06-18T19:30:00Z', lower_m: null, upper_m: 6096 };
const exclusion = { type: 'site_exclusion_request', site: 'hosp-kz', start: '2017-06-18T18:30:00Z', end: '2017-06-19T02:00:00Z' };
const delay = { type: 'delay_request', declaration: 'ru-42', delay_s: 2700 };
const ack = { type: 'acknowledgement', message: 'm-58', status: 'will_comply' };

test('heights in metres and feet, the flight level from FL030, the surface as SFC', () => {
  assert.equal(tpl.heightWords(6096, 'en'), '6 096 m / 20 000 ft (FL200)');
  assert.equal(tpl.heightWords(6096, 'ru'), '6 096 м / 20 000 фут (FL200)');
  assert.equal(plain(tpl.heightWords(6096, 'ar')), '6 096 م / 20 000 قدم (FL200)');
  assert.equal(tpl.heightWords(6096, 'tr'), '6 096 m / 20 000 ft (FL200)');
  assert.equal(tpl.heightWords(300, 'ru'), '300 м / 984 фут');
  assert.equal(tpl.heightWords(null, 'ru'), 'SFC');
  assert.equal(tpl.heightWords(-1000, 'en'), 'SFC');
  assert.equal(tpl.heightWords(Number.NaN, 'en'), '—');
});

test('times in UTC with their date-time group, in each language', () => {
  assert.equal(tpl.timeWords('2017-06-18T18:30:00Z', 'en'), '18 Jun 2017 18:30Z (181830ZJUN17)');
  assert.equal(tpl.timeWords('2017-06-18T18:30:00Z', 'ru'), '18 июня 2017 18:30Z (181830ZJUN17)');
  assert.equal(plain(tpl.timeWords('2017-06-18T18:30:00Z', 'ar')), '18 يونيو 2017 18:30Z (181830ZJUN17)');
  assert.equal(tpl.timeWords('2017-06-18T18:30:00Z', 'tr'), '18 Haziran 2017 18:30Z (181830ZJUN17)');
  assert.equal(tpl.timeWords('soon', 'en'), 'soon', 'what is no time is shown as it is');
  // One day: the date once; over midnight: both times in full.
  assert.equal(tpl.windowWords('2017-06-18T18:30:00Z', '2017-06-18T19:30:00Z', 'en'), '18 Jun 2017 18:30Z–19:30Z (181830ZJUN17 – 181930ZJUN17)');
  assert.equal(
    tpl.windowWords('2017-06-18T23:30:00Z', '2017-06-19T00:30:00Z', 'ru'),
    '18 июня 2017 23:30Z (182330ZJUN17) – 19 июня 2017 00:30Z (190030ZJUN17)',
  );
});

test('durations: minutes, hours and minutes, seconds', () => {
  assert.equal(tpl.durationWords(2700, 'en'), '45 min');
  assert.equal(tpl.durationWords(3900, 'en'), '1 h 05 min');
  assert.equal(tpl.durationWords(3900, 'ru'), '1 ч 05 мин');
  assert.equal(tpl.durationWords(90, 'tr'), '1 dk 30 sn');
  assert.equal(plain(tpl.durationWords(7200, 'ar')), '2 ساعة');
  assert.equal(tpl.durationWords(86400, 'en'), '24 h');
});

test('a notice of an operation in each language: the declaration named, the window, the heights', () => {
  const said = Object.fromEntries(LANGS.map((l) => [l, plain(tpl.templateWords(notice, l, names))]));
  assert.equal(
    said.en,
    'Notice of operation Су-24 южнее Табки (ru-42): 18 Jun 2017 18:30Z–19:30Z (181830ZJUN17 – 181930ZJUN17), heights from SFC to 6 096 m / 20 000 ft (FL200).',
  );
  assert.equal(
    said.ru,
    'Уведомление об операции Су-24 южнее Табки (ru-42): 18 июня 2017 18:30Z–19:30Z (181830ZJUN17 – 181930ZJUN17), высоты от SFC до 6 096 м / 20 000 фут (FL200).',
  );
  assert.match(said.ar, /^إشعار بالعملية .*\(ru-42\).*18 يونيو 2017.*من SFC إلى 6 096 م \/ 20 000 قدم \(FL200\)\.$/);
  assert.match(said.tr, /^Harekât duyurusu — .*\(ru-42\): 18 Haziran 2017 18:30Z–19:30Z .*irtifa SFC ile 6 096 m \/ 20 000 ft \(FL200\) arası\.$/);
  // No declaration: the notice stands alone; a height above the surface in metres and feet.
  const bare = { ...notice, declaration: undefined, lower_m: 300 };
  assert.equal(
    tpl.templateWords(bare, 'en'),
    'Notice of an operation: 18 Jun 2017 18:30Z–19:30Z (181830ZJUN17 – 181930ZJUN17), heights from 300 m / 984 ft to 6 096 m / 20 000 ft (FL200).',
  );
  assert.match(tpl.templateWords(bare, 'ru'), /высоты от 300 м \/ 984 фут до 6 096 м \/ 20 000 фут \(FL200\)/);
});

test('a request to confirm a site’s exclusion in each language', () => {
  assert.equal(
    tpl.templateWords(exclusion, 'en', names),
    'Request to confirm that Kafr Zeita hospital (hosp-kz) is excluded from operations: 18 Jun 2017 18:30Z (181830ZJUN17) – 19 Jun 2017 02:00Z (190200ZJUN17).',
  );
  assert.match(tpl.templateWords(exclusion, 'ru', names), /^Прошу подтвердить, что объект Kafr Zeita hospital \(hosp-kz\) исключён из района операций: 18 июня 2017 18:30Z \(181830ZJUN17\) – 19 июня 2017 02:00Z/);
  assert.match(plain(tpl.templateWords(exclusion, 'ar', names)), /^طلب تأكيد استثناء الموقع Kafr Zeita hospital \(hosp-kz\) من العمليات: 18 يونيو 2017/);
  assert.match(tpl.templateWords(exclusion, 'tr', names), /^Kafr Zeita hospital \(hosp-kz\) tesisinin harekât dışında tutulduğunun teyidi talep edilir: 18 Haziran 2017/);
  // A site the reader was given no name for: its id.
  assert.match(tpl.templateWords(exclusion, 'en'), /^Request to confirm that hosp-kz is excluded/);
});

test('a request for a delay in each language', () => {
  assert.equal(tpl.templateWords(delay, 'en', names), 'Request to delay Су-24 южнее Табки (ru-42) by 45 min.');
  assert.equal(tpl.templateWords(delay, 'ru', names), 'Прошу отложить Су-24 южнее Табки (ru-42) на 45 мин.');
  assert.equal(plain(tpl.templateWords(delay, 'ar', names)), 'طلب تأجيل Су-24 южнее Табки (ru-42) مدة 45 دقيقة.');
  assert.equal(tpl.templateWords(delay, 'tr', names), 'Су-24 южнее Табки (ru-42) için 45 dk erteleme talep edilir.');
});

test('an acknowledgement in each language, with and without the message it answers', () => {
  assert.equal(tpl.templateWords(ack, 'en', names), 'Acknowledgement of message m-58 (FLASH, us-cjtf): will comply.');
  assert.equal(tpl.templateWords(ack, 'ru', names), 'Подтверждение по сообщению m-58 (FLASH, us-cjtf): будет выполнено.');
  assert.equal(plain(tpl.templateWords(ack, 'ar', names)), 'إقرار بشأن الرسالة m-58 (FLASH, us-cjtf): سيتم الامتثال.');
  assert.equal(tpl.templateWords(ack, 'tr', names), 'm-58 (FLASH, us-cjtf) mesajına teyit: gereği yapılacak.');
  const bare = (status) => ({ type: 'acknowledgement', status });
  assert.equal(tpl.templateWords(bare('received'), 'en'), 'Acknowledgement: received.');
  assert.equal(tpl.templateWords(bare('cannot_comply'), 'en'), 'Acknowledgement: cannot comply.');
  assert.equal(tpl.templateWords(bare('cannot_comply'), 'ru'), 'Подтверждение: выполнить не можем.');
  assert.equal(tpl.templateWords(bare('received'), 'tr'), 'Teyit: mesaj alındı.');
  assert.equal(plain(tpl.templateWords(bare('will_comply'), 'ar')), 'إقرار: سيتم الامتثال.');
});

test('a template of a type the page does not read, or with fields it cannot read, is shown safely', () => {
  const odd = { type: 'weather_warning', text: '<img src=x onerror=alert(1)>', wind_kt: 45 };
  for (const l of LANGS) {
    const said = tpl.templateWords(odd, l);
    assert.match(said, /weather_warning/, l);
    assert.ok(said.includes('<img src=x onerror=alert(1)>'), 'what was sent is shown, as text');
  }
  assert.match(tpl.templateWords(odd, 'en'), /^A structured message of a type this page does not read \(“weather_warning”\); as sent: \{/);
  assert.match(tpl.templateWords(odd, 'ru'), /^Структурированное сообщение неизвестного/);
  // A known type whose fields cannot be read.
  assert.match(tpl.templateWords({ type: 'delay_request', declaration: 'ru-42', delay_s: 'soon' }, 'en'), /does not read \(“delay_request”\).*"soon"/);
  assert.match(tpl.templateWords({ type: 'acknowledgement', status: 'maybe' }, 'en'), /does not read/);
  assert.match(tpl.templateWords({ type: 'operation_notice', start: 'x' }, 'en'), /does not read/);
  // Not even an object; a long one clipped.
  for (const v of ['text', 42, [1, 2], {}]) assert.match(tpl.templateWords(v, 'en'), /does not read/);
  assert.ok(tpl.templateWords({ type: 'x', pad: 'y'.repeat(5000) }, 'en').length < 500);
  assert.equal(tpl.templateType({ type: 'delay_request' }), 'delay_request');
  assert.equal(tpl.templateType({ type: 'toString' }), undefined);
});

test('the words beside free text, and the forms offered, in each language', () => {
  assert.equal(tpl.untranslated('en'), 'as written — not translated');
  assert.equal(tpl.untranslated('ru'), 'как написано — без перевода');
  assert.equal(tpl.statusWords('will_comply', 'ru'), 'будет выполнено');
  for (const l of LANGS) for (const type of ['free', ...tpl.TEMPLATE_TYPES]) assert.ok(tpl.typeName(type, l).length > 3, `${type} in ${l}`);
});

test('the compose form’s heights in metres: m, ft, FL, SFC', () => {
  assert.equal(hotline.metresOf('200', 'FL'), 6096);
  assert.equal(hotline.metresOf('FL200', 'FL'), 6096);
  assert.equal(hotline.metresOf('1000', 'ft'), 304.8);
  assert.equal(hotline.metresOf('1500,5', 'm'), 1500.5);
  assert.equal(hotline.metresOf('', 'SFC'), null);
  assert.equal(hotline.metresOf('', 'm'), undefined);
  assert.equal(hotline.metresOf('high', 'ft'), undefined);
});

test('a deadline’s countdown in the page’s language: time left, overdue, acknowledged', () => {
  const el = (due, done = false) => {
    const classes = new Set();
    return { dataset: { due, done: String(done) }, textContent: '', classList: { toggle: (c, on) => (on ? classes.add(c) : classes.delete(c)) }, classes };
  };
  const now = Date.parse('2017-06-18T15:00:00Z');
  const left = el('2017-06-18T15:09:30Z');
  hotline.showDue(left, now);
  assert.equal(left.textContent, '09:30');
  assert.ok(!left.classes.has('overdue'));
  const late = el('2017-06-18T13:55:00Z');
  hotline.showDue(late, now);
  assert.equal(late.textContent, 'OVERDUE 1:05:00');
  assert.ok(late.classes.has('overdue'));
  i18n.setLang('ru');
  try {
    hotline.showDue(late, now);
    assert.equal(late.textContent, 'ПРОСРОЧЕНО 1:05:00');
    const done = el('2017-06-18T13:55:00Z', true);
    hotline.showDue(done, now);
    assert.equal(done.textContent, 'подтверждено');
    assert.ok(!done.classes.has('overdue'));
  } finally {
    i18n.setLang('en');
  }
});

test('the catalogues of the templates and of the Hotline and Conflicts panels: every key in every language, the same placeholders', () => {
  const mine = i18n.registry.filter((r) => ['templates', 'hotline', 'conflicts'].includes(r.name));
  assert.deepEqual(mine.map((r) => r.name).sort(), ['conflicts', 'hotline', 'templates']);
  const holes = (m) => (typeof m === 'string' ? [...m.matchAll(/\{(\w+)\}/g)].map((x) => x[1]).sort() : []);
  for (const { name, catalogue } of mine) {
    const keys = Object.keys(catalogue.en).sort();
    for (const l of LANGS) {
      assert.deepEqual(Object.keys(catalogue[l]).sort(), keys, `${name}: the keys in ${l}`);
      for (const k of keys) {
        assert.deepEqual(holes(catalogue[l][k]), holes(catalogue.en[k]), `${name}.${k}: the placeholders in ${l}`);
        if (l !== 'en' && /[a-z]{4}/i.test(catalogue.en[k]) && !/^\W*\{/.test(catalogue.en[k])) {
          assert.notEqual(catalogue[l][k], catalogue.en[k], `${name}.${k} is translated in ${l}`);
        }
      }
    }
  }
});

test('right to left, names set apart and figures, times and date-time groups kept left to right; left to right, no marks', () => {
  const LRI = '\u2066';
  const FSI = '\u2068';
  const PDI = '\u2069';
  assert.equal(tpl.heightWords(6096, 'ar'), `${LRI}6 096${PDI} م / ${LRI}20 000${PDI} قدم (${LRI}FL200${PDI})`);
  assert.equal(tpl.timeWords('2017-06-18T18:30:00Z', 'ar'), `18 يونيو 2017 ${LRI}18:30Z${PDI} (${LRI}181830ZJUN17${PDI})`);
  assert.ok(tpl.templateWords(delay, 'ar', names).includes(`${FSI}Су-24 южнее Табки (ru-42)${PDI}`), 'the name and id set apart');
  for (const l of ['en', 'ru', 'tr']) {
    for (const t of [notice, exclusion, delay, ack]) assert.doesNotMatch(tpl.templateWords(t, l, names), /[\u2066-\u2069]/, l);
  }
});

test('the page’s language drives the words when none is given', () => {
  i18n.setLang('ru');
  try {
    assert.equal(tpl.templateWords({ type: 'acknowledgement', status: 'received' }), 'Подтверждение: получено.');
    assert.equal(tpl.heightWords(6096), '6 096 м / 20 000 фут (FL200)');
  } finally {
    i18n.setLang('en');
  }
});

test("a declaration the line says is another party's is named with its owner, never as the reader's own", () => {
  // ru-gs declared its own "us-17" and asked the coalition to delay it: the coalition's page must not read
  // it as its own Tabqa strike package.
  const mine = { me: 'us-cjtf', declaration: (id, party) => (party === 'us-cjtf' && id === 'us-17' ? 'Tabqa strike package' : undefined) };
  const theirs = { type: 'delay_request', declaration: 'us-17', declaration_party: 'ru-gs', delay_s: 3600 };
  assert.equal(tpl.templateWords(theirs, 'en', mine), 'Request to delay us-17 (ru-gs) by 1 h.');
  const own = { ...theirs, declaration_party: 'us-cjtf' };
  assert.equal(tpl.templateWords(own, 'en', mine), 'Request to delay Tabqa strike package (us-17) by 1 h.');
  const site = { type: 'site_exclusion_request', site: 'hosp-kz', site_party: 'ru-gs', start: '2017-06-18T18:00:00Z', end: '2017-06-18T19:00:00Z' };
  assert.match(tpl.templateWords(site, 'en', mine), /hosp-kz \(ru-gs\)/);
});
