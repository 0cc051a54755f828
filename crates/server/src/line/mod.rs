//! The deconfliction line's core, with no HTTP in it: parties, declarations and their conflicts.
//!
//! Everything is derived from the ledger: [`Line::open`] replays every entry, and every change is made by one
//! atomic, durable append (a declaration version together with the conflicts it opens and resolves) before
//! the in-memory state moves. Writes are serialised by one lock, so each is checked against every earlier
//! declaration; reads see only what the caller was given.
//!
//! Declarations of two parties are checked against each other only under an active agreement they share
//! (see [`crate::agreement`]), with its minima; a party's hotline reaches only its partners.
//!
//! This module holds the line's types (its state `Inner`, the line [`Line`], errors and entry kinds); the
//! work is in one submodule per job:
//!
//! | module | owns |
//! |---|---|
//! | `open` | opening and replaying a log, settings, the lock, write allowances, checkpoints |
//! | `fold` | checking one entry against the state and applying it (replay and writes alike) |
//! | `state` | read-only queries over the state: what a party was given, advice, policy, retention |
//! | `commit` | sealing, applying and appending entries (group commit, batches on a shared log), following |
//! | `stream` | the recent entries as stream events, and reading older ones for followers |
//! | `view` | list filters and pages, outlines, a conflict as each party sees it |
//! | `parties` | parties and credentials |
//! | `declarations` | declaration commands and reads |
//! | `conflicts` | conflict lists and responses |
//! | `messages` | the hotline and escalation |
//! | `agreements` | agreements |
//! | `scan` | live tracks and the tactical scan |
//! | `metrics` | totals for `/metrics` |
//! | `digest` | the whole state as one hash (rebuilding from the log must reproduce it) |

use std::collections::{BTreeMap, BTreeSet, HashMap};

use std::path::Path;

use std::sync::atomic::{AtomicBool, Ordering};

use std::sync::{Arc, Mutex};

use parking_lot::MutexGuard;

use std::time::{Duration, Instant};

use deconflict_domain::{Declarations, DECLARATION_CANCEL, DECLARATION_VERSION};

use deconflict_ledger::entry::check_token;

use deconflict_ledger::Audience;

use deconflict_plan::{
    advice_json, declaration_json, parse_declaration, parse_declaration_limited, PlanLimits,
};

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

mod agreements;
mod commit;
mod conflicts;
mod declarations;
mod digest;
mod fold;
mod messages;
mod metrics;
mod open;
mod parties;
mod scan;
mod state;
mod stream;
#[cfg(test)]
mod tests;
mod view;

pub use parties::token_hash;
pub use view::outline;
use {state::*, stream::*, view::*};

/// The actor of entries the line itself makes (escalations).
pub const LINE_ACTOR: &str = "line";

/// The kinds of entry the line writes (defined once, in the domain crate).
pub use deconflict_domain::kinds::{
    CONFLICT_ACCEPTED, CONFLICT_ACKNOWLEDGED, CONFLICT_DISPUTED, CONFLICT_FOUND, CONFLICT_RESOLVED,
    CREDENTIAL_ISSUED, CREDENTIAL_REVOKED, DECLARATION_STATE, PARTY_REGISTERED,
};

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

/// What advice needs, copied from the line ([`Inner::advising`]): advice is computed on it without the
/// line's lock, so that a long computation never stalls another party's reads or writes.
#[derive(Debug)]
struct Advising {
    index: ConflictIndex,
    minima: HashMap<String, Minima>,
    widest: deconflict_strategic::Separation,
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
