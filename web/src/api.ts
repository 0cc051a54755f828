// The API client: every call carries the party's token; answers are JSON, errors RFC 9457 problems, thrown
// as ApiError with the field they name. Lists are read whole, page after page. The answers' types are in
// types.ts (mostly generated from docs/openapi.json).

import { isRecord, text } from './types';

export class ApiError extends Error {
  constructor(
    public status: number,
    public detail: string,
    public field?: string,
  ) {
    super(field ? `${field}: ${detail}` : detail);
  }
}

/// A whole list: every page's items, and the first page's `cursor` (the log size it reflected), so that a
/// stream opened there misses no change.
export interface Whole<T> {
  items: T[];
  cursor?: number;
}

export class Api {
  constructor(readonly token: string) {}

  /// Called when the line no longer takes the token (revoked): the page signs out.
  onUnauthorized?: () => void;

  /// The JSON answer of a call, taken to be a `T` (the server's document says what each path answers).
  async request<T>(method: string, path: string, body?: unknown, extra: Record<string, string> = {}): Promise<T> {
    const headers: Record<string, string> = { Authorization: `Bearer ${this.token}`, ...extra };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const raw = await res.text();
    let value: unknown = raw;
    if ((res.headers.get('content-type') ?? '').includes('json')) {
      try {
        value = JSON.parse(raw);
      } catch {
        value = raw;
      }
    }
    if (!res.ok) {
      if (res.status === 401) this.onUnauthorized?.();
      const detail = isRecord(value) ? (value.detail ?? value.title) : raw;
      throw new ApiError(res.status, String(detail || res.statusText), text(value, 'field'));
    }
    return value as T;
  }

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  post<T>(path: string, body?: unknown, headers?: Record<string, string>): Promise<T> {
    return this.request<T>('POST', path, body, headers);
  }

  /// Every page of the list `name` at `path` (lists are paged: `next` asks for the following page).
  async getAll<T>(path: string, name: string): Promise<Whole<T>> {
    const sep = path.includes('?') ? '&' : '?';
    const first = await this.get<unknown>(`${path}${sep}limit=1000`);
    const items: T[] = [...itemsOf<T>(first, name)];
    let next = nextOf(first);
    while (next !== null) {
      const page = await this.get<unknown>(`${path}${sep}limit=1000&after=${encodeURIComponent(next)}`);
      items.push(...itemsOf<T>(page, name));
      next = nextOf(page);
    }
    const cursor = isRecord(first) && typeof first.cursor === 'number' ? first.cursor : undefined;
    return { items, cursor };
  }

  /// The text at `path`, or null when the line has none to give (any refusal).
  async getText(path: string): Promise<string | null> {
    const res = await fetch(path, { headers: { Authorization: `Bearer ${this.token}` } });
    return res.ok ? res.text() : null;
  }

  /// Downloads `path` as a file named `name` (the token goes in a header, never in a link).
  async download(path: string, name: string): Promise<void> {
    const res = await fetch(path, { headers: { Authorization: `Bearer ${this.token}` } });
    if (!res.ok) {
      let detail = res.statusText;
      try {
        detail = text(await res.json(), 'detail') ?? detail;
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

function itemsOf<T>(page: unknown, name: string): T[] {
  const list = isRecord(page) ? page[name] : undefined;
  return Array.isArray(list) ? (list as T[]) : [];
}

function nextOf(page: unknown): string | null {
  return text(page, 'next') ?? null;
}
