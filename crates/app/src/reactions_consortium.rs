//! The reaction `RoundFinalised` → `Consortium.RecordEvaluationResult`, one per subject.

use consortium::{ConsortiumCommand, ConsortiumError, EvaluationGrade};
use evaluation::{EvaluationEvent, EvaluationRound, Grade};

use crate::reactions::{Reaction, ReactionError};
use crate::{AppError, CommandError};

fn grade_of(grade: Grade) -> EvaluationGrade {
    match grade {
        Grade::Excellent => EvaluationGrade::Excellent,
        Grade::Pass => EvaluationGrade::Pass,
        Grade::Fail => EvaluationGrade::Fail,
        Grade::Excluded => EvaluationGrade::Excluded,
    }
}

/// Records each final grade on its consortium. A consortium refuses a second result for the same
/// round, so a repeated reaction changes nothing; other refusals (the consortium was revoked in
/// the meantime, say) are logged and count as done, since retrying cannot change them.
pub(crate) async fn record_results(reaction: &Reaction<'_>) -> Result<(), ReactionError> {
    let envelope = projections::envelope_of::<EvaluationRound>(reaction.event)
        .map_err(|e| ReactionError::Failed(AppError::Internal(e.to_string())))?;
    let EvaluationEvent::RoundFinalised {
        round_no,
        period_end,
        results,
        ..
    } = envelope.payload
    else {
        return Ok(());
    };
    let state = reaction.state;
    for result in results {
        let command = ConsortiumCommand::RecordEvaluationResult {
            round_id: envelope.aggregate_id.clone(),
            round_no,
            period_end,
            grade: grade_of(result.grade),
        };
        let outcome = reaction
            .call()
            .execute(
                state,
                state.consortia(),
                &result.consortium_id,
                true,
                "RecordEvaluationResult",
                command,
            )
            .await;
        match outcome {
            // Recorded by an earlier run of this reaction.
            Ok(()) | Err(CommandError::Rule(ConsortiumError::ResultAlreadyRecorded(_))) => {}
            Err(CommandError::Rule(refusal)) => {
                tracing::warn!(consortium = %result.consortium_id, round = %envelope.aggregate_id, %refusal, "evaluation result refused; not retried");
            }
            Err(CommandError::App(AppError::NotFound(detail))) => {
                tracing::warn!(consortium = %result.consortium_id, detail, "evaluation result for an unknown consortium; not retried");
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}
