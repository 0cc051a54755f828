//! The log's signing key: generated on first start, stored in the data directory with owner-only
//! permissions, and its public half beside it for anyone to copy into a policy.

use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use deconflict_ledger::note::{KeyType, Signer};
use rand::RngCore;

use crate::port::StoreError;

/// Where the private key lives.
pub fn key_path(dir: &Path) -> PathBuf {
    dir.join("log.key")
}

/// Where the verifier key (`name+id+key`) is written.
pub fn public_key_path(dir: &Path) -> PathBuf {
    dir.join("log.pub")
}

fn io(path: &Path, e: std::io::Error) -> StoreError {
    StoreError::Storage(format!("{}: {e}", path.display()))
}

/// Writes `text` to `path` atomically: a temporary file (mode `mode`), fsync, rename, fsync of the directory.
/// A crash leaves either the old file or the new one, never a partial one.
pub fn write_atomically(path: &Path, text: &str, mode: u32) -> Result<(), StoreError> {
    let name = path
        .file_name()
        .map_or_else(|| "key".into(), |n| n.to_string_lossy().into_owned());
    let tmp = path.with_file_name(format!("{name}.tmp"));
    let _ = std::fs::remove_file(&tmp);
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(&tmp)
        .map_err(|e| io(&tmp, e))?;
    f.write_all(text.as_bytes()).map_err(|e| io(&tmp, e))?;
    f.sync_all().map_err(|e| io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| io(path, e))?;
    if let Some(dir) = path.parent() {
        std::fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| io(dir, e))?;
    }
    Ok(())
}

/// Creates `dir` and any missing parents so that they survive a power loss: each directory created is
/// recorded durably in its parent (the parent is fsynced), as a new file is by the fsync of its directory.
pub fn create_dir_durably(dir: &Path) -> Result<(), StoreError> {
    let mut missing = Vec::new();
    let mut at = Some(dir);
    while let Some(d) = at {
        if d.as_os_str().is_empty() || d.is_dir() {
            break;
        }
        missing.push(d);
        at = d.parent();
    }
    for d in missing.iter().rev() {
        match std::fs::create_dir(d) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(io(d, e)),
        }
        let parent = d
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::File::open(parent)
            .and_then(|p| p.sync_all())
            .map_err(|e| io(parent, e))?;
    }
    Ok(())
}

/// Makes sure `log.pub` holds the key's verifier key (a crash may have come between writing the two files).
fn ensure_public_key(dir: &Path, signer: &Signer) -> Result<(), StoreError> {
    let public = public_key_path(dir);
    let vkey = format!("{}\n", signer.verifier().to_vkey());
    if std::fs::read_to_string(&public).ok().as_deref() != Some(vkey.as_str()) {
        write_atomically(&public, &vkey, 0o644)?;
    }
    Ok(())
}

/// Reads the log key, or creates it (mode 0600) for `origin` when there is none. An existing key for another
/// origin is an error: a log never changes its name. Both files are written atomically, and `log.pub` is
/// restored from the key if a crash left it missing.
pub fn load_or_create_log_key(dir: &Path, origin: &str) -> Result<Signer, StoreError> {
    let path = key_path(dir);
    let signer = match std::fs::read_to_string(&path) {
        Ok(text) => {
            let signer = Signer::parse(&text)
                .map_err(|e| StoreError::Corrupt(format!("{}: {e}", path.display())))?;
            if signer.verifier().name != origin {
                return Err(StoreError::Storage(format!(
                    "{} holds the key of log {:?}, not {origin:?}",
                    path.display(),
                    signer.verifier().name
                )));
            }
            signer
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            create_dir_durably(dir)?;
            let mut seed = [0u8; 32];
            rand::rngs::OsRng.fill_bytes(&mut seed);
            let signer = Signer::from_seed(origin, KeyType::Ed25519, seed)
                .map_err(|e| StoreError::Storage(format!("log name: {e}")))?;
            write_atomically(&path, &format!("{}\n", signer.to_skey()), 0o600)?;
            signer
        }
        Err(e) => return Err(io(&path, e)),
    };
    ensure_public_key(dir, &signer)?;
    Ok(signer)
}
