//! SQLAlchemy column and table arguments: `Column(...)`, `mapped_column(...)`
//! with its `Mapped[...]` annotation, `ForeignKey`, server defaults,
//! `__table_args__` constraints and core `Table("name", metadata, ...)`.
//! Which classes are models, and how inheritance distributes columns over
//! tables, is `declarative.rs`.

use super::python::{
    as_call, bool_lit, call_name, has_splat, is_none, kwarg, last_name, literal_sql, str_lit,
    Resolved, Scope,
};
use super::sqlalchemy_types::{py_type_from_annotation, sa_type_from_expr, PyAnnotation};
use crate::schema::{Check, DefaultValue, FkAction, SqlType};
use crate::source::Location;
use ruff_python_ast::{Expr, ExprCall};
use ruff_text_size::Ranged;

/// A construct we could not resolve statically (becomes an MG001 note).
#[derive(Clone, Debug)]
pub struct Note {
    /// The table concerned, when the note says something about a whole table.
    pub table: Option<String>,
    /// Fingerprint kind: what and where, without line numbers.
    pub kind: String,
    pub message: String,
    pub location: Location,
}

/// Where a foreign key points, before tables are known.
#[derive(Clone, Debug)]
pub enum FkTarget<'a> {
    /// `"schema.table.column"` / `"table.column"`.
    Dotted(String),
    /// `ForeignKey(User.id)` / `ForeignKey(users.c.id)`, resolved once every table is built.
    Expr { file: usize, expr: &'a Expr },
}

#[derive(Clone, Debug)]
pub struct FkSpec<'a> {
    pub target: FkTarget<'a>,
    pub name: Option<String>,
    pub on_delete: Option<FkAction>,
    pub on_update: Option<FkAction>,
    pub location: Location,
}

/// A column as a model declares it, before table-level defaults apply.
#[derive(Clone, Debug)]
pub struct ColumnDef<'a> {
    /// The Python attribute (what `__table_args__` strings usually name).
    pub attr: String,
    /// The database column name.
    pub name: String,
    /// None: not given; inferred from the foreign key target, else unknown.
    pub ty: Option<SqlType>,
    /// Why the type could not be resolved, when it could not.
    pub ty_unresolved: Option<String>,
    pub nullable: Option<bool>,
    pub primary_key: bool,
    pub unique: bool,
    pub index: bool,
    pub default: Option<DefaultValue>,
    pub client_default: bool,
    pub autoincrement: Option<bool>,
    /// `Computed(...)` / `Identity(...)`: the database fills it.
    pub generated: bool,
    pub fks: Vec<FkSpec<'a>>,
    pub location: Location,
}

impl<'a> ColumnDef<'a> {
    pub fn new(attr: &str, location: Location) -> Self {
        ColumnDef {
            attr: attr.to_string(),
            name: attr.to_string(),
            ty: None,
            ty_unresolved: None,
            nullable: None,
            primary_key: false,
            unique: false,
            index: false,
            default: None,
            client_default: false,
            autoincrement: None,
            generated: false,
            fks: Vec::new(),
            location,
        }
    }
}

fn note(notes: &mut Vec<Note>, kind: String, message: String, location: Location) {
    notes.push(Note {
        table: None,
        kind,
        message,
        location,
    });
}

/// Builds a column from `Column(...)` / `mapped_column(...)` calls (several
/// when an `Annotated[..., mapped_column(...)]` alias contributes defaults)
/// and, for `Mapped[...]` columns, the annotation's inner type.
/// `mapped` is true for the 2.0 style, where `Optional` decides nullability.
#[allow(clippy::too_many_arguments)]
pub fn column_from_calls<'a>(
    scope: &Scope<'_, 'a>,
    owner: &str,
    attr: &str,
    calls: &[&'a ExprCall],
    annotation: Option<&Expr>,
    mapped: bool,
    location: Location,
    notes: &mut Vec<Note>,
) -> ColumnDef<'a> {
    let mut col = ColumnDef::new(attr, location);
    for call in calls {
        apply_call(scope, owner, &mut col, call, notes);
    }
    if let Some(ann) = annotation {
        let pa: PyAnnotation = py_type_from_annotation(ann, scope);
        if mapped && col.nullable.is_none() {
            col.nullable = Some(pa.optional);
        }
        // a column with a foreign key and no type of its own takes the
        // referenced column's type: SQLAlchemy consults the annotation only
        // for columns without foreign keys (`Mapped[str]` on a key to a UUID
        // column is a UUID column)
        if col.ty.is_none() && col.ty_unresolved.is_none() && col.fks.is_empty() {
            match pa.ty {
                Ok(t) => col.ty = Some(t),
                Err(why) => col.ty_unresolved = Some(why),
            }
        }
    }
    if col.ty.is_none() && col.fks.is_empty() && col.ty_unresolved.is_none() {
        col.ty_unresolved = Some("no column type is given".into());
    }
    if let Some(why) = &col.ty_unresolved {
        note(
            notes,
            format!("unresolved-type:{owner}.{attr}"),
            format!(
                "the type of column `{}` on `{owner}` could not be resolved ({why}); its type is not checked",
                col.name
            ),
            col.location.clone(),
        );
    }
    col
}

/// Applies one `Column(...)`/`mapped_column(...)` call's arguments.
pub fn apply_call<'a>(
    scope: &Scope<'_, 'a>,
    owner: &str,
    col: &mut ColumnDef<'a>,
    call: &'a ExprCall,
    notes: &mut Vec<Note>,
) {
    // `Column = functools.partial(db.Column, nullable=False)` (redash): the
    // partial's keywords are defaults the call's own keywords override
    if let Some((file, partial)) = column_partial(scope, call) {
        let at = Scope {
            prog: scope.prog,
            file,
            dialect: scope.dialect,
            type_map: scope.type_map.clone(),
        };
        if partial.arguments.args.len() > 1 {
            col.ty_unresolved =
                Some("the `functools.partial` column factory passes positional arguments".into());
        }
        apply_keywords(&at, owner, col, &partial.arguments.keywords, notes);
    }
    for (i, arg) in call.arguments.args.iter().enumerate() {
        if i == 0 {
            if let Some(s) = str_lit(arg) {
                col.name = s.to_string();
                continue;
            }
        }
        if let Some(inner) = as_call(arg) {
            match call_name(inner) {
                Some("ForeignKey") => {
                    if let Some(fk) = foreign_key(scope, inner) {
                        col.fks.push(fk);
                    }
                    continue;
                }
                Some("Computed") => {
                    col.generated = true;
                    continue;
                }
                Some("Identity") => {
                    col.generated = true;
                    col.autoincrement = Some(true);
                    continue;
                }
                Some("Sequence") => {
                    col.autoincrement = Some(true);
                    continue;
                }
                Some("CheckConstraint" | "UniqueConstraint" | "DefaultClause" | "FetchedValue") => {
                    continue
                }
                _ => {}
            }
        }
        // `Column(None, ForeignKey("t.id"))`: an explicit "no type" means
        // SQLAlchemy takes the referenced column's type, as when it is omitted.
        if matches!(
            arg,
            Expr::StringLiteral(_) | Expr::Starred(_) | Expr::NoneLiteral(_)
        ) {
            continue;
        }
        if col.ty.is_none() && col.ty_unresolved.is_none() {
            match sa_type_from_expr(arg, scope) {
                Ok(t) => col.ty = Some(t),
                Err(why) => col.ty_unresolved = Some(why),
            }
        }
    }
    apply_keywords(scope, owner, col, &call.arguments.keywords, notes);
}

/// The `functools.partial(Column, ...)` call a column call's name is bound to.
fn column_partial<'a>(scope: &Scope<'_, 'a>, call: &ExprCall) -> Option<(usize, &'a ExprCall)> {
    let Resolved::Value { file, expr } = scope.prog.resolve(scope.file, &call.func) else {
        return None;
    };
    let partial = as_call(expr)?;
    let wraps_column = matches!(
        partial.arguments.args.first().and_then(last_name),
        Some("Column" | "mapped_column")
    );
    (call_name(partial) == Some("partial") && wraps_column).then_some((file, partial))
}

fn apply_keywords<'a>(
    scope: &Scope<'_, 'a>,
    owner: &str,
    col: &mut ColumnDef<'a>,
    keywords: &'a [ruff_python_ast::Keyword],
    notes: &mut Vec<Note>,
) {
    for kw in keywords.iter() {
        let Some(arg) = kw.arg.as_ref().map(|a| a.as_str()) else {
            note(
                notes,
                format!("splat-arguments:{owner}.{}", col.attr),
                format!(
                    "column `{}` on `{owner}` takes `**` keyword arguments migraguard cannot see; its options may be incomplete",
                    col.name
                ),
                scope.location(kw.range()),
            );
            continue;
        };
        let v = &kw.value;
        let mut flag = |target: &mut bool, what: &str| match bool_lit(v) {
            Some(b) => *target = b,
            None => note(
                notes,
                format!("dynamic-flag:{owner}.{}.{what}", col.attr),
                format!(
                    "`{what}=` of column `{}` on `{owner}` is not a literal; it is not checked",
                    col.name
                ),
                scope.location(v.range()),
            ),
        };
        match arg {
            "name" => {
                if let Some(s) = str_lit(v) {
                    col.name = s.to_string();
                }
            }
            "type_" => match sa_type_from_expr(v, scope) {
                Ok(t) => {
                    col.ty = Some(t);
                    col.ty_unresolved = None;
                }
                Err(why) => col.ty_unresolved = Some(why),
            },
            "primary_key" => flag(&mut col.primary_key, "primary_key"),
            "unique" if !is_none(v) => flag(&mut col.unique, "unique"),
            "index" if !is_none(v) => flag(&mut col.index, "index"),
            "nullable" => match bool_lit(v) {
                Some(b) => col.nullable = Some(b),
                None => note(
                    notes,
                    format!("dynamic-flag:{owner}.{}.nullable", col.attr),
                    format!(
                        "`nullable=` of column `{}` on `{owner}` is not a literal; it is not checked",
                        col.name
                    ),
                    scope.location(v.range()),
                ),
            },
            "server_default" => match server_default_in(scope, v) {
                Ok(d) => col.default = d,
                Err(why) => note(
                    notes,
                    format!("server-default:{owner}.{}", col.attr),
                    format!(
                        "the server default of column `{}` on `{owner}` could not be read ({why}); it is not checked",
                        col.name
                    ),
                    scope.location(v.range()),
                ),
            },
            "default" | "insert_default" | "default_factory" | "onupdate" if !is_none(v) => {
                col.client_default = true;
            }
            "autoincrement" => match (bool_lit(v), str_lit(v)) {
                (Some(b), _) => col.autoincrement = Some(b),
                (_, Some("ignore_fk")) => col.autoincrement = Some(true),
                _ => {}
            },
            _ => {}
        }
    }
}

/// `ForeignKey("users.id", ondelete=...)` / `ForeignKey(User.id)`.
pub fn foreign_key<'a>(scope: &Scope<'_, 'a>, call: &'a ExprCall) -> Option<FkSpec<'a>> {
    let target = call
        .arguments
        .args
        .first()
        .or_else(|| kwarg(call, "column"))?;
    let name = kwarg(call, "name").and_then(str_lit).map(str::to_string);
    let target = match str_lit(target) {
        Some(s) => FkTarget::Dotted(s.to_string()),
        None => FkTarget::Expr {
            file: scope.file,
            expr: target,
        },
    };
    let (on_delete, on_update) = fk_actions(call);
    Some(FkSpec {
        target,
        name,
        on_delete,
        on_update,
        location: scope.location(call.range()),
    })
}

/// `ondelete=` / `onupdate=` of a `ForeignKey`, `ForeignKeyConstraint` or
/// SQLModel `Field`; a value that is not a literal action reads as not stated.
pub fn fk_actions(call: &ExprCall) -> (Option<FkAction>, Option<FkAction>) {
    let action = |k: &str| kwarg(call, k).and_then(str_lit).and_then(FkAction::parse);
    (action("ondelete"), action("onupdate"))
}

/// Splits `"schema.table.column"` into (schema, table, column).
pub fn split_fk_target(s: &str) -> Option<(Option<String>, String, String)> {
    let parts: Vec<&str> = s.split('.').collect();
    match parts.as_slice() {
        [t, c] if !t.is_empty() && !c.is_empty() => Some((None, t.to_string(), c.to_string())),
        [rest @ .., t, c] if !rest.is_empty() => {
            Some((Some(rest.join(".")), t.to_string(), c.to_string()))
        }
        _ => None,
    }
}

/// `server_default` that may name a constant: a module-level literal
/// (`server_default=DEFAULT_ROLE`) or a literal class attribute, which covers
/// members of `class Kind(str, Enum)` (`server_default=ReportTypes.tactical`).
pub fn server_default_in(
    scope: &Scope<'_, '_>,
    expr: &Expr,
) -> Result<Option<DefaultValue>, String> {
    // `func.now()` on SQLite is whatever the project's `@compiles(now,
    // "sqlite")` returns (prefect): unknown, so not compared
    if let Some(name) = as_call(expr).and_then(call_name) {
        if scope.prog.compiles_itself(name, scope.dialect) {
            return Ok(None);
        }
    }
    let direct = server_default(expr);
    if direct.is_ok() || !matches!(expr, Expr::Name(_) | Expr::Attribute(_)) {
        return direct;
    }
    let literal = |e: &Expr| matches!(e, Expr::StringLiteral(_) | Expr::NumberLiteral(_));
    let value = match scope.prog.resolve(scope.file, expr) {
        super::python::Resolved::Value { expr: v, .. } if literal(v) => Some(v),
        _ => match expr {
            Expr::Attribute(a) => scope.prog.class_of(scope.file, &a.value).and_then(|c| {
                // the last assignment wins, as in the class body
                c.def.body.iter().rev().find_map(|st| match st {
                    ruff_python_ast::Stmt::Assign(x) if x.targets.len() == 1 => match &x.targets[0]
                    {
                        Expr::Name(n) if n.id.as_str() == a.attr.as_str() && literal(&x.value) => {
                            Some(&*x.value)
                        }
                        _ => None,
                    },
                    _ => None,
                })
            }),
            _ => None,
        },
    };
    match value {
        Some(v) => server_default(v),
        None => direct,
    }
}

/// A server default as SQL: `"x"` -> `'x'`, `text("now()")`, `func.now()`,
/// `sa.func.current_timestamp()`, `sa.false()`. `Ok(None)` when there is
/// none or it is `FetchedValue()` (set by the database, value unknown).
pub fn server_default(expr: &Expr) -> Result<Option<DefaultValue>, String> {
    match expr {
        Expr::NoneLiteral(_) => Ok(None),
        Expr::StringLiteral(s) => Ok(Some(DefaultValue::new(format!(
            "'{}'",
            s.value.to_str().replace('\'', "''")
        )))),
        Expr::NumberLiteral(_) | Expr::BooleanLiteral(_) | Expr::UnaryOp(_) => literal_sql(expr)
            .map(|s| Some(DefaultValue::new(s)))
            .ok_or_else(|| "not a literal".to_string()),
        Expr::Call(call) => {
            let name = call_name(call).unwrap_or("");
            let args = &call.arguments.args;
            match name {
                "text" | "literal_column" => args
                    .first()
                    .and_then(str_lit)
                    .map(|s| Some(DefaultValue::new(s)))
                    .ok_or_else(|| "`text()` of a non-literal".to_string()),
                "DefaultClause" => args.first().map(server_default).unwrap_or(Ok(None)),
                "FetchedValue" => Ok(None),
                "false" | "true" | "null" if args.is_empty() && !is_func(&call.func) => {
                    Ok(Some(DefaultValue::new(name)))
                }
                "literal" => args
                    .first()
                    .and_then(literal_sql)
                    .map(|s| Some(DefaultValue::new(s)))
                    .ok_or_else(|| "`literal()` of a non-literal".to_string()),
                _ if is_func(&call.func) => {
                    let lower = name.to_ascii_lowercase();
                    if matches!(
                        lower.as_str(),
                        "current_timestamp"
                            | "current_date"
                            | "current_time"
                            | "localtimestamp"
                            | "localtime"
                            | "current_user"
                    ) && args.is_empty()
                    {
                        return Ok(Some(DefaultValue::new(lower.to_ascii_uppercase())));
                    }
                    let mut rendered = Vec::new();
                    for a in args.iter() {
                        rendered.push(
                            literal_sql(a)
                                .ok_or_else(|| format!("`func.{name}` with computed arguments"))?,
                        );
                    }
                    Ok(Some(DefaultValue::new(format!(
                        "{name}({})",
                        rendered.join(", ")
                    ))))
                }
                _ => Err(format!(
                    "`{name}(...)` is not a server default migraguard knows"
                )),
            }
        }
        _ => Err("not a literal, `text()` or `func` call".into()),
    }
}

/// `func.now` / `sa.func.now` / `sqlalchemy.sql.func.now`.
fn is_func(callee: &Expr) -> bool {
    match callee {
        Expr::Attribute(a) => matches!(last_name(&a.value), Some("func" | "functions")),
        _ => false,
    }
}

/// A column named in a table-level constraint.
#[derive(Clone, Debug)]
pub enum ColRef {
    /// A string: a column key (usually the attribute) or name.
    Name(String),
    /// `User.email` / `email` / `users.c.email`: by attribute.
    Attr(String),
}

#[derive(Clone, Debug)]
pub struct IndexSpec {
    pub name: Option<String>,
    pub columns: Vec<ColRef>,
    pub unique: bool,
    pub location: Location,
}

#[derive(Clone, Debug)]
pub struct TableFk<'a> {
    pub columns: Vec<ColRef>,
    pub spec: FkSpec<'a>,
    pub ref_columns: Vec<String>,
}

/// Table-level declarations: `__table_args__` or the extra arguments of `Table(...)`.
#[derive(Clone, Debug, Default)]
pub struct TableExtras<'a> {
    pub schema: Option<String>,
    pub indexes: Vec<IndexSpec>,
    pub fks: Vec<TableFk<'a>>,
    pub primary_key: Option<Vec<ColRef>>,
    pub checks: Vec<Check>,
}

fn col_refs(args: &[Expr], skip: usize) -> Result<Vec<ColRef>, ()> {
    let mut out = Vec::new();
    for a in args.iter().skip(skip) {
        // sort order does not change which columns are indexed, and the SQL
        // side reads `created_at DESC` as the column (skyvern):
        // `desc("created_at")`, `sa.asc(Model.x)`, `Model.x.desc()`
        let a = match as_call(a) {
            Some(c) if c.arguments.keywords.is_empty() => {
                match (&*c.func, c.arguments.args.as_ref()) {
                    (f, [inner]) if matches!(last_name(f), Some("desc" | "asc")) => inner,
                    (Expr::Attribute(m), [])
                        if matches!(m.attr.as_str(), "desc" | "asc")
                            && matches!(&*m.value, Expr::Attribute(_) | Expr::Name(_)) =>
                    {
                        &*m.value
                    }
                    _ => a,
                }
            }
            _ => a,
        };
        match a {
            Expr::StringLiteral(s) => out.push(ColRef::Name(s.value.to_str().to_string())),
            Expr::Name(_) | Expr::Attribute(_) => {
                out.push(ColRef::Attr(last_name(a).unwrap_or("").to_string()))
            }
            _ => return Err(()),
        }
    }
    Ok(out)
}

/// Reads one table-level constraint (`UniqueConstraint`, `Index`,
/// `ForeignKeyConstraint`, `PrimaryKeyConstraint`, `CheckConstraint`).
/// Returns false when `expr` is not a constraint at all.
pub fn table_constraint<'a>(
    scope: &Scope<'_, 'a>,
    owner: &str,
    expr: &'a Expr,
    extras: &mut TableExtras<'a>,
    notes: &mut Vec<Note>,
) -> bool {
    let Some(call) = as_call(expr) else {
        return false;
    };
    let loc = scope.location(call.range());
    let name = kwarg(call, "name").and_then(str_lit).map(str::to_string);
    let args = &call.arguments.args;
    let unresolved = |notes: &mut Vec<Note>, what: &str| {
        let article = if what.starts_with(['a', 'e', 'i', 'o', 'u']) {
            "an"
        } else {
            "a"
        };
        // `Index("ix_name", ...)` names itself positionally
        let shown = name.clone().or_else(|| {
            (call_name(call) == Some("Index"))
                .then(|| args.first().and_then(str_lit).map(str::to_string))
                .flatten()
        });
        let named = match &shown {
            Some(n) => format!("{what} `{n}`"),
            None => format!("{article} {what}"),
        };
        let mut message = format!(
            "{named} on `{owner}` uses expressions migraguard cannot read; it is not checked"
        );
        if let Some(first) = message.get(..1) {
            message = first.to_uppercase() + message.get(1..).unwrap_or("");
        }
        note(
            notes,
            format!("expression-{what}:{owner}"),
            message,
            loc.clone(),
        )
    };
    match call_name(call) {
        Some("UniqueConstraint") => match col_refs(args, 0) {
            Ok(columns) => extras.indexes.push(IndexSpec {
                name,
                columns,
                unique: true,
                location: loc,
            }),
            Err(()) => unresolved(notes, "unique constraint"),
        },
        Some("Index") => {
            let name = args.first().and_then(str_lit).map(str::to_string);
            match col_refs(args, 1) {
                Ok(columns) if !columns.is_empty() => extras.indexes.push(IndexSpec {
                    name,
                    columns,
                    unique: kwarg(call, "unique").and_then(bool_lit).unwrap_or(false),
                    location: loc,
                }),
                _ => unresolved(notes, "index"),
            }
        }
        Some("PrimaryKeyConstraint") => match col_refs(args, 0) {
            Ok(columns) => extras.primary_key = Some(columns),
            Err(()) => unresolved(notes, "primary key"),
        },
        Some("ForeignKeyConstraint") => {
            let (Some(cols), Some(refs)) = (
                args.first().or_else(|| kwarg(call, "columns")),
                args.get(1).or_else(|| kwarg(call, "refcolumns")),
            ) else {
                unresolved(notes, "foreign key");
                return true;
            };
            let list = |e: &'a Expr| -> Option<&'a [Expr]> {
                match e {
                    Expr::List(l) => Some(&l.elts),
                    Expr::Tuple(t) => Some(&t.elts),
                    _ => None,
                }
            };
            let (Some(cols), Some(refs)) = (list(cols), list(refs)) else {
                unresolved(notes, "foreign key");
                return true;
            };
            let Ok(columns) = col_refs(cols, 0) else {
                unresolved(notes, "foreign key");
                return true;
            };
            let targets: Vec<&str> = refs.iter().filter_map(str_lit).collect();
            let (on_delete, on_update) = fk_actions(call);
            if targets.len() != refs.len() || targets.is_empty() {
                // ForeignKeyConstraint([...], [Other.id]): resolve the first by expression
                if let Some(first) = refs.first() {
                    extras.fks.push(TableFk {
                        columns,
                        spec: FkSpec {
                            target: FkTarget::Expr {
                                file: scope.file,
                                expr: first,
                            },
                            name,
                            on_delete,
                            on_update,
                            location: loc,
                        },
                        ref_columns: refs
                            .iter()
                            .filter_map(|r| last_name(r).map(str::to_string))
                            .collect(),
                    });
                }
                return true;
            }
            let ref_columns = targets
                .iter()
                .filter_map(|t| split_fk_target(t).map(|(_, _, c)| c))
                .collect();
            extras.fks.push(TableFk {
                columns,
                spec: FkSpec {
                    target: FkTarget::Dotted(targets[0].to_string()),
                    name,
                    on_delete,
                    on_update,
                    location: loc,
                },
                ref_columns,
            });
        }
        Some("CheckConstraint") => match args.first().and_then(str_lit) {
            Some(sql) => extras.checks.push(Check {
                name,
                sql: sql.to_string(),
                location: loc,
            }),
            None => unresolved(notes, "check constraint"),
        },
        _ => return false,
    }
    true
}

/// `X.ddl_if(dialect="postgresql")` / `dialect=("postgresql", "mysql")`:
/// `X` and the dialect names, None for them when the condition is not a
/// literal dialect list.
fn ddl_if(item: &Expr) -> Option<(&Expr, Option<Vec<String>>)> {
    let call = as_call(item)?;
    let Expr::Attribute(a) = &*call.func else {
        return None;
    };
    if a.attr.as_str() != "ddl_if" {
        return None;
    }
    let only_dialect = call.arguments.args.is_empty()
        && call
            .arguments
            .keywords
            .iter()
            .all(|k| k.arg.as_ref().is_some_and(|n| n.as_str() == "dialect"));
    let dialects = kwarg(call, "dialect")
        .filter(|_| only_dialect)
        .and_then(|d| match d {
            Expr::StringLiteral(s) => Some(vec![s.value.to_str().to_string()]),
            Expr::Tuple(t) => t
                .elts
                .iter()
                .map(|e| str_lit(e).map(str::to_string))
                .collect(),
            Expr::List(l) => l
                .elts
                .iter()
                .map(|e| str_lit(e).map(str::to_string))
                .collect(),
            _ => None,
        });
    Some((&a.value, dialects))
}

/// `__table_args__`: a tuple/list of constraints optionally ending with a
/// dict of options, or a dict alone.
pub fn table_args<'a>(
    scope: &Scope<'_, 'a>,
    owner: &str,
    expr: &'a Expr,
    extras: &mut TableExtras<'a>,
    notes: &mut Vec<Note>,
) {
    let items: &[Expr] = match expr {
        Expr::Tuple(t) => &t.elts,
        Expr::List(l) => &l.elts,
        Expr::Dict(_) => std::slice::from_ref(expr),
        _ => {
            note(
                notes,
                format!("dynamic-table-args:{owner}"),
                format!(
                    "`__table_args__` of `{owner}` is computed; its constraints are not checked"
                ),
                scope.location(expr.range()),
            );
            return;
        }
    };
    for item in items {
        if let Expr::Dict(d) = item {
            for it in &d.items {
                if let (Some("schema"), v) = (it.key.as_ref().and_then(str_lit), &it.value) {
                    extras.schema = str_lit(v).map(str::to_string);
                    if extras.schema.is_none() && !is_none(v) {
                        note(
                            notes,
                            format!("dynamic-schema:{owner}"),
                            format!("the schema of `{owner}` is computed; the table is checked as if it had none"),
                            scope.location(v.range()),
                        );
                    }
                }
            }
            continue;
        }
        // `sa.Index(...).ddl_if(dialect="postgresql")`: only created on that dialect
        let item = match ddl_if(item) {
            Some((inner, Some(dialects))) => {
                if !dialects
                    .iter()
                    .any(|d| crate::dialect::Dialect::parse(d) == Some(scope.dialect))
                {
                    continue;
                }
                inner
            }
            // `ddl_if(callable_=...)`: decided at run time
            Some((_, None)) => {
                note(
                    notes,
                    format!("dynamic-ddl-if:{owner}"),
                    format!("an entry of `__table_args__` on `{owner}` is created only when a function says so; it is not checked"),
                    scope.location(item.range()),
                );
                continue;
            }
            None => item,
        };
        if !table_constraint(scope, owner, item, extras, notes) {
            note(
                notes,
                format!("unknown-table-arg:{owner}"),
                format!("an entry of `__table_args__` on `{owner}` is not a constraint migraguard knows; it is not checked"),
                scope.location(item.range()),
            );
        }
    }
}

/// A core table: `Table("name", metadata, Column(...), ..., schema=...)`
/// (also `db.Table("name", db.Column(...))`).
pub struct CoreTable<'a> {
    pub name: String,
    pub columns: Vec<ColumnDef<'a>>,
    pub extras: TableExtras<'a>,
}

pub fn core_table<'a>(
    scope: &Scope<'_, 'a>,
    call: &'a ExprCall,
    notes: &mut Vec<Note>,
) -> Option<CoreTable<'a>> {
    let args = &call.arguments.args;
    let Some(name) = args.first().and_then(str_lit) else {
        note(
            notes,
            "dynamic-table-name".into(),
            "a `Table(...)` whose name is not a string literal is not checked".into(),
            scope.location(call.range()),
        );
        return None;
    };
    if kwarg(call, "autoload_with").is_some()
        || kwarg(call, "autoload").and_then(bool_lit) == Some(true)
    {
        note(
            notes,
            format!("reflected-table:{name}"),
            format!("table `{name}` is reflected from the database at run time; its columns are not checked"),
            scope.location(call.range()),
        );
        return None;
    }
    if has_splat(call) {
        note(
            notes,
            format!("splat-arguments:{name}"),
            format!("`Table(\"{name}\", ...)` takes `*`/`**` arguments migraguard cannot see; it may be incomplete"),
            scope.location(call.range()),
        );
    }
    let mut columns = Vec::new();
    let mut extras = TableExtras {
        schema: kwarg(call, "schema").and_then(str_lit).map(str::to_string),
        ..Default::default()
    };
    for arg in args.iter().skip(1) {
        let Some(inner) = as_call(arg) else {
            continue;
        };
        match call_name(inner) {
            Some("Column") => {
                let attr = inner
                    .arguments
                    .args
                    .first()
                    .and_then(str_lit)
                    .unwrap_or("?")
                    .to_string();
                let loc = scope.location(inner.range());
                columns.push(column_from_calls(
                    scope,
                    name,
                    &attr,
                    &[inner],
                    None,
                    false,
                    loc,
                    notes,
                ));
            }
            _ => {
                table_constraint(scope, name, arg, &mut extras, notes);
            }
        }
    }
    Some(CoreTable {
        name: name.to_string(),
        columns,
        extras,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn default_of(src: &str) -> Result<Option<String>, String> {
        let parsed = ruff_python_parser::parse_expression(src).unwrap();
        server_default(&parsed.syntax().body).map(|d| d.map(|d| d.raw))
    }

    #[test]
    fn reads_server_defaults() {
        assert_eq!(default_of("'active'"), Ok(Some("'active'".into())));
        assert_eq!(default_of("text('now()')"), Ok(Some("now()".into())));
        assert_eq!(default_of("sa.text(\"0\")"), Ok(Some("0".into())));
        assert_eq!(default_of("func.now()"), Ok(Some("now()".into())));
        assert_eq!(
            default_of("sa.func.current_timestamp()"),
            Ok(Some("CURRENT_TIMESTAMP".into()))
        );
        assert_eq!(default_of("sa.false()"), Ok(Some("false".into())));
        assert_eq!(default_of("expression.true()"), Ok(Some("true".into())));
        assert_eq!(
            default_of("func.gen_random_uuid()"),
            Ok(Some("gen_random_uuid()".into()))
        );
        assert_eq!(default_of("FetchedValue()"), Ok(None));
        assert!(default_of("compute()").is_err());
        assert!(default_of("func.coalesce(x, 1)").is_err());
    }

    #[test]
    fn splits_foreign_key_targets() {
        assert_eq!(
            split_fk_target("users.id"),
            Some((None, "users".into(), "id".into()))
        );
        assert_eq!(
            split_fk_target("auth.users.id"),
            Some((Some("auth".into()), "users".into(), "id".into()))
        );
        assert_eq!(split_fk_target("users"), None);
    }
}
