use std::collections::BTreeSet;

use chrono::NaiveDate;
use cqrs_es::event_sink::EventSink;
use cqrs_es::Aggregate;
use kernel::policy::INTEGRITY_SERIOUS_BAR_YEARS;
use kernel::{add_months_clamped, OrgCode};
use serde::{Deserialize, Serialize};

use crate::{
    CaseSource, IntegrityCommand, IntegrityError, IntegrityEvent, IntegrityServices,
    OpenIntegrityCase, Recovery, Severity,
};

/// Where one integrity case stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    /// Opened, not yet decided.
    Opened,
    /// A violation was determined, not yet recorded.
    Determined,
    /// Dismissed without a finding.
    Dismissed,
    /// Entered in the archive (for ever); a serious one bars until its anniversary.
    Recorded,
    /// Revoked on appeal.
    Revoked,
}

impl CaseStatus {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            CaseStatus::Opened => "opened",
            CaseStatus::Determined => "determined",
            CaseStatus::Dismissed => "dismissed",
            CaseStatus::Recorded => "recorded",
            CaseStatus::Revoked => "revoked",
        }
    }
}

/// A bar (不得参与) from `from` (inclusive) to `until` (exclusive: the first day the
/// organisation is eligible again).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bar {
    /// The decision date.
    pub from: NaiveDate,
    /// The anniversary: `from` + `years` × 12 months, clamped to month end.
    pub until: NaiveDate,
    /// Length in years.
    pub years: u32,
}

impl Bar {
    /// The bar of `years` from `from` (domain.md ).
    pub fn new(from: NaiveDate, years: u32) -> Bar {
        Bar {
            from,
            until: add_months_clamped(from, years.saturating_mul(12)),
            years,
        }
    }
}

/// One case in an organisation's record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntegrityCase {
    /// The case's id.
    pub id: String,
    /// What is alleged.
    pub allegation: String,
    /// Related projects.
    pub related_projects: Vec<String>,
    /// Where it came from.
    pub source: CaseSource,
    /// Where it stands.
    pub status: CaseStatus,
    /// Serious or general, once determined.
    pub severity: Option<Severity>,
    /// Decision date, once determined.
    pub decision_date: Option<NaiveDate>,
    /// The bar, for a recorded serious violation.
    pub bar: Option<Bar>,
    /// The revocation date, once revoked.
    pub revoked_on: Option<NaiveDate>,
}

impl IntegrityCase {
    /// The last day + 1 the case bars on `date`, or `None` when it does not bar on `date`:
    /// `from ≤ date < until`, cut short by a revocation.
    pub fn bars_until(&self, date: NaiveDate) -> Option<NaiveDate> {
        let bar = self.bar?;
        let end = match self.revoked_on {
            Some(revoked) => revoked.min(bar.until),
            None => bar.until,
        };
        (bar.from <= date && date < end).then_some(end)
    }
}

/// The 科研诚信档案 of one organisation.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct IntegrityRecord {
    /// The organisation, once a case was opened.
    pub org: Option<OrgCode>,
    /// Its cases in opening order.
    pub cases: Vec<IntegrityCase>,
}

fn required(value: &str, field: &'static str) -> Result<(), IntegrityError> {
    if value.trim().is_empty() {
        Err(IntegrityError::Required(field))
    } else {
        Ok(())
    }
}

impl IntegrityRecord {
    /// True when a serious, unrevoked record bars the organisation on `date`.
    pub fn is_barred(&self, date: NaiveDate) -> bool {
        self.barred_until(date).is_some()
    }

    /// The first day the organisation is eligible again, if barred on `date`.
    pub fn barred_until(&self, date: NaiveDate) -> Option<NaiveDate> {
        self.cases.iter().filter_map(|c| c.bars_until(date)).max()
    }

    fn case(&self, case_id: &str) -> Result<&IntegrityCase, IntegrityError> {
        self.cases
            .iter()
            .find(|c| c.id == case_id)
            .ok_or_else(|| IntegrityError::UnknownCase {
                case_id: case_id.to_string(),
            })
    }

    fn case_mut(&mut self, case_id: &str) -> Option<&mut IntegrityCase> {
        self.cases.iter_mut().find(|c| c.id == case_id)
    }

    fn in_status(
        &self,
        case_id: &str,
        status: CaseStatus,
        action: &'static str,
    ) -> Result<&IntegrityCase, IntegrityError> {
        let case = self.case(case_id)?;
        if case.status != status {
            return Err(IntegrityError::InvalidTransition {
                status: case.status.as_str(),
                action,
            });
        }
        Ok(case)
    }

    fn open(
        &self,
        cmd: OpenIntegrityCase,
        today: NaiveDate,
    ) -> Result<Vec<IntegrityEvent>, IntegrityError> {
        required(&cmd.case_id, "case_id")?;
        if self.cases.iter().any(|c| c.id == cmd.case_id) {
            return Err(IntegrityError::CaseAlreadyOpened {
                case_id: cmd.case_id,
            });
        }
        if let Some(org) = &self.org {
            if org != &cmd.org {
                return Err(IntegrityError::OrganisationMismatch {
                    record: org.to_string(),
                    asked: cmd.org.to_string(),
                });
            }
        }
        required(&cmd.allegation, "allegation")?;
        match &cmd.source {
            CaseSource::Report { reference } => required(reference, "source.reference")?,
            CaseSource::ClawbackReferral { clawback_case } => {
                required(clawback_case, "source.clawback_case")?
            }
        }
        for p in &cmd.related_projects {
            required(p, "related_projects[]")?;
        }
        Ok(vec![IntegrityEvent::IntegrityCaseOpened {
            case_id: cmd.case_id,
            org: cmd.org,
            allegation: cmd.allegation,
            related_projects: cmd.related_projects,
            source: cmd.source,
            opened_on: today,
        }])
    }

    fn determine(
        &self,
        case_id: String,
        severity: Severity,
        decision_date: NaiveDate,
        findings_ref: String,
        today: NaiveDate,
    ) -> Result<Vec<IntegrityEvent>, IntegrityError> {
        self.in_status(&case_id, CaseStatus::Opened, "determine")?;
        required(&findings_ref, "findings_ref")?;
        if decision_date > today {
            return Err(IntegrityError::DecisionInFuture {
                date: decision_date,
            });
        }
        Ok(vec![IntegrityEvent::ViolationDetermined {
            case_id,
            severity,
            decision_date,
            findings_ref,
        }])
    }

    fn dismiss(
        &self,
        case_id: String,
        reason: String,
        today: NaiveDate,
    ) -> Result<Vec<IntegrityEvent>, IntegrityError> {
        self.in_status(&case_id, CaseStatus::Opened, "dismiss")?;
        required(&reason, "reason")?;
        Ok(vec![IntegrityEvent::IntegrityCaseDismissed {
            case_id,
            reason,
            dismissed_on: today,
        }])
    }

    fn record(
        &self,
        case_id: String,
        bar_years: Option<u32>,
        recover: Vec<Recovery>,
        today: NaiveDate,
    ) -> Result<Vec<IntegrityEvent>, IntegrityError> {
        let case = self.in_status(&case_id, CaseStatus::Determined, "record")?;
        let (Some(severity), Some(decision_date), Some(org)) =
            (case.severity, case.decision_date, self.org.clone())
        else {
            return Err(IntegrityError::InvalidTransition {
                status: case.status.as_str(),
                action: "record",
            });
        };
        let bar = match severity {
            Severity::Serious => {
                // 004_c8247068307aab5b.txt「記入科研誠信檔案,3年內不得參與績效評價」: at least 3 years;
                // longer bans are allowed (domain.md [W13]).
                let years = bar_years.unwrap_or(INTEGRITY_SERIOUS_BAR_YEARS);
                if years < INTEGRITY_SERIOUS_BAR_YEARS {
                    return Err(IntegrityError::BarTooShort {
                        min_years: INTEGRITY_SERIOUS_BAR_YEARS,
                        asked: years,
                    });
                }
                Some(Bar::new(decision_date, years))
            }
            Severity::General => {
                // domain.md: a general violation is recorded without a bar.
                if bar_years.is_some() {
                    return Err(IntegrityError::BarForGeneralViolation);
                }
                None
            }
        };
        if !recover.is_empty() && severity != Severity::Serious {
            return Err(IntegrityError::RecoveryWithoutSeriousViolation);
        }
        let mut seen = BTreeSet::new();
        for r in &recover {
            if !case.related_projects.contains(&r.project) {
                return Err(IntegrityError::RecoveryForUnrelatedProject {
                    project: r.project.clone(),
                });
            }
            if !seen.insert(r.project.as_str()) {
                return Err(IntegrityError::DuplicateRecovery {
                    project: r.project.clone(),
                });
            }
            if !r.amount.is_positive() {
                return Err(IntegrityError::AmountNotPositive);
            }
            if r.amount > r.disbursed {
                return Err(IntegrityError::RecoveryAboveDisbursed {
                    project: r.project.clone(),
                    disbursed_fen: r.disbursed.fen(),
                    asked_fen: r.amount.fen(),
                });
            }
        }
        // 004_c8247068307aab5b.txt「并按規定追回有關財政資金」: one referral per related project
        // (domain.md ); a process manager opens the clawback cases.
        let referrals = recover.iter().map(|r| IntegrityEvent::RecoveryReferred {
            case_id: case_id.clone(),
            project: r.project.clone(),
            debtor: org.clone(),
            amount: r.amount,
            disbursed: r.disbursed,
        });
        let mut events = vec![IntegrityEvent::IntegrityRecorded {
            case_id: case_id.clone(),
            org: org.clone(),
            severity,
            decision_date,
            bar,
            recover: recover.clone(),
            recorded_on: today,
        }];
        events.extend(referrals);
        Ok(events)
    }

    fn revoke(
        &self,
        case_id: String,
        reason: String,
        decision_ref: String,
        today: NaiveDate,
    ) -> Result<Vec<IntegrityEvent>, IntegrityError> {
        self.in_status(&case_id, CaseStatus::Recorded, "revoke")?;
        required(&reason, "reason")?;
        required(&decision_ref, "decision_ref")?;
        // domain.md: a revocation on appeal ends the bar from that date.
        Ok(vec![IntegrityEvent::IntegrityRecordRevoked {
            case_id,
            reason,
            decision_ref,
            revoked_on: today,
        }])
    }
}

impl Aggregate for IntegrityRecord {
    const TYPE: &'static str = "integrity_record";
    type Command = IntegrityCommand;
    type Event = IntegrityEvent;
    type Error = IntegrityError;
    type Services = IntegrityServices;

    async fn handle(
        &mut self,
        command: Self::Command,
        services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        let today = services.clock.today();
        let events = match command {
            IntegrityCommand::OpenCase(cmd) => self.open(cmd, today)?,
            IntegrityCommand::DetermineViolation {
                case_id,
                severity,
                decision_date,
                findings_ref,
            } => self.determine(case_id, severity, decision_date, findings_ref, today)?,
            IntegrityCommand::Dismiss { case_id, reason } => {
                self.dismiss(case_id, reason, today)?
            }
            IntegrityCommand::RecordInArchive {
                case_id,
                bar_years,
                recover,
            } => self.record(case_id, bar_years, recover, today)?,
            IntegrityCommand::RevokeRecord {
                case_id,
                reason,
                decision_ref,
            } => self.revoke(case_id, reason, decision_ref, today)?,
        };
        for event in events {
            sink.write(event, self).await;
        }
        Ok(())
    }

    fn apply(&mut self, event: Self::Event) {
        match event {
            IntegrityEvent::IntegrityCaseOpened {
                case_id,
                org,
                allegation,
                related_projects,
                source,
                ..
            } => {
                self.org = Some(org);
                self.cases.push(IntegrityCase {
                    id: case_id,
                    allegation,
                    related_projects,
                    source,
                    status: CaseStatus::Opened,
                    severity: None,
                    decision_date: None,
                    bar: None,
                    revoked_on: None,
                });
            }
            IntegrityEvent::ViolationDetermined {
                case_id,
                severity,
                decision_date,
                ..
            } => {
                if let Some(c) = self.case_mut(&case_id) {
                    c.status = CaseStatus::Determined;
                    c.severity = Some(severity);
                    c.decision_date = Some(decision_date);
                }
            }
            IntegrityEvent::IntegrityCaseDismissed { case_id, .. } => {
                if let Some(c) = self.case_mut(&case_id) {
                    c.status = CaseStatus::Dismissed;
                }
            }
            IntegrityEvent::IntegrityRecorded { case_id, bar, .. } => {
                if let Some(c) = self.case_mut(&case_id) {
                    c.status = CaseStatus::Recorded;
                    c.bar = bar;
                }
            }
            IntegrityEvent::RecoveryReferred { .. } => {}
            IntegrityEvent::IntegrityRecordRevoked {
                case_id,
                revoked_on,
                ..
            } => {
                if let Some(c) = self.case_mut(&case_id) {
                    c.status = CaseStatus::Revoked;
                    c.revoked_on = Some(revoked_on);
                }
            }
        }
    }
}
