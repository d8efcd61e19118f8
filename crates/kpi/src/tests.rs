use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use cqrs_es::test::TestFramework;
use kernel::FixedClock;

use crate::*;

fn day(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

fn annex() -> KpiTargets {
    KpiTargets::annex().unwrap()
}

#[test]
fn the_shipped_annex_reproduces_the_seed_000_table() {
    let t = annex();
    assert_eq!(t.years, [2025, 2026, 2027]);
    assert_eq!(t.rows.len(), 19);
    let sum = |row: u8| -> i64 { t.row(row).unwrap().targets.values().sum() };
    // 000_e0aff6e539fca529.txt「全市挖掘祖沖之攻關計劃重大企業需求100項、產業鏈技術需求500項」
    assert_eq!(sum(1), 100);
    assert_eq!(sum(2), 500);
    // 000_e0aff6e539fca529.txt「全市新增“揭榜掛帥”重大科技成果轉化項目50項」
    assert_eq!(sum(10), 50);
    assert_eq!(t.row(9).unwrap().target(2027), Some(100));
    assert_eq!(t.row(9).unwrap().kind, KpiKind::Cumulative);
    assert_eq!(t.row(13).unwrap().kind, KpiKind::Stock);
    let manual: Vec<u8> = t
        .rows
        .iter()
        .filter(|r| r.feed == Feed::Manual)
        .map(|r| r.row)
        .collect();
    assert_eq!(manual, [3, 4, 5, 8, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
}

#[test]
fn a_targets_file_missing_a_year_is_refused() {
    let text = r#"{"source":"x","years":[2025,2026],"rows":[{"row":1,"area":"a","name":"n","unit":"項","kind":"flow","targets":{"2025":1},"feed":{"kind":"manual"}}]}"#;
    assert!(matches!(
        KpiTargets::parse(text),
        Err(TargetsError::MissingTarget { row: 1, year: 2026 })
    ));
}

fn need(id: &str, category: &str, on: &str) -> NeedFact {
    NeedFact {
        id: id.into(),
        category: category.into(),
        accepted_on: day(on),
    }
}

/// A synthetic 2025: 3 major and 2 chain needs accepted (one more major need in 2026), a single
/// call and a three-lane horse race awarded under the key R&D programme, one call of another
/// programme, four consortia levelled of which one is revoked in 2025 and one in 2026.
fn programme_year() -> LedgerFacts {
    LedgerFacts {
        needs: vec![
            need("n1", "major_enterprise", "2025-01-03"),
            need("n2", "major_enterprise", "2025-06-30"),
            need("n3", "major_enterprise", "2025-12-31"),
            need("n4", "industry_chain", "2025-03-01"),
            need("n5", "industry_chain", "2025-04-01"),
            need("n6", "major_enterprise", "2026-01-01"),
        ],
        awards: vec![
            AwardFact {
                challenge_id: "c-single".into(),
                programme: "consortium_key_rd".into(),
                awarded_on: day("2025-05-01"),
                projects: 1,
            },
            AwardFact {
                challenge_id: "c-race".into(),
                programme: "consortium_key_rd".into(),
                awarded_on: day("2025-07-01"),
                projects: 3,
            },
            AwardFact {
                challenge_id: "c-nrdi".into(),
                programme: "new_rd_institution".into(),
                awarded_on: day("2025-08-01"),
                projects: 1,
            },
        ],
        consortia: vec![
            ConsortiumFact {
                id: "k1".into(),
                level_dates: vec![day("2025-02-01"), day("2025-09-01")],
                revoked_on: None,
            },
            ConsortiumFact {
                id: "k2".into(),
                level_dates: vec![day("2025-03-01")],
                revoked_on: Some(day("2025-11-01")),
            },
            ConsortiumFact {
                id: "k3".into(),
                level_dates: vec![day("2025-04-01")],
                revoked_on: Some(day("2026-02-01")),
            },
            ConsortiumFact {
                id: "k4".into(),
                level_dates: vec![day("2026-05-01")],
                revoked_on: None,
            },
        ],
        observations: vec![ObservationFact {
            stream_id: "r13-2025".into(),
            sequence: 2,
            row: 13,
            year: 2025,
            value: 236,
            source_ref: "昆科统〔2026〕1号".into(),
            recorded_on: day("2026-01-15"),
        }],
    }
}

fn line(table: &[KpiLine], row: u8) -> &KpiLine {
    table.iter().find(|l| l.row == row).unwrap()
}

#[test]
fn a_programme_year_gives_each_counted_row_its_actual_and_ratio() {
    let t = annex();
    let table = compute(&t, &programme_year(), 2025);
    assert_eq!(table.len(), 19);
    let r1 = line(&table, 1);
    assert_eq!((r1.target, r1.actual, r1.ratio), (30, Some(3), Some(0.1)));
    let r2 = line(&table, 2);
    assert_eq!(
        (r2.target, r2.actual, r2.ratio),
        (150, Some(2), Some(0.0133))
    );
    // Row 7 counts projects: the race's three lanes are three projects.
    let r7 = line(&table, 7);
    assert_eq!((r7.actual, r7.ratio), (Some(4), Some(0.1333)));
    // Row 10 counts calls: the race counts once; every programme counts.
    let r10 = line(&table, 10);
    assert_eq!(
        (r10.target, r10.actual, r10.ratio),
        (15, Some(3), Some(0.2))
    );
    // Row 9 is cumulative, gross and net of revocations.
    let r9 = line(&table, 9);
    assert_eq!(
        (r9.target, r9.actual, r9.actual_net),
        (70, Some(3), Some(2))
    );
    assert_eq!((r9.ratio, r9.ratio_net), (Some(0.0429), Some(0.0286)));
    // A manual stock row takes the year's observation; one without stays empty.
    let r13 = line(&table, 13);
    assert_eq!(
        (r13.actual, r13.ratio, r13.source),
        (Some(236), Some(1.0261), "manual")
    );
    assert_eq!(line(&table, 12).actual, None);
    assert_eq!(line(&table, 12).ratio, None);
}

#[test]
fn the_next_year_counts_flows_afresh_and_cumulative_rows_up_to_its_end() {
    let table = compute(&annex(), &programme_year(), 2026);
    let r1 = line(&table, 1);
    assert_eq!((r1.actual, r1.plan_to_date), (Some(1), 60));
    assert_eq!(line(&table, 10).actual, Some(0));
    let r9 = line(&table, 9);
    assert_eq!(
        (r9.target, r9.actual, r9.actual_net),
        (85, Some(4), Some(2))
    );
    assert_eq!(line(&table, 13).actual, None);
}

#[test]
fn the_contributions_of_a_row_name_the_events_behind_its_figure() {
    let t = annex();
    let facts = programme_year();
    let c = contributions(t.row(1).unwrap(), &facts, Some(2025));
    let streams: Vec<&str> = c.iter().map(|c| c.stream.as_str()).collect();
    assert_eq!(streams, ["need/n1", "need/n2", "need/n3"]);
    assert!(c.iter().all(|c| c.event == "NeedAccepted"));
    let c = contributions(t.row(9).unwrap(), &facts, Some(2025));
    let events: Vec<(&str, &str, i64)> = c
        .iter()
        .map(|c| (c.stream.as_str(), c.event, c.count))
        .collect();
    assert_eq!(
        events,
        [
            ("consortium/k1", "LevelGranted", 1),
            ("consortium/k2", "LevelGranted", 1),
            ("consortium/k3", "LevelGranted", 1),
            ("consortium/k2", "AccreditationRevoked", -1),
        ]
    );
}

type Framework = TestFramework<KpiObservation>;

fn framework() -> Framework {
    let now: DateTime<Utc> = DateTime::parse_from_rfc3339("2026-01-15T09:00:00+08:00")
        .unwrap()
        .into();
    Framework::with(KpiServices::new(
        Arc::new(FixedClock::new(now)),
        Arc::new(annex()),
    ))
}

fn record(row: u8, year: i32, value: i64, source: &str) -> KpiObservationCommand {
    KpiObservationCommand::Record {
        row,
        year,
        value,
        source_ref: source.into(),
        recorded_by: "officer-1".into(),
    }
}

#[test]
fn an_officer_records_a_manual_figure_with_its_source() {
    framework()
        .given_no_previous_events()
        .when(record(13, 2025, 236, "昆科统〔2026〕1号"))
        .then_expect_events(vec![KpiObservationEvent::KpiObservationRecorded {
            row: 13,
            year: 2025,
            value: 236,
            source_ref: "昆科统〔2026〕1号".into(),
            recorded_by: "officer-1".into(),
            recorded_on: day("2026-01-15"),
        }]);
}

#[test]
fn a_row_counted_from_the_ledger_takes_no_manual_figure() {
    framework()
        .given_no_previous_events()
        .when(record(1, 2025, 30, "x"))
        .then_expect_error(KpiObservationError::RowCountedFromLedger(1));
}

#[test]
fn unknown_rows_years_outside_the_annex_negatives_and_sourceless_figures_are_refused() {
    framework()
        .given_no_previous_events()
        .when(record(20, 2025, 1, "x"))
        .then_expect_error(KpiObservationError::UnknownRow(20));
    framework()
        .given_no_previous_events()
        .when(record(13, 2028, 1, "x"))
        .then_expect_error(KpiObservationError::YearOutsideAnnex {
            first: 2025,
            last: 2027,
            asked: 2028,
        });
    framework()
        .given_no_previous_events()
        .when(record(13, 2025, -1, "x"))
        .then_expect_error(KpiObservationError::NegativeValue);
    framework()
        .given_no_previous_events()
        .when(record(13, 2025, 1, " "))
        .then_expect_error(KpiObservationError::SourceRequired);
}
