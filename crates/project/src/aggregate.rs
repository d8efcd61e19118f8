use chrono::{Months, NaiveDate};
use cqrs_es::event_sink::EventSink;
use cqrs_es::Aggregate;
use kernel::{Money, OrgCode};
use serde::{Deserialize, Serialize};

use crate::{
    AwardProject, ContractTerms, Gate, MilestonePlan, ProjectCommand, ProjectError, ProjectEvent,
    ProjectServices, RecoveryBasis, TerminationReason, TranchePlan,
};

/// Most months one extension may add (domain.md [W16]『一般允许延期一次,期限最长不超过一年』).
pub const MAX_EXTENSION_MONTHS: u32 = 12;
/// An extension is asked at least this many months before the end ([W16]『应在任务书期满前3个月提出延期验收申请』).
pub const EXTENSION_NOTICE_MONTHS: u32 = 3;
/// Acceptance is asked within this many months after the end ([W16]『任务书到期后6个月内申请组织验收』).
pub const ACCEPTANCE_WITHIN_MONTHS: u32 = 6;

/// Where a project stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProjectStatus {
    /// No event yet.
    #[default]
    New,
    /// 立项: awarded, contract not yet signed.
    Awarded,
    /// Contract signed; work under way.
    InProgress,
    /// The lead asked for acceptance.
    AcceptanceRequested,
    /// Acceptance failed; one rectification may be ordered.
    AcceptanceFailed,
    /// Rectifying after a failed acceptance.
    RectifyingAcceptance,
    /// 验收通过.
    Accepted,
    /// Re-acceptance failed.
    Failed,
    /// Dropped at a race checkpoint.
    Eliminated,
    /// 终止.
    Terminated,
    /// Closed; unpaid tranches cancelled.
    Closed,
}

impl ProjectStatus {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            ProjectStatus::New => "new",
            ProjectStatus::Awarded => "awarded",
            ProjectStatus::InProgress => "in_progress",
            ProjectStatus::AcceptanceRequested => "acceptance_requested",
            ProjectStatus::AcceptanceFailed => "acceptance_failed",
            ProjectStatus::RectifyingAcceptance => "rectifying_acceptance",
            ProjectStatus::Accepted => "accepted",
            ProjectStatus::Failed => "failed",
            ProjectStatus::Eliminated => "eliminated",
            ProjectStatus::Terminated => "terminated",
            ProjectStatus::Closed => "closed",
        }
    }

    /// True for outcomes from which only closing is possible.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            ProjectStatus::Accepted
                | ProjectStatus::Failed
                | ProjectStatus::Eliminated
                | ProjectStatus::Terminated
                | ProjectStatus::Closed
        )
    }
}

/// Where a milestone stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MilestoneStatus {
    /// Not yet reported.
    #[default]
    Pending,
    /// Reported, awaiting assessment.
    Reported,
    /// Passed.
    Passed,
    /// Failed; a rectification may be ordered.
    Failed,
    /// Under rectification.
    Rectifying,
    /// Rectification reported, awaiting assessment.
    RectificationReported,
    /// Passed after rectification.
    Rectified,
    /// Rectification failed or its deadline was missed.
    RectificationFailed,
}

impl MilestoneStatus {
    fn as_str(self) -> &'static str {
        match self {
            MilestoneStatus::Pending => "pending",
            MilestoneStatus::Reported => "reported",
            MilestoneStatus::Passed => "passed",
            MilestoneStatus::Failed => "failed",
            MilestoneStatus::Rectifying => "rectifying",
            MilestoneStatus::RectificationReported => "rectification_reported",
            MilestoneStatus::Rectified => "rectified",
            MilestoneStatus::RectificationFailed => "rectification_failed",
        }
    }

    fn is_done(self) -> bool {
        matches!(self, MilestoneStatus::Passed | MilestoneStatus::Rectified)
    }
}

/// A milestone and its progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MilestoneState {
    /// The plan.
    pub plan: MilestonePlan,
    /// Progress.
    pub status: MilestoneStatus,
    /// Deadline of its one rectification, once ordered.
    pub rectification_deadline: Option<NaiveDate>,
}

/// A tranche and its payment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrancheState {
    /// The plan.
    pub plan: TranchePlan,
    /// When it was paid.
    pub paid_on: Option<NaiveDate>,
}

/// An awarded project (立项项目).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Project {
    /// Where it stands.
    pub status: ProjectStatus,
    /// The award it started from.
    pub award: Option<AwardProject>,
    /// Task-book reference.
    pub task_book_ref: Option<String>,
    /// Contract start.
    pub start: Option<NaiveDate>,
    /// Contract end, after any extension.
    pub end: Option<NaiveDate>,
    /// Milestones.
    pub milestones: Vec<MilestoneState>,
    /// Tranches.
    pub tranches: Vec<TrancheState>,
    /// Total paid.
    pub disbursed: Money,
    /// True once the one extension was granted.
    pub extension_granted: bool,
    /// Race checkpoints survived (horse-race lanes).
    pub checkpoints_survived: u32,
    /// True once the race concluded with this lane as survivor.
    pub race_won: bool,
    /// True once the one acceptance rectification was ordered.
    pub acceptance_rectification_used: bool,
    /// Deadline of the acceptance rectification.
    pub acceptance_rectification_deadline: Option<NaiveDate>,
}

fn required(value: &str, field: &'static str) -> Result<(), ProjectError> {
    if value.trim().is_empty() {
        Err(ProjectError::Required(field))
    } else {
        Ok(())
    }
}

fn unique<'a>(ids: impl Iterator<Item = &'a str>) -> Result<(), ProjectError> {
    let mut seen = std::collections::BTreeSet::new();
    for id in ids {
        if id.trim().is_empty() {
            return Err(ProjectError::Required("id"));
        }
        if !seen.insert(id) {
            return Err(ProjectError::DuplicateId(id.to_string()));
        }
    }
    Ok(())
}

impl Project {
    fn refuse(&self, action: &'static str) -> ProjectError {
        ProjectError::InvalidTransition {
            status: self.status.as_str(),
            action,
        }
    }

    fn award(&self) -> Result<&AwardProject, ProjectError> {
        self.award.as_ref().ok_or(self.refuse("change"))
    }

    fn is_race_lane(&self) -> bool {
        self.award.as_ref().is_some_and(|a| a.race_lane)
    }

    /// True once the project ended in a way that takes a lane out of its race outside a
    /// checkpoint: terminated, failed, or closed.
    fn left_race(&self) -> bool {
        matches!(
            self.status,
            ProjectStatus::Terminated | ProjectStatus::Failed | ProjectStatus::Closed
        )
    }

    /// True for a horse-race lane that still races: awarded as a lane, not the race's winner,
    /// neither eliminated nor ended. Its race counts it as a live lane exactly then
    /// ([`crate::Race::is_racing`]).
    pub fn is_racing(&self) -> bool {
        self.is_race_lane()
            && !self.race_won
            && matches!(
                self.status,
                ProjectStatus::Awarded
                    | ProjectStatus::InProgress
                    | ProjectStatus::AcceptanceRequested
                    | ProjectStatus::AcceptanceFailed
                    | ProjectStatus::RectifyingAcceptance
                    | ProjectStatus::Accepted
            )
    }

    fn milestone(&self, id: &str) -> Result<&MilestoneState, ProjectError> {
        self.milestones
            .iter()
            .find(|m| m.plan.id == id)
            .ok_or_else(|| ProjectError::UnknownMilestone(id.to_string()))
    }

    fn milestone_mut(&mut self, id: &str) -> Option<&mut MilestoneState> {
        self.milestones.iter_mut().find(|m| m.plan.id == id)
    }

    fn gate_met(&self, gate: &Gate) -> bool {
        match gate {
            Gate::OnContract => self.task_book_ref.is_some(),
            Gate::OnMilestone { milestone } => self
                .milestones
                .iter()
                .any(|m| &m.plan.id == milestone && m.status.is_done()),
            // A lane that won the race has survived every checkpoint there will be.
            Gate::OnCheckpoint { checkpoint } => {
                self.race_won || self.checkpoints_survived >= *checkpoint
            }
            Gate::OnAcceptance => self.status == ProjectStatus::Accepted,
        }
    }

    fn recovery(&self, asked: Option<Money>) -> Result<Money, ProjectError> {
        let amount = asked.unwrap_or(self.disbursed);
        if amount.fen() < 0 || amount > self.disbursed {
            return Err(ProjectError::RecoveryOutOfRange {
                disbursed_fen: self.disbursed.fen(),
            });
        }
        Ok(amount)
    }

    fn referral(&self, amount: Money, basis: RecoveryBasis) -> Option<ProjectEvent> {
        amount
            .is_positive()
            .then_some(ProjectEvent::RecoveryReferred {
                amount,
                basis,
                disbursed_total: self.disbursed,
            })
    }

    fn create(&self, award: AwardProject) -> Result<Vec<ProjectEvent>, ProjectError> {
        if self.status != ProjectStatus::New {
            return Err(ProjectError::AlreadyCreated);
        }
        if !award.award.is_positive() {
            return Err(ProjectError::AwardNotPositive);
        }
        Ok(vec![ProjectEvent::ProjectAwarded(award)])
    }

    fn sign(&self, terms: ContractTerms) -> Result<Vec<ProjectEvent>, ProjectError> {
        if self.status != ProjectStatus::Awarded {
            return Err(self.refuse("sign the contract of"));
        }
        let award = self.award()?;
        required(&terms.task_book_ref, "task_book_ref")?;
        if terms.end <= terms.start {
            return Err(ProjectError::ContractEndsBeforeStart);
        }
        // domain.md [W5]『明确任务完成时限』: the contract ends by the call's completion deadline.
        if terms.end > award.completion_deadline {
            return Err(ProjectError::ContractEndsAfterDeadline {
                deadline: award.completion_deadline,
            });
        }
        if terms.milestones.is_empty() {
            return Err(ProjectError::NoMilestones);
        }
        unique(terms.milestones.iter().map(|m| m.id.as_str()))?;
        unique(terms.tranches.iter().map(|t| t.id.as_str()))?;
        for m in &terms.milestones {
            required(&m.deliverables, "milestones[].deliverables")?;
            if m.due < terms.start || m.due > terms.end {
                return Err(ProjectError::MilestoneOutsideTerm(m.id.clone()));
            }
        }
        for t in &terms.tranches {
            if !t.amount.is_positive() {
                return Err(ProjectError::TrancheNotPositive(t.id.clone()));
            }
            match &t.gate {
                Gate::OnMilestone { milestone }
                    if !terms.milestones.iter().any(|m| &m.id == milestone) =>
                {
                    return Err(ProjectError::UnknownGateMilestone(milestone.clone()));
                }
                Gate::OnCheckpoint { .. } if !award.race_lane => {
                    return Err(ProjectError::CheckpointGateOutsideRace)
                }
                _ => {}
            }
        }
        // domain.md: Σ tranches = award, exactly.
        let sum = Money::checked_sum(terms.tranches.iter().map(|t| t.amount)).map_err(|_| {
            ProjectError::TranchesDoNotSumToAward {
                sum_fen: i64::MAX,
                award_fen: award.award.fen(),
            }
        })?;
        if sum != award.award {
            return Err(ProjectError::TranchesDoNotSumToAward {
                sum_fen: sum.fen(),
                award_fen: award.award.fen(),
            });
        }
        Ok(vec![ProjectEvent::ContractSigned(terms)])
    }

    fn disburse(
        &self,
        tranche: String,
        paid_on: NaiveDate,
        payment_ref: String,
    ) -> Result<Vec<ProjectEvent>, ProjectError> {
        match self.status {
            ProjectStatus::InProgress
            | ProjectStatus::AcceptanceRequested
            | ProjectStatus::Accepted => {}
            _ => return Err(self.refuse("disburse on")),
        }
        required(&payment_ref, "payment_ref")?;
        let award = self.award()?.award;
        let t = self
            .tranches
            .iter()
            .find(|t| t.plan.id == tranche)
            .ok_or_else(|| ProjectError::UnknownTranche(tranche.clone()))?;
        if t.paid_on.is_some() {
            return Err(ProjectError::TrancheAlreadyPaid(tranche));
        }
        // domain.md [W17]『通过中期检查或验收后,再拨付剩余经费』: pay only once the gate is met.
        if !self.gate_met(&t.plan.gate) {
            return Err(ProjectError::GateNotMet(tranche));
        }
        let total = self
            .disbursed
            .checked_add(t.plan.amount)
            .ok()
            .filter(|total| *total <= award)
            .ok_or(ProjectError::DisbursementExceedsAward {
                award_fen: award.fen(),
                asked_fen: t.plan.amount.fen(),
            })?;
        Ok(vec![ProjectEvent::TrancheDisbursed {
            tranche,
            amount: t.plan.amount,
            paid_on,
            payment_ref,
            disbursed_total: total,
        }])
    }

    fn report(
        &self,
        milestone: String,
        evidence_ref: String,
        reporter: &OrgCode,
        today: NaiveDate,
    ) -> Result<Vec<ProjectEvent>, ProjectError> {
        if self.status != ProjectStatus::InProgress {
            return Err(self.refuse("report a milestone of"));
        }
        if &self.award()?.lead != reporter {
            return Err(ProjectError::NotTheLead);
        }
        required(&evidence_ref, "evidence_ref")?;
        let m = self.milestone(&milestone)?;
        match m.status {
            MilestoneStatus::Pending => {}
            MilestoneStatus::Rectifying => {
                if let Some(deadline) = m.rectification_deadline.filter(|d| today > *d) {
                    return Err(ProjectError::RectificationDeadlinePassed(deadline));
                }
            }
            other => {
                return Err(ProjectError::MilestoneNotReady {
                    milestone,
                    status: other.as_str(),
                })
            }
        }
        Ok(vec![ProjectEvent::MilestoneReported {
            milestone,
            evidence_ref,
            reported_on: today,
        }])
    }

    fn assess(
        &self,
        milestone: String,
        passed: bool,
        opinions: Vec<String>,
        today: NaiveDate,
    ) -> Result<Vec<ProjectEvent>, ProjectError> {
        if self.status != ProjectStatus::InProgress {
            return Err(self.refuse("assess a milestone of"));
        }
        let m = self.milestone(&milestone)?;
        let event = match m.status {
            MilestoneStatus::Reported if passed => ProjectEvent::MilestonePassed {
                milestone,
                opinions,
            },
            MilestoneStatus::Reported => ProjectEvent::MilestoneFailed {
                milestone,
                opinions,
            },
            MilestoneStatus::RectificationReported if passed => ProjectEvent::MilestoneRectified {
                milestone,
                opinions,
            },
            MilestoneStatus::RectificationReported => ProjectEvent::MilestoneRectificationFailed {
                milestone,
                deadline_missed: false,
                opinions,
            },
            // domain.md: a missed rectification deadline counts as failed.
            MilestoneStatus::Rectifying => match m.rectification_deadline {
                Some(deadline) if today <= deadline => {
                    return Err(ProjectError::RectificationStillOpen(deadline))
                }
                _ => ProjectEvent::MilestoneRectificationFailed {
                    milestone,
                    deadline_missed: true,
                    opinions,
                },
            },
            other => {
                return Err(ProjectError::MilestoneNotReady {
                    milestone,
                    status: other.as_str(),
                })
            }
        };
        Ok(vec![event])
    }

    fn order_milestone_rectification(
        &self,
        milestone: String,
        deadline: NaiveDate,
        today: NaiveDate,
    ) -> Result<Vec<ProjectEvent>, ProjectError> {
        if self.status != ProjectStatus::InProgress {
            return Err(self.refuse("order a rectification on"));
        }
        let m = self.milestone(&milestone)?;
        if m.rectification_deadline.is_some() {
            return Err(ProjectError::RectificationAlreadyUsed);
        }
        // 001_5a9afaa2304051ee.txt「整改或追回资金」: one rectification of a failed result.
        if m.status != MilestoneStatus::Failed {
            return Err(ProjectError::MilestoneNotReady {
                milestone,
                status: m.status.as_str(),
            });
        }
        if deadline <= today {
            return Err(ProjectError::DeadlineInPast);
        }
        Ok(vec![ProjectEvent::MilestoneRectificationOrdered {
            milestone,
            deadline,
        }])
    }

    /// Checks a race step on this lane; `Ok(false)` when the lane has already left the race
    /// (its project ended outside a checkpoint), so the step has nothing left to do.
    fn race_step(&self, checkpoint: u32, action: &'static str) -> Result<bool, ProjectError> {
        if !self.is_race_lane() || self.race_won {
            return Err(ProjectError::NotARaceLane);
        }
        // The race learns of the ending by its own reaction; a checkpoint held in between still
        // names the lane, and that is no fault of the lane's.
        if self.left_race() {
            return Ok(false);
        }
        if !self.is_racing() {
            return Err(self.refuse(action));
        }
        let expected = self.checkpoints_survived + 1;
        if checkpoint != expected {
            return Err(ProjectError::CheckpointOutOfOrder {
                expected,
                got: checkpoint,
            });
        }
        Ok(true)
    }

    fn extend(
        &self,
        new_end: NaiveDate,
        reason: String,
        today: NaiveDate,
    ) -> Result<Vec<ProjectEvent>, ProjectError> {
        if self.status != ProjectStatus::InProgress {
            return Err(self.refuse("extend"));
        }
        // domain.md [W15]『延期申请只能一次,最长期限不超过一年』.
        if self.extension_granted {
            return Err(ProjectError::ExtensionAlreadyGranted);
        }
        required(&reason, "reason")?;
        let end = self.end.ok_or(self.refuse("extend"))?;
        let latest = end
            .checked_add_months(Months::new(MAX_EXTENSION_MONTHS))
            .unwrap_or(NaiveDate::MAX);
        if new_end <= end || new_end > latest {
            return Err(ProjectError::ExtensionTooLong { latest });
        }
        // domain.md [W16]『应在任务书期满前3个月提出延期验收申请』.
        let latest_request = end
            .checked_sub_months(Months::new(EXTENSION_NOTICE_MONTHS))
            .unwrap_or(NaiveDate::MIN);
        if today > latest_request {
            return Err(ProjectError::ExtensionTooLate { latest_request });
        }
        Ok(vec![ProjectEvent::ExtensionGranted {
            previous_end: end,
            new_end,
            reason,
        }])
    }

    fn request_acceptance(
        &self,
        requester: &OrgCode,
        today: NaiveDate,
    ) -> Result<Vec<ProjectEvent>, ProjectError> {
        if self.status != ProjectStatus::InProgress {
            return Err(self.refuse("request acceptance of"));
        }
        if &self.award()?.lead != requester {
            return Err(ProjectError::NotTheLead);
        }
        if let Some(m) = self.milestones.iter().find(|m| !m.status.is_done()) {
            return Err(ProjectError::MilestonesOutstanding(m.plan.id.clone()));
        }
        let end = self.end.ok_or(self.refuse("request acceptance of"))?;
        // domain.md [W16]『任务书到期后6个月内申请组织验收』: within 6 months after the (extended) end.
        let latest = end
            .checked_add_months(Months::new(ACCEPTANCE_WITHIN_MONTHS))
            .unwrap_or(NaiveDate::MAX);
        if today > latest {
            return Err(ProjectError::AcceptanceRequestTooLate { latest });
        }
        Ok(vec![ProjectEvent::AcceptanceRequested {
            requested_on: today,
        }])
    }

    fn terminate(
        &self,
        reason: TerminationReason,
        detail: String,
        recover_amount: Option<Money>,
    ) -> Result<Vec<ProjectEvent>, ProjectError> {
        if self.status == ProjectStatus::New || self.status.is_terminal() {
            return Err(self.refuse("terminate"));
        }
        required(&detail, "detail")?;
        let (basis, asked) = match reason {
            // domain.md [W13]『追回已拨付的财政资金』: misconduct recovers all disbursed money by default.
            TerminationReason::Misconduct => (RecoveryBasis::Misconduct, recover_amount),
            TerminationReason::RectificationFailed => {
                (RecoveryBasis::RectificationFailed, recover_amount)
            }
            // domain.md 宽容失败: honest failure recovers only the unspent funds the officer enters.
            TerminationReason::Infeasible => (
                RecoveryBasis::Infeasible,
                Some(recover_amount.ok_or(ProjectError::RecoveryAmountRequired)?),
            ),
            TerminationReason::ApplicantRequest => (
                RecoveryBasis::ApplicantRequest,
                Some(recover_amount.ok_or(ProjectError::RecoveryAmountRequired)?),
            ),
        };
        let amount = self.recovery(asked)?;
        let mut events = vec![ProjectEvent::ProjectTerminated { reason, detail }];
        events.extend(self.referral(amount, basis));
        Ok(events)
    }

    fn re_accept(
        &self,
        passed: bool,
        report_ref: String,
        recover_amount: Option<Money>,
    ) -> Result<Vec<ProjectEvent>, ProjectError> {
        if self.status != ProjectStatus::RectifyingAcceptance {
            return Err(self.refuse("record re-acceptance of"));
        }
        required(&report_ref, "report_ref")?;
        if passed {
            return Ok(vec![ProjectEvent::AcceptancePassed {
                panel: "re-acceptance".into(),
                report_ref,
                demand_owner_confirmation: None,
            }]);
        }
        if recover_amount.is_some_and(|a| !a.is_positive()) {
            return Err(ProjectError::RecoveryOutOfRange {
                disbursed_fen: self.disbursed.fen(),
            });
        }
        // domain.md [A-25]/[A-44] by analogy with 001_5a9afaa2304051ee.txt「整改或追回资金」: a failed
        // re-acceptance refers the recovery, by default of all money disbursed.
        let amount = self.recovery(recover_amount)?;
        let mut events = vec![ProjectEvent::ProjectFailed { report_ref }];
        events.extend(self.referral(amount, RecoveryBasis::ProjectFailed));
        Ok(events)
    }

    fn decide(
        &self,
        command: ProjectCommand,
        today: NaiveDate,
    ) -> Result<Vec<ProjectEvent>, ProjectError> {
        match command {
            ProjectCommand::CreateFromAward(award) => self.create(award),
            ProjectCommand::SignContract(terms) => self.sign(terms),
            ProjectCommand::DisburseTranche {
                tranche,
                paid_on,
                payment_ref,
            } => self.disburse(tranche, paid_on, payment_ref),
            ProjectCommand::ReportMilestone {
                milestone,
                evidence_ref,
                reporter,
            } => self.report(milestone, evidence_ref, &reporter, today),
            ProjectCommand::AssessMilestone {
                milestone,
                passed,
                opinions,
            } => self.assess(milestone, passed, opinions, today),
            ProjectCommand::OrderMilestoneRectification {
                milestone,
                deadline,
            } => self.order_milestone_rectification(milestone, deadline, today),
            ProjectCommand::SurviveCheckpoint { checkpoint } => {
                if !self.race_step(checkpoint, "record a checkpoint on")? {
                    return Ok(Vec::new());
                }
                Ok(vec![ProjectEvent::CheckpointSurvived { checkpoint }])
            }
            ProjectCommand::EliminateFromRace { checkpoint } => {
                if !self.race_step(checkpoint, "eliminate")? {
                    return Ok(Vec::new());
                }
                // domain.md: elimination is a normal outcome of a race; it refers nothing.
                Ok(vec![ProjectEvent::ProjectEliminated { checkpoint }])
            }
            ProjectCommand::ConcludeRace => {
                if !self.is_race_lane() || self.race_won {
                    return Err(ProjectError::NotARaceLane);
                }
                if self.left_race() {
                    return Ok(Vec::new());
                }
                if !self.is_racing() {
                    return Err(self.refuse("conclude the race of"));
                }
                Ok(vec![ProjectEvent::RaceWon])
            }
            ProjectCommand::GrantExtension { new_end, reason } => {
                self.extend(new_end, reason, today)
            }
            ProjectCommand::RequestAcceptance { requester } => {
                self.request_acceptance(&requester, today)
            }
            ProjectCommand::RecordAcceptance {
                passed,
                panel,
                report_ref,
                demand_owner_confirmation,
            } => {
                if self.status != ProjectStatus::AcceptanceRequested {
                    return Err(self.refuse("record acceptance of"));
                }
                required(&report_ref, "report_ref")?;
                Ok(vec![if passed {
                    ProjectEvent::AcceptancePassed {
                        panel,
                        report_ref,
                        demand_owner_confirmation,
                    }
                } else {
                    ProjectEvent::AcceptanceFailed {
                        panel,
                        report_ref,
                        demand_owner_confirmation,
                    }
                }])
            }
            ProjectCommand::OrderAcceptanceRectification { deadline } => {
                if self.acceptance_rectification_used {
                    return Err(ProjectError::RectificationAlreadyUsed);
                }
                if self.status != ProjectStatus::AcceptanceFailed {
                    return Err(self.refuse("order an acceptance rectification on"));
                }
                if deadline <= today {
                    return Err(ProjectError::DeadlineInPast);
                }
                Ok(vec![ProjectEvent::AcceptanceRectificationOrdered {
                    deadline,
                }])
            }
            ProjectCommand::RecordReAcceptance {
                passed,
                report_ref,
                recover_amount,
            } => self.re_accept(passed, report_ref, recover_amount),
            ProjectCommand::Terminate {
                reason,
                detail,
                recover_amount,
            } => self.terminate(reason, detail, recover_amount),
            ProjectCommand::Close => {
                // domain.md: close only from a terminal outcome; unpaid tranches are cancelled.
                match self.status {
                    ProjectStatus::Accepted
                    | ProjectStatus::Failed
                    | ProjectStatus::Eliminated
                    | ProjectStatus::Terminated => {}
                    _ => return Err(self.refuse("close")),
                }
                let unpaid: Vec<&TrancheState> = self
                    .tranches
                    .iter()
                    .filter(|t| t.paid_on.is_none())
                    .collect();
                let total =
                    Money::checked_sum(unpaid.iter().map(|t| t.plan.amount)).unwrap_or(Money::ZERO);
                Ok(vec![ProjectEvent::ProjectClosed {
                    cancelled_tranches: unpaid.iter().map(|t| t.plan.id.clone()).collect(),
                    undisbursed_cancelled: total,
                }])
            }
        }
    }
}

impl Aggregate for Project {
    const TYPE: &'static str = "project";
    type Command = ProjectCommand;
    type Event = ProjectEvent;
    type Error = ProjectError;
    type Services = ProjectServices;

    async fn handle(
        &mut self,
        command: Self::Command,
        services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        for event in self.decide(command, services.clock.today())? {
            sink.write(event, self).await;
        }
        Ok(())
    }

    fn apply(&mut self, event: Self::Event) {
        match event {
            ProjectEvent::ProjectAwarded(award) => {
                self.status = ProjectStatus::Awarded;
                self.award = Some(award);
            }
            ProjectEvent::ContractSigned(terms) => {
                self.status = ProjectStatus::InProgress;
                self.task_book_ref = Some(terms.task_book_ref);
                self.start = Some(terms.start);
                self.end = Some(terms.end);
                self.milestones = terms
                    .milestones
                    .into_iter()
                    .map(|plan| MilestoneState {
                        plan,
                        status: MilestoneStatus::Pending,
                        rectification_deadline: None,
                    })
                    .collect();
                self.tranches = terms
                    .tranches
                    .into_iter()
                    .map(|plan| TrancheState {
                        plan,
                        paid_on: None,
                    })
                    .collect();
            }
            ProjectEvent::TrancheDisbursed {
                tranche,
                paid_on,
                disbursed_total,
                ..
            } => {
                if let Some(t) = self.tranches.iter_mut().find(|t| t.plan.id == tranche) {
                    t.paid_on = Some(paid_on);
                }
                self.disbursed = disbursed_total;
            }
            ProjectEvent::MilestoneReported { milestone, .. } => {
                if let Some(m) = self.milestone_mut(&milestone) {
                    m.status = if m.status == MilestoneStatus::Rectifying {
                        MilestoneStatus::RectificationReported
                    } else {
                        MilestoneStatus::Reported
                    };
                }
            }
            ProjectEvent::MilestonePassed { milestone, .. } => {
                self.set_milestone(&milestone, MilestoneStatus::Passed)
            }
            ProjectEvent::MilestoneFailed { milestone, .. } => {
                self.set_milestone(&milestone, MilestoneStatus::Failed)
            }
            ProjectEvent::MilestoneRectificationOrdered {
                milestone,
                deadline,
            } => {
                if let Some(m) = self.milestone_mut(&milestone) {
                    m.status = MilestoneStatus::Rectifying;
                    m.rectification_deadline = Some(deadline);
                }
            }
            ProjectEvent::MilestoneRectified { milestone, .. } => {
                self.set_milestone(&milestone, MilestoneStatus::Rectified)
            }
            ProjectEvent::MilestoneRectificationFailed { milestone, .. } => {
                self.set_milestone(&milestone, MilestoneStatus::RectificationFailed)
            }
            ProjectEvent::CheckpointSurvived { checkpoint } => {
                self.checkpoints_survived = checkpoint
            }
            ProjectEvent::ProjectEliminated { .. } => self.status = ProjectStatus::Eliminated,
            ProjectEvent::RaceWon => self.race_won = true,
            ProjectEvent::ExtensionGranted { new_end, .. } => {
                self.extension_granted = true;
                self.end = Some(new_end);
            }
            ProjectEvent::AcceptanceRequested { .. } => {
                self.status = ProjectStatus::AcceptanceRequested
            }
            ProjectEvent::AcceptancePassed { .. } => self.status = ProjectStatus::Accepted,
            ProjectEvent::AcceptanceFailed { .. } => self.status = ProjectStatus::AcceptanceFailed,
            ProjectEvent::AcceptanceRectificationOrdered { deadline } => {
                self.status = ProjectStatus::RectifyingAcceptance;
                self.acceptance_rectification_used = true;
                self.acceptance_rectification_deadline = Some(deadline);
            }
            ProjectEvent::ProjectFailed { .. } => self.status = ProjectStatus::Failed,
            ProjectEvent::ProjectTerminated { .. } => self.status = ProjectStatus::Terminated,
            ProjectEvent::RecoveryReferred { .. } => {}
            ProjectEvent::ProjectClosed { .. } => self.status = ProjectStatus::Closed,
        }
    }
}

impl Project {
    fn set_milestone(&mut self, id: &str, status: MilestoneStatus) {
        if let Some(m) = self.milestone_mut(id) {
            m.status = status;
        }
    }
}
