use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// How a row's figure is read (domain.md §7, "three readings of the rows").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KpiKind {
    /// 年度數據 that add up: the count within the year.
    Flow,
    /// A year-end level (rows 12–14, domain.md ).
    Stock,
    /// 累計數據: the running total at the end of the year.
    Cumulative,
    /// One figure for the whole period (row 8, 1~2).
    Period,
}

/// Where a row's actual comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Feed {
    /// `NeedAccepted` of this category, by the year of `accepted_on` (domain.md ).
    NeedsAccepted {
        /// `major_enterprise` or `industry_chain`.
        category: String,
    },
    /// Projects created by awards (one per winner) of calls under these programmes.
    ProjectsAwarded {
        /// Programme ids.
        programmes: Vec<String>,
    },
    /// Distinct consortia with a first `LevelGranted`, gross and net of revocations (domain.md ).
    ConsortiaLevelled,
    /// Awarded calls, one per call whatever the lanes (domain.md ); an empty list means all
    /// programmes.
    ChallengesAwarded {
        /// Programme ids; empty for every programme.
        programmes: Vec<String>,
    },
    /// An officer's `KpiObservationRecorded` (domain.md ).
    Manual,
}

/// One row of the annex.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KpiRowSpec {
    /// 序號 (1–19).
    pub row: u8,
    /// 重點任務.
    pub area: String,
    /// 目標名稱.
    pub name: String,
    /// 單位.
    pub unit: String,
    /// How the figure is read.
    pub kind: KpiKind,
    /// Target per year (`"2025"` → 30).
    pub targets: BTreeMap<String, i64>,
    /// Where the actual comes from.
    pub feed: Feed,
    /// The stretch figure of a period row (row 8: 2 of 1~2).
    #[serde(default)]
    pub stretch: Option<i64>,
    /// How the row is read, where that is a choice.
    #[serde(default)]
    pub note: Option<String>,
}

impl KpiRowSpec {
    /// The target for `year`.
    pub fn target(&self, year: i32) -> Option<i64> {
        self.targets.get(&year.to_string()).copied()
    }
}

/// The annex as configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KpiTargets {
    /// Where the figures come from.
    pub source: String,
    /// The years the annex covers.
    pub years: Vec<i32>,
    /// The rows in annex order.
    pub rows: Vec<KpiRowSpec>,
}

/// Why a targets file was refused.
#[derive(Debug, thiserror::Error)]
pub enum TargetsError {
    /// Not JSON of the expected shape.
    #[error("the KPI targets file does not parse: {0}")]
    Parse(#[from] serde_json::Error),
    /// A row number appears twice.
    #[error("KPI row {0} appears twice")]
    DuplicateRow(u8),
    /// A row lacks a target for a covered year.
    #[error("KPI row {row} has no target for {year}")]
    MissingTarget {
        /// The row.
        row: u8,
        /// The year.
        year: i32,
    },
}

const ANNEX: &str = include_str!("../../../config/kpi_targets.json");

impl KpiTargets {
    /// The seed-000 annex as shipped in `config/kpi_targets.json`.
    pub fn annex() -> Result<KpiTargets, TargetsError> {
        KpiTargets::parse(ANNEX)
    }

    /// Parses and checks a targets document.
    pub fn parse(text: &str) -> Result<KpiTargets, TargetsError> {
        let targets: KpiTargets = serde_json::from_str(text)?;
        let mut seen = std::collections::BTreeSet::new();
        for r in &targets.rows {
            if !seen.insert(r.row) {
                return Err(TargetsError::DuplicateRow(r.row));
            }
            for y in &targets.years {
                if r.target(*y).is_none() {
                    return Err(TargetsError::MissingTarget {
                        row: r.row,
                        year: *y,
                    });
                }
            }
        }
        Ok(targets)
    }

    /// The row numbered `row`.
    pub fn row(&self, row: u8) -> Option<&KpiRowSpec> {
        self.rows.iter().find(|r| r.row == row)
    }

    /// True when `row` is fed by manual observations.
    pub fn is_manual(&self, row: u8) -> bool {
        self.row(row).is_some_and(|r| r.feed == Feed::Manual)
    }
}
