//! RFC 9162 §2.1 Merkle tree hashing, proofs and their verification.
//!
//! Proofs are produced in two steps so that a store can fetch exactly the hashes it needs in one
//! read: [`inclusion_plan`] / [`consistency_plan`] name the leaf ranges whose hashes make up the
//! proof; every such range is a run of complete subtrees ([`Node`]s) that a log keeps once they
//! are complete; [`Plan::assemble`] folds the fetched node hashes into the proof.

use sha2::{Digest, Sha256};

/// A SHA-256 hash.
pub type Hash = [u8; 32];

/// `SHA-256(0x00 ‖ bytes)`: the hash of a leaf.
pub fn leaf_hash(bytes: &[u8]) -> Hash {
    let mut h = Sha256::new();
    h.update([0x00]);
    h.update(bytes);
    h.finalize().into()
}

/// `SHA-256(0x01 ‖ left ‖ right)`: the hash of an interior node.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut h = Sha256::new();
    h.update([0x01]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The root of the empty tree: `SHA-256()` of nothing.
pub fn empty_root() -> Hash {
    Sha256::digest([]).into()
}

/// A complete subtree: the leaves `[index · 2^level, (index + 1) · 2^level)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Node {
    /// Height: 0 is a leaf.
    pub level: u8,
    /// Position among the subtrees of this height.
    pub index: u64,
}

impl Node {
    /// The first leaf it covers.
    pub fn start(self) -> u64 {
        self.index << self.level
    }

    /// One past the last leaf it covers.
    pub fn end(self) -> u64 {
        (self.index + 1) << self.level
    }
}

/// The complete subtrees that make up leaves `[lo, hi)`, left to right, each as large as the
/// alignment allows. For the ranges RFC 9162's proofs use (and for `[0, n)`), the hash of the
/// range is these subtrees' hashes folded from the right ([`fold`]).
pub fn range_nodes(lo: u64, hi: u64) -> Vec<Node> {
    let mut out = Vec::new();
    let mut at = lo;
    while at < hi {
        let mut level = 0u8;
        while level < 63 {
            let size = 1u64 << (level + 1);
            if at & (size - 1) != 0 || at + size > hi {
                break;
            }
            level += 1;
        }
        out.push(Node {
            level,
            index: at >> level,
        });
        at += 1u64 << level;
    }
    out
}

/// Folds subtree hashes (left to right) into the hash of their range: `h(a, h(b, h(c, d)))`.
/// `None` for no hashes.
pub fn fold(hashes: &[Hash]) -> Option<Hash> {
    let (last, rest) = hashes.split_last()?;
    Some(rest.iter().rev().fold(*last, |acc, h| node_hash(h, &acc)))
}

/// The largest power of two strictly less than `n` (`n ≥ 2`).
fn split_point(n: u64) -> u64 {
    let mut k = 1u64;
    while k << 1 < n {
        k <<= 1;
    }
    k
}

/// Which leaf ranges make up a proof, in proof order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// `[lo, hi)` leaf ranges; the proof is their hashes in this order.
    pub ranges: Vec<(u64, u64)>,
}

/// A node hash a proof needs was not supplied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the hash of subtree level {} index {} is not available", .0.level, .0.index)]
pub struct MissingNode(pub Node);

impl Plan {
    /// Every complete subtree whose hash the proof needs.
    pub fn nodes(&self) -> Vec<Node> {
        let mut out: Vec<Node> = self
            .ranges
            .iter()
            .flat_map(|&(lo, hi)| range_nodes(lo, hi))
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// The proof, from the hashes of [`Plan::nodes`].
    pub fn assemble(
        &self,
        lookup: impl Fn(Node) -> Option<Hash>,
    ) -> Result<Vec<Hash>, MissingNode> {
        self.ranges
            .iter()
            .map(|&(lo, hi)| {
                let hashes = range_nodes(lo, hi)
                    .into_iter()
                    .map(|n| lookup(n).ok_or(MissingNode(n)))
                    .collect::<Result<Vec<_>, _>>()?;
                fold(&hashes).ok_or(MissingNode(Node {
                    level: 0,
                    index: lo,
                }))
            })
            .collect()
    }
}

/// RFC 9162 §2.1.3.1 `PATH(m, D[n])` as leaf ranges; `None` unless `m < n`.
pub fn inclusion_plan(m: u64, n: u64) -> Option<Plan> {
    fn path(m: u64, lo: u64, hi: u64, out: &mut Vec<(u64, u64)>) {
        let n = hi - lo;
        if n <= 1 {
            return;
        }
        let k = split_point(n);
        if m < lo + k {
            path(m, lo, lo + k, out);
            out.push((lo + k, hi));
        } else {
            path(m, lo + k, hi, out);
            out.push((lo, lo + k));
        }
    }
    if m >= n {
        return None;
    }
    let mut ranges = Vec::new();
    path(m, 0, n, &mut ranges);
    Some(Plan { ranges })
}

/// RFC 9162 §2.1.4.1 `PROOF(m, D[n])` as leaf ranges; `None` unless `m ≤ n`. The proof is
/// empty when `m == n` or `m == 0`.
pub fn consistency_plan(m: u64, n: u64) -> Option<Plan> {
    fn subproof(m: u64, lo: u64, hi: u64, whole: bool, out: &mut Vec<(u64, u64)>) {
        let n = hi - lo;
        if m == n {
            if !whole {
                out.push((lo, hi));
            }
            return;
        }
        let k = split_point(n);
        if m <= k {
            subproof(m, lo, lo + k, whole, out);
            out.push((lo + k, hi));
        } else {
            subproof(m - k, lo + k, hi, false, out);
            out.push((lo, lo + k));
        }
    }
    if m > n {
        return None;
    }
    let mut ranges = Vec::new();
    if m > 0 && m < n {
        subproof(m, 0, n, true, &mut ranges);
    }
    Some(Plan { ranges })
}

/// Why a proof does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    /// The index or sizes are out of range.
    #[error("{0}")]
    OutOfRange(String),
    /// The proof has the wrong number of hashes.
    #[error("the proof has the wrong length")]
    WrongLength,
    /// The recomputed root differs.
    #[error("the recomputed root hash does not match")]
    RootMismatch,
}

/// RFC 9162 §2.1.3.2: checks that `leaf` is leaf `index` of the tree of `size` with `root`.
pub fn verify_inclusion(
    index: u64,
    size: u64,
    leaf: &Hash,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), ProofError> {
    if index >= size {
        return Err(ProofError::OutOfRange(format!(
            "leaf {index} is not in a tree of size {size}"
        )));
    }
    let (mut f, mut s) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if s == 0 {
            return Err(ProofError::WrongLength);
        }
        if f & 1 == 1 || f == s {
            r = node_hash(p, &r);
            if f & 1 == 0 {
                while f & 1 == 0 && f != 0 {
                    f >>= 1;
                    s >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        f >>= 1;
        s >>= 1;
    }
    if s != 0 {
        return Err(ProofError::WrongLength);
    }
    if r != *root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

/// RFC 9162 §2.1.4.2: checks that the tree of `old_size` with `old_root` is a prefix of the
/// tree of `new_size` with `new_root`.
pub fn verify_consistency(
    old_size: u64,
    new_size: u64,
    old_root: &Hash,
    new_root: &Hash,
    proof: &[Hash],
) -> Result<(), ProofError> {
    if old_size > new_size {
        return Err(ProofError::OutOfRange(format!(
            "the tree shrank from {old_size} to {new_size} leaves"
        )));
    }
    if old_size == new_size {
        if !proof.is_empty() {
            return Err(ProofError::WrongLength);
        }
        return if old_root == new_root {
            Ok(())
        } else {
            Err(ProofError::RootMismatch)
        };
    }
    if old_size == 0 {
        // Every tree extends the empty one.
        return if proof.is_empty() {
            Ok(())
        } else {
            Err(ProofError::WrongLength)
        };
    }
    if proof.is_empty() {
        return Err(ProofError::WrongLength);
    }
    let mut path: Vec<Hash> = Vec::with_capacity(proof.len() + 1);
    if old_size.is_power_of_two() {
        path.push(*old_root);
    }
    path.extend_from_slice(proof);
    let (mut f, mut s) = (old_size - 1, new_size - 1);
    while f & 1 == 1 {
        f >>= 1;
        s >>= 1;
    }
    let (mut fr, mut sr) = (path[0], path[0]);
    for c in &path[1..] {
        if s == 0 {
            return Err(ProofError::WrongLength);
        }
        if f & 1 == 1 || f == s {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if f & 1 == 0 {
                while f & 1 == 0 && f != 0 {
                    f >>= 1;
                    s >>= 1;
                }
            }
        } else {
            sr = node_hash(&sr, c);
        }
        f >>= 1;
        s >>= 1;
    }
    if s != 0 {
        return Err(ProofError::WrongLength);
    }
    if fr != *old_root || sr != *new_root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

/// The right edge of a tree: the hashes of [`range_nodes`]`(0, size)`, which is all an appender
/// needs to add leaves and compute the root.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Frontier {
    size: u64,
    hashes: Vec<Hash>,
}

impl Frontier {
    /// The frontier of a tree of `size` leaves from its subtree hashes; `None` when the number
    /// of hashes is not the number of one bits of `size`.
    pub fn new(size: u64, hashes: Vec<Hash>) -> Option<Frontier> {
        (hashes.len() == size.count_ones() as usize).then_some(Frontier { size, hashes })
    }

    /// How many leaves the tree has.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The subtree hashes, left to right.
    pub fn hashes(&self) -> &[Hash] {
        &self.hashes
    }

    /// The root hash (the empty root for no leaves).
    pub fn root(&self) -> Hash {
        fold(&self.hashes).unwrap_or_else(empty_root)
    }

    /// Appends a leaf (its leaf hash) and returns every subtree it completes, the leaf itself
    /// first, bottom up.
    pub fn push(&mut self, leaf: Hash) -> Vec<(Node, Hash)> {
        let mut done = vec![(
            Node {
                level: 0,
                index: self.size,
            },
            leaf,
        )];
        self.hashes.push(leaf);
        let (mut index, mut level) = (self.size, 0u8);
        while index & 1 == 1 {
            let (Some(right), Some(left)) = (self.hashes.pop(), self.hashes.pop()) else {
                break;
            };
            let h = node_hash(&left, &right);
            index >>= 1;
            level += 1;
            self.hashes.push(h);
            done.push((Node { level, index }, h));
        }
        self.size += 1;
        done
    }

    /// Text form for storage: the hashes in lower-case hex, comma separated.
    pub fn to_text(&self) -> String {
        self.hashes
            .iter()
            .map(hex::encode)
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Reads [`Frontier::to_text`] back for a tree of `size`.
    pub fn from_text(size: u64, text: &str) -> Option<Frontier> {
        let hashes = text
            .split(',')
            .filter(|s| !s.is_empty())
            .map(hash_from_hex)
            .collect::<Option<Vec<_>>>()?;
        Frontier::new(size, hashes)
    }
}

/// A hash from 64 hex digits.
pub fn hash_from_hex(text: &str) -> Option<Hash> {
    let bytes = hex::decode(text).ok()?;
    bytes.try_into().ok()
}

/// The root of a tree over `leaves` (leaf hashes), computed directly in O(n).
pub fn root_of(leaves: &[Hash]) -> Hash {
    let mut f = Frontier::default();
    for l in leaves {
        f.push(*l);
    }
    f.root()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_empty_root_is_the_sha256_of_nothing() {
        assert_eq!(
            hex::encode(empty_root()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn ranges_split_into_aligned_complete_subtrees() {
        assert_eq!(
            range_nodes(0, 7),
            vec![
                Node { level: 2, index: 0 },
                Node { level: 1, index: 2 },
                Node { level: 0, index: 6 }
            ]
        );
        assert_eq!(range_nodes(4, 6), vec![Node { level: 1, index: 2 }]);
        assert!(range_nodes(3, 3).is_empty());
    }

    #[test]
    fn a_frontier_survives_its_text_form() {
        let mut f = Frontier::default();
        for i in 0..13u8 {
            f.push(leaf_hash(&[i]));
        }
        let back = Frontier::from_text(13, &f.to_text()).unwrap();
        assert_eq!(back, f);
        assert!(Frontier::from_text(12, &f.to_text()).is_none());
    }
}
