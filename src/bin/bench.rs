//! `migraguard-bench`: generates a synthetic repository (SQLAlchemy models
//! and migrations whose final schema matches them, plus a couple of drifts)
//! and times `migraguard check` on it against the SPEC §9 budgets.
//!
//!     cargo build --release --bins
//!     cargo run --release --bin migraguard-bench                 # all four presets
//!     cargo run --release --bin migraguard-bench -- --migrations-kind alembic
//!     cargo run --release --bin migraguard-bench -- --tables 500 --migrations 1500 --runs 7
//!     cargo run --release --bin migraguard-bench -- --emit /tmp/repo   # only write the repo
//!
//! Presets: `typical` (200 tables, 500 migration files) and `large` (2,000,
//! 5,000) with plain SQL files in `migrations/`, and `typical-alembic` /
//! `large-alembic` with the same models and an Alembic project instead
//! (`alembic.ini`, `alembic/env.py`, `alembic/versions/<rev>_<slug>.py`
//! chained by `down_revision`, autogenerate-style bodies: `op.create_table`,
//! `add_column`, `alter_column`, `create_index`, `batch_alter_table`,
//! `op.execute`). `--migrations-kind sql|alembic|both` (default both) picks
//! which; `--emit` writes SQL unless `--migrations-kind alembic`.
//!
//! With a typical preset it also measures what `--staged` adds (SPEC §9:
//! under 20 ms): the repository is committed with git, a model edit is
//! staged, and plain `check` and `check --staged` run in this process.
//! Every repository is committed with git before it is timed, as a real one
//! is (a plain check inside git compares the files of safety findings with
//! HEAD). Peak MB is each preset's own largest resident set (wait4 rusage).
//!
//! The generator is deterministic (a fixed-seed LCG), so timings compare
//! across commits. The binary timed is the `migraguard` next to this one
//! unless `--bin PATH` says otherwise.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Knuth's MMIX LCG: deterministic, good enough to vary a synthetic schema.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Dialect {
    Sqlite,
    Postgresql,
}

impl Dialect {
    fn name(self) -> &'static str {
        match self {
            Dialect::Sqlite => "sqlite",
            Dialect::Postgresql => "postgresql",
        }
    }
}

#[derive(Clone, Copy)]
enum Kind {
    Int,
    Str(u32),
    Text,
    Bool,
    DateTime,
    Numeric,
    Float,
}

impl Kind {
    fn pick(rng: &mut Lcg) -> Kind {
        match rng.below(7) {
            0 => Kind::Int,
            1 => Kind::Str([20, 50, 100, 255][rng.below(4)]),
            2 => Kind::Text,
            3 => Kind::Bool,
            4 => Kind::DateTime,
            5 => Kind::Numeric,
            _ => Kind::Float,
        }
    }

    fn sql(self, d: Dialect) -> String {
        match (self, d) {
            (Kind::Int, _) => "INTEGER".into(),
            (Kind::Str(n), _) => format!("VARCHAR({n})"),
            (Kind::Text, _) => "TEXT".into(),
            (Kind::Bool, _) => "BOOLEAN".into(),
            (Kind::DateTime, Dialect::Sqlite) => "DATETIME".into(),
            (Kind::DateTime, Dialect::Postgresql) => "TIMESTAMP".into(),
            (Kind::Numeric, _) => "NUMERIC(12, 2)".into(),
            (Kind::Float, Dialect::Sqlite) => "REAL".into(),
            (Kind::Float, Dialect::Postgresql) => "DOUBLE PRECISION".into(),
        }
    }

    fn python(self) -> String {
        match self {
            Kind::Int => "Integer".into(),
            Kind::Str(n) => format!("String({n})"),
            Kind::Text => "Text".into(),
            Kind::Bool => "Boolean".into(),
            Kind::DateTime => "DateTime".into(),
            Kind::Numeric => "Numeric(12, 2)".into(),
            Kind::Float => "Float".into(),
        }
    }
}

struct Col {
    name: String,
    kind: Kind,
    nullable: bool,
    /// Index into the table list of the referenced table.
    fk: Option<usize>,
    indexed: bool,
}

struct Table {
    name: String,
    class: String,
    /// Columns in CREATE TABLE.
    created: Vec<Col>,
    /// Columns added later by ALTER TABLE.
    added: Vec<Col>,
}

const NOUNS: &[&str] = &[
    "account",
    "order",
    "invoice",
    "payment",
    "customer",
    "product",
    "shipment",
    "ticket",
    "agent",
    "service",
    "project",
    "task",
    "comment",
    "review",
    "session",
    "device",
    "report",
    "event",
    "subscription",
    "coupon",
    "warehouse",
    "supplier",
    "contract",
    "document",
];
const FIELDS: &[&str] = &[
    "name",
    "title",
    "status",
    "amount",
    "quantity",
    "note",
    "code",
    "email",
    "label",
    "priority",
    "score",
    "region",
    "currency",
    "started_at",
    "ended_at",
    "source",
    "kind",
    "weight",
    "rating",
    "summary",
    "owner",
    "version",
    "checksum",
    "url",
];

struct Repo {
    tables: Vec<Table>,
    dialect: Dialect,
}

fn generate(n_tables: usize, dialect: Dialect) -> Repo {
    let mut rng = Lcg(0x5eed_0f6d_6175);
    let mut tables: Vec<Table> = Vec::with_capacity(n_tables);
    for i in 0..n_tables {
        let noun = NOUNS[i % NOUNS.len()];
        let name = format!("{noun}_{i:05}");
        let class = format!(
            "{}{i:05}",
            noun[..1].to_uppercase() + &noun[1..].replace('_', "")
        );
        let mut created = Vec::new();
        let n_cols = 3 + rng.below(8);
        for c in 0..n_cols {
            let field = FIELDS[rng.below(FIELDS.len())];
            created.push(Col {
                name: format!("{field}_{c}"),
                kind: Kind::pick(&mut rng),
                nullable: rng.chance(60),
                fk: None,
                indexed: rng.chance(10),
            });
        }
        if i > 0 && rng.chance(50) {
            let target = rng.below(i);
            created.push(Col {
                name: format!("{}_id", tables[target].name),
                kind: Kind::Int,
                nullable: rng.chance(50),
                fk: Some(target),
                indexed: rng.chance(50),
            });
        }
        tables.push(Table {
            name,
            class,
            created,
            added: Vec::new(),
        });
    }
    Repo { tables, dialect }
}

fn col_sql(repo: &Repo, c: &Col) -> String {
    let mut s = format!("{} {}", c.name, c.kind.sql(repo.dialect));
    if !c.nullable {
        // Adding a NOT NULL column to an existing table needs a default; keep
        // every generated column valid on a non-empty table too.
        s.push_str(" NOT NULL");
    }
    if let Some(t) = c.fk {
        let _ = write!(s, " REFERENCES {} (id)", repo.tables[t].name);
    }
    s
}

fn create_sql(repo: &Repo, t: &Table) -> String {
    let id = match repo.dialect {
        Dialect::Sqlite => "id INTEGER PRIMARY KEY",
        Dialect::Postgresql => "id SERIAL PRIMARY KEY",
    };
    let mut s = format!("CREATE TABLE {} (\n    {id}", t.name);
    for c in &t.created {
        let _ = write!(s, ",\n    {}", col_sql(repo, c));
    }
    s.push_str("\n);\n");
    for c in t.created.iter().filter(|c| c.indexed) {
        let _ = writeln!(s, "CREATE INDEX ix_{0}_{1} ON {0} ({1});", t.name, c.name);
    }
    s
}

/// How the generated repository writes its migrations.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum MigrationsKind {
    /// `migrations/NNNN_name.sql`, one statement list per file.
    Sql,
    /// An Alembic script folder: `alembic.ini`, `alembic/env.py` and one
    /// revision per file in `alembic/versions/`, chained by down_revision.
    Alembic,
}

impl MigrationsKind {
    fn name(self) -> &'static str {
        match self {
            MigrationsKind::Sql => "sql",
            MigrationsKind::Alembic => "alembic",
        }
    }
}

/// Writes the repository; returns the number of migration files.
fn write_repo(
    root: &Path,
    n_tables: usize,
    n_migrations: usize,
    dialect: Dialect,
    kind: MigrationsKind,
) -> std::io::Result<usize> {
    let mut repo = generate(n_tables, dialect);
    std::fs::create_dir_all(root.join("app/models"))?;
    let written = match kind {
        MigrationsKind::Sql => write_sql_migrations(root, &mut repo, n_migrations)?,
        MigrationsKind::Alembic => write_alembic_migrations(root, &mut repo, n_migrations)?,
    };
    write_models(root, &mut repo)?;
    Ok(written)
}

fn write_sql_migrations(
    root: &Path,
    repo: &mut Repo,
    n_migrations: usize,
) -> std::io::Result<usize> {
    let dialect = repo.dialect;
    let n_tables = repo.tables.len();
    let mut rng = Lcg(0xbe7c_4a11);
    let mig_dir = root.join("migrations");
    std::fs::create_dir_all(&mig_dir)?;

    // Creation migrations: one table per file while there is room, else
    // several per file; the rest of the budget alters tables, adds indexes and
    // moves data, like a long-lived project.
    let create_files = n_tables.min(n_migrations.max(1));
    let per_file = n_tables.div_ceil(create_files.max(1)).max(1);
    let mut files: Vec<(String, String)> = Vec::with_capacity(n_migrations);
    for chunk in repo.tables.chunks(per_file) {
        let sql: String = chunk
            .iter()
            .map(|t| create_sql(repo, t))
            .collect::<Vec<_>>()
            .join("\n");
        files.push((format!("create_{}", chunk[0].name), sql));
    }
    let mut serial = 0usize;
    while files.len() < n_migrations && !repo.tables.is_empty() {
        let t = rng.below(repo.tables.len());
        let table_name = repo.tables[t].name.clone();
        match rng.below(4) {
            0 | 1 => {
                serial += 1;
                let col = Col {
                    name: format!("extra_{serial}"),
                    kind: Kind::pick(&mut rng),
                    nullable: true,
                    fk: None,
                    indexed: false,
                };
                let sql = format!(
                    "ALTER TABLE {table_name} ADD COLUMN {};\n",
                    col_sql(repo, &col)
                );
                repo.tables[t].added.push(col);
                files.push((format!("add_{table_name}_extra_{serial}"), sql));
            }
            2 => {
                let sql = format!("-- Backfill.\nUPDATE {table_name} SET id = id WHERE id < 0;\n");
                files.push((format!("backfill_{table_name}"), sql));
            }
            _ => {
                let sql = match dialect {
                    Dialect::Postgresql => {
                        format!("COMMENT ON TABLE {table_name} IS 'generated table {t}';\n")
                    }
                    Dialect::Sqlite => {
                        format!("DELETE FROM {table_name} WHERE id < 0;\n")
                    }
                };
                files.push((format!("touch_{table_name}"), sql));
            }
        }
    }
    let width = files.len().to_string().len().max(4);
    for (i, (name, sql)) in files.iter().enumerate() {
        std::fs::write(mig_dir.join(format!("{:0width$}_{name}.sql", i + 1)), sql)?;
    }
    Ok(files.len())
}

/// The type as `alembic revision --autogenerate` renders a model's type.
fn sa_type(kind: Kind) -> String {
    match kind {
        Kind::Int => "sa.Integer()".into(),
        Kind::Str(n) => format!("sa.String(length={n})"),
        Kind::Text => "sa.Text()".into(),
        Kind::Bool => "sa.Boolean()".into(),
        Kind::DateTime => "sa.DateTime()".into(),
        Kind::Numeric => "sa.Numeric(precision=12, scale=2)".into(),
        Kind::Float => "sa.Float()".into(),
    }
}

fn py_bool(b: bool) -> &'static str {
    if b {
        "True"
    } else {
        "False"
    }
}

fn sa_column(c: &Col) -> String {
    format!(
        "sa.Column('{}', {}, nullable={})",
        c.name,
        sa_type(c.kind),
        py_bool(c.nullable)
    )
}

/// One revision file: its message and the bodies of upgrade() and
/// downgrade() (already indented).
struct Revision {
    slug: String,
    message: String,
    upgrade: String,
    downgrade: String,
}

const VARCHAR_LENGTHS: [u32; 4] = [20, 50, 100, 255];

/// Autogenerate-style `create_table` (plus `create_index` for indexed
/// columns) for a few tables, and the downgrade that drops them.
fn alembic_create(repo: &Repo, chunk: &[Table]) -> Revision {
    let mut up = String::new();
    let mut down = String::new();
    for t in chunk {
        let _ = writeln!(
            up,
            "    op.create_table('{}',\n    sa.Column('id', sa.Integer(), nullable=False),",
            t.name
        );
        for c in &t.created {
            let _ = writeln!(up, "    {},", sa_column(c));
        }
        for c in &t.created {
            if let Some(target) = c.fk {
                let _ = writeln!(
                    up,
                    "    sa.ForeignKeyConstraint(['{}'], ['{}.id'], ),",
                    c.name, repo.tables[target].name
                );
            }
        }
        up.push_str("    sa.PrimaryKeyConstraint('id')\n    )\n");
        for c in t.created.iter().filter(|c| c.indexed) {
            let _ = writeln!(
                up,
                "    op.create_index(op.f('ix_{0}_{1}'), '{0}', ['{1}'], unique=False)",
                t.name, c.name
            );
        }
    }
    for t in chunk.iter().rev() {
        for c in t.created.iter().rev().filter(|c| c.indexed) {
            let _ = writeln!(
                down,
                "    op.drop_index(op.f('ix_{0}_{1}'), table_name='{0}')",
                t.name, c.name
            );
        }
        let _ = writeln!(down, "    op.drop_table('{}')", t.name);
    }
    let first = &chunk[0].name;
    Revision {
        slug: format!("create_{first}"),
        message: format!("create {first}"),
        upgrade: up,
        downgrade: down,
    }
}

/// A revision id like Alembic's (12 hex digits), unique within the run.
fn revision_id(rng: &mut Lcg, seen: &mut std::collections::HashSet<String>) -> String {
    loop {
        let id = format!(
            "{:012x}",
            ((rng.next() << 31) ^ rng.next()) & 0xffff_ffff_ffff
        );
        if seen.insert(id.clone()) {
            return id;
        }
    }
}

/// Writes an Alembic project whose revisions, applied in chain order, build
/// the models' schema: creation revisions, then the mix a long-lived
/// autogenerated project accumulates (added columns, widened VARCHARs, late
/// indexes, hand-written data migrations). SQLite revisions alter columns in
/// `batch_alter_table`, as autogenerate does with `render_as_batch=True`.
fn write_alembic_migrations(
    root: &Path,
    repo: &mut Repo,
    n_migrations: usize,
) -> std::io::Result<usize> {
    let dialect = repo.dialect;
    let n_tables = repo.tables.len();
    let mut rng = Lcg(0xa1e6_b1c5);
    let script = root.join("alembic");
    let versions = script.join("versions");
    std::fs::create_dir_all(&versions)?;

    let create_files = n_tables.min(n_migrations.max(1));
    let per_file = n_tables.div_ceil(create_files.max(1)).max(1);
    let mut revisions: Vec<Revision> = Vec::with_capacity(n_migrations);
    for chunk in repo.tables.chunks(per_file) {
        revisions.push(alembic_create(repo, chunk));
    }
    let mut serial = 0usize;
    while revisions.len() < n_migrations && !repo.tables.is_empty() {
        let t = rng.below(repo.tables.len());
        let table = repo.tables[t].name.clone();
        // SQLite cannot ALTER COLUMN: autogenerate renders those in batch
        // mode; Postgres projects use batch mode now and then too.
        let batch = match dialect {
            Dialect::Sqlite => rng.chance(50),
            Dialect::Postgresql => rng.chance(10),
        };
        let mut revision = None;
        match rng.below(6) {
            0 | 1 => {
                serial += 1;
                let col = Col {
                    name: format!("extra_{serial}"),
                    kind: Kind::pick(&mut rng),
                    nullable: true,
                    fk: None,
                    indexed: rng.chance(20),
                };
                // Batch mode (SQLite) is the same calls on `batch_op` inside
                // the block, without the table argument.
                let (block, indent, on, table_arg, drop_index_kw) = if batch {
                    (
                        format!(
                            "    with op.batch_alter_table('{table}', schema=None) as batch_op:\n"
                        ),
                        "        ",
                        "batch_op",
                        String::new(),
                        String::new(),
                    )
                } else {
                    (
                        String::new(),
                        "    ",
                        "op",
                        format!("'{table}', "),
                        format!(", table_name='{table}'"),
                    )
                };
                let mut up = format!(
                    "{block}{indent}{on}.add_column({table_arg}{})\n",
                    sa_column(&col)
                );
                let mut down = block;
                if col.indexed {
                    let _ = writeln!(
                        up,
                        "{indent}{on}.create_index({on}.f('ix_{table}_{0}'), {table_arg}['{0}'], unique=False)",
                        col.name
                    );
                    let _ = writeln!(
                        down,
                        "{indent}{on}.drop_index({on}.f('ix_{table}_{}'){drop_index_kw})",
                        col.name
                    );
                }
                let _ = writeln!(down, "{indent}{on}.drop_column({table_arg}'{}')", col.name);
                revision = Some(Revision {
                    slug: format!("add_{table}_{}", col.name),
                    message: format!("add {table}.{}", col.name),
                    upgrade: up,
                    downgrade: down,
                });
                repo.tables[t].added.push(col);
            }
            2 => {
                // Widen a VARCHAR the model has since made longer.
                let tab = &mut repo.tables[t];
                let narrow: Vec<usize> = (0..tab.created.len() + tab.added.len())
                    .filter(|&i| {
                        let c = tab
                            .created
                            .get(i)
                            .or_else(|| tab.added.get(i - tab.created.len()));
                        matches!(c.map(|c| c.kind), Some(Kind::Str(n)) if n < 255)
                    })
                    .collect();
                if !narrow.is_empty() {
                    let i = narrow[rng.below(narrow.len())];
                    let n_created = tab.created.len();
                    let col = if i < n_created {
                        &mut tab.created[i]
                    } else {
                        &mut tab.added[i - n_created]
                    };
                    if let Kind::Str(old) = col.kind {
                        let new = VARCHAR_LENGTHS
                            .iter()
                            .copied()
                            .find(|&n| n > old)
                            .unwrap_or(255);
                        col.kind = Kind::Str(new);
                        let name = col.name.clone();
                        let nullable = py_bool(col.nullable);
                        let alter = |from: u32, to: u32| {
                            if dialect == Dialect::Sqlite || batch {
                                format!(
                                    "    with op.batch_alter_table('{table}', schema=None) as batch_op:\n        batch_op.alter_column('{name}',\n               existing_type=sa.VARCHAR(length={from}),\n               type_=sa.String(length={to}),\n               existing_nullable={nullable})\n"
                                )
                            } else {
                                format!(
                                    "    op.alter_column('{table}', '{name}',\n               existing_type=sa.VARCHAR(length={from}),\n               type_=sa.String(length={to}),\n               existing_nullable={nullable})\n"
                                )
                            }
                        };
                        revision = Some(Revision {
                            slug: format!("widen_{table}_{name}"),
                            message: format!("longer {table}.{name}"),
                            upgrade: alter(old, new),
                            downgrade: alter(new, old),
                        });
                    }
                }
            }
            3 => {
                // Index a column that has been queried a lot since.
                let tab = &mut repo.tables[t];
                let n_created = tab.created.len();
                let plain: Vec<usize> = tab
                    .created
                    .iter()
                    .chain(&tab.added)
                    .enumerate()
                    .filter(|(_, c)| !c.indexed)
                    .map(|(i, _)| i)
                    .collect();
                if !plain.is_empty() {
                    let i = plain[rng.below(plain.len())];
                    let col = if i < n_created {
                        &mut tab.created[i]
                    } else {
                        &mut tab.added[i - n_created]
                    };
                    col.indexed = true;
                    let name = col.name.clone();
                    revision = Some(Revision {
                        slug: format!("index_{table}_{name}"),
                        message: format!("index {table}.{name}"),
                        upgrade: format!(
                            "    op.create_index(op.f('ix_{table}_{name}'), '{table}', ['{name}'], unique=False)\n"
                        ),
                        downgrade: format!(
                            "    op.drop_index(op.f('ix_{table}_{name}'), table_name='{table}')\n"
                        ),
                    });
                }
            }
            _ => {}
        }
        // Hand-written data migrations, and the fallback when the table had
        // no column to widen or index.
        revisions.push(revision.unwrap_or_else(|| Revision {
            slug: format!("backfill_{table}"),
            message: format!("backfill {table}"),
            upgrade: format!("    op.execute(\"UPDATE {table} SET id = id WHERE id < 0\")\n"),
            downgrade: "    pass\n".into(),
        }));
    }

    let mut ids = std::collections::HashSet::new();
    let mut down_revision: Option<String> = None;
    for (i, r) in revisions.iter().enumerate() {
        let rev = revision_id(&mut rng, &mut ids);
        let revises = down_revision.as_deref().unwrap_or("");
        let down_repr = down_revision
            .as_deref()
            .map_or("None".to_string(), |d| format!("'{d}'"));
        let text = format!(
            "\"\"\"{message}\n\nRevision ID: {rev}\nRevises: {revises}\nCreate Date: 2026-01-01 00:00:00.{i:06}\n\n\"\"\"\n\
             from typing import Sequence, Union\n\n\
             from alembic import op\n\
             import sqlalchemy as sa\n\n\n\
             # revision identifiers, used by Alembic.\n\
             revision: str = '{rev}'\n\
             down_revision: Union[str, Sequence[str], None] = {down_repr}\n\
             branch_labels: Union[str, Sequence[str], None] = None\n\
             depends_on: Union[str, Sequence[str], None] = None\n\n\n\
             def upgrade() -> None:\n    \"\"\"Upgrade schema.\"\"\"\n    \
             # ### commands auto generated by Alembic - please adjust! ###\n\
             {up}    # ### end Alembic commands ###\n\n\n\
             def downgrade() -> None:\n    \"\"\"Downgrade schema.\"\"\"\n    \
             # ### commands auto generated by Alembic - please adjust! ###\n\
             {down}    # ### end Alembic commands ###\n",
            message = r.message,
            up = r.upgrade,
            down = r.downgrade,
        );
        std::fs::write(versions.join(format!("{rev}_{}.py", r.slug)), text)?;
        down_revision = Some(rev);
    }

    std::fs::write(
        root.join("alembic.ini"),
        format!(
            "[alembic]\nscript_location = %(here)s/alembic\nprepend_sys_path = .\n\
             path_separator = os\nsqlalchemy.url = {}\n\n\
             [loggers]\nkeys = root\n\n[handlers]\nkeys = console\n\n\
             [formatters]\nkeys = generic\n\n\
             [logger_root]\nlevel = WARNING\nhandlers = console\nqualname =\n\n\
             [handler_console]\nclass = StreamHandler\nargs = (sys.stderr,)\n\
             level = NOTSET\nformatter = generic\n\n\
             [formatter_generic]\nformat = %(levelname)-5.5s [%(name)s] %(message)s\n",
            database_url(dialect)
        ),
    )?;
    let batch = py_bool(dialect == Dialect::Sqlite);
    std::fs::write(
        script.join("env.py"),
        format!(
            "from logging.config import fileConfig\n\n\
             from sqlalchemy import engine_from_config, pool\n\n\
             from alembic import context\n\n\
             import app.models  # noqa: F401  (registers every model on Base)\n\
             from app.database import Base\n\n\
             config = context.config\n\
             if config.config_file_name is not None:\n    fileConfig(config.config_file_name)\n\n\
             target_metadata = Base.metadata\n\n\n\
             def run_migrations_offline() -> None:\n    \
             url = config.get_main_option(\"sqlalchemy.url\")\n    \
             context.configure(\n        url=url,\n        target_metadata=target_metadata,\n        \
             literal_binds=True,\n        render_as_batch={batch},\n    )\n    \
             with context.begin_transaction():\n        context.run_migrations()\n\n\n\
             def run_migrations_online() -> None:\n    \
             connectable = engine_from_config(\n        \
             config.get_section(config.config_ini_section, {{}}),\n        \
             prefix=\"sqlalchemy.\",\n        poolclass=pool.NullPool,\n    )\n    \
             with connectable.connect() as connection:\n        \
             context.configure(\n            connection=connection,\n            \
             target_metadata=target_metadata,\n            render_as_batch={batch},\n        )\n        \
             with context.begin_transaction():\n            context.run_migrations()\n\n\n\
             if context.is_offline_mode():\n    run_migrations_offline()\n\
             else:\n    run_migrations_online()\n"
        ),
    )?;
    std::fs::write(
        script.join("script.py.mako"),
        "\"\"\"${message}\n\nRevision ID: ${up_revision}\nRevises: ${down_revision | comma,n}\n\
         Create Date: ${create_date}\n\n\"\"\"\n\
         from alembic import op\nimport sqlalchemy as sa\n${imports if imports else \"\"}\n\n\
         revision = ${repr(up_revision)}\ndown_revision = ${repr(down_revision)}\n\
         branch_labels = ${repr(branch_labels)}\ndepends_on = ${repr(depends_on)}\n\n\n\
         def upgrade() -> None:\n    ${upgrades if upgrades else \"pass\"}\n\n\n\
         def downgrade() -> None:\n    ${downgrades if downgrades else \"pass\"}\n",
    )?;
    Ok(revisions.len())
}

fn database_url(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Sqlite => "sqlite:///./bench.db",
        Dialect::Postgresql => "postgresql+psycopg2://bench@localhost/bench",
    }
}

/// Writes the SQLAlchemy models (the final schema, plus two drifts), the
/// engine module and migraguard.toml.
fn write_models(root: &Path, repo: &mut Repo) -> std::io::Result<()> {
    let dialect = repo.dialect;
    // Two drifts the check must find: model columns no migration adds.
    for (i, t) in repo.tables.iter_mut().enumerate().take(2) {
        t.added.push(Col {
            name: format!("drift_{i}"),
            kind: Kind::Text,
            nullable: true,
            fk: None,
            indexed: false,
        });
    }

    let url = database_url(dialect);
    std::fs::write(root.join("app/__init__.py"), "")?;
    std::fs::write(
        root.join("app/database.py"),
        format!(
            "from sqlalchemy import create_engine\nfrom sqlalchemy.orm import declarative_base\n\n\
             engine = create_engine(\"{url}\")\nBase = declarative_base()\n"
        ),
    )?;
    std::fs::write(
        root.join("migraguard.toml"),
        format!("dialect = \"{}\"\n", dialect.name()),
    )?;
    let mut init = String::new();
    for (f, chunk) in repo.tables.chunks(20).enumerate() {
        let mut py = String::from(
            "from sqlalchemy import (\n    Boolean,\n    Column,\n    DateTime,\n    Float,\n    \
             ForeignKey,\n    Integer,\n    Numeric,\n    String,\n    Text,\n)\n\n\
             from app.database import Base\n",
        );
        for t in chunk {
            let _ = write!(
                py,
                "\n\nclass {}(Base):\n    __tablename__ = \"{}\"\n\n    id = Column(Integer, primary_key=True)\n",
                t.class, t.name
            );
            for c in t.created.iter().chain(&t.added) {
                let mut args = c.kind.python();
                if let Some(target) = c.fk {
                    let _ = write!(args, ", ForeignKey(\"{}.id\")", repo.tables[target].name);
                }
                if !c.nullable {
                    args.push_str(", nullable=False");
                }
                if c.indexed {
                    args.push_str(", index=True");
                }
                let _ = writeln!(py, "    {} = Column({args})", c.name);
            }
        }
        std::fs::write(root.join(format!("app/models/models_{f:03}.py")), py)?;
        let _ = writeln!(
            init,
            "from app.models.models_{f:03} import *  # noqa: F401,F403"
        );
    }
    std::fs::write(root.join("app/models/__init__.py"), init)?;
    Ok(())
}

struct Options {
    tables: Option<usize>,
    migrations: Option<usize>,
    runs: usize,
    dialect: Dialect,
    /// None: both kinds (SQL first, then Alembic).
    kind: Option<MigrationsKind>,
    bin: Option<PathBuf>,
    emit: Option<PathBuf>,
}

fn parse_args() -> Result<Options, String> {
    let mut o = Options {
        tables: None,
        migrations: None,
        runs: 5,
        dialect: Dialect::Sqlite,
        kind: None,
        bin: None,
        emit: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        let number = |s: String, name: &str| {
            s.parse::<usize>()
                .map_err(|_| format!("{name} wants a number, got {s:?}"))
        };
        match a.as_str() {
            "--tables" => o.tables = Some(number(value("--tables")?, "--tables")?),
            "--migrations" => o.migrations = Some(number(value("--migrations")?, "--migrations")?),
            "--runs" => o.runs = number(value("--runs")?, "--runs")?.max(1),
            "--dialect" => {
                o.dialect = match value("--dialect")?.as_str() {
                    "sqlite" => Dialect::Sqlite,
                    "postgresql" | "postgres" => Dialect::Postgresql,
                    other => return Err(format!("unknown dialect {other:?}")),
                }
            }
            "--migrations-kind" => {
                o.kind = match value("--migrations-kind")?.as_str() {
                    "sql" => Some(MigrationsKind::Sql),
                    "alembic" => Some(MigrationsKind::Alembic),
                    "both" => None,
                    other => return Err(format!("unknown migrations kind {other:?}")),
                }
            }
            "--bin" => o.bin = Some(PathBuf::from(value("--bin")?)),
            "--emit" => o.emit = Some(PathBuf::from(value("--emit")?)),
            "-h" | "--help" => {
                println!(
                    "migraguard-bench [--tables N --migrations M] [--runs R] \
                     [--dialect sqlite|postgresql] [--migrations-kind sql|alembic|both] \
                     [--bin PATH] [--emit DIR]\n\
                     Without --tables/--migrations, runs the SPEC presets: typical \
                     (200 tables, 500 migrations) and large (2000, 5000), with SQL \
                     migrations and with Alembic revisions (typical-alembic, large-alembic) \
                     unless --migrations-kind picks one. --emit writes SQL unless \
                     --migrations-kind alembic."
                );
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other:?} (try --help)")),
        }
    }
    Ok(o)
}

/// One run of the binary: wall time, exit code (None when killed by a
/// signal) and the run's own peak resident set in KiB when the OS says it.
#[cfg(unix)]
fn run_once(cmd: &mut Command) -> Result<(Duration, Option<i32>, Option<u64>), String> {
    let start = Instant::now();
    let child = cmd.spawn().map_err(|e| e.to_string())?;
    let Ok(pid) = libc::pid_t::try_from(child.id()) else {
        return Err(format!("process id {} out of range", child.id()));
    };
    let mut status: libc::c_int = 0;
    let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
    // wait4 (not Child::wait) reaps this one child and reports its own
    // rusage, so each preset's peak is its own rather than the largest of
    // every child so far. `child` is dropped afterwards without a wait.
    // SAFETY: wait4 only writes into the two out-parameters we pass.
    let rc = unsafe { libc::wait4(pid, &mut status, 0, usage.as_mut_ptr()) };
    let took = start.elapsed();
    drop(child);
    if rc != pid {
        return Err(format!("wait4: {}", std::io::Error::last_os_error()));
    }
    // SAFETY: wait4 returned the pid, so it filled in the struct.
    let usage = unsafe { usage.assume_init() };
    let code = libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
    Ok((took, code, u64::try_from(usage.ru_maxrss).ok()))
}

#[cfg(not(unix))]
fn run_once(cmd: &mut Command) -> Result<(Duration, Option<i32>, Option<u64>), String> {
    let start = Instant::now();
    let status = cmd.status().map_err(|e| e.to_string())?;
    Ok((start.elapsed(), status.code(), None))
}

struct Preset {
    name: String,
    tables: usize,
    migrations: usize,
    kind: MigrationsKind,
    budget_ms: u64,
    budget_mb: Option<u64>,
}

fn bench(bin: &Path, preset: &Preset, runs: usize, dialect: Dialect) -> Result<(), String> {
    let dir = std::env::temp_dir().join(format!(
        "migraguard-bench-{}-{}",
        preset.name,
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    let files = write_repo(&dir, preset.tables, preset.migrations, dialect, preset.kind)
        .map_err(|e| format!("writing {}: {e}", dir.display()))?;
    // Committed, as a real project is: a plain check inside git compares
    // each file a safety finding names with HEAD (outside git it does not).
    git(&dir, &["init", "-q"])?;
    git(&dir, &["add", "-A"])?;
    git(&dir, &["commit", "-q", "-m", "generated"])?;
    let mut times: Vec<Duration> = Vec::with_capacity(runs);
    let mut exit = None;
    let mut peak_kib: Option<u64> = None;
    // One warm-up run fills the page cache, like a hook run after an edit.
    for i in 0..=runs {
        let (took, code, rss) = run_once(
            Command::new(bin)
                .arg("check")
                .arg(&dir)
                .args(["--format", "json"])
                .stdout(Stdio::null())
                .stderr(Stdio::null()),
        )
        .map_err(|e| format!("running {}: {e}", bin.display()))?;
        exit = code;
        peak_kib = peak_kib.max(rss);
        if i > 0 {
            times.push(took);
        }
    }
    let rss_mb = peak_kib.map(|k| k as f64 / 1024.0);
    let _ = std::fs::remove_dir_all(&dir);
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let median = times[times.len() / 2];
    let min = times[0];
    let max = times[times.len() - 1];
    let budget = match preset.budget_mb {
        Some(mb) => format!("{} ms, {mb} MB", preset.budget_ms),
        None => format!("{} ms", preset.budget_ms),
    };
    let verdict = if ms(median) <= preset.budget_ms as f64
        && preset
            .budget_mb
            .zip(rss_mb)
            .is_none_or(|(b, got)| got <= b as f64)
    {
        "ok"
    } else {
        "OVER"
    };
    println!(
        "{:<15} {:>6} {:>10} {:>5} {:>8.1} {:>9.1} {:>8.1} {:>9} {:>5}  {budget:<16} {verdict}",
        preset.name,
        preset.tables,
        files,
        runs,
        ms(min),
        ms(median),
        ms(max),
        rss_mb.map_or("?".into(), |m| format!("{m:.1}")),
        exit.map_or("sig".into(), |c| c.to_string()),
    );
    Ok(())
}

/// Median wall time of `runs` in-process runs of the CLI (after one warm-up).
fn time_in_process(args: &[&str], runs: usize) -> (Duration, i32) {
    let argv: Vec<std::ffi::OsString> = args.iter().map(Into::into).collect();
    let mut code = migraguard::cli::run(argv.clone());
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            code = migraguard::cli::run(argv.clone());
            start.elapsed()
        })
        .collect();
    times.sort();
    (times[times.len() / 2], code)
}

fn git(dir: &Path, args: &[&str]) -> Result<(), String> {
    let status = Command::new("git")
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .args([
            "-c",
            "user.name=bench",
            "-c",
            "user.email=bench@example.com",
        ])
        .args(args)
        .stdout(Stdio::null())
        .status()
        .map_err(|e| format!("running git: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("git {args:?} failed"))
    }
}

/// What `--staged` costs over a plain check on the typical preset: once with
/// a staged model edit (HEAD must be checked too) and once with a staged
/// change no check input sees (HEAD is known to agree and is not re-run).
fn bench_staged(runs: usize, dialect: Dialect, kind: MigrationsKind) -> Result<(), String> {
    let dir = std::env::temp_dir().join(format!(
        "migraguard-bench-staged-{}-{}",
        kind.name(),
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    write_repo(&dir, 200, 500, dialect, kind)
        .map_err(|e| format!("writing {}: {e}", dir.display()))?;
    git(&dir, &["init", "-q"])?;
    git(&dir, &["add", "-A"])?;
    git(&dir, &["commit", "-q", "-m", "generated"])?;
    let root = dir.to_string_lossy().into_owned();
    let plain = [
        "migraguard",
        "check",
        &root,
        "--format",
        "json",
        "-o",
        "/dev/null",
    ];
    let staged = [&plain[..], &["--staged"]].concat();
    let label = match kind {
        MigrationsKind::Sql => "staged",
        MigrationsKind::Alembic => "staged-alembic",
    };
    let line = |what: &str, (p, pc): (Duration, i32), (s, sc): (Duration, i32)| {
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let extra = ms(s) - ms(p);
        let verdict = if extra <= 20.0 { "ok" } else { "OVER" };
        println!(
            "{label:<15} {what:<28} plain {:>6.1} ms (exit {pc})  --staged {:>6.1} ms (exit {sc})  {extra:+.1} ms  budget +20 ms  {verdict}",
            ms(p),
            ms(s),
        );
    };

    std::fs::write(dir.join("NOTES.md"), "unrelated\n").map_err(|e| e.to_string())?;
    git(&dir, &["add", "NOTES.md"])?;
    line(
        "(a change no input sees)",
        time_in_process(&plain, runs),
        time_in_process(&staged, runs),
    );

    let model = dir.join("app/models/models_000.py");
    let mut text = std::fs::read_to_string(&model).map_err(|e| e.to_string())?;
    text.push_str("\n# touched\n");
    std::fs::write(&model, text).map_err(|e| e.to_string())?;
    git(&dir, &["add", "app/models/models_000.py"])?;
    line(
        "(a staged model edit)",
        time_in_process(&plain, runs),
        time_in_process(&staged, runs),
    );
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

fn main() {
    let opts = match parse_args() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("migraguard-bench: {e}");
            std::process::exit(2);
        }
    };
    if let Some(dir) = &opts.emit {
        let tables = opts.tables.unwrap_or(200);
        let migrations = opts.migrations.unwrap_or(500);
        let kind = opts.kind.unwrap_or(MigrationsKind::Sql);
        match write_repo(dir, tables, migrations, opts.dialect, kind) {
            Ok(n) => println!(
                "wrote {tables} tables and {n} {} migrations ({}) to {}",
                kind.name(),
                opts.dialect.name(),
                dir.display()
            ),
            Err(e) => {
                eprintln!("migraguard-bench: writing {}: {e}", dir.display());
                std::process::exit(2);
            }
        }
        return;
    }
    let bin = opts.bin.clone().unwrap_or_else(|| {
        let exe = std::env::current_exe().unwrap_or_default();
        exe.with_file_name(format!("migraguard{}", std::env::consts::EXE_SUFFIX))
    });
    if !bin.is_file() {
        eprintln!(
            "migraguard-bench: {} not found; build it first (cargo build --release --bins) or pass --bin",
            bin.display()
        );
        std::process::exit(2);
    }
    let kinds = match opts.kind {
        Some(k) => vec![k],
        None => vec![MigrationsKind::Sql, MigrationsKind::Alembic],
    };
    let sizes: Vec<(&str, usize, usize)> = match (opts.tables, opts.migrations) {
        (None, None) => vec![("typical", 200, 500), ("large", 2000, 5000)],
        (t, m) => vec![("custom", t.unwrap_or(200), m.unwrap_or(500))],
    };
    let mut presets: Vec<Preset> = Vec::new();
    for &kind in &kinds {
        for &(size, tables, migrations) in &sizes {
            // Up to the typical size the hook budget applies, beyond it the large one.
            let typical = tables <= 200 && migrations <= 500;
            presets.push(Preset {
                name: match kind {
                    MigrationsKind::Sql => size.to_string(),
                    MigrationsKind::Alembic => format!("{size}-alembic"),
                },
                tables,
                migrations,
                kind,
                budget_ms: if typical { 50 } else { 1000 },
                budget_mb: if typical { None } else { Some(200) },
            });
        }
    }
    println!(
        "binary: {}  dialect: {}",
        bin.display(),
        opts.dialect.name()
    );
    println!(
        "{:<15} {:>6} {:>10} {:>5} {:>8} {:>9} {:>8} {:>9} {:>5}  {:<16}",
        "preset",
        "tables",
        "migrations",
        "runs",
        "min ms",
        "median ms",
        "max ms",
        "peak MB",
        "exit",
        "budget (SPEC §9)"
    );
    for p in &presets {
        if let Err(e) = bench(&bin, p, opts.runs, opts.dialect) {
            eprintln!("migraguard-bench: {e}");
            std::process::exit(2);
        }
    }
    for &kind in &kinds {
        let typical = presets
            .iter()
            .any(|p| p.kind == kind && p.tables == 200 && p.migrations == 500);
        if typical {
            if let Err(e) = bench_staged(opts.runs.max(5), opts.dialect, kind) {
                eprintln!("migraguard-bench: --staged: {e}");
                std::process::exit(2);
            }
        }
    }
    println!(
        "exit 1 is expected: each repository has two model columns no migration adds (MG102).\n\
         peak MB is the largest resident set of one run of the preset (wait4 rusage)."
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_sorted(dir: &Path) -> Vec<(String, String)> {
        let mut files: Vec<(String, String)> = std::fs::read_dir(dir)
            .expect("dir")
            .filter_map(|e| e.ok())
            .map(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                let text = std::fs::read_to_string(e.path()).expect("text");
                (name, text)
            })
            .collect();
        files.sort();
        files
    }

    #[test]
    fn generator_is_deterministic() {
        let a = tempfile::tempdir().expect("tmp");
        let b = tempfile::tempdir().expect("tmp");
        write_repo(a.path(), 30, 80, Dialect::Sqlite, MigrationsKind::Sql).expect("write");
        write_repo(b.path(), 30, 80, Dialect::Sqlite, MigrationsKind::Sql).expect("write");
        assert_eq!(
            read_sorted(&a.path().join("migrations")),
            read_sorted(&b.path().join("migrations"))
        );
        assert_eq!(
            read_sorted(&a.path().join("app/models")),
            read_sorted(&b.path().join("app/models"))
        );
    }

    #[test]
    fn writes_the_requested_number_of_files() {
        for (tables, migrations) in [(10, 3), (10, 10), (25, 60), (0, 0)] {
            let dir = tempfile::tempdir().expect("tmp");
            let n = write_repo(
                dir.path(),
                tables,
                migrations,
                Dialect::Postgresql,
                MigrationsKind::Sql,
            )
            .expect("write");
            let on_disk = std::fs::read_dir(dir.path().join("migrations"))
                .expect("dir")
                .count();
            assert_eq!(n, on_disk);
            if tables > 0 {
                assert_eq!(n, migrations, "{tables} tables, {migrations} migrations");
            }
            // 20 classes per model file.
            let model_files = std::fs::read_dir(dir.path().join("app/models"))
                .expect("dir")
                .filter(|e| {
                    e.as_ref()
                        .is_ok_and(|e| e.file_name().to_string_lossy().starts_with("models_"))
                })
                .count();
            assert_eq!(model_files, tables.div_ceil(20));
        }
    }

    /// The migrations run on a real SQLite database and leave exactly the
    /// model columns minus the two deliberate drifts.
    #[test]
    fn sqlite_migrations_apply_and_match_the_models_but_two_columns() {
        let dir = tempfile::tempdir().expect("tmp");
        write_repo(dir.path(), 60, 150, Dialect::Sqlite, MigrationsKind::Sql).expect("write");
        let db = rusqlite::Connection::open_in_memory().expect("db");
        for (name, sql) in read_sorted(&dir.path().join("migrations")) {
            db.execute_batch(&sql)
                .unwrap_or_else(|e| panic!("{name}: {e}\n{sql}"));
        }
        let tables: i64 = db
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table'",
                [],
                |r| r.get(0),
            )
            .expect("count");
        assert_eq!(tables, 60);
        let db_columns: i64 = db
            .query_row(
                "SELECT count(*) FROM sqlite_master m, pragma_table_info(m.name) WHERE m.type = 'table'",
                [],
                |r| r.get(0),
            )
            .expect("count");
        let model_columns = read_sorted(&dir.path().join("app/models"))
            .iter()
            .map(|(_, py)| py.matches(" = Column(").count())
            .sum::<usize>();
        assert_eq!(model_columns as i64, db_columns + 2);
    }

    /// `down_revision` of each revision file in `versions`, keyed by revision.
    fn alembic_chain(versions: &Path) -> Vec<(String, Option<String>)> {
        read_sorted(versions)
            .iter()
            .map(|(name, py)| {
                let quoted = |prefix: &str| {
                    py.lines()
                        .find_map(|l| l.strip_prefix(prefix))
                        .and_then(|rest| rest.split('\'').nth(1))
                        .map(str::to_string)
                };
                let rev = quoted("revision: str = ").expect("revision");
                assert!(name.starts_with(&rev), "{name} is not named by {rev}");
                (rev, quoted("down_revision: "))
            })
            .collect()
    }

    #[test]
    fn alembic_revisions_form_one_chain_of_the_requested_length() {
        for (tables, migrations) in [(10, 3), (25, 60)] {
            let dir = tempfile::tempdir().expect("tmp");
            let n = write_repo(
                dir.path(),
                tables,
                migrations,
                Dialect::Sqlite,
                MigrationsKind::Alembic,
            )
            .expect("write");
            assert_eq!(n, migrations);
            let chain = alembic_chain(&dir.path().join("alembic/versions"));
            assert_eq!(chain.len(), migrations);
            let revs: std::collections::HashSet<&str> =
                chain.iter().map(|(r, _)| r.as_str()).collect();
            assert_eq!(revs.len(), migrations, "revision ids are unique");
            let bases = chain.iter().filter(|(_, down)| down.is_none()).count();
            assert_eq!(bases, 1, "one base revision");
            let mut parents: Vec<&str> = chain.iter().filter_map(|(_, d)| d.as_deref()).collect();
            parents.sort();
            parents.dedup();
            assert_eq!(parents.len(), migrations - 1, "no branch: one head");
            assert!(parents.iter().all(|p| revs.contains(p)));
        }
    }

    #[test]
    fn alembic_generator_is_deterministic() {
        let a = tempfile::tempdir().expect("tmp");
        let b = tempfile::tempdir().expect("tmp");
        for d in [&a, &b] {
            write_repo(
                d.path(),
                30,
                80,
                Dialect::Postgresql,
                MigrationsKind::Alembic,
            )
            .expect("write");
        }
        for sub in ["alembic/versions", "app/models"] {
            assert_eq!(
                read_sorted(&a.path().join(sub)),
                read_sorted(&b.path().join(sub))
            );
        }
    }

    /// The check finds the two deliberate drifts and nothing else: the
    /// revisions build exactly the models' schema, every op kind included.
    /// (Real Alembic agrees on SQLite: `alembic upgrade head` then
    /// `alembic check` lists the same two add_column operations.)
    #[test]
    fn alembic_repository_has_exactly_the_two_drifts() {
        for dialect in [Dialect::Sqlite, Dialect::Postgresql] {
            let dir = tempfile::tempdir().expect("tmp");
            write_repo(dir.path(), 40, 200, dialect, MigrationsKind::Alembic).expect("write");
            let versions = read_sorted(&dir.path().join("alembic/versions"));
            for op in [
                "op.create_table(",
                "op.add_column(",
                "alter_column(",
                "op.create_index(",
                "op.batch_alter_table(",
                "op.execute(",
            ] {
                assert!(
                    versions.iter().any(|(_, py)| py.contains(op)),
                    "{dialect:?}: no revision uses {op}"
                );
            }
            let out = dir.path().join("report.json");
            let root = dir.path().to_string_lossy().into_owned();
            let report = out.to_string_lossy().into_owned();
            let code = migraguard::cli::run(
                [
                    "migraguard",
                    "check",
                    &root,
                    "--format",
                    "json",
                    "-o",
                    &report,
                ]
                .iter()
                .map(Into::into)
                .collect(),
            );
            let json: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&out).expect("report"))
                    .expect("json");
            let mut found: Vec<String> = json["findings"]
                .as_array()
                .expect("findings")
                .iter()
                .map(|f| format!("{} {}", f["rule"], f["message"]))
                .collect();
            found.sort();
            assert_eq!(code, 1, "{dialect:?}: {found:?}");
            assert_eq!(found.len(), 2, "{dialect:?}: {found:?}");
            assert!(
                found.iter().all(|f| f.starts_with("\"MG102\"")),
                "{found:?}"
            );
            assert_eq!(json["summary"]["migrations"], 200);
        }
    }

    #[test]
    fn lcg_below_stays_in_range() {
        let mut rng = Lcg(1);
        assert!((0..1000).all(|_| rng.below(7) < 7));
        assert_eq!(rng.below(0), 0);
    }
}
