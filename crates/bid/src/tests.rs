use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use cqrs_es::test::TestFramework;
use kernel::policy::Catalogue;
use kernel::{ActiveBar, FixedClock, Money, OrgCode};

use crate::*;

type Framework = TestFramework<Bid>;

const LEAD: &str = "91320583MA1KC00109";
const ENT_A: &str = "91320583MA1KC00296";
const ENT_B: &str = "91320583MA1KC00371";
const UNIV: &str = "123200004660000105";
const INST: &str = "123205834660000293";
const OWNER: &str = "91320500MA1GC0041G";

fn org(code: &str) -> OrgCode {
    OrgCode::parse(code).unwrap()
}

fn day(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

fn on(date: &str) -> Framework {
    let now: DateTime<Utc> = DateTime::parse_from_rfc3339(&format!("{date}T10:00:00+08:00"))
        .unwrap()
        .into();
    Framework::with(BidServices::new(
        Arc::new(FixedClock::new(now)),
        Arc::new(Catalogue::kunshan()),
    ))
}

/// Inside the sample window (2027-01-04 ..= 2027-02-26).
fn in_window() -> Framework {
    on("2027-01-10")
}

/// After the window.
fn after_window() -> Framework {
    on("2027-03-01")
}

fn call() -> CallFacts {
    CallFacts {
        challenge_id: "call-1".into(),
        programme: "consortium_key_rd".into(),
        status: "published".into(),
        opens_on: day("2027-01-04"),
        closes_on: day("2027-02-26"),
        budget_cap: Money::from_wan_yuan(300),
        completion_deadline: day("2029-12-31"),
        demand_owner: org(OWNER),
    }
}

fn closed_call() -> CallFacts {
    CallFacts {
        status: "closed".into(),
        ..call()
    }
}

fn content() -> BidContent {
    BidContent {
        title: "90nm 光刻胶国产化".into(),
        team_lead: "张三".into(),
        technical_plan: "树脂合成 + 光酸体系".into(),
        requested: Money::from_wan_yuan(200),
        members: vec![Member {
            org: org(UNIV),
            name: "某大学".into(),
        }],
        subtopics: vec![
            SubTopic {
                title: "树脂合成".into(),
                responsible: org(LEAD),
                budget_share: Money::from_wan_yuan(120),
            },
            SubTopic {
                title: "光酸体系".into(),
                responsible: org(UNIV),
                budget_share: Money::from_wan_yuan(80),
            },
        ],
        joint_agreement_ref: Some("JA-2027-001".into()),
        milestones: vec![
            ProposedMilestone {
                title: "小试".into(),
                due: day("2027-12-31"),
                tranche: Money::from_wan_yuan(120),
            },
            ProposedMilestone {
                title: "中试".into(),
                due: day("2028-12-31"),
                tranche: Money::from_wan_yuan(80),
            },
        ],
    }
}

fn submit_with(content: BidContent) -> BidCommand {
    BidCommand::Submit(SubmitBid {
        call: call(),
        lead: org(LEAD),
        lead_name: "昆山某科技有限公司".into(),
        alias: "alias-1".into(),
        content,
        bars: vec![],
    })
}

fn submitted() -> BidEvent {
    BidEvent::BidSubmitted {
        challenge_id: "call-1".into(),
        programme: "consortium_key_rd".into(),
        demand_owner: org(OWNER),
        lead: org(LEAD),
        lead_name: "昆山某科技有限公司".into(),
        alias: "alias-1".into(),
        content: content(),
        call_cap: Money::from_wan_yuan(300),
        submitted_on: day("2027-01-10"),
    }
}

fn reviewer(id: &str, org_code: &str) -> ReviewerRef {
    ReviewerRef {
        id: id.into(),
        org: org(org_code),
    }
}

fn panel() -> Vec<ReviewerRef> {
    vec![
        reviewer("r1", ENT_A),
        reviewer("r2", ENT_B),
        reviewer("r3", INST),
    ]
}

fn compliant() -> Vec<BidEvent> {
    vec![
        submitted(),
        BidEvent::FormalCheckPassed {
            checked_on: day("2027-03-01"),
        },
    ]
}

fn under_review() -> Vec<BidEvent> {
    let mut e = compliant();
    e.push(BidEvent::ReviewersAssigned { reviewers: panel() });
    e
}

fn scores(value: u8) -> Vec<(String, u8)> {
    [
        "technical_approach",
        "team_capability",
        "targets_and_schedule",
        "industrial_impact",
        "budget",
    ]
    .iter()
    .map(|c| (c.to_string(), value))
    .collect()
}

/// The organisation on a seated reviewer's own token: the one `panel` seats them with.
fn seat_org(reviewer: &str) -> Option<OrgCode> {
    panel()
        .into_iter()
        .find(|r| r.id == reviewer)
        .map(|r| r.org)
}

fn assess(reviewer: &str, value: u8) -> AssessBid {
    AssessBid {
        reviewer: reviewer.into(),
        reviewer_org: seat_org(reviewer),
        scores: scores(value),
        recommendation: Recommendation::Recommend,
        comment: "路线可行".into(),
    }
}

fn assessed(reviewer: &str, value: u8) -> BidEvent {
    BidEvent::AssessmentRecorded {
        assessment: Assessment {
            reviewer: reviewer.into(),
            scores: vec![
                CriterionScore {
                    criterion: "technical_approach".into(),
                    weight: 30,
                    score: value,
                },
                CriterionScore {
                    criterion: "team_capability".into(),
                    weight: 25,
                    score: value,
                },
                CriterionScore {
                    criterion: "targets_and_schedule".into(),
                    weight: 20,
                    score: value,
                },
                CriterionScore {
                    criterion: "industrial_impact".into(),
                    weight: 15,
                    score: value,
                },
                CriterionScore {
                    criterion: "budget".into(),
                    weight: 10,
                    score: value,
                },
            ],
            weighted_score_x100: u32::from(value) * 100,
            recommendation: Recommendation::Recommend,
            comment: "路线可行".into(),
        },
    }
}

fn all_assessed() -> Vec<BidEvent> {
    let mut e = under_review();
    e.extend([assessed("r1", 80), assessed("r2", 85), assessed("r3", 90)]);
    e
}

fn reviewed() -> Vec<BidEvent> {
    let mut e = all_assessed();
    e.push(BidEvent::ReviewConcluded {
        mean_score_x100: 8500,
        assessments_counted: 3,
        recommended: true,
        note: "推荐".into(),
    });
    e
}

fn in_notice() -> Vec<BidEvent> {
    let mut e = reviewed();
    e.push(BidEvent::PublicNoticeStarted {
        from: day("2027-04-01"),
        to: day("2027-04-07"),
    });
    e
}

fn objection() -> FileObjection {
    FileObjection {
        objector_sub: "citizen-1".into(),
        objector_name: "李四".into(),
        objector_org: None,
        grounds: "团队成员重复申报".into(),
        evidence_ref: Some("EV-1".into()),
    }
}

fn objected() -> Vec<BidEvent> {
    let mut e = in_notice();
    e.push(BidEvent::ObjectionFiled {
        objection: Objection {
            no: 1,
            objector_sub: "citizen-1".into(),
            objector_name: "李四".into(),
            objector_org: None,
            grounds: "团队成员重复申报".into(),
            evidence_ref: Some("EV-1".into()),
            filed_on: day("2027-04-03"),
        },
    });
    e
}

fn cleared() -> Vec<BidEvent> {
    let mut e = in_notice();
    e.push(BidEvent::PublicNoticeEnded {
        ended_on: day("2027-04-08"),
    });
    e
}

// ---- submission ----

#[test]
fn a_joint_bid_inside_the_window_is_submitted() {
    in_window()
        .given_no_previous_events()
        .when(submit_with(content()))
        .then_expect_events(vec![submitted()]);
}

#[test]
fn the_bid_id_is_the_same_for_the_same_call_and_lead_only() {
    let a = bid_id("call-1", &org(LEAD));
    assert_eq!(a, bid_id("call-1", &org(LEAD)));
    assert_ne!(a, bid_id("call-2", &org(LEAD)));
    assert_ne!(a, bid_id("call-1", &org(ENT_A)));
    assert_eq!(a.get_version_num(), 5);
}

#[test]
fn a_bid_before_the_window_opens_is_refused() {
    on("2027-01-03")
        .given_no_previous_events()
        .when(submit_with(content()))
        .then_expect_error(BidError::OutsideWindow {
            opens_on: day("2027-01-04"),
            closes_on: day("2027-02-26"),
        });
}

#[test]
fn a_bid_on_the_last_day_is_accepted_and_the_day_after_refused() {
    let mut event = submitted();
    if let BidEvent::BidSubmitted { submitted_on, .. } = &mut event {
        *submitted_on = day("2027-02-26");
    }
    on("2027-02-26")
        .given_no_previous_events()
        .when(submit_with(content()))
        .then_expect_events(vec![event]);
    on("2027-02-27")
        .given_no_previous_events()
        .when(submit_with(content()))
        .then_expect_error(BidError::OutsideWindow {
            opens_on: day("2027-01-04"),
            closes_on: day("2027-02-26"),
        });
}

#[test]
fn a_bid_on_an_unpublished_call_is_refused() {
    let cmd = BidCommand::Submit(SubmitBid {
        call: closed_call(),
        lead: org(LEAD),
        lead_name: "x".into(),
        alias: "a".into(),
        content: content(),
        bars: vec![],
    });
    in_window()
        .given_no_previous_events()
        .when(cmd)
        .then_expect_error(BidError::CallNotPublished {
            status: "closed".into(),
        });
}

#[test]
fn a_second_live_bid_of_the_same_organisation_is_refused() {
    in_window()
        .given(vec![submitted()])
        .when(submit_with(content()))
        .then_expect_error(BidError::DuplicateLiveBid);
}

#[test]
fn a_withdrawn_bid_may_be_filed_again_in_the_same_stream() {
    in_window()
        .given(vec![
            submitted(),
            BidEvent::BidWithdrawn {
                reason: "重新组队".into(),
                withdrawn_on: day("2027-01-10"),
                cancelled_reviews: vec![],
            },
        ])
        .when(submit_with(content()))
        .then_expect_events(vec![submitted()]);
}

#[test]
fn a_request_above_the_cap_is_refused_and_the_cap_itself_allowed() {
    let mut c = content();
    c.requested = Money::from_fen(300_000_001);
    c.subtopics[0].budget_share = Money::from_fen(220_000_001);
    c.milestones[0].tranche = Money::from_fen(220_000_001);
    in_window()
        .given_no_previous_events()
        .when(submit_with(c))
        .then_expect_error(BidError::RequestOverCap {
            cap_fen: 300_000_000,
            asked_fen: 300_000_001,
        });
    let mut c = content();
    c.requested = Money::from_wan_yuan(300);
    c.subtopics[0].budget_share = Money::from_wan_yuan(220);
    c.milestones[0].tranche = Money::from_wan_yuan(220);
    let result = in_window()
        .given_no_previous_events()
        .when(submit_with(c))
        .inspect_result();
    assert!(result.is_ok());
}

#[test]
fn a_zero_request_is_refused() {
    let mut c = content();
    c.requested = Money::ZERO;
    in_window()
        .given_no_previous_events()
        .when(submit_with(c))
        .then_expect_error(BidError::RequestNotPositive);
}

#[test]
fn tranches_that_do_not_sum_to_the_request_are_refused() {
    let mut c = content();
    c.milestones[1].tranche = Money::from_fen(79_999_999);
    in_window()
        .given_no_previous_events()
        .when(submit_with(c))
        .then_expect_error(BidError::TranchesMismatch {
            requested_fen: 200_000_000,
            tranches_fen: 199_999_999,
        });
}

#[test]
fn a_bid_without_milestones_is_refused() {
    let mut c = content();
    c.milestones.clear();
    in_window()
        .given_no_previous_events()
        .when(submit_with(c))
        .then_expect_error(BidError::NoMilestones);
}

#[test]
fn a_zero_tranche_is_refused() {
    let mut c = content();
    c.milestones[0].tranche = Money::ZERO;
    in_window()
        .given_no_previous_events()
        .when(submit_with(c))
        .then_expect_error(BidError::TrancheNotPositive);
}

#[test]
fn milestones_out_of_date_order_are_refused() {
    let mut c = content();
    c.milestones.swap(0, 1);
    in_window()
        .given_no_previous_events()
        .when(submit_with(c))
        .then_expect_error(BidError::MilestonesOutOfOrder);
}

#[test]
fn a_milestone_after_the_completion_deadline_is_refused() {
    let mut c = content();
    c.milestones[1].due = day("2030-01-01");
    in_window()
        .given_no_previous_events()
        .when(submit_with(c))
        .then_expect_error(BidError::MilestoneAfterDeadline {
            due: day("2030-01-01"),
            completion_deadline: day("2029-12-31"),
        });
}

#[test]
fn a_joint_bid_without_an_agreement_is_refused() {
    let mut c = content();
    c.joint_agreement_ref = Some("  ".into());
    in_window()
        .given_no_previous_events()
        .when(submit_with(c))
        .then_expect_error(BidError::JointAgreementMissing);
}

#[test]
fn a_joint_bid_without_subtopics_is_refused() {
    let mut c = content();
    c.subtopics.clear();
    in_window()
        .given_no_previous_events()
        .when(submit_with(c))
        .then_expect_error(BidError::SubtopicsMissing);
}

#[test]
fn the_lead_listed_as_a_member_is_refused() {
    let mut c = content();
    c.members.push(Member {
        org: org(LEAD),
        name: "self".into(),
    });
    in_window()
        .given_no_previous_events()
        .when(submit_with(c))
        .then_expect_error(BidError::LeadListedAsMember);
}

#[test]
fn a_member_listed_twice_is_refused() {
    let mut c = content();
    c.members.push(Member {
        org: org(UNIV),
        name: "again".into(),
    });
    in_window()
        .given_no_previous_events()
        .when(submit_with(c))
        .then_expect_error(BidError::DuplicateMember(org(UNIV)));
}

#[test]
fn a_subtopic_given_to_an_outsider_is_refused() {
    let mut c = content();
    c.subtopics[1].responsible = org(ENT_B);
    in_window()
        .given_no_previous_events()
        .when(submit_with(c))
        .then_expect_error(BidError::SubtopicOutsideTeam {
            subtopic: "光酸体系".into(),
            org: org(ENT_B),
        });
}

#[test]
fn a_member_with_no_subtopic_is_refused() {
    let mut c = content();
    c.members.push(Member {
        org: org(INST),
        name: "某研究所".into(),
    });
    in_window()
        .given_no_previous_events()
        .when(submit_with(c))
        .then_expect_error(BidError::MemberWithoutSubtopic(org(INST)));
}

#[test]
fn a_subtopic_named_twice_is_refused() {
    let mut c = content();
    c.subtopics[1].title = "树脂合成".into();
    in_window()
        .given_no_previous_events()
        .when(submit_with(c))
        .then_expect_error(BidError::DuplicateSubtopic("树脂合成".into()));
}

#[test]
fn subtopic_shares_that_do_not_sum_to_the_request_are_refused() {
    let mut c = content();
    c.subtopics[1].budget_share = Money::from_wan_yuan(70);
    in_window()
        .given_no_previous_events()
        .when(submit_with(c))
        .then_expect_error(BidError::SubtopicSharesMismatch {
            requested_fen: 200_000_000,
            shares_fen: 190_000_000,
        });
}

#[test]
fn a_zero_subtopic_share_is_refused() {
    let mut c = content();
    c.subtopics[1].budget_share = Money::ZERO;
    in_window()
        .given_no_previous_events()
        .when(submit_with(c))
        .then_expect_error(BidError::SubtopicShareNotPositive);
}

#[test]
fn a_single_organisation_bid_needs_no_agreement_or_subtopics() {
    let mut c = content();
    c.members.clear();
    c.subtopics.clear();
    c.joint_agreement_ref = None;
    let result = in_window()
        .given_no_previous_events()
        .when(submit_with(c))
        .inspect_result();
    assert!(result.is_ok());
}

#[test]
fn a_barred_member_is_refused_with_the_bars_end() {
    let cmd = BidCommand::Submit(SubmitBid {
        call: call(),
        lead: org(LEAD),
        lead_name: "x".into(),
        alias: "a".into(),
        content: content(),
        bars: vec![ActiveBar {
            org: org(UNIV),
            until: day("2028-05-10"),
        }],
    });
    in_window()
        .given_no_previous_events()
        .when(cmd)
        .then_expect_error(BidError::OrganisationBarred {
            org: org(UNIV),
            until: day("2028-05-10"),
        });
}

#[test]
fn a_bid_without_a_title_is_refused() {
    let mut c = content();
    c.title = " ".into();
    in_window()
        .given_no_previous_events()
        .when(submit_with(c))
        .then_expect_error(BidError::Required("title"));
}

// ---- amend, attach, withdraw ----

fn amend(by: &str, content: BidContent) -> BidCommand {
    BidCommand::Amend {
        by: org(by),
        call: call(),
        content,
        bars: vec![],
    }
}

#[test]
fn the_owner_amends_inside_the_window() {
    let mut c = content();
    c.technical_plan = "改进后的方案".into();
    in_window()
        .given(vec![submitted()])
        .when(amend(LEAD, c.clone()))
        .then_expect_events(vec![BidEvent::BidAmended {
            content: c,
            revision: 2,
            amended_on: day("2027-01-10"),
        }]);
}

#[test]
fn an_amendment_that_changes_nothing_is_refused() {
    in_window()
        .given(vec![submitted()])
        .when(amend(LEAD, content()))
        .then_expect_error(BidError::NothingToAmend);
}

#[test]
fn someone_else_cannot_amend() {
    in_window()
        .given(vec![submitted()])
        .when(amend(ENT_A, content()))
        .then_expect_error(BidError::NotBidOwner);
}

#[test]
fn an_amendment_after_the_window_is_refused() {
    let mut c = content();
    c.technical_plan = "late".into();
    on("2027-02-27")
        .given(vec![submitted()])
        .when(amend(LEAD, c))
        .then_expect_error(BidError::OutsideWindow {
            opens_on: day("2027-01-04"),
            closes_on: day("2027-02-26"),
        });
}

#[test]
fn an_amendment_follows_the_same_content_rules() {
    let mut c = content();
    c.milestones[0].tranche = Money::from_wan_yuan(1);
    in_window()
        .given(vec![submitted()])
        .when(amend(LEAD, c))
        .then_expect_error(BidError::TranchesMismatch {
            requested_fen: 200_000_000,
            tranches_fen: 81_000_000,
        });
}

fn attachment(hash: &str) -> Attachment {
    Attachment {
        name: "plan.pdf".into(),
        content_type: "application/pdf".into(),
        size: 1024,
        sha256: hash.into(),
    }
}

const HASH: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

#[test]
fn the_owner_attaches_a_document_once() {
    let cmd = || BidCommand::Attach {
        by: org(LEAD),
        call: call(),
        attachment: attachment(HASH),
    };
    in_window()
        .given(vec![submitted()])
        .when(cmd())
        .then_expect_events(vec![BidEvent::AttachmentAdded {
            attachment: attachment(HASH),
            added_on: day("2027-01-10"),
        }]);
    in_window()
        .given(vec![
            submitted(),
            BidEvent::AttachmentAdded {
                attachment: attachment(HASH),
                added_on: day("2027-01-10"),
            },
        ])
        .when(cmd())
        .then_expect_error(BidError::AttachmentDuplicate);
}

#[test]
fn an_attachment_with_a_bad_hash_is_refused() {
    in_window()
        .given(vec![submitted()])
        .when(BidCommand::Attach {
            by: org(LEAD),
            call: call(),
            attachment: attachment("ABC"),
        })
        .then_expect_error(BidError::AttachmentHashInvalid);
}

#[test]
fn withdrawing_under_review_cancels_the_pending_assessments() {
    let mut given = under_review();
    given.push(assessed("r1", 80));
    after_window()
        .given(given)
        .when(BidCommand::Withdraw {
            by: org(LEAD),
            reason: "团队变动".into(),
        })
        .then_expect_events(vec![BidEvent::BidWithdrawn {
            reason: "团队变动".into(),
            withdrawn_on: day("2027-03-01"),
            cancelled_reviews: vec!["r2".into(), "r3".into()],
        }]);
}

#[test]
fn a_cleared_bid_may_still_be_withdrawn_but_an_awarded_one_not() {
    let result = after_window()
        .given(cleared())
        .when(BidCommand::Withdraw {
            by: org(LEAD),
            reason: "放弃".into(),
        })
        .inspect_result();
    assert!(result.is_ok());
    let mut given = cleared();
    given.push(BidEvent::BidAwarded {
        project_id: "p".into(),
        amount: Money::from_wan_yuan(200),
        lane: None,
    });
    after_window()
        .given(given)
        .when(BidCommand::Withdraw {
            by: org(LEAD),
            reason: "放弃".into(),
        })
        .then_expect_error(BidError::InvalidTransition {
            status: "awarded",
            action: "withdraw",
        });
}

#[test]
fn only_the_owner_withdraws() {
    in_window()
        .given(vec![submitted()])
        .when(BidCommand::Withdraw {
            by: org(UNIV),
            reason: "x".into(),
        })
        .then_expect_error(BidError::NotBidOwner);
}

// ---- formal check ----

#[test]
fn the_formal_check_waits_for_the_window_to_close() {
    on("2027-02-26")
        .given(vec![submitted()])
        .when(BidCommand::RecordFormalCheck {
            call: call(),
            passed: true,
            defects: vec![],
        })
        .then_expect_error(BidError::WindowStillOpen {
            closes_on: day("2027-02-26"),
        });
}

#[test]
fn the_formal_check_passes_after_the_window() {
    after_window()
        .given(vec![submitted()])
        .when(BidCommand::RecordFormalCheck {
            call: closed_call(),
            passed: true,
            defects: vec![],
        })
        .then_expect_events(vec![BidEvent::FormalCheckPassed {
            checked_on: day("2027-03-01"),
        }]);
}

#[test]
fn a_failed_formal_check_lists_defects() {
    after_window()
        .given(vec![submitted()])
        .when(BidCommand::RecordFormalCheck {
            call: closed_call(),
            passed: false,
            defects: vec!["缺少联合揭榜协议原件".into()],
        })
        .then_expect_events(vec![BidEvent::FormalCheckFailed {
            defects: vec!["缺少联合揭榜协议原件".into()],
            checked_on: day("2027-03-01"),
        }]);
    after_window()
        .given(vec![submitted()])
        .when(BidCommand::RecordFormalCheck {
            call: closed_call(),
            passed: false,
            defects: vec![],
        })
        .then_expect_error(BidError::FormalCheckDefects);
}

// ---- reviewers ----

#[test]
fn three_unconflicted_reviewers_are_seated() {
    after_window()
        .given(compliant())
        .when(BidCommand::AssignReviewers(AssignReviewers {
            reviewers: panel(),
        }))
        .then_expect_events(vec![BidEvent::ReviewersAssigned { reviewers: panel() }]);
}

#[test]
fn fewer_than_three_reviewers_are_refused() {
    after_window()
        .given(compliant())
        .when(BidCommand::AssignReviewers(AssignReviewers {
            reviewers: panel()[..2].to_vec(),
        }))
        .then_expect_error(BidError::TooFewReviewers { min: 3, seated: 2 });
}

#[test]
fn a_reviewer_from_a_member_is_refused_for_conflict() {
    let mut reviewers = panel();
    reviewers.push(reviewer("r4", UNIV));
    after_window()
        .given(compliant())
        .when(BidCommand::AssignReviewers(AssignReviewers { reviewers }))
        .then_expect_error(BidError::ReviewerConflict {
            reviewer: "r4".into(),
            org: org(UNIV),
        });
}

#[test]
fn a_fourth_reviewer_from_the_lead_is_refused_for_conflict() {
    after_window()
        .given(under_review())
        .when(BidCommand::AssignReviewers(AssignReviewers {
            reviewers: vec![reviewer("r4", LEAD)],
        }))
        .then_expect_error(BidError::ReviewerConflict {
            reviewer: "r4".into(),
            org: org(LEAD),
        });
}

#[test]
fn reviewers_cannot_be_assigned_before_the_formal_check() {
    after_window()
        .given(vec![submitted()])
        .when(BidCommand::AssignReviewers(AssignReviewers {
            reviewers: panel(),
        }))
        .then_expect_error(BidError::InvalidTransition {
            status: "submitted",
            action: "assign reviewers to",
        });
}

#[test]
fn a_reviewer_listed_twice_is_refused() {
    let mut reviewers = panel();
    reviewers.push(reviewer("r1", ENT_A));
    after_window()
        .given(compliant())
        .when(BidCommand::AssignReviewers(AssignReviewers { reviewers }))
        .then_expect_error(BidError::DuplicateReviewer("r1".into()));
}

fn recused_r3() -> Vec<BidEvent> {
    let mut e = under_review();
    e.push(BidEvent::ReviewerRecused {
        reviewer: "r3".into(),
        reason: "曾与牵头单位合作".into(),
    });
    e
}

#[test]
fn a_recusal_is_recorded_and_needs_a_replacement_before_conclusion() {
    after_window()
        .given(under_review())
        .when(BidCommand::Recuse {
            reviewer: "r3".into(),
            reviewer_org: seat_org("r3"),
            reason: "曾与牵头单位合作".into(),
        })
        .then_expect_events(vec![BidEvent::ReviewerRecused {
            reviewer: "r3".into(),
            reason: "曾与牵头单位合作".into(),
        }]);
    let mut given = recused_r3();
    given.extend([assessed("r1", 80), assessed("r2", 80)]);
    after_window()
        .given(given)
        .when(BidCommand::ConcludeReview {
            recommended: true,
            note: String::new(),
        })
        .then_expect_error(BidError::TooFewReviewers { min: 3, seated: 2 });
}

#[test]
fn a_replacement_takes_the_recused_seat_and_the_recused_cannot_return() {
    after_window()
        .given(recused_r3())
        .when(BidCommand::AssignReviewers(AssignReviewers {
            reviewers: vec![reviewer("r5", INST)],
        }))
        .then_expect_events(vec![BidEvent::ReviewersAssigned {
            reviewers: vec![reviewer("r5", INST)],
        }]);
    after_window()
        .given(recused_r3())
        .when(BidCommand::AssignReviewers(AssignReviewers {
            reviewers: vec![reviewer("r3", INST)],
        }))
        .then_expect_error(BidError::ReviewerRecusedEarlier("r3".into()));
}

#[test]
fn a_recused_reviewer_cannot_assess() {
    after_window()
        .given(recused_r3())
        .when(BidCommand::Assess(assess("r3", 70)))
        .then_expect_error(BidError::NotAssignedReviewer("r3".into()));
}

// ---- assessments ----

#[test]
fn an_assigned_reviewer_assesses_with_weighted_scores() {
    let mut a = assess("r1", 80);
    a.scores[0].1 = 100; // technical_approach, weight 30
    let mut expected = assessed("r1", 80);
    if let BidEvent::AssessmentRecorded { assessment } = &mut expected {
        assessment.scores[0].score = 100;
        assessment.weighted_score_x100 = 100 * 30 + 80 * 70;
    }
    after_window()
        .given(under_review())
        .when(BidCommand::Assess(a))
        .then_expect_events(vec![expected]);
}

#[test]
fn a_second_assessment_without_a_correction_is_refused() {
    let mut given = under_review();
    given.push(assessed("r1", 80));
    after_window()
        .given(given)
        .when(BidCommand::Assess(assess("r1", 90)))
        .then_expect_error(BidError::AlreadyAssessed("r1".into()));
}

#[test]
fn a_correction_supersedes_with_a_reason() {
    let mut given = under_review();
    given.push(assessed("r1", 80));
    let BidEvent::AssessmentRecorded { assessment } = assessed("r1", 60) else {
        unreachable!()
    };
    after_window()
        .given(given)
        .when(BidCommand::CorrectAssessment {
            assessment: assess("r1", 60),
            reason: "误读预算表".into(),
        })
        .then_expect_events(vec![BidEvent::AssessmentCorrected {
            assessment,
            reason: "误读预算表".into(),
        }]);
}

#[test]
fn a_correction_without_an_assessment_or_reason_is_refused() {
    after_window()
        .given(under_review())
        .when(BidCommand::CorrectAssessment {
            assessment: assess("r1", 60),
            reason: "x".into(),
        })
        .then_expect_error(BidError::NothingToCorrect("r1".into()));
    let mut given = under_review();
    given.push(assessed("r1", 80));
    after_window()
        .given(given)
        .when(BidCommand::CorrectAssessment {
            assessment: assess("r1", 60),
            reason: " ".into(),
        })
        .then_expect_error(BidError::Required("reason"));
}

#[test]
fn an_unassigned_reviewer_cannot_assess() {
    after_window()
        .given(under_review())
        .when(BidCommand::Assess(assess("r9", 80)))
        .then_expect_error(BidError::NotAssignedReviewer("r9".into()));
}

#[test]
fn a_seat_is_the_expert_and_the_organisation_they_were_seated_with() {
    // r1 is seated for ENT_A; the same sub on a token of another organisation (ENT_B, r2's), or on a
    // token naming no organisation, is someone else.
    let mut a = assess("r1", 80);
    a.reviewer_org = Some(org(ENT_B));
    after_window()
        .given(under_review())
        .when(BidCommand::Assess(a.clone()))
        .then_expect_error(BidError::NotSeated("r1".into()));
    a.reviewer_org = None;
    after_window()
        .given(under_review())
        .when(BidCommand::Assess(a))
        .then_expect_error(BidError::NotSeated("r1".into()));
    after_window()
        .given(under_review())
        .when(BidCommand::Recuse {
            reviewer: "r1".into(),
            reviewer_org: Some(org(ENT_B)),
            reason: "x".into(),
        })
        .then_expect_error(BidError::NotSeated("r1".into()));
    let mut given = under_review();
    given.push(assessed("r1", 80));
    after_window()
        .given(given)
        .when(BidCommand::CorrectAssessment {
            assessment: AssessBid {
                reviewer_org: Some(org(ENT_B)),
                ..assess("r1", 70)
            },
            reason: "更正".into(),
        })
        .then_expect_error(BidError::NotSeated("r1".into()));
    after_window()
        .given(under_review())
        .when(BidCommand::Assess(assess("r1", 80)))
        .then_expect_events(vec![assessed("r1", 80)]);
}

#[test]
fn a_reviewer_whose_token_names_a_team_organisation_is_refused() {
    let mut a = assess("r1", 80);
    a.reviewer_org = Some(org(UNIV));
    after_window()
        .given(under_review())
        .when(BidCommand::Assess(a))
        .then_expect_error(BidError::ReviewerConflict {
            reviewer: "r1".into(),
            org: org(UNIV),
        });
}

#[test]
fn scores_must_cover_each_criterion_once_within_0_to_100() {
    let mut a = assess("r1", 80);
    a.scores.pop();
    after_window()
        .given(under_review())
        .when(BidCommand::Assess(a))
        .then_expect_error(BidError::CriterionNotScoredOnce("budget".into()));
    let mut a = assess("r1", 80);
    a.scores[0].1 = 101;
    after_window()
        .given(under_review())
        .when(BidCommand::Assess(a))
        .then_expect_error(BidError::ScoreOutOfRange {
            criterion: "technical_approach".into(),
            score: 101,
        });
    let mut a = assess("r1", 80);
    a.scores.push(("charisma".into(), 90));
    after_window()
        .given(under_review())
        .when(BidCommand::Assess(a))
        .then_expect_error(BidError::UnknownCriterion("charisma".into()));
}

#[test]
fn an_oral_defence_is_recorded_once() {
    let cmd = || BidCommand::RecordDefence {
        held_on: day("2027-03-10"),
        panel: vec!["王五".into()],
        summary: "答辩通过".into(),
    };
    after_window()
        .given(under_review())
        .when(cmd())
        .then_expect_events(vec![BidEvent::DefenceHeld {
            held_on: day("2027-03-10"),
            panel: vec!["王五".into()],
            summary: "答辩通过".into(),
        }]);
    let mut given = under_review();
    given.push(BidEvent::DefenceHeld {
        held_on: day("2027-03-10"),
        panel: vec!["王五".into()],
        summary: "答辩通过".into(),
    });
    after_window()
        .given(given)
        .when(cmd())
        .then_expect_error(BidError::DefenceAlreadyRecorded);
}

// ---- conclusion and opinion ----

#[test]
fn the_review_concludes_with_the_mean_of_the_weighted_scores() {
    after_window()
        .given(all_assessed())
        .when(BidCommand::ConcludeReview {
            recommended: true,
            note: "推荐".into(),
        })
        .then_expect_events(vec![BidEvent::ReviewConcluded {
            mean_score_x100: 8500,
            assessments_counted: 3,
            recommended: true,
            note: "推荐".into(),
        }]);
}

#[test]
fn the_review_cannot_conclude_while_an_assessment_is_missing() {
    let mut given = under_review();
    given.extend([assessed("r1", 80), assessed("r2", 85)]);
    after_window()
        .given(given)
        .when(BidCommand::ConcludeReview {
            recommended: true,
            note: String::new(),
        })
        .then_expect_error(BidError::AssessmentsMissing { missing: 1 });
}

#[test]
fn the_demand_owner_records_an_opinion_once_and_nobody_else_can() {
    let cmd = |by: &str| BidCommand::RecordDemandOwnerOpinion {
        by: org(by),
        call: closed_call(),
        supports: true,
        opinion: "技术路线符合需求".into(),
    };
    after_window()
        .given(reviewed())
        .when(cmd(OWNER))
        .then_expect_events(vec![BidEvent::DemandOwnerOpinionRecorded {
            supports: true,
            opinion: "技术路线符合需求".into(),
        }]);
    after_window()
        .given(reviewed())
        .when(cmd(ENT_A))
        .then_expect_error(BidError::NotDemandOwner);
    let mut given = reviewed();
    given.push(BidEvent::DemandOwnerOpinionRecorded {
        supports: true,
        opinion: "x".into(),
    });
    after_window()
        .given(given)
        .when(cmd(OWNER))
        .then_expect_error(BidError::OpinionAlreadyRecorded);
}

// ---- public notice ----

#[test]
fn a_seven_day_notice_counted_inclusively_starts() {
    on("2027-03-31")
        .given(reviewed())
        .when(BidCommand::StartPublicNotice {
            from: day("2027-04-01"),
            to: day("2027-04-07"),
        })
        .then_expect_events(vec![BidEvent::PublicNoticeStarted {
            from: day("2027-04-01"),
            to: day("2027-04-07"),
        }]);
}

#[test]
fn a_notice_shorter_than_seven_days_is_refused() {
    on("2027-03-31")
        .given(reviewed())
        .when(BidCommand::StartPublicNotice {
            from: day("2027-04-01"),
            to: day("2027-04-06"),
        })
        .then_expect_error(BidError::NoticeTooShort {
            min_days: 7,
            days: 6,
        });
}

#[test]
fn a_notice_cannot_start_in_the_past_or_for_an_unrecommended_bid() {
    on("2027-04-02")
        .given(reviewed())
        .when(BidCommand::StartPublicNotice {
            from: day("2027-04-01"),
            to: day("2027-04-07"),
        })
        .then_expect_error(BidError::NoticeStartsInPast);
    let mut given = all_assessed();
    given.push(BidEvent::ReviewConcluded {
        mean_score_x100: 8500,
        assessments_counted: 3,
        recommended: false,
        note: "不推荐".into(),
    });
    on("2027-03-31")
        .given(given)
        .when(BidCommand::StartPublicNotice {
            from: day("2027-04-01"),
            to: day("2027-04-07"),
        })
        .then_expect_error(BidError::InvalidTransition {
            status: "not_recommended",
            action: "publicly notice",
        });
}

#[test]
fn a_named_objection_during_the_notice_is_filed() {
    let BidEvent::ObjectionFiled { objection: o } = objected().pop().unwrap() else {
        unreachable!()
    };
    on("2027-04-03")
        .given(in_notice())
        .when(BidCommand::FileObjection(objection()))
        .then_expect_events(vec![BidEvent::ObjectionFiled { objection: o }]);
}

#[test]
fn an_objection_outside_the_notice_is_refused() {
    for date in ["2027-03-31", "2027-04-08"] {
        on(date)
            .given(in_notice())
            .when(BidCommand::FileObjection(objection()))
            .then_expect_error(BidError::ObjectionOutsideNotice {
                from: day("2027-04-01"),
                to: day("2027-04-07"),
            });
    }
}

#[test]
fn an_anonymous_objection_is_refused() {
    for name in ["", "  ", "匿名", "Anonymous"] {
        let mut o = objection();
        o.objector_name = name.into();
        on("2027-04-03")
            .given(in_notice())
            .when(BidCommand::FileObjection(o))
            .then_expect_error(BidError::AnonymousObjection);
    }
}

#[test]
fn a_dismissed_objection_leaves_the_bid_in_notice() {
    on("2027-04-05")
        .given(objected())
        .when(BidCommand::ResolveObjection {
            no: 1,
            upheld: false,
            reason: "经核查不属实".into(),
        })
        .then_expect_events(vec![BidEvent::ObjectionResolved {
            no: 1,
            upheld: false,
            reason: "经核查不属实".into(),
        }]);
}

#[test]
fn an_upheld_objection_disqualifies_the_bid() {
    on("2027-04-05")
        .given(objected())
        .when(BidCommand::ResolveObjection {
            no: 1,
            upheld: true,
            reason: "属实".into(),
        })
        .then_expect_events(vec![
            BidEvent::ObjectionResolved {
                no: 1,
                upheld: true,
                reason: "属实".into(),
            },
            BidEvent::BidDisqualified { objection_no: 1 },
        ]);
}

#[test]
fn an_objection_is_resolved_once_and_must_exist() {
    let mut given = objected();
    given.push(BidEvent::ObjectionResolved {
        no: 1,
        upheld: false,
        reason: "x".into(),
    });
    on("2027-04-05")
        .given(given)
        .when(BidCommand::ResolveObjection {
            no: 1,
            upheld: true,
            reason: "y".into(),
        })
        .then_expect_error(BidError::ObjectionAlreadyResolved(1));
    on("2027-04-05")
        .given(objected())
        .when(BidCommand::ResolveObjection {
            no: 2,
            upheld: true,
            reason: "y".into(),
        })
        .then_expect_error(BidError::UnknownObjection(2));
}

#[test]
fn the_notice_ends_only_after_its_last_day_with_nothing_pending() {
    on("2027-04-07")
        .given(in_notice())
        .when(BidCommand::EndPublicNotice)
        .then_expect_error(BidError::NoticeNotOver {
            to: day("2027-04-07"),
        });
    on("2027-04-08")
        .given(objected())
        .when(BidCommand::EndPublicNotice)
        .then_expect_error(BidError::ObjectionsPending(1));
    on("2027-04-08")
        .given(in_notice())
        .when(BidCommand::EndPublicNotice)
        .then_expect_events(vec![BidEvent::PublicNoticeEnded {
            ended_on: day("2027-04-08"),
        }]);
}

// ---- award outcome ----

#[test]
fn a_cleared_bid_is_awarded_up_to_its_request() {
    on("2027-05-01")
        .given(cleared())
        .when(BidCommand::MarkAwarded {
            project_id: "p1".into(),
            amount: Money::from_wan_yuan(150),
            lane: Some(1),
        })
        .then_expect_events(vec![BidEvent::BidAwarded {
            project_id: "p1".into(),
            amount: Money::from_wan_yuan(150),
            lane: Some(1),
        }]);
    on("2027-05-01")
        .given(cleared())
        .when(BidCommand::MarkAwarded {
            project_id: "p1".into(),
            amount: Money::from_fen(200_000_001),
            lane: None,
        })
        .then_expect_error(BidError::AwardAmountInvalid {
            amount_fen: 200_000_001,
            requested_fen: 200_000_000,
        });
}

#[test]
fn an_uncleared_bid_cannot_be_awarded_but_can_be_not_selected() {
    on("2027-05-01")
        .given(reviewed())
        .when(BidCommand::MarkAwarded {
            project_id: "p1".into(),
            amount: Money::from_wan_yuan(100),
            lane: None,
        })
        .then_expect_error(BidError::InvalidTransition {
            status: "reviewed",
            action: "award",
        });
    on("2027-05-01")
        .given(reviewed())
        .when(BidCommand::MarkNotSelected)
        .then_expect_events(vec![BidEvent::BidNotSelected]);
}
