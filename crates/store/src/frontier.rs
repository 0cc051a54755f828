//! The right edge of a Merkle tree: what an adapter needs to add leaves and write the interior nodes each
//! new leaf completes, without reading the tree.

use deconflict_ledger::merkle::{node_hash, Hash};

/// The tree state needed to extend it: for each level, the last complete node if it is a left child still
/// waiting for its sibling.
#[derive(Debug, Clone, Default)]
pub(crate) struct Frontier {
    pub(crate) size: u64,
    pub(crate) waiting: Vec<Option<Hash>>,
}

impl Frontier {
    /// Adds a leaf; returns the interior nodes it completes as `(level, index, hash)`.
    pub(crate) fn push(&mut self, leaf: Hash) -> Vec<(u8, u64, Hash)> {
        let mut made = Vec::new();
        let (mut h, mut idx, mut level) = (leaf, self.size, 0usize);
        while idx & 1 == 1 {
            let left = self
                .waiting
                .get_mut(level)
                .and_then(Option::take)
                .unwrap_or(h);
            h = node_hash(&left, &h);
            idx >>= 1;
            level += 1;
            made.push((level as u8, idx, h));
        }
        if self.waiting.len() <= level {
            self.waiting.resize(level + 1, None);
        }
        self.waiting[level] = Some(h);
        self.size += 1;
        made
    }

    /// The root of the tree so far.
    pub(crate) fn root(&self) -> Hash {
        // Fold the waiting perfect subtrees from the smallest (rightmost) up.
        let mut acc: Option<Hash> = None;
        for h in self.waiting.iter().flatten() {
            acc = Some(match acc {
                None => *h,
                Some(right) => node_hash(h, &right),
            });
        }
        acc.unwrap_or_else(deconflict_ledger::merkle::empty_root)
    }
}

impl Frontier {
    /// The frontier of a tree of `size` leaves, from its nodes: for each set bit `l` of `size`, the perfect
    /// subtree at level `l` that ends the tree's complete part, node `(l, (size >> l) - 1)`.
    #[cfg_attr(not(feature = "postgres"), allow(dead_code))]
    pub(crate) fn at<E>(
        size: u64,
        mut node: impl FnMut(u8, u64) -> Result<Hash, E>,
    ) -> Result<Self, E> {
        let mut waiting = Vec::new();
        for level in 0..64u8 {
            if size >> level == 0 {
                break;
            }
            waiting.push(if (size >> level) & 1 == 1 {
                Some(node(level, (size >> level) - 1)?)
            } else {
                None
            });
        }
        Ok(Frontier { size, waiting })
    }
}
