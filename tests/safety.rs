//! The safety lints (MG301-MG305) in real git repositories: they speak only
//! about migrations the change adds (`--staged`, `--base`, a plain check of
//! the working tree against HEAD), every migration with `--all`, and none
//! outside git.
//!
//! Run: `cargo test --test safety`

mod gitutil;

use gitutil::{copy_dir, json, text, Repo};
use serde_json::Value;

/// `(rule, table.column or table, path, line)` of each MG3xx finding, sorted.
fn safety(report: &Value) -> Vec<(String, String, String, u64)> {
    let mut v: Vec<_> = report["findings"]
        .as_array()
        .map(|a| a.as_slice())
        .unwrap_or_default()
        .iter()
        .filter(|f| f["rule"].as_str().is_some_and(|r| r.starts_with("MG3")))
        .map(|f| {
            let subject = match (f["table"].as_str(), f["column"].as_str()) {
                (Some(t), Some(c)) => format!("{t}.{c}"),
                (Some(t), None) => t.to_string(),
                _ => String::new(),
            };
            (
                f["rule"].as_str().unwrap_or("?").to_string(),
                subject,
                f["location"]["path"].as_str().unwrap_or("").to_string(),
                f["location"]["line"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    v.sort();
    v
}

fn check(repo: &Repo, args: &[&str]) -> Vec<(String, String, String, u64)> {
    let mut all = vec!["check", "--format", "json"];
    all.extend_from_slice(args);
    let (_, report) = json(&repo.mg(&all));
    safety(&report)
}

fn s(rule: &str, subject: &str, path: &str, line: u64) -> (String, String, String, u64) {
    (rule.into(), subject.into(), path.into(), line)
}

const RISKY_PG: &str = "\
ALTER TABLE targets DROP COLUMN ip_address;
ALTER TABLE targets RENAME COLUMN os_type TO os;
ALTER TABLE jobs ALTER COLUMN name TYPE VARCHAR(100);
CREATE INDEX ix_jobs_type ON jobs (job_type);
CREATE INDEX CONCURRENTLY ix_jobs_created ON jobs (created_at);
ALTER TABLE jobs ADD COLUMN owner VARCHAR(20) NOT NULL;
ALTER TABLE jobs ADD COLUMN note TEXT;
ALTER TABLE jobs ALTER COLUMN job_type TYPE TEXT;
CREATE TABLE notes (id SERIAL PRIMARY KEY, jid INTEGER);
CREATE INDEX ix_notes_jid ON notes (jid);
ALTER TABLE notes ADD COLUMN body TEXT NOT NULL;
ALTER TABLE notes RENAME COLUMN jid TO job_id;
ALTER TABLE job_executions RENAME TO runs;
";

const PATH: &str = "migrations/0003_risky.sql";

fn risky_pg() -> Vec<(String, String, String, u64)> {
    vec![
        s("MG301", "jobs.owner", PATH, 6),
        s("MG302", "targets.ip_address", PATH, 1),
        s("MG303", "job_executions", PATH, 13),
        s("MG303", "targets.os_type", PATH, 2),
        s("MG304", "jobs.name", PATH, 3),
        s("MG305", "jobs", PATH, 4),
    ]
}

#[test]
fn committed_migrations_are_quiet_and_all_shows_them() {
    let repo = Repo::with_fixture("seed-002-migration");
    assert_eq!(check(&repo, &[]), vec![]);
    assert_eq!(check(&repo, &["--staged"]), vec![]);
    assert_eq!(
        check(&repo, &["--all"]),
        vec![s(
            "MG301",
            "jobs.job_serial",
            "migrations/0002_job_identifiers.sql",
            4
        )]
    );
    // a later commit on a branch that touches no migration: nothing new
    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.write("README.md", "docs\n");
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "-m", "docs"]);
    assert_eq!(check(&repo, &["--base", "main"]), vec![]);
}

#[test]
fn a_new_postgresql_migration_fires_each_lint_at_its_line() {
    let repo = Repo::with_fixture("seed-002-migration");
    repo.write(PATH, RISKY_PG);
    // a plain check sees the working tree (an editor linting on save)
    assert_eq!(check(&repo, &[]), risky_pg());
    // not staged yet: the commit would not contain it
    assert_eq!(check(&repo, &["--staged"]), vec![]);
    repo.git(&["add", PATH]);
    assert_eq!(check(&repo, &["--staged"]), risky_pg());

    let out = repo.mg(&["check", "--format", "json", "--staged"]);
    let (_, report) = json(&out);
    let f = report["findings"]
        .as_array()
        .and_then(|a| a.iter().find(|f| f["rule"] == "MG305"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        f["fingerprint"], "MG305::migrations/0003_risky.sql::jobs.ix_jobs_type",
        "{f}"
    );
    assert!(
        f["help"]
            .as_str()
            .unwrap_or("")
            .contains("CREATE INDEX CONCURRENTLY ix_jobs_type ON jobs (job_type);"),
        "{f}"
    );

    repo.git(&["checkout", "-q", "-b", "feature"]);
    repo.git(&["commit", "-q", "-m", "risky"]);
    // committed: the plain check and --staged are quiet, the pull request is not
    assert_eq!(check(&repo, &[]), vec![]);
    assert_eq!(check(&repo, &["--staged"]), vec![]);
    assert_eq!(check(&repo, &["--base", "main"]), risky_pg());
    assert_eq!(check(&repo, &["--base", "main", "--worktree"]), risky_pg());
}

#[test]
fn editing_an_old_migration_reports_only_what_the_edit_adds() {
    let repo = Repo::with_fixture("seed-002-migration");
    repo.edit(
        "migrations/0002_job_identifiers.sql",
        "UNIQUE NOT NULL;",
        "UNIQUE NOT NULL;\nALTER TABLE targets DROP COLUMN ip_address;",
    );
    repo.git(&["add", "-A"]);
    // MG301 on job_serial was already at HEAD; the drop is new
    assert_eq!(
        check(&repo, &["--staged"]),
        vec![s(
            "MG302",
            "targets.ip_address",
            "migrations/0002_job_identifiers.sql",
            5
        )]
    );
}

const SQLITE_MODELS: &str = "\
from sqlalchemy import Column, Integer, String, Text
from sqlalchemy.orm import declarative_base

Base = declarative_base()


class Note(Base):
    __tablename__ = \"notes\"

    id = Column(Integer, primary_key=True)
    title = Column(String(100), nullable=False)
    body = Column(Text)
";

fn sqlite_repo() -> Repo {
    let repo = Repo::new();
    repo.write("migraguard.toml", "dialect = \"sqlite\"\n");
    repo.write("app/models.py", SQLITE_MODELS);
    repo.write(
        "migrations/0001_notes.sql",
        "CREATE TABLE notes (id INTEGER PRIMARY KEY, title VARCHAR(200) NOT NULL, body TEXT, rating INTEGER);\n",
    );
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "-m", "initial"]);
    repo
}

#[test]
fn sqlite_rebuild_is_silent_except_for_the_column_it_loses() {
    let repo = sqlite_repo();
    let path = "migrations/0002_rebuild.sql";
    repo.write(
        path,
        "CREATE TABLE notes_new (id INTEGER PRIMARY KEY, title VARCHAR(100) NOT NULL, body TEXT);\n\
         INSERT INTO notes_new (id, title, body) SELECT id, title, body FROM notes;\n\
         DROP TABLE notes;\n\
         ALTER TABLE notes_new RENAME TO notes;\n\
         ALTER TABLE notes ADD COLUMN slug TEXT NOT NULL;\n",
    );
    repo.git(&["add", "-A"]);
    let found = check(&repo, &["--staged"]);
    // no drop, no rename, no narrowing (SQLite ignores lengths); the lost
    // rating and the NOT NULL add, which SQLite refuses even on an empty table
    assert_eq!(
        found,
        vec![
            s("MG301", "notes.slug", path, 5),
            s("MG302", "notes.rating", path, 1),
        ]
    );
    let (_, report) = json(&repo.mg(&["check", "--format", "json", "--staged"]));
    let mg301 = report["findings"]
        .as_array()
        .and_then(|a| a.iter().find(|f| f["rule"] == "MG301"))
        .cloned()
        .unwrap_or_default();
    assert!(
        mg301["message"]
            .as_str()
            .unwrap_or("")
            .contains("even when `notes` is empty"),
        "{mg301}"
    );
}

#[test]
fn sqlite_drop_and_rename_of_old_tables_fire() {
    let repo = sqlite_repo();
    let path = "migrations/0002_drop.sql";
    repo.write(
        path,
        "ALTER TABLE notes RENAME COLUMN rating TO stars;\n\
         ALTER TABLE notes DROP COLUMN stars;\n\
         CREATE INDEX ix_notes_title ON notes (title);\n",
    );
    // the rename is reported; the drop of the renamed column too (blocking
    // index: PostgreSQL only)
    assert_eq!(
        check(&repo, &[]),
        vec![
            s("MG302", "notes.stars", path, 2),
            s("MG303", "notes.rating", path, 1),
        ]
    );
}

#[test]
fn outside_git_nothing_is_new_and_the_summary_says_so() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let root = tmp.path().join("project");
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/seed-002-migration");
    copy_dir(&src, &root);
    let _ = std::fs::remove_file(root.join("expect.toml"));
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_migraguard"))
            .current_dir(tmp.path())
            .env("NO_COLOR", "1")
            .env("GIT_CEILING_DIRECTORIES", tmp.path())
            .args(args)
            .output()
            .expect("migraguard runs")
    };
    let root_arg = root.to_string_lossy().into_owned();
    let out = run(&["check", &root_arg]);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert!(
        stdout.contains(
            "1 safety finding on existing migrations not shown: not a git repository (use --all)"
        ),
        "{stdout}"
    );
    let out = run(&["check", &root_arg, "--all", "--format", "json"]);
    let (code, report) = json(&out);
    assert_eq!(code, 1);
    assert_eq!(safety(&report).len(), 1);
}

#[test]
fn without_commits_every_migration_is_new() {
    let repo = Repo::new();
    repo.copy_fixture("seed-002-migration");
    let want = vec![s(
        "MG301",
        "jobs.job_serial",
        "migrations/0002_job_identifiers.sql",
        4,
    )];
    assert_eq!(check(&repo, &[]), want);
    repo.git(&["add", "-A"]);
    assert_eq!(check(&repo, &["--staged"]), want);
}

#[test]
fn a_table_created_earlier_in_the_same_change_is_empty_in_production() {
    let repo = Repo::with_fixture("seed-002-migration");
    repo.write(
        "migrations/0003_audit.sql",
        "CREATE TABLE audit (id SERIAL PRIMARY KEY, job_id INTEGER);\n",
    );
    let path = "migrations/0004_audit_more.sql";
    repo.write(
        path,
        "CREATE INDEX ix_audit_job ON audit (job_id);\n\
         ALTER TABLE audit ADD COLUMN actor TEXT NOT NULL;\n\
         CREATE INDEX ix_jobs_name ON jobs (name);\n",
    );
    repo.git(&["add", "-A"]);
    // only the index on the deployed table
    assert_eq!(
        check(&repo, &["--staged"]),
        vec![s("MG305", "jobs", path, 3)]
    );
    // once audit is deployed, the same statements are risky
    assert_eq!(
        check(&repo, &["--all"])
            .into_iter()
            .filter(|f| f.2 == path)
            .count(),
        3
    );
}

#[test]
fn a_new_diesel_migration_is_linted_but_not_its_down_sql() {
    let repo = Repo::with_fixture("diesel-postgres");
    let dir = "migrations/2099-01-01-000000_drop_bio";
    repo.write(
        &format!("{dir}/up.sql"),
        "ALTER TABLE users DROP COLUMN bio;\n",
    );
    repo.write(
        &format!("{dir}/down.sql"),
        "ALTER TABLE users ADD COLUMN bio TEXT;\nDROP TABLE users;\n",
    );
    repo.git(&["add", "-A"]);
    assert_eq!(
        check(&repo, &["--staged"]),
        vec![s("MG302", "users.bio", &format!("{dir}/up.sql"), 1)]
    );
}

/// A plain check of a project in a subfolder of the repository compares its
/// working tree with HEAD's copy of the same folder (the git prefix), and
/// every file of one folder against HEAD's one tree for it.
#[test]
fn plain_check_of_a_subfolder_scopes_to_what_changed_since_head() {
    let repo = Repo::new();
    repo.copy_fixture("seed-002-migration");
    let svc = repo.root.join("svc");
    std::fs::create_dir_all(&svc).expect("mkdir");
    for entry in std::fs::read_dir(&repo.root).expect("ls") {
        let path = entry.expect("entry").path();
        if path != svc && path.file_name().is_some_and(|n| n != ".git") {
            std::fs::rename(&path, svc.join(path.file_name().expect("name"))).expect("mv");
        }
    }
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "-m", "initial"]);
    assert_eq!(check(&repo, &["svc"]), vec![]);
    let all = check(&repo, &["svc", "--all"]);
    assert_eq!(all.len(), 1, "{all:?}");
    assert_eq!(all[0].0, "MG301");
    repo.edit(
        "svc/migrations/0002_job_identifiers.sql",
        "UNIQUE NOT NULL;",
        "UNIQUE NOT NULL;\nALTER TABLE targets DROP COLUMN ip_address;",
    );
    let found = check(&repo, &["svc"]);
    let rules: Vec<&str> = found.iter().map(|f| f.0.as_str()).collect();
    assert_eq!(rules, ["MG301", "MG302"], "{found:?}");
}
