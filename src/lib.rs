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
pub mod lints;
pub mod migrations;
pub mod models;
pub mod pipeline;
pub mod report;
pub mod rules;
pub mod schema;
pub mod scope;
pub mod snapshot;
pub mod source;

/// Property-test case count: the suite's default, or `PROPTEST_CASES` for a
/// deeper run (`PROPTEST_CASES=5000 cargo test --release never_panic`).
#[cfg(test)]
pub(crate) fn proptest_cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
