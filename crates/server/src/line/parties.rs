//! Parties and their credentials: registering, issuing and revoking bearer credentials (kept only as
//! SHA-256 hashes), authenticating a token without the line's lock, and the credential lists.

use super::*;

/// A fresh bearer token: `dcf_` and 32 random bytes.
pub(super) fn new_token() -> String {
    use base64::Engine;
    use rand::RngCore;
    let mut secret = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut secret);
    format!(
        "dcf_{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(secret)
    )
}

pub(super) fn credential_view(r: &CredentialRecord) -> Value {
    json!({
        "id": r.credential.id,
        "role": r.credential.role,
        "issued": format_time(r.issued_ms),
        "revoked": r.revoked_ms.map(format_time),
    })
}

/// SHA-256 of a bearer token: the only form in which tokens are kept.
pub fn token_hash(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

impl Line {
    /// Registers a party with a duty officer's credential; returns its bearer token, which is not kept (only
    /// its hash is logged).
    pub fn register_party(&self, id: &str, kind: &str) -> Result<String, LineError> {
        self.register_party_as(id, kind, LEVELS[0])
    }

    /// As [`Line::register_party`], the first credential at escalation level `role`.
    pub fn register_party_as(&self, id: &str, kind: &str, role: &str) -> Result<String, LineError> {
        check_token("id", id).map_err(|e| invalid("id", e.to_string()))?;
        if level_of(role).is_none() {
            return Err(invalid(
                "role",
                format!("{role:?} is not one of {}", LEVELS.join(", ")),
            ));
        }
        if !PARTY_KINDS.contains(&kind) {
            return Err(invalid(
                "kind",
                format!("{kind:?} is not one of {}", PARTY_KINDS.join(", ")),
            ));
        }
        self.write(|inner| {
        if inner.parties.contains_key(id) {
            return Err(LineError::Exists(format!(
                "party {id:?} is already registered"
            )));
        }
        let token = new_token();
        let entry = NewEntry {
            time_ms: self.clock.now_ms(),
            kind: PARTY_REGISTERED.into(),
            actor: id.into(),
            // The token's hash concerns the party alone.
            audience: Audience::Parties(BTreeSet::from([id.to_string()])),
            content: json!({"id": id, "kind": kind, "role": role, "token_sha256": hex::encode(token_hash(&token))}),
        };
        self.commit(inner, vec![entry])?;
        Ok(token)
        })
    }

    /// The credential a bearer token is, unless revoked.
    pub fn authenticate(&self, token: &str) -> Option<Credential> {
        self.authenticate_checked(token).ok().flatten()
    }

    /// As [`Line::authenticate`], telling a line that refuses requests (after a write failed part-way) from
    /// an unknown token.
    /// It never waits for the line's lock.
    pub fn authenticate_checked(&self, token: &str) -> Result<Option<Credential>, LineError> {
        if self.failed.load(Ordering::SeqCst) {
            return Err(Self::refused());
        }
        Ok(self.tokens.read().get(&token_hash(token)).cloned())
    }

    /// Issues a new credential of the caller's party at `role`, which may not be above the caller's own;
    /// returns its id and token (the token is shown once and not kept).
    pub fn issue_credential(
        &self,
        caller: &Credential,
        role: &str,
    ) -> Result<(String, String), LineError> {
        self.charge(&caller.party)?;
        let level = level_of(role).ok_or_else(|| {
            invalid(
                "role",
                format!("{role:?} is not one of {}", LEVELS.join(", ")),
            )
        })?;
        if level > level_of(&caller.role).unwrap_or(0) {
            return Err(LineError::Forbidden(format!(
                "a {} may not issue a {role}'s credential",
                caller.role
            )));
        }
        self.write(|inner| {
        let token = new_token();
        let entry = NewEntry {
            time_ms: self.clock.now_ms(),
            kind: CREDENTIAL_ISSUED.into(),
            actor: caller.party.clone(),
            audience: Audience::Parties(BTreeSet::from([caller.party.clone()])),
            content: json!({"role": role, "by": caller.id, "token_sha256": hex::encode(token_hash(&token))}),
        };
        let seq = self.commit(inner, vec![entry])?;
        Ok((format!("k{seq}"), token))
        })
    }

    /// As [`Line::issue_credential`], from a request body `{"role": …}` (the caller's own role when absent);
    /// anything else in it is refused, naming the field.
    pub fn issue_credential_body(
        &self,
        caller: &Credential,
        body: &Value,
    ) -> Result<(String, String), LineError> {
        let Some(obj) = body.as_object() else {
            return Err(invalid(
                "",
                "the body must be a JSON object: {\"role\": \"duty_officer\" | \"commander\" | \"chief\"}",
            ));
        };
        if let Some(k) = obj.keys().find(|k| k.as_str() != "role") {
            return Err(invalid(k.as_str(), "unknown field; expected role"));
        }
        let role = match obj.get("role") {
            None => caller.role.clone(),
            Some(r) => r
                .as_str()
                .ok_or_else(|| invalid("role", format!("expected one of {}", LEVELS.join(", "))))?
                .to_string(),
        };
        self.issue_credential(caller, &role)
    }

    /// Issues a credential of `party` at `role` on the operator's authority (the CLI and scenarios); returns
    /// its id and token.
    pub fn issue_operator_credential(
        &self,
        party: &str,
        role: &str,
    ) -> Result<(String, String), LineError> {
        if !self.lock()?.parties.contains_key(party) {
            return Err(invalid(
                "party",
                format!("{party:?} is not a registered party"),
            ));
        }
        let chief = Credential {
            party: party.into(),
            role: LEVELS[LEVELS.len() - 1].into(),
            id: "operator".into(),
        };
        self.issue_credential(&chief, role)
    }

    /// Revokes a credential of the caller's party at or below the caller's level (a caller may always revoke
    /// its own); other parties' credentials are `NotFound`.
    pub fn revoke_credential(&self, caller: &Credential, id: &str) -> Result<Value, LineError> {
        self.charge(&caller.party)?;
        self.write(|inner| {
            let r = inner
                .credentials
                .get(id)
                .filter(|r| need_to_know::credential(r, &caller.party))
                .ok_or_else(|| LineError::NotFound(id.into()))?;
            if r.credential.id != caller.id && level_of(&r.credential.role) > level_of(&caller.role)
            {
                return Err(LineError::Forbidden(format!(
                    "a {} may not revoke a {}'s credential",
                    caller.role, r.credential.role
                )));
            }
            if r.revoked_ms.is_none() {
                let entry = NewEntry {
                    time_ms: self.clock.now_ms(),
                    kind: CREDENTIAL_REVOKED.into(),
                    actor: caller.party.clone(),
                    audience: Audience::Parties(BTreeSet::from([caller.party.clone()])),
                    content: json!({"id": id, "by": caller.id}),
                };
                self.commit(inner, vec![entry])?;
            }
            Ok(inner
                .credentials
                .get(id)
                .map(credential_view)
                .unwrap_or(Value::Null))
        })
    }

    /// The credentials of the caller's party (never their tokens).
    pub fn credentials(&self, party: &str) -> Result<Vec<Value>, LineError> {
        let inner = self.lock()?;
        Ok(inner
            .listable(List::Credentials, party, None)
            .filter_map(|id| inner.credentials.get(id))
            .filter(|r| need_to_know::credential(r, party))
            .map(credential_view)
            .collect())
    }

    pub fn parties(&self) -> Vec<Party> {
        self.lock()
            .map(|i| i.parties.values().cloned().collect())
            .unwrap_or_default()
    }

    /// A page of the credentials of the caller's party (never their tokens), by id.
    pub fn credentials_page(&self, party: &str, page: &Page) -> Result<Listed, LineError> {
        let limit = self.page_limit(page)?;
        let inner = self.lock()?;
        Ok(self.listed(
            inner
                .listable(List::Credentials, party, page.after.as_deref())
                .filter_map(|id| inner.credentials.get(id).map(|r| (id, r)))
                .filter(|(_, r)| need_to_know::credential(r, party))
                .map(|(id, r)| (id, credential_view(r))),
            limit,
            inner.next_seq,
        ))
    }
}
