//! Who is asking: the bearer token of a request (header, or a WebSocket subprotocol), the [`Caller`] and
//! [`Who`] extractors, and the per-party bound on requests being handled at once (`per_party`).

use std::sync::Arc;

use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};

use crate::line;
use crate::problem::Problem;
use crate::{Credential, Line};

/// The caller's party, from `Authorization: Bearer <token>`.
#[derive(Debug)]
pub struct Caller(pub String);

/// The caller's whole credential (party, role, credential id).
#[derive(Debug)]
pub struct Who(pub Credential);

impl FromRequestParts<Arc<Line>> for Caller {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, line: &Arc<Line>) -> Result<Self, Problem> {
        let Who(c) = Who::from_request_parts(parts, line).await?;
        Ok(Caller(c.party))
    }
}

impl FromRequestParts<Arc<Line>> for Who {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, line: &Arc<Line>) -> Result<Self, Problem> {
        // Already found by `per_party`, which counts the request against its party.
        if let Some(Counted(c)) = parts.extensions.get::<Counted>() {
            return Ok(Who(c.clone()));
        }
        let token = request_token(&parts.headers)
            .ok_or_else(|| {
                Problem::unauthorized("send Authorization: Bearer <your party's token>")
            })?
            .to_string();
        // A hash and a read of the credentials, which never wait for the line's lock: done in place.
        line.authenticate_checked(&token)
            .map_err(Problem::from)?
            .map(Who)
            .ok_or_else(|| {
                Problem::unauthorized("the token is not a party's token, or it was revoked")
            })
    }
}

/// Who reads the log (checkpoint, proofs, leaves): a party of the line by its token, or — when the line
/// serves the F3548 DSS — a USS by its access token, as the party [`deconflict_domain::dss::party_of`] its
/// `sub` names, so that a USS can prove what the DSS accepted from it.
#[derive(Debug)]
pub struct Reader(pub String);

impl FromRequestParts<Arc<Line>> for Reader {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, line: &Arc<Line>) -> Result<Self, Problem> {
        if let Some(Counted(c)) = parts.extensions.get::<Counted>() {
            return Ok(Reader(c.party.clone()));
        }
        let token = request_token(&parts.headers)
            .ok_or_else(|| Problem::unauthorized("send Authorization: Bearer <your token>"))?
            .to_string();
        if let Some(c) = line.authenticate_checked(&token).map_err(Problem::from)? {
            return Ok(Reader(c.party));
        }
        if let Some(dss) = parts.extensions.get::<Arc<crate::DssAuth>>() {
            // A new token's RSA verification runs on a work thread, not on an async worker.
            let uss = match dss.cached(&token) {
                Some(uss) => Some(uss),
                None => {
                    let dss = Arc::clone(dss);
                    crate::on_worker(move || dss.verify(&token).ok())
                        .await
                        .ok()
                        .flatten()
                }
            };
            if let Some(uss) = uss {
                return Ok(Reader(deconflict_domain::dss::party_of(&uss.sub)));
            }
        }
        Err(Problem::unauthorized(
            "the token is not a party's token (nor a USS's access token), or it was revoked",
        ))
    }
}

/// The bearer token of a request: `Authorization: Bearer <token>` (the scheme in any case, RFC 9110
/// §11.1), or on a WebSocket handshake the subprotocol `bearer.<token>`.
pub(crate) fn request_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, token) = v.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        })
        .filter(|t| !t.is_empty())
        .or_else(|| websocket_token(headers))
}

/// A browser cannot set headers on a WebSocket: it offers the subprotocols `deconflict` and
/// `bearer.<token>` instead (a token is made of characters a subprotocol name may hold), and the stream
/// answers `deconflict`. Only on a WebSocket handshake; the token never appears in a URL.
pub(crate) fn websocket_token(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::UPGRADE)?;
    headers
        .get_all(header::SEC_WEBSOCKET_PROTOCOL)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .find_map(|p| p.trim().strip_prefix("bearer."))
}

/// Requests of each party being handled now (see [`Limits::in_flight_per_party`]).
#[derive(Debug, Default)]
pub(crate) struct PartyInFlight(parking_lot::Mutex<std::collections::HashMap<String, usize>>);

/// The credential of a request that [`per_party`] counted.
#[derive(Clone)]
pub(crate) struct Counted(line::Credential);

impl PartyInFlight {
    /// Counts one more request of `party`, unless it has `most` in flight already.
    pub(crate) fn enter(self: &Arc<Self>, party: &str, most: usize) -> Option<InFlight> {
        let mut all = self.0.lock();
        let n = all.entry(party.to_string()).or_default();
        if *n >= most {
            return None;
        }
        *n += 1;
        Some(InFlight {
            counts: Arc::clone(self),
            party: party.to_string(),
        })
    }
}

/// One request of a party, counted until its answer is made.
#[derive(Debug)]
pub(crate) struct InFlight {
    counts: Arc<PartyInFlight>,
    party: String,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let mut counts = self.counts.0.lock();
        if let Some(n) = counts.get_mut(&self.party) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                counts.remove(&self.party);
            }
        }
    }
}

/// Holds each party to `in_flight_per_party` requests at once (429 beyond it), so that one party's slow
/// bodies or bursts cannot take every slot of the whole server. A request without a valid token is not
/// counted here (it is refused as soon as its handler asks who it is).
pub(crate) async fn per_party(
    State((line, counts, most)): State<(Arc<Line>, Arc<PartyInFlight>, usize)>,
    mut req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let Some(credential) = request_token(req.headers()).and_then(|t| line.authenticate(t)) else {
        return next.run(req).await;
    };
    let party = credential.party.clone();
    // The handler's `Who` takes it from here: the token is hashed once a request.
    req.extensions_mut().insert(Counted(credential));
    let Some(_counted) = counts.enter(&party, most) else {
        return Problem::too_many(
            "in_flight_per_party",
            format!(
                "{most} requests of your party are being handled already; retry when one is answered \
                 (limit in_flight_per_party)"
            ),
        )
        .into_response();
    };
    next.run(req).await
}
