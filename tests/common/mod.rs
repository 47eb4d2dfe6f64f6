//! Helpers shared by the integration tests: fixture discovery, `expect.toml`,
//! running the real binary and reading its JSON report.
//!
//! `expect.toml` at each fixture root:
//! - `exit`: the expected exit code of `check <fixture> --format json`;
//! - `findings`: the exact multiset of error and warning findings, each
//!   `"RULE table.column"`, `"RULE table"`, or `"RULE"` alone when the finding
//!   is not about one table (MG002, MG204) — a bare rule matches a finding of
//!   that rule whatever its table;
//! - `args`: extra arguments for `check`;
//! - `stderr_contains`: for exit 2, text the error must mention (case-insensitive);
//! - `dialect`, `sqlite_migrations`, `real_run_fails`, `broken_files`: used by
//!   the replay test and by `tests/verify_fixtures.py`.

// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use assert_cmd::cargo::CommandCargoExt;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixtures_dir() -> PathBuf {
    manifest_dir().join("fixtures")
}

/// Every fixture directory, sorted by name.
pub fn fixture_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(fixtures_dir())
        .expect("fixtures/ is readable")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

pub fn fixture(name: &str) -> PathBuf {
    let dir = fixtures_dir().join(name);
    assert!(dir.is_dir(), "no fixture {name}");
    dir
}

pub fn name_of(dir: &Path) -> String {
    dir.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

#[derive(Debug, Default)]
pub struct Expect {
    pub exit: i32,
    pub findings: Vec<String>,
    pub args: Vec<String>,
    pub stderr_contains: Option<String>,
    pub dialect: Option<String>,
    pub sqlite_migrations: Vec<String>,
}

fn strings(table: &toml::Table, key: &str) -> Result<Vec<String>, String> {
    match table.get(key) {
        None => Ok(Vec::new()),
        Some(toml::Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| format!("`{key}` must hold strings"))
            })
            .collect(),
        Some(_) => Err(format!("`{key}` must be an array of strings")),
    }
}

/// Reads `<dir>/expect.toml`; Err says what is wrong with it.
pub fn read_expect(dir: &Path) -> Result<Expect, String> {
    let path = dir.join("expect.toml");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("expect.toml: {e}"))?;
    let table: toml::Table = text
        .parse()
        .map_err(|e| format!("expect.toml does not parse: {e}"))?;
    let exit = table
        .get("exit")
        .and_then(toml::Value::as_integer)
        .ok_or("expect.toml needs an integer `exit`")?;
    if !table.contains_key("findings") {
        return Err("expect.toml needs `findings` (use [] for none)".into());
    }
    Ok(Expect {
        exit: exit as i32,
        findings: strings(&table, "findings")?,
        args: strings(&table, "args")?,
        stderr_contains: table
            .get("stderr_contains")
            .and_then(toml::Value::as_str)
            .map(str::to_owned),
        dialect: table
            .get("dialect")
            .and_then(toml::Value::as_str)
            .map(str::to_owned),
        sqlite_migrations: strings(&table, "sqlite_migrations")?,
    })
}

/// The binary under test: this crate's `migraguard`, or `$MIGRAGUARD_BIN`
/// (to run the suite against a release build or another branch's binary).
pub fn migraguard() -> Command {
    let mut cmd = match std::env::var_os("MIGRAGUARD_BIN") {
        Some(bin) => Command::new(bin),
        None => Command::cargo_bin("migraguard").expect("the migraguard binary is built"),
    };
    cmd.current_dir(manifest_dir());
    cmd.env("NO_COLOR", "1");
    cmd
}

/// Runs the binary with `args`; never panics on what the binary does.
pub fn run(args: &[&str]) -> Output {
    migraguard()
        .args(args)
        .output()
        .expect("the migraguard binary can be started")
}

pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    /// The parsed JSON report, or why it could not be parsed.
    pub report: Result<Value, String>,
}

/// `migraguard check <dir> --format json <extra...>`.
pub fn check_json(dir: &Path, extra: &[String]) -> Run {
    let dir_arg = dir.to_string_lossy().into_owned();
    let mut args: Vec<&str> = vec!["check", &dir_arg, "--format", "json"];
    args.extend(extra.iter().map(String::as_str));
    let out = run(&args);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let report = serde_json::from_str::<Value>(&stdout)
        .map_err(|e| format!("stdout is not JSON ({e}): {}", truncate(&stdout, 300)));
    Run {
        code: out.status.code(),
        stdout,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        report,
    }
}

pub fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let cut: String = s.chars().take(max).collect();
        format!("{cut}…")
    }
}

pub fn findings(report: &Value) -> Vec<Value> {
    report
        .get("findings")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

/// Error and warning findings (notes are informational and never counted).
pub fn blocking(report: &Value) -> Vec<Value> {
    findings(report)
        .into_iter()
        .filter(|f| matches!(f["severity"].as_str(), Some("error" | "warning")))
        .collect()
}

/// `"RULE table.column"`, `"RULE table"` or `"RULE"`.
pub fn key(f: &Value) -> String {
    let rule = f["rule"].as_str().unwrap_or("?");
    match (f["table"].as_str(), f["column"].as_str()) {
        (Some(t), Some(c)) => format!("{rule} {t}.{c}"),
        (Some(t), None) => format!("{rule} {t}"),
        _ => rule.to_owned(),
    }
}

/// Compares expected keys with actual findings as multisets. A bare expected
/// rule matches any finding of that rule. Returns (missing, unexpected).
pub fn diff_findings(expected: &[String], actual: &[Value]) -> (Vec<String>, Vec<String>) {
    let mut left: Vec<String> = actual.iter().map(key).collect();
    let mut missing = Vec::new();
    // Exact keys first, so a bare rule does not steal a finding an exact key needs.
    let (exact, bare): (Vec<&String>, Vec<&String>) =
        expected.iter().partition(|e| e.contains(' '));
    for e in exact {
        match left.iter().position(|a| a.eq_ignore_ascii_case(e)) {
            Some(i) => {
                left.remove(i);
            }
            None => missing.push(e.clone()),
        }
    }
    for e in bare {
        let hit = left
            .iter()
            .position(|a| a.eq_ignore_ascii_case(e))
            .or_else(|| {
                left.iter().position(|a| {
                    a.split(' ')
                        .next()
                        .is_some_and(|r| r.eq_ignore_ascii_case(e))
                })
            });
        match hit {
            Some(i) => {
                left.remove(i);
            }
            None => missing.push(e.clone()),
        }
    }
    (missing, left)
}

/// The file a location points at, if it exists (relative to the fixture or
/// to the working directory, or absolute).
pub fn location_file(dir: &Path, location: &Value) -> Option<PathBuf> {
    let path = location.get("path")?.as_str()?;
    [
        dir.join(path),
        manifest_dir().join(path),
        PathBuf::from(path),
    ]
    .into_iter()
    .find(|p| p.is_file())
}

/// The 1-based line `line` of the file a location points at.
pub fn line_at(dir: &Path, location: &Value) -> Option<String> {
    let file = location_file(dir, location)?;
    let line = location.get("line")?.as_u64()?;
    let text = String::from_utf8_lossy(&std::fs::read(file).ok()?).into_owned();
    text.lines()
        .nth((line as usize).checked_sub(1)?)
        .map(str::to_owned)
}

/// Problems with a finding's primary location: absent, line < 1, or a file
/// that does not exist.
pub fn location_problem(dir: &Path, f: &Value) -> Option<String> {
    let loc = &f["location"];
    if loc.is_null() {
        return Some(format!("{} has no location", key(f)));
    }
    match loc["line"].as_u64() {
        Some(l) if l >= 1 => {}
        _ => return Some(format!("{} has line {} (want >= 1)", key(f), loc["line"])),
    }
    if location_file(dir, loc).is_none() {
        return Some(format!(
            "{} points at {} which is not a file of the fixture",
            key(f),
            loc["path"]
        ));
    }
    None
}

/// Copies a directory tree (fixtures are small).
pub fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}
