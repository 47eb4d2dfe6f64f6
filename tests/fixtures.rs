//! Runs `migraguard check <fixture> --format json` over a copy of every
//! fixture outside git and compares the result with the fixture's `expect.toml` (format: see
//! tests/common/mod.rs). All mismatches are reported at once, by fixture.
//!
//! Run: `cargo test --test fixtures`

mod common;

use common::*;

fn check_fixture(dir: &std::path::Path) -> Vec<String> {
    let expect = match read_expect(dir) {
        Ok(e) => e,
        Err(e) => return vec![e],
    };
    // A copy outside this git checkout: inside it, what is committed would
    // decide which migrations are new (MG3xx); `args = ["--all"]` shows them.
    let tmp = match tempfile::tempdir() {
        Ok(t) => t,
        Err(e) => return vec![format!("cannot make a temp dir: {e}")],
    };
    let copy = tmp.path().join(name_of(dir));
    if let Err(e) = copy_dir(dir, &copy) {
        return vec![format!("cannot copy the fixture: {e}")];
    }
    let run = check_json(&copy, &expect.args);
    let mut problems = Vec::new();
    if run.stderr.contains("panicked") {
        problems.push(format!("panicked: {}", truncate(&run.stderr, 400)));
    }
    if run.code != Some(expect.exit) {
        problems.push(format!(
            "exit {:?}, want {} (stderr: {})",
            run.code,
            expect.exit,
            truncate(run.stderr.trim(), 300)
        ));
    }
    if let Some(needle) = &expect.stderr_contains {
        if !run.stderr.to_lowercase().contains(&needle.to_lowercase()) {
            problems.push(format!(
                "stderr does not mention {needle:?}: {}",
                truncate(run.stderr.trim(), 300)
            ));
        }
    }
    if expect.exit == 2 {
        // The tool could not do its job: there is no report to compare.
        return problems;
    }
    let report = match &run.report {
        Ok(r) => r,
        Err(e) => {
            problems.push(e.clone());
            return problems;
        }
    };
    let actual = blocking(report);
    let (missing, unexpected) = diff_findings(&expect.findings, &actual);
    if !missing.is_empty() {
        problems.push(format!("missing findings: {missing:?}"));
    }
    if !unexpected.is_empty() {
        problems.push(format!("unexpected findings: {unexpected:?}"));
    }
    for f in &actual {
        if let Some(p) = location_problem(dir, f) {
            problems.push(p);
        }
    }
    problems
}

#[test]
fn every_fixture_matches_its_expect_toml() {
    let dirs = fixture_dirs();
    assert!(
        dirs.len() >= 40,
        "expected the fixture set, found {} dirs",
        dirs.len()
    );
    let mut report = Vec::new();
    for dir in &dirs {
        let problems = check_fixture(dir);
        if !problems.is_empty() {
            report.push(format!(
                "{}:\n  - {}",
                name_of(dir),
                problems.join("\n  - ")
            ));
        }
    }
    assert!(
        report.is_empty(),
        "{} of {} fixtures do not match their expect.toml:\n{}",
        report.len(),
        dirs.len(),
        report.join("\n")
    );
}

#[test]
fn every_fixture_has_a_valid_expect_toml() {
    let bad: Vec<String> = fixture_dirs()
        .iter()
        .filter_map(|d| read_expect(d).err().map(|e| format!("{}: {e}", name_of(d))))
        .collect();
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[test]
fn finding_matching_is_exact() {
    use serde_json::json;
    let actual = vec![
        json!({"rule": "MG102", "table": "services", "column": "description", "severity": "error"}),
        json!({"rule": "MG204", "table": null, "column": null, "severity": "error"}),
    ];
    let want = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(
        diff_findings(&want(&["MG102 services.description", "MG204"]), &actual),
        (vec![], vec![])
    );
    let (missing, unexpected) = diff_findings(&want(&["MG102 services.name"]), &actual);
    assert_eq!(missing, vec!["MG102 services.name".to_string()]);
    assert_eq!(
        unexpected,
        vec![
            "MG102 services.description".to_string(),
            "MG204".to_string()
        ]
    );
    // A bare rule matches a finding that names a table, but only once.
    let (missing, unexpected) = diff_findings(&want(&["MG102", "MG102"]), &actual);
    assert_eq!(missing, vec!["MG102".to_string()]);
    assert_eq!(unexpected, vec!["MG204".to_string()]);
}
