//! migraguard's verdict against the real `alembic check`, on the projects of
//! the mutation table (tests/alembic/mutations.toml): the base project, each
//! model edit without its revision, and with it. Alembic runs on SQLite
//! (`alembic upgrade head`, then `alembic check`); migraguard runs at
//! `--fail-on warning`, so any finding is a "drift" verdict, as any operation
//! is for `alembic check`.
//!
//! Where the two differ, the row says why (`differs`) and
//! docs/alembic-check.md explains it; the test fails if a listed difference
//! disappears or an unlisted one appears, so the page stays true.
//!
//! Alembic comes from a venv, never from the network during the test:
//! `$ALEMBIC_PYTHON`, else `target/alembic-venv/bin/python` (which `.ci/run`
//! creates with pinned alembic and sqlalchemy). Without one the test prints
//! SKIPPED locally and fails when `CI` is set.
//!
//! Run: `cargo test --test alembic_check`

mod common;
#[path = "alembic/table.rs"]
mod table;

use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;
use table::{build, mutations, Mutation, State};

fn in_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty())
}

/// A python that can import alembic and sqlalchemy.
fn alembic_python() -> Option<PathBuf> {
    let candidates = [
        std::env::var_os("ALEMBIC_PYTHON").map(PathBuf::from),
        Some(manifest_dir().join("target/alembic-venv/bin/python")),
    ];
    candidates.into_iter().flatten().find(|py| {
        Command::new(py)
            .args(["-c", "import alembic, sqlalchemy"])
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

#[derive(Debug, PartialEq, Clone, Copy)]
enum Verdict {
    Clean,
    Drift,
}

fn alembic(python: &Path, dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(python)
        .args(["-m", "alembic"])
        .args(args)
        .current_dir(dir)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .expect("python can be started")
}

/// `alembic upgrade head` then `alembic check`.
fn alembic_verdict(python: &Path, dir: &Path) -> Result<Verdict, String> {
    let up = alembic(python, dir, &["upgrade", "head"]);
    if !up.status.success() {
        return Err(format!(
            "alembic upgrade head failed: {}",
            String::from_utf8_lossy(&up.stderr)
        ));
    }
    let check = alembic(python, dir, &["check"]);
    let output = format!(
        "{}{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );
    if check.status.success() {
        Ok(Verdict::Clean)
    } else if output.contains("New upgrade operations detected") {
        Ok(Verdict::Drift)
    } else {
        Err(format!("alembic check failed: {output}"))
    }
}

fn migraguard_verdict(dir: &Path) -> Result<(Verdict, Vec<String>), String> {
    let run = check_json(dir, &["--fail-on".into(), "warning".into()]);
    let keys: Vec<String> = run
        .report
        .as_ref()
        .map(|r| blocking(r).iter().map(key).collect())
        .unwrap_or_default();
    match run.code {
        Some(0) => Ok((Verdict::Clean, keys)),
        Some(1) => Ok((Verdict::Drift, keys)),
        code => Err(format!("migraguard exit {code:?}: {}", run.stderr)),
    }
}

/// One project: what each tool says, against what the table expects.
fn compare(
    python: &Path,
    label: &str,
    mutation: Option<(&Mutation, State)>,
    lines: &mut Vec<String>,
) -> Vec<String> {
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("project");
    build(&dir, mutation);
    let mut problems = Vec::new();
    let (want_alembic, differs) = match mutation {
        Some((m, State::Mutated)) => (
            if m.alembic_drift {
                Verdict::Drift
            } else {
                Verdict::Clean
            },
            m.differs.as_deref(),
        ),
        _ => (Verdict::Clean, None),
    };
    let alembic = match alembic_verdict(python, &dir) {
        Ok(a) => a,
        Err(e) => return vec![format!("{label}: {}", truncate(&e, 400))],
    };
    if alembic != want_alembic {
        problems.push(format!(
            "{label}: alembic check says {alembic:?}, the table says {want_alembic:?}"
        ));
    }
    // alembic has run the upgrade: app.db is there, which migraguard ignores
    let (ours, keys) = match migraguard_verdict(&dir) {
        Ok(v) => v,
        Err(e) => {
            problems.push(format!("{label}: {}", truncate(&e, 400)));
            return problems;
        }
    };
    lines.push(format!(
        "{label:<32} alembic {alembic:?}  migraguard {ours:?} {keys:?}"
    ));
    match differs {
        None if ours != alembic => problems.push(format!(
            "{label}: migraguard says {ours:?} {keys:?}, alembic {alembic:?}, and the table lists no difference"
        )),
        Some(why) if ours == alembic => problems.push(format!(
            "{label}: the table says the verdicts differ ({why}), but both say {ours:?}"
        )),
        _ => {}
    }
    problems
}

#[test]
fn migraguard_agrees_with_alembic_check_except_where_documented() {
    let Some(python) = alembic_python() else {
        let how = "run .ci/run, or create target/alembic-venv with alembic and sqlalchemy, \
                   or set ALEMBIC_PYTHON";
        assert!(
            !in_ci(),
            "alembic check comparison could not run: no python with alembic ({how}); CI is set, so it may not skip"
        );
        println!("SKIPPED: alembic check comparison: no python with alembic ({how})");
        return;
    };
    let table = mutations();
    let mut jobs: Vec<(String, Option<(&Mutation, State)>)> = vec![("base".into(), None)];
    for m in &table {
        for state in [State::Mutated, State::Fixed] {
            jobs.push((format!("{} {state:?}", m.name), Some((m, state))));
        }
    }
    // two workers: each job is two Python processes and one migraguard run
    let results: Vec<(Vec<String>, Vec<String>)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..2)
            .map(|w| {
                let (jobs, python) = (&jobs, &python);
                scope.spawn(move || {
                    jobs.iter()
                        .enumerate()
                        .filter(|(i, _)| i % 2 == w)
                        .map(|(i, (label, mutation))| {
                            let mut lines = Vec::new();
                            let problems = compare(python, label, *mutation, &mut lines);
                            (i, (lines, problems))
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let mut all: Vec<_> = workers
            .into_iter()
            .flat_map(|w| w.join().expect("a comparison worker"))
            .collect();
        all.sort_by_key(|(i, _)| *i);
        all.into_iter().map(|(_, r)| r).collect()
    });
    let lines: Vec<String> = results.iter().flat_map(|(l, _)| l.clone()).collect();
    let problems: Vec<String> = results.into_iter().flat_map(|(_, p)| p).collect();
    println!("{}", lines.join("\n"));
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_listed_difference_is_documented() {
    let page = std::fs::read_to_string(manifest_dir().join("docs/alembic-check.md"))
        .expect("docs/alembic-check.md");
    for m in mutations() {
        if let Some(why) = &m.differs {
            assert!(
                page.contains(&format!("`{why}`")),
                "docs/alembic-check.md does not explain `{why}` ({})",
                m.name
            );
            assert!(
                page.contains(&format!("`{}`", m.name)),
                "docs/alembic-check.md does not name the row `{}`",
                m.name
            );
        }
    }
}
