//! The PostgreSQL adapter: the same log in a database that several server nodes can share.
//!
//! Appends are linearizable: each transaction first locks the log's end (the one row of `log_head`,
//! `SELECT … FOR UPDATE`), so appends from every process queue in one order, then writes its entries at the
//! next sequence numbers, moves the end and commits; an append that named another expected size gets
//! [`StoreError::SizeMismatch`] with nothing written, and the entries' primary key is a second guard. One
//! writer thread per process takes the appends in the order they were queued and commits every append
//! waiting in one transaction (group commit); an append returns once PostgreSQL has made its transaction
//! durable. The same thread serves holds of the end ([`LogStore::hold_end`]): it locks the end, hands the
//! holder what it missed, and keeps the transaction open until the holder appends or lets go; its
//! connection sets `idle_in_transaction_session_timeout`, so a holder that died stops the others for 10 s
//! at most. Leaves live in `entries` (their hashes are the tree's level 0), interior nodes in `nodes`,
//! written in the same transaction as the leaves that complete them. The schema is versioned
//! (`migrations/postgres/`): opening applies what is missing and refuses a database whose schema is newer
//! than the binary.
//!
//! Several processes may share the log ([`LogStore::shared`]). Each learns that the log grew from a watcher
//! thread ([`LogStore::await_growth`]): it `LISTEN`s on the channel `deconflict_log`, which every append's
//! transaction notifies, and reads the size at least once a second; where the database has no LISTEN
//! (CockroachDB), it reads the size every 100 ms instead.
//!
//! The statements avoid what PostgreSQL-compatible distributed databases lack (advisory locks, `LOCK TABLE`,
//! sequences for the log's order; LISTEN/NOTIFY is used only where it works): plain tables, primary keys,
//! one-row `SELECT … FOR UPDATE` and `ON CONFLICT DO NOTHING`.
//!
//! The `postgres` client blocks on a runtime of its own, which must not run on an async executor's thread;
//! so each connection lives on a thread of its own and callers hand it work over a channel.
//!
//! Longer than the project's ~800 lines on purpose: it is one adapter of [`crate::LogStore`], and its SQL,
//! its connection threads and the protocol of a shared log's end (held, appended, released) are read and
//! reviewed together; the tests that need no database are in `postgres_tests.rs`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::thread::JoinHandle;
use std::time::Duration;

use deconflict_ledger::merkle::Hash;
use deconflict_ledger::{Audience, EntryHeader};
use postgres::error::SqlState;
use postgres::fallible_iterator::FallibleIterator;
use postgres::{Client, NoTls};

use crate::frontier::Frontier;
use crate::port::{
    hash_of, Appended, Batch, HeldEnd, LogStore, NewEntry, PendingAppend, StoreError,
    StoredCheckpoint, StoredEntry,
};

/// The migrations, in order; migration `i` (from 0) brings the schema to version `i + 1`.
const MIGRATIONS: [&str; 2] = [
    include_str!("../migrations/postgres/0001_log.sql"),
    include_str!("../migrations/postgres/0002_log_head.sql"),
];
/// The schema this binary writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;
/// Connections, each on its own thread.
const CONNECTIONS: usize = 4;
/// Attempts of an append without an expected size when other writers keep taking the end of the log.
const MAX_RETRIES: usize = 1000;

fn pg(e: postgres::Error) -> StoreError {
    StoreError::Storage(format!("postgresql: {e}"))
}

type Job = Box<dyn FnOnce(&mut Client) + Send>;

/// An append queued to the writer thread.
struct Write {
    expected: Option<u64>,
    batch: Batch,
    reply: mpsc::Sender<Result<Appended, StoreError>>,
}

/// Most appends committed in one transaction.
const MAX_GROUP: usize = 1024;
/// The channel every append notifies.
const CHANNEL: &str = "deconflict_log";
/// How often the watcher reads the log's size: with notifications (a safety net), and without.
const POLL_LISTENING: Duration = Duration::from_secs(1);
const POLL_ONLY: Duration = Duration::from_millis(100);

/// What the watcher thread last saw of the log's size, for [`LogStore::await_growth`].
#[derive(Debug, Default)]
struct Watch {
    size: Mutex<u64>,
    grew: Condvar,
    /// Set when the log is dropped; the watcher ends at its next wake-up.
    stop: AtomicBool,
}

/// A log in a PostgreSQL database (see the module's documentation).
pub struct PgLog {
    jobs: Mutex<Option<mpsc::Sender<Job>>>,
    /// Appends and holds, in the order they were queued, to the writer thread.
    writes: Mutex<Option<mpsc::Sender<Request>>>,
    workers: Vec<JoinHandle<()>>,
    /// The database, to connect the watcher when it is first needed.
    url: String,
    /// Whether the database takes LISTEN/NOTIFY (decided on open).
    listen: bool,
    /// The watcher thread's view of the size, started by the first [`LogStore::await_growth`].
    watch: OnceLock<Arc<Watch>>,
}

impl std::fmt::Debug for PgLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgLog")
            .field("connections", &self.workers.len())
            .finish()
    }
}

/// Connects, saying which database could not be reached and why.
fn connect(url: &str) -> Result<Client, StoreError> {
    Client::connect(url, NoTls).map_err(|e| {
        StoreError::Storage(format!("cannot reach the database at {}: {e}", redact(url)))
    })
}

/// How long the database lets a transaction sit idle: a node that died while it held the end of the log
/// (see [`LogStore::hold_end`]) keeps the other nodes waiting at most this long.
const IDLE_IN_TRANSACTION_MS: u32 = 10_000;

/// The writer's connection: as [`connect`], and a transaction left idle (its node gone) is ended by the
/// database. Where the setting is unknown, the connection is kept as it is.
fn connect_writer(url: &str) -> Result<Client, StoreError> {
    let mut client = connect(url)?;
    let _ = client.batch_execute(&format!(
        "SET idle_in_transaction_session_timeout = {IDLE_IN_TRANSACTION_MS}"
    ));
    Ok(client)
}

/// The URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:…{}", &url[..scheme + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// Brings the schema to [`SCHEMA_VERSION`]; refuses a newer one. Each migration and the row that records it
/// commit together, so two nodes migrating at once cannot both apply one (the second fails on the key and
/// finds it done).
fn migrate(client: &mut Client) -> Result<(), StoreError> {
    client
        .batch_execute(
            "CREATE TABLE IF NOT EXISTS deconflict_schema (version BIGINT PRIMARY KEY, applied_ms BIGINT NOT NULL)",
        )
        .map_err(pg)?;
    for _ in 0..3 {
        let current: i64 = client
            .query_one(
                "SELECT COALESCE(MAX(version), 0) FROM deconflict_schema",
                &[],
            )
            .map_err(pg)?
            .get(0);
        if current > SCHEMA_VERSION {
            return Err(StoreError::Storage(format!(
                "the database's schema is version {current}, newer than this binary's {SCHEMA_VERSION}; \
                 run a newer deconflict"
            )));
        }
        if current == SCHEMA_VERSION {
            return Ok(());
        }
        let result = (|| -> Result<(), postgres::Error> {
            let mut tx = client.transaction()?;
            for (i, sql) in MIGRATIONS.iter().enumerate().skip(current as usize) {
                tx.batch_execute(sql)?;
                let now = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_millis() as i64);
                tx.execute(
                    "INSERT INTO deconflict_schema (version, applied_ms) VALUES ($1, $2)",
                    &[&(i as i64 + 1), &now],
                )?;
            }
            tx.commit()
        })();
        match result {
            Ok(()) => return Ok(()),
            // Another node migrated at the same moment: read again.
            Err(e) if is_conflict(&e) || e.code() == Some(&SqlState::DUPLICATE_TABLE) => continue,
            Err(e) => return Err(pg(e)),
        }
    }
    Err(StoreError::Storage(
        "the schema could not be brought up to date".into(),
    ))
}

/// A write that lost a race with another writer.
fn is_conflict(e: &postgres::Error) -> bool {
    matches!(
        e.code(),
        Some(c) if *c == SqlState::UNIQUE_VIOLATION || *c == SqlState::T_R_SERIALIZATION_FAILURE
    )
}

fn read_size(client: &mut impl postgres::GenericClient) -> Result<u64, postgres::Error> {
    let size: i64 = client
        .query_one("SELECT COALESCE(MAX(seq) + 1, 0) FROM entries", &[])?
        .get(0);
    Ok(size as u64)
}

/// Locks the end of the log for this transaction (appends queue here) and reads the size there.
fn lock_head(client: &mut impl postgres::GenericClient) -> Result<u64, postgres::Error> {
    let size: i64 = client
        .query_one("SELECT size FROM log_head WHERE id = 1 FOR UPDATE", &[])?
        .get(0);
    Ok(size as u64)
}

fn read_node(
    client: &mut impl postgres::GenericClient,
    level: u8,
    index: u64,
) -> Result<Hash, StoreError> {
    let row = if level == 0 {
        client
            .query_opt(
                "SELECT leaf_hash FROM entries WHERE seq = $1",
                &[&(index as i64)],
            )
            .map_err(pg)?
    } else {
        client
            .query_opt(
                "SELECT hash FROM nodes WHERE level = $1 AND idx = $2",
                &[&i16::from(level), &(index as i64)],
            )
            .map_err(pg)?
    };
    let row =
        row.ok_or_else(|| StoreError::Corrupt(format!("node ({level}, {index}) is not complete")))?;
    hash_of(row.get(0), "a node")
}

fn entry_from_row(row: &postgres::Row) -> Result<StoredEntry, StoreError> {
    let seq: i64 = row.get(0);
    let audience: String = row.get(4);
    Ok(StoredEntry {
        header: EntryHeader {
            seq: seq as u64,
            time_ms: row.get(1),
            kind: row.get(2),
            actor: row.get(3),
            audience: Audience::from_field(&audience),
            content_hash: hash_of(row.get(5), "a content hash")?,
        },
        content: row.get(6),
    })
}

/// The frontier at `size`: this process's cached one if nobody appended since, else read from the tree.
fn frontier_at(
    tx: &mut postgres::Transaction<'_>,
    cache: &Mutex<Option<Frontier>>,
    size: u64,
) -> Result<Frontier, StoreError> {
    let cached = cache
        .lock()
        .ok()
        .and_then(|c| c.as_ref().filter(|f| f.size == size).cloned());
    match cached {
        Some(f) => Ok(f),
        None => Frontier::at(size, |level, index| read_node(tx, level, index)),
    }
}

/// Writes sealed entries at the frontier's end, with the interior nodes they complete; their leaf hashes.
fn insert(
    tx: &mut postgres::Transaction<'_>,
    frontier: &mut Frontier,
    sealed: &[StoredEntry],
) -> Result<Vec<Hash>, postgres::Error> {
    let insert_entry = tx.prepare(
        "INSERT INTO entries (seq, time_ms, kind, actor, audience, content_hash, content, leaf_hash) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )?;
    let insert_node = tx.prepare("INSERT INTO nodes (level, idx, hash) VALUES ($1, $2, $3)")?;
    let mut leaf_hashes = Vec::with_capacity(sealed.len());
    for e in sealed {
        let h = &e.header;
        let leaf = h.leaf_hash();
        tx.execute(
            &insert_entry,
            &[
                &(h.seq as i64),
                &h.time_ms,
                &h.kind,
                &h.actor,
                &h.audience.to_field(),
                &h.content_hash.as_slice(),
                &e.content,
                &leaf.as_slice(),
            ],
        )?;
        for (level, idx, hash) in frontier.push(leaf) {
            tx.execute(
                &insert_node,
                &[&i16::from(level), &(idx as i64), &hash.as_slice()],
            )?;
        }
        leaf_hashes.push(leaf);
    }
    Ok(leaf_hashes)
}

/// Moves the end of the log to `size` and notifies those listening, before the commit.
fn finish(
    tx: &mut postgres::Transaction<'_>,
    size: u64,
    notify: bool,
) -> Result<(), postgres::Error> {
    tx.execute(
        "UPDATE log_head SET size = $1 WHERE id = 1",
        &[&(size as i64)],
    )?;
    if notify {
        tx.execute("SELECT pg_notify($1, '')", &[&CHANNEL])?;
    }
    Ok(())
}

/// One attempt at a group of appends in one transaction, in order: each gets its own result (a wrong size or
/// a bad entry fails only its own append); `Err(_)` is a database error for the whole group.
fn try_group(
    client: &mut Client,
    cache: &Mutex<Option<Frontier>>,
    group: &[Write],
    notify: bool,
) -> Result<(Vec<Result<Appended, StoreError>>, Frontier), postgres::Error> {
    let mut tx = client.transaction()?;
    let size = lock_head(&mut tx)?;
    let mut frontier = match frontier_at(&mut tx, cache, size) {
        Ok(f) => f,
        Err(e) => {
            let failed = group.iter().map(|_| Err(e.clone())).collect();
            return Ok((failed, Frontier::default()));
        }
    };
    let mut results = Vec::with_capacity(group.len());
    for write in group {
        let at = frontier.size;
        if let Some(expected) = write.expected {
            if expected != at {
                results.push(Err(StoreError::SizeMismatch {
                    expected,
                    actual: at,
                }));
                continue;
            }
        }
        let sealed = match write.batch.sealed_at(at) {
            Ok(s) => s,
            Err(e) => {
                results.push(Err(e));
                continue;
            }
        };
        let leaf_hashes = insert(&mut tx, &mut frontier, &sealed)?;
        results.push(Ok(Appended {
            first_seq: at,
            leaf_hashes,
            size: frontier.size,
            entries: sealed,
        }));
    }
    if frontier.size != size {
        finish(&mut tx, frontier.size, notify)?;
    }
    tx.commit()?;
    Ok((results, frontier))
}

/// A hold of the log's end (see [`LogStore::hold_end`]), as the writer thread serves it.
struct Hold {
    known: u64,
    /// The entries from `known` to the end, once the end is held.
    missed: mpsc::Sender<Result<Vec<StoredEntry>, StoreError>>,
    /// The entries to append at the end; a closed channel lets the end go with nothing appended.
    take: mpsc::Receiver<Vec<StoredEntry>>,
    done: mpsc::Sender<Result<Appended, StoreError>>,
}

/// Serves a hold on the writer thread: lock the end, hand over what the holder missed, wait for its
/// entries, append them and commit (or roll back if it let go).
fn serve_hold(client: &mut Client, cache: &Mutex<Option<Frontier>>, hold: Hold, notify: bool) {
    let result = (|| -> Result<Option<(Appended, Frontier)>, StoreError> {
        let mut tx = client.transaction().map_err(pg)?;
        let size = lock_head(&mut tx).map_err(pg)?;
        let missed = tx
            .query(
                "SELECT seq, time_ms, kind, actor, audience, content_hash, content FROM entries \
                 WHERE seq >= $1 AND seq < $2 ORDER BY seq",
                &[&(hold.known.min(size) as i64), &(size as i64)],
            )
            .map_err(pg)?
            .iter()
            .map(entry_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        if hold.missed.send(Ok(missed)).is_err() {
            return Ok(None);
        }
        let Ok(entries) = hold.take.recv() else {
            return Ok(None);
        };
        let sealed = Batch::Sealed(entries).sealed_at(size)?;
        let mut frontier = frontier_at(&mut tx, cache, size)?;
        let leaf_hashes = insert(&mut tx, &mut frontier, &sealed).map_err(pg)?;
        finish(&mut tx, frontier.size, notify).map_err(pg)?;
        tx.commit().map_err(pg)?;
        Ok(Some((
            Appended {
                first_seq: size,
                leaf_hashes,
                size: frontier.size,
                entries: sealed,
            },
            frontier,
        )))
    })();
    match result {
        Ok(Some((appended, frontier))) => {
            if let Ok(mut c) = cache.lock() {
                *c = Some(frontier);
            }
            let _ = hold.done.send(Ok(appended));
        }
        Ok(None) => {}
        Err(e) => {
            // Whichever side is waiting hears why.
            let _ = hold.missed.send(Err(e.clone()));
            let _ = hold.done.send(Err(e));
        }
    }
}

/// The holder's side of a [`Hold`].
#[derive(Debug)]
struct PgHeldEnd {
    take: mpsc::Sender<Vec<StoredEntry>>,
    done: Mutex<mpsc::Receiver<Result<Appended, StoreError>>>,
}

impl HeldEnd for PgHeldEnd {
    fn append(self: Box<Self>, entries: Vec<StoredEntry>) -> Result<Appended, StoreError> {
        self.take.send(entries).map_err(|_| StoreError::Closed)?;
        self.done
            .lock()
            .map_err(|_| StoreError::Closed)?
            .recv()
            .map_err(|_| StoreError::Closed)?
    }
}

/// What the writer thread is asked to do.
enum Request {
    Write(Write),
    Hold(Hold),
}

/// The writer thread: takes every append queued, commits them together, answers each; a hold is served
/// alone, in its turn. When another node took the end of the log first, appends that named a size fail with
/// [`StoreError::SizeMismatch`] and the others go again at the new end.
fn writer(
    mut client: Client,
    url: String,
    queue: mpsc::Receiver<Request>,
    cache: Arc<Mutex<Option<Frontier>>>,
    notify: bool,
) {
    let mut next = None;
    loop {
        let first = match next.take() {
            Some(r) => r,
            None => match queue.recv() {
                Ok(r) => r,
                Err(_) => return,
            },
        };
        if client.is_closed() {
            if let Ok(c) = connect_writer(&url) {
                client = c;
            }
        }
        let mut group = match first {
            Request::Hold(hold) => {
                serve_hold(&mut client, &cache, hold, notify);
                continue;
            }
            Request::Write(w) => vec![w],
        };
        while group.len() < MAX_GROUP {
            match queue.try_recv() {
                Ok(Request::Write(w)) => group.push(w),
                Ok(hold) => {
                    next = Some(hold);
                    break;
                }
                Err(_) => break,
            }
        }
        let mut attempts = 0;
        while !group.is_empty() {
            match try_group(&mut client, &cache, &group, notify) {
                Ok((results, frontier)) => {
                    if let Ok(mut c) = cache.lock() {
                        *c = Some(frontier);
                    }
                    for (w, r) in group.drain(..).zip(results) {
                        let _ = w.reply.send(r);
                    }
                }
                Err(e) if is_conflict(&e) && attempts < MAX_RETRIES => {
                    attempts += 1;
                    let actual = read_size(&mut client).unwrap_or(0);
                    group.retain(|w| match w.expected {
                        Some(expected) => {
                            let _ = w
                                .reply
                                .send(Err(StoreError::SizeMismatch { expected, actual }));
                            false
                        }
                        None => true,
                    });
                }
                Err(e) => {
                    let failure = pg(e);
                    for w in group.drain(..) {
                        let _ = w.reply.send(Err(failure.clone()));
                    }
                }
            }
        }
    }
}

impl PgLog {
    /// Connects to the database at `url` (`postgres://user[:password]@host:port/database`), brings its
    /// schema up to date, and starts the connections' threads.
    pub fn open(url: &str) -> Result<Self, StoreError> {
        Self::open_with(url, true)
    }

    /// As [`PgLog::open`], never using LISTEN/NOTIFY: the log's growth is learnt by reading its size every
    /// 100 ms, as on a database that has no LISTEN (CockroachDB), or behind a connection pooler that breaks
    /// it (PgBouncer in transaction mode).
    pub fn open_polling(url: &str) -> Result<Self, StoreError> {
        Self::open_with(url, false)
    }

    fn open_with(url: &str, try_listen: bool) -> Result<Self, StoreError> {
        let mut first = connect(url)?;
        migrate(&mut first)?;
        let listen = try_listen
            && first
                .batch_execute(&format!("LISTEN {CHANNEL}; UNLISTEN {CHANNEL}"))
                .is_ok();
        let (send, receive) = mpsc::channel::<Job>();
        let receive = Arc::new(Mutex::new(receive));
        let mut workers = Vec::with_capacity(CONNECTIONS);
        let mut clients = vec![first];
        for _ in 1..CONNECTIONS {
            clients.push(connect(url)?);
        }
        for (i, mut client) in clients.into_iter().enumerate() {
            let receive = Arc::clone(&receive);
            let url = url.to_string();
            let worker = std::thread::Builder::new()
                .name(format!("deconflict-pg-{i}"))
                .spawn(move || loop {
                    let job = match receive.lock() {
                        Ok(r) => r.recv(),
                        Err(_) => return,
                    };
                    let Ok(job) = job else { return };
                    // A connection the server dropped is made again before the next job.
                    if client.is_closed() {
                        if let Ok(c) = connect(&url) {
                            client = c;
                        }
                    }
                    job(&mut client);
                })
                .map_err(|e| StoreError::Storage(format!("cannot start a thread: {e}")))?;
            workers.push(worker);
        }
        let (write, queue) = mpsc::channel::<Request>();
        let writer_client = connect_writer(url)?;
        // The right edge of the tree at the size this process last wrote, to extend it without reads.
        let cache = Arc::new(Mutex::new(None));
        let (writer_url, writer_cache) = (url.to_string(), cache);
        workers.push(
            std::thread::Builder::new()
                .name("deconflict-pg-writer".into())
                .spawn(move || writer(writer_client, writer_url, queue, writer_cache, listen))
                .map_err(|e| StoreError::Storage(format!("cannot start a thread: {e}")))?,
        );
        Ok(PgLog {
            jobs: Mutex::new(Some(send)),
            writes: Mutex::new(Some(write)),
            workers,
            url: url.to_string(),
            listen,
            watch: OnceLock::new(),
        })
    }

    /// The size the log's end row (`log_head`) records, which appends start from; it must equal the number
    /// of entries (`deconflict log fsck --database-url` checks it).
    pub fn head(&self) -> Result<u64, StoreError> {
        self.run(|client| {
            let size: i64 = client
                .query_one("SELECT size FROM log_head WHERE id = 1", &[])
                .map_err(pg)?
                .get(0);
            Ok(size as u64)
        })
    }

    /// The watcher's view of the size, starting the watcher thread the first time.
    fn watch(&self) -> Result<Arc<Watch>, StoreError> {
        if let Some(w) = self.watch.get() {
            return Ok(Arc::clone(w));
        }
        let watch = Arc::new(Watch::default());
        let mut client = connect(&self.url)?;
        let listening = self.listen && client.batch_execute(&format!("LISTEN {CHANNEL}")).is_ok();
        *watch.size.lock().map_err(|_| StoreError::Closed)? = read_size(&mut client).map_err(pg)?;
        let (theirs, url) = (Arc::clone(&watch), self.url.clone());
        std::thread::Builder::new()
            .name("deconflict-pg-watch".into())
            .spawn(move || watcher(client, &url, listening, &theirs))
            .map_err(|e| StoreError::Storage(format!("cannot start a thread: {e}")))?;
        // Another caller may have started one first: use that and let this one end.
        let kept = Arc::clone(self.watch.get_or_init(|| Arc::clone(&watch)));
        if !Arc::ptr_eq(&kept, &watch) {
            watch.stop.store(true, Ordering::SeqCst);
        }
        Ok(kept)
    }

    /// Queues an append to the writer thread.
    fn queue(&self, expected: Option<u64>, batch: Batch) -> Result<PendingAppend, StoreError> {
        let (reply, answered) = mpsc::channel();
        self.writes
            .lock()
            .map_err(|_| StoreError::Closed)?
            .as_ref()
            .ok_or(StoreError::Closed)?
            .send(Request::Write(Write {
                expected,
                batch,
                reply,
            }))
            .map_err(|_| StoreError::Closed)?;
        Ok(PendingAppend::new(answered))
    }

    /// Runs `f` on one of the connections and waits for its answer.
    fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Client) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let (answer, answered) = mpsc::channel();
        let job: Job = Box::new(move |client| {
            let _ = answer.send(f(client));
        });
        self.jobs
            .lock()
            .map_err(|_| StoreError::Closed)?
            .as_ref()
            .ok_or(StoreError::Closed)?
            .send(job)
            .map_err(|_| StoreError::Closed)?;
        answered.recv().map_err(|_| StoreError::Closed)?
    }
}

/// The watcher thread: waits for a notification (or polls), reads the size, and wakes those waiting when the
/// log grew. A lost connection is made again after a pause; meanwhile waiters time out and go on.
fn watcher(mut client: Client, url: &str, listening: bool, watch: &Watch) {
    while !watch.stop.load(Ordering::SeqCst) {
        if listening {
            // Wait for one notification or the poll period; then take whatever else arrived.
            let _ = client.notifications().timeout_iter(POLL_LISTENING).next();
            while let Ok(Some(_)) = client.notifications().iter().next() {}
        } else {
            std::thread::sleep(POLL_ONLY);
        }
        match read_size(&mut client) {
            Ok(size) => {
                if let Ok(mut seen) = watch.size.lock() {
                    if size > *seen {
                        *seen = size;
                        watch.grew.notify_all();
                    }
                }
            }
            Err(_) => {
                std::thread::sleep(POLL_LISTENING);
                if let Ok(c) = connect(url) {
                    client = c;
                    if listening {
                        let _ = client.batch_execute(&format!("LISTEN {CHANNEL}"));
                    }
                }
            }
        }
    }
}

impl Drop for PgLog {
    fn drop(&mut self) {
        if let Some(w) = self.watch.get() {
            w.stop.store(true, Ordering::SeqCst);
        }
        if let Ok(mut jobs) = self.jobs.lock() {
            jobs.take();
        }
        if let Ok(mut writes) = self.writes.lock() {
            writes.take();
        }
        for w in self.workers.drain(..) {
            let _ = w.join();
        }
    }
}

impl LogStore for PgLog {
    fn append(
        &self,
        expected_size: Option<u64>,
        entries: Vec<NewEntry>,
    ) -> Result<Appended, StoreError> {
        self.queue(expected_size, Batch::New(entries))?.wait()
    }

    fn append_sealed(
        &self,
        expected_size: Option<u64>,
        entries: Vec<StoredEntry>,
    ) -> Result<Appended, StoreError> {
        self.queue(expected_size, Batch::Sealed(entries))?.wait()
    }

    /// Queued to the writer thread: durable with the transaction it joins.
    fn submit_sealed(
        &self,
        expected_size: Option<u64>,
        entries: Vec<StoredEntry>,
    ) -> Result<PendingAppend, StoreError> {
        self.queue(expected_size, Batch::Sealed(entries))
    }

    fn size(&self) -> Result<u64, StoreError> {
        self.run(|client| read_size(client).map_err(pg))
    }

    /// Other nodes may write to the same database.
    fn shared(&self) -> bool {
        true
    }

    /// Served by the writer thread in its turn: it locks the end row, so every other node's appends wait.
    fn hold_end(&self, known: u64) -> Result<(Vec<StoredEntry>, Box<dyn HeldEnd>), StoreError> {
        let (missed, missed_rx) = mpsc::channel();
        let (take, take_rx) = mpsc::channel();
        let (done, done_rx) = mpsc::channel();
        self.writes
            .lock()
            .map_err(|_| StoreError::Closed)?
            .as_ref()
            .ok_or(StoreError::Closed)?
            .send(Request::Hold(Hold {
                known,
                missed,
                take: take_rx,
                done,
            }))
            .map_err(|_| StoreError::Closed)?;
        let entries = missed_rx.recv().map_err(|_| StoreError::Closed)??;
        Ok((
            entries,
            Box::new(PgHeldEnd {
                take,
                done: Mutex::new(done_rx),
            }),
        ))
    }

    fn await_growth(&self, known: u64, timeout: Duration) -> Result<u64, StoreError> {
        let watch = self.watch()?;
        let seen = watch.size.lock().map_err(|_| StoreError::Closed)?;
        let (seen, _) = watch
            .grew
            .wait_timeout_while(seen, timeout, |size| *size <= known)
            .map_err(|_| StoreError::Closed)?;
        Ok(*seen)
    }

    fn entries(&self, from: u64, limit: usize) -> Result<Vec<StoredEntry>, StoreError> {
        let end = from.saturating_add(limit as u64).min(i64::MAX as u64);
        self.run(move |client| {
            client
                .query(
                    "SELECT seq, time_ms, kind, actor, audience, content_hash, content FROM entries \
                     WHERE seq >= $1 AND seq < $2 ORDER BY seq",
                    &[&(from.min(i64::MAX as u64) as i64), &(end as i64)],
                )
                .map_err(pg)?
                .iter()
                .map(entry_from_row)
                .collect()
        })
    }

    fn node(&self, level: u8, index: u64) -> Result<Hash, StoreError> {
        self.run(move |client| read_node(client, level, index))
    }

    fn put_checkpoint(&self, checkpoint: StoredCheckpoint) -> Result<(), StoreError> {
        self.run(move |client| {
            client
                .execute(
                    "INSERT INTO checkpoints (size, note) VALUES ($1, $2) ON CONFLICT (size) DO NOTHING",
                    &[&(checkpoint.size as i64), &checkpoint.note],
                )
                .map_err(pg)?;
            Ok(())
        })
    }

    fn latest_checkpoint(&self) -> Result<Option<StoredCheckpoint>, StoreError> {
        self.run(|client| {
            Ok(client
                .query_opt(
                    "SELECT size, note FROM checkpoints ORDER BY size DESC LIMIT 1",
                    &[],
                )
                .map_err(pg)?
                .map(|r| StoredCheckpoint {
                    size: r.get::<_, i64>(0) as u64,
                    note: r.get(1),
                }))
        })
    }

    fn checkpoints(&self) -> Result<Vec<StoredCheckpoint>, StoreError> {
        self.run(|client| {
            Ok(client
                .query("SELECT size, note FROM checkpoints ORDER BY size", &[])
                .map_err(pg)?
                .iter()
                .map(|r| StoredCheckpoint {
                    size: r.get::<_, i64>(0) as u64,
                    note: r.get(1),
                })
                .collect())
        })
    }
}

#[cfg(test)]
#[path = "postgres_tests.rs"]
mod tests;
