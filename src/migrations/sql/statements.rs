//! Parsing split statements with sqlparser and replaying the schema-changing
//! ones through `apply`.
//!
//! Only statements whose leading words say they may change the schema (or
//! insert rows, for the column check) are parsed at all: everything else
//! (functions, triggers, grants, data updates, `DO` blocks) is skipped
//! without asking sqlparser, which keeps replay fast and free of noise on
//! statements migraguard has no use for.

use super::split::{self, Piece};
use crate::dialect::Dialect;
use crate::findings::Finding;
use crate::migrations::apply::{ColumnChange, Replay, TableRef};
use crate::rules;
use crate::schema::{
    key, Check, Column, DefaultValue, FkAction, ForeignKey, Index, SqlType, Table,
};
use crate::source::{LineIndex, Location, Pos, SourceFile};
use sqlparser::ast::{
    AlterColumnOperation, AlterTableOperation, AlterTypeAddValuePosition, AlterTypeOperation,
    ColumnDef, ColumnOption, CreateIndex, CreateTable, CreateTableLikeKind, DataType, EnumMember,
    Expr, Ident, IndexColumn, MySQLColumnPosition, ObjectName, ObjectType, ReferentialAction,
    RenameTableNameKind, Statement, TableConstraint, UserDefinedTypeRepresentation,
};
use sqlparser::dialect::{
    Dialect as SqlDialect, GenericDialect, MySqlDialect, PostgreSqlDialect, SQLiteDialect,
};
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Span, Token, TokenWithSpan};

/// What the leading words say a statement is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// May change the schema: parse it, report MG205 when that fails.
    Schema,
    /// INSERT / REPLACE: read for the column check, silent when that fails.
    Insert,
    /// Creates a relation migraguard does not model (view, virtual or
    /// foreign table): later references to its name are not errors.
    Opaque,
    /// Anything else: skipped.
    Other,
}

pub fn classify(words: &[String]) -> Kind {
    let w: Vec<&str> = words.iter().map(String::as_str).collect();
    let rest = |from: usize| w.get(from..).unwrap_or(&[]);
    match w.first().copied() {
        Some("CREATE") => {
            let mut r = rest(1);
            if let ["OR", "REPLACE", tail @ ..] = r {
                r = tail;
            }
            let mut special = false;
            while let [m, tail @ ..] = r {
                match *m {
                    "GLOBAL" | "LOCAL" | "TEMP" | "TEMPORARY" | "UNLOGGED" | "UNIQUE" => {}
                    "MATERIALIZED" | "RECURSIVE" | "VIRTUAL" | "FOREIGN" => special = true,
                    _ => break,
                }
                r = tail;
            }
            match r.first().copied() {
                Some("VIEW") => Kind::Opaque,
                Some("TABLE") if special => Kind::Opaque,
                Some("TABLE" | "INDEX" | "TYPE") => Kind::Schema,
                _ => Kind::Other,
            }
        }
        Some("ALTER" | "DROP") => match rest(1).first().copied() {
            Some("TABLE" | "TYPE") => Kind::Schema,
            Some("INDEX") if w.first() == Some(&"DROP") => Kind::Schema,
            _ => Kind::Other,
        },
        Some("RENAME") if rest(1).first() == Some(&"TABLE") => Kind::Schema,
        Some("INSERT" | "REPLACE") => Kind::Insert,
        _ => Kind::Other,
    }
}

/// A statement after the parallel parse phase, before it is applied.
#[derive(Clone, Debug)]
pub enum Parsed {
    Stmt(Box<Statement>, Location),
    /// `INSERT INTO table (columns...)`, read from its head only (the rows
    /// of a data migration can be megabytes and say nothing about the schema).
    Insert {
        table: TableRef,
        columns: Vec<(String, Location)>,
        at: Location,
    },
    /// A view, virtual or foreign table.
    Opaque(TableRef),
    /// A table copied from another (`CREATE TABLE x (LIKE y)`, a `CREATE
    /// TABLE AS` whose query sqlparser cannot read): it exists, its columns
    /// are unknown. The flag says temporary.
    OpaqueCreate(TableRef, bool, Location),
    /// One column change read from tokens (an ALTER TABLE operation
    /// sqlparser does not know, such as `DROP IDENTITY`).
    Change {
        table: TableRef,
        column: String,
        change: ColumnChange,
        at: Location,
    },
    /// Statements applied for their effect only, without findings (the DDL
    /// of a `DO` block).
    Quiet(Vec<Parsed>),
    /// `ALTER INDEX a RENAME TO b` / `ALTER TABLE t RENAME INDEX a TO b`.
    RenameIndex {
        table: Option<TableRef>,
        from: String,
        to: String,
    },
    /// `ALTER TABLE ... SET SCHEMA s`, read from tokens.
    RenameTable {
        from: TableRef,
        to: TableRef,
        if_exists: bool,
        at: Location,
    },
    /// A schema-changing statement sqlparser could not read.
    Unparsed {
        at: Location,
        what: String,
        table: Option<TableRef>,
        /// `ALTER TABLE IF EXISTS`...: nothing happens when the table is missing.
        if_exists: bool,
        error: String,
    },
}

/// Splits and parses `range` of `file`. Pure: safe to run in parallel.
pub fn parse_range(
    file: &SourceFile,
    index: &LineIndex,
    range: std::ops::Range<usize>,
    dialect: Dialect,
) -> Vec<Parsed> {
    let d = dialect.sqlparser();
    let mut out: Vec<Parsed> = Vec::new();
    split::split_each(file, index, range, d.as_ref(), &mut |p| {
        for parsed in parse_piece(file, index, &p, dialect, d.as_ref()) {
            // a data file repeats the same INSERT head thousands of times;
            // only the first can tell anything new
            if let (
                Some(Parsed::Insert {
                    table: t0,
                    columns: c0,
                    ..
                }),
                Parsed::Insert { table, columns, .. },
            ) = (out.last(), &parsed)
            {
                if t0 == table
                    && c0.len() == columns.len()
                    && c0.iter().zip(columns).all(|(a, b)| a.0 == b.0)
                {
                    continue;
                }
            }
            out.push(parsed);
        }
    });
    out
}

fn piece_location(file: &SourceFile, index: &LineIndex, p: &Piece) -> Location {
    if p.range.is_empty() {
        if let Some(t) = p.tokens.first() {
            return span_location(file, t.span)
                .unwrap_or_else(|| Location::line(file.path.clone(), 1));
        }
    }
    Location::from_offsets(file, index, p.range.start, p.range.end)
}

fn span_location(file: &SourceFile, s: Span) -> Option<Location> {
    if s.start.line == 0 {
        return None;
    }
    let p = |l: sqlparser::tokenizer::Location| Pos::new(l.line as u32, l.column as u32);
    Some(Location::new(file.path.clone(), p(s.start), p(s.end)))
}

fn parse_piece(
    file: &SourceFile,
    index: &LineIndex,
    p: &Piece,
    dialect: Dialect,
    d: &dyn SqlDialect,
) -> Vec<Parsed> {
    let words = p.lead_words(6);
    if words.first().is_some_and(|w| w == "DO") {
        return do_block(file, index, p, dialect);
    }
    if words.starts_with(&["ALTER".to_string(), "INDEX".to_string()]) {
        return alter_index_rename(&p.tokens).into_iter().collect();
    }
    let kind = classify(&words);
    if kind == Kind::Other {
        return Vec::new();
    }
    if kind == Kind::Opaque {
        return table_from_tokens(&p.tokens)
            .map(Parsed::Opaque)
            .into_iter()
            .collect();
    }
    let at = piece_location(file, index, p);
    if kind == Kind::Insert {
        return insert_from_tokens(file, &p.tokens, &at)
            .into_iter()
            .collect();
    }
    let what = statement_label(&words);
    if let Some(err) = &p.error {
        return vec![Parsed::Unparsed {
            at,
            what,
            table: table_from_tokens(&p.tokens),
            if_exists: has_if_exists(&p.tokens),
            error: format!("the statement could not be read: {err}"),
        }];
    }
    let first_err = match parse_tokens(prepare(p.tokens.clone()), d) {
        Ok(s) => return vec![Parsed::Stmt(Box::new(s), at)],
        Err(e) => e,
    };
    // dialect quirks (`ADD COLUMN IF NOT EXISTS` in SQLite, `TYPE ... USING`
    // outside PostgreSQL): a statement the project's dialect rejects often
    // parses in another, and its meaning for the schema is the same
    for alt in alternatives(dialect) {
        if let Ok(tokens) = split::tokenize_range(file, index, p.range.clone(), alt.as_ref()) {
            if let Ok(s) = parse_tokens(prepare(tokens), alt.as_ref()) {
                return vec![Parsed::Stmt(Box::new(s), at)];
            }
        }
    }
    if dialect == Dialect::Mysql {
        // table options and partitioning sqlparser does not know (MySQL 8
        // dumps: `/*!80016 DEFAULT ENCRYPTION='N' */`, `/*!50100 PARTITION BY
        // ... */`): they say nothing about columns, keys or indexes
        if let Some(tokens) = without_table_options(prepare(p.tokens.clone())) {
            if let Ok(s) = parse_tokens(tokens, d) {
                return vec![Parsed::Stmt(Box::new(s), at)];
            }
        }
    }
    if words.starts_with(&["ALTER".to_string(), "TABLE".to_string()]) {
        if let Some(parsed) = alter_by_operation(file, p, dialect, d, &at) {
            return parsed;
        }
    }
    if is_create_like(&p.tokens) || is_create_as(&p.tokens) {
        // `CREATE TABLE x (LIKE y INCLUDING ALL)`, `CREATE TABLE x AS <query
        // sqlparser cannot read>`: a table whose columns are not followed
        if let Some(t) = table_from_tokens(&p.tokens) {
            let temporary = words.iter().any(|w| w == "TEMP" || w == "TEMPORARY");
            return vec![Parsed::OpaqueCreate(t, temporary, at)];
        }
    }
    if words.get(1).is_some_and(|w| w == "TYPE")
        && !p
            .significant()
            .any(|t| is_kw(&t.token, "ENUM") || is_kw(&t.token, "VALUE"))
    {
        // composite, range and base types are not modelled: nothing is lost
        return Vec::new();
    }
    vec![Parsed::Unparsed {
        at,
        what,
        table: table_from_tokens(&p.tokens),
        if_exists: has_if_exists(&p.tokens),
        error: first_err,
    }]
}

/// `ALTER TABLE IF EXISTS` / `DROP TABLE IF EXISTS` (not `IF NOT EXISTS`).
fn has_if_exists(tokens: &[TokenWithSpan]) -> bool {
    let sig: Vec<&Token> = tokens
        .iter()
        .map(|t| &t.token)
        .filter(|t| split::is_significant(t))
        .take(5)
        .collect();
    sig.windows(2)
        .any(|w| matches!(w, [a, b] if is_kw(a, "IF") && is_kw(b, "EXISTS")))
}

/// A PostgreSQL `DO $$ ... $$` block runs at once, and the idempotent
/// migration idiom hides DDL in it (`IF NOT EXISTS (...) THEN ALTER TABLE
/// ... ADD COLUMN ...; END IF;`). Its DDL statements are replayed for their
/// effect on the schema but never reported: they may sit in a branch that
/// does not run.
fn do_block(file: &SourceFile, index: &LineIndex, p: &Piece, dialect: Dialect) -> Vec<Parsed> {
    let Some((t, body)) = p.significant().find_map(|t| match &t.token {
        Token::DollarQuotedString(d) => Some((t, d)),
        _ => None,
    }) else {
        return Vec::new();
    };
    let start = index.offset(
        &file.text,
        Pos::new(t.span.start.line as u32, t.span.start.column as u32),
    );
    let open = format!("${}$", body.tag.as_deref().unwrap_or(""));
    let body_start = start + open.len();
    let body_end = body_start + body.value.len();
    let matches = file.text.get(start..).is_some_and(|s| s.starts_with(&open))
        && file.text.get(body_start..body_end) == Some(body.value.as_str());
    if !matches {
        return Vec::new();
    }
    let d = dialect.sqlparser();
    let mut inner = Vec::new();
    for piece in split::split(file, index, body_start..body_end, d.as_ref()) {
        if let Some(stmt) = embedded_statement(file, index, piece) {
            inner.extend(parse_piece(file, index, &stmt, dialect, d.as_ref()));
        }
    }
    if inner.is_empty() {
        Vec::new()
    } else {
        vec![Parsed::Quiet(inner)]
    }
}

/// In a PL/pgSQL piece (`BEGIN IF ... THEN ALTER TABLE ...`), the statement
/// starts at the first top-level DDL keyword.
fn embedded_statement(file: &SourceFile, index: &LineIndex, mut p: Piece) -> Option<Piece> {
    let mut depth = 0i32;
    let mut at = None;
    for (i, t) in p.tokens.iter().enumerate() {
        match &t.token {
            Token::LParen => depth += 1,
            Token::RParen => depth -= 1,
            tok if depth == 0
                && ["CREATE", "ALTER", "DROP", "INSERT", "RENAME"]
                    .iter()
                    .any(|k| is_kw(tok, k)) =>
            {
                at = Some(i);
                break;
            }
            _ => {}
        }
    }
    let at = at?;
    let first = p.tokens.get(at)?;
    let start = index.offset(
        &file.text,
        Pos::new(first.span.start.line as u32, first.span.start.column as u32),
    );
    p.tokens.drain(..at);
    p.range = start.min(p.range.end)..p.range.end;
    Some(p)
}

/// `CREATE ... TABLE [IF NOT EXISTS] name [(columns)] AS ...`.
fn is_create_as(tokens: &[TokenWithSpan]) -> bool {
    let sig = significant(tokens);
    if !sig.first().is_some_and(|t| is_kw(t, "CREATE")) {
        return false;
    }
    let Some(mut i) = sig.iter().take(8).position(|t| is_kw(t, "TABLE")) else {
        return false;
    };
    i += 1;
    while sig
        .get(i)
        .is_some_and(|t| ["IF", "NOT", "EXISTS"].iter().any(|k| is_kw(t, k)))
    {
        i += 1;
    }
    while matches!(sig.get(i), Some(Token::Word(_))) {
        i += 1;
        if sig.get(i) == Some(&&Token::Period) {
            i += 1;
        } else {
            break;
        }
    }
    if sig.get(i) == Some(&&Token::LParen) {
        let mut depth = 0;
        while let Some(t) = sig.get(i) {
            match t {
                Token::LParen => depth += 1,
                Token::RParen => depth -= 1,
                _ => {}
            }
            i += 1;
            if depth == 0 {
                break;
            }
        }
    }
    sig.get(i).is_some_and(|t| is_kw(t, "AS"))
}

/// MySQL's `ADD [COLUMN] (a INT, b TEXT)`, which sqlparser does not read:
/// one `ADD [COLUMN] a INT` operation per definition, tokens (and so
/// locations) kept. None for any other operation.
fn split_add_columns(op: &[TokenWithSpan]) -> Option<Vec<Vec<TokenWithSpan>>> {
    let sig: Vec<usize> = op
        .iter()
        .enumerate()
        .filter(|(_, t)| split::is_significant(&t.token))
        .map(|(i, _)| i)
        .collect();
    let kw = |k: usize, w: &str| {
        sig.get(k)
            .and_then(|&i| op.get(i))
            .is_some_and(|t| is_kw(&t.token, w))
    };
    if !kw(0, "ADD") {
        return None;
    }
    let open_k = if kw(1, "COLUMN") { 2 } else { 1 };
    let open = *sig.get(open_k)?;
    let close = *sig.last()?;
    if op.get(open)?.token != Token::LParen || op.get(close)?.token != Token::RParen {
        return None;
    }
    let prefix = op.get(..open)?;
    let mut defs = Vec::new();
    let mut depth = 0i32;
    let mut start = open + 1;
    for (i, t) in op.iter().enumerate().take(close).skip(open + 1) {
        match t.token {
            Token::LParen => depth += 1,
            Token::RParen => depth -= 1,
            Token::Comma if depth == 0 => {
                defs.push(op.get(start..i)?);
                start = i + 1;
            }
            _ => {}
        }
    }
    if depth != 0 {
        return None;
    }
    defs.push(op.get(start..close)?);
    Some(
        defs.into_iter()
            .map(|d| prefix.iter().chain(d.iter()).cloned().collect())
            .collect(),
    )
}

/// `CREATE TABLE t (...) <options>` cut after the definition list; None
/// for other statements and for tables filled by a query (`... AS SELECT`,
/// `... SELECT`), whose columns come after the options.
fn without_table_options(mut tokens: Vec<TokenWithSpan>) -> Option<Vec<TokenWithSpan>> {
    let words = split::lead_words(&tokens, 4);
    if words.first().map(String::as_str) != Some("CREATE") || !words.iter().any(|w| w == "TABLE") {
        return None;
    }
    let mut depth = 0i32;
    let mut close = None;
    for (i, t) in tokens.iter().enumerate() {
        match t.token {
            Token::LParen => depth += 1,
            Token::RParen => {
                depth -= 1;
                if depth == 0 {
                    close = Some(i);
                    break;
                }
            }
            _ => {}
        }
    }
    let close = close?;
    let query_follows = tokens
        .iter()
        .skip(close + 1)
        .any(|t| ["AS", "SELECT"].iter().any(|k| is_kw(&t.token, k)));
    if query_follows {
        return None;
    }
    tokens.truncate(close + 1);
    Some(tokens)
}

fn is_create_like(tokens: &[TokenWithSpan]) -> bool {
    let mut sig = tokens.iter().filter(|t| split::is_significant(&t.token));
    if !sig.next().is_some_and(|t| is_kw(&t.token, "CREATE")) {
        return false;
    }
    let mut prev_paren = false;
    for t in sig.take(12) {
        if prev_paren && is_kw(&t.token, "LIKE") {
            return true;
        }
        prev_paren = t.token == Token::LParen;
    }
    false
}

fn is_kw(t: &Token, k: &str) -> bool {
    matches!(t, Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(k))
}

/// An ALTER TABLE sqlparser rejects as a whole (`ENGINE=InnoDB`,
/// `ALTER COLUMN x SET STATISTICS`, `RENAME INDEX`): each comma-separated
/// operation is parsed on its own; those that cannot be parsed are reported
/// only when they change what migraguard models.
fn alter_by_operation(
    file: &SourceFile,
    p: &Piece,
    dialect: Dialect,
    d: &dyn SqlDialect,
    at: &Location,
) -> Option<Vec<Parsed>> {
    let tokens = &p.tokens;
    let sig: Vec<usize> = tokens
        .iter()
        .enumerate()
        .filter(|(_, t)| split::is_significant(&t.token))
        .map(|(i, _)| i)
        .collect();
    let tok = |k: usize| sig.get(k).and_then(|&i| tokens.get(i)).map(|t| &t.token);
    let mut k = 2;
    while tok(k).is_some_and(|t| ["IF", "EXISTS", "ONLY"].iter().any(|w| is_kw(t, w))) {
        k += 1;
    }
    loop {
        if !matches!(tok(k), Some(Token::Word(_))) {
            return None;
        }
        k += 1;
        if tok(k) == Some(&Token::Period) {
            k += 1;
        } else {
            break;
        }
    }
    let head_end = *sig.get(k)?;
    let head = tokens.get(..head_end)?;
    let table = table_from_tokens(head);
    let if_exists = has_if_exists(head);
    let mut ops: Vec<&[TokenWithSpan]> = Vec::new();
    let mut depth = 0i32;
    let mut start = head_end;
    for (i, t) in tokens.iter().enumerate().skip(head_end) {
        match t.token {
            Token::LParen => depth += 1,
            Token::RParen => depth -= 1,
            Token::Comma if depth == 0 => {
                ops.push(tokens.get(start..i)?);
                start = i + 1;
            }
            _ => {}
        }
    }
    ops.push(tokens.get(start..)?);
    let ops: Vec<Vec<TokenWithSpan>> = ops
        .into_iter()
        .flat_map(|op| split_add_columns(op).unwrap_or_else(|| vec![op.to_vec()]))
        .collect();
    let mut out = Vec::new();
    for op in &ops {
        let op = op.as_slice();
        let mut stmt: Vec<TokenWithSpan> = head.to_vec();
        stmt.push(TokenWithSpan::wrap(Token::Whitespace(
            sqlparser::tokenizer::Whitespace::Space,
        )));
        stmt.extend(op.iter().cloned());
        let mut parsed = parse_tokens(stmt.clone(), d);
        for alt in alternatives(dialect) {
            if parsed.is_ok() {
                break;
            }
            if let Ok(s) = parse_tokens(stmt.clone(), alt.as_ref()) {
                parsed = Ok(s);
            }
        }
        match parsed {
            Ok(s) => out.push(Parsed::Stmt(Box::new(s), at.clone())),
            Err(_) if set_schema(op).is_some() => {
                if let (Some(from), Some(schema)) = (table.clone(), set_schema(op)) {
                    let to = TableRef::new(Some(&schema), &from.name);
                    out.push(Parsed::RenameTable {
                        from,
                        to,
                        if_exists,
                        at: at.clone(),
                    });
                }
            }
            Err(_) if rename_index_op(op).is_some() => {
                if let Some((from, to)) = rename_index_op(op) {
                    out.push(Parsed::RenameIndex {
                        table: table.clone(),
                        from,
                        to,
                    });
                }
            }
            Err(_) if drop_identity(op).is_some() => {
                if let (Some(t), Some(column)) = (table.clone(), drop_identity(op)) {
                    out.push(Parsed::Change {
                        table: t,
                        column,
                        change: ColumnChange::Autoincrement(false),
                        at: at.clone(),
                    });
                }
            }
            Err(e) if op_changes_schema(op) => {
                let loc = op
                    .iter()
                    .find(|t| split::is_significant(&t.token))
                    .and_then(|t| span_location(file, t.span))
                    .unwrap_or_else(|| at.clone());
                out.push(Parsed::Unparsed {
                    at: loc,
                    what: "ALTER TABLE".into(),
                    table: table.clone(),
                    if_exists,
                    error: e,
                });
            }
            Err(_) => {}
        }
    }
    Some(out)
}

/// `ALTER INDEX [IF EXISTS] [schema.]a RENAME TO b`; other ALTER INDEX forms
/// (tablespace, storage, attach) change nothing migraguard models.
fn alter_index_rename(tokens: &[TokenWithSpan]) -> Option<Parsed> {
    let sig = significant(tokens);
    let mut i = 2;
    if sig.get(i).is_some_and(|t| is_kw(t, "IF"))
        && sig.get(i + 1).is_some_and(|t| is_kw(t, "EXISTS"))
    {
        i += 2;
    }
    let mut from = None;
    while let Some(Token::Word(w)) = sig.get(i) {
        from = Some(w.value.clone());
        i += 1;
        if sig.get(i) == Some(&&Token::Period) {
            i += 1;
        } else {
            break;
        }
    }
    match (
        sig.get(i),
        sig.get(i + 1),
        sig.get(i + 2),
        sig.len() == i + 3,
    ) {
        (Some(r), Some(t), Some(Token::Word(to)), true) if is_kw(r, "RENAME") && is_kw(t, "TO") => {
            Some(Parsed::RenameIndex {
                table: None,
                from: from?,
                to: to.value.clone(),
            })
        }
        _ => None,
    }
}

/// `RENAME INDEX|KEY a TO b` (MySQL): the old and new names.
fn rename_index_op(op: &[TokenWithSpan]) -> Option<(String, String)> {
    let sig = significant(op);
    match sig.as_slice() {
        [r, k, Token::Word(a), t, Token::Word(b)]
            if is_kw(r, "RENAME") && (is_kw(k, "INDEX") || is_kw(k, "KEY")) && is_kw(t, "TO") =>
        {
            Some((a.value.clone(), b.value.clone()))
        }
        _ => None,
    }
}

/// The tokens of `op` that carry meaning (no whitespace or comments), for
/// reading statement forms sqlparser does not parse.
fn significant(op: &[TokenWithSpan]) -> Vec<&Token> {
    op.iter()
        .map(|t| &t.token)
        .filter(|t| split::is_significant(t))
        .collect()
}

/// `SET SCHEMA s`: the new schema.
fn set_schema(op: &[TokenWithSpan]) -> Option<String> {
    let sig = significant(op);
    match sig.as_slice() {
        [a, b, Token::Word(w)] if is_kw(a, "SET") && is_kw(b, "SCHEMA") => Some(w.value.clone()),
        _ => None,
    }
}

/// `ALTER [COLUMN] c DROP IDENTITY [IF EXISTS]`, or `DROP EXPRESSION` (a
/// computed column becomes a plain one): the column it applies to. Either
/// way the database stops supplying the value.
fn drop_identity(op: &[TokenWithSpan]) -> Option<String> {
    let sig = significant(op);
    let c = if sig.get(1).is_some_and(|t| is_kw(t, "COLUMN")) {
        2
    } else {
        1
    };
    let ok = sig.first().is_some_and(|t| is_kw(t, "ALTER"))
        && sig.get(c + 1).is_some_and(|t| is_kw(t, "DROP"))
        && sig
            .get(c + 2)
            .is_some_and(|t| is_kw(t, "IDENTITY") || is_kw(t, "EXPRESSION"));
    match sig.get(c) {
        Some(Token::Word(w)) if ok => Some(w.value.clone()),
        _ => None,
    }
}

/// Whether an ALTER TABLE operation changes tables, columns, keys or
/// indexes (as opposed to storage, ownership, engine or statistics).
fn op_changes_schema(op: &[TokenWithSpan]) -> bool {
    let w: Vec<String> = op
        .iter()
        .filter(|t| split::is_significant(&t.token))
        .take(8)
        .map(|t| match &t.token {
            Token::Word(w) if w.quote_style.is_none() => w.value.to_ascii_uppercase(),
            other => other.to_string(),
        })
        .collect();
    let at = |i: usize| w.get(i).map(String::as_str).unwrap_or("");
    match at(0) {
        "ADD" | "DROP" => at(1) != "PARTITION",
        "RENAME" => !matches!(at(1), "INDEX" | "KEY"),
        "MODIFY" | "CHANGE" => true,
        "SET" => at(1) == "SCHEMA",
        "ALTER" => {
            if matches!(at(1), "INDEX" | "CONSTRAINT" | "CHECK") {
                return false;
            }
            let c = if at(1) == "COLUMN" { 3 } else { 2 };
            matches!(
                (at(c), at(c + 1)),
                ("TYPE", _)
                    // not SET GENERATED ALWAYS / BY DEFAULT: the column
                    // stays an identity, which is all the IR records
                    | ("SET", "DATA" | "NOT" | "DEFAULT")
                    | ("DROP", "NOT" | "DEFAULT" | "IDENTITY" | "EXPRESSION")
                    | ("ADD", _)
            )
        }
        _ => false,
    }
}

fn alternatives(dialect: Dialect) -> Vec<Box<dyn SqlDialect>> {
    let mut v: Vec<Box<dyn SqlDialect>> = Vec::new();
    if dialect != Dialect::Postgresql {
        v.push(Box::new(PostgreSqlDialect {}));
    }
    v.push(Box::new(GenericDialect {}));
    if dialect != Dialect::Mysql {
        v.push(Box::new(MySqlDialect {}));
    }
    if dialect != Dialect::Sqlite {
        v.push(Box::new(SQLiteDialect {}));
    }
    v
}

/// `DROP INDEX CONCURRENTLY` is rejected by every dialect and changes nothing
/// for the schema: drop the keyword.
/// Flyway-style `${schema}.` placeholders name the default schema: drop
/// them; a `${name}` standing alone becomes the identifier `name`.
fn strip_placeholders(tokens: Vec<TokenWithSpan>) -> Vec<TokenWithSpan> {
    let is_dollar =
        |t: &Token| matches!(t, Token::Char('$')) || matches!(t, Token::Placeholder(p) if p == "$");
    if !tokens.iter().any(|t| is_dollar(&t.token)) {
        return tokens;
    }
    let mut out = Vec::with_capacity(tokens.len());
    let mut it = tokens.into_iter().peekable();
    while let Some(t) = it.next() {
        if !(is_dollar(&t.token) && it.peek().is_some_and(|n| n.token == Token::LBrace)) {
            out.push(t);
            continue;
        }
        it.next();
        let mut inner = String::new();
        for n in it.by_ref() {
            if n.token == Token::RBrace {
                break;
            }
            inner.push_str(&n.token.to_string());
        }
        if it.peek().is_some_and(|n| n.token == Token::Period) {
            it.next();
        } else {
            let name = inner.rsplit(':').next().unwrap_or("").to_string();
            out.push(TokenWithSpan::new(Token::make_word(&name, None), t.span));
        }
    }
    out
}

/// Token edits that make sqlparser accept statements it rejects for
/// reasons that do not matter to the schema: `DROP INDEX CONCURRENTLY`,
/// `CREATE INDEX ... ON ONLY t`, SQLite's `ON CONFLICT <action>` clauses in
/// CREATE TABLE.
fn prepare(tokens: Vec<TokenWithSpan>) -> Vec<TokenWithSpan> {
    let mut tokens = strip_placeholders(tokens);
    let words = split::lead_words(&tokens, 3);
    let w: Vec<&str> = words.iter().map(String::as_str).collect();
    let sig: Vec<usize> = tokens
        .iter()
        .enumerate()
        .filter(|(_, t)| split::is_significant(&t.token))
        .map(|(i, _)| i)
        .collect();
    let tok = |k: usize| sig.get(k).and_then(|&i| tokens.get(i)).map(|t| &t.token);
    let mut remove: Vec<usize> = Vec::new();
    let mut to_string: Vec<usize> = Vec::new();
    // MySQL `COMMENT "text"`: a double-quoted string, not an identifier
    for k in 1..sig.len() {
        let after_comment = tok(k - 1).is_some_and(|t| is_kw(t, "COMMENT"))
            || (tok(k - 1) == Some(&Token::Eq)
                && k >= 2
                && tok(k - 2).is_some_and(|t| is_kw(t, "COMMENT")));
        if after_comment && matches!(tok(k), Some(Token::Word(w)) if w.quote_style == Some('"')) {
            to_string.extend(sig.get(k));
        }
    }
    // MySQL `INT(5) UNSIGNED ZEROFILL` (display padding) and the index
    // options `WITH PARSER ngram`, `KEY_BLOCK_SIZE = 8`: no schema meaning,
    // and sqlparser reads none of them
    for k in 1..sig.len() {
        if tok(k).is_some_and(|t| is_kw(t, "ZEROFILL"))
            && tok(k - 1).is_some_and(|t| {
                *t == Token::RParen
                    || [
                        "UNSIGNED",
                        "SIGNED",
                        "INT",
                        "INTEGER",
                        "TINYINT",
                        "SMALLINT",
                        "MEDIUMINT",
                        "BIGINT",
                        "DECIMAL",
                        "NUMERIC",
                        "FLOAT",
                        "DOUBLE",
                        "REAL",
                    ]
                    .iter()
                    .any(|w| is_kw(t, w))
            })
        {
            remove.extend(sig.get(k));
        }
        if tok(k - 1) == Some(&Token::RParen)
            && tok(k).is_some_and(|t| is_kw(t, "WITH"))
            && tok(k + 1).is_some_and(|t| is_kw(t, "PARSER"))
            && matches!(tok(k + 2), Some(Token::Word(_)))
        {
            remove.extend(sig.get(k..k + 3).unwrap_or(&[]));
        }
        if tok(k - 1) == Some(&Token::RParen)
            && tok(k).is_some_and(|t| is_kw(t, "KEY_BLOCK_SIZE"))
            && tok(k + 1).is_some_and(|t| matches!(t, Token::Eq | Token::Number(..)))
        {
            let n = if tok(k + 1) == Some(&Token::Eq) { 3 } else { 2 };
            remove.extend(sig.get(k..k + n).unwrap_or(&[]));
        }
    }
    // MySQL `ALTER TABLE t DROP KEY k` and `DROP CHECK c` (MySQL 8): DROP
    // INDEX and DROP CONSTRAINT by their other names
    let mut to_index: Vec<usize> = Vec::new();
    let mut to_constraint: Vec<usize> = Vec::new();
    if w.starts_with(&["ALTER", "TABLE"]) {
        for k in 1..sig.len() {
            if tok(k - 1).is_some_and(|t| is_kw(t, "DROP")) {
                if tok(k).is_some_and(|t| is_kw(t, "KEY")) {
                    to_index.extend(sig.get(k));
                }
                if tok(k).is_some_and(|t| is_kw(t, "CHECK")) {
                    to_constraint.extend(sig.get(k));
                }
            }
        }
    }
    // MySQL `VARCHAR(255) BINARY` (a binary collation): not a type change
    for k in 1..sig.len() {
        if tok(k).is_some_and(|t| is_kw(t, "BINARY"))
            && tok(k - 1) == Some(&Token::RParen)
            && tok(k + 1) != Some(&Token::LParen)
        {
            remove.extend(sig.get(k));
        }
    }
    if w.first() == Some(&"CREATE") && w.contains(&"TABLE") {
        // SQLite `) STRICT, WITHOUT ROWID`: commas between table options,
        // and STRICT, which sqlparser reads only alone
        let mut depth = 0;
        let mut closed = false;
        for k in 0..sig.len() {
            match tok(k) {
                Some(Token::LParen) => depth += 1,
                Some(Token::RParen) => {
                    depth -= 1;
                    closed |= depth == 0;
                }
                Some(Token::Comma) if closed && depth == 0 => remove.extend(sig.get(k)),
                Some(t) if closed && depth == 0 && is_kw(t, "STRICT") => remove.extend(sig.get(k)),
                _ => {}
            }
        }
    }
    match w.as_slice() {
        ["DROP", "INDEX", ..] if tok(2).is_some_and(|t| is_kw(t, "CONCURRENTLY")) => {
            remove.extend(sig.get(2));
        }
        ["CREATE", ..] if w.contains(&"INDEX") => {
            for k in 0..sig.len() {
                if tok(k).is_some_and(|t| is_kw(t, "ON"))
                    && tok(k + 1).is_some_and(|t| is_kw(t, "ONLY"))
                {
                    remove.extend(sig.get(k + 1));
                    break;
                }
            }
        }
        ["CREATE", ..] | ["ALTER", "TABLE", ..] => {
            // `IDENTITY (START WITH 1 INCREMENT BY 1)`: sequence options
            // sqlparser does not always read, irrelevant to the schema
            let mut k = 0;
            while k < sig.len() {
                if tok(k).is_some_and(|t| is_kw(t, "IDENTITY"))
                    && tok(k + 1) == Some(&Token::LParen)
                {
                    let mut depth = 0;
                    let mut j = k + 1;
                    while let Some(t) = tok(j) {
                        remove.extend(sig.get(j));
                        match t {
                            Token::LParen => depth += 1,
                            Token::RParen => depth -= 1,
                            _ => {}
                        }
                        j += 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    k = j;
                } else {
                    k += 1;
                }
            }
            for k in 0..sig.len() {
                if tok(k).is_some_and(|t| is_kw(t, "ON"))
                    && tok(k + 1).is_some_and(|t| is_kw(t, "CONFLICT"))
                    && tok(k + 2).is_some_and(|t| {
                        ["ROLLBACK", "ABORT", "FAIL", "IGNORE", "REPLACE"]
                            .iter()
                            .any(|a| is_kw(t, a))
                    })
                {
                    remove.extend(sig.get(k..k + 3).unwrap_or(&[]));
                }
            }
        }
        _ => {}
    }
    for &i in &to_index {
        if let Some(t) = tokens.get_mut(i) {
            t.token = Token::make_keyword("INDEX");
        }
    }
    for &i in &to_constraint {
        if let Some(t) = tokens.get_mut(i) {
            t.token = Token::make_keyword("CONSTRAINT");
        }
    }
    for &i in &to_string {
        if let Some(t) = tokens.get_mut(i) {
            if let Token::Word(w) = &t.token {
                t.token = Token::SingleQuotedString(w.value.clone());
            }
        }
    }
    if !remove.is_empty() {
        let mut i = 0;
        tokens.retain(|_| {
            let keep = !remove.contains(&i);
            i += 1;
            keep
        });
    }
    tokens
}

/// Parses one statement and checks that it used every token. A panic inside
/// sqlparser (a bug there) becomes an ordinary parse failure: one odd
/// statement must not take the whole check down.
fn parse_tokens(tokens: Vec<TokenWithSpan>, d: &dyn SqlDialect) -> Result<Statement, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        parse_tokens_inner(tokens, d)
    }))
    .unwrap_or_else(|_| Err("the SQL parser failed on this statement".to_string()))
}

fn parse_tokens_inner(tokens: Vec<TokenWithSpan>, d: &dyn SqlDialect) -> Result<Statement, String> {
    let mut parser = Parser::new(d).with_tokens_with_locations(tokens);
    let stmt = parser.parse_statement().map_err(|e| {
        let s = e.to_string();
        s.strip_prefix("sql parser error: ")
            .unwrap_or(&s)
            .to_string()
    })?;
    loop {
        let t = parser.next_token();
        match t.token {
            Token::EOF => return Ok(stmt),
            Token::SemiColon => {}
            other => {
                return Err(format!(
                    "unexpected `{other}` after a complete statement at Line: {}, Column: {}",
                    t.span.start.line, t.span.start.column
                ))
            }
        }
    }
}

fn statement_label(words: &[String]) -> String {
    let mut out: Vec<&str> = Vec::new();
    for w in words {
        out.push(w);
        if matches!(w.as_str(), "TABLE" | "INDEX" | "TYPE" | "INTO") {
            break;
        }
    }
    out.join(" ")
}

/// The table a statement is about, read from its tokens (for unparsed ones).
fn table_from_tokens(tokens: &[TokenWithSpan]) -> Option<TableRef> {
    let sig: Vec<&Token> = tokens
        .iter()
        .map(|t| &t.token)
        .filter(|t| split::is_significant(t))
        .take(40)
        .collect();
    let is_word = |t: &Token, s: &str| matches!(t, Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(s));
    let is_index = sig.get(1).is_some_and(|t| is_word(t, "INDEX"))
        || sig.get(2).is_some_and(|t| is_word(t, "INDEX"));
    let anchors: &[&str] = if is_index && sig.first().is_some_and(|t| is_word(t, "CREATE")) {
        &["ON"]
    } else {
        &["TABLE", "VIEW"]
    };
    let mut i = sig
        .iter()
        .position(|t| anchors.iter().any(|a| is_word(t, a)))?
        + 1;
    while sig.get(i).is_some_and(|t| {
        ["IF", "NOT", "EXISTS", "ONLY"]
            .iter()
            .any(|k| is_word(t, k))
    }) {
        i += 1;
    }
    let mut parts = Vec::new();
    while let Some(Token::Word(w)) = sig.get(i) {
        parts.push(w.value.clone());
        if sig.get(i + 1) == Some(&&Token::Period) {
            i += 2;
        } else {
            break;
        }
    }
    table_ref_from_parts(&parts)
}

/// `INSERT [OR x] [IGNORE] [INTO] name [AS alias] [(col, ...)]`: the table
/// and the named columns. None when the head has another shape.
fn insert_from_tokens(
    file: &SourceFile,
    tokens: &[TokenWithSpan],
    at: &Location,
) -> Option<Parsed> {
    let mut sig = tokens
        .iter()
        .filter(|t| split::is_significant(&t.token))
        .peekable();
    let kw = |t: &TokenWithSpan, k: &str| matches!(&t.token, Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(k));
    sig.next()?;
    if sig.peek().is_some_and(|t| kw(t, "OR")) {
        sig.next();
        sig.next()?;
    }
    while sig.peek().is_some_and(|t| {
        ["LOW_PRIORITY", "DELAYED", "HIGH_PRIORITY", "IGNORE", "INTO"]
            .iter()
            .any(|k| kw(t, k))
    }) {
        sig.next();
    }
    let mut parts = Vec::new();
    loop {
        match sig.next().map(|t| &t.token) {
            Some(Token::Word(w)) => parts.push(w.value.clone()),
            _ => return None,
        }
        if sig.peek().is_some_and(|t| t.token == Token::Period) {
            sig.next();
        } else {
            break;
        }
    }
    let table = table_ref_from_parts(&parts)?;
    if sig.peek().is_some_and(|t| kw(t, "AS")) {
        sig.next();
        sig.next();
    }
    let mut columns = Vec::new();
    if sig.peek().is_some_and(|t| t.token == Token::LParen) {
        sig.next();
        loop {
            let t = sig.next()?;
            let Token::Word(w) = &t.token else {
                return Some(Parsed::Insert {
                    table,
                    columns: Vec::new(),
                    at: at.clone(),
                });
            };
            if w.quote_style.is_none()
                && ["SELECT", "WITH", "VALUES"]
                    .iter()
                    .any(|k| w.value.eq_ignore_ascii_case(k))
            {
                return Some(Parsed::Insert {
                    table,
                    columns: Vec::new(),
                    at: at.clone(),
                });
            }
            let loc = span_location(file, t.span).unwrap_or_else(|| at.clone());
            columns.push((w.value.clone(), loc));
            match sig.next().map(|t| &t.token) {
                Some(Token::Comma) => {}
                Some(Token::RParen) => break,
                _ => {
                    return Some(Parsed::Insert {
                        table,
                        columns: Vec::new(),
                        at: at.clone(),
                    })
                }
            }
        }
    }
    Some(Parsed::Insert {
        table,
        columns,
        at: at.clone(),
    })
}

fn table_ref_from_parts(parts: &[String]) -> Option<TableRef> {
    let name = parts.last()?;
    let schema = parts.len().checked_sub(2).and_then(|i| parts.get(i));
    Some(TableRef::new(schema.map(String::as_str), name))
}

fn table_ref(name: &ObjectName) -> Option<TableRef> {
    let parts: Vec<String> = name
        .0
        .iter()
        .filter_map(|p| p.as_ident().map(|i| i.value.clone()))
        .collect();
    table_ref_from_parts(&parts)
}

fn last_ident(name: &ObjectName) -> Option<String> {
    name.0
        .last()
        .and_then(|p| p.as_ident())
        .map(|i| i.value.clone())
}

/// Applies parsed statements to the replay state, in order.
pub fn apply_parsed(state: &mut Replay, file: &SourceFile, parsed: Vec<Parsed>) {
    for p in parsed {
        match p {
            Parsed::Stmt(s, at) => apply_statement(state, file, *s, &at),
            Parsed::Opaque(t) => state.mark_opaque(&t),
            Parsed::Change {
                table,
                column,
                change,
                at,
            } => state.alter_column(&table, &column, change, &at),
            Parsed::Quiet(inner) => {
                let (n, facts) = (state.findings.len(), state.facts_mark());
                apply_parsed(state, file, inner);
                state.findings.truncate(n);
                state.forget_facts(facts);
            }
            Parsed::OpaqueCreate(t, temporary, at) => {
                state.create_opaque_table(&t, true, temporary, &at)
            }
            Parsed::Insert { table, columns, at } => {
                if state.table(&table).is_none() && is_bookkeeping_table(&table.name) {
                    continue;
                }
                state.insert(&table, &columns, &at);
            }
            Parsed::RenameIndex { table, from, to } => {
                state.rename_index(table.as_ref(), &from, &to)
            }
            Parsed::RenameTable {
                from,
                to,
                if_exists,
                at,
            } => {
                if !(if_exists && state.table(&from).is_none()) {
                    state.rename_table(&from, &to, &at);
                }
            }
            Parsed::Unparsed {
                at,
                what,
                table,
                if_exists,
                error,
            } => {
                if if_exists && table.as_ref().is_some_and(|t| state.table(t).is_none()) {
                    continue;
                }
                let tname = table.as_ref().map(TableRef::display);
                if let Some(t) = &table {
                    state.mark_opaque(t);
                }
                let f = Finding::new(
                    &rules::MG205,
                    tname.as_deref(),
                    None,
                    &format!("unparsed:{}", file.path),
                    format!(
                        "could not parse this {what} statement; the migrated schema may be incomplete"
                    ),
                )
                .at(at)
                .label(error)
                .help(
                    "fix the statement if it is broken (it may be truncated); if the database accepts it, check the `dialect` setting in migraguard.toml",
                );
                state.findings.push(f);
            }
        }
    }
}

fn ident_loc(file: &SourceFile, ident: &Ident, fallback: &Location) -> Location {
    span_location(file, ident.span).unwrap_or_else(|| fallback.clone())
}

/// The column a plain index part names; None for an expression.
fn index_column(c: &IndexColumn) -> Option<String> {
    match &c.column.expr {
        Expr::Identifier(i) => Some(i.value.clone()),
        Expr::CompoundIdentifier(parts) => parts.last().map(|i| i.value.clone()),
        _ => None,
    }
}

/// Plain column names of an index; None when a part is an expression.
fn index_columns(cols: &[IndexColumn]) -> Option<Vec<String>> {
    cols.iter().map(index_column).collect()
}

fn convert_type(dt: &DataType, state: &Replay) -> (SqlType, bool) {
    match dt {
        DataType::Enum(members, _) => {
            let values = members
                .iter()
                .map(|m| match m {
                    EnumMember::Name(n) => n.clone(),
                    EnumMember::NamedValue(n, _) => n.clone(),
                })
                .collect();
            return (SqlType::Enum { name: None, values }, false);
        }
        DataType::Custom(name, _) => {
            if let Some(e) = last_ident(name).and_then(|n| state.enum_type(&n)) {
                return (e, false);
            }
        }
        _ => {}
    }
    let written = dt.to_string();
    let lower = written.trim().to_ascii_lowercase();
    let serial = matches!(
        lower.as_str(),
        "serial" | "bigserial" | "smallserial" | "serial2" | "serial4" | "serial8"
    );
    if let Some(inner) = lower.strip_suffix("[]") {
        if let Some(e) = state.enum_type(inner.trim_matches('"')) {
            return (SqlType::Array(Box::new(e)), false);
        }
    }
    (SqlType::from_sql_name(&written), serial)
}

/// A column with the constraints that came with it.
struct ColumnParts {
    column: Column,
    primary_key: bool,
    foreign_keys: Vec<ForeignKey>,
    checks: Vec<Check>,
}

fn build_column(
    state: &Replay,
    file: &SourceFile,
    name: &Ident,
    data_type: &DataType,
    options: &[&ColumnOption],
    at: &Location,
) -> ColumnParts {
    let loc = ident_loc(file, name, at);
    let (ty, serial) = convert_type(data_type, state);
    let mut column = Column::new(name.value.clone(), ty, loc.clone());
    if serial {
        // SERIAL is an integer with a sequence default, and NOT NULL
        column.autoincrement = true;
        column.nullable = false;
    }
    let mut parts = ColumnParts {
        column,
        primary_key: false,
        foreign_keys: Vec::new(),
        checks: Vec::new(),
    };
    for opt in options {
        let c = &mut parts.column;
        match opt {
            ColumnOption::Null => c.nullable = true,
            ColumnOption::NotNull => c.nullable = false,
            ColumnOption::Default(e) => c.default = Some(DefaultValue::new(e.to_string())),
            ColumnOption::PrimaryKey(_) => {
                parts.primary_key = true;
                c.nullable = false;
            }
            ColumnOption::Unique(_) => c.unique = true,
            ColumnOption::ForeignKey(fk) => {
                if let Some(r) = table_ref(&fk.foreign_table) {
                    parts.foreign_keys.push(ForeignKey {
                        name: fk.name.as_ref().map(|n| n.value.clone()),
                        columns: vec![name.value.clone()],
                        ref_schema: r.schema,
                        ref_table: r.name,
                        ref_columns: fk
                            .referred_columns
                            .iter()
                            .map(|i| i.value.clone())
                            .collect(),
                        on_delete: fk.on_delete.map(fk_action),
                        on_update: fk.on_update.map(fk_action),
                        location: loc.clone(),
                    });
                }
            }
            ColumnOption::Check(ch) => {
                if state.dialect == Dialect::Mysql
                    && c.ty == SqlType::Text
                    && is_json_valid_of(&ch.expr, &name.value)
                {
                    // MariaDB's JSON is LONGTEXT CHECK (json_valid(col)), and
                    // that is how its dumps spell a JSON column
                    c.ty = SqlType::Json { binary: false };
                }
                parts.checks.push(Check {
                    name: ch.name.as_ref().map(|n| n.value.clone()),
                    sql: ch.expr.to_string(),
                    location: loc.clone(),
                })
            }
            ColumnOption::Generated {
                generation_expr, ..
            } => {
                c.autoincrement = true;
                if generation_expr.is_none() {
                    // identity columns are NOT NULL; computed ones are not
                    c.nullable = false;
                }
            }
            ColumnOption::Identity(_) => {
                c.autoincrement = true;
                c.nullable = false;
            }
            ColumnOption::DialectSpecific(tokens) if tokens.iter().any(is_autoincrement) => {
                c.autoincrement = true;
            }
            _ => {}
        }
    }
    parts
}

/// `json_valid(column)`, compared on the printed expression (quotes, case and
/// spacing aside).
fn is_json_valid_of(expr: &Expr, column: &str) -> bool {
    let printed: String = expr
        .to_string()
        .chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '`' | '"'))
        .collect();
    printed.to_ascii_lowercase() == format!("json_valid({})", key(column))
}

fn is_autoincrement(t: &Token) -> bool {
    matches!(t, Token::Word(w) if w.value.eq_ignore_ascii_case("AUTO_INCREMENT") || w.value.eq_ignore_ascii_case("AUTOINCREMENT"))
}

fn column_from_def(
    state: &Replay,
    file: &SourceFile,
    def: &ColumnDef,
    at: &Location,
) -> ColumnParts {
    let opts: Vec<&ColumnOption> = def.options.iter().map(|o| &o.option).collect();
    build_column(state, file, &def.name, &def.data_type, &opts, at)
}

/// SQLite: a lone `INTEGER PRIMARY KEY` column is the rowid, filled by the database.
fn sqlite_rowid(state: &Replay, data_type: &DataType) -> bool {
    state.dialect == Dialect::Sqlite && data_type.to_string().eq_ignore_ascii_case("INTEGER")
}

fn apply_statement(state: &mut Replay, file: &SourceFile, stmt: Statement, at: &Location) {
    match stmt {
        Statement::CreateTable(ct) => create_table(state, file, ct, at),
        Statement::AlterTable(alter) => {
            let Some(t) = table_ref(&alter.name) else {
                return;
            };
            if alter.if_exists && state.table(&t).is_none() {
                return;
            }
            let mut t = t;
            for op in alter.operations {
                alter_op(state, file, &mut t, op, at);
            }
        }
        Statement::CreateIndex(ci) => create_index(state, ci, at),
        Statement::Drop {
            object_type,
            if_exists,
            names,
            table,
            ..
        } => match object_type {
            ObjectType::Table => {
                for n in &names {
                    if let Some(t) = table_ref(n) {
                        state.drop_table(&t, if_exists, at);
                    }
                }
            }
            ObjectType::Index => {
                let t = table.as_ref().and_then(table_ref);
                for n in &names {
                    if let Some(name) = last_ident(n) {
                        state.drop_index(t.as_ref(), &name, if_exists, at);
                    }
                }
            }
            ObjectType::Type => {
                for n in &names {
                    if let Some(name) = last_ident(n) {
                        state.drop_enum(&name);
                    }
                }
            }
            _ => {}
        },
        Statement::CreateType {
            name,
            representation: Some(UserDefinedTypeRepresentation::Enum { labels }),
        } => {
            if let Some(n) = last_ident(&name) {
                state.create_enum(&n, labels.into_iter().map(|l| l.value).collect(), at);
            }
        }
        Statement::AlterType(a) => {
            let Some(n) = last_ident(&a.name) else {
                return;
            };
            match a.operation {
                AlterTypeOperation::AddValue(v) => {
                    let (before, after) = match &v.position {
                        Some(AlterTypeAddValuePosition::Before(i)) => {
                            (Some(i.value.as_str()), None)
                        }
                        Some(AlterTypeAddValuePosition::After(i)) => (None, Some(i.value.as_str())),
                        None => (None, None),
                    };
                    state.add_enum_value(&n, &v.value.value, before, after);
                }
                AlterTypeOperation::RenameValue(v) => {
                    state.rename_enum_value(&n, &v.from.value, &v.to.value)
                }
                AlterTypeOperation::Rename(r) => state.rename_enum(&n, &r.new_name.value),
            }
        }
        Statement::RenameTable(renames) => {
            for r in renames {
                if let (Some(from), Some(to)) = (table_ref(&r.old_name), table_ref(&r.new_name)) {
                    state.rename_table(&from, &to, at);
                }
            }
        }
        _ => {}
    }
}

/// Tables the migration tool itself creates (`schema_migrations`,
/// `alembic_version`...): migrations write to them without creating them.
fn is_bookkeeping_table(name: &str) -> bool {
    let k = key(name);
    [
        "migration",
        "schema_version",
        "alembic_version",
        "goose_db_version",
        "flyway",
        "schema_history",
        "changelog",
    ]
    .iter()
    .any(|p| k.contains(p))
}

fn create_table(state: &mut Replay, file: &SourceFile, ct: CreateTable, at: &Location) {
    let Some(t) = table_ref(&ct.name) else {
        return;
    };
    let copied =
        ct.query.is_some() || ct.like.is_some() || ct.clone.is_some() || ct.partition_of.is_some();
    if ct.columns.is_empty() && copied {
        if let (Dialect::Mysql, Some(CreateTableLikeKind::Plain(like))) = (state.dialect, &ct.like)
        {
            // MySQL's `CREATE TABLE x LIKE y` copies y's columns and indexes
            if let Some(src) = table_ref(&like.name) {
                state.create_table_like(&t, &src, ct.if_not_exists, ct.temporary, at);
                return;
            }
        }
        state.create_opaque_table(&t, ct.if_not_exists, ct.temporary, at);
        return;
    }
    // inherited columns come from a parent migraguard may not follow
    let partial = copied || ct.inherits.as_ref().is_some_and(|i| !i.is_empty());
    let mut table = Table::new(t.name.clone(), t.schema.clone(), at.clone());
    let mut rowid: Option<String> = None;
    for def in &ct.columns {
        let parts = column_from_def(state, file, def, at);
        if parts.primary_key {
            table.primary_key = vec![def.name.value.clone()];
            if sqlite_rowid(state, &def.data_type) {
                rowid = Some(def.name.value.clone());
            }
        }
        for mut fk in parts.foreign_keys {
            name_foreign_key(state.dialect, &table, &mut fk);
            table.foreign_keys.push(fk);
        }
        table.checks.extend(parts.checks);
        table.columns.push(parts.column);
    }
    for c in &ct.constraints {
        match constraint(c, at) {
            Some(Constraint::PrimaryKey(cols)) => {
                if let [only] = cols.as_slice() {
                    if let Some(def) = ct.columns.iter().find(|d| key(&d.name.value) == key(only)) {
                        if sqlite_rowid(state, &def.data_type) {
                            rowid = Some(only.clone());
                        }
                    }
                }
                table.primary_key = cols;
            }
            Some(Constraint::Index(mut index)) => {
                index.name = index
                    .name
                    .or_else(|| implicit_index_name(state.dialect, &table, &index.columns, "key"));
                table.indexes.push(index)
            }
            Some(Constraint::ForeignKey(mut fk)) => {
                name_foreign_key(state.dialect, &table, &mut fk);
                table.foreign_keys.push(fk)
            }
            Some(Constraint::Check(check)) => table.checks.push(check),
            None => {}
        }
    }
    if let Some(r) = rowid {
        if let Some(c) = table.column_mut(&r) {
            c.autoincrement = true;
        }
    }
    let existed = state.table(&t).is_some();
    state.create_table(table, ct.if_not_exists, ct.temporary);
    if partial && !existed {
        state.mark_opaque(&t);
    }
}

/// The name PostgreSQL gives an index or unique constraint declared without
/// one (`<table>_<columns>_key`, `<table>_<columns>_idx`), so that a later
/// `DROP CONSTRAINT` / `DROP INDEX` by that name finds it. It is fixed at
/// creation: renaming a column later does not rename the constraint. None in
/// other dialects, whose names differ (MySQL names indexes after a column).
pub(crate) fn implicit_index_name(
    dialect: Dialect,
    table: &Table,
    columns: &[String],
    label: &str,
) -> Option<String> {
    if dialect != Dialect::Postgresql || columns.is_empty() {
        return None;
    }
    let taken = |n: &str| {
        table
            .indexes
            .iter()
            .any(|i| i.name.as_deref().is_some_and(|x| key(x) == key(n)))
    };
    let base = pg_object_name(&table.name, &columns.join("_"), label);
    if !taken(&base) {
        return Some(base);
    }
    // PostgreSQL appends a counter to the label until the name is free
    (1..1000)
        .map(|pass| pg_object_name(&table.name, &columns.join("_"), &format!("{label}{pass}")))
        .find(|n| !taken(n))
}

/// An unnamed foreign key in PostgreSQL is `<table>_<columns>_fkey`; named at
/// creation like `implicit_index_name`, so that dropping it by that name (to
/// change its ON DELETE action, say) works.
pub(crate) fn name_foreign_key(dialect: Dialect, table: &Table, fk: &mut ForeignKey) {
    if dialect != Dialect::Postgresql || fk.name.is_some() || fk.columns.is_empty() {
        return;
    }
    let taken = |n: &str| {
        table
            .foreign_keys
            .iter()
            .any(|f| f.name.as_deref().is_some_and(|x| key(x) == key(n)))
    };
    let cols = fk.columns.join("_");
    fk.name = std::iter::once(pg_object_name(&table.name, &cols, "fkey"))
        .chain((1..1000).map(|pass| pg_object_name(&table.name, &cols, &format!("fkey{pass}"))))
        .find(|n| !taken(n));
}

/// `RENAME CONSTRAINT a TO b`: a unique constraint is an index of that name;
/// a foreign key or check is dropped and added back under the new name, so a
/// later `DROP CONSTRAINT b` finds it.
fn rename_constraint(state: &mut Replay, t: &TableRef, old: &str, new: &str, at: &Location) {
    let Some(table) = state.table(t) else {
        return;
    };
    let ok = key(old);
    let named = |n: &Option<String>| n.as_deref().is_some_and(|x| key(x) == ok);
    let is_index = table.indexes.iter().any(|i| named(&i.name));
    let fks: Vec<ForeignKey> = table
        .foreign_keys
        .iter()
        .filter(|f| named(&f.name))
        .cloned()
        .collect();
    let checks: Vec<Check> = table
        .checks
        .iter()
        .filter(|c| named(&c.name))
        .cloned()
        .collect();
    if is_index {
        state.rename_index(Some(t), old, new);
    }
    if fks.is_empty() && checks.is_empty() {
        return;
    }
    state.drop_constraint(t, old, at);
    for mut fk in fks {
        fk.name = Some(new.to_string());
        state.add_foreign_key(t, fk, at);
    }
    for mut ch in checks {
        ch.name = Some(new.to_string());
        state.add_check(t, ch, at);
    }
}

/// `DROP CONSTRAINT <table>_<column>_key` where the column was declared
/// `UNIQUE` inline (PostgreSQL's name for that constraint): the column is no
/// longer unique. Read with the current names, so a column renamed since is
/// left alone (the constraint kept its old name).
pub(crate) fn drop_column_unique(state: &mut Replay, t: &TableRef, name: &str, at: &Location) {
    if state.dialect != Dialect::Postgresql {
        return;
    }
    let Some(table) = state.table(t) else {
        return;
    };
    let nk = key(name);
    let named_elsewhere = table
        .indexes
        .iter()
        .filter_map(|i| i.name.as_deref())
        .chain(table.foreign_keys.iter().filter_map(|f| f.name.as_deref()))
        .chain(table.checks.iter().filter_map(|c| c.name.as_deref()))
        .any(|n| key(n) == nk);
    if named_elsewhere {
        return;
    }
    let column = table
        .columns
        .iter()
        .find(|c| c.unique && key(&pg_object_name(&table.name, &c.name, "key")) == nk)
        .cloned();
    if let Some(mut c) = column {
        c.unique = false;
        let column_name = c.name.clone();
        state.alter_column(t, &column_name, ColumnChange::Replace(c), at);
    }
}

/// Whether a CHECK expression, as the IR keeps it, names `column`. Read with
/// the SQL tokenizer, so a string or a function of that name does not count.
pub(crate) fn check_names_column(sql: &str, column: &str, dialect: Dialect) -> bool {
    column_words(sql, column, dialect).is_some_and(|(_, at)| !at.is_empty())
}

/// The CHECK expression with column `old` renamed to `new`, as the database
/// rewrites a constraint when its column is renamed; None when it does not
/// name `old` or cannot be read.
pub(crate) fn check_with_column_renamed(
    sql: &str,
    old: &str,
    new: &str,
    dialect: Dialect,
) -> Option<String> {
    let (mut tokens, at) = column_words(sql, old, dialect)?;
    if at.is_empty() {
        return None;
    }
    for i in at {
        if let Some(Token::Word(w)) = tokens.get_mut(i) {
            w.value = new.to_string();
        }
    }
    Some(tokens.iter().map(|t| t.to_string()).collect())
}

/// The tokens of `sql` and the positions of the words naming `column` (not
/// followed by `(`, which makes them a function).
fn column_words(sql: &str, column: &str, dialect: Dialect) -> Option<(Vec<Token>, Vec<usize>)> {
    let d = dialect.sqlparser();
    let tokens = sqlparser::tokenizer::Tokenizer::new(d.as_ref(), sql)
        .tokenize()
        .ok()?;
    let ck = key(column);
    let at = tokens
        .iter()
        .enumerate()
        .filter(|(i, t)| {
            let called = tokens.iter().skip(i + 1).find(|n| split::is_significant(n))
                == Some(&Token::LParen);
            matches!(t, Token::Word(w) if key(&w.value) == ck) && !called
        })
        .map(|(i, _)| i)
        .collect();
    Some((tokens, at))
}

/// PostgreSQL's `makeObjectName`: `name1_name2_label`, the longer of the
/// two names shortened first until the whole fits in 63 bytes.
fn pg_object_name(name1: &str, name2: &str, label: &str) -> String {
    const MAX: usize = 63;
    let avail = MAX.saturating_sub(label.len() + 2);
    let (mut n1, mut n2) = (name1.len(), name2.len());
    while n1 + n2 > avail && n1 + n2 > 0 {
        if n1 > n2 {
            n1 -= 1;
        } else {
            n2 -= 1;
        }
    }
    let clip = |s: &str, mut n: usize| {
        while n > 0 && !s.is_char_boundary(n) {
            n -= 1;
        }
        s.get(..n).unwrap_or(s).to_string()
    };
    format!("{}_{}_{label}", clip(name1, n1), clip(name2, n2))
}

fn create_index(state: &mut Replay, ci: CreateIndex, at: &Location) {
    let Some(t) = table_ref(&ci.table_name) else {
        return;
    };
    let plain: Vec<String> = ci.columns.iter().filter_map(index_column).collect();
    let all_plain = plain.len() == ci.columns.len();
    if !all_plain {
        // an expression index cannot be compared with a model's index; its
        // plain columns are still checked for existence
        state.check_columns(&t, &plain, at);
        return;
    }
    let name = ci.name.as_ref().and_then(last_ident).or_else(|| {
        state
            .table(&t)
            .and_then(|tb| implicit_index_name(state.dialect, tb, &plain, "idx"))
    });
    let index = Index {
        name,
        columns: plain,
        unique: ci.unique,
        location: at.clone(),
    };
    if ci.concurrently {
        state.create_index_concurrently(&t, index, ci.if_not_exists, at);
    } else {
        state.create_index(&t, index, ci.if_not_exists, at);
    }
}

fn alter_op(
    state: &mut Replay,
    file: &SourceFile,
    t: &mut TableRef,
    op: AlterTableOperation,
    at: &Location,
) {
    match op {
        AlterTableOperation::AddColumn {
            if_not_exists,
            column_def,
            column_position,
            ..
        } => {
            let parts = column_from_def(state, file, &column_def, at);
            let name = parts.column.name.clone();
            let loc = parts.column.location.clone();
            state.add_column(t, parts.column, if_not_exists, &loc);
            place(state, t, &name, column_position.as_ref());
            if parts.primary_key {
                state.set_primary_key(t, vec![name], at);
            }
            for mut fk in parts.foreign_keys {
                if let Some(tb) = state.table(t) {
                    name_foreign_key(state.dialect, tb, &mut fk);
                }
                state.add_foreign_key(t, fk, at);
            }
            for ch in parts.checks {
                state.add_check(t, ch, at);
            }
        }
        AlterTableOperation::DropColumn {
            column_names,
            if_exists,
            ..
        } => {
            for c in column_names {
                let loc = ident_loc(file, &c, at);
                state.drop_column(t, &c.value, if_exists, &loc);
            }
        }
        AlterTableOperation::RenameColumn {
            old_column_name,
            new_column_name,
        } => state.rename_column(t, &old_column_name.value, &new_column_name.value, at),
        AlterTableOperation::RenameTable { table_name } => {
            let n = match &table_name {
                RenameTableNameKind::As(n) | RenameTableNameKind::To(n) => n,
            };
            if let Some(mut to) = table_ref(n) {
                if to.schema.is_none() {
                    to.schema = t.schema.clone();
                }
                state.rename_table(t, &to, at);
                *t = to;
            }
        }
        AlterTableOperation::AlterColumn { column_name, op } => {
            let change = match op {
                AlterColumnOperation::SetNotNull => ColumnChange::Nullable(false),
                AlterColumnOperation::DropNotNull => ColumnChange::Nullable(true),
                AlterColumnOperation::SetDefault { value } => {
                    ColumnChange::Default(Some(DefaultValue::new(value.to_string())))
                }
                AlterColumnOperation::DropDefault => ColumnChange::Default(None),
                AlterColumnOperation::SetDataType { data_type, .. } => {
                    ColumnChange::Type(convert_type(&data_type, state).0)
                }
                AlterColumnOperation::AddGenerated { .. } => ColumnChange::Autoincrement(true),
            };
            let loc = ident_loc(file, &column_name, at);
            state.alter_column(t, &column_name.value, change, &loc);
        }
        AlterTableOperation::ChangeColumn {
            old_name,
            new_name,
            data_type,
            options,
            column_position,
        } => {
            let opts: Vec<&ColumnOption> = options.iter().collect();
            let parts = build_column(state, file, &new_name, &data_type, &opts, at);
            state.alter_column(t, &old_name.value, ColumnChange::Replace(parts.column), at);
            place(state, t, &new_name.value, column_position.as_ref());
        }
        AlterTableOperation::ModifyColumn {
            col_name,
            data_type,
            options,
            column_position,
        } => {
            let opts: Vec<&ColumnOption> = options.iter().collect();
            let parts = build_column(state, file, &col_name, &data_type, &opts, at);
            state.alter_column(t, &col_name.value, ColumnChange::Replace(parts.column), at);
            place(state, t, &col_name.value, column_position.as_ref());
        }
        AlterTableOperation::AddConstraint { constraint: c, .. } => match constraint(&c, at) {
            Some(Constraint::PrimaryKey(cols)) => state.set_primary_key(t, cols, at),
            Some(Constraint::Index(mut index)) => {
                if index.name.is_none() {
                    index.name = state.table(t).and_then(|tb| {
                        implicit_index_name(state.dialect, tb, &index.columns, "key")
                    });
                }
                state.add_unique_constraint(t, index, at)
            }
            Some(Constraint::ForeignKey(mut fk)) => {
                if let Some(tb) = state.table(t) {
                    name_foreign_key(state.dialect, tb, &mut fk);
                }
                state.add_foreign_key(t, fk, at)
            }
            Some(Constraint::Check(check)) => state.add_check(t, check, at),
            None => {}
        },
        AlterTableOperation::RenameConstraint { old_name, new_name } => {
            rename_constraint(state, t, &old_name.value, &new_name.value, at)
        }
        AlterTableOperation::DropConstraint { name, .. } => {
            drop_column_unique(state, t, &name.value, at);
            state.drop_constraint(t, &name.value, at)
        }
        AlterTableOperation::DropForeignKey { name, .. } => {
            state.drop_constraint(t, &name.value, at)
        }
        AlterTableOperation::DropPrimaryKey { .. } => state.drop_primary_key(t, at),
        AlterTableOperation::DropIndex { name } => {
            state.drop_index(Some(t), &name.value, false, at)
        }
        _ => {}
    }
}

/// Applies MySQL's `FIRST` / `AFTER x` once the column is in place.
fn place(state: &mut Replay, t: &TableRef, column: &str, pos: Option<&MySQLColumnPosition>) {
    match pos {
        Some(MySQLColumnPosition::First) => state.place_column(t, column, None),
        Some(MySQLColumnPosition::After(a)) => state.place_column(t, column, Some(&a.value)),
        None => {}
    }
}

fn fk_action(a: ReferentialAction) -> FkAction {
    match a {
        ReferentialAction::Cascade => FkAction::Cascade,
        ReferentialAction::SetNull => FkAction::SetNull,
        ReferentialAction::SetDefault => FkAction::SetDefault,
        ReferentialAction::Restrict => FkAction::Restrict,
        ReferentialAction::NoAction => FkAction::NoAction,
    }
}

/// A table constraint in IR terms. `CREATE TABLE` stores it in the table it
/// builds; `ALTER TABLE ... ADD CONSTRAINT` applies it through `Replay`, which
/// checks that the table and columns exist at that point.
enum Constraint {
    PrimaryKey(Vec<String>),
    Index(Index),
    ForeignKey(ForeignKey),
    Check(Check),
}

/// None for constraints that change nothing we model, or whose column list is
/// an expression.
fn constraint(c: &TableConstraint, at: &Location) -> Option<Constraint> {
    match c {
        TableConstraint::PrimaryKey(pk) => index_columns(&pk.columns).map(Constraint::PrimaryKey),
        TableConstraint::Unique(u) => index_columns(&u.columns).map(|columns| {
            Constraint::Index(Index {
                name: u
                    .name
                    .as_ref()
                    .or(u.index_name.as_ref())
                    .map(|n| n.value.clone()),
                columns,
                unique: true,
                location: at.clone(),
            })
        }),
        TableConstraint::Index(ix) => index_columns(&ix.columns).map(|columns| {
            Constraint::Index(Index {
                name: ix.name.as_ref().map(|n| n.value.clone()),
                columns,
                unique: false,
                location: at.clone(),
            })
        }),
        TableConstraint::ForeignKey(fk) => table_ref(&fk.foreign_table).map(|r| {
            Constraint::ForeignKey(ForeignKey {
                name: fk
                    .name
                    .as_ref()
                    .or(fk.index_name.as_ref())
                    .map(|n| n.value.clone()),
                columns: fk.columns.iter().map(|i| i.value.clone()).collect(),
                ref_schema: r.schema,
                ref_table: r.name,
                ref_columns: fk
                    .referred_columns
                    .iter()
                    .map(|i| i.value.clone())
                    .collect(),
                on_delete: fk.on_delete.map(fk_action),
                on_update: fk.on_update.map(fk_action),
                location: at.clone(),
            })
        }),
        TableConstraint::Check(ch) => Some(Constraint::Check(Check {
            name: ch.name.as_ref().map(|n| n.value.clone()),
            sql: ch.expr.to_string(),
            location: at.clone(),
        })),
        _ => None,
    }
}
