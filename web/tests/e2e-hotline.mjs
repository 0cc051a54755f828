// Browser test of structured hotline messages across languages (headless Chromium against a real `deconflict
// demo`): the coalition (us-cjtf, through the API) sends Russia (ru-gs) a notice of its operation with its
// heights, a request to delay a Russian declaration in conflict (with free text) and a request to confirm a
// hospital's exclusion. ru-gs signs in with its page in Russian, sees a conflict's card in Russian, opens the
// hotline and reads each message as a Russian sentence (heights in м and фут, times with their date-time
// group), the coalition's free text marked as not translated; it answers the delay with the structured "will
// comply" and free text in Russian, and composes a notice of its own through the form (typed times, a height
// as a flight level). us-cjtf, its page in English, reads the answer as an English sentence with the Russian
// text marked untranslated, and ru-gs's notice in English, in metres and feet.
//
// Screenshots: hotline-ru.png (ru-gs's hotline), hotline-en.png (us-cjtf's).
//
// Usage: node tests/e2e-hotline.mjs [--bin PATH] [--screenshots DIR]

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { api, bin, browserPath, launchArgs, shots, startDemo, step, stopDemo, tab } from './harness.mjs';

const WIDE = { width: 1440, height: 900 };
const CYRILLIC = /[А-Яа-яЁё]/;

/// A party's page signed in with the page's language `lang` chosen before it loads.
async function open(browser, line, token, lang) {
  const context = await browser.newContext({ viewport: WIDE });
  await context.addInitScript((l) => localStorage.setItem('deconflict.lang', l), lang);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => m.type() === 'error' && !/status of 4\d\d/.test(m.text()) && errors.push(m.text()));
  await page.goto(`${line.url}/#token=${token}`);
  await page.waitForSelector('body[data-ready=true]', { timeout: 30_000 });
  return { context, page, errors };
}

const line = await startDemo(1);
step(`demo at ${line.url} (${bin})`);
const US = line.tokens.US_CJTF;
const RU = line.tokens.RU_GS;
let browser;
try {
  await mkdir(shots, { recursive: true });

  // A Russian declaration in conflict with the coalition, and the coalition's own side of it.
  const conflicts = (await api(line, RU, 'GET', '/v1/conflicts')).conflicts;
  const conflict =
    conflicts.find((c) => c.declaration?.id === 'ru-42' && c.other?.party === 'us-cjtf') ?? conflicts.find((c) => c.other?.party === 'us-cjtf');
  assert.ok(conflict, 'ru-gs has a conflict with the coalition in the demo');
  const ruDecl = conflict.declaration.id;
  const usDecl = conflict.other.id;
  step(`the conflict ${conflict.id.slice(0, 10)}…: ${ruDecl} of ru-gs ↔ ${usDecl} of us-cjtf`);

  // The coalition writes, through the API.
  const send = (body) => api(line, US, 'POST', '/v1/messages', { to: ['ru-gs'], ...body });
  const notice = await send({
    precedence: 'PRIORITY',
    kind: 'notice',
    template: { type: 'operation_notice', declaration: usDecl, start: '2017-06-18T14:00:00Z', end: '2017-06-18T17:00:00Z', lower_m: 6096, upper_m: 9144 },
  });
  const delay = await send({
    precedence: 'IMMEDIATE',
    kind: 'request',
    text: 'Our strike package stays over Tabqa until 1700Z. Please hold your sortie.',
    template: { type: 'delay_request', declaration: ruDecl, delay_s: 2700 },
  });
  const exclusion = await send({
    precedence: 'ROUTINE',
    kind: 'request',
    template: { type: 'site_exclusion_request', site: 'hosp-kz', start: '2017-06-18T18:00:00Z', end: '2017-06-18T22:00:00Z' },
  });
  assert.equal(delay.template?.type, 'delay_request', 'the line keeps the template');
  step(`us-cjtf sent ${notice.id} (operation notice), ${delay.id} (delay request), ${exclusion.id} (site exclusion)`);

  browser = await chromium.launch({ executablePath: browserPath, args: launchArgs });

  // ---- ru-gs, in Russian --------------------------------------------------------------------------------------
  const ru = await open(browser, line, RU, 'ru');
  const page = ru.page;
  step('ru-gs signed in, the page in Russian');
  await tab(page, 'conflicts');
  const card = page.locator(`[data-conflict="${conflict.id}"]`);
  await card.waitFor({ timeout: 15_000 });
  const badge = (await card.locator('.badge').textContent()).trim();
  assert.ok(['открыт', 'подтверждён', 'принят', 'оспорен', 'урегулирован'].includes(badge), `the conflict's state in Russian: ${badge}`);
  assert.ok(await card.getByRole('button', { name: 'Подтвердить' }).isVisible(), 'acknowledge, in Russian');
  assert.ok(await card.getByRole('button', { name: 'Рекомендация' }).isVisible(), 'advice, in Russian');
  assert.ok(await card.getByRole('button', { name: 'Карта' }).isVisible(), 'map, in Russian');
  assert.equal(await card.getByRole('textbox', { name: 'причина оспаривания' }).count(), 1, 'the dispute reason, in Russian');
  assert.match(await page.textContent('#conflict-counts'), new RegExp(`${badge}: \\d+`));
  step(`a conflict's card in Russian: «${badge}», «Подтвердить», «Рекомендация»`);

  await tab(page, 'hotline');
  const msg = (id) => page.locator(`[data-message="${id}"]`).first();
  await msg(delay.id).waitFor({ timeout: 15_000 });
  // The operation notice: a Russian sentence, heights in metres and feet, times with their date-time group.
  const noticeRu = (await msg(notice.id).locator('.template-sentence').textContent()).trim();
  assert.match(noticeRu, /^Уведомление об операции /, noticeRu);
  assert.match(noticeRu, /18 июня 2017 14:00Z–17:00Z \(181400ZJUN17 – 181700ZJUN17\)/, noticeRu);
  assert.match(noticeRu, /высоты от 6 096 м \/ 20 000 фут \(FL200\) до 9 144 м \/ 30 000 фут \(FL300\)\.$/, noticeRu);
  step(`ru-gs reads: ${noticeRu}`);
  // The delay: in Russian, the declaration named; the coalition's text as written, and marked so.
  const delayCard = msg(delay.id);
  const delayRu = (await delayCard.locator('.template-sentence').textContent()).trim();
  assert.match(delayRu, new RegExp(`^Прошу отложить .*${ruDecl}.* на 45 мин\\.$`), delayRu);
  assert.equal((await delayCard.locator('.as-written-label').textContent()).trim(), 'как написано — без перевода');
  assert.equal(await delayCard.locator('.free-text').getAttribute('dir'), 'auto');
  assert.match(await delayCard.locator('.free-text').textContent(), /^Our strike package stays over Tabqa/);
  assert.match(await delayCard.locator('header').textContent(), /us-cjtf → ru-gs · запрос · отправлено/);
  step(`ru-gs reads: ${delayRu}`);
  const exclusionRu = (await msg(exclusion.id).locator('.template-sentence').textContent()).trim();
  assert.match(exclusionRu, /^Прошу подтвердить, что объект .*hosp-kz.* исключён из района операций: 18 июня 2017 18:00Z–22:00Z/, exclusionRu);
  step(`ru-gs reads: ${exclusionRu}`);
  const left = (await msg(exclusion.id).locator('.countdown').textContent()).trim();
  assert.match(left, /^(\d+:)?\d\d:\d\d$|^ПРОСРОЧЕНО /, `the countdown: ${left}`);

  // The answer: the structured "will comply", with free text in Russian.
  const answerText = 'Выполним: вылет перенесён на 45 минут.';
  await delayCard.getByRole('combobox', { name: `ответ по форме на ${delay.id}` }).selectOption('will_comply');
  await delayCard.getByRole('textbox', { name: `ответ на ${delay.id}` }).fill(answerText);
  await delayCard.getByRole('button', { name: 'Ответить' }).click();
  await page.locator(`[data-message="${delay.id}"] .receipt .answer .template-sentence`).first().waitFor({ timeout: 15_000 });
  assert.equal(
    (await page.locator(`[data-message="${delay.id}"] .receipt .answer .template-sentence`).first().textContent()).trim(),
    'Подтверждение: будет выполнено.',
    'ru-gs sees its own answer in Russian',
  );
  await page.locator(`[data-message="${delay.id}"] .countdown`, { hasText: 'подтверждено' }).first().waitFor({ timeout: 5000 });
  const sent = (await api(line, US, 'GET', '/v1/messages?box=outbox')).messages.find((m) => m.id === delay.id);
  const answered = sent.receipts['ru-gs'].answered;
  assert.equal(answered?.template?.type, 'acknowledgement');
  assert.equal(answered?.template?.status, 'will_comply');
  assert.equal(answered?.text, answerText);
  step('ru-gs answered «будет выполнено» with free text; the line has the structured answer');

  // A notice of its own, through the form: the Form choice, a declaration, times of day, a flight level.
  await page.check('#to input[value=us-cjtf]');
  await page.selectOption('#compose select[name=form]', 'operation_notice');
  assert.equal(await page.inputValue('#compose select[name=kind]'), 'notice', 'a notice goes as a notice');
  await page.selectOption('#compose select[name=notice_declaration]', ruDecl);
  await page.fill('#compose input[name=notice_start]', '1845Z');
  await page.fill('#compose input[name=notice_end]', '1945Z');
  await page.selectOption('#compose select[name=notice_lower_unit]', 'SFC');
  await page.fill('#compose input[name=notice_upper]', '250');
  await page.selectOption('#compose select[name=notice_upper_unit]', 'FL');
  assert.match(await page.textContent('#compose .field-note[data-for=notice_start]'), /^читается как \d+ июня 2017 18:45Z \(\d{2}1845ZJUN17\)$/);
  assert.equal(await page.textContent('#compose .field-note[data-for=notice_upper]'), '= 7 620 м / 25 000 фут (FL250)');
  await page.fill('#compose textarea[name=text]', 'Сообщите о готовности.');
  await page.click('#compose button[type=submit]');
  let own;
  const until = Date.now() + 15_000;
  while (!own && Date.now() < until) {
    own = (await api(line, RU, 'GET', '/v1/messages?box=outbox')).messages.find((m) => m.template?.type === 'operation_notice' && m.text === 'Сообщите о готовности.');
    if (!own) await page.waitForTimeout(250);
  }
  assert.ok(own, 'the notice composed in the form was sent');
  assert.equal(own.template.declaration, ruDecl);
  assert.equal(own.template.lower_m, null, 'SFC goes as the surface');
  assert.equal(own.template.upper_m, 7620, 'FL250 goes in metres');
  assert.match(own.template.start, /^2017-06-\d\dT18:45:00Z$/);
  assert.equal(own.text, 'Сообщите о готовности.');
  assert.equal(own.kind, 'notice');
  step(`ru-gs composed ${own.id}: ${JSON.stringify(own.template)}`);
  await msg(own.id).waitFor({ timeout: 15_000 });
  await delayCard.scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(shots, 'hotline-ru.png') });

  // ---- us-cjtf, in English ------------------------------------------------------------------------------------
  const us = await open(browser, line, US, 'en');
  const en = us.page;
  await tab(en, 'hotline');
  const answer = en.locator(`[data-message="${delay.id}"] .receipt[data-party="ru-gs"] .answer`).first();
  await answer.waitFor({ timeout: 15_000 });
  assert.equal((await answer.locator('.template-sentence').textContent()).trim(), 'Acknowledgement: will comply.');
  assert.equal((await answer.locator('.as-written-label').textContent()).trim(), 'as written — not translated');
  assert.equal((await answer.locator('.free-text').textContent()).trim(), answerText);
  assert.equal(await answer.locator('.free-text').getAttribute('dir'), 'auto');
  assert.match(await en.locator(`[data-message="${delay.id}"] .receipt[data-party="ru-gs"]`).first().textContent(), /answered \d+ \w+ \d\d:\d\dZ/);
  const delayEn = (await en.locator(`[data-message="${delay.id}"] .template-sentence`).first().textContent()).trim();
  assert.match(delayEn, new RegExp(`^Request to delay .*${ruDecl}.* by 45 min\\.$`), delayEn);
  step(`us-cjtf reads ru-gs's answer: "Acknowledgement: will comply." and, as written, "${answerText}"`);
  // ru-gs's own notice, in English, metres and feet.
  const ownCard = en.locator(`[data-message="${own.id}"]`).first();
  await ownCard.waitFor({ timeout: 15_000 });
  const ownEn = (await ownCard.locator('.template-sentence').textContent()).trim();
  assert.match(ownEn, new RegExp(`^Notice of operation .*${ruDecl}.*: \\d+ Jun 2017 18:45Z–19:45Z \\(\\d{2}1845ZJUN17 – \\d{2}1945ZJUN17\\), heights from SFC to 7 620 m / 25 000 ft \\(FL250\\)\\.$`), ownEn);
  assert.equal((await ownCard.locator('.free-text').textContent()).trim(), 'Сообщите о готовности.');
  assert.ok(CYRILLIC.test(await ownCard.locator('.free-text').textContent()), 'the Russian text is kept as written');
  assert.equal((await ownCard.locator('.as-written-label').textContent()).trim(), 'as written — not translated');
  step(`us-cjtf reads: ${ownEn}`);
  await en.locator(`[data-message="${delay.id}"]`).first().scrollIntoViewIfNeeded();
  await en.screenshot({ path: join(shots, 'hotline-en.png') });

  for (const s of [ru, us]) assert.deepEqual(s.errors, [], 'no page errors');
  console.log('e2e-hotline: passed');
} catch (e) {
  console.error('e2e-hotline: FAILED:', e);
  process.exitCode = 1;
} finally {
  await browser?.close();
  await stopDemo(line);
}
