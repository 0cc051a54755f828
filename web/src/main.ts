// The deconflict web picture: one party's slice of the line — map, conflicts and alerts, hotline, declare,
// record — over the public API and the party's stream. Everything shown was given to the signed-in party;
// nothing is computed here that the line does not say.

import type { Feature } from 'geojson';
import { Api, ApiError, LogEvent, Stream, Whoami, readHistory } from './api';
import { $, countdown, h, isoMinute, shortTime } from './dom';
import { PictureMap, partyColour } from './map';
import { installTestHook } from './testhook';

const TOKEN_KEY = 'deconflict.token';
const HOURS_AHEAD = 96;
const TRAIL_POINTS = 8;
/// Cards drawn at most in one list (the map shows everything).
const LIST_MAX = 100;

interface State {
  api: Api;
  who: Whoami;
  clock: { line: number; real: number; rate: number };
  parties: string[];
  declarations: any[];
  conflicts: any[];
  alerts: any[];
  boxes: Record<'inbox' | 'outbox' | 'escalated', any[]>;
  events: LogEvent[];
  checkpointSize: number;
  trails: Map<string, number[][]>;
  tracks: any[];
  sliderMin: number;
  playing: boolean;
  /// The line's time at sign-in.
  signedInAt: number;
}

let state: State;
let picture: PictureMap;
let stream: Stream | undefined;
const timers: number[] = [];

// ---- time ------------------------------------------------------------------------------------------------

function lineNow(): number {
  const c = state.clock;
  return c.line + (Date.now() - c.real) * c.rate;
}

function sliderTime(): number {
  return lineNow() + state.sliderMin * 60_000;
}

async function syncClock() {
  const who: Whoami = await state.api.get('/v1/credentials');
  state.clock = { line: Date.parse(who.now), real: Date.now(), rate: who.clock_rate };
}

// ---- sign-in ---------------------------------------------------------------------------------------------

async function signIn(token: string) {
  const api = new Api(token);
  const who: Whoami = await api.get('/v1/credentials');
  api.onUnauthorized = () => {
    toast('The line no longer takes this token: sign in again.', true);
    setTimeout(signOut, 1500);
  };
  sessionStorage.setItem(TOKEN_KEY, token);
  state = {
    api,
    who,
    clock: { line: Date.parse(who.now), real: Date.now(), rate: who.clock_rate },
    parties: [],
    declarations: [],
    conflicts: [],
    alerts: [],
    boxes: { inbox: [], outbox: [], escalated: [] },
    events: [],
    checkpointSize: 0,
    trails: new Map(),
    tracks: [],
    sliderMin: 0,
    playing: false,
    signedInAt: Date.parse(who.now),
  };
  $('#signin').hidden = true;
  $('#app').hidden = false;
  $('#who').textContent = `${who.party} · ${who.role.replace('_', ' ')}`;
  // An exercise's line says so on every screen: nobody may take its picture for the real one.
  const exercise = $('#exercise');
  exercise.hidden = !who.exercise;
  exercise.textContent = who.clock_rate === 1 ? 'EXERCISE' : `EXERCISE · clock ×${who.clock_rate}`;
  snapshot.length = 0;
  // The party's picture is asked for first; the map is set up while the answers come, and the picture is
  // drawn once both are in.
  const loaded = Promise.all([loadAgreements(), fetchDeclarations(), loadConflicts(), loadAlerts(), loadMessages()]);
  if (!picture) picture = new PictureMap($('#map'), showDetails, onMapClick);
  await picture.ready;
  await loaded;
  drawDeclarations();
  drawAlerts();
  // Frame everything the party may see; the basemap comes under it once it is drawn.
  picture.fit(state.declarations.flatMap((d) => (d.outline ?? []).map((v: any) => v.ring)), 0);
  picture.map.once('idle', () => picture.addBasemap());
  loadCheckpoint();
  stream = new Stream(token, onEvent, onStreamState);
  // Live from the snapshot the panels were loaded with (everything after it comes on the stream); the
  // record reads what came before only when it is opened.
  stream.cursor = snapshot.length ? Math.min(...snapshot) : 0;
  historyUntil = stream.cursor;
  pastRead = undefined;
  stream.start();
  timers.push(window.setInterval(pollTracks, 1000));
  timers.push(window.setInterval(tick, 250));
  timers.push(window.setInterval(() => syncClock().catch(() => {}), 15_000));
  timers.push(window.setInterval(loadCheckpoint, 10_000));
  pollTracks();
  renderDeclare();
  document.body.dataset.ready = 'true';
}

function signOut() {
  stream?.stop();
  stream = undefined;
  timers.splice(0).forEach((t) => clearInterval(t));
  sessionStorage.removeItem(TOKEN_KEY);
  location.hash = '';
  location.reload();
}

// ---- loading ---------------------------------------------------------------------------------------------

async function loadAgreements() {
  const answer = await state.api.getAll('/v1/agreements', 'agreements');
  noteCursor(answer);
  const agreements: any[] = answer.agreements;
  const set = new Set<string>([state.who.party]);
  for (const a of agreements) for (const p of a.parties ?? []) set.add(p);
  state.parties = [...set].sort();
  renderLegend();
}

/// The log's size each list reflected when it was loaded at sign-in: the stream starts at the least of them,
/// so the picture starts from a snapshot, not from the log's first entry.
const snapshot: number[] = [];
function noteCursor(answer: any) {
  if (typeof answer?.cursor === 'number') snapshot.push(answer.cursor);
}

async function fetchDeclarations() {
  const answer = await state.api.getAll('/v1/declarations?outline=true', 'declarations');
  noteCursor(answer);
  state.declarations = answer.declarations;
}

async function loadDeclarations() {
  await fetchDeclarations();
  drawDeclarations();
}

async function loadConflicts() {
  const answer = await state.api.getAll('/v1/conflicts', 'conflicts');
  noteCursor(answer);
  state.conflicts = answer.conflicts;
  renderConflicts();
}

async function loadAlerts() {
  state.alerts = (await state.api.getAll('/v1/alerts', 'alerts')).alerts;
  renderConflicts();
  if (picture) drawAlerts();
}

async function loadMessages() {
  const [inbox, outbox, escalated] = await Promise.all(
    ['inbox', 'outbox', 'escalated'].map((b) => state.api.getAll(`/v1/messages?box=${b}`, 'messages')),
  );
  [inbox, outbox, escalated].forEach(noteCursor);
  state.boxes = { inbox: inbox.messages, outbox: outbox.messages, escalated: escalated.messages };
  renderHotline();
}

async function loadCheckpoint() {
  try {
    const res = await fetch('/v1/log/checkpoint', { headers: { Authorization: `Bearer ${state.api.token}` } });
    if (!res.ok) {
      $('#checkpoint').textContent = 'no signed checkpoint yet';
      return;
    }
    const lines = (await res.text()).split('\n');
    state.checkpointSize = Number(lines[1]);
    $('#checkpoint').textContent = `checkpoint of ${lines[0]}: ${state.checkpointSize} entries, root ${lines[2].slice(0, 12)}…; signed`;
    renderRecord();
  } catch {
    /* shown on the next try */
  }
}

const pending = new Map<string, number>();
function soon(what: string, f: () => Promise<void>) {
  if (pending.has(what)) return;
  pending.set(
    what,
    window.setTimeout(() => {
      pending.delete(what);
      f().catch((e) => toast(String(e.message ?? e), true));
    }, 150),
  );
}

function onEvent(e: LogEvent) {
  state.events.push(e);
  const k = e.kind;
  // The stream first replays the past, which the panels were loaded with: only what happens after signing in
  // is news (and reloads what it changes).
  const fresh = Date.parse(e.time) >= state.signedInAt;
  soon('record', async () => renderRecord());
  if (!fresh) return;
  if (k.startsWith('declaration')) soon('declarations', loadDeclarations);
  if (k.startsWith('conflict') || k.startsWith('declaration')) soon('conflicts', loadConflicts);
  if (k.startsWith('message')) soon('messages', loadMessages);
  if (k.startsWith('alert')) soon('alerts', loadAlerts);
  if (k.startsWith('agreement')) soon('agreements', loadAgreements);
  if (k === 'conflict.found') {
    const other = e.content?.a?.party === state.who.party ? e.content?.b : e.content?.a;
    toast(`New conflict with ${other?.party ?? 'another party'} (${other?.id ?? ''})`, true);
  }
  if (k === 'message.sent' && (e.content?.to ?? []).includes(state.who.party)) {
    toast(`${e.content.precedence} message from ${e.content.from}`, e.content.precedence === 'FLASH');
  }
}

function onStreamState(s: 'live' | 'connecting' | 'down', detail?: string) {
  const el = $('#stream');
  el.textContent = s === 'live' ? '● live' : s === 'connecting' ? '○ connecting' : `○ ${detail ?? 'down'}`;
  el.className = `stream ${s}`;
  el.title = `stream cursor ${stream?.cursor ?? 0}`;
}

// ---- the map ---------------------------------------------------------------------------------------------

function drawDeclarations() {
  const features: Feature[] = [];
  for (const d of state.declarations) {
    const decl = d.declaration;
    (d.outline ?? []).forEach((v: any, i: number) => {
      features.push({
        type: 'Feature',
        geometry: { type: 'Polygon', coordinates: [v.ring] },
        properties: {
          what: 'declaration',
          id: d.id,
          volume: i,
          name: decl.name ?? d.id,
          party: d.party,
          kind: decl.kind,
          status: d.status,
          own: d.party === state.who.party,
          colour: partyColour(d.party, state.parties),
          start: Date.parse(v.start),
          end: Date.parse(v.end),
          startText: v.start,
          endText: v.end,
          lower_m: v.lower_m,
          upper_m: v.upper_m,
        },
      });
    });
  }
  picture.set('decl', features);
  picture.setTime(sliderTime());
  $('#decl-count').textContent = String(state.declarations.length);
}

async function pollTracks() {
  try {
    const { tracks } = await state.api.getAll('/v1/tracks', 'tracks');
    state.tracks = tracks;
    drawTracks();
  } catch {
    /* the next poll tries again */
  }
}

function drawTracks() {
  const seen = new Set<string>();
  const colour = partyColour(state.who.party, state.parties);
  const dots = state.tracks.map((t) => {
    seen.add(t.id);
    let trail = state.trails.get(t.id);
    if (!trail) state.trails.set(t.id, (trail = []));
    const last = trail[trail.length - 1];
    if (!last || last[0] !== t.lon || last[1] !== t.lat) trail.push([t.lon, t.lat]);
    if (trail.length > TRAIL_POINTS) trail.shift();
    return {
      lon: t.lon,
      lat: t.lat,
      colour,
      trail: trail.slice(0, -1),
      props: { what: 'track', id: t.id, callsign: t.callsign, party: t.party, alt_m: t.alt_m, gs_mps: t.gs_mps, trk_deg: t.trk_deg, reported: t.reported },
    };
  });
  for (const k of [...state.trails.keys()]) if (!seen.has(k)) state.trails.delete(k);
  picture.overlay.setTracks(dots);
  $('#track-count').textContent = String(state.tracks.length);
}

function drawAlerts() {
  const dots = [];
  for (const a of state.alerts) {
    if (a.status !== 'open') continue;
    for (const t of a.tracks ?? []) {
      dots.push({
        lon: t.lon,
        lat: t.lat,
        colour: '#ff3b30',
        props: { what: 'alert', alert: a.id, kind: a.kind, id: t.id, callsign: t.callsign, party: t.party, alt_m: t.alt_m, parties: (a.parties ?? []).join(', '), declaration: a.declaration?.name ?? '' },
      });
    }
  }
  picture.overlay.setAlerts(dots);
  $('#alert-count').textContent = String(state.alerts.filter((a) => a.status === 'open').length);
}

function showDetails(p: Record<string, any>) {
  const rows: [string, unknown][] =
    p.what === 'declaration'
      ? [
          ['declaration', `${p.name} (${p.id})`],
          ['party', p.party],
          ['kind', p.kind],
          ['status', p.status],
          ['altitude', `${Math.round(p.lower_m)}–${Math.round(p.upper_m)} m (FL${Math.round(p.lower_m / 30.48)}–FL${Math.round(p.upper_m / 30.48)})`],
          ['time', `${shortTime(p.startText)} – ${shortTime(p.endText)}`],
        ]
      : p.what === 'alert'
        ? [
            ['alert', `${p.kind} (${p.alert})`],
            ['track', `${p.callsign || p.id} of ${p.party}`],
            ['altitude', `${Math.round(p.alt_m)} m`],
            ['parties', p.parties],
            ['into', p.declaration],
          ]
        : [
            ['track', `${p.callsign || p.id}`],
            ['party', p.party],
            ['altitude', `${Math.round(p.alt_m)} m`],
            ['speed, track', `${Math.round(p.gs_mps)} m/s, ${Math.round(p.trk_deg)}°`],
            ['reported', shortTime(p.reported)],
          ];
  const box = $('#details');
  box.replaceChildren(
    h('button', { class: 'close', 'aria-label': 'close details', onclick: () => (box.hidden = true) }, '×'),
    h('dl', {}, ...rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, String(v ?? '—'))])),
    ...(p.what === 'declaration' && p.party === state.who.party ? [lifecycle(String(p.id))] : []),
  );
  box.hidden = false;
  box.querySelector<HTMLButtonElement>('button.close')?.focus();
}

/// Activate, end or cancel one's own declaration (at the version shown, so a stale view is refused).
function lifecycle(id: string): HTMLElement {
  // Ids live in each party's own namespace: the caller's own declaration of this id.
  const d = state.declarations.find((x) => x.id === id && x.party === state.who.party);
  if (!d) return h('span');
  const step = (action: string, label: string) =>
    h(
      'button',
      {
        onclick: () =>
          act(async () => {
            await state.api.post(`/v1/declarations/${encodeURIComponent(id)}/${action}`, undefined, { 'If-Match': `"${d.version}"` });
            $('#details').hidden = true;
            await loadDeclarations();
          }, `${id}: ${label.toLowerCase()}`),
      },
      label,
    );
  const open = d.status === 'planned' || d.status === 'active';
  return h(
    'div',
    { class: 'actions' },
    d.status === 'planned' ? step('activate', 'Activate') : null,
    d.status === 'active' ? step('end', 'End') : null,
    open ? step('cancel', 'Cancel') : null,
  );
}

function focusDeclaration(id: string, extra: number[][][] = []) {
  const d = state.declarations.find((x) => x.id === id && x.party === state.who.party);
  const rings: number[][][] = (d?.outline ?? []).map((v: any) => v.ring);
  const all = rings.concat(extra);
  picture.set(
    'focus',
    all.map((r) => ({ type: 'Feature', geometry: { type: 'LineString', coordinates: r }, properties: {} })),
  );
  picture.fit(all);
}

function renderLegend() {
  $('#legend').replaceChildren(
    ...state.parties.map((p) =>
      h('span', { class: 'chip' }, h('i', { style: `background:${partyColour(p, state.parties)}` }), p === state.who.party ? `${p} (you)` : p),
    ),
  );
}

// ---- time slider -----------------------------------------------------------------------------------------

function tick() {
  $('#clock').textContent = `line time ${isoMinute(lineNow()).replace('T', ' ').replace(':00Z', 'Z')}${state.clock.rate !== 1 ? ` (×${state.clock.rate})` : ''}`;
  if (state.playing) {
    state.sliderMin += 15;
    if (state.sliderMin >= HOURS_AHEAD * 60) {
      state.sliderMin = HOURS_AHEAD * 60;
      setPlaying(false);
    }
    ($('#slider') as HTMLInputElement).value = String(state.sliderMin);
  }
  const t = sliderTime();
  $('#slider-label').textContent =
    state.sliderMin === 0 ? `now · ${shortTime(t)}` : `+${(state.sliderMin / 60).toFixed(2).replace(/\.00$/, '')} h · ${shortTime(t)}`;
  picture.setTime(t);
  for (const el of document.querySelectorAll<HTMLElement>('[data-deadline]')) showCountdown(el);
}

/// A deadline's countdown in the line's time; red once overdue.
function showCountdown(el: HTMLElement): HTMLElement {
  const left = Date.parse(el.dataset.deadline ?? '') - lineNow();
  const done = el.dataset.done === 'true';
  el.textContent = done ? 'acknowledged' : left < 0 ? `OVERDUE ${countdown(-left)}` : countdown(left);
  el.classList.toggle('overdue', !done && left < 0);
  return el;
}

function setPlaying(on: boolean) {
  state.playing = on;
  const b = $('#play');
  b.textContent = on ? '❚❚ pause' : '▶ play';
  b.setAttribute('aria-pressed', String(on));
}

// ---- conflicts and alerts --------------------------------------------------------------------------------

function conflictState(c: any): string {
  const mine = c.parties?.[state.who.party] ?? {};
  if (c.status && c.status !== 'open') return c.status;
  if (mine.disputed) return 'disputed';
  if (mine.accepted) return 'accepted';
  if (mine.acknowledged) return 'acknowledged';
  return 'open';
}

async function act(what: () => Promise<unknown>, done?: string) {
  try {
    await what();
    if (done) toast(done);
  } catch (e: any) {
    toast(e instanceof ApiError ? e.message : String(e), true);
  }
}

function renderConflicts() {
  const filter = ($('#conflict-filter') as HTMLSelectElement).value;
  const all = state.conflicts.map((c) => ({ c, s: conflictState(c) }));
  const list = all
    .filter(({ s }) => filter === 'all' || s === filter)
    .sort((a, b) => String(a.c.start).localeCompare(String(b.c.start)));
  const open = state.alerts.filter((a) => a.status === 'open');
  $('#alerts').replaceChildren(
    ...(open.length ? [h('h3', {}, `Live alerts (${open.length})`)] : []),
    ...(open.length > LIST_MAX ? [h('p', { class: 'muted' }, `The latest ${LIST_MAX} are shown; all flash on the map.`)] : []),
    ...open.slice(-LIST_MAX).reverse().map((a) =>
      h(
        'article',
        { class: 'card alert', 'data-alert': a.id },
        h('header', {}, h('b', {}, a.kind === 'incursion' ? 'Incursion' : a.los ? 'Loss of separation' : 'Separation at risk'), ' ', (a.parties ?? []).join(' · ')),
        h('p', {}, (a.tracks ?? []).map((t: any) => `${t.callsign || t.id} (${t.party}) ${Math.round(t.alt_m)} m`).join(' ↔ '), a.declaration ? ` into ${a.declaration.name ?? a.declaration.id}` : ''),
        h('p', { class: 'muted' }, alertWhen(a)),
        h('button', { onclick: () => picture.fit([(a.tracks ?? []).map((t: any) => [t.lon, t.lat])]) }, 'show on map'),
      ),
    ),
  );
  const counts: Record<string, number> = {};
  for (const { s } of all) counts[s] = (counts[s] ?? 0) + 1;
  $('#conflict-counts').textContent = Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(' · ') || 'none';
  $('#conflict-list').replaceChildren(
    ...(list.length > LIST_MAX ? [h('p', { class: 'muted' }, `The first ${LIST_MAX} of ${list.length} are shown.`)] : []),
    ...list.slice(0, LIST_MAX).map(({ c, s }) => {
      const reason = h('input', { type: 'text', placeholder: 'reason (e.g. not my forces)', 'aria-label': 'reason for dispute' });
      const advice = h('p', { class: 'advice' });
      const own = c.declaration?.id;
      return h(
        'article',
        { class: `card conflict ${s}`, 'data-conflict': c.id },
        h('header', {}, h('b', {}, own), ' ↔ ', h('b', {}, `${c.other?.id}`), ` of ${c.other?.party}`, h('span', { class: `badge ${s}` }, s)),
        h('p', {}, `${shortTime(c.start)} – ${shortTime(c.end)} · ${Math.round(c.distance_m)} m apart, ${Math.round(c.vertical_gap_m)} m vertical gap`),
        c.agreements ? h('p', { class: 'muted' }, `under ${c.agreements.join(', ')}`) : null,
        h(
          'div',
          { class: 'actions' },
          h('button', { onclick: () => act(() => state.api.post(`/v1/conflicts/${c.id}/acknowledge`).then(loadConflicts), 'Acknowledged') }, 'Acknowledge'),
          h('button', { onclick: () => act(() => state.api.post(`/v1/conflicts/${c.id}/accept`).then(loadConflicts), 'Accepted') }, 'Accept'),
          reason,
          h('button', { onclick: () => act(() => state.api.post(`/v1/conflicts/${c.id}/dispute`, { reason: reason.value }).then(loadConflicts), 'Disputed') }, 'Dispute'),
          h(
            'button',
            {
              onclick: () =>
                act(async () => {
                  const a = await state.api.get(`/v1/declarations/${encodeURIComponent(own)}/advice`);
                  advice.textContent = describeAdvice(a.advice);
                }),
            },
            'Advice',
          ),
          h('button', { onclick: () => focusDeclaration(own, otherRings(c)) }, 'Map'),
        ),
        advice,
      );
    }),
  );
}

/// When and how close: separation lost now or in so many seconds, closest approach; or an incursion's window.
function alertWhen(a: any): string {
  if (a.kind === 'separation') {
    const lost = a.los ? 'separation lost now' : `separation lost in ${Math.round(a.t_los_s ?? 0)} s`;
    return `${lost} · closest ${Math.round(a.d_cpa_m ?? 0)} m in ${Math.round(a.t_cpa_s ?? 0)} s · raised ${shortTime(a.raised)}`;
  }
  return `from ${shortTime(a.start)} to ${shortTime(a.end)} · ${Math.round(a.distance_m ?? 0)} m · raised ${shortTime(a.raised)}`;
}

function otherRings(c: any): number[][][] {
  const visible = state.declarations.find((d) => d.id === c.other?.id && d.party === c.other?.party);
  return (visible?.outline ?? []).map((v: any) => v.ring);
}

function describeAdvice(a: any): string {
  if (!a) return 'No conflict left to clear.';
  const parts: string[] = [];
  if (a.delay_s !== null && a.delay_s !== undefined) parts.push(`delay by ${Math.round(a.delay_s / 60)} min`);
  if (a.climb_m !== null && a.climb_m !== undefined) parts.push(`climb ${Math.round(a.climb_m)} m`);
  if (a.descend_m !== null && a.descend_m !== undefined) parts.push(`descend ${Math.round(a.descend_m)} m`);
  return parts.length ? `Advice: ${parts.join(', or ')}.` : `Advice: ${JSON.stringify(a)}`;
}

// ---- hotline ---------------------------------------------------------------------------------------------

function renderHotline() {
  const box = ($('#box') as HTMLSelectElement).value as 'inbox' | 'outbox' | 'escalated';
  const unacked = state.boxes.inbox.filter((m) => !m.receipts?.[state.who.party]?.acknowledged).length;
  $('#inbox-count').textContent = String(unacked);
  $('#message-list').replaceChildren(
    ...state.boxes[box]
      .slice()
      .sort((a, b) => String(b.sent).localeCompare(String(a.sent)))
      .slice(0, LIST_MAX)
      .map((m) => messageCard(m, box)),
  );
}

function messageCard(m: any, box: string) {
  const mine = m.receipts?.[state.who.party];
  const receipts = Object.entries(m.receipts ?? {}) as [string, any][];
  const answer = h('input', { type: 'text', placeholder: 'answer', 'aria-label': `answer to ${m.id}` });
  const acknowledged = box === 'outbox' ? receipts.every(([, r]) => r.acknowledged) : !!mine?.acknowledged;
  return h(
    'article',
    { class: `card message ${m.precedence}`, 'data-message': m.id },
    h(
      'header',
      {},
      h('span', { class: `badge ${m.precedence}` }, m.precedence),
      ` ${m.from} → ${(m.to ?? []).join(', ')} · ${m.kind} · ${shortTime(m.sent)} `,
      showCountdown(h('span', { class: 'countdown', dataset: { deadline: m.deadline, done: String(acknowledged) }, title: `deadline ${m.deadline}` })),
    ),
    h('p', {}, m.text),
    ...receipts.map(([p, r]) =>
      h(
        'p',
        { class: 'muted receipt' },
        `${p}: ${r.acknowledged ? `acknowledged ${shortTime(r.acknowledged)}` : r.delivered ? `delivered ${shortTime(r.delivered)}` : 'not yet delivered'}`,
        r.answered ? ` · answered ${shortTime(r.answered)}` : '',
        r.answer ? ` “${r.answer}”` : '',
        ...(r.escalations ?? []).map((e: any) => h('span', { class: 'escalation' }, ` ⚠ escalated to ${e.level ?? e.role ?? '?'} ${shortTime(e.time ?? e.at)}`)),
      ),
    ),
    box !== 'outbox' && mine && !mine.acknowledged
      ? h(
          'div',
          { class: 'actions' },
          h('button', { onclick: () => act(() => state.api.post(`/v1/messages/${m.id}/acknowledge`).then(loadMessages), 'Acknowledged') }, 'Acknowledge'),
          answer,
          h('button', { onclick: () => act(() => state.api.post(`/v1/messages/${m.id}/answer`, { text: answer.value }).then(loadMessages), 'Answered') }, 'Answer'),
        )
      : null,
  );
}

async function compose(ev: Event) {
  ev.preventDefault();
  const form = ev.target as HTMLFormElement;
  const data = new FormData(form);
  const to = data.getAll('to').map(String);
  await act(async () => {
    await state.api.post('/v1/messages', {
      to,
      precedence: data.get('precedence'),
      kind: data.get('kind'),
      text: data.get('text'),
    });
    form.reset();
    await loadMessages();
  }, 'Sent');
}

function renderRecipients() {
  $('#to').replaceChildren(
    ...state.parties
      .filter((p) => p !== state.who.party)
      .map((p) => h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'to', value: p }), p)),
  );
}

// ---- declare ---------------------------------------------------------------------------------------------

interface Draft {
  shape: 'polygon' | 'circle' | 'corridor';
  /// Positions as typed or clicked: [lon, lat] in degrees, or text the line reads (DMS such as
  /// 353700N0384500E, or MGRS).
  points: (number[] | string)[];
}
const draft: Draft = { shape: 'polygon', points: [] };

/// Reads the points field: positions separated by `;` or new lines, each `lon lat` (or `lon, lat`) in
/// degrees, or any other text, passed to the line as it is (it names the position if it cannot read it).
function readPoints(text: string): (number[] | string)[] {
  return text
    .split(/[;\n]/)
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => {
      const m = /^(-?\d+(?:\.\d+)?)\s*[, ]\s*(-?\d+(?:\.\d+)?)$/.exec(p);
      return m ? [Number(m[1]), Number(m[2])] : p;
    });
}

function writePoints() {
  const field = $('#declare-form').querySelector<HTMLTextAreaElement>('textarea[name=points]');
  if (field) field.value = draft.points.map((p) => (typeof p === 'string' ? p : `${p[0].toFixed(5)} ${p[1].toFixed(5)}`)).join('; ');
}

const numeric = (pts: (number[] | string)[]) => pts.filter((p): p is number[] => typeof p !== 'string');
let previewTimer = 0;

function renderDeclare() {
  renderRecipients();
  $('#audience').replaceChildren(
    ...state.parties
      .filter((p) => p !== state.who.party)
      .map((p) => h('label', { class: 'check' }, h('input', { type: 'checkbox', name: 'audience', value: p, checked: true }), p)),
  );
  const f = $('#declare-form') as HTMLFormElement;
  const now = lineNow();
  (f.elements.namedItem('id') as HTMLInputElement).value = `${state.who.party}-${Math.floor(now / 60_000) % 100000}`;
  (f.elements.namedItem('start') as HTMLInputElement).value = isoMinute(now + 3_600_000);
  (f.elements.namedItem('end') as HTMLInputElement).value = isoMinute(now + 3 * 3_600_000);
}

function altitudeText(value: string, unit: string): string {
  const v = value.trim();
  if (unit === 'SFC') return 'SFC';
  if (unit === 'FL') return `FL${v.replace(/^FL/i, '').padStart(3, '0')}`;
  return `${v} ${unit}`;
}

function draftBody(): any {
  const f = $('#declare-form') as HTMLFormElement;
  const get = (n: string) => (f.elements.namedItem(n) as HTMLInputElement).value;
  const pts = draft.points.map((p) => (typeof p === 'string' ? p : [Number(p[0].toFixed(5)), Number(p[1].toFixed(5))]));
  const footprint =
    draft.shape === 'circle'
      ? { circle: { center: pts[0], radius_m: Number(get('radius_km')) * 1000 } }
      : draft.shape === 'corridor'
        ? { corridor: { path: pts, half_width_m: Number(get('half_width_m')) } }
        : { polygon: pts };
  return {
    id: get('id'),
    name: get('name') || undefined,
    kind: get('kind'),
    audience: [...f.querySelectorAll<HTMLInputElement>('input[name=audience]:checked')].map((i) => i.value),
    volumes: [
      {
        footprint,
        altitude: { lower: altitudeText(get('lower'), get('lower_unit')), upper: altitudeText(get('upper'), get('upper_unit')) },
        time: { start: get('start'), end: get('end') },
      },
    ],
  };
}

function drawDraft(outline?: any[]) {
  const features: Feature[] = [];
  if (outline?.length) {
    for (const v of outline) features.push({ type: 'Feature', geometry: { type: 'Polygon', coordinates: [v.ring] }, properties: {} });
  } else if (numeric(draft.points).length) {
    const pts = numeric(draft.points);
    features.push({
      type: 'Feature',
      geometry: pts.length > 1 ? { type: 'LineString', coordinates: pts } : { type: 'Point', coordinates: pts[0] },
      properties: {},
    });
  }
  picture.set('draft', features);
  $('#draft-points').textContent = `${draft.points.length} point${draft.points.length === 1 ? '' : 's'}`;
}

function schedulePreview() {
  clearTimeout(previewTimer);
  previewTimer = window.setTimeout(preview, 350);
}

async function preview() {
  const out = $('#preview');
  if (!draft.points.length) {
    out.replaceChildren(h('p', { class: 'muted' }, 'Click on the map to draw.'));
    drawDraft();
    return;
  }
  try {
    const p = await state.api.post('/v1/declarations/preview', draftBody());
    drawDraft(p.outline);
    out.replaceChildren(
      h('p', { class: p.conflicts.length ? 'warn' : 'ok' }, p.conflicts.length ? `${p.conflicts.length} conflict${p.conflicts.length > 1 ? 's' : ''} before submitting:` : 'No conflict with what is shared with you.'),
      ...p.conflicts.map((c: any) =>
        h('p', { class: 'preview-conflict' }, `${c.other.name ?? c.other.id} (${c.other.party}) · ${shortTime(c.start)}–${shortTime(c.end)} · ${Math.round(c.distance_m)} m, gap ${Math.round(c.vertical_gap_m)} m`),
      ),
      h('p', { class: 'muted' }, `Checked ${p.checked}.`),
    );
  } catch (e: any) {
    drawDraft();
    out.replaceChildren(h('p', { class: 'error', role: 'alert' }, e.message));
  }
}

async function submitDeclaration(ev: Event) {
  ev.preventDefault();
  await act(async () => {
    const d = await state.api.post('/v1/declarations', draftBody());
    const n = d.conflicts?.length ?? 0;
    const lines = [
      h('p', { class: n ? 'warn' : 'ok' }, `Declared ${d.id} v${d.version} (log entry ${d.seq}); ${n} conflict${n === 1 ? '' : 's'} notified.`),
    ];
    if (d.advice) lines.push(h('p', { class: 'advice' }, describeAdvice(d.advice)));
    if (d.late_notice) lines.push(h('p', { class: 'warn' }, `Late notice: ${d.late_notice.given_s} s given, ${d.late_notice.required_s} s required.`));
    $('#preview').replaceChildren(...lines);
    draft.points = [];
    writePoints();
    drawDraft();
    await loadDeclarations();
    renderDeclare();
  });
}

/// The map's click goes to the drawing tool while the Declare tab is open, to details otherwise.
function onMapClick(lngLat: { lng: number; lat: number }): boolean {
  if ($('#panel-declare').hidden) return false;
  if (draft.shape === 'circle') draft.points = [[lngLat.lng, lngLat.lat]];
  else draft.points.push([lngLat.lng, lngLat.lat]);
  writePoints();
  drawDraft();
  schedulePreview();
  return true;
}

// ---- record ----------------------------------------------------------------------------------------------

function renderRecord() {
  const list = state.events.slice(-300).reverse();
  $('#record-count').textContent = `${state.events.length} entries you may read (cursor ${stream?.cursor ?? 0})`;
  $('#record-list').replaceChildren(
    ...list.map((e) =>
      h(
        'tr',
        { 'data-seq': e.seq },
        h('td', {}, e.seq),
        h('td', {}, shortTime(e.time)),
        h('td', {}, e.kind),
        h('td', {}, e.actor),
        h('td', {}, summary(e)),
        h(
          'td',
          {},
          e.seq < state.checkpointSize
            ? h(
                'button',
                {
                  'aria-label': `download the proof of entry ${e.seq}`,
                  onclick: () => act(() => state.api.download(`/v1/log/entries/${e.seq}/proof`, `entry-${e.seq}.tlog-proof`)),
                },
                'proof',
              )
            : h('span', { class: 'muted' }, 'awaiting checkpoint'),
          ' ',
          h(
            'button',
            {
              'aria-label': `download the leaf of entry ${e.seq}`,
              onclick: () => act(() => state.api.download(`/v1/log/entries/${e.seq}/leaf`, `entry-${e.seq}.leaf`)),
            },
            'leaf',
          ),
        ),
      ),
    ),
  );
}

function summary(e: LogEvent): string {
  const c = e.content ?? {};
  if (c.id && c.name) return `${c.id}: ${c.name}`;
  if (e.kind.startsWith('message')) return c.text ? `${c.precedence ?? ''} ${c.text}`.slice(0, 90) : String(c.id ?? c.message ?? '');
  if (c.a && c.b) return `${c.a.id} ↔ ${c.b.id}`;
  return String(c.id ?? '');
}

// ---- shell -----------------------------------------------------------------------------------------------

function toast(text: string, loud = false) {
  const t = h('div', { class: `toast ${loud ? 'loud' : ''}`, role: 'status' }, text);
  $('#toasts').append(t);
  setTimeout(() => t.remove(), loud ? 8000 : 4000);
}

function showTab(name: string) {
  for (const b of document.querySelectorAll<HTMLButtonElement>('[role=tab]')) {
    const on = b.dataset.tab === name;
    b.setAttribute('aria-selected', String(on));
    b.tabIndex = on ? 0 : -1;
    $(`#panel-${b.dataset.tab}`).hidden = !on;
  }
  if (name === 'record') {
    renderRecord();
    loadHistory();
  }
}

/// Where the live stream started, and the record's earlier entries once read (see `readHistory`).
let historyUntil = 0;
let pastRead: Promise<void> | undefined;
function loadHistory() {
  if (pastRead || !state) return;
  const until = historyUntil;
  pastRead = readHistory(state.api.token, until).then((past) => {
    const known = new Set(state.events.map((e) => e.seq));
    state.events = [...past.filter((e) => !known.has(e.seq)), ...state.events];
    renderRecord();
  });
}

function wire() {
  const signin = $('#signin-form') as HTMLFormElement;
  signin.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const token = (signin.elements.namedItem('token') as HTMLInputElement).value.trim();
    try {
      await signIn(token);
    } catch (e: any) {
      $('#signin-error').textContent = e instanceof ApiError ? e.message : String(e);
    }
  });
  $('#signout').addEventListener('click', signOut);
  const tabs = [...document.querySelectorAll<HTMLButtonElement>('[role=tab]')];
  tabs.forEach((b, i) => {
    b.addEventListener('click', () => showTab(b.dataset.tab ?? 'conflicts'));
    b.addEventListener('keydown', (e) => {
      const j = e.key === 'ArrowRight' ? i + 1 : e.key === 'ArrowLeft' ? i - 1 : -1;
      if (j < 0) return;
      const next = tabs[(j + tabs.length) % tabs.length];
      next.focus();
      showTab(next.dataset.tab ?? 'conflicts');
    });
  });
  $('#conflict-filter').addEventListener('change', renderConflicts);
  $('#box').addEventListener('change', renderHotline);
  $('#compose').addEventListener('submit', compose);
  const slider = $('#slider') as HTMLInputElement;
  slider.max = String(HOURS_AHEAD * 60);
  slider.addEventListener('input', () => {
    state.sliderMin = Number(slider.value);
    tick();
  });
  $('#play').addEventListener('click', () => setPlaying(!state.playing));
  $('#now').addEventListener('click', () => {
    state.sliderMin = 0;
    slider.value = '0';
    setPlaying(false);
    tick();
  });
  const form = $('#declare-form') as HTMLFormElement;
  form.addEventListener('submit', submitDeclaration);
  form.addEventListener('input', (e) => {
    if ((e.target as HTMLElement).getAttribute('name') === 'points') {
      draft.points = readPoints((e.target as HTMLTextAreaElement).value);
      drawDraft();
    }
    schedulePreview();
  });
  for (const b of document.querySelectorAll<HTMLButtonElement>('[data-shape]')) {
    b.addEventListener('click', () => {
      draft.shape = b.dataset.shape as Draft['shape'];
      draft.points = [];
      writePoints();
      for (const o of document.querySelectorAll('[data-shape]')) o.setAttribute('aria-pressed', String(o === b));
      $('#circle-fields').hidden = draft.shape !== 'circle';
      $('#corridor-fields').hidden = draft.shape !== 'corridor';
      drawDraft();
      schedulePreview();
    });
  }
  $('#clear-draft').addEventListener('click', () => {
    draft.points = [];
    writePoints();
    drawDraft();
    schedulePreview();
  });
  document.addEventListener('keydown', (e) => {
    if ((e.target as HTMLElement).closest('input, textarea, select')) return;
    if (e.key === 'Escape') $('#details').hidden = true;
    const n = ['1', '2', '3', '4'].indexOf(e.key);
    if (n >= 0 && state) showTab(['conflicts', 'hotline', 'declare', 'record'][n]);
  });
}

async function start() {
  wire();
  const fromHash = new URLSearchParams(location.hash.slice(1)).get('token');
  if (fromHash) history.replaceState(null, '', location.pathname);
  const token = fromHash ?? sessionStorage.getItem(TOKEN_KEY);
  if (token) {
    try {
      await signIn(token);
      return;
    } catch (e: any) {
      $('#signin-error').textContent = e instanceof ApiError ? e.message : String(e);
    }
  }
  $('#signin').hidden = false;
  ($('#token') as HTMLInputElement).focus();
}

// For the browser tests only (dist-test/): the line's time and the stream, as the page sees them.
if (__TEST__) installTestHook({ lineNow: () => lineNow(), stream: () => stream, state: () => state, map: () => picture?.map });
document.addEventListener('DOMContentLoaded', () => {
  start().catch((e) => toast(String(e), true));
});
