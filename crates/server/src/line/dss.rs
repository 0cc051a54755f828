//! The line as an ASTM F3548-21 DSS: a USS's writes go through the domain's deciders
//! ([`deconflict_domain::dss`]) and are committed like every other entry (one write allowance per USS, the
//! line's lock, group commit, durable before the answer); reads run under the lock on the state as it is.
//! Nothing here knows HTTP or tokens: the caller is a USS whose token the HTTP layer verified.

use deconflict_domain::dss::{party_of, Caller, Ctx, Decision, Dss, DssError, Fresh};

use super::*;

/// Why a DSS request failed: the DSS's own refusal (a status of the standard) or the line's (a bound, the
/// store).
#[derive(Debug, Clone, PartialEq)]
pub enum DssFailure {
    Refused(DssError),
    Line(LineError),
}

impl From<LineError> for DssFailure {
    fn from(e: LineError) -> Self {
        DssFailure::Line(e)
    }
}

impl From<DssError> for DssFailure {
    fn from(e: DssError) -> Self {
        DssFailure::Refused(e)
    }
}

/// What a DSS write depends on besides the request: whether `http://` base URLs are allowed (tests), and how
/// many intents, constraints and subscriptions one USS may hold at once.
#[derive(Debug, Clone, Copy)]
pub struct DssSettings {
    pub allow_http: bool,
    pub max_entities: usize,
}

impl Default for DssSettings {
    fn default() -> Self {
        DssSettings {
            allow_http: false,
            max_entities: DSS_ENTITIES_PER_USS,
        }
    }
}

/// How many intents, constraints and subscriptions one USS may hold at once by default.
pub const DSS_ENTITIES_PER_USS: usize = 10_000;

impl Line {
    /// A USS's write: `decide` reads the DSS state (with the time and fresh randomness) and says what to
    /// log and answer; the entries are committed (durable before this returns) and the answer returned with
    /// the sequence number of the entry that holds it (the USS's proof of what the DSS accepted, and when).
    pub fn dss_write<T>(
        &self,
        caller: Caller<'_>,
        settings: DssSettings,
        decide: impl FnOnce(&Dss, Ctx) -> Result<Decision<T>, DssError>,
    ) -> Result<(T, Option<u64>), DssFailure> {
        let party = party_of(caller.sub);
        self.charge(&party)?;
        let ctx = Ctx {
            now_ns: self.clock.now_ms().saturating_mul(1_000_000),
            fresh: Fresh(rand::random()),
            allow_http: settings.allow_http,
            max_entities: settings.max_entities,
        };
        self.write(|inner| {
            let decision = match decide(&inner.dss, ctx) {
                Ok(d) => d,
                Err(e) => return Ok(Err(DssFailure::Refused(e))),
            };
            let mut seq = None;
            if !decision.entries.is_empty() {
                // The volumes the decider read are not read again when the entry is checked.
                inner.prepared = decision.prepared.map(|r| Prepared::Dss(Box::new(r)));
                seq = Some(self.commit(inner, self.stamp(&party, decision.entries))?);
            }
            Ok(Ok((decision.answer, seq)))
        })?
    }

    /// A read of the DSS state (under the line's lock, which writes hold only while they decide and apply),
    /// with the line's time in nanoseconds.
    pub fn dss_read<T>(&self, read: impl FnOnce(&Dss, i64) -> T) -> Result<T, LineError> {
        let now_ns = self.clock.now_ms().saturating_mul(1_000_000);
        let inner = self.lock()?;
        Ok(read(&inner.dss, now_ns))
    }
}
