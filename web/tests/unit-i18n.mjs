// Unit tests of the web picture's languages: every catalogue registered by the page's modules has, in every
// language, exactly English's keys, and each message the same {placeholders} as English's (a message written
// as a function is called with sample parameters, empty and not, and must give words with the same
// placeholders); then what a duty officer reads: heights in metres and feet in Russian, Russian and Arabic
// plurals, Latin digits and the date-time group unchanged in Arabic, figures kept left to right, numbers
// grouped the same way in every language, and a record entry in Russian. The TypeScript is bundled in memory
// by esbuild (the whole page, so that every module's catalogue is registered) and run by Node's test runner.
//
// Usage: node tests/unit-i18n.mjs

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { load } from './bundled.mjs';



// session.ts brings in every part of the page (and so every catalogue); lang.ts the page's own words.
const [i18n, text, times, describe] = await load(['src/i18n.ts', 'src/text.ts', 'src/times.ts', 'src/describe.ts', 'src/session.ts', 'src/lang.ts']);
const { registry, setLang, LANGS } = i18n;

const placeholders = (s) => [...new Set([...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]))].sort();

/// Parameters that answer every name with `value` (a function message reads only those it needs).
const every = (value) => new Proxy({}, { get: (_, k) => (typeof k === 'string' ? value : undefined), has: () => true });

test('every catalogue is registered, once', () => {
  const names = registry.map((r) => r.name);
  assert.equal(new Set(names).size, names.length, `each name once: ${names.join(', ')}`);
  for (const n of ['page', 'shell', 'session', 'text', 'times', 'clock', 'lifecycle', 'describe', 'details', 'sync', 'picture', 'export', 'tools', 'declare', 'record']) {
    assert.ok(names.includes(n), `the ${n} catalogue is registered`);
  }
});

test("every language has exactly English's keys, with English's placeholders", () => {
  const langs = LANGS.map((l) => l.code);
  assert.deepEqual(langs, ['en', 'ru', 'ar', 'tr']);
  for (const { name, catalogue } of registry) {
    const keys = Object.keys(catalogue.en).sort();
    for (const l of langs) {
      assert.deepEqual(Object.keys(catalogue[l]).sort(), keys, `${name}: the ${l} keys are English's`);
      for (const k of keys) {
        const en = catalogue.en[k];
        const m = catalogue[l][k];
        const where = `${name}.${k} (${l})`;
        if (typeof en === 'string') {
          assert.equal(typeof m, 'string', `${where} is a string, as in English`);
          assert.ok(m.trim(), `${where} is not empty`);
          assert.deepEqual(placeholders(m), placeholders(en), `${where} has English's placeholders`);
          continue;
        }
        assert.equal(typeof m, 'function', `${where} is a function, as in English`);
        // Empty and given parameters; numbers for the plural forms of each language.
        for (const sample of ['', 'x', 0, 1, 2, 3, 5, 11, 21, 101]) {
          const out = m(every(sample));
          assert.equal(typeof out, 'string', where);
          assert.ok(out.trim(), `${where} gives words for ${JSON.stringify(sample)}`);
          assert.deepEqual(placeholders(out), placeholders(en(every(sample))), `${where} has English's placeholders for ${JSON.stringify(sample)}`);
        }
      }
    }
  }
});

test('heights in Russian: metres and feet, the flight level as it is', () => {
  setLang('ru');
  try {
    assert.equal(text.heightText(6096), '6 096 м / 20 000 фут (FL200)');
    assert.equal(text.heightText(-2000), 'SFC');
    assert.equal(text.bandText(-1000, 18288), 'SFC – 18 288 м / 60 000 фут (FL600)');
    assert.equal(text.verticalText(300), '300 м / 984 фут');
    assert.equal(text.distanceText(1099), '1,1 км');
    assert.equal(text.durationText(3900), '1 ч 05 мин');
    assert.match(text.describeAdvice({ delay_s: 600, climb_m: 300, descend_m: null }), /^Рекомендация: .*задержать её на 10 мин или набрать высоту на 300 м \/ 984 фут \(снижения в пределах 3 000 м \/ 9 843 фут нет\)\.$/);
  } finally {
    setLang('en');
  }
  assert.equal(text.heightText(6096), '6 096 m / 20 000 ft (FL200)', 'English as it was');
});

test('Russian plurals: 1 конфликт, 3 конфликта, 5 конфликтов (and 21, 11)', () => {
  const declare = registry.find((r) => r.name === 'declare').catalogue;
  const say = (l, key, n) => {
    setLang(l);
    try {
      return declare[l][key]({ n }).replace('{n}', String(n));
    } finally {
      setLang('en');
    }
  };
  assert.equal(say('ru', 'nConflictsBefore', 1), '1 конфликт до подачи:');
  assert.equal(say('ru', 'nConflictsBefore', 3), '3 конфликта до подачи:');
  assert.equal(say('ru', 'nConflictsBefore', 5), '5 конфликтов до подачи:');
  assert.equal(say('ru', 'nConflictsBefore', 21), '21 конфликт до подачи:');
  assert.equal(say('ru', 'nConflictsBefore', 11), '11 конфликтов до подачи:');
  assert.equal(say('ru', 'nPoints', 2), '2 точки');
  assert.equal(say('en', 'nPoints', 1), '1 point');
  assert.equal(say('en', 'nPoints', 3), '3 points');
  assert.equal(say('ar', 'nPoints', 2), 'نقطتان (2)');
  assert.equal(say('tr', 'nPoints', 3), '3 nokta');
});

test('Arabic: Latin digits, the date-time group unchanged, figures kept left to right', () => {
  const arabicDigits = /[\u0660-\u0669\u06F0-\u06F9]/;
  setLang('ar');
  try {
    const short = text.shortTime('2017-06-18T15:30:00Z');
    assert.match(short, /^18 يونيو \u206615:30Z\u2069$/, short);
    const full = times.fullTime(Date.UTC(2017, 5, 18, 18, 30));
    assert.ok(full.includes('\u2066181830ZJUN17\u2069'), full);
    assert.doesNotMatch(short + full, arabicDigits);
    assert.equal(i18n.num(12345.5), '\u206612 345.5\u2069');
    const h = text.heightText(6096);
    assert.equal(h, '\u20666 096\u2069 م / \u206620 000\u2069 قدم (FL200)');
    assert.doesNotMatch(h, arabicDigits);
    // A parameter is set apart in the sentence (first strong isolate).
    const e = { seq: 1, kind: 'credential.revoked', actor: 'ru-gs', time: '2017-06-18T15:00:00Z', content: { id: 'c-9' } };
    const said = describe.describeEntry(e, describe.namesOf(state()));
    assert.equal(said, 'أُلغيت بيانات الاعتماد \u2068c-9\u2069 التابعة لـ \u2068ru-gs\u2069');
  } finally {
    setLang('en');
  }
});

test('the date-time group is the same in every language; numbers grouped by spaces in every language', () => {
  const at = Date.UTC(2017, 5, 18, 18, 30);
  for (const { code } of LANGS) {
    setLang(code);
    try {
      assert.equal(times.dtg(at), '181830ZJUN17', code);
      assert.ok(times.readBack(times.readTime('1830Z', Date.UTC(2017, 5, 18, 15))).includes('181830ZJUN17'), code);
      assert.equal(i18n.num(20000).replace(/[\u2066\u2069]/g, ''), '20 000', `${code}: never 20.000 or 20,000`);
    } finally {
      setLang('en');
    }
  }
  setLang('tr');
  assert.equal(i18n.fixed(1.5, 1), '1,5');
  assert.equal(text.shortTime('2017-09-02T07:05:00Z'), '2 Eyl 07:05Z');
  setLang('en');
  assert.equal(times.readBack(times.readTime('1830Z', Date.UTC(2017, 5, 18, 15))), 'read as 18 Jun 2017 18:30Z (181830ZJUN17)');
});

/// A small state for the record's words.
function state() {
  return {
    who: { party: 'ru-gs' },
    events: [],
    declarations: [],
    conflicts: [],
    boxes: { inbox: [], outbox: [], escalated: [] },
    alerts: [],
  };
}

test('a record entry in Russian', () => {
  const s = state();
  s.events = [
    { seq: 1, kind: 'declaration.version', actor: 'us-cjtf', time: '', content: { id: 'us-e2e-1', party: 'us-cjtf', name: 'E2E strike package', kind: 'air_operation', version: 1 } },
    { seq: 2, kind: 'conflict.found', actor: 'line', time: '', content: { id: 'c-1', a: { id: 'us-e2e-1', party: 'us-cjtf' }, b: { id: 'ru-44', party: 'ru-gs' } } },
    { seq: 3, kind: 'message.sent', actor: 'us-cjtf', time: '', content: { id: 'm-3', precedence: 'FLASH', from: 'us-cjtf', to: ['ru-gs'], text: 'Hold' } },
  ];
  setLang('ru');
  try {
    const n = describe.namesOf(s);
    assert.equal(describe.describeEntry(s.events[0], n), 'us-cjtf: новая заявка — воздушная операция E2E strike package (us-e2e-1) стороны us-cjtf');
    assert.equal(describe.describeEntry(s.events[1], n), 'Обнаружен конфликт между ru-44 и E2E strike package (us-e2e-1) стороны us-cjtf');
    assert.equal(describe.describeEntry(s.events[2], n), 'Сообщение FLASH от us-cjtf для ru-gs: «Hold»');
    assert.equal(describe.describeEntry({ ...s.events[2], seq: 4, kind: 'message.acknowledged', actor: 'ru-gs', content: { id: 'm-3' } }, n), 'Сообщение FLASH от us-cjtf для ru-gs: получение подтверждено (ru-gs)');
    assert.equal(describe.groupName('alert updates'), 'обновления тревог');
  } finally {
    setLang('en');
  }
});
