//! Conflicts between two parties' declarations: found, resolved, and each side's acknowledgement, acceptance
//! or dispute; and what an open conflict revealed to each side of the other's declaration
//! ([`State::revealed`]).

use std::collections::{BTreeMap, HashMap};

use deconflict_ledger::EntryHeader;
use serde_json::Value;

use super::{key, Checked, ConflictRecord, Done, List, State};
use crate::event::{ConflictFound, ConflictResponded};
use crate::kinds::{CONFLICT_ACCEPTED, CONFLICT_DISPUTED};

impl State {
    pub(super) fn check_conflict_found(c: ConflictFound, content: Value) -> Checked {
        Checked::ConflictFound {
            parties: [c.a.party.clone(), c.b.party.clone()],
            sides: [key(&c.a.party, &c.a.id), key(&c.b.party, &c.b.id)],
            id: c.id,
            content,
        }
    }

    pub(super) fn check_conflict_response(
        header: &EntryHeader,
        c: ConflictResponded,
    ) -> Result<Checked, String> {
        if header.kind == CONFLICT_DISPUTED && c.reason.is_none() {
            return Err("reason: a dispute needs a reason".into());
        }
        Ok(Checked::ConflictResponse {
            id: c.id,
            reason: c.reason.unwrap_or_default(),
        })
    }

    pub(super) fn apply_conflict_found(
        &mut self,
        id: String,
        parties: [String; 2],
        sides: [String; 2],
        content: Value,
    ) {
        for d in sides {
            self.open_conflicts.entry(d).or_default().insert(id.clone());
        }
        for p in &parties {
            self.lists.add(List::Conflicts, p, &id);
        }
        self.conflicts.insert(
            id,
            ConflictRecord {
                content,
                parties,
                resolved_by: None,
                acknowledged: BTreeMap::new(),
                accepted: BTreeMap::new(),
                disputed: BTreeMap::new(),
            },
        );
    }

    pub(super) fn apply_conflict_resolved(&mut self, header: &EntryHeader, id: String) {
        if let Some(r) = self.conflicts.get_mut(&id) {
            r.resolved_by = Some(header.seq);
            self.done
                .push_back((header.time_ms, Done::Conflict(id.clone())));
            for side in ["a", "b"] {
                let side = &r.content[side];
                if let Some(set) = side["id"]
                    .as_str()
                    .zip(side["party"].as_str())
                    .and_then(|(d, p)| self.open_conflicts.get_mut(&key(p, d)))
                {
                    set.remove(&id);
                }
            }
        }
    }

    pub(super) fn apply_conflict_response(
        &mut self,
        header: &EntryHeader,
        id: &str,
        reason: String,
    ) {
        let party = header.actor.clone();
        let t = header.time_ms;
        if let Some(r) = self.conflicts.get_mut(id) {
            // Accepting or disputing also acknowledges.
            r.acknowledged.entry(party.clone()).or_insert(t);
            match header.kind.as_str() {
                CONFLICT_ACCEPTED => {
                    r.accepted.insert(party, t);
                }
                CONFLICT_DISPUTED => {
                    r.disputed.insert(party, (t, reason));
                }
                _ => {}
            }
        }
    }

    /// A resolved conflict leaves memory.
    pub(super) fn retire_conflict(&mut self, id: &str) -> bool {
        if self
            .conflicts
            .get(id)
            .is_some_and(|r| r.resolved_by.is_some())
        {
            if let Some(r) = self.conflicts.remove(id) {
                for p in &r.parties {
                    self.lists.remove(List::Conflicts, p, id);
                }
            }
            true
        } else {
            false
        }
    }

    /// The volumes of other parties' declarations that the open conflicts of `party`'s declaration `own`
    /// showed it, by declaration key: (the version that conflict names, the volumes).
    pub fn revealed(&self, party: &str, own: Option<&str>) -> HashMap<String, (u64, Vec<Value>)> {
        let mut revealed = HashMap::new();
        for cid in own
            .and_then(|id| self.open_conflicts.get(&key(party, id)))
            .into_iter()
            .flatten()
        {
            let Some(r) = self.conflicts.get(cid).filter(|r| r.resolved_by.is_none()) else {
                continue;
            };
            let other = if r.content["a"]["party"] == party {
                &r.content["b"]
            } else {
                &r.content["a"]
            };
            if let (Some(id), Some(of), Some(version), Some(volumes)) = (
                other["id"].as_str(),
                other["party"].as_str(),
                other["version"].as_u64(),
                other["volumes"].as_array(),
            ) {
                revealed.insert(key(of, id), (version, volumes.clone()));
            }
        }
        revealed
    }
}
