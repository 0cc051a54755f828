//! Constraint references: put and delete.

use std::collections::BTreeSet;

use super::*;

impl Dss {
    /// `PUT /constraint_references/{id}[/{ovn}]`.
    pub fn decide_put_constraint(
        &self,
        caller: Caller<'_>,
        id: &str,
        ovn: &str,
        params: &wire::PutConstraint,
        ctx: Ctx,
    ) -> Result<Decision<wire::ChangeConstraint>, DssError> {
        let Ctx {
            now_ns,
            fresh,
            allow_http,
            ..
        } = ctx;
        let id = entity_id(id, "constraint id")?;
        base_url(&params.uss_base_url, "uss_base_url", allow_http)?;
        let shape = reference_extents(&params.extents, now_ns)?;
        let old = self.constraints.get(&id);
        match old {
            None if !ovn.is_empty() => {
                return Err(DssError::Conflict(format!(
                    "there is no constraint {id}, so no version {ovn:?} of it"
                )))
            }
            Some(o) if o.record.manager != caller.sub => {
                return Err(DssError::Forbidden(format!(
                    "constraint {id} is managed by another USS"
                )))
            }
            Some(o) if o.record.ovn != ovn => {
                return Err(DssError::Conflict(if ovn.is_empty() {
                    format!("constraint {id} exists already; update it with its OVN")
                } else {
                    format!("OVN {ovn:?} is not the current OVN of constraint {id}")
                }))
            }
            _ => {}
        }
        if old.is_none() {
            self.room(caller.sub, 1, &ctx)?;
        }
        let record = ConstraintRecord {
            id: id.clone(),
            manager: caller.sub.to_string(),
            version: old.map_or(1, |o| o.record.version.saturating_add(1)),
            ovn: fresh.token("ovn", 64),
            extents: params.extents.clone(),
            uss_base_url: params.uss_base_url.clone(),
        };
        let area = match old {
            Some(o) => shape.union(&o.shape),
            None => shape.clone(),
        };
        let notified = self.notify(&area, false, &[], &BTreeSet::new(), &Work::new());
        let constraint = Constraint {
            record: record.clone(),
            shape,
        };
        let answer = wire::ChangeConstraint {
            subscribers: subscribers(self, &notified, &[]),
            constraint_reference: self.constraint_ref(&constraint, caller.sub),
        };
        let change = Change {
            put_constraints: vec![record],
            notified,
            ..Change::default()
        };
        Ok(Decision {
            entries: vec![entry(DSS_CONSTRAINT_PUT, &change, [party_of(caller.sub)])],
            answer,
            prepared: Some(Ready {
                subscriptions: Vec::new(),
                intents: Vec::new(),
                constraints: vec![constraint],
                change,
            }),
        })
    }

    /// `DELETE /constraint_references/{id}/{ovn}`.
    pub fn decide_delete_constraint(
        &self,
        caller: Caller<'_>,
        id: &str,
        ovn: &str,
    ) -> Result<Decision<wire::ChangeConstraint>, DssError> {
        let id = entity_id(id, "constraint id")?;
        if ovn.is_empty() {
            return Err(bad("ovn: missing"));
        }
        let old = self
            .constraints
            .get(&id)
            .ok_or_else(|| DssError::NotFound(format!("there is no constraint {id}")))?;
        if old.record.manager != caller.sub {
            return Err(DssError::Forbidden(format!(
                "constraint {id} is managed by another USS"
            )));
        }
        if old.record.ovn != ovn {
            return Err(DssError::Conflict(format!(
                "OVN {ovn:?} is not the current OVN of constraint {id}"
            )));
        }
        let notified = self.notify(&old.shape, false, &[], &BTreeSet::new(), &Work::new());
        let answer = wire::ChangeConstraint {
            subscribers: subscribers(self, &notified, &[]),
            constraint_reference: self.constraint_ref(old, caller.sub),
        };
        let change = Change {
            deleted_constraints: vec![id],
            notified,
            ..Change::default()
        };
        Ok(Decision {
            entries: vec![entry(
                DSS_CONSTRAINT_DELETED,
                &change,
                [party_of(caller.sub)],
            )],
            answer,
            prepared: None,
        })
    }
}
