//! Time travel is faithful for bids too: for random sequences of valid and refused bid commands,
//! the state the audit registry rebuilds at version N equals the live bid right after event N —
//! on both stores. (A resolution that upholds an objection writes two events; the live state
//! after each of them is taken from the in-memory aggregate applying them one by one.)

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::cell::Cell;
use std::collections::HashMap;
use std::sync::Arc;

use app::audit::fold_for;
use bid::{
    AssessBid, AssignReviewers, Attachment, Bid, BidCommand, BidContent, BidServices, CallFacts,
    FileObjection, ProposedMilestone, Recommendation, ReviewerRef, SubmitBid,
};
use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use cqrs_es::event_sink::EventSink;
use cqrs_es::Aggregate;
use kernel::policy::Catalogue;
use kernel::{Clock, FixedClock, Money, OrgCode};
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::{Config, TestRunner};
use serde_json::Value;
use store::testing::FreshDb;
use store::{Backend, Store};

const LEAD: &str = "91320583MA1KC00296";

#[derive(Debug, Clone)]
enum Step {
    Submit { wan: i64 },
    Amend { wan: i64 },
    Attach,
    Withdraw,
    FormalCheck { passed: bool },
    Assign { conflicted: bool },
    Recuse { reviewer: usize },
    Assess { reviewer: usize, score: u8 },
    Correct { reviewer: usize, score: u8 },
    Conclude { recommended: bool },
    Notice { days: i64 },
    Object { named: bool },
    Resolve { upheld: bool },
    EndNotice,
    Advance { days: i64 },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        2 => select(vec![100i64, 300, 301]).prop_map(|wan| Step::Submit { wan }),
        1 => select(vec![120i64, 400]).prop_map(|wan| Step::Amend { wan }),
        1 => Just(Step::Attach),
        1 => Just(Step::Withdraw),
        2 => any::<bool>().prop_map(|passed| Step::FormalCheck { passed }),
        2 => any::<bool>().prop_map(|conflicted| Step::Assign { conflicted }),
        1 => (0usize..4).prop_map(|reviewer| Step::Recuse { reviewer }),
        5 => ((0usize..4), select(vec![60u8, 85, 101]))
            .prop_map(|(reviewer, score)| Step::Assess { reviewer, score }),
        1 => ((0usize..4), select(vec![40u8, 90]))
            .prop_map(|(reviewer, score)| Step::Correct { reviewer, score }),
        2 => any::<bool>().prop_map(|recommended| Step::Conclude { recommended }),
        2 => select(vec![5i64, 6, 9]).prop_map(|days| Step::Notice { days }),
        2 => any::<bool>().prop_map(|named| Step::Object { named }),
        2 => any::<bool>().prop_map(|upheld| Step::Resolve { upheld }),
        2 => Just(Step::EndNotice),
        3 => (1i64..30).prop_map(|days| Step::Advance { days }),
    ]
}

/// Half the scenarios first walk a bid into its public notice, so that the random steps also
/// exercise objections, resolutions and the end of the notice.
fn scenario() -> impl Strategy<Value = Vec<Step>> {
    (any::<bool>(), prop::collection::vec(step(), 0..30)).prop_map(|(deep, rest)| {
        let mut steps = vec![Step::Submit { wan: 100 }];
        if deep {
            steps.extend([
                Step::Advance { days: 50 },
                Step::FormalCheck { passed: true },
                Step::Assign { conflicted: false },
                Step::Assess {
                    reviewer: 0,
                    score: 80,
                },
                Step::Assess {
                    reviewer: 1,
                    score: 85,
                },
                Step::Assess {
                    reviewer: 2,
                    score: 90,
                },
                Step::Conclude { recommended: true },
                Step::Notice { days: 6 },
            ]);
        }
        steps.extend(rest);
        steps
    })
}

fn org(code: &str) -> OrgCode {
    OrgCode::parse(code).unwrap()
}

fn call() -> CallFacts {
    CallFacts {
        challenge_id: "call-1".into(),
        programme: "consortium_key_rd".into(),
        status: "published".into(),
        opens_on: "2027-01-04".parse().unwrap(),
        closes_on: "2027-02-26".parse().unwrap(),
        budget_cap: Money::from_wan_yuan(300),
        completion_deadline: "2029-12-31".parse().unwrap(),
        demand_owner: org("91320583MA1KC00109"),
    }
}

fn content(wan: i64) -> BidContent {
    BidContent {
        title: "光刻胶".into(),
        team_lead: "张三".into(),
        technical_plan: "方案".into(),
        requested: Money::from_wan_yuan(wan),
        members: vec![],
        subtopics: vec![],
        joint_agreement_ref: None,
        milestones: vec![ProposedMilestone {
            title: "中试".into(),
            due: "2028-12-31".parse().unwrap(),
            tranche: Money::from_wan_yuan(wan),
        }],
    }
}

const REVIEWERS: [(&str, &str); 4] = [
    ("r1", "91320500MA1GC0041G"),
    ("r2", "123205834660000293"),
    ("r3", "52320583MJ00000345"),
    ("r4", "123200004660000105"),
];

fn assessment(reviewer: usize, score: u8) -> AssessBid {
    AssessBid {
        reviewer: REVIEWERS[reviewer].0.into(),
        reviewer_org: Some(org(REVIEWERS[reviewer].1)),
        scores: [
            "technical_approach",
            "team_capability",
            "targets_and_schedule",
            "industrial_impact",
            "budget",
        ]
        .iter()
        .map(|c| (c.to_string(), score))
        .collect(),
        recommendation: Recommendation::Recommend,
        comment: "可行".into(),
    }
}

fn command(step: &Step, today: chrono::NaiveDate) -> Option<BidCommand> {
    Some(match step {
        Step::Submit { wan } => BidCommand::Submit(SubmitBid {
            call: call(),
            lead: org(LEAD),
            lead_name: "甲".into(),
            alias: "alias".into(),
            content: content(*wan),
            bars: vec![],
        }),
        Step::Amend { wan } => BidCommand::Amend {
            by: org(LEAD),
            call: call(),
            content: content(*wan),
            bars: vec![],
        },
        Step::Attach => BidCommand::Attach {
            by: org(LEAD),
            call: call(),
            attachment: Attachment {
                name: "plan.pdf".into(),
                content_type: "application/pdf".into(),
                size: 10,
                sha256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08".into(),
            },
        },
        Step::Withdraw => BidCommand::Withdraw {
            by: org(LEAD),
            reason: "调整".into(),
        },
        Step::FormalCheck { passed } => BidCommand::RecordFormalCheck {
            call: call(),
            passed: *passed,
            defects: if *passed {
                vec![]
            } else {
                vec!["缺件".into()]
            },
        },
        Step::Assign { conflicted } => BidCommand::AssignReviewers(AssignReviewers {
            reviewers: REVIEWERS[..3]
                .iter()
                .map(|(id, o)| ReviewerRef {
                    id: id.to_string(),
                    org: if *conflicted { org(LEAD) } else { org(o) },
                })
                .collect(),
        }),
        Step::Recuse { reviewer } => BidCommand::Recuse {
            reviewer: REVIEWERS[*reviewer].0.into(),
            reviewer_org: Some(org(REVIEWERS[*reviewer].1)),
            reason: "回避".into(),
        },
        Step::Assess { reviewer, score } => BidCommand::Assess(assessment(*reviewer, *score)),
        Step::Correct { reviewer, score } => BidCommand::CorrectAssessment {
            assessment: assessment(*reviewer, *score),
            reason: "更正".into(),
        },
        Step::Conclude { recommended } => BidCommand::ConcludeReview {
            recommended: *recommended,
            note: String::new(),
        },
        Step::Notice { days } => BidCommand::StartPublicNotice {
            from: today,
            to: today + TimeDelta::days(*days),
        },
        Step::Object { named } => BidCommand::FileObjection(FileObjection {
            objector_sub: "citizen".into(),
            objector_name: if *named { "李四" } else { "匿名" }.into(),
            objector_org: None,
            grounds: "异议".into(),
            evidence_ref: None,
        }),
        Step::Resolve { upheld } => BidCommand::ResolveObjection {
            no: 1,
            upheld: *upheld,
            reason: "核查".into(),
        },
        Step::EndNotice => BidCommand::EndPublicNotice,
        Step::Advance { .. } => return None,
    })
}

/// Runs `steps` on stream `id` through the store and, beside it, on an in-memory bid; returns
/// the live state after each stored event.
async fn run(store: &Store, clock: &FixedClock, id: &str, steps: &[Step]) -> Vec<Value> {
    let services = BidServices::new(Arc::new(clock.clone()), Arc::new(Catalogue::kunshan()));
    let cqrs = store.cqrs::<Bid>(services.clone());
    let mut live = Bid::default();
    let mut after_each = Vec::new();
    for step in steps {
        if let Step::Advance { days } = step {
            clock.set(clock.now() + TimeDelta::days(*days));
            continue;
        }
        let Some(cmd) = command(step, clock.today()) else {
            continue;
        };
        let before = live.clone();
        let sink = EventSink::default();
        let in_memory = live.handle(cmd.clone(), &services, &sink).await;
        let events = sink.collect().await;
        let metadata = HashMap::from([(
            "recorded_at".to_string(),
            clock.now().to_rfc3339_opts(SecondsFormat::Micros, true),
        )]);
        let stored = cqrs.execute_with_metadata(id, cmd, metadata).await;
        assert_eq!(
            in_memory.is_ok(),
            stored.is_ok(),
            "{step:?}: {in_memory:?} vs {stored:?}"
        );
        match in_memory {
            Ok(()) => {
                let mut replay = before;
                for event in events {
                    replay.apply(event);
                    after_each.push(serde_json::to_value(&replay).unwrap());
                }
                assert_eq!(replay, live);
            }
            Err(_) => live = before,
        }
    }
    after_each
}

fn rebuilt_state_equals_the_live_state_after_each_event(backend: Backend) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let fresh = rt.block_on(FreshDb::create(backend)).unwrap();
    let store = Store::new(
        rt.block_on(fresh.connect()).unwrap(),
        projections::all_projectors(),
    );
    let fold = fold_for(Bid::TYPE).expect("bid is registered");
    let mut runner = TestRunner::new(Config {
        cases: 32,
        failure_persistence: None,
        ..Config::default()
    });
    let stored_events = Cell::new(0usize);
    runner
        .run(&scenario(), |steps| {
            let id = uuid::Uuid::new_v4().to_string();
            let start: DateTime<Utc> = "2027-01-10T01:00:00Z".parse().unwrap();
            let clock = FixedClock::new(start);
            let after_each = rt.block_on(run(&store, &clock, &id, &steps));
            let events = rt.block_on(store.events(Bid::TYPE, &id, 0, None)).unwrap();
            prop_assert_eq!(events.len(), after_each.len());
            stored_events.set(stored_events.get() + events.len());
            for (n, live) in after_each.iter().enumerate() {
                let rebuilt = fold(&events[..=n]).unwrap();
                prop_assert_eq!(&rebuilt, live, "version {} of {:?}", n + 1, steps);
            }
            Ok(())
        })
        .unwrap();
    let stored = stored_events.get();
    assert!(stored >= 64, "only {stored} events stored");
}

#[test]
fn bid_state_at_each_version_equals_the_live_state_on_sqlite() {
    rebuilt_state_equals_the_live_state_after_each_event(Backend::Sqlite);
}

#[test]
fn bid_state_at_each_version_equals_the_live_state_on_postgres() {
    rebuilt_state_equals_the_live_state_after_each_event(Backend::Postgres);
}
