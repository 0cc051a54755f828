// Unit tests of the web picture's logic that needs no browser: the store's reducer (every action, and that
// it never changes the state it is given), the declare panel's readers, the record's summaries and the text
// helpers. The TypeScript is bundled in memory by esbuild and run by Node's test runner.
//
// Usage: node tests/unit.mjs

import { build } from 'esbuild';
import assert from 'node:assert/strict';
import { test } from 'node:test';

const here = new URL('..', import.meta.url).pathname;

/// The exports of the TypeScript modules `paths` (relative to web/), as one module.
async function load(paths) {
  const entry = paths.map((p, i) => `export * as m${i} from './${p}';`).join('\n');
  const out = await build({
    stdin: { contents: entry, resolveDir: here, loader: 'ts' },
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    write: false,
    define: { __TEST__: 'true' },
    logLevel: 'error',
  });
  const mod = await import(`data:text/javascript;base64,${Buffer.from(out.outputFiles[0].text).toString('base64')}`);
  return paths.map((_, i) => mod[`m${i}`]);
}

const [store, text, record, declare] = await load(['src/store.ts', 'src/text.ts', 'src/panels/record.ts', 'src/panels/declare.ts']);

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
  assert.deepEqual(s.checkpoint, { text: 'checkpoint of line.example: 42 entries, root abcdefghijkl…; signed', size: 42 });
  s = run([{ type: 'checkpoint/loaded', signed: null }], s);
  assert.deepEqual(s.checkpoint, { text: 'no signed checkpoint yet', size: 42 });
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

test("the record's summaries", () => {
  assert.equal(record.summary(event(1, 'declaration.created', { id: 'us-1', name: 'Strike' })), 'us-1: Strike');
  assert.equal(record.summary(event(2, 'message.sent', { precedence: 'FLASH', text: 'Hold' })), 'FLASH Hold');
  assert.equal(record.summary(event(3, 'conflict.found', { a: { id: 'x' }, b: { id: 'y' } })), 'x ↔ y');
  assert.equal(record.summary(event(4, 'other', 'not an object')), '');
});

test('times, countdowns and advice as they read', () => {
  assert.equal(text.shortTime('2017-06-18T15:30:00Z'), '18 Jun 15:30Z');
  assert.equal(text.shortTime(undefined), '—');
  assert.equal(text.countdown(9 * 60_000 + 59_000), '09:59');
  assert.equal(text.countdown(-(3600_000 + 5 * 60_000 + 9_000)), '-1:05:09');
  assert.equal(text.isoMinute(Date.parse('2017-06-18T15:30:42.123Z')), '2017-06-18T15:30:00Z');
  assert.equal(text.describeAdvice(null), 'No conflict left to clear.');
  assert.equal(text.describeAdvice({ delay_s: 600, climb_m: 300.4, descend_m: null }), 'Advice: delay by 10 min, or climb 300 m.');
});
