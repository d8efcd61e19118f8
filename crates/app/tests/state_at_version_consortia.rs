//! Time travel is faithful for consortia and evaluation rounds: for random sequences of valid
//! and refused commands, the state the audit registry rebuilds at version N equals the live
//! aggregate right after the command that wrote event N, on both stores.
//!
//! Each script mixes two kinds of step: one in four is any command at all (most are refused
//! where they land), the others take the next step of the life cycle from the live status, with
//! dates read off the live state and the clock, so most cases reach the end of the cycle.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod time_travel;

use std::sync::Arc;

use chrono::{Datelike, Months, NaiveDate, TimeDelta};
use consortium::{
    Consortium, ConsortiumCommand, ConsortiumServices, ConsortiumStatus, EvaluationGrade,
    FormConsortium, Level, LevelDecision, Remedy, SupportBasis,
};
use evaluation::{
    EvaluationCommand, EvaluationRound, EvaluationServices, Evaluator, EvaluatorKind, Grade,
    ObjectionStatus, PlanRound, RoundStatus, Subject, SubjectFacts,
};
use kernel::{ActiveBar, Money, OrgCode};
use store::Backend;
use time_travel::{rebuilt_equals_live, Script, Step};

const LEAD: &str = "91320583MA1KC00109";
const ENT_A: &str = "91320583MA1KC00296";
const ENT_B: &str = "91320583MA1KC00371";
const ENT_C: &str = "91320500MA1GC0041G";
const UNIV: &str = "123200004660000105";
const INST: &str = "123205834660000293";
const NRDI: &str = "52320583MJ00000345";

fn org(code: &str) -> OrgCode {
    OrgCode::parse(code).unwrap()
}

fn days(n: impl Into<i64>) -> TimeDelta {
    TimeDelta::days(n.into())
}

fn bar(code: &str) -> Vec<ActiveBar> {
    vec![ActiveBar {
        org: org(code),
        until: "2031-03-31".parse().unwrap(),
    }]
}

// ---- consortium ----

type C = ConsortiumCommand;

fn form() -> C {
    C::Form(FormConsortium {
        name: "昆山光刻材料创新联合体".into(),
        lead: org(LEAD),
        members: [ENT_A, ENT_B, ENT_C, UNIV, INST].map(org).to_vec(),
        charter_ref: "章程-2027-01".into(),
        focus_chain: "新型显示".into(),
        bars: vec![],
    })
}

fn apply_for_level(n: u8, live: &Consortium) -> C {
    let level = match live.level {
        None => [
            Level::KunshanCultivation,
            Level::KunshanCultivation,
            Level::SuzhouCultivation,
            Level::SuzhouAccreditation,
        ][usize::from(n % 4)],
        Some(Level::KunshanCultivation) if n.is_multiple_of(2) => Level::SuzhouCultivation,
        // Accreditation again is not an upgrade: refused.
        Some(_) => Level::SuzhouAccreditation,
    };
    C::ApplyForLevel {
        level,
        recommended_by: "玉山镇".into(),
        bars: if n == 15 { bar(ENT_A) } else { vec![] },
    }
}

fn decide_level(n: u8, today: NaiveDate) -> C {
    C::RecordLevelDecision(LevelDecision {
        granted: !n.is_multiple_of(4),
        // A Suzhou decision without its reference is refused.
        decision_ref: if n == 14 {
            String::new()
        } else {
            format!("苏科发〔2027〕{n}号")
        },
        effective_date: today,
        construction_years: match n % 5 {
            0 => None,
            4 if n > 10 => Some(11),
            k => Some(u32::from(k % 2) + 1),
        },
        reason: n.is_multiple_of(4).then(|| "材料不全".to_string()),
    })
}

fn grant_reward(n: u8, live: &Consortium) -> C {
    let level = if n.is_multiple_of(2)
        && live
            .spells
            .iter()
            .any(|s| s.level == Level::SuzhouCultivation)
    {
        Level::SuzhouCultivation
    } else {
        Level::KunshanCultivation
    };
    let wan = if n == 15 {
        101
    } else {
        10 * (i64::from(n % 5) + 1)
    };
    C::GrantCultivationReward {
        level,
        amount: Money::from_wan_yuan(wan),
    }
}

fn grant_support(n: u8, live: &Consortium) -> C {
    let passed = live
        .evaluations
        .iter()
        .rev()
        .find(|e| !e.grade.is_failing());
    let basis = match passed {
        Some(e) if n.is_multiple_of(2) => SupportBasis::PassedEvaluation {
            round_id: e.round_id.clone(),
        },
        _ => SupportBasis::OperationsReport {
            report_ref: format!("运营报告-{n}"),
        },
    };
    C::GrantAccreditationSupport {
        amount: Money::from_wan_yuan(20 + 10 * i64::from(n % 6)),
        basis,
    }
}

fn disburse(n: u8, live: &Consortium) -> C {
    let open = live
        .grants
        .iter()
        .find(|g| !g.cancelled && g.paid < g.payable);
    match open {
        Some(g) => {
            let left = g.payable.fen() - g.paid.fen();
            let fen = if n.is_multiple_of(2) {
                left
            } else {
                (left / 2).max(1)
            };
            C::DisburseFunds {
                grant_id: g.id.clone(),
                amount: Money::from_fen(fen),
            }
        }
        None => C::DisburseFunds {
            grant_id: format!("grant-{}", n % 3 + 1),
            amount: Money::from_wan_yuan(1),
        },
    }
}

fn add_member(n: u8, live: &Consortium, today: NaiveDate) -> C {
    let member = [NRDI, ENT_C, ENT_B, UNIV]
        .map(org)
        .into_iter()
        .find(|m| !live.members.contains(m))
        .unwrap_or_else(|| org(ENT_A));
    C::AddMember {
        member,
        on: if n == 15 { today + days(1) } else { today },
        reason: "加入联合体".into(),
        bars: if n == 14 { bar(NRDI) } else { vec![] },
    }
}

fn remove_member(n: u8, live: &Consortium, today: NaiveDate) -> C {
    let member = match live.members.len() {
        0 => org(NRDI),
        len => live.members[usize::from(n) % len].clone(),
    };
    C::RemoveMember {
        member,
        on: today,
        reason: "退出联合体".into(),
    }
}

fn record_result(n: u8, live: &Consortium, today: NaiveDate) -> C {
    let last = live.evaluations.last().map_or(0, |e| e.round_no);
    let round_no = if n == 14 { last } else { last + 1 };
    C::RecordEvaluationResult {
        round_id: format!("round-{round_no}"),
        round_no,
        period_end: today,
        grade: [
            EvaluationGrade::Excellent,
            EvaluationGrade::Pass,
            EvaluationGrade::Pass,
            EvaluationGrade::Fail,
            EvaluationGrade::Excellent,
            EvaluationGrade::Pass,
            EvaluationGrade::Excluded,
            EvaluationGrade::Pass,
        ][(usize::from(n) + 3 * live.evaluations.len()) % 8],
    }
}

fn accept(n: u8) -> C {
    C::RecordFinalAcceptance {
        passed: !n.is_multiple_of(3),
        report_ref: format!("验收-{n}"),
    }
}

fn remedy(n: u8, live: &Consortium, today: NaiveDate) -> C {
    if n.is_multiple_of(2) || !live.disbursed_total.is_positive() {
        C::DecideRemedy(Remedy::Rectify {
            deadline: today + days(60 + i64::from(n)),
        })
    } else {
        C::DecideRemedy(Remedy::Recover {
            amount: live.disbursed_total,
        })
    }
}

fn rectified(n: u8, live: &Consortium) -> C {
    C::RecordRectificationOutcome {
        passed: n.is_multiple_of(2) || !live.disbursed_total.is_positive(),
        report_ref: format!("整改复核-{n}"),
        recover_amount: Some(live.disbursed_total),
    }
}

/// Any consortium command, chosen by `which`.
fn any_consortium(which: u8, n: u8, live: &Consortium, today: NaiveDate) -> Step<C> {
    Step::Run(match which % 14 {
        0 => form(),
        1 => apply_for_level(n, live),
        2 => decide_level(n, today),
        3 => grant_reward(n, live),
        4 => grant_support(n, live),
        5 => disburse(n, live),
        6 => add_member(n, live, today),
        7 => remove_member(n, live, today),
        8 => record_result(n, live, today),
        9 => C::EndConstructionPeriod,
        10 => accept(n),
        11 => remedy(n, live, today),
        12 => rectified(n, live),
        _ => return Step::Wait(days(30 * i64::from(n))),
    })
}

/// form → level application → decision → rewards, support, disbursements, membership changes
/// and evaluation results → end of the construction period → acceptance → remedy.
fn consortium_step(kind: u8, n: u8, live: &Consortium, today: NaiveDate) -> Step<C> {
    if kind.is_multiple_of(4) {
        return any_consortium(kind / 4, n, live, today);
    }
    let member_change = |live: &Consortium| {
        if n.is_multiple_of(2) {
            add_member(n, live, today)
        } else {
            remove_member(n, live, today)
        }
    };
    Step::Run(match live.status {
        ConsortiumStatus::New => form(),
        ConsortiumStatus::Formed if n % 4 == 3 => member_change(live),
        ConsortiumStatus::Formed => apply_for_level(n, live),
        ConsortiumStatus::Applying => decide_level(n, today),
        ConsortiumStatus::Holding => match n % 8 {
            0 | 1 => match live.construction_end {
                Some(end) if end > today => return Step::Wait(end - today),
                _ => C::EndConstructionPeriod,
            },
            2 if live.level == Some(Level::SuzhouAccreditation) => grant_support(n, live),
            2 => grant_reward(n, live),
            3 | 4 => disburse(n, live),
            5 => record_result(n, live, today),
            6 => member_change(live),
            _ => apply_for_level(n, live),
        },
        ConsortiumStatus::FinalAcceptanceDue => accept(n),
        ConsortiumStatus::RemedyPending => remedy(n, live, today),
        ConsortiumStatus::Rectifying => rectified(n, live),
        ConsortiumStatus::Completed => match n % 3 {
            0 => apply_for_level(n, live),
            1 => record_result(n, live, today),
            _ => member_change(live),
        },
        ConsortiumStatus::RecoveryReferred | ConsortiumStatus::Revoked => {
            return any_consortium(n, n, live, today)
        }
    })
}

fn consortium_script() -> Script<Consortium> {
    Script {
        start: "2027-01-10T01:00:00Z",
        services: |clock| ConsortiumServices::new(Arc::new(clock)),
        step: consortium_step,
        kinds: 56,
        length: 1..40,
        pace_days: 10,
        min_events: 200,
        must_reach: &[
            "ConsortiumFormed",
            "MemberAdded",
            "MemberRemoved",
            "LevelApplicationSubmitted",
            "LevelGranted",
            "LevelApplicationRejected",
            "CultivationRewardGranted",
            "AccreditationSupportGranted",
            "ConsortiumFundsDisbursed",
            "EvaluationResultRecorded",
            "ConstructionPeriodEnded",
            "FinalAcceptancePassed",
            "FinalAcceptanceFailed",
            "RectificationOrdered",
            "RecoveryReferred",
            "AccreditationRevoked",
            "GrantsCancelled",
        ],
    }
}

#[test]
fn consortium_state_at_each_version_equals_the_live_state_on_sqlite() {
    rebuilt_equals_live(Backend::Sqlite, consortium_script());
}

#[test]
fn consortium_state_at_each_version_equals_the_live_state_on_postgres() {
    rebuilt_equals_live(Backend::Postgres, consortium_script());
}

// ---- evaluation round ----

type E = EvaluationCommand;

fn assessed(s: &Subject) -> bool {
    s.excluded_until.is_none() && !s.missing_self_assessment
}

fn plan(n: u8, today: NaiveDate) -> E {
    let mut start = NaiveDate::from_ymd_opt(today.year() - 2, today.month(), 1).unwrap();
    if n % 4 == 3 {
        // A period that ends next month: opening waits for it.
        start = start + Months::new(1);
    }
    E::Plan(PlanRound {
        round_no: 1,
        period_start: start,
        period_end: start + Months::new(24),
        evaluator_kind: if n.is_multiple_of(2) {
            EvaluatorKind::Experts
        } else {
            EvaluatorKind::ThirdParty
        },
        previous: None,
    })
}

fn enrol(n: u8) -> E {
    let id = format!("c{}", n % 3 + 1);
    E::EnrolSubject {
        subject: SubjectFacts {
            name: format!("联合体{id}"),
            consortium_id: id,
            lead: org(LEAD),
            members: vec![org(ENT_A), org(UNIV)],
            held_level_at_period_end: n != 14,
            revoked: n == 13,
        },
        // A barred lead is enrolled as excluded.
        bars: if n % 5 == 4 { bar(LEAD) } else { vec![] },
    }
}

fn open(n: u8, today: NaiveDate) -> E {
    E::Open {
        self_assessment_due: if n == 15 {
            today
        } else {
            today + days(7 * (i64::from(n % 3) + 1))
        },
    }
}

fn submit(n: u8, live: &EvaluationRound) -> E {
    let id = live
        .subjects
        .iter()
        .find(|s| s.excluded_until.is_none() && s.self_assessment_ref.is_none())
        .map_or_else(|| format!("c{}", n % 3 + 1), |s| s.consortium_id.clone());
    E::SubmitSelfAssessment {
        report_ref: if n == 14 {
            String::new()
        } else {
            format!("自查-{id}")
        },
        consortium_id: id,
    }
}

fn assign(n: u8, live: &EvaluationRound) -> E {
    let subject = live
        .subjects
        .iter()
        .filter(|s| assessed(s))
        .min_by_key(|s| s.evaluators.len());
    let (id, k) = subject.map_or_else(
        || (format!("c{}", n % 3 + 1), 0),
        |s| (s.consortium_id.clone(), s.evaluators.len()),
    );
    E::AssignEvaluator {
        consortium_id: id,
        evaluator: Evaluator {
            id: if n == 13 {
                "e1".into()
            } else {
                format!("e{}", k + 1)
            },
            // ENT_A is a member of every subject: a conflict of interest.
            org: org([INST, ENT_C, ENT_B, ENT_A][usize::from(n % 4)]),
        },
        current_affiliations: vec![org(LEAD), org(ENT_A), org(UNIV)],
    }
}

fn score(n: u8, live: &EvaluationRound) -> E {
    let pending = live.subjects.iter().find_map(|s| {
        s.evaluators
            .iter()
            .find(|(_, score)| score.is_none())
            .map(|(e, _)| (s.consortium_id.clone(), e.clone()))
    });
    let (consortium_id, evaluator_id) = pending.unwrap_or_else(|| ("c1".into(), "e1".into()));
    E::RecordScore {
        consortium_id,
        evaluator_id,
        score: if n == 15 { 101 } else { 40 + 4 * u32::from(n) },
        entered_by: evaluation::ScoreEntry::Officer,
    }
}

fn publish(n: u8, today: NaiveDate) -> E {
    let from = today + days(n % 2);
    let length = if n == 15 { 5 } else { 6 + i64::from(n % 3) };
    E::PublishResults {
        from,
        to: from + days(length),
    }
}

fn object(n: u8) -> E {
    E::FileObjection {
        consortium_id: format!("c{}", n % 3 + 1),
        objector_name: if n == 14 {
            String::new()
        } else {
            "张三".into()
        },
        objector_org: n.is_multiple_of(2).then(|| org(ENT_C)),
        grounds: "评分有误".into(),
        evidence_ref: format!("证据-{n}"),
    }
}

fn resolve(n: u8, live: &EvaluationRound) -> E {
    let id = live
        .objections
        .iter()
        .find(|o| o.status == ObjectionStatus::Pending)
        .map_or_else(|| "objection-1".into(), |o| o.id.clone());
    let upheld = n.is_multiple_of(2) || n == 15;
    E::ResolveObjection {
        objection_id: id,
        upheld,
        revised_grade: n
            .is_multiple_of(2)
            .then(|| [Grade::Pass, Grade::Excellent, Grade::Fail][usize::from(n % 3)]),
    }
}

/// Any round command, chosen by `which`.
fn any_round(which: u8, n: u8, live: &EvaluationRound, today: NaiveDate) -> Step<E> {
    Step::Run(match which % 12 {
        0 => plan(n, today),
        1 => enrol(n),
        2 => open(n, today),
        3 => submit(n, live),
        4 => E::StartReview,
        5 => assign(n, live),
        6 => score(n, live),
        7 => publish(n, today),
        8 => object(n),
        9 => resolve(n, live),
        10 => E::Finalise,
        _ => return Step::Wait(days(n + 1)),
    })
}

/// plan → enrol → open (once the period is over) → self-assessments → review → evaluators →
/// scores → publish → objections → finalise.
fn round_step(kind: u8, n: u8, live: &EvaluationRound, today: NaiveDate) -> Step<E> {
    if kind.is_multiple_of(4) {
        return any_round(kind / 4, n, live, today);
    }
    Step::Run(match live.status {
        RoundStatus::New => plan(n, today),
        RoundStatus::Planned => match live.period_end {
            _ if live.subjects.len() < usize::from(n % 3) + 1 => enrol(n),
            Some(end) if end > today => return Step::Wait(end - today),
            _ => open(n, today),
        },
        RoundStatus::Open => match live.self_assessment_due {
            Some(due) if due >= today => {
                let missing = live
                    .subjects
                    .iter()
                    .any(|s| s.excluded_until.is_none() && s.self_assessment_ref.is_none());
                if missing && !n.is_multiple_of(5) {
                    submit(n, live)
                } else {
                    return Step::Wait(due - today + days(1));
                }
            }
            _ => E::StartReview,
        },
        RoundStatus::UnderReview => {
            let unassigned = live
                .subjects
                .iter()
                .any(|s| assessed(s) && s.evaluators.is_empty());
            let unscored = live
                .subjects
                .iter()
                .any(|s| s.evaluators.iter().any(|(_, score)| score.is_none()));
            if unassigned || (n.is_multiple_of(3) && !unscored) {
                assign(n, live)
            } else if unscored {
                score(n, live)
            } else {
                publish(n, today)
            }
        }
        RoundStatus::ResultsPublicised => {
            let (from, to) = live.notice.unwrap();
            let pending = live
                .objections
                .iter()
                .any(|o| o.status == ObjectionStatus::Pending);
            if today < from {
                return Step::Wait(from - today);
            } else if today <= to && n.is_multiple_of(3) && live.objections.len() < 3 {
                object(n)
            } else if pending {
                resolve(n, live)
            } else if today < to {
                return Step::Wait(to - today);
            } else {
                E::Finalise
            }
        }
        RoundStatus::Finalised => return any_round(n, n, live, today),
    })
}

fn round_script() -> Script<EvaluationRound> {
    Script {
        start: "2027-01-10T01:00:00Z",
        services: |clock| EvaluationServices::new(Arc::new(clock)),
        step: round_step,
        kinds: 48,
        length: 1..32,
        pace_days: 1,
        min_events: 200,
        must_reach: &[
            "RoundPlanned",
            "SubjectEnrolled",
            "SubjectExcluded",
            "RoundOpened",
            "SelfAssessmentSubmitted",
            "RoundReviewStarted",
            "EvaluatorAssigned",
            "ScoreRecorded",
            "ResultsPublicised",
            "ObjectionFiled",
            "ObjectionResolved",
            "RoundFinalised",
        ],
    }
}

#[test]
fn evaluation_round_state_at_each_version_equals_the_live_state_on_sqlite() {
    rebuilt_equals_live(Backend::Sqlite, round_script());
}

#[test]
fn evaluation_round_state_at_each_version_equals_the_live_state_on_postgres() {
    rebuilt_equals_live(Backend::Postgres, round_script());
}
