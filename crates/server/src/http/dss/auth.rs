//! Who is asking the DSS: an OAuth 2 bearer JWT (RS256, as F3548 requires) checked against the configured
//! public keys (PEM files or a JWKS file), an accepted audience and its expiry; its `sub` is the USS and its
//! `scope` the F3548 scopes it holds. A token that fails any check is 401, naming the check; a missing scope
//! is 403 (in the handlers). Verified tokens are remembered (by their SHA-256, until they expire, at most
//! [`CACHE`] of them), so a USS sending the same token again costs a hash, not an RSA verification.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::StatusCode;
use deconflict_domain::dss::Scopes;
use jsonwebtoken::{decode, decode_header, Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::{DssApp, DssProblem};
use crate::http::auth::{request_token, InFlight};
use crate::http::work::on_worker;
use crate::line::DssSettings;

/// Most verified tokens remembered at once.
pub const CACHE: usize = 16_384;

/// Longest token read (bytes): a JWT of the standard's claims is well under 2 KiB.
pub const MAX_TOKEN: usize = 8_192;

/// The DSS's settings: the keys that verify tokens, the audiences accepted, and the [`DssSettings`] of
/// writes (whether `http://` base URLs are allowed — for tests on one machine, the standard asks for TLS —
/// and how much one USS may hold).
pub struct DssAuth {
    keys: Vec<DecodingKey>,
    validation: Validation,
    pub settings: DssSettings,
    cache: parking_lot::Mutex<HashMap<[u8; 32], (Uss, u64)>>,
}

impl std::fmt::Debug for DssAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DssAuth")
            .field("keys", &self.keys.len())
            .field("audiences", &self.validation.aud)
            .field("settings", &self.settings)
            .finish()
    }
}

/// A USS whose token was verified: its `sub` and scopes.
#[derive(Debug, Clone)]
pub struct Uss {
    pub sub: String,
    pub scopes: Scopes,
}

#[derive(Debug, Deserialize)]
struct Claims {
    sub: String,
    #[serde(default)]
    scope: Option<String>,
    exp: u64,
}

fn scopes_of(text: &str) -> Scopes {
    let mut s = Scopes::default();
    for word in text.split_whitespace() {
        match word {
            "utm.strategic_coordination" => s.strategic_coordination = true,
            "utm.constraint_management" => s.constraint_management = true,
            "utm.constraint_processing" => s.constraint_processing = true,
            "utm.conformance_monitoring_sa" => s.conformance_monitoring_sa = true,
            "utm.availability_arbitration" => s.availability_arbitration = true,
            _ => {}
        }
    }
    s
}

fn now_s() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

impl DssAuth {
    /// The USS of a token verified before and not expired since: a hash and a lookup, no RSA.
    pub fn cached(&self, token: &str) -> Option<Uss> {
        if token.len() > MAX_TOKEN {
            return None;
        }
        let hash: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        let cache = self.cache.lock();
        let (uss, exp) = cache.get(&hash)?;
        (*exp + self.validation.leeway > now_s()).then(|| uss.clone())
    }

    /// Settings from public keys in PEM (`pems`, each file's text) and JWKS documents (`jwks`, each a JSON
    /// `{"keys": [...]}`), accepting tokens for any of `audiences`.
    pub fn new(
        pems: &[(String, Vec<u8>)],
        jwks: &[(String, Vec<u8>)],
        audiences: &[String],
        settings: DssSettings,
    ) -> Result<DssAuth, String> {
        // One backend is compiled in; installing it again is harmless.
        let _ = jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER.install_default();
        let mut keys = Vec::new();
        for (name, pem) in pems {
            keys.push(
                DecodingKey::from_rsa_pem(pem)
                    .map_err(|e| format!("{name}: not an RSA public key in PEM ({e})"))?,
            );
        }
        for (name, text) in jwks {
            let set: jsonwebtoken::jwk::JwkSet = serde_json::from_slice(text)
                .map_err(|e| format!("{name}: not a JWKS document ({e})"))?;
            for (i, k) in set.keys.iter().enumerate() {
                if !matches!(k.algorithm, jsonwebtoken::jwk::AlgorithmParameters::RSA(_)) {
                    continue;
                }
                keys.push(
                    DecodingKey::from_jwk(k)
                        .map_err(|e| format!("{name}: keys[{i}] is not a usable RSA key ({e})"))?,
                );
            }
        }
        if keys.is_empty() {
            return Err("the DSS needs at least one RSA public key to verify tokens (--dss-public-key or --dss-jwks)".into());
        }
        if audiences.is_empty() {
            return Err("the DSS needs at least one accepted audience (--dss-audience): the standard's tokens name the DSS they are for".into());
        }
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_audience(audiences);
        validation.set_required_spec_claims(&["exp", "sub", "aud"]);
        validation.leeway = 5;
        Ok(DssAuth {
            keys,
            validation,
            settings,
            cache: parking_lot::Mutex::new(HashMap::new()),
        })
    }

    /// The USS a token names, or why it is refused (401).
    pub fn verify(&self, token: &str) -> Result<Uss, String> {
        if let Some(uss) = self.cached(token) {
            return Ok(uss);
        }
        if token.len() > MAX_TOKEN {
            return Err(format!("the token is longer than {MAX_TOKEN} bytes"));
        }
        let now = now_s();
        let hash: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        let header = decode_header(token).map_err(|e| format!("the token is not a JWT ({e})"))?;
        if header.alg != Algorithm::RS256 {
            return Err(format!(
                "the token is signed with {:?}; only RS256 is accepted",
                header.alg
            ));
        }
        let mut why = String::from("no key verifies the token's signature");
        let mut claims = None;
        for key in &self.keys {
            match decode::<Claims>(token, key, &self.validation) {
                Ok(data) => {
                    claims = Some(data.claims);
                    break;
                }
                Err(e) => {
                    use jsonwebtoken::errors::ErrorKind;
                    match e.kind() {
                        ErrorKind::InvalidSignature | ErrorKind::InvalidRsaKey(_) => {}
                        ErrorKind::ExpiredSignature => return Err("the token has expired".into()),
                        ErrorKind::InvalidAudience => return Err(
                            "the token is not for this DSS (its aud is not one this DSS accepts)"
                                .into(),
                        ),
                        ErrorKind::ImmatureSignature => {
                            return Err("the token is not valid yet (nbf)".into())
                        }
                        ErrorKind::MissingRequiredClaim(c) => {
                            return Err(format!("the token lacks the claim {c}"))
                        }
                        _ => why = format!("the token is refused ({e})"),
                    }
                }
            }
        }
        let claims = claims.ok_or(why)?;
        if claims.sub.is_empty() || claims.sub.len() > 255 {
            return Err("the token's sub must be 1 to 255 bytes".into());
        }
        let uss = Uss {
            sub: claims.sub,
            scopes: scopes_of(claims.scope.as_deref().unwrap_or_default()),
        };
        let mut cache = self.cache.lock();
        if cache.len() >= CACHE {
            cache.retain(|_, (_, exp)| *exp > now);
            if cache.len() >= CACHE {
                cache.clear();
            }
        }
        cache.insert(hash, (uss.clone(), claims.exp));
        Ok(uss)
    }
}

/// A request's USS, verified; it holds one of the USS's slots of requests in flight until it is dropped.
#[derive(Debug)]
pub struct Verified {
    pub uss: Uss,
    _slot: InFlight,
}

impl FromRequestParts<Arc<DssApp>> for Verified {
    type Rejection = DssProblem;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<DssApp>) -> Result<Self, DssProblem> {
        let token = request_token(&parts.headers).ok_or_else(|| {
            DssProblem::new(
                StatusCode::UNAUTHORIZED,
                "send Authorization: Bearer <an access token for this DSS>",
            )
        })?;
        // A token seen before costs a hash here; a new one is verified (RSA) on a work thread, never on
        // an async worker.
        let uss = match app.auth.cached(token) {
            Some(uss) => uss,
            None => {
                let (auth, token) = (Arc::clone(&app.auth), token.to_string());
                on_worker(move || auth.verify(&token))
                    .await
                    .map_err(|_| {
                        DssProblem::new(StatusCode::INTERNAL_SERVER_ERROR, "the request failed")
                    })?
                    .map_err(|why| DssProblem::new(StatusCode::UNAUTHORIZED, why))?
            }
        };
        let most = app.line.limits().in_flight_per_party.max(1);
        let slot = app.in_flight.enter(&uss.sub, most).ok_or_else(|| {
            DssProblem::new(
                StatusCode::TOO_MANY_REQUESTS,
                format!(
                    "{most} requests of this USS are being handled already; retry when one is answered \
                     (limit in_flight_per_party)"
                ),
            )
        })?;
        Ok(Verified { _slot: slot, uss })
    }
}
