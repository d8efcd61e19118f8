//! The transparency log on both stores: roots and proofs from the stored subtrees equal a naive
//! RFC 9162 reference on every size 1..=64 and on random larger ones; concurrent appends get
//! dense leaves in commit order; checkpoints are kept once per size and verify.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::Instant;

use cqrs_es::persist::{PersistenceError, SerializedEvent};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use serde_json::json;
use store::testing::FreshDb;
use store::transparency::{event_leaf_hash, Log};
use store::{Backend, Store};
use tlog::{node_hash, Hash, Signer};

macro_rules! both_backends {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name(store::Backend::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name(store::Backend::Postgres).await
            }
        }
    };
}

// The naive reference, straight from RFC 9162 §2.1.
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
        n => node_hash(&mth(&d[..k_of(n)]), &mth(&d[k_of(n)..])),
    }
}

fn path(m: usize, d: &[Hash]) -> Vec<Hash> {
    let n = d.len();
    if n == 1 {
        return vec![];
    }
    let k = k_of(n);
    let (mut p, other) = if m < k {
        (path(m, &d[..k]), mth(&d[k..]))
    } else {
        (path(m - k, &d[k..]), mth(&d[..k]))
    };
    p.push(other);
    p
}

fn subproof(m: usize, d: &[Hash], b: bool) -> Vec<Hash> {
    let n = d.len();
    if m == n {
        return if b { vec![] } else { vec![mth(d)] };
    }
    let k = k_of(n);
    let (mut p, other) = if m <= k {
        (subproof(m, &d[..k], b), mth(&d[k..]))
    } else {
        (subproof(m - k, &d[k..], false), mth(&d[..k]))
    };
    p.push(other);
    p
}

fn event(stream: &str, seq: usize) -> SerializedEvent {
    SerializedEvent::new(
        stream.to_string(),
        seq,
        "tlogtest".into(),
        "Happened".into(),
        "1.0".into(),
        json!({"Happened": {"n": seq, "s": stream}}),
        json!({"actor_sub": "tester", "recorded_at": "2027-01-10T01:00:00Z"}),
    )
}

async fn store(fresh: &FreshDb) -> Store {
    Store::new(fresh.connect().await.unwrap(), vec![]).with_subscriptions(vec![])
}

/// The leaf hashes in leaf order, from the events' own hashes.
async fn leaf_hashes(log: &Log) -> Vec<Hash> {
    log.leaves(0, 1_000_000)
        .await
        .unwrap()
        .iter()
        .map(|l| event_leaf_hash(&l.event_hash).unwrap())
        .collect()
}

async fn check(log: &Log, d: &[Hash], n: usize, ms: &[usize]) {
    let prefix = &d[..n];
    let root = mth(prefix);
    assert_eq!(log.root_at(n as u64).await.unwrap(), root, "root of {n}");
    for &m in ms.iter().filter(|&&m| m < n) {
        let proof = log.inclusion_proof(m as u64, n as u64).await.unwrap();
        assert_eq!(proof, path(m, prefix), "inclusion of {m} in {n}");
        tlog::verify_inclusion(m as u64, n as u64, &d[m], &proof, &root).unwrap();
    }
    for &m in ms.iter().filter(|&&m| m <= n) {
        let proof = log.consistency_proof(m as u64, n as u64).await.unwrap();
        let expected = if m == 0 || m == n {
            vec![]
        } else {
            subproof(m, prefix, true)
        };
        assert_eq!(proof, expected, "consistency {m} → {n}");
        tlog::verify_consistency(m as u64, n as u64, &mth(&d[..m]), &root, &proof).unwrap();
    }
}

async fn stored_roots_and_proofs_match_the_rfc_reference(backend: Backend) {
    let fresh = FreshDb::create(backend).await.unwrap();
    let store = store(&fresh).await;
    let repo = store.repository();
    let log = Log::new(store.db().clone());
    // 64 leaves from appends of one, two and three events, over a few streams.
    let mut seqs = [0usize; 5];
    let mut size = 0;
    let mut batch = 1;
    while size < 64 {
        let s = size % 5;
        let n = batch.min(64 - size);
        let events: Vec<_> = (1..=n)
            .map(|i| event(&format!("s{s}"), seqs[s] + i))
            .collect();
        repo.append(&events).await.unwrap();
        seqs[s] += n;
        size += n;
        batch = batch % 3 + 1;
    }
    let d = leaf_hashes(&log).await;
    assert_eq!(d.len(), 64);
    assert_eq!(log.head().await.unwrap().size(), 64);
    let all: Vec<usize> = (0..=64).collect();
    for n in 1..=64 {
        check(&log, &d, n, &all).await;
    }
    // Larger random sizes: grow to 1000 leaves and check random sizes and indexes.
    let mut k = 0;
    while size < 1000 {
        let events: Vec<_> = (1..=4).map(|i| event(&format!("big{k}"), i)).collect();
        repo.append(&events).await.unwrap();
        size += 4;
        k += 1;
    }
    let d = leaf_hashes(&log).await;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    for _ in 0..12 {
        let n = (65usize..=1000).new_tree(&mut runner).unwrap().current();
        let ms: Vec<usize> = (0..6)
            .map(|_| (0..=n).new_tree(&mut runner).unwrap().current())
            .chain([0, n - 1, n])
            .collect();
        check(&log, &d, n, &ms).await;
    }
    assert!(log.audit_events().await.unwrap().problems.is_empty());
}
both_backends!(stored_roots_and_proofs_match_the_rfc_reference);

async fn concurrent_appends_get_dense_leaves_in_commit_order(backend: Backend) {
    let fresh = FreshDb::create(backend).await.unwrap();
    let store = store(&fresh).await;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for t in 0..6 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let repo = store.repository();
            // (stream, sequence, began, returned) of each committed append, in micros.
            let mut done = Vec::new();
            for i in 0..20usize {
                // Every task also appends to one shared stream, so some appends conflict.
                let stream = if i % 4 == 0 {
                    "shared".to_string()
                } else {
                    format!("t{t}")
                };
                loop {
                    let began = started.elapsed().as_micros();
                    let next = store
                        .stream_version("tlogtest", &stream)
                        .await
                        .unwrap()
                        .unwrap_or(0) as usize
                        + 1;
                    match repo.append(&[event(&stream, next)]).await {
                        Ok(()) => {
                            done.push((stream.clone(), next, began, started.elapsed().as_micros()));
                            break;
                        }
                        Err(PersistenceError::OptimisticLockError) => continue,
                        Err(e) => panic!("{e}"),
                    }
                }
            }
            done
        }));
    }
    let mut appends = Vec::new();
    for t in tasks {
        appends.extend(t.await.unwrap());
    }
    let log = Log::new(store.db().clone());
    let leaves = log.leaves(0, 10_000).await.unwrap();
    assert_eq!(leaves.len(), 120);
    for (i, l) in leaves.iter().enumerate() {
        assert_eq!(l.leaf_index, i as u64, "dense");
    }
    assert_eq!(log.head().await.unwrap().size(), 120);
    let index = |s: &str, q: usize| {
        leaves
            .iter()
            .find(|l| l.aggregate_id == s && l.sequence == q as u64)
            .map(|l| l.leaf_index)
            .expect("every event has a leaf")
    };
    // Commit order: an append that returned before another began has the smaller leaf.
    for a in &appends {
        for b in &appends {
            if a.3 < b.2 {
                assert!(index(&a.0, a.1) < index(&b.0, b.1), "{a:?} before {b:?}");
            }
        }
    }
    let audit = log.audit_events().await.unwrap();
    assert!(audit.problems.is_empty(), "{:?}", audit.problems);
    assert_eq!(
        tlog::root_of(&audit.leaves),
        log.head().await.unwrap().root()
    );
}
both_backends!(concurrent_appends_get_dense_leaves_in_commit_order);

async fn checkpoints_are_kept_once_per_size_and_verify(backend: Backend) {
    let fresh = FreshDb::create(backend).await.unwrap();
    let store = store(&fresh).await;
    let log = Log::new(store.db().clone());
    let signer = Signer::from_seed("grantledger.test/log", [1; 32]).unwrap();
    let empty = log.issue_checkpoint(&signer, "t0").await.unwrap();
    assert_eq!(empty.tree_size, 0);
    store
        .repository()
        .append(&[event("a", 1), event("a", 2), event("a", 3)])
        .await
        .unwrap();
    let signer2 = Arc::new(signer.clone());
    let issued = futures::future::join_all((0..4).map(|i| {
        let log = log.clone();
        let signer = signer2.clone();
        async move {
            log.issue_checkpoint(&signer, &format!("t{i}"))
                .await
                .unwrap()
        }
    }))
    .await;
    assert!(
        issued.iter().all(|c| c == &issued[0]),
        "one checkpoint per size"
    );
    assert_eq!(log.checkpoints(None, 10).await.unwrap().len(), 2);
    let (c, _) = tlog::Checkpoint::open(
        &issued[0].note,
        &signer.verifier(),
        Some("grantledger.test/log"),
    )
    .unwrap();
    assert_eq!(c.size, 3);
    assert_eq!(c.root, log.root_at(3).await.unwrap());
    let proof = log.consistency_proof(0, 3).await.unwrap();
    assert!(proof.is_empty());

    // A witness cosigns; a forged or mismatched cosignature is refused.
    let witness = Signer::from_seed("witness.test/w1", [2; 32]).unwrap();
    let note = tlog::Note::parse(&issued[0].note).unwrap();
    let line = witness.cosign(&note.text, 1_800_000_000).unwrap();
    let vkey = witness.cosigner_verifier().to_string();
    let other = Signer::from_seed("witness.test/w1", [3; 32]).unwrap();
    assert!(log
        .add_cosignature(3, &other.cosigner_verifier().to_string(), &line, "w", "t")
        .await
        .is_err());
    assert!(log
        .add_cosignature(0, &vkey, &line, "w", "t")
        .await
        .is_err());
    let kept = log
        .add_cosignature(3, &vkey, &line, "w", "t")
        .await
        .unwrap();
    assert_eq!(kept.cosigned_by, vec![vkey]);
    let cosigned = tlog::Note::parse(&kept.note).unwrap();
    assert_eq!(
        witness
            .cosigner_verifier()
            .verify_cosignature(&cosigned)
            .unwrap(),
        1_800_000_000
    );
    signer.verifier().verify_note(&kept.note).unwrap();
}
both_backends!(checkpoints_are_kept_once_per_size_and_verify);
