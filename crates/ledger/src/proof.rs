//! C2SP `tlog-proof@v1`: an offline proof that an entry is in a log, with the log's checkpoint (and its
//! witnesses' cosignatures) attached.
//!
//! ```text
//! c2sp.org/tlog-proof@v1
//! [extra <base64>]
//! index <decimal>
//! <base64 hash, from the leaf's sibling up>…
//!
//! <signed checkpoint note>
//! ```

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;

use crate::merkle::Hash;
use crate::note::NoteError;

const HEADER: &str = "c2sp.org/tlog-proof@v1";

/// A parsed proof file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlogProof {
    /// Unauthenticated extra data.
    pub extra: Option<Vec<u8>>,
    pub index: u64,
    pub hashes: Vec<Hash>,
    /// The signed checkpoint note, verbatim.
    pub checkpoint: String,
}

impl TlogProof {
    pub fn to_text(&self) -> String {
        let mut s = format!("{HEADER}\n");
        if let Some(extra) = &self.extra {
            s.push_str(&format!("extra {}\n", B64.encode(extra)));
        }
        s.push_str(&format!("index {}\n", self.index));
        for h in &self.hashes {
            s.push_str(&B64.encode(h));
            s.push('\n');
        }
        s.push('\n');
        s.push_str(&self.checkpoint);
        s
    }

    pub fn parse(text: &str) -> Result<Self, NoteError> {
        let bad = |why: String| NoteError::Malformed(format!("tlog-proof: {why}"));
        let (head, checkpoint) = text
            .split_once("\n\n")
            .ok_or_else(|| bad("no blank line before the checkpoint".into()))?;
        let mut lines = head.split('\n');
        if lines.next() != Some(HEADER) {
            return Err(bad(format!("the first line must be {HEADER}")));
        }
        let mut line = lines
            .next()
            .ok_or_else(|| bad("the index line is missing".into()))?;
        let mut extra = None;
        if let Some(b64) = line.strip_prefix("extra ") {
            extra = Some(
                B64.decode(b64)
                    .map_err(|e| bad(format!("extra is not base64: {e}")))?,
            );
            line = lines
                .next()
                .ok_or_else(|| bad("the index line is missing".into()))?;
        }
        let digits = line
            .strip_prefix("index ")
            .ok_or_else(|| bad(format!("expected 'index N', found {line:?}")))?;
        let index_ok = !digits.is_empty()
            && digits.bytes().all(|b| b.is_ascii_digit())
            && (digits == "0" || !digits.starts_with('0'));
        let index: u64 = digits.parse().ok().filter(|_| index_ok).ok_or_else(|| {
            bad(format!(
                "index {digits:?} is not a decimal without leading zeroes"
            ))
        })?;
        let hashes = lines
            .enumerate()
            .map(|(i, l)| {
                B64.decode(l)
                    .ok()
                    .and_then(|b| Hash::try_from(b).ok())
                    .ok_or_else(|| bad(format!("proof hash {i} is not 32 bytes of base64")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(TlogProof {
            extra,
            index,
            hashes,
            checkpoint: checkpoint.to_string(),
        })
    }
}
