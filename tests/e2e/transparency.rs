//! The transparency log over HTTP and from the command line: checkpoints and proofs that verify
//! with the published key, witnesses' cosignatures, bundles carrying proofs, tampering by SQL
//! caught by `verify-checkpoint` (each case by name), wrong keys and changed sizes rejected, and
//! two server processes appending to one database.

use std::sync::Arc;

use cqrs_es::persist::SerializedEvent;
use serde_json::{json, Value};
use store::transparency::Log;
use store::Db;
use tlog::{Checkpoint, Signer, Verifier};

use crate::helpers::{
    challenge_draft, free_port, published_challenge, spawn_app, token_signed_with, Backend, TestApp,
};

const SECRET: &str = "tlog-e2e-secret-0123456789abcdef0123456789abcdef";

fn log_key() -> Signer {
    Signer::from_seed("grantledger.test/log", [42; 32]).unwrap()
}

async fn text(app: &TestApp, path: &str, token: Option<&str>) -> (u16, String) {
    let mut req = reqwest::Client::new().get(format!("{}{path}", app.url));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req.send().await.unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

fn b64s(v: &Value) -> Vec<tlog::Hash> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|h| tlog::hash_from_base64(h.as_str().unwrap()).unwrap())
        .collect()
}

async fn checkpoints_and_proofs_verify_and_witnesses_cosign(backend: Backend) {
    let app = spawn_app(backend).await;
    let auditor = app.auditor();
    let id = published_challenge(&app, json!({})).await;

    let (status, vkey) = text(&app, "/.well-known/grantledger-log-key", None).await;
    assert_eq!(status, 200);
    let key = Verifier::parse(&vkey).unwrap();

    let (status, note) = text(&app, "/v1/audit/log/checkpoint", Some(&auditor)).await;
    assert_eq!(status, 200, "{note}");
    let (first, _) = Checkpoint::open(&note, &key, None).unwrap();
    assert_eq!(first.size, 2, "a drafted and published call is two events");

    // The inclusion proof of the call's first event, against that checkpoint.
    let proof = app
        .get(
            &format!("/v1/audit/log/proofs/inclusion?type=challenge&id={id}&sequence=1"),
            &auditor,
        )
        .await;
    let proof = proof.expect(200).clone();
    assert_eq!(proof["tree_size"], 2);
    assert_eq!(proof["checkpoint"], note.as_str());
    let events = app
        .get(
            &format!("/v1/audit/streams/challenge/{id}/events"),
            &auditor,
        )
        .await;
    let hash = events.expect(200)["items"][0]["metadata"]["hash"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(proof["event_hash"], hash.as_str());
    let leaf = store::transparency::event_leaf_hash(&hash).unwrap();
    tlog::verify_inclusion(
        proof["leaf_index"].as_u64().unwrap(),
        2,
        &leaf,
        &b64s(&proof["inclusion_path"]),
        &first.root,
    )
    .unwrap();

    // The log grows; the new checkpoint extends the first.
    published_challenge(&app, json!({})).await;
    let (_, note2) = text(&app, "/v1/audit/log/checkpoint", Some(&auditor)).await;
    let (second, _) = Checkpoint::open(&note2, &key, None).unwrap();
    assert_eq!(second.size, 4);
    let cons = app
        .get("/v1/audit/log/proofs/consistency?old=2", &auditor)
        .await;
    let cons = cons.expect(200).clone();
    assert_eq!(cons["new_size"], 4);
    tlog::verify_consistency(
        2,
        4,
        &first.root,
        &second.root,
        &b64s(&cons["consistency_path"]),
    )
    .unwrap();
    let by_leaf = app
        .get(
            "/v1/audit/log/proofs/inclusion?leaf_index=3&tree_size=4",
            &auditor,
        )
        .await;
    assert_eq!(by_leaf.expect(200)["leaf_index"], 3);

    // Every issued checkpoint is kept.
    let list = app.get("/v1/audit/log/checkpoints", &auditor).await;
    let sizes: Vec<u64> = list.expect(200)["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["tree_size"].as_u64().unwrap())
        .collect();
    assert_eq!(sizes, vec![2, 4]);
    let (status, kept) = text(&app, "/v1/audit/log/checkpoints/2", Some(&auditor)).await;
    assert_eq!((status, kept.as_str()), (200, note.as_str()));
    let summary = app.get("/v1/audit/log", &auditor).await;
    assert_eq!(summary.expect(200)["tree_size"], 4);
    assert_eq!(summary.body["verifier_key"], vkey.trim());

    // A witness (here with an auditor-only token) cosigns the first checkpoint.
    let witness = Signer::from_seed("witness.test/w1", [5; 32]).unwrap();
    let line = witness.cosign(&first.to_text(), 1_800_000_000).unwrap();
    let body = json!({"witness_key": witness.cosigner_verifier().to_string(), "cosignature": line});
    let posted = app
        .post(
            "/v1/audit/log/checkpoints/2/cosignatures",
            &auditor,
            body.clone(),
        )
        .await;
    assert_eq!(
        posted.expect(201)["cosigned_by"][0],
        witness.cosigner_verifier().to_string()
    );
    let (_, cosigned) = text(&app, "/v1/audit/log/checkpoints/2", Some(&auditor)).await;
    let cosigned = tlog::Note::parse(&cosigned).unwrap();
    assert_eq!(cosigned.signatures.len(), 2);
    assert_eq!(
        witness
            .cosigner_verifier()
            .verify_cosignature(&cosigned)
            .unwrap(),
        1_800_000_000
    );
    key.verify_note(&cosigned.to_string()).unwrap();

    // A cosignature of another checkpoint, or by another key, is refused; so is an applicant.
    app.post(
        "/v1/audit/log/checkpoints/4/cosignatures",
        &auditor,
        body.clone(),
    )
    .await
    .problem(422, "cosignature_rejected");
    let impostor = Signer::from_seed("witness.test/w1", [6; 32]).unwrap();
    let forged = json!({
        "witness_key": witness.cosigner_verifier().to_string(),
        "cosignature": impostor.cosign(&second.to_text(), 1_800_000_000).unwrap(),
    });
    app.post("/v1/audit/log/checkpoints/4/cosignatures", &auditor, forged)
        .await
        .problem(422, "cosignature_rejected");
    app.post(
        "/v1/audit/log/checkpoints/99/cosignatures",
        &auditor,
        body.clone(),
    )
    .await
    .problem(404, "not_found");
    app.post(
        "/v1/audit/log/checkpoints/2/cosignatures",
        &app.applicant(crate::helpers::orgs::LEAD),
        body,
    )
    .await
    .problem(403, "forbidden");

    // Bad questions are refused with a stable code.
    app.get("/v1/audit/log/proofs/consistency?old=5&new=4", &auditor)
        .await
        .problem(400, "log_out_of_range");
    app.get("/v1/audit/log/proofs/consistency?old=1&new=99", &auditor)
        .await
        .problem(400, "log_out_of_range");
    app.get("/v1/audit/log/proofs/inclusion?type=challenge", &auditor)
        .await
        .problem(400, "invalid_query");
    app.get(
        "/v1/audit/log/proofs/inclusion?type=challenge&id=nope&sequence=1",
        &auditor,
    )
    .await
    .problem(404, "not_found");
    app.get(
        "/v1/audit/log/checkpoint",
        &app.applicant(crate::helpers::orgs::LEAD),
    )
    .await
    .problem(403, "forbidden");
}
both_backends!(checkpoints_and_proofs_verify_and_witnesses_cosign);

fn run_cli(args: &[&str], env: &[(&str, &str)]) -> (bool, String) {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_grantledger"));
    cmd.args(args).env("RUST_LOG", "warn");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

fn temp_file(name: &str, content: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("gl_tlog_{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path
}

async fn an_export_bundle_carries_its_checkpoint_and_inclusion_proofs(backend: Backend) {
    let app = spawn_app(backend).await;
    let id = published_challenge(&app, json!({})).await;
    published_challenge(&app, json!({})).await;
    let (_, vkey) = text(&app, "/.well-known/grantledger-log-key", None).await;
    let (status, bundle) = text(
        &app,
        &format!("/v1/audit/export?type=challenge&id={id}"),
        Some(&app.auditor()),
    )
    .await;
    assert_eq!(status, 200);
    let lines: Vec<Value> = bundle
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1]["log"]["tree_size"], 4);
    let path = temp_file("bundle.jsonl", &bundle);
    let file = path.to_str().unwrap();
    let (ok, out) = run_cli(&["verify-bundle", file, "--key", vkey.trim()], &[]);
    assert!(ok, "{out}");
    assert!(
        out.contains("ok log: 2 events included in the checkpoint of size 4, signed by grantledger.local/log"),
        "{out}"
    );
    // Without a key the proofs are still checked, the signature is not.
    let (ok, out) = run_cli(&["verify-bundle", file], &[]);
    assert!(ok && out.contains("signature not checked"), "{out}");
    // Another key: refused.
    let other = Signer::from_seed("grantledger.local/log", [9; 32]).unwrap();
    let (ok, out) = run_cli(
        &[
            "verify-bundle",
            file,
            "--key",
            &other.verifier().to_string(),
        ],
        &[],
    );
    assert!(!ok, "{out}");
    assert!(out.contains("is not signed by"), "{out}");
    // A proof moved to another leaf index fails, though every chain is intact.
    let moved = bundle.replacen("\"leaf_index\":0", "\"leaf_index\":1", 1);
    assert_ne!(moved, bundle);
    let (ok, out) = run_cli(
        &[
            "verify-bundle",
            temp_file("moved.jsonl", &moved).to_str().unwrap(),
        ],
        &[],
    );
    assert!(!ok, "{out}");
    assert!(
        out.contains(&format!(
            "BROKEN challenge/{id} at sequence 1: not in the log"
        )),
        "{out}"
    );
}
both_backends!(an_export_bundle_carries_its_checkpoint_and_inclusion_proofs);

/// A server over a fresh database whose URL the command line can use, signing with `log_key()`.
struct Served {
    fresh: store::testing::FreshDb,
    state: app::AppState,
    url: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl Served {
    fn token(&self, sub: &str, role: &str) -> String {
        token_signed_with(SECRET, sub, role)
    }

    fn db(&self) -> Db {
        self.state.store().db().clone()
    }

    async fn draft(&self) -> String {
        let res = reqwest::Client::new()
            .post(format!("{}/v1/challenges", self.url))
            .bearer_auth(self.token("officer-1", "officer"))
            .json(&challenge_draft(json!({})))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 201);
        let body: Value = res.json().await.unwrap();
        let id = body["id"].as_str().unwrap().to_string();
        for title in ["A", "B", "C"] {
            let res = reqwest::Client::new()
                .post(format!("{}/v1/challenges/{id}/amend", self.url))
                .bearer_auth(self.token("officer-1", "officer"))
                .json(&json!({"reason": "r", "title": title}))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status().as_u16(), 200);
        }
        id
    }

    async fn checkpoint(&self) -> String {
        reqwest::Client::new()
            .get(format!("{}/v1/audit/log/checkpoint", self.url))
            .bearer_auth(self.token("auditor-1", "auditor"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }

    /// `verify-checkpoint` against the database (`url` false) or over HTTP.
    fn verify(&self, key: &str, old: &str, http: bool) -> (bool, String) {
        let old = temp_file("old.checkpoint", old);
        let mut args = vec![
            "verify-checkpoint",
            "--key",
            key,
            "--old",
            old.to_str().unwrap(),
        ];
        if http {
            args.extend(["--url", self.url.as_str()]);
        }
        let token = self.token("auditor-1", "auditor");
        run_cli(
            &args,
            &[
                ("DATABASE_URL", self.fresh.url.as_str()),
                ("GRANTLEDGER_TOKEN", token.as_str()),
            ],
        )
    }
}

async fn serve(backend: Backend) -> Served {
    let fresh = store::testing::FreshDb::create(backend).await.unwrap();
    let store = store::Store::new(
        fresh.connect().await.unwrap(),
        projections::all_projectors(),
    );
    let clock = kernel::FixedClock::new("2027-01-10T01:00:00Z".parse().unwrap());
    let state = app::AppState::new(
        store,
        Arc::new(clock),
        Arc::new(kernel::RandomIds),
        SECRET.into(),
        64 * 1024,
    )
    .with_log_signer(log_key(), std::time::Duration::from_secs(3600));
    let app = api::Application::with_state("127.0.0.1:0", state.clone())
        .await
        .unwrap();
    let url = format!("http://127.0.0.1:{}", app.port());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(app.serve(async move {
        let _ = stopped.await;
    }));
    Served {
        fresh,
        state,
        url,
        stop: Some(stop),
    }
}

async fn sql(db: &Db, statement: &str, args: &[&str]) {
    match db {
        Db::Postgres(pool) => {
            let mut q = sqlx::query(statement);
            for a in args {
                q = q.bind(*a);
            }
            q.execute(pool).await.unwrap();
        }
        Db::Sqlite(pool) => {
            let statement = statement.replace('$', "?");
            let mut q = sqlx::query(&statement);
            for a in args {
                q = q.bind(*a);
            }
            q.execute(pool).await.unwrap();
        }
    }
}

/// What a thorough attacker does next: throws the log away and rebuilds it from the tampered
/// events, so that the log agrees with the database again.
async fn rebuild_the_log(db: &Db) {
    sql(db, "DELETE FROM tlog_leaves", &[]).await;
    sql(db, "DELETE FROM tlog_nodes", &[]).await;
    sql(db, "UPDATE tlog_head SET size = 0, frontier = ''", &[]).await;
    Log::new(db.clone()).integrate_unlogged().await.unwrap();
}

#[derive(Clone, Copy)]
enum Tampering {
    DeleteNewestEvent,
    DeleteWholeStream,
    RewriteAndReseal,
}

async fn tamper(served: &Served, id: &str, how: Tampering) {
    let db = served.db();
    match how {
        Tampering::DeleteNewestEvent => {
            sql(
                &db,
                "DELETE FROM events WHERE aggregate_id = $1 AND sequence = 4",
                &[id],
            )
            .await
        }
        Tampering::DeleteWholeStream => {
            sql(&db, "DELETE FROM events WHERE aggregate_id = $1", &[id]).await;
            sql(&db, "DELETE FROM views WHERE view_id = $1", &[id]).await;
        }
        Tampering::RewriteAndReseal => {
            // Change the budget in the first event and re-seal the whole stream, consistently.
            let events = served
                .state
                .store()
                .events("challenge", id, 0, None)
                .await
                .unwrap();
            let mut prev = store::chain::GENESIS.to_string();
            for mut e in events {
                if e.sequence == 1 {
                    e.payload["ChallengeDrafted"]["budget_cap"] = json!(300000001);
                }
                store::chain::seal(&mut e, &prev);
                prev = store::chain::recorded_hash(&e).unwrap().to_string();
                update_event(&db, &e).await;
            }
        }
    }
}

async fn update_event(db: &Db, e: &SerializedEvent) {
    let seq = e.sequence as i64;
    match db {
        Db::Postgres(pool) => {
            sqlx::query("UPDATE events SET payload = $3, metadata = $4 WHERE aggregate_id = $1 AND sequence = $2")
                .bind(&e.aggregate_id)
                .bind(seq)
                .bind(sqlx::types::Json(&e.payload))
                .bind(sqlx::types::Json(&e.metadata))
                .execute(pool)
                .await
                .unwrap();
        }
        Db::Sqlite(pool) => {
            sqlx::query("UPDATE events SET payload = ?3, metadata = ?4 WHERE aggregate_id = ?1 AND sequence = ?2")
                .bind(&e.aggregate_id)
                .bind(seq)
                .bind(e.payload.to_string())
                .bind(e.metadata.to_string())
                .execute(pool)
                .await
                .unwrap();
        }
    }
}

/// One tampering case: caught against the database, and — once the attacker also rebuilds the
/// log to match — caught over HTTP as well.
async fn tampering_case(backend: Backend, how: Tampering, expect: &str) {
    let served = serve(backend).await;
    let key = log_key().verifier().to_string();
    let _before = served.draft().await;
    let victim = served.draft().await;
    let _after = served.draft().await;
    let old = served.checkpoint().await;
    let (ok, out) = served.verify(&key, &old, false);
    assert!(ok, "untouched, against the database: {out}");
    let (ok, out) = served.verify(&key, &old, true);
    assert!(ok, "untouched, over HTTP: {out}");

    tamper(&served, &victim, how).await;
    if matches!(how, Tampering::RewriteAndReseal) {
        // The per-stream chain alone cannot see a consistent re-seal.
        assert!(
            served
                .state
                .store()
                .verify_stream("challenge", &victim)
                .await
                .unwrap()
                .ok
        );
    }
    let (ok, out) = served.verify(&key, &old, false);
    assert!(!ok, "tampered, against the database: {out}");
    let expect = expect.replace("{id}", &victim);
    assert!(out.contains(&expect), "expected {expect:?} in: {out}");

    rebuild_the_log(&served.db()).await;
    let (ok, out) = served.verify(&key, &old, false);
    assert!(!ok, "log rebuilt, against the database: {out}");
    assert!(
        out.contains("no longer hash to the kept checkpoint's root")
            || out.contains("the log shrank"),
        "{out}"
    );
    let (ok, out) = served.verify(&key, &old, true);
    assert!(!ok, "log rebuilt, over HTTP: {out}");
    assert!(
        out.contains("does not extend the kept checkpoint") || out.contains("the log shrank"),
        "{out}"
    );
}

async fn deleting_a_streams_newest_event_is_caught_by_verify_checkpoint(backend: Backend) {
    tampering_case(
        backend,
        Tampering::DeleteNewestEvent,
        "event challenge/{id}/4 is missing",
    )
    .await;
}
both_backends!(deleting_a_streams_newest_event_is_caught_by_verify_checkpoint);

async fn deleting_a_whole_stream_is_caught_by_verify_checkpoint(backend: Backend) {
    tampering_case(
        backend,
        Tampering::DeleteWholeStream,
        "event challenge/{id}/1 is missing",
    )
    .await;
}
both_backends!(deleting_a_whole_stream_is_caught_by_verify_checkpoint);

async fn rewriting_and_resealing_a_stream_is_caught_by_verify_checkpoint(backend: Backend) {
    tampering_case(
        backend,
        Tampering::RewriteAndReseal,
        "event challenge/{id}/1 now has hash",
    )
    .await;
}
both_backends!(rewriting_and_resealing_a_stream_is_caught_by_verify_checkpoint);

async fn a_checkpoint_with_another_key_or_a_changed_size_is_rejected(backend: Backend) {
    let served = serve(backend).await;
    served.draft().await;
    let note = served.checkpoint().await;
    let key = log_key().verifier().to_string();
    // Signed with another key (under the same name).
    let other = Signer::from_seed("grantledger.test/log", [7; 32]).unwrap();
    let (c, _) = Checkpoint::open(&note, &log_key().verifier(), None).unwrap();
    let foreign = other.sign_note(&c.to_text()).unwrap();
    for http in [false, true] {
        let (ok, out) = served.verify(&key, &foreign, http);
        assert!(!ok, "{out}");
        assert!(
            out.contains("the kept checkpoint is rejected: the note is not signed by"),
            "{out}"
        );
    }
    // The server's own checkpoint checked with another key.
    let (ok, out) = served.verify(&other.verifier().to_string(), &note, true);
    assert!(!ok && out.contains("rejected"), "{out}");
    // The right signature over a changed tree size.
    let changed = note.replacen("\n4\n", "\n3\n", 1);
    assert_ne!(changed, note);
    for http in [false, true] {
        let (ok, out) = served.verify(&key, &changed, http);
        assert!(!ok, "{out}");
        assert!(
            out.contains("the kept checkpoint is rejected: the signature by grantledger.test/log does not verify"),
            "{out}"
        );
    }
    // And the untouched one passes.
    assert!(served.verify(&key, &note, true).0);
}
both_backends!(a_checkpoint_with_another_key_or_a_changed_size_is_rejected);

/// A `grantledger serve` child process, killed when dropped.
struct Child(std::process::Child, String);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn start_process(database_url: &str) -> Child {
    let port = free_port();
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_grantledger"))
        .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
        .env("DATABASE_URL", database_url)
        .env("GRANTLEDGER_JWT_SECRET", SECRET)
        .env("GRANTLEDGER_LOG_KEY", log_key().to_private_text())
        .env("GRANTLEDGER_FAKE_NOW", crate::helpers::START)
        .env("RUST_LOG", "error")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let url = format!("http://127.0.0.1:{port}");
    let child = Child(child, url.clone());
    for _ in 0..300 {
        if let Ok(res) = reqwest::get(format!("{url}/healthz")).await {
            if res.status().is_success() {
                return child;
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("grantledger serve did not come up on {url}");
}

async fn two_server_processes_give_every_event_one_leaf_in_commit_order(backend: Backend) {
    let fresh = store::testing::FreshDb::create(backend).await.unwrap();
    let db = fresh.connect().await.unwrap();
    let servers = [
        start_process(&fresh.url).await,
        start_process(&fresh.url).await,
    ];
    let officer = token_signed_with(SECRET, "officer-1", "officer");
    let started = std::time::Instant::now();
    let mut tasks = Vec::new();
    for server in &servers {
        for _ in 0..3 {
            let (url, officer) = (server.1.clone(), officer.clone());
            tasks.push(tokio::spawn(async move {
                let client = reqwest::Client::new();
                let mut done = Vec::new();
                for _ in 0..6 {
                    let began = started.elapsed().as_micros();
                    let res = client
                        .post(format!("{url}/v1/challenges"))
                        .bearer_auth(&officer)
                        .json(&challenge_draft(json!({})))
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(res.status().as_u16(), 201);
                    let body: Value = res.json().await.unwrap();
                    let id = body["id"].as_str().unwrap().to_string();
                    done.push((id, began, started.elapsed().as_micros()));
                }
                done
            }));
        }
    }
    let mut commands = Vec::new();
    for t in tasks {
        commands.extend(t.await.unwrap());
    }
    let log = Log::new(db.clone());
    let leaves = log.leaves(0, 10_000).await.unwrap();
    let events: i64 = match &db {
        Db::Postgres(pool) => sqlx::query_scalar("SELECT COUNT(*) FROM events")
            .fetch_one(pool)
            .await
            .unwrap(),
        Db::Sqlite(pool) => sqlx::query_scalar("SELECT COUNT(*) FROM events")
            .fetch_one(pool)
            .await
            .unwrap(),
    };
    assert!(events >= 36);
    assert_eq!(leaves.len() as i64, events, "one leaf per event");
    for (i, l) in leaves.iter().enumerate() {
        assert_eq!(l.leaf_index, i as u64, "dense");
    }
    let index = |id: &str| {
        let found: Vec<_> = leaves.iter().filter(|l| l.aggregate_id == id).collect();
        assert_eq!(found.len(), 1, "exactly one leaf for {id}");
        found[0].leaf_index
    };
    for a in &commands {
        for b in &commands {
            if a.2 < b.1 {
                assert!(
                    index(&a.0) < index(&b.0),
                    "{a:?} committed before {b:?} began"
                );
            }
        }
    }
    let audit = log.audit_events().await.unwrap();
    assert!(audit.problems.is_empty(), "{:?}", audit.problems);
    // Both processes sign the same tree with the same key.
    let key = log_key().verifier();
    let mut roots = Vec::new();
    for server in &servers {
        let note = reqwest::Client::new()
            .get(format!("{}/v1/audit/log/checkpoint", server.1))
            .bearer_auth(&officer)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let (c, _) = Checkpoint::open(&note, &key, Some("grantledger.test/log")).unwrap();
        roots.push((c.size, c.root));
    }
    assert_eq!(roots[0], roots[1]);
    assert_eq!(roots[0].0 as i64, events);
    drop(servers);
    db.close().await;
}
both_backends!(two_server_processes_give_every_event_one_leaf_in_commit_order);
