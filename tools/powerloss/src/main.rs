//! Power-loss test of `deconflict serve`: "nothing acknowledged is lost: a write that returned success
//! survives a crash", checked against a disk that really forgets what was not fsynced.
//!
//! SIGKILL cannot prove that promise (the kernel's page cache outlives the process), so the server's data
//! directory lives on a FUSE filesystem ([`disk`]) that keeps every byte in memory together with what an
//! `fsync`/`fdatasync` of its file (or, for names, of its directory) made durable. FUSE rather than a SQLite
//! VFS shim or an `LD_PRELOAD` layer: it needs no unsafe code and no change to the binary, it sees every
//! file the server touches (the database, its WAL and shm, `LOCK`, the log key), and the kernel passes
//! every `write`, `fsync` and `fsyncdir` through to it (no writeback cache is asked for, so writes are
//! write-through and a sync the filesystem did not perform cannot be reported as done).
//!
//! Each round:
//! 1. mount the disk and start the real binary, `deconflict serve --data <mount>/data`;
//! 2. check that every declaration acknowledged (201) in the previous round is there (GET → 200), and that
//!    the latest signed checkpoint is no smaller than any checkpoint served before the crash;
//! 3. run concurrent writers, each POSTing declarations and recording every 201;
//! 4. at a seeded random moment (now and then during start-up, before anything is written) cut the power:
//!    the disk freezes (every later request fails with EIO, so nothing can be acknowledged after that
//!    instant), the server is SIGKILLed, the filesystem unmounted, and everything not synced discarded —
//!    all of it, or (a "torn" crash, half the rounds) a random subset of the unsynced 512-byte sectors is
//!    kept, and a grown file keeps its old or its new size;
//! 5. remount with only what survived and run `deconflict log fsck` on it.
//!
//! At the end every declaration ever acknowledged is read back once more. Any failure prints the seed and
//! the round (`--seed S` replays the same crash moments and the same torn sectors; thread timing still
//! varies) and leaves an image of the surviving files beside the work directory.
//!
//! What it models: loss of everything not synced; unsynced writes surviving partly, per sector and in any
//! order; directory entries durable only after a sync of their directory (`--durability posix`, the
//! default) or with any sync (`journal`, like ext4's ordered journal). What it does not: a disk that lies
//! about a flush, torn writes inside a synced sector, bit rot or misdirected writes, a crash of the
//! filesystem in the middle of one request (each request is atomic here), or byte-range locks across
//! machines (locks are the kernel's local ones).

mod disk;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use disk::{CrashKind, Disk, Durability, Fs};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

struct Options {
    rounds: usize,
    seed: u64,
    bin: PathBuf,
    writers: usize,
    durability: Durability,
    work: PathBuf,
    keep: bool,
    fresh_data_dir: bool,
    lying: bool,
}

fn usage() -> ! {
    eprintln!(
        "usage: deconflict-powerloss --bin PATH [--rounds N] [--seed S] [--writers N] \
         [--durability posix|journal] [--work DIR] [--keep] [--fresh-data-dir (default) | --premade-data-dir] [--lying-disk]"
    );
    std::process::exit(2)
}

fn parse() -> Options {
    let mut o = Options {
        rounds: 100,
        seed: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64 % 1_000_000_000),
        bin: PathBuf::new(),
        writers: 4,
        durability: Durability::Posix,
        work: std::env::temp_dir().join(format!("deconflict-powerloss-{}", std::process::id())),
        keep: false,
        fresh_data_dir: true,
        lying: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = || args.next().unwrap_or_else(|| usage());
        match a.as_str() {
            "--rounds" => o.rounds = value().parse().unwrap_or_else(|_| usage()),
            "--seed" => o.seed = value().parse().unwrap_or_else(|_| usage()),
            "--bin" => o.bin = PathBuf::from(value()),
            "--writers" => o.writers = value().parse().unwrap_or_else(|_| usage()),
            "--work" => o.work = PathBuf::from(value()),
            "--keep" => o.keep = true,
            "--fresh-data-dir" => o.fresh_data_dir = true,
            "--premade-data-dir" => o.fresh_data_dir = false,
            "--lying-disk" => o.lying = true,
            "--durability" => {
                o.durability = match value().as_str() {
                    "posix" => Durability::Posix,
                    "journal" => Durability::Journal,
                    _ => usage(),
                }
            }
            _ => usage(),
        }
    }
    if o.bin.as_os_str().is_empty() {
        usage();
    }
    o
}

/// A failure, to be printed with the seed and the round.
type Fail = String;

struct Mounted {
    session: Option<fuser::BackgroundSession>,
}

fn mount(disk: &Arc<Mutex<Disk>>, at: &Path) -> Result<Mounted, Fail> {
    let mut config = fuser::Config::default();
    config.mount_options = vec![
        fuser::MountOption::FSName("powerloss".into()),
        fuser::MountOption::RW,
    ];
    let session = fuser::spawn_mount(
        Fs {
            disk: Arc::clone(disk),
        },
        at,
        &config,
    )
    .map_err(|e| format!("cannot mount the FUSE filesystem at {}: {e}", at.display()))?;
    Ok(Mounted {
        session: Some(session),
    })
}

impl Mounted {
    fn unmount(mut self, at: &Path) -> Result<(), Fail> {
        if let Some(s) = self.session.take() {
            if let Err(e) = s.umount_and_join() {
                // Something still holds a file open: detach it (the disk is frozen anyway).
                let status = Command::new("umount").arg("-l").arg(at).status();
                if !matches!(status, Ok(s) if s.success()) {
                    return Err(format!("cannot unmount {}: {e}", at.display()));
                }
            }
        }
        Ok(())
    }
}

impl Drop for Mounted {
    fn drop(&mut self) {
        if let Some(s) = self.session.take() {
            let _ = s.umount_and_join();
        }
    }
}

/// One HTTP/1.1 request on a fresh connection: the status and the body.
fn request(
    addr: &str,
    method: &str,
    path: &str,
    token: &str,
    body: Option<&str>,
) -> std::io::Result<(u16, String)> {
    let mut s = TcpStream::connect(addr)?;
    s.set_read_timeout(Some(Duration::from_secs(30)))?;
    let payload = body.unwrap_or("");
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{payload}",
        payload.len()
    )?;
    let mut response = String::new();
    s.read_to_string(&mut response)?;
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("no status in {response:?}")))?;
    let body = response.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    Ok((status, body.to_string()))
}

fn declaration(id: &str, n: u64) -> String {
    // Spread over the map and the day so that nothing conflicts (one party) and nothing is refused.
    let lat = -60.0 + (n % 120) as f64;
    let lon = -170.0 + ((n / 120) % 340) as f64;
    serde_json::json!({"id": id, "kind": "air_operation", "volumes": [
        {"footprint": {"circle": {"center": [lon, lat], "radius_m": 5000}},
         "altitude": {"lower_m": 1000.0, "upper_m": 2000.0},
         "time": {"start": "2030-06-18T15:30:00Z", "end": "2030-06-18T16:30:00Z"}}]})
    .to_string()
}

struct Server {
    child: Child,
    stderr: Arc<Mutex<String>>,
}

impl Server {
    fn spawn(bin: &Path, data: &Path) -> Result<Server, Fail> {
        let mut child = Command::new(bin)
            // The writers run as fast as the disk lets them: no write allowance, and the party may hold every
            // declaration the rounds write (a hundred rounds of a few hundred each).
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--limit-writes-per-party-per-second",
                "1000000",
                "--limit-write-burst",
                "1000000",
                "--limit-declarations-per-party",
                "10000000",
                "--limit-vertices-per-party",
                "1000000000",
                "--data",
            ])
            .arg(data)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
        let stderr = Arc::new(Mutex::new(String::new()));
        if let Some(mut err) = child.stderr.take() {
            let sink = Arc::clone(&stderr);
            std::thread::spawn(move || {
                let mut buf = String::new();
                let _ = err.read_to_string(&mut buf);
                if let Ok(mut s) = sink.lock() {
                    s.push_str(&buf);
                }
            });
        }
        Ok(Server { child, stderr })
    }

    /// The address it listens on, once it does (None if it died first, e.g. at a crash during start-up).
    fn address(&mut self, timeout: Duration) -> Option<String> {
        let stdout = self.child.stdout.take()?;
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut out = BufReader::new(stdout);
            let mut line = String::new();
            let _ = out.read_line(&mut line);
            let _ = tx.send(line);
            // Keep draining so the server never blocks on a full pipe.
            let _ = std::io::copy(&mut out, &mut std::io::sink());
        });
        let line = rx.recv_timeout(timeout).ok()?;
        line.trim()
            .strip_prefix("listening on http://")
            .map(str::to_string)
    }

    fn kill(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        std::thread::sleep(Duration::from_millis(5));
        self.stderr.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

impl Drop for Server {
    /// A server left behind by a failure must not keep the mount busy.
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn run_fsck(bin: &Path, data: &Path) -> Result<String, Fail> {
    let out = Command::new(bin)
        .args(["log", "fsck", "--data"])
        .arg(data)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run fsck: {e}"))?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if out.status.success() {
        Ok(text)
    } else {
        Err(format!("log fsck failed: {}", text.trim()))
    }
}

/// Checks that each id was acknowledged and is there now.
fn verify(addr: &str, token: &str, ids: &[String]) -> Result<(), Fail> {
    for id in ids {
        let (status, body) = request(addr, "GET", &format!("/v1/declarations/{id}"), token, None)
            .map_err(|e| format!("reading back {id}: {e}"))?;
        if status != 200 {
            return Err(format!(
                "acknowledged declaration {id} is lost: GET gave {status} {}",
                body.trim()
            ));
        }
    }
    Ok(())
}

/// The size of the checkpoint the server serves now (0 before the first).
fn served_checkpoint(addr: &str, token: &str) -> Result<u64, Fail> {
    let (status, body) = request(addr, "GET", "/v1/log/checkpoint", token, None)
        .map_err(|e| format!("reading the checkpoint: {e}"))?;
    match status {
        404 => Ok(0),
        200 => body
            .lines()
            .nth(1)
            .and_then(|l| l.trim().parse().ok())
            .ok_or_else(|| format!("a checkpoint without a size: {body:?}")),
        s => Err(format!("GET /v1/log/checkpoint: {s} {}", body.trim())),
    }
}

/// A signed checkpoint handed out is a commitment too: after a crash the log must not be shorter.
fn check_checkpoint(addr: &str, token: &str, served: u64) -> Result<(), Fail> {
    let now = served_checkpoint(addr, token)?;
    if now < served {
        return Err(format!(
            "a checkpoint of size {served} was served before the crash, but after it the latest is {now}"
        ));
    }
    Ok(())
}

struct Totals {
    acked: usize,
    attempted: usize,
    startup_crashes: usize,
    torn: usize,
}

fn write_image(disk: &Disk, to: &Path) {
    let _ = std::fs::remove_dir_all(to);
    let _ = std::fs::create_dir_all(to);
    for (path, contents) in disk.tree() {
        let p = to.join(path.trim_start_matches('/'));
        match contents {
            None => {
                let _ = std::fs::create_dir_all(&p);
            }
            Some(bytes) => {
                let _ = std::fs::write(&p, bytes);
            }
        }
    }
}

fn main() -> ExitCode {
    let o = parse();
    let started = Instant::now();
    let _ = std::fs::remove_dir_all(&o.work);
    let mnt = o.work.join("mnt");
    if let Err(e) = std::fs::create_dir_all(&mnt) {
        eprintln!("power-loss: {}: {e}", mnt.display());
        return ExitCode::from(2);
    }
    let disk = Arc::new(Mutex::new(Disk::new(o.durability)));
    let mut rng = ChaCha8Rng::seed_from_u64(o.seed);
    let mut totals = Totals {
        acked: 0,
        attempted: 0,
        startup_crashes: 0,
        torn: 0,
    };
    let mut all_acked: Vec<String> = Vec::new();
    let mut round = 0usize;
    let result = run(
        &o,
        &disk,
        &mnt,
        &mut rng,
        &mut totals,
        &mut all_acked,
        &mut round,
    );
    let elapsed = started.elapsed().as_secs_f64();
    let stats = disk.lock().map(|d| d.stats).unwrap_or_default();
    match result {
        Ok(fsck) => {
            if !o.keep {
                let _ = std::fs::remove_dir_all(&o.work);
            }
            println!(
                "power-loss: disk: {} writes, {} file syncs, {} directory syncs; at crashes {} unsynced sectors \
                 lost, {} kept (torn), {} directories rolled back",
                stats.writes,
                stats.file_syncs,
                stats.dir_syncs,
                stats.sectors_lost,
                stats.sectors_kept,
                stats.dirs_rolled_back
            );
            println!(
                "power-loss: {} declarations acknowledged of {} attempted; {} crashes during start-up, {} torn; \
                 seed {}; {:.1} s; last fsck: {}",
                totals.acked,
                totals.attempted,
                totals.startup_crashes,
                totals.torn,
                o.seed,
                elapsed,
                fsck.trim().replace('\n', "; ")
            );
            println!(
                "power-loss: {} rounds, 0 lost acknowledged writes, fsck ok",
                o.rounds
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            let image = o.work.with_extension("failed-image");
            if let Ok(d) = disk.lock() {
                write_image(&d, &image);
            }
            eprintln!(
                "power-loss: FAILED in round {round} (seed {}, --durability {:?}): {e}",
                o.seed, o.durability
            );
            eprintln!(
                "power-loss: the surviving files are in {}; replay with --seed {} --rounds {}",
                image.display(),
                o.seed,
                round + 1
            );
            ExitCode::FAILURE
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn run(
    o: &Options,
    disk: &Arc<Mutex<Disk>>,
    mnt: &Path,
    rng: &mut ChaCha8Rng,
    totals: &mut Totals,
    all_acked: &mut Vec<String>,
    round: &mut usize,
) -> Result<String, Fail> {
    let data = mnt.join("data");
    let mut mounted = mount(disk, mnt)?;

    if !o.fresh_data_dir {
        // The operator's data directory, made durable in its parent before the server ever runs. (By default
        // the store creates it, and must record it durably in its parent itself.)
        std::fs::create_dir(&data)
            .and_then(|()| std::fs::File::open(mnt)?.sync_all())
            .map_err(|e| format!("{}: {e}", data.display()))?;
    }
    // The party's token is itself an acknowledged write: it must keep working after every crash.
    let out = Command::new(&o.bin)
        .args(["party", "add", "--id", "powerloss", "--data"])
        .arg(&data)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("party add: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "party add failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let token = String::from_utf8_lossy(&out.stdout).trim().to_string();
    // --lying-disk: set up honestly, then lie about every sync; the run must fail (the check can fail).
    disk.lock().map_err(|_| "disk lock")?.lying = o.lying;
    let mut unverified: Vec<String> = Vec::new();
    let mut last_fsck = String::new();
    let mut seq = 0u64;
    let served = Arc::new(AtomicU64::new(0));
    for r in 0..o.rounds {
        *round = r;
        let startup_crash = r % 10 == 3;
        let mut server = Some(Server::spawn(&o.bin, &data)?);
        let acked = Arc::new(Mutex::new(Vec::<String>::new()));
        if startup_crash {
            // Cut the power while the server opens the store, recovers the WAL, re-derives the tree, signs.
            std::thread::sleep(Duration::from_millis(rng.gen_range(0..60)));
            totals.startup_crashes += 1;
        } else {
            let s = server.as_mut().ok_or("no server")?;
            let Some(addr) = s.address(Duration::from_secs(60)) else {
                let err = server.take().map(Server::kill).unwrap_or_default();
                return Err(format!(
                    "the server did not start after the last crash: {}",
                    err.trim()
                ));
            };
            verify(&addr, &token, &unverified)?;
            unverified.clear();
            check_checkpoint(&addr, &token, served.load(Ordering::SeqCst))?;
            let stop = Arc::new(AtomicBool::new(false));
            let poller = {
                let (addr, token, stop, served) = (
                    addr.clone(),
                    token.clone(),
                    Arc::clone(&stop),
                    Arc::clone(&served),
                );
                std::thread::spawn(move || {
                    while !stop.load(Ordering::SeqCst) {
                        match served_checkpoint(&addr, &token) {
                            Ok(size) => {
                                served.fetch_max(size, Ordering::SeqCst);
                            }
                            Err(_) => break,
                        }
                        std::thread::sleep(Duration::from_millis(15));
                    }
                })
            };
            let writers: Vec<_> = (0..o.writers)
                .map(|w| {
                    let (addr, token, acked, stop) = (
                        addr.clone(),
                        token.clone(),
                        Arc::clone(&acked),
                        Arc::clone(&stop),
                    );
                    let base = seq + (w as u64) * 1_000_000;
                    std::thread::spawn(move || -> (usize, Option<String>) {
                        let mut attempted = 0;
                        for i in 0.. {
                            if stop.load(Ordering::SeqCst) {
                                break;
                            }
                            let id = format!("r{r}-w{w}-{i}");
                            attempted += 1;
                            let body = declaration(&id, base + i);
                            match request(&addr, "POST", "/v1/declarations", &token, Some(&body)) {
                                Ok((201, _)) => {
                                    if let Ok(mut a) = acked.lock() {
                                        a.push(id);
                                    }
                                }
                                // The power is off (5xx on EIO) or the server is gone.
                                Ok((s, _)) if s >= 500 => break,
                                Err(_) => break,
                                Ok((s, b)) if !stop.load(Ordering::SeqCst) => {
                                    return (
                                        attempted,
                                        Some(format!("POST {id}: {s} {}", b.trim())),
                                    );
                                }
                                Ok(_) => break,
                            }
                        }
                        (attempted, None)
                    })
                })
                .collect();
            seq += 1000;
            std::thread::sleep(Duration::from_millis(rng.gen_range(5..400)));
            disk.lock().map_err(|_| "disk lock")?.freeze();
            stop.store(true, Ordering::SeqCst);
            if let Some(s) = server.take() {
                let _ = s.kill();
            }
            let _ = poller.join();
            for w in writers {
                let (attempted, unexpected) = w.join().map_err(|_| "a writer panicked")?;
                totals.attempted += attempted;
                if let Some(u) = unexpected {
                    return Err(format!("a write was refused before the crash: {u}"));
                }
            }
        }
        // Power off (if not already), kill, unmount, lose what was not synced.
        disk.lock().map_err(|_| "disk lock")?.freeze();
        if let Some(s) = server.take() {
            let _ = s.kill();
        }
        mounted.unmount(mnt)?;
        let kind = if rng.gen_bool(0.5) {
            totals.torn += 1;
            CrashKind::Torn
        } else {
            CrashKind::LoseAll
        };
        disk.lock().map_err(|_| "disk lock")?.crash(kind, rng);
        let acked = std::mem::take(&mut *acked.lock().map_err(|_| "acked lock")?);
        totals.acked += acked.len();
        all_acked.extend(acked.iter().cloned());
        unverified.extend(acked);
        mounted = mount(disk, mnt)?;
        last_fsck = run_fsck(&o.bin, &data)?;
    }
    *round = o.rounds;
    // Everything ever acknowledged, once more, on a last start.
    let mut server = Server::spawn(&o.bin, &data)?;
    let Some(addr) = server.address(Duration::from_secs(60)) else {
        let err = server.kill();
        return Err(format!(
            "the server did not start after the last crash: {}",
            err.trim()
        ));
    };
    let all: Vec<String> = {
        let mut seen = BTreeMap::new();
        for id in all_acked.iter() {
            seen.insert(id.clone(), ());
        }
        seen.into_keys().collect()
    };
    let checked = verify(&addr, &token, &all)
        .and_then(|()| check_checkpoint(&addr, &token, served.load(Ordering::SeqCst)));
    let _ = server.kill();
    mounted.unmount(mnt)?;
    checked?;
    Ok(last_fsck)
}
