//! Fuzzes everything a verifier reads from outside: signed notes, checkpoints, tlog-proof files, tlog-policy
//! files and entry leaves. Any input must give a value or an error, never a panic; a parsed proof is
//! verified under a parsed policy; parsed values print back to text that parses to the same value.
#![no_main]

use deconflict_ledger::{Checkpoint, EntryHeader, Note, Policy, TlogProof};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = EntryHeader::parse(data);
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(note) = Note::parse(text) {
        assert_eq!(Note::parse(&note.to_text()).ok().as_ref(), Some(&note));
    }
    if let Ok(cp) = Checkpoint::parse(text) {
        assert_eq!(Checkpoint::parse(&cp.to_text()).ok().as_ref(), Some(&cp));
    }
    // A policy and a proof: the input split at a line `--`, or else in half.
    let (a, b) = match text.split_once("\n--\n") {
        Some(parts) => parts,
        None => {
            let mid = (text.len() / 2..=text.len())
                .find(|&i| text.is_char_boundary(i))
                .unwrap_or(text.len());
            text.split_at(mid)
        }
    };
    let policy = Policy::parse(a);
    if let Ok(proof) = TlogProof::parse(b) {
        assert_eq!(
            TlogProof::parse(&proof.to_text()).ok().as_ref(),
            Some(&proof)
        );
        if let Ok(policy) = policy {
            let _ = policy.verify_proof(&proof, &[0; 32]);
        }
    }
});
