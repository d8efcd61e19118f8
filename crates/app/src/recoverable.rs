//! What can still be recovered from a subject, read from the ledger inside the command's own
//! transaction: the money the project or consortium view records as disbursed, minus what every
//! other clawback case on the subject owes, under a lock per subject so that simultaneous claims
//! on one subject are decided one after the other.

use clawback::Subject;
use kernel::{Money, OrgCode};
use projections::{ClawbackLedgerView, ConsortiumView, ProjectView, SupportApplicationView};
use serde_json::Value;
use store::{FactNeeds, Facts};

use crate::AppError;

/// The ledger's figures for one subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recoverable {
    /// Disbursed to the subject, as its view records it.
    pub disbursed: Money,
    /// Owed now by every other case on the subject.
    pub owed_in_other_cases: Money,
    /// Who received the money: a project's lead and members, a consortium's lead, a support
    /// application's beneficiary.
    pub recipients: Vec<OrgCode>,
}

impl Recoverable {
    /// Disbursed net of other cases (never below zero).
    pub fn net(&self) -> Money {
        Money::from_fen((self.disbursed.fen() - self.owed_in_other_cases.fen()).max(0))
    }
}

fn view_of(subject: &Subject) -> (&'static str, &str) {
    match subject {
        Subject::Project(id) => (ProjectView::NAME, id.as_str()),
        Subject::Consortium(id) => (ConsortiumView::NAME, id.as_str()),
        Subject::SupportApplication(id) => (SupportApplicationView::NAME, id.as_str()),
    }
}

/// The lock and rows a claim on `subject` reads.
pub fn needs(subject: &Subject, mut needs: FactNeeds) -> FactNeeds {
    let (view, id) = view_of(subject);
    needs = needs
        .lock(format!("clawback-subject:{view}:{id}"))
        .row(view, id);
    if !needs
        .rows
        .iter()
        .any(|(v, _)| v.as_str() == ClawbackLedgerView::NAME)
    {
        needs = needs.row(ClawbackLedgerView::NAME, ClawbackLedgerView::ROW);
    }
    needs
}

fn orgs(values: &[&Value]) -> Vec<OrgCode> {
    values
        .iter()
        .filter_map(|v| v.as_str())
        .filter_map(|s| OrgCode::parse(s).ok())
        .collect()
}

/// The figures of `subject` in `facts` (read with [`needs`]), counting every case but `except`.
pub fn recoverable(
    facts: &Facts,
    subject: &Subject,
    except: &str,
) -> Result<Recoverable, AppError> {
    let (view, id) = view_of(subject);
    let row = facts.row(view, id).ok_or_else(|| AppError::Refused {
        kind: kernel::ErrorKind::Invalid,
        code: "subject_not_found",
        detail: format!("the ledger has no {view} {id}"),
    })?;
    let (disbursed, recipients) = match subject {
        Subject::Project(_) => {
            let mut who = vec![&row["lead"]];
            if let Some(members) = row["members"].as_array() {
                who.extend(members.iter());
            }
            (row["disbursed_fen"].as_i64().unwrap_or(0), orgs(&who))
        }
        Subject::Consortium(_) => (
            row["disbursed_total_fen"].as_i64().unwrap_or(0),
            orgs(&[&row["lead"]]),
        ),
        Subject::SupportApplication(_) => (
            row["disbursed_fen"].as_i64().unwrap_or(0),
            orgs(&[&row["beneficiary"]]),
        ),
    };
    let owed = match facts.row(ClawbackLedgerView::NAME, ClawbackLedgerView::ROW) {
        Some(v) => serde_json::from_value::<ClawbackLedgerView>(v.clone())
            .map_err(|e| AppError::Internal(format!("clawback ledger: {e}")))?
            .owed_on(subject, except),
        None => 0,
    };
    Ok(Recoverable {
        disbursed: Money::from_fen(disbursed),
        owed_in_other_cases: Money::from_fen(owed),
        recipients,
    })
}
