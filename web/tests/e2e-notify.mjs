// Browser test of humanitarian notifications and the after-action report in the web picture, against a real
// `deconflict demo` on a 30x exercise clock (the demo's agreement gives recipients 30 minutes of the line to
// acknowledge: a minute here):
//
//   1  un-ocha declares a site (through the API) and notifies it to ru-gs, us-cjtf and tr-gs through the
//      panel's form (its name frames it on the map); the statement that a notification is not a guarantee of safety is always at the top;
//   2  us-cjtf and tr-gs, each signed in, acknowledge theirs in the browser; ru-gs lets it go;
//   3  past the deadline, un-ocha's panel shows ru-gs overdue, then escalated, in colour and in words, the
//      other two acknowledged; the demo's Idlib hospital notification lapsed; un-ocha re-confirms for the
//      two who acknowledged, and the site stays notified to them and lapses for ru-gs; a
//      movement's notification says it expires at the movement's end and asks no re-confirmation;
//   4  ru-gs's inbox shows hosp-e2e lapsed and Kafr Zeita escalated, with "Acknowledge"; it asks un-ocha whether the site is
//      protected; un-ocha answers in its panel; ru-gs reads the answer;
//   5  un-ocha reports an incident at the site: the history is shown and the proof bundle downloaded, which
//      `deconflict log verify-proof --policy P --bundle F` accepts;
//   6  ru-gs downloads its after-action report from the Record panel as HTML, PDF and proof bundle; a window
//      over the line's bound is refused in words beside the field.
//
// Screenshots: test-output/notifications.png (the notifier's panel), notifications-inbox.png, report.png.
// Usage: node tests/e2e-notify.mjs [--bin PATH] [--screenshots DIR]

import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { api, bin, browserPath, launchArgs, shots, signedIn, startDemo, step, stopDemo, tab } from './harness.mjs';

const SPEED = 30;
const SITE = 'hosp-e2e';
const iso = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/// The notifier's card of the sending that pins `SITE`.
const sending = (page) => page.locator('article.sending', { has: page.locator(`[data-site="${SITE}"]`) });
/// A recipient's card of `SITE`'s notification.
const received = (page) => page.locator('[data-box=inbox] article.notification', { has: page.locator(`[data-site="${SITE}"]`) });

/// Waits for the download that `click` starts, and reads it.
async function download(page, click) {
  const [d] = await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), click()]);
  const path = join(shots, `download-${d.suggestedFilename()}`);
  await d.saveAs(path);
  return { name: d.suggestedFilename(), path, bytes: await readFile(path) };
}

async function acknowledgeIn(page, who) {
  await tab(page, 'notifications');
  const card = received(page);
  await card.waitFor({ timeout: 20_000 });
  assert.match(await card.locator('.notify-state').textContent(), /awaiting acknowledgement/);
  assert.match(await card.locator('.countdown').textContent(), /left/, 'the deadline counts down');
  await card.getByRole('button', { name: 'Acknowledge' }).click();
  await card.locator('.badge.acknowledged').waitFor({ timeout: 15_000 });
  assert.equal(await card.getByRole('button', { name: 'Acknowledge' }).isVisible(), false);
  step(`${who} acknowledged in the browser`);
}

const line = await startDemo(SPEED);
step(`demo at ${line.url} (${bin}), clock ×${SPEED}`);
let browser;
const sessions = [];
try {
  await mkdir(shots, { recursive: true });
  browser = await chromium.launch({ executablePath: browserPath, args: launchArgs });
  const open = async (token) => {
    const s = await signedIn(browser, line, token);
    sessions.push(s);
    return s;
  };
  const un = await open(line.tokens.UN_OCHA);
  const us = await open(line.tokens.US_CJTF);
  const tr = await open(line.tokens.TR_GS);
  step('signed in as un-ocha, us-cjtf and tr-gs');

  // ---- 1: notify through the panel ----------------------------------------------------------------------
  const now = Date.parse((await api(line, line.tokens.UN_OCHA, 'GET', '/v1/credentials')).now);
  await api(line, line.tokens.UN_OCHA, 'POST', '/v1/declarations', {
    id: SITE,
    name: 'E2E field hospital',
    kind: 'site',
    audience: ['ru-gs', 'us-cjtf', 'tr-gs'],
    volumes: [{ footprint: { circle: { center: [37.2, 35.1], radius_m: 400 } }, altitude: { lower: 'SFC', upper: '300 m' }, time: { start: iso(now - 3_600_000), end: iso(now + 20 * 86_400_000) } }],
  });
  const p = un.page;
  await tab(p, 'notifications');
  const warning = p.locator('#panel-notifications .not-a-guarantee').first();
  assert.ok(await warning.isVisible(), 'the statement is visible');
  assert.match(await warning.textContent(), /^A notification is not a guarantee of safety\./);
  await p.locator('summary', { hasText: 'Notify parties' }).click();
  const form = p.locator('form.notify-form');
  await form.locator(`input[name=declarations][value="${SITE}"]`).waitFor({ timeout: 15_000 });
  await form.locator(`input[name=declarations][value="${SITE}"]`).check();
  for (const party of ['ru-gs', 'us-cjtf', 'tr-gs']) await form.locator(`input[name=to][value="${party}"]`).check();
  await form.locator('textarea[name=note]').fill('E2E: field hospital near Maarrat. Acknowledge within 30 minutes.');
  // Re-confirmed every 1.5 hours of the line (3 minutes here, the shortest a notifier may commit to is an
  // hour): long enough to watch ru-gs escalate first.
  await form.locator('input[name=reconfirm_h]').fill('1.5');
  await form.getByRole('button', { name: 'Notify' }).click();
  const card = sending(p);
  await card.waitFor({ timeout: 15_000 });
  await p.waitForFunction((site) => {
    const c = [...document.querySelectorAll('article.sending')].find((a) => a.querySelector(`[data-site="${site}"]`));
    return c && c.querySelectorAll('li.recipient').length === 3;
  }, SITE, { timeout: 15_000 });
  assert.match(await card.locator('[data-site]').textContent(), /E2E field hospital \(hosp-e2e\)/);
  assert.match(await card.locator('.reconfirm-row').textContent(), /Re-confirm by \d{6}Z[A-Z]{3}\d\d/);
  step('un-ocha notified hosp-e2e to ru-gs, us-cjtf and tr-gs through the panel');
  // What was notified, framed on the map when its name is clicked.
  await card.locator(`[data-site="${SITE}"]`).click();
  await p.waitForFunction(() => window.__deconflict.map().queryRenderedFeatures({ layers: ['focus'] }).length > 0, null, { timeout: 10_000 });
  const centre = await p.evaluate(() => window.__deconflict.map().getCenter().toArray());
  assert.ok(Math.abs(centre[0] - 37.2) < 0.05 && Math.abs(centre[1] - 35.1) < 0.05, `framed on the site: ${centre}`);
  step('its name frames it on the map');

  // ---- 2: two acknowledge in the browser ----------------------------------------------------------------
  await acknowledgeIn(us.page, 'us-cjtf');
  await acknowledgeIn(tr.page, 'tr-gs');
  for (const s of [us, tr]) assert.deepEqual(s.errors, [], 'no page errors');
  await us.context.close();
  await tr.context.close();
  sessions.splice(1, 2);

  // ---- 3: the notifier's panel: acknowledged, overdue then escalated, lapsed --------------------------------
  const state = (to) => card.locator(`li.recipient[data-to="${to}"]`).getAttribute('data-state');
  await p.waitForFunction((site) => {
    const c = [...document.querySelectorAll('article.sending')].find((a) => a.querySelector(`[data-site="${site}"]`));
    const st = (to) => c?.querySelector(`li.recipient[data-to="${to}"]`)?.dataset.state;
    return st('us-cjtf') === 'acknowledged' && st('tr-gs') === 'acknowledged';
  }, SITE, { timeout: 15_000 });
  assert.match(await card.locator('li.recipient[data-to="us-cjtf"]').textContent(), /acknowledged \d{6}Z[A-Z]{3}\d\d/);
  assert.equal(await state('ru-gs'), 'sent');
  // Re-confirm for the two who acknowledged, not for ru-gs: theirs stays in force, ru-gs's will lapse.
  for (const party of ['us-cjtf', 'tr-gs']) {
    await card.getByRole('button', { name: `Re-confirm for ${party}`, exact: true }).click();
  }
  // Past the deadline (30 minutes of the line): overdue, then escalated to the commander.
  await p.waitForFunction((site) => {
    const c = [...document.querySelectorAll('article.sending')].find((a) => a.querySelector(`[data-site="${site}"]`));
    return ['overdue', 'escalated'].includes(c?.querySelector('li.recipient[data-to="ru-gs"]')?.dataset.state);
  }, SITE, { timeout: 120_000 });
  step(`ru-gs shown ${await state('ru-gs')} past the deadline`);
  await p.waitForFunction((site) => {
    const c = [...document.querySelectorAll('article.sending')].find((a) => a.querySelector(`[data-site="${site}"]`));
    return c?.querySelector('li.recipient[data-to="ru-gs"]')?.dataset.state === 'escalated';
  }, SITE, { timeout: 60_000 });
  const ruRow = card.locator('li.recipient[data-to="ru-gs"]');
  assert.match(await ruRow.textContent(), /ESCALATED to the commander: not acknowledged/);
  const red = await ruRow.locator('.badge').evaluate((el) => getComputedStyle(el).backgroundColor);
  assert.equal(red, 'rgb(255, 107, 107)', 'escalated shown in red');
  assert.match(await card.getAttribute('class'), /\bescalated\b/);
  // The demo's Idlib hospital: not re-confirmed within its hour, lapsed for every recipient.
  const idlib = p.locator('article.sending', { has: p.locator('[data-site="hosp-idlib"]') });
  await p.waitForFunction(() => {
    const c = [...document.querySelectorAll('article.sending')].find((a) => a.querySelector('[data-site="hosp-idlib"]'));
    return c && [...c.querySelectorAll('li.recipient')].every((li) => li.dataset.state === 'lapsed');
  }, null, { timeout: 150_000 });
  assert.match(await idlib.locator('li.recipient').first().textContent(), /LAPSED \d{6}Z[A-Z]{3}\d\d: not re-confirmed in time/);
  assert.match(await idlib.getAttribute('class'), /\blapsed\b/);
  // Kafr Zeita: the demo's own, Russia's escalated.
  const kz = p.locator('article.sending', { has: p.locator('[data-site="hosp-kz"]') });
  assert.equal(await kz.locator('li.recipient[data-to="ru-gs"]').getAttribute('data-state'), 'escalated');
  assert.ok(await warning.isVisible(), 'the statement is still visible');
  await p.locator('#panel-notifications').evaluate((el) => {
    el.scrollTop = 0;
  });
  // The theatre in view again (the site's name framed it close up).
  await p.evaluate(() => window.__deconflict.map().jumpTo({ center: [37.6, 35.6], zoom: 6.6 }));
  await p.waitForTimeout(1500);
  await p.screenshot({ path: join(shots, 'notifications.png') });
  step('un-ocha sees us-cjtf and tr-gs acknowledged, ru-gs escalated to the commander (red, in words), Idlib lapsed');
  // Not re-confirmed for ru-gs: it lapses for ru-gs alone.
  await p.waitForFunction((site) => {
    const c = [...document.querySelectorAll('article.sending')].find((a) => a.querySelector(`[data-site="${site}"]`));
    return c?.querySelector('li.recipient[data-to="ru-gs"]')?.dataset.state === 'lapsed';
  }, SITE, { timeout: 420_000, polling: 1000 });
  const outbox = await api(line, line.tokens.UN_OCHA, 'GET', '/v1/notifications?box=outbox');
  const mine = Object.fromEntries(outbox.notifications.filter((n) => n.declarations[0].id === SITE).map((n) => [n.to, n]));
  assert.deepEqual(Object.keys(mine).sort(), ['ru-gs', 'tr-gs', 'us-cjtf']);
  for (const party of ['us-cjtf', 'tr-gs']) {
    assert.equal(mine[party].status, 'acknowledged', `${party}: acknowledged and in force`);
    assert.equal(mine[party].reconfirmations.length, 1, `${party}: re-confirmed`);
    assert.equal(await state(party), 'acknowledged');
  }
  assert.equal(mine['ru-gs'].status, 'lapsed', 'ru-gs: never acknowledged, not re-confirmed, lapsed');
  assert.match(await ruRow.textContent(), /LAPSED \d{6}Z[A-Z]{3}\d\d: not re-confirmed in time/);
  await p.screenshot({ path: join(shots, 'notifications-lapsed.png') });
  step('acknowledged by us-cjtf and tr-gs (re-confirmed for them), lapsed for ru-gs');

  // A movement's notification: no re-confirmation; it expires at the movement's end.
  await api(line, line.tokens.UN_OCHA, 'POST', '/v1/notifications', { declarations: ['convoy-raqqa'], to: ['us-cjtf'], note: 'Convoy to Raqqa' });
  const convoy = p.locator('article.sending', { has: p.locator('[data-site="convoy-raqqa"]') });
  await convoy.waitFor({ timeout: 15_000 });
  assert.match(await convoy.locator('.notified-what').textContent(), /^Movement: UN convoy Aleppo to Raqqa \(convoy-raqqa\) \(version \d+\) · expires 181600ZJUN17, at the movement’s end$/);
  assert.equal(await convoy.locator('.reconfirm-row').isVisible(), false, 'a movement is not re-confirmed');
  step('a movement notified: no re-confirmation, "expires 181600ZJUN17, at the movement’s end"');

  // ---- 4: the third party's inbox; a deconfliction request asked and answered ----------------------------
  const ru = await open(line.tokens.RU_GS);
  const rp = ru.page;
  await tab(rp, 'notifications');
  // hosp-e2e lapsed for ru-gs: shown so, with nothing left to acknowledge; the demo's Kafr Zeita is escalated
  // and awaits its acknowledgement.
  const mineRu = received(rp);
  await mineRu.waitFor({ timeout: 15_000 });
  assert.match(await mineRu.locator('.notify-state').textContent(), /LAPSED/);
  assert.equal(await mineRu.getByRole('button', { name: 'Acknowledge' }).count(), 0);
  const kzRu = rp.locator('[data-box=inbox] article.notification', { has: rp.locator('[data-site="hosp-kz"]') });
  assert.match(await kzRu.locator('.notify-state').textContent(), /ESCALATED to the (commander|chief)/);
  assert.ok(await kzRu.getByRole('button', { name: 'Acknowledge' }).isVisible());
  assert.match(await kzRu.locator('.countdown').textContent(), /^OVERDUE /);
  assert.ok(Number(await rp.textContent('#notify-count')) >= 1, 'the badge counts hosp-kz');
  assert.equal(await rp.locator('[data-box=outbox] article').count(), 0, 'ru-gs sent none');
  assert.doesNotMatch(await rp.textContent('[data-box=inbox]'), /us-cjtf|tr-gs/, 'ru-gs never learns who else was notified');
  await rp.screenshot({ path: join(shots, 'notifications-inbox.png') });
  step('ru-gs: hosp-e2e lapsed; Kafr Zeita escalated, with "Acknowledge"; the badge counts what awaits it');

  await rp.locator('summary', { hasText: 'Ask whether a place is protected' }).click();
  const ask = rp.locator('form.ask-form');
  await ask.locator('select[name=site]').selectOption(`un-ocha/${SITE}`);
  assert.equal(await ask.locator('select[name=to]').inputValue(), 'un-ocha');
  assert.match(await ask.locator('input[name=point]').inputValue(), /^37\.2\d* 35\.1\d*$/);
  await ask.locator('textarea[name=text]').fill('Strike planned near the field hospital: is it protected?');
  await ask.getByRole('button', { name: 'Ask' }).click();
  const asked = rp.locator('article.request');
  await asked.first().waitFor({ timeout: 15_000 });
  const rid = await asked.first().getAttribute('data-request');
  await p.locator(`article.request[data-request="${rid}"]`).waitFor({ timeout: 15_000 });
  const answer = p.locator(`article.request[data-request="${rid}"] form.answer-form`);
  await answer.locator('select[name=site]').selectOption(SITE);
  await answer.locator('input[name=text]').fill('Field hospital, notified');
  await answer.getByRole('button', { name: 'Answer' }).click();
  await rp.locator(`article.request.protected[data-request="${rid}"]`).waitFor({ timeout: 15_000 });
  assert.match(await rp.locator(`article.request[data-request="${rid}"] .request-state`).textContent(), /PROTECTED · site hosp-e2e · “Field hospital, notified”/);
  step(`request ${rid}: asked by ru-gs, answered by un-ocha in the browser (protected, hosp-e2e)`);

  // ---- 5: an incident report and its proof bundle -------------------------------------------------------------
  await p.locator('summary', { hasText: 'Report an incident' }).click();
  const incident = p.locator('form.incident-form');
  await incident.locator('select[name=site]').selectOption(`un-ocha/${SITE}`);
  await incident.locator('input[name=place]').fill('37.2 35.1');
  await incident.locator('textarea[name=description]').fill('Shelling hit the east wing');
  await incident.getByRole('button', { name: 'Report the incident' }).click();
  const result = p.locator('.incident-result article.incident');
  await result.waitFor({ timeout: 20_000 });
  const history = await result.textContent();
  assert.match(history, /→ ru-gs, version 1, now lapsed/);
  assert.match(history, /escalated to the commander \(entry \d+\)/);
  assert.match(history, /acknowledged \(entry \d+\)/);
  assert.match(history, /re-confirmed \(entry \d+\)/);
  assert.match(history, /verify-proof --policy POLICY --bundle FILE/);
  const bundleFile = await download(p, () => result.getByRole('button', { name: 'Download the proof bundle' }).click());
  const bundle = JSON.parse(bundleFile.bytes.toString('utf8'));
  assert.equal(bundle.bundle, 'deconflict-proof-bundle@v1');
  assert.equal(bundle.party, 'un-ocha');
  const policy = join(shots, 'e2e-notify.policy');
  await writeFile(policy, `log ${(await readFile(join(line.data, 'log.pub'), 'utf8')).trim()}\nquorum none\n`);
  const verified = await promisify(execFile)(bin, ['log', 'verify-proof', '--policy', policy, '--bundle', bundleFile.path]);
  step(`incident reported; bundle ${bundleFile.name} (${bundle.entries.length} entries) verified offline: ${`${verified.stdout}${verified.stderr}`.trim().split('\n')[0]}`);

  // ---- 6: the after-action report, downloaded as ru-gs ------------------------------------------------------
  await tab(rp, 'record');
  const openReport = rp.locator('#report-open');
  assert.equal(await openReport.textContent(), 'Report…');
  await openReport.click();
  const dialog = rp.locator('dialog.report-dialog');
  await dialog.waitFor();
  const from = await dialog.locator('input[name=from]').inputValue();
  const to = await dialog.locator('input[name=to]').inputValue();
  assert.match(from, /^\d{6}Z[A-Z]{3}\d\d$/);
  const lineNow = await rp.evaluate(() => window.__deconflict.lineNow());
  assert.ok(Math.abs(Date.parse((await api(line, line.tokens.RU_GS, 'GET', '/v1/credentials')).now) - lineNow) < 10 * 60_000);
  await rp.screenshot({ path: join(shots, 'report.png') });
  const files = {};
  for (const format of ['html', 'pdf', 'bundle']) {
    await dialog.locator(`input[name=format][value=${format}]`).check();
    files[format] = await download(rp, () => dialog.getByRole('button', { name: 'Download' }).click());
    assert.match(files[format].name, new RegExp(`^report-ru-gs-${from}-${to}\\.${format === 'bundle' ? 'bundle\\.json' : format}$`));
  }
  assert.match(files.html.bytes.subarray(0, 64).toString('utf8'), /^<!doctype html/i);
  assert.match(files.html.bytes.toString('utf8'), /After-action record: ru-gs/);
  assert.equal(files.pdf.bytes.subarray(0, 4).toString('latin1'), '%PDF');
  const reportBundle = JSON.parse(files.bundle.bytes.toString('utf8'));
  assert.equal(reportBundle.bundle, 'deconflict-proof-bundle@v1');
  assert.equal(reportBundle.party, 'ru-gs');
  await promisify(execFile)(bin, ['log', 'verify-proof', '--policy', policy, '--bundle', files.bundle.path]);
  step(`ru-gs downloaded ${Object.values(files).map((f) => `${f.name} (${f.bytes.length} bytes)`).join(', ')}; the bundle verifies`);
  // A window over the line's bound: refused in words beside "To", nothing saved.
  await dialog.locator('input[name=from]').fill('010000ZMAY17');
  await dialog.locator('input[name=format][value=html]').check();
  await dialog.getByRole('button', { name: 'Download' }).click();
  const refusal = dialog.locator('.field-note[data-for=to].error');
  await refusal.waitFor({ timeout: 15_000 });
  assert.match(await refusal.textContent(), /too long: a report covers at most 31 days/);
  step(`a 7-week window refused beside "To": "${await refusal.textContent()}"`);
  await dialog.getByRole('button', { name: 'Close' }).click();

  for (const s of sessions) assert.deepEqual(s.errors, [], 'no page errors');
  console.log('e2e-notify: passed');
} catch (e) {
  console.error('e2e-notify: FAILED:', e);
  process.exitCode = 1;
} finally {
  await browser?.close();
  await stopDemo(line);
}
