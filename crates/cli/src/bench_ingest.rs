//! `deconflict bench ingest`: how many track reports per second one line takes, printed as Markdown tables.
//!
//! - **HTTP**: `--feeds` threads post batches of complete states (`POST /v1/tracks`, keep-alive, one party
//!   each) as fast as the line answers, for `--seconds`, at batch sizes 100, 1 000 and 10 000; each client
//!   cycles through its own `--ingest-tracks` aircraft (at the tactical benchmark's constant density once all
//!   feeds and the SBS-1 one are in), so the line holds that many live tracks per feed while the tactical scan runs every 250 ms over them (all feeds are under one agreement,
//!   so the scan detects between them, holding the tracks' lock while it does).
//! - **SBS-1**: a loopback TCP server plays SBS-1 lines (an `MSG,4` velocity and an `MSG,3` position per state)
//!   as fast as the reader takes them; `deconflict feed`'s own code reads, assembles and posts them to the
//!   line. Reported: lines and states per second, and the same parsing and assembling alone.
//!
//! - **ASTERIX**: a loopback UDP sender plays CAT021 records (one record a state: position, flight level,
//!   ground vector, vertical rate, address, identification), 30 records a datagram, as fast as it can for
//!   `--seconds`; `deconflict feed --asterix-udp`'s own code decodes them, makes reports and posts them to
//!   the line. Reported: records and states per second, and decoding and tracking alone. UDP drops what the
//!   reader does not take in time, so the whole path's figure is what was received and used.
//!
//! Client and server share this machine's cores, so the figures are a floor for the server alone.

use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context, Result};
use deconflict_feed::{parse_line, Assembler, Report};

use crate::bench::{percentile, BenchArgs};
use crate::bench_load::Server;

/// `n` states of distinct aircraft, ids `prefix` + number, drawn as the tactical benchmark draws them (1–12 km,
/// 100–250 m/s, random headings, some climbing or descending) over a square sized so that `total` aircraft in
/// it are at that benchmark's constant density, 10 000 per 1 000 km × 1 000 km.
fn states(n: usize, total: usize, prefix: &str, seed: u64) -> Vec<Report> {
    let side_km = 1_000.0 * (total as f64 / 10_000.0).sqrt();
    crate::bench_tactical::traffic(n, side_km, seed)
        .into_iter()
        .enumerate()
        .map(|(i, t)| Report {
            id: format!("{prefix}{i:06}"),
            callsign: format!("T{i:05}"),
            state: t,
            vs_known: true,
            pressure: true,
            time_ms: 0,
        })
        .collect()
}

struct HttpFigures {
    batch: usize,
    per_s: f64,
    requests_per_s: f64,
    p50: Duration,
    p99: Duration,
    live: usize,
}

fn http_run(
    args: &BenchArgs,
    server: &Server,
    tokens: &[String],
    batch: usize,
) -> Result<HttpFigures> {
    let stop = AtomicBool::new(false);
    let accepted = AtomicU64::new(0);
    let latencies = std::sync::Mutex::new(Vec::new());
    let url = format!("http://{}/v1/tracks", server.addr);
    let failures = AtomicU64::new(0);
    let started = Instant::now();
    std::thread::scope(|s| {
        for (c, token) in tokens.iter().enumerate() {
            let (stop, accepted, latencies, url, failures) =
                (&stop, &accepted, &latencies, &url, &failures);
            s.spawn(move || {
                let fleet = states(
                    args.ingest_tracks,
                    args.ingest_tracks * (tokens.len() + 1),
                    &format!("c{c}-"),
                    c as u64,
                );
                let bodies: Vec<(String, u64)> = fleet
                    .chunks(batch)
                    .map(|chunk| (crate::feed::batch_json(chunk, false), chunk.len() as u64))
                    .collect();
                let agent = ureq::AgentBuilder::new().build();
                let auth = format!("Bearer {token}");
                let mut mine = Vec::new();
                let mut i = 0;
                while !stop.load(Ordering::Relaxed) {
                    let (body, n) = &bodies[i % bodies.len()];
                    i += 1;
                    let t = Instant::now();
                    match agent
                        .post(url)
                        .set("Authorization", &auth)
                        .set("Content-Type", "application/json")
                        .send_string(body)
                    {
                        Ok(_) => {
                            mine.push(t.elapsed());
                            accepted.fetch_add(*n, Ordering::Relaxed);
                        }
                        Err(_) => {
                            failures.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
                if let Ok(mut l) = latencies.lock() {
                    l.extend(mine);
                }
            });
        }
        std::thread::sleep(Duration::from_secs_f64(args.seconds));
        stop.store(true, Ordering::Relaxed);
    });
    let secs = started.elapsed().as_secs_f64();
    if failures.load(Ordering::Relaxed) > 0 {
        return Err(anyhow!(
            "{} requests failed at batch {batch}",
            failures.load(Ordering::Relaxed)
        ));
    }
    let mut l = latencies.into_inner().map_err(|_| anyhow!("latencies"))?;
    l.sort_unstable();
    Ok(HttpFigures {
        batch,
        per_s: accepted.load(Ordering::Relaxed) as f64 / secs,
        requests_per_s: l.len() as f64 / secs,
        p50: percentile(&l, 0.5),
        p99: percentile(&l, 0.99),
        live: tokens
            .iter()
            .enumerate()
            .map(|(c, _)| server.line.tracks_of(&format!("feed{c}")).len())
            .sum(),
    })
}

/// SBS-1 text for `fleet`, one velocity and one position line per state, at successive seconds.
fn sbs_text(fleet: &[Report]) -> Vec<u8> {
    let mut out = Vec::with_capacity(fleet.len() * 190);
    for (i, r) in fleet.iter().enumerate() {
        let t = format!("2026/11/23,12:{:02}:{:02}.000", (i / 60) % 60, i % 60);
        let _ = writeln!(
            out,
            "MSG,4,1,1,{},1,{t},{t},,,{:.0},{:.0},,,{:.0},,,,,0",
            &r.id[r.id.len() - 6..],
            r.state.gs_mps / deconflict_feed::MPS_PER_KT,
            r.state.trk_deg,
            r.state.vs_mps / deconflict_feed::M_PER_FT * 60.0
        );
        let _ = writeln!(
            out,
            "MSG,3,1,1,{},1,{t},{t},,{:.0},,,{:.5},{:.5},,,,,,0",
            &r.id[r.id.len() - 6..],
            r.state.alt_m / deconflict_feed::M_PER_FT,
            r.state.lat_deg,
            r.state.lon_deg
        );
    }
    out
}

struct SbsFigures {
    lines_per_s: f64,
    states_per_s: f64,
    sent_per_s: f64,
    parse_lines_per_s: f64,
    parse_states_per_s: f64,
}

fn sbs_run(args: &BenchArgs, server: &Server, token: &str) -> Result<SbsFigures> {
    // Hex idents must be six hex digits: number the fleet 000000–0fffff.
    let fleet: Vec<Report> = states(
        args.ingest_tracks,
        args.ingest_tracks * (args.feeds.clamp(1, 64) + 1),
        "",
        99,
    )
    .into_iter()
    .enumerate()
    .map(|(i, mut r)| {
        r.id = format!("{:06X}", i % 0x100000);
        r
    })
    .collect();
    let text = sbs_text(&fleet);

    // Parsing and assembling alone, on one core.
    let started = Instant::now();
    let mut asm = Assembler::new();
    let (mut lines, mut made) = (0u64, 0u64);
    while started.elapsed().as_secs_f64() < args.seconds.min(3.0) {
        for line in text.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
            lines += 1;
            let s = std::str::from_utf8(line).context("utf-8")?;
            if let Ok(Some(m)) = parse_line(s) {
                if asm.push(&m, 1).is_some() {
                    made += 1;
                }
            }
        }
    }
    let parse_s = started.elapsed().as_secs_f64();

    // The whole feed: socket → feed client → HTTP → line.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").context("bind")?;
    let addr = listener.local_addr()?.to_string();
    let seconds = args.seconds;
    let played = std::thread::spawn(move || -> Result<u64> {
        let (mut sock, _) = listener.accept().context("accept")?;
        let started = Instant::now();
        let mut rounds = 0u64;
        while started.elapsed().as_secs_f64() < seconds {
            sock.write_all(&text).context("write")?;
            rounds += 1;
        }
        Ok(rounds)
    });
    let feed = crate::feed::FeedArgs {
        connect: Some(addr),
        strict: true,
        ..feed_args(server, token)
    };
    let started = Instant::now();
    let stats = crate::feed::run_feed(
        &feed,
        crate::feed::Sink::Line {
            url: format!("http://{}/v1/tracks", server.addr),
            token: token.to_string(),
        },
    )
    .map_err(|e| anyhow!("feed: {}", e.1))?;
    let secs = started.elapsed().as_secs_f64();
    played
        .join()
        .map_err(|_| anyhow!("the SBS player panicked"))??;
    Ok(SbsFigures {
        lines_per_s: stats.lines as f64 / secs,
        states_per_s: stats.reports as f64 / secs,
        sent_per_s: stats.sent as f64 / secs,
        parse_lines_per_s: lines as f64 / parse_s,
        parse_states_per_s: made as f64 / parse_s,
    })
}

/// The feed client's arguments as the benchmark runs it (a source still to be set): batches every 250 ms to
/// `server` as `token`'s party, stopping when its source stops.
fn feed_args(server: &Server, token: &str) -> crate::feed::FeedArgs {
    crate::feed::FeedArgs {
        connection: crate::client::Connection {
            server: format!("http://{}", server.addr),
            token: Some(token.to_string()),
        },
        connect: None,
        replay: None,
        speed: 1.0,
        start_at: None,
        batch_ms: 250,
        feed_times: false,
        dry_run: false,
        strict: false,
        once: true,
        asterix_udp: None,
        asterix_replay: None,
        allow_from: Vec::new(),
        multicast_interface: std::net::Ipv4Addr::UNSPECIFIED,
        radar: Vec::new(),
        decoded: false,
        quiet_s: 5.0,
    }
}

/// One CAT021 record for a state: I021/010, /040, /073, /131, /080, /145, /155, /160, /170.
fn cat021_record(r: &Report, n: usize) -> Vec<u8> {
    fn be(v: i64, n: usize) -> impl Iterator<Item = u8> {
        (0..n).rev().map(move |k| (v >> (8 * k)) as u8)
    }
    // FSPEC: FRNs 1, 2, 7 | 11, 12 | 21 | 24, 26 | 29.
    let mut out = vec![0xC3, 0x19, 0x03, 0x29, 0x80];
    out.extend([25, 1, 0x00]); // 010, 040: ICAO address, airborne, real
    let k = f64::from(1u32 << 30) / 180.0;
    out.extend(be((r.state.lat_deg * k) as i64, 4)); // 131
    out.extend(be((r.state.lon_deg * k) as i64, 4));
    out.extend(be(i64::from_str_radix(&r.id, 16).unwrap_or(0), 3)); // 080
    out.extend(be(((n % 86_400) * 128) as i64, 3)); // 073
    let fl4 = r.state.alt_m / deconflict_feed::M_PER_FT / 25.0; // 145, 1/4 FL
    out.extend(be(fl4 as i64, 2));
    let vs = r.state.vs_mps / deconflict_feed::M_PER_FT * 60.0 / 6.25; // 155
    out.extend(be(vs as i64 & 0x7fff, 2));
    let gs = r.state.gs_mps / deconflict_feed::MPS_PER_KT / 3600.0 * 16384.0; // 160
    out.extend(be(gs as i64, 2));
    out.extend(be((r.state.trk_deg / 360.0 * 65536.0) as i64, 2));
    // 170: "DAL1" and four spaces, six bits a character.
    let chars = [4u64, 1, 12, 49, 32, 32, 32, 32];
    out.extend(be(chars.iter().fold(0u64, |a, c| a << 6 | c) as i64, 6));
    out
}

/// The fleet as UDP datagrams of `per` CAT021 records each.
fn asterix_datagrams(fleet: &[Report], per: usize) -> Vec<Vec<u8>> {
    fleet
        .chunks(per)
        .enumerate()
        .map(|(c, chunk)| {
            let body: Vec<u8> = chunk
                .iter()
                .enumerate()
                .flat_map(|(i, r)| cat021_record(r, c * per + i))
                .collect();
            let mut d = vec![21];
            d.extend(((body.len() + 3) as u16).to_be_bytes());
            d.extend(body);
            d
        })
        .collect()
}

fn asterix_run(args: &BenchArgs, server: &Server, token: &str) -> Result<SbsFigures> {
    let fleet: Vec<Report> = states(
        args.ingest_tracks,
        args.ingest_tracks * (args.feeds.clamp(1, 64) + 1),
        "",
        77,
    )
    .into_iter()
    .enumerate()
    .map(|(i, mut r)| {
        r.id = format!("{:06X}", 0x200000 + i % 0x100000);
        r
    })
    .collect();
    let datagrams = asterix_datagrams(&fleet, 30);

    // Decoding and tracking alone, on one core.
    let started = Instant::now();
    let mut tracker = deconflict_feed::asterix::Tracker::new();
    let (mut records, mut made) = (0u64, 0u64);
    while started.elapsed().as_secs_f64() < args.seconds.min(3.0) {
        for d in &datagrams {
            for b in deconflict_feed::asterix::blocks(d) {
                for r in &b.records {
                    records += 1;
                    if tracker.push(r, 1).is_ok() {
                        made += 1;
                    }
                }
            }
        }
    }
    let decode_s = started.elapsed().as_secs_f64();
    if made == 0 {
        return Err(anyhow!("the benchmark's CAT021 records made no reports"));
    }

    // The whole feed: UDP → feed client → HTTP → line.
    let port = std::net::UdpSocket::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let addr = format!("127.0.0.1:{port}");
    let seconds = args.seconds;
    let to = addr.clone();
    let played = std::thread::spawn(move || -> Result<u64> {
        let sock = std::net::UdpSocket::bind("127.0.0.1:0").context("bind")?;
        std::thread::sleep(Duration::from_millis(300));
        let started = Instant::now();
        let mut sent = 0u64;
        while started.elapsed().as_secs_f64() < seconds {
            for d in &datagrams {
                // A full socket buffer on loopback refuses; the reader is behind, so drop it as UDP would.
                if sock.send_to(d, &to).is_ok() {
                    sent += 1;
                }
            }
        }
        Ok(sent)
    });
    let feed = crate::feed::FeedArgs {
        asterix_udp: Some(addr),
        quiet_s: 1.0,
        ..feed_args(server, token)
    };
    let started = Instant::now();
    let stats = crate::feed::run_feed(
        &feed,
        crate::feed::Sink::Line {
            url: format!("http://{}/v1/tracks", server.addr),
            token: token.to_string(),
        },
    )
    .map_err(|e| anyhow!("feed: {}", e.1))?;
    // The feed stops after a second without datagrams.
    let secs = (started.elapsed().as_secs_f64() - 1.0).max(1e-3);
    played
        .join()
        .map_err(|_| anyhow!("the ASTERIX sender panicked"))??;
    Ok(SbsFigures {
        lines_per_s: stats.lines as f64 / secs,
        states_per_s: stats.reports as f64 / secs,
        sent_per_s: stats.sent as f64 / secs,
        parse_lines_per_s: records as f64 / decode_s,
        parse_states_per_s: made as f64 / decode_s,
    })
}

/// The median time of five scans of `line`.
fn median_scan(line: &deconflict_server::Line) -> Result<Duration> {
    let mut scans = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        line.scan_tracks()?;
        scans.push(t.elapsed());
    }
    scans.sort_unstable();
    Ok(percentile(&scans, 0.5))
}

pub fn run(args: &BenchArgs) -> Result<()> {
    let server = Server::start(args.dir.as_deref(), args.database_url.as_deref())?;
    let clients = args.feeds.clamp(1, 64);
    let mut tokens = Vec::new();
    for c in 0..clients {
        tokens.push(
            server
                .line
                .register_party(&format!("feed{c}"), "military")?,
        );
    }
    let token = server.line.register_party("sbs", "military")?;
    server.line.register_party("sites", "humanitarian")?;
    // Every feed under one agreement, so that the scan really detects between their tracks (and a party
    // that notifies sites, for the scan with sites in force).
    let mut parties: Vec<String> = (0..clients).map(|c| format!("feed{c}")).collect();
    parties.push("sbs".into());
    parties.push("sites".into());
    server
        .line
        .establish_agreement(serde_json::json!({"id": "all", "parties": parties}))?;
    println!(
        "HTTP: {clients} clients, {} aircraft each, {} s per batch size",
        args.ingest_tracks, args.seconds
    );
    println!();
    println!("| reports per request | reports/s | requests/s | request p50 (ms) | p99 (ms) | live tracks |");
    println!("|---:|---:|---:|---:|---:|---:|");
    for batch in [100usize, 1_000, 10_000] {
        let f = http_run(args, &server, &tokens, batch)?;
        println!(
            "| {} | {:.0} | {:.0} | {:.1} | {:.1} | {} |",
            f.batch,
            f.per_s,
            f.requests_per_s,
            f.p50.as_secs_f64() * 1e3,
            f.p99.as_secs_f64() * 1e3,
            f.live
        );
    }
    // The line's own scan over what it now holds (the ticker's scans run meanwhile; this one is timed).
    println!();
    println!(
        "A full scan of the line's {} live tracks (extrapolation, detection, incursions, alert life cycle): median {:.1} ms",
        server.line.totals()?.iter().find(|(n, _)| *n == "deconflict_tracks_live").map_or(0, |(_, v)| *v),
        median_scan(&server.line)?.as_secs_f64() * 1e3
    );
    // The same with 1 000 notified sites (300 m circles, surface to FL600) spread over the traffic: every
    // track's path is then checked against them.
    let side_km = 1_000.0 * ((args.ingest_tracks * (clients + 1)) as f64 / 10_000.0).sqrt();
    let now = crate::feed::now_ms();
    let spots = crate::bench_tactical::traffic(1_000, side_km, 4242);
    for (i, p) in spots.iter().enumerate() {
        server.line.declare(
            "sites",
            serde_json::json!({"id": format!("site-{i}"), "kind": "site", "volumes": [{
                "footprint": {"circle": {"center": [p.lon_deg, p.lat_deg], "radius_m": 300}},
                "altitude": {"lower": "SFC", "upper": "FL600"},
                "time": {"start": deconflict_space::units::format_time(now - 3_600_000),
                         "end": deconflict_space::units::format_time(now + 86_400_000)}}]}),
        )?;
    }
    println!(
        "The same with 1 000 sites in force (each track's path checked against them, off the line's lock): median {:.1} ms",
        median_scan(&server.line)?.as_secs_f64() * 1e3
    );
    let f = sbs_run(args, &server, &token)?;
    println!();
    println!(
        "SBS-1: {} aircraft, 2 lines per state, {} s",
        args.ingest_tracks, args.seconds
    );
    println!();
    println!("| stage | lines/s | states/s | states sent/s |");
    println!("|---|---:|---:|---:|");
    println!(
        "| parse and assemble (one core) | {:.0} | {:.0} | — |",
        f.parse_lines_per_s, f.parse_states_per_s
    );
    println!(
        "| socket → feed → HTTP → line | {:.0} | {:.0} | {:.0} |",
        f.lines_per_s, f.states_per_s, f.sent_per_s
    );
    let token = server.line.register_party("asterix", "military")?;
    server
        .line
        .establish_agreement(serde_json::json!({"id": "asterix", "parties": ["asterix", "sbs"]}))?;
    let f = asterix_run(args, &server, &token)?;
    println!();
    println!(
        "ASTERIX CAT021: {} aircraft, 1 record per state, 30 records per datagram, {} s",
        args.ingest_tracks, args.seconds
    );
    println!();
    println!("| stage | records/s | states/s | states sent/s |");
    println!("|---|---:|---:|---:|");
    println!(
        "| decode and track (one core) | {:.0} | {:.0} | — |",
        f.parse_lines_per_s, f.parse_states_per_s
    );
    println!(
        "| UDP → feed → HTTP → line | {:.0} | {:.0} | {:.0} |",
        f.lines_per_s, f.states_per_s, f.sent_per_s
    );
    Ok(())
}
