//! `api-spec/transparency.md` tells outsiders how to re-implement the log's checks; this keeps
//! its worked example true of the code.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;

use sha2::{Digest, Sha256};
use tlog::{
    consistency_plan, hash_to_base64, inclusion_plan, leaf_hash, Checkpoint, Frontier, Hash, Note,
    Signer, Verifier,
};

fn doc() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../api-spec/transparency.md"
    ))
    .unwrap()
}

/// The fenced block that follows `<!-- marker -->`, without its final newline.
fn block(doc: &str, marker: &str) -> String {
    let after = doc
        .split(&format!("<!-- {marker} -->"))
        .nth(1)
        .unwrap_or_else(|| panic!("no {marker} in transparency.md"));
    let body = after.split("```").nth(1).unwrap();
    let body = body.split_once('\n').unwrap().1;
    body.trim_end_matches('\n').to_string()
}

fn lines(doc: &str, marker: &str) -> Vec<String> {
    block(doc, marker).lines().map(str::to_string).collect()
}

fn seed(text: &str) -> [u8; 32] {
    Sha256::digest(text.as_bytes()).into()
}

#[test]
fn the_worked_example_in_transparency_md_is_what_the_code_computes() {
    let doc = doc();
    let events = lines(&doc, "example-event-hashes");
    let leaves: Vec<Hash> = events
        .iter()
        .map(|e| leaf_hash(&hex::decode(e).unwrap()))
        .collect();
    assert_eq!(
        leaves.iter().map(hex::encode).collect::<Vec<_>>(),
        lines(&doc, "example-leaf-hashes")
    );

    let mut nodes = HashMap::new();
    let mut frontier = Frontier::default();
    let mut roots = Vec::new();
    for l in &leaves {
        for (n, h) in frontier.push(*l) {
            nodes.insert(n, h);
        }
        roots.push(format!(
            "{} {}",
            frontier.size(),
            hash_to_base64(&frontier.root())
        ));
    }
    assert_eq!(roots[1..].to_vec(), lines(&doc, "example-roots"));
    let root = frontier.root();
    let b64 = |p: Vec<Hash>| p.iter().map(hash_to_base64).collect::<Vec<_>>();
    let lookup = |n| nodes.get(&n).copied();

    let p0 = inclusion_plan(0, 3).unwrap().assemble(lookup).unwrap();
    assert_eq!(b64(p0.clone()), lines(&doc, "example-inclusion-0-of-3"));
    tlog::verify_inclusion(0, 3, &leaves[0], &p0, &root).unwrap();
    let p2 = inclusion_plan(2, 3).unwrap().assemble(lookup).unwrap();
    assert_eq!(b64(p2.clone()), lines(&doc, "example-inclusion-2-of-3"));
    tlog::verify_inclusion(2, 3, &leaves[2], &p2, &root).unwrap();
    let c = consistency_plan(2, 3).unwrap().assemble(lookup).unwrap();
    assert_eq!(b64(c.clone()), lines(&doc, "example-consistency-2-to-3"));
    let root2 = tlog::root_of(&leaves[..2]);
    tlog::verify_consistency(2, 3, &root2, &root, &c).unwrap();

    let log = Signer::from_seed(
        "grantledger.example/log",
        seed("grantledger transparency.md example log key"),
    )
    .unwrap();
    assert_eq!(log.to_private_text(), block(&doc, "example-signing-key"));
    assert_eq!(
        log.verifier().to_string(),
        block(&doc, "example-verifier-key")
    );
    let text = Checkpoint {
        origin: "grantledger.example/log".into(),
        size: 3,
        root,
        extensions: vec![],
    }
    .to_text();
    let note = log.sign_note(&text).unwrap();
    assert_eq!(note, format!("{}\n", block(&doc, "example-checkpoint")));
    let key = Verifier::parse(&block(&doc, "example-verifier-key")).unwrap();
    let (opened, _) = Checkpoint::open(&note, &key, Some("grantledger.example/log")).unwrap();
    assert_eq!((opened.size, opened.root), (3, root));

    let witness = Signer::from_seed(
        "witness.example/w1",
        seed("grantledger transparency.md example witness key"),
    )
    .unwrap();
    assert_eq!(
        witness.cosigner_verifier().to_string(),
        block(&doc, "example-witness-key")
    );
    let line = witness.cosign(&text, 1_800_000_000).unwrap();
    assert_eq!(line, format!("{}\n", block(&doc, "example-cosignature")));
    let cosigned = Note::parse(&note)
        .unwrap()
        .with_signature_line(&line)
        .unwrap();
    let wkey = Verifier::parse(&block(&doc, "example-witness-key")).unwrap();
    assert_eq!(wkey.verify_cosignature(&cosigned).unwrap(), 1_800_000_000);
}
