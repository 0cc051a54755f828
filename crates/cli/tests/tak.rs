//! `deconflict tak` against a real server: what each party's bridge draws is exactly what that party may read
//! through the API (its own declarations, the sites, zones and lines it was given, only the conflicting volumes
//! of the other side), and over a connection to a stand-in TAK server (plain TCP here; the TLS runs against a
//! real TAK server are `scripts/tak-e2e`): presence first, the picture, a withdrawal when a declaration is
//! cancelled, a FLASH message as chat, and position reports taken as the party's own live tracks — after
//! junk, an oversized event and reports that are not the party's own units, which are not.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use deconflict_space::units::format_time;
use serde_json::{json, Value};

mod common;
use common::{add_party, bin, http, start};

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

fn volume(lon: f64, lat: f64, radius_m: f64, lower_m: f64) -> Value {
    let now = now_ms();
    json!({"footprint": {"circle": {"center": [lon, lat], "radius_m": radius_m}},
           "altitude": {"lower_m": lower_m, "upper_m": lower_m + 2000.0},
           "time": {"start": format_time(now + 600_000), "end": format_time(now + 3_000_000)}})
}

struct Line {
    _dir: tempfile::TempDir,
    server: common::Server,
    us: String,
    ru: String,
}

/// Three parties; the coalition and Russia under one agreement. The coalition: a sortie that conflicts with
/// Russia's and one that conflicts with nothing. Russia: a sortie with a conflicting and a far volume, a
/// secret one, its side of a line given to the coalition. The UN: a hospital notified to the coalition only.
fn line() -> Line {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("line");
    let us = add_party(&data, "us-cjtf");
    let ru = add_party(&data, "ru-gs");
    let un = add_party(&data, "un-ocha");
    let server = start(&data);
    let a = &server.addr;
    let agree = json!({"id": "us-ru", "parties": ["us-cjtf", "ru-gs"]});
    assert_eq!(http(a, "POST", "/v1/agreements", &us, Some(&agree)).0, 201);
    assert_eq!(
        http(a, "POST", "/v1/agreements/us-ru/accept", &ru, None).0,
        200
    );
    let declare = |token: &str, d: Value| {
        let (s, body) = http(a, "POST", "/v1/declarations", token, Some(&d));
        assert_eq!(s, 201, "{body}");
    };
    declare(
        &us,
        json!({"id": "us-1", "kind": "air_operation", "name": "Viper strike package",
               "volumes": [volume(38.0, 35.0, 20_000.0, 6000.0)]}),
    );
    declare(
        &us,
        json!({"id": "us-private", "kind": "air_operation", "volumes": [volume(44.0, 33.0, 5_000.0, 3000.0)]}),
    );
    declare(
        &ru,
        json!({"id": "ru-1", "kind": "air_operation",
               "volumes": [volume(38.1, 35.05, 10_000.0, 6500.0), volume(42.0, 36.5, 5_000.0, 6500.0)]}),
    );
    declare(
        &ru,
        json!({"id": "ru-secret", "kind": "air_operation", "volumes": [volume(46.0, 34.0, 5_000.0, 1000.0)]}),
    );
    let now = now_ms();
    declare(
        &ru,
        json!({"id": "ru-line", "kind": "line", "audience": ["us-cjtf"], "name": "River line, Russia's side",
               "volumes": [{"footprint": {"side": {"path": [[39.0, 35.0], [39.5, 35.5]], "side": "left", "depth_m": 20000}},
                            "altitude": {"lower": "SFC", "upper": "FL600"},
                            "time": {"start": format_time(now - 600_000), "end": format_time(now + 86_400_000)}}]}),
    );
    declare(
        &un,
        json!({"id": "hosp", "kind": "site", "audience": ["us-cjtf"], "name": "Hospital",
               "volumes": [{"footprint": {"circle": {"center": [36.6, 35.37], "radius_m": 500}},
                            "altitude": {"lower": "SFC", "upper": "3000 m"},
                            "time": {"start": format_time(now - 600_000), "end": format_time(now + 86_400_000)}}]}),
    );
    Line {
        _dir: dir,
        server,
        us,
        ru,
    }
}

/// The uids of the events in `text`.
fn uids(text: &str) -> Vec<String> {
    text.split("uid=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .map(str::to_string)
        .collect()
}

fn dry_run(line: &Line, token: &str) -> String {
    let out = bin()
        .args(["tak", "--dry-run", "--server"])
        .arg(format!("http://{}", line.server.addr))
        .args(["--token", token])
        .output()
        .expect("tak --dry-run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

#[test]
fn each_partys_bridge_draws_only_what_that_party_may_read() {
    let line = line();
    let flash = json!({"to": ["us-cjtf"], "precedence": "FLASH", "text": "Hold west of the river"});
    let (status, sent) = http(
        &line.server.addr,
        "POST",
        "/v1/messages",
        &line.ru,
        Some(&flash),
    );
    assert_eq!(status, 201, "{sent}");
    let us = dry_run(&line, &line.us);
    // A dry run sends nothing and so does not read the inbox (reading it marks messages delivered).
    assert!(!us.contains("Hold west of the river"), "{us}");
    let (_, outbox) = http(
        &line.server.addr,
        "GET",
        "/v1/messages?box=outbox",
        &line.ru,
        None,
    );
    assert_eq!(
        outbox["messages"][0]["receipts"]["us-cjtf"]["delivered"],
        Value::Null,
        "{outbox}"
    );
    assert!(!us.contains("NaN"), "{us}");
    let us_uids = uids(&us);
    for expected in [
        "deconflict.us-cjtf.decl.us-cjtf.us-1.1",
        "deconflict.us-cjtf.decl.us-cjtf.us-private.1",
        "deconflict.us-cjtf.decl.ru-gs.ru-line.1",
        "deconflict.us-cjtf.decl.un-ocha.hosp.1",
    ] {
        assert!(us_uids.iter().any(|u| u == expected), "{expected}:\n{us}");
    }
    let conflicts: Vec<&String> = us_uids
        .iter()
        .filter(|u| u.contains(".conflict."))
        .collect();
    assert_eq!(conflicts.len(), 1, "only ru-1's conflicting volume: {us}");
    assert!(
        us.contains("FL") || us.contains(" ft)"),
        "altitudes in the remarks"
    );
    assert!(us.contains("CONFLICT ru-gs ru-1"));
    // Russia's far volume of ru-1 (42.0E 36.5N) and its secret sortie are never drawn for the coalition.
    assert!(!us.contains("ru-secret"), "{us}");
    assert!(
        !us.contains("42.0000000") && !us.contains("46.0000000"),
        "{us}"
    );

    let ru = dry_run(&line, &line.ru);
    for hidden in ["us-private", "hosp", "Hospital", "44.0000000", "Viper"] {
        assert!(!ru.contains(hidden), "{hidden} reached Russia: {ru}");
    }
    let ru_uids = uids(&ru);
    assert!(ru_uids.iter().all(|u| u.starts_with("deconflict.ru-gs.")));
    assert!(ru_uids
        .iter()
        .any(|u| u == "deconflict.ru-gs.decl.ru-gs.ru-secret.1"));
    assert_eq!(
        ru_uids.iter().filter(|u| u.contains(".conflict.")).count(),
        1,
        "only us-1's conflicting volume: {ru}"
    );
}

/// Reads from the bridge until `pred` holds on all that was read, or panics after `within`.
fn read_until(s: &mut TcpStream, got: &mut String, within: Duration, pred: impl Fn(&str) -> bool) {
    let until = Instant::now() + within;
    let mut buf = [0u8; 65536];
    while !pred(got) {
        assert!(
            Instant::now() < until,
            "not seen in {within:?}; got:\n{got}"
        );
        match s.read(&mut buf) {
            Ok(0) => panic!("the bridge closed the connection; got:\n{got}"),
            Ok(n) => got.push_str(&String::from_utf8_lossy(&buf[..n])),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(e) => panic!("{e}"),
        }
    }
}

struct Bridge(Child);
impl Drop for Bridge {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The coalition's bridge against a stand-in TAK server on loopback (plain TCP), with `extra` arguments:
/// the running bridge and its connection, read with a short timeout.
fn bridge_on_tcp(line: &Line, extra: &[&str]) -> (Bridge, TcpStream) {
    let tak = TcpListener::bind("127.0.0.1:0").expect("bind");
    let bridge = Bridge(
        bin()
            .arg("tak")
            .args(extra)
            .arg("--server")
            .arg(format!("http://{}", line.server.addr))
            .args(["--token", &line.us, "--tak"])
            .arg(format!("tcp://{}", tak.local_addr().expect("addr")))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("tak"),
    );
    let (s, _) = tak.accept().expect("the bridge connects");
    s.set_read_timeout(Some(Duration::from_millis(200)))
        .expect("timeout");
    (bridge, s)
}

fn pli(uid: &str, kind: &str, how: &str, track: bool) -> String {
    pli_as(uid, &format!("{uid}-CS"), kind, how, track)
}

fn pli_as(uid: &str, callsign: &str, kind: &str, how: &str, track: bool) -> String {
    let t = format_time(now_ms());
    let stale = format_time(now_ms() + 60_000);
    let track = if track {
        "<track course=\"45\" speed=\"180\"/>"
    } else {
        ""
    };
    format!(
        "<event version=\"2.0\" uid=\"{uid}\" type=\"{kind}\" how=\"{how}\" time=\"{t}\" start=\"{t}\" \
         stale=\"{stale}\"><point lat=\"35.2\" lon=\"38.2\" hae=\"6100\" ce=\"5\" le=\"5\"/><detail>\
         <contact callsign=\"{callsign}\"/>{track}</detail></event>"
    )
}

#[test]
fn the_bridge_speaks_cot_and_takes_its_partys_position_reports() {
    let line = line();
    let a = line.server.addr.clone();
    let (_bridge, mut s) = bridge_on_tcp(&line, &["--poll-s", "0.3"]);
    let mut got = String::new();
    // Its presence comes first (a TAK server takes a connection's first event as its identity).
    read_until(&mut s, &mut got, Duration::from_secs(5), |g| {
        g.contains("</event>")
    });
    assert!(
        got.trim_start().starts_with("<event") && got.contains("type=\"a-f-G-U-C-I\""),
        "{got}"
    );
    read_until(&mut s, &mut got, Duration::from_secs(15), |g| {
        g.contains("deconflict.us-cjtf.decl.us-cjtf.us-1.1")
            && g.contains("deconflict.us-cjtf.decl.un-ocha.hosp.1")
    });

    // What the TAK server relays: junk, an oversized event, a hand-placed marker, a hostile atom, a PLI
    // without velocity, then the party's unit; only the last is a track.
    let mut relay = String::from("<event><broken");
    relay.push_str("</event>");
    relay.push_str(&format!(
        "<event uid=\"big\">{}</event>",
        "x".repeat(200_000)
    ));
    relay.push_str(&pli("marker-1", "a-f-G", "h-g-i-g-o", true));
    relay.push_str(&pli("hostile-1", "a-h-A", "m-g", true));
    relay.push_str(&pli("novel-1", "a-f-A", "m-g", false));
    // Smuggled in a chat's CDATA: not an event of its own.
    relay.push_str(&format!(
        "<event uid=\"chat-1\" type=\"b-t-f\"><detail><remarks><![CDATA[</event>{}]]></remarks></detail></event>",
        pli("SMUGGLED-1", "a-f-A", "m-g", true)
    ));
    // An id the line would refuse, then a callsign it would: the first unit is refused alone, the second
    // keeps its track without the callsign; neither costs the others their batch.
    relay.push_str(&pli("BAD\u{200b}ID", "a-f-A", "m-g", true));
    relay.push_str(&pli_as("LONGCALL-1", &"C".repeat(40), "a-f-A", "m-g", true));
    relay.push_str(&pli("ANDROID-7", "a-f-A-M-F", "m-g", true));
    s.write_all(relay.as_bytes()).expect("write");
    let until = Instant::now() + Duration::from_secs(15);
    let track = loop {
        let (_, body) = http(&a, "GET", "/v1/tracks", &line.us, None);
        if let Some(t) = body["tracks"]
            .as_array()
            .and_then(|l| l.iter().find(|t| t["id"] == "ANDROID-7").cloned())
        {
            break t;
        }
        assert!(Instant::now() < until, "no track: {body}");
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(track["alt_ref"], "wgs84");
    assert_eq!(track["alt_m"], 6100.0);
    assert_eq!(track["callsign"], "ANDROID-7-CS");
    let (_, body) = http(&a, "GET", "/v1/tracks", &line.us, None);
    let ids: Vec<&str> = body["tracks"]
        .as_array()
        .map(|l| l.iter().filter_map(|t| t["id"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        ids,
        vec!["ANDROID-7", "LONGCALL-1"],
        "only the party's own units"
    );
    let long = body["tracks"]
        .as_array()
        .and_then(|l| l.iter().find(|t| t["id"] == "LONGCALL-1").cloned())
        .unwrap_or_default();
    assert_eq!(
        long["callsign"], "",
        "a callsign the line refuses is left out: {long}"
    );
    let (_, body) = http(&a, "GET", "/v1/tracks", &line.ru, None);
    assert_eq!(body["tracks"], json!([]), "not Russia's");

    // A cancelled declaration is withdrawn; a FLASH from Russia comes as chat.
    let cancelled = ureq::post(&format!("http://{a}/v1/declarations/us-private/cancel"))
        .set("Authorization", &format!("Bearer {}", line.us))
        .set("If-Match", "\"1\"")
        .call();
    assert!(cancelled.is_ok(), "{cancelled:?}");
    // Fifty-five routine messages first: the FLASH after them is still sent (the most urgent first), and the
    // ones beyond fifty are counted, not left unsaid.
    for i in 0..55 {
        let routine = json!({"to": ["us-cjtf"], "text": format!("routine {i}")});
        assert_eq!(
            http(&a, "POST", "/v1/messages", &line.ru, Some(&routine)).0,
            201
        );
    }
    let msg = json!({"to": ["us-cjtf"], "precedence": "FLASH", "text": "Break off: MiG flight crossing at FL300"});
    let (status, body) = http(&a, "POST", "/v1/messages", &line.ru, Some(&msg));
    assert_eq!(status, 201, "{body}");
    read_until(&mut s, &mut got, Duration::from_secs(15), |g| {
        g.contains("type=\"t-x-d-d\"")
            && g.contains("<link uid=\"deconflict.us-cjtf.decl.us-cjtf.us-private.1\"")
            && g.contains("type=\"b-t-f\"")
            && g.contains("FLASH from ru-gs")
            && g.contains("Break off: MiG flight crossing at FL300")
            && g.contains("6 more unacknowledged messages in the inbox")
    });
}

/// A line that stops answering leaves a picture that looks current unless the bridge says otherwise: after
/// `--lost-after-s` it stops refreshing the shapes (they expire on the TAK clients) and tells the users once.
#[test]
fn a_silent_line_is_said_and_its_picture_left_to_expire() {
    let mut line = line();
    let (_bridge, mut s) = bridge_on_tcp(
        &line,
        &["--poll-s", "0.3", "--refresh-s", "1", "--lost-after-s", "2"],
    );
    let mut got = String::new();
    read_until(&mut s, &mut got, Duration::from_secs(15), |g| {
        g.contains("deconflict.us-cjtf.decl.us-cjtf.us-1.1")
    });
    let _ = line.server.child.kill();
    let _ = line.server.child.wait();
    got.clear();
    read_until(&mut s, &mut got, Duration::from_secs(15), |g| {
        g.contains("no answer from the line since")
    });
    // From then on, no shape is sent again.
    got.clear();
    let until = Instant::now() + Duration::from_secs(3);
    let mut buf = [0u8; 65536];
    while Instant::now() < until {
        if let Ok(n) = s.read(&mut buf) {
            got.push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    }
    assert!(!got.contains("deconflict.us-cjtf.decl."), "{got}");
}
