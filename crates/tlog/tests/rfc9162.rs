//! Roots and proofs against a naive reference written straight from RFC 9162 §2.1, on every tree
//! size 1..=64 and on random large ones; and the verifiers accept exactly the true proofs.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use tlog::{
    consistency_plan, inclusion_plan, leaf_hash, node_hash, range_nodes, verify_consistency,
    verify_inclusion, Frontier, Hash, Node,
};

/// The reference: MTH, PATH and PROOF over the leaf hashes, recursively, as the RFC writes them.
fn k_of(n: usize) -> usize {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

fn mth(d: &[Hash]) -> Hash {
    match d.len() {
        0 => tlog::empty_root(),
        1 => d[0],
        n => {
            let k = k_of(n);
            node_hash(&mth(&d[..k]), &mth(&d[k..]))
        }
    }
}

fn path(m: usize, d: &[Hash]) -> Vec<Hash> {
    let n = d.len();
    if n == 1 {
        return vec![];
    }
    let k = k_of(n);
    if m < k {
        let mut p = path(m, &d[..k]);
        p.push(mth(&d[k..]));
        p
    } else {
        let mut p = path(m - k, &d[k..]);
        p.push(mth(&d[..k]));
        p
    }
}

fn subproof(m: usize, d: &[Hash], b: bool) -> Vec<Hash> {
    let n = d.len();
    if m == n {
        return if b { vec![] } else { vec![mth(d)] };
    }
    let k = k_of(n);
    if m <= k {
        let mut p = subproof(m, &d[..k], b);
        p.push(mth(&d[k..]));
        p
    } else {
        let mut p = subproof(m - k, &d[k..], false);
        p.push(mth(&d[..k]));
        p
    }
}

fn leaves(n: usize) -> Vec<Hash> {
    (0..n as u64).map(|i| leaf_hash(&i.to_be_bytes())).collect()
}

/// What a store keeps: every complete subtree's hash, filled while appending.
struct Stored {
    nodes: std::collections::HashMap<Node, Hash>,
    frontier: Frontier,
}

fn stored(d: &[Hash]) -> Stored {
    let mut s = Stored {
        nodes: Default::default(),
        frontier: Frontier::default(),
    };
    for l in d {
        for (node, h) in s.frontier.push(*l) {
            s.nodes.insert(node, h);
        }
    }
    s
}

fn lookup(s: &Stored) -> impl Fn(Node) -> Option<Hash> + '_ {
    |n| s.nodes.get(&n).copied()
}

fn check_size(d: &[Hash], s: &Stored, n: usize, sample: &[usize]) {
    let prefix = &d[..n];
    let root = mth(prefix);
    // The root from the stored subtrees equals MTH.
    let from_nodes: Vec<Hash> = range_nodes(0, n as u64)
        .into_iter()
        .map(|x| s.nodes[&x])
        .collect();
    assert_eq!(tlog::fold(&from_nodes).unwrap(), root, "root of {n}");
    for &m in sample.iter().filter(|&&m| m < n) {
        let proof = inclusion_plan(m as u64, n as u64)
            .unwrap()
            .assemble(lookup(s))
            .unwrap();
        assert_eq!(proof, path(m, prefix), "inclusion {m} in {n}");
        verify_inclusion(m as u64, n as u64, &d[m], &proof, &root).unwrap();
        // A wrong leaf, index or root is refused.
        assert!(verify_inclusion(m as u64, n as u64, &leaf_hash(b"x"), &proof, &root).is_err());
        if n > 1 {
            assert!(
                verify_inclusion(((m + 1) % n) as u64, n as u64, &d[m], &proof, &root).is_err()
            );
        }
        assert!(
            verify_inclusion(m as u64, n as u64 + 1, &d[m], &proof, &mth(&d[..n + 1])).is_err(),
            "a proof for size {n} is not one for size {}",
            n + 1
        );
    }
    for &m in sample.iter().filter(|&&m| m >= 1 && m <= n) {
        let proof = consistency_plan(m as u64, n as u64)
            .unwrap()
            .assemble(lookup(s))
            .unwrap();
        let expected = if m == n {
            vec![]
        } else {
            subproof(m, prefix, true)
        };
        assert_eq!(proof, expected, "consistency {m} → {n}");
        let old = mth(&d[..m]);
        verify_consistency(m as u64, n as u64, &old, &root, &proof).unwrap();
        if m < n {
            // Another old root (a rewritten history) is refused, and so is a shrunk tree.
            let forged = node_hash(&old, &old);
            assert!(verify_consistency(m as u64, n as u64, &forged, &root, &proof).is_err());
            assert!(verify_consistency(n as u64, m as u64, &root, &old, &proof).is_err());
            if !proof.is_empty() {
                let mut bad = proof.clone();
                bad[0][0] ^= 1;
                assert!(verify_consistency(m as u64, n as u64, &old, &root, &bad).is_err());
            }
        }
    }
}

#[test]
fn every_size_up_to_64_matches_the_reference_for_every_proof() {
    let d = leaves(65);
    let s = stored(&d);
    let all: Vec<usize> = (0..=64).collect();
    for n in 1..=64 {
        check_size(&d, &s, n, &all);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]
    #[test]
    fn random_large_trees_match_the_reference(n in 65usize..3000, picks in proptest::collection::vec(0usize..3000, 8)) {
        let d = leaves(n + 1);
        let s = stored(&d);
        let mut sample: Vec<usize> = picks.into_iter().map(|p| p % (n + 1)).collect();
        sample.extend([0, 1, n - 1, n, n / 2]);
        check_size(&d, &s, n, &sample);
    }
}
