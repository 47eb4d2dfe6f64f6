//! The acceptance criteria of the four incident reports (../shared/seeds):
//! on each seed fixture migraguard exits 1 and names exactly the missing
//! columns, each at its model line, with the ALTER TABLE that fixes it; the
//! fixed variants are clean.
//!
//! Run: `cargo test --test seeds`

mod common;

use common::*;
use serde_json::Value;

fn failing_report(name: &str) -> (std::path::PathBuf, Value) {
    let dir = fixture(name);
    let run = check_json(&dir, &[]);
    assert!(
        !run.stderr.contains("panicked"),
        "{name} panicked: {}",
        run.stderr
    );
    assert_eq!(
        run.code,
        Some(1),
        "{name}: want exit 1; stderr: {}",
        run.stderr
    );
    let report = run.report.unwrap_or_else(|e| panic!("{name}: {e}"));
    (dir, report)
}

fn find<'a>(findings: &'a [Value], rule: &str, table: &str, column: &str) -> &'a Value {
    findings
        .iter()
        .find(|f| f["rule"] == rule && f["table"] == table && f["column"] == column)
        .unwrap_or_else(|| {
            let keys: Vec<String> = findings.iter().map(key).collect();
            panic!("no {rule} {table}.{column} among {keys:?}")
        })
}

/// Exactly these MG102s (plus `also`), each at a model line naming the column,
/// each with the ALTER TABLE that adds it.
fn assert_missing_columns(name: &str, columns: &[(&str, &str)], also: &[&str]) -> Value {
    let (dir, report) = failing_report(name);
    let actual = blocking(&report);
    let mut expected: Vec<String> = columns
        .iter()
        .map(|(t, c)| format!("MG102 {t}.{c}"))
        .collect();
    expected.extend(also.iter().map(|s| s.to_string()));
    assert_eq!(
        diff_findings(&expected, &actual),
        (vec![], vec![]),
        "{name}: (missing, unexpected) findings"
    );
    for (table, column) in columns {
        let f = find(&actual, "MG102", table, column);
        assert_eq!(f["severity"], "error", "{name}: {table}.{column}");
        let loc = &f["location"];
        let path = loc["path"].as_str().unwrap_or_default();
        assert!(
            path.ends_with(".py"),
            "{name}: {table}.{column} should point at the model, not {path}"
        );
        let line = line_at(&dir, loc)
            .unwrap_or_else(|| panic!("{name}: {table}.{column}: bad location {loc}"));
        assert!(
            line.contains(column),
            "{name}: {table}.{column} points at line {}: {line:?}",
            loc["line"]
        );
        let help = f["help"].as_str().unwrap_or_default();
        let want = format!("ALTER TABLE {table} ADD COLUMN {column}");
        assert!(
            help.to_lowercase().contains(&want.to_lowercase()),
            "{name}: help {help:?} should contain {want:?}"
        );
    }
    report
}

fn assert_clean(name: &str) {
    let dir = fixture(name);
    let run = check_json(&dir, &[]);
    let keys: Vec<String> = run
        .report
        .as_ref()
        .map(|r| blocking(r).iter().map(key).collect())
        .unwrap_or_default();
    assert_eq!(
        run.code,
        Some(0),
        "{name}: want exit 0; findings {keys:?}; stderr: {}",
        run.stderr
    );
    assert!(keys.is_empty(), "{name}: unexpected findings {keys:?}");
}

#[test]
fn seed_000_services_description_is_reported_at_the_model() {
    assert_missing_columns(
        "seed-000-services-description",
        &[("services", "description")],
        &[],
    );
}

#[test]
fn seed_000_fixed_is_clean() {
    assert_clean("seed-000-fixed");
}

#[test]
fn seed_001_metadata_lost_by_the_rebuild() {
    let name = "seed-001-agents-rebuild";
    let report =
        assert_missing_columns(name, &[("agents", "metadata")], &["MG202 agents.metadata"]);
    let dir = fixture(name);
    let actual = blocking(&report);
    let f = find(&actual, "MG202", "agents", "metadata");
    assert_eq!(f["severity"], "error");
    let loc = &f["location"];
    let path = loc["path"].as_str().unwrap_or_default();
    assert!(
        path.ends_with("0029_seed_builtin_agents.sql"),
        "MG202 should point at the INSERT in 0029, not {path}"
    );
    // The line is the INSERT or inside it: walking up, INSERT comes before any
    // statement end.
    let file = location_file(&dir, loc).expect("the 0029 file");
    let text = std::fs::read_to_string(file).expect("readable");
    let lines: Vec<&str> = text.lines().collect();
    let line = loc["line"].as_u64().unwrap_or(0) as usize;
    assert!(line >= 1 && line <= lines.len(), "line {line} out of range");
    let mut inside_insert = false;
    for (i, l) in lines[..line].iter().rev().enumerate() {
        if l.trim_start()
            .to_uppercase()
            .starts_with("INSERT INTO AGENTS")
        {
            inside_insert = true;
            break;
        }
        // A `;` on an earlier line ends the statement before ours.
        if i > 0 && l.contains(';') {
            break;
        }
    }
    assert!(
        inside_insert,
        "MG202 at line {line} ({:?}) is not inside the INSERT INTO agents",
        lines[line - 1]
    );
    let related: Vec<String> = f["related"]
        .as_array()
        .map(|r| {
            r.iter()
                .filter_map(|x| x["location"]["path"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    assert!(
        related.iter().any(|p| p.contains("0020_")),
        "MG202 should relate to the rebuild in 0020; related paths: {related:?}"
    );
}

#[test]
fn seed_001_fixed_is_clean() {
    assert_clean("seed-001-fixed");
}

#[test]
fn seed_002_seven_identifier_columns() {
    assert_missing_columns(
        "seed-002-jobs-uuid",
        &[
            ("jobs", "job_uuid"),
            ("jobs", "job_serial"),
            ("job_executions", "execution_uuid"),
            ("job_executions", "execution_serial"),
            ("job_execution_branches", "branch_uuid"),
            ("job_execution_branches", "branch_serial"),
            ("job_execution_branches", "target_serial_ref"),
        ],
        &[],
    );
}

#[test]
fn seed_002_fixed_is_clean() {
    assert_clean("seed-002-fixed");
}

#[test]
fn seed_003_user_api_keys() {
    assert_missing_columns(
        "seed-003-users-api-keys",
        &[
            ("users", "api_key_sandbox"),
            ("users", "api_key_production"),
        ],
        &[],
    );
}

#[test]
fn seed_003_fixed_is_clean() {
    assert_clean("seed-003-fixed");
}

#[test]
fn example_shows_one_missing_column() {
    assert_missing_columns("example", &[("services", "description")], &[]);
}

#[test]
fn seed_004_static_pool_is_reported_at_the_poolclass() {
    let name = "seed-004-static-pool";
    let dir = fixture(name);
    // a warning: exit 0 by default, 1 at --fail-on warning
    assert_eq!(check_json(&dir, &[]).code, Some(0), "{name} without flags");
    let run = check_json(&dir, &["--fail-on".to_string(), "warning".to_string()]);
    assert_eq!(run.code, Some(1), "{name}: stderr {}", run.stderr);
    let report = run.report.unwrap_or_else(|e| panic!("{name}: {e}"));
    let actual = blocking(&report);
    let keys: Vec<String> = actual.iter().map(key).collect();
    assert_eq!(keys, ["MG401"], "{name}: only the engine, not the conftest");
    let f = &actual[0];
    assert_eq!(f["severity"], "warning");
    let loc = &f["location"];
    assert_eq!(loc["path"], "backend/database/db.py");
    let line = line_at(&dir, loc).unwrap_or_default();
    assert_eq!(line.trim(), "poolclass=StaticPool,");
    let help = f["help"].as_str().unwrap_or_default();
    assert!(
        help.contains("NullPool") && help.contains("pool_size"),
        "{help}"
    );
}

#[test]
fn seed_004_fixed_is_clean_at_fail_on_warning() {
    let dir = fixture("seed-004-fixed");
    let run = check_json(&dir, &["--fail-on".to_string(), "warning".to_string()]);
    let keys: Vec<String> = run
        .report
        .as_ref()
        .map(|r| blocking(r).iter().map(key).collect())
        .unwrap_or_default();
    assert_eq!(
        run.code,
        Some(0),
        "findings {keys:?}; stderr {}",
        run.stderr
    );
}
