//! `grantledger verify-checkpoint`: checks that the ledger's transparency log still extends a
//! checkpoint an auditor kept, either over HTTP (signature + consistency proof, what any
//! outsider can check) or straight against the database (everything, recomputed from the events).

use std::path::Path;

use store::transparency::Log;
use store::Db;
use tlog::{Checkpoint, Signer, Verifier};

/// What the check found: one line per finding, and whether the log extends the kept checkpoint.
pub struct Outcome {
    /// True when nothing is broken.
    pub ok: bool,
    /// For people.
    pub lines: Vec<String>,
    /// The verified current checkpoint (HTTP mode), to keep for next time.
    pub current: Option<String>,
}

type Failure = Box<dyn std::error::Error>;

/// A verifier key given inline (`name+id+key`) or as a file holding one.
pub fn read_verifier(arg: &str) -> Result<Verifier, Failure> {
    let text = if Path::new(arg).is_file() {
        std::fs::read_to_string(arg)?
    } else {
        arg.to_string()
    };
    Ok(Verifier::parse(&text)?)
}

fn broken(lines: &mut Vec<String>, line: String) {
    lines.push(format!("BROKEN {line}"));
}

/// Over HTTP: fetches the current checkpoint and the consistency proof from `old` to it.
pub async fn over_http(
    key: &Verifier,
    old_note: &str,
    url: &str,
    token: Option<&str>,
    cosign_with: Option<&Signer>,
) -> Result<Outcome, Failure> {
    let mut lines = Vec::new();
    let old = match Checkpoint::open(old_note, key, None) {
        Ok((c, _)) => c,
        Err(e) => {
            broken(&mut lines, format!("the kept checkpoint is rejected: {e}"));
            return Ok(Outcome {
                ok: false,
                lines,
                current: None,
            });
        }
    };
    let base = url.trim_end_matches('/');
    let client = reqwest::Client::new();
    let get = |path: String| {
        let mut req = client.get(format!("{base}{path}"));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        req
    };
    let res = get("/v1/audit/log/checkpoint".into()).send().await?;
    if !res.status().is_success() {
        return Err(format!("GET checkpoint: {} {}", res.status(), res.text().await?).into());
    }
    let note = res.text().await?;
    let new = match Checkpoint::open(&note, key, Some(&old.origin)) {
        Ok((c, _)) => c,
        Err(e) => {
            broken(
                &mut lines,
                format!("the log's current checkpoint is rejected: {e}"),
            );
            return Ok(Outcome {
                ok: false,
                lines,
                current: None,
            });
        }
    };
    if new.size < old.size {
        broken(
            &mut lines,
            format!(
                "the log shrank: it has {} leaves, the kept checkpoint {}",
                new.size, old.size
            ),
        );
        return Ok(Outcome {
            ok: false,
            lines,
            current: None,
        });
    }
    let res = get(format!(
        "/v1/audit/log/proofs/consistency?old={}&new={}",
        old.size, new.size
    ))
    .send()
    .await?;
    if !res.status().is_success() {
        return Err(format!("GET consistency: {} {}", res.status(), res.text().await?).into());
    }
    let body: serde_json::Value = res.json().await?;
    let proof = body["consistency_path"]
        .as_array()
        .ok_or("the consistency proof has no consistency_path")?
        .iter()
        .map(|h| h.as_str().and_then(tlog::hash_from_base64))
        .collect::<Option<Vec<_>>>()
        .ok_or("the consistency path is not base64 hashes")?;
    match tlog::verify_consistency(old.size, new.size, &old.root, &new.root, &proof) {
        Ok(()) => lines.push(format!(
            "ok the log at size {} extends the kept checkpoint of size {}",
            new.size, old.size
        )),
        Err(e) => {
            broken(
                &mut lines,
                format!(
                    "the log at size {} does not extend the kept checkpoint of size {}: {e}",
                    new.size, old.size
                ),
            );
            return Ok(Outcome {
                ok: false,
                lines,
                current: None,
            });
        }
    }
    if let Some(witness) = cosign_with {
        let text = new.to_text();
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)?
            .as_secs();
        let line = witness.cosign(&text, stamp)?;
        let mut req = client
            .post(format!(
                "{base}/v1/audit/log/checkpoints/{}/cosignatures",
                new.size
            ))
            .json(&serde_json::json!({
                "witness_key": witness.cosigner_verifier().to_string(),
                "cosignature": line,
            }));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let res = req.send().await?;
        if !res.status().is_success() {
            return Err(format!("POST cosignature: {} {}", res.status(), res.text().await?).into());
        }
        lines.push(format!(
            "ok cosigned the checkpoint of size {} as {}",
            new.size,
            witness.name()
        ));
    }
    Ok(Outcome {
        ok: true,
        lines,
        current: Some(note),
    })
}

/// Against the database: every leaf must still be its event, every event a leaf, and the
/// first `old.size` events must still hash to the kept checkpoint's root; the newest kept
/// checkpoint must be signed by `key` and consistent with the kept one.
pub async fn against_database(
    key: &Verifier,
    old_note: &str,
    database_url: &str,
) -> Result<Outcome, Failure> {
    let mut lines = Vec::new();
    let old = match Checkpoint::open(old_note, key, None) {
        Ok((c, _)) => c,
        Err(e) => {
            broken(&mut lines, format!("the kept checkpoint is rejected: {e}"));
            return Ok(Outcome {
                ok: false,
                lines,
                current: None,
            });
        }
    };
    // Read only: no migrations, nothing written.
    let db = Db::connect(database_url).await?;
    let log = Log::new(db.clone());
    let audit = log.audit_events().await?;
    for p in &audit.problems {
        broken(&mut lines, p.clone());
    }
    let n = audit.leaves.len() as u64;
    if n < old.size {
        broken(
            &mut lines,
            format!(
                "the log shrank: it has {n} leaves, the kept checkpoint {}",
                old.size
            ),
        );
    } else if tlog::root_of(&audit.leaves[..old.size as usize]) != old.root {
        broken(
            &mut lines,
            format!(
                "the ledger's first {} events no longer hash to the kept checkpoint's root",
                old.size
            ),
        );
    } else {
        lines.push(format!(
            "ok the ledger's first {} events still hash to the kept checkpoint's root",
            old.size
        ));
    }
    if let Some(latest) = log.latest_checkpoint().await? {
        match Checkpoint::open(&latest.note, key, Some(&old.origin)) {
            Err(e) => broken(
                &mut lines,
                format!(
                    "the newest kept checkpoint (size {}) is rejected: {e}",
                    latest.tree_size
                ),
            ),
            Ok((new, _)) if new.size >= old.size => {
                let proof = log.consistency_proof(old.size, new.size).await;
                match proof.map_err(|e| e.to_string()).and_then(|p| {
                    tlog::verify_consistency(old.size, new.size, &old.root, &new.root, &p)
                        .map_err(|e| e.to_string())
                }) {
                    Ok(()) => lines.push(format!(
                        "ok the newest kept checkpoint (size {}) extends the kept one",
                        new.size
                    )),
                    Err(e) => broken(
                        &mut lines,
                        format!(
                            "the newest kept checkpoint (size {}) does not extend the kept one: {e}",
                            new.size
                        ),
                    ),
                }
            }
            Ok(_) => {}
        }
    }
    db.close().await;
    Ok(Outcome {
        ok: !lines.iter().any(|l| l.starts_with("BROKEN")),
        lines,
        current: None,
    })
}

/// Reads the witness's private key file for `--cosign-with`.
pub fn read_signer(path: &Path) -> Result<Signer, Failure> {
    Ok(Signer::parse(&std::fs::read_to_string(path)?)?)
}
