//! Diesel models: the `table!` / `diesel::table!` invocations of schema.rs
//! (what `diesel print-schema` writes, or a hand-edited copy).
//!
//! The file is parsed with syn; each invocation's tokens go through a
//! `syn::parse::Parse` impl that reads tables one by one, so a broken table
//! costs only itself. Custom SQL types come from `sql_types` modules
//! (`#[diesel(postgres_type(name = "mood"))] pub struct Mood;`).
//!
//! schema.rs states tables, columns, types, `Nullable<>`, the primary key
//! and `#[max_length]`; it never states defaults, unique constraints,
//! indexes, checks or (reliably) foreign keys: `joinable!` is written for
//! single-column keys only and may be hand-written for joins without one.
//! The diff knows this from `ModelSchema::kind` and stays silent there.

use super::diesel_types::{self, CustomType, CustomTypes, TyNode};
use super::ModelSchema;
use crate::dialect::Dialect;
use crate::discover::ModelKind;
use crate::findings::Finding;
use crate::rules::{MG001, MG002};
use crate::schema::{Column, Table};
use crate::snapshot::Snapshot;
use crate::source::{Location, Pos, SourceFile};
use proc_macro2::{Delimiter, Span, TokenStream, TokenTree};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::sync::Arc;
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::spanned::Spanned;
use syn::visit::Visit;
use syn::{Attribute, Ident, Token};

pub fn load(snapshot: &dyn Snapshot, files: &[String], _dialect: Dialect) -> ModelSchema {
    let sources: Vec<Result<SourceFile, Box<Finding>>> = files
        .par_iter()
        .map(|p| {
            snapshot.read_lossy(p).map_err(|e| {
                Box::new(
                    Finding::new(
                        &MG002,
                        None,
                        None,
                        &format!("unreadable:{p}"),
                        format!("{p} could not be read: {e}"),
                    )
                    .at(Location::line(p.as_str(), 1)),
                )
            })
        })
        .collect();
    let mut out = ModelSchema {
        files: files.len(),
        kind: ModelKind::Diesel,
        ..ModelSchema::default()
    };
    let mut readable = Vec::new();
    for s in sources {
        match s {
            Ok(f) => readable.push(f),
            Err(f) => {
                out.findings.push(*f);
                out.unnamed_tables += 1;
            }
        }
    }
    out.left_out = table_filters(snapshot, files);
    let parsed = from_sources(&readable);
    out.schema = parsed.schema;
    out.findings.extend(parsed.findings);
    out.unnamed_tables += parsed.unnamed_tables;
    out.findings.sort_by_key(|f| f.sort_key());
    out
}

/// diesel.toml's `[print_schema] filter = { only_tables = [...] }` or
/// `{ except_tables = [...] }`: regular expressions matched anywhere in a
/// table's name, as diesel_cli does. print-schema leaves the other tables out
/// of schema.rs, so the database having them is no drift.
#[derive(Clone, Debug)]
pub enum TableFilter {
    Only(Vec<regex::Regex>),
    Except(Vec<regex::Regex>),
}

impl TableFilter {
    pub fn leaves_out(&self, table: &str) -> bool {
        match self {
            TableFilter::Only(res) => !res.iter().any(|r| r.is_match(table)),
            TableFilter::Except(res) => res.iter().any(|r| r.is_match(table)),
        }
    }

    /// The filter of one print_schema configuration. A pattern diesel_cli
    /// would reject makes the whole list unknown: no filter is assumed, which
    /// at worst leaves an MG103 warning.
    fn from_config(print_schema: &toml::Table) -> Option<TableFilter> {
        let filter = print_schema.get("filter")?.as_table()?;
        let patterns = |key: &str| -> Option<Vec<regex::Regex>> {
            filter
                .get(key)?
                .as_array()?
                .iter()
                .map(|v| v.as_str().and_then(|p| regex::Regex::new(p).ok()))
                .collect()
        };
        patterns("only_tables")
            .map(TableFilter::Only)
            .or_else(|| patterns("except_tables").map(TableFilter::Except))
    }
}

/// The filters of every diesel.toml print_schema configuration that writes
/// one of `files`.
fn table_filters(snapshot: &dyn Snapshot, files: &[String]) -> Vec<TableFilter> {
    use crate::discover::{diesel_print_schemas, join, resolve_dots};
    let mut out = Vec::new();
    for path in snapshot.files() {
        let (dir, name) = path.rsplit_once('/').unwrap_or(("", path.as_str()));
        if name != "diesel.toml" {
            continue;
        }
        let Some(config) = snapshot
            .read(path)
            .ok()
            .and_then(|s| s.text.parse::<toml::Table>().ok())
        else {
            continue;
        };
        for (file, print_schema) in diesel_print_schemas(&config) {
            let file = resolve_dots(&join(dir, &crate::config::clean_path(&file)));
            if files.contains(&file) {
                out.extend(TableFilter::from_config(print_schema));
            }
        }
    }
    out
}

/// The model schema of in-memory schema files (the part of `load` after
/// reading). Custom types are shared across files, as `crate::schema::sql_types`
/// is across modules.
pub fn from_sources(sources: &[SourceFile]) -> ModelSchema {
    let parsed: Vec<ParsedFile> = sources.par_iter().map(parse_file).collect();
    let mut custom = CustomTypes::new();
    for p in &parsed {
        for (k, v) in &p.custom {
            custom.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }
    let mut out = ModelSchema {
        files: sources.len(),
        kind: ModelKind::Diesel,
        ..ModelSchema::default()
    };
    for p in parsed {
        out.findings.extend(p.findings);
        out.unnamed_tables += p.unreadable_tables;
        for t in p.tables {
            let table = t.into_table(&custom);
            if let Some(first) = out.schema.tables.get(&table.key()) {
                out.findings.push(
                    Finding::new(
                        &MG001,
                        Some(&table.display_name()),
                        None,
                        "duplicate-table",
                        format!(
                            "table `{}` is declared twice; the first declaration ({}) is used",
                            table.display_name(),
                            first.location
                        ),
                    )
                    .at(table.location.clone()),
                );
                continue;
            }
            out.schema.insert_table(table);
        }
    }
    out.findings.sort_by_key(|f| f.sort_key());
    out
}

/// What one file holds, before custom types are resolved across files.
struct ParsedFile {
    path: Arc<str>,
    tables: Vec<TableDef>,
    custom: CustomTypes,
    findings: Vec<Finding>,
    /// `table!` contents that could not be read: some migrated table may be theirs.
    unreadable_tables: usize,
}

fn pos(lc: proc_macro2::LineColumn) -> Pos {
    Pos::new(lc.line as u32, lc.column as u32 + 1)
}

fn loc(path: &Arc<str>, span: Span) -> Location {
    Location::new(path.clone(), pos(span.start()), pos(span.end()))
}

fn parse_file(src: &SourceFile) -> ParsedFile {
    let mut out = ParsedFile {
        path: src.path.clone(),
        tables: Vec::new(),
        custom: CustomTypes::new(),
        findings: Vec::new(),
        unreadable_tables: 0,
    };
    match syn::parse_file(&src.text) {
        Ok(file) => {
            let mut v = Visitor { out: &mut out };
            v.visit_file(&file);
        }
        Err(e) => {
            out.findings.push(
                Finding::new(
                    &MG002,
                    None,
                    None,
                    &format!("syntax:{}", src.path),
                    format!(
                        "{} is not valid Rust: {e}; the table! blocks that can be found are still checked",
                        src.path
                    ),
                )
                .at(loc(&src.path, e.span()))
                .label(e.to_string()),
            );
            // Not a Rust file, but maybe still a token stream (a missing
            // comma between items): read the table! invocations in it.
            match src.text.parse::<TokenStream>() {
                Ok(tokens) => scan_tokens(tokens, &mut out),
                Err(_) => out.unreadable_tables += 1,
            }
        }
    }
    let notes = column_notes(&out.tables);
    out.findings.extend(notes);
    // Every span has become a Location: free this thread's copy of the text.
    proc_macro2::extra::invalidate_current_thread_spans();
    out
}

struct Visitor<'a> {
    out: &'a mut ParsedFile,
}

impl<'ast> Visit<'ast> for Visitor<'_> {
    fn visit_item_macro(&mut self, m: &'ast syn::ItemMacro) {
        if is_table_macro(&m.mac.path) {
            read_invocation(m.mac.tokens.clone(), m.mac.path.span(), self.out);
        }
    }

    fn visit_item_struct(&mut self, s: &'ast syn::ItemStruct) {
        if let Some(c) = custom_type(&s.attrs) {
            self.out.custom.insert(s.ident.to_string(), c);
        }
    }
}

/// `table!` or `diesel::table!` (not `joinable!`, not a `macro_rules!` body).
fn is_table_macro(path: &syn::Path) -> bool {
    let segs: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
    matches!(
        segs.iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .as_slice(),
        ["table"] | ["diesel", "table"]
    )
}

/// Finds `table! { ... }` in raw tokens (a file syn rejected), descending
/// into brace groups (modules).
fn scan_tokens(tokens: TokenStream, out: &mut ParsedFile) {
    let trees: Vec<TokenTree> = tokens.into_iter().collect();
    for (i, tt) in trees.iter().enumerate() {
        let TokenTree::Group(g) = tt else { continue };
        if g.delimiter() != Delimiter::Brace {
            continue;
        }
        let is_invocation = i >= 2
            && matches!(&trees[i - 1], TokenTree::Punct(p) if p.as_char() == '!')
            && matches!(&trees[i - 2], TokenTree::Ident(id) if id == "table");
        if is_invocation {
            read_invocation(g.stream(), trees[i - 2].span(), out);
        } else {
            scan_tokens(g.stream(), out);
        }
    }
}

/// `#[diesel(postgres_type(name = "mood", schema = "x"))]`, Diesel 1's
/// `#[postgres(type_name = "mood")]`, `#[diesel(mysql_type(name = "Enum"))]`.
fn custom_type(attrs: &[Attribute]) -> Option<CustomType> {
    let mut found = None;
    for a in attrs {
        if a.path().is_ident("diesel") {
            let _ = a.parse_nested_meta(|meta| {
                let backend = meta
                    .path
                    .get_ident()
                    .map(|i| i.to_string())
                    .unwrap_or_default();
                if !matches!(
                    backend.as_str(),
                    "postgres_type" | "mysql_type" | "sqlite_type"
                ) {
                    // skip `sql_type = ...` and other keys without failing
                    if meta.input.peek(Token![=]) {
                        let _: syn::Expr = meta.value()?.parse()?;
                    } else if !meta.input.is_empty() && !meta.input.peek(Token![,]) {
                        let _: proc_macro2::Group = meta.input.parse()?;
                    }
                    return Ok(());
                }
                let (mut name, mut schema) = (None, None);
                meta.parse_nested_meta(|inner| {
                    if inner.path.is_ident("name") {
                        name = Some(inner.value()?.parse::<syn::LitStr>()?.value());
                    } else if inner.path.is_ident("schema") {
                        schema = Some(inner.value()?.parse::<syn::LitStr>()?.value());
                    } else if inner.input.peek(Token![=]) {
                        let _: syn::Expr = inner.value()?.parse()?;
                    }
                    Ok(())
                })?;
                found = match (backend.as_str(), name) {
                    ("postgres_type", Some(name)) => Some(CustomType::Postgres { name, schema }),
                    // `postgres_type(oid = .., array_oid = ..)`: a fixed type, name unknown
                    ("postgres_type", None) => None,
                    ("mysql_type", Some(n)) if n.eq_ignore_ascii_case("enum") => {
                        Some(CustomType::MysqlEnum)
                    }
                    (_, Some(n)) => Some(CustomType::Other(n)),
                    (_, None) => None,
                };
                Ok(())
            });
        } else if a.path().is_ident("postgres") {
            let _ = a.parse_nested_meta(|meta| {
                if meta.path.is_ident("type_name") {
                    let name = meta.value()?.parse::<syn::LitStr>()?.value();
                    found = Some(CustomType::Postgres { name, schema: None });
                } else if meta.input.peek(Token![=]) {
                    let _: syn::Expr = meta.value()?.parse()?;
                }
                Ok(())
            });
        }
    }
    found
}

/// One `table!` invocation: `use` lines, then tables.
struct Invocation {
    aliases: BTreeMap<String, String>,
    tables: Vec<TableDef>,
    /// Tables whose header could not be read, with the error.
    errors: Vec<syn::Error>,
}

/// A table as written, before custom types are resolved.
struct TableDef {
    schema: Option<String>,
    /// The SQL name (`#[sql_name]` wins over the Rust name).
    name: String,
    location: Location,
    /// None: not written, Diesel's default `(id)`.
    primary_key: Option<Vec<String>>,
    columns: Vec<ColumnDef>,
    aliases: BTreeMap<String, String>,
    /// Where reading the columns stopped, and why, if it did.
    column_error: Option<(Location, String)>,
}

struct ColumnDef {
    name: String,
    /// The Rust name, which the primary key list uses.
    rust_name: String,
    ty: TyNode,
    max_length: Option<u32>,
    location: Location,
}

fn read_invocation(tokens: TokenStream, at: Span, out: &mut ParsedFile) {
    let path = out.path.clone();
    match (|input: ParseStream| parse_invocation(input, &path)).parse2(tokens) {
        Ok(inv) => {
            for e in &inv.errors {
                out.unreadable_tables += 1;
                out.findings.push(
                    Finding::new(
                        &MG002,
                        None,
                        None,
                        &format!("table-syntax:{}", out.path),
                        format!("a table in this table! block could not be read: {e}"),
                    )
                    .at(loc(&out.path, e.span()))
                    .label(e.to_string()),
                );
            }
            for mut t in inv.tables {
                t.aliases.extend(inv.aliases.clone());
                out.tables.push(t);
            }
        }
        Err(e) => {
            out.unreadable_tables += 1;
            let span = if e.span().start().line == 0 {
                at
            } else {
                e.span()
            };
            out.findings.push(
                Finding::new(
                    &MG002,
                    None,
                    None,
                    &format!("table-syntax:{}", out.path),
                    format!("this table! block could not be read: {e}"),
                )
                .at(loc(&out.path, span))
                .label(e.to_string()),
            );
        }
    }
}

fn parse_invocation(input: ParseStream, path: &Arc<str>) -> syn::Result<Invocation> {
    let mut inv = Invocation {
        aliases: BTreeMap::new(),
        tables: Vec::new(),
        errors: Vec::new(),
    };
    loop {
        // `use` lines may follow attributes (rare, but legal)
        let fork = input.fork();
        let _ = fork.call(Attribute::parse_outer);
        if !fork.peek(Token![use]) {
            break;
        }
        let u: syn::ItemUse = input.parse()?;
        collect_aliases(&u.tree, &mut inv.aliases);
    }
    while !input.is_empty() {
        match parse_table(input, path) {
            Ok(t) => inv.tables.push(t),
            Err(e) => {
                inv.errors.push(e);
                skip_past_brace_group(input)?;
            }
        }
    }
    Ok(inv)
}

/// `use super::sql_types::Mood as Feeling;` -> Feeling => Mood.
fn collect_aliases(tree: &syn::UseTree, out: &mut BTreeMap<String, String>) {
    match tree {
        syn::UseTree::Path(p) => collect_aliases(&p.tree, out),
        syn::UseTree::Rename(r) => {
            out.insert(r.rename.to_string(), r.ident.to_string());
        }
        syn::UseTree::Group(g) => {
            for t in &g.items {
                collect_aliases(t, out);
            }
        }
        syn::UseTree::Name(_) | syn::UseTree::Glob(_) => {}
    }
}

/// After a table that could not be read: drop tokens up to and including
/// the next `{ ... }` (its columns), where the next table starts.
fn skip_past_brace_group(input: ParseStream) -> syn::Result<()> {
    while !input.is_empty() {
        let tt: TokenTree = input.parse()?;
        if matches!(&tt, TokenTree::Group(g) if g.delimiter() == Delimiter::Brace) {
            break;
        }
    }
    Ok(())
}

/// `#[sql_name = "x"]` among attributes.
fn sql_name(attrs: &[Attribute]) -> syn::Result<Option<String>> {
    for a in attrs {
        if a.path().is_ident("sql_name") {
            let nv = a.meta.require_name_value()?;
            if let syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) = &nv.value
            {
                return Ok(Some(s.value()));
            }
            return Err(syn::Error::new(nv.value.span(), "expected a string"));
        }
    }
    Ok(None)
}

fn max_length(attrs: &[Attribute]) -> syn::Result<Option<u32>> {
    for a in attrs {
        if a.path().is_ident("max_length") {
            let nv = a.meta.require_name_value()?;
            if let syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Int(n),
                ..
            }) = &nv.value
            {
                return Ok(Some(n.base10_parse()?));
            }
            return Err(syn::Error::new(nv.value.span(), "expected an integer"));
        }
    }
    Ok(None)
}

/// `#[sql_name = "..."] schema.table (pk, ...) { columns }`.
fn parse_table(input: ParseStream, path: &Arc<str>) -> syn::Result<TableDef> {
    let attrs = input.call(Attribute::parse_outer)?;
    let first = input.call(Ident::parse_any)?;
    let (schema, rust_name) = if input.peek(Token![.]) {
        input.parse::<Token![.]>()?;
        let name = input.call(Ident::parse_any)?;
        (Some(unraw(&first)), name)
    } else {
        (None, first)
    };
    let primary_key = if input.peek(syn::token::Paren) {
        let content;
        syn::parenthesized!(content in input);
        let cols = content.parse_terminated(Ident::parse_any, Token![,])?;
        Some(cols.iter().map(unraw).collect())
    } else {
        None
    };
    let content;
    syn::braced!(content in input);
    let mut columns = Vec::new();
    let mut column_error = None;
    while !content.is_empty() {
        // a column that cannot be read is reported where it starts
        let start = content.span();
        match parse_column(&content, path) {
            Ok(c) => columns.push(c),
            Err(e) => {
                column_error = Some((loc(path, start), e.to_string()));
                break;
            }
        }
    }
    Ok(TableDef {
        schema,
        name: sql_name(&attrs)?.unwrap_or_else(|| unraw(&rust_name)),
        location: loc(path, rust_name.span()),
        primary_key,
        columns,
        aliases: BTreeMap::new(),
        column_error,
    })
}

fn unraw(i: &Ident) -> String {
    i.unraw().to_string()
}

/// `#[max_length = 255] name -> Type,` (the last comma optional).
fn parse_column(input: ParseStream, path: &Arc<str>) -> syn::Result<ColumnDef> {
    let attrs = input.call(Attribute::parse_outer)?;
    let ident = input.call(Ident::parse_any)?;
    input.parse::<Token![->]>()?;
    let ty: syn::Type = input.parse()?;
    let location = Location::new(
        path.clone(),
        pos(ident.span().start()),
        pos(ty.span().end()),
    );
    if !input.is_empty() {
        input.parse::<Token![,]>()?;
    }
    let rust_name = unraw(&ident);
    Ok(ColumnDef {
        name: sql_name(&attrs)?.unwrap_or_else(|| rust_name.clone()),
        rust_name,
        ty: TyNode::from_syn(&ty),
        max_length: max_length(&attrs)?,
        location,
    })
}

impl TableDef {
    fn into_table(self, custom: &CustomTypes) -> Table {
        let mut table = Table::new(
            self.name.clone(),
            self.schema.clone(),
            self.location.clone(),
        );
        for c in &self.columns {
            let m = diesel_types::map_type(&c.ty, c.max_length, custom, &self.aliases);
            let mut col = Column::new(c.name.clone(), m.ty, c.location.clone());
            col.nullable = m.nullable;
            table.columns.push(col);
        }
        // The key list names Rust names; the IR wants SQL names.
        let pk_rust = self.primary_key.unwrap_or_else(|| vec!["id".to_string()]);
        table.primary_key = pk_rust
            .iter()
            .map(|r| {
                self.columns
                    .iter()
                    .find(|c| &c.rust_name == r)
                    .map_or_else(|| r.clone(), |c| c.name.clone())
            })
            .collect();
        table
    }
}

/// MG001 notes for tables whose column list stopped early: the diff then
/// treats them as incomplete (no MG104 for the columns after the error).
fn column_notes(tables: &[TableDef]) -> Vec<Finding> {
    tables
        .iter()
        .filter_map(|t| {
            let (at, e) = t.column_error.as_ref()?;
            let name = match &t.schema {
                Some(s) => format!("{s}.{}", t.name),
                None => t.name.clone(),
            };
            Some(
                Finding::new(
                    &MG001,
                    Some(&name),
                    None,
                    "unreadable-columns",
                    format!(
                        "the columns of `{name}` could not all be read ({e}); the columns before this point are checked"
                    ),
                )
                .at(at.clone())
                .label(e.clone()),
            )
        })
        .collect()
}

pub fn column_decl(column: &Column) -> String {
    diesel_types::column_decl(&column.name, &column.ty, column.nullable)
}

pub fn type_decl(column: &Column) -> String {
    diesel_types::type_decl(&column.ty, column.nullable)
}

#[cfg(test)]
#[path = "diesel_tests.rs"]
mod tests;
