// The party's stream (WebSocket /v1/stream): every entry it may read, in order, from a cursor. `Stream`
// follows it live and, on a drop, reconnects from the last cursor it was given, so nothing is missed and
// nothing comes twice; `readHistory` reads the past once, for the record.

import { isRecord, type LogEvent } from './types';

export type StreamState = 'live' | 'connecting' | 'down';

/// A frame of the stream: an entry, a heartbeat (which only moves the cursor), or nothing readable.
function readFrame(data: unknown): { cursor?: number; event?: LogEvent } {
  let v: unknown;
  try {
    v = JSON.parse(String(data));
  } catch {
    return {};
  }
  if (!isRecord(v)) return {};
  const cursor = typeof v.cursor === 'number' ? v.cursor : undefined;
  if (v.heartbeat || typeof v.seq !== 'number' || typeof v.kind !== 'string') return { cursor };
  const event: LogEvent = {
    cursor: cursor ?? 0,
    seq: v.seq,
    kind: v.kind,
    time: typeof v.time === 'string' ? v.time : '',
    actor: typeof v.actor === 'string' ? v.actor : '',
    content: v.content,
  };
  return { cursor, event };
}

function open(token: string, cursor: number): WebSocket {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return new WebSocket(`${scheme}://${location.host}/v1/stream?cursor=${cursor}`, ['deconflict', `bearer.${token}`]);
}

export class Stream {
  cursor = 0;
  private socket?: WebSocket;
  private retry = 500;
  private stopped = false;

  constructor(
    private token: string,
    private onEvent: (e: LogEvent) => void,
    private onState: (state: StreamState, detail?: string) => void,
  ) {}

  start(): void {
    this.stopped = false;
    this.open();
  }

  stop(): void {
    this.stopped = true;
    this.socket?.close();
  }

  /// Drops the connection (as a network would); the stream reconnects by itself.
  drop(): void {
    this.socket?.close();
  }

  private open(): void {
    this.onState('connecting');
    const ws = open(this.token, this.cursor);
    this.socket = ws;
    ws.onopen = () => {
      this.retry = 500;
      this.onState('live');
    };
    ws.onmessage = (m) => {
      const { cursor, event } = readFrame(m.data);
      if (cursor !== undefined) this.cursor = Math.max(this.cursor, cursor);
      if (event) this.onEvent(event);
    };
    ws.onclose = (c) => {
      if (this.socket !== ws) return;
      if (this.stopped) {
        this.onState('down', 'signed out');
        return;
      }
      this.onState('down', c.reason || `reconnecting from cursor ${this.cursor}`);
      setTimeout(() => this.open(), this.retry);
      this.retry = Math.min(this.retry * 2, 10_000);
    };
  }
}

/// The entries the party may read before `until` (a list's `cursor`), for the record: read once from the
/// start on a stream of their own, which closes when it reaches `until` (or after `waitMs`, with what came).
export function readHistory(token: string, until: number, waitMs = 20_000): Promise<LogEvent[]> {
  return new Promise((resolve) => {
    const got: LogEvent[] = [];
    if (until <= 0) {
      resolve(got);
      return;
    }
    const ws = open(token, 0);
    const done = () => {
      clearTimeout(timer);
      ws.onmessage = null;
      ws.onclose = null;
      ws.close();
      resolve(got);
    };
    const timer = window.setTimeout(done, waitMs);
    ws.onmessage = (m) => {
      const { cursor, event } = readFrame(m.data);
      if (cursor === undefined) return;
      if (event && cursor <= until) got.push(event);
      if (cursor >= until) done();
    };
    ws.onclose = done;
  });
}
