//! `deconflict check FILE [--against FILE] [--advise]`.

use std::collections::{HashMap, HashSet};
use std::io::{self, IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::Args;
use deconflict_plan::{conflict_line, parse_plan, Plan};
use deconflict_strategic::{advise, AdviceBounds, Conflict, ConflictIndex, Minima};
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Json,
    Text,
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// Declarations to check (native JSON or a GeoJSON FeatureCollection); `-` reads standard input.
    pub file: PathBuf,
    /// Check FILE's declarations against these (for example the current picture) instead of only among
    /// themselves; conflicts between two declarations of AGAINST are not reported.
    #[arg(long, value_name = "FILE")]
    pub against: Option<PathBuf>,
    /// Add, for each side of each conflict, the smallest delay, climb and descent that clear all its conflicts.
    #[arg(long)]
    pub advise: bool,
    /// Longest delay advice may propose (hours).
    #[arg(long, default_value_t = 24.0, value_name = "H")]
    pub max_delay_h: f64,
    /// Largest climb or descent advice may propose (metres).
    #[arg(long, default_value_t = 3000.0, value_name = "M")]
    pub max_shift_m: f64,
    /// Output format: one JSON object per conflict, or one readable line per conflict.
    #[arg(long, value_enum, default_value_t = Format::Json)]
    pub format: Format,
    /// Print no summary on standard error.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Declarations above this count get a progress bar (when standard error is a terminal).
const PROGRESS_FROM: usize = 2_000;

fn read_plan(path: &PathBuf) -> Result<Plan, String> {
    let text = if path.as_os_str() == "-" {
        let mut s = String::new();
        io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| format!("standard input: cannot read: {e}"))?;
        s
    } else {
        std::fs::read_to_string(path)
            .map_err(|e| format!("{}: cannot read: {e}", path.display()))?
    };
    let name = if path.as_os_str() == "-" {
        "standard input".to_string()
    } else {
        path.display().to_string()
    };
    parse_plan(&text).map_err(|e| format!("{name}: {e}"))
}

fn progress_bar(len: usize) -> Option<ProgressBar> {
    if len < PROGRESS_FROM || !io::stderr().is_terminal() {
        return None;
    }
    let bar = ProgressBar::new(len as u64);
    if let Ok(style) =
        ProgressStyle::with_template("{spinner} checking {pos}/{len} declarations {wide_bar} {eta}")
    {
        bar.set_style(style);
    }
    Some(bar)
}

pub fn run(args: &CheckArgs) -> ExitCode {
    match check(args) {
        Ok(found) => ExitCode::from(if found { 1 } else { 0 }),
        Err(CheckError::Input(message)) => {
            eprintln!("deconflict check: {message}");
            ExitCode::from(2)
        }
        Err(CheckError::Output(e)) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::from(1),
        Err(CheckError::Output(e)) => {
            eprintln!("deconflict check: cannot write the conflicts: {e}");
            ExitCode::from(2)
        }
    }
}

enum CheckError {
    Input(String),
    Output(io::Error),
}

/// Runs the check; `Ok(true)` when conflicts were found.
fn check(args: &CheckArgs) -> Result<bool, CheckError> {
    let started = Instant::now();
    let plan = read_plan(&args.file).map_err(CheckError::Input)?;
    let against = match &args.against {
        Some(p) => Some(read_plan(p).map_err(CheckError::Input)?),
        None => None,
    };
    let minima: Minima = plan
        .minima
        .or_else(|| against.as_ref().and_then(|a| a.minima))
        .unwrap_or_default();
    let ours: HashSet<String> = plan.declarations.iter().map(|d| d.id.clone()).collect();
    let mut all = plan.declarations;
    let checked = all.len();
    if let (Some(a), Some(path)) = (against, &args.against) {
        for (i, d) in a.declarations.into_iter().enumerate() {
            if ours.contains(&d.id) {
                return Err(CheckError::Input(format!(
                    "{}: declaration {:?} (declarations[{i}]), field id: the same id is in {}; ids must be unique",
                    path.display(),
                    d.id,
                    args.file.display()
                )));
            }
            all.push(d);
        }
    }
    // On the line ids live in each party's own namespace; a check's report names declarations by id alone,
    // so its input keeps them unique.
    let mut seen = HashSet::new();
    for d in &all {
        if !seen.insert(d.id.as_str()) {
            return Err(CheckError::Input(format!(
                "declaration {:?}, field id: the same id is declared twice; ids must be unique in a check",
                d.id
            )));
        }
    }
    let volumes: usize = all.iter().map(|d| d.volumes.len()).sum();
    let total = all.len();
    let index = ConflictIndex::bulk(minima, all).map_err(|e| CheckError::Input(e.to_string()))?;

    let bar = progress_bar(if args.against.is_some() {
        checked
    } else {
        total
    });
    let tick = |n: usize| {
        if let Some(b) = &bar {
            b.inc(n as u64);
        }
    };
    let conflicts: Vec<Conflict> = if args.against.is_some() {
        let mine: Vec<_> = index.iter().filter(|d| ours.contains(&d.id)).collect();
        let mut found: Vec<Conflict> = mine
            .par_iter()
            .flat_map_iter(|d| {
                let c = index.conflicts_of(d);
                tick(1);
                // A pair of two of FILE's declarations is reported once, by the lesser id.
                c.into_iter().filter(|c| {
                    let other = if c.a.id == d.id { &c.b.id } else { &c.a.id };
                    !ours.contains(other) || *other > d.id
                })
            })
            .collect();
        deconflict_strategic::conflict::sort_conflicts(&mut found);
        found
    } else {
        index.all_conflicts_with_progress(&tick)
    };
    if let Some(b) = &bar {
        b.finish_and_clear();
    }

    let advice: HashMap<&str, deconflict_strategic::Advice> = if args.advise {
        let bounds = AdviceBounds {
            max_delay_ms: (args.max_delay_h * 3.6e6) as i64,
            max_altitude_shift_m: args.max_shift_m,
        };
        let ids: HashSet<(&str, &str)> = conflicts
            .iter()
            .flat_map(|c| {
                [
                    (c.a.party.as_str(), c.a.id.as_str()),
                    (c.b.party.as_str(), c.b.id.as_str()),
                ]
            })
            .collect();
        ids.into_par_iter()
            .filter_map(|(party, id)| {
                index
                    .get(party, id)
                    .map(|d| (id, advise(&index, d, &bounds)))
            })
            .collect()
    } else {
        HashMap::new()
    };

    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    for c in &conflicts {
        let pair = match (advice.get(c.a.id.as_str()), advice.get(c.b.id.as_str())) {
            (Some(a), Some(b)) => Some((a, b)),
            _ => None,
        };
        match args.format {
            Format::Json => writeln!(out, "{}", conflict_line(c, pair)),
            Format::Text => writeln!(out, "{}", conflict_text(c, pair)),
        }
        .map_err(CheckError::Output)?;
    }
    out.flush().map_err(CheckError::Output)?;
    if !args.quiet {
        eprintln!(
            "{total} declarations ({volumes} volumes), {} conflicts, {:.3} s",
            conflicts.len(),
            started.elapsed().as_secs_f64()
        );
    }
    Ok(!conflicts.is_empty())
}

fn advice_text(a: &deconflict_strategic::Advice) -> String {
    if !a.can_delay {
        return "none: sites and zones are not moved by advice".to_string();
    }
    let delay = a
        .delay_ms
        .map_or("no delay within bounds".to_string(), |ms| {
            format!("delay {}h{:02}m", ms / 3_600_000, (ms / 60_000) % 60)
        });
    let climb = a.climb_m.map_or("no climb".to_string(), |m| {
        format!("climb {m:.0} m ({:.0} ft)", m / 0.3048)
    });
    let descend = a.descend_m.map_or("no descent".to_string(), |m| {
        format!("descend {m:.0} m ({:.0} ft)", m / 0.3048)
    });
    if a.can_change_height {
        format!("{delay}, {climb}, {descend}")
    } else {
        delay
    }
}

/// One readable line per conflict (and one per side for advice), metres with feet beside them.
fn conflict_text(
    c: &Conflict,
    advice: Option<(&deconflict_strategic::Advice, &deconflict_strategic::Advice)>,
) -> String {
    use deconflict_space::units::format_time;
    let mut line = format!(
        "{} ({}) x {} ({}): {:.1} km apart, vertical gap {:.0} m ({:.0} ft), {} to {}",
        c.a.id,
        c.a.party,
        c.b.id,
        c.b.party,
        c.distance_m / 1000.0,
        c.vertical_gap_m,
        c.vertical_gap_m / 0.3048,
        format_time(c.window.start_ms),
        format_time(c.window.end_ms)
    );
    if let Some((a, b)) = advice {
        line.push_str(&format!("\n    advice for {}: {}", c.a.id, advice_text(a)));
        line.push_str(&format!("\n    advice for {}: {}", c.b.id, advice_text(b)));
    }
    line
}
