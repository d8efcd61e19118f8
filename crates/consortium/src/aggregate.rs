use std::collections::HashSet;

use chrono::{Months, NaiveDate};
use cqrs_es::event_sink::EventSink;
use cqrs_es::Aggregate;
use kernel::{first_bar, ActiveBar, Money, OrgCode, OrgKind};
use serde::{Deserialize, Serialize};

use crate::{
    CancelledGrant, ConsortiumCommand, ConsortiumError, ConsortiumEvent, ConsortiumServices,
    EvaluationRecord, FormConsortium, GrantKind, Level, LevelDecision, RecoveryBasis, Remedy,
    RevocationReason, SupportBasis,
};

/// Where a consortium stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsortiumStatus {
    /// No event yet.
    #[default]
    New,
    /// Formed, holding no level.
    Formed,
    /// A level application is pending.
    Applying,
    /// Holding a level inside its construction period.
    Holding,
    /// 建设期满: the construction period ended; final acceptance is due.
    FinalAcceptanceDue,
    /// Final acceptance failed; the officer decides rectification or recovery.
    RemedyPending,
    /// 整改: rectification ordered.
    Rectifying,
    /// Final acceptance passed.
    Completed,
    /// 追回资金: a recovery was referred.
    RecoveryReferred,
    /// 取消认定资格: the level was revoked.
    Revoked,
}

impl ConsortiumStatus {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            ConsortiumStatus::New => "new",
            ConsortiumStatus::Formed => "formed",
            ConsortiumStatus::Applying => "applying",
            ConsortiumStatus::Holding => "holding",
            ConsortiumStatus::FinalAcceptanceDue => "final_acceptance_due",
            ConsortiumStatus::RemedyPending => "remedy_pending",
            ConsortiumStatus::Rectifying => "rectifying",
            ConsortiumStatus::Completed => "completed",
            ConsortiumStatus::RecoveryReferred => "recovery_referred",
            ConsortiumStatus::Revoked => "revoked",
        }
    }
}

/// A time a level was held: from its effective date until (exclusive) an upgrade or revocation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LevelSpell {
    /// The level.
    pub level: Level,
    /// First day held.
    pub from: NaiveDate,
    /// First day no longer held, if it ended.
    pub until: Option<NaiveDate>,
}

/// A grant of money to the consortium and what has been paid on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    /// The grant's id within the consortium (`grant-1`, `grant-2`, …).
    pub id: String,
    /// Reward or support.
    pub kind: GrantKind,
    /// The amount granted.
    pub amount: Money,
    /// What may be paid on it (after 就高不重复; cut to `paid` when cancelled).
    pub payable: Money,
    /// Paid so far.
    pub paid: Money,
    /// Cancelled on revocation.
    pub cancelled: bool,
}

/// An innovation consortium (创新联合体).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Consortium {
    /// Where it stands.
    pub status: ConsortiumStatus,
    /// Status to return to when a pending application is rejected.
    pub status_before_application: ConsortiumStatus,
    /// 牵头单位.
    pub lead: Option<OrgCode>,
    /// 成员单位, without the lead.
    pub members: Vec<OrgCode>,
    /// The level held now.
    pub level: Option<Level>,
    /// The level applied for, while an application is pending.
    pub pending_level: Option<Level>,
    /// Every level held, with dates.
    pub spells: Vec<LevelSpell>,
    /// Last day of the current construction period.
    pub construction_end: Option<NaiveDate>,
    /// Grants of money.
    pub grants: Vec<Grant>,
    /// Evaluation results in the order recorded.
    pub evaluations: Vec<EvaluationRecord>,
    /// Paid to the consortium in total.
    pub disbursed_total: Money,
}

fn required(value: &str, field: &'static str) -> Result<(), ConsortiumError> {
    if value.trim().is_empty() {
        Err(ConsortiumError::Required(field))
    } else {
        Ok(())
    }
}

fn is_research(org: &OrgCode) -> bool {
    // domain.md a research member = class 12 or 52.
    matches!(
        org.kind(),
        OrgKind::PublicInstitution | OrgKind::PrivateNonEnterprise
    )
}

fn check_bars(bars: &[ActiveBar], orgs: &[&OrgCode]) -> Result<(), ConsortiumError> {
    // domain.md the 3-year bar also blocks consortium formation, membership and level applications.
    match first_bar(bars, orgs) {
        Some(bar) => Err(ConsortiumError::OrganisationBarred {
            org: bar.org.clone(),
            until: bar.until,
        }),
        None => Ok(()),
    }
}

fn positive(amount: Money) -> Result<(), ConsortiumError> {
    if amount.is_positive() {
        Ok(())
    } else {
        Err(ConsortiumError::AmountNotPositive)
    }
}

impl Consortium {
    fn refuse(&self, action: &'static str) -> ConsortiumError {
        if self.status == ConsortiumStatus::Revoked {
            return ConsortiumError::Revoked;
        }
        ConsortiumError::InvalidTransition {
            status: self.status.as_str(),
            action,
        }
    }

    /// The level held on `date`, if any.
    pub fn level_on(&self, date: NaiveDate) -> Option<Level> {
        self.spells
            .iter()
            .rev()
            .find(|s| s.from <= date && s.until.is_none_or(|u| date < u))
            .map(|s| s.level)
    }

    /// The fewest members the level requires.
    fn min_members(level: Level, services: &ConsortiumServices) -> usize {
        match level {
            Level::KunshanCultivation => services.policy.min_members_kunshan,
            Level::SuzhouCultivation | Level::SuzhouAccreditation => {
                services.policy.min_members_suzhou
            }
        }
    }

    fn lead(&self) -> Result<&OrgCode, ConsortiumError> {
        self.lead.as_ref().ok_or(self.refuse("change"))
    }

    /// Refuses money commands unless the consortium is alive and not revoked.
    fn money_allowed(&self, action: &'static str) -> Result<(), ConsortiumError> {
        match self.status {
            ConsortiumStatus::New
            | ConsortiumStatus::Revoked
            | ConsortiumStatus::RecoveryReferred => Err(self.refuse(action)),
            _ => Ok(()),
        }
    }

    fn form(
        &self,
        cmd: FormConsortium,
        services: &ConsortiumServices,
    ) -> Result<ConsortiumEvent, ConsortiumError> {
        if self.status != ConsortiumStatus::New {
            return Err(self.refuse("form"));
        }
        required(&cmd.name, "name")?;
        required(&cmd.charter_ref, "charter_ref")?;
        required(&cmd.focus_chain, "focus_chain")?;
        // 001_5a9afaa2304051ee.txt「领军企业牵头、高校院所支撑」: the lead is an enterprise (class 91, [A-8]).
        if !cmd.lead.as_str().starts_with("91") {
            return Err(ConsortiumError::LeadNotEnterprise(cmd.lead));
        }
        let mut seen: HashSet<&OrgCode> = HashSet::from([&cmd.lead]);
        for m in &cmd.members {
            if !seen.insert(m) {
                return Err(ConsortiumError::DuplicateMember(m.clone()));
            }
        }
        // 001_5a9afaa2304051ee.txt「领军企业牵头、高校院所支撑」: at least one university or institute.
        if !cmd.members.iter().any(is_research) {
            return Err(ConsortiumError::NoResearchMember);
        }
        let all: Vec<&OrgCode> = std::iter::once(&cmd.lead).chain(&cmd.members).collect();
        check_bars(&cmd.bars, &all)?;
        Ok(ConsortiumEvent::ConsortiumFormed {
            name: cmd.name,
            lead: cmd.lead,
            members: cmd.members,
            charter_ref: cmd.charter_ref,
            focus_chain: cmd.focus_chain,
            formed_on: services.clock.today(),
        })
    }

    fn membership_allowed(&self, action: &'static str) -> Result<(), ConsortiumError> {
        match self.status {
            ConsortiumStatus::New | ConsortiumStatus::Revoked => Err(self.refuse(action)),
            _ => Ok(()),
        }
    }

    fn add_member(
        &self,
        member: OrgCode,
        on: NaiveDate,
        reason: String,
        bars: Vec<ActiveBar>,
        services: &ConsortiumServices,
    ) -> Result<ConsortiumEvent, ConsortiumError> {
        self.membership_allowed("add a member to")?;
        required(&reason, "reason")?;
        if on > services.clock.today() {
            return Err(ConsortiumError::DateInFuture(on));
        }
        if self.lead()? == &member || self.members.contains(&member) {
            return Err(ConsortiumError::DuplicateMember(member));
        }
        check_bars(&bars, &[&member])?;
        Ok(ConsortiumEvent::MemberAdded { member, on, reason })
    }

    fn remove_member(
        &self,
        member: OrgCode,
        on: NaiveDate,
        reason: String,
        services: &ConsortiumServices,
    ) -> Result<ConsortiumEvent, ConsortiumError> {
        self.membership_allowed("remove a member from")?;
        required(&reason, "reason")?;
        if on > services.clock.today() {
            return Err(ConsortiumError::DateInFuture(on));
        }
        if !self.members.contains(&member) {
            return Err(ConsortiumError::NotAMember(member));
        }
        let remaining: Vec<&OrgCode> = self.members.iter().filter(|m| *m != &member).collect();
        // domain.md membership may change while the count stays at or above the level minimum.
        if let Some(level) = self.level {
            let min = Self::min_members(level, services);
            if remaining.len() < min {
                return Err(ConsortiumError::TooFewMembers {
                    min,
                    count: remaining.len(),
                });
            }
        }
        // 001_5a9afaa2304051ee.txt「领军企业牵头、高校院所支撑」: keep at least one university or institute.
        if !remaining.iter().any(|m| is_research(m)) {
            return Err(ConsortiumError::NoResearchMember);
        }
        Ok(ConsortiumEvent::MemberRemoved { member, on, reason })
    }

    fn apply_for_level(
        &self,
        level: Level,
        recommended_by: String,
        bars: Vec<ActiveBar>,
        services: &ConsortiumServices,
    ) -> Result<ConsortiumEvent, ConsortiumError> {
        match self.status {
            ConsortiumStatus::Formed | ConsortiumStatus::Holding | ConsortiumStatus::Completed => {}
            ConsortiumStatus::Applying => {
                return Err(ConsortiumError::ApplicationPending(
                    self.pending_level.unwrap_or(level),
                ))
            }
            _ => return Err(self.refuse("apply for a level for")),
        }
        required(&recommended_by, "recommended_by")?;
        // domain.md [W10] 『培育库的创新联合体可申请提档升级』: upgrades only.
        if self.level.is_some_and(|held| level <= held) {
            return Err(ConsortiumError::NotAnUpgrade {
                held: self.level,
                asked: level,
            });
        }
        // domain.md [W10] 『成员单位一般不少于5个』; Kunshan minimum.
        let min = Self::min_members(level, services);
        if self.members.len() < min {
            return Err(ConsortiumError::TooFewMembers {
                min,
                count: self.members.len(),
            });
        }
        let lead = self.lead()?;
        let all: Vec<&OrgCode> = std::iter::once(lead).chain(&self.members).collect();
        check_bars(&bars, &all)?;
        Ok(ConsortiumEvent::LevelApplicationSubmitted {
            level,
            recommended_by,
            applied_on: services.clock.today(),
        })
    }

    fn record_level_decision(
        &self,
        cmd: LevelDecision,
        services: &ConsortiumServices,
    ) -> Result<ConsortiumEvent, ConsortiumError> {
        if self.status == ConsortiumStatus::Revoked {
            return Err(ConsortiumError::Revoked);
        }
        let level = match (self.status, self.pending_level) {
            (ConsortiumStatus::Applying, Some(level)) => level,
            _ => return Err(ConsortiumError::NoPendingApplication),
        };
        // 001_5a9afaa2304051ee.txt「对经认定为苏州市创新联合体的」: Suzhou decisions are recorded with their reference ([A-36]).
        if level.is_suzhou() && cmd.decision_ref.trim().is_empty() {
            return Err(ConsortiumError::SuzhouDecisionRefRequired);
        }
        if !cmd.granted {
            return Ok(ConsortiumEvent::LevelApplicationRejected {
                level,
                decision_ref: cmd.decision_ref,
                decided_on: services.clock.today(),
                reason: cmd.reason,
            });
        }
        // domain.md the construction period defaults to 3 years.
        let years = cmd
            .construction_years
            .unwrap_or(services.policy.default_construction_years);
        let max = services.policy.max_construction_years;
        if !(1..=max).contains(&years) {
            return Err(ConsortiumError::ConstructionYearsOutOfRange { max, asked: years });
        }
        let construction_end = cmd
            .effective_date
            .checked_add_months(Months::new(12 * years))
            .ok_or(ConsortiumError::AmountOverflow)?;
        Ok(ConsortiumEvent::LevelGranted {
            level,
            decision_ref: cmd.decision_ref,
            effective_date: cmd.effective_date,
            construction_end,
        })
    }

    fn next_grant_id(&self) -> String {
        format!("grant-{}", self.grants.len() + 1)
    }

    /// Cultivation rewards payable so far (after cancellations): the base of 就高不重复.
    fn cultivation_payable(&self) -> Result<Money, ConsortiumError> {
        Ok(Money::checked_sum(
            self.grants
                .iter()
                .filter(|g| matches!(g.kind, GrantKind::CultivationReward { .. }))
                .map(|g| g.payable),
        )?)
    }

    fn support_granted(&self) -> Result<Money, ConsortiumError> {
        Ok(Money::checked_sum(
            self.grants
                .iter()
                .filter(|g| g.kind == GrantKind::AccreditationSupport)
                .map(|g| if g.cancelled { g.paid } else { g.amount }),
        )?)
    }

    fn support_payable(&self) -> Result<Money, ConsortiumError> {
        Ok(Money::checked_sum(
            self.grants
                .iter()
                .filter(|g| g.kind == GrantKind::AccreditationSupport)
                .map(|g| g.payable),
        )?)
    }

    fn grant_cultivation_reward(
        &self,
        level: Level,
        amount: Money,
        services: &ConsortiumServices,
    ) -> Result<ConsortiumEvent, ConsortiumError> {
        self.money_allowed("grant a reward to")?;
        let cap = match level {
            Level::KunshanCultivation => services.policy.l1_cultivation_reward_max,
            Level::SuzhouCultivation => services.policy.l2_cultivation_reward_max,
            Level::SuzhouAccreditation => return Err(ConsortiumError::NotACultivationLevel(level)),
        };
        if !self.spells.iter().any(|s| s.level == level) {
            return Err(ConsortiumError::LevelNeverHeld(level));
        }
        positive(amount)?;
        // 001_5a9afaa2304051ee.txt「给予最高50万元奖励」「给予最高100万元奖励」: inclusive caps ([A-1]).
        if amount > cap {
            return Err(ConsortiumError::RewardCapExceeded {
                cap_fen: cap.fen(),
                asked_fen: amount.fen(),
            });
        }
        let already = self
            .grants
            .iter()
            .any(|g| g.kind == GrantKind::CultivationReward { level });
        if already {
            return Err(ConsortiumError::RewardAlreadyGranted(level));
        }
        // 001_5a9afaa2304051ee.txt「奖励金额就高不重复资助」: pay only what the higher reward adds ([A-37]).
        let before = self.cultivation_payable()?;
        let payable = if amount > before {
            amount.checked_sub(before)?
        } else {
            Money::ZERO
        };
        Ok(ConsortiumEvent::CultivationRewardGranted {
            grant_id: self.next_grant_id(),
            level,
            amount,
            payable,
            granted_on: services.clock.today(),
        })
    }

    fn grant_accreditation_support(
        &self,
        amount: Money,
        basis: SupportBasis,
        services: &ConsortiumServices,
    ) -> Result<ConsortiumEvent, ConsortiumError> {
        self.money_allowed("grant support to")?;
        if self.level != Some(Level::SuzhouAccreditation) {
            return Err(ConsortiumError::NotAccredited);
        }
        positive(amount)?;
        // domain.md support names its basis: a passed evaluation or an operations report.
        match &basis {
            SupportBasis::PassedEvaluation { round_id } => {
                let passed = self
                    .evaluations
                    .iter()
                    .any(|e| &e.round_id == round_id && !e.grade.is_failing());
                if !passed {
                    return Err(ConsortiumError::BasisNotAPassedEvaluation(round_id.clone()));
                }
            }
            SupportBasis::OperationsReport { report_ref } => {
                required(report_ref, "basis.report_ref")?
            }
        }
        // 001_5a9afaa2304051ee.txt「根据其建设运营情况给予最高200万元联动支持」: cumulative cap.
        let granted = self.support_granted()?;
        let cap = services.policy.l3_linkage_support_max;
        let total = granted.checked_add(amount)?;
        if total > cap {
            return Err(ConsortiumError::SupportCapExceeded {
                cap_fen: cap.fen(),
                granted_fen: granted.fen(),
                asked_fen: amount.fen(),
            });
        }
        let payable = if services.policy.accreditation_support_in_higher_only {
            // domain.md with the flag set, support only pays what exceeds the cultivation rewards.
            let offset = self.cultivation_payable()?;
            let paid_before = self.support_payable()?;
            let owed = if total > offset {
                total.checked_sub(offset)?
            } else {
                Money::ZERO
            };
            if owed > paid_before {
                owed.checked_sub(paid_before)?
            } else {
                Money::ZERO
            }
        } else {
            amount
        };
        Ok(ConsortiumEvent::AccreditationSupportGranted {
            grant_id: self.next_grant_id(),
            amount,
            payable,
            basis,
            support_total: total,
            granted_on: services.clock.today(),
        })
    }

    fn disburse(
        &self,
        grant_id: String,
        amount: Money,
        services: &ConsortiumServices,
    ) -> Result<ConsortiumEvent, ConsortiumError> {
        // domain.md disbursements stop on revocation.
        self.money_allowed("disburse to")?;
        let grant = self
            .grants
            .iter()
            .find(|g| g.id == grant_id)
            .ok_or_else(|| ConsortiumError::GrantNotFound(grant_id.clone()))?;
        if grant.cancelled {
            return Err(ConsortiumError::GrantCancelled(grant_id));
        }
        positive(amount)?;
        // domain.md disbursements are bounded by each grant's payable amount.
        let grant_paid = grant.paid.checked_add(amount)?;
        if grant_paid > grant.payable {
            return Err(ConsortiumError::DisbursementExceedsPayable {
                payable_fen: grant.payable.fen(),
                paid_fen: grant.paid.fen(),
                asked_fen: amount.fen(),
            });
        }
        Ok(ConsortiumEvent::ConsortiumFundsDisbursed {
            grant_id,
            kind: grant.kind,
            amount,
            grant_paid,
            disbursed_on: services.clock.today(),
        })
    }

    fn record_evaluation_result(
        &self,
        record: EvaluationRecord,
        services: &ConsortiumServices,
    ) -> Result<Vec<ConsortiumEvent>, ConsortiumError> {
        match self.status {
            ConsortiumStatus::New | ConsortiumStatus::Formed => {
                return Err(self.refuse("record an evaluation result for"))
            }
            ConsortiumStatus::Revoked => return Err(ConsortiumError::Revoked),
            _ => {}
        }
        if self
            .evaluations
            .iter()
            .any(|e| e.round_id == record.round_id)
        {
            return Err(ConsortiumError::ResultAlreadyRecorded(record.round_id));
        }
        if self.level_on(record.period_end).is_none() {
            return Err(ConsortiumError::NoLevelAtPeriodEnd(record.period_end));
        }
        let previous = self.evaluations.last();
        // domain.md [A-49] "consecutive" = the consortium's own results in round order.
        if let Some(last) = previous {
            if record.round_no <= last.round_no {
                return Err(ConsortiumError::ResultOutOfOrder {
                    last: last.round_no,
                    asked: record.round_no,
                });
            }
        }
        let today = services.clock.today();
        let revoke = record.grade.is_failing() && previous.is_some_and(|p| p.grade.is_failing());
        let mut events = vec![ConsortiumEvent::EvaluationResultRecorded {
            round_id: record.round_id,
            round_no: record.round_no,
            period_end: record.period_end,
            grade: record.grade,
            recorded_on: today,
        }];
        // 001_5a9afaa2304051ee.txt「对连续两次考核不合格的取消认定资格」; Excluded counts as failing ([A-43]).
        if revoke {
            events.push(ConsortiumEvent::AccreditationRevoked {
                reason: RevocationReason::TwoConsecutiveFails,
                level_lost: self.level,
                revoked_on: today,
            });
            // domain.md revocation cancels undisbursed grants; nothing is clawed back.
            let cancelled: Vec<CancelledGrant> = self
                .grants
                .iter()
                .filter(|g| !g.cancelled && g.paid < g.payable)
                .map(|g| {
                    Ok(CancelledGrant {
                        grant_id: g.id.clone(),
                        cancelled_amount: g.payable.checked_sub(g.paid)?,
                    })
                })
                .collect::<Result<_, ConsortiumError>>()?;
            if !cancelled.is_empty() {
                events.push(ConsortiumEvent::GrantsCancelled { grants: cancelled });
            }
        }
        Ok(events)
    }

    fn end_construction_period(
        &self,
        services: &ConsortiumServices,
    ) -> Result<ConsortiumEvent, ConsortiumError> {
        if self.status != ConsortiumStatus::Holding {
            return Err(self.refuse("end the construction period of"));
        }
        let end = self
            .construction_end
            .ok_or(self.refuse("end the construction period of"))?;
        let today = services.clock.today();
        // 001_5a9afaa2304051ee.txt「建设期满」: only once the period is over.
        if today < end {
            return Err(ConsortiumError::ConstructionPeriodNotOver(end));
        }
        Ok(ConsortiumEvent::ConstructionPeriodEnded {
            construction_end: end,
            ended_on: today,
        })
    }

    fn record_final_acceptance(
        &self,
        passed: bool,
        report_ref: String,
        services: &ConsortiumServices,
    ) -> Result<ConsortiumEvent, ConsortiumError> {
        if self.status != ConsortiumStatus::FinalAcceptanceDue {
            return Err(self.refuse("record final acceptance of"));
        }
        required(&report_ref, "report_ref")?;
        let today = services.clock.today();
        Ok(if passed {
            ConsortiumEvent::FinalAcceptancePassed {
                report_ref,
                accepted_on: today,
            }
        } else {
            ConsortiumEvent::FinalAcceptanceFailed {
                report_ref,
                failed_on: today,
            }
        })
    }

    fn recovery(
        &self,
        amount: Money,
        basis: RecoveryBasis,
        services: &ConsortiumServices,
    ) -> Result<ConsortiumEvent, ConsortiumError> {
        positive(amount)?;
        if amount > self.disbursed_total {
            return Err(ConsortiumError::RecoveryExceedsDisbursed {
                disbursed_fen: self.disbursed_total.fen(),
                asked_fen: amount.fen(),
            });
        }
        Ok(ConsortiumEvent::RecoveryReferred {
            debtor: self.lead()?.clone(),
            amount,
            basis,
            referred_on: services.clock.today(),
        })
    }

    fn decide_remedy(
        &self,
        remedy: Remedy,
        services: &ConsortiumServices,
    ) -> Result<ConsortiumEvent, ConsortiumError> {
        if self.status != ConsortiumStatus::RemedyPending {
            return Err(self.refuse("decide a remedy for"));
        }
        // 001_5a9afaa2304051ee.txt「对建设期满验收不合格的创新联合体,按照相关管理办法整改或追回资金」
        match remedy {
            Remedy::Rectify { deadline } => {
                let today = services.clock.today();
                if deadline <= today {
                    return Err(ConsortiumError::DeadlineNotInFuture(deadline));
                }
                Ok(ConsortiumEvent::RectificationOrdered {
                    deadline,
                    ordered_on: today,
                })
            }
            Remedy::Recover { amount } => {
                self.recovery(amount, RecoveryBasis::FinalAcceptanceFailed, services)
            }
        }
    }

    fn record_rectification_outcome(
        &self,
        passed: bool,
        report_ref: String,
        recover_amount: Option<Money>,
        services: &ConsortiumServices,
    ) -> Result<ConsortiumEvent, ConsortiumError> {
        if self.status != ConsortiumStatus::Rectifying {
            return Err(self.refuse("record a rectification outcome for"));
        }
        required(&report_ref, "report_ref")?;
        if passed {
            return Ok(ConsortiumEvent::FinalAcceptancePassed {
                report_ref,
                accepted_on: services.clock.today(),
            });
        }
        // domain.md a failed rectification leads to recovery.
        let amount = recover_amount.ok_or(ConsortiumError::RecoverAmountRequired)?;
        self.recovery(amount, RecoveryBasis::RectificationFailed, services)
    }

    fn grant_mut(&mut self, id: &str) -> Option<&mut Grant> {
        self.grants.iter_mut().find(|g| g.id == id)
    }

    fn close_open_spell(&mut self, on: NaiveDate) {
        if let Some(spell) = self.spells.last_mut() {
            if spell.until.is_none() {
                spell.until = Some(on);
            }
        }
    }
}

impl Aggregate for Consortium {
    const TYPE: &'static str = "consortium";
    type Command = ConsortiumCommand;
    type Event = ConsortiumEvent;
    type Error = ConsortiumError;
    type Services = ConsortiumServices;

    async fn handle(
        &mut self,
        command: Self::Command,
        services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        let events = match command {
            ConsortiumCommand::Form(cmd) => vec![self.form(cmd, services)?],
            ConsortiumCommand::AddMember {
                member,
                on,
                reason,
                bars,
            } => vec![self.add_member(member, on, reason, bars, services)?],
            ConsortiumCommand::RemoveMember { member, on, reason } => {
                vec![self.remove_member(member, on, reason, services)?]
            }
            ConsortiumCommand::ApplyForLevel {
                level,
                recommended_by,
                bars,
            } => vec![self.apply_for_level(level, recommended_by, bars, services)?],
            ConsortiumCommand::RecordLevelDecision(cmd) => {
                vec![self.record_level_decision(cmd, services)?]
            }
            ConsortiumCommand::GrantCultivationReward { level, amount } => {
                vec![self.grant_cultivation_reward(level, amount, services)?]
            }
            ConsortiumCommand::GrantAccreditationSupport { amount, basis } => {
                vec![self.grant_accreditation_support(amount, basis, services)?]
            }
            ConsortiumCommand::DisburseFunds { grant_id, amount } => {
                vec![self.disburse(grant_id, amount, services)?]
            }
            ConsortiumCommand::RecordEvaluationResult {
                round_id,
                round_no,
                period_end,
                grade,
            } => self.record_evaluation_result(
                EvaluationRecord {
                    round_id,
                    round_no,
                    period_end,
                    grade,
                },
                services,
            )?,
            ConsortiumCommand::EndConstructionPeriod => {
                vec![self.end_construction_period(services)?]
            }
            ConsortiumCommand::RecordFinalAcceptance { passed, report_ref } => {
                vec![self.record_final_acceptance(passed, report_ref, services)?]
            }
            ConsortiumCommand::DecideRemedy(remedy) => vec![self.decide_remedy(remedy, services)?],
            ConsortiumCommand::RecordRectificationOutcome {
                passed,
                report_ref,
                recover_amount,
            } => vec![self.record_rectification_outcome(
                passed,
                report_ref,
                recover_amount,
                services,
            )?],
        };
        for event in events {
            sink.write(event, self).await;
        }
        Ok(())
    }

    fn apply(&mut self, event: Self::Event) {
        match event {
            ConsortiumEvent::ConsortiumFormed { lead, members, .. } => {
                self.status = ConsortiumStatus::Formed;
                self.lead = Some(lead);
                self.members = members;
            }
            ConsortiumEvent::MemberAdded { member, .. } => self.members.push(member),
            ConsortiumEvent::MemberRemoved { member, .. } => self.members.retain(|m| m != &member),
            ConsortiumEvent::LevelApplicationSubmitted { level, .. } => {
                self.status_before_application = self.status;
                self.status = ConsortiumStatus::Applying;
                self.pending_level = Some(level);
            }
            ConsortiumEvent::LevelGranted {
                level,
                effective_date,
                construction_end,
                ..
            } => {
                self.close_open_spell(effective_date);
                self.spells.push(LevelSpell {
                    level,
                    from: effective_date,
                    until: None,
                });
                self.status = ConsortiumStatus::Holding;
                self.level = Some(level);
                self.pending_level = None;
                self.construction_end = Some(construction_end);
            }
            ConsortiumEvent::LevelApplicationRejected { .. } => {
                self.status = self.status_before_application;
                self.pending_level = None;
            }
            ConsortiumEvent::CultivationRewardGranted {
                grant_id,
                level,
                amount,
                payable,
                ..
            } => self.grants.push(Grant {
                id: grant_id,
                kind: GrantKind::CultivationReward { level },
                amount,
                payable,
                paid: Money::ZERO,
                cancelled: false,
            }),
            ConsortiumEvent::AccreditationSupportGranted {
                grant_id,
                amount,
                payable,
                ..
            } => self.grants.push(Grant {
                id: grant_id,
                kind: GrantKind::AccreditationSupport,
                amount,
                payable,
                paid: Money::ZERO,
                cancelled: false,
            }),
            ConsortiumEvent::ConsortiumFundsDisbursed {
                grant_id,
                amount,
                grant_paid,
                ..
            } => {
                if let Some(g) = self.grant_mut(&grant_id) {
                    g.paid = grant_paid;
                }
                self.disbursed_total =
                    Money::from_fen(self.disbursed_total.fen().saturating_add(amount.fen()));
            }
            ConsortiumEvent::EvaluationResultRecorded {
                round_id,
                round_no,
                period_end,
                grade,
                ..
            } => self.evaluations.push(EvaluationRecord {
                round_id,
                round_no,
                period_end,
                grade,
            }),
            ConsortiumEvent::AccreditationRevoked { revoked_on, .. } => {
                self.close_open_spell(revoked_on);
                self.status = ConsortiumStatus::Revoked;
                self.level = None;
                self.pending_level = None;
                self.construction_end = None;
            }
            ConsortiumEvent::GrantsCancelled { grants } => {
                for c in grants {
                    if let Some(g) = self.grant_mut(&c.grant_id) {
                        g.cancelled = true;
                        g.payable = g.paid;
                    }
                }
            }
            ConsortiumEvent::ConstructionPeriodEnded { .. } => {
                self.status = ConsortiumStatus::FinalAcceptanceDue;
            }
            ConsortiumEvent::FinalAcceptancePassed { .. } => {
                self.status = ConsortiumStatus::Completed;
            }
            ConsortiumEvent::FinalAcceptanceFailed { .. } => {
                self.status = ConsortiumStatus::RemedyPending;
            }
            ConsortiumEvent::RectificationOrdered { .. } => {
                self.status = ConsortiumStatus::Rectifying;
            }
            ConsortiumEvent::RecoveryReferred { .. } => {
                self.status = ConsortiumStatus::RecoveryReferred;
            }
        }
    }
}
