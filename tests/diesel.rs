//! Diesel end to end: edits to a copy of fixtures/diesel-postgres, as a
//! developer makes them, each checked for the finding (rule, file, line),
//! then the migration that makes it right checked for exit 0.
//!
//! Run: `cargo test --test diesel`

mod common;

use common::*;
use serde_json::Value;
use std::path::Path;

/// A copy of the clean fixture in a temporary directory.
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temp dir");
    copy_dir(&fixture("diesel-postgres"), dir.path()).expect("the fixture copies");
    dir
}

fn edit(dir: &Path, file: &str, from: &str, to: &str) {
    let path = dir.join(file);
    let text = std::fs::read_to_string(&path).expect("the file reads");
    assert!(text.contains(from), "{file} does not contain {from:?}");
    std::fs::write(&path, text.replacen(from, to, 1)).expect("the file writes");
}

fn add_migration(dir: &Path, name: &str, up: &str) {
    let m = dir.join("migrations").join(name);
    std::fs::create_dir_all(&m).expect("the migration dir");
    std::fs::write(m.join("up.sql"), up).expect("up.sql");
    std::fs::write(m.join("down.sql"), "-- not replayed\n").expect("down.sql");
}

fn check(dir: &Path) -> (Option<i32>, Vec<Value>) {
    let run = check_json(dir, &[]);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    let report = run.report.unwrap_or_else(|e| panic!("{e}\n{}", run.stderr));
    (run.code, blocking(&report))
}

/// `(rule, path, line)` of every error and warning.
fn located(findings: &[Value]) -> Vec<(String, String, u64)> {
    findings
        .iter()
        .map(|f| {
            (
                key(f),
                f["location"]["path"].as_str().unwrap_or("").to_string(),
                f["location"]["line"].as_u64().unwrap_or(0),
            )
        })
        .collect()
}

struct Case {
    what: &'static str,
    /// (file, from, to) edits of the fixture.
    edits: &'static [(&'static str, &'static str, &'static str)],
    want: (&'static str, &'static str, u64),
    want_exit: i32,
    /// The migration that makes the project consistent again.
    fix: &'static str,
}

const SCHEMA: &str = "src/schema.rs";

const CASES: &[Case] = &[
    Case {
        what: "add a column to schema.rs",
        edits: &[(
            SCHEMA,
            "        bio -> Nullable<Text>,\n",
            "        bio -> Nullable<Text>,\n        nickname -> Nullable<Text>,\n",
        )],
        want: ("MG102 users.nickname", SCHEMA, 47),
        want_exit: 1,
        fix: "ALTER TABLE users ADD COLUMN nickname TEXT;\n",
    },
    Case {
        what: "drop a column from schema.rs",
        edits: &[(SCHEMA, "        bio -> Nullable<Text>,\n", "")],
        // no line is left for it: the table's line
        want: ("MG104 users.bio", SCHEMA, 41),
        want_exit: 0,
        fix: "ALTER TABLE users DROP COLUMN bio;\n",
    },
    Case {
        what: "Text -> Nullable<Text> in schema.rs",
        edits: &[(SCHEMA, "        name -> Text,\n", "        name -> Nullable<Text>,\n")],
        want: ("MG106 users.name", SCHEMA, 45),
        want_exit: 1,
        fix: "ALTER TABLE users ALTER COLUMN name DROP NOT NULL;\n",
    },
    Case {
        what: "add a table to schema.rs",
        edits: &[(
            SCHEMA,
            "diesel::table! {\n    post_tags",
            "diesel::table! {\n    comments (id) {\n        id -> Int4,\n        post_id -> Uuid,\n        body -> Text,\n    }\n}\n\ndiesel::table! {\n    post_tags",
        )],
        want: ("MG101 comments", SCHEMA, 10),
        want_exit: 1,
        fix: "CREATE TABLE comments (\n    id SERIAL PRIMARY KEY,\n    post_id UUID NOT NULL REFERENCES posts (id),\n    body TEXT NOT NULL\n);\n",
    },
];

#[test]
fn the_clean_fixture_is_clean() {
    let dir = project();
    let (code, findings) = check(dir.path());
    assert_eq!(code, Some(0), "{:?}", located(&findings));
    assert!(findings.is_empty(), "{:?}", located(&findings));
}

#[test]
fn schema_rs_edits_without_a_migration_are_reported_at_schema_rs() {
    for case in CASES {
        let dir = project();
        for (file, from, to) in case.edits {
            edit(dir.path(), file, from, to);
        }
        let (code, findings) = check(dir.path());
        let got = located(&findings);
        let (rule, path, line) = case.want;
        assert_eq!(
            got,
            [(rule.to_string(), path.to_string(), line)],
            "{}",
            case.what
        );
        assert_eq!(code, Some(case.want_exit), "{}: {got:?}", case.what);

        add_migration(dir.path(), "2024-06-01-000000_follow_up", case.fix);
        let (code, findings) = check(dir.path());
        assert_eq!(
            code,
            Some(0),
            "{} + migration: {:?}",
            case.what,
            located(&findings)
        );
        assert!(
            findings.is_empty(),
            "{} + migration: {:?}",
            case.what,
            located(&findings)
        );
    }
}

#[test]
fn a_migration_schema_rs_does_not_follow_is_reported_at_the_migration() {
    let dir = project();
    add_migration(
        dir.path(),
        "2024-06-01-000000_tighten_users",
        "UPDATE users SET bio = '' WHERE bio IS NULL;\nALTER TABLE users ALTER COLUMN bio SET NOT NULL;\nALTER TABLE users ADD COLUMN locale TEXT;\n",
    );
    let (code, findings) = check(dir.path());
    let m = "migrations/2024-06-01-000000_tighten_users/up.sql";
    assert_eq!(
        located(&findings),
        [
            ("MG106 users.bio".to_string(), m.to_string(), 2),
            ("MG104 users.locale".to_string(), m.to_string(), 3),
        ]
    );
    assert_eq!(code, Some(1));
    // the schema.rs line is the related location of the MG106
    let related = &findings[0]["related"][0]["location"];
    assert_eq!(related["path"], SCHEMA);
    assert_eq!(related["line"], 46);

    // regenerating schema.rs settles it
    edit(
        dir.path(),
        SCHEMA,
        "        bio -> Nullable<Text>,\n",
        "        bio -> Text,\n        locale -> Nullable<Text>,\n",
    );
    let (code, findings) = check(dir.path());
    assert_eq!(code, Some(0), "{:?}", located(&findings));
    assert!(findings.is_empty(), "{:?}", located(&findings));
}

#[test]
fn human_report_of_the_drifted_fixture() {
    let out = migraguard()
        .args([
            "check",
            "fixtures/diesel-postgres-drift",
            "--format",
            "human",
        ])
        .env("COLUMNS", "100")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("FORCE_COLOR")
        .output()
        .expect("the binary runs");
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!(String::from_utf8_lossy(&out.stdout));
}

#[test]
fn a_column_a_rebuild_dropped_is_reported_where_it_was_dropped() {
    let dir = fixture("diesel-sqlite-drift");
    let (code, findings) = check(&dir);
    assert_eq!(code, Some(1));
    assert_eq!(
        located(&findings),
        [
            (
                "MG102 notes.rating".to_string(),
                "migrations/2024-02-02-120000_drop_note_rating/up.sql".to_string(),
                2
            ),
            (
                "MG102 notebooks.sort_order".to_string(),
                SCHEMA.to_string(),
                8
            ),
        ]
    );
}

#[test]
fn a_rust_comment_in_schema_rs_suppresses_its_finding() {
    let dir = project();
    edit(
        dir.path(),
        SCHEMA,
        "        name -> Text,\n",
        "        // migraguard: ignore[MG106] -- written through a trigger\n        name -> Nullable<Text>,\n",
    );
    let (code, findings) = check(dir.path());
    assert_eq!(code, Some(0), "{:?}", located(&findings));
    assert!(findings.is_empty(), "{:?}", located(&findings));
}

#[test]
fn a_primary_key_list_edited_in_schema_rs_is_mg108_with_rust_help() {
    let dir = project();
    edit(
        dir.path(),
        SCHEMA,
        "    post_tags (post_id, tag_id) {",
        "    post_tags (post_id) {",
    );
    let (code, findings) = check(dir.path());
    assert_eq!(code, Some(1));
    assert_eq!(
        located(&findings),
        [("MG108 post_tags".to_string(), SCHEMA.to_string(), 11)]
    );
    let help = findings[0]["help"].as_str().unwrap_or("");
    assert!(help.contains("`post_tags (post_id, tag_id)`"), "{help}");
}
