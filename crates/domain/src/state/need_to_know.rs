//! Need-to-know, one function per resource: may `party` read it? Every read and every list of the server asks
//! here, so that what each party may learn is decided in one place (docs/DESIGN.md §3). A party that may not
//! read something is answered exactly as if it did not exist.
//!
//! What these functions do not decide: what a party learns of another's declaration through an open conflict
//! (only the conflicting volumes; see [`super::State::revealed`] and [`super::State::sees`]), and what a
//! message's sender learns (its receipts, not its recipients' other traffic).

use crate::agreement::Agreement;
use crate::hotline::Message;
use crate::notification::{DeconflictionRequest, Notification};

use super::{ConflictRecord, CredentialRecord, Current};

/// A declaration: its own party, and the parties of its audience (those it is shared with).
pub fn declaration(d: &Current, party: &str) -> bool {
    d.declaration.party == party || d.audience.contains(party)
}

/// A conflict: its two parties only.
pub fn conflict(c: &ConflictRecord, party: &str) -> bool {
    c.parties.iter().any(|p| p == party)
}

/// A hotline message: its sender and its recipients.
pub fn message(m: &Message, party: &str) -> bool {
    m.from == party || message_to(m, party)
}

/// A hotline message as its recipient: in the party's inbox.
pub fn message_to(m: &Message, party: &str) -> bool {
    m.receipts.contains_key(party)
}

/// An agreement: its participants only (the proposer is one).
pub fn agreement(a: &Agreement, party: &str) -> bool {
    a.parties.contains(party)
}

/// An alert: its two parties only.
pub fn alert(parties: &[String; 2], party: &str) -> bool {
    parties.iter().any(|p| p == party)
}

/// A credential: its own party's (any of its credentials may list them, and revoke them as its role allows).
pub fn credential(c: &CredentialRecord, party: &str) -> bool {
    c.credential.party == party
}

/// A humanitarian notification: its notifier and its one recipient (no recipient learns of another's: each
/// has a notification of its own).
pub fn notification(n: &Notification, party: &str) -> bool {
    n.from == party || n.to == party
}

/// A deconfliction request: the party that asked and the notifier asked.
pub fn deconfliction(r: &DeconflictionRequest, party: &str) -> bool {
    r.from == party || r.to == party
}
