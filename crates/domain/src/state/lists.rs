//! What each party may list, kept per party: for every list of the API (declarations, conflicts, agreements,
//! inbox and outbox, alerts, credentials) the ordered keys of the records that party may read. A page walks
//! only the caller's own index from its cursor, never the line's whole map, so neither what a page costs nor
//! where a cursor lands depends on records the caller was not given (DESIGN §3: no time may tell how many
//! declarations another party has, or how its ids spread).
//!
//! Apply keeps them, entry by entry, with the records they index (so replay rebuilds them); they hold exactly
//! what the need-to-know functions admit (`crate::state::tests` holds them to a recomputation from those).

use std::collections::{BTreeSet, HashMap};
use std::ops::Bound;

use super::State;

/// A list of the API, as kept per party.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum List {
    /// Its own declarations and those shared with it, by `party/id`.
    Declarations,
    /// The conflicts it is one of the two parties of, by id.
    Conflicts,
    /// The agreements it takes part in, by `proposer/id`.
    Agreements,
    /// The messages it is a recipient of, by id.
    Inbox,
    /// The messages it sent, by id.
    Outbox,
    /// The alerts it is one of the two parties of, by id.
    Alerts,
    /// Its own credentials, by id.
    Credentials,
    /// The notifications it sent (its outbox) or received (its inbox), by id.
    Notifications,
    /// The incidents it reported, by id.
    Incidents,
    /// The deconfliction requests it asked or was asked, by id.
    Deconfliction,
}

/// Per list, per party, the ordered keys that party may list.
#[derive(Debug, Default)]
pub struct Lists {
    declarations: HashMap<String, BTreeSet<String>>,
    conflicts: HashMap<String, BTreeSet<String>>,
    agreements: HashMap<String, BTreeSet<String>>,
    inbox: HashMap<String, BTreeSet<String>>,
    outbox: HashMap<String, BTreeSet<String>>,
    alerts: HashMap<String, BTreeSet<String>>,
    credentials: HashMap<String, BTreeSet<String>>,
    notifications: HashMap<String, BTreeSet<String>>,
    incidents: HashMap<String, BTreeSet<String>>,
    deconfliction: HashMap<String, BTreeSet<String>>,
}

impl Lists {
    fn map(&self, list: List) -> &HashMap<String, BTreeSet<String>> {
        match list {
            List::Declarations => &self.declarations,
            List::Conflicts => &self.conflicts,
            List::Agreements => &self.agreements,
            List::Inbox => &self.inbox,
            List::Outbox => &self.outbox,
            List::Alerts => &self.alerts,
            List::Credentials => &self.credentials,
            List::Notifications => &self.notifications,
            List::Incidents => &self.incidents,
            List::Deconfliction => &self.deconfliction,
        }
    }

    fn map_mut(&mut self, list: List) -> &mut HashMap<String, BTreeSet<String>> {
        match list {
            List::Declarations => &mut self.declarations,
            List::Conflicts => &mut self.conflicts,
            List::Agreements => &mut self.agreements,
            List::Inbox => &mut self.inbox,
            List::Outbox => &mut self.outbox,
            List::Alerts => &mut self.alerts,
            List::Credentials => &mut self.credentials,
            List::Notifications => &mut self.notifications,
            List::Incidents => &mut self.incidents,
            List::Deconfliction => &mut self.deconfliction,
        }
    }

    /// `party` may now list `key` in `list`.
    pub(super) fn add(&mut self, list: List, party: &str, key: &str) {
        let map = self.map_mut(list);
        match map.get_mut(party) {
            Some(keys) => {
                keys.insert(key.to_string());
            }
            None => {
                map.insert(party.to_string(), BTreeSet::from([key.to_string()]));
            }
        }
    }

    /// `party` no longer lists `key` in `list`.
    pub(super) fn remove(&mut self, list: List, party: &str, key: &str) {
        let map = self.map_mut(list);
        if let Some(keys) = map.get_mut(party) {
            keys.remove(key);
            if keys.is_empty() {
                map.remove(party);
            }
        }
    }

    /// The keys `party` may list in `list`, in order, after `after` (excluded) when given.
    pub fn of<'a>(
        &'a self,
        list: List,
        party: &str,
        after: Option<&'a str>,
    ) -> impl Iterator<Item = &'a String> + 'a {
        let from = match after {
            Some(k) => Bound::Excluded(k),
            None => Bound::Unbounded,
        };
        self.map(list)
            .get(party)
            .into_iter()
            .flat_map(move |keys| keys.range::<str, _>((from, Bound::Unbounded)))
    }

    /// Every list rendered in a fixed order (for [`State::digest`]).
    pub(super) fn digest_text(&self) -> String {
        let sorted = |m: &HashMap<String, BTreeSet<String>>| {
            m.iter()
                .collect::<std::collections::BTreeMap<_, _>>()
                .into_iter()
                .map(|(p, keys)| format!("{p:?}:{keys:?}"))
                .collect::<Vec<_>>()
                .join(",")
        };
        [
            List::Declarations,
            List::Conflicts,
            List::Agreements,
            List::Inbox,
            List::Outbox,
            List::Alerts,
            List::Credentials,
            List::Notifications,
            List::Incidents,
            List::Deconfliction,
        ]
        .into_iter()
        .map(|l| format!("{l:?}[{}]", sorted(self.map(l))))
        .collect::<Vec<_>>()
        .join(";")
    }
}

impl State {
    /// The keys of `list` that `party` may read, in order, after the cursor `after` when given: a walk of the
    /// party's own index only (see the module's documentation).
    pub fn listable<'a>(
        &'a self,
        list: List,
        party: &str,
        after: Option<&'a str>,
    ) -> impl Iterator<Item = &'a String> + 'a {
        self.lists.of(list, party, after)
    }
}
