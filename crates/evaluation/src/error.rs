use chrono::NaiveDate;
use kernel::{DomainError, ErrorKind, OrgCode};

/// Why an evaluation-round command was refused. Each variant names the broken rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EvaluationError {
    /// The command is not allowed in the round's current state.
    #[error("cannot {action} a round that is {status}")]
    InvalidTransition {
        /// The state the round is in.
        status: &'static str,
        /// What was attempted.
        action: &'static str,
    },
    /// A required text field is empty.
    #[error("{0} must not be empty")]
    Required(&'static str),
    /// The period is not `period_years` long.
    #[error("the period must end on {expected_end}")]
    PeriodLengthWrong {
        /// `period_start` + the period's years.
        expected_end: NaiveDate,
    },
    /// The period does not start where the previous round's ended.
    #[error("the period must start on {expected_start}, where the previous round ended")]
    PeriodNotContiguous {
        /// The previous round's `period_end`.
        expected_start: NaiveDate,
    },
    /// The round number does not follow the previous one.
    #[error("the next round is number {expected}, not {asked}")]
    RoundNumberOutOfOrder {
        /// The number that follows.
        expected: u32,
        /// The number given.
        asked: u32,
    },
    /// The subject is already enrolled or excluded.
    #[error("consortium {0} is already enrolled")]
    AlreadyEnrolled(String),
    /// The subject held no level at the period's end.
    #[error("consortium {0} held no level at the end of the period")]
    SubjectHeldNoLevel(String),
    /// The subject's status was revoked.
    #[error("consortium {0} has been revoked")]
    SubjectRevoked(String),
    /// The round opened before its period ended.
    #[error("the period runs until {0}; the round cannot open before")]
    PeriodNotEnded(NaiveDate),
    /// Opening a round with no subject.
    #[error("the round has no subject")]
    NoSubjects,
    /// A deadline that is not after today.
    #[error("the deadline {0} must be after today")]
    DeadlineNotInFuture(NaiveDate),
    /// The subject is not in the round.
    #[error("consortium {0} is not enrolled")]
    SubjectNotEnrolled(String),
    /// The subject was excluded or handed in no self-assessment and cannot be assessed.
    #[error("consortium {0} is not assessed in this round")]
    SubjectNotAssessed(String),
    /// A self-assessment after the window closed.
    #[error("self-assessments were due by {0}")]
    SelfAssessmentWindowClosed(NaiveDate),
    /// The review started before the self-assessment window closed.
    #[error("self-assessments are open until {0}")]
    SelfAssessmentWindowOpen(NaiveDate),
    /// The evaluator is affiliated with the subject's lead or a member.
    #[error("the evaluator belongs to {0}, which is in the consortium")]
    EvaluatorConflict(OrgCode),
    /// The evaluator is already assigned to the subject.
    #[error("evaluator {0} is already assigned")]
    EvaluatorAlreadyAssigned(String),
    /// The evaluator is not assigned to the subject.
    #[error("evaluator {0} is not assigned to this subject")]
    EvaluatorNotAssigned(String),
    /// The caller is not the person seated as this evaluator: a seat is the evaluator's id
    /// together with the organisation they were assigned with.
    #[error("evaluator {0} is seated with another organisation than the caller's")]
    NotSeated(String),
    /// The evaluator already scored the subject.
    #[error("evaluator {0} already scored this subject")]
    ScoreAlreadyRecorded(String),
    /// A score outside 0–100.
    #[error("a score is 0 to 100, not {0}")]
    ScoreOutOfRange(u32),
    /// A subject has no evaluator.
    #[error("consortium {0} has no evaluator")]
    NoEvaluatorAssigned(String),
    /// An assigned evaluator has not scored.
    #[error("evaluator {evaluator_id} has not scored consortium {consortium_id}")]
    ScoreMissing {
        /// The subject.
        consortium_id: String,
        /// The evaluator.
        evaluator_id: String,
    },
    /// The notice is shorter than the minimum (both ends counted).
    #[error("the notice must last at least {min_days} days, counted inclusively")]
    NoticeTooShort {
        /// The minimum.
        min_days: i64,
    },
    /// The notice starts before today.
    #[error("the notice cannot start in the past")]
    NoticeStartsInPast,
    /// An objection outside the notice period.
    #[error("objections are accepted from {from} to {to}")]
    OutsideNoticePeriod {
        /// First day.
        from: NaiveDate,
        /// Last day.
        to: NaiveDate,
    },
    /// An objection without a real name.
    #[error("anonymous objections are not accepted")]
    AnonymousObjection,
    /// No such objection.
    #[error("no objection {0}")]
    ObjectionNotFound(String),
    /// The objection was already resolved.
    #[error("objection {0} is already resolved")]
    ObjectionAlreadyResolved(String),
    /// An upheld objection without the corrected grade, or a dismissed one with one.
    #[error(
        "an upheld objection needs a revised grade (pass, excellent or fail); a dismissed one none"
    )]
    RevisedGradeInvalid,
    /// Finalising before the notice ends.
    #[error("the notice runs until {0}")]
    NoticeNotOver(NaiveDate),
    /// Finalising with an objection pending.
    #[error("objection {0} is pending")]
    ObjectionPending(String),
}

impl DomainError for EvaluationError {
    fn code(&self) -> &'static str {
        match self {
            EvaluationError::InvalidTransition { .. } => "invalid_transition",
            EvaluationError::Required(_) => "required_field_empty",
            EvaluationError::PeriodLengthWrong { .. } => "period_length_wrong",
            EvaluationError::PeriodNotContiguous { .. } => "period_not_contiguous",
            EvaluationError::RoundNumberOutOfOrder { .. } => "round_number_out_of_order",
            EvaluationError::AlreadyEnrolled(_) => "already_enrolled",
            EvaluationError::SubjectHeldNoLevel(_) => "subject_held_no_level",
            EvaluationError::SubjectRevoked(_) => "subject_revoked",
            EvaluationError::PeriodNotEnded(_) => "period_not_ended",
            EvaluationError::NoSubjects => "no_subjects",
            EvaluationError::DeadlineNotInFuture(_) => "deadline_not_in_future",
            EvaluationError::SubjectNotEnrolled(_) => "subject_not_enrolled",
            EvaluationError::SubjectNotAssessed(_) => "subject_not_assessed",
            EvaluationError::SelfAssessmentWindowClosed(_) => "self_assessment_window_closed",
            EvaluationError::SelfAssessmentWindowOpen(_) => "self_assessment_window_open",
            EvaluationError::EvaluatorConflict(_) => "evaluator_conflict",
            EvaluationError::EvaluatorAlreadyAssigned(_) => "evaluator_already_assigned",
            EvaluationError::EvaluatorNotAssigned(_) => "evaluator_not_assigned",
            EvaluationError::NotSeated(_) => "not_seated",
            EvaluationError::ScoreAlreadyRecorded(_) => "score_already_recorded",
            EvaluationError::ScoreOutOfRange(_) => "score_out_of_range",
            EvaluationError::NoEvaluatorAssigned(_) => "no_evaluator_assigned",
            EvaluationError::ScoreMissing { .. } => "score_missing",
            EvaluationError::NoticeTooShort { .. } => "notice_too_short",
            EvaluationError::NoticeStartsInPast => "notice_starts_in_past",
            EvaluationError::OutsideNoticePeriod { .. } => "outside_notice_period",
            EvaluationError::AnonymousObjection => "anonymous_objection",
            EvaluationError::ObjectionNotFound(_) => "objection_not_found",
            EvaluationError::ObjectionAlreadyResolved(_) => "objection_already_resolved",
            EvaluationError::RevisedGradeInvalid => "revised_grade_invalid",
            EvaluationError::NoticeNotOver(_) => "notice_not_over",
            EvaluationError::ObjectionPending(_) => "objection_pending",
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            EvaluationError::AlreadyEnrolled(_)
            | EvaluationError::EvaluatorAlreadyAssigned(_)
            | EvaluationError::ScoreAlreadyRecorded(_)
            | EvaluationError::ObjectionAlreadyResolved(_)
            | EvaluationError::ObjectionPending(_) => ErrorKind::Conflict,
            EvaluationError::SubjectNotEnrolled(_) | EvaluationError::ObjectionNotFound(_) => {
                ErrorKind::NotFound
            }
            EvaluationError::NotSeated(_) => ErrorKind::Forbidden,
            _ => ErrorKind::Invalid,
        }
    }
}
