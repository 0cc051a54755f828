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

/// Reads the log key, or creates it (mode 0600) for `origin` when there is none. An existing key for another
/// origin is an error: a log never changes its name.
pub fn load_or_create_log_key(dir: &Path, origin: &str) -> Result<Signer, StoreError> {
    let path = key_path(dir);
    match std::fs::read_to_string(&path) {
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
            Ok(signer)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
            let mut seed = [0u8; 32];
            rand::rngs::OsRng.fill_bytes(&mut seed);
            let signer = Signer::from_seed(origin, KeyType::Ed25519, seed)
                .map_err(|e| StoreError::Storage(format!("log name: {e}")))?;
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&path)
                .map_err(|e| io(&path, e))?;
            f.write_all(format!("{}\n", signer.to_skey()).as_bytes())
                .map_err(|e| io(&path, e))?;
            f.sync_all().map_err(|e| io(&path, e))?;
            let public = public_key_path(dir);
            std::fs::write(&public, format!("{}\n", signer.verifier().to_vkey()))
                .map_err(|e| io(&public, e))?;
            Ok(signer)
        }
        Err(e) => Err(io(&path, e)),
    }
}
