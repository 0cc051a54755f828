//! `tlog-policy` parsing and quorum rules, and offline verification of `tlog-proof` files under a policy.

use deconflict_ledger::merkle::{inclusion_proof, leaf_hash, MemoryTree};
use deconflict_ledger::note::{KeyType, Note, Signer};
use deconflict_ledger::{Checkpoint, Policy, TlogProof, VerifyError};

fn signer(name: &str, kind: KeyType, seed: u8) -> Signer {
    Signer::from_seed(name, kind, [seed; 32]).expect("signer")
}

struct World {
    log: Signer,
    witnesses: Vec<Signer>,
    tree: MemoryTree,
    leaves: Vec<Vec<u8>>,
}

fn world() -> World {
    let mut tree = MemoryTree::new();
    let leaves: Vec<Vec<u8>> = (0..50).map(|i| format!("entry {i}").into_bytes()).collect();
    for l in &leaves {
        tree.push(leaf_hash(l));
    }
    World {
        log: signer("deconflict.example/log", KeyType::Ed25519, 1),
        witnesses: (0..4)
            .map(|i| signer(&format!("witness{i}.example"), KeyType::Cosignature, 10 + i))
            .collect(),
        tree,
        leaves,
    }
}

impl World {
    fn policy(&self, quorum: &str) -> Policy {
        let mut text = format!("# test policy\nlog {}\n", self.log.verifier().to_vkey());
        for (i, w) in self.witnesses.iter().enumerate() {
            text.push_str(&format!(
                "witness W{i} {} https://w{i}.example/\n",
                w.verifier().to_vkey()
            ));
        }
        text.push_str("group AB all W0 W1\ngroup CD any W2 W3\ngroup two 2 AB CD\n");
        text.push_str(&format!("quorum {quorum}\n"));
        Policy::parse(&text).expect("policy")
    }

    fn checkpoint(&self, cosigners: &[usize]) -> String {
        let cp = Checkpoint {
            origin: "deconflict.example/log".into(),
            size: self.tree.len(),
            root: self.tree.root(),
            extensions: vec![],
        };
        let text = cp.to_text();
        let mut note = format!("{text}\n{}", self.log.sign(&text, 0));
        for &i in cosigners {
            note.push_str(&self.witnesses[i].sign(&text, 1_700_000_000 + i as u64));
        }
        note
    }

    fn proof(&self, index: u64, cosigners: &[usize]) -> TlogProof {
        TlogProof {
            extra: Some(b"context".to_vec()),
            index,
            hashes: inclusion_proof(&self.tree, index, self.tree.len())
                .expect("infallible")
                .expect("in range"),
            checkpoint: self.checkpoint(cosigners),
        }
    }
}

#[test]
fn quorums_of_groups() {
    let w = world();
    let leaf = leaf_hash(&w.leaves[7]);
    let cases: &[(&str, &[usize], bool)] = &[
        ("none", &[], true),
        ("W2", &[2], true),
        ("W2", &[3], false),
        ("AB", &[0], false),
        ("AB", &[0, 1], true),
        ("CD", &[3], true),
        ("two", &[0, 1], false),
        ("two", &[0, 1, 3], true),
        ("two", &[0, 2, 3], false),
    ];
    for (quorum, cosigners, ok) in cases {
        let r = w.policy(quorum).verify_proof(&w.proof(7, cosigners), &leaf);
        assert_eq!(r.is_ok(), *ok, "quorum {quorum} with {cosigners:?}: {r:?}");
    }
}

#[test]
fn proofs_round_trip_and_tampering_is_refused() {
    let w = world();
    let policy = w.policy("AB");
    let leaf = leaf_hash(&w.leaves[21]);
    let proof = w.proof(21, &[0, 1]);
    let text = proof.to_text();
    assert!(text.starts_with("c2sp.org/tlog-proof@v1\nextra Y29udGV4dA==\nindex 21\n"));
    let parsed = TlogProof::parse(&text).expect("parse");
    assert_eq!(parsed, proof);
    let ok = policy.verify_proof(&parsed, &leaf).expect("valid");
    assert_eq!(ok.witnesses, vec!["W0".to_string(), "W1".to_string()]);

    // A flipped bit in a proof hash.
    let mut bad = parsed.clone();
    bad.hashes[2][5] ^= 0x10;
    assert!(matches!(
        policy.verify_proof(&bad, &leaf),
        Err(VerifyError::Inclusion(_))
    ));
    // A wrong index.
    let mut bad = parsed.clone();
    bad.index = 22;
    assert!(matches!(
        policy.verify_proof(&bad, &leaf),
        Err(VerifyError::Inclusion(_))
    ));
    // Another leaf.
    assert!(policy.verify_proof(&parsed, &leaf_hash(b"forged")).is_err());
    // A checkpoint signed by another log key under the same name.
    let impostor = signer("deconflict.example/log", KeyType::Ed25519, 99);
    let cp_text = Note::parse(&parsed.checkpoint).expect("note").text;
    let mut bad = parsed.clone();
    bad.checkpoint = format!("{cp_text}\n{}", impostor.sign(&cp_text, 0));
    assert!(matches!(
        policy.verify_proof(&bad, &leaf),
        Err(VerifyError::NoTrustedLogSignature(_))
    ));
    // Missing witness quorum.
    let mut bad = parsed.clone();
    bad.checkpoint = w.checkpoint(&[0]);
    assert!(matches!(
        policy.verify_proof(&bad, &leaf),
        Err(VerifyError::QuorumNotMet { .. })
    ));
    // A forged cosignature from a listed witness is an error, not merely absent.
    let mut note = Note::parse(&w.checkpoint(&[0, 1])).expect("note");
    note.signatures[1].signature[20] ^= 1;
    let mut bad = parsed.clone();
    bad.checkpoint = note.to_text();
    assert!(matches!(
        policy.verify_proof(&bad, &leaf),
        Err(VerifyError::BadSignature(_))
    ));
    // A changed root in the checkpoint breaks the log signature.
    let mut note = Note::parse(&parsed.checkpoint).expect("note");
    note.text = note.text.replacen(
        &note.text.lines().nth(1).expect("size").to_string(),
        "51",
        1,
    );
    let mut bad = parsed.clone();
    bad.checkpoint = note.to_text();
    assert!(policy.verify_proof(&bad, &leaf).is_err());
}

#[test]
fn bad_policies_name_the_line() {
    let w = world();
    let vkey = w.witnesses[0].verifier().to_vkey();
    let log = w.log.verifier().to_vkey();
    for (text, line, words) in [
        (format!("log {log}\n"), 0, "no quorum line"),
        (format!("log {log}\nquorum W9\n"), 2, "not defined"),
        (
            format!("witness A {vkey}\nwitness B {vkey}\nquorum A\n"),
            2,
            "twice",
        ),
        (
            format!("witness A {vkey}\ngroup G 2 A\nquorum G\n"),
            2,
            "between 1 and 1",
        ),
        (
            format!("witness A {vkey}\ngroup G any A A\nquorum G\n"),
            2,
            "listed twice",
        ),
        (format!("log {vkey}\nquorum none\n"), 1, "signature type"),
        ("quorum none\nquorum none\n".to_string(), 2, "exactly one"),
        (
            "frobnicate\nquorum none\n".to_string(),
            1,
            "unknown keyword",
        ),
        (
            format!("log {}x\nquorum none\n", &log[..log.len() - 1]),
            1,
            "key",
        ),
    ] {
        let err = Policy::parse(&text).expect_err(&text);
        assert_eq!(err.line, line, "{text}: {err}");
        assert!(err.to_string().contains(words), "{text}: {err}");
    }
}
