use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::{Feed, KpiKind, KpiRowSpec, KpiTargets};

/// A need accepted into the pool (`NeedAccepted`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NeedFact {
    /// The need's stream id.
    pub id: String,
    /// `major_enterprise` or `industry_chain`.
    pub category: String,
    /// Date accepted (Asia/Shanghai).
    pub accepted_on: NaiveDate,
}

/// An awarded call (`ChallengeAwarded`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AwardFact {
    /// The call's stream id.
    pub challenge_id: String,
    /// Its programme.
    pub programme: String,
    /// Date of the award.
    pub awarded_on: NaiveDate,
    /// Projects created: one per winner (lanes of a horse race included).
    pub projects: i64,
}

/// A consortium's level history (`LevelGranted`, `AccreditationRevoked`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsortiumFact {
    /// The consortium's stream id.
    pub id: String,
    /// Effective dates of every level granted, in order.
    pub level_dates: Vec<NaiveDate>,
    /// Date the status was revoked, if it was.
    pub revoked_on: Option<NaiveDate>,
}

/// The latest manual figure recorded for one row and year (`KpiObservationRecorded`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObservationFact {
    /// The observation stream's id.
    pub stream_id: String,
    /// Stream sequence of the latest observation.
    pub sequence: u64,
    /// The annex row.
    pub row: u8,
    /// The year observed.
    pub year: i32,
    /// The figure.
    pub value: i64,
    /// The source document.
    pub source_ref: String,
    /// Date recorded.
    pub recorded_on: NaiveDate,
}

/// What the ledger says, as its views hold it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LedgerFacts {
    /// Needs accepted into the pool.
    pub needs: Vec<NeedFact>,
    /// Awarded calls.
    pub awards: Vec<AwardFact>,
    /// Consortia with at least one level granted.
    pub consortia: Vec<ConsortiumFact>,
    /// Manual observations (latest per row and year).
    pub observations: Vec<ObservationFact>,
}

/// One line of the KPI table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KpiLine {
    /// 序號.
    pub row: u8,
    /// 重點任務.
    pub area: String,
    /// 目標名稱.
    pub name: String,
    /// 單位.
    pub unit: String,
    /// How the figure is read.
    pub kind: KpiKind,
    /// `ledger` or `manual`.
    pub source: &'static str,
    /// The year.
    pub year: i32,
    /// The annex's target for the year.
    pub target: i64,
    /// Flow rows: targets summed from the first year; other rows: the year's target.
    pub plan_to_date: i64,
    /// The figure; `None` for a manual row without an observation.
    pub actual: Option<i64>,
    /// Row 9 only: net of revocations.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actual_net: Option<i64>,
    /// `actual / target`, four decimals; `None` without an actual or a target.
    pub ratio: Option<f64>,
    /// Row 9 only: `actual_net / target`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ratio_net: Option<f64>,
    /// The stretch figure (row 8).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stretch: Option<i64>,
}

/// One fact behind a row's figure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Contribution {
    /// `<aggregate_type>/<id>` of the stream.
    pub stream: String,
    /// The event that counts.
    pub event: &'static str,
    /// Its effective date.
    pub on: NaiveDate,
    /// The year it counts in.
    pub year: i32,
    /// What it adds (negative for a revocation in the net figure).
    pub count: i64,
}

fn ratio(actual: Option<i64>, target: i64) -> Option<f64> {
    let actual = actual?;
    if target == 0 {
        return None;
    }
    // Four decimals are enough for a dashboard; the integers stay exact beside it.
    #[allow(clippy::cast_precision_loss)]
    let r = actual as f64 / target as f64;
    Some((r * 10_000.0).round() / 10_000.0)
}

fn end_of(year: i32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year, 12, 31)
}

/// Every fact behind `spec`'s figures, in date order; `year` keeps only those counting up to
/// that year's figure.
pub fn contributions(
    spec: &KpiRowSpec,
    facts: &LedgerFacts,
    year: Option<i32>,
) -> Vec<Contribution> {
    let mut out: Vec<Contribution> = match &spec.feed {
        Feed::NeedsAccepted { category } => facts
            .needs
            .iter()
            .filter(|n| &n.category == category)
            .map(|n| Contribution {
                stream: format!("need/{}", n.id),
                event: "NeedAccepted",
                on: n.accepted_on,
                year: n.accepted_on.year(),
                count: 1,
            })
            .collect(),
        Feed::ProjectsAwarded { programmes } => facts
            .awards
            .iter()
            .filter(|a| programmes.contains(&a.programme))
            .map(|a| Contribution {
                stream: format!("challenge/{}", a.challenge_id),
                event: "ChallengeAwarded",
                on: a.awarded_on,
                year: a.awarded_on.year(),
                count: a.projects,
            })
            .collect(),
        Feed::ChallengesAwarded { programmes } => facts
            .awards
            .iter()
            .filter(|a| programmes.is_empty() || programmes.contains(&a.programme))
            // domain.md: one per call, so horse-race lanes do not inflate it.
            .map(|a| Contribution {
                stream: format!("challenge/{}", a.challenge_id),
                event: "ChallengeAwarded",
                on: a.awarded_on,
                year: a.awarded_on.year(),
                count: 1,
            })
            .collect(),
        Feed::ConsortiaLevelled => {
            let mut out = Vec::new();
            for c in &facts.consortia {
                let Some(first) = c.level_dates.iter().min() else {
                    continue;
                };
                out.push(Contribution {
                    stream: format!("consortium/{}", c.id),
                    event: "LevelGranted",
                    on: *first,
                    year: first.year(),
                    count: 1,
                });
                if let Some(revoked) = c.revoked_on {
                    out.push(Contribution {
                        stream: format!("consortium/{}", c.id),
                        event: "AccreditationRevoked",
                        on: revoked,
                        year: revoked.year(),
                        count: -1,
                    });
                }
            }
            out
        }
        Feed::Manual => facts
            .observations
            .iter()
            .filter(|o| o.row == spec.row)
            .map(|o| Contribution {
                stream: format!("kpi_observation/{}", o.stream_id),
                event: "KpiObservationRecorded",
                on: o.recorded_on,
                year: o.year,
                count: o.value,
            })
            .collect(),
    };
    if let Some(y) = year {
        let cumulative = spec.kind != KpiKind::Flow && spec.feed != Feed::Manual;
        let period = spec.kind == KpiKind::Period;
        out.retain(|c| {
            if cumulative || period {
                c.year <= y
            } else {
                c.year == y
            }
        });
    }
    out.sort_by(|a, b| (a.on, &a.stream).cmp(&(b.on, &b.stream)));
    out
}

fn line(spec: &KpiRowSpec, targets: &KpiTargets, facts: &LedgerFacts, year: i32) -> KpiLine {
    let target = spec.target(year).unwrap_or_default();
    let plan_to_date = match spec.kind {
        KpiKind::Flow => targets
            .years
            .iter()
            .filter(|y| **y <= year)
            .filter_map(|y| spec.target(*y))
            .sum(),
        _ => target,
    };
    let counted = contributions(spec, facts, Some(year));
    let (actual, actual_net) = match (&spec.feed, spec.kind) {
        (Feed::Manual, KpiKind::Period) => {
            let sum: i64 = counted.iter().map(|c| c.count).sum();
            ((!counted.is_empty()).then_some(sum), None)
        }
        (Feed::Manual, _) => (counted.last().map(|c| c.count), None),
        (Feed::ConsortiaLevelled, _) => {
            let end = end_of(year);
            let gross = counted.iter().filter(|c| c.count > 0).count() as i64;
            // domain.md: net leaves out consortia revoked by year-end and not granted again.
            let net = facts
                .consortia
                .iter()
                .filter(|c| {
                    let held: Vec<&NaiveDate> =
                        c.level_dates.iter().filter(|d| Some(**d) <= end).collect();
                    if held.is_empty() {
                        return false;
                    }
                    match c.revoked_on.filter(|r| Some(*r) <= end) {
                        Some(revoked) => held.iter().any(|d| **d > revoked),
                        None => true,
                    }
                })
                .count() as i64;
            (Some(gross), Some(net))
        }
        _ => (Some(counted.iter().map(|c| c.count).sum()), None),
    };
    KpiLine {
        row: spec.row,
        area: spec.area.clone(),
        name: spec.name.clone(),
        unit: spec.unit.clone(),
        kind: spec.kind,
        source: if spec.feed == Feed::Manual {
            "manual"
        } else {
            "ledger"
        },
        year,
        target,
        plan_to_date,
        actual,
        actual_net,
        ratio: ratio(actual, target),
        ratio_net: actual_net.and_then(|n| ratio(Some(n), target)),
        stretch: spec.stretch,
    }
}

/// The KPI table for `year`: one line per annex row, in annex order.
pub fn compute(targets: &KpiTargets, facts: &LedgerFacts, year: i32) -> Vec<KpiLine> {
    targets
        .rows
        .iter()
        .map(|spec| line(spec, targets, facts, year))
        .collect()
}
