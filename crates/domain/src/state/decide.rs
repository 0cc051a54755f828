//! Commands as deciders: given the state and a party's command, what to log (or why not). A decider reads
//! the state and never changes it; the server appends what it decided, and applying those entries
//! ([`State::apply_checked`]) is the only way the state moves. Each returns the entries as [`Decided`] (kind,
//! content, who is told), which the server stamps with its time and the actor, and an empty list when the
//! command changes nothing (acknowledging twice is not an error, and not logged twice).
//!
//! What a decider refuses it refuses as need-to-know asks ([`super::need_to_know`]): a conflict, message or
//! agreement the party may not read is `NotFound`, exactly as one that does not exist.
//!
//! Reading a request body into a command (fields, limits, the plan format) is the server's; the rules of what
//! the state allows are here.

use std::collections::BTreeSet;

use deconflict_space::units::format_time;
use deconflict_strategic::{Conflict, Declaration};
use serde_json::{json, Value};

use super::{key, need_to_know, ConflictResponse, Current, DomainError, Lifecycle, State};
use crate::agreement::{AGREEMENT_ACCEPTED, AGREEMENT_SUSPENDED};
use crate::hotline::{
    LEVELS, MESSAGE_ACKNOWLEDGED, MESSAGE_ANSWERED, MESSAGE_DELIVERED, MESSAGE_ESCALATED,
};
use crate::kinds::{
    CONFLICT_FOUND, CONFLICT_RESOLVED, DECLARATION_CANCEL, DECLARATION_STATE, DECLARATION_VERSION,
};

/// Who is told of an entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Told {
    /// These parties, named in the entry's leaf.
    Parties(BTreeSet<String>),
    /// These parties, sealed: the leaf shows one salted commitment per party (a declaration's audience,
    /// whose members must not learn each other).
    Sealed(BTreeSet<String>),
}

/// An entry a decider decided to log.
#[derive(Debug, Clone, PartialEq)]
pub struct Decided {
    pub kind: &'static str,
    pub content: Value,
    pub told: Told,
}

/// The line's bounds on one declaration write (the server's `Limits` of the same names).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VersionBounds {
    /// Most conflicts one write may open.
    pub conflicts_per_write: usize,
    /// Most live declarations (neither ended nor cancelled) one party may hold.
    pub declarations_per_party: usize,
    /// Most positions ([`super::positions`]) one party's live declarations may hold together.
    pub vertices_per_party: usize,
}

impl VersionBounds {
    /// No bound at all (for tests and tools that replay what a line already took).
    pub const UNBOUNDED: VersionBounds = VersionBounds {
        conflicts_per_write: usize::MAX,
        declarations_per_party: usize::MAX,
        vertices_per_party: usize::MAX,
    };
}

fn invalid(field: &str, detail: impl Into<String>) -> DomainError {
    DomainError::Invalid {
        field: field.into(),
        detail: detail.into(),
    }
}

/// Free text another party reads, refused naming `field` when it holds what could reorder or hide what is
/// shown around it ([`deconflict_plan::free_text_problem`]).
pub(super) fn free_text(field: &str, text: &str) -> Result<(), DomainError> {
    match deconflict_plan::free_text_problem(text) {
        Some(why) => Err(invalid(field, why)),
        None => Ok(()),
    }
}

/// A recipient's answer to a message: free text as written, and a structured form (see
/// [`crate::template`]) each reader sees in its own language.
#[derive(Debug, Clone, Default)]
pub struct Answer {
    pub text: String,
    pub template: Option<Value>,
}

/// A free-text answer.
impl From<&str> for Answer {
    fn from(text: &str) -> Self {
        Answer {
            text: text.to_string(),
            template: None,
        }
    }
}

/// The conflict as its parties record it: ids, versions, where and when, and each side's conflicting volumes
/// (`a` and `b` are the two declarations' contents).
pub fn conflict_content(c: &Conflict, a: &Value, b: &Value) -> Value {
    let volumes = |decl: &Value, picks: Vec<usize>| -> Vec<Value> {
        let mut picks = picks;
        picks.sort_unstable();
        picks.dedup();
        picks.iter().map(|&i| decl["volumes"][i].clone()).collect()
    };
    json!({
        "id": c.id,
        "a": {"id": c.a.id, "party": c.a.party, "version": c.a.version,
              "volumes": volumes(a, c.volumes.iter().map(|v| v.a_volume).collect())},
        "b": {"id": c.b.id, "party": c.b.party, "version": c.b.version,
              "volumes": volumes(b, c.volumes.iter().map(|v| v.b_volume).collect())},
        "distance_m": (c.distance_m * 10.0).round() / 10.0,
        "vertical_gap_m": (c.vertical_gap_m * 10.0).round() / 10.0,
        "start": format_time(c.window.start_ms),
        "end": format_time(c.window.end_ms),
    })
}

impl State {
    /// The current version of the caller's own `id` if `party` may write it now: its own (else `NotFound`, as
    /// if missing, or `Forbidden` when only another party's declaration of that id is shared with it), not
    /// closed, and at the version named in `If-Match`.
    pub fn writable(
        &self,
        party: &str,
        id: &str,
        if_match: Option<u64>,
    ) -> Result<&Current, DomainError> {
        let Some(c) = self.current.get(&key(party, id)) else {
            return Err(match self.find(party, id, None) {
                Ok(c) => DomainError::Forbidden(format!("{id} belongs to {}", c.declaration.party)),
                Err(e) => e,
            });
        };
        if c.state.closed() {
            return Err(DomainError::Exists(format!("{id} is {}", c.state.name())));
        }
        let given = if_match.ok_or(DomainError::PreconditionRequired)?;
        if given != c.declaration.version {
            return Err(DomainError::Stale {
                given,
                current: c.declaration.version,
            });
        }
        Ok(c)
    }

    /// `conflict.resolved` entries for every open conflict of `party`'s declaration `id`.
    pub fn resolutions(&self, party: &str, id: &str, reason: &str) -> Vec<Decided> {
        self.open_conflicts
            .get(&key(party, id))
            .into_iter()
            .flatten()
            .filter_map(|cid| self.conflicts.get(cid).map(|r| (cid, r)))
            .filter(|(_, r)| r.resolved_by.is_none())
            .map(|(cid, r)| Decided {
                kind: CONFLICT_RESOLVED,
                told: Told::Parties(r.parties.iter().cloned().collect()),
                content: json!({"id": cid, "reason": reason}),
            })
            .collect()
    }

    /// The entries of a new version of `party`'s declaration (read from `content`, shared with `audience`):
    /// the version, the conflicts of the old version it resolves, and the conflicts it opens under each
    /// agreement's minima. Returns them with the conflicts found. A version that would pass one of `bounds`
    /// is refused whole (`DomainError::Limit`): what the party would hold live is checked before anything is
    /// searched, and the number of conflicts before any entry is built.
    pub fn decide_version(
        &self,
        party: &str,
        declaration: &Declaration,
        content: &Value,
        audience: &BTreeSet<String>,
        bounds: &VersionBounds,
    ) -> Result<(Vec<Decided>, Vec<Conflict>), DomainError> {
        // A write that leaves the party holding no more than before is never refused (a line restarted with
        // lower bounds still takes smaller versions of what its parties hold).
        let (before, held) = (self.holding(party), self.holding_with(party, declaration));
        if held.declarations > bounds.declarations_per_party
            && held.declarations > before.declarations
        {
            return Err(DomainError::Limit {
                limit: "declarations_per_party",
                detail: format!(
                    "{party} would hold {} live declarations; at most {} (limit declarations_per_party): \
                     end or cancel some first",
                    held.declarations, bounds.declarations_per_party
                ),
            });
        }
        if held.positions > bounds.vertices_per_party && held.positions > before.positions {
            return Err(DomainError::Limit {
                limit: "vertices_per_party",
                detail: format!(
                    "{party}'s live declarations would hold {} positions in all; at most {} (limit \
                     vertices_per_party): end or cancel some first",
                    held.positions, bounds.vertices_per_party
                ),
            });
        }
        let conflicts = self
            .index
            .conflicts_of_under(declaration, &self.policy(party));
        // The refusal says only that the bound was passed, not by how much: the count may include
        // declarations the party was never given (a written conflict would show them; a refusal records
        // nothing).
        if conflicts.len() > bounds.conflicts_per_write {
            return Err(DomainError::Limit {
                limit: "conflicts_per_write",
                detail: format!(
                    "declaration {:?} would open more than {} conflicts, the most one write opens (limit \
                     conflicts_per_write): split it or narrow its volumes",
                    declaration.id, bounds.conflicts_per_write
                ),
            });
        }
        let mut entries = vec![Decided {
            kind: DECLARATION_VERSION,
            told: Told::Sealed(audience.clone()),
            content: content.clone(),
        }];
        entries.extend(self.resolutions(party, &declaration.id, "replaced by a new version"));
        for c in &conflicts {
            let other = c.other_than(party);
            let Some(other) = self.current.get(&key(&other.party, &other.id)) else {
                continue;
            };
            let (a, b) = if c.a.party == party {
                (content, &other.content)
            } else {
                (&other.content, content)
            };
            let mut content = conflict_content(c, a, b);
            if let Some(t) = self.agreements.between(&c.a.party, &c.b.party) {
                content["agreements"] = json!(t.agreements);
            }
            entries.push(Decided {
                kind: CONFLICT_FOUND,
                told: Told::Parties([c.a.party.clone(), c.b.party.clone()].into_iter().collect()),
                content,
            });
        }
        Ok((entries, conflicts))
    }

    /// Cancelling `party`'s declaration `id` at version `if_match`: the cancellation and the resolution of
    /// its open conflicts. Returns the version cancelled with the entries.
    pub fn decide_cancel(
        &self,
        party: &str,
        id: &str,
        if_match: Option<u64>,
    ) -> Result<(u64, Vec<Decided>), DomainError> {
        let c = self.writable(party, id, if_match)?;
        let version = c.declaration.version;
        let mut entries = vec![Decided {
            kind: DECLARATION_CANCEL,
            told: Told::Sealed(c.audience.clone()),
            content: json!({"id": id, "version": version}),
        }];
        entries.extend(self.resolutions(party, id, "cancelled"));
        Ok((version, entries))
    }

    /// Moving `party`'s declaration `id` (at version `if_match`) to `to`: planned → active, or planned or
    /// active → ended (its open conflicts are then resolved).
    pub fn decide_lifecycle(
        &self,
        party: &str,
        id: &str,
        if_match: Option<u64>,
        to: Lifecycle,
    ) -> Result<Vec<Decided>, DomainError> {
        let c = self.writable(party, id, if_match)?;
        match (c.state, to) {
            (Lifecycle::Planned, Lifecycle::Active)
            | (Lifecycle::Planned | Lifecycle::Active, Lifecycle::Ended) => {}
            (from, to) => {
                return Err(DomainError::Exists(format!(
                    "{id} is {}; it cannot become {}",
                    from.name(),
                    to.name()
                )))
            }
        }
        let mut entries = vec![Decided {
            kind: DECLARATION_STATE,
            told: Told::Sealed(c.audience.clone()),
            content: json!({"id": id, "version": c.declaration.version, "state": to.name()}),
        }];
        if to == Lifecycle::Ended {
            entries.extend(self.resolutions(party, id, "ended"));
        }
        Ok(entries)
    }

    /// The line's own moves of declarations through their life at `now_ms` (its actor is
    /// [`super::LINE_ACTOR`]): a planned declaration whose first window has begun becomes active, and one
    /// whose last window has ended becomes ended (its open conflicts resolved). At most `most` declarations
    /// move in one call (the rest on the next); the party may still end or cancel its own early.
    pub fn decide_due_lifecycle(&self, now_ms: i64, most: usize) -> Vec<Decided> {
        let mut entries = Vec::new();
        let mut moved = 0;
        // Only those due by now, through the index of when each moves next: the loop's work does not grow
        // with the declarations the line holds.
        let due = self
            .lifecycle_due
            .iter()
            .take_while(|(t, _)| *t <= now_ms)
            .filter_map(|(_, k)| self.current.get(k).map(|c| (k, c)));
        for (k, c) in due {
            if moved >= most {
                break;
            }
            if c.state.closed() {
                continue;
            }
            let times = c.declaration.volumes.iter().map(|v| v.time);
            let (Some(start), Some(end)) = (
                times.clone().map(|t| t.start_ms).min(),
                times.map(|t| t.end_ms).max(),
            ) else {
                continue;
            };
            let to = if end <= now_ms {
                Lifecycle::Ended
            } else if start <= now_ms && c.state == Lifecycle::Planned {
                Lifecycle::Active
            } else {
                continue;
            };
            let party = &c.declaration.party;
            let id = &c.declaration.id;
            debug_assert_eq!(k, &key(party, id));
            entries.push(Decided {
                kind: DECLARATION_STATE,
                told: Told::Sealed(c.audience.clone()),
                content: json!({"id": id, "version": c.declaration.version, "state": to.name(), "party": party}),
            });
            if to == Lifecycle::Ended {
                entries.extend(self.resolutions(party, id, "ended"));
            }
            moved += 1;
        }
        entries
    }

    /// A party's response to a conflict it is part of (a dispute needs a reason of 1–2000 characters);
    /// nothing when it already gave that response.
    pub fn decide_conflict_response(
        &self,
        party: &str,
        id: &str,
        response: ConflictResponse,
        reason: Option<String>,
    ) -> Result<Vec<Decided>, DomainError> {
        let record = self
            .conflicts
            .get(id)
            .filter(|r| need_to_know::conflict(r, party))
            .ok_or_else(|| DomainError::NotFound(id.into()))?;
        if let (ConflictResponse::Dispute, Some(r)) = (response, &reason) {
            free_text("reason", r)?;
        }
        let reason = match (response, reason) {
            (ConflictResponse::Dispute, Some(r)) if !r.trim().is_empty() && r.len() <= 2000 => {
                Some(r)
            }
            (ConflictResponse::Dispute, _) => {
                return Err(invalid(
                    "reason",
                    "a dispute needs a reason of 1–2000 characters, e.g. \"not my forces\"",
                ))
            }
            (_, r) => r,
        };
        let already = match response {
            ConflictResponse::Acknowledge => record.acknowledged.contains_key(party),
            ConflictResponse::Accept => record.accepted.contains_key(party),
            ConflictResponse::Dispute => record.disputed.contains_key(party),
        };
        if already {
            return Ok(Vec::new());
        }
        let mut content = json!({"id": id});
        if let Some(r) = &reason {
            content["reason"] = json!(r);
        }
        Ok(vec![Decided {
            kind: response.kind(),
            told: Told::Parties(record.parties.iter().cloned().collect()),
            content,
        }])
    }

    /// A recipient acknowledges a message, or answers it with `answer` (free text of at most 10 000 bytes,
    /// a template, or both; once); nothing when it already acknowledged and gives no answer.
    pub fn decide_message_receipt(
        &self,
        party: &str,
        id: &str,
        answer: Option<Answer>,
    ) -> Result<Vec<Decided>, DomainError> {
        let m = self
            .messages
            .get(id)
            .filter(|m| need_to_know::message_to(m, party))
            .ok_or_else(|| DomainError::NotFound(id.into()))?;
        let r = m
            .receipts
            .get(party)
            .ok_or_else(|| DomainError::NotFound(id.into()))?;
        if let Some(a) = &answer {
            if a.text.len() > 10_000 {
                return Err(invalid(
                    "text",
                    "an answer's text is longer than 10 000 bytes",
                ));
            }
            free_text("text", &a.text)?;
        }
        let (kind, content) = match &answer {
            Some(a) if a.text.trim().is_empty() && a.template.is_none() => {
                return Err(invalid(
                    "text",
                    "an answer needs text (1–10 000 bytes), a template, or both",
                ))
            }
            Some(a) if r.answered.is_none() => {
                let mut content = json!({"id": id, "text": a.text});
                if let Some(t) = &a.template {
                    let readable = crate::template::ReadableIn { state: self, party };
                    content["template"] = crate::template::check(t, &readable)?;
                }
                (MESSAGE_ANSWERED, content)
            }
            Some(_) => return Err(DomainError::Exists(format!("{id} is already answered"))),
            None if r.acknowledged.is_none() => (MESSAGE_ACKNOWLEDGED, json!({"id": id})),
            None => return Ok(Vec::new()),
        };
        Ok(vec![Decided {
            kind,
            told: Told::Parties(m.receipt_audience(party)),
            content,
        }])
    }

    /// A participant accepts (or, after a suspension, accepts anew) or suspends (with a reason of 1–2000
    /// characters) an agreement; nothing when it already accepted. Returns the agreement's key with the
    /// entries.
    pub fn decide_agreement_action(
        &self,
        party: &str,
        id: &str,
        proposer: Option<&str>,
        suspend: Option<String>,
    ) -> Result<(String, Vec<Decided>), DomainError> {
        let key = self
            .agreements
            .find(party, id, proposer)
            .map_err(DomainError::Exists)?
            .ok_or_else(|| DomainError::NotFound(id.into()))?;
        let a = self
            .agreements
            .by_id
            .get(&key)
            .ok_or_else(|| DomainError::NotFound(id.into()))?;
        if let Some(r) = &suspend {
            if r.trim().is_empty() || r.len() > 2000 {
                return Err(invalid(
                    "reason",
                    "a suspension needs a reason of 1–2000 characters",
                ));
            }
            free_text("reason", r)?;
        }
        let (kind, content) = match suspend {
            Some(_) if a.suspended => {
                return Err(DomainError::Exists(format!("{id} is already suspended")))
            }
            Some(r) => (
                AGREEMENT_SUSPENDED,
                json!({"id": id, "proposer": a.proposer, "reason": r}),
            ),
            None if a.accepted.contains_key(party) => return Ok((key, Vec::new())),
            None => (
                AGREEMENT_ACCEPTED,
                json!({"id": id, "proposer": a.proposer}),
            ),
        };
        let told = Told::Parties(a.parties.clone());
        Ok((
            key,
            vec![Decided {
                kind,
                told,
                content,
            }],
        ))
    }

    /// `party` reads its inbox: every message to it that it had not read yet is marked delivered.
    pub fn decide_delivery(&self, party: &str) -> Vec<Decided> {
        // Only the party's own inbox is walked: what reading it costs depends on no one else's traffic.
        self.listable(super::List::Inbox, party, None)
            .filter_map(|id| self.messages.get(id))
            .filter(|m| m.receipts.get(party).is_some_and(|r| r.delivered.is_none()))
            .map(|m| Decided {
                kind: MESSAGE_DELIVERED,
                told: Told::Parties(m.receipt_audience(party)),
                content: json!({"id": m.content["id"]}),
            })
            .collect()
    }

    /// The line's own entries at `now_ms` (its actor is [`super::LINE_ACTOR`]): every unacknowledged message
    /// past its deadline escalates to the recipient's next level, one level per further deadline period, and
    /// its sender is told.
    pub fn decide_escalations(&self, now_ms: i64) -> Vec<Decided> {
        let mut entries = Vec::new();
        for m in self.messages.values() {
            for (party, r) in &m.receipts {
                let Some(level) = m.due_level(r, now_ms) else {
                    continue;
                };
                for name in LEVELS.iter().take(level + 1).skip(r.escalations.len() + 1) {
                    entries.push(Decided {
                        kind: MESSAGE_ESCALATED,
                        told: Told::Parties(m.receipt_audience(party)),
                        content: json!({"id": m.content["id"], "party": party, "level": name}),
                    });
                }
            }
        }
        entries
    }
}
