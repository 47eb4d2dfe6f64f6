//! Help texts for projects whose migrations are Alembic revisions: the
//! `op.*` call autogenerate would write, instead of SQL the user would have
//! to wrap in `op.execute`. On SQLite, changes to existing columns and
//! constraints use `op.batch_alter_table`, as autogenerate does with
//! `render_as_batch=True` (SQLite cannot alter them in place).
//!
//! Every function returns None when a part cannot be spelled faithfully (a
//! type migraguard does not know): the caller then keeps the SQL help.

use crate::dialect::Dialect;
use crate::schema::{Column, ForeignKey, Index, SqlType, Table};

/// A Python string literal.
fn py_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for ch in s.chars() {
        match ch {
            '\\' => out.push_str("\\\\"),
            '\'' => out.push_str("\\'"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

fn py_list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|i| py_str(i)).collect();
    format!("[{}]", quoted.join(", "))
}

/// The SQLAlchemy type as autogenerate renders it (`sa.String(length=40)`).
pub(crate) fn sa_type(ty: &SqlType) -> Option<String> {
    Some(match ty {
        SqlType::Integer { bytes: 1 | 2 } => "sa.SmallInteger()".into(),
        SqlType::Integer { bytes: 8 } => "sa.BigInteger()".into(),
        SqlType::Integer { .. } => "sa.Integer()".into(),
        SqlType::Float { .. } => "sa.Float()".into(),
        SqlType::Decimal {
            precision: Some(p),
            scale: Some(s),
        } => format!("sa.Numeric(precision={p}, scale={s})"),
        SqlType::Decimal {
            precision: Some(p), ..
        } => format!("sa.Numeric(precision={p})"),
        SqlType::Decimal { .. } => "sa.Numeric()".into(),
        SqlType::String {
            len: Some(n),
            fixed: true,
        } => format!("sa.CHAR(length={n})"),
        SqlType::String { len: Some(n), .. } => format!("sa.String(length={n})"),
        SqlType::String { len: None, .. } => "sa.String()".into(),
        SqlType::Text => "sa.Text()".into(),
        SqlType::Boolean => "sa.Boolean()".into(),
        SqlType::Date => "sa.Date()".into(),
        SqlType::Time { tz: true } => "sa.Time(timezone=True)".into(),
        SqlType::Time { .. } => "sa.Time()".into(),
        SqlType::Timestamp { tz: true } => "sa.DateTime(timezone=True)".into(),
        SqlType::Timestamp { .. } => "sa.DateTime()".into(),
        SqlType::Interval => "sa.Interval()".into(),
        SqlType::Uuid => "sa.Uuid()".into(),
        SqlType::Json { .. } => "sa.JSON()".into(),
        SqlType::Binary { .. } => "sa.LargeBinary()".into(),
        SqlType::Enum { name, values } if !values.is_empty() => {
            let mut args: Vec<String> = values.iter().map(|v| py_str(v)).collect();
            if let Some(n) = name {
                args.push(format!("name={}", py_str(n)));
            }
            format!("sa.Enum({})", args.join(", "))
        }
        SqlType::Array(inner) => format!("sa.ARRAY({})", sa_type(inner)?),
        SqlType::Enum { .. } | SqlType::Other(_) => return None,
    })
}

/// `sa.Column('nickname', sa.String(length=40), nullable=True)`.
pub(crate) fn sa_column(c: &Column) -> Option<String> {
    let mut out = format!("sa.Column({}, {}", py_str(&c.name), sa_type(&c.ty)?);
    if let Some(d) = &c.default {
        out.push_str(&format!(", server_default=sa.text({})", py_str(&d.raw)));
    }
    out.push_str(&format!(
        ", nullable={})",
        if c.nullable { "True" } else { "False" }
    ));
    Some(out)
}

fn schema_kw(t: &Table) -> String {
    match &t.schema {
        Some(s) => format!(", schema={}", py_str(s)),
        None => String::new(),
    }
}

/// How to use the op lines: the revision they go in.
pub(crate) fn in_revision(ops: &[String]) -> String {
    format!(
        "in upgrade() of a new revision (`alembic revision -m \"...\"`):\n{}",
        ops.join("\n")
    )
}

fn fk_constraint(fk: &ForeignKey) -> String {
    let refs: Vec<String> = fk
        .ref_columns
        .iter()
        .map(|c| match &fk.ref_schema {
            Some(s) => format!("{s}.{}.{c}", fk.ref_table),
            None => format!("{}.{c}", fk.ref_table),
        })
        .collect();
    let mut out = format!(
        "sa.ForeignKeyConstraint({}, {}",
        py_list(&fk.columns),
        py_list(&refs)
    );
    if let Some(n) = &fk.name {
        out.push_str(&format!(", name={}", py_str(n)));
    }
    out.push(')');
    out
}

/// `op.create_table(...)` with its columns, primary key, foreign keys and
/// unique constraints, then its indexes.
pub(crate) fn create_table(t: &Table) -> Option<Vec<String>> {
    let mut lines = vec![format!("op.create_table({},", py_str(&t.name))];
    for c in &t.columns {
        lines.push(format!("    {},", sa_column(c)?));
    }
    if !t.primary_key.is_empty() {
        let cols: Vec<String> = t.primary_key.iter().map(|c| py_str(c)).collect();
        lines.push(format!("    sa.PrimaryKeyConstraint({}),", cols.join(", ")));
    }
    for fk in &t.foreign_keys {
        lines.push(format!("    {},", fk_constraint(fk)));
    }
    for c in t.columns.iter().filter(|c| c.unique) {
        lines.push(format!("    sa.UniqueConstraint({}),", py_str(&c.name)));
    }
    for ix in t.indexes.iter().filter(|i| i.unique) {
        let cols: Vec<String> = ix.columns.iter().map(|c| py_str(c)).collect();
        lines.push(format!("    sa.UniqueConstraint({}),", cols.join(", ")));
    }
    if let Some(s) = &t.schema {
        lines.push(format!("    schema={},", py_str(s)));
    }
    lines.push(")".into());
    let mut out = vec![lines.join("\n")];
    for ix in t.indexes.iter().filter(|i| !i.unique) {
        out.push(create_index(t, ix));
    }
    Some(out)
}

fn index_name(t: &Table, ix: &Index, prefix: &str) -> String {
    match &ix.name {
        Some(n) => py_str(n),
        None => format!(
            "op.f({})",
            py_str(&format!("{prefix}_{}_{}", t.name, ix.columns.join("_")))
        ),
    }
}

/// `op.create_index(op.f('ix_posts_title'), 'posts', ['title'], unique=False)`.
pub(crate) fn create_index(t: &Table, ix: &Index) -> String {
    format!(
        "op.create_index({}, {}, {}, unique={}{})",
        index_name(t, ix, "ix"),
        py_str(&t.name),
        py_list(&ix.columns),
        if ix.unique { "True" } else { "False" },
        schema_kw(t)
    )
}

/// A unique constraint on existing columns; SQLite needs batch mode, which
/// needs a name.
pub(crate) fn create_unique(t: &Table, ix: &Index, dialect: Dialect) -> String {
    let name = match &ix.name {
        Some(n) => py_str(n),
        None => py_str(&format!("uq_{}_{}", t.name, ix.columns.join("_"))),
    };
    if dialect == Dialect::Sqlite {
        return batch(
            t,
            &format!(
                "batch_op.create_unique_constraint({name}, {})",
                py_list(&ix.columns)
            ),
        );
    }
    format!(
        "op.create_unique_constraint({name}, {}, {}{})",
        py_str(&t.name),
        py_list(&ix.columns),
        schema_kw(t)
    )
}

fn batch(t: &Table, op: &str) -> String {
    format!(
        "with op.batch_alter_table({}{}) as batch_op:\n    {op}",
        py_str(&t.name),
        schema_kw(t)
    )
}

/// A foreign key on existing columns; SQLite needs batch mode (a rebuild),
/// which needs a name.
pub(crate) fn create_foreign_key(t: &Table, fk: &ForeignKey, dialect: Dialect) -> String {
    let name = match &fk.name {
        Some(n) => py_str(n),
        None => py_str(&format!(
            "fk_{}_{}_{}",
            t.name,
            fk.columns.join("_"),
            fk.ref_table
        )),
    };
    let mut rest = format!(
        "{}, {}, {}",
        py_str(&fk.ref_table),
        py_list(&fk.columns),
        py_list(&fk.ref_columns)
    );
    if let Some(s) = &fk.ref_schema {
        rest.push_str(&format!(", referent_schema={}", py_str(s)));
    }
    if dialect == Dialect::Sqlite {
        return batch(t, &format!("batch_op.create_foreign_key({name}, {rest})"));
    }
    format!(
        "op.create_foreign_key({name}, {}, {rest}{})",
        py_str(&t.name),
        match &t.schema {
            Some(s) => format!(", source_schema={}", py_str(s)),
            None => String::new(),
        }
    )
}

pub(crate) fn drop_table(t: &Table) -> String {
    format!("op.drop_table({}{})", py_str(&t.name), schema_kw(t))
}

/// `op.add_column('users', sa.Column(...))`: SQLite adds columns in place.
pub(crate) fn add_column(t: &Table, c: &Column) -> Option<String> {
    Some(format!(
        "op.add_column({}, {}{})",
        py_str(&t.name),
        sa_column(c)?,
        schema_kw(t)
    ))
}

pub(crate) fn drop_column(t: &Table, column: &str, dialect: Dialect) -> String {
    if dialect == Dialect::Sqlite {
        return batch(t, &format!("batch_op.drop_column({})", py_str(column)));
    }
    format!(
        "op.drop_column({}, {}{})",
        py_str(&t.name),
        py_str(column),
        schema_kw(t)
    )
}

/// After an `op.add_column` of a NOT NULL column without a server default:
/// it fails on a table with rows (SQLite refuses it even on an empty one),
/// so the safe pattern in the revision's own language.
pub(crate) fn not_null_caveat(t: &Table, c: &Column, dialect: Dialect) -> Vec<String> {
    let mut nullable = c.clone();
    nullable.nullable = true;
    let Some(add) = add_column(t, &nullable) else {
        return Vec::new();
    };
    let table = match &t.schema {
        Some(s) => format!("{s}.{}", t.name),
        None => t.name.clone(),
    };
    let why = match dialect {
        Dialect::Sqlite => "# SQLite refuses a NOT NULL column without a default in add_column",
        _ => "# this fails if the table has rows",
    };
    vec![
        format!(
            "{why}: give it a server_default=..., or add it nullable, backfill it, then set NOT NULL:"
        ),
        add,
        format!(
            "op.execute({})",
            py_str(&format!(
                "UPDATE {table} SET {} = <value> WHERE {} IS NULL",
                c.name, c.name
            ))
        ),
        alter_column(t, &nullable, "nullable=False", dialect),
    ]
}

/// `op.alter_column('users', 'age', existing_type=sa.Integer(), <change>)`.
pub(crate) fn alter_column(t: &Table, db_col: &Column, change: &str, dialect: Dialect) -> String {
    let existing = sa_type(&db_col.ty)
        .map(|ty| format!(", existing_type={ty}"))
        .unwrap_or_default();
    if dialect == Dialect::Sqlite {
        return batch(
            t,
            &format!(
                "batch_op.alter_column({}{existing}, {change})",
                py_str(&db_col.name)
            ),
        );
    }
    format!(
        "op.alter_column({}, {}{existing}, {change}{})",
        py_str(&t.name),
        py_str(&db_col.name),
        schema_kw(t)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::DefaultValue;
    use crate::source::{Location, Pos};

    fn loc() -> Location {
        Location::new("m.py", Pos { line: 1, col: 1 }, Pos { line: 1, col: 1 })
    }

    fn col(name: &str, ty: SqlType, nullable: bool) -> Column {
        let mut c = Column::new(name, ty, loc());
        c.nullable = nullable;
        c
    }

    #[test]
    fn not_null_caveat_is_the_safe_pattern_in_op_calls() {
        let t = Table::new("jobs", None, loc());
        let c = col("serial", SqlType::Text, false);
        let pg = not_null_caveat(&t, &c, Dialect::Postgresql);
        assert_eq!(
            pg[1..].join("\n"),
            "op.add_column('jobs', sa.Column('serial', sa.Text(), nullable=True))\n\
             op.execute('UPDATE jobs SET serial = <value> WHERE serial IS NULL')\n\
             op.alter_column('jobs', 'serial', existing_type=sa.Text(), nullable=False)"
        );
        assert!(
            pg[0].starts_with("# this fails if the table has rows"),
            "{}",
            pg[0]
        );
        let lite = not_null_caveat(&t, &c, Dialect::Sqlite);
        assert!(lite[0].starts_with("# SQLite refuses"), "{}", lite[0]);
        assert_eq!(
            lite[3],
            "with op.batch_alter_table('jobs') as batch_op:\n    \
             batch_op.alter_column('serial', existing_type=sa.Text(), nullable=False)"
        );
    }

    #[test]
    fn ops_as_autogenerate_writes_them() {
        let mut users = Table::new("users", None, loc());
        let nickname = col(
            "nickname",
            SqlType::String {
                len: Some(40),
                fixed: false,
            },
            true,
        );
        assert_eq!(
            add_column(&users, &nickname).as_deref(),
            Some("op.add_column('users', sa.Column('nickname', sa.String(length=40), nullable=True))")
        );
        let age = col("age", SqlType::Integer { bytes: 4 }, true);
        assert_eq!(
            alter_column(&users, &age, "nullable=False", Dialect::Sqlite),
            "with op.batch_alter_table('users') as batch_op:\n    batch_op.alter_column('age', existing_type=sa.Integer(), nullable=False)"
        );
        assert_eq!(
            alter_column(&users, &age, "type_=sa.String(length=20)", Dialect::Postgresql),
            "op.alter_column('users', 'age', existing_type=sa.Integer(), type_=sa.String(length=20))"
        );
        assert_eq!(
            drop_column(&users, "bio", Dialect::Postgresql),
            "op.drop_column('users', 'bio')"
        );
        let ix = Index {
            name: None,
            columns: vec!["email".into()],
            unique: false,
            location: loc(),
        };
        assert_eq!(
            create_index(&users, &ix),
            "op.create_index(op.f('ix_users_email'), 'users', ['email'], unique=False)"
        );
        let uq = Index { unique: true, ..ix };
        assert_eq!(
            create_unique(&users, &uq, Dialect::Postgresql),
            "op.create_unique_constraint('uq_users_email', 'users', ['email'])"
        );
        users.schema = Some("app".into());
        assert_eq!(
            drop_column(&users, "bio", Dialect::Sqlite),
            "with op.batch_alter_table('users', schema='app') as batch_op:\n    batch_op.drop_column('bio')"
        );
    }

    #[test]
    fn create_table_with_keys() {
        let mut tags = Table::new("tags", None, loc());
        let mut id = col("id", SqlType::Integer { bytes: 4 }, false);
        id.autoincrement = false;
        let mut label = col("label", SqlType::Text, false);
        label.default = Some(DefaultValue::new("'x'"));
        tags.columns = vec![id, label];
        tags.primary_key = vec!["id".into()];
        assert_eq!(
            create_table(&tags).unwrap_or_default(),
            ["op.create_table('tags',\n    sa.Column('id', sa.Integer(), nullable=False),\n    sa.Column('label', sa.Text(), server_default=sa.text('\\'x\\''), nullable=False),\n    sa.PrimaryKeyConstraint('id'),\n)"]
        );
        tags.columns
            .push(col("geo", SqlType::Other("geometry".into()), true));
        assert!(
            create_table(&tags).is_none(),
            "an unknown type keeps the SQL help"
        );
    }

    /// Each rule's help on an Alembic project, through the diff itself.
    #[test]
    fn the_diff_shows_op_calls_for_alembic_projects() {
        use crate::diff::testutil::{schemas, T};
        let models = vec![
            T::model("users")
                .pk("id")
                .col("name", "varchar(50)", true)
                .col("age", "varchar(20)", true)
                .col("nickname", "varchar(40)", true)
                .col("org_id", "integer", true)
                .fk(&["org_id"], "orgs", &["id"])
                .index(None, &["name"], false),
            T::model("orgs").pk("id"),
            T::model("tags").pk("id").col("label", "text", false),
        ];
        let db = vec![
            T::db("users")
                .pk("id")
                .col("name", "varchar(50)", false)
                .col("age", "integer", true)
                .col("org_id", "integer", true)
                .col("bio", "text", true),
            T::db("orgs").pk("id"),
            T::db("posts").pk("id"),
        ];
        let (m, d) = schemas(models, db);
        let help = |alembic: bool, rule: &str| -> String {
            crate::diff::diff_with(&m, &d, Dialect::Sqlite, alembic)
                .iter()
                .filter(|f| f.rule.id == rule)
                .filter_map(|f| f.help.clone())
                .collect::<Vec<_>>()
                .join("\n")
        };
        let cases = [
            ("MG101", "op.create_table('tags',"),
            ("MG103", "op.drop_table('posts')"),
            ("MG110", "batch_op.create_foreign_key('fk_users_org_id_orgs', 'orgs', ['org_id'], ['id'])"),
            ("MG102", "op.add_column('users', sa.Column('nickname', sa.String(length=40), nullable=True))"),
            ("MG104", "batch_op.drop_column('bio')"),
            ("MG105", "batch_op.alter_column('age', existing_type=sa.Integer(), type_=sa.String(length=20))"),
            ("MG106", "batch_op.alter_column('name', existing_type=sa.String(length=50), nullable=True)"),
            ("MG109", "op.create_index(op.f('ix_users_name'), 'users', ['name'], unique=False)"),
        ];
        for (rule, op) in cases {
            assert!(
                help(true, rule).contains(op),
                "{rule}: {}",
                help(true, rule)
            );
            assert!(
                !help(false, rule).contains(op),
                "{rule} without Alembic: {}",
                help(false, rule)
            );
        }
    }
}
