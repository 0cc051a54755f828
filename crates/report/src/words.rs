//! Each kind of entry in words, from its content (LEDGER.md §2). A kind this crate does not know, or a content
//! whose shape is not the one expected, still gets a readable line: its kind, and a short summary of its
//! content's fields — the report never refuses an entry the log holds.

use serde_json::Value;

use crate::time::{dtg, span};
use crate::TEXT_CHARS;

/// `v[key]` as text, if it is a string.
pub(crate) fn text<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// Free text, cut to [`TEXT_CHARS`] characters.
pub(crate) fn cut(s: &str, chars: usize) -> String {
    match s.char_indices().nth(chars) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s.to_string(),
    }
}

/// A name, quoted, or "(no name)".
fn named(name: Option<&str>) -> String {
    match name {
        Some(n) if !n.is_empty() => quoted(&cut(n, 200)),
        _ => "(no name)".into(),
    }
}

/// Quoted free text.
fn quoted(s: &str) -> String {
    format!("“{}”", cut(s, TEXT_CHARS))
}

fn metres(v: &Value, key: &str) -> Option<String> {
    v.get(key)
        .and_then(Value::as_f64)
        .map(|m| format!("{m:.0} m"))
}

/// A height in metres as `6 096 m / 20 000 ft (FL200)`, or `SFC` for none (the surface).
fn height(v: &Value, key: &str) -> String {
    match v.get(key).and_then(Value::as_f64) {
        None => "SFC".into(),
        Some(m) => {
            let ft = m / deconflict_space::units::METRES_PER_FOOT;
            let fl = if m > 0.0 {
                format!(" (FL{:03.0})", (ft / 100.0).round())
            } else {
                String::new()
            };
            format!("{m:.0} m / {ft:.0} ft{fl}")
        }
    }
}

/// A structured hotline message (a template: `{"type": …, fields}`) in English. An unknown type or a
/// field missing still reads: the type and what is there.
pub fn template_words(t: &Value) -> String {
    // An id with its owner beside when the line recorded one (`us-17 of ru-gs`).
    let id = |key: &str| {
        let of = text(t, &format!("{key}_party"))
            .map(|p| format!(" of {}", cut(p, 100)))
            .unwrap_or_default();
        text(t, key)
            .map(|s| format!("{}{of}", cut(s, 200)))
            .unwrap_or_else(|| "?".into())
    };
    let window = || {
        format!(
            "from {} to {}",
            when(t, "start").unwrap_or_else(|| "?".into()),
            when(t, "end").unwrap_or_else(|| "?".into())
        )
    };
    match text(t, "type").unwrap_or("") {
        "operation_notice" => format!(
            "Notice of operation{} {}, between {} and {}",
            text(t, "declaration")
                .map(|_| format!(" {}", id("declaration")))
                .unwrap_or_default(),
            window(),
            height(t, "lower_m"),
            height(t, "upper_m")
        ),
        "site_exclusion_request" => format!(
            "Request to confirm that protected site {} is excluded from operations {}",
            id("site"),
            window()
        ),
        "delay_request" => format!(
            "Request to delay {} by {}",
            id("declaration"),
            t.get("delay_s")
                .and_then(Value::as_i64)
                .map_or_else(|| "?".into(), |s| span(s * 1000))
        ),
        "acknowledgement" => {
            let status = match text(t, "status") {
                Some("received") => "received",
                Some("will_comply") => "received; will comply",
                Some("cannot_comply") => "received; cannot comply",
                _ => "?",
            };
            match text(t, "message") {
                Some(m) => format!("Acknowledgement of message {}: {status}", cut(m, 200)),
                None => format!("Acknowledgement: {status}"),
            }
        }
        other => format!("Structured message of an unknown form {}", quoted(other)),
    }
}

/// A message's (or an answer's) words: its template in English, then its free text as written, quoted.
fn message_words(c: &Value) -> String {
    let free = text(c, "text").unwrap_or("");
    match c.get("template").filter(|t| t.is_object()) {
        Some(t) if free.trim().is_empty() => format!("{}.", template_words(t)),
        Some(t) => format!(
            "{}. Free text, as written: {}",
            template_words(t),
            quoted(free)
        ),
        None => quoted(free),
    }
}

fn list(v: &Value, key: &str) -> String {
    match v.get(key) {
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_string))
            .collect::<Vec<_>>()
            .join(", "),
        Some(Value::String(s)) => s.clone(),
        _ => "?".into(),
    }
}

/// A time field (RFC 3339 text) shown as a date-time group, or as given when it cannot be read.
fn when(v: &Value, key: &str) -> Option<String> {
    let t = text(v, key)?;
    Some(
        deconflict_space::units::parse_time(t)
            .map(dtg)
            .unwrap_or_else(|_| cut(t, 40)),
    )
}

/// A short summary of a content's fields (not `id`, which the line names already): scalars as
/// `name: value`, lists by their length, objects by their id or name. At most about 400 characters.
pub(crate) fn summary(content: &Value) -> String {
    let Value::Object(o) = content else {
        return cut(&content.to_string(), 200);
    };
    // Keys in sorted order, whatever order the map keeps (serde_json's `preserve_order` may be on in a build).
    let mut fields: Vec<(&String, &Value)> = o.iter().collect();
    fields.sort_by(|a, b| a.0.cmp(b.0));
    let mut parts = Vec::new();
    for (k, v) in fields {
        if k == "id" {
            continue;
        }
        let shown = match v {
            Value::Null => continue,
            Value::String(s) => cut(s, 160),
            Value::Bool(_) | Value::Number(_) => v.to_string(),
            Value::Array(items) if items.len() <= 5 && items.iter().all(Value::is_string) => {
                list(content, k)
            }
            Value::Array(items) => format!("{} items", items.len()),
            Value::Object(inner) => match inner.get("name").or_else(|| inner.get("id")) {
                Some(Value::String(s)) => cut(s, 60),
                _ => "{…}".into(),
            },
        };
        parts.push(format!("{k}: {shown}"));
    }
    cut(&parts.join("; "), 400)
}

/// A track in an alert: `party callsign` (or its id).
fn track(t: &Value) -> String {
    let party = text(t, "party").unwrap_or("?");
    let name = text(t, "callsign")
        .filter(|c| !c.is_empty())
        .or_else(|| text(t, "id"))
        .unwrap_or("?");
    format!("{party} {name}")
}

/// An alert entry's figures of separation: closest approach, when, and whether separation is lost.
pub(crate) fn separation(c: &Value) -> String {
    let mut s = match (
        metres(c, "d_cpa_m"),
        c.get("t_cpa_s").and_then(Value::as_f64),
    ) {
        (Some(d), Some(t)) => format!("closest approach {d} in {t:.0} s"),
        (Some(d), None) => format!("closest approach {d}"),
        _ => String::new(),
    };
    if c.get("los").and_then(Value::as_bool) == Some(true) {
        if !s.is_empty() {
            s.push_str("; ");
        }
        s.push_str("separation lost");
    }
    s
}

/// The entry in words: what happened, who did it, to what.
pub(crate) fn describe(kind: &str, actor: &str, c: &Value) -> String {
    let id = text(c, "id").unwrap_or("?");
    let reason = |c: &Value| {
        text(c, "reason")
            .map(|r| format!(": {}", quoted(r)))
            .unwrap_or_default()
    };
    let said = match kind {
        "party.registered" => Some(format!(
            "party {id} registered ({}), with a {} credential",
            text(c, "kind").unwrap_or("?"),
            text(c, "role").unwrap_or("duty_officer")
        )),
        "credential.issued" => Some(format!(
            "{actor} issued a {} credential",
            text(c, "role").unwrap_or("?")
        )),
        "credential.revoked" => Some(format!("{actor} revoked credential {id}")),
        "declaration.version" => {
            let version = c.get("version").and_then(Value::as_u64).unwrap_or(0);
            let volumes = c
                .get("volumes")
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            let what = match (text(c, "kind"), text(c, "name")) {
                (Some(k), Some(n)) => format!("{k} {}", quoted(&cut(n, 200))),
                (Some(k), None) => k.to_string(),
                (None, Some(n)) => quoted(&cut(n, 200)),
                (None, None) => "declaration".into(),
            };
            Some(format!(
                "{actor} declared {id} version {version}: {what}, {volumes} volume{}",
                if volumes == 1 { "" } else { "s" }
            ))
        }
        "declaration.cancel" => Some(format!(
            "{actor} cancelled declaration {id} (version {})",
            c.get("version").map_or("?".into(), Value::to_string)
        )),
        "declaration.state" => Some(format!(
            "{actor}'s declaration {id} is now {}",
            text(c, "state").unwrap_or("?")
        )),
        "conflict.found" => {
            let side = |k: &str| {
                c.get(k).map(|s| {
                    format!(
                        "{}'s {} v{}",
                        text(s, "party").unwrap_or("?"),
                        text(s, "id").unwrap_or("?"),
                        s.get("version").map_or("?".into(), Value::to_string)
                    )
                })
            };
            match (side("a"), side("b")) {
                (Some(a), Some(b)) => Some(format!(
                    "conflict {id} found between {a} and {b}: {} apart laterally, {} vertically, {} to {}",
                    metres(c, "distance_m").unwrap_or_else(|| "?".into()),
                    metres(c, "vertical_gap_m").unwrap_or_else(|| "?".into()),
                    when(c, "start").unwrap_or_else(|| "?".into()),
                    when(c, "end").unwrap_or_else(|| "?".into()),
                )),
                _ => None,
            }
        }
        "conflict.resolved" => Some(format!("conflict {id} resolved{}", reason(c))),
        "conflict.acknowledged" => Some(format!("{actor} acknowledged conflict {id}")),
        "conflict.accepted" => Some(format!("{actor} accepted conflict {id} as it is")),
        "conflict.disputed" => Some(format!("{actor} disputed conflict {id}{}", reason(c))),
        "message.sent" => {
            let deadline = c
                .get("deadline_ms")
                .and_then(Value::as_i64)
                .map(|d| format!(" — acknowledgement due by {}", dtg(d)))
                .unwrap_or_default();
            Some(format!(
                "{} → {}: {} {} {id}: {}{deadline}",
                text(c, "from").unwrap_or(actor),
                list(c, "to"),
                text(c, "precedence").unwrap_or("?"),
                text(c, "kind").unwrap_or("message"),
                message_words(c)
            ))
        }
        "message.delivered" => Some(format!("message {id} reached {actor}")),
        "message.acknowledged" => Some(format!("{actor} acknowledged message {id}")),
        "message.answered" => Some(format!(
            "{actor} answered message {id}: {}",
            message_words(c)
        )),
        "message.escalated" => Some(format!(
            "the deadline passed: {}'s receipt of message {id} escalated to {}",
            text(c, "party").unwrap_or("?"),
            text(c, "level").unwrap_or("?")
        )),
        "agreement.proposed" => Some(format!(
            "{actor} proposed agreement {id} {} between {}",
            quoted(text(c, "title").unwrap_or("")),
            list(c, "parties")
        )),
        "agreement.accepted" => Some(format!("{actor} accepted agreement {id}")),
        "agreement.suspended" => Some(format!("{actor} suspended agreement {id}{}", reason(c))),
        "alert.raised" => alert_raised(id, c),
        "alert.updated" => Some(alert_updated(id, c)),
        "alert.closed" => Some(format!("alert {id} closed{}", reason(c))),
        _ => None,
    };
    said.unwrap_or_else(|| generic(kind, actor, c))
}

fn alert_raised(id: &str, c: &Value) -> Option<String> {
    let tracks: Vec<String> = c
        .get("tracks")
        .and_then(Value::as_array)
        .map(|t| t.iter().map(track).collect())
        .unwrap_or_default();
    match text(c, "kind")? {
        "separation" if tracks.len() == 2 => Some(format!(
            "separation alert {id} raised between {} and {}: {}",
            tracks[0],
            tracks[1],
            separation(c)
        )),
        "incursion" if !tracks.is_empty() => {
            let d = c.get("declaration")?;
            let area_party = text(d, "party").unwrap_or("?");
            Some(match text(d, "id") {
                Some(area) => format!(
                    "incursion alert {id} raised: {} predicted within {} of {area_party}'s {} {} ({area}), {} to {}",
                    tracks[0],
                    metres(c, "distance_m").unwrap_or_else(|| "?".into()),
                    text(d, "kind").unwrap_or("area"),
                    named(text(d, "name")),
                    when(c, "start").unwrap_or_else(|| "?".into()),
                    when(c, "end").unwrap_or_else(|| "?".into()),
                ),
                None => format!(
                    "incursion alert {id} raised: {} predicted to enter a protected area of {area_party} within the look-ahead",
                    tracks[0]
                ),
            })
        }
        "storm" => Some(format!(
            "storm alert {id} raised between {}: {} pairs beyond the cap, {} tracks, {} pairs undecided",
            list(c, "parties"),
            c.get("pairs").map_or("?".into(), Value::to_string),
            c.get("tracks").map_or("?".into(), |t| match t {
                Value::Array(a) => a.len().to_string(),
                other => other.to_string(),
            }),
            c.get("undecided").map_or("?".into(), Value::to_string),
        )),
        _ => None,
    }
}

fn alert_updated(id: &str, c: &Value) -> String {
    if let Some(party) = text(c, "for") {
        let areas: Vec<String> = c
            .get("areas")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .map(|area| {
                        format!(
                            "{} {} ({}, {})",
                            text(area, "kind").unwrap_or("area"),
                            named(text(area, "name")),
                            text(area, "id").unwrap_or("?"),
                            metres(area, "distance_m").unwrap_or_else(|| "?".into())
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        return format!(
            "alert {id}, for {party} alone: the track is predicted within {} of its {}, {} to {}",
            metres(c, "distance_m").unwrap_or_else(|| "?".into()),
            if areas.is_empty() {
                "areas".to_string()
            } else {
                cut(&areas.join(", "), 600)
            },
            when(c, "start").unwrap_or_else(|| "?".into()),
            when(c, "end").unwrap_or_else(|| "?".into()),
        );
    }
    let figures = separation(c);
    if figures.is_empty() {
        format!("alert {id} updated: {}", summary(c))
    } else {
        format!("alert {id} updated: {figures}")
    }
}

/// A kind this crate has no words for (or a content not of the expected shape): the kind, named plainly,
/// and its content summarised. Kinds known to be coming get a verb.
fn generic(kind: &str, actor: &str, c: &Value) -> String {
    let id = text(c, "id");
    let (family, what) = kind.split_once('.').unwrap_or((kind, ""));
    let thing = family.replace('_', " ");
    let named = id.map(|i| format!("{thing} {i}")).unwrap_or(thing);
    let head = match (family, what) {
        ("notification", "sent") => format!("{actor} sent {named}"),
        ("notification", "acknowledged") => format!("{actor} acknowledged {named}"),
        ("notification", "reconfirmed") => format!("{actor} reconfirmed {named}"),
        ("notification", "escalated") => format!("{named} escalated (no acknowledgement in time)"),
        ("notification", "lapsed") => format!("{named} lapsed (not reconfirmed in time)"),
        ("notification", "expired") => format!("{named} expired"),
        ("deconfliction", "requested") => format!("{actor} requested deconfliction ({named})"),
        ("deconfliction", "answered") => format!("{actor} answered the request ({named})"),
        ("incident", "reported") => format!("{actor} reported {named}"),
        _ => format!(
            "{kind} by {actor}{}",
            id.map(|i| format!(", {i}")).unwrap_or_default()
        ),
    };
    let rest = summary(c);
    if rest.is_empty() {
        head
    } else {
        format!("{head} — {rest}")
    }
}

/// How a recipient's acknowledgement stood against the deadline.
pub(crate) fn acknowledgement(
    recipient: &str,
    deadline: i64,
    acknowledged: Option<i64>,
    window_end: i64,
) -> (Timing, String) {
    match acknowledged {
        Some(t) if t <= deadline => (
            Timing::InTime,
            format!(
                "{recipient}: acknowledged at {}, in time ({} before the deadline {})",
                dtg(t),
                span(deadline - t),
                dtg(deadline)
            ),
        ),
        Some(t) => (
            Timing::Late,
            format!(
                "{recipient}: acknowledged at {}, late ({} after the deadline {})",
                dtg(t),
                span(t - deadline),
                dtg(deadline)
            ),
        ),
        None if deadline < window_end => (
            Timing::Never,
            format!(
                "{recipient}: never acknowledged in this record — the deadline {} was missed",
                dtg(deadline)
            ),
        ),
        None => (
            Timing::Pending,
            format!(
                "{recipient}: not acknowledged in this record, which ends before its deadline {}",
                dtg(deadline)
            ),
        ),
    }
}

/// A receipt against its deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Timing {
    InTime,
    Late,
    Never,
    Pending,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unknown_kinds_read_plainly() {
        let s = describe(
            "incident.reported",
            "un-ocha",
            &json!({"id": "i-4", "where": "Raqqa", "casualties": 3, "tracks": [1, 2, 3, 4, 5, 6]}),
        );
        assert_eq!(
            s,
            "un-ocha reported incident i-4 — casualties: 3; tracks: 6 items; where: Raqqa"
        );
        let s = describe("weird.kind", "sdf", &json!([1, 2]));
        assert_eq!(s, "weird.kind by sdf — [1,2]");
        // A known kind whose content is not of the expected shape still reads.
        let s = describe("alert.raised", "line", &json!({"id": "a-1", "kind": "new"}));
        assert_eq!(s, "alert.raised by line, a-1 — kind: new");
        assert_eq!(cut("абвгд", 3), "абв…");
    }

    #[test]
    fn templates_read_in_english_with_both_units() {
        let notice = json!({"type": "operation_notice", "declaration": "us-7",
            "start": "2017-06-18T18:30:00Z", "end": "2017-06-18T19:30:00Z", "lower_m": null, "upper_m": 6096.0});
        assert_eq!(
            template_words(&notice),
            "Notice of operation us-7 from 181830ZJUN17 to 181930ZJUN17, between SFC and 6096 m / 20000 ft (FL200)"
        );
        let theirs = json!({"type": "delay_request", "declaration": "us-17",
            "declaration_party": "ru-gs", "delay_s": 3600});
        assert_eq!(
            template_words(&theirs),
            "Request to delay us-17 of ru-gs by 1 h"
        );
        let sent = json!({"id": "m-3", "from": "us-cjtf", "to": ["ru-gs"], "precedence": "FLASH",
            "kind": "request", "text": "подтвердите", "deadline_ms": 0,
            "template": {"type": "delay_request", "declaration": "ru-43", "delay_s": 1800}});
        let s = describe("message.sent", "us-cjtf", &sent);
        assert!(
            s.contains("Request to delay ru-43 by 30 min. Free text, as written: “подтвердите”"),
            "{s}"
        );
        let answered = json!({"id": "m-3", "text": "",
            "template": {"type": "acknowledgement", "message": "m-3", "status": "will_comply"}});
        assert_eq!(
            describe("message.answered", "ru-gs", &answered),
            "ru-gs answered message m-3: Acknowledgement of message m-3: received; will comply."
        );
        assert_eq!(
            template_words(&json!({"type": "<b>"})),
            "Structured message of an unknown form “<b>”"
        );
    }
}
