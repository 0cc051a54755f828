//! C2SP `signed-note` with Ed25519 (type 0x01) and C2SP `tlog-cosignature` v1 (timestamped Ed25519, type
//! 0x04): keys in their text forms, signing, parsing and verifying notes.
//!
//! - verifier key: `<name>+<8 hex key id>+<base64(type ‖ 32-byte public key)>`
//! - signer key: `PRIVATE+KEY+<name>+<8 hex key id>+<base64(type ‖ 32-byte seed)>`
//! - key id: the first 4 bytes of `SHA-256(name ‖ 0x0A ‖ type ‖ public key)`, big-endian
//! - signature line: `— <name> <base64(key id ‖ signature)>`; for cosignatures the signature is
//!   `timestamp (u64, big-endian) ‖ Ed25519 signature` over `cosignature/v1\ntime <timestamp>\n` ‖ note text.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use ed25519_dalek::{Signer as _, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

/// The signature types this crate knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyType {
    /// 0x01: a log signing its checkpoints (and any signed note).
    Ed25519,
    /// 0x04: a witness cosigning a checkpoint, with a timestamp.
    Cosignature,
}

impl KeyType {
    fn byte(self) -> u8 {
        match self {
            KeyType::Ed25519 => 0x01,
            KeyType::Cosignature => 0x04,
        }
    }

    fn from_byte(b: u8) -> Option<Self> {
        match b {
            0x01 => Some(KeyType::Ed25519),
            0x04 => Some(KeyType::Cosignature),
            _ => None,
        }
    }
}

/// Problems with keys, notes and signatures.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    #[error("malformed key: {0}")]
    MalformedKey(String),
    #[error("key name {0:?} is empty or contains a space or '+'")]
    BadKeyName(String),
    #[error("malformed note: {0}")]
    Malformed(String),
    #[error("the signature of {name} (key id {id:08x}) does not verify")]
    BadSignature { name: String, id: u32 },
}

fn check_name(name: &str) -> Result<(), NoteError> {
    if name.is_empty() || name.contains('+') || name.chars().any(char::is_whitespace) {
        return Err(NoteError::BadKeyName(name.to_string()));
    }
    Ok(())
}

/// `SHA-256(name ‖ 0x0A ‖ type ‖ public key)[:4]` as a big-endian integer.
pub fn key_id(name: &str, kind: KeyType, public: &[u8; 32]) -> u32 {
    let mut h = Sha256::new();
    h.update(name.as_bytes());
    h.update([b'\n', kind.byte()]);
    h.update(public);
    let d = h.finalize();
    u32::from_be_bytes([d[0], d[1], d[2], d[3]])
}

/// A public key that verifies signatures of one name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verifier {
    pub name: String,
    pub id: u32,
    pub kind: KeyType,
    pub key: VerifyingKey,
}

impl Verifier {
    pub fn new(name: &str, kind: KeyType, key: VerifyingKey) -> Result<Self, NoteError> {
        check_name(name)?;
        Ok(Verifier {
            name: name.to_string(),
            id: key_id(name, kind, key.as_bytes()),
            kind,
            key,
        })
    }

    /// Parses a verifier key string (`name+hexid+base64`).
    pub fn parse(vkey: &str) -> Result<Self, NoteError> {
        let vkey = vkey.trim();
        let mut parts = vkey.splitn(3, '+');
        let (Some(name), Some(id_hex), Some(b64)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(NoteError::MalformedKey("expected name+keyid+key".into()));
        };
        check_name(name)?;
        let id = u32::from_str_radix(id_hex, 16)
            .ok()
            .filter(|_| id_hex.len() == 8)
            .ok_or_else(|| {
                NoteError::MalformedKey(format!("key id {id_hex:?} is not 8 hex digits"))
            })?;
        let bytes = B64
            .decode(b64)
            .map_err(|e| NoteError::MalformedKey(format!("key is not base64: {e}")))?;
        let (&kind_byte, public) = bytes
            .split_first()
            .ok_or_else(|| NoteError::MalformedKey("empty key".into()))?;
        let kind = KeyType::from_byte(kind_byte).ok_or_else(|| {
            NoteError::MalformedKey(format!("unsupported signature type 0x{kind_byte:02x}"))
        })?;
        let public: [u8; 32] = public.try_into().map_err(|_| {
            NoteError::MalformedKey(format!("an Ed25519 key has 32 bytes, not {}", public.len()))
        })?;
        let key = VerifyingKey::from_bytes(&public)
            .map_err(|e| NoteError::MalformedKey(format!("not an Ed25519 public key: {e}")))?;
        let v = Verifier::new(name, kind, key)?;
        if v.id != id {
            return Err(NoteError::MalformedKey(format!(
                "key id {id:08x} does not match the key (expected {:08x})",
                v.id
            )));
        }
        Ok(v)
    }

    /// The verifier key string.
    pub fn to_vkey(&self) -> String {
        let mut bytes = vec![self.kind.byte()];
        bytes.extend_from_slice(self.key.as_bytes());
        format!("{}+{:08x}+{}", self.name, self.id, B64.encode(bytes))
    }

    /// Whether two verifiers wrap the same public key (whatever their names).
    pub fn same_key(&self, other: &Verifier) -> bool {
        self.key == other.key
    }
}

/// A private key that signs notes (0x01) or cosigns checkpoints (0x04).
#[derive(Clone)]
pub struct Signer {
    verifier: Verifier,
    key: SigningKey,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the private key.
        f.debug_struct("Signer")
            .field("verifier", &self.verifier)
            .finish_non_exhaustive()
    }
}

impl Signer {
    /// A signer from a 32-byte seed.
    pub fn from_seed(name: &str, kind: KeyType, seed: [u8; 32]) -> Result<Self, NoteError> {
        let key = SigningKey::from_bytes(&seed);
        Ok(Signer {
            verifier: Verifier::new(name, kind, key.verifying_key())?,
            key,
        })
    }

    /// Parses a signer key string (`PRIVATE+KEY+name+hexid+base64`).
    pub fn parse(skey: &str) -> Result<Self, NoteError> {
        let rest = skey.trim().strip_prefix("PRIVATE+KEY+").ok_or_else(|| {
            NoteError::MalformedKey("a signer key starts with PRIVATE+KEY+".into())
        })?;
        let mut parts = rest.splitn(3, '+');
        let (Some(name), Some(id_hex), Some(b64)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(NoteError::MalformedKey(
                "expected PRIVATE+KEY+name+keyid+key".into(),
            ));
        };
        let bytes = B64
            .decode(b64)
            .map_err(|e| NoteError::MalformedKey(format!("key is not base64: {e}")))?;
        let (&kind_byte, seed) = bytes
            .split_first()
            .ok_or_else(|| NoteError::MalformedKey("empty key".into()))?;
        let kind = KeyType::from_byte(kind_byte).ok_or_else(|| {
            NoteError::MalformedKey(format!("unsupported signature type 0x{kind_byte:02x}"))
        })?;
        let seed: [u8; 32] = seed
            .try_into()
            .map_err(|_| NoteError::MalformedKey("an Ed25519 seed has 32 bytes".into()))?;
        let s = Signer::from_seed(name, kind, seed)?;
        if format!("{:08x}", s.verifier.id) != id_hex {
            return Err(NoteError::MalformedKey(format!(
                "key id {id_hex} does not match the key"
            )));
        }
        Ok(s)
    }

    /// The signer key string. Keep it secret.
    pub fn to_skey(&self) -> String {
        let mut bytes = vec![self.verifier.kind.byte()];
        bytes.extend_from_slice(self.key.as_bytes());
        format!(
            "PRIVATE+KEY+{}+{:08x}+{}",
            self.verifier.name,
            self.verifier.id,
            B64.encode(bytes)
        )
    }

    pub fn verifier(&self) -> &Verifier {
        &self.verifier
    }

    /// The signature line (with its newline) for a note text; for a cosigner, timestamped `timestamp`.
    pub fn sign(&self, text: &str, timestamp: u64) -> String {
        let mut payload = self.verifier.id.to_be_bytes().to_vec();
        match self.verifier.kind {
            KeyType::Ed25519 => {
                payload.extend_from_slice(&self.key.sign(text.as_bytes()).to_bytes())
            }
            KeyType::Cosignature => {
                let message = cosigned_message(text, timestamp);
                payload.extend_from_slice(&timestamp.to_be_bytes());
                payload.extend_from_slice(&self.key.sign(message.as_bytes()).to_bytes());
            }
        }
        format!("\u{2014} {} {}\n", self.verifier.name, B64.encode(payload))
    }
}

fn cosigned_message(text: &str, timestamp: u64) -> String {
    format!("cosignature/v1\ntime {timestamp}\n{text}")
}

/// One signature line of a note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureLine {
    pub name: String,
    pub id: u32,
    /// The signature bytes after the key id.
    pub signature: Vec<u8>,
}

/// A signed note: its text (ending in a newline) and its signature lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub text: String,
    pub signatures: Vec<SignatureLine>,
}

/// At most this many signature lines are read.
pub const MAX_SIGNATURES: usize = 100;

impl Note {
    /// Parses a signed note.
    pub fn parse(note: &str) -> Result<Self, NoteError> {
        if note.chars().any(|c| c.is_control() && c != '\n') {
            return Err(NoteError::Malformed(
                "control characters other than newline".into(),
            ));
        }
        let split = note.rfind("\n\n").ok_or_else(|| {
            NoteError::Malformed("no blank line between the text and the signatures".into())
        })?;
        let text = &note[..split + 1];
        let sigs = &note[split + 2..];
        if !sigs.ends_with('\n') {
            return Err(NoteError::Malformed(
                "the last signature line does not end in a newline".into(),
            ));
        }
        let mut signatures = Vec::new();
        for line in sigs[..sigs.len() - 1].split('\n') {
            let rest = line.strip_prefix("\u{2014} ").ok_or_else(|| {
                NoteError::Malformed(format!("signature line {line:?} does not start with '— '"))
            })?;
            let (name, b64) = rest.split_once(' ').ok_or_else(|| {
                NoteError::Malformed(format!("signature line {line:?} has no signature"))
            })?;
            check_name(name)?;
            let bytes = B64.decode(b64).map_err(|e| {
                NoteError::Malformed(format!("signature of {name} is not base64: {e}"))
            })?;
            if bytes.len() < 5 {
                return Err(NoteError::Malformed(format!(
                    "signature of {name} is too short"
                )));
            }
            signatures.push(SignatureLine {
                name: name.to_string(),
                id: u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]),
                signature: bytes[4..].to_vec(),
            });
            if signatures.len() > MAX_SIGNATURES {
                return Err(NoteError::Malformed(format!(
                    "more than {MAX_SIGNATURES} signatures"
                )));
            }
        }
        if signatures.is_empty() {
            return Err(NoteError::Malformed("no signature lines".into()));
        }
        Ok(Note {
            text: text.to_string(),
            signatures,
        })
    }

    /// Checks the signature by `v`: `Ok(None)` if the note has none from that key (name and id), `Ok(Some(t))`
    /// if it verifies (`t` is the cosignature's timestamp, 0 for plain signatures), an error if it does not.
    pub fn check(&self, v: &Verifier) -> Result<Option<u64>, NoteError> {
        let Some(line) = self
            .signatures
            .iter()
            .find(|s| s.name == v.name && s.id == v.id)
        else {
            return Ok(None);
        };
        let bad = || NoteError::BadSignature {
            name: v.name.clone(),
            id: v.id,
        };
        let (timestamp, message, sig) = match v.kind {
            KeyType::Ed25519 => (0, self.text.clone(), line.signature.as_slice()),
            KeyType::Cosignature => {
                if line.signature.len() != 8 + 64 {
                    return Err(bad());
                }
                let mut ts = [0u8; 8];
                ts.copy_from_slice(&line.signature[..8]);
                let t = u64::from_be_bytes(ts);
                (t, cosigned_message(&self.text, t), &line.signature[8..])
            }
        };
        let sig = ed25519_dalek::Signature::from_slice(sig).map_err(|_| bad())?;
        v.key
            .verify_strict(message.as_bytes(), &sig)
            .map_err(|_| bad())?;
        Ok(Some(timestamp))
    }

    /// The note as text: the text, a blank line, the signature lines.
    pub fn to_text(&self) -> String {
        let mut out = self.text.clone();
        out.push('\n');
        for s in &self.signatures {
            let mut bytes = s.id.to_be_bytes().to_vec();
            bytes.extend_from_slice(&s.signature);
            out.push_str(&format!("\u{2014} {} {}\n", s.name, B64.encode(bytes)));
        }
        out
    }

    /// Adds a signature line made by [`Signer::sign`], replacing any earlier one by the same key.
    pub fn add(&mut self, line: &str) -> Result<(), NoteError> {
        let parsed = Note::parse(&format!("x\n\n{line}"))?;
        for s in parsed.signatures {
            self.signatures
                .retain(|o| !(o.name == s.name && o.id == s.id));
            self.signatures.push(s);
        }
        Ok(())
    }
}
