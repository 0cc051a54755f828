//! The `deconflict` command: parses arguments and calls the libraries. Only this crate prints, exits, or
//! uses `anyhow`.

/// The server allocates many small, short-lived values per request; mimalloc serves them with less contention
/// and fragmentation than the system allocator (see docs/BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod bench;
mod bench_dss;
mod bench_ingest;
mod bench_ledger;
mod bench_load;
mod bench_soak;
mod bench_storm;
mod bench_tactical;
mod check;
mod client;
mod demo;
mod dss_token;
mod feed;
mod log;
mod report;
mod serve;
mod tactical;
mod tak;
mod zones;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "deconflict",
    version,
    about = "The deconfliction line as software"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Offline strategic check: prints one JSON object per conflict on stdout.
    ///
    /// Exit status: 0 no conflicts, 1 conflicts, 2 bad input (the message names the record and the field).
    Check(check::CheckArgs),
    /// Offline tactical check of a snapshot of states (CSV: id,lat,lon,alt_m,gs_mps,trk_deg,vs_mps): prints `a,b`
    /// per pair predicted to lose separation, then a summary on stderr.
    ///
    /// Exit status: 0 no conflict, 1 conflicts, 2 bad input (the message names the line and the field).
    Tactical(tactical::TacticalArgs),
    /// Measures the strategic engine or the ledger at benchmark scale and prints Markdown tables.
    Bench(bench::BenchArgs),
    /// A fresh line with the Syria 2017 scenario, served on the embedded store; prints the URL and tokens.
    Demo(demo::DemoArgs),
    /// Declares (or, with --replaces, writes a new version of) a declaration on the line.
    Declare(client::DeclareArgs),
    /// Lists your conflicts.
    Conflicts(client::ListArgs),
    /// Sends a hotline message.
    Send(client::SendArgs),
    /// Shows your inbox (marking messages delivered), or --outbox.
    Inbox(client::InboxArgs),
    /// Acknowledges (or --answer) a hotline message.
    Ack(client::AckArgs),
    /// Follows everything you may see, one JSON event a line.
    Tail(client::TailArgs),
    /// Agreements between parties: list, propose, accept, suspend.
    Agreement(client::AgreementArgs),
    /// A surveillance feed client: SBS-1 lines from a receiver (--connect) or a recording (--replay), or ASTERIX
    /// CAT021/062/048 over UDP (--asterix-udp) or from a recording (--asterix-replay), reported to the line as
    /// your party's tracks.
    Feed(feed::FeedArgs),
    /// The deconfliction line server, on the embedded store.
    Serve(Box<serve::ServeArgs>),
    /// Signs an F3548 access token (RS256 JWT) for the DSS API with a private key, for tests and trials.
    DssToken(dss_token::DssTokenArgs),
    /// Prints the API's OpenAPI 3.1 document (the server serves the same at /openapi.json).
    Openapi,
    /// Parties on the line: register one (prints its token once), list them.
    #[command(subcommand)]
    Party(serve::PartyCommand),
    /// Your after-action record of a window (HTML or PDF, each line with its log sequence number), from the
    /// server (--from, --to; --bundle-out keeps the proof bundle) or from a bundle verified offline
    /// (--bundle, --policy).
    ///
    /// Exit status: 0 written, 1 refused by the server or the bundle does not verify, 2 bad input.
    Report(report::ReportArgs),
    /// The tamper-evident log: verify proofs offline, check a data directory, witness checkpoints.
    #[command(subcommand)]
    Log(log::LogCommand),
    /// EUROCAE ED-318 geographical zones: import a file as your party's zones, export what you may read, or
    /// convert offline (docs/ED318.md).
    ///
    /// Exit status: 0 done, 1 refused by the server, 2 bad input (the message names the feature and the field).
    #[command(subcommand)]
    Zones(zones::ZonesCommand),
    /// The bridge to your party's TAK server (Cursor on Target over TLS): your picture out as shapes, alert
    /// markers and chat; your units' position reports in as your live tracks.
    Tak(tak::TakArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Check(args) => check::run(&args),
        Command::Tactical(args) => tactical::run(&args),
        Command::Log(command) => log::run(&command),
        Command::Report(args) => report::run(&args),
        Command::Serve(args) => serve::serve(&args),
        Command::Demo(args) => demo::demo(&args),
        Command::Declare(args) => client::declare(&args),
        Command::Conflicts(args) => client::conflicts(&args),
        Command::Send(args) => client::send(&args),
        Command::Inbox(args) => client::inbox(&args),
        Command::Ack(args) => client::ack(&args),
        Command::Tail(args) => client::tail(&args),
        Command::Agreement(args) => client::agreement(&args),
        Command::Party(command) => serve::party(&command),
        Command::Feed(args) => feed::run(&args),
        Command::Zones(command) => zones::run(&command),
        Command::Tak(args) => tak::run(&args),
        Command::DssToken(args) => dss_token::run(&args),
        Command::Openapi => {
            let doc = deconflict_server::openapi::document();
            match serde_json::to_string_pretty(&doc) {
                Ok(text) => {
                    println!("{text}");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("deconflict openapi: {e}");
                    ExitCode::from(2)
                }
            }
        }
        Command::Bench(args) => match bench::run(&args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("deconflict bench: {e:#}");
                ExitCode::from(2)
            }
        },
    }
}
