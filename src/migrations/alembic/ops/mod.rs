//! What an Alembic revision's `upgrade()` does, read statically (`read`),
//! and its replay through `apply` (here).
//!
//! `read` runs once per revision file, in parallel, and reduces the syntax
//! tree to owned `Op`s (SQL of `op.execute` already split and parsed), so the
//! sequential replay only applies them. What cannot be read statically (a
//! loop or a branch around `op.*` calls, a computed name, SQL built at run
//! time) is an MG205 note in `Upgrade::findings`, and the table it touches,
//! when known, stops being compared column by column (opaque). See
//! docs/alembic.md for the coverage.

mod read;
#[cfg(test)]
mod tests;

use crate::dialect::Dialect;
use crate::findings::Finding;
use crate::migrations::apply::{ColumnChange, Replay, TableRef};
use crate::migrations::sql::statements::{self, Parsed};
use crate::migrations::{Frontend, History};
use crate::models::python::PyFile;
use crate::rules::{Severity, MG205};
use crate::schema::{key, Check, Column, ForeignKey, Index, SqlType, Table};
use crate::source::{Location, SourceFile};

/// The operations of one revision's `upgrade()`, in order, owning their data
/// (no syntax tree): built in parallel at load time, applied in order.
#[derive(Debug, Default)]
pub struct Upgrade {
    /// MG205 notes about what could not be read. `replay_history` reports
    /// them (once, should the loader have copied them into
    /// `History::findings` as well).
    pub findings: Vec<Finding>,
    /// What `upgrade()` does, in order.
    pub ops: Vec<Op>,
}

/// A column type known only when the operation is applied: resolved
/// against the schema replayed so far.
#[derive(Clone, Debug)]
pub struct TypeRef {
    pub column: String,
    pub from: TypeFrom,
}

#[derive(Clone, Debug)]
pub enum TypeFrom {
    /// An existing PostgreSQL enum named without its values
    /// (`postgresql.ENUM(name="status", create_type=False)`).
    Enum(String),
    /// `Column("user_id", ForeignKey("users.id"))` without a type: SQLAlchemy
    /// gives it the referenced column's.
    ForeignKey { table: TableRef, column: String },
}

/// One schema operation of `upgrade()`.
#[derive(Debug)]
pub enum Op {
    /// Start (`begin`) or end of DDL run under an idempotency guard (a
    /// `try` body, an undecidable `if` without other branches, a retry loop).
    Guard {
        begin: bool,
    },
    /// `op.create_table`; `enums` are the named enum types its columns
    /// create (SQLAlchemy emits CREATE TYPE before the table on PostgreSQL).
    CreateTable {
        table: Table,
        if_not_exists: bool,
        enums: Vec<(String, Vec<String>)>,
        type_refs: Vec<TypeRef>,
    },
    DropTable {
        table: TableRef,
        if_exists: bool,
        at: Location,
    },
    RenameTable {
        from: TableRef,
        to: TableRef,
        at: Location,
    },
    /// `op.add_column`, with the indexes, unique constraints and foreign
    /// keys the column declares (Alembic emits them after the column).
    AddColumn {
        table: TableRef,
        column: Column,
        if_not_exists: bool,
        indexes: Vec<Index>,
        foreign_keys: Vec<ForeignKey>,
        enums: Vec<(String, Vec<String>)>,
        type_refs: Vec<TypeRef>,
        at: Location,
    },
    DropColumn {
        table: TableRef,
        column: String,
        if_exists: bool,
        at: Location,
    },
    /// `op.alter_column`: the changes apply to `column`, then the rename.
    AlterColumn {
        table: TableRef,
        column: String,
        changes: Vec<ColumnChange>,
        rename_to: Option<String>,
        enums: Vec<(String, Vec<String>)>,
        at: Location,
    },
    /// `op.create_index`, or with `constraint` `op.create_unique_constraint`
    /// (ADD CONSTRAINT ... UNIQUE, not a CREATE INDEX).
    CreateIndex {
        table: TableRef,
        index: Index,
        concurrently: bool,
        if_not_exists: bool,
        constraint: bool,
        at: Location,
    },
    DropIndex {
        table: Option<TableRef>,
        name: String,
        if_exists: bool,
        at: Location,
    },
    AddForeignKey {
        table: TableRef,
        fk: ForeignKey,
        at: Location,
    },
    AddCheck {
        table: TableRef,
        check: Check,
        at: Location,
    },
    SetPrimaryKey {
        table: TableRef,
        columns: Vec<String>,
        at: Location,
    },
    /// `op.drop_constraint`; `primary` for `type_="primary"`.
    DropConstraint {
        table: TableRef,
        name: String,
        primary: bool,
        at: Location,
    },
    CreateEnum {
        name: String,
        values: Vec<String>,
        at: Location,
    },
    DropEnum {
        name: String,
    },
    /// `op.sync_enum_values`: the enum's values from here on.
    SetEnumValues {
        name: String,
        values: Vec<String>,
        at: Location,
    },
    /// `op.execute` of literal SQL, parsed at read time. `file` is the
    /// revision file, or a copy of it where only the SQL is kept at its
    /// place when the literal is not a plain slice of the source.
    Sql {
        file: SourceFile,
        parsed: Vec<Parsed>,
    },
    /// Something that was not read (its MG205 note is in `findings`): the
    /// table it touches is no longer compared column by column; `creates`
    /// when it may have created that table (or an unknown one).
    Unread {
        table: Option<TableRef>,
        creates: bool,
        at: Location,
    },
}

/// Reads `upgrade()` of a parsed revision file.
pub fn read(file: &PyFile, dialect: Dialect) -> Upgrade {
    read::read(file, dialect)
}

/// Replays one Alembic history into `state`; returns how many tables may
/// have been created under names replay could not read.
pub fn replay_history(state: &mut Replay, history: &History) -> usize {
    let mut unknown_tables = 0;
    // the loader may have passed the notes on in `History::findings` too
    let seen: std::collections::HashSet<(String, Option<Location>)> = history
        .findings
        .iter()
        .map(|f| (f.fingerprint.clone(), f.location.clone()))
        .collect();
    // the base is judged on the first revision that does something: an
    // empty root ("Initial revision", `pass`) only marks where Alembic began
    let mut judged = false;
    for unit in &history.units {
        if let Frontend::Alembic(upgrade) = &unit.frontend {
            state.findings.extend(
                upgrade
                    .findings
                    .iter()
                    .filter(|f| !seen.contains(&(f.fingerprint.clone(), f.location.clone())))
                    .cloned(),
            );
            if !judged && upgrade.ops.iter().any(|op| !matches!(op, Op::Guard { .. })) {
                judged = true;
                if let Some(note) = unseen_base(state, upgrade) {
                    state.findings.push(note);
                    unknown_tables += 1;
                }
            }
            replay_ops(state, &upgrade.ops, &mut unknown_tables);
        }
        state.end_unit();
    }
    unknown_tables
}

fn replay_ops(state: &mut Replay, ops: &[Op], unknown_tables: &mut usize) {
    // findings count where each open guard began
    let mut guards: Vec<usize> = Vec::new();
    for op in ops {
        match op {
            Op::Guard { begin: true } => guards.push(state.findings.len()),
            Op::Guard { begin: false } => {
                if let Some(from) = guards.pop() {
                    drop_guarded_findings(state, from);
                }
            }
            _ => {
                if *unknown_tables > 0 {
                    assume_created(state, op);
                }
                apply(state, op, unknown_tables);
            }
        }
    }
    if let Some(from) = guards.first() {
        drop_guarded_findings(state, *from);
    }
}

/// A history whose first (non-empty) revision alters, or points a foreign key at, a
/// table no revision created starts from a schema made outside Alembic
/// (`db.create_all()` then `alembic stamp head`, a bootstrap script, older
/// migrations squashed away). Returns the note saying so when the first
/// revision shows that: the caller then takes every table the history
/// needs and never saw as existing with unknown columns, and a model table
/// no revision creates as one of that base's. Decided on a trial replay,
/// guards ignored: a guard around DDL on a table that is not there is the
/// same evidence.
fn unseen_base(state: &Replay, upgrade: &Upgrade) -> Option<Finding> {
    let mut trial = state.clone();
    let from = trial.findings.len();
    let mut none = 0;
    for op in &upgrade.ops {
        if !matches!(op, Op::Guard { .. }) {
            apply(&mut trial, op, &mut none);
        }
    }
    let missing = trial
        .findings
        .get(from..)
        .unwrap_or_default()
        .iter()
        .find(|f| f.rule.id == "MG201")
        .map(|f| (f.table.clone().unwrap_or_default(), f.location.clone()));
    let dangling = || {
        trial.schema.tables.values().find_map(|t| {
            t.foreign_keys.iter().find_map(|fk| {
                let default_schema = fk
                    .ref_schema
                    .as_deref()
                    .is_none_or(|s| matches!(key(s).as_str(), "public" | "main" | "dbo"));
                let target = TableRef::new(None, &fk.ref_table);
                (default_schema
                    && trial.table(&target).is_none()
                    && !trial.dropped_tables.contains_key(&target.key()))
                .then(|| (fk.ref_table.clone(), Some(fk.location.clone())))
            })
        })
    };
    let (table, at) = missing.or_else(dangling)?;
    let mut note = Finding::new(
        &MG205,
        None,
        None,
        "alembic-unseen-base",
        format!(
            "the first revision needs table `{table}`, which no revision creates: the history starts from a schema made outside Alembic (`create_all()`, a bootstrap script); tables it never creates are taken as existing and not compared column by column, and a model table no revision creates is not reported missing"
        ),
    )
    .severity(Severity::Note)
    .label("history starts here");
    if let Some(at) = at {
        note = note.at(at);
    }
    Some(note)
}

/// Guarded DDL (`try`/`except`, `if not exists(...)`) is written for a
/// database that may already have, or lack, what it touches: what replay
/// would say about that (MG201-MG203) is what the guard handles.
fn drop_guarded_findings(state: &mut Replay, from: usize) {
    if from > state.findings.len() {
        return;
    }
    let tail = state.findings.split_off(from);
    state.findings.extend(
        tail.into_iter()
            .filter(|f| !matches!(f.rule.id, "MG201" | "MG202" | "MG203")),
    );
}

/// Once something created tables under names replay could not read
/// (`metadata.create_all()`, a computed `create_table`), a table an
/// operation needs and replay never saw may be one of them: it is taken as
/// existing with unknown columns (opaque) rather than reported missing
/// (MG201). A table dropped earlier is still reported.
fn assume_created(state: &mut Replay, op: &Op) {
    let (table, at) = match op {
        Op::DropTable { table, at, .. }
        | Op::AddColumn { table, at, .. }
        | Op::DropColumn { table, at, .. }
        | Op::AlterColumn { table, at, .. }
        | Op::CreateIndex { table, at, .. }
        | Op::AddForeignKey { table, at, .. }
        | Op::AddCheck { table, at, .. }
        | Op::SetPrimaryKey { table, at, .. }
        | Op::DropConstraint { table, at, .. } => (table, at),
        Op::RenameTable { from, at, .. } => (from, at),
        Op::DropIndex {
            table: Some(table),
            at,
            ..
        } => (table, at),
        _ => return,
    };
    if state.table(table).is_none() && !state.dropped_tables.contains_key(&table.key()) {
        state.create_opaque_table(table, true, false, at);
    }
}

fn create_enums(state: &mut Replay, enums: &[(String, Vec<String>)], at: &Location) {
    for (name, values) in enums {
        // `create_type=False` columns name a type made earlier; SQLAlchemy's
        // own CREATE TYPE is `checkfirst`
        if state.enum_type(name).is_none() {
            state.create_enum(name, values.clone(), at);
        }
    }
}

fn resolve_type_refs(
    state: &Replay,
    columns: &mut [Column],
    refs: &[TypeRef],
    own: Option<&TableRef>,
) {
    for r in refs {
        let ty = match &r.from {
            TypeFrom::Enum(name) => state.enum_type(name),
            TypeFrom::ForeignKey { table, column }
                if own.is_some_and(|o| o.key() == table.key()) =>
            {
                columns
                    .iter()
                    .find(|c| key(&c.name) == key(column))
                    .map(|c| c.ty.clone())
            }
            TypeFrom::ForeignKey { table, column } => state
                .table(table)
                .and_then(|t| t.column(column))
                .map(|c| c.ty.clone()),
        };
        if let Some(ty) = ty {
            if let Some(c) = columns.iter_mut().find(|c| key(&c.name) == key(&r.column)) {
                c.ty = ty;
            }
        }
    }
}

fn apply(state: &mut Replay, op: &Op, unknown_tables: &mut usize) {
    match op {
        Op::Guard { .. } => {}
        Op::CreateTable {
            table,
            if_not_exists,
            enums,
            type_refs,
        } => {
            create_enums(state, enums, &table.location);
            let mut table = table.clone();
            let own = TableRef::new(table.schema.as_deref(), &table.name);
            resolve_type_refs(state, &mut table.columns, type_refs, Some(&own));
            state.create_table(table, *if_not_exists, false);
        }
        Op::DropTable {
            table,
            if_exists,
            at,
        } => state.drop_table(table, *if_exists, at),
        Op::RenameTable { from, to, at } => state.rename_table(from, to, at),
        Op::AddColumn {
            table,
            column,
            if_not_exists,
            indexes,
            foreign_keys,
            enums,
            type_refs,
            at,
        } => {
            create_enums(state, enums, at);
            let mut column = vec![column.clone()];
            resolve_type_refs(state, &mut column, type_refs, None);
            let Some(column) = column.pop() else { return };
            let existed = state
                .table(table)
                .is_some_and(|t| t.column(&column.name).is_some());
            state.add_column(table, column, *if_not_exists, at);
            if existed && *if_not_exists {
                return;
            }
            for ix in indexes {
                let mut ix = ix.clone();
                if ix.name.is_none() && ix.unique {
                    // `unique=True` without `index=True`: ADD UNIQUE (...)
                    ix.name = unique_name(state, table, &ix.columns);
                    state.add_unique_constraint(table, ix, at);
                } else {
                    state.create_index(table, ix, false, at);
                }
            }
            for fk in foreign_keys {
                let mut fk = fk.clone();
                name_foreign_key(state, table, &mut fk);
                state.add_foreign_key(table, fk, at);
            }
        }
        Op::DropColumn {
            table,
            column,
            if_exists,
            at,
        } => state.drop_column(table, column, *if_exists, at),
        Op::AlterColumn {
            table,
            column,
            changes,
            rename_to,
            enums,
            at,
        } => {
            create_enums(state, enums, at);
            for c in changes {
                state.alter_column(table, column, c.clone(), at);
            }
            if let Some(new) = rename_to {
                state.rename_column(table, column, new, at);
            }
        }
        Op::CreateIndex {
            table,
            index,
            concurrently,
            if_not_exists,
            constraint,
            at,
        } => {
            let mut index = index.clone();
            if index.name.is_none() && index.unique {
                index.name = unique_name(state, table, &index.columns);
            }
            if *constraint {
                state.add_unique_constraint(table, index, at)
            } else if *concurrently {
                state.create_index_concurrently(table, index, *if_not_exists, at)
            } else {
                state.create_index(table, index, *if_not_exists, at)
            }
        }
        Op::DropIndex {
            table,
            name,
            if_exists,
            at,
        } => state.drop_index(table.as_ref(), name, *if_exists, at),
        Op::AddForeignKey { table, fk, at } => {
            let mut fk = fk.clone();
            name_foreign_key(state, table, &mut fk);
            state.add_foreign_key(table, fk, at);
        }
        Op::AddCheck { table, check, at } => state.add_check(table, check.clone(), at),
        Op::SetPrimaryKey { table, columns, at } => {
            state.set_primary_key(table, columns.clone(), at)
        }
        Op::DropConstraint {
            table,
            name,
            primary,
            at,
        } => {
            if *primary {
                state.drop_primary_key(table, at);
                return;
            }
            statements::drop_column_unique(state, table, name, at);
            state.drop_constraint(table, name, at);
        }
        Op::CreateEnum { name, values, at } => {
            if state.enum_type(name).is_none() {
                state.create_enum(name, values.clone(), at);
            }
        }
        Op::DropEnum { name } => state.drop_enum(name),
        Op::SetEnumValues { name, values, at } => state.set_enum_values(name, values, at),
        Op::Sql { file, parsed } => statements::apply_parsed(state, file, parsed.clone()),
        Op::Unread { table, creates, at } => match table {
            Some(t) if *creates && state.table(t).is_none() => {
                state.create_opaque_table(t, true, false, at)
            }
            Some(t) => state.mark_opaque(t),
            None if *creates => *unknown_tables += 1,
            None => {}
        },
    }
}

/// PostgreSQL's name for an unnamed unique constraint (`<table>_<cols>_key`),
/// so a later `op.drop_constraint` by that name finds it.
fn unique_name(state: &Replay, t: &TableRef, columns: &[String]) -> Option<String> {
    let table = state.table(t)?;
    statements::implicit_index_name(state.dialect, table, columns, "key")
}

fn name_foreign_key(state: &Replay, t: &TableRef, fk: &mut ForeignKey) {
    if let Some(table) = state.table(t) {
        statements::name_foreign_key(state.dialect, table, fk);
    }
}

/// A type that is not compared (a project's own `TypeDecorator`, an
/// expression): the column exists, its type is unknown.
pub(super) fn unknown_type() -> SqlType {
    SqlType::Other("unknown".into())
}
