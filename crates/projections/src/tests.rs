use bid::{
    Assessment, Bid, BidContent, BidEvent, Member, Objection, ProposedMilestone, Recommendation,
    ReviewerRef, SubTopic,
};
use cqrs_es::persist::SerializedEvent;
use cqrs_es::{Aggregate, DomainEvent, EventEnvelope, View};
use kernel::{Money, OrgCode};
use serde_json::json;

use crate::*;

const BID: &str = "0b5e0c7a-0000-5000-8000-000000000001";

fn org(code: &str) -> OrgCode {
    OrgCode::parse(code).unwrap()
}

fn day(text: &str) -> chrono::NaiveDate {
    text.parse().unwrap()
}

fn content() -> BidContent {
    BidContent {
        title: "光刻胶".into(),
        team_lead: "张三".into(),
        technical_plan: "方案".into(),
        requested: Money::from_wan_yuan(200),
        members: vec![Member {
            org: org("123200004660000105"),
            name: "某大学".into(),
        }],
        subtopics: vec![SubTopic {
            title: "课题一".into(),
            responsible: org("123200004660000105"),
            budget_share: Money::from_wan_yuan(200),
        }],
        joint_agreement_ref: Some("JA".into()),
        milestones: vec![ProposedMilestone {
            title: "中试".into(),
            due: day("2028-12-31"),
            tranche: Money::from_wan_yuan(200),
        }],
    }
}

fn assessment(reviewer: &str, weighted: u32) -> Assessment {
    Assessment {
        reviewer: reviewer.into(),
        scores: vec![],
        weighted_score_x100: weighted,
        recommendation: Recommendation::Recommend,
        comment: "好".into(),
    }
}

fn history() -> Vec<BidEvent> {
    let reviewer = |id: &str| ReviewerRef {
        id: id.into(),
        org: org("91320583MA1KC00296"),
    };
    vec![
        BidEvent::BidSubmitted {
            challenge_id: "call-1".into(),
            programme: "consortium_key_rd".into(),
            demand_owner: org("91320500MA1GC0041G"),
            lead: org("91320583MA1KC00109"),
            lead_name: "昆山某科技".into(),
            alias: "A-1".into(),
            content: content(),
            call_cap: Money::from_wan_yuan(300),
            submitted_on: day("2027-01-10"),
        },
        BidEvent::FormalCheckPassed {
            checked_on: day("2027-03-01"),
        },
        BidEvent::ReviewersAssigned {
            reviewers: vec![reviewer("r1"), reviewer("r2"), reviewer("r3")],
        },
        BidEvent::AssessmentRecorded {
            assessment: assessment("r1", 8000),
        },
        BidEvent::AssessmentCorrected {
            assessment: assessment("r1", 7000),
            reason: "更正".into(),
        },
        BidEvent::AssessmentRecorded {
            assessment: assessment("r2", 8000),
        },
        BidEvent::AssessmentRecorded {
            assessment: assessment("r3", 9000),
        },
        BidEvent::ReviewConcluded {
            mean_score_x100: 8000,
            assessments_counted: 3,
            recommended: true,
            note: "推荐".into(),
        },
        BidEvent::PublicNoticeStarted {
            from: day("2027-04-01"),
            to: day("2027-04-07"),
        },
        BidEvent::ObjectionFiled {
            objection: Objection {
                no: 1,
                objector_sub: "c1".into(),
                objector_name: "李四".into(),
                objector_org: None,
                grounds: "重复申报".into(),
                evidence_ref: None,
                filed_on: day("2027-04-02"),
            },
        },
        BidEvent::ObjectionResolved {
            no: 1,
            upheld: false,
            reason: "不属实".into(),
        },
        BidEvent::PublicNoticeEnded {
            ended_on: day("2027-04-08"),
        },
        BidEvent::BidAwarded {
            project_id: "p1".into(),
            amount: Money::from_wan_yuan(150),
            lane: Some(1),
        },
    ]
}

fn envelope(seq: usize, payload: BidEvent) -> EventEnvelope<Bid> {
    EventEnvelope {
        aggregate_id: BID.into(),
        sequence: seq,
        payload,
        metadata: [(
            "recorded_at".to_string(),
            format!("2027-01-10T00:00:{seq:02}Z"),
        )]
        .into_iter()
        .collect(),
    }
}

fn serialized(seq: usize, payload: &BidEvent) -> SerializedEvent {
    SerializedEvent::new(
        BID.into(),
        seq,
        Bid::TYPE.into(),
        payload.event_type(),
        payload.event_version(),
        serde_json::to_value(payload).unwrap(),
        json!({ "recorded_at": format!("2027-01-10T00:00:{seq:02}Z") }),
    )
}

fn fold<V: View<Bid> + Default>(events: &[BidEvent]) -> V {
    let mut view = V::default();
    for (i, e) in events.iter().enumerate() {
        view.update(&envelope(i + 1, e.clone()));
    }
    view
}

#[test]
fn the_bid_view_folds_the_whole_lifecycle() {
    let view: BidView = fold(&history());
    assert_eq!(view.id, BID);
    assert_eq!(view.version, 13);
    assert_eq!(view.status, "awarded");
    assert_eq!(view.panel.len(), 3);
    assert_eq!(view.assessments.len(), 4);
    let r1: Vec<_> = view
        .assessments
        .iter()
        .filter(|a| a.assessment.reviewer == "r1")
        .collect();
    assert!(r1[0].superseded && !r1[0].counts);
    assert_eq!(r1[1].correction_reason.as_deref(), Some("更正"));
    assert!(r1[1].counts);
    assert_eq!(view.review.as_ref().unwrap().mean_score_x100, 8000);
    assert_eq!(
        view.notice.as_ref().unwrap().ended_on,
        Some(day("2027-04-08"))
    );
    assert!(!view.objections[0].resolution.as_ref().unwrap().upheld);
    assert_eq!(view.award.as_ref().unwrap().lane, Some(1));
    assert!(view.is_party(&org("123200004660000105")));
    assert!(!view.is_party(&org("91320583MA1KC00296")));
    let index = view.index();
    assert_eq!(index.owner.as_deref(), Some("91320583MA1KC00109"));
    assert_eq!(index.parent.as_deref(), Some("call-1"));
}

#[test]
fn a_resubmission_after_withdrawal_starts_a_fresh_view_and_counts_submissions() {
    let mut events = history()[..3].to_vec();
    events.push(BidEvent::BidWithdrawn {
        reason: "x".into(),
        withdrawn_on: day("2027-01-11"),
        cancelled_reviews: vec![],
    });
    let withdrawn: BidView = fold(&events);
    assert_eq!(withdrawn.status, "withdrawn");
    events.push(history()[0].clone());
    let again: BidView = fold(&events);
    assert_eq!(again.status, "submitted");
    assert_eq!(again.submissions, 2);
    assert!(again.panel.is_empty() && again.withdrawal.is_none());
}

#[test]
fn the_ranking_sorts_concluded_bids_by_mean_best_first() {
    let history = history();
    let concluded: BidRankingView = fold(&history[..8]);
    assert_eq!(concluded.mean_score_x100, Some(8000));
    assert_eq!(concluded.status, "reviewed");
    let mut better = concluded.clone();
    better.mean_score_x100 = Some(9000);
    let pending: BidRankingView = fold(&history[..2]);
    let mut keys = [
        pending.index().sort_key,
        concluded.index().sort_key,
        better.index().sort_key,
    ];
    keys.sort();
    assert_eq!(keys[0], better.index().sort_key);
    assert_eq!(keys[1], concluded.index().sort_key);
    assert_eq!(keys[2], pending.index().sort_key);
}

#[test]
fn review_assignments_fan_out_per_reviewer_and_follow_each_one() {
    let p = ReviewAssignmentProjector;
    let history = history();
    let assigned = serialized(3, &history[2]);
    let ids = p.row_ids(&assigned);
    assert_eq!(ids.len(), 3);
    assert_eq!(ids[1], fanout_row_id(BID, "r2"));
    let row = p.project_row(&ids[1], None, &assigned).unwrap();
    assert_eq!(row.index.owner.as_deref(), Some("r2"));
    assert_eq!(row.index.status.as_deref(), Some("pending"));
    let assessed = serialized(6, &history[5]);
    assert_eq!(p.row_ids(&assessed), vec![fanout_row_id(BID, "r2")]);
    let row = p
        .project_row(&ids[1], Some(row.payload), &assessed)
        .unwrap();
    assert_eq!(row.index.status.as_deref(), Some("assessed"));
    let withdrawn = BidEvent::BidWithdrawn {
        reason: "x".into(),
        withdrawn_on: day("2027-03-02"),
        cancelled_reviews: vec!["r3".into()],
    };
    let withdrawn = serialized(7, &withdrawn);
    assert_eq!(p.row_ids(&withdrawn), vec![fanout_row_id(BID, "r3")]);
    let row = p
        .project_row(&fanout_row_id(BID, "r3"), None, &withdrawn)
        .unwrap();
    assert_eq!(row.index.status.as_deref(), Some("cancelled"));
}

#[test]
fn bid_parties_are_the_lead_and_each_member() {
    let p = BidPartyProjector;
    let submitted = serialized(1, &history()[0]);
    let ids = p.row_ids(&submitted);
    assert_eq!(
        ids,
        vec![
            fanout_row_id(BID, "91320583MA1KC00109"),
            fanout_row_id(BID, "123200004660000105"),
        ]
    );
    let lead = p.project_row(&ids[0], None, &submitted).unwrap();
    let member = p.project_row(&ids[1], None, &submitted).unwrap();
    assert_eq!(lead.index.status.as_deref(), Some("lead"));
    assert_eq!(member.index.status.as_deref(), Some("member"));
    assert_eq!(member.index.owner.as_deref(), Some("123200004660000105"));
    assert_eq!(member.index.parent.as_deref(), Some("call-1"));
    assert!(p.row_ids(&serialized(2, &history()[1])).is_empty());
}
