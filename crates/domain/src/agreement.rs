//! Agreements: the arrangements between two or more parties under which their declarations are checked
//! against each other and their hotline runs.
//!
//! An agreement names its participants, its separation minima (between moving things and around zones and
//! sites), the minimum notice per declaration kind and the acknowledgement deadline per precedence. Any
//! participant proposes it (and so accepts it); it is **active** once every participant has accepted. Any
//! participant may **suspend** it, with a reason: new traffic under it stops (no new conflicts are found
//! between parties it alone joins, no new messages), everything under it stays readable and logged, and it is
//! active again once every participant has accepted it anew. Nothing is ever deleted.
//!
//! Between two parties the terms of every active agreement they share combine to the most protective:
//! the widest minima, the longest notice, the shortest deadline, the shortest deadline to acknowledge a
//! humanitarian notification and the shortest period of its re-confirmation (a list re-confirmed more often
//! is one the recipient can rely on more).

use std::collections::{BTreeMap, BTreeSet};

use deconflict_ledger::entry::check_token;
use deconflict_space::units::format_time;
use deconflict_strategic::{Kind, Minima, Separation};
use serde_json::{json, Map, Value};

use crate::hotline::PRECEDENCES;

pub use crate::kinds::{AGREEMENT_ACCEPTED, AGREEMENT_PROPOSED, AGREEMENT_SUSPENDED};

/// Declaration kinds, by their names in the plan format.
pub const DECLARATION_KINDS: [&str; 4] = ["air_operation", "ground_movement", "site", "zone"];

/// The largest minimum an agreement may set (1 000 km laterally, 10 km vertically, 24 h of time buffer).
const MAX_LATERAL_M: f64 = 1_000_000.0;
const MAX_VERTICAL_M: f64 = 10_000.0;
const MAX_BUFFER_S: i64 = 86_400;
const MAX_NOTICE_S: i64 = 30 * 86_400;
const MAX_DEADLINE_S: i64 = 7 * 86_400;
/// A notification's acknowledgement deadline by default (6 hours) and at most (7 days).
pub const NOTIFICATION_ACK_S: i64 = 6 * 3_600;
/// A site's notification is re-confirmed every this many days by default, at most every 365.
pub const RECONFIRM_DAYS: i64 = 30;
const MAX_RECONFIRM_DAYS: i64 = 365;

/// The terms that apply between two parties.
#[derive(Debug, Clone, PartialEq)]
pub struct Terms {
    pub minima: Minima,
    /// Minimum notice (ms) per declaration kind; absent kinds need none.
    pub notice_ms: BTreeMap<String, i64>,
    /// Acknowledgement deadline (ms) per precedence.
    pub deadline_ms: BTreeMap<String, i64>,
    /// Time (ms) a recipient has to acknowledge a humanitarian notification.
    pub notification_ack_ms: i64,
    /// Period (ms) within which a site's notification must be re-confirmed by its notifier, or it lapses.
    pub reconfirm_ms: i64,
    /// The agreements these terms come from.
    pub agreements: BTreeSet<String>,
}

impl Terms {
    fn combine(&mut self, other: &Terms) {
        self.minima = Minima {
            standard: self.minima.standard.widest(&other.minima.standard),
            around_zones: self.minima.around_zones.widest(&other.minima.around_zones),
        };
        for (k, v) in &other.notice_ms {
            let e = self.notice_ms.entry(k.clone()).or_insert(*v);
            *e = (*e).max(*v);
        }
        for (k, v) in &other.deadline_ms {
            let e = self.deadline_ms.entry(k.clone()).or_insert(*v);
            *e = (*e).min(*v);
        }
        self.notification_ack_ms = self.notification_ack_ms.min(other.notification_ack_ms);
        self.reconfirm_ms = self.reconfirm_ms.min(other.reconfirm_ms);
        self.agreements.extend(other.agreements.iter().cloned());
    }
}

/// An agreement and its state.
#[derive(Debug, Clone)]
pub struct Agreement {
    /// The content as logged (normalised: every default filled in).
    pub content: Value,
    /// The participant that proposed it: its id lives in the proposer's namespace.
    pub proposer: String,
    pub parties: BTreeSet<String>,
    pub terms: Terms,
    /// Participants that have accepted since it was proposed or last suspended, with when.
    pub accepted: BTreeMap<String, i64>,
    /// Every suspension: (party, time, reason).
    pub suspensions: Vec<(String, i64, String)>,
    pub suspended: bool,
}

impl Agreement {
    pub fn active(&self) -> bool {
        !self.suspended && self.parties.iter().all(|p| self.accepted.contains_key(p))
    }

    pub fn status(&self) -> &'static str {
        if self.active() {
            "active"
        } else if self.suspended {
            "suspended"
        } else {
            "proposed"
        }
    }

    /// What its participants see.
    pub fn view(&self) -> Value {
        let mut v = self.content.clone();
        if let Some(o) = v.as_object_mut() {
            o.insert("proposer".into(), json!(self.proposer));
            o.insert("status".into(), json!(self.status()));
            o.insert(
                "accepted".into(),
                Value::Object(
                    self.accepted
                        .iter()
                        .map(|(p, t)| (p.clone(), json!(format_time(*t))))
                        .collect(),
                ),
            );
            o.insert(
                "suspensions".into(),
                self.suspensions
                    .iter()
                    .map(|(p, t, why)| json!({"party": p, "at": format_time(*t), "reason": why}))
                    .collect(),
            );
        }
        v
    }
}

fn bad(field: impl Into<String>, detail: impl Into<String>) -> (String, String) {
    (field.into(), detail.into())
}

fn number(
    obj: &Map<String, Value>,
    key: &str,
    field: &str,
    max: f64,
) -> Result<Option<f64>, (String, String)> {
    match obj.get(key) {
        None => Ok(None),
        Some(v) => match v.as_f64() {
            Some(x) if x.is_finite() && x >= 0.0 && x <= max => Ok(Some(x)),
            _ => Err(bad(field, format!("expected a number from 0 to {max}"))),
        },
    }
}

fn seconds_table(
    obj: &Map<String, Value>,
    key: &str,
    names: &[&str],
    max_s: i64,
) -> Result<BTreeMap<String, i64>, (String, String)> {
    let mut out = BTreeMap::new();
    let Some(v) = obj.get(key) else {
        return Ok(out);
    };
    let table = v.as_object().ok_or_else(|| {
        bad(
            key,
            format!("expected an object keyed by {}", names.join(", ")),
        )
    })?;
    for (name, s) in table {
        let field = format!("{key}.{name}");
        if !names.contains(&name.as_str()) {
            return Err(bad(field, format!("not one of {}", names.join(", "))));
        }
        let s = s
            .as_i64()
            .filter(|s| (0..=max_s).contains(s))
            .ok_or_else(|| bad(&field, format!("expected whole seconds from 0 to {max_s}")))?;
        out.insert(name.clone(), s);
    }
    Ok(out)
}

/// Reads a proposed agreement. Returns the normalised content and terms, or the field at fault and why.
/// Party ids are checked by their grammar only, so that no answer tells whether a party is registered: an
/// agreement naming one that is not stays proposed (and is shown to it if it registers).
pub fn parse(body: &Value, proposer: &str) -> Result<(Value, Terms), (String, String)> {
    let obj = body
        .as_object()
        .ok_or_else(|| bad("", "the body must be a JSON object (an agreement)"))?;
    let allowed = [
        "id",
        "title",
        "parties",
        "minima",
        "notice_s",
        "deadlines_s",
        "notification_ack_s",
        "reconfirm_days",
    ];
    if let Some(k) = obj.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(bad(
            k.clone(),
            format!("unknown field; expected one of {}", allowed.join(", ")),
        ));
    }
    let id = obj
        .get("id")
        .and_then(Value::as_str)
        .ok_or_else(|| bad("id", "expected a string"))?;
    check_token("id", id).map_err(|e| bad("id", e.to_string()))?;
    let title = match obj.get("title") {
        None => "",
        Some(t) => t
            .as_str()
            .filter(|t| t.len() <= 500)
            .ok_or_else(|| bad("title", "expected a string of at most 500 bytes"))?,
    };
    if let Some(why) = deconflict_plan::free_text_problem(title) {
        return Err(bad("title", why));
    }
    let list = obj
        .get("parties")
        .and_then(Value::as_array)
        .ok_or_else(|| bad("parties", "expected an array of party ids"))?;
    let mut parties = BTreeSet::new();
    for (i, p) in list.iter().enumerate() {
        let p = p
            .as_str()
            .ok_or_else(|| bad(format!("parties[{i}]"), "expected a party id"))?;
        if check_token("parties", p).is_err() {
            return Err(bad(
                format!("parties[{i}]"),
                format!("{p:?} is not a party id (1–64 of a-z 0-9 . _ - starting with a letter or digit)"),
            ));
        }
        if !parties.insert(p.to_string()) {
            return Err(bad(
                format!("parties[{i}]"),
                format!("{p:?} is named twice"),
            ));
        }
    }
    if !parties.contains(proposer) {
        return Err(bad(
            "parties",
            format!("you ({proposer}) must be one of the parties"),
        ));
    }
    if parties.len() < 2 {
        return Err(bad("parties", "an agreement needs at least two parties"));
    }
    let empty = Map::new();
    let minima = match obj.get("minima") {
        None => &empty,
        Some(m) => m
            .as_object()
            .ok_or_else(|| bad("minima", "expected an object"))?,
    };
    let known = [
        "lateral_m",
        "vertical_m",
        "time_buffer_s",
        "zone_lateral_m",
        "zone_vertical_m",
    ];
    if let Some(k) = minima.keys().find(|k| !known.contains(&k.as_str())) {
        return Err(bad(
            format!("minima.{k}"),
            format!("unknown field; expected one of {}", known.join(", ")),
        ));
    }
    let d = Minima::default();
    let lateral = number(minima, "lateral_m", "minima.lateral_m", MAX_LATERAL_M)?
        .unwrap_or(d.standard.lateral_m);
    let vertical = number(minima, "vertical_m", "minima.vertical_m", MAX_VERTICAL_M)?
        .unwrap_or(d.standard.vertical_m);
    let buffer_s = number(
        minima,
        "time_buffer_s",
        "minima.time_buffer_s",
        MAX_BUFFER_S as f64,
    )?
    .unwrap_or(0.0);
    if buffer_s.fract() != 0.0 {
        return Err(bad("minima.time_buffer_s", "expected whole seconds"));
    }
    let zone_lateral = number(
        minima,
        "zone_lateral_m",
        "minima.zone_lateral_m",
        MAX_LATERAL_M,
    )?
    .unwrap_or(d.around_zones.lateral_m);
    let zone_vertical = number(
        minima,
        "zone_vertical_m",
        "minima.zone_vertical_m",
        MAX_VERTICAL_M,
    )?
    .unwrap_or(d.around_zones.vertical_m);
    let buffer_ms = buffer_s as i64 * 1000;
    let notice = seconds_table(obj, "notice_s", &DECLARATION_KINDS, MAX_NOTICE_S)?;
    let precedences: Vec<&str> = PRECEDENCES.iter().map(|(p, _)| *p).collect();
    let mut deadlines: BTreeMap<String, i64> = PRECEDENCES
        .iter()
        .map(|(p, ms)| (p.to_string(), ms / 1000))
        .collect();
    deadlines.extend(seconds_table(
        obj,
        "deadlines_s",
        &precedences,
        MAX_DEADLINE_S,
    )?);
    if let Some((p, _)) = deadlines.iter().find(|(_, s)| **s == 0) {
        return Err(bad(
            format!("deadlines_s.{p}"),
            "a deadline must be at least one second",
        ));
    }
    let whole = |key: &str, default: i64, max: i64| -> Result<i64, (String, String)> {
        match obj.get(key) {
            None => Ok(default),
            Some(v) => v
                .as_i64()
                .filter(|n| (1..=max).contains(n))
                .ok_or_else(|| bad(key, format!("expected a whole number from 1 to {max}"))),
        }
    };
    let notification_ack_s = whole("notification_ack_s", NOTIFICATION_ACK_S, MAX_DEADLINE_S)?;
    let reconfirm_days = whole("reconfirm_days", RECONFIRM_DAYS, MAX_RECONFIRM_DAYS)?;
    let terms = Terms {
        notification_ack_ms: notification_ack_s * 1000,
        reconfirm_ms: reconfirm_days * 86_400_000,
        minima: Minima {
            standard: Separation {
                lateral_m: lateral,
                vertical_m: vertical,
                time_buffer_ms: buffer_ms,
            },
            around_zones: Separation {
                lateral_m: zone_lateral,
                vertical_m: zone_vertical,
                time_buffer_ms: buffer_ms,
            },
        },
        notice_ms: notice.iter().map(|(k, s)| (k.clone(), s * 1000)).collect(),
        deadline_ms: deadlines
            .iter()
            .map(|(k, s)| (k.clone(), s * 1000))
            .collect(),
        agreements: BTreeSet::from([id.to_string()]),
    };
    let content = json!({
        "id": id,
        "title": title,
        "parties": parties,
        "minima": {
            "lateral_m": lateral, "vertical_m": vertical, "time_buffer_s": buffer_s as i64,
            "zone_lateral_m": zone_lateral, "zone_vertical_m": zone_vertical,
        },
        "notice_s": notice,
        "deadlines_s": deadlines,
        "notification_ack_s": notification_ack_s,
        "reconfirm_days": reconfirm_days,
    });
    Ok((content, terms))
}

/// Every agreement, and the combined terms between each pair of parties under the active ones.
#[derive(Debug, Default)]
pub struct Agreements {
    /// By [`Agreements::key`]: an agreement's id lives in its proposer's namespace, so a proposal never tells
    /// anyone that an id is in use among other parties.
    pub by_id: BTreeMap<String, Agreement>,
    /// The proposers of each id.
    proposers: BTreeMap<String, BTreeSet<String>>,
    pairs: BTreeMap<(String, String), Terms>,
    widest: Option<Separation>,
}

fn pair(a: &str, b: &str) -> (String, String) {
    if a <= b {
        (a.to_string(), b.to_string())
    } else {
        (b.to_string(), a.to_string())
    }
}

impl Agreements {
    /// An agreement's key: its proposer and its id (`/` is in neither grammar).
    pub fn key(proposer: &str, id: &str) -> String {
        format!("{proposer}/{id}")
    }

    /// Adds a proposed agreement.
    pub fn insert(&mut self, id: &str, agreement: Agreement) {
        self.proposers
            .entry(id.to_string())
            .or_default()
            .insert(agreement.proposer.clone());
        self.by_id
            .insert(Self::key(&agreement.proposer, id), agreement);
    }

    /// The key of the agreement `id` as `party` names it: of `proposer` if named, else its own proposal, else
    /// the one agreement of that id it takes part in. `Ok(None)` when it takes part in none (whether or not
    /// one exists); `Err` naming the proposers when it takes part in several and names none.
    pub fn find(
        &self,
        party: &str,
        id: &str,
        proposer: Option<&str>,
    ) -> Result<Option<String>, String> {
        let mine = |of: &str| {
            let k = Self::key(of, id);
            self.by_id
                .get(&k)
                .filter(|a| crate::state::need_to_know::agreement(a, party))
                .map(|_| k)
        };
        if let Some(of) = proposer {
            return Ok(mine(of));
        }
        if let Some(k) = mine(party) {
            return Ok(Some(k));
        }
        let found: Vec<String> = self
            .proposers
            .get(id)
            .into_iter()
            .flatten()
            .filter_map(|of| mine(of))
            .collect();
        match found.as_slice() {
            [] => Ok(None),
            [k] => Ok(Some(k.clone())),
            _ => Err(format!(
                "you take part in agreements {id:?} of several proposers ({}); name one with proposer",
                found
                    .iter()
                    .filter_map(|k| k.split_once('/').map(|(p, _)| p))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
    }

    /// Recomputes the pair table after a change.
    pub fn refresh(&mut self) {
        let mut pairs: BTreeMap<(String, String), Terms> = BTreeMap::new();
        for a in self.by_id.values().filter(|a| a.active()) {
            let parties: Vec<&String> = a.parties.iter().collect();
            for (i, x) in parties.iter().enumerate() {
                for y in &parties[i + 1..] {
                    match pairs.entry(pair(x, y)) {
                        std::collections::btree_map::Entry::Occupied(mut e) => {
                            e.get_mut().combine(&a.terms)
                        }
                        std::collections::btree_map::Entry::Vacant(e) => {
                            e.insert(a.terms.clone());
                        }
                    }
                }
            }
        }
        self.widest = pairs
            .values()
            .map(|t| t.minima.widest())
            .reduce(|x, y| x.widest(&y));
        self.pairs = pairs;
    }

    /// The terms between two parties, if they share an active agreement.
    pub fn between(&self, a: &str, b: &str) -> Option<&Terms> {
        self.pairs.get(&pair(a, b))
    }

    /// The widest minima of any pair (`None` with no active agreement).
    pub fn widest(&self) -> Option<Separation> {
        self.widest
    }

    /// The longest notice `party` owes any partner for a declaration of `kind`, with the active agreements
    /// that ask that much.
    pub fn notice_ms(&self, party: &str, kind: Kind) -> (i64, BTreeSet<String>) {
        let name = kind.name();
        let mut most = 0;
        let mut from = BTreeSet::new();
        for a in self.by_id.values() {
            if !a.active() || !a.parties.contains(party) {
                continue;
            }
            let id = a.content["id"].as_str().unwrap_or_default();
            let Some(&n) = a.terms.notice_ms.get(name) else {
                continue;
            };
            if n > most {
                most = n;
                from.clear();
            }
            if n == most && n > 0 {
                from.insert(id.to_string());
            }
        }
        (most, from)
    }

    /// The agreements `party` takes part in.
    pub fn of(&self, party: &str) -> impl Iterator<Item = &Agreement> {
        let party = party.to_string();
        self.by_id
            .values()
            .filter(move |a| crate::state::need_to_know::agreement(a, &party))
    }
}
