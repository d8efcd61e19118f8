use chrono::NaiveDate;
use kernel::{ActiveBar, OrgCode};

use crate::{Evaluator, EvaluatorKind, Grade};

/// Commands on an evaluation round.
#[derive(Debug, Clone, PartialEq)]
pub enum EvaluationCommand {
    /// Plan the round.
    Plan(PlanRound),
    /// Enrol a consortium; one whose lead is barred on `period_end` is recorded as excluded.
    EnrolSubject {
        /// The consortium as it stands, looked up by the caller.
        subject: SubjectFacts,
        /// Active bars on the lead on the round's `period_end`.
        bars: Vec<ActiveBar>,
    },
    /// 下达考核通知: open the round with its self-assessment window.
    Open {
        /// Last day for self-assessments (inclusive).
        self_assessment_due: NaiveDate,
    },
    /// 联盟自查: a subject hands in its self-assessment.
    SubmitSelfAssessment {
        /// The consortium.
        consortium_id: String,
        /// The report.
        report_ref: String,
    },
    /// Close the self-assessment window and start the review.
    StartReview,
    /// Assign an evaluator to a subject.
    AssignEvaluator {
        /// The consortium.
        consortium_id: String,
        /// The evaluator.
        evaluator: Evaluator,
        /// The consortium's lead and members now, looked up by the caller; a member that joined
        /// after enrolment is a conflict too.
        current_affiliations: Vec<OrgCode>,
    },
    /// An evaluator's score (百分制).
    RecordScore {
        /// The consortium.
        consortium_id: String,
        /// The evaluator's id.
        evaluator_id: String,
        /// 0–100.
        score: u32,
        /// Who enters the score: the seated evaluator with their token's organisation, or an
        /// officer transcribing a named evaluator's score.
        entered_by: ScoreEntry,
    },
    /// 公示: publish the results for public notice.
    PublishResults {
        /// First day of the notice.
        from: NaiveDate,
        /// Last day of the notice (inclusive).
        to: NaiveDate,
    },
    /// A written, named objection during the notice.
    FileObjection {
        /// The consortium whose result is contested.
        consortium_id: String,
        /// The objector's real name.
        objector_name: String,
        /// The objector's organisation, if any.
        objector_org: Option<OrgCode>,
        /// Grounds.
        grounds: String,
        /// Evidence reference.
        evidence_ref: String,
    },
    /// The officer upholds (with a revised grade) or dismisses an objection.
    ResolveObjection {
        /// The objection.
        objection_id: String,
        /// Upheld or dismissed.
        upheld: bool,
        /// The corrected grade, required when upheld.
        revised_grade: Option<Grade>,
    },
    /// Finalise the grades once the notice is over.
    Finalise,
}

/// The plan of a round.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanRound {
    /// Its number in the sequence (1, 2, …).
    pub round_no: u32,
    /// First day of the assessed period.
    pub period_start: NaiveDate,
    /// End of the assessed period (`period_start` + the period's years).
    pub period_end: NaiveDate,
    /// Experts or a third party.
    pub evaluator_kind: EvaluatorKind,
    /// The round before, when there is one (looked up by the caller).
    pub previous: Option<PreviousRound>,
}

/// The facts of the previous round that the plan must continue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PreviousRound {
    /// Its number.
    pub round_no: u32,
    /// The end of its period.
    pub period_end: NaiveDate,
}

/// A consortium as the caller found it when enrolling it.
#[derive(Debug, Clone, PartialEq)]
pub struct SubjectFacts {
    /// The consortium's id.
    pub consortium_id: String,
    /// Its name.
    pub name: String,
    /// 牵头单位.
    pub lead: OrgCode,
    /// 成员单位.
    pub members: Vec<OrgCode>,
    /// Whether it held a level on the round's `period_end`.
    pub held_level_at_period_end: bool,
    /// Whether its status has been revoked.
    pub revoked: bool,
}

/// Who enters an evaluator's score.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScoreEntry {
    /// The evaluator themselves; `org` is the organisation on their token, which must be the
    /// organisation they were seated with.
    Evaluator {
        /// The token's organisation, if it names one.
        org: Option<OrgCode>,
    },
    /// An officer enters the score of the evaluator named in the command.
    Officer,
}
