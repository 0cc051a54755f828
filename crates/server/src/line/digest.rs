//! The line's whole state as one hash ([`deconflict_domain::state::State::digest`], which says what it
//! covers), read under the line's lock: two lines that applied the same log have the same digest.

use super::*;

impl Line {
    /// The digest of the line's whole state (hex SHA-256): two lines that applied the same log have the same
    /// digest, whichever way they came by it.
    pub fn digest(&self) -> Result<String, LineError> {
        Ok(hex::encode(self.lock()?.state.digest()))
    }
}
