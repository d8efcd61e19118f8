use chrono::NaiveDate;
use cqrs_es::DomainEvent;
use kernel::OrgCode;
use serde::{Deserialize, Serialize};

use crate::{EvaluatorKind, Grade};

/// What happened in an evaluation round. Event names and versions never change once stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum EvaluationEvent {
    /// The round was planned.
    RoundPlanned {
        /// Its number.
        round_no: u32,
        /// First day of the period.
        period_start: NaiveDate,
        /// End of the period.
        period_end: NaiveDate,
        /// Experts or a third party.
        evaluator_kind: EvaluatorKind,
    },
    /// A consortium was enrolled.
    SubjectEnrolled {
        /// The consortium.
        consortium_id: String,
        /// Its name.
        name: String,
        /// 牵头单位.
        lead: OrgCode,
        /// 成员单位 when enrolled.
        members: Vec<OrgCode>,
    },
    /// A consortium was excluded: its lead is barred on the period's end (3年內不得參與績效評價).
    SubjectExcluded {
        /// The consortium.
        consortium_id: String,
        /// Its name.
        name: String,
        /// 牵头单位.
        lead: OrgCode,
        /// The bar's end.
        barred_until: NaiveDate,
    },
    /// The round opened with a self-assessment window.
    RoundOpened {
        /// The date.
        opened_on: NaiveDate,
        /// Last day for self-assessments.
        self_assessment_due: NaiveDate,
    },
    /// A subject handed in its self-assessment.
    SelfAssessmentSubmitted {
        /// The consortium.
        consortium_id: String,
        /// The report.
        report_ref: String,
        /// The date.
        submitted_on: NaiveDate,
    },
    /// The review started; subjects without a self-assessment will be graded 不合格.
    RoundReviewStarted {
        /// The date.
        started_on: NaiveDate,
        /// Subjects with no self-assessment.
        missing_self_assessment: Vec<String>,
    },
    /// An evaluator was assigned to a subject.
    EvaluatorAssigned {
        /// The round's number.
        round_no: u32,
        /// The consortium.
        consortium_id: String,
        /// Its name.
        subject_name: String,
        /// Its self-assessment.
        self_assessment_ref: Option<String>,
        /// The evaluator's id.
        evaluator_id: String,
        /// The evaluator's organisation.
        evaluator_org: OrgCode,
    },
    /// An evaluator scored a subject.
    ScoreRecorded {
        /// The consortium.
        consortium_id: String,
        /// The evaluator.
        evaluator_id: String,
        /// 0–100.
        score: u32,
        /// The date.
        scored_on: NaiveDate,
    },
    /// 公示: the results were published for notice.
    ResultsPublicised {
        /// First day of the notice.
        from: NaiveDate,
        /// Last day of the notice.
        to: NaiveDate,
        /// The proposed result of every subject.
        results: Vec<SubjectResult>,
    },
    /// A written objection was filed.
    ObjectionFiled {
        /// The objection's id within the round.
        objection_id: String,
        /// The consortium whose result is contested.
        consortium_id: String,
        /// The objector's name.
        objector_name: String,
        /// The objector's organisation.
        objector_org: Option<OrgCode>,
        /// Grounds.
        grounds: String,
        /// Evidence.
        evidence_ref: String,
        /// The date.
        filed_on: NaiveDate,
    },
    /// An objection was resolved.
    ObjectionResolved {
        /// The objection.
        objection_id: String,
        /// The consortium.
        consortium_id: String,
        /// Upheld or dismissed.
        upheld: bool,
        /// The corrected grade when upheld.
        revised_grade: Option<Grade>,
        /// The date.
        resolved_on: NaiveDate,
    },
    /// The grades are final; each goes to its consortium.
    RoundFinalised {
        /// The round's number.
        round_no: u32,
        /// End of the assessed period.
        period_end: NaiveDate,
        /// The final result of every subject.
        results: Vec<SubjectResult>,
        /// The date.
        finalised_on: NaiveDate,
    },
}

/// A subject's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubjectResult {
    /// The consortium.
    pub consortium_id: String,
    /// The grade.
    pub grade: Grade,
    /// The mean score in hundredths of a point (rounded down), when scored.
    pub mean_score_hundredths: Option<u32>,
    /// True when graded 不合格 for a missing self-assessment.
    pub missing_self_assessment: bool,
}

impl DomainEvent for EvaluationEvent {
    fn event_type(&self) -> String {
        match self {
            EvaluationEvent::RoundPlanned { .. } => "RoundPlanned",
            EvaluationEvent::SubjectEnrolled { .. } => "SubjectEnrolled",
            EvaluationEvent::SubjectExcluded { .. } => "SubjectExcluded",
            EvaluationEvent::RoundOpened { .. } => "RoundOpened",
            EvaluationEvent::SelfAssessmentSubmitted { .. } => "SelfAssessmentSubmitted",
            EvaluationEvent::RoundReviewStarted { .. } => "RoundReviewStarted",
            EvaluationEvent::EvaluatorAssigned { .. } => "EvaluatorAssigned",
            EvaluationEvent::ScoreRecorded { .. } => "ScoreRecorded",
            EvaluationEvent::ResultsPublicised { .. } => "ResultsPublicised",
            EvaluationEvent::ObjectionFiled { .. } => "ObjectionFiled",
            EvaluationEvent::ObjectionResolved { .. } => "ObjectionResolved",
            EvaluationEvent::RoundFinalised { .. } => "RoundFinalised",
        }
        .to_string()
    }

    fn event_version(&self) -> String {
        "1.0".to_string()
    }
}
