#![allow(clippy::expect_used, clippy::unwrap_used)]
// Tests tear down child processes, sockets and scratch directories whose errors do not
// matter to what they check; the product code keeps this lint (Cargo.toml).
#![allow(clippy::let_underscore_must_use)]
//! Heard's integration tests: one binary, a real server per test on a random port, driven
//! over HTTP by a client that runs no JavaScript, on SQLite and on a real PostgreSQL.

mod fixtures;
mod helpers;
mod hostile;
mod smtp;

mod admin;
mod audit_atomic;
mod bad_inputs;
mod builder;
mod cli;
mod deploy;
mod display;
mod email;
mod error_pages;
mod identity;
mod import_browser;
mod imports;
mod journey;
mod media;
mod migrations;
mod ops;
mod panels;
mod paper;
mod privacy;
mod reports;
mod results;
mod review_cycle;
mod say_or_show;
mod sso;
mod staff;
mod stats;
mod surveys;
mod voices;
