//! The whole state as one hash, to check the invariant everything else rests on: rebuilding from the log
//! (a restart, a follower) reproduces exactly the state that writing the log produced.
//!
//! What it covers: parties, credentials (with their token hashes and revocations), every declaration's
//! history and latest version (content, audience, state, late notice), what was shared with whom, conflicts
//! with every party's responses, messages with every receipt, agreements, alerts, the DSS's records, notifications, incidents and deconfliction requests, what
//! waits to be retired, what each party may list (derived, but kept entry by entry: hashed so that a replay
//! that rebuilt them otherwise would show),
//! and the log's position. What it leaves out, on purpose: what is not logged (live tracks, the scan's
//! memory, write allowances), caches derived from the above (the server's token lookup and index of protected
//! areas; the conflict index is rebuilt from the declarations it covers; what each party holds live is
//! counted from them), and the writer's own bookkeeping.
//!
//! Each part is rendered with `Debug` over ordered maps (hash maps are sorted first), which is deterministic
//! for the same values; parts are length-prefixed and named, so that no two states share a rendering.

use std::collections::{BTreeMap, BTreeSet};

use sha2::{Digest, Sha256};

use super::State;

impl State {
    /// SHA-256 over every part of the state that the log determines (see the module's documentation).
    pub fn digest(&self) -> [u8; 32] {
        let mut hash = Sha256::new();
        let mut part = |name: &str, text: String| {
            hash.update(name.as_bytes());
            hash.update([0]);
            hash.update((text.len() as u64).to_be_bytes());
            hash.update(text.as_bytes());
        };
        part("parties", format!("{:?}", self.parties));
        part("credentials", format!("{:?}", self.credentials));
        part("histories", hex::encode(self.fold.digest()));
        part("declarations", format!("{:?}", self.current));
        let shared: BTreeMap<&String, BTreeMap<&String, &BTreeSet<String>>> = self
            .shared
            .iter()
            .map(|(party, ids)| (party, ids.iter().collect()))
            .collect();
        part("shared", format!("{shared:?}"));
        part("conflicts", format!("{:?}", self.conflicts));
        let open: BTreeMap<&String, &BTreeSet<String>> = self.open_conflicts.iter().collect();
        part("open_conflicts", format!("{open:?}"));
        part("messages", format!("{:?}", self.messages));
        part("agreements", format!("{:?}", self.agreements));
        part("alerts", format!("{:?}", self.alerts));
        part("alert_private", format!("{:?}", self.alert_private));
        part("retiring", format!("{:?}", self.done));
        part("lists", self.lists.digest_text());
        part("dss", self.dss.digest_text());
        part("notifications", format!("{:?}", self.notifications));
        let notified: BTreeMap<&String, &BTreeSet<String>> = self.notified.iter().collect();
        part("notified", format!("{notified:?}"));
        part("notifying", format!("{:?}", self.notifying));
        part(
            "incidents",
            format!("{:?} {:?}", self.incidents, self.reported),
        );
        part(
            "deconfliction",
            format!("{:?} {:?}", self.deconfliction, self.asking),
        );
        part("log", format!("{} {}", self.next_seq, self.last_time_ms));
        hash.finalize().into()
    }
}
