//! Declarations: reading a body into a version (with its plan limits), finding the conflicts it opens and
//! resolves under each agreement's minima, writing it with them in one append, previews and advice over only
//! what the caller was given, state changes and cancellation, and the lists a party may read.

use super::*;

impl Line {
    /// Validates a declaration body from `party`: returns the declaration, the content to log and the audience.
    pub(super) fn prepare(
        &self,
        party: &str,
        mut body: Value,
        version: u64,
    ) -> Result<(Declaration, Value, BTreeSet<String>), LineError> {
        let Some(obj) = body.as_object_mut() else {
            return Err(invalid(
                "",
                "the body must be a JSON object (a declaration)",
            ));
        };
        match obj.get("party") {
            None => {
                obj.insert("party".into(), json!(party));
            }
            Some(p) if p == &json!(party) => {}
            Some(p) => {
                return Err(LineError::Forbidden(format!(
                    "you are {party}; you cannot declare for {p}"
                )))
            }
        }
        match obj.get("version") {
            None => {
                obj.insert("version".into(), json!(version));
            }
            Some(v) if v.as_u64() == Some(version) => {}
            Some(v) => {
                return Err(invalid(
                    "version",
                    format!("this write makes version {version}, not {v}"),
                ))
            }
        }
        // The audience goes into the entries' (sealed) audience, not into the content, which every member
        // reads: members do not learn each other. A party id is checked by its grammar only, so that the
        // answer never tells whether such a party is registered (one that registers later is given it).
        let mut audience = BTreeSet::from([party.to_string()]);
        if let Some(list) = obj.remove("audience") {
            let items = list
                .as_array()
                .ok_or_else(|| invalid("audience", "expected an array of party ids"))?;
            if items.len() > MAX_AUDIENCE {
                return Err(invalid(
                    "audience",
                    format!("{} parties; at most {MAX_AUDIENCE}", items.len()),
                ));
            }
            for (i, p) in items.iter().enumerate() {
                let p = p
                    .as_str()
                    .ok_or_else(|| invalid(format!("audience[{i}]"), "expected a party id"))?;
                check_token("audience", p).map_err(|_| {
                    invalid(
                        format!("audience[{i}]"),
                        format!(
                            "{p:?} is not a party id (1–64 of a-z 0-9 . _ - starting with a letter or \
                             digit)"
                        ),
                    )
                })?;
                audience.insert(p.to_string());
            }
        }
        let declaration = parse_declaration_limited(&body, "declaration", &self.plan_limits())
            .map_err(|e| match e.limit {
                Some(limit) => LineError::Limit {
                    // The plan's names, as the line's limits call them.
                    limit: if limit == "volume_window_ms" {
                        "volume_window"
                    } else {
                        limit
                    },
                    detail: e.to_string(),
                    rate: false,
                },
                None => invalid(e.field.clone(), e.to_string()),
            })?;
        let vertices = deconflict_domain::state::positions(&declaration);
        if vertices > self.limits.vertices_per_declaration {
            return Err(LineError::Limit {
                limit: "vertices_per_declaration",
                detail: format!(
                    "volumes: {vertices} positions in all; at most {} per declaration (limit \
                     vertices_per_declaration)",
                    self.limits.vertices_per_declaration
                ),
                rate: false,
            });
        }
        // A declaration is notice of what is to come: one that has wholly ended would only notify the other
        // parties of the past (and with "late notice" of a negative number of seconds).
        let now = self.clock.now_ms();
        let end = declaration.volumes.iter().map(|v| v.time.end_ms).max();
        if end.is_some_and(|end| end <= now) {
            return Err(invalid(
                "volumes",
                format!(
                    "every volume ended before now ({}); declare what is to come",
                    format_time(now)
                ),
            ));
        }
        Ok((declaration, body, audience))
    }

    pub(super) fn write_version(
        &self,
        party: &str,
        id_in_path: Option<&str>,
        if_match: Option<u64>,
        body: Value,
    ) -> Result<Declared, LineError> {
        self.charge(party)?;
        self.write(|inner| {
            let id = match id_in_path {
                Some(id) => id.to_string(),
                None => body["id"].as_str().unwrap_or_default().to_string(),
            };
            // Ids live in the caller's own namespace: another party's declaration of the same id, seen or
            // not, is another declaration, and its existence changes nothing here.
            let version = match (inner.current.get(&key(party, &id)), id_in_path) {
                (Some(c), None) => {
                    return Err(LineError::Exists(format!(
                        "declaration {id:?} exists (version {}); write a new version with PUT and \
                         If-Match",
                        c.declaration.version
                    )))
                }
                (None, None) => 1,
                (None, Some(_)) | (Some(_), Some(_)) => {
                    inner.writable(party, &id, if_match)?.declaration.version + 1
                }
            };
            if let (Some(path_id), Some(body_id)) = (id_in_path, body.get("id")) {
                if body_id != &json!(path_id) {
                    return Err(invalid(
                        "id",
                        format!("the body's id {body_id} is not the path's {path_id:?}"),
                    ));
                }
            }
            let mut body = body;
            if let (Some(obj), Some(path_id)) = (body.as_object_mut(), id_in_path) {
                obj.entry("id").or_insert(json!(path_id));
            }
            let (declaration, content, audience) = self.prepare(party, body, version)?;
            // Refused whole past a bound (conflicts it would open, what its party would hold live), before
            // any entry is built.
            let (decided, conflicts) = inner.decide_version(
                party,
                &declaration,
                &content,
                &audience,
                &self.version_bounds(),
            )?;
            let entries = self.stamp(party, decided);
            inner.prepared = Some(Prepared::Declaration(declaration.clone()));
            let seq = self.commit(inner, entries)?;
            let advising = (!conflicts.is_empty()).then(|| inner.advising(&declaration, party));
            let late = inner
                .current
                .get(&key(party, &declaration.id))
                .and_then(|c| c.late.clone());
            let views: Vec<Value> = conflicts
                .iter()
                .filter_map(|c| inner.conflicts.get(&c.id).map(|r| conflict_view(r, party)))
                .collect();
            Ok((
                Declared {
                    version,
                    body: json!({
                        "id": declaration.id,
                        "version": version,
                        "seq": seq,
                        "declaration": content,
                        "normalised": null,
                        "audience": audience,
                        "conflicts": views,
                        "advice": null,
                        "late_notice": late,
                    }),
                },
                advising,
                declaration,
            ))
        })
        .map(|(mut declared, advising, declaration)| {
            // Advice and the normalised form are made after the write, without the line's lock.
            if let Some(a) = advising {
                declared.body["advice"] = a.advise(&declaration);
            }
            declared.body["normalised"] = declaration_json(&declaration);
            declared
        })
    }

    /// What declaring `body` would find, stored nowhere and logged nowhere: the body is checked as
    /// [`Line::declare`] checks it (a bad field is named the same way), then against every declaration,
    /// site and zone in force. Only conflicts with declarations shared with the caller are returned: an
    /// unrecorded check must not tell anyone where others, unseen, will be. Conflicts with the rest are found,
    /// notified to both parties and recorded when the declaration is submitted. An id the caller already
    /// uses is checked as its next version. A preview is charged to its party's write allowance
    /// (`writes_per_party_per_second`): it is the work of a write, stored nowhere.
    pub fn preview(&self, party: &str, body: Value) -> Result<Value, LineError> {
        self.charge(party)?;
        // The version it would be is read under the lock; the body is read and checked without it (it may
        // be large); what the conflicts need is copied under the lock, and they are computed without it.
        let id = body["id"].as_str().unwrap_or_default().to_string();
        let version = self
            .lock()?
            .current
            .get(&key(party, &id))
            .map_or(1, |c| c.declaration.version + 1);
        let (declaration, content, _) = self.prepare(party, body, version)?;
        let advising = self.lock()?.advising(&declaration, party);
        let found = advising
            .index
            .conflicts_of_under(&declaration, &advising.policy());
        let inner = self.lock()?;
        let conflicts: Vec<Value> = found
            .iter()
            .filter_map(|c| {
                let other = c.other_than(party);
                let other = inner
                    .current
                    .get(&key(&other.party, &other.id))
                    .filter(|o| need_to_know::declaration(o, party))?;
                Some(json!({
                    "other": {
                        "id": other.declaration.id,
                        "party": other.declaration.party,
                        "version": other.declaration.version,
                        "name": other.content["name"],
                        "kind": other.declaration.kind.name(),
                    },
                    "distance_m": c.distance_m,
                    "vertical_gap_m": c.vertical_gap_m,
                    "start": format_time(c.window.start_ms),
                    "end": format_time(c.window.end_ms),
                }))
            })
            .collect();
        Ok(json!({
            "declaration": content,
            "normalised": declaration_json(&declaration),
            "outline": outline(&declaration),
            "conflicts": conflicts,
            "checked": "against the declarations shared with you; conflicts with any others are found, \
                        notified and recorded when you submit",
        }))
    }

    /// The least delay, climb or descent that would clear every conflict of the caller's own declaration
    /// `id` (as returned with a declaration that conflicts), computed now.
    pub fn advice(&self, party: &str, id: &str) -> Result<Value, LineError> {
        // What the advice needs is copied under the lock; the advice is computed without it.
        let (declaration, advising) = {
            let inner = self.lock()?;
            let current = inner.find(party, id, None)?;
            if current.declaration.party != party {
                return Err(LineError::Forbidden(format!(
                    "declaration {id:?} is {}'s; only its own party is advised on it",
                    current.declaration.party
                )));
            }
            let declaration = current.declaration.clone();
            let advising = inner.advising(&declaration, party);
            (declaration, advising)
        };
        let conflicts = advising.conflicts(&declaration);
        let advice = (conflicts > 0).then(|| advising.advise(&declaration));
        Ok(
            json!({"id": id, "party": party, "version": declaration.version, "conflicts": conflicts,
                   "advice": advice}),
        )
    }

    /// The stored entry `seq` if `party` may read it.
    pub fn entry_for(
        &self,
        party: &str,
        seq: u64,
    ) -> Result<deconflict_store::StoredEntry, LineError> {
        match self.store.entry(seq)? {
            Some(e) if e.header.audience.includes(party) => Ok(e),
            _ => Err(LineError::NotFound(format!("log entry {seq}"))),
        }
    }

    /// Creates a declaration (version 1).
    pub fn declare(&self, party: &str, body: Value) -> Result<Declared, LineError> {
        self.write_version(party, None, None, body)
    }

    /// Writes a new version of `id`, which must be at version `if_match`.
    pub fn new_version(
        &self,
        party: &str,
        id: &str,
        if_match: Option<u64>,
        body: Value,
    ) -> Result<Declared, LineError> {
        self.write_version(party, Some(id), if_match, body)
    }

    /// Cancels `id`, which must be at version `if_match`; its open conflicts are resolved.
    pub fn cancel(&self, party: &str, id: &str, if_match: Option<u64>) -> Result<Value, LineError> {
        self.charge(party)?;
        self.write(|inner| {
            let (version, decided) = inner.decide_cancel(party, id, if_match)?;
            let seq = self.commit(inner, self.stamp(party, decided))?;
            Ok(json!({"id": id, "version": version, "cancelled": true, "seq": seq}))
        })
    }

    /// Moves `id` (at version `if_match`) to `to`: planned → active, or planned/active → ended (its open
    /// conflicts are resolved).
    pub fn set_state(
        &self,
        party: &str,
        id: &str,
        if_match: Option<u64>,
        to: Lifecycle,
    ) -> Result<Value, LineError> {
        self.charge(party)?;
        self.write(|inner| {
            let decided = inner.decide_lifecycle(party, id, if_match, to)?;
            self.commit(inner, self.stamp(party, decided))?;
            inner
                .current
                .get(&key(party, id))
                .map(|c| Self::view(c, party))
                .ok_or_else(|| LineError::NotFound(id.into()))
        })
    }

    /// A declaration as `party` sees it: its own party also sees the audience (the others with whom it is
    /// shared), which no other member is shown.
    pub(super) fn view(c: &Current, party: &str) -> Value {
        let mut v = json!({
            "id": c.declaration.id,
            "party": c.declaration.party,
            "version": c.declaration.version,
            "status": c.state.name(),
            "seq": c.seq,
            "late_notice": c.late,
            "declaration": c.content,
            // Beside the declaration as typed, the same in the line's units (degrees, metres, UTC); null once
            // its content has left memory (a closed declaration after the retention period).
            "normalised": if c.content.is_null() { Value::Null } else { declaration_json(&c.declaration) },
        });
        if c.declaration.party == party {
            v["audience"] = json!(c.audience);
        }
        v
    }

    /// A declaration the caller may see: its own `id`, or the one of that id shared with it (of `owner`, if
    /// it names one); `NotFound` otherwise, whether or not it exists.
    pub fn get(&self, party: &str, id: &str, owner: Option<&str>) -> Result<Value, LineError> {
        let inner = self.lock()?;
        Ok(inner.find(party, id, owner).map(|c| Self::view(c, party))?)
    }

    /// Every declaration the caller may see that passes `filter`.
    pub fn list(&self, party: &str, filter: &ListFilter) -> Result<Vec<Value>, LineError> {
        let inner = self.lock()?;
        Ok(inner
            .listable(List::Declarations, party, None)
            .filter_map(|k| inner.current.get(k))
            .filter(|c| {
                need_to_know::declaration(c, party)
                    && (filter.include_closed || !c.state.closed())
                    && filter.keeps(&c.declaration)
            })
            .map(|c| {
                let mut v = Self::view(c, party);
                if filter.outline {
                    v["outline"] = outline(&c.declaration);
                }
                v
            })
            .collect())
    }

    /// The number of items a page asks for, within the line's bounds.
    pub(crate) fn page_limit(&self, page: &Page) -> Result<usize, LineError> {
        match page.limit {
            None => Ok(self.limits.page_default.max(1)),
            Some(n) if (1..=self.limits.page_max).contains(&n) => Ok(n),
            Some(n) => Err(LineError::Limit {
                limit: "page_max",
                detail: format!(
                    "limit={n}: a page holds 1 to {} items (limit page_max)",
                    self.limits.page_max
                ),
                rate: false,
            }),
        }
    }

    /// A page of the declarations `party` may see, by party and id (the cursor is `party/id`): a walk of the
    /// party's own index of what it may read, from the cursor on, so that neither the page nor its cost
    /// depends on declarations it was not given.
    pub fn list_page(
        &self,
        party: &str,
        filter: &ListFilter,
        page: &Page,
    ) -> Result<Listed, LineError> {
        let limit = self.page_limit(page)?;
        let inner = self.lock()?;
        Ok(self.listed(
            inner
                .listable(List::Declarations, party, page.after.as_deref())
                .filter_map(|k| inner.current.get(k).map(|c| (k, c)))
                .filter(|(_, c)| {
                    need_to_know::declaration(c, party)
                        && (filter.include_closed || !c.state.closed())
                        && filter.keeps(&c.declaration)
                })
                .map(|(id, c)| {
                    let mut v = Self::view(c, party);
                    if filter.outline {
                        v["outline"] = outline(&c.declaration);
                    }
                    (id, v)
                }),
            limit,
            inner.next_seq,
        ))
    }
}

/// Most declarations the line moves through their life in one run of its loop (the rest on the next run).
pub const LIFECYCLE_PER_RUN: usize = 256;

impl Line {
    /// The line moves declarations through their life on its clock: a planned declaration whose first window
    /// has begun becomes active, one whose last window has ended becomes ended (its open conflicts resolved),
    /// at most [`LIFECYCLE_PER_RUN`] a run. The entries are the line's own (actor [`LINE_ACTOR`]), told to
    /// each declaration's audience, sealed, as its party's own changes are. Returns how many entries it logged.
    pub fn advance_lifecycle(&self) -> Result<usize, LineError> {
        // Run on every tick of every node: when nothing is due, do not take the end of a shared log.
        if self
            .lock()?
            .decide_due_lifecycle(self.clock.now_ms(), 1)
            .is_empty()
        {
            return Ok(0);
        }
        self.write(|inner| {
            let decided = inner.decide_due_lifecycle(self.clock.now_ms(), LIFECYCLE_PER_RUN);
            let n = decided.len();
            if n > 0 {
                self.commit(inner, self.stamp(LINE_ACTOR, decided))?;
            }
            Ok(n)
        })
    }
}
