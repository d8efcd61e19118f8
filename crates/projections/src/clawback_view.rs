use std::collections::BTreeMap;

use chrono::NaiveDate;
use clawback::{Basis, ClawbackCase, ClawbackEvent, ClawbackStatus, EscalationRoute, Subject};
use cqrs_es::{EventEnvelope, View};
use kernel::OrgCode;
use serde::{Deserialize, Serialize};

use cqrs_es::persist::SerializedEvent;
use serde_json::Value;

use crate::{Indexed, ProjectionError, Projector, ViewIndex, ViewProjector, ViewRow};

/// The money of one case: `owed_fen = repaid_fen + waived_fen + outstanding_fen`, always.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CaseAmounts {
    /// Amount owed.
    pub owed_fen: i64,
    /// Repaid so far.
    pub repaid_fen: i64,
    /// Written off so far.
    pub waived_fen: i64,
    /// Still to be repaid.
    pub outstanding_fen: i64,
}

impl CaseAmounts {
    /// Folds the amounts an event carries.
    fn update(&mut self, event: &ClawbackEvent) {
        match event {
            ClawbackEvent::ClawbackOpened { owed, .. } => {
                *self = CaseAmounts {
                    owed_fen: owed.fen(),
                    outstanding_fen: owed.fen(),
                    ..CaseAmounts::default()
                };
            }
            ClawbackEvent::AmountRevised {
                owed, outstanding, ..
            } => {
                self.owed_fen = owed.fen();
                self.outstanding_fen = outstanding.fen();
            }
            ClawbackEvent::ClawbackWithdrawn { owed, .. } => {
                self.owed_fen = owed.fen();
                self.outstanding_fen = 0;
            }
            ClawbackEvent::RepaymentRecorded {
                repaid_total,
                outstanding,
                ..
            } => {
                self.repaid_fen = repaid_total.fen();
                self.outstanding_fen = outstanding.fen();
            }
            ClawbackEvent::RemainderWaived {
                waived_total,
                outstanding,
                ..
            } => {
                self.waived_fen = waived_total.fen();
                self.outstanding_fen = outstanding.fen();
            }
            _ => {}
        }
    }

    /// True when owed = repaid + waived + outstanding.
    pub fn adds_up(&self) -> bool {
        self.repaid_fen
            .checked_add(self.waived_fen)
            .and_then(|s| s.checked_add(self.outstanding_fen))
            == Some(self.owed_fen)
    }
}

/// One repayment as a reader sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepaymentEntry {
    /// Amount paid.
    pub amount_fen: i64,
    /// Payment date.
    pub paid_on: NaiveDate,
    /// Treasury receipt reference.
    pub treasury_receipt_ref: String,
}

/// One write-off as a reader sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaiverEntry {
    /// Amount written off.
    pub amount_fen: i64,
    /// Why.
    pub reason: String,
    /// The approving officer.
    pub approved_by: String,
}

/// The objection and its decision.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ClawbackObjectionEntry {
    /// Grounds.
    pub grounds: String,
    /// Whether a hearing was asked for.
    pub hearing_requested: bool,
    /// Filing date.
    pub filed_on: Option<NaiveDate>,
    /// `confirmed`, `revised` or `withdrawn` once decided.
    pub decision: Option<String>,
    /// Decision date.
    pub decided_on: Option<NaiveDate>,
    /// Why the claim was withdrawn.
    pub withdraw_reason: Option<String>,
}

/// A clawback case as the API shows it (the `ClawbackCase` schema).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ClawbackView {
    /// Stream id.
    pub id: String,
    /// Last stream sequence.
    pub version: usize,
    /// Lifecycle status.
    pub status: String,
    /// What the money was paid to.
    pub subject: Option<Subject>,
    /// Who must repay.
    pub debtor: Option<OrgCode>,
    /// The decision the claim rests on.
    pub basis: Option<Basis>,
    /// The money, always adding up.
    #[serde(flatten)]
    pub amounts: CaseAmounts,
    /// Disbursed to the subject, as stated at opening.
    pub disbursed_to_subject_fen: i64,
    /// Claimed in other open cases on the subject at opening.
    pub owed_in_other_cases_fen: i64,
    /// Outstanding amount released by a withdrawal.
    pub released_fen: i64,
    /// Who opened the case.
    pub opened_by: String,
    /// The causing event of a process manager's case.
    pub referral: Option<String>,
    /// Opening date.
    pub opened_on: Option<NaiveDate>,
    /// Notice date.
    pub notice_issued_on: Option<NaiveDate>,
    /// Last day to repay.
    pub due_on: Option<NaiveDate>,
    /// Last day to object.
    pub objection_deadline: Option<NaiveDate>,
    /// The objection, if any.
    pub objection: Option<ClawbackObjectionEntry>,
    /// Repayments in order.
    pub repayments: Vec<RepaymentEntry>,
    /// Write-offs in order.
    pub waivers: Vec<WaiverEntry>,
    /// Date marked overdue.
    pub overdue_on: Option<NaiveDate>,
    /// Escalation route.
    pub escalation: Option<EscalationRoute>,
    /// Escalation date.
    pub escalated_on: Option<NaiveDate>,
    /// Settlement date.
    pub settled_on: Option<NaiveDate>,
    /// Closing date.
    pub closed_on: Option<NaiveDate>,
    /// When the case was opened (recorded).
    pub created_at: String,
    /// When the last event was recorded.
    pub updated_at: String,
}

fn recorded_at<A: cqrs_es::Aggregate>(event: &EventEnvelope<A>) -> String {
    event
        .metadata
        .get("recorded_at")
        .cloned()
        .unwrap_or_default()
}

impl ClawbackView {
    /// The view's name in the store.
    pub const NAME: &'static str = "clawback";
    /// The status the overdue list shows.
    pub const OVERDUE: &'static str = "overdue";

    fn set_status(&mut self, status: ClawbackStatus) {
        self.status = status.as_str().into();
    }
}

impl View<ClawbackCase> for ClawbackView {
    fn update(&mut self, event: &EventEnvelope<ClawbackCase>) {
        let at = recorded_at(event);
        self.id.clone_from(&event.aggregate_id);
        self.version = event.sequence;
        self.updated_at.clone_from(&at);
        self.amounts.update(&event.payload);
        match &event.payload {
            ClawbackEvent::ClawbackOpened {
                subject,
                debtor,
                basis,
                disbursed_to_subject,
                owed_in_other_cases,
                opened_by,
                referral,
                opened_on,
                ..
            } => {
                self.set_status(ClawbackStatus::Opened);
                self.subject = Some(subject.clone());
                self.debtor = Some(debtor.clone());
                self.basis = Some(basis.clone());
                self.disbursed_to_subject_fen = disbursed_to_subject.fen();
                self.owed_in_other_cases_fen = owed_in_other_cases.fen();
                self.opened_by.clone_from(opened_by);
                self.referral.clone_from(referral);
                self.opened_on = Some(*opened_on);
                self.created_at = at;
            }
            ClawbackEvent::RecoveryNoticeIssued {
                issued_on,
                due_on,
                objection_deadline,
            } => {
                self.set_status(ClawbackStatus::NoticeIssued);
                self.notice_issued_on = Some(*issued_on);
                self.due_on = Some(*due_on);
                self.objection_deadline = Some(*objection_deadline);
            }
            ClawbackEvent::ObjectionFiled {
                grounds,
                hearing_requested,
                filed_on,
            } => {
                self.set_status(ClawbackStatus::ObjectionPending);
                self.objection = Some(ClawbackObjectionEntry {
                    grounds: grounds.clone(),
                    hearing_requested: *hearing_requested,
                    filed_on: Some(*filed_on),
                    ..ClawbackObjectionEntry::default()
                });
            }
            ClawbackEvent::AmountConfirmed {
                due_on, decided_on, ..
            }
            | ClawbackEvent::AmountRevised {
                due_on, decided_on, ..
            } => {
                let decision = match &event.payload {
                    ClawbackEvent::AmountConfirmed { .. } => "confirmed",
                    _ => "revised",
                };
                self.set_status(if self.amounts.repaid_fen > 0 {
                    ClawbackStatus::PartiallyRepaid
                } else {
                    ClawbackStatus::AwaitingRepayment
                });
                self.due_on = Some(*due_on);
                if let Some(o) = self.objection.as_mut() {
                    o.decision = Some(decision.into());
                    o.decided_on = Some(*decided_on);
                }
            }
            ClawbackEvent::ClawbackWithdrawn {
                reason,
                released,
                decided_on,
                ..
            } => {
                self.set_status(ClawbackStatus::Withdrawn);
                self.released_fen = released.fen();
                if let Some(o) = self.objection.as_mut() {
                    o.decision = Some("withdrawn".into());
                    o.decided_on = Some(*decided_on);
                    o.withdraw_reason = Some(reason.clone());
                }
            }
            ClawbackEvent::RepaymentRecorded {
                amount,
                paid_on,
                treasury_receipt_ref,
                ..
            } => {
                if matches!(self.status.as_str(), "notice_issued" | "awaiting_repayment") {
                    self.set_status(ClawbackStatus::PartiallyRepaid);
                }
                self.repayments.push(RepaymentEntry {
                    amount_fen: amount.fen(),
                    paid_on: *paid_on,
                    treasury_receipt_ref: treasury_receipt_ref.clone(),
                });
            }
            ClawbackEvent::RepaymentOverdue { marked_on, .. } => {
                self.set_status(ClawbackStatus::Overdue);
                self.overdue_on = Some(*marked_on);
            }
            ClawbackEvent::ClawbackEscalated {
                route,
                escalated_on,
                ..
            } => {
                self.set_status(ClawbackStatus::Escalated);
                self.escalation = Some(*route);
                self.escalated_on = Some(*escalated_on);
            }
            ClawbackEvent::RemainderWaived {
                amount,
                reason,
                approved_by,
                ..
            } => self.waivers.push(WaiverEntry {
                amount_fen: amount.fen(),
                reason: reason.clone(),
                approved_by: approved_by.clone(),
            }),
            ClawbackEvent::ClawbackSettled { settled_on } => {
                self.set_status(ClawbackStatus::Settled);
                self.settled_on = Some(*settled_on);
            }
            ClawbackEvent::ClawbackClosed { closed_on } => {
                self.set_status(ClawbackStatus::Closed);
                self.closed_on = Some(*closed_on);
            }
        }
    }
}

impl Indexed for ClawbackView {
    fn index(&self) -> ViewIndex {
        ViewIndex {
            status: Some(self.status.clone()),
            owner: self.debtor.as_ref().map(OrgCode::to_string),
            parent: self.subject.as_ref().map(|s| s.id().to_string()),
            sort_key: self.created_at.clone(),
        }
    }
}

/// The totals across every clawback case (one row, [`ClawbackLedgerView::ROW`]).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ClawbackLedgerView {
    /// Number of cases.
    pub cases: usize,
    /// Cases still open (not settled, withdrawn or closed).
    pub open_cases: usize,
    /// Totals; they add up as each case does.
    #[serde(flatten)]
    pub totals: CaseAmounts,
    /// Each case's amounts and status, by case id.
    pub by_case: BTreeMap<String, LedgerEntry>,
}

/// One case in the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LedgerEntry {
    /// The case's status.
    pub status: String,
    /// What the case claims on (a project or a consortium).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<Subject>,
    /// The case's money.
    #[serde(flatten)]
    pub amounts: CaseAmounts,
}

impl ClawbackLedgerView {
    /// The view's name in the store.
    pub const NAME: &'static str = "clawback_ledger";
    /// The id of its one row.
    pub const ROW: &'static str = "all";

    /// What every case on `subject` but `except` owes now. A withdrawn case owes only what was
    /// repaid or waived before the withdrawal, so it counts for no more.
    pub fn owed_on(&self, subject: &Subject, except: &str) -> i64 {
        self.by_case
            .iter()
            .filter(|(id, e)| id.as_str() != except && e.subject.as_ref() == Some(subject))
            .map(|(_, e)| e.amounts.owed_fen)
            .fold(0i64, i64::saturating_add)
    }
}

/// The statuses the ledger counts by; other events keep the case's status.
fn status_after(event: &ClawbackEvent) -> Option<ClawbackStatus> {
    Some(match event {
        ClawbackEvent::ClawbackOpened { .. } => ClawbackStatus::Opened,
        ClawbackEvent::ClawbackWithdrawn { .. } => ClawbackStatus::Withdrawn,
        ClawbackEvent::ClawbackSettled { .. } => ClawbackStatus::Settled,
        ClawbackEvent::ClawbackClosed { .. } => ClawbackStatus::Closed,
        ClawbackEvent::RepaymentOverdue { .. } => ClawbackStatus::Overdue,
        ClawbackEvent::ClawbackEscalated { .. } => ClawbackStatus::Escalated,
        _ => return None,
    })
}

impl View<ClawbackCase> for ClawbackLedgerView {
    fn update(&mut self, event: &EventEnvelope<ClawbackCase>) {
        let entry = self.by_case.entry(event.aggregate_id.clone()).or_default();
        entry.amounts.update(&event.payload);
        if let ClawbackEvent::ClawbackOpened { subject, .. } = &event.payload {
            entry.subject = Some(subject.clone());
        }
        if let Some(s) = status_after(&event.payload) {
            entry.status = s.as_str().into();
        }
        self.cases = self.by_case.len();
        self.open_cases = self
            .by_case
            .values()
            .filter(|e| !matches!(e.status.as_str(), "settled" | "withdrawn" | "closed"))
            .count();
        let mut totals = CaseAmounts::default();
        for e in self.by_case.values() {
            totals.owed_fen = totals.owed_fen.saturating_add(e.amounts.owed_fen);
            totals.repaid_fen = totals.repaid_fen.saturating_add(e.amounts.repaid_fen);
            totals.waived_fen = totals.waived_fen.saturating_add(e.amounts.waived_fen);
            totals.outstanding_fen = totals
                .outstanding_fen
                .saturating_add(e.amounts.outstanding_fen);
        }
        self.totals = totals;
    }
}

impl Indexed for ClawbackLedgerView {
    fn index(&self) -> ViewIndex {
        ViewIndex {
            sort_key: Self::ROW.to_string(),
            ..ViewIndex::default()
        }
    }
}

/// Folds every clawback event into the ledger's one row.
pub struct ClawbackLedgerProjector(ViewProjector<ClawbackCase, ClawbackLedgerView>);

impl Default for ClawbackLedgerProjector {
    fn default() -> Self {
        ClawbackLedgerProjector(ViewProjector::new(ClawbackLedgerView::NAME))
    }
}

impl Projector for ClawbackLedgerProjector {
    fn view_name(&self) -> &'static str {
        self.0.view_name()
    }

    fn aggregate_type(&self) -> &'static str {
        self.0.aggregate_type()
    }

    fn row_ids(&self, _event: &SerializedEvent) -> Vec<String> {
        vec![ClawbackLedgerView::ROW.to_string()]
    }

    fn project(
        &self,
        current: Option<Value>,
        event: &SerializedEvent,
    ) -> Result<ViewRow, ProjectionError> {
        self.0.project(current, event)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use clawback::{BasisKind, ClawbackEvent as E};
    use kernel::Money;

    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    fn fen(n: i64) -> Money {
        Money::from_fen(n)
    }

    fn envelope(id: &str, sequence: usize, payload: E) -> EventEnvelope<ClawbackCase> {
        EventEnvelope {
            aggregate_id: id.into(),
            sequence,
            payload,
            metadata: HashMap::from([(
                "recorded_at".to_string(),
                format!("2027-03-0{}T02:00:00Z", sequence.min(9)),
            )]),
        }
    }

    fn opened(owed: i64) -> E {
        E::ClawbackOpened {
            subject: Subject::Project("p-1".into()),
            debtor: OrgCode::parse("91320583MA1KC00296").unwrap(),
            basis: Basis {
                kind: BasisKind::OfficerDecision,
                reference: "昆科追〔2027〕1号".into(),
            },
            owed: fen(owed),
            disbursed_to_subject: fen(1_000_000),
            owed_in_other_cases: fen(0),
            opened_by: "officer-1".into(),
            referral: None,
            opened_on: day("2027-03-01"),
        }
    }

    /// A full life: notice, objection, reduction, two repayments, waiver, settled, closed.
    fn life() -> Vec<E> {
        vec![
            opened(500_000),
            E::RecoveryNoticeIssued {
                issued_on: day("2027-03-03"),
                due_on: day("2027-03-18"),
                objection_deadline: day("2027-03-10"),
            },
            E::ObjectionFiled {
                grounds: "g".into(),
                hearing_requested: false,
                filed_on: day("2027-03-04"),
            },
            E::RepaymentRecorded {
                amount: fen(100_000),
                paid_on: day("2027-03-05"),
                treasury_receipt_ref: "r1".into(),
                repaid_total: fen(100_000),
                outstanding: fen(400_000),
            },
            E::AmountRevised {
                previous_owed: fen(500_000),
                owed: fen(400_000),
                outstanding: fen(300_000),
                due_on: day("2027-03-21"),
                decided_on: day("2027-03-06"),
            },
            E::RepaymentRecorded {
                amount: fen(200_000),
                paid_on: day("2027-03-07"),
                treasury_receipt_ref: "r2".into(),
                repaid_total: fen(300_000),
                outstanding: fen(100_000),
            },
            E::RemainderWaived {
                amount: fen(100_000),
                reason: "核销".into(),
                approved_by: "officer-2".into(),
                waived_total: fen(100_000),
                outstanding: fen(0),
            },
            E::ClawbackSettled {
                settled_on: day("2027-03-08"),
            },
            E::ClawbackClosed {
                closed_on: day("2027-03-09"),
            },
        ]
    }

    #[test]
    fn the_case_view_adds_up_after_every_event() {
        let mut view = ClawbackView::default();
        let statuses = [
            "opened",
            "notice_issued",
            "objection_pending",
            "objection_pending",
            "partially_repaid",
            "partially_repaid",
            "partially_repaid",
            "settled",
            "closed",
        ];
        for (i, (event, status)) in life().into_iter().zip(statuses).enumerate() {
            view.update(&envelope("c-1", i + 1, event));
            assert!(
                view.amounts.adds_up(),
                "after event {}: {:?}",
                i + 1,
                view.amounts
            );
            assert_eq!(view.status, status, "after event {}", i + 1);
        }
        assert_eq!(
            view.amounts,
            CaseAmounts {
                owed_fen: 400_000,
                repaid_fen: 300_000,
                waived_fen: 100_000,
                outstanding_fen: 0
            }
        );
        assert_eq!(view.version, 9);
        assert_eq!(view.due_on, Some(day("2027-03-21")));
        assert_eq!(view.repayments.len(), 2);
        assert_eq!(view.waivers[0].approved_by, "officer-2");
        assert_eq!(
            view.objection.as_ref().and_then(|o| o.decision.as_deref()),
            Some("revised")
        );
        let index = view.index();
        assert_eq!(index.status.as_deref(), Some("closed"));
        assert_eq!(index.owner.as_deref(), Some("91320583MA1KC00296"));
        assert_eq!(index.parent.as_deref(), Some("p-1"));
        let json = serde_json::to_value(&view).unwrap();
        assert_eq!(json["owed_fen"], 400_000);
        assert_eq!(json["outstanding_fen"], 0);
    }

    #[test]
    fn a_withdrawn_case_owes_what_was_repaid_and_still_adds_up() {
        let mut view = ClawbackView::default();
        let events = vec![
            opened(500_000),
            E::RepaymentRecorded {
                amount: fen(50_000),
                paid_on: day("2027-03-05"),
                treasury_receipt_ref: "r1".into(),
                repaid_total: fen(50_000),
                outstanding: fen(450_000),
            },
            E::ClawbackWithdrawn {
                reason: "撤回".into(),
                owed: fen(50_000),
                released: fen(450_000),
                decided_on: day("2027-03-06"),
            },
        ];
        for (i, e) in events.into_iter().enumerate() {
            view.update(&envelope("c-1", i + 1, e));
            assert!(view.amounts.adds_up());
        }
        assert_eq!(view.status, "withdrawn");
        assert_eq!(view.released_fen, 450_000);
        assert_eq!(view.amounts.outstanding_fen, 0);
    }

    #[test]
    fn an_overdue_case_is_listed_under_the_overdue_status() {
        let mut view = ClawbackView::default();
        view.update(&envelope("c-1", 1, opened(1)));
        view.update(&envelope(
            "c-1",
            2,
            E::RepaymentOverdue {
                due_on: day("2027-03-18"),
                outstanding: fen(1),
                marked_on: day("2027-03-19"),
            },
        ));
        assert_eq!(view.index().status.as_deref(), Some(ClawbackView::OVERDUE));
        assert_eq!(view.overdue_on, Some(day("2027-03-19")));
    }

    #[test]
    fn the_ledger_totals_every_case_and_adds_up_after_every_event() {
        let mut ledger = ClawbackLedgerView::default();
        ledger.update(&envelope("c-2", 1, opened(70_000)));
        for (i, event) in life().into_iter().enumerate() {
            ledger.update(&envelope("c-1", i + 1, event));
            assert!(ledger.totals.adds_up(), "after event {}", i + 1);
        }
        assert_eq!(ledger.cases, 2);
        assert_eq!(ledger.open_cases, 1);
        assert_eq!(
            ledger.totals,
            CaseAmounts {
                owed_fen: 470_000,
                repaid_fen: 300_000,
                waived_fen: 100_000,
                outstanding_fen: 70_000
            }
        );
        assert_eq!(ledger.by_case["c-1"].status, "closed");
        assert_eq!(ledger.by_case["c-2"].status, "opened");
    }

    #[test]
    fn the_ledger_projector_writes_one_row() {
        let event = SerializedEvent::new(
            "c-9".into(),
            1,
            "clawback_case".into(),
            "ClawbackOpened".into(),
            "1.0".into(),
            serde_json::to_value(opened(5)).unwrap(),
            serde_json::json!({}),
        );
        let p = ClawbackLedgerProjector::default();
        assert_eq!(p.row_ids(&event), vec!["all".to_string()]);
        let row = p.project(None, &event).unwrap();
        assert_eq!(row.payload["owed_fen"], 5);
        assert_eq!(row.payload["by_case"]["c-9"]["outstanding_fen"], 5);
    }
}
