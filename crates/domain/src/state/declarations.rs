//! Declarations: each version (with its audience: who it is shared with), cancellation, the move through its
//! life (planned → active → ended), late notice against the agreements, what leaves memory when one is
//! closed, and the lookups that keep need-to-know: a declaration by its id as a party names it
//! ([`State::find`]), what a party was given of one ([`State::sees`]), and what advice may copy
//! ([`State::advising`]).

use std::collections::HashMap;

use deconflict_ledger::{Audience, EntryHeader};
use deconflict_plan::{advice_json, parse_declaration};
use deconflict_strategic::{
    advise_under, AdviceBounds, AdviceReach, ConflictIndex, Declaration, Minima, Policy, Separation,
};
use serde_json::{json, Value};

use super::{key, Checked, Current, DomainError, Done, Effect, Lifecycle, List, State};
use crate::event::{DeclarationState, StateChange};

/// What a party was given of a declaration (see [`State::sees`]).
#[derive(Debug)]
pub enum Sees<'a> {
    All,
    /// Only the volumes an open conflict showed it: those of `content` that are in `volumes`.
    Revealed {
        content: &'a Value,
        volumes: &'a [Value],
    },
}

impl Sees<'_> {
    /// Whether the party was given volume `j`.
    pub fn volume(&self, j: usize) -> bool {
        match self {
            Sees::All => true,
            Sees::Revealed { content, volumes } => content["volumes"]
                .get(j)
                .is_some_and(|v| volumes.contains(v)),
        }
    }
}

/// The positions of a declaration's footprints, all volumes together: a polygon's vertices, a corridor's or a
/// line's path points, and 1 for a circle (what the line's bounds on positions count).
pub fn positions(d: &Declaration) -> usize {
    d.volumes
        .iter()
        .map(|v| match v.footprint.footprint() {
            deconflict_space::Footprint::Polygon(p) => p.len(),
            deconflict_space::Footprint::Circle { .. } => 1,
            deconflict_space::Footprint::Corridor { path, .. } => path.len(),
        })
        .sum()
}

/// What one party holds live on the line (its declarations neither ended nor cancelled): how many, and their
/// [`positions`] together. The line bounds both per party.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Held {
    pub declarations: usize,
    pub positions: usize,
}

/// What advice needs, copied from the state ([`State::advising`]): advice is computed on it apart from the
/// state, so that a long computation never stalls another party's reads or writes.
#[derive(Debug)]
pub struct Advising {
    pub index: ConflictIndex,
    pub minima: HashMap<String, Minima>,
    pub widest: Separation,
    /// How many declarations were looked at to make this copy: those the party was given, whatever else
    /// lies near (`crate::state::tests` holds it to that).
    pub examined: usize,
}

impl Advising {
    /// The minima between the advised party and each other party, as copied.
    pub fn policy(&self) -> Policy<'_> {
        Policy {
            widest: self.widest,
            minima_with: Box::new(|other| self.minima.get(other).copied()),
        }
    }

    /// The least delay, climb or descent that clears every conflict of `d` with what was copied.
    pub fn advise(&self, d: &Declaration) -> Value {
        advice_json(&advise_under(
            &self.index,
            d,
            &AdviceBounds::default(),
            &self.policy(),
        ))
    }

    /// How many of what was copied `d` conflicts with.
    pub fn conflicts(&self, d: &Declaration) -> usize {
        self.index.conflicts_of_under(d, &self.policy()).len()
    }
}

impl State {
    /// The positions of the declaration `k` if it is live (neither ended nor cancelled).
    fn live_positions(&self, k: &str) -> Option<usize> {
        self.current
            .get(k)
            .filter(|c| !c.state.closed())
            .map(|c| positions(&c.declaration))
    }

    /// Moves `party`'s holding from what the declaration `k` held before a change (`before`, as
    /// [`State::live_positions`] read it then) to what it holds now.
    fn rehold(&mut self, party: &str, k: &str, before: Option<usize>) {
        let after = self.live_positions(k);
        if before == after {
            return;
        }
        let held = self.held.entry(party.to_string()).or_default();
        if let Some(n) = before {
            held.declarations = held.declarations.saturating_sub(1);
            held.positions = held.positions.saturating_sub(n);
        }
        if let Some(n) = after {
            held.declarations += 1;
            held.positions += n;
        }
        if *held == Held::default() {
            self.held.remove(party);
        }
    }

    /// What `party` holds live now.
    pub fn holding(&self, party: &str) -> Held {
        self.held.get(party).copied().unwrap_or_default()
    }

    /// What `party` would hold live once `d` (a new declaration, or a new version of one) is written.
    pub fn holding_with(&self, party: &str, d: &Declaration) -> Held {
        let mut held = self.holding(party);
        if let Some(n) = self.live_positions(&key(party, &d.id)) {
            held.declarations = held.declarations.saturating_sub(1);
            held.positions = held.positions.saturating_sub(n);
        }
        Held {
            declarations: held.declarations + 1,
            positions: held.positions + positions(d),
        }
    }

    pub(super) fn check_version(
        header: &EntryHeader,
        v: Value,
        prepared: Option<Declaration>,
    ) -> Result<Checked, String> {
        let declaration = match prepared {
            Some(d)
                if v["id"].as_str() == Some(d.id.as_str())
                    && v["version"].as_u64() == Some(d.version) =>
            {
                d
            }
            _ => parse_declaration(&v, &format!("entry {}", header.seq))
                .map_err(|e| e.to_string())?,
        };
        Ok(Checked::Version {
            declaration: Box::new(declaration),
            content: v,
        })
    }

    pub(super) fn check_state_change(
        &self,
        header: &EntryHeader,
        c: DeclarationState,
    ) -> Result<Checked, String> {
        // Only a declaration's own party moves it, or the line itself when a window begins or ends (its entry
        // names the party); the version named must be its latest.
        let by_line = header.actor == super::LINE_ACTOR;
        let party = match (&c.party, by_line) {
            (Some(p), true) => p.clone(),
            (None, true) => return Err("party: the line's own state change names the party".into()),
            (Some(p), false) if *p != header.actor => {
                return Err(format!(
                    "party: {} cannot move {p}'s declaration",
                    header.actor
                ))
            }
            _ => header.actor.clone(),
        };
        match self.current.get(&key(&party, &c.id)) {
            Some(d) if c.version.is_none_or(|v| v == d.declaration.version) => {
                // The line moves only what may move: planned to active, planned or active to ended.
                let allowed = match c.state {
                    StateChange::Active => d.state == Lifecycle::Planned,
                    StateChange::Ended => !d.state.closed(),
                };
                if by_line && !allowed {
                    return Err(format!(
                        "{party}'s {:?} is {}; the line cannot make it {:?}",
                        c.id,
                        d.state.name(),
                        c.state
                    ));
                }
            }
            _ => {
                return Err(format!(
                    "{party} has no declaration {:?} (at version {:?})",
                    c.id, c.version
                ))
            }
        }
        Ok(Checked::State {
            party,
            id: c.id,
            state: c.state,
        })
    }

    pub(super) fn apply_version(
        &mut self,
        header: &EntryHeader,
        declaration: Declaration,
        content: Value,
        effects: &mut Vec<Effect>,
    ) {
        let audience = match &header.audience {
            Audience::Everyone => self.parties.keys().cloned().collect(),
            other => other.parties().unwrap_or_default(),
        };
        // `replace` fails only for a duplicate id (it removes the old one first) or more than 2^32 volumes
        // (the request bounds stop that long before).
        if let Err(e) = self.index.replace(declaration.clone()) {
            effects.push(Effect::Anomaly(format!(
                "applying entry {}: {e}",
                header.seq
            )));
        }
        if declaration.kind.is_area_of_protection() {
            effects.push(Effect::Protected(Box::new(declaration.clone())));
        } else {
            effects.push(Effect::Unprotected {
                party: declaration.party.clone(),
                id: declaration.id.clone(),
            });
        }
        let late = self.late_notice(&declaration, header.time_ms);
        let k = key(&declaration.party, &declaration.id);
        let held_before = self.live_positions(&k);
        self.unindex_lifecycle(&k);
        let party = declaration.party.clone();
        let state = match self.current.get(&k) {
            Some(c) if c.state == Lifecycle::Active => Lifecycle::Active,
            _ => Lifecycle::Planned,
        };
        // Who it is shared with: the parties dropped from its audience by this version lose it, those in it
        // have it.
        let before = self.current.get(&k).map(|c| c.audience.clone());
        for gone in before
            .iter()
            .flatten()
            .filter(|p| !audience.contains(*p) && **p != declaration.party)
        {
            if let Some(ids) = self.shared.get_mut(gone) {
                if let Some(of) = ids.get_mut(&declaration.id) {
                    of.remove(&declaration.party);
                    if of.is_empty() {
                        ids.remove(&declaration.id);
                    }
                }
            }
            self.lists.remove(List::Declarations, gone, &k);
        }
        for member in audience.iter().filter(|p| **p != declaration.party) {
            self.shared
                .entry(member.clone())
                .or_default()
                .entry(declaration.id.clone())
                .or_default()
                .insert(declaration.party.clone());
            self.lists.add(List::Declarations, member, &k);
        }
        // Its own party lists it whatever its audience says.
        self.lists.add(List::Declarations, &declaration.party, &k);
        self.supersede_notifications(header, &k, declaration.version);
        self.current.insert(
            k.clone(),
            Current {
                declaration,
                content,
                audience,
                state,
                seq: header.seq,
                late,
            },
        );
        self.index_lifecycle(&k);
        self.rehold(&party, &k, held_before);
    }

    /// Takes the declaration `k` out of the index of when the line next moves it (before it changes).
    fn unindex_lifecycle(&mut self, k: &str) {
        if let Some(t) = self.current.get(k).and_then(Current::next_move) {
            self.lifecycle_due.remove(&(t, k.to_string()));
        }
    }

    /// Puts the declaration `k` in the index of when the line next moves it (after it changed).
    fn index_lifecycle(&mut self, k: &str) {
        if let Some(t) = self.current.get(k).and_then(Current::next_move) {
            self.lifecycle_due.insert((t, k.to_string()));
        }
    }

    pub(super) fn apply_cancel(
        &mut self,
        header: &EntryHeader,
        id: &str,
        effects: &mut Vec<Effect>,
    ) {
        let party = &header.actor;
        self.index.remove(party, id);
        effects.push(Effect::Unprotected {
            party: party.clone(),
            id: id.to_string(),
        });
        let k = key(party, id);
        let held_before = self.live_positions(&k);
        self.supersede_notifications(header, &k, u64::MAX);
        self.unindex_lifecycle(&k);
        if let Some(c) = self.current.get_mut(&k) {
            c.state = Lifecycle::Cancelled;
            c.seq = header.seq;
            self.done
                .push_back((header.time_ms, Done::Declaration(k.clone())));
        }
        self.rehold(party, &k, held_before);
    }

    pub(super) fn apply_state(
        &mut self,
        header: &EntryHeader,
        party: &str,
        id: &str,
        state: StateChange,
        effects: &mut Vec<Effect>,
    ) {
        let k = key(party, id);
        let held_before = self.live_positions(&k);
        self.unindex_lifecycle(&k);
        if let Some(c) = self.current.get_mut(&k) {
            match state {
                StateChange::Active => c.state = Lifecycle::Active,
                StateChange::Ended => {
                    c.state = Lifecycle::Ended;
                    self.index.remove(party, id);
                    effects.push(Effect::Unprotected {
                        party: party.to_string(),
                        id: id.to_string(),
                    });
                    self.done
                        .push_back((header.time_ms, Done::Declaration(key(party, id))));
                }
            }
        }
        self.index_lifecycle(&k);
        self.rehold(party, &k, held_before);
    }

    /// A closed declaration leaves memory but for its tombstone (party, id, version, state).
    pub(super) fn retire_declaration(&mut self, k: &str) -> bool {
        match self.current.get_mut(k) {
            Some(c) if c.state.closed() && !c.content.is_null() => {
                self.pins.remove(k);
                c.content = Value::Null;
                c.declaration.volumes = Vec::new();
                c.late = None;
                true
            }
            _ => false,
        }
    }

    /// Late notice of a version written at `time_ms`: its earliest start comes sooner than the longest notice
    /// any of its party's agreements asks for its kind.
    pub fn late_notice(&self, d: &Declaration, time_ms: i64) -> Option<Value> {
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

    /// The declaration `id` as `party` names it: of `owner` if one is named, else its own, else the one
    /// declaration of that id another party shared with it. `NotFound` whenever it was given none (whether or
    /// not one exists); `Exists` when several parties shared one of that id with it and none is named.
    pub fn find(
        &self,
        party: &str,
        id: &str,
        owner: Option<&str>,
    ) -> Result<&Current, DomainError> {
        let not_found = || DomainError::NotFound(id.to_string());
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
            (Some(a), Some(b)) => Err(DomainError::Exists(format!(
                "declarations {id:?} of several parties are shared with you ({}, {}, …); name the party \
                 with ?party=",
                a.declaration.party, b.declaration.party
            ))),
        }
    }

    /// What `party` was given of the declaration `o` in the index: all of it if it is its own or shared with
    /// it; of any other, only the volumes `revealed` ([`State::revealed`]) holds, in the version its conflict
    /// names; `None` when nothing. One lookup, whatever the declaration's size.
    pub fn sees<'b>(
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
        if super::need_to_know::declaration(c, party) {
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

    /// What advice on `d`, `party`'s declaration, needs, copied so that the advice itself is computed apart
    /// from the state ([`Advising::advise`]): the declarations near `d` that `party` was given
    /// ([`State::sees`]), each with only its given volumes, and the minima between `party` and their parties.
    /// Advice must not reveal, by its value or by its cost, the extent of declarations `party` was never
    /// shown; it may lead into one of those, and that conflict is found and notified when the declaration is
    /// written. Anomalies (an index refusing a copy) are returned to be logged.
    ///
    /// What is examined is gathered from what `party` was given, never from the line's index, which holds
    /// everyone's: the declarations in its own list ([`super::List::Declarations`]: those shared with it; its
    /// own never conflict with it) and those the open conflicts of `d` revealed to it ([`State::revealed`]).
    /// Each is looked up by its key and kept if a volume it was given lies within the reach of advice
    /// ([`AdviceReach`]: the test the index's search makes), so the work, like the answer, depends only on
    /// what `party` may see ([`Advising::examined`]).
    pub fn advising(&self, d: &Declaration, party: &str) -> (Advising, Vec<String>) {
        let widest = self.policy(party).widest;
        let revealed = self.revealed(party, Some(&d.id));
        let reach = AdviceReach::new(d, &AdviceBounds::default(), widest);
        let mut index = ConflictIndex::new(Minima::default());
        let mut minima = HashMap::new();
        let mut anomalies = Vec::new();
        let mut examined = 0;
        let own = |k: &str| k.split_once('/').is_some_and(|(of, _)| of == party);
        // Given whole: what was shared with it. Then what the conflicts of `d` showed of the others, in the
        // version each conflict names, unless given whole already.
        let given = self
            .listable(List::Declarations, party, None)
            .filter(|k| !own(k))
            .map(|k| (k.as_str(), None));
        let shown = revealed
            .keys()
            .filter(|k| {
                !own(k)
                    && self
                        .current
                        .get(*k)
                        .is_some_and(|c| !super::need_to_know::declaration(c, party))
            })
            .map(|k| (k.as_str(), Some(k)));
        for (k, shown) in given.chain(shown) {
            examined += 1;
            // In force: in the index, by its key (a lookup, not a search).
            let Some(o) = k
                .split_once('/')
                .and_then(|(of, id)| self.index.get(of, id))
            else {
                continue;
            };
            let sees = match shown {
                None => Sees::All,
                Some(k) => match (revealed.get(k), self.current.get(k)) {
                    (Some((version, volumes)), Some(c)) if *version == o.version => {
                        Sees::Revealed {
                            content: &c.content,
                            volumes,
                        }
                    }
                    _ => continue,
                },
            };
            let seen = || {
                o.volumes
                    .iter()
                    .enumerate()
                    .filter(|(j, _)| sees.volume(*j))
                    .map(|(_, v)| v)
            };
            // Nothing is copied of a declaration out of reach.
            if !seen().any(|v| reach.meets(v)) {
                continue;
            }
            let volumes: Vec<_> = seen().cloned().collect();
            if let Some(t) = self.agreements.between(party, &o.party) {
                minima.insert(o.party.clone(), t.minima);
            }
            let copy = Declaration {
                volumes,
                ..o.clone()
            };
            if let Err(e) = index.insert(copy) {
                anomalies.push(format!("advice: {e}"));
            }
        }
        (
            Advising {
                index,
                minima,
                widest,
                examined,
            },
            anomalies,
        )
    }
}
