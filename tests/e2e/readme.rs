//! The README pastes (issue 14): every fenced ```` ```sh ```` block of README.md runs, in order, as
//! pasted, against a fresh server on a fresh database — the embedded SQLite file in an empty
//! directory, and a fresh PostgreSQL database.
//!
//! How the blocks are run:
//! - A block whose only command ends in `cargo run --release -- serve` is the server ("leave it
//!   running"): the server running until then is stopped (as Ctrl-C would) and this one is started
//!   in the background; the next block runs once `/healthz` answers.
//! - Every other block is sourced, in order, by one long-lived `bash` — the README's "second
//!   shell" — with `set -euo pipefail`, so variables and functions carry from block to block and a
//!   failing command, an unset variable or a failed pipeline fails the test.
//! - `cargo` on PATH is a shim that runs the already built binary for `cargo run [-q] [--release]
//!   -- ARGS`, so the blocks need no release build.
//! - The one change made to a block's text: `127.0.0.1:8080` becomes a free port (the server gets
//!   it through `GRANTLEDGER_ADDR`), so the two stores' runs and a developer's own server never
//!   collide.
//! - A block fails when bash exits non-zero, when it prints a line that is just `null` (a `jq`
//!   path that found nothing), when a variable it assigns from a command is empty or `null`, when
//!   it prints an internal error or "no such route", or when it does not print what [`CLAIMS`]
//!   says the README shows (the refusals and outcomes its comments announce).
//! - A block marked ```` ```sh readme-test:skip ```` is not run; the README must say why next to it
//!   (none is, today).

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, Command};

use crate::helpers::{free_port, Backend};

/// One fenced shell block of the README.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// 1-based line of the opening fence.
    pub line: usize,
    /// The block's text.
    pub text: String,
    /// Marked `readme-test:skip`.
    pub skip: bool,
}

impl Block {
    /// The server command, when this block only starts the server.
    fn server_command(&self) -> Option<&str> {
        let commands: Vec<&str> = self
            .text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect();
        match commands.as_slice() {
            [one] if one.ends_with("cargo run --release -- serve") => Some(one),
            _ => None,
        }
    }

    /// Variables the block assigns from a command's output (`X=$(…)`).
    fn assigned(&self) -> Vec<String> {
        let mut names = Vec::new();
        for line in self.text.lines() {
            let line = line.trim_start();
            if let Some((name, _)) = line.split_once("=$(") {
                if !name.is_empty()
                    && name
                        .chars()
                        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
                    && !names.contains(&name.to_string())
                {
                    names.push(name.to_string());
                }
            }
        }
        names
    }
}

/// Every fenced `sh` block of `markdown`, in order.
pub fn shell_blocks(markdown: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut open: Option<(usize, String, bool, bool)> = None; // (line, text, is_sh, skip)
    for (i, line) in markdown.lines().enumerate() {
        let fence = line.trim_start().starts_with("```");
        match open.take() {
            None if fence => {
                let info = line.trim_start().trim_start_matches('`').trim();
                let mut words = info.split_whitespace();
                let is_sh = words.next() == Some("sh");
                let skip = words.any(|w| w == "readme-test:skip");
                open = Some((i + 1, String::new(), is_sh, skip));
            }
            None => {}
            Some((start, text, true, skip)) if fence => blocks.push(Block {
                line: start,
                text,
                skip,
            }),
            Some((_, _, false, _)) if fence => {}
            Some((start, mut text, is_sh, skip)) => {
                text.push_str(line);
                text.push('\n');
                open = Some((start, text, is_sh, skip));
            }
        }
    }
    assert!(open.is_none(), "an unclosed code fence in the README");
    blocks
}

/// A `cargo` that runs the built binary for `cargo run [-q] [--release] -- ARGS`.
fn write_cargo_shim(dir: &Path) -> PathBuf {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let shim = bin.join("cargo");
    std::fs::write(
        &shim,
        format!(
            r#"#!/bin/sh
# The README test's stand-in for `cargo run [-q] [--release] -- ARGS` (tests/e2e/readme.rs).
[ "$1" = run ] || {{ echo "cargo shim: only 'cargo run' is supported, got: $*" >&2; exit 97; }}
shift
while [ $# -gt 0 ]; do
  case "$1" in
    -q|--quiet|--release) shift ;;
    --) shift; break ;;
    *) echo "cargo shim: unsupported argument $1" >&2; exit 97 ;;
  esac
done
exec '{}' "$@"
"#,
            env!("CARGO_BIN_EXE_grantledger")
        ),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&shim, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    bin
}

/// The README's server, in the background.
struct Server {
    child: Child,
}

impl Server {
    async fn start(command: &str, dir: &Path, envs: &[(String, String)], url: &str) -> Server {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(dir.join("server.log"))
            .unwrap();
        let mut cmd = Command::new("bash");
        cmd.arg("-c")
            .arg(command)
            .current_dir(dir)
            .env_clear()
            .envs(envs.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .kill_on_drop(true);
        let child = cmd.spawn().expect("bash");
        let client = reqwest::Client::new();
        for _ in 0..300 {
            if let Ok(res) = client.get(format!("{url}/healthz")).send().await {
                if res.status().is_success() {
                    return Server { child };
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let log = std::fs::read_to_string(dir.join("server.log")).unwrap_or_default();
        panic!("the README's server `{command}` did not come up:\n{log}");
    }

    /// Stops it as Ctrl-C would, and waits until it has.
    async fn stop(mut self) {
        if let Some(pid) = self.child.id() {
            let _ = std::process::Command::new("kill")
                .args(["-INT", &pid.to_string()])
                .status();
        }
        if tokio::time::timeout(Duration::from_secs(15), self.child.wait())
            .await
            .is_err()
        {
            let _ = self.child.kill().await;
        }
    }
}

/// The README's second shell.
struct Shell {
    child: Child,
    stdin: ChildStdin,
    lines: tokio::io::Lines<BufReader<tokio::process::ChildStdout>>,
}

const DONE: &str = "__readme_block_done__";

impl Shell {
    fn start(dir: &Path, envs: &[(String, String)]) -> Shell {
        let mut child = Command::new("bash")
            .args(["--noprofile", "--norc", "-s"])
            .current_dir(dir)
            .env_clear()
            .envs(envs.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("bash");
        let stdin = child.stdin.take().unwrap();
        let lines = BufReader::new(child.stdout.take().unwrap()).lines();
        Shell {
            child,
            stdin,
            lines,
        }
    }

    /// Sources `file` and checks `assigned`; returns the output, or `Err(output)` if bash failed.
    async fn run(&mut self, file: &Path, assigned: &[String]) -> Result<String, String> {
        let check = assigned
            .iter()
            .map(|v| {
                format!(
                    "if [ -z \"${{{v}:-}}\" ] || [ \"${{{v}:-}}\" = null ]; then echo \"README-TEST: {v} is empty or null\"; fi\n"
                )
            })
            .collect::<String>();
        let script = format!("source '{}' 2>&1\n{check}echo {DONE}\n", file.display());
        self.stdin.write_all(script.as_bytes()).await.unwrap();
        self.stdin.flush().await.unwrap();
        let mut output = String::new();
        loop {
            let next = tokio::time::timeout(Duration::from_secs(180), self.lines.next_line()).await;
            match next {
                Ok(Ok(Some(line))) if line == DONE => return Ok(output),
                Ok(Ok(Some(line))) => {
                    output.push_str(&line);
                    output.push('\n');
                }
                Ok(Ok(None)) | Ok(Err(_)) => {
                    let status = self.child.wait().await.ok();
                    let mut stderr = String::new();
                    if let Some(mut e) = self.child.stderr.take() {
                        use tokio::io::AsyncReadExt;
                        let _ = e.read_to_string(&mut stderr).await;
                    }
                    return Err(format!("{output}{stderr}bash exited: {status:?}"));
                }
                Err(_) => return Err(format!("{output}(no answer within 180 s)")),
            }
        }
    }
}

/// What the README says a block shows, checked where it is cheap: a block whose text holds the
/// first string must print every one of the others.
const CLAIMS: &[(&str, &[&str])] = &[
    (
        "One fen over the cap is refused",
        &[
            "\"budget_cap_exceeded\"",
            "\"window_still_open\"",
            "\"published\"",
        ],
    ),
    (
        "One live bid per organisation per call",
        &["\"duplicate_live_bid\"", "\"sha256\""],
    ),
    (
        "{status, version, closed_on}",
        &["\"closed_on\": \"2027-03-01\""],
    ),
    (
        "An expert from the university on alice's team is refused",
        &[
            "\"reviewer_conflict_of_interest\"",
            "\"in_public_notice\"",
            "\"upheld\":false",
        ],
    ),
    (
        "The notice has run its course",
        &["\"cleared\"", "\"status\":\"awarded\"", "\"not_selected\""],
    ),
    (
        "The task contract (任务书)",
        &[
            "\"gate_not_met\"",
            "\"status\":\"closed\",\"disbursed_fen\":180000000",
        ],
    ),
    (
        "A serious violation bars the organisation",
        &["\"waived_fen\": 200000", "\"barred_until\": \"2030-03-08\""],
    ),
    (
        "就高不重复.",
        &[
            "\"payable_fen\": 50000000",
            "\"disbursement_exceeds_payable\"",
        ],
    ),
    (
        "Nothing remains: refused with cap_exhausted",
        &[
            "\"capped\":true",
            "\"cap_exhausted\"",
            "\"remaining_fen\":0",
        ],
    ),
    (
        "subsidy 100000000 2028-001",
        &["\"year\":2028,\"status\":\"granted\",\"granted_fen\":3000000"],
    ),
    ("the need becomes adopted", &["\"status\":\"adopted\""]),
    ("cargo run -q --release -- verify   ", &[" 0 broken"]),
    ("--cosign-with witness.key", &["ok cosigned the checkpoint"]),
];

/// What a block printed that says it did not do what the README claims.
fn complaints(output: &str) -> Vec<String> {
    output
        .lines()
        .filter(|l| {
            l.trim() == "null"
                || l.starts_with("README-TEST:")
                || l.contains("internal_error")
                || l.contains("no such route")
                || l.contains("cargo shim:")
        })
        .map(str::to_string)
        .collect()
}

async fn readme_blocks_run_as_pasted(backend: Backend) {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let blocks = shell_blocks(&readme);
    assert!(blocks.len() > 10, "the README's walkthrough blocks");

    let dir = std::env::temp_dir().join(format!("gl_readme_{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let scripts = dir.join(".readme-test");
    std::fs::create_dir_all(&scripts).unwrap();
    let bin = write_cargo_shim(&scripts);
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");

    let mut envs: Vec<(String, String)> = vec![
        (
            "PATH".into(),
            format!(
                "{}:{}",
                bin.display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        ),
        ("HOME".into(), dir.display().to_string()),
        ("LANG".into(), "C.UTF-8".into()),
        ("GRANTLEDGER_ADDR".into(), format!("127.0.0.1:{port}")),
    ];
    // The PostgreSQL path, as the README gives it: DATABASE_URL, a secret and a log key set in
    // both shells, on a database created for the run.
    let pg = match backend {
        Backend::Sqlite => None,
        Backend::Postgres => {
            let db = store::testing::FreshDb::create(Backend::Postgres)
                .await
                .expect("a fresh PostgreSQL database");
            let key = tlog::Signer::generate(api::DEFAULT_LOG_KEY_NAME).unwrap();
            envs.push(("DATABASE_URL".into(), db.url.clone()));
            envs.push((
                "GRANTLEDGER_JWT_SECRET".into(),
                "readme-test-secret-0123456789abcdef0123456789".into(),
            ));
            envs.push(("GRANTLEDGER_LOG_KEY".into(), key.to_private_text()));
            Some(db)
        }
    };

    let mut server: Option<Server> = None;
    let mut shell: Option<Shell> = None;
    let mut transcript = String::new();
    let mut ran = 0;
    let mut claimed = 0;
    for (i, block) in blocks.iter().enumerate() {
        if block.skip {
            continue;
        }
        let text = block
            .text
            .replace("127.0.0.1:8080", &format!("127.0.0.1:{port}"));
        if let Some(command) = block.server_command() {
            if let Some(s) = server.take() {
                s.stop().await;
            }
            server = Some(Server::start(command, &dir, &envs, &url).await);
            transcript.push_str(&format!("== README.md:{} (server) {command}\n", block.line));
            ran += 1;
            continue;
        }
        assert!(
            server.is_some(),
            "README.md:{}: a block runs before any server was started",
            block.line
        );
        let file = scripts.join(format!("block-{i:02}.sh"));
        std::fs::write(&file, &text).unwrap();
        if shell.is_none() {
            let mut sh = Shell::start(&dir, &envs);
            sh.stdin.write_all(b"set -euo pipefail\n").await.unwrap();
            shell = Some(sh);
        }
        let Some(sh) = shell.as_mut() else {
            unreachable!("started above")
        };
        let outcome = sh.run(&file, &block.assigned()).await;
        let log = std::fs::read_to_string(dir.join("server.log")).unwrap_or_default();
        let tail: String = log
            .lines()
            .rev()
            .take(15)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect::<Vec<_>>()
            .join("\n");
        match outcome {
            Ok(output) => {
                transcript.push_str(&format!("== README.md:{}\n{output}", block.line));
                let mut bad = complaints(&output);
                for (marker, expected) in CLAIMS {
                    if block.text.contains(marker) {
                        claimed += 1;
                        bad.extend(
                            expected
                                .iter()
                                .filter(|e| !output.contains(*e))
                                .map(|e| format!("missing {e}")),
                        );
                    }
                }
                assert!(
                    bad.is_empty(),
                    "README.md:{} ({backend:?}) printed what the README does not claim: {bad:?}\n\
                     --- block ---\n{}--- output ---\n{output}--- server log (tail) ---\n{tail}",
                    block.line,
                    block.text
                );
            }
            Err(output) => panic!(
                "README.md:{} ({backend:?}) failed as pasted:\n--- block ---\n{}--- output ---\n{output}\n\
                 --- server log (tail) ---\n{tail}\n--- earlier blocks ---\n{transcript}",
                block.line, block.text
            ),
        }
        ran += 1;
    }
    if let Some(s) = server.take() {
        s.stop().await;
    }
    drop(shell);
    assert!(ran >= blocks.len() - blocks.iter().filter(|b| b.skip).count());
    assert_eq!(
        claimed,
        CLAIMS.len(),
        "every claim's block is still in the README (update CLAIMS with the README)"
    );
    let _ = std::fs::write(
        std::env::temp_dir().join(format!("gl_readme_transcript_{backend:?}.txt")),
        &transcript,
    );
    drop(pg);
    let _ = std::fs::remove_dir_all(&dir);
}
both_backends!(readme_blocks_run_as_pasted);

#[test]
fn fenced_blocks_are_found_in_order_and_the_server_block_is_recognised() {
    let md =
        "text\n```sh\nA=$(x)\necho $A\n```\n```json\n{}\n```\n```sh readme-test:skip\nno\n```\n\
              ```sh\n# leave it running\nFOO=1 cargo run --release -- serve\n```\n";
    let blocks = shell_blocks(md);
    assert_eq!(blocks.len(), 3);
    assert_eq!(blocks[0].line, 2);
    assert_eq!(blocks[0].assigned(), vec!["A".to_string()]);
    assert!(blocks[0].server_command().is_none());
    assert!(blocks[1].skip);
    assert_eq!(
        blocks[2].server_command(),
        Some("FOO=1 cargo run --release -- serve")
    );
}
