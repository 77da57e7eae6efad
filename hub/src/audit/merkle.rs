//! The RFC 9162 §2.1 Merkle tree: tree hash, inclusion and consistency proofs and their
//! verification, and [`Frontier`], the incremental form that appends a leaf in O(log n) memory
//! and time (what the log keeps in its head row, and what `verify` walks records with).
//!
//! Leaves are `SHA-256(0x00 ‖ data)`, interior nodes `SHA-256(0x01 ‖ left ‖ right)`; the tree
//! over n leaves splits at k, the largest power of two below n, so its left part is always a
//! complete tree. The empty tree's hash is `SHA-256()`.

use sha2::{Digest, Sha256};

/// A SHA-256 value: a leaf, an interior node or a root.
pub type Hash = [u8; 32];

/// `SHA-256(0x00 ‖ data)`.
pub fn leaf_hash(data: &[u8]) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([0x00]);
    hasher.update(data);
    hasher.finalize().into()
}

/// `SHA-256(0x01 ‖ left ‖ right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update([0x01]);
    hasher.update(left);
    hasher.update(right);
    hasher.finalize().into()
}

/// The hash of the empty tree, `SHA-256()`.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// The largest power of two strictly below `n` (n ≥ 2).
fn split(n: usize) -> usize {
    let mut k = 1;
    while k << 1 < n {
        k <<= 1;
    }
    k
}

/// MTH(D[n]) over leaf hashes. The empty slice gives [`empty_root`].
pub fn root(leaves: &[Hash]) -> Hash {
    match leaves {
        [] => empty_root(),
        [one] => *one,
        _ => {
            let (left, right) = leaves.split_at(split(leaves.len()));
            node_hash(&root(left), &root(right))
        }
    }
}

/// Why a proof cannot be made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    #[error("leaf {index} is not in a tree of {size} leaves")]
    IndexOutOfRange { index: u64, size: u64 },
    #[error("no consistency proof from size {old} to size {new}")]
    BadSizes { old: u64, new: u64 },
}

/// PATH(m, D[n]): the audit path of leaf `index`, bottom sibling first.
pub fn inclusion_proof(index: u64, leaves: &[Hash]) -> Result<Vec<Hash>, ProofError> {
    let size = leaves.len() as u64;
    let m = usize::try_from(index)
        .ok()
        .filter(|m| *m < leaves.len())
        .ok_or(ProofError::IndexOutOfRange { index, size })?;
    let mut proof = Vec::new();
    path(m, leaves, &mut proof);
    Ok(proof)
}

fn path(m: usize, leaves: &[Hash], proof: &mut Vec<Hash>) {
    if leaves.len() <= 1 {
        return;
    }
    let (left, right) = leaves.split_at(split(leaves.len()));
    if m < left.len() {
        path(m, left, proof);
        proof.push(root(right));
    } else {
        path(m - left.len(), right, proof);
        proof.push(root(left));
    }
}

/// PROOF(m, D[n]): that the tree of the first `old_size` leaves is a prefix of the tree of all
/// `leaves`. Empty when `old_size` is 0 or equals the new size.
pub fn consistency_proof(old_size: u64, leaves: &[Hash]) -> Result<Vec<Hash>, ProofError> {
    let new = leaves.len() as u64;
    let m = usize::try_from(old_size)
        .ok()
        .filter(|m| *m <= leaves.len())
        .ok_or(ProofError::BadSizes { old: old_size, new })?;
    let mut proof = Vec::new();
    if m > 0 {
        subproof(m, leaves, true, &mut proof);
    }
    Ok(proof)
}

fn subproof(m: usize, leaves: &[Hash], complete: bool, proof: &mut Vec<Hash>) {
    let n = leaves.len();
    if m == n {
        if !complete {
            proof.push(root(leaves));
        }
        return;
    }
    let (left, right) = leaves.split_at(split(n));
    if m <= left.len() {
        subproof(m, left, complete, proof);
        proof.push(root(right));
    } else {
        subproof(m - left.len(), right, false, proof);
        proof.push(root(left));
    }
}

/// RFC 9162 §2.1.3.2: whether `proof` shows `leaf` (a leaf hash) at `index` in the tree of
/// `size` leaves whose root is `root`.
pub fn verify_inclusion(index: u64, size: u64, leaf: &Hash, proof: &[Hash], root: &Hash) -> bool {
    if index >= size {
        return false;
    }
    let (mut f, mut s) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if s == 0 {
            return false;
        }
        if f & 1 == 1 || f == s {
            r = node_hash(p, &r);
            // Climb past the levels where this node is a left child with no right sibling.
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
    s == 0 && r == *root
}

/// RFC 9162 §2.1.4.2: whether `proof` shows that the tree of `old_size` leaves with root
/// `old_root` is a prefix of the tree of `new_size` leaves with root `new_root`. Equal sizes
/// need an empty proof and equal roots; size 0 is a prefix of anything.
pub fn verify_consistency(
    old_size: u64,
    new_size: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> bool {
    if old_size > new_size {
        return false;
    }
    if old_size == new_size {
        return proof.is_empty() && old_root == new_root;
    }
    if old_size == 0 {
        return proof.is_empty();
    }
    let mut path: Vec<Hash> = Vec::with_capacity(proof.len() + 1);
    if old_size.is_power_of_two() {
        path.push(*old_root);
    }
    path.extend_from_slice(proof);
    let Some((first, rest)) = path.split_first() else {
        return false;
    };
    let (mut f, mut s) = (old_size - 1, new_size - 1);
    while f & 1 == 1 {
        f >>= 1;
        s >>= 1;
    }
    let (mut fr, mut sr) = (*first, *first);
    for c in rest {
        if s == 0 {
            return false;
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
    s == 0 && fr == *old_root && sr == *new_root
}

/// The right edge of a tree: the roots of its complete subtrees, largest (leftmost) first —
/// one per set bit of the size. Appending a leaf merges equal-sized subtrees like a binary
/// counter carries, so the tree of any size is kept in at most 64 hashes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Frontier {
    size: u64,
    nodes: Vec<Hash>,
}

/// Why stored frontier bytes do not describe a tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a frontier of {size} leaves holds {expected} hashes; {found} bytes were given")]
pub struct FrontierError {
    size: u64,
    expected: u32,
    found: usize,
}

impl Frontier {
    pub fn new() -> Frontier {
        Frontier::default()
    }

    /// The number of leaves.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Appends a leaf hash.
    pub fn push(&mut self, leaf: Hash) {
        let mut carry = leaf;
        let mut level = 0;
        while self.size >> level & 1 == 1 {
            match self.nodes.pop() {
                Some(left) => carry = node_hash(&left, &carry),
                None => break,
            }
            level += 1;
        }
        self.nodes.push(carry);
        self.size += 1;
    }

    /// MTH of the leaves so far: the subtree roots folded from the right.
    pub fn root(&self) -> Hash {
        let mut nodes = self.nodes.iter().rev();
        match nodes.next() {
            None => empty_root(),
            Some(last) => nodes.fold(*last, |right, left| node_hash(left, &right)),
        }
    }

    /// The subtree roots, concatenated (what the head row stores next to the size).
    pub fn to_bytes(&self) -> Vec<u8> {
        self.nodes.concat()
    }

    pub fn from_bytes(size: u64, bytes: &[u8]) -> Result<Frontier, FrontierError> {
        let expected = size.count_ones();
        let error = FrontierError {
            size,
            expected,
            found: bytes.len(),
        };
        if bytes.len() != expected as usize * 32 {
            return Err(error);
        }
        let nodes = bytes
            .chunks_exact(32)
            .map(|chunk| Hash::try_from(chunk).map_err(|_| error))
            .collect::<Result<Vec<Hash>, FrontierError>>()?;
        Ok(Frontier { size, nodes })
    }
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn leaves(n: usize) -> Vec<Hash> {
        (0..n)
            .map(|i| leaf_hash(format!("leaf {i}").as_bytes()))
            .collect()
    }

    fn hex(hash: &Hash) -> String {
        hash.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The tree hash of the RFC 6962 test vectors (the leaves `""`, `00`, `10`, `2021`, `3031`,
    /// `40414243`, `5051525354555657`, `606162636465666768696a6b6c6d6e6f`), as published with
    /// the certificate-transparency reference implementation.
    #[test]
    fn tree_hash_matches_the_published_vectors() {
        let data: [&[u8]; 8] = [
            b"",
            &[0x00],
            &[0x10],
            &[0x20, 0x21],
            &[0x30, 0x31],
            &[0x40, 0x41, 0x42, 0x43],
            &[0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57],
            &[
                0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c, 0x6d,
                0x6e, 0x6f,
            ],
        ];
        let hashes: Vec<Hash> = data.iter().map(|d| leaf_hash(d)).collect();
        assert_eq!(
            hex(&empty_root()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        let expected = [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
            "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
            "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
            "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
        ];
        for (n, want) in expected.iter().enumerate() {
            assert_eq!(hex(&root(&hashes[..=n])), *want, "{} leaves", n + 1);
        }
    }

    #[test]
    fn frontier_root_equals_tree_hash_at_every_size() {
        let all = leaves(300);
        let mut frontier = Frontier::new();
        assert_eq!(frontier.root(), empty_root());
        for (i, leaf) in all.iter().enumerate() {
            frontier.push(*leaf);
            assert_eq!(frontier.size(), i as u64 + 1);
            assert_eq!(frontier.root(), root(&all[..=i]), "size {}", i + 1);
            assert!(frontier.nodes.len() <= 64);
        }
    }

    #[test]
    fn frontier_round_trips_through_its_bytes() {
        let mut frontier = Frontier::new();
        for leaf in leaves(77) {
            frontier.push(leaf);
        }
        let bytes = frontier.to_bytes();
        assert_eq!(bytes.len(), 77u64.count_ones() as usize * 32);
        assert_eq!(Frontier::from_bytes(77, &bytes).unwrap(), frontier);
        assert!(Frontier::from_bytes(79, &bytes).is_err());
    }

    #[test]
    fn every_inclusion_proof_up_to_64_leaves_verifies_and_no_other_does() {
        let all = leaves(64);
        for n in 1..=64usize {
            let tree = &all[..n];
            let r = root(tree);
            for m in 0..n {
                let proof = inclusion_proof(m as u64, tree).unwrap();
                assert!(
                    verify_inclusion(m as u64, n as u64, &tree[m], &proof, &r),
                    "index {m} size {n}"
                );
                // Wrong leaf, wrong index, wrong size, wrong root, altered or truncated path.
                let other = tree[(m + 1) % n];
                if n > 1 {
                    assert!(!verify_inclusion(m as u64, n as u64, &other, &proof, &r));
                    assert!(!verify_inclusion(
                        ((m + 1) % n) as u64,
                        n as u64,
                        &tree[m],
                        &proof,
                        &r
                    ));
                }
                // The same path against the next tree's root (a bigger size) does not verify.
                if n < 64 {
                    let next = root(&all[..=n]);
                    assert!(!verify_inclusion(
                        m as u64,
                        n as u64 + 1,
                        &tree[m],
                        &proof,
                        &next
                    ));
                }
                assert!(!verify_inclusion(
                    m as u64,
                    n as u64,
                    &tree[m],
                    &proof,
                    &other_root(&r)
                ));
                for i in 0..proof.len() {
                    let mut bad = proof.clone();
                    bad[i][0] ^= 1;
                    assert!(!verify_inclusion(m as u64, n as u64, &tree[m], &bad, &r));
                }
                if !proof.is_empty() {
                    let short = &proof[..proof.len() - 1];
                    assert!(!verify_inclusion(m as u64, n as u64, &tree[m], short, &r));
                }
                let mut long = proof.clone();
                long.push(tree[0]);
                assert!(!verify_inclusion(m as u64, n as u64, &tree[m], &long, &r));
            }
            assert!(inclusion_proof(n as u64, tree).is_err());
            assert!(!verify_inclusion(n as u64, n as u64, &tree[0], &[], &r));
        }
    }

    fn other_root(r: &Hash) -> Hash {
        let mut other = *r;
        other[31] ^= 0x80;
        other
    }

    #[test]
    fn every_consistency_proof_up_to_64_leaves_verifies_and_no_other_does() {
        let all = leaves(64);
        for n in 1..=64usize {
            let new_root = root(&all[..n]);
            for m in 0..=n {
                let old_root = root(&all[..m]);
                let proof = consistency_proof(m as u64, &all[..n]).unwrap();
                assert!(
                    verify_consistency(m as u64, n as u64, &old_root, &new_root, &proof),
                    "{m} -> {n}"
                );
                if m == 0 || m == n {
                    assert!(proof.is_empty());
                    continue;
                }
                // A different old tree, a different new tree, altered or truncated proofs.
                assert!(!verify_consistency(
                    m as u64,
                    n as u64,
                    &other_root(&old_root),
                    &new_root,
                    &proof
                ));
                assert!(!verify_consistency(
                    m as u64,
                    n as u64,
                    &old_root,
                    &other_root(&new_root),
                    &proof
                ));
                for i in 0..proof.len() {
                    let mut bad = proof.clone();
                    bad[i][5] ^= 4;
                    assert!(!verify_consistency(
                        m as u64, n as u64, &old_root, &new_root, &bad
                    ));
                }
                let short = &proof[..proof.len() - 1];
                assert!(!verify_consistency(
                    m as u64, n as u64, &old_root, &new_root, short
                ));
                assert!(!verify_consistency(
                    m as u64,
                    n as u64,
                    &old_root,
                    &new_root,
                    &[]
                ));
            }
            assert!(consistency_proof(n as u64 + 1, &all[..n]).is_err());
        }
    }

    #[test]
    fn a_rewritten_history_has_no_consistency_proof() {
        let all = leaves(20);
        let mut forked = all.clone();
        forked[3] = leaf_hash(b"rewritten");
        let old_root = root(&all[..10]);
        let proof = consistency_proof(10, &forked).unwrap();
        assert!(!verify_consistency(
            10,
            20,
            &old_root,
            &root(&forked),
            &proof
        ));
    }
}
