//! Humanitarian notifications (docs/DESIGN.md §8): notifying parties of one's sites or a movement, their
//! acknowledgement, re-confirmation, lapse, expiry and escalation (on the escalation loop), incident reports
//! at a notified site with the site's history and a proof bundle of it, and deconfliction requests. Each
//! command reads its body, asks the domain's decider, and commits; reads go through need-to-know.

use deconflict_domain::notification::TEXT_BYTES;
use deconflict_domain::state::NotifyCommand;
use deconflict_space::units::parse_time;

use super::*;

/// Reads a body's object, refusing fields not in `allowed` (named).
fn object<'a>(
    body: &'a Value,
    what: &str,
    allowed: &[&str],
) -> Result<&'a serde_json::Map<String, Value>, LineError> {
    let obj = body
        .as_object()
        .ok_or_else(|| invalid("", format!("the body must be a JSON object ({what})")))?;
    if let Some(k) = obj.keys().find(|k| !allowed.contains(&k.as_str())) {
        return Err(invalid(
            k.clone(),
            format!("unknown field; expected one of {}", allowed.join(", ")),
        ));
    }
    Ok(obj)
}

/// A list of at most `most` tokens (ids) at `field`.
fn tokens(
    obj: &serde_json::Map<String, Value>,
    field: &str,
    most: usize,
) -> Result<Vec<String>, LineError> {
    let items = obj
        .get(field)
        .and_then(Value::as_array)
        .ok_or_else(|| invalid(field, "expected an array of ids"))?;
    if items.len() > most {
        return Err(LineError::Limit {
            limit: if field == "to" {
                "recipients_per_notification"
            } else {
                "declarations_per_notification"
            },
            detail: format!("{field}: {} named; at most {most}", items.len()),
            rate: false,
        });
    }
    items
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let s = v
                .as_str()
                .ok_or_else(|| invalid(format!("{field}[{i}]"), "expected an id"))?;
            check_token("id", s).map_err(|_| {
                invalid(
                    format!("{field}[{i}]"),
                    format!("{s:?} is not an id (1–64 of a-z 0-9 . _ - starting with a letter or digit)"),
                )
            })?;
            Ok(s.to_string())
        })
        .collect()
}

/// A string of at most [`TEXT_BYTES`] at `field` (`required`: 1 byte at least).
fn text(
    obj: &serde_json::Map<String, Value>,
    field: &str,
    required: bool,
) -> Result<String, LineError> {
    match obj.get(field) {
        None if !required => Ok(String::new()),
        None => Err(invalid(field, "required")),
        Some(v) => {
            let s = v
                .as_str()
                .ok_or_else(|| invalid(field, "expected a string"))?;
            if s.len() > TEXT_BYTES {
                return Err(invalid(field, format!("longer than {TEXT_BYTES} bytes")));
            }
            if let Some(why) = deconflict_plan::free_text_problem(s) {
                return Err(invalid(field, why));
            }
            if required && s.trim().is_empty() {
                return Err(invalid(field, "expected some text"));
            }
            Ok(s.to_string())
        }
    }
}

/// A time (RFC 3339 or a date-time group) at `field`.
fn time(obj: &serde_json::Map<String, Value>, field: &str) -> Result<i64, LineError> {
    let s = obj
        .get(field)
        .and_then(Value::as_str)
        .ok_or_else(|| invalid(field, "expected a time (RFC 3339)"))?;
    parse_time(s).map_err(|e| invalid(field, e.to_string()))
}

/// A position `[lon, lat]` in degrees.
fn position(v: &Value, field: &str) -> Result<Value, LineError> {
    let p = v.as_array().filter(|p| p.len() == 2);
    match p.map(|p| (p[0].as_f64(), p[1].as_f64())) {
        Some((Some(lon), Some(lat)))
            if (-180.0..=180.0).contains(&lon) && (-90.0..=90.0).contains(&lat) =>
        {
            Ok(json!([lon, lat]))
        }
        _ => Err(invalid(field, "expected [lon, lat] in degrees")),
    }
}

/// A location: `{"point": [lon, lat]}` or `{"circle": {"center": [lon, lat], "radius_m": r}}` (r up to
/// 100 km).
fn location(v: Option<&Value>, field: &str) -> Result<Value, LineError> {
    let v = v.ok_or_else(|| invalid(field, "required: {point} or {circle}"))?;
    if let Some(p) = v.get("point") {
        return Ok(json!({"point": position(p, &format!("{field}.point"))?}));
    }
    if let Some(c) = v.get("circle") {
        let center = position(&c["center"], &format!("{field}.circle.center"))?;
        let r = c["radius_m"]
            .as_f64()
            .filter(|r| *r > 0.0 && *r <= 100_000.0)
            .ok_or_else(|| {
                invalid(
                    format!("{field}.circle.radius_m"),
                    "expected metres, 0 to 100 000",
                )
            })?;
        return Ok(json!({"circle": {"center": center, "radius_m": r}}));
    }
    Err(invalid(field, "expected {\"point\": [lon, lat]} or {\"circle\": {\"center\": [lon, lat], \"radius_m\": r}}"))
}

/// How far after the line's time an incident's time may be (clocks differ a little), in milliseconds.
pub const INCIDENT_AHEAD_MS: i64 = 15 * 60_000;

/// The least time between two checkpoints signed for incident reports (the regular checkpointer keeps its
/// own interval): a burst of reports waits a little rather than fill the store with checkpoints.
pub const CHECKPOINT_GAP: Duration = Duration::from_millis(250);

impl Line {
    /// Notifies (`POST /v1/notifications`): `{declarations: [ids], to: [parties], note?, reconfirm_s?}`. One
    /// notification per recipient; answers `{notifications: [...]}` as the notifier sees them.
    pub fn notify(&self, party: &str, body: Value) -> Result<Value, LineError> {
        let obj = object(
            &body,
            "a notification",
            &["declarations", "to", "note", "reconfirm_s"],
        )?;
        let cmd = NotifyCommand {
            declarations: tokens(
                obj,
                "declarations",
                deconflict_domain::notification::DECLARATIONS_PER_NOTIFICATION,
            )?,
            to: tokens(
                obj,
                "to",
                deconflict_domain::notification::RECIPIENTS_PER_NOTIFICATION,
            )?,
            note: text(obj, "note", false)?,
            reconfirm_s: match obj.get("reconfirm_s") {
                None => None,
                Some(v) => Some(
                    v.as_i64()
                        .filter(|s| *s >= deconflict_domain::notification::MIN_RECONFIRM_S)
                        .ok_or_else(|| {
                            invalid(
                                "reconfirm_s",
                                format!(
                                    "expected whole seconds from {} (an hour)",
                                    deconflict_domain::notification::MIN_RECONFIRM_S
                                ),
                            )
                        })?,
                ),
            },
        };
        self.write(|inner| {
            let now = self.clock.now_ms();
            let decided = inner.decide_notify(party, &cmd, now)?;
            // Charged by what it logs: every recipient's entry pins the same declarations' contents (they
            // differ only in id, recipient and deadlines), so one entry is measured, not each.
            let bytes = decided
                .first()
                .map_or(0, |d| d.content.to_string().len())
                .saturating_mul(decided.len());
            // At least one write per recipient: each recipient's notification is a record kept for good.
            self.charge_n(
                party,
                bytes
                    .div_ceil(deconflict_domain::notification::NOTIFY_COST_BYTES)
                    .max(decided.len()) as f64,
            )?;
            let ids: Vec<String> = decided
                .iter()
                .filter_map(|d| d.content["id"].as_str().map(str::to_string))
                .collect();
            self.commit(inner, self.stamp(party, decided))?;
            let items: Vec<Value> = ids
                .iter()
                .filter_map(|id| inner.notifications.get(id))
                .map(|n| n.view(party, now))
                .collect();
            Ok(json!({"notifications": items}))
        })
    }

    /// A page of the caller's notifications: `outbox` (sent), `inbox` (received) or both (`all`).
    pub fn notifications_page(
        &self,
        party: &str,
        which: &str,
        page: &Page,
    ) -> Result<Listed, LineError> {
        let limit = self.page_limit(page)?;
        let inner = self.lock()?;
        let now = self.clock.now_ms();
        Ok(self.listed(
            inner
                .listable(List::Notifications, party, page.after.as_deref())
                .filter_map(|id| inner.notifications.get(id).map(|n| (id, n)))
                .filter(|(_, n)| match which {
                    "outbox" => n.from == party,
                    "inbox" => n.to == party,
                    _ => need_to_know::notification(n, party),
                })
                .map(|(id, n)| (id, n.view(party, now))),
            limit,
            inner.next_seq,
        ))
    }

    /// One notification the caller sent or received; `NotFound` otherwise, whether or not it exists. One
    /// that left memory is answered whole: what it pinned and its note are read back from its entry, outside
    /// the line's lock.
    pub fn notification(&self, party: &str, id: &str) -> Result<Value, LineError> {
        let (mut view, seq) = {
            let inner = self.lock()?;
            let n = inner.notification_for(party, id)?;
            let whole = n.declarations.iter().all(|d| d.content.is_some()) && !n.retired;
            (
                n.view(party, self.clock.now_ms()),
                (!whole).then_some(n.sent.seq),
            )
        };
        if let Some(seq) = seq {
            let entry = self
                .store
                .entries(seq, 1)?
                .into_iter()
                .next()
                .filter(|e| e.header.seq == seq)
                .ok_or_else(|| LineError::Storage(format!("entry {seq} of {id} is missing")))?;
            let content: Value = serde_json::from_slice(&entry.content)
                .map_err(|e| LineError::Storage(format!("entry {seq} of {id}: {e}")))?;
            if content["id"] != json!(id) {
                return Err(LineError::Storage(format!("entry {seq} is not {id}'s")));
            }
            if let Some(items) = view["declarations"].as_array_mut() {
                for (item, logged) in items
                    .iter_mut()
                    .zip(content["declarations"].as_array().into_iter().flatten())
                {
                    item["declaration"] = logged["declaration"].clone();
                }
            }
            view["note"] = content["note"].clone();
        }
        Ok(view)
    }

    /// The recipient acknowledges (`reconfirm` false), or the notifier re-confirms a site's notification.
    pub fn notification_step(
        &self,
        party: &str,
        id: &str,
        reconfirm: bool,
    ) -> Result<Value, LineError> {
        self.charge(party)?;
        self.write(|inner| {
            let decided = inner.decide_notification_step(party, id, reconfirm)?;
            if !decided.is_empty() {
                self.commit(inner, self.stamp(party, decided))?;
            }
            let n = inner.notification_for(party, id)?;
            Ok(n.view(party, self.clock.now_ms()))
        })
    }

    /// Signs a checkpoint now if the log grew since the latest (for a bundle that must cover what was just
    /// written; the request that asks is charged to its party's write allowance). Never more often than
    /// one every [`CHECKPOINT_GAP`], whoever asks: a request that comes sooner waits out the gap (on its work
    /// thread), and one checkpoint then covers every incident reported meanwhile.
    fn checkpoint_now(&self) -> Result<(), LineError> {
        loop {
            let mut c = self
                .checkpointer
                .lock()
                .map_err(|_| LineError::Storage("checkpointer poisoned".into()))?;
            let now = Instant::now();
            match c.since_last(now) {
                Some(ago) if ago < CHECKPOINT_GAP => {
                    drop(c);
                    std::thread::sleep(CHECKPOINT_GAP - ago);
                }
                _ => {
                    c.sign_now(self.store.as_ref(), now)?;
                    return Ok(());
                }
            }
        }
    }

    /// Reports an incident (`POST /v1/notifications/incidents`): `{site, party?, time, place, description}`,
    /// logged as `incident.reported`. Answers the site's notification history as the reporter may read it,
    /// with what was in force at the incident's time, each item with its entry's number, and a proof bundle
    /// of those entries and the report's against a checkpoint signed for it.
    pub fn report_incident(&self, party: &str, body: Value) -> Result<Value, LineError> {
        let obj = object(
            &body,
            "an incident",
            &["site", "party", "time", "place", "description"],
        )?;
        let site = obj
            .get("site")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid("site", "expected the site's id"))?
            .to_string();
        let owner = match obj.get("party") {
            None => None,
            Some(p) => Some(
                p.as_str()
                    .ok_or_else(|| invalid("party", "expected the site's party"))?
                    .to_string(),
            ),
        };
        let time_ms = time(obj, "time")?;
        // An incident is reported after it happened (a few minutes' difference between clocks allowed).
        let now = self.clock.now_ms();
        if time_ms > now.saturating_add(INCIDENT_AHEAD_MS) {
            return Err(invalid(
                "time",
                format!(
                    "{} is after the line's time, {}: report an incident once it has happened",
                    format_time(time_ms),
                    format_time(now)
                ),
            ));
        }
        let place = match obj.get("place") {
            None => Value::Null,
            Some(Value::String(s)) if s.len() <= 500 => {
                if let Some(why) = deconflict_plan::free_text_problem(s) {
                    return Err(invalid("place", why));
                }
                json!(s)
            }
            Some(p @ Value::Array(_)) => position(p, "place")?,
            Some(_) => {
                return Err(invalid(
                    "place",
                    "expected [lon, lat] or a text of at most 500 bytes",
                ))
            }
        };
        let description = text(obj, "description", true)?;
        // The report's first write is charged before anything is looked at, found or not: asking about sites
        // one was never notified of is not free.
        self.charge(party)?;
        let (key, id, seq, notifications) = self.write(|inner| {
            let key = inner.incident_site(party, &site, owner.as_deref())?;
            let decided = inner.decide_incident(party, &key, time_ms, place.clone(), &description)?;
            let id = decided
                .first()
                .and_then(|d| d.content["id"].as_str())
                .unwrap_or_default()
                .to_string();
            // Everything the report costs, and its bound, before anything is written (and before the history
            // is built, from a count kept as entries are applied): a report refused is never stored, and one
            // stored is always answered as stored.
            let size = inner.site_history_size(party, &key);
            if size >= super::BUNDLE_ENTRIES {
                return Err(LineError::Limit {
                    limit: "bundle_entries",
                    detail: format!(
                        "the site's history holds {size} entries; an incident's bundle holds at most {}",
                        super::BUNDLE_ENTRIES
                    ),
                    rate: false,
                });
            }
            self.charge_n(party, ((size + 1) as f64 / 1_000.0).ceil())?;
            // Copied under the lock (what they pin is shared), written out after it.
            let notifications = inner.site_notifications_owned(party, &key);
            let seq = self.commit(inner, self.stamp(party, decided))?;
            Ok((key, id, seq, notifications))
        })?;
        let (history, mut seqs) =
            deconflict_domain::state::history_of_site(notifications.iter(), party, &key, time_ms);
        seqs.push(seq);
        let (of, _) = key.split_once('/').unwrap_or_default();
        let mut answer = json!({
            "incident": {"id": id, "seq": seq, "party": of, "site": site,
                         "time": format_time(time_ms), "place": place, "description": description},
            "history": history,
            "warning": "a notification is not a guarantee of safety",
        });
        // The incident is stored: whatever happens to its bundle, the answer says so (a bundle that cannot be
        // made now is asked for again with POST /v1/log/bundle and the entries' numbers).
        match self
            .checkpoint_now()
            .and_then(|()| self.proof_bundle_charged(party, &seqs))
        {
            Ok(bundle) => answer["bundle"] = bundle.to_json(),
            Err(e) => {
                answer["bundle"] = Value::Null;
                answer["bundle_error"] = json!(format!(
                    "the incident is recorded, but its bundle could not be made now ({e}); ask for it \
                     with POST /v1/log/bundle and the entries' numbers"
                ));
                answer["seqs"] = json!(seqs);
            }
        }
        Ok(answer)
    }

    /// Asks a notifier whether a location is protected (`POST /v1/deconfliction-requests`): `{to, location,
    /// start, end, text?}`.
    pub fn request_deconfliction(&self, party: &str, body: Value) -> Result<Value, LineError> {
        let obj = object(
            &body,
            "a deconfliction request",
            &["to", "location", "start", "end", "text"],
        )?;
        let to = obj
            .get("to")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid("to", "expected the notifier's party id"))?
            .to_string();
        let location = location(obj.get("location"), "location")?;
        let (start, end) = (time(obj, "start")?, time(obj, "end")?);
        if end <= start || end - start > 31 * 86_400_000 {
            return Err(invalid("end", "expected after start, within 31 days of it"));
        }
        let text = text(obj, "text", false)?;
        self.charge(party)?;
        self.write(|inner| {
            let now = self.clock.now_ms();
            let decided =
                inner.decide_request(party, &to, location.clone(), start, end, &text, now)?;
            let id = decided
                .first()
                .and_then(|d| d.content["id"].as_str())
                .unwrap_or_default()
                .to_string();
            self.commit(inner, self.stamp(party, decided))?;
            Ok(inner.request_for(party, &id)?.view(now))
        })
    }

    /// The notifier answers a request: `{protected, site?, text?}`.
    pub fn answer_deconfliction(
        &self,
        party: &str,
        id: &str,
        body: Value,
    ) -> Result<Value, LineError> {
        let obj = object(&body, "an answer", &["protected", "site", "text"])?;
        let protected = obj
            .get("protected")
            .and_then(Value::as_bool)
            .ok_or_else(|| invalid("protected", "expected true or false"))?;
        let site = match obj.get("site") {
            None | Some(Value::Null) => None,
            Some(s) => Some(
                s.as_str()
                    .ok_or_else(|| invalid("site", "expected one of your sites' ids"))?
                    .to_string(),
            ),
        };
        let text = text(obj, "text", false)?;
        self.charge(party)?;
        self.write(|inner| {
            let decided = inner.decide_answer(party, id, protected, site.as_deref(), &text)?;
            self.commit(inner, self.stamp(party, decided))?;
            Ok(inner.request_for(party, id)?.view(self.clock.now_ms()))
        })
    }

    /// One deconfliction request the caller asked or was asked.
    pub fn deconfliction_request(&self, party: &str, id: &str) -> Result<Value, LineError> {
        let inner = self.lock()?;
        Ok(inner.request_for(party, id)?.view(self.clock.now_ms()))
    }

    /// A page of the deconfliction requests the caller asked or was asked.
    pub fn deconfliction_page(&self, party: &str, page: &Page) -> Result<Listed, LineError> {
        let limit = self.page_limit(page)?;
        let inner = self.lock()?;
        let now = self.clock.now_ms();
        Ok(self.listed(
            inner
                .listable(List::Deconfliction, party, page.after.as_deref())
                .filter_map(|id| inner.deconfliction.get(id).map(|r| (id, r.view(now)))),
            limit,
            inner.next_seq,
        ))
    }
}
