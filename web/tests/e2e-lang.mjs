// Browser test of the web picture's languages, against a real `deconflict demo` on its 60x exercise clock:
//
//   1  Russian chosen on the sign-in form, then signed in as ru-gs: the header, the tabs, a conflict card's
//      advice and separation, the Declare form (with a time read back, its date-time group unchanged) and the
//      record read in Russian, with none of their English words left;
//   2  a reload keeps Russian (the tab's sign-in survives, the language is ru-gs's);
//   3  another user (us-cjtf) in a fresh browser: English;
//   4  us-cjtf switches to Arabic in the header: the page reloads right to left (`<html dir=rtl>`, the side
//      panel on the left), figures and date-time groups kept left to right; the choice is remembered for
//      us-cjtf, and ru-gs keeps Russian;
//   5  tr-gs chooses Türkçe in the header: the header, the tabs, the Notifications panel and the record read in
//      Turkish (dotted and dotless i kept apart: "TATBİKAT"), left to right, date-time groups unchanged.
// Screenshots: test-output/lang-ru.png, test-output/lang-ar.png and test-output/lang-tr.png.
//
// Usage: node tests/e2e-lang.mjs [--bin PATH] [--screenshots DIR]

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { browserPath, launchArgs, shots, signedIn, startDemo, step, stopDemo, tab } from './harness.mjs';

const WIDE = { width: 1440, height: 900 };
const DTG = /\d{6}Z[A-Z]{3}\d{2}/;

/// Fails on any English word of `words` found in `text`.
function noEnglish(text, words, where) {
  for (const w of words) assert.ok(!new RegExp(`\\b${w}\\b`).test(text), `"${w}" is left in English in ${where}: ${text.slice(0, 400)}`);
}

/// Whether the page is drawn and its map has its declarations.
async function ready(page) {
  await page.waitForSelector('body[data-ready=true]', { timeout: 30_000 });
  await page.waitForFunction(() => {
    const m = window.__deconflict.map();
    return m && m.queryRenderedFeatures({ layers: ['decl-fill'] }).length > 0;
  }, null, { timeout: 30_000, polling: 50 });
}

// ---- 1: Russian, chosen at sign-in -----------------------------------------------------------------------

async function russian(browser, line) {
  const context = await browser.newContext({ viewport: WIDE });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(line.url);
  await page.waitForSelector('#signin:not([hidden])');
  assert.equal(await page.getAttribute('html', 'lang'), 'en', 'a fresh browser starts in English');
  const names = await page.locator('#signin-lang option').allTextContents();
  assert.deepEqual(names, ['English', 'Русский', 'العربية', 'Türkçe'], 'the languages by their own names');
  await page.selectOption('#signin-lang', 'ru');
  assert.equal(await page.textContent('#signin button[type=submit]'), 'Войти', 'the sign-in form turns Russian at once');
  assert.equal(await page.getAttribute('html', 'lang'), 'ru');
  await page.fill('#token', line.tokens.RU_GS);
  await page.click('#signin button[type=submit]');
  await ready(page);

  // The header.
  const header = await page.textContent('header.top');
  assert.match(header, /ru-gs/);
  assert.match(header, /УЧЕНИЯ/, 'the exercise banner');
  assert.match(header, /время линии \d{4}-\d\d-\d\d \d\d:\d\dZ/, 'the line time in UTC');
  assert.match(await page.textContent('#clock'), DTG, 'with its date-time group, as the military writes it');
  assert.match(header, /заявки .* свои треки .* открытые тревоги/s);
  assert.equal(await page.textContent('#signout'), 'Выйти');
  assert.equal(await page.inputValue('#header-lang'), 'ru');
  noEnglish(header, ['EXERCISE', 'line time', 'declarations', 'own tracks', 'open alerts', 'Sign out', 'live', 'connecting'], 'the header');

  // The tabs.
  const tabs = await page.locator('[role=tab]').allTextContents();
  const tabNames = tabs.map((t) => t.replace(/\s*\d+$/, '').trim());
  for (const name of ['Конфликты', 'Горячая линия', 'Заявить', 'Журнал']) assert.ok(tabNames.includes(name), `the tab ${name}: ${tabNames}`);
  noEnglish(tabNames.join(' · '), ['Conflicts', 'Hotline', 'Notifications', 'Declare', 'Record'], 'the tabs');

  // A conflict card: its advice and the separation of its sides, in Russian (heights in metres and feet).
  await tab(page, 'conflicts');
  const card = page.locator('[data-conflict]').first();
  await card.waitFor({ timeout: 15_000 });
  // The card's own buttons are the Conflicts panel's words; its third asks the line for advice.
  await card.locator('.actions button').nth(2).click();
  await page.waitForFunction(() => /Рекомендац/.test(document.querySelector('[data-conflict] .advice')?.textContent ?? ''), null, { timeout: 15_000 });
  const advice = await card.locator('.advice').textContent();
  assert.match(advice, /^Рекомендация: |^Рекомендации нет: /, advice);
  const cardText = await card.textContent();
  assert.match(cardText, /пересекаются|ближе согласованных минимумов/, 'the separation in words');
  noEnglish(cardText, ['No advice', 'to clear every conflict', 'overlapping', 'closer than', 'apart vertically', 'of us-cjtf', 'of un-ocha'], 'the conflict card');
  const alerts = await page.textContent('#alerts');
  if (alerts.trim()) {
    assert.match(alerts, /\d[\d ]* м \/ [\d ]+ фут/, `track heights in metres and feet: ${alerts}`);
    noEnglish(alerts, ['is predicted', 'closest approach', 'Separation is', 'Separation will'], 'the alerts');
  }

  // The Declare form, and a time of day read back with its date-time group.
  await tab(page, 'declare');
  const form = await page.textContent('#declare-form');
  for (const w of ['Многоугольник', 'Круг', 'Коридор', 'Нижняя граница', 'Верхняя граница', 'Кому доступно', 'Новая заявка', 'воздушная операция']) assert.ok(form.includes(w), `the form says ${w}`);
  noEnglish(form, ['Polygon', 'Circle', 'Corridor', 'Clear', 'Lower', 'Upper', 'Shared with', 'New declaration', 'air operation', 'Choose a shape', 'points?'], 'the Declare form');
  await page.fill('#declare-form input[name=start]', '1830Z');
  await page.waitForFunction(() => /^читается как /.test(document.querySelector('#declare-form .field-note[data-for=start]')?.textContent ?? ''));
  const readBack = await page.textContent('#declare-form .field-note[data-for=start]');
  assert.match(readBack, /^читается как \d+ [а-я]+\.? \d{4}( г\.)? 18:30Z \(\d\d1830Z[A-Z]{3}\d\d\)$/, readBack);
  await page.click('#declare-form [data-shape=circle]');
  await page.fill('#declare-form textarea[name=points]', '352500N0363700E');
  await page.fill('#declare-form input[name=end]', 'yesterday');
  await page.waitForFunction(() => /yesterday/.test(document.querySelector('#declare-form .field-note.error[data-for=end]')?.textContent ?? ''), null, { timeout: 15_000 });
  assert.match(await page.textContent('#declare-form .field-note.error[data-for=end]'), /^Конец: не удаётся прочитать «yesterday» как время — пишите 1830Z/);
  await page.click('#new-declaration');

  // The record: entries as Russian sentences, the filter's groups in Russian.
  await tab(page, 'record');
  await page.locator('#record-list tr').first().waitFor({ timeout: 15_000 });
  await page.waitForFunction(() => [...document.querySelectorAll('#record-list td.what')].some((td) => /^Обнаружен конфликт между /.test(td.textContent)), null, { timeout: 15_000 });
  const rows = await page.locator('#record-list td.what').allTextContents();
  assert.ok(rows.some((t) => /^Сообщение FLASH от us-cjtf для ru-gs/.test(t)), 'a message, in Russian');
  for (const row of rows) noEnglish(row, ['Conflict found', 'message from', 'declared the', 'acknowledged by', 'Alert', 'changed', 'is now', 'Entry of kind'], 'the record');
  const filter = await page.textContent('#record-filter');
  assert.match(filter, /Показать:.*заявки.*обновления тревог/s, filter);
  noEnglish(filter, ['Show', 'declarations', 'conflicts', 'alert updates'], 'the record filter');
  assert.match(await page.textContent('#panel-record thead'), /№.*время, кто.*что.*скачать/s);
  assert.ok(await page.locator('#record-list button', { hasText: 'лист' }).first().isVisible(), 'the leaf button, in Russian');
  await tab(page, 'conflicts');
  await page.screenshot({ path: join(shots, 'lang-ru.png') });
  step('ru-gs chose Russian at sign-in: header, tabs, conflict card, Declare form and record read in Russian');

  // ---- 2: a reload keeps Russian ----
  await page.reload();
  await ready(page);
  assert.equal(await page.getAttribute('html', 'lang'), 'ru');
  assert.equal(await page.textContent('[role=tab][data-tab=conflicts]'), 'Конфликты');
  step('a reload keeps Russian');
  return { context, page, errors };
}

// ---- 3, 4: another user in English, who switches to Arabic ------------------------------------------------

async function arabic(browser, line) {
  const us = await signedIn(browser, line, line.tokens.US_CJTF);
  const { page } = us;
  await page.setViewportSize(WIDE);
  assert.equal(await page.getAttribute('html', 'lang'), 'en', 'another user in a fresh browser: English');
  assert.equal(await page.textContent('[role=tab][data-tab=conflicts]'), 'Conflicts');
  assert.match(await page.textContent('#clock'), /^line time /);
  step('us-cjtf in a fresh browser: English');

  await Promise.all([page.waitForEvent('load'), page.selectOption('#header-lang', 'ar')]);
  await ready(page);
  assert.equal(await page.getAttribute('html', 'dir'), 'rtl');
  assert.equal(await page.getAttribute('html', 'lang'), 'ar');
  assert.equal(await page.textContent('[role=tab][data-tab=conflicts]'), 'التعارضات');
  // Mirrored: the side panel on the left of the map.
  const side = await page.locator('aside.side').boundingBox();
  const map = await page.locator('.mapwrap').boundingBox();
  assert.ok(side.x < map.x, 'right to left, the side panel is on the left');
  // Figures and date-time groups keep their order: the clock's group reads as it is.
  const clock = await page.textContent('#clock');
  assert.match(clock, /وقت الخط/);
  assert.match(clock, DTG, clock);
  // A height in a conflict card or an alert: its figures isolated left to right (never reversed).
  // Each figure isolated left to right, the units and the sentence right to left (the live alerts give
  // heights every second or so).
  await page.waitForFunction(() => /\u2066[\d ]+\u2069 م \/ \u2066[\d ]+\u2069 قدم/.test(document.querySelector('#panel-conflicts').textContent), null, { timeout: 20_000 });
  await page.screenshot({ path: join(shots, 'lang-ar.png') });
  // Remembered for us-cjtf.
  await page.reload();
  await ready(page);
  assert.equal(await page.getAttribute('html', 'dir'), 'rtl');
  step('us-cjtf switched to Arabic: right to left, remembered');
  return us;
}

// ---- 5: Turkish --------------------------------------------------------------------------------------------

async function turkish(browser, line) {
  const tr = await signedIn(browser, line, line.tokens.TR_GS);
  const { page } = tr;
  await page.setViewportSize(WIDE);
  await Promise.all([page.waitForEvent('load'), page.selectOption('#header-lang', 'tr')]);
  await ready(page);
  assert.equal(await page.getAttribute('html', 'lang'), 'tr');
  assert.equal(await page.getAttribute('html', 'dir'), 'ltr');
  const header = await page.textContent('header.top');
  assert.match(header, /TATBİKAT/, 'the exercise banner, with the dotted capital İ');
  assert.match(header, /beyanlar .* kendi izler .* açık alarmlar/s, header);
  assert.match(await page.textContent('#clock'), /^hat saati \d{4}-\d\d-\d\d \d\d:\d\dZ/);
  assert.match(await page.textContent('#clock'), DTG, 'the date-time group as the military writes it');
  assert.equal(await page.textContent('#signout'), 'Oturumu kapat');
  noEnglish(header, ['EXERCISE', 'line time', 'declarations', 'own tracks', 'open alerts', 'Sign out'], 'the Turkish header');
  const tabNames = (await page.locator('[role=tab]').allTextContents()).map((t) => t.replace(/\s*\d+$/, '').trim());
  for (const name of ['Çatışmalar', 'Sıcak hat', 'Bildirimler', 'Beyan et', 'Kayıt']) assert.ok(tabNames.includes(name), `the tab ${name}: ${tabNames}`);
  noEnglish(tabNames.join(' · '), ['Conflicts', 'Hotline', 'Notifications', 'Declare', 'Record'], 'the Turkish tabs');
  // The Notifications panel: the warning that a notification is no guarantee, in Turkish.
  await tab(page, 'notifications');
  const panel = await page.textContent('#panel-notifications');
  assert.match(panel, /Bildirim bir güvenlik garantisi değildir/, 'the warning, in Turkish');
  noEnglish(panel, ['not a guarantee of safety', 'Received', 'Protected sites', 'awaiting acknowledgement', 'Report an incident'], 'the Turkish Notifications panel');
  // The record: entries as Turkish sentences.
  await tab(page, 'record');
  await page.locator('#record-list tr').first().waitFor({ timeout: 15_000 });
  const rows = await page.locator('#record-list td.what').allTextContents();
  assert.ok(rows.length > 0, 'the record has entries');
  for (const row of rows) noEnglish(row, ['Conflict found', 'message from', 'declared the', 'acknowledged by', 'changed', 'is now', 'Entry of kind'], 'the Turkish record');
  await tab(page, 'notifications');
  await page.screenshot({ path: join(shots, 'lang-tr.png') });
  step('tr-gs chose Türkçe: header, tabs, Notifications panel and record read in Turkish');
  return tr;
}

async function main() {
  await mkdir(shots, { recursive: true });
  const line = await startDemo(60);
  const browser = await chromium.launch({ executablePath: browserPath, args: launchArgs });
  try {
    const ru = await russian(browser, line);
    const us = await arabic(browser, line);
    const tr = await turkish(browser, line);
    assert.deepEqual(tr.errors ?? [], [], 'no page errors for tr-gs');
    // ru-gs's tab is still Russian.
    await ru.page.reload();
    await ready(ru.page);
    assert.equal(await ru.page.getAttribute('html', 'lang'), 'ru', "ru-gs's language is its own");
    assert.deepEqual(ru.errors, [], 'no page errors for ru-gs');
    assert.deepEqual(us.errors, [], 'no page errors for us-cjtf');
    console.log('e2e-lang: passed');
  } finally {
    await browser.close();
    await stopDemo(line);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
