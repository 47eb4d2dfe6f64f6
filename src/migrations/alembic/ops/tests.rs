use super::*;
use crate::migrations::replay::replay;
use crate::migrations::{MigratedSchema, MigrationUnit};
use crate::models::python::parse_file;
use crate::schema::{DefaultValue, FkAction};
use std::sync::Arc;

const HEAD: &str = "from alembic import op\nimport sqlalchemy as sa\n\n";

/// Replay without the safety lints' findings (MG301-MG305, tested by the
/// lints; `safety_lints_see_alembic_operations` checks what ops feeds them).
fn run(dialect: Dialect, revisions: &[&str]) -> MigratedSchema {
    let mut m = run_all(dialect, revisions);
    m.findings.retain(|f| !crate::scope::is_safety(f));
    m
}

fn run_all(dialect: Dialect, revisions: &[&str]) -> MigratedSchema {
    let units = revisions
        .iter()
        .enumerate()
        .map(|(i, text)| {
            let path = format!("migrations/versions/{i:04}_rev.py");
            let py = parse_file(SourceFile::new(path.clone(), text.to_string()));
            MigrationUnit {
                version: format!("{i:04}"),
                name: path,
                file: py.source.clone(),
                up: 0..text.len(),
                frontend: Frontend::Alembic(Arc::new(read(&py, dialect))),
            }
        })
        .collect();
    replay(
        &[History {
            units,
            findings: Vec::new(),
            support: Vec::new(),
        }],
        dialect,
    )
}

fn pg(revisions: &[&str]) -> MigratedSchema {
    run(Dialect::Postgresql, revisions)
}

fn rev(body: &str) -> String {
    format!("{HEAD}def upgrade():\n{body}\n\ndef downgrade():\n    op.drop_table('never_read')\n")
}

fn col<'a>(m: &'a MigratedSchema, t: &str, c: &str) -> &'a Column {
    m.schema
        .tables
        .get(t)
        .and_then(|t| t.column(c))
        .unwrap_or_else(|| panic!("no column {t}.{c} in {:?}", m.schema.tables.keys()))
}

fn rules(m: &MigratedSchema) -> Vec<(&'static str, u32)> {
    m.findings
        .iter()
        .map(|f| {
            (
                f.rule.id,
                f.location.as_ref().map(|l| l.start.line).unwrap_or(0),
            )
        })
        .collect()
}

const USERS: &str = r#"    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=255), nullable=False),
        sa.Column("name", sa.String(50)),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.false()),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("email"),
    )
    op.create_index(op.f("ix_users_name"), "users", ["name"], unique=False)"#;

#[test]
fn create_table_columns_keys_and_indexes() {
    let m = pg(&[&rev(USERS)]);
    assert!(m.findings.is_empty(), "{:?}", m.findings);
    let t = &m.schema.tables["users"];
    assert_eq!(t.primary_key, vec!["id"]);
    let id = col(&m, "users", "id");
    assert_eq!(id.ty, SqlType::Integer { bytes: 4 });
    assert!(!id.nullable && id.autoincrement);
    assert_eq!(
        col(&m, "users", "email").ty,
        SqlType::String {
            len: Some(255),
            fixed: false
        }
    );
    assert!(col(&m, "users", "name").nullable);
    let created = col(&m, "users", "created_at");
    assert_eq!(created.ty, SqlType::Timestamp { tz: true });
    assert_eq!(created.default, Some(DefaultValue::new("now()")));
    assert_eq!(
        col(&m, "users", "active").default,
        Some(DefaultValue::new("false"))
    );
    let names: Vec<_> = t
        .indexes
        .iter()
        .map(|i| (i.name.clone(), i.unique))
        .collect();
    assert_eq!(
        names,
        vec![
            (Some("users_email_key".into()), true),
            (Some("ix_users_name".into()), false)
        ]
    );
    // the location of the table is the create_table call's line
    assert_eq!(t.location.start.line, 5);
}

#[test]
fn downgrade_is_never_read() {
    let m = pg(&[&rev(USERS)]);
    assert!(!m.schema.tables.contains_key("never_read"));
    assert!(m.dropped_tables.is_empty());
}

#[test]
fn add_drop_alter_and_rename() {
    let second = rev(
        r#"    op.add_column("users", sa.Column("age", sa.SmallInteger(), nullable=True))
    op.add_column("users", sa.Column("slug", sa.String(40), nullable=False, unique=True, index=True))
    op.add_column("users", sa.Column("code", sa.String(40), unique=True))
    op.drop_column("users", "active")
    op.alter_column("users", "name", existing_type=sa.String(50), type_=sa.String(120), nullable=False)
    op.alter_column("users", "created_at", server_default=None)
    op.alter_column("users", "email", new_column_name="email_address")
    op.rename_table("users", "accounts")"#,
    );
    let m = pg(&[&rev(USERS), &second]);
    assert!(m.findings.is_empty(), "{:?}", m.findings);
    assert!(!m.schema.tables.contains_key("users"));
    assert_eq!(col(&m, "accounts", "age").ty, SqlType::Integer { bytes: 2 });
    let name = col(&m, "accounts", "name");
    assert_eq!(
        name.ty,
        SqlType::String {
            len: Some(120),
            fixed: false
        }
    );
    assert!(!name.nullable);
    assert_eq!(col(&m, "accounts", "created_at").default, None);
    assert!(m.schema.tables["accounts"].column("active").is_none());
    assert!(m.schema.tables["accounts"].column("email").is_none());
    col(&m, "accounts", "email_address");
    let t = &m.schema.tables["accounts"];
    assert!(t
        .indexes
        .iter()
        .any(|i| i.name.as_deref() == Some("ix_users_slug") && i.unique));
    assert!(m
        .lost_columns
        .contains_key(&("accounts".into(), "active".into())));
}

#[test]
fn server_default_false_means_unchanged() {
    let second =
        rev(r#"    op.alter_column("users", "created_at", server_default=False, nullable=True)"#);
    let m = pg(&[&rev(USERS), &second]);
    let c = col(&m, "users", "created_at");
    assert_eq!(c.default, Some(DefaultValue::new("now()")));
    assert!(c.nullable);
}

#[test]
fn missing_table_and_column_are_mg201_mg202_at_their_line() {
    let second = rev(r#"    op.add_column("posts", sa.Column("x", sa.Integer()))
    op.drop_column("users", "nope")"#);
    let m = pg(&[&rev(USERS), &second]);
    assert_eq!(rules(&m), vec![("MG201", 5), ("MG202", 6)]);
}

#[test]
fn foreign_keys_constraints_and_drops() {
    let posts = rev(r#"    op.create_table(
        "posts",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("editor_id", sa.Integer()),
        sa.Column("score", sa.Integer()),
        sa.ForeignKeyConstraint(["editor_id"], ["users.id"], name="fk_editor", ondelete="SET NULL"),
        sa.CheckConstraint("score >= 0", name="ck_score"),
    )
    op.create_foreign_key("fk_posts_owner", "posts", "users", ["score"], ["id"], onupdate="CASCADE")
    op.create_unique_constraint("uq_posts_user_score", "posts", ["user_id", "score"])
    op.create_check_constraint("ck_positive", "posts", "id > 0")"#);
    let drops = rev(
        r#"    op.drop_constraint("fk_editor", "posts", type_="foreignkey")
    op.drop_constraint("uq_posts_user_score", "posts", type_="unique")
    op.drop_constraint("ck_score", "posts", type_="check")
    op.drop_constraint("users_email_key", "users", type_="unique")
    op.drop_constraint("posts_pkey", "posts", type_="primary")
    op.create_primary_key("pk_posts", "posts", ["id", "user_id"])"#,
    );
    let m = pg(&[&rev(USERS), &posts]);
    assert!(m.findings.is_empty(), "{:?}", m.findings);
    let t = &m.schema.tables["posts"];
    assert_eq!(t.primary_key, vec!["id"]);
    let fks: Vec<_> = t
        .foreign_keys
        .iter()
        .map(|f| (f.name.clone().unwrap_or_default(), f.on_delete, f.on_update))
        .collect();
    assert_eq!(
        fks,
        vec![
            ("posts_user_id_fkey".into(), Some(FkAction::Cascade), None),
            ("fk_editor".into(), Some(FkAction::SetNull), None),
            ("fk_posts_owner".into(), None, Some(FkAction::Cascade)),
        ]
    );
    assert_eq!(t.checks.len(), 2);
    assert!(t
        .indexes
        .iter()
        .any(|i| i.unique && i.columns == ["user_id", "score"]));
    let m = pg(&[&rev(USERS), &posts, &drops]);
    assert!(m.findings.is_empty(), "{:?}", m.findings);
    let t = &m.schema.tables["posts"];
    assert_eq!(t.foreign_keys.len(), 2);
    assert!(t.indexes.iter().all(|i| !i.unique));
    assert_eq!(t.checks.len(), 1);
    assert_eq!(t.primary_key, vec!["id", "user_id"]);
    assert!(m.schema.tables["users"].indexes.iter().all(|i| !i.unique));
}

#[test]
fn batch_alter_table_applies_to_its_table() {
    let batch = rev(
        r#"    with op.batch_alter_table("users", schema=None, recreate="always") as batch_op:
        batch_op.add_column(sa.Column("bio", sa.Text(), nullable=True))
        batch_op.alter_column("name", existing_type=sa.String(50), nullable=False)
        batch_op.drop_column("active")
        batch_op.create_index(batch_op.f("ix_users_bio"), ["bio"], unique=False)
        batch_op.create_unique_constraint("uq_users_name", ["name"])
        batch_op.create_foreign_key("fk_self", "users", ["id"], ["id"])
        batch_op.drop_index("ix_users_name")"#,
    );
    let m = run(Dialect::Sqlite, &[&rev(USERS), &batch]);
    assert!(m.findings.is_empty(), "{:?}", m.findings);
    let t = &m.schema.tables["users"];
    assert_eq!(col(&m, "users", "bio").ty, SqlType::Text);
    assert!(!col(&m, "users", "name").nullable);
    assert!(t.column("active").is_none());
    let ix: Vec<_> = t.indexes.iter().filter_map(|i| i.name.clone()).collect();
    assert_eq!(ix, vec!["ix_users_bio", "uq_users_name"]);
    assert_eq!(t.foreign_keys.len(), 1);
}

#[test]
fn execute_sql_is_replayed_with_line_numbers() {
    let body = r#"    op.execute("ALTER TABLE users ADD COLUMN nick varchar(20)")
    op.execute(sa.text("CREATE INDEX ix_nick ON users (nick)"))
    op.execute(
        """
        ALTER TABLE users
            ADD COLUMN bad_type not_a_type(((;
        """
    )
    op.execute("ALTER TABLE users " "ADD COLUMN joined " "date")
    op.execute("ALTER TABLE users ADD COLUMN \"quoted\" text")
    op.execute(f"ALTER TABLE users ADD COLUMN plain_f text")
    op.execute("UPDATE users SET name = 'x' WHERE name IS NULL")
    op.execute("ALTER TABLE missing ADD COLUMN y int")"#;
    let m = pg(&[&rev(USERS), &rev(body)]);
    assert_eq!(
        col(&m, "users", "nick").ty,
        SqlType::String {
            len: Some(20),
            fixed: false
        }
    );
    assert!(m.schema.tables["users"]
        .indexes
        .iter()
        .any(|i| i.name.as_deref() == Some("ix_nick")));
    assert_eq!(col(&m, "users", "joined").ty, SqlType::Date);
    assert_eq!(col(&m, "users", "quoted").ty, SqlType::Text);
    assert_eq!(col(&m, "users", "plain_f").location.start.line, 15);
    // the unparsable part of the statement is on line 10 of the revision, the
    // missing table is named on line 17
    assert_eq!(rules(&m), vec![("MG205", 10), ("MG201", 17)]);
}

#[test]
fn data_migrations_are_silent() {
    let body = r#"    conn = op.get_bind()
    users = sa.table("users", sa.column("id", sa.Integer), sa.column("name", sa.String))
    op.bulk_insert(users, [{"id": 1, "name": "a"}])
    rows = conn.execute(sa.text("SELECT id FROM users")).fetchall()
    for row in rows:
        conn.execute(sa.text("UPDATE users SET name = :n WHERE id = :i"), {"n": "x", "i": row.id})
    op.execute(users.update().where(users.c.id == 1).values(name="b"))
    op.execute(f"UPDATE users SET name = '{DEFAULT}'")
    op.execute("INSERT INTO users (id, name) VALUES (2, 'b')")
    if rows:
        conn.execute(sa.text("DELETE FROM users"))
    if not context.is_offline_mode():
        op.execute(f"UPDATE users SET name = '{DEFAULT}'")
        op.execute(users.delete().where(users.c.id == 2))
        op.execute("DELETE FROM users WHERE id = 3")"#;
    let m = pg(&[&rev(USERS), &rev(body)]);
    assert!(m.findings.is_empty(), "{:?}", m.findings);
    assert!(m.opaque_tables.is_empty());
}

#[test]
fn loops_and_dynamic_names_are_mg205_notes() {
    let body = r#"    for t in get_tables():
        op.add_column(t, sa.Column("deleted", sa.Boolean()))
    op.add_column(table_name(), sa.Column("x", sa.Integer()))
    if some_flag():
        op.drop_column("users", "name")
    op.execute(f"ALTER TABLE users ADD COLUMN {col} int")"#;
    let m = pg(&[&rev(USERS), &rev(body)]);
    let notes: Vec<_> = m
        .findings
        .iter()
        .map(|f| {
            assert_eq!(f.severity, crate::rules::Severity::Note);
            (f.rule.id, f.location.as_ref().map(|l| l.start.line))
        })
        .collect();
    assert_eq!(
        notes,
        vec![
            ("MG205", Some(5)),
            ("MG205", Some(7)),
            ("MG205", Some(8)),
            ("MG205", Some(10))
        ]
    );
    // the branch named `users`: it is no longer compared column by column
    assert!(m.opaque_tables.contains("users"));
    // the column in the undecided branch is not dropped on a guess
    col(&m, "users", "name");
}

#[test]
fn literal_loops_are_unrolled_and_helpers_inlined() {
    let text = format!(
        "{HEAD}{}",
        r#"TABLES = ["users", "posts"]

def _add_audit(table, nullable=True):
    op.add_column(table, sa.Column("updated_at", sa.DateTime(), nullable=nullable))

def upgrade():
    op.create_table("posts", sa.Column("id", sa.Integer(), primary_key=True))
    for t in TABLES:
        op.add_column(t, sa.Column("deleted", sa.Boolean(), server_default=sa.false()))
    _add_audit("users")
    _add_audit(table="posts", nullable=False)
"#
    );
    let m = pg(&[&rev(USERS), &text]);
    assert!(m.findings.is_empty(), "{:?}", m.findings);
    for t in ["users", "posts"] {
        assert_eq!(col(&m, t, "deleted").ty, SqlType::Boolean);
    }
    assert!(col(&m, "users", "updated_at").nullable);
    assert!(!col(&m, "posts", "updated_at").nullable);
}

#[test]
fn helper_with_computed_argument_is_a_note() {
    let text = format!(
        "{HEAD}{}",
        r#"def _drop(table):
    op.drop_column(table, "name")

def upgrade():
    _drop(pick())
"#
    );
    let m = pg(&[&rev(USERS), &text]);
    assert_eq!(rules(&m), vec![("MG205", 5)]);
    col(&m, "users", "name");
}

#[test]
fn dialect_branches_are_decided() {
    let body = r#"    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.add_column("users", sa.Column("pg_only", sa.Integer()))
    else:
        op.add_column("users", sa.Column("other", sa.Integer()))
    if op.get_context().dialect.name in ("sqlite", "mysql"):
        op.add_column("users", sa.Column("lite", sa.Integer()))
    if not context.is_offline_mode():
        op.add_column("users", sa.Column("online", sa.Integer()))
    if op.get_context().as_sql:
        op.add_column("users", sa.Column("offline", sa.Integer()))"#;
    let m = pg(&[&rev(USERS), &rev(body)]);
    assert!(m.findings.is_empty(), "{:?}", m.findings);
    let t = &m.schema.tables["users"];
    assert!(t.column("pg_only").is_some());
    assert!(t.column("other").is_none() && t.column("lite").is_none());
    assert!(t.column("online").is_some() && t.column("offline").is_none());
    let m = run(Dialect::Sqlite, &[&rev(USERS), &rev(body)]);
    let t = &m.schema.tables["users"];
    assert!(t.column("pg_only").is_none());
    assert!(t.column("other").is_some() && t.column("lite").is_some());
}

#[test]
fn enums_on_postgresql() {
    let text = format!(
        "{HEAD}{}",
        r#"from sqlalchemy.dialects import postgresql

status = postgresql.ENUM("draft", "live", name="status", create_type=False)

def upgrade():
    op.create_table(
        "docs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.Enum("a", "b", name="doc_kind"), nullable=False),
    )
    status.create(op.get_bind(), checkfirst=True)
    op.add_column("docs", sa.Column("status", status, nullable=True))
    op.add_column("docs", sa.Column("status2", postgresql.ENUM(name="status", create_type=False)))
"#
    );
    let m = pg(&[&text]);
    assert!(m.findings.is_empty(), "{:?}", m.findings);
    assert_eq!(m.schema.enums["doc_kind"].values, vec!["a", "b"]);
    assert_eq!(m.schema.enums["status"].values, vec!["draft", "live"]);
    let want = SqlType::Enum {
        name: Some("status".into()),
        values: vec!["draft".into(), "live".into()],
    };
    assert_eq!(col(&m, "docs", "status").ty, want);
    assert_eq!(col(&m, "docs", "status2").ty, want);
}

#[test]
fn types_follow_imports_and_unknown_types_are_not_compared() {
    let text = r#"from alembic import op
import sqlalchemy
import sqlmodel
from sqlalchemy.dialects.postgresql import UUID as PGUUID, JSONB
import app.types
import sqlalchemy_utils
from app.db.types import JSON


class Money(sqlalchemy.types.TypeDecorator):
    impl = sqlalchemy.Numeric(12, 2)

def upgrade():
    op.create_table(
        "things",
        sqlalchemy.Column("id", PGUUID(as_uuid=True), primary_key=True),
        sqlalchemy.Column("data", JSONB(), nullable=True),
        sqlalchemy.Column("title", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sqlalchemy.Column("guid", app.types.GUID(), nullable=True),
        sqlalchemy.Column("ref", sqlalchemy_utils.types.uuid.UUIDType(binary=False)),
        sqlalchemy.Column("at", sqlalchemy.DateTime(), server_default=sqlalchemy.func.now()),
        sqlalchemy.Column("payload", JSON()),
        sqlalchemy.Column("price", Money()),
        schema="app",
    )
"#;
    let m = pg(&[text]);
    assert!(m.findings.is_empty(), "{:?}", m.findings);
    let c = |n: &str| col(&m, "app.things", n).ty.clone();
    assert_eq!(c("id"), SqlType::Uuid);
    assert_eq!(c("data"), SqlType::Json { binary: true });
    assert_eq!(
        c("title"),
        SqlType::String {
            len: None,
            fixed: false
        }
    );
    assert!(matches!(c("guid"), SqlType::Other(_)));
    assert_eq!(c("ref"), SqlType::Uuid);
    // the project's own types, whatever their names: not compared
    assert!(matches!(c("payload"), SqlType::Other(_)));
    assert!(matches!(c("price"), SqlType::Other(_)));
    assert_eq!(
        col(&m, "app.things", "at").default,
        Some(DefaultValue::new("now()"))
    );
}

#[test]
fn drop_table_index_and_if_exists() {
    let body = r#"    op.drop_index("ix_users_name", table_name="users")
    op.drop_index("ix_gone", table_name="users", if_exists=True)
    op.drop_table("users")
    op.drop_table("ghost", if_exists=True)
    op.create_table("users", sa.Column("id", sa.Integer(), primary_key=True), if_not_exists=True)
    op.create_index("ix_c", "users", ["id"], postgresql_concurrently=True)"#;
    let m = pg(&[&rev(USERS), &rev(body)]);
    assert!(m.findings.is_empty(), "{:?}", m.findings);
    let t = &m.schema.tables["users"];
    assert_eq!(t.columns.len(), 1);
    assert_eq!(t.indexes.len(), 1);
    assert!(m
        .lost_columns
        .contains_key(&("users".into(), "email".into())));
}

#[test]
fn computed_create_table_counts_as_an_unknown_table() {
    let body = r#"    op.create_table(name_for("x"), sa.Column("id", sa.Integer()))"#;
    let m = pg(&[&rev(body)]);
    assert_eq!(m.unknown_tables, 1);
    assert_eq!(rules(&m), vec![("MG205", 5)]);
}

#[test]
fn unknown_op_is_a_note_and_makes_its_table_opaque() {
    let body = r#"    op.replace_view("users", "select 1")"#;
    let m = pg(&[&rev(USERS), &rev(body)]);
    assert_eq!(rules(&m), vec![("MG205", 5)]);
    assert!(m.opaque_tables.contains("users"));
}

#[test]
fn broken_input_never_panics() {
    for text in [
        "def upgrade(:\n    op.create_table(",
        "def upgrade():\n    op.create_table()\n    op.add_column()\n    op.alter_column('t')\n    op.execute()\n    op.create_index()\n    op.drop_constraint()\n    op.create_foreign_key()\n",
        "def upgrade():\n    op.execute('\\x41LTER TABLE t ADD COLUMN ' 'x int')\n",
        "def f(a): f(a)\ndef upgrade():\n    f(1)\n",
        "def f():\n    return f()\ndef upgrade():\n    if f():\n        op.drop_table('t')\n    op.create_table('x', *f())\n",
        "def f(a):\n    f(a)\n    f(a)\n    f(a)\n    f(a)\n    op.add_column('t', sa.Column('c', sa.Integer()))\ndef upgrade():\n    f(1)\n",
        "",
    ] {
        let _ = pg(&[text]);
    }
}

/// The models and revisions of a small project, the revisions written by
/// Alembic's own autogenerate (1.x, PostgreSQL) from the models next to them.
mod autogenerated {
    use super::*;

    const MODELS_V1: &str = include_str!("testdata/blog/models_v1.py");
    const MODELS_V2: &str = include_str!("testdata/blog/models_v2.py");
    const REV_1: &str = include_str!("testdata/blog/0001_initial.py");
    const REV_2: &str = include_str!("testdata/blog/0002_second.py");
    /// Hand-written (helpers, a literal loop, data migration, raw SQL, an
    /// enum value, batch mode), run against PostgreSQL, with models that
    /// `alembic check` finds up to date.
    const MODELS_V3: &str = include_str!("testdata/blog/models_v3.py");
    const REV_3: &str = include_str!("testdata/blog/0003_handwritten.py");

    fn check(models: &str, revisions: &[&str]) -> Vec<(&'static str, String, u32)> {
        let files = crate::models::parse_sources(vec![SourceFile::new("app/models.py", models)]);
        let model = crate::models::from_files(files, Dialect::Postgresql, Vec::new());
        let migrated = pg(revisions);
        let mut out: Vec<_> = crate::diff::diff(&model, &migrated, Dialect::Postgresql)
            .into_iter()
            .chain(migrated.findings.iter().cloned())
            .map(|f| {
                let at = f.location.as_ref().map(|l| l.start.line).unwrap_or(0);
                let subject = match (&f.table, &f.column) {
                    (Some(t), Some(c)) => format!("{t}.{c}"),
                    (Some(t), None) => t.clone(),
                    _ => String::new(),
                };
                (f.rule.id, subject, at)
            })
            .collect();
        out.sort();
        out
    }

    #[test]
    fn models_matching_their_revisions_are_clean() {
        assert_eq!(check(MODELS_V1, &[REV_1]), vec![]);
        assert_eq!(check(MODELS_V2, &[REV_1, REV_2]), vec![]);
        assert_eq!(check(MODELS_V3, &[REV_1, REV_2, REV_3]), vec![]);
    }

    /// What changed, the models, the revision that follows them, and the
    /// finding without that revision (rule, subject, model line).
    type Case = (&'static str, &'static str, &'static str, Finding3);
    type Finding3 = (&'static str, &'static str, u32);

    /// One model change each, with the revision Alembic's autogenerate
    /// wrote for it (`compare_server_default=True`) against the database
    /// at revision 0003.
    #[test]
    fn each_change_is_found_and_its_autogenerated_revision_fixes_it() {
        let cases: [Case; 4] = [
            (
                "default",
                include_str!("testdata/blog/mutations/models_default.py"),
                include_str!("testdata/blog/mutations/rev_default.py"),
                ("MG107", "posts.score", 49),
            ),
            (
                "index",
                include_str!("testdata/blog/mutations/models_index.py"),
                include_str!("testdata/blog/mutations/rev_index.py"),
                ("MG109", "posts.slug", 47),
            ),
            (
                "fk",
                include_str!("testdata/blog/mutations/models_fk.py"),
                include_str!("testdata/blog/mutations/rev_fk.py"),
                ("MG110", "posts.author_id", 46),
            ),
            (
                "unique",
                include_str!("testdata/blog/mutations/models_unique.py"),
                include_str!("testdata/blog/mutations/rev_unique.py"),
                ("MG109", "tags.color", 62),
            ),
        ];
        // each at the changed model line (an extra column, MG104, is in
        // `model_changes_without_their_revision_are_found`: these models'
        // expression index makes the diff lenient about extra columns)
        for (what, models, fix, (rule, subject, line)) in cases {
            let found = check(models, &[REV_1, REV_2, REV_3]);
            assert_eq!(
                found,
                vec![(rule, subject.to_string(), line)],
                "{what} without its revision"
            );
            assert_eq!(
                check(models, &[REV_1, REV_2, REV_3, fix]),
                vec![],
                "{what} with its revision"
            );
        }
    }

    #[test]
    fn model_changes_without_their_revision_are_found() {
        // each at the model's line, the extra column at the revision's
        let want = [
            ("MG101", "tags", 43),
            ("MG102", "posts.editor_id", 40),
            ("MG102", "users.bio", 24),
            ("MG104", "posts.body", 38),
            ("MG105", "posts.score", 39),
            ("MG105", "users.name", 23),
            ("MG106", "users.name", 23),
        ];
        let want: Vec<_> = want
            .iter()
            .map(|(r, s, l)| (*r, s.to_string(), *l))
            .collect();
        assert_eq!(check(MODELS_V2, &[REV_1]), want);
    }
}

#[test]
fn dialect_helpers_and_dedent() {
    let text = format!(
        "{HEAD}{}",
        r#"from textwrap import dedent

authmethod = sa.Enum("MEALIE", "LDAP", name="authmethod")


def is_postgres():
    """Whether we run on PostgreSQL."""
    return op.get_context().dialect.name == "postgresql"


def upgrade():
    if is_postgres():
        authmethod.create(op.get_bind())
    op.add_column("users", sa.Column("auth", authmethod, nullable=False, server_default="MEALIE"))
    if is_postgres():
        op.execute("ALTER TYPE authmethod ADD VALUE 'OIDC'")
    op.execute(
        dedent(
            """
            ALTER TABLE users ADD COLUMN note text
            """
        )
    )
    op.execute(dedent(f"UPDATE users SET note = {NOTE}"))
"#
    );
    let m = pg(&[&rev(USERS), &text]);
    assert!(m.findings.is_empty(), "{:?}", m.findings);
    assert_eq!(
        m.schema.enums["authmethod"].values,
        vec!["MEALIE", "LDAP", "OIDC"]
    );
    assert!(
        matches!(&col(&m, "users", "auth").ty, SqlType::Enum { values, .. } if values.len() == 3)
    );
    assert_eq!(col(&m, "users", "note").ty, SqlType::Text);
    assert_eq!(col(&m, "users", "note").location.start.line, 23);
    let m = run(Dialect::Sqlite, &[&rev(USERS), &text]);
    assert!(m.findings.is_empty(), "{:?}", m.findings);
    // SQLite has no enum types: SQLAlchemy makes a VARCHAR of the longest
    // value, without a CHECK, so the PostgreSQL-only value is no drift
    assert!(m.schema.enums.is_empty());
    assert_eq!(
        col(&m, "users", "auth").ty,
        SqlType::String {
            len: Some(6),
            fixed: false
        }
    );
}

#[test]
fn column_helpers_and_spread_lists() {
    let text = format!(
        "{HEAD}{}",
        r#"def timestamps():
    return [
        sa.Column("created_at", sa.DateTime(), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
    ]


def id_column():
    return sa.Column("id", sa.BigInteger(), primary_key=True)


KEYS = (sa.UniqueConstraint("code"),)


def upgrade():
    op.create_table("items", id_column(), sa.Column("code", sa.String(8)), *timestamps(), *KEYS)
    op.add_column("items", id_column_copy())
    op.create_table("other", *unknown_columns())
"#
    );
    let m = pg(&[&text]);
    let t = &m.schema.tables["items"];
    let names: Vec<_> = t.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, vec!["id", "code", "created_at", "updated_at"]);
    assert_eq!(t.primary_key, vec!["id"]);
    assert!(col(&m, "items", "id").autoincrement);
    assert!(t.indexes.iter().any(|i| i.unique && i.columns == ["code"]));
    // an unknown helper's column, a spread nothing can read: notes, and
    // `other` exists with unknown columns
    assert_eq!(rules(&m), vec![("MG205", 20), ("MG205", 21)]);
    assert!(m.opaque_tables.contains("items") && m.opaque_tables.contains("other"));
}

#[test]
fn multidb_template_is_a_note_and_lifts_missing_tables() {
    let text = format!(
        "{HEAD}{}",
        r#"def upgrade(engine_name: str) -> None:
    globals()["upgrade_%s" % engine_name]()


def upgrade_engine1() -> None:
    op.create_table("a", sa.Column("id", sa.Integer(), primary_key=True))
"#
    );
    let m = pg(&[&text]);
    assert_eq!(rules(&m), vec![("MG205", 4)]);
    assert!(m.schema.tables.is_empty());
    assert_eq!(m.unknown_tables, 1);
}

#[test]
fn deep_nesting_is_a_note_not_a_crash() {
    let mut text = String::from("from alembic import op\ndef upgrade():\n");
    for i in 1..300 {
        text.push_str(&" ".repeat(4 * i));
        text.push_str("with op.get_context().autocommit_block():\n");
    }
    text.push_str(&" ".repeat(4 * 300));
    text.push_str("op.drop_table('t')\n");
    let m = pg(&[&text]);
    assert_eq!(m.findings.len(), 1);
    assert_eq!(m.findings[0].rule.id, "MG205");
}

#[test]
fn helpers_receive_batch_aliases() {
    let text = format!(
        "{HEAD}{}",
        r#"def _extend(b, kind):
    b.add_column(sa.Column(kind, sa.Integer()))


def upgrade():
    with op.batch_alter_table("users") as batch_op:
        _extend(batch_op, "extra")
"#
    );
    let m = run(Dialect::Sqlite, &[&rev(USERS), &text]);
    assert!(m.findings.is_empty(), "{:?}", m.findings);
    assert_eq!(col(&m, "users", "extra").ty, SqlType::Integer { bytes: 4 });
}

#[test]
fn create_all_makes_later_unknown_tables_opaque_not_missing() {
    let first = format!(
        "{HEAD}{}",
        r#"from app.models import Base


def upgrade():
    Base.metadata.create_all(bind=op.get_bind())
    sa.Table("audit", sa.MetaData(), sa.Column("id", sa.Integer())).create(op.get_bind())
"#
    );
    let second = rev(r#"    op.add_column("users", sa.Column("x", sa.Integer()))
    op.create_index("ix_users_x", "users", ["x"])"#);
    let m = pg(&[&first, &second]);
    assert_eq!(rules(&m), vec![("MG205", 8), ("MG205", 9)]);
    assert_eq!(m.unknown_tables, 1);
    assert!(m.opaque_tables.contains("users") && m.opaque_tables.contains("audit"));
    // without the create_all, the missing table is MG201 (after a first
    // revision that creates its tables: see `..._unseen_base`)
    let own = rev(r#"    op.create_table("other", sa.Column("id", sa.Integer()))"#);
    let m = pg(&[&own, &second]);
    assert_eq!(rules(&m), vec![("MG201", 5)]);
}

#[test]
fn python_enum_classes_of_the_revision() {
    let text = format!(
        "{HEAD}{}",
        r#"import enum


class Kind(str, enum.Enum):
    A = "a"
    B = "b"


def upgrade():
    op.create_table(
        "things",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.Enum(Kind), nullable=False),
        sa.Column("kind_value", sa.Enum(Kind, name="kv", values_callable=lambda x: [e.value for e in x])),
    )
"#
    );
    let m = pg(&[&text]);
    assert!(m.findings.is_empty(), "{:?}", m.findings);
    assert_eq!(
        col(&m, "things", "kind").ty,
        SqlType::Enum {
            name: Some("kind".into()),
            values: vec!["A".into(), "B".into()]
        }
    );
    assert_eq!(m.schema.enums["kv"].values, vec!["a", "b"]);
}

#[test]
fn notes_are_reported_once_even_when_the_loader_passed_them_on() {
    let text = rev(r#"    op.add_column(table_name(), sa.Column("x", sa.Integer()))"#);
    let py = parse_file(SourceFile::new("v/0001.py", text.clone()));
    let upgrade = Arc::new(read(&py, Dialect::Postgresql));
    assert_eq!(upgrade.findings.len(), 1);
    let unit = MigrationUnit {
        version: "0001".into(),
        name: "0001".into(),
        file: py.source.clone(),
        up: 0..text.len(),
        frontend: Frontend::Alembic(upgrade.clone()),
    };
    let m = replay(
        &[History {
            units: vec![unit],
            findings: upgrade.findings.clone(),
            support: Vec::new(),
        }],
        Dialect::Postgresql,
    );
    assert_eq!(m.findings.len(), 1);
}

#[test]
fn a_foreign_key_column_without_a_type_takes_the_referenced_one() {
    let body = r#"    op.create_table(
        "nodes",
        sa.Column("id", sa.BigInteger(), primary_key=True),
        sa.Column("parent_id", None, sa.ForeignKey("nodes.id")),
        sa.Column("owner_id", sa.ForeignKey("users.id")),
    )
    op.add_column("nodes", sa.Column("editor_id", sa.ForeignKey("users.id")))"#;
    let m = pg(&[&rev(USERS), &rev(body)]);
    assert!(m.findings.is_empty(), "{:?}", m.findings);
    assert_eq!(
        col(&m, "nodes", "parent_id").ty,
        SqlType::Integer { bytes: 8 }
    );
    assert_eq!(
        col(&m, "nodes", "owner_id").ty,
        SqlType::Integer { bytes: 4 }
    );
    assert_eq!(
        col(&m, "nodes", "editor_id").ty,
        SqlType::Integer { bytes: 4 }
    );
    assert!(!col(&m, "nodes", "owner_id").autoincrement);
}

#[test]
fn safety_lints_see_alembic_operations() {
    let body = r#"    op.create_unique_constraint("uq_users_name", "users", ["name"])
    op.add_column("users", sa.Column("code", sa.String(8), unique=True))
    op.create_index("ix_users_active", "users", ["active"])
    op.create_index("ix_users_created", "users", ["created_at"], postgresql_concurrently=True)
    op.drop_column("users", "code")"#;
    let m = run_all(Dialect::Postgresql, &[&rev(USERS), &rev(body)]);
    let safety: Vec<_> = rules(&m)
        .into_iter()
        .filter(|(r, _)| r.starts_with("MG3"))
        .collect();
    // unique constraints and concurrent builds do not block writes; the
    // dropped column was added by the same migration
    assert_eq!(safety, vec![("MG305", 7)]);
}

#[test]
fn guarded_ddl_is_replayed_to_its_end_state() {
    // privacyidea wraps each revision in try/except; Skyvern retries DDL in
    // a `while True` loop behind an existence check, with f-strings built
    // from a literal table list and passed through helpers.
    let text = format!(
        "{HEAD}{}",
        r#"from sqlalchemy.exc import OperationalError

_ADDS = (("users", "nick", "VARCHAR(20)"), ("posts", "slug", "TEXT"))

def _column_exists(table, column):
    return op.get_bind().execute(sa.text("SELECT 1")).first() is not None

def _run(table, statement):
    try:
        op.execute(f'LOCK TABLE "{table}" IN ACCESS EXCLUSIVE MODE')
        op.execute(statement)
    except Exception:
        op.execute("ROLLBACK")
        raise

def _retry(table, statement):
    while True:
        try:
            _run(table, statement)
            return
        except OperationalError:
            pass

def upgrade():
    try:
        op.create_table("posts", sa.Column("id", sa.Integer(), primary_key=True))
        op.add_column("users", sa.Column("name", sa.String(50)))
    except OperationalError as e:
        print("already there", e)
    for table, column, definition in reversed(_ADDS):
        if not _column_exists(table, column):
            _retry(table, f'ALTER TABLE "{table}" ADD COLUMN IF NOT EXISTS {column} {definition}')
"#
    );
    let m = pg(&[&rev(USERS), &text]);
    // the re-added `users.name` is what the guard is for: no MG203
    assert!(m.findings.is_empty(), "{:?}", m.findings);
    assert!(m.opaque_tables.is_empty(), "{:?}", m.opaque_tables);
    assert_eq!(
        col(&m, "users", "nick").ty,
        SqlType::String {
            len: Some(20),
            fixed: false
        }
    );
    assert_eq!(col(&m, "posts", "slug").ty, SqlType::Text);
    col(&m, "posts", "id");
}

#[test]
fn a_try_whose_handler_has_its_own_ddl_stays_unread() {
    let body = r#"    try:
        op.add_column("users", sa.Column("a", sa.Integer()))
    except Exception:
        op.add_column("users", sa.Column("b", sa.Integer()))"#;
    let m = pg(&[&rev(USERS), &rev(body)]);
    assert_eq!(rules(&m), vec![("MG205", 5)]);
    assert!(m.opaque_tables.contains("users"));
}

#[test]
fn first_revision_altering_an_unseen_table_starts_from_an_unseen_base() {
    // Redash, Lemur: the base schema comes from `db.create_all()`
    let first = rev(r#"    op.add_column("queries", sa.Column("is_draft", sa.Boolean()))"#);
    let later = rev(r#"    op.create_index("ix_dash", "dashboards", ["slug"])"#);
    let m = pg(&[&first, &later]);
    assert_eq!(rules(&m), vec![("MG205", 5)]);
    assert_eq!(m.unknown_tables, 1);
    assert!(m.opaque_tables.contains("queries") && m.opaque_tables.contains("dashboards"));
    // after an empty root revision, the first one that does something
    let empty = rev("    pass");
    let m = pg(&[&empty, &first, &later]);
    assert_eq!(rules(&m), vec![("MG205", 5)]);
    assert_eq!(m.unknown_tables, 1);
    // a foreign key to a table no revision creates is the same evidence
    let fk = rev(
        r#"    op.create_table("assoc", sa.Column("cert_id", sa.Integer(), sa.ForeignKey("certificates.id")))"#,
    );
    let m = pg(&[&fk, &later]);
    assert_eq!(rules(&m), vec![("MG205", 5)]);
    assert_eq!(m.unknown_tables, 1);
    // a history that creates what it alters has no unseen base: a later
    // revision altering a missing table is still MG201
    let own = rev(
        r#"    op.create_table("queries", sa.Column("id", sa.Integer(), primary_key=True))
    op.add_column("queries", sa.Column("is_draft", sa.Boolean()))"#,
    );
    let m = pg(&[&own, &later]);
    assert_eq!(rules(&m), vec![("MG201", 5)]);
    assert_eq!(m.unknown_tables, 0);
}

#[test]
fn sync_enum_values_of_alembic_postgresql_enum_sets_the_values() {
    let create = rev(r#"    op.create_table(
        "logs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.Enum("create", "view", name="log_type"), nullable=False),
    )"#);
    // 1.x keywords, renamed values already under their new names
    let new = format!(
        "{HEAD}{}",
        r#"from alembic_postgresql_enum import TableReference


def upgrade():
    op.sync_enum_values(
        enum_schema="public",
        enum_name="log_type",
        new_values=["create", "viewed", "delete"],
        affected_columns=[TableReference(table_schema="public", table_name="logs", column_name="kind")],
        enum_values_to_rename=[("view", "viewed")],
    )
"#
    );
    // 1.x positional, then the older (schema, name, old_values, new_values)
    let positional = format!(
        "{HEAD}{}",
        r#"from alembic_postgresql_enum import TableReference


def upgrade():
    op.sync_enum_values("public", "log_type", ["create", "viewed", "delete", "revoke"], [TableReference("public", "logs", "kind")])
"#
    );
    let old = rev(
        r#"    op.sync_enum_values("public", "log_type", ["create", "viewed"], ["create", "viewed", "delete", "revoke", "key"])"#,
    );
    let values = |m: &MigratedSchema| match &col(m, "logs", "kind").ty {
        SqlType::Enum { values, .. } => values.clone(),
        other => panic!("{other:?}"),
    };
    let m = pg(&[&create, &new]);
    assert!(m.findings.is_empty(), "{:?}", m.findings);
    assert_eq!(values(&m), ["create", "viewed", "delete"]);
    assert_eq!(
        m.schema.enums["log_type"].values,
        ["create", "viewed", "delete"]
    );
    let m = pg(&[&create, &positional]);
    assert!(m.findings.is_empty(), "{:?}", m.findings);
    assert_eq!(values(&m), ["create", "viewed", "delete", "revoke"]);
    let m = pg(&[&create, &old]);
    assert!(m.findings.is_empty(), "{:?}", m.findings);
    assert_eq!(values(&m), ["create", "viewed", "delete", "revoke", "key"]);
    // values that cannot be read: a note that names no table
    let computed = rev(r#"    op.sync_enum_values("public", "log_type", VALUES, [])"#);
    let m = pg(&[&create, &computed]);
    assert_eq!(rules(&m), vec![("MG205", 5)]);
    assert!(m.findings[0].table.is_none());
}

#[test]
fn spread_list_changed_in_place_is_not_read_as_its_literal() {
    // privacyidea: columns appended in a loop before `create_table(*columns)`
    let text = format!(
        "{HEAD}{}",
        r#"BUCKETS = ["le_1s", "le_5s"]


def upgrade():
    columns = [sa.Column("id", sa.Integer(), primary_key=True)]
    for b in BUCKETS:
        columns.append(sa.Column(b, sa.BigInteger(), nullable=False))
    op.create_table("metrics", *columns)
"#
    );
    let m = pg(&[&text]);
    assert_eq!(rules(&m), vec![("MG205", 11)]);
    assert!(m.opaque_tables.contains("metrics"));
    // a list left as written is read
    let plain = text.replace("        columns.append(", "        print(");
    let m = pg(&[&plain]);
    assert!(m.findings.is_empty(), "{:?}", m.findings);
    assert!(!m.opaque_tables.contains("metrics"));
}

#[test]
fn upgrade_given_op_by_the_application_is_read() {
    // CTFd's plugin migrations: `def upgrade(op=None)`
    let text = format!(
        "{HEAD}{}",
        r#"def upgrade(op=None):
    op.create_table("dyn", sa.Column("id", sa.Integer(), primary_key=True))
"#
    );
    let m = pg(&[&text]);
    assert!(m.findings.is_empty(), "{:?}", m.findings);
    assert!(m.schema.tables.contains_key("dyn"));
    // another parameter is the multi-database template: not read
    let m = pg(&[&text.replace("op=None", "engine_name")]);
    assert_eq!(rules(&m), vec![("MG205", 4)]);
}

#[test]
fn index_parts_with_an_order_are_their_columns() {
    // Skyvern: the model's `Index("ix", "org", desc("created_at"))`
    let m = pg(&[
        &rev(USERS),
        &rev(
            r#"    op.create_index("ix_a", "users", ["id", sa.text("email DESC")])
    op.create_index("ix_b", "users", [sa.desc("email"), "id"])
    op.create_index("ix_c", "users", ["id", sa.text("lower(email)")])"#,
        ),
    ]);
    assert!(m.findings.is_empty(), "{:?}", m.findings);
    let cols = |name: &str| {
        m.schema.tables["users"]
            .indexes
            .iter()
            .find(|i| i.name.as_deref() == Some(name))
            .map(|i| i.columns.clone())
            .unwrap_or_default()
    };
    assert_eq!(cols("ix_a"), ["id", "email"]);
    assert_eq!(cols("ix_b"), ["email", "id"]);
    // an expression is left out
    assert_eq!(cols("ix_c"), ["id"]);
}

#[test]
fn loop_rows_holding_column_lists_are_unrolled() {
    // CKAN: `for name, table, columns in indexes: op.create_index(...)`
    let text = format!(
        "{HEAD}{}",
        r#"indexes = (
    ("ix_users_id_email", "users", ["id", "email"]),
    ("ix_users_lower", "users", [sa.text("lower(email)"), "id"]),
)


def upgrade():
    for name, table, columns in indexes:
        op.create_index(name, table, columns)
"#
    );
    let m = pg(&[&rev(USERS), &text]);
    assert!(m.findings.is_empty(), "{:?}", m.findings);
    let names: Vec<_> = m.schema.tables["users"]
        .indexes
        .iter()
        .filter_map(|i| i.name.clone())
        .collect();
    assert!(
        names.contains(&"ix_users_id_email".to_string()),
        "{names:?}"
    );
    // the same rows changed in place are not unrolled
    let changed = text.replace(
        "def upgrade():\n",
        "def upgrade():\n    indexes.append((\"ix_x\", \"users\", [\"name\"]))\n",
    );
    let m = pg(&[&rev(USERS), &changed]);
    assert_eq!(rules(&m), vec![("MG205", 12)]);
}

#[test]
fn computed_foreign_key_target_makes_the_table_opaque() {
    // CKAN: `sa.ForeignKey(column.replace("_", "."))` in a loop
    let m = pg(&[
        &rev(USERS),
        &rev(
            r#"    op.add_column("users", sa.Column("org_id", sa.UnicodeText, sa.ForeignKey(target())))
    op.create_table("posts", sa.Column("id", sa.Integer()), sa.Column("u", sa.Integer(), sa.ForeignKey(TARGET)))"#,
        ),
    ]);
    assert_eq!(rules(&m), vec![("MG205", 5), ("MG205", 6)]);
    assert!(m.opaque_tables.contains("users") && m.opaque_tables.contains("posts"));
    assert!(m.schema.tables["users"].column("org_id").is_some());
}
