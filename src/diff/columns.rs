//! Column-level rules: MG102 missing-column, MG104 extra-column, MG105
//! type-mismatch, MG106 nullability-mismatch, MG107 default-mismatch.

use super::types::{compare, TypeDiff};
use super::{db_fills, effectively_not_null, modify_column, pg_alter, Ctx, Pair};
use crate::dialect::Dialect;
use crate::findings::Finding;
use crate::models::declare;
use crate::rules::{self, Severity};
use crate::schema::render;
use crate::schema::{key, Column, SqlType};

pub(crate) fn check(ctx: &Ctx, pair: &Pair, out: &mut Vec<Finding>) {
    for mc in &pair.model.columns {
        match pair.db_col(&mc.name) {
            None => out.push(missing_column(ctx, pair, mc)),
            Some(dc) => {
                out.extend(type_mismatch(ctx, pair, mc, dc));
                out.extend(nullability(ctx, pair, mc, dc));
                out.extend(default_mismatch(ctx, pair, mc, dc));
            }
        }
    }
    if !pair.lenient {
        for dc in &pair.db.columns {
            if pair.model_col(&dc.name).is_none() {
                out.push(extra_column(ctx, pair, dc));
            }
        }
    }
}

/// How to rebuild a SQLite table, in the project's own terms.
fn rebuild_how(ctx: &Ctx, table: &str) -> String {
    if ctx.diesel() {
        format!("(in up.sql: CREATE TABLE {table}_new (...); INSERT INTO {table}_new SELECT ... FROM {table}; DROP TABLE {table}; ALTER TABLE {table}_new RENAME TO {table};)")
    } else {
        format!("(Alembic: op.batch_alter_table(\"{table}\"))")
    }
}

/// The sentence SQLite users get instead of an ALTER COLUMN.
fn sqlite_rebuild(ctx: &Ctx, db: &crate::schema::Table, col: &str, change: &str) -> String {
    if ctx.diesel() {
        format!(
            "SQLite cannot alter a column in place: rebuild the table in a new migration {}",
            rebuild_how(ctx, &db.name)
        )
    } else {
        super::sqlite_rebuild(db, col, change)
    }
}

fn qualified(pair: &Pair, col: &str) -> String {
    format!("{}.{}", pair.name(), col)
}

fn missing_column(ctx: &Ctx, pair: &Pair, mc: &Column) -> Finding {
    let d = ctx.dialect;
    let q = qualified(pair, &mc.name);
    let lost = ctx
        .migrated
        .lost_columns
        .get(&(pair.db.key(), key(&mc.name)));
    let message = match lost {
        Some(_) => format!("column `{q}` is declared by the model but a migration removed it"),
        None => format!("column `{q}` is declared by the model but no migration creates it"),
    };
    let alembic_add = ctx
        .alembic
        .then(|| super::alembic::add_column(pair.db, mc))
        .flatten();
    let mut help = vec![match &alembic_add {
        Some(op) => super::alembic::in_revision(std::slice::from_ref(op)),
        None => render::add_column(pair.db, mc, d),
    }];
    if !mc.nullable && mc.default.is_none() && !mc.autoincrement {
        match &alembic_add {
            Some(_) => help.extend(super::alembic::not_null_caveat(pair.db, mc, d)),
            None => help.extend(not_null_caveat(ctx, pair, mc, d)),
        }
    } else if d == Dialect::Sqlite && !render::sqlite_constant_default(mc) {
        help.push(format!(
            "{} SQLite rejects ADD COLUMN with a non-constant default: add the column without the default, or rebuild the table {}",
            if alembic_add.is_some() { "#" } else { "--" },
            rebuild_how(ctx, &pair.db.name)
        ));
    }
    help.extend(ctx.migration_hint().map(str::to_string));
    // The model's index and foreign key on this column alone come with it;
    // otherwise MG109/MG110 would only ask for them on the next run.
    let only_this = |cols: &[String]| matches!(cols, [c] if key(c) == key(&mc.name));
    for ix in pair
        .model
        .indexes
        .iter()
        .filter(|i| !i.unique && only_this(&i.columns))
    {
        help.push(match alembic_add {
            Some(_) => super::alembic::create_index(pair.db, ix),
            None => render::create_index(pair.db, ix, d),
        });
    }
    if d != Dialect::Sqlite && alembic_add.is_none() {
        for fk in pair
            .model
            .foreign_keys
            .iter()
            .filter(|f| only_this(&f.columns))
        {
            help.push(super::keys::add_fk_sql(pair, fk, d));
        }
    }
    let (loc, msg) = pair.created_here();
    let f = Finding::new(
        &rules::MG102,
        Some(&pair.name()),
        Some(&mc.name),
        "missing",
        message,
    );
    // A generated schema.rs still declaring a column a migration removed was
    // not regenerated after that migration: the migration is where to look.
    if let (true, Some(l)) = (ctx.diesel(), lost) {
        return f
            .at(l.clone())
            .label(format!(
                "this migration removes `{}`; schema.rs was not regenerated",
                mc.name
            ))
            .related(mc.location.clone(), "schema.rs still declares it here")
            .help(format!(
                "regenerate schema.rs (`diesel print-schema`) or delete the line there, or, if the column must stay, add it back in a new migration:\n{}",
                help.join("\n")
            ));
    }
    let mut f = f
        .at(mc.location.clone())
        .label(format!(
            "`{}` does not exist in the migrated database",
            mc.name
        ))
        .help(help.join("\n"));
    // A table rebuild loses the column where it re-creates the table: one
    // related location then says both.
    if lost != Some(&loc) {
        f = f.related(loc, msg);
    }
    if let Some(l) = lost {
        f = f.related(l.clone(), format!("column `{}` was lost here", mc.name));
    }
    f
}

/// Adding a NOT NULL column with no default fails on a table with rows
/// (always, in SQLite); the first help line stays the exact statement, the
/// rest says how to get there on a live table.
fn not_null_caveat(ctx: &Ctx, pair: &Pair, mc: &Column, d: Dialect) -> Vec<String> {
    let t = render::table_name(pair.db, d);
    let c = render::quote_ident(&mc.name, d);
    let mut nullable = mc.clone();
    nullable.nullable = true;
    match d {
        Dialect::Sqlite => vec![format!(
            "-- SQLite rejects ADD COLUMN ... NOT NULL without a DEFAULT: give the column a server default (DEFAULT <value>), or add it nullable, backfill it and rebuild the table to set NOT NULL {}",
            rebuild_how(ctx, &pair.db.name)
        )],
        Dialect::Postgresql | Dialect::Mysql => {
            let set_not_null = match d {
                Dialect::Mysql => modify_column(pair.db, mc, d).unwrap_or_default(),
                _ => pg_alter(pair.db, &mc.name, "SET NOT NULL"),
            };
            vec![
                "-- this fails if the table has rows: add a server default, or add the column nullable, backfill it, then set NOT NULL:".into(),
                render::add_column(pair.db, &nullable, d),
                format!("UPDATE {t} SET {c} = <value> WHERE {c} IS NULL;"),
                set_not_null,
            ]
        }
    }
}

fn extra_column(ctx: &Ctx, pair: &Pair, dc: &Column) -> Finding {
    let d = ctx.dialect;
    let q = qualified(pair, &dc.name);
    let blocks_inserts = effectively_not_null(pair.db, dc) && !db_fills(pair.db, dc, d);
    let (message, severity, label) = if blocks_inserts {
        (
            format!(
                "column `{q}` exists in the database but the model does not declare it; it is NOT NULL without a default, so inserts through the model fail"
            ),
            Severity::Error,
            "NOT NULL without a default: inserts that omit it fail",
        )
    } else {
        (
            format!("column `{q}` exists in the database but the model does not declare it"),
            Severity::Warning,
            "no model column maps to this",
        )
    };
    let mut declared = dc.clone();
    declared.nullable = !effectively_not_null(pair.db, dc);
    let decl = declare::column_decl(ctx.models.kind, &declared);
    let f = Finding::new(&rules::MG104, Some(&pair.name()), Some(&dc.name), "extra", message)
        .severity(severity)
        .help(if ctx.alembic {
            format!(
                "declare it in the model: {decl}\nor drop it {}",
                super::alembic::in_revision(&[super::alembic::drop_column(pair.db, &dc.name, d)])
            )
        } else {
            format!(
                "declare it in the model: {decl}\nor drop it in a new migration:\nALTER TABLE {} DROP COLUMN {};",
                render::table_name(pair.db, d),
                render::quote_ident(&dc.name, d)
            )
        });
    // A generated schema.rs lacking a column its table was created with was
    // edited by hand: the table's line there is at fault. A column a later
    // migration added is that migration's news, not yet regenerated.
    let created_with_table = dc.location.path == pair.db.location.path;
    if ctx.diesel() && created_with_table {
        return f
            .at(pair.model.location.clone())
            .label(format!("schema.rs does not declare `{}`", dc.name))
            .related(
                dc.location.clone(),
                format!("`{}` is created here", dc.name),
            );
    }
    f.at(dc.location.clone()).label(label)
}

/// What a Diesel schema.rs type says for comparison: a custom SQL type is an
/// enum only when the migrations create an enum of that name (print-schema
/// writes one for every type Diesel lacks: `timetz`, PostGIS types...).
fn diesel_comparable(ctx: &Ctx, ty: &SqlType) -> SqlType {
    match ty {
        SqlType::Enum {
            name: Some(n),
            values,
        } if values.is_empty() => {
            let enums = &ctx.migrated.schema.enums;
            let bare = n.rsplit('.').next().unwrap_or(n);
            if enums.contains_key(&key(n)) || enums.contains_key(&key(bare)) {
                ty.clone()
            } else {
                SqlType::Other(n.clone())
            }
        }
        SqlType::Array(inner) => SqlType::Array(Box::new(diesel_comparable(ctx, inner))),
        other => other.clone(),
    }
}

/// Diesel's `Text` and `Varchar` are one type: without `#[max_length]`
/// schema.rs says nothing about a string's length.
fn diesel_unbounded_string(model: &SqlType, db: &SqlType) -> bool {
    let unbounded = matches!(model, SqlType::Text | SqlType::String { len: None, .. });
    unbounded && matches!(db, SqlType::Text | SqlType::String { .. })
}

/// The migration to blame for a column difference: a generated schema.rs
/// that disagrees with a column a later migration altered was not
/// regenerated after that migration, so the migration is where to look.
fn stale_model_at<'a>(ctx: &Ctx, dc: &'a Column) -> Option<&'a crate::source::Location> {
    if ctx.diesel() {
        dc.changed_at.as_ref()
    } else {
        None
    }
}

fn type_mismatch(ctx: &Ctx, pair: &Pair, mc: &Column, dc: &Column) -> Option<Finding> {
    let d = ctx.dialect;
    let model_ty = if ctx.diesel() {
        diesel_comparable(ctx, &mc.ty)
    } else {
        mc.ty.clone()
    };
    if ctx.diesel() && diesel_unbounded_string(&model_ty, &dc.ty) {
        return None;
    }
    let (severity, why) = match compare(&model_ty, &dc.ty, d) {
        TypeDiff::Compatible => return None,
        TypeDiff::Minor(w) => (Severity::Warning, w),
        TypeDiff::Major(w) => (Severity::Error, w),
    };
    let q = qualified(pair, &mc.name);
    let dt = render::type_sql(&dc.ty, d);
    // the model's type in the model's own language where that is Rust
    let mt = if ctx.diesel() {
        let mut bare = mc.clone();
        bare.nullable = false;
        match mc.ty {
            SqlType::String { len: Some(n), .. } => format!(
                "`{}` with `#[max_length = {n}]`",
                declare::type_decl(ctx.models.kind, &bare)
            ),
            _ => format!("`{}`", declare::type_decl(ctx.models.kind, &bare)),
        }
    } else {
        render::type_sql(&mc.ty, d)
    };
    let mt_sql = render::type_sql(&mc.ty, d);
    let fix = match d {
        Dialect::Postgresql => {
            let using = if severity == Severity::Error {
                format!(
                    " USING {}::{mt_sql}",
                    render::quote_ident(&dc.name, Dialect::Postgresql)
                )
            } else {
                String::new()
            };
            pg_alter(pair.db, &dc.name, &format!("TYPE {mt_sql}{using}"))
        }
        Dialect::Mysql => modify_column(pair.db, mc, d).unwrap_or_default(),
        Dialect::Sqlite => sqlite_rebuild(ctx, pair.db, &dc.name, "type_=..."),
    };
    let fix = match (ctx.alembic, super::alembic::sa_type(&mc.ty)) {
        (true, Some(ty)) => super::alembic::alter_column(pair.db, dc, &format!("type_={ty}"), d),
        _ => fix,
    };
    let f = Finding::new(
        &rules::MG105,
        Some(&pair.name()),
        Some(&mc.name),
        "type",
        format!("column `{q}` is {mt} in the model but {dt} in the database"),
    )
    .severity(severity);
    let f = match stale_model_at(ctx, dc) {
        Some(at) => f
            .at(at.clone())
            .label(format!("this migration makes it {dt}; schema.rs was not regenerated"))
            .related(mc.location.clone(), format!("schema.rs still says {mt} here"))
            .help(format!(
                "regenerate schema.rs (`diesel print-schema`), or change it to match the database: {}\nor, if the migration is wrong, change the column back in a new migration:\n{fix}",
                declare::column_decl(ctx.models.kind, dc)
            )),
        None => f
            .at(mc.location.clone())
            .label(why)
            .related(
                dc.location.clone(),
                format!("the database column is {dt} here"),
            )
            .help(format!(
                "change the column in a new migration:\n{fix}\nor change the model to match the database ({})",
                declare::type_decl(ctx.models.kind, dc)
            )),
    };
    Some(f)
}

fn nullability(ctx: &Ctx, pair: &Pair, mc: &Column, dc: &Column) -> Option<Finding> {
    let d = ctx.dialect;
    let model_nn = effectively_not_null(pair.model, mc);
    let db_nn = effectively_not_null(pair.db, dc);
    if model_nn == db_nn {
        return None;
    }
    let q = qualified(pair, &mc.name);
    if !model_nn {
        // The model may write NULL where the database refuses it. When
        // something fills the value on insert only an explicit None fails,
        // so that is a warning.
        if dc.autoincrement {
            return None;
        }
        let filled = db_fills(pair.db, dc, d) || mc.client_default || mc.default.is_some();
        let fix = match d {
            Dialect::Postgresql => pg_alter(pair.db, &dc.name, "DROP NOT NULL"),
            Dialect::Mysql => modify_column(pair.db, mc, d).unwrap_or_default(),
            Dialect::Sqlite => sqlite_rebuild(ctx, pair.db, &dc.name, "nullable=True"),
        };
        let fix = alembic_nullable(ctx, pair, dc, true).unwrap_or(fix);
        let f = Finding::new(
            &rules::MG106,
            Some(&pair.name()),
            Some(&mc.name),
            "nullable-in-model",
            format!("column `{q}` allows NULL in the model but is NOT NULL in the database"),
        )
        .severity(if filled {
            Severity::Warning
        } else {
            Severity::Error
        });
        let declare_not_null =
            model_fix(ctx, dc, false, "declare it `nullable=False` in the model");
        return Some(match stale_model_at(ctx, dc) {
            Some(at) => stale_nullability(ctx, f, at, mc, dc, "NOT NULL", &fix),
            None => f
                .at(mc.location.clone())
                .label("writing None here fails with a NOT NULL violation")
                .related(dc.location.clone(), "the database column is NOT NULL here")
                .help(format!(
                    "{declare_not_null}, or allow NULL in a new migration:\n{fix}"
                )),
        });
    }
    let fix = match d {
        Dialect::Postgresql => pg_alter(pair.db, &dc.name, "SET NOT NULL"),
        Dialect::Mysql => modify_column(pair.db, mc, d).unwrap_or_default(),
        Dialect::Sqlite => sqlite_rebuild(ctx, pair.db, &dc.name, "nullable=False"),
    };
    let fix = alembic_nullable(ctx, pair, dc, false).unwrap_or(fix);
    let f = Finding::new(
        &rules::MG106,
        Some(&pair.name()),
        Some(&mc.name),
        "nullable-in-db",
        format!("column `{q}` is NOT NULL in the model but allows NULL in the database"),
    )
    .severity(Severity::Warning);
    let declare_nullable = model_fix(ctx, dc, true, "declare it `nullable=True` in the model");
    Some(match stale_model_at(ctx, dc) {
        Some(at) => stale_nullability(ctx, f, at, mc, dc, "nullable", &fix),
        None => f
            .at(mc.location.clone())
            .label("the database accepts NULL here; rows written by other code may have it")
            .related(dc.location.clone(), "the database column allows NULL here")
            .help(format!(
                "make the database agree in a new migration (backfill NULLs first):\n{fix}\nor {declare_nullable}"
            )),
    })
}

/// The `alter_column(..., nullable=...)` of an Alembic revision.
fn alembic_nullable(ctx: &Ctx, pair: &Pair, dc: &Column, nullable: bool) -> Option<String> {
    ctx.alembic.then(|| {
        let change = format!("nullable={}", if nullable { "True" } else { "False" });
        super::alembic::alter_column(pair.db, dc, &change, ctx.dialect)
    })
}

/// How to make the model say NULL / NOT NULL: SQLAlchemy's keyword, or the
/// line of a Rust model (`bio -> Nullable<Text>,`).
fn model_fix(ctx: &Ctx, dc: &Column, nullable: bool, sqlalchemy: &str) -> String {
    match ctx.models.kind {
        crate::discover::ModelKind::Sqlalchemy => sqlalchemy.to_string(),
        kind => {
            let mut c = dc.clone();
            c.nullable = nullable;
            format!(
                "declare it `{}` in the model",
                declare::column_decl(kind, &c)
            )
        }
    }
}

/// MG106 reported at the migration that changed the column after it was
/// created, when the model is a generated schema.rs that did not follow.
fn stale_nullability(
    ctx: &Ctx,
    f: Finding,
    at: &crate::source::Location,
    mc: &Column,
    dc: &Column,
    now: &str,
    revert: &str,
) -> Finding {
    let was = if mc.nullable {
        "Nullable<...>"
    } else {
        "no Nullable<...>"
    };
    f.at(at.clone())
        .label(format!(
            "this migration makes the column {now}; schema.rs was not regenerated"
        ))
        .related(mc.location.clone(), format!("schema.rs still says {was} here"))
        .help(format!(
            "regenerate schema.rs (`diesel print-schema`), or change it to match the database: {}\nor, if the migration is wrong, undo it in a new migration:\n{revert}",
            declare::column_decl(ctx.models.kind, dc)
        ))
}

/// Defaults compared loosely: quotes and case are folded because frontends
/// see `server_default="draft"` where the SQL says `'draft'`.
fn loose_default(s: &str) -> String {
    s.trim().trim_matches('\'').to_ascii_lowercase()
}

fn default_mismatch(ctx: &Ctx, pair: &Pair, mc: &Column, dc: &Column) -> Option<Finding> {
    let (md, dd) = (mc.default.as_ref()?, dc.default.as_ref()?);
    if loose_default(&md.normalized) == loose_default(&dd.normalized) {
        return None;
    }
    // A sequence default is how PostgreSQL implements SERIAL; a model that
    // spells it differently still gets a generated value.
    if dd.normalized.starts_with("nextval(") && md.normalized.starts_with("nextval(") {
        return None;
    }
    let d = ctx.dialect;
    let q = qualified(pair, &mc.name);
    let model_default = render::default_sql(mc, d).unwrap_or_else(|| md.raw.clone());
    let fix = match d {
        Dialect::Sqlite => sqlite_rebuild(
            ctx,
            pair.db,
            &dc.name,
            &format!("server_default=sa.text({model_default:?})"),
        ),
        _ => format!(
            "ALTER TABLE {} ALTER COLUMN {} SET DEFAULT {};",
            render::table_name(pair.db, d),
            render::quote_ident(&dc.name, d),
            model_default
        ),
    };
    Some(
        Finding::new(
            &rules::MG107,
            Some(&pair.name()),
            Some(&mc.name),
            "default",
            format!(
                "column `{q}` has server default {} in the model but {} in the database",
                model_default, dd.raw
            ),
        )
        .at(mc.location.clone())
        .label("rows inserted without this column get the database's default")
        .related(
            dc.location.clone(),
            format!("the database default is {} here", dd.raw),
        )
        .help(format!(
            "change the default in a new migration:\n{fix}\nor change the model's server_default to {}",
            dd.raw
        )),
    )
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use crate::dialect::Dialect::{self, *};
    use crate::rules::Severity;

    fn services_db() -> T {
        T::db("services")
            .pk("id")
            .col("name", "varchar(100)", false)
    }

    fn services_model() -> T {
        T::model("services")
            .pk("id")
            .col("name", "varchar(100)", false)
            .col("description", "varchar", true)
    }

    #[test]
    fn mg102_help_brings_the_columns_own_index_and_foreign_key() {
        let model = || {
            T::model("orders")
                .pk("id")
                .col("customer_id", "integer", true)
                .index(Some("ix_orders_customer_id"), &["customer_id"], false)
                .index(Some("ix_orders_other"), &["customer_id", "id"], false)
                .fk(&["customer_id"], "customers", &["id"])
                .fk_as(None, Some(crate::schema::FkAction::Cascade), None)
        };
        let db = || T::db("orders").pk("id");
        let f = run(vec![model()], vec![db()], Mysql);
        assert_eq!(ids(&f), ["MG102:orders.customer_id:missing"]);
        assert_eq!(
            f[0].help.as_deref(),
            Some("ALTER TABLE orders ADD COLUMN customer_id INTEGER;\nCREATE INDEX ix_orders_customer_id ON orders (customer_id);\nALTER TABLE orders ADD CONSTRAINT fk_orders_customer_id_customers FOREIGN KEY (customer_id) REFERENCES customers (id) ON DELETE CASCADE;")
        );
        // SQLite adds foreign keys only in CREATE TABLE: the index alone
        let f = run(vec![model()], vec![db()], Sqlite);
        assert_eq!(
            f[0].help.as_deref(),
            Some("ALTER TABLE orders ADD COLUMN customer_id INTEGER;\nCREATE INDEX ix_orders_customer_id ON orders (customer_id);")
        );
    }

    #[test]
    fn mg102_help_is_exact_in_each_dialect() {
        for (dialect, help) in [
            (Sqlite, "ALTER TABLE services ADD COLUMN description TEXT;"),
            (
                Postgresql,
                "ALTER TABLE services ADD COLUMN description VARCHAR;",
            ),
            (
                Mysql,
                "ALTER TABLE services ADD COLUMN description VARCHAR(255);",
            ),
        ] {
            let f = run(vec![services_model()], vec![services_db()], dialect);
            assert_eq!(ids(&f), ["MG102:services.description:missing"], "{dialect}");
            assert_eq!(f[0].help.as_deref(), Some(help), "{dialect}");
            assert_eq!(
                f[0].message,
                "column `services.description` is declared by the model but no migration creates it"
            );
            let l = f[0].location.as_ref().unwrap();
            assert_eq!((l.path.as_ref(), l.start.line), ("app/models.py", 4));
            assert_eq!(
                f[0].related[0].location.path.as_ref(),
                "migrations/0001_init.sql"
            );
        }
        let f = run(
            vec![T::model("services")
                .pk("id")
                .col("description", "text", true)],
            vec![T::db("services").pk("id").col("description", "text", true)],
            Sqlite,
        );
        assert!(f.is_empty());
    }

    #[test]
    fn mg102_not_null_without_default_explains_backfill() {
        let model = || {
            T::model("jobs")
                .pk("id")
                .col("job_serial", "varchar(20)", false)
        };
        let f = run(vec![model()], vec![T::db("jobs").pk("id")], Postgresql);
        let help = f[0].help.as_deref().unwrap();
        let lines: Vec<&str> = help.lines().collect();
        assert_eq!(
            lines[0],
            "ALTER TABLE jobs ADD COLUMN job_serial VARCHAR(20) NOT NULL;"
        );
        assert!(lines.contains(&"ALTER TABLE jobs ADD COLUMN job_serial VARCHAR(20);"));
        assert!(lines.contains(&"ALTER TABLE jobs ALTER COLUMN job_serial SET NOT NULL;"));
        let f = run(vec![model()], vec![T::db("jobs").pk("id")], Mysql);
        assert!(f[0]
            .help
            .as_deref()
            .unwrap()
            .ends_with("ALTER TABLE jobs MODIFY COLUMN job_serial VARCHAR(20) NOT NULL;"));
        let f = run(vec![model()], vec![T::db("jobs").pk("id")], Sqlite);
        let help = f[0].help.as_deref().unwrap();
        assert!(help.starts_with(
            "ALTER TABLE jobs ADD COLUMN job_serial VARCHAR(20) NOT NULL;\n-- SQLite rejects"
        ));
        // with a server default the statement alone works
        let f = run(
            vec![model().default("job_serial", "'none'")],
            vec![T::db("jobs").pk("id")],
            Postgresql,
        );
        assert_eq!(
            f[0].help.as_deref(),
            Some("ALTER TABLE jobs ADD COLUMN job_serial VARCHAR(20) NOT NULL DEFAULT 'none';")
        );
    }

    #[test]
    fn mg102_sqlite_help_runs_against_the_migrated_schema() {
        let model = T::model("services")
            .pk("id")
            .col("name", "varchar(100)", false)
            .col("description", "varchar", true)
            .col("slug", "varchar(40)", true)
            .unique("slug")
            .col("ready", "boolean", false)
            .default("ready", "false");
        let (m, d) = schemas(vec![model], vec![services_db()]);
        let f = crate::diff::diff(&m, &d, Sqlite);
        assert_eq!(f.len(), 3, "{:?}", ids(&f));
        let db = rusqlite::Connection::open_in_memory().unwrap();
        db.execute_batch(&crate::schema::render::schema_sql(&d.schema, Sqlite))
            .unwrap();
        for finding in &f {
            let help = finding.help.as_deref().unwrap();
            db.execute_batch(help)
                .unwrap_or_else(|e| panic!("{e}: {help}"));
        }
        db.execute("INSERT INTO services (name, slug) VALUES ('a', 's')", [])
            .unwrap();
        assert!(db
            .execute("INSERT INTO services (name, slug) VALUES ('b', 's')", [])
            .is_err());
        // MySQL restates the column without UNIQUE (that would add an index)
        let (m, d) = schemas(
            vec![T::model("t")
                .pk("id")
                .col("c", "varchar(9)", false)
                .unique("c")],
            vec![T::db("t").pk("id")],
        );
        let f = crate::diff::diff(&m, &d, Mysql);
        assert!(f[0]
            .help
            .as_deref()
            .unwrap()
            .ends_with("ALTER TABLE t MODIFY COLUMN c VARCHAR(9) NOT NULL;"));
    }

    #[test]
    fn mg102_points_at_where_the_column_was_lost() {
        let (m, mut d) = schemas(vec![services_model()], vec![services_db()]);
        d.lost_columns
            .insert(("services".into(), "description".into()), dloc(12));
        let f = crate::diff::diff(&m, &d, Sqlite);
        assert_eq!(f.len(), 1);
        assert!(
            f[0].message.contains("a migration removed it"),
            "{}",
            f[0].message
        );
        assert_eq!(f[0].related.len(), 2);
        assert!(f[0]
            .related
            .iter()
            .any(|r| r.location.start.line == 12 && r.message.contains("lost here")));
        // lost where the table is (re)created: said once
        let (m, mut d) = schemas(vec![services_model()], vec![services_db()]);
        d.lost_columns
            .insert(("services".into(), "description".into()), dloc(1));
        let f = crate::diff::diff(&m, &d, Sqlite);
        assert_eq!(f[0].related.len(), 1);
        assert!(f[0].related[0].message.contains("lost here"));
    }

    #[test]
    fn mg104_extra_column_warning_or_error() {
        let model = || T::model("users").pk("id");
        let cases: &[(T, Option<Severity>)] = &[
            (
                T::db("users").pk("id").col("nickname", "text", true),
                Some(Severity::Warning),
            ),
            (
                T::db("users").pk("id").col("nickname", "text", false),
                Some(Severity::Error),
            ),
            (
                T::db("users")
                    .pk("id")
                    .col("nickname", "text", false)
                    .default("nickname", "''"),
                Some(Severity::Warning),
            ),
            (T::db("users").pk("id"), None),
        ];
        for (db, want) in cases {
            let f = run(vec![model()], vec![T(db.0.clone(), false)], Sqlite);
            assert_eq!(f.first().map(|f| f.severity), *want, "{:?}", ids(&f));
            if want.is_some() {
                assert_eq!(ids(&f), ["MG104:users.nickname:extra"]);
                let help = f[0].help.as_deref().unwrap();
                assert!(
                    help.ends_with("ALTER TABLE users DROP COLUMN nickname;"),
                    "{help}"
                );
                assert!(help.contains("nickname = Column(Text"), "{help}");
                assert_eq!(
                    f[0].location.as_ref().unwrap().path.as_ref(),
                    "migrations/0001_init.sql"
                );
            }
        }
    }

    #[test]
    fn mg104_is_silent_on_tables_with_unresolved_model_constructs() {
        let (mut m, d) = schemas(
            vec![T::model("users").pk("id")],
            vec![T::db("users").pk("id").col("tenant_id", "integer", false)],
        );
        m.findings.push(
            crate::findings::Finding::new(
                &crate::rules::MG001,
                Some("users"),
                None,
                "mixin",
                "unresolved",
            )
            .at(mloc(1)),
        );
        assert!(crate::diff::diff(&m, &d, Sqlite).is_empty());
    }

    fn type_case(model_ty: &str, db_ty: &str, dialect: Dialect) -> Option<Severity> {
        let f = run(
            vec![T::model("t").pk("id").col("c", model_ty, true)],
            vec![T::db("t").pk("id").col("c", db_ty, true)],
            dialect,
        );
        let f = only(&f, "MG105");
        f.first().map(|f| f.severity)
    }

    #[test]
    fn mg105_type_mismatch_per_dialect() {
        use Severity::*;
        let cases = [
            ("varchar(100)", "varchar(20)", Sqlite, None),
            ("integer", "text", Sqlite, Some(Warning)),
            ("boolean", "integer", Sqlite, None),
            ("varchar(100)", "varchar(20)", Postgresql, Some(Warning)),
            ("integer", "text", Postgresql, Some(Error)),
            ("geometry", "text", Postgresql, None),
            ("integer", "integer", Postgresql, None),
            ("boolean", "tinyint(1)", Mysql, None),
            ("integer", "varchar(10)", Mysql, Some(Error)),
        ];
        for (m, d, dialect, want) in cases {
            assert_eq!(type_case(m, d, dialect), want, "{m} vs {d} in {dialect}");
        }
        let f = run(
            vec![T::model("t").pk("id").col("c", "integer", true)],
            vec![T::db("t").pk("id").col("c", "text", true)],
            Postgresql,
        );
        assert_eq!(ids(&f), ["MG105:t.c:type"]);
        assert_eq!(
            f[0].message,
            "column `t.c` is INTEGER in the model but TEXT in the database"
        );
        assert!(f[0]
            .help
            .as_deref()
            .unwrap()
            .contains("ALTER TABLE t ALTER COLUMN c TYPE INTEGER USING c::INTEGER;"));
    }

    fn null_case(
        model_nullable: bool,
        db_nullable: bool,
        tweak: fn(T) -> T,
    ) -> Vec<(String, Severity)> {
        let f = run(
            vec![T::model("t").pk("id").col("c", "text", model_nullable)],
            vec![tweak(T::db("t").pk("id").col("c", "text", db_nullable))],
            Postgresql,
        );
        only(&f, "MG106")
            .iter()
            .map(|f| (f.fingerprint.clone(), f.severity))
            .collect()
    }

    #[test]
    fn mg106_nullability() {
        assert_eq!(
            null_case(true, false, |t| t),
            [("MG106:t.c:nullable-in-model".to_string(), Severity::Error)]
        );
        assert_eq!(
            null_case(false, true, |t| t),
            [("MG106:t.c:nullable-in-db".to_string(), Severity::Warning)]
        );
        assert!(null_case(true, true, |t| t).is_empty());
        assert!(null_case(false, false, |t| t).is_empty());
        // a database default fills the value: only an explicit None fails
        assert_eq!(
            null_case(true, false, |t| t.default("c", "''"))[0].1,
            Severity::Warning
        );
        // primary keys are NOT NULL on both sides whatever is written
        let mut m = T::model("k").col("code", "text", true);
        m.0.primary_key.push("code".into());
        let mut d = T::db("k").col("code", "text", true);
        d.0.primary_key.push("code".into());
        let f = run(vec![m], vec![d], Sqlite);
        assert!(f.is_empty(), "{:?}", ids(&f));
    }

    /// A Diesel schema.rs model against `db`: `(fingerprint, path:line)`.
    fn diesel_run(
        models: Vec<T>,
        db: Vec<T>,
        tweak: impl FnOnce(&mut crate::migrations::MigratedSchema),
    ) -> Vec<(String, String)> {
        let (mut m, mut d) = schemas(models, db);
        m.kind = crate::discover::ModelKind::Diesel;
        tweak(&mut d);
        crate::diff::diff(&m, &d, Postgresql)
            .iter()
            .map(|f| {
                let l = f.location.as_ref().unwrap();
                (
                    f.fingerprint.clone(),
                    format!("{}:{}", l.path, l.start.line),
                )
            })
            .collect()
    }

    #[test]
    fn diesel_models_say_nothing_about_constraints_lengths_or_unknown_custom_types() {
        use crate::schema::SqlType;
        let custom = |name: &str| SqlType::Enum {
            name: Some(name.into()),
            values: vec![],
        };
        let model = T::model("users")
            .pk("id")
            .col("email", "text", false)
            .col("code", "varchar", false)
            .col("open_at", "text", false)
            .col("mood", "text", false)
            .col("team_id", "integer", false);
        let mut model = model;
        model.0.columns[3].ty = custom("timetz");
        model.0.columns[4].ty = custom("mood");
        let db = T::db("users")
            .pk("id")
            .col("email", "varchar(255)", false)
            .unique("email")
            .col("code", "char(8)", false)
            .default("code", "'x'")
            .col("open_at", "timetz", false)
            .col("mood", "integer", false)
            .col("team_id", "integer", false)
            .fk(&["team_id"], "teams", &["id"])
            .index(None, &["team_id"], false);
        // the same pair from SQLAlchemy models: the unique constraint and the
        // foreign key the model lacks are reported
        let (m, d) = schemas(vec![T(model.0.clone(), true)], vec![T(db.0.clone(), false)]);
        let sqlalchemy = crate::diff::diff(&m, &d, Postgresql);
        assert!(
            !only(&sqlalchemy, "MG109").is_empty(),
            "{:?}",
            ids(&sqlalchemy)
        );
        assert!(
            !only(&sqlalchemy, "MG110").is_empty(),
            "{:?}",
            ids(&sqlalchemy)
        );
        // schema.rs states neither; `timetz` and `mood` are no enums of the
        // migrations, so never compared; Text matches any string
        let got = diesel_run(vec![model], vec![db], |_| {});
        assert!(got.is_empty(), "{got:?}");
    }

    #[test]
    fn diesel_enum_types_compare_when_the_migrations_create_them() {
        let mut model = T::model("users").pk("id").col("mood", "text", false);
        model.0.columns[1].ty = crate::schema::SqlType::Enum {
            name: Some("mood".into()),
            values: vec![],
        };
        let db = T::db("users").pk("id").col("mood", "integer", false);
        let got = diesel_run(vec![model], vec![db], |d| {
            d.schema.enums.insert(
                "mood".into(),
                crate::schema::EnumType {
                    name: "mood".into(),
                    values: vec!["ok".into()],
                    location: dloc(1),
                },
            );
        });
        assert_eq!(
            got,
            [(
                "MG105:users.mood:type".to_string(),
                "app/models.py:3".to_string()
            )]
        );
    }

    #[test]
    fn diesel_blames_the_migration_that_altered_the_column() {
        let model = || T::model("posts").pk("id").col("body", "text", true);
        let db = || T::db("posts").pk("id").col("body", "text", false);
        // schema.rs edited: its line
        assert_eq!(
            diesel_run(vec![model()], vec![db()], |_| {}),
            [(
                "MG106:posts.body:nullable-in-model".to_string(),
                "app/models.py:3".to_string()
            )]
        );
        // a later ALTER made it NOT NULL: that migration's line
        let got = diesel_run(vec![model()], vec![db()], |d| {
            if let Some(t) = d.schema.tables.get_mut("posts") {
                if let Some(c) = t.column_mut("body") {
                    c.changed_at = Some(crate::source::Location::line(
                        "migrations/2024-05-01-000000_body/up.sql",
                        2,
                    ));
                }
            }
        });
        assert_eq!(
            got,
            [(
                "MG106:posts.body:nullable-in-model".to_string(),
                "migrations/2024-05-01-000000_body/up.sql:2".to_string()
            )]
        );
    }

    #[test]
    fn mg107_default_mismatch_only_when_both_sides_have_one() {
        let f = run(
            vec![T::model("t")
                .pk("id")
                .col("s", "text", true)
                .default("s", "'draft'")],
            vec![T::db("t")
                .pk("id")
                .col("s", "text", true)
                .default("s", "'new'::text")],
            Postgresql,
        );
        assert_eq!(ids(&f), ["MG107:t.s:default"]);
        assert_eq!(
            f[0].help.as_deref().unwrap().lines().nth(1),
            Some("ALTER TABLE t ALTER COLUMN s SET DEFAULT 'draft';")
        );
        // a model's unquoted string default is a string literal in the help
        let f = run(
            vec![T::model("t")
                .pk("id")
                .col("s", "text", true)
                .default("s", "USD")],
            vec![T::db("t")
                .pk("id")
                .col("s", "text", true)
                .default("s", "'EUR'")],
            Mysql,
        );
        assert_eq!(
            f[0].help.as_deref().unwrap().lines().nth(1),
            Some("ALTER TABLE t ALTER COLUMN s SET DEFAULT 'USD';")
        );
        for (m, d) in [
            (Some("'draft'"), Some("'draft'::character varying")),
            (Some("draft"), Some("'draft'")),
            (Some("'Draft'"), Some("draft")),
            (None, Some("'x'")),
            (Some("now()"), Some("CURRENT_TIMESTAMP")),
        ] {
            let mut mt = T::model("t").pk("id").col("s", "text", true);
            let mut dt = T::db("t").pk("id").col("s", "text", true);
            if let Some(m) = m {
                mt = mt.default("s", m);
            }
            if let Some(d) = d {
                dt = dt.default("s", d);
            }
            let f = run(vec![mt], vec![dt], Postgresql);
            assert!(f.is_empty(), "{m:?} vs {d:?}: {:?}", ids(&f));
        }
    }
}
