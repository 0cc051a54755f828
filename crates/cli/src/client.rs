//! The line's command-line client: `declare`, `conflicts`, `send`, `inbox`, `ack`, `tail`, `agreement`.
//!
//! Every command takes `--server URL` and `--token TOKEN`, or the environment variables `DECONFLICT_SERVER`
//! and `DECONFLICT_TOKEN`. Answers are printed as JSON on standard output; a problem from the server is
//! printed on standard error with exit status 1; unreadable input or an unreachable server exits 2.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use serde_json::{json, Value};

#[derive(Args, Debug, Clone)]
pub struct Connection {
    /// The server's URL.
    #[arg(
        long,
        env = "DECONFLICT_SERVER",
        default_value = "http://127.0.0.1:8080",
        global = true,
        value_parser = server_url
    )]
    pub server: String,
    /// Your party's token.
    #[arg(long, env = "DECONFLICT_TOKEN", hide_env_values = true, global = true)]
    pub token: Option<String>,
}

/// A server's URL: `http://` is added to a bare `host:port`; any scheme but http and https is refused.
fn server_url(text: &str) -> Result<String, String> {
    let text = text.trim().trim_end_matches('/');
    match text.split_once("://") {
        None if !text.is_empty() => Ok(format!("http://{text}")),
        Some((scheme, rest)) if (scheme == "http" || scheme == "https") && !rest.is_empty() => {
            Ok(text.to_string())
        }
        _ => Err(format!(
            "{text:?} is not a server's URL: expected http://HOST:PORT (or https://…)"
        )),
    }
}

#[derive(Args, Debug)]
pub struct DeclareArgs {
    #[command(flatten)]
    pub connection: Connection,
    /// The declaration (plan format; `-` reads standard input).
    pub file: PathBuf,
    /// Write it as a new version of the declaration at this version (If-Match).
    #[arg(long, value_name = "VERSION")]
    pub replaces: Option<u64>,
}

#[derive(Args, Debug)]
pub struct SendArgs {
    #[command(flatten)]
    pub connection: Connection,
    /// Recipients (party ids), comma-separated.
    #[arg(long, value_delimiter = ',', required = true)]
    pub to: Vec<String>,
    /// FLASH, IMMEDIATE, PRIORITY or ROUTINE.
    #[arg(long, default_value = "ROUTINE")]
    pub precedence: String,
    /// text, notice, request, reply, assistance or not_my_forces.
    #[arg(long, default_value = "text")]
    pub kind: String,
    /// A structured message, as JSON: `{"type": "delay_request", "declaration": "ru-43", "delay_s": 1800}`
    /// (types: operation_notice, site_exclusion_request, delay_request, acknowledgement). Each reader sees
    /// it in its own language and units.
    #[arg(long, value_parser = json_object)]
    pub template: Option<Value>,
    /// The message's free text (sent as written: never translated).
    #[arg(required_unless_present = "template")]
    pub text: Vec<String>,
}

/// A command-line argument read as a JSON object.
fn json_object(s: &str) -> Result<Value, String> {
    match serde_json::from_str::<Value>(s) {
        Ok(v) if v.is_object() => Ok(v),
        Ok(_) => Err("expected a JSON object".into()),
        Err(e) => Err(format!("not JSON: {e}")),
    }
}

#[derive(Args, Debug)]
pub struct AckArgs {
    #[command(flatten)]
    pub connection: Connection,
    /// The message id (e.g. m-22).
    pub id: String,
    /// Answer with this text instead of only acknowledging.
    #[arg(long)]
    pub answer: Option<String>,
    /// Answer with a structured message (JSON, as `send --template`), e.g.
    /// `{"type": "acknowledgement", "status": "will_comply"}`.
    #[arg(long, value_parser = json_object)]
    pub template: Option<Value>,
}

#[derive(Args, Debug)]
pub struct ListArgs {
    #[command(flatten)]
    pub connection: Connection,
}

#[derive(Args, Debug)]
pub struct InboxArgs {
    #[command(flatten)]
    pub connection: Connection,
    /// Show the messages you sent instead.
    #[arg(long)]
    pub outbox: bool,
}

#[derive(Args, Debug)]
pub struct TailArgs {
    #[command(flatten)]
    pub connection: Connection,
    /// Resume after this cursor (the `cursor` of the last event you saw).
    #[arg(long, default_value_t = 0)]
    pub cursor: u64,
}

#[derive(Args, Debug)]
pub struct AgreementArgs {
    #[command(flatten)]
    pub connection: Connection,
    #[command(subcommand)]
    pub action: AgreementAction,
}

#[derive(Subcommand, Debug)]
pub enum AgreementAction {
    /// The agreements you take part in, with their status.
    List,
    /// Proposes an agreement (JSON: id, title, parties, minima, notice_s, deadlines_s; `-` reads standard input).
    Propose { file: PathBuf },
    /// Accepts an agreement (it is active once every party has).
    Accept { id: String },
    /// Suspends an agreement: no new conflicts or messages under it until every party accepts it again.
    Suspend {
        id: String,
        #[arg(long)]
        reason: String,
    },
}

/// A failure and its exit status.
pub(crate) struct Failure(pub(crate) u8, pub(crate) String);

fn token(c: &Connection) -> Result<&str, Failure> {
    c.token
        .as_deref()
        .ok_or_else(|| Failure(2, "no token: give --token or set DECONFLICT_TOKEN".into()))
}

/// One request to the line: the JSON answer, or the server's problem (exit 1) or why it could not be asked
/// (exit 2).
pub(crate) fn request(
    c: &Connection,
    method: &str,
    path: &str,
    body: Option<&Value>,
    if_match: Option<u64>,
) -> Result<Value, Failure> {
    request_with(&ureq::agent(), c, method, path, body, if_match)
}

/// [`request`] through `agent` (its timeouts and connection pool); a refusal keeps the server's status code
/// in the message (`401 …`).
pub(crate) fn request_with(
    agent: &ureq::Agent,
    c: &Connection,
    method: &str,
    path: &str,
    body: Option<&Value>,
    if_match: Option<u64>,
) -> Result<Value, Failure> {
    let url = format!("{}{path}", c.server.trim_end_matches('/'));
    let mut req = agent
        .request(method, &url)
        .set("Authorization", &format!("Bearer {}", token(c)?));
    if let Some(v) = if_match {
        req = req.set("If-Match", &format!("\"{v}\""));
    }
    let result = match body {
        Some(b) => req
            .set("Content-Type", "application/json")
            .send_string(&b.to_string()),
        None => req.call(),
    };
    let read = |r: ureq::Response| -> Value {
        let text = r.into_string().unwrap_or_default();
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    match result {
        Ok(r) => Ok(read(r)),
        Err(ureq::Error::Status(code, r)) => {
            let p = read(r);
            let detail = p["detail"]
                .as_str()
                .map_or_else(|| p.to_string(), str::to_string);
            let field = p["field"]
                .as_str()
                .filter(|f| !f.is_empty())
                .map(|f| format!(" (field {f})"))
                .unwrap_or_default();
            Err(Failure(
                1,
                format!(
                    "{code} {}: {detail}{field}",
                    p["title"].as_str().unwrap_or("")
                ),
            ))
        }
        Err(e) => Err(Failure(2, format!("{url}: {e}"))),
    }
}

fn print(v: &Value) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{}",
        serde_json::to_string_pretty(v).unwrap_or_default()
    )
    .map_err(|e| Failure(2, e.to_string()))
}

fn finish(r: Result<(), Failure>) -> ExitCode {
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure(code, message)) => {
            eprintln!("deconflict: {message}");
            ExitCode::from(code)
        }
    }
}

/// A JSON document from a file, or standard input for `-`.
fn read_json(file: &std::path::Path) -> Result<Value, Failure> {
    let text = if file.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| Failure(2, format!("standard input: {e}")))?;
        s
    } else {
        std::fs::read_to_string(file).map_err(|e| Failure(2, format!("{}: {e}", file.display())))?
    };
    serde_json::from_str(&text)
        .map_err(|e| Failure(2, format!("{}: not JSON: {e}", file.display())))
}

pub fn agreement(a: &AgreementArgs) -> ExitCode {
    let c = &a.connection;
    finish((|| {
        let answer = match &a.action {
            AgreementAction::List => all_pages(c, "/v1/agreements", "agreements")?,
            AgreementAction::Propose { file } => {
                request(c, "POST", "/v1/agreements", Some(&read_json(file)?), None)?
            }
            AgreementAction::Accept { id } => request(
                c,
                "POST",
                &format!("/v1/agreements/{id}/accept"),
                None,
                None,
            )?,
            AgreementAction::Suspend { id, reason } => request(
                c,
                "POST",
                &format!("/v1/agreements/{id}/suspend"),
                Some(&json!({"reason": reason})),
                None,
            )?,
        };
        print(&answer)
    })())
}

pub fn declare(a: &DeclareArgs) -> ExitCode {
    finish((|| {
        let body = read_json(&a.file)?;
        let answer = match a.replaces {
            None => request(&a.connection, "POST", "/v1/declarations", Some(&body), None)?,
            Some(v) => {
                let id = body["id"]
                    .as_str()
                    .ok_or_else(|| Failure(2, "the declaration has no id".into()))?;
                request(
                    &a.connection,
                    "PUT",
                    &format!("/v1/declarations/{id}"),
                    Some(&body),
                    Some(v),
                )?
            }
        };
        print(&answer)
    })())
}

/// Every page of a list (`path` answers `{name: [...], next, cursor}`), as one `{name: [...]}`.
fn all_pages(c: &Connection, path: &str, name: &str) -> Result<Value, Failure> {
    let mut items = Vec::new();
    let mut after: Option<String> = None;
    let sep = if path.contains('?') { '&' } else { '?' };
    loop {
        let url = match &after {
            None => format!("{path}{sep}limit=1000"),
            Some(a) => {
                let a: String = a
                    .bytes()
                    .map(|b| match b {
                        b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                            (b as char).to_string()
                        }
                        _ => format!("%{b:02X}"),
                    })
                    .collect();
                format!("{path}{sep}limit=1000&after={a}")
            }
        };
        let page = request(c, "GET", &url, None, None)?;
        if let Some(list) = page[name].as_array() {
            items.extend(list.iter().cloned());
        }
        match page["next"].as_str() {
            Some(next) => after = Some(next.to_string()),
            None => break,
        }
    }
    Ok(json!({ name: items }))
}

pub fn conflicts(a: &ListArgs) -> ExitCode {
    finish(all_pages(&a.connection, "/v1/conflicts", "conflicts").and_then(|v| print(&v)))
}

pub fn send(a: &SendArgs) -> ExitCode {
    let mut body =
        json!({"to": a.to, "precedence": a.precedence, "kind": a.kind, "text": a.text.join(" ")});
    if let Some(t) = &a.template {
        body["template"] = t.clone();
    }
    finish(
        request(&a.connection, "POST", "/v1/messages", Some(&body), None).and_then(|v| print(&v)),
    )
}

pub fn inbox(a: &InboxArgs) -> ExitCode {
    let path = if a.outbox {
        "/v1/messages?box=outbox"
    } else {
        "/v1/messages?box=inbox"
    };
    finish(all_pages(&a.connection, path, "messages").and_then(|v| print(&v)))
}

pub fn ack(a: &AckArgs) -> ExitCode {
    let r = match (&a.answer, &a.template) {
        (None, None) => request(
            &a.connection,
            "POST",
            &format!("/v1/messages/{}/acknowledge", a.id),
            None,
            None,
        ),
        (text, template) => request(
            &a.connection,
            "POST",
            &format!("/v1/messages/{}/answer", a.id),
            Some(&json!({"text": text.clone().unwrap_or_default(), "template": template})),
            None,
        ),
    };
    finish(r.and_then(|v| print(&v)))
}

/// Follows the stream: one JSON event per line, heartbeats skipped. Reconnects are the caller's: pass the last
/// event's `cursor` as `--cursor`.
pub fn tail(a: &TailArgs) -> ExitCode {
    finish((|| {
        let ws_url = format!(
            "{}/v1/stream?cursor={}",
            a.connection.server.trim_end_matches('/'),
            a.cursor
        )
        .replacen("http://", "ws://", 1);
        let mut req = tungstenite::client::IntoClientRequest::into_client_request(ws_url.as_str())
            .map_err(|e| Failure(2, format!("{ws_url}: {e}")))?;
        let auth = format!("Bearer {}", token(&a.connection)?)
            .parse()
            .map_err(|_| Failure(2, "the token is not a valid header value".into()))?;
        req.headers_mut().insert("authorization", auth);
        let (mut socket, _) =
            tungstenite::connect(req).map_err(|e| Failure(2, format!("{ws_url}: {e}")))?;
        let mut out = std::io::stdout().lock();
        loop {
            match socket.read() {
                Ok(tungstenite::Message::Text(t)) => {
                    let v: Value = serde_json::from_str(&t).unwrap_or(Value::Null);
                    if v.get("heartbeat").is_none() {
                        writeln!(out, "{t}")
                            .and_then(|()| out.flush())
                            .map_err(|e| Failure(2, e.to_string()))?;
                    }
                }
                Ok(tungstenite::Message::Close(frame)) => {
                    let reason = frame.map(|f| f.reason.to_string()).unwrap_or_default();
                    return Err(Failure(
                        1,
                        format!("the server closed the stream: {reason}"),
                    ));
                }
                Ok(_) => {}
                Err(e) => return Err(Failure(2, format!("stream: {e}"))),
            }
        }
    })())
}

#[cfg(test)]
mod server_url_tests {
    use super::server_url;

    #[test]
    fn a_bare_host_and_port_is_taken_as_http() {
        assert_eq!(
            server_url("127.0.0.1:8080").as_deref(),
            Ok("http://127.0.0.1:8080")
        );
        assert_eq!(
            server_url("https://line.example/").as_deref(),
            Ok("https://line.example")
        );
        assert!(server_url("ftp://x").is_err_and(|e| e.contains("http://HOST:PORT")));
        assert!(server_url("").is_err());
    }
}
