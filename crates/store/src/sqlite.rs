//! The embedded adapter: one SQLite database in WAL mode with `synchronous = FULL`, so a commit returns only
//! after the write-ahead log is on disk.
//!
//! One writer thread owns the write connection and commits appends in groups: every append waiting when a
//! commit starts goes into the same transaction (group commit), so many concurrent writers share one fsync.
//! Leaves live in `entries` (their hashes are the tree's level 0), interior nodes in `nodes`; the upper levels
//! of the tree (from [`CACHED_FROM_LEVEL`]) are also kept in memory, so a proof reads at most a handful of
//! rows. On opening, the whole tree is re-derived from the entries and checked against every stored
//! checkpoint. A lock file keeps a second process from writing to the same directory.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, RwLock};
use std::thread::JoinHandle;

use deconflict_ledger::merkle::Hash;
use deconflict_ledger::{Audience, EntryHeader};
use rusqlite::{params, Connection, OptionalExtension};

use crate::check::check_checkpoints;
use crate::frontier::Frontier;
use crate::port::{
    hash_of, Appended, Batch, LogStore, NewEntry, PendingAppend, StoreError, StoredCheckpoint,
    StoredEntry,
};

/// Tree levels from this one up are kept in memory: a quarter of the nodes, 8 bytes per entry (80 MB at 10M
/// entries), so that a proof reads at most two rows from the database (the leaf's sibling and its parent's).
pub const CACHED_FROM_LEVEL: u8 = 2;
/// Most appends committed in one transaction.
const MAX_GROUP: usize = 4096;
/// The schema this binary writes.
pub const SCHEMA_VERSION: i64 = 1;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS entries (
    seq INTEGER PRIMARY KEY,
    time_ms INTEGER NOT NULL,
    kind TEXT NOT NULL,
    actor TEXT NOT NULL,
    audience TEXT NOT NULL,
    content_hash BLOB NOT NULL,
    content BLOB NOT NULL,
    leaf_hash BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS nodes (
    level INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    hash BLOB NOT NULL,
    PRIMARY KEY (level, idx)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS checkpoints (size INTEGER PRIMARY KEY, note TEXT NOT NULL);
";

fn db(e: rusqlite::Error) -> StoreError {
    StoreError::Storage(e.to_string())
}

/// What the writer and the readers share.
#[derive(Debug, Default)]
struct Shared {
    size: AtomicU64,
    /// `upper[l - CACHED_FROM_LEVEL][i]` is node `(l, i)`.
    upper: RwLock<Vec<Vec<Hash>>>,
}

/// The result of re-deriving a log from its entries.
#[derive(Debug, Default)]
pub struct Derivation {
    pub size: u64,
    frontier: Frontier,
    upper: Vec<Vec<Hash>>,
    /// Problems found; empty for a sound log.
    pub problems: Vec<String>,
    /// Checkpoints checked against the re-derived roots.
    pub checkpoints_checked: usize,
    /// Interior nodes compared with the stored ones (only when asked).
    pub nodes_checked: u64,
}

fn entry_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<(StoredEntry, Vec<u8>)> {
    let seq: i64 = row.get(0)?;
    let content_hash: Vec<u8> = row.get(5)?;
    let header = EntryHeader {
        seq: seq as u64,
        time_ms: row.get(1)?,
        kind: row.get(2)?,
        actor: row.get(3)?,
        audience: Audience::from_field(&row.get::<_, String>(4)?),
        content_hash: content_hash.try_into().unwrap_or([0; 32]),
    };
    Ok((
        StoredEntry {
            header,
            content: row.get(6)?,
        },
        row.get(7)?,
    ))
}

const SELECT_ENTRIES: &str =
    "SELECT seq, time_ms, kind, actor, audience, content_hash, content, leaf_hash FROM entries";

/// Re-derives every leaf hash and the tree from the entries, and checks them against the stored leaf hashes,
/// (optionally) the stored nodes, and every stored checkpoint's size and root.
pub fn derive(conn: &Connection, compare_nodes: bool) -> Result<Derivation, StoreError> {
    let mut d = Derivation::default();
    let checkpoints = read_checkpoints(conn)?;
    let mut next_checkpoint = checkpoints.iter().peekable();
    let mut roots_at: Vec<(u64, Hash)> = Vec::new();
    let mut node_stmt = conn
        .prepare("SELECT hash FROM nodes WHERE level = ?1 AND idx = ?2")
        .map_err(db)?;
    let mut stmt = conn
        .prepare(&format!("{SELECT_ENTRIES} ORDER BY seq"))
        .map_err(db)?;
    let mut rows = stmt.query([]).map_err(db)?;
    let mut record_root = |d: &mut Derivation, roots_at: &mut Vec<(u64, Hash)>| {
        while let Some(cp) = next_checkpoint.peek() {
            if cp.size > d.frontier.size {
                break;
            }
            if cp.size == d.frontier.size {
                roots_at.push((cp.size, d.frontier.root()));
            }
            next_checkpoint.next();
        }
    };
    record_root(&mut d, &mut roots_at);
    while let Some(row) = rows.next().map_err(db)? {
        let (entry, stored_leaf) = entry_from_row(row).map_err(db)?;
        let seq = entry.header.seq;
        if seq != d.frontier.size {
            d.problems.push(format!(
                "entry {} follows entry {}: sequence numbers are not contiguous",
                seq,
                d.frontier.size as i64 - 1
            ));
            break;
        }
        let content_hash = deconflict_ledger::entry::content_hash(&entry.content);
        if content_hash != entry.header.content_hash {
            d.problems.push(format!(
                "entry {seq}: its content does not hash to its committed content hash"
            ));
        }
        let leaf = entry.header.leaf_hash();
        if stored_leaf.as_slice() != leaf {
            d.problems.push(format!(
                "entry {seq}: the stored leaf hash is not the hash of its leaf"
            ));
        }
        for (level, idx, h) in d.frontier.push(leaf) {
            if level >= CACHED_FROM_LEVEL {
                let l = (level - CACHED_FROM_LEVEL) as usize;
                if d.upper.len() <= l {
                    d.upper.resize(l + 1, Vec::new());
                }
                d.upper[l].push(h);
            }
            if compare_nodes {
                let stored: Option<Vec<u8>> = node_stmt
                    .query_row(params![level, idx as i64], |r| r.get(0))
                    .optional()
                    .map_err(db)?;
                d.nodes_checked += 1;
                if stored.as_deref() != Some(h.as_slice()) {
                    d.problems.push(format!(
                        "node ({level}, {idx}) is missing or differs from its re-derived hash"
                    ));
                }
            }
        }
        record_root(&mut d, &mut roots_at);
    }
    d.size = d.frontier.size;
    d.checkpoints_checked = checkpoints.len();
    check_checkpoints(&checkpoints, &roots_at, d.size, &mut d.problems);
    Ok(d)
}

fn read_checkpoints(conn: &Connection) -> Result<Vec<StoredCheckpoint>, StoreError> {
    let mut stmt = conn
        .prepare("SELECT size, note FROM checkpoints ORDER BY size")
        .map_err(db)?;
    let rows = stmt
        .query_map([], |r| {
            Ok(StoredCheckpoint {
                size: r.get::<_, i64>(0)? as u64,
                note: r.get(1)?,
            })
        })
        .map_err(db)?;
    rows.collect::<Result<Vec<_>, _>>().map_err(db)
}

fn configure(conn: &Connection) -> Result<(), StoreError> {
    conn.pragma_update(None, "journal_mode", "WAL")
        .map_err(db)?;
    conn.pragma_update(None, "synchronous", "FULL")
        .map_err(db)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .map_err(db)?;
    Ok(())
}

/// The database file of a data directory.
pub fn database_path(dir: &Path) -> PathBuf {
    dir.join("ledger.sqlite3")
}

/// Opens a data directory's database for reading only (for `fsck` and offline tools).
pub fn open_read_only(dir: &Path) -> Result<Connection, StoreError> {
    let path = database_path(dir);
    if !path.exists() {
        return Err(StoreError::Storage(format!(
            "{} does not exist",
            path.display()
        )));
    }
    let conn = Connection::open_with_flags(&path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(db)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))
        .map_err(db)?;
    check_schema(&conn)?;
    Ok(conn)
}

fn check_schema(conn: &Connection) -> Result<(), StoreError> {
    let version: Option<String> = conn
        .query_row(
            "SELECT value FROM meta WHERE key = 'schema_version'",
            [],
            |r| r.get(0),
        )
        .optional()
        .map_err(db)?;
    match version.and_then(|v| v.parse::<i64>().ok()) {
        Some(SCHEMA_VERSION) => Ok(()),
        Some(v) if v > SCHEMA_VERSION => Err(StoreError::Storage(format!(
            "the data was written by a newer deconflict (schema {v}; this binary knows {SCHEMA_VERSION})"
        ))),
        other => Err(StoreError::Corrupt(format!("unknown schema version {other:?}"))),
    }
}

struct Request {
    expected: Option<u64>,
    entries: Batch,
    reply: mpsc::SyncSender<Result<Appended, StoreError>>,
}

/// Reads node `(level, index)` from the database: level 0 is the leaf hash of entry `index`.
fn read_node(conn: &Connection, level: u8, index: u64) -> Result<Hash, StoreError> {
    let bytes: Option<Vec<u8>> = if level == 0 {
        conn.prepare_cached("SELECT leaf_hash FROM entries WHERE seq = ?1")
            .map_err(db)?
            .query_row([index as i64], |r| r.get(0))
            .optional()
            .map_err(db)?
    } else {
        conn.prepare_cached("SELECT hash FROM nodes WHERE level = ?1 AND idx = ?2")
            .map_err(db)?
            .query_row(params![level, index as i64], |r| r.get(0))
            .optional()
            .map_err(db)?
    };
    hash_of(
        bytes.ok_or_else(|| StoreError::Corrupt(format!("node ({level}, {index}) is missing")))?,
        "a node",
    )
}

/// The embedded log store.
#[derive(Debug)]
pub struct SqliteLog {
    dir: PathBuf,
    sender: Mutex<Option<mpsc::Sender<Request>>>,
    writer: Mutex<Option<JoinHandle<()>>>,
    read: Mutex<Connection>,
    shared: Arc<Shared>,
    /// Held for as long as the store is open: one writing process per directory.
    _lock: File,
}

impl SqliteLog {
    /// Opens (creating if needed) the store in `dir`, re-derives the tree from the entries and checks it
    /// against every stored checkpoint; refuses a corrupt or foreign log.
    pub fn open(dir: &Path) -> Result<Self, StoreError> {
        crate::keys::create_dir_durably(dir)?;
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(dir.join("LOCK"))
            .map_err(|e| StoreError::Storage(format!("{}: {e}", dir.join("LOCK").display())))?;
        lock.try_lock().map_err(|_| {
            StoreError::Storage(format!(
                "{} is in use by another deconflict process",
                dir.display()
            ))
        })?;
        let path = database_path(dir);
        let conn = Connection::open(&path).map_err(db)?;
        configure(&conn)?;
        conn.execute_batch(SCHEMA).map_err(db)?;
        conn.execute(
            "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?1)",
            [SCHEMA_VERSION.to_string()],
        )
        .map_err(db)?;
        check_schema(&conn)?;
        let derived = derive(&conn, false)?;
        if let Some(p) = derived.problems.first() {
            return Err(StoreError::Corrupt(format!(
                "{p} ({} problems; run deconflict log fsck)",
                derived.problems.len()
            )));
        }
        let shared = Arc::new(Shared {
            size: AtomicU64::new(derived.size),
            upper: RwLock::new(derived.upper),
        });
        let read = Connection::open(&path).map_err(db)?;
        configure(&read)?;
        let (tx, rx) = mpsc::channel::<Request>();
        let writer_shared = Arc::clone(&shared);
        let frontier = derived.frontier;
        let writer = std::thread::Builder::new()
            .name("ledger-writer".into())
            .spawn(move || writer_loop(conn, frontier, rx, writer_shared))
            .map_err(|e| StoreError::Storage(format!("cannot start the writer thread: {e}")))?;
        Ok(SqliteLog {
            dir: dir.to_path_buf(),
            sender: Mutex::new(Some(tx)),
            writer: Mutex::new(Some(writer)),
            read: Mutex::new(read),
            shared,
            _lock: lock,
        })
    }

    /// The data directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn with_read<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let conn = self
            .read
            .lock()
            .map_err(|_| StoreError::Storage("a reader panicked".into()))?;
        f(&conn)
    }
}

impl Drop for SqliteLog {
    fn drop(&mut self) {
        if let Ok(mut s) = self.sender.lock() {
            s.take();
        }
        if let Some(handle) = self.writer.lock().ok().and_then(|mut w| w.take()) {
            let _ = handle.join();
        }
    }
}

fn writer_loop(
    mut conn: Connection,
    mut frontier: Frontier,
    rx: mpsc::Receiver<Request>,
    shared: Arc<Shared>,
) {
    while let Ok(first) = rx.recv() {
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match rx.try_recv() {
                Ok(r) => group.push(r),
                Err(_) => break,
            }
        }
        let before = frontier.clone();
        let mut upper_added: Vec<(u8, u64, Hash)> = Vec::new();
        let outcome = commit_group(&mut conn, &mut frontier, &group, &mut upper_added);
        match outcome {
            Ok(results) => {
                if !upper_added.is_empty() {
                    if let Ok(mut upper) = shared.upper.write() {
                        for (level, _idx, h) in upper_added {
                            let l = (level - CACHED_FROM_LEVEL) as usize;
                            if upper.len() <= l {
                                upper.resize(l + 1, Vec::new());
                            }
                            upper[l].push(h);
                        }
                    }
                }
                shared.size.store(frontier.size, Ordering::SeqCst);
                for (req, result) in group.into_iter().zip(results) {
                    let _ = req.reply.send(result);
                }
            }
            Err(e) => {
                frontier = before;
                for req in group {
                    let _ = req.reply.send(Err(e.clone()));
                }
            }
        }
    }
}

/// Writes a group of appends in one transaction; per-request results (a size mismatch or bad entry fails
/// only its own request). Any storage error fails the whole group and nothing is written.
fn commit_group(
    conn: &mut Connection,
    frontier: &mut Frontier,
    group: &[Request],
    upper_added: &mut Vec<(u8, u64, Hash)>,
) -> Result<Vec<Result<Appended, StoreError>>, StoreError> {
    let tx = conn.transaction().map_err(db)?;
    let mut results = Vec::with_capacity(group.len());
    {
        let mut insert_entry = tx
            .prepare_cached(
                "INSERT INTO entries (seq, time_ms, kind, actor, audience, content_hash, content, leaf_hash) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )
            .map_err(db)?;
        let mut insert_node = tx
            .prepare_cached("INSERT INTO nodes (level, idx, hash) VALUES (?1, ?2, ?3)")
            .map_err(db)?;
        for req in group {
            if let Some(expected) = req.expected {
                if expected != frontier.size {
                    results.push(Err(StoreError::SizeMismatch {
                        expected,
                        actual: frontier.size,
                    }));
                    continue;
                }
            }
            let first_seq = frontier.size;
            let sealed = req.entries.sealed_at(first_seq);
            let sealed = match sealed {
                Ok(s) => s,
                Err(e) => {
                    results.push(Err(e));
                    continue;
                }
            };
            let mut leaf_hashes = Vec::with_capacity(sealed.len());
            for e in &sealed {
                let h = &e.header;
                let leaf = h.leaf_hash();
                insert_entry
                    .execute(params![
                        h.seq as i64,
                        h.time_ms,
                        h.kind,
                        h.actor,
                        h.audience.to_field(),
                        h.content_hash.as_slice(),
                        e.content,
                        leaf.as_slice()
                    ])
                    .map_err(db)?;
                for (level, idx, hash) in frontier.push(leaf) {
                    insert_node
                        .execute(params![level, idx as i64, hash.as_slice()])
                        .map_err(db)?;
                    if level >= CACHED_FROM_LEVEL {
                        upper_added.push((level, idx, hash));
                    }
                }
                leaf_hashes.push(leaf);
            }
            results.push(Ok(Appended {
                first_seq,
                leaf_hashes,
                size: frontier.size,
                entries: sealed,
            }));
        }
    }
    tx.commit().map_err(db)?;
    Ok(results)
}

impl SqliteLog {
    /// Queues an append without waiting for it. Appends are written in the order they are submitted, so a
    /// writer that submits under its own lock and waits outside it keeps its order while letting later
    /// writers join the same group commit.
    pub fn submit(
        &self,
        expected_size: Option<u64>,
        entries: Vec<NewEntry>,
    ) -> Result<PendingAppend, StoreError> {
        self.queue(expected_size, Batch::New(entries))
    }

    /// As [`SqliteLog::submit`], with entries the writer sealed itself (with [`NewEntry::seal`]) at the
    /// sequence numbers from `expected_size` on; entries sealed elsewhere fail as a size mismatch.
    pub fn submit_sealed(
        &self,
        expected_size: Option<u64>,
        entries: Vec<StoredEntry>,
    ) -> Result<PendingAppend, StoreError> {
        self.queue(expected_size, Batch::Sealed(entries))
    }

    fn queue(
        &self,
        expected_size: Option<u64>,
        entries: Batch,
    ) -> Result<PendingAppend, StoreError> {
        let (reply, answer) = mpsc::sync_channel(1);
        let sender = self.sender.lock().map_err(|_| StoreError::Closed)?;
        sender
            .as_ref()
            .ok_or(StoreError::Closed)?
            .send(Request {
                expected: expected_size,
                entries,
                reply,
            })
            .map_err(|_| StoreError::Closed)?;
        Ok(PendingAppend::new(answer))
    }
}

impl LogStore for SqliteLog {
    fn append(
        &self,
        expected_size: Option<u64>,
        entries: Vec<NewEntry>,
    ) -> Result<Appended, StoreError> {
        self.submit(expected_size, entries)?.wait()
    }

    fn append_sealed(
        &self,
        expected_size: Option<u64>,
        entries: Vec<StoredEntry>,
    ) -> Result<Appended, StoreError> {
        SqliteLog::submit_sealed(self, expected_size, entries)?.wait()
    }

    /// Queued to the writer thread: durable with the group commit it joins.
    fn submit_sealed(
        &self,
        expected_size: Option<u64>,
        entries: Vec<StoredEntry>,
    ) -> Result<PendingAppend, StoreError> {
        SqliteLog::submit_sealed(self, expected_size, entries)
    }

    fn size(&self) -> Result<u64, StoreError> {
        Ok(self.shared.size.load(Ordering::SeqCst))
    }

    fn entries(&self, from: u64, limit: usize) -> Result<Vec<StoredEntry>, StoreError> {
        let size = self.size()?;
        let end = from.saturating_add(limit as u64).min(size);
        if from >= end {
            return Ok(Vec::new());
        }
        self.with_read(|conn| {
            let mut stmt = conn
                .prepare_cached(&format!(
                    "{SELECT_ENTRIES} WHERE seq >= ?1 AND seq < ?2 ORDER BY seq"
                ))
                .map_err(db)?;
            let rows = stmt
                .query_map(params![from as i64, end as i64], |r| {
                    entry_from_row(r).map(|(e, _)| e)
                })
                .map_err(db)?;
            rows.collect::<Result<Vec<_>, _>>().map_err(db)
        })
    }

    fn node(&self, level: u8, index: u64) -> Result<Hash, StoreError> {
        if level >= CACHED_FROM_LEVEL {
            let upper = self
                .shared
                .upper
                .read()
                .map_err(|_| StoreError::Storage("cache poisoned".into()))?;
            return upper
                .get((level - CACHED_FROM_LEVEL) as usize)
                .and_then(|l| l.get(index as usize))
                .copied()
                .ok_or_else(|| {
                    StoreError::Corrupt(format!("node ({level}, {index}) is not complete"))
                });
        }
        self.with_read(|conn| read_node(conn, level, index))
    }

    fn put_checkpoint(&self, checkpoint: StoredCheckpoint) -> Result<(), StoreError> {
        if checkpoint.size > self.size()? {
            return Err(StoreError::Corrupt(format!(
                "a checkpoint of size {} is beyond the log",
                checkpoint.size
            )));
        }
        self.with_read(|conn| {
            conn.execute(
                "INSERT OR IGNORE INTO checkpoints (size, note) VALUES (?1, ?2)",
                params![checkpoint.size as i64, checkpoint.note],
            )
            .map_err(db)?;
            Ok(())
        })
    }

    fn latest_checkpoint(&self) -> Result<Option<StoredCheckpoint>, StoreError> {
        self.with_read(|conn| {
            conn.query_row(
                "SELECT size, note FROM checkpoints ORDER BY size DESC LIMIT 1",
                [],
                |r| {
                    Ok(StoredCheckpoint {
                        size: r.get::<_, i64>(0)? as u64,
                        note: r.get(1)?,
                    })
                },
            )
            .optional()
            .map_err(db)
        })
    }

    fn checkpoints(&self) -> Result<Vec<StoredCheckpoint>, StoreError> {
        self.with_read(read_checkpoints)
    }
}

/// A read-only view of a data directory, for offline tools while a server may be writing.
#[derive(Debug)]
pub struct ReadOnlyLog {
    conn: Connection,
}

impl ReadOnlyLog {
    pub fn open(dir: &Path) -> Result<Self, StoreError> {
        Ok(ReadOnlyLog {
            conn: open_read_only(dir)?,
        })
    }

    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    pub fn size(&self) -> Result<u64, StoreError> {
        let n: i64 = self
            .conn
            .query_row("SELECT COALESCE(MAX(seq) + 1, 0) FROM entries", [], |r| {
                r.get(0)
            })
            .map_err(db)?;
        Ok(n as u64)
    }

    pub fn entry(&self, seq: u64) -> Result<Option<StoredEntry>, StoreError> {
        self.conn
            .query_row(
                &format!("{SELECT_ENTRIES} WHERE seq = ?1"),
                [seq as i64],
                |r| entry_from_row(r).map(|(e, _)| e),
            )
            .optional()
            .map_err(db)
    }

    pub fn checkpoints(&self) -> Result<Vec<StoredCheckpoint>, StoreError> {
        read_checkpoints(&self.conn)
    }
}

impl deconflict_ledger::merkle::Nodes for ReadOnlyLog {
    type Error = StoreError;

    fn node(&self, level: u8, index: u64) -> Result<Hash, StoreError> {
        read_node(&self.conn, level, index)
    }
}
