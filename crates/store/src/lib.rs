//! Storage of the ledger: the [`port::LogStore`] port and the embedded SQLite adapter, the log key, and
//! checkpoint signing. The PostgreSQL adapter (issue #7) implements the same port.

pub mod checkpointer;
pub mod keys;
pub mod port;
pub mod sqlite;

pub use checkpointer::Checkpointer;
pub use port::{Appended, LogStore, NewEntry, StoreError, StoredCheckpoint, StoredEntry, Tree};
pub use sqlite::SqliteLog;
