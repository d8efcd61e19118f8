//! `api-spec/hash-chain.md` tells outsiders how to re-implement the chain check; this keeps its
//! worked example and its encoding rules true of the code.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use cqrs_es::persist::SerializedEvent;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use store::chain::{self, BundleLine};

fn doc() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../api-spec/hash-chain.md"
    ))
    .unwrap()
}

/// The fenced block that follows `<!-- marker -->`.
fn block(doc: &str, marker: &str) -> String {
    let after = doc
        .split(&format!("<!-- {marker} -->"))
        .nth(1)
        .unwrap_or_else(|| panic!("no {marker} in hash-chain.md"));
    let body = after.split("```").nth(1).unwrap();
    let body = body.split_once('\n').unwrap().1;
    body.trim_end_matches('\n').to_string()
}

fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

#[test]
fn the_worked_example_in_hash_chain_md_is_what_the_code_computes() {
    let doc = doc();
    let line: BundleLine = serde_json::from_str(&block(&doc, "example-line")).unwrap();
    let event = SerializedEvent::from(line);
    let meta = |k: &str| event.metadata[k].as_str().unwrap().to_string();

    let canonical_payload = block(&doc, "example-canonical-payload");
    assert_eq!(chain::canonical_json(&event.payload), canonical_payload);
    assert_eq!(sha256_hex(&canonical_payload), meta("payload_hash"));
    assert_eq!(chain::payload_hash(&event.payload), meta("payload_hash"));

    let canonical_event = block(&doc, "example-canonical-event");
    let mut without_hash = event.metadata.clone();
    without_hash.as_object_mut().unwrap().remove("hash");
    let e = json!([
        event.aggregate_type,
        event.aggregate_id,
        event.sequence,
        event.event_type,
        event.event_version,
        event.payload,
        without_hash,
        meta("prev_hash"),
    ]);
    assert_eq!(chain::canonical_json(&e), canonical_event);
    assert_eq!(sha256_hex(&canonical_event), meta("hash"));
    assert_eq!(chain::event_hash(&event, &meta("prev_hash")), meta("hash"));
    assert_eq!(meta("prev_hash"), chain::GENESIS);
    assert!(chain::verify(&[event]).ok);
}

#[test]
fn canonical_strings_escape_only_what_the_document_says() {
    let v: Value =
        json!({"s": "\u{1}\u{8}\t\n\u{c}\r\"\\\u{7f}é光\u{1f}", "a": [1, -2, true, null]});
    assert_eq!(
        chain::canonical_json(&v),
        "{\"a\":[1,-2,true,null],\"s\":\"\\u0001\\b\\t\\n\\f\\r\\\"\\\\\u{7f}é光\\u001f\"}"
    );
}
