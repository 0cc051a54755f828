//! Opening a line: replaying its log (embedded SQLite or PostgreSQL) through the fold, the line's settings
//! (limits, node name, clock), each party's write allowance, the lock, and checkpoints.

use super::*;

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
        #[cfg(feature = "postgres")]
        {
            let store: Arc<dyn LogStore> = Arc::new(deconflict_store::PgLog::open(url)?);
            Self::open_store(store, key_dir, origin, clock)
        }
        #[cfg(not(feature = "postgres"))]
        {
            let _ = (url, key_dir, origin, clock);
            Err(LineError::Storage(
                "this build has no PostgreSQL store (build deconflict with the `postgres` feature)"
                    .into(),
            ))
        }
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
            state: DomainState::new(minima),
            tokens: Arc::default(),
            protected: Arc::new(parking_lot::RwLock::new(ConflictIndex::new(minima))),
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
    pub(super) fn charge(&self, party: &str) -> Result<(), LineError> {
        self.charge_n(party, 1.0)
    }

    /// Takes `cost` writes from `party`'s allowance at once (at most a whole burst, so that any request
    /// within the bounds can pass on a full allowance), or refuses as [`Line::charge`]. Reads that cost the
    /// line as much as many writes (a proof bundle of thousands of entries, a report) are charged so.
    pub(super) fn charge_n(&self, party: &str, cost: f64) -> Result<(), LineError> {
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
        let cost = cost.clamp(1.0, burst);
        if *tokens < cost {
            return Err(LineError::Limit {
                limit: "writes_per_party_per_second",
                detail: format!(
                    "{party} writes faster than {rate} a second (after a burst of {burst}); retry shortly \
                     (limit writes_per_party_per_second)"
                ),
                rate: true,
            });
        }
        *tokens -= cost;
        Ok(())
    }

    /// The bounds on one declaration a party sends, from [`Line::limits`].
    pub(super) fn plan_limits(&self) -> PlanLimits {
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

    pub(super) fn lock(&self) -> Result<MutexGuard<'_, Inner>, LineError> {
        let inner = self.inner.lock();
        if inner.applying || self.failed.load(Ordering::SeqCst) {
            self.failed.store(true, Ordering::SeqCst);
            return Err(Self::refused());
        }
        Ok(inner)
    }

    /// What every request gets once the line has failed (see [`Line::lock`]).
    pub(super) fn refused() -> LineError {
        LineError::Failed(
            "the line has failed: an earlier write failed part-way, so it answers nothing until the server \
             is restarted and rebuilds its state from the log"
                .into(),
        )
    }

    /// Whether the line has failed and refuses every request (see `Line::lock`); `/healthz` says so.
    pub fn has_failed(&self) -> bool {
        self.failed.load(Ordering::SeqCst)
    }

    /// The bounds of one declaration write, as the domain's deciders take them.
    pub(super) fn version_bounds(&self) -> deconflict_domain::state::decide::VersionBounds {
        deconflict_domain::state::decide::VersionBounds {
            conflicts_per_write: self.limits.conflicts_per_write,
            declarations_per_party: self.limits.declarations_per_party,
            vertices_per_party: self.limits.vertices_per_party,
        }
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
}
