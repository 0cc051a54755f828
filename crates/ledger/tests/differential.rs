//! The ledger mathematics against independent implementations and published vectors:
//! - Merkle roots and inclusion/consistency proofs against `ct-merkle` (RFC 6962) and `tlog_tiles` (a port of
//!   Go's `golang.org/x/mod/sumdb/tlog`), both directions: their proofs verify with our verifier and ours with
//!   theirs;
//! - signed notes against the vector of Go's `golang.org/x/mod/sumdb/note` documentation and against the
//!   `signed_note` crate, both directions.

use deconflict_ledger::merkle::{
    consistency_proof, inclusion_proof, leaf_hash, verify_consistency, verify_inclusion, Hash,
    MemoryTree,
};
use deconflict_ledger::note::{KeyType, Note, Signer, Verifier};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

type CtTree = ct_merkle::mem_backed_tree::MemoryBackedTree<sha2_next::Sha256, Vec<u8>>;

fn leaves(n: usize, seed: u64) -> Vec<Vec<u8>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n)
        .map(|_| (0..rng.gen_range(0..40)).map(|_| rng.gen()).collect())
        .collect()
}

#[test]
fn merkle_agrees_with_ct_merkle() {
    let data = leaves(300, 1);
    let mut ours = MemoryTree::new();
    let mut theirs = CtTree::new();
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    let mut roots: Vec<Hash> = Vec::new();
    for (i, d) in data.iter().enumerate() {
        ours.push(leaf_hash(d));
        theirs.push(d.clone());
        let n = (i + 1) as u64;
        let root = ours.root();
        assert_eq!(
            root.as_slice(),
            theirs.root().as_bytes().as_slice(),
            "root at size {n}"
        );
        roots.push(root);
        for _ in 0..3 {
            let idx = rng.gen_range(0..n);
            let mine = inclusion_proof(&ours, idx, n)
                .expect("infallible")
                .expect("in range");
            let theirs_proof = theirs.prove_inclusion(idx as usize);
            assert_eq!(
                mine.concat(),
                theirs_proof.as_bytes(),
                "inclusion {idx} of {n}"
            );
            assert_eq!(
                verify_inclusion(idx, n, &leaf_hash(&data[idx as usize]), &mine, &root),
                Ok(())
            );
            let other = ct_merkle::InclusionProof::<sha2_next::Sha256>::from_digests(
                mine.iter().map(|h| {
                    <&sha2_next::digest::Output<sha2_next::Sha256>>::try_from(h.as_slice())
                        .expect("32 bytes")
                }),
            );
            assert!(theirs
                .root()
                .verify_inclusion(&data[idx as usize], idx, &other)
                .is_ok());
        }
        if n >= 2 {
            let old = rng.gen_range(1..n);
            let mine = consistency_proof(&ours, old, n)
                .expect("infallible")
                .expect("old ≤ new");
            let theirs_proof = theirs.prove_consistency((n - old) as usize);
            assert_eq!(
                mine.concat(),
                theirs_proof.as_bytes(),
                "consistency {old} → {n}"
            );
            assert_eq!(
                verify_consistency(old, n, &roots[old as usize - 1], &root, &mine),
                Ok(())
            );
        }
    }
}

/// Go's tlog keeps every node in one array by "stored hash index"; a reader over it.
struct GoStore(Vec<tlog_tiles::Hash>);

impl tlog_tiles::HashReader for GoStore {
    fn read_hashes(
        &self,
        indexes: &[u64],
    ) -> Result<Vec<tlog_tiles::Hash>, tlog_tiles::tlog::Error> {
        Ok(indexes.iter().map(|&i| self.0[i as usize]).collect())
    }
}

#[test]
fn merkle_agrees_with_go_tlog() {
    let data = leaves(200, 3);
    let mut go = GoStore(Vec::new());
    let mut ours = MemoryTree::new();
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    for (i, d) in data.iter().enumerate() {
        let hashes = tlog_tiles::stored_hashes(i as u64, d, &go).expect("stored hashes");
        go.0.extend(hashes);
        ours.push(leaf_hash(d));
        let n = (i + 1) as u64;
        let go_root = tlog_tiles::tree_hash(n, &go).expect("tree hash");
        assert_eq!(go_root.0, ours.root(), "root at size {n}");
        let idx = rng.gen_range(0..n);
        let go_proof = tlog_tiles::prove_record(n, idx, &go).expect("record proof");
        let mine = inclusion_proof(&ours, idx, n)
            .expect("infallible")
            .expect("in range");
        assert_eq!(go_proof.iter().map(|h| h.0).collect::<Vec<_>>(), mine);
        let as_go: Vec<tlog_tiles::Hash> = mine.iter().map(|h| tlog_tiles::Hash(*h)).collect();
        assert!(tlog_tiles::check_record(
            &as_go,
            n,
            go_root,
            idx,
            tlog_tiles::record_hash(&data[idx as usize])
        )
        .is_ok());
        let old = rng.gen_range(1..=n);
        let go_tree = tlog_tiles::prove_tree(n, old, &go).expect("tree proof");
        let mine = consistency_proof(&ours, old, n)
            .expect("infallible")
            .expect("old ≤ new");
        assert_eq!(
            go_tree.iter().map(|h| h.0).collect::<Vec<_>>(),
            mine,
            "consistency {old} → {n}"
        );
        let old_root = tlog_tiles::tree_hash(old, &go).expect("old root");
        assert_eq!(
            verify_consistency(old, n, &old_root.0, &ours.root(), &mine),
            Ok(())
        );
    }
}

#[test]
fn tampered_proofs_are_refused() {
    let data = leaves(77, 5);
    let mut t = MemoryTree::new();
    for d in &data {
        t.push(leaf_hash(d));
    }
    let root = t.root();
    let leaf = leaf_hash(&data[30]);
    let proof = inclusion_proof(&t, 30, 77)
        .expect("infallible")
        .expect("in range");
    assert!(verify_inclusion(30, 77, &leaf, &proof, &root).is_ok());
    for bit in [0usize, 7, 100, 255] {
        for k in 0..proof.len() {
            let mut bad = proof.clone();
            bad[k][bit / 8] ^= 1 << (bit % 8);
            assert!(
                verify_inclusion(30, 77, &leaf, &bad, &root).is_err(),
                "flipped bit {bit} of hash {k}"
            );
        }
    }
    assert!(
        verify_inclusion(31, 77, &leaf, &proof, &root).is_err(),
        "wrong index"
    );
    // A proof fits every tree size with the same path shape (the checkpoint binds size and root); a size with
    // another shape is refused.
    assert!(
        verify_inclusion(30, 64, &leaf, &proof, &root).is_err(),
        "wrong size"
    );
    assert!(
        verify_inclusion(30, 77, &leaf, &proof[1..], &root).is_err(),
        "short proof"
    );
    let old = consistency_proof(&t, 40, 77)
        .expect("infallible")
        .expect("ok");
    let mut t40 = MemoryTree::new();
    for d in &data[..40] {
        t40.push(leaf_hash(d));
    }
    assert!(verify_consistency(40, 77, &t40.root(), &root, &old).is_ok());
    assert!(
        verify_consistency(40, 77, &root, &root, &old).is_err(),
        "wrong old root"
    );
    assert!(
        verify_consistency(41, 77, &t40.root(), &root, &old).is_err(),
        "wrong old size"
    );
}

// The example of golang.org/x/mod/sumdb/note's documentation.
const GO_SKEY: &str =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const GO_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const GO_NOTE: &str = "If you think cryptography is the answer to your problem,\n\
then you don't know what your problem is.\n\
\n\
— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

#[test]
fn signed_note_matches_the_go_vector() {
    let signer = Signer::parse(GO_SKEY).expect("skey");
    let verifier = Verifier::parse(GO_VKEY).expect("vkey");
    assert_eq!(signer.verifier(), &verifier);
    assert_eq!(signer.to_skey(), GO_SKEY);
    assert_eq!(verifier.to_vkey(), GO_VKEY);
    let note = Note::parse(GO_NOTE).expect("note");
    assert_eq!(note.check(&verifier), Ok(Some(0)));
    // Ed25519 is deterministic: signing the text again gives the same note, byte for byte.
    let text = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
    assert_eq!(format!("{text}\n{}", signer.sign(text, 0)), GO_NOTE);
    assert_eq!(note.to_text(), GO_NOTE);
    // A changed text does not verify.
    let mut bad = note.clone();
    bad.text = bad.text.replace("problem,", "problem;");
    assert!(bad.check(&verifier).is_err());
}

#[test]
fn signed_note_agrees_with_the_signed_note_crate() {
    use signed_note::{
        Note as TheirNote, Signer as _, StandardSigner, StandardVerifier, VerifierList,
    };
    let mut rng = ChaCha8Rng::seed_from_u64(6);
    for i in 0..50 {
        let name = format!("example.com/log{i}");
        let ours = Signer::from_seed(&name, KeyType::Ed25519, rng.gen()).expect("signer");
        let theirs_signer =
            StandardSigner::new(&ours.to_skey()).expect("their signer reads our key");
        let theirs_verifier =
            StandardVerifier::new(&ours.verifier().to_vkey()).expect("their verifier");
        assert_eq!(theirs_signer.key_id(), ours.verifier().id);
        let text = format!(
            "example.com/log{i}\n{}\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
            i * 7
        );
        // Ours verified by theirs.
        let signed = format!("{text}\n{}", ours.sign(&text, 0));
        let parsed = TheirNote::from_bytes(signed.as_bytes()).expect("their parser");
        let list = VerifierList::new(vec![Box::new(theirs_verifier.clone())]);
        assert!(parsed.verify(&list).is_ok());
        // Theirs verified by ours.
        let mut n = TheirNote::new(text.as_bytes(), &[]).expect("their note");
        n.add_sigs(&[&theirs_signer]).expect("their signature");
        let bytes = n.to_bytes();
        let note = Note::parse(std::str::from_utf8(&bytes).expect("utf-8")).expect("our parser");
        assert_eq!(note.check(ours.verifier()), Ok(Some(0)));
        assert_eq!(note.to_text().as_bytes(), bytes.as_slice());
    }
}

#[test]
fn cosignatures_follow_the_c2sp_message() {
    // Rebuilt here from the specification with ed25519-dalek directly, not through the crate.
    use base64::Engine;
    use ed25519_dalek::Verifier as _;
    let w =
        Signer::from_seed("witness.example/w1", KeyType::Cosignature, [9; 32]).expect("witness");
    let text =
        "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
    let line = w.sign(text, 1_679_315_147);
    let b64 = line.trim_end().rsplit(' ').next().expect("signature");
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .expect("base64");
    assert_eq!(bytes.len(), 4 + 8 + 64);
    let id = {
        use sha2::Digest;
        let mut h = sha2::Sha256::new();
        h.update(b"witness.example/w1\n\x04");
        h.update(w.verifier().key.as_bytes());
        let d = h.finalize();
        [d[0], d[1], d[2], d[3]]
    };
    assert_eq!(bytes[..4], id);
    assert_eq!(
        u64::from_be_bytes(bytes[4..12].try_into().expect("8 bytes")),
        1_679_315_147
    );
    let message = format!("cosignature/v1\ntime 1679315147\n{text}");
    let sig = ed25519_dalek::Signature::from_slice(&bytes[12..]).expect("signature");
    assert!(w.verifier().key.verify(message.as_bytes(), &sig).is_ok());
    let note = Note::parse(&format!("{text}\n{line}")).expect("note");
    assert_eq!(note.check(w.verifier()), Ok(Some(1_679_315_147)));
}
