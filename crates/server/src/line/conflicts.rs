//! Conflicts as their parties see them: the lists, and a party's acknowledgement, acceptance or dispute.

use super::*;

impl Line {
    /// A page of the conflicts the caller is a party to, by id (a walk of its own index; see
    /// [`DomainState::listable`]).
    pub fn conflicts_page(&self, party: &str, page: &Page) -> Result<Listed, LineError> {
        let limit = self.page_limit(page)?;
        let inner = self.lock()?;
        Ok(self.listed(
            inner
                .listable(List::Conflicts, party, page.after.as_deref())
                .filter_map(|id| inner.conflicts.get(id).map(|r| (id, r)))
                .filter(|(_, r)| need_to_know::conflict(r, party))
                .map(|(id, r)| (id, conflict_view(r, party))),
            limit,
            inner.next_seq,
        ))
    }

    /// The conflicts the caller is a party to.
    pub fn conflicts(&self, party: &str) -> Result<Vec<Value>, LineError> {
        let inner = self.lock()?;
        Ok(inner
            .listable(List::Conflicts, party, None)
            .filter_map(|id| inner.conflicts.get(id))
            .filter(|r| need_to_know::conflict(r, party))
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
            let decided = inner.decide_conflict_response(party, id, response, reason)?;
            if !decided.is_empty() {
                self.commit(inner, self.stamp(party, decided))?;
            }
            let record = inner
                .conflicts
                .get(id)
                .ok_or_else(|| LineError::NotFound(id.into()))?;
            Ok(conflict_view(record, party))
        })
    }
}
