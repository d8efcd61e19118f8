use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use cqrs_es::test::TestFramework;
use kernel::{ActiveBar, FixedClock, Money, OrgCode};

use crate::*;

type Framework = TestFramework<SupportApplication>;

const BROKER: &str = "91320583MA1KC00296";
const OFFICER: &str = "officer-1";
const SECOND: &str = "officer-2";
const BROKER_SUBSIDY: &str = "tech_transfer_post_subsidy";
const PREMIUM: &str = "science_insurance_premium_subsidy";
const NRDI: &str = "new_rd_institution_support";

fn day(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

fn wan(n: i64) -> Money {
    Money::from_wan_yuan(n)
}

fn broker() -> OrgCode {
    OrgCode::parse(BROKER).unwrap()
}

/// A framework whose clock reads `at` (RFC 3339).
fn at(instant: &str) -> Framework {
    let now: DateTime<Utc> = DateTime::parse_from_rfc3339(instant).unwrap().into();
    Framework::with(SupportServices::new(
        Arc::new(FixedClock::new(now)),
        Arc::new(SupportCatalogue::kunshan()),
    ))
}

/// 10:00 Shanghai on `date`.
fn on(date: &str) -> Framework {
    at(&format!("{date}T10:00:00+08:00"))
}

fn evidence(kinds: &[&str]) -> Vec<Evidence> {
    kinds
        .iter()
        .map(|k| Evidence {
            kind: k.to_string(),
            reference: format!("{k}-2027-001"),
        })
        .collect()
}

fn broker_evidence() -> Vec<Evidence> {
    evidence(&["contract", "invoice", "treasury_receipt"])
}

fn apply_cmd(instrument: &str, base: Money, ev: Vec<Evidence>) -> SupportCommand {
    SupportCommand::Apply(ApplySupport {
        instrument: instrument.into(),
        beneficiary: broker(),
        year: None,
        base,
        evidence: ev,
        applied_by: "applicant-broker".into(),
        bars: vec![],
    })
}

fn applied(instrument: &str, year: i32, base: Money) -> SupportEvent {
    let catalogue = SupportCatalogue::kunshan();
    let inst = catalogue.get(instrument).unwrap();
    SupportEvent::SupportApplied {
        instrument: instrument.into(),
        beneficiary: broker(),
        year,
        period: inst.period_key(year),
        base,
        evidence: inst
            .evidence_required
            .iter()
            .map(|k| Evidence {
                kind: k.clone(),
                reference: format!("{k}-1"),
            })
            .collect(),
        applied_by: "applicant-broker".into(),
        applied_on: day(&format!("{year}-03-01")),
    }
}

fn verified(base: Money) -> SupportEvent {
    SupportEvent::BaseVerified {
        claimed: base,
        verified: base,
        reason: None,
        verified_by: OFFICER.into(),
        verified_on: day("2027-03-02"),
    }
}

fn grant(rate_bp: Option<u32>, already: Money) -> SupportCommand {
    SupportCommand::Decide(DecideSupport {
        outcome: Outcome::Grant {
            rate_bp,
            case_by_case: None,
        },
        decided_by: OFFICER.into(),
        already_granted: already,
        bars: vec![],
    })
}

// Each field of the event is one argument, so a test reads like the event it expects.
#[allow(clippy::too_many_arguments)]
fn granted_event(
    instrument: &str,
    year: i32,
    rate_bp: u32,
    computed: Money,
    cap: Option<Money>,
    already: Money,
    granted: Money,
    decided_on: &str,
) -> SupportEvent {
    let catalogue = SupportCatalogue::kunshan();
    SupportEvent::SupportGranted {
        instrument: instrument.into(),
        beneficiary: broker(),
        year,
        period: catalogue.get(instrument).unwrap().period_key(year),
        rate_bp,
        computed,
        cap,
        already_granted: already,
        granted,
        capped: granted < computed,
        case_by_case: None,
        decided_by: OFFICER.into(),
        decided_on: day(decided_on),
    }
}

// ---- apply ----

#[test]
fn an_application_with_its_evidence_is_filed_for_the_shanghai_year() {
    // 2027-12-31 16:30 UTC is already 1 January 2028 in Shanghai.
    at("2027-12-31T16:30:00Z")
        .given_no_previous_events()
        .when(apply_cmd(BROKER_SUBSIDY, wan(100), broker_evidence()))
        .then_expect_events(vec![SupportEvent::SupportApplied {
            instrument: BROKER_SUBSIDY.into(),
            beneficiary: broker(),
            year: 2028,
            period: "2028".into(),
            base: wan(100),
            evidence: broker_evidence(),
            applied_by: "applicant-broker".into(),
            applied_on: day("2028-01-01"),
        }]);
}

#[test]
fn an_application_without_the_treasury_receipt_is_refused() {
    on("2027-03-01")
        .given_no_previous_events()
        .when(apply_cmd(
            BROKER_SUBSIDY,
            wan(100),
            evidence(&["contract", "invoice"]),
        ))
        .then_expect_error(SupportError::EvidenceMissing("treasury_receipt".into()));
}

#[test]
fn an_unknown_instrument_or_a_future_year_is_refused() {
    on("2027-03-01")
        .given_no_previous_events()
        .when(apply_cmd("lottery", wan(1), vec![]))
        .then_expect_error(SupportError::UnknownInstrument("lottery".into()));
    on("2027-03-01")
        .given_no_previous_events()
        .when(SupportCommand::Apply(ApplySupport {
            year: Some(2028),
            ..match apply_cmd(BROKER_SUBSIDY, wan(1), broker_evidence()) {
                SupportCommand::Apply(a) => a,
                _ => unreachable!(),
            }
        }))
        .then_expect_error(SupportError::YearInFuture {
            year: 2028,
            current: 2027,
        });
}

#[test]
fn a_barred_beneficiary_cannot_apply() {
    on("2027-03-01")
        .given_no_previous_events()
        .when(SupportCommand::Apply(ApplySupport {
            bars: vec![ActiveBar {
                org: broker(),
                until: day("2029-06-01"),
            }],
            ..match apply_cmd(BROKER_SUBSIDY, wan(1), broker_evidence()) {
                SupportCommand::Apply(a) => a,
                _ => unreachable!(),
            }
        }))
        .then_expect_error(SupportError::BeneficiaryBarred {
            org: BROKER.into(),
            until: day("2029-06-01"),
        });
}

// ---- verify ----

#[test]
fn the_officer_reduces_the_base_with_a_reason() {
    on("2027-03-02")
        .given(vec![applied(BROKER_SUBSIDY, 2027, wan(100))])
        .when(SupportCommand::VerifyBase {
            verified_base: wan(80),
            reason: Some("20万元未见国库支付凭证".into()),
            verified_by: OFFICER.into(),
        })
        .then_expect_events(vec![SupportEvent::BaseVerified {
            claimed: wan(100),
            verified: wan(80),
            reason: Some("20万元未见国库支付凭证".into()),
            verified_by: OFFICER.into(),
            verified_on: day("2027-03-02"),
        }]);
}

#[test]
fn a_reduction_without_a_reason_or_a_raise_is_refused() {
    on("2027-03-02")
        .given(vec![applied(BROKER_SUBSIDY, 2027, wan(100))])
        .when(SupportCommand::VerifyBase {
            verified_base: wan(80),
            reason: Some("  ".into()),
            verified_by: OFFICER.into(),
        })
        .then_expect_error(SupportError::ReductionNeedsReason);
    on("2027-03-02")
        .given(vec![applied(BROKER_SUBSIDY, 2027, wan(100))])
        .when(SupportCommand::VerifyBase {
            verified_base: wan(101),
            reason: None,
            verified_by: OFFICER.into(),
        })
        .then_expect_error(SupportError::VerifiedAboveClaimed {
            claimed_fen: wan(100).fen(),
            verified_fen: wan(101).fen(),
        });
}

// ---- decide: the cap ----

#[test]
fn with_48_wan_granted_a_100_wan_deal_gets_the_remaining_2_wan() {
    // Seed case: 3% of 100万 = 3万, capped to the 2万 left of the 50万 a year.
    on("2027-06-01")
        .given(vec![
            applied(BROKER_SUBSIDY, 2027, wan(100)),
            verified(wan(100)),
        ])
        .when(grant(None, wan(48)))
        .then_expect_events(vec![granted_event(
            BROKER_SUBSIDY,
            2027,
            300,
            wan(3),
            Some(wan(50)),
            wan(48),
            wan(2),
            "2027-06-01",
        )]);
}

#[test]
fn the_next_year_the_same_deal_gets_the_full_3_wan() {
    on("2028-01-05")
        .given(vec![
            applied(BROKER_SUBSIDY, 2028, wan(100)),
            verified(wan(100)),
        ])
        .when(grant(None, Money::ZERO))
        .then_expect_events(vec![granted_event(
            BROKER_SUBSIDY,
            2028,
            300,
            wan(3),
            Some(wan(50)),
            Money::ZERO,
            wan(3),
            "2028-01-05",
        )]);
}

#[test]
fn a_used_up_cap_refuses_the_grant() {
    on("2027-06-01")
        .given(vec![
            applied(BROKER_SUBSIDY, 2027, wan(100)),
            verified(wan(100)),
        ])
        .when(grant(None, wan(50)))
        .then_expect_error(SupportError::CapExhausted {
            cap_fen: wan(50).fen(),
            granted_fen: wan(50).fen(),
        });
}

#[test]
fn the_broker_rate_is_fixed_at_3_percent() {
    on("2027-06-01")
        .given(vec![
            applied(BROKER_SUBSIDY, 2027, wan(100)),
            verified(wan(100)),
        ])
        .when(grant(Some(400), Money::ZERO))
        .then_expect_error(SupportError::RateFixed {
            rate_bp: 300,
            asked_bp: 400,
        });
}

#[test]
fn a_premium_subsidy_above_50_percent_is_refused() {
    on("2027-06-01")
        .given(vec![applied(PREMIUM, 2027, wan(10)), verified(wan(10))])
        .when(grant(Some(5001), Money::ZERO))
        .then_expect_error(SupportError::RateAboveMaximum {
            max_bp: 5000,
            asked_bp: 5001,
        });
}

#[test]
fn a_premium_subsidy_of_up_to_50_percent_is_granted_without_a_cap() {
    on("2027-06-01")
        .given(vec![applied(PREMIUM, 2027, wan(10)), verified(wan(10))])
        .when(grant(None, wan(400)))
        .then_expect_events(vec![granted_event(
            PREMIUM,
            2027,
            5000,
            wan(5),
            None,
            wan(400),
            wan(5),
            "2027-06-01",
        )]);
    on("2027-06-01")
        .given(vec![applied(PREMIUM, 2027, wan(10)), verified(wan(10))])
        .when(grant(Some(3000), Money::ZERO))
        .then_expect_events(vec![granted_event(
            PREMIUM,
            2027,
            3000,
            wan(3),
            None,
            Money::ZERO,
            wan(3),
            "2027-06-01",
        )]);
}

#[test]
fn the_new_rd_institution_cap_holds_whatever_the_year() {
    on("2029-06-01")
        .given(vec![applied(NRDI, 2029, wan(800)), verified(wan(800))])
        .when(grant(None, wan(600)))
        .then_expect_events(vec![granted_event(
            NRDI,
            2029,
            10_000,
            wan(800),
            Some(wan(1000)),
            wan(600),
            wan(400),
            "2029-06-01",
        )]);
}

#[test]
fn a_barred_beneficiary_is_refused_at_the_decision() {
    on("2027-06-01")
        .given(vec![
            applied(BROKER_SUBSIDY, 2027, wan(100)),
            verified(wan(100)),
        ])
        .when(SupportCommand::Decide(DecideSupport {
            bars: vec![ActiveBar {
                org: broker(),
                until: day("2030-05-01"),
            }],
            ..match grant(None, Money::ZERO) {
                SupportCommand::Decide(d) => d,
                _ => unreachable!(),
            }
        }))
        .then_expect_error(SupportError::BeneficiaryBarred {
            org: BROKER.into(),
            until: day("2030-05-01"),
        });
}

#[test]
fn a_refusal_needs_a_reason_and_is_recorded() {
    let refuse = |reason: &str| {
        SupportCommand::Decide(DecideSupport {
            outcome: Outcome::Refuse {
                reason: reason.into(),
            },
            decided_by: OFFICER.into(),
            already_granted: Money::ZERO,
            bars: vec![],
        })
    };
    on("2027-06-01")
        .given(vec![
            applied(BROKER_SUBSIDY, 2027, wan(100)),
            verified(wan(100)),
        ])
        .when(refuse(""))
        .then_expect_error(SupportError::Required("reason"));
    on("2027-06-01")
        .given(vec![
            applied(BROKER_SUBSIDY, 2027, wan(100)),
            verified(wan(100)),
        ])
        .when(refuse("合同非技术开发类"))
        .then_expect_events(vec![SupportEvent::SupportRefused {
            reason: "合同非技术开发类".into(),
            decided_by: OFFICER.into(),
            decided_on: day("2027-06-01"),
        }]);
}

#[test]
fn a_decision_before_verification_is_refused() {
    on("2027-06-01")
        .given(vec![applied(BROKER_SUBSIDY, 2027, wan(100))])
        .when(grant(None, Money::ZERO))
        .then_expect_error(SupportError::InvalidTransition {
            status: "applied",
            action: "decide",
        });
}

// ---- decide: 一事一议 ----

fn propose(already: Money) -> SupportCommand {
    SupportCommand::Decide(DecideSupport {
        outcome: Outcome::Grant {
            rate_bp: None,
            case_by_case: Some("昆科议〔2027〕7号".into()),
        },
        decided_by: OFFICER.into(),
        already_granted: already,
        bars: vec![],
    })
}

fn proposed() -> SupportEvent {
    SupportEvent::CaseByCaseProposed {
        rate_bp: 300,
        computed: wan(3),
        cap: Some(wan(50)),
        already_granted: wan(48),
        decision_ref: "昆科议〔2027〕7号".into(),
        proposed_by: OFFICER.into(),
        proposed_on: day("2027-06-01"),
    }
}

fn approve(by: &str) -> SupportCommand {
    SupportCommand::ApproveCaseByCase {
        approved_by: by.into(),
        already_granted: wan(48),
        bars: vec![],
    }
}

#[test]
fn a_case_by_case_grant_above_the_cap_is_proposed_for_approval() {
    on("2027-06-01")
        .given(vec![
            applied(BROKER_SUBSIDY, 2027, wan(100)),
            verified(wan(100)),
        ])
        .when(propose(wan(48)))
        .then_expect_events(vec![proposed()]);
}

#[test]
fn a_case_by_case_grant_approved_by_the_proposing_officer_is_refused() {
    on("2027-06-02")
        .given(vec![
            applied(BROKER_SUBSIDY, 2027, wan(100)),
            verified(wan(100)),
            proposed(),
        ])
        .when(approve(OFFICER))
        .then_expect_error(SupportError::CaseByCaseNeedsSecondOfficer);
}

#[test]
fn a_case_by_case_grant_approved_by_a_second_officer_goes_above_the_cap() {
    let mut expected = granted_event(
        BROKER_SUBSIDY,
        2027,
        300,
        wan(3),
        Some(wan(50)),
        wan(48),
        wan(3),
        "2027-06-02",
    );
    if let SupportEvent::SupportGranted { case_by_case, .. } = &mut expected {
        *case_by_case = Some(CaseByCase {
            decision_ref: "昆科议〔2027〕7号".into(),
            approved_by: SECOND.into(),
        });
    }
    on("2027-06-02")
        .given(vec![
            applied(BROKER_SUBSIDY, 2027, wan(100)),
            verified(wan(100)),
            proposed(),
        ])
        .when(approve(SECOND))
        .then_expect_events(vec![expected]);
}

#[test]
fn a_proposal_may_be_refused_instead_and_approval_needs_one() {
    on("2027-06-02")
        .given(vec![
            applied(BROKER_SUBSIDY, 2027, wan(100)),
            verified(wan(100)),
            proposed(),
        ])
        .when(SupportCommand::Decide(DecideSupport {
            outcome: Outcome::Refuse {
                reason: "不符合一事一议条件".into(),
            },
            decided_by: SECOND.into(),
            already_granted: wan(48),
            bars: vec![],
        }))
        .then_expect_events(vec![SupportEvent::SupportRefused {
            reason: "不符合一事一议条件".into(),
            decided_by: SECOND.into(),
            decided_on: day("2027-06-02"),
        }]);
    on("2027-06-02")
        .given(vec![
            applied(BROKER_SUBSIDY, 2027, wan(100)),
            verified(wan(100)),
        ])
        .when(approve(SECOND))
        .then_expect_error(SupportError::InvalidTransition {
            status: "base_verified",
            action: "approve a case-by-case grant on",
        });
}

#[test]
fn a_case_by_case_grant_that_fits_the_cap_is_refused() {
    on("2027-06-01")
        .given(vec![
            applied(BROKER_SUBSIDY, 2027, wan(100)),
            verified(wan(100)),
        ])
        .when(propose(wan(10)))
        .then_expect_error(SupportError::CaseByCaseWithinCap {
            computed_fen: wan(3).fen(),
            remaining_fen: wan(40).fen(),
        });
}

// ---- disburse and recover ----

fn granted_broker(granted: Money) -> Vec<SupportEvent> {
    vec![
        applied(BROKER_SUBSIDY, 2027, wan(100)),
        verified(wan(100)),
        granted_event(
            BROKER_SUBSIDY,
            2027,
            300,
            wan(3),
            Some(wan(50)),
            wan(50).checked_sub(granted).unwrap(),
            granted,
            "2027-06-01",
        ),
    ]
}

#[test]
fn tranches_are_paid_up_to_the_grant() {
    on("2027-07-01")
        .given(granted_broker(wan(3)))
        .when(SupportCommand::Disburse {
            amount: wan(2),
            tranche_ref: "拨付-001".into(),
            paid_on: day("2027-07-01"),
        })
        .then_expect_events(vec![SupportEvent::TrancheDisbursed {
            amount: wan(2),
            tranche_ref: "拨付-001".into(),
            paid_on: day("2027-07-01"),
            disbursed_total: wan(2),
            undisbursed: wan(1),
        }]);
    on("2027-07-01")
        .given(granted_broker(wan(3)))
        .when(SupportCommand::Disburse {
            amount: Money::from_fen(wan(3).fen() + 1),
            tranche_ref: "拨付-001".into(),
            paid_on: day("2027-07-01"),
        })
        .then_expect_error(SupportError::DisbursementAboveGrant {
            undisbursed_fen: wan(3).fen(),
            asked_fen: wan(3).fen() + 1,
        });
}

#[test]
fn recovery_is_referred_for_at_most_what_was_paid() {
    let mut given = granted_broker(wan(3));
    given.push(SupportEvent::TrancheDisbursed {
        amount: wan(2),
        tranche_ref: "拨付-001".into(),
        paid_on: day("2027-07-01"),
        disbursed_total: wan(2),
        undisbursed: wan(1),
    });
    let refer = |amount: Money| SupportCommand::ReferRecovery {
        amount,
        reason: "合同系关联交易,不属实际支付".into(),
        decision_ref: "昆科追〔2027〕9号".into(),
        referred_by: OFFICER.into(),
    };
    on("2027-08-01")
        .given(given.clone())
        .when(refer(wan(3)))
        .then_expect_error(SupportError::RecoveryAboveDisbursed {
            recoverable_fen: wan(2).fen(),
            asked_fen: wan(3).fen(),
        });
    on("2027-08-01")
        .given(given)
        .when(refer(wan(2)))
        .then_expect_events(vec![SupportEvent::RecoveryReferred {
            debtor: broker(),
            amount: wan(2),
            disbursed: wan(2),
            reason: "合同系关联交易,不属实际支付".into(),
            decision_ref: "昆科追〔2027〕9号".into(),
            referred_by: OFFICER.into(),
            referred_on: day("2027-08-01"),
        }]);
}

#[test]
fn nothing_paid_means_nothing_to_refer() {
    on("2027-08-01")
        .given(granted_broker(wan(3)))
        .when(SupportCommand::ReferRecovery {
            amount: wan(1),
            reason: "x".into(),
            decision_ref: "y".into(),
            referred_by: OFFICER.into(),
        })
        .then_expect_error(SupportError::InvalidTransition {
            status: "granted",
            action: "refer recovery of",
        });
}

#[test]
fn a_second_application_on_the_same_stream_is_refused() {
    on("2027-03-01")
        .given(vec![applied(BROKER_SUBSIDY, 2027, wan(100))])
        .when(apply_cmd(BROKER_SUBSIDY, wan(100), broker_evidence()))
        .then_expect_error(SupportError::AlreadyApplied);
}

#[test]
fn the_catalogue_carries_the_seed_numbers() {
    let c = SupportCatalogue::kunshan();
    let broker = c.get(BROKER_SUBSIDY).unwrap();
    assert_eq!((broker.rate_bp, broker.cap), (300, Some(wan(50))));
    assert_eq!(c.get(PREMIUM).unwrap().rate_bp, 5000);
    assert_eq!(
        c.get("incubator_performance_reward").unwrap().cap,
        Some(wan(100))
    );
    assert_eq!(c.get(NRDI).unwrap().cap, Some(wan(1000)));
    assert_eq!(c.get(NRDI).unwrap().period_key(2027), "whole");
    assert_eq!(share(wan(100), 300), Some(wan(3)));
    assert_eq!(share(Money::from_fen(99), 300), Some(Money::from_fen(2)));
}
