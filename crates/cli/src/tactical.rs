//! `deconflict tactical FILE.csv [--rpz-m M] [--hpz-m M] [--lookahead-s S]`: offline tactical check of one
//! snapshot of states (header `id,lat,lon,alt_m,gs_mps,trk_deg,vs_mps`, columns in any order).
//!
//! Prints `a,b` for each pair predicted to lose separation within the look-ahead (or that already has), `a`
//! before `b` — numerically when every id is an integer, else by bytes — and the lines sorted the same way;
//! then one summary line on standard error. Exit status: 0 no conflict, 1 conflicts, 2 bad input (the message
//! names the line, the id and the field).

use std::collections::HashSet;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::Args;
use deconflict_tactical::{detect, Params, Track};

#[derive(Args, Debug)]
pub struct TacticalArgs {
    /// The snapshot (CSV with header id,lat,lon,alt_m,gs_mps,trk_deg,vs_mps); `-` reads standard input.
    pub file: PathBuf,
    /// Horizontal protected radius (m).
    #[arg(long, default_value_t = 9_260.0, value_name = "M")]
    pub rpz_m: f64,
    /// Vertical protected half-height (m).
    #[arg(long, default_value_t = 304.8, value_name = "M")]
    pub hpz_m: f64,
    /// Look-ahead (s).
    #[arg(long, default_value_t = 300.0, value_name = "S")]
    pub lookahead_s: f64,
    /// Print no summary on standard error.
    #[arg(long, short)]
    pub quiet: bool,
}

const COLUMNS: [&str; 7] = ["id", "lat", "lon", "alt_m", "gs_mps", "trk_deg", "vs_mps"];

/// Reads the snapshot: the ids and the tracks, or the first problem.
fn read(input: impl BufRead, name: &str) -> Result<(Vec<String>, Vec<Track>), String> {
    let mut lines = input.lines().enumerate();
    let header = loop {
        match lines.next() {
            None => {
                return Err(format!(
                    "{name}: empty; expected the header {}",
                    COLUMNS.join(",")
                ))
            }
            Some((n, line)) => {
                let line = line.map_err(|e| format!("{name}: line {}: {e}", n + 1))?;
                if !line.trim().is_empty() {
                    break line;
                }
            }
        }
    };
    let names: Vec<String> = header
        .trim_start_matches('\u{feff}')
        .split(',')
        .map(|c| c.trim().trim_matches('"').to_string())
        .collect();
    let mut position = [usize::MAX; 7];
    for (k, column) in COLUMNS.iter().enumerate() {
        let found: Vec<usize> = names
            .iter()
            .enumerate()
            .filter(|(_, n)| n == column)
            .map(|(i, _)| i)
            .collect();
        match found.as_slice() {
            [i] => position[k] = *i,
            [] => {
                return Err(format!(
                    "{name}: line 1: the header has no column {column:?}; expected {}",
                    COLUMNS.join(",")
                ))
            }
            _ => return Err(format!("{name}: line 1: the header names {column:?} twice")),
        }
    }
    if let Some(extra) = names.iter().find(|n| !COLUMNS.contains(&n.as_str())) {
        return Err(format!(
            "{name}: line 1: unknown column {extra:?}; expected {}",
            COLUMNS.join(",")
        ));
    }
    let mut ids = Vec::new();
    let mut tracks = Vec::new();
    let mut seen = HashSet::new();
    for (n, line) in lines {
        let line = line.map_err(|e| format!("{name}: line {}: {e}", n + 1))?;
        if line.trim().is_empty() {
            continue;
        }
        let cells: Vec<&str> = line
            .split(',')
            .map(|c| c.trim().trim_matches('"'))
            .collect();
        let at = |what: &str| format!("{name}: line {}", n + 1) + what;
        if cells.len() != names.len() {
            return Err(at(&format!(
                ": {} fields, the header has {}",
                cells.len(),
                names.len()
            )));
        }
        let id = cells[position[0]];
        if id.is_empty() {
            return Err(at(", field id: empty"));
        }
        let number = |k: usize, lo: f64, hi: f64| -> Result<f64, String> {
            let text = cells[position[k]];
            let x: f64 = text.parse().map_err(|_| {
                at(&format!(
                    " (track {id}), field {}: {text:?} is not a number",
                    COLUMNS[k]
                ))
            })?;
            if !x.is_finite() || x < lo || x > hi {
                return Err(at(&format!(
                    " (track {id}), field {}: {text} is outside {lo}..{hi}",
                    COLUMNS[k]
                )));
            }
            Ok(x)
        };
        let track = Track {
            lat_deg: number(1, -90.0, 90.0)?,
            lon_deg: number(2, -180.0, 180.0)?,
            alt_m: number(3, -1_000.0, 100_000.0)?,
            gs_mps: number(4, 0.0, 3_000.0)?,
            trk_deg: number(5, -360.0, 360.0)?,
            vs_mps: number(6, -1_000.0, 1_000.0)?,
        };
        if !seen.insert(id.to_string()) {
            return Err(at(&format!(", field id: {id:?} appears twice")));
        }
        ids.push(id.to_string());
        tracks.push(track);
    }
    Ok((ids, tracks))
}

pub fn run(args: &TacticalArgs) -> ExitCode {
    let started = Instant::now();
    let name = args.file.display().to_string();
    let read = if args.file.as_os_str() == "-" {
        let mut text = String::new();
        match io::stdin().read_to_string(&mut text) {
            Ok(_) => read(text.as_bytes(), "standard input"),
            Err(e) => Err(format!("standard input: cannot read: {e}")),
        }
    } else {
        match std::fs::File::open(&args.file) {
            Ok(f) => read(BufReader::with_capacity(1 << 20, f), &name),
            Err(e) => Err(format!("{name}: cannot read: {e}")),
        }
    };
    let (ids, tracks) = match read {
        Ok(x) => x,
        Err(e) => {
            eprintln!("deconflict tactical: {e}");
            return ExitCode::from(2);
        }
    };
    for (flag, value) in [
        ("--rpz-m", args.rpz_m),
        ("--hpz-m", args.hpz_m),
        ("--lookahead-s", args.lookahead_s),
    ] {
        if !value.is_finite() || value <= 0.0 {
            eprintln!("deconflict tactical: {flag} {value}: expected a positive number");
            return ExitCode::from(2);
        }
    }
    let params = Params {
        rpz_m: args.rpz_m,
        hpz_m: args.hpz_m,
        lookahead_s: args.lookahead_s,
    };
    let read_s = started.elapsed().as_secs_f64();
    let detecting = Instant::now();
    let found = detect(&tracks, &params);
    let detect_s = detecting.elapsed().as_secs_f64();

    // Order ids numerically when they are all integers.
    let numeric: Option<Vec<i128>> = ids.iter().map(|i| i.parse::<i128>().ok()).collect();
    let before = |a: usize, b: usize| -> bool {
        match &numeric {
            Some(n) => n[a] < n[b],
            None => ids[a] < ids[b],
        }
    };
    let mut pairs: Vec<(usize, usize)> = found
        .iter()
        .map(|e| {
            if before(e.a, e.b) {
                (e.a, e.b)
            } else {
                (e.b, e.a)
            }
        })
        .collect();
    match &numeric {
        Some(n) => pairs.sort_by_key(|&(a, b)| (n[a], n[b])),
        None => pairs.sort_by(|x, y| (&ids[x.0], &ids[x.1]).cmp(&(&ids[y.0], &ids[y.1]))),
    }
    let mut out = io::BufWriter::with_capacity(1 << 20, io::stdout().lock());
    for (a, b) in &pairs {
        if writeln!(out, "{},{}", ids[*a], ids[*b]).is_err() {
            return ExitCode::from(2);
        }
    }
    if out.flush().is_err() {
        return ExitCode::from(2);
    }
    if !args.quiet {
        let losses = found.iter().filter(|e| e.los_now).count();
        eprintln!(
            "{} tracks, {} pairs, {} losses of separation now, {:.3} s (read {:.3} s, detect {:.3} s)",
            tracks.len(),
            pairs.len(),
            losses,
            started.elapsed().as_secs_f64(),
            read_s,
            detect_s
        );
    }
    if pairs.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
