//! The hotline: messages between partners with precedence and deadlines, delivery, acknowledgement and
//! answers, and the escalation of overdue messages up a party's levels.

use super::*;

impl Line {
    /// A page of a message box of the caller's: `inbox` (messages seen for the first time are marked
    /// delivered, all of them, not only this page's), `outbox`, or `escalated` (to the caller's level).
    pub fn messages_page(
        &self,
        caller: &Credential,
        which: &str,
        page: &Page,
    ) -> Result<Listed, LineError> {
        let limit = self.page_limit(page)?;
        let party = caller.party.as_str();
        if which == "inbox" {
            self.deliver(party)?;
        }
        let inner = self.lock()?;
        let now = self.clock.now_ms();
        let level = level_of(&caller.role);
        let list = if which == "outbox" {
            List::Outbox
        } else {
            List::Inbox
        };
        Ok(self.listed(
            inner
                .listable(list, party, page.after.as_deref())
                .filter_map(|id| inner.messages.get(id).map(|m| (id, m)))
                .filter(|(_, m)| match which {
                    "outbox" => m.from == party,
                    "escalated" => m
                        .receipts
                        .get(party)
                        .is_some_and(|r| r.escalations.iter().any(|(l, _)| level_of(l) >= level)),
                    _ => need_to_know::message_to(m, party),
                })
                .map(|(id, m)| (id, m.view(party, now))),
            limit,
            inner.next_seq,
        ))
    }

    /// Sends a hotline message from `party`. Body: `to` (party ids), `precedence` (FLASH, IMMEDIATE, PRIORITY,
    /// ROUTINE; default ROUTINE), `kind` (default `text`), `text`, `refs` (`declarations`, `conflicts`: ids the
    /// sender may see).
    pub fn send(&self, party: &str, body: Value) -> Result<Value, LineError> {
        self.charge(party)?;
        self.write(|inner| {
        let obj = body
            .as_object()
            .ok_or_else(|| invalid("", "the body must be a JSON object (a message)"))?;
        let allowed = ["to", "precedence", "kind", "text", "refs", "template"];
        if let Some(k) = obj.keys().find(|k| !allowed.contains(&k.as_str())) {
            return Err(invalid(
                k.clone(),
                format!("unknown field; expected one of {}", allowed.join(", ")),
            ));
        }
        let to_list = obj
            .get("to")
            .and_then(Value::as_array)
            .ok_or_else(|| invalid("to", "expected an array of party ids"))?;
        let mut to = BTreeSet::new();
        for (i, p) in to_list.iter().enumerate() {
            let p = p
                .as_str()
                .ok_or_else(|| invalid(format!("to[{i}]"), "expected a party id"))?;
            // One answer whether `p` is unregistered or only shares no agreement with the caller: the
            // hotline must not tell which parties exist.
            if p == party || inner.agreements.between(party, p).is_none() {
                return Err(invalid(
                    format!("to[{i}]"),
                    format!(
                        "{p:?} is not a party you share an active agreement with; the hotline runs only \
                         under one"
                    ),
                ));
            }
            to.insert(p.to_string());
        }
        if to.is_empty() {
            return Err(invalid("to", "name at least one recipient"));
        }
        let precedence = obj
            .get("precedence")
            .map_or(Some("ROUTINE"), Value::as_str)
            .unwrap_or("");
        let default_period = deadline_for(precedence).ok_or_else(|| {
            let names: Vec<&str> = PRECEDENCES.iter().map(|(p, _)| *p).collect();
            invalid(
                "precedence",
                format!("{precedence:?} is not one of {}", names.join(", ")),
            )
        })?;
        // The shortest deadline any recipient's agreement with the sender sets for this precedence.
        let period = to
            .iter()
            .filter_map(|p| inner.agreements.between(party, p))
            .filter_map(|t| t.deadline_ms.get(precedence).copied())
            .min()
            .unwrap_or(default_period);
        let kind = obj
            .get("kind")
            .map_or(Some("text"), Value::as_str)
            .unwrap_or("");
        if !MESSAGE_KINDS.contains(&kind) {
            return Err(invalid(
                "kind",
                format!("{kind:?} is not one of {}", MESSAGE_KINDS.join(", ")),
            ));
        }
        let text = obj
            .get("text")
            .map_or(Some(""), Value::as_str)
            .ok_or_else(|| invalid("text", "expected a string"))?;
        if text.len() > 10_000 {
            return Err(invalid("text", "longer than 10 000 bytes"));
        }
        if let Some(why) = deconflict_plan::free_text_problem(text) {
            return Err(invalid("text", why));
        }
        // A structured message: its fields checked and normalised, every id one the sender may read.
        let template = match obj.get("template") {
            None | Some(Value::Null) => None,
            Some(t) => Some(template::check(
                t,
                &template::ReadableIn {
                    state: &inner.state,
                    party,
                },
            )?),
        };
        let mut refs = serde_json::Map::new();
        if let Some(r) = obj.get("refs") {
            let r = r
                .as_object()
                .ok_or_else(|| invalid("refs", "expected an object"))?;
            for (key, list) in r {
                let items = list
                    .as_array()
                    .ok_or_else(|| invalid(format!("refs.{key}"), "expected an array of ids"))?;
                let mut ids = Vec::new();
                for (i, id) in items.iter().enumerate() {
                    let id = id.as_str().unwrap_or_default();
                    let visible = match key.as_str() {
                        "declarations" => inner.find(party, id, None).is_ok(),
                        "conflicts" => inner
                            .conflicts
                            .get(id)
                            .is_some_and(|c| need_to_know::conflict(c, party)),
                        _ => {
                            return Err(invalid(
                                format!("refs.{key}"),
                                "expected declarations or conflicts",
                            ))
                        }
                    };
                    if !visible {
                        return Err(invalid(
                            format!("refs.{key}[{i}]"),
                            format!("no {key} {id:?} that you may see"),
                        ));
                    }
                    ids.push(json!(id));
                }
                refs.insert(key.clone(), Value::Array(ids));
            }
        }
        let now = self.clock.now_ms();
        let id = format!("m-{}", inner.next_seq);
        let mut content = json!({
            "id": id, "from": party, "to": to, "precedence": precedence, "kind": kind, "text": text,
            "refs": refs, "deadline_ms": now + period,
        });
        if let Some(t) = template {
            content["template"] = t;
        }
        let mut audience = to.clone();
        audience.insert(party.to_string());
        let entry = NewEntry {
            time_ms: now,
            kind: MESSAGE_SENT.into(),
            actor: party.into(),
            audience: Audience::Parties(audience),
            content,
        };
        self.commit(inner, vec![entry])?;
        inner
            .messages
            .get(&id)
            .map(|m| m.view(party, now))
            .ok_or_else(|| LineError::Storage("message not applied".into()))
        })
    }

    /// The caller's inbox; messages seen for the first time are marked delivered (logged).
    pub fn inbox(&self, party: &str) -> Result<Vec<Value>, LineError> {
        self.deliver(party)?;
        let inner = self.lock()?;
        let now = self.clock.now_ms();
        Ok(inner
            .messages
            .values()
            .filter(|m| need_to_know::message_to(m, party))
            .map(|m| m.view(party, now))
            .collect())
    }

    /// Marks delivered (logs) every message to `party` it has not read yet.
    pub(super) fn deliver(&self, party: &str) -> Result<(), LineError> {
        // Nothing new: a plain read, which need not take the end of a shared log.
        if self.lock()?.decide_delivery(party).is_empty() {
            return Ok(());
        }
        self.write(|inner| {
            let decided = inner.decide_delivery(party);
            if !decided.is_empty() {
                self.commit(inner, self.stamp(party, decided))?;
            }
            Ok(())
        })
    }

    /// The messages to the caller's party escalated to the caller's level or beyond: a commander's pager.
    pub fn escalated(&self, caller: &Credential) -> Result<Vec<Value>, LineError> {
        let inner = self.lock()?;
        let now = self.clock.now_ms();
        let level = level_of(&caller.role);
        Ok(inner
            .listable(List::Inbox, &caller.party, None)
            .filter_map(|id| inner.messages.get(id))
            .filter(|m| {
                m.receipts
                    .get(&caller.party)
                    .is_some_and(|r| r.escalations.iter().any(|(l, _)| level_of(l) >= level))
            })
            .map(|m| m.view(&caller.party, now))
            .collect())
    }

    /// The messages the caller sent, with every recipient's receipt.
    pub fn outbox(&self, party: &str) -> Result<Vec<Value>, LineError> {
        let inner = self.lock()?;
        let now = self.clock.now_ms();
        Ok(inner
            .messages
            .values()
            .filter(|m| m.from == party)
            .map(|m| m.view(party, now))
            .collect())
    }

    /// A recipient acknowledges (or answers, with `answer`) a message; others get `NotFound`.
    pub fn acknowledge_message(
        &self,
        party: &str,
        id: &str,
        answer: Option<Answer>,
    ) -> Result<Value, LineError> {
        self.charge(party)?;
        self.write(|inner| {
            let now = self.clock.now_ms();
            let decided = inner.decide_message_receipt(party, id, answer)?;
            if !decided.is_empty() {
                self.commit(inner, self.stamp(party, decided))?;
            }
            inner
                .messages
                .get(id)
                .map(|m| m.view(party, now))
                .ok_or_else(|| LineError::NotFound(id.into()))
        })
    }

    /// Escalates every unacknowledged message past its deadline to the recipient's next level and tells the
    /// sender, and does the same for humanitarian notifications, which also lapse (not re-confirmed in time)
    /// and expire (what they notify ended) here; returns how many entries were logged.
    pub fn escalate_overdue(&self) -> Result<usize, LineError> {
        // Run on every tick of every node: when nothing is overdue, do not take the end of a shared log.
        // What finished long enough ago leaves memory on the same tick.
        let now = self.clock.now_ms();
        let mut inner = self.lock()?;
        inner.retire(
            now.saturating_sub(limit_ms(self.limits.retention)),
            self.limits.retained,
        );
        // Notifications escalate on the same loop, and lapse and expire there.
        let idle = inner.decide_escalations(now).is_empty()
            && inner.decide_notifications_due(now, 1).is_empty();
        drop(inner);
        if idle {
            return Ok(0);
        }
        self.write(|inner| {
            let now = self.clock.now_ms();
            let mut decided = inner.decide_escalations(now);
            decided.extend(
                inner.decide_notifications_due(now, deconflict_domain::notification::DUE_PER_RUN),
            );
            let n = decided.len();
            if n > 0 {
                self.commit(inner, self.stamp(LINE_ACTOR, decided))?;
            }
            Ok(n)
        })
    }
}
