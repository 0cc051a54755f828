//! C2SP `tlog-checkpoint`: the note text `origin\nsize\nbase64(root)\n[extension lines]`.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;

use crate::merkle::Hash;
use crate::note::NoteError;

/// A log's tree head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub origin: String,
    pub size: u64,
    pub root: Hash,
    /// Extension lines, non-empty, without newlines.
    pub extensions: Vec<String>,
}

impl Checkpoint {
    /// The note text (ends with a newline).
    pub fn to_text(&self) -> String {
        let mut s = format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            B64.encode(self.root)
        );
        for e in &self.extensions {
            s.push_str(e);
            s.push('\n');
        }
        s
    }

    /// Parses a checkpoint note text.
    pub fn parse(text: &str) -> Result<Self, NoteError> {
        let bad = |why: &str| NoteError::Malformed(format!("checkpoint: {why}"));
        let body = text
            .strip_suffix('\n')
            .ok_or_else(|| bad("the text must end in a newline"))?;
        let lines: Vec<&str> = body.split('\n').collect();
        if lines.len() < 3 {
            return Err(bad("origin, size and root hash lines are needed"));
        }
        if lines[0].is_empty() {
            return Err(bad("the origin is empty"));
        }
        let size_ok = !lines[1].is_empty()
            && lines[1].bytes().all(|b| b.is_ascii_digit())
            && (lines[1] == "0" || !lines[1].starts_with('0'));
        let size: u64 = lines[1]
            .parse()
            .ok()
            .filter(|_| size_ok)
            .ok_or_else(|| bad("the size is not a decimal without leading zeroes"))?;
        let root: Hash = B64
            .decode(lines[2])
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| bad("the root hash is not 32 bytes of base64"))?;
        if lines[3..].iter().any(|l| l.is_empty()) {
            return Err(bad("an extension line is empty"));
        }
        Ok(Checkpoint {
            origin: lines[0].to_string(),
            size,
            root,
            extensions: lines[3..].iter().map(|s| s.to_string()).collect(),
        })
    }
}
