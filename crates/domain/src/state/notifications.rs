//! Humanitarian notifications in the state (the rules are in [`crate::notification`]): each one sent, its
//! acknowledgement, escalations, re-confirmations, lapse, expiry and supersession; incidents reported at a
//! notified site; deconfliction requests and their answers. Check, apply and the deciders are here, with the
//! incident's history as its reporter may read it.

use std::collections::BTreeSet;
use std::sync::Arc;

use deconflict_ledger::EntryHeader;
use deconflict_space::units::format_time;
use serde_json::{json, Value};

use super::decide::{Decided, Told};
use super::{key, need_to_know, Checked, DomainError, Done, List, State, LINE_ACTOR};
use crate::event::{
    DeconflictionAnswered, DeconflictionRequested, IncidentReported, NotificationSent,
    NotificationStep,
};
use crate::hotline::LEVELS;
use crate::kinds::*;
use crate::notification::*;

fn invalid(field: impl Into<String>, detail: impl Into<String>) -> DomainError {
    DomainError::Invalid {
        field: field.into(),
        detail: detail.into(),
    }
}

/// A party's reading of one site's notification history (see `State::site_readers`).
#[derive(Debug, Clone, Default)]
pub struct SiteReading {
    /// The notifications of the site the party sent or received, in the log's order.
    pub notifications: Vec<String>,
    /// How many entries of the site's history the party may read, at most: an entry that moved several
    /// notifications may be counted for each.
    pub entries: usize,
}

/// A notification's change, read from its entry.
#[derive(Debug)]
pub enum NotificationChange {
    Sent(Box<Notification>),
    /// Acknowledged, re-confirmed, lapsed or expired (the entry's kind says which), or escalated to a level.
    Step {
        id: String,
        level: Option<String>,
    },
    Incident {
        id: String,
        incident: Incident,
    },
    Requested(Box<DeconflictionRequest>),
    Answered {
        id: String,
        a: DeconflictionAnswered,
    },
}

/// What a notify command asks (read from its body by the server).
#[derive(Debug, Clone)]
pub struct NotifyCommand {
    pub declarations: Vec<String>,
    pub to: Vec<String>,
    pub note: String,
    /// A shorter re-confirmation period than the agreements set (the notifier commits to more).
    pub reconfirm_s: Option<i64>,
}

impl State {
    pub(super) fn check_notification(
        &self,
        header: &EntryHeader,
        n: NotificationSent,
    ) -> Result<Checked, String> {
        if n.from != header.actor || n.to == n.from {
            return Err("from: a notification is sent by its notifier to another party".into());
        }
        if self.notifications.contains_key(&n.id) {
            return Err(format!("id: {:?} is taken", n.id));
        }
        if n.declarations.is_empty() {
            return Err("declarations: a notification names at least one".into());
        }
        let mut declarations = Vec::new();
        for (i, d) in n.declarations.into_iter().enumerate() {
            // Pinned as it is now: the notifier's own, at its latest version, with that content.
            match self.current.get(&key(&n.from, &d.id)) {
                Some(c)
                    if c.declaration.version == d.version
                        && c.content == d.declaration
                        && c.declaration.kind.name() == d.kind => {}
                _ => {
                    return Err(format!(
                        "declarations[{i}]: {} has no declaration {:?} at version {} as pinned",
                        n.from, d.id, d.version
                    ))
                }
            }
            declarations.push(Pinned {
                id: d.id,
                version: d.version,
                kind: d.kind,
                content: Some(Arc::new(d.declaration)),
            });
        }
        let sent = Step {
            at_ms: header.time_ms,
            seq: header.seq,
        };
        Ok(Checked::Notification(NotificationChange::Sent(Box::new(
            Notification {
                id: n.id,
                from: n.from,
                to: n.to,
                declarations,
                note: n.note,
                sent,
                deadline_ms: n.deadline_ms,
                reconfirm_ms: n.reconfirm_ms,
                reconfirm_by_ms: n.reconfirm_ms.map(|p| header.time_ms.saturating_add(p)),
                expires_ms: n.expires_ms,
                acknowledged: None,
                escalations: Vec::new(),
                reconfirmations: Vec::new(),
                ended: None,
                superseded: None,
                retired: false,
            },
        ))))
    }

    pub(super) fn check_notification_step(
        &self,
        header: &EntryHeader,
        s: NotificationStep,
    ) -> Result<Checked, String> {
        let n = self
            .notifications
            .get(&s.id)
            .ok_or_else(|| format!("id: no notification {:?}", s.id))?;
        let who = match header.kind.as_str() {
            NOTIFICATION_ACKNOWLEDGED => n.to.as_str(),
            NOTIFICATION_RECONFIRMED => n.from.as_str(),
            _ => LINE_ACTOR,
        };
        if header.actor != who {
            return Err(format!(
                "actor: {} cannot do this to {:?}",
                header.actor, s.id
            ));
        }
        if !n.open() {
            return Err(format!("{:?} is {}", s.id, n.status()));
        }
        if header.kind == NOTIFICATION_RECONFIRMED && n.reconfirm_ms.is_none() {
            return Err(format!(
                "{:?} notifies a movement: nothing to re-confirm",
                s.id
            ));
        }
        if let Some(l) = &s.level {
            if super::level_of(l).is_none() {
                return Err(format!("level: {l:?} is not one of {}", LEVELS.join(", ")));
            }
        }
        Ok(Checked::Notification(NotificationChange::Step {
            id: s.id,
            level: s.level,
        }))
    }

    pub(super) fn check_incident(
        &self,
        header: &EntryHeader,
        i: IncidentReported,
    ) -> Result<Checked, String> {
        let site = key(&i.party, &i.site);
        if self.incidents.contains_key(&i.id) {
            return Err(format!("id: {:?} is taken", i.id));
        }
        if !self.may_report(&header.actor, &site) {
            return Err(format!("{} may not report at {:?}", header.actor, i.site));
        }
        Ok(Checked::Notification(NotificationChange::Incident {
            id: i.id,
            incident: Incident {
                reporter: header.actor.clone(),
                site,
                seq: header.seq,
            },
        }))
    }

    pub(super) fn check_request(
        &self,
        header: &EntryHeader,
        r: DeconflictionRequested,
        content: Value,
    ) -> Result<Checked, String> {
        if r.from != header.actor || r.to == r.from {
            return Err("from: a request is asked by its sender of another party".into());
        }
        if self.deconfliction.contains_key(&r.id) {
            return Err(format!("id: {:?} is taken", r.id));
        }
        Ok(Checked::Notification(NotificationChange::Requested(
            Box::new(DeconflictionRequest {
                content,
                from: r.from,
                to: r.to,
                asked: Step {
                    at_ms: header.time_ms,
                    seq: header.seq,
                },
                deadline_ms: r.deadline_ms,
                answer: None,
            }),
        )))
    }

    pub(super) fn check_answer(
        &self,
        header: &EntryHeader,
        a: DeconflictionAnswered,
    ) -> Result<Checked, String> {
        match self.deconfliction.get(&a.id) {
            Some(r) if r.to == header.actor && r.answer.is_none() => {}
            _ => {
                return Err(format!(
                    "id: {} has no open request {:?}",
                    header.actor, a.id
                ))
            }
        }
        Ok(Checked::Notification(NotificationChange::Answered {
            id: a.id.clone(),
            a,
        }))
    }

    pub(super) fn apply_notification(&mut self, header: &EntryHeader, change: NotificationChange) {
        let step = Step {
            at_ms: header.time_ms,
            seq: header.seq,
        };
        match change {
            NotificationChange::Sent(mut n) => {
                self.lists.add(List::Notifications, &n.from, &n.id);
                self.lists.add(List::Notifications, &n.to, &n.id);
                for d in &mut n.declarations {
                    let k = key(&n.from, &d.id);
                    // One copy of each version's content, whoever it was notified to.
                    match (self.pins.get(&k), &d.content) {
                        (Some((v, shared)), Some(c)) if *v == d.version && shared == c => {
                            d.content = Some(shared.clone());
                        }
                        (_, Some(c)) => {
                            self.pins.insert(k.clone(), (d.version, c.clone()));
                        }
                        _ => {}
                    }
                    self.notified_to
                        .entry(n.to.clone())
                        .or_default()
                        .entry(d.id.clone())
                        .or_default()
                        .insert(n.from.clone());
                    let readers = self.site_readers.entry(k.clone()).or_default();
                    for p in [&n.from, &n.to] {
                        let reading = readers.entry(p.clone()).or_default();
                        reading.notifications.push(n.id.clone());
                        reading.entries += 1;
                    }
                    self.notified.entry(k).or_default().insert(n.id.clone());
                }
                *self.notifying.entry(n.from.clone()).or_default() += 1;
                *self.sent_by.entry(n.from.clone()).or_default() += 1;
                let id = n.id.clone();
                self.notifications.insert(id.clone(), *n);
                self.index_notification(&id);
            }
            NotificationChange::Step { id, level } => {
                self.unindex_notification(&id);
                let Some(n) = self.notifications.get_mut(&id) else {
                    return;
                };
                let was_open = n.open();
                match header.kind.as_str() {
                    NOTIFICATION_ACKNOWLEDGED => {
                        n.acknowledged.get_or_insert(step);
                    }
                    NOTIFICATION_RECONFIRMED => {
                        n.reconfirmations.push(step);
                        n.reconfirm_by_ms = n.reconfirm_ms.map(|p| step.at_ms.saturating_add(p));
                    }
                    NOTIFICATION_LAPSED => n.ended = Some((Ended::Lapsed, step)),
                    NOTIFICATION_EXPIRED => n.ended = Some((Ended::Expired, step)),
                    _ => n.escalations.push((level.unwrap_or_default(), step)),
                }
                // Every step is told to both and is in the history of each site it pins.
                for d in &n.declarations {
                    let readers = self.site_readers.entry(key(&n.from, &d.id)).or_default();
                    for p in [&n.from, &n.to] {
                        readers.entry(p.clone()).or_default().entries += 1;
                    }
                }
                let closed = was_open && !n.open();
                let from = n.from.clone();
                self.index_notification(&id);
                if closed {
                    self.closed_notification(&from, &id, header.time_ms);
                }
            }
            NotificationChange::Incident { id, incident } => {
                self.lists.add(List::Incidents, &incident.reporter, &id);
                *self.reported.entry(incident.reporter.clone()).or_default() += 1;
                self.incidents.insert(id, incident);
            }
            NotificationChange::Requested(r) => {
                let id = r.content["id"].as_str().unwrap_or_default().to_string();
                self.lists.add(List::Deconfliction, &r.from, &id);
                self.lists.add(List::Deconfliction, &r.to, &id);
                *self.asking.entry(r.from.clone()).or_default() += 1;
                self.deconfliction.insert(id, *r);
            }
            NotificationChange::Answered { id, a } => {
                if let Some(r) = self.deconfliction.get_mut(&id) {
                    r.answer = Some((a.protected, a.site, a.text, step));
                    self.done
                        .push_back((header.time_ms, Done::Request(id.clone())));
                    let from = r.from.clone();
                    if let Some(n) = self.asking.get_mut(&from) {
                        *n = n.saturating_sub(1);
                        if *n == 0 {
                            self.asking.remove(&from);
                        }
                    }
                }
            }
        }
    }

    /// Takes the notification `id` out of the index of when the line next has something to log for it
    /// (before it changes).
    fn unindex_notification(&mut self, id: &str) {
        if let Some(t) = self.notifications.get(id).and_then(Notification::next_due) {
            self.notifications_due.remove(&(t, id.to_string()));
        }
    }

    /// Puts the notification `id` in that index (after it changed; nothing once it is closed).
    fn index_notification(&mut self, id: &str) {
        if let Some(t) = self.notifications.get(id).and_then(Notification::next_due) {
            self.notifications_due.insert((t, id.to_string()));
        }
    }

    /// A notifier's notification `id` closed at `at_ms`: it holds one fewer open, pins nothing any more (a
    /// new version of what it pinned has nothing to supersede), and may leave memory after the retention
    /// period.
    fn closed_notification(&mut self, from: &str, id: &str, at_ms: i64) {
        let keys: Vec<String> = self
            .notifications
            .get(id)
            .into_iter()
            .flat_map(|n| n.declarations.iter().map(|d| key(&n.from, &d.id)))
            .collect();
        for k in keys {
            if let Some(ids) = self.notified.get_mut(&k) {
                ids.remove(id);
                if ids.is_empty() {
                    self.notified.remove(&k);
                }
            }
        }
        if let Some(n) = self.notifying.get_mut(from) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                self.notifying.remove(from);
            }
        }
        self.done
            .push_back((at_ms, Done::Notification(id.to_string())));
    }

    /// A closed notification leaves memory but for the record of who was told what and when (its pinned
    /// declarations' ids, versions and kinds, and every step's time and entry): what an incident's history
    /// reads. Its contents and note stay in its entry. It leaves both parties' lists, as a closed message
    /// does; read by id it is still answered.
    pub(super) fn retire_notification(&mut self, id: &str) -> bool {
        let Some(n) = self.notifications.get_mut(id).filter(|n| !n.open()) else {
            return false;
        };
        for d in &mut n.declarations {
            d.content = None;
        }
        n.note = String::new();
        n.retired = true;
        let (from, to) = (n.from.clone(), n.to.clone());
        self.lists.remove(List::Notifications, &from, id);
        self.lists.remove(List::Notifications, &to, id);
        true
    }

    /// An answered deconfliction request leaves memory and both parties' lists (the log keeps it).
    pub(super) fn retire_request(&mut self, id: &str) -> bool {
        match self.deconfliction.get(id) {
            Some(r) if r.answer.is_some() => {
                let (from, to) = (r.from.clone(), r.to.clone());
                self.deconfliction.remove(id);
                self.lists.remove(List::Deconfliction, &from, id);
                self.lists.remove(List::Deconfliction, &to, id);
                true
            }
            _ => false,
        }
    }

    /// A new version, or the cancellation, of the declaration `k` (entry `header`): every open notification
    /// pinning an older version is superseded (the notifier must notify again).
    pub(super) fn supersede_notifications(&mut self, header: &EntryHeader, k: &str, version: u64) {
        // What was pinned of the older version stays only with the notifications that pin it.
        if self.pins.get(k).is_some_and(|(v, _)| *v < version) {
            self.pins.remove(k);
        }
        let ids: Vec<String> = self
            .notified
            .get(k)
            .into_iter()
            .flatten()
            .cloned()
            .collect();
        let id_of = k.split_once('/').map_or("", |(_, id)| id).to_string();
        let mut any = false;
        for id in ids {
            let older = self.notifications.get(&id).is_some_and(|n| {
                n.open()
                    && n.declarations
                        .iter()
                        .any(|d| d.id == id_of && d.version < version)
            });
            if !older {
                continue;
            }
            self.unindex_notification(&id);
            if let Some(n) = self.notifications.get_mut(&id) {
                n.superseded = Some(Step {
                    at_ms: header.time_ms,
                    seq: header.seq,
                });
                let from = n.from.clone();
                self.closed_notification(&from, &id, header.time_ms);
                any = true;
            }
        }
        // The superseding entry is the notifier's (its recipients are told when, not which entry): one more
        // in the notifier's reading of the site's history, however many notifications it superseded.
        if any {
            if let Some((of, _)) = k.split_once('/') {
                self.site_readers
                    .entry(k.to_string())
                    .or_default()
                    .entry(of.to_string())
                    .or_default()
                    .entries += 1;
            }
        }
    }

    /// Whether `party` may report an incident at the site `site` (a key): its own site, or one it was
    /// notified of.
    fn may_report(&self, party: &str, site: &str) -> bool {
        let Some((of, id)) = site.split_once('/') else {
            return false;
        };
        of == party && self.current.contains_key(site)
            || self
                .notified_to
                .get(party)
                .and_then(|sites| sites.get(id))
                .is_some_and(|notifiers| notifiers.contains(of))
    }

    /// How many entries the history of the site `site` (a key) may hold for `party`, at most: known before
    /// anything is built, so that a history past its bound is refused at no cost.
    pub fn site_history_size(&self, party: &str, site: &str) -> usize {
        self.site_readers
            .get(site)
            .and_then(|readers| readers.get(party))
            .map_or(0, |r| r.entries)
    }

    /// The notifications of the site `site` (a key) that `party` may read, in the log's order, copied (what
    /// they pin is shared, not copied): an incident's history is written from them outside the line's lock.
    pub fn site_notifications_owned(&self, party: &str, site: &str) -> Vec<Notification> {
        self.site_notifications(party, site).cloned().collect()
    }

    /// The notifications of a site (a key) that `party` may read (sent or received), in the log's order: from
    /// the party's own index, so that the work is the party's own history, not the site's.
    fn site_notifications<'a>(
        &'a self,
        party: &'a str,
        site: &str,
    ) -> impl Iterator<Item = &'a Notification> + 'a {
        self.site_readers
            .get(site)
            .and_then(|readers| readers.get(party))
            .into_iter()
            .flat_map(|r| r.notifications.iter())
            .filter_map(|id| self.notifications.get(id))
            .filter(move |n| need_to_know::notification(n, party))
    }

    /// Notifying: `party` notifies each of `cmd.to` of its declarations `cmd.declarations`, one notification
    /// per recipient (ids `n-<seq>`, from `next_seq` on). The declarations must be its own, live, and either
    /// sites (a site list) or one ground movement; each recipient must share an active agreement with it
    /// (the same answer as the hotline's for a party that does not, or is not registered). The deadline is
    /// the shortest its agreements with the recipient set; a site's re-confirmation period likewise, or the
    /// shorter one the notifier asks.
    pub fn decide_notify(
        &self,
        party: &str,
        cmd: &NotifyCommand,
        now_ms: i64,
    ) -> Result<Vec<Decided>, DomainError> {
        if cmd.declarations.is_empty() {
            return Err(invalid(
                "declarations",
                "name at least one of your declarations",
            ));
        }
        if cmd.declarations.len() > DECLARATIONS_PER_NOTIFICATION {
            return Err(DomainError::Limit {
                limit: "declarations_per_notification",
                detail: format!(
                    "declarations: {} named; at most {DECLARATIONS_PER_NOTIFICATION} per notification",
                    cmd.declarations.len()
                ),
            });
        }
        if cmd.to.is_empty() {
            return Err(invalid("to", "name at least one recipient"));
        }
        if cmd.to.len() > RECIPIENTS_PER_NOTIFICATION {
            return Err(DomainError::Limit {
                limit: "recipients_per_notification",
                detail: format!(
                    "to: {} recipients; at most {RECIPIENTS_PER_NOTIFICATION} per notification",
                    cmd.to.len()
                ),
            });
        }
        if cmd.note.len() > TEXT_BYTES {
            return Err(invalid("note", format!("longer than {TEXT_BYTES} bytes")));
        }
        super::decide::free_text("note", &cmd.note)?;
        let mut pinned = Vec::new();
        let mut seen = BTreeSet::new();
        let mut bytes = 0;
        for (i, id) in cmd.declarations.iter().enumerate() {
            let field = format!("declarations[{i}]");
            if !seen.insert(id.as_str()) {
                return Err(invalid(field, format!("{id:?} is named twice")));
            }
            let c = self
                .current
                .get(&key(party, id))
                .ok_or_else(|| invalid(&field, format!("you have no declaration {id:?}")))?;
            if c.state.closed() {
                return Err(invalid(field, format!("{id:?} is {}", c.state.name())));
            }
            let kind = c.declaration.kind.name();
            if kind != "site" && kind != "ground_movement" {
                return Err(invalid(
                    field,
                    format!("{id:?} is a {kind}; notify sites, or one ground movement"),
                ));
            }
            bytes += c.content.to_string().len();
            pinned.push(c);
        }
        let movement = pinned.iter().any(|c| c.declaration.kind.name() != "site");
        if movement && pinned.len() > 1 {
            return Err(invalid(
                "declarations",
                "a movement is notified alone; sites may be notified together",
            ));
        }
        if bytes > PINNED_BYTES {
            return Err(DomainError::Limit {
                limit: "pinned_bytes",
                detail: format!("declarations: {bytes} bytes together; at most {PINNED_BYTES}"),
            });
        }
        let mut to = BTreeSet::new();
        for (i, p) in cmd.to.iter().enumerate() {
            if p == party || self.agreements.between(party, p).is_none() {
                return Err(invalid(
                    format!("to[{i}]"),
                    format!(
                        "{p:?} is not a party you share an active agreement with; notifications run \
                         only under one"
                    ),
                ));
            }
            if !to.insert(p.clone()) {
                return Err(invalid(format!("to[{i}]"), format!("{p:?} is named twice")));
            }
        }
        let ever = self.sent_by.get(party).copied().unwrap_or(0);
        if ever + to.len() > NOTIFICATIONS_SENT_PER_PARTY {
            return Err(DomainError::Limit {
                limit: "notifications_sent_per_party",
                detail: format!(
                    "you sent {ever} notifications; at most {NOTIFICATIONS_SENT_PER_PARTY} over the line's life"
                ),
            });
        }
        let open = self.notifying.get(party).copied().unwrap_or(0);
        if open + to.len() > NOTIFICATIONS_PER_PARTY {
            return Err(DomainError::Limit {
                limit: "notifications_per_party",
                detail: format!(
                    "you hold {open} open notifications; at most {NOTIFICATIONS_PER_PARTY} (let some lapse \
                     or expire first)"
                ),
            });
        }
        let expires_ms = pinned
            .iter()
            .flat_map(|c| c.declaration.volumes.iter().map(|v| v.time.end_ms))
            .max()
            .unwrap_or(now_ms);
        if let Some(s) = cmd.reconfirm_s {
            if movement || s < crate::notification::MIN_RECONFIRM_S {
                return Err(invalid(
                    "reconfirm_s",
                    format!(
                        "a site list's shorter re-confirmation period, in whole seconds from {} (an hour)",
                        crate::notification::MIN_RECONFIRM_S
                    ),
                ));
            }
        }
        let declarations: Vec<Value> = pinned
            .iter()
            .map(|c| {
                json!({"id": c.declaration.id, "version": c.declaration.version,
                       "kind": c.declaration.kind.name(), "declaration": c.content})
            })
            .collect();
        Ok(to
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let terms = self.agreements.between(party, p);
                let ack = terms.map_or(crate::agreement::NOTIFICATION_ACK_S * 1000, |t| {
                    t.notification_ack_ms
                });
                let mut reconfirm = terms
                    .map_or(crate::agreement::RECONFIRM_DAYS * 86_400_000, |t| {
                        t.reconfirm_ms
                    });
                if let Some(s) = cmd.reconfirm_s {
                    reconfirm = reconfirm.min(s.saturating_mul(1000));
                }
                Decided {
                    kind: NOTIFICATION_SENT,
                    told: Told::Parties(BTreeSet::from([party.to_string(), p.clone()])),
                    content: json!({
                        "id": format!("n-{}", self.next_seq + i as u64),
                        "from": party, "to": p, "declarations": declarations, "note": cmd.note,
                        "deadline_ms": now_ms.saturating_add(ack),
                        "reconfirm_ms": (!movement).then_some(reconfirm),
                        "expires_ms": expires_ms,
                    }),
                }
            })
            .collect())
    }

    /// The notification `id` if `party` may read it (else `NotFound`, as if it did not exist).
    pub fn notification_for(&self, party: &str, id: &str) -> Result<&Notification, DomainError> {
        self.notifications
            .get(id)
            .filter(|n| need_to_know::notification(n, party))
            .ok_or_else(|| DomainError::NotFound(id.into()))
    }

    /// The recipient acknowledges (nothing when it already did); the notifier re-confirms a site's
    /// notification (`reconfirm`). Anyone else: `NotFound`.
    pub fn decide_notification_step(
        &self,
        party: &str,
        id: &str,
        reconfirm: bool,
    ) -> Result<Vec<Decided>, DomainError> {
        let n = self.notification_for(party, id)?;
        let (kind, who) = if reconfirm {
            (NOTIFICATION_RECONFIRMED, &n.from)
        } else {
            (NOTIFICATION_ACKNOWLEDGED, &n.to)
        };
        if who != party {
            return Err(DomainError::Forbidden(if reconfirm {
                format!("only its notifier, {}, re-confirms {id}", n.from)
            } else {
                format!("only its recipient, {}, acknowledges {id}", n.to)
            }));
        }
        if !n.open() {
            return Err(DomainError::Exists(format!(
                "{id} is {}; the notifier must notify again",
                n.status()
            )));
        }
        if !reconfirm && n.acknowledged.is_some() {
            return Ok(Vec::new());
        }
        if reconfirm && n.reconfirm_ms.is_none() {
            return Err(DomainError::Exists(format!(
                "{id} notifies a movement; it expires at the movement's end and is not re-confirmed"
            )));
        }
        Ok(vec![Decided {
            kind,
            told: Told::Parties(BTreeSet::from([n.from.clone(), n.to.clone()])),
            content: json!({"id": id}),
        }])
    }

    /// The line's own entries for notifications at `now_ms` (at most `most`): each one past its end expires,
    /// each site's not re-confirmed in time lapses, and each unacknowledged one past its deadline escalates to
    /// the recipient's next level, one level per further deadline period.
    pub fn decide_notifications_due(&self, now_ms: i64, most: usize) -> Vec<Decided> {
        let mut entries = Vec::new();
        // Only those due by now, through the index of their next due times: the loop's work does not grow
        // with the notifications the line holds.
        let due = self
            .notifications_due
            .iter()
            .take_while(|(t, _)| *t <= now_ms)
            .filter_map(|(_, id)| self.notifications.get(id))
            .filter(|n| n.open());
        for n in due {
            if entries.len() >= most {
                break;
            }
            let told = Told::Parties(BTreeSet::from([n.from.clone(), n.to.clone()]));
            let ended = if n.expires_ms <= now_ms {
                Some(NOTIFICATION_EXPIRED)
            } else if n.reconfirm_by_ms.is_some_and(|t| t <= now_ms) {
                Some(NOTIFICATION_LAPSED)
            } else {
                None
            };
            if let Some(kind) = ended {
                entries.push(Decided {
                    kind,
                    told,
                    content: json!({"id": n.id}),
                });
                continue;
            }
            let Some(level) = n.due_level(now_ms) else {
                continue;
            };
            for name in LEVELS.iter().take(level + 1).skip(n.escalations.len() + 1) {
                entries.push(Decided {
                    kind: NOTIFICATION_ESCALATED,
                    told: told.clone(),
                    content: json!({"id": n.id, "level": name}),
                });
            }
        }
        entries
    }

    /// The site `site` as `party` names it in an incident report: of `owner` if named, else its own, else the
    /// one site of that id it was notified of. `NotFound` when it may not report there.
    pub fn incident_site(
        &self,
        party: &str,
        site: &str,
        owner: Option<&str>,
    ) -> Result<String, DomainError> {
        let not_found = || DomainError::NotFound(site.to_string());
        if let Some(o) = owner {
            let k = key(o, site);
            return if self.may_report(party, &k) {
                Ok(k)
            } else {
                Err(not_found())
            };
        }
        let own = key(party, site);
        if self.may_report(party, &own) {
            return Ok(own);
        }
        // Whoever notified it of a site of that id, retired notifications included: its own index, never
        // anyone else's.
        let notifiers: BTreeSet<&str> = self
            .notified_to
            .get(party)
            .and_then(|sites| sites.get(site))
            .into_iter()
            .flatten()
            .map(String::as_str)
            .collect();
        match notifiers.len() {
            0 => Err(not_found()),
            1 => Ok(key(
                notifiers.iter().next().copied().unwrap_or_default(),
                site,
            )),
            _ => Err(DomainError::Exists(format!(
                "sites {site:?} of several notifiers were notified to you; name one with party"
            ))),
        }
    }

    /// An incident report: `party` reports at `site` (a key from [`State::incident_site`]). Told to the
    /// reporter and the site's party.
    pub fn decide_incident(
        &self,
        party: &str,
        site: &str,
        time_ms: i64,
        place: Value,
        description: &str,
    ) -> Result<Vec<Decided>, DomainError> {
        if self.reported.get(party).copied().unwrap_or(0) >= INCIDENTS_PER_PARTY {
            return Err(DomainError::Limit {
                limit: "incidents_per_party",
                detail: format!(
                    "you reported {INCIDENTS_PER_PARTY} incidents, the most one party may"
                ),
            });
        }
        let (owner, id) = site.split_once('/').unwrap_or(("", site));
        Ok(vec![Decided {
            kind: INCIDENT_REPORTED,
            told: Told::Parties(BTreeSet::from([party.to_string(), owner.to_string()])),
            content: json!({
                "id": format!("i-{}", self.next_seq), "party": owner, "site": id, "time_ms": time_ms,
                "place": place, "description": description,
            }),
        }])
    }

    /// A site's notification history as `party` may read it (the notifications of it it sent or received),
    /// with what was in force at `time_ms`: every item names its entry's sequence number, and the second
    /// value lists those numbers (the entries `party` may read).
    pub fn incident_history(&self, party: &str, site: &str, time_ms: i64) -> (Value, Vec<u64>) {
        history_of_site(self.site_notifications(party, site), party, site, time_ms)
    }

    /// A deconfliction request from `party` to the notifier `to`: is `location` (a point or a circle) protected
    /// over `[start_ms, end_ms)`? Its deadline is the notification deadline their agreements set.
    #[allow(clippy::too_many_arguments)]
    pub fn decide_request(
        &self,
        party: &str,
        to: &str,
        location: Value,
        start_ms: i64,
        end_ms: i64,
        text: &str,
        now_ms: i64,
    ) -> Result<Vec<Decided>, DomainError> {
        let Some(terms) = self.agreements.between(party, to).filter(|_| to != party) else {
            return Err(invalid(
                "to",
                format!("{to:?} is not a party you share an active agreement with; requests run only under one"),
            ));
        };
        if self.asking.get(party).copied().unwrap_or(0) >= REQUESTS_PER_PARTY {
            return Err(DomainError::Limit {
                limit: "requests_per_party",
                detail: format!(
                    "you have {REQUESTS_PER_PARTY} unanswered requests, the most one party may"
                ),
            });
        }
        Ok(vec![Decided {
            kind: DECONFLICTION_REQUESTED,
            told: Told::Parties(BTreeSet::from([party.to_string(), to.to_string()])),
            content: json!({
                "id": format!("r-{}", self.next_seq), "from": party, "to": to, "location": location,
                "start_ms": start_ms, "end_ms": end_ms, "text": text,
                "deadline_ms": now_ms.saturating_add(terms.notification_ack_ms),
            }),
        }])
    }

    /// The deconfliction request `id` if `party` may read it.
    pub fn request_for(&self, party: &str, id: &str) -> Result<&DeconflictionRequest, DomainError> {
        self.deconfliction
            .get(id)
            .filter(|r| need_to_know::deconfliction(r, party))
            .ok_or_else(|| DomainError::NotFound(id.into()))
    }

    /// The notifier answers a request (once): protected or not, the site (one of its own), text.
    pub fn decide_answer(
        &self,
        party: &str,
        id: &str,
        protected: bool,
        site: Option<&str>,
        text: &str,
    ) -> Result<Vec<Decided>, DomainError> {
        let r = self.request_for(party, id)?;
        if r.to != party {
            return Err(DomainError::Forbidden(format!(
                "only {} answers {id}",
                r.to
            )));
        }
        if r.answer.is_some() {
            return Err(DomainError::Exists(format!("{id} is already answered")));
        }
        if let Some(s) = site {
            if !self.current.contains_key(&key(party, s)) {
                return Err(invalid("site", format!("you have no declaration {s:?}")));
            }
        }
        let mut content = json!({"id": id, "protected": protected, "text": text});
        if let Some(s) = site {
            content["site"] = json!(s);
        }
        Ok(vec![Decided {
            kind: DECONFLICTION_ANSWERED,
            told: Told::Parties(BTreeSet::from([r.from.clone(), r.to.clone()])),
            content,
        }])
    }
}

/// A site's notification history as `party` may read it, from the notifications of the site it may read in
/// the log's order (see [`State::incident_history`]).
pub fn history_of_site<'a>(
    notifications_of_site: impl Iterator<Item = &'a Notification>,
    party: &str,
    site: &str,
    time_ms: i64,
) -> (Value, Vec<u64>) {
    let mut seqs = Vec::new();
    let mut notifications = Vec::new();
    let mut in_force = Vec::new();
    let mut version_then: Option<u64> = None;
    for n in notifications_of_site {
        let id_of = site.split_once('/').map_or(site, |(_, id)| id);
        let version = n
            .declarations
            .iter()
            .find(|d| d.id == id_of)
            .map(|d| d.version);
        seqs.push(n.sent.seq);
        let mut steps =
            vec![json!({"event": "sent", "at": format_time(n.sent.at_ms), "seq": n.sent.seq})];
        let mut step = |event: &str, s: &Step, seqs: &mut Vec<u64>| {
            seqs.push(s.seq);
            steps.push(json!({"event": event, "at": format_time(s.at_ms), "seq": s.seq}));
        };
        if let Some(s) = &n.acknowledged {
            step("acknowledged", s, &mut seqs);
        }
        for (level, s) in &n.escalations {
            step(&format!("escalated to {level}"), s, &mut seqs);
        }
        for s in &n.reconfirmations {
            step("reconfirmed", s, &mut seqs);
        }
        match &n.ended {
            Some((Ended::Lapsed, s)) => step("lapsed", s, &mut seqs),
            Some((Ended::Expired, s)) => step("expired", s, &mut seqs),
            None => {}
        }
        if let Some(s) = &n.superseded {
            // The superseding entry is the notifier's declaration's: only the notifier may read it.
            if party == n.from {
                step("superseded", s, &mut seqs);
            } else {
                steps.push(json!({"event": "superseded", "at": format_time(s.at_ms)}));
            }
        }
        steps.sort_by_key(|s| s["seq"].as_u64().unwrap_or(u64::MAX));
        if let Some(status) = n.status_at(time_ms) {
            if n.sent.at_ms <= time_ms {
                version_then = version_then.max(version);
            }
            in_force.push(json!({"notification": n.id, "to": n.to, "version": version,
                                 "status": status, "seq": n.sent.seq}));
        }
        notifications.push(json!({
            "id": n.id, "from": n.from, "to": n.to, "version": version,
            "status": n.status(), "history": steps,
        }));
    }
    seqs.sort_unstable();
    seqs.dedup();
    (
        json!({
            "notifications": notifications,
            "at_incident": {
                "time": format_time(time_ms),
                "version": version_then,
                "notifications": in_force,
            },
        }),
        seqs,
    )
}
