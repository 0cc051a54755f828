//! `deconflict feed`: a surveillance feed client. ASTERIX sources (`--asterix-udp`, `--asterix-replay`) are
//! read in its `asterix` module into the same batches; the rest of this page is about SBS-1.
//!
//! It reads SBS-1 ("BaseStation") lines from a receiver over
//! TCP (`--connect HOST:PORT`, as dump1090 serves them on port 30003) or from a recorded file (`--replay FILE`,
//! paced by the lines' own times at `--speed`), assembles each aircraft's airborne state
//! ([`deconflict_feed::Assembler`]) and reports them to the line (`POST /v1/tracks`) as the party whose token
//! it holds: a feed belongs to a party.
//!
//! States are batched every `--batch-ms`; within a batch only each aircraft's latest state is sent (the line
//! keeps the last state of a track, so an older one in the same batch would only cost time). Reports carry no
//! time unless `--feed-times`: the line stamps them on arrival, which is right for a live feed whatever the
//! receiver's clock, and keeps a replay consistent with a line whose clock runs at the replay's speed. The
//! reader and the sender are two threads, with a bounded hand-off between them so that a slow line slows the
//! reading rather than filling memory. A live feed that drops is reconnected (every 2 s) unless `--once`.
//!
//! Reports carry what the receiver said and no more: altitudes with `"alt_ref": "pressure"` (SBS-1 altitudes
//! are barometric), and `vs_mps` only when the aircraft gave a vertical rate (the line takes a missing one as
//! unknown, not as level flight).
//!
//! Whatever the peer sends, memory stays bounded: a line longer than [`MAX_LINE_BYTES`] is dropped (counted
//! and named like an unreadable line) and reading resumes after its next newline. A replay is paced by its
//! lines' times, but a time more than [`MAX_REPLAY_GAP_MS`] away from the previous line's (a gap in the
//! recording, a receiver whose clock jumped, a line from far in the future) starts a new segment that plays
//! at once, with a warning: a replay never waits longer than that gap (divided by `--speed`) for a line.
//!
//! `--dry-run` prints the reports as JSON lines instead of sending them. Lines that cannot be read are
//! counted and the first few named (line number and field) on standard error; `--strict` stops at the first.
//! The line's refusal of a report or a batch drops it and the feed goes on (the first few are named); a busy
//! line is waited for, and a live feed waits for a line that is away, however long.
//! Exit status: 0 at the end of a replay (or of a feed with `--once`), 1 when the line refuses the feed's token
//! (or, with `--strict`, any report), 2 on unreadable input, a line unreachable by a replay, or a bad argument.

use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::time::{Duration, Instant};

use clap::Args;
use deconflict_feed::{parse_line, Assembler, Report};

use crate::client::Connection;

mod asterix;

/// Most reports in one request (the line's limit).
const MAX_BATCH: usize = 10_000;
/// Unreadable lines named on standard error before the rest are only counted.
const NAMED_ERRORS: usize = 5;
/// Longest line read (bytes, its newline included); SBS-1 lines are under 200. Longer ones are dropped.
pub const MAX_LINE_BYTES: usize = 4096;
/// Largest step between the times of successive replayed lines (ms) that is waited for; a larger one, either
/// way, starts a new segment played at once. Six hours: a recording's real quiet spells (sparse traffic,
/// a night) play in time, so the feeds of several parties stay in step, while a line from far in the future
/// or a receiver whose clock jumped by days cannot stall the replay.
pub const MAX_REPLAY_GAP_MS: i64 = 6 * 3_600_000;

#[derive(Args, Debug)]
#[command(group(clap::ArgGroup::new("asterix").args(["asterix_udp", "asterix_replay"])))]
#[command(group(
    clap::ArgGroup::new("source")
        .required(true)
        .args(["connect", "replay", "asterix_udp", "asterix_replay"])
))]
pub struct FeedArgs {
    #[command(flatten)]
    pub connection: Connection,
    /// Read a live SBS-1 feed from this receiver (HOST:PORT, e.g. 127.0.0.1:30003).
    #[arg(long, value_name = "HOST:PORT")]
    pub connect: Option<String>,
    /// Replay a recorded SBS-1 file (`-` reads standard input), paced by its times.
    #[arg(long, value_name = "FILE")]
    pub replay: Option<PathBuf>,
    /// Receive ASTERIX (CAT021, CAT062, CAT048) datagrams on this UDP address; a multicast group address
    /// (224.0.0.0/4) is joined on --multicast-interface.
    #[arg(long, value_name = "HOST:PORT")]
    pub asterix_udp: Option<String>,
    /// Replay an ASTERIX recording: data blocks back to back, as received (`-` reads standard input), paced
    /// by the records' times of day.
    #[arg(long, value_name = "FILE")]
    pub asterix_replay: Option<PathBuf>,
    /// With --asterix-udp: take datagrams only from this source address (repeat for each sensor); others are
    /// dropped and counted. Without it, anyone who can reach the port feeds the party's tracks.
    #[arg(long, value_name = "IP", requires = "asterix_udp")]
    pub allow_from: Vec<std::net::IpAddr>,
    /// With --asterix-udp and a multicast group: the local interface's IPv4 address to join it on.
    #[arg(long, value_name = "IPV4", default_value = "0.0.0.0")]
    pub multicast_interface: std::net::Ipv4Addr,
    /// A radar's site, for its CAT048 reports (slant range and azimuth): SAC/SIC=LAT,LON,HEIGHT_M (height of
    /// the antenna above mean sea level). Repeat for each radar; CAT048 reports of other radars are skipped.
    #[arg(long, value_name = "SAC/SIC=LAT,LON,HEIGHT_M")]
    pub radar: Vec<String>,
    /// ASTERIX: print each record's decoded values as a JSON line (nothing is sent), to check a source.
    #[arg(long, requires = "asterix")]
    pub decoded: bool,
    /// Replay this many times faster than recorded; 0 replays as fast as the line takes it.
    #[arg(long, default_value_t = 1.0)]
    pub speed: f64,
    /// Replay: play the first line at this wall-clock time (RFC 3339) instead of at once, so that several
    /// replays started apart (one per party) stay in step.
    #[arg(long, value_name = "TIME")]
    pub start_at: Option<String>,
    /// Send the batched states this often (ms).
    #[arg(long, default_value_t = 250)]
    pub batch_ms: u64,
    /// Send the feed's own times with the reports (a receiver on a trusted UTC clock); by default the line
    /// stamps each report when it arrives.
    #[arg(long)]
    pub feed_times: bool,
    /// Print the reports as JSON lines instead of sending them.
    #[arg(long)]
    pub dry_run: bool,
    /// Stop at the first line that cannot be read.
    #[arg(long)]
    pub strict: bool,
    /// With --connect: stop when the receiver closes the connection instead of reconnecting. With
    /// --asterix-udp: stop after this long without a datagram (--quiet-s).
    #[arg(long)]
    pub once: bool,
    /// With --asterix-udp --once: how long without a datagram ends the feed (s).
    #[arg(long, default_value_t = 5.0)]
    pub quiet_s: f64,
}

impl FeedArgs {
    /// Whether the source is ASTERIX.
    fn asterix(&self) -> bool {
        self.asterix_udp.is_some() || self.asterix_replay.is_some()
    }
}

/// What a feed did, printed at the end.
#[derive(Debug, Default, Clone)]
pub struct Stats {
    pub lines: u64,
    pub rejected: u64,
    /// Replay: segments started by a jump in the lines' times (beyond the first).
    pub segments: u64,
    pub reports: u64,
    pub sent: u64,
    pub requests: u64,
    pub aircraft: usize,
    /// ASTERIX records read without a problem that gave no report (simulated, on the ground, no position …).
    pub unreported: u64,
    /// ASTERIX data blocks read.
    pub blocks: u64,
    /// Reports the line refused (dropped; the feed went on).
    pub refused: u64,
}

/// Where reports go.
#[derive(Debug, Clone)]
pub enum Sink {
    /// `POST /v1/tracks` at this URL with this bearer token.
    Line { url: String, token: String },
    /// JSON lines on standard output.
    Stdout,
}

/// Why a feed stopped early, and its exit status.
#[derive(Debug)]
pub struct Failure(pub u8, pub String);

/// One batch as the `POST /v1/tracks` body.
pub fn batch_json(reports: &[Report], feed_times: bool) -> String {
    let mut s = String::with_capacity(reports.len() * 160 + 16);
    s.push_str("{\"tracks\":[");
    for (i, r) in reports.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        report_json(&mut s, r, feed_times);
    }
    s.push_str("]}");
    s
}

/// One report as JSON. Ids and callsigns are hex digits, `~`, letters, digits and spaces (the parser checks),
/// so they need no escaping. The altitude is labelled pressure altitude; `vs_mps` is left out when unknown.
fn report_json(s: &mut String, r: &Report, feed_times: bool) {
    let _ = write!(
        s,
        "{{\"id\":\"{}\",\"callsign\":\"{}\",\"lat\":{},\"lon\":{},\"alt_m\":{:.1},\"alt_ref\":\"{}\",\"gs_mps\":{:.2},\"trk_deg\":{:.2}",
        r.id,
        r.callsign,
        r.state.lat_deg,
        r.state.lon_deg,
        r.state.alt_m,
        if r.pressure { "pressure" } else { "msl" },
        r.state.gs_mps,
        r.state.trk_deg,
    );
    if r.vs_known {
        let _ = write!(s, ",\"vs_mps\":{:.2}", r.state.vs_mps);
    }
    if feed_times {
        let _ = write!(
            s,
            ",\"time\":\"{}\"",
            deconflict_space::units::format_time(r.time_ms)
        );
    }
    s.push('}');
}

/// Now, from the system clock the server reads too.
pub(crate) fn now_ms() -> i64 {
    use deconflict_server::clock::Clock as _;
    deconflict_server::clock::SystemClock.now_ms()
}

/// What the sender did.
#[derive(Debug, Default)]
struct Sent {
    sent: u64,
    requests: u64,
    /// Reports the line refused (dropped, the feed going on).
    refused: u64,
}

/// How the sender treats the line's answers.
#[derive(Debug, Clone, Copy)]
struct Policy {
    feed_times: bool,
    /// A live source: a line that is away is waited for without end (a replay gives up after 10 tries).
    live: bool,
    /// Stop at the first refusal.
    strict: bool,
}

/// The index `N` of the first `tracks[N]` a refusal names, if any.
fn refused_index(text: &str) -> Option<usize> {
    let at = text.find("tracks[")? + "tracks[".len();
    let end = text[at..].find(']')?;
    text[at..at + end].parse().ok()
}

/// Sends batches until the channel closes. A line that is busy (429, 503) is waited for, as long as it asks
/// (`Retry-After`, at most 10 s a time); one that is away (no connection) is retried with a growing pause, for
/// ever for a live source. A report the line refuses (422 naming `tracks[N]`) is dropped and the rest sent
/// again; a batch refused as a whole (a limit of the party's, say) is dropped: the feed goes on, the first few
/// refusals named on standard error, unless `--strict`. Only a refused token (401, 403) ends the feed.
fn send_loop(sink: &Sink, rx: &Receiver<Vec<Report>>, policy: Policy) -> Result<Sent, Failure> {
    let mut done = Sent::default();
    let agent = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(30))
        .build();
    let mut named = 0usize;
    let mut warn = |message: String| {
        named += 1;
        if named <= NAMED_ERRORS {
            eprintln!("deconflict feed: {message}");
        }
    };
    for batch in rx {
        match sink {
            Sink::Stdout => {
                // Locked per batch, not for the sender's life: `--decoded` prints from the reader.
                let mut out = std::io::stdout().lock();
                for r in &batch {
                    let mut s = String::with_capacity(200);
                    report_json(&mut s, r, true);
                    writeln!(out, "{s}")
                        .map_err(|e| Failure(2, format!("standard output: {e}")))?;
                }
                done.sent += batch.len() as u64;
            }
            Sink::Line { url, token } => {
                for chunk in batch.chunks(MAX_BATCH) {
                    let mut chunk = chunk.to_vec();
                    let (mut away, mut busy, mut singled) = (0u32, 0u32, 0u32);
                    while !chunk.is_empty() {
                        let body = batch_json(&chunk, policy.feed_times);
                        let result = agent
                            .post(url)
                            .set("Authorization", &format!("Bearer {token}"))
                            .set("Content-Type", "application/json")
                            .send_string(&body);
                        done.requests += 1;
                        match result {
                            Ok(_) => {
                                done.sent += chunk.len() as u64;
                                break;
                            }
                            Err(ureq::Error::Status(code @ (429 | 503), r)) => {
                                busy += 1;
                                if !policy.live && busy > 60 {
                                    return Err(Failure(
                                        1,
                                        format!("{url}: the line stayed busy ({code})"),
                                    ));
                                }
                                let wait = r
                                    .header("Retry-After")
                                    .and_then(|v| v.trim().parse::<f64>().ok())
                                    .filter(|v| v.is_finite() && *v >= 0.0)
                                    .unwrap_or(1.0)
                                    .clamp(0.05, 10.0);
                                std::thread::sleep(Duration::from_secs_f64(wait));
                            }
                            Err(ureq::Error::Transport(e)) => {
                                away += 1;
                                if !policy.live && away > 10 {
                                    return Err(Failure(2, format!("{url}: {e}")));
                                }
                                if away == 1 || away.is_multiple_of(30) {
                                    eprintln!("deconflict feed: {url}: {e}; retrying");
                                }
                                std::thread::sleep(Duration::from_millis(
                                    (200u64 << away.min(5)).min(5_000),
                                ));
                            }
                            Err(ureq::Error::Status(code @ (401 | 403), r)) => {
                                let text = r.into_string().unwrap_or_default();
                                return Err(Failure(
                                    1,
                                    format!(
                                        "{url}: the line refused the feed's token ({code}): {text}"
                                    ),
                                ));
                            }
                            Err(ureq::Error::Status(code, r)) => {
                                let text = r.into_string().unwrap_or_default();
                                if policy.strict {
                                    return Err(Failure(
                                        1,
                                        format!(
                                            "{url}: the line refused the reports ({code}): {text}"
                                        ),
                                    ));
                                }
                                // At most 16 single reports dropped a batch: a refusal that names one report
                                // after another (a limit, not a bad report) drops the batch instead.
                                match refused_index(&text)
                                    .filter(|n| *n < chunk.len() && singled < 16)
                                {
                                    Some(n) => {
                                        singled += 1;
                                        let r = chunk.remove(n);
                                        done.refused += 1;
                                        warn(format!(
                                            "the line refused {}'s report ({code}): {text}; dropped, the rest sent again",
                                            r.id
                                        ));
                                    }
                                    None => {
                                        done.refused += chunk.len() as u64;
                                        warn(format!(
                                            "the line refused {} reports ({code}): {text}; dropped",
                                            chunk.len()
                                        ));
                                        break;
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    Ok(done)
}

/// Reads, assembles and batches; hands batches to `tx`. `pace` maps a line's time to the instant it is due.
struct Reader<'a> {
    args: &'a FeedArgs,
    asm: Assembler,
    pending: std::collections::HashMap<String, Report>,
    last_flush: Instant,
    stats: Stats,
    tx: SyncSender<Vec<Report>>,
    /// Replay: the first line's time of the current segment and when it was played.
    origin: Option<(i64, Instant)>,
    /// Replay: the time of the previous line played.
    previous: Option<i64>,
    /// Replay: when the first line is played.
    start: Instant,
    /// ASTERIX: records into reports.
    tracker: deconflict_feed::asterix::Tracker,
    /// ASTERIX replay: the UTC midnight (ms) the records' times of day count from, moved a day on when they
    /// wrap.
    midnight_ms: Option<i64>,
}

impl Reader<'_> {
    fn flush(&mut self) -> Result<(), Failure> {
        self.last_flush = Instant::now();
        if self.pending.is_empty() {
            return Ok(());
        }
        let batch: Vec<Report> = self.pending.drain().map(|(_, r)| r).collect();
        self.tx
            .send(batch)
            .map_err(|_| Failure(1, "the sender stopped".into()))
    }

    fn maybe_flush(&mut self) -> Result<(), Failure> {
        if self.last_flush.elapsed() >= Duration::from_millis(self.args.batch_ms)
            || self.pending.len() >= MAX_BATCH
        {
            self.flush()?;
        }
        Ok(())
    }

    /// Counts a line that cannot be used; names the first few; stops with `--strict`.
    fn reject(&mut self, message: String) -> Result<(), Failure> {
        self.stats.rejected += 1;
        if self.args.strict {
            return Err(Failure(2, message));
        }
        if self.stats.rejected <= NAMED_ERRORS as u64 {
            eprintln!("deconflict feed: skipped {message}");
        }
        Ok(())
    }

    /// Waits until a replayed line (or record) of time `t` is due, flushing on the way; a jump of more than
    /// [`MAX_REPLAY_GAP_MS`] from the previous one starts a new segment, played at once.
    /// `what` names the line or record, and is only made when a jump is reported.
    fn pace(&mut self, t: i64, what: impl Fn() -> String, unit: &str) -> Result<(), Failure> {
        if let Some(previous) = self.previous {
            if (t - previous).abs() > MAX_REPLAY_GAP_MS {
                self.stats.segments += 1;
                if self.stats.segments <= NAMED_ERRORS as u64 {
                    eprintln!(
                        "deconflict feed: {}: its time is {:.0} s {} the previous {unit}'s; a new segment starts here, played at once",
                        what(),
                        (t - previous).abs() as f64 / 1000.0,
                        if t > previous { "after" } else { "before" }
                    );
                }
                self.origin = Some((t, Instant::now().max(self.start)));
            }
        }
        self.previous = Some(t);
        if self.args.speed > 0.0 {
            let start = self.start;
            let (t0, i0) = *self.origin.get_or_insert((t, start));
            let due =
                i0 + Duration::from_secs_f64(((t - t0).max(0) as f64 / 1000.0) / self.args.speed);
            while let Some(wait) = due.checked_duration_since(Instant::now()) {
                let to_flush = Duration::from_millis(self.args.batch_ms)
                    .saturating_sub(self.last_flush.elapsed());
                if to_flush < wait {
                    std::thread::sleep(to_flush);
                    self.flush()?;
                } else {
                    std::thread::sleep(wait);
                }
            }
        }
        Ok(())
    }

    /// One line, numbered `n` in `source`.
    fn line(&mut self, text: &str, n: u64, source: &str, replay: bool) -> Result<(), Failure> {
        self.stats.lines += 1;
        let msg = match parse_line(text) {
            Ok(Some(m)) => m,
            Ok(None) => return Ok(()),
            Err(e) => return self.reject(format!("{source}: line {n}: {e}")),
        };
        let time = if replay {
            let Some(t) = msg.time_ms else {
                return self.reject(format!(
                    "{source}: line {n}: field 7 (date generated): a replayed line needs its time"
                ));
            };
            self.pace(t, || format!("{source}: line {n}"), "line")?;
            t
        } else if self.args.feed_times {
            msg.time_ms.unwrap_or_else(now_ms)
        } else {
            now_ms()
        };
        if let Some(r) = self.asm.push(&msg, time) {
            self.stats.reports += 1;
            self.pending.insert(r.id.clone(), r);
        }
        if self.stats.lines.is_multiple_of(100_000) {
            self.asm
                .forget_older_than(time - deconflict_feed::FORGET_AFTER_MS);
        }
        self.maybe_flush()
    }
}

/// Runs a feed from `--connect` or `--replay` into `sink` and returns what it did.
pub fn run_feed(args: &FeedArgs, sink: Sink) -> Result<Stats, Failure> {
    if !(args.speed == 0.0 || (args.speed >= 0.001 && args.speed.is_finite())) {
        return Err(Failure(
            2,
            "--speed: expected 0 (as fast as the line takes it) or a number from 0.001".into(),
        ));
    }
    let start = match &args.start_at {
        None => Instant::now(),
        Some(text) => {
            let at = deconflict_space::units::parse_time(text)
                .map_err(|e| Failure(2, format!("--start-at: {e}")))?;
            let ahead = u64::try_from(at - now_ms()).unwrap_or(0);
            Instant::now() + Duration::from_millis(ahead)
        }
    };
    let tracker = asterix::tracker(&args.radar)?;
    let (tx, rx) = sync_channel::<Vec<Report>>(4);
    let feed_times = args.feed_times || matches!(sink, Sink::Stdout);
    let policy = Policy {
        feed_times,
        live: args.connect.is_some() || args.asterix_udp.is_some(),
        strict: args.strict,
    };
    let sender = std::thread::spawn(move || send_loop(&sink, &rx, policy));
    let mut reader = Reader {
        args,
        asm: Assembler::new(),
        pending: std::collections::HashMap::new(),
        last_flush: Instant::now(),
        stats: Stats::default(),
        tx,
        origin: None,
        previous: None,
        start,
        tracker,
        midnight_ms: None,
    };
    let read = read_all(&mut reader);
    let flushed = reader.flush();
    let Reader {
        mut stats,
        tx,
        asm,
        tracker,
        ..
    } = reader;
    drop(tx);
    stats.aircraft = asm.len() + tracker.len();
    let sent = sender
        .join()
        .map_err(|_| Failure(2, "the sender panicked".into()))?;
    // A refusal by the line explains a stopped reader best.
    let done = sent?;
    read?;
    flushed?;
    stats.sent = done.sent;
    stats.requests = done.requests;
    stats.refused = done.refused;
    Ok(stats)
}

fn read_all(reader: &mut Reader<'_>) -> Result<(), Failure> {
    let args = reader.args;
    if args.asterix() {
        return asterix::read(reader);
    }
    if let Some(path) = &args.replay {
        let source = path.display().to_string();
        let input: Box<dyn BufRead> = if path.as_os_str() == "-" {
            Box::new(BufReader::new(std::io::stdin()))
        } else {
            Box::new(BufReader::new(
                std::fs::File::open(path).map_err(|e| Failure(2, format!("{source}: {e}")))?,
            ))
        };
        return read_lines(reader, input, &source, true);
    }
    let addr = args.connect.clone().unwrap_or_default();
    loop {
        match TcpStream::connect(&addr) {
            Ok(stream) => {
                eprintln!("deconflict feed: connected to {addr}");
                let input = Drained::new(stream, Duration::from_millis(args.batch_ms.max(10)));
                read_lines(
                    reader,
                    BufReader::with_capacity(1 << 16, input),
                    &addr,
                    false,
                )?;
                eprintln!("deconflict feed: {addr} closed the feed");
            }
            Err(e) if args.once => return Err(Failure(2, format!("{addr}: {e}"))),
            Err(e) => eprintln!("deconflict feed: {addr}: {e}; retrying in 2 s"),
        }
        if args.once {
            return Ok(());
        }
        std::thread::sleep(Duration::from_secs(2));
    }
}

/// A socket drained by its own thread into a bounded queue (64 MiB), read with a timeout. Receivers such as
/// dump1090 drop a client whose socket buffer fills, so the socket is emptied as fast as it fills even while
/// a batch is being sent; a read that times out answers `WouldBlock` so that pending states are sent.
struct Drained {
    rx: Receiver<Vec<u8>>,
    chunk: Vec<u8>,
    at: usize,
    timeout: Duration,
}

impl Drained {
    fn new(mut stream: TcpStream, timeout: Duration) -> Self {
        let (tx, rx) = sync_channel::<Vec<u8>>(1024);
        std::thread::spawn(move || loop {
            let mut chunk = vec![0u8; 1 << 16];
            match std::io::Read::read(&mut stream, &mut chunk) {
                Ok(0) => return,
                Ok(n) => {
                    chunk.truncate(n);
                    if tx.send(chunk).is_err() {
                        return;
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    eprintln!("deconflict feed: {e}");
                    return;
                }
            }
        });
        Drained {
            rx,
            chunk: Vec::new(),
            at: 0,
            timeout,
        }
    }
}

impl std::io::Read for Drained {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.at == self.chunk.len() {
            match self.rx.recv_timeout(self.timeout) {
                Ok(c) => {
                    self.chunk = c;
                    self.at = 0;
                }
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                    return Err(std::io::ErrorKind::WouldBlock.into())
                }
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return Ok(0),
            }
        }
        let n = buf.len().min(self.chunk.len() - self.at);
        buf[..n].copy_from_slice(&self.chunk[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}

/// What [`next_line`] found.
#[derive(Debug, PartialEq, Eq)]
enum Next {
    /// A whole line (with its newline, unless it ends the input) is in the buffer.
    Line,
    /// A line of this many bytes was longer than the limit and was dropped.
    TooLong(usize),
    /// The end of the input.
    End,
}

/// Reads the next line into `buf` (empty on entry, or holding the start of a line a previous call left there
/// when the input would block), keeping at most `max` bytes. A longer line is dropped as it arrives:
/// `skipped` counts its bytes across calls until its newline. An error leaves both for the next call.
fn next_line(
    input: &mut impl BufRead,
    buf: &mut Vec<u8>,
    skipped: &mut Option<usize>,
    max: usize,
) -> std::io::Result<Next> {
    loop {
        let available = input.fill_buf()?;
        if available.is_empty() {
            return Ok(match skipped.take() {
                Some(n) => Next::TooLong(n),
                None if buf.is_empty() => Next::End,
                None => Next::Line,
            });
        }
        let newline = available.iter().position(|&b| b == b'\n');
        let take = newline.map_or(available.len(), |i| i + 1);
        if let Some(n) = skipped.as_mut() {
            *n += take;
        } else if buf.len() + take > max {
            *skipped = Some(buf.len() + take);
            buf.clear();
        } else {
            buf.extend_from_slice(&available[..take]);
        }
        input.consume(take);
        if newline.is_some() {
            return Ok(match skipped.take() {
                Some(n) => Next::TooLong(n),
                None => Next::Line,
            });
        }
    }
}

fn read_lines(
    reader: &mut Reader<'_>,
    mut input: impl BufRead,
    source: &str,
    replay: bool,
) -> Result<(), Failure> {
    let mut buf = Vec::with_capacity(256);
    let mut skipped = None;
    let mut n = 0u64;
    loop {
        match next_line(&mut input, &mut buf, &mut skipped, MAX_LINE_BYTES) {
            Ok(Next::End) => return Ok(()),
            Ok(Next::TooLong(bytes)) => {
                n += 1;
                reader.stats.lines += 1;
                reader.reject(format!(
                    "{source}: line {n}: {bytes} bytes long; lines longer than {MAX_LINE_BYTES} bytes are dropped"
                ))?;
            }
            Ok(Next::Line) => {
                n += 1;
                match std::str::from_utf8(&buf) {
                    Ok(text) => reader.line(text, n, source, replay)?,
                    Err(_) => {
                        reader.stats.lines += 1;
                        reader.reject(format!("{source}: line {n}: not UTF-8 text"))?;
                    }
                }
                buf.clear();
            }
            // A quiet feed: send what is pending and keep waiting; a partial line stays in `buf`, and the
            // next read appends the rest of it.
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                reader.maybe_flush()?;
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                if replay {
                    return Err(Failure(2, format!("{source}: {e}")));
                }
                eprintln!("deconflict feed: {source}: {e}");
                return Ok(());
            }
        }
    }
}

pub fn run(args: &FeedArgs) -> ExitCode {
    let sink = if args.dry_run || args.decoded {
        Sink::Stdout
    } else {
        let Some(token) = args.connection.token.clone() else {
            eprintln!("deconflict feed: no token: give --token or set DECONFLICT_TOKEN (a feed belongs to a party)");
            return ExitCode::from(2);
        };
        Sink::Line {
            url: format!("{}/v1/tracks", args.connection.server.trim_end_matches('/')),
            token,
        }
    };
    let started = Instant::now();
    match run_feed(args, sink) {
        Ok(s) => {
            let secs = started.elapsed().as_secs_f64();
            let refused = if s.refused > 0 {
                format!(", {} refused by the line and dropped", s.refused)
            } else {
                String::new()
            };
            let segments = if s.segments > 0 {
                format!(", {} jumps in time replayed as new segments", s.segments)
            } else {
                String::new()
            };
            if args.asterix() {
                eprintln!(
                    "deconflict feed: {} records ({} unreadable or out of range, {} not reported{segments}), {} states of {} targets, {} sent in {} requests{refused}, {secs:.1} s",
                    s.lines, s.rejected, s.unreported, s.reports, s.aircraft, s.sent, s.requests
                );
            } else {
                eprintln!(
                    "deconflict feed: {} lines ({} unreadable{segments}), {} states of {} aircraft, {} sent in {} requests{refused}, {secs:.1} s",
                    s.lines, s.rejected, s.reports, s.aircraft, s.sent, s.requests
                );
            }
            ExitCode::SUCCESS
        }
        Err(Failure(code, message)) => {
            eprintln!("deconflict feed: {message}");
            ExitCode::from(code)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_names_the_report_it_refused() {
        assert_eq!(
            refused_index(r#"{"detail":"tracks[12].time: older than 60 s"}"#),
            Some(12)
        );
        assert_eq!(refused_index(r#"{"detail":"too many live tracks"}"#), None);
        assert_eq!(refused_index("tracks[x]"), None);
    }

    /// Lines of `input` read through a reader that hands out `chunk` bytes at a time, with `max`.
    fn lines(input: &[u8], chunk: usize, max: usize) -> Vec<Result<String, usize>> {
        let mut reader = BufReader::with_capacity(chunk, input);
        let (mut buf, mut skipped, mut out) = (Vec::new(), None, Vec::new());
        loop {
            match next_line(&mut reader, &mut buf, &mut skipped, max).expect("reads") {
                Next::End => return out,
                Next::TooLong(n) => out.push(Err(n)),
                Next::Line => {
                    out.push(Ok(String::from_utf8_lossy(&buf).into_owned()));
                    buf.clear();
                }
            }
        }
    }

    #[test]
    fn long_lines_are_dropped_and_reading_resumes_after_them() {
        let long = format!("{}\n", "x".repeat(100));
        for chunk in [1, 3, 8, 64, 4096] {
            let input = format!("ab\n{long}cd\n{}ef", "y".repeat(50));
            assert_eq!(
                lines(input.as_bytes(), chunk, 16),
                vec![
                    Ok("ab\n".to_string()),
                    Err(101),
                    Ok("cd\n".to_string()),
                    Err(52)
                ],
                "chunk {chunk}"
            );
            // Exactly at the limit, the newline included.
            assert_eq!(
                lines(b"0123456789abcde\nz", chunk, 16),
                vec![Ok("0123456789abcde\n".to_string()), Ok("z".to_string())]
            );
            assert_eq!(lines(b"0123456789abcdef\n", chunk, 16), vec![Err(17)]);
        }
        assert_eq!(lines(b"", 8, 16), vec![]);
    }
}
