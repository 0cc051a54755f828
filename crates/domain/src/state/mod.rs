//! The line's whole state, pure: what the log determines, folded entry by entry, with no IO, no clock and no
//! locks. The server holds one [`State`] behind its lock and moves it only through [`State::check`] and
//! [`State::apply_checked`] (replay, entries of other nodes, and its own writes alike), so that rebuilding
//! from the log reproduces exactly the state that writing the log produced ([`State::digest`]).
//!
//! One module per concern, each with the part of the fold that is its own and the queries over it:
//!
//! | module | owns |
//! |---|---|
//! | `fold` | reading one entry into a [`Checked`] change (refusing what the state does not allow) and the dispatch to the concerns |
//! | `parties` | parties and credentials |
//! | `declarations` | declarations: versions, cancellation, life, what was shared with whom, late notice, retention |
//! | `conflicts` | conflicts and each party's responses, what an open conflict revealed |
//! | `messages` | the hotline: messages and receipts |
//! | `agreements` | agreements and the policy (minima) they set between parties |
//! | `alerts` | tactical alerts as logged (with the fields only one of their parties is given) |
//! | `notifications` | humanitarian notifications, incidents at notified sites, deconfliction requests |
//! | `lists` | per party, the ordered keys of what it may list: pages walk only the caller's own |
//! | [`crate::dss`] | the line as an F3548 DSS (its own module beside this one; folded from the `dss.*` entries) |
//! | `decide` | commands as deciders: what to log for a party's command, or why not |
//! | `need_to_know` | one function per resource: may this party read it? |
//! | `digest` | the whole state as one hash |
//!
//! What the state does not hold is said by [`Effect`]: caches the server keeps beside it for readers that must
//! not wait for its lock (credentials by token hash, the index of protected areas), which applying an entry
//! changes and the server updates.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use deconflict_ledger::EntryHeader;
use deconflict_strategic::{ConflictIndex, Declaration, Minima};
use serde_json::{json, Value};

use crate::agreement::{Agreement, Agreements};
use crate::hotline::{Message, LEVELS};
use crate::kinds::{CONFLICT_ACCEPTED, CONFLICT_ACKNOWLEDGED, CONFLICT_DISPUTED};
use crate::Declarations;

mod agreements;
mod alerts;
mod conflicts;
pub mod decide;
mod declarations;
mod digest;
mod fold;
mod lists;
mod messages;
pub mod need_to_know;
mod notifications;
mod parties;
#[cfg(test)]
mod tests;

pub use agreements::terms_parties;
pub use declarations::{positions, Advising, Held, Sees};
pub use lists::{List, Lists};
pub use notifications::{history_of_site, NotificationChange, NotifyCommand, SiteReading};

/// The actor of entries the line itself makes (escalations, alerts).
pub const LINE_ACTOR: &str = "line";

/// The kinds of party on the line.
pub const PARTY_KINDS: [&str; 4] = ["military", "humanitarian", "civil", "observer"];

/// A declaration's key on the line: its party and its id. Ids live in each party's own namespace, so one
/// party's id never tells another that it is in use; `/` is in neither grammar, so the key is unambiguous.
pub fn key(party: &str, id: &str) -> String {
    format!("{party}/{id}")
}

/// Where a role stands among [`LEVELS`] (duty officer 0, commander 1, chief 2).
pub fn level_of(role: &str) -> Option<usize> {
    LEVELS.iter().position(|l| *l == role)
}

/// Why a command or a lookup is refused, in the domain's terms (the server maps each to a status).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// Nothing of that name that the caller may see (whether or not one exists).
    #[error("nothing called {0:?} that you may see")]
    NotFound(String),
    /// The name is ambiguous or already taken, as the text says.
    #[error("{0}")]
    Exists(String),
    /// A field of the command is wrong.
    #[error("{detail}")]
    Invalid { field: String, detail: String },
    /// The party may see it but not do this to it (another party's declaration shared with it).
    #[error("{0}")]
    Forbidden(String),
    /// The command names a version that is no longer the current one.
    #[error("If-Match names version {given}, but the current version is {current}")]
    Stale { given: u64, current: u64 },
    /// The command must name the version it replaces.
    #[error("a new version must name the version it replaces in If-Match")]
    PreconditionRequired,
    /// The command would pass one of the line's bounds (`limit`, named as the server's limits name it); it is
    /// refused whole.
    #[error("{detail}")]
    Limit { limit: &'static str, detail: String },
}

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
    /// The kind of entry that records it.
    pub fn kind(self) -> &'static str {
        match self {
            ConflictResponse::Acknowledge => CONFLICT_ACKNOWLEDGED,
            ConflictResponse::Accept => CONFLICT_ACCEPTED,
            ConflictResponse::Dispute => CONFLICT_DISPUTED,
        }
    }
}

/// A bearer credential: whose it is, at which escalation level, and its id (for revocation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    pub party: String,
    pub role: String,
    pub id: String,
}

/// A credential as logged: the credential, its token's hash, when it was issued and revoked (entry times).
#[derive(Debug, Clone)]
pub struct CredentialRecord {
    pub credential: Credential,
    pub hash: [u8; 32],
    pub issued_ms: i64,
    pub revoked_ms: Option<i64>,
}

/// A registered party.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Party {
    pub id: String,
    pub kind: String,
}

/// Where a declaration is in its life: planned → active → ended, or cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lifecycle {
    Planned,
    Active,
    Ended,
    Cancelled,
}

impl Lifecycle {
    /// Its name in views and entries.
    pub fn name(self) -> &'static str {
        match self {
            Lifecycle::Planned => "planned",
            Lifecycle::Active => "active",
            Lifecycle::Ended => "ended",
            Lifecycle::Cancelled => "cancelled",
        }
    }

    /// Ended or cancelled: out of the index, no more versions.
    pub fn closed(self) -> bool {
        matches!(self, Lifecycle::Ended | Lifecycle::Cancelled)
    }
}

/// The latest version of a declaration.
#[derive(Debug, Clone)]
pub struct Current {
    pub declaration: Declaration,
    /// The content as logged (the request body with `party`, `version` and `audience` set).
    pub content: Value,
    pub audience: BTreeSet<String>,
    pub state: Lifecycle,
    /// Ledger sequence number of this version.
    pub seq: u64,
    /// Set when this version gave less notice than an agreement asks: `{required_s, given_s, agreements}`.
    pub late: Option<Value>,
}

impl Current {
    /// When the line next moves it through its life, unless it is closed: while planned, when its first
    /// window begins; while active, when its last window ends.
    pub fn next_move(&self) -> Option<i64> {
        let times = self.declaration.volumes.iter().map(|v| v.time);
        match self.state {
            Lifecycle::Planned => times.map(|t| t.start_ms).min(),
            Lifecycle::Active => times.map(|t| t.end_ms).max(),
            Lifecycle::Ended | Lifecycle::Cancelled => None,
        }
    }
}

/// A conflict as recorded: both sides, and each side's conflicting volumes (what the other side may see).
#[derive(Debug, Clone)]
pub struct ConflictRecord {
    pub content: Value,
    pub parties: [String; 2],
    pub resolved_by: Option<u64>,
    /// Per party: when (entry time, ms) it acknowledged, accepted, disputed (with the reason).
    pub acknowledged: BTreeMap<String, i64>,
    pub accepted: BTreeMap<String, i64>,
    pub disputed: BTreeMap<String, (i64, String)>,
}

impl ConflictRecord {
    /// How it stands: resolved, disputed, accepted (by both sides), or open (`null`).
    pub fn outcome(&self) -> Value {
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

/// Something finished that may leave memory once the retention period has passed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Done {
    Alert(String),
    Conflict(String),
    Message(String),
    /// A declaration cancelled or ended, by [`key`]: what leaves memory is its content and volumes; a
    /// tombstone (party, id, version, state) stays, so that its id keeps its history.
    Declaration(String),
    /// A notification closed (lapsed, expired or superseded): what leaves memory is what it pinned and its
    /// note; the record of who was told what and when stays, for incidents' histories.
    Notification(String),
    /// A deconfliction request answered.
    Request(String),
}

/// The line's whole state as the log determines it.
#[derive(Debug)]
pub struct State {
    pub parties: BTreeMap<String, Party>,
    /// Every credential by its id.
    pub credentials: BTreeMap<String, CredentialRecord>,
    /// Every declaration's history (the versions' content hashes).
    pub fold: Declarations,
    /// Every declaration's latest version by [`key`] (party and id: ids live in each party's own namespace).
    pub current: BTreeMap<String, Current>,
    /// For each party, the ids of other parties' declarations shared with it and whose they are: a read by
    /// id looks only here, so an id hidden from the caller and an id never used take the same path.
    pub shared: HashMap<String, HashMap<String, BTreeSet<String>>>,
    /// The declarations in force, for finding conflicts.
    pub index: ConflictIndex,
    /// What each party holds live (declarations neither ended nor cancelled, and their positions), by party:
    /// derived from `current`, kept as versions, cancellations and state changes are applied.
    pub held: HashMap<String, Held>,
    pub conflicts: BTreeMap<String, ConflictRecord>,
    /// The open conflicts of each declaration, by [`key`].
    pub open_conflicts: HashMap<String, BTreeSet<String>>,
    pub messages: BTreeMap<String, Message>,
    pub agreements: Agreements,
    /// Every alert as logged, latest state: (its two parties, the view both are given).
    pub alerts: BTreeMap<String, ([String; 2], Value)>,
    /// Per alert, per party, the fields only that party was given (an incursion's area, told to the area's
    /// party alone when the intruding party was not given it); see [`State::alert_view`].
    pub alert_private: BTreeMap<String, BTreeMap<String, Value>>,
    /// Alerts closed, conflicts resolved and messages every recipient acknowledged, with when (entry time),
    /// in the log's order: they leave memory after the retention period ([`State::retire`]); the log keeps
    /// them.
    pub done: VecDeque<(i64, Done)>,
    /// Per party, what it may list, in order (kept by apply beside the records; see [`Lists`]).
    pub lists: Lists,
    /// The sequence number the next entry gets.
    pub next_seq: u64,
    /// The time of the latest entry applied: entry times never go back (a write is stamped no earlier, and a
    /// log whose times go back is refused).
    pub last_time_ms: i64,
    /// The line as an F3548 DSS: operational intents, constraints, subscriptions, availability.
    pub dss: crate::dss::Dss,
    /// Humanitarian notifications by id ([`crate::notification`]).
    pub notifications: BTreeMap<String, crate::notification::Notification>,
    /// The open notifications pinning each declaration (by [`key`]): what a new version of it supersedes.
    /// A closed one leaves it (the site's whole history is in `site_readers`).
    pub notified: HashMap<String, BTreeSet<String>>,
    /// Per notifier, how many of its notifications are open.
    pub notifying: BTreeMap<String, usize>,
    /// Incidents reported, by id.
    pub incidents: BTreeMap<String, crate::notification::Incident>,
    /// Per party, how many incidents it reported.
    pub reported: BTreeMap<String, usize>,
    /// Deconfliction requests by id.
    pub deconfliction: BTreeMap<String, crate::notification::DeconflictionRequest>,
    /// Per party, how many of its requests are unanswered.
    pub asking: BTreeMap<String, usize>,
    /// Derived (not in the digest): per declaration key, the version whose content open notifications pin
    /// and that content, shared by every notification of it.
    pub pins: HashMap<String, (u64, std::sync::Arc<Value>)>,
    /// Derived: open notifications by when the line next has something to log for them
    /// ([`crate::notification::Notification::next_due`]).
    pub notifications_due: BTreeSet<(i64, String)>,
    /// Derived: declarations neither ended nor cancelled, by when the line next moves them (their first
    /// window's start while planned, their last window's end), by [`key`].
    pub lifecycle_due: BTreeSet<(i64, String)>,
    /// Derived: per recipient, per site id, the notifiers that notified it a site of that id (whatever became
    /// of the notification): where it may report an incident, found without looking at anyone else's.
    pub notified_to: HashMap<String, HashMap<String, BTreeSet<String>>>,
    /// Derived: per notifier, how many notifications it ever sent.
    pub sent_by: HashMap<String, usize>,
    /// Derived: per site (by [`key`]), per party, its reading of the site's notification history: the
    /// notifications of the site it sent or received, and how many entries that history holds for it. An
    /// incident's history walks the reporter's own, never every recipient's, and is refused past its bound
    /// before it is built.
    pub site_readers: HashMap<String, HashMap<String, SiteReading>>,
}

impl State {
    /// The state of an empty log, whose conflict index starts with `minima`.
    pub fn new(minima: Minima) -> Self {
        State {
            parties: BTreeMap::new(),
            credentials: BTreeMap::new(),
            fold: Declarations::new(),
            current: BTreeMap::new(),
            shared: HashMap::new(),
            index: ConflictIndex::new(minima),
            held: HashMap::new(),
            conflicts: BTreeMap::new(),
            open_conflicts: HashMap::new(),
            messages: BTreeMap::new(),
            agreements: Agreements::default(),
            alerts: BTreeMap::new(),
            alert_private: BTreeMap::new(),
            done: VecDeque::new(),
            lists: Lists::default(),
            next_seq: 0,
            last_time_ms: i64::MIN,
            dss: crate::dss::Dss::default(),
            notifications: BTreeMap::new(),
            notified: HashMap::new(),
            notifying: BTreeMap::new(),
            incidents: BTreeMap::new(),
            reported: BTreeMap::new(),
            deconfliction: BTreeMap::new(),
            asking: BTreeMap::new(),
            pins: HashMap::new(),
            notifications_due: BTreeSet::new(),
            lifecycle_due: BTreeSet::new(),
            notified_to: HashMap::new(),
            sent_by: HashMap::new(),
            site_readers: HashMap::new(),
        }
    }

    /// Reads, checks and applies one entry (replay, and entries other nodes appended).
    pub fn apply(&mut self, header: &EntryHeader, content: &[u8]) -> Result<Vec<Effect>, String> {
        let checked = self.check(header, content, None)?;
        Ok(self.apply_checked(header, checked))
    }
}

/// A change to what the server keeps beside the state, made by applying an entry.
#[derive(Debug, Clone)]
pub enum Effect {
    /// A credential was issued: its token now authenticates.
    TokenIssued {
        hash: [u8; 32],
        credential: Credential,
    },
    /// A credential was revoked: its token no longer authenticates.
    TokenRevoked { hash: [u8; 32] },
    /// A protected area (site, zone, side of a line) is in force in this version.
    Protected(Box<Declaration>),
    /// The declaration is no longer a protected area in force.
    Unprotected { party: String, id: String },
    /// Something that cannot happen did (an index refused an entry the check allowed): to be logged.
    Anomaly(String),
}

/// What the writer already read from an entry it is committing, so that [`State::check`] need not read it
/// again: it is used only when it is what the entry's content says.
#[derive(Debug)]
pub enum Prepared {
    /// A declaration's version (used if its id and version are the entry's).
    Declaration(Declaration),
    /// A DSS change with its records' volumes read (used if its change is the entry's).
    Dss(Box<crate::dss::Ready>),
}

/// An entry read and checked against the state by [`State::check`], ready to apply.
#[derive(Debug)]
pub enum Checked {
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
        /// Whose declaration (the entry's actor, or the party the line's own entry names).
        party: String,
        id: String,
        state: crate::event::StateChange,
    },
    ConflictFound {
        id: String,
        parties: [String; 2],
        /// The two declarations' keys.
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
        /// An answer's structured form.
        template: Option<Value>,
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
        /// The one party these fields are for (see [`crate::event::AlertHead::for_party`]).
        for_party: Option<String>,
        content: Value,
    },
    /// A DSS write, its records read.
    Dss(Box<crate::dss::Ready>),
    /// A notification, incident or deconfliction request's change.
    Notification(NotificationChange),
}
