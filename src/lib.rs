//! Heard: a co-production feedback service for local SEND partnerships in England.
//!
//! The map of the crate (see ARCHITECTURE.md for the why):
//! - [`config`]: settings from defaults, a file and the environment;
//! - [`db`]: one diesel connection type over SQLite and PostgreSQL, pool, migrations, and the
//!   id newtypes (`WaveId`, `PartnershipId`, `ResponseId`, `AccountId`, `QuoteId`);
//! - [`domain`]: validated types — slugs, user text, survey and framework definitions, answers;
//! - [`models`]: the queries, one file per aggregate; writes compose, audit rows go inside them;
//!   a wave is loaded whole, definition parsed once, as `models::survey::Wave`;
//! - [`routes`]: HTTP handlers, thin, one module per area (the respondent journey a folder by
//!   flow); [`error`] maps failures to HTTP once, in the visitor's language; [`views`]: the
//!   view structs every page shares and the error page; [`live`]: the live tally's pollers;
//! - [`templates`]: the embedded handlebars registry and assets; [`i18n`]: interface words;
//! - [`prefs`]: the visitor's display settings and language for the request in hand;
//! - [`middleware`]: what wraps every request, one file each (panics, preferences, browser key,
//!   caches, headers, limits and metrics, refusal pages and in-place compression), in one order;
//! - [`metrics`]: Prometheus counters; [`ratelimit`]: per-client limits;
//! - [`security`]: headers and form tokens; [`startup`]: wiring for `serve` and the tests;
//! - [`demo`]: the seed partnerships and the Torbay Participation Survey;
//! - [`loadtest`]: the load generator behind `heard loadtest`;
//! - [`backup`]: `heard backup` / `heard restore` for SQLite;
//! - [`cli`]: the `heard` command.

pub mod backup;
pub mod charts;
pub mod cli;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod email;
pub mod error;
pub mod exports;
pub mod i18n;
pub mod live;
pub mod loadtest;
pub mod metrics;
pub mod middleware;
pub mod models;
pub mod prefs;
pub mod ratelimit;
pub mod report;
pub mod routes;
pub mod security;
pub mod startup;
pub mod state;
pub mod stats;
pub mod templates;
pub mod views;
