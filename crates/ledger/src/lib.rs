//! Ledger mathematics, pure: RFC 9162 Merkle hashing and proofs, C2SP signed notes, checkpoints,
//! cosignatures, `tlog-proof` files and `tlog-policy`, ledger entry leaves and RFC 8785 canonical JSON.
//!
//! Architecture invariant: no IO and no clock here — timestamps and keys are arguments — so a third party can
//! verify everything offline with this crate alone (`deconflict log verify-proof`).

pub mod bundle;
pub mod canonical;
pub mod checkpoint;
pub mod entry;
pub mod merkle;
pub mod note;
pub mod policy;
pub mod proof;

pub use bundle::{ProofBundle, VerifiedBundle};
pub use checkpoint::Checkpoint;
pub use entry::{Audience, EntryHeader};
pub use merkle::{Hash, MemoryTree, Nodes};
pub use note::{KeyType, Note, Signer, Verifier};
pub use policy::{Policy, VerifiedCheckpoint, VerifyError};
pub use proof::TlogProof;
