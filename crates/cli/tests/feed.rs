//! `deconflict feed` against a real third-party decoder: Debian's `dump1090-mutability` decodes real recorded
//! Mode S frames (`tests/data/beast-toulouse-2023-10-24.csv`, fed to its Beast input) and serves SBS-1 on a
//! loopback port; the feed client connects, assembles the states and reports them to a running line as one
//! party. The test decodes the same frames itself (altitude, ground speed, track) and checks that the line
//! holds exactly what the aircraft said, in metres and metres per second, and that no other party sees it.
//!
//! `scripts/test` installs `dump1090-mutability` when it is missing. A second test replays a small recording
//! (`--replay - --dry-run`): states in the line's units, one per aircraft and batch, bad lines named by number
//! and field, `--strict`, and no feed without a party's token. The others hold the feed to what a hostile or
//! broken peer may send: over-long lines (memory stays bounded; reading resumes after them), far-future lines
//! in a replay (no endless wait), and velocities without a vertical rate (unknown, not level flight).

use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

mod common;
use common::{add_party, bin, http, start_with};

const FRAMES: &str = include_str!("data/beast-toulouse-2023-10-24.csv");
/// KLM1302, climbing out of Toulouse-Blagnac.
const KLM: &str = "486257";

/// The decoder, wherever the system put it.
fn dump1090() -> Option<&'static str> {
    [
        "/usr/bin/dump1090-mutability",
        "/usr/local/bin/dump1090-mutability",
    ]
    .into_iter()
    .find(|p| Path::new(p).exists())
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// (receive time s, frame bytes) of every line.
fn frames() -> Vec<(f64, Vec<u8>)> {
    FRAMES
        .lines()
        .map(|l| {
            let (t, h) = l.split_once(',').expect("time,frame");
            (t.parse().expect("time"), hex::decode(h).expect("hex"))
        })
        .collect()
}

/// What the test decodes itself from the DF17 frames of `icao`: altitudes (ft) of airborne positions, and
/// (ground speed kt, track deg) of airborne velocities (subtype 1).
fn decode(icao: &str) -> (Vec<f64>, Vec<(f64, f64)>) {
    let (mut alts, mut vels) = (Vec::new(), Vec::new());
    for (_, f) in frames() {
        let m = &f[9..];
        if m.len() != 14 || m[0] >> 3 != 17 || hex::encode(&m[1..4]) != icao {
            continue;
        }
        let me = m[4..11]
            .iter()
            .fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
        let tc = me >> 51;
        if (9..=18).contains(&tc) {
            let alt = (me >> 36) & 0xFFF;
            if (alt >> 4) & 1 == 1 {
                let n = ((alt & 0xFE0) >> 1) | (alt & 0xF);
                alts.push(n as f64 * 25.0 - 1000.0);
            }
        } else if tc == 19 && (me >> 48) & 0x7 == 1 {
            let sign = |bit: u64| if (me >> bit) & 1 == 1 { -1.0 } else { 1.0 };
            let vew = ((me >> 32) & 0x3FF) as f64 - 1.0;
            let vns = ((me >> 21) & 0x3FF) as f64 - 1.0;
            let (ve, vn) = (sign(42) * vew, sign(31) * vns);
            vels.push((ve.hypot(vn), ve.atan2(vn).to_degrees().rem_euclid(360.0)));
        }
    }
    (alts, vels)
}

/// The Beast stream of a frame: the type byte, then the rest with every 0x1a doubled.
fn beast(frame: &[u8]) -> Vec<u8> {
    let mut out = frame[..2].to_vec();
    for &b in &frame[2..] {
        out.push(b);
        if b == 0x1a {
            out.push(b);
        }
    }
    out
}

fn connect_retry(port: u16) -> TcpStream {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match TcpStream::connect(("127.0.0.1", port)) {
            Ok(s) => return s,
            Err(e) if Instant::now() > deadline => panic!("dump1090 never listened on {port}: {e}"),
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
}

#[test]
fn tracks_from_dump1090_reach_the_line_as_the_feeds_party() {
    let Some(decoder) = dump1090() else {
        panic!("dump1090-mutability is not installed: scripts/test installs it (apt-get install dump1090-mutability)");
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let receiver = add_party(&data, "fr-adsb");
    let other = add_party(&data, "ru-gs");
    let server = start_with(&data, &["--scan-period-ms", "100"]);

    let (beast_in, sbs_out) = (free_port(), free_port());
    let mut ports: Vec<String> = (0..3).map(|_| free_port().to_string()).collect();
    let _decoder = Killed(
        Command::new(decoder)
            .args(["--net-only", "--quiet", "--net-bind-address", "127.0.0.1"])
            .args(["--net-bi-port", &beast_in.to_string()])
            .args(["--net-sbs-port", &sbs_out.to_string()])
            .args(["--net-ri-port", &ports.remove(0)])
            .args(["--net-ro-port", &ports.remove(0)])
            .args(["--net-bo-port", &ports.remove(0)])
            .args(["--net-http-port", "0"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start dump1090-mutability"),
    );
    drop(connect_retry(sbs_out));
    let _feed = Killed(
        bin()
            .args(["feed", "--connect", &format!("127.0.0.1:{sbs_out}")])
            .args([
                "--batch-ms",
                "100",
                "--server",
                &format!("http://{}", server.addr),
            ])
            .args(["--token", &receiver])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the feed"),
    );
    // Wait until the feed is connected to the decoder (it prints nothing we read; give it a moment and
    // check the decoder accepts), then replay the recording at 20 times its pace.
    std::thread::sleep(Duration::from_millis(500));
    let mut input = connect_retry(beast_in);
    let recorded = frames();
    let t0 = recorded[0].0;
    let started = Instant::now();
    for (t, f) in &recorded {
        let due = Duration::from_secs_f64((t - t0) / 20.0);
        if let Some(wait) = due.checked_sub(started.elapsed()) {
            std::thread::sleep(wait);
        }
        input.write_all(&beast(f)).expect("write a frame");
    }
    // The last states travel decoder → feed → line within a few batches.
    std::thread::sleep(Duration::from_millis(1500));
    let (status, body) = http(&server.addr, "GET", "/v1/tracks", &receiver, None);
    assert_eq!(status, 200, "{body}");
    let tracks = body["tracks"].as_array().expect("tracks").clone();
    let klm = tracks
        .iter()
        .find(|t| t["id"] == KLM)
        .unwrap_or_else(|| panic!("{KLM} never reached the line: {body}"));
    assert_eq!(klm["party"], "fr-adsb");
    assert_eq!(klm["callsign"], "KLM1302", "{klm}");
    let num = |v: &Value| v.as_f64().expect("a number");
    let (lat, lon) = (num(&klm["lat"]), num(&klm["lon"]));
    assert!(
        (43.5..44.2).contains(&lat) && (1.0..1.6).contains(&lon),
        "{lat},{lon} is not near Toulouse"
    );
    // The state the line holds is one the aircraft broadcast: its altitude, ground speed and track, in the
    // line's units.
    let (alts, vels) = decode(KLM);
    assert!(
        alts.len() > 100 && vels.len() > 30,
        "{} altitudes, {} velocities decoded",
        alts.len(),
        vels.len()
    );
    let alt_m = num(&klm["alt_m"]);
    assert!(
        alts.iter().any(|ft| (ft * 0.3048 - alt_m).abs() < 0.1),
        "alt_m {alt_m} is no broadcast altitude"
    );
    assert!(alt_m > 300.0, "airborne: {alt_m} m");
    // SBS-1 altitudes are barometric: the line holds them as pressure altitudes, not above mean sea level.
    assert_eq!(klm["alt_ref"], "pressure", "{klm}");
    let (gs, trk) = (num(&klm["gs_mps"]) * 3600.0 / 1852.0, num(&klm["trk_deg"]));
    assert!(
        vels.iter()
            .any(|(g, t)| (g - gs).abs() < 1.0 && ((t - trk + 540.0) % 360.0 - 180.0).abs() < 1.0),
        "{gs} kt, {trk}° is no broadcast velocity"
    );
    // Only airborne states are reported: the aircraft taxiing on the surface are not tracks.
    assert!(
        tracks.iter().all(|t| num(&t["alt_m"]) > 0.0),
        "surface states reported: {body}"
    );
    // Need-to-know: another party does not see this party's tracks.
    let (status, body) = http(&server.addr, "GET", "/v1/tracks", &other, None);
    assert_eq!(
        (status, &body["tracks"]),
        (200, &Value::Array(Vec::new())),
        "{body}"
    );
}

/// Runs `deconflict feed` with `args` on `input` (standard input); returns status, stdout, stderr.
fn feed_on(input: &str, args: &[&str]) -> (Option<i32>, String, String) {
    let out = common::run(&[&["feed"][..], args].concat(), Some(input));
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

#[test]
fn a_recording_replays_into_states_and_bad_lines_are_named() {
    let recording = "\
MSG,1,1,1,486257,1,2023/10/24,10:09:07.000,2023/10/24,10:09:07.000,KLM1302,,,,,,,,,,,0
MSG,4,1,1,486257,1,2023/10/24,10:09:08.090,2023/10/24,10:09:08.090,,,402,354,,,1984,,,,,0
MSG,3,1,1,486257,1,2023/10/24,10:09:08.434,2023/10/24,10:09:08.434,,21350,,,44.33368,1.16854,,,,,,0
MSG,3,1,1,486257,1,2023/10/24,10:09:09.434,2023/10/24,10:09:09.434,,21375,,,44.33500,1.16830,,,,,,0
MSG,3,1,1,48625Z,1,2023/10/24,10:09:09.500,2023/10/24,10:09:09.500,,21375,,,44.33500,1.16830,,,,,,0
STA,,5,179,400AA5,10103,2008/11/28,14:58:51.153,2008/11/28,14:58:51.153,RM
";
    // As fast as it goes, printed instead of sent: one state per aircraft and batch, the latest.
    let (code, out, err) = feed_on(recording, &["--replay", "-", "--speed", "0", "--dry-run"]);
    assert_eq!(code, Some(0), "{err}");
    let states: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON state"))
        .collect();
    assert_eq!(states.len(), 1, "{out}");
    let s = &states[0];
    assert_eq!(
        (s["id"].as_str(), s["callsign"].as_str()),
        (Some(KLM), Some("KLM1302"))
    );
    assert!(
        (s["alt_m"].as_f64().expect("alt") - 21_375.0 * 0.3048).abs() < 0.06,
        "{s}"
    );
    assert!(
        (s["gs_mps"].as_f64().expect("gs") - 402.0 * 1852.0 / 3600.0).abs() < 0.01,
        "{s}"
    );
    assert_eq!(s["time"], "2023-10-24T10:09:09.434Z");
    // SBS-1 altitudes are barometric: labelled so, never as mean sea level. The vertical rate was given.
    assert_eq!(s["alt_ref"], "pressure", "{s}");
    assert!(
        (s["vs_mps"].as_f64().expect("vs") - 1984.0 * 0.3048 / 60.0).abs() < 0.01,
        "{s}"
    );
    // The bad line is skipped and named by number and field.
    assert!(err.contains("line 5: field 5 (hex ident)"), "{err}");
    assert!(err.contains("(1 unreadable)"), "{err}");
    // --strict stops there, exit 2, nothing more read.
    let (code, _, err) = feed_on(
        recording,
        &["--replay", "-", "--speed", "0", "--dry-run", "--strict"],
    );
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("line 5: field 5 (hex ident)"), "{err}");
    // A feed belongs to a party: without a token it does not start.
    let out = bin()
        .args(["feed", "--replay", "-"])
        .env_remove("DECONFLICT_TOKEN")
        .stdin(Stdio::null())
        .output()
        .expect("feed");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no token"));
}

/// Runs `deconflict feed` with `args`, `input` on standard input, for at most `limit`; returns status,
/// stdout, stderr, or fails the test if it is still running then.
fn feed_within(input: &str, args: &[&str], limit: Duration) -> (Option<i32>, String, String) {
    let mut child = bin()
        .arg("feed")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the feed");
    let mut stdin = child.stdin.take().expect("stdin");
    let input = input.to_string();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(input.as_bytes());
    });
    let deadline = Instant::now() + limit;
    loop {
        if child.try_wait().expect("wait").is_some() {
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let out = child.wait_with_output().expect("output");
            panic!(
                "the feed was still running after {limit:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = writer.join();
    let out = child.wait_with_output().expect("output");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

#[test]
fn a_far_future_line_does_not_stall_a_replay() {
    // Paced at the recording's own speed: a line from 2150 between lines a second apart.
    let recording = "\
MSG,4,1,1,486257,1,2023/10/24,10:09:08.090,2023/10/24,10:09:08.090,,,402,354,,,1984,,,,,0
MSG,3,1,1,486257,1,2023/10/24,10:09:08.434,2023/10/24,10:09:08.434,,21350,,,44.33368,1.16854,,,,,,0
MSG,3,1,1,4CA1D5,1,2150/01/01,00:00:00.000,2150/01/01,00:00:00.000,,30000,,,44.0,1.0,,,,,,0
MSG,4,1,1,486257,1,2023/10/24,10:09:09.000,2023/10/24,10:09:09.000,,,402,354,,,1984,,,,,0
MSG,3,1,1,486257,1,2023/10/24,10:09:09.434,2023/10/24,10:09:09.434,,21375,,,44.33500,1.16830,,,,,,0
MSG,3,1,1,486257,1,9999/12/31,23:59:59.000,9999/12/31,23:59:59.000,,21375,,,44.33500,1.16830,,,,,,0
";
    let started = Instant::now();
    let (code, out, err) = feed_within(
        recording,
        &[
            "--replay",
            "-",
            "--speed",
            "1",
            "--dry-run",
            "--batch-ms",
            "50",
        ],
        Duration::from_secs(30),
    );
    assert_eq!(code, Some(0), "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    // The jump to 2150 and the jump back each start a segment, played at once.
    assert!(
        err.contains("line 3: its time is")
            && err.contains("after the previous line's; a new segment starts here"),
        "{err}"
    );
    assert!(
        err.contains("line 4: its time is") && err.contains("before the previous line's"),
        "{err}"
    );
    assert!(
        err.contains("2 jumps in time replayed as new segments"),
        "{err}"
    );
    // A year no receiver's clock shows is refused, by field.
    assert!(err.contains("line 6: field 7 (date generated)"), "{err}");
    // The states after the jumps were played.
    assert!(out.contains("2023-10-24T10:09:09.434Z"), "{out}");
}

#[test]
fn over_long_lines_are_dropped_and_the_feed_reads_on() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("listen");
    let addr = listener.local_addr().expect("address");
    let peer = std::thread::spawn(move || {
        let (mut s, _) = listener.accept().expect("the feed connects");
        let good = "\
MSG,4,1,1,486257,1,2023/10/24,10:09:08.090,2023/10/24,10:09:08.090,,,402,354,,,1984,,,,,0
MSG,3,1,1,486257,1,2023/10/24,10:09:08.434,2023/10/24,10:09:08.434,,21350,,,44.33368,1.16854,,,,,,0
";
        s.write_all(good.as_bytes()).expect("write");
        // 8 MiB without a newline: a peer that never ends its line.
        let block = vec![b'A'; 1 << 20];
        for _ in 0..8 {
            s.write_all(&block).expect("write");
        }
        s.write_all(b"\n").expect("write");
        s.write_all(b"MSG,1,1,1,486257,1,2023/10/24,10:09:09.000,2023/10/24,10:09:09.000,KLM1302,,,,,,,,,,,0\n")
            .expect("write");
        s.write_all(good.as_bytes()).expect("write");
    });
    let out = bin()
        .args([
            "feed",
            "--connect",
            &addr.to_string(),
            "--once",
            "--dry-run",
        ])
        .args(["--batch-ms", "50"])
        .stdin(Stdio::null())
        .output()
        .expect("feed");
    peer.join().expect("peer");
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("line 3: 8388609 bytes long; lines longer than 4096 bytes are dropped"),
        "{stderr}"
    );
    assert!(stderr.contains("(1 unreadable)"), "{stderr}");
    // Read on after it: the callsign of line 4 is in the states sent after it.
    assert!(stdout.contains("\"callsign\":\"KLM1302\""), "{stdout}");
}

#[test]
fn a_velocity_without_a_vertical_rate_sends_no_vertical_rate() {
    let recording = "\
MSG,4,1,1,486257,1,2023/10/24,10:09:08.090,2023/10/24,10:09:08.090,,,402,354,,,,,,,,0
MSG,3,1,1,486257,1,2023/10/24,10:09:08.434,2023/10/24,10:09:08.434,,21350,,,44.33368,1.16854,,,,,,0
";
    let (code, out, err) = feed_on(recording, &["--replay", "-", "--speed", "0", "--dry-run"]);
    assert_eq!(code, Some(0), "{err}");
    let s: Value = serde_json::from_str(out.lines().next().expect("a state")).expect("JSON");
    assert_eq!(s["id"], KLM, "{s}");
    assert!(s.get("vs_mps").is_none(), "unknown, not level: {s}");
    assert_eq!(s["alt_ref"], "pressure", "{s}");
}
