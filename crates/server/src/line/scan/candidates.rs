//! A scan's second phase, the candidates: pairs of tracks in conflict under the widest minima (between
//! parties that share an agreement, within the detector's budget per track and party), and tracks heading into
//! partners' protected areas, all found without the line's lock.

use deconflict_strategic::{Conflict, Minima};
use deconflict_tactical::{Between, Budget, Detection, Detector, Encounter};

use super::snapshot::Snapshot;
use crate::tracks;

/// What might be in conflict: to be re-decided under each pair of parties' own terms.
pub(super) struct Candidates {
    /// Pairs of tracks under the widest minima, and what the budget left undecided (`None`: no agreement is
    /// active, so nothing was detected).
    pub detection: Option<Detection>,
    /// Tracks heading into partners' areas: the track's place in the scan, and the conflict with the area.
    pub incursions: Vec<(usize, Conflict)>,
}

impl Candidates {
    /// The candidates among `snap`'s tracks at `now` (ms), found with the scan's `detector` (whose buffers are
    /// kept from one scan to the next) and the protected areas' index (read here, with the line's lock let
    /// go).
    pub(super) fn find(detector: &mut Detector, snap: &Snapshot, now: i64) -> Candidates {
        let (keys, now_states, vertical, terms) =
            (&snap.keys, &snap.now_states, &snap.vertical, &snap.terms);
        let widest = snap.widest;
        let g = snap.parties();
        let linked: Vec<bool> = (0..g * g)
            .map(|k| terms.contains_key(&(snap.party(k / g).clone(), snap.party(k % g).clone())))
            .collect();
        let linked = |a: u32, b: u32| linked[a as usize * g + b as usize];
        // Candidate pairs under the widest minima (between parties that share an agreement, within the
        // detector's budget per track and party), and incursions into partners' sites, zones and sides of lines
        // (each track's path over the look-ahead through the protected areas' index), found without holding
        // the line's lock.
        let detection = widest.map(|w| {
            detector.detect_between(
                now_states,
                &Between {
                    groups: &snap.groups,
                    linked: &linked,
                    vertical,
                    budget: Budget::default(),
                },
                &tracks::params(w.lateral_m, w.vertical_m),
            )
        });
        let incursions: Vec<(usize, Conflict)> = {
            use rayon::prelude::*;
            let protected = snap.protected.read();
            if protected.is_empty() {
                Vec::new()
            } else {
                let widest = widest.unwrap_or(Minima::default().standard);
                keys.par_iter()
                    .enumerate()
                    .flat_map_iter(|(i, key)| {
                        let hits = tracks::path_declaration(
                            &key.0,
                            &key.1,
                            &now_states[i],
                            vertical[i],
                            now,
                        )
                        .map(|path| {
                            let party = key.0.clone();
                            let policy = deconflict_strategic::Policy {
                                widest,
                                minima_with: Box::new(move |other: &str| {
                                    terms.get(&(party.clone(), other.to_string())).map(|t| t.0)
                                }),
                            };
                            protected.conflicts_of_under(&path, &policy)
                        })
                        .unwrap_or_default();
                        hits.into_iter().map(move |c| (i, c))
                    })
                    .collect()
            }
        };
        Candidates {
            detection,
            incursions,
        }
    }

    /// The candidate pairs of tracks (none when nothing was detected).
    pub fn encounters(&self) -> &[Encounter] {
        self.detection.as_ref().map_or(&[], |d| &d.encounters)
    }
}
