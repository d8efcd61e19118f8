//! End-to-end tests over HTTP: the real application on a random port, against a fresh SQLite
//! file and a fresh PostgreSQL database, every scenario on both.

// Scenarios are plain async fns called from generated #[test]s, which clippy's
// allow-unwrap/expect-in-tests does not see as tests.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[macro_use]
mod helpers;

mod contract;

mod audit;
mod bench;
mod bids;
mod browser;
mod challenges;
mod clawbacks;
mod consistency;
mod consortia;
mod csv;
mod hygiene;
mod integrity;
mod kpis;
mod needs;
mod openapi;
mod operations;
mod projects;
mod races;
mod readme;
mod recovery;
mod search;
mod support;
mod transparency;
