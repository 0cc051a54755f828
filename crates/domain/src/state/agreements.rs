//! Agreements in the state: proposed (the proposer accepts it at once), accepted by each participant,
//! suspended by any; and the policy they set between two parties ([`State::policy`]). The terms and how they
//! combine are in [`crate::agreement`].

use std::collections::{BTreeMap, BTreeSet};

use deconflict_ledger::EntryHeader;
use deconflict_strategic::{Minima, Policy};
use serde_json::Value;

use super::{Checked, State};
use crate::agreement::{self, Agreement, Agreements, AGREEMENT_ACCEPTED};
use crate::event::AgreementAction;

/// The participants an agreement's content names.
pub fn terms_parties(content: &Value) -> BTreeSet<String> {
    content["parties"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p.as_str().map(str::to_string))
        .collect()
}

impl State {
    pub(super) fn check_agreement(
        &self,
        header: &EntryHeader,
        v: &Value,
    ) -> Result<Checked, String> {
        let (content, terms) = agreement::parse(v, &header.actor)
            .map_err(|(f, why)| format!("agreement {f}: {why}"))?;
        let id = content["id"].as_str().unwrap_or_default().to_string();
        if self
            .agreements
            .by_id
            .contains_key(&Agreements::key(&header.actor, &id))
        {
            return Err(format!(
                "{} already proposed an agreement {id:?}",
                header.actor
            ));
        }
        let parties = terms_parties(&content);
        Ok(Checked::AgreementProposed {
            id,
            agreement: Box::new(Agreement {
                proposer: header.actor.clone(),
                content,
                parties,
                terms,
                accepted: BTreeMap::from([(header.actor.clone(), header.time_ms)]),
                suspensions: Vec::new(),
                suspended: false,
            }),
        })
    }

    pub(super) fn check_agreement_action(
        &self,
        header: &EntryHeader,
        a: AgreementAction,
    ) -> Result<Checked, String> {
        let key = self
            .agreements
            .find(&header.actor, &a.id, a.proposer.as_deref())?
            .ok_or_else(|| format!("{} takes part in no agreement {:?}", header.actor, a.id))?;
        Ok(Checked::AgreementAction {
            key,
            reason: a.reason.unwrap_or_default(),
        })
    }

    pub(super) fn apply_agreement_action(
        &mut self,
        header: &EntryHeader,
        key: &str,
        reason: String,
    ) {
        let t = header.time_ms;
        if let Some(a) = self.agreements.by_id.get_mut(key) {
            if header.kind == AGREEMENT_ACCEPTED {
                a.accepted.insert(header.actor.clone(), t);
                if a.parties.iter().all(|p| a.accepted.contains_key(p)) {
                    a.suspended = false;
                }
            } else {
                a.suspended = true;
                a.accepted.clear();
                a.suspensions.push((header.actor.clone(), t, reason));
            }
        }
        self.agreements.refresh();
    }

    /// Which minima apply between `party` and each other party: those of their active agreements.
    pub fn policy(&self, party: &str) -> Policy<'_> {
        let party = party.to_string();
        Policy {
            widest: self
                .agreements
                .widest()
                .unwrap_or(Minima::default().standard),
            minima_with: Box::new(move |other| {
                self.agreements.between(&party, other).map(|t| t.minima)
            }),
        }
    }
}
