// Unit tests of the web picture's logic that needs no browser: the store's reducer (every action, and that
// it never changes the state it is given), the declare panel's readers, the record's words for entries, the
// text helpers (heights, distances, advice), times typed as a time of day, a declaration's status shown, and
// the hotline's order of urgency. The TypeScript is bundled in memory by esbuild and run by Node's test runner.
//
// Usage: node tests/unit.mjs

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { load } from './bundled.mjs';



const [store, text, describe, declare, times, lifecycle, hotline] = await load([
  'src/store.ts',
  'src/text.ts',
  'src/describe.ts',
  'src/panels/declare.ts',
  'src/times.ts',
  'src/lifecycle.ts',
  'src/panels/hotline.ts',
]);

const who = { you: 'c1', party: 'us-cjtf', role: 'operator', now: '2017-06-18T15:00:00Z', clock_rate: 60 };
const event = (seq, kind = 'message.sent', content = {}) => ({ cursor: seq + 1, seq, kind, time: '2017-06-18T15:01:00Z', actor: 'x', content });

/// Applies `actions` in turn, checking that no step changes the state it was given.
function run(actions, s = store.initialState(who, 1000)) {
  for (const a of actions) {
    const before = structuredClone(s);
    const next = store.reduce(s, a);
    assert.deepEqual(s, before, `${a.type} changed the state it was given`);
    s = next;
  }
  return s;
}

test('the state at sign-in', () => {
  const s = store.initialState(who, 1000);
  assert.equal(s.signedInAt, Date.parse(who.now));
  assert.deepEqual(s.clock, { line: Date.parse(who.now), real: 1000, rate: 60 });
  assert.deepEqual(s.parties, ['us-cjtf']);
  assert.deepEqual(s.slider, { minutes: 0, playing: false });
});

test('agreements give the sorted parties, oneself included', () => {
  const s = run([{ type: 'agreements/loaded', agreements: [{ id: 'a', parties: ['ru-gs', 'us-cjtf'] }, { id: 'b', parties: ['un-ocha', 'ru-gs'] }] }]);
  assert.deepEqual(s.parties, ['ru-gs', 'un-ocha', 'us-cjtf']);
});

test('the stream: entries in order, the cursor forward; the past read later goes first, none twice', () => {
  let s = run([{ type: 'stream/event', event: event(5) }, { type: 'stream/event', event: event(6) }]);
  assert.deepEqual(s.events.map((e) => e.seq), [5, 6]);
  assert.equal(s.stream.cursor, 7);
  s = run([{ type: 'record/past', past: [event(1), event(2), event(5)] }], s);
  assert.deepEqual(s.events.map((e) => e.seq), [1, 2, 5, 6]);
  s = run([{ type: 'stream/state', status: 'down', detail: 'reconnecting', cursor: 7 }], s);
  assert.deepEqual(s.stream, { status: 'down', detail: 'reconnecting', cursor: 7 });
});

test('a checkpoint is described; none keeps the size known', () => {
  let s = run([{ type: 'checkpoint/loaded', signed: { origin: 'line.example', size: 42, root: 'abcdefghijklmnop' } }]);
  const signed = { origin: 'line.example', size: 42, root: 'abcdefghijklmnop' };
  assert.deepEqual(s.checkpoint, { text: 'checkpoint of line.example: 42 entries, root abcdefghijkl…; signed', size: 42, signed });
  s = run([{ type: 'checkpoint/loaded', signed: null }], s);
  assert.deepEqual(s.checkpoint, { text: 'no signed checkpoint yet', size: 42, signed: null });
});

test('lists, the clock, the slider and the draft', () => {
  const s = run([
    { type: 'declarations/loaded', declarations: [{ id: 'd' }] },
    { type: 'conflicts/loaded', conflicts: [{ id: 'c' }] },
    { type: 'alerts/loaded', alerts: [{ id: 'a' }] },
    { type: 'messages/loaded', boxes: { inbox: [{ id: 'm' }], outbox: [], escalated: [] } },
    { type: 'tracks/loaded', tracks: [{ id: 't' }] },
    { type: 'clock/synced', now: '2017-06-18T16:00:00Z', rate: 1, real: 5000 },
    { type: 'slider/set', minutes: 90 },
    { type: 'slider/playing', playing: true },
    { type: 'draft/points', points: [[36, 35], '352500N0363700E'] },
  ]);
  assert.equal(s.declarations[0].id, 'd');
  assert.equal(s.conflicts[0].id, 'c');
  assert.equal(s.alerts[0].id, 'a');
  assert.equal(s.boxes.inbox[0].id, 'm');
  assert.equal(s.tracks[0].id, 't');
  assert.deepEqual(s.clock, { line: Date.parse('2017-06-18T16:00:00Z'), real: 5000, rate: 1 });
  assert.deepEqual(s.slider, { minutes: 90, playing: true });
  assert.deepEqual(s.draft.points, [[36, 35], '352500N0363700E']);
  // A new shape starts a new drawing.
  assert.deepEqual(run([{ type: 'draft/shape', shape: 'circle' }], s).draft, { shape: 'circle', points: [] });
});

test('the store tells its listeners, and watch only on a change of what it picks', () => {
  const st = new store.Store(store.initialState(who, 0));
  const seen = [];
  st.watch((s) => s.parties, (s) => seen.push(s.parties.length), true);
  st.dispatch({ type: 'slider/set', minutes: 15 });
  st.dispatch({ type: 'agreements/loaded', agreements: [{ id: 'a', parties: ['ru-gs'] }] });
  assert.deepEqual(seen, [1, 2]);
});

test('points typed in the declare panel', () => {
  assert.deepEqual(declare.readPoints('36.5 35.25; 37, 36\n352500N0363700E;;'), [[36.5, 35.25], [37, 36], '352500N0363700E']);
  assert.equal(declare.altitudeText('150', 'FL'), 'FL150');
  assert.equal(declare.altitudeText('fl50', 'FL'), 'FL050');
  assert.equal(declare.altitudeText('0', 'SFC'), 'SFC');
  assert.equal(declare.altitudeText(' 3000 ', 'ft'), '3000 ft');
});

test("the record's entries in words, with names the party was given", () => {
  let s = run([
    { type: 'stream/event', event: event(1, 'declaration.version', { id: 'us-e2e-1', name: 'E2E strike package', party: 'us-cjtf', kind: 'air_operation', version: 1 }) },
    { type: 'stream/event', event: event(2, 'conflict.found', { id: 'c-1', a: { id: 'ru-44', party: 'ru-gs' }, b: { id: 'us-e2e-1', party: 'us-cjtf' } }) },
    { type: 'stream/event', event: event(3, 'message.sent', { id: 'm-3', precedence: 'FLASH', from: 'us-cjtf', to: ['ru-gs'], text: 'Hold' }) },
  ]);
  const n = describe.namesOf(s);
  const say = (e) => describe.describeEntry(e, n);
  assert.equal(say(s.events[0]), 'us-cjtf declared the air operation E2E strike package (us-e2e-1)');
  assert.equal(say(s.events[1]), 'Conflict found between E2E strike package (us-e2e-1) and ru-44 of ru-gs');
  assert.equal(say(s.events[2]), 'FLASH message from us-cjtf to ru-gs: “Hold”');
  assert.equal(say({ ...event(4, 'message.acknowledged', { id: 'm-3' }), actor: 'ru-gs' }), 'FLASH message from us-cjtf to ru-gs acknowledged by ru-gs');
  assert.equal(say({ ...event(5, 'conflict.acknowledged', { id: 'c-1' }), actor: 'ru-gs' }), 'ru-gs acknowledged the conflict between E2E strike package (us-e2e-1) and ru-44 of ru-gs');
  assert.equal(say({ ...event(6, 'declaration.state', { id: 'us-e2e-1', state: 'active' }), actor: 'line' }), 'E2E strike package (us-e2e-1) is now active (by the line, at its time)');
  assert.match(say(event(7, 'alert.raised', { kind: 'incursion', distance_m: 1099, declaration: { id: 'hosp-kz', party: 'un-ocha', name: 'Kafr Zeita hospital' }, tracks: [{ callsign: 'RF1', party: 'ru-gs', alt_m: 3048 }] })), /RF1 \(ru-gs\) at 3 048 m \/ 10 000 ft \(FL100\) is predicted to pass 1\.1 km from the edge of Kafr Zeita hospital \(hosp-kz\) of un-ocha/);
  assert.equal(say(event(8, 'other', 'not an object')), 'Entry of kind other');
  assert.equal(
    say({ ...event(9, 'notification.sent', { id: 'n-1', from: 'un-ocha', to: 'ru-gs', declarations: [{ id: 'hosp-kz', version: 1 }] }), actor: 'un-ocha' }),
    'un-ocha notified ru-gs of hosp-kz of un-ocha (notification n-1)',
  );
  assert.equal(say({ ...event(10, 'notification.acknowledged', { id: 'n-1' }), actor: 'ru-gs' }), 'Notification n-1 acknowledged by ru-gs');
  assert.equal(describe.entryGroup('notification.lapsed'), 'notifications');
  assert.equal(describe.entryGroup('alert.updated'), 'alert updates');
  assert.equal(describe.entryGroup('alert.raised'), 'alerts');
  assert.equal(describe.entryGroup('message.escalated'), 'hotline');
  s = run([{ type: 'declarations/loaded', declarations: [{ id: 'ru-44', party: 'ru-gs', version: 1, status: 'planned', declaration: { name: 'Sortie' } }] }], s);
  assert.equal(describe.declarationLabel(describe.namesOf(s), 'ru-gs', 'ru-44'), 'Sortie (ru-44) of ru-gs');
});

test('alerts in words: every figure explained', () => {
  const tracks = [{ callsign: 'VIPER11', party: 'us-cjtf', alt_m: 9000 }, { callsign: 'RF-1', party: 'ru-gs', alt_m: 9100 }];
  assert.equal(
    describe.alertWords({ kind: 'separation', los: false, t_los_s: 40.2, d_cpa_m: 1099, t_cpa_s: 75, tracks }),
    'VIPER11 (us-cjtf) at 9 000 m / 29 528 ft (FL295) and RF-1 (ru-gs) at 9 100 m / 29 856 ft (FL299): Separation will be lost in 40 s; closest approach 1.1 km in 1 min.',
  );
  assert.match(describe.alertWords({ kind: 'incursion', distance_m: 0, declaration: { id: 'x', party: 'p' }, tracks }), /is predicted to enter x of p\.$/);
  assert.match(describe.alertWords({ kind: 'incursion', declaration: { party: 'un-ocha' }, tracks: tracks.slice(0, 1) }), /enter a protected area of un-ocha within the next 5 minutes/);
});

test('heights in metres and feet, flight levels where they apply, the surface as SFC', () => {
  assert.equal(text.heightText(-1000), 'SFC');
  assert.equal(text.heightText(6096), '6 096 m / 20 000 ft (FL200)');
  assert.equal(text.heightText(100), '100 m / 328 ft');
  assert.equal(text.heightText(300), '300 m / 984 ft');
  assert.equal(text.bandText(-1000, 18288), 'SFC – 18 288 m / 60 000 ft (FL600)');
  assert.equal(text.distanceText(0), '0 m');
  assert.equal(text.distanceText(1099), '1.1 km');
  assert.equal(text.distanceText(123_456), '123 km');
  assert.equal(text.separationText(0, 0), 'overlapping (same place, same heights, same time)');
  assert.match(text.separationText(0, 150), /^over the same ground, 150 m \/ 492 ft apart vertically/);
  assert.match(text.separationText(4200, 0), /^4\.2 km apart, at overlapping heights/);
  assert.equal(text.durationText(40), '40 s');
  assert.equal(text.durationText(3900), '1 h 05 min');
});

test('times typed as a time of day: the next such time on the line, an end after its start', () => {
  const now = Date.parse('2017-06-18T05:30:00Z');
  for (const t of ['1830Z', '18:30Z', '1830', '18:30', '1830z']) assert.equal(times.readTime(t, now).send, '2017-06-18T18:30:00Z', t);
  // Already past today: tomorrow.
  assert.equal(times.readTime('0400Z', now).send, '2017-06-19T04:00:00Z');
  // An end: the first such time after the start.
  const start = times.readTime('2330Z', now);
  assert.equal(times.readTime('0130Z', now, start.ms).send, '2017-06-19T01:30:00Z');
  assert.equal(times.readTime('2330Z', now, start.ms).send, '2017-06-19T23:30:00Z');
  // What the line reads itself is sent as typed, and read back.
  assert.deepEqual(times.readTime('181830ZJUN17', now), { send: '181830ZJUN17', ms: Date.parse('2017-06-18T18:30:00Z'), expanded: false });
  assert.equal(times.readTime('181930CJUN17', now).ms, Date.parse('2017-06-18T16:30:00Z'));
  assert.equal(times.readTime('yesterday', now).ms, undefined);
  assert.equal(times.readBack(times.readTime('1830Z', now)), 'read as 18 Jun 2017 18:30Z (181830ZJUN17)');
  assert.equal(times.dtg(Date.parse('2017-06-01T00:00:00Z')), '010000ZJUN17');
});

test('a refusal in plain words, naming the field once', () => {
  const r = declare.plainRefusal(
    'volumes[0].time.start',
    'declaration "x" (declaration), field volumes[0].time.start: cannot read "1830Q" as a time (ISO 8601 with a zone, or a date-time group like 181400ZJUN17): neither RFC 3339 nor a date-time group DDHHMM, zone letter, month, year',
  );
  assert.equal(r.control, 'start');
  assert.equal(r.words, 'Start: cannot read “1830Q” as a time — write 1830Z, 2017-06-18T18:30Z or 181830ZJUN17');
  assert.equal(r.words.match(/start/gi).length, 1);
  assert.equal(declare.plainRefusal(undefined, 'too many declarations').words, 'Too many declarations');
});

test("a declaration's status against the line's time, and the actions valid for it", () => {
  const start = Date.parse('2017-06-01T00:00:00Z');
  const end = Date.parse('2017-07-01T00:00:00Z');
  const at = Date.parse('2017-06-18T05:30:00Z');
  const inWindow = lifecycle.statusShown('planned', start, end, at);
  assert.equal(inWindow.label, 'in its window — not yet active');
  assert.deepEqual(inWindow.actions, ['activate', 'cancel']);
  assert.equal(lifecycle.statusShown('planned', end, end + 1, at).label, 'planned');
  assert.deepEqual(lifecycle.statusShown('planned', start, start + 1, at).actions, ['end', 'cancel']);
  const active = lifecycle.statusShown('active', start, end, at);
  assert.equal(active.label, 'active');
  assert.ok(!active.actions.includes('activate'));
  assert.deepEqual(lifecycle.statusShown('cancelled', start, end, at).actions, []);
  assert.deepEqual(lifecycle.windowOf([{ start: '2017-06-18T05:30:00Z', end: '2017-06-18T06:30:00Z' }, { start: '2017-06-18T04:00:00Z', end: '2017-06-18T05:00:00Z' }]), [Date.parse('2017-06-18T04:00:00Z'), Date.parse('2017-06-18T06:30:00Z')]);
});

test('the hotline: urgency first, a stable order, and everything awaiting the party counted once', () => {
  const m = (id, precedence, deadline, receipts = {}) => ({ id, precedence, deadline, from: 'x', to: ['us-cjtf'], receipts });
  const open = { 'us-cjtf': { acknowledged: null } };
  const list = [m('m-9', 'ROUTINE', '2017-06-18T06:00:00Z'), m('m-8', 'FLASH', '2017-06-18T07:00:00Z'), m('m-7', 'FLASH', '2017-06-18T06:00:00Z'), m('m-6', 'IMMEDIATE', '2017-06-18T05:00:00Z'), m('m-5', 'FLASH', '2017-06-18T06:00:00Z')];
  assert.deepEqual(list.slice().sort(hotline.byUrgency).map((x) => x.id), ['m-5', 'm-7', 'm-8', 'm-6', 'm-9']);
  assert.deepEqual(list.slice().reverse().sort(hotline.byUrgency).map((x) => x.id), ['m-5', 'm-7', 'm-8', 'm-6', 'm-9']);
  const now = Date.parse('2017-06-18T06:30:00Z');
  const boxes = {
    inbox: [m('m-1', 'ROUTINE', '2017-06-18T09:00:00Z', open), m('m-2', 'FLASH', '2017-06-18T06:00:00Z', { 'us-cjtf': { acknowledged: '2017-06-18T05:59:00Z' } })],
    escalated: [m('m-3', 'FLASH', '2017-06-18T06:00:00Z', open), m('m-1', 'ROUTINE', '2017-06-18T09:00:00Z', open)],
    outbox: [m('m-4', 'IMMEDIATE', '2017-06-18T06:00:00Z', { 'ru-gs': { acknowledged: null } }), m('m-10', 'ROUTINE', '2017-06-18T09:00:00Z', { 'ru-gs': { acknowledged: null } })],
  };
  const s = hotline.sections({ boxes, who }, now);
  assert.deepEqual(s.awaiting.map((l) => l.m.id), ['m-3', 'm-4', 'm-1']);
  assert.deepEqual(s.received.map((l) => l.m.id), ['m-2']);
  assert.deepEqual(s.sent.map((l) => l.m.id), ['m-10']);
  assert.ok(s.awaiting.find((l) => l.m.id === 'm-1').escalated);
});

test('times, countdowns and advice as they read', () => {
  assert.equal(text.shortTime('2017-06-18T15:30:00Z'), '18 Jun 15:30Z');
  assert.equal(text.shortTime(undefined), '—');
  assert.equal(text.countdown(9 * 60_000 + 59_000), '09:59');
  assert.equal(text.countdown(-(3600_000 + 5 * 60_000 + 9_000)), '-1:05:09');
  assert.equal(text.isoMinute(Date.parse('2017-06-18T15:30:42.123Z')), '2017-06-18T15:30:00Z');
  assert.equal(text.describeAdvice(null), 'No conflict left to clear.');
  assert.equal(text.describeAdvice({ delay_s: 600, climb_m: 300.4, descend_m: null }), 'Advice: to clear every conflict, delay it by 10 min, or climb 300 m / 986 ft (no descent within 3 000 m / 9 843 ft would).');
  // Never the answer's JSON: nothing found, or nothing that applies to the kind.
  const none = text.describeAdvice({ delay_s: null, climb_m: null, descend_m: null });
  assert.doesNotMatch(none, /[{}]|null/);
  assert.match(none, /^No advice: no delay within a day, no climb within 3 000 m \/ 9 843 ft, no descent within 3 000 m \/ 9 843 ft clears every conflict/);
  assert.match(text.describeAdvice({}), /^No advice: this kind of declaration does not move/);
});
