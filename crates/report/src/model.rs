//! The report's model: a header (party, window, log, how to verify) and sections of stories, each story the
//! lines of one declaration, conflict, message, alert, agreement or notification, each line one entry (or,
//! for an alert's churn of updates, one line standing for a run of entries, naming their sequence numbers).

use std::collections::{BTreeMap, HashMap};

use deconflict_ledger::bundle::{ProofBundle, VerifiedBundle};
use deconflict_ledger::EntryHeader;
use serde::Serialize;
use serde_json::Value;

use crate::time::{dtg, rfc3339, span};
use crate::words::{acknowledgement, describe, separation, text, Timing};
use crate::ReportError;

/// The report's header.
#[derive(Debug, Clone, Serialize)]
pub struct Header {
    /// The party the report is for (the bundle's).
    pub party: String,
    pub from: String,
    pub to: String,
    pub from_dtg: String,
    pub to_dtg: String,
    /// The log's origin (its name) and the size of the checkpoint every entry is proved against.
    pub origin: String,
    pub checkpoint_size: u64,
    /// The witnesses whose cosignatures the policy checked.
    pub witnesses: Vec<String>,
    /// Entries the report is made of.
    pub entries: usize,
    /// Entries of the bundle outside the window, left out.
    pub outside: usize,
    pub first_seq: Option<u64>,
    pub last_seq: Option<u64>,
    /// The log is an exercise's (its clock is not real time).
    pub exercise: bool,
    /// The command that checks the bundle offline.
    pub verify: String,
}

/// One line of a story.
#[derive(Debug, Clone, Serialize)]
pub struct Line {
    /// The entry's sequence number, or `first–last (n entries)` for a collapsed run.
    pub seq: String,
    pub first_seq: u64,
    pub time: String,
    pub dtg: String,
    pub actor: String,
    pub text: String,
}

/// One thing's story: a title, its outcome in a few sentences, and its lines in log order.
#[derive(Debug, Clone, Serialize)]
pub struct Story {
    pub title: String,
    pub outcome: Vec<String>,
    pub lines: Vec<Line>,
}

/// A section: one family of entries.
#[derive(Debug, Clone, Serialize)]
pub struct Section {
    /// The family (`declaration`, `conflict`, `message`, …), for anchors and tests.
    pub key: String,
    pub title: String,
    pub stories: Vec<Story>,
}

/// The whole report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub header: Header,
    pub sections: Vec<Section>,
}

/// Sections in the order they are shown; other families follow in the order first seen.
const SECTIONS: [(&str, &str); 10] = [
    ("declaration", "Declarations"),
    ("conflict", "Conflicts"),
    ("message", "Hotline"),
    ("alert", "Alerts"),
    ("notification", "Humanitarian notifications"),
    ("deconfliction", "Deconfliction requests"),
    ("incident", "Incidents"),
    ("agreement", "Agreements"),
    ("party", "Parties and credentials"),
    ("dss", "DSS (F3548) changes"),
];

/// An entry read from the bundle.
struct Entry<'a> {
    header: &'a EntryHeader,
    content: &'a Value,
}

impl Entry<'_> {
    fn line(&self, text: String) -> Line {
        Line {
            seq: self.header.seq.to_string(),
            first_seq: self.header.seq,
            time: rfc3339(self.header.time_ms),
            dtg: dtg(self.header.time_ms),
            actor: self.header.actor.clone(),
            text,
        }
    }
    fn said(&self) -> Line {
        self.line(describe(
            &self.header.kind,
            &self.header.actor,
            self.content,
        ))
    }
    fn id(&self) -> Option<&str> {
        text(self.content, "id")
    }
}

/// What the stories of one section are built from: their entries, by key, in the order first seen.
#[derive(Default)]
struct Gathered<'a> {
    order: Vec<String>,
    by_key: HashMap<String, Vec<Entry<'a>>>,
}

impl<'a> Gathered<'a> {
    fn push(&mut self, key: String, e: Entry<'a>) {
        let list = self.by_key.entry(key.clone()).or_default();
        if list.is_empty() {
            self.order.push(key);
        }
        list.push(e);
    }
    fn take(self) -> Vec<(String, Vec<Entry<'a>>)> {
        let mut by_key = self.by_key;
        self.order
            .into_iter()
            .filter_map(|k| by_key.remove(&k).map(|v| (k, v)))
            .collect()
    }
}

/// Where the report tells the reader to find the policy and the bundle (file names for the command).
#[derive(Debug, Clone)]
pub struct Files {
    pub policy: String,
    pub bundle: String,
}

impl Report {
    /// The report of a verified bundle over `[from_ms, to_ms)`: entries outside the window are left out (and
    /// counted in the header). `verified` is what [`ProofBundle::verify`] returned for this bundle.
    pub fn from_bundle(
        bundle: &ProofBundle,
        verified: &VerifiedBundle,
        from_ms: i64,
        to_ms: i64,
        files: &Files,
    ) -> Result<Report, ReportError> {
        let read = bundle
            .read_entries()
            .map_err(|e| ReportError::Bundle(e.to_string()))?;
        let mut inside: Vec<(&EntryHeader, &Value)> = read
            .iter()
            .filter(|(h, _)| (from_ms..to_ms).contains(&h.time_ms))
            .map(|(h, c)| (h, c))
            .collect();
        inside.sort_by_key(|(h, _)| h.seq);
        let checkpoint = &verified.checkpoint.checkpoint;
        let header = Header {
            party: bundle.party.clone(),
            from: rfc3339(from_ms),
            to: rfc3339(to_ms),
            from_dtg: dtg(from_ms),
            to_dtg: dtg(to_ms),
            origin: checkpoint.origin.clone(),
            checkpoint_size: checkpoint.size,
            witnesses: verified.checkpoint.witnesses.clone(),
            entries: inside.len(),
            outside: read.len() - inside.len(),
            first_seq: inside.first().map(|(h, _)| h.seq),
            last_seq: inside.last().map(|(h, _)| h.seq),
            exercise: checkpoint.origin.contains("exercise"),
            verify: format!(
                "deconflict log verify-proof --policy {} --bundle {}",
                files.policy, files.bundle
            ),
        };
        // What the record can tell of deadlines: up to the window's end or its last entry, whichever is first
        // (a window may reach past the log's present).
        let known_until = inside
            .last()
            .map_or(from_ms, |(h, _)| h.time_ms.saturating_add(1))
            .min(to_ms);
        let entries = inside
            .into_iter()
            .map(|(header, content)| Entry { header, content });
        Ok(Report {
            sections: sections(&bundle.party, entries, known_until),
            header,
        })
    }

    /// Verifies `bundle` under `policy` and makes its report (see [`Report::from_bundle`]); an invalid bundle
    /// is refused, naming the entry that fails.
    pub fn verified(
        bundle: &ProofBundle,
        policy: &deconflict_ledger::Policy,
        from_ms: i64,
        to_ms: i64,
        files: &Files,
    ) -> Result<Report, ReportError> {
        let verified = bundle
            .verify(policy)
            .map_err(|e| ReportError::Unverified(e.to_string()))?;
        Report::from_bundle(bundle, &verified, from_ms, to_ms, files)
    }

    /// Every line of every story, in report order (for tests and counts).
    pub fn lines(&self) -> impl Iterator<Item = &Line> {
        self.sections
            .iter()
            .flat_map(|s| s.stories.iter())
            .flat_map(|s| s.lines.iter())
    }
}

fn family(kind: &str) -> &str {
    match kind.split_once('.') {
        Some(("credential", _)) => "party",
        Some((f, _)) => f,
        None => kind,
    }
}

fn sections<'a>(reader: &str, entries: impl Iterator<Item = Entry<'a>>, end: i64) -> Vec<Section> {
    let mut families: Vec<String> = SECTIONS.iter().map(|(k, _)| k.to_string()).collect();
    let mut gathered: BTreeMap<String, Gathered<'a>> = BTreeMap::new();
    // Agreements are named by proposer and id; acceptances name the proposer (or, in old entries, not).
    let mut agreement_keys: HashMap<String, String> = HashMap::new();
    for e in entries {
        let fam = family(&e.header.kind).to_string();
        let id = e.id().unwrap_or("").to_string();
        let key = match fam.as_str() {
            "declaration" => format!("{}/{id}", e.header.actor),
            "agreement" => {
                let key = match text(e.content, "proposer") {
                    Some(p) => format!("{p}/{id}"),
                    None if e.header.kind == "agreement.proposed" => {
                        format!("{}/{id}", e.header.actor)
                    }
                    None => agreement_keys
                        .get(&id)
                        .cloned()
                        .unwrap_or_else(|| format!("?/{id}")),
                };
                agreement_keys.insert(id, key.clone());
                key
            }
            "party" => e.header.seq.to_string(),
            _ if id.is_empty() => format!("#{}", e.header.seq),
            _ => id,
        };
        if !families.contains(&fam) {
            families.push(fam.clone());
        }
        gathered.entry(fam).or_default().push(key, e);
    }
    let mut out = Vec::new();
    for fam in families {
        let Some(g) = gathered.remove(&fam) else {
            continue;
        };
        let title = SECTIONS
            .iter()
            .find(|(k, _)| *k == fam)
            .map(|(_, t)| t.to_string())
            .unwrap_or_else(|| format!("Other: {fam}"));
        let stories = g
            .take()
            .into_iter()
            .map(|(key, list)| match fam.as_str() {
                "declaration" => declaration(&key, &list),
                "conflict" => conflict(&key, &list),
                "message" => message(reader, &key, &list, end),
                "alert" => alert(&key, &list),
                "agreement" => plain(format!("Agreement {key}"), &list),
                "party" => plain(String::new(), &list),
                _ if key.starts_with('#') => plain(String::new(), &list),
                _ => plain(format!("{} {key}", fam.replace('_', " ")), &list),
            })
            .collect();
        out.push(Section {
            key: fam,
            title,
            stories,
        });
    }
    out
}

fn plain(title: String, list: &[Entry<'_>]) -> Story {
    Story {
        title,
        outcome: Vec::new(),
        lines: list.iter().map(Entry::said).collect(),
    }
}

fn declaration(key: &str, list: &[Entry<'_>]) -> Story {
    let mut state = None;
    for e in list {
        let version = e.content.get("version").and_then(Value::as_u64);
        state = match e.header.kind.as_str() {
            "declaration.version" => Some(format!("version {} declared", version.unwrap_or(0))),
            "declaration.cancel" => Some("cancelled".to_string()),
            "declaration.state" => Some(format!(
                "{} (version {})",
                text(e.content, "state").unwrap_or("?"),
                version.map_or("?".into(), |v| v.to_string())
            )),
            _ => state,
        };
    }
    Story {
        title: format!("Declaration {key}"),
        outcome: state
            .map(|s| format!("Last change in the window: {s}."))
            .into_iter()
            .collect(),
        lines: list.iter().map(Entry::said).collect(),
    }
}

fn conflict(id: &str, list: &[Entry<'_>]) -> Story {
    let mut outcome = Vec::new();
    let mut sides: Vec<String> = Vec::new();
    let mut responses: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut resolved = None;
    for e in list {
        match e.header.kind.as_str() {
            "conflict.found" => {
                for k in ["a", "b"] {
                    if let Some(p) = e.content.get(k).and_then(|s| text(s, "party")) {
                        sides.push(p.to_string());
                    }
                }
                outcome.push(format!("Found at {}.", dtg(e.header.time_ms)));
            }
            "conflict.acknowledged" | "conflict.accepted" | "conflict.disputed" => {
                let verb = e.header.kind.trim_start_matches("conflict.");
                responses
                    .entry(e.header.actor.clone())
                    .or_default()
                    .push(format!("{verb} at {}", dtg(e.header.time_ms)));
            }
            "conflict.resolved" => resolved = Some(e),
            _ => {}
        }
    }
    for side in &sides {
        if !responses.contains_key(side) {
            responses.insert(side.clone(), vec!["no response in this record".into()]);
        }
    }
    for (party, said) in responses {
        outcome.push(format!("{party}: {}.", said.join(", ")));
    }
    outcome.push(match resolved {
        Some(e) => format!(
            "Resolved at {}{}.",
            dtg(e.header.time_ms),
            text(e.content, "reason")
                .map(|r| format!(" ({r})"))
                .unwrap_or_default()
        ),
        None => "Still open at the end of the window.".into(),
    });
    Story {
        title: format!("Conflict {id}"),
        outcome,
        lines: list.iter().map(Entry::said).collect(),
    }
}

/// A hotline message: each recipient's acknowledgement against the deadline (the sender sees every
/// recipient's; a recipient, its own).
fn message(reader: &str, id: &str, list: &[Entry<'_>], end: i64) -> Story {
    let sent = list.iter().find(|e| e.header.kind == "message.sent");
    let mut acked: HashMap<&str, i64> = HashMap::new();
    let mut escalated: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for e in list {
        match e.header.kind.as_str() {
            "message.acknowledged" | "message.answered" => {
                acked
                    .entry(e.header.actor.as_str())
                    .or_insert(e.header.time_ms);
            }
            "message.escalated" => {
                if let Some(p) = text(e.content, "party") {
                    escalated.entry(p).or_default().push(format!(
                        "{} at {}",
                        text(e.content, "level").unwrap_or("?"),
                        dtg(e.header.time_ms)
                    ));
                }
            }
            _ => {}
        }
    }
    let mut outcome = Vec::new();
    let mut title = format!("Message {id}");
    match sent {
        Some(s) => {
            let deadline = s.content.get("deadline_ms").and_then(Value::as_i64);
            let from = text(s.content, "from").unwrap_or(&s.header.actor);
            let to: Vec<&str> = s
                .content
                .get("to")
                .and_then(Value::as_array)
                .map(|t| t.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            title = format!(
                "Message {id}, {} from {from} to {}",
                text(s.content, "precedence").unwrap_or("?"),
                to.join(", ")
            );
            if let Some(deadline) = deadline {
                outcome.push(format!(
                    "Sent at {}; acknowledgement due within {}, by {}.",
                    dtg(s.header.time_ms),
                    span(deadline - s.header.time_ms),
                    dtg(deadline)
                ));
                for r in to.iter().filter(|r| reader == from || **r == reader) {
                    // A deadline passed without acknowledgement is logged as an escalation; without one, the
                    // record shows it passed only if it reaches beyond it.
                    let known = if escalated.contains_key(r) {
                        i64::MAX
                    } else {
                        end
                    };
                    let (_, mut said) = acknowledgement(r, deadline, acked.get(r).copied(), known);
                    if let Some(levels) = escalated.get(r) {
                        said.push_str(&format!("; escalated to {}", levels.join(", then ")));
                    }
                    outcome.push(format!("{said}."));
                }
            }
        }
        None => outcome.push(
            "Sent before this window: its deadline and first receipts are in an earlier record."
                .into(),
        ),
    }
    Story {
        title,
        outcome,
        lines: list.iter().map(Entry::said).collect(),
    }
}

/// How the acknowledgements of a message stood (for tests): each recipient's [`Timing`].
pub fn timings(story: &Story) -> Vec<Timing> {
    story
        .outcome
        .iter()
        .filter_map(|o| {
            if o.contains(", in time (") {
                Some(Timing::InTime)
            } else if o.contains(", late (") {
                Some(Timing::Late)
            } else if o.contains("never acknowledged") {
                Some(Timing::Never)
            } else if o.contains("ends before its deadline") {
                Some(Timing::Pending)
            } else {
                None
            }
        })
        .collect()
}

/// An alert's story: raised, its updates (a run of them as one line: how many, when, the closest approach
/// and when separation was first lost), what was told to one party alone, closed.
fn alert(id: &str, list: &[Entry<'_>]) -> Story {
    let mut lines = Vec::new();
    let mut run: Vec<&Entry<'_>> = Vec::new();
    let mut outcome = Vec::new();
    let flush = |run: &mut Vec<&Entry<'_>>, lines: &mut Vec<Line>| {
        match run.as_slice() {
            [] => {}
            [one] => lines.push(one.said()),
            [first, .., last] => {
                let closest = run
                    .iter()
                    .filter_map(|e| e.content.get("d_cpa_m").and_then(Value::as_f64))
                    .fold(f64::INFINITY, f64::min);
                let lost = run
                    .iter()
                    .find(|e| e.content.get("los").and_then(Value::as_bool) == Some(true));
                let mut said = format!(
                    "alert {id} updated {} times from {} to {}",
                    run.len(),
                    dtg(first.header.time_ms),
                    dtg(last.header.time_ms)
                );
                if closest.is_finite() {
                    said.push_str(&format!("; closest predicted approach {closest:.0} m"));
                }
                if let Some(l) = lost {
                    said.push_str(&format!(
                        "; separation first lost at {} (entry {})",
                        rfc3339(l.header.time_ms),
                        l.header.seq
                    ));
                }
                let last_figures = separation(last.content);
                if !last_figures.is_empty() {
                    said.push_str(&format!("; last: {last_figures}"));
                }
                let mut line = first.line(said);
                line.seq = format!(
                    "{}–{} ({} entries)",
                    first.header.seq,
                    last.header.seq,
                    run.len()
                );
                lines.push(line);
            }
        }
        run.clear();
    };
    let mut raised = None;
    let mut closed = None;
    for e in list {
        match e.header.kind.as_str() {
            "alert.updated" if e.content.get("for").is_none() => run.push(e),
            kind => {
                flush(&mut run, &mut lines);
                if kind == "alert.raised" {
                    raised = Some(e.header.time_ms);
                }
                if kind == "alert.closed" {
                    closed = Some(e);
                }
                lines.push(e.said());
            }
        }
    }
    flush(&mut run, &mut lines);
    let updates = list
        .iter()
        .filter(|e| e.header.kind == "alert.updated")
        .count();
    match (raised, closed) {
        (Some(r), Some(c)) => outcome.push(format!(
            "Raised at {}, closed at {} after {}{}; {updates} updates.",
            dtg(r),
            dtg(c.header.time_ms),
            span(c.header.time_ms - r),
            text(c.content, "reason")
                .map(|x| format!(" ({x})"))
                .unwrap_or_default()
        )),
        (Some(r), None) => outcome.push(format!(
            "Raised at {}; still open at the end of the window; {updates} updates.",
            dtg(r)
        )),
        (None, Some(c)) => outcome.push(format!(
            "Raised before this window; closed at {}; {updates} updates in it.",
            dtg(c.header.time_ms)
        )),
        (None, None) => outcome.push(format!(
            "Raised before this window and open at its end; {updates} updates in it."
        )),
    }
    let kind = list
        .iter()
        .find_map(|e| text(e.content, "kind"))
        .unwrap_or("");
    Story {
        title: format!(
            "Alert {id}{}",
            if kind.is_empty() {
                String::new()
            } else {
                format!(" ({kind})")
            }
        ),
        outcome,
        lines,
    }
}
