use chrono::{NaiveDate, TimeDelta};
use cqrs_es::event_sink::EventSink;
use cqrs_es::Aggregate;
use kernel::{Money, OrgCode};
use serde::{Deserialize, Serialize};

use crate::{
    Basis, ClawbackCommand, ClawbackError, ClawbackEvent, ClawbackServices, EscalationRoute,
    IssueNotice, ObjectionDecision, OpenClawback, Subject,
};

/// Where a clawback case stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClawbackStatus {
    /// No event yet.
    #[default]
    New,
    /// Opened, no notice yet.
    Opened,
    /// The notice is out; the objection period runs (after it, the case awaits repayment).
    NoticeIssued,
    /// The debtor objected; the officer has to decide.
    ObjectionPending,
    /// The objection was decided; the claim stands (possibly reduced).
    AwaitingRepayment,
    /// Part of the claim is repaid.
    PartiallyRepaid,
    /// The due date passed with money outstanding.
    Overdue,
    /// The overdue case went to the courts or the integrity archive.
    Escalated,
    /// Nothing outstanding.
    Settled,
    /// The claim was dropped on objection.
    Withdrawn,
    /// 结案: final.
    Closed,
}

impl ClawbackStatus {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            ClawbackStatus::New => "new",
            ClawbackStatus::Opened => "opened",
            ClawbackStatus::NoticeIssued => "notice_issued",
            ClawbackStatus::ObjectionPending => "objection_pending",
            ClawbackStatus::AwaitingRepayment => "awaiting_repayment",
            ClawbackStatus::PartiallyRepaid => "partially_repaid",
            ClawbackStatus::Overdue => "overdue",
            ClawbackStatus::Escalated => "escalated",
            ClawbackStatus::Settled => "settled",
            ClawbackStatus::Withdrawn => "withdrawn",
            ClawbackStatus::Closed => "closed",
        }
    }

    /// Every wire name of a stored case, for list filters.
    pub const ALL: [ClawbackStatus; 10] = [
        ClawbackStatus::Opened,
        ClawbackStatus::NoticeIssued,
        ClawbackStatus::ObjectionPending,
        ClawbackStatus::AwaitingRepayment,
        ClawbackStatus::PartiallyRepaid,
        ClawbackStatus::Overdue,
        ClawbackStatus::Escalated,
        ClawbackStatus::Settled,
        ClawbackStatus::Withdrawn,
        ClawbackStatus::Closed,
    ];

    /// True while money may still be claimed under the case (not settled, withdrawn or closed).
    pub fn is_open(self) -> bool {
        !matches!(
            self,
            ClawbackStatus::New
                | ClawbackStatus::Settled
                | ClawbackStatus::Withdrawn
                | ClawbackStatus::Closed
        )
    }
}

/// A clawback case (追回资金案件). `outstanding = owed − repaid − waived`, never below zero.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ClawbackCase {
    /// Where the case stands.
    pub status: ClawbackStatus,
    /// What the money was paid to.
    pub subject: Option<Subject>,
    /// Who must repay.
    pub debtor: Option<OrgCode>,
    /// The decision the claim rests on.
    pub basis: Option<Basis>,
    /// Who opened the case.
    pub opened_by: String,
    /// The causing event, for a process manager's case.
    pub referral: Option<String>,
    /// Amount owed.
    pub owed: Money,
    /// Repaid so far.
    pub repaid: Money,
    /// Written off so far.
    pub waived: Money,
    /// Last day to repay.
    pub due_on: Option<NaiveDate>,
    /// Last day to object.
    pub objection_deadline: Option<NaiveDate>,
    /// Whether the single objection has been used.
    pub objection_filed: bool,
}

fn required(value: &str, field: &'static str) -> Result<(), ClawbackError> {
    if value.trim().is_empty() {
        Err(ClawbackError::Required(field))
    } else {
        Ok(())
    }
}

fn not_after(date: NaiveDate, today: NaiveDate, field: &'static str) -> Result<(), ClawbackError> {
    if date > today {
        Err(ClawbackError::DateInFuture { field, date })
    } else {
        Ok(())
    }
}

fn plus_days(date: NaiveDate, days: u32) -> NaiveDate {
    date.checked_add_signed(TimeDelta::days(i64::from(days)))
        .unwrap_or(NaiveDate::MAX)
}

impl ClawbackCase {
    /// `owed − repaid − waived`.
    pub fn outstanding(&self) -> Money {
        self.owed
            .checked_sub(self.repaid)
            .and_then(|m| m.checked_sub(self.waived))
            .unwrap_or(Money::ZERO)
    }

    fn refuse(&self, action: &'static str) -> ClawbackError {
        ClawbackError::InvalidTransition {
            status: self.status.as_str(),
            action,
        }
    }

    fn open(
        &self,
        cmd: OpenClawback,
        today: NaiveDate,
    ) -> Result<Vec<ClawbackEvent>, ClawbackError> {
        required(cmd.subject.id(), "subject.id")?;
        required(&cmd.basis.reference, "basis.reference")?;
        required(&cmd.opened_by, "opened_by")?;
        if !cmd.amount.is_positive() {
            return Err(ClawbackError::AmountNotPositive);
        }
        // domain.md §3.f: "The debtor is the recipient of record."
        if !cmd.recipients.contains(&cmd.debtor) {
            return Err(ClawbackError::DebtorNotRecipient {
                debtor: cmd.debtor.to_string(),
            });
        }
        // domain.md: the claim never exceeds what was disbursed to the subject, net of
        // what other open cases on it already claim.
        let recoverable = cmd
            .disbursed_to_subject
            .checked_sub(cmd.owed_in_other_cases)?;
        if cmd.amount > recoverable {
            return Err(ClawbackError::AmountAboveRecoverable {
                recoverable_fen: recoverable.fen().max(0),
                asked_fen: cmd.amount.fen(),
            });
        }
        Ok(vec![ClawbackEvent::ClawbackOpened {
            subject: cmd.subject,
            debtor: cmd.debtor,
            basis: cmd.basis,
            owed: cmd.amount,
            disbursed_to_subject: cmd.disbursed_to_subject,
            owed_in_other_cases: cmd.owed_in_other_cases,
            opened_by: cmd.opened_by,
            referral: cmd.referral,
            opened_on: today,
        }])
    }

    fn issue_notice(
        &self,
        cmd: IssueNotice,
        services: &ClawbackServices,
        today: NaiveDate,
    ) -> Result<Vec<ClawbackEvent>, ClawbackError> {
        if self.status != ClawbackStatus::Opened {
            return Err(self.refuse("issue a notice on"));
        }
        let issued_on = cmd.issued_on.unwrap_or(today);
        not_after(issued_on, today, "issued_on")?;
        // domain.md [W14] 『你单位应在15日内将相关资金缴入国库』: repay within 15 days.
        let due_on = cmd
            .due_on
            .unwrap_or_else(|| plus_days(issued_on, services.terms.repay_days));
        // domain.md [W14] 『自收到本通知之日起5个工作日内』: object within 5 working days.
        let objection_deadline = cmd.objection_deadline.unwrap_or_else(|| {
            services
                .calendar
                .add_working_days(issued_on, services.terms.objection_working_days)
        });
        if due_on < issued_on {
            return Err(ClawbackError::DeadlineBeforeNotice { field: "due_on" });
        }
        if objection_deadline < issued_on {
            return Err(ClawbackError::DeadlineBeforeNotice {
                field: "objection_deadline",
            });
        }
        Ok(vec![ClawbackEvent::RecoveryNoticeIssued {
            issued_on,
            due_on,
            objection_deadline,
        }])
    }

    fn file_objection(
        &self,
        grounds: String,
        hearing_requested: bool,
        today: NaiveDate,
    ) -> Result<Vec<ClawbackEvent>, ClawbackError> {
        if self.status != ClawbackStatus::NoticeIssued {
            return Err(self.refuse("object to"));
        }
        required(&grounds, "grounds")?;
        if let Some(deadline) = self.objection_deadline {
            // domain.md [W14] 『5个工作日内…提出听证申请或陈述、申辩意见』; the last day counts.
            if today > deadline {
                return Err(ClawbackError::ObjectionPeriodEnded { deadline });
            }
        }
        Ok(vec![ClawbackEvent::ObjectionFiled {
            grounds,
            hearing_requested,
            filed_on: today,
        }])
    }

    fn decide_objection(
        &self,
        decision: ObjectionDecision,
        services: &ClawbackServices,
        today: NaiveDate,
    ) -> Result<Vec<ClawbackEvent>, ClawbackError> {
        if self.status != ClawbackStatus::ObjectionPending {
            return Err(self.refuse("decide an objection on"));
        }
        // domain.md: confirming or revising resets the due date to +15 days.
        let due_on = plus_days(today, services.terms.repay_days);
        let mut events = Vec::new();
        match decision {
            ObjectionDecision::Confirm => events.push(ClawbackEvent::AmountConfirmed {
                owed: self.owed,
                due_on,
                decided_on: today,
            }),
            ObjectionDecision::Revise { new_owed } => {
                if !new_owed.is_positive() {
                    return Err(ClawbackError::AmountNotPositive);
                }
                // domain.md: never increased, never below what was already repaid.
                if new_owed > self.owed {
                    return Err(ClawbackError::RevisionAboveOwed {
                        owed_fen: self.owed.fen(),
                        asked_fen: new_owed.fen(),
                    });
                }
                if new_owed < self.repaid {
                    return Err(ClawbackError::RevisionBelowRepaid {
                        repaid_fen: self.repaid.fen(),
                        asked_fen: new_owed.fen(),
                    });
                }
                let outstanding = new_owed
                    .checked_sub(self.repaid)?
                    .checked_sub(self.waived)?;
                if outstanding.fen() < 0 {
                    return Err(ClawbackError::RevisionBelowRepaid {
                        repaid_fen: self.repaid.checked_add(self.waived)?.fen(),
                        asked_fen: new_owed.fen(),
                    });
                }
                events.push(ClawbackEvent::AmountRevised {
                    previous_owed: self.owed,
                    owed: new_owed,
                    outstanding,
                    due_on,
                    decided_on: today,
                });
                if outstanding == Money::ZERO {
                    events.push(ClawbackEvent::ClawbackSettled { settled_on: today });
                }
            }
            ObjectionDecision::Withdraw { reason } => {
                required(&reason, "reason")?;
                events.push(ClawbackEvent::ClawbackWithdrawn {
                    reason,
                    owed: self.repaid.checked_add(self.waived)?,
                    released: self.outstanding(),
                    decided_on: today,
                });
            }
        }
        Ok(events)
    }

    fn record_repayment(
        &self,
        amount: Money,
        paid_on: NaiveDate,
        treasury_receipt_ref: String,
        today: NaiveDate,
    ) -> Result<Vec<ClawbackEvent>, ClawbackError> {
        match self.status {
            ClawbackStatus::Opened => return Err(ClawbackError::NoticeNotIssued),
            // A debtor may pay during an objection.
            ClawbackStatus::NoticeIssued
            | ClawbackStatus::ObjectionPending
            | ClawbackStatus::AwaitingRepayment
            | ClawbackStatus::PartiallyRepaid
            | ClawbackStatus::Overdue
            | ClawbackStatus::Escalated => {}
            _ => return Err(self.refuse("record a repayment on")),
        }
        required(&treasury_receipt_ref, "treasury_receipt_ref")?;
        not_after(paid_on, today, "paid_on")?;
        if !amount.is_positive() {
            return Err(ClawbackError::AmountNotPositive);
        }
        let outstanding = self.outstanding();
        // domain.md: partial repayments are allowed, overpayment is not.
        if amount > outstanding {
            return Err(ClawbackError::RepaymentAboveOutstanding {
                outstanding_fen: outstanding.fen(),
                asked_fen: amount.fen(),
            });
        }
        let outstanding = outstanding.checked_sub(amount)?;
        let mut events = vec![ClawbackEvent::RepaymentRecorded {
            amount,
            paid_on,
            treasury_receipt_ref,
            repaid_total: self.repaid.checked_add(amount)?,
            outstanding,
        }];
        // domain.md: settlement is automatic at zero.
        if outstanding == Money::ZERO {
            events.push(ClawbackEvent::ClawbackSettled { settled_on: today });
        }
        Ok(events)
    }

    fn mark_overdue(&self, today: NaiveDate) -> Result<Vec<ClawbackEvent>, ClawbackError> {
        match self.status {
            // domain.md: a pending objection suspends the overdue check.
            ClawbackStatus::ObjectionPending => return Err(ClawbackError::ObjectionPending),
            ClawbackStatus::NoticeIssued
            | ClawbackStatus::AwaitingRepayment
            | ClawbackStatus::PartiallyRepaid => {}
            _ => return Err(self.refuse("mark overdue")),
        }
        let due_on = self.due_on.ok_or(ClawbackError::NoticeNotIssued)?;
        // domain.md [W14] 『逾期不退回』: overdue from the day after the due date.
        if today <= due_on {
            return Err(ClawbackError::NotYetDue { due_on });
        }
        let outstanding = self.outstanding();
        if !outstanding.is_positive() {
            return Err(ClawbackError::NothingOutstanding);
        }
        Ok(vec![ClawbackEvent::RepaymentOverdue {
            due_on,
            outstanding,
            marked_on: today,
        }])
    }

    fn escalate(
        &self,
        route: EscalationRoute,
        today: NaiveDate,
    ) -> Result<Vec<ClawbackEvent>, ClawbackError> {
        if self.status != ClawbackStatus::Overdue {
            return Err(self.refuse("escalate"));
        }
        let (Some(subject), Some(debtor)) = (self.subject.clone(), self.debtor.clone()) else {
            return Err(ClawbackError::NotOpened);
        };
        // domain.md [W14] 『通过司法程序追缴』; [W12]: refusing to repay is serious dishonesty.
        Ok(vec![ClawbackEvent::ClawbackEscalated {
            route,
            subject,
            debtor,
            outstanding: self.outstanding(),
            escalated_on: today,
        }])
    }

    fn waive(
        &self,
        amount: Money,
        reason: String,
        approved_by: String,
        today: NaiveDate,
    ) -> Result<Vec<ClawbackEvent>, ClawbackError> {
        match self.status {
            ClawbackStatus::ObjectionPending => return Err(ClawbackError::ObjectionPending),
            s if s.is_open() => {}
            _ => return Err(self.refuse("waive the remainder of")),
        }
        required(&reason, "reason")?;
        required(&approved_by, "approved_by")?;
        // domain.md: a write-off (核销) needs a second approver (four eyes).
        if approved_by == self.opened_by {
            return Err(ClawbackError::WaiverNeedsSecondApprover);
        }
        if !amount.is_positive() {
            return Err(ClawbackError::AmountNotPositive);
        }
        let outstanding = self.outstanding();
        if amount > outstanding {
            return Err(ClawbackError::WaiverAboveOutstanding {
                outstanding_fen: outstanding.fen(),
                asked_fen: amount.fen(),
            });
        }
        let outstanding = outstanding.checked_sub(amount)?;
        let mut events = vec![ClawbackEvent::RemainderWaived {
            amount,
            reason,
            approved_by,
            waived_total: self.waived.checked_add(amount)?,
            outstanding,
        }];
        if outstanding == Money::ZERO {
            events.push(ClawbackEvent::ClawbackSettled { settled_on: today });
        }
        Ok(events)
    }

    fn close(&self, today: NaiveDate) -> Result<Vec<ClawbackEvent>, ClawbackError> {
        match self.status {
            // domain.md: a case closes only when settled or withdrawn.
            ClawbackStatus::Settled | ClawbackStatus::Withdrawn => {
                Ok(vec![ClawbackEvent::ClawbackClosed { closed_on: today }])
            }
            _ => Err(ClawbackError::NotSettled {
                outstanding_fen: self.outstanding().fen(),
            }),
        }
    }
}

impl Aggregate for ClawbackCase {
    const TYPE: &'static str = "clawback_case";
    type Command = ClawbackCommand;
    type Event = ClawbackEvent;
    type Error = ClawbackError;
    type Services = ClawbackServices;

    async fn handle(
        &mut self,
        command: Self::Command,
        services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        let today = services.clock.today();
        if let ClawbackCommand::Open(cmd) = &command {
            if self.status != ClawbackStatus::New {
                return Err(ClawbackError::AlreadyOpened {
                    referral: cmd.referral.clone(),
                });
            }
        } else if self.status == ClawbackStatus::New {
            return Err(ClawbackError::NotOpened);
        } else if self.status == ClawbackStatus::Closed {
            // domain.md: a closed case rejects all commands.
            return Err(ClawbackError::CaseClosed);
        }
        let events = match command {
            ClawbackCommand::Open(cmd) => self.open(cmd, today)?,
            ClawbackCommand::IssueNotice(cmd) => self.issue_notice(cmd, services, today)?,
            ClawbackCommand::FileObjection {
                grounds,
                hearing_requested,
            } => self.file_objection(grounds, hearing_requested, today)?,
            ClawbackCommand::DecideObjection(decision) => {
                self.decide_objection(decision, services, today)?
            }
            ClawbackCommand::RecordRepayment {
                amount,
                paid_on,
                treasury_receipt_ref,
            } => self.record_repayment(amount, paid_on, treasury_receipt_ref, today)?,
            ClawbackCommand::MarkOverdue => self.mark_overdue(today)?,
            ClawbackCommand::Escalate { route } => self.escalate(route, today)?,
            ClawbackCommand::WaiveRemainder {
                amount,
                reason,
                approved_by,
            } => self.waive(amount, reason, approved_by, today)?,
            ClawbackCommand::Close => self.close(today)?,
        };
        for event in events {
            sink.write(event, self).await;
        }
        Ok(())
    }

    fn apply(&mut self, event: Self::Event) {
        match event {
            ClawbackEvent::ClawbackOpened {
                subject,
                debtor,
                basis,
                owed,
                opened_by,
                referral,
                ..
            } => {
                self.status = ClawbackStatus::Opened;
                self.subject = Some(subject);
                self.debtor = Some(debtor);
                self.basis = Some(basis);
                self.owed = owed;
                self.opened_by = opened_by;
                self.referral = referral;
            }
            ClawbackEvent::RecoveryNoticeIssued {
                due_on,
                objection_deadline,
                ..
            } => {
                self.status = ClawbackStatus::NoticeIssued;
                self.due_on = Some(due_on);
                self.objection_deadline = Some(objection_deadline);
            }
            ClawbackEvent::ObjectionFiled { .. } => {
                self.status = ClawbackStatus::ObjectionPending;
                self.objection_filed = true;
            }
            ClawbackEvent::AmountConfirmed { due_on, .. } => {
                self.status = self.awaiting();
                self.due_on = Some(due_on);
            }
            ClawbackEvent::AmountRevised { owed, due_on, .. } => {
                self.owed = owed;
                self.status = self.awaiting();
                self.due_on = Some(due_on);
            }
            ClawbackEvent::ClawbackWithdrawn { owed, .. } => {
                self.owed = owed;
                self.status = ClawbackStatus::Withdrawn;
            }
            ClawbackEvent::RepaymentRecorded { repaid_total, .. } => {
                self.repaid = repaid_total;
                if matches!(
                    self.status,
                    ClawbackStatus::NoticeIssued | ClawbackStatus::AwaitingRepayment
                ) {
                    self.status = ClawbackStatus::PartiallyRepaid;
                }
            }
            ClawbackEvent::RepaymentOverdue { .. } => self.status = ClawbackStatus::Overdue,
            ClawbackEvent::ClawbackEscalated { .. } => self.status = ClawbackStatus::Escalated,
            ClawbackEvent::RemainderWaived { waived_total, .. } => self.waived = waived_total,
            ClawbackEvent::ClawbackSettled { .. } => self.status = ClawbackStatus::Settled,
            ClawbackEvent::ClawbackClosed { .. } => self.status = ClawbackStatus::Closed,
        }
    }
}

impl ClawbackCase {
    fn awaiting(&self) -> ClawbackStatus {
        if self.repaid.is_positive() {
            ClawbackStatus::PartiallyRepaid
        } else {
            ClawbackStatus::AwaitingRepayment
        }
    }
}
