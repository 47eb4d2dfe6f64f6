//! The SARIF of every fixture, and of hand-built awkward findings, validated
//! against the SARIF 2.1.0 JSON schema with Python's `jsonschema`.
//!
//! Tests reach no network, so the schema comes from where `.ci/run` installed
//! it: `$SARIF_SCHEMA`, else `target/sarif/sarif-schema-2.1.0.json`; the
//! validator is `$SARIF_PYTHON`, else `target/sarif/venv/bin/python`, else
//! `python3`. When either is missing the test prints SKIPPED locally, and
//! fails when `CI` is set, so CI can never pass without validating.
//!
//! The schema is the one crates.io's serde-sarif 0.8.0 ships: the OASIS 2.1.0
//! schema in draft-07 form. The 2.1.0 errata add `type: string` next to enums
//! and require a region to have `startLine`, `charOffset` or `byteOffset`;
//! `every_region_has_a_start_line` below checks the latter here.

mod common;

use common::*;
use migraguard::dialect::Dialect;
use migraguard::findings::Finding;
use migraguard::report::{sarif, Links, Summary};
use migraguard::rules;
use migraguard::scope::ScopeCounts;
use migraguard::source::{Location, Pos};
use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;

const VALIDATE: &str = r#"
import json, sys
import jsonschema
schema = json.load(open(sys.argv[1], encoding="utf-8"))
cls = jsonschema.validators.validator_for(schema)
cls.check_schema(schema)
validator = cls(schema)
bad = 0
for path in sys.argv[2:]:
    log = json.load(open(path, encoding="utf-8"))
    for e in sorted(validator.iter_errors(log), key=lambda e: list(e.absolute_path)):
        bad += 1
        where = "/".join(str(p) for p in e.absolute_path)
        print(f"{path}: /{where}: {e.message}")
print(f"validated {len(sys.argv) - 2} logs with {cls.__name__}: {bad} errors")
sys.exit(1 if bad else 0)
"#;

fn in_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty())
}

/// Skips (prints why) locally; fails in CI.
fn unavailable(why: &str) {
    let how = "run .ci/run, or set SARIF_SCHEMA to sarif-schema-2.1.0.json and SARIF_PYTHON \
               to a python with jsonschema";
    assert!(
        !in_ci(),
        "SARIF schema validation could not run: {why} ({how}); CI is set, so it may not skip"
    );
    println!("SKIPPED: SARIF schema validation: {why} ({how})");
}

fn schema_path() -> Option<PathBuf> {
    let path = std::env::var_os("SARIF_SCHEMA")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest_dir().join("target/sarif/sarif-schema-2.1.0.json"));
    path.is_file().then_some(path)
}

/// A python that can `import jsonschema`.
fn python() -> Option<PathBuf> {
    let candidates = [
        std::env::var_os("SARIF_PYTHON").map(PathBuf::from),
        Some(manifest_dir().join("target/sarif/venv/bin/python")),
        Some(PathBuf::from("python3")),
    ];
    candidates.into_iter().flatten().find(|py| {
        Command::new(py)
            .args(["-c", "import jsonschema"])
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

/// `check --format sarif` of every fixture that can be checked.
fn fixture_logs() -> Vec<(String, String)> {
    let mut logs = Vec::new();
    for dir in fixture_dirs() {
        let out = migraguard()
            .arg("check")
            .arg(&dir)
            .args(["--format", "sarif", "--fail-on", "never"])
            .envs([
                ("GITHUB_SERVER_URL", "https://github.com"),
                ("GITHUB_REPOSITORY", "acme/shop"),
                ("GITHUB_SHA", "0123456789abcdef0123456789abcdef01234567"),
            ])
            .output()
            .expect("the binary runs");
        // exit 2 (broken-config fixtures) writes no report
        if out.status.code() == Some(0) {
            logs.push((name_of(&dir), String::from_utf8(out.stdout).expect("UTF-8")));
        }
    }
    assert!(logs.len() > 20, "only {} fixtures checked", logs.len());
    logs
}

/// Findings the fixtures may not produce: no location at all, a borrowed
/// related location, odd characters in paths and messages, a line-only range.
fn awkward_log() -> String {
    let findings = vec![
        Finding::new(&rules::MG204, None, None, "bare", "no location at all"),
        Finding::new(&rules::MG204, None, None, "dup", "version 2 twice")
            .related(Location::line("migrations/0002_b.sql", 1), "first one"),
        Finding::new(
            &rules::MG105,
            Some("t"),
            Some("c"),
            "type",
            "types differ:\n  100% \"odd\" | a,b:c",
        )
        .at(Location::new(
            "app/my models#1 (é).py",
            Pos::new(3, 5),
            Pos::new(4, 2),
        ))
        .label("here")
        .help("ALTER TABLE t ALTER COLUMN c TYPE TEXT;"),
        Finding::new(&rules::MG001, Some("t"), None, "note", "a note")
            .at(Location::line("m.py", 9)),
    ];
    let summary = Summary::new(&findings, ScopeCounts::default(), Dialect::Postgresql, 1, 1);
    let links = Links {
        prefix: "sub dir/".into(),
        blob_base: None,
    };
    sarif::render(&findings, &summary, &links)
}

#[test]
fn sarif_is_valid_against_the_official_schema() {
    let Some(schema) = schema_path() else {
        return unavailable("schema file not found");
    };
    let Some(python) = python() else {
        return unavailable("no python with the jsonschema package");
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let mut logs = fixture_logs();
    logs.push(("awkward".into(), awkward_log()));
    let mut files = Vec::new();
    for (name, text) in &logs {
        let file = dir.path().join(format!("{name}.sarif"));
        std::fs::write(&file, text).expect("temp dir is writable");
        files.push(file);
    }
    let out = Command::new(&python)
        .args(["-c", VALIDATE])
        .arg(&schema)
        .args(&files)
        .output()
        .expect("python runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    println!("{stdout}");
    assert!(
        out.status.success(),
        "SARIF does not match the schema:\n{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains(&format!("validated {} logs", logs.len())),
        "{stdout}"
    );
}

/// The validator must be able to fail: a log missing what the schema
/// requires is refused.
#[test]
fn the_validator_rejects_an_invalid_log() {
    let (Some(schema), Some(python)) = (schema_path(), python()) else {
        return unavailable("schema file or jsonschema not found");
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let mut log: Value = serde_json::from_str(&awkward_log()).expect("JSON");
    log["runs"][0]["results"][0]["level"] = "fatal".into();
    log["runs"][0]["tool"]["driver"]
        .as_object_mut()
        .expect("driver")
        .remove("name");
    let file = dir.path().join("bad.sarif");
    std::fs::write(&file, log.to_string()).expect("writable");
    let out = Command::new(&python)
        .args(["-c", VALIDATE])
        .arg(&schema)
        .arg(&file)
        .output()
        .expect("python runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success(), "{stdout}");
    assert!(stdout.contains("'name' is a required property"), "{stdout}");
    assert!(stdout.contains("'fatal' is not one of"), "{stdout}");
}

/// What the 2.1.0 errata add over the schema used above, and what GitHub
/// code scanning needs: every result has a location, every region a start
/// line, every URI is relative to %SRCROOT%.
#[test]
fn every_result_has_a_located_region() {
    let mut logs = fixture_logs();
    logs.push(("awkward".into(), awkward_log()));
    for (name, text) in logs {
        let log: Value = serde_json::from_str(&text).expect("JSON");
        let results = log["runs"][0]["results"].as_array().expect("results");
        for r in results {
            let locations = r["locations"].as_array().expect("locations");
            assert_eq!(locations.len(), 1, "{name}: {r}");
            let related = r["relatedLocations"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            for l in locations.iter().chain(&related) {
                let p = &l["physicalLocation"];
                assert!(
                    p["region"]["startLine"].as_u64().unwrap_or(0) >= 1,
                    "{name}: {l}"
                );
                assert_eq!(p["artifactLocation"]["uriBaseId"], "%SRCROOT%", "{name}");
                let uri = p["artifactLocation"]["uri"].as_str().expect("uri");
                assert!(!uri.starts_with('/') && !uri.contains(' '), "{name}: {uri}");
            }
        }
    }
}
