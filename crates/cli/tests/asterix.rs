//! `deconflict feed`'s ASTERIX reader against independent implementations (`scripts/asterix-peer`, which
//! `scripts/test` installs and caches): PyPI `libasterix` (its `ast-tool-py random`) writes valid random
//! CAT021, CAT062 and CAT048 records; the values this feed decodes from those bytes must be the values
//! CroatiaControl's `asterix_decoder` (PyPI) and Wireshark's dissector (Debian's `tshark`) decode from the
//! same bytes. Then targets encoded by libasterix from chosen values travel over UDP, unicast and to a
//! multicast group, through the feed into a running line, as the feed's party's tracks, which another party
//! does not see.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Map, Value};

mod common;
use common::{add_party, bin, http, start_with};

fn peer() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/asterix-peer")
}

/// Runs `scripts/asterix-peer ARGS` and returns its standard output.
fn run_peer(args: &[&str]) -> String {
    let out = Command::new(peer())
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("run scripts/asterix-peer (scripts/test installs what it needs)");
    assert!(
        out.status.success(),
        "scripts/asterix-peer {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

fn json_lines(text: &str) -> Vec<Map<String, Value>> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| match serde_json::from_str(l) {
            Ok(Value::Object(m)) => m,
            other => panic!("not a JSON object: {l}: {other:?}"),
        })
        .collect()
}

fn ours(file: &Path) -> Vec<Map<String, Value>> {
    let out = bin()
        .args(["feed", "--asterix-replay"])
        .arg(file)
        .arg("--decoded")
        .stdin(Stdio::null())
        .output()
        .expect("run deconflict feed");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("(0 unreadable"),
        "every random record is valid: {err}"
    );
    json_lines(&String::from_utf8_lossy(&out.stdout))
}

/// The same callsign, as the references give one with characters outside the ICAO alphabet: as spaces,
/// trimmed (this feed marks them `?` and does not use such a callsign).
fn callsign(v: &Value) -> String {
    v.as_str()
        .unwrap_or_default()
        .replace('?', " ")
        .trim()
        .to_string()
}

/// Compares our records with a reference's, field by field, within a millionth; `skip` may excuse a
/// documented difference (returning true).
fn compare(
    name: &str,
    ours: &[Map<String, Value>],
    theirs: &[Map<String, Value>],
    skip: impl Fn(&str, &Value, &Value) -> bool,
) -> usize {
    assert_eq!(ours.len(), theirs.len(), "{name}: record counts");
    let mut checked = 0;
    for (a, b) in ours.iter().zip(theirs) {
        assert_eq!(
            (&a["block"], &a["record"]),
            (&b["block"], &b["record"]),
            "{name}"
        );
        let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
        for k in keys {
            if k == "offset" {
                continue;
            }
            let (x, y) = (
                a.get(k).unwrap_or(&Value::Null),
                b.get(k).unwrap_or(&Value::Null),
            );
            if skip(k, x, y) {
                continue;
            }
            checked += 1;
            let same = match (x.as_f64(), y.as_f64()) {
                (Some(x), Some(y)) => (x - y).abs() <= 1e-6 * x.abs().max(1.0),
                _ if k == "callsign" => callsign(x) == callsign(y),
                _ => x == y,
            };
            assert!(
                same,
                "{name}: block {} record {}: {k}: ours {x}, theirs {y}",
                a["block"], a["record"]
            );
        }
    }
    checked
}

#[test]
fn random_records_decode_to_what_two_independent_decoders_read() {
    let dir = tempfile::tempdir().expect("temp dir");
    for cat in ["21", "62", "48"] {
        let file = dir.path().join(format!("random-{cat}.ast"));
        let path = file.to_str().expect("utf-8 path");
        // A fixed seed, so that a failure can be replayed; the categories' every item at random.
        run_peer(&["random", cat, "150", path, "2026"]);
        let ours = ours(&file);
        assert!(ours.len() >= 150, "CAT{cat}: {} records", ours.len());
        let cro = json_lines(&run_peer(&["decode-cro", path]));
        let n = compare(
            &format!("CAT{cat} asterix_decoder"),
            &ours,
            &cro,
            |_, _, _| false,
        );
        let tshark = json_lines(&run_peer(&["decode-tshark", path]));
        // Wireshark 4.0 reads I048/090 (a two's complement flight level) as unsigned: a negative level
        // comes out 4096 FL higher. Every other field must agree.
        let m = compare(&format!("CAT{cat} tshark"), &ours, &tshark, |k, x, y| {
            cat == "48"
                && k == "fl"
                && x.as_f64().is_some_and(|x| x < 0.0)
                && y.as_f64()
                    .zip(x.as_f64())
                    .is_some_and(|(y, x)| (y - x - 4096.0).abs() < 1e-6)
        });
        assert!(n > 500 && m > 500, "CAT{cat}: {n} and {m} values compared");
    }
}

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_udp_port() -> u16 {
    std::net::UdpSocket::bind("127.0.0.1:0")
        .and_then(|s| s.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

#[test]
fn targets_encoded_by_libasterix_reach_the_line_over_udp_unicast_and_multicast() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let radar = add_party(&data, "tr-gs");
    let multicast = add_party(&data, "tr-mc");
    let other = add_party(&data, "ru-gs");
    let server = start_with(&data, &["--scan-period-ms", "100"]);
    // Three targets, one of each category, at today's time of day.
    let targets = dir.path().join("targets.jsonl");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs_f64()
        % 86_400.0;
    std::fs::write(
        &targets,
        format!(
            r#"{{"cat": 21, "sac": 25, "sic": 1, "time_s": {now}, "lat": 36.2, "lon": 37.1, "fl": 350, "gs_kt": 450, "track_deg": 90, "vs_ftmin": -1000, "address": "4BA912", "callsign": "THY4AB"}}
{{"cat": 62, "sac": 25, "sic": 100, "time_s": {now}, "lat": 36.5, "lon": 37.25, "fl": 300, "vx_mps": 100, "vy_mps": -50, "vs_ftmin": 625, "track_number": 4321, "address": "123456", "callsign": "RFF123"}}
{{"cat": 48, "sac": 7, "sic": 3, "time_s": {now}, "rho_nm": 60, "theta_deg": 45, "fl": 250, "gs_kt": 360, "track_deg": 45, "track_number": 77, "address": "ABCDEF", "callsign": "TUR77"}}
"#
        ),
    )
    .expect("write targets");
    let encoded = dir.path().join("targets.ast");
    run_peer(&[
        "encode",
        targets.to_str().expect("utf-8"),
        encoded.to_str().expect("utf-8"),
    ]);
    let bytes = std::fs::read(&encoded).expect("read the encoded targets");

    let unicast = format!("127.0.0.1:{}", free_udp_port());
    let group = format!(
        "239.255.18.{}:{}",
        1 + std::process::id() % 250,
        free_udp_port()
    );
    let feed = |addr: &str, token: &str| {
        Killed(
            bin()
                .args([
                    "feed",
                    "--asterix-udp",
                    addr,
                    "--multicast-interface",
                    "127.0.0.1",
                ])
                .args(["--batch-ms", "100", "--radar", "7/3=36.0,37.0,400"])
                .args([
                    "--server",
                    &format!("http://{}", server.addr),
                    "--token",
                    token,
                ])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start the feed"),
        )
    };
    let sender =
        socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::DGRAM, None).expect("a socket");
    sender
        .set_multicast_if_v4(&std::net::Ipv4Addr::LOCALHOST)
        .expect("multicast on loopback");
    sender
        .bind(&std::net::SocketAddr::from(([127, 0, 0, 1], 0)).into())
        .expect("bind a sender");
    let sender: std::net::UdpSocket = sender.into();
    for (addr, what, party, token) in [
        (&unicast, "unicast", "tr-gs", &radar),
        (&group, "multicast", "tr-mc", &multicast),
    ] {
        let _feed = feed(addr, token);
        let deadline = Instant::now() + Duration::from_secs(20);
        let tracks = loop {
            // Until the feed listens, datagrams are lost, as UDP's are: send every 200 ms.
            sender
                .send_to(&bytes, addr.as_str())
                .expect("send the datagram");
            std::thread::sleep(Duration::from_millis(200));
            let (status, body) = http(&server.addr, "GET", "/v1/tracks", token, None);
            assert_eq!(status, 200, "{body}");
            let tracks = body["tracks"].as_array().cloned().unwrap_or_default();
            if tracks.len() == 3 || Instant::now() > deadline {
                break tracks;
            }
        };
        let find = |id: &str| {
            tracks
                .iter()
                .find(|t| t["id"] == id)
                .unwrap_or_else(|| panic!("{what}: {id} never reached the line: {tracks:?}"))
                .clone()
        };
        let num = |t: &Value, k: &str| t[k].as_f64().unwrap_or(f64::NAN);
        let thy = find("4BA912");
        assert_eq!(
            (&thy["party"], &thy["callsign"], &thy["alt_ref"]),
            (
                &Value::from(party),
                &Value::from("THY4AB"),
                &Value::from("pressure")
            )
        );
        assert!(
            (num(&thy, "lat") - 36.2).abs() < 1e-6 && (num(&thy, "lon") - 37.1).abs() < 1e-6,
            "{thy}"
        );
        assert!((num(&thy, "alt_m") - 10_668.0).abs() < 0.1, "FL350: {thy}");
        assert!(
            (num(&thy, "gs_mps") - 450.0 * 1852.0 / 3600.0).abs() < 0.1,
            "{thy}"
        );
        assert!(
            (num(&thy, "vs_mps") + 1000.0 * 0.3048 / 60.0).abs() < 0.01,
            "{thy}"
        );
        let rff = find("123456");
        assert!(
            (num(&rff, "trk_deg") - 116.57).abs() < 0.01,
            "vx 100, vy -50: {rff}"
        );
        assert!((num(&rff, "alt_m") - 9_144.0).abs() < 0.1, "{rff}");
        // 60 NM at 45° from the radar at 36°N 37°E, at FL250.
        let tur = find("ABCDEF");
        assert!(
            (num(&tur, "lat") - 36.703).abs() < 0.002 && (num(&tur, "lon") - 37.877).abs() < 0.002,
            "{tur}"
        );
        // Need-to-know: another party does not see them.
        let (status, body) = http(&server.addr, "GET", "/v1/tracks", &other, None);
        assert_eq!(
            (status, &body["tracks"]),
            (200, &Value::Array(Vec::new())),
            "{body}"
        );
    }
}

/// A feed whose reports the line refuses (here: more targets than the party may hold) drops them and goes on;
/// it stopped at the first refusal before, which let any sender of datagrams silence a party's feed.
#[test]
fn reports_the_line_refuses_are_dropped_and_the_feed_goes_on() {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let token = add_party(&data, "tr-gs");
    let server = start_with(&data, &["--limit-tracks-per-party", "5"]);
    let targets = dir.path().join("targets.jsonl");
    let lines: Vec<String> = (0..12)
        .map(|i| {
            format!(
                r#"{{"cat": 21, "sac": 25, "sic": 1, "lat": 36.{i}, "lon": 37.1, "fl": 350, "gs_kt": 450, "track_deg": 90, "address": "4BA9{i:02X}"}}"#
            )
        })
        .collect();
    std::fs::write(&targets, lines.join("\n")).expect("write targets");
    let encoded = dir.path().join("targets.ast");
    run_peer(&[
        "encode",
        targets.to_str().expect("utf-8"),
        encoded.to_str().expect("utf-8"),
    ]);
    let run = |extra: &[&str]| {
        let out = bin()
            .args(["feed", "--asterix-replay"])
            .arg(&encoded)
            .args([
                "--speed",
                "0",
                "--server",
                &format!("http://{}", server.addr),
                "--token",
                &token,
            ])
            .args(extra)
            .stdin(Stdio::null())
            .output()
            .expect("run the feed");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, err) = run(&[]);
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("refused by the line and dropped"), "{err}");
    let (status, body) = http(&server.addr, "GET", "/v1/tracks", &token, None);
    assert_eq!(status, 200, "{body}");
    // The batch over the party's limit was dropped whole; the line holds what it took before, if anything.
    assert!(body["tracks"].as_array().map_or(0, Vec::len) <= 5, "{body}");
    let (code, err) = run(&["--strict"]);
    assert_eq!(code, Some(1), "--strict stops at the refusal: {err}");
}

/// `--allow-from`: datagrams from any other source are dropped and named, so that whoever can reach the port
/// cannot feed the party's tracks; the listed sensor's still are.
#[test]
fn only_the_allowed_sources_feed_the_tracks() {
    let bytes = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/seeds/asterix/three-targets.ast"),
    )
    .expect("the recorded targets");
    let port = free_udp_port();
    let addr = format!("127.0.0.1:{port}");
    let run = |from: &str| {
        let child = bin()
            .args(["feed", "--asterix-udp", &addr, "--allow-from", "127.0.0.2"])
            .args(["--dry-run", "--once", "--quiet-s", "2"])
            .args(["--radar", "7/3=36.0,37.0,400"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the feed");
        let sender = std::net::UdpSocket::bind((from, 0)).expect("bind a sender");
        // Until the feed listens, datagrams are lost: send a few, 100 ms apart.
        for _ in 0..10 {
            sender.send_to(&bytes, &addr).expect("send");
            std::thread::sleep(Duration::from_millis(100));
        }
        let out = child.wait_with_output().expect("the feed ends (--once)");
        (
            String::from_utf8_lossy(&out.stdout).lines().count(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    let (reports, stderr) = run("127.0.0.1");
    assert_eq!(reports, 0, "{stderr}");
    assert!(
        stderr.contains("dropped: not an --allow-from source"),
        "{stderr}"
    );
    let (reports, stderr) = run("127.0.0.2");
    assert!(reports >= 3, "{stderr}");
    assert!(!stderr.contains("dropped"), "{stderr}");
}
