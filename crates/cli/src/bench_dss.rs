//! `deconflict bench dss`: the line as an ASTM F3548-21 DSS under load, over HTTP on loopback, with RS256
//! access tokens (a key made for the benchmark; each USS signs one token and sends it with every request).
//!
//! `--clients` clients, spread over 8 USSs, put operational intent references as fast as they can for
//! `--seconds`: each a 10 m square, 50–100 m above the ellipsoid, lasting 5 s and starting within the minute after it is written. Twice: every intent in one busy cell (a 700 m square, smaller than the S2 level-13 cell InterUSS's
//! "busy cell" test fills, about 1.2 km² there) and spread over a 100 km × 100 km region. Each write carries
//! the key it needs: when the DSS answers 409 with the intents the key lacked, the client looks their OVNs up
//! (as a USS asks their managers) and tries again. Then the same clients query the same area for `--seconds`,
//! as a USS does before planning: a 50 m square, 10 s within the next minute. Printed: writes/s (durable: each answered after its entry was fsynced), p50/p99 of a write
//! (retries included), how many writes needed a retry, queries/s, p50/p99 of a query, and references found.
//!
//! Client and server share this machine's cores, so the figures are a floor for the server alone.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context, Result};
use deconflict_server::line::DssSettings;
use deconflict_server::{DssAuth, Line, Options};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};

use crate::bench::{percentile, BenchArgs};
use crate::bench_load::Server;

const USSES: usize = 8;
/// The benchmark's own signing key (made for it; it signs nothing else).
const KEY: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../server/tests/data/dss-test-key.pem"
));
const PUBLIC: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../server/tests/data/dss-test-key.pub.pem"
));
const AUD: &str = "localhost";

#[derive(Clone, Copy)]
enum Area {
    BusyCell,
    Region,
}

impl Area {
    /// Degrees of latitude and longitude the area spans, from its south-west corner at (46.90, 7.40).
    fn span(self) -> (f64, f64) {
        match self {
            // 700 m × 700 m at 46.9° N.
            Area::BusyCell => (0.0063, 0.0092),
            // 100 km × 100 km.
            Area::Region => (0.9, 1.31),
        }
    }

    fn spot(self, rng: &mut ChaCha8Rng, margin: (f64, f64)) -> (f64, f64) {
        let (dlat, dlng) = self.span();
        (
            46.90 + rng.gen_range(0.0..(dlat - margin.0)),
            7.40 + rng.gen_range(0.0..(dlng - margin.1)),
        )
    }
}

fn time(ms: i64) -> Value {
    json!({"value": deconflict_space::units::format_time(ms), "format": "RFC3339"})
}

/// A square of `side` degrees of latitude (and the same distance in longitude) at (lat, lng).
fn square(lat: f64, lng: f64, dlat: f64) -> Value {
    let dlng = dlat / lat.to_radians().cos();
    json!({"vertices": [
        {"lat": lat, "lng": lng}, {"lat": lat, "lng": lng + dlng},
        {"lat": lat + dlat, "lng": lng + dlng}, {"lat": lat + dlat, "lng": lng}]})
}

fn token(uss: usize) -> Result<String> {
    let _ = jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER.install_default();
    let exp = crate::feed::now_ms() / 1000 + 3_600;
    jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256),
        &json!({"iss": "bench", "sub": format!("uss{uss}"), "aud": AUD, "exp": exp,
            "scope": "utm.strategic_coordination"}),
        &jsonwebtoken::EncodingKey::from_rsa_pem(KEY).context("the benchmark's key")?,
    )
    .context("signing a token")
}

struct Figures {
    writes: usize,
    writes_per_s: f64,
    write_p50: Duration,
    write_p99: Duration,
    retried: usize,
    queries: usize,
    queries_per_s: f64,
    query_p50: Duration,
    query_p99: Duration,
    refs_per_query: f64,
}

/// One area: a fresh line served with the DSS, writes, then queries.
fn measure(args: &BenchArgs, area: Area) -> Result<Figures> {
    let dir = match args.dir.as_deref() {
        Some(p) => tempfile::tempdir_in(p),
        None => tempfile::tempdir(),
    }
    .context("temporary directory")?;
    let line = Line::open(dir.path(), "bench.deconflict.example/line")?.with_limits(
        deconflict_server::Limits {
            writes_per_party_per_second: f64::MAX,
            write_burst: f64::MAX,
            ..deconflict_server::Limits::default()
        },
    );
    let settings = DssSettings {
        allow_http: false,
        max_entities: usize::MAX,
    };
    let auth = DssAuth::new(
        &[("benchmark key".into(), PUBLIC.to_vec())],
        &[],
        &[AUD.to_string()],
        settings,
    )
    .map_err(|e| anyhow!(e))?;
    let options = Options {
        dss: Some(Arc::new(auth)),
        ..Options::default()
    };
    let server = Server::serve(Arc::new(line), dir, options)?;
    let tokens: Vec<String> = (0..USSES).map(token).collect::<Result<_>>()?;
    // What each USS would get from the others when asked: every intent's OVN, by id.
    let known: RwLock<HashMap<String, String>> = RwLock::new(HashMap::new());
    let failures = AtomicUsize::new(0);
    let first_failure = OnceLock::new();
    let retried = AtomicUsize::new(0);
    let write_lat = Mutex::new(Vec::new());
    let deadline = Instant::now() + Duration::from_secs_f64(args.seconds);
    let started = Instant::now();
    std::thread::scope(|s| {
        for c in 0..args.clients {
            let (tokens, known, failures, first_failure, retried, write_lat, addr) = (
                &tokens,
                &known,
                &failures,
                &first_failure,
                &retried,
                &write_lat,
                &server.addr,
            );
            s.spawn(move || {
                let agent = ureq::AgentBuilder::new().build();
                let auth = format!("Bearer {}", tokens[c % USSES]);
                let mut rng = ChaCha8Rng::seed_from_u64(args.seed * 7919 + c as u64);
                let mut mine = Vec::new();
                let mut k = 0u64;
                while Instant::now() < deadline {
                    k += 1;
                    let id = format!("{:08x}-0000-4000-8000-{k:012x}", c);
                    let (lat, lng) = area.spot(&mut rng, (0.0001, 0.00015));
                    let start = crate::feed::now_ms() + rng.gen_range(1_000..60_000);
                    let mut body = json!({"extents": [{"volume": {"outline_polygon": square(lat, lng, 0.00009),
                            "altitude_lower": {"value": 50, "reference": "W84", "units": "M"},
                            "altitude_upper": {"value": 100, "reference": "W84", "units": "M"}},
                        "time_start": time(start), "time_end": time(start + 5_000)}],
                        "state": "Accepted", "uss_base_url": "https://uss.example/utm", "key": []});
                    let url = format!("http://{addr}/dss/v1/operational_intent_references/{id}");
                    let t = Instant::now();
                    let mut attempts = 0;
                    let outcome = loop {
                        attempts += 1;
                        let r = agent
                            .put(&url)
                            .set("Authorization", &auth)
                            .set("Content-Type", "application/json")
                            .send_string(&body.to_string());
                        match r {
                            Ok(res) => break json_of(res),
                            Err(ureq::Error::Status(409, res)) if attempts < 50 => {
                                let conflict: Value = json_of(res).unwrap_or_default();
                                let missing: Vec<String> = conflict["missing_operational_intents"]
                                    .as_array()
                                    .into_iter()
                                    .flatten()
                                    .filter_map(|m| m["id"].as_str().map(String::from))
                                    .collect();
                                // The key so far, and the OVNs of what was missing, as their USSs tell
                                // them (a USS that has just been answered may not have told yet).
                                let mut key: Vec<Value> =
                                    body["key"].as_array().cloned().unwrap_or_default();
                                for i in &missing {
                                    let ovn = known.read().ok().and_then(|k| k.get(i).cloned());
                                    match ovn {
                                        Some(o) => key.push(json!(o)),
                                        None => std::thread::sleep(Duration::from_millis(1)),
                                    }
                                }
                                body["key"] = json!(key);
                            }
                            Err(ureq::Error::Status(code, res)) => {
                                break Err(format!("{code} {}", res.into_string().unwrap_or_default()))
                            }
                            Err(e) => break Err(e.to_string()),
                        }
                    };
                    match outcome {
                        Ok(answer) => {
                            mine.push(t.elapsed());
                            if attempts > 1 {
                                retried.fetch_add(1, Ordering::Relaxed);
                            }
                            if let (Some(ovn), Ok(mut known)) = (
                                answer["operational_intent_reference"]["ovn"].as_str(),
                                known.write(),
                            ) {
                                known.insert(id, ovn.to_string());
                            }
                        }
                        Err(why) => {
                            if failures.fetch_add(1, Ordering::Relaxed) == 0 {
                                let _ = first_failure.set(why);
                            }
                        }
                    }
                }
                if let Ok(mut l) = write_lat.lock() {
                    l.extend(mine);
                }
            });
        }
    });
    let write_s = started.elapsed().as_secs_f64();
    let failed = failures.load(Ordering::Relaxed);
    if failed > 0 {
        return Err(anyhow!(
            "{failed} writes failed; the first: {}",
            first_failure.get().map_or("?", String::as_str)
        ));
    }
    let mut write_lat = write_lat.into_inner().map_err(|_| anyhow!("poisoned"))?;
    write_lat.sort();
    let logged = server.line.store().size()? as usize;
    if logged < write_lat.len() {
        return Err(anyhow!(
            "{} writes answered but only {logged} entries in the log",
            write_lat.len()
        ));
    }

    // Queries over the same area.
    let query_lat = Mutex::new(Vec::new());
    let found = AtomicUsize::new(0);
    let deadline = Instant::now() + Duration::from_secs_f64(args.seconds);
    let started = Instant::now();
    std::thread::scope(|s| {
        for c in 0..args.clients {
            let (tokens, failures, first_failure, query_lat, found, addr) = (
                &tokens,
                &failures,
                &first_failure,
                &query_lat,
                &found,
                &server.addr,
            );
            s.spawn(move || {
                let agent = ureq::AgentBuilder::new().build();
                let auth = format!("Bearer {}", tokens[c % USSES]);
                let url = format!("http://{addr}/dss/v1/operational_intent_references/query");
                let mut rng = ChaCha8Rng::seed_from_u64(args.seed * 104_729 + c as u64);
                let mut mine = Vec::new();
                while Instant::now() < deadline {
                    // What a USS asks before planning a flight: a 50 m square, 10 s within the next minute.
                    let (lat, lng) = area.spot(&mut rng, (0.00045, 0.0007));
                    let start = crate::feed::now_ms() + rng.gen_range(0..50_000);
                    let body = json!({"area_of_interest": {"volume": {"outline_polygon": square(lat, lng, 0.00045),
                            "altitude_lower": {"value": 0, "reference": "W84", "units": "M"},
                            "altitude_upper": {"value": 200, "reference": "W84", "units": "M"}},
                        "time_start": time(start), "time_end": time(start + 10_000)}});
                    let t = Instant::now();
                    let r = agent
                        .post(&url)
                        .set("Authorization", &auth)
                        .set("Content-Type", "application/json")
                        .send_string(&body.to_string());
                    match r.map(json_of) {
                        Ok(Ok(v)) => {
                            mine.push(t.elapsed());
                            let n = v["operational_intent_references"]
                                .as_array()
                                .map_or(0, Vec::len);
                            found.fetch_add(n, Ordering::Relaxed);
                        }
                        other => {
                            if failures.fetch_add(1, Ordering::Relaxed) == 0 {
                                let _ = first_failure.set(format!("a query: {other:?}"));
                            }
                        }
                    }
                }
                if let Ok(mut l) = query_lat.lock() {
                    l.extend(mine);
                }
            });
        }
    });
    let query_s = started.elapsed().as_secs_f64();
    if failures.load(Ordering::Relaxed) > 0 {
        return Err(anyhow!(
            "queries failed; the first: {}",
            first_failure.get().map_or("?", String::as_str)
        ));
    }
    let mut query_lat = query_lat.into_inner().map_err(|_| anyhow!("poisoned"))?;
    query_lat.sort();
    Ok(Figures {
        writes: write_lat.len(),
        writes_per_s: write_lat.len() as f64 / write_s,
        write_p50: percentile(&write_lat, 0.5),
        write_p99: percentile(&write_lat, 0.99),
        retried: retried.load(Ordering::Relaxed),
        queries: query_lat.len(),
        queries_per_s: query_lat.len() as f64 / query_s,
        query_p50: percentile(&query_lat, 0.5),
        query_p99: percentile(&query_lat, 0.99),
        refs_per_query: found.load(Ordering::Relaxed) as f64 / query_lat.len().max(1) as f64,
    })
}

/// A response's body as JSON.
fn json_of(res: ureq::Response) -> Result<Value, String> {
    let text = res.into_string().map_err(|e| e.to_string())?;
    serde_json::from_str(&text).map_err(|e| format!("{e}: {text}"))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

pub fn run(args: &BenchArgs) -> Result<()> {
    println!(
        "### The F3548 DSS over HTTP ({} clients, {USSES} USSs, RS256 tokens, {} s each, {} cores)\n",
        args.clients,
        args.seconds,
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    println!("| area | writes | writes/s | write p50 (ms) | write p99 (ms) | writes retried with a key | queries | queries/s | query p50 (ms) | query p99 (ms) | references per query |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (name, area) in [
        ("one busy cell (700 m square)", Area::BusyCell),
        ("100 km × 100 km", Area::Region),
    ] {
        let f = measure(args, area)?;
        println!(
            "| {name} | {} | {:.0} | {:.2} | {:.2} | {} | {} | {:.0} | {:.2} | {:.2} | {:.1} |",
            f.writes,
            f.writes_per_s,
            ms(f.write_p50),
            ms(f.write_p99),
            f.retried,
            f.queries,
            f.queries_per_s,
            ms(f.query_p50),
            ms(f.query_p99),
            f.refs_per_query
        );
    }
    Ok(())
}
