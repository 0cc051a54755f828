// Keeps the store in step with the line: loads the party's lists at sign-in (each page's cursor noted, so
// the stream starts from that snapshot), reloads a list when a stream entry changes it, polls the tracks
// every second and the signed checkpoint every 10 s, and toasts the news (a new conflict, a message).

import type { Api } from './api';
import { describeEntry, namesOf } from './describe';
import { define } from './i18n';
import { toast } from './shell';
import type { Store } from './store';
import {
  type AlertView,
  type Agreement,
  BOXES,
  type ConflictView,
  type DeclarationView,
  type LogEvent,
  type MessageView,
  type Track,
  type DeconflictionRequestView,
  type NotificationView,
  field,
  text,
} from './types';

const t = define('sync', {
  en: { messageFrom: '{precedence} message from {from}' },
  ru: { messageFrom: 'Сообщение {precedence} от {from}' },
  ar: { messageFrom: 'رسالة {precedence} من {from}' },
  tr: { messageFrom: '{from} tarafından {precedence} mesaj' },
});

type List = 'declarations' | 'conflicts' | 'messages' | 'alerts' | 'agreements';

export class Sync {
  /// The log's size each list reflected when it was loaded at sign-in.
  private snapshot: number[] = [];
  private pending = new Map<string, number>();
  private timers: number[] = [];

  constructor(
    private api: Api,
    private store: Store,
  ) {}

  /// Where the live stream starts: the least of the lists' cursors at sign-in (everything after it comes on
  /// the stream), or the log's start.
  streamFrom(): number {
    return this.snapshot.length ? Math.min(...this.snapshot) : 0;
  }

  /// Every list the panels show, at sign-in.
  loadAll(): Promise<unknown> {
    this.snapshot.length = 0;
    return Promise.all([this.agreements(), this.declarations(), this.conflicts(), this.alerts(), this.messages(), this.notifications(), this.requests()]);
  }

  /// Tracks every second, the checkpoint every 10 s (and once each now).
  startPolling(): void {
    this.timers.push(window.setInterval(() => this.tracks(), 1000));
    this.timers.push(window.setInterval(() => this.checkpoint(), 10_000));
    this.checkpoint();
    this.tracks();
  }

  stop(): void {
    for (const t of this.timers.splice(0)) clearInterval(t);
  }

  private note(cursor: number | undefined): void {
    if (typeof cursor === 'number') this.snapshot.push(cursor);
  }

  async agreements(): Promise<void> {
    const { items, cursor } = await this.api.getAll<Agreement>('/v1/agreements', 'agreements');
    this.note(cursor);
    this.store.dispatch({ type: 'agreements/loaded', agreements: items });
  }

  async declarations(): Promise<void> {
    const { items, cursor } = await this.api.getAll<DeclarationView>('/v1/declarations?outline=true', 'declarations');
    this.note(cursor);
    this.store.dispatch({ type: 'declarations/loaded', declarations: items });
  }

  async conflicts(): Promise<void> {
    const { items, cursor } = await this.api.getAll<ConflictView>('/v1/conflicts', 'conflicts');
    this.note(cursor);
    this.store.dispatch({ type: 'conflicts/loaded', conflicts: items });
  }

  async alerts(): Promise<void> {
    const { items } = await this.api.getAll<AlertView>('/v1/alerts', 'alerts');
    this.store.dispatch({ type: 'alerts/loaded', alerts: items });
  }

  async messages(): Promise<void> {
    const [inbox, outbox, escalated] = await Promise.all(
      BOXES.map((b) => this.api.getAll<MessageView>(`/v1/messages?box=${b}`, 'messages')),
    );
    for (const w of [inbox, outbox, escalated]) this.note(w.cursor);
    this.store.dispatch({ type: 'messages/loaded', boxes: { inbox: inbox.items, outbox: outbox.items, escalated: escalated.items } });
  }

  async notifications(): Promise<void> {
    const { items, cursor } = await this.api.getAll<NotificationView>('/v1/notifications', 'notifications');
    this.note(cursor);
    this.store.dispatch({ type: 'notifications/loaded', notifications: items });
  }

  async requests(): Promise<void> {
    const { items, cursor } = await this.api.getAll<DeconflictionRequestView>('/v1/deconfliction-requests', 'requests');
    this.note(cursor);
    this.store.dispatch({ type: 'requests/loaded', requests: items });
  }

  async tracks(): Promise<void> {
    try {
      const { items } = await this.api.getAll<Track>('/v1/tracks', 'tracks');
      this.store.dispatch({ type: 'tracks/loaded', tracks: items });
    } catch {
      /* the next poll tries again */
    }
  }

  /// The latest signed checkpoint: its first three lines are the log's origin, size and root.
  async checkpoint(): Promise<void> {
    try {
      const body = await this.api.getText('/v1/log/checkpoint');
      if (body === null) {
        this.store.dispatch({ type: 'checkpoint/loaded', signed: null });
        return;
      }
      const [origin, size, root] = body.split('\n');
      this.store.dispatch({ type: 'checkpoint/loaded', signed: { origin, size: Number(size), root: root ?? '' } });
    } catch {
      /* shown on the next try */
    }
  }

  /// Loads `what` again soon (once for a burst of entries).
  private soon(what: List | 'notifications' | 'requests', load: () => Promise<void>): void {
    if (this.pending.has(what)) return;
    this.pending.set(
      what,
      window.setTimeout(() => {
        this.pending.delete(what);
        load().catch((e: unknown) => toast(String(text(e, 'message') ?? e), true));
      }, 150),
    );
  }

  /// An entry of the stream: kept for the record; news (after sign-in) reloads what it changes.
  onEvent(e: LogEvent): void {
    this.store.dispatch({ type: 'stream/event', event: e });
    const { signedInAt, who } = this.store.state;
    // The stream first replays the past, which the panels were loaded with: only what happens after signing
    // in is news.
    if (Date.parse(e.time) < signedInAt) return;
    const k = e.kind;
    if (k.startsWith('declaration')) this.soon('declarations', () => this.declarations());
    if (k.startsWith('conflict') || k.startsWith('declaration')) this.soon('conflicts', () => this.conflicts());
    if (k.startsWith('message')) this.soon('messages', () => this.messages());
    if (k.startsWith('alert')) this.soon('alerts', () => this.alerts());
    if (k.startsWith('agreement')) this.soon('agreements', () => this.agreements());
    // A new version of a notified declaration supersedes its notifications: reloaded with declarations too.
    if (k.startsWith('notification') || k.startsWith('incident') || k.startsWith('declaration')) this.soon('notifications', () => this.notifications());
    if (k.startsWith('deconfliction')) this.soon('requests', () => this.requests());
    const c = e.content;
    // "Conflict found between …", in the page's language.
    if (k === 'conflict.found') toast(describeEntry(e, namesOf(this.store.state)), true);
    const to = field(c, 'to');
    if (k === 'message.sent' && Array.isArray(to) && to.includes(who.party)) {
      const precedence = text(c, 'precedence');
      toast(t('messageFrom', { precedence: precedence ?? '', from: text(c, 'from') ?? '?' }), precedence === 'FLASH');
    }
  }
}
