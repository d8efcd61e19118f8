use std::sync::Arc;

use chrono::NaiveDate;
use cqrs_es::event_sink::EventSink;
use cqrs_es::{Aggregate, DomainEvent};
use kernel::{Clock, DomainError, ErrorKind};
use serde::{Deserialize, Serialize};

use crate::KpiTargets;

/// What the observation aggregate needs: the clock and the annex (which rows are manual).
#[derive(Clone)]
pub struct KpiServices {
    /// Dates the observation.
    pub clock: Arc<dyn Clock>,
    /// The annex.
    pub targets: Arc<KpiTargets>,
}

impl KpiServices {
    /// Services over a clock and the annex.
    pub fn new(clock: Arc<dyn Clock>, targets: Arc<KpiTargets>) -> Self {
        KpiServices { clock, targets }
    }
}

/// Commands on the observations of one row and year (stream id `r<row>-<year>`).
#[derive(Debug, Clone, PartialEq)]
pub enum KpiObservationCommand {
    /// Record the figure for a row grantledger does not produce (domain.md ).
    Record {
        /// The annex row.
        row: u8,
        /// The year.
        year: i32,
        /// The figure.
        value: i64,
        /// The document it comes from (e.g. 统计公报 reference).
        source_ref: String,
        /// Who recorded it.
        recorded_by: String,
    },
}

/// What happened. Names and versions never change once stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum KpiObservationEvent {
    /// A figure was recorded; the latest one of the year counts.
    KpiObservationRecorded {
        /// The annex row.
        row: u8,
        /// The year.
        year: i32,
        /// The figure.
        value: i64,
        /// The source document.
        source_ref: String,
        /// Who recorded it.
        recorded_by: String,
        /// Date recorded.
        recorded_on: NaiveDate,
    },
}

impl DomainEvent for KpiObservationEvent {
    fn event_type(&self) -> String {
        "KpiObservationRecorded".to_string()
    }

    fn event_version(&self) -> String {
        "1.0".to_string()
    }
}

/// Why an observation was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KpiObservationError {
    /// The row is not in the annex.
    #[error("the annex has no row {0}")]
    UnknownRow(u8),
    /// The row is counted from the ledger's own events.
    #[error("row {0} is counted from the ledger; it takes no manual figure")]
    RowCountedFromLedger(u8),
    /// The year is outside the annex.
    #[error("the annex covers {first}–{last}, not {asked}")]
    YearOutsideAnnex {
        /// First year covered.
        first: i32,
        /// Last year covered.
        last: i32,
        /// Asked.
        asked: i32,
    },
    /// Negative figure.
    #[error("a KPI figure cannot be negative")]
    NegativeValue,
    /// No source document.
    #[error("an observation names its source document")]
    SourceRequired,
    /// The stream id does not match the row and year.
    #[error("observations of row {row} in {year} go to stream r{row}-{year}")]
    WrongStream {
        /// Row.
        row: u8,
        /// Year.
        year: i32,
    },
}

impl DomainError for KpiObservationError {
    fn code(&self) -> &'static str {
        match self {
            KpiObservationError::UnknownRow(_) => "unknown_kpi_row",
            KpiObservationError::RowCountedFromLedger(_) => "kpi_row_counted_from_ledger",
            KpiObservationError::YearOutsideAnnex { .. } => "kpi_year_outside_annex",
            KpiObservationError::NegativeValue => "kpi_value_negative",
            KpiObservationError::SourceRequired => "required_field_empty",
            KpiObservationError::WrongStream { .. } => "kpi_wrong_stream",
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            KpiObservationError::UnknownRow(_) => ErrorKind::NotFound,
            _ => ErrorKind::Invalid,
        }
    }
}

/// One recorded figure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObservationEntry {
    /// The figure.
    pub value: i64,
    /// Source document.
    pub source_ref: String,
    /// Who.
    pub recorded_by: String,
    /// When.
    pub recorded_on: NaiveDate,
}

/// The figures recorded for one row and year; the last one counts.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct KpiObservation {
    /// The row, once recorded.
    pub row: Option<u8>,
    /// The year, once recorded.
    pub year: Option<i32>,
    /// Every figure in order.
    pub history: Vec<ObservationEntry>,
}

impl KpiObservation {
    /// The stream id of `row` in `year`.
    pub fn stream_id(row: u8, year: i32) -> String {
        format!("r{row}-{year}")
    }
}

impl Aggregate for KpiObservation {
    const TYPE: &'static str = "kpi_observation";
    type Command = KpiObservationCommand;
    type Event = KpiObservationEvent;
    type Error = KpiObservationError;
    type Services = KpiServices;

    async fn handle(
        &mut self,
        command: Self::Command,
        services: &Self::Services,
        sink: &EventSink<Self>,
    ) -> Result<(), Self::Error> {
        let KpiObservationCommand::Record {
            row,
            year,
            value,
            source_ref,
            recorded_by,
        } = command;
        let targets = &services.targets;
        if targets.row(row).is_none() {
            return Err(KpiObservationError::UnknownRow(row));
        }
        // domain.md: only rows grantledger does not produce take a manual figure.
        if !targets.is_manual(row) {
            return Err(KpiObservationError::RowCountedFromLedger(row));
        }
        if !targets.years.contains(&year) {
            return Err(KpiObservationError::YearOutsideAnnex {
                first: targets.years.iter().copied().min().unwrap_or_default(),
                last: targets.years.iter().copied().max().unwrap_or_default(),
                asked: year,
            });
        }
        if self.row.is_some_and(|r| r != row) || self.year.is_some_and(|y| y != year) {
            return Err(KpiObservationError::WrongStream { row, year });
        }
        if value < 0 {
            return Err(KpiObservationError::NegativeValue);
        }
        if source_ref.trim().is_empty() {
            return Err(KpiObservationError::SourceRequired);
        }
        let event = KpiObservationEvent::KpiObservationRecorded {
            row,
            year,
            value,
            source_ref,
            recorded_by,
            recorded_on: services.clock.today(),
        };
        sink.write(event, self).await;
        Ok(())
    }

    fn apply(&mut self, event: Self::Event) {
        let KpiObservationEvent::KpiObservationRecorded {
            row,
            year,
            value,
            source_ref,
            recorded_by,
            recorded_on,
        } = event;
        self.row = Some(row);
        self.year = Some(year);
        self.history.push(ObservationEntry {
            value,
            source_ref,
            recorded_by,
            recorded_on,
        });
    }
}
