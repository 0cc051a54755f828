//! The hotline: messages between parties with precedence, deadlines for acknowledgement, and escalation.
//!
//! Per recipient a message goes sent → delivered (first seen in the inbox) → acknowledged (→ answered). When
//! the acknowledgement deadline passes, the message escalates to the recipient's next level (duty officer →
//! commander → chief), one level per further deadline period, and the sender is told — every step a ledger
//! entry visible to the sender and the recipients only.

use std::collections::{BTreeMap, BTreeSet};

use deconflict_space::units::format_time;
use serde_json::{json, Value};

pub use crate::kinds::{
    MESSAGE_ACKNOWLEDGED, MESSAGE_ANSWERED, MESSAGE_DELIVERED, MESSAGE_ESCALATED, MESSAGE_SENT,
};

/// Message precedence, with its default acknowledgement deadline.
pub const PRECEDENCES: [(&str, i64); 4] = [
    ("FLASH", 10 * 60_000),
    ("IMMEDIATE", 30 * 60_000),
    ("PRIORITY", 3 * 3_600_000),
    ("ROUTINE", 6 * 3_600_000),
];

/// Kinds of message.
pub const MESSAGE_KINDS: [&str; 6] = [
    "text",
    "notice",
    "request",
    "reply",
    "assistance",
    "not_my_forces",
];

/// The levels a recipient escalates through.
pub const LEVELS: [&str; 3] = ["duty_officer", "commander", "chief"];

pub fn deadline_for(precedence: &str) -> Option<i64> {
    PRECEDENCES
        .iter()
        .find(|(p, _)| *p == precedence)
        .map(|(_, d)| *d)
}

/// One recipient's state.
#[derive(Debug, Clone, Default)]
pub struct Receipt {
    pub delivered: Option<i64>,
    pub acknowledged: Option<i64>,
    pub answered: Option<(i64, String)>,
    /// The answer's structured form, if it had one (see [`crate::template`]).
    pub answer_template: Option<Value>,
    /// Escalations so far: (level, time).
    pub escalations: Vec<(String, i64)>,
}

/// A message and its receipts.
#[derive(Debug, Clone)]
pub struct Message {
    pub content: Value,
    pub from: String,
    pub sent_ms: i64,
    pub deadline_ms: i64,
    pub receipts: BTreeMap<String, Receipt>,
}

impl Message {
    pub fn parties(&self) -> BTreeSet<String> {
        let mut p: BTreeSet<String> = self.receipts.keys().cloned().collect();
        p.insert(self.from.clone());
        p
    }

    /// Who may read what happens to `recipient`'s receipt (delivery, acknowledgement, answer, escalation):
    /// the sender and that recipient only, never the other recipients.
    pub fn receipt_audience(&self, recipient: &str) -> BTreeSet<String> {
        BTreeSet::from([self.from.clone(), recipient.to_string()])
    }

    /// How long after sending the deadline falls.
    pub fn period_ms(&self) -> i64 {
        self.deadline_ms - self.sent_ms
    }

    /// The escalation level a recipient should have reached by `now`, if overdue.
    pub fn due_level(&self, receipt: &Receipt, now: i64) -> Option<usize> {
        if receipt.acknowledged.is_some() || now < self.deadline_ms || self.period_ms() <= 0 {
            return None;
        }
        let periods = ((now - self.deadline_ms) / self.period_ms()) as usize;
        Some((periods + 1).min(LEVELS.len() - 1))
    }

    /// The message as `party` sees it: the sender sees every receipt, a recipient only its own.
    pub fn view(&self, party: &str, now: i64) -> Value {
        let receipt = |r: &Receipt| {
            json!({
                "delivered": r.delivered.map(format_time),
                "acknowledged": r.acknowledged.map(format_time),
                "answered": r.answered.as_ref().map(|(t, text)| {
                    let mut a = json!({"at": format_time(*t), "text": text});
                    if let (Some(o), Some(tpl)) = (a.as_object_mut(), &r.answer_template) {
                        o.insert("template".into(), tpl.clone());
                    }
                    a
                }),
                "overdue": r.acknowledged.is_none() && now >= self.deadline_ms,
                "escalations": r.escalations.iter().map(|(level, t)| json!({"level": level, "at": format_time(*t)})).collect::<Vec<_>>(),
            })
        };
        let receipts: serde_json::Map<String, Value> = self
            .receipts
            .iter()
            .filter(|(p, _)| party == self.from || p.as_str() == party)
            .map(|(p, r)| (p.clone(), receipt(r)))
            .collect();
        let mut v = self.content.clone();
        if let Some(o) = v.as_object_mut() {
            o.insert("sent".into(), json!(format_time(self.sent_ms)));
            o.insert("deadline".into(), json!(format_time(self.deadline_ms)));
            o.insert(
                "seconds_to_deadline".into(),
                json!((self.deadline_ms - now) / 1000),
            );
            o.insert("receipts".into(), Value::Object(receipts));
        }
        v
    }
}
