use chrono::NaiveDate;
use cqrs_es::persist::SerializedEvent;
use cqrs_es::{EventEnvelope, View};
use evaluation::{
    EvaluationEvent, EvaluationRound, EvaluatorKind, Grade, RoundStatus, SubjectResult,
};
use kernel::OrgCode;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{envelope_of, Indexed, ProjectionError, Projector, ViewIndex, ViewRow};

/// An evaluator of a subject, with the score once given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvaluatorEntry {
    /// The evaluator's id.
    pub evaluator_id: String,
    /// The evaluator's organisation.
    pub evaluator_org: OrgCode,
    /// 0–100, once scored.
    pub score: Option<u32>,
    /// The date scored.
    pub scored_on: Option<NaiveDate>,
}

/// A consortium in the round.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubjectEntry {
    /// The consortium.
    pub consortium_id: String,
    /// Its name.
    pub name: String,
    /// 牵头单位.
    pub lead: OrgCode,
    /// 成员单位 when enrolled.
    pub members: Vec<OrgCode>,
    /// `enrolled` or `excluded`.
    pub enrolment: String,
    /// The bar's end, when excluded.
    pub excluded_until: Option<NaiveDate>,
    /// Its self-assessment.
    pub self_assessment_ref: Option<String>,
    /// The date it was handed in.
    pub self_assessment_submitted_on: Option<NaiveDate>,
    /// True when the review started without it.
    pub missing_self_assessment: bool,
    /// Evaluators and scores.
    pub evaluators: Vec<EvaluatorEntry>,
}

/// An objection during the notice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ObjectionEntry {
    /// Its id within the round.
    pub objection_id: String,
    /// The contested subject.
    pub consortium_id: String,
    /// The objector's name.
    pub objector_name: String,
    /// The objector's organisation.
    pub objector_org: Option<OrgCode>,
    /// Grounds.
    pub grounds: String,
    /// Evidence.
    pub evidence_ref: String,
    /// The date filed.
    pub filed_on: NaiveDate,
    /// `pending`, `upheld` or `dismissed`.
    pub status: String,
    /// The revised grade when upheld.
    pub revised_grade: Option<Grade>,
    /// The date resolved.
    pub resolved_on: Option<NaiveDate>,
}

/// An evaluation round as the API shows it (the `EvaluationRound` schema).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct EvaluationRoundView {
    /// Stream id.
    pub id: String,
    /// Last stream sequence.
    pub version: usize,
    /// `planned`, `open`, `under_review`, `results_publicised` or `finalised`.
    pub status: String,
    /// Its number.
    pub round_no: u32,
    /// First day of the period.
    pub period_start: Option<NaiveDate>,
    /// End of the period.
    pub period_end: Option<NaiveDate>,
    /// Experts or a third party.
    pub evaluator_kind: Option<EvaluatorKind>,
    /// The date opened.
    pub opened_on: Option<NaiveDate>,
    /// Last day for self-assessments.
    pub self_assessment_due: Option<NaiveDate>,
    /// The date the review started.
    pub review_started_on: Option<NaiveDate>,
    /// Subjects in enrolment order.
    pub subjects: Vec<SubjectEntry>,
    /// First day of the notice.
    pub notice_from: Option<NaiveDate>,
    /// Last day of the notice.
    pub notice_to: Option<NaiveDate>,
    /// Results as publicised, revised by upheld objections.
    pub results: Vec<SubjectResult>,
    /// Objections.
    pub objections: Vec<ObjectionEntry>,
    /// The date finalised.
    pub finalised_on: Option<NaiveDate>,
    /// When planned.
    pub created_at: String,
    /// When the last event was recorded.
    pub updated_at: String,
}

impl EvaluationRoundView {
    /// The view's name in the store.
    pub const NAME: &'static str = "evaluation_round";

    /// The stream id of round `round_no`: derived from the number, so a number is planned once.
    pub fn id_of(round_no: u32) -> String {
        format!("round-{round_no}")
    }

    fn subject_mut(&mut self, id: &str) -> Option<&mut SubjectEntry> {
        self.subjects.iter_mut().find(|s| s.consortium_id == id)
    }

    fn set(&mut self, status: RoundStatus) {
        self.status = status.as_str().into();
    }
}

impl View<EvaluationRound> for EvaluationRoundView {
    fn update(&mut self, event: &EventEnvelope<EvaluationRound>) {
        let recorded_at = event
            .metadata
            .get("recorded_at")
            .cloned()
            .unwrap_or_default();
        self.id.clone_from(&event.aggregate_id);
        self.version = event.sequence;
        self.updated_at.clone_from(&recorded_at);
        match &event.payload {
            EvaluationEvent::RoundPlanned {
                round_no,
                period_start,
                period_end,
                evaluator_kind,
            } => {
                self.set(RoundStatus::Planned);
                self.created_at = recorded_at;
                self.round_no = *round_no;
                self.period_start = Some(*period_start);
                self.period_end = Some(*period_end);
                self.evaluator_kind = Some(*evaluator_kind);
            }
            EvaluationEvent::SubjectEnrolled {
                consortium_id,
                name,
                lead,
                members,
            } => self.subjects.push(SubjectEntry {
                consortium_id: consortium_id.clone(),
                name: name.clone(),
                lead: lead.clone(),
                members: members.clone(),
                enrolment: "enrolled".into(),
                excluded_until: None,
                self_assessment_ref: None,
                self_assessment_submitted_on: None,
                missing_self_assessment: false,
                evaluators: vec![],
            }),
            EvaluationEvent::SubjectExcluded {
                consortium_id,
                name,
                lead,
                barred_until,
            } => self.subjects.push(SubjectEntry {
                consortium_id: consortium_id.clone(),
                name: name.clone(),
                lead: lead.clone(),
                members: vec![],
                enrolment: "excluded".into(),
                excluded_until: Some(*barred_until),
                self_assessment_ref: None,
                self_assessment_submitted_on: None,
                missing_self_assessment: false,
                evaluators: vec![],
            }),
            EvaluationEvent::RoundOpened {
                opened_on,
                self_assessment_due,
            } => {
                self.set(RoundStatus::Open);
                self.opened_on = Some(*opened_on);
                self.self_assessment_due = Some(*self_assessment_due);
            }
            EvaluationEvent::SelfAssessmentSubmitted {
                consortium_id,
                report_ref,
                submitted_on,
            } => {
                if let Some(s) = self.subject_mut(consortium_id) {
                    s.self_assessment_ref = Some(report_ref.clone());
                    s.self_assessment_submitted_on = Some(*submitted_on);
                }
            }
            EvaluationEvent::RoundReviewStarted {
                started_on,
                missing_self_assessment,
            } => {
                self.set(RoundStatus::UnderReview);
                self.review_started_on = Some(*started_on);
                for id in missing_self_assessment {
                    if let Some(s) = self.subject_mut(id) {
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
                if let Some(s) = self.subject_mut(consortium_id) {
                    s.evaluators.push(EvaluatorEntry {
                        evaluator_id: evaluator_id.clone(),
                        evaluator_org: evaluator_org.clone(),
                        score: None,
                        scored_on: None,
                    });
                }
            }
            EvaluationEvent::ScoreRecorded {
                consortium_id,
                evaluator_id,
                score,
                scored_on,
            } => {
                if let Some(s) = self.subject_mut(consortium_id) {
                    if let Some(e) = s
                        .evaluators
                        .iter_mut()
                        .find(|e| &e.evaluator_id == evaluator_id)
                    {
                        e.score = Some(*score);
                        e.scored_on = Some(*scored_on);
                    }
                }
            }
            EvaluationEvent::ResultsPublicised { from, to, results } => {
                self.set(RoundStatus::ResultsPublicised);
                self.notice_from = Some(*from);
                self.notice_to = Some(*to);
                self.results.clone_from(results);
            }
            EvaluationEvent::ObjectionFiled {
                objection_id,
                consortium_id,
                objector_name,
                objector_org,
                grounds,
                evidence_ref,
                filed_on,
            } => self.objections.push(ObjectionEntry {
                objection_id: objection_id.clone(),
                consortium_id: consortium_id.clone(),
                objector_name: objector_name.clone(),
                objector_org: objector_org.clone(),
                grounds: grounds.clone(),
                evidence_ref: evidence_ref.clone(),
                filed_on: *filed_on,
                status: "pending".into(),
                revised_grade: None,
                resolved_on: None,
            }),
            EvaluationEvent::ObjectionResolved {
                objection_id,
                consortium_id,
                upheld,
                revised_grade,
                resolved_on,
            } => {
                if let Some(o) = self
                    .objections
                    .iter_mut()
                    .find(|o| &o.objection_id == objection_id)
                {
                    o.status = if *upheld { "upheld" } else { "dismissed" }.into();
                    o.revised_grade = *revised_grade;
                    o.resolved_on = Some(*resolved_on);
                }
                if let Some(grade) = revised_grade {
                    if let Some(r) = self
                        .results
                        .iter_mut()
                        .find(|r| &r.consortium_id == consortium_id)
                    {
                        r.grade = *grade;
                    }
                }
            }
            EvaluationEvent::RoundFinalised {
                results,
                finalised_on,
                ..
            } => {
                self.set(RoundStatus::Finalised);
                self.results.clone_from(results);
                self.finalised_on = Some(*finalised_on);
            }
        }
    }
}

impl Indexed for EvaluationRoundView {
    fn index(&self) -> ViewIndex {
        ViewIndex {
            status: Some(self.status.clone()),
            owner: None,
            parent: None,
            // Zero-padded so that rounds list in number order.
            sort_key: format!("{:010}", self.round_no),
        }
    }
}

/// One assignment in an evaluator's queue (`GET /v1/me/evaluations`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct EvaluatorQueueItem {
    /// Row id: `<round>/<consortium>/<evaluator>`.
    pub id: String,
    /// The round's last sequence folded in.
    pub version: usize,
    /// `pending` until scored, then `scored`.
    pub status: String,
    /// The round's id.
    pub round_id: String,
    /// The round's number.
    pub round_no: u32,
    /// The consortium to assess.
    pub consortium_id: String,
    /// Its name.
    pub subject_name: String,
    /// Its self-assessment.
    pub self_assessment_ref: Option<String>,
    /// The evaluator's id.
    pub evaluator_id: String,
    /// The evaluator's organisation.
    pub evaluator_org: Option<OrgCode>,
    /// When assigned.
    pub assigned_at: String,
    /// The score, once given.
    pub score: Option<u32>,
    /// The date scored.
    pub scored_on: Option<NaiveDate>,
}

impl EvaluatorQueueItem {
    /// The view's name in the store.
    pub const NAME: &'static str = "evaluator_queue";

    /// The row id of an assignment.
    pub fn row_id(round_id: &str, consortium_id: &str, evaluator_id: &str) -> String {
        format!("{round_id}/{consortium_id}/{evaluator_id}")
    }
}

/// Keeps one [`EvaluatorQueueItem`] per assignment, keyed by round, subject and evaluator, so
/// that an evaluator lists their own work by `owner`.
pub struct EvaluatorQueueProjector;

fn text<'a>(payload: &'a Value, event_type: &str, field: &str) -> Option<&'a str> {
    payload.get(event_type)?.get(field)?.as_str()
}

impl Projector for EvaluatorQueueProjector {
    fn view_name(&self) -> &'static str {
        EvaluatorQueueItem::NAME
    }

    fn aggregate_type(&self) -> &'static str {
        <EvaluationRound as cqrs_es::Aggregate>::TYPE
    }

    fn row_ids(&self, event: &SerializedEvent) -> Vec<String> {
        let t = event.event_type.as_str();
        if t != "EvaluatorAssigned" && t != "ScoreRecorded" {
            return vec![];
        }
        let consortium = text(&event.payload, t, "consortium_id");
        let evaluator = text(&event.payload, t, "evaluator_id");
        match (consortium, evaluator) {
            (Some(c), Some(e)) => vec![EvaluatorQueueItem::row_id(&event.aggregate_id, c, e)],
            _ => vec![],
        }
    }

    fn project(
        &self,
        current: Option<Value>,
        event: &SerializedEvent,
    ) -> Result<ViewRow, ProjectionError> {
        let mut item: EvaluatorQueueItem = match current {
            Some(value) => {
                serde_json::from_value(value).map_err(|source| ProjectionError::Decode {
                    what: "view row",
                    source,
                })?
            }
            None => EvaluatorQueueItem::default(),
        };
        let envelope = envelope_of::<EvaluationRound>(event)?;
        item.version = envelope.sequence;
        match envelope.payload {
            EvaluationEvent::EvaluatorAssigned {
                round_no,
                consortium_id,
                subject_name,
                self_assessment_ref,
                evaluator_id,
                evaluator_org,
            } => {
                item.id = EvaluatorQueueItem::row_id(
                    &envelope.aggregate_id,
                    &consortium_id,
                    &evaluator_id,
                );
                item.status = "pending".into();
                item.round_id = envelope.aggregate_id.clone();
                item.round_no = round_no;
                item.consortium_id = consortium_id;
                item.subject_name = subject_name;
                item.self_assessment_ref = self_assessment_ref;
                item.evaluator_id = evaluator_id;
                item.evaluator_org = Some(evaluator_org);
                item.assigned_at = envelope
                    .metadata
                    .get("recorded_at")
                    .cloned()
                    .unwrap_or_default();
            }
            EvaluationEvent::ScoreRecorded {
                score, scored_on, ..
            } => {
                item.status = "scored".into();
                item.score = Some(score);
                item.scored_on = Some(scored_on);
            }
            _ => {}
        }
        let payload = serde_json::to_value(&item).map_err(|source| ProjectionError::Decode {
            what: "view",
            source,
        })?;
        Ok(ViewRow {
            version: envelope.sequence as u64,
            payload,
            index: ViewIndex {
                status: Some(item.status.clone()),
                owner: Some(item.evaluator_id.clone()),
                parent: Some(item.round_id.clone()),
                sort_key: format!("{}/{}", item.assigned_at, item.id),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use cqrs_es::DomainEvent;
    use evaluation::EvaluationEvent as E;
    use serde_json::json;

    use super::*;

    fn org(code: &str) -> OrgCode {
        OrgCode::parse(code).unwrap()
    }

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn history() -> Vec<E> {
        vec![
            E::RoundPlanned {
                round_no: 1,
                period_start: day("2025-01-01"),
                period_end: day("2027-01-01"),
                evaluator_kind: EvaluatorKind::Experts,
            },
            E::SubjectEnrolled {
                consortium_id: "c1".into(),
                name: "联合体一".into(),
                lead: org("91320583MA1KC00109"),
                members: vec![org("123200004660000105")],
            },
            E::SubjectExcluded {
                consortium_id: "c2".into(),
                name: "联合体二".into(),
                lead: org("91320583MA1KC00296"),
                barred_until: day("2029-01-01"),
            },
            E::RoundOpened {
                opened_on: day("2027-01-05"),
                self_assessment_due: day("2027-02-28"),
            },
            E::SelfAssessmentSubmitted {
                consortium_id: "c1".into(),
                report_ref: "自查-c1".into(),
                submitted_on: day("2027-02-01"),
            },
            E::RoundReviewStarted {
                started_on: day("2027-03-01"),
                missing_self_assessment: vec![],
            },
            E::EvaluatorAssigned {
                round_no: 1,
                consortium_id: "c1".into(),
                subject_name: "联合体一".into(),
                self_assessment_ref: Some("自查-c1".into()),
                evaluator_id: "expert-1".into(),
                evaluator_org: org("123205834660000293"),
            },
            E::ScoreRecorded {
                consortium_id: "c1".into(),
                evaluator_id: "expert-1".into(),
                score: 55,
                scored_on: day("2027-03-10"),
            },
            E::ResultsPublicised {
                from: day("2027-03-20"),
                to: day("2027-03-26"),
                results: vec![
                    SubjectResult {
                        consortium_id: "c1".into(),
                        grade: Grade::Fail,
                        mean_score_hundredths: Some(5500),
                        missing_self_assessment: false,
                    },
                    SubjectResult {
                        consortium_id: "c2".into(),
                        grade: Grade::Excluded,
                        mean_score_hundredths: None,
                        missing_self_assessment: false,
                    },
                ],
            },
            E::ObjectionFiled {
                objection_id: "objection-1".into(),
                consortium_id: "c1".into(),
                objector_name: "张三".into(),
                objector_org: None,
                grounds: "评分有误".into(),
                evidence_ref: "证据".into(),
                filed_on: day("2027-03-21"),
            },
            E::ObjectionResolved {
                objection_id: "objection-1".into(),
                consortium_id: "c1".into(),
                upheld: true,
                revised_grade: Some(Grade::Pass),
                resolved_on: day("2027-03-22"),
            },
        ]
    }

    fn serialized(seq: usize, event: &E) -> SerializedEvent {
        SerializedEvent {
            aggregate_id: "round-1".into(),
            sequence: seq,
            aggregate_type: "evaluation_round".into(),
            event_type: event.event_type(),
            event_version: event.event_version(),
            payload: serde_json::to_value(event).unwrap(),
            metadata: json!({"recorded_at": format!("2027-03-{:02}T01:00:00Z", seq)}),
        }
    }

    #[test]
    fn the_round_view_follows_subjects_scores_notice_and_objections() {
        let mut view = EvaluationRoundView::default();
        for (i, e) in history().into_iter().enumerate() {
            view.update(&EventEnvelope {
                aggregate_id: "round-1".into(),
                sequence: i + 1,
                payload: e,
                metadata: HashMap::new(),
            });
        }
        assert_eq!(view.status, "results_publicised");
        assert_eq!(view.subjects[1].enrolment, "excluded");
        assert_eq!(view.subjects[0].evaluators[0].score, Some(55));
        assert_eq!(
            view.results[0].grade,
            Grade::Pass,
            "revised by the objection"
        );
        assert_eq!(view.objections[0].status, "upheld");
        assert_eq!(view.index().sort_key, "0000000001");
        assert_eq!(EvaluationRoundView::id_of(1), "round-1");
    }

    #[test]
    fn the_queue_keeps_one_row_per_assignment_owned_by_the_evaluator() {
        let p = EvaluatorQueueProjector;
        let events = history();
        assert!(p.row_ids(&serialized(1, &events[0])).is_empty());
        let assigned = serialized(7, &events[6]);
        assert_eq!(
            p.row_ids(&assigned),
            vec!["round-1/c1/expert-1".to_string()]
        );
        let row = p.project(None, &assigned).unwrap();
        assert_eq!(row.index.owner.as_deref(), Some("expert-1"));
        assert_eq!(row.index.status.as_deref(), Some("pending"));
        assert_eq!(row.payload["self_assessment_ref"], "自查-c1");
        let scored = serialized(8, &events[7]);
        assert_eq!(p.row_ids(&scored), vec!["round-1/c1/expert-1".to_string()]);
        let row = p.project(Some(row.payload), &scored).unwrap();
        assert_eq!(row.index.status.as_deref(), Some("scored"));
        assert_eq!(row.payload["score"], 55);
        assert_eq!(row.payload["round_no"], 1);
        assert_eq!(row.version, 8);
    }
}
