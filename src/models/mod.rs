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
//!
//! Rust (syn): `diesel.rs` reads `table!` in schema.rs (`diesel_types.rs`
//! maps its SQL types), `seaorm.rs` reads
//! `DeriveEntityModel` entities. `declare.rs` writes a column back in the
//! model's own language, for help texts.

pub mod declarative;
pub mod declare;
pub mod diesel;
pub mod diesel_types;
pub mod flask_sqlalchemy;
pub mod python;
pub mod seaorm;
pub mod seaorm_types;
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
    /// The ORM the tables come from: help texts write declarations in its language.
    pub kind: ModelKind,
    /// The models cannot declare every unique constraint and foreign key
    /// (SeaORM entities: relations are Rust code, composite uniques have no
    /// attribute): the database's extra ones are not reported.
    pub partial_keys: bool,
    /// Tables the models leave out on purpose (diesel.toml's print_schema
    /// `filter`): the database may have them without an MG103.
    pub left_out: Vec<diesel::TableFilter>,
}

impl ModelSchema {
    /// Whether the models leave the database table `name` out on purpose.
    pub fn leaves_out(&self, name: &str) -> bool {
        self.left_out.iter().any(|f| f.leaves_out(name))
    }

    /// Adds another frontend's result (a project with Python and Rust models).
    pub fn merge(&mut self, other: ModelSchema) {
        if self.schema.tables.is_empty() {
            self.kind = other.kind;
        }
        self.schema.tables.extend(other.schema.tables);
        self.schema.enums.extend(other.schema.enums);
        self.findings.extend(other.findings);
        self.files += other.files;
        self.unnamed_tables += other.unnamed_tables;
        self.partial_keys |= other.partial_keys;
        self.left_out.extend(other.left_out);
    }
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
    let files_of = |kind: ModelKind| -> Vec<String> {
        let set: BTreeSet<String> = inputs
            .iter()
            .filter(|i| i.kind == kind)
            .flat_map(|i| i.files.iter().cloned())
            .collect();
        set.into_iter().collect()
    };
    let mut out = ModelSchema::default();
    if inputs.iter().any(|i| i.kind == ModelKind::Sqlalchemy) {
        out.merge(load_python(snapshot, inputs, dialect));
    }
    let diesel = files_of(ModelKind::Diesel);
    if !diesel.is_empty() {
        out.merge(diesel::load(snapshot, &diesel, dialect));
    }
    let seaorm = files_of(ModelKind::Seaorm);
    if !seaorm.is_empty() {
        out.merge(seaorm::load(snapshot, &seaorm, dialect));
    }
    out
}

fn load_python(
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
    let aware = sqlmodel_version(snapshot).is_none_or(|v| v >= SQLMODEL_AWARE_DATETIMES);
    from_files_with(files, dialect, findings, aware)
}

/// The first SQLModel release whose plain `datetime` fields are
/// time-zone-aware columns (`UTCDateTime`).
const SQLMODEL_AWARE_DATETIMES: (u32, u32, u32) = (0, 0, 45);

/// The SQLModel version the project pins or locks, if it says: lock files
/// (`uv.lock`, `poetry.lock`, `pdm.lock`, `Pipfile.lock`), `requirements*.txt`
/// pins, or an exact version in `pyproject.toml`. Without one, what an
/// install gets today (the newest release) is assumed.
fn sqlmodel_version(snapshot: &dyn Snapshot) -> Option<(u32, u32, u32)> {
    let mut candidates: Vec<&String> = snapshot
        .files()
        .iter()
        .filter(|p| {
            let name = p.rsplit('/').next().unwrap_or(p);
            matches!(
                name,
                "uv.lock" | "poetry.lock" | "pdm.lock" | "Pipfile.lock" | "pyproject.toml"
            ) || (name.starts_with("requirements") && name.ends_with(".txt"))
        })
        .collect();
    // the shallowest files first: the project's own, not a vendored one
    candidates.sort_by_key(|p| (p.matches('/').count(), (*p).clone()));
    candidates.into_iter().find_map(|p| {
        let text = snapshot.read(p).ok()?.text;
        pinned_version(&text, "sqlmodel")
    })
}

fn parse_version(v: &str) -> Option<(u32, u32, u32)> {
    let mut parts = v.trim().split('.').map(|x| {
        x.chars()
            .take_while(char::is_ascii_digit)
            .collect::<String>()
            .parse::<u32>()
            .ok()
    });
    let a = parts.next()??;
    let b = parts.next().flatten().unwrap_or(0);
    let c = parts.next().flatten().unwrap_or(0);
    Some((a, b, c))
}

/// `name==1.2.3` (requirements, PEP 508 strings), `name = "1.2.3"` /
/// `name = "^0.0.14"` (Poetry; a caret on 0.0.x pins the patch), or a lock
/// file's `name = "name"` entry followed by `version = "1.2.3"`.
fn pinned_version(text: &str, package: &str) -> Option<(u32, u32, u32)> {
    let mut lines = text.lines().map(str::trim).peekable();
    while let Some(line) = lines.next() {
        let lower = line.to_ascii_lowercase();
        // lock files: name = "sqlmodel" then version = "..."
        if lower == format!("name = \"{package}\"") {
            for next in lines.by_ref().take(3) {
                if let Some(v) = next.strip_prefix("version = ") {
                    return parse_version(v.trim_matches('"'));
                }
            }
            continue;
        }
        // Pipfile.lock: "sqlmodel": { ... "version": "==0.0.44" }
        if lower.starts_with(&format!("\"{package}\": {{")) {
            for next in lines.by_ref().take(12) {
                if let Some(v) = next.strip_prefix("\"version\": \"==") {
                    return parse_version(v.trim_end_matches([',', '"']));
                }
            }
            continue;
        }
        let unquoted = lower.trim_start_matches(['"', '\'']);
        let Some(rest) = unquoted.strip_prefix(package) else {
            continue;
        };
        // not `sqlmodel-extras`: the name must end here (extras allowed)
        let rest = match rest.strip_prefix('[') {
            Some(r) => r.split_once(']').map(|(_, r)| r).unwrap_or(""),
            None => rest,
        };
        let rest = rest.trim_start();
        if let Some(v) = rest.strip_prefix("==") {
            return parse_version(
                v.trim_start_matches('=')
                    .split([',', ';', '"', '\'', ' '])
                    .next()?,
            );
        }
        // poetry: sqlmodel = "0.0.14" or "^0.0.14" or { version = "..." }
        if let Some(v) = rest.strip_prefix('=') {
            let v = v.trim().trim_start_matches('{').trim();
            let v = v.strip_prefix("version =").map(str::trim).unwrap_or(v);
            let v = v.trim_matches(|c| c == '"' || c == '\'' || c == '}' || c == ' ');
            if let Some(exact) = v.strip_prefix('^').filter(|x| x.starts_with("0.0.")) {
                return parse_version(exact);
            }
            if v.chars().next().is_some_and(|c| c.is_ascii_digit()) {
                return parse_version(v);
            }
        }
    }
    None
}

/// Builds the model schema from parsed files (the part of `load` after
/// reading; tests call it with in-memory sources). SQLModel `datetime`
/// fields are mapped as the newest SQLModel does.
pub fn from_files(
    files: Vec<PyFile>,
    dialect: crate::dialect::Dialect,
    findings: Vec<Finding>,
) -> ModelSchema {
    from_files_with(files, dialect, findings, true)
}

fn from_files_with(
    files: Vec<PyFile>,
    dialect: crate::dialect::Dialect,
    mut findings: Vec<Finding>,
    sqlmodel_aware_datetimes: bool,
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
    let mut prog = python::Program::new(&files);
    prog.sqlmodel_aware_datetimes = sqlmodel_aware_datetimes;
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
        kind: ModelKind::Sqlalchemy,
        ..ModelSchema::default()
    }
}

fn read_and_parse(
    snapshot: &dyn Snapshot,
    paths: &[String],
    findings: &mut Vec<Finding>,
) -> Vec<PyFile> {
    let results: Vec<Result<PyFile, Box<Finding>>> = paths
        .par_iter()
        .map(|p| match snapshot.read_lossy(p) {
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
