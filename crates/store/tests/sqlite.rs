//! The embedded store: the behaviour every adapter of the port must have (appends, expected sizes,
//! concurrent writers, proofs, restart), and what the embedded adapter adds (re-derivation on open catches
//! tampering; one process per directory).

use std::sync::Arc;
use std::time::{Duration, Instant};

use deconflict_ledger::merkle::{leaf_hash, verify_consistency, verify_inclusion, MemoryTree};
use deconflict_ledger::note::{KeyType, Signer};
use deconflict_ledger::{Audience, Checkpoint, Note};
use deconflict_store::keys::load_or_create_log_key;
use deconflict_store::{Checkpointer, LogStore, NewEntry, SqliteLog, StoreError, Tree};
use serde_json::json;

fn entry(i: u64, actor: &str) -> NewEntry {
    NewEntry {
        time_ms: 1_497_794_400_000 + i as i64,
        kind: "test.note".into(),
        actor: actor.into(),
        audience: if i.is_multiple_of(3) {
            Audience::Everyone
        } else {
            Audience::Parties(
                [actor.to_string(), "un-ocha".to_string()]
                    .into_iter()
                    .collect(),
            )
        },
        content: json!({"n": i, "text": format!("entry {i}"), "f": 0.1 * i as f64}),
    }
}

/// Checks every stored leaf against a reference tree and every proof against the store's root.
fn check_tree(store: &dyn LogStore) {
    let size = store.size().expect("size");
    let entries = store.entries(0, size as usize).expect("entries");
    assert_eq!(entries.len() as u64, size);
    let mut reference = MemoryTree::new();
    for (i, e) in entries.iter().enumerate() {
        assert_eq!(e.header.seq, i as u64, "contiguous sequence numbers");
        reference.push(leaf_hash(&e.header.leaf()));
    }
    let tree = Tree(store);
    let root = tree.root(size).expect("root");
    assert_eq!(root, reference.root());
    for seq in (0..size).step_by((size as usize / 37).max(1)) {
        let proof = tree.inclusion_proof(seq, size).expect("proof");
        let leaf = entries[seq as usize].header.leaf_hash();
        assert_eq!(verify_inclusion(seq, size, &leaf, &proof, &root), Ok(()));
        let old = seq + 1;
        let c = tree.consistency_proof(old, size).expect("consistency");
        let old_root = tree.root(old).expect("old root");
        assert_eq!(verify_consistency(old, size, &old_root, &root, &c), Ok(()));
    }
}

#[test]
fn appends_proofs_and_restart() {
    let dir = tempfile::tempdir().expect("temp dir");
    {
        let store = SqliteLog::open(dir.path()).expect("open");
        assert_eq!(store.size(), Ok(0));
        let a = store
            .append(Some(0), (0..10).map(|i| entry(i, "us-cjtf")).collect())
            .expect("append");
        assert_eq!((a.first_seq, a.size, a.leaf_hashes.len()), (0, 10, 10));
        // A stale expected size writes nothing.
        assert_eq!(
            store.append(Some(5), vec![entry(99, "ru-gs")]),
            Err(StoreError::SizeMismatch {
                expected: 5,
                actual: 10
            })
        );
        assert_eq!(store.size(), Ok(10));
        // A bad entry writes nothing either.
        let mut bad = entry(100, "ru-gs");
        bad.actor = "Not A Party".into();
        assert!(matches!(
            store.append(None, vec![entry(11, "ru-gs"), bad]),
            Err(StoreError::Entry(_))
        ));
        assert_eq!(store.size(), Ok(10));
        for i in 10..300 {
            store.append(None, vec![entry(i, "ru-gs")]).expect("append");
        }
        let e = store.entry(42).expect("read").expect("present");
        assert_eq!(e.header.seq, 42);
        assert_eq!(e.content, br#"{"f":4.2,"n":42,"text":"entry 42"}"#.to_vec());
        check_tree(&store);
        let mut cp = Checkpointer::new(
            load_or_create_log_key(dir.path(), "test.example/log").expect("key"),
            Duration::ZERO,
        );
        let signed = cp
            .sign_now(&store, Instant::now())
            .expect("sign")
            .expect("grew");
        assert_eq!(signed.size, 300);
        assert_eq!(
            cp.sign_now(&store, Instant::now()).expect("sign"),
            None,
            "no growth, no checkpoint"
        );
    }
    // Everything is there after a restart; the key is reused.
    let store = SqliteLog::open(dir.path()).expect("reopen");
    assert_eq!(store.size(), Ok(300));
    check_tree(&store);
    let key = load_or_create_log_key(dir.path(), "test.example/log").expect("key");
    let latest = store.latest_checkpoint().expect("checkpoint").expect("one");
    let note = Note::parse(&latest.note).expect("note");
    assert_eq!(note.check(key.verifier()), Ok(Some(0)));
    let cp = Checkpoint::parse(&note.text).expect("checkpoint");
    assert_eq!(cp.root, Tree(&store).root(300).expect("root"));
    assert!(
        load_or_create_log_key(dir.path(), "other.example/log").is_err(),
        "a log never changes its name"
    );
    let mode = std::fs::metadata(dir.path().join("log.key")).expect("key file");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(mode.permissions().mode() & 0o777, 0o600);
}

#[test]
fn concurrent_writers_get_contiguous_sequences() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Arc::new(SqliteLog::open(dir.path()).expect("open"));
    let threads: Vec<_> = (0..16)
        .map(|t| {
            let store = Arc::clone(&store);
            std::thread::spawn(move || {
                (0..100)
                    .map(|i| {
                        let a = store
                            .append(None, vec![entry(t * 1000 + i, "sdf")])
                            .expect("append");
                        (a.first_seq, a.leaf_hashes[0])
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut acked: Vec<(u64, [u8; 32])> = threads
        .into_iter()
        .flat_map(|t| t.join().expect("thread"))
        .collect();
    acked.sort();
    assert_eq!(acked.len(), 1600);
    for (i, (seq, h)) in acked.iter().enumerate() {
        assert_eq!(*seq, i as u64, "every sequence number once");
        assert_eq!(
            store
                .entry(*seq)
                .expect("read")
                .expect("present")
                .header
                .leaf_hash(),
            *h
        );
    }
    check_tree(store.as_ref());
    // Writers that race with an expected size: exactly one wins each size.
    let winners: usize = (0..8)
        .map(|_| {
            let store = Arc::clone(&store);
            std::thread::spawn(move || {
                store.append(Some(1600), vec![entry(0, "tr-gs")]).is_ok() as usize
            })
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|t| t.join().expect("thread"))
        .sum();
    assert_eq!(winners, 1);
}

#[test]
fn tampering_is_found_on_open() {
    let dir = tempfile::tempdir().expect("temp dir");
    {
        let store = SqliteLog::open(dir.path()).expect("open");
        store
            .append(None, (0..20).map(|i| entry(i, "us-cjtf")).collect())
            .expect("append");
        let key = Signer::from_seed("t.example/log", KeyType::Ed25519, [3; 32]).expect("key");
        Checkpointer::new(key, Duration::ZERO)
            .sign_now(&store, Instant::now())
            .expect("sign");
        // A second process may not open the same directory.
        assert!(matches!(
            SqliteLog::open(dir.path()),
            Err(StoreError::Storage(_))
        ));
    }
    let db = deconflict_store::sqlite::database_path(dir.path());
    let conn = rusqlite_conn(&db);
    conn.execute(
        "UPDATE entries SET content = CAST('{\"n\":7}' AS BLOB) WHERE seq = 7",
        [],
    )
    .expect("tamper");
    drop(conn);
    let err = SqliteLog::open(dir.path()).expect_err("tampered content");
    assert!(err.to_string().contains("entry 7"), "{err}");
}

fn rusqlite_conn(path: &std::path::Path) -> rusqlite::Connection {
    rusqlite::Connection::open(path).expect("open db")
}

#[test]
fn regression_crash_between_key_and_public_key() {
    // Found by the crash test: a writer killed after writing log.key but before log.pub left a log whose
    // checkpoints fsck could not verify. The public key is now restored from the private one on load.
    let dir = tempfile::tempdir().expect("temp dir");
    let key = load_or_create_log_key(dir.path(), "test.example/log").expect("create");
    std::fs::remove_file(dir.path().join("log.pub")).expect("remove log.pub");
    // A leftover temporary file from a crash mid-write is harmless too.
    std::fs::write(dir.path().join("log.key.tmp"), "").expect("leftover");
    let again = load_or_create_log_key(dir.path(), "test.example/log").expect("load");
    assert_eq!(again.verifier(), key.verifier());
    let public = std::fs::read_to_string(dir.path().join("log.pub")).expect("restored");
    assert_eq!(public.trim(), key.verifier().to_vkey());
}

#[test]
fn sealed_appends_must_be_in_place_and_intact() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = SqliteLog::open(dir.path()).expect("open");
    store.append(None, vec![entry(0, "a")]).expect("first");
    // Queued without waiting, in order: both land, in order, in one or two group commits.
    let one = store
        .submit_sealed(Some(1), vec![entry(1, "a").seal(1).expect("seal")])
        .expect("submit");
    let two = store
        .submit_sealed(Some(2), vec![entry(2, "b").seal(2).expect("seal")])
        .expect("submit");
    assert_eq!(one.wait().expect("durable").first_seq, 1);
    assert_eq!(two.wait().expect("durable").first_seq, 2);
    // Sealed at the wrong place: refused, nothing written.
    let wrong = store
        .submit_sealed(None, vec![entry(9, "a").seal(7).expect("seal")])
        .expect("submit")
        .wait();
    assert!(
        matches!(wrong, Err(StoreError::SizeMismatch { .. })),
        "{wrong:?}"
    );
    // Content that does not match its hash: refused.
    let mut forged = entry(3, "a").seal(3).expect("seal");
    forged.content = b"{\"forged\":true}".to_vec();
    let forged = store
        .submit_sealed(Some(3), vec![forged])
        .expect("submit")
        .wait();
    assert!(matches!(forged, Err(StoreError::Corrupt(_))), "{forged:?}");
    assert_eq!(store.size().expect("size"), 3);
    check_tree(&store);
}
