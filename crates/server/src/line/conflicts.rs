//! Conflicts as their parties see them: the lists, and a party's acknowledgement, acceptance or dispute.

use super::*;

impl Line {
    /// A page of the conflicts the caller is a party to, by id.
    pub fn conflicts_page(&self, party: &str, page: &Page) -> Result<Listed, LineError> {
        let limit = self.page_limit(page)?;
        let inner = self.lock()?;
        Ok(self.listed(
            inner
                .conflicts
                .range::<str, _>(after_key(page))
                .filter(|(_, r)| r.parties.iter().any(|p| p == party))
                .map(|(id, r)| (id, conflict_view(r, party))),
            limit,
            inner.next_seq,
        ))
    }

    /// The conflicts the caller is a party to.
    pub fn conflicts(&self, party: &str) -> Result<Vec<Value>, LineError> {
        let inner = self.lock()?;
        Ok(inner
            .conflicts
            .values()
            .filter(|r| r.parties.iter().any(|p| p == party))
            .map(|r| conflict_view(r, party))
            .collect())
    }

    /// A party's response to a conflict it is part of; others get `NotFound`, as if it did not exist.
    pub fn respond(
        &self,
        party: &str,
        id: &str,
        response: ConflictResponse,
        reason: Option<String>,
    ) -> Result<Value, LineError> {
        self.charge(party)?;
        self.write(|inner| {
            let record = inner
                .conflicts
                .get(id)
                .filter(|r| r.parties.iter().any(|p| p == party))
                .ok_or_else(|| LineError::NotFound(id.into()))?;
            let reason = match (response, reason) {
                (ConflictResponse::Dispute, Some(r)) if !r.trim().is_empty() && r.len() <= 2000 => {
                    Some(r)
                }
                (ConflictResponse::Dispute, _) => {
                    return Err(invalid(
                        "reason",
                        "a dispute needs a reason of 1–2000 characters, e.g. \"not my forces\"",
                    ))
                }
                (_, r) => r,
            };
            let already = match response {
                ConflictResponse::Acknowledge => record.acknowledged.contains_key(party),
                ConflictResponse::Accept => record.accepted.contains_key(party),
                ConflictResponse::Dispute => record.disputed.contains_key(party),
            };
            if !already {
                let mut content = json!({"id": id});
                if let Some(r) = &reason {
                    content["reason"] = json!(r);
                }
                let entry = NewEntry {
                    time_ms: self.clock.now_ms(),
                    kind: response.kind().into(),
                    actor: party.into(),
                    audience: Audience::Parties(record.parties.iter().cloned().collect()),
                    content,
                };
                self.commit(inner, vec![entry])?;
            }
            let record = inner
                .conflicts
                .get(id)
                .ok_or_else(|| LineError::NotFound(id.into()))?;
            Ok(conflict_view(record, party))
        })
    }
}
