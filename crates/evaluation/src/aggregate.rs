use chrono::{Months, NaiveDate};
use cqrs_es::event_sink::EventSink;
use cqrs_es::Aggregate;
use kernel::{first_bar, ActiveBar, OrgCode};
use serde::{Deserialize, Serialize};

use crate::{
    EvaluationCommand, EvaluationError, EvaluationEvent, EvaluationPolicy, EvaluationServices,
    Evaluator, EvaluatorKind, Grade, PlanRound, ScoreEntry, SubjectFacts, SubjectResult,
};

/// Where a round stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RoundStatus {
    /// No event yet.
    #[default]
    New,
    /// Planned; subjects are enrolled.
    Planned,
    /// 下达考核通知: the self-assessment window is open.
    Open,
    /// Evaluators assigned and scoring.
    UnderReview,
    /// 公示: the results are on public notice.
    ResultsPublicised,
    /// Final grades sent to the consortia.
    Finalised,
}

impl RoundStatus {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            RoundStatus::New => "new",
            RoundStatus::Planned => "planned",
            RoundStatus::Open => "open",
            RoundStatus::UnderReview => "under_review",
            RoundStatus::ResultsPublicised => "results_publicised",
            RoundStatus::Finalised => "finalised",
        }
    }
}

/// A consortium in the round.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subject {
    /// The consortium.
    pub consortium_id: String,
    /// Its name.
    pub name: String,
    /// 牵头单位.
    pub lead: OrgCode,
    /// 成员单位 when enrolled.
    pub members: Vec<OrgCode>,
    /// Set when excluded for an integrity bar: the bar's end.
    pub excluded_until: Option<NaiveDate>,
    /// Its self-assessment.
    pub self_assessment_ref: Option<String>,
    /// True once the review started without its self-assessment.
    pub missing_self_assessment: bool,
    /// Evaluators assigned, in order, with their score once given.
    pub evaluators: Vec<(String, Option<u32>)>,
    /// The organisation each evaluator was seated with: a seat is (id, organisation).
    #[serde(default)]
    pub seats: std::collections::BTreeMap<String, OrgCode>,
}

impl Subject {
    fn assessed(&self) -> bool {
        self.excluded_until.is_none() && !self.missing_self_assessment
    }
}

/// Whether an objection is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectionStatus {
    /// Waiting for the officer.
    Pending,
    /// Upheld: the grade was revised.
    Upheld,
    /// Dismissed.
    Dismissed,
}

/// An objection filed during the notice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Objection {
    /// Its id within the round (`objection-1`, …).
    pub id: String,
    /// The contested subject.
    pub consortium_id: String,
    /// Where it stands.
    pub status: ObjectionStatus,
}

/// A biennial evaluation round (考核评价轮次).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct EvaluationRound {
    /// Where it stands.
    pub status: RoundStatus,
    /// Its number.
    pub round_no: u32,
    /// First day of the period.
    pub period_start: Option<NaiveDate>,
    /// End of the period.
    pub period_end: Option<NaiveDate>,
    /// Experts or a third party.
    pub evaluator_kind: Option<EvaluatorKind>,
    /// The subjects in enrolment order.
    pub subjects: Vec<Subject>,
    /// Last day for self-assessments.
    pub self_assessment_due: Option<NaiveDate>,
    /// The notice's first and last day.
    pub notice: Option<(NaiveDate, NaiveDate)>,
    /// The results as publicised, revised by upheld objections.
    pub results: Vec<SubjectResult>,
    /// Objections in the order filed.
    pub objections: Vec<Objection>,
}

fn required(value: &str, field: &'static str) -> Result<(), EvaluationError> {
    if value.trim().is_empty() {
        Err(EvaluationError::Required(field))
    } else {
        Ok(())
    }
}

/// The grade of a set of scores: the unrounded mean against the bands (domain.md ).
fn grade_of(scores: &[u32], policy: &EvaluationPolicy) -> (Grade, Option<u32>) {
    let count = scores.len() as u64;
    if count == 0 {
        return (Grade::Fail, None);
    }
    let sum: u64 = scores.iter().map(|s| u64::from(*s)).sum();
    let mean_hundredths = u32::try_from(sum * 100 / count).ok();
    // Comparing sum with band × count keeps the mean unrounded without floats.
    let grade = if sum >= u64::from(policy.excellent_from) * count {
        Grade::Excellent
    } else if sum >= u64::from(policy.pass_from) * count {
        Grade::Pass
    } else {
        Grade::Fail
    };
    (grade, mean_hundredths)
}

impl EvaluationRound {
    fn refuse(&self, action: &'static str) -> EvaluationError {
        EvaluationError::InvalidTransition {
            status: self.status.as_str(),
            action,
        }
    }

    fn expect(&self, status: RoundStatus, action: &'static str) -> Result<(), EvaluationError> {
        if self.status == status {
            Ok(())
        } else {
            Err(self.refuse(action))
        }
    }

    fn subject(&self, id: &str) -> Result<&Subject, EvaluationError> {
        self.subjects
            .iter()
            .find(|s| s.consortium_id == id)
            .ok_or_else(|| EvaluationError::SubjectNotEnrolled(id.to_string()))
    }

    fn subject_mut(&mut self, id: &str) -> Option<&mut Subject> {
        self.subjects.iter_mut().find(|s| s.consortium_id == id)
    }

    fn plan(
        &self,
        cmd: PlanRound,
        services: &EvaluationServices,
    ) -> Result<EvaluationEvent, EvaluationError> {
        self.expect(RoundStatus::New, "plan")?;
        // domain.md rounds are contiguous periods numbered in order.
        let expected_no = cmd.previous.map_or(1, |p| p.round_no + 1);
        if cmd.round_no != expected_no {
            return Err(EvaluationError::RoundNumberOutOfOrder {
                expected: expected_no,
                asked: cmd.round_no,
            });
        }
        if let Some(prev) = cmd.previous {
            if cmd.period_start != prev.period_end {
                return Err(EvaluationError::PeriodNotContiguous {
                    expected_start: prev.period_end,
                });
            }
        }
        // domain.md [CARD] biennial: the period lasts `period_years` (default 2).
        let expected_end = cmd
            .period_start
            .checked_add_months(Months::new(12 * services.policy.period_years))
            .ok_or(EvaluationError::PeriodLengthWrong {
                expected_end: cmd.period_start,
            })?;
        if cmd.period_end != expected_end {
            return Err(EvaluationError::PeriodLengthWrong { expected_end });
        }
        Ok(EvaluationEvent::RoundPlanned {
            round_no: cmd.round_no,
            period_start: cmd.period_start,
            period_end: cmd.period_end,
            evaluator_kind: cmd.evaluator_kind,
        })
    }

    fn enrol(
        &self,
        subject: SubjectFacts,
        bars: Vec<ActiveBar>,
    ) -> Result<EvaluationEvent, EvaluationError> {
        match self.status {
            RoundStatus::Planned | RoundStatus::Open => {}
            _ => return Err(self.refuse("enrol a subject in")),
        }
        if self
            .subjects
            .iter()
            .any(|s| s.consortium_id == subject.consortium_id)
        {
            return Err(EvaluationError::AlreadyEnrolled(subject.consortium_id));
        }
        if subject.revoked {
            return Err(EvaluationError::SubjectRevoked(subject.consortium_id));
        }
        if !subject.held_level_at_period_end {
            return Err(EvaluationError::SubjectHeldNoLevel(subject.consortium_id));
        }
        // 004_c8247068307aab5b.txt「3年內不得參與績效評價」: a barred lead is excluded ([A-43]).
        if let Some(bar) = first_bar(&bars, &[&subject.lead]) {
            return Ok(EvaluationEvent::SubjectExcluded {
                consortium_id: subject.consortium_id,
                name: subject.name,
                lead: subject.lead,
                barred_until: bar.until,
            });
        }
        Ok(EvaluationEvent::SubjectEnrolled {
            consortium_id: subject.consortium_id,
            name: subject.name,
            lead: subject.lead,
            members: subject.members,
        })
    }

    fn open(
        &self,
        due: NaiveDate,
        services: &EvaluationServices,
    ) -> Result<EvaluationEvent, EvaluationError> {
        self.expect(RoundStatus::Planned, "open")?;
        let today = services.clock.today();
        let period_end = self.period_end.ok_or(self.refuse("open"))?;
        // domain.md a round opens only after its period has ended.
        if today < period_end {
            return Err(EvaluationError::PeriodNotEnded(period_end));
        }
        if self.subjects.is_empty() {
            return Err(EvaluationError::NoSubjects);
        }
        if due <= today {
            return Err(EvaluationError::DeadlineNotInFuture(due));
        }
        Ok(EvaluationEvent::RoundOpened {
            opened_on: today,
            self_assessment_due: due,
        })
    }

    fn submit_self_assessment(
        &self,
        consortium_id: String,
        report_ref: String,
        services: &EvaluationServices,
    ) -> Result<EvaluationEvent, EvaluationError> {
        self.expect(RoundStatus::Open, "submit a self-assessment to")?;
        let today = services.clock.today();
        let due = self
            .self_assessment_due
            .ok_or(self.refuse("submit a self-assessment to"))?;
        // domain.md [W20] 『联盟自查』 within the window; the due day is inclusive ([A-2]).
        if today > due {
            return Err(EvaluationError::SelfAssessmentWindowClosed(due));
        }
        let subject = self.subject(&consortium_id)?;
        if subject.excluded_until.is_some() {
            return Err(EvaluationError::SubjectNotAssessed(consortium_id));
        }
        required(&report_ref, "report_ref")?;
        Ok(EvaluationEvent::SelfAssessmentSubmitted {
            consortium_id,
            report_ref,
            submitted_on: today,
        })
    }

    fn start_review(
        &self,
        services: &EvaluationServices,
    ) -> Result<EvaluationEvent, EvaluationError> {
        self.expect(RoundStatus::Open, "start the review of")?;
        let today = services.clock.today();
        let due = self
            .self_assessment_due
            .ok_or(self.refuse("start the review of"))?;
        if today <= due {
            return Err(EvaluationError::SelfAssessmentWindowOpen(due));
        }
        // domain.md a missing self-assessment is graded Fail.
        let missing = self
            .subjects
            .iter()
            .filter(|s| s.excluded_until.is_none() && s.self_assessment_ref.is_none())
            .map(|s| s.consortium_id.clone())
            .collect();
        Ok(EvaluationEvent::RoundReviewStarted {
            started_on: today,
            missing_self_assessment: missing,
        })
    }

    fn assign(
        &self,
        consortium_id: String,
        evaluator: Evaluator,
        current_affiliations: &[OrgCode],
    ) -> Result<EvaluationEvent, EvaluationError> {
        self.expect(RoundStatus::UnderReview, "assign an evaluator in")?;
        let subject = self.subject(&consortium_id)?;
        if !subject.assessed() {
            return Err(EvaluationError::SubjectNotAssessed(consortium_id));
        }
        required(&evaluator.id, "evaluator.id")?;
        // domain.md no evaluator affiliated with the subject's lead or members.
        if subject.lead == evaluator.org
            || subject.members.contains(&evaluator.org)
            || current_affiliations.contains(&evaluator.org)
        {
            return Err(EvaluationError::EvaluatorConflict(evaluator.org));
        }
        if subject.evaluators.iter().any(|(id, _)| id == &evaluator.id) {
            return Err(EvaluationError::EvaluatorAlreadyAssigned(evaluator.id));
        }
        Ok(EvaluationEvent::EvaluatorAssigned {
            round_no: self.round_no,
            consortium_id,
            subject_name: subject.name.clone(),
            self_assessment_ref: subject.self_assessment_ref.clone(),
            evaluator_id: evaluator.id,
            evaluator_org: evaluator.org,
        })
    }

    fn score(
        &self,
        consortium_id: String,
        evaluator_id: String,
        score: u32,
        entered_by: &ScoreEntry,
        services: &EvaluationServices,
    ) -> Result<EvaluationEvent, EvaluationError> {
        self.expect(RoundStatus::UnderReview, "score in")?;
        let subject = self.subject(&consortium_id)?;
        let assigned = subject
            .evaluators
            .iter()
            .find(|(id, _)| id == &evaluator_id)
            .ok_or_else(|| EvaluationError::EvaluatorNotAssigned(evaluator_id.clone()))?;
        // domain.md: the seat is the person and the organisation they were vetted with; a
        // token of the same id for another organisation (e.g. the consortium's own) is not them.
        if let ScoreEntry::Evaluator { org } = entered_by {
            if org.is_none() || org.as_ref() != subject.seats.get(&evaluator_id) {
                return Err(EvaluationError::NotSeated(evaluator_id));
            }
        }
        if assigned.1.is_some() {
            return Err(EvaluationError::ScoreAlreadyRecorded(evaluator_id));
        }
        // domain.md [W20] 『百分制』
        if score > 100 {
            return Err(EvaluationError::ScoreOutOfRange(score));
        }
        Ok(EvaluationEvent::ScoreRecorded {
            consortium_id,
            evaluator_id,
            score,
            scored_on: services.clock.today(),
        })
    }

    fn publish(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        services: &EvaluationServices,
    ) -> Result<EvaluationEvent, EvaluationError> {
        self.expect(RoundStatus::UnderReview, "publish the results of")?;
        // domain.md at least 7 calendar days counted inclusively.
        let min_days = services.policy.min_notice_days;
        if (to - from).num_days() + 1 < min_days {
            return Err(EvaluationError::NoticeTooShort { min_days });
        }
        if from < services.clock.today() {
            return Err(EvaluationError::NoticeStartsInPast);
        }
        let mut results = Vec::with_capacity(self.subjects.len());
        for s in &self.subjects {
            let result = if s.excluded_until.is_some() {
                SubjectResult {
                    consortium_id: s.consortium_id.clone(),
                    grade: Grade::Excluded,
                    mean_score_hundredths: None,
                    missing_self_assessment: false,
                }
            } else if s.missing_self_assessment {
                // domain.md a missing self-assessment is graded Fail.
                SubjectResult {
                    consortium_id: s.consortium_id.clone(),
                    grade: Grade::Fail,
                    mean_score_hundredths: None,
                    missing_self_assessment: true,
                }
            } else {
                if s.evaluators.is_empty() {
                    return Err(EvaluationError::NoEvaluatorAssigned(
                        s.consortium_id.clone(),
                    ));
                }
                let mut scores = Vec::with_capacity(s.evaluators.len());
                for (evaluator_id, score) in &s.evaluators {
                    match score {
                        Some(v) => scores.push(*v),
                        // domain.md results cannot be published while a score is missing.
                        None => {
                            return Err(EvaluationError::ScoreMissing {
                                consortium_id: s.consortium_id.clone(),
                                evaluator_id: evaluator_id.clone(),
                            })
                        }
                    }
                }
                let (grade, mean) = grade_of(&scores, &services.policy);
                SubjectResult {
                    consortium_id: s.consortium_id.clone(),
                    grade,
                    mean_score_hundredths: mean,
                    missing_self_assessment: false,
                }
            };
            results.push(result);
        }
        Ok(EvaluationEvent::ResultsPublicised { from, to, results })
    }

    fn file_objection(
        &self,
        consortium_id: String,
        objector_name: String,
        objector_org: Option<OrgCode>,
        grounds: String,
        evidence_ref: String,
        services: &EvaluationServices,
    ) -> Result<EvaluationEvent, EvaluationError> {
        self.expect(RoundStatus::ResultsPublicised, "object to")?;
        let (from, to) = self.notice.ok_or(self.refuse("object to"))?;
        let today = services.clock.today();
        // domain.md [W8] 『任何单位和个人如有异议,可在公示期内以书面形式提出』
        if today < from || today > to {
            return Err(EvaluationError::OutsideNoticePeriod { from, to });
        }
        // domain.md [W8] 『原则上匿名异议不予受理』
        if objector_name.trim().is_empty() {
            return Err(EvaluationError::AnonymousObjection);
        }
        required(&grounds, "grounds")?;
        self.subject(&consortium_id)?;
        Ok(EvaluationEvent::ObjectionFiled {
            objection_id: format!("objection-{}", self.objections.len() + 1),
            consortium_id,
            objector_name,
            objector_org,
            grounds,
            evidence_ref,
            filed_on: today,
        })
    }

    fn resolve_objection(
        &self,
        objection_id: String,
        upheld: bool,
        revised_grade: Option<Grade>,
        services: &EvaluationServices,
    ) -> Result<EvaluationEvent, EvaluationError> {
        self.expect(RoundStatus::ResultsPublicised, "resolve an objection in")?;
        let objection = self
            .objections
            .iter()
            .find(|o| o.id == objection_id)
            .ok_or_else(|| EvaluationError::ObjectionNotFound(objection_id.clone()))?;
        if objection.status != ObjectionStatus::Pending {
            return Err(EvaluationError::ObjectionAlreadyResolved(objection_id));
        }
        // domain.md the officer upholds or dismisses; an upheld objection revises the result.
        let valid = match (upheld, revised_grade) {
            (true, Some(Grade::Excluded)) | (true, None) | (false, Some(_)) => false,
            (true, Some(_)) | (false, None) => true,
        };
        if !valid {
            return Err(EvaluationError::RevisedGradeInvalid);
        }
        Ok(EvaluationEvent::ObjectionResolved {
            objection_id,
            consortium_id: objection.consortium_id.clone(),
            upheld,
            revised_grade,
            resolved_on: services.clock.today(),
        })
    }

    fn finalise(&self, services: &EvaluationServices) -> Result<EvaluationEvent, EvaluationError> {
        self.expect(RoundStatus::ResultsPublicised, "finalise")?;
        let (_, to) = self.notice.ok_or(self.refuse("finalise"))?;
        let today = services.clock.today();
        // domain.md: the notice's last day is a full day for objections, so the round is
        // finalised from the day after it (as a bid's 公示 ends).
        if today <= to {
            return Err(EvaluationError::NoticeNotOver(to));
        }
        if let Some(o) = self
            .objections
            .iter()
            .find(|o| o.status == ObjectionStatus::Pending)
        {
            return Err(EvaluationError::ObjectionPending(o.id.clone()));
        }
        Ok(EvaluationEvent::RoundFinalised {
            round_no: self.round_no,
            period_end: self.period_end.ok_or(self.refuse("finalise"))?,
            results: self.results.clone(),
            finalised_on: today,
        })
    }
}

impl Aggregate for EvaluationRound {
    const TYPE: &'static str = "evaluation_round";
    type Command = EvaluationCommand;
    type Event = EvaluationEvent;
    type Error = EvaluationError;
    type Services = EvaluationServices;

    async fn handle(
        &mut self,
        command: Self::Command,
        services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        let event = match command {
            EvaluationCommand::Plan(cmd) => self.plan(cmd, services)?,
            EvaluationCommand::EnrolSubject { subject, bars } => self.enrol(subject, bars)?,
            EvaluationCommand::Open {
                self_assessment_due,
            } => self.open(self_assessment_due, services)?,
            EvaluationCommand::SubmitSelfAssessment {
                consortium_id,
                report_ref,
            } => self.submit_self_assessment(consortium_id, report_ref, services)?,
            EvaluationCommand::StartReview => self.start_review(services)?,
            EvaluationCommand::AssignEvaluator {
                consortium_id,
                evaluator,
                current_affiliations,
            } => self.assign(consortium_id, evaluator, &current_affiliations)?,
            EvaluationCommand::RecordScore {
                consortium_id,
                evaluator_id,
                score,
                entered_by,
            } => self.score(consortium_id, evaluator_id, score, &entered_by, services)?,
            EvaluationCommand::PublishResults { from, to } => self.publish(from, to, services)?,
            EvaluationCommand::FileObjection {
                consortium_id,
                objector_name,
                objector_org,
                grounds,
                evidence_ref,
            } => self.file_objection(
                consortium_id,
                objector_name,
                objector_org,
                grounds,
                evidence_ref,
                services,
            )?,
            EvaluationCommand::ResolveObjection {
                objection_id,
                upheld,
                revised_grade,
            } => self.resolve_objection(objection_id, upheld, revised_grade, services)?,
            EvaluationCommand::Finalise => self.finalise(services)?,
        };
        sink.write(event, self).await;
        Ok(())
    }

    fn apply(&mut self, event: Self::Event) {
        match event {
            EvaluationEvent::RoundPlanned {
                round_no,
                period_start,
                period_end,
                evaluator_kind,
            } => {
                self.status = RoundStatus::Planned;
                self.round_no = round_no;
                self.period_start = Some(period_start);
                self.period_end = Some(period_end);
                self.evaluator_kind = Some(evaluator_kind);
            }
            EvaluationEvent::SubjectEnrolled {
                consortium_id,
                name,
                lead,
                members,
            } => self.subjects.push(Subject {
                consortium_id,
                name,
                lead,
                members,
                excluded_until: None,
                self_assessment_ref: None,
                missing_self_assessment: false,
                evaluators: Vec::new(),
                seats: Default::default(),
            }),
            EvaluationEvent::SubjectExcluded {
                consortium_id,
                name,
                lead,
                barred_until,
            } => self.subjects.push(Subject {
                consortium_id,
                name,
                lead,
                members: Vec::new(),
                excluded_until: Some(barred_until),
                self_assessment_ref: None,
                missing_self_assessment: false,
                evaluators: Vec::new(),
                seats: Default::default(),
            }),
            EvaluationEvent::RoundOpened {
                self_assessment_due,
                ..
            } => {
                self.status = RoundStatus::Open;
                self.self_assessment_due = Some(self_assessment_due);
            }
            EvaluationEvent::SelfAssessmentSubmitted {
                consortium_id,
                report_ref,
                ..
            } => {
                if let Some(s) = self.subject_mut(&consortium_id) {
                    s.self_assessment_ref = Some(report_ref);
                }
            }
            EvaluationEvent::RoundReviewStarted {
                missing_self_assessment,
                ..
            } => {
                self.status = RoundStatus::UnderReview;
                for id in missing_self_assessment {
                    if let Some(s) = self.subject_mut(&id) {
                        s.missing_self_assessment = true;
                    }
                }
            }
            EvaluationEvent::EvaluatorAssigned {
                consortium_id,
                evaluator_id,
                evaluator_org,
                ..
            } => {
                if let Some(s) = self.subject_mut(&consortium_id) {
                    s.seats.insert(evaluator_id.clone(), evaluator_org);
                    s.evaluators.push((evaluator_id, None));
                }
            }
            EvaluationEvent::ScoreRecorded {
                consortium_id,
                evaluator_id,
                score,
                ..
            } => {
                if let Some(s) = self.subject_mut(&consortium_id) {
                    if let Some(e) = s.evaluators.iter_mut().find(|(id, _)| id == &evaluator_id) {
                        e.1 = Some(score);
                    }
                }
            }
            EvaluationEvent::ResultsPublicised { from, to, results } => {
                self.status = RoundStatus::ResultsPublicised;
                self.notice = Some((from, to));
                self.results = results;
            }
            EvaluationEvent::ObjectionFiled {
                objection_id,
                consortium_id,
                ..
            } => self.objections.push(Objection {
                id: objection_id,
                consortium_id,
                status: ObjectionStatus::Pending,
            }),
            EvaluationEvent::ObjectionResolved {
                objection_id,
                consortium_id,
                upheld,
                revised_grade,
                ..
            } => {
                if let Some(o) = self.objections.iter_mut().find(|o| o.id == objection_id) {
                    o.status = if upheld {
                        ObjectionStatus::Upheld
                    } else {
                        ObjectionStatus::Dismissed
                    };
                }
                if let Some(grade) = revised_grade {
                    if let Some(r) = self
                        .results
                        .iter_mut()
                        .find(|r| r.consortium_id == consortium_id)
                    {
                        r.grade = grade;
                    }
                }
            }
            EvaluationEvent::RoundFinalised { .. } => self.status = RoundStatus::Finalised,
        }
    }
}
