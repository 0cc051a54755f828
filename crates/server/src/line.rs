//! The deconfliction line's core, with no HTTP in it: parties, declarations and their conflicts.
//!
//! Everything is derived from the ledger: [`Line::open`] replays every entry, and every change is made by one
//! atomic, durable append (a declaration version together with the conflicts it opens and resolves) before
//! the in-memory state moves. Writes are serialised by one lock, so each is checked against every earlier
//! declaration; reads see only what the caller was given.
//!
//! Declarations of two parties are checked against each other only under an active agreement they share
//! (see [`crate::agreement`]), with its minima; a party's hotline reaches only its partners.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use parking_lot::MutexGuard;
use std::time::{Duration, Instant};

use deconflict_domain::{Declarations, DECLARATION_CANCEL, DECLARATION_VERSION};
use deconflict_ledger::entry::check_token;
use deconflict_ledger::Audience;
use deconflict_plan::{advice_json, parse_declaration, parse_declaration_limited, PlanLimits};
use deconflict_space::units::format_time;
use deconflict_store::keys::load_or_create_log_key;
use deconflict_store::{
    Checkpointer, LogStore, NewEntry, SqliteLog, StoreError, StoredCheckpoint, StoredEntry,
};
use deconflict_strategic::{
    advice_candidates, advise_under, AdviceBounds, Conflict, ConflictIndex, Declaration, Minima,
    Policy,
};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::agreement::{
    self, Agreement, Agreements, AGREEMENT_ACCEPTED, AGREEMENT_PROPOSED, AGREEMENT_SUSPENDED,
};
use crate::clock::{Clock, SystemClock};
use crate::event::StateChange;
use crate::hotline::{
    deadline_for, Message, Receipt, LEVELS, MESSAGE_ACKNOWLEDGED, MESSAGE_ANSWERED,
    MESSAGE_DELIVERED, MESSAGE_ESCALATED, MESSAGE_KINDS, MESSAGE_SENT, PRECEDENCES,
};
use crate::tracks::{self, Tactical, ALERT_CLOSED, ALERT_RAISED};

mod scan;

/// The actor of entries the line itself makes (escalations).
pub const LINE_ACTOR: &str = "line";

pub const PARTY_REGISTERED: &str = "party.registered";
pub const CREDENTIAL_ISSUED: &str = "credential.issued";
pub const CREDENTIAL_REVOKED: &str = "credential.revoked";
pub const DECLARATION_STATE: &str = "declaration.state";
pub const CONFLICT_FOUND: &str = "conflict.found";
pub const CONFLICT_RESOLVED: &str = "conflict.resolved";
pub const CONFLICT_ACKNOWLEDGED: &str = "conflict.acknowledged";
pub const CONFLICT_ACCEPTED: &str = "conflict.accepted";
pub const CONFLICT_DISPUTED: &str = "conflict.disputed";

/// What a party can say about a conflict it is part of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConflictResponse {
    /// "We have seen it."
    Acknowledge,
    /// "We accept it as it is" (both sides accepting closes it as accepted).
    Accept,
    /// "Not my forces" or another objection, with a reason.
    Dispute,
}

impl ConflictResponse {
    fn kind(self) -> &'static str {
        match self {
            ConflictResponse::Acknowledge => CONFLICT_ACKNOWLEDGED,
            ConflictResponse::Accept => CONFLICT_ACCEPTED,
            ConflictResponse::Dispute => CONFLICT_DISPUTED,
        }
    }
}

/// The kinds of party on the line.
pub const PARTY_KINDS: [&str; 4] = ["military", "humanitarian", "civil", "observer"];

/// What went wrong, in terms the HTTP layer maps to statuses.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LineError {
    #[error("{detail}")]
    Invalid { field: String, detail: String },
    #[error("{0}")]
    Forbidden(String),
    #[error("nothing called {0:?} that you may see")]
    NotFound(String),
    #[error("{0}")]
    Exists(String),
    #[error("If-Match names version {given}, but the current version is {current}")]
    Stale { given: u64, current: u64 },
    #[error("a new version must name the version it replaces in If-Match")]
    PreconditionRequired,
    /// A bound of [`crate::limits::Limits`] was passed: the request is refused whole, nothing stored.
    #[error("{detail}")]
    Limit {
        /// The bound's name (a field of `Limits`).
        limit: &'static str,
        detail: String,
        /// A rate (retry later, 429) rather than a size (422).
        rate: bool,
    },
    #[error("storage: {0}")]
    Storage(String),
}

impl From<StoreError> for LineError {
    fn from(e: StoreError) -> Self {
        LineError::Storage(e.to_string())
    }
}

fn invalid(field: impl Into<String>, detail: impl Into<String>) -> LineError {
    LineError::Invalid {
        field: field.into(),
        detail: detail.into(),
    }
}

/// A bearer credential: whose it is, at which escalation level, and its id (for revocation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    pub party: String,
    pub role: String,
    pub id: String,
}

/// Where a role stands among [`LEVELS`] (duty officer 0, commander 1, chief 2).
pub fn level_of(role: &str) -> Option<usize> {
    LEVELS.iter().position(|l| *l == role)
}

#[derive(Debug, Clone)]
struct CredentialRecord {
    credential: Credential,
    hash: [u8; 32],
    issued_ms: i64,
    revoked_ms: Option<i64>,
}

/// A registered party.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Party {
    pub id: String,
    pub kind: String,
}

/// Where a declaration is in its life: planned → active → ended, or cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Planned,
    Active,
    Ended,
    Cancelled,
}

impl State {
    pub fn name(self) -> &'static str {
        match self {
            State::Planned => "planned",
            State::Active => "active",
            State::Ended => "ended",
            State::Cancelled => "cancelled",
        }
    }

    /// Ended or cancelled: out of the index, no more versions.
    pub fn closed(self) -> bool {
        matches!(self, State::Ended | State::Cancelled)
    }
}

/// Which declarations a list returns.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    /// Also ended and cancelled ones.
    pub include_closed: bool,
    /// Only those with a volume whose footprint's bounds meet `[min_lon, min_lat, max_lon, max_lat]`
    /// (`min_lon > max_lon` crosses the antimeridian).
    pub bbox: Option<[f64; 4]>,
    /// Only those with a volume in force at some time in `[from, to)` (ms).
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    /// Add each volume's outline for drawing (see [`outline`]).
    pub outline: bool,
}

impl ListFilter {
    fn keeps(&self, d: &Declaration) -> bool {
        d.volumes.iter().any(|v| {
            self.from_ms.is_none_or(|f| v.time.end_ms > f)
                && self.to_ms.is_none_or(|t| v.time.start_ms < t)
                && self.bbox.is_none_or(|b| bounds_meet(&v.footprint, b))
        })
    }
}

/// Which page of a list to read: at most `limit` items (the line's `page_default` when `None`) whose keys
/// come after `after` (the `next` of the page before), in key order.
#[derive(Debug, Clone, Default)]
pub struct Page {
    pub limit: Option<usize>,
    pub after: Option<String>,
}

/// One page of a list.
#[derive(Debug, Clone, PartialEq)]
pub struct Listed {
    pub items: Vec<Value>,
    /// The key to ask for the next page with (`after`), or `None` when this page is the last.
    pub next: Option<String>,
    /// The log's size the list reflects: a stream opened at this cursor carries every change since.
    pub cursor: u64,
}

/// A bound as milliseconds (saturating).
fn limit_ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// The range of keys after `after`, for `BTreeMap::range`.
/// A declaration's key on the line: its party and its id. Ids live in each party's own namespace, so one
/// party's id never tells another that it is in use; `/` is in neither grammar, so the key is unambiguous.
fn key(party: &str, id: &str) -> String {
    format!("{party}/{id}")
}

/// The audience of a declaration's entries, sealed: its leaf shows one commitment per party, so that a party
/// it is shared with (who may fetch the leaf) learns how many were told, not who (LEDGER.md §1).
fn sealed(parties: &BTreeSet<String>) -> Audience {
    use rand::RngCore;
    let mut rng = rand::thread_rng();
    Audience::Sealed(
        parties
            .iter()
            .map(|p| {
                let mut salt = [0u8; 16];
                rng.fill_bytes(&mut salt);
                (p.clone(), salt)
            })
            .collect(),
    )
}

fn after_key(page: &Page) -> (std::ops::Bound<&str>, std::ops::Bound<&str>) {
    use std::ops::Bound;
    match page.after.as_deref() {
        Some(k) => (Bound::Excluded(k), Bound::Unbounded),
        None => (Bound::Unbounded, Bound::Unbounded),
    }
}

/// The first `limit` of `items` (keyed, in key order), within `bytes` of JSON (always at least one item), and
/// the key of the last one taken when more follow.
fn take_page<'a>(
    items: impl Iterator<Item = (&'a String, Value)>,
    limit: usize,
    bytes: usize,
) -> (Vec<Value>, Option<String>) {
    /// Counts the bytes written to it.
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut out = Vec::new();
    let mut last: Option<&String> = None;
    let mut size = 0;
    for (key, item) in items {
        let mut count = Count(0);
        // Writing a `Value` to a counter cannot fail.
        let _ = serde_json::to_writer(&mut count, &item);
        if out.len() == limit || (!out.is_empty() && size + count.0 > bytes) {
            return (out, last.cloned());
        }
        size += count.0;
        out.push(item);
        last = Some(key);
    }
    (out, None)
}

/// Whether a footprint's longitude/latitude bounds (its vertices widened by its radius or half-width and by
/// 1 km for the bulge of long edges) meet a box. Approximate, erring towards inclusion; a footprint whose
/// vertices spread over more than 180° of longitude (one across the antimeridian) is taken to span them all.
fn bounds_meet(region: &deconflict_space::Region, b: [f64; 4]) -> bool {
    use deconflict_space::Footprint;
    let (points, reach_m) = match region.footprint() {
        Footprint::Polygon(p) => (p.as_slice(), 0.0),
        Footprint::Circle { center, radius_m } => (std::slice::from_ref(center), *radius_m),
        Footprint::Corridor { path, half_width_m } => (path.as_slice(), *half_width_m),
    };
    let pad_deg = (reach_m + 1_000.0) / 111_000.0;
    let (mut lo_lat, mut hi_lat, mut lo_lon, mut hi_lon) = (90.0f64, -90.0f64, 180.0f64, -180.0f64);
    for p in points {
        let lon_pad = pad_deg / p.lat.to_radians().cos().max(0.01);
        lo_lat = lo_lat.min(p.lat - pad_deg);
        hi_lat = hi_lat.max(p.lat + pad_deg);
        lo_lon = lo_lon.min(p.lon - lon_pad);
        hi_lon = hi_lon.max(p.lon + lon_pad);
    }
    if hi_lat < b[1] || lo_lat > b[3] {
        return false;
    }
    if hi_lon - lo_lon >= 180.0 {
        return true;
    }
    let meets = |lo: f64, hi: f64| hi_lon >= lo && lo_lon <= hi;
    let shifted = |lo: f64, hi: f64| {
        meets(lo, hi) || meets(lo - 360.0, hi - 360.0) || meets(lo + 360.0, hi + 360.0)
    };
    if b[0] <= b[2] {
        shifted(b[0], b[2])
    } else {
        shifted(b[0], b[2] + 360.0)
    }
}

/// The latest version of a declaration.
#[derive(Debug, Clone)]
struct Current {
    declaration: Declaration,
    /// The content as logged (the request body with `party`, `version` and `audience` set).
    content: Value,
    audience: BTreeSet<String>,
    state: State,
    /// Ledger sequence number of this version.
    seq: u64,
    /// Set when this version gave less notice than an agreement asks: `{required_s, given_s, agreements}`.
    late: Option<Value>,
}

impl Current {
    fn visible_to(&self, party: &str) -> bool {
        self.declaration.party == party || self.audience.contains(party)
    }
}

/// What a party was given of a declaration (see [`Inner::sees`]).
enum Sees<'a> {
    All,
    /// Only the volumes an open conflict showed it: those of `content` that are in `volumes`.
    Revealed {
        content: &'a Value,
        volumes: &'a [Value],
    },
}

impl Sees<'_> {
    fn volume(&self, j: usize) -> bool {
        match self {
            Sees::All => true,
            Sees::Revealed { content, volumes } => content["volumes"]
                .get(j)
                .is_some_and(|v| volumes.contains(v)),
        }
    }
}

/// A conflict as recorded: both sides, and each side's conflicting volumes (what the other side may see).
#[derive(Debug, Clone)]
struct ConflictRecord {
    content: Value,
    parties: [String; 2],
    resolved_by: Option<u64>,
    /// Per party: when (entry time, ms) it acknowledged, accepted, disputed (with the reason).
    acknowledged: BTreeMap<String, i64>,
    accepted: BTreeMap<String, i64>,
    disputed: BTreeMap<String, (i64, String)>,
}

impl ConflictRecord {
    fn outcome(&self) -> Value {
        if self.resolved_by.is_some() {
            json!("resolved")
        } else if !self.disputed.is_empty() {
            json!("disputed")
        } else if self.parties.iter().all(|p| self.accepted.contains_key(p)) {
            json!("accepted")
        } else {
            Value::Null
        }
    }
}

#[derive(Debug)]
struct Inner {
    parties: BTreeMap<String, Party>,
    /// Live credentials by token hash, apart, so that authenticating a request never waits for the line's
    /// lock (a long write must not stall every other party's reads). Written only while that lock is held.
    tokens: Arc<parking_lot::RwLock<HashMap<[u8; 32], Credential>>>,
    credentials: BTreeMap<String, CredentialRecord>,
    fold: Declarations,
    /// Every declaration by [`key`] (party and id: ids live in each party's own namespace).
    current: BTreeMap<String, Current>,
    /// The parties that have a declaration of each id, to find one shared with a caller by its id alone.
    /// For each party, the ids of other parties' declarations shared with it and whose they are: a read by
    /// id looks only here, so an id hidden from the caller and an id never used take the same path.
    shared: HashMap<String, HashMap<String, BTreeSet<String>>>,
    index: ConflictIndex,
    /// The sites, zones and sides of lines in force, apart, so that the tactical scan checks tracks against
    /// them without holding the line's lock. Written only while the line's lock is held.
    protected: Arc<parking_lot::RwLock<ConflictIndex>>,
    conflicts: BTreeMap<String, ConflictRecord>,
    /// The open conflicts of each declaration, by [`key`].
    open_conflicts: HashMap<String, BTreeSet<String>>,
    messages: BTreeMap<String, Message>,
    agreements: Agreements,
    /// Every alert as logged, latest state: (its two parties, the view).
    alerts: BTreeMap<String, ([String; 2], Value)>,
    /// Alerts closed, conflicts resolved and messages every recipient acknowledged, with when (entry time),
    /// in the log's order: they leave memory after the retention period ([`Inner::retire`]); the log keeps
    /// them.
    done: std::collections::VecDeque<(i64, Done)>,
    /// The sequence number the next entry gets.
    next_seq: u64,
    /// The time of the latest entry applied: entry times never go back (a write is stamped no earlier, and a
    /// log whose times go back is refused).
    last_time_ms: i64,
    /// True while entries are being applied (a panic there leaves it set, and the line refuses to go on).
    applying: bool,
    /// A declaration the writer has already read from the content it is committing, so that applying the
    /// entry need not read it again (it is used only if id and version match the entry's).
    prepared: Option<Declaration>,
    /// On a shared log, the writes being gathered at the log's end, which this node holds (see
    /// [`Line::write`]).
    batch: Option<Batch>,
    /// True while a writer waits, without the lock, for the end of a shared log to open a batch; other
    /// writers wait for it on [`Line`]'s `opened`.
    opening: bool,
}

/// Writes of one node gathered at the end of a shared log, which the node holds until they are appended.
#[derive(Debug)]
struct Batch {
    held: Box<dyn deconflict_store::HeldEnd>,
    /// Sealed and applied, not yet durable.
    entries: Vec<StoredEntry>,
    done: Arc<BatchDone>,
}

/// How a batch ended, for the writers waiting on it.
#[derive(Debug, Default)]
struct BatchDone {
    result: parking_lot::Mutex<Option<Result<(), LineError>>>,
    ended: parking_lot::Condvar,
}

impl BatchDone {
    fn set(&self, result: Result<(), LineError>) {
        *self.result.lock() = Some(result);
        self.ended.notify_all();
    }

    fn wait(&self) -> Result<(), LineError> {
        let mut result = self.result.lock();
        loop {
            if let Some(r) = result.as_ref() {
                return r.clone();
            }
            self.ended.wait(&mut result);
        }
    }
}

/// Most entries one batch of writes on a shared log gathers before it is appended (see [`Line::write`]).
const MAX_BATCH_ENTRIES: usize = 4096;
/// Most parties a declaration's audience names.
const MAX_AUDIENCE: usize = 256;
/// Entries read at once when catching up with the log.
const CATCH_UP_BATCH: usize = 1000;

/// The service core.
#[derive(Debug)]
pub struct Line {
    store: Arc<dyn LogStore>,
    /// Whether other nodes write to the same log ([`LogStore::shared`]): then writes are gathered in batches
    /// at the end of the log, which this node holds meanwhile ([`Line::write`]), and [`Line::follow`] keeps
    /// the line current with other nodes' entries between writes.
    shared: bool,
    /// Writers waiting for the lock to write: a batch stays open while there are some (see [`Line::write`]).
    waiting: std::sync::atomic::AtomicUsize,
    /// Signalled when a writer that was opening a batch has opened it (or failed to).
    opened: parking_lot::Condvar,
    /// Batches appended to a shared log (a metric: writes per append).
    batches: std::sync::atomic::AtomicU64,
    /// This node's name on a shared log: the alerts it raises carry it, so that after a restart it closes
    /// only the alerts it left open, never those of nodes still watching their tracks.
    node: String,
    /// The log's durable size, as this line last committed it (read without touching the store).
    durable: std::sync::atomic::AtomicU64,
    inner: parking_lot::Mutex<Inner>,
    /// The credentials by token hash, shared with [`Inner`] (which alone writes them).
    tokens: Arc<parking_lot::RwLock<HashMap<[u8; 32], Credential>>>,
    /// When the follower of a shared log last went round its loop (see [`Line::follower_beat`]).
    follower_beat: parking_lot::Mutex<Option<Instant>>,
    /// Set when the memory may have moved ahead of the log (a write failed after it was applied): every
    /// later request fails until a restart rebuilds the state from the log.
    failed: AtomicBool,
    /// Live tracks and open alerts (memory only; alerts are logged).
    /// The scan's state; held for a whole scan (one at a time). Lock order: `tactical`, then `live`, then
    /// the line's own lock, then `Inner::protected` (which the scan reads only after releasing the line's).
    tactical: parking_lot::Mutex<Tactical>,
    /// Live tracks; held only to take reports or to copy them for a scan, so ingest goes on during scans.
    live: parking_lot::Mutex<tracks::Live>,
    /// The latest entries as stream events, in order (some may not be durable yet: readers stop at the
    /// store's size).
    recent: parking_lot::RwLock<std::collections::VecDeque<RecentEntry>>,
    /// The bytes of the events in `recent` (changed only under its write lock).
    recent_bytes: std::sync::atomic::AtomicU64,
    checkpointer: Mutex<Checkpointer>,
    started: Instant,
    clock: Arc<dyn Clock>,
    /// The log's size after each commit, for stream followers (they read the entries from the store).
    grown: tokio::sync::broadcast::Sender<u64>,
    /// The bounds on what parties may send and hold (see [`crate::limits`]).
    limits: crate::limits::Limits,
    /// Whether this is an exercise's line (see [`crate::clock::is_exercise_origin`]).
    exercise: bool,
    /// Each party's write allowance (a token bucket: tokens, when last filled), against floods.
    allowance: parking_lot::Mutex<HashMap<String, (f64, Instant)>>,
}

/// A fresh bearer token: `dcf_` and 32 random bytes.
fn new_token() -> String {
    use base64::Engine;
    use rand::RngCore;
    let mut secret = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut secret);
    format!(
        "dcf_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret)
    )
}

fn credential_view(r: &CredentialRecord) -> Value {
    json!({
        "id": r.credential.id,
        "role": r.credential.role,
        "issued": format_time(r.issued_ms),
        "revoked": r.revoked_ms.map(format_time),
    })
}

/// How many of the latest entries followers read from memory, and how many bytes of their events at most
/// (whichever bound comes first; older entries are read from the store).
const RECENT_ENTRIES: usize = 65_536;
const RECENT_BYTES: usize = 16 << 20;

/// Bytes of events a follower reading from the store gathers at once (see [`Line::events`]).
const EVENT_BATCH_BYTES: usize = 1 << 20;
/// Entries read from the store at a time for a follower.
const STORE_READ_CHUNK: u64 = 32;

/// A recent entry, rendered as a stream event.
#[derive(Debug)]
struct RecentEntry {
    seq: u64,
    audience: Audience,
    text: Arc<str>,
}

/// An entry as a stream event: `{cursor, seq, kind, time, actor, content}`, the content as stored (canonical
/// JSON, so it need not be parsed again).
fn event_text(header: &deconflict_ledger::EntryHeader, content: &[u8]) -> Arc<str> {
    let text = |s: &str| Value::String(s.to_string()).to_string();
    let content = std::str::from_utf8(content).unwrap_or("null");
    format!(
        "{{\"cursor\":{},\"seq\":{},\"kind\":{},\"time\":{},\"actor\":{},\"content\":{}}}",
        header.seq + 1,
        header.seq,
        text(&header.kind),
        text(&format_time(header.time_ms)),
        text(&header.actor),
        content
    )
    .into()
}

/// Each volume of `d` for drawing, in the line's units: `{ring: [[lon, lat], …] (closed), lower_m, upper_m,
/// start, end}`. Circles and corridors are drawn as rings of points on them (see
/// [`deconflict_space::geodesy::corridor_ring`]); sides of lines as the strip the line checks against.
pub fn outline(d: &Declaration) -> Value {
    use deconflict_space::geodesy::{circle_ring, corridor_ring};
    use deconflict_space::region::Footprint;
    let volumes: Vec<Value> = d
        .volumes
        .iter()
        .map(|v| {
            let mut ring = match v.footprint.footprint() {
                Footprint::Polygon(points) => points.clone(),
                Footprint::Circle { center, radius_m } => circle_ring(*center, *radius_m, 72),
                Footprint::Corridor { path, half_width_m } => corridor_ring(path, *half_width_m),
            };
            if ring.len() > 1 && ring.first() != ring.last() {
                ring.push(ring[0]);
            }
            let round = |x: f64| (x * 1e6).round() / 1e6;
            json!({
                "ring": ring.iter().map(|p| [round(p.lon), round(p.lat)]).collect::<Vec<_>>(),
                "lower_m": v.altitude.lower_m,
                "upper_m": v.altitude.upper_m,
                "start": format_time(v.time.start_ms),
                "end": format_time(v.time.end_ms),
            })
        })
        .collect();
    Value::Array(volumes)
}

/// SHA-256 of a bearer token: the only form in which tokens are kept.
pub fn token_hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// The conflict as its parties record it: ids, versions, where and when, and each side's conflicting volumes.
fn conflict_content(c: &Conflict, a: &Value, b: &Value) -> Value {
    let volumes = |decl: &Value, picks: Vec<usize>| -> Vec<Value> {
        let mut picks = picks;
        picks.sort_unstable();
        picks.dedup();
        picks.iter().map(|&i| decl["volumes"][i].clone()).collect()
    };
    json!({
        "id": c.id,
        "a": {"id": c.a.id, "party": c.a.party, "version": c.a.version,
              "volumes": volumes(a, c.volumes.iter().map(|v| v.a_volume).collect())},
        "b": {"id": c.b.id, "party": c.b.party, "version": c.b.version,
              "volumes": volumes(b, c.volumes.iter().map(|v| v.b_volume).collect())},
        "distance_m": (c.distance_m * 10.0).round() / 10.0,
        "vertical_gap_m": (c.vertical_gap_m * 10.0).round() / 10.0,
        "start": format_time(c.window.start_ms),
        "end": format_time(c.window.end_ms),
    })
}

/// A conflict as one of its parties sees it: its own declaration, and of the other side only the id, party,
/// version and the conflicting volumes.
fn conflict_view(record: &ConflictRecord, party: &str) -> Value {
    let c = &record.content;
    let (own, other) = if c["a"]["party"] == json!(party) {
        ("a", "b")
    } else {
        ("b", "a")
    };
    let per_party = |p: &String| {
        json!({
            "acknowledged": record.acknowledged.get(p).map(|t| format_time(*t)),
            "accepted": record.accepted.get(p).map(|t| format_time(*t)),
            "disputed": record.disputed.get(p).map(|(t, why)| json!({"at": format_time(*t), "reason": why})),
        })
    };
    let parties: serde_json::Map<String, Value> = record
        .parties
        .iter()
        .map(|p| (p.clone(), per_party(p)))
        .collect();
    json!({
        "id": c["id"],
        "status": if record.resolved_by.is_some() { "resolved" } else if record.acknowledged.contains_key(party) { "acknowledged" } else { "open" },
        "outcome": record.outcome(),
        "parties": parties,
        "declaration": {"id": c[own]["id"], "version": c[own]["version"]},
        "other": c[other],
        "distance_m": c["distance_m"],
        "vertical_gap_m": c["vertical_gap_m"],
        "start": c["start"],
        "end": c["end"],
    })
}

fn terms_parties(content: &Value) -> BTreeSet<String> {
    content["parties"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p.as_str().map(str::to_string))
        .collect()
}

impl Inner {
    fn add_credential(&mut self, credential: Credential, hash: [u8; 32], issued_ms: i64) {
        self.tokens.write().insert(hash, credential.clone());
        self.credentials.insert(
            credential.id.clone(),
            CredentialRecord {
                credential,
                hash,
                issued_ms,
                revoked_ms: None,
            },
        );
    }

    /// Late notice of a version written at `time_ms`: its earliest start comes sooner than the longest notice
    /// any of its party's agreements asks for its kind.
    fn late_notice(&self, d: &Declaration, time_ms: i64) -> Option<Value> {
        let (required, agreements) = self.agreements.notice_ms(&d.party, d.kind);
        let start = d.volumes.iter().map(|v| v.time.start_ms).min()?;
        let given = start - time_ms;
        (required > 0 && given < required).then(|| {
            json!({
                "required_s": required / 1000,
                "given_s": given.div_euclid(1000),
                "agreements": agreements,
            })
        })
    }

    /// What advice on `d`, `party`'s declaration, needs from the line, copied in one short hold of its lock so
    /// that the advice itself is computed without it ([`Advising::advise`]): the declarations near `d` that
    /// `party` was given ([`Inner::given`]), each with only its given volumes, and the minima between `party`
    /// and their parties. Advice must not reveal, by its value or by its cost, the extent of declarations
    /// `party` was never shown; it may lead into one of those, and that conflict is found and notified when
    /// the declaration is written.
    fn advising(&self, d: &Declaration, party: &str) -> Advising {
        let widest = self.policy(party).widest;
        let revealed = self.revealed(party, Some(&d.id));
        let mut index = ConflictIndex::new(Minima::default());
        let mut minima = HashMap::new();
        for o in advice_candidates(&self.index, d, &AdviceBounds::default(), widest) {
            // One look at what the caller was given of it; a declaration it was not given is dropped there,
            // before anything of it is copied or measured.
            let Some(sees) = self.sees(party, &revealed, o) else {
                continue;
            };
            let volumes: Vec<_> = o
                .volumes
                .iter()
                .enumerate()
                .filter(|(j, _)| sees.volume(*j))
                .map(|(_, v)| v.clone())
                .collect();
            if volumes.is_empty() {
                continue;
            }
            if let Some(t) = self.agreements.between(party, &o.party) {
                minima.insert(o.party.clone(), t.minima);
            }
            let copy = Declaration {
                volumes,
                ..o.clone()
            };
            if let Err(e) = index.insert(copy) {
                tracing::error!("advice: {e}");
            }
        }
        Advising {
            index,
            minima,
            widest,
        }
    }

    /// The declaration `id` as `party` names it: of `owner` if one is named, else its own, else the one
    /// declaration of that id another party shared with it. `NotFound` whenever it was given none (whether or
    /// not one exists); `Exists` when several parties shared one of that id with it and none is named.
    fn find(&self, party: &str, id: &str, owner: Option<&str>) -> Result<&Current, LineError> {
        let not_found = || LineError::NotFound(id.to_string());
        if owner.is_none_or(|o| o == party) {
            if let Some(own) = self.current.get(&key(party, id)) {
                return Ok(own);
            }
        }
        // Only what was shared with the caller is looked at: another party's id it was not given misses
        // here exactly as an id nobody uses.
        let owners = self.shared.get(party).and_then(|ids| ids.get(id));
        let mut shared = owners
            .into_iter()
            .flatten()
            .filter(|of| owner.is_none_or(|o| o == of.as_str()))
            .filter_map(|of| self.current.get(&key(of, id)));
        match (shared.next(), shared.next()) {
            (Some(c), None) => Ok(c),
            (None, _) => Err(not_found()),
            (Some(a), Some(b)) => Err(LineError::Exists(format!(
                "declarations {id:?} of several parties are shared with you ({}, {}, …); name the party \
                 with ?party=",
                a.declaration.party, b.declaration.party
            ))),
        }
    }

    /// The volumes of other parties' declarations that the open conflicts of `party`'s declaration `own`
    /// showed it, by declaration key: (the version that conflict names, the volumes).
    fn revealed(&self, party: &str, own: Option<&str>) -> HashMap<String, (u64, Vec<Value>)> {
        let mut revealed = HashMap::new();
        for cid in own
            .and_then(|id| self.open_conflicts.get(&key(party, id)))
            .into_iter()
            .flatten()
        {
            let Some(r) = self.conflicts.get(cid).filter(|r| r.resolved_by.is_none()) else {
                continue;
            };
            let other = if r.content["a"]["party"] == party {
                &r.content["b"]
            } else {
                &r.content["a"]
            };
            if let (Some(id), Some(of), Some(version), Some(volumes)) = (
                other["id"].as_str(),
                other["party"].as_str(),
                other["version"].as_u64(),
                other["volumes"].as_array(),
            ) {
                revealed.insert(key(of, id), (version, volumes.clone()));
            }
        }
        revealed
    }

    /// What `party` was given of the declaration `o` in the index: all of it if it is its own or shared with
    /// it; of any other, only the volumes `revealed` holds (in the version its conflict names); `None` when
    /// nothing. One lookup, whatever the declaration's size.
    fn sees<'b>(
        &'b self,
        party: &str,
        revealed: &'b HashMap<String, (u64, Vec<Value>)>,
        o: &Declaration,
    ) -> Option<Sees<'b>> {
        if o.party == party {
            return Some(Sees::All);
        }
        let k = key(&o.party, &o.id);
        let c = self.current.get(&k)?;
        if c.visible_to(party) {
            return Some(Sees::All);
        }
        match revealed.get(&k) {
            Some((version, volumes)) if *version == o.version => Some(Sees::Revealed {
                content: &c.content,
                volumes,
            }),
            _ => None,
        }
    }

    /// Which minima apply between `party` and each other party: those of their active agreements.
    fn policy(&self, party: &str) -> Policy<'_> {
        let party = party.to_string();
        Policy {
            widest: self
                .agreements
                .widest()
                .unwrap_or(Minima::default().standard),
            minima_with: Box::new(move |other| {
                self.agreements.between(&party, other).map(|t| t.minima)
            }),
        }
    }

    /// Lets go of what finished before `cutoff_ms` (entry time), and of the oldest beyond the `most` that may
    /// stay at once: closed alerts, resolved conflicts and messages every recipient acknowledged. The log
    /// keeps them; memory holds only what is live or recent, whatever the history. Returns how many left.
    fn retire(&mut self, cutoff_ms: i64, most: usize) -> usize {
        let mut n = 0;
        while let Some((at, _)) = self.done.front() {
            if *at >= cutoff_ms && self.done.len() <= most {
                break;
            }
            let Some((_, done)) = self.done.pop_front() else {
                break;
            };
            let gone = match done {
                Done::Alert(id) => self
                    .alerts
                    .remove(&id)
                    .map(|(parties, view)| {
                        if view["status"] != "closed" {
                            // Raised again under the same id since: keep it.
                            self.alerts.insert(id, (parties, view));
                            false
                        } else {
                            true
                        }
                    })
                    .unwrap_or(false),
                Done::Conflict(id) => {
                    if self
                        .conflicts
                        .get(&id)
                        .is_some_and(|r| r.resolved_by.is_some())
                    {
                        self.conflicts.remove(&id);
                        true
                    } else {
                        false
                    }
                }
                Done::Message(id) => self.messages.remove(&id).is_some(),
                Done::Declaration(k) => match self.current.get_mut(&k) {
                    Some(c) if c.state.closed() && !c.content.is_null() => {
                        c.content = Value::Null;
                        c.declaration.volumes = Vec::new();
                        c.late = None;
                        true
                    }
                    _ => false,
                },
            };
            n += usize::from(gone);
        }
        n
    }

    /// Reads an entry and checks it against the state: everything that could make applying it fail is found
    /// here, before the entry is appended (or, on replay, before it is applied). Refuses an unknown kind, a
    /// missing or unknown field, and a change the state does not allow, naming the entry's sequence number.
    fn check(
        &mut self,
        header: &deconflict_ledger::EntryHeader,
        content: &[u8],
    ) -> Result<Checked, String> {
        use crate::event::Event;
        let at = |why: String| format!("entry {} ({}): {why}", header.seq, header.kind);
        if header.time_ms < self.last_time_ms {
            return Err(at(format!(
                "its time {} comes before the previous entry's {}: entry times never go back",
                header.time_ms, self.last_time_ms
            )));
        }
        let parsed: Value =
            serde_json::from_slice(content).map_err(|e| at(format!("content is not JSON: {e}")))?;
        self.fold.check(header, &parsed).map_err(|e| at(e.why))?;
        let hash_of = |hex_text: &str| -> Result<[u8; 32], String> {
            hex::decode(hex_text)
                .ok()
                .and_then(|b| b.try_into().ok())
                .ok_or_else(|| at("token_sha256: expected 64 hex digits".into()))
        };
        let role_of = |role: Option<&str>| -> Result<String, String> {
            let role = role.unwrap_or(LEVELS[0]);
            level_of(role).map(|_| role.to_string()).ok_or_else(|| {
                at(format!(
                    "role: {role:?} is not one of {}",
                    LEVELS.join(", ")
                ))
            })
        };
        let event = Event::read(&header.kind, parsed).map_err(at)?;
        Ok(match event {
            Event::PartyRegistered(p) => {
                check_token("id", &p.id).map_err(|e| at(e.to_string()))?;
                if !PARTY_KINDS.contains(&p.kind.as_str()) {
                    return Err(at(format!("kind: {:?} is not a kind of party", p.kind)));
                }
                Checked::Party {
                    hash: hash_of(&p.token_sha256)?,
                    credential: Credential {
                        party: p.id.clone(),
                        role: role_of(p.role.as_deref())?,
                        id: format!("k{}", header.seq),
                    },
                    party: Party {
                        id: p.id,
                        kind: p.kind,
                    },
                }
            }
            Event::CredentialIssued(c) => Checked::Credential {
                hash: hash_of(&c.token_sha256)?,
                credential: Credential {
                    party: header.actor.clone(),
                    role: role_of(Some(&c.role))?,
                    id: format!("k{}", header.seq),
                },
            },
            Event::CredentialRevoked(c) => Checked::Revoked { id: c.id },
            Event::DeclarationVersion(v) => {
                let declaration = match self.prepared.take() {
                    Some(d)
                        if v["id"].as_str() == Some(d.id.as_str())
                            && v["version"].as_u64() == Some(d.version) =>
                    {
                        d
                    }
                    _ => parse_declaration(&v, &format!("entry {}", header.seq))
                        .map_err(|e| at(e.to_string()))?,
                };
                Checked::Version {
                    declaration: Box::new(declaration),
                    content: v,
                }
            }
            Event::DeclarationCancel(c) => Checked::Cancel {
                id: c.id,
                version: c.version,
            },
            Event::DeclarationState(c) => {
                // Only a declaration's own party moves it; the version named must be its latest.
                match self.current.get(&key(&header.actor, &c.id)) {
                    Some(d) if c.version.is_none_or(|v| v == d.declaration.version) => {}
                    _ => {
                        return Err(at(format!(
                            "{} has no declaration {:?} (at version {:?})",
                            header.actor, c.id, c.version
                        )))
                    }
                }
                Checked::State {
                    id: c.id,
                    version: c.version,
                    state: c.state,
                }
            }
            Event::ConflictFound(c, content) => Checked::ConflictFound {
                parties: [c.a.party.clone(), c.b.party.clone()],
                sides: [key(&c.a.party, &c.a.id), key(&c.b.party, &c.b.id)],
                id: c.id,
                content,
            },
            Event::ConflictResolved(c) => Checked::ConflictResolved { id: c.id },
            Event::ConflictResponded(c) => {
                if header.kind == CONFLICT_DISPUTED && c.reason.is_none() {
                    return Err(at("reason: a dispute needs a reason".into()));
                }
                Checked::ConflictResponse {
                    id: c.id,
                    reason: c.reason.unwrap_or_default(),
                }
            }
            Event::MessageSent(m, content) => Checked::MessageSent {
                id: m.id,
                message: Message {
                    from: header.actor.clone(),
                    sent_ms: header.time_ms,
                    deadline_ms: m.deadline_ms,
                    receipts: m.to.into_iter().map(|p| (p, Receipt::default())).collect(),
                    content,
                },
            },
            Event::MessageReceipt(r) => {
                if header.kind == MESSAGE_ANSWERED && r.text.is_none() {
                    return Err(at("text: an answer needs its text".into()));
                }
                Checked::Receipt {
                    id: r.id,
                    recipient: header.actor.clone(),
                    text: r.text.unwrap_or_default(),
                }
            }
            Event::MessageEscalated(e) => {
                if level_of(&e.level).is_none() {
                    return Err(at(format!(
                        "level: {:?} is not one of {}",
                        e.level,
                        LEVELS.join(", ")
                    )));
                }
                Checked::Receipt {
                    id: e.id,
                    recipient: e.party,
                    text: e.level,
                }
            }
            Event::AgreementProposed(v) => {
                let (content, terms) = agreement::parse(&v, &header.actor)
                    .map_err(|(f, why)| at(format!("agreement {f}: {why}")))?;
                let id = content["id"].as_str().unwrap_or_default().to_string();
                if self
                    .agreements
                    .by_id
                    .contains_key(&Agreements::key(&header.actor, &id))
                {
                    return Err(at(format!(
                        "{} already proposed an agreement {id:?}",
                        header.actor
                    )));
                }
                let parties = terms_parties(&content);
                Checked::AgreementProposed {
                    id,
                    agreement: Box::new(Agreement {
                        proposer: header.actor.clone(),
                        content,
                        parties,
                        terms,
                        accepted: BTreeMap::from([(header.actor.clone(), header.time_ms)]),
                        suspensions: Vec::new(),
                        suspended: false,
                    }),
                }
            }
            Event::AgreementAction(a) => {
                let key = self
                    .agreements
                    .find(&header.actor, &a.id, a.proposer.as_deref())
                    .map_err(at)?
                    .ok_or_else(|| {
                        at(format!(
                            "{} takes part in no agreement {:?}",
                            header.actor, a.id
                        ))
                    })?;
                Checked::AgreementAction {
                    key,
                    reason: a.reason.unwrap_or_default(),
                }
            }
            Event::Alert(head, content) => Checked::Alert {
                id: head.id,
                parties: head.parties,
                content,
            },
        })
    }

    /// Reads, checks and applies the next entry of the log (replay, and entries other nodes appended).
    fn apply(
        &mut self,
        header: &deconflict_ledger::EntryHeader,
        content: &[u8],
    ) -> Result<(), String> {
        let checked = self.check(header, content)?;
        self.apply_checked(header, checked);
        Ok(())
    }

    /// Applies an entry [`Inner::check`] accepted. It cannot fail: whatever could go wrong was checked.
    fn apply_checked(&mut self, header: &deconflict_ledger::EntryHeader, checked: Checked) {
        let t = header.time_ms;
        self.last_time_ms = self.last_time_ms.max(t);
        // The side fold of declaration versions; its own check ran in `check`.
        let fold_content = match &checked {
            // What the fold reads of a version (it keeps the entry's content hash, not the content).
            Checked::Version { content, .. } => json!({
                "id": content["id"], "version": content["version"], "party": content["party"],
            }),
            Checked::Cancel { id, version } => json!({"id": id, "version": version}),
            _ => Value::Null,
        };
        if let Err(e) = self.fold.apply_parsed(header, &fold_content) {
            tracing::error!("applying entry {}: the declarations' fold: {e}", header.seq);
        }
        match checked {
            Checked::Party {
                party,
                credential,
                hash,
            } => {
                self.add_credential(credential, hash, t);
                self.parties.insert(party.id.clone(), party);
            }
            Checked::Credential { credential, hash } => self.add_credential(credential, hash, t),
            Checked::Revoked { id } => {
                if let Some(r) = self.credentials.get_mut(&id) {
                    r.revoked_ms.get_or_insert(t);
                    self.tokens.write().remove(&r.hash);
                }
            }
            Checked::Version {
                declaration,
                content,
            } => {
                let declaration = *declaration;
                let audience = match &header.audience {
                    Audience::Everyone => self.parties.keys().cloned().collect(),
                    other => other.parties().unwrap_or_default(),
                };
                // `replace` fails only for a duplicate id (it removes the old one first) or more than 2^32
                // volumes (the request bounds stop that long before).
                if let Err(e) = self.index.replace(declaration.clone()) {
                    tracing::error!("applying entry {}: {e}", header.seq);
                }
                if declaration.kind.is_area_of_protection() {
                    if let Err(e) = self.protected.write().replace(declaration.clone()) {
                        tracing::error!("applying entry {}: {e}", header.seq);
                    }
                } else {
                    self.protected
                        .write()
                        .remove(&declaration.party, &declaration.id);
                }
                let late = self.late_notice(&declaration, t);
                let k = key(&declaration.party, &declaration.id);
                let state = match self.current.get(&k) {
                    Some(c) if c.state == State::Active => State::Active,
                    _ => State::Planned,
                };
                // Who it is shared with: the parties dropped from its audience by this version lose it, those
                // in it have it.
                let before = self.current.get(&k).map(|c| c.audience.clone());
                for gone in before.iter().flatten().filter(|p| !audience.contains(*p)) {
                    if let Some(ids) = self.shared.get_mut(gone) {
                        if let Some(of) = ids.get_mut(&declaration.id) {
                            of.remove(&declaration.party);
                            if of.is_empty() {
                                ids.remove(&declaration.id);
                            }
                        }
                    }
                }
                for member in audience.iter().filter(|p| **p != declaration.party) {
                    self.shared
                        .entry(member.clone())
                        .or_default()
                        .entry(declaration.id.clone())
                        .or_default()
                        .insert(declaration.party.clone());
                }
                self.current.insert(
                    k,
                    Current {
                        declaration,
                        content,
                        audience,
                        state,
                        seq: header.seq,
                        late,
                    },
                );
            }
            Checked::Cancel { id, .. } => {
                let party = &header.actor;
                self.index.remove(party, &id);
                self.protected.write().remove(party, &id);
                let k = key(party, &id);
                if let Some(c) = self.current.get_mut(&k) {
                    c.state = State::Cancelled;
                    c.seq = header.seq;
                    self.done.push_back((t, Done::Declaration(k)));
                }
            }
            Checked::State { id, state, .. } => {
                let party = &header.actor;
                if let Some(c) = self.current.get_mut(&key(party, &id)) {
                    match state {
                        StateChange::Active => c.state = State::Active,
                        StateChange::Ended => {
                            c.state = State::Ended;
                            self.index.remove(party, &id);
                            self.protected.write().remove(party, &id);
                            self.done.push_back((t, Done::Declaration(key(party, &id))));
                        }
                    }
                }
            }
            Checked::ConflictFound {
                id,
                parties,
                sides,
                content,
            } => {
                for d in sides {
                    self.open_conflicts.entry(d).or_default().insert(id.clone());
                }
                self.conflicts.insert(
                    id,
                    ConflictRecord {
                        content,
                        parties,
                        resolved_by: None,
                        acknowledged: BTreeMap::new(),
                        accepted: BTreeMap::new(),
                        disputed: BTreeMap::new(),
                    },
                );
            }
            Checked::ConflictResolved { id } => {
                if let Some(r) = self.conflicts.get_mut(&id) {
                    r.resolved_by = Some(header.seq);
                    self.done.push_back((t, Done::Conflict(id.clone())));
                    for side in ["a", "b"] {
                        let side = &r.content[side];
                        if let Some(set) = side["id"]
                            .as_str()
                            .zip(side["party"].as_str())
                            .and_then(|(d, p)| self.open_conflicts.get_mut(&key(p, d)))
                        {
                            set.remove(&id);
                        }
                    }
                }
            }
            Checked::ConflictResponse { id, reason } => {
                let party = header.actor.clone();
                if let Some(r) = self.conflicts.get_mut(&id) {
                    // Accepting or disputing also acknowledges.
                    r.acknowledged.entry(party.clone()).or_insert(t);
                    match header.kind.as_str() {
                        CONFLICT_ACCEPTED => {
                            r.accepted.insert(party, t);
                        }
                        CONFLICT_DISPUTED => {
                            r.disputed.insert(party, (t, reason));
                        }
                        _ => {}
                    }
                }
            }
            Checked::MessageSent { id, message } => {
                self.messages.insert(id, message);
            }
            Checked::Receipt {
                id,
                recipient,
                text,
            } => {
                let receipt = self
                    .messages
                    .get_mut(&id)
                    .and_then(|m| m.receipts.get_mut(&recipient));
                if let Some(r) = receipt {
                    match header.kind.as_str() {
                        MESSAGE_DELIVERED => {
                            r.delivered.get_or_insert(t);
                        }
                        MESSAGE_ACKNOWLEDGED => {
                            r.delivered.get_or_insert(t);
                            r.acknowledged.get_or_insert(t);
                        }
                        MESSAGE_ANSWERED => {
                            r.delivered.get_or_insert(t);
                            r.acknowledged.get_or_insert(t);
                            r.answered = Some((t, text));
                        }
                        // MESSAGE_ESCALATED: `text` is the level.
                        _ => r.escalations.push((text, t)),
                    }
                }
                let acknowledged =
                    |m: &Message| m.receipts.values().all(|r| r.acknowledged.is_some());
                if header.kind != MESSAGE_DELIVERED
                    && header.kind != MESSAGE_ESCALATED
                    && self.messages.get(&id).is_some_and(acknowledged)
                {
                    self.done.push_back((t, Done::Message(id)));
                }
            }
            Checked::AgreementProposed { id, agreement } => {
                self.agreements.insert(&id, *agreement);
                self.agreements.refresh();
            }
            Checked::AgreementAction { key, reason } => {
                if let Some(a) = self.agreements.by_id.get_mut(&key) {
                    if header.kind == AGREEMENT_ACCEPTED {
                        a.accepted.insert(header.actor.clone(), t);
                        if a.parties.iter().all(|p| a.accepted.contains_key(p)) {
                            a.suspended = false;
                        }
                    } else {
                        a.suspended = true;
                        a.accepted.clear();
                        a.suspensions.push((header.actor.clone(), t, reason));
                    }
                }
                self.agreements.refresh();
            }
            Checked::Alert {
                id,
                parties,
                content,
            } => {
                let status = match header.kind.as_str() {
                    ALERT_CLOSED => {
                        self.done.push_back((t, Done::Alert(id.clone())));
                        "closed"
                    }
                    _ => "open",
                };
                let entry = self
                    .alerts
                    .entry(id)
                    .or_insert_with(|| (parties.clone().unwrap_or_default(), json!({})));
                if let (Some(o), Value::Object(new)) = (entry.1.as_object_mut(), content) {
                    o.extend(new);
                    o.insert("status".into(), json!(status));
                    o.insert("updated".into(), json!(format_time(t)));
                    if header.kind == ALERT_RAISED {
                        o.insert("raised".into(), json!(format_time(t)));
                    }
                }
            }
        }
    }
}

/// What advice needs, copied from the line ([`Inner::advising`]): advice is computed on it without the
/// line's lock, so that a long computation never stalls another party's reads or writes.
#[derive(Debug)]
struct Advising {
    index: ConflictIndex,
    minima: HashMap<String, Minima>,
    widest: deconflict_strategic::Separation,
}

impl Advising {
    fn policy(&self) -> Policy<'_> {
        Policy {
            widest: self.widest,
            minima_with: Box::new(|other| self.minima.get(other).copied()),
        }
    }

    /// The least delay, climb or descent that clears every conflict of `d` with what was copied.
    fn advise(&self, d: &Declaration) -> Value {
        advice_json(&advise_under(
            &self.index,
            d,
            &AdviceBounds::default(),
            &self.policy(),
        ))
    }

    /// How many of what was copied `d` conflicts with.
    fn conflicts(&self, d: &Declaration) -> usize {
        self.index.conflicts_of_under(d, &self.policy()).len()
    }
}

/// Something finished that may leave memory once the retention period has passed.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Done {
    Alert(String),
    Conflict(String),
    Message(String),
    /// A declaration cancelled or ended, by [`key`]: what leaves memory is its content and volumes; a
    /// tombstone (party, id, version, state) stays, so that its id keeps its history.
    Declaration(String),
}

/// An entry read and checked against the state by [`Inner::check`], ready to apply.
#[derive(Debug)]
enum Checked {
    Party {
        party: Party,
        credential: Credential,
        hash: [u8; 32],
    },
    Credential {
        credential: Credential,
        hash: [u8; 32],
    },
    Revoked {
        id: String,
    },
    Version {
        declaration: Box<Declaration>,
        content: Value,
    },
    Cancel {
        id: String,
        version: u64,
    },
    State {
        id: String,
        #[allow(dead_code)]
        version: Option<u64>,
        state: crate::event::StateChange,
    },
    ConflictFound {
        id: String,
        parties: [String; 2],
        /// The two declarations' ids.
        sides: [String; 2],
        content: Value,
    },
    ConflictResolved {
        id: String,
    },
    /// Acknowledged, accepted or disputed (the entry's kind says which; a dispute's reason).
    ConflictResponse {
        id: String,
        reason: String,
    },
    MessageSent {
        id: String,
        message: Message,
    },
    /// Delivered, acknowledged, answered (with the answer's text) or escalated (with the level as text).
    Receipt {
        id: String,
        recipient: String,
        text: String,
    },
    AgreementProposed {
        id: String,
        agreement: Box<Agreement>,
    },
    /// Accepted or suspended (with the reason); `key` as in [`Agreements::key`].
    AgreementAction {
        key: String,
        reason: String,
    },
    Alert {
        id: String,
        parties: Option<[String; 2]>,
        content: Value,
    },
}

/// What a declaration write returns.
#[derive(Debug, Clone, PartialEq)]
pub struct Declared {
    pub body: Value,
    pub version: u64,
}

impl Line {
    /// Opens the line on a data directory: opens (or creates) the log and its key, and replays every entry.
    pub fn open(dir: &Path, origin: &str) -> Result<Self, LineError> {
        Self::open_with_clock(dir, origin, Arc::new(SystemClock))
    }

    /// As [`Line::open`], reading time from `clock`.
    pub fn open_with_clock(
        dir: &Path,
        origin: &str,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, LineError> {
        let store: Arc<dyn LogStore> = Arc::new(SqliteLog::open(dir)?);
        Self::open_store(store, dir, origin, clock)
    }

    /// Opens the line on the log in the PostgreSQL database at `url`; the log key is kept in `key_dir`.
    /// Several nodes may share the database: each should [`Line::follow`] the log (the server does).
    pub fn open_postgres(
        url: &str,
        key_dir: &Path,
        origin: &str,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, LineError> {
        let store: Arc<dyn LogStore> = Arc::new(deconflict_store::PgLog::open(url)?);
        Self::open_store(store, key_dir, origin, clock)
    }

    /// Opens the line on `store`, with the log key from `key_dir`, and replays every entry.
    pub fn open_store(
        store: Arc<dyn LogStore>,
        key_dir: &Path,
        origin: &str,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, LineError> {
        let exercise = crate::clock::is_exercise_origin(origin);
        if clock.exercise() && !exercise {
            return Err(LineError::Storage(format!(
                "the log {origin:?} is a real line: it refuses an exercise clock (a clock that starts at \
                 another time or runs at another speed); an exercise line's origin says so, e.g. \
                 {origin}-exercise"
            )));
        }
        let signer = load_or_create_log_key(key_dir, origin)?;
        // Every node of a shared log signs with the same key: a node with another key would sign checkpoints
        // no verifier of this log accepts.
        if let Some(latest) = store.latest_checkpoint()? {
            let signed = deconflict_ledger::note::Note::parse(&latest.note)
                .ok()
                .and_then(|n| n.check(signer.verifier()).ok().flatten());
            if signed.is_none() {
                return Err(LineError::Storage(format!(
                    "the log key in {} did not sign this log's checkpoints: every node of a line needs the \
                     same log.key (copy it from the node that created the log)",
                    key_dir.display()
                )));
            }
        }
        let minima = Minima::default();
        let mut inner = Inner {
            parties: BTreeMap::new(),
            tokens: Arc::default(),
            credentials: BTreeMap::new(),
            fold: Declarations::new(),
            current: BTreeMap::new(),
            index: ConflictIndex::new(minima),
            protected: Arc::new(parking_lot::RwLock::new(ConflictIndex::new(minima))),
            conflicts: BTreeMap::new(),
            open_conflicts: HashMap::new(),
            shared: HashMap::new(),
            messages: BTreeMap::new(),
            agreements: Agreements::default(),
            alerts: BTreeMap::new(),
            done: std::collections::VecDeque::new(),
            next_seq: 0,
            last_time_ms: i64::MIN,
            applying: false,
            prepared: None,
            batch: None,
            opening: false,
        };
        let size = store.size()?;
        let mut from = 0;
        while from < size {
            let batch = store.entries(from, 10_000)?;
            if batch.is_empty() {
                break;
            }
            for e in &batch {
                inner
                    .apply(&e.header, &e.content)
                    .map_err(|why| LineError::Storage(format!("replaying the log: {why}")))?;
            }
            from += batch.len() as u64;
        }
        inner.next_seq = size;
        Ok(Line {
            shared: store.shared(),
            node: String::new(),
            waiting: std::sync::atomic::AtomicUsize::new(0),
            opened: parking_lot::Condvar::new(),
            batches: std::sync::atomic::AtomicU64::new(0),
            store,
            durable: std::sync::atomic::AtomicU64::new(size),
            tokens: Arc::clone(&inner.tokens),
            inner: parking_lot::Mutex::new(inner),
            follower_beat: parking_lot::Mutex::new(None),
            failed: AtomicBool::new(false),
            tactical: parking_lot::Mutex::new(Tactical::default()),
            live: parking_lot::Mutex::new(tracks::Live::new()),
            recent: parking_lot::RwLock::new(std::collections::VecDeque::new()),
            recent_bytes: std::sync::atomic::AtomicU64::new(0),
            checkpointer: Mutex::new({
                let c = Checkpointer::new(signer, Duration::from_millis(200));
                if exercise {
                    c.with_extension(deconflict_store::checkpointer::EXERCISE)
                } else {
                    c
                }
            }),
            exercise,
            allowance: parking_lot::Mutex::new(HashMap::new()),
            started: Instant::now(),
            clock,
            grown: tokio::sync::broadcast::channel(1024).0,
            limits: crate::limits::Limits::default(),
        })
    }

    /// The line with these bounds instead of the defaults.
    pub fn with_limits(mut self, limits: crate::limits::Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Takes one write from `party`'s allowance, or refuses (429, `writes_per_party_per_second`): no party
    /// may flood the log, the others' streams or memory, however it is entitled to write.
    fn charge(&self, party: &str) -> Result<(), LineError> {
        let (rate, burst) = (
            self.limits.writes_per_party_per_second,
            self.limits.write_burst.max(1.0),
        );
        let now = Instant::now();
        let mut all = self.allowance.lock();
        // Parties whose bucket is full again need no entry.
        if all.len() > 4_096 {
            all.retain(|_, (tokens, at)| {
                *tokens + now.duration_since(*at).as_secs_f64() * rate < burst
            });
        }
        let (tokens, at) = all.entry(party.to_string()).or_insert((burst, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * rate).min(burst);
        *at = now;
        if *tokens < 1.0 {
            return Err(LineError::Limit {
                limit: "writes_per_party_per_second",
                detail: format!(
                    "{party} writes faster than {rate} a second (after a burst of {burst}); retry shortly \
                     (limit writes_per_party_per_second)"
                ),
                rate: true,
            });
        }
        *tokens -= 1.0;
        Ok(())
    }

    /// The bounds on one declaration a party sends, from [`Line::limits`].
    fn plan_limits(&self) -> PlanLimits {
        PlanLimits {
            volumes_per_declaration: self.limits.volumes_per_declaration,
            vertices_per_footprint: self.limits.vertices_per_footprint,
            volume_window_ms: i64::try_from(self.limits.volume_window.as_millis())
                .unwrap_or(i64::MAX),
        }
    }

    /// Whether this line is an exercise (its origin says so; its checkpoints carry it; it alone may run on an
    /// exercise clock). The web picture shows EXERCISE on such a line.
    pub fn exercise(&self) -> bool {
        self.exercise
    }

    /// The bounds this line keeps (see [`crate::limits`]).
    pub fn limits(&self) -> &crate::limits::Limits {
        &self.limits
    }

    /// Names this node (see [`Line::follow`]); on a shared log each node needs its own name.
    pub fn with_node(mut self, name: &str) -> Self {
        self.node = name.to_string();
        self
    }

    fn lock(&self) -> Result<MutexGuard<'_, Inner>, LineError> {
        let inner = self.inner.lock();
        if inner.applying || self.failed.load(Ordering::SeqCst) {
            self.failed.store(true, Ordering::SeqCst);
            return Err(Self::refused());
        }
        Ok(inner)
    }

    /// What every request gets once the line has failed (see [`Line::lock`]).
    fn refused() -> LineError {
        LineError::Storage(
            "an earlier write failed part-way; restart the server to rebuild the state from the log".into(),
        )
    }

    /// Notifications of the log's new size after each commit.
    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<u64> {
        self.grown.subscribe()
    }

    /// As [`Line::events`] when the cursor is recent enough to be served from memory (no IO, no blocking);
    /// `None` when the store must be read.
    pub fn recent_events(
        &self,
        party: &str,
        from: u64,
        limit: usize,
    ) -> Option<(Vec<Arc<str>>, u64)> {
        let durable = self.durable.load(Ordering::SeqCst);
        let end = durable.min(from.saturating_add(limit as u64));
        if from >= end {
            return Some((Vec::new(), from));
        }
        let recent = self.recent.read();
        let first = recent.front().map(|e| e.seq)?;
        if from < first {
            return None;
        }
        // An entry can be durable a moment before it is here; its follower is woken again after.
        let end = end.min(first + recent.len() as u64);
        if from >= end {
            return Some((Vec::new(), from));
        }
        let events = recent
            .range((from - first) as usize..(end - first) as usize)
            .filter(|e| e.audience.includes(party))
            .map(|e| Arc::clone(&e.text))
            .collect();
        Some((events, end))
    }

    /// The durable entries in `[from, from + limit)` that `party` may read, as stream events (JSON text).
    /// Recent entries come from memory, rendered once for every follower; older ones from the store.
    pub fn events(
        &self,
        party: &str,
        from: u64,
        limit: usize,
    ) -> Result<(Vec<Arc<str>>, u64), LineError> {
        if let Some(found) = self.recent_events(party, from, limit) {
            return Ok(found);
        }
        let end = self.store.size()?.min(from.saturating_add(limit as u64));
        // Read a few entries at a time, and stop once the events gathered or the entries read reach their
        // bytes: a follower far behind (or one that does not read) holds a bounded batch, whatever the
        // history's entries weigh.
        let (mut events, mut next) = (Vec::new(), from);
        let (mut gathered, mut read) = (0usize, 0usize);
        while next < end && gathered < EVENT_BATCH_BYTES && read < 4 * EVENT_BATCH_BYTES {
            let chunk = self
                .store
                .entries(next, (end - next).min(STORE_READ_CHUNK) as usize)?;
            if chunk.is_empty() {
                break;
            }
            for e in &chunk {
                next = e.header.seq + 1;
                read += e.content.len();
                if e.header.audience.includes(party) {
                    let text = event_text(&e.header, &e.content);
                    gathered += text.len();
                    events.push(text);
                }
                if gathered >= EVENT_BATCH_BYTES || read >= 4 * EVENT_BATCH_BYTES {
                    break;
                }
            }
        }
        Ok((events, next))
    }

    /// The line's time now (ms) and its rate against real time (see [`Clock::rate`]).
    pub fn clock_reading(&self) -> (i64, f64) {
        (self.clock.now_ms(), self.clock.rate())
    }

    /// The store, for the log endpoints.
    pub fn store(&self) -> &dyn LogStore {
        self.store.as_ref()
    }

    /// Signs a checkpoint if the log grew (rate-bounded).
    pub fn checkpoint_tick(&self) -> Result<Option<StoredCheckpoint>, LineError> {
        let mut c = self
            .checkpointer
            .lock()
            .map_err(|_| LineError::Storage("checkpointer poisoned".into()))?;
        Ok(c.tick(self.store.as_ref(), Instant::now())?)
    }

    /// Applies entries sealed at `inner.next_seq` on, and keeps them as stream events. `checked` holds what
    /// [`Inner::check`] made of each when the caller checked them before appending them; otherwise (entries
    /// read from the log) each is checked here, and one that fails stops the line (the log is the truth: an
    /// entry cannot be skipped).
    fn apply_sealed(
        &self,
        inner: &mut Inner,
        sealed: &[StoredEntry],
        checked: Option<Vec<Checked>>,
    ) -> Result<(), LineError> {
        inner.applying = true;
        let mut checked = checked.map(Vec::into_iter);
        for e in sealed {
            if e.header.seq != inner.next_seq {
                self.failed.store(true, Ordering::SeqCst);
                return Err(LineError::Storage(format!(
                    "entry {} came where entry {} was expected",
                    e.header.seq, inner.next_seq
                )));
            }
            let ready = match checked.as_mut().and_then(Iterator::next) {
                Some(c) => c,
                None => inner.check(&e.header, &e.content).map_err(|why| {
                    self.failed.store(true, Ordering::SeqCst);
                    LineError::Storage(format!("applying the log: {why}"))
                })?,
            };
            inner.apply_checked(&e.header, ready);
            inner.next_seq += 1;
        }
        inner.applying = false;
        let mut recent = self.recent.write();
        let mut bytes = self.recent_bytes.load(Ordering::Relaxed);
        for e in sealed {
            let text = event_text(&e.header, &e.content);
            bytes += text.len() as u64;
            recent.push_back(RecentEntry {
                seq: e.header.seq,
                audience: e.header.audience.clone(),
                text,
            });
        }
        while recent.len() > RECENT_ENTRIES || bytes > RECENT_BYTES as u64 {
            match recent.pop_front() {
                Some(gone) => bytes -= gone.text.len() as u64,
                None => break,
            }
        }
        self.recent_bytes.store(bytes, Ordering::Relaxed);
        Ok(())
    }

    /// Marks `size` entries durable and wakes stream followers.
    fn grew(&self, size: u64) {
        self.durable.fetch_max(size, Ordering::SeqCst);
        // Nobody listening is fine.
        let _ = self.grown.send(size);
    }

    /// Appends `entries` at the end of the log and applies them; returns once they are durable, with the
    /// first one's sequence number.
    ///
    /// On a log of its own, under the lock the entries are sealed at the next sequence numbers, queued to the
    /// store and applied, so the next writer is checked against them; the lock is released while the store
    /// makes them durable (so concurrent writers share one group commit) and taken again before returning.
    /// The store writes in queue order, so memory and log agree on the order; a write that fails after it was
    /// applied marks the line failed (see [`Line::lock`]).
    ///
    /// On a shared log the entries are sealed and applied the same way and join the batch this node gathers
    /// at the end of the log it holds ([`Line::write`]), which makes them durable.
    fn commit(
        &self,
        inner: &mut MutexGuard<'_, Inner>,
        entries: Vec<NewEntry>,
    ) -> Result<u64, LineError> {
        let first = inner.next_seq;
        // Entry times never go back, whatever this node's clock says against the last writer's.
        let mut entries = entries;
        for e in &mut entries {
            e.time_ms = e.time_ms.max(inner.last_time_ms);
        }
        let sealed = entries
            .iter()
            .enumerate()
            .map(|(i, e)| e.seal(first + i as u64))
            .collect::<Result<Vec<_>, _>>()?;
        drop(entries);
        // Decide, then append, then apply: every entry is read and checked against the state before any is
        // appended, so an entry the line could not apply is never logged, and applying cannot fail.
        let checked = sealed
            .iter()
            .map(|e| inner.check(&e.header, &e.content))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|why| {
                inner.prepared = None;
                tracing::error!(
                    "a write made an entry the line cannot apply (nothing stored): {why}"
                );
                invalid("", format!("refused, nothing stored: {why}"))
            })?;
        if self.shared {
            if inner.batch.is_none() {
                return Err(LineError::Storage(
                    "a write on a shared log outside a batch (a defect)".into(),
                ));
            }
            self.apply_sealed(inner, &sealed, Some(checked))?;
            if let Some(batch) = inner.batch.as_mut() {
                batch.entries.extend(sealed);
            }
            return Ok(first);
        }
        let pending = self.store.submit_sealed(Some(first), sealed.clone())?;
        self.apply_sealed(inner, &sealed, Some(checked))?;
        match MutexGuard::unlocked(inner, || pending.wait()) {
            Ok(appended) => {
                self.grew(appended.size);
                Ok(appended.first_seq)
            }
            Err(StoreError::SizeMismatch { expected, actual }) => {
                self.failed.store(true, Ordering::SeqCst);
                Err(LineError::Storage(format!(
                    "the log has {actual} entries where this server expected {expected}: something else \
                     writes to it; this server takes no more writes until it is restarted"
                )))
            }
            Err(e) => {
                self.failed.store(true, Ordering::SeqCst);
                Err(e.into())
            }
        }
    }

    /// Runs a write: `op` checks the request against the line and [`Line::commit`]s its entries.
    ///
    /// On a shared log, writes are gathered in batches at the end of the log, which this node holds while it
    /// gathers one ([`LogStore::hold_end`]: no other node appends meanwhile). The first writer opens the
    /// batch: it takes the end, applies what other nodes appended before, and runs its `op`; then it lets in
    /// every writer already waiting for the lock (each runs its `op` against everything before it, as on a
    /// log of its own), closes the batch and appends it in one transaction, outside the lock. Every writer in
    /// the batch answers once it is durable. A write is therefore checked against every earlier entry, on
    /// whichever node it was written, and never has to be tried again. A batch that cannot be appended leaves
    /// this node's memory ahead of the log: the line is marked failed, as on a log of its own.
    fn write<T>(
        &self,
        op: impl FnOnce(&mut MutexGuard<'_, Inner>) -> Result<T, LineError>,
    ) -> Result<T, LineError> {
        if !self.shared {
            let mut inner = self.lock()?;
            return op(&mut inner);
        }
        self.waiting.fetch_add(1, Ordering::SeqCst);
        let locked = self.lock();
        self.waiting.fetch_sub(1, Ordering::SeqCst);
        let mut inner = locked?;
        // Join the open batch; or wait while another writer is opening one; or open one.
        let leader = loop {
            if inner.batch.is_some() {
                break false;
            }
            if !inner.opening {
                break true;
            }
            self.waiting.fetch_add(1, Ordering::SeqCst);
            self.opened.wait(&mut inner);
            self.waiting.fetch_sub(1, Ordering::SeqCst);
            if self.failed.load(Ordering::SeqCst) {
                return Err(Self::refused());
            }
        };
        if leader {
            // Wait for the end of the log without the lock, so that reads go on meanwhile (other nodes may
            // hold the end for a while).
            inner.opening = true;
            inner.prepared = None;
            let known = inner.next_seq;
            let taken = MutexGuard::unlocked(&mut inner, || self.store.hold_end(known));
            inner.opening = false;
            self.opened.notify_all();
            let (missed, held) = taken?;
            // The follower may have applied some of them meanwhile.
            let next = inner.next_seq;
            let missed: Vec<StoredEntry> = missed
                .into_iter()
                .filter(|e| e.header.seq >= next)
                .collect();
            self.apply_sealed(&mut inner, &missed, None)?;
            if !missed.is_empty() {
                self.grew(inner.next_seq);
            }
            inner.batch = Some(Batch {
                held,
                entries: Vec::new(),
                done: Arc::default(),
            });
        }
        let (done, before) = match inner.batch.as_ref() {
            Some(b) => (Arc::clone(&b.done), b.entries.len()),
            None => {
                return Err(LineError::Storage(
                    "a batch vanished while its writer held the lock (a defect)".into(),
                ))
            }
        };
        // A defect that panics in `op` must not leave the end of the log held for ever (every node would
        // wait): the line stops, the batch is let go with nothing appended, and the panic goes on.
        let result = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| op(&mut inner)))
        {
            Ok(result) => result,
            Err(panic) => {
                self.failed.store(true, Ordering::SeqCst);
                if leader {
                    if let Some(batch) = inner.batch.take() {
                        batch.done.set(Err(LineError::Storage(
                            "a write failed part-way; nothing of this batch was stored".into(),
                        )));
                    }
                }
                std::panic::resume_unwind(panic)
            }
        };
        if !leader {
            let wrote = inner.batch.as_ref().map_or(0, |b| b.entries.len()) > before;
            drop(inner);
            return match wrote {
                true => done.wait().and(result),
                false => result,
            };
        }
        // Let in every writer waiting (up to a batch's bound), then append the batch without holding the lock.
        while self.waiting.load(Ordering::SeqCst) > 0
            && inner.batch.as_ref().map_or(0, |b| b.entries.len()) < MAX_BATCH_ENTRIES
        {
            MutexGuard::unlocked_fair(&mut inner, std::thread::yield_now);
        }
        let batch = inner.batch.take();
        drop(inner);
        let Some(batch) = batch else {
            return Err(LineError::Storage(
                "a batch vanished under its leader (a defect)".into(),
            ));
        };
        if batch.entries.is_empty() {
            // Nothing to append: dropping the hold lets the end go.
            batch.done.set(Ok(()));
            return result;
        }
        match batch.held.append(batch.entries) {
            Ok(appended) => {
                self.batches.fetch_add(1, Ordering::Relaxed);
                self.grew(appended.size);
                done.set(Ok(()));
                result
            }
            Err(e) => {
                self.failed.store(true, Ordering::SeqCst);
                let e = LineError::Storage(format!(
                    "appending a batch of writes: {e}; this server takes no more requests until it is \
                     restarted"
                ));
                done.set(Err(e.clone()));
                Err(e)
            }
        }
    }

    /// Applies the entries other nodes appended since this line last looked; returns how many.
    fn catch_up(&self, inner: &mut MutexGuard<'_, Inner>) -> Result<u64, LineError> {
        inner.prepared = None;
        let mut applied = 0;
        loop {
            let batch = self.store.entries(inner.next_seq, CATCH_UP_BATCH)?;
            self.apply_sealed(inner, &batch, None)?;
            applied += batch.len() as u64;
            if batch.len() < CATCH_UP_BATCH {
                break;
            }
        }
        if applied > 0 {
            self.grew(inner.next_seq);
        }
        Ok(applied)
    }

    /// When the follower of a shared log last went round its loop (it does at least every second while it is
    /// alive and not stuck); `None` on a log of its own, where there is no follower.
    pub fn follower_beat(&self) -> Option<Instant> {
        *self.follower_beat.lock()
    }

    /// On a shared log, starts a thread that keeps this line current with what other nodes append (woken by
    /// the store, see [`LogStore::await_growth`]), so that reads and stream followers see their entries
    /// too; it ends when the line is dropped. Nothing to do on a log of its own.
    pub fn follow(self: &Arc<Self>) -> std::io::Result<()> {
        if !self.shared {
            return Ok(());
        }
        let line = Arc::downgrade(self);
        let store = Arc::clone(&self.store);
        std::thread::Builder::new()
            .name("deconflict-follow".into())
            .spawn(move || loop {
                let Some(known) = line.upgrade().map(|l| {
                    *l.follower_beat.lock() = Some(Instant::now());
                    l.durable.load(Ordering::SeqCst)
                }) else {
                    return;
                };
                let seen = match store.await_growth(known, Duration::from_secs(1)) {
                    Ok(seen) => seen,
                    Err(e) => {
                        tracing::warn!("following the log: {e}");
                        std::thread::sleep(Duration::from_secs(1));
                        continue;
                    }
                };
                if seen <= known {
                    continue;
                }
                let Some(line) = line.upgrade() else { return };
                let caught = line.lock().and_then(|mut inner| line.catch_up(&mut inner));
                if let Err(e) = caught {
                    tracing::warn!("following the log: {e}");
                    std::thread::sleep(Duration::from_secs(1));
                }
            })
            .map(|_| ())
    }

    /// Registers a party with a duty officer's credential; returns its bearer token, which is not kept (only
    /// its hash is logged).
    pub fn register_party(&self, id: &str, kind: &str) -> Result<String, LineError> {
        self.register_party_as(id, kind, LEVELS[0])
    }

    /// As [`Line::register_party`], the first credential at escalation level `role`.
    pub fn register_party_as(&self, id: &str, kind: &str, role: &str) -> Result<String, LineError> {
        check_token("id", id).map_err(|e| invalid("id", e.to_string()))?;
        if level_of(role).is_none() {
            return Err(invalid(
                "role",
                format!("{role:?} is not one of {}", LEVELS.join(", ")),
            ));
        }
        if !PARTY_KINDS.contains(&kind) {
            return Err(invalid(
                "kind",
                format!("{kind:?} is not one of {}", PARTY_KINDS.join(", ")),
            ));
        }
        self.write(|inner| {
        if inner.parties.contains_key(id) {
            return Err(LineError::Exists(format!(
                "party {id:?} is already registered"
            )));
        }
        let token = new_token();
        let entry = NewEntry {
            time_ms: self.clock.now_ms(),
            kind: PARTY_REGISTERED.into(),
            actor: id.into(),
            // The token's hash concerns the party alone.
            audience: Audience::Parties(BTreeSet::from([id.to_string()])),
            content: json!({"id": id, "kind": kind, "role": role, "token_sha256": hex::encode(token_hash(&token))}),
        };
        self.commit(inner, vec![entry])?;
        Ok(token)
        })
    }

    /// The credential a bearer token is, unless revoked.
    pub fn authenticate(&self, token: &str) -> Option<Credential> {
        self.authenticate_checked(token).ok().flatten()
    }

    /// As [`Line::authenticate`], telling a line that refuses requests (after a write failed part-way) from
    /// an unknown token.
    /// It never waits for the line's lock.
    pub fn authenticate_checked(&self, token: &str) -> Result<Option<Credential>, LineError> {
        if self.failed.load(Ordering::SeqCst) {
            return Err(Self::refused());
        }
        Ok(self.tokens.read().get(&token_hash(token)).cloned())
    }

    /// Issues a new credential of the caller's party at `role`, which may not be above the caller's own;
    /// returns its id and token (the token is shown once and not kept).
    pub fn issue_credential(
        &self,
        caller: &Credential,
        role: &str,
    ) -> Result<(String, String), LineError> {
        self.charge(&caller.party)?;
        let level = level_of(role).ok_or_else(|| {
            invalid(
                "role",
                format!("{role:?} is not one of {}", LEVELS.join(", ")),
            )
        })?;
        if level > level_of(&caller.role).unwrap_or(0) {
            return Err(LineError::Forbidden(format!(
                "a {} may not issue a {role}'s credential",
                caller.role
            )));
        }
        self.write(|inner| {
        let token = new_token();
        let entry = NewEntry {
            time_ms: self.clock.now_ms(),
            kind: CREDENTIAL_ISSUED.into(),
            actor: caller.party.clone(),
            audience: Audience::Parties(BTreeSet::from([caller.party.clone()])),
            content: json!({"role": role, "by": caller.id, "token_sha256": hex::encode(token_hash(&token))}),
        };
        let seq = self.commit(inner, vec![entry])?;
        Ok((format!("k{seq}"), token))
        })
    }

    /// As [`Line::issue_credential`], from a request body `{"role": …}` (the caller's own role when absent);
    /// anything else in it is refused, naming the field.
    pub fn issue_credential_body(
        &self,
        caller: &Credential,
        body: &Value,
    ) -> Result<(String, String), LineError> {
        let Some(obj) = body.as_object() else {
            return Err(invalid(
                "",
                "the body must be a JSON object: {\"role\": \"duty_officer\" | \"commander\" | \"chief\"}",
            ));
        };
        if let Some(k) = obj.keys().find(|k| k.as_str() != "role") {
            return Err(invalid(k.as_str(), "unknown field; expected role"));
        }
        let role = match obj.get("role") {
            None => caller.role.clone(),
            Some(r) => r
                .as_str()
                .ok_or_else(|| invalid("role", format!("expected one of {}", LEVELS.join(", "))))?
                .to_string(),
        };
        self.issue_credential(caller, &role)
    }

    /// Issues a credential of `party` at `role` on the operator's authority (the CLI and scenarios); returns
    /// its id and token.
    pub fn issue_operator_credential(
        &self,
        party: &str,
        role: &str,
    ) -> Result<(String, String), LineError> {
        if !self.lock()?.parties.contains_key(party) {
            return Err(invalid(
                "party",
                format!("{party:?} is not a registered party"),
            ));
        }
        let chief = Credential {
            party: party.into(),
            role: LEVELS[LEVELS.len() - 1].into(),
            id: "operator".into(),
        };
        self.issue_credential(&chief, role)
    }

    /// Revokes a credential of the caller's party at or below the caller's level (a caller may always revoke
    /// its own); other parties' credentials are `NotFound`.
    pub fn revoke_credential(&self, caller: &Credential, id: &str) -> Result<Value, LineError> {
        self.charge(&caller.party)?;
        self.write(|inner| {
            let r = inner
                .credentials
                .get(id)
                .filter(|r| r.credential.party == caller.party)
                .ok_or_else(|| LineError::NotFound(id.into()))?;
            if r.credential.id != caller.id && level_of(&r.credential.role) > level_of(&caller.role)
            {
                return Err(LineError::Forbidden(format!(
                    "a {} may not revoke a {}'s credential",
                    caller.role, r.credential.role
                )));
            }
            if r.revoked_ms.is_none() {
                let entry = NewEntry {
                    time_ms: self.clock.now_ms(),
                    kind: CREDENTIAL_REVOKED.into(),
                    actor: caller.party.clone(),
                    audience: Audience::Parties(BTreeSet::from([caller.party.clone()])),
                    content: json!({"id": id, "by": caller.id}),
                };
                self.commit(inner, vec![entry])?;
            }
            Ok(inner
                .credentials
                .get(id)
                .map(credential_view)
                .unwrap_or(Value::Null))
        })
    }

    /// The credentials of the caller's party (never their tokens).
    pub fn credentials(&self, party: &str) -> Result<Vec<Value>, LineError> {
        let inner = self.lock()?;
        Ok(inner
            .credentials
            .values()
            .filter(|r| r.credential.party == party)
            .map(credential_view)
            .collect())
    }

    pub fn parties(&self) -> Vec<Party> {
        self.lock()
            .map(|i| i.parties.values().cloned().collect())
            .unwrap_or_default()
    }

    /// Validates a declaration body from `party`: returns the declaration, the content to log and the audience.
    fn prepare(
        &self,
        party: &str,
        mut body: Value,
        version: u64,
    ) -> Result<(Declaration, Value, BTreeSet<String>), LineError> {
        let Some(obj) = body.as_object_mut() else {
            return Err(invalid(
                "",
                "the body must be a JSON object (a declaration)",
            ));
        };
        match obj.get("party") {
            None => {
                obj.insert("party".into(), json!(party));
            }
            Some(p) if p == &json!(party) => {}
            Some(p) => {
                return Err(LineError::Forbidden(format!(
                    "you are {party}; you cannot declare for {p}"
                )))
            }
        }
        match obj.get("version") {
            None => {
                obj.insert("version".into(), json!(version));
            }
            Some(v) if v.as_u64() == Some(version) => {}
            Some(v) => {
                return Err(invalid(
                    "version",
                    format!("this write makes version {version}, not {v}"),
                ))
            }
        }
        // The audience goes into the entries' (sealed) audience, not into the content, which every member
        // reads: members do not learn each other. A party id is checked by its grammar only, so that the
        // answer never tells whether such a party is registered (one that registers later is given it).
        let mut audience = BTreeSet::from([party.to_string()]);
        if let Some(list) = obj.remove("audience") {
            let items = list
                .as_array()
                .ok_or_else(|| invalid("audience", "expected an array of party ids"))?;
            if items.len() > MAX_AUDIENCE {
                return Err(invalid(
                    "audience",
                    format!("{} parties; at most {MAX_AUDIENCE}", items.len()),
                ));
            }
            for (i, p) in items.iter().enumerate() {
                let p = p
                    .as_str()
                    .ok_or_else(|| invalid(format!("audience[{i}]"), "expected a party id"))?;
                check_token("audience", p).map_err(|_| {
                    invalid(
                        format!("audience[{i}]"),
                        format!(
                            "{p:?} is not a party id (1–64 of a-z 0-9 . _ - starting with a letter or \
                             digit)"
                        ),
                    )
                })?;
                audience.insert(p.to_string());
            }
        }
        let declaration = parse_declaration_limited(&body, "declaration", &self.plan_limits())
            .map_err(|e| match e.limit {
                Some(limit) => LineError::Limit {
                    // The plan's names, as the line's limits call them.
                    limit: if limit == "volume_window_ms" {
                        "volume_window"
                    } else {
                        limit
                    },
                    detail: e.to_string(),
                    rate: false,
                },
                None => invalid(e.field.clone(), e.to_string()),
            })?;
        let vertices: usize = declaration
            .volumes
            .iter()
            .map(|v| match v.footprint.footprint() {
                deconflict_space::Footprint::Polygon(p) => p.len(),
                deconflict_space::Footprint::Circle { .. } => 1,
                deconflict_space::Footprint::Corridor { path, .. } => path.len(),
            })
            .sum();
        if vertices > self.limits.vertices_per_declaration {
            return Err(LineError::Limit {
                limit: "vertices_per_declaration",
                detail: format!(
                    "volumes: {vertices} positions in all; at most {} per declaration (limit \
                     vertices_per_declaration)",
                    self.limits.vertices_per_declaration
                ),
                rate: false,
            });
        }
        // A declaration is notice of what is to come: one that has wholly ended would only notify the other
        // parties of the past (and with "late notice" of a negative number of seconds).
        let now = self.clock.now_ms();
        let end = declaration.volumes.iter().map(|v| v.time.end_ms).max();
        if end.is_some_and(|end| end <= now) {
            return Err(invalid(
                "volumes",
                format!(
                    "every volume ended before now ({}); declare what is to come",
                    format_time(now)
                ),
            ));
        }
        Ok((declaration, body, audience))
    }

    /// The current version of the caller's own `id` if `party` may write it now: its own (else `NotFound`, as
    /// if missing, or `Forbidden` when only another party's declaration of that id is shared with it), not
    /// cancelled, and at the version named in `If-Match`.
    fn writable<'a>(
        inner: &'a Inner,
        party: &str,
        id: &str,
        if_match: Option<u64>,
    ) -> Result<&'a Current, LineError> {
        let Some(c) = inner.current.get(&key(party, id)) else {
            return Err(match inner.find(party, id, None) {
                Ok(c) => LineError::Forbidden(format!("{id} belongs to {}", c.declaration.party)),
                Err(e) => e,
            });
        };
        if c.state.closed() {
            return Err(LineError::Exists(format!("{id} is {}", c.state.name())));
        }
        let given = if_match.ok_or(LineError::PreconditionRequired)?;
        if given != c.declaration.version {
            return Err(LineError::Stale {
                given,
                current: c.declaration.version,
            });
        }
        Ok(c)
    }

    /// `conflict.resolved` entries for every open conflict of declaration `id`.
    fn resolutions(
        inner: &Inner,
        id: &str,
        party: &str,
        time_ms: i64,
        reason: &str,
    ) -> Vec<NewEntry> {
        inner
            .open_conflicts
            .get(&key(party, id))
            .into_iter()
            .flatten()
            .filter_map(|cid| inner.conflicts.get(cid).map(|r| (cid, r)))
            .filter(|(_, r)| r.resolved_by.is_none())
            .map(|(cid, r)| NewEntry {
                time_ms,
                kind: CONFLICT_RESOLVED.into(),
                actor: party.into(),
                audience: Audience::Parties(r.parties.iter().cloned().collect()),
                content: json!({"id": cid, "reason": reason}),
            })
            .collect()
    }

    /// The entries of a new version: the version, the conflicts it opens, the conflicts of the old version it
    /// resolves. Returns them with the conflicts found.
    fn version_entries(
        inner: &Inner,
        party: &str,
        declaration: &Declaration,
        content: &Value,
        audience: &BTreeSet<String>,
        time_ms: i64,
    ) -> (Vec<NewEntry>, Vec<Conflict>) {
        let mut entries = vec![NewEntry {
            time_ms,
            kind: DECLARATION_VERSION.into(),
            actor: party.into(),
            audience: sealed(audience),
            content: content.clone(),
        }];
        entries.extend(Self::resolutions(
            inner,
            &declaration.id,
            party,
            time_ms,
            "replaced by a new version",
        ));
        let conflicts = inner
            .index
            .conflicts_of_under(declaration, &inner.policy(party));
        for c in &conflicts {
            let other = c.other_than(party);
            let Some(other) = inner.current.get(&key(&other.party, &other.id)) else {
                continue;
            };
            let (a, b) = if c.a.party == party {
                (content, &other.content)
            } else {
                (&other.content, content)
            };
            let mut content = conflict_content(c, a, b);
            if let Some(t) = inner.agreements.between(&c.a.party, &c.b.party) {
                content["agreements"] = json!(t.agreements);
            }
            entries.push(NewEntry {
                time_ms,
                kind: CONFLICT_FOUND.into(),
                actor: party.into(),
                audience: Audience::Parties(
                    [c.a.party.clone(), c.b.party.clone()].into_iter().collect(),
                ),
                content,
            });
        }
        (entries, conflicts)
    }

    fn write_version(
        &self,
        party: &str,
        id_in_path: Option<&str>,
        if_match: Option<u64>,
        body: Value,
    ) -> Result<Declared, LineError> {
        self.charge(party)?;
        self.write(|inner| {
            let id = match id_in_path {
                Some(id) => id.to_string(),
                None => body["id"].as_str().unwrap_or_default().to_string(),
            };
            // Ids live in the caller's own namespace: another party's declaration of the same id, seen or
            // not, is another declaration, and its existence changes nothing here.
            let version = match (inner.current.get(&key(party, &id)), id_in_path) {
                (Some(c), None) => {
                    return Err(LineError::Exists(format!(
                        "declaration {id:?} exists (version {}); write a new version with PUT and \
                         If-Match",
                        c.declaration.version
                    )))
                }
                (None, None) => 1,
                (None, Some(_)) | (Some(_), Some(_)) => {
                    Self::writable(inner, party, &id, if_match)?
                        .declaration
                        .version
                        + 1
                }
            };
            if let (Some(path_id), Some(body_id)) = (id_in_path, body.get("id")) {
                if body_id != &json!(path_id) {
                    return Err(invalid(
                        "id",
                        format!("the body's id {body_id} is not the path's {path_id:?}"),
                    ));
                }
            }
            let mut body = body;
            if let (Some(obj), Some(path_id)) = (body.as_object_mut(), id_in_path) {
                obj.entry("id").or_insert(json!(path_id));
            }
            let (declaration, content, audience) = self.prepare(party, body, version)?;
            let (entries, conflicts) = Self::version_entries(
                inner,
                party,
                &declaration,
                &content,
                &audience,
                self.clock.now_ms(),
            );
            inner.prepared = Some(declaration.clone());
            let seq = self.commit(inner, entries)?;
            let advising = (!conflicts.is_empty()).then(|| inner.advising(&declaration, party));
            let late = inner
                .current
                .get(&key(party, &declaration.id))
                .and_then(|c| c.late.clone());
            let views: Vec<Value> = conflicts
                .iter()
                .filter_map(|c| inner.conflicts.get(&c.id).map(|r| conflict_view(r, party)))
                .collect();
            Ok((
                Declared {
                    version,
                    body: json!({
                        "id": declaration.id,
                        "version": version,
                        "seq": seq,
                        "declaration": content,
                        "audience": audience,
                        "conflicts": views,
                        "advice": null,
                        "late_notice": late,
                    }),
                },
                advising.map(|a| (a, declaration)),
            ))
        })
        .map(|(mut declared, advising)| {
            // Advice is computed after the write, without the line's lock.
            if let Some((a, declaration)) = advising {
                declared.body["advice"] = a.advise(&declaration);
            }
            declared
        })
    }

    /// What declaring `body` would find, stored nowhere and logged nowhere: the body is checked as
    /// [`Line::declare`] checks it (a bad field is named the same way), then against every declaration,
    /// site and zone in force. Only conflicts with declarations shared with the caller are returned: an
    /// unrecorded check must not tell anyone where others, unseen, will be. Conflicts with the rest are found,
    /// notified to both parties and recorded when the declaration is submitted. An id the caller already
    /// uses is checked as its next version.
    pub fn preview(&self, party: &str, body: Value) -> Result<Value, LineError> {
        // Checked and copied under the lock; the conflicts are computed without it.
        let (declaration, content, advising) = {
            let inner = self.lock()?;
            let id = body["id"].as_str().unwrap_or_default().to_string();
            let version = inner
                .current
                .get(&key(party, &id))
                .map_or(1, |c| c.declaration.version + 1);
            let (declaration, content, _) = self.prepare(party, body, version)?;
            let advising = inner.advising(&declaration, party);
            (declaration, content, advising)
        };
        let found = advising
            .index
            .conflicts_of_under(&declaration, &advising.policy());
        let inner = self.lock()?;
        let conflicts: Vec<Value> = found
            .iter()
            .filter_map(|c| {
                let other = c.other_than(party);
                let other = inner
                    .current
                    .get(&key(&other.party, &other.id))
                    .filter(|o| o.visible_to(party))?;
                Some(json!({
                    "other": {
                        "id": other.declaration.id,
                        "party": other.declaration.party,
                        "version": other.declaration.version,
                        "name": other.content["name"],
                        "kind": other.declaration.kind.name(),
                    },
                    "distance_m": c.distance_m,
                    "vertical_gap_m": c.vertical_gap_m,
                    "start": format_time(c.window.start_ms),
                    "end": format_time(c.window.end_ms),
                }))
            })
            .collect();
        Ok(json!({
            "declaration": content,
            "outline": outline(&declaration),
            "conflicts": conflicts,
            "checked": "against the declarations shared with you; conflicts with any others are found, \
                        notified and recorded when you submit",
        }))
    }

    /// The least delay, climb or descent that would clear every conflict of the caller's own declaration
    /// `id` (as returned with a declaration that conflicts), computed now.
    pub fn advice(&self, party: &str, id: &str) -> Result<Value, LineError> {
        // What the advice needs is copied under the lock; the advice is computed without it.
        let (declaration, advising) = {
            let inner = self.lock()?;
            let current = inner.find(party, id, None)?;
            if current.declaration.party != party {
                return Err(LineError::Forbidden(format!(
                    "declaration {id:?} is {}'s; only its own party is advised on it",
                    current.declaration.party
                )));
            }
            let declaration = current.declaration.clone();
            let advising = inner.advising(&declaration, party);
            (declaration, advising)
        };
        let conflicts = advising.conflicts(&declaration);
        let advice = (conflicts > 0).then(|| advising.advise(&declaration));
        Ok(
            json!({"id": id, "party": party, "version": declaration.version, "conflicts": conflicts,
                   "advice": advice}),
        )
    }

    /// The stored entry `seq` if `party` may read it.
    pub fn entry_for(
        &self,
        party: &str,
        seq: u64,
    ) -> Result<deconflict_store::StoredEntry, LineError> {
        match self.store.entry(seq)? {
            Some(e) if e.header.audience.includes(party) => Ok(e),
            _ => Err(LineError::NotFound(format!("log entry {seq}"))),
        }
    }

    /// Creates a declaration (version 1).
    pub fn declare(&self, party: &str, body: Value) -> Result<Declared, LineError> {
        self.write_version(party, None, None, body)
    }

    /// Writes a new version of `id`, which must be at version `if_match`.
    pub fn new_version(
        &self,
        party: &str,
        id: &str,
        if_match: Option<u64>,
        body: Value,
    ) -> Result<Declared, LineError> {
        self.write_version(party, Some(id), if_match, body)
    }

    /// Cancels `id`, which must be at version `if_match`; its open conflicts are resolved.
    pub fn cancel(&self, party: &str, id: &str, if_match: Option<u64>) -> Result<Value, LineError> {
        self.charge(party)?;
        self.write(|inner| {
            let c = Self::writable(inner, party, id, if_match)?;
            let given = c.declaration.version;
            let time_ms = self.clock.now_ms();
            let mut entries = vec![NewEntry {
                time_ms,
                kind: DECLARATION_CANCEL.into(),
                actor: party.into(),
                audience: sealed(&c.audience),
                content: json!({"id": id, "version": given}),
            }];
            entries.extend(Self::resolutions(inner, id, party, time_ms, "cancelled"));
            let seq = self.commit(inner, entries)?;
            Ok(json!({"id": id, "version": given, "cancelled": true, "seq": seq}))
        })
    }

    /// Moves `id` (at version `if_match`) to `to`: planned → active, or planned/active → ended (its open
    /// conflicts are resolved).
    pub fn set_state(
        &self,
        party: &str,
        id: &str,
        if_match: Option<u64>,
        to: State,
    ) -> Result<Value, LineError> {
        self.charge(party)?;
        self.write(|inner| {
            let c = Self::writable(inner, party, id, if_match)?;
            match (c.state, to) {
                (State::Planned, State::Active)
                | (State::Planned | State::Active, State::Ended) => {}
                (from, to) => {
                    return Err(LineError::Exists(format!(
                        "{id} is {}; it cannot become {}",
                        from.name(),
                        to.name()
                    )))
                }
            }
            let version = c.declaration.version;
            let time_ms = self.clock.now_ms();
            let mut entries = vec![NewEntry {
                time_ms,
                kind: DECLARATION_STATE.into(),
                actor: party.into(),
                audience: sealed(&c.audience),
                content: json!({"id": id, "version": version, "state": to.name()}),
            }];
            if to == State::Ended {
                entries.extend(Self::resolutions(inner, id, party, time_ms, "ended"));
            }
            self.commit(inner, entries)?;
            inner
                .current
                .get(&key(party, id))
                .map(|c| Self::view(c, party))
                .ok_or_else(|| LineError::NotFound(id.into()))
        })
    }

    /// A declaration as `party` sees it: its own party also sees the audience (the others with whom it is
    /// shared), which no other member is shown.
    fn view(c: &Current, party: &str) -> Value {
        let mut v = json!({
            "id": c.declaration.id,
            "party": c.declaration.party,
            "version": c.declaration.version,
            "status": c.state.name(),
            "seq": c.seq,
            "late_notice": c.late,
            "declaration": c.content,
        });
        if c.declaration.party == party {
            v["audience"] = json!(c.audience);
        }
        v
    }

    /// A declaration the caller may see: its own `id`, or the one of that id shared with it (of `owner`, if
    /// it names one); `NotFound` otherwise, whether or not it exists.
    pub fn get(&self, party: &str, id: &str, owner: Option<&str>) -> Result<Value, LineError> {
        let inner = self.lock()?;
        inner.find(party, id, owner).map(|c| Self::view(c, party))
    }

    /// Every declaration the caller may see that passes `filter`.
    pub fn list(&self, party: &str, filter: &ListFilter) -> Result<Vec<Value>, LineError> {
        let inner = self.lock()?;
        Ok(inner
            .current
            .values()
            .filter(|c| {
                c.visible_to(party)
                    && (filter.include_closed || !c.state.closed())
                    && filter.keeps(&c.declaration)
            })
            .map(|c| {
                let mut v = Self::view(c, party);
                if filter.outline {
                    v["outline"] = outline(&c.declaration);
                }
                v
            })
            .collect())
    }

    /// The number of items a page asks for, within the line's bounds.
    pub(crate) fn page_limit(&self, page: &Page) -> Result<usize, LineError> {
        match page.limit {
            None => Ok(self.limits.page_default.max(1)),
            Some(n) if (1..=self.limits.page_max).contains(&n) => Ok(n),
            Some(n) => Err(LineError::Limit {
                limit: "page_max",
                detail: format!(
                    "limit={n}: a page holds 1 to {} items (limit page_max)",
                    self.limits.page_max
                ),
                rate: false,
            }),
        }
    }

    /// A page of the declarations `party` may see, by party and id (the cursor is `party/id`).
    pub fn list_page(
        &self,
        party: &str,
        filter: &ListFilter,
        page: &Page,
    ) -> Result<Listed, LineError> {
        let limit = self.page_limit(page)?;
        let inner = self.lock()?;
        let (items, next) = take_page(
            inner
                .current
                .range::<str, _>(after_key(page))
                .filter(|(_, c)| {
                    c.visible_to(party)
                        && (filter.include_closed || !c.state.closed())
                        && filter.keeps(&c.declaration)
                })
                .map(|(id, c)| {
                    let mut v = Self::view(c, party);
                    if filter.outline {
                        v["outline"] = outline(&c.declaration);
                    }
                    (id, v)
                }),
            limit,
            self.limits.page_bytes,
        );
        Ok(Listed {
            items,
            next,
            cursor: inner.next_seq,
        })
    }

    /// A page of the conflicts the caller is a party to, by id.
    pub fn conflicts_page(&self, party: &str, page: &Page) -> Result<Listed, LineError> {
        let limit = self.page_limit(page)?;
        let inner = self.lock()?;
        let (items, next) = take_page(
            inner
                .conflicts
                .range::<str, _>(after_key(page))
                .filter(|(_, r)| r.parties.iter().any(|p| p == party))
                .map(|(id, r)| (id, conflict_view(r, party))),
            limit,
            self.limits.page_bytes,
        );
        Ok(Listed {
            items,
            next,
            cursor: inner.next_seq,
        })
    }

    /// A page of the agreements the caller takes part in, by id.
    pub fn agreements_page(&self, party: &str, page: &Page) -> Result<Listed, LineError> {
        let limit = self.page_limit(page)?;
        let inner = self.lock()?;
        let (items, next) = take_page(
            inner
                .agreements
                .by_id
                .range::<str, _>(after_key(page))
                .filter(|(_, a)| a.parties.contains(party))
                .map(|(id, a)| (id, a.view())),
            limit,
            self.limits.page_bytes,
        );
        Ok(Listed {
            items,
            next,
            cursor: inner.next_seq,
        })
    }

    /// A page of the credentials of the caller's party (never their tokens), by id.
    pub fn credentials_page(&self, party: &str, page: &Page) -> Result<Listed, LineError> {
        let limit = self.page_limit(page)?;
        let inner = self.lock()?;
        let (items, next) = take_page(
            inner
                .credentials
                .range::<str, _>(after_key(page))
                .filter(|(_, r)| r.credential.party == party)
                .map(|(id, r)| (id, credential_view(r))),
            limit,
            self.limits.page_bytes,
        );
        Ok(Listed {
            items,
            next,
            cursor: inner.next_seq,
        })
    }

    /// A page of a message box of the caller's: `inbox` (messages seen for the first time are marked
    /// delivered, all of them, not only this page's), `outbox`, or `escalated` (to the caller's level).
    pub fn messages_page(
        &self,
        caller: &Credential,
        which: &str,
        page: &Page,
    ) -> Result<Listed, LineError> {
        let limit = self.page_limit(page)?;
        let party = caller.party.as_str();
        if which == "inbox" {
            self.deliver(party)?;
        }
        let inner = self.lock()?;
        let now = self.clock.now_ms();
        let level = level_of(&caller.role);
        let (items, next) = take_page(
            inner
                .messages
                .range::<str, _>(after_key(page))
                .filter(|(_, m)| match which {
                    "outbox" => m.from == party,
                    "escalated" => m
                        .receipts
                        .get(party)
                        .is_some_and(|r| r.escalations.iter().any(|(l, _)| level_of(l) >= level)),
                    _ => m.receipts.contains_key(party),
                })
                .map(|(id, m)| (id, m.view(party, now))),
            limit,
            self.limits.page_bytes,
        );
        Ok(Listed {
            items,
            next,
            cursor: inner.next_seq,
        })
    }

    /// The conflicts the caller is a party to.
    pub fn conflicts(&self, party: &str) -> Result<Vec<Value>, LineError> {
        let inner = self.lock()?;
        Ok(inner
            .conflicts
            .values()
            .filter(|r| r.parties.iter().any(|p| p == party))
            .map(|r| conflict_view(r, party))
            .collect())
    }

    /// A party's response to a conflict it is part of; others get `NotFound`, as if it did not exist.
    pub fn respond(
        &self,
        party: &str,
        id: &str,
        response: ConflictResponse,
        reason: Option<String>,
    ) -> Result<Value, LineError> {
        self.charge(party)?;
        self.write(|inner| {
            let record = inner
                .conflicts
                .get(id)
                .filter(|r| r.parties.iter().any(|p| p == party))
                .ok_or_else(|| LineError::NotFound(id.into()))?;
            let reason = match (response, reason) {
                (ConflictResponse::Dispute, Some(r)) if !r.trim().is_empty() && r.len() <= 2000 => {
                    Some(r)
                }
                (ConflictResponse::Dispute, _) => {
                    return Err(invalid(
                        "reason",
                        "a dispute needs a reason of 1–2000 characters, e.g. \"not my forces\"",
                    ))
                }
                (_, r) => r,
            };
            let already = match response {
                ConflictResponse::Acknowledge => record.acknowledged.contains_key(party),
                ConflictResponse::Accept => record.accepted.contains_key(party),
                ConflictResponse::Dispute => record.disputed.contains_key(party),
            };
            if !already {
                let mut content = json!({"id": id});
                if let Some(r) = &reason {
                    content["reason"] = json!(r);
                }
                let entry = NewEntry {
                    time_ms: self.clock.now_ms(),
                    kind: response.kind().into(),
                    actor: party.into(),
                    audience: Audience::Parties(record.parties.iter().cloned().collect()),
                    content,
                };
                self.commit(inner, vec![entry])?;
            }
            let record = inner
                .conflicts
                .get(id)
                .ok_or_else(|| LineError::NotFound(id.into()))?;
            Ok(conflict_view(record, party))
        })
    }

    /// Sends a hotline message from `party`. Body: `to` (party ids), `precedence` (FLASH, IMMEDIATE, PRIORITY,
    /// ROUTINE; default ROUTINE), `kind` (default `text`), `text`, `refs` (`declarations`, `conflicts`: ids the
    /// sender may see).
    pub fn send(&self, party: &str, body: Value) -> Result<Value, LineError> {
        self.charge(party)?;
        self.write(|inner| {
        let obj = body
            .as_object()
            .ok_or_else(|| invalid("", "the body must be a JSON object (a message)"))?;
        let allowed = ["to", "precedence", "kind", "text", "refs"];
        if let Some(k) = obj.keys().find(|k| !allowed.contains(&k.as_str())) {
            return Err(invalid(
                k.clone(),
                format!("unknown field; expected one of {}", allowed.join(", ")),
            ));
        }
        let to_list = obj
            .get("to")
            .and_then(Value::as_array)
            .ok_or_else(|| invalid("to", "expected an array of party ids"))?;
        let mut to = BTreeSet::new();
        for (i, p) in to_list.iter().enumerate() {
            let p = p
                .as_str()
                .ok_or_else(|| invalid(format!("to[{i}]"), "expected a party id"))?;
            // One answer whether `p` is unregistered or only shares no agreement with the caller: the
            // hotline must not tell which parties exist.
            if p == party || inner.agreements.between(party, p).is_none() {
                return Err(invalid(
                    format!("to[{i}]"),
                    format!(
                        "{p:?} is not a party you share an active agreement with; the hotline runs only \
                         under one"
                    ),
                ));
            }
            to.insert(p.to_string());
        }
        if to.is_empty() {
            return Err(invalid("to", "name at least one recipient"));
        }
        let precedence = obj
            .get("precedence")
            .map_or(Some("ROUTINE"), Value::as_str)
            .unwrap_or("");
        let default_period = deadline_for(precedence).ok_or_else(|| {
            let names: Vec<&str> = PRECEDENCES.iter().map(|(p, _)| *p).collect();
            invalid(
                "precedence",
                format!("{precedence:?} is not one of {}", names.join(", ")),
            )
        })?;
        // The shortest deadline any recipient's agreement with the sender sets for this precedence.
        let period = to
            .iter()
            .filter_map(|p| inner.agreements.between(party, p))
            .filter_map(|t| t.deadline_ms.get(precedence).copied())
            .min()
            .unwrap_or(default_period);
        let kind = obj
            .get("kind")
            .map_or(Some("text"), Value::as_str)
            .unwrap_or("");
        if !MESSAGE_KINDS.contains(&kind) {
            return Err(invalid(
                "kind",
                format!("{kind:?} is not one of {}", MESSAGE_KINDS.join(", ")),
            ));
        }
        let text = obj
            .get("text")
            .map_or(Some(""), Value::as_str)
            .ok_or_else(|| invalid("text", "expected a string"))?;
        if text.len() > 10_000 {
            return Err(invalid("text", "longer than 10 000 bytes"));
        }
        let mut refs = serde_json::Map::new();
        if let Some(r) = obj.get("refs") {
            let r = r
                .as_object()
                .ok_or_else(|| invalid("refs", "expected an object"))?;
            for (key, list) in r {
                let items = list
                    .as_array()
                    .ok_or_else(|| invalid(format!("refs.{key}"), "expected an array of ids"))?;
                let mut ids = Vec::new();
                for (i, id) in items.iter().enumerate() {
                    let id = id.as_str().unwrap_or_default();
                    let visible = match key.as_str() {
                        "declarations" => inner.find(party, id, None).is_ok(),
                        "conflicts" => inner
                            .conflicts
                            .get(id)
                            .is_some_and(|c| c.parties.iter().any(|p| p == party)),
                        _ => {
                            return Err(invalid(
                                format!("refs.{key}"),
                                "expected declarations or conflicts",
                            ))
                        }
                    };
                    if !visible {
                        return Err(invalid(
                            format!("refs.{key}[{i}]"),
                            format!("no {key} {id:?} that you may see"),
                        ));
                    }
                    ids.push(json!(id));
                }
                refs.insert(key.clone(), Value::Array(ids));
            }
        }
        let now = self.clock.now_ms();
        let id = format!("m-{}", inner.next_seq);
        let content = json!({
            "id": id, "from": party, "to": to, "precedence": precedence, "kind": kind, "text": text,
            "refs": refs, "deadline_ms": now + period,
        });
        let mut audience = to.clone();
        audience.insert(party.to_string());
        let entry = NewEntry {
            time_ms: now,
            kind: MESSAGE_SENT.into(),
            actor: party.into(),
            audience: Audience::Parties(audience),
            content,
        };
        self.commit(inner, vec![entry])?;
        inner
            .messages
            .get(&id)
            .map(|m| m.view(party, now))
            .ok_or_else(|| LineError::Storage("message not applied".into()))
        })
    }

    /// The caller's inbox; messages seen for the first time are marked delivered (logged).
    pub fn inbox(&self, party: &str) -> Result<Vec<Value>, LineError> {
        self.deliver(party)?;
        let inner = self.lock()?;
        let now = self.clock.now_ms();
        Ok(inner
            .messages
            .values()
            .filter(|m| m.receipts.contains_key(party))
            .map(|m| m.view(party, now))
            .collect())
    }

    /// Marks delivered (logs) every message to `party` it has not read yet.
    fn deliver(&self, party: &str) -> Result<(), LineError> {
        let undelivered = |inner: &Inner, now: i64| -> Vec<NewEntry> {
            inner
                .messages
                .values()
                .filter(|m| m.receipts.get(party).is_some_and(|r| r.delivered.is_none()))
                .map(|m| NewEntry {
                    time_ms: now,
                    kind: MESSAGE_DELIVERED.into(),
                    actor: party.into(),
                    audience: Audience::Parties(m.receipt_audience(party)),
                    content: json!({"id": m.content["id"]}),
                })
                .collect()
        };
        // Nothing new: a plain read, which need not take the end of a shared log.
        if undelivered(&*self.lock()?, self.clock.now_ms()).is_empty() {
            return Ok(());
        }
        self.write(|inner| {
            let entries = undelivered(inner, self.clock.now_ms());
            if !entries.is_empty() {
                self.commit(inner, entries)?;
            }
            Ok(())
        })
    }

    /// The messages to the caller's party escalated to the caller's level or beyond: a commander's pager.
    pub fn escalated(&self, caller: &Credential) -> Result<Vec<Value>, LineError> {
        let inner = self.lock()?;
        let now = self.clock.now_ms();
        let level = level_of(&caller.role);
        Ok(inner
            .messages
            .values()
            .filter(|m| {
                m.receipts
                    .get(&caller.party)
                    .is_some_and(|r| r.escalations.iter().any(|(l, _)| level_of(l) >= level))
            })
            .map(|m| m.view(&caller.party, now))
            .collect())
    }

    /// The messages the caller sent, with every recipient's receipt.
    pub fn outbox(&self, party: &str) -> Result<Vec<Value>, LineError> {
        let inner = self.lock()?;
        let now = self.clock.now_ms();
        Ok(inner
            .messages
            .values()
            .filter(|m| m.from == party)
            .map(|m| m.view(party, now))
            .collect())
    }

    /// A recipient acknowledges (or answers, with `answer`) a message; others get `NotFound`.
    pub fn acknowledge_message(
        &self,
        party: &str,
        id: &str,
        answer: Option<String>,
    ) -> Result<Value, LineError> {
        self.charge(party)?;
        self.write(|inner| {
            let now = self.clock.now_ms();
            let m = inner
                .messages
                .get(id)
                .filter(|m| m.receipts.contains_key(party))
                .ok_or_else(|| LineError::NotFound(id.into()))?;
            let r = &m.receipts[party];
            let (kind, content) = match &answer {
                Some(text) if text.trim().is_empty() || text.len() > 10_000 => {
                    return Err(invalid("text", "an answer needs 1–10 000 bytes of text"))
                }
                Some(text) if r.answered.is_none() => {
                    (MESSAGE_ANSWERED, json!({"id": id, "text": text}))
                }
                Some(_) => return Err(LineError::Exists(format!("{id} is already answered"))),
                None if r.acknowledged.is_none() => (MESSAGE_ACKNOWLEDGED, json!({"id": id})),
                None => return Ok(m.view(party, now)),
            };
            let entry = NewEntry {
                time_ms: now,
                kind: kind.into(),
                actor: party.into(),
                audience: Audience::Parties(m.receipt_audience(party)),
                content,
            };
            self.commit(inner, vec![entry])?;
            inner
                .messages
                .get(id)
                .map(|m| m.view(party, now))
                .ok_or_else(|| LineError::NotFound(id.into()))
        })
    }

    /// Escalates every unacknowledged message past its deadline to the recipient's next level and tells the
    /// sender; returns how many escalations were logged.
    pub fn escalate_overdue(&self) -> Result<usize, LineError> {
        let overdue = |inner: &Inner, now: i64| -> Vec<NewEntry> {
            let mut entries = Vec::new();
            for m in inner.messages.values() {
                for (party, r) in &m.receipts {
                    let Some(level) = m.due_level(r, now) else {
                        continue;
                    };
                    for name in LEVELS.iter().take(level + 1).skip(r.escalations.len() + 1) {
                        entries.push(NewEntry {
                            time_ms: now,
                            kind: MESSAGE_ESCALATED.into(),
                            actor: LINE_ACTOR.into(),
                            audience: Audience::Parties(m.receipt_audience(party)),
                            content: json!({"id": m.content["id"], "party": party, "level": name}),
                        });
                    }
                }
            }
            entries
        };
        // Run on every tick of every node: when nothing is overdue, do not take the end of a shared log.
        // What finished long enough ago leaves memory on the same tick.
        let now = self.clock.now_ms();
        let mut inner = self.lock()?;
        inner.retire(
            now.saturating_sub(limit_ms(self.limits.retention)),
            self.limits.retained,
        );
        let idle = overdue(&inner, now).is_empty();
        drop(inner);
        if idle {
            return Ok(0);
        }
        self.write(|inner| {
            let entries = overdue(inner, self.clock.now_ms());
            let n = entries.len();
            if n > 0 {
                self.commit(inner, entries)?;
            }
            Ok(n)
        })
    }

    /// Proposes an agreement (the proposer accepts it by proposing).
    pub fn propose_agreement(&self, party: &str, body: Value) -> Result<Value, LineError> {
        self.charge(party)?;
        self.write(|inner| {
            let (content, _) =
                agreement::parse(&body, party).map_err(|(field, why)| invalid(field, why))?;
            let id = content["id"].as_str().unwrap_or_default().to_string();
            // Ids live in the proposer's namespace: another proposer's agreement of the same id, seen or
            // not, is another agreement.
            let key = Agreements::key(party, &id);
            if inner.agreements.by_id.contains_key(&key) {
                return Err(LineError::Exists(format!(
                    "you already proposed an agreement {id:?}; choose another id"
                )));
            }
            let entry = NewEntry {
                time_ms: self.clock.now_ms(),
                kind: AGREEMENT_PROPOSED.into(),
                actor: party.into(),
                audience: Audience::Parties(terms_parties(&content)),
                content,
            };
            self.commit(inner, vec![entry])?;
            inner
                .agreements
                .by_id
                .get(&key)
                .map(Agreement::view)
                .ok_or_else(|| LineError::Storage("agreement not applied".into()))
        })
    }

    /// A participant accepts (or, after a suspension, accepts anew) or suspends an agreement; others get
    /// `NotFound`, as if it did not exist.
    pub fn agreement_action(
        &self,
        party: &str,
        id: &str,
        proposer: Option<&str>,
        suspend: Option<String>,
    ) -> Result<Value, LineError> {
        self.charge(party)?;
        self.write(|inner| {
            let key = inner
                .agreements
                .find(party, id, proposer)
                .map_err(LineError::Exists)?
                .ok_or_else(|| LineError::NotFound(id.into()))?;
            let a = inner
                .agreements
                .by_id
                .get(&key)
                .ok_or_else(|| LineError::NotFound(id.into()))?;
            let (kind, content) = match suspend {
                Some(r) if r.trim().is_empty() || r.len() > 2000 => {
                    return Err(invalid(
                        "reason",
                        "a suspension needs a reason of 1–2000 characters",
                    ))
                }
                Some(_) if a.suspended => {
                    return Err(LineError::Exists(format!("{id} is already suspended")))
                }
                Some(r) => (
                    AGREEMENT_SUSPENDED,
                    json!({"id": id, "proposer": a.proposer, "reason": r}),
                ),
                None if a.accepted.contains_key(party) => return Ok(a.view()),
                None => (
                    AGREEMENT_ACCEPTED,
                    json!({"id": id, "proposer": a.proposer}),
                ),
            };
            let entry = NewEntry {
                time_ms: self.clock.now_ms(),
                kind: kind.into(),
                actor: party.into(),
                audience: Audience::Parties(a.parties.clone()),
                content,
            };
            self.commit(inner, vec![entry])?;
            inner
                .agreements
                .by_id
                .get(&key)
                .map(Agreement::view)
                .ok_or_else(|| LineError::NotFound(id.into()))
        })
    }

    /// Sets up an agreement in one go, as its first party proposing and every other accepting (for operators
    /// and scenarios).
    pub fn establish_agreement(&self, body: Value) -> Result<Value, LineError> {
        let parties: Vec<String> = body["parties"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| p.as_str().map(str::to_string))
            .collect();
        let first = parties
            .first()
            .ok_or_else(|| invalid("parties", "expected an array of party ids"))?;
        let proposed = self.propose_agreement(first, body.clone())?;
        let id = proposed["id"].as_str().unwrap_or_default().to_string();
        let mut last = proposed;
        for p in &parties[1..] {
            last = self.agreement_action(p, &id, Some(first), None)?;
        }
        Ok(last)
    }

    /// The agreements the caller takes part in.
    pub fn agreements(&self, party: &str) -> Result<Vec<Value>, LineError> {
        let inner = self.lock()?;
        Ok(inner.agreements.of(party).map(Agreement::view).collect())
    }

    /// One agreement the caller takes part in (of `proposer`, if named; see [`Agreements::find`]).
    pub fn agreement(
        &self,
        party: &str,
        id: &str,
        proposer: Option<&str>,
    ) -> Result<Value, LineError> {
        let inner = self.lock()?;
        inner
            .agreements
            .find(party, id, proposer)
            .map_err(LineError::Exists)?
            .and_then(|key| inner.agreements.by_id.get(&key))
            .map(Agreement::view)
            .ok_or_else(|| LineError::NotFound(id.into()))
    }

    /// Totals for /metrics: counts only, nothing about any party.
    pub fn totals(&self) -> Result<Vec<(&'static str, u64)>, LineError> {
        // The tracks' lock before the line's: the scan takes them in that order.
        let live = self.live.lock().len() as u64;
        let size = self.store.size()?;
        let inner = self.lock()?;
        Ok(vec![
            ("deconflict_ledger_entries", size),
            ("deconflict_parties", inner.parties.len() as u64),
            (
                "deconflict_declarations_active",
                inner.current.values().filter(|c| !c.state.closed()).count() as u64,
            ),
            (
                "deconflict_conflicts_open",
                inner
                    .conflicts
                    .values()
                    .filter(|r| r.resolved_by.is_none())
                    .count() as u64,
            ),
            (
                "deconflict_uptime_seconds",
                self.started.elapsed().as_secs(),
            ),
            ("deconflict_tracks_live", live),
            // On a shared log: how far this node has applied the log, and how many batches of writes it
            // appended.
            ("deconflict_ledger_applied", inner.next_seq),
            (
                "deconflict_write_batches",
                self.batches.load(Ordering::Relaxed),
            ),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Finding 10: a preview over a hidden 25 000-vertex declaration was measurably slower, because advice and
    /// previews worked over everything near. What they work on now is a copy of what the caller was given:
    /// a hidden declaration, however large, is neither copied nor measured (its time cannot show).
    #[test]
    fn advice_and_previews_copy_nothing_hidden() {
        let dir = tempfile::tempdir().expect("tempdir");
        let clock = Arc::new(crate::clock::ManualClock::new(1_908_014_400_000));
        let line = Line::open_with_clock(dir.path(), "test.example/line", clock).expect("open");
        for p in ["aa", "bb", "cc"] {
            line.register_party(p, "military").expect("register");
        }
        line.establish_agreement(json!({"id": "abc", "parties": ["aa", "bb", "cc"]}))
            .expect("agreement");
        let ring: Vec<Value> = (0..1_000)
            .map(|i| {
                let a = f64::from(i) * std::f64::consts::TAU / 1_000.0;
                json!([38.5 + 0.2 * a.cos(), 35.9 + 0.2 * a.sin()])
            })
            .collect();
        let volume = |lower: f64| {
            json!({"footprint": {"polygon": ring}, "altitude": {"lower_m": lower, "upper_m": lower + 500.0},
                   "time": {"start": "2030-06-18T15:00:00Z", "end": "2030-06-18T16:00:00Z"}})
        };
        // cc's, hidden from aa, over the same place; bb's, shared with aa.
        line.declare(
            "cc",
            json!({"id": "hidden", "kind": "air_operation", "volumes": [volume(1000.0), volume(2000.0)]}),
        )
        .expect("hidden");
        line.declare(
            "bb",
            json!({"id": "shared", "kind": "air_operation", "audience": ["aa"], "volumes": [volume(5000.0)]}),
        )
        .expect("shared");
        let probe = json!({"id": "probe", "kind": "air_operation", "volumes": [volume(1000.0)]});
        let (declaration, _, _) = line.prepare("aa", probe, 1).expect("probe");
        let inner = line.lock().expect("lock");
        let advising = inner.advising(&declaration, "aa");
        let copied: Vec<(String, String)> = advising
            .index
            .iter()
            .map(|d| (d.party.clone(), d.id.clone()))
            .collect();
        assert_eq!(copied, [("bb".to_string(), "shared".to_string())]);
    }
}
