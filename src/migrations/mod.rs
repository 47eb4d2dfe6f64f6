//! Migration frontends: discover and order migration files (`layout`, and
//! `alembic` for its revision graph), then replay them (`replay` dispatches
//! each history to `sql`, `seaorm` or `alembic`) through `apply`, which owns
//! every schema mutation, the MG201-MG203 checks and the facts the safety
//! lints (MG301-MG305) need, into the migrated schema.

pub mod alembic;
pub mod apply;
pub mod layout;
pub mod replay;
pub mod seaorm;
pub mod sql;

use crate::findings::Finding;
use crate::schema::Schema;
use crate::source::{Location, SourceFile};
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

/// One migration to apply, in order.
#[derive(Clone, Debug)]
pub struct MigrationUnit {
    /// Ordering key as written (`0001`, `1.2`, `20240101120000`).
    pub version: String,
    pub name: String,
    pub file: SourceFile,
    /// Byte range of the "up" part of `file` (the whole file for most layouts;
    /// the `-- migrate:up` section for dbmate, the `-- +goose Up` section...).
    pub up: Range<usize>,
    /// Which frontend replays it.
    pub frontend: Frontend,
}

/// The language a migration is written in.
#[derive(Clone, Debug, Default)]
pub enum Frontend {
    #[default]
    Sql,
    /// A Rust file of a SeaORM `migration` crate.
    SeaOrm,
    /// An Alembic revision file, with what its `upgrade()` does, read once
    /// when the revision graph was built (the file is parsed only there).
    Alembic(std::sync::Arc<alembic::ops::Upgrade>),
}

impl Frontend {
    pub fn is_seaorm(&self) -> bool {
        matches!(self, Frontend::SeaOrm)
    }

    pub fn is_alembic(&self) -> bool {
        matches!(self, Frontend::Alembic(_))
    }
}

/// Ordered migrations of one input, plus MG204/MG002 findings about them.
#[derive(Clone, Debug, Default)]
pub struct History {
    pub units: Vec<MigrationUnit>,
    pub findings: Vec<Finding>,
    /// Other files the units refer to: the rest of a SeaORM migration crate
    /// (Iden enums, SQL files read with `include_str!`).
    pub support: Vec<SourceFile>,
}

#[cfg(test)]
impl History {
    /// A history of SQL files, one unit each, in the order given (versions
    /// `0000`, `0001`, ...): what unit tests of SQL replay start from.
    pub(crate) fn of_sql(files: &[(&str, &str)]) -> History {
        let units = files
            .iter()
            .enumerate()
            .map(|(i, (path, text))| MigrationUnit {
                version: format!("{i:04}"),
                name: path.to_string(),
                file: SourceFile::new(*path, *text),
                up: 0..text.len(),
                frontend: Frontend::Sql,
            })
            .collect();
        History {
            units,
            findings: Vec::new(),
            support: Vec::new(),
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct MigratedSchema {
    pub schema: Schema,
    /// Columns that existed and were lost (dropped, or left out by a table
    /// rebuild), keyed by (table key, column key), with where it happened:
    /// the related label of a MG102 "the column was lost here".
    pub lost_columns: BTreeMap<(String, String), Location>,
    /// Tables dropped and never re-created, keyed by table key.
    pub dropped_tables: BTreeMap<String, Location>,
    /// Table keys whose columns replay could not follow (`CREATE TABLE ...
    /// AS SELECT`, `LIKE`, partitions, a schema-changing statement on them
    /// that could not be parsed): compare their existence only, never their
    /// columns.
    pub opaque_tables: BTreeSet<String>,
    /// Keys of relations the migrations create but replay does not model
    /// (views, materialized views, virtual and foreign tables): a model
    /// declaring one (Diesel `table!` over a view) is not missing.
    pub untracked_relations: BTreeSet<String>,
    /// MG201-MG205 and MG002 findings found while replaying.
    pub findings: Vec<Finding>,
    /// Number of migration units replayed.
    pub migrations: usize,
    /// Migration calls that may have created a table whose name replay could
    /// not read (each has an MG001 note): any model table may be one of them.
    pub unknown_tables: usize,
}
