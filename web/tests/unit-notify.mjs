// Unit tests of the Notifications panel's and the report download's logic, with no browser: a
// notification's state as its card shows it, what awaits a party (the tab's badge), sent notifications
// grouped by sending, and the report's file name.
//
// Usage: node tests/unit-notify.mjs

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { load } from './bundled.mjs';



const [notify, report] = await load(['src/panels/notifications.ts', 'src/report.ts']);

const T = Date.parse('2017-06-18T12:00:00Z');
const note = (over) => ({
  id: 'n-1',
  from: 'un-ocha',
  to: 'ru-gs',
  status: 'pending',
  sent: '2017-06-18T06:00:00Z',
  deadline: '2017-06-18T18:00:00Z',
  declarations: [{ id: 'hosp-kz', version: 1 }],
  ...over,
});

test('a notification reads as the line says, a pending one as escalated, overdue or sent', () => {
  assert.equal(notify.noteState(note({}), T), 'sent');
  assert.equal(notify.noteState(note({ deadline: '2017-06-18T11:00:00Z' }), T), 'overdue');
  assert.equal(notify.noteState(note({ overdue: true }), T), 'overdue');
  assert.equal(notify.noteState(note({ escalations: [{ level: 'commander', at: '2017-06-18T11:00:00Z' }] }), T), 'escalated');
  for (const s of ['acknowledged', 'lapsed', 'expired', 'superseded']) {
    // The line's own verdict wins over the clock: a lapsed notification is never shown as merely overdue.
    assert.equal(notify.noteState(note({ status: s, deadline: '2017-06-18T11:00:00Z' }), T), s);
  }
});

test('the badge counts what awaits the party: to acknowledge, to answer, to re-confirm within a day', () => {
  const s = {
    who: { party: 'ru-gs' },
    notifications: [note({}), note({ id: 'n-2', status: 'acknowledged' }), note({ id: 'n-3', to: 'us-cjtf' })],
    requests: [{ id: 'r-1', to: 'ru-gs' }, { id: 'r-2', to: 'ru-gs', answer: { protected: true } }, { id: 'r-3', to: 'un-ocha' }],
  };
  assert.equal(notify.awaiting(s, T), 2);
  const ocha = {
    who: { party: 'un-ocha' },
    notifications: [
      note({ reconfirm_by: '2017-06-19T06:00:00Z' }),
      note({ id: 'n-2', reconfirm_by: '2017-07-18T06:00:00Z' }),
      note({ id: 'n-3', status: 'lapsed', reconfirm_by: '2017-06-18T13:00:00Z' }),
    ],
    requests: [],
  };
  assert.equal(notify.awaiting(ocha, T), 1, 'one live site notification due within a day; a lapsed one is not');
});

test('sent notifications group by sending, newest first, recipients in order', () => {
  const a = note({ id: 'n-1', to: 'us-cjtf' });
  const b = note({ id: 'n-2', to: 'ru-gs' });
  const later = note({ id: 'n-3', sent: '2017-06-18T07:00:00Z', to: 'tr-gs' });
  const other = note({ id: 'n-4', declarations: [{ id: 'hosp-idlib', version: 2 }] });
  const groups = notify.sendings([a, b, later, other]);
  assert.equal(groups.length, 3);
  assert.deepEqual(groups[0].list.map((n) => n.id), ['n-3']);
  const kz = groups.find((g) => g.list.some((n) => n.id === 'n-1'));
  assert.deepEqual(kz.list.map((n) => n.to), ['ru-gs', 'us-cjtf']);
});

test("the report's file name carries the party and the window as date-time groups", () => {
  const from = Date.parse('2017-06-18T04:00:00Z');
  const to = Date.parse('2017-06-18T23:00:00Z');
  assert.equal(report.reportFileName('ru-gs', from, to, 'pdf'), 'report-ru-gs-180400ZJUN17-182300ZJUN17.pdf');
  assert.equal(report.reportFileName('ru-gs', from, to, 'bundle'), 'report-ru-gs-180400ZJUN17-182300ZJUN17.bundle.json');
});
