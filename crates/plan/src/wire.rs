//! The typed building blocks of the plan models, and how a serde error becomes a [`Fail`] naming the field.
//!
//! The models are `#[derive(Deserialize)]` structs (in `native` and `geojson`) made of the types here:
//! - [`Given`]: a field that may be absent (`null` is given, and refused by the field's own type);
//! - [`Obj`], [`Arr`]: an object or an array, refusing anything else with `expected an object, found a
//!   string`;
//! - [`Text`]: a string, refusing anything else likewise;
//! - [`Raw`]: any value kept as its JSON text, read later (numbers keep the text they were given, so
//!   `1e999` is read as not finite, and the checks run in the reader's order, not the document's);
//! - [`Pos`]: a position, `[longitude, latitude]` or text.
//!
//! [`typed`] reads a model from text or from a [`Value`], and names the field of the first problem with
//! `serde_path_to_error` (`volumes[0].altitude.lower_m`). Unknown fields (`deny_unknown_fields`) and
//! repeated ones are named with the key itself.

use std::fmt;
use std::marker::PhantomData;

use deconflict_space::Problem;
use serde::de::{
    self, value::MapAccessDeserializer, Deserialize, Deserializer, MapAccess, SeqAccess,
};
use serde_json::value::RawValue;
use serde_json::Value;

/// A field-level problem before the record is known: `(field, problem)`.
pub(crate) type Fail = (String, String);

pub(crate) fn fail(field: impl Into<String>, problem: impl ToString) -> Fail {
    (field.into(), problem.to_string())
}

/// `prefix.key`, or `key` alone at the top.
pub(crate) fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else if key.is_empty() {
        prefix.to_string()
    } else if key.starts_with('[') {
        format!("{prefix}{key}")
    } else {
        format!("{prefix}.{key}")
    }
}

/// `expected <what>, found <found>`, as every type problem reads.
fn wrong<E: de::Error>(expected: &str, found: &str) -> E {
    E::custom(format_args!("expected {expected}, found {found}"))
}

/// Refusals of the scalar kinds, for visitors that take none of them.
macro_rules! refuse_scalars {
    ($expected:expr) => {
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Err(wrong($expected, "a boolean"))
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Err(wrong($expected, "a number"))
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Err(wrong($expected, "a number"))
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Err(wrong($expected, "a number"))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Err(wrong($expected, "null"))
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Err(wrong($expected, "null"))
        }
    };
}

macro_rules! refuse_str {
    ($expected:expr) => {
        fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
            Err(wrong($expected, "a string"))
        }
    };
}

macro_rules! refuse_seq {
    ($expected:expr) => {
        fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
            Err(wrong($expected, "an array"))
        }
    };
}

macro_rules! refuse_map {
    ($expected:expr) => {
        fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
            Err(wrong($expected, "an object"))
        }
    };
}

/// A field that may be absent. With `#[serde(default)]` on the model, absence is `Given(None)`; a `null`
/// is handed to `T`, which refuses it by name (`expected a string, found null`).
#[derive(Debug)]
pub(crate) struct Given<T>(pub Option<T>);

impl<T> Default for Given<T> {
    fn default() -> Self {
        Given(None)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Given<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        T::deserialize(d).map(|t| Given(Some(t)))
    }
}

impl<T> Given<T> {
    /// The value, or `<prefix>.<key>: is missing`.
    pub(crate) fn required(&self, prefix: &str, key: &str) -> Result<&T, Fail> {
        self.0
            .as_ref()
            .ok_or_else(|| fail(join(prefix, key), "is missing"))
    }
}

/// A JSON object read as `T` (a derived model); anything else is `expected an object, found …`.
#[derive(Debug)]
pub(crate) struct Obj<T>(pub T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Obj<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> de::Visitor<'de> for V<T> {
            type Value = Obj<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Obj<T>, A::Error> {
                T::deserialize(MapAccessDeserializer::new(map)).map(Obj)
            }
            refuse_scalars!("an object");
            refuse_str!("an object");
            refuse_seq!("an object");
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// A JSON array of `T`; anything else is `expected an array, found …`.
#[derive(Debug)]
pub(crate) struct Arr<T>(pub Vec<T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Arr<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> de::Visitor<'de> for V<T> {
            type Value = Arr<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an array")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Arr<T>, A::Error> {
                let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1024));
                while let Some(item) = seq.next_element()? {
                    out.push(item);
                }
                Ok(Arr(out))
            }
            refuse_scalars!("an array");
            refuse_str!("an array");
            refuse_map!("an array");
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// A JSON string; anything else is `expected a string, found …`.
#[derive(Debug)]
pub(crate) struct Text(pub String);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> de::Visitor<'de> for V {
            type Value = Text;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Text, E> {
                Ok(Text(s.to_string()))
            }
            fn visit_string<E: de::Error>(self, s: String) -> Result<Text, E> {
                Ok(Text(s))
            }
            refuse_scalars!("a string");
            refuse_seq!("a string");
            refuse_map!("a string");
        }
        d.deserialize_any(V)
    }
}

/// Any JSON value, kept as its text and read when the reader comes to it. Numbers keep the text they were
/// given: `1e999`, beyond `f64`, is read as not finite rather than refused as JSON, and `1.50` is quoted as
/// given.
#[derive(Debug, serde::Deserialize)]
#[serde(transparent)]
pub(crate) struct Raw(Box<RawValue>);

impl Raw {
    /// The kind of value, as problems name it (`a number`, `null`, …).
    pub(crate) fn kind(&self) -> &'static str {
        match self.0.get().as_bytes().first() {
            Some(b'"') => "a string",
            Some(b'{') => "an object",
            Some(b'[') => "an array",
            Some(b't' | b'f') => "a boolean",
            Some(b'n') => "null",
            _ => "a number",
        }
    }

    /// A finite number.
    pub(crate) fn number(&self, field: &str) -> Result<f64, Fail> {
        if self.kind() != "a number" {
            return Err(fail(
                field,
                format!("expected a number, found {}", self.kind()),
            ));
        }
        // JSON's number grammar is a subset of Rust's; text beyond the range of f64 reads as infinite.
        match self.0.get().parse::<f64>() {
            Ok(x) if x.is_finite() => Ok(x),
            _ => Err(fail(field, Problem::NotFinite)),
        }
    }

    /// The string, when it is one.
    pub(crate) fn as_str(&self) -> Option<String> {
        if self.kind() == "a string" {
            serde_json::from_str(self.0.get()).ok()
        } else {
            None
        }
    }

    /// A string; anything else is `expected a string, found …`.
    pub(crate) fn text(&self, field: &str) -> Result<String, Fail> {
        self.as_str()
            .ok_or_else(|| fail(field, format!("expected a string, found {}", self.kind())))
    }

    /// A whole number from 1 (as JSON gives it: digits only).
    pub(crate) fn whole(&self) -> Option<u64> {
        self.0.get().parse::<u64>().ok()
    }

    /// The value as a problem quotes it: a number as given, anything else as compact JSON.
    pub(crate) fn shown(&self) -> String {
        if self.kind() == "a number" {
            self.0.get().to_string()
        } else {
            serde_json::from_str::<Value>(self.0.get())
                .map(|v| v.to_string())
                .unwrap_or_else(|_| self.0.get().to_string())
        }
    }

    /// The JSON text.
    pub(crate) fn get(&self) -> &str {
        self.0.get()
    }
}

/// A position: `[longitude, latitude]` (the numbers kept as [`Raw`], counted before they are read) or text.
#[derive(Debug)]
pub(crate) enum Pos {
    Text(String),
    Numbers(Vec<Raw>),
}

impl<'de> Deserialize<'de> for Pos {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        const WHAT: &str = "[longitude, latitude] or a position as text";
        struct V;
        impl<'de> de::Visitor<'de> for V {
            type Value = Pos;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(WHAT)
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Pos, E> {
                Ok(Pos::Text(s.to_string()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Pos, A::Error> {
                Ok(Pos::Numbers(raw_items(seq)?))
            }
            refuse_scalars!(WHAT);
            refuse_map!(WHAT);
        }
        d.deserialize_any(V)
    }
}

/// A GeoJSON position, `[longitude, latitude]` or with an altitude too; the numbers kept as [`Raw`].
#[derive(Debug)]
pub(crate) struct Coord(pub Vec<Raw>);

impl<'de> Deserialize<'de> for Coord {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> de::Visitor<'de> for V {
            type Value = Coord;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an array")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Coord, A::Error> {
                Ok(Coord(raw_items(seq)?))
            }
            refuse_scalars!("an array");
            refuse_str!("an array");
            refuse_map!("an array");
        }
        d.deserialize_any(V)
    }
}

fn raw_items<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<Vec<Raw>, A::Error> {
    let mut out = Vec::with_capacity(2);
    while let Some(x) = seq.next_element()? {
        out.push(x);
    }
    Ok(out)
}

/// Where a model is read from: a plan's text (or a part of it), or a [`Value`] the API received.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Source<'a> {
    Text(&'a str),
    Value(&'a Value),
}

/// Reads `T` from `source`; a problem names its field within `prefix`.
pub(crate) fn typed<'a, T: Deserialize<'a>>(source: Source<'a>, prefix: &str) -> Result<T, Fail> {
    let located_at = |e: serde_path_to_error::Error<serde_json::Error>| {
        let (path, inner) = (e.path().clone(), e.into_inner());
        located(prefix, &path, &inner)
    };
    match source {
        Source::Text(text) => {
            let mut de = serde_json::Deserializer::from_str(text);
            let t = serde_path_to_error::deserialize(&mut de).map_err(located_at)?;
            de.end()
                .map_err(|e| fail(prefix, format!("not valid JSON: {}", bare_message(&e))))?;
            Ok(t)
        }
        Source::Value(v) => serde_path_to_error::deserialize(v).map_err(located_at),
    }
}

/// The field and problem of a serde error at `path`.
fn located(prefix: &str, path: &serde_path_to_error::Path, e: &serde_json::Error) -> Fail {
    let mut field = prefix.to_string();
    for segment in path.iter() {
        use serde_path_to_error::Segment;
        let part = match segment {
            Segment::Seq { index } => format!("[{index}]"),
            Segment::Map { key } => key.clone(),
            Segment::Enum { variant } => variant.clone(),
            Segment::Unknown => "?".to_string(),
        };
        field = join(&field, &part);
    }
    let message = bare_message(e);
    if e.is_syntax() || e.is_eof() {
        return (field, format!("not valid JSON: {message}"));
    }
    if let Some((key, expected)) = unknown_field(&message) {
        // The path ends with the key when serde_path_to_error caught it.
        if !field.ends_with(&key) {
            field = join(&field, &key);
        }
        return (
            field,
            format!("unknown field; expected one of {}", expected.join(", ")),
        );
    }
    if let Some(key) = message
        .strip_prefix("duplicate field `")
        .and_then(|rest| rest.strip_suffix('`'))
    {
        return (join(&field, key), "is given more than once".to_string());
    }
    (field, message)
}

/// A serde_json error's message without ` at line L column C`.
pub(crate) fn bare_message(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let at = format!(" at line {} column {}", e.line(), e.column());
    match text.strip_suffix(&at) {
        Some(bare) if e.line() > 0 => bare.to_string(),
        _ => text,
    }
}

/// The key and expected names of serde's ``unknown field `key`, expected one of `a`, `b` `` (the key is
/// whatever the document holds, backticks included; the names are the model's).
fn unknown_field(message: &str) -> Option<(String, Vec<String>)> {
    let rest = message.strip_prefix("unknown field `")?;
    let (key, expected) = match rest.rfind("`, expected ") {
        Some(i) => (&rest[..i], &rest[i + "`, expected ".len()..]),
        None => (rest.strip_suffix("`, there are no fields")?, ""),
    };
    let names = expected
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect();
    Some((key.to_string(), names))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Default, serde::Deserialize)]
    #[serde(default, deny_unknown_fields)]
    struct Two {
        start: Given<Text>,
        end: Given<Raw>,
    }

    fn read(text: &str) -> Result<Two, Fail> {
        typed::<Obj<Two>>(Source::Text(text), "time").map(|o| o.0)
    }

    #[test]
    fn problems_name_the_field() {
        assert_eq!(
            read(r#"{"start": 5}"#).expect_err("number"),
            fail("time.start", "expected a string, found a number")
        );
        assert_eq!(
            read(r#"{"start": "a", "e`, expected x": 1}"#).expect_err("unknown"),
            fail(
                "time.e`, expected x",
                "unknown field; expected one of start, end"
            )
        );
        assert_eq!(
            read(r#"{"start": "a", "start": "b"}"#).expect_err("twice"),
            fail("time.start", "is given more than once")
        );
        assert_eq!(
            read("[]").expect_err("array"),
            fail("time", "expected an object, found an array")
        );
        let two = read(r#"{"end": 1e999}"#).expect("kept as text");
        let end = two.end.required("time", "end").expect("given");
        assert_eq!(end.get(), "1e999");
        assert_eq!(
            end.number("time.end"),
            Err(fail("time.end", Problem::NotFinite))
        );
        assert!(two.start.required("time", "start").is_err());
    }

    #[test]
    fn values_are_read_alike() {
        let v = serde_json::json!({"start": null, "end": 1.5});
        assert_eq!(
            typed::<Obj<Two>>(Source::Value(&v), "").expect_err("null"),
            fail("start", "expected a string, found null")
        );
        let v = serde_json::json!({"start": "x", "end": 1.5});
        let two = typed::<Obj<Two>>(Source::Value(&v), "").expect("read").0;
        assert_eq!(two.end.0.expect("end").number("end"), Ok(1.5));
    }
}
