// The public API and the stream, as the picture uses them: every call carries the party's token; errors are
// RFC 9457 problems, shown with the field they name.

export class ApiError extends Error {
  constructor(
    public status: number,
    public detail: string,
    public field?: string,
  ) {
    super(field ? `${field}: ${detail}` : detail);
  }
}

export interface Whoami {
  you: string;
  party: string;
  role: string;
  now: string;
  clock_rate: number;
  /// The line is an exercise: its clock is not real time, and its record says so.
  exercise?: boolean;
}

export class Api {
  constructor(public token: string) {}

  /// Called when the line no longer takes the token (revoked): the page signs out.
  onUnauthorized?: () => void;

  async request(method: string, path: string, body?: unknown, extra: Record<string, string> = {}): Promise<any> {
    const headers: Record<string, string> = { Authorization: `Bearer ${this.token}`, ...extra };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let value: any = text;
    if ((res.headers.get('content-type') ?? '').includes('json')) {
      try {
        value = JSON.parse(text);
      } catch {
        value = text;
      }
    }
    if (!res.ok) {
      if (res.status === 401) this.onUnauthorized?.();
      const detail = typeof value === 'object' && value ? value.detail ?? value.title : text;
      throw new ApiError(res.status, String(detail || res.statusText), value?.field);
    }
    return value;
  }

  get(path: string) {
    return this.request('GET', path);
  }

  /// Every page of the list `name` at `path` (lists are paged: `next` asks for the following page), as one
  /// answer whose `cursor` is the first page's, so that a stream opened there misses no change.
  async getAll(path: string, name: string): Promise<any> {
    const sep = path.includes('?') ? '&' : '?';
    const first = await this.get(`${path}${sep}limit=1000`);
    const items: unknown[] = [...(first[name] ?? [])];
    let next: string | null = first.next ?? null;
    while (next !== null) {
      const page = await this.get(`${path}${sep}limit=1000&after=${encodeURIComponent(next)}`);
      items.push(...(page[name] ?? []));
      next = page.next ?? null;
    }
    return { ...first, [name]: items, next: null };
  }
  post(path: string, body?: unknown, headers?: Record<string, string>) {
    return this.request('POST', path, body, headers);
  }

  /// Downloads `path` as a file named `name` (the token goes in a header, never in a link).
  async download(path: string, name: string): Promise<void> {
    const res = await fetch(path, { headers: { Authorization: `Bearer ${this.token}` } });
    if (!res.ok) {
      let detail = res.statusText;
      try {
        detail = (await res.json()).detail ?? detail;
      } catch {
        /* not a problem document */
      }
      throw new ApiError(res.status, detail);
    }
    const url = URL.createObjectURL(await res.blob());
    const a = document.createElement('a');
    a.href = url;
    a.download = name;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }
}

export interface LogEvent {
  cursor: number;
  seq: number;
  kind: string;
  time: string;
  actor: string;
  content: any;
}

/// The party's stream: every entry it may read, in order, from `cursor`; on a drop it reconnects from the
/// last cursor it was given, so nothing is missed and nothing comes twice.
export class Stream {
  cursor = 0;
  private socket?: WebSocket;
  private retry = 500;
  private stopped = false;

  constructor(
    private token: string,
    private onEvent: (e: LogEvent) => void,
    private onState: (state: 'live' | 'connecting' | 'down', detail?: string) => void,
  ) {}

  start() {
    this.stopped = false;
    this.open();
  }

  stop() {
    this.stopped = true;
    this.socket?.close();
  }

  /// Drops the connection (as a network would); the stream reconnects by itself.
  drop() {
    this.socket?.close();
  }

  private open() {
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    this.onState('connecting');
    const ws = new WebSocket(`${scheme}://${location.host}/v1/stream?cursor=${this.cursor}`, [
      'deconflict',
      `bearer.${this.token}`,
    ]);
    this.socket = ws;
    ws.onopen = () => {
      this.retry = 500;
      this.onState('live');
    };
    ws.onmessage = (m) => {
      let e: any;
      try {
        e = JSON.parse(String(m.data));
      } catch {
        return;
      }
      if (typeof e.cursor === 'number') this.cursor = Math.max(this.cursor, e.cursor);
      if (!e.heartbeat) this.onEvent(e as LogEvent);
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
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    const ws = new WebSocket(`${scheme}://${location.host}/v1/stream?cursor=0`, ['deconflict', `bearer.${token}`]);
    const done = () => {
      clearTimeout(timer);
      ws.onmessage = null;
      ws.onclose = null;
      ws.close();
      resolve(got);
    };
    const timer = window.setTimeout(done, waitMs);
    ws.onmessage = (m) => {
      let e: any;
      try {
        e = JSON.parse(String(m.data));
      } catch {
        return;
      }
      if (!e.heartbeat && typeof e.cursor === 'number' && e.cursor <= until) got.push(e as LogEvent);
      if (typeof e.cursor === 'number' && e.cursor >= until) done();
    };
    ws.onclose = done;
  });
}
