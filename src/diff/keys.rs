//! Key-level rules: MG108 primary-key-mismatch, MG109 index-mismatch, MG110
//! foreign-key-mismatch. Column sets are compared by key and without order.

use super::{Ctx, Pair};
use crate::dialect::Dialect;
use crate::findings::Finding;
use crate::rules;
use crate::schema::render;
use crate::schema::{key, table_key, FkAction, ForeignKey, Index, Table};
use crate::source::Location;
use std::collections::BTreeSet;

type ColSet = BTreeSet<String>;

fn set(cols: &[String]) -> ColSet {
    cols.iter().map(|c| key(c)).collect()
}

/// `(a, b)` as written in the table, for messages.
fn show(cols: &[String]) -> String {
    cols.join(", ")
}

/// Fingerprint column and kind for a column set: the column itself when
/// there is one, else the set inside the kind.
fn subject(cols: &[String], kind: &str) -> (Option<String>, String) {
    match cols {
        [one] => (Some(one.clone()), kind.to_string()),
        _ => {
            let mut ks: Vec<String> = cols.iter().map(|c| key(c)).collect();
            ks.sort();
            (None, format!("{kind}:{}", ks.join(",")))
        }
    }
}

fn on(pair: &Pair, cols: &[String]) -> String {
    match cols {
        [one] => format!("`{}.{one}`", pair.name()),
        _ => format!("`{}` ({})", pair.name(), show(cols)),
    }
}

pub(crate) fn check(ctx: &Ctx, pair: &Pair, out: &mut Vec<Finding>) {
    out.extend(primary_key(pair).map(|f| {
        if ctx.diesel() {
            // schema.rs states the key as the list after the table name
            f.help(format!(
                "change the key list in schema.rs to match the database: `{} ({})`, or rebuild the table's primary key in a new migration (PostgreSQL: ALTER TABLE ... DROP CONSTRAINT <pkey>, ADD PRIMARY KEY (...))",
                pair.model.name,
                show(&pair.db.primary_key)
            ))
        } else {
            f
        }
    }));
    indexes(ctx, pair, out);
    foreign_keys(ctx, pair, out);
}

fn primary_key(pair: &Pair) -> Option<Finding> {
    let (m, d) = (set(&pair.model.primary_key), set(&pair.db.primary_key));
    // An empty key on either side means a frontend could not see it (a
    // mixin, a core Table, an ALTER TABLE ... ADD PRIMARY KEY replay did not
    // understand); a key column the database lacks is MG102's finding.
    if m.is_empty() || d.is_empty() || m == d || pair.lenient || !pair.db_has(&m) {
        return None;
    }
    let name = pair.name();
    let message = format!(
        "primary key of `{name}` is ({}) in the model but ({}) in the database",
        show(&pair.model.primary_key),
        show(&pair.db.primary_key)
    );
    let at = pair
        .model
        .primary_key
        .first()
        .and_then(|c| pair.model_col(c))
        .map(|c| c.location.clone())
        .unwrap_or_else(|| pair.model.location.clone());
    let (loc, msg) = pair.created_here();
    Some(
        Finding::new(&rules::MG108, Some(&name), None, "primary-key", message)
            .at(at)
            .label("rows are identified differently by the model and the database")
            .related(loc, msg)
            .help(
                "change the model's primary_key=True columns to match the database, or rebuild the table's primary key in a new migration (PostgreSQL: ALTER TABLE ... DROP CONSTRAINT <pkey>, ADD PRIMARY KEY (...); SQLite: op.batch_alter_table)",
            ),
    )
}

struct Uniq<'a> {
    cols: &'a [String],
    set: ColSet,
    location: &'a Location,
    name: Option<&'a str>,
}

/// Every unique column set a table declares: unique indexes or constraints,
/// then column-level UNIQUE (frontends often record a single-column unique
/// both ways; the index carries the name a DROP needs). The primary key is
/// not one of them.
fn uniques(t: &Table) -> Vec<Uniq<'_>> {
    let mut out: Vec<Uniq> = Vec::new();
    for ix in t
        .indexes
        .iter()
        .filter(|i| i.unique && !i.columns.is_empty())
    {
        let s = set(&ix.columns);
        if !out.iter().any(|u| u.set == s) {
            out.push(Uniq {
                cols: &ix.columns,
                set: s,
                location: &ix.location,
                name: ix.name.as_deref(),
            });
        }
    }
    for c in t.columns.iter().filter(|c| c.unique) {
        let s: ColSet = [key(&c.name)].into_iter().collect();
        if !out.iter().any(|u| u.set == s) {
            out.push(Uniq {
                cols: std::slice::from_ref(&c.name),
                set: s,
                location: &c.location,
                name: None,
            });
        }
    }
    out
}

fn indexes(ctx: &Ctx, pair: &Pair, out: &mut Vec<Finding>) {
    let d = ctx.dialect;
    let (mpk, dpk) = (set(&pair.model.primary_key), set(&pair.db.primary_key));
    let m_uniq = uniques(pair.model);
    let d_uniq = uniques(pair.db);
    let d_unique_sets: Vec<&ColSet> = d_uniq.iter().map(|u| &u.set).chain([&dpk]).collect();
    let d_any_sets: Vec<ColSet> = pair
        .db
        .indexes
        .iter()
        .map(|i| set(&i.columns))
        .chain(d_uniq.iter().map(|u| u.set.clone()))
        .chain([dpk.clone()])
        .collect();

    for u in &m_uniq {
        if u.set == mpk || !pair.db_has(&u.set) || d_unique_sets.contains(&&u.set) {
            continue;
        }
        let ix = Index {
            name: u.name.map(str::to_string),
            columns: u.cols.to_vec(),
            unique: true,
            location: u.location.clone(),
        };
        let (col, kind) = subject(u.cols, "unique-missing");
        out.push(
            Finding::new(
                &rules::MG109,
                Some(&pair.name()),
                col.as_deref(),
                &kind,
                format!(
                    "unique constraint on {} is declared by the model but no migration creates it",
                    on(pair, u.cols)
                ),
            )
            .at(u.location.clone())
            .label("the database accepts duplicates here")
            .related(
                pair.db.location.clone(),
                format!(
                    "table `{}` is created here without it",
                    pair.db.display_name()
                ),
            )
            .help(if ctx.alembic {
                format!(
                    "add it (remove existing duplicates first) {}",
                    super::alembic::in_revision(&[super::alembic::create_unique(pair.db, &ix, d)])
                )
            } else {
                format!(
                    "add it in a new migration (remove existing duplicates first):\n{}",
                    render::create_index(pair.db, &ix, d)
                )
            }),
        );
    }
    for ix in pair
        .model
        .indexes
        .iter()
        .filter(|i| !i.unique && !i.columns.is_empty())
    {
        let s = set(&ix.columns);
        if !pair.db_has(&s) || d_any_sets.contains(&s) {
            continue;
        }
        let (col, kind) = subject(&ix.columns, "index-missing");
        out.push(
            Finding::new(
                &rules::MG109,
                Some(&pair.name()),
                col.as_deref(),
                &kind,
                format!(
                    "index on {} is declared by the model but no migration creates it",
                    on(pair, &ix.columns)
                ),
            )
            .at(ix.location.clone())
            .label("queries expecting this index scan the whole table")
            .help(if ctx.alembic {
                format!(
                    "add it {}",
                    super::alembic::in_revision(&[super::alembic::create_index(pair.db, ix)])
                )
            } else {
                format!(
                    "add it in a new migration:\n{}",
                    render::create_index(pair.db, ix, d)
                )
            }),
        );
    }
    if pair.lenient || !ctx.models_state_constraints() {
        return;
    }
    let m_unique_sets: Vec<&ColSet> = m_uniq.iter().map(|u| &u.set).chain([&mpk]).collect();
    for u in &d_uniq {
        if u.set == dpk || !pair.model_has(&u.set) || m_unique_sets.contains(&&u.set) {
            continue;
        }
        let (col, kind) = subject(u.cols, "unique-extra");
        let decl = match u.cols {
            [one] => format!("`unique=True` on `{one}`"),
            cols => format!(
                "`UniqueConstraint({})` in `__table_args__`",
                cols.iter()
                    .map(|c| format!("{c:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        let drop = u.name.map(|n| match d {
            Dialect::Mysql => format!(
                "DROP INDEX {} ON {};",
                render::quote_ident(n, d),
                render::table_name(pair.db, d)
            ),
            _ => format!("DROP INDEX {};", render::quote_ident(n, d)),
        });
        let help = match drop {
            Some(drop) => {
                format!("declare it in the model: {decl}\nor drop it in a new migration:\n{drop}")
            }
            None => format!(
                "declare it in the model: {decl}, or drop the constraint in a new migration"
            ),
        };
        out.push(
            Finding::new(
                &rules::MG109,
                Some(&pair.name()),
                col.as_deref(),
                &kind,
                format!(
                    "the database has a unique constraint on {} that the model does not declare",
                    on(pair, u.cols)
                ),
            )
            .at(u.location.clone())
            .label("inserts of duplicate values fail here")
            .help(help),
        );
    }
}

/// The referenced table's key; an unqualified side matches any schema.
fn same_target(a: &ForeignKey, b: &ForeignKey) -> bool {
    let ka = table_key(a.ref_schema.as_deref(), &a.ref_table);
    let kb = table_key(b.ref_schema.as_deref(), &b.ref_table);
    let table = ka == kb
        || ((a.ref_schema.is_none() || b.ref_schema.is_none())
            && key(&a.ref_table) == key(&b.ref_table));
    let cols = a.ref_columns.is_empty()
        || b.ref_columns.is_empty()
        || set(&a.ref_columns) == set(&b.ref_columns);
    table && cols
}

fn target(fk: &ForeignKey) -> String {
    let t = match &fk.ref_schema {
        Some(s) => format!("{s}.{}", fk.ref_table),
        None => fk.ref_table.clone(),
    };
    if fk.ref_columns.is_empty() {
        t
    } else {
        format!("{t}({})", show(&fk.ref_columns))
    }
}

fn foreign_keys(ctx: &Ctx, pair: &Pair, out: &mut Vec<Finding>) {
    let d = ctx.dialect;
    for mfk in &pair.model.foreign_keys {
        let s = set(&mfk.columns);
        if s.is_empty() || mfk.ref_table.is_empty() || !pair.db_has(&s) {
            continue;
        }
        let on_same_cols: Vec<&ForeignKey> = pair
            .db
            .foreign_keys
            .iter()
            .filter(|f| set(&f.columns) == s)
            .collect();
        if let Some(dfk) = on_same_cols.iter().find(|f| same_target(mfk, f)) {
            fk_actions(pair, mfk, dfk, d, out);
            continue;
        }
        let (col, _) = subject(&mfk.columns, "");
        if let Some(dfk) = on_same_cols.first() {
            let (_, kind) = subject(&mfk.columns, "fk-target");
            out.push(
                Finding::new(
                    &rules::MG110,
                    Some(&pair.name()),
                    col.as_deref(),
                    &kind,
                    format!(
                        "foreign key {} references `{}` in the model but `{}` in the database",
                        on(pair, &mfk.columns),
                        target(mfk),
                        target(dfk)
                    ),
                )
                .at(mfk.location.clone())
                .label("the model and the database point this key at different rows")
                .related(
                    dfk.location.clone(),
                    format!("the database references `{}` here", target(dfk)),
                )
                .help(add_fk_help(pair, mfk, d, true)),
            );
            continue;
        }
        let (_, kind) = subject(&mfk.columns, "fk-missing");
        out.push(
            Finding::new(
                &rules::MG110,
                Some(&pair.name()),
                col.as_deref(),
                &kind,
                format!(
                    "foreign key {} -> `{}` is declared by the model but no migration creates it",
                    on(pair, &mfk.columns),
                    target(mfk)
                ),
            )
            .at(mfk.location.clone())
            .label("the database does not enforce this reference")
            .related(
                pair.db.location.clone(),
                format!(
                    "table `{}` is created here without it",
                    pair.db.display_name()
                ),
            )
            .help(if ctx.alembic {
                format!(
                    "add it (fix orphaned rows first) {}",
                    super::alembic::in_revision(&[super::alembic::create_foreign_key(
                        pair.db, mfk, d
                    )])
                )
            } else {
                add_fk_help(pair, mfk, d, false)
            }),
        );
    }
    if pair.lenient || !ctx.models_state_constraints() {
        return;
    }
    for dfk in &pair.db.foreign_keys {
        let s = set(&dfk.columns);
        if s.is_empty() || !pair.model_has(&s) {
            continue;
        }
        if pair.model.foreign_keys.iter().any(|f| set(&f.columns) == s) {
            continue; // same columns, other target: reported above
        }
        let (col, kind) = subject(&dfk.columns, "fk-extra");
        let fk_decl = match dfk.columns.as_slice() {
            [one] => {
                let rc = dfk.ref_columns.first().map(String::as_str).unwrap_or("id");
                format!("`ForeignKey(\"{}.{rc}\")` on `{one}`", dfk.ref_table)
            }
            _ => "a `ForeignKeyConstraint` in `__table_args__`".to_string(),
        };
        let drop = match (&dfk.name, d) {
            (Some(n), Dialect::Mysql) => Some(format!(
                "ALTER TABLE {} DROP FOREIGN KEY {};",
                render::table_name(pair.db, d),
                render::quote_ident(n, d)
            )),
            (Some(n), Dialect::Postgresql) => Some(format!(
                "ALTER TABLE {} DROP CONSTRAINT {};",
                render::table_name(pair.db, d),
                render::quote_ident(n, d)
            )),
            _ => None,
        };
        let help = match drop {
            Some(drop) => format!(
                "declare it in the model: {fk_decl}\nor drop it in a new migration:\n{drop}"
            ),
            None => format!("declare it in the model: {fk_decl}"),
        };
        out.push(
            Finding::new(
                &rules::MG110,
                Some(&pair.name()),
                col.as_deref(),
                &kind,
                format!(
                    "the database has a foreign key {} -> `{}` that the model does not declare",
                    on(pair, &dfk.columns),
                    target(dfk)
                ),
            )
            .at(dfk.location.clone())
            .label("writes through the model may violate this reference")
            .help(help),
        );
    }
}

const UNNAMED_DROP: &str =
    "-- drop the database's foreign key on these columns (its name is not in the migrations)";

/// `<table>_<columns>_fkey`, the name PostgreSQL gives an unnamed foreign key;
/// None when it would be truncated, where PostgreSQL's shortening is not
/// worth guessing.
fn pg_default_fk_name(table: &Table, fk: &ForeignKey) -> Option<String> {
    let cols: Vec<String> = fk.columns.iter().map(|c| key(c)).collect();
    let name = format!("{}_{}_fkey", key(&table.name), cols.join("_"));
    (name.len() <= 63).then_some(name)
}

/// Whether two actions behave alike on a delete or update: an unstated
/// action is NO ACTION, and RESTRICT differs from it only in when PostgreSQL
/// checks (never in what it allows), which is not worth a warning.
fn same_action(a: Option<FkAction>, b: Option<FkAction>) -> bool {
    let norm = |a: Option<FkAction>| match a {
        None | Some(FkAction::Restrict) => FkAction::NoAction,
        Some(a) => a,
    };
    norm(a) == norm(b)
}

/// ON DELETE / ON UPDATE of a foreign key both sides have; only an action the
/// model states is compared, since a model that states none says nothing.
fn fk_actions(pair: &Pair, mfk: &ForeignKey, dfk: &ForeignKey, d: Dialect, out: &mut Vec<Finding>) {
    let sides = [
        (
            "ON DELETE",
            "fk-on-delete",
            "ondelete",
            mfk.on_delete,
            dfk.on_delete,
        ),
        (
            "ON UPDATE",
            "fk-on-update",
            "onupdate",
            mfk.on_update,
            dfk.on_update,
        ),
    ];
    for (clause, kind, kwarg, model, db) in sides {
        let Some(model) = model else { continue };
        if same_action(Some(model), db) {
            continue;
        }
        let db_sql = db.map_or("NO ACTION (not stated)", FkAction::sql);
        let (col, kind) = subject(&mfk.columns, kind);
        // recreate with the model's actions, keeping what the model leaves unstated
        let wanted = ForeignKey {
            name: dfk.name.clone().or_else(|| mfk.name.clone()),
            ref_columns: if mfk.ref_columns.is_empty() {
                dfk.ref_columns.clone()
            } else {
                mfk.ref_columns.clone()
            },
            on_delete: mfk.on_delete.or(dfk.on_delete),
            on_update: mfk.on_update.or(dfk.on_update),
            ..mfk.clone()
        };
        let fix_model = match db {
            Some(a) => format!(
                "or change the model to match the database: `{kwarg}=\"{}\"`",
                a.sql()
            ),
            None => format!("or change the model to match the database: remove `{kwarg}=`"),
        };
        let help = if d == Dialect::Sqlite {
            format!(
                "SQLite cannot alter a constraint: rebuild `{}` in a new migration with `{clause} {}` on this foreign key (Alembic: `with op.batch_alter_table(\"{}\", recreate=\"always\")`)\n{fix_model}",
                pair.db.name,
                model.sql(),
                pair.db.name
            )
        } else {
            let add = add_fk_sql(pair, &wanted, d);
            let drop = match (&dfk.name, d) {
                (Some(n), Dialect::Mysql) => format!(
                    "ALTER TABLE {} DROP FOREIGN KEY {};",
                    render::table_name(pair.db, d),
                    render::quote_ident(n, d)
                ),
                (Some(n), _) => format!(
                    "ALTER TABLE {} DROP CONSTRAINT {};",
                    render::table_name(pair.db, d),
                    render::quote_ident(n, d)
                ),
                (None, Dialect::Postgresql) => match pg_default_fk_name(pair.db, dfk) {
                    Some(n) => format!(
                        "ALTER TABLE {} DROP CONSTRAINT {}; -- the name PostgreSQL gives an unnamed key",
                        render::table_name(pair.db, d),
                        render::quote_ident(&n, d)
                    ),
                    None => UNNAMED_DROP.to_string(),
                },
                (None, _) => UNNAMED_DROP.to_string(),
            };
            format!("recreate the foreign key in a new migration:\n{drop}\n{add}\n{fix_model}")
        };
        out.push(
            Finding::new(
                &rules::MG110,
                Some(&pair.name()),
                col.as_deref(),
                &kind,
                format!(
                    "foreign key {} -> `{}` is {clause} {} in the model but {clause} {db_sql} in the database",
                    on(pair, &mfk.columns),
                    target(mfk),
                    model.sql()
                ),
            )
            .at(mfk.location.clone())
            .label(format!("the model expects {clause} {}", model.sql()))
            .related(
                dfk.location.clone(),
                format!("the database's foreign key is {clause} {db_sql} here"),
            )
            .help(help),
        );
    }
}

fn add_fk_help(pair: &Pair, fk: &ForeignKey, d: Dialect, replace: bool) -> String {
    if d == Dialect::Sqlite {
        return format!(
            "SQLite adds foreign keys only in CREATE TABLE: rebuild the table in a new migration (Alembic: `with op.batch_alter_table(\"{}\") as batch_op: batch_op.create_foreign_key(...)`), or change the model to match the database",
            pair.db.name
        );
    }
    let add = add_fk_sql(pair, fk, d);
    if replace {
        format!("drop the database's foreign key on these columns and add the model's in a new migration:\n{add}\nor change the model to match the database")
    } else {
        format!("add it in a new migration (fix orphaned rows first):\n{add}")
    }
}

/// `ALTER TABLE ... ADD CONSTRAINT ... FOREIGN KEY`, for PostgreSQL and MySQL.
pub(super) fn add_fk_sql(pair: &Pair, fk: &ForeignKey, d: Dialect) -> String {
    let name = fk.name.clone().unwrap_or_else(|| {
        format!(
            "fk_{}_{}_{}",
            key(&pair.db.name),
            fk.columns
                .iter()
                .map(|c| key(c))
                .collect::<Vec<_>>()
                .join("_"),
            key(&fk.ref_table)
        )
    });
    let refs = if fk.ref_columns.is_empty() {
        String::new()
    } else {
        format!(
            " ({})",
            fk.ref_columns
                .iter()
                .map(|c| render::quote_ident(c, d))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let ref_table = match &fk.ref_schema {
        Some(s) => format!(
            "{}.{}",
            render::quote_ident(s, d),
            render::quote_ident(&fk.ref_table, d)
        ),
        None => render::quote_ident(&fk.ref_table, d),
    };
    format!(
        "ALTER TABLE {} ADD CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {ref_table}{refs}{};",
        render::table_name(pair.db, d),
        render::quote_ident(&name, d),
        fk.columns
            .iter()
            .map(|c| render::quote_ident(c, d))
            .collect::<Vec<_>>()
            .join(", "),
        render::fk_actions(fk)
    )
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use crate::dialect::Dialect::*;
    use crate::rules::Severity;

    #[test]
    fn mg108_primary_key_mismatch() {
        let model = || T::model("t").pk("id").col("code", "text", false);
        let mut other = T::db("t")
            .col("id", "integer", false)
            .col("code", "text", false);
        other.0.primary_key.push("code".into());
        let f = run(vec![model()], vec![other], Sqlite);
        assert_eq!(ids(&f), ["MG108:t:primary-key"]);
        assert_eq!(f[0].severity, Severity::Error);
        assert_eq!(
            f[0].message,
            "primary key of `t` is (id) in the model but (code) in the database"
        );
        // same key: silent
        let f = run(
            vec![model()],
            vec![T::db("t").pk("id").col("code", "text", false)],
            Sqlite,
        );
        assert!(f.is_empty(), "{:?}", ids(&f));
        // no key visible in the model: silent
        let f = run(
            vec![T::model("t")
                .col("id", "integer", false)
                .col("code", "text", false)],
            vec![T::db("t").pk("id").col("code", "text", false)],
            Sqlite,
        );
        assert!(only(&f, "MG108").is_empty(), "{:?}", ids(&f));
        // no key visible in the database: silent too
        let f = run(
            vec![model()],
            vec![T::db("t")
                .col("id", "integer", false)
                .col("code", "text", false)],
            Sqlite,
        );
        assert!(only(&f, "MG108").is_empty(), "{:?}", ids(&f));
        // composite keys compare as sets
        let mut m = T::model("c")
            .col("a", "integer", false)
            .col("b", "integer", false);
        m.0.primary_key = vec!["a".into(), "b".into()];
        let mut d = T::db("c")
            .col("a", "integer", false)
            .col("b", "integer", false);
        d.0.primary_key = vec!["B".into(), "a".into()];
        assert!(run(vec![m], vec![d], Postgresql).is_empty());
    }

    #[test]
    fn mg109_model_unique_and_index_missing_in_db() {
        let model = || {
            T::model("users")
                .pk("id")
                .col("email", "text", false)
                .unique("email")
                .col("org", "integer", true)
                .index(Some("ix_users_org"), &["org"], false)
        };
        let f = run(
            vec![model()],
            vec![T::db("users")
                .pk("id")
                .col("email", "text", false)
                .col("org", "integer", true)],
            Postgresql,
        );
        assert_eq!(
            ids(&f),
            [
                "MG109:users.email:unique-missing",
                "MG109:users.org:index-missing"
            ]
        );
        assert!(f.iter().all(|f| f.severity == Severity::Warning));
        assert_eq!(
            f[0].help.as_deref().unwrap().lines().last(),
            Some("CREATE UNIQUE INDEX uq_users_email ON users (email);")
        );
        assert_eq!(
            f[1].help.as_deref().unwrap().lines().last(),
            Some("CREATE INDEX ix_users_org ON users (org);")
        );
        // present as a unique index and a differently named plain index: silent
        let f = run(
            vec![model()],
            vec![T::db("users")
                .pk("id")
                .col("email", "text", false)
                .col("org", "integer", true)
                .index(Some("uq_email"), &["email"], true)
                .index(Some("idx_org"), &["org"], false)],
            Postgresql,
        );
        assert!(f.is_empty(), "{:?}", ids(&f));
    }

    #[test]
    fn mg109_db_unique_not_in_model_but_not_plain_indexes() {
        let f = run(
            vec![T::model("m")
                .pk("id")
                .col("a", "text", true)
                .col("b", "text", true)],
            vec![T::db("m")
                .pk("id")
                .col("a", "text", true)
                .col("b", "text", true)
                .index(Some("uq_m_a_b"), &["b", "a"], true)
                .index(Some("ix_m_a"), &["a"], false)],
            Postgresql,
        );
        assert_eq!(ids(&f), ["MG109:m:unique-extra:a,b"]);
        // recorded both as column UNIQUE and as a named index: one finding, named
        let g = run(
            vec![T::model("u").pk("id").col("e", "text", true)],
            vec![T::db("u")
                .pk("id")
                .col("e", "text", true)
                .unique("e")
                .index(Some("ix_u_e"), &["e"], true)],
            Postgresql,
        );
        assert_eq!(ids(&g), ["MG109:u.e:unique-extra"]);
        assert!(g[0]
            .help
            .as_deref()
            .unwrap()
            .ends_with("DROP INDEX ix_u_e;"));
        assert!(f[0]
            .help
            .as_deref()
            .unwrap()
            .ends_with("DROP INDEX uq_m_a_b;"));
        // the model declares it in the other column order: silent
        let f = run(
            vec![T::model("m")
                .pk("id")
                .col("a", "text", true)
                .col("b", "text", true)
                .index(None, &["a", "b"], true)],
            vec![T::db("m")
                .pk("id")
                .col("a", "text", true)
                .col("b", "text", true)
                .index(Some("uq_m_a_b"), &["b", "a"], true)],
            Postgresql,
        );
        assert!(f.is_empty(), "{:?}", ids(&f));
        // a unique on the primary key is the key itself
        let f = run(
            vec![T::model("m").pk("id").unique("id")],
            vec![T::db("m").pk("id")],
            Postgresql,
        );
        assert!(f.is_empty(), "{:?}", ids(&f));
    }

    #[test]
    fn mg110_foreign_keys() {
        let model = |target: &str| {
            T::model("orders")
                .pk("id")
                .col("user_id", "integer", false)
                .fk(&["user_id"], target, &["id"])
        };
        let db = || {
            T::db("orders")
                .pk("id")
                .col("user_id", "integer", false)
                .fk(&["user_id"], "users", &[])
        };
        assert!(run(vec![model("users")], vec![db()], Postgresql).is_empty());
        let f = run(vec![model("accounts")], vec![db()], Postgresql);
        assert_eq!(ids(&f), ["MG110:orders.user_id:fk-target"]);
        let f = run(
            vec![model("users")],
            vec![T::db("orders").pk("id").col("user_id", "integer", false)],
            Postgresql,
        );
        assert_eq!(ids(&f), ["MG110:orders.user_id:fk-missing"]);
        assert!(f[0].help.as_deref().unwrap().ends_with(
            "ALTER TABLE orders ADD CONSTRAINT fk_orders_user_id_users FOREIGN KEY (user_id) REFERENCES users (id);"
        ));
        let f = run(
            vec![T::model("orders").pk("id").col("user_id", "integer", false)],
            vec![db()],
            Sqlite,
        );
        assert_eq!(ids(&f), ["MG110:orders.user_id:fk-extra"]);
        assert_eq!(
            f[0].location.as_ref().unwrap().path.as_ref(),
            "migrations/0001_init.sql"
        );
    }

    #[test]
    fn mg110_on_delete_differences() {
        use crate::schema::FkAction::{self, *};
        let model = |del: Option<FkAction>, upd: Option<FkAction>| {
            T::model("orders")
                .pk("id")
                .col("user_id", "integer", false)
                .fk(&["user_id"], "users", &["id"])
                .fk_as(None, del, upd)
        };
        let db = |name: Option<&str>, del: Option<FkAction>| {
            T::db("orders")
                .pk("id")
                .col("user_id", "integer", false)
                .fk(&["user_id"], "users", &["id"])
                .fk_as(name, del, None)
        };
        let f = run(
            vec![model(Some(Cascade), None)],
            vec![db(Some("orders_user_id_fkey"), None)],
            Postgresql,
        );
        assert_eq!(ids(&f), ["MG110:orders.user_id:fk-on-delete"]);
        assert_eq!(f[0].severity, Severity::Warning);
        assert_eq!(
            f[0].message,
            "foreign key `orders.user_id` -> `users(id)` is ON DELETE CASCADE in the model but ON DELETE NO ACTION (not stated) in the database"
        );
        assert_eq!(
            f[0].help.as_deref(),
            Some("recreate the foreign key in a new migration:\nALTER TABLE orders DROP CONSTRAINT orders_user_id_fkey;\nALTER TABLE orders ADD CONSTRAINT orders_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE;\nor change the model to match the database: remove `ondelete=`")
        );
        // unnamed in PostgreSQL: the name it gives such a key
        let f = run(
            vec![model(Some(Cascade), None)],
            vec![db(None, Some(SetNull))],
            Postgresql,
        );
        assert_eq!(
            f[0].help.as_deref(),
            Some("recreate the foreign key in a new migration:\nALTER TABLE orders DROP CONSTRAINT orders_user_id_fkey; -- the name PostgreSQL gives an unnamed key\nALTER TABLE orders ADD CONSTRAINT fk_orders_user_id_users FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE;\nor change the model to match the database: `ondelete=\"SET NULL\"`")
        );
        // MySQL drops a foreign key by name with its own syntax
        let f = run(
            vec![model(Some(SetNull), None)],
            vec![db(Some("fk_u"), Some(Cascade))],
            Mysql,
        );
        assert_eq!(ids(&f), ["MG110:orders.user_id:fk-on-delete"]);
        assert!(f[0]
            .message
            .contains("ON DELETE SET NULL in the model but ON DELETE CASCADE"));
        assert!(f[0]
            .help
            .as_deref()
            .unwrap()
            .contains("ALTER TABLE orders DROP FOREIGN KEY fk_u;\nALTER TABLE orders ADD CONSTRAINT fk_u FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE SET NULL;\n"));
        // SQLite cannot alter constraints: the help says to rebuild
        let f = run(
            vec![model(Some(Cascade), None)],
            vec![db(None, None)],
            Sqlite,
        );
        assert_eq!(ids(&f), ["MG110:orders.user_id:fk-on-delete"]);
        assert!(f[0]
            .help
            .as_deref()
            .unwrap()
            .starts_with("SQLite cannot alter a constraint: rebuild `orders`"));
        // ON UPDATE is compared the same way
        let f = run(
            vec![model(None, Some(Cascade))],
            vec![db(None, None)],
            Postgresql,
        );
        assert_eq!(ids(&f), ["MG110:orders.user_id:fk-on-update"]);
        // a composite key names its columns in the kind
        let two = |del: Option<FkAction>, model: bool| {
            let t = if model {
                T::model("line")
            } else {
                T::db("line")
            };
            t.pk("id")
                .col("a", "integer", false)
                .col("b", "integer", false)
                .fk(&["b", "a"], "parent", &["x", "y"])
                .fk_as(None, del, None)
        };
        let f = run(
            vec![two(Some(SetNull), true)],
            vec![two(None, false)],
            Postgresql,
        );
        assert_eq!(ids(&f), ["MG110:line:fk-on-delete:a,b"]);
        // silent: the model states nothing, the same action, or an equivalent one
        for (m, d) in [
            (None, Some(Cascade)),
            (Some(Cascade), Some(Cascade)),
            (Some(NoAction), None),
            (Some(Restrict), None),
            (Some(NoAction), Some(Restrict)),
        ] {
            for dialect in [Postgresql, Mysql, Sqlite] {
                let f = run(vec![model(m, None)], vec![db(None, d)], dialect);
                assert!(f.is_empty(), "{m:?} {d:?} {dialect:?}: {:?}", ids(&f));
            }
        }
    }
}
