//! The property every state-at-version test checks, generic over the aggregate: for random
//! command sequences (valid and refused), the state the audit registry rebuilds at version N
//! equals the live aggregate right after the command that wrote event N, on one store.
//!
//! A test supplies a [`Script`]: how to build its services over the scenario's clock, and how
//! to turn one generated `(kind, n)` pair into a command (or a wait) given the live state and
//! today's date. Kind 0 must build the command that creates the stream: every case starts with it.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::ops::Range;

use app::audit::fold_for;
use chrono::{DateTime, NaiveDate, SecondsFormat, TimeDelta, Utc};
use cqrs_es::event_sink::EventSink;
use cqrs_es::Aggregate;
use kernel::{Clock, FixedClock};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::Value;
use store::testing::FreshDb;
use store::{Backend, Store};

/// What one generated step does.
// Each test binary constructs only the variants its scripts need.
#[allow(dead_code)]
pub enum Step<C> {
    /// Run the command, through the store and on the live aggregate.
    Run(C),
    /// Move the clock on, running nothing.
    Wait(TimeDelta),
}

/// How to drive one aggregate type through random histories.
pub struct Script<A: Aggregate> {
    /// The clock's reading before the first step (RFC 3339).
    pub start: &'static str,
    /// The aggregate's services over the scenario's clock.
    pub services: fn(FixedClock) -> A::Services,
    /// Builds step `(kind, n)` from the live state and today's date; kind 0 creates the stream.
    pub step: fn(u8, u8, &A, NaiveDate) -> Step<A::Command>,
    /// Kinds are drawn from `0..kinds`, `n` from `0..16`.
    pub kinds: u8,
    /// How many steps a case has (after the creating one).
    pub length: Range<usize>,
    /// Days the clock moves before every step.
    pub pace_days: i64,
    /// Fewest events all cases together must store, so the test cannot pass on refusals alone.
    pub min_events: usize,
    /// Event types some case must store, so the generator is known to reach deep histories.
    pub must_reach: &'static [&'static str],
}

/// Runs `steps` on stream `id` through the store and on an in-memory aggregate that handles the
/// same commands; returns the live state after each stored event.
async fn run<A>(
    store: &Store,
    clock: &FixedClock,
    script: &Script<A>,
    id: &str,
    steps: &[(u8, u8)],
) -> Vec<Value>
where
    A: Aggregate + Clone,
    A::Command: Clone + Send,
    A::Services: Clone,
    A::Error: std::fmt::Debug,
{
    let services = (script.services)(clock.clone());
    let cqrs = store.cqrs::<A>(services.clone());
    let mut live = A::default();
    let mut after_each = Vec::new();
    for &(kind, n) in steps {
        clock.set(clock.now() + TimeDelta::days(script.pace_days));
        let cmd = match (script.step)(kind, n, &live, clock.today()) {
            Step::Wait(by) => {
                clock.set(clock.now() + by);
                continue;
            }
            Step::Run(cmd) => cmd,
        };
        let mut scratch = live.clone();
        let sink = EventSink::default();
        let in_memory = scratch.handle(cmd.clone(), &services, &sink).await;
        let events = sink.collect().await;
        let metadata = HashMap::from([(
            "recorded_at".to_string(),
            clock.now().to_rfc3339_opts(SecondsFormat::Micros, true),
        )]);
        let stored = cqrs.execute_with_metadata(id, cmd, metadata).await;
        assert_eq!(
            in_memory.is_ok(),
            stored.is_ok(),
            "{in_memory:?} vs {:?}",
            stored.err()
        );
        if in_memory.is_ok() {
            for e in events {
                live.apply(e);
                after_each.push(serde_json::to_value(&live).unwrap());
            }
        }
    }
    after_each
}

/// Checks the property for `A` on `backend` over 24 deterministic cases of `script`, then that
/// the cases stored at least `min_events` events and every type in `must_reach`.
pub fn rebuilt_equals_live<A>(backend: Backend, script: Script<A>)
where
    A: Aggregate + Clone,
    A::Command: Clone + Send,
    A::Services: Clone,
    A::Error: std::fmt::Debug,
{
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let fresh = rt.block_on(FreshDb::create(backend)).unwrap();
    let store = Store::new(
        rt.block_on(fresh.connect()).unwrap(),
        projections::all_projectors(),
    );
    let fold = fold_for(A::TYPE).expect("registered");
    let mut runner = TestRunner::new_with_rng(
        Config {
            cases: 24,
            failure_persistence: None,
            ..Config::default()
        },
        // Deterministic, so the depth checks below are stable in CI.
        TestRng::deterministic_rng(RngAlgorithm::ChaCha),
    );
    let stored: RefCell<BTreeMap<String, usize>> = RefCell::default();
    let steps = prop::collection::vec((0u8..script.kinds, 0u8..16), script.length.clone());
    runner
        .run(&steps, |steps| {
            let id = uuid::Uuid::new_v4().to_string();
            let start: DateTime<Utc> = script.start.parse().unwrap();
            let clock = FixedClock::new(start);
            let mut all = vec![(0, steps.first().map_or(0, |s| s.1))];
            all.extend(steps.iter().copied());
            let after_each = rt.block_on(run::<A>(&store, &clock, &script, &id, &all));
            let events = rt.block_on(store.events(A::TYPE, &id, 0, None)).unwrap();
            prop_assert_eq!(events.len(), after_each.len());
            for event in &events {
                *stored
                    .borrow_mut()
                    .entry(event.event_type.clone())
                    .or_default() += 1;
            }
            for (n, live) in after_each.iter().enumerate() {
                prop_assert_eq!(&fold(&events[..=n]).unwrap(), live, "version {}", n + 1);
            }
            Ok(())
        })
        .unwrap();
    let stored = stored.into_inner();
    let total: usize = stored.values().sum();
    assert!(
        total >= script.min_events,
        "only {total} events stored: the generator reaches too few histories ({stored:?})"
    );
    for kind in script.must_reach {
        assert!(
            stored.contains_key(*kind),
            "no case stored a {kind} event: the generator stops short ({stored:?})"
        );
    }
}
