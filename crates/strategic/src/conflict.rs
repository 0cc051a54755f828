//! Conflicts between two declarations of different parties, with stable ids.

use deconflict_space::TimeWindow;
use sha2::{Digest, Sha256};

use crate::declaration::{Declaration, Kind};
use crate::separation::{proximity, Minima, Proximity};

/// Which version of which declaration of which party.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct DeclarationRef {
    pub id: String,
    pub version: u64,
    pub party: String,
}

impl DeclarationRef {
    pub fn of(d: &Declaration) -> Self {
        DeclarationRef {
            id: d.id.clone(),
            version: d.version,
            party: d.party.clone(),
        }
    }
}

/// One pair of volumes in conflict.
#[derive(Clone, Debug, PartialEq)]
pub struct VolumeConflict {
    /// Index of the volume in declaration `a`.
    pub a_volume: usize,
    /// Index of the volume in declaration `b`.
    pub b_volume: usize,
    pub proximity: Proximity,
}

/// Two declarations that come closer than their minima. `(a.id, a.party) < (b.id, b.party)`.
#[derive(Clone, Debug, PartialEq)]
pub struct Conflict {
    /// Stable: the same two versions always give the same id.
    pub id: String,
    pub a: DeclarationRef,
    pub b: DeclarationRef,
    /// Least horizontal distance over the conflicting volume pairs (m).
    pub distance_m: f64,
    /// Least vertical gap over the conflicting volume pairs (m).
    pub vertical_gap_m: f64,
    /// From the earliest start to the latest end of the conflicting pairs' overlap windows.
    pub window: TimeWindow,
    /// Every conflicting pair of volumes, ordered by `(a_volume, b_volume)`.
    pub volumes: Vec<VolumeConflict>,
}

/// The conflict id of two declaration versions: `c-` and the first 16 bytes of
/// SHA-256("deconflict/conflict/v2" ‖ 0 ‖ a.party ‖ 0 ‖ a.id ‖ 0 ‖ a.version ‖ 0 ‖ b.party ‖ 0 ‖ b.id ‖ 0 ‖
/// b.version) in hex, with `a` the lesser by (id, party). Ids live in each party's own namespace, so the party
/// is part of what names a declaration.
pub fn conflict_id(a: &DeclarationRef, b: &DeclarationRef) -> String {
    let (a, b) = if (&a.id, &a.party) <= (&b.id, &b.party) {
        (a, b)
    } else {
        (b, a)
    };
    let mut h = Sha256::new();
    for part in [
        "deconflict/conflict/v2",
        &a.party,
        &a.id,
        &a.version.to_string(),
        &b.party,
        &b.id,
        &b.version.to_string(),
    ] {
        h.update(part.as_bytes());
        h.update([0u8]);
    }
    format!("c-{}", hex::encode(&h.finalize()[..16]))
}

impl Conflict {
    /// The side of the conflict that is not `party`'s (the two sides are always of different parties).
    pub fn other_than(&self, party: &str) -> &DeclarationRef {
        if self.a.party == party {
            &self.b
        } else {
            &self.a
        }
    }

    /// Builds the conflict from its volume pairs (given with `x` as the first declaration); `None` if there
    /// are none.
    pub fn from_pairs(
        x: &Declaration,
        y: &Declaration,
        mut pairs: Vec<VolumeConflict>,
    ) -> Option<Self> {
        if pairs.is_empty() {
            return None;
        }
        let (a, b) = if (&x.id, &x.party) <= (&y.id, &y.party) {
            (x, y)
        } else {
            for p in &mut pairs {
                std::mem::swap(&mut p.a_volume, &mut p.b_volume);
            }
            (y, x)
        };
        pairs.sort_by_key(|p| (p.a_volume, p.b_volume));
        pairs.dedup_by_key(|p| (p.a_volume, p.b_volume));
        let (a, b) = (DeclarationRef::of(a), DeclarationRef::of(b));
        let fold = |f: fn(&Proximity) -> f64| {
            pairs
                .iter()
                .map(|p| f(&p.proximity))
                .fold(f64::INFINITY, f64::min)
        };
        Some(Conflict {
            id: conflict_id(&a, &b),
            distance_m: fold(|p| p.distance_m),
            vertical_gap_m: fold(|p| p.vertical_gap_m),
            window: TimeWindow {
                start_ms: pairs
                    .iter()
                    .map(|p| p.proximity.window.start_ms)
                    .min()
                    .unwrap_or(0),
                end_ms: pairs
                    .iter()
                    .map(|p| p.proximity.window.end_ms)
                    .max()
                    .unwrap_or(0),
            },
            a,
            b,
            volumes: pairs,
        })
    }
}

/// The conflict between two declarations, checking every pair of volumes. Declarations of one party never
/// conflict.
pub fn check_pair(x: &Declaration, y: &Declaration, minima: &Minima) -> Option<Conflict> {
    if x.party == y.party || !Kind::may_conflict(x.kind, y.kind) {
        return None;
    }
    let sep = minima.between(x.kind, y.kind);
    let mut pairs = Vec::new();
    for (i, vx) in x.volumes.iter().enumerate() {
        for (j, vy) in y.volumes.iter().enumerate() {
            if let Some(p) = proximity(vx, vy, sep) {
                pairs.push(VolumeConflict {
                    a_volume: i,
                    b_volume: j,
                    proximity: p,
                });
            }
        }
    }
    Conflict::from_pairs(x, y, pairs)
}

/// Every conflict in a set by comparing every pair: O(n²), the oracle the index is tested against.
pub fn brute_force(declarations: &[Declaration], minima: &Minima) -> Vec<Conflict> {
    let mut out = Vec::new();
    for i in 0..declarations.len() {
        for j in i + 1..declarations.len() {
            if let Some(c) = check_pair(&declarations[i], &declarations[j], minima) {
                out.push(c);
            }
        }
    }
    sort_conflicts(&mut out);
    out
}

/// Orders conflicts by their sides: `(a.id, a.party, b.id, b.party)`.
pub fn sort_conflicts(conflicts: &mut [Conflict]) {
    conflicts.sort_by(|x, y| {
        (&x.a.id, &x.a.party, &x.b.id, &x.b.party).cmp(&(&y.a.id, &y.a.party, &y.b.id, &y.b.party))
    });
}
