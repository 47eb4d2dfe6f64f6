//! `upgrade()` of one revision file reduced to `Op`s.
//!
//! Names (`op`, `sa`, `postgresql`, type aliases) are followed through the
//! file's imports; local variables and module constants bound to literals
//! are followed through assignments; a function of the same file called from
//! `upgrade()` is walked with its parameters bound to the caller's arguments
//! (depth-limited). Branches on the dialect (`op.get_bind().dialect.name ==
//! "postgresql"`) are decided; loops over a literal list are unrolled; any
//! other loop, branch or `try` around `op.*` calls is an MG205 note.

use super::{unknown_type, Op, TypeFrom, TypeRef, Upgrade};
use crate::dialect::Dialect;
use crate::findings::Finding;
use crate::migrations::apply::{ColumnChange, TableRef};
use crate::migrations::sql::split;
use crate::migrations::sql::statements::{self, Kind};
use crate::models::python::{
    as_call, bool_lit, call_name, dotted, is_none, kwarg, last_name, str_lit, u32_lit, PyFile,
};
use crate::models::sqlalchemy::{fk_actions, server_default, split_fk_target};
use crate::models::sqlalchemy_types::{sa_type_from_expr, PyEnum, TypeLookup};
use crate::rules::{Severity, MG205};
use crate::schema::{Check, Column, ForeignKey, Index, SqlType, Table};
use crate::source::{Location, SourceFile};
use ruff_python_ast::visitor::{walk_expr, walk_stmt, Visitor};
use ruff_python_ast::{Expr, ExprCall, Stmt, StmtFunctionDef};
use ruff_text_size::{Ranged, TextRange};
use std::cell::Cell;
use std::collections::HashMap;

/// How deep same-file helpers may call each other.
const MAX_HELPER_DEPTH: usize = 6;
/// Deepest statement nesting walked (Python itself allows 100 levels).
const MAX_NESTING: usize = 100;
/// Most same-file helper calls walked in one revision.
const MAX_HELPER_CALLS: usize = 500;
/// Most statements looked at to tell whether a block changes the schema.
const MAX_VISITED: usize = 2000;
/// Longest literal list a `for` loop is unrolled over.
const MAX_UNROLL: usize = 64;

/// Modules whose type names mean what the shared type mapping says; a type
/// imported from anywhere else is the project's own.
const TYPE_MODULES: &[&str] = &[
    "sqlalchemy",
    "sqlmodel",
    "sqlalchemy_utils",
    "geoalchemy2",
    "pgvector",
];

/// `op` methods that change nothing in the schema (data, context, comments).
const QUIET_OPS: &[&str] = &[
    "get_bind",
    "get_context",
    "bulk_insert",
    "inline_literal",
    "f",
    "create_table_comment",
    "drop_table_comment",
    "invoke",
    "run_async",
    "implementation_for",
    "register_operation",
    // constraints the schema IR does not model
    "create_exclude_constraint",
];

/// Local names and the batch tables of enclosing `batch_alter_table` blocks.
#[derive(Clone, Default)]
struct Env<'a> {
    vars: HashMap<String, &'a Expr>,
    /// Helper parameters given an f-string evaluated in the caller's scope
    /// (its placeholders name the caller's variables): where, and its value.
    evaluated: HashMap<String, (TextRange, String)>,
    batches: HashMap<String, TableRef>,
}

struct Reader<'a> {
    py: &'a PyFile,
    dialect: Dialect,
    /// Names `op` is known by (`op`, `alembic.op`, an alias).
    op_names: Vec<String>,
    /// Local name -> dotted import path (`sa` -> `sqlalchemy`, `UUID` ->
    /// `sqlalchemy.dialects.postgresql.UUID`).
    imports: HashMap<String, String>,
    helpers: HashMap<&'a str, &'a StmtFunctionDef>,
    mutated: Mutated,
    /// Classes defined in the revision (a `TypeDecorator`, a Python enum).
    local_classes: Vec<&'a ruff_python_ast::StmtClassDef>,
    module_vars: HashMap<String, &'a Expr>,
    ops: Vec<Op>,
    findings: Vec<Finding>,
    /// Helper call depth.
    depth: usize,
    /// Helper calls walked so far.
    helper_calls: usize,
    nesting: usize,
    too_deep_noted: bool,
}

pub(super) fn read(py: &PyFile, dialect: Dialect) -> Upgrade {
    let mut r = Reader {
        py,
        dialect,
        op_names: vec!["op".into(), "alembic.op".into()],
        imports: HashMap::new(),
        helpers: HashMap::new(),
        local_classes: Vec::new(),
        module_vars: HashMap::new(),
        ops: Vec::new(),
        findings: Vec::new(),
        depth: 0,
        helper_calls: 0,
        nesting: 0,
        too_deep_noted: false,
        mutated: Mutated::default(),
    };
    let mut mutated = Mutated::default();
    for st in &py.ast.body {
        mutated.visit_stmt(st);
    }
    r.mutated = mutated;
    r.collect_module(&py.ast.body);
    let Some(upgrade) = r.upgrade_fn() else {
        if py.syntax_error.is_none() {
            r.note(
                Location::line(py.source.path.clone(), 1),
                None,
                false,
                "no `def upgrade()` in this revision".into(),
            );
        }
        return Upgrade {
            findings: r.findings,
            ops: r.ops,
        };
    };
    let p = &upgrade.parameters;
    // `upgrade(op=None)`: the application passes the `Operations` object
    // itself (CTFd's plugin migrations); the parameter is `op`
    let takes_op = p.posonlyargs.is_empty()
        && p.kwonlyargs.is_empty()
        && matches!(p.args.as_slice(), [a] if a.parameter.name.as_str() == "op");
    let no_params = p.posonlyargs.is_empty() && p.args.is_empty() && p.kwonlyargs.is_empty();
    if !(takes_op || no_params) {
        // the multidb template: `upgrade(engine_name)` dispatches to
        // `upgrade_<engine>()`, one per database; migraguard checks one
        // database and does not know which engine it is
        let head = TextRange::new(upgrade.range().start(), upgrade.parameters.range().end());
        r.note(
            r.loc(head),
            None,
            true,
            "a multi-database `upgrade(engine_name)`: its `upgrade_<engine>()` functions are not read".into(),
        );
        return Upgrade {
            findings: r.findings,
            ops: r.ops,
        };
    }
    let mut env = Env::default();
    r.block(&upgrade.body, &mut env);
    Upgrade {
        findings: r.findings,
        ops: r.ops,
    }
}

impl<'a> Reader<'a> {
    fn collect_module(&mut self, body: &'a [Stmt]) {
        for st in body {
            match st {
                Stmt::Import(i) => {
                    for a in &i.names {
                        let full = a.name.as_str();
                        match &a.asname {
                            Some(asname) => {
                                if full == "alembic.op" {
                                    self.op_names.push(asname.as_str().to_string());
                                }
                                self.imports
                                    .insert(asname.as_str().to_string(), full.to_string());
                            }
                            None => {
                                let root = full.split('.').next().unwrap_or(full);
                                self.imports.insert(root.to_string(), root.to_string());
                            }
                        }
                    }
                }
                Stmt::ImportFrom(i) => {
                    let module = i.module.as_ref().map(|m| m.as_str()).unwrap_or("");
                    for a in &i.names {
                        let name = a.name.as_str();
                        let local = a.asname.as_ref().map(|n| n.as_str()).unwrap_or(name);
                        if module == "alembic" && name == "op" {
                            self.op_names.push(local.to_string());
                        }
                        self.imports
                            .insert(local.to_string(), format!("{module}.{name}"));
                    }
                }
                Stmt::Assign(a) => {
                    if let [Expr::Name(n)] = a.targets.as_slice() {
                        self.module_vars.insert(n.id.to_string(), &a.value);
                    }
                }
                Stmt::AnnAssign(a) => {
                    if let (Expr::Name(n), Some(v)) = (&*a.target, &a.value) {
                        self.module_vars.insert(n.id.to_string(), v);
                    }
                }
                Stmt::FunctionDef(f) => {
                    self.helpers.insert(f.name.as_str(), f);
                }
                Stmt::ClassDef(c) => self.local_classes.push(c),
                _ => {}
            }
        }
    }

    /// `def upgrade()`. Multi-database templates (`upgrade_<engine>()`
    /// called from `upgrade(engine_name)` through `globals()`) are not read:
    /// they apply to several databases, and migraguard checks one.
    fn upgrade_fn(&self) -> Option<&'a StmtFunctionDef> {
        self.helpers.get("upgrade").copied()
    }

    fn loc(&self, r: TextRange) -> Location {
        self.py.location(r)
    }

    // ----- notes ----------------------------------------------------------

    fn note(&mut self, at: Location, table: Option<TableRef>, creates: bool, what: String) {
        let tname = table.as_ref().map(TableRef::display);
        let suffix = match &tname {
            Some(n) => format!("; `{n}` is not compared column by column from here on"),
            None => "; the migrated schema may be incomplete".into(),
        };
        self.findings.push(
            Finding::new(
                &MG205,
                tname.as_deref(),
                None,
                &format!("alembic-unread:{}:{what}", self.py.source.path),
                format!("{what}{suffix}"),
            )
            .severity(Severity::Note)
            .at(at.clone())
            .label("not replayed"),
        );
        self.ops.push(Op::Unread { table, creates, at });
    }

    // ----- names ----------------------------------------------------------

    /// Follows local and module names bound to an expression.
    fn resolve(&self, e: &'a Expr, env: &Env<'a>) -> &'a Expr {
        let mut cur = e;
        for _ in 0..16 {
            let Expr::Name(n) = cur else { return cur };
            let id = n.id.as_str();
            match env.vars.get(id).or_else(|| self.module_vars.get(id)) {
                Some(next) if !std::ptr::eq(*next, cur) => cur = next,
                _ => return cur,
            }
        }
        cur
    }

    /// A literal name: `"users"`, `op.f("ix_x")`, `conv("...")`, or a name
    /// bound to one.
    fn string(&self, e: &'a Expr, env: &Env<'a>) -> Option<String> {
        let e = self.resolve(e, env);
        match e {
            Expr::StringLiteral(s) => Some(s.value.to_str().to_string()),
            Expr::Call(c)
                if matches!(call_name(c), Some("f" | "conv" | "quoted_name"))
                    && c.arguments.args.len() <= 2 =>
            {
                self.string(c.arguments.args.first()?, env)
            }
            _ => None,
        }
    }

    /// `schema=` of a call: `Ok(None)` when absent or None.
    fn schema_kw(
        &self,
        call: &'a ExprCall,
        name: &str,
        env: &Env<'a>,
    ) -> Result<Option<String>, ()> {
        match kwarg(call, name) {
            None => Ok(None),
            Some(v) if is_none(self.resolve(v, env)) => Ok(None),
            Some(v) => self.string(v, env).map(Some).ok_or(()),
        }
    }

    fn flag(&self, call: &'a ExprCall, name: &str, env: &Env<'a>) -> bool {
        kwarg(call, name)
            .and_then(|v| bool_lit(self.resolve(v, env)))
            .unwrap_or(false)
    }

    /// Positional argument `i`, or keyword `name`.
    fn arg(call: &'a ExprCall, i: usize, name: &str) -> Option<&'a Expr> {
        kwarg(call, name).or_else(|| call.arguments.args.get(i))
    }

    /// A list of literal strings (`["a", "b"]`, a tuple, one string).
    fn strings(&self, e: &'a Expr, env: &Env<'a>) -> Option<Vec<String>> {
        let e = self.resolve(e, env);
        match e {
            Expr::List(l) => l.elts.iter().map(|x| self.string(x, env)).collect(),
            Expr::Tuple(t) => t.elts.iter().map(|x| self.string(x, env)).collect(),
            _ => self.string(e, env).map(|s| vec![s]),
        }
    }

    fn is_op(&self, e: &Expr) -> bool {
        dotted(e).is_some_and(|d| self.op_names.contains(&d))
    }

    /// Which receiver a call is made on: `op` (table None) or a batch alias.
    fn receiver(&self, call: &'a ExprCall, env: &Env<'a>) -> Option<(String, Option<TableRef>)> {
        let Expr::Attribute(attr) = &*call.func else {
            return None;
        };
        let method = attr.attr.as_str().to_string();
        if self.is_op(&attr.value) {
            return Some((method, None));
        }
        if let Expr::Name(n) = &*attr.value {
            if let Some(t) = env.batches.get(n.id.as_str()) {
                return Some((method, Some(t.clone())));
            }
        }
        None
    }

    // ----- statements -----------------------------------------------------

    fn block(&mut self, body: &'a [Stmt], env: &mut Env<'a>) {
        for st in body {
            self.stmt(st, env);
        }
    }

    fn stmt(&mut self, st: &'a Stmt, env: &mut Env<'a>) {
        if self.nesting > MAX_NESTING {
            if !self.too_deep_noted {
                self.too_deep_noted = true;
                self.note(
                    self.loc(TextRange::empty(st.range().start())),
                    None,
                    true,
                    "statements nested this deep".into(),
                );
            }
            return;
        }
        self.nesting += 1;
        self.stmt_inner(st, env);
        self.nesting -= 1;
    }

    fn stmt_inner(&mut self, st: &'a Stmt, env: &mut Env<'a>) {
        match st {
            Stmt::Expr(e) => self.expr_stmt(&e.value, env),
            Stmt::Assign(a) => {
                if let [Expr::Name(n)] = a.targets.as_slice() {
                    env.vars.insert(n.id.to_string(), &a.value);
                }
                self.expr_stmt(&a.value, env);
            }
            Stmt::AnnAssign(a) => {
                if let Some(v) = &a.value {
                    if let Expr::Name(n) = &*a.target {
                        env.vars.insert(n.id.to_string(), v);
                    }
                    self.expr_stmt(v, env);
                }
            }
            Stmt::With(w) => {
                let mut inner = env.clone();
                for item in &w.items {
                    let ctx = &item.context_expr;
                    let batch = as_call(ctx).and_then(|c| {
                        let (m, _) = self.receiver(c, env)?;
                        (m == "batch_alter_table").then_some(c)
                    });
                    if let Some(c) = batch {
                        let table = Self::arg(c, 0, "table_name").and_then(|t| self.string(t, env));
                        let schema = self.schema_kw(c, "schema", env);
                        match (table, schema, item.optional_vars.as_deref()) {
                            (Some(t), Ok(s), Some(Expr::Name(alias))) => {
                                inner
                                    .batches
                                    .insert(alias.id.to_string(), TableRef::new(s.as_deref(), &t));
                            }
                            (t, s, _) => {
                                let table =
                                    t.map(|t| TableRef::new(s.ok().flatten().as_deref(), &t));
                                self.note(
                                    self.loc(c.range()),
                                    table,
                                    false,
                                    "a `batch_alter_table` block whose table is not a literal"
                                        .into(),
                                );
                                return;
                            }
                        }
                    } else {
                        self.expr_stmt(ctx, env);
                    }
                }
                self.block(&w.body, &mut inner);
                // names bound inside the block stay visible after it
                for (k, v) in inner.vars {
                    env.vars.insert(k, v);
                }
            }
            Stmt::If(i) => self.if_stmt(i, env),
            Stmt::For(f) => self.for_stmt(f, env),
            // A retry loop (`while True: try: ...; return`): its body once.
            Stmt::While(w) if w.orelse.is_empty() => self.guarded(&w.body, env),
            Stmt::While(w) => self.opaque_block(st, w.range(), "a `while` loop", env),
            Stmt::Try(t) => self.try_stmt(st, t, env),
            Stmt::Match(m) => self.opaque_block(st, m.range(), "a `match` statement", env),
            Stmt::FunctionDef(_) | Stmt::ClassDef(_) => {
                // a nested helper is found by name when called
            }
            Stmt::Return(r) => {
                if let Some(v) = &r.value {
                    self.expr_stmt(v, env);
                }
            }
            _ => {}
        }
    }

    /// Statements run as an idempotency guard: `try: <DDL> except ...:`, an
    /// `if` migraguard cannot decide with no other branch (`if not
    /// column_exists(...)`), a retry loop. Migrations guard DDL so that it
    /// reaches one end state whatever the database had; replay takes that
    /// end state, and what the guard was for (a table already there, a
    /// column missing) is not reported (MG201-MG203 inside are dropped).
    fn guarded(&mut self, body: &'a [Stmt], env: &mut Env<'a>) {
        let all: Vec<&'a Stmt> = body.iter().collect();
        if !self.schema_calls(&all, env).0 {
            self.block(body, env);
            return;
        }
        self.ops.push(Op::Guard { begin: true });
        self.block(body, env);
        self.ops.push(Op::Guard { begin: false });
    }

    /// Whether an `if` test asks what the database already has
    /// (`if not column_exists(...)`, `if "t" not in insp.get_table_names()`,
    /// `insp.has_table(...)`): its body then makes sure of one end state. Any
    /// other undecidable test (a feature flag, the data) is not a guard.
    fn existence_test(&self, test: &'a Expr) -> bool {
        let text = self.py.text(test.range()).to_ascii_lowercase();
        [
            "exist",
            "has_table",
            "has_column",
            "has_index",
            "get_table_names",
            "get_columns",
            "get_indexes",
            "get_unique_constraints",
            "get_foreign_keys",
            "get_enums",
        ]
        .iter()
        .any(|w| text.contains(w))
    }

    fn try_stmt(&mut self, st: &'a Stmt, t: &'a ruff_python_ast::StmtTry, env: &mut Env<'a>) {
        let handlers: Vec<&'a Stmt> = t
            .handlers
            .iter()
            .flat_map(|h| match h {
                ruff_python_ast::ExceptHandler::ExceptHandler(h) => h.body.iter(),
            })
            .collect();
        if self.schema_calls(&handlers, env).0 {
            // a fallback path with its own DDL: which one ran is data
            return self.opaque_block(st, t.range(), "a `try` block", env);
        }
        let mut body: Vec<&'a Stmt> = t.body.iter().collect();
        body.extend(t.orelse.iter());
        if self.schema_calls(&body, env).0 {
            self.ops.push(Op::Guard { begin: true });
            self.block(&t.body, env);
            self.block(&t.orelse, env);
            self.ops.push(Op::Guard { begin: false });
        } else {
            self.block(&t.body, env);
            self.block(&t.orelse, env);
        }
        self.block(&t.finalbody, env);
    }

    fn if_stmt(&mut self, i: &'a ruff_python_ast::StmtIf, env: &mut Env<'a>) {
        let mut branches: Vec<(Option<&'a Expr>, &'a [Stmt])> = vec![(Some(&i.test), &i.body)];
        for c in &i.elif_else_clauses {
            branches.push((c.test.as_ref(), &c.body));
        }
        for (test, body) in &branches {
            match test {
                None => {
                    self.block(body, env);
                    return;
                }
                Some(t) => match self.dialect_test(t, env, 0) {
                    Some(true) => {
                        self.block(body, env);
                        return;
                    }
                    Some(false) => continue,
                    None if branches.len() == 1 && self.existence_test(t) => {
                        self.guarded(body, env);
                        return;
                    }
                    None => {
                        let all: Vec<&'a Stmt> =
                            branches.iter().flat_map(|(_, b)| b.iter()).collect();
                        let (schema, tables) = self.schema_calls(&all, env);
                        if schema {
                            self.unread_tables(
                                self.loc(TextRange::new(i.range().start(), i.test.range().end())),
                                tables,
                                "`op.*` calls under a condition migraguard cannot decide",
                            );
                        }
                        return;
                    }
                },
            }
        }
    }

    fn for_stmt(&mut self, f: &'a ruff_python_ast::StmtFor, env: &mut Env<'a>) {
        let head = TextRange::new(f.range().start(), f.iter.range().end());
        if let Expr::Name(n) = &*f.iter {
            // a list changed in place is not its literal
            if self.mutated.contains(n.id.as_str()) {
                self.opaque_stmts(&f.body, head, "a loop over computed values", env);
                return;
            }
        }
        let mut iter = self.resolve(&f.iter, env);
        let mut reverse = false;
        if let Some(c) = as_call(iter) {
            if let (Expr::Name(n), [arg]) = (&*c.func, &*c.arguments.args) {
                if c.arguments.keywords.is_empty()
                    && matches!(n.id.as_str(), "reversed" | "list" | "tuple")
                {
                    reverse = n.id.as_str() == "reversed";
                    iter = self.resolve(arg, env);
                }
            }
        }
        let items: Option<Vec<&'a Expr>> = match iter {
            Expr::List(l) => Some(l.elts.iter().collect()),
            Expr::Tuple(t) => Some(t.elts.iter().collect()),
            _ => None,
        };
        let items = items.map(|mut v| {
            if reverse {
                v.reverse();
            }
            v
        });
        match (items, &*f.target) {
            (Some(items), Expr::Name(n)) if items.len() <= MAX_UNROLL && f.orelse.is_empty() => {
                let literal = items.iter().all(|e| {
                    matches!(
                        self.resolve(e, env),
                        Expr::StringLiteral(_) | Expr::NumberLiteral(_) | Expr::Tuple(_)
                    )
                });
                if literal {
                    for item in items {
                        env.vars.insert(n.id.to_string(), item);
                        self.block(&f.body, env);
                    }
                    return;
                }
                self.opaque_stmts(&f.body, head, "a loop over computed values", env);
            }
            // `for table, column in (("a", "x"), ("b", "y")):`
            (Some(items), Expr::Tuple(targets))
                if items.len() <= MAX_UNROLL && f.orelse.is_empty() =>
            {
                let names: Option<Vec<&str>> = targets
                    .elts
                    .iter()
                    .map(|t| match t {
                        Expr::Name(n) => Some(n.id.as_str()),
                        _ => None,
                    })
                    .collect();
                let rows: Option<Vec<&'a [Expr]>> = items
                    .iter()
                    .map(|e| match self.resolve(e, env) {
                        Expr::Tuple(t) => Some(&t.elts[..]),
                        Expr::List(l) => Some(&l.elts[..]),
                        _ => None,
                    })
                    .collect();
                match (names, rows) {
                    (Some(names), Some(rows))
                        if rows.iter().all(|r| {
                            r.len() == names.len() && r.iter().all(|e| self.row_value(e, env))
                        }) =>
                    {
                        for row in rows {
                            for (name, value) in names.iter().zip(row) {
                                env.vars.insert((*name).to_string(), value);
                            }
                            self.block(&f.body, env);
                        }
                    }
                    _ => self.opaque_stmts(&f.body, head, "a loop over computed values", env),
                }
            }
            _ => self.opaque_stmts(&f.body, head, "a loop over computed values", env),
        }
    }

    /// A value of a literal row a loop unrolls: a string or number, or a
    /// list of them and calls the op reader reads itself (CKAN's
    /// `('idx_pkg_sid', 'package', ['id', 'state'])`,
    /// `[sa.text('lower(name)')]`).
    fn row_value(&self, e: &'a Expr, env: &Env<'a>) -> bool {
        match self.resolve(e, env) {
            Expr::StringLiteral(_) | Expr::NumberLiteral(_) => true,
            Expr::List(ruff_python_ast::ExprList { elts, .. })
            | Expr::Tuple(ruff_python_ast::ExprTuple { elts, .. }) => elts.iter().all(|x| {
                matches!(
                    self.resolve(x, env),
                    Expr::StringLiteral(_) | Expr::NumberLiteral(_) | Expr::Call(_)
                )
            }),
            _ => false,
        }
    }

    fn opaque_block(&mut self, st: &'a Stmt, range: TextRange, what: &str, env: &Env<'a>) {
        let (schema, tables) = self.schema_calls(&[st], env);
        if schema {
            let line = self.loc(TextRange::empty(range.start()));
            self.unread_tables(line, tables, &format!("`op.*` calls inside {what}"));
        }
    }

    fn opaque_stmts(&mut self, body: &'a [Stmt], head: TextRange, what: &str, env: &Env<'a>) {
        let all: Vec<&'a Stmt> = body.iter().collect();
        let (schema, tables) = self.schema_calls(&all, env);
        if schema {
            self.unread_tables(
                self.loc(head),
                tables,
                &format!("`op.*` calls inside {what}"),
            );
        }
    }

    fn unread_tables(&mut self, at: Location, tables: Vec<(TableRef, bool)>, what: &str) {
        if tables.is_empty() {
            self.note(at, None, false, format!("{what} are not replayed"));
            return;
        }
        let others: Vec<String> = tables
            .iter()
            .skip(1)
            .map(|(t, _)| format!("`{}`", t.display()))
            .collect();
        let what = match others.as_slice() {
            [] => format!("{what} are not replayed"),
            _ => format!(
                "{what} are not replayed (they also touch {})",
                others.join(", ")
            ),
        };
        let mut first = true;
        for (t, creates) in tables {
            if first {
                self.note(at.clone(), Some(t), creates, what.clone());
                first = false;
            } else {
                self.ops.push(Op::Unread {
                    table: Some(t),
                    creates,
                    at: at.clone(),
                });
            }
        }
    }

    /// Whether `stmts` (helpers they call included) contain schema-changing
    /// `op.*` calls, and the literal tables those calls name.
    fn schema_calls(&self, stmts: &[&'a Stmt], env: &Env<'a>) -> (bool, Vec<(TableRef, bool)>) {
        let mut v = SchemaCalls {
            reader: self,
            env,
            found: false,
            tables: Vec::new(),
            depth: 0,
            nesting: 0,
            visited: 0,
        };
        for st in stmts {
            v.visit_stmt(st);
        }
        (v.found, v.tables)
    }

    /// `op.get_bind().dialect.name == "postgresql"`, `bind.engine.name !=
    /// "sqlite"`, `context.get_context().dialect.name in ("mysql", ...)`.
    fn dialect_test(&self, test: &'a Expr, env: &Env<'a>, depth: usize) -> Option<bool> {
        if depth > 16 {
            return None;
        }
        if let Some(r) = self.returned(test) {
            return self.dialect_test(r, env, depth + 1);
        }
        // `context.is_offline_mode()`, `migration_context.as_sql`: the
        // replayed run is the online one
        let offline = match self.resolve(test, env) {
            Expr::Call(c) => last_name(&c.func) == Some("is_offline_mode"),
            Expr::Attribute(a) => a.attr.as_str() == "as_sql",
            _ => false,
        };
        if offline {
            return Some(false);
        }
        match test {
            Expr::UnaryOp(u) if matches!(u.op, ruff_python_ast::UnaryOp::Not) => {
                self.dialect_test(&u.operand, env, depth + 1).map(|b| !b)
            }
            Expr::BoolOp(b) => {
                let vals: Option<Vec<bool>> = b
                    .values
                    .iter()
                    .map(|v| self.dialect_test(v, env, depth + 1))
                    .collect();
                let vals = vals?;
                Some(match b.op {
                    ruff_python_ast::BoolOp::And => vals.iter().all(|x| *x),
                    ruff_python_ast::BoolOp::Or => vals.iter().any(|x| *x),
                })
            }
            Expr::Compare(c) => {
                let [op] = &*c.ops else { return None };
                let [right] = &*c.comparators else {
                    return None;
                };
                if !self.is_dialect_name(&c.left, env, 0) {
                    return None;
                }
                let ours = |s: &str| Dialect::parse(s) == Some(self.dialect);
                use ruff_python_ast::CmpOp;
                match op {
                    CmpOp::Eq | CmpOp::NotEq | CmpOp::Is | CmpOp::IsNot => {
                        let s = self.string(right, env)?;
                        Some(ours(&s) == matches!(op, CmpOp::Eq | CmpOp::Is))
                    }
                    CmpOp::In | CmpOp::NotIn => {
                        let list = self.strings(right, env)?;
                        Some(list.iter().any(|s| ours(s)) == matches!(op, CmpOp::In))
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }

    fn is_dialect_name(&self, e: &'a Expr, env: &Env<'a>, depth: usize) -> bool {
        if depth > 16 {
            return false;
        }
        let e = self.resolve(e, env);
        if let Some(r) = self.returned(e) {
            return self.is_dialect_name(r, env, depth + 1);
        }
        let Expr::Attribute(a) = e else { return false };
        if a.attr.as_str() != "name" {
            return false;
        }
        match self.resolve(&a.value, env) {
            Expr::Attribute(inner) => matches!(inner.attr.as_str(), "dialect" | "engine"),
            _ => false,
        }
    }

    /// Positional arguments with `*LIST` and `*helper()` spread (a module
    /// constant, or a parameterless function of the file returning a list
    /// literal) and `helper()` returning one column replaced by its value;
    /// None when a `*` argument cannot be read.
    fn items(&self, args: &'a [Expr], env: &Env<'a>) -> Option<Vec<&'a Expr>> {
        let mut out = Vec::new();
        for a in args {
            match a {
                Expr::Starred(st) => {
                    if let Expr::Name(n) = &*st.value {
                        if self.mutated.contains(n.id.as_str()) {
                            return None;
                        }
                    }
                    let v = self.resolve(&st.value, env);
                    let v = self.returned(v).map(|r| self.resolve(r, env)).unwrap_or(v);
                    match v {
                        Expr::List(l) => out.extend(l.elts.iter().map(|e| self.item(e, env))),
                        Expr::Tuple(t) => out.extend(t.elts.iter().map(|e| self.item(e, env))),
                        _ => return None,
                    }
                }
                _ => out.push(self.item(a, env)),
            }
        }
        Some(out)
    }

    fn item(&self, e: &'a Expr, env: &Env<'a>) -> &'a Expr {
        let e = self.resolve(e, env);
        match self.returned(e) {
            Some(r) => self.resolve(r, env),
            None => e,
        }
    }

    /// What `helper()` returns, for a same-file function without
    /// parameters whose body is one `return` (`def is_postgres(): return
    /// op.get_context().dialect.name == "postgresql"`).
    fn returned(&self, e: &'a Expr) -> Option<&'a Expr> {
        let c = as_call(e)?;
        let Expr::Name(n) = &*c.func else { return None };
        if !c.arguments.args.is_empty() || !c.arguments.keywords.is_empty() {
            return None;
        }
        let def = self.helpers.get(n.id.as_str())?;
        let p = &def.parameters;
        if !(p.posonlyargs.is_empty() && p.args.is_empty() && p.kwonlyargs.is_empty()) {
            return None;
        }
        let body: Vec<&Stmt> = def
            .body
            .iter()
            .filter(
                |st| !matches!(st, Stmt::Expr(x) if matches!(&*x.value, Expr::StringLiteral(_))),
            )
            .collect();
        match body.as_slice() {
            [Stmt::Return(r)] => r.value.as_deref(),
            _ => None,
        }
    }

    // ----- calls ----------------------------------------------------------

    fn expr_stmt(&mut self, e: &'a Expr, env: &mut Env<'a>) {
        let Expr::Call(call) = e else {
            if let Expr::Await(a) = e {
                self.expr_stmt(&a.value, env);
            }
            return;
        };
        if let Some((method, batch)) = self.receiver(call, env) {
            self.op_call(&method, batch, call, env);
            return;
        }
        // `sa.Enum(..., name="x").create(op.get_bind())`, `my_enum.drop(bind)`
        if let Expr::Attribute(attr) = &*call.func {
            let m = attr.attr.as_str();
            if m == "create" || m == "drop" {
                let target = self.resolve(&attr.value, env);
                if let Some(c) = as_call(target) {
                    if matches!(call_name(c), Some("Enum" | "ENUM")) {
                        self.enum_create_drop(m == "create", c, call, env);
                        return;
                    }
                }
                if m == "create" && self.takes_bind(call, env) {
                    // `sa.Table("t", meta, ...).create(bind)`,
                    // `Model.__table__.create(bind)`: DDL migraguard
                    // does not read
                    let table = as_call(target)
                        .filter(|c| call_name(c) == Some("Table"))
                        .and_then(|c| c.arguments.args.first())
                        .and_then(|n| self.string(n, env))
                        .map(|n| TableRef::new(None, &n));
                    self.note(
                        self.loc(call.range()),
                        table,
                        true,
                        "a table created through SQLAlchemy's `.create(bind)`".into(),
                    );
                    return;
                }
            }
            if m == "create_all" && self.takes_bind(call, env) {
                self.note(
                    self.loc(call.range()),
                    None,
                    true,
                    "tables created by `metadata.create_all()`; tables this history uses later without creating them are taken as created here".into(),
                );
                return;
            }
        }
        if let Expr::Name(n) = &*call.func {
            if let Some(def) = self.helpers.get(n.id.as_str()).copied() {
                self.helper_call(def, call, env);
            }
        }
    }

    /// Whether a call is given a connection: `op.get_bind()`, a name bound
    /// to it, or `bind=`.
    fn takes_bind(&self, call: &'a ExprCall, env: &Env<'a>) -> bool {
        if kwarg(call, "bind").is_some() {
            return true;
        }
        call.arguments.args.first().is_some_and(|a| {
            let a = self.resolve(a, env);
            as_call(a).is_some_and(|c| {
                matches!(call_name(c), Some("get_bind" | "connection" | "connect"))
            })
        })
    }

    fn enum_create_drop(
        &mut self,
        create: bool,
        ty: &'a ExprCall,
        call: &'a ExprCall,
        env: &Env<'a>,
    ) {
        // only PostgreSQL has enum types; elsewhere `.create(bind)` is a no-op
        if self.dialect != Dialect::Postgresql {
            return;
        }
        let Some(name) = kwarg(ty, "name").and_then(|n| self.string(n, env)) else {
            return;
        };
        if !create {
            self.ops.push(Op::DropEnum { name });
            return;
        }
        let lookup = Types::new(self, env);
        if let Ok(SqlType::Enum { values, .. }) =
            sa_type_from_expr(&Expr::Call(ty.clone()), &lookup)
        {
            self.ops.push(Op::CreateEnum {
                name,
                values,
                at: self.loc(call.range()),
            });
        }
    }

    fn helper_call(&mut self, def: &'a StmtFunctionDef, call: &'a ExprCall, env: &Env<'a>) {
        if matches!(def.name.as_str(), "upgrade" | "downgrade") {
            return;
        }
        let at = self.loc(call.range());
        self.helper_calls += 1;
        if self.helper_calls > MAX_HELPER_CALLS {
            if self.helper_calls == MAX_HELPER_CALLS + 1 {
                self.note(
                    at,
                    None,
                    true,
                    "more same-file helper calls than migraguard follows".into(),
                );
            }
            return;
        }
        if self.depth >= MAX_HELPER_DEPTH {
            let (schema, tables) = self.schema_calls(&def.body.iter().collect::<Vec<_>>(), env);
            if schema {
                self.unread_tables(at, tables, "helpers nested this deep");
            }
            return;
        }
        let mut inner = Env {
            vars: HashMap::new(),
            evaluated: HashMap::new(),
            batches: env.batches.clone(),
        };
        let params = &def.parameters;
        let positional: Vec<&ruff_python_ast::ParameterWithDefault> = params
            .posonlyargs
            .iter()
            .chain(params.args.iter())
            .collect();
        for (i, p) in positional.iter().enumerate() {
            let name = p.parameter.name.as_str();
            let given = call
                .arguments
                .args
                .get(i)
                .filter(|a| !matches!(a, Expr::Starred(_)))
                .or_else(|| kwarg(call, name))
                .or(p.default.as_deref());
            if let Some(g) = given {
                self.bind_param(&mut inner, name, g, env);
            }
        }
        for p in params.kwonlyargs.iter() {
            let name = p.parameter.name.as_str();
            if let Some(g) = kwarg(call, name).or(p.default.as_deref()) {
                self.bind_param(&mut inner, name, g, env);
            }
        }
        // a parameter left unbound stays a bare name: what uses it is unread
        self.depth += 1;
        self.block(&def.body, &mut inner);
        self.depth -= 1;
    }

    /// Binds a helper's parameter to the caller's argument; a batch alias
    /// passed along (`_add_columns(batch_op)`) stays a batch alias.
    fn bind_param(&self, inner: &mut Env<'a>, name: &str, given: &'a Expr, env: &Env<'a>) {
        if let Expr::Name(n) = given {
            if let Some(t) = env.batches.get(n.id.as_str()) {
                inner.batches.insert(name.to_string(), t.clone());
                return;
            }
        }
        inner.batches.remove(name);
        inner.evaluated.remove(name);
        let value = self.resolve(given, env);
        if let Expr::Name(n) = given {
            if let Some(v) = env.evaluated.get(n.id.as_str()) {
                inner.evaluated.insert(name.to_string(), v.clone());
            }
        }
        if let Expr::FString(f) = value {
            if fstring_parts(f).is_none() {
                if let Some(v) = self.fstring_value(f, env) {
                    inner.evaluated.insert(name.to_string(), (f.range(), v));
                }
            }
        }
        inner.vars.insert(name.to_string(), value);
    }

    fn op_call(
        &mut self,
        method: &str,
        batch: Option<TableRef>,
        call: &'a ExprCall,
        env: &mut Env<'a>,
    ) {
        let at = self.loc(call.range());
        if QUIET_OPS.contains(&method) {
            return;
        }
        let kw_splat = call.arguments.keywords.iter().any(|k| k.arg.is_none());
        let readable_star =
            method == "create_table" && self.items(&call.arguments.args, env).is_some();
        if kw_splat || (crate::models::python::has_splat(call) && !readable_star) {
            let t = self.table_arg(method, batch.as_ref(), call, env);
            self.note(
                at,
                t,
                method == "create_table",
                format!("`op.{method}` with `*`/`**` arguments"),
            );
            return;
        }
        // with a batch, the table argument is implicit: positions shift by one
        let shift = usize::from(batch.is_none());
        let table_at = |r: &Self, i: usize, kw: &str| -> Option<TableRef> {
            match &batch {
                Some(t) => Some(t.clone()),
                None => {
                    let name = Self::arg(call, i, kw).and_then(|e| r.string(e, env))?;
                    let schema = r.schema_kw(call, "schema", env).ok()?;
                    Some(TableRef::new(schema.as_deref(), &name))
                }
            }
        };
        match method {
            "execute" => self.execute(call, env),
            "create_table" => self.create_table(call, env),
            "drop_table" => match table_at(self, 0, "table_name") {
                Some(table) => self.ops.push(Op::DropTable {
                    table,
                    if_exists: self.flag(call, "if_exists", env),
                    at,
                }),
                None => self.unreadable_name(method, call),
            },
            "rename_table" => {
                let old = Self::arg(call, 0, "old_table_name").and_then(|e| self.string(e, env));
                let new = Self::arg(call, 1, "new_table_name").and_then(|e| self.string(e, env));
                let schema = self.schema_kw(call, "schema", env);
                match (old, new, schema) {
                    (Some(o), Some(n), Ok(s)) => self.ops.push(Op::RenameTable {
                        from: TableRef::new(s.as_deref(), &o),
                        to: TableRef::new(s.as_deref(), &n),
                        at,
                    }),
                    (o, _, s) => {
                        let t = o.map(|o| TableRef::new(s.ok().flatten().as_deref(), &o));
                        self.note(at, t, true, "`op.rename_table` with a computed name".into());
                    }
                }
            }
            "add_column" => {
                let table = table_at(self, 0, "table_name");
                let col = Self::arg(call, shift, "column")
                    .map(|c| self.item(c, env))
                    .and_then(as_call);
                match (table, col) {
                    (Some(table), Some(col)) => self.add_column(table, col, call, env),
                    (t, _) => self.note(
                        at,
                        t,
                        false,
                        "`op.add_column` with a computed column".into(),
                    ),
                }
            }
            "drop_column" => {
                let table = table_at(self, 0, "table_name");
                let col = Self::arg(call, shift, "column_name").and_then(|e| self.string(e, env));
                match (table, col) {
                    (Some(table), Some(column)) => self.ops.push(Op::DropColumn {
                        table,
                        column,
                        if_exists: self.flag(call, "if_exists", env),
                        at,
                    }),
                    (t, _) => {
                        self.note(at, t, false, "`op.drop_column` with a computed name".into())
                    }
                }
            }
            "alter_column" => {
                let table = table_at(self, 0, "table_name");
                let col = Self::arg(call, shift, "column_name").and_then(|e| self.string(e, env));
                match (table, col) {
                    (Some(table), Some(column)) => self.alter_column(table, column, call, env),
                    (t, _) => self.note(
                        at,
                        t,
                        false,
                        "`op.alter_column` with a computed name".into(),
                    ),
                }
            }
            "create_index" => {
                let name = Self::arg(call, 0, "index_name").and_then(|e| self.string(e, env));
                let table = match &batch {
                    Some(t) => Some(t.clone()),
                    None => table_at(self, 1, "table_name"),
                };
                let cols_at = if batch.is_some() { 1 } else { 2 };
                let cols = Self::arg(call, cols_at, "columns").map(|c| self.index_columns(c, env));
                match (table, cols) {
                    (Some(table), Some(columns)) => {
                        let index = Index {
                            name,
                            columns,
                            unique: self.flag(call, "unique", env),
                            location: at.clone(),
                        };
                        self.ops.push(Op::CreateIndex {
                            table,
                            index,
                            concurrently: self.flag(call, "postgresql_concurrently", env),
                            if_not_exists: self.flag(call, "if_not_exists", env),
                            constraint: false,
                            at,
                        });
                    }
                    (t, _) => self.note(
                        at,
                        t,
                        false,
                        "`op.create_index` with computed arguments".into(),
                    ),
                }
            }
            "drop_index" => {
                let name = Self::arg(call, 0, "index_name").and_then(|e| self.string(e, env));
                let table = match &batch {
                    Some(t) => Some(t.clone()),
                    None => Self::arg(call, 1, "table_name")
                        .and_then(|e| self.string(e, env))
                        .map(|n| {
                            let s = self.schema_kw(call, "schema", env).ok().flatten();
                            TableRef::new(s.as_deref(), &n)
                        }),
                };
                match name {
                    Some(name) => self.ops.push(Op::DropIndex {
                        table,
                        name,
                        if_exists: self.flag(call, "if_exists", env),
                        at,
                    }),
                    None => self.note(
                        at,
                        table,
                        false,
                        "`op.drop_index` with a computed name".into(),
                    ),
                }
            }
            "create_unique_constraint" => {
                let name = Self::arg(call, 0, "constraint_name").and_then(|e| self.string(e, env));
                let table = table_at(self, 1, "table_name");
                let cols_at = if batch.is_some() { 1 } else { 2 };
                let cols = Self::arg(call, cols_at, "columns").and_then(|c| self.strings(c, env));
                match (table, cols) {
                    (Some(table), Some(columns)) => self.ops.push(Op::CreateIndex {
                        table,
                        index: Index {
                            name,
                            columns,
                            unique: true,
                            location: at.clone(),
                        },
                        concurrently: false,
                        if_not_exists: false,
                        constraint: true,
                        at,
                    }),
                    (t, _) => self.note(
                        at,
                        t,
                        false,
                        "`op.create_unique_constraint` with computed arguments".into(),
                    ),
                }
            }
            "create_primary_key" => {
                let table = table_at(self, 1, "table_name");
                let cols_at = if batch.is_some() { 1 } else { 2 };
                let cols = Self::arg(call, cols_at, "columns").and_then(|c| self.strings(c, env));
                match (table, cols) {
                    (Some(table), Some(columns)) => {
                        self.ops.push(Op::SetPrimaryKey { table, columns, at })
                    }
                    (t, _) => self.note(
                        at,
                        t,
                        false,
                        "`op.create_primary_key` with computed arguments".into(),
                    ),
                }
            }
            "create_foreign_key" => self.create_foreign_key(batch, call, env),
            "create_check_constraint" => {
                let name = Self::arg(call, 0, "constraint_name").and_then(|e| self.string(e, env));
                let table = table_at(self, 1, "table_name");
                let cond_at = if batch.is_some() { 1 } else { 2 };
                let cond =
                    Self::arg(call, cond_at, "condition").and_then(|c| self.sql_text(c, env));
                match (table, cond) {
                    (Some(table), Some(sql)) => self.ops.push(Op::AddCheck {
                        table,
                        check: Check {
                            name,
                            sql,
                            location: at.clone(),
                        },
                        at,
                    }),
                    // a check written as a Python expression: not compared
                    (Some(_), None) => {}
                    (None, _) => self.note(
                        at,
                        None,
                        false,
                        "`op.create_check_constraint` with a computed table".into(),
                    ),
                }
            }
            "drop_constraint" => {
                let name = Self::arg(call, 0, "constraint_name").and_then(|e| self.string(e, env));
                let table = table_at(self, 1, "table_name");
                let kind = kwarg(call, "type_").and_then(|e| self.string(e, env));
                match (table, name) {
                    (Some(table), Some(name)) => self.ops.push(Op::DropConstraint {
                        table,
                        name,
                        primary: kind.as_deref() == Some("primary"),
                        at,
                    }),
                    (t, _) => self.note(
                        at,
                        t,
                        false,
                        "`op.drop_constraint` with a computed name".into(),
                    ),
                }
            }
            "batch_alter_table" => {
                // outside a `with`: nothing happens until it is entered
            }
            "sync_enum_values" => self.sync_enum_values(call, at, env),
            _ => {
                let t = self.table_arg(method, batch.as_ref(), call, env);
                self.note(at, t, false, format!("`op.{method}` is not replayed"));
            }
        }
    }

    /// `op.sync_enum_values` of alembic-postgresql-enum (1.x: `enum_schema,
    /// enum_name, new_values, affected_columns, enum_values_to_rename`) or
    /// of its predecessors (`schema, name, old_values, new_values`): the
    /// enum ends with `new_values`, renamed values already under their new
    /// names. The two are told apart by the fourth argument: value strings
    /// in the old form, column references in the new one.
    fn sync_enum_values(&mut self, call: &'a ExprCall, at: Location, env: &Env<'a>) {
        if self.dialect != Dialect::Postgresql {
            return;
        }
        let name = Self::arg(call, 1, "enum_name")
            .or_else(|| kwarg(call, "name"))
            .and_then(|e| self.string(e, env));
        let fourth = call
            .arguments
            .args
            .get(3)
            .and_then(|e| self.strings(e, env))
            .filter(|v| !v.is_empty());
        let values = match kwarg(call, "new_values") {
            Some(e) => self.strings(e, env),
            None if kwarg(call, "old_values").is_some() => call
                .arguments
                .args
                .get(2)
                .and_then(|e| self.strings(e, env)),
            None => fourth.or_else(|| {
                call.arguments
                    .args
                    .get(2)
                    .and_then(|e| self.strings(e, env))
            }),
        };
        match (name, values) {
            (Some(name), Some(values)) if !values.is_empty() => {
                self.ops.push(Op::SetEnumValues { name, values, at })
            }
            _ => self.note(
                at,
                None,
                false,
                "`op.sync_enum_values` with a computed enum name or values is not replayed".into(),
            ),
        }
    }

    fn table_arg(
        &self,
        method: &str,
        batch: Option<&TableRef>,
        call: &'a ExprCall,
        env: &Env<'a>,
    ) -> Option<TableRef> {
        if let Some(t) = batch {
            return Some(t.clone());
        }
        let i = match method {
            "create_index"
            | "create_unique_constraint"
            | "create_primary_key"
            | "drop_constraint"
            | "create_check_constraint"
            | "create_foreign_key"
            | "drop_index" => 1,
            _ => 0,
        };
        let name = call
            .arguments
            .args
            .get(i)
            .and_then(|e| self.string(e, env))?;
        let s = self.schema_kw(call, "schema", env).ok().flatten();
        Some(TableRef::new(s.as_deref(), &name))
    }

    fn unreadable_name(&mut self, method: &str, call: &'a ExprCall) {
        let at = self.loc(call.range());
        self.note(
            at,
            None,
            method == "create_table",
            format!("`op.{method}` with a computed table name"),
        );
    }

    /// Index columns: plain names kept, also when given an order
    /// (`sa.text("created_at DESC")`, `sa.desc("created_at")`), as the
    /// model side reads `desc("created_at")`; expressions
    /// (`sa.text("lower(x)")`) left out.
    fn index_columns(&self, e: &'a Expr, env: &Env<'a>) -> Vec<String> {
        let e = self.resolve(e, env);
        let items: Vec<&'a Expr> = match e {
            Expr::List(l) => l.elts.iter().collect(),
            Expr::Tuple(t) => t.elts.iter().collect(),
            other => vec![other],
        };
        items
            .into_iter()
            .filter_map(|x| {
                let x = self.resolve(x, env);
                if let Some(s) = self.string(x, env) {
                    return Some(s);
                }
                let c = as_call(x)?;
                match call_name(c)? {
                    "text" | "literal_column" => {
                        self.ordered_column(&self.string(c.arguments.args.first()?, env)?)
                    }
                    "desc" | "asc" => self.string(c.arguments.args.first()?, env),
                    _ => None,
                }
            })
            .collect()
    }

    /// The column an index part written in SQL names (`created_at DESC`),
    /// read by the SQL parser; None for an expression.
    fn ordered_column(&self, sql: &str) -> Option<String> {
        use sqlparser::ast::Expr as SqlExpr;
        use sqlparser::parser::Parser;
        use sqlparser::tokenizer::Token;
        let dialect = self.dialect.sqlparser();
        let mut p = Parser::new(dialect.as_ref()).try_with_sql(sql).ok()?;
        let ordered = p.parse_order_by_expr().ok()?;
        if p.peek_token().token != Token::EOF {
            return None;
        }
        match ordered.expr {
            SqlExpr::Identifier(i) => Some(i.value),
            SqlExpr::CompoundIdentifier(parts) => parts.last().map(|i| i.value.clone()),
            _ => None,
        }
    }

    /// SQL given as a literal or `sa.text("...")`.
    fn sql_text(&self, e: &'a Expr, env: &Env<'a>) -> Option<String> {
        let e = self.resolve(e, env);
        match e {
            Expr::StringLiteral(s) => Some(s.value.to_str().to_string()),
            Expr::Call(c) if matches!(call_name(c), Some("text" | "literal_column")) => {
                self.string(c.arguments.args.first()?, env)
            }
            _ => None,
        }
    }

    // ----- create_table and columns ---------------------------------------

    fn create_table(&mut self, call: &'a ExprCall, env: &Env<'a>) {
        let at = self.loc(call.range());
        let name = Self::arg(call, 0, "table_name").and_then(|e| self.string(e, env));
        let schema = self.schema_kw(call, "schema", env);
        let (Some(name), Ok(schema)) = (name, schema) else {
            self.unreadable_name("create_table", call);
            return;
        };
        let mut table = Table::new(name.clone(), schema.clone(), at.clone());
        let mut pk_from_columns = Vec::new();
        let mut enums = Vec::new();
        let mut type_refs = Vec::new();
        let mut autoinc_off = Vec::new();
        let mut col_fk = Vec::new();
        let mut unread_fk = None;
        let items = self.items(&call.arguments.args, env).unwrap_or_default();
        for item in items.into_iter().skip(1) {
            let Some(c) = as_call(item) else {
                self.note(
                    self.loc(item.range()),
                    Some(TableRef::new(schema.as_deref(), &name)),
                    true,
                    format!("an argument of `op.create_table(\"{name}\")` that is not a column or constraint"),
                );
                continue;
            };
            match call_name(c) {
                Some("Column") => {
                    let Some(cd) = self.column(c, &name, env) else {
                        self.note(
                            self.loc(c.range()),
                            Some(TableRef::new(schema.as_deref(), &name)),
                            true,
                            "a column whose name is not a literal".into(),
                        );
                        continue;
                    };
                    if cd.primary_key {
                        pk_from_columns.push(cd.column.name.clone());
                    }
                    if cd.autoincrement == Some(false) {
                        autoinc_off.push(cd.column.name.clone());
                    }
                    if !cd.foreign_keys.is_empty() {
                        col_fk.push(cd.column.name.clone());
                    }
                    enums.extend(cd.enums);
                    type_refs.extend(cd.type_ref);
                    unread_fk = unread_fk.or(cd.unread_fk);
                    table.indexes.extend(cd.indexes);
                    table.foreign_keys.extend(cd.foreign_keys);
                    table.columns.push(cd.column);
                }
                _ => self.table_constraint(&mut table, c, env),
            }
        }
        if table.primary_key.is_empty() {
            table.primary_key = pk_from_columns;
        }
        // SQLAlchemy's autoincrement="auto": a lone integer key column
        // without a foreign key is SERIAL / AUTOINCREMENT
        if let [pk] = table.primary_key.as_slice() {
            let pk = pk.clone();
            if !autoinc_off.contains(&pk) && !col_fk.contains(&pk) {
                if let Some(col) = table.column_mut(&pk) {
                    if matches!(col.ty, SqlType::Integer { .. }) {
                        col.autoincrement = true;
                    }
                }
            }
        }
        name_unnamed(&mut table, self.dialect);
        let own = tref(&table);
        self.ops.push(Op::CreateTable {
            table,
            if_not_exists: self.flag(call, "if_not_exists", env),
            enums,
            type_refs,
        });
        if let Some(fk_at) = unread_fk {
            self.unread_fk(fk_at, own);
        }
    }

    /// After the operation that made the column: its foreign key is
    /// unknown, so the table's keys are not compared.
    fn unread_fk(&mut self, at: Location, table: TableRef) {
        self.note(
            at,
            Some(table),
            false,
            "a `ForeignKey` whose target is not a literal".into(),
        );
    }

    /// `sa.PrimaryKeyConstraint`, `UniqueConstraint`, `ForeignKeyConstraint`,
    /// `CheckConstraint`, `Index` among `create_table`'s arguments.
    fn table_constraint(&mut self, table: &mut Table, c: &'a ExprCall, env: &Env<'a>) {
        let at = self.loc(c.range());
        let name = kwarg(c, "name").and_then(|n| self.string(n, env));
        let cols = |r: &Self| -> Option<Vec<String>> {
            c.arguments.args.iter().map(|a| r.string(a, env)).collect()
        };
        match call_name(c) {
            Some("PrimaryKeyConstraint") => match cols(self) {
                Some(cs) => table.primary_key = cs,
                None => self.note(
                    at,
                    Some(tref(table)),
                    true,
                    "a primary key over computed columns".into(),
                ),
            },
            Some("UniqueConstraint") => {
                if let Some(columns) = cols(self) {
                    table.indexes.push(Index {
                        name,
                        columns,
                        unique: true,
                        location: at,
                    });
                }
            }
            Some("Index") => {
                let name = c.arguments.args.first().and_then(|n| self.string(n, env));
                let columns: Vec<String> = c
                    .arguments
                    .args
                    .iter()
                    .skip(1)
                    .filter_map(|a| self.string(a, env))
                    .collect();
                table.indexes.push(Index {
                    name,
                    columns,
                    unique: self.flag(c, "unique", env),
                    location: at,
                });
            }
            Some("ForeignKeyConstraint") => {
                if let Some(fk) = self.fk_constraint(c, 0, 1, name, env) {
                    table.foreign_keys.push(fk);
                }
            }
            Some("CheckConstraint") => {
                if let Some(sql) = c.arguments.args.first().and_then(|a| self.sql_text(a, env)) {
                    table.checks.push(Check {
                        name,
                        sql,
                        location: at,
                    });
                }
            }
            _ => self.note(
                at,
                Some(tref(table)),
                true,
                "an argument of `op.create_table` that is not a column or constraint".into(),
            ),
        }
    }

    /// `ForeignKeyConstraint(["a"], ["t.id"], ondelete=...)`.
    fn fk_constraint(
        &self,
        c: &'a ExprCall,
        local_at: usize,
        ref_at: usize,
        name: Option<String>,
        env: &Env<'a>,
    ) -> Option<ForeignKey> {
        let columns = Self::arg(c, local_at, "columns").and_then(|e| self.strings(e, env))?;
        let refs = Self::arg(c, ref_at, "refcolumns").and_then(|e| self.strings(e, env))?;
        let targets: Vec<(Option<String>, String, String)> = refs
            .iter()
            .map(|r| split_fk_target(r))
            .collect::<Option<_>>()?;
        let (ref_schema, ref_table, _) = targets.first()?.clone();
        let (on_delete, on_update) = fk_actions(c);
        Some(ForeignKey {
            name,
            columns,
            ref_schema,
            ref_table,
            ref_columns: targets.into_iter().map(|(_, _, c)| c).collect(),
            on_delete,
            on_update,
            location: self.loc(c.range()),
        })
    }

    fn create_foreign_key(&mut self, batch: Option<TableRef>, call: &'a ExprCall, env: &Env<'a>) {
        let at = self.loc(call.range());
        let name = Self::arg(call, 0, "constraint_name").and_then(|e| self.string(e, env));
        // op: (name, source_table, referent_table, local_cols, remote_cols);
        // batch: (name, referent_table, local_cols, remote_cols)
        let (src, rest) = match &batch {
            Some(t) => (Some(t.clone()), 1),
            None => {
                let s = Self::arg(call, 1, "source_table").and_then(|e| self.string(e, env));
                let schema = match kwarg(call, "source_schema") {
                    Some(v) => self.string(v, env),
                    None => None,
                };
                (s.map(|s| TableRef::new(schema.as_deref(), &s)), 2)
            }
        };
        let referent = Self::arg(call, rest, "referent_table").and_then(|e| self.string(e, env));
        let local = Self::arg(call, rest + 1, "local_cols").and_then(|e| self.strings(e, env));
        let remote = Self::arg(call, rest + 2, "remote_cols").and_then(|e| self.strings(e, env));
        let ref_schema = kwarg(call, "referent_schema").and_then(|v| self.string(v, env));
        match (src, referent, local, remote) {
            (Some(table), Some(ref_table), Some(columns), Some(ref_columns)) => {
                let (on_delete, on_update) = fk_actions(call);
                self.ops.push(Op::AddForeignKey {
                    table,
                    fk: ForeignKey {
                        name,
                        columns,
                        ref_schema,
                        ref_table,
                        ref_columns,
                        on_delete,
                        on_update,
                        location: at.clone(),
                    },
                    at,
                });
            }
            (t, ..) => self.note(
                at,
                t,
                false,
                "`op.create_foreign_key` with computed arguments".into(),
            ),
        }
    }

    /// `sa.Column("name", type, *constraints, **options)`.
    fn column(&mut self, c: &'a ExprCall, table: &str, env: &Env<'a>) -> Option<ColumnSpec> {
        let mut args = c.arguments.args.iter();
        let name = match kwarg(c, "name") {
            Some(n) => self.string(n, env)?,
            None => self.string(args.next()?, env)?,
        };
        let at = self.loc(c.range());
        let mut spec = ColumnSpec {
            column: Column::new(name.clone(), unknown_type(), at.clone()),
            primary_key: false,
            autoincrement: None,
            indexes: Vec::new(),
            foreign_keys: Vec::new(),
            enums: Vec::new(),
            type_ref: None,
            unread_fk: None,
        };
        let mut ty_expr: Option<&'a Expr> = kwarg(c, "type_");
        for a in args {
            let a = self.resolve(a, env);
            if let Some(inner) = as_call(a) {
                match call_name(inner) {
                    Some("ForeignKey") => {
                        match self.column_fk(inner, &name, env) {
                            Some(fk) => spec.foreign_keys.push(fk),
                            None => spec.unread_fk = Some(self.loc(inner.range())),
                        }
                        continue;
                    }
                    Some("Identity" | "Sequence") => {
                        spec.column.autoincrement = true;
                        continue;
                    }
                    Some("Computed") => {
                        spec.column.autoincrement = true;
                        continue;
                    }
                    Some(
                        "CheckConstraint" | "UniqueConstraint" | "DefaultClause" | "FetchedValue",
                    ) => continue,
                    _ => {}
                }
            }
            if ty_expr.is_none() && !matches!(a, Expr::StringLiteral(_) | Expr::NoneLiteral(_)) {
                ty_expr = Some(a);
            }
        }
        match ty_expr {
            Some(t) => self.column_type(&mut spec, t, env),
            None => {
                spec.type_ref = spec.foreign_keys.first().map(|fk| TypeRef {
                    column: name.clone(),
                    from: TypeFrom::ForeignKey {
                        table: TableRef::new(fk.ref_schema.as_deref(), &fk.ref_table),
                        column: fk.ref_columns.first().cloned().unwrap_or_default(),
                    },
                })
            }
        }
        let mut unique = false;
        let mut index = false;
        let mut nullable = None;
        for kw in c.arguments.keywords.iter() {
            let Some(k) = kw.arg.as_ref().map(|a| a.as_str()) else {
                continue;
            };
            let v = self.resolve(&kw.value, env);
            match k {
                "primary_key" => spec.primary_key = bool_lit(v).unwrap_or(false),
                "nullable" => nullable = bool_lit(v),
                "unique" => unique = bool_lit(v).unwrap_or(false),
                "index" => index = bool_lit(v).unwrap_or(false),
                "autoincrement" => {
                    spec.autoincrement =
                        bool_lit(v).or((str_lit(v) == Some("ignore_fk")).then_some(true))
                }
                "server_default" => match server_default(v) {
                    Ok(d) => spec.column.default = d,
                    // unreadable: not compared, as on the model side
                    Err(_) => spec.column.default = None,
                },
                "default" | "onupdate" | "insert_default" if !is_none(v) => {
                    spec.column.client_default = true
                }
                _ => {}
            }
        }
        if spec.autoincrement == Some(true) {
            spec.column.autoincrement = true;
        }
        spec.column.nullable = nullable.unwrap_or(!spec.primary_key);
        if index {
            spec.indexes.push(Index {
                name: Some(format!("ix_{table}_{name}")),
                columns: vec![name.clone()],
                unique,
                location: at,
            });
        }
        spec.column.unique = unique && !index;
        Some(spec)
    }

    fn column_fk(&self, fk: &'a ExprCall, column: &str, env: &Env<'a>) -> Option<ForeignKey> {
        let target = Self::arg(fk, 0, "column").and_then(|e| self.string(e, env))?;
        let (ref_schema, ref_table, ref_col) = split_fk_target(&target)?;
        let (on_delete, on_update) = fk_actions(fk);
        Some(ForeignKey {
            name: kwarg(fk, "name").and_then(|n| self.string(n, env)),
            columns: vec![column.to_string()],
            ref_schema,
            ref_table,
            ref_columns: vec![ref_col],
            on_delete,
            on_update,
            location: self.loc(fk.range()),
        })
    }

    fn column_type(&self, spec: &mut ColumnSpec, t: &'a Expr, env: &Env<'a>) {
        let lookup = Types::new(self, env);
        match sa_type_from_expr(t, &lookup) {
            Ok(ty) => {
                if self.dialect == Dialect::Postgresql {
                    collect_enums(&ty, &mut spec.enums);
                }
                spec.column.ty = stored_type(ty, self.dialect);
            }
            Err(_) => {
                // `postgresql.ENUM(name="status", create_type=False)`: an
                // existing type, by name
                let target = self.resolve(t, env);
                if let Some(c) = as_call(target) {
                    if matches!(call_name(c), Some("Enum" | "ENUM")) && c.arguments.args.is_empty()
                    {
                        if let Some(n) = kwarg(c, "name").and_then(|n| self.string(n, env)) {
                            spec.type_ref = Some(TypeRef {
                                column: spec.column.name.clone(),
                                from: TypeFrom::Enum(n),
                            });
                        }
                    }
                }
                spec.column.ty = unknown_type();
            }
        }
    }

    fn add_column(
        &mut self,
        table: TableRef,
        col: &'a ExprCall,
        call: &'a ExprCall,
        env: &Env<'a>,
    ) {
        let at = self.loc(call.range());
        let Some(cd) = self.column(col, &table.name, env) else {
            self.note(
                at,
                Some(table),
                false,
                "`op.add_column` of a column whose name is not a literal".into(),
            );
            return;
        };
        let mut indexes = cd.indexes;
        if cd.column.unique {
            // Alembic adds the column's UniqueConstraint after the column
            indexes.push(Index {
                name: None,
                columns: vec![cd.column.name.clone()],
                unique: true,
                location: at.clone(),
            });
        }
        let mut column = cd.column;
        column.unique = false;
        if cd.primary_key {
            column.nullable = false;
        }
        // noted after the column exists
        let fk_note = cd.unread_fk.map(|fk_at| (fk_at, table.clone()));
        self.ops.push(Op::AddColumn {
            table,
            column,
            if_not_exists: self.flag(call, "if_not_exists", env),
            indexes,
            foreign_keys: cd.foreign_keys,
            enums: cd.enums,
            type_refs: cd.type_ref.into_iter().collect(),
            at,
        });
        if let Some((fk_at, t)) = fk_note {
            self.unread_fk(fk_at, t);
        }
    }

    fn alter_column(&mut self, table: TableRef, column: String, call: &'a ExprCall, env: &Env<'a>) {
        let at = self.loc(call.range());
        let mut changes = Vec::new();
        let mut enums = Vec::new();
        let mut unread = Vec::new();
        if let Some(n) = kwarg(call, "nullable") {
            match bool_lit(self.resolve(n, env)) {
                Some(b) => changes.push(ColumnChange::Nullable(b)),
                None if is_none(self.resolve(n, env)) => {}
                None => unread.push("nullable"),
            }
        }
        if let Some(d) = kwarg(call, "server_default") {
            let d = self.resolve(d, env);
            // Alembic's "not given" is False
            if bool_lit(d) != Some(false) {
                match server_default(d) {
                    Ok(v) => changes.push(ColumnChange::Default(v)),
                    Err(_) => unread.push("server_default"),
                }
            }
        }
        if let Some(t) = kwarg(call, "type_") {
            let lookup = Types::new(self, env);
            match sa_type_from_expr(t, &lookup) {
                Ok(ty) => {
                    if self.dialect == Dialect::Postgresql {
                        collect_enums(&ty, &mut enums);
                    }
                    changes.push(ColumnChange::Type(stored_type(ty, self.dialect)));
                }
                Err(_) => changes.push(ColumnChange::Type(unknown_type())),
            }
        }
        if let Some(a) = kwarg(call, "autoincrement") {
            if let Some(b) = bool_lit(self.resolve(a, env)) {
                changes.push(ColumnChange::Autoincrement(b));
            }
        }
        let rename_to = match kwarg(call, "new_column_name") {
            Some(n) if !is_none(self.resolve(n, env)) => match self.string(n, env) {
                Some(s) => Some(s),
                None => {
                    unread.push("new_column_name");
                    None
                }
            },
            _ => None,
        };
        if !unread.is_empty() {
            self.note(
                at.clone(),
                Some(table.clone()),
                false,
                format!(
                    "`op.alter_column` on `{column}` with computed {}",
                    unread.join(", ")
                ),
            );
        }
        self.ops.push(Op::AlterColumn {
            table,
            column,
            changes,
            rename_to,
            enums,
            at,
        });
    }

    // ----- op.execute -----------------------------------------------------

    fn execute(&mut self, call: &'a ExprCall, env: &Env<'a>) {
        let at = self.loc(call.range());
        match self.execute_sql(call, env) {
            ExecSql::Literal(e) => self.literal_sql(e),
            ExecSql::Parts(parts) => self.sql_parts(parts),
            ExecSql::Evaluated(at, sql) => self.evaluated_sql(at, &sql),
            ExecSql::Data => {}
            ExecSql::Dynamic { schema: false } => {}
            ExecSql::Dynamic { schema: true } => {
                self.note(at, None, false, "SQL built at run time".into())
            }
        }
    }

    /// What `op.execute(x)` is given, without side effects.
    fn execute_sql(&self, call: &'a ExprCall, env: &Env<'a>) -> ExecSql<'a> {
        let Some(arg) = Self::arg(call, 0, "sqltext") else {
            return ExecSql::Data;
        };
        if let Expr::Name(n) = arg {
            if let Some((at, sql)) = env.evaluated.get(n.id.as_str()) {
                return ExecSql::Evaluated(*at, sql.clone());
            }
        }
        let mut e = self.resolve(arg, env);
        // `sa.text(...)`, `textwrap.dedent(...)` (whitespace only: the
        // literal inside is the SQL, at its place in the file)
        for _ in 0..4 {
            match as_call(e) {
                Some(c) if matches!(call_name(c), Some("text" | "dedent")) => {
                    match c.arguments.args.first() {
                        Some(inner) => e = self.resolve(inner, env),
                        None => return ExecSql::Data,
                    }
                }
                _ => break,
            }
        }
        // SQLAlchemy constructs (`t.update().values(...)`, `sa.insert(t)`,
        // `sa.delete(t)`): data, not schema
        if as_call(e).is_some_and(is_data_construct) {
            return ExecSql::Data;
        }
        match e {
            Expr::StringLiteral(_) => ExecSql::Literal(e),
            Expr::FString(f) => match fstring_parts(f) {
                Some(parts) => ExecSql::Parts(parts),
                None => match self.fstring_value(f, env) {
                    Some(sql) => ExecSql::Evaluated(f.range(), sql),
                    None => ExecSql::Dynamic {
                        schema: self.may_change_schema(&fstring_head(f)),
                    },
                },
            },
            _ => ExecSql::Dynamic {
                schema: self
                    .format_head(e, env)
                    .is_none_or(|h| self.may_change_schema(&h)),
            },
        }
    }

    /// An f-string's value when every placeholder is a plain name or
    /// attribute-free expression bound to a literal (a loop variable over a
    /// literal list, a module constant, a helper's parameter).
    fn fstring_value(&self, f: &'a ruff_python_ast::ExprFString, env: &Env<'a>) -> Option<String> {
        let mut out = String::new();
        for p in f.value.iter() {
            match p {
                ruff_python_ast::FStringPart::Literal(l) => out.push_str(&l.value),
                ruff_python_ast::FStringPart::FString(fs) => {
                    for el in fs.elements.iter() {
                        match el {
                            ruff_python_ast::InterpolatedStringElement::Literal(l) => {
                                out.push_str(&l.value)
                            }
                            ruff_python_ast::InterpolatedStringElement::Interpolation(i) => {
                                if i.format_spec.is_some() {
                                    return None;
                                }
                                match self.resolve(&i.expression, env) {
                                    Expr::StringLiteral(s) => out.push_str(s.value.to_str()),
                                    n @ Expr::NumberLiteral(_) => {
                                        out.push_str(self.py.text(n.range()))
                                    }
                                    _ => return None,
                                }
                            }
                        }
                    }
                }
            }
        }
        Some(out)
    }

    /// SQL computed from an f-string, parsed with its statements placed at
    /// the f-string's line and column (the text before it blanked).
    fn evaluated_sql(&mut self, at: TextRange, sql: &str) {
        let text = &self.py.source.text;
        let start = at.start().to_usize().min(text.len());
        let mut out: String = text
            .get(..start)
            .unwrap_or("")
            .chars()
            .map(|c| if c == '\n' { '\n' } else { ' ' })
            .collect();
        let begin = out.len();
        out.push_str(sql);
        let end = out.len();
        let file = SourceFile::new(self.py.source.path.clone(), out);
        let index = file.line_index();
        let parsed = statements::parse_range(&file, &index, begin..end, self.dialect);
        if !parsed.is_empty() {
            self.ops.push(Op::Sql { file, parsed });
        }
    }

    /// The literal start of `"...".format(...)` / `"..." % x` / `"a" + b`.
    fn format_head(&self, e: &'a Expr, env: &Env<'a>) -> Option<String> {
        match e {
            Expr::Call(c) => match &*c.func {
                Expr::Attribute(a) if a.attr.as_str() == "format" => self.string(&a.value, env),
                _ => None,
            },
            Expr::BinOp(b) => self
                .string(&b.left, env)
                .or_else(|| self.format_head(&b.left, env)),
            _ => None,
        }
    }

    /// Whether SQL beginning with `head` may change the schema, by the
    /// statement kind of its leading words (read with the SQL tokenizer).
    fn may_change_schema(&self, head: &str) -> bool {
        let file = SourceFile::new("<sql>", head.to_string());
        let index = file.line_index();
        let d = self.dialect.sqlparser();
        let mut schema = false;
        let mut any = false;
        split::split_each(&file, &index, 0..head.len(), d.as_ref(), &mut |p| {
            any = true;
            let words = p.lead_words(6);
            if statements::classify(&words) != Kind::Insert
                && statements::classify(&words) != Kind::Other
            {
                schema = true;
            }
            if words.is_empty() {
                schema = true;
            }
        });
        schema || !any
    }

    /// SQL in a string literal, parsed now with locations in the .py file.
    fn literal_sql(&mut self, e: &'a Expr) {
        let Expr::StringLiteral(s) = e else { return };
        let parts = s
            .value
            .iter()
            .map(|p| (p.content_range(), p.value.to_string()))
            .collect();
        self.sql_parts(parts);
    }

    /// SQL given as literal pieces (the parts of an implicit concatenation,
    /// the text of an f-string without placeholders): each piece's content
    /// range in the file and its value. One piece that is a plain slice of
    /// the file is parsed in place; otherwise a copy of the file blanked
    /// except for each piece's value at its own place, so lines stay right.
    fn sql_parts(&mut self, parts: Vec<(TextRange, String)>) {
        let py = self.py;
        let text = &py.source.text;
        let span = |r: &TextRange| r.start().to_usize()..r.end().to_usize();
        let (file, range) = match parts.as_slice() {
            [(r, v)] if text.get(span(r)) == Some(v.as_str()) => (py.source.clone(), span(r)),
            _ => {
                let mut out: Vec<u8> = text
                    .bytes()
                    .map(|b| if b == b'\n' { b'\n' } else { b' ' })
                    .collect();
                let (mut start, mut end) = (usize::MAX, 0);
                for (r, value) in &parts {
                    let (a, b) = (r.start().to_usize(), r.end().to_usize());
                    let raw = text.get(a..b).unwrap_or("");
                    let mut value = value.clone();
                    if !raw.contains('\n') && !value.contains("--") {
                        value = value.replace('\n', " ");
                    }
                    let bytes = value.as_bytes();
                    // escapes never make a value longer than its source
                    if bytes.len() > b.saturating_sub(a) || b > out.len() {
                        continue;
                    }
                    if let Some(slot) = out.get_mut(a..a + bytes.len()) {
                        slot.copy_from_slice(bytes);
                    }
                    start = start.min(a);
                    end = end.max(a + bytes.len());
                }
                if start > end {
                    return;
                }
                // nothing after the SQL is needed
                out.truncate(end);
                let Ok(text) = String::from_utf8(out) else {
                    return;
                };
                (SourceFile::new(py.source.path.clone(), text), start..end)
            }
        };
        let index = file.line_index();
        let parsed = statements::parse_range(&file, &index, range, self.dialect);
        if !parsed.is_empty() {
            self.ops.push(Op::Sql { file, parsed });
        }
    }
}

/// What `op.execute` runs.
enum ExecSql<'a> {
    /// A string literal (maybe concatenated).
    Literal(&'a Expr),
    /// An f-string without placeholders, by pieces.
    Parts(Vec<(TextRange, String)>),
    /// An f-string whose placeholders are literals in scope: its range and value.
    Evaluated(TextRange, String),
    /// A SQLAlchemy data statement, or nothing.
    Data,
    /// Built at run time; `schema` when its literal start may change the
    /// schema (or there is none to tell).
    Dynamic { schema: bool },
}

/// The literal start of an f-string, up to its first placeholder.
fn fstring_head(f: &ruff_python_ast::ExprFString) -> String {
    f.value
        .iter()
        .map_while(|p| match p {
            ruff_python_ast::FStringPart::Literal(l) => Some(l.value.to_string()),
            ruff_python_ast::FStringPart::FString(fs) => Some(
                fs.elements
                    .iter()
                    .map_while(|el| match el {
                        ruff_python_ast::InterpolatedStringElement::Literal(l) => {
                            Some(l.value.to_string())
                        }
                        _ => None,
                    })
                    .collect::<Vec<_>>()
                    .concat(),
            ),
        })
        .collect()
}

/// The literal pieces of an f-string without placeholders (a common
/// leftover: `f"ALTER TABLE ..."`), None when it has any.
fn fstring_parts(f: &ruff_python_ast::ExprFString) -> Option<Vec<(TextRange, String)>> {
    let mut out = Vec::new();
    for p in f.value.iter() {
        match p {
            ruff_python_ast::FStringPart::Literal(l) => {
                out.push((l.content_range(), l.value.to_string()))
            }
            ruff_python_ast::FStringPart::FString(fs) => {
                for el in fs.elements.iter() {
                    match el {
                        ruff_python_ast::InterpolatedStringElement::Literal(l) => {
                            out.push((l.range(), l.value.to_string()))
                        }
                        _ => return None,
                    }
                }
            }
        }
    }
    Some(out)
}

/// `t.update()...`, `sa.insert(t)`, `table.delete().where(...)`,
/// `sa.select(...)`: SQLAlchemy data statements.
fn is_data_construct(c: &ExprCall) -> bool {
    let mut cur: &Expr = &c.func;
    for _ in 0..32 {
        match cur {
            Expr::Attribute(a) => {
                if matches!(
                    a.attr.as_str(),
                    "update" | "insert" | "delete" | "select" | "values" | "where"
                ) {
                    return true;
                }
                cur = &a.value;
            }
            Expr::Call(inner) => cur = &inner.func,
            Expr::Name(n) => {
                return matches!(n.id.as_str(), "update" | "insert" | "delete" | "select")
            }
            _ => return false,
        }
    }
    false
}

fn tref(t: &Table) -> TableRef {
    TableRef::new(t.schema.as_deref(), &t.name)
}

/// The type the database stores. SQLite has no enum: SQLAlchemy creates
/// `sa.Enum` as a VARCHAR as long as its longest value, without a CHECK
/// (`create_constraint` is off by default since 1.4), so any value fits.
fn stored_type(ty: SqlType, dialect: Dialect) -> SqlType {
    match (ty, dialect) {
        (SqlType::Enum { values, .. }, Dialect::Sqlite) => SqlType::String {
            len: values.iter().map(|v| v.chars().count() as u32).max(),
            fixed: false,
        },
        (SqlType::Array(inner), d) => SqlType::Array(Box::new(stored_type(*inner, d))),
        (t, _) => t,
    }
}

/// Named enum types a column type creates (PostgreSQL: SQLAlchemy emits
/// CREATE TYPE before the table).
fn collect_enums(ty: &SqlType, out: &mut Vec<(String, Vec<String>)>) {
    match ty {
        SqlType::Enum {
            name: Some(n),
            values,
        } if !values.is_empty() => out.push((n.clone(), values.clone())),
        SqlType::Array(inner) => collect_enums(inner, out),
        _ => {}
    }
}

/// PostgreSQL names unnamed unique constraints and foreign keys of a new
/// table itself; a later `op.drop_constraint` uses those names.
fn name_unnamed(table: &mut Table, dialect: Dialect) {
    for i in 0..table.indexes.len() {
        let name = match table.indexes.get(i) {
            Some(ix) if ix.name.is_none() && ix.unique => {
                statements::implicit_index_name(dialect, table, &ix.columns, "key")
            }
            _ => continue,
        };
        if let Some(ix) = table.indexes.get_mut(i) {
            ix.name = name;
        }
    }
    for i in 0..table.foreign_keys.len() {
        let Some(mut fk) = table.foreign_keys.get(i).cloned() else {
            continue;
        };
        statements::name_foreign_key(dialect, table, &mut fk);
        if let Some(slot) = table.foreign_keys.get_mut(i) {
            *slot = fk;
        }
    }
}

/// A column of `create_table` / `add_column`, with what it brings along.
struct ColumnSpec {
    column: Column,
    primary_key: bool,
    autoincrement: Option<bool>,
    indexes: Vec<Index>,
    foreign_keys: Vec<ForeignKey>,
    enums: Vec<(String, Vec<String>)>,
    type_ref: Option<TypeRef>,
    /// A `sa.ForeignKey` whose target is not a literal: where it is.
    unread_fk: Option<Location>,
}

/// The type mapping's view of this file: imports for aliases, local and
/// module names for types and constants bound to variables.
struct Types<'r, 'a> {
    reader: &'r Reader<'a>,
    env: &'r Env<'a>,
    depth: Cell<usize>,
}

impl<'r, 'a> Types<'r, 'a> {
    fn new(reader: &'r Reader<'a>, env: &'r Env<'a>) -> Self {
        Types {
            reader,
            env,
            depth: Cell::new(0),
        }
    }

    /// The expression a bare name is bound to, when it is one.
    fn bound(&self, expr: &Expr) -> Option<&'a Expr> {
        let Expr::Name(n) = expr else { return None };
        let id = n.id.as_str();
        self.env
            .vars
            .get(id)
            .or_else(|| self.reader.module_vars.get(id))
            .copied()
    }
}

impl TypeLookup for Types<'_, '_> {
    fn dialect(&self) -> Dialect {
        self.reader.dialect
    }

    fn custom_type(
        &self,
        expr: &Expr,
        _call: Option<&ExprCall>,
    ) -> Option<Result<SqlType, String>> {
        // a type the project defines or imports from its own modules (a
        // `TypeDecorator`, maybe named `JSON` or `GUID`): unknown here,
        // whatever its name, so never compared
        if let Some(root) = crate::models::python::root_name(expr) {
            if self.bound(expr).is_none() {
                if self
                    .reader
                    .local_classes
                    .iter()
                    .any(|c| c.name.as_str() == root)
                {
                    return Some(Err(format!("`{root}` is defined in the revision")));
                }
                if let Some(path) = self.reader.imports.get(root) {
                    let top = path.split('.').next().unwrap_or("");
                    if !TYPE_MODULES.contains(&top) {
                        return Some(Err(format!("`{root}` comes from `{path}`")));
                    }
                }
            }
        }
        let target = self.bound(expr)?;
        if self.depth.get() > 8 {
            return Some(Err("type alias chain too long".into()));
        }
        self.depth.set(self.depth.get() + 1);
        let t = sa_type_from_expr(target, self);
        self.depth.set(self.depth.get() - 1);
        Some(t)
    }

    /// `sa.Enum(Status)` with `class Status(enum.Enum)` in the revision.
    fn python_enum(&self, expr: &Expr) -> Option<PyEnum> {
        let Expr::Name(n) = expr else { return None };
        let def = self
            .reader
            .local_classes
            .iter()
            .rev()
            .find(|c| c.name.as_str() == n.id.as_str())?;
        let is_enum = def
            .bases()
            .iter()
            .any(|b| crate::models::python::last_name(b).is_some_and(|x| x.ends_with("Enum")));
        if !is_enum {
            return None;
        }
        Some(PyEnum {
            class_name: def.name.to_string(),
            members: crate::models::python::enum_members(crate::models::python::ClassRef {
                file: 0,
                def,
            }),
        })
    }

    fn constant_int(&self, expr: &Expr) -> Option<u32> {
        self.bound(expr).and_then(u32_lit)
    }

    fn constant_strings(&self, expr: &Expr) -> Option<Vec<String>> {
        let e = self.bound(expr)?;
        let items: Vec<&Expr> = match e {
            Expr::List(l) => l.elts.iter().collect(),
            Expr::Tuple(t) => t.elts.iter().collect(),
            _ => return None,
        };
        items
            .into_iter()
            .map(|x| str_lit(x).map(str::to_string))
            .collect()
    }

    fn import_path(&self, expr: &Expr) -> Option<String> {
        let d = dotted(expr)?;
        let (root, rest) = match d.split_once('.') {
            Some((r, rest)) => (r, Some(rest)),
            None => (d.as_str(), None),
        };
        let base = self.reader.imports.get(root)?;
        Some(match rest {
            Some(rest) => format!("{base}.{rest}"),
            None => base.clone(),
        })
    }
}

/// Finds schema-changing `op.*` calls (and the literal tables they name) in
/// statements replay will not walk: a loop body, an undecided branch.
struct SchemaCalls<'r, 'a> {
    reader: &'r Reader<'a>,
    env: &'r Env<'a>,
    found: bool,
    tables: Vec<(TableRef, bool)>,
    depth: usize,
    nesting: usize,
    visited: usize,
}

/// Names of lists changed in place somewhere in the file (`cols.append(..)`,
/// `cols += [..]`, `cols[0] = ..`): their literal is not what a later
/// `*cols` spreads.
#[derive(Default)]
struct Mutated {
    names: std::collections::HashSet<String>,
    /// Too deep to look through: any name may be.
    all: bool,
    nesting: usize,
}

impl Mutated {
    fn contains(&self, name: &str) -> bool {
        self.all || self.names.contains(name)
    }
}

impl<'a> Visitor<'a> for Mutated {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        if self.nesting > MAX_NESTING {
            self.all = true;
            return;
        }
        match stmt {
            Stmt::AugAssign(a) => {
                if let Expr::Name(n) = &*a.target {
                    self.names.insert(n.id.to_string());
                }
            }
            Stmt::Assign(a) => {
                for t in &a.targets {
                    if let Expr::Subscript(sub) = t {
                        if let Expr::Name(n) = &*sub.value {
                            self.names.insert(n.id.to_string());
                        }
                    }
                }
            }
            _ => {}
        }
        self.nesting += 1;
        walk_stmt(self, stmt);
        self.nesting -= 1;
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        if self.nesting > MAX_NESTING {
            self.all = true;
            return;
        }
        if let Expr::Call(c) = expr {
            if let Expr::Attribute(attr) = &*c.func {
                let changes = matches!(
                    attr.attr.as_str(),
                    "append"
                        | "extend"
                        | "insert"
                        | "remove"
                        | "pop"
                        | "clear"
                        | "sort"
                        | "reverse"
                );
                if let (true, Expr::Name(n)) = (changes, &*attr.value) {
                    self.names.insert(n.id.to_string());
                }
            }
        }
        self.nesting += 1;
        walk_expr(self, expr);
        self.nesting -= 1;
    }
}

impl<'a> Visitor<'a> for SchemaCalls<'_, 'a> {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        if self.nesting > MAX_NESTING || self.visited > MAX_VISITED {
            // too deep or too much to look at: assume the worst
            self.found = true;
            return;
        }
        self.nesting += 1;
        self.visited += 1;
        walk_stmt(self, stmt);
        self.nesting -= 1;
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        if let Expr::Call(call) = expr {
            let r = self.reader;
            if let Some((method, batch)) = r.receiver(call, self.env) {
                if method == "execute" {
                    // SQL under a condition: schema when it may be
                    let schema = match r.execute_sql(call, self.env) {
                        ExecSql::Literal(Expr::StringLiteral(l)) => {
                            r.may_change_schema(l.value.to_str())
                        }
                        ExecSql::Literal(_) => true,
                        ExecSql::Parts(parts) => {
                            let text: String = parts.into_iter().map(|(_, v)| v).collect();
                            r.may_change_schema(&text)
                        }
                        ExecSql::Evaluated(_, sql) => r.may_change_schema(&sql),
                        ExecSql::Data => false,
                        ExecSql::Dynamic { schema } => schema,
                    };
                    if schema {
                        self.found = true;
                    }
                } else if !QUIET_OPS.contains(&method.as_str()) {
                    self.found = true;
                    let t = batch.or_else(|| r.table_arg(&method, None, call, self.env));
                    if let Some(t) = t {
                        if !self.tables.contains(&(t.clone(), method == "create_table")) {
                            self.tables.push((t, method == "create_table"));
                        }
                    }
                }
            } else if let Expr::Attribute(a) = &*call.func {
                if matches!(a.attr.as_str(), "create" | "drop") {
                    if let Some(c) = as_call(r.resolve(&a.value, self.env)) {
                        if matches!(call_name(c), Some("Enum" | "ENUM")) {
                            self.found = true;
                        }
                    }
                }
                // a batch block opened inside: its calls are on a batch
                // alias this visitor does not track
                if a.attr.as_str() == "batch_alter_table" && r.is_op(&a.value) {
                    self.found = true;
                    if let Some(t) = call
                        .arguments
                        .args
                        .first()
                        .and_then(|e| r.string(e, self.env))
                    {
                        self.tables.push((TableRef::new(None, &t), false));
                    }
                }
            } else if let Expr::Name(n) = &*call.func {
                if let Some(def) = r.helpers.get(n.id.as_str()) {
                    if self.depth < MAX_HELPER_DEPTH
                        && !matches!(n.id.as_str(), "upgrade" | "downgrade")
                    {
                        self.depth += 1;
                        for st in def.body.iter() {
                            self.visit_stmt(st);
                        }
                        self.depth -= 1;
                    }
                }
            }
        }
        walk_expr(self, expr);
    }
}
