//! The line's log entries as typed events: one struct per entry kind, read from an entry's content with
//! unknown fields refused and every required field present.
//!
//! Architecture invariant: an entry is read into an [`Event`] *before* it is appended (so an entry the line
//! could not apply is never logged) and again when the log is replayed or followed (so a log holding an
//! unknown kind or a malformed content is refused, naming the entry's sequence number, rather than applied
//! with defaults). Applying an [`Event`] cannot fail.

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;

use crate::kinds::*;

/// `party.registered`: a party and its first credential.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartyRegistered {
    pub id: String,
    pub kind: String,
    /// Absent in the earliest logs, where the first credential was always a duty officer's.
    #[serde(default)]
    pub role: Option<String>,
    pub token_sha256: String,
}

/// `credential.issued`: another credential of the actor's party.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CredentialIssued {
    pub role: String,
    /// The credential that issued it.
    #[serde(default)]
    pub by: Option<String>,
    pub token_sha256: String,
}

/// `credential.revoked`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CredentialRevoked {
    pub id: String,
    #[serde(default)]
    pub by: Option<String>,
}

/// `declaration.cancel`: names the version cancelled.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeclarationCancel {
    pub id: String,
    pub version: u64,
}

/// `declaration.state`: planned → active → ended.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeclarationState {
    pub id: String,
    #[serde(default)]
    pub version: Option<u64>,
    pub state: StateChange,
    /// Whose declaration: present when the line itself moves it (its actor is the line's, see
    /// [`crate::state::LINE_ACTOR`]: a window began or ended); absent when its own party moves it.
    #[serde(default)]
    pub party: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StateChange {
    Active,
    Ended,
}

/// One side of a recorded conflict.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConflictSide {
    pub id: String,
    pub party: String,
    pub version: u64,
    /// The side's conflicting volumes, as declared.
    pub volumes: Vec<Value>,
}

/// `conflict.found`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConflictFound {
    pub id: String,
    pub a: ConflictSide,
    pub b: ConflictSide,
    pub distance_m: f64,
    pub vertical_gap_m: f64,
    pub start: String,
    pub end: String,
    /// The agreements whose minima it breaks.
    #[serde(default)]
    pub agreements: Vec<String>,
}

/// `conflict.resolved`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConflictResolved {
    pub id: String,
    #[serde(default)]
    pub reason: Option<String>,
}

/// `conflict.acknowledged`, `conflict.accepted`, `conflict.disputed` (with a reason).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConflictResponded {
    pub id: String,
    #[serde(default)]
    pub reason: Option<String>,
}

/// `message.sent`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MessageSent {
    pub id: String,
    pub from: String,
    pub to: Vec<String>,
    pub precedence: String,
    pub kind: String,
    pub text: String,
    pub refs: serde_json::Map<String, Value>,
    pub deadline_ms: i64,
    /// A structured message's fields (see [`crate::template`]), beside the free text.
    #[serde(default)]
    pub template: Option<Value>,
}

/// `message.delivered`, `message.acknowledged`, `message.answered` (with its text).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MessageReceipt {
    pub id: String,
    #[serde(default)]
    pub text: Option<String>,
    /// An answer's structured form (see [`crate::template`]), beside its free text.
    #[serde(default)]
    pub template: Option<Value>,
}

/// `message.escalated`: a recipient's receipt went to its next level.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MessageEscalated {
    pub id: String,
    pub party: String,
    pub level: String,
}

/// `agreement.accepted`, `agreement.suspended` (with a reason).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgreementAction {
    pub id: String,
    /// Whose agreement (ids live in the proposer's namespace); absent in entries written before that, which
    /// name the one agreement of that id the actor takes part in.
    #[serde(default)]
    pub proposer: Option<String>,
    #[serde(default)]
    pub reason: Option<String>,
}

/// The fields every alert entry has; the rest of an alert's content is its view, kept as logged.
#[derive(Debug, Clone, Deserialize)]
pub struct AlertHead {
    pub id: String,
    /// The alert's two parties (on `alert.raised`).
    #[serde(default)]
    pub parties: Option<[String; 2]>,
    /// On `alert.updated` only: the one party of the alert these fields are for (the entry's audience is that
    /// party alone). An incursion's area, its distance and its window go this way to the area's party when the
    /// intruding party was not given the area (docs/DESIGN.md §3).
    #[serde(default, rename = "for")]
    pub for_party: Option<String>,
}

/// One declaration a notification pins: its id, version and kind, and its content at that version (what the
/// recipient reads through the notification).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PinnedDeclaration {
    pub id: String,
    pub version: u64,
    pub kind: String,
    pub declaration: Value,
}

/// `notification.sent`: one notification to one recipient.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotificationSent {
    pub id: String,
    pub from: String,
    pub to: String,
    pub declarations: Vec<PinnedDeclaration>,
    #[serde(default)]
    pub note: String,
    pub deadline_ms: i64,
    /// Sites only: the period within which the notifier must re-confirm it (else it lapses).
    #[serde(default)]
    pub reconfirm_ms: Option<i64>,
    /// When the last window of what it notifies ends.
    pub expires_ms: i64,
}

/// `notification.acknowledged`, `.reconfirmed`, `.lapsed`, `.expired`, and `.escalated` (with its level).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotificationStep {
    pub id: String,
    #[serde(default)]
    pub level: Option<String>,
}

/// `incident.reported`: an incident at a site of `party`'s.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncidentReported {
    pub id: String,
    pub party: String,
    pub site: String,
    pub time_ms: i64,
    pub place: Value,
    pub description: String,
}

/// `deconfliction.requested`: is this location protected?
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeconflictionRequested {
    pub id: String,
    pub from: String,
    pub to: String,
    pub location: Value,
    pub start_ms: i64,
    pub end_ms: i64,
    #[serde(default)]
    pub text: String,
    pub deadline_ms: i64,
}

/// `deconfliction.answered`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeconflictionAnswered {
    pub id: String,
    pub protected: bool,
    #[serde(default)]
    pub site: Option<String>,
    #[serde(default)]
    pub text: String,
}

/// An entry's content, read by kind. Declarations and agreements are read further by the line (they need its
/// state: the registered parties, the previous versions).
#[derive(Debug, Clone)]
pub enum Event {
    PartyRegistered(PartyRegistered),
    CredentialIssued(CredentialIssued),
    CredentialRevoked(CredentialRevoked),
    /// The declaration as logged (read by the plan reader).
    DeclarationVersion(Value),
    DeclarationCancel(DeclarationCancel),
    DeclarationState(DeclarationState),
    ConflictFound(Box<ConflictFound>, Value),
    ConflictResolved(ConflictResolved),
    ConflictResponded(ConflictResponded),
    MessageSent(MessageSent, Value),
    MessageReceipt(MessageReceipt),
    MessageEscalated(MessageEscalated),
    /// The agreement as logged (read by the line, which knows the parties).
    AgreementProposed(Value),
    AgreementAction(AgreementAction),
    Alert(AlertHead, Value),
    /// A DSS write (any `dss.*` kind): what it changes, read and checked by [`crate::dss::Dss::check`].
    Dss(Value),
    NotificationSent(Box<NotificationSent>),
    NotificationStep(NotificationStep),
    IncidentReported(IncidentReported),
    DeconflictionRequested(DeconflictionRequested, Value),
    DeconflictionAnswered(DeconflictionAnswered),
}

/// Reads `v` as a `T`, naming the path of the field at fault.
pub(crate) fn typed<T: DeserializeOwned>(v: &Value) -> Result<T, String> {
    serde_path_to_error::deserialize(v).map_err(|e| at_path(e, ""))
}

/// A deserialisation error with the path of the field at fault (`whole` names the value itself when the
/// fault is at its top).
pub(crate) fn at_path<E: std::fmt::Display>(
    e: serde_path_to_error::Error<E>,
    whole: &str,
) -> String {
    let path = e.path().to_string();
    match (path.as_str(), whole) {
        (".", "") => e.into_inner().to_string(),
        (".", whole) => format!("{whole}: {}", e.into_inner()),
        _ => format!("{path}: {}", e.into_inner()),
    }
}

impl Event {
    /// Reads the content of an entry of `kind`; the error says which field is wrong and why (the caller adds
    /// the entry's sequence number).
    pub fn read(kind: &str, content: Value) -> Result<Event, String> {
        Ok(match kind {
            PARTY_REGISTERED => Event::PartyRegistered(typed(&content)?),
            CREDENTIAL_ISSUED => Event::CredentialIssued(typed(&content)?),
            CREDENTIAL_REVOKED => Event::CredentialRevoked(typed(&content)?),
            DECLARATION_VERSION => {
                if !content.is_object() {
                    return Err("a declaration must be a JSON object".into());
                }
                Event::DeclarationVersion(content)
            }
            DECLARATION_CANCEL => Event::DeclarationCancel(typed(&content)?),
            DECLARATION_STATE => Event::DeclarationState(typed(&content)?),
            CONFLICT_FOUND => Event::ConflictFound(Box::new(typed(&content)?), content),
            CONFLICT_RESOLVED => Event::ConflictResolved(typed(&content)?),
            CONFLICT_ACKNOWLEDGED | CONFLICT_ACCEPTED | CONFLICT_DISPUTED => {
                Event::ConflictResponded(typed(&content)?)
            }
            MESSAGE_SENT => Event::MessageSent(typed(&content)?, content),
            MESSAGE_DELIVERED | MESSAGE_ACKNOWLEDGED | MESSAGE_ANSWERED => {
                Event::MessageReceipt(typed(&content)?)
            }
            MESSAGE_ESCALATED => Event::MessageEscalated(typed(&content)?),
            AGREEMENT_PROPOSED => {
                if !content.is_object() {
                    return Err("an agreement must be a JSON object".into());
                }
                Event::AgreementProposed(content)
            }
            AGREEMENT_ACCEPTED | AGREEMENT_SUSPENDED => Event::AgreementAction(typed(&content)?),
            ALERT_RAISED => {
                let head: AlertHead = typed(&content)?;
                if head.parties.is_none() {
                    return Err("parties: missing field `parties`".into());
                }
                if head.for_party.is_some() {
                    return Err("for: an alert is raised for both its parties".into());
                }
                if !content.is_object() {
                    return Err("an alert must be a JSON object".into());
                }
                Event::Alert(head, content)
            }
            ALERT_UPDATED | ALERT_CLOSED => {
                if !content.is_object() {
                    return Err("an alert must be a JSON object".into());
                }
                Event::Alert(typed(&content)?, content)
            }
            DSS_INTENT_PUT
            | DSS_INTENT_DELETED
            | DSS_CONSTRAINT_PUT
            | DSS_CONSTRAINT_DELETED
            | DSS_SUBSCRIPTION_PUT
            | DSS_SUBSCRIPTION_DELETED
            | DSS_AVAILABILITY
            | DSS_REPORT => {
                if !content.is_object() {
                    return Err("a DSS change must be a JSON object".into());
                }
                Event::Dss(content)
            }
            NOTIFICATION_SENT => Event::NotificationSent(Box::new(typed(&content)?)),
            NOTIFICATION_ACKNOWLEDGED
            | NOTIFICATION_ESCALATED
            | NOTIFICATION_RECONFIRMED
            | NOTIFICATION_LAPSED
            | NOTIFICATION_EXPIRED => {
                let step: NotificationStep = typed(&content)?;
                if (kind == NOTIFICATION_ESCALATED) != step.level.is_some() {
                    return Err("level: an escalation (and only one) names its level".into());
                }
                Event::NotificationStep(step)
            }
            INCIDENT_REPORTED => Event::IncidentReported(typed(&content)?),
            DECONFLICTION_REQUESTED => Event::DeconflictionRequested(typed(&content)?, content),
            DECONFLICTION_ANSWERED => Event::DeconflictionAnswered(typed(&content)?),
            other => return Err(format!("unknown entry kind {other:?}")),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(kind: &str, content: Value, expect: &str) {
        match Event::read(kind, content) {
            Ok(_) => assert_eq!(expect, "ok", "{kind}"),
            Err(e) => assert!(e.contains(expect), "{kind}: {e:?} does not say {expect:?}"),
        }
    }

    #[test]
    fn contents_are_read_strictly() {
        check("nonsense.kind", json!({}), "unknown entry kind");
        check("credential.revoked", json!({"id": "k3"}), "ok");
        check("credential.revoked", json!({}), "missing field `id`");
        check(
            "credential.revoked",
            json!({"id": "k3", "extra": 1}),
            "unknown field `extra`",
        );
        check(
            "declaration.state",
            json!({"id": "d", "state": "paused"}),
            "state",
        );
        check(
            "declaration.state",
            json!({"id": "d", "state": "ended"}),
            "ok",
        );
        check(
            "message.escalated",
            json!({"id": "m-1", "party": "aa"}),
            "level",
        );
        check("alert.raised", json!({"id": "a-1"}), "parties");
        check(
            "alert.raised",
            json!({"id": "a-1", "parties": ["aa", "bb"], "kind": "x"}),
            "ok",
        );
        check(
            "alert.closed",
            json!({"reason": "clear"}),
            "missing field `id`",
        );
        check("declaration.version", json!([]), "JSON object");
        check(
            "conflict.found",
            json!({"id": "c", "a": {"id": "x", "party": "aa", "version": 1, "volumes": []}}),
            "missing field `b`",
        );
    }
}
