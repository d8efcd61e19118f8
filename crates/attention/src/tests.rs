use cqrs_es::test::TestFramework;

use crate::*;

type Framework = TestFramework<AttentionItem>;

fn cause() -> CauseRef {
    CauseRef {
        aggregate_type: "project".into(),
        aggregate_id: "p-1".into(),
        sequence: 9,
        event_type: "RecoveryReferred".into(),
    }
}

fn refused() -> AttentionEvent {
    AttentionEvent::ReactionRefused {
        reactor: "open_clawback_for_project_recovery".into(),
        cause: cause(),
        code: "amount_above_recoverable".into(),
        detail: "too much".into(),
    }
}

fn refusal() -> AttentionCommand {
    AttentionCommand::RecordRefusal {
        reactor: "open_clawback_for_project_recovery".into(),
        cause: cause(),
        code: "amount_above_recoverable".into(),
        detail: "too much".into(),
    }
}

#[test]
fn a_refused_reaction_opens_an_item() {
    Framework::with(())
        .given_no_previous_events()
        .when(refusal())
        .then_expect_events(vec![refused()]);
}

#[test]
fn a_second_refusal_while_open_records_nothing_new() {
    Framework::with(())
        .given(vec![refused()])
        .when(refusal())
        .then_expect_events(vec![]);
}

#[test]
fn an_officer_retries_an_open_item_and_a_refused_retry_reopens_it() {
    Framework::with(())
        .given(vec![refused()])
        .when(AttentionCommand::RequestRetry { by: "o-1".into() })
        .then_expect_events(vec![AttentionEvent::RetryRequested { by: "o-1".into() }]);
    Framework::with(())
        .given(vec![
            refused(),
            AttentionEvent::RetryRequested { by: "o-1".into() },
        ])
        .when(refusal())
        .then_expect_events(vec![refused()]);
}

#[test]
fn a_retry_that_runs_resolves_the_item() {
    Framework::with(())
        .given(vec![
            refused(),
            AttentionEvent::RetryRequested { by: "o-1".into() },
        ])
        .when(AttentionCommand::RecordResolved)
        .then_expect_events(vec![AttentionEvent::ReactionResolved]);
}

#[test]
fn a_dismissal_needs_a_reason() {
    Framework::with(())
        .given(vec![refused()])
        .when(AttentionCommand::Dismiss {
            by: "o-1".into(),
            reason: " ".into(),
        })
        .then_expect_error(AttentionError::ReasonRequired);
}

#[test]
fn a_dismissed_item_can_be_neither_retried_nor_dismissed_again() {
    let dismissed = AttentionEvent::ItemDismissed {
        by: "o-1".into(),
        reason: "已人工处理".into(),
    };
    Framework::with(())
        .given(vec![refused(), dismissed.clone()])
        .when(AttentionCommand::RequestRetry { by: "o-2".into() })
        .then_expect_error(AttentionError::InvalidTransition {
            status: "dismissed",
            action: "retry",
        });
    Framework::with(())
        .given(vec![refused(), dismissed])
        .when(AttentionCommand::Dismiss {
            by: "o-2".into(),
            reason: "again".into(),
        })
        .then_expect_error(AttentionError::InvalidTransition {
            status: "dismissed",
            action: "dismiss",
        });
}

#[test]
fn only_an_open_item_can_be_retried() {
    Framework::with(())
        .given_no_previous_events()
        .when(AttentionCommand::RequestRetry { by: "o-1".into() })
        .then_expect_error(AttentionError::InvalidTransition {
            status: "none",
            action: "retry",
        });
}
