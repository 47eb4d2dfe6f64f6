//! migraguard: static check that ORM models and database migrations agree.
//!
//! Data flows one way (see docs/architecture.md):
//! snapshot -> discover -> models / migrations -> schema -> diff -> findings
//! -> scope -> report.

pub mod cli;
pub mod config;
pub mod dialect;
pub mod diff;
pub mod discover;
pub mod findings;
pub mod migrations;
pub mod models;
pub mod pipeline;
pub mod report;
pub mod rules;
pub mod schema;
pub mod scope;
pub mod snapshot;
pub mod source;
