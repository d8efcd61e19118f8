//! What an operator gets (issue 14): security headers, compression, `If-None-Match` → 304, CORS
//! for configured origins only, Prometheus `/metrics`, and — from the real binary — one JSON log
//! line per request without the token, with `GRANTLEDGER_ADDR` honoured.

use std::io::Read;
use std::process::{Command, Stdio};

use serde_json::{json, Value};

use crate::helpers::*;

const ALLOWED: &str = "https://portal.example.org";

async fn security_headers_compression_and_not_modified(backend: Backend) {
    let app = spawn_app(backend).await;
    let officer = app.officer();

    // Security headers on an answer, on a problem and on the web pages.
    for path in ["/healthz", "/v1/no-such-route", "/"] {
        let res = reqwest::get(format!("{}{path}", app.url)).await.unwrap();
        let h = res.headers();
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        assert_eq!(h["referrer-policy"], "no-referrer", "{path}");
        assert!(h.get("strict-transport-security").is_none(), "{path}");
        assert!(h.get("x-request-id").is_some(), "{path}");
    }

    // If-None-Match with the current ETag: 304, the ETag again and no body; a stale one: 200.
    let created = app
        .post("/v1/challenges", &officer, challenge_draft(json!({})))
        .await;
    let id = created.expect(201)["id"].as_str().unwrap().to_string();
    let path = format!("/v1/challenges/{id}");
    let fresh = app.get(&path, &officer).await;
    fresh.expect(200);
    let etag = format!("\"{}\"", fresh.etag());
    let same = app
        .send(
            "GET",
            &path,
            Some(&officer),
            None,
            &[("if-none-match", &etag)],
        )
        .await;
    assert_eq!(same.status, 304);
    assert_eq!(same.headers["etag"], etag.as_str());
    assert_eq!(same.body, Value::Null);
    let weak = app
        .send(
            "GET",
            &path,
            Some(&officer),
            None,
            &[("if-none-match", &format!("\"99\", W/{etag}"))],
        )
        .await;
    assert_eq!(weak.status, 304);
    let stale = app
        .send(
            "GET",
            &path,
            Some(&officer),
            None,
            &[("if-none-match", "\"0\"")],
        )
        .await;
    assert_eq!(stale.expect(200)["id"], id.as_str());

    // Compression only when asked; JSON, problem+json and CSV keep their media types.
    let client = reqwest::Client::new();
    let fetch = |path: &str, accept: &str, encoding: Option<&str>| {
        let mut req = client
            .get(format!("{}{path}", app.url))
            .bearer_auth(&officer)
            .header("accept", accept);
        if let Some(e) = encoding {
            req = req.header("accept-encoding", e);
        }
        req.send()
    };
    for (path, accept, ctype) in [
        ("/v1/challenges", "application/json", "application/json"),
        ("/v1/challenges", "text/csv", "text/csv"),
        (
            "/v1/challenges/not-a-call",
            "application/json",
            "application/problem+json",
        ),
    ] {
        let res = fetch(path, accept, Some("gzip")).await.unwrap();
        let h = res.headers().clone();
        assert_eq!(h["content-encoding"], "gzip", "{path} {accept}");
        assert!(
            h["content-type"].to_str().unwrap().starts_with(ctype),
            "{path}: {:?}",
            h["content-type"]
        );
        let bytes = res.bytes().await.unwrap();
        assert_eq!(&bytes[..2], &[0x1f, 0x8b], "{path}: a gzip stream");
        let br = fetch(path, accept, Some("br")).await.unwrap();
        assert_eq!(br.headers()["content-encoding"], "br", "{path}");
        let plain = fetch(path, accept, None).await.unwrap();
        assert!(plain.headers().get("content-encoding").is_none(), "{path}");
    }
    let problem: Value = fetch("/v1/challenges/not-a-call", "application/json", None)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(problem["code"], "not_found");

    // /metrics (no token) counts the requests by route template and the commands by outcome.
    let refused = app
        .post(
            "/v1/challenges",
            &officer,
            challenge_draft(json!({"budget_cap_fen": 300000001})),
        )
        .await;
    assert!(refused.status >= 400);
    let res = app.send("GET", "/metrics", None, None, &[]).await;
    assert_eq!(res.status, 200);
    assert!(res.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain; version=0.0.4"));
    let text = reqwest::get(format!("{}/metrics", app.url))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let sample = |line_start: &str| -> f64 {
        text.lines()
            .find(|l| l.starts_with(line_start))
            .unwrap_or_else(|| panic!("no {line_start} in\n{text}"))
            .rsplit(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    assert_eq!(
        sample(
            r#"grantledger_http_requests_total{method="GET",route="/v1/challenges/{id}",status="304"}"#
        ),
        2.0
    );
    assert_eq!(
        sample(
            r#"grantledger_http_requests_total{method="POST",route="/v1/challenges",status="201"}"#
        ),
        1.0
    );
    assert!(
        sample(
            r#"grantledger_http_request_duration_seconds_count{method="GET",route="/v1/challenges/{id}",status="200"}"#
        ) >= 2.0
    );
    assert_eq!(
        sample(
            r#"grantledger_commands_total{aggregate="challenge",command="DraftChallenge",outcome="ok"}"#
        ),
        1.0
    );
    assert_eq!(
        sample(
            r#"grantledger_commands_total{aggregate="challenge",command="DraftChallenge",outcome="refused"}"#
        ),
        1.0
    );
    assert_eq!(sample("grantledger_outbox_depth "), 0.0);
    assert_eq!(sample("grantledger_reactions_parked "), 0.0);
    assert!(sample(r#"grantledger_db_pool_connections{state="max"}"#) >= 1.0);
    assert!(text.contains("grantledger_scheduler_lag_seconds "));
    assert_eq!(
        sample(r#"grantledger_reaction_failures_total{outcome="parked"}"#),
        0.0
    );
    assert!(text.contains("grantledger_outbox_oldest_age_seconds "));
    // Paths that match no route share one label.
    assert!(text.contains(r#"route="unmatched",status="404""#));
    assert!(!text.contains("no-such-route"));
}
both_backends!(security_headers_compression_and_not_modified);

async fn cors_only_for_configured_origins_and_hsts_when_set(backend: Backend) {
    let app = spawn_app_http(
        backend,
        false,
        api::HttpOptions {
            cors_origins: vec![ALLOWED.to_string()],
            hsts_max_age: Some(31_536_000),
            ..api::HttpOptions::default()
        },
    )
    .await;
    let client = reqwest::Client::new();
    let preflight = |origin: &'static str| {
        client
            .request(
                reqwest::Method::OPTIONS,
                format!("{}/v1/challenges", app.url),
            )
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization,content-type,if-match,idempotency-key",
            )
            .send()
    };
    let ok = preflight(ALLOWED).await.unwrap();
    assert!(ok.status().is_success(), "{}", ok.status());
    let h = ok.headers();
    assert_eq!(h["access-control-allow-origin"], ALLOWED);
    let methods = h["access-control-allow-methods"].to_str().unwrap();
    assert!(methods.contains("POST"), "{methods}");
    let allowed = h["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    for name in [
        "authorization",
        "content-type",
        "if-match",
        "if-none-match",
        "idempotency-key",
    ] {
        assert!(allowed.contains(name), "{allowed}");
    }

    let other = preflight("https://evil.example.com").await.unwrap();
    assert!(other.headers().get("access-control-allow-origin").is_none());

    // A simple request from the allowed origin sees ETag and Location.
    let res = client
        .post(format!("{}/v1/challenges", app.url))
        .bearer_auth(app.officer())
        .header("origin", ALLOWED)
        .json(&challenge_draft(json!({})))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 201);
    let h = res.headers();
    assert_eq!(h["access-control-allow-origin"], ALLOWED);
    let exposed = h["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    for name in ["etag", "location", "idempotent-replayed"] {
        assert!(exposed.contains(name), "{exposed}");
    }
    assert_eq!(h["strict-transport-security"], "max-age=31536000");

    // With no origin configured (the default), nobody is granted.
    let closed = spawn_app(backend).await;
    let res = client
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/v1/challenges", closed.url),
        )
        .header("origin", ALLOWED)
        .header("access-control-request-method", "POST")
        .send()
        .await
        .unwrap();
    assert!(res.headers().get("access-control-allow-origin").is_none());
}
both_backends!(cors_only_for_configured_origins_and_hsts_when_set);

/// Runs `grantledger serve` with `envs` (and GRANTLEDGER_ADDR) in `dir` until `work` is done;
/// returns what it wrote to stderr.
async fn with_binary<F, Fut>(dir: &std::path::Path, envs: &[(&str, String)], work: F) -> String
where
    F: FnOnce(String) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let port = free_port();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_grantledger"));
    cmd.arg("serve")
        .current_dir(dir)
        .env("GRANTLEDGER_ADDR", format!("127.0.0.1:{port}"))
        .env_remove("RUST_LOG")
        .env_remove("LOG_FORMAT")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    for (k, v) in envs {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("grantledger serve");
    let url = format!("http://127.0.0.1:{port}");
    let mut up = false;
    for _ in 0..200 {
        if let Ok(res) = reqwest::get(format!("{url}/healthz")).await {
            up = res.status().is_success();
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    if up {
        work(url).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(
        up,
        "the server did not come up on GRANTLEDGER_ADDR:\n{stderr}"
    );
    stderr
}

async fn json_request_log_and_grantledger_addr(backend: Backend) {
    let db = store::testing::FreshDb::create(backend).await.unwrap();
    let dir = std::env::temp_dir().join(format!("gl_ops_{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let secret = "ops-test-secret-0123456789abcdef0123456789";
    let token = token_signed_with(secret, "officer-7", "officer");
    let envs = [
        ("DATABASE_URL", db.url.clone()),
        ("GRANTLEDGER_JWT_SECRET", secret.to_string()),
        ("LOG_FORMAT", "json".to_string()),
    ];
    let t = token.clone();
    let stderr = with_binary(&dir, &envs, |url| async move {
        let client = reqwest::Client::new();
        let res = client
            .get(format!("{url}/v1/challenges?status=published"))
            .bearer_auth(&t)
            .header("x-request-id", "ops-log-1")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 200);
        let res = client
            .get(format!("{url}/v1/challenges/missing"))
            .bearer_auth(&t)
            .header("x-request-id", "ops-log-2")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 404);
    })
    .await;
    assert!(!stderr.contains(&token), "the token was logged:\n{stderr}");
    assert!(!stderr.contains("\u{1b}["), "colour codes in the log");
    let lines: Vec<Value> = stderr
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not a JSON line ({e}): {l}")))
        .collect();
    let of = |request_id: &str| -> Vec<&Value> {
        lines
            .iter()
            .filter(|l| l["message"] == "request" && l["span"]["request_id"] == request_id)
            .collect()
    };
    let ok = of("ops-log-1");
    assert_eq!(ok.len(), 1, "one line per request:\n{stderr}");
    let line = ok[0];
    assert_eq!(line["level"], "INFO");
    assert_eq!(line["status"], 200);
    assert!(line["latency_ms"].as_f64().is_some(), "{line}");
    assert!(line["timestamp"].is_string(), "{line}");
    assert_eq!(line["span"]["method"], "GET");
    assert_eq!(line["span"]["route"], "/v1/challenges");
    assert_eq!(line["span"]["sub"], "officer-7");
    let missing = of("ops-log-2");
    assert_eq!(missing.len(), 1, "{stderr}");
    assert_eq!(missing[0]["status"], 404);
    assert_eq!(missing[0]["span"]["route"], "/v1/challenges/{id}");

    // Text logs carry no colour codes when stderr is not a terminal.
    if backend == Backend::Sqlite {
        let text = with_binary(
            &dir,
            &[
                ("DATABASE_URL", db.url.clone()),
                ("GRANTLEDGER_JWT_SECRET", secret.to_string()),
            ],
            |url| async move {
                reqwest::get(format!("{url}/healthz")).await.unwrap();
            },
        )
        .await;
        assert!(text.contains("grantledger serving"), "{text}");
        assert!(text.contains("route=/healthz"), "{text}");
        assert!(
            !text.contains("\u{1b}["),
            "colour codes in a text log:\n{text}"
        );
    }
    drop(db);
    let _ = std::fs::remove_dir_all(dir);
}
both_backends!(json_request_log_and_grantledger_addr);
