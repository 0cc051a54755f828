//! Subscriptions (put, delete, the caller's own), USS availability, and reports.

use super::*;
use crate::dss::geometry::covers_area;

impl Dss {
    /// The caller's own subscription `id`. Another USS's is refused with 403, as the standard requires
    /// (DSS0210): its id is no secret, since every reference of an intent names its subscription.
    pub fn own_subscription(
        &self,
        caller: Caller<'_>,
        id: &str,
    ) -> Result<&Subscription, DssError> {
        let id = entity_id(id, "subscription id")?;
        let s = self
            .subscriptions
            .get(&id)
            .ok_or_else(|| DssError::NotFound(format!("there is no subscription {id}")))?;
        if s.record.manager != caller.sub {
            return Err(DssError::Forbidden(format!(
                "subscription {id} belongs to another USS"
            )));
        }
        Ok(s)
    }

    /// `PUT /subscriptions/{id}[/{version}]`.
    pub fn decide_put_subscription(
        &self,
        caller: Caller<'_>,
        id: &str,
        version: &str,
        params: &wire::PutSubscription,
        ctx: Ctx,
    ) -> Result<Decision<wire::PutSubscriptionResponse>, DssError> {
        let Ctx {
            now_ns,
            fresh,
            allow_http,
            ..
        } = ctx;
        let id = entity_id(id, "subscription id")?;
        base_url(&params.uss_base_url, "uss_base_url", allow_http)?;
        check_positions(std::slice::from_ref(&params.extents), "extents")?;
        let volume = read_volume(&params.extents, "extents").map_err(DssError::BadRequest)?;
        let for_intents = params.notify_for_operational_intents.unwrap_or(false);
        let for_constraints = params.notify_for_constraints.unwrap_or(false);
        if !for_intents && !for_constraints {
            return Err(bad(
                "neither notify_for_operational_intents nor notify_for_constraints is true: a subscription \
                 must ask for one",
            ));
        }
        let old = self.subscriptions.get(&id);
        match old {
            None if !version.is_empty() => {
                return Err(bad(format!(
                    "there is no subscription {id}, so no version {version:?} of it"
                )))
            }
            Some(_) if version.is_empty() => {
                return Err(DssError::Conflict(format!(
                    "subscription {id} exists already; update it with its version"
                )))
            }
            Some(o) if o.record.version != version => {
                return Err(DssError::Conflict(format!(
                    "version {version:?} is not the current version of subscription {id}"
                )))
            }
            Some(o) if o.record.manager != caller.sub => {
                return Err(DssError::Forbidden(format!(
                    "subscription {id} belongs to another USS"
                )))
            }
            _ => {}
        }
        if old.is_none() {
            self.room(caller.sub, 1, &ctx)?;
        }
        let start_ns = match &params.extents.time_start {
            Some(_) => {
                if now_ns.saturating_sub(volume.start_ns) > SKEW_NS {
                    return Err(bad(
                        "extents.time_start: a subscription may not start in the past",
                    ));
                }
                volume.start_ns
            }
            None => old.map_or(now_ns, |o| o.shape.start_ns),
        };
        let end_ns = match &params.extents.time_end {
            Some(_) => volume.end_ns,
            None => old.map_or(start_ns.saturating_add(MAX_SUBSCRIPTION_NS), |o| {
                o.shape.end_ns
            }),
        };
        if end_ns < start_ns {
            return Err(bad("extents: time_end comes before time_start"));
        }
        if end_ns.saturating_sub(start_ns) > MAX_SUBSCRIPTION_NS {
            return Err(bad("extents: a subscription may last at most 24 hours"));
        }
        let record = SubscriptionRecord {
            id: id.clone(),
            manager: caller.sub.to_string(),
            version: fresh.token("subscription version", 32),
            notification_index: old.map_or(0, |o| o.record.notification_index),
            extents: vec![params.extents.clone()],
            time_start: time(start_ns),
            time_end: time(end_ns),
            uss_base_url: params.uss_base_url.clone(),
            notify_for_operational_intents: for_intents,
            notify_for_constraints: for_constraints,
            implicit: false,
        };
        let sub = read_subscription(record.clone()).map_err(DssError::BadRequest)?;
        let work = Work::new();
        for oid in self.dependents.get(&id).into_iter().flatten() {
            let Some(i) = self.intents.get(oid) else {
                continue;
            };
            let covered = i
                .shape
                .extents
                .iter()
                .all(|x| covers_area(&sub.shape.extents, x))
                && i.shape.lower_m >= volume.lower_m
                && i.shape.upper_m <= volume.upper_m
                && sub.shape.start_ns.saturating_sub(i.shape.start_ns) <= SKEW_NS
                && i.shape.end_ns <= sub.shape.end_ns;
            if !covered {
                return Err(bad(format!(
                    "extents: the subscription would no longer cover operational intent {oid}, which relies on it"
                )));
            }
        }
        let mut view = self.subscription_view(&sub);
        view.dependent_operational_intents = self
            .dependents
            .get(&id)
            .map(|d| d.iter().cloned().collect())
            .unwrap_or_default();
        let answer = wire::PutSubscriptionResponse {
            subscription: view,
            operational_intent_references: for_intents.then(|| {
                self.intents_in(&sub.shape, &work)
                    .into_iter()
                    .map(|i| self.intent_ref(i, caller.sub))
                    .collect()
            }),
            constraint_references: for_constraints.then(|| {
                self.constraints_in(&sub.shape, &work)
                    .into_iter()
                    .map(|c| self.constraint_ref(c, caller.sub))
                    .collect()
            }),
        };
        let change = Change {
            put_subscriptions: vec![record],
            ..Change::default()
        };
        Ok(Decision {
            entries: vec![entry(DSS_SUBSCRIPTION_PUT, &change, [party_of(caller.sub)])],
            answer,
            prepared: Some(Ready {
                subscriptions: vec![sub],
                intents: Vec::new(),
                constraints: Vec::new(),
                change,
            }),
        })
    }

    /// `DELETE /subscriptions/{id}/{version}`.
    pub fn decide_delete_subscription(
        &self,
        caller: Caller<'_>,
        id: &str,
        version: &str,
    ) -> Result<Decision<wire::Subscription>, DssError> {
        let s = self.own_subscription(caller, id)?;
        if version.is_empty() {
            return Err(bad("version: missing"));
        }
        if s.record.version != version {
            return Err(DssError::Conflict(format!(
                "version {version:?} is not the current version of subscription {}",
                s.record.id
            )));
        }
        if self
            .dependents
            .get(&s.record.id)
            .is_some_and(|d| !d.is_empty())
        {
            return Err(bad(format!(
                "subscription {} has operational intents relying on it; it may not be deleted",
                s.record.id
            )));
        }
        let change = Change {
            deleted_subscriptions: vec![s.record.id.clone()],
            ..Change::default()
        };
        Ok(Decision {
            entries: vec![entry(
                DSS_SUBSCRIPTION_DELETED,
                &change,
                [party_of(caller.sub)],
            )],
            answer: self.subscription_view(s),
            prepared: None,
        })
    }

    /// `GET /uss_availability/{uss}`.
    pub fn availability_view(&self, uss: &str) -> wire::AvailabilityResponse {
        wire::AvailabilityResponse {
            status: wire::AvailabilityStatus {
                uss: uss.to_string(),
                availability: self.availability_of(uss),
            },
            version: self
                .availability
                .get(uss)
                .map(|a| a.version.clone())
                .unwrap_or_default(),
        }
    }

    /// `PUT /uss_availability/{uss}`: the caller must hold availability arbitration (checked by the server).
    pub fn decide_availability(
        &self,
        caller: Caller<'_>,
        uss: &str,
        params: &wire::SetAvailability,
        fresh: Fresh,
    ) -> Result<Decision<wire::AvailabilityResponse>, DssError> {
        if uss.is_empty() || uss.len() > 255 {
            return Err(bad("uss_id: 1 to 255 bytes"));
        }
        let availability = match params.availability.to_ascii_lowercase().as_str() {
            "" | "unknown" => "Unknown",
            "normal" => "Normal",
            "down" => "Down",
            other => {
                return Err(bad(format!(
                    "availability: {other:?} is not one of Unknown, Normal, Down"
                )))
            }
        };
        match self.availability.get(uss) {
            None if !params.old_version.is_empty() => {
                return Err(DssError::Conflict(format!(
                    "old_version {:?}: the availability of {uss} was never set",
                    params.old_version
                )))
            }
            Some(a) if a.version != params.old_version => {
                return Err(DssError::Conflict(format!(
                    "old_version {:?} is not the current version of {uss}'s availability",
                    params.old_version
                )))
            }
            _ => {}
        }
        let record = AvailabilityRecord {
            uss: uss.to_string(),
            availability: availability.into(),
            version: fresh.token("availability version", 32),
        };
        let answer = wire::AvailabilityResponse {
            status: wire::AvailabilityStatus {
                uss: uss.to_string(),
                availability,
            },
            version: record.version.clone(),
        };
        let change = Change {
            availability: Some(record),
            ..Change::default()
        };
        Ok(Decision {
            entries: vec![entry(
                DSS_AVAILABILITY,
                &change,
                [party_of(caller.sub), party_of(uss)],
            )],
            answer,
            prepared: None,
        })
    }

    /// `POST /reports`: the report is kept in the log, with the id it is answered with.
    pub fn decide_report(
        &self,
        caller: Caller<'_>,
        report: Value,
        fresh: Fresh,
    ) -> Result<Decision<Value>, DssError> {
        let Value::Object(mut body) = report else {
            return Err(bad("the body: a report is a JSON object"));
        };
        let size = serde_json::to_string(&body).map_or(usize::MAX, |t| t.len());
        if size > MAX_REPORT_BYTES {
            return Err(bad(format!(
                "the body: a report of {size} bytes; at most {MAX_REPORT_BYTES} (it is kept in the log)"
            )));
        }
        let id = fresh.uuid("report");
        body.insert("report_id".into(), Value::String(id.clone()));
        let answer = Value::Object(body);
        let change = Change {
            report: Some(ReportRecord {
                id,
                by: caller.sub.to_string(),
                report: answer.clone(),
            }),
            ..Change::default()
        };
        Ok(Decision {
            entries: vec![entry(DSS_REPORT, &change, [party_of(caller.sub)])],
            answer,
            prepared: None,
        })
    }
}
