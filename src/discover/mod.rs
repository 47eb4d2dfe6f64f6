//! Discovery: from config and auto-detection, which files are models, which
//! are migrations (in which layout), and which dialect the project targets.
//! OWNER: discover helper.

use crate::config::Config;
use crate::dialect::Dialect;
use crate::snapshot::Snapshot;
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ModelKind {
    /// SQLAlchemy, Flask-SQLAlchemy and SQLModel: one Python frontend tells them apart per class.
    Sqlalchemy,
    Diesel,
    Seaorm,
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

pub fn discover(_snapshot: &dyn Snapshot, config: Config) -> Result<Project, DiscoverError> {
    Ok(Project {
        dialect: config.dialect.unwrap_or_default(),
        dialect_reason: "default".into(),
        models: Vec::new(),
        migrations: Vec::new(),
        config,
    })
}
