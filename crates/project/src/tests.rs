use cqrs_es::test::TestFramework;
use kernel::{Money, OrgCode};

use crate::*;

fn create() -> CreateFromAward {
    CreateFromAward {
        challenge_id: "c1".into(),
        bid_id: "b1".into(),
        lead: OrgCode::parse("91320583MA1KC00109").unwrap(),
        members: vec![OrgCode::parse("123200004660000105").unwrap()],
        award_amount: Money::from_wan_yuan(150),
        lane: Some(2),
    }
}

fn awarded() -> ProjectEvent {
    let c = create();
    ProjectEvent::ProjectAwarded {
        challenge_id: c.challenge_id,
        bid_id: c.bid_id,
        lead: c.lead,
        members: c.members,
        award_amount: c.award_amount,
        lane: c.lane,
    }
}

#[test]
fn a_project_is_created_from_an_award() {
    TestFramework::<Project>::with(())
        .given_no_previous_events()
        .when(ProjectCommand::CreateFromAward(create()))
        .then_expect_events(vec![awarded()]);
}

#[test]
fn a_second_creation_is_refused() {
    TestFramework::<Project>::with(())
        .given(vec![awarded()])
        .when(ProjectCommand::CreateFromAward(create()))
        .then_expect_error(ProjectError::AlreadyCreated);
}

#[test]
fn a_zero_award_is_refused() {
    let mut c = create();
    c.award_amount = Money::ZERO;
    TestFramework::<Project>::with(())
        .given_no_previous_events()
        .when(ProjectCommand::CreateFromAward(c))
        .then_expect_error(ProjectError::AwardNotPositive);
}
