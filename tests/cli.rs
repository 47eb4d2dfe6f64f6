//! The command-line contract: subcommands, exit codes, report formats, and
//! that no fixture makes the binary panic.
//!
//! Run: `cargo test --test cli`

mod common;

use common::*;
use serde_json::Value;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn explain_prints_the_rule_page() {
    let out = run(&["explain", "MG102"]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    let page = text(&out.stdout);
    assert!(page.contains("MG102"), "{page}");
    assert!(page.contains("missing-column"), "{page}");
}

#[test]
fn explain_accepts_every_documented_rule() {
    let docs = manifest_dir().join("docs/rules");
    let mut rules: Vec<String> = std::fs::read_dir(docs)
        .expect("docs/rules")
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            e.file_name()
                .to_string_lossy()
                .strip_suffix(".md")
                .map(str::to_owned)
        })
        .collect();
    rules.sort();
    assert!(!rules.is_empty());
    for rule in rules {
        let out = run(&["explain", &rule]);
        assert_eq!(out.status.code(), Some(0), "explain {rule}");
        assert!(text(&out.stdout).contains(&rule), "explain {rule}");
    }
}

#[test]
fn explain_unknown_rule_exits_2() {
    let out = run(&["explain", "MG999"]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("MG999"),
        "the error should name the rule: {err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn schema_from_migrations_prints_sql() {
    let out = run(&[
        "schema",
        "fixtures/seed-000-fixed",
        "--from",
        "migrations",
        "--format",
        "sql",
    ]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    let sql = text(&out.stdout).to_lowercase();
    assert!(sql.contains("create table"), "{sql}");
    assert!(sql.contains("services"), "{sql}");
    assert!(sql.contains("description"), "{sql}");
    assert!(sql.contains("agents"), "{sql}");
}

#[test]
fn schema_from_models_prints_json() {
    let out = run(&[
        "schema",
        "fixtures/seed-000-services-description",
        "--from",
        "models",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let json: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    let dump = json.to_string();
    assert!(
        dump.contains("services") && dump.contains("description"),
        "{dump}"
    );
}

#[test]
fn init_writes_a_config_that_check_accepts() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let repo = tmp.path().join("repo");
    copy_dir(&fixture("seed-000-services-description"), &repo).expect("copy");
    let out = run(&["init", &repo.to_string_lossy()]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    let config = repo.join("migraguard.toml");
    let written = std::fs::read_to_string(&config).expect("init writes migraguard.toml");
    written
        .parse::<toml::Table>()
        .unwrap_or_else(|e| panic!("migraguard.toml is not TOML ({e}):\n{written}"));
    assert!(
        written.contains("sqlite"),
        "the detected dialect should be written:\n{written}"
    );
    // With the written config the result is the same as with auto-detection.
    let run = check_json(&repo, &[]);
    assert_eq!(run.code, Some(1), "stderr: {}", run.stderr);
    let report = run.report.expect("JSON report");
    let keys: Vec<String> = blocking(&report).iter().map(key).collect();
    assert_eq!(keys, vec!["MG102 services.description".to_string()]);
}

#[test]
fn fail_on_controls_the_exit_code() {
    let warn_only = fixture("replay-unparsed-statement");
    let failing = fixture("seed-000-services-description");
    let code = |dir: &std::path::Path, args: &[&str]| {
        let extra: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        check_json(dir, &extra).code
    };
    assert_eq!(code(&warn_only, &[]), Some(0), "warnings pass by default");
    assert_eq!(code(&warn_only, &["--fail-on", "error"]), Some(0));
    assert_eq!(code(&warn_only, &["--fail-on", "warning"]), Some(1));
    assert_eq!(code(&warn_only, &["--fail-on", "never"]), Some(0));
    assert_eq!(code(&failing, &[]), Some(1));
    assert_eq!(code(&failing, &["--fail-on", "warning"]), Some(1));
    assert_eq!(code(&failing, &["--fail-on", "never"]), Some(0));
    assert_eq!(
        code(&fixture("seed-000-fixed"), &["--fail-on", "warning"]),
        Some(0)
    );
}

#[test]
fn bad_fail_on_value_exits_2() {
    let out = run(&["check", "fixtures/seed-000-fixed", "--fail-on", "sometimes"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn missing_root_exits_2() {
    let out = run(&["check", "fixtures/does-not-exist"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!text(&out.stderr).contains("panicked"));
}

#[test]
fn json_report_follows_the_contract() {
    let dir = fixture("sqlalchemy-drift");
    let run = check_json(&dir, &[]);
    let report = run.report.expect("JSON report");
    assert_eq!(report["version"], 1);
    let summary = &report["summary"];
    for k in [
        "errors",
        "warnings",
        "notes",
        "suppressed",
        "baselined",
        "model_tables",
        "migrations",
    ] {
        assert!(
            summary[k].is_u64(),
            "summary.{k} should be a count: {summary}"
        );
    }
    assert_eq!(summary["dialect"], "postgresql");
    let all = findings(&report);
    let count = |sev: &str| all.iter().filter(|f| f["severity"] == sev).count() as u64;
    assert_eq!(summary["errors"].as_u64(), Some(count("error")));
    assert_eq!(summary["warnings"].as_u64(), Some(count("warning")));
    for f in &all {
        for k in ["rule", "name", "severity", "message", "fingerprint"] {
            assert!(f[k].is_string(), "finding.{k} should be a string: {f}");
        }
        assert!(f["related"].is_array(), "finding.related: {f}");
        let fp = f["fingerprint"].as_str().unwrap_or_default();
        assert!(fp.starts_with(f["rule"].as_str().unwrap_or("?")), "{fp}");
        let loc = &f["location"];
        if !loc.is_null() {
            for k in ["line", "column", "end_line", "end_column"] {
                assert!(loc[k].as_u64().is_some_and(|n| n >= 1), "location.{k}: {f}");
            }
        }
    }
    // Sorted by path, line, column, rule.
    let sort_key = |f: &Value| {
        let l = &f["location"];
        (
            l["path"].as_str().unwrap_or("").to_owned(),
            l["line"].as_u64().unwrap_or(0),
            l["column"].as_u64().unwrap_or(0),
            f["rule"].as_str().unwrap_or("").to_owned(),
        )
    };
    let keys: Vec<_> = all.iter().map(sort_key).collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(
        keys, sorted,
        "findings must be sorted by path, line, column, rule"
    );
}

#[test]
fn short_format_is_compiler_style() {
    let out = run(&[
        "check",
        "fixtures/seed-000-services-description",
        "--format",
        "short",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    // path:line:col: severity[MG102]: message
    let line = stdout
        .lines()
        .find(|l| l.contains("[MG102]"))
        .unwrap_or_else(|| panic!("no MG102 line in:\n{stdout}"));
    let mut parts = line.splitn(4, ':');
    let path = parts.next().unwrap_or_default();
    let line_no = parts.next().unwrap_or_default();
    let col = parts.next().unwrap_or_default();
    let rest = parts.next().unwrap_or_default();
    assert!(path.ends_with("models.py"), "{line}");
    assert!(line_no.parse::<u32>().is_ok_and(|n| n >= 1), "{line}");
    assert!(col.parse::<u32>().is_ok_and(|n| n >= 1), "{line}");
    assert!(rest.starts_with(" error[MG102]: "), "{line}");
}

#[test]
fn output_flag_writes_the_report_to_a_file() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let file = tmp.path().join("report.json");
    let out = run(&[
        "check",
        "fixtures/seed-000-services-description",
        "--format",
        "json",
        "--output",
        &file.to_string_lossy(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let written = std::fs::read_to_string(&file).expect("--output writes the file");
    let json: Value = serde_json::from_str(&written).expect("JSON");
    assert_eq!(json["version"], 1);
    assert!(
        !text(&out.stdout).contains("\"findings\""),
        "the report goes to the file, not stdout"
    );
}

#[test]
fn no_fixture_makes_the_binary_panic() {
    let mut problems = Vec::new();
    for dir in fixture_dirs() {
        let d = dir.to_string_lossy().into_owned();
        let runs: Vec<Vec<&str>> = vec![
            vec!["check", &d, "--format", "human"],
            vec!["check", &d, "--format", "short"],
            vec!["check", &d, "--format", "json", "--all"],
            vec!["schema", &d, "--from", "models", "--format", "json"],
            vec!["schema", &d, "--from", "migrations", "--format", "sql"],
        ];
        for args in runs {
            let out = run(&args);
            let err = text(&out.stderr);
            let code = out.status.code();
            if err.contains("panicked") || !matches!(code, Some(0..=2)) {
                problems.push(format!(
                    "{} `{}`: exit {code:?}: {}",
                    name_of(&dir),
                    args.join(" "),
                    truncate(err.trim(), 300)
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn without_a_path_the_project_root_is_found_from_a_subfolder() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let repo = tmp.path().join("repo");
    copy_dir(&fixture("seed-000-services-description"), &repo).expect("copy");
    std::fs::create_dir(repo.join(".git")).expect("mark the repository root");
    let out = migraguard()
        .args(["check", "--format", "short"])
        .current_dir(repo.join("app"))
        .output()
        .expect("run migraguard");
    assert_eq!(out.status.code(), Some(1), "stderr: {}", text(&out.stderr));
    assert!(
        text(&out.stdout).starts_with("app/models.py:"),
        "paths are relative to the found root:\n{}",
        text(&out.stdout)
    );
    // An explicit PATH is taken as given, even below a repository root.
    let out = run(&["check", &repo.join("app").to_string_lossy()]);
    assert_eq!(out.status.code(), Some(2), "stderr: {}", text(&out.stderr));
}
