//! How a change reaches the log: entries are sealed, applied and made durable together (group commit); on a
//! shared log, writes are gathered in a batch at the log's end, which this node holds meanwhile, and the
//! follower keeps the line current with other nodes' entries between writes.

use super::*;

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

impl Line {
    /// Applies entries sealed at `inner.next_seq` on, and keeps them as stream events. `checked` holds what
    /// [`Inner::check`] made of each when the caller checked them before appending them; otherwise (entries
    /// read from the log) each is checked here, and one that fails stops the line (the log is the truth: an
    /// entry cannot be skipped).
    pub(super) fn apply_sealed(
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
    pub(super) fn grew(&self, size: u64) {
        self.durable.fetch_max(size, Ordering::SeqCst);
        // Nobody listening is fine.
        let _ = self.grown.send(size);
    }

    /// The entries a decider decided, as `party` writes them now: stamped with the line's time and sealed
    /// where the decider asked for it.
    pub(super) fn stamp(&self, party: &str, decided: Vec<Decided>) -> Vec<NewEntry> {
        let time_ms = self.clock.now_ms();
        decided
            .into_iter()
            .map(|d| NewEntry {
                time_ms,
                kind: d.kind.into(),
                actor: party.into(),
                audience: match &d.told {
                    Told::Parties(p) => Audience::Parties(p.clone()),
                    Told::Sealed(p) => sealed(p),
                },
                content: d.content,
            })
            .collect()
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
    pub(super) fn commit(
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
    pub(super) fn write<T>(
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
    pub(super) fn catch_up(&self, inner: &mut MutexGuard<'_, Inner>) -> Result<u64, LineError> {
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
}
