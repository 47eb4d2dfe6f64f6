//! Snapshots of the human (NO_COLOR) and short reports for the first two
//! seeds, so any change to a diagnostic is seen in review.
//!
//! Run: `cargo test --test reports`; accept new snapshots with
//! `cargo insta review` (or `INSTA_UPDATE=always cargo test --test reports`).

mod common;

use common::*;

/// Runs `check fixtures/<name> --format <format>` from the crate root, with a
/// relative path so the snapshot does not depend on where the repo lives.
fn report(name: &str, format: &str) -> String {
    let path = format!("fixtures/{name}");
    let out = migraguard()
        .args(["check", &path, "--format", format])
        .env("NO_COLOR", "1")
        .env("COLUMNS", "100")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("FORCE_COLOR")
        .output()
        .expect("the binary runs");
    assert_eq!(
        out.status.code(),
        Some(1),
        "{name} --format {format}: stderr {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        !stdout.contains('\u{1b}'),
        "NO_COLOR=1 but the {format} report has escape codes"
    );
    stdout
}

#[test]
fn seed_000_human() {
    insta::assert_snapshot!(report("seed-000-services-description", "human"));
}

#[test]
fn seed_000_short() {
    insta::assert_snapshot!(report("seed-000-services-description", "short"));
}

#[test]
fn seed_001_human() {
    insta::assert_snapshot!(report("seed-001-agents-rebuild", "human"));
}

#[test]
fn seed_001_short() {
    insta::assert_snapshot!(report("seed-001-agents-rebuild", "short"));
}
