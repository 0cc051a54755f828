//! The log store port: what the rest of the system needs from storage, whatever the engine.
//!
//! Appends are linearizable through an expected-size check (a writer names the size it believes the log has;
//! a mismatch is a [`StoreError::SizeMismatch`] and nothing is written), and an append returns only once its
//! entries are durable. Entries are never changed or removed; sequence numbers are contiguous from 0.

use deconflict_ledger::canonical::{canonical_json, CanonicalError};
use deconflict_ledger::entry::{content_hash, EntryError};
use deconflict_ledger::merkle::{self, Hash, Nodes, ProofRequestError};
use deconflict_ledger::{Audience, EntryHeader};

/// An entry to append; the store gives it its sequence number.
#[derive(Debug, Clone)]
pub struct NewEntry {
    pub time_ms: i64,
    pub kind: String,
    pub actor: String,
    pub audience: Audience,
    pub content: serde_json::Value,
}

impl NewEntry {
    /// The header and canonical content bytes this entry gets at sequence `seq`.
    pub fn seal(&self, seq: u64) -> Result<StoredEntry, StoreError> {
        let content = canonical_json(&self.content).map_err(StoreError::Content)?;
        let header = EntryHeader {
            seq,
            time_ms: self.time_ms,
            kind: self.kind.clone(),
            actor: self.actor.clone(),
            audience: self.audience.clone(),
            content_hash: content_hash(&content),
        };
        header.validate().map_err(StoreError::Entry)?;
        Ok(StoredEntry { header, content })
    }
}

/// An entry as stored: the committed header and the canonical content bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEntry {
    pub header: EntryHeader,
    pub content: Vec<u8>,
}

/// What an append wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appended {
    /// Sequence number of the first entry written.
    pub first_seq: u64,
    /// Leaf hashes of the entries, in order.
    pub leaf_hashes: Vec<Hash>,
    /// Size of the log after the append.
    pub size: u64,
    /// The entries as stored (sealed headers and canonical content), so a writer need not read them back.
    pub entries: Vec<StoredEntry>,
}

/// A stored hash, which must be 32 bytes; `what` names it in the error.
/// What an append writes, as the adapters queue it: new entries, to be sealed at the log's end, or entries
/// the writer sealed itself at the sequence numbers it expects.
pub(crate) enum Batch {
    New(Vec<NewEntry>),
    Sealed(Vec<StoredEntry>),
}

impl Batch {
    /// The entries as stored from sequence number `at` on: new ones sealed there, or sealed ones checked to
    /// belong there (else a size mismatch) and to match their content hashes.
    pub(crate) fn sealed_at(&self, at: u64) -> Result<Vec<StoredEntry>, StoreError> {
        match self {
            Batch::New(entries) => entries
                .iter()
                .enumerate()
                .map(|(i, e)| e.seal(at + i as u64))
                .collect(),
            Batch::Sealed(entries) => {
                if entries.iter().any(|e| {
                    e.header.content_hash != deconflict_ledger::entry::content_hash(&e.content)
                }) {
                    Err(StoreError::Corrupt(
                        "a sealed entry's content does not match its hash".into(),
                    ))
                } else if entries
                    .iter()
                    .enumerate()
                    .all(|(i, e)| e.header.seq == at + i as u64)
                {
                    Ok(entries.clone())
                } else {
                    Err(StoreError::SizeMismatch {
                        expected: entries.first().map_or(at, |e| e.header.seq),
                        actual: at,
                    })
                }
            }
        }
    }
}

pub(crate) fn hash_of(bytes: Vec<u8>, what: &str) -> Result<Hash, StoreError> {
    bytes
        .try_into()
        .map_err(|_| StoreError::Corrupt(format!("{what} is not 32 bytes")))
}

/// An append queued with [`LogStore::submit_sealed`], not yet known to be durable.
#[derive(Debug)]
#[must_use = "an append is durable only once wait() returns Ok"]
pub struct PendingAppend(std::sync::mpsc::Receiver<Result<Appended, StoreError>>);

impl PendingAppend {
    /// An append whose outcome will come over `receiver`.
    pub fn new(receiver: std::sync::mpsc::Receiver<Result<Appended, StoreError>>) -> Self {
        PendingAppend(receiver)
    }

    /// An append that is already done (or failed).
    pub fn done(result: Result<Appended, StoreError>) -> Self {
        let (send, receive) = std::sync::mpsc::channel();
        let _ = send.send(result);
        PendingAppend(receive)
    }

    /// Waits until the append is durable (or failed).
    pub fn wait(self) -> Result<Appended, StoreError> {
        self.0.recv().map_err(|_| StoreError::Closed)?
    }
}

/// Store errors.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    #[error(
        "the log has {actual} entries, not the {expected} the writer expected; nothing was written"
    )]
    SizeMismatch { expected: u64, actual: u64 },
    #[error("entry content: {0}")]
    Content(CanonicalError),
    #[error("entry: {0}")]
    Entry(EntryError),
    #[error("{0}")]
    Proof(ProofRequestError),
    #[error("the store is corrupt: {0}")]
    Corrupt(String),
    #[error("storage failed: {0}")]
    Storage(String),
    #[error("the store is closed")]
    Closed,
}

/// A signed checkpoint as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCheckpoint {
    pub size: u64,
    /// The signed note.
    pub note: String,
}

/// The log store.
pub trait LogStore: Send + Sync + std::fmt::Debug {
    /// Appends entries atomically at the end of the log, or only if the log has `expected_size` entries.
    /// Returns once the entries are durable.
    fn append(
        &self,
        expected_size: Option<u64>,
        entries: Vec<NewEntry>,
    ) -> Result<Appended, StoreError>;
    /// As [`LogStore::append`], with entries the writer sealed itself (with [`NewEntry::seal`]) at the
    /// sequence numbers from the log's size on; entries sealed for other sequence numbers are a size mismatch
    /// and nothing is written.
    fn append_sealed(
        &self,
        expected_size: Option<u64>,
        entries: Vec<StoredEntry>,
    ) -> Result<Appended, StoreError>;
    /// Queues [`LogStore::append_sealed`] without waiting for it to be durable, for a writer that submits
    /// under its own lock and waits outside it. Appends are written in the order they are submitted. By
    /// default the append is done before this returns.
    fn submit_sealed(
        &self,
        expected_size: Option<u64>,
        entries: Vec<StoredEntry>,
    ) -> Result<PendingAppend, StoreError> {
        Ok(PendingAppend::done(
            self.append_sealed(expected_size, entries),
        ))
    }
    /// Number of entries.
    fn size(&self) -> Result<u64, StoreError>;
    /// Entries `[from, from + limit)` that exist, in order.
    fn entries(&self, from: u64, limit: usize) -> Result<Vec<StoredEntry>, StoreError>;
    /// A node of the Merkle tree: leaves `[index·2^level, (index+1)·2^level)`, which must be complete.
    fn node(&self, level: u8, index: u64) -> Result<Hash, StoreError>;
    /// Stores a signed checkpoint for a size the log has reached.
    fn put_checkpoint(&self, checkpoint: StoredCheckpoint) -> Result<(), StoreError>;
    /// The checkpoint of the largest size, if any.
    fn latest_checkpoint(&self) -> Result<Option<StoredCheckpoint>, StoreError>;
    /// Every checkpoint, by size.
    fn checkpoints(&self) -> Result<Vec<StoredCheckpoint>, StoreError>;

    /// Whether other processes may append to this log while it is open (then a server follows the log and
    /// applies an entry only once it is durable). The embedded store is locked to one process: `false`.
    fn shared(&self) -> bool {
        false
    }

    /// Holds the end of a shared log: returns the entries from `known` to the end, and the end itself, at
    /// which nobody else can append until the hold appends its entries or is dropped (which appends
    /// nothing). For a node that writes to a log other nodes also write to: it applies what it missed,
    /// checks its writes against everything before them, and appends them without racing anyone. Only
    /// stores that are [`LogStore::shared`] hold their end.
    fn hold_end(&self, known: u64) -> Result<(Vec<StoredEntry>, Box<dyn HeldEnd>), StoreError> {
        let _ = known;
        Err(StoreError::Storage(
            "this store has one writer; there is no end to hold".into(),
        ))
    }

    /// Waits until the log may have more than `known` entries, or `timeout` passed; returns the size then
    /// seen. A store nobody else writes to has nothing to wait for: by default this sleeps and reads the size.
    fn await_growth(&self, known: u64, timeout: std::time::Duration) -> Result<u64, StoreError> {
        let size = self.size()?;
        if size <= known {
            std::thread::sleep(timeout);
        }
        Ok(size)
    }

    /// One entry.
    fn entry(&self, seq: u64) -> Result<Option<StoredEntry>, StoreError> {
        Ok(self.entries(seq, 1)?.into_iter().next())
    }
}

/// The end of a shared log, held (see [`LogStore::hold_end`]).
pub trait HeldEnd: Send + Sync + std::fmt::Debug {
    /// Appends entries sealed from the held end on, and lets the end go; returns once they are durable.
    fn append(self: Box<Self>, entries: Vec<StoredEntry>) -> Result<Appended, StoreError>;
}

/// Tree operations over any store.
pub struct Tree<'a, S: LogStore + ?Sized>(pub &'a S);

impl<S: LogStore + ?Sized> std::fmt::Debug for Tree<'_, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Tree")
    }
}

impl<S: LogStore + ?Sized> Nodes for Tree<'_, S> {
    type Error = StoreError;
    fn node(&self, level: u8, index: u64) -> Result<Hash, StoreError> {
        self.0.node(level, index)
    }
}

impl<S: LogStore + ?Sized> Tree<'_, S> {
    pub fn root(&self, size: u64) -> Result<Hash, StoreError> {
        merkle::root(self, size)
    }

    pub fn inclusion_proof(&self, seq: u64, size: u64) -> Result<Vec<Hash>, StoreError> {
        merkle::inclusion_proof(self, seq, size)?.map_err(StoreError::Proof)
    }

    pub fn consistency_proof(&self, old: u64, new: u64) -> Result<Vec<Hash>, StoreError> {
        merkle::consistency_proof(self, old, new)?.map_err(StoreError::Proof)
    }
}
