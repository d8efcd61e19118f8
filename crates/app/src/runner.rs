//! The command runner: every command, a person's or a process manager's, runs through
//! [`CommandCall`] in one transaction of the store ([`store::Cqrs::run`]), with its metadata,
//! its `If-Match`, its idempotency claim and the cross-stream facts its rules need.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use chrono::SecondsFormat;
use cqrs_es::Aggregate;
use kernel::{Actor, DomainError};
use store::{CommandRequest, Committed, Cqrs, FactNeeds, Facts, RunError};

use crate::{AppError, AppState, CommandError};

/// The id of the request a command belongs to (the API's `X-Request-Id`).
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// The version a command expects (`If-Match: "N"`), if the client sent one.
#[derive(Debug, Clone, Copy)]
pub struct IfMatch(pub Option<u64>);

tokio::task_local! {
    /// The `Idempotency-Key` claim of the request being served, handed by the adapter to the
    /// first command the request runs.
    pub static IDEMPOTENCY: Arc<IdempotencySlot>;
}

/// A request's idempotency claim, and whether a command committed under it.
#[derive(Debug, Default)]
pub struct IdempotencySlot {
    claim: Mutex<Option<store::IdempotencyClaim>>,
    committed: AtomicBool,
}

impl IdempotencySlot {
    /// A slot holding `claim` until a command takes it.
    pub fn new(claim: store::IdempotencyClaim) -> Self {
        IdempotencySlot {
            claim: Mutex::new(Some(claim)),
            committed: AtomicBool::new(false),
        }
    }

    /// True once a command committed with the claim.
    pub fn committed(&self) -> bool {
        self.committed.load(Ordering::SeqCst)
    }

    fn take(&self) -> Option<store::IdempotencyClaim> {
        self.claim.lock().ok().and_then(|mut c| c.take())
    }

    fn put_back(&self, claim: store::IdempotencyClaim) {
        if let Ok(mut c) = self.claim.lock() {
            *c = Some(claim);
        }
    }
}

/// The context every command carries into its events' metadata.
pub struct CommandCall<'a> {
    /// Who.
    pub actor: &'a Actor,
    /// The request.
    pub request_id: &'a RequestId,
    /// The version the client expects, if any.
    pub if_match: IfMatch,
    /// The event a process manager reacts to (`None` for a person's command).
    pub(crate) caused_by: Option<String>,
}

impl<'a> CommandCall<'a> {
    /// A person's command.
    pub fn new(actor: &'a Actor, request_id: &'a RequestId, if_match: impl Into<IfMatch>) -> Self {
        CommandCall {
            actor,
            request_id,
            if_match: if_match.into(),
            caused_by: None,
        }
    }

    /// Marks the command as a process manager's reaction to `event`; it then runs without
    /// draining the outbox itself (the drain that runs it goes on).
    pub(crate) fn caused_by(mut self, event: &cqrs_es::persist::SerializedEvent) -> Self {
        self.caused_by = Some(format!(
            "{}/{}/{}",
            event.aggregate_type, event.aggregate_id, event.sequence
        ));
        self
    }

    fn metadata(&self, state: &AppState, command: &str) -> HashMap<String, String> {
        let mut m = HashMap::new();
        m.insert("actor_sub".into(), self.actor.sub.clone());
        m.insert("actor_roles".into(), self.actor.roles_text());
        if let Some(org) = &self.actor.org {
            m.insert("actor_org".into(), org.to_string());
        }
        m.insert(
            "recorded_at".into(),
            state
                .clock()
                .now()
                .to_rfc3339_opts(SecondsFormat::Micros, true),
        );
        m.insert("request_id".into(), self.request_id.0.clone());
        m.insert("command".into(), command.to_string());
        if let Some(cause) = &self.caused_by {
            m.insert("caused_by".into(), cause.clone());
        }
        m
    }

    /// Runs `command` on stream `id` of aggregate `A` without draining the reactions it queues
    /// (what a process manager or the clock runs). The aggregate's refusal stays typed.
    pub async fn execute<A>(
        &self,
        state: &AppState,
        cqrs: &Cqrs<A>,
        id: &str,
        must_exist: bool,
        name: &str,
        command: A::Command,
    ) -> Result<(), CommandError<A::Error>>
    where
        A: Aggregate,
        A::Error: DomainError,
        A::Command: Clone + Send,
    {
        self.execute_with_facts(
            state,
            cqrs,
            id,
            must_exist,
            name,
            FactNeeds::none(),
            move |_| Ok(command.clone()),
        )
        .await
        .map(|_| ())
    }

    /// Runs the command `build` makes from the cross-stream facts `needs` names, read inside the
    /// command's own transaction under their locks (see [`store::FactNeeds`]). With
    /// `must_exist`, an empty stream is [`AppError::NotFound`]; a stale `If-Match` (compared
    /// inside the transaction with the version the command loaded) is
    /// [`AppError::VersionMismatch`]. Nothing is stored when the command is refused.
    #[allow(clippy::too_many_arguments)]
    pub async fn execute_with_facts<A, F>(
        &self,
        state: &AppState,
        cqrs: &Cqrs<A>,
        id: &str,
        must_exist: bool,
        name: &str,
        needs: FactNeeds,
        mut build: F,
    ) -> Result<Committed, CommandError<A::Error>>
    where
        A: Aggregate,
        A::Error: DomainError,
        F: FnMut(&Facts) -> Result<A::Command, AppError> + Send,
    {
        // Only a person's first command in a request carries the request's idempotency key.
        let slot = if self.caused_by.is_none() {
            IDEMPOTENCY.try_with(|s| s.clone()).ok()
        } else {
            None
        };
        let claim = slot.as_ref().and_then(|s| s.take());
        let request = CommandRequest {
            aggregate_id: id.to_string(),
            must_exist,
            expected_version: self.if_match.0,
            metadata: self.metadata(state, name),
            needs,
            idempotency: claim.clone(),
        };
        let result = cqrs.run(request, |facts, _| build(facts)).await;
        match (&result, slot, claim) {
            (Ok(_), Some(slot), Some(_)) => slot.committed.store(true, Ordering::SeqCst),
            (Err(_), Some(slot), Some(claim)) => slot.put_back(claim),
            _ => {}
        }
        let result = result.map_err(|e| match e {
            RunError::NotFound => {
                CommandError::App(AppError::NotFound(format!("no {} {id}", A::TYPE)))
            }
            RunError::VersionMismatch { expected, current } => {
                CommandError::App(AppError::VersionMismatch { expected, current })
            }
            RunError::Build(e) => CommandError::App(e),
            RunError::Domain(e) => CommandError::Rule(e),
            RunError::Conflict => CommandError::App(AppError::ConcurrencyConflict),
            RunError::IdempotencyKeyTaken => CommandError::App(AppError::IdempotencyKeyTaken),
            RunError::Store(e) => CommandError::App(AppError::from(e)),
        });
        state
            .metrics()
            .command(A::TYPE, name, crate::metrics::outcome(&result));
        result
    }
}
