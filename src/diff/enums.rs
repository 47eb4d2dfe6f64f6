//! MG111 enum-mismatch: the model can write a value the database rejects.
//!
//! The database's accepted set comes from a PostgreSQL enum type, a MySQL
//! ENUM, or a `CHECK (col IN (...))` (SQLAlchemy's non-native enum). Values
//! the database accepts but the model lacks are not reported: writes work.

use super::{Ctx, Pair};
use crate::dialect::Dialect;
use crate::findings::Finding;
use crate::rules;
use crate::schema::render;
use crate::schema::{key, Column, SqlType, Table};
use sqlparser::ast::{Expr, Value};
use sqlparser::parser::Parser;

pub(crate) fn check(ctx: &Ctx, pair: &Pair, out: &mut Vec<Finding>) {
    for mc in &pair.model.columns {
        let Some(dc) = pair.db_col(&mc.name) else {
            continue;
        };
        out.extend(check_column(ctx, pair, mc, dc));
    }
}

enum Accepts {
    /// A database enum type (PostgreSQL, by name when known) or MySQL ENUM.
    Enum {
        name: Option<String>,
        values: Vec<String>,
    },
    Check(Vec<String>),
}

fn model_values(ty: &SqlType) -> Option<&[String]> {
    match ty {
        SqlType::Enum { values, .. } if !values.is_empty() => Some(values),
        SqlType::Array(inner) => model_values(inner),
        _ => None,
    }
}

fn db_accepts(ctx: &Ctx, table: &Table, dc: &Column) -> Option<Accepts> {
    let ty = match &dc.ty {
        SqlType::Array(inner) => inner.as_ref(),
        t => t,
    };
    match ty {
        SqlType::Enum { name, values } => {
            // The named type holds the current values (ALTER TYPE ... ADD
            // VALUE after the column was created); the column's own list is
            // the fallback.
            let named = name
                .as_deref()
                .and_then(|n| ctx.migrated.schema.enums.get(&key(n)))
                .filter(|e| !e.values.is_empty());
            let values = match named {
                Some(e) => e.values.clone(),
                None => values.clone(),
            };
            if values.is_empty() {
                return None;
            }
            Some(Accepts::Enum {
                name: name.clone(),
                values,
            })
        }
        SqlType::String { .. } | SqlType::Text => {
            let mut found: Option<Vec<String>> = None;
            for c in &table.checks {
                if let Some(v) = check_in_list(&c.sql, &dc.name, ctx.dialect) {
                    // Several checks on one column: a value must pass all.
                    found = Some(match found {
                        None => v,
                        Some(prev) => prev.into_iter().filter(|x| v.contains(x)).collect(),
                    });
                }
            }
            found.map(Accepts::Check)
        }
        _ => None,
    }
}

/// The literal list of `col IN ('a', 'b')` when that is the whole check.
fn check_in_list(sql: &str, column: &str, dialect: Dialect) -> Option<Vec<String>> {
    let body = render::strip_check_keyword(sql);
    let parser_dialect = dialect.sqlparser();
    let expr = Parser::new(parser_dialect.as_ref())
        .try_with_sql(body)
        .ok()?
        .parse_expr()
        .ok()?;
    let mut e = &expr;
    while let Expr::Nested(inner) = e {
        e = inner;
    }
    let Expr::InList {
        expr,
        list,
        negated: false,
    } = e
    else {
        return None;
    };
    let mut target = expr.as_ref();
    loop {
        match target {
            Expr::Nested(i) => target = i,
            Expr::Cast { expr, .. } => target = expr,
            _ => break,
        }
    }
    let name = match target {
        Expr::Identifier(i) => &i.value,
        Expr::CompoundIdentifier(parts) => &parts.last()?.value,
        _ => return None,
    };
    if key(name) != key(column) {
        return None;
    }
    list.iter().map(literal).collect()
}

fn literal(e: &Expr) -> Option<String> {
    match e {
        Expr::Value(v) => match &v.value {
            Value::SingleQuotedString(s) => Some(s.clone()),
            _ => None,
        },
        Expr::Cast { expr, .. } | Expr::Nested(expr) => literal(expr),
        _ => None,
    }
}

fn check_column(ctx: &Ctx, pair: &Pair, mc: &Column, dc: &Column) -> Option<Finding> {
    let d = ctx.dialect;
    let wanted = model_values(&mc.ty)?;
    let accepts = db_accepts(ctx, pair.db, dc);
    let q = format!("{}.{}", pair.name(), mc.name);
    // MySQL compares ENUM values with the column's collation, usually
    // case-insensitive; PostgreSQL enum labels and CHECKs are exact.
    let accepted = |set: &[String], v: &str| match (d, &accepts) {
        (Dialect::Mysql, Some(Accepts::Enum { .. })) => {
            set.iter().any(|s| s.eq_ignore_ascii_case(v))
        }
        _ => set.iter().any(|s| s == v),
    };
    // Accepted only case-insensitively: MySQL stores its own spelling, and
    // SQLAlchemy's Enum cannot read that back (LookupError).
    let mut respelled: Vec<&String> = Vec::new();
    let (rejected, what, help): (Vec<&String>, String, String) = match &accepts {
        Some(Accepts::Enum { name, values }) => {
            let rejected: Vec<&String> = wanted.iter().filter(|v| !accepted(values, v)).collect();
            if d == Dialect::Mysql {
                respelled = wanted
                    .iter()
                    .filter(|v| accepted(values, v) && !values.contains(v))
                    .collect();
            }
            let what = match (d, name) {
                (Dialect::Postgresql, Some(n)) => format!("the database enum `{n}`"),
                _ => "the database ENUM".to_string(),
            };
            let help = match (d, name) {
                (Dialect::Postgresql, Some(n)) => rejected
                    .iter()
                    .map(|v| {
                        format!(
                            "ALTER TYPE {} ADD VALUE '{}';",
                            render::quote_path(n, d),
                            v.replace('\'', "''")
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n"),
                _ => {
                    let mut all: Vec<String> = values
                        .iter()
                        .map(|v| {
                            respelled
                                .iter()
                                .find(|r| r.eq_ignore_ascii_case(v))
                                .map_or_else(|| v.clone(), |r| r.to_string())
                        })
                        .collect();
                    all.extend(rejected.iter().map(|v| v.to_string()));
                    let mut target = dc.clone();
                    target.ty = SqlType::Enum {
                        name: name.clone(),
                        values: all,
                    };
                    target.nullable = mc.nullable && dc.nullable;
                    format!(
                        "ALTER TABLE {} MODIFY COLUMN {};",
                        render::table_name(pair.db, d),
                        render::column_definition(&target, Dialect::Mysql)
                    )
                }
            };
            (rejected, what, help)
        }
        Some(Accepts::Check(values)) => {
            let rejected: Vec<&String> = wanted.iter().filter(|v| !accepted(values, v)).collect();
            let help = format!(
                "replace the CHECK constraint on `{}` in a new migration so it accepts {}{}",
                dc.name,
                list(&rejected),
                if d == Dialect::Sqlite {
                    " (SQLite: rebuild the table, Alembic: op.batch_alter_table)"
                } else {
                    ""
                }
            );
            (rejected, "the database CHECK constraint".to_string(), help)
        }
        None => {
            // A VARCHAR too short for a value rejects it too, where lengths
            // are enforced.
            let SqlType::String { len: Some(n), .. } = dc.ty else {
                return None;
            };
            if d == Dialect::Sqlite {
                return None;
            }
            let rejected: Vec<&String> = wanted
                .iter()
                .filter(|v| v.chars().count() > n as usize)
                .collect();
            let mut target = dc.clone();
            target.ty = SqlType::String {
                len: wanted.iter().map(|v| v.chars().count() as u32).max(),
                fixed: false,
            };
            let help = match d {
                Dialect::Postgresql => super::pg_alter(
                    pair.db,
                    &dc.name,
                    &format!("TYPE {}", render::type_sql(&target.ty, d)),
                ),
                _ => format!(
                    "ALTER TABLE {} MODIFY COLUMN {};",
                    render::table_name(pair.db, d),
                    render::column_definition(&target, d)
                ),
            };
            (rejected, format!("the database column VARCHAR({n})"), help)
        }
    };
    if rejected.is_empty() && !respelled.is_empty() {
        let stored: Vec<String> = match &accepts {
            Some(Accepts::Enum { values, .. }) => respelled
                .iter()
                .filter_map(|r| values.iter().find(|v| v.eq_ignore_ascii_case(r)))
                .map(|v| format!("'{v}'"))
                .collect(),
            _ => Vec::new(),
        };
        return Some(
            Finding::new(
                &rules::MG111,
                Some(&pair.name()),
                Some(&mc.name),
                "enum",
                format!(
                    "column `{q}` writes {} but the database ENUM stores {}: the model cannot read {} back",
                    list(&respelled),
                    stored.join(", "),
                    if respelled.len() == 1 { "it" } else { "them" }
                ),
            )
            .at(mc.location.clone())
            .label(format!("reading {} fails", stored.join(", ")))
            .related(
                dc.location.clone(),
                "the database column is declared here".to_string(),
            )
            .help(format!(
                "spell the values as the model does in a new migration:\n{help}\nor, if the model's enum class has member names that differ from the database's values, pass values_callable=lambda e: [m.value for m in e] to Enum(...)"
            )),
        );
    }
    if rejected.is_empty() {
        return None;
    }
    Some(
        Finding::new(
            &rules::MG111,
            Some(&pair.name()),
            Some(&mc.name),
            "enum",
            format!(
                "column `{q}` can hold {} in the model but {what} rejects {}",
                list(&rejected),
                if rejected.len() == 1 { "it" } else { "them" }
            ),
        )
        .at(mc.location.clone())
        .label(format!("writing {} fails", list(&rejected)))
        .related(
            dc.location.clone(),
            "the database column is declared here".to_string(),
        )
        .help(format!("accept the new values in a new migration:\n{help}")),
    )
}

fn list(values: &[&String]) -> String {
    values
        .iter()
        .map(|v| format!("'{v}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::*;
    use crate::dialect::Dialect::*;
    use crate::schema::EnumType;

    fn enum_col(name: &str, ty_name: Option<&str>, values: &[&str], model: bool) -> Column {
        let mut c = col(name, "text", true, 3, model);
        c.ty = SqlType::Enum {
            name: ty_name.map(str::to_string),
            values: values.iter().map(|v| v.to_string()).collect(),
        };
        c
    }

    fn model() -> T {
        T::model("jobs").pk("id").with(enum_col(
            "status",
            Some("job_status"),
            &["queued", "running", "paused"],
            true,
        ))
    }

    #[test]
    fn postgres_enum_type_missing_a_value() {
        let (m, mut d) = schemas(
            vec![model()],
            vec![T::db("jobs")
                .pk("id")
                .with(enum_col("status", Some("job_status"), &[], false))],
        );
        d.schema.enums.insert(
            "job_status".into(),
            EnumType {
                name: "job_status".into(),
                values: vec!["queued".into(), "running".into()],
                location: dloc(1),
            },
        );
        let f = crate::diff::diff(&m, &d, Postgresql);
        assert_eq!(ids(&f), ["MG111:jobs.status:enum"]);
        assert_eq!(
            f[0].message,
            "column `jobs.status` can hold 'paused' in the model but the database enum `job_status` rejects it"
        );
        assert_eq!(
            f[0].help.as_deref().unwrap().lines().last(),
            Some("ALTER TYPE job_status ADD VALUE 'paused';")
        );
        // all values accepted: silent
        d.schema
            .enums
            .get_mut("job_status")
            .unwrap()
            .values
            .push("paused".into());
        assert!(crate::diff::diff(&m, &d, Postgresql).is_empty());
        // the column kept the list it was created with; the type gained a value later
        let stale = enum_col("status", Some("job_status"), &["queued"], false);
        d.schema.tables.get_mut("jobs").unwrap().columns[1] = stale;
        assert!(crate::diff::diff(&m, &d, Postgresql).is_empty());
    }

    #[test]
    fn mysql_enum_and_sqlite_check() {
        let f = run(
            vec![model()],
            vec![T::db("jobs").pk("id").with(enum_col(
                "status",
                None,
                &["QUEUED", "running"],
                false,
            ))],
            Mysql,
        );
        assert_eq!(ids(&f), ["MG111:jobs.status:enum"]);
        assert!(f[0].message.contains("'paused'") && !f[0].message.contains("queued"));
        assert!(f[0]
            .help
            .as_deref()
            .unwrap()
            .ends_with("MODIFY COLUMN status ENUM('queued', 'running', 'paused');"));
        // accepted on write only case-insensitively: SQLAlchemy cannot read
        // the database's spelling back (checked on MariaDB)
        let f = run(
            vec![model()],
            vec![T::db("jobs").pk("id").with(enum_col(
                "status",
                None,
                &["QUEUED", "running", "paused"],
                false,
            ))],
            Mysql,
        );
        assert_eq!(ids(&f), ["MG111:jobs.status:enum"]);
        assert_eq!(
            f[0].message,
            "column `jobs.status` writes 'queued' but the database ENUM stores 'QUEUED': the model cannot read it back"
        );
        assert!(f[0]
            .help
            .as_deref()
            .unwrap()
            .contains("MODIFY COLUMN status ENUM('queued', 'running', 'paused');"));

        let db = |check: &str| {
            T::db("jobs")
                .pk("id")
                .col("status", "varchar(7)", true)
                .check(check)
        };
        let f = run(
            vec![model()],
            vec![db("CHECK (status IN ('queued', 'running'))")],
            Sqlite,
        );
        assert_eq!(ids(&f), ["MG111:jobs.status:enum"]);
        let f = run(
            vec![model()],
            vec![db("status IN ('queued', 'running', 'paused')")],
            Sqlite,
        );
        assert!(f.is_empty(), "{:?}", ids(&f));
        let f = run(
            vec![model()],
            vec![db("check(status in ('queued','running','paused'))")],
            Sqlite,
        );
        assert!(f.is_empty(), "{:?}", ids(&f));
        // a check on another column says nothing about this one
        let f = run(vec![model()], vec![db("other IN ('x')")], Sqlite);
        assert!(f.is_empty(), "{:?}", ids(&f));
    }

    #[test]
    fn varchar_too_short_for_a_value() {
        let db = || T::db("jobs").pk("id").col("status", "varchar(6)", true);
        let f = run(vec![model()], vec![db()], Postgresql);
        assert_eq!(ids(&f), ["MG111:jobs.status:enum"]);
        assert!(f[0].message.contains("'running'"), "{}", f[0].message);
        // SQLite does not enforce the length
        let f = run(vec![model()], vec![db()], Sqlite);
        assert!(f.is_empty(), "{:?}", ids(&f));
    }
}
