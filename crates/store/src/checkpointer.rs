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
}

impl Checkpointer {
    pub fn new(signer: Signer, min_interval: Duration) -> Self {
        Checkpointer {
            signer,
            min_interval,
            last: None,
        }
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
            extensions: Vec::new(),
        };
        let text = checkpoint.to_text();
        let note = format!("{text}\n{}", self.signer.sign(&text, 0));
        let stored = StoredCheckpoint { size, note };
        store.put_checkpoint(stored.clone())?;
        self.last = Some(now);
        Ok(Some(stored))
    }
}
