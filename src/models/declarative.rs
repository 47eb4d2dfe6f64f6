//! From classes to tables, for the three Python ORMs: which classes are
//! models (SQLAlchemy declarative bases, Flask-SQLAlchemy `db.Model`,
//! SQLModel `table=True`), how mixins, abstract bases and inheritance
//! (single-table, joined) distribute columns over tables, and the final
//! table-level defaults (primary keys are NOT NULL, a lone integer primary
//! key autoincrements, foreign-key columns take their target's type).

use super::flask_sqlalchemy;
use super::python::{
    as_call, bool_lit, call_name, dotted, last_name, module_classes, span, str_lit, ClassRef,
    Program, Resolved, Scope, TypeMap,
};
use super::sqlalchemy::{
    column_from_calls, core_table, split_fk_target, table_args, table_constraint, ColRef,
    ColumnDef, FkTarget, IndexSpec, Note, TableExtras,
};
use super::sqlalchemy_types::{is_relationship_annotation, mapped_inner};
use super::sqlmodel;
use crate::dialect::Dialect;
use crate::schema::{self, EnumType, ForeignKey, Index, Schema, SqlType, Table};
use crate::source::Location;
use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{Expr, ExprCall, Stmt, StmtClassDef};
use ruff_text_size::{Ranged, TextRange};
use std::collections::HashMap;
use std::rc::Rc;

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Flavor {
    Declarative,
    Flask,
    SqlModel,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    /// Not a model: a mixin, an enum, anything else.
    Plain,
    /// `class Base(DeclarativeBase)`, `@as_declarative()`: maps nothing itself.
    DeclBase,
    /// A mapped class (possibly `__abstract__`).
    Mapped,
    SqlModelData,
    SqlModelTable,
}

#[derive(Clone)]
struct ClassInfo {
    kind: Kind,
    flavor: Flavor,
    /// Bases we cannot see into, by dotted path, with where they are written.
    unknown_bases: Vec<(String, TextRange)>,
}

#[derive(Clone, Debug)]
enum Tablename {
    Literal(String),
    /// `@declared_attr def __tablename__(cls): return cls.__name__.lower()`
    Lower,
    /// `return CAMEL_TO_SNAKE.sub("_", cls.__name__).lower()` with
    /// `CAMEL_TO_SNAKE = re.compile(r"(?<!^)(?=[A-Z])")`: `_` before every
    /// capital but the first letter, then lower case.
    Snake,
    /// The file the expression is in: a base class's `__tablename__` is
    /// inherited by classes in other files.
    Dynamic(usize, TextRange),
}

#[derive(Default)]
struct ClassBody<'a> {
    tablename: Option<Tablename>,
    table_args: Option<&'a Expr>,
    abstract_: bool,
    table_call: Option<&'a ExprCall>,
    /// `def __init_subclass__(cls): cls.__tablename__ = prefix + ...`: the
    /// subclasses' table names are rewritten at import time (file, name range).
    renames_tables: Option<(usize, TextRange)>,
    /// Attribute name -> column, or None for attributes that are not columns
    /// (they still hide an inherited column of the same name).
    attrs: Vec<(String, Option<ColumnDef<'a>>)>,
}

struct TableBuild<'a> {
    name: String,
    columns: Vec<ColumnDef<'a>>,
    extras: TableExtras<'a>,
    location: Location,
}

type ClassKey = (usize, u32);
/// A resolved foreign-key target: (schema, table, column).
type Target = Option<(Option<String>, String, String)>;

/// Bases that carry no columns (or none we could check): never worth a note.
const HARMLESS_BASES: &[&str] = &[
    "object",
    "ABC",
    "Generic",
    "Protocol",
    "MappedAsDataclass",
    "AsyncAttrs",
    "BaseModel",
    "UserMixin",
    "RoleMixin",
    "AnonymousUserMixin",
    "SerializerMixin",
    "Exception",
    "dict",
    "str",
    "int",
    "Enum",
    "IntEnum",
    "StrEnum",
    "Flag",
    "IntFlag",
    "TypeDecorator",
    "UserDefinedType",
    "TypeEngine",
    "NamedTuple",
    "TypedDict",
    "Mapping",
    "Comparator",
];

pub struct Builder<'p, 'a> {
    prog: &'p Program<'a>,
    dialect: Dialect,
    infos: HashMap<ClassKey, ClassInfo>,
    bodies: HashMap<ClassKey, Rc<ClassBody<'a>>>,
    class_table: HashMap<ClassKey, Option<usize>>,
    tables: Vec<TableBuild<'a>>,
    by_key: HashMap<String, usize>,
    type_map: Option<Rc<TypeMap<'a>>>,
    pub notes: Vec<Note>,
    /// Mapped classes whose table name is computed: some migrated table is
    /// theirs, so no migrated table can be called unclaimed.
    pub unnamed_tables: usize,
}

fn is_declared_attr(def: &ruff_python_ast::StmtFunctionDef) -> bool {
    def.decorator_list.iter().any(|d| {
        let e = match &d.expression {
            Expr::Call(c) => &*c.func,
            other => other,
        };
        dotted(e)
            .map(|s| s.split('.').any(|p| p == "declared_attr"))
            .unwrap_or(false)
    })
}

/// `return cls.__name__.lower()`
fn is_trivial_lower(def: &ruff_python_ast::StmtFunctionDef) -> bool {
    let Some(Stmt::Return(r)) = def.body.last() else {
        return false;
    };
    let Some(Expr::Call(c)) = r.value.as_deref() else {
        return false;
    };
    if !c.arguments.args.is_empty() {
        return false;
    }
    match &*c.func {
        Expr::Attribute(a) if a.attr.as_str() == "lower" => {
            matches!(&*a.value, Expr::Attribute(n) if n.attr.as_str() == "__name__")
        }
        _ => false,
    }
}

/// Whether `body` assigns `cls.__tablename__` (directly or in an `if`).
fn assigns_cls_tablename(body: &[Stmt], depth: usize) -> bool {
    assigned_attribute(body, "__tablename__", depth).is_some()
}

/// Where a function body assigns `<something>.<attr> = ...` (also under
/// `if`/`for`/`with`/`try`), if it does.
fn assigned_attribute(body: &[Stmt], attr: &str, depth: usize) -> Option<TextRange> {
    if depth > 8 {
        return None;
    }
    let is_attr = |t: &Expr| matches!(t, Expr::Attribute(x) if x.attr.as_str() == attr);
    body.iter().find_map(|st| match st {
        Stmt::Assign(a) => a.targets.iter().find(|t| is_attr(t)).map(|t| t.range()),
        Stmt::AugAssign(a) if is_attr(&a.target) => Some(a.target.range()),
        Stmt::AnnAssign(a) if is_attr(&a.target) => Some(a.target.range()),
        Stmt::If(i) => assigned_attribute(&i.body, attr, depth + 1).or_else(|| {
            i.elif_else_clauses
                .iter()
                .find_map(|c| assigned_attribute(&c.body, attr, depth + 1))
        }),
        Stmt::For(f) => assigned_attribute(&f.body, attr, depth + 1)
            .or_else(|| assigned_attribute(&f.orelse, attr, depth + 1)),
        Stmt::With(w) => assigned_attribute(&w.body, attr, depth + 1),
        Stmt::Try(t) => assigned_attribute(&t.body, attr, depth + 1)
            .or_else(|| assigned_attribute(&t.orelse, attr, depth + 1))
            .or_else(|| assigned_attribute(&t.finalbody, attr, depth + 1)),
        _ => None,
    })
}

/// Finds `type(name, bases, {"__tablename__": ...})` calls anywhere in a file.
#[derive(Default)]
struct TypeBuiltModels {
    found: Vec<TextRange>,
    depth: usize,
}

/// Nesting beyond which the walk stops (deep expressions must not overflow
/// the stack; a class factory is never that deep).
const TYPE_CALL_MAX_DEPTH: usize = 64;

impl<'a> Visitor<'a> for TypeBuiltModels {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        if self.depth > TYPE_CALL_MAX_DEPTH {
            return;
        }
        self.depth += 1;
        visitor::walk_stmt(self, stmt);
        self.depth -= 1;
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        if self.depth > TYPE_CALL_MAX_DEPTH {
            return;
        }
        if let Expr::Call(call) = expr {
            if is_type_built_model(call) {
                self.found.push(call.range());
            }
        }
        self.depth += 1;
        visitor::walk_expr(self, expr);
        self.depth -= 1;
    }
}

fn is_type_built_model(call: &ExprCall) -> bool {
    let is_type = matches!(&*call.func, Expr::Name(n) if n.id.as_str() == "type");
    let [_, _, Expr::Dict(body)] = &call.arguments.args[..] else {
        return false;
    };
    is_type
        && body
            .items
            .iter()
            .any(|i| i.key.as_ref().and_then(str_lit) == Some("__tablename__"))
}

/// `return "events"` (after a docstring, if any).
fn returned_literal(def: &ruff_python_ast::StmtFunctionDef) -> Option<&str> {
    let rest: Vec<&Stmt> = def
        .body
        .iter()
        .filter(|s| !matches!(s, Stmt::Expr(e) if matches!(&*e.value, Expr::StringLiteral(_))))
        .collect();
    match rest.as_slice() {
        [Stmt::Return(r)] => r.value.as_deref().and_then(str_lit),
        _ => None,
    }
}

/// The regex that puts `_` before every capital but a leading one.
const SNAKE_PATTERN: &str = "(?<!^)(?=[A-Z])";

/// `"BlockSchemaReference"` -> `"block_schema_reference"`, `"HTTPLog"` ->
/// `"h_t_t_p_log"`: what `re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()` gives.
fn split_before_capitals(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for (i, ch) in name.chars().enumerate() {
        if i > 0 && ch.is_ascii_uppercase() {
            out.push('_');
        }
        out.extend(ch.to_lowercase());
    }
    out
}

/// The call inside `deferred(Column(...))`, or the call itself.
/// `deferred(Column(...))` and `column_property(Column(...), Parent.col)` put
/// their first `Column` in the table like a plain attribute would (CTFd's
/// `Solves` maps its own `challenge_id` this way); a `column_property` over a
/// SQL expression has no `Column` inside and stays no column.
fn unwrap_deferred(call: &ExprCall) -> &ExprCall {
    if matches!(call_name(call), Some("deferred" | "column_property")) {
        if let Some(Expr::Call(inner)) = call.arguments.args.first() {
            if matches!(call_name(inner), Some("Column" | "mapped_column")) {
                return inner;
            }
        }
    }
    call
}

fn is_column_call(call: &ExprCall) -> bool {
    matches!(
        call_name(unwrap_deferred(call)),
        Some("Column" | "mapped_column")
    )
}

impl<'p, 'a> Builder<'p, 'a> {
    pub fn new(prog: &'p Program<'a>, dialect: Dialect) -> Self {
        Builder {
            prog,
            dialect,
            infos: HashMap::new(),
            bodies: HashMap::new(),
            class_table: HashMap::new(),
            tables: Vec::new(),
            by_key: HashMap::new(),
            type_map: collect_type_map(prog),
            notes: Vec::new(),
            unnamed_tables: 0,
        }
    }

    fn scope(&self, file: usize) -> Scope<'p, 'a> {
        Scope {
            prog: self.prog,
            file,
            dialect: self.dialect,
            type_map: None,
        }
    }

    /// A scope that knows the project's `type_annotation_map`, for 2.0-style columns.
    fn mapped_scope(&self, file: usize) -> Scope<'p, 'a> {
        Scope {
            type_map: self.type_map.clone(),
            ..self.scope(file)
        }
    }

    fn note(&mut self, kind: String, message: String, location: Location) {
        self.notes.push(Note {
            table: None,
            kind,
            message,
            location,
        });
    }

    // -- classification ----------------------------------------------------

    fn info(&mut self, c: ClassRef<'a>) -> ClassInfo {
        if let Some(i) = self.infos.get(&c.key()) {
            return i.clone();
        }
        // placeholder: a class reached again while classifying itself (cyclic
        // imports) is plain rather than an endless recursion
        self.infos.insert(
            c.key(),
            ClassInfo {
                kind: Kind::Plain,
                flavor: Flavor::Declarative,
                unknown_bases: Vec::new(),
            },
        );
        let mut decorated = None;
        for d in &c.def.decorator_list {
            let e = match &d.expression {
                Expr::Call(call) => &*call.func,
                other => other,
            };
            match last_name(e) {
                Some("as_declarative") => decorated = Some(Kind::DeclBase),
                Some("mapped" | "mapped_as_dataclass") => decorated = Some(Kind::Mapped),
                _ => {}
            }
        }
        let mut mapped_parent: Option<Flavor> = None;
        let mut decl_base = false;
        let mut sqlmodel_parent = false;
        let mut unknown = Vec::new();
        let bases: Vec<&'a Expr> = c
            .def
            .arguments
            .as_ref()
            .map(|a| a.args.iter().collect())
            .unwrap_or_default();
        for b in bases {
            let r = self.prog.resolve(c.file, b);
            if flask_sqlalchemy::is_db_model(self.prog, b, &r) {
                mapped_parent = Some(Flavor::Flask);
                continue;
            }
            match r {
                Resolved::Class(p) if p.key() != c.key() => {
                    let pi = self.info(p);
                    match pi.kind {
                        Kind::DeclBase | Kind::Mapped => {
                            mapped_parent.get_or_insert(pi.flavor);
                        }
                        Kind::SqlModelData | Kind::SqlModelTable => sqlmodel_parent = true,
                        Kind::Plain => unknown.extend(pi.unknown_bases),
                    }
                }
                Resolved::Value { expr, .. } => match as_call(expr).and_then(call_name) {
                    Some("declarative_base" | "generate_base") => {
                        mapped_parent.get_or_insert(Flavor::Declarative);
                    }
                    _ => unknown.push((dotted(b).unwrap_or_default(), b.range())),
                },
                Resolved::External(p) => {
                    let seg = p.rsplit('.').next().unwrap_or(&p);
                    match seg {
                        "DeclarativeBase" | "DeclarativeBaseNoMeta" => decl_base = true,
                        // Flask-AppBuilder's declarative base
                        "Model" if p.starts_with("flask_appbuilder") => {
                            mapped_parent.get_or_insert(Flavor::Declarative);
                        }
                        "SQLModel" => sqlmodel_parent = true,
                        s if HARMLESS_BASES.contains(&s) => {}
                        _ => unknown.push((p.clone(), b.range())),
                    }
                }
                _ => unknown.push((dotted(b).unwrap_or_default(), b.range())),
            }
        }
        let (kind, flavor) = if let Some(k) = decorated {
            (k, mapped_parent.unwrap_or(Flavor::Declarative))
        } else if let Some(f) = mapped_parent {
            (Kind::Mapped, f)
        } else if decl_base {
            (Kind::DeclBase, Flavor::Declarative)
        } else if sqlmodel_parent {
            if sqlmodel::is_table_class(c.def) {
                (Kind::SqlModelTable, Flavor::SqlModel)
            } else {
                (Kind::SqlModelData, Flavor::SqlModel)
            }
        } else {
            (Kind::Plain, Flavor::Declarative)
        };
        let info = ClassInfo {
            kind,
            flavor,
            unknown_bases: unknown,
        };
        self.infos.insert(c.key(), info.clone());
        info
    }

    /// Whether an annotation names a model class (a relationship target).
    fn is_model_class(&mut self, file: usize, expr: &Expr) -> bool {
        match self.prog.class_of(file, expr) {
            Some(c) => self.info(c).kind != Kind::Plain,
            None => false,
        }
    }

    /// Whether an annotation mentions a model class (`Optional[Team]`, `list[Hero]`).
    fn refers_to_model(&mut self, file: usize, expr: &Expr, depth: usize) -> bool {
        if depth > 16 {
            return false;
        }
        match expr {
            Expr::Subscript(s) => {
                self.refers_to_model(file, &s.slice, depth + 1)
                    || self.refers_to_model(file, &s.value, depth + 1)
            }
            Expr::Tuple(t) => t
                .elts
                .iter()
                .any(|e| self.refers_to_model(file, e, depth + 1)),
            Expr::BinOp(b) => {
                self.refers_to_model(file, &b.left, depth + 1)
                    || self.refers_to_model(file, &b.right, depth + 1)
            }
            Expr::Name(_) | Expr::Attribute(_) => self.is_model_class(file, expr),
            _ => false,
        }
    }

    // -- class bodies ------------------------------------------------------

    fn body(&mut self, c: ClassRef<'a>) -> Rc<ClassBody<'a>> {
        if let Some(b) = self.bodies.get(&c.key()) {
            return b.clone();
        }
        let sqlmodel_style = matches!(self.info(c).kind, Kind::SqlModelData | Kind::SqlModelTable);
        let mut body = ClassBody::default();
        let owner = c.name().to_string();
        let scope = if sqlmodel_style {
            self.scope(c.file)
        } else {
            self.mapped_scope(c.file)
        };
        let mut notes = Vec::new();
        for stmt in &c.def.body {
            match stmt {
                Stmt::Assign(a) => {
                    let Some(Expr::Name(n)) = a.targets.first() else {
                        continue;
                    };
                    let name = n.id.as_str();
                    if self.dunder(c.file, &mut body, name, &a.value) {
                        continue;
                    }
                    if name.starts_with("__") || sqlmodel_style {
                        continue;
                    }
                    let loc = scope.location(span(n.range, a.value.range()));
                    let col =
                        self.column_value(&scope, &owner, name, &a.value, None, loc, &mut notes);
                    body.attrs.push((name.to_string(), col));
                }
                Stmt::AnnAssign(a) => {
                    let Expr::Name(n) = &*a.target else {
                        continue;
                    };
                    let name = n.id.as_str();
                    if let Some(v) = &a.value {
                        if self.dunder(c.file, &mut body, name, v) {
                            continue;
                        }
                    }
                    if name.starts_with("__") {
                        continue;
                    }
                    let end = a
                        .value
                        .as_ref()
                        .map(|v| v.range())
                        .unwrap_or(a.annotation.range());
                    let loc = scope.location(span(n.range, end));
                    if sqlmodel_style {
                        let refers = self.refers_to_model(c.file, &a.annotation, 0);
                        let f = sqlmodel::field(
                            &scope,
                            &owner,
                            name,
                            &a.annotation,
                            a.value.as_deref(),
                            loc,
                            refers,
                            &mut notes,
                        );
                        body.attrs.push((name.to_string(), f));
                        continue;
                    }
                    let col = self.annotated(
                        &scope,
                        c.file,
                        &owner,
                        name,
                        &a.annotation,
                        a.value.as_deref(),
                        loc,
                        &mut notes,
                    );
                    body.attrs.push((name.to_string(), col));
                }
                Stmt::FunctionDef(f) => {
                    let name = f.name.as_str();
                    let declared = is_declared_attr(f);
                    let sets_table_args = match declared {
                        true => None,
                        false => assigned_attribute(&f.body, "__table_args__", 0),
                    };
                    match name {
                        "__init_subclass__" if assigns_cls_tablename(&f.body, 0) => {
                            body.renames_tables = Some((c.file, f.name.range));
                        }
                        "__tablename__" => {
                            body.tablename = Some(match declared {
                                true if is_trivial_lower(f) => Tablename::Lower,
                                true if self.is_snake_case(c.file, f) => Tablename::Snake,
                                true => match returned_literal(f) {
                                    Some(name) => Tablename::Literal(name.to_string()),
                                    None => Tablename::Dynamic(c.file, f.name.range),
                                },
                                false => Tablename::Dynamic(c.file, f.name.range),
                            });
                        }
                        "__table_args__" => {
                            notes.push(Note {
                                table: None,
                                kind: format!("dynamic-table-args:{owner}"),
                                message: format!("`__table_args__` of `{owner}` is computed by a function; its constraints are not checked"),
                                location: scope.location(f.name.range),
                            });
                        }
                        // `self.__table_args__ = ...` in `__init__` (mealie) sets
                        // an instance attribute after the table is built, which
                        // SQLAlchemy ignores; the author meant the constraints
                        // for the table, so neither side of them is reported
                        _ if sets_table_args.is_some() => {
                            let at = sets_table_args.unwrap_or(f.name.range);
                            notes.push(Note {
                                table: None,
                                kind: format!("dynamic-table-args:{owner}"),
                                message: format!("`{owner}.{name}` assigns `__table_args__`, which SQLAlchemy reads only from the class body when it builds the table; its constraints are not checked"),
                                location: scope.location(at),
                            });
                            if !name.starts_with("__") {
                                body.attrs.push((name.to_string(), None));
                            }
                        }
                        n if n.starts_with("__") => {}
                        _ if declared => {
                            let col = self.declared_column(&scope, &owner, f, &mut notes);
                            body.attrs.push((name.to_string(), col));
                        }
                        _ => body.attrs.push((name.to_string(), None)),
                    }
                }
                Stmt::For(_) | Stmt::While(_) if !sqlmodel_style && stmt_mentions_columns(stmt) => {
                    notes.push(Note {
                        table: None,
                        kind: format!("dynamic-columns:{owner}"),
                        message: format!(
                            "`{owner}` builds columns in a loop; those columns are not checked"
                        ),
                        location: scope.location(stmt.range()),
                    });
                }
                _ => {}
            }
        }
        self.notes.extend(notes);
        let body = Rc::new(body);
        self.bodies.insert(c.key(), body.clone());
        body
    }

    /// Handles `__tablename__`, `__table_args__`, `__abstract__`, `__table__`.
    fn dunder(
        &mut self,
        file: usize,
        body: &mut ClassBody<'a>,
        name: &str,
        value: &'a Expr,
    ) -> bool {
        match name {
            "__tablename__" => {
                let constant = match value {
                    Expr::Name(_) | Expr::Attribute(_) => match self.prog.resolve(file, value) {
                        Resolved::Value { expr, .. } => str_lit(expr),
                        _ => None,
                    },
                    other => str_lit(other),
                };
                body.tablename = Some(match constant {
                    Some(s) => Tablename::Literal(s.to_string()),
                    None if matches!(value, Expr::NoneLiteral(_)) => return true,
                    None => Tablename::Dynamic(file, value.range()),
                });
            }
            "__table_args__" => body.table_args = Some(value),
            "__abstract__" => body.abstract_ = bool_lit(value) == Some(true),
            "__table__" => {
                body.table_call = as_call(value).filter(|c| call_name(c) == Some("Table"))
            }
            _ => return false,
        }
        true
    }

    /// `x = Column(...)` / `x = mapped_column(...)` / `x = deferred(Column(...))`.
    #[allow(clippy::too_many_arguments)]
    fn column_value(
        &mut self,
        scope: &Scope<'p, 'a>,
        owner: &str,
        attr: &str,
        value: &'a Expr,
        annotation: Option<(&'a Expr, bool)>,
        loc: Location,
        notes: &mut Vec<Note>,
    ) -> Option<ColumnDef<'a>> {
        let call = unwrap_deferred(as_call(value)?);
        match call_name(call) {
            Some("Column") => Some(column_from_calls(
                scope,
                owner,
                attr,
                &[call],
                annotation.map(|a| a.0),
                false,
                loc,
                notes,
            )),
            Some("mapped_column") => {
                let (ann, pre) = match annotation {
                    Some((a, _)) => self.annotated_alias(scope.file, a),
                    None => (None, Vec::new()),
                };
                let mut calls = pre;
                calls.push(call);
                Some(column_from_calls(
                    scope,
                    owner,
                    attr,
                    &calls,
                    ann,
                    annotation.map(|a| a.1).unwrap_or(false),
                    loc,
                    notes,
                ))
            }
            _ => None,
        }
    }

    /// `Mapped[intpk]` with `intpk = Annotated[int, mapped_column(primary_key=True)]`:
    /// the real annotation and the alias's `mapped_column` calls.
    fn annotated_alias(&self, file: usize, ann: &'a Expr) -> (Option<&'a Expr>, Vec<&'a ExprCall>) {
        // `type_annotation_map = {str50: String(50)}` names the alias itself
        let mapped_by_name = last_name(ann)
            .map(|n| {
                self.type_map
                    .as_ref()
                    .map(|m| m.contains_key(n))
                    .unwrap_or(false)
            })
            .unwrap_or(false);
        let target: &'a Expr = match ann {
            Expr::Name(_) | Expr::Attribute(_) => match self.prog.resolve(file, ann) {
                Resolved::Value { expr, .. } => expr,
                _ => ann,
            },
            _ => ann,
        };
        if let Expr::Subscript(s) = target {
            if last_name(&s.value) == Some("Annotated") {
                if let Expr::Tuple(t) = &*s.slice {
                    let calls = t
                        .elts
                        .iter()
                        .skip(1)
                        .filter_map(as_call)
                        .filter(|c| call_name(c) == Some("mapped_column"))
                        .collect();
                    return (
                        if mapped_by_name {
                            Some(ann)
                        } else {
                            t.elts.first()
                        },
                        calls,
                    );
                }
            }
        }
        (Some(ann), Vec::new())
    }

    /// `x: Mapped[T]`, `x: Mapped[T] = mapped_column(...)`, `x: int = Column(...)`.
    #[allow(clippy::too_many_arguments)]
    fn annotated(
        &mut self,
        scope: &Scope<'p, 'a>,
        file: usize,
        owner: &str,
        attr: &str,
        annotation: &'a Expr,
        value: Option<&'a Expr>,
        loc: Location,
        notes: &mut Vec<Note>,
    ) -> Option<ColumnDef<'a>> {
        if is_relationship_annotation(annotation) {
            return None;
        }
        let inner = mapped_inner(annotation);
        let Some(inner) = inner else {
            // `x: "Mapped[int]"` is rare enough to leave to the plain path
            return value.and_then(|v| self.column_value(scope, owner, attr, v, None, loc, notes));
        };
        match value {
            Some(v) => {
                let call = as_call(v)?;
                if !is_column_call(call) {
                    return None;
                }
                self.column_value(scope, owner, attr, v, Some((inner, true)), loc, notes)
            }
            None => {
                // a bare `Mapped[X]` is a column unless X is another model
                // (or a forward reference to one): then it is a relationship
                if self.refers_to_model(file, inner, 0) || is_forward_ref(inner) {
                    return None;
                }
                let (ann, pre) = self.annotated_alias(file, inner);
                Some(column_from_calls(
                    scope, owner, attr, &pre, ann, true, loc, notes,
                ))
            }
        }
    }

    /// `@declared_attr def user_id(cls): return Column(ForeignKey("users.id"))`.
    fn declared_column(
        &mut self,
        scope: &Scope<'p, 'a>,
        owner: &str,
        f: &'a ruff_python_ast::StmtFunctionDef,
        notes: &mut Vec<Note>,
    ) -> Option<ColumnDef<'a>> {
        let ret = f.body.iter().rev().find_map(|s| match s {
            Stmt::Return(r) => r.value.as_deref(),
            _ => None,
        })?;
        let call = as_call(ret)?;
        if !is_column_call(call) {
            if matches!(
                call_name(call),
                Some(
                    "relationship"
                        | "association_proxy"
                        | "column_property"
                        | "synonym"
                        | "backref"
                )
            ) {
                return None;
            }
            notes.push(Note {
                table: None,
                kind: format!("dynamic-column:{owner}.{}", f.name.as_str()),
                message: format!(
                    "`{owner}.{}` is a `declared_attr` whose value migraguard cannot compute; it is not checked",
                    f.name.as_str()
                ),
                location: scope.location(f.name.range),
            });
            return None;
        }
        let loc = scope.location(span(f.name.range, ret.range()));
        let ann = f
            .returns
            .as_deref()
            .and_then(mapped_inner)
            .map(|a| (a, true));
        self.column_value(scope, owner, f.name.as_str(), ret, ann, loc, notes)
    }

    // -- inheritance ---------------------------------------------------------

    /// `c` and the classes whose attributes it inherits into its own table:
    /// mixins, abstract models, declarative bases, SQLModel data models;
    /// mapped parents (which own their table) are not descended into.
    fn contributors(&mut self, c: ClassRef<'a>, sqlmodel_style: bool) -> Vec<ClassRef<'a>> {
        let mut out: Vec<ClassRef<'a>> = Vec::new();
        let mut stack = vec![c];
        let mut guard = 0;
        while let Some(k) = stack.pop() {
            guard += 1;
            if guard > 256 {
                break;
            }
            if out.iter().any(|o| o.key() == k.key()) {
                continue;
            }
            out.push(k);
            let mut next = Vec::new();
            if let Some(args) = &k.def.arguments {
                for b in args.args.iter() {
                    match self.prog.resolve(k.file, b) {
                        Resolved::Class(p) => {
                            let pi = self.info(p);
                            let mapped_parent = pi.kind == Kind::Mapped && !self.body(p).abstract_;
                            if sqlmodel_style || !mapped_parent {
                                next.push(p);
                            }
                        }
                        Resolved::Value { file, expr } => {
                            // declarative_base(cls=Mixin)
                            if let Some(cls) =
                                as_call(expr).and_then(|call| super::python::kwarg(call, "cls"))
                            {
                                let p = self.prog.class_of(file, cls).or_else(|| {
                                    super::python::last_name(cls)
                                        .and_then(|n| self.prog.shadowed_class(file, n))
                                });
                                if let Some(p) = p {
                                    next.push(p);
                                }
                            }
                        }
                        _ => {}
                    }
                }
            }
            // depth-first, first base first
            stack.extend(next.into_iter().rev());
        }
        out
    }

    /// Whether an ancestor computes `__tablename__` as `cls.__name__.lower()`.
    /// `return RE.sub("_", cls.__name__).lower()` with `RE = re.compile(SNAKE_PATTERN)`,
    /// or `return re.sub(SNAKE_PATTERN, "_", cls.__name__).lower()`.
    fn is_snake_case(&self, file: usize, def: &ruff_python_ast::StmtFunctionDef) -> bool {
        let [.., Stmt::Return(r)] = def.body.as_slice() else {
            return false;
        };
        let Some(Expr::Call(lower)) = r.value.as_deref() else {
            return false;
        };
        let Expr::Attribute(l) = &*lower.func else {
            return false;
        };
        let Expr::Call(sub) = &*l.value else {
            return false;
        };
        if l.attr.as_str() != "lower" || !lower.arguments.args.is_empty() {
            return false;
        }
        let Expr::Attribute(f) = &*sub.func else {
            return false;
        };
        let args = &sub.arguments.args;
        let is_name = |e: &Expr| matches!(e, Expr::Attribute(a) if a.attr.as_str() == "__name__");
        let pattern = |e: &Expr| str_lit(e) == Some(SNAKE_PATTERN);
        if f.attr.as_str() != "sub" {
            return false;
        }
        match args.as_ref() {
            // re.sub(pattern, "_", cls.__name__)
            [p, u, n] if dotted(&f.value).as_deref() == Some("re") => {
                pattern(p) && str_lit(u) == Some("_") && is_name(n)
            }
            // COMPILED.sub("_", cls.__name__)
            [u, n] if str_lit(u) == Some("_") && is_name(n) => {
                match self.prog.resolve(file, &f.value) {
                    Resolved::Value {
                        expr: Expr::Call(c),
                        ..
                    } => {
                        dotted(&c.func).is_some_and(|d| d.ends_with("compile"))
                            && c.arguments.args.first().is_some_and(pattern)
                    }
                    _ => false,
                }
            }
            _ => false,
        }
    }

    /// The `__init_subclass__` of `c` or an ancestor that rewrites
    /// `cls.__tablename__`, if any.
    fn tablename_rewriter(&mut self, c: ClassRef<'a>, depth: usize) -> Option<(usize, TextRange)> {
        if depth > 32 {
            return None;
        }
        if let Some(r) = self.body(c).renames_tables {
            return Some(r);
        }
        let args = c.def.arguments.as_ref()?;
        for b in args.args.iter() {
            if let Resolved::Class(p) = self.prog.resolve(c.file, b) {
                if p.key() != c.key() {
                    if let Some(r) = self.tablename_rewriter(p, depth + 1) {
                        return Some(r);
                    }
                }
            }
        }
        None
    }

    /// The per-class table name rule (`Lower`, `Snake`) a base declares with
    /// `@declared_attr __tablename__`, if any.
    fn per_class_tablename(&mut self, c: ClassRef<'a>, depth: usize) -> Option<Tablename> {
        if depth > 32 {
            return None;
        }
        for p in self.contributors(c, true).into_iter().skip(1) {
            if let Some(t @ (Tablename::Lower | Tablename::Snake)) = &self.body(p).tablename {
                return Some(t.clone());
            }
        }
        let args = c.def.arguments.as_ref()?;
        for b in args.args.iter() {
            if let Resolved::Class(p) = self.prog.resolve(c.file, b) {
                if p.key() != c.key() {
                    if let Some(t) = self.per_class_tablename(p, depth + 1) {
                        return Some(t);
                    }
                }
            }
        }
        None
    }

    /// The first concrete mapped parent's table.
    fn mapped_parent_table(&mut self, c: ClassRef<'a>) -> Option<usize> {
        let args = c.def.arguments.as_ref()?;
        for b in args.args.iter() {
            if let Resolved::Class(p) = self.prog.resolve(c.file, b) {
                let pi = self.info(p);
                if matches!(pi.kind, Kind::Mapped | Kind::SqlModelTable) {
                    if let Some(t) = self.table_for(p) {
                        return Some(t);
                    }
                }
            }
        }
        None
    }

    fn collect_columns(&mut self, contribs: &[ClassRef<'a>]) -> Vec<ColumnDef<'a>> {
        let mut slots: Vec<(String, Option<ColumnDef<'a>>)> = Vec::new();
        for k in contribs.iter().rev() {
            let body = self.body(*k);
            for (attr, col) in &body.attrs {
                match slots.iter_mut().find(|(a, _)| a == attr) {
                    Some(slot) => slot.1 = col.clone(),
                    None => slots.push((attr.clone(), col.clone())),
                }
            }
        }
        slots.into_iter().filter_map(|(_, c)| c).collect()
    }

    /// The table a mapped class's columns live in (its own, or its parent's
    /// under single-table inheritance); None for abstract classes and bases.
    fn table_for(&mut self, c: ClassRef<'a>) -> Option<usize> {
        if let Some(t) = self.class_table.get(&c.key()) {
            return *t;
        }
        self.class_table.insert(c.key(), None);
        let t = self.build_table(c);
        self.class_table.insert(c.key(), t);
        if let Some(t) = t {
            self.note_unknown_bases(c, t);
        }
        t
    }

    fn build_table(&mut self, c: ClassRef<'a>) -> Option<usize> {
        let info = self.info(c);
        let body = self.body(c);
        let owner = c.name().to_string();
        let scope = self.scope(c.file);
        let class_loc = scope.location(c.def.name.range);
        if body.abstract_ || !matches!(info.kind, Kind::Mapped | Kind::SqlModelTable) {
            return None;
        }
        if let Some(call) = body.table_call {
            let mut notes = Vec::new();
            let t = core_table(&scope, call, &mut notes);
            self.notes.extend(notes);
            let t = t?;
            return Some(self.add_table(t.name, t.columns, t.extras, class_loc));
        }
        let sqlmodel_style = info.flavor == Flavor::SqlModel;
        let contribs = self.contributors(c, sqlmodel_style);
        let columns = self.collect_columns(&contribs);
        let mut own_name = body.tablename.clone();
        let mut inherited = contribs
            .iter()
            .skip(1)
            .find_map(|k| self.bodies.get(&k.key()).and_then(|b| b.tablename.clone()));
        if let Some((file, range)) = self.tablename_rewriter(c, 0) {
            // fief: `Base.__init_subclass__` prefixes every name from settings
            own_name = own_name.map(|_| Tablename::Dynamic(file, range));
            inherited = inherited.map(|_| Tablename::Dynamic(file, range));
        }
        let parent = if sqlmodel_style {
            None
        } else {
            self.mapped_parent_table(c)
        };
        let mut extras = TableExtras::default();
        let args_expr = body.table_args.or_else(|| {
            contribs
                .iter()
                .skip(1)
                .find_map(|k| self.bodies.get(&k.key()).and_then(|b| b.table_args))
        });
        if let Some(e) = args_expr {
            let mut notes = Vec::new();
            table_args(&scope, &owner, e, &mut extras, &mut notes);
            self.notes.extend(notes);
        }
        let has_pk = columns.iter().any(|col| col.primary_key) || extras.primary_key.is_some();
        // Flask-SQLAlchemy drops even an explicit `__tablename__` of a subclass
        // without a primary key: single-table inheritance
        let flask_sti = info.flavor == Flavor::Flask && !has_pk;
        if let (Some(p), None, _) | (Some(p), Some(_), true) = (parent, &own_name, flask_sti) {
            let joined_name = match (&inherited, info.flavor) {
                (Some(n), _) if has_pk => Some(n.clone()),
                // `@declared_attr __tablename__` on the base applies to subclasses too
                (None, Flavor::Declarative) if has_pk => self.per_class_tablename(c, 0),
                (None, Flavor::Flask) if has_pk => Some(Tablename::Literal(
                    flask_sqlalchemy::camel_to_snake_case(&owner),
                )),
                _ => None,
            };
            if joined_name.is_none() {
                // single-table inheritance: the subclass's columns join the parent's table
                let table = &mut self.tables[p];
                for col in columns {
                    if !table
                        .columns
                        .iter()
                        .any(|x| schema::key(&x.name) == schema::key(&col.name))
                    {
                        table.columns.push(col);
                    }
                }
                table.extras.indexes.extend(extras.indexes);
                table.extras.fks.extend(extras.fks);
                table.extras.checks.extend(extras.checks);
                return Some(p);
            }
            return self.named_table(c, joined_name, columns, extras, class_loc);
        }
        let name = match own_name.or(inherited) {
            Some(n) => Some(n),
            None => match info.flavor {
                Flavor::Flask => Some(Tablename::Literal(flask_sqlalchemy::camel_to_snake_case(
                    &owner,
                ))),
                Flavor::SqlModel => Some(Tablename::Literal(owner.to_lowercase())),
                Flavor::Declarative => {
                    self.note(
                        format!("no-tablename:{owner}"),
                        format!("`{owner}` looks like a mapped class but has no `__tablename__` or `__table__`; it is not checked"),
                        class_loc,
                    );
                    return None;
                }
            },
        };
        self.named_table(c, name, columns, extras, class_loc)
    }

    fn named_table(
        &mut self,
        c: ClassRef<'a>,
        name: Option<Tablename>,
        columns: Vec<ColumnDef<'a>>,
        extras: TableExtras<'a>,
        class_loc: Location,
    ) -> Option<usize> {
        let owner = c.name().to_string();
        let name = match name? {
            Tablename::Literal(s) => s,
            Tablename::Lower => owner.to_lowercase(),
            Tablename::Snake => split_before_capitals(&owner),
            Tablename::Dynamic(file, range) => {
                // Inherited from a base: the class is what the note is about
                // (one base may name hundreds of tables).
                let loc = if file == c.file {
                    self.scope(file).location(range)
                } else {
                    class_loc
                };
                self.unnamed_tables += 1;
                self.note(
                    format!("dynamic-tablename:{owner}"),
                    format!("the table name of `{owner}` is computed; its table is not checked"),
                    loc,
                );
                return None;
            }
        };
        Some(self.add_table(name, columns, extras, class_loc))
    }

    /// The core table `t.c` / `t.columns` belongs to (`t = Table(...)`, also
    /// imported from another parsed file).
    fn core_table_of(
        &self,
        file: usize,
        columns: &Expr,
        core_calls: &HashMap<(usize, TextRange), usize>,
    ) -> Option<usize> {
        let Expr::Attribute(c) = columns else {
            return None;
        };
        if !matches!(c.attr.as_str(), "c" | "columns") {
            return None;
        }
        match self.prog.resolve(file, &c.value) {
            Resolved::Value { file, expr } => core_calls.get(&(file, expr.range())).copied(),
            _ => None,
        }
    }

    /// Bases of a table's class that we cannot see into may add columns: the
    /// note names the table so later stages can be careful with it (e.g. not
    /// calling the columns those bases add "extra").
    fn note_unknown_bases(&mut self, c: ClassRef<'a>, table: usize) {
        let owner = c.name().to_string();
        let sqlmodel_style = self.info(c).flavor == Flavor::SqlModel;
        let table_name = self.tables[table].name.clone();
        for k in self.contributors(c, sqlmodel_style) {
            let unknown = self.info(k).unknown_bases;
            for (path, range) in unknown {
                let location = self.scope(k.file).location(range);
                self.notes.push(Note {
                    table: Some(table_name.clone()),
                    kind: format!("unknown-base:{path}"),
                    message: format!("`{owner}` inherits from `{path}`, which is not in the parsed files; columns it may add to `{table_name}` are not checked"),
                    location,
                });
            }
        }
    }

    fn add_table(
        &mut self,
        name: String,
        columns: Vec<ColumnDef<'a>>,
        extras: TableExtras<'a>,
        location: Location,
    ) -> usize {
        let key = schema::table_key(extras.schema.as_deref(), &name);
        if let Some(&i) = self.by_key.get(&key) {
            // the same table declared twice (extend_existing, a core table and a
            // class): one table with the union of the columns
            let t = &mut self.tables[i];
            for col in columns {
                if !t
                    .columns
                    .iter()
                    .any(|x| schema::key(&x.name) == schema::key(&col.name))
                {
                    t.columns.push(col);
                }
            }
            t.extras.indexes.extend(extras.indexes);
            t.extras.fks.extend(extras.fks);
            t.extras.checks.extend(extras.checks);
            if t.extras.primary_key.is_none() {
                t.extras.primary_key = extras.primary_key;
            }
            return i;
        }
        self.tables.push(TableBuild {
            name,
            columns,
            extras,
            location,
        });
        self.by_key.insert(key, self.tables.len() - 1);
        self.tables.len() - 1
    }

    // -- driving -------------------------------------------------------------

    /// Builds every table the parsed files declare.
    pub fn run(&mut self) {
        let files = self.prog.files;
        // the `Table(...)` call of each core table, for `Index(t.c.x, ...)`
        let mut core_calls: HashMap<(usize, TextRange), usize> = HashMap::new();
        // core tables first: classes and foreign keys may refer to them
        for (fi, f) in files.iter().enumerate() {
            for stmt in &f.ast.body {
                let Stmt::Assign(a) = stmt else { continue };
                let Some(call) = as_call(&a.value) else {
                    continue;
                };
                if call_name(call) != Some("Table") {
                    continue;
                }
                let scope = self.scope(fi);
                let mut notes = Vec::new();
                let t = core_table(&scope, call, &mut notes);
                self.notes.extend(notes);
                if let Some(t) = t {
                    let target = a.targets.first().map(|t| t.range()).unwrap_or(call.range());
                    let loc = scope.location(span(target, call.range()));
                    let at = self.add_table(t.name, t.columns, t.extras, loc);
                    core_calls.insert((fi, call.range()), at);
                }
            }
        }
        for (fi, f) in files.iter().enumerate() {
            for def in module_classes(&f.ast.body) {
                let c = ClassRef { file: fi, def };
                let info = self.info(c);
                match info.kind {
                    Kind::Mapped | Kind::SqlModelTable => {
                        self.table_for(c);
                    }
                    Kind::Plain
                        if !info.unknown_bases.is_empty()
                            && !def.name.as_str().ends_with("Mixin")
                            && looks_like_model(def) =>
                    {
                        let (path, range) = info.unknown_bases[0].clone();
                        let loc = self.scope(fi).location(range);
                        self.note(
                            format!("unknown-model-base:{}", def.name.as_str()),
                            format!(
                                "`{}` looks like a model but inherits from `{path}`, which is not in the parsed files; its table is not checked (add the file defining it to the model paths)",
                                def.name.as_str()
                            ),
                            loc,
                        );
                    }
                    _ => {}
                }
            }
        }
        // `type("UserEvent", (Event, db.Model), {"__tablename__": ...})`
        // (warehouse's per-model event tables): mapped classes built at run
        // time, whose tables may be any the migrations create
        for (fi, f) in files.iter().enumerate() {
            let mut finder = TypeBuiltModels::default();
            finder.visit_body(&f.ast.body);
            for range in finder.found {
                self.unnamed_tables += 1;
                let loc = self.scope(fi).location(range);
                self.note(
                    format!("type-built-model:{}:{}", fi, u32::from(range.start())),
                    "a mapped class is built with `type(...)` at run time; its table is not checked"
                        .into(),
                    loc,
                );
            }
        }
        // module-level `Index("ix", Model.col, ...)`
        for (fi, f) in files.iter().enumerate() {
            for stmt in &f.ast.body {
                let value = match stmt {
                    Stmt::Expr(e) => &*e.value,
                    Stmt::Assign(a) => &*a.value,
                    _ => continue,
                };
                let Some(call) = as_call(value) else { continue };
                if call_name(call) != Some("Index") {
                    continue;
                }
                let Some(Expr::Attribute(first)) = call.arguments.args.get(1) else {
                    continue;
                };
                let (t, owner) = match self.core_table_of(fi, &first.value, &core_calls) {
                    Some(t) => (t, self.tables[t].name.clone()),
                    None => {
                        let Some(cls) = self.prog.class_of(fi, &first.value) else {
                            continue;
                        };
                        let Some(Some(t)) = self.class_table.get(&cls.key()).copied() else {
                            continue;
                        };
                        (t, cls.name().to_string())
                    }
                };
                let scope = self.scope(fi);
                let mut extras = TableExtras::default();
                let mut notes = Vec::new();
                table_constraint(&scope, &owner, value, &mut extras, &mut notes);
                self.notes.extend(notes);
                self.tables[t].extras.indexes.extend(extras.indexes);
            }
        }
    }

    /// Where a `ForeignKey(<expr>)` points: (schema, table, column).
    fn resolve_fk_expr(
        &mut self,
        file: usize,
        expr: &Expr,
    ) -> Option<(Option<String>, String, String)> {
        let Expr::Attribute(a) = expr else {
            return str_lit(expr).and_then(split_fk_target);
        };
        let attr = a.attr.as_str();
        // User.id
        if let Some(cls) = self.prog.class_of(file, &a.value) {
            let t = self.table_for(cls)?;
            let table = &self.tables[t];
            let col = table
                .columns
                .iter()
                .find(|c| c.attr == attr)
                .map(|c| c.name.clone())
                .unwrap_or_else(|| attr.to_string());
            return Some((table.extras.schema.clone(), table.name.clone(), col));
        }
        // users.c.id / users.columns.id
        if let Expr::Attribute(c) = &*a.value {
            if matches!(c.attr.as_str(), "c" | "columns") {
                if let Resolved::Value { expr, .. } = self.prog.resolve(file, &c.value) {
                    if let Some(call) = as_call(expr) {
                        if call_name(call) == Some("Table") {
                            let name = call.arguments.args.first().and_then(str_lit)?;
                            let schema = super::python::kwarg(call, "schema")
                                .and_then(str_lit)
                                .map(str::to_string);
                            return Some((schema, name.to_string(), attr.to_string()));
                        }
                    }
                }
            }
        }
        None
    }

    /// The final schema: table-level defaults applied, references resolved.
    pub fn finish(mut self) -> (Schema, Vec<Note>) {
        // resolve foreign-key targets first (they may need tables built on demand)
        let mut targets: Vec<Vec<Vec<Target>>> = Vec::new();
        let mut table_fk_targets: Vec<Vec<Target>> = Vec::new();
        for ti in 0..self.tables.len() {
            let mut per_col = Vec::new();
            let cols: Vec<Vec<FkTarget<'a>>> = self.tables[ti]
                .columns
                .iter()
                .map(|c| c.fks.iter().map(|f| f.target.clone()).collect())
                .collect();
            for fks in cols {
                let mut resolved = Vec::new();
                for t in fks {
                    resolved.push(match t {
                        FkTarget::Dotted(s) => split_fk_target(&s),
                        FkTarget::Expr { file, expr } => self.resolve_fk_expr(file, expr),
                    });
                }
                per_col.push(resolved);
            }
            targets.push(per_col);
            let tfks: Vec<FkTarget<'a>> = self.tables[ti]
                .extras
                .fks
                .iter()
                .map(|f| f.spec.target.clone())
                .collect();
            let mut resolved = Vec::new();
            for t in tfks {
                resolved.push(match t {
                    FkTarget::Dotted(s) => split_fk_target(&s),
                    FkTarget::Expr { file, expr } => self.resolve_fk_expr(file, expr),
                });
            }
            table_fk_targets.push(resolved);
        }
        let mut out = Schema::default();
        let mut notes = std::mem::take(&mut self.notes);
        for (ti, tb) in self.tables.iter().enumerate() {
            let mut table = Table::new(
                tb.name.clone(),
                tb.extras.schema.clone(),
                tb.location.clone(),
            );
            let by_attr = |r: &ColRef| -> String {
                let s = match r {
                    ColRef::Name(s) | ColRef::Attr(s) => s,
                };
                tb.columns
                    .iter()
                    .find(|c| &c.attr == s)
                    .map(|c| c.name.clone())
                    .unwrap_or_else(|| s.clone())
            };
            let pk_cols: Vec<String> = match &tb.extras.primary_key {
                Some(refs) => refs.iter().map(by_attr).collect(),
                None => tb
                    .columns
                    .iter()
                    .filter(|c| c.primary_key)
                    .map(|c| c.name.clone())
                    .collect(),
            };
            for (ci, cd) in tb.columns.iter().enumerate() {
                let fk_targets = targets
                    .get(ti)
                    .and_then(|t| t.get(ci))
                    .cloned()
                    .unwrap_or_default();
                let ty = match &cd.ty {
                    Some(t) => t.clone(),
                    None if cd.ty_unresolved.is_none() => {
                        match fk_targets
                            .iter()
                            .flatten()
                            .next()
                            .and_then(|(s, t, c)| self.column_type(s.as_deref(), t, c))
                        {
                            Some(t) => t,
                            None => {
                                notes.push(Note {
                                    table: None,
                                    kind: format!("unresolved-type:{}.{}", tb.name, cd.name),
                                    message: format!(
                                        "the type of column `{}` on `{}` comes from its foreign key, whose target is not a model migraguard parsed; its type is not checked",
                                        cd.name, tb.name
                                    ),
                                    location: cd.location.clone(),
                                });
                                SqlType::Other("unknown".into())
                            }
                        }
                    }
                    None => SqlType::Other("unknown".into()),
                };
                let is_pk = pk_cols
                    .iter()
                    .any(|p| schema::key(p) == schema::key(&cd.name));
                let mut col = schema::Column::new(cd.name.clone(), ty, cd.location.clone());
                col.nullable = if is_pk {
                    false
                } else {
                    cd.nullable.unwrap_or(true)
                };
                col.default = cd.default.clone();
                col.client_default = cd.client_default;
                col.unique = cd.unique;
                col.autoincrement = cd.generated
                    || cd.autoincrement == Some(true)
                    || (is_pk
                        && pk_cols.len() == 1
                        && matches!(col.ty, SqlType::Integer { .. })
                        && cd.fks.is_empty()
                        && cd.autoincrement != Some(false));
                if cd.index {
                    table.indexes.push(Index {
                        name: None,
                        columns: vec![cd.name.clone()],
                        unique: cd.unique,
                        location: cd.location.clone(),
                    });
                }
                for (fk, target) in cd.fks.iter().zip(fk_targets.iter()) {
                    match target {
                        Some((s, t, c)) => table.foreign_keys.push(ForeignKey {
                            name: fk.name.clone(),
                            columns: vec![cd.name.clone()],
                            ref_schema: s.clone(),
                            ref_table: t.clone(),
                            ref_columns: vec![c.clone()],
                            on_delete: fk.on_delete,
                            on_update: fk.on_update,
                            location: fk.location.clone(),
                        }),
                        None => notes.push(Note {
                            table: None,
                            kind: format!("unresolved-fk:{}.{}", tb.name, cd.name),
                            message: format!(
                                "the foreign key of column `{}` on `{}` points at something migraguard cannot resolve; it is not checked",
                                cd.name, tb.name
                            ),
                            location: fk.location.clone(),
                        }),
                    }
                }
                if let SqlType::Enum {
                    name: Some(n),
                    values,
                } = &col.ty
                {
                    out.enums.entry(schema::key(n)).or_insert_with(|| EnumType {
                        name: n.clone(),
                        values: values.clone(),
                        location: cd.location.clone(),
                    });
                }
                table.columns.push(col);
            }
            table.primary_key = pk_cols;
            for ix in &tb.extras.indexes {
                let IndexSpec {
                    name,
                    columns,
                    unique,
                    location,
                } = ix;
                table.indexes.push(Index {
                    name: name.clone(),
                    columns: columns.iter().map(by_attr).collect(),
                    unique: *unique,
                    location: location.clone(),
                });
            }
            for (fk, target) in tb
                .extras
                .fks
                .iter()
                .zip(table_fk_targets.get(ti).cloned().unwrap_or_default())
            {
                if let Some((s, t, _)) = target {
                    table.foreign_keys.push(ForeignKey {
                        name: fk.spec.name.clone(),
                        columns: fk.columns.iter().map(by_attr).collect(),
                        ref_schema: s,
                        ref_table: t,
                        ref_columns: fk.ref_columns.clone(),
                        on_delete: fk.spec.on_delete,
                        on_update: fk.spec.on_update,
                        location: fk.spec.location.clone(),
                    });
                }
            }
            table.checks = tb.extras.checks.clone();
            // a mixin's `__table_args__` reaches a table once per class using it
            let mut seen = std::collections::HashSet::new();
            table
                .indexes
                .retain(|i| seen.insert((i.name.clone(), i.columns.clone(), i.unique)));
            let mut seen = std::collections::HashSet::new();
            table.foreign_keys.retain(|f| {
                seen.insert((
                    f.columns.clone(),
                    f.ref_schema.clone(),
                    f.ref_table.clone(),
                    f.ref_columns.clone(),
                ))
            });
            let mut seen = std::collections::HashSet::new();
            table.checks.retain(|c| seen.insert(c.sql.clone()));
            out.insert_table(table);
        }
        (out, notes)
    }

    fn column_type(&self, schema_name: Option<&str>, table: &str, column: &str) -> Option<SqlType> {
        let t = self.by_key.get(&schema::table_key(schema_name, table))?;
        let col = self.tables[*t]
            .columns
            .iter()
            .find(|c| schema::key(&c.name) == schema::key(column))?;
        col.ty.clone()
    }
}

/// Every `type_annotation_map` of the project: on declarative bases
/// (`type_annotation_map = {...}` in the class body) and on
/// `registry(type_annotation_map={...})` calls. Several bases with
/// different maps are merged; a project rarely has more than one.
fn collect_type_map<'a>(prog: &Program<'a>) -> Option<Rc<TypeMap<'a>>> {
    let mut map = TypeMap::new();
    let mut add = |file: usize, dict: &'a Expr| {
        if let Expr::Dict(d) = dict {
            for item in &d.items {
                if let Some(k) = item.key.as_ref() {
                    let name = match k {
                        Expr::Subscript(s) => last_name(&s.value),
                        other => last_name(other),
                    };
                    if let Some(n) = name {
                        map.entry(n.to_string()).or_insert((file, &item.value));
                    }
                }
            }
        }
    };
    // registry(type_annotation_map=...) / registry(...).generate_base()
    fn in_registry_call(mut cur: &Expr) -> Option<&Expr> {
        for _ in 0..4 {
            let call = as_call(cur)?;
            if let Some(v) = super::python::kwarg(call, "type_annotation_map") {
                return Some(v);
            }
            match &*call.func {
                Expr::Attribute(at) => cur = &at.value,
                _ => return None,
            }
        }
        None
    }
    for (fi, f) in prog.files.iter().enumerate() {
        for class in module_classes(&f.ast.body) {
            for stmt in &class.body {
                let (target, value) = match stmt {
                    Stmt::Assign(a) => (a.targets.first(), Some(&*a.value)),
                    Stmt::AnnAssign(a) => (Some(&*a.target), a.value.as_deref()),
                    _ => continue,
                };
                if let (Some(Expr::Name(n)), Some(v)) = (target, value) {
                    if n.id.as_str() == "type_annotation_map" {
                        add(fi, v);
                    } else if let Some(v) = in_registry_call(v) {
                        // `registry: ClassVar[...] = registry(type_annotation_map=...)` (prefect)
                        add(fi, v);
                    }
                }
            }
        }
        for stmt in &f.ast.body {
            if let Stmt::Assign(a) = stmt {
                if let Some(v) = in_registry_call(&a.value) {
                    add(fi, v);
                }
            }
        }
    }
    if map.is_empty() {
        None
    } else {
        Some(Rc::new(map))
    }
}

fn is_forward_ref(expr: &Expr) -> bool {
    match expr {
        Expr::StringLiteral(_) => true,
        Expr::Subscript(s) => is_forward_ref(&s.slice),
        Expr::Tuple(t) => t.elts.iter().any(is_forward_ref),
        _ => false,
    }
}

/// Body statements that would make a class a model were its base known.
fn looks_like_model(def: &StmtClassDef) -> bool {
    def.body.iter().any(|s| match s {
        Stmt::Assign(a) => {
            matches!(a.targets.first(), Some(Expr::Name(n)) if n.id.as_str() == "__tablename__")
                || as_call(&a.value).map(is_column_call).unwrap_or(false)
        }
        Stmt::AnnAssign(a) => {
            matches!(&*a.target, Expr::Name(n) if n.id.as_str() == "__tablename__")
                || a.value
                    .as_deref()
                    .and_then(as_call)
                    .map(is_column_call)
                    .unwrap_or(false)
                || mapped_inner(&a.annotation).is_some()
        }
        _ => false,
    })
}

/// Whether a loop statement in a class body calls `Column`/`mapped_column`.
fn stmt_mentions_columns(stmt: &Stmt) -> bool {
    let body: &[Stmt] = match stmt {
        Stmt::For(f) => &f.body,
        Stmt::While(w) => &w.body,
        _ => return false,
    };
    body.iter().any(|s| {
        let v = match s {
            Stmt::Assign(a) => Some(&*a.value),
            Stmt::Expr(e) => Some(&*e.value),
            _ => None,
        };
        v.and_then(as_call)
            .map(|c| {
                is_column_call(c)
                    || c.arguments
                        .args
                        .iter()
                        .any(|a| as_call(a).map(is_column_call).unwrap_or(false))
            })
            .unwrap_or(false)
    })
}
