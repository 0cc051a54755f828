//! The conflict index: an R*-tree over space-time boxes of every volume of the declarations in force.
//!
//! Each volume is boxed in four dimensions: the three coordinates of its footprint's geocentric unit
//! vectors (so the antimeridian and the poles need no special case) and time. A query widens its own box by
//! the widest lateral minimum and by twice the time buffer; every box the tree returns is then checked exactly
//! with [`crate::separation::proximity`]. The boxes are conservative (see
//! [`deconflict_space::Region::unit_box`]), so the index finds exactly what a brute-force comparison of every
//! pair finds — `tests/index_matches_brute_force.rs` holds it to that.

use std::collections::HashMap;

use deconflict_space::Volume4D;
use rayon::prelude::*;
use rstar::{RTree, RTreeObject, AABB};

use crate::conflict::{sort_conflicts, Conflict, VolumeConflict};
use crate::declaration::{Declaration, Kind};
use crate::separation::{proximity, Minima, Separation};

/// Milliseconds per unit of the time axis: 300 h, so that a few hours weigh about as much as a few tens of
/// kilometres (a few thousandths of the unit sphere) when the tree chooses its splits.
const MS_PER_TIME_UNIT: f64 = 1.08e9;

#[derive(Clone, Debug)]
struct Entry {
    lo: [f64; 4],
    hi: [f64; 4],
    slot: u32,
    volume: u32,
    /// The declaration's party, interned (so a query skips its own party without comparing strings).
    party: u32,
}

impl RTreeObject for Entry {
    type Envelope = AABB<[f64; 4]>;

    fn envelope(&self) -> Self::Envelope {
        AABB::from_corners(self.lo, self.hi)
    }
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.slot == other.slot && self.volume == other.volume
    }
}

/// The box of a volume widened by `margin_m` laterally, `before_ms` earlier and `after_ms` later.
pub(crate) fn space_time_box(
    v: &Volume4D,
    margin_m: f64,
    before_ms: i64,
    after_ms: i64,
) -> ([f64; 4], [f64; 4]) {
    let (lo, hi) = v.footprint.unit_box(margin_m);
    (
        [
            lo[0],
            lo[1],
            lo[2],
            v.time.start_ms.saturating_sub(before_ms) as f64 / MS_PER_TIME_UNIT,
        ],
        [
            hi[0],
            hi[1],
            hi[2],
            v.time.end_ms.saturating_add(after_ms) as f64 / MS_PER_TIME_UNIT,
        ],
    )
}

/// The minima between the declaring party and another party, if any.
pub type MinimaWith<'a> = Box<dyn Fn(&str) -> Option<Minima> + Sync + 'a>;

/// Which minima apply between a declaring party and each other party.
#[allow(missing_debug_implementations)]
pub struct Policy<'a> {
    /// At least every minimum `minima_with` can return (it bounds the search).
    pub widest: Separation,
    /// The minima between the declaring party and another, or `None` when nothing is agreed between them
    /// (then their declarations never conflict).
    pub minima_with: MinimaWith<'a>,
}

/// Errors of index updates.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IndexError {
    #[error("declaration {0:?} is already in the index; replace it with a new version instead")]
    Duplicate(String),
    #[error("declaration {0:?} has {1} volumes; the limit is {limit}", limit = u32::MAX)]
    TooManyVolumes(String, usize),
}

/// The declarations in force and an R*-tree over their volumes.
#[derive(Debug)]
pub struct ConflictIndex {
    minima: Minima,
    tree: RTree<Entry>,
    slots: Vec<Option<Declaration>>,
    /// Slots by (party, id): ids live in each party's own namespace.
    by_id: HashMap<(String, String), u32>,
    /// Party ids, interned.
    parties: HashMap<String, u32>,
    free: Vec<u32>,
    volumes: usize,
}

/// What a query looks for around one volume.
#[derive(Clone, Copy)]
pub(crate) struct Reach {
    pub margin_m: f64,
    pub before_ms: i64,
    pub after_ms: i64,
}

/// A declaration's key in the index: its party and its id.
fn key_of(d: &Declaration) -> (String, String) {
    (d.party.clone(), d.id.clone())
}

impl ConflictIndex {
    /// An empty index.
    pub fn new(minima: Minima) -> Self {
        ConflictIndex {
            minima,
            tree: RTree::new(),
            slots: Vec::new(),
            by_id: HashMap::new(),
            parties: HashMap::new(),
            free: Vec::new(),
            volumes: 0,
        }
    }

    /// An index of many declarations at once (bulk-loaded, faster than inserting one by one).
    pub fn bulk(minima: Minima, declarations: Vec<Declaration>) -> Result<Self, IndexError> {
        let mut index = ConflictIndex::new(minima);
        let mut entries = Vec::new();
        for d in declarations {
            if index.by_id.contains_key(&key_of(&d)) {
                return Err(IndexError::Duplicate(d.id));
            }
            let slot = index.slots.len() as u32;
            let party = index.intern(&d.party);
            entries.extend(Self::entries(slot, party, &d)?);
            index.volumes += d.volumes.len();
            index.by_id.insert(key_of(&d), slot);
            index.slots.push(Some(d));
        }
        index.tree = RTree::bulk_load(entries);
        Ok(index)
    }

    fn intern(&mut self, party: &str) -> u32 {
        let next = self.parties.len() as u32;
        *self.parties.entry(party.to_string()).or_insert(next)
    }

    fn entries(slot: u32, party: u32, d: &Declaration) -> Result<Vec<Entry>, IndexError> {
        if u32::try_from(d.volumes.len()).is_err() {
            return Err(IndexError::TooManyVolumes(d.id.clone(), d.volumes.len()));
        }
        Ok(d.volumes
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let (lo, hi) = space_time_box(v, 0.0, 0, 0);
                Entry {
                    lo,
                    hi,
                    slot,
                    volume: i as u32,
                    party,
                }
            })
            .collect())
    }

    pub fn minima(&self) -> &Minima {
        &self.minima
    }

    /// Number of declarations.
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    /// Number of volumes of all declarations.
    pub fn volume_count(&self) -> usize {
        self.volumes
    }

    /// The declaration `id` of `party` (ids live in each party's own namespace).
    pub fn get(&self, party: &str, id: &str) -> Option<&Declaration> {
        let slot = *self.by_id.get(&(party.to_string(), id.to_string()))?;
        self.slots[slot as usize].as_ref()
    }

    /// The declaration in slot `slot`, if any.
    pub(crate) fn slot(&self, slot: u32) -> Option<&Declaration> {
        self.slots.get(slot as usize).and_then(Option::as_ref)
    }

    /// Every declaration, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = &Declaration> {
        self.slots.iter().flatten()
    }

    /// Adds a declaration whose (party, id) is not in the index yet.
    pub fn insert(&mut self, d: Declaration) -> Result<(), IndexError> {
        if self.by_id.contains_key(&key_of(&d)) {
            return Err(IndexError::Duplicate(d.id));
        }
        let slot = match self.free.pop() {
            Some(s) => s,
            None => {
                self.slots.push(None);
                (self.slots.len() - 1) as u32
            }
        };
        let party = self.intern(&d.party);
        for e in Self::entries(slot, party, &d)? {
            self.tree.insert(e);
        }
        self.volumes += d.volumes.len();
        self.by_id.insert(key_of(&d), slot);
        self.slots[slot as usize] = Some(d);
        Ok(())
    }

    /// Puts a new version in place of the declaration with the same party and id (or adds it); returns the
    /// old one.
    pub fn replace(&mut self, d: Declaration) -> Result<Option<Declaration>, IndexError> {
        let old = self.remove(&d.party, &d.id);
        self.insert(d)?;
        Ok(old)
    }

    /// Takes the declaration `id` of `party` out of the index.
    pub fn remove(&mut self, party: &str, id: &str) -> Option<Declaration> {
        let slot = self.by_id.remove(&(party.to_string(), id.to_string()))?;
        let d = self.slots[slot as usize].take()?;
        for (i, v) in d.volumes.iter().enumerate() {
            let (lo, hi) = space_time_box(v, 0.0, 0, 0);
            self.tree.remove(&Entry {
                lo,
                hi,
                slot,
                volume: i as u32,
                party: 0,
            });
        }
        self.volumes -= d.volumes.len();
        self.free.push(slot);
        Some(d)
    }

    /// Visits every indexed volume of another party whose box meets the box of `volume` widened by `reach`:
    /// `visit(declaration slot, declaration, volume index)`.
    pub(crate) fn near(
        &self,
        of: &Declaration,
        volume: &Volume4D,
        reach: Reach,
        mut visit: impl FnMut(u32, &Declaration, usize),
    ) {
        let (lo, hi) = space_time_box(volume, reach.margin_m, reach.before_ms, reach.after_ms);
        // Its own party and itself are skipped by number.
        let own_party = self.parties.get(&of.party).copied();
        let own_slot = self.by_id.get(&key_of(of)).copied();
        for e in self
            .tree
            .locate_in_envelope_intersecting(&AABB::from_corners(lo, hi))
        {
            if Some(e.party) == own_party || Some(e.slot) == own_slot {
                continue;
            }
            if let Some(other) = &self.slots[e.slot as usize] {
                visit(e.slot, other, e.volume as usize);
            }
        }
    }

    /// The policy of this index's own minima between every pair of parties.
    pub fn own_policy(&self) -> Policy<'_> {
        Policy {
            widest: self.minima.widest(),
            minima_with: Box::new(|_| Some(self.minima)),
        }
    }

    /// The conflicts of a declaration (in the index or not) with the declarations in the index, excluding
    /// any of its own party, ordered by the other declaration's id and party.
    pub fn conflicts_of(&self, d: &Declaration) -> Vec<Conflict> {
        self.conflicts_filtered(d, &self.own_policy(), |_, _| true)
    }

    /// As [`ConflictIndex::conflicts_of`], with the minima `policy` gives for each other party (and no
    /// conflict with parties it gives none for).
    pub fn conflicts_of_under(&self, d: &Declaration, policy: &Policy<'_>) -> Vec<Conflict> {
        self.conflicts_filtered(d, policy, |_, _| true)
    }

    /// As [`ConflictIndex::conflicts_of_under`], over only the volumes `sees` admits (`sees(declaration,
    /// volume index)`): the others are skipped before any distance is computed, so neither the answer nor the
    /// time it takes depends on them.
    pub fn conflicts_of_seen(
        &self,
        d: &Declaration,
        policy: &Policy<'_>,
        sees: &dyn Fn(&Declaration, usize) -> bool,
    ) -> Vec<Conflict> {
        self.conflicts_filtered(d, policy, |slot, j| {
            self.slots
                .get(slot as usize)
                .and_then(Option::as_ref)
                .is_some_and(|o| sees(o, j))
        })
    }

    fn conflicts_filtered(
        &self,
        d: &Declaration,
        policy: &Policy<'_>,
        keep: impl Fn(u32, usize) -> bool,
    ) -> Vec<Conflict> {
        let reach = Reach {
            margin_m: policy.widest.lateral_m,
            before_ms: 2 * policy.widest.time_buffer_ms,
            after_ms: 2 * policy.widest.time_buffer_ms,
        };
        let mut found: HashMap<u32, Vec<VolumeConflict>> = HashMap::new();
        for (i, v) in d.volumes.iter().enumerate() {
            self.near(d, v, reach, |slot, other, j| {
                if !keep(slot, j) || !Kind::may_conflict(d.kind, other.kind) {
                    return;
                }
                let Some(minima) = (policy.minima_with)(&other.party) else {
                    return;
                };
                let sep = minima.between(d.kind, other.kind);
                if let Some(p) = proximity(v, &other.volumes[j], sep) {
                    found.entry(slot).or_default().push(VolumeConflict {
                        a_volume: i,
                        b_volume: j,
                        proximity: p,
                    });
                }
            });
        }
        let mut out: Vec<Conflict> = found
            .into_iter()
            .filter_map(|(slot, pairs)| {
                let other = self.slots[slot as usize].as_ref()?;
                Conflict::from_pairs(d, other, pairs)
            })
            .collect();
        sort_conflicts(&mut out);
        out
    }

    /// Every conflict between declarations in the index, ordered by `(a, b)`; uses every core.
    pub fn all_conflicts(&self) -> Vec<Conflict> {
        self.all_conflicts_with_progress(&|_| {})
    }

    /// As [`ConflictIndex::all_conflicts`], calling `progress(n)` after each `n` declarations checked.
    pub fn all_conflicts_with_progress(&self, progress: &(dyn Fn(usize) + Sync)) -> Vec<Conflict> {
        let mut out: Vec<Conflict> = (0..self.slots.len() as u32)
            .into_par_iter()
            .flat_map_iter(|slot| {
                let found = match &self.slots[slot as usize] {
                    Some(d) => {
                        self.conflicts_filtered(d, &self.own_policy(), |other, _| other > slot)
                    }
                    None => Vec::new(),
                };
                progress(1);
                found
            })
            .collect();
        sort_conflicts(&mut out);
        out
    }
}
