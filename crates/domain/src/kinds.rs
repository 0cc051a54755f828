//! Every kind of entry the line writes to its log, in one place: an entry's kind says how its content is read
//! (see [`crate::event::Event::read`]). A kind is never renamed or reused; a new kind is added here, to
//! [`ALL`], and to [`crate::event::Event`].

/// A party and its first credential (`content`: id, kind, role, token hash).
pub const PARTY_REGISTERED: &str = "party.registered";
/// Another credential of the actor's party.
pub const CREDENTIAL_ISSUED: &str = "credential.issued";
/// A credential revoked.
pub const CREDENTIAL_REVOKED: &str = "credential.revoked";
/// A declaration's version (the declaration in the plan format, with `id`, `party`, `version`).
pub const DECLARATION_VERSION: &str = "declaration.version";
/// A declaration cancelled (naming the version cancelled).
pub const DECLARATION_CANCEL: &str = "declaration.cancel";
/// A declaration moved from planned to active, or to ended.
pub const DECLARATION_STATE: &str = "declaration.state";
/// A conflict between two parties' declarations, with each side's conflicting volumes.
pub const CONFLICT_FOUND: &str = "conflict.found";
/// A conflict no longer there (a side changed, was cancelled or ended).
pub const CONFLICT_RESOLVED: &str = "conflict.resolved";
/// A party saw a conflict.
pub const CONFLICT_ACKNOWLEDGED: &str = "conflict.acknowledged";
/// A party accepts a conflict as it is.
pub const CONFLICT_ACCEPTED: &str = "conflict.accepted";
/// A party disputes a conflict, with a reason.
pub const CONFLICT_DISPUTED: &str = "conflict.disputed";
/// A hotline message sent, with its deadline.
pub const MESSAGE_SENT: &str = "message.sent";
/// A message reached a recipient.
pub const MESSAGE_DELIVERED: &str = "message.delivered";
/// A recipient acknowledged a message.
pub const MESSAGE_ACKNOWLEDGED: &str = "message.acknowledged";
/// A recipient answered a message.
pub const MESSAGE_ANSWERED: &str = "message.answered";
/// A recipient's receipt went up to its next level (the deadline passed).
pub const MESSAGE_ESCALATED: &str = "message.escalated";
/// An agreement proposed (its terms).
pub const AGREEMENT_PROPOSED: &str = "agreement.proposed";
/// A party named in an agreement accepts it.
pub const AGREEMENT_ACCEPTED: &str = "agreement.accepted";
/// A party suspends an agreement, with a reason.
pub const AGREEMENT_SUSPENDED: &str = "agreement.suspended";
/// A tactical alert raised between two parties' tracks (or a track and a protected area).
pub const ALERT_RAISED: &str = "alert.raised";
/// An open alert's figures changed.
pub const ALERT_UPDATED: &str = "alert.updated";
/// An alert closed.
pub const ALERT_CLOSED: &str = "alert.closed";

/// A humanitarian notification sent: a party's sites (a site list version) or one movement, pinned at their
/// versions, to one recipient, with its acknowledgement deadline (see [`crate::notification`]).
pub const NOTIFICATION_SENT: &str = "notification.sent";
/// The recipient acknowledged a notification.
pub const NOTIFICATION_ACKNOWLEDGED: &str = "notification.acknowledged";
/// An unacknowledged notification went up to the recipient's next level (its deadline passed).
pub const NOTIFICATION_ESCALATED: &str = "notification.escalated";
/// The notifier re-confirmed a site's notification (its re-confirmation period starts again).
pub const NOTIFICATION_RECONFIRMED: &str = "notification.reconfirmed";
/// A site's notification lapsed: its notifier did not re-confirm it in time.
pub const NOTIFICATION_LAPSED: &str = "notification.lapsed";
/// A notification expired: the last window of what it notified ended.
pub const NOTIFICATION_EXPIRED: &str = "notification.expired";
/// An incident at a notified site reported (site, time, place, description).
pub const INCIDENT_REPORTED: &str = "incident.reported";
/// A party asks a notifier to confirm whether a location is protected, with a deadline.
pub const DECONFLICTION_REQUESTED: &str = "deconfliction.requested";
/// The notifier's answer to a deconfliction request (protected or not, which site, text).
pub const DECONFLICTION_ANSWERED: &str = "deconfliction.answered";

/// F3548 (the line as a DSS): a USS created or changed an operational intent reference (content: a
/// [`crate::dss::Change`], as for every `dss.*` kind).
pub const DSS_INTENT_PUT: &str = "dss.operational_intent.put";
/// An operational intent reference deleted.
pub const DSS_INTENT_DELETED: &str = "dss.operational_intent.deleted";
/// A constraint reference created or changed.
pub const DSS_CONSTRAINT_PUT: &str = "dss.constraint.put";
/// A constraint reference deleted.
pub const DSS_CONSTRAINT_DELETED: &str = "dss.constraint.deleted";
/// A subscription created or changed.
pub const DSS_SUBSCRIPTION_PUT: &str = "dss.subscription.put";
/// A subscription deleted.
pub const DSS_SUBSCRIPTION_DELETED: &str = "dss.subscription.deleted";
/// A USS's availability set (by a USS holding availability arbitration).
pub const DSS_AVAILABILITY: &str = "dss.availability";
/// A report a USS made to the DSS.
pub const DSS_REPORT: &str = "dss.report";

/// Every kind (those added later at the end).
pub const ALL: [&str; 39] = [
    PARTY_REGISTERED,
    CREDENTIAL_ISSUED,
    CREDENTIAL_REVOKED,
    DECLARATION_VERSION,
    DECLARATION_CANCEL,
    DECLARATION_STATE,
    CONFLICT_FOUND,
    CONFLICT_RESOLVED,
    CONFLICT_ACKNOWLEDGED,
    CONFLICT_ACCEPTED,
    CONFLICT_DISPUTED,
    MESSAGE_SENT,
    MESSAGE_DELIVERED,
    MESSAGE_ACKNOWLEDGED,
    MESSAGE_ANSWERED,
    MESSAGE_ESCALATED,
    AGREEMENT_PROPOSED,
    AGREEMENT_ACCEPTED,
    AGREEMENT_SUSPENDED,
    ALERT_RAISED,
    ALERT_UPDATED,
    ALERT_CLOSED,
    DSS_INTENT_PUT,
    DSS_INTENT_DELETED,
    DSS_CONSTRAINT_PUT,
    DSS_CONSTRAINT_DELETED,
    DSS_SUBSCRIPTION_PUT,
    DSS_SUBSCRIPTION_DELETED,
    DSS_AVAILABILITY,
    DSS_REPORT,
    NOTIFICATION_SENT,
    NOTIFICATION_ACKNOWLEDGED,
    NOTIFICATION_ESCALATED,
    NOTIFICATION_RECONFIRMED,
    NOTIFICATION_LAPSED,
    NOTIFICATION_EXPIRED,
    INCIDENT_REPORTED,
    DECONFLICTION_REQUESTED,
    DECONFLICTION_ANSWERED,
];
