//! The fold of the log into the line's state: [`Inner::check`] reads and validates one entry against the state
//! (refusing unknown kinds and missing fields), and [`Inner::apply_checked`] moves the state by it. Replay and
//! every write go through the same two steps, so that rebuilding from the log reproduces the same state.

use super::*;

impl Inner {
    /// Reads an entry and checks it against the state: everything that could make applying it fail is found
    /// here, before the entry is appended (or, on replay, before it is applied). Refuses an unknown kind, a
    /// missing or unknown field, and a change the state does not allow, naming the entry's sequence number.
    pub(super) fn check(
        &mut self,
        header: &deconflict_ledger::EntryHeader,
        content: &[u8],
    ) -> Result<Checked, String> {
        use crate::event::Event;
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
        let hash_of = |hex_text: &str| -> Result<[u8; 32], String> {
            hex::decode(hex_text)
                .ok()
                .and_then(|b| b.try_into().ok())
                .ok_or_else(|| at("token_sha256: expected 64 hex digits".into()))
        };
        let role_of = |role: Option<&str>| -> Result<String, String> {
            let role = role.unwrap_or(LEVELS[0]);
            level_of(role).map(|_| role.to_string()).ok_or_else(|| {
                at(format!(
                    "role: {role:?} is not one of {}",
                    LEVELS.join(", ")
                ))
            })
        };
        let event = Event::read(&header.kind, parsed).map_err(at)?;
        Ok(match event {
            Event::PartyRegistered(p) => {
                check_token("id", &p.id).map_err(|e| at(e.to_string()))?;
                if !PARTY_KINDS.contains(&p.kind.as_str()) {
                    return Err(at(format!("kind: {:?} is not a kind of party", p.kind)));
                }
                Checked::Party {
                    hash: hash_of(&p.token_sha256)?,
                    credential: Credential {
                        party: p.id.clone(),
                        role: role_of(p.role.as_deref())?,
                        id: format!("k{}", header.seq),
                    },
                    party: Party {
                        id: p.id,
                        kind: p.kind,
                    },
                }
            }
            Event::CredentialIssued(c) => Checked::Credential {
                hash: hash_of(&c.token_sha256)?,
                credential: Credential {
                    party: header.actor.clone(),
                    role: role_of(Some(&c.role))?,
                    id: format!("k{}", header.seq),
                },
            },
            Event::CredentialRevoked(c) => Checked::Revoked { id: c.id },
            Event::DeclarationVersion(v) => {
                let declaration = match self.prepared.take() {
                    Some(d)
                        if v["id"].as_str() == Some(d.id.as_str())
                            && v["version"].as_u64() == Some(d.version) =>
                    {
                        d
                    }
                    _ => parse_declaration(&v, &format!("entry {}", header.seq))
                        .map_err(|e| at(e.to_string()))?,
                };
                Checked::Version {
                    declaration: Box::new(declaration),
                    content: v,
                }
            }
            Event::DeclarationCancel(c) => Checked::Cancel {
                id: c.id,
                version: c.version,
            },
            Event::DeclarationState(c) => {
                // Only a declaration's own party moves it; the version named must be its latest.
                match self.current.get(&key(&header.actor, &c.id)) {
                    Some(d) if c.version.is_none_or(|v| v == d.declaration.version) => {}
                    _ => {
                        return Err(at(format!(
                            "{} has no declaration {:?} (at version {:?})",
                            header.actor, c.id, c.version
                        )))
                    }
                }
                Checked::State {
                    id: c.id,
                    version: c.version,
                    state: c.state,
                }
            }
            Event::ConflictFound(c, content) => Checked::ConflictFound {
                parties: [c.a.party.clone(), c.b.party.clone()],
                sides: [key(&c.a.party, &c.a.id), key(&c.b.party, &c.b.id)],
                id: c.id,
                content,
            },
            Event::ConflictResolved(c) => Checked::ConflictResolved { id: c.id },
            Event::ConflictResponded(c) => {
                if header.kind == CONFLICT_DISPUTED && c.reason.is_none() {
                    return Err(at("reason: a dispute needs a reason".into()));
                }
                Checked::ConflictResponse {
                    id: c.id,
                    reason: c.reason.unwrap_or_default(),
                }
            }
            Event::MessageSent(m, content) => Checked::MessageSent {
                id: m.id,
                message: Message {
                    from: header.actor.clone(),
                    sent_ms: header.time_ms,
                    deadline_ms: m.deadline_ms,
                    receipts: m.to.into_iter().map(|p| (p, Receipt::default())).collect(),
                    content,
                },
            },
            Event::MessageReceipt(r) => {
                if header.kind == MESSAGE_ANSWERED && r.text.is_none() {
                    return Err(at("text: an answer needs its text".into()));
                }
                Checked::Receipt {
                    id: r.id,
                    recipient: header.actor.clone(),
                    text: r.text.unwrap_or_default(),
                }
            }
            Event::MessageEscalated(e) => {
                if level_of(&e.level).is_none() {
                    return Err(at(format!(
                        "level: {:?} is not one of {}",
                        e.level,
                        LEVELS.join(", ")
                    )));
                }
                Checked::Receipt {
                    id: e.id,
                    recipient: e.party,
                    text: e.level,
                }
            }
            Event::AgreementProposed(v) => {
                let (content, terms) = agreement::parse(&v, &header.actor)
                    .map_err(|(f, why)| at(format!("agreement {f}: {why}")))?;
                let id = content["id"].as_str().unwrap_or_default().to_string();
                if self
                    .agreements
                    .by_id
                    .contains_key(&Agreements::key(&header.actor, &id))
                {
                    return Err(at(format!(
                        "{} already proposed an agreement {id:?}",
                        header.actor
                    )));
                }
                let parties = terms_parties(&content);
                Checked::AgreementProposed {
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
                }
            }
            Event::AgreementAction(a) => {
                let key = self
                    .agreements
                    .find(&header.actor, &a.id, a.proposer.as_deref())
                    .map_err(at)?
                    .ok_or_else(|| {
                        at(format!(
                            "{} takes part in no agreement {:?}",
                            header.actor, a.id
                        ))
                    })?;
                Checked::AgreementAction {
                    key,
                    reason: a.reason.unwrap_or_default(),
                }
            }
            Event::Alert(head, content) => Checked::Alert {
                id: head.id,
                parties: head.parties,
                content,
            },
        })
    }

    /// Reads, checks and applies the next entry of the log (replay, and entries other nodes appended).
    pub(super) fn apply(
        &mut self,
        header: &deconflict_ledger::EntryHeader,
        content: &[u8],
    ) -> Result<(), String> {
        let checked = self.check(header, content)?;
        self.apply_checked(header, checked);
        Ok(())
    }

    /// Applies an entry [`Inner::check`] accepted. It cannot fail: whatever could go wrong was checked.
    pub(super) fn apply_checked(
        &mut self,
        header: &deconflict_ledger::EntryHeader,
        checked: Checked,
    ) {
        let t = header.time_ms;
        self.last_time_ms = self.last_time_ms.max(t);
        // The side fold of declaration versions; its own check ran in `check`.
        let fold_content = match &checked {
            // What the fold reads of a version (it keeps the entry's content hash, not the content).
            Checked::Version { content, .. } => json!({
                "id": content["id"], "version": content["version"], "party": content["party"],
            }),
            Checked::Cancel { id, version } => json!({"id": id, "version": version}),
            _ => Value::Null,
        };
        if let Err(e) = self.fold.apply_parsed(header, &fold_content) {
            tracing::error!("applying entry {}: the declarations' fold: {e}", header.seq);
        }
        match checked {
            Checked::Party {
                party,
                credential,
                hash,
            } => {
                self.add_credential(credential, hash, t);
                self.parties.insert(party.id.clone(), party);
            }
            Checked::Credential { credential, hash } => self.add_credential(credential, hash, t),
            Checked::Revoked { id } => {
                if let Some(r) = self.credentials.get_mut(&id) {
                    r.revoked_ms.get_or_insert(t);
                    self.tokens.write().remove(&r.hash);
                }
            }
            Checked::Version {
                declaration,
                content,
            } => {
                let declaration = *declaration;
                let audience = match &header.audience {
                    Audience::Everyone => self.parties.keys().cloned().collect(),
                    other => other.parties().unwrap_or_default(),
                };
                // `replace` fails only for a duplicate id (it removes the old one first) or more than 2^32
                // volumes (the request bounds stop that long before).
                if let Err(e) = self.index.replace(declaration.clone()) {
                    tracing::error!("applying entry {}: {e}", header.seq);
                }
                if declaration.kind.is_area_of_protection() {
                    if let Err(e) = self.protected.write().replace(declaration.clone()) {
                        tracing::error!("applying entry {}: {e}", header.seq);
                    }
                } else {
                    self.protected
                        .write()
                        .remove(&declaration.party, &declaration.id);
                }
                let late = self.late_notice(&declaration, t);
                let k = key(&declaration.party, &declaration.id);
                let state = match self.current.get(&k) {
                    Some(c) if c.state == State::Active => State::Active,
                    _ => State::Planned,
                };
                // Who it is shared with: the parties dropped from its audience by this version lose it, those
                // in it have it.
                let before = self.current.get(&k).map(|c| c.audience.clone());
                for gone in before.iter().flatten().filter(|p| !audience.contains(*p)) {
                    if let Some(ids) = self.shared.get_mut(gone) {
                        if let Some(of) = ids.get_mut(&declaration.id) {
                            of.remove(&declaration.party);
                            if of.is_empty() {
                                ids.remove(&declaration.id);
                            }
                        }
                    }
                }
                for member in audience.iter().filter(|p| **p != declaration.party) {
                    self.shared
                        .entry(member.clone())
                        .or_default()
                        .entry(declaration.id.clone())
                        .or_default()
                        .insert(declaration.party.clone());
                }
                self.current.insert(
                    k,
                    Current {
                        declaration,
                        content,
                        audience,
                        state,
                        seq: header.seq,
                        late,
                    },
                );
            }
            Checked::Cancel { id, .. } => {
                let party = &header.actor;
                self.index.remove(party, &id);
                self.protected.write().remove(party, &id);
                let k = key(party, &id);
                if let Some(c) = self.current.get_mut(&k) {
                    c.state = State::Cancelled;
                    c.seq = header.seq;
                    self.done.push_back((t, Done::Declaration(k)));
                }
            }
            Checked::State { id, state, .. } => {
                let party = &header.actor;
                if let Some(c) = self.current.get_mut(&key(party, &id)) {
                    match state {
                        StateChange::Active => c.state = State::Active,
                        StateChange::Ended => {
                            c.state = State::Ended;
                            self.index.remove(party, &id);
                            self.protected.write().remove(party, &id);
                            self.done.push_back((t, Done::Declaration(key(party, &id))));
                        }
                    }
                }
            }
            Checked::ConflictFound {
                id,
                parties,
                sides,
                content,
            } => {
                for d in sides {
                    self.open_conflicts.entry(d).or_default().insert(id.clone());
                }
                self.conflicts.insert(
                    id,
                    ConflictRecord {
                        content,
                        parties,
                        resolved_by: None,
                        acknowledged: BTreeMap::new(),
                        accepted: BTreeMap::new(),
                        disputed: BTreeMap::new(),
                    },
                );
            }
            Checked::ConflictResolved { id } => {
                if let Some(r) = self.conflicts.get_mut(&id) {
                    r.resolved_by = Some(header.seq);
                    self.done.push_back((t, Done::Conflict(id.clone())));
                    for side in ["a", "b"] {
                        let side = &r.content[side];
                        if let Some(set) = side["id"]
                            .as_str()
                            .zip(side["party"].as_str())
                            .and_then(|(d, p)| self.open_conflicts.get_mut(&key(p, d)))
                        {
                            set.remove(&id);
                        }
                    }
                }
            }
            Checked::ConflictResponse { id, reason } => {
                let party = header.actor.clone();
                if let Some(r) = self.conflicts.get_mut(&id) {
                    // Accepting or disputing also acknowledges.
                    r.acknowledged.entry(party.clone()).or_insert(t);
                    match header.kind.as_str() {
                        CONFLICT_ACCEPTED => {
                            r.accepted.insert(party, t);
                        }
                        CONFLICT_DISPUTED => {
                            r.disputed.insert(party, (t, reason));
                        }
                        _ => {}
                    }
                }
            }
            Checked::MessageSent { id, message } => {
                self.messages.insert(id, message);
            }
            Checked::Receipt {
                id,
                recipient,
                text,
            } => {
                let receipt = self
                    .messages
                    .get_mut(&id)
                    .and_then(|m| m.receipts.get_mut(&recipient));
                if let Some(r) = receipt {
                    match header.kind.as_str() {
                        MESSAGE_DELIVERED => {
                            r.delivered.get_or_insert(t);
                        }
                        MESSAGE_ACKNOWLEDGED => {
                            r.delivered.get_or_insert(t);
                            r.acknowledged.get_or_insert(t);
                        }
                        MESSAGE_ANSWERED => {
                            r.delivered.get_or_insert(t);
                            r.acknowledged.get_or_insert(t);
                            r.answered = Some((t, text));
                        }
                        // MESSAGE_ESCALATED: `text` is the level.
                        _ => r.escalations.push((text, t)),
                    }
                }
                let acknowledged =
                    |m: &Message| m.receipts.values().all(|r| r.acknowledged.is_some());
                if header.kind != MESSAGE_DELIVERED
                    && header.kind != MESSAGE_ESCALATED
                    && self.messages.get(&id).is_some_and(acknowledged)
                {
                    self.done.push_back((t, Done::Message(id)));
                }
            }
            Checked::AgreementProposed { id, agreement } => {
                self.agreements.insert(&id, *agreement);
                self.agreements.refresh();
            }
            Checked::AgreementAction { key, reason } => {
                if let Some(a) = self.agreements.by_id.get_mut(&key) {
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
            Checked::Alert {
                id,
                parties,
                content,
            } => {
                let status = match header.kind.as_str() {
                    ALERT_CLOSED => {
                        self.done.push_back((t, Done::Alert(id.clone())));
                        "closed"
                    }
                    _ => "open",
                };
                let entry = self
                    .alerts
                    .entry(id)
                    .or_insert_with(|| (parties.clone().unwrap_or_default(), json!({})));
                if let (Some(o), Value::Object(new)) = (entry.1.as_object_mut(), content) {
                    o.extend(new);
                    o.insert("status".into(), json!(status));
                    o.insert("updated".into(), json!(format_time(t)));
                    if header.kind == ALERT_RAISED {
                        o.insert("raised".into(), json!(format_time(t)));
                    }
                }
            }
        }
    }
}
