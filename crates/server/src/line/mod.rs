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
//! The state itself, and its rules for applying each entry, are the domain crate's
//! ([`deconflict_domain::state`]): pure, with no IO, clock or lock. This module holds what wraps it (`Inner`:
//! the state behind the line's lock with the caches beside it, and [`Line`]), errors and list types; the work
//! is in one submodule per job:
//!
//! | module | owns |
//! |---|---|
//! | `open` | opening and replaying a log, settings, the lock, write allowances, checkpoints |
//! | `commit` | sealing, applying and appending entries (group commit, batches on a shared log), following |
//! | `stream` | the recent entries as stream events, and reading older ones for followers |
//! | `view` | list filters and pages, outlines, a conflict as each party sees it |
//! | `parties` | parties and credentials |
//! | `declarations` | declaration commands and reads |
//! | `conflicts` | conflict lists and responses |
//! | `messages` | the hotline and escalation |
//! | `agreements` | agreements |
//! | `notifications` | humanitarian notifications, incident reports with proof bundles, deconfliction requests |
//! | `scan` | live tracks and the tactical scan |
//! | `dss` | the line as an F3548 DSS: a USS's writes through the domain's deciders, and its reads |
//! | `metrics` | totals for `/metrics` |
//! | `digest` | the whole state's hash, read under the lock |
//! | `bundle` | proof bundles of entries a party may read |
//! | `report` | the bundle of a party's window, for after-action records |

use std::collections::{BTreeSet, HashMap};

use std::path::Path;

use std::sync::atomic::{AtomicBool, Ordering};

use std::sync::{Arc, Mutex};

use parking_lot::MutexGuard;

use std::time::{Duration, Instant};

use deconflict_ledger::entry::check_token;

use deconflict_ledger::Audience;

use deconflict_plan::{declaration_json, parse_declaration_limited, PlanLimits};

use deconflict_space::units::format_time;

use deconflict_store::keys::load_or_create_log_key;

use deconflict_store::{
    Checkpointer, LogStore, NewEntry, SqliteLog, StoreError, StoredCheckpoint, StoredEntry,
};

use deconflict_strategic::{ConflictIndex, Declaration, Minima};

use serde_json::{json, Value};

use sha2::{Digest, Sha256};

use crate::agreement::{self, Agreement, Agreements, AGREEMENT_PROPOSED};

use crate::clock::{Clock, SystemClock};

use crate::hotline::{deadline_for, LEVELS, MESSAGE_KINDS, MESSAGE_SENT, PRECEDENCES};

use crate::tracks::{self, Tactical};
use deconflict_domain::template;

mod agreements;
mod bundle;
mod commit;
mod conflicts;
mod declarations;
mod digest;
mod dss;
mod messages;
mod metrics;
mod notifications;
mod open;
mod parties;
mod report;
mod scan;
mod stream;
#[cfg(test)]
mod tests;
mod view;

pub use bundle::{BUNDLE_BYTES, BUNDLE_ENTRIES};
pub use declarations::LIFECYCLE_PER_RUN;
pub use dss::{DssFailure, DssSettings, DSS_ENTITIES_PER_USS};
pub use notifications::CHECKPOINT_GAP;
pub use parties::token_hash;
pub use report::{REPORT_SCAN, REPORT_WINDOW_MS};
pub use view::outline;
use {stream::*, view::*};

use deconflict_domain::state::{
    decide::{Answer, Decided, Told},
    key, need_to_know, Advising, Checked, ConflictRecord, CredentialRecord, Current, DomainError,
    Effect, List, Prepared, State as DomainState,
};
pub use deconflict_domain::state::{
    level_of, ConflictResponse, Credential, Lifecycle, Party, LINE_ACTOR, PARTY_KINDS,
};

/// The kinds of entry the line writes (defined once, in the domain crate).
pub use deconflict_domain::kinds::{
    CONFLICT_ACCEPTED, CONFLICT_ACKNOWLEDGED, CONFLICT_DISPUTED, CONFLICT_FOUND, CONFLICT_RESOLVED,
    CREDENTIAL_ISSUED, CREDENTIAL_REVOKED, DECLARATION_STATE, PARTY_REGISTERED,
};

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
    /// The line has failed (a write failed part-way, so memory may be ahead of the log): it refuses every
    /// request, reads included, until a restart rebuilds it from the log.
    #[error("{0}")]
    Failed(String),
}

impl From<DomainError> for LineError {
    fn from(e: DomainError) -> Self {
        match e {
            DomainError::NotFound(what) => LineError::NotFound(what),
            DomainError::Exists(why) => LineError::Exists(why),
            DomainError::Invalid { field, detail } => LineError::Invalid { field, detail },
            DomainError::Forbidden(why) => LineError::Forbidden(why),
            DomainError::Stale { given, current } => LineError::Stale { given, current },
            DomainError::PreconditionRequired => LineError::PreconditionRequired,
            DomainError::Limit { limit, detail } => LineError::Limit {
                limit,
                detail,
                rate: false,
            },
        }
    }
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

/// The line's state behind its lock: the domain's state (what the log determines), the caches kept beside it
/// for readers that must not wait for the lock, and the writer's own bookkeeping. It reads as the domain's
/// state (`Deref`); that state moves only through [`Inner::check`] and [`Inner::apply_checked`], which also
/// carry the domain's [`Effect`]s to the caches.
#[derive(Debug)]
struct Inner {
    state: DomainState,
    /// Live credentials by token hash, apart, so that authenticating a request never waits for the line's
    /// lock (a long write must not stall every other party's reads). Written only while that lock is held.
    tokens: Arc<parking_lot::RwLock<HashMap<[u8; 32], Credential>>>,
    /// The sites, zones and sides of lines in force, apart, so that the tactical scan checks tracks against
    /// them without holding the line's lock. Written only while the line's lock is held.
    protected: Arc<parking_lot::RwLock<ConflictIndex>>,
    /// True while entries are being applied (a panic there leaves it set, and the line refuses to go on).
    applying: bool,
    /// A declaration the writer has already read from the content it is committing, so that applying the
    /// entry need not read it again (it is used only if id and version match the entry's).
    prepared: Option<Prepared>,
    /// On a shared log, the writes being gathered at the log's end, which this node holds (see
    /// [`Line::write`]).
    batch: Option<Batch>,
    /// True while a writer waits, without the lock, for the end of a shared log to open a batch; other
    /// writers wait for it on [`Line`]'s `opened`.
    opening: bool,
}

impl std::ops::Deref for Inner {
    type Target = DomainState;
    fn deref(&self) -> &DomainState {
        &self.state
    }
}

impl std::ops::DerefMut for Inner {
    fn deref_mut(&mut self) -> &mut DomainState {
        &mut self.state
    }
}

impl Inner {
    /// Reads an entry and checks it against the state (the domain's `State::check`), with the declaration
    /// the writer prepared, if any.
    fn check(
        &mut self,
        header: &deconflict_ledger::EntryHeader,
        content: &[u8],
    ) -> Result<Checked, String> {
        let prepared = self.prepared.take();
        self.state.check(header, content, prepared)
    }

    /// Applies a checked entry to the state, and its effects to the caches beside it.
    fn apply_checked(&mut self, header: &deconflict_ledger::EntryHeader, checked: Checked) {
        for effect in self.state.apply_checked(header, checked) {
            match effect {
                Effect::TokenIssued { hash, credential } => {
                    self.tokens.write().insert(hash, credential);
                }
                Effect::TokenRevoked { hash } => {
                    self.tokens.write().remove(&hash);
                }
                Effect::Protected(d) => {
                    if let Err(e) = self.protected.write().replace(*d) {
                        tracing::error!("applying entry {}: {e}", header.seq);
                    }
                }
                Effect::Unprotected { party, id } => {
                    self.protected.write().remove(&party, &id);
                }
                Effect::Anomaly(why) => tracing::error!("{why}"),
            }
        }
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

    /// What advice on `d` needs, copied (the domain's `State::advising`).
    fn advising(&self, d: &Declaration, party: &str) -> Advising {
        let (advising, anomalies) = self.state.advising(d, party);
        for why in anomalies {
            tracing::error!("{why}");
        }
        advising
    }
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

/// What a declaration write returns.
#[derive(Debug, Clone, PartialEq)]
pub struct Declared {
    pub body: Value,
    pub version: u64,
}
