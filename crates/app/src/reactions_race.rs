//! The reaction `ProjectTerminated` / `ProjectFailed` / `ProjectClosed` of a horse-race lane →
//! `Race.WithdrawLane`: a lane whose project ends outside a checkpoint leaves its race, so the
//! race and its lanes never disagree about who is still racing.

use project::{LaneExit, ProjectEvent, Race, RaceCommand};
use projections::{ProjectView, RaceView};

use crate::reactions::{Reaction, ReactionError};
use crate::AppError;

/// Withdraws the ended project's lane from its call's race. Idempotent: the race ignores a lane
/// that already left (eliminated, withdrawn) and a race that is over. A project of a call
/// without a race, or not among its lanes, has nothing to leave.
pub(crate) async fn withdraw_lane(r: &Reaction<'_>) -> Result<(), ReactionError> {
    let event: ProjectEvent = serde_json::from_value(r.event.payload.clone())
        .map_err(|e| ReactionError::Failed(AppError::Internal(format!("project event: {e}"))))?;
    let reason = match event {
        ProjectEvent::ProjectTerminated { .. } => LaneExit::Terminated,
        ProjectEvent::ProjectFailed { .. } => LaneExit::Failed,
        ProjectEvent::ProjectClosed { .. } => LaneExit::Closed,
        _ => return Ok(()),
    };
    let lane = r.event.aggregate_id.clone();
    let store = r.state.store();
    let Some(project) = store.view(ProjectView::NAME, &lane).await? else {
        return Err(ReactionError::Failed(AppError::Internal(format!(
            "project {lane} has no view"
        ))));
    };
    let Some(race_id) = project["challenge_id"].as_str().map(str::to_string) else {
        return Ok(());
    };
    let race = store.view(RaceView::NAME, &race_id).await?;
    let is_lane = race.as_ref().is_some_and(|v| {
        v["lanes"]
            .as_array()
            .is_some_and(|lanes| lanes.iter().any(|l| l["project_id"] == lane.as_str()))
    });
    if !is_lane {
        return Ok(());
    }
    let command = RaceCommand::WithdrawLane { lane, reason };
    r.call()
        .execute::<Race>(
            r.state,
            r.state.races(),
            &race_id,
            true,
            "WithdrawLane",
            command,
        )
        .await?;
    Ok(())
}
