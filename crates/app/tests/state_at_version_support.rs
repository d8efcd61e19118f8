//! Time travel is faithful for support applications: for random sequences of valid and refused
//! commands, the state the audit registry rebuilds at version N equals the live application
//! right after the command that wrote event N, on both stores.
//!
//! One step in four is any command at all (most are refused where they land); the others take
//! the next step of the life cycle from the live state.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod time_travel;

use std::sync::Arc;

use chrono::{NaiveDate, TimeDelta};
use kernel::{ActiveBar, Money, OrgCode};
use store::Backend;
use support::{
    ApplySupport, DecideSupport, Evidence, Outcome, SupportApplication, SupportCatalogue,
    SupportCommand, SupportServices, SupportStatus,
};
use time_travel::{rebuilt_equals_live, Script, Step};

const BENEFICIARY: &str = "91320583MA1KC00296";

type S = SupportCommand;

const INSTRUMENTS: [&str; 4] = [
    "tech_transfer_post_subsidy",
    "science_insurance_premium_subsidy",
    "incubator_performance_reward",
    "new_rd_institution_support",
];

fn org() -> OrgCode {
    OrgCode::parse(BENEFICIARY).unwrap()
}

fn bars(n: u8, today: NaiveDate) -> Vec<ActiveBar> {
    // A bar in force when n is 11: refused.
    if n == 11 {
        vec![ActiveBar {
            org: org(),
            until: today + TimeDelta::days(30),
        }]
    } else {
        Vec::new()
    }
}

fn apply(n: u8, today: NaiveDate) -> S {
    let instrument = INSTRUMENTS[usize::from(n % 4)];
    let catalogue = SupportCatalogue::kunshan();
    let required = &catalogue.get(instrument).unwrap().evidence_required;
    // Leaving out the last required evidence when n is 15: refused.
    let keep = if n == 15 {
        required.len() - 1
    } else {
        required.len()
    };
    S::Apply(ApplySupport {
        instrument: instrument.into(),
        beneficiary: org(),
        year: (n == 14).then_some(2099),
        base: Money::from_wan_yuan(i64::from(n % 8) * 300 + 100),
        evidence: required[..keep]
            .iter()
            .map(|k| Evidence {
                kind: k.clone(),
                reference: format!("{k}-{n}"),
            })
            .collect(),
        applied_by: "applicant-1".into(),
        bars: bars(n, today),
    })
}

fn verify(n: u8, live: &SupportApplication) -> S {
    let claimed = live.claimed_base;
    S::VerifyBase {
        verified_base: match n % 4 {
            0 => Money::from_fen(claimed.fen() / 2),
            // A raise is refused.
            1 if n == 13 => Money::from_fen(claimed.fen() + 1),
            _ => claimed,
        },
        // A reduction without a reason when n is 12: refused.
        reason: (n != 12).then(|| "部分发票不符".to_string()),
        verified_by: "officer-1".into(),
    }
}

fn decide(n: u8, today: NaiveDate) -> S {
    let outcome = match n % 5 {
        0 => Outcome::Refuse {
            reason: if n == 10 {
                String::new()
            } else {
                "不符合条件".into()
            },
        },
        1 => Outcome::Grant {
            rate_bp: None,
            case_by_case: Some(format!("昆科议〔2027〕{n}号")),
        },
        2 => Outcome::Grant {
            // Above every ceiling and unlike every fixed rate: refused.
            rate_bp: Some(if n == 12 { 10_001 } else { 300 }),
            case_by_case: None,
        },
        _ => Outcome::Grant {
            rate_bp: None,
            case_by_case: None,
        },
    };
    S::Decide(DecideSupport {
        outcome,
        decided_by: "officer-1".into(),
        already_granted: Money::from_wan_yuan(i64::from(n % 4) * 20),
        bars: bars(n, today),
    })
}

fn approve(n: u8, today: NaiveDate) -> S {
    S::ApproveCaseByCase {
        // The proposing officer is refused.
        approved_by: if n.is_multiple_of(3) {
            "officer-1".into()
        } else {
            "officer-2".into()
        },
        already_granted: Money::from_wan_yuan(48),
        bars: bars(n, today),
    }
}

fn disburse(n: u8, live: &SupportApplication, today: NaiveDate) -> S {
    let left = live.granted.fen() - live.disbursed.fen();
    S::Disburse {
        amount: Money::from_fen(match n {
            15 => left + 1,
            _ if n.is_multiple_of(2) => left,
            _ => (left / 2).max(1),
        }),
        tranche_ref: format!("拨付-{n}"),
        paid_on: if n == 13 {
            today + TimeDelta::days(1)
        } else {
            today
        },
    }
}

fn refer(n: u8, live: &SupportApplication) -> S {
    let left = live.disbursed.fen() - live.referred.fen();
    S::ReferRecovery {
        amount: Money::from_fen(if n == 15 { left + 1 } else { (left / 2).max(1) }),
        reason: "关联交易".into(),
        decision_ref: if n == 14 {
            String::new()
        } else {
            format!("昆科追〔2027〕{n}号")
        },
        referred_by: "officer-1".into(),
    }
}

fn any(which: u8, n: u8, live: &SupportApplication, today: NaiveDate) -> Step<S> {
    Step::Run(match which % 8 {
        0 => apply(n, today),
        1 => verify(n, live),
        2 => decide(n, today),
        3 => approve(n, today),
        4 => disburse(n, live, today),
        5 => refer(n, live),
        6 => return Step::Wait(TimeDelta::days(i64::from(n) * 20)),
        _ => return Step::Wait(TimeDelta::days(1)),
    })
}

fn step(kind: u8, n: u8, live: &SupportApplication, today: NaiveDate) -> Step<S> {
    if kind.is_multiple_of(4) {
        return any(kind / 4, n, live, today);
    }
    Step::Run(match live.status {
        SupportStatus::New => apply(n, today),
        SupportStatus::Applied => verify(n, live),
        SupportStatus::BaseVerified => decide(n, today),
        SupportStatus::AwaitingApproval => approve(n, today),
        SupportStatus::Granted | SupportStatus::PartiallyDisbursed => disburse(n, live, today),
        SupportStatus::Disbursed | SupportStatus::RecoveryReferred => refer(n, live),
        SupportStatus::Refused => return any(n, n, live, today),
    })
}

fn script() -> Script<SupportApplication> {
    Script {
        start: "2027-03-01T01:00:00Z",
        services: |clock| {
            SupportServices::new(Arc::new(clock), Arc::new(SupportCatalogue::kunshan()))
        },
        step,
        kinds: 32,
        length: 1..24,
        pace_days: 1,
        min_events: 100,
        must_reach: &[
            "SupportApplied",
            "BaseVerified",
            "CaseByCaseProposed",
            "SupportGranted",
            "SupportRefused",
            "TrancheDisbursed",
            "RecoveryReferred",
        ],
    }
}

#[test]
fn support_application_state_at_each_version_equals_the_live_state_on_sqlite() {
    rebuilt_equals_live(Backend::Sqlite, script());
}

#[test]
fn support_application_state_at_each_version_equals_the_live_state_on_postgres() {
    rebuilt_equals_live(Backend::Postgres, script());
}
