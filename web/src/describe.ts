// Names and words for what the line logs and lists, as a duty officer reads them: a declaration by its name
// with its id beside it (only names the party was given: its own declarations, those shared with it, and
// what its entries carry), a log entry as a sentence ("Conflict found between E2E strike package and ru-44
// of ru-gs", "FLASH message from us-cjtf to ru-gs acknowledged by ru-gs"), and each entry's group for the
// record's filter. Pure: the lookups are built from the store's state.

import type { State } from './store';
import { distanceText, durationText, heightText } from './text';
import { field, isRecord, type LogEvent, text } from './types';

/// What the party knows of a message, for naming it.
export interface MessageInfo {
  precedence?: string;
  from?: string;
  to?: string[];
}

/// One side of a conflict: its declaration and party.
export interface Side {
  id: string;
  party?: string;
}

/// The lookups an entry's words need.
export interface Names {
  /// The party the page is signed in as.
  me: string;
  /// A declaration's name, when the party was given one.
  declaration(party: string | undefined, id: string): string | undefined;
  message(id: string): MessageInfo | undefined;
  conflict(id: string): [Side, Side] | undefined;
  /// What an alert was about, in a few words (its tracks), once raised.
  alert(id: string): string | undefined;
}

const key = (party: string | undefined, id: string) => `${party ?? ''}/${id}`;

/// The lookups from the store's state: its declarations, conflicts and boxes, and the entries it holds.
export function namesOf(s: State): Names {
  const decl = new Map<string, string>();
  const byId = new Map<string, string>();
  const messages = new Map<string, MessageInfo>();
  const conflicts = new Map<string, [Side, Side]>();
  const alerts = new Map<string, string>();
  const note = (party: string | undefined, id: string | undefined, name: string | undefined) => {
    if (!id || !name) return;
    decl.set(key(party, id), name);
    if (!byId.has(id)) byId.set(id, name);
  };
  for (const e of s.events) {
    const c = e.content;
    if (e.kind === 'declaration.version') note(text(c, 'party') ?? e.actor, text(c, 'id'), text(c, 'name'));
    else if (e.kind === 'message.sent') {
      const id = text(c, 'id');
      const to = field(c, 'to');
      if (id) messages.set(id, { precedence: text(c, 'precedence'), from: text(c, 'from'), to: Array.isArray(to) ? to.map(String) : undefined });
    } else if (e.kind === 'conflict.found') {
      const id = text(c, 'id');
      const a = sideOf(field(c, 'a'));
      const b = sideOf(field(c, 'b'));
      if (id && a && b) conflicts.set(id, [a, b]);
    } else if (e.kind === 'alert.raised') {
      const id = text(c, 'id');
      if (id) alerts.set(id, alertSubject(c));
    }
  }
  for (const d of s.declarations) note(d.party, d.id, d.declaration.name ?? undefined);
  for (const c of s.conflicts) {
    if (c.declaration && c.other) conflicts.set(c.id, [{ id: c.declaration.id, party: s.who.party }, { id: c.other.id, party: c.other.party }]);
  }
  for (const box of Object.values(s.boxes)) {
    for (const m of box) messages.set(m.id, { precedence: m.precedence, from: m.from, to: m.to ?? undefined });
  }
  for (const a of s.alerts) if (!alerts.has(a.id)) alerts.set(a.id, alertSubject(a));
  return {
    me: s.who.party,
    declaration: (party, id) => (party === undefined ? byId.get(id) : decl.get(key(party, id))),
    message: (id) => messages.get(id),
    conflict: (id) => conflicts.get(id),
    alert: (id) => alerts.get(id),
  };
}

function sideOf(v: unknown): Side | undefined {
  const id = text(v, 'id');
  return id ? { id, party: text(v, 'party') } : undefined;
}

/// A declaration as named to the party: `Name (id)` when it has a name, else its id; `of party` when it is
/// another party's.
export function declarationLabel(n: Names, party: string | undefined, id: string, withParty = true): string {
  const name = n.declaration(party, id);
  const label = name && name !== id ? `${name} (${id})` : id;
  return withParty && party && party !== n.me ? `${label} of ${party}` : label;
}

/// A track as named: its callsign (else its id) and party.
function trackName(t: unknown): string {
  const who = text(t, 'callsign') || text(t, 'id') || 'a track';
  const party = text(t, 'party');
  return party ? `${who} (${party})` : who;
}

/// The tracks an alert is about, in a few words.
function alertSubject(a: unknown): string {
  const tracks = field(a, 'tracks');
  const list = Array.isArray(tracks) ? tracks.map(trackName) : [];
  return list.join(' and ') || 'tracks';
}

/// The area an incursion alert names: its name and id when the party was given it, else only its party.
export function areaLabel(area: unknown): string {
  const id = text(area, 'id');
  const name = text(area, 'name');
  const party = text(area, 'party');
  if (!id) return party ? `a protected area of ${party}` : 'a protected area';
  const label = name && name !== id ? `${name} (${id})` : id;
  return party ? `${label} of ${party}` : label;
}

/// What a live alert says, as sentences: who, what, how close and when. `a` is an alert as listed or as
/// logged.
export function alertWords(a: unknown): string {
  const tracks = field(a, 'tracks');
  const list = Array.isArray(tracks) ? tracks : [];
  const at = (t: unknown) => `${trackName(t)} at ${heightText(Number(field(t, 'alt_m')))}`;
  if (text(a, 'kind') === 'incursion') {
    const d = field(a, 'distance_m');
    const area = areaLabel(field(a, 'declaration'));
    const how =
      typeof d !== 'number'
        ? `is predicted to enter ${area} within the next 5 minutes`
        : d <= 0
          ? `is predicted to enter ${area}`
          : `is predicted to pass ${distanceText(d)} from the edge of ${area}, closer than the agreed minimum around protected areas`;
    return `${list.map(at).join(', ') || 'A track'} ${how}.`;
  }
  const cpa = field(a, 'd_cpa_m');
  const tcpa = field(a, 't_cpa_s');
  const tlos = field(a, 't_los_s');
  const lost = field(a, 'los') === true ? 'Separation is lost now' : typeof tlos === 'number' ? `Separation will be lost in ${durationText(tlos)}` : 'Separation is at risk';
  const closest = typeof cpa === 'number' ? `; closest approach ${distanceText(cpa)}${typeof tcpa === 'number' ? (tcpa <= 0 ? ' now' : ` in ${durationText(tcpa)}`) : ''}` : '';
  return `${list.map(at).join(' and ') || 'Two tracks'}: ${lost}${closest}.`;
}

const KIND_WORDS: Record<string, string> = {
  air_operation: 'air operation',
  ground_movement: 'ground movement',
  site: 'protected site',
  zone: 'zone',
  line: 'deconfliction line',
};

/// A message as named: `FLASH message from us-cjtf to ru-gs` (or its id when the party knows no more).
function messageLabel(n: Names, id: string): string {
  const m = n.message(id);
  if (!m) return `message ${id}`;
  const to = m.to?.length ? ` to ${m.to.join(', ')}` : '';
  return `${m.precedence ?? ''} message${m.from ? ` from ${m.from}` : ''}${to}`.trim();
}

function conflictLabel(n: Names, id: string): string {
  const sides = n.conflict(id);
  if (!sides) return `conflict ${id.slice(0, 10)}…`;
  // One's own side first.
  const [x, y] = sides[1].party === n.me ? [sides[1], sides[0]] : sides;
  return `the conflict between ${declarationLabel(n, x.party, x.id)} and ${declarationLabel(n, y.party, y.id)}`;
}

const clip = (s: string, max = 90) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

/// A log entry as a sentence.
export function describeEntry(e: LogEvent, n: Names): string {
  const c = e.content;
  const id = text(c, 'id') ?? '';
  const by = e.actor === 'line' ? 'the line' : e.actor;
  switch (e.kind) {
    case 'declaration.version': {
      const party = text(c, 'party') ?? e.actor;
      const version = Number(field(c, 'version') ?? 1);
      const kind = KIND_WORDS[text(c, 'kind') ?? ''] ?? text(c, 'kind') ?? 'declaration';
      const label = declarationLabel(n, party, id);
      return version > 1 ? `${label} changed (version ${version})` : `${party} declared the ${kind} ${label}`;
    }
    case 'declaration.cancel':
      return `${declarationLabel(n, e.actor === 'line' ? undefined : e.actor, id)} cancelled by ${by}`;
    case 'declaration.state':
      return `${declarationLabel(n, text(c, 'party') ?? (e.actor === 'line' ? undefined : e.actor), id)} is now ${text(c, 'state') ?? '?'}${e.actor === 'line' ? ' (by the line, at its time)' : ` (by ${by})`}`;
    case 'conflict.found': {
      const a = sideOf(field(c, 'a'));
      const b = sideOf(field(c, 'b'));
      if (!a || !b) return 'Conflict found';
      // One's own side first.
      const [x, y] = b.party === n.me ? [b, a] : [a, b];
      return `Conflict found between ${declarationLabel(n, x.party, x.id)} and ${declarationLabel(n, y.party, y.id)}`;
    }
    case 'conflict.resolved':
      return `${cap(conflictLabel(n, id))} resolved${text(c, 'reason') ? ` (${text(c, 'reason')})` : ''}`;
    case 'conflict.acknowledged':
    case 'conflict.accepted':
    case 'conflict.disputed': {
      const verb = e.kind.slice('conflict.'.length);
      const reason = text(c, 'reason');
      return `${by} ${verb} ${conflictLabel(n, id)}${reason ? `: “${clip(reason, 60)}”` : ''}`;
    }
    case 'message.sent': {
      const said = text(c, 'text');
      return `${cap(messageLabel(n, id))}${said ? `: “${clip(said, 70)}”` : ''}`;
    }
    case 'message.delivered':
      return `${cap(messageLabel(n, id))} delivered to ${by}`;
    case 'message.acknowledged':
      return `${cap(messageLabel(n, id))} acknowledged by ${by}`;
    case 'message.answered': {
      const said = text(c, 'text');
      return `${cap(messageLabel(n, id))} answered by ${by}${said ? `: “${clip(said, 60)}”` : ''}`;
    }
    case 'message.escalated':
      return `Unacknowledged ${messageLabel(n, id)} escalated to the ${text(c, 'level') ?? 'next level'} of ${text(c, 'party') ?? '?'}`;
    case 'alert.raised':
      return `Alert raised: ${alertWords(c)}`;
    case 'alert.updated':
    {
      // A separation's update carries its new figures; an incursion's detail for the areas' party its area.
      const kind = text(c, 'kind') ?? (field(c, 'd_cpa_m') !== undefined ? 'separation' : field(c, 'declaration') ? 'incursion' : undefined);
      const tracks = field(c, 'tracks') ?? [];
      return isRecord(c) && kind ? `Alert update on ${n.alert(id) ?? id}: ${alertWords({ ...c, kind, tracks })}` : `Alert update on ${n.alert(id) ?? id}`;
    }
    case 'alert.closed':
      return `Alert on ${n.alert(id) ?? id} closed${text(c, 'reason') ? ` (${text(c, 'reason') === 'clear' ? 'clear of each other' : text(c, 'reason')})` : ''}`;
    case 'agreement.proposed': {
      const title = text(c, 'title');
      const parties = field(c, 'parties');
      return `${by} proposed agreement ${id}${title ? ` “${clip(title, 50)}”` : ''}${Array.isArray(parties) ? ` to ${parties.join(', ')}` : ''}`;
    }
    case 'agreement.accepted':
      return `${by} accepted agreement ${id}`;
    case 'agreement.suspended':
      return `${by} suspended agreement ${id}`;
    case 'party.registered':
      return `Party ${id} registered (${text(c, 'kind') ?? ''}${text(c, 'role') ? `, ${text(c, 'role')?.replace('_', ' ')}` : ''})`;
    case 'credential.issued':
      return `A ${text(c, 'role')?.replace('_', ' ') ?? ''} credential issued to ${e.actor}`;
    case 'credential.revoked':
      return `Credential ${id} of ${e.actor} revoked`;
    case 'notification.sent': {
      const pinned = field(c, 'declarations');
      const what = Array.isArray(pinned)
        ? pinned.map((d) => declarationLabel(n, text(c, 'from'), text(d, 'id') ?? '?')).join(', ')
        : 'its declarations';
      return `${text(c, 'from') ?? by} notified ${text(c, 'to') ?? '?'} of ${clip(what, 70)} (notification ${id})`;
    }
    case 'notification.acknowledged':
      return `Notification ${id} acknowledged by ${by}`;
    case 'notification.escalated':
      return `Unacknowledged notification ${id} escalated to the ${text(c, 'level') ?? 'next level'}`;
    case 'notification.reconfirmed':
      return `Notification ${id} re-confirmed by ${by}`;
    case 'notification.lapsed':
      return `Notification ${id} lapsed: not re-confirmed in time`;
    case 'notification.expired':
      return `Notification ${id} expired: what it notified has ended`;
    case 'incident.reported':
      return `Incident reported by ${by} at ${declarationLabel(n, text(c, 'party'), text(c, 'site') ?? '?')}: “${clip(text(c, 'description') ?? '', 60)}”`;
    case 'deconfliction.requested':
      return `${text(c, 'from') ?? by} asked ${text(c, 'to') ?? '?'} whether a place is protected (request ${id})`;
    case 'deconfliction.answered':
      return `Request ${id} answered by ${by}: ${field(c, 'protected') === true ? 'protected' : 'not protected'}${text(c, 'site') ? ` (${text(c, 'site')})` : ''}`;
    default:
      return id ? `Entry of kind ${e.kind}: ${id}` : `Entry of kind ${e.kind}`;
  }
}

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/// The record's groups, for its filter: alert updates apart from the rest of the alerts (they are most of a
/// busy line's entries and say least).
export const ENTRY_GROUPS = ['declarations', 'conflicts', 'hotline', 'notifications', 'alerts', 'alert updates', 'agreements', 'other'] as const;
export type EntryGroup = (typeof ENTRY_GROUPS)[number];

export function entryGroup(kind: string): EntryGroup {
  if (kind === 'alert.updated') return 'alert updates';
  const head = kind.split('.')[0];
  if (head === 'declaration') return 'declarations';
  if (head === 'conflict') return 'conflicts';
  if (head === 'message') return 'hotline';
  if (head === 'notification' || head === 'incident' || head === 'deconfliction') return 'notifications';
  if (head === 'alert') return 'alerts';
  if (head === 'agreement') return 'agreements';
  return 'other';
}
