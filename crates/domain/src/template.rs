//! Structured hotline messages: the kinds of message parties send most (notice of an operation with its
//! volume, a request to confirm that a site is excluded, a request for a delay, an acknowledgement) as
//! templates with typed fields. The line stores the fields, not words: each reader's picture renders them in
//! its own language and units, so nothing in a template depends on the sender's language. Free text sent
//! beside a template stays as written and is shown as untranslated.
//!
//! [`check`] reads a template as a party sent it and returns it normalised (times as RFC 3339 UTC to the
//! second, heights in metres, and beside each declaration or site it names, the party that owns the one the
//! sender meant: `declaration_party`, `site_party`, so that no reader takes a sender's own `us-17` for its
//! own), or names the field that is wrong. Every id a template names must be one the
//! sender may read (a declaration, or a message for an acknowledgement): a template never carries a reference
//! the sender could not have made itself, and a refusal reads the same whether the id exists or not.

use deconflict_space::units::{format_time, parse_time};
use serde_json::{json, Map, Value};

use crate::state::{need_to_know, DomainError, State};

/// The template types, in the order a picture offers them.
pub const TEMPLATE_TYPES: [&str; 4] = [
    "operation_notice",
    "site_exclusion_request",
    "delay_request",
    "acknowledgement",
];

/// The statuses an acknowledgement may carry.
pub const ACK_STATUSES: [&str; 3] = ["received", "will_comply", "cannot_comply"];

/// Heights a template may carry, in metres (as declarations: 1 000 m below sea level to 30 000 m).
const HEIGHT_M: (f64, f64) = (-1_000.0, 30_000.0);
/// Delays a request may ask for, in seconds (a minute to a day).
const DELAY_S: (i64, i64) = (60, 86_400);
/// The longest window a template may name (31 days).
const WINDOW_MS: i64 = 31 * 86_400_000;
/// The longest id a template may name.
const ID_BYTES: usize = 200;

fn invalid(field: &str, detail: impl Into<String>) -> DomainError {
    DomainError::Invalid {
        field: if field.is_empty() {
            "template".into()
        } else {
            format!("template.{field}")
        },
        detail: detail.into(),
    }
}

/// What the sender may read, asked while a template is checked.
pub trait Readable {
    /// The party of the declaration `id` the sender may read (its own first), if any.
    fn declaration(&self, id: &str) -> Option<String>;
    /// The party of the protected site `id` the sender may read (its own first), if any.
    fn site(&self, id: &str) -> Option<String>;
    /// Whether the sender may read the message `id` (it sent or received it).
    fn message(&self, id: &str) -> bool;
}

/// What `party` may read in `state`.
#[derive(Debug)]
pub struct ReadableIn<'a> {
    pub state: &'a State,
    pub party: &'a str,
}

impl Readable for ReadableIn<'_> {
    fn declaration(&self, id: &str) -> Option<String> {
        let c = self.state.find(self.party, id, None).ok()?;
        Some(c.declaration.party.clone())
    }
    fn site(&self, id: &str) -> Option<String> {
        let c = self.state.find(self.party, id, None).ok()?;
        (c.declaration.kind.name() == "site").then(|| c.declaration.party.clone())
    }
    fn message(&self, id: &str) -> bool {
        self.state
            .messages
            .get(id)
            .is_some_and(|m| m.from == self.party || need_to_know::message_to(m, self.party))
    }
}

/// Reads the template `v` (as sent: `{"type": …, fields…}`) and returns it normalised, or the field that is
/// wrong.
pub fn check(v: &Value, can: &dyn Readable) -> Result<Value, DomainError> {
    let obj = v
        .as_object()
        .ok_or_else(|| invalid("", "expected an object with a \"type\" and its fields"))?;
    let kind = obj.get("type").and_then(Value::as_str).ok_or_else(|| {
        invalid(
            "type",
            format!("expected one of {}", TEMPLATE_TYPES.join(", ")),
        )
    })?;
    let fields: &[&str] = match kind {
        "operation_notice" => &["type", "declaration", "start", "end", "lower_m", "upper_m"],
        "site_exclusion_request" => &["type", "site", "start", "end"],
        "delay_request" => &["type", "declaration", "delay_s"],
        "acknowledgement" => &["type", "message", "status"],
        other => {
            return Err(invalid(
                "type",
                format!("{other:?} is not one of {}", TEMPLATE_TYPES.join(", ")),
            ))
        }
    };
    if let Some(k) = obj.keys().find(|k| !fields.contains(&k.as_str())) {
        return Err(invalid(
            k,
            format!("not a field of {kind}; expected {}", fields[1..].join(", ")),
        ));
    }
    let mut out = Map::new();
    out.insert("type".into(), json!(kind));
    match kind {
        "operation_notice" => {
            if let Some(id) = optional_id(obj, "declaration")? {
                let party = can
                    .declaration(&id)
                    .ok_or_else(|| unseen("declaration", "declaration", &id))?;
                out.insert("declaration".into(), json!(id));
                out.insert("declaration_party".into(), json!(party));
            }
            window(obj, &mut out)?;
            let lower = match obj.get("lower_m") {
                None | Some(Value::Null) => None,
                Some(_) => Some(height(obj, "lower_m")?),
            };
            let upper = height(obj, "upper_m")?;
            if lower.is_some_and(|l| l >= upper) {
                return Err(invalid("upper_m", "must be above lower_m"));
            }
            out.insert("lower_m".into(), json!(lower));
            out.insert("upper_m".into(), json!(upper));
        }
        "site_exclusion_request" => {
            let id = required_id(obj, "site")?;
            let party = can
                .site(&id)
                .ok_or_else(|| unseen("site", "protected site", &id))?;
            out.insert("site".into(), json!(id));
            out.insert("site_party".into(), json!(party));
            window(obj, &mut out)?;
        }
        "delay_request" => {
            let id = required_id(obj, "declaration")?;
            let party = can
                .declaration(&id)
                .ok_or_else(|| unseen("declaration", "declaration", &id))?;
            out.insert("declaration".into(), json!(id));
            out.insert("declaration_party".into(), json!(party));
            let delay = obj
                .get("delay_s")
                .and_then(Value::as_i64)
                .filter(|d| (DELAY_S.0..=DELAY_S.1).contains(d))
                .ok_or_else(|| {
                    invalid(
                        "delay_s",
                        format!("expected whole seconds from {} to {}", DELAY_S.0, DELAY_S.1),
                    )
                })?;
            out.insert("delay_s".into(), json!(delay));
        }
        _ => {
            if let Some(id) = optional_id(obj, "message")? {
                if !can.message(&id) {
                    return Err(unseen("message", "message", &id));
                }
                out.insert("message".into(), json!(id));
            }
            let status = obj
                .get("status")
                .and_then(Value::as_str)
                .filter(|s| ACK_STATUSES.contains(s))
                .ok_or_else(|| {
                    invalid(
                        "status",
                        format!("expected one of {}", ACK_STATUSES.join(", ")),
                    )
                })?;
            out.insert("status".into(), json!(status));
        }
    }
    Ok(Value::Object(out))
}

/// One answer whether `id` does not exist or is not the sender's to name.
fn unseen(field: &str, what: &str, id: &str) -> DomainError {
    invalid(field, format!("no {what} {id:?} that you may see"))
}

fn optional_id(obj: &Map<String, Value>, field: &str) -> Result<Option<String>, DomainError> {
    match obj.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(_) => required_id(obj, field).map(Some),
    }
}

fn required_id(obj: &Map<String, Value>, field: &str) -> Result<String, DomainError> {
    obj.get(field)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty() && s.len() <= ID_BYTES)
        .map(str::to_string)
        .ok_or_else(|| invalid(field, format!("expected an id of 1–{ID_BYTES} bytes")))
}

fn height(obj: &Map<String, Value>, field: &str) -> Result<f64, DomainError> {
    obj.get(field)
        .and_then(Value::as_f64)
        .filter(|h| (HEIGHT_M.0..=HEIGHT_M.1).contains(h))
        .ok_or_else(|| {
            invalid(
                field,
                format!(
                    "expected metres from {} to {} (feet and flight levels are converted by the sender's \
                     picture)",
                    HEIGHT_M.0, HEIGHT_M.1
                ),
            )
        })
}

/// `start` and `end`, read as times and written back as RFC 3339 UTC; the end after the start, within 31
/// days.
fn window(obj: &Map<String, Value>, out: &mut Map<String, Value>) -> Result<(), DomainError> {
    let time = |field: &str| -> Result<i64, DomainError> {
        let text = obj
            .get(field)
            .and_then(Value::as_str)
            .ok_or_else(|| invalid(field, "expected a time (RFC 3339, or a date-time group)"))?;
        parse_time(text).map_err(|e| invalid(field, e.to_string()))
    };
    let (start, end) = (time("start")?, time("end")?);
    if end <= start {
        return Err(invalid("end", "must be after start"));
    }
    if end - start > WINDOW_MS {
        return Err(invalid("end", "at most 31 days after start"));
    }
    out.insert("start".into(), json!(format_time(start)));
    out.insert("end".into(), json!(format_time(end)));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Sees;
    impl Readable for Sees {
        fn declaration(&self, id: &str) -> Option<String> {
            let (owner, _) = id.split_once('-')?;
            (owner == "ru" || owner == "hosp").then(|| owner.to_string())
        }
        fn site(&self, id: &str) -> Option<String> {
            id.starts_with("hosp-").then(|| "un-ocha".to_string())
        }
        fn message(&self, id: &str) -> bool {
            id == "m-7"
        }
    }

    fn field_of(e: DomainError) -> String {
        match e {
            DomainError::Invalid { field, .. } => field,
            other => panic!("expected an invalid field, got {other}"),
        }
    }

    #[test]
    fn each_type_is_normalised() {
        let notice = check(
            &json!({"type": "operation_notice", "declaration": "ru-43", "start": "181830ZJUN17",
                    "end": "2017-06-18T20:30:00+01:00", "lower_m": null, "upper_m": 6096}),
            &Sees,
        )
        .expect("accepted");
        assert_eq!(notice["start"], "2017-06-18T18:30:00Z");
        assert_eq!(notice["end"], "2017-06-18T19:30:00Z");
        assert_eq!(notice["lower_m"], Value::Null);
        assert_eq!(notice["upper_m"], 6096.0);
        let ask = check(
            &json!({"type": "site_exclusion_request", "site": "hosp-kz",
                    "start": "2017-06-18T18:00:00Z", "end": "2017-06-19T18:00:00Z"}),
            &Sees,
        )
        .expect("accepted");
        assert_eq!(ask["site"], "hosp-kz");
        let delay = check(
            &json!({"type": "delay_request", "declaration": "ru-43", "delay_s": 1800}),
            &Sees,
        )
        .expect("accepted");
        assert_eq!(delay["delay_s"], 1800);
        assert_eq!(
            delay["declaration_party"], "ru",
            "the owner, as the line found it"
        );
        assert_eq!(ask["site_party"], "un-ocha");
        let ack = check(
            &json!({"type": "acknowledgement", "message": "m-7", "status": "will_comply"}),
            &Sees,
        )
        .expect("accepted");
        assert_eq!(
            ack,
            json!({"type": "acknowledgement", "message": "m-7", "status": "will_comply"})
        );
    }

    #[test]
    fn refusals_name_the_field() {
        let cases = [
            (json!([]), "template"),
            (json!({"type": "bomb"}), "template.type"),
            (
                json!({"type": "delay_request", "declaration": "ru-43", "delay_s": 30}),
                "template.delay_s",
            ),
            (
                json!({"type": "delay_request", "declaration": "us-1", "delay_s": 600}),
                "template.declaration",
            ),
            (
                json!({"type": "delay_request", "declaration": "ru-43", "delay_s": 600, "x": 1}),
                "template.x",
            ),
            (
                json!({"type": "site_exclusion_request", "site": "ru-43", "start": "2017-06-18T18:00:00Z",
                    "end": "2017-06-18T19:00:00Z"}),
                "template.site",
            ),
            (
                json!({"type": "operation_notice", "start": "2017-06-18T18:00:00Z",
                    "end": "2017-06-18T17:00:00Z", "upper_m": 10}),
                "template.end",
            ),
            (
                json!({"type": "operation_notice", "start": "2017-06-18T18:00:00Z",
                    "end": "2017-08-18T17:00:00Z", "upper_m": 10}),
                "template.end",
            ),
            (
                json!({"type": "operation_notice", "start": "yesterday",
                    "end": "2017-06-18T19:00:00Z", "upper_m": 10}),
                "template.start",
            ),
            (
                json!({"type": "operation_notice", "start": "2017-06-18T18:00:00Z",
                    "end": "2017-06-18T19:00:00Z", "lower_m": 500, "upper_m": 100}),
                "template.upper_m",
            ),
            (
                json!({"type": "operation_notice", "start": "2017-06-18T18:00:00Z",
                    "end": "2017-06-18T19:00:00Z", "upper_m": 1e9}),
                "template.upper_m",
            ),
            (
                json!({"type": "acknowledgement", "message": "m-8", "status": "received"}),
                "template.message",
            ),
            (
                json!({"type": "acknowledgement", "status": "maybe"}),
                "template.status",
            ),
        ];
        for (v, field) in cases {
            assert_eq!(
                field_of(check(&v, &Sees).expect_err("refused")),
                field,
                "{v}"
            );
        }
    }
}
