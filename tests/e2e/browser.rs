//! The web front end in a real browser: `tests/browser/journey.mjs` drives Debian's chromium
//! (through npm's `playwright-core`, pinned in `tests/browser/package-lock.json`) over the real
//! application, on each store. The scenario moves the server's clock when the script asks
//! (`CLOCK <instant>` on its stdout, answered with `ok`), so the whole story — a call, a joint bid
//! with an attachment, three experts, 公示, the award, a milestone, a paid tranche, a need taken
//! into the pool and drafted into a call, the KPI table with its facts and CSV, and the auditor's
//! dossier — runs in one browser session. Screenshots, the axe-core report and the
//! exported bundle land in `tests/browser/screenshots/<store>/`.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Mutex;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::Command;

use crate::helpers::{spawn_app_with, Backend};

/// Where the script and its pinned npm packages live.
fn browser_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser")
}

/// The chromium binary: `CHROMIUM`, else Debian's.
fn chromium() -> PathBuf {
    std::env::var_os("CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"))
}

fn run(cmd: &mut std::process::Command) -> bool {
    cmd.status().map(|s| s.success()).unwrap_or(false)
}

// The two stores' scenarios run in parallel; one of them installs, the other waits.
static SETUP: Mutex<()> = Mutex::new(());

/// Installs what the journey needs when it is missing: chromium (apt) and the npm packages
/// (`npm ci`, exactly as locked). Fails with what to do when it cannot.
fn ensure_tools() {
    let _guard = SETUP.lock().unwrap_or_else(|e| e.into_inner());
    let chromium = chromium();
    if !chromium.exists() {
        // The CJK fonts only make the screenshots legible; the pages work without them.
        let install = || {
            run(std::process::Command::new("apt-get").args([
                "install",
                "-y",
                "--no-install-recommends",
                "chromium",
                "fonts-noto-cjk",
            ]))
        };
        let installed =
            install() || (run(std::process::Command::new("apt-get").arg("update")) && install());
        assert!(
            installed && chromium.exists(),
            "the browser tests need chromium at {}: install it with `apt-get install -y chromium` \
             (as root) or point CHROMIUM at a Chromium binary",
            chromium.display()
        );
    }
    assert!(
        run(std::process::Command::new("node")
            .arg("--version")
            .stdout(Stdio::null())),
        "the browser tests need Node.js (`node` and `npm` on PATH; Debian: apt-get install -y nodejs npm)"
    );
    let dir = browser_dir();
    if !dir
        .join("node_modules/playwright-core/package.json")
        .exists()
        || !dir.join("node_modules/axe-core/axe.min.js").exists()
    {
        assert!(
            run(std::process::Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund"])
                .current_dir(&dir)),
            "`npm ci` in {} failed (the registry must be reachable once)",
            dir.display()
        );
    }
}

async fn the_journey_from_call_to_paid_tranche_and_audit_runs_in_chromium(backend: Backend) {
    tokio::task::spawn_blocking(ensure_tools)
        .await
        .expect("setup ran");
    let app = spawn_app_with(backend, true).await;
    let name = match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    let shots = browser_dir().join("screenshots").join(name);
    let _ = std::fs::remove_dir_all(&shots);

    let mut child = Command::new("node")
        .arg("journey.mjs")
        .arg(&app.url)
        .arg(&shots)
        .current_dir(browser_dir())
        .env("CHROMIUM", chromium())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("node starts");
    let mut stdin = child.stdin.take().expect("stdin");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut steps = Vec::new();
    let talk = async {
        while let Some(line) = lines.next_line().await.expect("read the script's output") {
            eprintln!("[browser {name}] {line}");
            if let Some(at) = line.strip_prefix("CLOCK ") {
                app.set_now(at.trim());
                stdin.write_all(b"ok\n").await.expect("answer the script");
                stdin.flush().await.expect("answer the script");
            }
            steps.push(line);
        }
        child.wait().await.expect("node exits")
    };
    let status = tokio::time::timeout(Duration::from_secs(600), talk)
        .await
        .expect("the browser journey finishes within 10 minutes");
    assert!(
        status.success(),
        "the browser journey failed ({status}); last steps: {:?}",
        steps.iter().rev().take(5).collect::<Vec<_>>()
    );
    assert_eq!(
        steps.last().map(String::as_str),
        Some("STEP journey complete")
    );
    assert!(
        steps
            .iter()
            .any(|s| s.starts_with("STEP axe auditor dossier")),
        "axe-core ran on every persona's main page"
    );
    for page in [
        "applicant-calls.png",
        "applicant-calls-360px.png",
        "expert-queue.png",
        "officer-calls.png",
        "auditor-dossier.png",
    ] {
        let found = std::fs::read_dir(&shots)
            .expect("screenshots written")
            .filter_map(Result::ok)
            .any(|e| e.file_name().to_string_lossy().contains(page));
        assert!(found, "no screenshot {page} in {}", shots.display());
    }
}
both_backends!(the_journey_from_call_to_paid_tranche_and_audit_runs_in_chromium);

async fn the_pages_are_served_and_the_development_sign_in_is_off_unless_enabled(backend: Backend) {
    let off = crate::helpers::spawn_app(backend).await;
    let page = off.send("GET", "/", None, None, &[]).await;
    assert_eq!(page.status, 200);
    let ctype = page.headers["content-type"].to_str().unwrap();
    assert!(ctype.starts_with("text/html"), "{ctype}");
    assert_eq!(
        off.send("GET", "/ui/app.js", None, None, &[]).await.status,
        200
    );
    assert_eq!(
        off.send("GET", "/ui/config.json", None, None, &[])
            .await
            .body["dev_signin"],
        false
    );
    let ask = serde_json::json!({"sub": "alice", "roles": ["applicant"], "org": crate::helpers::orgs::ENT_A});
    let refused = off
        .send("POST", "/ui/dev/token", None, Some(&ask), &[])
        .await;
    assert_eq!(refused.status, 404, "no sign-in unless enabled");
    assert_eq!(refused.body["code"], "not_found");

    let on = spawn_app_with(backend, true).await;
    let minted = on
        .send("POST", "/ui/dev/token", None, Some(&ask), &[])
        .await;
    let token = minted.expect(200)["token"].as_str().unwrap().to_string();
    // The same token as `grantledger token`: the API takes it, with its role and organisation.
    assert_eq!(on.get("/v1/me/bids", &token).await.status, 200);
    on.get("/v1/projects", &token)
        .await
        .problem(403, "forbidden");
    let bad = serde_json::json!({"sub": "alice", "roles": ["admin"]});
    let refused = on
        .send("POST", "/ui/dev/token", None, Some(&bad), &[])
        .await;
    assert_eq!(refused.status, 422);
    assert!(
        refused.body["detail"]
            .as_str()
            .unwrap()
            .contains("unknown role"),
        "{}",
        refused.body
    );
    let bad = serde_json::json!({"sub": "alice", "roles": ["applicant"], "org": crate::helpers::orgs::INVALID});
    assert_eq!(
        on.send("POST", "/ui/dev/token", None, Some(&bad), &[])
            .await
            .status,
        422
    );
}
both_backends!(the_pages_are_served_and_the_development_sign_in_is_off_unless_enabled);
