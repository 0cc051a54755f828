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
//!
//! This file holds what the deciders share (the caller, the context, errors, ids, base URLs, extents,
//! notifications); each resource's deciders are in their own module: `intents`, `constraints`,
//! `subscriptions` (with availability and reports).

mod constraints;
mod intents;
mod subscriptions;

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;
use sha2::{Digest, Sha256};

use super::geometry::{read_volume, time};
use super::wire::{self, SubscriberToNotify, SubscriptionState};
use super::*;
use crate::kinds::{
    DSS_AVAILABILITY, DSS_CONSTRAINT_DELETED, DSS_CONSTRAINT_PUT, DSS_INTENT_DELETED,
    DSS_INTENT_PUT, DSS_REPORT, DSS_SUBSCRIPTION_DELETED, DSS_SUBSCRIPTION_PUT,
};
use crate::state::decide::{Decided, Told};

/// Most volumes in one reference's or subscription's extents.
pub const MAX_EXTENTS: usize = 100;
/// Most positions (polygon vertices; a circle counts one) in one reference's or subscription's extents: reading
/// them (each polygon is checked to be simple) and comparing them run under the line's lock.
pub const MAX_POSITIONS: usize = 2_000;

/// The positions of a set of volumes as sent.
fn positions_sent(extents: &[wire::Volume4D]) -> usize {
    extents
        .iter()
        .map(|v| {
            v.volume
                .outline_polygon
                .as_ref()
                .map_or(0, |p| p.vertices.len())
                + usize::from(v.volume.outline_circle.is_some())
        })
        .sum()
}

/// Refuses extents with more than [`MAX_POSITIONS`] positions.
pub fn check_positions(extents: &[wire::Volume4D], field: &str) -> Result<(), DssError> {
    let n = positions_sent(extents);
    if n > MAX_POSITIONS {
        return Err(bad(format!(
            "{field}: {n} positions (polygon vertices and circle centres); at most {MAX_POSITIONS}"
        )));
    }
    Ok(())
}

/// Most bytes of one report (reports are kept in the log).
pub const MAX_REPORT_BYTES: usize = 16 * 1024;
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
    /// Most intents, constraints and subscriptions one USS may hold at once.
    pub max_entities: usize,
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
    /// 429: the USS holds as many intents, constraints and subscriptions as it may.
    TooMany(String),
}

impl DssError {
    pub fn message(&self) -> &str {
        match self {
            DssError::BadRequest(m)
            | DssError::Forbidden(m)
            | DssError::NotFound(m)
            | DssError::Conflict(m)
            | DssError::Down(m)
            | DssError::TooMany(m) => m,
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
    /// The one entry's change with its records' volumes read, for [`Dss::check_prepared`] (puts only).
    pub prepared: Option<Ready>,
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
    check_positions(extents, "extents")?;
    for (i, v) in extents.iter().enumerate() {
        let missing = [
            (
                v.volume.outline_circle.is_none() && v.volume.outline_polygon.is_none(),
                "volume.outline_polygon (or volume.outline_circle)",
            ),
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
    if v.volume.outline_circle.is_none() && v.volume.outline_polygon.is_none() {
        return Err(bad(
            "area_of_interest.volume.outline_polygon (or outline_circle): missing; a query names an area",
        ));
    }
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
    /// Refuses a write that would make `uss` hold more than `ctx.max_entities` (`adding` new ones).
    fn room(&self, uss: &str, adding: usize, ctx: &Ctx) -> Result<(), DssError> {
        if self.held_by(uss).saturating_add(adding) > ctx.max_entities {
            return Err(DssError::TooMany(format!(
                "USS {uss} holds {} intents, constraints and subscriptions, the most it may (limit \
                 dss_entities_per_uss); delete those that ended",
                self.held_by(uss)
            )));
        }
        Ok(())
    }

    /// The subscriptions a change over `area` notifies (those for intents, or for constraints), as they
    /// will be after the change (`put` replaces or adds, `deleted` removes), each with its next index.
    fn notify(
        &self,
        area: &Shape,
        for_intents: bool,
        put: &[Subscription],
        deleted: &BTreeSet<String>,
        work: &Work,
    ) -> Vec<Notified> {
        let wants = |r: &SubscriptionRecord| {
            if for_intents {
                r.notify_for_operational_intents
            } else {
                r.notify_for_constraints
            }
        };
        let mut hits: BTreeMap<String, u32> = BTreeMap::new();
        for s in self.subscriptions_in(area, work) {
            let id = &s.record.id;
            if wants(&s.record) && !deleted.contains(id) && !put.iter().any(|p| &p.record.id == id)
            {
                hits.insert(id.clone(), s.record.notification_index);
            }
        }
        for s in put {
            if wants(&s.record) && !deleted.contains(&s.record.id) && s.shape.meets(area, work) {
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
}
