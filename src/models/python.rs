//! Python source, parsed once per file with ruff_python_parser (see
//! docs/parsers.md), and the name resolution the ORM frontends share:
//! what a base class, a type name or `db` refers to, across files.
//!
//! Nothing here knows SQLAlchemy semantics beyond recognising which classes
//! are models; column and type meaning live in `sqlalchemy.rs`,
//! `sqlmodel.rs`, `flask_sqlalchemy.rs` and `sqlalchemy_types.rs`.

use crate::source::{LineIndex, Location, SourceFile};
use ruff_python_ast::{
    Expr, ExprCall, ModModule, Number, Operator, PySourceType, Stmt, StmtClassDef,
};
use ruff_text_size::TextRange;
use std::cell::RefCell;
use std::collections::HashMap;

/// Deepest bracket nesting we hand to the parser. CPython itself refuses
/// more than 200; a pathological file must not overflow our stack.
const MAX_NESTING: usize = 1000;
/// Longest operator chain (see `longest_chain`). A longer one (`1+1+...`)
/// builds a syntax tree so deep that freeing it overflows the stack; no
/// model file has one.
const MAX_CHAIN: usize = 5000;
/// Bound on alias chains (`A = B`, re-exports) followed during resolution.
const MAX_DEPTH: usize = 24;

/// One parsed Python file.
pub struct PyFile {
    pub source: SourceFile,
    pub index: LineIndex,
    /// Dotted module path derived from the file path (`app/models/user.py`
    /// -> `app.models.user`; `pkg/__init__.py` -> `pkg`).
    pub module: String,
    /// The package relative imports start from.
    pub package: String,
    pub ast: ModModule,
    /// First syntax error: byte range and the parser's message. What the
    /// tolerant parser recovered is still in `ast`.
    pub syntax_error: Option<(TextRange, String)>,
}

impl PyFile {
    pub fn location(&self, range: TextRange) -> Location {
        Location::from_offsets(
            &self.source,
            &self.index,
            range.start().to_usize(),
            range.end().to_usize(),
        )
    }

    pub fn text(&self, range: TextRange) -> &str {
        self.source
            .text
            .get(range.start().to_usize()..range.end().to_usize())
            .unwrap_or("")
    }
}

/// Dotted module name and package of a file path.
pub fn module_of(path: &str) -> (String, String) {
    let stem = path
        .strip_suffix(".py")
        .or_else(|| path.strip_suffix(".pyi"))
        .unwrap_or(path);
    let mut parts: Vec<&str> = stem.split('/').filter(|p| !p.is_empty()).collect();
    if parts.last() == Some(&"__init__") {
        parts.pop();
        let m = parts.join(".");
        return (m.clone(), m);
    }
    let module = parts.join(".");
    parts.pop();
    (module, parts.join("."))
}

fn too_deep(text: &str) -> bool {
    let mut depth = 0usize;
    for b in text.bytes() {
        match b {
            b'(' | b'[' | b'{' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return true;
                }
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

/// Roughly the depth of the deepest expression, from the tokens: operators
/// and keywords chained at one bracket level add up with the chain of every
/// enclosing level; commas start a new operand.
fn longest_chain(tokens: &[ruff_python_ast::token::Token]) -> usize {
    use ruff_python_ast::token::TokenKind;
    let mut longest = 0;
    let mut current = 0usize;
    let mut enclosing: Vec<usize> = Vec::new();
    for t in tokens {
        let k = t.kind();
        match k {
            TokenKind::Newline => {
                current = 0;
                enclosing.clear();
            }
            TokenKind::Lpar | TokenKind::Lsqb | TokenKind::Lbrace => enclosing.push(current),
            TokenKind::Rpar | TokenKind::Rsqb | TokenKind::Rbrace => {
                current = enclosing.pop().unwrap_or(0)
            }
            TokenKind::Comma | TokenKind::Semi => current = enclosing.last().copied().unwrap_or(0),
            TokenKind::Colon => {}
            _ if k.is_singleton() => {}
            _ if k.is_operator() || k.is_keyword() => {
                current += 1;
                longest = longest.max(current);
            }
            _ => {}
        }
    }
    longest
}

/// Parses a file. Never fails: syntax errors are recorded and whatever the
/// parser recovered is kept, so classes after a typo are still checked.
pub fn parse_file(source: SourceFile) -> PyFile {
    let (module, package) = module_of(&source.path);
    let index = source.line_index();
    if too_deep(&source.text) {
        let empty = ruff_python_parser::parse_unchecked_source("", PySourceType::Python);
        return PyFile {
            source,
            index,
            module,
            package,
            ast: empty.into_syntax(),
            syntax_error: Some((
                TextRange::default(),
                format!("brackets nested more than {MAX_NESTING} deep; the file was not parsed"),
            )),
        };
    }
    let parsed = ruff_python_parser::parse_unchecked_source(&source.text, PySourceType::Python);
    if longest_chain(parsed.tokens()) > MAX_CHAIN {
        // the parser grows its stack on the heap, but the tree's drop glue
        // cannot: leak this (pathological, one-off) tree instead of freeing it
        std::mem::forget(parsed);
        let empty = ruff_python_parser::parse_unchecked_source("", PySourceType::Python);
        return PyFile {
            source,
            index,
            module,
            package,
            ast: empty.into_syntax(),
            syntax_error: Some((
                TextRange::default(),
                format!(
                    "a statement chains more than {MAX_CHAIN} operators; the file was not read"
                ),
            )),
        };
    }
    let syntax_error = parsed
        .errors()
        .iter()
        .min_by_key(|e| e.location.start())
        .map(|e| (e.location, e.error.to_string()));
    PyFile {
        ast: parsed.into_syntax(),
        source,
        index,
        module,
        package,
        syntax_error,
    }
}

// ---------------------------------------------------------------------------
// Small AST helpers shared by the frontends (and usable by an Alembic one).

/// `sa.types.String` -> "sa.types.String"; None for anything but names and
/// attribute chains.
pub fn dotted(expr: &Expr) -> Option<String> {
    let mut parts = Vec::new();
    let mut cur = expr;
    for _ in 0..64 {
        match cur {
            Expr::Name(n) => {
                parts.push(n.id.as_str());
                parts.reverse();
                return Some(parts.join("."));
            }
            Expr::Attribute(a) => {
                parts.push(a.attr.as_str());
                cur = &a.value;
            }
            _ => return None,
        }
    }
    None
}

/// The last segment of a name or attribute chain (`sa.Column` -> "Column").
pub fn last_name(expr: &Expr) -> Option<&str> {
    match expr {
        Expr::Name(n) => Some(n.id.as_str()),
        Expr::Attribute(a) => Some(a.attr.as_str()),
        _ => None,
    }
}

/// The leftmost name of an attribute chain (`sa.types.String` -> "sa").
pub fn root_name(expr: &Expr) -> Option<&str> {
    let mut cur = expr;
    for _ in 0..64 {
        match cur {
            Expr::Name(n) => return Some(n.id.as_str()),
            Expr::Attribute(a) => cur = &a.value,
            Expr::Call(c) => cur = &c.func,
            Expr::Subscript(s) => cur = &s.value,
            _ => return None,
        }
    }
    None
}

/// The callee's last name of a call expression (`sa.Column(...)` -> "Column").
pub fn call_name(call: &ExprCall) -> Option<&str> {
    last_name(&call.func)
}

pub fn as_call(expr: &Expr) -> Option<&ExprCall> {
    match expr {
        Expr::Call(c) => Some(c),
        _ => None,
    }
}

pub fn str_lit(expr: &Expr) -> Option<&str> {
    match expr {
        Expr::StringLiteral(s) => Some(s.value.to_str()),
        _ => None,
    }
}

pub fn int_lit(expr: &Expr) -> Option<i64> {
    match expr {
        Expr::NumberLiteral(n) => match &n.value {
            Number::Int(i) => i.as_i64(),
            _ => None,
        },
        Expr::UnaryOp(u) if matches!(u.op, ruff_python_ast::UnaryOp::USub) => {
            int_lit(&u.operand).map(|v| -v)
        }
        _ => None,
    }
}

/// A length or size: an integer literal or integer arithmetic on literals
/// (`LargeBinary(length=(2**32) - 1)`, bunkerweb).
pub fn u32_lit(expr: &Expr) -> Option<u32> {
    const_int(expr, 0).and_then(|v| u32::try_from(v).ok())
}

fn const_int(expr: &Expr, depth: usize) -> Option<i64> {
    if depth > 16 {
        return None;
    }
    let Expr::BinOp(b) = expr else {
        return int_lit(expr);
    };
    let (l, r) = (
        const_int(&b.left, depth + 1)?,
        const_int(&b.right, depth + 1)?,
    );
    match b.op {
        Operator::Add => l.checked_add(r),
        Operator::Sub => l.checked_sub(r),
        Operator::Mult => l.checked_mul(r),
        Operator::Pow => u32::try_from(r).ok().and_then(|r| l.checked_pow(r)),
        Operator::LShift => u32::try_from(r).ok().and_then(|r| l.checked_shl(r)),
        Operator::FloorDiv if r > 0 && l >= 0 => Some(l / r),
        _ => None,
    }
}

pub fn bool_lit(expr: &Expr) -> Option<bool> {
    match expr {
        Expr::BooleanLiteral(b) => Some(b.value),
        _ => None,
    }
}

pub fn is_none(expr: &Expr) -> bool {
    matches!(expr, Expr::NoneLiteral(_))
}

/// A keyword argument's value.
pub fn kwarg<'a>(call: &'a ExprCall, name: &str) -> Option<&'a Expr> {
    call.arguments
        .keywords
        .iter()
        .find(|k| k.arg.as_ref().map(|a| a.as_str()) == Some(name))
        .map(|k| &k.value)
}

/// `**kwargs` or `*args` in a call: arguments we cannot see.
pub fn has_splat(call: &ExprCall) -> bool {
    call.arguments.keywords.iter().any(|k| k.arg.is_none())
        || call
            .arguments
            .args
            .iter()
            .any(|a| matches!(a, Expr::Starred(_)))
}

/// A literal rendered as SQL (`'x'`, `42`, `true`), for defaults.
pub fn literal_sql(expr: &Expr) -> Option<String> {
    match expr {
        Expr::StringLiteral(s) => Some(format!("'{}'", s.value.to_str().replace('\'', "''"))),
        Expr::NumberLiteral(n) => match &n.value {
            Number::Int(i) => Some(i.to_string()),
            Number::Float(f) => Some(f.to_string()),
            Number::Complex { .. } => None,
        },
        Expr::UnaryOp(u) if matches!(u.op, ruff_python_ast::UnaryOp::USub) => {
            literal_sql(&u.operand).map(|v| format!("-{v}"))
        }
        Expr::BooleanLiteral(b) => Some(if b.value { "true" } else { "false" }.into()),
        Expr::NoneLiteral(_) => Some("null".into()),
        _ => None,
    }
}

/// The members of a `X | Y | None` union, flattened (bounded depth).
pub fn union_members(expr: &Expr) -> Vec<&Expr> {
    let mut out = Vec::new();
    let mut stack = vec![expr];
    while let Some(e) = stack.pop() {
        if out.len() > 64 {
            break;
        }
        match e {
            Expr::BinOp(b) if matches!(b.op, Operator::BitOr) => {
                stack.push(&b.right);
                stack.push(&b.left);
            }
            other => out.push(other),
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Module-level symbols and name resolution across files.

#[derive(Clone, Debug)]
enum ImportRef {
    /// `import a.b as x` (or `import a` binding `a`).
    Module(String),
    /// `from m import n as x`; `m` already absolute.
    Member(String, String),
}

#[derive(Default)]
struct FileSyms<'a> {
    classes: HashMap<&'a str, &'a StmtClassDef>,
    values: HashMap<&'a str, &'a Expr>,
    imports: HashMap<&'a str, ImportRef>,
    /// Classes whose name was later rebound (`class Base: ...` then
    /// `Base = declarative_base(cls=Base)`).
    shadowed: HashMap<&'a str, &'a StmtClassDef>,
    /// The value a name had before `X = X.with_variant(...)` rebound it
    /// from itself.
    previous: HashMap<&'a str, &'a Expr>,
    /// `from m import *`, absolute module names.
    stars: Vec<String>,
}

/// A class definition and the file it lives in.
#[derive(Clone, Copy)]
pub struct ClassRef<'a> {
    pub file: usize,
    pub def: &'a StmtClassDef,
}

impl ClassRef<'_> {
    /// Identity of a class across the program.
    pub fn key(&self) -> (usize, u32) {
        (self.file, self.def.range.start().to_u32())
    }

    pub fn name(&self) -> &str {
        self.def.name.as_str()
    }
}

/// What an expression refers to.
#[derive(Clone)]
pub enum Resolved<'a> {
    Class(ClassRef<'a>),
    /// A module-level value, e.g. `Base = declarative_base()`.
    Value {
        file: usize,
        expr: &'a Expr,
    },
    /// An attribute of a module-level value (`db.Model` with `db = SQLAlchemy()`).
    Member {
        file: usize,
        expr: &'a Expr,
        attr: String,
    },
    Module(usize),
    /// Something outside the parsed files, by its dotted import path
    /// (`sqlalchemy.orm.DeclarativeBase`), or a name defined nowhere we can see.
    External(String),
}

/// All parsed files and their symbols.
pub struct Program<'a> {
    pub files: &'a [PyFile],
    syms: Vec<FileSyms<'a>>,
    modules: HashMap<&'a str, usize>,
    module_cache: RefCell<HashMap<String, Option<usize>>>,
    /// SQL functions and constructs the project compiles itself with
    /// `@compiles(functions.now, "sqlite")`: name -> dialect names (empty: all).
    compiled: HashMap<String, Vec<String>>,
    /// SQLModel maps a plain `datetime` field to a time-zone-aware column
    /// from 0.0.45 on (naive before); set from the project's pinned version.
    pub sqlmodel_aware_datetimes: bool,
}

fn collect_syms<'a>(body: &'a [Stmt], package: &str, syms: &mut FileSyms<'a>, depth: usize) {
    if depth > 8 {
        return;
    }
    for stmt in body {
        match stmt {
            Stmt::ClassDef(c) => {
                syms.classes.insert(c.name.as_str(), c);
                syms.values.remove(c.name.as_str());
            }
            Stmt::Assign(a) => {
                for t in &a.targets {
                    if let Expr::Name(n) = t {
                        let name = n.id.as_str();
                        if let Some(old) = syms.values.get(name) {
                            if root_name(&a.value) == Some(name) {
                                syms.previous.insert(name, old);
                            }
                        }
                        syms.values.insert(n.id.as_str(), &a.value);
                        if let Some(c) = syms.classes.remove(n.id.as_str()) {
                            syms.shadowed.insert(n.id.as_str(), c);
                        }
                    }
                }
            }
            Stmt::AnnAssign(a) => {
                if let (Expr::Name(n), Some(v)) = (&*a.target, &a.value) {
                    syms.values.insert(n.id.as_str(), v);
                }
            }
            Stmt::Import(i) => {
                for alias in &i.names {
                    let full = alias.name.as_str();
                    match &alias.asname {
                        Some(asname) => {
                            syms.imports
                                .insert(asname.as_str(), ImportRef::Module(full.to_string()));
                        }
                        None => {
                            // `import a.b` binds `a`
                            let first = full.split('.').next().unwrap_or(full);
                            if let Some(bound) = alias.name.as_str().get(..first.len()) {
                                syms.imports
                                    .insert(bound, ImportRef::Module(first.to_string()));
                            }
                        }
                    }
                }
            }
            Stmt::ImportFrom(i) => {
                let module =
                    absolute_module(package, i.level, i.module.as_ref().map(|m| m.as_str()));
                for alias in &i.names {
                    let name = alias.name.as_str();
                    if name == "*" {
                        syms.stars.push(module.clone());
                        continue;
                    }
                    let bound = alias.asname.as_ref().unwrap_or(&alias.name).as_str();
                    syms.imports
                        .insert(bound, ImportRef::Member(module.clone(), name.to_string()));
                }
            }
            Stmt::If(s) => {
                collect_syms(&s.body, package, syms, depth + 1);
                for clause in &s.elif_else_clauses {
                    collect_syms(&clause.body, package, syms, depth + 1);
                }
            }
            Stmt::Try(t) => {
                collect_syms(&t.body, package, syms, depth + 1);
                for h in &t.handlers {
                    let ruff_python_ast::ExceptHandler::ExceptHandler(h) = h;
                    collect_syms(&h.body, package, syms, depth + 1);
                }
                collect_syms(&t.orelse, package, syms, depth + 1);
            }
            Stmt::With(w) => collect_syms(&w.body, package, syms, depth + 1),
            _ => {}
        }
    }
}

/// Absolute dotted module of `from <level dots><module> import ...` in `package`.
pub fn absolute_module(package: &str, level: u32, module: Option<&str>) -> String {
    if level == 0 {
        return module.unwrap_or("").to_string();
    }
    let mut parts: Vec<&str> = package.split('.').filter(|p| !p.is_empty()).collect();
    for _ in 1..level {
        parts.pop();
    }
    if let Some(m) = module {
        parts.push(m);
    }
    parts.join(".")
}

/// Classes defined at module level (also inside `if`/`try` blocks), in order.
pub fn module_classes(body: &[Stmt]) -> Vec<&StmtClassDef> {
    let mut out = Vec::new();
    fn walk<'a>(body: &'a [Stmt], out: &mut Vec<&'a StmtClassDef>, depth: usize) {
        if depth > 8 {
            return;
        }
        for stmt in body {
            match stmt {
                Stmt::ClassDef(c) => out.push(c),
                Stmt::If(s) => {
                    walk(&s.body, out, depth + 1);
                    for clause in &s.elif_else_clauses {
                        walk(&clause.body, out, depth + 1);
                    }
                }
                Stmt::Try(t) => {
                    walk(&t.body, out, depth + 1);
                    walk(&t.orelse, out, depth + 1);
                }
                _ => {}
            }
        }
    }
    walk(body, &mut out, 0);
    out
}

impl<'a> Program<'a> {
    pub fn new(files: &'a [PyFile]) -> Self {
        let mut syms = Vec::with_capacity(files.len());
        let mut modules = HashMap::new();
        for (i, f) in files.iter().enumerate() {
            let mut s = FileSyms::default();
            collect_syms(&f.ast.body, &f.package, &mut s, 0);
            syms.push(s);
            modules.entry(f.module.as_str()).or_insert(i);
        }
        let mut compiled: HashMap<String, Vec<String>> = HashMap::new();
        for f in files {
            for stmt in &f.ast.body {
                let Stmt::FunctionDef(def) = stmt else {
                    continue;
                };
                for d in &def.decorator_list {
                    let Expr::Call(c) = &d.expression else {
                        continue;
                    };
                    if last_name(&c.func) != Some("compiles") {
                        continue;
                    }
                    let mut args = c.arguments.args.iter();
                    let Some(name) = args.next().and_then(last_name) else {
                        continue;
                    };
                    let dialects: Vec<String> =
                        args.filter_map(str_lit).map(str::to_string).collect();
                    let entry = compiled.entry(name.to_string()).or_default();
                    if dialects.is_empty() {
                        // every dialect: an empty list says so
                        entry.clear();
                        entry.push(String::new());
                    } else if !entry.iter().any(String::is_empty) {
                        entry.extend(dialects);
                    }
                }
            }
        }
        Program {
            files,
            syms,
            modules,
            module_cache: RefCell::new(HashMap::new()),
            compiled,
            sqlmodel_aware_datetimes: true,
        }
    }

    /// Whether the project compiles the SQL function or construct `name`
    /// itself for `dialect` (`@compiles(now, "sqlite")`): its SQL is then
    /// whatever that Python function returns.
    pub fn compiles_itself(&self, name: &str, dialect: crate::dialect::Dialect) -> bool {
        self.compiled.get(name).is_some_and(|ds| {
            ds.iter()
                .any(|d| d.is_empty() || crate::dialect::Dialect::parse(d) == Some(dialect))
        })
    }

    /// The parsed file holding `module`: exact match first, then a unique
    /// suffix match, because the repository root is often not the import
    /// root (`src/app/models.py` is imported as `app.models`).
    pub fn find_module(&self, module: &str) -> Option<usize> {
        if module.is_empty() {
            return None;
        }
        if let Some(&i) = self.modules.get(module) {
            return Some(i);
        }
        if let Some(hit) = self.module_cache.borrow().get(module) {
            return *hit;
        }
        let suffix = format!(".{module}");
        let mut found = None;
        let mut count = 0;
        for (m, &i) in &self.modules {
            if m.ends_with(&suffix) {
                count += 1;
                found = Some(i);
            }
        }
        let hit = if count == 1 { found } else { None };
        self.module_cache
            .borrow_mut()
            .insert(module.to_string(), hit);
        hit
    }

    /// Names imported by `file` from modules that are not parsed, as absolute
    /// dotted module names, for the names in `wanted`.
    pub fn missing_imports(&self, file: usize, wanted: &[String]) -> Vec<String> {
        let Some(syms) = self.syms.get(file) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for path in wanted {
            let mut segs = path.split('.');
            let w = segs.next().unwrap_or("");
            if syms.classes.contains_key(w) || syms.values.contains_key(w) {
                continue;
            }
            // `schemas.states.StateType` with `import app.schemas as schemas`
            // (or `from app import schemas`): the `states` submodule, which a
            // package loads lazily or imports only under TYPE_CHECKING
            if let Some(seg) = segs.next() {
                let base = match syms.imports.get(w) {
                    Some(ImportRef::Module(m)) => Some(m.clone()),
                    Some(ImportRef::Member(m, n)) => Some(format!("{m}.{n}")),
                    None => None,
                };
                if let Some(f) = base.as_deref().and_then(|b| self.find_module(b)) {
                    let s = &self.syms[f];
                    let sub = format!("{}.{seg}", base.as_deref().unwrap_or(""));
                    if !s.classes.contains_key(seg)
                        && !s.values.contains_key(seg)
                        && self.find_module(&sub).is_none()
                    {
                        out.push(sub);
                    }
                }
            }
            match syms.imports.get(w) {
                Some(ImportRef::Member(m, n)) => {
                    if self.find_module(m).is_none() {
                        out.push(m.clone());
                    } else if let Some(f) = self.find_module(m) {
                        // `from app import models` / re-exports: the member may be a submodule
                        let s = &self.syms[f];
                        if !s.classes.contains_key(n.as_str())
                            && !s.values.contains_key(n.as_str())
                            && !s.imports.contains_key(n.as_str())
                        {
                            out.push(format!("{m}.{n}"));
                        }
                    }
                }
                Some(ImportRef::Module(m)) if self.find_module(m).is_none() => {
                    out.push(m.clone());
                }
                _ => {}
            }
        }
        out
    }

    pub fn resolve(&self, file: usize, expr: &Expr) -> Resolved<'a> {
        self.resolve_depth(file, expr, 0)
    }

    fn resolve_depth(&self, file: usize, expr: &Expr, depth: usize) -> Resolved<'a> {
        if depth > MAX_DEPTH {
            return Resolved::External(dotted(expr).unwrap_or_default());
        }
        match expr {
            Expr::Name(n) => {
                let name = n.id.as_str();
                // A class body runs at import time: a name used there before a
                // class of that name is defined further down the module is still
                // the imported one (`ForeignKey(Service.id)` with `from
                // .service import Service` above and a pydantic `class Service`
                // below).
                let later_class = self.syms.get(file).is_some_and(|s| {
                    s.imports.contains_key(name)
                        && s.classes
                            .get(name)
                            .is_some_and(|def| def.range.start() > n.range.start())
                });
                if later_class {
                    self.resolve_imported(file, name, depth + 1)
                } else {
                    self.resolve_name(file, name, depth + 1)
                }
            }
            Expr::Attribute(a) => {
                let attr = a.attr.as_str();
                match self.resolve_depth(file, &a.value, depth + 1) {
                    Resolved::Module(f) => match self.resolve_name(f, attr, depth + 1) {
                        // not defined in the package itself: its submodule
                        Resolved::External(e) if e == attr => {
                            let sub = format!("{}.{attr}", self.files[f].module);
                            match self.find_module(&sub) {
                                Some(s) => Resolved::Module(s),
                                None => Resolved::External(e),
                            }
                        }
                        other => other,
                    },
                    Resolved::External(p) => Resolved::External(format!("{p}.{attr}")),
                    Resolved::Value { file, expr } => Resolved::Member {
                        file,
                        expr,
                        attr: attr.to_string(),
                    },
                    Resolved::Class(c) => {
                        Resolved::External(format!("{}.{attr}", c.def.name.as_str()))
                    }
                    Resolved::Member {
                        file,
                        expr,
                        attr: a0,
                    } => Resolved::Member {
                        file,
                        expr,
                        attr: format!("{a0}.{attr}"),
                    },
                }
            }
            // a generic base class is its origin: `TypeDecorator[Any]`, `Generic[T]`
            Expr::Subscript(sub) => self.resolve_depth(file, &sub.value, depth + 1),
            other => Resolved::External(dotted(other).unwrap_or_default()),
        }
    }

    pub fn resolve_name(&self, file: usize, name: &str, depth: usize) -> Resolved<'a> {
        if depth > MAX_DEPTH {
            return Resolved::External(name.to_string());
        }
        let Some(syms) = self.syms.get(file) else {
            return Resolved::External(name.to_string());
        };
        if let Some(def) = syms.classes.get(name) {
            return Resolved::Class(ClassRef { file, def });
        }
        if let Some(expr) = syms.values.get(name) {
            // aliases (`Model = db.Model`, `Base = base.Base`) are followed
            if matches!(expr, Expr::Name(_) | Expr::Attribute(_)) {
                if let Expr::Name(n) = expr {
                    if n.id.as_str() == name {
                        return Resolved::External(name.to_string());
                    }
                }
                return self.resolve_depth(file, expr, depth + 1);
            }
            return Resolved::Value { file, expr };
        }
        self.resolve_imported(file, name, depth)
    }

    /// `name` through the imports of `file` (explicit, then star imports).
    fn resolve_imported(&self, file: usize, name: &str, depth: usize) -> Resolved<'a> {
        let Some(syms) = self.syms.get(file) else {
            return Resolved::External(name.to_string());
        };
        match syms.imports.get(name) {
            Some(ImportRef::Module(m)) => match self.find_module(m) {
                Some(f) => Resolved::Module(f),
                None => Resolved::External(m.clone()),
            },
            Some(ImportRef::Member(m, n)) => match self.find_module(m) {
                Some(f) if f != file || m.as_str() != self.files[file].module => {
                    let s = &self.syms[f];
                    if s.classes.contains_key(n.as_str())
                        || s.values.contains_key(n.as_str())
                        || s.imports.contains_key(n.as_str())
                    {
                        self.resolve_name(f, n, depth + 1)
                    } else if let Some(sub) = self.find_module(&format!("{m}.{n}")) {
                        Resolved::Module(sub)
                    } else {
                        // maybe re-exported through `from .x import *`
                        match self.resolve_name(f, n, depth + 1) {
                            Resolved::External(e) if e == *n => {
                                Resolved::External(format!("{m}.{n}"))
                            }
                            other => other,
                        }
                    }
                }
                _ => match self.find_module(&format!("{m}.{n}")) {
                    Some(sub) => Resolved::Module(sub),
                    None => Resolved::External(format!("{m}.{n}")),
                },
            },
            None => {
                // `from .user import *`: the first star-imported module defining it
                for m in &syms.stars {
                    if let Some(f) = self.find_module(m) {
                        let s = &self.syms[f];
                        if f != file
                            && (s.classes.contains_key(name)
                                || s.values.contains_key(name)
                                || s.imports.contains_key(name))
                        {
                            return self.resolve_name(f, name, depth + 1);
                        }
                    }
                }
                Resolved::External(name.to_string())
            }
        }
    }

    /// A class whose name was rebound later in `file` (see `FileSyms::shadowed`).
    pub fn shadowed_class(&self, file: usize, name: &str) -> Option<ClassRef<'a>> {
        let def = self.syms.get(file)?.shadowed.get(name)?;
        Some(ClassRef { file, def })
    }

    /// The class `expr` names, if it is defined in the parsed files.
    pub fn class_of(&self, file: usize, expr: &Expr) -> Option<ClassRef<'a>> {
        match self.resolve(file, expr) {
            Resolved::Class(c) => Some(c),
            _ => None,
        }
    }
}

/// Name resolution from inside one file, as the type mapping needs it.
pub struct Scope<'p, 'a> {
    pub prog: &'p Program<'a>,
    pub file: usize,
    pub dialect: crate::dialect::Dialect,
    /// SQLAlchemy's `type_annotation_map` entries (annotation name -> type
    /// expression and its file), for `Mapped[...]` columns.
    pub type_map: Option<std::rc::Rc<TypeMap<'a>>>,
}

/// `type_annotation_map = {int: BIGINT, str50: String(50)}` by key name.
pub type TypeMap<'a> = HashMap<String, (usize, &'a Expr)>;

impl<'p, 'a> Scope<'p, 'a> {
    pub fn at(&self, file: usize) -> Scope<'p, 'a> {
        Scope {
            prog: self.prog,
            file,
            dialect: self.dialect,
            type_map: self.type_map.clone(),
        }
    }

    pub fn pyfile(&self) -> &'a PyFile {
        &self.prog.files[self.file]
    }

    pub fn location(&self, range: TextRange) -> Location {
        self.pyfile().location(range)
    }
}

/// Whether a class derives (directly or through project classes) from one
/// of the external bases whose last name is in `names`.
pub fn derives_from_external(
    prog: &Program<'_>,
    c: ClassRef<'_>,
    names: &[&str],
    depth: usize,
) -> bool {
    if depth > MAX_DEPTH {
        return false;
    }
    let Some(args) = &c.def.arguments else {
        return false;
    };
    args.args.iter().any(|b| match prog.resolve(c.file, b) {
        Resolved::Class(parent) => {
            parent.key() != c.key() && derives_from_external(prog, parent, names, depth + 1)
        }
        Resolved::External(p) => names.contains(&p.rsplit('.').next().unwrap_or(&p)),
        _ => false,
    })
}

/// Subclasses of sqlalchemy_utils' types (fief's `class
/// StringEncryptedType(BaseStringEncryptedType): impl = Text`) are
/// `TypeDecorator`s too.
fn derives_from_utils_type(prog: &Program<'_>, c: ClassRef<'_>, depth: usize) -> bool {
    if depth > MAX_DEPTH {
        return false;
    }
    let Some(args) = &c.def.arguments else {
        return false;
    };
    args.args.iter().any(|b| match prog.resolve(c.file, b) {
        Resolved::Class(parent) => {
            parent.key() != c.key() && derives_from_utils_type(prog, parent, depth + 1)
        }
        Resolved::External(p) => p.starts_with("sqlalchemy_utils.types."),
        _ => false,
    })
}

const ENUM_BASES: &[&str] = &["Enum", "IntEnum", "StrEnum", "Flag", "IntFlag"];
const TYPE_BASES: &[&str] = &["TypeDecorator", "UserDefinedType", "TypeEngine"];

/// Members of a Python enum class: `NAME = value` assignments in its body.
pub fn enum_members(c: ClassRef<'_>) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    for stmt in &c.def.body {
        let (target, value) = match stmt {
            Stmt::Assign(a) if a.targets.len() == 1 => (&a.targets[0], Some(&*a.value)),
            Stmt::AnnAssign(a) => (&*a.target, a.value.as_deref()),
            _ => continue,
        };
        let (Expr::Name(n), Some(value)) = (target, value) else {
            continue;
        };
        let name = n.id.as_str();
        if name.starts_with('_') || matches!(value, Expr::Lambda(_)) {
            continue;
        }
        let v = match value {
            Expr::StringLiteral(s) => Some(s.value.to_str().to_string()),
            Expr::Tuple(t) => t.elts.first().and_then(|e| match e {
                Expr::StringLiteral(s) => Some(s.value.to_str().to_string()),
                other => int_lit(other).map(|i| i.to_string()),
            }),
            other => int_lit(other).map(|i| i.to_string()),
        };
        out.push((name.to_string(), v));
    }
    out
}

/// The type `load_dialect_impl(self, dialect)` returns for `ours`, when its
/// body is `if dialect.name == "postgresql": return dialect.type_descriptor(T)`
/// branches (`==`, `!=`, `in`) ending in returns; None for anything else.
fn dialect_impl(
    f: &ruff_python_ast::StmtFunctionDef,
    ours: crate::dialect::Dialect,
) -> Option<&Expr> {
    let param = f.parameters.args.get(1)?.parameter.name.as_str();
    dialect_branch(&f.body, param, ours, 0)
}

fn dialect_branch<'a>(
    body: &'a [Stmt],
    param: &str,
    ours: crate::dialect::Dialect,
    depth: usize,
) -> Option<&'a Expr> {
    if depth > 8 {
        return None;
    }
    for stmt in body {
        match stmt {
            Stmt::Return(r) => {
                let v = r.value.as_deref()?;
                return match v {
                    Expr::Call(c) if matches!(&*c.func, Expr::Attribute(a) if a.attr.as_str() == "type_descriptor") => {
                        c.arguments.args.first()
                    }
                    other => Some(other),
                };
            }
            Stmt::If(i) => {
                if dialect_test(&i.test, param, ours)? {
                    return dialect_branch(&i.body, param, ours, depth + 1);
                }
                for clause in &i.elif_else_clauses {
                    let taken = match &clause.test {
                        Some(t) => dialect_test(t, param, ours)?,
                        None => true,
                    };
                    if taken {
                        return dialect_branch(&clause.body, param, ours, depth + 1);
                    }
                }
            }
            // docstrings and other expression statements change nothing
            Stmt::Expr(_) | Stmt::Pass(_) => {}
            _ => return None,
        }
    }
    None
}

/// `dialect.name == "postgresql"`, `!=`, `in ("mysql", "mariadb")`, `not in`.
fn dialect_test(test: &Expr, param: &str, ours: crate::dialect::Dialect) -> Option<bool> {
    use ruff_python_ast::CmpOp;
    let Expr::Compare(c) = test else {
        return None;
    };
    let (Some(op), Some(right), 1) = (c.ops.first(), c.comparators.first(), c.ops.len()) else {
        return None;
    };
    match &*c.left {
        Expr::Attribute(a)
            if a.attr.as_str() == "name"
                && matches!(&*a.value, Expr::Name(n) if n.id.as_str() == param) => {}
        _ => return None,
    }
    let is_ours = |e: &Expr| match e {
        Expr::StringLiteral(s) => {
            Some(crate::dialect::Dialect::parse(s.value.to_str()) == Some(ours))
        }
        _ => None,
    };
    let any_ours = |e: &Expr| -> Option<bool> {
        let elts = match e {
            Expr::Tuple(t) => &t.elts,
            Expr::List(l) => &l.elts,
            Expr::Set(s) => &s.elts,
            _ => return None,
        };
        let mut hit = false;
        for e in elts {
            hit |= is_ours(e)?;
        }
        Some(hit)
    };
    match op {
        CmpOp::Eq => is_ours(right),
        CmpOp::NotEq => is_ours(right).map(|b| !b),
        CmpOp::In => any_ours(right),
        CmpOp::NotIn => any_ours(right).map(|b| !b),
        _ => None,
    }
}

impl Scope<'_, '_> {
    /// A project-defined type: a `TypeDecorator` subclass (by its `impl` or
    /// `load_dialect_impl`), or a module-level type value (`JSONVariant =
    /// JSON().with_variant(JSONB(), "postgresql")`). `depth` bounds chains of
    /// them (`impl = OtherProjectType`) so cycles stay finite.
    fn custom_type_nested(
        &self,
        expr: &Expr,
        call: Option<&ExprCall>,
        depth: usize,
    ) -> Option<Result<crate::schema::SqlType, String>> {
        if depth > 4 {
            return None;
        }
        let c = match self.prog.resolve(self.file, expr) {
            Resolved::Class(c) => c,
            Resolved::Value { file, expr: v }
                if matches!(v, Expr::Call(_) | Expr::Attribute(_) | Expr::Name(_)) =>
            {
                // `X = X.with_variant(...)`: the inner `X` is the earlier value
                let previous = root_name(v).and_then(|r| {
                    let p = self.prog.syms.get(file)?.previous.get(r)?;
                    Some((r, *p))
                });
                let nested = Nested {
                    scope: self.at(file),
                    depth: depth + 1,
                    previous,
                };
                return Some(super::sqlalchemy_types::sa_type_from_expr(v, &nested));
            }
            _ => return None,
        };
        if !derives_from_external(self.prog, c, TYPE_BASES, 0)
            && !derives_from_utils_type(self.prog, c, 0)
        {
            return None;
        }
        let imp = c.def.body.iter().find_map(|s| match s {
            Stmt::Assign(a) => match a.targets.first() {
                Some(Expr::Name(n)) if n.id.as_str() == "impl" => Some(&*a.value),
                _ => None,
            },
            Stmt::AnnAssign(a) => match (&*a.target, &a.value) {
                (Expr::Name(n), Some(v)) if n.id.as_str() == "impl" => Some(&**v),
                _ => None,
            },
            _ => None,
        });
        // `load_dialect_impl` overrides `impl` per dialect (SQLAlchemy's
        // documented GUID recipe: UUID on PostgreSQL, CHAR(32) elsewhere)
        let per_dialect = c.def.body.iter().find_map(|s| match s {
            Stmt::FunctionDef(f) if f.name.as_str() == "load_dialect_impl" => Some(f),
            _ => None,
        });
        let imp = match per_dialect {
            Some(f) => match dialect_impl(f, self.dialect) {
                Some(e) => Some(e),
                None => {
                    return Some(Err(format!(
                        "custom type `{}` picks its type in `load_dialect_impl` in a way migraguard cannot follow",
                        c.name()
                    )))
                }
            },
            None => {
                // arguments go to `impl` unless the class (or a library base
                // such as sqlalchemy_utils' types) takes them itself
                let own_init = c.def.body.iter().any(
                    |s| matches!(s, Stmt::FunctionDef(f) if f.name.as_str() == "__init__"),
                ) || derives_from_utils_type(self.prog, c, 0);
                let with_args = call
                    .filter(|c| !c.arguments.is_empty() && !own_init)
                    .zip(imp)
                    .and_then(|(call, imp)| {
                        super::sqlalchemy_types::impl_with_args(
                            imp,
                            call,
                            &Nested {
                                scope: self.at(c.file),
                                depth: depth + 1,
                                previous: None,
                            },
                        )
                    });
                if let Some(t) = with_args {
                    return Some(t.map_err(|e| format!("custom type `{}`: {e}", c.name())));
                }
                imp
            }
        };
        Some(match imp {
            // `impl = OtherProjectType` is followed from the class's own file
            Some(imp) => super::sqlalchemy_types::sa_type_from_expr(
                imp,
                &Nested {
                    scope: self.at(c.file),
                    depth: depth + 1,
                    previous: None,
                },
            )
            .map_err(|e| format!("custom type `{}`: {e}", c.name())),
            None => Err(format!(
                "custom type `{}` has no `impl` migraguard can read",
                c.name()
            )),
        })
    }
}

/// The lookup used inside a project type's definition: its own file's
/// names, one level deeper.
struct Nested<'p, 'a> {
    scope: Scope<'p, 'a>,
    depth: usize,
    /// A name and the value it had before it was rebound from itself.
    previous: Option<(&'a str, &'a Expr)>,
}

impl super::sqlalchemy_types::TypeLookup for Nested<'_, '_> {
    fn custom_type(
        &self,
        expr: &Expr,
        call: Option<&ExprCall>,
    ) -> Option<Result<crate::schema::SqlType, String>> {
        if let (Some((name, prev)), Expr::Name(n)) = (self.previous, expr) {
            if n.id.as_str() == name {
                let inner = Nested {
                    scope: self.scope.at(self.scope.file),
                    depth: self.depth + 1,
                    previous: None,
                };
                return Some(super::sqlalchemy_types::sa_type_from_expr(prev, &inner));
            }
        }
        self.scope.custom_type_nested(expr, call, self.depth)
    }
    fn dialect(&self) -> crate::dialect::Dialect {
        self.scope.dialect
    }
    fn import_path(&self, expr: &Expr) -> Option<String> {
        super::sqlalchemy_types::TypeLookup::import_path(&self.scope, expr)
    }
    fn constant_int(&self, expr: &Expr) -> Option<u32> {
        super::sqlalchemy_types::TypeLookup::constant_int(&self.scope, expr)
    }
    fn constant_strings(&self, expr: &Expr) -> Option<Vec<String>> {
        super::sqlalchemy_types::TypeLookup::constant_strings(&self.scope, expr)
    }
    fn python_enum(&self, expr: &Expr) -> Option<super::sqlalchemy_types::PyEnum> {
        super::sqlalchemy_types::TypeLookup::python_enum(&self.scope, expr)
    }
}

impl super::sqlalchemy_types::TypeLookup for Scope<'_, '_> {
    fn import_path(&self, expr: &Expr) -> Option<String> {
        match self.prog.resolve(self.file, expr) {
            Resolved::External(p) if p.contains('.') => Some(p),
            _ => None,
        }
    }

    fn python_enum(&self, expr: &Expr) -> Option<super::sqlalchemy_types::PyEnum> {
        let c = self.prog.class_of(self.file, expr)?;
        if !derives_from_external(self.prog, c, ENUM_BASES, 0) {
            return None;
        }
        Some(super::sqlalchemy_types::PyEnum {
            class_name: c.name().to_string(),
            members: enum_members(c),
        })
    }

    fn custom_type(
        &self,
        expr: &Expr,
        call: Option<&ExprCall>,
    ) -> Option<Result<crate::schema::SqlType, String>> {
        self.custom_type_nested(expr, call, 0)
    }

    fn dialect(&self) -> crate::dialect::Dialect {
        self.dialect
    }

    fn annotation_type(&self, name: &str) -> Option<Result<crate::schema::SqlType, String>> {
        let map = self.type_map.as_ref()?;
        let (file, expr) = map.get(name)?;
        Some(
            super::sqlalchemy_types::sa_type_from_expr(expr, &self.at(*file))
                .map_err(|e| format!("`type_annotation_map` entry for `{name}`: {e}")),
        )
    }

    fn constant_int(&self, expr: &Expr) -> Option<u32> {
        // `LENGTHS["user"]` / `LENGTHS.get("user")` on a module-level dict literal
        // (privacyidea's `audit_column_length`)
        let keyed = match expr {
            Expr::Subscript(sub) => Some((&*sub.value, &*sub.slice)),
            Expr::Call(c) => match (&*c.func, c.arguments.args.first()) {
                (Expr::Attribute(a), Some(k))
                    if a.attr.as_str() == "get" && c.arguments.args.len() == 1 =>
                {
                    Some((&*a.value, k))
                }
                _ => None,
            },
            _ => None,
        };
        if let Some((dict, key)) = keyed {
            let key = str_lit(key)?;
            let Resolved::Value {
                expr: Expr::Dict(d),
                ..
            } = self.prog.resolve(self.file, dict)
            else {
                return None;
            };
            // the last entry for a key wins, as in Python
            return d
                .items
                .iter()
                .rev()
                .find(|it| it.key.as_ref().and_then(str_lit) == Some(key))
                .and_then(|it| u32_lit(&it.value));
        }
        match self.prog.resolve(self.file, expr) {
            Resolved::Value { expr, .. } => u32_lit(expr),
            _ => None,
        }
    }

    fn constant_strings(&self, expr: &Expr) -> Option<Vec<String>> {
        let Resolved::Value { expr, .. } = self.prog.resolve(self.file, expr) else {
            return None;
        };
        let elts = match expr {
            Expr::Tuple(t) => &t.elts,
            Expr::List(l) => &l.elts,
            _ => return None,
        };
        elts.iter()
            .map(|e| str_lit(e).map(str::to_string))
            .collect::<Option<Vec<_>>>()
            .filter(|v| !v.is_empty())
    }

    fn annotation_overridden(&self, name: &str) -> bool {
        self.type_map
            .as_ref()
            .map(|m| m.contains_key(name))
            .unwrap_or(false)
    }
}

/// The names whose definitions matter for building tables: base classes,
/// enum classes passed to `Enum(...)`, and names used in annotations.
/// Used to decide which imported modules outside the model paths to parse.
pub fn wanted_names(file: &PyFile) -> Vec<String> {
    let mut out: Vec<&str> = Vec::new();
    // dotted paths through a module (`schemas.states.StateType`): their
    // submodule may be needed too
    let mut dotted_out: Vec<String> = Vec::new();
    for class in module_classes(&file.ast.body) {
        if let Some(args) = &class.arguments {
            for b in args.args.iter() {
                if let Some(r) = root_name(b) {
                    out.push(r);
                }
            }
            for k in args.keywords.iter() {
                if let Some(r) = root_name(&k.value) {
                    out.push(r);
                }
            }
        }
        for stmt in &class.body {
            // `return CAMEL_TO_SNAKE.sub("_", cls.__name__).lower()` (prefect):
            // the name computing the table names lives in another module
            if let Stmt::FunctionDef(f) = stmt {
                if f.name.as_str() == "__tablename__" {
                    for st in &f.body {
                        if let Stmt::Return(r) = st {
                            if let Some(root) = r.value.as_deref().and_then(root_name) {
                                out.push(root);
                            }
                        }
                    }
                }
                continue;
            }
            let value = match stmt {
                Stmt::Assign(a) => Some(&*a.value),
                Stmt::AnnAssign(a) => {
                    names_in(&a.annotation, &mut out, 0);
                    a.value.as_deref()
                }
                _ => None,
            };
            if let Some(Expr::Call(call)) = value {
                let before = out.len();
                enum_args(call, &mut out, 0);
                if out.len() > before {
                    collect_enum_paths(call, &mut dotted_out, 0);
                }
            }
        }
    }
    let mut out: Vec<String> = out.into_iter().map(str::to_string).collect();
    out.extend(dotted_out);
    out.sort_unstable();
    out.dedup();
    out
}

/// Full dotted paths of the enum classes given to `Enum(...)` in `call`.
fn collect_enum_paths(call: &ExprCall, out: &mut Vec<String>, depth: usize) {
    if depth > 8 {
        return;
    }
    if matches!(call_name(call), Some("Enum" | "ENUM")) {
        if let Some(d) = call.arguments.args.first().and_then(dotted) {
            if d.contains('.') {
                out.push(d);
            }
        }
    }
    for a in call.arguments.args.iter() {
        if let Expr::Call(inner) = a {
            collect_enum_paths(inner, out, depth + 1);
        }
    }
}

fn names_in<'a>(expr: &'a Expr, out: &mut Vec<&'a str>, depth: usize) {
    if depth > 16 {
        return;
    }
    match expr {
        Expr::Name(n) => out.push(n.id.as_str()),
        Expr::Attribute(_) => {
            if let Some(r) = root_name(expr) {
                out.push(r);
            }
        }
        Expr::Subscript(s) => {
            names_in(&s.value, out, depth + 1);
            names_in(&s.slice, out, depth + 1);
        }
        Expr::Tuple(t) => t.elts.iter().for_each(|e| names_in(e, out, depth + 1)),
        Expr::BinOp(b) => {
            names_in(&b.left, out, depth + 1);
            names_in(&b.right, out, depth + 1);
        }
        _ => {}
    }
}

fn enum_args<'a>(call: &'a ExprCall, out: &mut Vec<&'a str>, depth: usize) {
    if depth > 8 {
        return;
    }
    if matches!(call_name(call), Some("Enum" | "ENUM")) {
        if let Some(r) = call.arguments.args.first().and_then(root_name) {
            out.push(r);
        }
    }
    for a in call.arguments.args.iter() {
        if let Expr::Call(inner) = a {
            enum_args(inner, out, depth + 1);
        }
    }
    for k in call.arguments.keywords.iter() {
        if let Expr::Call(inner) = &k.value {
            enum_args(inner, out, depth + 1);
        }
    }
}

/// Range helper: from the start of `a` to the end of `b`.
pub fn span(a: TextRange, b: TextRange) -> TextRange {
    TextRange::new(a.start().min(b.start()), b.end().max(a.end()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_names_follow_packages() {
        assert_eq!(
            module_of("app/models/user.py"),
            ("app.models.user".into(), "app.models".into())
        );
        assert_eq!(
            module_of("app/models/__init__.py"),
            ("app.models".into(), "app.models".into())
        );
        assert_eq!(
            absolute_module("app.models", 1, Some("base")),
            "app.models.base"
        );
        assert_eq!(absolute_module("app.models", 2, Some("db")), "app.db");
        assert_eq!(absolute_module("app.models", 1, None), "app.models");
    }

    #[test]
    fn resolves_names_across_files_and_suffix_modules() {
        let files = vec![
            parse_file(SourceFile::new(
                "src/app/base.py",
                "from sqlalchemy.orm import DeclarativeBase\nclass Base(DeclarativeBase):\n    pass\n",
            )),
            parse_file(SourceFile::new(
                "src/app/models.py",
                "from app.base import Base as B\nimport sqlalchemy as sa\nclass User(B):\n    pass\nX = sa.String\n",
            )),
        ];
        let prog = Program::new(&files);
        let classes = module_classes(&files[1].ast.body);
        let user = classes[0];
        let base_expr = &user.arguments.as_ref().unwrap().args[0];
        match prog.resolve(1, base_expr) {
            Resolved::Class(c) => assert_eq!(c.name(), "Base"),
            _ => panic!("Base not resolved"),
        }
        let base = module_classes(&files[0].ast.body)[0];
        match prog.resolve(0, &base.arguments.as_ref().unwrap().args[0]) {
            Resolved::External(p) => assert_eq!(p, "sqlalchemy.orm.DeclarativeBase"),
            _ => panic!("external not resolved"),
        }
    }

    #[test]
    fn syntax_errors_keep_recovered_classes() {
        let f = parse_file(SourceFile::new(
            "m.py",
            "class A:\n    x = 1\n\ndef broken(:\n    pass\n\nclass B:\n    y = 2\n",
        ));
        assert!(f.syntax_error.is_some());
        let names: Vec<_> = module_classes(&f.ast.body)
            .iter()
            .map(|c| c.name.as_str().to_string())
            .collect();
        assert_eq!(names, vec!["A", "B"]);
    }

    #[test]
    fn chains_are_measured_per_operand() {
        let chain = |src: &str| {
            let p = ruff_python_parser::parse_unchecked_source(src, PySourceType::Python);
            longest_chain(p.tokens())
        };
        assert_eq!(chain("x = [-1, -2, -3, -4]\n"), 2);
        assert_eq!(chain("x = 1 + 2 + 3\ny = 1\n"), 3);
        assert_eq!(chain("x = a + (b + (c + d))\n"), 4);
        assert_eq!(chain("x = {'a': None, 'b': True}\n"), 1);
        assert_eq!(chain("f = lambda: lambda: 1\n"), 3);
    }

    #[test]
    fn pathological_nesting_is_refused_not_overflowed() {
        let text = "x = ".to_string() + &"(".repeat(5000);
        let f = parse_file(SourceFile::new("deep.py", text));
        assert!(f.syntax_error.is_some());
    }
}
