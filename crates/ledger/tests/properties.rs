//! Properties of the Merkle proofs over any log (proptest: random leaves, sizes and positions, shrunk to the
//! smallest failing log): every proof the log gives verifies against its root, and any change — another leaf,
//! another position, a flipped bit in the proof, a proof one hash short, another root — is refused. The
//! differential tests check the same proofs byte for byte against two independent implementations; these
//! check that the verifier cannot be talked into accepting what the log never held.

use deconflict_ledger::merkle::{
    consistency_proof, inclusion_proof, leaf_hash, verify_consistency, verify_inclusion, Hash,
    MemoryTree,
};
use proptest::prelude::*;

/// A log of `leaves`, and its root after each size (index 0: size 1).
fn log(leaves: &[Vec<u8>]) -> (MemoryTree, Vec<Hash>) {
    let mut tree = MemoryTree::new();
    let mut roots = Vec::new();
    for leaf in leaves {
        tree.push(leaf_hash(leaf));
        roots.push(tree.root());
    }
    (tree, roots)
}

fn leaves() -> impl Strategy<Value = Vec<Vec<u8>>> {
    proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..24), 1..130)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn inclusion_proofs_verify_and_nothing_else_does(
        leaves in leaves(), at in any::<prop::sample::Index>(), bit in any::<prop::sample::Index>()
    ) {
        let (tree, roots) = log(&leaves);
        let size = leaves.len() as u64;
        let index = at.index(leaves.len()) as u64;
        let root = roots[leaves.len() - 1];
        let leaf = leaf_hash(&leaves[index as usize]);
        let proof = inclusion_proof(&tree, index, size).expect("memory").expect("in range");
        prop_assert_eq!(verify_inclusion(index, size, &leaf, &proof, &root), Ok(()));
        // Another leaf at that position.
        let mut other = leaves[index as usize].clone();
        other.push(0);
        prop_assert!(verify_inclusion(index, size, &leaf_hash(&other), &proof, &root).is_err());
        // The same leaf claimed at another position (unless it is also there).
        let elsewhere = (index + 1) % size;
        if size > 1 && leaves[elsewhere as usize] != leaves[index as usize] {
            prop_assert!(verify_inclusion(elsewhere, size, &leaf, &proof, &root).is_err());
        }
        // A flipped bit anywhere in the proof, or a proof one hash short.
        if !proof.is_empty() {
            let mut bent = proof.clone();
            let k = bit.index(proof.len() * 256);
            bent[k / 256][(k % 256) / 8] ^= 1 << (k % 8);
            prop_assert!(verify_inclusion(index, size, &leaf, &bent, &root).is_err());
            prop_assert!(verify_inclusion(index, size, &leaf, &proof[1..], &root).is_err());
        }
        // The root of another size.
        if size > 1 {
            prop_assert!(verify_inclusion(index, size, &leaf, &proof, &roots[leaves.len() - 2]).is_err());
        }
    }

    #[test]
    fn consistency_proofs_verify_and_nothing_else_does(
        leaves in leaves(), at in any::<prop::sample::Index>(), bit in any::<prop::sample::Index>()
    ) {
        let (tree, roots) = log(&leaves);
        let new = leaves.len() as u64;
        let old = at.index(leaves.len()) as u64 + 1;
        let (old_root, new_root) = (roots[old as usize - 1], roots[new as usize - 1]);
        let proof = consistency_proof(&tree, old, new).expect("memory").expect("old ≤ new");
        prop_assert_eq!(verify_consistency(old, new, &old_root, &new_root, &proof), Ok(()));
        if old < new {
            // A history that was rewritten: the old root of a log whose first leaf differs.
            let mut forged = leaves[..old as usize].to_vec();
            forged[0].push(1);
            let (_, forged_roots) = log(&forged);
            prop_assert!(
                verify_consistency(old, new, &forged_roots[old as usize - 1], &new_root, &proof).is_err()
            );
            if !proof.is_empty() {
                let mut bent = proof.clone();
                let k = bit.index(proof.len() * 256);
                bent[k / 256][(k % 256) / 8] ^= 1 << (k % 8);
                prop_assert!(verify_consistency(old, new, &old_root, &new_root, &bent).is_err());
            }
        }
    }
}
