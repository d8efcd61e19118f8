//! Time-driven transitions: the commands domain.md gives to the clock, issued by the server
//! itself when their day comes, with actor `system:clock`.
//!
//! | Command | When | Source |
//! |---|---|---|
//! | `ClawbackCase.MarkOverdue` | the day after `due_on`, money outstanding, no objection pending | domain.md §3.f `MarkOverdue` (clock); [W14] 『逾期不退回』 |
//! | `Consortium.EndConstructionPeriod` | on `construction_end`, while the consortium holds its level | 001「建设期满」 |
//! | purge of `Idempotency-Key` records | a day after they were recorded | issue 11 |
//!
//! Each run reads "today" from the `Clock` service, so a pinned clock moved forward triggers it.
//! Every step is idempotent: the aggregate refuses a second `MarkOverdue` or
//! `EndConstructionPeriod`, and two processes that race on one stream store one event (the
//! loser re-runs on a fresh load and is refused). Refusals are expected and not errors.

use chrono::{Duration as Days, NaiveDate, SecondsFormat};
use clawback::{ClawbackCase, ClawbackCommand};
use consortium::{Consortium, ConsortiumCommand};
use kernel::Actor;
use projections::{ClawbackView, ConsortiumView, Cursor, ListQuery, MAX_PAGE};
use serde::Serialize;
use serde_json::Value;

use crate::runner::{CommandCall, IfMatch, RequestId};
use crate::{AppError, AppState, CommandError};

/// The actor recorded on clock commands.
pub const CLOCK_ACTOR: &str = "system:clock";

/// What one run of the clock did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ClockReport {
    /// Clawback cases marked overdue.
    pub overdue_marked: usize,
    /// Consortia whose construction period was ended.
    pub construction_periods_ended: usize,
    /// Idempotency keys forgotten.
    pub idempotency_keys_purged: u64,
}

/// Every row of `view` with `status`, page by page.
async fn rows(state: &AppState, view: &str, status: &str) -> Result<Vec<Value>, AppError> {
    let mut all = Vec::new();
    let mut after = None;
    loop {
        let page = state
            .store()
            .list(
                view,
                &ListQuery {
                    status: Some(status.to_string()),
                    after: after.take(),
                    limit: MAX_PAGE,
                    ..ListQuery::default()
                },
            )
            .await?;
        all.extend(page.items);
        match page.next_cursor.as_deref().and_then(Cursor::decode) {
            Some(c) => after = Some(c),
            None => return Ok(all),
        }
    }
}

fn date(v: &Value) -> Option<NaiveDate> {
    v.as_str().and_then(|s| s.parse().ok())
}

/// A refusal by the aggregate means another process (or an officer) got there first.
fn done<E>(result: Result<(), CommandError<E>>) -> Result<bool, AppError> {
    match result {
        Ok(()) => Ok(true),
        Err(CommandError::Rule(_) | CommandError::App(AppError::ConcurrencyConflict)) => Ok(false),
        Err(CommandError::App(e)) => Err(e),
    }
}

/// Issues every clock command that is due today.
pub async fn run_due(state: &AppState) -> Result<ClockReport, AppError> {
    let today = state.clock().today();
    let actor = Actor {
        sub: CLOCK_ACTOR.to_string(),
        roles: Vec::new(),
        org: None,
    };
    let request_id = RequestId(format!("clock-{}", state.ids().new_id()));
    let call = CommandCall::new(&actor, &request_id, IfMatch(None));
    let mut report = ClockReport::default();

    // domain.md §3.f: MarkOverdue (clock) — `now > due_on` and `outstanding > 0`.
    for status in ["notice_issued", "awaiting_repayment", "partially_repaid"] {
        for case in rows(state, ClawbackView::NAME, status).await? {
            let due = date(&case["due_on"]);
            let outstanding = case["outstanding_fen"].as_i64().unwrap_or(0);
            let Some(id) = case["id"].as_str() else {
                continue;
            };
            if due.is_some_and(|d| today > d) && outstanding > 0 {
                let marked = call
                    .execute::<ClawbackCase>(
                        state,
                        state.clawbacks(),
                        id,
                        true,
                        "MarkOverdue",
                        ClawbackCommand::MarkOverdue,
                    )
                    .await;
                if done(marked)? {
                    report.overdue_marked += 1;
                }
            }
        }
    }

    // 001_5a9afaa2304051ee.txt「建设期满」: the construction period ends on its last day.
    for consortium in rows(state, ConsortiumView::NAME, "holding").await? {
        let Some(id) = consortium["id"].as_str() else {
            continue;
        };
        if date(&consortium["construction_end"]).is_some_and(|end| today >= end) {
            let ended = call
                .execute::<Consortium>(
                    state,
                    state.consortia(),
                    id,
                    true,
                    "EndConstructionPeriod",
                    ConsortiumCommand::EndConstructionPeriod,
                )
                .await;
            if done(ended)? {
                report.construction_periods_ended += 1;
            }
        }
    }

    let day_ago = (state.clock().now() - Days::hours(24))
        .with_timezone(&chrono::Utc)
        .to_rfc3339_opts(SecondsFormat::Micros, true);
    report.idempotency_keys_purged = state.store().purge_idempotency_keys(&day_ago).await?;
    Ok(report)
}
