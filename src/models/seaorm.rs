//! SeaORM entities: `#[derive(DeriveEntityModel)]` structs read with syn.
//!
//! `#[sea_orm(table_name = "...", schema_name = "...")]` names the table;
//! each field is a column (`ignore` ones excepted) whose type comes from
//! `column_type = "..."` when given, else from the Rust type as SeaORM maps
//! it (`seaorm_types`). `Option<T>` or `nullable` allows NULL; `primary_key`
//! makes the key (auto-incrementing for integers unless `auto_increment =
//! false`); `unique`, `indexed` and `default_value` are kept. What an entity
//! cannot say (multi-column indexes, foreign keys: relations live in Rust
//! code, not in the table) is not read, and the diff is told not to expect it
//! (`ModelSchema::declares_keys`). `DeriveActiveEnum` enums of any entity
//! file give the columns that use them their database type.

use super::seaorm_types::{column_type, rust_type};
use super::ModelSchema;
use crate::dialect::Dialect;
use crate::discover::ModelKind;
use crate::findings::Finding;
use crate::rules::{MG001, MG002};
use crate::schema::{Column, DefaultValue, EnumType, Index, SqlType, Table};
use crate::snapshot::Snapshot;
use crate::source::{Location, Pos, SourceFile};
use proc_macro2::Span;
use quote::{format_ident, quote};
use rayon::prelude::*;
use std::collections::HashMap;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Attribute, Expr, Fields, Item, Lit, Meta, Token, Type};

pub fn load(snapshot: &dyn Snapshot, files: &[String], dialect: Dialect) -> ModelSchema {
    let per_file: Vec<FileModels> = files
        .par_iter()
        .map(|p| match snapshot.read_lossy(p) {
            Ok(src) => read_file(&src, dialect),
            Err(e) => FileModels {
                findings: vec![Finding::new(
                    &MG002,
                    None,
                    None,
                    &format!("unreadable:{p}"),
                    format!("{p} could not be read: {e}"),
                )
                .at(Location::line(p.as_str(), 1))],
                ..FileModels::default()
            },
        })
        .collect();
    let mut out = combine(per_file);
    out.files = files.len();
    out
}

/// What one entity file declares, before enum types from other files are
/// known (syn trees are not `Send`: each file is reduced to this in parallel).
#[derive(Default)]
pub struct FileModels {
    enums: Vec<(String, ActiveEnum)>,
    tables: Vec<PendingTable>,
    findings: Vec<Finding>,
    unnamed_tables: usize,
}

struct PendingTable {
    table: Table,
    /// (column index, Rust type name, inside a `Vec`): columns typed by a
    /// name that may be a `DeriveActiveEnum` of another file.
    named_types: Vec<(usize, String, bool)>,
}

/// Parses one file and reads its entities and enums; a syntax error is
/// MG002 at its position.
pub fn read_file(src: &SourceFile, dialect: Dialect) -> FileModels {
    let file = match syn::parse_file(&src.text) {
        Ok(f) => f,
        Err(e) => {
            let loc = location(&src.path, e.span());
            return FileModels {
                findings: vec![Finding::new(
                    &MG002,
                    None,
                    None,
                    &format!("syntax:{}", src.path),
                    format!("syntax error: {e}; the entities of this file are not checked"),
                )
                .at(loc)
                .label(e.to_string())],
                ..FileModels::default()
            };
        }
    };
    let path: &str = &src.path;
    let mut out = FileModels::default();
    for item in all_items(&file.items) {
        match item {
            Item::Enum(e) if derives(&e.attrs, "DeriveActiveEnum") => {
                if let Some(ae) = active_enum(path, e, dialect) {
                    out.enums.push((e.ident.to_string(), ae));
                }
            }
            Item::Struct(s) if derives(&s.attrs, "DeriveEntityModel") => {
                entity(path, s, dialect, &mut out);
            }
            _ => {}
        }
    }
    out
}

/// The model schema of every file's entities, enum types resolved across files.
pub fn combine(files: Vec<FileModels>) -> ModelSchema {
    let mut out = ModelSchema {
        kind: ModelKind::Seaorm,
        partial_keys: true,
        ..ModelSchema::default()
    };
    let mut enums: HashMap<String, ActiveEnum> = HashMap::new();
    let mut pending = Vec::new();
    for f in files {
        enums.extend(f.enums);
        pending.extend(f.tables);
        out.findings.extend(f.findings);
        out.unnamed_tables += f.unnamed_tables;
    }
    for ae in enums.values() {
        if let SqlType::Enum {
            name: Some(n),
            values,
        } = &ae.ty
        {
            out.schema.enums.insert(
                crate::schema::key(n),
                EnumType {
                    name: n.clone(),
                    values: values.clone(),
                    location: ae.location.clone(),
                },
            );
        }
    }
    for mut p in pending {
        for (i, name, in_vec) in &p.named_types {
            let (Some(ae), Some(col)) = (enums.get(name), p.table.columns.get_mut(*i)) else {
                continue;
            };
            col.ty = if *in_vec {
                SqlType::Array(Box::new(ae.ty.clone()))
            } else {
                ae.ty.clone()
            };
        }
        out.schema.insert_table(p.table);
    }
    out.findings.sort_by_key(|f| f.sort_key());
    out
}

/// The source location of a span (proc-macro2 span-locations: 1-based lines,
/// 0-based character columns).
pub(crate) fn location(path: &str, span: Span) -> Location {
    let (s, e) = (span.start(), span.end());
    Location::new(
        path,
        Pos::new(s.line.max(1) as u32, s.column as u32 + 1),
        Pos::new(e.line.max(1) as u32, e.column as u32 + 1),
    )
}

/// A `DeriveActiveEnum`: what its values are stored as.
#[derive(Clone, Debug)]
struct ActiveEnum {
    ty: SqlType,
    location: Location,
}

/// Items of the file and of its inline modules (`pub mod post { ... }`).
fn all_items(items: &[Item]) -> Vec<&Item> {
    let mut out = Vec::new();
    for it in items {
        out.push(it);
        if let Item::Mod(m) = it {
            if let Some((_, inner)) = &m.content {
                out.extend(all_items(inner));
            }
        }
    }
    out
}

fn derives(attrs: &[Attribute], name: &str) -> bool {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("derive"))
        .any(|a| {
            a.parse_args_with(Punctuated::<syn::Path, Token![,]>::parse_terminated)
                .is_ok_and(|paths| {
                    paths
                        .iter()
                        .any(|p| p.segments.last().is_some_and(|s| s.ident == name))
                })
        })
}

/// The `#[sea_orm(...)]` arguments of `attrs`; attributes that do not parse
/// as a meta list are returned as errors (their span) for a note.
fn sea_orm_args(attrs: &[Attribute]) -> (Vec<Meta>, Vec<Span>) {
    let mut metas = Vec::new();
    let mut bad = Vec::new();
    for a in attrs.iter().filter(|a| a.path().is_ident("sea_orm")) {
        match a.parse_args_with(Punctuated::<Meta, Token![,]>::parse_terminated) {
            Ok(list) => metas.extend(list),
            Err(_) => bad.push(a.span()),
        }
    }
    (metas, bad)
}

fn meta_name(m: &Meta) -> String {
    m.path()
        .get_ident()
        .map(|i| i.to_string())
        .unwrap_or_default()
}

fn lit_str(e: &Expr) -> Option<String> {
    match e {
        Expr::Lit(l) => match &l.lit {
            Lit::Str(s) => Some(s.value()),
            _ => None,
        },
        _ => None,
    }
}

/// A value as SQL: string literals quoted, numbers and booleans as written.
fn lit_sql(e: &Expr) -> Option<String> {
    match e {
        Expr::Lit(l) => match &l.lit {
            Lit::Str(s) => Some(format!("'{}'", s.value().replace('\'', "''"))),
            Lit::Int(i) => Some(i.base10_digits().to_string()),
            Lit::Float(f) => Some(f.base10_digits().to_string()),
            Lit::Bool(b) => Some(b.value.to_string()),
            _ => None,
        },
        Expr::Unary(u) if matches!(u.op, syn::UnOp::Neg(_)) => {
            lit_sql(&u.expr).map(|v| format!("-{v}"))
        }
        _ => None,
    }
}

fn lit_bool(e: &Expr) -> Option<bool> {
    match e {
        Expr::Lit(l) => match &l.lit {
            Lit::Bool(b) => Some(b.value),
            _ => None,
        },
        _ => None,
    }
}

/// Integer literals inside `tokens`, in order: `String(StringLen::N(255))`
/// -> [255], `Decimal(Some((10, 2)))` -> [10, 2].
pub(crate) fn ints_in(tokens: proc_macro2::TokenStream) -> Vec<u32> {
    let mut out = Vec::new();
    for t in tokens {
        match t {
            proc_macro2::TokenTree::Literal(l) => {
                if let Ok(Lit::Int(i)) = syn::parse2::<Lit>(quote!(#l)) {
                    if let Ok(v) = i.base10_parse::<u32>() {
                        out.push(v);
                    }
                }
            }
            proc_macro2::TokenTree::Group(g) => out.extend(ints_in(g.stream())),
            _ => {}
        }
    }
    out
}

/// The type a `column_type = "..."` string names (`Text`,
/// `String(StringLen::N(255))`, `Decimal(Some((10, 2)))`,
/// `Custom("citext".to_owned())`, `Array(RcOrArc::new(ColumnType::Integer))`).
fn column_type_attr(written: &str, dialect: Dialect) -> Option<SqlType> {
    let expr: Expr = syn::parse_str(written).ok()?;
    column_type_expr(&expr, dialect)
}

fn column_type_expr(expr: &Expr, dialect: Dialect) -> Option<SqlType> {
    match expr {
        Expr::Path(p) => {
            let name = p.path.segments.last()?.ident.to_string();
            column_type(&name, &[], dialect)
        }
        Expr::Call(c) => {
            let Expr::Path(p) = c.func.as_ref() else {
                return None;
            };
            let name = p.path.segments.last()?.ident.to_string();
            match name.as_str() {
                "Custom" => {
                    let raw = c.args.first().and_then(custom_name)?;
                    Some(SqlType::from_sql_name(&raw))
                }
                "Array" => {
                    let inner = c.args.first()?;
                    let inner = match inner {
                        Expr::Call(w) => w.args.first()?,
                        e => e,
                    };
                    Some(SqlType::Array(Box::new(column_type_expr(inner, dialect)?)))
                }
                _ => {
                    let args = &c.args;
                    column_type(&name, &ints_in(quote!(#args)), dialect)
                }
            }
        }
        _ => None,
    }
}

/// `"citext".to_owned()` / `"citext".into()` / `"citext"`.
fn custom_name(e: &Expr) -> Option<String> {
    match e {
        Expr::MethodCall(m) => custom_name(&m.receiver),
        e => lit_str(e),
    }
}

fn active_enum(path: &str, e: &syn::ItemEnum, dialect: Dialect) -> Option<ActiveEnum> {
    let (metas, _) = sea_orm_args(&e.attrs);
    let mut db_type = None;
    let mut enum_name = None;
    for m in &metas {
        if let Meta::NameValue(nv) = m {
            match meta_name(m).as_str() {
                "db_type" => db_type = lit_str(&nv.value),
                "enum_name" => enum_name = lit_str(&nv.value),
                _ => {}
            }
        }
    }
    let db_type = db_type?;
    let location = location(path, e.ident.span());
    if db_type == "Enum" {
        let name =
            enum_name.unwrap_or_else(|| super::seaorm_types::snake_case(&e.ident.to_string()));
        let mut values = Vec::new();
        for v in &e.variants {
            let (vm, _) = sea_orm_args(&v.attrs);
            let value = vm.iter().find_map(|m| match m {
                Meta::NameValue(nv) if meta_name(m) == "string_value" => lit_str(&nv.value),
                _ => None,
            });
            match value {
                Some(s) => values.push(s),
                // a value SeaORM derives from the variant name by rules
                // (`rename_all`) not followed here: compare no values
                None => {
                    return Some(ActiveEnum {
                        ty: SqlType::Enum {
                            name: Some(name),
                            values: Vec::new(),
                        },
                        location,
                    })
                }
            }
        }
        return Some(ActiveEnum {
            ty: SqlType::Enum {
                name: Some(name),
                values,
            },
            location,
        });
    }
    Some(ActiveEnum {
        ty: column_type_attr(&db_type, dialect)?,
        location,
    })
}

/// `HasOne<..>`, `HasMany<..>`, `BelongsTo<..>`: a SeaORM 2 relation field.
fn is_relation_type(ty: &Type) -> bool {
    let (inner, _) = unwrap_option(ty);
    matches!(inner, Type::Path(p) if p.path.segments.last().is_some_and(|s| {
        matches!(s.ident.to_string().as_str(), "HasOne" | "HasMany" | "BelongsTo")
    }))
}

/// `Option<T>` -> (T, true).
fn unwrap_option(ty: &Type) -> (&Type, bool) {
    if let Type::Path(p) = ty {
        if let Some(seg) = p.path.segments.last() {
            if seg.ident == "Option" {
                if let syn::PathArguments::AngleBracketed(a) = &seg.arguments {
                    if let Some(syn::GenericArgument::Type(inner)) = a.args.first() {
                        return (inner, true);
                    }
                }
            }
        }
    }
    (ty, false)
}

/// The column type of a Rust field type; None when unknown.
fn field_type(ty: &Type, dialect: Dialect) -> Option<SqlType> {
    let Type::Path(p) = ty else {
        return None;
    };
    let seg = p.path.segments.last()?;
    let name = seg.ident.to_string();
    if name == "Vec" {
        let syn::PathArguments::AngleBracketed(a) = &seg.arguments else {
            return None;
        };
        let Some(syn::GenericArgument::Type(inner)) = a.args.first() else {
            return None;
        };
        if let Type::Path(ip) = inner {
            if ip.path.is_ident("u8") {
                return Some(SqlType::Binary { len: None });
            }
        }
        return Some(SqlType::Array(Box::new(field_type(inner, dialect)?)));
    }
    rust_type(&name, dialect)
}

/// The last path segment of a field type that may name an enum, and whether
/// it sits inside a `Vec`.
fn type_name(ty: &Type) -> Option<(String, bool)> {
    let Type::Path(p) = ty else {
        return None;
    };
    let seg = p.path.segments.last()?;
    if seg.ident == "Vec" {
        let syn::PathArguments::AngleBracketed(a) = &seg.arguments else {
            return None;
        };
        let Some(syn::GenericArgument::Type(inner)) = a.args.first() else {
            return None;
        };
        return type_name(inner).filter(|(_, v)| !v).map(|(n, _)| (n, true));
    }
    Some((seg.ident.to_string(), false))
}

fn entity(path: &str, s: &syn::ItemStruct, dialect: Dialect, out: &mut FileModels) {
    let (metas, bad) = sea_orm_args(&s.attrs);
    let mut table_name = None;
    let mut schema_name = None;
    let mut table_span = s.ident.span();
    for m in &metas {
        if let Meta::NameValue(nv) = m {
            match meta_name(m).as_str() {
                "table_name" => {
                    table_name = lit_str(&nv.value);
                    table_span = nv.span();
                }
                "schema_name" => schema_name = lit_str(&nv.value),
                _ => {}
            }
        }
    }
    let Some(table_name) = table_name else {
        let loc = location(path, s.ident.span());
        let why = if bad.is_empty() {
            "it has no #[sea_orm(table_name = \"...\")]"
        } else {
            "its #[sea_orm(...)] attribute could not be read"
        };
        out.unnamed_tables += 1;
        out.findings.push(
            Finding::new(
                &MG001,
                None,
                None,
                &format!("entity-table:{path}:{}", s.ident),
                format!("entity `{}` is not checked: {why}", s.ident),
            )
            .at(loc),
        );
        return;
    };
    let mut table = Table::new(table_name.clone(), schema_name, location(path, table_span));
    let mut named_types = Vec::new();
    let Fields::Named(fields) = &s.fields else {
        return;
    };
    for field in &fields.named {
        let Some(ident) = &field.ident else {
            continue;
        };
        let (fmetas, fbad) = sea_orm_args(&field.attrs);
        let field_name = ident.to_string().trim_start_matches("r#").to_string();
        let loc = location(
            path,
            ident.span().join(field.ty.span()).unwrap_or(ident.span()),
        );
        if !fbad.is_empty() {
            out.findings.push(
                Finding::new(
                    &MG001,
                    Some(&table_name),
                    Some(&field_name),
                    "entity-attribute",
                    format!(
                        "the #[sea_orm(...)] attribute of `{field_name}` could not be read; `{table_name}` is compared leniently"
                    ),
                )
                .at(loc.clone()),
            );
        }
        let mut name = field_name.clone();
        let mut ty_attr = None;
        let (mut pk, mut nullable_attr, mut unique, mut indexed, mut ignore) =
            (false, false, false, false, false);
        let mut auto_increment = None;
        let mut default = None;
        for m in &fmetas {
            match (meta_name(m).as_str(), m) {
                ("primary_key", Meta::Path(_)) => pk = true,
                ("nullable", Meta::Path(_)) => nullable_attr = true,
                ("unique", Meta::Path(_)) => unique = true,
                ("indexed", Meta::Path(_)) => indexed = true,
                ("ignore", Meta::Path(_)) => ignore = true,
                // SeaORM 2 entities hold their relations as fields
                ("has_one" | "has_many" | "belongs_to" | "self_ref" | "via", _) => ignore = true,
                ("auto_increment", Meta::NameValue(nv)) => auto_increment = lit_bool(&nv.value),
                ("column_name", Meta::NameValue(nv)) => {
                    if let Some(n) = lit_str(&nv.value) {
                        name = n;
                    }
                }
                ("column_type", Meta::NameValue(nv)) => ty_attr = lit_str(&nv.value),
                ("default_value", Meta::NameValue(nv)) => default = lit_sql(&nv.value),
                _ => {}
            }
        }
        if ignore || is_relation_type(&field.ty) {
            continue;
        }
        let (inner, optional) = unwrap_option(&field.ty);
        let ty = match ty_attr.as_deref() {
            Some(written) => column_type_attr(written, dialect)
                .unwrap_or_else(|| SqlType::Other(written.to_ascii_lowercase())),
            None => field_type(inner, dialect).unwrap_or_else(|| {
                if let Some((n, in_vec)) = type_name(inner) {
                    named_types.push((table.columns.len(), n, in_vec));
                }
                let t = &field.ty;
                SqlType::Other(tidy(&quote!(#t).to_string()))
            }),
        };
        let mut col = Column::new(name.clone(), ty, loc.clone());
        col.nullable = (optional || nullable_attr) && !pk;
        col.unique = unique;
        col.default = default.map(DefaultValue::new);
        if pk {
            table.primary_key.push(name.clone());
            let integer = matches!(col.ty, SqlType::Integer { .. });
            col.autoincrement = integer && auto_increment != Some(false);
        }
        if indexed {
            table.indexes.push(Index {
                name: None,
                columns: vec![name.clone()],
                unique: false,
                location: loc,
            });
        }
        table.columns.push(col);
    }
    // a composite key is never auto-incrementing
    if table.primary_key.len() > 1 {
        for c in &mut table.columns {
            c.autoincrement = false;
        }
    }
    out.tables.push(PendingTable { table, named_types });
}

/// `pub bio: Option<String>,` with the `#[sea_orm(...)]` attribute SeaORM
/// needs to create the same column (`column_type`, `column_name`), for the
/// "declare it in the entity" help.
pub fn column_decl(column: &Column) -> String {
    let field = super::seaorm_types::snake_case(&column.name.replace([' ', '-'], "_"));
    let ident = format_ident!(
        "{}",
        if syn::parse_str::<syn::Ident>(&field).is_ok() {
            field.clone()
        } else {
            "column".into()
        }
    );
    let ty = rust_tokens(column);
    let mut args = Vec::new();
    if field != column.name {
        args.push(format!("column_name = {:?}", column.name));
    }
    if let Some(ct) = column_type_name(&column.ty) {
        args.push(format!("column_type = {ct:?}"));
    }
    if column.unique {
        args.push("unique".into());
    }
    let decl = tidy(&quote!(pub #ident: #ty,).to_string());
    if args.is_empty() {
        decl
    } else {
        format!("#[sea_orm({})] {decl}", args.join(", "))
    }
}

/// The field's Rust type: `Option<String>`.
pub fn type_decl(column: &Column) -> String {
    tidy(&rust_tokens(column).to_string())
}

fn rust_tokens(column: &Column) -> proc_macro2::TokenStream {
    let inner = rust_of(&column.ty);
    if column.nullable {
        quote!(Option<#inner>)
    } else {
        inner
    }
}

fn rust_of(ty: &SqlType) -> proc_macro2::TokenStream {
    match ty {
        SqlType::Integer { bytes: 1 } => quote!(i8),
        SqlType::Integer { bytes: 2 } => quote!(i16),
        SqlType::Integer { bytes: 8 } => quote!(i64),
        SqlType::Integer { .. } => quote!(i32),
        SqlType::Float { double: true } => quote!(f64),
        SqlType::Float { .. } => quote!(f32),
        SqlType::Decimal { .. } => quote!(Decimal),
        SqlType::String { .. } | SqlType::Text | SqlType::Interval | SqlType::Other(_) => {
            quote!(String)
        }
        SqlType::Boolean => quote!(bool),
        SqlType::Date => quote!(Date),
        SqlType::Time { .. } => quote!(Time),
        SqlType::Timestamp { tz: true } => quote!(DateTimeWithTimeZone),
        SqlType::Timestamp { .. } => quote!(DateTime),
        SqlType::Uuid => quote!(Uuid),
        SqlType::Json { .. } => quote!(Json),
        SqlType::Binary { .. } => quote!(Vec<u8>),
        SqlType::Enum { name: Some(n), .. } => {
            let camel = super::seaorm_types::camel_case(n);
            match syn::parse_str::<syn::Ident>(&camel) {
                Ok(i) => quote!(#i),
                Err(_) => quote!(String),
            }
        }
        SqlType::Enum { .. } => quote!(String),
        SqlType::Array(inner) => {
            let i = rust_of(inner);
            quote!(Vec<#i>)
        }
    }
}

/// The `column_type` SeaORM needs where the Rust type alone would create
/// another column type.
fn column_type_name(ty: &SqlType) -> Option<String> {
    match ty {
        SqlType::Text => Some("Text".into()),
        SqlType::String {
            len: Some(n),
            fixed: false,
        } => Some(format!("String(StringLen::N({n}))")),
        SqlType::String {
            len: Some(n),
            fixed: true,
        } => Some(format!("Char(Some({n}))")),
        SqlType::Decimal {
            precision: Some(p),
            scale: Some(s),
        } => Some(format!("Decimal(Some(({p}, {s})))")),
        SqlType::Json { binary: true } => Some("JsonBinary".into()),
        SqlType::Timestamp { tz: false } => None,
        _ => None,
    }
}

/// quote's token spacing (`Option < String >`) made readable.
fn tidy(s: &str) -> String {
    s.replace(" < ", "<")
        .replace("< ", "<")
        .replace(" >", ">")
        .replace(" ,", ",")
        .replace(" :", ":")
        .replace(":: ", "::")
}

#[cfg(test)]
mod tests;
