//! Discovery: from config and auto-detection, which files are models, which
//! are migrations (in which layout), and which dialect the project targets.
//! OWNER: discover helper. The rules are documented for users in
//! docs/config.md ("Auto-detection") and docs/layouts.md.
//!
//! Detection reads file names and, cheaply, file texts (import lines,
//! markers, URLs); it never parses Python or SQL: that is the frontends' job.

pub mod alembic;
mod dialect;
mod migrations;
mod models;
pub mod names;

use crate::config::Config;
use crate::dialect::Dialect;
use crate::snapshot::Snapshot;
use serde::Serialize;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ModelKind {
    /// SQLAlchemy, Flask-SQLAlchemy and SQLModel: one Python frontend tells them apart per class.
    #[default]
    Sqlalchemy,
    Diesel,
    Seaorm,
}

impl ModelKind {
    /// The names accepted in `kind = "..."`.
    pub fn parse(s: &str) -> Option<ModelKind> {
        match s.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "sqlalchemy" | "flask-sqlalchemy" | "sqlmodel" => Some(ModelKind::Sqlalchemy),
            "diesel" => Some(ModelKind::Diesel),
            "seaorm" | "sea-orm" => Some(ModelKind::Seaorm),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            ModelKind::Sqlalchemy => "sqlalchemy",
            ModelKind::Diesel => "diesel",
            ModelKind::Seaorm => "seaorm",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Layout {
    /// `0001_name.sql`, `001-name.sql`, `20240101120000_name.sql`
    Numbered,
    /// `V1__name.sql`, `V1.2__name.sql`, repeatable `R__name.sql`
    Flyway,
    /// `1_name.up.sql` / `1_name.down.sql`
    GolangMigrate,
    /// `-- migrate:up` / `-- migrate:down` sections
    Dbmate,
    /// `-- +goose Up` / `-- +goose Down` sections
    Goose,
    /// `<version>_<name>/up.sql` + `down.sql`
    Diesel,
    /// `<timestamp>_<name>/migration.sql`
    Prisma,
    /// `<version>_<name>.sql` or `.up.sql`/`.down.sql` (sqlx)
    Sqlx,
    /// A single schema dump (`schema.sql`) replayed as the baseline.
    SchemaDump,
    /// A SeaORM `migration` crate: `src/lib.rs` lists `src/m<version>_<name>.rs`.
    SeaOrm,
    /// An Alembic script folder (`alembic.ini` script_location): revision
    /// files under `versions/` (and `version_locations`), ordered by their
    /// revision graph.
    Alembic,
}

impl Layout {
    /// The names written in `layout = "..."`, one per layout.
    pub const NAMES: &'static [&'static str] = &[
        "numbered",
        "flyway",
        "golang-migrate",
        "dbmate",
        "goose",
        "diesel",
        "prisma",
        "sqlx",
        "schema-dump",
        "seaorm",
        "alembic",
    ];

    pub fn parse(s: &str) -> Option<Layout> {
        Some(
            match s.trim().to_ascii_lowercase().replace('_', "-").as_str() {
                "numbered" | "plain" | "sql" => Layout::Numbered,
                "flyway" => Layout::Flyway,
                "golang-migrate" | "migrate" | "golang" => Layout::GolangMigrate,
                "dbmate" => Layout::Dbmate,
                "goose" => Layout::Goose,
                "diesel" => Layout::Diesel,
                "prisma" => Layout::Prisma,
                "sqlx" => Layout::Sqlx,
                "schema-dump" | "dump" | "schema" => Layout::SchemaDump,
                "seaorm" | "sea-orm" | "sea-orm-migration" => Layout::SeaOrm,
                "alembic" | "flask-migrate" => Layout::Alembic,
                _ => return None,
            },
        )
    }

    pub fn name(self) -> &'static str {
        match self {
            Layout::Numbered => "numbered",
            Layout::Flyway => "flyway",
            Layout::GolangMigrate => "golang-migrate",
            Layout::Dbmate => "dbmate",
            Layout::Goose => "goose",
            Layout::Diesel => "diesel",
            Layout::Prisma => "prisma",
            Layout::Sqlx => "sqlx",
            Layout::SchemaDump => "schema-dump",
            Layout::SeaOrm => "seaorm",
            Layout::Alembic => "alembic",
        }
    }
}

impl std::fmt::Display for Layout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct ModelInput {
    pub kind: ModelKind,
    /// Files to parse, sorted.
    pub files: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct MigrationInput {
    /// Folder (or single file for `SchemaDump`) relative to the root.
    pub path: String,
    pub layout: Layout,
}

#[derive(Clone, Debug)]
pub struct Project {
    pub dialect: Dialect,
    /// Why this dialect: "migraguard.toml", "alembic.ini sqlalchemy.url", "default"...
    pub dialect_reason: String,
    pub models: Vec<ModelInput>,
    /// Replayed in this order into one schema (a schema dump first, if any).
    pub migrations: Vec<MigrationInput>,
    pub config: Config,
}

impl Project {
    /// A `migraguard.toml` pinning what auto-detection found (for `migraguard
    /// init`); parsing it back gives the same models, migrations and dialect.
    pub fn to_config_toml(&self) -> String {
        let q = |s: &str| toml::Value::String(s.to_string()).to_string();
        let mut out = String::from(
            "# migraguard configuration: what auto-detection found, pinned.\n# Every key is optional; see docs/config.md.\n\n",
        );
        out.push_str(&format!(
            "dialect = {}   # {}\n",
            q(self.dialect.name()),
            self.dialect_reason.replace('\n', " ")
        ));
        out.push_str("# ignore_tables = [\"alembic_version\", \"tmp_*\"]\n");
        for m in &self.models {
            for path in model_paths(&m.files) {
                out.push_str(&format!(
                    "\n[[models]]\npath = {}\nkind = {}\n",
                    q(&path),
                    q(m.kind.name())
                ));
            }
        }
        for m in &self.migrations {
            out.push_str(&format!(
                "\n[[migrations]]\npath = {}\nlayout = {}\n",
                q(&m.path),
                q(m.layout.name())
            ));
        }
        out.push_str("\n[rules]\n# MG103 = \"off\"   # off, note, warning or error\n");
        out
    }
}

/// The files of one `models/` package are written as the package (a
/// configured folder means every `.py` below it, so only a folder that is
/// all models qualifies).
fn model_paths(files: &[String]) -> Vec<String> {
    if files.len() <= 3 {
        return files.to_vec();
    }
    let first = split(&files[0]).0;
    let mut common: Vec<&str> = first.split('/').filter(|c| !c.is_empty()).collect();
    for f in &files[1..] {
        let dir: Vec<&str> = split(f).0.split('/').collect();
        let n = common
            .iter()
            .zip(dir.iter())
            .take_while(|(a, b)| a == b)
            .count();
        common.truncate(n);
    }
    if common.last() != Some(&"models") {
        files.to_vec()
    } else {
        vec![common.join("/")]
    }
}

/// Discovery failures that stop the check (exit 2).
#[derive(Debug)]
pub struct DiscoverError {
    pub message: String,
    pub help: Option<String>,
}

impl std::fmt::Display for DiscoverError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DiscoverError {}

impl DiscoverError {
    fn new(message: impl Into<String>, help: impl Into<String>) -> Self {
        DiscoverError {
            message: message.into(),
            help: Some(help.into()),
        }
    }
}

/// Facts about the repository that several detections use.
pub(crate) struct Facts {
    /// Alembic script folders (`alembic.ini` or pyproject.toml
    /// script_location, or a folder with `env.py` and `versions/`) and their
    /// version folders: never models, never SQL migrations.
    pub alembic: Vec<alembic::AlembicScript>,
    pub alembic_inis: Vec<String>,
    /// (folder of diesel.toml, print_schema file, migrations folder), root-relative.
    pub diesel: Vec<(String, String, String)>,
    /// Cargo.toml files mentioning sqlx.
    pub uses_sqlx: bool,
    /// `filesystem:` locations of `flyway.conf` / `flyway.toml`, root-relative.
    pub flyway_dirs: Vec<String>,
}

impl Facts {
    fn gather(snapshot: &dyn Snapshot) -> Facts {
        let mut f = Facts {
            alembic: alembic::scripts(snapshot),
            alembic_inis: Vec::new(),
            diesel: Vec::new(),
            uses_sqlx: false,
            flyway_dirs: Vec::new(),
        };
        for path in snapshot.files() {
            let (dir, name) = split(path);
            match name {
                "alembic.ini" if !is_test_path(path) => f.alembic_inis.push(path.clone()),
                "diesel.toml" => {
                    let table = snapshot
                        .read(path)
                        .ok()
                        .and_then(|s| s.text.parse::<toml::Table>().ok())
                        .unwrap_or_default();
                    let migrations = table
                        .get("migrations_directory")
                        .and_then(|t| t.get("dir"))
                        .and_then(|v| v.as_str())
                        .unwrap_or("migrations");
                    for schema in diesel_schema_files(&table) {
                        f.diesel.push((
                            dir.to_string(),
                            resolve_dots(&join(dir, &crate::config::clean_path(&schema))),
                            resolve_dots(&join(dir, &crate::config::clean_path(migrations))),
                        ));
                    }
                }
                "Cargo.toml" => {
                    if let Ok(s) = snapshot.read(path) {
                        f.uses_sqlx |= s.text.contains("sqlx");
                    }
                }
                "flyway.conf" | "flyway.toml" if !is_test_path(path) => {
                    if let Ok(s) = snapshot.read(path) {
                        for loc in flyway_locations(&s.text) {
                            f.flyway_dirs
                                .push(join(dir, &crate::config::clean_path(&loc)));
                        }
                    }
                }
                _ => {}
            }
        }
        f
    }

    fn in_alembic(&self, path: &str) -> bool {
        alembic::in_any(&self.alembic, path)
    }
}

/// `backend/../shared/src/schema.rs` -> `shared/src/schema.rs`: diesel.toml
/// paths are relative to its folder and may climb out of it. A path that
/// climbs above the root stays as written (and is then not found).
pub(crate) fn resolve_dots(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for p in path.split('/') {
        match p {
            "." | "" => {}
            ".." => {
                if parts.pop().is_none() {
                    return path.to_string();
                }
            }
            _ => parts.push(p),
        }
    }
    parts.join("/")
}

/// The schema files a `diesel.toml` names: `[print_schema] file`, and the
/// `file` of each `[print_schema.<name>]` table (Diesel 2.2 writes one file
/// per database schema that way); Diesel's default `src/schema.rs` when none.
fn diesel_schema_files(config: &toml::Table) -> Vec<String> {
    let mut files: Vec<String> = diesel_print_schemas(config)
        .into_iter()
        .map(|(file, _)| file)
        .collect();
    if files.is_empty() {
        files.push("src/schema.rs".to_string());
    }
    files.sort();
    files.dedup();
    files
}

/// Each print_schema configuration of a `diesel.toml` with the file it
/// writes (Diesel's default `src/schema.rs` when it names none): the root
/// `[print_schema]` and every `[print_schema.<name>]`.
pub(crate) fn diesel_print_schemas(config: &toml::Table) -> Vec<(String, &toml::Table)> {
    const DEFAULT: &str = "src/schema.rs";
    let Some(print_schema) = config.get("print_schema").and_then(|v| v.as_table()) else {
        return Vec::new();
    };
    let named: Vec<(String, &toml::Table)> = print_schema
        .values()
        .filter_map(|v| v.as_table())
        // `filter = { ... }` is an inline table of the root configuration
        .filter(|t| !t.contains_key("only_tables") && !t.contains_key("except_tables"))
        .map(|t| (file_of(t).unwrap_or(DEFAULT).to_string(), t))
        .collect();
    let root = file_of(print_schema);
    if named.is_empty() || root.is_some() {
        let mut all = vec![(root.unwrap_or(DEFAULT).to_string(), print_schema)];
        all.extend(named);
        return all;
    }
    named
}

fn file_of(t: &toml::Table) -> Option<&str> {
    t.get("file").and_then(|v| v.as_str())
}

/// Finds models, migrations and the dialect. Errors mean the check cannot run
/// (exit 2): nothing to compare, or a configured path that is not there.
pub fn discover(snapshot: &dyn Snapshot, config: Config) -> Result<Project, DiscoverError> {
    discover_for(snapshot, config, Need::Both)
}

/// Which side of the comparison the caller needs. `schema --from models` must
/// work on a repository whose migrations migraguard cannot read (yet), and the
/// other way round.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Need {
    Both,
    Models,
    Migrations,
}

pub fn discover_for(
    snapshot: &dyn Snapshot,
    config: Config,
    need: Need,
) -> Result<Project, DiscoverError> {
    let facts = Facts::gather(snapshot);
    let py = models::PythonFiles::new(snapshot, &facts);
    let models = match models::find(snapshot, &config, &facts, &py) {
        Err(_) if need == Need::Migrations => Vec::new(),
        found => found?,
    };
    let early = dialect::detect_without_sql(snapshot, &config, &facts, &py);
    let migrations = match migrations::find(
        snapshot,
        &config,
        &facts,
        early.as_ref().map(|d| d.0),
        &models,
    ) {
        Err(_) if need == Need::Models => Vec::new(),
        found => found?,
    };
    let (dialect, dialect_reason) = early
        .or_else(|| dialect::detect_from_sql(snapshot, &migrations))
        .unwrap_or_else(|| {
            (
                Dialect::Postgresql,
                "default (no dialect configured or detected)".to_string(),
            )
        });
    Ok(Project {
        dialect,
        dialect_reason,
        models,
        migrations,
        config,
    })
}

// ---- path helpers shared by the detectors ----

/// (folder, file name) of a `/`-separated path.
pub(crate) fn split(path: &str) -> (&str, &str) {
    path.rsplit_once('/').unwrap_or(("", path))
}

pub(crate) fn join(dir: &str, rest: &str) -> String {
    match (dir.is_empty(), rest.is_empty()) {
        (true, _) => rest.to_string(),
        (_, true) => dir.to_string(),
        _ => format!("{dir}/{rest}"),
    }
}

/// `path` is `dir` or below it.
pub(crate) fn under(path: &str, dir: &str) -> bool {
    dir.is_empty()
        || path == dir
        || (path.starts_with(dir) && path.as_bytes().get(dir.len()) == Some(&b'/'))
}

/// Tests, their fixtures, documentation, examples and project templates
/// (cookiecutter/copier folders named `{{cookiecutter.app}}`, whose files are
/// Jinja, not Python or SQL) are never the application's models or migrations
/// (auto-detection only; a configured path is taken as given).
pub(crate) fn is_test_path(path: &str) -> bool {
    if path.contains("{{") || path.contains("{%") {
        return true;
    }
    let (dir, name) = split(path);
    let aside_dir = dir.split('/').any(|c| {
        matches!(
            c.to_ascii_lowercase().as_str(),
            "tests"
                | "test"
                | "testing"
                | "__tests__"
                | "testdata"
                | "test_data"
                | "docs"
                | "doc"
                | "examples"
                | "example"
                | "samples"
        )
    });
    let name = name.to_ascii_lowercase();
    let test_file = name.ends_with(".py")
        && (name.starts_with("test_")
            || name.ends_with("_test.py")
            || name == "conftest.py"
            || name == "tests.py");
    aside_dir || test_file
}

/// `filesystem:` entries of `flyway.locations=...` (flyway.conf) or
/// `locations = [...]` (flyway.toml). `classpath:db/migration` needs no help:
/// `src/main/resources/db/migration` is found by its name.
fn flyway_locations(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        let k = k.trim();
        if k != "flyway.locations" && k != "locations" {
            continue;
        }
        for item in v.split(',') {
            let item = item.trim().trim_matches(['[', ']', '"', '\'', ' ']);
            if let Some(dir) = item.strip_prefix("filesystem:") {
                out.push(dir.to_string());
            }
        }
    }
    out
}

/// `key = value` from an INI file (first occurrence, any section).
pub(crate) fn ini_value(text: &str, key: &str) -> Option<String> {
    for line in text.lines() {
        let l = line.trim();
        if l.starts_with('#') || l.starts_with(';') {
            continue;
        }
        if let Some((k, v)) = l.split_once('=') {
            if k.trim() == key {
                let v = v.trim();
                if !v.is_empty() {
                    return Some(v.to_string());
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{MigrationsConfig, ModelsConfig};
    use crate::snapshot::MemorySnapshot;

    const MODELS: &str = "from sqlalchemy import Column, Integer\nfrom sqlalchemy.orm import declarative_base\nBase = declarative_base()\nclass User(Base):\n    __tablename__ = 'users'\n    id = Column(Integer, primary_key=True)\n";

    fn snap(files: &[(&str, &str)]) -> MemorySnapshot {
        MemorySnapshot::new(files.to_vec())
    }

    fn ok(files: &[(&str, &str)]) -> Project {
        discover(&snap(files), Config::default()).unwrap()
    }

    fn fail(files: &[(&str, &str)], config: Config) -> DiscoverError {
        discover(&snap(files), config).unwrap_err()
    }

    fn model_files(p: &Project) -> Vec<&str> {
        p.models
            .iter()
            .filter(|m| m.kind == ModelKind::Sqlalchemy)
            .flat_map(|m| m.files.iter().map(String::as_str))
            .collect()
    }

    fn migs(p: &Project) -> Vec<(&str, Layout)> {
        p.migrations
            .iter()
            .map(|m| (m.path.as_str(), m.layout))
            .collect()
    }

    #[test]
    fn parses_kind_and_layout_names() {
        assert_eq!(
            ModelKind::parse("Flask_SQLAlchemy"),
            Some(ModelKind::Sqlalchemy)
        );
        assert_eq!(ModelKind::parse("sea-orm"), Some(ModelKind::Seaorm));
        assert_eq!(ModelKind::parse("django"), None);
        for n in Layout::NAMES {
            assert_eq!(Layout::parse(n).map(Layout::name), Some(*n));
        }
        assert_eq!(Layout::parse("golang_migrate"), Some(Layout::GolangMigrate));
        assert_eq!(Layout::parse("liquibase"), None);
    }

    #[test]
    fn models_in_common_places_are_found() {
        let p = ok(&[
            ("app/models.py", MODELS),
            ("app/models/__init__.py", "from .user import User\n"),
            ("app/models/user.py", MODELS),
            ("app/billing_models.py", MODELS),
            ("app/db/tables.py", "from sqlalchemy import Table, MetaData\nt = Table('x', MetaData())\n"),
            ("app/schemas.py", "from pydantic import BaseModel\nclass U(BaseModel): pass\n"),
            ("app/views.py", "from flask import Flask\n"),
            ("app/repo.py", "from sqlalchemy import select\ndef f(): return select(1)\n"),
            ("app/flask_models.py", "from app import db\nclass Post(db.Model):\n    id = db.Column(db.Integer, primary_key=True)\n"),
            ("app/sqlm.py", "from sqlmodel import SQLModel, Field\nclass Hero(SQLModel, table=True):\n    id: int = Field(primary_key=True)\n"),
            ("tests/test_models.py", MODELS),
            ("app/test_stuff.py", MODELS),
            ("tests/conftest.py", MODELS),
            ("alembic.ini", "[alembic]\nscript_location = alembic\n"),
            ("alembic/env.py", MODELS),
            ("alembic/versions/abc_init.py", "from alembic import op\nimport sqlalchemy as sa\nclass X: pass\n"),
            ("app/migrations/0001_x.py", MODELS),
            // a standalone script for another database (privacyidea's tools/)
            ("tools/export-linotp-counter.py", MODELS),
            // a project template: Jinja, not Python
            ("{{cookiecutter.app}}/app/models.py", "from sqlalchemy import Column
{% if x %}
"),
            ("{{cookiecutter.app}}/migrations/0001_x.sql", "CREATE TABLE {{ t }} (id int);"),
        ]);
        assert_eq!(
            model_files(&p),
            [
                "app/billing_models.py",
                "app/db/tables.py",
                "app/flask_models.py",
                "app/models.py",
                "app/models/user.py",
                "app/sqlm.py",
            ]
        );
        assert_eq!(migs(&p), [("alembic", Layout::Alembic)]);
    }

    #[test]
    fn no_models_is_an_error_saying_where_it_looked() {
        let e = fail(
            &[
                ("migrations/0001_init.sql", "CREATE TABLE a (id int);"),
                ("app/main.py", "print(1)"),
            ],
            Config::default(),
        );
        assert!(e.message.contains("no model files found"), "{}", e.message);
        assert!(e.message.contains("1 Python file"), "{}", e.message);
        let help = e.help.unwrap();
        assert!(help.contains("sqlalchemy"), "{help}");
        assert!(help.contains("[[models]]"), "{help}");
    }

    #[test]
    fn configured_model_paths() {
        let files = [
            ("src/app/orm/a.py", "class A: pass"),
            ("src/app/orm/sub/b.py", "class B: pass"),
            ("src/app/orm/notes.txt", ""),
            ("one.py", "x = 1"),
            ("migrations/0001_init.sql", ""),
        ];
        let config = Config {
            models: vec![
                ModelsConfig {
                    path: "src/app/orm".into(),
                    kind: None,
                },
                ModelsConfig {
                    path: "one.py".into(),
                    kind: Some(ModelKind::Sqlalchemy),
                },
            ],
            ..Config::default()
        };
        let p = discover(&snap(&files), config).unwrap();
        assert_eq!(
            model_files(&p),
            ["one.py", "src/app/orm/a.py", "src/app/orm/sub/b.py"]
        );

        let config = Config {
            models: vec![ModelsConfig {
                path: "app/nope.py".into(),
                kind: None,
            }],
            ..Config::default()
        };
        let e = fail(&files, config);
        assert!(
            e.message
                .contains("configured model path `app/nope.py` does not exist"),
            "{}",
            e.message
        );

        let config = Config {
            models: vec![ModelsConfig {
                path: "src/app/orm/notes.txt".into(),
                kind: None,
            }],
            ..Config::default()
        };
        let e = fail(&files, config);
        assert!(
            e.message
                .contains("cannot tell which kind of models `src/app/orm/notes.txt`"),
            "{}",
            e.message
        );
        assert!(e.help.unwrap().contains("kind ="));

        let config = Config {
            models: vec![ModelsConfig {
                path: "src/app/orm".into(),
                kind: Some(ModelKind::Diesel),
            }],
            ..Config::default()
        };
        let e = fail(&files, config);
        assert!(
            e.message
                .contains("no diesel model files under `src/app/orm`"),
            "{}",
            e.message
        );
    }

    #[test]
    fn diesel_layouts_of_real_projects() {
        // a workspace: two crates, each with its own diesel.toml; one relies
        // on the default schema file, the other keeps it outside src/
        let workspace = [
            (
                "api/diesel.toml",
                "[migrations_directory]\ndir = \"migrations\"\n",
            ),
            (
                "api/Cargo.toml",
                "[dependencies]\ndiesel = { version = \"2\", features = [\"postgres\"] }\n",
            ),
            (
                "api/src/schema.rs",
                "diesel::table! { users (id) { id -> Int4, } }",
            ),
            (
                "api/migrations/2024-01-01-000000_users/up.sql",
                "CREATE TABLE users (id SERIAL PRIMARY KEY);",
            ),
            (
                "worker/diesel.toml",
                "[print_schema]\nfile = \"db/schema.rs\"\n",
            ),
            (
                "worker/db/schema.rs",
                "diesel::table! { jobs (id) { id -> Int4, } }",
            ),
            (
                "worker/migrations/2024-01-01-000000_jobs/up.sql",
                "CREATE TABLE jobs (id SERIAL PRIMARY KEY);",
            ),
        ];
        // two databases: which one to check is the user's call
        let e = fail(&workspace, Config::default());
        assert!(
            e.message
                .contains("api/migrations (diesel), worker/migrations (diesel)"),
            "{}",
            e.message
        );
        let config = Config {
            migrations: vec![crate::config::MigrationsConfig {
                path: "worker/migrations".into(),
                layout: Some(Layout::Diesel),
            }],
            models: vec![ModelsConfig {
                path: "worker/db/schema.rs".into(),
                kind: None,
            }],
            ..Config::default()
        };
        let p = discover(&snap(&workspace), config).unwrap();
        assert_eq!(p.models[0].kind, ModelKind::Diesel);
        assert_eq!(p.models[0].files, ["worker/db/schema.rs"]);
        // a crate whose diesel.toml points into a sibling crate
        let p = ok(&[
            ("server/diesel.toml", "[print_schema]\nfile = \"../db/src/schema.rs\"\n[migrations_directory]\ndir = \"../db/migrations\"\n"),
            ("db/src/schema.rs", "diesel::table! { users (id) { id -> Int4, } }"),
            ("db/migrations/2024-01-01-000000_users/up.sql", "CREATE TABLE users (id SERIAL PRIMARY KEY);"),
        ]);
        assert_eq!(p.models[0].files, ["db/src/schema.rs"]);
        assert_eq!(migs(&p), [("db/migrations", Layout::Diesel)]);
        assert_eq!(super::resolve_dots("../x"), "../x");
        // Diesel 2.2: one [print_schema.<name>] table per database schema
        let p = ok(&[
            ("diesel.toml", "[print_schema.default]\nfile = \"src/schema.rs\"\n\n[print_schema.audit]\nfile = \"src/audit_schema.rs\"\nschema = \"audit\"\n"),
            ("src/schema.rs", "diesel::table! { users (id) { id -> Int4, } }"),
            ("src/audit_schema.rs", "diesel::table! { audit.events (id) { id -> Int4, } }"),
            ("migrations/2024-01-01-000000_users/up.sql", "CREATE TABLE users (id SERIAL PRIMARY KEY);"),
        ]);
        assert_eq!(p.models[0].files, ["src/audit_schema.rs", "src/schema.rs"]);
        assert_eq!(migs(&p), [("migrations", Layout::Diesel)]);
    }

    #[test]
    fn diesel_project_is_detected() {
        let p = ok(&[
            ("diesel.toml", "[print_schema]\nfile = \"src/schema.rs\"\n\n[migrations_directory]\ndir = \"db/migrations\"\n"),
            ("Cargo.toml", "[dependencies]\ndiesel = { version = \"2\", features = [\"sqlite\"] }\n"),
            ("src/schema.rs", "diesel::table! { users (id) { id -> Integer, } }"),
            ("db/migrations/2024-01-01-000000_users/up.sql", "CREATE TABLE users (id INTEGER PRIMARY KEY);"),
            ("db/migrations/2024-01-01-000000_users/down.sql", "DROP TABLE users;"),
        ]);
        assert_eq!(p.models.len(), 1);
        assert_eq!(p.models[0].kind, ModelKind::Diesel);
        assert_eq!(p.models[0].files, ["src/schema.rs"]);
        assert_eq!(migs(&p), [("db/migrations", Layout::Diesel)]);
        assert_eq!(p.dialect, Dialect::Sqlite);
        assert_eq!(p.dialect_reason, "diesel features in Cargo.toml");
    }

    #[test]
    fn seaorm_entities_are_detected() {
        let p = ok(&[
            ("Cargo.toml", "[dependencies]\nsea-orm = { version = \"1\", features = [\"sqlx-postgres\"] }\n"),
            ("src/entities/user.rs", "#[derive(Clone, Debug, DeriveEntityModel)]\n#[sea_orm(table_name = \"users\")]\npub struct Model { pub id: i32 }\n"),
            ("src/main.rs", "fn main() {}"),
            ("migrations/0001_init.sql", "CREATE TABLE users (id int);"),
        ]);
        assert_eq!(p.models[0].kind, ModelKind::Seaorm);
        assert_eq!(p.models[0].files, ["src/entities/user.rs"]);
        assert_eq!(p.dialect, Dialect::Postgresql);
        assert_eq!(p.dialect_reason, "sea-orm features in Cargo.toml");
    }

    #[test]
    fn seaorm_migration_crate_and_entity_crate_are_detected() {
        let lib = "pub use sea_orm_migration::prelude::*;\nmod m20240101_000001_init;\npub struct Migrator;\nimpl MigratorTrait for Migrator {\n    fn migrations() -> Vec<Box<dyn MigrationTrait>> {\n        vec![Box::new(m20240101_000001_init::Migration)]\n    }\n}\n";
        let p = ok(&[
            ("Cargo.toml", "[workspace]\nmembers = [\"entity\", \"migration\"]\n[dependencies]\nsea-orm = { version = \"1\", features = [\"sqlx-postgres\"] }\n"),
            ("entity/src/entities/mod.rs", "pub mod prelude;\npub mod user;\npub mod sea_orm_active_enums;\n"),
            ("entity/src/entities/prelude.rs", "pub use super::user::Entity as User;\n"),
            ("entity/src/entities/user.rs", "#[derive(DeriveEntityModel)]\n#[sea_orm(table_name = \"user\")]\npub struct Model { pub id: i32 }\n"),
            ("entity/src/entities/sea_orm_active_enums.rs", "#[derive(DeriveActiveEnum)]\npub enum Mood { A }\n"),
            ("migration/Cargo.toml", "[dependencies]\nsea-orm-migration = \"1\"\n"),
            ("migration/src/lib.rs", lib),
            ("migration/src/main.rs", "fn main() {}"),
            ("migration/src/m20240101_000001_init.rs", "impl MigrationTrait for Migration {}"),
            ("migration/src/sql/seed.sql", "INSERT INTO x VALUES (1);"),
        ]);
        assert_eq!(p.models.len(), 1);
        assert_eq!(p.models[0].kind, ModelKind::Seaorm);
        assert_eq!(
            p.models[0].files,
            [
                "entity/src/entities/sea_orm_active_enums.rs",
                "entity/src/entities/user.rs"
            ]
        );
        assert_eq!(migs(&p), [("migration", Layout::SeaOrm)]);
        let mut cfg = Config::default();
        cfg.migrations.push(crate::config::MigrationsConfig {
            path: "migration".into(),
            layout: None,
        });
        let p = discover(&snap(&[("migration/src/lib.rs", lib), ("src/entities/a.rs", "#[derive(DeriveEntityModel)]\n#[sea_orm(table_name = \"a\")]\npub struct Model { pub id: i32 }"), ("Cargo.toml", "sea-orm = \"1\"")]), cfg)
            .expect("configured SeaORM crate");
        assert_eq!(migs(&p), [("migration", Layout::SeaOrm)]);
    }

    fn layout_of(files: &[(&str, &str)]) -> Vec<(String, Layout)> {
        let mut all = files.to_vec();
        all.push(("app/models.py", MODELS));
        ok(&all)
            .migrations
            .into_iter()
            .map(|m| (m.path, m.layout))
            .collect()
    }

    #[test]
    fn each_layout_is_auto_detected() {
        let one = |path: &str, l: Layout| vec![(path.to_string(), l)];
        assert_eq!(
            layout_of(&[
                ("migrations/0001_init.sql", ""),
                ("migrations/0002_x.sql", "")
            ]),
            one("migrations", Layout::Numbered)
        );
        assert_eq!(
            layout_of(&[("db/migrate/001-init.sql", "")]),
            one("db/migrate", Layout::Numbered)
        );
        assert_eq!(
            layout_of(&[
                ("src/main/resources/db/migration/V1__init.sql", ""),
                ("src/main/resources/db/migration/R__views.sql", "")
            ]),
            one("src/main/resources/db/migration", Layout::Flyway)
        );
        assert_eq!(
            layout_of(&[
                ("db/migrations/1_init.up.sql", ""),
                ("db/migrations/1_init.down.sql", "")
            ]),
            one("db/migrations", Layout::GolangMigrate)
        );
        assert_eq!(
            layout_of(&[(
                "db/migrations/20240101000000_init.sql",
                "-- migrate:up\nCREATE TABLE a (id int);\n-- migrate:down\n"
            )]),
            one("db/migrations", Layout::Dbmate)
        );
        assert_eq!(
            layout_of(&[(
                "sql/migrations/00001_init.sql",
                "-- +goose Up\nCREATE TABLE a (id int);\n"
            )]),
            one("sql/migrations", Layout::Goose)
        );
        assert_eq!(
            layout_of(&[("migrations/sql/0001_init.sql", "")]),
            one("migrations/sql", Layout::Numbered)
        );
        assert_eq!(
            layout_of(&[
                ("prisma/migrations/20240101000000_init/migration.sql", ""),
                ("prisma/migrations/migration_lock.toml", "")
            ]),
            one("prisma/migrations", Layout::Prisma)
        );
        assert_eq!(
            layout_of(&[("migrations/00000000000000_diesel_initial_setup/up.sql", "")]),
            one("migrations", Layout::Diesel)
        );
        assert_eq!(
            layout_of(&[
                ("Cargo.toml", "[dependencies]\nsqlx = \"0.7\"\n"),
                ("migrations/20240101000000_init.sql", "")
            ]),
            one("migrations", Layout::Sqlx)
        );
        // Django and Flask-Migrate folders hold no SQL: not migrations for us
        assert_eq!(
            layout_of(&[
                ("app/migrations/0001_initial.py", ""),
                ("db/init.sql", "CREATE TABLE a (id int);")
            ]),
            one("db/init.sql", Layout::SchemaDump)
        );
    }

    #[test]
    fn sqlx_needs_digits_underscore_names() {
        let cargo = ("Cargo.toml", "[dependencies]\nsqlx = \"0.7\"\n");
        assert_eq!(
            layout_of(&[cargo, ("migrations/001-init.sql", "")]),
            vec![("migrations".to_string(), Layout::Numbered)]
        );
        assert_eq!(
            layout_of(&[
                cargo,
                ("migrations/1_init.up.sql", ""),
                ("migrations/1_init.down.sql", "")
            ]),
            vec![("migrations".to_string(), Layout::Sqlx)]
        );
    }

    #[test]
    fn dialect_subfolders_pick_the_projects_dialect() {
        let got = layout_of(&[
            (".env", "DATABASE_URL=sqlite:///app.db\n"),
            ("migrations/postgres/0001_init.sql", ""),
            ("migrations/sqlite/0001_init.sql", ""),
        ]);
        assert_eq!(
            got,
            vec![("migrations/sqlite".to_string(), Layout::Numbered)]
        );
    }

    #[test]
    fn a_dump_beside_migrations_is_not_replayed() {
        // dbmate writes db/schema.sql after migrating: it is the current
        // state, and replaying it too would make every CREATE a MG203.
        assert_eq!(
            layout_of(&[
                (
                    "db/migrations/20240101000000_init.sql",
                    "-- migrate:up\nCREATE TABLE a (id int);\n"
                ),
                (
                    "db/schema.sql",
                    "CREATE TABLE a (id int);\nCREATE TABLE schema_migrations (version text);"
                ),
            ]),
            vec![("db/migrations".to_string(), Layout::Dbmate)]
        );
        // Rails structure.sql likewise
        assert_eq!(
            layout_of(&[("db/migrate/001_init.sql", ""), ("db/structure.sql", "")]),
            vec![("db/migrate".to_string(), Layout::Numbered)]
        );
        // a dump alone is the input (docker-entrypoint init.sql)
        assert_eq!(
            layout_of(&[("docker/init.sql", "CREATE TABLE jobs (id int);")]),
            vec![("docker/init.sql".to_string(), Layout::SchemaDump)]
        );
        assert_eq!(
            layout_of(&[
                ("docker-entrypoint-initdb.d/01-schema.sql", ""),
                ("docker-entrypoint-initdb.d/02-seed.sql", "")
            ]),
            vec![("docker-entrypoint-initdb.d".to_string(), Layout::SchemaDump)]
        );
    }

    #[test]
    fn alembic_environments_of_one_ini_are_listed_together() {
        let rev = "revision = 'a1'\ndown_revision = None\n\ndef upgrade():\n    pass\n";
        let files = [
            ("app/models.py", MODELS),
            (
                "alembic.ini",
                "[core]\nscript_location = revisions/core\n\n[tenant]\nscript_location = revisions/tenant\n",
            ),
            ("revisions/core/env.py", ""),
            ("revisions/core/versions/a1.py", rev),
            ("revisions/tenant/env.py", ""),
            ("revisions/tenant/versions/a1.py", rev),
        ];
        let e = fail(&files, Config::default());
        assert!(
            e.message
                .contains("several Alembic environments in alembic.ini"),
            "{}",
            e.message
        );
        let help = e.help.unwrap_or_default();
        assert!(
            help.contains("path = \"revisions/core\"")
                && help.contains("path = \"revisions/tenant\""),
            "{help}"
        );
    }

    #[test]
    fn ambiguous_migration_sources_are_errors() {
        let mut files = vec![("app/models.py", MODELS)];
        files.push(("service_a/migrations/0001_x.sql", ""));
        files.push(("service_b/migrations/0001_x.sql", ""));
        let e = fail(&files, Config::default());
        assert!(
            e.message.contains("several migration folders"),
            "{}",
            e.message
        );
        assert!(
            e.message.contains("service_a/migrations")
                && e.message.contains("service_b/migrations")
        );
        assert!(e.help.unwrap().contains("[[migrations]]"));

        let e = fail(
            &[
                ("app/models.py", MODELS),
                ("schema.sql", ""),
                ("docker/init.sql", ""),
            ],
            Config::default(),
        );
        assert!(e.message.contains("several schema dumps"), "{}", e.message);
    }

    #[test]
    fn several_migration_folders_pick_the_one_beside_the_models() {
        let p = ok(&[
            ("backend/app/models.py", MODELS),
            ("backend/migrations/0001_x.sql", ""),
            (
                "frontend/prisma/migrations/20240101000000_x/migration.sql",
                "",
            ),
            ("docs/examples/migrations/0001_x.sql", ""),
            ("tests/migrations/0001_x.sql", ""),
        ]);
        assert_eq!(migs(&p), [("backend/migrations", Layout::Numbered)]);
    }

    #[test]
    fn flyway_conf_locations_are_used() {
        let got = layout_of(&[
            ("flyway.conf", "flyway.url=jdbc:postgresql://h/db\nflyway.locations=filesystem:./database/changes\n"),
            ("database/changes/V1__init.sql", ""),
        ]);
        assert_eq!(got, vec![("database/changes".to_string(), Layout::Flyway)]);
        assert_eq!(
            flyway_locations(
                "[flyway]\nlocations = [\"filesystem:sql\", \"classpath:db/migration\"]"
            ),
            ["sql"]
        );
    }

    #[test]
    fn init_config_round_trips() {
        let mut files = vec![
            ("app/models/a.py", MODELS),
            ("app/models/b.py", MODELS),
            ("app/models/c/d.py", MODELS),
            ("app/models/e.py", MODELS),
            (
                "migrations/1_a.sql",
                "CREATE TABLE a (id INTEGER PRIMARY KEY AUTOINCREMENT);",
            ),
        ];
        let p = ok(&files);
        let text = p.to_config_toml();
        let c = crate::config::parse_str(&text, "migraguard.toml").unwrap();
        assert!(c.warnings.is_empty(), "{:?}", c.warnings);
        assert_eq!(c.dialect, Some(Dialect::Sqlite));
        assert_eq!(c.models.len(), 1, "{text}");
        assert_eq!(c.models[0].path, "app/models");
        files.push(("migraguard.toml", &text));
        let again = discover(&snap(&files), c).unwrap();
        assert_eq!(model_files(&again), model_files(&p));
        assert_eq!(migs(&again), migs(&p));
    }

    #[test]
    fn env_file_wins_over_examples() {
        assert_eq!(
            dialect_of(&[
                (".env", "DATABASE_URL=sqlite:///x.db\n"),
                (".env.example", "DATABASE_URL=postgres://u@h/d\n"),
            ]),
            (Dialect::Sqlite, "database URL in .env".into())
        );
    }

    #[test]
    fn configured_dump_is_replayed_first() {
        let config = Config {
            migrations: vec![
                MigrationsConfig {
                    path: "db/migrations".into(),
                    layout: None,
                },
                MigrationsConfig {
                    path: "db/baseline.sql".into(),
                    layout: None,
                },
            ],
            ..Config::default()
        };
        let p = discover(
            &snap(&[
                ("m.py", MODELS),
                ("db/migrations/0001_x.sql", ""),
                ("db/baseline.sql", ""),
            ]),
            config,
        )
        .unwrap();
        assert_eq!(
            migs(&p),
            [
                ("db/baseline.sql", Layout::SchemaDump),
                ("db/migrations", Layout::Numbered)
            ]
        );
    }

    #[test]
    fn no_migrations_is_an_error_mentioning_alembic_when_present() {
        let e = fail(&[("app/models.py", MODELS)], Config::default());
        assert!(e.message.contains("no migrations found"), "{}", e.message);
        assert!(e.help.as_deref().unwrap_or("").contains("[[migrations]]"));
        // an Alembic folder without revisions yet says where it looked
        let e = fail(
            &[
                ("app/models.py", MODELS),
                ("alembic.ini", "[alembic]\nscript_location = alembic\n"),
                ("alembic/env.py", ""),
                ("alembic/script.py.mako", ""),
            ],
            Config::default(),
        );
        assert!(
            e.message
                .contains("found the Alembic folder alembic (from alembic.ini), but no revision files in alembic/versions"),
            "{}",
            e.message
        );
        // a package script_location that is not in the repository
        let e = fail(
            &[
                ("app/models.py", MODELS),
                (
                    "alembic.ini",
                    "[alembic]\nscript_location = other_pkg:migrations\n",
                ),
            ],
            Config::default(),
        );
        assert!(
            e.message
                .contains("names a folder inside the Python package `other_pkg`"),
            "{}",
            e.message
        );
    }

    fn alembic_migs(files: &[(&str, &str)]) -> Vec<(String, Layout)> {
        let mut all = vec![("app/models.py", MODELS)];
        all.extend_from_slice(files);
        ok(&all)
            .migrations
            .iter()
            .map(|m| (m.path.clone(), m.layout))
            .collect()
    }

    #[test]
    fn alembic_ini_at_root_names_the_script_folder() {
        assert_eq!(
            alembic_migs(&[
                ("alembic.ini", "[alembic]\nscript_location = alembic\n"),
                ("alembic/env.py", "from alembic import context\n"),
                ("alembic/versions/1_init.py", "revision = '1'\n"),
            ]),
            [("alembic".to_string(), Layout::Alembic)]
        );
    }

    #[test]
    fn flask_migrate_migrations_folder() {
        let files = [
            ("migrations/alembic.ini", "[alembic]\n# template used to generate migration files\n\n[loggers]\nkeys = root\n"),
            ("migrations/env.py", "from flask import current_app\n"),
            ("migrations/script.py.mako", ""),
            ("migrations/README", "Single-database configuration for Flask.\n"),
            ("migrations/versions/3f2a_init.py", "revision = '3f2a'\n"),
        ];
        assert_eq!(
            alembic_migs(&files),
            [("migrations".to_string(), Layout::Alembic)]
        );
        // the same folder without its alembic.ini is still evident
        assert_eq!(
            alembic_migs(&files[1..]),
            [("migrations".to_string(), Layout::Alembic)]
        );
    }

    #[test]
    fn custom_script_location_and_version_locations() {
        let p = ok(&[
            ("app/models.py", MODELS),
            (
                "alembic.ini",
                "[alembic]\nscript_location = %(here)s/db/alembic\nversion_locations = %(here)s/db/alembic/versions %(here)s/plugins/audit/versions\n",
            ),
            ("db/alembic/env.py", ""),
            ("db/alembic/versions/1_init.py", "revision = '1'\n"),
            // SQL and Python beside the revisions are neither models nor SQL migrations
            ("plugins/audit/versions/2_audit.py", MODELS),
            ("plugins/audit/versions/migrations/0001_x.sql", "CREATE TABLE x (id int);"),
        ]);
        assert_eq!(migs(&p), [("db/alembic", Layout::Alembic)]);
        assert_eq!(model_files(&p), ["app/models.py"]);
        let script = alembic::script_at(&snap(&[(
            "alembic.ini",
            "[alembic]\nscript_location = %(here)s/db/alembic\nversion_locations = %(here)s/db/alembic/versions %(here)s/plugins/audit/versions\n",
        )]), "db/alembic");
        assert_eq!(
            script.version_dirs,
            ["db/alembic/versions", "plugins/audit/versions"]
        );
        // only version_locations count: revisions there alone are enough
        assert_eq!(
            alembic_migs(&[
                (
                    "alembic.ini",
                    "[alembic]\nscript_location = db\npath_separator = os\nversion_locations = db/a:db/b\n",
                ),
                ("db/env.py", ""),
                ("db/b/1_init.py", "revision = '1'\n"),
            ]),
            [("db".to_string(), Layout::Alembic)]
        );
    }

    #[test]
    fn alembic_histories_per_database_are_chosen_by_dialect() {
        // Prefect: env.py points version_locations at versions/<dialect>
        let files = [
            ("alembic.ini", "[alembic]\nscript_location = db\n"),
            ("db/env.py", ""),
            ("db/versions/postgresql/1_init.py", "revision = '1'\n"),
            ("db/versions/sqlite/1_init.py", "revision = '1'\n"),
        ];
        assert_eq!(alembic_migs(&files), [("db".to_string(), Layout::Alembic)]);
        let s = snap(&files);
        let script = |d| alembic::for_dialect(&s, alembic::script_at(&s, "db"), d).version_dirs;
        assert_eq!(script(Dialect::Sqlite), ["db/versions/sqlite"]);
        assert_eq!(script(Dialect::Postgresql), ["db/versions/postgresql"]);
        // MySQL has none of its own: no choice is made
        assert_eq!(script(Dialect::Mysql), ["db/versions"]);
        // revisions in versions/ itself: subfolders are not looked at
        let mut flat = files.to_vec();
        flat.push(("db/versions/0_base.py", "revision = '0'\n"));
        let s = snap(&flat);
        assert_eq!(
            alembic::for_dialect(&s, alembic::script_at(&s, "db"), Dialect::Sqlite).version_dirs,
            ["db/versions"]
        );
    }

    #[test]
    fn bare_revision_folders_follow_the_alembic_history() {
        // CTFd: plugins/<name>/migrations, run by the application after its history
        let rev = "revision = 'p1'\ndown_revision = None\n\ndef upgrade(op=None):\n    pass\n";
        let files = [
            ("migrations/alembic.ini", "[alembic]\n"),
            ("migrations/env.py", ""),
            (
                "migrations/versions/a1.py",
                "revision = 'a1'\ndown_revision = None\n",
            ),
            ("app/plugins/dyn/migrations/p1.py", rev),
            ("app/plugins/dyn/migrations/__init__.py", ""),
            // Python beside that is not a revision: not a history
            ("app/plugins/other/migrations/p1.py", rev),
            (
                "app/plugins/other/migrations/helpers.py",
                "def f():\n    pass\n",
            ),
        ];
        assert_eq!(
            alembic_migs(&files),
            [
                ("migrations".to_string(), Layout::Alembic),
                ("app/plugins/dyn/migrations".to_string(), Layout::Alembic)
            ]
        );
        let s = snap(&files);
        assert_eq!(
            alembic::script_at(&s, "app/plugins/dyn/migrations").version_dirs,
            ["app/plugins/dyn/migrations"]
        );
        // without an Alembic history they are not read
        let alone: Vec<_> = files
            .iter()
            .filter(|f| !f.0.starts_with("migrations/"))
            .copied()
            .collect();
        let mut all = alone;
        all.push(("app/models.py", MODELS));
        let found = match discover(&snap(&all), Config::default()) {
            Ok(p) => format!("{:?}", migs(&p)),
            Err(e) => e.message,
        };
        assert!(!found.contains("plugins/dyn"), "{found}");
    }

    #[test]
    fn pyproject_tool_alembic() {
        let files = [
            (
                "pyproject.toml",
                "[project]\nname = \"x\"\n[tool.alembic]\nscript_location = \"%(here)s/migrations_alembic\"\nversion_locations = [\"%(here)s/migrations_alembic/versions\", \"%(here)s/extra\"]\n",
            ),
            ("migrations_alembic/env.py", ""),
            ("extra/1_init.py", "revision = '1'\n"),
        ];
        assert_eq!(
            alembic_migs(&files),
            [("migrations_alembic".to_string(), Layout::Alembic)]
        );
        let config = Config {
            migrations: vec![MigrationsConfig {
                path: "migrations_alembic".into(),
                layout: Some(Layout::Alembic),
            }],
            ..Config::default()
        };
        let mut all = vec![("app/models.py", MODELS)];
        all.extend_from_slice(&files);
        let p = discover(&snap(&all), config).unwrap();
        assert_eq!(migs(&p), [("migrations_alembic", Layout::Alembic)]);
    }

    #[test]
    fn configured_alembic_folder_round_trips_through_init() {
        let mut files = vec![
            ("app/models.py", MODELS),
            ("alembic.ini", "[alembic]\nscript_location = alembic\n"),
            ("alembic/env.py", ""),
            ("alembic/versions/1_init.py", "revision = '1'\n"),
        ];
        let p = ok(&files);
        let text = p.to_config_toml();
        assert!(
            text.contains("[[migrations]]\npath = \"alembic\"\nlayout = \"alembic\""),
            "{text}"
        );
        files.push(("migraguard.toml", &text));
        let c = crate::config::parse_str(&text, "migraguard.toml").unwrap();
        let again = discover(&snap(&files), c).unwrap();
        assert_eq!(migs(&again), migs(&p));
        // an Alembic folder without revisions is a configuration error
        let e = fail(
            &[("app/models.py", MODELS), ("alembic/env.py", "")],
            Config {
                migrations: vec![MigrationsConfig {
                    path: "alembic".into(),
                    layout: Some(Layout::Alembic),
                }],
                ..Config::default()
            },
        );
        assert!(e.message.contains("no revision files"), "{}", e.message);
    }

    #[test]
    fn configured_migrations() {
        let files = [
            ("app/models.py", MODELS),
            ("database/changes/V1__init.sql", ""),
            ("database/empty/README.md", ""),
            ("dump.sql", ""),
        ];
        let cfg = |path: &str, layout| Config {
            migrations: vec![MigrationsConfig {
                path: path.into(),
                layout,
            }],
            ..Config::default()
        };
        let p = discover(&snap(&files), cfg("database/changes", None)).unwrap();
        assert_eq!(migs(&p), [("database/changes", Layout::Flyway)]);
        let p = discover(&snap(&files), cfg("./dump.sql", None)).unwrap();
        assert_eq!(migs(&p), [("dump.sql", Layout::SchemaDump)]);
        let p = discover(
            &snap(&files),
            cfg("database/changes", Some(Layout::Numbered)),
        )
        .unwrap();
        assert_eq!(migs(&p), [("database/changes", Layout::Numbered)]);
        let e = fail(&files, cfg("db/nope", None));
        assert!(
            e.message
                .contains("configured migrations path `db/nope` does not exist"),
            "{}",
            e.message
        );
        let e = fail(&files, cfg("database/empty", None));
        assert!(
            e.message.contains("holds no migration files"),
            "{}",
            e.message
        );
        let e = fail(&files, cfg("database/empty", Some(Layout::Goose)));
        assert!(
            e.message.contains("holds no migration files"),
            "{}",
            e.message
        );
    }

    fn dialect_of(files: &[(&str, &str)]) -> (Dialect, String) {
        let mut all = files.to_vec();
        all.push(("app/models.py", MODELS));
        if !all.iter().any(|(p, _)| p.ends_with(".sql")) {
            all.push(("migrations/0001_init.sql", "CREATE TABLE a (id int);"));
        }
        let p = ok(&all);
        (p.dialect, p.dialect_reason)
    }

    #[test]
    fn dialect_sources_in_order() {
        let p = discover(
            &snap(&[
                ("app/models.py", MODELS),
                ("migrations/1_a.sql", "PRAGMA x;"),
            ]),
            Config {
                dialect: Some(Dialect::Mysql),
                source: Some("migraguard.toml".into()),
                ..Config::default()
            },
        )
        .unwrap();
        assert_eq!(
            (p.dialect, p.dialect_reason.as_str()),
            (Dialect::Mysql, "dialect in migraguard.toml")
        );
        assert_eq!(
            dialect_of(&[
                (
                    "alembic.ini",
                    "[alembic]\nsqlalchemy.url = postgresql+psycopg2://u@h/db\n"
                ),
                (".env", "DATABASE_URL=sqlite:///x.db")
            ]),
            (Dialect::Postgresql, "sqlalchemy.url in alembic.ini".into())
        );
        // the alembic.ini placeholder says nothing
        assert_eq!(
            dialect_of(&[
                (
                    "alembic.ini",
                    "sqlalchemy.url = driver://user:pass@localhost/dbname\n"
                ),
                (
                    "app/db.py",
                    "engine = create_engine(\"sqlite:///./app.db\")\n"
                )
            ])
            .0,
            Dialect::Sqlite
        );
        assert_eq!(
            dialect_of(&[(
                "app/config.py",
                "DATABASE_URL = os.getenv('DATABASE_URL', 'mysql+pymysql://u@h/db')\n"
            )]),
            (Dialect::Mysql, "database URL in app/config.py".into())
        );
        assert_eq!(
            dialect_of(&[(
                ".env.example",
                "DATABASE_URL=postgres://u:p@localhost:5432/app\n"
            )]),
            (Dialect::Postgresql, "database URL in .env.example".into())
        );
        assert_eq!(
            dialect_of(&[(
                "docker-compose.yml",
                "services:\n  db:\n    image: mysql:8\n"
            )]),
            (Dialect::Mysql, "mysql image in docker-compose.yml".into())
        );
        assert_eq!(
            dialect_of(&[(
                "migrations/1_a.sql",
                "CREATE TABLE a (id INTEGER PRIMARY KEY AUTOINCREMENT);"
            )]),
            (
                Dialect::Sqlite,
                "SQL syntax in migrations (AUTOINCREMENT)".into()
            )
        );
        assert_eq!(
            dialect_of(&[("migrations/1_a.sql", "CREATE TABLE a (id SERIAL, d JSONB);")]).0,
            Dialect::Postgresql
        );
        assert_eq!(
            dialect_of(&[(
                "migrations/1_a.sql",
                "CREATE TABLE `a` (id INT AUTO_INCREMENT) ENGINE=InnoDB;"
            )])
            .0,
            Dialect::Mysql
        );
        // a column named serial_number is not SERIAL
        assert_eq!(
            dialect_of(&[("migrations/1_a.sql", "CREATE TABLE a (serial_number TEXT);")]),
            (
                Dialect::Postgresql,
                "default (no dialect configured or detected)".into()
            )
        );
        assert_eq!(
            dialect_of(&[
                (
                    "prisma/migrations/migration_lock.toml",
                    "provider = \"mysql\""
                ),
                ("prisma/migrations/1_a/migration.sql", "")
            ]),
            (
                Dialect::Mysql,
                "provider in prisma/migrations/migration_lock.toml".into()
            )
        );
    }

    mod never_panics {
        use super::*;
        use proptest::prelude::*;

        const SEGMENTS: &[&str] = &[
            "migrations",
            "db",
            "migrate",
            "sql",
            "postgres",
            "sqlite",
            "app",
            "models",
            "tests",
            "prisma",
            "init",
            "alembic",
            "versions",
            "é",
            "",
            ".",
            "..",
        ];
        const NAMES: &[&str] = &[
            "0001_a.sql",
            "V1__a.sql",
            "V1.x__b.sql",
            "R__v.sql",
            "1_a.up.sql",
            "1_a.down.sql",
            "up.sql",
            "migration.sql",
            "models.py",
            "env.py",
            "alembic.ini",
            "diesel.toml",
            "Cargo.toml",
            ".env",
            "docker-compose.yml",
            "schema.sql",
            "flyway.conf",
            "migraguard.toml",
            "pyproject.toml",
            "x.py",
            "é.sql",
            "V__.sql",
            "9.sql",
        ];
        const TEXTS: &[&str] = &[
            "from sqlalchemy import Column\nclass A(Base):\n    __tablename__ = 'a'\n",
            "-- migrate:up\nCREATE TABLE a (id int);\n-- migrate:down\n",
            "-- +goose Down\n-- +goose Up\n",
            "[print_schema]\nfile = 3\n[migrations_directory]\ndir = \"/..\"\n",
            "script_location = %(here)s/\nsqlalchemy.url = é://x\n",
            "DATABASE_URL='://'\n\"\"://x",
            "flyway.locations=filesystem:,filesystem:../..\nflyway.url=jdbc:",
            "[[models]]\npath = \".\"",
            "dialect = [1, {a = 2}]\n[tool.migraguard]\nrules = { MG103 = 1979-05-27 }",
            "image: postgres\nimage: mysql",
        ];

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(crate::proptest_cases(200)))]
            #[test]
            fn discover_and_load_never_panic(
                files in proptest::collection::vec(
                    (proptest::collection::vec(0..SEGMENTS.len(), 0..3), 0..NAMES.len(), 0..TEXTS.len() + 1, any::<Vec<u8>>()),
                    0..12,
                )
            ) {
                let files: Vec<(String, Vec<u8>)> = files
                    .into_iter()
                    .map(|(dirs, name, text, bytes)| {
                        let mut p: Vec<&str> = dirs.into_iter().map(|d| SEGMENTS[d]).collect();
                        p.push(NAMES[name]);
                        let content = TEXTS.get(text).map(|t| t.as_bytes().to_vec()).unwrap_or(bytes);
                        (p.join("/"), content)
                    })
                    .collect();
                let s = MemorySnapshot::new(files);
                let config = crate::config::load(&s, None).unwrap_or_default();
                if let Ok(p) = discover(&s, config) {
                    for m in &p.migrations {
                        let _ = crate::migrations::layout::load(&s, m, Dialect::default());
                    }
                    let _ = crate::config::parse_str(&p.to_config_toml(), "m");
                }
                for l in Layout::NAMES {
                    let layout = Layout::parse(l).unwrap_or(Layout::Numbered);
                    for dir in ["", "migrations", "/migrations/", "é"] {
                        let _ = crate::migrations::layout::load(&s, &MigrationInput { path: dir.into(), layout }, Dialect::default());
                    }
                }
            }

            #[test]
            fn config_parse_never_panics(text in "\\PC{0,80}") {
                let _ = crate::config::parse_str(&text, "m");
                let _ = crate::config::parse_pyproject(&text, "p");
            }
        }
    }
}
