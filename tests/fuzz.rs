//! Random model files and migrations must never crash the binary: any input
//! ends in exit 0, 1 or 2 with a diagnostic, never a panic. (Each case starts
//! a process, so the case count stays small; the frontends fuzz in-process.)
//!
//! Run: `cargo test --test fuzz` (PROPTEST_CASES=200 for a longer run)

mod common;

use common::*;
use proptest::prelude::*;
use std::path::Path;

const MODEL: &str = "from sqlalchemy import Column, Integer, String\n\
from sqlalchemy.orm import declarative_base\n\nBase = declarative_base()\n\n\n\
class Item(Base):\n    __tablename__ = \"items\"\n\n    id = Column(Integer, primary_key=True)\n    name = Column(String(50))\n";
const MIGRATION: &str = "CREATE TABLE items (id INTEGER PRIMARY KEY, name VARCHAR(50));\n";

const PY_TOKENS: &[&str] = &[
    "class ",
    "Item",
    "(Base)",
    "(db.Model)",
    "(SQLModel, table=True)",
    ":",
    "\n",
    "    ",
    "__tablename__ = ",
    "\"items\"",
    "'x'",
    "id = ",
    "Column(",
    "mapped_column(",
    "Mapped[",
    "Optional[",
    "int",
    "str",
    "]",
    "Integer",
    "String(",
    "50",
    ")",
    ",",
    "primary_key=True",
    "nullable=False",
    "ForeignKey(\"items.id\")",
    "server_default=",
    "Enum(",
    "\"a\"",
    "=",
    "#",
    "\"\"\"",
    "\\",
    "lambda",
    "**",
    "@declared_attr",
    "def ",
    "return ",
    "\t",
    "é",
    "\u{0}",
];
const SQL_TOKENS: &[&str] = &[
    "CREATE TABLE ",
    "items",
    " (",
    "id ",
    "INTEGER",
    " PRIMARY KEY",
    ", ",
    "name ",
    "VARCHAR(",
    "50",
    ")",
    ";",
    "\n",
    "ALTER TABLE ",
    "ADD COLUMN ",
    "DROP COLUMN ",
    "RENAME TO ",
    "INSERT INTO ",
    " VALUES ",
    "'x'",
    "\"q\"",
    "$$",
    "BEGIN",
    "END",
    "-- ",
    "/*",
    "*/",
    "DEFAULT ",
    "NOT NULL",
    "REFERENCES ",
    "CREATE INDEX ",
    " ON ",
    "-- migrate:up",
    "-- +goose Up",
    "E'\\''",
    "é",
    "\u{0}",
];

fn tokens(set: &'static [&'static str]) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(prop::sample::select(set), 0..80).prop_map(|t| t.concat().into_bytes())
}

fn input(set: &'static [&'static str]) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![prop::collection::vec(any::<u8>(), 0..1024), tokens(set)]
}

fn run_repo(model: &[u8], migration: &[u8]) -> Result<(), TestCaseError> {
    let tmp = tempfile::tempdir().map_err(|e| TestCaseError::fail(e.to_string()))?;
    let root = tmp.path();
    let write = |rel: &str, bytes: &[u8]| -> Result<(), TestCaseError> {
        let p = root.join(rel);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent).map_err(|e| TestCaseError::fail(e.to_string()))?;
        }
        std::fs::write(&p, bytes).map_err(|e| TestCaseError::fail(e.to_string()))
    };
    write("app/__init__.py", b"")?;
    write("app/models.py", model)?;
    write("migrations/0001_init.sql", MIGRATION.as_bytes())?;
    write("migrations/0002_fuzz.sql", migration)?;
    for format in ["json", "human"] {
        let out = run(&["check", &root.to_string_lossy(), "--format", format]);
        check_outcome(root, &out)?;
    }
    Ok(())
}

fn check_outcome(root: &Path, out: &std::process::Output) -> Result<(), TestCaseError> {
    let stderr = String::from_utf8_lossy(&out.stderr);
    prop_assert!(
        !stderr.contains("panicked"),
        "panic on {}: {}",
        root.display(),
        stderr
    );
    prop_assert!(
        matches!(out.status.code(), Some(0..=2)),
        "exit {:?}: {}",
        out.status.code(),
        stderr
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(32),
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_model_file_never_panics(model in input(PY_TOKENS)) {
        run_repo(&model, b"")?;
    }

    #[test]
    fn random_migration_never_panics(migration in input(SQL_TOKENS)) {
        run_repo(MODEL.as_bytes(), &migration)?;
    }
}
