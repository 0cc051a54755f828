//! ASTM F3548-21 strategic coordination: the line as a DSS (Discovery and Synchronization Service). USSs
//! (drone traffic service suppliers, authenticated by the server with OAuth JWTs; the token's `sub` is the
//! USS, a party [`party_of`] of the line) keep operational intent references, constraint references and
//! subscriptions here; every write is one entry of the line's log, so each USS can later prove what the DSS
//! accepted and when.
//!
//! | module | owns |
//! |---|---|
//! | `wire` | the standard's request and answer bodies (serde) |
//! | `geometry` | a `Volume4D` read into an [`Extent`], the exact 4D intersection test, coverage, [`AirIndex`] |
//! | `decide` | the DSS's commands as deciders: what to log for a USS's request, and the answer, or why not |
//! | this file | the state ([`Dss`]: intents, constraints, subscriptions, availability), what one entry changes ([`Change`]), its check and apply, the references as each USS may see them |
//!
//! Every DSS entry's content is a [`Change`]: the records it puts (whole), the ids it deletes, and the
//! notification indices it sets. The decider works everything out (versions, OVNs, implicit subscriptions,
//! which subscriptions are notified); checking and applying a change needs no search, so replay is cheap and
//! cannot disagree with the write.
//!
//! Need-to-know, as the standard sets it: any USS with the scope may read any reference, but an OVN only of
//! its own (others see "Available from USS"); subscriptions are read, listed and changed only by their
//! owner (another's is answered as missing); nothing of the line's other parties ever appears here, and
//! nothing of the DSS in their views.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub mod decide;
pub mod geometry;
pub mod wire;

#[cfg(test)]
mod tests;

pub use decide::{Caller, Ctx, Decision, DssError, Fresh, Scopes};
pub use geometry::{AirIndex, Extent, Shape, Work};

use geometry::{read_time, read_volume, time};
use wire::Volume4D;

/// What a reference shows for an OVN its reader does not manage.
pub const NO_OVN: &str = "Available from USS";

/// The subscription id of a reference that has none (Accepted intents may have none).
pub const NULL_SUBSCRIPTION: &str = "00000000-0000-4000-8000-000000000000";

/// The party of the line that a USS is: `uss.<sub>` when the token's `sub` fits the log's grammar of
/// actors (1 to 60 of a-z, 0-9, `.`, `_`, `-`, starting with a letter or digit), else `uss.` and the first
/// 32 hex digits of the SHA-256 of `sub` (a `sub` may be any string; the party must be a name the log
/// takes, one per `sub`).
pub fn party_of(sub: &str) -> String {
    let fits = !sub.is_empty()
        && sub.len() <= 60
        && sub.as_bytes()[0].is_ascii_alphanumeric()
        && sub
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
    let is_hash_shaped = sub.len() == 32 && sub.bytes().all(|b| b.is_ascii_hexdigit());
    if fits && !is_hash_shaped {
        format!("uss.{sub}")
    } else {
        use sha2::Digest;
        let h = hex::encode(sha2::Sha256::digest(sub.as_bytes()));
        format!("uss.{}", &h[..32])
    }
}

/// An operational intent's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntentState {
    Accepted,
    Activated,
    Nonconforming,
    Contingent,
}

impl IntentState {
    pub fn parse(s: &str) -> Option<IntentState> {
        Some(match s {
            "Accepted" => IntentState::Accepted,
            "Activated" => IntentState::Activated,
            "Nonconforming" => IntentState::Nonconforming,
            "Contingent" => IntentState::Contingent,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            IntentState::Accepted => "Accepted",
            IntentState::Activated => "Activated",
            IntentState::Nonconforming => "Nonconforming",
            IntentState::Contingent => "Contingent",
        }
    }

    /// Off-nominal states (set only with the conformance monitoring scope, and without a key).
    pub fn off_nominal(self) -> bool {
        matches!(self, IntentState::Nonconforming | IntentState::Contingent)
    }
}

/// An operational intent reference as logged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntentRecord {
    pub id: String,
    pub manager: String,
    pub version: i32,
    pub state: String,
    pub ovn: String,
    pub extents: Vec<Volume4D>,
    pub uss_base_url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscription_id: Option<String>,
}

/// A constraint reference as logged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConstraintRecord {
    pub id: String,
    pub manager: String,
    pub version: i32,
    pub ovn: String,
    pub extents: Vec<Volume4D>,
    pub uss_base_url: String,
}

/// A subscription as logged: its volumes (whose own times, if any, are cut to the subscription's window) and
/// its window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubscriptionRecord {
    pub id: String,
    pub manager: String,
    pub version: String,
    pub notification_index: u32,
    pub extents: Vec<Volume4D>,
    pub time_start: wire::Time,
    pub time_end: wire::Time,
    pub uss_base_url: String,
    pub notify_for_operational_intents: bool,
    pub notify_for_constraints: bool,
    pub implicit: bool,
}

/// A subscription's notification index set by a change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Notified {
    pub subscription_id: String,
    pub notification_index: u32,
}

/// A USS's availability as logged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AvailabilityRecord {
    pub uss: String,
    pub availability: String,
    pub version: String,
}

/// A report a USS made to the DSS, as received.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportRecord {
    pub id: String,
    pub by: String,
    pub report: Value,
}

/// The content of every DSS entry: what it changes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Change {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub put_subscriptions: Vec<SubscriptionRecord>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub put_intents: Vec<IntentRecord>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deleted_intents: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deleted_subscriptions: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub put_constraints: Vec<ConstraintRecord>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deleted_constraints: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notified: Vec<Notified>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub availability: Option<AvailabilityRecord>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report: Option<ReportRecord>,
}

/// An operational intent in force: the record and its extents, read.
#[derive(Debug, Clone)]
pub struct Intent {
    pub record: IntentRecord,
    pub state: IntentState,
    pub shape: Shape,
}

/// A constraint in force.
#[derive(Debug, Clone)]
pub struct Constraint {
    pub record: ConstraintRecord,
    pub shape: Shape,
}

/// A subscription, its extents cut to its window.
#[derive(Debug, Clone)]
pub struct Subscription {
    pub record: SubscriptionRecord,
    pub shape: Shape,
}

/// A [`Change`] read and checked against the state, its records' extents read: ready to apply.
#[derive(Debug, Clone)]
pub struct Ready {
    subscriptions: Vec<Subscription>,
    intents: Vec<Intent>,
    constraints: Vec<Constraint>,
    change: Change,
}

/// The DSS part of the line's state.
#[derive(Debug, Default)]
pub struct Dss {
    pub intents: BTreeMap<String, Intent>,
    pub constraints: BTreeMap<String, Constraint>,
    pub subscriptions: BTreeMap<String, Subscription>,
    /// By USS (`sub`); a USS never set is `Unknown`.
    pub availability: BTreeMap<String, AvailabilityRecord>,
    /// The intents that rely on each subscription.
    pub dependents: BTreeMap<String, BTreeSet<String>>,
    /// Reports received.
    pub reports: u64,
    /// How many intents, constraints and subscriptions each USS holds in memory (bounded by
    /// [`decide::Ctx::max_entities`]).
    pub held: BTreeMap<String, usize>,
    intent_index: AirIndex,
    constraint_index: AirIndex,
    subscription_index: AirIndex,
}

pub(crate) fn read_extents(extents: &[Volume4D], field: &str) -> Result<Vec<Extent>, String> {
    extents
        .iter()
        .enumerate()
        .map(|(i, v)| read_volume(v, &format!("{field}[{i}]")))
        .collect()
}

fn read_intent(r: IntentRecord) -> Result<Intent, String> {
    let state = IntentState::parse(&r.state)
        .ok_or_else(|| format!("intent {}: state {:?} is not a state", r.id, r.state))?;
    let extents =
        read_extents(&r.extents, "extents").map_err(|e| format!("intent {}: {e}", r.id))?;
    if extents.is_empty() {
        return Err(format!("intent {}: no extents", r.id));
    }
    Ok(Intent {
        record: r,
        state,
        shape: Shape::new(extents),
    })
}

fn read_constraint(r: ConstraintRecord) -> Result<Constraint, String> {
    let extents =
        read_extents(&r.extents, "extents").map_err(|e| format!("constraint {}: {e}", r.id))?;
    if extents.is_empty() {
        return Err(format!("constraint {}: no extents", r.id));
    }
    Ok(Constraint {
        record: r,
        shape: Shape::new(extents),
    })
}

pub(crate) fn read_subscription(r: SubscriptionRecord) -> Result<Subscription, String> {
    let at = |e: String| format!("subscription {}: {e}", r.id);
    let start_ns = read_time(&r.time_start, "time_start").map_err(at)?;
    let end_ns = read_time(&r.time_end, "time_end").map_err(at)?;
    let extents = read_extents(&r.extents, "extents").map_err(at)?;
    let mut shape = Shape::new(extents);
    shape.start_ns = start_ns;
    shape.end_ns = end_ns;
    Ok(Subscription { record: r, shape })
}

impl Dss {
    /// Reads a DSS entry's content: the change's shape and every record's volumes (what applying it
    /// needs). It does not ask whether the ids it deletes or notifies are still in memory: a node lets
    /// expired entities go on its own clock ([`Dss::retire`]), so an entry another node decided may name
    /// one this node has let go; applying it then does nothing for that id.
    pub fn check(&self, content: &Value) -> Result<Ready, String> {
        let change: Change = wire::from_value(content)?;
        let subscriptions = change
            .put_subscriptions
            .iter()
            .cloned()
            .map(read_subscription)
            .collect::<Result<Vec<_>, _>>()?;
        let intents = change
            .put_intents
            .iter()
            .cloned()
            .map(read_intent)
            .collect::<Result<Vec<_>, _>>()?;
        let constraints = change
            .put_constraints
            .iter()
            .cloned()
            .map(read_constraint)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Ready {
            subscriptions,
            intents,
            constraints,
            change,
        })
    }

    /// As [`Dss::check`], but with what the writer already read: when `prepared` is the content's change, its
    /// records' volumes are not read again (reading a polygon checks it is simple, which costs the square of
    /// its vertices, and the write runs under the line's lock).
    pub fn check_prepared(
        &self,
        content: &Value,
        prepared: Option<Ready>,
    ) -> Result<Ready, String> {
        match prepared {
            Some(ready) if wire::from_value::<Change>(content).is_ok_and(|c| c == ready.change) => {
                Ok(ready)
            }
            _ => self.check(content),
        }
    }

    /// Applies a checked change; it cannot fail.
    pub fn apply(&mut self, ready: Ready) {
        let Ready {
            subscriptions,
            intents,
            constraints,
            change,
        } = ready;
        for s in subscriptions {
            if let Some(old) = self.subscriptions.remove(&s.record.id) {
                self.subscription_index.remove(&old.record.id, &old.shape);
                self.release(&old.record.manager);
            }
            self.hold(&s.record.manager);
            self.subscription_index.insert(&s.record.id, &s.shape);
            self.subscriptions.insert(s.record.id.clone(), s);
        }
        for i in intents {
            self.unlink_intent(&i.record.id);
            if let Some(s) = &i.record.subscription_id {
                self.dependents
                    .entry(s.clone())
                    .or_default()
                    .insert(i.record.id.clone());
            }
            self.intent_index.insert(&i.record.id, &i.shape);
            self.hold(&i.record.manager);
            self.intents.insert(i.record.id.clone(), i);
        }
        for id in &change.deleted_intents {
            self.unlink_intent(id);
        }
        for id in &change.deleted_subscriptions {
            self.drop_subscription(id);
        }
        for c in constraints {
            if let Some(old) = self.constraints.remove(&c.record.id) {
                self.constraint_index.remove(&old.record.id, &old.shape);
                self.release(&old.record.manager);
            }
            self.hold(&c.record.manager);
            self.constraint_index.insert(&c.record.id, &c.shape);
            self.constraints.insert(c.record.id.clone(), c);
        }
        for id in &change.deleted_constraints {
            if let Some(old) = self.constraints.remove(id) {
                self.constraint_index.remove(id, &old.shape);
                self.release(&old.record.manager);
            }
        }
        for n in &change.notified {
            if let Some(s) = self.subscriptions.get_mut(&n.subscription_id) {
                s.record.notification_index = n.notification_index;
            }
        }
        if let Some(a) = change.availability {
            self.availability.insert(a.uss.clone(), a);
        }
        if change.report.is_some() {
            self.reports += 1;
        }
    }

    fn hold(&mut self, manager: &str) {
        *self.held.entry(manager.to_string()).or_default() += 1;
    }

    fn release(&mut self, manager: &str) {
        if let Some(n) = self.held.get_mut(manager) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                self.held.remove(manager);
            }
        }
    }

    fn drop_subscription(&mut self, id: &str) {
        if let Some(old) = self.subscriptions.remove(id) {
            self.subscription_index.remove(id, &old.shape);
            self.release(&old.record.manager);
        }
        self.dependents.remove(id);
    }

    /// How many intents, constraints and subscriptions `uss` holds.
    pub fn held_by(&self, uss: &str) -> usize {
        self.held.get(uss).copied().unwrap_or(0)
    }

    /// Lets go of what ended before `cutoff_ns`: intents and constraints whose last time has passed, then
    /// subscriptions whose window has passed and on which no intent relies. The log keeps them; a restart
    /// brings them back until the next call. Returns how many left.
    pub fn retire(&mut self, cutoff_ns: i64) -> usize {
        let intents: Vec<String> = self
            .intents
            .values()
            .filter(|i| i.shape.end_ns < cutoff_ns)
            .map(|i| i.record.id.clone())
            .collect();
        let constraints: Vec<String> = self
            .constraints
            .values()
            .filter(|c| c.shape.end_ns < cutoff_ns)
            .map(|c| c.record.id.clone())
            .collect();
        for id in &intents {
            self.unlink_intent(id);
        }
        for id in &constraints {
            if let Some(old) = self.constraints.remove(id) {
                self.constraint_index.remove(id, &old.shape);
                self.release(&old.record.manager);
            }
        }
        let subscriptions: Vec<String> = self
            .subscriptions
            .values()
            .filter(|s| s.shape.end_ns < cutoff_ns && !self.dependents.contains_key(&s.record.id))
            .map(|s| s.record.id.clone())
            .collect();
        for id in &subscriptions {
            self.drop_subscription(id);
        }
        intents.len() + constraints.len() + subscriptions.len()
    }

    /// Takes an intent out of the index and of its subscription's dependents.
    fn unlink_intent(&mut self, id: &str) {
        let Some(old) = self.intents.remove(id) else {
            return;
        };
        self.intent_index.remove(id, &old.shape);
        self.release(&old.record.manager);
        if let Some(s) = &old.record.subscription_id {
            if let Some(d) = self.dependents.get_mut(s) {
                d.remove(id);
                if d.is_empty() {
                    self.dependents.remove(s);
                }
            }
        }
    }

    /// The intents whose shape meets `x`, by id.
    pub fn intents_in(&self, x: &Shape, work: &Work) -> Vec<&Intent> {
        self.intent_index
            .candidates(x)
            .into_iter()
            .filter_map(|id| self.intents.get(id))
            .filter(|i| i.shape.meets(x, work))
            .collect()
    }

    /// The constraints whose shape meets `x`, by id.
    pub fn constraints_in(&self, x: &Shape, work: &Work) -> Vec<&Constraint> {
        self.constraint_index
            .candidates(x)
            .into_iter()
            .filter_map(|id| self.constraints.get(id))
            .filter(|c| c.shape.meets(x, work))
            .collect()
    }

    /// The subscriptions whose shape meets `x`, by id.
    pub fn subscriptions_in(&self, x: &Shape, work: &Work) -> Vec<&Subscription> {
        self.subscription_index
            .candidates(x)
            .into_iter()
            .filter_map(|id| self.subscriptions.get(id))
            .filter(|s| s.shape.meets(x, work))
            .collect()
    }

    /// A USS's availability (`Unknown` until set).
    pub fn availability_of(&self, uss: &str) -> &'static str {
        match self.availability.get(uss).map(|a| a.availability.as_str()) {
            Some("Normal") => "Normal",
            Some("Down") => "Down",
            _ => "Unknown",
        }
    }

    /// An intent's reference as `reader` may see it (the OVN only to its manager).
    pub fn intent_ref(&self, i: &Intent, reader: &str) -> wire::OperationalIntentReference {
        let r = &i.record;
        wire::OperationalIntentReference {
            id: r.id.clone(),
            manager: r.manager.clone(),
            uss_availability: self.availability_of(&r.manager),
            version: r.version,
            state: i.state.name(),
            ovn: if r.manager == reader {
                r.ovn.clone()
            } else {
                NO_OVN.into()
            },
            time_start: time(i.shape.start_ns),
            time_end: time(i.shape.end_ns),
            uss_base_url: r.uss_base_url.clone(),
            subscription_id: r
                .subscription_id
                .clone()
                .unwrap_or_else(|| NULL_SUBSCRIPTION.into()),
        }
    }

    /// A constraint's reference as `reader` may see it.
    pub fn constraint_ref(&self, c: &Constraint, reader: &str) -> wire::ConstraintReference {
        let r = &c.record;
        wire::ConstraintReference {
            id: r.id.clone(),
            manager: r.manager.clone(),
            uss_availability: self.availability_of(&r.manager),
            version: r.version,
            ovn: if r.manager == reader {
                r.ovn.clone()
            } else {
                NO_OVN.into()
            },
            time_start: time(c.shape.start_ns),
            time_end: time(c.shape.end_ns),
            uss_base_url: r.uss_base_url.clone(),
        }
    }

    /// A subscription as its owner sees it.
    pub fn subscription_view(&self, s: &Subscription) -> wire::Subscription {
        let r = &s.record;
        wire::Subscription {
            id: r.id.clone(),
            version: r.version.clone(),
            notification_index: r.notification_index,
            time_start: r.time_start.clone(),
            time_end: r.time_end.clone(),
            uss_base_url: r.uss_base_url.clone(),
            notify_for_operational_intents: r.notify_for_operational_intents,
            notify_for_constraints: r.notify_for_constraints,
            implicit_subscription: r.implicit,
            dependent_operational_intents: self
                .dependents
                .get(&r.id)
                .map(|d| d.iter().cloned().collect())
                .unwrap_or_default(),
        }
    }

    /// Everything the log determines here, as text for the state's digest (records only: the extents and
    /// indexes are read from them).
    pub fn digest_text(&self) -> String {
        let intents: Vec<&IntentRecord> = self.intents.values().map(|i| &i.record).collect();
        let constraints: Vec<&ConstraintRecord> =
            self.constraints.values().map(|c| &c.record).collect();
        let subscriptions: Vec<&SubscriptionRecord> =
            self.subscriptions.values().map(|s| &s.record).collect();
        format!(
            "{intents:?}|{constraints:?}|{subscriptions:?}|{:?}|{:?}|{}",
            self.availability, self.dependents, self.reports
        )
    }

    /// How many intents, constraints and subscriptions are in force (for metrics).
    pub fn counts(&self) -> (usize, usize, usize) {
        (
            self.intents.len(),
            self.constraints.len(),
            self.subscriptions.len(),
        )
    }
}
