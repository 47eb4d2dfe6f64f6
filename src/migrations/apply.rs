//! Schema mutations shared by every migration frontend (SQL now, Alembic
//! later): each checks that what it touches exists at that point (MG201,
//! MG202) or does not yet (MG203), records lost columns, and never panics.
//!
//! The replay is deliberately forgiving: the migrated schema may start from
//! tables migraguard cannot see (a statement it could not parse, a table made
//! by `CREATE TABLE ... AS SELECT`, a schema owned by an extension), and a
//! false MG201/MG202 in a pre-commit hook costs more than a missed one. Such
//! tables are "opaque": references to them are never reported.

use super::MigratedSchema;
use crate::dialect::Dialect;
use crate::findings::Finding;
use crate::lints::safety::{self, Fact, UnitFacts};
use crate::rules;
use crate::schema::{
    key, table_key, Check, Column, DefaultValue, EnumType, ForeignKey, Index, Schema, SqlType,
    Table,
};
use crate::source::Location;
use std::collections::{BTreeMap, BTreeSet};

/// A possibly schema-qualified table name as written in a migration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableRef {
    pub schema: Option<String>,
    pub name: String,
}

impl TableRef {
    pub fn new(schema: Option<&str>, name: &str) -> Self {
        TableRef {
            schema: schema.map(str::to_string),
            name: name.to_string(),
        }
    }

    pub fn key(&self) -> String {
        table_key(self.schema.as_deref(), &self.name)
    }

    pub fn display(&self) -> String {
        match &self.schema {
            Some(s) => format!("{s}.{}", self.name),
            None => self.name.clone(),
        }
    }
}

/// One change to an existing column (ALTER COLUMN, MySQL MODIFY/CHANGE).
#[derive(Clone, Debug)]
pub enum ColumnChange {
    Type(SqlType),
    Nullable(bool),
    Default(Option<DefaultValue>),
    /// The database now supplies the value (ADD GENERATED ... AS IDENTITY).
    Autoincrement(bool),
    /// MySQL `MODIFY`/`CHANGE`: the whole definition is replaced (the new
    /// column's name may differ for CHANGE).
    Replace(Column),
}

/// The dropped definition of a table, kept so that re-creating it (or a
/// rebuild renaming a copy over it) can tell which columns were lost.
#[derive(Clone, Debug)]
struct DroppedTable {
    table: Table,
}

/// Replay state: the schema so far plus what the findings need.
#[derive(Clone, Debug)]
pub struct Replay {
    pub dialect: Dialect,
    pub schema: Schema,
    pub lost_columns: BTreeMap<(String, String), Location>,
    pub dropped_tables: BTreeMap<String, Location>,
    pub findings: Vec<Finding>,
    /// Definitions of lost columns, for the help text of a later MG202.
    lost_defs: BTreeMap<(String, String), Column>,
    dropped_defs: BTreeMap<String, DroppedTable>,
    /// Tables whose columns are not known (CTAS, unparsed DDL): never MG201/MG202.
    opaque: BTreeSet<String>,
    /// Tables already reported as unknown: one MG201 per table, not one per statement.
    reported_tables: BTreeSet<String>,
    reported_columns: BTreeSet<(String, String, &'static str)>,
    /// Schemas in which migrations created at least one table; a table in any
    /// other schema (`auth.users` of Supabase, an extension's) may exist
    /// without migraguard seeing it.
    known_schemas: BTreeSet<String>,
    /// Renamed tables: new key -> original key, so the "rename away, create,
    /// copy, drop old" rebuild can compare the old and new definitions.
    renamed_from: BTreeMap<String, String>,
    /// Temporary tables of the current migration, gone at its end.
    temp_tables: BTreeSet<String>,
    /// What the current migration did to tables that existed before it,
    /// for the safety lints (MG301-MG305) raised when it ends.
    unit: UnitFacts,
}

impl Default for Replay {
    fn default() -> Self {
        Replay::new(Dialect::default())
    }
}

/// MySQL names an unnamed index after its first column, with `_2`, `_3`, ...
/// when that name is taken; `DROP INDEX` and the help texts need the name.
fn mysql_index_names(table: &mut Table) {
    for i in 0..table.indexes.len() {
        let first = match table.indexes.get(i) {
            Some(ix) if ix.name.is_none() => match ix.columns.first() {
                Some(c) => c.clone(),
                None => continue,
            },
            _ => continue,
        };
        let taken = |n: &str, ixs: &[Index]| {
            ixs.iter()
                .any(|x| x.name.as_deref().is_some_and(|m| key(m) == key(n)))
        };
        let mut name = first.clone();
        let mut n = 2;
        while taken(&name, &table.indexes) {
            name = format!("{first}_{n}");
            n += 1;
        }
        if let Some(ix) = table.indexes.get_mut(i) {
            ix.name = Some(name);
        }
    }
}

fn col_key(t: &str, c: &str) -> (String, String) {
    (t.to_string(), key(c))
}

impl Replay {
    pub fn new(dialect: Dialect) -> Self {
        Replay {
            dialect,
            schema: Schema::default(),
            lost_columns: BTreeMap::new(),
            dropped_tables: BTreeMap::new(),
            findings: Vec::new(),
            lost_defs: BTreeMap::new(),
            dropped_defs: BTreeMap::new(),
            opaque: BTreeSet::new(),
            reported_tables: BTreeSet::new(),
            reported_columns: BTreeSet::new(),
            known_schemas: BTreeSet::new(),
            renamed_from: BTreeMap::new(),
            temp_tables: BTreeSet::new(),
            unit: UnitFacts::default(),
        }
    }

    /// Ends one migration unit: its safety findings (MG301-MG305) are
    /// decided, its temporary tables disappear.
    pub fn end_unit(&mut self) {
        let unit = std::mem::take(&mut self.unit);
        let tables = &self.schema.tables;
        let found = safety::resolve(unit, self.dialect, |k| tables.get(k));
        self.findings.extend(found);
        for k in std::mem::take(&mut self.temp_tables) {
            self.schema.tables.remove(&k);
            self.opaque.remove(&k);
        }
    }

    pub fn finish(mut self, migrations: usize) -> MigratedSchema {
        self.end_unit();
        let (opaque_tables, untracked_relations) = self
            .opaque
            .into_iter()
            .partition(|k| self.schema.tables.contains_key(k));
        MigratedSchema {
            opaque_tables,
            untracked_relations,
            schema: self.schema,
            lost_columns: self.lost_columns,
            dropped_tables: self.dropped_tables,
            findings: self.findings,
            migrations,
            unknown_tables: 0,
        }
    }

    pub fn is_opaque(&self, t: &TableRef) -> bool {
        self.opaque.contains(&t.key())
    }

    /// How many safety facts the current unit holds; with `forget_facts`,
    /// statements whose effect is conditional (a `DO` block) leave none.
    pub fn facts_mark(&self) -> usize {
        self.unit.len()
    }

    pub fn forget_facts(&mut self, mark: usize) {
        self.unit.truncate(mark);
    }

    /// Marks a table whose shape is unknown from here on (unparsed DDL on it).
    pub fn mark_opaque(&mut self, t: &TableRef) {
        self.opaque.insert(t.key());
    }

    pub fn table(&self, t: &TableRef) -> Option<&Table> {
        self.schema.tables.get(&t.key())
    }

    /// Looks the table up for a statement that needs it; reports MG201 once
    /// per table when it is missing and nothing excuses it. Returns the key
    /// when the table exists.
    fn require_table(&mut self, t: &TableRef, if_exists: bool, at: &Location) -> Option<String> {
        let k = t.key();
        if self.schema.tables.contains_key(&k) {
            return Some(k);
        }
        if if_exists || self.opaque.contains(&k) || self.reported_tables.contains(&k) {
            return None;
        }
        if let Some(s) = &t.schema {
            let sk = key(s);
            let default = sk == "public" || sk == "main" || sk == "dbo";
            if !default && !self.known_schemas.contains(&sk) {
                return None;
            }
        }
        self.reported_tables.insert(k.clone());
        let name = t.display();
        let mut f = Finding::new(
            &rules::MG201,
            Some(&name),
            None,
            "unknown",
            format!("table `{name}` does not exist at this point of the migration history"),
        )
        .at(at.clone());
        let renamed_to = self
            .renamed_from
            .iter()
            .find(|(_, orig)| **orig == k)
            .and_then(|(now, _)| self.schema.tables.get(now))
            .map(|t| (t.display_name(), t.location.clone()));
        if let Some(loc) = self.dropped_tables.get(&k) {
            f = f
                .label(format!("`{name}` was dropped by an earlier migration"))
                .related(loc.clone(), format!("`{name}` was dropped here"))
                .help(format!(
                    "re-create `{name}` before this statement, or remove the statement"
                ));
        } else if let Some((now, loc)) = renamed_to {
            f = f
                .label(format!("`{name}` was renamed to `{now}`"))
                .related(loc, format!("`{now}` is defined here"))
                .help(format!("use the new name `{now}`"));
        } else {
            f = f
                .label(format!("no earlier migration creates `{name}`"))
                .help(format!(
                    "create `{name}` in an earlier migration, or fix the table name"
                ));
        }
        self.findings.push(f);
        None
    }

    fn report_missing_column(&mut self, tk: &str, column: &str, at: &Location, what: &str) {
        let Some(table) = self.schema.tables.get(tk) else {
            return;
        };
        if self.opaque.contains(tk) {
            return;
        }
        let tname = table.display_name();
        let ck = col_key(tk, column);
        if !self
            .reported_columns
            .insert((ck.0.clone(), ck.1.clone(), "unknown"))
        {
            return;
        }
        let mut f = Finding::new(
            &rules::MG202,
            Some(&tname),
            Some(column),
            "unknown",
            format!("{what} `{column}`, which `{tname}` does not have at this point"),
        )
        .at(at.clone())
        .label(format!("`{tname}` has no column `{column}` here"));
        if let Some(lost) = self.lost_columns.get(&ck) {
            f = f.related(lost.clone(), format!("column `{column}` was lost here"));
        } else {
            f = f.related(table.location.clone(), format!("`{tname}` is defined here"));
        }
        let ty = self
            .lost_defs
            .get(&ck)
            .map(|c| column_sql(c, self.dialect))
            .unwrap_or_else(|| format!("{column} <type>"));
        f = f.help(format!(
            "add the column in an earlier migration: ALTER TABLE {tname} ADD COLUMN {ty};"
        ));
        self.findings.push(f);
    }

    fn duplicate(&mut self, tname: &str, column: Option<&str>, existing: &Location, at: &Location) {
        let (msg, label) = match column {
            Some(c) => (
                format!("column `{c}` already exists in `{tname}`"),
                format!("adds `{c}` a second time"),
            ),
            None => (
                format!("table `{tname}` already exists"),
                format!("creates `{tname}` a second time"),
            ),
        };
        let f = Finding::new(&rules::MG203, Some(tname), column, "duplicate", msg)
            .at(at.clone())
            .label(label)
            .related(existing.clone(), "first defined here")
            .help(match column {
                Some(c) => format!(
                    "remove the duplicate, or write `ADD COLUMN IF NOT EXISTS {c}` where the database supports it"
                ),
                None => format!("remove the duplicate, or write `CREATE TABLE IF NOT EXISTS {tname}`"),
            });
        self.findings.push(f);
    }

    /// CREATE TABLE. `table` carries its columns, keys and constraints.
    pub fn create_table(&mut self, mut table: Table, if_not_exists: bool, temporary: bool) {
        let k = table.key();
        if let Some(existing) = self.schema.tables.get(&k) {
            if !if_not_exists {
                let loc = existing.location.clone();
                let at = table.location.clone();
                self.duplicate(&table.display_name(), None, &loc, &at);
            }
            return;
        }
        for c in &mut table.columns {
            if table.primary_key.iter().any(|p| key(p) == key(&c.name)) {
                c.nullable = false;
            }
        }
        if self.dialect == Dialect::Mysql {
            mysql_index_names(&mut table);
        }
        if let Some(s) = &table.schema {
            self.known_schemas.insert(key(s));
        }
        self.reported_tables.remove(&k);
        self.opaque.remove(&k);
        if temporary {
            self.temp_tables.insert(k.clone());
        }
        self.unit.table_created(&k);
        self.defined(&k, &table);
        self.schema.tables.insert(k, table);
    }

    /// CREATE TABLE ... AS SELECT / LIKE: a table whose columns are unknown.
    pub fn create_opaque_table(
        &mut self,
        t: &TableRef,
        if_not_exists: bool,
        temporary: bool,
        at: &Location,
    ) {
        let table = Table::new(t.name.clone(), t.schema.clone(), at.clone());
        let k = t.key();
        let existed = self.schema.tables.contains_key(&k);
        self.create_table(table, if_not_exists, temporary);
        if !existed {
            self.opaque.insert(k);
        }
    }

    /// MySQL's `CREATE TABLE t LIKE src`: src's columns, primary key and
    /// indexes, not its foreign keys. A source whose columns are unknown
    /// (missing or opaque) makes an opaque table.
    pub fn create_table_like(
        &mut self,
        t: &TableRef,
        src: &TableRef,
        if_not_exists: bool,
        temporary: bool,
        at: &Location,
    ) {
        let sk = src.key();
        let source = match self.schema.tables.get(&sk) {
            Some(s) if !self.opaque.contains(&sk) => s,
            _ => {
                self.create_opaque_table(t, if_not_exists, temporary, at);
                return;
            }
        };
        let mut table = Table::new(t.name.clone(), t.schema.clone(), at.clone());
        table.columns = source.columns.clone();
        for c in &mut table.columns {
            c.location = at.clone();
        }
        table.primary_key = source.primary_key.clone();
        table.indexes = source.indexes.clone();
        for i in &mut table.indexes {
            i.location = at.clone();
        }
        table.checks = source.checks.clone();
        self.create_table(table, if_not_exists, temporary);
    }

    /// A table appears under key `k` (create or rename): when a table of that
    /// name was dropped earlier, the columns it had and this one lacks are lost.
    fn defined(&mut self, k: &str, table: &Table) {
        self.dropped_tables.remove(k);
        for c in &table.columns {
            let ck = col_key(k, &c.name);
            self.lost_columns.remove(&ck);
            self.lost_defs.remove(&ck);
        }
        if let Some(old) = self.dropped_defs.remove(k) {
            self.record_lost(k, &old.table, table);
        }
    }

    fn record_lost(&mut self, k: &str, old: &Table, new: &Table) {
        for c in &old.columns {
            if new.column(&c.name).is_none() {
                let ck = col_key(k, &c.name);
                self.lost_columns.insert(ck.clone(), new.location.clone());
                self.lost_defs.insert(ck, c.clone());
            }
        }
    }

    pub fn drop_table(&mut self, t: &TableRef, if_exists: bool, at: &Location) {
        let Some(k) = self.require_table(t, if_exists, at) else {
            self.opaque.remove(&t.key());
            return;
        };
        let Some(table) = self.schema.tables.remove(&k) else {
            return;
        };
        if !self.unit.is_new_table(&k) {
            self.unit.push(
                &k,
                &table.location,
                Fact::DropTable {
                    table: table.display_name(),
                    columns: table.columns.iter().map(|c| c.name.clone()).collect(),
                    at: at.clone(),
                },
            );
        }
        self.unit.table_dropped(&k);
        self.temp_tables.remove(&k);
        self.opaque.remove(&k);
        // "rename x to x_old, create x, copy, drop x_old": x_old's columns
        // missing from the new x were lost by this rebuild.
        if let Some(orig) = self.renamed_from.remove(&k) {
            if let Some(new) = self.schema.tables.get(&orig).cloned() {
                self.record_lost(&orig, &table, &new);
                return;
            }
        }
        self.dropped_tables.insert(k.clone(), at.clone());
        self.dropped_defs.insert(k, DroppedTable { table });
    }

    pub fn rename_table(&mut self, from: &TableRef, to: &TableRef, at: &Location) {
        let from_key = from.key();
        let to_key = to.key();
        if self.opaque.remove(&from_key) {
            self.opaque.insert(to_key.clone());
            if !self.schema.tables.contains_key(&from_key) {
                return;
            }
        }
        let Some(k) = self.require_table(from, false, at) else {
            return;
        };
        if k == to_key {
            // a case-only rename keeps the key
            if let Some(t) = self.schema.tables.get_mut(&k) {
                t.name = to.name.clone();
            }
            return;
        }
        if let Some(existing) = self.schema.tables.get(&to_key) {
            let loc = existing.location.clone();
            self.duplicate(&to.display(), None, &loc, at);
            return;
        }
        let Some(mut table) = self.schema.tables.remove(&k) else {
            return;
        };
        if !self.unit.is_new_table(&k) {
            self.unit.push(
                &k,
                &table.location,
                Fact::RenameTable {
                    from: table.display_name(),
                    to: to.display(),
                    columns: table.columns.iter().map(|c| c.name.clone()).collect(),
                    at: at.clone(),
                },
            );
        }
        self.unit.table_renamed(&k, &to_key);
        table.name = to.name.clone();
        if to.schema.is_some() || from.schema.is_some() {
            table.schema = to.schema.clone().or(table.schema);
        }
        if let Some(s) = &table.schema {
            self.known_schemas.insert(key(s));
        }
        if self.temp_tables.remove(&k) {
            self.temp_tables.insert(to_key.clone());
        }
        // keep lost-column records with the table they belong to
        let moved: Vec<_> = self
            .lost_columns
            .range((k.clone(), String::new())..)
            .take_while(|((t, _), _)| *t == k)
            .map(|(ck, l)| (ck.clone(), l.clone()))
            .collect();
        for (ck, l) in moved {
            self.lost_columns.remove(&ck);
            if let Some(d) = self.lost_defs.remove(&ck) {
                self.lost_defs.insert((to_key.clone(), ck.1.clone()), d);
            }
            self.lost_columns.insert((to_key.clone(), ck.1), l);
        }
        let orig = self.renamed_from.remove(&k).unwrap_or_else(|| k.clone());
        if orig != to_key {
            self.renamed_from.insert(to_key.clone(), orig);
        }
        self.reported_tables.remove(&to_key);
        self.defined(&to_key, &table);
        self.schema.tables.insert(to_key, table);
        self.retarget_foreign_keys(&k, to);
    }

    /// PostgreSQL and MySQL keep foreign keys attached to the renamed table
    /// itself, so the keys of other tables now name its new name. SQLite is
    /// left alone: whether it rewrites them depends on `legacy_alter_table`,
    /// and its rebuild idiom renames tables that are dropped right after.
    fn retarget_foreign_keys(&mut self, from_key: &str, to: &TableRef) {
        if self.dialect == Dialect::Sqlite {
            return;
        }
        for t in self.schema.tables.values_mut() {
            for fk in &mut t.foreign_keys {
                let ref_key = table_key(fk.ref_schema.as_deref(), &fk.ref_table);
                if ref_key == from_key {
                    fk.ref_table = to.name.clone();
                    if to.schema.is_some() {
                        fk.ref_schema = to.schema.clone();
                    }
                }
            }
        }
    }

    pub fn add_column(&mut self, t: &TableRef, column: Column, if_not_exists: bool, at: &Location) {
        let Some(k) = self.require_table(t, false, at) else {
            return;
        };
        let Some(table) = self.schema.tables.get_mut(&k) else {
            return;
        };
        if let Some(existing) = table.column(&column.name) {
            if !if_not_exists {
                let loc = existing.location.clone();
                let tname = table.display_name();
                let cname = column.name.clone();
                self.duplicate(&tname, Some(&cname), &loc, at);
            }
            return;
        }
        let ck = col_key(&k, &column.name);
        // SQLite refuses ADD COLUMN NOT NULL without a default even on a
        // table made a moment ago
        if !self.unit.is_new_table(&k) || self.dialect == Dialect::Sqlite {
            self.unit.push(
                &k,
                &table.location,
                Fact::AddColumn {
                    table: table.display_name(),
                    column: column.clone(),
                },
            );
        }
        self.unit.column_added(&k, &column.name);
        table.columns.push(column);
        self.lost_columns.remove(&ck);
        self.lost_defs.remove(&ck);
    }

    /// MySQL's `FIRST` / `AFTER x` on ADD, CHANGE and MODIFY COLUMN: moves the
    /// column so the replayed order is the server's (`after` None = first).
    /// An unknown `after` column leaves the order as it is.
    pub fn place_column(&mut self, t: &TableRef, column: &str, after: Option<&str>) {
        let Some(table) = self.schema.tables.get_mut(&t.key()) else {
            return;
        };
        let ck = key(column);
        let Some(from) = table.columns.iter().position(|c| key(&c.name) == ck) else {
            return;
        };
        let to = match after {
            None => 0,
            Some(a) => {
                let ak = key(a);
                if ak == ck {
                    return;
                }
                match table.columns.iter().position(|c| key(&c.name) == ak) {
                    Some(i) if i < from => i + 1,
                    Some(i) => i,
                    None => return,
                }
            }
        };
        let col = table.columns.remove(from);
        table.columns.insert(to, col);
    }

    /// Primary key columns are NOT NULL in every database that matters here.
    pub fn set_primary_key(&mut self, t: &TableRef, columns: Vec<String>, at: &Location) {
        let Some(k) = self.require_table(t, false, at) else {
            return;
        };
        let missing: Vec<String> = match self.schema.tables.get_mut(&k) {
            Some(table) => {
                let missing = columns
                    .iter()
                    .filter(|c| table.column(c).is_none())
                    .cloned()
                    .collect();
                for c in &columns {
                    if let Some(col) = table.column_mut(c) {
                        col.nullable = false;
                    }
                }
                table.primary_key = columns;
                missing
            }
            None => return,
        };
        for c in missing {
            self.report_missing_column(&k, &c, at, "the primary key names column");
        }
    }

    pub fn drop_primary_key(&mut self, t: &TableRef, at: &Location) {
        if let Some(k) = self.require_table(t, false, at) {
            if let Some(table) = self.schema.tables.get_mut(&k) {
                table.primary_key.clear();
            }
        }
    }

    pub fn drop_column(&mut self, t: &TableRef, column: &str, if_exists: bool, at: &Location) {
        let Some(k) = self.require_table(t, false, at) else {
            return;
        };
        let Some(table) = self.schema.tables.get_mut(&k) else {
            return;
        };
        let ck = key(column);
        let Some(pos) = table.columns.iter().position(|c| key(&c.name) == ck) else {
            if !if_exists {
                self.report_missing_column(&k, column, at, "DROP COLUMN drops column");
            }
            return;
        };
        let removed = table.columns.remove(pos);
        if self.unit.is_old_column(&k, &removed.name) {
            self.unit.push(
                &k,
                &table.location,
                Fact::DropColumn {
                    table: table.display_name(),
                    column: removed.name.clone(),
                    at: at.clone(),
                },
            );
        }
        table.primary_key.retain(|c| key(c) != ck);
        // the database drops the checks on a dropped column with it
        let dialect = self.dialect;
        table
            .checks
            .retain(|c| !super::sql::statements::check_names_column(&c.sql, column, dialect));
        table
            .indexes
            .retain(|i| !i.columns.iter().any(|c| key(c) == ck));
        table
            .foreign_keys
            .retain(|f| !f.columns.iter().any(|c| key(c) == ck));
        self.lost_columns
            .insert((k.clone(), ck.clone()), at.clone());
        self.lost_defs.insert((k, ck), removed);
    }

    pub fn rename_column(&mut self, t: &TableRef, old: &str, new: &str, at: &Location) {
        let Some(k) = self.require_table(t, false, at) else {
            return;
        };
        let Some(table) = self.schema.tables.get_mut(&k) else {
            return;
        };
        if key(old) != key(new) {
            if let Some(existing) = table.column(new) {
                let loc = existing.location.clone();
                let tname = table.display_name();
                self.duplicate(&tname, Some(new), &loc, at);
                return;
            }
        }
        let Some(old_name) = table.column(old).map(|c| c.name.clone()) else {
            self.report_missing_column(&k, old, at, "RENAME COLUMN renames column");
            return;
        };
        if self.unit.is_old_column(&k, old) && old_name != new {
            self.unit.push(
                &k,
                &table.location,
                Fact::RenameColumn {
                    table: table.display_name(),
                    from: old_name,
                    to: new.to_string(),
                    at: at.clone(),
                },
            );
        }
        self.unit.column_renamed(&k, old, new);
        let Some(col) = table.column_mut(old) else {
            return;
        };
        col.name = new.to_string();
        let (ok, nk) = (key(old), key(new));
        for c in table
            .primary_key
            .iter_mut()
            .chain(table.indexes.iter_mut().flat_map(|i| i.columns.iter_mut()))
            .chain(
                table
                    .foreign_keys
                    .iter_mut()
                    .flat_map(|f| f.columns.iter_mut()),
            )
        {
            if key(c) == ok {
                *c = new.to_string();
            }
        }
        for ch in &mut table.checks {
            let renamed =
                super::sql::statements::check_with_column_renamed(&ch.sql, old, new, self.dialect);
            if let Some(sql) = renamed {
                ch.sql = sql;
            }
        }
        if ok != nk {
            self.lost_columns.insert((k.clone(), ok), at.clone());
            self.lost_columns.remove(&(k.clone(), nk.clone()));
            self.lost_defs.remove(&(k, nk));
        }
    }

    pub fn alter_column(
        &mut self,
        t: &TableRef,
        column: &str,
        change: ColumnChange,
        at: &Location,
    ) {
        let Some(k) = self.require_table(t, false, at) else {
            return;
        };
        let Some(table) = self.schema.tables.get_mut(&k) else {
            return;
        };
        if let ColumnChange::Replace(new) = &change {
            if key(&new.name) != key(column) && table.column(&new.name).is_some() {
                let loc = table
                    .column(&new.name)
                    .map(|c| c.location.clone())
                    .unwrap_or_else(|| at.clone());
                let tname = table.display_name();
                self.duplicate(&tname, Some(&new.name.clone()), &loc, at);
                return;
            }
        }
        let is_pk = table.is_primary_key(column);
        let tname = table.display_name();
        let tloc = table.location.clone();
        let Some(col) = table.column_mut(column) else {
            self.report_missing_column(&k, column, at, "ALTER COLUMN changes column");
            return;
        };
        if self.unit.is_old_column(&k, column) {
            let (new_ty, new_name) = match &change {
                ColumnChange::Type(ty) => (Some(ty), None),
                ColumnChange::Replace(c) => (Some(&c.ty), Some(c.name.as_str())),
                _ => (None, None),
            };
            if let Some(ty) = new_ty.filter(|ty| **ty != col.ty) {
                self.unit.push(
                    &k,
                    &tloc,
                    Fact::TypeChange {
                        table: tname.clone(),
                        column: col.name.clone(),
                        old: col.ty.clone(),
                        new: ty.clone(),
                        at: at.clone(),
                    },
                );
            }
            if let Some(n) = new_name.filter(|n| key(n) != key(column)) {
                self.unit.push(
                    &k,
                    &tloc,
                    Fact::RenameColumn {
                        table: tname,
                        from: col.name.clone(),
                        to: n.to_string(),
                        at: at.clone(),
                    },
                );
            }
        }
        if let ColumnChange::Replace(c) = &change {
            self.unit.column_renamed(&k, column, &c.name);
        }
        match change {
            // what a generated model states: type and nullability (defaults
            // and identity are not in Diesel's schema.rs)
            ColumnChange::Type(ty) => {
                col.ty = ty;
                col.changed_at = Some(at.clone());
            }
            ColumnChange::Nullable(n) => {
                col.nullable = n && !is_pk;
                col.changed_at = Some(at.clone());
            }
            ColumnChange::Default(d) => col.default = d,
            ColumnChange::Autoincrement(a) => {
                col.autoincrement = a;
                if a {
                    col.nullable = false;
                }
            }
            ColumnChange::Replace(new) => {
                let renamed = key(&new.name) != key(column);
                let (old_name, new_name) = (col.name.clone(), new.name.clone());
                let keep_loc = col.location.clone();
                *col = new;
                if !renamed {
                    col.location = keep_loc;
                }
                col.changed_at = Some(at.clone());
                if is_pk {
                    col.nullable = false;
                }
                if renamed {
                    self.rename_refs(&k, &old_name, &new_name, at);
                }
            }
        }
    }

    fn rename_refs(&mut self, k: &str, old: &str, new: &str, at: &Location) {
        if let Some(table) = self.schema.tables.get_mut(k) {
            let ok = key(old);
            for c in table
                .primary_key
                .iter_mut()
                .chain(table.indexes.iter_mut().flat_map(|i| i.columns.iter_mut()))
            {
                if key(c) == ok {
                    *c = new.to_string();
                }
            }
        }
        self.lost_columns
            .insert((k.to_string(), key(old)), at.clone());
    }

    fn check_table_columns(&mut self, k: &str, columns: &[String], at: &Location, what: &str) {
        let missing: Vec<String> = match self.schema.tables.get(k) {
            Some(t) => columns
                .iter()
                .filter(|c| t.column(c).is_none())
                .cloned()
                .collect(),
            None => return,
        };
        for c in missing {
            self.report_missing_column(k, &c, at, what);
        }
    }

    /// `CREATE INDEX CONCURRENTLY` (Alembic `postgresql_concurrently=True`):
    /// the same index, built without blocking writes (MG305 is about the
    /// other kind).
    pub fn create_index_concurrently(
        &mut self,
        t: &TableRef,
        index: Index,
        if_not_exists: bool,
        at: &Location,
    ) {
        self.add_index(t, index, if_not_exists, false, at)
    }

    /// CREATE INDEX without CONCURRENTLY: on a table that existed before the
    /// migration, PostgreSQL blocks writes while it builds (MG305).
    pub fn create_index(&mut self, t: &TableRef, index: Index, if_not_exists: bool, at: &Location) {
        self.add_index(t, index, if_not_exists, true, at)
    }

    /// A UNIQUE constraint (ALTER TABLE ... ADD UNIQUE, Alembic
    /// `create_unique_constraint`): an index too, but not one CONCURRENTLY
    /// could build, so not MG305's business.
    pub fn add_unique_constraint(&mut self, t: &TableRef, index: Index, at: &Location) {
        self.add_index(t, index, false, false, at)
    }

    /// CREATE INDEX / ADD UNIQUE. `index.columns` holds plain column names
    /// only (expression parts are left out by the frontend).
    fn add_index(
        &mut self,
        t: &TableRef,
        index: Index,
        if_not_exists: bool,
        blocking: bool,
        at: &Location,
    ) {
        let Some(k) = self.require_table(t, false, at) else {
            return;
        };
        self.check_table_columns(&k, &index.columns, at, "the index names column");
        let Some(table) = self.schema.tables.get_mut(&k) else {
            return;
        };
        if let Some(name) = &index.name {
            let nk = key(name);
            if table
                .indexes
                .iter()
                .any(|i| i.name.as_deref().map(key).as_deref() == Some(nk.as_str()))
            {
                // an index of that name exists already: IF NOT EXISTS or an
                // error the database reports itself; not a schema drift
                let _ = if_not_exists;
                return;
            }
        }
        if blocking && !self.unit.is_new_table(&k) {
            self.unit.push(
                &k,
                &table.location,
                Fact::BlockingIndex {
                    table: table.display_name(),
                    name: index.name.clone(),
                    columns: index.columns.clone(),
                    unique: index.unique,
                    at: at.clone(),
                },
            );
        }
        table.indexes.push(index);
        if self.dialect == Dialect::Mysql {
            mysql_index_names(table);
        }
    }

    /// DROP INDEX by name. `t` is known in MySQL (`DROP INDEX ix ON t`);
    /// otherwise every table is searched.
    pub fn drop_index(
        &mut self,
        t: Option<&TableRef>,
        name: &str,
        _if_exists: bool,
        at: &Location,
    ) {
        let nk = key(name);
        let keys: Vec<String> = match t {
            Some(t) => match self.require_table(t, false, at) {
                Some(k) => vec![k],
                None => return,
            },
            None => self.schema.tables.keys().cloned().collect(),
        };
        for k in keys {
            if let Some(table) = self.schema.tables.get_mut(&k) {
                let before = table.indexes.len();
                table
                    .indexes
                    .retain(|i| i.name.as_deref().map(key).as_deref() != Some(nk.as_str()));
                if table.indexes.len() != before {
                    return;
                }
            }
        }
        // an index migraguard never saw (made by an unparsed statement, an
        // implicit constraint index): the database is the judge
    }

    /// ALTER INDEX ... RENAME TO / MySQL RENAME INDEX: follows the name;
    /// an index migraguard never saw is left alone.
    pub fn rename_index(&mut self, t: Option<&TableRef>, old: &str, new: &str) {
        let ok = key(old);
        let keys: Vec<String> = match t {
            Some(t) => vec![t.key()],
            None => self.schema.tables.keys().cloned().collect(),
        };
        for k in keys {
            if let Some(table) = self.schema.tables.get_mut(&k) {
                if let Some(ix) = table
                    .indexes
                    .iter_mut()
                    .find(|i| i.name.as_deref().map(key).as_deref() == Some(ok.as_str()))
                {
                    ix.name = Some(new.to_string());
                    return;
                }
            }
        }
    }

    pub fn add_foreign_key(&mut self, t: &TableRef, fk: ForeignKey, at: &Location) {
        let Some(k) = self.require_table(t, false, at) else {
            return;
        };
        self.check_table_columns(&k, &fk.columns, at, "the foreign key names column");
        if let Some(table) = self.schema.tables.get_mut(&k) {
            table.foreign_keys.push(fk);
        }
    }

    pub fn add_check(&mut self, t: &TableRef, check: Check, at: &Location) {
        let Some(k) = self.require_table(t, false, at) else {
            return;
        };
        if let Some(table) = self.schema.tables.get_mut(&k) {
            table.checks.push(check);
        }
    }

    /// DROP CONSTRAINT / DROP FOREIGN KEY: removes whatever carries that name.
    pub fn drop_constraint(&mut self, t: &TableRef, name: &str, at: &Location) {
        let Some(k) = self.require_table(t, false, at) else {
            return;
        };
        let nk = key(name);
        let named = |n: &Option<String>| n.as_deref().map(key).as_deref() == Some(nk.as_str());
        if let Some(table) = self.schema.tables.get_mut(&k) {
            table.indexes.retain(|i| !named(&i.name));
            table.foreign_keys.retain(|f| !named(&f.name));
            table.checks.retain(|c| !named(&c.name));
            // PostgreSQL names the primary key `<table>_pkey` by default
            if nk == format!("{}_pkey", key(&table.name)) {
                table.primary_key.clear();
            }
        }
    }

    /// INSERT INTO t (cols...): every named column must exist at that point.
    pub fn insert(&mut self, t: &TableRef, columns: &[(String, Location)], at: &Location) {
        let Some(k) = self.require_table(t, false, at) else {
            return;
        };
        for (c, loc) in columns {
            let exists = self
                .schema
                .tables
                .get(&k)
                .map(|tb| tb.column(c).is_some())
                .unwrap_or(true);
            if !exists {
                self.report_missing_column(&k, c, loc, "INSERT names column");
            }
        }
    }

    /// Columns a statement names (an expression index's plain parts): MG202
    /// for each one `t` does not have, MG201 when `t` is missing.
    pub fn check_columns(&mut self, t: &TableRef, columns: &[String], at: &Location) {
        if let Some(k) = self.require_table(t, false, at) {
            self.check_table_columns(&k, columns, at, "the index names column");
        }
    }

    /// A statement that reads `t` (e.g. `INSERT ... SELECT ... FROM t`); MG201 if missing.
    pub fn reference_table(&mut self, t: &TableRef, at: &Location) {
        let _ = self.require_table(t, false, at);
    }

    pub fn create_enum(&mut self, name: &str, values: Vec<String>, at: &Location) {
        self.schema.enums.insert(
            key(name),
            EnumType {
                name: name.to_string(),
                values,
                location: at.clone(),
            },
        );
    }

    pub fn add_enum_value(
        &mut self,
        name: &str,
        value: &str,
        before: Option<&str>,
        after: Option<&str>,
    ) {
        let nk = key(name);
        let Some(e) = self.schema.enums.get_mut(&nk) else {
            return;
        };
        if e.values.iter().any(|v| v == value) {
            return;
        }
        let pos = match (before, after) {
            (Some(b), _) => e.values.iter().position(|v| v == b),
            (None, Some(a)) => e.values.iter().position(|v| v == a).map(|p| p + 1),
            _ => None,
        };
        match pos {
            Some(p) if p <= e.values.len() => e.values.insert(p, value.to_string()),
            _ => e.values.push(value.to_string()),
        }
        let values = e.values.clone();
        self.refresh_enum_columns(&nk, Some(values));
    }

    /// The enum's whole value list replaced (alembic-postgresql-enum's
    /// `sync_enum_values`); an enum replay never saw is taken as existing.
    pub fn set_enum_values(&mut self, name: &str, values: &[String], at: &Location) {
        let nk = key(name);
        match self.schema.enums.get_mut(&nk) {
            Some(e) => e.values = values.to_vec(),
            None => self.create_enum(name, values.to_vec(), at),
        }
        self.refresh_enum_columns(&nk, Some(values.to_vec()));
    }

    pub fn rename_enum_value(&mut self, name: &str, from: &str, to: &str) {
        let nk = key(name);
        let Some(e) = self.schema.enums.get_mut(&nk) else {
            return;
        };
        for v in e.values.iter_mut() {
            if v == from {
                *v = to.to_string();
            }
        }
        let values = e.values.clone();
        self.refresh_enum_columns(&nk, Some(values));
    }

    pub fn rename_enum(&mut self, name: &str, new_name: &str) {
        let (ok, nk) = (key(name), key(new_name));
        let Some(mut e) = self.schema.enums.remove(&ok) else {
            return;
        };
        e.name = new_name.to_string();
        self.schema.enums.insert(nk, e);
        for t in self.schema.tables.values_mut() {
            for c in t.columns.iter_mut() {
                if let SqlType::Enum { name: Some(n), .. } = &mut c.ty {
                    if key(n) == ok {
                        *n = new_name.to_string();
                    }
                }
            }
        }
    }

    pub fn drop_enum(&mut self, name: &str) {
        self.schema.enums.remove(&key(name));
    }

    /// The enum type of a column, when `name` is a known enum.
    pub fn enum_type(&self, name: &str) -> Option<SqlType> {
        self.schema.enums.get(&key(name)).map(|e| SqlType::Enum {
            name: Some(e.name.clone()),
            values: e.values.clone(),
        })
    }

    fn refresh_enum_columns(&mut self, nk: &str, values: Option<Vec<String>>) {
        let Some(values) = values else { return };
        for t in self.schema.tables.values_mut() {
            for c in t.columns.iter_mut() {
                if let SqlType::Enum {
                    name: Some(n),
                    values: v,
                } = &mut c.ty
                {
                    if key(n) == nk {
                        *v = values.clone();
                    }
                }
            }
        }
    }
}

/// `name TYPE [NOT NULL] [DEFAULT x]` for help texts.
fn column_sql(c: &Column, dialect: Dialect) -> String {
    let mut s = format!("{} {}", c.name, c.ty.to_sql(dialect));
    if !c.nullable {
        s.push_str(" NOT NULL");
    }
    if let Some(d) = &c.default {
        s.push_str(" DEFAULT ");
        s.push_str(&d.raw);
    }
    s
}
