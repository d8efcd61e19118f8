//! Time travel is faithful for technology needs and KPI observations: for random sequences of
//! valid and refused commands, the state the audit registry rebuilds at version N equals the
//! live aggregate right after the command that wrote event N, on both stores.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod time_travel;

use std::sync::Arc;

use chrono::NaiveDate;
use kernel::OrgCode;
use kpi::{KpiObservation, KpiObservationCommand, KpiServices, KpiTargets};
use need::{NeedCategory, NeedCommand, NeedServices, NeedStatus, RegisterNeed, TechnologyNeed};
use store::Backend;
use time_travel::{rebuilt_equals_live, Script, Step};

const POSER: &str = "91320583MA1KC00109";

fn register(n: u8) -> NeedCommand {
    NeedCommand::Register(RegisterNeed {
        poser: OrgCode::parse(POSER).unwrap(),
        category: if n.is_multiple_of(2) {
            NeedCategory::MajorEnterprise
        } else {
            NeedCategory::IndustryChain
        },
        industry_chain: "新型显示".into(),
        title: format!("高分辨率光刻胶国产替代 {n}"),
        text: "面板产线所需光刻胶依赖进口".into(),
        // An empty expected outcome when n is 7: refused.
        expected_outcome: if n == 7 {
            String::new()
        } else {
            "通过产线验证".into()
        },
        registered_by: "applicant-1".into(),
    })
}

fn screen(n: u8) -> NeedCommand {
    NeedCommand::Screen {
        accept: !n.is_multiple_of(3),
        // A rejection without a reason when n is 9: refused.
        reason: (n != 9).then(|| "不属于重点产业链".to_string()),
    }
}

fn adopt(n: u8) -> NeedCommand {
    NeedCommand::Adopt {
        challenge_id: format!("call-{n}"),
    }
}

fn need_step(kind: u8, n: u8, live: &TechnologyNeed, _today: NaiveDate) -> Step<NeedCommand> {
    if kind.is_multiple_of(4) {
        return Step::Run(match (kind / 4) % 3 {
            0 => register(n),
            1 => screen(n),
            _ => adopt(n),
        });
    }
    Step::Run(match live.status {
        NeedStatus::New => register(n),
        NeedStatus::Registered => screen(n),
        NeedStatus::Accepted | NeedStatus::Adopted | NeedStatus::Rejected => adopt(n),
    })
}

fn need_script() -> Script<TechnologyNeed> {
    Script {
        start: "2026-03-01T01:00:00Z",
        services: |clock| NeedServices::new(Arc::new(clock)),
        step: need_step,
        kinds: 32,
        length: 1..8,
        pace_days: 1,
        // A need's life is at most three events (registered, screened, adopted): 24 cases × 3 at most.
        min_events: 48,
        must_reach: &[
            "NeedRegistered",
            "NeedAccepted",
            "NeedRejected",
            "NeedAdopted",
        ],
    }
}

const MANUAL_ROWS: [u8; 4] = [3, 12, 13, 18];

fn observation_step(
    kind: u8,
    n: u8,
    live: &KpiObservation,
    _today: NaiveDate,
) -> Step<KpiObservationCommand> {
    // Streams hold one row and year: every fourth step names another row (refused once recorded);
    // a ledger row (1) and a year outside the annex are refused too.
    let row = if kind.is_multiple_of(4) {
        MANUAL_ROWS[usize::from(n % 4)]
    } else if n == 5 {
        1
    } else {
        live.row.unwrap_or(13)
    };
    Step::Run(KpiObservationCommand::Record {
        row,
        year: if n == 6 { 2031 } else { 2025 },
        value: i64::from(n) * 10 - if n == 4 { 100 } else { 0 },
        source_ref: format!("昆科统〔2026〕{n}号"),
        recorded_by: "officer-1".into(),
    })
}

fn observation_script() -> Script<KpiObservation> {
    Script {
        start: "2026-01-05T01:00:00Z",
        services: |clock| KpiServices::new(Arc::new(clock), Arc::new(KpiTargets::annex().unwrap())),
        step: observation_step,
        kinds: 32,
        length: 4..16,
        pace_days: 1,
        min_events: 80,
        must_reach: &["KpiObservationRecorded"],
    }
}

#[test]
fn need_state_at_each_version_equals_the_live_state_on_sqlite() {
    rebuilt_equals_live(Backend::Sqlite, need_script());
}

#[test]
fn need_state_at_each_version_equals_the_live_state_on_postgres() {
    rebuilt_equals_live(Backend::Postgres, need_script());
}

#[test]
fn kpi_observation_state_at_each_version_equals_the_live_state_on_sqlite() {
    rebuilt_equals_live(Backend::Sqlite, observation_script());
}

#[test]
fn kpi_observation_state_at_each_version_equals_the_live_state_on_postgres() {
    rebuilt_equals_live(Backend::Postgres, observation_script());
}
