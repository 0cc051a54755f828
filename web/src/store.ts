// The store: the signed-in page's whole state, changed only by dispatching an Action through `reduce` (a pure
// function), and the listeners that redraw what a change touches. Everything the panels, the map and the
// clock show is read from here.

import type { AlertView, Box, ConflictView, DeclarationView, LogEvent, MessageView, Track, Whoami, Agreement } from './types';
import type { DeconflictionRequestView, NotificationView } from './types';

/// The line's clock: its time `line` (ms) read at the real time `real`, running `rate` times real time.
export interface LineClock {
  line: number;
  real: number;
  rate: number;
}

export interface Draft {
  shape: 'polygon' | 'circle' | 'corridor';
  /// Positions as typed or clicked: [lon, lat] in degrees, or text the line reads (DMS such as
  /// 353700N0384500E, or MGRS).
  points: (number[] | string)[];
}

export type StreamStatus = 'live' | 'connecting' | 'down';

export interface State {
  who: Whoami;
  clock: LineClock;
  /// The line's time at sign-in (ms): stream entries before it are the past, not news.
  signedInAt: number;
  /// Every party the signed-in party has an agreement with, and itself, sorted.
  parties: string[];
  declarations: DeclarationView[];
  conflicts: ConflictView[];
  alerts: AlertView[];
  boxes: Record<Box, MessageView[]>;
  /// The stream's entries the party may read, in log order (the earlier ones once the record has read them).
  events: LogEvent[];
  /// The latest signed checkpoint: its description, and the log size it covers (proofs exist below it);
  /// `signed` as read (origin, size, root), for the page to say in its language.
  checkpoint: { text: string; size: number; signed?: { origin: string; size: number; root: string } | null };
  tracks: Track[];
  stream: { status: StreamStatus; detail?: string; cursor: number };
  /// The time slider: minutes ahead of the line's time, and whether it plays.
  slider: { minutes: number; playing: boolean };
  draft: Draft;
  /// Humanitarian notifications the party sent or received, and deconfliction requests it asked or was asked.
  notifications: NotificationView[];
  requests: DeconflictionRequestView[];
}

export type Action =
  | { type: 'clock/synced'; now: string; rate: number; real: number }
  | { type: 'agreements/loaded'; agreements: Agreement[] }
  | { type: 'declarations/loaded'; declarations: DeclarationView[] }
  | { type: 'conflicts/loaded'; conflicts: ConflictView[] }
  | { type: 'alerts/loaded'; alerts: AlertView[] }
  | { type: 'messages/loaded'; boxes: Record<Box, MessageView[]> }
  | { type: 'tracks/loaded'; tracks: Track[] }
  | { type: 'checkpoint/loaded'; signed: { origin: string; size: number; root: string } | null }
  | { type: 'stream/state'; status: StreamStatus; detail?: string; cursor: number }
  | { type: 'stream/event'; event: LogEvent }
  | { type: 'record/past'; past: LogEvent[] }
  | { type: 'slider/set'; minutes: number }
  | { type: 'slider/playing'; playing: boolean }
  | { type: 'draft/shape'; shape: Draft['shape'] }
  | { type: 'draft/points'; points: Draft['points'] }
  | { type: 'notifications/loaded'; notifications: NotificationView[] }
  | { type: 'requests/loaded'; requests: DeconflictionRequestView[] };

/// The state just after signing in as `who`, at the real time `real` (ms).
export function initialState(who: Whoami, real: number): State {
  const line = Date.parse(who.now);
  return {
    who,
    clock: { line, real, rate: who.clock_rate },
    signedInAt: line,
    parties: [who.party],
    declarations: [],
    conflicts: [],
    alerts: [],
    boxes: { inbox: [], outbox: [], escalated: [] },
    events: [],
    checkpoint: { text: '', size: 0 },
    tracks: [],
    stream: { status: 'connecting', cursor: 0 },
    slider: { minutes: 0, playing: false },
    draft: { shape: 'polygon', points: [] },
    notifications: [],
    requests: [],
  };
}

export function reduce(s: State, a: Action): State {
  switch (a.type) {
    case 'clock/synced':
      return { ...s, clock: { line: Date.parse(a.now), real: a.real, rate: a.rate } };
    case 'agreements/loaded': {
      const set = new Set<string>([s.who.party]);
      for (const g of a.agreements) for (const p of g.parties ?? []) set.add(p);
      return { ...s, parties: [...set].sort() };
    }
    case 'declarations/loaded':
      return { ...s, declarations: a.declarations };
    case 'conflicts/loaded':
      return { ...s, conflicts: a.conflicts };
    case 'alerts/loaded':
      return { ...s, alerts: a.alerts };
    case 'messages/loaded':
      return { ...s, boxes: a.boxes };
    case 'tracks/loaded':
      return { ...s, tracks: a.tracks };
    case 'checkpoint/loaded':
      return {
        ...s,
        checkpoint: a.signed
          ? { text: `checkpoint of ${a.signed.origin}: ${a.signed.size} entries, root ${a.signed.root.slice(0, 12)}…; signed`, size: a.signed.size, signed: a.signed }
          : { ...s.checkpoint, text: 'no signed checkpoint yet', signed: null },
      };
    case 'stream/state':
      return { ...s, stream: { status: a.status, detail: a.detail, cursor: a.cursor } };
    case 'stream/event':
      return { ...s, events: [...s.events, a.event], stream: { ...s.stream, cursor: Math.max(s.stream.cursor, a.event.cursor) } };
    case 'record/past': {
      // The past read once from the log's start, before what the live stream brought (none twice).
      const known = new Set(s.events.map((e) => e.seq));
      return { ...s, events: [...a.past.filter((e) => !known.has(e.seq)), ...s.events] };
    }
    case 'slider/set':
      return { ...s, slider: { ...s.slider, minutes: a.minutes } };
    case 'slider/playing':
      return { ...s, slider: { ...s.slider, playing: a.playing } };
    case 'draft/shape':
      return { ...s, draft: { shape: a.shape, points: [] } };
    case 'draft/points':
      return { ...s, draft: { ...s.draft, points: a.points } };
    case 'notifications/loaded':
      return { ...s, notifications: a.notifications };
    case 'requests/loaded':
      return { ...s, requests: a.requests };
  }
}

export type Listener = (next: State, prev: State, action: Action) => void;

export class Store {
  private current: State;
  private listeners: Listener[] = [];

  constructor(initial: State) {
    this.current = initial;
  }

  get state(): State {
    return this.current;
  }

  dispatch(action: Action): void {
    const prev = this.current;
    this.current = reduce(prev, action);
    for (const l of this.listeners) l(this.current, prev, action);
  }

  /// Calls `listener` after every dispatch; returns what unsubscribes it.
  subscribe(listener: Listener): () => void {
    this.listeners.push(listener);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  /// Calls `draw(state)` whenever `pick(state)` changes (by identity), and once now if `now` is set.
  watch<T>(pick: (s: State) => T, draw: (s: State) => void, now = false): () => void {
    if (now) draw(this.current);
    return this.subscribe((next, prev) => {
      if (pick(next) !== pick(prev)) draw(next);
    });
  }
}
