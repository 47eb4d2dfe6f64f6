//! The SeaORM migration frontend: a `migration` crate's Rust files read with
//! syn, replayed through `apply`.
//!
//! Each migration's `async fn up(&self, manager: &SchemaManager)` is walked
//! for `SchemaManager` calls whose argument is a literal SeaQuery builder
//! chain (`Table::create().table(Post::Table).col(..)`, the sea-orm-migration
//! schema helpers `pk_auto(..)`, `string_null(..)`, `Table::alter()`,
//! `Index::create()`, `Type::create().as_enum(..)`...), possibly bound to a
//! local `let` first or returned by a parameterless function of the file.
//! SQL passed to `execute_unprepared`, `Statement::from_string` or read with
//! `include_str!` goes through the SQL frontend, with locations inside the
//! Rust file (or the included file).
//!
//! Names are `DeriveIden` enums (`Post::Table` -> `post`, `Post::Title` ->
//! `title`, `#[sea_orm(iden = "..")]` renames) found in any file of the crate,
//! `Alias::new("..")` or string literals. Anything else (a loop, a computed
//! name, a helper that takes arguments) is an MG001 note at its line, and the
//! table it touches, when known, stops being compared (opaque).
//!
//! syn trees are not `Send`: each file is reduced to `Op`s in parallel, names
//! still unresolved; applying resolves them and is sequential.

use super::apply::{ColumnChange, Replay, TableRef};
use super::History;
use crate::dialect::Dialect;
use crate::findings::Finding;
use crate::models::seaorm::{ints_in, location};
use crate::models::seaorm_types::{column_type, snake_case};
use crate::rules::{MG001, MG002};
use crate::schema::{Column, DefaultValue, FkAction, ForeignKey, Index, SqlType, Table};
use crate::source::{LineIndex, Location, Pos, SourceFile};
use quote::quote;
use rayon::prelude::*;
use std::collections::HashMap;
use std::ops::Range;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::visit::Visit;
use syn::{Expr, Lit, Meta, Token};

/// A name as a migration writes it, resolved once every Iden enum is known.
#[derive(Clone, Debug, PartialEq)]
enum Name {
    Iden { enum_name: String, variant: String },
    Lit(String),
}

/// (enum, variant) -> the name an attribute gives it.
type Idens = HashMap<(String, String), String>;

impl Name {
    fn resolve(&self, idens: &Idens) -> String {
        match self {
            Name::Lit(s) => s.clone(),
            Name::Iden { enum_name, variant } => idens
                .get(&(enum_name.clone(), variant.clone()))
                .cloned()
                // DeriveIden: `Table` is the enum's name, other variants their own
                .unwrap_or_else(|| {
                    if variant == "Table" {
                        snake_case(enum_name)
                    } else {
                        snake_case(variant)
                    }
                }),
        }
    }
}

#[derive(Clone, Debug)]
struct TableName {
    schema: Option<Name>,
    name: Name,
}

impl TableName {
    fn resolve(&self, idens: &Idens) -> TableRef {
        let schema = self.schema.as_ref().map(|s| s.resolve(idens));
        TableRef::new(schema.as_deref(), &self.name.resolve(idens))
    }
}

#[derive(Clone, Debug)]
enum ColType {
    Known(SqlType),
    /// `.custom(Alias::new("citext"))`: a named type, maybe an enum created earlier.
    Custom(Name),
    /// `.enumeration(name, [values])`.
    Enum(Name, Vec<Name>),
    Unknown,
}

#[derive(Clone, Debug)]
struct ColDef {
    name: Name,
    ty: ColType,
    /// Some(false) for `.not_null()`, Some(true) for `.null()`.
    nullable: Option<bool>,
    primary_key: bool,
    unique: bool,
    auto_increment: bool,
    default: Option<String>,
    at: Location,
}

#[derive(Clone, Debug, Default)]
struct FkDef {
    name: Option<Name>,
    from_table: Option<TableName>,
    columns: Vec<Name>,
    to_table: Option<TableName>,
    ref_columns: Vec<Name>,
    on_delete: Option<FkAction>,
    on_update: Option<FkAction>,
}

#[derive(Clone, Debug, Default)]
struct IndexDef {
    name: Option<Name>,
    table: Option<TableName>,
    columns: Vec<Name>,
    unique: bool,
    if_not_exists: bool,
}

#[derive(Clone, Debug)]
enum AlterAction {
    Add(ColDef, bool),
    Drop(Name),
    Modify(ColDef),
    Rename(Name, Name),
    AddFk(FkDef),
    DropFk(Name),
}

#[derive(Clone, Debug)]
enum Op {
    CreateTable {
        table: TableName,
        if_not_exists: bool,
        columns: Vec<ColDef>,
        primary_key: Vec<Name>,
        foreign_keys: Vec<FkDef>,
        indexes: Vec<IndexDef>,
        at: Location,
    },
    DropTable {
        tables: Vec<TableName>,
        if_exists: bool,
        at: Location,
    },
    RenameTable {
        from: TableName,
        to: TableName,
        at: Location,
    },
    Alter {
        table: TableName,
        actions: Vec<AlterAction>,
        at: Location,
    },
    CreateIndex(IndexDef, Location),
    DropIndex {
        table: Option<TableName>,
        name: Name,
        at: Location,
    },
    AddForeignKey(FkDef, Location),
    DropForeignKey {
        table: TableName,
        name: Name,
        at: Location,
    },
    CreateEnum {
        name: Name,
        values: Vec<Name>,
        at: Location,
    },
    AddEnumValue {
        name: Name,
        value: Name,
    },
    DropEnum(Vec<Name>),
    Sql {
        file: SourceFile,
        range: Range<usize>,
    },
    /// `include_str!("...")`, relative to the migration file's folder.
    IncludeSql {
        path: String,
        at: Location,
    },
    /// Not literal: an MG001 note; the table, when known, becomes opaque.
    Unread {
        table: Option<TableName>,
        what: String,
        at: Location,
        /// The call may create a table (`create_table`, SQL, a rename).
        creates: bool,
    },
}

/// What one file of the migration crate contributes.
#[derive(Default)]
struct FileOps {
    idens: Vec<((String, String), String)>,
    ops: Vec<Op>,
    findings: Vec<Finding>,
}

/// Replays one SeaORM history into `state`. Returns how many calls may have
/// created a table whose name is unknown (`create_table` of a builder that
/// is not literal, SQL built at run time).
pub fn replay_history(state: &mut Replay, history: &History, dialect: Dialect) -> usize {
    let n = history.units.len();
    let rust_support: Vec<&SourceFile> = history
        .support
        .iter()
        .filter(|f| f.path.ends_with(".rs"))
        .collect();
    let files: Vec<(&SourceFile, bool)> = history
        .units
        .iter()
        .map(|u| (&u.file, true))
        .chain(rust_support.iter().map(|f| (*f, false)))
        .collect();
    let read: Vec<FileOps> = files
        .par_iter()
        .map(|(f, is_unit)| read_file(f, *is_unit, dialect))
        .collect();
    let mut idens = Idens::new();
    for r in &read {
        idens.extend(r.idens.iter().cloned());
    }
    let support: HashMap<&str, &SourceFile> =
        history.support.iter().map(|f| (&*f.path, f)).collect();
    let mut unknown_tables = 0;
    for (unit, ops) in history.units.iter().zip(read.into_iter().take(n)) {
        state.findings.extend(ops.findings);
        for op in ops.ops {
            let path = &unit.file.path;
            apply(
                state,
                op,
                &idens,
                &support,
                path,
                dialect,
                &mut unknown_tables,
            );
        }
        state.end_unit();
    }
    unknown_tables
}

fn read_file(src: &SourceFile, is_unit: bool, dialect: Dialect) -> FileOps {
    let file = match syn::parse_file(&src.text) {
        Ok(f) => f,
        Err(e) => {
            let mut out = FileOps::default();
            if is_unit {
                out.findings.push(
                    Finding::new(
                        &MG002,
                        None,
                        None,
                        &format!("syntax:{}", src.path),
                        format!(
                            "syntax error: {e}; this migration is not replayed, the migrated schema may be incomplete"
                        ),
                    )
                    .at(location(&src.path, e.span()))
                    .label(e.to_string()),
                );
            }
            return out;
        }
    };
    let mut out = FileOps {
        idens: idens_of(&file.items),
        ..FileOps::default()
    };
    if !is_unit {
        return out;
    }
    let helpers: HashMap<String, &Expr> = file
        .items
        .iter()
        .filter_map(|it| match it {
            syn::Item::Fn(f) if f.sig.inputs.is_empty() => {
                tail_expr(&f.block).map(|e| (f.sig.ident.to_string(), e))
            }
            _ => None,
        })
        .collect();
    let up = file.items.iter().find_map(|it| match it {
        syn::Item::Impl(i)
            if i.trait_
                .as_ref()
                .and_then(|(_, p, _)| p.segments.last())
                .is_some_and(|s| s.ident == "MigrationTrait") =>
        {
            i.items.iter().find_map(|ii| match ii {
                syn::ImplItem::Fn(f) if f.sig.ident == "up" => Some(f),
                _ => None,
            })
        }
        _ => None,
    });
    let Some(up) = up else {
        out.ops.push(Op::Unread {
            table: None,
            what: "no `impl MigrationTrait` with an `up` function was found".into(),
            at: Location::line(&*src.path, 1),
            creates: true,
        });
        return out;
    };
    let mut walker = Walker {
        src,
        index: src.line_index(),
        dialect,
        helpers: &helpers,
        bindings: HashMap::new(),
        depth: 0,
        method: String::new(),
        ops: Vec::new(),
    };
    walker.visit_block(&up.block);
    out.ops = walker.ops;
    out
}

fn tail_expr(block: &syn::Block) -> Option<&Expr> {
    match block.stmts.last()? {
        syn::Stmt::Expr(e, None) => Some(e),
        _ => None,
    }
}

/// `#[derive(DeriveIden)]` / `#[derive(Iden)]` renames:
/// `#[sea_orm(iden = "..")]` or `#[iden = ".."]` on the enum (its `Table`)
/// or on a variant.
fn idens_of(items: &[syn::Item]) -> Vec<((String, String), String)> {
    let mut out = Vec::new();
    for it in items {
        match it {
            syn::Item::Enum(e) => {
                let en = e.ident.to_string();
                if let Some(n) = iden_attr(&e.attrs) {
                    out.push(((en.clone(), "Table".to_string()), n));
                }
                for v in &e.variants {
                    if let Some(n) = iden_attr(&v.attrs) {
                        out.push(((en.clone(), v.ident.to_string()), n));
                    }
                }
            }
            syn::Item::Mod(m) => {
                if let Some((_, inner)) = &m.content {
                    out.extend(idens_of(inner));
                }
            }
            _ => {}
        }
    }
    out
}

fn iden_attr(attrs: &[syn::Attribute]) -> Option<String> {
    for a in attrs {
        if a.path().is_ident("iden") {
            if let Meta::NameValue(nv) = &a.meta {
                return lit_str(&nv.value);
            }
            if let Ok(list) = a.parse_args_with(Punctuated::<Meta, Token![,]>::parse_terminated) {
                for m in list {
                    if let Meta::NameValue(nv) = m {
                        if nv.path.is_ident("rename") {
                            return lit_str(&nv.value);
                        }
                    }
                }
            }
        }
        if a.path().is_ident("sea_orm") {
            if let Ok(list) = a.parse_args_with(Punctuated::<Meta, Token![,]>::parse_terminated) {
                for m in list {
                    if let Meta::NameValue(nv) = m {
                        if nv.path.is_ident("iden") {
                            return lit_str(&nv.value);
                        }
                    }
                }
            }
        }
    }
    None
}

fn lit_str(e: &Expr) -> Option<String> {
    match strip(e) {
        Expr::Lit(l) => match &l.lit {
            Lit::Str(s) => Some(s.value()),
            _ => None,
        },
        Expr::MethodCall(m)
            if matches!(
                m.method.to_string().as_str(),
                "to_owned" | "to_string" | "into"
            ) =>
        {
            lit_str(&m.receiver)
        }
        _ => None,
    }
}

/// Unwraps `&mut x`, `(x)`, `x.to_owned()`, `x.take()`, `x.clone()`, `x.into()`.
fn strip(e: &Expr) -> &Expr {
    match e {
        Expr::Reference(r) => strip(&r.expr),
        Expr::Paren(p) => strip(&p.expr),
        Expr::Group(g) => strip(&g.expr),
        Expr::MethodCall(m)
            if m.args.is_empty()
                && matches!(
                    m.method.to_string().as_str(),
                    "to_owned" | "take" | "clone" | "into" | "build_ref"
                )
                && !matches!(strip(&m.receiver), Expr::Lit(_)) =>
        {
            strip(&m.receiver)
        }
        _ => e,
    }
}

/// One method call of a builder chain: its name, arguments and the whole call.
type Call<'a> = (String, Vec<&'a Expr>, &'a Expr);

/// A builder chain: the base expression and the method calls on it, in order.
fn chain(e: &Expr) -> (&Expr, Vec<Call<'_>>) {
    let mut calls = Vec::new();
    let mut cur = strip(e);
    while let Expr::MethodCall(m) = cur {
        calls.push((m.method.to_string(), m.args.iter().collect(), cur));
        cur = strip(&m.receiver);
    }
    calls.reverse();
    (cur, calls)
}

/// `Table::create()` -> ("Table", "create") with its arguments.
fn call_path(e: &Expr) -> Option<(String, String, Vec<&Expr>)> {
    let Expr::Call(c) = e else {
        return None;
    };
    let Expr::Path(p) = strip(&c.func) else {
        return None;
    };
    let segs: Vec<String> = p
        .path
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect();
    let last = segs.last()?.clone();
    let owner = if segs.len() >= 2 {
        segs.get(segs.len() - 2).cloned().unwrap_or_default()
    } else {
        String::new()
    };
    Some((owner, last, c.args.iter().collect()))
}

fn name_of(e: &Expr) -> Option<Name> {
    let e = strip(e);
    match e {
        Expr::Path(p) if p.path.segments.len() >= 2 => {
            let n = p.path.segments.len();
            let seg = |i: usize| p.path.segments.iter().nth(i).map(|s| s.ident.to_string());
            Some(Name::Iden {
                enum_name: seg(n - 2)?,
                variant: seg(n - 1)?,
            })
        }
        Expr::Lit(_) | Expr::MethodCall(_) => lit_str(e).map(Name::Lit),
        Expr::Call(_) => {
            let (owner, f, args) = call_path(e)?;
            match (owner.as_str(), f.as_str()) {
                ("Alias", "new")
                | (_, "Alias")
                | ("", "name")
                | ("SeaRc", "new")
                | ("Rc" | "Arc", "new") => name_of(args.first()?),
                _ => None,
            }
        }
        _ => None,
    }
}

fn table_name_of(e: &Expr) -> Option<TableName> {
    match strip(e) {
        Expr::Tuple(t) if t.elems.len() == 2 => Some(TableName {
            schema: Some(name_of(t.elems.first()?)?),
            name: name_of(t.elems.last()?)?,
        }),
        e => Some(TableName {
            schema: None,
            name: name_of(e)?,
        }),
    }
}

/// Names in `[a, b]`, `vec![a, b]`, `&[a, b]`, `[a, b].iter()`.
fn names_in(e: &Expr) -> Option<Vec<Name>> {
    match strip(e) {
        Expr::Array(a) => a.elems.iter().map(name_of).collect(),
        Expr::Macro(m) if m.mac.path.is_ident("vec") => {
            let list = m
                .mac
                .parse_body_with(Punctuated::<Expr, Token![,]>::parse_terminated)
                .ok()?;
            list.iter().map(name_of).collect()
        }
        Expr::MethodCall(m) if matches!(m.method.to_string().as_str(), "iter" | "into_iter") => {
            names_in(&m.receiver)
        }
        _ => None,
    }
}

fn fk_action(e: &Expr) -> Option<FkAction> {
    let Expr::Path(p) = strip(e) else {
        return None;
    };
    match p.path.segments.last()?.ident.to_string().as_str() {
        "Cascade" => Some(FkAction::Cascade),
        "SetNull" => Some(FkAction::SetNull),
        "SetDefault" => Some(FkAction::SetDefault),
        "Restrict" => Some(FkAction::Restrict),
        "NoAction" => Some(FkAction::NoAction),
        _ => None,
    }
}

/// A default as SQL, for the literal forms; None for anything else.
fn default_sql(e: &Expr) -> Option<String> {
    let e = strip(e);
    match e {
        Expr::Lit(l) => match &l.lit {
            Lit::Str(s) => Some(format!("'{}'", s.value().replace('\'', "''"))),
            Lit::Int(i) => Some(i.base10_digits().to_string()),
            Lit::Float(f) => Some(f.base10_digits().to_string()),
            Lit::Bool(b) => Some(b.value.to_string()),
            _ => None,
        },
        Expr::Unary(u) if matches!(u.op, syn::UnOp::Neg(_)) => {
            default_sql(&u.expr).map(|v| format!("-{v}"))
        }
        Expr::Call(_) => {
            let (owner, f, args) = call_path(e)?;
            match (owner.as_str(), f.as_str()) {
                ("Expr", "current_timestamp") | ("Keyword", "CurrentTimestamp") => {
                    Some("CURRENT_TIMESTAMP".into())
                }
                ("Expr", "current_date") => Some("CURRENT_DATE".into()),
                ("Expr", "current_time") => Some("CURRENT_TIME".into()),
                ("Expr", "val") | ("Value", _) | ("SimpleExpr", "Value") => {
                    default_sql(args.first()?)
                }
                ("Expr", "cust") => lit_str(args.first()?),
                _ => None,
            }
        }
        Expr::Path(p) => match p.path.segments.last()?.ident.to_string().as_str() {
            "CurrentTimestamp" => Some("CURRENT_TIMESTAMP".into()),
            _ => None,
        },
        _ => None,
    }
}

struct Walker<'a> {
    src: &'a SourceFile,
    index: LineIndex,
    dialect: Dialect,
    helpers: &'a HashMap<String, &'a Expr>,
    /// `let x = <expr>;` bindings of `up` (not `let mut`: those are changed later).
    bindings: HashMap<String, Expr>,
    /// Inside a loop or closure: calls there are not literal.
    depth: usize,
    /// The `SchemaManager` method being read.
    method: String,
    ops: Vec<Op>,
}

/// Methods whose unread argument may create a table migraguard cannot name.
const CREATING: &[&str] = &[
    "create_table",
    "rename_table",
    "execute",
    "execute_unprepared",
];

const MANAGER_METHODS: &[&str] = &[
    "create_table",
    "drop_table",
    "alter_table",
    "rename_table",
    "truncate_table",
    "create_index",
    "drop_index",
    "create_foreign_key",
    "drop_foreign_key",
    "create_type",
    "alter_type",
    "drop_type",
    "execute_unprepared",
    "execute",
    "exec_stmt",
];

impl<'ast> Visit<'ast> for Walker<'_> {
    fn visit_local(&mut self, l: &'ast syn::Local) {
        if let (syn::Pat::Ident(pi), Some(init)) = (&l.pat, &l.init) {
            if pi.mutability.is_none() && self.depth == 0 {
                self.bindings
                    .insert(pi.ident.to_string(), (*init.expr).clone());
            }
        }
        syn::visit::visit_local(self, l);
    }

    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        let method = m.method.to_string();
        if MANAGER_METHODS.contains(&method.as_str()) && m.args.len() == 1 {
            if let Some(arg) = m.args.first() {
                let at = self.loc(m.span());
                self.method = method.clone();
                if self.depth > 0 {
                    let table = self.resolve(arg).and_then(|e| table_of_builder(&e));
                    self.unread(
                        table,
                        format!("`{method}` inside a loop or closure is not replayed"),
                        at,
                    );
                } else {
                    self.manager_call(&method, arg, at);
                }
                // the receiver may hold more calls (`manager.get_connection()`)
                self.visit_expr(&m.receiver);
                return;
            }
        }
        syn::visit::visit_expr_method_call(self, m);
    }

    fn visit_expr_for_loop(&mut self, e: &'ast syn::ExprForLoop) {
        self.depth += 1;
        syn::visit::visit_expr_for_loop(self, e);
        self.depth -= 1;
    }

    fn visit_expr_while(&mut self, e: &'ast syn::ExprWhile) {
        self.depth += 1;
        syn::visit::visit_expr_while(self, e);
        self.depth -= 1;
    }

    fn visit_expr_loop(&mut self, e: &'ast syn::ExprLoop) {
        self.depth += 1;
        syn::visit::visit_expr_loop(self, e);
        self.depth -= 1;
    }

    fn visit_expr_closure(&mut self, e: &'ast syn::ExprClosure) {
        self.depth += 1;
        syn::visit::visit_expr_closure(self, e);
        self.depth -= 1;
    }
}

/// The table a builder names, for marking it opaque when it is not replayed.
fn table_of_builder(e: &Expr) -> Option<TableName> {
    let (_, calls) = chain(e);
    calls
        .iter()
        .find(|(m, args, _)| m == "table" && args.len() == 1)
        .and_then(|(_, args, _)| table_name_of(args.first()?))
}

impl Walker<'_> {
    fn loc(&self, span: proc_macro2::Span) -> Location {
        location(&self.src.path, span)
    }

    /// Follows a local binding or a parameterless helper to the builder.
    fn resolve(&self, e: &Expr) -> Option<Expr> {
        let mut cur = strip(e).clone();
        for _ in 0..4 {
            let next = match &cur {
                Expr::Path(p) if p.path.segments.len() == 1 => {
                    let id = p.path.segments.first()?.ident.to_string();
                    self.bindings.get(&id).cloned()?
                }
                Expr::Call(c) if c.args.is_empty() => match strip(&c.func) {
                    Expr::Path(p) if p.path.segments.len() == 1 => {
                        let id = p.path.segments.first()?.ident.to_string();
                        (*self.helpers.get(&id)?).clone()
                    }
                    _ => return Some(cur),
                },
                Expr::Await(a) => strip(&a.base).clone(),
                Expr::Try(t) => strip(&t.expr).clone(),
                _ => return Some(cur),
            };
            cur = strip(&next).clone();
        }
        Some(cur)
    }

    fn unread(&mut self, table: Option<TableName>, what: impl Into<String>, at: Location) {
        self.ops.push(Op::Unread {
            table,
            what: what.into(),
            at,
            creates: CREATING.contains(&self.method.as_str()),
        });
    }

    fn manager_call(&mut self, method: &str, arg: &Expr, at: Location) {
        let Some(e) = self.resolve(arg) else {
            self.unread(
                None,
                format!("the argument of `{method}` is not a literal builder"),
                at,
            );
            return;
        };
        // data changes (`Query::insert()...`, seeding through entities) are
        // not schema changes
        let base = chain(&e).0;
        if matches!(call_path(base), Some((owner, _, _)) if owner == "Query") {
            return;
        }
        match method {
            "execute_unprepared" => self.sql(&e, at),
            "exec_stmt" => self.builder(method, &e, at),
            "execute" => {
                // Statement::from_string(backend, "sql")
                match call_path(&e) {
                    Some((_, f, args)) if f == "from_string" || f == "from_sql_and_values" => {
                        match args.get(1).and_then(|a| self.resolve(a)) {
                            Some(sql) => self.sql(&sql, at),
                            None => self.unread(None, "SQL that is not a literal", at),
                        }
                    }
                    _ => self.unread(None, "a statement that is not a literal", at),
                }
            }
            "truncate_table" => {}
            _ => self.builder(method, &e, at),
        }
    }

    fn sql(&mut self, e: &Expr, at: Location) {
        match strip(e) {
            Expr::Lit(l) => {
                if let Lit::Str(s) = &l.lit {
                    self.ops.push(self.sql_literal(s));
                    return;
                }
            }
            Expr::Macro(m) if m.mac.path.is_ident("include_str") => {
                if let Ok(Lit::Str(s)) = m.mac.parse_body::<Lit>() {
                    let dir = self.src.path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
                    self.ops.push(Op::IncludeSql {
                        path: join_relative(dir, &s.value()),
                        at,
                    });
                    return;
                }
            }
            _ => {}
        }
        if let Some(s) = lit_str(e) {
            // `"...".to_owned()`: the literal is inside
            if let Some(lit) = find_lit(e) {
                self.ops.push(self.sql_literal(lit));
            } else {
                let file = SourceFile::new(&*self.src.path, s);
                let range = 0..file.text.len();
                self.ops.push(Op::Sql { file, range });
            }
            return;
        }
        self.unread(
            None,
            "SQL built at run time (not a string literal) is not replayed",
            at,
        );
    }

    /// SQL in a string literal, located inside the Rust file: exactly for raw
    /// strings and strings without escapes, line by line otherwise.
    fn sql_literal(&self, lit: &syn::LitStr) -> Op {
        let token = lit.token().to_string();
        let start = lit.span().start();
        let pos = Pos::new(start.line.max(1) as u32, start.column as u32 + 1);
        let offset = self.index.offset(&self.src.text, pos);
        let raw = token.starts_with('r');
        let hashes = token.chars().skip(1).take_while(|c| *c == '#').count();
        let (prefix, suffix) = if raw {
            (2 + hashes, 1 + hashes)
        } else {
            (1, 1)
        };
        let exact = self.src.text.get(offset..offset + token.len()) == Some(token.as_str());
        if exact && (raw || !token.contains('\\')) && token.len() >= prefix + suffix {
            return Op::Sql {
                file: self.src.clone(),
                range: offset + prefix..offset + token.len() - suffix,
            };
        }
        // escapes: the value, placed on the literal's first line; in a
        // one-line literal every newline is an escape, kept on that line
        // (unless a `--` comment needs it to end)
        let mut value = lit.value();
        if !token.contains('\n') && !value.contains("--") {
            value = value.replace('\n', " ");
        }
        let pad = "\n".repeat(start.line.saturating_sub(1)) + &" ".repeat(start.column + prefix);
        let text = pad.clone() + &value;
        let file = SourceFile::new(&*self.src.path, text);
        let range = pad.len()..file.text.len();
        Op::Sql { file, range }
    }

    fn builder(&mut self, method: &str, e: &Expr, at: Location) {
        let (base, calls) = chain(e);
        let Some((owner, f, _)) = call_path(base) else {
            self.unread(
                table_of_builder(e),
                format!("the argument of `{method}` is not a literal builder"),
                at,
            );
            return;
        };
        let table = table_of_builder(e);
        match (owner.as_str(), f.as_str()) {
            ("Table", "create") => self.create_table(&calls, None, at),
            // sea-orm-migration's `table_auto(name)`: CREATE TABLE IF NOT
            // EXISTS with `created_at` and `updated_at` timestamps
            ("", "table_auto") => {
                match call_path(base).and_then(|(_, _, a)| table_name_of(a.first()?)) {
                    Some(t) => self.create_table(&calls, Some(t), at),
                    None => self.unread(None, "a `table_auto` whose table name is not literal", at),
                }
            }
            ("Table", "drop") => {
                let tables: Vec<TableName> = calls
                    .iter()
                    .filter(|(m, ..)| m == "table")
                    .filter_map(|(_, a, _)| table_name_of(a.first()?))
                    .collect();
                let if_exists = calls.iter().any(|(m, ..)| m == "if_exists");
                self.ops.push(Op::DropTable {
                    tables,
                    if_exists,
                    at,
                });
            }
            ("Table", "rename") => {
                let pair = calls
                    .iter()
                    .find(|(m, a, _)| m == "table" && a.len() == 2)
                    .and_then(|(_, a, _)| {
                        Some((table_name_of(a.first()?)?, table_name_of(a.get(1)?)?))
                    });
                match pair {
                    Some((from, to)) => self.ops.push(Op::RenameTable { from, to, at }),
                    None => self.unread(None, "a table rename with names that are not literal", at),
                }
            }
            ("Table", "alter") => self.alter_table(&calls, at),
            ("Index", "create") => {
                let ix = index_def(&calls);
                if ix.table.is_none() || ix.columns.is_empty() {
                    self.unread(
                        ix.table,
                        "an index whose table or columns are not literal",
                        at,
                    );
                } else {
                    self.ops.push(Op::CreateIndex(ix, at));
                }
            }
            ("Index", "drop") => {
                let ix = index_def(&calls);
                match ix.name {
                    Some(name) => self.ops.push(Op::DropIndex {
                        table: ix.table,
                        name,
                        at,
                    }),
                    None => self.unread(ix.table, "an index drop without a literal name", at),
                }
            }
            ("ForeignKey", "create") => {
                let fk = fk_def(&calls);
                if fk.from_table.is_none() || fk.to_table.is_none() {
                    self.unread(
                        fk.from_table,
                        "a foreign key whose tables are not literal",
                        at,
                    );
                } else {
                    self.ops.push(Op::AddForeignKey(fk, at));
                }
            }
            ("ForeignKey", "drop") => {
                let name = calls
                    .iter()
                    .find(|(m, ..)| m == "name")
                    .and_then(|(_, a, _)| name_of(a.first()?));
                match (name, table) {
                    (Some(name), Some(table)) => {
                        self.ops.push(Op::DropForeignKey { table, name, at })
                    }
                    (_, table) => self.unread(table, "a foreign key drop that is not literal", at),
                }
            }
            ("Type", "create") => {
                let name = calls
                    .iter()
                    .find(|(m, ..)| m == "as_enum")
                    .and_then(|(_, a, _)| name_of(a.first()?));
                let values = calls
                    .iter()
                    .find(|(m, ..)| m == "values")
                    .and_then(|(_, a, _)| names_in(a.first()?));
                match (name, values) {
                    (Some(name), Some(values)) => {
                        self.ops.push(Op::CreateEnum { name, values, at })
                    }
                    _ => self.unread(None, "an enum type that is not literal", at),
                }
            }
            ("Type", "alter") => {
                let name = calls
                    .iter()
                    .find(|(m, ..)| m == "name")
                    .and_then(|(_, a, _)| name_of(a.first()?));
                for (m, a, _) in &calls {
                    if m == "add_value" {
                        if let (Some(name), Some(value)) =
                            (name.clone(), a.first().and_then(|v| name_of(v)))
                        {
                            self.ops.push(Op::AddEnumValue { name, value });
                        }
                    }
                }
            }
            ("Type", "drop") => {
                let names: Vec<Name> = calls
                    .iter()
                    .filter(|(m, ..)| m == "name" || m == "names")
                    .filter_map(|(_, a, _)| {
                        let a = a.first()?;
                        names_in(a).or_else(|| name_of(a).map(|n| vec![n]))
                    })
                    .flatten()
                    .collect();
                self.ops.push(Op::DropEnum(names));
            }
            _ => self.unread(
                table,
                format!("`{owner}::{f}()` as the argument of `{method}` is not read"),
                at,
            ),
        }
    }

    fn create_table(&mut self, calls: &[Call<'_>], auto: Option<TableName>, at: Location) {
        let mut if_not_exists = auto.is_some();
        let mut columns = Vec::new();
        if auto.is_some() {
            for name in ["created_at", "updated_at"] {
                columns.push(ColDef {
                    name: Name::Lit(name.into()),
                    ty: ColType::Known(SqlType::Timestamp { tz: false }),
                    nullable: Some(false),
                    primary_key: false,
                    unique: false,
                    auto_increment: false,
                    default: Some("CURRENT_TIMESTAMP".into()),
                    at: at.clone(),
                });
            }
        }
        let mut table = auto;
        let mut table_at = at.clone();
        let mut primary_key = Vec::new();
        let mut foreign_keys = Vec::new();
        let mut indexes = Vec::new();
        let mut unread = Vec::new();
        for (m, args, whole) in calls {
            let first = args.first().copied();
            match (m.as_str(), first) {
                ("table", Some(a)) => {
                    table = table_name_of(a);
                    table_at = self.loc(a.span());
                }
                ("if_not_exists", _) => if_not_exists = true,
                ("col", Some(a)) => match self.col_def(a) {
                    Some(c) => columns.push(c),
                    None => unread.push(self.loc(a.span())),
                },
                ("primary_key", Some(a)) => {
                    primary_key = index_def(&chain(a).1).columns;
                }
                ("foreign_key", Some(a)) => foreign_keys.push(fk_def(&chain(a).1)),
                ("index", Some(a)) => indexes.push(index_def(&chain(a).1)),
                (
                    "check" | "engine" | "collate" | "character_set" | "comment" | "temporary"
                    | "extra",
                    _,
                ) => {}
                _ => unread.push(self.loc(whole.span())),
            }
        }
        let Some(table) = table else {
            self.unread(None, "a CREATE TABLE whose table name is not literal", at);
            return;
        };
        let any_unread = !unread.is_empty();
        self.ops.push(Op::CreateTable {
            table: table.clone(),
            if_not_exists,
            columns,
            primary_key,
            foreign_keys,
            indexes,
            at: table_at,
        });
        if any_unread {
            for u in unread {
                self.unread(
                    Some(table.clone()),
                    "a column or builder method that is not literal",
                    u,
                );
            }
        }
    }

    fn alter_table(&mut self, calls: &[Call<'_>], at: Location) {
        let mut table = None;
        let mut actions = Vec::new();
        let mut unread = Vec::new();
        for (m, args, whole) in calls {
            let first = args.first().copied();
            match (m.as_str(), first) {
                ("table", Some(a)) => table = table_name_of(a),
                ("add_column" | "add_column_if_not_exists", Some(a)) => match self.col_def(a) {
                    Some(c) => actions.push(AlterAction::Add(c, m == "add_column_if_not_exists")),
                    None => unread.push(self.loc(a.span())),
                },
                ("modify_column", Some(a)) => match self.col_def(a) {
                    Some(c) => actions.push(AlterAction::Modify(c)),
                    None => unread.push(self.loc(a.span())),
                },
                ("drop_column", Some(a)) => match name_of(a) {
                    Some(n) => actions.push(AlterAction::Drop(n)),
                    None => unread.push(self.loc(a.span())),
                },
                ("rename_column", Some(a)) => {
                    match (name_of(a), args.get(1).and_then(|b| name_of(b))) {
                        (Some(x), Some(y)) => actions.push(AlterAction::Rename(x, y)),
                        _ => unread.push(self.loc(a.span())),
                    }
                }
                ("add_foreign_key", Some(a)) => {
                    actions.push(AlterAction::AddFk(fk_def(&chain(a).1)))
                }
                ("drop_foreign_key", Some(a)) => match name_of(a) {
                    Some(n) => actions.push(AlterAction::DropFk(n)),
                    None => unread.push(self.loc(a.span())),
                },
                _ => unread.push(self.loc(whole.span())),
            }
        }
        let Some(table) = table else {
            self.unread(None, "an ALTER TABLE whose table name is not literal", at);
            return;
        };
        self.ops.push(Op::Alter {
            table: table.clone(),
            actions,
            at,
        });
        for u in unread {
            self.unread(
                Some(table.clone()),
                "an ALTER TABLE change that is not literal",
                u,
            );
        }
    }

    /// `ColumnDef::new(X).integer().not_null()...` or a schema helper
    /// (`pk_auto(X)`, `string_len_null(X, 50)`), followed by builder methods.
    fn col_def(&self, e: &Expr) -> Option<ColDef> {
        let e = self.resolve(e)?;
        let (base, calls) = chain(&e);
        let (owner, f, args) = call_path(base)?;
        let mut c = ColDef {
            name: name_of(args.first()?)?,
            ty: ColType::Unknown,
            nullable: None,
            primary_key: false,
            unique: false,
            auto_increment: false,
            default: None,
            at: self.loc(e.span()),
        };
        match (owner.as_str(), f.as_str()) {
            ("ColumnDef", "new") => {}
            ("ColumnDef", "new_with_type") => {
                c.ty = args
                    .get(1)
                    .and_then(|t| column_type_expr(t, self.dialect))
                    .unwrap_or(ColType::Unknown);
            }
            (_, helper) => {
                if !self.helper(helper, &args, &mut c) {
                    return None;
                }
            }
        }
        for (m, a, _) in &calls {
            self.column_method(m, a, &mut c);
        }
        Some(c)
    }

    /// sea-orm-migration's schema helpers: `<type>`, `<type>_null`,
    /// `<type>_uniq`, `pk_auto`, `pk_uuid`.
    fn helper(&self, name: &str, args: &[&Expr], c: &mut ColDef) -> bool {
        match name {
            "pk_auto" => {
                c.ty = ColType::Known(SqlType::Integer { bytes: 4 });
                c.nullable = Some(false);
                c.auto_increment = true;
                c.primary_key = true;
                return true;
            }
            "pk_uuid" => {
                c.ty =
                    ColType::Known(column_type("uuid", &[], self.dialect).unwrap_or(SqlType::Uuid));
                c.nullable = Some(false);
                c.primary_key = true;
                return true;
            }
            _ => {}
        }
        let (base, nullable, unique) = if let Some(b) = name.strip_suffix("_null") {
            (b, Some(true), false)
        } else if let Some(b) = name.strip_suffix("_uniq") {
            (b, Some(false), true)
        } else {
            (name, Some(false), false)
        };
        let rest: Vec<&Expr> = args.iter().skip(1).copied().collect();
        let ty = match base {
            "enumeration" => match (
                rest.first().and_then(|n| name_of(n)),
                rest.get(1).and_then(|v| names_in(v)),
            ) {
                (Some(n), Some(values)) => ColType::Enum(n, values),
                _ => ColType::Unknown,
            },
            "custom" => rest
                .first()
                .and_then(|n| name_of(n))
                .map(ColType::Custom)
                .unwrap_or(ColType::Unknown),
            "array" => rest
                .first()
                .and_then(|t| column_type_expr(t, self.dialect))
                .map(|t| match t {
                    ColType::Known(k) => ColType::Known(SqlType::Array(Box::new(k))),
                    _ => ColType::Known(SqlType::Other("array".into())),
                })
                .unwrap_or(ColType::Unknown),
            other => {
                let ints: Vec<u32> = rest.iter().flat_map(|a| ints_in(quote!(#a))).collect();
                match column_type(other, &ints, self.dialect) {
                    Some(t) => ColType::Known(t),
                    None => return false,
                }
            }
        };
        c.ty = ty;
        c.nullable = nullable;
        c.unique = unique;
        true
    }

    fn column_method(&self, m: &str, args: &[&Expr], c: &mut ColDef) {
        match m {
            "not_null" => c.nullable = Some(false),
            "null" => c.nullable = Some(true),
            "primary_key" => c.primary_key = true,
            "auto_increment" => c.auto_increment = true,
            "unique_key" => c.unique = true,
            "default" => c.default = args.first().and_then(|a| default_sql(a)),
            "custom" => {
                if let Some(n) = args.first().and_then(|a| name_of(a)) {
                    c.ty = ColType::Custom(n);
                }
            }
            "enumeration" => {
                if let (Some(n), Some(v)) = (
                    args.first().and_then(|a| name_of(a)),
                    args.get(1).and_then(|a| names_in(a)),
                ) {
                    c.ty = ColType::Enum(n, v);
                }
            }
            "array" => {
                if let Some(ColType::Known(t)) =
                    args.first().and_then(|a| column_type_expr(a, self.dialect))
                {
                    c.ty = ColType::Known(SqlType::Array(Box::new(t)));
                }
            }
            other => {
                let ints: Vec<u32> = args.iter().flat_map(|a| ints_in(quote!(#a))).collect();
                if let Some(t) = column_type(other, &ints, self.dialect) {
                    c.ty = ColType::Known(t);
                }
            }
        }
    }
}

/// `dir` + `rel`, with `.` and `..` folded (`include_str!("../sql/a.sql")`).
fn join_relative(dir: &str, rel: &str) -> String {
    let mut parts: Vec<&str> = dir.split('/').filter(|p| !p.is_empty()).collect();
    for p in rel.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts.join("/")
}

/// The first string literal inside `e` (`"..".to_owned()`).
fn find_lit(e: &Expr) -> Option<&syn::LitStr> {
    match strip(e) {
        Expr::Lit(l) => match &l.lit {
            Lit::Str(s) => Some(s),
            _ => None,
        },
        Expr::MethodCall(m) => find_lit(&m.receiver),
        _ => None,
    }
}

/// `ColumnType::Integer`, `ColumnType::String(StringLen::N(20))`.
fn column_type_expr(e: &Expr, dialect: Dialect) -> Option<ColType> {
    match strip(e) {
        Expr::Path(p) => {
            let n = p.path.segments.last()?.ident.to_string();
            column_type(&n, &[], dialect).map(ColType::Known)
        }
        Expr::Call(c) => {
            let Expr::Path(p) = strip(&c.func) else {
                return None;
            };
            let n = p.path.segments.last()?.ident.to_string();
            if n == "Custom" {
                return c.args.first().and_then(name_of).map(ColType::Custom);
            }
            let args = &c.args;
            column_type(&n, &ints_in(quote!(#args)), dialect).map(ColType::Known)
        }
        _ => None,
    }
}

fn index_def(calls: &[Call<'_>]) -> IndexDef {
    let mut ix = IndexDef::default();
    for (m, args, _) in calls {
        let first = args.first().copied();
        match (m.as_str(), first) {
            ("name", Some(a)) => ix.name = name_of(a),
            ("table", Some(a)) => ix.table = table_name_of(a),
            ("col", Some(a)) => {
                // `.col((Post::Title, IndexOrder::Asc))`
                let a = match strip(a) {
                    Expr::Tuple(t) => t.elems.first().unwrap_or(a),
                    _ => a,
                };
                if let Some(n) = name_of(a) {
                    ix.columns.push(n);
                }
            }
            ("unique", _) => ix.unique = true,
            ("if_not_exists", _) => ix.if_not_exists = true,
            _ => {}
        }
    }
    ix
}

fn fk_def(calls: &[Call<'_>]) -> FkDef {
    let mut fk = FkDef::default();
    for (m, args, _) in calls {
        match m.as_str() {
            "name" => fk.name = args.first().and_then(|a| name_of(a)),
            "from" | "to" => {
                let Some(t) = args.first().and_then(|a| table_name_of(a)) else {
                    continue;
                };
                let cols: Vec<Name> = args
                    .get(1)
                    .map(|c| names_in(c).unwrap_or_else(|| name_of(c).into_iter().collect()))
                    .unwrap_or_default();
                if m == "from" {
                    fk.from_table = Some(t);
                    fk.columns = cols;
                } else {
                    fk.to_table = Some(t);
                    fk.ref_columns = cols;
                }
            }
            "from_tbl" => fk.from_table = args.first().and_then(|a| table_name_of(a)),
            "to_tbl" => fk.to_table = args.first().and_then(|a| table_name_of(a)),
            "from_col" => fk.columns.extend(args.first().and_then(|a| name_of(a))),
            "to_col" => fk.ref_columns.extend(args.first().and_then(|a| name_of(a))),
            "on_delete" => fk.on_delete = args.first().and_then(|a| fk_action(a)),
            "on_update" => fk.on_update = args.first().and_then(|a| fk_action(a)),
            _ => {}
        }
    }
    fk
}

fn column(c: &ColDef, state: &Replay, idens: &Idens, dialect: Dialect) -> Column {
    let ty = match &c.ty {
        ColType::Known(t) => t.clone(),
        ColType::Custom(n) => {
            let n = n.resolve(idens);
            state
                .enum_type(&n)
                .unwrap_or_else(|| SqlType::from_sql_name(&n))
        }
        ColType::Enum(n, values) => SqlType::Enum {
            name: (dialect == Dialect::Postgresql).then(|| n.resolve(idens)),
            values: values.iter().map(|v| v.resolve(idens)).collect(),
        },
        ColType::Unknown => SqlType::Other("unknown".into()),
    };
    let mut col = Column::new(c.name.resolve(idens), ty, c.at.clone());
    col.nullable = c.nullable.unwrap_or(true) && !c.primary_key;
    col.unique = c.unique;
    col.autoincrement = c.auto_increment;
    col.default = c.default.clone().map(DefaultValue::new);
    col
}

fn foreign_key(fk: &FkDef, idens: &Idens, at: &Location) -> Option<ForeignKey> {
    let to = fk.to_table.as_ref()?.resolve(idens);
    Some(ForeignKey {
        name: fk.name.as_ref().map(|n| n.resolve(idens)),
        columns: fk.columns.iter().map(|c| c.resolve(idens)).collect(),
        ref_schema: to.schema,
        ref_table: to.name,
        ref_columns: fk.ref_columns.iter().map(|c| c.resolve(idens)).collect(),
        on_delete: fk.on_delete,
        on_update: fk.on_update,
        location: at.clone(),
    })
}

fn apply(
    state: &mut Replay,
    op: Op,
    idens: &Idens,
    support: &HashMap<&str, &SourceFile>,
    unit_path: &str,
    dialect: Dialect,
    unknown_tables: &mut usize,
) {
    match op {
        Op::CreateTable {
            table,
            if_not_exists,
            columns,
            primary_key,
            foreign_keys,
            indexes,
            at,
        } => {
            let t = table.resolve(idens);
            let mut out = Table::new(t.name.clone(), t.schema.clone(), at.clone());
            for c in &columns {
                if c.primary_key {
                    out.primary_key.push(c.name.resolve(idens));
                }
                out.columns.push(column(c, state, idens, dialect));
            }
            if !primary_key.is_empty() {
                out.primary_key = primary_key.iter().map(|n| n.resolve(idens)).collect();
            }
            out.foreign_keys = foreign_keys
                .iter()
                .filter_map(|fk| foreign_key(fk, idens, &at))
                .collect();
            out.indexes = indexes
                .iter()
                .map(|ix| Index {
                    name: ix.name.as_ref().map(|n| n.resolve(idens)),
                    columns: ix.columns.iter().map(|c| c.resolve(idens)).collect(),
                    unique: ix.unique,
                    location: at.clone(),
                })
                .collect();
            state.create_table(out, if_not_exists, false);
        }
        Op::DropTable {
            tables,
            if_exists,
            at,
        } => {
            for t in tables {
                state.drop_table(&t.resolve(idens), if_exists, &at);
            }
        }
        Op::RenameTable { from, to, at } => {
            state.rename_table(&from.resolve(idens), &to.resolve(idens), &at)
        }
        Op::Alter { table, actions, at } => {
            let t = table.resolve(idens);
            for a in actions {
                match a {
                    AlterAction::Add(c, if_not_exists) => {
                        let col = column(&c, state, idens, dialect);
                        state.add_column(&t, col, if_not_exists, &c.at);
                    }
                    AlterAction::Drop(n) => state.drop_column(&t, &n.resolve(idens), false, &at),
                    AlterAction::Rename(x, y) => {
                        state.rename_column(&t, &x.resolve(idens), &y.resolve(idens), &at)
                    }
                    AlterAction::Modify(c) => modify(state, &t, &c, idens, dialect),
                    AlterAction::AddFk(fk) => {
                        if let Some(f) = foreign_key(&fk, idens, &at) {
                            state.add_foreign_key(&t, f, &at);
                        }
                    }
                    AlterAction::DropFk(n) => state.drop_constraint(&t, &n.resolve(idens), &at),
                }
            }
        }
        Op::CreateIndex(ix, at) => {
            let Some(t) = ix.table.as_ref().map(|t| t.resolve(idens)) else {
                return;
            };
            let index = Index {
                name: ix.name.as_ref().map(|n| n.resolve(idens)),
                columns: ix.columns.iter().map(|c| c.resolve(idens)).collect(),
                unique: ix.unique,
                location: at.clone(),
            };
            state.create_index(&t, index, ix.if_not_exists, &at);
        }
        Op::DropIndex { table, name, at } => {
            let t = table.map(|t| t.resolve(idens));
            state.drop_index(t.as_ref(), &name.resolve(idens), false, &at);
        }
        Op::AddForeignKey(fk, at) => {
            let Some(from) = fk.from_table.as_ref().map(|t| t.resolve(idens)) else {
                return;
            };
            if let Some(f) = foreign_key(&fk, idens, &at) {
                state.add_foreign_key(&from, f, &at);
            }
        }
        Op::DropForeignKey { table, name, at } => {
            state.drop_constraint(&table.resolve(idens), &name.resolve(idens), &at)
        }
        Op::CreateEnum { name, values, at } => state.create_enum(
            &name.resolve(idens),
            values.iter().map(|v| v.resolve(idens)).collect(),
            &at,
        ),
        Op::AddEnumValue { name, value } => {
            state.add_enum_value(&name.resolve(idens), &value.resolve(idens), None, None)
        }
        Op::DropEnum(names) => {
            for n in names {
                state.drop_enum(&n.resolve(idens));
            }
        }
        Op::Sql { file, range } => super::sql::apply_sql(state, &file, range, dialect),
        Op::IncludeSql { path, at } => match support.get(path.as_str()) {
            Some(f) => super::sql::apply_sql(state, f, 0..f.text.len(), dialect),
            None => state.findings.push(
                Finding::new(
                    &MG002,
                    None,
                    None,
                    &format!("unreadable:{path}"),
                    format!("{path}, included by {unit_path}, is not in the migration crate"),
                )
                .at(at)
                .label("not replayed: the migrated schema may be incomplete"),
            ),
        },
        Op::Unread {
            table,
            what,
            at,
            creates,
        } => {
            let t = table.map(|t| t.resolve(idens));
            let tname = t.as_ref().map(|t| t.display());
            match &t {
                Some(t) if creates && state.table(t).is_none() => {
                    state.create_opaque_table(t, true, false, &at)
                }
                Some(t) => state.mark_opaque(t),
                None if creates => *unknown_tables += 1,
                None => {}
            }
            let suffix = match &tname {
                Some(n) => format!("; `{n}` is not compared column by column"),
                None => String::new(),
            };
            state.findings.push(
                Finding::new(
                    &MG001,
                    tname.as_deref(),
                    None,
                    &format!("seaorm-unread:{}:{}", at.path, what),
                    format!("{what}{suffix}"),
                )
                .at(at),
            );
        }
    }
}

/// `modify_column`: MySQL replaces the whole definition; PostgreSQL changes
/// what the ColumnDef states (type, NULL / NOT NULL, default).
fn modify(state: &mut Replay, t: &TableRef, c: &ColDef, idens: &Idens, dialect: Dialect) {
    let col = column(c, state, idens, dialect);
    let name = col.name.clone();
    if dialect == Dialect::Mysql {
        state.alter_column(t, &name, ColumnChange::Replace(col), &c.at);
        return;
    }
    if !matches!(c.ty, ColType::Unknown) {
        state.alter_column(t, &name, ColumnChange::Type(col.ty.clone()), &c.at);
    }
    if let Some(n) = c.nullable {
        state.alter_column(t, &name, ColumnChange::Nullable(n), &c.at);
    }
    if col.default.is_some() {
        state.alter_column(t, &name, ColumnChange::Default(col.default), &c.at);
    }
}

/// Module names in the order `Migrator::migrations()` lists them in
/// `lib.rs` (`Box::new(m20220101_000001_create_table::Migration)`); None
/// when the file does not list them literally.
pub fn migrator_order(lib_rs: &str) -> Option<Vec<String>> {
    let file = syn::parse_file(lib_rs).ok()?;
    let f = file.items.iter().find_map(|it| match it {
        syn::Item::Impl(i)
            if i.trait_
                .as_ref()
                .and_then(|(_, p, _)| p.segments.last())
                .is_some_and(|s| s.ident == "MigratorTrait") =>
        {
            i.items.iter().find_map(|ii| match ii {
                syn::ImplItem::Fn(f) if f.sig.ident == "migrations" => Some(f),
                _ => None,
            })
        }
        _ => None,
    })?;
    let Expr::Macro(m) = tail_expr(&f.block)? else {
        return None;
    };
    let list = m
        .mac
        .parse_body_with(Punctuated::<Expr, Token![,]>::parse_terminated)
        .ok()?;
    let mut out = Vec::new();
    for e in &list {
        let (_, _, args) = call_path(e)?;
        let Expr::Path(p) = strip(args.first()?) else {
            return None;
        };
        let n = p.path.segments.len();
        if n < 2 {
            return None;
        }
        out.push(p.path.segments.iter().nth(n - 2)?.ident.to_string());
    }
    (!out.is_empty()).then_some(out)
}

#[cfg(test)]
mod tests;
