//! `deconflict log verify-proof` on proofs made by independent implementations (inclusion proofs from
//! `ct-merkle`, the checkpoint signed by `signed_note`, cosignatures made with ed25519-dalek from the
//! specification), and refusal of tampered ones; `deconflict log witness` refusing a forked log.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use ed25519_dalek::Signer as _;
use sha2::{Digest, Sha256};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_deconflict"))
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("run deconflict")
}

fn path(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

const LOG_SKEY: &str =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const LOG_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";

/// A cosigner made from the specification: key id over type 0x04, timestamped message.
struct Witness {
    name: String,
    key: ed25519_dalek::SigningKey,
}

impl Witness {
    fn id(&self) -> [u8; 4] {
        let mut h = Sha256::new();
        h.update(self.name.as_bytes());
        h.update([b'\n', 0x04]);
        h.update(self.key.verifying_key().as_bytes());
        let d = h.finalize();
        [d[0], d[1], d[2], d[3]]
    }

    fn vkey(&self) -> String {
        let mut k = vec![0x04];
        k.extend_from_slice(self.key.verifying_key().as_bytes());
        format!("{}+{}+{}", self.name, hex::encode(self.id()), B64.encode(k))
    }

    fn cosign(&self, text: &str, time: u64) -> String {
        let sig = self
            .key
            .sign(format!("cosignature/v1\ntime {time}\n{text}").as_bytes());
        let mut bytes = self.id().to_vec();
        bytes.extend_from_slice(&time.to_be_bytes());
        bytes.extend_from_slice(&sig.to_bytes());
        format!("\u{2014} {} {}\n", self.name, B64.encode(bytes))
    }
}

struct Fixture {
    dir: tempfile::TempDir,
    leaves: Vec<Vec<u8>>,
    tree: ct_merkle::mem_backed_tree::MemoryBackedTree<sha2_next::Sha256, Vec<u8>>,
    witnesses: Vec<Witness>,
}

impl Fixture {
    fn new() -> Self {
        let mut tree = ct_merkle::mem_backed_tree::MemoryBackedTree::new();
        let leaves: Vec<Vec<u8>> = (0..93)
            .map(|i| format!("leaf {i}\n").into_bytes())
            .collect();
        for l in &leaves {
            tree.push(l.clone());
        }
        Fixture {
            dir: tempfile::tempdir().expect("temp dir"),
            leaves,
            tree,
            witnesses: (0..3)
                .map(|i| Witness {
                    name: format!("w{i}.example"),
                    key: ed25519_dalek::SigningKey::from_bytes(&[40 + i; 32]),
                })
                .collect(),
        }
    }

    fn file(&self, name: &str, content: &[u8]) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, content).expect("write");
        p
    }

    /// The checkpoint text, signed by the log with `signed_note`, cosigned by some witnesses.
    fn checkpoint(&self, log_skey: &str, cosigners: &[usize]) -> String {
        use signed_note::{Note, StandardSigner};
        let root = self.tree.root();
        let text = format!(
            "PeterNeumann\n{}\n{}\n",
            self.tree.len(),
            B64.encode(root.as_bytes())
        );
        let mut note = Note::new(text.as_bytes(), &[]).expect("note");
        note.add_sigs(&[&StandardSigner::new(log_skey).expect("signer")])
            .expect("sign");
        let mut signed = String::from_utf8(note.to_bytes()).expect("utf-8");
        for &i in cosigners {
            signed.push_str(&self.witnesses[i].cosign(&text, 1_700_000_000));
        }
        signed
    }

    fn proof(&self, index: usize, hashes: &[u8], checkpoint: &str) -> String {
        let mut s = format!("c2sp.org/tlog-proof@v1\nindex {index}\n");
        for h in hashes.chunks(32) {
            s.push_str(&B64.encode(h));
            s.push('\n');
        }
        s.push('\n');
        s.push_str(checkpoint);
        s
    }

    fn policy(&self) -> PathBuf {
        let mut p = format!("log {LOG_VKEY}\n");
        for (i, w) in self.witnesses.iter().enumerate() {
            p.push_str(&format!("witness W{i} {}\n", w.vkey()));
        }
        p.push_str("group G 2 W0 W1 W2\nquorum G\n");
        self.file("policy", p.as_bytes())
    }

    fn verify(&self, proof: &str, leaf: &[u8]) -> Output {
        let policy = self.policy();
        let proof = self.file("proof", proof.as_bytes());
        let leaf = self.file("leaf", leaf);
        run(&[
            "log",
            "verify-proof",
            "--policy",
            path(&policy),
            "--proof",
            path(&proof),
            "--leaf",
            path(&leaf),
        ])
    }
}

#[test]
fn verify_proof_accepts_independent_proofs_and_refuses_tampering() {
    let f = Fixture::new();
    let index = 57;
    let hashes = f.tree.prove_inclusion(index).as_bytes().to_vec();
    let good_cp = f.checkpoint(LOG_SKEY, &[0, 2]);
    let good = f.proof(index, &hashes, &good_cp);
    let out = f.verify(&good, &f.leaves[index]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // The leaf hash instead of the leaf.
    let mut leaf_hash = Sha256::new();
    leaf_hash.update([0u8]);
    leaf_hash.update(&f.leaves[index]);
    let proof_file = f.file("proof-by-hash", good.as_bytes());
    let out = run(&[
        "log",
        "verify-proof",
        "--policy",
        path(&f.policy()),
        "--proof",
        path(&proof_file),
        "--leaf-hash",
        &hex::encode(leaf_hash.finalize()),
    ]);
    assert_eq!(out.status.code(), Some(0));

    let mut flipped = hashes.clone();
    flipped[70] ^= 0x01;
    // Another key under the log's name: a checkpoint anyone could forge.
    let (other_log, _) = {
        use rand::SeedableRng;
        signed_note::generate_key(
            &mut rand_chacha::ChaCha8Rng::seed_from_u64(1),
            "PeterNeumann",
        )
    };
    let other_log = other_log.as_str();
    let cases: Vec<(&str, String, &[u8], &str)> = vec![
        (
            "a flipped hash bit",
            f.proof(index, &flipped, &good_cp),
            &f.leaves[index],
            "inclusion proof",
        ),
        (
            "a wrong index",
            f.proof(index + 1, &hashes, &good_cp),
            &f.leaves[index],
            "inclusion proof",
        ),
        (
            "another leaf",
            good.clone(),
            &f.leaves[index + 1],
            "inclusion proof",
        ),
        (
            "a wrong log key",
            f.proof(index, &hashes, &f.checkpoint(other_log, &[0, 2])),
            &f.leaves[index],
            "no log in the policy",
        ),
        (
            "a missing witness quorum",
            f.proof(index, &hashes, &f.checkpoint(LOG_SKEY, &[1])),
            &f.leaves[index],
            "quorum is not met",
        ),
    ];
    for (what, proof, leaf, reason) in cases {
        let out = f.verify(&proof, leaf);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{what}: {stderr}");
        assert!(stderr.contains(reason), "{what}: {stderr}");
    }
    // Unreadable input is exit 2.
    let out = f.verify("not a proof", &f.leaves[index]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn witness_cosigns_consistent_checkpoints_and_refuses_a_fork() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let d = tmp.path();
    let main = d.join("main");
    let fork = d.join("fork");
    let stress = |data: &Path, count: &str| {
        let out = run(&[
            "log",
            "stress",
            "--writers",
            "1",
            "--count",
            count,
            "--data",
            path(data),
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let key = d.join("w.key");
    let out = run(&[
        "log",
        "witness",
        "init",
        "--name",
        "witness.example",
        "--key",
        path(&key),
    ]);
    assert!(out.status.success());
    let state = d.join("w.state");
    let log_key = String::from_utf8(run(&["log", "key", "--data", path(&main.clone())]).stdout)
        .unwrap_or_default();
    assert!(log_key.is_empty(), "no key before the first start");

    stress(&main, "40");
    let log_key =
        String::from_utf8(run(&["log", "key", "--data", path(&main)]).stdout).expect("utf-8");
    let cosign = |cp: &Path, proof: Option<&Path>| {
        let mut args = vec![
            "log",
            "witness",
            "cosign",
            "--key",
            path(&key),
            "--state",
            path(&state),
        ];
        args.extend(["--log-key", log_key.trim(), "--checkpoint", path(cp)]);
        if let Some(p) = proof {
            args.extend(["--consistency", path(p)]);
        }
        args.extend(["--evidence", path(d)]);
        run(&args)
    };
    let cp1 = d.join("cp1");
    std::fs::write(
        &cp1,
        run(&["log", "checkpoint", "--data", path(&main)]).stdout,
    )
    .expect("write");
    let out = cosign(&cp1, None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("\u{2014} witness.example "));

    // The log grows; the witness checks the consistency proof and cosigns again.
    stress(&main, "25");
    let cp2 = d.join("cp2");
    std::fs::write(
        &cp2,
        run(&["log", "checkpoint", "--data", path(&main)]).stdout,
    )
    .expect("write");
    let proof = d.join("proof12");
    std::fs::write(
        &proof,
        run(&["log", "consistency", "--data", path(&main), "--from", "40"]).stdout,
    )
    .expect("write");
    let out = cosign(&cp2, Some(&proof));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // A fork: the same log key, another history. Copy the key, write different entries.
    std::fs::create_dir_all(&fork).expect("fork dir");
    for f in ["log.key", "log.pub"] {
        std::fs::copy(main.join(f), fork.join(f)).expect("copy key");
    }
    stress(&fork, "90");
    let cp3 = d.join("cp3");
    std::fs::write(
        &cp3,
        run(&["log", "checkpoint", "--data", path(&fork)]).stdout,
    )
    .expect("write");
    let forged = d.join("proof-fork");
    std::fs::write(
        &forged,
        run(&["log", "consistency", "--data", path(&fork), "--from", "65"]).stdout,
    )
    .expect("write");
    let out = cosign(&cp3, Some(&forged));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("not consistent"), "{stderr}");
    let evidence: Vec<_> = std::fs::read_dir(d)
        .expect("read dir")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with("evidence-"))
        .collect();
    assert_eq!(evidence.len(), 1);
    for f in [
        "old.checkpoint",
        "new.checkpoint",
        "consistency.proof",
        "reason.txt",
    ] {
        assert!(evidence[0].path().join(f).exists(), "{f}");
    }
    // The state still holds the last honest checkpoint.
    assert_eq!(
        std::fs::read_to_string(&state).expect("state"),
        std::fs::read_to_string(&cp2).expect("cp2")
    );
}
