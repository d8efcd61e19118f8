//! `grantledger`: serve the API, migrate, mint development tokens, rebuild views, verify the log.

use std::process::ExitCode;

use api::{mint_token, resolve_secret, Application, Claims, Config};
use clap::{Parser, Subcommand};
use kernel::{IdGen, RandomIds};
use store::{chain, Db, Store};

mod bench;
mod verify_log;

#[derive(Parser)]
#[command(
    name = "grantledger",
    version,
    about = "Event-sourced ledger for public science-funding programmes"
)]
struct Cli {
    /// Log lines as `text` (no colours unless stderr is a terminal) or `json` (one object a line).
    #[arg(long, global = true, env = "LOG_FORMAT", default_value = "text", value_parser = ["text", "json"])]
    log_format: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP API (embedded SQLite unless DATABASE_URL says otherwise).
    Serve {
        /// Address to listen on.
        #[arg(long, env = "GRANTLEDGER_ADDR", default_value = api::DEFAULT_ADDR)]
        addr: String,
        /// Origins (scheme://host[:port]) a browser front end may call the API from, comma-separated;
        /// none by default (CORS closed).
        #[arg(long, env = "GRANTLEDGER_CORS_ORIGINS", value_delimiter = ',')]
        cors_origins: Vec<String>,
        /// Send `Strict-Transport-Security: max-age=SECONDS` on every response (only behind TLS);
        /// unset or 0: no HSTS header.
        #[arg(long, env = "GRANTLEDGER_HSTS_MAX_AGE")]
        hsts_max_age: Option<u64>,
        /// Seconds a request may take before it is answered 503 `request_timeout`.
        #[arg(long, env = "GRANTLEDGER_REQUEST_TIMEOUT_SECS", default_value_t = api::DEFAULT_REQUEST_TIMEOUT.as_secs(), value_parser = clap::value_parser!(u64).range(1..))]
        request_timeout_secs: u64,
    },
    /// Apply the database migrations and exit.
    Migrate,
    /// Print a bearer token signed with the configured secret (for development and tests).
    Token {
        /// The subject (person id).
        #[arg(long)]
        sub: String,
        /// A role: applicant, reviewer, officer or auditor (repeatable).
        #[arg(long = "role", required = true)]
        roles: Vec<String>,
        /// The organisation's 统一社会信用代码.
        #[arg(long)]
        org: Option<String>,
        /// Validity in hours.
        #[arg(long, default_value_t = 24)]
        ttl_hours: i64,
    },
    /// Drop every view and fold all events again.
    RebuildProjections,
    /// Check the hash chain of every stream, or of one; exit 0 only when all are intact.
    Verify {
        /// Aggregate type of the one stream to check.
        #[arg(long = "type", requires = "id")]
        kind: Option<String>,
        /// Aggregate id of the one stream to check.
        #[arg(long, requires = "kind")]
        id: Option<String>,
    },
    /// Check an exported JSON Lines bundle offline, with no database; exit 0 only when intact.
    /// Each event's transparency-log inclusion proof is checked too.
    VerifyBundle {
        /// The bundle file.
        file: std::path::PathBuf,
        /// The log's verifier key (or a file holding it): also check the checkpoints'
        /// signatures, and require proofs.
        #[arg(long)]
        key: Option<String>,
    },
    /// Print a new transparency-log signing key (for GRANTLEDGER_LOG_KEY) and its verifier key.
    LogKey {
        /// The key name, which is also the log's origin line (a schema-less URL).
        #[arg(long, default_value = api::DEFAULT_LOG_KEY_NAME)]
        name: String,
    },
    /// Measure what a command, a read and a rebuild cost against a raw-SQL baseline of the
    /// same shape measured in the same run, on fresh databases, and print the ratios.
    Bench {
        /// A seconds-long run that only shows the benchmark works (CI).
        #[arg(long)]
        smoke: bool,
        /// Which store: sqlite, postgres or both.
        #[arg(long, default_value = "both", value_parser = ["sqlite", "postgres", "both"])]
        backend: String,
        /// The PostgreSQL server to create the benchmark's database on.
        #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432")]
        postgres: String,
    },
    /// Check that the transparency log still extends a checkpoint you kept; exit 0 only if so.
    /// With --url: over HTTP (signature and consistency proof). Without: against DATABASE_URL,
    /// recomputing the tree from the events themselves.
    VerifyCheckpoint {
        /// The log's verifier key (`name+id+key`, or a file holding it).
        #[arg(long)]
        key: String,
        /// The checkpoint kept earlier (a signed note file).
        #[arg(long)]
        old: std::path::PathBuf,
        /// The server's base URL, e.g. http://127.0.0.1:8080.
        #[arg(long)]
        url: Option<String>,
        /// Bearer token (auditor) for --url.
        #[arg(long, env = "GRANTLEDGER_TOKEN", hide_env_values = true)]
        token: Option<String>,
        /// With --url: write the verified current checkpoint here, to keep for next time.
        #[arg(long, requires = "url")]
        save: Option<std::path::PathBuf>,
        /// With --url: after verifying, cosign the current checkpoint with this witness key
        /// file (`PRIVATE+KEY+…`) and post the cosignature.
        #[arg(long, requires = "url")]
        cosign_with: Option<std::path::PathBuf>,
    },
}

type Failure = Box<dyn std::error::Error>;

async fn open_store(config: &Config) -> Result<Store, Failure> {
    let db = Db::connect(&config.database_url).await?;
    db.migrate().await?;
    Ok(Store::new(db, projections::all_projectors()))
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down");
}

// The CLI's output is its product: tokens and verification reports go to stdout.
#[allow(clippy::print_stdout)]
async fn run(cli: Cli) -> Result<ExitCode, Failure> {
    let mut config = Config::from_env()?;
    match cli.command {
        Command::Serve {
            addr,
            cors_origins,
            hsts_max_age,
            request_timeout_secs,
        } => {
            config.addr = addr;
            let http = api::HttpOptions {
                cors_origins: cors_origins
                    .into_iter()
                    .map(|o| o.trim().to_string())
                    .filter(|o| !o.is_empty())
                    .collect(),
                hsts_max_age: hsts_max_age.filter(|age| *age > 0),
                request_timeout: std::time::Duration::from_secs(request_timeout_secs),
            };
            let dev_signin = dev_signin(&config);
            if dev_signin {
                tracing::warn!("the development sign-in is on: anyone who reaches this server can sign in with any role (GRANTLEDGER_DEV_SIGNIN=0 turns it off)");
            }
            let app = Application::build(config.clone())
                .await?
                .with_dev_signin(dev_signin)
                .with_http(http);
            tracing::info!(addr = %app.local_addr()?, database = %redact(&config.database_url), "grantledger serving");
            app.serve(shutdown_signal()).await?;
        }
        Command::Migrate => {
            open_store(&config).await?;
            println!("migrations applied");
        }
        Command::Token {
            sub,
            roles,
            org,
            ttl_hours,
        } => {
            let secret = resolve_secret(&config, || {
                format!(
                    "{}{}",
                    RandomIds.new_id().simple(),
                    RandomIds.new_id().simple()
                )
            })?;
            let exp = chrono::Utc::now().timestamp() + ttl_hours.max(1) * 3600;
            let token = mint_token(
                &secret,
                &Claims {
                    sub,
                    roles,
                    org,
                    exp,
                },
            )?;
            println!("{token}");
        }
        Command::RebuildProjections => {
            let store = open_store(&config).await?;
            let n = store.rebuild_projections().await?;
            println!("views rebuilt from {n} events");
        }
        Command::Verify { kind, id } => {
            let store = open_store(&config).await?;
            let streams = match (kind, id) {
                (Some(aggregate_type), Some(aggregate_id)) => vec![store::StreamId {
                    aggregate_type,
                    aggregate_id,
                }],
                _ => store.streams().await?,
            };
            let mut broken = 0usize;
            for s in &streams {
                let verdict = store
                    .verify_stream(&s.aggregate_type, &s.aggregate_id)
                    .await?;
                if verdict.events == 0 {
                    // Only a stream named on the command line can be empty: it was never
                    // written, or every event of it was removed.
                    broken += 1;
                    println!("MISSING {}/{}: no events", s.aggregate_type, s.aggregate_id);
                } else if !verdict.ok {
                    broken += 1;
                    println!(
                        "BROKEN {}/{} at sequence {}: {}",
                        s.aggregate_type,
                        s.aggregate_id,
                        verdict.broken_at.unwrap_or(0),
                        verdict.reason.unwrap_or_default()
                    );
                }
            }
            println!("{} streams checked, {} broken", streams.len(), broken);
            return Ok(if broken == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            });
        }
        Command::VerifyBundle { file, key } => {
            let text = std::fs::read_to_string(&file)?;
            let key = key.as_deref().map(verify_log::read_verifier).transpose()?;
            let report = chain::verify_bundle(&text);
            let log = store::transparency::verify_bundle_log(&text, key.as_ref());
            for line in report.lines.iter().chain(&log.lines) {
                println!("{line}");
            }
            return Ok(if report.ok && log.ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            });
        }
        Command::Bench {
            smoke,
            backend,
            postgres,
        } => {
            let backends: Vec<String> = match backend.as_str() {
                "both" => vec!["sqlite".into(), "postgres".into()],
                one => vec![one.to_string()],
            };
            let plan = if smoke {
                bench::Plan::smoke()
            } else {
                bench::Plan::full()
            };
            bench::run(&backends, plan, &postgres).await?;
        }
        Command::LogKey { name } => {
            let signer = tlog::Signer::generate(&name)?;
            println!("GRANTLEDGER_LOG_KEY={}", signer.to_private_text());
            println!("# verifier key (publish it): {}", signer.verifier());
        }
        Command::VerifyCheckpoint {
            key,
            old,
            url,
            token,
            save,
            cosign_with,
        } => {
            let key = verify_log::read_verifier(&key)?;
            let old = std::fs::read_to_string(&old)?;
            let outcome = match &url {
                Some(url) => {
                    let witness = cosign_with
                        .as_deref()
                        .map(verify_log::read_signer)
                        .transpose()?;
                    verify_log::over_http(&key, &old, url, token.as_deref(), witness.as_ref())
                        .await?
                }
                None => verify_log::against_database(&key, &old, &config.database_url).await?,
            };
            for line in &outcome.lines {
                println!("{line}");
            }
            if let (Some(path), Some(current)) = (save, &outcome.current) {
                std::fs::write(path, current)?;
            }
            return Ok(if outcome.ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            });
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The web pages' development sign-in: on for the embedded SQLite default, off on PostgreSQL,
/// unless `GRANTLEDGER_DEV_SIGNIN` says otherwise (`1`/`true` or `0`/`false`).
fn dev_signin(config: &Config) -> bool {
    match std::env::var("GRANTLEDGER_DEV_SIGNIN")
        .ok()
        .as_deref()
        .map(str::trim)
    {
        Some("1" | "true") => true,
        Some("0" | "false") => false,
        _ => config.database_url.starts_with("sqlite:"),
    }
}

fn redact(url: &str) -> String {
    match url.split_once('@') {
        Some((scheme_user, rest))
            if scheme_user.contains(':') && scheme_user.matches(':').count() > 1 =>
        {
            let scheme = scheme_user.split("://").next().unwrap_or("postgres");
            format!("{scheme}://***@{rest}")
        }
        _ => url.to_string(),
    }
}

/// Logs to stderr, as text (coloured only on a terminal) or as one JSON object a line.
fn init_logging(format: &str) {
    use std::io::IsTerminal;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if format == "json" {
        builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .init();
    } else {
        builder.with_ansi(std::io::stderr().is_terminal()).init();
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    // `.env` in the working directory, if any; the process environment wins over it.
    let dotenv = dotenvy::dotenv();
    let cli = Cli::parse();
    init_logging(&cli.log_format);
    match dotenv {
        Ok(path) => tracing::debug!(path = %path.display(), "read .env"),
        Err(e) if e.not_found() => {}
        Err(e) => tracing::warn!(error = %e, ".env could not be read; ignored"),
    }
    match run(cli).await {
        Ok(code) => code,
        Err(e) => {
            tracing::error!("{e}");
            eprintln!("grantledger: {e}");
            ExitCode::from(2)
        }
    }
}
