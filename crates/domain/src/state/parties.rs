//! Parties and credentials: registering a party with its first credential, issuing and revoking credentials.
//! A token is kept only as its hash; the server's lookup of credentials by token hash follows [`Effect`]s.

use deconflict_ledger::entry::check_token;
use deconflict_ledger::EntryHeader;

use super::{
    level_of, Checked, Credential, CredentialRecord, Effect, List, Party, State, PARTY_KINDS,
};
use crate::event::{CredentialIssued, PartyRegistered};
use crate::hotline::LEVELS;

/// A token hash as logged: 64 hex digits.
fn hash_of(hex_text: &str) -> Result<[u8; 32], String> {
    hex::decode(hex_text)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| "token_sha256: expected 64 hex digits".to_string())
}

/// A role as logged (absent: a duty officer's).
fn role_of(role: Option<&str>) -> Result<String, String> {
    let role = role.unwrap_or(LEVELS[0]);
    level_of(role)
        .map(|_| role.to_string())
        .ok_or_else(|| format!("role: {role:?} is not one of {}", LEVELS.join(", ")))
}

impl State {
    pub(super) fn check_party(header: &EntryHeader, p: PartyRegistered) -> Result<Checked, String> {
        check_token("id", &p.id).map_err(|e| e.to_string())?;
        if !PARTY_KINDS.contains(&p.kind.as_str()) {
            return Err(format!("kind: {:?} is not a kind of party", p.kind));
        }
        Ok(Checked::Party {
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
        })
    }

    pub(super) fn check_credential(
        header: &EntryHeader,
        c: CredentialIssued,
    ) -> Result<Checked, String> {
        Ok(Checked::Credential {
            hash: hash_of(&c.token_sha256)?,
            credential: Credential {
                party: header.actor.clone(),
                role: role_of(Some(&c.role))?,
                id: format!("k{}", header.seq),
            },
        })
    }

    pub(super) fn apply_party(
        &mut self,
        header: &EntryHeader,
        party: Party,
        credential: Credential,
        hash: [u8; 32],
        effects: &mut Vec<Effect>,
    ) {
        self.add_credential(credential, hash, header.time_ms, effects);
        self.parties.insert(party.id.clone(), party);
    }

    pub(super) fn add_credential(
        &mut self,
        credential: Credential,
        hash: [u8; 32],
        issued_ms: i64,
        effects: &mut Vec<Effect>,
    ) {
        effects.push(Effect::TokenIssued {
            hash,
            credential: credential.clone(),
        });
        self.lists
            .add(List::Credentials, &credential.party, &credential.id);
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

    pub(super) fn apply_revoked(
        &mut self,
        header: &EntryHeader,
        id: &str,
        effects: &mut Vec<Effect>,
    ) {
        if let Some(r) = self.credentials.get_mut(id) {
            r.revoked_ms.get_or_insert(header.time_ms);
            effects.push(Effect::TokenRevoked { hash: r.hash });
        }
    }
}
