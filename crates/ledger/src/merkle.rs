//! RFC 9162 §2.1 Merkle tree hashing, inclusion and consistency proofs: making them from a source of
//! perfect-subtree hashes, and verifying them with nothing but hashes.
//!
//! A *node* `(level, index)` is the hash of the perfect subtree of leaves `[index·2^level, (index+1)·2^level)`.
//! Any tree head and any proof needs only O(log n) nodes, so a store that keeps nodes never rescans leaves.

use sha2::{Digest, Sha256};

/// A SHA-256 hash.
pub type Hash = [u8; 32];

/// `SHA-256(0x00 ‖ data)`.
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(data);
    h.finalize().into()
}

/// `SHA-256(0x01 ‖ left ‖ right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The root of the empty tree: `SHA-256("")`.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// The largest power of two strictly less than `n` (n ≥ 2).
fn split(n: u64) -> u64 {
    debug_assert!(n >= 2);
    1 << (63 - (n - 1).leading_zeros())
}

/// A source of perfect-subtree hashes.
pub trait Nodes {
    type Error;
    /// The hash of leaves `[index·2^level, (index+1)·2^level)`; only asked for subtrees that are complete.
    fn node(&self, level: u8, index: u64) -> Result<Hash, Self::Error>;
}

/// `MTH(D[start:end])`.
pub fn subtree_root<N: Nodes>(nodes: &N, start: u64, end: u64) -> Result<Hash, N::Error> {
    let n = end - start;
    if n == 0 {
        return Ok(empty_root());
    }
    if n.is_power_of_two() && start.is_multiple_of(n) {
        return nodes.node(n.trailing_zeros() as u8, start / n);
    }
    let k = split(n);
    let left = subtree_root(nodes, start, start + k)?;
    let right = subtree_root(nodes, start + k, end)?;
    Ok(node_hash(&left, &right))
}

/// The root of the tree of the first `size` leaves.
pub fn root<N: Nodes>(nodes: &N, size: u64) -> Result<Hash, N::Error> {
    subtree_root(nodes, 0, size)
}

/// Why a proof cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofRequestError {
    #[error("leaf {index} is not in a tree of size {size}")]
    IndexOutOfRange { index: u64, size: u64 },
    #[error("a tree of size {old} cannot be proven consistent with a smaller tree of size {new}")]
    Shrinking { old: u64, new: u64 },
}

/// `PATH(index, D[0:size])`: the audit path of a leaf, from its sibling up.
pub fn inclusion_proof<N: Nodes>(
    nodes: &N,
    index: u64,
    size: u64,
) -> Result<Result<Vec<Hash>, ProofRequestError>, N::Error> {
    if index >= size {
        return Ok(Err(ProofRequestError::IndexOutOfRange { index, size }));
    }
    let mut path = Vec::new();
    let (mut start, mut end) = (0, size);
    // Walk down, remembering the sibling subtrees, then reverse to go leaf-first.
    while end - start > 1 {
        let k = split(end - start);
        if index < start + k {
            path.push(subtree_root(nodes, start + k, end)?);
            end = start + k;
        } else {
            path.push(subtree_root(nodes, start, start + k)?);
            start += k;
        }
    }
    path.reverse();
    Ok(Ok(path))
}

/// `PROOF(old, D[0:new])`: the consistency proof between two tree sizes.
pub fn consistency_proof<N: Nodes>(
    nodes: &N,
    old: u64,
    new: u64,
) -> Result<Result<Vec<Hash>, ProofRequestError>, N::Error> {
    if old > new {
        return Ok(Err(ProofRequestError::Shrinking { old, new }));
    }
    if old == 0 || old == new {
        return Ok(Ok(Vec::new()));
    }
    let mut proof = Vec::new();
    let (mut m, mut start, mut end, mut whole) = (old, 0, new, true);
    loop {
        let n = end - start;
        if m == n {
            if !whole {
                proof.push(subtree_root(nodes, start, end)?);
            }
            break;
        }
        let k = split(n);
        if m <= k {
            proof.push(subtree_root(nodes, start + k, end)?);
            end = start + k;
        } else {
            proof.push(subtree_root(nodes, start, start + k)?);
            start += k;
            m -= k;
            whole = false;
        }
    }
    proof.reverse();
    Ok(Ok(proof))
}

/// Why a proof does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    #[error("leaf index {index} is not below the tree size {size}")]
    IndexOutOfRange { index: u64, size: u64 },
    #[error("the proof has {0} hashes, which is not the length for this index and tree size")]
    WrongLength(usize),
    #[error("the proof does not lead to the expected root hash")]
    RootMismatch,
    #[error("tree size {old} is larger than tree size {new}")]
    Shrinking { old: u64, new: u64 },
    #[error("equal tree sizes need an empty proof and equal roots")]
    SameSizeMismatch,
}

/// Verifies an inclusion proof (RFC 9162 §2.1.3.2).
pub fn verify_inclusion(
    index: u64,
    size: u64,
    leaf: &Hash,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), ProofError> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    let (mut f, mut s) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if s == 0 {
            return Err(ProofError::WrongLength(proof.len()));
        }
        if f & 1 == 1 || f == s {
            r = node_hash(p, &r);
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        } else {
            r = node_hash(&r, p);
        }
        f >>= 1;
        s >>= 1;
    }
    if s != 0 {
        return Err(ProofError::WrongLength(proof.len()));
    }
    if r != *root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

/// Verifies a consistency proof between tree sizes `old ≤ new` (RFC 9162 §2.1.4.2).
pub fn verify_consistency(
    old: u64,
    new: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> Result<(), ProofError> {
    if old > new {
        return Err(ProofError::Shrinking { old, new });
    }
    if old == new {
        return if proof.is_empty() && old_root == new_root {
            Ok(())
        } else {
            Err(ProofError::SameSizeMismatch)
        };
    }
    if old == 0 {
        // Every tree extends the empty tree.
        return if proof.is_empty() {
            Ok(())
        } else {
            Err(ProofError::WrongLength(proof.len()))
        };
    }
    if proof.is_empty() {
        return Err(ProofError::WrongLength(0));
    }
    let mut path: Vec<Hash> = Vec::with_capacity(proof.len() + 1);
    if old.is_power_of_two() {
        path.push(*old_root);
    }
    path.extend_from_slice(proof);
    let (mut f, mut s) = (old - 1, new - 1);
    while f & 1 == 1 {
        f >>= 1;
        s >>= 1;
    }
    let (mut fr, mut sr) = (path[0], path[0]);
    for c in &path[1..] {
        if s == 0 {
            return Err(ProofError::WrongLength(proof.len()));
        }
        if f & 1 == 1 || f == s {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            while f & 1 == 0 && f != 0 {
                f >>= 1;
                s >>= 1;
            }
        } else {
            sr = node_hash(&sr, c);
        }
        f >>= 1;
        s >>= 1;
    }
    if s != 0 {
        return Err(ProofError::WrongLength(proof.len()));
    }
    if fr != *old_root || sr != *new_root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

/// Every node of a growing tree, in memory: the reference for tests and a cache for small logs.
#[derive(Debug, Clone, Default)]
pub struct MemoryTree {
    /// `levels[l][i]` is node `(l, i)`.
    levels: Vec<Vec<Hash>>,
}

impl MemoryTree {
    pub fn new() -> Self {
        MemoryTree::default()
    }

    pub fn len(&self) -> u64 {
        self.levels.first().map_or(0, |l| l.len() as u64)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Appends a leaf hash and returns the nodes it completed, lowest first, as `(level, index, hash)`.
    pub fn push(&mut self, leaf: Hash) -> Vec<(u8, u64, Hash)> {
        let mut made = vec![(0u8, self.len(), leaf)];
        let mut level = 0usize;
        let mut h = leaf;
        loop {
            if self.levels.len() <= level {
                self.levels.push(Vec::new());
            }
            self.levels[level].push(h);
            let n = self.levels[level].len();
            if !n.is_multiple_of(2) {
                break;
            }
            h = node_hash(&self.levels[level][n - 2], &self.levels[level][n - 1]);
            level += 1;
            made.push((level as u8, (n / 2 - 1) as u64, h));
        }
        made
    }

    pub fn root(&self) -> Hash {
        match root(self, self.len()) {
            Ok(h) => h,
            Err(never) => match never {},
        }
    }
}

impl Nodes for MemoryTree {
    type Error = std::convert::Infallible;

    fn node(&self, level: u8, index: u64) -> Result<Hash, Self::Error> {
        // Only complete subtrees are asked for, and every complete subtree has been stored by `push`.
        Ok(self.levels[level as usize][index as usize])
    }
}
