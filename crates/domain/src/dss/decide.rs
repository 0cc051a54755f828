//! The DSS's commands as deciders: for a USS's request, the entry to log ([`Decided`], whose content is a
//! [`Change`]) and the answer the standard prescribes, or a [`DssError`] saying why not. They read the state
//! and never change it; the time and the randomness for new OVNs, versions and ids come in as arguments, so
//! a decider is a pure function of its inputs.
//!
//! The rules follow ASTM F3548-21's OpenAPI and, where it is silent, InterUSS's reference DSS (what its
//! conformance tests expect): the key check (every intent and, for a USS processing constraints, every
//! constraint that intersects the new extents must be named by its current OVN), implicit subscriptions
//! (created, extended and removed with their intent), subscriptions that must cover the intents relying on
//! them, notification indices raised once per change, availability (a USS marked Down may not create,
//! change or delete intents in the nominal states), and the errors by status.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;
use sha2::{Digest, Sha256};

use super::geometry::{covers_area, read_volume, time};
use super::wire::{self, SubscriberToNotify, SubscriptionState};
use super::*;
use crate::kinds::{
    DSS_AVAILABILITY, DSS_CONSTRAINT_DELETED, DSS_CONSTRAINT_PUT, DSS_INTENT_DELETED,
    DSS_INTENT_PUT, DSS_REPORT, DSS_SUBSCRIPTION_DELETED, DSS_SUBSCRIPTION_PUT,
};
use crate::state::decide::{Decided, Told};

/// Most volumes in one reference's or subscription's extents.
pub const MAX_EXTENTS: usize = 100;
/// Most OVNs in a key.
pub const MAX_KEY: usize = 10_000;
/// Longest a subscription may last (as the reference DSS).
pub const MAX_SUBSCRIPTION_NS: i64 = 24 * 3_600 * 1_000_000_000;
/// How far in the past a subscription's start may be (clock skew).
pub const SKEW_NS: i64 = 5 * 60 * 1_000_000_000;

/// The F3548 scopes a USS's token carries.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Scopes {
    pub strategic_coordination: bool,
    pub constraint_management: bool,
    pub constraint_processing: bool,
    pub conformance_monitoring_sa: bool,
    pub availability_arbitration: bool,
}

/// Who is asking: the USS (`sub` of its token) and its scopes.
#[derive(Debug, Clone, Copy)]
pub struct Caller<'a> {
    pub sub: &'a str,
    pub scopes: Scopes,
}

/// What a write depends on besides the state and the request: the time, randomness for what it creates, and
/// whether `http://` base URLs are allowed (tests only).
#[derive(Debug, Clone, Copy)]
pub struct Ctx {
    pub now_ns: i64,
    pub fresh: Fresh,
    pub allow_http: bool,
}

/// Randomness for what a write creates (OVNs, versions, ids): each label gives its own value.
#[derive(Debug, Clone, Copy)]
pub struct Fresh(pub [u8; 32]);

impl Fresh {
    fn bytes(&self, label: &str) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(self.0);
        h.update(label.as_bytes());
        h.finalize().into()
    }

    /// An opaque token of `len` hex digits (at most 64).
    pub fn token(&self, label: &str, len: usize) -> String {
        let mut t = hex::encode(self.bytes(label));
        t.truncate(len.min(64));
        t
    }

    /// A random (version 4) UUID.
    pub fn uuid(&self, label: &str) -> String {
        let mut b = self.bytes(label);
        b[6] = (b[6] & 0x0f) | 0x40;
        b[8] = (b[8] & 0x3f) | 0x80;
        let h = hex::encode(&b[..16]);
        format!(
            "{}-{}-{}-{}-{}",
            &h[0..8],
            &h[8..12],
            &h[12..16],
            &h[16..20],
            &h[20..32]
        )
    }
}

/// Why a DSS request is refused; each maps to the standard's status.
#[derive(Debug, Clone, PartialEq)]
pub enum DssError {
    /// 400: a parameter is missing or invalid, or the change is not allowed.
    BadRequest(String),
    /// 403: not the caller's to change, or a scope is missing.
    Forbidden(String),
    /// 404: nothing of that id that the caller may see.
    NotFound(String),
    /// 409: the version or OVN named is not the current one, or the entity exists already.
    Conflict(String),
    /// 409 with the intents and constraints the key did not name.
    MissingKey(Box<wire::AirspaceConflict>),
    /// 412: the USS is marked Down.
    Down(String),
}

impl DssError {
    pub fn message(&self) -> &str {
        match self {
            DssError::BadRequest(m)
            | DssError::Forbidden(m)
            | DssError::NotFound(m)
            | DssError::Conflict(m)
            | DssError::Down(m) => m,
            DssError::MissingKey(c) => &c.message,
        }
    }
}

fn bad(m: impl Into<String>) -> DssError {
    DssError::BadRequest(m.into())
}

/// What a decider decided: the entries to log (none for a read) and the answer.
#[derive(Debug)]
pub struct Decision<T> {
    pub entries: Vec<Decided>,
    pub answer: T,
}

/// An entity id as the standard has it (a UUID), in lower case.
pub fn entity_id(id: &str, what: &str) -> Result<String, DssError> {
    let ok = id.len() == 36
        && id.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        });
    if !ok {
        return Err(bad(format!("{what} {id:?} is not a UUID")));
    }
    Ok(id.to_ascii_lowercase())
}

fn base_url(url: &str, field: &str, allow_http: bool) -> Result<(), DssError> {
    if url.is_empty() {
        return Err(bad(format!("{field}: missing")));
    }
    if url.len() > 1024 {
        return Err(bad(format!("{field}: longer than 1024 bytes")));
    }
    if url.starts_with("https://") || (allow_http && url.starts_with("http://")) {
        return Ok(());
    }
    if url.starts_with("http://") {
        return Err(bad(format!("{field}: {url:?} must use TLS (https://)")));
    }
    Err(bad(format!("{field}: {url:?} is not an https:// URL")))
}

fn entry(kind: &'static str, change: &Change, told: impl IntoIterator<Item = String>) -> Decided {
    Decided {
        kind,
        content: serde_json::to_value(change).unwrap_or(Value::Null),
        told: Told::Parties(told.into_iter().collect()),
    }
}

/// Reads a reference's extents: at least one volume, each with both times and both altitudes; the last end
/// not in the past.
fn reference_extents(extents: &[wire::Volume4D], now_ns: i64) -> Result<Shape, DssError> {
    if extents.is_empty() {
        return Err(bad("extents: at least one volume is needed"));
    }
    if extents.len() > MAX_EXTENTS {
        return Err(bad(format!(
            "extents: {} volumes; at most {MAX_EXTENTS}",
            extents.len()
        )));
    }
    for (i, v) in extents.iter().enumerate() {
        let missing = [
            (v.time_start.is_none(), "time_start"),
            (v.time_end.is_none(), "time_end"),
            (v.volume.altitude_lower.is_none(), "volume.altitude_lower"),
            (v.volume.altitude_upper.is_none(), "volume.altitude_upper"),
        ];
        if let Some((_, f)) = missing.iter().find(|(m, _)| *m) {
            return Err(bad(format!("extents[{i}].{f}: missing")));
        }
    }
    let shape = Shape::new(read_extents(extents, "extents").map_err(DssError::BadRequest)?);
    if shape.end_ns < now_ns {
        return Err(bad(format!(
            "extents: the last time_end {} is in the past",
            time(shape.end_ns).value
        )));
    }
    Ok(shape)
}

/// The area a query asks about.
pub fn area_of_interest(q: &wire::Query) -> Result<Shape, DssError> {
    let v = q
        .area_of_interest
        .as_ref()
        .ok_or_else(|| bad("area_of_interest: missing"))?;
    read_volume(v, "area_of_interest")
        .map(Shape::one)
        .map_err(DssError::BadRequest)
}

/// The subscribers to notify, grouped by base URL in the order of their subscriptions' ids.
fn subscribers(dss: &Dss, notified: &[Notified], put: &[Subscription]) -> Vec<SubscriberToNotify> {
    let mut by_url: BTreeMap<&str, Vec<SubscriptionState>> = BTreeMap::new();
    for n in notified {
        let url = put
            .iter()
            .find(|s| s.record.id == n.subscription_id)
            .or_else(|| dss.subscriptions.get(&n.subscription_id))
            .map(|s| s.record.uss_base_url.as_str());
        if let Some(url) = url {
            by_url.entry(url).or_default().push(SubscriptionState {
                subscription_id: n.subscription_id.clone(),
                notification_index: n.notification_index,
            });
        }
    }
    by_url
        .into_iter()
        .map(|(url, subscriptions)| SubscriberToNotify {
            subscriptions,
            uss_base_url: url.to_string(),
        })
        .collect()
}

impl Dss {
    /// The subscriptions a change over `area` notifies (those for intents, or for constraints), as they
    /// will be after the change (`put` replaces or adds, `deleted` removes), each with its next index.
    fn notify(
        &self,
        area: &Shape,
        for_intents: bool,
        put: &[Subscription],
        deleted: &BTreeSet<String>,
    ) -> Vec<Notified> {
        let wants = |r: &SubscriptionRecord| {
            if for_intents {
                r.notify_for_operational_intents
            } else {
                r.notify_for_constraints
            }
        };
        let mut hits: BTreeMap<String, u32> = BTreeMap::new();
        for s in self.subscriptions_in(area) {
            let id = &s.record.id;
            if wants(&s.record) && !deleted.contains(id) && !put.iter().any(|p| &p.record.id == id)
            {
                hits.insert(id.clone(), s.record.notification_index);
            }
        }
        for s in put {
            if wants(&s.record) && !deleted.contains(&s.record.id) && s.shape.meets(area) {
                hits.insert(s.record.id.clone(), s.record.notification_index);
            }
        }
        hits.into_iter()
            .map(|(subscription_id, i)| Notified {
                subscription_id,
                notification_index: i.saturating_add(1),
            })
            .collect()
    }

    /// An intent needs naming in keys unless its manager is Down and it is only Accepted.
    fn needs_key(&self, i: &Intent) -> bool {
        !(self.availability_of(&i.record.manager) == "Down" && i.state == IntentState::Accepted)
    }

    /// `PUT /operational_intent_references/{id}[/{ovn}]`: create (no `ovn`) or update an intent.
    pub fn decide_put_intent(
        &self,
        caller: Caller<'_>,
        id: &str,
        ovn: &str,
        params: &wire::PutOperationalIntent,
        ctx: Ctx,
    ) -> Result<Decision<wire::ChangeOperationalIntent>, DssError> {
        let Ctx {
            now_ns,
            fresh,
            allow_http,
        } = ctx;
        let id = entity_id(id, "operational intent id")?;
        base_url(&params.uss_base_url, "uss_base_url", allow_http)?;
        let requested_sub = match params.subscription_id.as_deref() {
            None | Some("") => None,
            Some(s) => Some(entity_id(s, "subscription_id")?),
        };
        if let Some(n) = &params.new_subscription {
            if n.uss_base_url.is_empty() {
                return Err(bad("new_subscription.uss_base_url: missing"));
            }
            if requested_sub.is_some() {
                return Err(bad(
                    "subscription_id and new_subscription are both given; give one",
                ));
            }
            base_url(&n.uss_base_url, "new_subscription.uss_base_url", allow_http)?;
        }
        let state = IntentState::parse(&params.state).ok_or_else(|| {
            bad(format!(
                "state: {:?} is not one of Accepted, Activated, Nonconforming, Contingent",
                params.state
            ))
        })?;
        let shape = reference_extents(&params.extents, now_ns)?;
        if ovn.is_empty() && state != IntentState::Accepted {
            return Err(bad(format!(
                "state: a new operational intent starts Accepted, not {}",
                state.name()
            )));
        }
        if params.requested_ovn_suffix.is_some() {
            return Err(bad(
                "requested_ovn_suffix: this DSS makes its OVNs itself and does not take requests for them",
            ));
        }
        if state != IntentState::Accepted
            && requested_sub.is_none()
            && params.new_subscription.is_none()
        {
            return Err(bad(format!(
                "an operational intent {} needs subscription_id or new_subscription",
                state.name()
            )));
        }
        let key: BTreeSet<&str> = params
            .key
            .iter()
            .flatten()
            .flatten()
            .map(String::as_str)
            .collect();
        if key.len() > MAX_KEY {
            return Err(bad(format!("key: {} OVNs; at most {MAX_KEY}", key.len())));
        }
        if state.off_nominal() && !caller.scopes.conformance_monitoring_sa {
            return Err(DssError::Forbidden(format!(
                "the state {} needs the scope utm.conformance_monitoring_sa",
                state.name()
            )));
        }
        let old = self.intents.get(&id);
        match old {
            Some(o) if o.record.manager != caller.sub => {
                return Err(DssError::Forbidden(format!(
                    "operational intent {id} is managed by another USS"
                )))
            }
            Some(o) if o.record.ovn != ovn => {
                return Err(DssError::Conflict(if ovn.is_empty() {
                    format!("operational intent {id} exists already; update it with its OVN")
                } else {
                    format!("OVN {ovn:?} is not the current OVN of operational intent {id}")
                }))
            }
            None if !ovn.is_empty() => {
                return Err(DssError::NotFound(format!(
                    "there is no operational intent {id}, so no version {ovn:?} of it"
                )))
            }
            _ => {}
        }
        if self.availability_of(caller.sub) == "Down" && !state.off_nominal() {
            return Err(DssError::Down(format!(
                "USS {} is marked Down: it may not put an operational intent in the state {}",
                caller.sub,
                state.name()
            )));
        }
        let version = old.map_or(1, |o| o.record.version.saturating_add(1));
        let previous = old
            .and_then(|o| o.record.subscription_id.as_ref())
            .and_then(|s| self.subscriptions.get(s));
        let replacing = previous.is_some_and(|p| Some(&p.record.id) != requested_sub.as_ref());
        let mut deleted_subscriptions = BTreeSet::new();
        if let Some(p) = previous.filter(|_| replacing) {
            let only_this = self
                .dependents
                .get(&p.record.id)
                .is_some_and(|d| d.len() == 1 && d.contains(&id));
            if p.record.implicit && only_this {
                deleted_subscriptions.insert(p.record.id.clone());
            }
        }
        let (start_ns, end_ns) = (shape.start_ns, shape.end_ns);
        let mut put_subscriptions: Vec<Subscription> = Vec::new();
        let attached: Option<Subscription> = match &requested_sub {
            None => match &params.new_subscription {
                Some(n) => {
                    let record = SubscriptionRecord {
                        id: fresh.uuid("implicit subscription"),
                        manager: caller.sub.to_string(),
                        version: fresh.token("subscription version", 32),
                        notification_index: 0,
                        extents: params.extents.clone(),
                        time_start: time(start_ns),
                        time_end: time(end_ns),
                        uss_base_url: n.uss_base_url.clone(),
                        notify_for_operational_intents: true,
                        notify_for_constraints: n.notify_for_constraints.unwrap_or(false),
                        implicit: true,
                    };
                    let s = read_subscription(record).map_err(DssError::BadRequest)?;
                    put_subscriptions.push(s.clone());
                    Some(s)
                }
                None => None,
            },
            Some(sid) => {
                let s = self.subscriptions.get(sid).ok_or_else(|| {
                    bad(format!("subscription_id: there is no subscription {sid}"))
                })?;
                if s.record.manager != caller.sub {
                    return Err(DssError::Forbidden(format!(
                        "subscription {sid} belongs to another USS"
                    )));
                }
                let early = s.shape.start_ns > start_ns;
                let short = s.shape.end_ns < end_ns;
                let narrow = !shape
                    .extents
                    .iter()
                    .all(|x| covers_area(&s.shape.extents, x));
                if (early || short || narrow) && !s.record.implicit {
                    let why = if early {
                        "starts after the operational intent starts"
                    } else if short {
                        "ends before the operational intent ends"
                    } else {
                        "does not cover the operational intent's whole area"
                    };
                    return Err(bad(format!("subscription_id: subscription {sid} {why}")));
                }
                if early || short || narrow {
                    let mut record = s.record.clone();
                    record.time_start = time(s.shape.start_ns.min(start_ns));
                    record.time_end = time(s.shape.end_ns.max(end_ns));
                    if narrow {
                        record.extents.extend(params.extents.iter().cloned());
                    }
                    let s = read_subscription(record).map_err(DssError::BadRequest)?;
                    put_subscriptions.push(s.clone());
                    Some(s)
                } else {
                    Some(s.clone())
                }
            }
        };
        if !state.off_nominal() {
            let mut missing_intents: BTreeMap<&str, &Intent> = BTreeMap::new();
            let mut missing_constraints: BTreeMap<&str, &Constraint> = BTreeMap::new();
            for i in self.intents_in(&shape) {
                if i.record.id != id && self.needs_key(i) && !key.contains(i.record.ovn.as_str()) {
                    missing_intents.insert(&i.record.id, i);
                }
            }
            if attached
                .as_ref()
                .is_some_and(|s| s.record.notify_for_constraints)
            {
                for c in self.constraints_in(&shape) {
                    if !key.contains(c.record.ovn.as_str()) {
                        missing_constraints.insert(&c.record.id, c);
                    }
                }
            }
            if !missing_intents.is_empty() || !missing_constraints.is_empty() {
                return Err(DssError::MissingKey(Box::new(wire::AirspaceConflict {
                    message: format!(
                        "the key lacks the current OVNs of {} operational intents and {} constraints in \
                         these extents; get them from their managing USSs and try again",
                        missing_intents.len(),
                        missing_constraints.len()
                    ),
                    missing_operational_intents: missing_intents
                        .values()
                        .map(|i| self.intent_ref(i, caller.sub))
                        .collect(),
                    missing_constraints: missing_constraints
                        .values()
                        .map(|c| self.constraint_ref(c, caller.sub))
                        .collect(),
                })));
            }
        }
        let record = IntentRecord {
            id: id.clone(),
            manager: caller.sub.to_string(),
            version,
            state: state.name().into(),
            ovn: fresh.token("ovn", 64),
            extents: params.extents.clone(),
            uss_base_url: params.uss_base_url.clone(),
            subscription_id: attached.as_ref().map(|s| s.record.id.clone()),
        };
        let area = match old {
            Some(o) => shape.union(&o.shape),
            None => shape.clone(),
        };
        let notified = self.notify(&area, true, &put_subscriptions, &deleted_subscriptions);
        let intent = Intent {
            record: record.clone(),
            state,
            shape,
        };
        let answer = wire::ChangeOperationalIntent {
            subscribers: subscribers(self, &notified, &put_subscriptions),
            operational_intent_reference: self.intent_ref(&intent, caller.sub),
        };
        let change = Change {
            put_subscriptions: put_subscriptions.into_iter().map(|s| s.record).collect(),
            put_intents: vec![record],
            deleted_subscriptions: deleted_subscriptions.into_iter().collect(),
            notified,
            ..Change::default()
        };
        Ok(Decision {
            entries: vec![entry(DSS_INTENT_PUT, &change, [party_of(caller.sub)])],
            answer,
        })
    }

    /// `DELETE /operational_intent_references/{id}/{ovn}`.
    pub fn decide_delete_intent(
        &self,
        caller: Caller<'_>,
        id: &str,
        ovn: &str,
    ) -> Result<Decision<wire::ChangeOperationalIntent>, DssError> {
        let id = entity_id(id, "operational intent id")?;
        if ovn.is_empty() {
            return Err(bad("ovn: missing"));
        }
        let old = self
            .intents
            .get(&id)
            .ok_or_else(|| DssError::NotFound(format!("there is no operational intent {id}")))?;
        if old.record.manager != caller.sub {
            return Err(DssError::Forbidden(format!(
                "operational intent {id} is managed by another USS"
            )));
        }
        if old.record.ovn != ovn {
            return Err(DssError::Conflict(format!(
                "OVN {ovn:?} is not the current OVN of operational intent {id}"
            )));
        }
        if self.availability_of(caller.sub) == "Down" {
            return Err(DssError::Down(format!(
                "USS {} is marked Down: it may not delete operational intents",
                caller.sub
            )));
        }
        let mut deleted_subscriptions = BTreeSet::new();
        if let Some(s) = old
            .record
            .subscription_id
            .as_ref()
            .and_then(|s| self.subscriptions.get(s))
        {
            let only_this = self
                .dependents
                .get(&s.record.id)
                .is_some_and(|d| d.len() == 1 && d.contains(&id));
            if s.record.implicit && only_this {
                deleted_subscriptions.insert(s.record.id.clone());
            }
        }
        let notified = self.notify(&old.shape, true, &[], &deleted_subscriptions);
        let answer = wire::ChangeOperationalIntent {
            subscribers: subscribers(self, &notified, &[]),
            operational_intent_reference: self.intent_ref(old, caller.sub),
        };
        let change = Change {
            deleted_intents: vec![id],
            deleted_subscriptions: deleted_subscriptions.into_iter().collect(),
            notified,
            ..Change::default()
        };
        Ok(Decision {
            entries: vec![entry(DSS_INTENT_DELETED, &change, [party_of(caller.sub)])],
            answer,
        })
    }

    /// `PUT /constraint_references/{id}[/{ovn}]`.
    pub fn decide_put_constraint(
        &self,
        caller: Caller<'_>,
        id: &str,
        ovn: &str,
        params: &wire::PutConstraint,
        ctx: Ctx,
    ) -> Result<Decision<wire::ChangeConstraint>, DssError> {
        let Ctx {
            now_ns,
            fresh,
            allow_http,
        } = ctx;
        let id = entity_id(id, "constraint id")?;
        base_url(&params.uss_base_url, "uss_base_url", allow_http)?;
        let shape = reference_extents(&params.extents, now_ns)?;
        let old = self.constraints.get(&id);
        match old {
            None if !ovn.is_empty() => {
                return Err(DssError::Conflict(format!(
                    "there is no constraint {id}, so no version {ovn:?} of it"
                )))
            }
            Some(o) if o.record.manager != caller.sub => {
                return Err(DssError::Forbidden(format!(
                    "constraint {id} is managed by another USS"
                )))
            }
            Some(o) if o.record.ovn != ovn => {
                return Err(DssError::Conflict(if ovn.is_empty() {
                    format!("constraint {id} exists already; update it with its OVN")
                } else {
                    format!("OVN {ovn:?} is not the current OVN of constraint {id}")
                }))
            }
            _ => {}
        }
        let record = ConstraintRecord {
            id: id.clone(),
            manager: caller.sub.to_string(),
            version: old.map_or(1, |o| o.record.version.saturating_add(1)),
            ovn: fresh.token("ovn", 64),
            extents: params.extents.clone(),
            uss_base_url: params.uss_base_url.clone(),
        };
        let area = match old {
            Some(o) => shape.union(&o.shape),
            None => shape.clone(),
        };
        let notified = self.notify(&area, false, &[], &BTreeSet::new());
        let constraint = Constraint {
            record: record.clone(),
            shape,
        };
        let answer = wire::ChangeConstraint {
            subscribers: subscribers(self, &notified, &[]),
            constraint_reference: self.constraint_ref(&constraint, caller.sub),
        };
        let change = Change {
            put_constraints: vec![record],
            notified,
            ..Change::default()
        };
        Ok(Decision {
            entries: vec![entry(DSS_CONSTRAINT_PUT, &change, [party_of(caller.sub)])],
            answer,
        })
    }

    /// `DELETE /constraint_references/{id}/{ovn}`.
    pub fn decide_delete_constraint(
        &self,
        caller: Caller<'_>,
        id: &str,
        ovn: &str,
    ) -> Result<Decision<wire::ChangeConstraint>, DssError> {
        let id = entity_id(id, "constraint id")?;
        if ovn.is_empty() {
            return Err(bad("ovn: missing"));
        }
        let old = self
            .constraints
            .get(&id)
            .ok_or_else(|| DssError::NotFound(format!("there is no constraint {id}")))?;
        if old.record.manager != caller.sub {
            return Err(DssError::Forbidden(format!(
                "constraint {id} is managed by another USS"
            )));
        }
        if old.record.ovn != ovn {
            return Err(DssError::Conflict(format!(
                "OVN {ovn:?} is not the current OVN of constraint {id}"
            )));
        }
        let notified = self.notify(&old.shape, false, &[], &BTreeSet::new());
        let answer = wire::ChangeConstraint {
            subscribers: subscribers(self, &notified, &[]),
            constraint_reference: self.constraint_ref(old, caller.sub),
        };
        let change = Change {
            deleted_constraints: vec![id],
            notified,
            ..Change::default()
        };
        Ok(Decision {
            entries: vec![entry(
                DSS_CONSTRAINT_DELETED,
                &change,
                [party_of(caller.sub)],
            )],
            answer,
        })
    }

    /// The caller's own subscription `id`. Another USS's is refused with 403, as the standard requires
    /// (DSS0210): its id is no secret, since every reference of an intent names its subscription.
    pub fn own_subscription(
        &self,
        caller: Caller<'_>,
        id: &str,
    ) -> Result<&Subscription, DssError> {
        let id = entity_id(id, "subscription id")?;
        let s = self
            .subscriptions
            .get(&id)
            .ok_or_else(|| DssError::NotFound(format!("there is no subscription {id}")))?;
        if s.record.manager != caller.sub {
            return Err(DssError::Forbidden(format!(
                "subscription {id} belongs to another USS"
            )));
        }
        Ok(s)
    }

    /// `PUT /subscriptions/{id}[/{version}]`.
    pub fn decide_put_subscription(
        &self,
        caller: Caller<'_>,
        id: &str,
        version: &str,
        params: &wire::PutSubscription,
        ctx: Ctx,
    ) -> Result<Decision<wire::PutSubscriptionResponse>, DssError> {
        let Ctx {
            now_ns,
            fresh,
            allow_http,
        } = ctx;
        let id = entity_id(id, "subscription id")?;
        base_url(&params.uss_base_url, "uss_base_url", allow_http)?;
        let volume = read_volume(&params.extents, "extents").map_err(DssError::BadRequest)?;
        let for_intents = params.notify_for_operational_intents.unwrap_or(false);
        let for_constraints = params.notify_for_constraints.unwrap_or(false);
        if !for_intents && !for_constraints {
            return Err(bad(
                "neither notify_for_operational_intents nor notify_for_constraints is true: a subscription \
                 must ask for one",
            ));
        }
        let old = self.subscriptions.get(&id);
        match old {
            None if !version.is_empty() => {
                return Err(bad(format!(
                    "there is no subscription {id}, so no version {version:?} of it"
                )))
            }
            Some(_) if version.is_empty() => {
                return Err(DssError::Conflict(format!(
                    "subscription {id} exists already; update it with its version"
                )))
            }
            Some(o) if o.record.version != version => {
                return Err(DssError::Conflict(format!(
                    "version {version:?} is not the current version of subscription {id}"
                )))
            }
            Some(o) if o.record.manager != caller.sub => {
                return Err(DssError::Forbidden(format!(
                    "subscription {id} belongs to another USS"
                )))
            }
            _ => {}
        }
        let start_ns = match &params.extents.time_start {
            Some(_) => {
                if now_ns.saturating_sub(volume.start_ns) > SKEW_NS {
                    return Err(bad(
                        "extents.time_start: a subscription may not start in the past",
                    ));
                }
                volume.start_ns
            }
            None => old.map_or(now_ns, |o| o.shape.start_ns),
        };
        let end_ns = match &params.extents.time_end {
            Some(_) => volume.end_ns,
            None => old.map_or(start_ns.saturating_add(MAX_SUBSCRIPTION_NS), |o| {
                o.shape.end_ns
            }),
        };
        if end_ns < start_ns {
            return Err(bad("extents: time_end comes before time_start"));
        }
        if end_ns.saturating_sub(start_ns) > MAX_SUBSCRIPTION_NS {
            return Err(bad("extents: a subscription may last at most 24 hours"));
        }
        let record = SubscriptionRecord {
            id: id.clone(),
            manager: caller.sub.to_string(),
            version: fresh.token("subscription version", 32),
            notification_index: old.map_or(0, |o| o.record.notification_index),
            extents: vec![params.extents.clone()],
            time_start: time(start_ns),
            time_end: time(end_ns),
            uss_base_url: params.uss_base_url.clone(),
            notify_for_operational_intents: for_intents,
            notify_for_constraints: for_constraints,
            implicit: false,
        };
        let sub = read_subscription(record.clone()).map_err(DssError::BadRequest)?;
        for oid in self.dependents.get(&id).into_iter().flatten() {
            let Some(i) = self.intents.get(oid) else {
                continue;
            };
            let covered = i
                .shape
                .extents
                .iter()
                .all(|x| covers_area(&sub.shape.extents, x))
                && i.shape.lower_m >= volume.lower_m
                && i.shape.upper_m <= volume.upper_m
                && sub.shape.start_ns.saturating_sub(i.shape.start_ns) <= SKEW_NS
                && i.shape.end_ns <= sub.shape.end_ns;
            if !covered {
                return Err(bad(format!(
                    "extents: the subscription would no longer cover operational intent {oid}, which relies on it"
                )));
            }
        }
        let mut view = self.subscription_view(&sub);
        view.dependent_operational_intents = self
            .dependents
            .get(&id)
            .map(|d| d.iter().cloned().collect())
            .unwrap_or_default();
        let answer = wire::PutSubscriptionResponse {
            subscription: view,
            operational_intent_references: for_intents.then(|| {
                self.intents_in(&sub.shape)
                    .into_iter()
                    .map(|i| self.intent_ref(i, caller.sub))
                    .collect()
            }),
            constraint_references: for_constraints.then(|| {
                self.constraints_in(&sub.shape)
                    .into_iter()
                    .map(|c| self.constraint_ref(c, caller.sub))
                    .collect()
            }),
        };
        let change = Change {
            put_subscriptions: vec![record],
            ..Change::default()
        };
        Ok(Decision {
            entries: vec![entry(DSS_SUBSCRIPTION_PUT, &change, [party_of(caller.sub)])],
            answer,
        })
    }

    /// `DELETE /subscriptions/{id}/{version}`.
    pub fn decide_delete_subscription(
        &self,
        caller: Caller<'_>,
        id: &str,
        version: &str,
    ) -> Result<Decision<wire::Subscription>, DssError> {
        let s = self.own_subscription(caller, id)?;
        if version.is_empty() {
            return Err(bad("version: missing"));
        }
        if s.record.version != version {
            return Err(DssError::Conflict(format!(
                "version {version:?} is not the current version of subscription {}",
                s.record.id
            )));
        }
        if self
            .dependents
            .get(&s.record.id)
            .is_some_and(|d| !d.is_empty())
        {
            return Err(bad(format!(
                "subscription {} has operational intents relying on it; it may not be deleted",
                s.record.id
            )));
        }
        let change = Change {
            deleted_subscriptions: vec![s.record.id.clone()],
            ..Change::default()
        };
        Ok(Decision {
            entries: vec![entry(
                DSS_SUBSCRIPTION_DELETED,
                &change,
                [party_of(caller.sub)],
            )],
            answer: self.subscription_view(s),
        })
    }

    /// `GET /uss_availability/{uss}`.
    pub fn availability_view(&self, uss: &str) -> wire::AvailabilityResponse {
        wire::AvailabilityResponse {
            status: wire::AvailabilityStatus {
                uss: uss.to_string(),
                availability: self.availability_of(uss),
            },
            version: self
                .availability
                .get(uss)
                .map(|a| a.version.clone())
                .unwrap_or_default(),
        }
    }

    /// `PUT /uss_availability/{uss}`: the caller must hold availability arbitration (checked by the server).
    pub fn decide_availability(
        &self,
        caller: Caller<'_>,
        uss: &str,
        params: &wire::SetAvailability,
        fresh: Fresh,
    ) -> Result<Decision<wire::AvailabilityResponse>, DssError> {
        if uss.is_empty() || uss.len() > 255 {
            return Err(bad("uss_id: 1 to 255 bytes"));
        }
        let availability = match params.availability.to_ascii_lowercase().as_str() {
            "" | "unknown" => "Unknown",
            "normal" => "Normal",
            "down" => "Down",
            other => {
                return Err(bad(format!(
                    "availability: {other:?} is not one of Unknown, Normal, Down"
                )))
            }
        };
        match self.availability.get(uss) {
            None if !params.old_version.is_empty() => {
                return Err(DssError::Conflict(format!(
                    "old_version {:?}: the availability of {uss} was never set",
                    params.old_version
                )))
            }
            Some(a) if a.version != params.old_version => {
                return Err(DssError::Conflict(format!(
                    "old_version {:?} is not the current version of {uss}'s availability",
                    params.old_version
                )))
            }
            _ => {}
        }
        let record = AvailabilityRecord {
            uss: uss.to_string(),
            availability: availability.into(),
            version: fresh.token("availability version", 32),
        };
        let answer = wire::AvailabilityResponse {
            status: wire::AvailabilityStatus {
                uss: uss.to_string(),
                availability,
            },
            version: record.version.clone(),
        };
        let change = Change {
            availability: Some(record),
            ..Change::default()
        };
        Ok(Decision {
            entries: vec![entry(
                DSS_AVAILABILITY,
                &change,
                [party_of(caller.sub), party_of(uss)],
            )],
            answer,
        })
    }

    /// `POST /reports`: the report is kept in the log, with the id it is answered with.
    pub fn decide_report(
        &self,
        caller: Caller<'_>,
        report: Value,
        fresh: Fresh,
    ) -> Result<Decision<Value>, DssError> {
        let Value::Object(mut body) = report else {
            return Err(bad("the body: a report is a JSON object"));
        };
        let id = fresh.uuid("report");
        body.insert("report_id".into(), Value::String(id.clone()));
        let answer = Value::Object(body);
        let change = Change {
            report: Some(ReportRecord {
                id,
                by: caller.sub.to_string(),
                report: answer.clone(),
            }),
            ..Change::default()
        };
        Ok(Decision {
            entries: vec![entry(DSS_REPORT, &change, [party_of(caller.sub)])],
            answer,
        })
    }
}
