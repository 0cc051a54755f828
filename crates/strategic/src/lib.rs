//! Strategic deconfliction: which declarations of different parties come closer than their minima, where
//! and when, and how to clear them.
//!
//! - [`separation`]: the minima and the test between two volumes (docs/DESIGN.md §1);
//! - [`conflict`]: conflicts between declarations with stable ids, and the brute-force oracle;
//! - [`index`]: the R*-tree conflict index;
//! - [`advice`]: the smallest delay, climb or descent that clears a declaration.
//!
//! Architecture invariant: pure — no IO, no clock; it may use threads (rayon) for batch checks.

pub mod advice;
pub mod conflict;
pub mod declaration;
pub mod index;
pub mod separation;
pub mod synthetic;

pub use advice::{
    advice_candidates, advise, advise_seen, advise_under, Advice, AdviceBounds, AdviceReach,
};
pub use conflict::{
    brute_force, check_pair, conflict_id, Conflict, DeclarationRef, VolumeConflict,
};
pub use declaration::{Declaration, Kind};
pub use index::{ConflictIndex, IndexError, Policy};
pub use separation::{proximity, Minima, Proximity, Separation};
