//! End-to-end tests of the Python model frontends: sources in, schema and
//! findings out.
use super::*;
use crate::dialect::Dialect;
use crate::schema::{Column, FkAction, SqlType, Table};
use crate::snapshot::ReadError;
use std::collections::HashMap;

pub(crate) fn build(files: &[(&str, &str)]) -> ModelSchema {
    let sources = files.iter().map(|(p, t)| SourceFile::new(*p, *t)).collect();
    from_files(parse_sources(sources), Dialect::Postgresql, Vec::new())
}

fn table<'m>(m: &'m ModelSchema, name: &str) -> &'m Table {
    m.schema.tables.get(name).unwrap_or_else(|| {
        panic!(
            "no table {name}; have {:?}; findings {:?}",
            m.schema.tables.keys().collect::<Vec<_>>(),
            m.findings.iter().map(|f| &f.message).collect::<Vec<_>>()
        )
    })
}

fn col<'t>(t: &'t Table, name: &str) -> &'t Column {
    t.column(name).unwrap_or_else(|| {
        panic!(
            "no column {name} in {}; have {:?}",
            t.name,
            t.columns.iter().map(|c| &c.name).collect::<Vec<_>>()
        )
    })
}

fn names(t: &Table) -> Vec<&str> {
    t.columns.iter().map(|c| c.name.as_str()).collect()
}

fn notes(m: &ModelSchema) -> Vec<&str> {
    m.findings
        .iter()
        .filter(|f| f.rule.id == "MG001")
        .map(|f| f.message.as_str())
        .collect()
}

fn varchar(len: Option<u32>) -> SqlType {
    SqlType::String { len, fixed: false }
}

const INT: SqlType = SqlType::Integer { bytes: 4 };

/// A snapshot held in memory.
struct MemSnapshot {
    files: Vec<String>,
    content: HashMap<String, Vec<u8>>,
}

impl MemSnapshot {
    fn new(files: &[(&str, &[u8])]) -> Self {
        let mut names: Vec<String> = files.iter().map(|(p, _)| p.to_string()).collect();
        names.sort();
        MemSnapshot {
            files: names,
            content: files
                .iter()
                .map(|(p, c)| (p.to_string(), c.to_vec()))
                .collect(),
        }
    }
}

impl Snapshot for MemSnapshot {
    fn label(&self) -> String {
        "memory".into()
    }
    fn files(&self) -> &[String] {
        &self.files
    }
    fn read_bytes(&self, path: &str) -> Result<Vec<u8>, ReadError> {
        self.content.get(path).cloned().ok_or(ReadError::NotFound)
    }
}

fn input(files: &[&str]) -> Vec<ModelInput> {
    vec![ModelInput {
        kind: ModelKind::Sqlalchemy,
        files: files.iter().map(|s| s.to_string()).collect(),
    }]
}

#[test]
fn seed_000_services_description() {
    let m = build(&[(
        "backend/database/models.py",
        r#"from sqlalchemy import Column, Integer, String, Text, DateTime
from sqlalchemy.ext.declarative import declarative_base

Base = declarative_base()

class Service(Base):
    __tablename__ = "services"
    id = Column(Integer, primary_key=True)
    name = Column(String, nullable=False)
    description = Column(Text)
    status = Column(String)
"#,
    )]);
    assert_eq!(m.files, 1);
    let t = table(&m, "services");
    assert_eq!(names(t), vec!["id", "name", "description", "status"]);
    let d = col(t, "description");
    assert_eq!(d.ty, SqlType::Text);
    assert!(d.nullable);
    // the model line: from the attribute through the call
    assert_eq!(d.location.start.line, 10);
    assert_eq!(d.location.start.col, 5);
    assert_eq!(d.location.end.line, 10);
    assert_eq!(d.location.end.col, 31);
    assert_eq!(t.location.start.line, 6);
    assert_eq!(t.location.start.col, 7);
    let id = col(t, "id");
    assert!(!id.nullable && id.autoincrement);
    assert_eq!(t.primary_key, vec!["id"]);
    assert!(!col(t, "name").nullable);
    assert!(m.findings.is_empty(), "{:?}", notes(&m));
}

#[test]
fn seed_002_jobs_with_uuid_and_serial() {
    let m = build(&[
        (
            "app/models/jobs.py",
            r#"import uuid
from sqlalchemy import Column, Integer, String, ForeignKey, DateTime, func
from sqlalchemy.dialects.postgresql import UUID
from app.models.base import Base

class Job(Base):
    __tablename__ = "jobs"
    id = Column(Integer, primary_key=True)
    job_uuid = Column(UUID(as_uuid=True), unique=True, nullable=False, default=uuid.uuid4)
    job_serial = Column(String(20), unique=True, nullable=False)
    created_at = Column(DateTime(timezone=True), server_default=func.now())

class JobExecution(Base):
    __tablename__ = "job_executions"
    id = Column(Integer, primary_key=True)
    job_id = Column(Integer, ForeignKey("jobs.id", ondelete="CASCADE"), nullable=False)
    execution_uuid = Column(UUID(as_uuid=True), unique=True, nullable=False, default=uuid.uuid4)
    execution_serial = Column(String(50), unique=True, nullable=False)

class JobExecutionBranch(Base):
    __tablename__ = "job_execution_branches"
    id = Column(Integer, primary_key=True)
    execution_id = Column(ForeignKey("job_executions.id"), index=True)
    branch_uuid = Column(UUID(as_uuid=True), unique=True, nullable=False, default=uuid.uuid4)
    branch_serial = Column(String(100), unique=True, nullable=False)
    target_serial_ref = Column(String(50))
"#,
        ),
        (
            "app/models/base.py",
            "from sqlalchemy.orm import declarative_base\nBase = declarative_base()\n",
        ),
    ]);
    let jobs = table(&m, "jobs");
    let u = col(jobs, "job_uuid");
    assert_eq!(u.ty, SqlType::Uuid);
    assert!(u.unique && !u.nullable && u.client_default);
    assert!(u.default.is_none());
    let s = col(jobs, "job_serial");
    assert_eq!(s.ty, varchar(Some(20)));
    assert!(s.unique && !s.nullable);
    let c = col(jobs, "created_at");
    assert_eq!(c.ty, SqlType::Timestamp { tz: true });
    assert_eq!(c.default.as_ref().unwrap().normalized, "current_timestamp");
    let ex = table(&m, "job_executions");
    assert_eq!(col(ex, "execution_serial").ty, varchar(Some(50)));
    let fk = &ex.foreign_keys[0];
    assert_eq!(
        (fk.ref_table.as_str(), fk.ref_columns[0].as_str()),
        ("jobs", "id")
    );
    assert_eq!(fk.columns, vec!["job_id"]);
    assert_eq!(
        (fk.on_delete, fk.on_update),
        (Some(FkAction::Cascade), None)
    );
    assert!(!col(ex, "job_id").autoincrement);
    let br = table(&m, "job_execution_branches");
    // a ForeignKey without a type takes the target column's type
    assert_eq!(col(br, "execution_id").ty, INT);
    assert_eq!(br.indexes.len(), 1);
    assert_eq!(br.indexes[0].columns, vec!["execution_id"]);
    assert!(col(br, "target_serial_ref").nullable);
    assert!(m.findings.is_empty(), "{:?}", notes(&m));
}

#[test]
fn seed_003_users_api_keys_mapped_style() {
    let m = build(&[(
        "app/models/user.py",
        r#"from datetime import datetime
from typing import Optional
from sqlalchemy import String, Boolean
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

class Base(DeclarativeBase):
    pass

class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(255), unique=True, index=True)
    api_key_sandbox: Mapped[Optional[str]] = mapped_column(String(64), unique=True)
    api_key_production: Mapped[str | None] = mapped_column(String(64), unique=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    notes: Mapped[Optional[str]] = mapped_column(nullable=False)
"#,
    )]);
    let t = table(&m, "users");
    assert_eq!(
        names(t),
        vec![
            "id",
            "email",
            "api_key_sandbox",
            "api_key_production",
            "is_active",
            "created_at",
            "notes"
        ]
    );
    assert!(col(t, "id").autoincrement && !col(t, "id").nullable);
    let e = col(t, "email");
    assert!(!e.nullable && e.unique);
    assert_eq!(e.ty, varchar(Some(255)));
    assert_eq!(t.indexes[0].columns, vec!["email"]);
    assert!(t.indexes[0].unique);
    let k = col(t, "api_key_sandbox");
    assert!(k.nullable && k.unique);
    assert_eq!(k.ty, varchar(Some(64)));
    assert!(col(t, "api_key_production").nullable);
    assert!(col(t, "is_active").client_default);
    assert!(!col(t, "is_active").nullable);
    assert_eq!(col(t, "created_at").ty, SqlType::Timestamp { tz: false });
    assert!(!col(t, "created_at").nullable);
    assert_eq!(col(t, "notes").ty, varchar(None));
    assert!(!col(t, "notes").nullable, "nullable= wins over Optional");
    assert!(m.findings.is_empty(), "{:?}", notes(&m));
}

#[test]
fn column_names_differ_from_attributes() {
    let m = build(&[(
        "m.py",
        r#"from sqlalchemy import Column, Integer, String
from sqlalchemy.orm import declarative_base, mapped_column, Mapped
Base = declarative_base()
class A(Base):
    __tablename__ = "a"
    id = Column("a_id", Integer, primary_key=True)
    label = Column("db_label", String(10), key="label")
    other: Mapped[str] = mapped_column("other_col")
    named = Column(String, name="named_col")
    __table_args__ = (UniqueConstraint("label", "other"), Index("ix_a_named", "named"))
"#,
    )]);
    let t = table(&m, "a");
    assert_eq!(names(t), vec!["a_id", "db_label", "other_col", "named_col"]);
    assert_eq!(t.primary_key, vec!["a_id"]);
    // constraint strings name attributes; they map to database names
    let u = t.indexes.iter().find(|i| i.unique).unwrap();
    assert_eq!(u.columns, vec!["db_label", "other_col"]);
    let ix = t.indexes.iter().find(|i| !i.unique).unwrap();
    assert_eq!(ix.name.as_deref(), Some("ix_a_named"));
    assert_eq!(ix.columns, vec!["named_col"]);
}

#[test]
fn declarative_base_variants() {
    let m = build(&[(
        "m.py",
        r#"import sqlalchemy as sa
from sqlalchemy.orm import registry, as_declarative, declarative_base
from sqlalchemy import MetaData
mapper_registry = registry()
Base1 = declarative_base(metadata=MetaData(schema="x"))
Base2 = registry().generate_base()

@as_declarative()
class Base3:
    id = sa.Column(sa.Integer, primary_key=True)

class One(Base1):
    __tablename__ = "one"
    id = sa.Column(sa.Integer, primary_key=True)

class Two(Base2):
    __tablename__ = "two"
    id = sa.Column(sa.BigInteger, primary_key=True)

class Three(Base3):
    __tablename__ = "three"
    name = sa.Column(sa.String(5))

@mapper_registry.mapped
class Four:
    __tablename__ = "four"
    id = sa.Column(sa.Integer, primary_key=True)

class NotAModel:
    __tablename__ = "nope"
    id = sa.Column(sa.Integer, primary_key=True)
"#,
    )]);
    assert_eq!(
        m.schema.tables.keys().collect::<Vec<_>>(),
        vec!["four", "one", "three", "two"]
    );
    assert_eq!(
        col(table(&m, "two"), "id").ty,
        SqlType::Integer { bytes: 8 }
    );
    // the base's columns are inherited like a mixin's
    assert_eq!(names(table(&m, "three")), vec!["id", "name"]);
    assert!(table(&m, "three").primary_key == vec!["id"]);
    assert!(m.findings.is_empty(), "{:?}", notes(&m));
}

#[test]
fn cross_file_mixins_and_abstract_bases() {
    let m = build(&[
        (
            "app/db/base.py",
            r#"from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, declared_attr
from sqlalchemy import DateTime, func, ForeignKey, Column, Integer
from datetime import datetime

class Base(DeclarativeBase):
    pass

class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at = Column(DateTime, onupdate=func.now())

class OwnedMixin:
    @declared_attr
    def owner_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("users.id"))

class Model(Base):
    __abstract__ = True
    id: Mapped[int] = mapped_column(primary_key=True)
"#,
        ),
        (
            "app/models/__init__.py",
            "from .user import User\nfrom .post import Post\n",
        ),
        (
            "app/models/user.py",
            r#"from app.db.base import Model, TimestampMixin
from sqlalchemy.orm import Mapped
class User(TimestampMixin, Model):
    __tablename__ = "users"
    name: Mapped[str]
"#,
        ),
        (
            "app/models/post.py",
            r#"from ..db import base
from ..db.base import OwnedMixin as Owned
from sqlalchemy.orm import Mapped, relationship
class Post(Owned, base.TimestampMixin, base.Model):
    __tablename__ = "posts"
    title: Mapped[str]
    owner: Mapped["User"] = relationship(back_populates="posts")
    updated_at = None
"#,
        ),
    ]);
    assert_eq!(
        names(table(&m, "users")),
        vec!["id", "created_at", "updated_at", "name"]
    );
    let posts = table(&m, "posts");
    // `updated_at = None` removes the mixin column; the relationship is no column
    assert_eq!(names(posts), vec!["id", "created_at", "owner_id", "title"]);
    assert_eq!(col(posts, "owner_id").ty, INT);
    assert!(!col(posts, "owner_id").nullable);
    assert_eq!(posts.foreign_keys[0].ref_table, "users");
    assert_eq!(
        col(posts, "created_at")
            .default
            .as_ref()
            .unwrap()
            .normalized,
        "current_timestamp"
    );
    assert!(m.schema.table(None, "model").is_none());
    assert!(m.findings.is_empty(), "{:?}", notes(&m));
}

#[test]
fn single_and_joined_table_inheritance() {
    let m = build(&[(
        "m.py",
        r#"from sqlalchemy import Column, Integer, String, ForeignKey
from sqlalchemy.orm import declarative_base
Base = declarative_base()
class Employee(Base):
    __tablename__ = "employee"
    id = Column(Integer, primary_key=True)
    type = Column(String(20))
    __mapper_args__ = {"polymorphic_on": type}

class Manager(Employee):
    manager_data = Column(String(50))
    __mapper_args__ = {"polymorphic_identity": "manager"}

class Engineer(Employee):
    __tablename__ = "engineer"
    id = Column(Integer, ForeignKey("employee.id"), primary_key=True)
    engineer_name = Column(String(30))
"#,
    )]);
    assert_eq!(
        names(table(&m, "employee")),
        vec!["id", "type", "manager_data"]
    );
    let e = table(&m, "engineer");
    assert_eq!(names(e), vec!["id", "engineer_name"]);
    assert!(
        !col(e, "id").autoincrement,
        "a foreign-key primary key is not autoincrement"
    );
    assert_eq!(m.schema.tables.len(), 2);
}

#[test]
fn table_args_constraints_and_schema() {
    let m = build(&[(
        "m.py",
        r#"from sqlalchemy import *
from sqlalchemy.orm import declarative_base
Base = declarative_base()
class Membership(Base):
    __tablename__ = "memberships"
    __table_args__ = (
        PrimaryKeyConstraint("user_id", "group_id"),
        ForeignKeyConstraint(["user_id"], ["auth.users.id"], name="fk_user"),
        UniqueConstraint("user_id", "role", name="uq_role"),
        Index("ix_role", "role", unique=False),
        CheckConstraint("role IN ('a', 'b')", name="ck_role"),
        {"schema": "app", "comment": "x"},
    )
    user_id = Column(Integer)
    group_id = Column(Integer)
    role = Column(String(10), nullable=False)

class Dict(Base):
    __tablename__ = "dict_only"
    __table_args__ = {"schema": "other"}
    id = Column(Integer, primary_key=True)
"#,
    )]);
    let t = m
        .schema
        .table(Some("app"), "memberships")
        .expect("schema-qualified");
    assert_eq!(t.schema.as_deref(), Some("app"));
    assert_eq!(t.primary_key, vec!["user_id", "group_id"]);
    assert!(!col(t, "user_id").nullable && !col(t, "group_id").nullable);
    assert!(
        !col(t, "user_id").autoincrement,
        "composite keys do not autoincrement"
    );
    let fk = &t.foreign_keys[0];
    assert_eq!(fk.name.as_deref(), Some("fk_user"));
    assert_eq!(fk.ref_schema.as_deref(), Some("auth"));
    assert_eq!(fk.ref_table, "users");
    assert_eq!(t.indexes.len(), 2);
    assert_eq!(t.checks[0].name.as_deref(), Some("ck_role"));
    assert!(m.schema.table(Some("other"), "dict_only").is_some());
}

#[test]
fn core_tables_and_table_dunder() {
    let m = build(&[(
        "m.py",
        r#"import sqlalchemy as sa
from sqlalchemy import Table, Column, Integer, ForeignKey, MetaData
from sqlalchemy.orm import declarative_base
metadata = MetaData()
Base = declarative_base(metadata=metadata)
tags = Table(
    "post_tags", metadata,
    Column("post_id", Integer, ForeignKey("posts.id"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id"), primary_key=True),
    sa.UniqueConstraint("post_id", "tag_id"),
    schema="blog",
)
class Tag(Base):
    __tablename__ = "tags"
    id = Column(Integer, primary_key=True)

class Post(Base):
    __table__ = Table("posts", Base.metadata, Column("id", Integer, primary_key=True), Column("title", sa.Text))

reflected = Table("legacy", metadata, autoload_with=engine)
"#,
    )]);
    let t = m.schema.table(Some("blog"), "post_tags").unwrap();
    assert_eq!(t.primary_key, vec!["post_id", "tag_id"]);
    assert_eq!(col(t, "tag_id").ty, INT);
    assert_eq!(t.foreign_keys.len(), 2);
    assert_eq!(t.location.start.line, 6);
    let p = table(&m, "posts");
    assert_eq!(names(p), vec!["id", "title"]);
    assert_eq!(p.location.start.line, 17);
    assert!(m.schema.table(None, "legacy").is_none());
    assert_eq!(notes(&m).len(), 1);
    assert!(notes(&m)[0].contains("reflected"));
}

#[test]
fn enums_by_values_names_and_python_classes() {
    let m = build(&[
        (
            "app/enums.py",
            r#"import enum
class Status(str, enum.Enum):
    ACTIVE = "active"
    DISABLED = "disabled"
class Kind(enum.Enum):
    A = 1
    B = enum.auto()
"#,
        ),
        (
            "app/models.py",
            r#"import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from app.enums import Status, Kind
class Base(DeclarativeBase):
    pass
class Account(Base):
    __tablename__ = "accounts"
    id: Mapped[int] = mapped_column(primary_key=True)
    status = sa.Column(sa.Enum(Status), nullable=False)
    status_values = sa.Column(sa.Enum(Status, name="status_v", values_callable=lambda x: [e.value for e in x]))
    literal = sa.Column(sa.Enum("x", "y", name="xy"))
    plain = sa.Column(sa.Enum("x", "yy", native_enum=False))
    kind: Mapped[Kind]
    missing = sa.Column(sa.Enum(Elsewhere))
"#,
        ),
    ]);
    let t = table(&m, "accounts");
    assert_eq!(
        col(t, "status").ty,
        SqlType::Enum {
            name: Some("status".into()),
            values: vec!["ACTIVE".into(), "DISABLED".into()]
        }
    );
    assert_eq!(
        col(t, "status_values").ty,
        SqlType::Enum {
            name: Some("status_v".into()),
            values: vec!["active".into(), "disabled".into()]
        }
    );
    assert_eq!(
        col(t, "literal").ty,
        SqlType::Enum {
            name: Some("xy".into()),
            values: vec!["x".into(), "y".into()]
        }
    );
    assert_eq!(col(t, "plain").ty, varchar(Some(2)));
    assert_eq!(
        col(t, "kind").ty,
        SqlType::Enum {
            name: Some("kind".into()),
            values: vec!["A".into(), "B".into()]
        }
    );
    assert_eq!(col(t, "missing").ty, SqlType::Other("unknown".into()));
    assert_eq!(notes(&m).len(), 1, "{:?}", notes(&m));
    assert!(notes(&m)[0].contains("Elsewhere"));
    assert!(m.schema.enums.contains_key("status"));
    assert!(m.schema.enums.contains_key("xy"));
}

#[test]
fn server_defaults_client_defaults_and_generated_columns() {
    let m = build(&[(
        "m.py",
        r#"import sqlalchemy as sa
from sqlalchemy import text, Computed, Identity
from sqlalchemy.orm import declarative_base
Base = declarative_base()
class T(Base):
    __tablename__ = "t"
    id = sa.Column(sa.BigInteger, Identity(), primary_key=True)
    a = sa.Column(sa.String, server_default="draft")
    b = sa.Column(sa.Boolean, server_default=sa.false())
    c = sa.Column(sa.DateTime, server_default=text("now()"))
    d = sa.Column(sa.DateTime, server_default=sa.func.current_timestamp())
    e = sa.Column(sa.Integer, default=0)
    f = sa.Column(sa.DateTime, onupdate=sa.func.now())
    g = sa.Column(sa.Integer, Computed("a + 1"))
    h = sa.Column(sa.Integer, server_default=compute())
    i = sa.Column(sa.Integer, autoincrement=True)
"#,
    )]);
    let t = table(&m, "t");
    assert!(col(t, "id").autoincrement);
    assert_eq!(col(t, "a").default.as_ref().unwrap().raw, "'draft'");
    assert_eq!(col(t, "b").default.as_ref().unwrap().normalized, "false");
    assert_eq!(
        col(t, "c").default.as_ref().unwrap().normalized,
        "current_timestamp"
    );
    assert_eq!(
        col(t, "d").default.as_ref().unwrap().normalized,
        "current_timestamp"
    );
    assert!(col(t, "e").client_default && col(t, "e").default.is_none());
    assert!(col(t, "f").client_default);
    assert!(col(t, "g").autoincrement);
    assert!(col(t, "h").default.is_none());
    assert!(col(t, "i").autoincrement);
    assert_eq!(notes(&m).len(), 1);
    assert!(notes(&m)[0].contains("server default"));
}

#[test]
fn flask_sqlalchemy_models_and_implicit_names() {
    let m = build(&[
        (
            "app/extensions.py",
            "from flask_sqlalchemy import SQLAlchemy\ndb = SQLAlchemy()\n",
        ),
        (
            "app/models.py",
            r#"from app.extensions import db

roles_users = db.Table(
    "roles_users",
    db.Column("user_id", db.Integer(), db.ForeignKey("user_api_key.id")),
    db.Column("role_id", db.Integer(), db.ForeignKey("role.id")),
)

class UserAPIKey(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    key = db.Column(db.String(80), unique=True, nullable=False)

class HTTPServer(db.Model):
    __tablename__ = "servers"
    id = db.Column(db.Integer, primary_key=True)

class Role(db.Model):
    id = db.Column(db.Integer, primary_key=True)
    kind = db.Column(db.String(20))

class AdminRole(Role):
    level = db.Column(db.Integer)

class SpecialRole(Role):
    id = db.Column(db.Integer, db.ForeignKey("role.id"), primary_key=True)
    power = db.Column(db.Integer)
"#,
        ),
    ]);
    let keys: Vec<&String> = m.schema.tables.keys().collect();
    assert_eq!(
        keys,
        vec![
            "role",
            "roles_users",
            "servers",
            "special_role",
            "user_api_key"
        ]
    );
    assert_eq!(names(table(&m, "role")), vec!["id", "kind", "level"]);
    assert_eq!(col(table(&m, "user_api_key"), "key").ty, varchar(Some(80)));
    assert!(m.findings.is_empty(), "{:?}", notes(&m));
}

#[test]
fn flask_db_model_with_unseen_db_object() {
    // `db` comes from a module that is not parsed: `db.Model` is still Flask-SQLAlchemy
    let m = build(&[(
        "models.py",
        "from app import db\nclass BlogPost(db.Model):\n    id = db.Column(db.Integer, primary_key=True)\n",
    )]);
    assert!(m.schema.table(None, "blog_post").is_some());
}

#[test]
fn sqlmodel_tables_and_data_models() {
    let m = build(&[(
        "m.py",
        r#"from typing import Optional, List
from decimal import Decimal
import uuid
from datetime import datetime
from sqlmodel import SQLModel, Field, Relationship, Column, String
from sqlalchemy import text

class HeroBase(SQLModel):
    name: str = Field(index=True)
    secret_name: str
    age: Optional[int] = Field(default=None, index=True)

class Team(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    name: str = Field(max_length=50, unique=True)
    heroes: List["Hero"] = Relationship(back_populates="team")

class Hero(HeroBase, table=True):
    __tablename__ = "heroes"
    id: Optional[int] = Field(default=None, primary_key=True)
    team_id: Optional[int] = Field(default=None, foreign_key="team.id")
    team: Optional[Team] = Relationship(back_populates="heroes")
    uid: uuid.UUID = Field(default_factory=uuid.uuid4)
    price: Decimal = Field(max_digits=10, decimal_places=2)
    created: datetime = Field(sa_column_kwargs={"server_default": text("now()")})
    bio: Optional[str] = Field(sa_column=Column("biography", String(500), nullable=True))
    power: int = 0

class HeroCreate(HeroBase):
    pass
"#,
    )]);
    assert_eq!(
        m.schema.tables.keys().collect::<Vec<_>>(),
        vec!["heroes", "team"]
    );
    let team = table(&m, "team");
    let id = col(team, "id");
    assert!(!id.nullable && id.autoincrement);
    assert_eq!(col(team, "name").ty, varchar(Some(50)));
    assert!(col(team, "name").unique && !col(team, "name").nullable);
    let h = table(&m, "heroes");
    assert_eq!(
        names(h),
        vec![
            "name",
            "secret_name",
            "age",
            "id",
            "team_id",
            "uid",
            "price",
            "created",
            "biography",
            "power"
        ]
    );
    assert!(!col(h, "secret_name").nullable);
    assert!(col(h, "age").nullable);
    assert_eq!(col(h, "secret_name").ty, varchar(None));
    assert_eq!(h.foreign_keys[0].ref_table, "team");
    assert!(col(h, "uid").client_default);
    assert_eq!(
        col(h, "price").ty,
        SqlType::Decimal {
            precision: Some(10),
            scale: Some(2)
        }
    );
    assert_eq!(
        col(h, "created").default.as_ref().unwrap().normalized,
        "current_timestamp"
    );
    assert_eq!(col(h, "biography").ty, varchar(Some(500)));
    assert!(col(h, "power").client_default && !col(h, "power").nullable);
    assert_eq!(h.primary_key, vec!["id"]);
    assert!(h.indexes.iter().any(|i| i.columns == vec!["name"]));
    assert!(m.findings.is_empty(), "{:?}", notes(&m));
}

#[test]
fn unresolvable_constructs_become_notes_not_guesses() {
    let m = build(&[(
        "m.py",
        r#"import sqlalchemy as sa
from sqlalchemy.orm import declarative_base, declared_attr
from somewhere import ExternalBase, make_type
Base = declarative_base()

class Dyn(Base):
    __tablename__ = "dyn_" + PREFIX
    id = sa.Column(sa.Integer, primary_key=True)

class Computed(Base):
    @declared_attr
    def __tablename__(cls):
        return "x_" + cls.__name__

class Lowered(Base):
    @declared_attr
    def __tablename__(cls):
        return cls.__name__.lower()
    id = sa.Column(sa.Integer, primary_key=True)
    v = sa.Column(make_type(), nullable=False)
    w = sa.Column(sa.String, **common)
    for name in ("a", "b"):
        locals()[name] = sa.Column(sa.Integer)

class Unknown(ExternalBase):
    __tablename__ = "unknown"
    id = sa.Column(sa.Integer, primary_key=True)

class Helper(ExternalBase):
    def method(self):
        return 1
"#,
    )]);
    let keys: Vec<&String> = m.schema.tables.keys().collect();
    assert_eq!(keys, vec!["lowered"]);
    let t = table(&m, "lowered");
    assert_eq!(col(t, "v").ty, SqlType::Other("unknown".into()));
    assert!(!col(t, "v").nullable);
    let n = notes(&m);
    assert_eq!(n.len(), 6, "{n:#?}");
    assert!(m
        .findings
        .iter()
        .all(|f| f.severity == crate::rules::Severity::Note));
    assert!(m.findings.iter().all(|f| f.location.is_some()));
    assert!(
        n.iter().any(|s| s.contains("`somewhere.ExternalBase`")),
        "{n:#?}"
    );
}

#[test]
fn syntax_error_mid_file_keeps_classes_before_and_after() {
    let m = build(&[(
        "app/models.py",
        r#"from sqlalchemy import Column, Integer
from sqlalchemy.orm import declarative_base
Base = declarative_base()

class Before(Base):
    __tablename__ = "before"
    id = Column(Integer, primary_key=True)

def broken(:
    pass

class After(Base):
    __tablename__ = "after"
    id = Column(Integer, primary_key=True)
"#,
    )]);
    assert!(m.schema.table(None, "before").is_some());
    assert!(m.schema.table(None, "after").is_some());
    let errs: Vec<_> = m.findings.iter().filter(|f| f.rule.id == "MG002").collect();
    assert_eq!(errs.len(), 1);
    let loc = errs[0].location.as_ref().unwrap();
    assert_eq!(loc.start.line, 9);
    assert_eq!(errs[0].fingerprint, "MG002::syntax:app/models.py");
    assert!(
        errs[0].message.starts_with("syntax error:"),
        "{}",
        errs[0].message
    );
}

#[test]
fn load_reads_snapshot_follows_imports_and_reports_unreadable_files() {
    let snap = MemSnapshot::new(&[
        (
            "src/app/database.py",
            b"from sqlalchemy.orm import declarative_base\nBase = declarative_base()\n",
        ),
        (
            "src/app/models.py",
            b"from sqlalchemy import Column, Integer\nfrom app.database import Base\nclass User(Base):\n    __tablename__ = 'users'\n    id = Column(Integer, primary_key=True)\n",
        ),
        ("src/app/blob.py", b"\x00\x01\x02"),
    ]);
    let m = load(
        &snap,
        &input(&["src/app/models.py", "src/app/blob.py", "src/app/gone.py"]),
        Dialect::Sqlite,
    );
    assert!(m.schema.table(None, "users").is_some(), "{:?}", m.findings);
    assert_eq!(m.files, 2, "models.py and the followed database.py");
    let unreadable: Vec<_> = m
        .findings
        .iter()
        .filter(|f| f.rule.id == "MG002")
        .map(|f| f.location.as_ref().unwrap().path.to_string())
        .collect();
    assert_eq!(unreadable, vec!["src/app/blob.py", "src/app/gone.py"]);
}

#[test]
fn custom_type_decorators_and_annotated_aliases() {
    let m = build(&[(
        "m.py",
        r#"from typing import Annotated
import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator, CHAR
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

class GUID(TypeDecorator):
    impl = CHAR(36)
    cache_ok = True

intpk = Annotated[int, mapped_column(primary_key=True)]
str50 = Annotated[str, mapped_column(sa.String(50))]

class Base(DeclarativeBase):
    pass

class Thing(Base):
    __tablename__ = "things"
    id: Mapped[intpk]
    guid = sa.Column(GUID(), nullable=False)
    name: Mapped[str50]
    data: Mapped[dict] = mapped_column(sa.JSON)
    tags: Mapped[list[str]] = mapped_column(sa.ARRAY(sa.String))
"#,
    )]);
    let t = table(&m, "things");
    assert_eq!(t.primary_key, vec!["id"]);
    assert!(col(t, "id").autoincrement);
    assert_eq!(
        col(t, "guid").ty,
        SqlType::String {
            len: Some(36),
            fixed: true
        }
    );
    assert_eq!(col(t, "name").ty, varchar(Some(50)));
    assert!(!col(t, "name").nullable);
    assert_eq!(col(t, "data").ty, SqlType::Json { binary: false });
    assert_eq!(col(t, "tags").ty, SqlType::Array(Box::new(varchar(None))));
    assert!(m.findings.is_empty(), "{:?}", notes(&m));
}

#[test]
fn non_columns_are_ignored() {
    let m = build(&[(
        "m.py",
        r#"from sqlalchemy import Column, Integer, String, select, func
from sqlalchemy.orm import declarative_base, relationship, column_property, synonym, Mapped
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.ext.associationproxy import association_proxy
Base = declarative_base()
class A(Base):
    __tablename__ = "a"
    id = Column(Integer, primary_key=True)
    first = Column(String)
    children = relationship("B")
    total = column_property(select(func.count()).scalar_subquery())
    alias = synonym("first")
    kw = association_proxy("children", "keyword")
    items: Mapped[list["B"]] = relationship()
    @hybrid_property
    def upper(self):
        return self.first.upper()
    def method(self):
        pass
    CONSTANT = 3
"#,
    )]);
    assert_eq!(names(table(&m, "a")), vec!["id", "first"]);
    assert!(m.findings.is_empty(), "{:?}", notes(&m));
}

#[test]
fn module_level_indexes_attach_to_their_table() {
    let m = build(&[(
        "m.py",
        r#"from sqlalchemy import Column, Integer, String, Index
from sqlalchemy.orm import declarative_base
Base = declarative_base()
class A(Base):
    __tablename__ = "a"
    id = Column(Integer, primary_key=True)
    email = Column("email_address", String)
Index("ix_a_email", A.email, unique=True)
"#,
    )]);
    let t = table(&m, "a");
    assert_eq!(t.indexes.len(), 1);
    assert_eq!(t.indexes[0].columns, vec!["email_address"]);
    assert!(t.indexes[0].unique);
}

#[test]
fn foreign_keys_by_column_object() {
    let m = build(&[(
        "m.py",
        r#"from sqlalchemy import Column, Integer, ForeignKey, Table, MetaData
from sqlalchemy.orm import declarative_base
Base = declarative_base()
class Parent(Base):
    __tablename__ = "parents"
    pid = Column("parent_id", Integer, primary_key=True)
class Child(Base):
    __tablename__ = "children"
    id = Column(Integer, primary_key=True)
    parent = Column(ForeignKey(Parent.pid))
"#,
    )]);
    let t = table(&m, "children");
    assert_eq!(t.foreign_keys[0].ref_table, "parents");
    assert_eq!(t.foreign_keys[0].ref_columns, vec!["parent_id"]);
    assert_eq!(col(t, "parent").ty, INT);
}

#[test]
fn with_variant_follows_the_dialect() {
    let src = r#"import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import declarative_base
Base = declarative_base()
class A(Base):
    __tablename__ = "a"
    id = sa.Column(sa.Integer, primary_key=True)
    data = sa.Column(sa.JSON().with_variant(postgresql.JSONB(), "postgresql"))
"#;
    let pg = from_files(
        parse_sources(vec![SourceFile::new("m.py", src)]),
        Dialect::Postgresql,
        Vec::new(),
    );
    let lite = from_files(
        parse_sources(vec![SourceFile::new("m.py", src)]),
        Dialect::Sqlite,
        Vec::new(),
    );
    assert_eq!(
        col(table(&pg, "a"), "data").ty,
        SqlType::Json { binary: true }
    );
    assert_eq!(
        col(table(&lite, "a"), "data").ty,
        SqlType::Json { binary: false }
    );
}

mod fuzz {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(crate::proptest_cases(300)))]
        #[test]
        fn random_text_never_panics(text in ".{0,400}") {
            let _ = build(&[("m.py", text.as_str())]);
        }

        #[test]
        fn model_like_fragments_never_panic(
            parts in proptest::collection::vec(prop_oneof![
                Just("class A(Base):\n"), Just("    __tablename__ = 'a'\n"),
                Just("    id = Column(Integer, primary_key=True)\n"), Just("Base = declarative_base()\n"),
                Just("    x: Mapped[Optional[int]] = mapped_column(ForeignKey(B.id))\n"),
                Just("class B(A, table=True):\n"), Just("    __table_args__ = ("), Just(")\n"),
                Just("    y = Column(Enum(E), server_default=func.now(1, x))\n"), Just("(["),
                Just("class E(enum.Enum):\n    a = 1\n"), Just("    @declared_attr\n    def z(cls):\n        return Column(Integer)\n"),
                Just("from . import *\n"), Just("from .m import A as Base\n"), Just("\t"), Just("\"\"\""),
            ], 0..30)
        ) {
            let text: String = parts.concat();
            let _ = build(&[("m.py", text.as_str()), ("pkg/m.py", text.as_str())]);
        }
    }
}

#[test]
fn type_annotation_map_overrides_annotation_types() {
    let m = build(&[(
        "m.py",
        r#"import datetime
from typing import Annotated
from sqlalchemy import BIGINT, String, TIMESTAMP
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
str50 = Annotated[str, 50]
class Base(DeclarativeBase):
    type_annotation_map = {
        int: BIGINT,
        datetime.datetime: TIMESTAMP(timezone=True),
        str50: String(50),
    }
class A(Base):
    __tablename__ = "a"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime.datetime]
    code: Mapped[str50]
    name: Mapped[str]
"#,
    )]);
    let t = table(&m, "a");
    assert_eq!(col(t, "id").ty, SqlType::Integer { bytes: 8 });
    assert!(col(t, "id").autoincrement);
    assert_eq!(col(t, "at").ty, SqlType::Timestamp { tz: true });
    assert_eq!(col(t, "code").ty, varchar(Some(50)));
    assert_eq!(col(t, "name").ty, varchar(None));
    assert!(m.findings.is_empty(), "{:?}", notes(&m));
}

#[test]
fn load_follows_bare_imports_next_to_the_model_file() {
    let snap = MemSnapshot::new(&[
        (
            "backend/database.py",
            b"from sqlalchemy.ext.declarative import declarative_base\nBase = declarative_base()\n",
        ),
        (
            "backend/models.py",
            b"from sqlalchemy import Column, Integer\nfrom database import Base\nfrom enums import Color\nclass Item(Base):\n    __tablename__ = 'items'\n    id = Column(Integer, primary_key=True)\n",
        ),
        ("enums.py", b"import enum\nclass Color(enum.Enum):\n    RED = 1\n"),
        ("other/database.py", b"x = 1\n"),
    ]);
    let m = load(&snap, &input(&["backend/models.py"]), Dialect::Postgresql);
    assert!(m.schema.table(None, "items").is_some(), "{:?}", m.findings);
    assert_eq!(
        m.files, 2,
        "database.py is followed; the unused enum module is not needed"
    );
}

#[test]
fn deep_expressions_without_brackets_do_not_overflow() {
    let cases = [
        format!("x = {}1\n", "1+".repeat(100_000)),
        format!("x = {}1\n", "-".repeat(100_000)),
        format!("x = {}b\n", "a.".repeat(100_000)),
        format!("x = {}1\n", "lambda: ".repeat(20_000)),
        format!("x = {}1\n", "not ".repeat(100_000)),
        format!(
            "class A(Base):\n    __tablename__ = 't'\n    c: Mapped[{}int] = mapped_column()\n",
            "int | ".repeat(50_000)
        ),
        format!("class A({}Base):\n    pass\n", "x.".repeat(50_000)),
        format!("x = ({})\n", "a+a+a+a, (".repeat(900) + &")".repeat(900)),
        format!(
            "x = {}\n",
            "a+".repeat(4000) + "(" + &"b+".repeat(4000) + "1)"
        ),
    ];
    for text in cases {
        // run on a thread with the default 2 MB stack, like rayon's workers
        let handle = std::thread::Builder::new()
            .stack_size(2 * 1024 * 1024)
            .spawn(move || {
                let _ = build(&[("m.py", text.as_str())]);
            })
            .unwrap();
        assert!(handle.join().is_ok());
    }
}

#[test]
fn declared_attr_tablename_on_the_base_names_joined_subclasses() {
    let m = build(&[(
        "m.py",
        r#"from sqlalchemy import Column, Integer, String, ForeignKey
from sqlalchemy.orm import declarative_base, declared_attr
class Base:
    @declared_attr
    def __tablename__(cls):
        return cls.__name__.lower()
Base = declarative_base(cls=Base)
class Person(Base):
    id = Column(Integer, primary_key=True)
class Engineer(Person):
    id = Column(Integer, ForeignKey("person.id"), primary_key=True)
    skill = Column(String)
class Intern(Person):
    school = Column(String)
"#,
    )]);
    assert_eq!(names(table(&m, "person")), vec!["id", "school"]);
    assert_eq!(names(table(&m, "engineer")), vec!["id", "skill"]);
    assert_eq!(m.schema.tables.len(), 2);
}

#[test]
fn module_constants_are_followed() {
    let m = build(&[
        (
            "app/constants.py",
            "NAME_LEN = 120\nSTATUSES = ('new', 'done')\nTABLE = 'tickets'\n",
        ),
        (
            "app/models.py",
            r#"import sqlalchemy as sa
from sqlalchemy.orm import declarative_base
from app.constants import NAME_LEN, STATUSES, TABLE
from app import constants as c
Base = declarative_base()
class Ticket(Base):
    __tablename__ = TABLE
    id = sa.Column(sa.Integer, primary_key=True)
    name = sa.Column(sa.String(NAME_LEN))
    name2 = sa.Column(sa.String(length=c.NAME_LEN))
    status = sa.Column(sa.Enum(*STATUSES, name="ticket_status"))
    code = sa.Column(sa.String(settings.CODE_LEN))
"#,
        ),
    ]);
    let t = table(&m, "tickets");
    assert_eq!(col(t, "name").ty, varchar(Some(120)));
    assert_eq!(col(t, "name2").ty, varchar(Some(120)));
    assert_eq!(
        col(t, "status").ty,
        SqlType::Enum {
            name: Some("ticket_status".into()),
            values: vec!["new".into(), "done".into()]
        }
    );
    // an unknown length is not silently an unbounded VARCHAR
    assert_eq!(col(t, "code").ty, SqlType::Other("unknown".into()));
    assert_eq!(notes(&m).len(), 1, "{:?}", notes(&m));
}

#[test]
fn unknown_mixin_bases_are_noted_against_the_table() {
    let m = build(&[(
        "m.py",
        r#"from sqlalchemy import Column, Integer
from sqlalchemy.orm import declarative_base
from fastapi_users.db import SQLAlchemyBaseUserTableUUID
from flask_login import UserMixin
Base = declarative_base()
class User(SQLAlchemyBaseUserTableUUID, UserMixin, Base):
    __tablename__ = "user"
    extra = Column(Integer)
"#,
    )]);
    assert!(m.schema.table(None, "user").is_some());
    let n: Vec<_> = m.findings.iter().filter(|f| f.rule.id == "MG001").collect();
    assert_eq!(n.len(), 1);
    assert_eq!(n[0].table.as_deref(), Some("user"));
    assert_eq!(
        n[0].fingerprint,
        "MG001:user:unknown-base:fastapi_users.db.SQLAlchemyBaseUserTableUUID"
    );
}

#[test]
fn flask_subclass_without_primary_key_is_single_table_even_when_named() {
    let m = build(&[(
        "m.py",
        r#"from flask_sqlalchemy import SQLAlchemy
db = SQLAlchemy()
class Animal(db.Model):
    id = db.Column(db.Integer, primary_key=True)
class Dog(Animal):
    __tablename__ = "dogs"
    bark = db.Column(db.String(10))
class Cat(Animal):
    __table_args__ = (db.PrimaryKeyConstraint("cat_id"),)
    cat_id = db.Column(db.Integer, db.ForeignKey("animal.id"))
"#,
    )]);
    assert_eq!(
        m.schema.tables.keys().collect::<Vec<_>>(),
        vec!["animal", "cat"]
    );
    assert_eq!(names(table(&m, "animal")), vec!["id", "bark"]);
    assert_eq!(table(&m, "cat").primary_key, vec!["cat_id"]);
}

#[test]
fn fastapi_full_stack_template_sqlmodel() {
    let m = build(&[(
        "backend/app/models.py",
        r#"import uuid
from pydantic import EmailStr
from sqlmodel import Field, Relationship, SQLModel

class UserBase(SQLModel):
    email: EmailStr = Field(unique=True, index=True, max_length=255)
    is_active: bool = True
    is_superuser: bool = False
    full_name: str | None = Field(default=None, max_length=255)

class UserCreate(UserBase):
    password: str = Field(min_length=8, max_length=40)

class User(UserBase, table=True):
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    hashed_password: str
    items: list["Item"] = Relationship(back_populates="owner", cascade_delete=True)

class ItemBase(SQLModel):
    title: str = Field(min_length=1, max_length=255)
    description: str | None = Field(default=None, max_length=255)

class Item(ItemBase, table=True):
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    owner_id: uuid.UUID = Field(foreign_key="user.id", nullable=False, ondelete="CASCADE")
    owner: User | None = Relationship(back_populates="items")

class Message(SQLModel):
    message: str
"#,
    )]);
    assert_eq!(
        m.schema.tables.keys().collect::<Vec<_>>(),
        vec!["item", "user"]
    );
    let u = table(&m, "user");
    assert_eq!(
        names(u),
        vec![
            "email",
            "is_active",
            "is_superuser",
            "full_name",
            "id",
            "hashed_password"
        ]
    );
    let e = col(u, "email");
    assert!(e.unique && !e.nullable);
    assert_eq!(e.ty, varchar(Some(255)));
    assert!(col(u, "is_active").client_default && !col(u, "is_active").nullable);
    assert!(col(u, "full_name").nullable);
    let id = col(u, "id");
    assert_eq!(id.ty, SqlType::Uuid);
    assert!(!id.autoincrement && id.client_default);
    let i = table(&m, "item");
    assert_eq!(names(i), vec!["title", "description", "id", "owner_id"]);
    assert_eq!(col(i, "owner_id").ty, SqlType::Uuid);
    assert!(!col(i, "owner_id").nullable);
    assert_eq!(i.foreign_keys[0].ref_table, "user");
    assert_eq!(i.foreign_keys[0].on_delete, Some(FkAction::Cascade));
    assert!(m.findings.is_empty(), "{:?}", notes(&m));
}

#[test]
fn flask_mega_tutorial_microblog() {
    let m = build(&[(
        "app/models.py",
        r#"from datetime import datetime, timezone
from typing import Optional
import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_login import UserMixin
from app import db, login

followers = sa.Table(
    'followers',
    db.metadata,
    sa.Column('follower_id', sa.Integer, sa.ForeignKey('user.id'), primary_key=True),
    sa.Column('followed_id', sa.Integer, sa.ForeignKey('user.id'), primary_key=True)
)

class User(UserMixin, db.Model):
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    username: so.Mapped[str] = so.mapped_column(sa.String(64), index=True, unique=True)
    email: so.Mapped[str] = so.mapped_column(sa.String(120), index=True, unique=True)
    password_hash: so.Mapped[Optional[str]] = so.mapped_column(sa.String(256))
    about_me: so.Mapped[Optional[str]] = so.mapped_column(sa.String(140))
    last_seen: so.Mapped[Optional[datetime]] = so.mapped_column(
        default=lambda: datetime.now(timezone.utc))
    posts: so.WriteOnlyMapped['Post'] = so.relationship(back_populates='author')
    following: so.WriteOnlyMapped['User'] = so.relationship(
        secondary=followers, primaryjoin=(followers.c.follower_id == id),
        secondaryjoin=(followers.c.followed_id == id), back_populates='followers')

    def __repr__(self):
        return '<User {}>'.format(self.username)

@login.user_loader
def load_user(id):
    return db.session.get(User, int(id))

class Post(db.Model):
    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    body: so.Mapped[str] = so.mapped_column(sa.String(140))
    timestamp: so.Mapped[datetime] = so.mapped_column(
        index=True, default=lambda: datetime.now(timezone.utc))
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey(User.id), index=True)
    language: so.Mapped[Optional[str]] = so.mapped_column(sa.String(5))
    author: so.Mapped[User] = so.relationship(back_populates='posts')
"#,
    )]);
    assert_eq!(
        m.schema.tables.keys().collect::<Vec<_>>(),
        vec!["followers", "post", "user"]
    );
    let u = table(&m, "user");
    assert_eq!(
        names(u),
        vec![
            "id",
            "username",
            "email",
            "password_hash",
            "about_me",
            "last_seen"
        ]
    );
    assert!(col(u, "last_seen").nullable && col(u, "last_seen").client_default);
    assert_eq!(u.indexes.len(), 2);
    let p = table(&m, "post");
    assert_eq!(p.foreign_keys[0].ref_table, "user");
    assert_eq!(p.foreign_keys[0].ref_columns, vec!["id"]);
    assert_eq!(col(p, "user_id").ty, INT);
    assert!(!col(p, "user_id").nullable);
    assert_eq!(table(&m, "followers").primary_key.len(), 2);
    assert!(m.findings.is_empty(), "{:?}", notes(&m));
}

#[test]
fn star_imports_and_package_re_exports_resolve() {
    let m = build(&[
        (
            "app/models/base.py",
            "from sqlalchemy.orm import declarative_base\nBase = declarative_base()\n",
        ),
        (
            "app/models/user.py",
            "from sqlalchemy import Column, Integer\nfrom .base import *\nclass User(Base):\n    __tablename__ = 'users'\n    uid = Column('user_id', Integer, primary_key=True)\n",
        ),
        ("app/models/__init__.py", "from .user import *\n"),
        (
            "app/other.py",
            "from sqlalchemy import Column, ForeignKey, String\nfrom app.models import User\nclass Admin(User):\n    __tablename__ = 'admins'\n    uid = Column('user_id', ForeignKey(User.uid), primary_key=True)\n    level = Column(String(5))\n",
        ),
    ]);
    let a = table(&m, "admins");
    assert_eq!(a.foreign_keys[0].ref_table, "users");
    assert_eq!(a.foreign_keys[0].ref_columns, vec!["user_id"]);
    assert_eq!(col(a, "user_id").ty, INT);
    assert!(m.findings.is_empty(), "{:?}", notes(&m));
}

#[test]
fn column_property_over_a_column_and_untyped_foreign_keys_are_columns() {
    // The shape of CTFd's `Solves(Submissions)`, a joined-table subclass.
    let m = build(&[(
        "m.py",
        r#"from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import column_property
db = SQLAlchemy()
class Submissions(db.Model):
    __tablename__ = "submissions"
    id = db.Column(db.Integer, primary_key=True)
    challenge_id = db.Column(db.Integer)
class Solves(Submissions):
    __tablename__ = "solves"
    id = db.Column(None, db.ForeignKey("submissions.id", ondelete="CASCADE"), primary_key=True)
    challenge_id = column_property(
        db.Column(db.Integer, db.ForeignKey("submissions.id")),
        Submissions.challenge_id,
    )
    total = column_property(db.select(db.func.count()).scalar_subquery())
"#,
    )]);
    assert_eq!(names(table(&m, "solves")), vec!["id", "challenge_id"]);
    let id = table(&m, "solves").column("id").map(|c| c.ty.clone());
    assert_eq!(id, Some(SqlType::Integer { bytes: 4 }));
    assert!(m.findings.is_empty(), "{:?}", notes(&m));
}

#[test]
fn computed_tablename_inherited_from_a_base_in_another_file() {
    // Netflix/dispatch: `Base.__tablename__` calls a helper; every model inherits it
    let m = build(&[
        (
            "app/database.py",
            "import re\nfrom sqlalchemy.orm import DeclarativeBase, declared_attr\n\ndef snake(n):\n    return '_'.join(x.lower() for x in re.split('(?=[A-Z])', n) if x)\n\nclass Base(DeclarativeBase):\n    @declared_attr.directive\n    def __tablename__(cls):\n        return snake(cls.__name__)\n",
        ),
        (
            "app/models.py",
            "from sqlalchemy import Column, Integer\nfrom app.database import Base\n\n\nclass PluginEvent(Base):\n    id = Column(Integer, primary_key=True)\n\nclass Named(Base):\n    __tablename__ = 'named'\n    id = Column(Integer, primary_key=True)\n",
        ),
    ]);
    assert_eq!(m.unnamed_tables, 1);
    assert!(m.schema.tables.contains_key("named"));
    let notes: Vec<_> = m
        .findings
        .iter()
        .filter(|f| f.message.contains("table name of `PluginEvent`"))
        .collect();
    assert_eq!(notes.len(), 1, "{:?}", m.findings);
    // at the class, in its own file, not at the base's line in the wrong file
    let l = notes[0].location.as_ref().unwrap();
    assert_eq!((l.path.as_ref(), l.start.line), ("app/models.py", 5));
}

#[test]
fn sqlalchemy_type_imported_under_an_alias() {
    // Netflix/dispatch: `from sqlalchemy.dialects.postgresql import UUID as SQLAlchemyUUID`
    let m = build(&[(
        "app/models.py",
        "from uuid import UUID\nfrom sqlalchemy import Column, Integer, Text as LongText\nfrom sqlalchemy.dialects.postgresql import UUID as SQLAlchemyUUID\nfrom sqlalchemy.orm import declarative_base\nBase = declarative_base()\n\nclass Event(Base):\n    __tablename__ = 'event'\n    id = Column(Integer, primary_key=True)\n    uuid = Column(SQLAlchemyUUID(as_uuid=True), nullable=False)\n    body = Column(LongText)\n",
    )]);
    let t = table(&m, "event");
    assert_eq!(col(t, "uuid").ty, SqlType::Uuid);
    assert_eq!(col(t, "body").ty, SqlType::Text);
    assert!(m.findings.is_empty(), "{:?}", m.findings);
}

#[test]
fn custom_type_choosing_its_type_per_dialect() {
    // mealie (and SQLAlchemy's documented GUID recipe): UUID on PostgreSQL, CHAR(32) elsewhere
    let src = "import uuid\nfrom sqlalchemy import CHAR, Column, Integer, TypeDecorator\nfrom sqlalchemy.dialects.postgresql import UUID\nfrom sqlalchemy.orm import declarative_base\nBase = declarative_base()\n\nclass GUID(TypeDecorator):\n    \"\"\"Platform-independent GUID type.\"\"\"\n    impl = CHAR\n    cache_ok = True\n\n    def load_dialect_impl(self, dialect):\n        if dialect.name == \"postgresql\":\n            return dialect.type_descriptor(UUID())\n        else:\n            return dialect.type_descriptor(CHAR(32))\n\nclass Odd(TypeDecorator):\n    impl = CHAR\n    def load_dialect_impl(self, dialect):\n        return pick(dialect)\n\nclass User(Base):\n    __tablename__ = 'users'\n    id = Column(GUID, primary_key=True)\n    other = Column(Odd)\n";
    let sources = vec![SourceFile::new("app/models.py", src)];
    let pg = from_files(
        parse_sources(sources.clone()),
        Dialect::Postgresql,
        Vec::new(),
    );
    assert_eq!(col(table(&pg, "users"), "id").ty, SqlType::Uuid);
    let lite = from_files(parse_sources(sources), Dialect::Sqlite, Vec::new());
    assert_eq!(
        col(table(&lite, "users"), "id").ty,
        SqlType::String {
            len: Some(32),
            fixed: true
        }
    );
    // a body we cannot follow is a note, not a guess from `impl`
    assert!(matches!(
        col(table(&pg, "users"), "other").ty,
        SqlType::Other(_)
    ));
    assert!(
        pg.findings
            .iter()
            .any(|f| f.message.contains("custom type `Odd`")),
        "{:?}",
        pg.findings
    );
}

#[test]
fn name_used_before_a_later_class_of_that_name_is_the_import() {
    // Netflix/dispatch signal/models.py: `ForeignKey(Service.id)` in a model,
    // then a pydantic `class Service(DispatchBase)` further down the module
    let m = build(&[
        (
            "app/base.py",
            "from sqlalchemy.orm import declarative_base\nBase = declarative_base()\n",
        ),
        (
            "app/service.py",
            "from sqlalchemy import Column, Integer\nfrom app.base import Base\n\nclass Service(Base):\n    __tablename__ = 'service'\n    id = Column(Integer, primary_key=True)\n",
        ),
        (
            "app/signal.py",
            "from sqlalchemy import Column, ForeignKey, Integer\nfrom app.base import Base\nfrom app.service import Service\n\nclass Signal(Base):\n    __tablename__ = 'signal'\n    id = Column(Integer, primary_key=True)\n    service_id = Column(Integer, ForeignKey(Service.id))\n\nclass Service:\n    name: str\n",
        ),
    ]);
    assert!(m.findings.is_empty(), "{:?}", m.findings);
    let fks = &table(&m, "signal").foreign_keys;
    assert_eq!(fks.len(), 1, "{fks:?}");
    assert_eq!(fks[0].ref_table, "service");
}

#[test]
fn server_default_naming_a_constant_or_a_str_enum_member() {
    // Netflix/dispatch: `server_default=ReportTypes.tactical_report` with `class ReportTypes(DispatchEnum)`
    let m = build(&[
        (
            "app/enums.py",
            "from enum import Enum\n\nclass ReportTypes(str, Enum):\n    tactical_report = \"Tactical Report\"\n    executive_report = \"Executive Report\"\n\nDEFAULT_KIND = 'plain'\n",
        ),
        (
            "app/models.py",
            "from sqlalchemy import Column, Integer, String\nfrom sqlalchemy.orm import declarative_base\nfrom app.enums import ReportTypes, DEFAULT_KIND\nBase = declarative_base()\n\nclass Report(Base):\n    __tablename__ = 'report'\n    id = Column(Integer, primary_key=True)\n    type = Column(String, nullable=False, server_default=ReportTypes.tactical_report)\n    kind = Column(String, server_default=DEFAULT_KIND)\n",
        ),
    ]);
    assert!(m.findings.is_empty(), "{:?}", m.findings);
    let t = table(&m, "report");
    let d = |c: &str| col(t, c).default.as_ref().map(|d| d.raw.clone());
    assert_eq!(d("type").as_deref(), Some("'Tactical Report'"));
    assert_eq!(d("kind").as_deref(), Some("'plain'"));
}

#[test]
fn sqlalchemy_utils_types_by_their_impl() {
    // Netflix/dispatch: TSVectorType, JSONType, UUIDType from sqlalchemy_utils
    let src = "import sqlalchemy_utils as su\nfrom sqlalchemy import Column, Integer\nfrom sqlalchemy.orm import declarative_base\nfrom sqlalchemy_utils import JSONType, TSVectorType, UUIDType\nBase = declarative_base()\n\nclass Doc(Base):\n    __tablename__ = 'doc'\n    id = Column(Integer, primary_key=True)\n    search_vector = Column(TSVectorType('title'))\n    details = Column(JSONType)\n    key = Column(UUIDType(binary=False))\n    email = Column(su.EmailType)\n";
    let sources = vec![SourceFile::new("app/models.py", src)];
    let pg = from_files(
        parse_sources(sources.clone()),
        Dialect::Postgresql,
        Vec::new(),
    );
    assert!(pg.findings.is_empty(), "{:?}", pg.findings);
    let t = table(&pg, "doc");
    assert_eq!(
        col(t, "search_vector").ty,
        SqlType::Other("tsvector".into())
    );
    assert_eq!(col(t, "details").ty, SqlType::Json { binary: false });
    assert_eq!(col(t, "key").ty, SqlType::Uuid);
    let email = SqlType::String {
        len: Some(255),
        fixed: false,
    };
    assert_eq!(col(t, "email").ty, email);
    let lite = from_files(parse_sources(sources), Dialect::Sqlite, Vec::new());
    let t = table(&lite, "doc");
    assert_eq!(col(t, "details").ty, SqlType::Text);
    let char32 = SqlType::String {
        len: Some(32),
        fixed: true,
    };
    assert_eq!(col(t, "key").ty, char32);
}

#[test]
fn declared_attr_tablename_snake_case_regex_and_literal_return() {
    // PrefectHQ/prefect orm_models.py
    let m = build(&[
        (
            "app/utils.py",
            "import re\nCAMEL_TO_SNAKE = re.compile(r\"(?<!^)(?=[A-Z])\")\n",
        ),
        (
            "app/models.py",
            "import re\nimport sqlalchemy as sa\nfrom sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column\nfrom app.utils import CAMEL_TO_SNAKE\n\nclass Base(DeclarativeBase):\n    @declared_attr.directive\n    def __tablename__(cls) -> str:\n        \"\"\"Snake case of the class name.\"\"\"\n        return CAMEL_TO_SNAKE.sub(\"_\", cls.__name__).lower()\n\n    id: Mapped[int] = mapped_column(primary_key=True)\n\nclass TaskRunStateCache(Base):\n    key: Mapped[str]\n\nclass HTTPLog(Base):\n    url: Mapped[str]\n\nclass Event(Base):\n    @declared_attr.directive\n    def __tablename__(cls) -> str:\n        return \"events\"\n\n    occurred: Mapped[str]\n\nclass Other(DeclarativeBase):\n    @declared_attr.directive\n    def __tablename__(cls) -> str:\n        return re.sub(r\"(?<!^)(?=[A-Z])\", \"_\", cls.__name__).lower()\n\n    id: Mapped[int] = mapped_column(primary_key=True)\n\nclass BlockSchema(Other):\n    name: Mapped[str]\n",
        ),
    ]);
    let mut names: Vec<&String> = m.schema.tables.keys().collect();
    names.sort();
    assert_eq!(
        names,
        [
            "block_schema",
            "events",
            "h_t_t_p_log",
            "task_run_state_cache"
        ],
        "{:?}",
        m.findings
    );
    assert_eq!(m.unnamed_tables, 0);
}

#[test]
fn generic_type_decorator_with_project_impl_and_registry_type_map() {
    // PrefectHQ/prefect: `class JSON(TypeDecorator[Any])`, `class Pydantic(TypeDecorator[T]): impl = JSON`,
    // `registry: ClassVar[...] = registry(type_annotation_map={DateTime: Timestamp})`,
    // `sa_JSON = postgresql.JSON().with_variant(sa.JSON(), "sqlite")`
    let src = "from typing import Any, ClassVar, TypeVar\nimport datetime\nimport sqlalchemy as sa\nfrom sqlalchemy.dialects import postgresql, sqlite\nfrom sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, registry\nfrom sqlalchemy.types import TypeDecorator\nT = TypeVar('T')\nDateTime = datetime.datetime\n\nclass JSON(TypeDecorator[Any]):\n    impl = postgresql.JSONB\n    def load_dialect_impl(self, dialect):\n        if dialect.name == 'postgresql':\n            return dialect.type_descriptor(postgresql.JSONB(none_as_null=True))\n        elif dialect.name == 'sqlite':\n            return dialect.type_descriptor(sqlite.JSON(none_as_null=True))\n        else:\n            return dialect.type_descriptor(sa.JSON(none_as_null=True))\n\nclass Pydantic(TypeDecorator[T]):\n    impl = JSON\n\nclass Timestamp(TypeDecorator[datetime.datetime]):\n    impl = sa.TIMESTAMP(timezone=True)\n\nsa_JSON = postgresql.JSON().with_variant(sa.JSON(), 'sqlite')\n\nclass Base(DeclarativeBase):\n    registry: ClassVar[registry] = registry(type_annotation_map={DateTime: Timestamp})\n\nclass Run(Base):\n    __tablename__ = 'run'\n    id: Mapped[int] = mapped_column(primary_key=True)\n    policy: Mapped[dict] = mapped_column(Pydantic(dict))\n    started: Mapped[DateTime]\n    data: Mapped[Any] = mapped_column(sa_JSON)\n";
    let m = build(&[("app/models.py", src)]);
    assert!(m.findings.is_empty(), "{:?}", m.findings);
    let t = table(&m, "run");
    assert_eq!(col(t, "policy").ty, SqlType::Json { binary: true });
    assert_eq!(col(t, "started").ty, SqlType::Timestamp { tz: true });
    assert_eq!(col(t, "data").ty, SqlType::Json { binary: false });
}

#[test]
fn server_default_of_a_function_the_project_compiles_itself() {
    // PrefectHQ/prefect: `@compiles(functions.now, "sqlite")` makes `sa.func.now()`
    // a strftime(...) expression on SQLite only
    let src = "import sqlalchemy as sa\nfrom sqlalchemy.ext.compiler import compiles\nfrom sqlalchemy.sql import functions\nfrom sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column\n\n@compiles(functions.now, 'sqlite')\ndef now_sqlite(element, compiler, **kw):\n    return \"strftime('%Y-%m-%d %H:%M:%f000', 'now')\"\n\nclass Base(DeclarativeBase):\n    pass\n\nclass Flow(Base):\n    __tablename__ = 'flow'\n    id: Mapped[int] = mapped_column(primary_key=True)\n    created: Mapped[str] = mapped_column(sa.String, server_default=sa.func.now())\n";
    let sources = vec![SourceFile::new("app/models.py", src)];
    let lite = from_files(parse_sources(sources.clone()), Dialect::Sqlite, Vec::new());
    assert!(lite.findings.is_empty(), "{:?}", lite.findings);
    assert_eq!(col(table(&lite, "flow"), "created").default, None);
    let pg = from_files(parse_sources(sources), Dialect::Postgresql, Vec::new());
    assert!(col(table(&pg, "flow"), "created").default.is_some());
}

#[test]
fn table_args_entry_created_only_on_one_dialect() {
    // PrefectHQ/prefect: a trigram GIN index only on PostgreSQL
    let src = "import sqlalchemy as sa\nfrom sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column\n\nclass Base(DeclarativeBase):\n    pass\n\nclass Flow(Base):\n    __tablename__ = 'flow'\n    id: Mapped[int] = mapped_column(primary_key=True)\n    name: Mapped[str]\n    __table_args__ = (\n        sa.UniqueConstraint('name'),\n        sa.Index('trgm_ix_flow_name', 'name', postgresql_using='gin').ddl_if(dialect='postgresql'),\n        sa.Index('ix_flow_odd', 'name').ddl_if(callable_=lambda *a, **k: True),\n    )\n";
    let sources = vec![SourceFile::new("app/models.py", src)];
    let pg = from_files(
        parse_sources(sources.clone()),
        Dialect::Postgresql,
        Vec::new(),
    );
    let names = |m: &ModelSchema| -> Vec<String> {
        table(m, "flow")
            .indexes
            .iter()
            .filter_map(|i| i.name.clone())
            .collect()
    };
    assert!(
        names(&pg).contains(&"trgm_ix_flow_name".to_string()),
        "{:?}",
        names(&pg)
    );
    assert_eq!(pg.findings.len(), 1, "{:?}", pg.findings);
    assert!(pg.findings[0]
        .message
        .contains("only when a function says so"));
    let lite = from_files(parse_sources(sources), Dialect::Sqlite, Vec::new());
    assert!(!names(&lite).contains(&"trgm_ix_flow_name".to_string()));
}

#[test]
fn enum_in_a_lazily_loaded_submodule_of_an_imported_package() {
    // PrefectHQ/prefect: `import prefect.server.schemas as schemas`, whose
    // `__init__` imports `states` only under TYPE_CHECKING, then
    // `sa.Enum(schemas.states.StateType, name="state_type")`
    let snap = MemSnapshot::new(&[
        (
            "src/app/models.py",
            b"import sqlalchemy as sa\nfrom sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column\nimport app.schemas as schemas\n\nclass Base(DeclarativeBase):\n    pass\n\nclass Run(Base):\n    __tablename__ = 'run'\n    id: Mapped[int] = mapped_column(primary_key=True)\n    state: Mapped[str] = mapped_column(sa.Enum(schemas.states.StateType, name='state_type'))\n",
        ),
        (
            "src/app/schemas/__init__.py",
            b"from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from app.schemas import states\n\ndef __getattr__(name):\n    import importlib\n    return importlib.import_module(f'{__name__}.{name}')\n",
        ),
        (
            "src/app/schemas/states.py",
            b"from enum import Enum\nclass StateType(str, Enum):\n    PENDING = 'PENDING'\n    RUNNING = 'RUNNING'\n",
        ),
    ]);
    let m = load(&snap, &input(&["src/app/models.py"]), Dialect::Postgresql);
    assert!(m.findings.is_empty(), "{:?}", m.findings);
    assert_eq!(
        col(table(&m, "run"), "state").ty,
        SqlType::Enum {
            name: Some("state_type".into()),
            values: vec!["PENDING".into(), "RUNNING".into()]
        }
    );
}

#[test]
fn init_subclass_rewriting_tablenames_makes_them_computed() {
    // fief-dev/fief: `Base.__init_subclass__` prefixes every `__tablename__` from settings
    let m = build(&[
        (
            "app/base.py",
            "from sqlalchemy.orm import DeclarativeBase\nfrom app.settings import settings\n\nclass Base(DeclarativeBase):\n    def __init_subclass__(cls) -> None:\n        cls.__tablename__ = f'{settings.prefix}{cls.__tablename__}'\n        super().__init_subclass__()\n",
        ),
        (
            "app/models.py",
            "from sqlalchemy.orm import Mapped, mapped_column\nfrom app.base import Base\n\nclass Client(Base):\n    __tablename__ = 'clients'\n    id: Mapped[int] = mapped_column(primary_key=True)\n",
        ),
    ]);
    assert!(m.schema.tables.is_empty(), "{:?}", m.schema.tables.keys());
    assert_eq!(m.unnamed_tables, 1);
    let l = m.findings[0].location.as_ref().unwrap();
    assert_eq!((l.path.as_ref(), l.start.line), ("app/models.py", 4));
}

#[test]
fn type_decorator_arguments_go_to_its_impl() {
    // fief-dev/fief: `TIMESTAMPAware(timezone=True)` with `impl = TIMESTAMP`;
    // `class StringEncryptedType(sqlalchemy_utils' StringEncryptedType): impl = Text`
    let src = "from sqlalchemy import TIMESTAMP, Integer, String, Text\nfrom sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column\nfrom sqlalchemy.types import TypeDecorator\nfrom sqlalchemy_utils.types.encrypted.encrypted_type import StringEncryptedType as Base_\n\nclass TIMESTAMPAware(TypeDecorator):\n    impl = TIMESTAMP\n    cache_ok = True\n\nclass OwnInit(TypeDecorator):\n    impl = TIMESTAMP\n    def __init__(self, flavour):\n        super().__init__()\n\nclass StringEncryptedType(Base_):\n    impl = String\n\nclass Base(DeclarativeBase):\n    pass\n\nclass Token(Base):\n    __tablename__ = 'tokens'\n    id: Mapped[int] = mapped_column(Integer, primary_key=True)\n    created_at: Mapped[str] = mapped_column(TIMESTAMPAware(timezone=True))\n    plain: Mapped[str] = mapped_column(TIMESTAMPAware)\n    other: Mapped[str] = mapped_column(OwnInit(True))\n    secret: Mapped[str] = mapped_column(StringEncryptedType(Text, 'key'))\n";
    let m = build(&[("app/models.py", src)]);
    assert!(m.findings.is_empty(), "{:?}", m.findings);
    let t = table(&m, "tokens");
    assert_eq!(col(t, "created_at").ty, SqlType::Timestamp { tz: true });
    assert_eq!(col(t, "plain").ty, SqlType::Timestamp { tz: false });
    assert_eq!(col(t, "other").ty, SqlType::Timestamp { tz: false });
    // the library base takes `(Text, 'key')` itself: not a length for `impl = String`
    assert_eq!(
        col(t, "secret").ty,
        SqlType::String {
            len: None,
            fixed: false
        }
    );
}

#[test]
fn expression_index_note_names_the_index() {
    // ckan/ckan: `Index('idx_pkg_lname', sa.func.lower(sa.text("name::text")))`
    let src = "import sqlalchemy as sa\nfrom sqlalchemy import Column, Index, Integer, Table, UnicodeText, MetaData\nmetadata = MetaData()\npackage = Table('package', metadata,\n    Column('id', Integer, primary_key=True),\n    Column('name', UnicodeText),\n    Index('idx_pkg_lname', sa.func.lower(sa.text('name::text'))),\n    Index(None, sa.func.upper(sa.text('name::text'))),\n)\n";
    let m = build(&[("app/models.py", src)]);
    let msgs: Vec<&str> = m.findings.iter().map(|f| f.message.as_str()).collect();
    assert_eq!(
        msgs,
        [
            "Index `idx_pkg_lname` on `package` uses expressions migraguard cannot read; it is not checked",
            "An index on `package` uses expressions migraguard cannot read; it is not checked"
        ]
    );
}

#[test]
fn unknown_type_messages_keep_the_name_as_written() {
    let src = "from sqlalchemy import Column, Integer, Frobnicate\nfrom sqlalchemy.orm import declarative_base\nBase = declarative_base()\nclass A(Base):\n    __tablename__ = 'a'\n    id = Column(Integer, primary_key=True)\n    x = Column(Frobnicate)\n";
    let m = build(&[("app/models.py", src)]);
    assert_eq!(m.findings.len(), 1, "{:?}", m.findings);
    assert!(
        m.findings[0].message.contains("(`Frobnicate` is not"),
        "{}",
        m.findings[0].message
    );
}

#[test]
fn type_value_rebound_from_itself_and_lengths_from_a_dict_literal() {
    // privacyidea/privacyidea models/audit.py
    let src = "from sqlalchemy import BigInteger, Column, Unicode\nfrom sqlalchemy.dialects import sqlite\nfrom sqlalchemy.orm import declarative_base\nBase = declarative_base()\n\nBigIntegerType = BigInteger()\nBigIntegerType = BigIntegerType.with_variant(sqlite.INTEGER(), 'sqlite')\n\naudit_column_length = {'signature': 1100, 'user': 100}\n\nclass Audit(Base):\n    __tablename__ = 'pidea_audit'\n    id = Column(BigIntegerType, primary_key=True)\n    signature = Column(Unicode(audit_column_length.get('signature')))\n    user = Column(Unicode(audit_column_length['user']))\n";
    let sources = vec![SourceFile::new("app/models.py", src)];
    let pg = from_files(
        parse_sources(sources.clone()),
        Dialect::Postgresql,
        Vec::new(),
    );
    assert!(pg.findings.is_empty(), "{:?}", pg.findings);
    let t = table(&pg, "pidea_audit");
    assert_eq!(col(t, "id").ty, SqlType::Integer { bytes: 8 });
    let s = |n| SqlType::String {
        len: Some(n),
        fixed: false,
    };
    assert_eq!(col(t, "signature").ty, s(1100));
    assert_eq!(col(t, "user").ty, s(100));
    let lite = from_files(parse_sources(sources), Dialect::Sqlite, Vec::new());
    assert_eq!(
        col(table(&lite, "pidea_audit"), "id").ty,
        SqlType::Integer { bytes: 4 }
    );
}

#[test]
fn index_columns_with_a_sort_order_are_plain_columns() {
    // Skyvern-AI/skyvern: `Index("ix", "organization_id", desc("created_at"))`
    let src = "import sqlalchemy as sa\nfrom sqlalchemy import Column, DateTime, Index, String, desc\nfrom sqlalchemy.orm import declarative_base\nBase = declarative_base()\n\nclass Action(Base):\n    __tablename__ = 'actions'\n    __table_args__ = (\n        Index('ix_a', 'organization_id', desc('created_at')),\n        Index('ix_b', sa.asc('organization_id')),\n    )\n    id = Column(String, primary_key=True)\n    organization_id = Column(String)\n    created_at = Column(DateTime)\n\nIndex('ix_c', Action.created_at.desc())\n";
    let m = build(&[("app/models.py", src)]);
    assert!(m.findings.is_empty(), "{:?}", m.findings);
    let t = table(&m, "actions");
    let ix = |n: &str| {
        t.indexes
            .iter()
            .find(|i| i.name.as_deref() == Some(n))
            .map(|i| i.columns.clone())
    };
    assert_eq!(
        ix("ix_a"),
        Some(vec![
            "organization_id".to_string(),
            "created_at".to_string()
        ])
    );
    assert_eq!(ix("ix_b"), Some(vec!["organization_id".to_string()]));
}

#[test]
fn sqlmodel_datetime_follows_the_pinned_sqlmodel_version() {
    // SQLModel 0.0.45 made plain `datetime` fields UTCDateTime (timezone=True)
    let src = "from datetime import datetime\nfrom typing import Optional\nfrom pydantic import NaiveDatetime\nfrom sqlmodel import Field, SQLModel\n\nclass Job(SQLModel, table=True):\n    id: Optional[int] = Field(default=None, primary_key=True)\n    created_at: datetime = Field(default_factory=datetime.now)\n    seen_at: Optional[datetime] = None\n    naive_at: NaiveDatetime\n";
    let ty = |aware: bool, c: &str| {
        let sources = vec![SourceFile::new("app/models.py", src)];
        let m = from_files_with(
            parse_sources(sources),
            Dialect::Postgresql,
            Vec::new(),
            aware,
        );
        col(table(&m, "job"), c).ty.clone()
    };
    let tz = |tz| SqlType::Timestamp { tz };
    assert_eq!(ty(true, "created_at"), tz(true));
    assert_eq!(ty(true, "seen_at"), tz(true));
    assert_eq!(ty(true, "naive_at"), tz(false));
    assert_eq!(ty(false, "created_at"), tz(false));

    assert_eq!(
        pinned_version(
            "[[package]]\nname = \"sqlmodel\"\nversion = \"0.0.22\"\n",
            "sqlmodel"
        ),
        Some((0, 0, 22))
    );
    assert_eq!(
        pinned_version(
            "fastapi==0.1\nsqlmodel[x]==0.0.44 ; python_version>'3'\n",
            "sqlmodel"
        ),
        Some((0, 0, 44))
    );
    assert_eq!(
        pinned_version("dependencies = [\n  \"sqlmodel==0.0.8\",\n]\n", "sqlmodel"),
        Some((0, 0, 8))
    );
    assert_eq!(
        pinned_version(
            "[tool.poetry.dependencies]\nsqlmodel = \"^0.0.14\"\n",
            "sqlmodel"
        ),
        Some((0, 0, 14))
    );
    assert_eq!(
        pinned_version(
            "\"sqlmodel\": {\n  \"hashes\": [],\n  \"version\": \"==0.0.16\"\n},\n",
            "sqlmodel"
        ),
        Some((0, 0, 16))
    );
    // lower bounds install the newest release: not a pin
    assert_eq!(
        pinned_version("dependencies = [\"sqlmodel>=0.0.21,<1\"]\n", "sqlmodel"),
        None
    );
    assert_eq!(pinned_version("sqlmodel-crud==1.0\n", "sqlmodel"), None);

    let snap = MemSnapshot::new(&[
        (
            "backend/uv.lock",
            b"[[package]]\nname = \"sqlmodel\"\nversion = \"0.0.24\"\n",
        ),
        ("backend/app/models.py", src.as_bytes()),
    ]);
    let m = load(
        &snap,
        &input(&["backend/app/models.py"]),
        Dialect::Postgresql,
    );
    assert_eq!(col(table(&m, "job"), "created_at").ty, tz(false));
}

#[test]
fn foreign_key_actions_from_foreign_key_and_constraint() {
    let m = build(&[(
        "app/models.py",
        r#"import sqlalchemy as sa
from sqlalchemy import Column, Integer, ForeignKey, ForeignKeyConstraint
from sqlalchemy.orm import declarative_base
Base = declarative_base()
MODE = "CASCADE"

class Parent(Base):
    __tablename__ = "parent"
    a = Column(Integer, primary_key=True)
    b = Column(Integer, primary_key=True)

class Child(Base):
    __tablename__ = "child"
    __table_args__ = (
        ForeignKeyConstraint(["pa", "pb"], ["parent.a", "parent.b"], ondelete="set null", onupdate="Cascade"),
    )
    id = Column(Integer, primary_key=True)
    pa = Column(Integer)
    pb = Column(Integer)
    up = Column(Integer, sa.ForeignKey("parent.a", onupdate="NO ACTION", ondelete="restrict"))
    odd = Column(Integer, ForeignKey("parent.a", ondelete=MODE))
"#,
    )]);
    let c = table(&m, "child");
    let actions = |cols: &[&str]| {
        let Some(fk) = c.foreign_keys.iter().find(|f| f.columns == cols) else {
            panic!("no fk on {cols:?}: {:?}", c.foreign_keys);
        };
        (fk.on_delete, fk.on_update)
    };
    assert_eq!(
        actions(&["pa", "pb"]),
        (Some(FkAction::SetNull), Some(FkAction::Cascade))
    );
    assert_eq!(
        actions(&["up"]),
        (Some(FkAction::Restrict), Some(FkAction::NoAction))
    );
    // not a literal: not stated, so the diff stays silent about it
    assert_eq!(actions(&["odd"]), (None, None));
}

#[test]
fn mapped_foreign_key_without_a_type_takes_the_target_type_not_the_annotation() {
    // SQLAlchemy resolves a `Mapped[...]` annotation to a type only for
    // columns without foreign keys (warehouse: `release_id: Mapped[str]`
    // pointing at a UUID primary key is a UUID column)
    let m = build(&[(
        "m.py",
        r#"import uuid
from sqlalchemy import ForeignKey, String
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
class Base(DeclarativeBase):
    pass
class Release(Base):
    __tablename__ = "releases"
    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
class Link(Base):
    __tablename__ = "links"
    release_id: Mapped[str] = mapped_column(ForeignKey("releases.id"), primary_key=True)
    typed_id: Mapped[str] = mapped_column(String(36), ForeignKey("releases.id"))
    label: Mapped[str | None]
"#,
    )]);
    let t = table(&m, "links");
    assert_eq!(col(t, "release_id").ty, SqlType::Uuid);
    assert_eq!(col(t, "typed_id").ty, varchar(Some(36)));
    assert!(col(t, "label").nullable);
}

#[test]
fn table_args_assigned_in_a_method_are_noted_not_read() {
    // mealie builds `self.__table_args__` in `__init__`: SQLAlchemy ignores
    // it, but the constraints the migrations create for it are intended, so
    // the table is noted (and compared leniently) instead of reported
    let m = build(&[(
        "m.py",
        r#"import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
class Base(DeclarativeBase):
    pass
class Unit(Base):
    __tablename__ = "units"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str | None]
    def __init__(self, session, name=None, **_):
        tableargs = [sa.UniqueConstraint("name", name="units_name_key")]
        if session.get_bind().name == "postgresql":
            tableargs.append(sa.Index("ix_units_name_gin", "name"))
        self.__table_args__ = tuple(tableargs)
class Plain(Base):
    __tablename__ = "plain"
    id: Mapped[int] = mapped_column(primary_key=True)
    def __init__(self, **kw):
        self.name = kw.get("name")
"#,
    )]);
    let t = table(&m, "units");
    assert_eq!(names(t), vec!["id", "name"]);
    let n = notes(&m);
    assert_eq!(n.len(), 1, "{n:?}");
    assert!(
        n[0].contains("`Unit.__init__` assigns `__table_args__`"),
        "{n:?}"
    );
    let at = m.findings[0].location.as_ref().map(|l| l.start.line);
    assert_eq!(at, Some(13));
}

#[test]
fn classes_built_with_type_count_as_unnamed_tables() {
    // warehouse builds one event table per model in a `declared_attr`:
    // the migrated `*_events` tables are not "extra"
    let m = build(&[(
        "m.py",
        r#"from sqlalchemy import ForeignKey
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column, relationship
class Base(DeclarativeBase):
    pass
class Event:
    id: Mapped[int] = mapped_column(primary_key=True)
class HasEvents:
    @declared_attr
    def events(cls):
        event_cls = type(
            f"{cls.__name__}Event",
            (Event, Base),
            {"__tablename__": f"{cls.__name__.lower()}_events",
             "source_id": mapped_column(ForeignKey(f"{cls.__tablename__}.id"))},
        )
        return relationship(event_cls)
class Project(HasEvents, Base):
    __tablename__ = "projects"
    id: Mapped[int] = mapped_column(primary_key=True)
Kind = type("Kind", (object,), {"label": "x"})
"#,
    )]);
    assert_eq!(m.unnamed_tables, 1);
    let n = notes(&m);
    assert!(
        n.iter().any(|s| s.contains("built with `type(...)`")),
        "{n:?}"
    );
    assert_eq!(names(table(&m, "projects")), vec!["id"]);
}

#[test]
fn load_follows_the_module_of_a_computed_tablename_pattern() {
    // prefect: `__tablename__` returns `CAMEL_TO_SNAKE.sub("_", cls.__name__).lower()`
    // with the compiled pattern imported from a utilities module
    let snap = MemSnapshot::new(&[
        (
            "src/app/utilities/database.py",
            b"import re\nCAMEL_TO_SNAKE: re.Pattern[str] = re.compile(r\"(?<!^)(?=[A-Z])\")\n",
        ),
        (
            "src/app/orm_models.py",
            br#"from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column
from app.utilities.database import CAMEL_TO_SNAKE
class Base(DeclarativeBase):
    @declared_attr.directive
    def __tablename__(cls) -> str:
        return CAMEL_TO_SNAKE.sub("_", cls.__name__).lower()
    id: Mapped[int] = mapped_column(primary_key=True)
class FlowRun(Base):
    name: Mapped[str]
"#,
        ),
    ]);
    let m = load(
        &snap,
        &input(&["src/app/orm_models.py"]),
        Dialect::Postgresql,
    );
    assert_eq!(m.unnamed_tables, 0, "{:?}", notes(&m));
    assert_eq!(names(table(&m, "flow_run")), vec!["id", "name"]);
}

#[test]
fn module_level_indexes_on_core_table_columns_attach_to_the_table() {
    // lemur: `Index("roles_authorities_ix", roles_authorities.c.authority_id, ...)`
    let m = build(&[
        (
            "app/assoc.py",
            r#"from sqlalchemy import Column, ForeignKey, Index, Integer, MetaData, Table
metadata = MetaData()
roles_authorities = Table(
    "roles_authorities",
    metadata,
    Column("authority_id", Integer),
    Column("role_id", Integer),
)
Index("roles_authorities_ix", roles_authorities.c.authority_id, roles_authorities.c.role_id, unique=True)
"#,
        ),
        (
            "app/more.py",
            r#"from sqlalchemy import Index
from app.assoc import roles_authorities
Index("roles_authorities_role", roles_authorities.columns.role_id)
"#,
        ),
    ]);
    let t = table(&m, "roles_authorities");
    let ix: Vec<(Vec<&str>, bool)> = t
        .indexes
        .iter()
        .map(|i| (i.columns.iter().map(String::as_str).collect(), i.unique))
        .collect();
    assert_eq!(
        ix,
        vec![
            (vec!["authority_id", "role_id"], true),
            (vec!["role_id"], false)
        ]
    );
}

#[test]
fn flask_extension_subclass_and_partial_column_factory() {
    // redash: `db = RedashSQLAlchemy(...)` subclasses `SQLAlchemy`, and
    // `Column = functools.partial(db.Column, nullable=False)` makes every
    // column NOT NULL unless the call says otherwise
    let m = build(&[
        (
            "app/base.py",
            r#"import functools
from flask_sqlalchemy import SQLAlchemy
class AppSQLAlchemy(SQLAlchemy):
    pass
class TracedSQLAlchemy(AppSQLAlchemy):
    pass
db = TracedSQLAlchemy(session_options={"expire_on_commit": False})
Column = functools.partial(db.Column, nullable=False)
"#,
        ),
        (
            "app/models.py",
            r#"from app.base import Column, db
class Favorite(db.Model):
    __tablename__ = "favorites"
    id = Column(db.Integer, primary_key=True)
    object_type = Column(db.Unicode(255))
    note = Column(db.Text, nullable=True)
"#,
        ),
    ]);
    let t = table(&m, "favorites");
    assert_eq!(names(t), vec!["id", "object_type", "note"]);
    assert!(!col(t, "object_type").nullable);
    assert_eq!(col(t, "object_type").ty, varchar(Some(255)));
    assert!(col(t, "note").nullable);
}
