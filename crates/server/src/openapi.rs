//! The OpenAPI 3.1 document of the API, generated from the endpoint table below and the JSON Schemas of the
//! wire format. `GET /openapi.json` serves it; `deconflict openapi` prints it; `docs/openapi.json` is the
//! committed copy, and a test fails when the two drift apart. Another test calls every endpoint in the table
//! on the real router, so the table cannot name a route the server does not have.

use serde_json::{json, Map, Value};

/// One operation.
#[derive(Debug, Clone, Copy)]
pub struct Endpoint {
    pub method: &'static str,
    pub path: &'static str,
    pub tag: &'static str,
    pub summary: &'static str,
    /// Needs a bearer token.
    pub auth: bool,
    /// Schema of the JSON request body, by component name.
    pub request: Option<&'static str>,
    /// Success status, its description and the schema of its body (by component name; `None`: no JSON).
    pub ok: (u16, &'static str, Option<&'static str>),
    /// Error statuses this operation can answer with (as problem+json), besides 401 and 500.
    pub errors: &'static [u16],
    /// Query parameters: name, description.
    pub query: &'static [(&'static str, &'static str)],
    /// Takes `If-Match: "<version>"`.
    pub if_match: bool,
}

const fn op(
    method: &'static str,
    path: &'static str,
    tag: &'static str,
    summary: &'static str,
) -> Endpoint {
    Endpoint {
        method,
        path,
        tag,
        summary,
        auth: true,
        request: None,
        ok: (200, "OK", Some("Object")),
        errors: &[],
        query: &[],
        if_match: false,
    }
}

/// Every operation of the API.
pub const ENDPOINTS: &[Endpoint] = &[
    Endpoint { auth: false, ok: (200, "`ok`: the server is up, the line takes requests, and every background loop (scan, escalation, checkpoint; on a shared log the follower) completed a run successfully within three of its periods; otherwise 503 saying why: `failed` (the line has failed and refuses every request until a restart), `late` (the loops with no successful run within three periods) and `failing` (those of them whose runs ended in errors; the detail gives the last one)", None), ..op("get", "/healthz", "operations", "Health") },
    Endpoint { auth: false, ok: (200, "Only on the operator's own listener (`deconflict serve --metrics-listen`; the API's listener answers 404): Prometheus text format, the line's totals (nothing about any party) and each background loop's figures (`deconflict_loop_last_run_seconds{loop=…}`, durations, runs, failures, panics)", None), errors: &[404], ..op("get", "/metrics", "operations", "Metrics") },
    Endpoint { auth: false, ok: (200, "This document", Some("Object")), ..op("get", "/openapi.json", "operations", "The OpenAPI document") },
    Endpoint {
        query: &[
            ("bbox", "min_lon,min_lat,max_lon,max_lat (degrees): only declarations with a volume whose bounds meet the box"),
            ("from", "RFC 3339 time or date-time group: only declarations with a volume ending after it"),
            ("to", "RFC 3339 time or date-time group: only declarations with a volume starting before it"),
            ("include", "`closed`: also ended and cancelled declarations"),
            ("outline", "`true`: each with `outline`, its volumes for drawing ([{ring: closed [[lon, lat], …], lower_m, upper_m, start, end}])"),
            ("limit", "items in this page: 1 to the server's page_max (1 000 by default; default page_default, 200)"),
            ("after", "the `next` of the page before: the items after it"),
        ],
        ok: (200, "The declarations you may see", Some("DeclarationList")),
        errors: &[422],
        ..op("get", "/v1/declarations", "declarations", "List the declarations you may see")
    },
    Endpoint {
        request: Some("Declaration"),
        ok: (201, "Stored; with the conflicts it causes, advice, and a late-notice flag", Some("Declared")),
        errors: &[400, 403, 409, 413, 422],
        ..op("post", "/v1/declarations", "declarations", "Declare (version 1)")
    },
    Endpoint {
        request: Some("Declaration"),
        ok: (200, "Stores and logs nothing: the declaration as it would be stored (and normalised: degrees, metres, UTC), its outline, and its conflicts with declarations shared with you ({declaration, conflicts: [{other, distance_m, vertical_gap_m, start, end}], checked}); conflicts with declarations not shared with you are found only on submission", Some("Object")),
        errors: &[400, 403, 413, 422, 429],
        ..op("post", "/v1/declarations/preview", "declarations", "Check a declaration before submitting it")
    },
    Endpoint { ok: (200, "The least delay, climb or descent that clears every conflict, computed now ({id, party, version, conflicts, advice})", Some("Object")), errors: &[403, 404], ..op("get", "/v1/declarations/{id}/advice", "declarations", "Advice for your own conflicting declaration") },
    Endpoint { query: &[("party", "whose declaration of this id: ids live in each party's own namespace; without it, your own, else the one of that id shared with you (409 if several parties shared one)")], ok: (200, "The current version (ETag: its number)", Some("DeclarationView")), errors: &[404, 409], ..op("get", "/v1/declarations/{id}", "declarations", "Get a declaration you may see") },
    Endpoint {
        request: Some("Declaration"),
        if_match: true,
        ok: (200, "The new version, with its conflicts and advice", Some("Declared")),
        errors: &[400, 403, 404, 409, 412, 413, 422, 428],
        ..op("put", "/v1/declarations/{id}", "declarations", "Write a new version")
    },
    Endpoint { if_match: true, errors: &[403, 404, 409, 412, 428], ..op("post", "/v1/declarations/{id}/cancel", "declarations", "Cancel (its open conflicts are resolved)") },
    Endpoint { if_match: true, ok: (200, "Now active", Some("DeclarationView")), errors: &[403, 404, 409, 412, 428], ..op("post", "/v1/declarations/{id}/activate", "declarations", "Planned → active") },
    Endpoint { if_match: true, ok: (200, "Ended; its open conflicts are resolved", Some("DeclarationView")), errors: &[403, 404, 409, 412, 428], ..op("post", "/v1/declarations/{id}/end", "declarations", "End") },
    Endpoint { query: &[("limit", "items in this page: 1 to the server's page_max (1 000 by default; default page_default, 200)"), ("after", "the `next` of the page before: the items after it"),], errors: &[422], ok: (200, "Your conflicts, each with only the other side's conflicting volumes", Some("ConflictList")), ..op("get", "/v1/conflicts", "conflicts", "List your conflicts") },
    Endpoint { ok: (200, "The conflict", Some("Conflict")), errors: &[404], ..op("post", "/v1/conflicts/{id}/acknowledge", "conflicts", "Acknowledge a conflict") },
    Endpoint { ok: (200, "The conflict", Some("Conflict")), errors: &[404], ..op("post", "/v1/conflicts/{id}/accept", "conflicts", "Accept a conflict as it is") },
    Endpoint { request: Some("Reason"), ok: (200, "The conflict", Some("Conflict")), errors: &[400, 404, 422], ..op("post", "/v1/conflicts/{id}/dispute", "conflicts", "Dispute a conflict (\"not my forces\")") },
    Endpoint {
        query: &[("box", "`inbox` (default; marks messages delivered), `outbox`, or `escalated` (messages to your party escalated to your credential's level or beyond)"), ("limit", "items in this page: 1 to the server's page_max (1 000 by default; default page_default, 200)"), ("after", "the `next` of the page before: the items after it"),],
        ok: (200, "Messages", Some("MessageList")),
        errors: &[400, 422],
        ..op("get", "/v1/messages", "hotline", "Inbox, outbox or escalated messages")
    },
    Endpoint { request: Some("MessageInput"), ok: (201, "Sent, with its deadline", Some("Message")), errors: &[400, 413, 422], ..op("post", "/v1/messages", "hotline", "Send a hotline message") },
    Endpoint { ok: (200, "The message with your receipt", Some("Message")), errors: &[404], ..op("post", "/v1/messages/{id}/acknowledge", "hotline", "Acknowledge a message") },
    Endpoint { request: Some("Answer"), ok: (200, "The message with your receipt", Some("Message")), errors: &[400, 404, 409, 422], ..op("post", "/v1/messages/{id}/answer", "hotline", "Answer (and so acknowledge) a message") },
    Endpoint {
        query: &[("box", "`all` (default): those you sent and those you received; `outbox`: sent; `inbox`: received"), ("limit", "items in this page: 1 to the server's page_max (1 000 by default; default page_default, 200)"), ("after", "the `next` of the page before: the items after it"),],
        ok: (200, "Your notifications, sent and received, each with its status (pending, acknowledged, lapsed, expired, superseded)", Some("NotificationList")),
        errors: &[400, 422],
        ..op("get", "/v1/notifications", "notifications", "Your notifications (outbox and inbox)")
    },
    Endpoint { request: Some("NotificationInput"), ok: (201, "One notification per recipient (each recipient learns of its own only), pinning the declarations at their current versions, with its acknowledgement deadline. A notification is not a guarantee of safety", Some("NotificationsSent")), errors: &[400, 413, 422, 429], ..op("post", "/v1/notifications", "notifications", "Notify parties of your sites (a site list) or one movement") },
    Endpoint { request: Some("IncidentInput"), ok: (201, "The incident as logged, the site's notification history as you may read it (every item with its entry's seq), what was in force at the incident's time, and a deconflict-proof-bundle@v1 of those entries (verify offline with `deconflict log verify-proof --bundle`)", Some("IncidentReport")), errors: &[400, 404, 409, 413, 422, 429], ..op("post", "/v1/notifications/incidents", "notifications", "Report an incident at a notified site") },
    Endpoint { ok: (200, "The notification, with the declarations it pins at their versions", Some("Notification")), errors: &[404], ..op("get", "/v1/notifications/{id}", "notifications", "A notification you sent or received") },
    Endpoint { ok: (200, "Acknowledged (once; again is no change)", Some("Notification")), errors: &[403, 404, 409, 429], ..op("post", "/v1/notifications/{id}/acknowledge", "notifications", "Acknowledge a notification (its recipient)") },
    Endpoint { ok: (200, "Re-confirmed: its re-confirmation period starts again", Some("Notification")), errors: &[403, 404, 409, 429], ..op("post", "/v1/notifications/{id}/reconfirm", "notifications", "Re-confirm a site's notification (its notifier)") },
    Endpoint { query: &[("limit", "items in this page: 1 to the server's page_max (1 000 by default; default page_default, 200)"), ("after", "the `next` of the page before: the items after it"),], ok: (200, "The deconfliction requests you asked or were asked", Some("DeconflictionRequestList")), errors: &[422], ..op("get", "/v1/deconfliction-requests", "notifications", "Your deconfliction requests") },
    Endpoint { request: Some("DeconflictionRequestInput"), ok: (201, "Asked, with its deadline", Some("DeconflictionRequest")), errors: &[400, 413, 422, 429], ..op("post", "/v1/deconfliction-requests", "notifications", "Ask a notifier whether a location is protected") },
    Endpoint { ok: (200, "The request", Some("DeconflictionRequest")), errors: &[404], ..op("get", "/v1/deconfliction-requests/{id}", "notifications", "A deconfliction request you asked or were asked") },
    Endpoint { request: Some("DeconflictionAnswer"), ok: (200, "Answered (once)", Some("DeconflictionRequest")), errors: &[400, 403, 404, 409, 422, 429], ..op("post", "/v1/deconfliction-requests/{id}/answer", "notifications", "Answer a deconfliction request (the notifier asked)") },
    Endpoint { query: &[("limit", "items in this page: 1 to the server's page_max (1 000 by default; default page_default, 200)"), ("after", "the `next` of the page before: the items after it"),], errors: &[422], ok: (200, "The agreements you take part in", Some("AgreementList")), ..op("get", "/v1/agreements", "agreements", "List your agreements") },
    Endpoint { request: Some("AgreementInput"), ok: (201, "Proposed (you accept it by proposing)", Some("Agreement")), errors: &[400, 409, 422], ..op("post", "/v1/agreements", "agreements", "Propose an agreement") },
    Endpoint { query: &[("proposer", "whose agreement of this id: ids live in each proposer's namespace; without it, your own proposal, else the one of that id you take part in (409 if several)")], ok: (200, "The agreement", Some("Agreement")), errors: &[404, 409], ..op("get", "/v1/agreements/{id}", "agreements", "Get an agreement you take part in") },
    Endpoint { query: &[("proposer", "whose agreement of this id: ids live in each proposer's namespace; without it, your own proposal, else the one of that id you take part in (409 if several)")], ok: (200, "The agreement; active once every party has accepted", Some("Agreement")), errors: &[404, 409], ..op("post", "/v1/agreements/{id}/accept", "agreements", "Accept (or, after a suspension, accept anew)") },
    Endpoint { query: &[("proposer", "whose agreement of this id: ids live in each proposer's namespace; without it, your own proposal, else the one of that id you take part in (409 if several)")], request: Some("Reason"), ok: (200, "Suspended", Some("Agreement")), errors: &[400, 404, 409, 422], ..op("post", "/v1/agreements/{id}/suspend", "agreements", "Suspend: no new conflicts or messages under it") },
    Endpoint { ok: (200, "Who you are ({you, party, role}), the line's time (now), how fast its clock runs against real time (clock_rate), whether the line is an exercise (exercise: its clock is not real time), and a page of your party's credentials (never their tokens) with next and cursor", Some("Object")), query: &[("limit", "items in this page: 1 to the server's page_max (1 000 by default; default page_default, 200)"), ("after", "the `next` of the page before: the items after it"),], errors: &[422], ..op("get", "/v1/credentials", "credentials", "List your party's credentials") },
    Endpoint { request: Some("CredentialInput"), ok: (201, "The new credential's id and token, shown once", Some("Object")), errors: &[400, 403, 422], ..op("post", "/v1/credentials", "credentials", "Issue a credential at or below your level") },
    Endpoint { ok: (200, "The credential, revoked", Some("Object")), errors: &[403, 404], ..op("post", "/v1/credentials/{id}/revoke", "credentials", "Revoke a credential of your party") },
    Endpoint { request: Some("TrackBatch"), ok: (200, "How many reports were accepted (kept in memory; not logged)", Some("Object")), errors: &[400, 413, 422, 429], ..op("post", "/v1/tracks", "tactical", "Report the last state of your tracks") },
    Endpoint { query: &[("limit", "items in this page: 1 to the server's page_max (1 000 by default; default page_default, 200)"), ("after", "the `next` of the page before: the items after it"),], errors: &[422], ok: (200, "Your live tracks: the last state reported of each, until it expires (track_ttl, 60 s by default, without a report)", Some("TrackList")), ..op("get", "/v1/tracks", "tactical", "List your own live tracks") },
    Endpoint { query: &[("limit", "items in this page: 1 to the server's page_max (1 000 by default; default page_default, 200)"), ("after", "the `next` of the page before: the items after it"),], errors: &[422], ok: (200, "The alerts you are one of the two parties of, open and closed", Some("AlertList")), ..op("get", "/v1/alerts", "tactical", "List your alerts") },
    Endpoint {
        query: &[("cursor", "resume after this cursor (the `cursor` of the last event you received); 0 from the start")],
        ok: (101, "WebSocket: one JSON event per text frame ({cursor, seq, kind, time, actor, content}) and heartbeats ({heartbeat, cursor}); a client that does not take a frame within the stream send timeout is closed (1008) with the cursor to resume from, a revoked credential's stream is closed at once (1008), and a server shutting down closes with 1001 and the cursor", None),
        errors: &[400, 429],
        ..op("get", "/v1/stream", "stream", "Everything you may see, in order, resumable")
    },
    Endpoint { ok: (200, "The latest signed checkpoint (C2SP tlog-checkpoint, text)", None), errors: &[404], ..op("get", "/v1/log/checkpoint", "log", "The log's latest checkpoint") },
    Endpoint { ok: (200, "A c2sp.org/tlog-proof@v1 of the entry against the latest checkpoint (text; verify with `deconflict log verify-proof`)", None), errors: &[400, 404], ..op("get", "/v1/log/entries/{seq}/proof", "log", "Inclusion proof of an entry you may read") },
    Endpoint { ok: (200, "The entry's leaf bytes, which its proof proves (application/octet-stream)", None), errors: &[400, 404], ..op("get", "/v1/log/entries/{seq}/leaf", "log", "The leaf of an entry you may read") },
    Endpoint { ok: (200, "A deconflict-proof-bundle@v1: each entry's leaf, canonical content, opening and inclusion proof against the latest checkpoint (JSON; verify with `deconflict log verify-proof --bundle`)", None), request: Some("BundleRequest"), errors: &[400, 404, 422], ..op("post", "/v1/log/bundle", "log", "A proof bundle of entries you may read (`{\"seqs\": [...]}`, at most 10 000)") },
    Endpoint {
        query: &[
            ("from", "RFC 3339 time or date-time group: the window's start (required)"),
            ("to", "RFC 3339 time or date-time group: the window's end, excluded (required; at most 31 days after `from`)"),
            ("format", "`html` (default), `pdf`, or `bundle`: the proof bundle the report is made from"),
        ],
        ok: (200, "Your after-action record of the window: every entry of the log you may read with a time in [from, to), each line with its sequence number — declarations, conflicts and responses, hotline messages with each deadline met or missed, alerts (updates collapsed), notifications — as a self-contained HTML page, a PDF, or the deconflict-proof-bundle@v1 it is made from (verify it offline with `deconflict log verify-proof --bundle`). Only entries under the latest checkpoint are included. A window holding more than 10 000 entries you may read, or spanning more than 200 000 entries of the log, is refused (422): narrow it", None),
        errors: &[404, 422],
        ..op("get", "/v1/report", "log", "Your after-action record of a window (HTML, PDF or proof bundle)")
    },
];

/// A string schema with a description.
fn text(description: &str) -> Value {
    json!({"type": "string", "description": description})
}

/// The schemas of humanitarian notifications, incidents and deconfliction requests.
fn notification_schemas() -> Value {
    json!({
        "NotificationInput": {"type": "object", "required": ["declarations", "to"], "additionalProperties": false, "properties": {
            "declarations": {"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": 64, "description": "ids of your own live declarations: sites (a site list), or one ground_movement"},
            "to": {"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": 32, "description": "parties you share an active agreement with; each gets a notification of its own"},
            "note": {"type": "string", "maxLength": 4000},
            "reconfirm_s": {"type": "integer", "minimum": 3600, "description": "sites: a shorter re-confirmation period than the agreements' (reconfirm_days), an hour at least"}
        }},
        "Notification": {"type": "object", "properties": {
            "id": {"type": "string"}, "from": {"type": "string"}, "to": {"type": "string"},
            "subject": {"enum": ["sites", "movement"]},
            "declarations": {"type": "array", "items": {"type": "object", "properties": {"id": {"type": "string"}, "version": {"type": "integer"}, "kind": {"type": "string"}, "declaration": {"type": "object"}}}},
            "note": {"type": "string"}, "sent": {"type": "string"}, "seq": {"type": "integer", "description": "the entry that sent it, which keeps what it pinned"},
            "retired": {"type": "boolean", "description": "closed long enough ago to have left the line's memory and its lists: read by id, what it pinned and its note are read back from its entry"},
            "status": {"enum": ["pending", "acknowledged", "lapsed", "expired", "superseded"]},
            "deadline": {"type": "string"}, "seconds_to_deadline": {"type": ["integer", "null"], "description": "while open and unacknowledged; null otherwise"}, "overdue": {"type": "boolean"},
            "acknowledged": {"type": ["object", "null"], "description": "{at, seq}"},
            "escalations": {"type": "array", "items": {"type": "object", "description": "{level, at, seq}"}},
            "reconfirm_by": {"type": ["string", "null"]}, "reconfirmations": {"type": "array", "items": {"type": "object"}},
            "lapsed": {"type": ["object", "null"]}, "expired": {"type": ["object", "null"]}, "expires": {"type": "string"},
            "superseded": {"type": ["object", "null"], "description": "a pinned declaration has a newer version (or was cancelled): the notifier must notify again"},
            "warning": {"type": "string"}
        }},
        "NotificationsSent": {"type": "object", "properties": {"notifications": {"type": "array", "items": {"$ref": "#/components/schemas/Notification"}}}},
        "NotificationList": {"type": "object", "properties": {"notifications": {"type": "array", "items": {"$ref": "#/components/schemas/Notification"}}, "next": {"type": ["string", "null"], "description": "ask for the next page with after=next; null on the last page"}, "cursor": {"type": "integer", "description": "the log size this page reflects: a stream opened at this cursor carries every later change"}}},
        "IncidentInput": {"type": "object", "required": ["site", "time", "description"], "additionalProperties": false, "properties": {
            "site": {"type": "string", "description": "the site's id: your own, or one notified to you"},
            "party": {"type": "string", "description": "the site's party, when several notified you a site of that id"},
            "time": {"type": "string", "description": "when it happened (RFC 3339 or a date-time group)"},
            "place": {"description": "[lon, lat], or a text of at most 500 bytes"},
            "description": {"type": "string", "minLength": 1, "maxLength": 4000}
        }},
        "IncidentReport": {"type": "object", "properties": {
            "incident": {"type": "object"},
            "history": {"type": "object", "description": "{notifications: [{id, from, to, version, status, history: [{event, at, seq}]}], at_incident: {time, version, notifications: [{notification, to, version, status, seq}]}}"},
            "bundle": {"type": "object", "description": "deconflict-proof-bundle@v1 of the history's entries and the report's"},
            "warning": {"type": "string"}
        }},
        "DeconflictionRequestInput": {"type": "object", "required": ["to", "location", "start", "end"], "additionalProperties": false, "properties": {
            "to": {"type": "string", "description": "the notifier asked"},
            "location": {"description": "{point: [lon, lat]} or {circle: {center: [lon, lat], radius_m}} (radius up to 100 km)"},
            "start": {"type": "string"}, "end": {"type": "string"},
            "text": {"type": "string", "maxLength": 4000}
        }},
        "DeconflictionRequest": {"type": "object", "properties": {
            "id": {"type": "string"}, "from": {"type": "string"}, "to": {"type": "string"}, "location": {"type": "object"},
            "start": {"type": "string"}, "end": {"type": "string"}, "text": {"type": "string"},
            "asked": {"type": "object"}, "deadline": {"type": "string"}, "overdue": {"type": "boolean"},
            "answer": {"type": ["object", "null"], "description": "{protected, site, text, at, seq}"}
        }},
        "DeconflictionRequestList": {"type": "object", "properties": {"requests": {"type": "array", "items": {"$ref": "#/components/schemas/DeconflictionRequest"}}, "next": {"type": ["string", "null"]}, "cursor": {"type": "integer"}}},
        "DeconflictionAnswer": {"type": "object", "required": ["protected"], "additionalProperties": false, "properties": {
            "protected": {"type": "boolean"}, "site": {"type": "string", "description": "which of your notified sites"}, "text": {"type": "string", "maxLength": 4000}
        }}
    })
}

/// The schemas of the live tracks and alerts.
fn tactical_schemas() -> Value {
    json!({
        "TrackBatch": {"type": "object", "required": ["tracks"], "properties": {"tracks": {"type": "array", "maxItems": 10000, "items": {
            "type": "object", "required": ["id", "lat", "lon", "alt_m", "gs_mps", "trk_deg"], "additionalProperties": false,
            "properties": {
                "id": {"type": "string"}, "callsign": {"type": "string"},
                "lat": {"type": "number"}, "lon": {"type": "number"}, "alt_m": {"type": "number"},
                "gs_mps": {"type": "number"}, "trk_deg": {"type": "number"},
                "vs_mps": {"type": "number", "description": "vertical rate, m/s up; absent: unknown (never taken as level flight)"},
                "alt_ref": {"enum": ["msl", "pressure", "wgs84"], "default": "msl", "description": "pressure: alt_m is pressure altitude (standard setting), compared with MSL heights with a margin; wgs84: height above the WGS84 ellipsoid (GNSS, TAK), compared with heights on another reference with the geoid's margin"},
                "time": text("when the state was measured (default: now); within [now − track_ttl, now + track_future_skew]")
            }
        }}}},
        "Alert": {"type": "object", "properties": {
            "id": {"type": "string"}, "kind": {"enum": ["separation", "incursion", "storm"]},
            "pairs": {"type": "integer", "description": "storm: pairs in conflict beyond alerts_per_party_pair"},
            "undecided": {"type": "integer", "description": "storm: candidate pairs the scan's budget left undecided"},
            "declaration": {"type": "object", "description": "incursion: the area's id, kind and name (with distance_m) only if you were given its declaration, or if it is yours; else only its party (no distance, no window but the look-ahead's)"},
            "status": {"enum": ["open", "closed"]},
            "tracks": {"type": "array", "items": {"type": "object"}, "description": "the two tracks' states that raised or updated it"},
            "t_cpa_s": {"type": "number"}, "d_cpa_m": {"type": "number"}, "t_los_s": {"type": "number"}, "los": {"type": "boolean"},
            "raised": {"type": "string"}, "updated": {"type": "string"}, "reason": {"type": "string"}
        }},
        "Track": {"type": "object", "properties": {
            "party": {"type": "string"}, "id": {"type": "string"}, "callsign": {"type": "string"},
            "reported": text("when the state was reported or measured"),
            "lat": {"type": "number"}, "lon": {"type": "number"}, "alt_m": {"type": "number"},
            "gs_mps": {"type": "number"}, "trk_deg": {"type": "number"}, "vs_mps": {"type": ["number", "null"]},
            "alt_ref": {"enum": ["msl", "pressure", "wgs84"]}
        }},
        "TrackList": {"type": "object", "properties": {"tracks": {"type": "array", "items": {"$ref": "#/components/schemas/Track"}}, "next": {"type": ["string", "null"], "description": "ask for the next page with after=next; null on the last page"}, "cursor": {"type": "integer", "description": "the log size this page reflects: a stream opened at this cursor carries every later change"}}},
        "AlertList": {"type": "object", "properties": {"alerts": {"type": "array", "items": {"$ref": "#/components/schemas/Alert"}}, "next": {"type": ["string", "null"], "description": "ask for the next page with after=next; null on the last page"}, "cursor": {"type": "integer", "description": "the log size this page reflects: a stream opened at this cursor carries every later change"}}}
    })
}

/// The schemas of the wire format.
fn schemas() -> Value {
    let position = json!({
        "description": "[lon, lat] in degrees, or text: DMS (`353700N0384500E`), degrees with hemispheres (`37N 035.43E`) or MGRS",
        "oneOf": [
            {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2},
            {"type": "string"}
        ]
    });
    let altitude_value = json!({"oneOf": [{"type": "number"}, {"type": "string"}],
        "description": "text such as `FL200`, `1000 ft`, `300 m`, `SFC`"});
    json!({
        "Object": {"type": "object"},
        "Problem": {
            "type": "object",
            "description": "RFC 9457 problem details",
            "required": ["type", "title", "status", "detail"],
            "properties": {
                "type": text("stable: urn:deconflict:problem:<kind> (validation, not-found, forbidden, exists, stale-version, if-match-required, unauthorized, bad-request, too-large, timeout, too-many, limit, overloaded, unhealthy, line-failed, http, internal)"),
                "title": {"type": "string"}, "status": {"type": "integer"}, "detail": {"type": "string"},
                "field": text("for validation problems: the path of the field at fault, e.g. volumes[0].altitude.lower"),
                "limit": text("when a bound of the server was reached: its name (e.g. body_bytes, track_body_bytes, request_timeout, max_in_flight, streams_per_party), as in the README's table of limits"),
                "late": {"type": "array", "items": {"type": "string"}, "description": "for unhealthy: the background loops that are late"},
                "failing": {"type": "array", "items": {"type": "string"}, "description": "for unhealthy: the late loops whose runs ended in errors"},
                "failed": {"type": "boolean", "description": "for unhealthy: whether the line has failed (it refuses every request until a restart)"}
            }
        },
        "Volume": {
            "type": "object", "required": ["footprint", "altitude", "time"], "additionalProperties": false,
            "properties": {
                "footprint": {"type": "object", "description": "exactly one of polygon, circle, corridor, side (of a deconfliction line)", "properties": {
                    "polygon": {"type": "array", "items": position, "minItems": 3},
                    "circle": {"type": "object", "required": ["center", "radius_m"], "properties": {"center": position, "radius_m": {"type": "number", "exclusiveMinimum": 0}}},
                    "corridor": {"type": "object", "required": ["path", "half_width_m"], "properties": {"path": {"type": "array", "items": position, "minItems": 2}, "half_width_m": {"type": "number", "exclusiveMinimum": 0}}},
                    "side": {"type": "object", "required": ["path", "side", "depth_m"], "description": "the strip from the line to depth_m on one side, looking along the path from its first position", "properties": {"path": {"type": "array", "items": position, "minItems": 2}, "side": {"enum": ["left", "right"]}, "depth_m": {"type": "number", "exclusiveMinimum": 0}}}
                }},
                "altitude": {"type": "object", "description": "lower/upper as text, or lower_m/upper_m in metres; datum MSL (default) or WGS84", "properties": {
                    "lower": altitude_value, "upper": altitude_value,
                    "lower_m": {"type": "number"}, "upper_m": {"type": "number"},
                    "datum": {"enum": ["MSL", "WGS84"]}
                }},
                "time": {"type": "object", "required": ["start", "end"], "properties": {
                    "start": text("RFC 3339 or a date-time group such as 181830CJUN17"),
                    "end": text("RFC 3339 or a date-time group")
                }}
            }
        },
        "Declaration": {
            "type": "object", "required": ["id", "kind", "volumes"], "additionalProperties": false,
            "properties": {
                "id": {"type": "string"},
                "party": text("your party (filled in when absent)"),
                "kind": {"enum": ["air_operation", "ground_movement", "site", "zone", "line"], "description": "line: the declaring party's side of a deconfliction line (footprint side); sides of lines never conflict with each other"},
                "version": {"type": "integer", "description": "the version this write makes (filled in when absent)"},
                "volumes": {"type": "array", "items": {"$ref": "#/components/schemas/Volume"}, "minItems": 1},
                "audience": {"type": "array", "items": {"type": "string"}, "description": "the other parties that may see it"},
                "name": {"type": "string"}, "description": {"type": "string"}
            }
        },
        "DeclarationView": {"type": "object", "properties": {
            "id": {"type": "string"}, "party": {"type": "string"}, "version": {"type": "integer"},
            "status": {"enum": ["planned", "active", "ended", "cancelled"]}, "seq": {"type": "integer"},
            "late_notice": {"$ref": "#/components/schemas/LateNotice"},
            "declaration": {"$ref": "#/components/schemas/Declaration"},
            "normalised": {"$ref": "#/components/schemas/Normalised"}
        }},
        "Normalised": {"type": ["object", "null"], "description": "the declaration in the line's units, beside it as typed: footprints in WGS84 degrees ([lon, lat]), altitudes in metres with their datum, times in RFC 3339 UTC (null once a closed declaration's content has left memory)", "properties": {
            "id": {"type": "string"}, "party": {"type": "string"}, "kind": {"type": "string"}, "version": {"type": "integer"},
            "volumes": {"type": "array", "items": {"type": "object"}}
        }},
        "LateNotice": {"type": ["object", "null"], "description": "set when the version gave less notice than an agreement asks", "properties": {
            "required_s": {"type": "integer"}, "given_s": {"type": "integer"}, "agreements": {"type": "array", "items": {"type": "string"}}
        }},
        "DeclarationList": {"type": "object", "properties": {"declarations": {"type": "array", "items": {"$ref": "#/components/schemas/DeclarationView"}}, "next": {"type": ["string", "null"], "description": "ask for the next page with after=next; null on the last page"}, "cursor": {"type": "integer", "description": "the log size this page reflects: a stream opened at this cursor carries every later change"}}},
        "Declared": {"type": "object", "properties": {
            "id": {"type": "string"}, "version": {"type": "integer"}, "seq": {"type": "integer"},
            "declaration": {"$ref": "#/components/schemas/Declaration"},
            "normalised": {"$ref": "#/components/schemas/Normalised"},
            "conflicts": {"type": "array", "items": {"$ref": "#/components/schemas/Conflict"}},
            "advice": {"type": ["object", "null"], "description": "least delay, climb or descent that clears every conflict", "properties": {
                "delay_s": {"type": ["integer", "null"]}, "climb_m": {"type": ["number", "null"]}, "descend_m": {"type": ["number", "null"]}
            }},
            "late_notice": {"$ref": "#/components/schemas/LateNotice"}
        }},
        "Conflict": {"type": "object", "properties": {
            "id": text("stable: the same two versions always give the same id"),
            "status": {"enum": ["open", "acknowledged", "resolved"]},
            "outcome": {"enum": [null, "resolved", "accepted", "disputed"]},
            "parties": {"type": "object", "description": "per party: acknowledged, accepted, disputed {at, reason}"},
            "declaration": {"type": "object", "description": "your declaration: id, version"},
            "other": {"type": "object", "description": "the other side: id, party, version and only its conflicting volumes"},
            "distance_m": {"type": "number"}, "vertical_gap_m": {"type": "number"},
            "start": {"type": "string"}, "end": {"type": "string"}
        }},
        "ConflictList": {"type": "object", "properties": {"conflicts": {"type": "array", "items": {"$ref": "#/components/schemas/Conflict"}}, "next": {"type": ["string", "null"], "description": "ask for the next page with after=next; null on the last page"}, "cursor": {"type": "integer", "description": "the log size this page reflects: a stream opened at this cursor carries every later change"}}},
        "BundleRequest": {"type": "object", "required": ["seqs"], "properties": {"seqs": {"type": "array", "maxItems": 10000, "items": {"type": "integer", "minimum": 0}}}},
        "Reason": {"type": "object", "required": ["reason"], "properties": {"reason": {"type": "string", "minLength": 1, "maxLength": 2000}}},
        "Answer": {"type": "object", "additionalProperties": false, "description": "free text, a template, or both", "properties": {"text": {"type": "string", "maxLength": 10000, "description": "as written: never translated"}, "template": {"$ref": "#/components/schemas/MessageTemplate"}}},
        "MessageTemplate": {"description": "A structured message: typed fields each reader's picture renders in its own language and units. Ids must be ones the sender may read (declarations; a protected site for site_exclusion_request; a message sent or received for acknowledgement). Times come back as RFC 3339 UTC; heights are metres (lower_m null: the surface).", "oneOf": [
            {"type": "object", "additionalProperties": false, "required": ["type", "start", "end", "upper_m"], "properties": {
                "type": {"const": "operation_notice"}, "declaration": {"type": "string"}, "declaration_party": {"type": "string", "readOnly": true, "description": "written by the line: the party whose declaration the sender named"},
                "start": {"type": "string", "description": "RFC 3339 or a date-time group"}, "end": {"type": "string", "description": "after start, within 31 days"},
                "lower_m": {"type": ["number", "null"], "minimum": -1000, "maximum": 30000}, "upper_m": {"type": "number", "minimum": -1000, "maximum": 30000}}},
            {"type": "object", "additionalProperties": false, "required": ["type", "site", "start", "end"], "properties": {
                "type": {"const": "site_exclusion_request"}, "site": {"type": "string"}, "site_party": {"type": "string", "readOnly": true, "description": "written by the line: the party whose site the sender named"}, "start": {"type": "string"}, "end": {"type": "string"}}},
            {"type": "object", "additionalProperties": false, "required": ["type", "declaration", "delay_s"], "properties": {
                "type": {"const": "delay_request"}, "declaration": {"type": "string"}, "declaration_party": {"type": "string", "readOnly": true, "description": "written by the line: the party whose declaration the sender named"}, "delay_s": {"type": "integer", "minimum": 60, "maximum": 86400}}},
            {"type": "object", "additionalProperties": false, "required": ["type", "status"], "properties": {
                "type": {"const": "acknowledgement"}, "message": {"type": "string"}, "status": {"enum": ["received", "will_comply", "cannot_comply"]}}}
        ]},
        "MessageInput": {"type": "object", "required": ["to"], "additionalProperties": false, "properties": {
            "to": {"type": "array", "items": {"type": "string"}, "minItems": 1, "description": "parties you share an active agreement with"},
            "precedence": {"enum": ["FLASH", "IMMEDIATE", "PRIORITY", "ROUTINE"], "default": "ROUTINE"},
            "kind": {"enum": ["text", "notice", "request", "reply", "assistance", "not_my_forces"], "default": "text"},
            "text": {"type": "string", "maxLength": 10000, "description": "free text, as written: never translated"},
            "template": {"$ref": "#/components/schemas/MessageTemplate"},
            "refs": {"type": "object", "properties": {
                "declarations": {"type": "array", "items": {"type": "string"}},
                "conflicts": {"type": "array", "items": {"type": "string"}}
            }}
        }},
        "Message": {"type": "object", "properties": {
            "id": {"type": "string"}, "from": {"type": "string"}, "to": {"type": "array", "items": {"type": "string"}},
            "precedence": {"type": "string"}, "kind": {"type": "string"}, "text": {"type": "string"},
            "template": {"$ref": "#/components/schemas/MessageTemplate"},
            "sent": {"type": "string"}, "deadline": {"type": "string"}, "seconds_to_deadline": {"type": "integer"},
            "receipts": {"type": "object", "description": "per recipient (the sender sees all, a recipient its own): delivered, acknowledged, answered ({at, text, template?}), overdue, escalations"}
        }},
        "MessageList": {"type": "object", "properties": {"messages": {"type": "array", "items": {"$ref": "#/components/schemas/Message"}}, "next": {"type": ["string", "null"], "description": "ask for the next page with after=next; null on the last page"}, "cursor": {"type": "integer", "description": "the log size this page reflects: a stream opened at this cursor carries every later change"}}},
        "AgreementInput": {"type": "object", "required": ["id", "parties"], "additionalProperties": false, "properties": {
            "id": {"type": "string"}, "title": {"type": "string", "maxLength": 500},
            "parties": {"type": "array", "items": {"type": "string"}, "minItems": 2, "description": "including you"},
            "minima": {"type": "object", "additionalProperties": false, "properties": {
                "lateral_m": {"type": "number", "default": 9260}, "vertical_m": {"type": "number", "default": 304.8},
                "time_buffer_s": {"type": "integer", "default": 0},
                "zone_lateral_m": {"type": "number", "default": 5556}, "zone_vertical_m": {"type": "number", "default": 152.4}
            }},
            "notice_s": {"type": "object", "description": "minimum notice per declaration kind (seconds)", "additionalProperties": {"type": "integer"}},
            "deadlines_s": {"type": "object", "description": "acknowledgement deadline per precedence (seconds); defaults 600, 1800, 10800, 21600", "additionalProperties": {"type": "integer"}},
            "notification_ack_s": {"type": "integer", "minimum": 1, "default": 21600, "description": "time a recipient has to acknowledge a humanitarian notification"},
            "reconfirm_days": {"type": "integer", "minimum": 1, "maximum": 365, "default": 30, "description": "a site's notification must be re-confirmed by its notifier within this period, or it lapses"}
        }},
        "Agreement": {"allOf": [{"$ref": "#/components/schemas/AgreementInput"}, {"type": "object", "properties": {
            "proposer": {"type": "string", "description": "the party that proposed it: its id lives in the proposer's namespace"},
            "status": {"enum": ["proposed", "active", "suspended"]},
            "accepted": {"type": "object", "description": "party → when it accepted"},
            "suspensions": {"type": "array", "items": {"type": "object"}}
        }}]},
        "AgreementList": {"type": "object", "properties": {"agreements": {"type": "array", "items": {"$ref": "#/components/schemas/Agreement"}}, "next": {"type": ["string", "null"], "description": "ask for the next page with after=next; null on the last page"}, "cursor": {"type": "integer", "description": "the log size this page reflects: a stream opened at this cursor carries every later change"}}},
        "CredentialInput": {"type": "object", "properties": {"role": {"enum": ["duty_officer", "commander", "chief"]}}}
    })
}

fn status_text(code: u16) -> &'static str {
    match code {
        400 => "Unreadable request",
        401 => "No valid token",
        403 => "Not allowed",
        404 => "Not found, or not yours to see",
        409 => "Conflicts with the current state",
        412 => "If-Match names a stale version",
        408 => "The request was not received and answered in time (`limit`: request_timeout); the connection is closed",
        413 => "Body too large; `limit` names the bound (body_bytes or track_body_bytes)",
        422 => "Invalid input; `field` names the field at fault; nothing was stored",
        428 => "If-Match required",
        429 => "Too many at once; `limit` names the bound",
        503 => "Overloaded (`limit`: max_in_flight; retry), the line has failed (`line-failed`: every request is refused until a restart), or for /healthz a background loop is late or the line has failed",
        _ => "Internal error; nothing was changed",
    }
}

/// The OpenAPI 3.1 document.
pub fn document() -> Value {
    let problem =
        json!({"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}});
    let mut paths = Map::new();
    for e in ENDPOINTS {
        let mut responses = Map::new();
        let (code, description, schema) = e.ok;
        let mut ok = json!({"description": description});
        if let Some(s) = schema {
            ok["content"] = json!({"application/json": {"schema": {"$ref": format!("#/components/schemas/{s}")}}});
        }
        responses.insert(code.to_string(), ok);
        let mut codes: Vec<u16> = e.errors.to_vec();
        if e.auth {
            codes.push(401);
        }
        codes.extend([408, 500, 503]);
        codes.sort_unstable();
        codes.dedup();
        for c in codes {
            responses.insert(
                c.to_string(),
                json!({"description": status_text(c), "content": problem}),
            );
        }
        let mut parameters: Vec<Value> = Vec::new();
        for name in e
            .path
            .split('/')
            .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
        {
            parameters.push(
                json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}),
            );
        }
        for (name, description) in e.query {
            parameters.push(json!({"name": name, "in": "query", "required": false, "description": description, "schema": {"type": "string"}}));
        }
        if e.if_match {
            parameters.push(json!({"name": "If-Match", "in": "header", "required": true,
                "description": "the version you replace, e.g. \"3\" (the ETag of the current version)", "schema": {"type": "string"}}));
        }
        let mut operation = json!({
            "tags": [e.tag],
            "summary": e.summary,
            "operationId": format!("{}_{}", e.method, e.path.trim_start_matches('/').replace(['/', '.'], "_").replace(['{', '}'], "")),
            "responses": responses,
        });
        if !parameters.is_empty() {
            operation["parameters"] = Value::Array(parameters);
        }
        if let Some(r) = e.request {
            operation["requestBody"] = json!({"required": true, "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{r}")}}}});
        }
        operation["security"] = if e.auth {
            json!([{"bearer": []}])
        } else {
            json!([])
        };
        let item = paths.entry(e.path.to_string()).or_insert_with(|| json!({}));
        item[e.method] = operation;
    }
    let mut all_schemas = schemas();
    if let (Some(a), Value::Object(t)) = (all_schemas.as_object_mut(), tactical_schemas()) {
        a.extend(t);
    }
    if let (Some(a), Value::Object(t)) = (all_schemas.as_object_mut(), notification_schemas()) {
        a.extend(t);
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "deconflict",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "The deconfliction line: parties declare where and when they will be, the line finds conflicts under their agreements, tells exactly the parties concerned, runs the acknowledged hotline and keeps a tamper-evident log. A party never reads what it was not given: anything else answers 404 as if it did not exist. Humanitarian notifications record who was told of which protected site or movement and who acknowledged it: a notification is not a guarantee of safety."
        },
        "servers": [{"url": "http://127.0.0.1:8080"}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description": "a party credential: `deconflict party add` or POST /v1/credentials"}},
            "schemas": all_schemas
        }
    })
}
