use std::path::{Path, PathBuf};

pub use app::{DEFAULT_CHECKPOINT_EVERY_SECS, DEFAULT_LOG_KEY_NAME};
use chrono::{DateTime, NaiveDate, Utc};
use store::StoreError;

/// Where grantledger keeps its data when `DATABASE_URL` is unset.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://grantledger.db";
/// Where `serve` listens when `--addr` is not given.
pub const DEFAULT_ADDR: &str = "127.0.0.1:8080";
/// Largest request body accepted (413 above).
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;

/// Everything the server reads from its environment, read once in `main`.
#[derive(Debug, Clone)]
pub struct Config {
    /// `DATABASE_URL`: `sqlite://PATH` or `postgres://…`.
    pub database_url: String,
    /// Address to listen on.
    pub addr: String,
    /// `GRANTLEDGER_JWT_SECRET`, if set.
    pub jwt_secret: Option<String>,
    /// `GRANTLEDGER_FAKE_NOW`: a pinned clock for demos, training and black-box tests.
    pub fake_now: Option<DateTime<Utc>>,
    /// Largest request body in bytes.
    pub body_limit: usize,
    /// `GRANTLEDGER_HOLIDAYS`: public holidays skipped when counting working days (工作日).
    pub holidays: Vec<NaiveDate>,
    /// `GRANTLEDGER_LOG_KEY`: the transparency log's signing key (`PRIVATE+KEY+…`), if set.
    pub log_key: Option<String>,
    /// `GRANTLEDGER_CHECKPOINT_EVERY`: seconds between scheduled checkpoints (default 3600).
    pub checkpoint_every: std::time::Duration,
    /// `GRANTLEDGER_CLOCK_INTERVAL_SECS`: how often the scheduler issues due clock commands.
    pub clock_interval_secs: u64,
    /// `GRANTLEDGER_KPI_TARGETS`: a KPI targets file replacing the shipped seed-000 annex
    /// (`config/kpi_targets.json`).
    pub kpi_targets: Option<PathBuf>,
}

/// Why the server could not be configured or started.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// `GRANTLEDGER_FAKE_NOW` is not RFC 3339.
    #[error("GRANTLEDGER_FAKE_NOW must be an RFC 3339 instant, got {0:?}")]
    FakeNow(String),
    /// `GRANTLEDGER_HOLIDAYS` is not a list of dates.
    #[error("GRANTLEDGER_HOLIDAYS must be dates (YYYY-MM-DD) separated by commas, got {0:?}")]
    Holidays(String),
    /// `GRANTLEDGER_CLOCK_INTERVAL_SECS` is not a positive number of seconds.
    #[error(
        "GRANTLEDGER_CLOCK_INTERVAL_SECS must be a positive whole number of seconds, got {0:?}"
    )]
    ClockInterval(String),
    /// PostgreSQL needs a configured secret.
    #[error("GRANTLEDGER_JWT_SECRET must be set when DATABASE_URL is PostgreSQL")]
    SecretRequired,
    /// The secret is too short to sign with.
    #[error("GRANTLEDGER_JWT_SECRET must be at least 32 bytes")]
    SecretTooShort,
    /// The secret file could not be read or written.
    #[error("secret file {0}: {1}")]
    SecretFile(PathBuf, std::io::Error),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The address could not be bound.
    #[error("cannot bind {0}: {1}")]
    Bind(String, std::io::Error),
    /// The transparency-log key is malformed.
    #[error("GRANTLEDGER_LOG_KEY or the key file: {0}")]
    LogKey(String),
    /// The KPI targets file could not be read or is malformed.
    #[error("GRANTLEDGER_KPI_TARGETS {0}: {1}")]
    KpiTargets(PathBuf, String),
    /// `GRANTLEDGER_CHECKPOINT_EVERY` is not a number of seconds.
    #[error("GRANTLEDGER_CHECKPOINT_EVERY must be a whole number of seconds ≥ 1, got {0:?}")]
    CheckpointEvery(String),
}

/// The scheduler's default period.
pub const DEFAULT_CLOCK_INTERVAL_SECS: u64 = 60;

impl Config {
    /// Reads the configuration from the process environment.
    pub fn from_env() -> Result<Config, ConfigError> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let fake_now = match var("GRANTLEDGER_FAKE_NOW") {
            Some(text) => Some(
                DateTime::parse_from_rfc3339(text.trim())
                    .map_err(|_| ConfigError::FakeNow(text.clone()))?
                    .with_timezone(&Utc),
            ),
            None => None,
        };
        let holidays = match var("GRANTLEDGER_HOLIDAYS") {
            Some(text) => parse_holidays(&text)?,
            None => Vec::new(),
        };
        let checkpoint_every = match var("GRANTLEDGER_CHECKPOINT_EVERY") {
            Some(text) => text
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|s| *s >= 1)
                .map(std::time::Duration::from_secs)
                .ok_or(ConfigError::CheckpointEvery(text.clone()))?,
            None => std::time::Duration::from_secs(DEFAULT_CHECKPOINT_EVERY_SECS),
        };
        let clock_interval_secs = match var("GRANTLEDGER_CLOCK_INTERVAL_SECS") {
            Some(text) => text
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|n| *n > 0)
                .ok_or(ConfigError::ClockInterval(text))?,
            None => DEFAULT_CLOCK_INTERVAL_SECS,
        };
        Ok(Config {
            database_url: var("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.to_string()),
            addr: var("GRANTLEDGER_ADDR").unwrap_or_else(|| DEFAULT_ADDR.to_string()),
            jwt_secret: var("GRANTLEDGER_JWT_SECRET"),
            fake_now,
            body_limit: DEFAULT_BODY_LIMIT,
            holidays,
            log_key: var("GRANTLEDGER_LOG_KEY"),
            checkpoint_every,
            clock_interval_secs,
            kpi_targets: var("GRANTLEDGER_KPI_TARGETS").map(PathBuf::from),
        })
    }
}

/// Reads `2027-05-03,2027-05-04 …` (commas or whitespace between dates).
fn parse_holidays(text: &str) -> Result<Vec<NaiveDate>, ConfigError> {
    text.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|part| !part.is_empty())
        .map(|part| {
            part.parse::<NaiveDate>()
                .map_err(|_| ConfigError::Holidays(text.to_string()))
        })
        .collect()
}

/// The SQLite file a `sqlite://` URL names, when it names a file.
fn sqlite_file(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        None
    } else {
        Some(PathBuf::from(path))
    }
}

/// The signing secret: the configured one, or on the embedded default a generated one kept
/// (mode 0600) beside the SQLite file as `<file>.secret`, where `token` finds it too.
pub fn resolve_secret(
    config: &Config,
    generate: impl Fn() -> String,
) -> Result<String, ConfigError> {
    if let Some(secret) = &config.jwt_secret {
        if secret.len() < 32 {
            return Err(ConfigError::SecretTooShort);
        }
        return Ok(secret.clone());
    }
    let Some(file) = sqlite_file(&config.database_url) else {
        return if config.database_url.starts_with("sqlite:") {
            Ok(generate())
        } else {
            Err(ConfigError::SecretRequired)
        };
    };
    let path = secret_path(&file);
    match std::fs::read_to_string(&path) {
        Ok(text) if text.trim().len() >= 32 => Ok(text.trim().to_string()),
        Ok(_) => Err(ConfigError::SecretTooShort),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let secret = generate();
            write_private(&path, &secret).map_err(|e| ConfigError::SecretFile(path.clone(), e))?;
            Ok(secret)
        }
        Err(e) => Err(ConfigError::SecretFile(path, e)),
    }
}

/// Where a PostgreSQL server keeps its generated transparency-log key when
/// `GRANTLEDGER_LOG_KEY` is not set: in the directory it was started from.
pub const POSTGRES_LOG_KEY_FILE: &str = "grantledger.logkey";

/// The transparency log's signing key: the configured one; otherwise a generated one kept
/// (mode 0600) in a file — beside the SQLite file as `<file>.logkey` on the embedded default, in
/// [`POSTGRES_LOG_KEY_FILE`] of the working directory on PostgreSQL (with a warning: every server
/// over one database must sign with one key, so several machines need `GRANTLEDGER_LOG_KEY`).
pub fn resolve_log_key(config: &Config) -> Result<tlog::Signer, ConfigError> {
    let bad = |e: tlog::NoteError| ConfigError::LogKey(e.to_string());
    if let Some(text) = &config.log_key {
        return tlog::Signer::parse(text).map_err(bad);
    }
    let path = match sqlite_file(&config.database_url) {
        Some(file) => {
            let mut name = file.as_os_str().to_owned();
            name.push(".logkey");
            PathBuf::from(name)
        }
        // An in-memory SQLite database lives as long as the process, and so does its key.
        None if config.database_url.starts_with("sqlite:") => {
            return tlog::Signer::generate(DEFAULT_LOG_KEY_NAME).map_err(bad);
        }
        None => {
            tracing::warn!(
                file = POSTGRES_LOG_KEY_FILE,
                "GRANTLEDGER_LOG_KEY is not set: the transparency log signs with the key kept in this file; \
                 servers on other machines over the same database need the same key in GRANTLEDGER_LOG_KEY"
            );
            PathBuf::from(POSTGRES_LOG_KEY_FILE)
        }
    };
    // Two servers starting at once: the one that loses the race to create the file reads it.
    for _ in 0..2 {
        match std::fs::read_to_string(&path) {
            Ok(text) if !text.trim().is_empty() => return tlog::Signer::parse(&text).map_err(bad),
            Ok(_) => std::thread::sleep(std::time::Duration::from_millis(100)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let signer = tlog::Signer::generate(DEFAULT_LOG_KEY_NAME).map_err(bad)?;
                match write_private(&path, &signer.to_private_text()) {
                    Ok(()) => return Ok(signer),
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                        std::thread::sleep(std::time::Duration::from_millis(100));
                    }
                    Err(e) => return Err(ConfigError::SecretFile(path.clone(), e)),
                }
            }
            Err(e) => return Err(ConfigError::SecretFile(path, e)),
        }
    }
    let text =
        std::fs::read_to_string(&path).map_err(|e| ConfigError::SecretFile(path.clone(), e))?;
    tlog::Signer::parse(&text).map_err(bad)
}

fn secret_path(db_file: &Path) -> PathBuf {
    let mut name = db_file.as_os_str().to_owned();
    name.push(".secret");
    PathBuf::from(name)
}

fn write_private(path: &Path, secret: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut file = options.open(path)?;
    file.write_all(secret.as_bytes())?;
    file.sync_all()
}

/// The KPI targets: the configured file, or the shipped seed-000 annex.
pub fn resolve_kpi_targets(config: &Config) -> Result<kpi::KpiTargets, ConfigError> {
    match &config.kpi_targets {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| ConfigError::KpiTargets(path.clone(), e.to_string()))?;
            kpi::KpiTargets::parse(&text)
                .map_err(|e| ConfigError::KpiTargets(path.clone(), e.to_string()))
        }
        None => kpi::KpiTargets::annex().map_err(|e| {
            ConfigError::KpiTargets(PathBuf::from("config/kpi_targets.json"), e.to_string())
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_name_their_file() {
        assert_eq!(
            sqlite_file("sqlite://grantledger.db"),
            Some("grantledger.db".into())
        );
        assert_eq!(
            sqlite_file("sqlite:///tmp/x.db?mode=rwc"),
            Some("/tmp/x.db".into())
        );
        assert_eq!(sqlite_file("sqlite::memory:"), None);
        assert_eq!(sqlite_file("postgres://x"), None);
    }

    #[test]
    fn holidays_are_dates_separated_by_commas() {
        assert_eq!(
            parse_holidays("2027-05-03, 2027-05-04").unwrap(),
            vec![
                NaiveDate::from_ymd_opt(2027, 5, 3).unwrap(),
                NaiveDate::from_ymd_opt(2027, 5, 4).unwrap()
            ]
        );
        assert!(matches!(
            parse_holidays("2027-05-03,May 4"),
            Err(ConfigError::Holidays(_))
        ));
    }

    #[test]
    fn postgres_without_a_secret_is_refused() {
        let config = Config {
            database_url: "postgres://postgres@127.0.0.1/x".into(),
            addr: DEFAULT_ADDR.into(),
            jwt_secret: None,
            fake_now: None,
            body_limit: DEFAULT_BODY_LIMIT,
            holidays: vec![],
            log_key: None,
            checkpoint_every: std::time::Duration::from_secs(DEFAULT_CHECKPOINT_EVERY_SECS),
            clock_interval_secs: DEFAULT_CLOCK_INTERVAL_SECS,
            kpi_targets: None,
        };
        assert!(matches!(
            resolve_secret(&config, || "x".repeat(40)),
            Err(ConfigError::SecretRequired)
        ));
    }

    #[test]
    fn the_log_key_is_generated_once_beside_the_sqlite_file() {
        let dir = std::env::temp_dir().join(format!("gl_logkey_{}", std::process::id()));
        let db = dir.join("x.db");
        let config = Config {
            database_url: format!("sqlite://{}", db.display()),
            addr: DEFAULT_ADDR.into(),
            jwt_secret: None,
            fake_now: None,
            body_limit: DEFAULT_BODY_LIMIT,
            holidays: vec![],
            log_key: None,
            checkpoint_every: std::time::Duration::from_secs(DEFAULT_CHECKPOINT_EVERY_SECS),
            clock_interval_secs: DEFAULT_CLOCK_INTERVAL_SECS,
            kpi_targets: None,
        };
        let first = resolve_log_key(&config).unwrap();
        let again = resolve_log_key(&config).unwrap();
        assert_eq!(first.verifier(), again.verifier());
        assert_eq!(first.name(), DEFAULT_LOG_KEY_NAME);
        let configured = Config {
            log_key: Some(first.to_private_text()),
            database_url: "postgres://x".into(),
            ..config
        };
        assert_eq!(
            resolve_log_key(&configured).unwrap().verifier(),
            first.verifier()
        );
        let _ = std::fs::remove_dir_all(dir);
    }
}
