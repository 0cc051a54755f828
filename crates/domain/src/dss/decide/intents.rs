//! Operational intent references: put (create or update, with the key check and implicit subscriptions)
//! and delete.

use std::collections::{BTreeMap, BTreeSet};

use super::*;
use crate::dss::geometry::covers_area;

impl Dss {
    /// `PUT /operational_intent_references/{id}[/{ovn}]`: create (no `ovn`) or update an intent.
    pub fn decide_put_intent(
        &self,
        caller: Caller<'_>,
        id: &str,
        ovn: &str,
        params: &wire::PutOperationalIntent,
        ctx: Ctx,
    ) -> Result<Decision<wire::ChangeOperationalIntent>, DssError> {
        let Ctx {
            now_ns,
            fresh,
            allow_http,
            ..
        } = ctx;
        let id = entity_id(id, "operational intent id")?;
        base_url(&params.uss_base_url, "uss_base_url", allow_http)?;
        let requested_sub = match params.subscription_id.as_deref() {
            None | Some("") => None,
            Some(s) => Some(entity_id(s, "subscription_id")?),
        };
        if let Some(n) = &params.new_subscription {
            if n.uss_base_url.is_empty() {
                return Err(bad("new_subscription.uss_base_url: missing"));
            }
            if requested_sub.is_some() {
                return Err(bad(
                    "subscription_id and new_subscription are both given; give one",
                ));
            }
            base_url(&n.uss_base_url, "new_subscription.uss_base_url", allow_http)?;
        }
        let state = IntentState::parse(&params.state).ok_or_else(|| {
            bad(format!(
                "state: {:?} is not one of Accepted, Activated, Nonconforming, Contingent",
                params.state
            ))
        })?;
        let shape = reference_extents(&params.extents, now_ns)?;
        let work = Work::new();
        if ovn.is_empty() && state != IntentState::Accepted {
            return Err(bad(format!(
                "state: a new operational intent starts Accepted, not {}",
                state.name()
            )));
        }
        if params.requested_ovn_suffix.is_some() {
            return Err(bad(
                "requested_ovn_suffix: this DSS makes its OVNs itself and does not take requests for them",
            ));
        }
        if state != IntentState::Accepted
            && requested_sub.is_none()
            && params.new_subscription.is_none()
        {
            return Err(bad(format!(
                "an operational intent {} needs subscription_id or new_subscription",
                state.name()
            )));
        }
        let key: BTreeSet<&str> = params
            .key
            .iter()
            .flatten()
            .flatten()
            .map(String::as_str)
            .collect();
        if key.len() > MAX_KEY {
            return Err(bad(format!("key: {} OVNs; at most {MAX_KEY}", key.len())));
        }
        if state.off_nominal() && !caller.scopes.conformance_monitoring_sa {
            return Err(DssError::Forbidden(format!(
                "the state {} needs the scope utm.conformance_monitoring_sa",
                state.name()
            )));
        }
        let old = self.intents.get(&id);
        match old {
            Some(o) if o.record.manager != caller.sub => {
                return Err(DssError::Forbidden(format!(
                    "operational intent {id} is managed by another USS"
                )))
            }
            Some(o) if o.record.ovn != ovn => {
                return Err(DssError::Conflict(if ovn.is_empty() {
                    format!("operational intent {id} exists already; update it with its OVN")
                } else {
                    format!("OVN {ovn:?} is not the current OVN of operational intent {id}")
                }))
            }
            None if !ovn.is_empty() => {
                return Err(DssError::NotFound(format!(
                    "there is no operational intent {id}, so no version {ovn:?} of it"
                )))
            }
            _ => {}
        }
        if self.availability_of(caller.sub) == "Down" && !state.off_nominal() {
            return Err(DssError::Down(format!(
                "USS {} is marked Down: it may not put an operational intent in the state {}",
                caller.sub,
                state.name()
            )));
        }
        let adding = usize::from(old.is_none())
            + usize::from(requested_sub.is_none() && params.new_subscription.is_some());
        if adding > 0 {
            self.room(caller.sub, adding, &ctx)?;
        }
        let version = old.map_or(1, |o| o.record.version.saturating_add(1));
        let previous = old
            .and_then(|o| o.record.subscription_id.as_ref())
            .and_then(|s| self.subscriptions.get(s));
        let replacing = previous.is_some_and(|p| Some(&p.record.id) != requested_sub.as_ref());
        let mut deleted_subscriptions = BTreeSet::new();
        if let Some(p) = previous.filter(|_| replacing) {
            let only_this = self
                .dependents
                .get(&p.record.id)
                .is_some_and(|d| d.len() == 1 && d.contains(&id));
            if p.record.implicit && only_this {
                deleted_subscriptions.insert(p.record.id.clone());
            }
        }
        let (start_ns, end_ns) = (shape.start_ns, shape.end_ns);
        let mut put_subscriptions: Vec<Subscription> = Vec::new();
        let attached: Option<Subscription> = match &requested_sub {
            None => match &params.new_subscription {
                Some(n) => {
                    let record = SubscriptionRecord {
                        id: fresh.uuid("implicit subscription"),
                        manager: caller.sub.to_string(),
                        version: fresh.token("subscription version", 32),
                        notification_index: 0,
                        extents: params.extents.clone(),
                        time_start: time(start_ns),
                        time_end: time(end_ns),
                        uss_base_url: n.uss_base_url.clone(),
                        notify_for_operational_intents: true,
                        notify_for_constraints: n.notify_for_constraints.unwrap_or(false),
                        implicit: true,
                    };
                    let s = read_subscription(record).map_err(DssError::BadRequest)?;
                    put_subscriptions.push(s.clone());
                    Some(s)
                }
                None => None,
            },
            Some(sid) => {
                let s = self.subscriptions.get(sid).ok_or_else(|| {
                    bad(format!("subscription_id: there is no subscription {sid}"))
                })?;
                if s.record.manager != caller.sub {
                    return Err(DssError::Forbidden(format!(
                        "subscription {sid} belongs to another USS"
                    )));
                }
                let early = s.shape.start_ns > start_ns;
                let short = s.shape.end_ns < end_ns;
                let narrow = !shape
                    .extents
                    .iter()
                    .all(|x| covers_area(&s.shape.extents, x));
                if (early || short || narrow) && !s.record.implicit {
                    let why = if early {
                        "starts after the operational intent starts"
                    } else if short {
                        "ends before the operational intent ends"
                    } else {
                        "does not cover the operational intent's whole area"
                    };
                    return Err(bad(format!("subscription_id: subscription {sid} {why}")));
                }
                if early || short || narrow {
                    let mut record = s.record.clone();
                    record.time_start = time(s.shape.start_ns.min(start_ns));
                    record.time_end = time(s.shape.end_ns.max(end_ns));
                    if narrow {
                        if record.extents.len() + params.extents.len() > MAX_EXTENTS
                            || positions_sent(&record.extents) + positions_sent(&params.extents)
                                > MAX_POSITIONS
                        {
                            return Err(bad(format!(
                                "subscription_id: covering this intent would give implicit subscription \
                                 {sid} more than {MAX_EXTENTS} volumes or {MAX_POSITIONS} positions; use a new subscription"
                            )));
                        }
                        record.extents.extend(params.extents.iter().cloned());
                    }
                    let s = read_subscription(record).map_err(DssError::BadRequest)?;
                    put_subscriptions.push(s.clone());
                    Some(s)
                } else {
                    Some(s.clone())
                }
            }
        };
        if !state.off_nominal() {
            let mut missing_intents: BTreeMap<&str, &Intent> = BTreeMap::new();
            let mut missing_constraints: BTreeMap<&str, &Constraint> = BTreeMap::new();
            for i in self.intents_in(&shape, &work) {
                if i.record.id != id && self.needs_key(i) && !key.contains(i.record.ovn.as_str()) {
                    missing_intents.insert(&i.record.id, i);
                }
            }
            if attached
                .as_ref()
                .is_some_and(|s| s.record.notify_for_constraints)
            {
                for c in self.constraints_in(&shape, &work) {
                    if !key.contains(c.record.ovn.as_str()) {
                        missing_constraints.insert(&c.record.id, c);
                    }
                }
            }
            if !missing_intents.is_empty() || !missing_constraints.is_empty() {
                return Err(DssError::MissingKey(Box::new(wire::AirspaceConflict {
                    message: format!(
                        "the key lacks the current OVNs of {} operational intents and {} constraints in \
                         these extents; get them from their managing USSs and try again",
                        missing_intents.len(),
                        missing_constraints.len()
                    ),
                    missing_operational_intents: missing_intents
                        .values()
                        .map(|i| self.intent_ref(i, caller.sub))
                        .collect(),
                    missing_constraints: missing_constraints
                        .values()
                        .map(|c| self.constraint_ref(c, caller.sub))
                        .collect(),
                })));
            }
        }
        let record = IntentRecord {
            id: id.clone(),
            manager: caller.sub.to_string(),
            version,
            state: state.name().into(),
            ovn: fresh.token("ovn", 64),
            extents: params.extents.clone(),
            uss_base_url: params.uss_base_url.clone(),
            subscription_id: attached.as_ref().map(|s| s.record.id.clone()),
        };
        let area = match old {
            Some(o) => shape.union(&o.shape),
            None => shape.clone(),
        };
        let notified = self.notify(
            &area,
            true,
            &put_subscriptions,
            &deleted_subscriptions,
            &work,
        );
        let intent = Intent {
            record: record.clone(),
            state,
            shape,
        };
        let answer = wire::ChangeOperationalIntent {
            subscribers: subscribers(self, &notified, &put_subscriptions),
            operational_intent_reference: self.intent_ref(&intent, caller.sub),
        };
        let change = Change {
            put_subscriptions: put_subscriptions.iter().map(|s| s.record.clone()).collect(),
            put_intents: vec![record],
            deleted_subscriptions: deleted_subscriptions.into_iter().collect(),
            notified,
            ..Change::default()
        };
        Ok(Decision {
            entries: vec![entry(DSS_INTENT_PUT, &change, [party_of(caller.sub)])],
            answer,
            prepared: Some(Ready {
                subscriptions: put_subscriptions,
                intents: vec![intent],
                constraints: Vec::new(),
                change,
            }),
        })
    }

    /// `DELETE /operational_intent_references/{id}/{ovn}`.
    pub fn decide_delete_intent(
        &self,
        caller: Caller<'_>,
        id: &str,
        ovn: &str,
    ) -> Result<Decision<wire::ChangeOperationalIntent>, DssError> {
        let id = entity_id(id, "operational intent id")?;
        if ovn.is_empty() {
            return Err(bad("ovn: missing"));
        }
        let old = self
            .intents
            .get(&id)
            .ok_or_else(|| DssError::NotFound(format!("there is no operational intent {id}")))?;
        if old.record.manager != caller.sub {
            return Err(DssError::Forbidden(format!(
                "operational intent {id} is managed by another USS"
            )));
        }
        if old.record.ovn != ovn {
            return Err(DssError::Conflict(format!(
                "OVN {ovn:?} is not the current OVN of operational intent {id}"
            )));
        }
        if self.availability_of(caller.sub) == "Down" {
            return Err(DssError::Down(format!(
                "USS {} is marked Down: it may not delete operational intents",
                caller.sub
            )));
        }
        let mut deleted_subscriptions = BTreeSet::new();
        if let Some(s) = old
            .record
            .subscription_id
            .as_ref()
            .and_then(|s| self.subscriptions.get(s))
        {
            let only_this = self
                .dependents
                .get(&s.record.id)
                .is_some_and(|d| d.len() == 1 && d.contains(&id));
            if s.record.implicit && only_this {
                deleted_subscriptions.insert(s.record.id.clone());
            }
        }
        let notified = self.notify(&old.shape, true, &[], &deleted_subscriptions, &Work::new());
        let answer = wire::ChangeOperationalIntent {
            subscribers: subscribers(self, &notified, &[]),
            operational_intent_reference: self.intent_ref(old, caller.sub),
        };
        let change = Change {
            deleted_intents: vec![id],
            deleted_subscriptions: deleted_subscriptions.into_iter().collect(),
            notified,
            ..Change::default()
        };
        Ok(Decision {
            entries: vec![entry(DSS_INTENT_DELETED, &change, [party_of(caller.sub)])],
            answer,
            prepared: None,
        })
    }
}
