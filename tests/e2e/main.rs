//! End-to-end tests over HTTP: the real application on a random port, against a fresh SQLite
//! file and a fresh PostgreSQL database, every scenario on both.

// Test code: a failed expectation is a failed test.
#![allow(clippy::expect_used, clippy::unwrap_used)]

#[macro_use]
mod helpers;

mod bids;
mod challenges;
mod openapi;
