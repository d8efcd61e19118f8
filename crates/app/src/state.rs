use std::sync::Arc;

use bid::{Bid, BidServices};
use challenge::{Challenge, ChallengeServices};
use clawback::{ClawbackCase, ClawbackServices, ClawbackTerms};
use consortium::{Consortium, ConsortiumServices};
use evaluation::{EvaluationRound, EvaluationServices};
use kernel::policy::Catalogue;
use kernel::{Clock, IdGen, WorkingCalendar};
use project::{Project, ProjectServices, Race};
use store::{Cqrs, Store};
use support::{SupportApplication, SupportCatalogue, SupportServices};

/// The name of the transparency log's key when none is configured.
pub const DEFAULT_LOG_KEY_NAME: &str = "grantledger.local/log";

/// Seconds between scheduled checkpoints of the transparency log, by default.
pub const DEFAULT_CHECKPOINT_EVERY_SECS: u64 = 3600;

/// Everything a handler needs; cheap to clone. The process keeps no other state, so several
/// servers can share one PostgreSQL.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    challenges: Cqrs<Challenge>,
    bids: Cqrs<Bid>,
    clawbacks: Cqrs<ClawbackCase>,
    integrity: Cqrs<::integrity::IntegrityRecord>,
    projects: Cqrs<Project>,
    races: Cqrs<Race>,
    consortia: Cqrs<Consortium>,
    evaluation_rounds: Cqrs<EvaluationRound>,
    attention: Cqrs<attention::AttentionItem>,
    support_applications: Cqrs<SupportApplication>,
    support_catalogue: Arc<SupportCatalogue>,
    needs: Cqrs<need::TechnologyNeed>,
    kpi_observations: Cqrs<kpi::KpiObservation>,
    kpi_targets: Arc<kpi::KpiTargets>,
    programmes: Arc<Catalogue>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGen>,
    secret: String,
    body_limit: usize,
    drain: tokio::sync::Mutex<()>,
    log_signer: std::sync::RwLock<(Arc<tlog::Signer>, std::time::Duration)>,
    metrics: Arc<crate::Metrics>,
}

impl AppState {
    /// Assembles the state over an opened store, counting working days over weekends only.
    pub fn new(
        store: Store,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdGen>,
        secret: String,
        body_limit: usize,
    ) -> AppState {
        Self::with_calendar(
            store,
            clock,
            ids,
            secret,
            body_limit,
            WorkingCalendar::default(),
        )
    }

    /// Assembles the state over an opened store, skipping `calendar`'s holidays as well.
    pub fn with_calendar(
        store: Store,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdGen>,
        secret: String,
        body_limit: usize,
        calendar: WorkingCalendar,
    ) -> AppState {
        // The process managers' subscriptions are handed to the store here, once.
        let store = store.with_subscriptions(crate::process_managers::subscriptions());
        let programmes = Arc::new(Catalogue::kunshan());
        let challenges =
            store.cqrs::<Challenge>(ChallengeServices::new(clock.clone(), programmes.clone()));
        let bids = store.cqrs::<Bid>(BidServices::new(clock.clone(), programmes.clone()));
        let clawbacks = store.cqrs::<ClawbackCase>(ClawbackServices::new(
            clock.clone(),
            Arc::new(calendar),
            ClawbackTerms::default(),
        ));
        let integrity = store.cqrs::<::integrity::IntegrityRecord>(
            ::integrity::IntegrityServices::new(clock.clone()),
        );
        let projects = store.cqrs::<Project>(ProjectServices::new(clock.clone()));
        let races = store.cqrs::<Race>(ProjectServices::new(clock.clone()));
        let consortia = store.cqrs::<Consortium>(ConsortiumServices::new(clock.clone()));
        let evaluation_rounds =
            store.cqrs::<EvaluationRound>(EvaluationServices::new(clock.clone()));
        let attention = store.cqrs::<attention::AttentionItem>(());
        let support_catalogue = Arc::new(SupportCatalogue::kunshan());
        let support_applications = store.cqrs::<SupportApplication>(SupportServices::new(
            clock.clone(),
            support_catalogue.clone(),
        ));
        let needs = store.cqrs::<need::TechnologyNeed>(need::NeedServices::new(clock.clone()));
        let kpi_targets = Arc::new(shipped_kpi_targets());
        let kpi_observations = store
            .cqrs::<kpi::KpiObservation>(kpi::KpiServices::new(clock.clone(), kpi_targets.clone()));
        AppState {
            inner: Arc::new(Inner {
                store,
                challenges,
                bids,
                clawbacks,
                integrity,
                projects,
                races,
                consortia,
                evaluation_rounds,
                attention,
                support_applications,
                support_catalogue,
                needs,
                kpi_observations,
                kpi_targets,
                programmes,
                clock,
                ids,
                secret,
                body_limit,
                drain: tokio::sync::Mutex::new(()),
                // A throw-away key until `with_log_signer` sets the configured one.
                log_signer: std::sync::RwLock::new((
                    Arc::new(ephemeral_log_key()),
                    std::time::Duration::from_secs(DEFAULT_CHECKPOINT_EVERY_SECS),
                )),
                metrics: Arc::new(new_metrics()),
            }),
        }
    }

    /// The same state signing transparency-log checkpoints with `signer` and issuing one every
    /// `every` (every clone of the state sees the change).
    pub fn with_log_signer(self, signer: tlog::Signer, every: std::time::Duration) -> AppState {
        let mut slot = self
            .inner
            .log_signer
            .write()
            .unwrap_or_else(|e| e.into_inner());
        *slot = (Arc::new(signer), every);
        drop(slot);
        self
    }

    /// The same state with other KPI targets (a configured targets file).
    pub fn with_kpi_targets(self, targets: kpi::KpiTargets) -> AppState {
        let targets = Arc::new(targets);
        let observations = self
            .inner
            .store
            .cqrs::<kpi::KpiObservation>(kpi::KpiServices::new(
                self.inner.clock.clone(),
                targets.clone(),
            ));
        match Arc::try_unwrap(self.inner) {
            Ok(mut inner) => {
                inner.kpi_targets = targets;
                inner.kpi_observations = observations;
                AppState {
                    inner: Arc::new(inner),
                }
            }
            // Shared already: keep the state as it is rather than split it.
            Err(inner) => {
                tracing::warn!("KPI targets not replaced: the state is already shared");
                AppState { inner }
            }
        }
    }

    /// The application's metrics (one registry per state).
    pub fn metrics(&self) -> &crate::Metrics {
        &self.inner.metrics
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// The challenge command side.
    pub fn challenges(&self) -> &Cqrs<Challenge> {
        &self.inner.challenges
    }

    /// The bid command side.
    pub fn bids(&self) -> &Cqrs<Bid> {
        &self.inner.bids
    }

    /// The clawback-case command side.
    pub fn clawbacks(&self) -> &Cqrs<ClawbackCase> {
        &self.inner.clawbacks
    }

    /// The integrity-record command side (one stream per organisation, id = USCC).
    pub fn integrity(&self) -> &Cqrs<::integrity::IntegrityRecord> {
        &self.inner.integrity
    }

    /// The project command side.
    pub fn projects(&self) -> &Cqrs<Project> {
        &self.inner.projects
    }

    /// The horse-race command side.
    pub fn races(&self) -> &Cqrs<Race> {
        &self.inner.races
    }

    /// The consortium command side.
    pub fn consortia(&self) -> &Cqrs<Consortium> {
        &self.inner.consortia
    }

    /// The evaluation-round command side.
    pub fn evaluation_rounds(&self) -> &Cqrs<EvaluationRound> {
        &self.inner.evaluation_rounds
    }

    /// The attention-item command side (refused reactions on the officers' work list).
    pub fn attention(&self) -> &Cqrs<attention::AttentionItem> {
        &self.inner.attention
    }

    /// The support-application command side.
    pub fn support_applications(&self) -> &Cqrs<SupportApplication> {
        &self.inner.support_applications
    }

    /// The support-instrument catalogue.
    pub fn support_catalogue(&self) -> &SupportCatalogue {
        &self.inner.support_catalogue
    }

    /// The programme catalogue.
    /// Technology needs (需求库).
    pub fn needs(&self) -> &Cqrs<need::TechnologyNeed> {
        &self.inner.needs
    }

    /// Manual KPI observations.
    pub fn kpi_observations(&self) -> &Cqrs<kpi::KpiObservation> {
        &self.inner.kpi_observations
    }

    /// The KPI annex the table is measured against.
    pub fn kpi_targets(&self) -> &kpi::KpiTargets {
        &self.inner.kpi_targets
    }

    pub fn programmes(&self) -> &Catalogue {
        &self.inner.programmes
    }

    /// The clock.
    pub fn clock(&self) -> &dyn Clock {
        self.inner.clock.as_ref()
    }

    /// The id source.
    pub fn ids(&self) -> &dyn IdGen {
        self.inner.ids.as_ref()
    }

    /// The token signing secret.
    pub fn jwt_secret(&self) -> &str {
        &self.inner.secret
    }

    /// Held while this process drains the outbox.
    pub(crate) fn drain_lock(&self) -> &tokio::sync::Mutex<()> {
        &self.inner.drain
    }

    /// The transparency log's signing key.
    pub fn log_signer(&self) -> Arc<tlog::Signer> {
        self.inner
            .log_signer
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .0
            .clone()
    }

    /// Time between scheduled checkpoints.
    pub fn checkpoint_every(&self) -> std::time::Duration {
        self.inner
            .log_signer
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .1
    }

    /// Largest accepted body.
    pub fn body_limit(&self) -> usize {
        self.inner.body_limit
    }
}

/// The seed-000 annex shipped with the code; a test pins it, so the fallback (no rows) only
/// shows if the shipped file were broken, and is logged.
fn shipped_kpi_targets() -> kpi::KpiTargets {
    kpi::KpiTargets::annex().unwrap_or_else(|e| {
        tracing::error!(error = %e, "the shipped KPI annex does not parse; the KPI table is empty");
        kpi::KpiTargets {
            source: String::new(),
            years: Vec::new(),
            rows: Vec::new(),
        }
    })
}

/// A random log key for states built without configuration (tests, tools).
fn ephemeral_log_key() -> tlog::Signer {
    tlog::Signer::generate(DEFAULT_LOG_KEY_NAME).unwrap_or_else(|_| {
        // No OS randomness: fall back to a key derived from fresh v4 ids' bytes.
        let mut seed = [0u8; 32];
        seed[..16].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
        seed[16..].copy_from_slice(uuid::Uuid::new_v4().as_bytes());
        #[allow(clippy::expect_used)]
        tlog::Signer::from_seed(DEFAULT_LOG_KEY_NAME, seed).expect("the default key name is valid")
    })
}

/// The application's metrics; their names and labels are fixed, so registering them cannot fail.
#[allow(clippy::expect_used)]
fn new_metrics() -> crate::Metrics {
    crate::Metrics::new().expect("the metrics' names and labels are valid and distinct")
}
