//! The recovery process managers: an integrity record's recovery referral opens a clawback
//! case, and a clawback escalated as an integrity referral opens an integrity case.
//!
//! Idempotency keys: a clawback case opened for `RecoveryReferred` lives in the stream
//! `reaction_id(event, "clawback_case")` and a second open is refused with `already_opened`;
//! an integrity case opened for `ClawbackEscalated` gets the case id
//! `reaction_id(event, "integrity_case")` in the debtor's record and a second open is refused
//! with `case_already_opened`. Both refusals count as done.

use clawback::{
    Basis, BasisKind, ClawbackCommand, ClawbackEvent, EscalationRoute, OpenClawback, Subject,
};
use integrity::{CaseSource, IntegrityCommand, IntegrityEvent, OpenIntegrityCase};

use crate::reactions::{reaction_id, Reaction, ReactionError};
use crate::routes::owed_in_other_cases;
use crate::ApiError;

fn payload<T: serde::de::DeserializeOwned>(r: &Reaction<'_>) -> Result<T, ReactionError> {
    serde_json::from_value(r.event.payload.clone()).map_err(|e| {
        ReactionError::Command(ApiError::Internal(format!(
            "cannot read {} as the reactor expects: {e}",
            r.cause()
        )))
    })
}

/// Treats the target's "already created" refusal as the reaction having run before.
fn done_if(code: &'static str, result: Result<(), ApiError>) -> Result<(), ReactionError> {
    match result {
        Err(ApiError::Domain { code: c, .. }) if c == code => Ok(()),
        other => other.map_err(ReactionError::from),
    }
}

/// `integrity_record` `RecoveryReferred` → `ClawbackCase.Open` on the referred project.
pub(crate) async fn open_clawback_for_integrity_recovery(
    r: &Reaction<'_>,
) -> Result<(), ReactionError> {
    let IntegrityEvent::RecoveryReferred {
        project,
        debtor,
        amount,
        disbursed,
        ..
    } = payload(r)?
    else {
        return Ok(());
    };
    let target = reaction_id(r.event, "clawback_case");
    let subject = Subject::Project(project);
    let command = ClawbackCommand::Open(OpenClawback {
        owed_in_other_cases: owed_in_other_cases(r.state, &subject, &target).await?,
        subject,
        debtor,
        basis: Basis {
            kind: BasisKind::IntegrityRecorded,
            reference: r.cause(),
        },
        amount,
        disbursed_to_subject: disbursed,
        // The officer who recorded the violation decided the amount, so opened the case.
        opened_by: r.causing_actor(),
        referral: Some(r.cause()),
    });
    let result = r
        .call()
        .run(
            r.state,
            r.state.clawbacks(),
            &target,
            false,
            "OpenClawback",
            command,
        )
        .await;
    done_if("already_opened", result)
}

/// `clawback_case` `ClawbackEscalated{IntegrityReferral}` → `IntegrityRecord.OpenCase` on the
/// debtor's record; a judicial escalation needs no reaction.
pub(crate) async fn open_integrity_case_for_clawback_escalation(
    r: &Reaction<'_>,
) -> Result<(), ReactionError> {
    let ClawbackEvent::ClawbackEscalated {
        route,
        subject,
        debtor,
        outstanding,
        ..
    } = payload(r)?
    else {
        return Ok(());
    };
    if route != EscalationRoute::IntegrityReferral {
        return Ok(());
    }
    let related_projects = match subject {
        Subject::Project(id) => vec![id],
        Subject::Consortium(_) => vec![],
    };
    let command = IntegrityCommand::OpenCase(OpenIntegrityCase {
        case_id: reaction_id(r.event, "integrity_case"),
        org: debtor.clone(),
        allegation: format!(
            "拒不退回追回资金: clawback case {} overdue with {} fen outstanding",
            r.event.aggregate_id,
            outstanding.fen()
        ),
        related_projects,
        source: CaseSource::ClawbackReferral {
            clawback_case: r.event.aggregate_id.clone(),
        },
    });
    let result = r
        .call()
        .run(
            r.state,
            r.state.integrity(),
            debtor.as_str(),
            false,
            "OpenIntegrityCase",
            command,
        )
        .await;
    done_if("case_already_opened", result)
}
