//! Agreements between parties: proposing, accepting and suspending them (every party named must accept), and
//! the lists a party may read. The terms themselves are read in [`crate::agreement`].

use super::*;

impl Line {
    /// A page of the agreements the caller takes part in, by proposer and id (a walk of its own index).
    pub fn agreements_page(&self, party: &str, page: &Page) -> Result<Listed, LineError> {
        let limit = self.page_limit(page)?;
        let inner = self.lock()?;
        Ok(self.listed(
            inner
                .listable(List::Agreements, party, page.after.as_deref())
                .filter_map(|k| inner.agreements.by_id.get(k).map(|a| (k, a)))
                .filter(|(_, a)| need_to_know::agreement(a, party))
                .map(|(id, a)| (id, a.view())),
            limit,
            inner.next_seq,
        ))
    }

    /// Proposes an agreement (the proposer accepts it by proposing).
    pub fn propose_agreement(&self, party: &str, body: Value) -> Result<Value, LineError> {
        self.charge(party)?;
        self.write(|inner| {
            let (content, _) =
                agreement::parse(&body, party).map_err(|(field, why)| invalid(field, why))?;
            let id = content["id"].as_str().unwrap_or_default().to_string();
            // Ids live in the proposer's namespace: another proposer's agreement of the same id, seen or
            // not, is another agreement.
            let key = Agreements::key(party, &id);
            if inner.agreements.by_id.contains_key(&key) {
                return Err(LineError::Exists(format!(
                    "you already proposed an agreement {id:?}; choose another id"
                )));
            }
            let entry = NewEntry {
                time_ms: self.clock.now_ms(),
                kind: AGREEMENT_PROPOSED.into(),
                actor: party.into(),
                audience: Audience::Parties(deconflict_domain::state::terms_parties(&content)),
                content,
            };
            self.commit(inner, vec![entry])?;
            inner
                .agreements
                .by_id
                .get(&key)
                .map(Agreement::view)
                .ok_or_else(|| LineError::Storage("agreement not applied".into()))
        })
    }

    /// A participant accepts (or, after a suspension, accepts anew) or suspends an agreement; others get
    /// `NotFound`, as if it did not exist.
    pub fn agreement_action(
        &self,
        party: &str,
        id: &str,
        proposer: Option<&str>,
        suspend: Option<String>,
    ) -> Result<Value, LineError> {
        self.charge(party)?;
        self.write(|inner| {
            let (key, decided) = inner.decide_agreement_action(party, id, proposer, suspend)?;
            if !decided.is_empty() {
                self.commit(inner, self.stamp(party, decided))?;
            }
            inner
                .agreements
                .by_id
                .get(&key)
                .map(Agreement::view)
                .ok_or_else(|| LineError::NotFound(id.into()))
        })
    }

    /// Sets up an agreement in one go, as its first party proposing and every other accepting (for operators
    /// and scenarios).
    pub fn establish_agreement(&self, body: Value) -> Result<Value, LineError> {
        let parties: Vec<String> = body["parties"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| p.as_str().map(str::to_string))
            .collect();
        let first = parties
            .first()
            .ok_or_else(|| invalid("parties", "expected an array of party ids"))?;
        let proposed = self.propose_agreement(first, body.clone())?;
        let id = proposed["id"].as_str().unwrap_or_default().to_string();
        let mut last = proposed;
        for p in &parties[1..] {
            last = self.agreement_action(p, &id, Some(first), None)?;
        }
        Ok(last)
    }

    /// The agreements the caller takes part in.
    pub fn agreements(&self, party: &str) -> Result<Vec<Value>, LineError> {
        let inner = self.lock()?;
        Ok(inner
            .listable(List::Agreements, party, None)
            .filter_map(|k| inner.agreements.by_id.get(k))
            .filter(|a| need_to_know::agreement(a, party))
            .map(Agreement::view)
            .collect())
    }

    /// One agreement the caller takes part in (of `proposer`, if named; see [`Agreements::find`]).
    pub fn agreement(
        &self,
        party: &str,
        id: &str,
        proposer: Option<&str>,
    ) -> Result<Value, LineError> {
        let inner = self.lock()?;
        inner
            .agreements
            .find(party, id, proposer)
            .map_err(LineError::Exists)?
            .and_then(|key| inner.agreements.by_id.get(&key))
            .map(Agreement::view)
            .ok_or_else(|| LineError::NotFound(id.into()))
    }
}
