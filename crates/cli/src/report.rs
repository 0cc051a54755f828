//! `deconflict report`: a party's after-action record of a window, as HTML or PDF, with the proof bundle it is
//! made from. Online (`--server`, `--token`, or `DECONFLICT_SERVER`, `DECONFLICT_TOKEN`) it fetches the
//! bundle (`GET /v1/report?format=bundle`) and renders it here, so the report and the bundle written with
//! `--bundle-out` are the same entries; with `--policy` it verifies the bundle first. Offline
//! (`--bundle FILE --policy FILE`) it verifies a bundle and renders it, refusing an invalid one.
//!
//! Exit status: 0 written; 1 the server refused (its problem on standard error) or the bundle does not
//! verify; 2 unreadable input, an unreachable server, or a file that cannot be written.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use deconflict_ledger::{Policy, ProofBundle};
use deconflict_report::{as_read, render_html, render_pdf, Files, Report};

use crate::client::Connection;

#[derive(Args, Debug)]
pub struct ReportArgs {
    #[command(flatten)]
    pub connection: Connection,
    /// The window's start: RFC 3339 or a date-time group (181400ZJUN17). Required against a server; from a
    /// bundle, its first entry's time by default.
    #[arg(long)]
    pub from: Option<String>,
    /// The window's end, excluded. Required against a server; from a bundle, just after its last entry.
    #[arg(long)]
    pub to: Option<String>,
    /// Where to write the report (`-`: standard output). Its format is --format, or its extension
    /// (.html, .htm, .pdf).
    #[arg(long, short)]
    pub out: PathBuf,
    /// html or pdf (by default from --out's extension).
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Also write the proof bundle fetched from the server here.
    #[arg(long, value_name = "FILE")]
    pub bundle_out: Option<PathBuf>,
    /// Render from this proof bundle instead of asking a server (needs --policy; an invalid bundle is refused).
    #[arg(long, value_name = "FILE", requires = "policy")]
    pub bundle: Option<PathBuf>,
    /// The log's tlog-policy: the bundle is verified under it before anything is rendered.
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Html,
    Pdf,
}

/// A failure and its exit status.
struct Failure(u8, String);

fn unreadable(s: impl Into<String>) -> Failure {
    Failure(2, s.into())
}

/// The most bytes of a bundle read from a server or a file (10 000 entries weigh a few megabytes).
const MAX_BUNDLE_BYTES: u64 = 256 << 20;

pub fn run(a: &ReportArgs) -> ExitCode {
    match report(a) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure(code, message)) => {
            eprintln!("deconflict report: {message}");
            ExitCode::from(code)
        }
    }
}

fn time(what: &str, text: &str) -> Result<i64, Failure> {
    deconflict_space::units::parse_time(text).map_err(|e| unreadable(format!("--{what}: {e}")))
}

fn format_of(a: &ReportArgs) -> Result<Format, Failure> {
    if let Some(f) = a.format {
        return Ok(f);
    }
    match a
        .out
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("html" | "htm") => Ok(Format::Html),
        Some("pdf") => Ok(Format::Pdf),
        _ => Err(unreadable(format!(
            "--out {}: give --format html or pdf (or an .html or .pdf file name)",
            a.out.display()
        ))),
    }
}

fn report(a: &ReportArgs) -> Result<(), Failure> {
    let format = format_of(a)?;
    let from = a.from.as_deref().map(|t| time("from", t)).transpose()?;
    let to = a.to.as_deref().map(|t| time("to", t)).transpose()?;
    if let (Some(f), Some(t)) = (from, to) {
        if f >= t {
            return Err(unreadable("--to must be after --from"));
        }
    }
    let policy = match &a.policy {
        Some(p) => Some(
            Policy::parse(&read_text(p)?)
                .map_err(|e| unreadable(format!("{}: {e}", p.display())))?,
        ),
        None => None,
    };
    let (bundle, bundle_name) = match &a.bundle {
        Some(path) => {
            let json = parse_json(&read_text(path)?, &path.display().to_string())?;
            (
                ProofBundle::from_json(&json)
                    .map_err(|e| unreadable(format!("{}: {e}", path.display())))?,
                path.display().to_string(),
            )
        }
        None => {
            let (Some(from_text), Some(to_text)) = (&a.from, &a.to) else {
                return Err(unreadable(
                    "give --from and --to (the window), or --bundle FILE --policy FILE to render a bundle",
                ));
            };
            let bundle = fetch(&a.connection, from_text, to_text)?;
            let name = match &a.bundle_out {
                Some(path) => {
                    let text = serde_json::to_string_pretty(&bundle.to_json())
                        .map_err(|e| unreadable(e.to_string()))?;
                    write(path, text.as_bytes())?;
                    path.display().to_string()
                }
                None => "BUNDLE".into(),
            };
            (bundle, name)
        }
    };
    let (from, to) = window(&bundle, from, to)?;
    let files = Files {
        policy: a
            .policy
            .as_ref()
            .map_or_else(|| "POLICY".into(), |p| p.display().to_string()),
        bundle: bundle_name,
    };
    let report = match &policy {
        Some(policy) => Report::verified(&bundle, policy, from, to, &files)
            .map_err(|e| Failure(1, format!("refusing to render: {e}")))?,
        None => {
            eprintln!(
                "deconflict report: the bundle is not verified (no --policy); check it with \
                 `deconflict log verify-proof --policy POLICY --bundle FILE`"
            );
            let read = as_read(&bundle).map_err(|e| unreadable(e.to_string()))?;
            Report::from_bundle(&bundle, &read, from, to, &files)
                .map_err(|e| unreadable(e.to_string()))?
        }
    };
    let bytes = match format {
        Format::Html => render_html(&report).map(String::into_bytes),
        Format::Pdf => render_pdf(&report),
    }
    .map_err(|e| Failure(2, e.to_string()))?;
    write(&a.out, &bytes)?;
    if a.out.as_os_str() != "-" {
        eprintln!(
            "wrote {} ({} entries of {}, {} to {})",
            a.out.display(),
            report.header.entries,
            report.header.party,
            report.header.from_dtg,
            report.header.to_dtg
        );
    }
    Ok(())
}

/// The window: as given, or the bundle's entries' times.
fn window(bundle: &ProofBundle, from: Option<i64>, to: Option<i64>) -> Result<(i64, i64), Failure> {
    if let (Some(f), Some(t)) = (from, to) {
        return Ok((f, t));
    }
    let times: Vec<i64> = bundle
        .read_entries()
        .map_err(|e| Failure(1, format!("the bundle: {e}")))?
        .iter()
        .map(|(h, _)| h.time_ms)
        .collect();
    let (Some(first), Some(last)) = (times.iter().min(), times.iter().max()) else {
        return Err(unreadable(
            "the bundle holds no entry: give --from and --to",
        ));
    };
    Ok((from.unwrap_or(*first), to.unwrap_or(last + 1)))
}

/// Percent-encodes a query value.
pub(crate) fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The caller's bundle of the window, from the server.
fn fetch(c: &Connection, from: &str, to: &str) -> Result<ProofBundle, Failure> {
    let token = c
        .token
        .as_deref()
        .ok_or_else(|| unreadable("no token: give --token or set DECONFLICT_TOKEN"))?;
    let url = format!(
        "{}/v1/report?format=bundle&from={}&to={}",
        c.server.trim_end_matches('/'),
        encode(from),
        encode(to)
    );
    let read = |r: ureq::Response| -> Result<String, Failure> {
        let mut text = String::new();
        r.into_reader()
            .take(MAX_BUNDLE_BYTES)
            .read_to_string(&mut text)
            .map_err(|e| Failure(2, format!("{url}: {e}")))?;
        Ok(text)
    };
    match ureq::get(&url)
        .set("Authorization", &format!("Bearer {token}"))
        .call()
    {
        Ok(r) => {
            let text = read(r)?;
            let json = parse_json(&text, &url)?;
            ProofBundle::from_json(&json).map_err(|e| Failure(1, format!("{url}: {e}")))
        }
        Err(ureq::Error::Status(code, r)) => {
            let p: serde_json::Value = serde_json::from_str(&read(r)?).unwrap_or_default();
            Err(Failure(
                1,
                format!(
                    "{code} {}: {}",
                    p["title"].as_str().unwrap_or(""),
                    p["detail"].as_str().unwrap_or("")
                ),
            ))
        }
        Err(e) => Err(Failure(2, format!("{url}: {e}"))),
    }
}

fn parse_json(text: &str, what: &str) -> Result<serde_json::Value, Failure> {
    serde_json::from_str(text).map_err(|e| unreadable(format!("{what}: not JSON: {e}")))
}

/// A file's text (`-`: standard input), at most [`MAX_BUNDLE_BYTES`].
fn read_text(path: &Path) -> Result<String, Failure> {
    let mut text = String::new();
    let result = if path.as_os_str() == "-" {
        std::io::stdin()
            .take(MAX_BUNDLE_BYTES)
            .read_to_string(&mut text)
    } else {
        std::fs::File::open(path).and_then(|f| f.take(MAX_BUNDLE_BYTES).read_to_string(&mut text))
    };
    result.map_err(|e| unreadable(format!("{}: {e}", path.display())))?;
    Ok(text)
}

/// Writes `bytes` to `path` (`-`: standard output).
fn write(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    let result = if path.as_os_str() == "-" {
        let mut out = std::io::stdout().lock();
        out.write_all(bytes).and_then(|()| out.flush())
    } else {
        std::fs::write(path, bytes)
    };
    result.map_err(|e| Failure(2, format!("{}: {e}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_encoded() {
        assert_eq!(
            encode("2017-06-18T14:00:00+03:00"),
            "2017-06-18T14%3A00%3A00%2B03%3A00"
        );
        assert_eq!(encode("18 1400Z JUN 17"), "18%201400Z%20JUN%2017");
    }
}
