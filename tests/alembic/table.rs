//! The mutation table of tests/alembic/mutations.toml and the projects built
//! from it, shared by tests/alembic_mutations.rs and tests/alembic_check.rs.

// Each test binary uses a different part of the table.
#![allow(dead_code)]

use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Deserialize)]
pub struct Mutation {
    pub name: String,
    pub rev_id: String,
    pub find: String,
    pub replace: String,
    /// "" when migraguard must stay silent.
    pub rule: String,
    pub table: String,
    pub column: String,
    pub location_path: String,
    pub location_contains: String,
    /// Text the finding's help must hold (the `op.*` call), "" for none.
    #[serde(default)]
    pub help_contains: String,
    pub alembic_drift: bool,
    /// Why migraguard and `alembic check` disagree on the mutated project.
    #[serde(default)]
    pub differs: Option<String>,
    /// "autogenerate" (revisions/<name>.py is what Alembic wrote) or "handwritten".
    pub fix: String,
}

impl Mutation {
    /// `"RULE table.column"` / `"RULE table"`, as tests/common's `key`.
    pub fn key(&self) -> String {
        match (self.table.is_empty(), self.column.is_empty()) {
            (false, false) => format!("{} {}.{}", self.rule, self.table, self.column),
            (false, true) => format!("{} {}", self.rule, self.table),
            _ => self.rule.clone(),
        }
    }

    pub fn revision_path(&self) -> PathBuf {
        alembic_dir()
            .join("revisions")
            .join(format!("{}.py", self.name))
    }
}

#[derive(Deserialize)]
struct Table {
    mutation: Vec<Mutation>,
}

pub fn alembic_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/alembic")
}

pub fn mutations() -> Vec<Mutation> {
    let text = std::fs::read_to_string(alembic_dir().join("mutations.toml"))
        .expect("tests/alembic/mutations.toml is readable");
    toml::from_str::<Table>(&text)
        .expect("tests/alembic/mutations.toml parses")
        .mutation
}

/// The state of the project a check runs on.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum State {
    /// The model edited, no revision for it.
    Mutated,
    /// The model edited and the fix revision added.
    Fixed,
}

/// Writes the base project into `dir`, with `mutation` applied in `state`.
pub fn build(dir: &Path, mutation: Option<(&Mutation, State)>) {
    copy_tree(&alembic_dir().join("base"), dir).expect("the base project copies");
    let Some((m, state)) = mutation else {
        return;
    };
    let models = dir.join("app/models.py");
    let text = std::fs::read_to_string(&models).expect("app/models.py");
    assert!(
        text.contains(&m.find),
        "{}: the edit's text is not in app/models.py",
        m.name
    );
    std::fs::write(&models, text.replacen(&m.find, &m.replace, 1)).expect("write models");
    if state == State::Fixed {
        let revision = dir
            .join("migrations/versions")
            .join(format!("{}_{}.py", m.rev_id, m.name));
        std::fs::copy(m.revision_path(), revision).expect("the fix revision copies");
    }
}

fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let name = entry.file_name();
        // a local run of generate.py or of alembic leaves these behind
        if name == "__pycache__" || name == "app.db" {
            continue;
        }
        let target = to.join(&name);
        if entry.file_type()?.is_dir() {
            copy_tree(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}
