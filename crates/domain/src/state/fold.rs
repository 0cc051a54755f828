//! The fold of the log into the state: [`State::check`] reads one entry into a [`Checked`] change, refusing an
//! unknown kind, a missing or unknown field and a change the state does not allow; [`State::apply_checked`]
//! moves the state by it and cannot fail. Each concern's part of both is in its own module; this one reads the
//! entry, dispatches, and lets go of what is done ([`State::retire`]).

use deconflict_ledger::EntryHeader;
use serde_json::{json, Value};

use super::{Checked, Done, Effect, Prepared, State};
use crate::event::Event;

impl State {
    /// Reads an entry and checks it against the state: everything that could make applying it fail is found
    /// here, before the entry is appended (or, on replay, before it is applied). Refuses an unknown kind, a
    /// missing or unknown field, and a change the state does not allow, naming the entry's sequence number.
    ///
    /// `prepared` is what the writer already read from the content it is committing (a declaration, or a DSS
    /// change with its volumes), so that it need not be read again; it is used only if it is the entry's.
    pub fn check(
        &self,
        header: &EntryHeader,
        content: &[u8],
        prepared: Option<Prepared>,
    ) -> Result<Checked, String> {
        let (declaration, dss) = match prepared {
            Some(Prepared::Declaration(d)) => (Some(d), None),
            Some(Prepared::Dss(r)) => (None, Some(r)),
            None => (None, None),
        };
        let at = |why: String| format!("entry {} ({}): {why}", header.seq, header.kind);
        if header.time_ms < self.last_time_ms {
            return Err(at(format!(
                "its time {} comes before the previous entry's {}: entry times never go back",
                header.time_ms, self.last_time_ms
            )));
        }
        let parsed: Value =
            serde_json::from_slice(content).map_err(|e| at(format!("content is not JSON: {e}")))?;
        self.fold.check(header, &parsed).map_err(|e| at(e.why))?;
        let event = Event::read(&header.kind, parsed).map_err(at)?;
        match event {
            Event::PartyRegistered(p) => Self::check_party(header, p),
            Event::CredentialIssued(c) => Self::check_credential(header, c),
            Event::CredentialRevoked(c) => Ok(Checked::Revoked { id: c.id }),
            Event::DeclarationVersion(v) => Self::check_version(header, v, declaration),
            Event::DeclarationCancel(c) => Ok(Checked::Cancel {
                id: c.id,
                version: c.version,
            }),
            Event::DeclarationState(c) => self.check_state_change(header, c),
            Event::ConflictFound(c, content) => Ok(Self::check_conflict_found(*c, content)),
            Event::ConflictResolved(c) => Ok(Checked::ConflictResolved { id: c.id }),
            Event::ConflictResponded(c) => Self::check_conflict_response(header, c),
            Event::MessageSent(m, content) => Ok(Self::check_message(header, m, content)),
            Event::MessageReceipt(r) => Self::check_receipt(header, r),
            Event::MessageEscalated(e) => Self::check_escalation(e),
            Event::AgreementProposed(v) => self.check_agreement(header, &v),
            Event::AgreementAction(a) => self.check_agreement_action(header, a),
            Event::Alert(head, content) => match &head.for_party {
                // Fields for one party only: told to that party alone.
                Some(p)
                    if !header
                        .audience
                        .parties()
                        .is_some_and(|a| a.len() == 1 && a.contains(p)) =>
                {
                    Err(format!("for: fields for {p:?} must be told to {p:?} alone"))
                }
                _ => Ok(Checked::Alert {
                    id: head.id,
                    parties: head.parties,
                    for_party: head.for_party,
                    content,
                }),
            },
            Event::NotificationSent(n) => self.check_notification(header, *n),
            Event::NotificationStep(n) => self.check_notification_step(header, n),
            Event::IncidentReported(i) => self.check_incident(header, i),
            Event::DeconflictionRequested(r, content) => self.check_request(header, r, content),
            Event::DeconflictionAnswered(a) => self.check_answer(header, a),
            Event::Dss(content) => self
                .dss
                .check_prepared(&content, dss.map(|r| *r))
                .map(|r| Checked::Dss(Box::new(r))),
        }
        .map_err(at)
    }

    /// Applies an entry [`State::check`] accepted, and says what changes beside the state. It cannot fail:
    /// whatever could go wrong was checked.
    pub fn apply_checked(&mut self, header: &EntryHeader, checked: Checked) -> Vec<Effect> {
        let mut effects = Vec::new();
        self.last_time_ms = self.last_time_ms.max(header.time_ms);
        self.next_seq = header.seq + 1;
        // The declarations' histories; their own check ran in `check`.
        let fold_content = match &checked {
            // What the histories read of a version (they keep the entry's content hash, not the content).
            Checked::Version { content, .. } => json!({
                "id": content["id"], "version": content["version"], "party": content["party"],
            }),
            Checked::Cancel { id, version } => json!({"id": id, "version": version}),
            _ => Value::Null,
        };
        if let Err(e) = self.fold.apply_parsed(header, &fold_content) {
            effects.push(Effect::Anomaly(format!(
                "applying entry {}: the declarations' histories: {e}",
                header.seq
            )));
        }
        match checked {
            Checked::Party {
                party,
                credential,
                hash,
            } => self.apply_party(header, party, credential, hash, &mut effects),
            Checked::Credential { credential, hash } => {
                self.add_credential(credential, hash, header.time_ms, &mut effects)
            }
            Checked::Revoked { id } => self.apply_revoked(header, &id, &mut effects),
            Checked::Version {
                declaration,
                content,
            } => self.apply_version(header, *declaration, content, &mut effects),
            Checked::Cancel { id, .. } => self.apply_cancel(header, &id, &mut effects),
            Checked::State { party, id, state } => {
                self.apply_state(header, &party, &id, state, &mut effects)
            }
            Checked::ConflictFound {
                id,
                parties,
                sides,
                content,
            } => self.apply_conflict_found(id, parties, sides, content),
            Checked::ConflictResolved { id } => self.apply_conflict_resolved(header, id),
            Checked::ConflictResponse { id, reason } => {
                self.apply_conflict_response(header, &id, reason)
            }
            Checked::MessageSent { id, message } => self.apply_message(id, message),
            Checked::Receipt {
                id,
                recipient,
                text,
                template,
            } => self.apply_receipt(header, id, &recipient, text, template),
            Checked::AgreementProposed { id, agreement } => {
                let k = crate::agreement::Agreements::key(&agreement.proposer, &id);
                for p in &agreement.parties {
                    self.lists.add(super::List::Agreements, p, &k);
                }
                self.agreements.insert(&id, *agreement);
                self.agreements.refresh();
            }
            Checked::AgreementAction { key, reason } => {
                self.apply_agreement_action(header, &key, reason)
            }
            Checked::Alert {
                id,
                for_party: Some(party),
                content,
                ..
            } => self.apply_alert_for(&id, &party, content),
            Checked::Alert {
                id,
                parties,
                for_party: None,
                content,
            } => self.apply_alert(header, id, parties, content),
            Checked::Dss(ready) => self.dss.apply(*ready),
            Checked::Notification(change) => self.apply_notification(header, change),
        }
        effects
    }

    /// Lets go of what finished before `cutoff_ms` (entry time), and of the oldest beyond the `most` that may
    /// stay at once: closed alerts, resolved conflicts, messages every recipient acknowledged, and the content
    /// of declarations ended or cancelled; and the DSS's intents, constraints and subscriptions that ended before
    /// the cutoff. The log keeps them; memory holds only what is live or recent,
    /// whatever the history. Returns how many left.
    pub fn retire(&mut self, cutoff_ms: i64, most: usize) -> usize {
        let mut n = 0;
        while let Some((at, _)) = self.done.front() {
            if *at >= cutoff_ms && self.done.len() <= most {
                break;
            }
            let Some((_, done)) = self.done.pop_front() else {
                break;
            };
            let gone = match done {
                Done::Alert(id) => self.retire_alert(id),
                Done::Conflict(id) => self.retire_conflict(&id),
                Done::Message(id) => self.retire_message(&id),
                Done::Declaration(k) => self.retire_declaration(&k),
                Done::Notification(id) => self.retire_notification(&id),
                Done::Request(id) => self.retire_request(&id),
            };
            n += usize::from(gone);
        }
        n + self.dss.retire(cutoff_ms.saturating_mul(1_000_000))
    }
}
