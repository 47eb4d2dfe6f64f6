//! Which files declare models. Python files are recognised by cheap text
//! checks (import lines, `db.Model`, `__tablename__`), never parsed here: the
//! Python frontend ignores classes that are not models, so an extra file
//! that merely imports sqlalchemy costs a parse and nothing else.

use super::{is_test_path, split, DiscoverError, Facts, ModelInput, ModelKind};
use crate::config::Config;
use crate::snapshot::Snapshot;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

/// The repository's Python files outside tests, Alembic and migration
/// folders, read at most once (model detection and dialect detection share them).
pub(crate) struct PythonFiles<'a> {
    snapshot: &'a dyn Snapshot,
    paths: Vec<&'a String>,
    texts: OnceLock<Vec<(String, Arc<str>)>>,
}

impl<'a> PythonFiles<'a> {
    pub fn new(snapshot: &'a dyn Snapshot, facts: &Facts) -> Self {
        let paths = snapshot
            .files()
            .iter()
            .filter(|p| p.ends_with(".py"))
            .filter(|p| !is_test_path(p) && !facts.in_alembic(p))
            .filter(|p| !split(p).0.split('/').any(|c| c == "migrations"))
            .collect();
        PythonFiles {
            snapshot,
            paths,
            texts: OnceLock::new(),
        }
    }

    pub fn count(&self) -> usize {
        self.paths.len()
    }

    /// Unreadable files are left out here; the frontend reports them if they matter.
    pub fn texts(&self) -> &[(String, Arc<str>)] {
        self.texts.get_or_init(|| {
            self.paths
                .par_iter()
                .filter_map(|p| {
                    let f = self.snapshot.read_lossy(p).ok()?;
                    Some(((*p).clone(), f.text))
                })
                .collect()
        })
    }
}

const ORM_IMPORTS: &[&str] = &[
    "import sqlalchemy",
    "from sqlalchemy",
    "import sqlmodel",
    "from sqlmodel",
    "import flask_sqlalchemy",
    "from flask_sqlalchemy",
];

/// File names where models conventionally live.
fn model_place(path: &str) -> bool {
    let (dir, name) = split(path);
    matches!(
        name,
        "models.py" | "model.py" | "schema.py" | "schemas.py" | "tables.py" | "entities.py"
    ) || name.ends_with("_models.py")
        || dir.split('/').any(|c| {
            matches!(
                c,
                "models" | "model" | "db" | "database" | "entities" | "tables" | "orm"
            )
        })
}

/// Whether the application could import the file: `tools/export-linotp.py`
/// is a standalone script (privacyidea's maps another product's `Token`
/// table), never part of the app's models.
fn importable(path: &str) -> bool {
    let (_, name) = split(path);
    let stem = name
        .strip_suffix(".pyi")
        .or_else(|| name.strip_suffix(".py"))
        .unwrap_or(name);
    let mut chars = stem.chars();
    chars.next().is_some_and(|c| c == '_' || c.is_alphabetic())
        && chars.all(|c| c == '_' || c.is_alphanumeric())
}

pub(crate) fn is_model_file(path: &str, text: &str) -> bool {
    // Flask-SQLAlchemy models often import only `db` from the app package;
    // a plugin subclassing an app model may not even mention `db.Model`
    // (CTFd's `class DynamicChallenge(Challenges)` with `db.Column`s).
    let orm_usage = text.contains("db.Model")
        || text.contains("db.Column(")
        || text.contains("__tablename__")
        || (text.contains("SQLModel") && text.contains("table=True"));
    if orm_usage {
        return true;
    }
    let mut imports = false;
    let mut class = false;
    for line in text.lines() {
        let l = line.trim_start();
        imports |= ORM_IMPORTS.iter().any(|i| {
            l.strip_prefix(i)
                .is_some_and(|rest| rest.starts_with([' ', '.', ',']) || rest.is_empty())
        });
        class |= line.starts_with("class ");
    }
    imports && (class || model_place(path) || text.contains("Table("))
}

pub(crate) fn find(
    snapshot: &dyn Snapshot,
    config: &Config,
    facts: &Facts,
    py: &PythonFiles,
) -> Result<Vec<ModelInput>, DiscoverError> {
    let mut by_kind: BTreeMap<&'static str, (ModelKind, Vec<String>)> = BTreeMap::new();
    let mut add = |kind: ModelKind, files: Vec<String>| {
        by_kind
            .entry(kind.name())
            .or_insert_with(|| (kind, Vec::new()))
            .1
            .extend(files);
    };

    if !config.models.is_empty() {
        for m in &config.models {
            let path = crate::config::clean_path(&m.path);
            let (kind, files) = configured(snapshot, &path, m.kind)?;
            add(kind, files);
        }
    } else {
        let py_models: Vec<String> = py
            .texts()
            .iter()
            .filter(|(p, _)| importable(p))
            .filter(|(p, t)| is_model_file(p, t))
            .map(|(p, _)| p.clone())
            .collect();
        if !py_models.is_empty() {
            add(ModelKind::Sqlalchemy, py_models);
        }
        let diesel: Vec<String> = facts
            .diesel
            .iter()
            .map(|(_, schema, _)| schema.clone())
            .filter(|s| snapshot.exists(s))
            .collect();
        if !diesel.is_empty() {
            add(ModelKind::Diesel, diesel);
        }
        let seaorm = seaorm_entities(snapshot);
        if !seaorm.is_empty() {
            add(ModelKind::Seaorm, seaorm);
        }
    }

    let mut out: Vec<ModelInput> = by_kind
        .into_values()
        .map(|(kind, mut files)| {
            files.sort();
            files.dedup();
            ModelInput { kind, files }
        })
        .collect();
    out.sort_by_key(|m| m.kind.name());
    if out.is_empty() {
        let n = py.count();
        return Err(DiscoverError::new(
            format!(
                "no model files found in the {}: looked at {n} Python file{} outside tests and migrations for SQLAlchemy, Flask-SQLAlchemy or SQLModel models, and for diesel.toml and SeaORM entities",
                snapshot.label(),
                if n == 1 { "" } else { "s" }
            ),
            "if the models live elsewhere, say where in migraguard.toml (paths are relative to the repository root):\n\n[[models]]\npath = \"app/models.py\"   # a file or a folder\nkind = \"sqlalchemy\"       # or flask-sqlalchemy, sqlmodel",
        ));
    }
    Ok(out)
}

fn kind_of_file(snapshot: &dyn Snapshot, path: &str) -> Option<ModelKind> {
    if path.ends_with(".py") {
        return Some(ModelKind::Sqlalchemy);
    }
    if path.ends_with(".rs") {
        let seaorm = snapshot
            .read(path)
            .is_ok_and(|f| f.text.contains("DeriveEntityModel"));
        return Some(if seaorm {
            ModelKind::Seaorm
        } else {
            ModelKind::Diesel
        });
    }
    None
}

fn configured(
    snapshot: &dyn Snapshot,
    path: &str,
    kind: Option<ModelKind>,
) -> Result<(ModelKind, Vec<String>), DiscoverError> {
    let help =
        "fix `path` under [[models]] in the config; paths are relative to the repository root";
    if snapshot.exists(path) {
        let kind = kind
            .or_else(|| kind_of_file(snapshot, path))
            .ok_or_else(|| {
                DiscoverError::new(
                    format!("cannot tell which kind of models `{path}` holds"),
                    "add `kind = \"sqlalchemy\"` (or diesel, seaorm) to its [[models]] entry",
                )
            })?;
        return Ok((kind, vec![path.to_string()]));
    }
    let all: Vec<&String> = snapshot.files_under(path).collect();
    if all.is_empty() {
        return Err(DiscoverError::new(
            format!(
                "configured model path `{path}` does not exist in the {}",
                snapshot.label()
            ),
            help,
        ));
    }
    let ext_of = |k: ModelKind| {
        if k == ModelKind::Sqlalchemy {
            ".py"
        } else {
            ".rs"
        }
    };
    let kind = kind.unwrap_or_else(|| {
        if all.iter().any(|p| p.ends_with(".py")) {
            ModelKind::Sqlalchemy
        } else if all.iter().filter(|p| p.ends_with(".rs")).any(|p| {
            snapshot
                .read(p)
                .is_ok_and(|f| f.text.contains("DeriveEntityModel"))
        }) {
            ModelKind::Seaorm
        } else {
            ModelKind::Diesel
        }
    });
    let files: Vec<String> = all
        .into_iter()
        .filter(|p| p.ends_with(ext_of(kind)))
        .cloned()
        .collect();
    if files.is_empty() {
        return Err(DiscoverError::new(
            format!(
                "no {} model files under `{path}` (looked for {} files)",
                kind.name(),
                ext_of(kind)
            ),
            help,
        ));
    }
    Ok((kind, files))
}

/// SeaORM entities: `.rs` files deriving `DeriveEntityModel`, and the
/// `DeriveActiveEnum` enums their fields use (sea-orm-cli writes those to
/// `sea_orm_active_enums.rs`), wherever they live (`entity/src/`,
/// `src/entities/`, any workspace crate); looked for only when a Cargo.toml
/// depends on sea-orm.
fn seaorm_entities(snapshot: &dyn Snapshot) -> Vec<String> {
    let uses = snapshot
        .files()
        .iter()
        .filter(|p| split(p).1 == "Cargo.toml")
        .any(|p| {
            snapshot
                .read(p)
                .is_ok_and(|f| f.text.contains("sea-orm") || f.text.contains("sea_orm"))
        });
    if !uses {
        return Vec::new();
    }
    snapshot
        .files()
        .par_iter()
        .filter(|p| p.ends_with(".rs") && !is_test_path(p))
        .filter(|p| {
            snapshot.read(p).is_ok_and(|f| {
                f.text.contains("DeriveEntityModel") || f.text.contains("DeriveActiveEnum")
            })
        })
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_that_cannot_be_imported_are_not_model_files() {
        assert!(importable("app/models.py"));
        assert!(importable("app/_base.py"));
        assert!(importable("app/models2.pyi"));
        assert!(!importable("tools/privacyidea-export-linotp-counter.py"));
        assert!(!importable("scripts/2024 fix.py"));
        assert!(!importable("app/1_models.py"));
    }

    #[test]
    fn model_file_heuristics() {
        assert!(is_model_file("x/models.py", "import sqlalchemy as sa\n"));
        assert!(is_model_file(
            "x/thing.py",
            "from sqlalchemy.orm import Mapped\nclass A(Base): pass\n"
        ));
        assert!(!is_model_file(
            "x/thing.py",
            "from sqlalchemy import select\ndef f(): pass\n"
        ));
        assert!(is_model_file(
            "x/db/session.py",
            "from sqlalchemy import create_engine\n"
        ));
        assert!(is_model_file(
            "x/any.py",
            "from .ext import db\nclass A(db.Model): pass\n"
        ));
        // a plugin subclassing an app model, importing only `db`
        assert!(is_model_file(
            "plugins/dynamic/__init__.py",
            "from app.models import Challenges, db\nclass D(Challenges):\n    x = db.Column(db.Integer)\n"
        ));
        // `sqlalchemy_utils` is not an import of sqlalchemy itself
        assert!(!is_model_file(
            "x/a.py",
            "from sqlalchemy_utils import x\nclass A: pass\n"
        ));
        assert!(!is_model_file(
            "x/models.py",
            "# uses sqlalchemy\nclass A: pass\n"
        ));
    }
}
