//! MG401: `create_engine(..., poolclass=StaticPool)` for a database that is
//! not an in-memory SQLite (seed 004: one connection shared by every request
//! of a web app, 59% of requests timing out under load).
//!
//! StaticPool hands out the same single connection forever. That is exactly
//! what an in-memory SQLite database needs (each new connection would be a
//! new, empty database), and wrong for anything else. The URL is resolved as
//! far as the sources allow: literals, module constants, f-strings,
//! `os.getenv(name, default)`, and attributes of a settings object built from
//! a class in the repository (pydantic `BaseSettings` and plain classes).
//!
//! When the URL cannot be resolved (an environment variable without default,
//! a settings getter) the engine is still reported: StaticPool is only ever
//! right for in-memory SQLite, an application that takes its URL from its
//! deployment configuration is the seed's shape, and test files (where the
//! in-memory pattern lives) are not read at all. The one unresolved case that
//! stays silent is a URL that is a parameter of the enclosing function
//! without a default: an engine factory, whose callers we do not follow.

use crate::findings::Finding;
use crate::models::python::{self, kwarg, Program, PyFile, Resolved};
use crate::rules::MG401;
use crate::snapshot::Snapshot;
use rayon::prelude::*;
use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{
    Expr, ExprCall, FStringPart, InterpolatedStringElement, Operator, Stmt, StmtClassDef,
};
use ruff_text_size::Ranged;
use std::collections::{HashMap, HashSet};

/// Bounds on the settings modules loaded besides the files naming StaticPool.
const IMPORT_ROUNDS: usize = 3;
const MAX_FILES: usize = 256;
const MAX_DEPTH: usize = 16;
/// Stands for a part of a URL that could not be resolved.
const UNKNOWN: char = '\u{1}';

/// Scans the Python files of the snapshot for engines built on StaticPool.
pub fn check(snapshot: &dyn Snapshot) -> Vec<Finding> {
    // Alembic revision files are skipped: read once, by the Alembic frontend.
    let revisions = crate::discover::alembic::all_revision_files(snapshot);
    let python: Vec<&String> = snapshot
        .files()
        .iter()
        .filter(|p| p.ends_with(".py") && !vendored(p) && !revisions.contains(p))
        .collect();
    let engine_sources: Vec<crate::source::SourceFile> = python
        .par_iter()
        .filter(|p| !crate::discover::is_test_path(p))
        .filter_map(|p| snapshot.read_lossy(p).ok())
        .filter(|s| s.text.contains("StaticPool"))
        .collect();
    if engine_sources.is_empty() {
        return Vec::new();
    }
    let engine_count = engine_sources.len();
    let mut files: Vec<PyFile> = engine_sources
        .into_par_iter()
        .map(python::parse_file)
        .collect();
    load_imported(snapshot, &python, &mut files);
    let program = Program::new(&files);
    let mut findings = Vec::new();
    for (file, parsed) in files.iter().enumerate().take(engine_count) {
        let mut scan = Scan {
            program: &program,
            file,
            source: parsed,
            frames: Vec::new(),
            target: None,
            ordinal: 0,
            findings: Vec::new(),
        };
        for stmt in &parsed.ast.body {
            scan.visit_stmt(stmt);
        }
        findings.append(&mut scan.findings);
    }
    findings
}

/// Installed packages: not the application's engine. The snapshot already
/// leaves out the common ones (`SKIPPED_DIRS`: site-packages, virtualenvs,
/// node_modules, .tox...); these two only matter here.
fn vendored(path: &str) -> bool {
    path.split('/')
        .any(|c| matches!(c, "dist-packages" | "__pypackages__"))
}

/// Parses the modules the engine files import (settings, config), a few
/// rounds deep, so `settings.DATABASE_URL` resolves to its class default.
fn load_imported(snapshot: &dyn Snapshot, python: &[&String], files: &mut Vec<PyFile>) {
    let by_module: HashMap<String, &str> = python
        .iter()
        .map(|p| (python::module_of(p).0, p.as_str()))
        .collect();
    let mut loaded: HashSet<String> = files.iter().map(|f| f.source.path.to_string()).collect();
    let mut frontier = 0;
    for _ in 0..IMPORT_ROUNDS {
        let mut wanted: Vec<&str> = Vec::new();
        for f in files.get(frontier..).unwrap_or_default() {
            for module in imported_modules(f) {
                if let Some(path) = module_path(&by_module, &module) {
                    if loaded.insert(path.to_string()) {
                        wanted.push(path);
                    }
                }
            }
        }
        if wanted.is_empty() || files.len() >= MAX_FILES {
            return;
        }
        wanted.truncate(MAX_FILES.saturating_sub(files.len()));
        frontier = files.len();
        let mut parsed: Vec<PyFile> = wanted
            .par_iter()
            .filter_map(|p| snapshot.read_lossy(p).ok())
            .map(python::parse_file)
            .collect();
        files.append(&mut parsed);
    }
}

/// The file of a dotted module: exact, else the one path that ends with it
/// (the repository root is often not the import root).
fn module_path<'a>(by_module: &HashMap<String, &'a str>, module: &str) -> Option<&'a str> {
    if let Some(p) = by_module.get(module) {
        return Some(p);
    }
    let suffix = format!(".{module}");
    let mut hits = by_module.iter().filter(|(m, _)| m.ends_with(&suffix));
    let first = hits.next()?;
    hits.next().is_none().then_some(*first.1)
}

/// Modules a file imports, at any depth of its statements; for
/// `from m import n` both `m` and `m.n` (which may be a submodule).
fn imported_modules(file: &PyFile) -> Vec<String> {
    struct Imports<'f> {
        package: &'f str,
        out: Vec<String>,
    }
    impl<'a> Visitor<'a> for Imports<'_> {
        fn visit_stmt(&mut self, stmt: &'a Stmt) {
            match stmt {
                Stmt::Import(i) => self
                    .out
                    .extend(i.names.iter().map(|a| a.name.as_str().to_string())),
                Stmt::ImportFrom(i) => {
                    let module = python::absolute_module(
                        self.package,
                        i.level,
                        i.module.as_ref().map(|m| m.as_str()),
                    );
                    for a in &i.names {
                        if a.name.as_str() != "*" {
                            self.out.push(format!("{module}.{}", a.name.as_str()));
                        }
                    }
                    self.out.push(module);
                }
                _ => visitor::walk_stmt(self, stmt),
            }
        }
    }
    let mut imports = Imports {
        package: &file.package,
        out: Vec::new(),
    };
    imports.visit_body(&file.ast.body);
    imports.out.retain(|m| !m.is_empty());
    imports.out
}

/// What a URL expression is, as far as the sources tell.
#[derive(Debug, PartialEq)]
enum Value {
    /// The text, with `UNKNOWN` for parts that could not be resolved.
    Text(String),
    /// A parameter of the enclosing function without a default.
    Param,
    Unknown,
}

/// What kind of database a URL names.
#[derive(Debug, PartialEq)]
enum Database {
    InMemorySqlite,
    SqliteFile(String),
    Server(String),
    Unknown,
}

/// Classifies a SQLAlchemy URL (`dialect+driver://...`).
fn classify(url: &str) -> Database {
    let Some((scheme, rest)) = url.split_once("://") else {
        return Database::Unknown;
    };
    if scheme.is_empty() || scheme.contains(UNKNOWN) {
        return Database::Unknown;
    }
    let dialect = scheme
        .split('+')
        .next()
        .unwrap_or(scheme)
        .to_ascii_lowercase();
    if dialect != "sqlite" {
        return Database::Server(dialect);
    }
    // `sqlite://` and `sqlite:///path`; `sqlite:////abs/path` keeps its slash
    let database_and_query = match rest.strip_prefix('/') {
        Some(r) => r,
        None if rest.is_empty() => "",
        None => return Database::Unknown,
    };
    let (database, query) = database_and_query
        .split_once('?')
        .unwrap_or((database_and_query, ""));
    if database.is_empty() || database == ":memory:" {
        return Database::InMemorySqlite;
    }
    // sqlite3 URI filenames: `file::memory:?cache=shared`, `file:db1?mode=memory`
    if database.starts_with("file:")
        && (database.contains(":memory:") || query.split('&').any(|kv| kv == "mode=memory"))
    {
        return Database::InMemorySqlite;
    }
    if database.contains(UNKNOWN) || query.contains(UNKNOWN) {
        return Database::Unknown;
    }
    Database::SqliteFile(database.to_string())
}

/// Names bound in the function being scanned: its parameters and its local
/// assignments (several assignments to one name: ambiguous, not resolved).
#[derive(Default)]
struct Frame<'a> {
    params: HashMap<&'a str, Option<&'a Expr>>,
    locals: HashMap<&'a str, Option<&'a Expr>>,
    name: &'a str,
}

fn collect_locals<'a>(body: &'a [Stmt], frame: &mut Frame<'a>, depth: usize) {
    if depth > 8 {
        return;
    }
    for stmt in body {
        let assigned = match stmt {
            Stmt::Assign(a) if a.targets.len() == 1 => a.targets.first().map(|t| (t, &*a.value)),
            Stmt::AnnAssign(a) => a.value.as_deref().map(|v| (&*a.target, v)),
            Stmt::If(s) => {
                collect_locals(&s.body, frame, depth + 1);
                for c in &s.elif_else_clauses {
                    collect_locals(&c.body, frame, depth + 1);
                }
                None
            }
            Stmt::With(w) => {
                collect_locals(&w.body, frame, depth + 1);
                None
            }
            Stmt::Try(t) => {
                collect_locals(&t.body, frame, depth + 1);
                collect_locals(&t.orelse, frame, depth + 1);
                None
            }
            _ => None,
        };
        if let Some((Expr::Name(n), value)) = assigned {
            frame
                .locals
                .entry(n.id.as_str())
                .and_modify(|v| *v = None)
                .or_insert(Some(value));
        }
    }
}

struct Scan<'p, 'a> {
    program: &'p Program<'a>,
    file: usize,
    /// The parsed file `file` is the index of.
    source: &'a PyFile,
    frames: Vec<Frame<'a>>,
    /// The name the expression being visited is assigned to.
    target: Option<&'a str>,
    /// Engines in this file not assigned to a name nor inside a function.
    ordinal: usize,
    findings: Vec<Finding>,
}

impl<'a> Visitor<'a> for Scan<'_, 'a> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::FunctionDef(def) => {
                let mut frame = Frame {
                    name: def.name.as_str(),
                    ..Frame::default()
                };
                let p = &def.parameters;
                for param in p.posonlyargs.iter().chain(&p.args).chain(&p.kwonlyargs) {
                    frame
                        .params
                        .insert(param.parameter.name.as_str(), param.default.as_deref());
                }
                collect_locals(&def.body, &mut frame, 0);
                self.frames.push(frame);
                self.visit_body(&def.body);
                self.frames.pop();
            }
            Stmt::Assign(a) if a.targets.len() == 1 => {
                let saved = self.target;
                self.target = match a.targets.first() {
                    Some(Expr::Name(n)) => Some(n.id.as_str()),
                    Some(Expr::Attribute(at)) => Some(at.attr.as_str()),
                    _ => None,
                };
                self.visit_expr(&a.value);
                self.target = saved;
            }
            Stmt::AnnAssign(a) => {
                let saved = self.target;
                self.target = match &*a.target {
                    Expr::Name(n) => Some(n.id.as_str()),
                    Expr::Attribute(at) => Some(at.attr.as_str()),
                    _ => None,
                };
                if let Some(v) = &a.value {
                    self.visit_expr(v);
                }
                self.target = saved;
            }
            _ => visitor::walk_stmt(self, stmt),
        }
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        if let Expr::Call(call) = expr {
            self.engine_call(call);
        }
        visitor::walk_expr(self, expr);
    }
}

impl<'a> Scan<'_, 'a> {
    fn external(&self, expr: &Expr) -> Option<String> {
        match self.program.resolve(self.file, expr) {
            Resolved::External(path) => Some(path),
            _ => None,
        }
    }

    fn engine_call(&mut self, call: &'a ExprCall) {
        let Some(callee) = self.external(&call.func) else {
            return;
        };
        if !callee.starts_with("sqlalchemy") {
            return;
        }
        let from_config = callee.ends_with(".engine_from_config")
            || callee.ends_with(".async_engine_from_config");
        let is_engine = from_config
            || callee.ends_with(".create_engine")
            || callee.ends_with(".create_async_engine");
        if !is_engine {
            return;
        }
        let Some(pool) = call
            .arguments
            .keywords
            .iter()
            .find(|k| k.arg.as_ref().map(|a| a.as_str()) == Some("poolclass"))
        else {
            return;
        };
        let is_static = self
            .external(&pool.value)
            .is_some_and(|p| p.starts_with("sqlalchemy") && p.ends_with(".StaticPool"));
        if !is_static {
            return;
        }
        // `engine_from_config(config, prefix=...)`: the URL is a key of a
        // configuration mapping (alembic.ini, a Pyramid .ini), not resolved
        let url = if from_config {
            call.arguments.args.first()
        } else {
            call.arguments.args.first().or_else(|| kwarg(call, "url"))
        };
        let Some(url) = url else {
            return;
        };
        let resolved = if from_config {
            Value::Unknown
        } else {
            self.value(self.file, url, 0)
        };
        let database = match resolved {
            Value::Param => return,
            Value::Unknown => Database::Unknown,
            Value::Text(text) => classify(&text),
        };
        let file = self.source;
        let url_text = file.text(url.range());
        let asynchronous = callee.ends_with(".create_async_engine")
            || callee.ends_with(".async_engine_from_config");
        let function = callee.rsplit('.').next().unwrap_or("create_engine");
        let (message, help) = match &database {
            Database::InMemorySqlite => return,
            Database::Server(dialect) => (
                format!(
                    "engine uses StaticPool for a {dialect} database: every request shares one connection and waits for it"
                ),
                server_help(function, asynchronous),
            ),
            Database::SqliteFile(path) => (
                format!(
                    "engine uses StaticPool for the SQLite file `{path}`: every request shares one connection and waits for it"
                ),
                file_help(),
            ),
            Database::Unknown => (
                format!(
                    "engine uses StaticPool for `{url_text}`, which is not an in-memory SQLite URL as far as the sources tell: every request would share one connection"
                ),
                format!(
                    "StaticPool is only right for an in-memory SQLite database (`sqlite://`, in tests). {} For a SQLite file: {}",
                    server_help(function, asynchronous),
                    file_help()
                ),
            ),
        };
        let key = self.engine_key();
        let kind = format!("{}::{key}", file.source.path);
        self.findings.push(
            Finding::new(&MG401, None, None, &kind, message)
                .at(file.location(pool.range))
                .label("one connection for the whole application")
                .help(help),
        );
    }

    /// A line-free name for the engine: the variable it is assigned to, the
    /// function building it, or its rank in the file.
    fn engine_key(&mut self) -> String {
        if let Some(target) = self.target {
            return target.to_string();
        }
        if let Some(frame) = self.frames.last() {
            return format!("{}()", frame.name);
        }
        self.ordinal += 1;
        format!("engine#{}", self.ordinal)
    }

    /// The text of a URL expression in `file` (only the innermost function
    /// frame applies, and only in the file being scanned).
    fn value(&self, file: usize, expr: &'a Expr, depth: usize) -> Value {
        if depth > MAX_DEPTH {
            return Value::Unknown;
        }
        match expr {
            Expr::StringLiteral(s) => Value::Text(s.value.to_str().to_string()),
            Expr::FString(f) => {
                let mut out = String::new();
                for part in &f.value {
                    match part {
                        FStringPart::Literal(l) => out.push_str(&l.value),
                        FStringPart::FString(fs) => {
                            for element in &fs.elements {
                                match element {
                                    InterpolatedStringElement::Literal(l) => out.push_str(&l.value),
                                    InterpolatedStringElement::Interpolation(i) => out.push_str(
                                        &self.text_or_unknown(file, &i.expression, depth),
                                    ),
                                }
                            }
                        }
                    }
                }
                Value::Text(out)
            }
            Expr::BinOp(b) if matches!(b.op, Operator::Add) => {
                let left = self.text_or_unknown(file, &b.left, depth);
                let right = self.text_or_unknown(file, &b.right, depth);
                Value::Text(left + &right)
            }
            Expr::Name(n) if file == self.file => {
                if let Some(frame) = self.frames.last() {
                    let name = n.id.as_str();
                    if let Some(local) = frame.locals.get(name) {
                        return match local {
                            Some(v) => self.value(file, v, depth + 1),
                            None => Value::Unknown,
                        };
                    }
                    if let Some(param) = frame.params.get(name) {
                        return match param {
                            Some(default) => self.value(file, default, depth + 1),
                            None => Value::Param,
                        };
                    }
                }
                self.resolved(file, expr, depth)
            }
            Expr::Name(_) | Expr::Attribute(_) => self.resolved(file, expr, depth),
            Expr::Call(call) => self.call_value(file, call, depth),
            _ => Value::Unknown,
        }
    }

    fn text_or_unknown(&self, file: usize, expr: &'a Expr, depth: usize) -> String {
        match self.value(file, expr, depth + 1) {
            Value::Text(t) => t,
            _ => UNKNOWN.to_string(),
        }
    }

    fn resolved(&self, file: usize, expr: &'a Expr, depth: usize) -> Value {
        // `settings.DATABASE_URL` with a local `settings = Settings()`
        if let (Expr::Attribute(a), true) = (expr, file == self.file) {
            if let Expr::Name(n) = &*a.value {
                if let Some(Some(local)) =
                    self.frames.last().and_then(|f| f.locals.get(n.id.as_str()))
                {
                    return self.member(file, local, a.attr.as_str(), depth + 1);
                }
            }
        }
        match self.program.resolve(file, expr) {
            Resolved::Value { file, expr } => self.value(file, expr, depth + 1),
            Resolved::Member { file, expr, attr } => self.member(file, expr, &attr, depth + 1),
            _ => Value::Unknown,
        }
    }

    /// `attr` of the value `owner` (`settings = Settings()`): the default
    /// the class gives it.
    fn member(&self, file: usize, owner: &'a Expr, attr: &str, depth: usize) -> Value {
        if depth > MAX_DEPTH || attr.contains('.') {
            return Value::Unknown;
        }
        let Expr::Call(call) = owner else {
            return Value::Unknown;
        };
        // keyword given at construction: `Settings(DATABASE_URL="...")`
        if let Some(v) = kwarg(call, attr) {
            return self.value(file, v, depth + 1);
        }
        let Some(class) = self.program.class_of(file, &call.func) else {
            return Value::Unknown;
        };
        self.class_attr(class.file, class.def, attr, depth + 1)
    }

    fn class_attr(&self, file: usize, def: &'a StmtClassDef, attr: &str, depth: usize) -> Value {
        if depth > MAX_DEPTH {
            return Value::Unknown;
        }
        for stmt in &def.body {
            let value = match stmt {
                Stmt::AnnAssign(a) => match (&*a.target, &a.value) {
                    (Expr::Name(n), Some(v)) if n.id.as_str() == attr => Some(&**v),
                    _ => None,
                },
                Stmt::Assign(a) => match a.targets.first() {
                    Some(Expr::Name(n)) if n.id.as_str() == attr => Some(&*a.value),
                    _ => None,
                },
                _ => None,
            };
            if let Some(v) = value {
                // pydantic `Field("...")` / `Field(default="...")`
                if let Expr::Call(c) = v {
                    if python::call_name(c) == Some("Field") {
                        return match c.arguments.args.first().or_else(|| kwarg(c, "default")) {
                            Some(d) => self.value(file, d, depth + 1),
                            None => Value::Unknown,
                        };
                    }
                }
                return self.value(file, v, depth + 1);
            }
        }
        // inherited from a base class defined in the repository
        if let Some(args) = &def.arguments {
            for base in args.args.iter() {
                if let Some(b) = self.program.class_of(file, base) {
                    let found = self.class_attr(b.file, b.def, attr, depth + 1);
                    if found != Value::Unknown {
                        return found;
                    }
                }
            }
        }
        Value::Unknown
    }

    fn call_value(&self, file: usize, call: &'a ExprCall, depth: usize) -> Value {
        let callee = match self.program.resolve(file, &call.func) {
            Resolved::External(p) => p,
            _ => return Value::Unknown,
        };
        let first = call.arguments.args.first();
        match callee.as_str() {
            // the default stands for the URL: it is what runs unless the
            // deployment says otherwise
            "os.getenv" | "os.environ.get" | "os.environ.setdefault" => {
                match call
                    .arguments
                    .args
                    .get(1)
                    .or_else(|| kwarg(call, "default"))
                {
                    Some(d) => self.value(file, d, depth + 1),
                    None => Value::Unknown,
                }
            }
            "str" => first.map_or(Value::Unknown, |e| self.value(file, e, depth + 1)),
            p if p.starts_with("sqlalchemy") && p.ends_with("make_url") => {
                first.map_or(Value::Unknown, |e| self.value(file, e, depth + 1))
            }
            p if p.starts_with("sqlalchemy") && p.ends_with("URL.create") => {
                match first.or_else(|| kwarg(call, "drivername")) {
                    Some(d) => {
                        let driver = self.text_or_unknown(file, d, depth);
                        let database = match kwarg(call, "database") {
                            Some(db) => self.text_or_unknown(file, db, depth),
                            None => String::new(),
                        };
                        Value::Text(format!("{driver}:///{database}"))
                    }
                    None => Value::Unknown,
                }
            }
            _ => Value::Unknown,
        }
    }
}

fn server_help(function: &str, asynchronous: bool) -> String {
    let pool = if asynchronous {
        "AsyncAdaptedQueuePool"
    } else {
        "QueuePool"
    };
    format!(
        "drop `poolclass=StaticPool`: {function} then uses {pool}, a pool of connections sized with `pool_size=` (default 5) and `max_overflow=` (default 10); add `pool_pre_ping=True` if the server drops idle connections."
    )
}

fn file_help() -> String {
    "drop `poolclass=StaticPool` (SQLAlchemy 2.0 pools a SQLite file with QueuePool, sized with `pool_size=` and `max_overflow=`), or use `poolclass=NullPool` to open a connection per checkout; keep StaticPool for `sqlite://` in tests."
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::MemorySnapshot;

    fn run(files: &[(&str, &str)]) -> Vec<Finding> {
        check(&MemorySnapshot::new(files.to_vec()))
    }

    fn lines(findings: &[Finding]) -> Vec<String> {
        findings
            .iter()
            .map(|f| {
                let l = f.location.as_ref().map(|l| l.start.line).unwrap_or(0);
                format!("{}:{l} {}", f.rule.id, f.fingerprint)
            })
            .collect()
    }

    #[test]
    fn classifies_urls() {
        use Database::*;
        let table: &[(&str, Database)] = &[
            ("sqlite://", InMemorySqlite),
            ("sqlite:///:memory:", InMemorySqlite),
            ("sqlite+pysqlite:///:memory:", InMemorySqlite),
            ("sqlite+aiosqlite://", InMemorySqlite),
            ("sqlite+aiosqlite:///:memory:", InMemorySqlite),
            (
                "sqlite:///file::memory:?cache=shared&uri=true",
                InMemorySqlite,
            ),
            (
                "sqlite:///file:memdb1?mode=memory&cache=shared&uri=true",
                InMemorySqlite,
            ),
            ("sqlite:///app.db", SqliteFile("app.db".into())),
            (
                "sqlite+aiosqlite:///control-center.db",
                SqliteFile("control-center.db".into()),
            ),
            (
                "sqlite:////var/lib/app.db",
                SqliteFile("/var/lib/app.db".into()),
            ),
            (
                "sqlite:///file:app.db?uri=true",
                SqliteFile("file:app.db".into()),
            ),
            ("postgresql://u:p@db/app", Server("postgresql".into())),
            ("postgresql+asyncpg://db/app", Server("postgresql".into())),
            ("mysql+pymysql://db/app", Server("mysql".into())),
            ("\u{1}", Unknown),
            ("\u{1}://x", Unknown),
            ("sqlite:///\u{1}", Unknown),
            ("not a url", Unknown),
        ];
        for (url, expected) in table {
            assert_eq!(&classify(url), expected, "{url:?}");
        }
    }

    const SEED_DB: &str = "\
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import StaticPool

from config import settings

engine = create_async_engine(
    settings.DATABASE_URL,
    connect_args={\"check_same_thread\": False},
    poolclass=StaticPool,
    echo=settings.DEBUG,
)
";

    #[test]
    fn seed_settings_attribute_with_a_sqlite_file_default() {
        let config = "\
from pydantic_settings import BaseSettings

class Settings(BaseSettings):
    DEBUG: bool = False
    DATABASE_URL: str = \"sqlite+aiosqlite:///control-center.db\"

settings = Settings()
";
        let found = run(&[
            ("backend/database/db.py", SEED_DB),
            ("backend/config.py", config),
        ]);
        assert_eq!(
            lines(&found),
            ["MG401:9 MG401::backend/database/db.py::engine"]
        );
        let f = &found[0];
        assert!(
            f.message.contains("SQLite file `control-center.db`"),
            "{}",
            f.message
        );
        assert!(f.help.as_deref().unwrap_or("").contains("NullPool"));
    }

    #[test]
    fn settings_in_memory_default_is_silent_and_server_default_is_reported() {
        let memory = "\
class Settings:
    DATABASE_URL = \"sqlite+aiosqlite://\"
settings = Settings()
";
        assert!(run(&[("app/db.py", SEED_DB), ("app/config.py", memory)]).is_empty());
        let server = "\
from pydantic import Field
from pydantic_settings import BaseSettings
class Base(BaseSettings):
    DATABASE_URL: str = Field(default=\"postgresql+asyncpg://app@db/app\")
class Settings(Base):
    DEBUG: bool = True
settings = Settings()
";
        let found = run(&[("app/db.py", SEED_DB), ("app/config.py", server)]);
        assert_eq!(lines(&found), ["MG401:9 MG401::app/db.py::engine"]);
        let help = found[0].help.as_deref().unwrap_or("");
        assert!(help.contains("AsyncAdaptedQueuePool"), "{help}");
        assert!(help.contains("pool_size"), "{help}");
    }

    #[test]
    fn alembic_revision_files_are_not_read() {
        // The same engine module is reported anywhere but in a version
        // folder of an Alembic script (env.py beside it shows the folder).
        let env = ("migrations/env.py", "from alembic import context\n");
        assert_eq!(run(&[env, ("migrations/db.py", SEED_DB)]).len(), 1);
        assert!(run(&[env, ("migrations/versions/1_x.py", SEED_DB)]).is_empty());
    }

    #[test]
    fn unresolved_settings_are_reported() {
        // `config` is not in the repository: nothing says in-memory SQLite
        let found = run(&[("app/db.py", SEED_DB)]);
        assert_eq!(lines(&found), ["MG401:9 MG401::app/db.py::engine"]);
        assert!(found[0].message.contains("settings.DATABASE_URL"));
    }

    #[test]
    fn resolution_table() {
        let cases: &[(&str, bool)] = &[
            // literals
            ("create_engine(\"sqlite://\", poolclass=StaticPool)", false),
            (
                "create_engine(\"sqlite:///:memory:\", poolclass=StaticPool)",
                false,
            ),
            (
                "create_engine(\"sqlite:///app.db\", poolclass=StaticPool)",
                true,
            ),
            (
                "create_engine(\"postgresql://db/app\", poolclass=StaticPool)",
                true,
            ),
            (
                "create_engine(url=\"mysql://db/app\", poolclass=StaticPool)",
                true,
            ),
            // module constant, f-string, concatenation
            ("create_engine(MEMORY, poolclass=StaticPool)", false),
            ("create_engine(SERVER, poolclass=StaticPool)", true),
            (
                "create_engine(f\"sqlite:///{NAME}.db\", poolclass=StaticPool)",
                true,
            ),
            (
                "create_engine(f\"postgresql://{HOST}/app\", poolclass=StaticPool)",
                true,
            ),
            (
                "create_engine(f\"sqlite:///{MEM}\", poolclass=StaticPool)",
                false,
            ),
            (
                "create_engine(\"sqlite:///\" + NAME, poolclass=StaticPool)",
                true,
            ),
            // environment: the default decides, none: reported
            (
                "create_engine(os.getenv(\"DB\", \"sqlite://\"), poolclass=StaticPool)",
                false,
            ),
            (
                "create_engine(os.getenv(\"DB\", \"sqlite:///x.db\"), poolclass=StaticPool)",
                true,
            ),
            (
                "create_engine(os.environ.get(\"DB\", MEMORY), poolclass=StaticPool)",
                false,
            ),
            (
                "create_engine(os.environ[\"DB\"], poolclass=StaticPool)",
                true,
            ),
            (
                "create_engine(os.getenv(\"DB\"), poolclass=StaticPool)",
                true,
            ),
            // other pools, other pool spellings
            (
                "create_engine(\"postgresql://db/app\", poolclass=QueuePool)",
                false,
            ),
            ("create_engine(\"postgresql://db/app\")", false),
            (
                "create_engine(\"postgresql://db/app\", poolclass=sqlalchemy.pool.StaticPool)",
                true,
            ),
            (
                "create_engine(\"postgresql://db/app\", poolclass=pool.StaticPool)",
                true,
            ),
            (
                "sqlalchemy.create_engine(\"postgresql://db/app\", poolclass=SP)",
                true,
            ),
            // a conditional pool is someone who thought about it
            (
                "create_engine(SERVER, poolclass=StaticPool if TESTING else QueuePool)",
                false,
            ),
            // a StaticPool that is not SQLAlchemy's
            ("create_engine(SERVER, poolclass=MyStaticPool)", false),
            // the URL is a key of a configuration file
            ("sqlalchemy.engine_from_config(CONFIG, prefix=\"sqlalchemy.\", poolclass=StaticPool)", true),
            ("sqlalchemy.engine_from_config(CONFIG, prefix=\"sqlalchemy.\", poolclass=pool.NullPool)", false),
        ];
        for (call, expected) in cases {
            let source = format!(
                "import os\nimport sqlalchemy\nfrom sqlalchemy import create_engine, pool\nfrom sqlalchemy.pool import QueuePool, StaticPool\nfrom sqlalchemy.pool import StaticPool as SP\nfrom mine import MyStaticPool\nMEMORY = \"sqlite://\"\nMEM = \":memory:\"\nSERVER = \"postgresql://db/app\"\nNAME = \"app\"\nengine = {call}\n"
            );
            let found = run(&[("app/db.py", &source)]);
            assert_eq!(!found.is_empty(), *expected, "{call}");
            if *expected {
                assert_eq!(
                    lines(&found),
                    ["MG401:11 MG401::app/db.py::engine"],
                    "{call}"
                );
            }
        }
    }

    #[test]
    fn functions_locals_and_parameters() {
        let source = "\
import os
from sqlalchemy import create_engine
from sqlalchemy.pool import StaticPool

def make_engine(url):
    return create_engine(url, poolclass=StaticPool)

def make_default(url=\"sqlite:///app.db\"):
    return create_engine(url, poolclass=StaticPool)

def from_env():
    url = os.environ[\"DATABASE_URL\"]
    return create_engine(url, poolclass=StaticPool)

def in_memory():
    url = \"sqlite://\"
    return create_engine(url, poolclass=StaticPool)
";
        let found = run(&[("app/engines.py", source)]);
        assert_eq!(
            lines(&found),
            [
                "MG401:9 MG401::app/engines.py::make_default()",
                "MG401:13 MG401::app/engines.py::from_env()",
            ]
        );
    }

    #[test]
    fn tests_and_vendored_files_are_not_read() {
        let server = "from sqlalchemy import create_engine\nfrom sqlalchemy.pool import StaticPool\nengine = create_engine(\"postgresql://db/x\", poolclass=StaticPool)\n";
        for path in [
            "tests/conftest.py",
            "app/conftest.py",
            "app/test_db.py",
            ".venv/lib/python3.12/site-packages/lib/db.py",
            "node_modules/x/db.py",
            "usr/lib/python3/dist-packages/lib/db.py",
            "__pypackages__/3.12/lib/lib/db.py",
        ] {
            assert!(run(&[(path, server)]).is_empty(), "{path}");
        }
        assert_eq!(run(&[("app/db.py", server)]).len(), 1);
    }

    #[test]
    fn broken_python_is_not_a_panic() {
        let source = "from sqlalchemy import create_engine\nfrom sqlalchemy.pool import StaticPool\nengine = create_engine(\"postgresql://db/x\", poolclass=StaticPool\nclass (:\n";
        // whatever the parser recovers, no panic and at most one finding
        assert!(run(&[("app/db.py", source)]).len() <= 1);
        assert!(run(&[("app/db.py", "StaticPool = (((")]).is_empty());
    }
}
