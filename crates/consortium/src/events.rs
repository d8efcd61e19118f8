use chrono::NaiveDate;
use cqrs_es::DomainEvent;
use kernel::{Money, OrgCode};
use serde::{Deserialize, Serialize};

use crate::{EvaluationGrade, GrantKind, Level, SupportBasis};

/// What happened to a consortium. Event names and versions never change once stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ConsortiumEvent {
    /// The consortium was formed.
    ConsortiumFormed {
        /// Name.
        name: String,
        /// 牵头单位.
        lead: OrgCode,
        /// 成员单位 (without the lead).
        members: Vec<OrgCode>,
        /// Charter reference.
        charter_ref: String,
        /// Industry chain.
        focus_chain: String,
        /// The date it was formed.
        formed_on: NaiveDate,
    },
    /// A member joined.
    MemberAdded {
        /// The member.
        member: OrgCode,
        /// The date.
        on: NaiveDate,
        /// Why.
        reason: String,
    },
    /// A member left.
    MemberRemoved {
        /// The member.
        member: OrgCode,
        /// The date.
        on: NaiveDate,
        /// Why.
        reason: String,
    },
    /// A level application was filed.
    LevelApplicationSubmitted {
        /// The level applied for.
        level: Level,
        /// 推荐单位.
        recommended_by: String,
        /// The date.
        applied_on: NaiveDate,
    },
    /// The level was granted.
    LevelGranted {
        /// The level.
        level: Level,
        /// The decision document.
        decision_ref: String,
        /// The date it takes effect.
        effective_date: NaiveDate,
        /// Last day of the construction period (effective date + the construction years).
        construction_end: NaiveDate,
    },
    /// The level application was rejected; the consortium keeps what it held.
    LevelApplicationRejected {
        /// The level applied for.
        level: Level,
        /// The decision document.
        decision_ref: String,
        /// The date of the decision.
        decided_on: NaiveDate,
        /// Why.
        reason: Option<String>,
    },
    /// A cultivation reward was granted; `payable` is what is still owed after 就高不重复.
    CultivationRewardGranted {
        /// The grant's id within the consortium.
        grant_id: String,
        /// L1 or L2.
        level: Level,
        /// The amount granted.
        amount: Money,
        /// What may be paid: amount less the cultivation rewards already payable.
        payable: Money,
        /// The date.
        granted_on: NaiveDate,
    },
    /// Linkage support was granted to an accredited consortium.
    AccreditationSupportGranted {
        /// The grant's id within the consortium.
        grant_id: String,
        /// The amount granted.
        amount: Money,
        /// What may be paid.
        payable: Money,
        /// What the grant is based on.
        basis: SupportBasis,
        /// Linkage support granted so far, this grant included.
        support_total: Money,
        /// The date.
        granted_on: NaiveDate,
    },
    /// Money was paid from a grant.
    ConsortiumFundsDisbursed {
        /// The grant.
        grant_id: String,
        /// What the grant is.
        kind: GrantKind,
        /// The amount paid now.
        amount: Money,
        /// Paid on this grant so far, this payment included.
        grant_paid: Money,
        /// The date.
        disbursed_on: NaiveDate,
    },
    /// An evaluation round's result was recorded.
    EvaluationResultRecorded {
        /// The round's id.
        round_id: String,
        /// The round's number.
        round_no: u32,
        /// Last day of the assessed period.
        period_end: NaiveDate,
        /// The grade.
        grade: EvaluationGrade,
        /// The date it was recorded.
        recorded_on: NaiveDate,
    },
    /// 取消认定资格: the consortium lost its level.
    AccreditationRevoked {
        /// Why.
        reason: RevocationReason,
        /// The level it lost.
        level_lost: Option<Level>,
        /// The date.
        revoked_on: NaiveDate,
    },
    /// Undisbursed grants were cancelled.
    GrantsCancelled {
        /// Each grant with the unpaid amount cancelled.
        grants: Vec<CancelledGrant>,
    },
    /// 建设期满: the construction period ended; final acceptance is due.
    ConstructionPeriodEnded {
        /// Last day of the construction period.
        construction_end: NaiveDate,
        /// The date it was recorded.
        ended_on: NaiveDate,
    },
    /// Final acceptance (or the re-assessment after rectification) passed.
    FinalAcceptancePassed {
        /// The report.
        report_ref: String,
        /// The date.
        accepted_on: NaiveDate,
    },
    /// Final acceptance failed; a remedy is to be decided.
    FinalAcceptanceFailed {
        /// The report.
        report_ref: String,
        /// The date.
        failed_on: NaiveDate,
    },
    /// 整改: rectification ordered.
    RectificationOrdered {
        /// Last day for it.
        deadline: NaiveDate,
        /// The date of the order.
        ordered_on: NaiveDate,
    },
    /// 追回资金: the recovery is referred to a clawback case.
    RecoveryReferred {
        /// The debtor: the lead.
        debtor: OrgCode,
        /// The amount to recover.
        amount: Money,
        /// Why.
        basis: RecoveryBasis,
        /// The date.
        referred_on: NaiveDate,
    },
}

/// Why a consortium lost its level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RevocationReason {
    /// 连续两次考核不合格.
    TwoConsecutiveFails,
}

/// Why a recovery was referred.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecoveryBasis {
    /// The officer chose recovery after a failed final acceptance.
    FinalAcceptanceFailed,
    /// The rectification after a failed final acceptance failed too.
    RectificationFailed,
}

/// A grant cancelled on revocation, with the unpaid amount that will never be paid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CancelledGrant {
    /// The grant.
    pub grant_id: String,
    /// Payable less paid at cancellation.
    pub cancelled_amount: Money,
}

impl DomainEvent for ConsortiumEvent {
    fn event_type(&self) -> String {
        match self {
            ConsortiumEvent::ConsortiumFormed { .. } => "ConsortiumFormed",
            ConsortiumEvent::MemberAdded { .. } => "MemberAdded",
            ConsortiumEvent::MemberRemoved { .. } => "MemberRemoved",
            ConsortiumEvent::LevelApplicationSubmitted { .. } => "LevelApplicationSubmitted",
            ConsortiumEvent::LevelGranted { .. } => "LevelGranted",
            ConsortiumEvent::LevelApplicationRejected { .. } => "LevelApplicationRejected",
            ConsortiumEvent::CultivationRewardGranted { .. } => "CultivationRewardGranted",
            ConsortiumEvent::AccreditationSupportGranted { .. } => "AccreditationSupportGranted",
            ConsortiumEvent::ConsortiumFundsDisbursed { .. } => "ConsortiumFundsDisbursed",
            ConsortiumEvent::EvaluationResultRecorded { .. } => "EvaluationResultRecorded",
            ConsortiumEvent::AccreditationRevoked { .. } => "AccreditationRevoked",
            ConsortiumEvent::GrantsCancelled { .. } => "GrantsCancelled",
            ConsortiumEvent::ConstructionPeriodEnded { .. } => "ConstructionPeriodEnded",
            ConsortiumEvent::FinalAcceptancePassed { .. } => "FinalAcceptancePassed",
            ConsortiumEvent::FinalAcceptanceFailed { .. } => "FinalAcceptanceFailed",
            ConsortiumEvent::RectificationOrdered { .. } => "RectificationOrdered",
            ConsortiumEvent::RecoveryReferred { .. } => "RecoveryReferred",
        }
        .to_string()
    }

    fn event_version(&self) -> String {
        "1.0".to_string()
    }
}
