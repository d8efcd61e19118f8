//! The per-stream hash chain that makes the log tamper-evident.
//!
//! Every stored event carries in its metadata `payload_hash`, `prev_hash` and `hash`:
//!
//! - `payload_hash` = hex SHA-256 of the canonical JSON of the payload;
//! - `prev_hash` = the `hash` of the previous event of the same stream, or 64 zeros for the first;
//! - `hash` = hex SHA-256 of the canonical JSON of the array
//!   `[aggregate_type, aggregate_id, sequence, event_type, event_version, payload,
//!     metadata_without_hash, prev_hash]`.
//!
//! Canonical JSON: no whitespace, object keys sorted by code point, strings escaped as RFC 8259
//! requires and nothing else (non-ASCII written as UTF-8). `api-spec/hash-chain.md` states the
//! same for outsiders.

use cqrs_es::persist::SerializedEvent;
use serde::Serialize;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// `prev_hash` of a stream's first event.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Canonical JSON text of `value` (sorted keys, no whitespace).
pub fn canonical_json(value: &Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                if let Some(v) = map.get(key) {
                    write_canonical(v, out);
                }
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The hex SHA-256 of the canonical payload.
pub fn payload_hash(payload: &Value) -> String {
    sha256_hex(canonical_json(payload).as_bytes())
}

fn metadata_without_hash(metadata: &Value) -> Value {
    let mut map = match metadata {
        Value::Object(map) => map.clone(),
        _ => Map::new(),
    };
    map.remove("hash");
    Value::Object(map)
}

/// The hash of `event` chained to `prev_hash`; `hash` in its metadata is ignored.
pub fn event_hash(event: &SerializedEvent, prev_hash: &str) -> String {
    let encoded = Value::Array(vec![
        Value::String(event.aggregate_type.clone()),
        Value::String(event.aggregate_id.clone()),
        Value::from(event.sequence as u64),
        Value::String(event.event_type.clone()),
        Value::String(event.event_version.clone()),
        event.payload.clone(),
        metadata_without_hash(&event.metadata),
        Value::String(prev_hash.to_string()),
    ]);
    sha256_hex(canonical_json(&encoded).as_bytes())
}

/// Writes `payload_hash`, `prev_hash` and `hash` into the event's metadata.
pub fn seal(event: &mut SerializedEvent, prev_hash: &str) {
    let payload_hash = payload_hash(&event.payload);
    let mut map = match std::mem::take(&mut event.metadata) {
        Value::Object(map) => map,
        _ => Map::new(),
    };
    map.remove("hash");
    map.insert("payload_hash".into(), Value::String(payload_hash));
    map.insert("prev_hash".into(), Value::String(prev_hash.to_string()));
    event.metadata = Value::Object(map);
    let hash = event_hash(event, prev_hash);
    if let Value::Object(map) = &mut event.metadata {
        map.insert("hash".into(), Value::String(hash));
    }
}

/// The `hash` recorded in an event's metadata.
pub fn recorded_hash(event: &SerializedEvent) -> Option<&str> {
    event.metadata.get("hash").and_then(Value::as_str)
}

/// The outcome of checking one stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    /// True when every event is intact and linked.
    pub ok: bool,
    /// How many events were checked.
    pub events: usize,
    /// The first sequence where the chain breaks.
    pub broken_at: Option<u64>,
    /// Why it breaks there.
    pub reason: Option<String>,
}

impl Verdict {
    fn broken(events: usize, at: u64, reason: String) -> Verdict {
        Verdict {
            ok: false,
            events,
            broken_at: Some(at),
            reason: Some(reason),
        }
    }
}

/// Checks one stream's events, given in stored order (by sequence).
pub fn verify(events: &[SerializedEvent]) -> Verdict {
    let mut prev = GENESIS.to_string();
    for (expected, event) in (1u64..).zip(events) {
        let seq = event.sequence as u64;
        if seq > expected {
            return Verdict::broken(
                events.len(),
                expected,
                format!("event deleted: sequence {expected} is missing before {seq}"),
            );
        }
        if seq < expected {
            return Verdict::broken(
                events.len(),
                seq,
                format!("event inserted: sequence {seq} appears again"),
            );
        }
        let meta = |key: &str| {
            event
                .metadata
                .get(key)
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        let (Some(hash), Some(recorded_prev)) = (meta("hash"), meta("prev_hash")) else {
            return Verdict::broken(
                events.len(),
                seq,
                "metadata changed: hash or prev_hash missing".into(),
            );
        };
        if meta("payload_hash").as_deref() != Some(payload_hash(&event.payload).as_str()) {
            return Verdict::broken(events.len(), seq, "payload changed".into());
        }
        if event_hash(event, &recorded_prev) != hash {
            return Verdict::broken(
                events.len(),
                seq,
                "metadata changed: the event's hash does not match its contents".into(),
            );
        }
        if recorded_prev != prev {
            return Verdict::broken(
                events.len(),
                seq,
                "event inserted or replaced: prev_hash does not match the previous event".into(),
            );
        }
        prev = hash;
    }
    Verdict {
        ok: true,
        events: events.len(),
        broken_at: None,
        reason: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn event(seq: usize, payload: Value) -> SerializedEvent {
        SerializedEvent::new(
            "s-1".into(),
            seq,
            "challenge".into(),
            "ChallengeDrafted".into(),
            "1.0".into(),
            payload,
            json!({"actor_sub": "alice", "recorded_at": "2027-01-10T01:00:00Z"}),
        )
    }

    fn chain(n: usize) -> Vec<SerializedEvent> {
        let mut prev = GENESIS.to_string();
        (1..=n)
            .map(|i| {
                let mut e = event(i, json!({"X": {"b": i, "a": "光刻胶"}}));
                seal(&mut e, &prev);
                prev = recorded_hash(&e).unwrap().to_string();
                e
            })
            .collect()
    }

    #[test]
    fn canonical_json_sorts_keys_and_drops_whitespace() {
        let v = json!({"b": [1, {"d": 1, "c": "é\n"}], "a": null});
        assert_eq!(
            canonical_json(&v),
            r#"{"a":null,"b":[1,{"c":"é\n","d":1}]}"#
        );
    }

    #[test]
    fn an_untouched_chain_verifies() {
        assert!(verify(&chain(4)).ok);
    }

    #[test]
    fn each_kind_of_tampering_names_the_first_broken_sequence() {
        let mut payload = chain(4);
        payload[1].payload = json!({"X": {"b": 2, "a": "光刻胶!"}});
        let v = verify(&payload);
        assert_eq!(
            (v.broken_at, v.reason.as_deref()),
            (Some(2), Some("payload changed"))
        );

        let mut deleted = chain(4);
        deleted.remove(2);
        let v = verify(&deleted);
        assert_eq!(v.broken_at, Some(3));
        assert!(v.reason.unwrap().starts_with("event deleted"));

        let mut swapped = chain(4);
        let p1 = swapped[1].payload.clone();
        swapped[1].payload = swapped[2].payload.clone();
        swapped[2].payload = p1;
        assert_eq!(verify(&swapped).broken_at, Some(2));

        let mut meta = chain(4);
        meta[2].metadata["actor_sub"] = json!("mallory");
        let v = verify(&meta);
        assert_eq!(v.broken_at, Some(3));
        assert!(v.reason.unwrap().starts_with("metadata changed"));
    }
}

/// The outcome of checking an exported bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleReport {
    /// True when the bundle has events and every stream in it is intact.
    pub ok: bool,
    /// One line per stream (and per unreadable line), for people.
    pub lines: Vec<String>,
}

/// One line of an export bundle: a stored event with its metadata (and so its hashes).
#[derive(Debug, Clone, serde::Deserialize, Serialize)]
pub struct BundleLine {
    /// Aggregate type.
    pub aggregate_type: String,
    /// Aggregate id.
    pub aggregate_id: String,
    /// Sequence in the stream.
    pub sequence: u64,
    /// Event type.
    pub event_type: String,
    /// Event version.
    pub event_version: String,
    /// Payload.
    pub payload: Value,
    /// Metadata, including `payload_hash`, `prev_hash` and `hash`.
    pub metadata: Value,
}

impl From<&SerializedEvent> for BundleLine {
    fn from(e: &SerializedEvent) -> Self {
        BundleLine {
            aggregate_type: e.aggregate_type.clone(),
            aggregate_id: e.aggregate_id.clone(),
            sequence: e.sequence as u64,
            event_type: e.event_type.clone(),
            event_version: e.event_version.clone(),
            payload: e.payload.clone(),
            metadata: e.metadata.clone(),
        }
    }
}

impl From<BundleLine> for SerializedEvent {
    fn from(l: BundleLine) -> Self {
        SerializedEvent::new(
            l.aggregate_id,
            l.sequence as usize,
            l.aggregate_type,
            l.event_type,
            l.event_version,
            l.payload,
            l.metadata,
        )
    }
}

/// Checks a JSON Lines bundle offline: every line parses, and every stream in it verifies
/// from its first event.
pub fn verify_bundle(text: &str) -> BundleReport {
    let mut streams: Vec<((String, String), Vec<SerializedEvent>)> = Vec::new();
    let mut lines = Vec::new();
    let mut ok = true;
    for (n, raw) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        match serde_json::from_str::<BundleLine>(raw) {
            Ok(line) => {
                let key = (line.aggregate_type.clone(), line.aggregate_id.clone());
                let event = SerializedEvent::from(line);
                match streams.iter_mut().find(|(k, _)| *k == key) {
                    Some((_, events)) => events.push(event),
                    None => streams.push((key, vec![event])),
                }
            }
            Err(e) => {
                ok = false;
                lines.push(format!("line {}: not an event: {e}", n + 1));
            }
        }
    }
    if streams.is_empty() && ok {
        return BundleReport {
            ok: false,
            lines: vec!["the bundle holds no events".into()],
        };
    }
    for ((kind, id), mut events) in streams {
        events.sort_by_key(|e| e.sequence);
        let v = verify(&events);
        if v.ok {
            lines.push(format!("ok {kind}/{id}: {} events intact", v.events));
        } else {
            ok = false;
            lines.push(format!(
                "BROKEN {kind}/{id} at sequence {}: {}",
                v.broken_at.unwrap_or(0),
                v.reason.unwrap_or_default()
            ));
        }
    }
    BundleReport { ok, lines }
}
