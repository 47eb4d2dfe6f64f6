//! Compares the model schema with the migrated schema: MG101-MG111.
//!
//! Tables are matched by `table_key`, columns by `key`. Every check leans
//! towards silence: an unknown type, a table whose model could not be fully
//! resolved (an MG001 note), or a side with no information says nothing,
//! because a false alarm in a pre-commit hook gets the hook uninstalled.
//!
//! Findings point at the model line when the model declares something the
//! database lacks or disagrees with (that is also where inline suppressions
//! live), and at the migration when the database has something the model
//! does not know about.

mod alembic;
mod columns;
mod enums;
mod keys;
pub mod types;

use crate::dialect::Dialect;
use crate::findings::Finding;
use crate::migrations::MigratedSchema;
use crate::models::ModelSchema;
use crate::rules;
use crate::schema::render;
use crate::schema::{key, table_key, Column, Schema, SqlType, Table};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Tables created by migration tools and databases themselves; no model
/// declares them and none should.
const TOOL_TABLES: &[&str] = &[
    "alembic_version",
    "schema_migrations",
    "__diesel_schema_migrations",
    "flyway_schema_history",
    "goose_db_version",
    "_sqlx_migrations",
    "_prisma_migrations",
    "sqlite_sequence",
    "spatial_ref_sys",
    "django_migrations",
    "knex_migrations",
    "knex_migrations_lock",
    "seaql_migrations",
];

pub fn diff(models: &ModelSchema, migrated: &MigratedSchema, dialect: Dialect) -> Vec<Finding> {
    diff_with(models, migrated, dialect, false)
}

/// `diff`, with help texts for Alembic revisions when `alembic` (the
/// project's migrations are an Alembic script folder): the `op.*` call to
/// write rather than SQL.
pub fn diff_with(
    models: &ModelSchema,
    migrated: &MigratedSchema,
    dialect: Dialect,
    alembic: bool,
) -> Vec<Finding> {
    let ctx = Ctx {
        dialect,
        models,
        migrated,
        lenient: lenient_tables(models),
        alembic,
    };
    let mut out = Vec::new();
    let (pairs, missing, extra) = match_tables(&models.schema, &migrated.schema);
    // A migration created a table under a name replay could not read (an
    // MG001 note): a model table missing here may be that one.
    if migrated.unknown_tables == 0 {
        for model in missing {
            // a view (or other relation replay does not model) of that name exists
            if migrated.untracked_relations.contains(&model.key()) {
                continue;
            }
            out.push(ctx.missing_table(model));
        }
    }
    // With no model tables at all, discovery failed; calling every migrated
    // table "extra" would bury the real diagnostic. A model whose table name
    // is computed (an MG001 note) may be any of the unmatched tables.
    if !models.schema.tables.is_empty() && models.unnamed_tables == 0 {
        for db in extra {
            if !is_tool_table(db, dialect)
                && ctx.models_cover_schema_of(db)
                && !models.leaves_out(&db.name)
            {
                out.push(ctx.extra_table(db));
            }
        }
    }
    for (model, db) in pairs {
        // Replay could not follow this table's columns (CREATE TABLE AS,
        // unparsed DDL on it): its existence is all there is to compare.
        if migrated.opaque_tables.contains(&db.key()) {
            continue;
        }
        let pair = Pair::new(model, db, ctx.is_lenient(model));
        columns::check(&ctx, &pair, &mut out);
        keys::check(&ctx, &pair, &mut out);
        enums::check(&ctx, &pair, &mut out);
    }
    out.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    out
}

pub(crate) struct Ctx<'a> {
    pub dialect: Dialect,
    pub models: &'a ModelSchema,
    pub migrated: &'a MigratedSchema,
    /// Model tables touched by an unresolved construct (MG001): their
    /// columns, keys and indexes may be incomplete, so "the database has X
    /// the model lacks" is not said about them. Holds table keys, and paths
    /// for notes that name no table.
    lenient: BTreeSet<String>,
    /// The migrations are Alembic revisions: help shows `op.*` calls.
    pub alembic: bool,
}

/// A model table and the migrated table it corresponds to, with their
/// columns indexed by key once (lookups by name are the diff's inner loop).
pub(crate) struct Pair<'a> {
    pub model: &'a Table,
    pub db: &'a Table,
    pub lenient: bool,
    model_cols: HashMap<String, &'a Column>,
    db_cols: HashMap<String, &'a Column>,
}

fn columns_by_key(t: &Table) -> HashMap<String, &Column> {
    let mut m = HashMap::with_capacity(t.columns.len());
    for c in &t.columns {
        // the first declaration wins, as `Table::column` does
        m.entry(key(&c.name)).or_insert(c);
    }
    m
}

impl<'a> Pair<'a> {
    fn new(model: &'a Table, db: &'a Table, lenient: bool) -> Self {
        Pair {
            model,
            db,
            lenient,
            model_cols: columns_by_key(model),
            db_cols: columns_by_key(db),
        }
    }

    pub fn model_col(&self, name: &str) -> Option<&'a Column> {
        self.model_cols.get(&key(name)).copied()
    }

    pub fn db_col(&self, name: &str) -> Option<&'a Column> {
        self.db_cols.get(&key(name)).copied()
    }

    /// Whether every column key of `keys` exists in the model table.
    pub fn model_has(&self, keys: &BTreeSet<String>) -> bool {
        keys.iter().all(|k| self.model_cols.contains_key(k))
    }

    /// Whether every column key of `keys` exists in the migrated table.
    pub fn db_has(&self, keys: &BTreeSet<String>) -> bool {
        keys.iter().all(|k| self.db_cols.contains_key(k))
    }

    /// The table name as findings show it: the model's spelling.
    pub fn name(&self) -> String {
        self.model.display_name()
    }

    /// Where the migrations create the table, for related locations.
    pub fn created_here(&self) -> (crate::source::Location, String) {
        (
            self.db.location.clone(),
            format!("table `{}` is created here", self.db.display_name()),
        )
    }
}

fn lenient_tables(models: &ModelSchema) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for f in &models.findings {
        if f.rule.id != rules::MG001.id {
            continue;
        }
        match &f.table {
            Some(t) => {
                let k = match t.rsplit_once('.') {
                    Some((s, n)) => table_key(Some(s), n),
                    None => table_key(None, t),
                };
                out.insert(k);
                out.insert(key(t.rsplit('.').next().unwrap_or(t)));
            }
            None => {
                if let Some(l) = &f.location {
                    out.insert(format!("path:{}", l.path));
                }
            }
        }
    }
    out
}

impl Ctx<'_> {
    /// The models are a generated Diesel schema.rs: it states columns, types,
    /// nullability and the primary key, never defaults, unique constraints,
    /// indexes or foreign keys, so their absence there means "unknown".
    pub fn diesel(&self) -> bool {
        self.models.kind == crate::discover::ModelKind::Diesel
    }

    /// Whether an absent unique constraint or foreign key in the model means
    /// the model does not want it (rather than cannot say).
    pub fn models_state_constraints(&self) -> bool {
        !self.diesel() && !self.models.partial_keys
    }

    /// Whether the models would declare `db` if they wanted it. Diesel's
    /// print-schema writes one database schema per file (`public` unless
    /// configured), so a table in a schema no schema.rs table is in (a
    /// helper schema of the migrations) is outside what schema.rs covers.
    fn models_cover_schema_of(&self, db: &Table) -> bool {
        if !self.diesel() {
            return true;
        }
        let Some(schema) = db.schema.as_deref() else {
            return true;
        };
        let k = table_key(Some(schema), "");
        if !k.contains('.') {
            return true; // the default schema under another name
        }
        let wanted = key(schema);
        self.models
            .schema
            .tables
            .values()
            .any(|t| t.schema.as_deref().map(key).as_deref() == Some(wanted.as_str()))
    }

    /// A line for help texts that give SQL: where that SQL goes.
    pub fn migration_hint(&self) -> Option<&'static str> {
        self.diesel().then_some(
            "-- put this in the up.sql of a new Diesel migration (`diesel migration generate <name>`), its reverse in down.sql, then run `diesel migration run` to regenerate schema.rs",
        )
    }

    fn is_lenient(&self, model: &Table) -> bool {
        !self.lenient.is_empty()
            && (self.lenient.contains(&model.key())
                || self.lenient.contains(&key(&model.name))
                || self
                    .lenient
                    .contains(&format!("path:{}", model.location.path)))
    }

    fn missing_table(&self, model: &Table) -> Finding {
        let name = model.display_name();
        let mut sql: Vec<String> = Vec::new();
        // A PostgreSQL enum the table uses must exist before the table.
        let mut seen = BTreeSet::new();
        for col in &model.columns {
            if let SqlType::Enum {
                name: Some(n),
                values,
            } = &col.ty
            {
                let k = key(n);
                if !self.migrated.schema.enums.contains_key(&k) && seen.insert(k) {
                    // schema.rs names an enum without its values
                    if values.is_empty() {
                        sql.push(format!("CREATE TYPE {n} AS ENUM (...); -- its values"));
                        continue;
                    }
                    let e = crate::schema::EnumType {
                        name: n.clone(),
                        values: values.clone(),
                        location: col.location.clone(),
                    };
                    sql.extend(render::create_enum_type(&e, self.dialect));
                }
            }
        }
        let ops = self.alembic.then(|| alembic::create_table(model)).flatten();
        match ops {
            // a PostgreSQL enum is created by sa.Enum inside create_table
            Some(ops) => sql = vec![alembic::in_revision(&ops)],
            None => {
                sql.push(render::create_table(
                    model,
                    &self.models.schema,
                    self.dialect,
                ));
                sql.extend(render::table_indexes(model, self.dialect));
            }
        }
        sql.extend(self.migration_hint().map(str::to_string));
        let mut f = Finding::new(
            &rules::MG101,
            Some(&name),
            None,
            "missing",
            format!("table `{name}` is declared by a model but no migration creates it"),
        )
        .at(model.location.clone())
        .label("no migration creates this table")
        .help(sql.join("\n"));
        if let Some(l) = self.migrated.dropped_tables.get(&model.key()) {
            f = f.related(
                l.clone(),
                format!("table `{name}` was dropped here and never re-created"),
            );
        }
        f
    }

    fn extra_table(&self, db: &Table) -> Finding {
        let name = db.display_name();
        Finding::new(
            &rules::MG103,
            Some(&name),
            None,
            "extra",
            format!("table `{name}` is created by a migration but no model declares it"),
        )
        .at(db.location.clone())
        .label("no model declares this table")
        .help(if self.alembic {
            format!(
                "declare a model for `{name}`, add it to `ignore_tables` in migraguard.toml if the application does not use it, or drop it {}",
                alembic::in_revision(&[alembic::drop_table(db)])
            )
        } else {
            format!(
                "declare a model for `{name}`, add it to `ignore_tables` in migraguard.toml if the application does not use it, or drop it:\nDROP TABLE {};",
                render::table_name(db, self.dialect)
            )
        })
    }
}

fn is_tool_table(t: &Table, dialect: Dialect) -> bool {
    let k = key(&t.name);
    TOOL_TABLES.contains(&k.as_str()) || (dialect == Dialect::Sqlite && k.starts_with("sqlite_"))
}

/// Pairs tables by key; tables left over on both sides are then paired by
/// unqualified name when that is unambiguous (a model that names the schema
/// against migrations that rely on the search path, or the reverse).
fn match_tables<'a>(
    model: &'a Schema,
    db: &'a Schema,
) -> (Vec<(&'a Table, &'a Table)>, Vec<&'a Table>, Vec<&'a Table>) {
    let mut pairs = Vec::new();
    let mut missing = Vec::new();
    for (k, t) in &model.tables {
        match db.tables.get(k) {
            Some(d) => pairs.push((t, d)),
            None => missing.push(t),
        }
    }
    let mut extra: Vec<&Table> = db
        .tables
        .iter()
        .filter(|(k, _)| !model.tables.contains_key(*k))
        .map(|(_, t)| t)
        .collect();
    let by_name = |ts: &[&'a Table]| {
        let mut m: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (i, t) in ts.iter().enumerate() {
            m.entry(key(&t.name)).or_default().push(i);
        }
        m
    };
    let missing_names = by_name(&missing);
    let extra_names = by_name(&extra);
    let mut used_missing = BTreeSet::new();
    let mut used_extra = BTreeSet::new();
    for (n, mi) in &missing_names {
        if let (Some(ei), [m]) = (extra_names.get(n), mi.as_slice()) {
            if let [e] = ei.as_slice() {
                pairs.push((missing[*m], extra[*e]));
                used_missing.insert(*m);
                used_extra.insert(*e);
            }
        }
    }
    let missing = missing
        .into_iter()
        .enumerate()
        .filter(|(i, _)| !used_missing.contains(i))
        .map(|(_, t)| t)
        .collect();
    extra = extra
        .into_iter()
        .enumerate()
        .filter(|(i, _)| !used_extra.contains(i))
        .map(|(_, t)| t)
        .collect();
    (pairs, missing, extra)
}

/// A column is NOT NULL in effect when declared so or part of the primary
/// key (SQLite lets a non-INTEGER key hold NULL, a quirk nobody relies on).
pub(crate) fn effectively_not_null(table: &Table, col: &Column) -> bool {
    !col.nullable || table.is_primary_key(&col.name)
}

/// The database supplies a value for this column on insert.
pub(crate) fn db_fills(table: &Table, col: &Column, dialect: Dialect) -> bool {
    col.default.is_some()
        || col.autoincrement
        || (dialect == Dialect::Sqlite
            && table.primary_key.len() == 1
            && table.is_primary_key(&col.name)
            && matches!(col.ty, SqlType::Integer { .. }))
}

/// How to change a column in place, per dialect; `None` for SQLite, which
/// can only rebuild the table.
pub(crate) fn modify_column(db: &Table, model_col: &Column, dialect: Dialect) -> Option<String> {
    match dialect {
        Dialect::Mysql => {
            // MODIFY restates the column; UNIQUE there would add a second index.
            let mut c = model_col.clone();
            c.unique = false;
            Some(format!(
                "ALTER TABLE {} MODIFY COLUMN {};",
                render::table_name(db, dialect),
                render::column_definition(&c, dialect)
            ))
        }
        _ => None,
    }
}

/// The sentence SQLite users get instead of an ALTER COLUMN.
pub(crate) fn sqlite_rebuild(db: &Table, col: &str, change: &str) -> String {
    format!(
        "SQLite cannot alter a column in place: rebuild the table in a migration (Alembic: `with op.batch_alter_table(\"{}\") as batch_op: batch_op.alter_column(\"{}\", {change})`)",
        db.name, col
    )
}

/// `ALTER TABLE t ALTER COLUMN c ...;` in PostgreSQL.
pub(crate) fn pg_alter(db: &Table, col: &str, action: &str) -> String {
    format!(
        "ALTER TABLE {} ALTER COLUMN {} {action};",
        render::table_name(db, Dialect::Postgresql),
        render::quote_ident(col, Dialect::Postgresql)
    )
}

#[cfg(test)]
pub(crate) mod testutil {
    //! Small hand-built schemas for the rule tests.

    use super::*;
    use crate::schema::{DefaultValue, FkAction, ForeignKey, Index};
    use crate::source::{Location, Pos};

    pub fn mloc(line: u32) -> Location {
        Location::new("app/models.py", Pos::new(line, 5), Pos::new(line, 40))
    }

    pub fn dloc(line: u32) -> Location {
        Location::new(
            "migrations/0001_init.sql",
            Pos::new(line, 1),
            Pos::new(line, 20),
        )
    }

    pub fn col(name: &str, ty: &str, nullable: bool, line: u32, model: bool) -> Column {
        let mut c = Column::new(
            name,
            SqlType::from_sql_name(ty),
            if model { mloc(line) } else { dloc(line) },
        );
        c.nullable = nullable;
        c
    }

    /// A builder over one table on one side.
    pub struct T(pub Table, pub bool);

    impl T {
        pub fn model(name: &str) -> T {
            T(Table::new(name, None, mloc(1)), true)
        }
        pub fn db(name: &str) -> T {
            T(Table::new(name, None, dloc(1)), false)
        }
        fn next_line(&self) -> u32 {
            self.0.columns.len() as u32 + 2
        }
        pub fn pk(mut self, name: &str) -> T {
            let mut c = col(name, "integer", false, self.next_line(), self.1);
            c.autoincrement = true;
            self.0.columns.push(c);
            self.0.primary_key.push(name.into());
            self
        }
        pub fn col(mut self, name: &str, ty: &str, nullable: bool) -> T {
            let c = col(name, ty, nullable, self.next_line(), self.1);
            self.0.columns.push(c);
            self
        }
        pub fn with(mut self, c: Column) -> T {
            self.0.columns.push(c);
            self
        }
        pub fn default(mut self, column: &str, raw: &str) -> T {
            if let Some(c) = self.0.column_mut(column) {
                c.default = Some(DefaultValue::new(raw));
            }
            self
        }
        pub fn unique(mut self, column: &str) -> T {
            if let Some(c) = self.0.column_mut(column) {
                c.unique = true;
            }
            self
        }
        pub fn index(mut self, name: Option<&str>, cols: &[&str], unique: bool) -> T {
            let l = if self.1 { mloc(30) } else { dloc(30) };
            self.0.indexes.push(Index {
                name: name.map(str::to_string),
                columns: cols.iter().map(|c| c.to_string()).collect(),
                unique,
                location: l,
            });
            self
        }
        pub fn fk(mut self, cols: &[&str], ref_table: &str, ref_cols: &[&str]) -> T {
            let l = if self.1 { mloc(40) } else { dloc(40) };
            self.0.foreign_keys.push(ForeignKey {
                name: None,
                columns: cols.iter().map(|c| c.to_string()).collect(),
                ref_schema: None,
                ref_table: ref_table.into(),
                ref_columns: ref_cols.iter().map(|c| c.to_string()).collect(),
                on_delete: None,
                on_update: None,
                location: l,
            });
            self
        }
        /// Actions and name of the foreign key added last.
        pub fn fk_as(
            mut self,
            name: Option<&str>,
            on_delete: Option<FkAction>,
            on_update: Option<FkAction>,
        ) -> T {
            if let Some(fk) = self.0.foreign_keys.last_mut() {
                fk.name = name.map(str::to_string);
                fk.on_delete = on_delete;
                fk.on_update = on_update;
            }
            self
        }
        pub fn check(mut self, sql: &str) -> T {
            self.0.checks.push(crate::schema::Check {
                name: None,
                sql: sql.into(),
                location: dloc(50),
            });
            self
        }
    }

    pub fn schemas(models: Vec<T>, db: Vec<T>) -> (ModelSchema, MigratedSchema) {
        let mut m = ModelSchema::default();
        for t in models {
            m.schema.insert_table(t.0);
        }
        let mut d = MigratedSchema::default();
        for t in db {
            d.schema.insert_table(t.0);
        }
        (m, d)
    }

    pub fn run(models: Vec<T>, db: Vec<T>, dialect: Dialect) -> Vec<Finding> {
        let (m, d) = schemas(models, db);
        diff(&m, &d, dialect)
    }

    /// The rule ids and fingerprints, for compact assertions.
    pub fn ids(f: &[Finding]) -> Vec<String> {
        f.iter().map(|f| f.fingerprint.clone()).collect()
    }

    pub fn only<'a>(f: &'a [Finding], rule: &str) -> Vec<&'a Finding> {
        f.iter().filter(|f| f.rule.id == rule).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::testutil::*;
    use super::*;
    use crate::rules::Severity;

    fn services_model() -> T {
        T::model("services")
            .pk("id")
            .col("name", "varchar(100)", false)
            .col("description", "varchar", true)
    }

    #[test]
    fn identical_schemas_are_silent() {
        let f = run(
            vec![services_model()],
            vec![T::db("services")
                .pk("id")
                .col("name", "varchar(100)", false)
                .col("description", "varchar", true)],
            Dialect::Sqlite,
        );
        assert!(f.is_empty(), "{:?}", ids(&f));
    }

    #[test]
    fn mg101_missing_table_with_create_table_help() {
        let f = run(
            vec![services_model(), T::model("jobs").pk("id")],
            vec![T::db("jobs").pk("id")],
            Dialect::Sqlite,
        );
        assert_eq!(ids(&f), ["MG101:services:missing"]);
        let help = f[0].help.as_deref().unwrap();
        assert!(
            help.contains("CREATE TABLE services (\n    id INTEGER PRIMARY KEY,\n    name VARCHAR(100) NOT NULL,\n    description TEXT\n);"),
            "{help}"
        );
        assert_eq!(
            f[0].location.as_ref().unwrap().path.as_ref(),
            "app/models.py"
        );
        // the columns of a missing table are not reported one by one
        assert!(only(&f, "MG102").is_empty());
        // present on both sides: silent
        let f = run(
            vec![T::model("jobs").pk("id")],
            vec![T::db("jobs").pk("id")],
            Dialect::Sqlite,
        );
        assert!(f.is_empty());
    }

    #[test]
    fn mg101_related_location_when_dropped_and_pg_enum_created_first() {
        let status = Column::new(
            "status",
            SqlType::Enum {
                name: Some("job_status".into()),
                values: vec!["queued".into(), "done".into()],
            },
            mloc(3),
        );
        let (m, mut d) = schemas(vec![T::model("jobs").pk("id").with(status)], vec![]);
        d.dropped_tables.insert("jobs".into(), dloc(7));
        let f = diff(&m, &d, Dialect::Postgresql);
        assert_eq!(ids(&f), ["MG101:jobs:missing"]);
        assert_eq!(f[0].related.len(), 1);
        assert_eq!(f[0].related[0].location.start.line, 7);
        let help = f[0].help.as_deref().unwrap();
        let ty = help.find("CREATE TYPE job_status AS ENUM ('queued', 'done');");
        let table = help.find("CREATE TABLE jobs");
        assert!(ty.is_some() && ty < table, "{help}");
    }

    #[test]
    fn mg103_extra_table_but_not_tool_tables_or_empty_models() {
        let db = || {
            vec![
                T::db("services").pk("id"),
                T::db("legacy_audit").pk("id"),
                T::db("alembic_version").col("version_num", "varchar(32)", false),
                T::db("sqlite_sequence").col("name", "text", true),
            ]
        };
        let f = run(vec![T::model("services").pk("id")], db(), Dialect::Sqlite);
        assert_eq!(ids(&f), ["MG103:legacy_audit:extra"]);
        assert_eq!(f[0].severity, Severity::Warning);
        assert_eq!(
            f[0].location.as_ref().unwrap().path.as_ref(),
            "migrations/0001_init.sql"
        );
        let f = run(vec![], db(), Dialect::Sqlite);
        assert!(f.is_empty(), "{:?}", ids(&f));
        // a model with a computed table name may be `legacy_audit`
        let (mut m, d) = schemas(vec![T::model("services").pk("id")], db());
        m.unnamed_tables = 1;
        let f = diff(&m, &d, Dialect::Sqlite);
        assert!(f.is_empty(), "{:?}", ids(&f));
    }

    #[test]
    fn opaque_tables_are_compared_by_existence_only() {
        let (m, mut d) = schemas(
            vec![services_model()],
            vec![T::db("services").col("x", "integer", false)],
        );
        assert!(!diff(&m, &d, Dialect::Sqlite).is_empty());
        d.opaque_tables.insert("services".into());
        assert!(diff(&m, &d, Dialect::Sqlite).is_empty());
    }

    #[test]
    fn diesel_extra_tables_only_in_schemas_schema_rs_covers() {
        let mut helper = T::db("deps_saved_ddl").pk("id");
        helper.0.schema = Some("utils".into());
        let mut audit = T::db("events").pk("id");
        audit.0.schema = Some("audit".into());
        let mut public = T::db("stray").pk("id");
        public.0.schema = Some("public".into());
        let mut model_audit = T::model("log").pk("id");
        model_audit.0.schema = Some("audit".into());
        let (mut m, d) = schemas(
            vec![T::model("users").pk("id"), model_audit],
            vec![
                T::db("users").pk("id"),
                T::db("log").pk("id"),
                helper,
                audit,
                public,
            ],
        );
        let all = ids(&diff(&m, &d, Dialect::Postgresql));
        assert!(
            all.contains(&"MG103:utils.deps_saved_ddl:extra".to_string()),
            "{all:?}"
        );
        m.kind = crate::discover::ModelKind::Diesel;
        let f = diff(&m, &d, Dialect::Postgresql);
        assert_eq!(
            ids(&f),
            ["MG103:audit.events:extra", "MG103:public.stray:extra"]
        );
        // diesel.toml's print_schema filter leaves `stray` out of schema.rs
        let re = regex::Regex::new("^stray$").unwrap();
        m.left_out = vec![crate::models::diesel::TableFilter::Except(vec![re])];
        let f = diff(&m, &d, Dialect::Postgresql);
        assert_eq!(ids(&f), ["MG103:audit.events:extra"]);
    }

    #[test]
    fn a_model_over_a_view_is_not_missing() {
        let (m, mut d) = schemas(
            vec![T::model("recent_downloads").pk("id")],
            vec![T::db("crates").pk("id")],
        );
        let f = diff(&m, &d, Dialect::Postgresql);
        assert_eq!(
            ids(&f),
            ["MG101:recent_downloads:missing", "MG103:crates:extra"]
        );
        d.untracked_relations.insert("recent_downloads".into());
        let f = diff(&m, &d, Dialect::Postgresql);
        assert_eq!(ids(&f), ["MG103:crates:extra"]);
    }

    #[test]
    fn tables_match_across_a_default_or_missing_schema() {
        let mut model = T::model("users").pk("id");
        model.0.schema = Some("app".into());
        let f = run(
            vec![model],
            vec![T::db("users").pk("id")],
            Dialect::Postgresql,
        );
        assert!(f.is_empty(), "{:?}", ids(&f));
    }

    #[test]
    fn findings_are_sorted() {
        let f = run(
            vec![
                T::model("b").pk("id").col("x", "text", true),
                T::model("a").pk("id").col("y", "text", true),
            ],
            vec![T::db("a").pk("id"), T::db("b").pk("id")],
            Dialect::Sqlite,
        );
        let keys: Vec<_> = f.iter().map(|f| f.sort_key()).collect();
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(keys, sorted);
        assert_eq!(f.len(), 2);
    }

    /// The shop drift of fixtures/sqlalchemy-drift, hand-built: one finding
    /// per rule, as a reviewer reads them (message, label, related, help).
    #[test]
    fn snapshot_of_every_diff_rule() {
        let status = |model: bool, values: &[&str]| {
            let mut c = col("status", "text", false, 9, model);
            c.ty = SqlType::Enum {
                name: Some("order_status".into()),
                values: values.iter().map(|v| v.to_string()).collect(),
            };
            c
        };
        let models = vec![
            T::model("customers")
                .pk("id")
                .col("email", "varchar(255)", false)
                .unique("email")
                .col("name", "varchar(100)", true)
                .col("phone", "varchar(30)", true),
            T::model("orders")
                .pk("id")
                .col("customer_id", "integer", false)
                .fk(&["customer_id"], "customers", &["id"])
                .with(status(true, &["pending", "paid", "refunded"]))
                .col("currency", "varchar(3)", false)
                .default("currency", "'USD'"),
            T::model("order_items")
                .pk("id")
                .col("quantity", "integer", false),
            T::model("invoices")
                .pk("id")
                .col("issued_at", "timestamptz", false),
        ];
        let db = vec![
            T::db("customers")
                .pk("id")
                .col("email", "varchar(255)", false)
                .col("name", "varchar(100)", false)
                .col("legacy_code", "varchar(10)", true),
            T::db("orders")
                .pk("id")
                .col("customer_id", "integer", false)
                .with(status(false, &["pending", "paid"]))
                .col("currency", "varchar(3)", false)
                .default("currency", "'EUR'"),
            T::db("order_items").pk("id").col("quantity", "text", false),
            T::db("audit_log").pk("id"),
        ];
        let f = run(models, db, Dialect::Postgresql);
        let mut out = String::new();
        for f in &f {
            let l = f
                .location
                .as_ref()
                .map(|l| l.to_string())
                .unwrap_or_default();
            out.push_str(&format!(
                "{l}: {}[{}]: {}\n",
                f.severity, f.rule.id, f.message
            ));
            if let Some(label) = &f.label {
                out.push_str(&format!("  label: {label}\n"));
            }
            for r in &f.related {
                out.push_str(&format!("  related {}: {}\n", r.location, r.message));
            }
            if let Some(h) = &f.help {
                out.push_str(&format!("  help: {}\n", h.replace('\n', "\n        ")));
            }
            out.push_str(&format!("  fingerprint: {}\n", f.fingerprint));
        }
        insta::assert_snapshot!(out);
    }

    mod robustness {
        use super::super::testutil::*;
        use super::super::*;
        use crate::schema::{Check, DefaultValue, ForeignKey, Index};
        use proptest::prelude::*;

        const NAMES: &[&str] = &[
            "id", "a", "B", "user", "order", "x y", "é", "\"q\"", "check", "c`d",
        ];
        const TYPES: &[&str] = &[
            "integer",
            "bigint",
            "text",
            "varchar(5)",
            "varchar",
            "boolean",
            "timestamptz",
            "numeric(4,1)",
            "uuid",
            "jsonb",
            "int[]",
            "geometry(point, 4326)",
            "blob",
            "char(2)",
        ];
        const DEFAULTS: &[&str] = &[
            "0",
            "'x'",
            "now()",
            "'a'::text",
            "(1 + 2)",
            "true",
            "''''",
            "-1.5",
        ];

        fn table(model: bool) -> impl Strategy<Value = Table> {
            (
                0..NAMES.len(),
                proptest::collection::vec(
                    (
                        0..NAMES.len(),
                        0..TYPES.len(),
                        any::<bool>(),
                        any::<bool>(),
                        proptest::option::of(0..DEFAULTS.len()),
                    ),
                    0..5,
                ),
                proptest::collection::vec((0..NAMES.len(), any::<bool>()), 0..3),
                0..3usize,
            )
                .prop_map(move |(tn, cols, idx, pk)| {
                    let mut t = Table::new(NAMES[tn], None, if model { mloc(1) } else { dloc(1) });
                    for (i, (cn, ty, nullable, unique, d)) in cols.into_iter().enumerate() {
                        if t.column(NAMES[cn]).is_some() {
                            continue;
                        }
                        let mut c = col(NAMES[cn], TYPES[ty], nullable, i as u32 + 2, model);
                        c.unique = unique;
                        c.default = d.map(|d| DefaultValue::new(DEFAULTS[d]));
                        t.columns.push(c);
                    }
                    for (n, unique) in idx {
                        t.indexes.push(Index {
                            name: None,
                            columns: vec![NAMES[n].into()],
                            unique,
                            location: dloc(9),
                        });
                    }
                    t.primary_key = t.columns.iter().take(pk).map(|c| c.name.clone()).collect();
                    t.foreign_keys.push(ForeignKey {
                        name: None,
                        columns: t.columns.iter().take(1).map(|c| c.name.clone()).collect(),
                        ref_schema: None,
                        ref_table: NAMES[tn].into(),
                        ref_columns: vec![],
                        on_delete: None,
                        on_update: None,
                        location: dloc(9),
                    });
                    t.checks.push(Check {
                        name: None,
                        sql: "CHECK (1 = 1)".into(),
                        location: dloc(9),
                    });
                    t
                })
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(crate::proptest_cases(300)))]
            #[test]
            fn never_panics_and_sqlite_accepts_the_rendering(
                m in proptest::collection::vec(table(true), 0..3),
                d in proptest::collection::vec(table(false), 0..3),
            ) {
                let (models, migrated) = schemas(
                    m.into_iter().map(|t| T(t, true)).collect(),
                    d.into_iter().map(|t| T(t, false)).collect(),
                );
                for dialect in [Dialect::Sqlite, Dialect::Postgresql, Dialect::Mysql] {
                    let f = diff(&models, &migrated, dialect);
                    let keys: Vec<_> = f.iter().map(|f| f.sort_key()).collect();
                    let mut sorted = keys.clone();
                    sorted.sort();
                    prop_assert_eq!(keys, sorted);
                    let _ = crate::schema::render::schema_sql(&models.schema, dialect);
                }
                for schema in [&models.schema, &migrated.schema] {
                    let sql = crate::schema::render::schema_sql(schema, Dialect::Sqlite);
                    let db = rusqlite::Connection::open_in_memory().unwrap();
                    let res = db.execute_batch(&sql);
                    prop_assert!(res.is_ok(), "{}\n{:?}", sql, res);
                }
            }
        }
    }
}
