//! `deconflict log …`: offline verification of proofs, fsck of a data directory, proofs and checkpoints for
//! auditors, witnessing, and a stress writer for crash tests.
//!
//! Exit status everywhere: 0 valid, 1 invalid (the reason on stderr), 2 unreadable input or usage error.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use clap::{Args, Subcommand};
use deconflict_ledger::merkle::{
    self, consistency_proof, inclusion_proof, leaf_hash, verify_consistency, Hash, Nodes,
};
use deconflict_ledger::note::{KeyType, Note, Signer, Verifier};
use deconflict_ledger::{Audience, Checkpoint, Policy, TlogProof};
use deconflict_store::keys::{load_or_create_log_key, public_key_path};
use deconflict_store::sqlite::{derive, ReadOnlyLog};
use deconflict_store::{Checkpointer, LogStore, NewEntry, SqliteLog};

#[derive(Subcommand, Debug)]
pub enum LogCommand {
    /// Verifies a tlog-proof file under a tlog-policy: log signature, witness quorum, inclusion of the leaf.
    VerifyProof(VerifyProofArgs),
    /// Re-derives every leaf, node and root of a data directory and checks every stored checkpoint.
    Fsck(FsckArgs),
    /// Prints the latest signed checkpoint of a data directory.
    Checkpoint(DataArgs),
    /// Prints the log's verifier key (for a policy's `log` line).
    Key(DataArgs),
    /// Writes a tlog-proof for one entry against the latest checkpoint.
    Prove(ProveArgs),
    /// Prints a consistency proof between two tree sizes, one base64 hash a line.
    Consistency(ConsistencyArgs),
    /// Witness: make a key, or cosign a checkpoint after checking it is consistent with the last one cosigned.
    #[command(subcommand)]
    Witness(WitnessCommand),
    /// Appends test entries as fast as it can, printing `ok <seq> <leaf hash>` once each is durable.
    Stress(StressArgs),
}

#[derive(Args, Debug)]
pub struct FsckArgs {
    /// The data directory (with a PostgreSQL log: the directory of its log key).
    #[arg(long, value_name = "DIR")]
    pub data: PathBuf,
    /// Check the log in this PostgreSQL database instead of the embedded store in --data.
    #[arg(long, value_name = "URL", env = "DECONFLICT_DATABASE_URL")]
    pub database_url: Option<String>,
}

#[derive(Args, Debug)]
pub struct DataArgs {
    /// The data directory.
    #[arg(long, value_name = "DIR")]
    pub data: PathBuf,
}

#[derive(Args, Debug)]
pub struct VerifyProofArgs {
    #[arg(long, value_name = "FILE")]
    pub policy: PathBuf,
    /// A c2sp.org/tlog-proof@v1 of one entry (with --leaf or --leaf-hash).
    #[arg(long, value_name = "FILE", required_unless_present = "bundle")]
    pub proof: Option<PathBuf>,
    /// A proof bundle (deconflict-proof-bundle@v1: many entries with their contents, for one party, against
    /// one checkpoint), as incident reports and after-action records carry: checks every entry's inclusion,
    /// that its content is the one its leaf commits to, and that the bundle's party was in its audience.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["proof", "leaf", "leaf_hash", "told"])]
    pub bundle: Option<PathBuf>,
    /// The leaf's bytes (its hash is SHA-256(0x00 ‖ bytes)).
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with = "leaf_hash",
        required_unless_present_any = ["leaf_hash", "bundle"]
    )]
    pub leaf: Option<PathBuf>,
    /// The leaf hash, 64 hex digits.
    #[arg(long, value_name = "HEX")]
    pub leaf_hash: Option<String>,
    /// Also check that PARTY was in the entry's audience. For a sealed audience give its opening as
    /// PARTY=SALT (32 hex digits; the server's `deconflict-audience-openings` header on the leaf). Repeatable;
    /// needs --leaf.
    #[arg(long, value_name = "PARTY[=SALT]", requires = "leaf")]
    pub told: Vec<String>,
}

#[derive(Args, Debug)]
pub struct ProveArgs {
    #[arg(long, value_name = "DIR")]
    pub data: PathBuf,
    /// The entry's sequence number.
    #[arg(long)]
    pub seq: u64,
    /// Also write the entry's leaf bytes here.
    #[arg(long, value_name = "FILE")]
    pub leaf_out: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct ConsistencyArgs {
    #[arg(long, value_name = "DIR")]
    pub data: PathBuf,
    #[arg(long)]
    pub from: u64,
    /// Defaults to the size of the latest checkpoint.
    #[arg(long)]
    pub to: Option<u64>,
}

#[derive(Subcommand, Debug)]
pub enum WitnessCommand {
    /// Creates a witness key (mode 0600) and prints its verifier key.
    Init {
        /// The witness's name, e.g. `witness.un-ocha.example`.
        #[arg(long)]
        name: String,
        #[arg(long, value_name = "FILE")]
        key: PathBuf,
    },
    /// Cosigns a checkpoint; prints it with the cosignature added.
    Cosign(CosignArgs),
}

#[derive(Args, Debug)]
pub struct CosignArgs {
    /// The witness key made by `witness init`.
    #[arg(long, value_name = "FILE")]
    pub key: PathBuf,
    /// Where this witness remembers the last checkpoint it cosigned for this log.
    #[arg(long, value_name = "FILE")]
    pub state: PathBuf,
    /// The log's verifier key.
    #[arg(long, value_name = "VKEY")]
    pub log_key: String,
    /// The signed checkpoint to cosign.
    #[arg(long, value_name = "FILE")]
    pub checkpoint: PathBuf,
    /// Consistency proof from the last cosigned checkpoint (as printed by `log consistency`).
    #[arg(long, value_name = "FILE")]
    pub consistency: Option<PathBuf>,
    /// Where to write evidence of an inconsistent log (default: beside the state file).
    #[arg(long, value_name = "DIR")]
    pub evidence: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct StressArgs {
    #[arg(long, value_name = "DIR")]
    pub data: PathBuf,
    /// The log's name (origin of its checkpoints).
    #[arg(long, default_value = "deconflict.example/log")]
    pub origin: String,
    /// Concurrent writers.
    #[arg(long, default_value_t = 4)]
    pub writers: usize,
    /// Entries to append in all (0: until killed).
    #[arg(long, default_value_t = 0)]
    pub count: u64,
}

/// A failure with its exit status.
struct Failure {
    code: u8,
    message: String,
}

fn invalid(message: impl Into<String>) -> Failure {
    Failure {
        code: 1,
        message: message.into(),
    }
}

fn unreadable(message: impl Into<String>) -> Failure {
    Failure {
        code: 2,
        message: message.into(),
    }
}

fn read(path: &Path) -> Result<String, Failure> {
    std::fs::read_to_string(path).map_err(|e| unreadable(format!("{}: {e}", path.display())))
}

pub fn run(command: &LogCommand) -> ExitCode {
    let result = match command {
        LogCommand::VerifyProof(a) => verify_proof(a),
        LogCommand::Fsck(a) => match &a.database_url {
            Some(url) => fsck_postgres(url, &a.data),
            None => fsck(&a.data),
        },
        LogCommand::Checkpoint(a) => latest_checkpoint(&a.data).map(|c| print!("{c}")),
        LogCommand::Key(a) => read(&public_key_path(&a.data)).map(|k| print!("{k}")),
        LogCommand::Prove(a) => prove(a),
        LogCommand::Consistency(a) => consistency(a),
        LogCommand::Witness(WitnessCommand::Init { name, key }) => witness_init(name, key),
        LogCommand::Witness(WitnessCommand::Cosign(a)) => cosign(a),
        LogCommand::Stress(a) => stress(a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("deconflict log: {}", f.message);
            ExitCode::from(f.code)
        }
    }
}

fn verify_proof(a: &VerifyProofArgs) -> Result<(), Failure> {
    let policy = Policy::parse(&read(&a.policy)?)
        .map_err(|e| unreadable(format!("{}: {e}", a.policy.display())))?;
    if let Some(path) = &a.bundle {
        return verify_bundle(&policy, path);
    }
    let Some(proof_path) = &a.proof else {
        return Err(unreadable(
            "give --proof FILE (with --leaf or --leaf-hash) or --bundle FILE",
        ));
    };
    let proof = TlogProof::parse(&read(proof_path)?)
        .map_err(|e| unreadable(format!("{}: {e}", proof_path.display())))?;
    let leaf: Hash = match (&a.leaf, &a.leaf_hash) {
        (Some(path), _) => {
            let bytes =
                std::fs::read(path).map_err(|e| unreadable(format!("{}: {e}", path.display())))?;
            check_told(&bytes, &a.told, path)?;
            leaf_hash(&bytes)
        }
        (None, Some(hex_hash)) => hex::decode(hex_hash.trim())
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| unreadable(format!("--leaf-hash {hex_hash:?} is not 64 hex digits")))?,
        (None, None) => return Err(unreadable("give --leaf FILE or --leaf-hash HEX")),
    };
    let v = policy
        .verify_proof(&proof, &leaf)
        .map_err(|e| invalid(format!("invalid proof: {e}")))?;
    eprintln!(
        "valid: entry {} is in {} at size {} (cosigned by {})",
        proof.index,
        v.log,
        v.checkpoint.size,
        if v.witnesses.is_empty() {
            "no witness".to_string()
        } else {
            v.witnesses.join(", ")
        }
    );
    Ok(())
}

/// Checks a proof bundle under a policy: every entry, or the first that fails, named.
fn verify_bundle(policy: &Policy, path: &Path) -> Result<(), Failure> {
    use deconflict_ledger::ProofBundle;
    let text = read(path)?;
    let json: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| unreadable(format!("{}: not JSON: {e}", path.display())))?;
    let bundle = ProofBundle::from_json(&json)
        .map_err(|e| unreadable(format!("{}: {e}", path.display())))?;
    let v = bundle
        .verify(policy)
        .map_err(|e| invalid(format!("invalid bundle {}: {e}", path.display())))?;
    eprintln!(
        "valid: {} entries are in {} at size {} (cosigned by {}); each content is the one its leaf commits to; {} was in the audience of each",
        v.entries,
        v.checkpoint.log,
        v.checkpoint.checkpoint.size,
        if v.checkpoint.witnesses.is_empty() {
            "no witness".to_string()
        } else {
            v.checkpoint.witnesses.join(", ")
        },
        v.party
    );
    Ok(())
}

/// Checks that each `PARTY[=SALT]` of `told` is in the audience the leaf commits to.
fn check_told(leaf: &[u8], told: &[String], path: &Path) -> Result<(), Failure> {
    use deconflict_ledger::entry::{audience_commitment, EntryHeader};
    if told.is_empty() {
        return Ok(());
    }
    let header = EntryHeader::parse(leaf)
        .map_err(|e| unreadable(format!("{}: not a leaf: {e}", path.display())))?;
    for t in told {
        let (party, salt) = match t.split_once('=') {
            Some((p, s)) => {
                let salt: [u8; 16] = hex::decode(s.trim())
                    .ok()
                    .and_then(|b| b.try_into().ok())
                    .ok_or_else(|| {
                        unreadable(format!("--told {t:?}: the salt is not 32 hex digits"))
                    })?;
                (p, Some(salt))
            }
            None => (t.as_str(), None),
        };
        let ok = match (&header.audience, salt) {
            (Audience::Commitments(c), Some(salt)) => {
                c.contains(&audience_commitment(party, &salt))
            }
            (Audience::Commitments(_), None) => {
                return Err(unreadable(format!(
                    "--told {party}: the audience is sealed; give {party}=SALT"
                )))
            }
            (audience, _) => audience.includes(party),
        };
        if !ok {
            return Err(invalid(format!(
                "{party} is not in the audience of entry {}",
                header.seq
            )));
        }
        eprintln!("told: {party} is in the audience of entry {}", header.seq);
    }
    Ok(())
}

fn open_read_only(dir: &Path) -> Result<ReadOnlyLog, Failure> {
    ReadOnlyLog::open(dir).map_err(|e| unreadable(format!("{}: {e}", dir.display())))
}

fn log_verifier(dir: &Path) -> Result<Verifier, Failure> {
    let path = public_key_path(dir);
    Verifier::parse(&read(&path)?).map_err(|e| unreadable(format!("{}: {e}", path.display())))
}

/// The checkpoints signed by the log key in `dir`, parsed; every other one is a problem.
fn signed_checkpoints(
    checkpoints: &[deconflict_store::StoredCheckpoint],
    dir: &Path,
    problems: &mut Vec<String>,
) -> Result<Vec<Checkpoint>, Failure> {
    if checkpoints.is_empty() {
        return Ok(Vec::new());
    }
    let key = log_verifier(dir)?;
    let mut parsed = Vec::new();
    for c in checkpoints {
        match Note::parse(&c.note).map(|n| (n.check(&key), n)) {
            Ok((Ok(Some(_)), n)) => {
                if let Ok(cp) = Checkpoint::parse(&n.text) {
                    parsed.push(cp);
                }
            }
            Ok((Ok(None), _)) => problems.push(format!(
                "checkpoint of size {} is not signed by the log key",
                c.size
            )),
            Ok((Err(e), _)) | Err(e) => {
                problems.push(format!("checkpoint of size {}: {e}", c.size))
            }
        }
    }
    Ok(parsed)
}

/// Each earlier checkpoint against the latest, by a consistency proof from `tree`.
fn check_consistency<N: Nodes>(
    tree: &N,
    parsed: &[Checkpoint],
    problems: &mut Vec<String>,
) -> Result<(), Failure>
where
    N::Error: std::fmt::Display,
{
    let Some(latest) = parsed.last() else {
        return Ok(());
    };
    for cp in &parsed[..parsed.len() - 1] {
        let proof = consistency_proof(tree, cp.size, latest.size)
            .map_err(|e| unreadable(e.to_string()))?
            .map_err(|e| invalid(e.to_string()))?;
        if let Err(e) = verify_consistency(cp.size, latest.size, &cp.root, &latest.root, &proof) {
            problems.push(format!(
                "checkpoint of size {} is not consistent with the latest ({}): {e}",
                cp.size, latest.size
            ));
        }
    }
    Ok(())
}

/// Prints fsck's verdict on the log `place` names.
fn verdict(
    problems: &[String],
    size: u64,
    nodes: u64,
    checkpoints: usize,
    started: Instant,
    place: &str,
) -> Result<(), Failure> {
    if problems.is_empty() {
        println!(
            "ok: {size} entries, {nodes} nodes and {checkpoints} checkpoints re-derived and consistent in {:.2} s",
            started.elapsed().as_secs_f64()
        );
        Ok(())
    } else {
        for p in problems {
            println!("problem: {p}");
        }
        Err(invalid(format!("{} problems in {place}", problems.len())))
    }
}

/// `fsck` of a log in PostgreSQL: every entry, leaf and node re-derived through the store, the end row equal
/// to the number of entries, every checkpoint's root compared with the re-derived one, signed by the log key
/// in `dir`, and consistent with the latest.
#[cfg(not(feature = "postgres"))]
fn fsck_postgres(url: &str, _dir: &Path) -> Result<(), Failure> {
    Err(unreadable(format!(
        "{url}: this build has no PostgreSQL store (build deconflict with the `postgres` feature)"
    )))
}

#[cfg(feature = "postgres")]
fn fsck_postgres(url: &str, dir: &Path) -> Result<(), Failure> {
    let started = Instant::now();
    let store = deconflict_store::PgLog::open(url).map_err(|e| unreadable(e.to_string()))?;
    let report = deconflict_store::check::check(&store).map_err(|e| unreadable(e.to_string()))?;
    let mut problems = report.problems;
    // Appends start where the end row says: it must be the number of entries, or the next append would
    // collide or leave a gap.
    let head = store.head().map_err(|e| unreadable(e.to_string()))?;
    if head != report.size {
        problems.push(format!(
            "the log's end row (log_head) says {head} entries where {} are stored",
            report.size
        ));
    }
    let checkpoints = store.checkpoints().map_err(|e| unreadable(e.to_string()))?;
    let parsed = signed_checkpoints(&checkpoints, dir, &mut problems)?;
    check_consistency(&deconflict_store::Tree(&store), &parsed, &mut problems)?;
    verdict(
        &problems,
        report.size,
        report.nodes_checked,
        checkpoints.len(),
        started,
        "the database",
    )
}

fn fsck(dir: &Path) -> Result<(), Failure> {
    let started = Instant::now();
    let log = open_read_only(dir)?;
    let d = derive(log.connection(), true).map_err(|e| unreadable(e.to_string()))?;
    let mut problems = d.problems.clone();
    let checkpoints = log.checkpoints().map_err(|e| unreadable(e.to_string()))?;
    let parsed = signed_checkpoints(&checkpoints, dir, &mut problems)?;
    check_consistency(&log, &parsed, &mut problems)?;
    verdict(
        &problems,
        d.size,
        d.nodes_checked,
        checkpoints.len(),
        started,
        &dir.display().to_string(),
    )
}

fn latest_checkpoint(dir: &Path) -> Result<String, Failure> {
    let log = open_read_only(dir)?;
    let all = log.checkpoints().map_err(|e| unreadable(e.to_string()))?;
    all.last()
        .map(|c| c.note.clone())
        .ok_or_else(|| invalid(format!("{} has no checkpoint yet", dir.display())))
}

fn prove(a: &ProveArgs) -> Result<(), Failure> {
    let note_text = latest_checkpoint(&a.data)?;
    let log = open_read_only(&a.data)?;
    let note = Note::parse(&note_text).map_err(|e| invalid(e.to_string()))?;
    let cp = Checkpoint::parse(&note.text).map_err(|e| invalid(e.to_string()))?;
    let entry = log
        .entry(a.seq)
        .map_err(|e| unreadable(e.to_string()))?
        .ok_or_else(|| invalid(format!("entry {} does not exist", a.seq)))?;
    let hashes = inclusion_proof(&log, a.seq, cp.size)
        .map_err(|e| unreadable(e.to_string()))?
        .map_err(|e| invalid(format!("{e} (the latest checkpoint has size {})", cp.size)))?;
    let proof = TlogProof {
        extra: None,
        index: a.seq,
        hashes,
        checkpoint: note_text,
    };
    if let Some(path) = &a.leaf_out {
        std::fs::write(path, entry.header.leaf())
            .map_err(|e| unreadable(format!("{}: {e}", path.display())))?;
    }
    print!("{}", proof.to_text());
    Ok(())
}

fn consistency(a: &ConsistencyArgs) -> Result<(), Failure> {
    let log = open_read_only(&a.data)?;
    let to = match a.to {
        Some(t) => t,
        None => {
            let note =
                Note::parse(&latest_checkpoint(&a.data)?).map_err(|e| invalid(e.to_string()))?;
            Checkpoint::parse(&note.text)
                .map_err(|e| invalid(e.to_string()))?
                .size
        }
    };
    let proof = consistency_proof(&log, a.from, to)
        .map_err(|e| unreadable(e.to_string()))?
        .map_err(|e| invalid(e.to_string()))?;
    for h in proof {
        println!("{}", B64.encode(h));
    }
    Ok(())
}

fn write_private(path: &Path, text: &str) -> Result<(), Failure> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| unreadable(format!("{}: {e}", path.display())))?;
    f.write_all(text.as_bytes())
        .and_then(|()| f.sync_all())
        .map_err(|e| unreadable(format!("{}: {e}", path.display())))
}

fn witness_init(name: &str, key: &Path) -> Result<(), Failure> {
    use rand::RngCore;
    let mut seed = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut seed);
    let signer = Signer::from_seed(name, KeyType::Cosignature, seed)
        .map_err(|e| unreadable(e.to_string()))?;
    write_private(key, &format!("{}\n", signer.to_skey()))?;
    println!("{}", signer.verifier().to_vkey());
    Ok(())
}

/// Writes both checkpoints and the proof that failed, so the witness can show the log lied.
fn write_evidence(
    dir: &Path,
    old: &str,
    new: &str,
    proof: &str,
    why: &str,
) -> Result<PathBuf, Failure> {
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let out = dir.join(format!("evidence-{stamp}"));
    std::fs::create_dir_all(&out).map_err(|e| unreadable(format!("{}: {e}", out.display())))?;
    for (name, text) in [
        ("old.checkpoint", old),
        ("new.checkpoint", new),
        ("consistency.proof", proof),
        ("reason.txt", why),
    ] {
        std::fs::write(out.join(name), text)
            .map_err(|e| unreadable(format!("{}: {e}", out.join(name).display())))?;
    }
    Ok(out)
}

fn cosign(a: &CosignArgs) -> Result<(), Failure> {
    let key_text = read(&a.key)?;
    let witness =
        Signer::parse(&key_text).map_err(|e| unreadable(format!("{}: {e}", a.key.display())))?;
    if witness.verifier().kind != KeyType::Cosignature {
        return Err(unreadable(format!(
            "{} is not a witness (cosignature) key",
            a.key.display()
        )));
    }
    let log_key = Verifier::parse(&a.log_key).map_err(|e| unreadable(format!("--log-key: {e}")))?;
    let new_text = read(&a.checkpoint)?;
    let mut note = Note::parse(&new_text)
        .map_err(|e| unreadable(format!("{}: {e}", a.checkpoint.display())))?;
    let new = Checkpoint::parse(&note.text)
        .map_err(|e| unreadable(format!("{}: {e}", a.checkpoint.display())))?;
    if new.origin != log_key.name {
        return Err(invalid(format!(
            "the checkpoint's origin {:?} is not the log {:?}",
            new.origin, log_key.name
        )));
    }
    match note.check(&log_key) {
        Ok(Some(_)) => {}
        Ok(None) => return Err(invalid("the checkpoint is not signed by the log key")),
        Err(e) => return Err(invalid(e.to_string())),
    }
    let previous = match std::fs::read_to_string(&a.state) {
        Ok(t) => Some(t),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(unreadable(format!("{}: {e}", a.state.display()))),
    };
    if let Some(old_text) = &previous {
        let old_note =
            Note::parse(old_text).map_err(|e| unreadable(format!("{}: {e}", a.state.display())))?;
        let old = Checkpoint::parse(&old_note.text)
            .map_err(|e| unreadable(format!("{}: {e}", a.state.display())))?;
        let proof_text = match &a.consistency {
            Some(p) => read(p)?,
            None => String::new(),
        };
        let proof: Result<Vec<Hash>, _> = proof_text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                B64.decode(l.trim())
                    .ok()
                    .and_then(|b| Hash::try_from(b).ok())
                    .ok_or(())
            })
            .collect();
        let proof = proof
            .map_err(|()| unreadable("the consistency proof is not base64 hashes, one a line"))?;
        if let Err(e) = merkle::verify_consistency(old.size, new.size, &old.root, &new.root, &proof)
        {
            let why = format!(
                "checkpoint of size {} is not consistent with the last cosigned checkpoint of size {}: {e}",
                new.size, old.size
            );
            let dir = a.evidence.clone().unwrap_or_else(|| {
                a.state
                    .parent()
                    .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
            });
            let out = write_evidence(&dir, old_text, &new_text, &proof_text, &why)?;
            return Err(invalid(format!(
                "refused: {why}; evidence written to {}",
                out.display()
            )));
        }
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let line = witness.sign(&note.text, now);
    note.add(&line).map_err(|e| unreadable(e.to_string()))?;
    // Remember what was cosigned before saying so: write, sync, then rename over the old state.
    deconflict_store::keys::write_atomically(&a.state, &new_text, 0o644)
        .map_err(|e| unreadable(e.to_string()))?;
    print!("{}", note.to_text());
    Ok(())
}

fn stress(a: &StressArgs) -> Result<(), Failure> {
    let store = Arc::new(SqliteLog::open(&a.data).map_err(|e| unreadable(e.to_string()))?);
    let signer =
        load_or_create_log_key(&a.data, &a.origin).map_err(|e| unreadable(e.to_string()))?;
    let out = Arc::new(Mutex::new(BufWriter::new(std::io::stdout())));
    {
        let store = Arc::clone(&store);
        std::thread::spawn(move || {
            let mut cp = Checkpointer::new(signer, Duration::from_millis(20));
            loop {
                let _ = cp.tick(store.as_ref(), Instant::now());
                std::thread::sleep(Duration::from_millis(5));
            }
        });
    }
    let per_writer = if a.count == 0 {
        u64::MAX
    } else {
        a.count.div_ceil(a.writers.max(1) as u64)
    };
    let writers: Vec<_> = (0..a.writers.max(1))
        .map(|w| {
            let (store, out) = (Arc::clone(&store), Arc::clone(&out));
            std::thread::spawn(move || -> Result<(), String> {
                for i in 0..per_writer {
                    let entry = NewEntry {
                        time_ms: 1_497_794_400_000 + i as i64,
                        kind: "stress.entry".into(),
                        actor: format!("writer-{w}"),
                        audience: Audience::Everyone,
                        content: serde_json::json!({"writer": w, "i": i}),
                    };
                    let a = store.append(None, vec![entry]).map_err(|e| e.to_string())?;
                    let mut o = out.lock().map_err(|_| "stdout lock poisoned".to_string())?;
                    writeln!(o, "ok {} {}", a.first_seq, hex::encode(a.leaf_hashes[0]))
                        .and_then(|()| o.flush())
                        .map_err(|e| e.to_string())?;
                }
                Ok(())
            })
        })
        .collect();
    for w in writers {
        w.join()
            .map_err(|_| invalid("a writer panicked"))?
            .map_err(|e| invalid(format!("append failed: {e}")))?;
    }
    // A last checkpoint covering everything written.
    let signer =
        load_or_create_log_key(&a.data, &a.origin).map_err(|e| unreadable(e.to_string()))?;
    Checkpointer::new(signer, Duration::ZERO)
        .sign_now(store.as_ref(), Instant::now())
        .map_err(|e| invalid(e.to_string()))?;
    Ok(())
}
