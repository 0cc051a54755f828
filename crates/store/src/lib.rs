//! Storage of the ledger: the [`port::LogStore`] port, its embedded SQLite adapter and its PostgreSQL
//! adapter, the log key, and checkpoint signing.

pub mod check;
pub mod checkpointer;
mod frontier;
pub mod keys;
pub mod port;
#[cfg(feature = "postgres")]
pub mod postgres;
pub mod sqlite;

pub use checkpointer::Checkpointer;
pub use port::{
    Appended, HeldEnd, LogStore, NewEntry, PendingAppend, StoreError, StoredCheckpoint,
    StoredEntry, Tree,
};
#[cfg(feature = "postgres")]
pub use postgres::PgLog;
pub use sqlite::SqliteLog;
