//! The recovery process managers: every recovery referral — a project that failed or was
//! terminated with money to recover, a consortium's remedy "recover" or failed rectification, an
//! integrity record's related-project recovery — opens a clawback case, and a clawback escalated
//! as an integrity referral opens an integrity case.
//!
//! Idempotency keys: a clawback case opened for any `RecoveryReferred` lives in the stream
//! `reaction_id(event, "clawback_case")` and a second open is refused with `already_opened`;
//! an integrity case opened for `ClawbackEscalated` gets the case id
//! `reaction_id(event, "integrity_case")` in the debtor's record and a second open is refused
//! with `case_already_opened`. Both refusals count as done.

use clawback::{
    Basis, BasisKind, ClawbackCommand, ClawbackEvent, EscalationRoute, OpenClawback, Subject,
};
use integrity::{CaseSource, IntegrityCommand, IntegrityEvent, OpenIntegrityCase};

use crate::reactions::{reaction_id, Reaction, ReactionError};
use crate::recoverable::{needs, recoverable};
use crate::{AppError, CommandError};
use clawback::ClawbackError;
use integrity::IntegrityError;
use kernel::{Money, OrgCode};

fn payload<T: serde::de::DeserializeOwned>(r: &Reaction<'_>) -> Result<T, ReactionError> {
    serde_json::from_value(r.event.payload.clone()).map_err(|e| {
        ReactionError::Failed(AppError::Internal(format!(
            "cannot read {} as the reactor expects: {e}",
            r.cause()
        )))
    })
}

/// `integrity_record` `RecoveryReferred` → `ClawbackCase.Open` on the referred project.
pub(crate) async fn open_clawback_for_integrity_recovery(
    r: &Reaction<'_>,
) -> Result<(), ReactionError> {
    let IntegrityEvent::RecoveryReferred {
        project,
        debtor,
        amount,
        ..
    } = payload(r)?
    else {
        return Ok(());
    };
    open_case(
        r,
        Subject::Project(project),
        debtor,
        BasisKind::IntegrityRecorded,
        amount,
    )
    .await
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
        Subject::Consortium(_) | Subject::SupportApplication(_) => vec![],
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
        .execute(
            r.state,
            r.state.integrity(),
            debtor.as_str(),
            false,
            "OpenIntegrityCase",
            command,
        )
        .await;
    match result {
        // Opened by an earlier run of this reaction.
        Ok(()) | Err(CommandError::Rule(IntegrityError::CaseAlreadyOpened { .. })) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// Opens the clawback case of a referral on `subject`, in the stream derived from the event,
/// checked against the ledger's figures inside the case's own transaction.
async fn open_case(
    r: &Reaction<'_>,
    subject: Subject,
    debtor: OrgCode,
    kind: BasisKind,
    amount: Money,
) -> Result<(), ReactionError> {
    let target = reaction_id(r.event, "clawback_case");
    let basis = Basis {
        kind,
        reference: r.cause(),
    };
    // domain.md: the officer decided the amount in the triggering command.
    let opened_by = r.causing_actor();
    let referral = Some(r.cause());
    let result = r
        .call()
        .execute_with_facts(
            r.state,
            r.state.clawbacks(),
            &target,
            false,
            "OpenClawback",
            needs(&subject, store::FactNeeds::none()),
            |facts| {
                let ledger = recoverable(facts, &subject, &target)?;
                Ok(ClawbackCommand::Open(OpenClawback {
                    subject: subject.clone(),
                    debtor: debtor.clone(),
                    basis: basis.clone(),
                    amount,
                    disbursed_to_subject: ledger.disbursed,
                    owed_in_other_cases: ledger.owed_in_other_cases,
                    recipients: ledger.recipients,
                    opened_by: opened_by.clone(),
                    referral: referral.clone(),
                }))
            },
        )
        .await;
    match result {
        // Opened by an earlier run of this reaction.
        Ok(_) | Err(CommandError::Rule(ClawbackError::AlreadyOpened { .. })) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// `project` `RecoveryReferred` (failed re-acceptance, or termination with money to recover) →
/// `ClawbackCase.Open` against the project's lead for the amount the officer decided.
pub(crate) async fn open_clawback_for_project_recovery(
    r: &Reaction<'_>,
) -> Result<(), ReactionError> {
    let project::ProjectEvent::RecoveryReferred { amount, basis, .. } = payload(r)? else {
        return Ok(());
    };
    let view = r
        .state
        .store()
        .view(projections::ProjectView::NAME, &r.event.aggregate_id)
        .await?
        .ok_or_else(|| {
            ReactionError::Failed(AppError::Internal(format!(
                "no project view for {}",
                r.cause()
            )))
        })?;
    let lead = view["lead"].as_str().unwrap_or_default();
    let debtor = kernel::OrgCode::parse(lead).map_err(|e| {
        ReactionError::Failed(AppError::Internal(format!("project lead {lead:?}: {e}")))
    })?;
    let kind = match basis {
        project::RecoveryBasis::ProjectFailed => BasisKind::ProjectFailed,
        _ => BasisKind::ProjectTerminated,
    };
    let subject = Subject::Project(r.event.aggregate_id.clone());
    open_case(r, subject, debtor, kind, amount).await
}

/// `consortium` `RecoveryReferred` (remedy "recover", or a failed rectification) →
/// `ClawbackCase.Open` against the lead for the amount the officer decided.
pub(crate) async fn open_clawback_for_consortium_recovery(
    r: &Reaction<'_>,
) -> Result<(), ReactionError> {
    let consortium::ConsortiumEvent::RecoveryReferred { debtor, amount, .. } = payload(r)? else {
        return Ok(());
    };
    let subject = Subject::Consortium(r.event.aggregate_id.clone());
    open_case(r, subject, debtor, BasisKind::ConsortiumRemedy, amount).await
}

/// `support_application` `RecoveryReferred` (a grant found improper) → `ClawbackCase.Open`
/// against the beneficiary for the amount the officer referred.
pub(crate) async fn open_clawback_for_support_recovery(
    r: &Reaction<'_>,
) -> Result<(), ReactionError> {
    let support::SupportEvent::RecoveryReferred { debtor, amount, .. } = payload(r)? else {
        return Ok(());
    };
    let subject = Subject::SupportApplication(r.event.aggregate_id.clone());
    open_case(r, subject, debtor, BasisKind::OfficerDecision, amount).await
}
