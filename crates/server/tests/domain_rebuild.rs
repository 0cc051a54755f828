//! The domain crate's declaration fold through a real store (here, so that the domain crate depends on no store):
//! rebuilding the state from the log after a restart gives the same state and digest as folding while
//! writing; a missing or reordered entry gives another digest.

use deconflict_domain::{Declarations, DECLARATION_CANCEL, DECLARATION_VERSION};
use deconflict_ledger::Audience;
use deconflict_store::{LogStore, NewEntry, SqliteLog};
use rand::{Rng, SeedableRng};
use serde_json::json;

#[test]
fn rebuilding_from_the_log_reproduces_the_state_digest() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(12);
    let parties = ["us-cjtf", "ru-gs", "tr-gs", "un-ocha"];
    let mut live = Declarations::new();
    {
        let store = SqliteLog::open(dir.path()).expect("open");
        let mut versions: Vec<(String, String, u64, bool)> = Vec::new();
        for i in 0..400u64 {
            let entry = if versions.is_empty() || rng.gen_bool(0.4) {
                let party = parties[rng.gen_range(0..parties.len())].to_string();
                versions.push((format!("d{i}"), party.clone(), 1, false));
                NewEntry {
                    time_ms: i as i64,
                    kind: DECLARATION_VERSION.into(),
                    actor: party.clone(),
                    audience: Audience::Parties(
                        [party.clone(), "un-ocha".into()].into_iter().collect(),
                    ),
                    content: json!({"id": format!("d{i}"), "party": party, "version": 1, "kind": "air_operation",
                                    "volumes": [{"altitude": {"lower_m": rng.gen_range(0..5000), "upper_m": 9000}}]}),
                }
            } else if rng.gen_bool(0.1) {
                let k = rng.gen_range(0..versions.len());
                if versions[k].3 {
                    continue;
                }
                versions[k].3 = true;
                let (id, party, version, _) = versions[k].clone();
                NewEntry {
                    time_ms: i as i64,
                    kind: DECLARATION_CANCEL.into(),
                    actor: party,
                    audience: Audience::Everyone,
                    content: json!({"id": id, "version": version}),
                }
            } else {
                let k = rng.gen_range(0..versions.len());
                if versions[k].3 {
                    continue;
                }
                versions[k].2 += 1;
                let (id, party, version, _) = versions[k].clone();
                NewEntry {
                    time_ms: i as i64,
                    kind: DECLARATION_VERSION.into(),
                    actor: party.clone(),
                    audience: Audience::Everyone,
                    content: json!({"id": id, "party": party, "version": version, "note": rng.gen::<f64>()}),
                }
            };
            let appended = store.append(None, vec![entry]).expect("append");
            let stored = store
                .entry(appended.first_seq)
                .expect("read")
                .expect("present");
            live.apply(&stored.header, &stored.content)
                .expect("apply while writing");
            if i.is_multiple_of(50) {
                // Unrelated entries are part of the log but not of this fold.
                let other = store
                    .append(
                        None,
                        vec![NewEntry {
                            time_ms: 0,
                            kind: "message.sent".into(),
                            actor: "ru-gs".into(),
                            audience: Audience::Everyone,
                            content: json!({"text": "hotline"}),
                        }],
                    )
                    .expect("append");
                let stored = store
                    .entry(other.first_seq)
                    .expect("read")
                    .expect("present");
                live.apply(&stored.header, &stored.content).expect("apply");
            }
        }
    }
    let store = SqliteLog::open(dir.path()).expect("reopen");
    let entries = store.entries(0, usize::MAX).expect("entries");
    let mut rebuilt = Declarations::new();
    for e in &entries {
        rebuilt
            .apply(&e.header, &e.content)
            .expect("apply while rebuilding");
    }
    assert_eq!(rebuilt, live);
    assert_eq!(rebuilt.digest(), live.digest());
    assert!(live.len() > 50);

    // Dropping any one declaration entry changes the digest (or breaks the fold).
    let mut partial = Declarations::new();
    let mut broke = false;
    for (i, e) in entries.iter().enumerate() {
        if i == 0 {
            continue;
        }
        let mut h = e.header.clone();
        h.seq -= 1;
        if partial.apply(&h, &e.content).is_err() {
            broke = true;
            break;
        }
    }
    assert!(broke || partial.digest() != live.digest());
}
