//! Signing checkpoints: whenever the log has grown, at a bounded rate.

use std::time::{Duration, Instant};

use deconflict_ledger::note::Signer;
use deconflict_ledger::Checkpoint;

use crate::port::{LogStore, StoreError, StoredCheckpoint, Tree};

/// Signs a checkpoint of the current size if the log grew since the last one and `min_interval` has passed
/// since this checkpointer last signed.
#[derive(Debug)]
pub struct Checkpointer {
    signer: Signer,
    min_interval: Duration,
    last: Option<Instant>,
    /// Extension lines every checkpoint carries (e.g. [`EXERCISE`] on an exercise's log).
    extensions: Vec<String>,
}

/// The extension line every checkpoint of an exercise's log carries.
pub const EXERCISE: &str = "exercise: this log's clock is not real time";

impl Checkpointer {
    pub fn new(signer: Signer, min_interval: Duration) -> Self {
        Checkpointer {
            signer,
            min_interval,
            last: None,
            extensions: Vec::new(),
        }
    }

    /// Every checkpoint signed from now on carries the extension line `line` (one line, not empty).
    pub fn with_extension(mut self, line: &str) -> Self {
        self.extensions.push(line.to_string());
        self
    }

    pub fn origin(&self) -> &str {
        &self.signer.verifier().name
    }

    /// Returns the new checkpoint if one was signed.
    pub fn tick<S: LogStore + ?Sized>(
        &mut self,
        store: &S,
        now: Instant,
    ) -> Result<Option<StoredCheckpoint>, StoreError> {
        if self
            .last
            .is_some_and(|t| now.duration_since(t) < self.min_interval)
        {
            return Ok(None);
        }
        self.sign_now(store, now)
    }

    /// Signs a checkpoint now if the log grew since the latest one.
    /// How long ago this checkpointer last signed, if it has.
    pub fn since_last(&self, now: Instant) -> Option<Duration> {
        self.last.map(|l| now.saturating_duration_since(l))
    }

    pub fn sign_now<S: LogStore + ?Sized>(
        &mut self,
        store: &S,
        now: Instant,
    ) -> Result<Option<StoredCheckpoint>, StoreError> {
        let size = store.size()?;
        let latest = store.latest_checkpoint()?.map_or(0, |c| c.size);
        if size == 0 || size <= latest {
            return Ok(None);
        }
        let checkpoint = Checkpoint {
            origin: self.signer.verifier().name.clone(),
            size,
            root: Tree(store).root(size)?,
            extensions: self.extensions.clone(),
        };
        let text = checkpoint.to_text();
        let note = format!("{text}\n{}", self.signer.sign(&text, 0));
        let stored = StoredCheckpoint { size, note };
        store.put_checkpoint(stored.clone())?;
        self.last = Some(now);
        Ok(Some(stored))
    }
}
