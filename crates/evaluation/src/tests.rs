use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use cqrs_es::test::TestFramework;
use kernel::{ActiveBar, FixedClock, OrgCode};

use crate::*;

type Framework = TestFramework<EvaluationRound>;

const LEAD: &str = "91320583MA1KC00109";
const ENT_A: &str = "91320583MA1KC00296";
const UNIV: &str = "123200004660000105";
const INST: &str = "123205834660000293";
const ENT_C: &str = "91320500MA1GC0041G";

fn org(code: &str) -> OrgCode {
    OrgCode::parse(code).unwrap()
}

fn day(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

fn at(date: &str) -> Framework {
    let now: DateTime<Utc> = DateTime::parse_from_rfc3339(&format!("{date}T09:00:00+08:00"))
        .unwrap()
        .into();
    Framework::with(EvaluationServices::new(Arc::new(FixedClock::new(now))))
}

fn plan(
    round_no: u32,
    start: &str,
    end: &str,
    previous: Option<PreviousRound>,
) -> EvaluationCommand {
    EvaluationCommand::Plan(PlanRound {
        round_no,
        period_start: day(start),
        period_end: day(end),
        evaluator_kind: EvaluatorKind::Experts,
        previous,
    })
}

fn planned() -> EvaluationEvent {
    EvaluationEvent::RoundPlanned {
        round_no: 1,
        period_start: day("2025-01-01"),
        period_end: day("2027-01-01"),
        evaluator_kind: EvaluatorKind::Experts,
    }
}

fn facts(id: &str) -> SubjectFacts {
    SubjectFacts {
        consortium_id: id.into(),
        name: format!("联合体{id}"),
        lead: org(LEAD),
        members: vec![org(ENT_A), org(UNIV)],
        held_level_at_period_end: true,
        revoked: false,
    }
}

fn enrolled(id: &str) -> EvaluationEvent {
    EvaluationEvent::SubjectEnrolled {
        consortium_id: id.into(),
        name: format!("联合体{id}"),
        lead: org(LEAD),
        members: vec![org(ENT_A), org(UNIV)],
    }
}

fn opened() -> EvaluationEvent {
    EvaluationEvent::RoundOpened {
        opened_on: day("2027-01-05"),
        self_assessment_due: day("2027-02-28"),
    }
}

fn self_assessed(id: &str) -> EvaluationEvent {
    EvaluationEvent::SelfAssessmentSubmitted {
        consortium_id: id.into(),
        report_ref: format!("自查-{id}"),
        submitted_on: day("2027-02-01"),
    }
}

fn review_started(missing: &[&str]) -> EvaluationEvent {
    EvaluationEvent::RoundReviewStarted {
        started_on: day("2027-03-01"),
        missing_self_assessment: missing.iter().map(|s| s.to_string()).collect(),
    }
}

fn assigned(id: &str, evaluator: &str) -> EvaluationEvent {
    EvaluationEvent::EvaluatorAssigned {
        round_no: 1,
        consortium_id: id.into(),
        subject_name: format!("联合体{id}"),
        self_assessment_ref: Some(format!("自查-{id}")),
        evaluator_id: evaluator.into(),
        evaluator_org: org(INST),
    }
}

/// The organisation `assigned` seats evaluators with, as their own token carries it.
fn seated() -> ScoreEntry {
    ScoreEntry::Evaluator {
        org: Some(org(INST)),
    }
}

fn scored(id: &str, evaluator: &str, score: u32) -> EvaluationEvent {
    EvaluationEvent::ScoreRecorded {
        consortium_id: id.into(),
        evaluator_id: evaluator.into(),
        score,
        scored_on: day("2027-03-10"),
    }
}

/// Round 1 under review with subject "c1" self-assessed.
fn under_review() -> Vec<EvaluationEvent> {
    vec![
        planned(),
        enrolled("c1"),
        opened(),
        self_assessed("c1"),
        review_started(&[]),
    ]
}

fn result(id: &str, grade: Grade, mean: Option<u32>) -> SubjectResult {
    SubjectResult {
        consortium_id: id.into(),
        grade,
        mean_score_hundredths: mean,
        missing_self_assessment: false,
    }
}

/// c1 scored 70 and 90 (mean 80 → excellent); publicised 2027-03-20 to 03-26.
fn publicised() -> Vec<EvaluationEvent> {
    let mut e = under_review();
    e.push(assigned("c1", "expert-1"));
    e.push(assigned("c1", "expert-2"));
    e.push(scored("c1", "expert-1", 70));
    e.push(scored("c1", "expert-2", 90));
    e.push(EvaluationEvent::ResultsPublicised {
        from: day("2027-03-20"),
        to: day("2027-03-26"),
        results: vec![result("c1", Grade::Excellent, Some(8000))],
    });
    e
}

fn objection_filed() -> EvaluationEvent {
    EvaluationEvent::ObjectionFiled {
        objection_id: "objection-1".into(),
        consortium_id: "c1".into(),
        objector_name: "张三".into(),
        objector_org: None,
        grounds: "自查报告数据不实".into(),
        evidence_ref: "证据-1".into(),
        filed_on: day("2027-03-22"),
    }
}

// ---- planning ----

#[test]
fn the_first_round_is_planned_over_two_years() {
    at("2025-01-01")
        .given_no_previous_events()
        .when(plan(1, "2025-01-01", "2027-01-01", None))
        .then_expect_events(vec![planned()]);
}

#[test]
fn a_period_that_is_not_two_years_is_refused() {
    at("2025-01-01")
        .given_no_previous_events()
        .when(plan(1, "2025-01-01", "2026-01-01", None))
        .then_expect_error(EvaluationError::PeriodLengthWrong {
            expected_end: day("2027-01-01"),
        });
}

#[test]
fn the_next_round_starts_where_the_previous_ended() {
    let previous = PreviousRound {
        round_no: 1,
        period_end: day("2027-01-01"),
    };
    at("2027-01-01")
        .given_no_previous_events()
        .when(plan(2, "2027-01-01", "2029-01-01", Some(previous)))
        .then_expect_events(vec![EvaluationEvent::RoundPlanned {
            round_no: 2,
            period_start: day("2027-01-01"),
            period_end: day("2029-01-01"),
            evaluator_kind: EvaluatorKind::Experts,
        }]);
}

#[test]
fn a_gap_after_the_previous_round_is_refused() {
    let previous = PreviousRound {
        round_no: 1,
        period_end: day("2027-01-01"),
    };
    at("2027-01-01")
        .given_no_previous_events()
        .when(plan(2, "2027-02-01", "2029-02-01", Some(previous)))
        .then_expect_error(EvaluationError::PeriodNotContiguous {
            expected_start: day("2027-01-01"),
        });
}

#[test]
fn a_round_number_that_skips_is_refused() {
    let previous = PreviousRound {
        round_no: 1,
        period_end: day("2027-01-01"),
    };
    at("2027-01-01")
        .given_no_previous_events()
        .when(plan(3, "2027-01-01", "2029-01-01", Some(previous)))
        .then_expect_error(EvaluationError::RoundNumberOutOfOrder {
            expected: 2,
            asked: 3,
        });
}

#[test]
fn a_first_round_must_be_number_one() {
    at("2025-01-01")
        .given_no_previous_events()
        .when(plan(2, "2025-01-01", "2027-01-01", None))
        .then_expect_error(EvaluationError::RoundNumberOutOfOrder {
            expected: 1,
            asked: 2,
        });
}

#[test]
fn planning_twice_is_refused() {
    at("2025-01-01")
        .given(vec![planned()])
        .when(plan(1, "2025-01-01", "2027-01-01", None))
        .then_expect_error(EvaluationError::InvalidTransition {
            status: "planned",
            action: "plan",
        });
}

// ---- enrolment ----

#[test]
fn a_consortium_holding_a_level_is_enrolled() {
    at("2026-06-01")
        .given(vec![planned()])
        .when(EvaluationCommand::EnrolSubject {
            subject: facts("c1"),
            bars: vec![],
        })
        .then_expect_events(vec![enrolled("c1")]);
}

#[test]
fn a_consortium_with_a_barred_lead_is_recorded_as_excluded() {
    at("2026-06-01")
        .given(vec![planned()])
        .when(EvaluationCommand::EnrolSubject {
            subject: facts("c1"),
            bars: vec![ActiveBar {
                org: org(LEAD),
                until: day("2029-05-31"),
            }],
        })
        .then_expect_events(vec![EvaluationEvent::SubjectExcluded {
            consortium_id: "c1".into(),
            name: "联合体c1".into(),
            lead: org(LEAD),
            barred_until: day("2029-05-31"),
        }]);
}

#[test]
fn enrolling_twice_is_refused() {
    at("2026-06-01")
        .given(vec![planned(), enrolled("c1")])
        .when(EvaluationCommand::EnrolSubject {
            subject: facts("c1"),
            bars: vec![],
        })
        .then_expect_error(EvaluationError::AlreadyEnrolled("c1".into()));
}

#[test]
fn a_consortium_without_a_level_at_period_end_is_refused() {
    let subject = SubjectFacts {
        held_level_at_period_end: false,
        ..facts("c1")
    };
    at("2026-06-01")
        .given(vec![planned()])
        .when(EvaluationCommand::EnrolSubject {
            subject,
            bars: vec![],
        })
        .then_expect_error(EvaluationError::SubjectHeldNoLevel("c1".into()));
}

#[test]
fn a_revoked_consortium_is_not_enrolled() {
    let subject = SubjectFacts {
        revoked: true,
        ..facts("c1")
    };
    at("2026-06-01")
        .given(vec![planned()])
        .when(EvaluationCommand::EnrolSubject {
            subject,
            bars: vec![],
        })
        .then_expect_error(EvaluationError::SubjectRevoked("c1".into()));
}

#[test]
fn enrolling_after_the_review_started_is_refused() {
    at("2027-03-02")
        .given(under_review())
        .when(EvaluationCommand::EnrolSubject {
            subject: facts("c2"),
            bars: vec![],
        })
        .then_expect_error(EvaluationError::InvalidTransition {
            status: "under_review",
            action: "enrol a subject in",
        });
}

// ---- opening ----

#[test]
fn a_round_opens_once_its_period_has_ended() {
    at("2027-01-05")
        .given(vec![planned(), enrolled("c1")])
        .when(EvaluationCommand::Open {
            self_assessment_due: day("2027-02-28"),
        })
        .then_expect_events(vec![opened()]);
}

#[test]
fn a_round_opened_before_its_period_ends_is_refused() {
    at("2026-12-31")
        .given(vec![planned(), enrolled("c1")])
        .when(EvaluationCommand::Open {
            self_assessment_due: day("2027-02-28"),
        })
        .then_expect_error(EvaluationError::PeriodNotEnded(day("2027-01-01")));
}

#[test]
fn a_round_without_subjects_cannot_open() {
    at("2027-01-05")
        .given(vec![planned()])
        .when(EvaluationCommand::Open {
            self_assessment_due: day("2027-02-28"),
        })
        .then_expect_error(EvaluationError::NoSubjects);
}

#[test]
fn a_self_assessment_deadline_in_the_past_is_refused() {
    at("2027-01-05")
        .given(vec![planned(), enrolled("c1")])
        .when(EvaluationCommand::Open {
            self_assessment_due: day("2027-01-05"),
        })
        .then_expect_error(EvaluationError::DeadlineNotInFuture(day("2027-01-05")));
}

// ---- self-assessment and review ----

#[test]
fn a_self_assessment_on_the_due_day_is_accepted() {
    at("2027-02-28")
        .given(vec![planned(), enrolled("c1"), opened()])
        .when(EvaluationCommand::SubmitSelfAssessment {
            consortium_id: "c1".into(),
            report_ref: "自查-c1".into(),
        })
        .then_expect_events(vec![EvaluationEvent::SelfAssessmentSubmitted {
            consortium_id: "c1".into(),
            report_ref: "自查-c1".into(),
            submitted_on: day("2027-02-28"),
        }]);
}

#[test]
fn a_late_self_assessment_is_refused() {
    at("2027-03-01")
        .given(vec![planned(), enrolled("c1"), opened()])
        .when(EvaluationCommand::SubmitSelfAssessment {
            consortium_id: "c1".into(),
            report_ref: "自查-c1".into(),
        })
        .then_expect_error(EvaluationError::SelfAssessmentWindowClosed(day(
            "2027-02-28",
        )));
}

#[test]
fn a_self_assessment_for_a_stranger_is_refused() {
    at("2027-02-01")
        .given(vec![planned(), enrolled("c1"), opened()])
        .when(EvaluationCommand::SubmitSelfAssessment {
            consortium_id: "c9".into(),
            report_ref: "自查".into(),
        })
        .then_expect_error(EvaluationError::SubjectNotEnrolled("c9".into()));
}

#[test]
fn the_review_starts_after_the_window_and_marks_missing_self_assessments() {
    at("2027-03-01")
        .given(vec![
            planned(),
            enrolled("c1"),
            enrolled("c2"),
            opened(),
            self_assessed("c1"),
        ])
        .when(EvaluationCommand::StartReview)
        .then_expect_events(vec![review_started(&["c2"])]);
}

#[test]
fn the_review_cannot_start_while_the_window_is_open() {
    at("2027-02-28")
        .given(vec![planned(), enrolled("c1"), opened()])
        .when(EvaluationCommand::StartReview)
        .then_expect_error(EvaluationError::SelfAssessmentWindowOpen(day("2027-02-28")));
}

// ---- evaluators and scores ----

fn assign(id: &str, evaluator: &str, affiliation: &str) -> EvaluationCommand {
    EvaluationCommand::AssignEvaluator {
        consortium_id: id.into(),
        evaluator: Evaluator {
            id: evaluator.into(),
            org: org(affiliation),
        },
        current_affiliations: vec![org(LEAD), org(ENT_A), org(UNIV)],
    }
}

#[test]
fn an_unaffiliated_evaluator_is_assigned() {
    at("2027-03-02")
        .given(under_review())
        .when(assign("c1", "expert-1", INST))
        .then_expect_events(vec![assigned("c1", "expert-1")]);
}

#[test]
fn an_evaluator_from_a_member_is_refused() {
    at("2027-03-02")
        .given(under_review())
        .when(assign("c1", "expert-1", UNIV))
        .then_expect_error(EvaluationError::EvaluatorConflict(org(UNIV)));
}

#[test]
fn an_evaluator_from_the_lead_is_refused() {
    at("2027-03-02")
        .given(under_review())
        .when(assign("c1", "expert-1", LEAD))
        .then_expect_error(EvaluationError::EvaluatorConflict(org(LEAD)));
}

#[test]
fn an_evaluator_from_a_member_that_joined_after_enrolment_is_refused() {
    let cmd = EvaluationCommand::AssignEvaluator {
        consortium_id: "c1".into(),
        evaluator: Evaluator {
            id: "expert-1".into(),
            org: org(ENT_C),
        },
        current_affiliations: vec![org(LEAD), org(ENT_A), org(UNIV), org(ENT_C)],
    };
    at("2027-03-02")
        .given(under_review())
        .when(cmd)
        .then_expect_error(EvaluationError::EvaluatorConflict(org(ENT_C)));
}

#[test]
fn an_evaluator_assigned_twice_is_refused() {
    let mut events = under_review();
    events.push(assigned("c1", "expert-1"));
    at("2027-03-02")
        .given(events)
        .when(assign("c1", "expert-1", ENT_C))
        .then_expect_error(EvaluationError::EvaluatorAlreadyAssigned("expert-1".into()));
}

#[test]
fn no_evaluator_for_a_subject_without_self_assessment() {
    at("2027-03-02")
        .given(vec![
            planned(),
            enrolled("c1"),
            opened(),
            review_started(&["c1"]),
        ])
        .when(assign("c1", "expert-1", INST))
        .then_expect_error(EvaluationError::SubjectNotAssessed("c1".into()));
}

#[test]
fn an_assigned_evaluator_scores_once() {
    let mut events = under_review();
    events.push(assigned("c1", "expert-1"));
    at("2027-03-10")
        .given(events.clone())
        .when(EvaluationCommand::RecordScore {
            consortium_id: "c1".into(),
            evaluator_id: "expert-1".into(),
            score: 100,
            entered_by: seated(),
        })
        .then_expect_events(vec![scored("c1", "expert-1", 100)]);
    events.push(scored("c1", "expert-1", 100));
    at("2027-03-10")
        .given(events)
        .when(EvaluationCommand::RecordScore {
            consortium_id: "c1".into(),
            evaluator_id: "expert-1".into(),
            score: 90,
            entered_by: seated(),
        })
        .then_expect_error(EvaluationError::ScoreAlreadyRecorded("expert-1".into()));
}

#[test]
fn a_score_above_100_is_refused() {
    let mut events = under_review();
    events.push(assigned("c1", "expert-1"));
    at("2027-03-10")
        .given(events)
        .when(EvaluationCommand::RecordScore {
            consortium_id: "c1".into(),
            evaluator_id: "expert-1".into(),
            score: 101,
            entered_by: seated(),
        })
        .then_expect_error(EvaluationError::ScoreOutOfRange(101));
}

#[test]
fn a_score_by_an_unassigned_evaluator_is_refused() {
    at("2027-03-10")
        .given(under_review())
        .when(EvaluationCommand::RecordScore {
            consortium_id: "c1".into(),
            evaluator_id: "expert-9".into(),
            score: 80,
            entered_by: seated(),
        })
        .then_expect_error(EvaluationError::EvaluatorNotAssigned("expert-9".into()));
}

#[test]
fn a_score_needs_the_seated_person_of_the_seated_organisation() {
    let mut events = under_review();
    events.push(assigned("c1", "expert-1"));
    let score = |entered_by| EvaluationCommand::RecordScore {
        consortium_id: "c1".into(),
        evaluator_id: "expert-1".into(),
        score: 80,
        entered_by,
    };
    // The same id on a token of another organisation (here the consortium's lead) is not the seat.
    at("2027-03-10")
        .given(events.clone())
        .when(score(ScoreEntry::Evaluator {
            org: Some(org(LEAD)),
        }))
        .then_expect_error(EvaluationError::NotSeated("expert-1".into()));
    at("2027-03-10")
        .given(events.clone())
        .when(score(ScoreEntry::Evaluator { org: None }))
        .then_expect_error(EvaluationError::NotSeated("expert-1".into()));
    // An officer transcribes a named evaluator's score.
    at("2027-03-10")
        .given(events)
        .when(score(ScoreEntry::Officer))
        .then_expect_events(vec![scored("c1", "expert-1", 80)]);
}

// ---- publishing and grades ----

fn publish(from: &str, to: &str) -> EvaluationCommand {
    EvaluationCommand::PublishResults {
        from: day(from),
        to: day(to),
    }
}

fn publish_with_scores(scores: &[u32]) -> Result<Vec<SubjectResult>, EvaluationError> {
    let mut events = under_review();
    for (i, s) in scores.iter().enumerate() {
        let e = format!("expert-{i}");
        events.push(assigned("c1", &e));
        events.push(scored("c1", &e, *s));
    }
    let out = at("2027-03-20")
        .given(events)
        .when(publish("2027-03-20", "2027-03-26"))
        .inspect_result()?;
    Ok(match out.into_iter().next() {
        Some(EvaluationEvent::ResultsPublicised { results, .. }) => results,
        _ => vec![],
    })
}

#[test]
fn grades_follow_the_unrounded_mean() {
    let grade = |scores: &[u32]| publish_with_scores(scores).unwrap()[0].grade;
    assert_eq!(grade(&[80, 80]), Grade::Excellent);
    assert_eq!(grade(&[80, 79]), Grade::Pass, "mean 79.5 is not 80");
    assert_eq!(grade(&[60, 60, 59]), Grade::Fail, "mean 59.67 is not 60");
    assert_eq!(grade(&[60]), Grade::Pass);
    assert_eq!(grade(&[0, 100, 80]), Grade::Pass);
    let r = &publish_with_scores(&[60, 60, 59]).unwrap()[0];
    assert_eq!(r.mean_score_hundredths, Some(5966));
}

#[test]
fn grade_bands_are_configurable() {
    let now: DateTime<Utc> = DateTime::parse_from_rfc3339("2027-03-20T09:00:00+08:00")
        .unwrap()
        .into();
    let policy = EvaluationPolicy {
        excellent_from: 90,
        ..EvaluationPolicy::default()
    };
    let mut events = under_review();
    events.push(assigned("c1", "expert-1"));
    events.push(scored("c1", "expert-1", 85));
    Framework::with(EvaluationServices::with_policy(
        Arc::new(FixedClock::new(now)),
        policy,
    ))
    .given(events)
    .when(publish("2027-03-20", "2027-03-26"))
    .then_expect_events(vec![EvaluationEvent::ResultsPublicised {
        from: day("2027-03-20"),
        to: day("2027-03-26"),
        results: vec![result("c1", Grade::Pass, Some(8500))],
    }]);
}

#[test]
fn a_missing_self_assessment_grades_fail_and_an_excluded_subject_excluded() {
    let events = vec![
        planned(),
        enrolled("c1"),
        enrolled("c2"),
        EvaluationEvent::SubjectExcluded {
            consortium_id: "c3".into(),
            name: "联合体c3".into(),
            lead: org(ENT_C),
            barred_until: day("2029-05-31"),
        },
        opened(),
        self_assessed("c1"),
        review_started(&["c2"]),
        assigned("c1", "expert-1"),
        scored("c1", "expert-1", 65),
    ];
    at("2027-03-20")
        .given(events)
        .when(publish("2027-03-20", "2027-03-26"))
        .then_expect_events(vec![EvaluationEvent::ResultsPublicised {
            from: day("2027-03-20"),
            to: day("2027-03-26"),
            results: vec![
                result("c1", Grade::Pass, Some(6500)),
                SubjectResult {
                    consortium_id: "c2".into(),
                    grade: Grade::Fail,
                    mean_score_hundredths: None,
                    missing_self_assessment: true,
                },
                result("c3", Grade::Excluded, None),
            ],
        }]);
}

#[test]
fn publishing_with_a_score_missing_is_refused() {
    let mut events = under_review();
    events.push(assigned("c1", "expert-1"));
    events.push(assigned("c1", "expert-2"));
    events.push(scored("c1", "expert-1", 70));
    at("2027-03-20")
        .given(events)
        .when(publish("2027-03-20", "2027-03-26"))
        .then_expect_error(EvaluationError::ScoreMissing {
            consortium_id: "c1".into(),
            evaluator_id: "expert-2".into(),
        });
}

#[test]
fn publishing_a_subject_without_evaluators_is_refused() {
    at("2027-03-20")
        .given(under_review())
        .when(publish("2027-03-20", "2027-03-26"))
        .then_expect_error(EvaluationError::NoEvaluatorAssigned("c1".into()));
}

#[test]
fn a_six_day_notice_is_refused() {
    let mut events = under_review();
    events.push(assigned("c1", "expert-1"));
    events.push(scored("c1", "expert-1", 70));
    at("2027-03-20")
        .given(events)
        .when(publish("2027-03-20", "2027-03-25"))
        .then_expect_error(EvaluationError::NoticeTooShort { min_days: 7 });
}

#[test]
fn a_notice_starting_in_the_past_is_refused() {
    let mut events = under_review();
    events.push(assigned("c1", "expert-1"));
    events.push(scored("c1", "expert-1", 70));
    at("2027-03-21")
        .given(events)
        .when(publish("2027-03-20", "2027-03-26"))
        .then_expect_error(EvaluationError::NoticeStartsInPast);
}

// ---- objections ----

fn object(name: &str) -> EvaluationCommand {
    EvaluationCommand::FileObjection {
        consortium_id: "c1".into(),
        objector_name: name.into(),
        objector_org: None,
        grounds: "自查报告数据不实".into(),
        evidence_ref: "证据-1".into(),
    }
}

#[test]
fn a_named_objection_during_the_notice_is_filed() {
    at("2027-03-22")
        .given(publicised())
        .when(object("张三"))
        .then_expect_events(vec![objection_filed()]);
}

#[test]
fn an_anonymous_objection_is_refused() {
    at("2027-03-22")
        .given(publicised())
        .when(object(" "))
        .then_expect_error(EvaluationError::AnonymousObjection);
}

#[test]
fn an_objection_after_the_notice_is_refused() {
    at("2027-03-27")
        .given(publicised())
        .when(object("张三"))
        .then_expect_error(EvaluationError::OutsideNoticePeriod {
            from: day("2027-03-20"),
            to: day("2027-03-26"),
        });
}

#[test]
fn an_upheld_objection_revises_the_grade_that_is_finalised() {
    let mut events = publicised();
    events.push(objection_filed());
    at("2027-03-24")
        .given(events.clone())
        .when(EvaluationCommand::ResolveObjection {
            objection_id: "objection-1".into(),
            upheld: true,
            revised_grade: Some(Grade::Fail),
        })
        .then_expect_events(vec![EvaluationEvent::ObjectionResolved {
            objection_id: "objection-1".into(),
            consortium_id: "c1".into(),
            upheld: true,
            revised_grade: Some(Grade::Fail),
            resolved_on: day("2027-03-24"),
        }]);
    events.push(EvaluationEvent::ObjectionResolved {
        objection_id: "objection-1".into(),
        consortium_id: "c1".into(),
        upheld: true,
        revised_grade: Some(Grade::Fail),
        resolved_on: day("2027-03-24"),
    });
    at("2027-03-27")
        .given(events)
        .when(EvaluationCommand::Finalise)
        .then_expect_events(vec![EvaluationEvent::RoundFinalised {
            round_no: 1,
            period_end: day("2027-01-01"),
            results: vec![result("c1", Grade::Fail, Some(8000))],
            finalised_on: day("2027-03-27"),
        }]);
}

#[test]
fn an_upheld_objection_without_a_revised_grade_is_refused() {
    let mut events = publicised();
    events.push(objection_filed());
    at("2027-03-24")
        .given(events)
        .when(EvaluationCommand::ResolveObjection {
            objection_id: "objection-1".into(),
            upheld: true,
            revised_grade: None,
        })
        .then_expect_error(EvaluationError::RevisedGradeInvalid);
}

#[test]
fn resolving_an_unknown_objection_is_refused() {
    at("2027-03-24")
        .given(publicised())
        .when(EvaluationCommand::ResolveObjection {
            objection_id: "objection-7".into(),
            upheld: false,
            revised_grade: None,
        })
        .then_expect_error(EvaluationError::ObjectionNotFound("objection-7".into()));
}

// ---- finalising ----

#[test]
fn finalising_sends_the_publicised_grades() {
    at("2027-03-27")
        .given(publicised())
        .when(EvaluationCommand::Finalise)
        .then_expect_events(vec![EvaluationEvent::RoundFinalised {
            round_no: 1,
            period_end: day("2027-01-01"),
            results: vec![result("c1", Grade::Excellent, Some(8000))],
            finalised_on: day("2027-03-27"),
        }]);
}

#[test]
fn finalising_on_the_notices_last_day_is_refused() {
    at("2027-03-26")
        .given(publicised())
        .when(EvaluationCommand::Finalise)
        .then_expect_error(EvaluationError::NoticeNotOver(day("2027-03-26")));
}

#[test]
fn finalising_with_an_objection_pending_is_refused() {
    let mut events = publicised();
    events.push(objection_filed());
    at("2027-03-27")
        .given(events)
        .when(EvaluationCommand::Finalise)
        .then_expect_error(EvaluationError::ObjectionPending("objection-1".into()));
}

#[test]
fn a_finalised_round_takes_no_objection() {
    let mut events = publicised();
    events.push(EvaluationEvent::RoundFinalised {
        round_no: 1,
        period_end: day("2027-01-01"),
        results: vec![result("c1", Grade::Excellent, Some(8000))],
        finalised_on: day("2027-03-26"),
    });
    at("2027-03-26")
        .given(events)
        .when(object("张三"))
        .then_expect_error(EvaluationError::InvalidTransition {
            status: "finalised",
            action: "object to",
        });
}
