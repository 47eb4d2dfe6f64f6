//! MG301-MG305: is a migration safe to run against a live database with the
//! previous version of the application still serving? Replay (`migrations::
//! apply`) records per migration unit what happened to the tables that
//! existed before the unit (`UnitFacts`); `resolve` turns those facts into
//! findings when the unit ends. Scope later keeps only the findings on
//! migrations the change adds.
//!
//! Everything here prefers silence: a table created in the same unit is
//! nobody's concern yet, a rebuild (new table, copy, drop, rename) is not a
//! drop, and a type change whose cost is unclear is not reported.

use crate::dialect::Dialect;
use crate::findings::Finding;
use crate::rules::{self, Rule};
use crate::schema::{key, Column, SqlType, Table};
use crate::source::Location;
use std::collections::{BTreeMap, BTreeSet};

/// One thing a unit did to a table that existed before it.
#[derive(Clone, Debug)]
pub enum Fact {
    AddColumn {
        table: String,
        column: Column,
    },
    DropColumn {
        table: String,
        column: String,
        at: Location,
    },
    DropTable {
        table: String,
        columns: Vec<String>,
        at: Location,
    },
    RenameTable {
        from: String,
        to: String,
        columns: Vec<String>,
        at: Location,
    },
    RenameColumn {
        table: String,
        from: String,
        to: String,
        at: Location,
    },
    TypeChange {
        table: String,
        column: String,
        old: SqlType,
        new: SqlType,
        at: Location,
    },
    /// CREATE INDEX without CONCURRENTLY.
    BlockingIndex {
        table: String,
        name: Option<String>,
        columns: Vec<String>,
        unique: bool,
        at: Location,
    },
}

/// What the current unit did, and which tables and columns it made itself.
#[derive(Clone, Debug, Default)]
pub struct UnitFacts {
    /// Each fact with its table's key at the start of the unit (renames
    /// keep it).
    facts: Vec<(String, Fact)>,
    /// Current keys of tables created in this unit.
    new_tables: BTreeSet<String>,
    /// Current key -> key at the start of the unit, for tables renamed in it.
    renamed: BTreeMap<String, String>,
    /// (origin, column key) of columns added in this unit.
    new_columns: BTreeSet<(String, String)>,
    /// Where each table a fact is about was created (by an earlier unit).
    created: BTreeMap<String, Location>,
}

/// The message of the related location that says where a finding's table
/// was created: scope drops safety findings on a table that a migration of
/// the same change created (it is empty in production).
const CREATED_HERE: &str = "is created here";

/// Where the table of a safety finding was created, when the finding says.
pub fn table_created_at(f: &Finding) -> Option<&Location> {
    f.related
        .iter()
        .find(|r| r.message.ends_with(CREATED_HERE))
        .map(|r| &r.location)
}

impl UnitFacts {
    pub fn is_new_table(&self, k: &str) -> bool {
        self.new_tables.contains(k)
    }

    /// The key the table under `k` had when the unit started.
    fn origin(&self, k: &str) -> String {
        self.renamed
            .get(k)
            .cloned()
            .unwrap_or_else(|| k.to_string())
    }

    /// Whether `column` of the pre-existing table under `k` was there before the unit.
    pub fn is_old_column(&self, k: &str, column: &str) -> bool {
        !self.is_new_table(k) && !self.new_columns.contains(&(self.origin(k), key(column)))
    }

    pub fn table_created(&mut self, k: &str) {
        self.new_tables.insert(k.to_string());
    }

    pub fn table_dropped(&mut self, k: &str) {
        self.new_tables.remove(k);
        self.renamed.remove(k);
    }

    pub fn table_renamed(&mut self, from: &str, to: &str) {
        if self.new_tables.remove(from) {
            self.new_tables.insert(to.to_string());
            return;
        }
        let origin = self
            .renamed
            .remove(from)
            .unwrap_or_else(|| from.to_string());
        self.renamed.insert(to.to_string(), origin);
    }

    pub fn column_added(&mut self, k: &str, column: &str) {
        if !self.is_new_table(k) {
            self.new_columns.insert((self.origin(k), key(column)));
        }
    }

    pub fn column_renamed(&mut self, k: &str, from: &str, to: &str) {
        let origin = self.origin(k);
        if self.new_columns.remove(&(origin.clone(), key(from))) {
            self.new_columns.insert((origin, key(to)));
        }
    }

    /// Records `fact` about the table under `k`, created at `created`.
    pub fn push(&mut self, k: &str, created: &Location, fact: Fact) {
        let origin = self.origin(k);
        self.created
            .entry(origin.clone())
            .or_insert_with(|| created.clone());
        self.facts.push((origin, fact));
    }

    /// How many facts so far, to forget those of statements whose effect is
    /// conditional (the DDL of a `DO` block).
    pub fn len(&self) -> usize {
        self.facts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.facts.is_empty()
    }

    pub fn truncate(&mut self, n: usize) {
        self.facts.truncate(n);
    }
}

/// The language help texts are written in, from the migration's file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Lang {
    Sql,
    Alembic,
}

fn lang_of(path: &str) -> Lang {
    if path.ends_with(".py") {
        Lang::Alembic
    } else {
        Lang::Sql
    }
}

fn finding(
    rule: &'static Rule,
    at: &Location,
    table: &str,
    column: Option<&str>,
    message: String,
) -> Finding {
    let mut f = Finding::new(rule, Some(table), column, "safety", message).at(at.clone());
    let subject = match column {
        Some(c) => format!("{}.{}", key(table), key(c)),
        None => key(table),
    };
    f.fingerprint = format!("{}::{}::{subject}", rule.id, at.path);
    f
}

/// The findings of one finished unit. `table_at(k)` is the table under key
/// `k` at the end of the unit.
pub fn resolve<'a>(
    unit: UnitFacts,
    dialect: Dialect,
    table_at: impl Fn(&str) -> Option<&'a Table>,
) -> Vec<Finding> {
    if unit.facts.is_empty() {
        return Vec::new();
    }
    // A pre-existing table dropped or renamed away, with a table made in this
    // unit standing under its name at the end: a rebuild, not a drop.
    let rebuilt = |origin: &str| unit.new_tables.contains(origin);
    let dropped: BTreeSet<&str> = unit
        .facts
        .iter()
        .filter_map(|(origin, f)| match f {
            Fact::DropTable { .. } if !rebuilt(origin) => Some(origin.as_str()),
            _ => None,
        })
        .collect();
    let mut out = Vec::new();
    let mut seen_origin: BTreeSet<&str> = BTreeSet::new();
    for (origin, fact) in &unit.facts {
        let origin = origin.as_str();
        let gone = dropped.contains(origin);
        let before = out.len();
        let rebuild = rebuilt(origin);
        match fact {
            Fact::DropTable {
                table, columns, at, ..
            }
            | Fact::RenameTable {
                from: table,
                columns,
                at,
                ..
            } if rebuilt(origin) => {
                if !seen_origin.insert(origin) {
                    continue;
                }
                if let Some(new) = table_at(origin) {
                    for c in columns.iter().filter(|c| new.column(c).is_none()) {
                        out.push(lost_column(table, c, new, at));
                    }
                }
            }
            Fact::DropTable { table, at, .. } => {
                out.push(drop_table(table, at));
            }
            _ if gone => {}
            Fact::RenameTable { from, to, at, .. } => {
                if seen_origin.insert(origin) {
                    out.push(rename_table(from, to, at));
                }
            }
            Fact::AddColumn { table, column, .. } => {
                if let Some(f) = not_null_without_default(table, column, dialect) {
                    out.push(f);
                }
            }
            Fact::DropColumn {
                table, column, at, ..
            } => out.push(drop_column(table, column, at)),
            Fact::RenameColumn {
                table,
                from,
                to,
                at,
                ..
            } => out.push(rename_column(table, from, to, at)),
            Fact::TypeChange {
                table,
                column,
                old,
                new,
                at,
                ..
            } => {
                if let Some(risk) = type_change_risk(old, new, dialect) {
                    out.push(type_change(table, column, old, new, risk, at, dialect));
                }
            }
            Fact::BlockingIndex {
                table,
                name,
                columns,
                unique,
                at,
                ..
            } => {
                if dialect == Dialect::Postgresql {
                    out.push(blocking_index(table, name.as_deref(), columns, *unique, at));
                }
            }
        }
        if let (false, Some(created)) = (rebuild, unit.created.get(origin)) {
            // SQLite refuses the NOT NULL add even on a table just created
            let empty_table_matters =
                |f: &Finding| dialect == Dialect::Sqlite && std::ptr::eq(f.rule, &rules::MG301);
            for f in out
                .iter_mut()
                .skip(before)
                .filter(|f| !empty_table_matters(f))
            {
                if f.location.as_ref().map(|l| &l.path) != Some(&created.path) {
                    let table = f.table.clone().unwrap_or_default();
                    f.related.push(crate::findings::Related {
                        location: created.clone(),
                        message: format!("`{table}` {CREATED_HERE}"),
                    });
                }
            }
        }
    }
    out
}

// ---- MG301 -----------------------------------------------------------------

fn not_null_without_default(table: &str, column: &Column, dialect: Dialect) -> Option<Finding> {
    if column.nullable || column.default.is_some() || column.autoincrement {
        return None;
    }
    // MySQL fills existing rows with the type's implicit default (0, '').
    if dialect == Dialect::Mysql {
        return None;
    }
    let c = &column.name;
    let ty = column.ty.to_sql(dialect);
    let at = &column.location;
    let message = if dialect == Dialect::Sqlite {
        format!(
            "adds NOT NULL column `{table}.{c}` without a default: SQLite refuses this even when `{table}` is empty"
        )
    } else {
        format!(
            "adds NOT NULL column `{table}.{c}` without a default to existing table `{table}`: the migration fails as soon as `{table}` has rows"
        )
    };
    let help = match (lang_of(&at.path), dialect) {
        (Lang::Alembic, _) => format!(
            "add it nullable, fill it, then set NOT NULL:\n\
             op.add_column(\"{table}\", sa.Column(\"{c}\", sa.{sa}, nullable=True))\n\
             op.execute(\"UPDATE {table} SET {c} = ... WHERE {c} IS NULL\")\n\
             op.alter_column(\"{table}\", \"{c}\", nullable=False)\n\
             or give it a default: sa.Column(\"{c}\", sa.{sa}, nullable=False, server_default=...)",
            sa = sa_type(column)
        ),
        (Lang::Sql, Dialect::Sqlite) => format!(
            "give it a default: ALTER TABLE {table} ADD COLUMN {c} {ty} NOT NULL DEFAULT <value>;\n\
             or add it nullable (ALTER TABLE {table} ADD COLUMN {c} {ty};), or rebuild the table \
             (create the new table, copy the rows, drop the old one, rename the new one)"
        ),
        (Lang::Sql, _) => format!(
            "add it nullable, fill it, then set NOT NULL:\n\
             ALTER TABLE {table} ADD COLUMN {c} {ty};\n\
             UPDATE {table} SET {c} = ... WHERE {c} IS NULL;\n\
             ALTER TABLE {table} ALTER COLUMN {c} SET NOT NULL;\n\
             or give it a default: ALTER TABLE {table} ADD COLUMN {c} {ty} NOT NULL DEFAULT <value>;"
        ),
    };
    Some(
        finding(&rules::MG301, at, table, Some(c), message)
            .label("NOT NULL without a default")
            .help(help),
    )
}

fn sa_type(column: &Column) -> String {
    crate::models::declare::type_decl(crate::discover::ModelKind::Sqlalchemy, column)
}

// ---- MG302 -----------------------------------------------------------------

const DEPLOY: &str = "the version of the application still running during the deploy";

fn contract_help(what: &str, at: &Location) -> String {
    match lang_of(&at.path) {
        Lang::Alembic => format!(
            "first release an application version that no longer uses {what}, then drop it in a later migration; \
             if the data is still needed, copy it first (op.execute(\"...\"))"
        ),
        Lang::Sql => format!(
            "first release an application version that no longer uses {what}, then drop it in a later migration \
             (expand/contract); if the data is still needed, copy it first"
        ),
    }
}

fn drop_table(table: &str, at: &Location) -> Finding {
    finding(
        &rules::MG302,
        at,
        table,
        None,
        format!("drops table `{table}` and its data; {DEPLOY} may still use it"),
    )
    .label("drops the table")
    .help(contract_help(&format!("`{table}`"), at))
}

fn drop_column(table: &str, column: &str, at: &Location) -> Finding {
    finding(
        &rules::MG302,
        at,
        table,
        Some(column),
        format!(
            "drops column `{table}.{column}` and its data; {DEPLOY} may still read or write it"
        ),
    )
    .label("drops the column")
    .help(contract_help(&format!("`{table}.{column}`"), at))
}

fn lost_column(table: &str, column: &str, new: &Table, dropped_at: &Location) -> Finding {
    let at = &new.location;
    finding(
        &rules::MG302,
        at,
        table,
        Some(column),
        format!("rebuilds `{table}` without column `{column}`: its data is lost"),
    )
    .label(format!("the new `{table}` has no `{column}`"))
    .related(
        dropped_at.clone(),
        format!("the old `{table}` goes away here"),
    )
    .help(format!(
        "keep `{column}` in the new table and copy it, or drop it deliberately in a later \
         migration once no running version uses it"
    ))
}

// ---- MG303 -----------------------------------------------------------------

fn rename_table(from: &str, to: &str, at: &Location) -> Finding {
    let help = match lang_of(&at.path) {
        Lang::Alembic => format!(
            "expand/contract: op.create_table(\"{to}\", ...) and copy or sync the rows, release a version \
             that uses `{to}`, then op.drop_table(\"{from}\") in a later migration; or make the old name \
             keep working: op.execute(\"CREATE VIEW {from} AS SELECT * FROM {to}\")"
        ),
        Lang::Sql => format!(
            "expand/contract: create `{to}` and copy or sync the rows, release a version that uses `{to}`, \
             then drop `{from}` in a later migration; or keep the old name working for a release: \
             CREATE VIEW {from} AS SELECT * FROM {to};"
        ),
    };
    finding(
        &rules::MG303,
        at,
        from,
        None,
        format!("renames table `{from}` to `{to}`; {DEPLOY} still uses `{from}`"),
    )
    .label(format!("renamed to `{to}`"))
    .help(help)
}

fn rename_column(table: &str, from: &str, to: &str, at: &Location) -> Finding {
    let help = match lang_of(&at.path) {
        Lang::Alembic => format!(
            "expand/contract: op.add_column(\"{table}\", sa.Column(\"{to}\", ...)), write both columns and \
             backfill `{to}`, release a version that reads `{to}`, then op.drop_column(\"{table}\", \"{from}\") \
             in a later migration"
        ),
        Lang::Sql => format!(
            "expand/contract: ALTER TABLE {table} ADD COLUMN {to} ...; write both columns and backfill `{to}`, \
             release a version that reads `{to}`, then ALTER TABLE {table} DROP COLUMN {from}; in a later migration"
        ),
    };
    finding(
        &rules::MG303,
        at,
        table,
        Some(from),
        format!("renames column `{table}.{from}` to `{to}`; {DEPLOY} still uses `{from}`"),
    )
    .label(format!("renamed to `{to}`"))
    .help(help)
}

// ---- MG304 -----------------------------------------------------------------

/// Why a type change is risky.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TypeRisk {
    /// Existing values may not fit.
    Narrowing,
    /// The database rewrites (PostgreSQL) or copies (MySQL) the whole table
    /// under a lock.
    Rewrite,
}

/// Whether `old -> new` is a risky change in `dialect`; None when it is
/// safe or its cost is unclear.
fn type_change_risk(old: &SqlType, new: &SqlType, dialect: Dialect) -> Option<TypeRisk> {
    use SqlType::*;
    // SQLite has no ALTER COLUMN TYPE, ignores lengths and converts nothing.
    if dialect == Dialect::Sqlite || old == new {
        return None;
    }
    if matches!(old, Other(_)) || matches!(new, Other(_)) {
        return None;
    }
    if narrows(old, new) == Some(true) {
        return Some(TypeRisk::Narrowing);
    }
    match dialect {
        Dialect::Sqlite => None,
        Dialect::Postgresql => pg_rewrites(old, new).then_some(TypeRisk::Rewrite),
        Dialect::Mysql => mysql_copies(old, new).then_some(TypeRisk::Rewrite),
    }
}

/// For changes inside one kind of type: Some(true) when values may no longer
/// fit, Some(false) when they all do, None across kinds.
fn narrows(old: &SqlType, new: &SqlType) -> Option<bool> {
    use SqlType::*;
    Some(match (old, new) {
        (Integer { bytes: a }, Integer { bytes: b }) => b < a,
        (Float { double: a }, Float { double: b }) => *a && !*b,
        (
            Decimal {
                precision: p1,
                scale: s1,
            },
            Decimal {
                precision: p2,
                scale: s2,
            },
        ) => match (p1, p2) {
            (_, None) => false,
            (None, Some(_)) => true,
            (Some(a), Some(b)) => b < a || s2.unwrap_or(0) < s1.unwrap_or(0),
        },
        (String { len: a, .. }, String { len: b, .. }) => match (a, b) {
            (_, None) => false,
            (None, Some(_)) => true,
            (Some(a), Some(b)) => b < a,
        },
        (Text, String { len: Some(_), .. }) => true,
        (Text, String { len: None, .. }) | (String { .. }, Text) => false,
        (Binary { len: a }, Binary { len: b }) => match (a, b) {
            (_, None) => false,
            (None, Some(_)) => true,
            (Some(a), Some(b)) => b < a,
        },
        (Enum { values: a, .. }, Enum { values: b, .. }) => a.iter().any(|v| !b.contains(v)),
        _ => return None,
    })
}

/// PostgreSQL rewrites the table for every type change except the binary
/// coercible ones: varchar widening, varchar <-> text, numeric precision up
/// with the same scale (or unconstrained). Timestamp <-> timestamptz may or
/// may not rewrite (it depends on the session time zone): not reported.
fn pg_rewrites(old: &SqlType, new: &SqlType) -> bool {
    use SqlType::*;
    match (old, new) {
        (String { fixed: false, .. } | Text, String { fixed: false, .. } | Text) => false,
        (
            String {
                fixed: true,
                len: a,
            },
            String {
                fixed: true,
                len: b,
            },
        ) => a != b && b.is_some(),
        // char <-> varchar/text, json -> text: casts whose cost is unclear
        (String { .. } | Text, String { .. } | Text) => false,
        (Json { binary: false }, String { fixed: false, .. } | Text) => false,
        (
            Decimal {
                precision: _,
                scale: s1,
            },
            Decimal {
                precision: p2,
                scale: s2,
            },
        ) => p2.is_some() && s1.unwrap_or(0) != s2.unwrap_or(0),
        (Timestamp { .. }, Timestamp { .. }) | (Time { .. }, Time { .. }) => false,
        (Binary { .. }, Binary { .. }) => false,
        // the same named type with other values: ALTER TYPE did that
        (Enum { name: Some(a), .. }, Enum { name: Some(b), .. }) => key(a) != key(b),
        (Enum { name: None, .. }, _) | (_, Enum { name: None, .. }) => false,
        (Array(a), Array(b)) => pg_rewrites(a, b),
        _ => true,
    }
}

/// MySQL copies the table (ALGORITHM=COPY, writes blocked) for a type
/// change other than widening a VARCHAR or appending ENUM values.
fn mysql_copies(old: &SqlType, new: &SqlType) -> bool {
    use SqlType::*;
    match (old, new) {
        (String { fixed: false, .. }, String { fixed: false, .. }) => false,
        (Enum { values: a, .. }, Enum { values: b, .. }) => !b.starts_with(a),
        _ => true,
    }
}

fn type_change(
    table: &str,
    column: &str,
    old: &SqlType,
    new: &SqlType,
    risk: TypeRisk,
    at: &Location,
    dialect: Dialect,
) -> Finding {
    let (o, n) = (old.to_sql(dialect), new.to_sql(dialect));
    let message = match (risk, dialect) {
        (TypeRisk::Narrowing, _) => format!(
            "narrows `{table}.{column}` from {o} to {n}: existing values that do not fit make the migration fail (or are cut)"
        ),
        (TypeRisk::Rewrite, Dialect::Mysql) => format!(
            "changes `{table}.{column}` from {o} to {n}: MySQL copies the whole table and blocks writes meanwhile"
        ),
        (TypeRisk::Rewrite, _) => format!(
            "changes `{table}.{column}` from {o} to {n}: PostgreSQL rewrites the whole table under an exclusive lock"
        ),
    };
    let help = match lang_of(&at.path) {
        Lang::Alembic => format!(
            "expand/contract: op.add_column(\"{table}\", sa.Column(\"{column}_new\", ...)) of the new type, \
             backfill it in batches, switch the application to it, then drop `{column}` in a later migration"
        ),
        Lang::Sql => format!(
            "expand/contract: ALTER TABLE {table} ADD COLUMN {column}_new {n}; backfill it in batches, \
             switch the application to it, then drop `{column}` in a later migration"
        ),
    };
    finding(&rules::MG304, at, table, Some(column), message)
        .label(format!("{o} -> {n}"))
        .help(help)
}

// ---- MG305 -----------------------------------------------------------------

fn blocking_index(
    table: &str,
    name: Option<&str>,
    columns: &[String],
    unique: bool,
    at: &Location,
) -> Finding {
    let cols = columns.join(", ");
    let what = if unique { "UNIQUE INDEX" } else { "INDEX" };
    let named = name.map(|n| format!("{n} ")).unwrap_or_default();
    let help = match lang_of(&at.path) {
        Lang::Alembic => format!(
            "build it concurrently, outside the migration's transaction:\n\
             with op.get_context().autocommit_block():\n    \
             op.create_index({:?}, \"{table}\", [{}], unique={}, postgresql_concurrently=True)",
            name.unwrap_or("ix_name"),
            columns
                .iter()
                .map(|c| format!("{c:?}"))
                .collect::<Vec<_>>()
                .join(", "),
            if unique { "True" } else { "False" },
        ),
        Lang::Sql => format!(
            "CREATE {what} CONCURRENTLY {named}ON {table} ({cols}); \
             (outside a transaction: most migration tools need it in a migration of its own, \
             marked as not transactional)"
        ),
    };
    let mut f = finding(
        &rules::MG305,
        at,
        table,
        None,
        format!(
            "builds an index on existing table `{table}` without CONCURRENTLY: writes to `{table}` are blocked until it is built"
        ),
    )
    .label("blocks writes while the index builds")
    .help(help);
    f.fingerprint = format!(
        "MG305::{}::{}.{}",
        at.path,
        key(table),
        name.map(key).unwrap_or_else(|| cols.to_ascii_lowercase())
    );
    f
}

#[cfg(test)]
mod tests {
    use super::*;
    use SqlType::*;

    fn varchar(n: u32) -> SqlType {
        String {
            len: Some(n),
            fixed: false,
        }
    }

    fn int(bytes: u8) -> SqlType {
        Integer { bytes }
    }

    fn num(p: Option<u32>, s: Option<u32>) -> SqlType {
        Decimal {
            precision: p,
            scale: s,
        }
    }

    const PG: Dialect = Dialect::Postgresql;
    const MY: Dialect = Dialect::Mysql;
    const LITE: Dialect = Dialect::Sqlite;

    #[test]
    fn narrowing_in_every_dialect_that_enforces_it() {
        for d in [PG, MY] {
            let narrow = Some(TypeRisk::Narrowing);
            assert_eq!(type_change_risk(&varchar(100), &varchar(50), d), narrow);
            assert_eq!(type_change_risk(&int(8), &int(4), d), narrow);
            assert_eq!(type_change_risk(&Text, &varchar(20), d), narrow);
            assert_eq!(
                type_change_risk(&num(Some(12), Some(2)), &num(Some(10), Some(2)), d),
                narrow
            );
            assert_eq!(
                type_change_risk(&num(Some(12), Some(4)), &num(Some(12), Some(2)), d),
                narrow
            );
            assert_eq!(
                type_change_risk(&Float { double: true }, &Float { double: false }, d),
                narrow
            );
        }
        // SQLite ignores lengths and has no ALTER COLUMN TYPE
        assert_eq!(type_change_risk(&varchar(100), &varchar(50), LITE), None);
        assert_eq!(type_change_risk(&int(8), &Text, LITE), None);
    }

    #[test]
    fn postgresql_rewrites_except_binary_coercible_changes() {
        let rewrite = Some(TypeRisk::Rewrite);
        assert_eq!(type_change_risk(&varchar(50), &varchar(100), PG), None);
        assert_eq!(type_change_risk(&varchar(50), &Text, PG), None);
        assert_eq!(
            type_change_risk(
                &varchar(50),
                &String {
                    len: None,
                    fixed: false
                },
                PG
            ),
            None
        );
        assert_eq!(
            type_change_risk(&num(Some(10), Some(2)), &num(Some(12), Some(2)), PG),
            None
        );
        assert_eq!(
            type_change_risk(&num(Some(10), Some(2)), &num(None, None), PG),
            None
        );
        assert_eq!(
            type_change_risk(&num(Some(10), Some(2)), &num(Some(14), Some(4)), PG),
            rewrite
        );
        assert_eq!(type_change_risk(&int(4), &int(8), PG), rewrite);
        assert_eq!(type_change_risk(&varchar(36), &Uuid, PG), rewrite);
        assert_eq!(
            type_change_risk(&Json { binary: false }, &Json { binary: true }, PG),
            rewrite
        );
        // depends on the session time zone: silent
        assert_eq!(
            type_change_risk(&Timestamp { tz: false }, &Timestamp { tz: true }, PG),
            None
        );
        assert_eq!(
            type_change_risk(&Other("citext".into()), &Text, PG),
            None,
            "unknown types stay silent"
        );
        assert_eq!(type_change_risk(&int(4), &int(4), PG), None);
        let char10 = String {
            len: Some(10),
            fixed: true,
        };
        assert_eq!(type_change_risk(&char10, &Text, PG), None);
        assert_eq!(type_change_risk(&Json { binary: false }, &Text, PG), None);
    }

    #[test]
    fn mysql_copies_except_varchar_widening_and_enum_append() {
        let rewrite = Some(TypeRisk::Rewrite);
        assert_eq!(type_change_risk(&varchar(50), &varchar(100), MY), None);
        assert_eq!(type_change_risk(&int(4), &int(8), MY), rewrite);
        assert_eq!(type_change_risk(&varchar(50), &Text, MY), rewrite);
        let e = |v: &[&str]| Enum {
            name: None,
            values: v.iter().map(|s| s.to_string()).collect(),
        };
        assert_eq!(
            type_change_risk(&e(&["a", "b"]), &e(&["a", "b", "c"]), MY),
            None
        );
        assert_eq!(
            type_change_risk(&e(&["a", "b"]), &e(&["a"]), MY),
            Some(TypeRisk::Narrowing)
        );
        assert_eq!(
            type_change_risk(&e(&["a", "b"]), &e(&["b", "a"]), MY),
            rewrite
        );
    }

    fn loc(path: &str, line: u32) -> Location {
        Location::line(path, line)
    }

    fn col(name: &str, nullable: bool, default: Option<&str>, line: u32, path: &str) -> Column {
        let mut c = Column::new(name, varchar(20), loc(path, line));
        c.nullable = nullable;
        c.default = default.map(crate::schema::DefaultValue::new);
        c
    }

    fn add(unit: &mut UnitFacts, column: Column) {
        unit.push(
            "jobs",
            &loc("m/0001.sql", 1),
            Fact::AddColumn {
                table: "jobs".into(),
                column,
            },
        );
    }

    fn ids(findings: &[Finding]) -> Vec<std::string::String> {
        findings
            .iter()
            .map(|f| format!("{} {}", f.rule.id, f.fingerprint))
            .collect()
    }

    #[test]
    fn not_null_without_default_per_dialect() {
        let p = "migrations/0002.sql";
        let mut unit = UnitFacts::default();
        add(&mut unit, col("a", false, None, 3, p));
        add(&mut unit, col("b", false, Some("''"), 4, p));
        add(&mut unit, col("c", true, None, 5, p));
        let mut serial = col("d", false, None, 6, p);
        serial.autoincrement = true;
        add(&mut unit, serial);
        let none = |_: &str| None;
        let pg = resolve(unit.clone(), PG, none);
        assert_eq!(ids(&pg), ["MG301 MG301::migrations/0002.sql::jobs.a"]);
        assert!(pg[0].message.contains("has rows"), "{}", pg[0].message);
        assert!(pg[0].help.as_deref().unwrap_or("").contains("SET NOT NULL"));
        let lite = resolve(unit.clone(), LITE, none);
        assert!(lite[0].message.contains("even when"), "{}", lite[0].message);
        assert!(resolve(unit, MY, none).is_empty());

        let mut alembic = UnitFacts::default();
        add(
            &mut alembic,
            col("a", false, None, 9, "alembic/versions/x.py"),
        );
        let f = resolve(alembic, PG, none);
        let help = f[0].help.as_deref().unwrap_or("");
        assert!(
            help.contains("op.alter_column(\"jobs\", \"a\", nullable=False)"),
            "{help}"
        );
        assert!(help.contains("sa.String(20)"), "{help}");
    }

    #[test]
    fn blocking_index_only_in_postgresql() {
        let mut unit = UnitFacts::default();
        unit.push(
            "jobs",
            &loc("m/0001.sql", 1),
            Fact::BlockingIndex {
                table: "jobs".into(),
                name: Some("ix_jobs_state".into()),
                columns: vec!["state".into()],
                unique: false,
                at: loc("m/0003.sql", 2),
            },
        );
        let none = |_: &str| None;
        let pg = resolve(unit.clone(), PG, none);
        assert_eq!(ids(&pg), ["MG305 MG305::m/0003.sql::jobs.ix_jobs_state"]);
        assert!(pg[0]
            .help
            .as_deref()
            .unwrap_or("")
            .starts_with("CREATE INDEX CONCURRENTLY ix_jobs_state ON jobs (state);"));
        assert!(resolve(unit.clone(), MY, none).is_empty());
        assert!(resolve(unit, LITE, none).is_empty());
    }

    #[test]
    fn a_dropped_table_takes_its_other_facts_with_it() {
        let mut unit = UnitFacts::default();
        let at = loc("m/0004.sql", 1);
        unit.push(
            "t",
            &loc("m/0001.sql", 1),
            Fact::DropColumn {
                table: "t".into(),
                column: "c".into(),
                at: at.clone(),
            },
        );
        unit.push(
            "t",
            &loc("m/0001.sql", 1),
            Fact::DropTable {
                table: "t".into(),
                columns: vec!["id".into()],
                at,
            },
        );
        let f = resolve(unit, PG, |_: &str| None);
        assert_eq!(ids(&f), ["MG302 MG302::m/0004.sql::t"]);
    }

    /// Safety findings of replaying `files` (one unit each), as
    /// `RULE table[.column]@line`.
    fn replayed(dialect: Dialect, files: &[(&str, &str)]) -> Vec<std::string::String> {
        let h = crate::migrations::History::of_sql(files);
        crate::migrations::sql::replay(&[h], dialect)
            .findings
            .iter()
            .filter(|f| crate::scope::is_safety(f))
            .map(|f| {
                let subject = match (&f.table, &f.column) {
                    (Some(t), Some(c)) => format!("{t}.{c}"),
                    (Some(t), None) => t.clone(),
                    _ => std::string::String::new(),
                };
                let line = f.location.as_ref().map_or(0, |l| l.start.line);
                format!("{} {subject}@{line}", f.rule.id)
            })
            .collect()
    }

    const BASE: (&str, &str) = (
        "m/0001.sql",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, name VARCHAR(50) NOT NULL, note TEXT);",
    );

    #[test]
    fn safe_shapes_stay_silent() {
        let pg = |sql: &str| replayed(PG, &[BASE, ("m/0002.sql", sql)]);
        // a unique constraint, a concurrent index, widening, a nullable add
        assert!(pg("ALTER TABLE t ADD CONSTRAINT t_name_key UNIQUE (name);").is_empty());
        assert!(pg("CREATE INDEX CONCURRENTLY ix_t_name ON t (name);").is_empty());
        assert!(pg("ALTER TABLE t ALTER COLUMN name TYPE VARCHAR(100);").is_empty());
        assert!(pg("ALTER TABLE t ALTER COLUMN name TYPE TEXT;").is_empty());
        assert!(pg("ALTER TABLE t ADD COLUMN c INTEGER NOT NULL DEFAULT 0;").is_empty());
        assert!(pg("ALTER TABLE t ADD COLUMN c BIGINT GENERATED ALWAYS AS IDENTITY;").is_empty());
        assert!(pg("ALTER TABLE t ADD COLUMN c SERIAL;").is_empty());
        // everything on a table of the same migration
        assert!(pg("CREATE TABLE u (id INTEGER PRIMARY KEY, a TEXT);\n\
             CREATE INDEX ix_u_a ON u (a);\n\
             ALTER TABLE u ADD COLUMN b TEXT NOT NULL;\n\
             ALTER TABLE u RENAME COLUMN a TO c;\n\
             ALTER TABLE u ALTER COLUMN id TYPE BIGINT;\n\
             ALTER TABLE u RENAME TO v;\n\
             DROP TABLE v;")
        .is_empty());
        // conditional DDL in a DO block (the same statement outside one is reported)
        assert_eq!(pg("ALTER TABLE t DROP COLUMN note;"), ["MG302 t.note@1"]);
        assert!(pg("DO $$ BEGIN\n\
             IF EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 't' AND column_name = 'note') THEN\n\
             ALTER TABLE t DROP COLUMN note;\n\
             END IF;\n\
             END $$;")
        .is_empty());
        // a column added and dropped again in one migration
        assert!(
            pg("ALTER TABLE t ADD COLUMN tmp TEXT;\nALTER TABLE t DROP COLUMN tmp;").is_empty()
        );
    }

    #[test]
    fn rebuilds_report_only_lost_columns() {
        let lite = |sql: &str| replayed(LITE, &[BASE, ("m/0002.sql", sql)]);
        // create new, copy, drop old, rename new: nothing lost
        assert_eq!(
            lite("CREATE TABLE t_new (id INTEGER PRIMARY KEY, name VARCHAR(20) NOT NULL, note TEXT);\n\
                 INSERT INTO t_new SELECT id, name, note FROM t;\n\
                 DROP TABLE t;\n\
                 ALTER TABLE t_new RENAME TO t;"),
            Vec::<std::string::String>::new()
        );
        // rename old away, create, copy, drop old: `note` is lost
        assert_eq!(
            lite(
                "ALTER TABLE t RENAME TO t_old;\n\
                 CREATE TABLE t (id INTEGER PRIMARY KEY, name VARCHAR(50) NOT NULL);\n\
                 INSERT INTO t (id, name) SELECT id, name FROM t_old;\n\
                 DROP TABLE t_old;"
            ),
            ["MG302 t.note@2"]
        );
        // a plain drop and a plain rename are what they are
        assert_eq!(lite("DROP TABLE t;"), ["MG302 t@1"]);
        assert_eq!(lite("ALTER TABLE t RENAME TO items;"), ["MG303 t@1"]);
    }

    #[test]
    fn mysql_change_and_modify() {
        let my = |sql: &str| replayed(MY, &[BASE, ("m/0002.sql", sql)]);
        assert_eq!(
            my("ALTER TABLE t CHANGE name title VARCHAR(50) NOT NULL;"),
            ["MG303 t.name@1"]
        );
        assert!(my("ALTER TABLE t MODIFY name VARCHAR(80) NOT NULL;").is_empty());
        assert_eq!(
            my("ALTER TABLE t MODIFY name VARCHAR(10) NOT NULL;"),
            ["MG304 t.name@1"]
        );
        assert_eq!(my("ALTER TABLE t MODIFY id BIGINT;"), ["MG304 t.id@1"]);
        // MySQL fills existing rows with the implicit default; no CONCURRENTLY there
        assert!(my("ALTER TABLE t ADD COLUMN c INT NOT NULL;").is_empty());
        assert!(my("CREATE INDEX ix_t_name ON t (name);").is_empty());
    }
}
