//! Model frontends: source files in, the schema the models declare out.
//! Frontends are independent of each other and of the diff.
//!
//! Python (one frontend, three ORMs told apart per class):
//! - `python.rs`: parsing (ruff_python_parser, once per file, in parallel)
//!   and name resolution across files;
//! - `declarative.rs`: which classes are models, inheritance, tables;
//! - `sqlalchemy.rs`: `Column` / `mapped_column` / `Table` arguments;
//! - `flask_sqlalchemy.rs`, `sqlmodel.rs`: what those add;
//! - `sqlalchemy_types.rs`: SQLAlchemy types and Python annotations to `SqlType`
//!   (`sa_type_from_expr`, reusable by an Alembic frontend).

pub mod declarative;
pub mod flask_sqlalchemy;
pub mod python;
pub mod sqlalchemy;
pub mod sqlalchemy_types;
pub mod sqlmodel;

use crate::discover::{ModelInput, ModelKind};
use crate::findings::Finding;
use crate::rules::{MG001, MG002};
use crate::schema::Schema;
use crate::snapshot::Snapshot;
use crate::source::{Location, SourceFile};
use python::PyFile;
use rayon::prelude::*;
use std::collections::{BTreeSet, HashSet};

#[derive(Debug, Default)]
pub struct ModelSchema {
    pub schema: Schema,
    /// MG001 (unresolved construct) and MG002 (unreadable file) findings.
    pub findings: Vec<Finding>,
    /// Files parsed, for the summary.
    pub files: usize,
    /// Mapped classes whose table name could not be computed (each has an
    /// MG001 note): the diff cannot tell which migrated table is theirs.
    pub unnamed_tables: usize,
}

/// How many rounds of "parse the modules the models import their base
/// classes from" to do: the base usually lives one hop away (`database.py`),
/// sometimes two (`db = SQLAlchemy()` in `extensions.py`).
const IMPORT_ROUNDS: usize = 3;

pub fn load(
    snapshot: &dyn Snapshot,
    inputs: &[ModelInput],
    dialect: crate::dialect::Dialect,
) -> ModelSchema {
    let mut paths: Vec<String> = inputs
        .iter()
        .filter(|i| i.kind == ModelKind::Sqlalchemy)
        .flat_map(|i| i.files.iter().cloned())
        .filter(|p| p.ends_with(".py") || p.ends_with(".pyi"))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    paths.dedup();
    let mut findings = Vec::new();
    let mut files = read_and_parse(snapshot, &paths, &mut findings);
    let mut seen: HashSet<String> = paths.into_iter().collect();
    for _ in 0..IMPORT_ROUNDS {
        let extra = imported_modules(snapshot, &files, &seen);
        if extra.is_empty() {
            break;
        }
        seen.extend(extra.iter().cloned());
        let more = read_and_parse(snapshot, &extra, &mut findings);
        files.extend(more);
    }
    from_files(files, dialect, findings)
}

/// Builds the model schema from parsed files (the part of `load` after
/// reading; tests call it with in-memory sources).
pub fn from_files(
    files: Vec<PyFile>,
    dialect: crate::dialect::Dialect,
    mut findings: Vec<Finding>,
) -> ModelSchema {
    for f in &files {
        if let Some((range, message)) = &f.syntax_error {
            let loc = f.location(*range);
            findings.push(
                Finding::new(
                    &MG002,
                    None,
                    None,
                    &format!("syntax:{}", f.source.path),
                    if message.contains("was not parsed") || message.contains("was not read") {
                        message.clone()
                    } else {
                        format!(
                            "syntax error: {message}; the models before and after it are still checked"
                        )
                    },
                )
                .at(loc)
                .label(message.clone()),
            );
        }
    }
    let prog = python::Program::new(&files);
    let mut builder = declarative::Builder::new(&prog, dialect);
    builder.run();
    let unnamed_tables = builder.unnamed_tables;
    let (schema, notes) = builder.finish();
    let mut seen = HashSet::new();
    for n in notes {
        // mixins are analysed once per table that uses them: one note per place
        if !seen.insert((n.location.clone(), n.message.clone())) {
            continue;
        }
        findings.push(
            Finding::new(&MG001, n.table.as_deref(), None, &n.kind, n.message).at(n.location),
        );
    }
    findings.sort_by_key(|f| f.sort_key());
    ModelSchema {
        schema,
        findings,
        files: files.len(),
        unnamed_tables,
    }
}

fn read_and_parse(
    snapshot: &dyn Snapshot,
    paths: &[String],
    findings: &mut Vec<Finding>,
) -> Vec<PyFile> {
    let results: Vec<Result<PyFile, Box<Finding>>> = paths
        .par_iter()
        .map(|p| match snapshot.read(p) {
            Ok(src) => Ok(python::parse_file(src)),
            Err(e) => Err(Box::new(
                Finding::new(
                    &MG002,
                    None,
                    None,
                    &format!("unreadable:{p}"),
                    format!("{p} could not be read: {e}"),
                )
                .at(Location::line(p.as_str(), 1)),
            )),
        })
        .collect();
    let mut out = Vec::with_capacity(results.len());
    for r in results {
        match r {
            Ok(f) => out.push(f),
            Err(f) => findings.push(*f),
        }
    }
    out
}

/// Snapshot files for the modules that model files import their base
/// classes, enums and annotation types from, when those are not parsed yet.
fn imported_modules(
    snapshot: &dyn Snapshot,
    files: &[PyFile],
    seen: &HashSet<String>,
) -> Vec<String> {
    let prog = python::Program::new(files);
    let mut out = BTreeSet::new();
    for (i, f) in files.iter().enumerate() {
        let wanted = python::wanted_names(f);
        for m in prog.missing_imports(i, &wanted) {
            if let Some(p) = module_path(snapshot, &m, &f.source.path) {
                if !seen.contains(&p) {
                    out.insert(p);
                }
            }
        }
    }
    out.into_iter().collect()
}

/// The snapshot file of a dotted module imported by `importer`: `a/b.py` or
/// `a/b/__init__.py` below the importer's folder or one of its ancestors
/// (whichever is on `sys.path`), else below one unique source folder.
fn module_path(snapshot: &dyn Snapshot, module: &str, importer: &str) -> Option<String> {
    const LIBRARIES: &[&str] = &[
        "sqlalchemy",
        "sqlmodel",
        "flask_sqlalchemy",
        "flask",
        "pydantic",
        "typing",
        "typing_extensions",
        "datetime",
        "decimal",
        "uuid",
        "enum",
        "json",
        "django",
    ];
    let root = module.split('.').next().unwrap_or(module);
    if module.is_empty() || LIBRARIES.contains(&root) {
        return None;
    }
    let rel = module.replace('.', "/");
    let candidates = [format!("{rel}.py"), format!("{rel}/__init__.py")];
    let mut dir = importer.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
    loop {
        for c in &candidates {
            let path = if dir.is_empty() {
                c.clone()
            } else {
                format!("{dir}/{c}")
            };
            if snapshot.exists(&path) {
                return Some(path);
            }
        }
        if dir.is_empty() {
            break;
        }
        dir = dir.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
    }
    if !module.contains('.') {
        // a bare `utils` is too ambiguous to look for below other folders
        return None;
    }
    for c in &candidates {
        let suffix = format!("/{c}");
        let mut hits = snapshot.files().iter().filter(|f| f.ends_with(&suffix));
        if let (Some(hit), None) = (hits.next(), hits.next()) {
            return Some(hit.clone());
        }
    }
    None
}

/// Parses in-memory sources: for tests and benchmarks.
pub fn parse_sources(sources: Vec<SourceFile>) -> Vec<PyFile> {
    sources.into_par_iter().map(python::parse_file).collect()
}

#[cfg(test)]
mod tests;
