//! Process managers: the reactions that carry one stream's events into commands on another.
//!
//! The store queues each subscribed event in the outbox inside the event's own transaction
//! ([`projections::all_subscriptions`]). [`drain`] runs the queued reactions at least once: right
//! after every command (so a client sees the consequences of its own command), at start-up, and
//! every few seconds. A crash between an event and its reaction leaves the row queued, and the
//! next drain runs it. Every reaction is idempotent: its command's target id is derived from the
//! causing event ([`reaction_id`]), and the target refuses a second creation, which counts as done.

use std::time::Duration;

use bid::{Bid, BidCommand};
use challenge::{AwardMode, ChallengeEvent};
use cqrs_es::persist::SerializedEvent;
use cqrs_es::Aggregate;
use kernel::Actor;
use project::{AwardProject, Project, ProjectCommand, Race, RaceCommand};
use projections::{BidView, ChallengeView};
use uuid::Uuid;

use crate::runner::{CommandCall, IfMatch, RequestId};
use crate::{AppError, AppState, CommandError};
use kernel::DomainError;
use project::ProjectError;

/// The actor recorded on commands a process manager issues.
pub const PROCESS_MANAGER: &str = "system:process-manager";

/// Namespace of ids derived from causing events.
const NAMESPACE: Uuid = Uuid::from_u128(0x6772_616e_746c_6564_6765_725f_7265_6163);

/// A stable id for what `purpose` creates in reaction to `event`: the same event always gives
/// the same id, so a repeated reaction addresses the same stream.
pub fn reaction_id(event: &SerializedEvent, purpose: &str) -> String {
    let name = format!(
        "{}/{}/{}/{purpose}",
        event.aggregate_type, event.aggregate_id, event.sequence
    );
    Uuid::new_v5(&NAMESPACE, name.as_bytes()).to_string()
}

/// Why a reaction did not run.
#[derive(Debug, thiserror::Error)]
pub enum ReactionError {
    /// No process manager has this name (an outbox row of a reactor that no longer exists).
    #[error("no process manager named {0:?}")]
    UnknownReactor(String),
    /// A rule (of the target aggregate or of the application) refused the reaction's command:
    /// retrying cannot help until someone changes the facts, so it goes to the attention list.
    #[error("{code}: {detail}")]
    Refused {
        /// The refusal's stable code.
        code: String,
        /// The rule's message.
        detail: String,
    },
    /// Anything a retry may cure (database, conflicts) or a bug.
    #[error(transparent)]
    Failed(AppError),
}

impl From<AppError> for ReactionError {
    fn from(err: AppError) -> Self {
        match err.refusal() {
            Some((code, detail)) => ReactionError::Refused { code, detail },
            None => ReactionError::Failed(err),
        }
    }
}

impl<E: DomainError> From<CommandError<E>> for ReactionError {
    fn from(err: CommandError<E>) -> Self {
        match err {
            CommandError::Rule(e) => ReactionError::Refused {
                code: e.code().to_string(),
                detail: e.to_string(),
            },
            CommandError::App(e) => ReactionError::from(e),
        }
    }
}

impl From<store::StoreError> for ReactionError {
    fn from(err: store::StoreError) -> Self {
        ReactionError::Failed(AppError::from(err))
    }
}

/// The context a reaction's command runs in: the process manager as actor, the causing event's
/// request id, and `caused_by` naming the event.
pub struct Reaction<'a> {
    pub(crate) state: &'a AppState,
    pub(crate) event: &'a SerializedEvent,
    actor: Actor,
    request_id: RequestId,
}

impl<'a> Reaction<'a> {
    pub(crate) fn new(state: &'a AppState, event: &'a SerializedEvent) -> Self {
        let request_id = event
            .metadata
            .get("request_id")
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_string();
        Reaction {
            state,
            event,
            actor: Actor {
                sub: PROCESS_MANAGER.to_string(),
                roles: Vec::new(),
                org: None,
            },
            request_id: RequestId(request_id),
        }
    }

    /// The id of the causing event, `<aggregate_type>/<aggregate_id>/<sequence>`.
    pub(crate) fn cause(&self) -> String {
        format!(
            "{}/{}/{}",
            self.event.aggregate_type, self.event.aggregate_id, self.event.sequence
        )
    }

    /// The subject of the person whose command caused the event.
    pub(crate) fn causing_actor(&self) -> String {
        self.event
            .metadata
            .get("actor_sub")
            .and_then(|v| v.as_str())
            .unwrap_or(PROCESS_MANAGER)
            .to_string()
    }

    /// The call a reaction's command is issued with.
    pub(crate) fn call(&self) -> CommandCall<'_> {
        CommandCall::new(&self.actor, &self.request_id, IfMatch(None)).caused_by(self.event)
    }
}

/// Runs the process manager named `reactor` on `event`.
async fn react(
    state: &AppState,
    reactor: &str,
    event: &SerializedEvent,
) -> Result<(), ReactionError> {
    let reaction = Reaction::new(state, event);
    match crate::process_managers::find(reactor) {
        Some(manager) => (manager.handler)(&reaction).await,
        None => Err(ReactionError::UnknownReactor(reactor.to_string())),
    }
}

fn decode<T: serde::de::DeserializeOwned>(event: &SerializedEvent) -> Result<T, ReactionError> {
    serde_json::from_value(event.payload.clone())
        .map_err(|e| ReactionError::Failed(AppError::Internal(e.to_string())))
}

/// The bid's status as its view records it, `None` when the bid does not exist.
async fn bid_status(state: &AppState, id: &str) -> Result<Option<String>, ReactionError> {
    let value = state.store().view(BidView::NAME, id).await?;
    Ok(value.and_then(|v| v.get("status").and_then(|s| s.as_str()).map(str::to_string)))
}

/// `NeedsAdopted` → `Adopt` on each need the call answers. A need this call already adopted
/// counts as done; one another call adopted cannot be, because the draft was refused under the
/// need's lock, so that refusal is reported rather than swallowed.
pub(crate) async fn adopt_needs(r: &Reaction<'_>) -> Result<(), ReactionError> {
    let state = r.state;
    let challenge_id = r.event.aggregate_id.clone();
    let ChallengeEvent::NeedsAdopted { needs } = decode::<ChallengeEvent>(r.event)? else {
        return Ok(());
    };
    for need_id in needs {
        let adopted = state
            .store()
            .view(projections::NeedView::NAME, &need_id)
            .await?
            .and_then(|v| {
                v.get("adopted_by")
                    .and_then(|a| a.as_str())
                    .map(str::to_string)
            });
        if adopted.as_deref() == Some(challenge_id.as_str()) {
            continue;
        }
        let adopt = need::NeedCommand::Adopt {
            challenge_id: challenge_id.clone(),
        };
        r.call()
            .execute::<need::TechnologyNeed>(
                state,
                state.needs(),
                &need_id,
                true,
                "AdoptNeed",
                adopt,
            )
            .await?;
    }
    Ok(())
}

/// `ChallengeAwarded` → one project per winner (`Project.CreateFromAward`, id derived from the
/// event and the bid), the winner's bid `MarkAwarded`; every other bid still in play
/// `MarkNotSelected`. `ChallengeUnfilled` → `MarkNotSelected` for the bids still in play. Steps
/// already done (project exists, bid already decided) are skipped, so a re-run is harmless.
pub(crate) async fn award_outcome(r: &Reaction<'_>) -> Result<(), ReactionError> {
    let state = r.state;
    let challenge_id = r.event.aggregate_id.clone();
    let terms = match state
        .store()
        .view(ChallengeView::NAME, &challenge_id)
        .await?
        .map(serde_json::from_value::<ChallengeView>)
    {
        Some(Ok(ChallengeView {
            terms: Some(terms), ..
        })) => terms,
        _ => {
            return Err(ReactionError::Failed(AppError::Internal(format!(
                "challenge {challenge_id} has no terms"
            ))))
        }
    };
    let (winners, not_selected) = match decode::<ChallengeEvent>(r.event)? {
        ChallengeEvent::ChallengeAwarded {
            winners,
            not_selected,
            ..
        } => (winners, not_selected),
        ChallengeEvent::ChallengeUnfilled { not_selected, .. } => (Vec::new(), not_selected),
        _ => return Ok(()),
    };
    let mut lanes = Vec::new();
    for w in &winners {
        let project_id = reaction_id(r.event, &format!("project/{}", w.bid_id));
        let create = ProjectCommand::CreateFromAward(AwardProject {
            challenge_id: challenge_id.clone(),
            bid_id: w.bid_id.clone(),
            lead: w.lead.clone(),
            members: w.members.clone(),
            demand_owner: terms.demand_owner.clone(),
            award: w.amount,
            completion_deadline: terms.completion_deadline,
            race_lane: w.lane.is_some(),
        });
        let created = r
            .call()
            .execute::<Project>(
                state,
                state.projects(),
                &project_id,
                false,
                "CreateFromAward",
                create,
            )
            .await;
        match created {
            // Created by an earlier run of this reaction.
            Ok(()) | Err(CommandError::Rule(ProjectError::AlreadyCreated)) => {}
            Err(e) => return Err(e.into()),
        }
        if bid_status(state, &w.bid_id).await?.as_deref() == Some("cleared") {
            let mark = BidCommand::MarkAwarded {
                project_id: project_id.clone(),
                amount: w.amount,
                lane: w.lane,
            };
            r.call()
                .execute::<Bid>(state, state.bids(), &w.bid_id, true, "MarkAwarded", mark)
                .await?;
        }
        lanes.push(project_id);
    }
    // 赛马制: the lanes form the call's race (one race stream per call, keyed by the call's id).
    if let AwardMode::HorseRace { max_teams } = terms.mode {
        let formed = state
            .store()
            .stream_version("race", &challenge_id)
            .await?
            .is_some();
        if !formed {
            let form = RaceCommand::Form {
                challenge_id: challenge_id.clone(),
                lanes,
                max_lanes: max_teams,
            };
            r.call()
                .execute::<Race>(state, state.races(), &challenge_id, false, "FormRace", form)
                .await?;
        }
    }
    for bid_id in not_selected {
        let live = matches!(
            bid_status(state, &bid_id).await?.as_deref(),
            Some(
                "submitted"
                    | "compliant"
                    | "under_review"
                    | "reviewed"
                    | "in_public_notice"
                    | "cleared"
            )
        );
        if live {
            r.call()
                .execute::<Bid>(
                    state,
                    state.bids(),
                    &bid_id,
                    true,
                    "MarkNotSelected",
                    BidCommand::MarkNotSelected,
                )
                .await?;
        }
    }
    Ok(())
}

/// A race's checkpoint results and conclusion, carried to each lane's project. Idempotent: a
/// lane whose project already shows the step is skipped.
pub(crate) async fn race_to_lanes(r: &Reaction<'_>) -> Result<(), ReactionError> {
    let event: project::RaceEvent = serde_json::from_value(r.event.payload.clone())
        .map_err(|e| ReactionError::Failed(AppError::Internal(format!("race event: {e}"))))?;
    let mut steps: Vec<(String, project::ProjectCommand, &str)> = Vec::new();
    match event {
        project::RaceEvent::CheckpointHeld {
            checkpoint,
            continued,
            eliminated,
        } => {
            for lane in continued {
                steps.push((
                    lane,
                    project::ProjectCommand::SurviveCheckpoint { checkpoint },
                    "SurviveCheckpoint",
                ));
            }
            for lane in eliminated {
                steps.push((
                    lane,
                    project::ProjectCommand::EliminateFromRace { checkpoint },
                    "EliminateFromRace",
                ));
            }
        }
        project::RaceEvent::RaceConcluded { survivor } => {
            steps.push((
                survivor,
                project::ProjectCommand::ConcludeRace,
                "ConcludeRace",
            ));
        }
        project::RaceEvent::RaceFormed { .. } | project::RaceEvent::LaneWithdrawn { .. } => {}
    }
    for (lane, command, name) in steps {
        let view = r
            .state
            .store()
            .view(projections::ProjectView::NAME, &lane)
            .await?;
        let already = view.as_ref().is_some_and(|v| match &command {
            project::ProjectCommand::SurviveCheckpoint { checkpoint } => {
                v["checkpoints_survived"].as_u64() >= Some(u64::from(*checkpoint))
            }
            project::ProjectCommand::EliminateFromRace { .. } => v["status"] == "eliminated",
            _ => v["race_lane"] == false,
        });
        if !already {
            r.call()
                .execute(r.state, r.state.projects(), &lane, true, name, command)
                .await?;
        }
    }
    Ok(())
}

/// How long a drain holds a leased outbox row before another drain may take it.
const LEASE_MS: i64 = 60_000;

/// Back-off after the `attempts`-th transient failure: 1 s doubling, at most 5 minutes.
fn backoff_ms(attempts: i32) -> i64 {
    1_000i64
        .saturating_mul(1i64 << attempts.clamp(0, 20))
        .min(300_000)
}

/// The attention item of `reactor` on `event`: one stream per reaction and causing event.
pub fn attention_id(event: &SerializedEvent, reactor: &str) -> String {
    reaction_id(event, &format!("attention/{reactor}"))
}

async fn record_refusal(
    state: &AppState,
    pending: &store::PendingReaction,
    code: String,
    detail: String,
) -> Result<(), AppError> {
    let reaction = Reaction::new(state, &pending.event);
    let command = attention::AttentionCommand::RecordRefusal {
        reactor: pending.reactor.clone(),
        cause: attention::CauseRef {
            aggregate_type: pending.event.aggregate_type.clone(),
            aggregate_id: pending.event.aggregate_id.clone(),
            sequence: pending.event.sequence as u64,
            event_type: pending.event.event_type.clone(),
        },
        code,
        detail,
    };
    reaction
        .call()
        .execute::<attention::AttentionItem>(
            state,
            state.attention(),
            &attention_id(&pending.event, &pending.reactor),
            false,
            "RecordReactionRefusal",
            command,
        )
        .await
        .map_err(AppError::from)
}

/// Marks the reaction's attention item resolved, when it has one still waiting.
async fn resolve_attention(
    state: &AppState,
    pending: &store::PendingReaction,
) -> Result<(), AppError> {
    let id = attention_id(&pending.event, &pending.reactor);
    if state
        .store()
        .stream_version(attention::AttentionItem::TYPE, &id)
        .await?
        .is_none()
    {
        return Ok(());
    }
    let reaction = Reaction::new(state, &pending.event);
    match reaction
        .call()
        .execute::<attention::AttentionItem>(
            state,
            state.attention(),
            &id,
            true,
            "RecordReactionResolved",
            attention::AttentionCommand::RecordResolved,
        )
        .await
    {
        // Resolved or dismissed already: nothing is waiting.
        Ok(()) | Err(CommandError::Rule(attention::AttentionError::InvalidTransition { .. })) => {
            Ok(())
        }
        Err(e) => Err(e.into()),
    }
}

/// Runs every runnable reaction once (and those the reactions queue in turn); returns how many
/// ran. Rows are leased, so several server processes drain one database without running a
/// reaction twice at once. A reaction a domain rule refuses is parked and put on the officers'
/// attention list; any other failure is retried with back-off.
pub async fn drain(state: &AppState) -> Result<usize, AppError> {
    // Within one process, one drain at a time: a command's own drain then waits for a
    // background drain that holds the rows it queued, so the client sees their effects.
    let _one_drain_at_a_time = state.drain_lock().lock().await;
    let mut done = 0usize;
    loop {
        let batch = state.store().lease_reactions(50, LEASE_MS).await?;
        if batch.is_empty() {
            return Ok(done);
        }
        for pending in batch {
            match react(state, &pending.reactor, &pending.event).await {
                Ok(()) => {
                    resolve_attention(state, &pending).await?;
                    state.store().complete_reaction(pending.id).await?;
                    done += 1;
                }
                Err(e) => match e {
                    ReactionError::Refused { code, detail } => {
                        tracing::warn!(reactor = %pending.reactor, outbox_id = pending.id, %code, "reaction refused by a rule; on the attention list");
                        state.metrics().reaction_failed("parked");
                        record_refusal(state, &pending, code, detail.clone()).await?;
                        state.store().park_reaction(pending.id, &detail).await?;
                    }
                    e => {
                        tracing::warn!(reactor = %pending.reactor, outbox_id = pending.id, error = %e, "reaction failed; retried after a back-off");
                        state.metrics().reaction_failed("retried");
                        state
                            .store()
                            .retry_reaction_later(
                                pending.id,
                                &e.to_string(),
                                backoff_ms(pending.attempts),
                            )
                            .await?;
                    }
                },
            }
        }
    }
}

/// Drains the outbox now and then every `every`, and runs the clock's commands every
/// `clock_every`, until the process ends.
pub fn spawn_background(state: AppState, every: Duration, clock_every: Duration) {
    let drain_state = state.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            if let Err(e) = drain(&drain_state).await {
                tracing::warn!(error = %e, "background drain failed");
            }
        }
    });
    state.metrics().scheduler_every(clock_every);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(clock_every);
        loop {
            tick.tick().await;
            let ran = crate::clock::run_due(&state).await;
            state.metrics().scheduler_ran(ran.is_ok());
            if let Err(e) = ran {
                tracing::warn!(error = %e, "clock commands failed; retried at the next tick");
            }
        }
    });
}
