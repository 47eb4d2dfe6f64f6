//! Snapshots of the human (NO_COLOR) and short reports for the first two
//! seeds, and of the sarif, github and Markdown summary reports, so any change
//! to a diagnostic is seen in review.
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
        .envs(GITHUB_ENV)
        .env_remove("MIGRAGUARD_SHA")
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

/// A GitHub Actions run, fixed so the snapshots hold on a real runner too.
/// The sarif, github and summary paths start with `fixtures/<name>/`: they are
/// relative to the git repository around the checked folder, this checkout.
const GITHUB_ENV: [(&str, &str); 3] = [
    ("GITHUB_SERVER_URL", "https://github.com"),
    ("GITHUB_REPOSITORY", "acme/shop"),
    ("GITHUB_SHA", "0123456789abcdef0123456789abcdef01234567"),
];

/// The SARIF log with the tool version and the rule pages replaced, so a
/// release or a docs edit does not rewrite the snapshots (the unit tests in
/// src/report/sarif.rs check that the help is the page).
fn sarif(name: &str) -> String {
    let mut log: serde_json::Value =
        serde_json::from_str(&report(name, "sarif")).expect("SARIF is JSON");
    let driver = &mut log["runs"][0]["tool"]["driver"];
    for key in ["version", "semanticVersion"] {
        driver[key] = "[version]".into();
    }
    for rule in driver["rules"].as_array_mut().expect("rules") {
        let page = format!("[docs/rules/{}.md]", rule["id"].as_str().expect("id"));
        rule["help"] = serde_json::json!({ "text": page, "markdown": page });
        rule["fullDescription"]["text"] = "[What it does]".into();
    }
    serde_json::to_string_pretty(&log).expect("serializable")
}

/// The Markdown `--summary` of a `check --format short` run.
fn summary(name: &str) -> String {
    let dir = tempfile::tempdir().expect("a temp dir");
    let file = dir.path().join("step-summary.md");
    // $GITHUB_STEP_SUMMARY is shared by the job's steps: migraguard appends.
    std::fs::write(&file, "previous step\n").expect("writable temp dir");
    let out = migraguard()
        .args(["check", &format!("fixtures/{name}"), "--format", "short"])
        .arg("--summary")
        .arg(&file)
        .envs(GITHUB_ENV)
        .env("MIGRAGUARD_SHA", "feedfacefeedfacefeedfacefeedfacefeedface")
        .output()
        .expect("the binary runs");
    assert_eq!(out.status.code(), Some(1), "{name}");
    let text = std::fs::read_to_string(&file).expect("the summary was written");
    let rest = text
        .strip_prefix("previous step\n")
        .expect("the summary is appended, not overwritten");
    rest.to_string()
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

#[test]
fn seed_001_sarif() {
    insta::assert_snapshot!(sarif("seed-001-agents-rebuild"));
}

#[test]
fn duplicate_version_sarif() {
    // MG204 has no primary location: the result borrows its related one
    insta::assert_snapshot!(sarif("replay-duplicate-version"));
}

#[test]
fn seed_001_github() {
    insta::assert_snapshot!(report("seed-001-agents-rebuild", "github"));
}

#[test]
fn duplicate_version_github() {
    insta::assert_snapshot!(report("replay-duplicate-version", "github"));
}

#[test]
fn seed_001_summary() {
    insta::assert_snapshot!(summary("seed-001-agents-rebuild"));
}

#[test]
fn duplicate_version_summary() {
    insta::assert_snapshot!(summary("replay-duplicate-version"));
}
