//! Humanitarian notifications: a party (typically humanitarian) notifies named parties of its protected sites
//! (a list of them, pinned at their versions: a "site list version") or of one movement, and each recipient
//! must acknowledge within the deadline its agreements with the notifier set; an unacknowledged notification
//! escalates up the recipient's levels as a hotline message does. A site's notification must be re-confirmed
//! by its notifier within the agreed period or it **lapses**; every notification **expires** when the last
//! window of what it notifies ends; a new version (or the cancellation) of a notified declaration leaves the
//! notification pinned to the old version and marks it **superseded**: the notifier must notify again.
//!
//! One request names several recipients, but each recipient gets a notification of its own (its own id and
//! entries, told to the notifier and that recipient only): no recipient learns who else was notified, nor how
//! many (docs/DESIGN.md §3). A notification is a record of who was told what and who acknowledged it, never a
//! guarantee of safety.
//!
//! Also here: incidents reported at a notified site (the site's history as the reporter may read it, with
//! what was in force at the incident's time) and deconfliction requests (is this location protected?).

use std::sync::Arc;

use deconflict_space::units::format_time;
use serde_json::{json, Value};

use crate::hotline::LEVELS;

/// Most recipients one request names.
pub const RECIPIENTS_PER_NOTIFICATION: usize = 32;
/// Most declarations (sites) one notification pins.
pub const DECLARATIONS_PER_NOTIFICATION: usize = 64;
/// Most bytes of the declarations one notification pins, together (their JSON).
pub const PINNED_BYTES: usize = 256 * 1024;
/// Most notifications a notifier holds open (neither lapsed, expired nor superseded) at once.
pub const NOTIFICATIONS_PER_PARTY: usize = 4096;
/// Most bytes of a note, an incident's description or place, a deconfliction request's or answer's text.
pub const TEXT_BYTES: usize = 4000;
/// The shortest re-confirmation period a notifier may commit to (an hour): a notification that lapsed at once
/// would free the notifier's quota of open notifications as fast as it could send them.
pub const MIN_RECONFIRM_S: i64 = 3600;
/// What a notification costs its notifier's write allowance: one write per this many bytes logged (its
/// entries, one per recipient, each pinning the declarations' contents), at least one.
pub const NOTIFY_COST_BYTES: usize = 4096;
/// Most notifications one notifier sends over the line's life (each recipient's counts): what a closed
/// notification leaves in memory (who was told what and when, for incidents' histories) stays bounded.
pub const NOTIFICATIONS_SENT_PER_PARTY: usize = 100_000;
/// Most incidents one party reports, and most open deconfliction requests one party has asked.
pub const INCIDENTS_PER_PARTY: usize = 10_000;
pub const REQUESTS_PER_PARTY: usize = 1000;
/// Most entries the line's own loop writes for notifications in one run (the rest on the next).
pub const DUE_PER_RUN: usize = 256;

/// An entry that moved a notification: when (entry time, ms) and its sequence number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Step {
    pub at_ms: i64,
    pub seq: u64,
}

impl Step {
    fn view(&self) -> Value {
        json!({"at": format_time(self.at_ms), "seq": self.seq})
    }
}

/// How a notification stopped being in force by the line's own hand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// Not re-confirmed in time.
    Lapsed,
    /// What it notified has ended.
    Expired,
}

/// A declaration a notification pins, at its version, with its content then. The content is shared: every
/// notification pinning one version of one declaration holds the same copy (one request names up to
/// [`RECIPIENTS_PER_NOTIFICATION`] recipients, each with an entry of its own). It leaves memory (`None`) when
/// the notification is retired; the notification's entry (`sent.seq`) keeps it, and the server reads it
/// back from there.
#[derive(Debug, Clone, PartialEq)]
pub struct Pinned {
    pub id: String,
    pub version: u64,
    pub kind: String,
    pub content: Option<Arc<Value>>,
}

/// One notification: one notifier, one recipient.
#[derive(Debug, Clone)]
pub struct Notification {
    pub id: String,
    pub from: String,
    pub to: String,
    pub declarations: Vec<Pinned>,
    pub note: String,
    pub sent: Step,
    pub deadline_ms: i64,
    /// Sites: the re-confirmation period, and when the next re-confirmation is due.
    pub reconfirm_ms: Option<i64>,
    pub reconfirm_by_ms: Option<i64>,
    pub expires_ms: i64,
    pub acknowledged: Option<Step>,
    /// Escalations so far: (level, step).
    pub escalations: Vec<(String, Step)>,
    pub reconfirmations: Vec<Step>,
    pub ended: Option<(Ended, Step)>,
    /// The entry of the notifier's that replaced (or cancelled) a pinned declaration.
    pub superseded: Option<Step>,
    /// Closed long enough ago to have left memory but for this record of who was told what and when: the
    /// pinned contents and the note are read back from its entry (`sent.seq`).
    pub retired: bool,
}

impl Notification {
    /// Still in force: neither lapsed, expired nor superseded.
    pub fn open(&self) -> bool {
        self.ended.is_none() && self.superseded.is_none()
    }

    /// What it notifies: `sites` or `movement`.
    pub fn subject(&self) -> &'static str {
        if self.declarations.iter().all(|d| d.kind == "site") {
            "sites"
        } else {
            "movement"
        }
    }

    /// Its status at `t_ms` (entry time), or `None` before it was sent: `pending`, `acknowledged`, `lapsed`,
    /// `expired`, `superseded`.
    pub fn status_at(&self, t_ms: i64) -> Option<&'static str> {
        if self.sent.at_ms > t_ms {
            return None;
        }
        let by = |s: &Option<Step>| s.is_some_and(|s| s.at_ms <= t_ms);
        Some(match self.ended {
            Some((Ended::Lapsed, s)) if s.at_ms <= t_ms => "lapsed",
            Some((Ended::Expired, s)) if s.at_ms <= t_ms => "expired",
            _ if by(&self.superseded) => "superseded",
            _ if by(&self.acknowledged) => "acknowledged",
            _ => "pending",
        })
    }

    /// Its status now.
    pub fn status(&self) -> &'static str {
        self.status_at(i64::MAX).unwrap_or("pending")
    }

    /// When the line next has something to log for it (expiry, lapse, or the next escalation), while open.
    /// The line's loop looks only at notifications due by now, through an index of these times.
    pub fn next_due(&self) -> Option<i64> {
        if !self.open() {
            return None;
        }
        let period = self.deadline_ms - self.sent.at_ms;
        let escalation = (self.acknowledged.is_none()
            && period > 0
            && self.escalations.len() + 1 < LEVELS.len())
        .then(|| {
            self.deadline_ms
                .saturating_add(period.saturating_mul(self.escalations.len() as i64))
        });
        [Some(self.expires_ms), self.reconfirm_by_ms, escalation]
            .into_iter()
            .flatten()
            .min()
    }

    /// The escalation level the recipient should have reached by `now`, if overdue (as a hotline message's).
    pub fn due_level(&self, now: i64) -> Option<usize> {
        let period = self.deadline_ms - self.sent.at_ms;
        if !self.open() || self.acknowledged.is_some() || now < self.deadline_ms || period <= 0 {
            return None;
        }
        let periods = ((now - self.deadline_ms) / period) as usize;
        Some((periods + 1).min(LEVELS.len() - 1))
    }

    /// The notification as `party` (its notifier or its recipient) sees it. The entry that superseded it is
    /// the notifier's declaration's, which the recipient may not read: the recipient is told when, not which
    /// entry.
    pub fn view(&self, party: &str, now: i64) -> Value {
        let ended = |which: Ended| {
            self.ended
                .filter(|(e, _)| *e == which)
                .map(|(_, s)| s.view())
        };
        let superseded = self.superseded.map(|s| {
            if party == self.from {
                s.view()
            } else {
                json!({"at": format_time(s.at_ms)})
            }
        });
        json!({
            "id": self.id,
            "from": self.from,
            "to": self.to,
            "subject": self.subject(),
            "declarations": self.declarations.iter().map(|d| json!({
                "id": d.id, "version": d.version, "kind": d.kind, "declaration": d.content.as_deref(),
            })).collect::<Vec<_>>(),
            "note": if self.retired { Value::Null } else { json!(self.note) },
            "retired": self.retired,
            "sent": format_time(self.sent.at_ms),
            "seq": self.sent.seq,
            "status": self.status(),
            "deadline": format_time(self.deadline_ms),
            // A countdown only while one is running: open and not yet acknowledged.
            "seconds_to_deadline": (self.open() && self.acknowledged.is_none())
                .then(|| (self.deadline_ms - now) / 1000),
            "overdue": self.open() && self.acknowledged.is_none() && now >= self.deadline_ms,
            "acknowledged": self.acknowledged.map(|s| s.view()),
            "escalations": self.escalations.iter().map(|(l, s)| {
                let mut v = s.view();
                v["level"] = json!(l);
                v
            }).collect::<Vec<_>>(),
            "reconfirm_by": self.reconfirm_by_ms.filter(|_| self.open()).map(format_time),
            "reconfirmations": self.reconfirmations.iter().map(Step::view).collect::<Vec<_>>(),
            "lapsed": ended(Ended::Lapsed),
            "expired": ended(Ended::Expired),
            "expires": format_time(self.expires_ms),
            "superseded": superseded,
            "warning": "a notification is not a guarantee of safety",
        })
    }
}

/// A deconfliction request: may `from` take it that this location is protected?
#[derive(Debug, Clone)]
pub struct DeconflictionRequest {
    pub content: Value,
    pub from: String,
    pub to: String,
    pub asked: Step,
    pub deadline_ms: i64,
    /// The notifier's answer: (protected, site, text, step).
    pub answer: Option<(bool, Option<String>, String, Step)>,
}

impl DeconflictionRequest {
    /// The request as its two parties see it.
    pub fn view(&self, now: i64) -> Value {
        let mut v = self.content.clone();
        if let Some(o) = v.as_object_mut() {
            o.remove("deadline_ms");
            o.remove("start_ms");
            o.remove("end_ms");
            o.insert(
                "start".into(),
                json!(self.content["start_ms"].as_i64().map(format_time)),
            );
            o.insert(
                "end".into(),
                json!(self.content["end_ms"].as_i64().map(format_time)),
            );
            o.insert("asked".into(), self.asked.view());
            o.insert("deadline".into(), json!(format_time(self.deadline_ms)));
            o.insert(
                "overdue".into(),
                json!(self.answer.is_none() && now >= self.deadline_ms),
            );
            o.insert(
                "answer".into(),
                match &self.answer {
                    None => Value::Null,
                    Some((protected, site, text, step)) => {
                        let mut a = step.view();
                        a["protected"] = json!(protected);
                        a["site"] = json!(site);
                        a["text"] = json!(text);
                        a
                    }
                },
            );
            o.insert(
                "warning".into(),
                json!("a notification is not a guarantee of safety"),
            );
        }
        v
    }
}

/// An incident as logged: who reported it, at which site (its party's key), and its entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incident {
    pub reporter: String,
    pub site: String,
    pub seq: u64,
}
