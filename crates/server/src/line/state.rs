//! Queries over the line's state that need no writing: which declarations a party was given ([`Inner::sees`],
//! [`Inner::find`]), what an open conflict revealed, the advice and the policy a party's agreements set, late
//! notice, and the retention of what is done ([`Inner::retire`]).

use super::*;

pub(super) fn terms_parties(content: &Value) -> BTreeSet<String> {
    content["parties"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| p.as_str().map(str::to_string))
        .collect()
}

impl Inner {
    pub(super) fn add_credential(
        &mut self,
        credential: Credential,
        hash: [u8; 32],
        issued_ms: i64,
    ) {
        self.tokens.write().insert(hash, credential.clone());
        self.credentials.insert(
            credential.id.clone(),
            CredentialRecord {
                credential,
                hash,
                issued_ms,
                revoked_ms: None,
            },
        );
    }

    /// Late notice of a version written at `time_ms`: its earliest start comes sooner than the longest notice
    /// any of its party's agreements asks for its kind.
    pub(super) fn late_notice(&self, d: &Declaration, time_ms: i64) -> Option<Value> {
        let (required, agreements) = self.agreements.notice_ms(&d.party, d.kind);
        let start = d.volumes.iter().map(|v| v.time.start_ms).min()?;
        let given = start - time_ms;
        (required > 0 && given < required).then(|| {
            json!({
                "required_s": required / 1000,
                "given_s": given.div_euclid(1000),
                "agreements": agreements,
            })
        })
    }

    /// What advice on `d`, `party`'s declaration, needs from the line, copied in one short hold of its lock so
    /// that the advice itself is computed without it ([`Advising::advise`]): the declarations near `d` that
    /// `party` was given ([`Inner::given`]), each with only its given volumes, and the minima between `party`
    /// and their parties. Advice must not reveal, by its value or by its cost, the extent of declarations
    /// `party` was never shown; it may lead into one of those, and that conflict is found and notified when
    /// the declaration is written.
    pub(super) fn advising(&self, d: &Declaration, party: &str) -> Advising {
        let widest = self.policy(party).widest;
        let revealed = self.revealed(party, Some(&d.id));
        let mut index = ConflictIndex::new(Minima::default());
        let mut minima = HashMap::new();
        for o in advice_candidates(&self.index, d, &AdviceBounds::default(), widest) {
            // One look at what the caller was given of it; a declaration it was not given is dropped there,
            // before anything of it is copied or measured.
            let Some(sees) = self.sees(party, &revealed, o) else {
                continue;
            };
            let volumes: Vec<_> = o
                .volumes
                .iter()
                .enumerate()
                .filter(|(j, _)| sees.volume(*j))
                .map(|(_, v)| v.clone())
                .collect();
            if volumes.is_empty() {
                continue;
            }
            if let Some(t) = self.agreements.between(party, &o.party) {
                minima.insert(o.party.clone(), t.minima);
            }
            let copy = Declaration {
                volumes,
                ..o.clone()
            };
            if let Err(e) = index.insert(copy) {
                tracing::error!("advice: {e}");
            }
        }
        Advising {
            index,
            minima,
            widest,
        }
    }

    /// The declaration `id` as `party` names it: of `owner` if one is named, else its own, else the one
    /// declaration of that id another party shared with it. `NotFound` whenever it was given none (whether or
    /// not one exists); `Exists` when several parties shared one of that id with it and none is named.
    pub(super) fn find(
        &self,
        party: &str,
        id: &str,
        owner: Option<&str>,
    ) -> Result<&Current, LineError> {
        let not_found = || LineError::NotFound(id.to_string());
        if owner.is_none_or(|o| o == party) {
            if let Some(own) = self.current.get(&key(party, id)) {
                return Ok(own);
            }
        }
        // Only what was shared with the caller is looked at: another party's id it was not given misses
        // here exactly as an id nobody uses.
        let owners = self.shared.get(party).and_then(|ids| ids.get(id));
        let mut shared = owners
            .into_iter()
            .flatten()
            .filter(|of| owner.is_none_or(|o| o == of.as_str()))
            .filter_map(|of| self.current.get(&key(of, id)));
        match (shared.next(), shared.next()) {
            (Some(c), None) => Ok(c),
            (None, _) => Err(not_found()),
            (Some(a), Some(b)) => Err(LineError::Exists(format!(
                "declarations {id:?} of several parties are shared with you ({}, {}, …); name the party \
                 with ?party=",
                a.declaration.party, b.declaration.party
            ))),
        }
    }

    /// The volumes of other parties' declarations that the open conflicts of `party`'s declaration `own`
    /// showed it, by declaration key: (the version that conflict names, the volumes).
    pub(super) fn revealed(
        &self,
        party: &str,
        own: Option<&str>,
    ) -> HashMap<String, (u64, Vec<Value>)> {
        let mut revealed = HashMap::new();
        for cid in own
            .and_then(|id| self.open_conflicts.get(&key(party, id)))
            .into_iter()
            .flatten()
        {
            let Some(r) = self.conflicts.get(cid).filter(|r| r.resolved_by.is_none()) else {
                continue;
            };
            let other = if r.content["a"]["party"] == party {
                &r.content["b"]
            } else {
                &r.content["a"]
            };
            if let (Some(id), Some(of), Some(version), Some(volumes)) = (
                other["id"].as_str(),
                other["party"].as_str(),
                other["version"].as_u64(),
                other["volumes"].as_array(),
            ) {
                revealed.insert(key(of, id), (version, volumes.clone()));
            }
        }
        revealed
    }

    /// What `party` was given of the declaration `o` in the index: all of it if it is its own or shared with
    /// it; of any other, only the volumes `revealed` holds (in the version its conflict names); `None` when
    /// nothing. One lookup, whatever the declaration's size.
    pub(super) fn sees<'b>(
        &'b self,
        party: &str,
        revealed: &'b HashMap<String, (u64, Vec<Value>)>,
        o: &Declaration,
    ) -> Option<Sees<'b>> {
        if o.party == party {
            return Some(Sees::All);
        }
        let k = key(&o.party, &o.id);
        let c = self.current.get(&k)?;
        if c.visible_to(party) {
            return Some(Sees::All);
        }
        match revealed.get(&k) {
            Some((version, volumes)) if *version == o.version => Some(Sees::Revealed {
                content: &c.content,
                volumes,
            }),
            _ => None,
        }
    }

    /// Which minima apply between `party` and each other party: those of their active agreements.
    pub(super) fn policy(&self, party: &str) -> Policy<'_> {
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

    /// Lets go of what finished before `cutoff_ms` (entry time), and of the oldest beyond the `most` that may
    /// stay at once: closed alerts, resolved conflicts and messages every recipient acknowledged. The log
    /// keeps them; memory holds only what is live or recent, whatever the history. Returns how many left.
    pub(super) fn retire(&mut self, cutoff_ms: i64, most: usize) -> usize {
        let mut n = 0;
        while let Some((at, _)) = self.done.front() {
            if *at >= cutoff_ms && self.done.len() <= most {
                break;
            }
            let Some((_, done)) = self.done.pop_front() else {
                break;
            };
            let gone = match done {
                Done::Alert(id) => self
                    .alerts
                    .remove(&id)
                    .map(|(parties, view)| {
                        if view["status"] != "closed" {
                            // Raised again under the same id since: keep it.
                            self.alerts.insert(id, (parties, view));
                            false
                        } else {
                            true
                        }
                    })
                    .unwrap_or(false),
                Done::Conflict(id) => {
                    if self
                        .conflicts
                        .get(&id)
                        .is_some_and(|r| r.resolved_by.is_some())
                    {
                        self.conflicts.remove(&id);
                        true
                    } else {
                        false
                    }
                }
                Done::Message(id) => self.messages.remove(&id).is_some(),
                Done::Declaration(k) => match self.current.get_mut(&k) {
                    Some(c) if c.state.closed() && !c.content.is_null() => {
                        c.content = Value::Null;
                        c.declaration.volumes = Vec::new();
                        c.late = None;
                        true
                    }
                    _ => false,
                },
            };
            n += usize::from(gone);
        }
        n
    }
}

impl Advising {
    pub(super) fn policy(&self) -> Policy<'_> {
        Policy {
            widest: self.widest,
            minima_with: Box::new(|other| self.minima.get(other).copied()),
        }
    }

    /// The least delay, climb or descent that clears every conflict of `d` with what was copied.
    pub(super) fn advise(&self, d: &Declaration) -> Value {
        advice_json(&advise_under(
            &self.index,
            d,
            &AdviceBounds::default(),
            &self.policy(),
        ))
    }

    /// How many of what was copied `d` conflicts with.
    pub(super) fn conflicts(&self, d: &Declaration) -> usize {
        self.index.conflicts_of_under(d, &self.policy()).len()
    }
}
