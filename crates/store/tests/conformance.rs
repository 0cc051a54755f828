//! One conformance suite for every adapter of the log store port: the embedded SQLite store and PostgreSQL.
//! Each check runs against both on the same entries, and both must give the same leaves, roots and proofs.
//!
//! PostgreSQL: `DECONFLICT_TEST_DATABASE_URL` names a server where the tests may create databases
//! (`scripts/test` starts a throwaway cluster with `scripts/postgres` and sets it). Without it the PostgreSQL
//! half is skipped with a message, except under CI (`CI` set), where it fails.

use std::sync::Arc;
use std::time::{Duration, Instant};

use deconflict_ledger::merkle::{self, leaf_hash, Hash};
use deconflict_ledger::note::{KeyType, Signer};
use deconflict_ledger::Audience;
#[cfg(feature = "postgres")]
use deconflict_store::PgLog;
use deconflict_store::{
    Checkpointer, LogStore, NewEntry, SqliteLog, StoreError, StoredCheckpoint, Tree,
};
use serde_json::json;

/// A fresh store, and a way to open it again (as a restart would).
struct Subject {
    name: &'static str,
    store: Box<dyn LogStore>,
    reopen: Box<dyn Fn() -> Box<dyn LogStore>>,
    _dir: Option<tempfile::TempDir>,
}

fn sqlite() -> Subject {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().to_path_buf();
    Subject {
        name: "sqlite",
        store: Box::new(SqliteLog::open(&path).expect("open")),
        reopen: Box::new(move || Box::new(SqliteLog::open(&path).expect("reopen"))),
        _dir: Some(dir),
    }
}

/// Without the `postgres` feature there is no PostgreSQL store to test.
#[cfg(not(feature = "postgres"))]
fn postgresql() -> Option<Subject> {
    None
}

/// A new, empty database on the test server, or `None` when there is no server to test against.
#[cfg(feature = "postgres")]
fn postgres_database() -> Option<String> {
    let Ok(base) = std::env::var("DECONFLICT_TEST_DATABASE_URL") else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must test the PostgreSQL store: set DECONFLICT_TEST_DATABASE_URL (scripts/test does)"
        );
        eprintln!("conformance: DECONFLICT_TEST_DATABASE_URL is not set; PostgreSQL is not tested");
        return None;
    };
    let name = format!("t_{}", hex::encode(rand::random::<[u8; 8]>()));
    let mut admin = postgres::Client::connect(&base, postgres::NoTls).expect("the test server");
    admin
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .expect("create a database");
    let (head, _) = base.rsplit_once('/').expect("a URL with a database");
    Some(format!("{head}/{name}"))
}

#[cfg(feature = "postgres")]
fn postgresql() -> Option<Subject> {
    let url = postgres_database()?;
    let again = url.clone();
    Some(Subject {
        name: "postgres",
        store: Box::new(PgLog::open(&url).expect("open")),
        reopen: Box::new(move || Box::new(PgLog::open(&again).expect("reopen"))),
        _dir: None,
    })
}

fn subjects() -> Vec<Subject> {
    let mut all = vec![sqlite()];
    all.extend(postgresql());
    all
}

fn entry(i: u64, to: &[&str]) -> NewEntry {
    NewEntry {
        time_ms: 1_497_762_000_000 + i as i64,
        kind: "test.entry".into(),
        actor: "us-cjtf".into(),
        audience: if to.is_empty() {
            Audience::Everyone
        } else {
            Audience::Parties(to.iter().map(|s| s.to_string()).collect())
        },
        content: json!({"n": i, "text": format!("entry {i}")}),
    }
}

/// A checkpointer that signs at once, with a test key from `seed`.
fn checkpointer(seed: u8) -> Checkpointer {
    let signer =
        Signer::from_seed("test.example/line", KeyType::Ed25519, [seed; 32]).expect("signer");
    Checkpointer::new(signer, Duration::ZERO)
}

/// The root of the leaves, computed from scratch (RFC 9162 §2.1.1).
fn reference_root(leaves: &[Hash]) -> Hash {
    match leaves.len() {
        0 => merkle::empty_root(),
        1 => leaves[0],
        n => {
            let k = 1usize << (usize::BITS - 1 - (n - 1).leading_zeros());
            merkle::node_hash(&reference_root(&leaves[..k]), &reference_root(&leaves[k..]))
        }
    }
}

#[test]
fn appends_read_back_in_order_with_the_same_leaves_and_roots_everywhere() {
    let mut roots: Vec<(&str, Vec<Hash>)> = Vec::new();
    for s in subjects() {
        let store = &s.store;
        assert_eq!(store.size().expect("size"), 0, "{}", s.name);
        let mut leaves = Vec::new();
        let mut roots_here = Vec::new();
        for batch in 0..9u64 {
            let entries: Vec<NewEntry> = (0..batch % 4 + 1)
                .map(|i| entry(batch * 10 + i, if i % 2 == 0 { &[] } else { &["ru-gs"] }))
                .collect();
            let n = entries.len() as u64;
            let size = store.size().expect("size");
            let a = store.append(Some(size), entries).expect("append");
            assert_eq!((a.first_seq, a.size), (size, size + n), "{}", s.name);
            leaves.extend(a.leaf_hashes.iter().copied());
            let root = Tree(store.as_ref()).root(a.size).expect("root");
            assert_eq!(
                root,
                reference_root(&leaves),
                "{}: root at {}",
                s.name,
                a.size
            );
            roots_here.push(root);
        }
        let all = store.entries(0, 1000).expect("entries");
        assert_eq!(all.len(), leaves.len());
        for (i, e) in all.iter().enumerate() {
            assert_eq!(e.header.seq, i as u64, "{}", s.name);
            assert_eq!(leaf_hash(&e.header.leaf()), leaves[i], "{}", s.name);
        }
        assert_eq!(store.entries(3, 2).expect("a page").len(), 2);
        assert!(store.entries(1000, 5).expect("past the end").is_empty());
        assert_eq!(
            store.entry(4).expect("entry 4").map(|e| e.header.seq),
            Some(4)
        );
        // Proofs verify against the roots.
        let size = leaves.len() as u64;
        for seq in [0, 5, size - 1] {
            let proof = Tree(store.as_ref())
                .inclusion_proof(seq, size)
                .expect("inclusion proof");
            merkle::verify_inclusion(seq, size, &leaves[seq as usize], &proof, &roots_here[8])
                .expect("the proof verifies");
        }
        roots.push((s.name, roots_here));
    }
    // Both adapters built the same tree from the same entries.
    if let [(a, ra), (b, rb)] = roots.as_slice() {
        assert_eq!(ra, rb, "{a} and {b} disagree");
    }
}

#[test]
fn a_wrong_expected_size_or_a_bad_entry_writes_nothing() {
    for s in subjects() {
        let store = &s.store;
        store
            .append(None, vec![entry(0, &[]), entry(1, &[])])
            .expect("append");
        let e = store
            .append(Some(1), vec![entry(2, &[])])
            .expect_err("the log has 2 entries");
        assert_eq!(
            e,
            StoreError::SizeMismatch {
                expected: 1,
                actual: 2
            },
            "{}",
            s.name
        );
        let mut bad = entry(3, &[]);
        bad.kind = String::new();
        assert!(
            store.append(Some(2), vec![entry(3, &[]), bad]).is_err(),
            "{}: an entry without a kind",
            s.name
        );
        assert_eq!(
            store.size().expect("size"),
            2,
            "{}: nothing written",
            s.name
        );
    }
}

#[test]
fn concurrent_writers_lose_nothing_and_share_no_sequence_number() {
    for s in subjects() {
        let store: Arc<dyn LogStore> = Arc::from(s.store);
        let threads: Vec<_> = (0..8u64)
            .map(|t| {
                let store = Arc::clone(&store);
                std::thread::spawn(move || {
                    let mut firsts = Vec::new();
                    for i in 0..25 {
                        let a = store
                            .append(
                                None,
                                vec![entry(t * 1000 + i, &[]), entry(t * 1000 + i + 500, &[])],
                            )
                            .expect("append");
                        firsts.push(a.first_seq);
                    }
                    firsts
                })
            })
            .collect();
        let mut firsts: Vec<u64> = threads
            .into_iter()
            .flat_map(|t| t.join().expect("a writer"))
            .collect();
        firsts.sort_unstable();
        assert_eq!(
            firsts,
            (0..200).map(|i| i * 2).collect::<Vec<_>>(),
            "{}: every append got its own two sequence numbers",
            s.name
        );
        let all = store.entries(0, 1000).expect("entries");
        assert_eq!(all.len(), 400, "{}", s.name);
        // Each append's two entries are next to each other.
        for pair in all.chunks(2) {
            let n = |e: &deconflict_store::StoredEntry| {
                serde_json::from_slice::<serde_json::Value>(&e.content).expect("json")["n"]
                    .as_u64()
                    .expect("n")
            };
            assert_eq!(n(&pair[0]) + 500, n(&pair[1]), "{}", s.name);
        }
        let leaves: Vec<Hash> = all.iter().map(|e| leaf_hash(&e.header.leaf())).collect();
        assert_eq!(
            Tree(store.as_ref()).root(400).expect("root"),
            reference_root(&leaves),
            "{}",
            s.name
        );
    }
}

#[test]
fn writers_naming_the_same_size_get_exactly_one_append() {
    for s in subjects() {
        let store: Arc<dyn LogStore> = Arc::from(s.store);
        for round in 0..10u64 {
            let size = store.size().expect("size");
            let threads: Vec<_> = (0..4u64)
                .map(|t| {
                    let store = Arc::clone(&store);
                    std::thread::spawn(move || {
                        store.append(Some(size), vec![entry(round * 10 + t, &[])])
                    })
                })
                .collect();
            let results: Vec<_> = threads
                .into_iter()
                .map(|t| t.join().expect("a writer"))
                .collect();
            let won = results.iter().filter(|r| r.is_ok()).count();
            assert_eq!(won, 1, "{}: round {round}: {results:?}", s.name);
            for r in results.iter().filter_map(|r| r.as_ref().err()) {
                assert!(
                    matches!(r, StoreError::SizeMismatch { expected, actual } if *expected == size && *actual == size + 1),
                    "{}: {r}",
                    s.name
                );
            }
        }
        assert_eq!(store.size().expect("size"), 10, "{}", s.name);
    }
}

#[test]
fn checkpoints_and_entries_survive_reopening() {
    for s in subjects() {
        let first = s.store;
        let mut checkpointer = checkpointer(7);
        assert_eq!(first.latest_checkpoint().expect("latest"), None);
        first
            .append(None, (0..3).map(|i| entry(i, &["sdf"])).collect())
            .expect("append");
        let at3 = checkpointer
            .sign_now(first.as_ref(), Instant::now())
            .expect("sign")
            .expect("a checkpoint at 3");
        first
            .append(None, (3..7).map(|i| entry(i, &["sdf"])).collect())
            .expect("append");
        let at7 = checkpointer
            .sign_now(first.as_ref(), Instant::now())
            .expect("sign")
            .expect("a checkpoint at 7");
        assert_eq!((at3.size, at7.size), (3, 7));
        // Nothing new to sign: no checkpoint; the same size again changes nothing.
        assert!(checkpointer
            .sign_now(first.as_ref(), Instant::now())
            .expect("sign")
            .is_none());
        first
            .put_checkpoint(StoredCheckpoint {
                size: 7,
                note: "another note\n".into(),
            })
            .expect("again");
        let root = Tree(first.as_ref()).root(7).expect("root");
        drop(first);
        let again = (s.reopen)();
        assert_eq!(again.size().expect("size"), 7, "{}", s.name);
        assert_eq!(
            Tree(again.as_ref()).root(7).expect("root"),
            root,
            "{}",
            s.name
        );
        assert_eq!(
            again.latest_checkpoint().expect("latest"),
            Some(at7),
            "{}",
            s.name
        );
        assert_eq!(
            again
                .checkpoints()
                .expect("all")
                .iter()
                .map(|c| c.size)
                .collect::<Vec<_>>(),
            vec![3, 7],
            "{}",
            s.name
        );
        // Appending after a reopen continues the tree.
        let a = again.append(Some(7), vec![entry(7, &[])]).expect("append");
        assert_eq!(a.first_seq, 7);
        let leaves: Vec<Hash> = again
            .entries(0, 100)
            .expect("entries")
            .iter()
            .map(|e| leaf_hash(&e.header.leaf()))
            .collect();
        assert_eq!(
            Tree(again.as_ref()).root(8).expect("root"),
            reference_root(&leaves),
            "{}",
            s.name
        );
    }
}

/// PostgreSQL keeps its schema's version: a database migrated by a newer binary is refused with a clear
/// error, and an unreachable one is named (without its password).
#[test]
#[cfg(feature = "postgres")]
fn a_newer_schema_is_refused() {
    let Some(url) = postgres_database() else {
        return;
    };
    drop(PgLog::open(&url).expect("open"));
    let mut client = postgres::Client::connect(&url, postgres::NoTls).expect("connect");
    let version = deconflict_store::postgres::SCHEMA_VERSION + 1;
    client
        .execute(
            "INSERT INTO deconflict_schema (version, applied_ms) VALUES ($1, 0)",
            &[&version],
        )
        .expect("a newer version");
    let e = PgLog::open(&url).expect_err("a newer schema");
    assert!(
        e.to_string().contains(&format!(
            "the database's schema is version {version}, newer than this binary's {}",
            version - 1
        )),
        "{e}"
    );
}

/// Entries the writer sealed itself (as the server does under its lock) are taken only at the sequence
/// numbers they were sealed for; queued appends are written in order.
#[test]
fn sealed_appends_go_where_they_were_sealed_for() {
    for s in subjects() {
        let store = &s.store;
        store.append(None, vec![entry(0, &[])]).expect("append");
        let sealed = |from: u64, n: u64| -> Vec<deconflict_store::StoredEntry> {
            (from..from + n)
                .map(|i| entry(i, &["tr-gs"]).seal(i).expect("seal"))
                .collect()
        };
        let wrong = store
            .append_sealed(Some(1), sealed(2, 1))
            .expect_err("sealed for 2 at 1");
        assert!(
            matches!(wrong, StoreError::SizeMismatch { .. }),
            "{}: {wrong}",
            s.name
        );
        let first = store.submit_sealed(Some(1), sealed(1, 2)).expect("queued");
        let second = store.submit_sealed(Some(3), sealed(3, 1)).expect("queued");
        assert_eq!(first.wait().expect("durable").first_seq, 1, "{}", s.name);
        assert_eq!(second.wait().expect("durable").size, 4, "{}", s.name);
        let mut tampered = sealed(4, 1);
        tampered[0].content = b"{\"n\":99}".to_vec();
        assert!(
            store.append_sealed(Some(4), tampered).is_err(),
            "{}",
            s.name
        );
        assert_eq!(store.size().expect("size"), 4, "{}", s.name);
    }
}

/// Two processes' stores on one PostgreSQL database (as two server nodes would have): appends from both at
/// once all land, at distinct sequence numbers, in one tree; naming the same size, exactly one wins.
#[test]
#[cfg(feature = "postgres")]
fn two_stores_on_one_database_share_the_log() {
    let Some(url) = postgres_database() else {
        return;
    };
    let nodes: Vec<Arc<dyn LogStore>> = (0..2)
        .map(|_| Arc::new(PgLog::open(&url).expect("open")) as Arc<dyn LogStore>)
        .collect();
    let threads: Vec<_> = (0..8u64)
        .map(|t| {
            let store = Arc::clone(&nodes[t as usize % 2]);
            std::thread::spawn(move || {
                (0..20)
                    .map(|i| {
                        store
                            .append(None, vec![entry(t * 100 + i, &[])])
                            .expect("append")
                            .first_seq
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut firsts: Vec<u64> = threads
        .into_iter()
        .flat_map(|t| t.join().expect("a writer"))
        .collect();
    firsts.sort_unstable();
    assert_eq!(firsts, (0..160).collect::<Vec<_>>());
    let leaves: Vec<Hash> = nodes[1]
        .entries(0, 1000)
        .expect("entries")
        .iter()
        .map(|e| leaf_hash(&e.header.leaf()))
        .collect();
    for node in &nodes {
        assert_eq!(
            Tree(node.as_ref()).root(160).expect("root"),
            reference_root(&leaves)
        );
    }
    for round in 0..5u64 {
        let size = nodes[0].size().expect("size");
        let racers: Vec<_> = (0..4u64)
            .map(|t| {
                let store = Arc::clone(&nodes[t as usize % 2]);
                std::thread::spawn(move || {
                    store.append(Some(size), vec![entry(round * 10 + t, &[])])
                })
            })
            .collect();
        let won = racers
            .into_iter()
            .map(|r| r.join().expect("a racer"))
            .filter(|r| r.is_ok())
            .count();
        assert_eq!(won, 1, "round {round}");
    }
    assert_eq!(nodes[0].size().expect("size"), 165);
}

/// A node that holds the end of a shared log gets what it missed, and no other node appends until it has
/// appended at the end it held; a hold let go appends nothing. Another node learns that the log grew.
#[test]
#[cfg(feature = "postgres")]
fn a_held_end_keeps_other_nodes_waiting() {
    let Some(url) = postgres_database() else {
        return;
    };
    let a: Arc<dyn LogStore> = Arc::new(PgLog::open(&url).expect("open"));
    let b: Arc<dyn LogStore> = Arc::new(PgLog::open(&url).expect("open"));
    assert!(a.shared() && !sqlite().store.shared());
    b.append(None, vec![entry(0, &[]), entry(1, &[])])
        .expect("append");
    // B's appends reach A's watcher.
    assert_eq!(
        a.await_growth(0, Duration::from_secs(5)).expect("growth"),
        2
    );

    let (missed, held) = a.hold_end(1).expect("hold");
    assert_eq!(
        missed.iter().map(|e| e.header.seq).collect::<Vec<_>>(),
        vec![1]
    );
    let other = {
        let b = Arc::clone(&b);
        std::thread::spawn(move || b.append(None, vec![entry(9, &[])]))
    };
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(b.size().expect("size"), 2, "B waits while A holds the end");
    let sealed = vec![entry(2, &[]).seal(2).expect("seal")];
    let appended = held.append(sealed).expect("append at the held end");
    assert_eq!((appended.first_seq, appended.size), (2, 3));
    let theirs = other.join().expect("B").expect("B's append");
    assert_eq!(theirs.first_seq, 3, "B's append came after the held end");

    // A hold let go appends nothing, and the end is free again.
    let (missed, held) = a.hold_end(0).expect("hold");
    assert_eq!(missed.len(), 4);
    drop(held);
    assert_eq!(
        b.append(Some(4), vec![entry(4, &[])])
            .expect("append")
            .first_seq,
        4
    );
    assert_eq!(a.size().expect("size"), 5);
    // The embedded store has one writer and no end to hold.
    assert!(sqlite().store.hold_end(0).is_err());
}

/// Without LISTEN (as on CockroachDB), a node still learns that the log grew, by polling; with it, within
/// a notification.
#[test]
#[cfg(feature = "postgres")]
fn a_node_learns_of_growth_with_or_without_listen() {
    let Some(url) = postgres_database() else {
        return;
    };
    let writer = PgLog::open(&url).expect("open");
    for (name, watcher) in [
        ("listening", PgLog::open(&url).expect("open")),
        ("polling", PgLog::open_polling(&url).expect("open")),
    ] {
        let known = watcher.size().expect("size");
        // Nothing new: the wait times out and says so.
        assert_eq!(
            watcher
                .await_growth(known, Duration::from_millis(200))
                .expect("wait"),
            known,
            "{name}"
        );
        let started = Instant::now();
        let waiting = std::thread::spawn(move || {
            let seen = watcher.await_growth(known, Duration::from_secs(10));
            (seen, started.elapsed())
        });
        std::thread::sleep(Duration::from_millis(100));
        writer
            .append(None, vec![entry(known, &[])])
            .expect("append");
        let (seen, took) = waiting.join().expect("watcher");
        assert_eq!(seen.expect("wait"), known + 1, "{name}");
        // A notification wakes the listening node at once (its own poll comes only once a second); the
        // polling one reads the size every 100 ms.
        let bound = if name == "listening" { 500 } else { 2000 };
        assert!(took < Duration::from_millis(bound), "{name}: {took:?}");
    }
}

/// The whole-log check finds a sound log sound on every adapter, and on PostgreSQL (where nothing re-derives
/// on opening) finds a changed entry, a changed node and a checkpoint that no longer matches.
#[test]
#[cfg(feature = "postgres")]
fn the_whole_log_check_finds_what_was_changed() {
    use deconflict_store::check::check;
    for s in subjects() {
        let store = &s.store;
        let mut checkpointer = checkpointer(9);
        store
            .append(None, (0..37).map(|i| entry(i, &["sdf"])).collect())
            .expect("append");
        checkpointer
            .sign_now(store.as_ref(), Instant::now())
            .expect("sign")
            .expect("a checkpoint");
        let report = check(store.as_ref()).expect("check");
        assert_eq!(report.problems, Vec::<String>::new(), "{}", s.name);
        assert_eq!(
            (report.size, report.checkpoints_checked),
            (37, 1),
            "{}",
            s.name
        );
        // 37 leaves and the 18 + 9 + 4 + 2 + 1 complete interior nodes above them.
        assert_eq!(report.nodes_checked, 71, "{}: {report:?}", s.name);
    }
    let Some(url) = postgres_database() else {
        return;
    };
    let store = PgLog::open(&url).expect("open");
    store
        .append(None, (0..37).map(|i| entry(i, &[])).collect())
        .expect("append");
    checkpointer(9)
        .sign_now(&store, Instant::now())
        .expect("sign");
    let mut client = postgres::Client::connect(&url, postgres::NoTls).expect("connect");
    client
        .execute(
            "UPDATE entries SET content = $1 WHERE seq = 3",
            &[&b"{}".to_vec()],
        )
        .expect("change an entry");
    client
        .execute(
            "UPDATE nodes SET hash = $1 WHERE level = 2 AND idx = 5",
            &[&vec![0u8; 32]],
        )
        .expect("change a node");
    let problems = check(&store).expect("check").problems;
    assert!(
        problems.iter().any(|p| p.contains("entry 3: its content")),
        "{problems:?}"
    );
    assert!(
        problems.iter().any(|p| p.contains("node (2, 5)")),
        "{problems:?}"
    );
    client
        .execute(
            "UPDATE entries SET leaf_hash = $1 WHERE seq = 36",
            &[&vec![1u8; 32]],
        )
        .expect("change a leaf");
    let problems = check(&store).expect("check").problems;
    assert!(
        problems
            .iter()
            .any(|p| p.contains("entry 36: the stored leaf hash")),
        "{problems:?}"
    );
}
