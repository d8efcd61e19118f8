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
use kernel::Actor;
use project::{AwardProject, Project, ProjectCommand, Race, RaceCommand};
use projections::{BidView, ChallengeView};
use uuid::Uuid;

use crate::execute::{CommandCall, IfMatch, RequestId};
use crate::{ApiError, AppState};

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
    /// No reactor has this name (a subscription without a handler).
    #[error("no reactor named {0:?}")]
    UnknownReactor(String),
    /// The reaction's command failed.
    #[error(transparent)]
    Command(#[from] ApiError),
}

/// The context a reaction's command runs in: the process manager as actor, the causing event's
/// request id, and `caused_by` naming the event.
pub(crate) struct Reaction<'a> {
    pub(crate) state: &'a AppState,
    pub(crate) event: &'a SerializedEvent,
    actor: Actor,
    request_id: RequestId,
}

impl<'a> Reaction<'a> {
    fn new(state: &'a AppState, event: &'a SerializedEvent) -> Self {
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

/// Runs the reactor named `reactor` on `event`.
async fn react(
    state: &AppState,
    reactor: &str,
    event: &SerializedEvent,
) -> Result<(), ReactionError> {
    let reaction = Reaction::new(state, event);
    // One arm per subscription in `projections::all_subscriptions`.
    match reactor {
        projections::RACE_TO_LANES => race_to_lanes(&reaction).await,
        "award_outcome" => award_outcome(&reaction).await,
        projections::OPEN_CLAWBACK_FOR_INTEGRITY_RECOVERY => {
            crate::recovery::open_clawback_for_integrity_recovery(&reaction).await
        }
        projections::OPEN_CLAWBACK_FOR_PROJECT_RECOVERY => {
            crate::recovery::open_clawback_for_project_recovery(&reaction).await
        }
        projections::OPEN_CLAWBACK_FOR_CONSORTIUM_RECOVERY => {
            crate::recovery::open_clawback_for_consortium_recovery(&reaction).await
        }
        projections::OPEN_CLAWBACK_FOR_SUPPORT_RECOVERY => {
            crate::recovery::open_clawback_for_support_recovery(&reaction).await
        }
        projections::OPEN_INTEGRITY_CASE_FOR_CLAWBACK_ESCALATION => {
            crate::recovery::open_integrity_case_for_clawback_escalation(&reaction).await
        }
        crate::reactions_consortium::EVALUATION_RESULTS => {
            crate::reactions_consortium::record_results(&reaction).await
        }
        other => Err(ReactionError::UnknownReactor(other.to_string())),
    }
}

fn decode<T: serde::de::DeserializeOwned>(event: &SerializedEvent) -> Result<T, ReactionError> {
    serde_json::from_value(event.payload.clone())
        .map_err(|e| ReactionError::Command(ApiError::Internal(e.to_string())))
}

/// The bid's status as its view records it, `None` when the bid does not exist.
async fn bid_status(state: &AppState, id: &str) -> Result<Option<String>, ReactionError> {
    let value = state
        .store()
        .view(BidView::NAME, id)
        .await
        .map_err(ApiError::from)?;
    Ok(value.and_then(|v| v.get("status").and_then(|s| s.as_str()).map(str::to_string)))
}

/// `ChallengeAwarded` → one project per winner (`Project.CreateFromAward`, id derived from the
/// event and the bid), the winner's bid `MarkAwarded`; every other bid still in play
/// `MarkNotSelected`. `ChallengeUnfilled` → `MarkNotSelected` for the bids still in play. Steps
/// already done (project exists, bid already decided) are skipped, so a re-run is harmless.
async fn award_outcome(r: &Reaction<'_>) -> Result<(), ReactionError> {
    let state = r.state;
    let challenge_id = r.event.aggregate_id.clone();
    let terms = match state
        .store()
        .view(ChallengeView::NAME, &challenge_id)
        .await
        .map_err(ApiError::from)?
        .map(serde_json::from_value::<ChallengeView>)
    {
        Some(Ok(ChallengeView {
            terms: Some(terms), ..
        })) => terms,
        _ => {
            return Err(ApiError::Internal(format!("challenge {challenge_id} has no terms")).into())
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
            Ok(()) => {}
            Err(ApiError::Domain {
                code: "project_already_exists",
                ..
            }) => {}
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
            .await
            .map_err(ApiError::from)?
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
async fn race_to_lanes(r: &Reaction<'_>) -> Result<(), ReactionError> {
    let event: project::RaceEvent = serde_json::from_value(r.event.payload.clone())
        .map_err(|e| ApiError::Internal(format!("race event: {e}")))?;
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
        project::RaceEvent::RaceFormed { .. } => {}
    }
    for (lane, command, name) in steps {
        let view = r
            .state
            .store()
            .view(projections::ProjectView::NAME, &lane)
            .await
            .map_err(ApiError::from)?;
        let already = view.as_ref().is_some_and(|v| match &command {
            project::ProjectCommand::SurviveCheckpoint { checkpoint } => {
                v["checkpoints_survived"].as_u64() >= Some(u64::from(*checkpoint))
            }
            project::ProjectCommand::EliminateFromRace { .. } => v["status"] == "eliminated",
            _ => v["race_lane"] == false,
        });
        if !already {
            r.call()
                .run(r.state, r.state.projects(), &lane, true, name, command)
                .await?;
        }
    }
    Ok(())
}

/// Runs every queued reaction once (and those the reactions queue in turn); returns how many ran.
/// Failed reactions stay queued with their error and are retried by the next drain.
pub async fn drain(state: &AppState) -> Result<usize, ApiError> {
    let _one_drain_at_a_time = state.drain_lock().lock().await;
    let mut after = 0i64;
    let mut done = 0usize;
    loop {
        let batch = state.store().pending_reactions(after, 100).await?;
        if batch.is_empty() {
            return Ok(done);
        }
        for pending in batch {
            after = pending.id;
            match react(state, &pending.reactor, &pending.event).await {
                Ok(()) => {
                    state.store().complete_reaction(pending.id).await?;
                    done += 1;
                }
                Err(e) => {
                    tracing::warn!(reactor = %pending.reactor, outbox_id = pending.id, error = %e, "reaction failed; it stays queued");
                    state
                        .store()
                        .fail_reaction(pending.id, &e.to_string())
                        .await?;
                }
            }
        }
    }
}

/// Drains the outbox now and then every `every`, until the process ends.
pub(crate) fn spawn_background(state: AppState, every: Duration) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            if let Err(e) = drain(&state).await {
                tracing::warn!(error = %e, "background drain failed");
            }
        }
    });
}
