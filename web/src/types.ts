// The API's types as the picture reads them. Most come from the server's OpenAPI document
// (generated/openapi.ts, written by the build from docs/openapi.json). Where the document says only "object"
// or leaves a field out (who you are, a declaration's outline, a conflict's sides and stances, a message's
// receipts, an alert's tracks, a preview's answer, the stream's events), the shape is written here by hand
// from the document's descriptions and what the server sends; each such type says so.

import type * as openapi from './generated/openapi';

export type Operations = openapi.Operations;
/// The JSON answer of an operation, as the document gives it (a drift in the document breaks the build).
export type Answer<Op extends keyof Operations> = Operations[Op]['answer'];
/// The JSON request body of an operation, as the document gives it.
export type Body<Op extends keyof Operations> = Operations[Op]['body'];

/// `T` with the fields `K` present: the document marks few fields required, but the server always sends these.
type Sent<T, K extends keyof T> = T & { [P in K]-?: Exclude<T[P], undefined> };

export type Track = Sent<openapi.Track, 'id' | 'party' | 'lon' | 'lat' | 'alt_m'>;
export type Agreement = openapi.Agreement;
export type Declaration = openapi.Declaration;
export type Volume = openapi.Volume;
export type MessageInput = Body<'POST /v1/messages'>;
export type AnswerInput = Body<'POST /v1/messages/{id}/answer'>;
export type Declared = Answer<'POST /v1/declarations'>;
export type Advice = NonNullable<Declared['advice']>;

/// Hand-written: GET /v1/credentials is an "object" in the document; its description names these fields.
export interface Whoami {
  you: string;
  party: string;
  role: string;
  now: string;
  clock_rate: number;
  /// The line is an exercise: its clock is not real time, and its record says so.
  exercise?: boolean;
}

/// Hand-written: one volume of `outline=true` (described only in the parameter's text).
export interface OutlineVolume {
  /// A closed ring of [lon, lat].
  ring: number[][];
  lower_m: number;
  upper_m: number;
  start: string;
  end: string;
}

/// A declaration as listed, with its outline (hand-written part: `outline`).
export type DeclarationView = Sent<
  NonNullable<openapi.DeclarationList['declarations']>[number],
  'id' | 'party' | 'version' | 'status' | 'declaration'
> & { outline?: OutlineVolume[] };

/// Hand-written: a party's stance on a conflict (the document: "acknowledged, accepted, disputed {at, reason}").
export interface Stance {
  acknowledged?: string | null;
  accepted?: string | null;
  disputed?: { at?: string; reason?: string } | null;
}

/// Hand-written: the other side of a conflict (the document: "id, party, version and only its conflicting
/// volumes").
export interface OtherSide {
  id: string;
  party: string;
  version?: number;
  name?: string;
  volumes?: Volume[];
}

/// A conflict as listed (hand-written parts: `parties`, `declaration`, `other`, `agreements`).
export type ConflictView = Omit<
  Sent<NonNullable<openapi.ConflictList['conflicts']>[number], 'id'>,
  'parties' | 'declaration' | 'other'
> & {
  parties?: Record<string, Stance>;
  declaration?: { id: string; version?: number };
  other?: OtherSide;
  /// The agreements the conflict falls under, when the server names them.
  agreements?: string[];
};

/// Hand-written: an escalation of an unacknowledged message.
export interface Escalation {
  level?: string;
  role?: string;
  time?: string;
  at?: string;
}

/// A structured hotline message's template, as sent (`type` names its shape; times RFC 3339, heights in
/// metres, `lower_m` null for the surface). What is listed is read as `unknown` and narrowed by templates.ts:
/// another party wrote it, perhaps with a newer line.
export type Template = openapi.MessageTemplate;
export type AckStatus = Extract<Template, { type: 'acknowledgement' }>['status'];
export const ACK_STATUSES = ['received', 'will_comply', 'cannot_comply'] as const satisfies readonly AckStatus[];

/// Hand-written: a recipient's answer: when, its free text, and its template if any.
export interface Answered {
  at?: string;
  text?: string | null;
  template?: unknown;
}

/// Hand-written: one recipient's receipt (the document: "delivered, acknowledged, answered, overdue,
/// escalations").
export interface Receipt {
  delivered?: string | null;
  acknowledged?: string | null;
  /// The answer (a bare time from older lines).
  answered?: Answered | string | null;
  overdue?: boolean;
  escalations?: Escalation[];
}

/// A message as listed (hand-written parts: `receipts`, and `template` read as `unknown`).
export type MessageView = Omit<
  Sent<NonNullable<openapi.MessageList['messages']>[number], 'id' | 'from' | 'precedence' | 'deadline'>,
  'receipts' | 'template'
> & { receipts?: Record<string, Receipt>; template?: unknown };

/// The values the forms offer, each checked against the document's enum (one it drops breaks the build).
export const PRECEDENCES = ['FLASH', 'IMMEDIATE', 'PRIORITY', 'ROUTINE'] as const satisfies readonly NonNullable<MessageInput['precedence']>[];
export const MESSAGE_KINDS = ['text', 'notice', 'request', 'reply', 'assistance', 'not_my_forces'] as const satisfies readonly NonNullable<
  MessageInput['kind']
>[];
export const DECLARATION_KINDS = ['air_operation', 'ground_movement', 'site', 'zone', 'line'] as const satisfies readonly Declaration['kind'][];

export type Box = 'inbox' | 'outbox' | 'escalated';
export const BOXES: readonly Box[] = ['inbox', 'outbox', 'escalated'];

/// An alert as listed (hand-written parts: `tracks`, `declaration`, and the fields of an incursion and of the
/// parties concerned, which the document leaves out).
export type AlertView = Omit<Sent<NonNullable<openapi.AlertList['alerts']>[number], 'id'>, 'tracks' | 'declaration'> & {
  tracks?: Track[];
  declaration?: { id?: string; name?: string; party?: string; kind?: string };
  parties?: string[];
  start?: string;
  end?: string;
  distance_m?: number;
};

/// Hand-written: the answer of POST /v1/declarations/preview, an "object" in the document ("{declaration,
/// conflicts: [{other, distance_m, vertical_gap_m, start, end}], checked}"), with the outline drawn.
export interface Preview {
  declaration?: Declaration;
  conflicts: { other: OtherSide; distance_m: number; vertical_gap_m: number; start: string; end: string }[];
  checked: string;
  outline?: OutlineVolume[];
}

/// Hand-written: the answer of GET /v1/declarations/{id}/advice, an "object" in the document.
export interface AdviceAnswer {
  id?: string;
  advice?: Advice | null;
}

/// Hand-written: one entry of the party's stream (the document: "{cursor, seq, kind, time, actor,
/// content}"); `content` is the entry's own document, read with the narrowing helpers below.
export interface LogEvent {
  cursor: number;
  seq: number;
  kind: string;
  time: string;
  actor: string;
  content: unknown;
}

// ---- narrowing -------------------------------------------------------------------------------------------

export type Json = Record<string, unknown>;

export function isRecord(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/// `v[key]` when `v` is an object, else undefined.
export function field(v: unknown, key: string): unknown {
  return isRecord(v) ? v[key] : undefined;
}

/// `value` when it is one of `allowed`, else undefined.
export function oneOf<T extends string>(value: string, allowed: readonly T[]): T | undefined {
  return allowed.find((a) => a === value);
}

/// A string field, or undefined.
export function text(v: unknown, key: string): string | undefined {
  const f = field(v, key);
  return typeof f === 'string' ? f : undefined;
}

// ---- humanitarian notifications ------------------------------------------------------------------------

/// A notification as listed (sent or received), with the fields the server always sends.
export type NotificationView = Sent<openapi.Notification, 'id' | 'from' | 'to' | 'status' | 'sent' | 'deadline'>;
export type NotificationInput = Body<'POST /v1/notifications'>;
export type IncidentInput = Body<'POST /v1/notifications/incidents'>;
export type IncidentReport = Answer<'POST /v1/notifications/incidents'>;
/// A deconfliction request, asked by the party or of it.
export type DeconflictionRequestView = Sent<openapi.DeconflictionRequest, 'id' | 'from' | 'to'>;
export type DeconflictionRequestInput = Body<'POST /v1/deconfliction-requests'>;
export type DeconflictionAnswer = Body<'POST /v1/deconfliction-requests/{id}/answer'>;
