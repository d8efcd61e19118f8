use chrono::{Datelike, NaiveDate};
use cqrs_es::event_sink::EventSink;
use cqrs_es::Aggregate;
use kernel::{first_bar, ActiveBar, Money, OrgCode};
use serde::{Deserialize, Serialize};

use crate::catalogue::share;
use crate::{
    ApplySupport, CaseByCase, DecideSupport, Evidence, Outcome, RateRule, SupportCommand,
    SupportError, SupportEvent, SupportInstrument, SupportServices,
};

/// Where a support application stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SupportStatus {
    /// No event yet.
    #[default]
    New,
    /// Filed; the base awaits verification.
    Applied,
    /// The base is verified; the decision is due.
    BaseVerified,
    /// A 一事一议 grant above the cap awaits a second officer's approval.
    AwaitingApproval,
    /// Granted; nothing paid yet.
    Granted,
    /// Refused (final).
    Refused,
    /// Part of the grant is paid.
    PartiallyDisbursed,
    /// The whole grant is paid.
    Disbursed,
    /// Found improper; recovery referred to the clawback process.
    RecoveryReferred,
}

impl SupportStatus {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            SupportStatus::New => "new",
            SupportStatus::Applied => "applied",
            SupportStatus::BaseVerified => "base_verified",
            SupportStatus::AwaitingApproval => "awaiting_approval",
            SupportStatus::Granted => "granted",
            SupportStatus::Refused => "refused",
            SupportStatus::PartiallyDisbursed => "partially_disbursed",
            SupportStatus::Disbursed => "disbursed",
            SupportStatus::RecoveryReferred => "recovery_referred",
        }
    }

    /// Every wire name of a stored application, for list filters.
    pub const ALL: [SupportStatus; 8] = [
        SupportStatus::Applied,
        SupportStatus::BaseVerified,
        SupportStatus::AwaitingApproval,
        SupportStatus::Granted,
        SupportStatus::Refused,
        SupportStatus::PartiallyDisbursed,
        SupportStatus::Disbursed,
        SupportStatus::RecoveryReferred,
    ];
}

/// A support application (政策性资助申请) under one instrument of the catalogue.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SupportApplication {
    /// Where it stands.
    pub status: SupportStatus,
    /// Instrument id.
    pub instrument: String,
    /// Beneficiary.
    pub beneficiary: Option<OrgCode>,
    /// Funding year.
    pub year: i32,
    /// The cap's period key (the year, or `whole`).
    pub period: String,
    /// Base claimed.
    pub claimed_base: Money,
    /// Base verified.
    pub verified_base: Option<Money>,
    /// Evidence references.
    pub evidence: Vec<Evidence>,
    /// Who applied.
    pub applied_by: String,
    /// The 一事一议 proposal awaiting approval.
    pub proposal: Option<Proposal>,
    /// Amount granted.
    pub granted: Money,
    /// Paid so far.
    pub disbursed: Money,
    /// Referred for recovery so far.
    pub referred: Money,
}

/// A 一事一议 grant proposed above the cap, awaiting a second officer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proposal {
    /// Rate applied (basis points).
    pub rate_bp: u32,
    /// The amount proposed.
    pub computed: Money,
    /// The decision document.
    pub decision_ref: String,
    /// The proposing officer.
    pub proposed_by: String,
}

fn required(value: &str, field: &'static str) -> Result<(), SupportError> {
    if value.trim().is_empty() {
        Err(SupportError::Required(field))
    } else {
        Ok(())
    }
}

fn positive(amount: Money, field: &'static str) -> Result<(), SupportError> {
    if amount.is_positive() {
        Ok(())
    } else {
        Err(SupportError::AmountNotPositive(field))
    }
}

fn not_barred(bars: &[ActiveBar], beneficiary: &OrgCode) -> Result<(), SupportError> {
    // 004_c8247068307aab5b.txt「3年內不得參與績效評價」, extended to every grant (domain.md ).
    match first_bar(bars, &[beneficiary]) {
        Some(bar) => Err(SupportError::BeneficiaryBarred {
            org: bar.org.to_string(),
            until: bar.until,
        }),
        None => Ok(()),
    }
}

impl SupportApplication {
    fn refuse(&self, action: &'static str) -> SupportError {
        SupportError::InvalidTransition {
            status: self.status.as_str(),
            action,
        }
    }

    fn instrument<'a>(
        &self,
        services: &'a SupportServices,
        id: &str,
    ) -> Result<&'a SupportInstrument, SupportError> {
        services
            .catalogue
            .get(id)
            .ok_or_else(|| SupportError::UnknownInstrument(id.to_string()))
    }

    fn apply_for(
        &self,
        cmd: ApplySupport,
        services: &SupportServices,
        today: NaiveDate,
    ) -> Result<SupportEvent, SupportError> {
        let instrument = self.instrument(services, &cmd.instrument)?;
        required(&cmd.applied_by, "applied_by")?;
        positive(cmd.base, "base")?;
        // domain.md: the funding year is the Asia/Shanghai calendar year.
        let current = today.year();
        let year = cmd.year.unwrap_or(current);
        if year > current {
            return Err(SupportError::YearInFuture { year, current });
        }
        for e in &cmd.evidence {
            required(&e.kind, "evidence.kind")?;
            required(&e.reference, "evidence.reference")?;
        }
        for kind in &instrument.evidence_required {
            if !cmd.evidence.iter().any(|e| &e.kind == kind) {
                return Err(SupportError::EvidenceMissing(kind.clone()));
            }
        }
        not_barred(&cmd.bars, &cmd.beneficiary)?;
        Ok(SupportEvent::SupportApplied {
            period: instrument.period_key(year),
            instrument: cmd.instrument,
            beneficiary: cmd.beneficiary,
            year,
            base: cmd.base,
            evidence: cmd.evidence,
            applied_by: cmd.applied_by,
            applied_on: today,
        })
    }

    fn verify(
        &self,
        verified: Money,
        reason: Option<String>,
        verified_by: String,
        today: NaiveDate,
    ) -> Result<SupportEvent, SupportError> {
        if self.status != SupportStatus::Applied {
            return Err(self.refuse("verify the base of"));
        }
        required(&verified_by, "verified_by")?;
        positive(verified, "verified_base")?;
        if verified > self.claimed_base {
            return Err(SupportError::VerifiedAboveClaimed {
                claimed_fen: self.claimed_base.fen(),
                verified_fen: verified.fen(),
            });
        }
        let reason = reason.filter(|r| !r.trim().is_empty());
        if verified < self.claimed_base && reason.is_none() {
            return Err(SupportError::ReductionNeedsReason);
        }
        Ok(SupportEvent::BaseVerified {
            claimed: self.claimed_base,
            verified,
            reason,
            verified_by,
            verified_on: today,
        })
    }

    fn decide(
        &self,
        cmd: DecideSupport,
        services: &SupportServices,
        today: NaiveDate,
    ) -> Result<SupportEvent, SupportError> {
        let refusing = matches!(cmd.outcome, Outcome::Refuse { .. });
        // A 一事一议 proposal may still be refused instead of approved.
        let awaiting = refusing && self.status == SupportStatus::AwaitingApproval;
        if self.status != SupportStatus::BaseVerified && !awaiting {
            return Err(self.refuse("decide"));
        }
        required(&cmd.decided_by, "decided_by")?;
        let (rate_asked, case_by_case) = match cmd.outcome {
            Outcome::Refuse { reason } => {
                required(&reason, "reason")?;
                return Ok(SupportEvent::SupportRefused {
                    reason,
                    decided_by: cmd.decided_by,
                    decided_on: today,
                });
            }
            Outcome::Grant {
                rate_bp,
                case_by_case,
            } => (rate_bp, case_by_case),
        };
        let beneficiary = self.beneficiary.clone().ok_or(SupportError::NotApplied)?;
        not_barred(&cmd.bars, &beneficiary)?;
        let instrument = self.instrument(services, &self.instrument)?;
        let rate_bp = rate_asked.unwrap_or(instrument.rate_bp);
        match instrument.rate_rule {
            // 002_69ce353481df4c50.txt「按照每个项目企业实际支付交易额的3%给予后补助」: the rate is the rule.
            RateRule::Fixed if rate_bp != instrument.rate_bp => {
                return Err(SupportError::RateFixed {
                    rate_bp: instrument.rate_bp,
                    asked_bp: rate_bp,
                })
            }
            // 002_69ce353481df4c50.txt「给予最高保费支出额度50%的补贴」: the rate is a ceiling.
            RateRule::UpTo if rate_bp > instrument.rate_bp => {
                return Err(SupportError::RateAboveMaximum {
                    max_bp: instrument.rate_bp,
                    asked_bp: rate_bp,
                })
            }
            _ => {}
        }
        let verified = self.verified_base.unwrap_or(self.claimed_base);
        let computed = share(verified, rate_bp).ok_or(SupportError::Overflow)?;
        if !computed.is_positive() {
            return Err(SupportError::NothingToGrant);
        }
        // 002_69ce353481df4c50.txt「同一年度技术转移中介服务方资助额度最高50万元」: what the
        // beneficiary has already been granted in the period counts against the cap.
        let remaining = match instrument.cap {
            Some(cap) => Some(cap.checked_sub(cmd.already_granted)?.max(Money::ZERO)),
            None => None,
        };
        if let Some(decision_ref) = case_by_case {
            // 002_69ce353481df4c50.txt「按照“一事一议”方式给予支持」: above the cap only on a
            // recorded decision, approved by a second officer.
            required(&decision_ref, "case_by_case.decision_ref")?;
            let above_cap = remaining.is_some_and(|r| computed > r);
            if !above_cap {
                return Err(SupportError::CaseByCaseWithinCap {
                    computed_fen: computed.fen(),
                    remaining_fen: remaining.map_or(-1, Money::fen),
                });
            }
            return Ok(SupportEvent::CaseByCaseProposed {
                rate_bp,
                computed,
                cap: instrument.cap,
                already_granted: cmd.already_granted,
                decision_ref,
                proposed_by: cmd.decided_by,
                proposed_on: today,
            });
        }
        let granted = match remaining {
            Some(remaining) if !remaining.is_positive() => {
                return Err(SupportError::CapExhausted {
                    cap_fen: instrument.cap.map_or(0, Money::fen),
                    granted_fen: cmd.already_granted.fen(),
                })
            }
            Some(remaining) => computed.min(remaining),
            None => computed,
        };
        Ok(SupportEvent::SupportGranted {
            instrument: self.instrument.clone(),
            beneficiary,
            year: self.year,
            period: self.period.clone(),
            rate_bp,
            computed,
            cap: instrument.cap,
            already_granted: cmd.already_granted,
            granted,
            capped: granted < computed,
            case_by_case: None,
            decided_by: cmd.decided_by,
            decided_on: today,
        })
    }

    fn approve_case_by_case(
        &self,
        approved_by: String,
        already_granted: Money,
        bars: &[ActiveBar],
        services: &SupportServices,
        today: NaiveDate,
    ) -> Result<SupportEvent, SupportError> {
        let Some(proposal) = self
            .proposal
            .as_ref()
            .filter(|_| self.status == SupportStatus::AwaitingApproval)
        else {
            return Err(self.refuse("approve a case-by-case grant on"));
        };
        required(&approved_by, "approved_by")?;
        // 002_69ce353481df4c50.txt「按照“一事一议”方式给予支持」: four eyes on a grant above the cap.
        if approved_by == proposal.proposed_by {
            return Err(SupportError::CaseByCaseNeedsSecondOfficer);
        }
        let beneficiary = self.beneficiary.clone().ok_or(SupportError::NotApplied)?;
        not_barred(bars, &beneficiary)?;
        let instrument = self.instrument(services, &self.instrument)?;
        Ok(SupportEvent::SupportGranted {
            instrument: self.instrument.clone(),
            beneficiary,
            year: self.year,
            period: self.period.clone(),
            rate_bp: proposal.rate_bp,
            computed: proposal.computed,
            cap: instrument.cap,
            already_granted,
            granted: proposal.computed,
            capped: false,
            case_by_case: Some(CaseByCase {
                decision_ref: proposal.decision_ref.clone(),
                approved_by,
            }),
            decided_by: proposal.proposed_by.clone(),
            decided_on: today,
        })
    }

    fn disburse(
        &self,
        amount: Money,
        tranche_ref: String,
        paid_on: NaiveDate,
        today: NaiveDate,
    ) -> Result<SupportEvent, SupportError> {
        if !matches!(
            self.status,
            SupportStatus::Granted | SupportStatus::PartiallyDisbursed
        ) {
            return Err(self.refuse("disburse"));
        }
        positive(amount, "amount")?;
        required(&tranche_ref, "tranche_ref")?;
        if paid_on > today {
            return Err(SupportError::DateInFuture {
                field: "paid_on",
                date: paid_on,
            });
        }
        let undisbursed = self.granted.checked_sub(self.disbursed)?;
        if amount > undisbursed {
            return Err(SupportError::DisbursementAboveGrant {
                undisbursed_fen: undisbursed.fen(),
                asked_fen: amount.fen(),
            });
        }
        let disbursed_total = self.disbursed.checked_add(amount)?;
        Ok(SupportEvent::TrancheDisbursed {
            amount,
            tranche_ref,
            paid_on,
            disbursed_total,
            undisbursed: undisbursed.checked_sub(amount)?,
        })
    }

    fn refer_recovery(
        &self,
        amount: Money,
        reason: String,
        decision_ref: String,
        referred_by: String,
        today: NaiveDate,
    ) -> Result<SupportEvent, SupportError> {
        if !matches!(
            self.status,
            SupportStatus::PartiallyDisbursed
                | SupportStatus::Disbursed
                | SupportStatus::RecoveryReferred
        ) {
            return Err(self.refuse("refer recovery of"));
        }
        positive(amount, "amount")?;
        required(&reason, "reason")?;
        required(&decision_ref, "decision_ref")?;
        required(&referred_by, "referred_by")?;
        // domain.md: never claim back more than was paid.
        let recoverable = self.disbursed.checked_sub(self.referred)?;
        if amount > recoverable {
            return Err(SupportError::RecoveryAboveDisbursed {
                recoverable_fen: recoverable.fen(),
                asked_fen: amount.fen(),
            });
        }
        Ok(SupportEvent::RecoveryReferred {
            debtor: self.beneficiary.clone().ok_or(SupportError::NotApplied)?,
            amount,
            disbursed: self.disbursed,
            reason,
            decision_ref,
            referred_by,
            referred_on: today,
        })
    }
}

impl Aggregate for SupportApplication {
    const TYPE: &'static str = "support_application";
    type Command = SupportCommand;
    type Event = SupportEvent;
    type Error = SupportError;
    type Services = SupportServices;

    async fn handle(
        &mut self,
        command: Self::Command,
        services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        let today = services.clock.today();
        let is_apply = matches!(command, SupportCommand::Apply(_));
        if is_apply && self.status != SupportStatus::New {
            return Err(SupportError::AlreadyApplied);
        }
        if !is_apply && self.status == SupportStatus::New {
            return Err(SupportError::NotApplied);
        }
        let event = match command {
            SupportCommand::Apply(cmd) => self.apply_for(cmd, services, today)?,
            SupportCommand::VerifyBase {
                verified_base,
                reason,
                verified_by,
            } => self.verify(verified_base, reason, verified_by, today)?,
            SupportCommand::Decide(cmd) => self.decide(cmd, services, today)?,
            SupportCommand::ApproveCaseByCase {
                approved_by,
                already_granted,
                bars,
            } => self.approve_case_by_case(approved_by, already_granted, &bars, services, today)?,
            SupportCommand::Disburse {
                amount,
                tranche_ref,
                paid_on,
            } => self.disburse(amount, tranche_ref, paid_on, today)?,
            SupportCommand::ReferRecovery {
                amount,
                reason,
                decision_ref,
                referred_by,
            } => self.refer_recovery(amount, reason, decision_ref, referred_by, today)?,
        };
        sink.write(event, self).await;
        Ok(())
    }

    fn apply(&mut self, event: Self::Event) {
        match event {
            SupportEvent::SupportApplied {
                instrument,
                beneficiary,
                year,
                period,
                base,
                evidence,
                applied_by,
                ..
            } => {
                self.status = SupportStatus::Applied;
                self.instrument = instrument;
                self.beneficiary = Some(beneficiary);
                self.year = year;
                self.period = period;
                self.claimed_base = base;
                self.evidence = evidence;
                self.applied_by = applied_by;
            }
            SupportEvent::BaseVerified { verified, .. } => {
                self.status = SupportStatus::BaseVerified;
                self.verified_base = Some(verified);
            }
            SupportEvent::CaseByCaseProposed {
                rate_bp,
                computed,
                decision_ref,
                proposed_by,
                ..
            } => {
                self.status = SupportStatus::AwaitingApproval;
                self.proposal = Some(Proposal {
                    rate_bp,
                    computed,
                    decision_ref,
                    proposed_by,
                });
            }
            SupportEvent::SupportGranted { granted, .. } => {
                self.status = SupportStatus::Granted;
                self.granted = granted;
                self.proposal = None;
            }
            SupportEvent::SupportRefused { .. } => {
                self.status = SupportStatus::Refused;
                self.proposal = None;
            }
            SupportEvent::TrancheDisbursed {
                disbursed_total,
                undisbursed,
                ..
            } => {
                self.disbursed = disbursed_total;
                self.status = if undisbursed.is_positive() {
                    SupportStatus::PartiallyDisbursed
                } else {
                    SupportStatus::Disbursed
                };
            }
            SupportEvent::RecoveryReferred { amount, .. } => {
                self.status = SupportStatus::RecoveryReferred;
                self.referred = self.referred.checked_add(amount).unwrap_or(self.referred);
            }
        }
    }
}
