//! Renders the IR as SQL in a dialect: `migraguard schema --format sql` and
//! the help text of findings (the exact statement to write).
//!
//! The output must be valid for the target database, not just readable: a
//! test applies the SQLite rendering to a real SQLite database. So every
//! construct SQLite cannot take in a CREATE TABLE (casts in defaults, arrays,
//! schema qualifiers, `ALTER TABLE ... ADD CONSTRAINT`) is spelled in a form it
//! accepts or left out.

use crate::dialect::Dialect;
use crate::schema::{key, Check, Column, EnumType, ForeignKey, Index, Schema, SqlType, Table};
use std::collections::{BTreeMap, BTreeSet};

/// Words that must be quoted as identifiers in at least one supported
/// database. Non-reserved keywords (`name`, `type`, `status`) are left bare:
/// quoting them would be correct but makes every statement noisier.
const RESERVED: &[&str] = &[
    "add",
    "all",
    "alter",
    "analyse",
    "analyze",
    "and",
    "any",
    "array",
    "as",
    "asc",
    "asymmetric",
    "authorization",
    "between",
    "binary",
    "both",
    "by",
    "case",
    "cast",
    "change",
    "check",
    "collate",
    "column",
    "constraint",
    "create",
    "cross",
    "current_date",
    "current_role",
    "current_time",
    "current_timestamp",
    "current_user",
    "database",
    "default",
    "deferrable",
    "delete",
    "desc",
    "describe",
    "distinct",
    "do",
    "drop",
    "else",
    "end",
    "except",
    "exists",
    "false",
    "fetch",
    "for",
    "foreign",
    "from",
    "full",
    "grant",
    "group",
    "having",
    "ilike",
    "in",
    "index",
    "initially",
    "inner",
    "insert",
    "intersect",
    "interval",
    "into",
    "is",
    "isnull",
    "join",
    "key",
    "keys",
    "lateral",
    "leading",
    "left",
    "like",
    "limit",
    "localtime",
    "localtimestamp",
    "natural",
    "not",
    "notnull",
    "null",
    "offset",
    "on",
    "only",
    "or",
    "order",
    "outer",
    "overlaps",
    "placing",
    "primary",
    "range",
    "references",
    "returning",
    "right",
    "rows",
    "select",
    "session_user",
    "set",
    "similar",
    "some",
    "symmetric",
    "table",
    "then",
    "to",
    "trailing",
    "transaction",
    "trigger",
    "true",
    "union",
    "unique",
    "update",
    "user",
    "using",
    "values",
    "variadic",
    "verbose",
    "view",
    "when",
    "where",
    "window",
    "with",
];

/// Quotes `name` with the dialect's quote character when it would not
/// survive unquoted: a reserved word, upper-case letters (folded by
/// PostgreSQL), or anything beyond `[a-z0-9_]`.
pub fn quote_ident(name: &str, dialect: Dialect) -> String {
    let bare = name
        .trim_matches(|c| c == '"' || c == '`' || c == '[' || c == ']')
        .to_string();
    let simple = !bare.is_empty()
        && bare
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_lowercase() || c == '_')
        && bare
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if simple && RESERVED.binary_search(&bare.as_str()).is_err() {
        return bare;
    }
    match dialect {
        Dialect::Mysql => format!("`{}`", bare.replace('`', "``")),
        Dialect::Postgresql | Dialect::Sqlite => format!("\"{}\"", bare.replace('"', "\"\"")),
    }
}

/// A possibly schema-qualified name (`billing.status`), each part quoted as
/// needed; for type names, which the IR keeps as one string.
pub fn quote_path(name: &str, dialect: Dialect) -> String {
    let quoted = name.starts_with('"') || name.starts_with('`');
    match name.split_once('.') {
        Some((s, n)) if !quoted && dialect != Dialect::Sqlite => {
            format!("{}.{}", quote_ident(s, dialect), quote_ident(n, dialect))
        }
        _ => quote_ident(name, dialect),
    }
}

/// The table's name as written in a statement. SQLite has no schemas (only
/// attached databases), so the qualifier is dropped there.
pub fn table_name(table: &Table, dialect: Dialect) -> String {
    qualified(table.schema.as_deref(), &table.name, dialect)
}

fn qualified(schema: Option<&str>, name: &str, dialect: Dialect) -> String {
    match schema {
        Some(s) if !s.is_empty() && dialect != Dialect::Sqlite => {
            format!("{}.{}", quote_ident(s, dialect), quote_ident(name, dialect))
        }
        _ => quote_ident(name, dialect),
    }
}

fn column_list(columns: &[String], dialect: Dialect) -> String {
    columns
        .iter()
        .map(|c| quote_ident(c, dialect))
        .collect::<Vec<_>>()
        .join(", ")
}

fn string_literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// The SQL spelling of a type in `dialect`, for messages and DDL. Differs
/// from `SqlType::to_sql` where that spelling is not what a user of the
/// dialect writes or would not be accepted by it.
pub fn type_sql(ty: &SqlType, dialect: Dialect) -> String {
    match (ty, dialect) {
        // SQLite has one text type; VARCHAR without a length is TEXT there.
        (SqlType::String { len: None, .. }, Dialect::Sqlite) => "TEXT".into(),
        // What SQLAlchemy emits for DateTime on SQLite.
        (SqlType::Timestamp { .. }, Dialect::Sqlite) => "DATETIME".into(),
        (SqlType::Array(_), Dialect::Sqlite | Dialect::Mysql) => "JSON".into(),
        (SqlType::Enum { name: Some(n), .. }, Dialect::Postgresql) => quote_path(n, dialect),
        (SqlType::Enum { values, .. }, Dialect::Mysql) if !values.is_empty() => ty.to_sql(dialect),
        (SqlType::Enum { values, .. }, _) => {
            let longest = values.iter().map(|v| v.chars().count()).max().unwrap_or(0);
            if longest == 0 {
                "VARCHAR(255)".into()
            } else {
                format!("VARCHAR({longest})")
            }
        }
        (SqlType::Other(raw), Dialect::Sqlite) => sqlite_type_name(raw),
        _ => ty.to_sql(dialect),
    }
}

/// SQLite accepts as a type name one or more words with an optional
/// `(n)` / `(n, m)`; anything else (`geometry(Point, 4326)`, `text[]`) is cut
/// down to its leading words so the statement still runs.
fn sqlite_type_name(raw: &str) -> String {
    let mut words = Vec::new();
    for w in raw.split_whitespace() {
        let w: String = w
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if w.is_empty() || w.starts_with(|c: char| c.is_ascii_digit()) {
            break;
        }
        let complete = raw.contains(&format!("{w} ")) || raw.ends_with(&w);
        words.push(w.to_uppercase());
        if !complete {
            break;
        }
    }
    words.join(" ")
}

/// The type a column gets in a CREATE TABLE / ADD COLUMN: autoincrementing
/// integers become SERIAL in PostgreSQL (what SQLAlchemy emits).
fn column_type(col: &Column, dialect: Dialect) -> String {
    match (&col.ty, dialect, col.autoincrement) {
        (SqlType::Integer { bytes: 8 }, Dialect::Postgresql, true) => "BIGSERIAL".into(),
        (SqlType::Integer { bytes: 1 | 2 }, Dialect::Postgresql, true) => "SMALLSERIAL".into(),
        (SqlType::Integer { .. }, Dialect::Postgresql, true) => "SERIAL".into(),
        _ => type_sql(&col.ty, dialect),
    }
}

/// A column's server default as the dialect accepts it in DDL (`'draft'`,
/// `CURRENT_TIMESTAMP`, `(datetime('now'))` in SQLite).
pub fn default_sql(col: &Column, dialect: Dialect) -> Option<String> {
    let d = col.default.as_ref()?;
    let raw = d.raw.trim();
    if raw.is_empty() {
        return None;
    }
    // A bare word is a string a model wrote unquoted (`server_default="draft"`
    // means 'draft'); as SQL it would be a column reference, which no
    // database accepts in a default.
    let lower = raw.to_ascii_lowercase();
    let bare_word = raw.chars().all(|c| c.is_alphanumeric() || c == '_')
        && raw.parse::<f64>().is_err()
        && !matches!(
            lower.as_str(),
            "null"
                | "true"
                | "false"
                | "current_timestamp"
                | "current_date"
                | "current_time"
                | "localtimestamp"
                | "localtime"
                | "current_user"
                | "session_user"
                | "user"
        );
    if bare_word {
        return Some(string_literal(raw));
    }
    if dialect != Dialect::Sqlite {
        return Some(raw.to_string());
    }
    // SQLite: no `::` casts, no bare function calls (they need parentheses).
    let v = if raw.contains("::") {
        d.normalized.clone()
    } else {
        raw.to_string()
    };
    Some(match v.to_ascii_lowercase().as_str() {
        "current_timestamp" | "now()" | "current_timestamp()" => "CURRENT_TIMESTAMP".into(),
        "current_date" | "current_time" | "null" => v.to_uppercase(),
        "true" => "1".into(),
        "false" => "0".into(),
        _ if is_sqlite_literal(&v) => v,
        _ if v.starts_with('(') && v.ends_with(')') => v,
        _ => format!("({v})"),
    })
}

fn is_sqlite_literal(v: &str) -> bool {
    let t = v.trim();
    let quoted = t.len() >= 2
        && t.starts_with('\'')
        && t.ends_with('\'')
        && !t[1..t.len() - 1].replace("''", "").contains('\'');
    let number = t
        .strip_prefix(['-', '+'])
        .unwrap_or(t)
        .parse::<f64>()
        .is_ok();
    quoted || number
}

/// `name TYPE [NOT NULL] [DEFAULT x] [UNIQUE]`: a column as written in
/// CREATE TABLE or ADD COLUMN, without PRIMARY KEY (that depends on the table).
pub fn column_definition(col: &Column, dialect: Dialect) -> String {
    column_def(col, dialect, ColumnRole::Plain)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum ColumnRole {
    Plain,
    /// The single primary-key column, declared inline.
    InlinePk,
    /// SQLite `INTEGER PRIMARY KEY`: the rowid alias, which is how SQLite
    /// autoincrements (its declared type must be exactly INTEGER).
    RowidPk,
    /// Member of a composite or table-level primary key.
    PkMember,
}

fn column_def(col: &Column, dialect: Dialect, role: ColumnRole) -> String {
    let name = quote_ident(&col.name, dialect);
    if role == ColumnRole::RowidPk {
        return format!("{name} INTEGER PRIMARY KEY");
    }
    let mut out = format!("{name} {}", column_type(col, dialect));
    let not_null = !col.nullable || matches!(role, ColumnRole::InlinePk | ColumnRole::PkMember);
    if not_null {
        out.push_str(" NOT NULL");
    }
    if dialect == Dialect::Mysql && col.autoincrement && matches!(col.ty, SqlType::Integer { .. }) {
        out.push_str(" AUTO_INCREMENT");
    }
    if let Some(d) = default_sql(col, dialect) {
        out.push_str(" DEFAULT ");
        out.push_str(&d);
    }
    if role == ColumnRole::InlinePk {
        out.push_str(" PRIMARY KEY");
    } else if col.unique {
        out.push_str(" UNIQUE");
    }
    if let Some(check) = enum_check(col, dialect) {
        out.push(' ');
        out.push_str(&check);
    }
    out
}

/// Where the database has no enum type (SQLite, PostgreSQL without a type
/// name) an enum is a VARCHAR with a CHECK, as SQLAlchemy's non-native enum.
fn enum_check(col: &Column, dialect: Dialect) -> Option<String> {
    let SqlType::Enum { name, values } = &col.ty else {
        return None;
    };
    let native = match dialect {
        Dialect::Mysql => true,
        Dialect::Postgresql => name.is_some(),
        Dialect::Sqlite => false,
    };
    if native || values.is_empty() {
        return None;
    }
    Some(format!(
        "CHECK ({} IN ({}))",
        quote_ident(&col.name, dialect),
        values
            .iter()
            .map(|v| string_literal(v))
            .collect::<Vec<_>>()
            .join(", ")
    ))
}

/// `ALTER TABLE t ADD COLUMN c TYPE ...;`. SQLite refuses ADD COLUMN with
/// UNIQUE, so there a unique column comes as two statements on two lines:
/// the ADD COLUMN and a `CREATE UNIQUE INDEX`.
pub fn add_column(table: &Table, col: &Column, dialect: Dialect) -> String {
    let sqlite_unique = dialect == Dialect::Sqlite && col.unique;
    let mut def = col.clone();
    if sqlite_unique {
        def.unique = false;
    }
    let add = format!(
        "ALTER TABLE {} ADD COLUMN {};",
        table_name(table, dialect),
        column_definition(&def, dialect)
    );
    if !sqlite_unique {
        return add;
    }
    let ix = Index {
        name: None,
        columns: vec![col.name.clone()],
        unique: true,
        location: col.location.clone(),
    };
    format!("{add}\n{}", create_index(table, &ix, dialect))
}

/// Whether SQLite's ADD COLUMN accepts this column's default: it must be a
/// constant (no CURRENT_TIMESTAMP, no expression).
pub fn sqlite_constant_default(col: &Column) -> bool {
    match default_sql(col, Dialect::Sqlite) {
        None => true,
        Some(d) => is_sqlite_literal(&d) || d.eq_ignore_ascii_case("null"),
    }
}

/// The name an index gets when the IR has none, following SQLAlchemy's
/// naming (`ix_table_col`, `uq_table_col`) so the help matches autogenerate.
pub fn index_name(table: &Table, index: &Index) -> String {
    if let Some(n) = &index.name {
        return n.clone();
    }
    let prefix = if index.unique { "uq" } else { "ix" };
    let cols: Vec<String> = index.columns.iter().map(|c| key(c)).collect();
    format!("{prefix}_{}_{}", key(&table.name), cols.join("_"))
}

/// `CREATE [UNIQUE] INDEX name ON t (cols);`
pub fn create_index(table: &Table, index: &Index, dialect: Dialect) -> String {
    // PostgreSQL puts an index in its table's schema and rejects a qualifier.
    let name = quote_ident(&index_name(table, index), dialect);
    format!(
        "CREATE {}INDEX {} ON {} ({});",
        if index.unique { "UNIQUE " } else { "" },
        name,
        table_name(table, dialect),
        column_list(&index.columns, dialect)
    )
}

/// `CREATE TYPE name AS ENUM (...);`, PostgreSQL only.
pub fn create_enum_type(e: &EnumType, dialect: Dialect) -> Option<String> {
    if dialect != Dialect::Postgresql {
        return None;
    }
    // A Diesel schema.rs names its enum types but never their values: an
    // empty `AS ENUM ()` would be valid SQL that says something false.
    if e.values.is_empty() {
        return Some(format!(
            "-- CREATE TYPE {} AS ENUM (...); the models do not list its values",
            quote_path(&e.name, dialect)
        ));
    }
    Some(format!(
        "CREATE TYPE {} AS ENUM ({});",
        quote_path(&e.name, dialect),
        e.values
            .iter()
            .map(|v| string_literal(v))
            .collect::<Vec<_>>()
            .join(", ")
    ))
}

fn foreign_key_clause(fk: &ForeignKey, dialect: Dialect) -> String {
    let mut out = String::new();
    if let Some(n) = &fk.name {
        out.push_str(&format!("CONSTRAINT {} ", quote_ident(n, dialect)));
    }
    out.push_str(&format!(
        "FOREIGN KEY ({}) REFERENCES {}",
        column_list(&fk.columns, dialect),
        qualified(fk.ref_schema.as_deref(), &fk.ref_table, dialect)
    ));
    if !fk.ref_columns.is_empty() {
        out.push_str(&format!(" ({})", column_list(&fk.ref_columns, dialect)));
    }
    out.push_str(&fk_actions(fk));
    out
}

/// ` ON DELETE ... ON UPDATE ...` for the actions a foreign key states; the
/// same spelling is valid in PostgreSQL, MySQL and SQLite.
pub fn fk_actions(fk: &ForeignKey) -> String {
    let mut out = String::new();
    if let Some(a) = fk.on_delete {
        out.push_str(&format!(" ON DELETE {}", a.sql()));
    }
    if let Some(a) = fk.on_update {
        out.push_str(&format!(" ON UPDATE {}", a.sql()));
    }
    out
}

/// A CHECK constraint's expression, whether the IR kept it with or without
/// the `CHECK` keyword (a column named `checked` is left alone).
pub(crate) fn strip_check_keyword(sql: &str) -> &str {
    let body = sql.trim().trim_end_matches(';').trim();
    let keyword = body
        .get(..5)
        .is_some_and(|k| k.eq_ignore_ascii_case("check"));
    let rest = body.get(5..).unwrap_or("");
    if keyword && rest.starts_with(|c: char| c.is_whitespace() || c == '(') {
        rest.trim()
    } else {
        body
    }
}

fn check_clause(check: &Check, dialect: Dialect) -> Option<String> {
    let body = strip_check_keyword(&check.sql);
    if body.is_empty() {
        return None;
    }
    let body = if body.starts_with('(') && body.ends_with(')') {
        body.to_string()
    } else {
        format!("({body})")
    };
    Some(match &check.name {
        Some(n) => format!("CONSTRAINT {} CHECK {body}", quote_ident(n, dialect)),
        None => format!("CHECK {body}"),
    })
}

fn is_rowid_pk(pk: &[String], col: &Column, dialect: Dialect) -> bool {
    dialect == Dialect::Sqlite
        && pk.len() == 1
        && in_list(pk, &col.name)
        && matches!(col.ty, SqlType::Integer { bytes }
            if col.autoincrement || bytes == 4)
}

fn in_list(list: &[String], name: &str) -> bool {
    let k = key(name);
    list.iter().any(|c| key(c) == k)
}

/// Whether every column of `cols` exists in the table: a constraint over a
/// column the IR does not have (a frontend's partial view) would make the
/// whole statement fail, so it is left out instead.
fn has_columns(table: &Table, cols: &[String]) -> bool {
    !cols.is_empty() && cols.iter().all(|c| table.column(c).is_some())
}

/// The primary key restricted to columns the table has, without repeats.
fn effective_pk(table: &Table) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for c in &table.primary_key {
        if table.column(c).is_some() && !in_list(&out, c) {
            out.push(c.clone());
        }
    }
    out
}

/// The unnamed unique indexes that read best as a table constraint inside
/// CREATE TABLE (what `UniqueConstraint(...)` renders), minus the ones a
/// column-level UNIQUE or the primary key already says.
fn inline_uniques(table: &Table) -> Vec<&Index> {
    table
        .indexes
        .iter()
        .filter(|ix| ix.unique && ix.name.is_none() && has_columns(table, &ix.columns))
        .filter(|ix| !redundant_unique(table, ix))
        .collect()
}

fn redundant_unique(table: &Table, ix: &Index) -> bool {
    let set: BTreeSet<String> = ix.columns.iter().map(|c| key(c)).collect();
    let pk: BTreeSet<String> = table.primary_key.iter().map(|c| key(c)).collect();
    if set == pk {
        return true;
    }
    match ix.columns.as_slice() {
        [one] => table.column(one).is_some_and(|c| c.unique),
        _ => false,
    }
}

/// `CREATE TABLE` with every column, the primary key, unnamed unique
/// constraints, foreign keys and checks. Named and non-unique indexes are
/// separate statements (`create_index`). `schema` supplies nothing today but
/// keeps the signature stable for renderings that need other tables.
pub fn create_table(table: &Table, _schema: &Schema, dialect: Dialect) -> String {
    if table.columns.is_empty() {
        // Only PostgreSQL takes a table without columns; elsewhere say so in
        // a comment rather than print a statement that fails.
        return match dialect {
            Dialect::Postgresql => format!("CREATE TABLE {} ();", table_name(table, dialect)),
            _ => format!(
                "-- CREATE TABLE {}: no column of this table could be resolved",
                table_name(table, dialect)
            ),
        };
    }
    let mut lines: Vec<String> = Vec::new();
    let pk = effective_pk(table);
    let mut seen: Vec<String> = Vec::new();
    for col in &table.columns {
        if in_list(&seen, &col.name) {
            continue;
        }
        seen.push(col.name.clone());
        let role = if is_rowid_pk(&pk, col, dialect) {
            ColumnRole::RowidPk
        } else if pk.len() == 1 && in_list(&pk, &col.name) {
            ColumnRole::InlinePk
        } else if in_list(&pk, &col.name) {
            ColumnRole::PkMember
        } else {
            ColumnRole::Plain
        };
        lines.push(column_def(col, dialect, role));
    }
    if pk.len() > 1 {
        lines.push(format!("PRIMARY KEY ({})", column_list(&pk, dialect)));
    }
    for ix in inline_uniques(table) {
        lines.push(format!("UNIQUE ({})", column_list(&ix.columns, dialect)));
    }
    for fk in &table.foreign_keys {
        let arity_ok = fk.ref_columns.is_empty() || fk.ref_columns.len() == fk.columns.len();
        if has_columns(table, &fk.columns) && !fk.ref_table.is_empty() && arity_ok {
            lines.push(foreign_key_clause(fk, dialect));
        }
    }
    for check in &table.checks {
        if let Some(c) = check_clause(check, dialect) {
            lines.push(c);
        }
    }
    let body = lines
        .iter()
        .map(|l| format!("    {l}"))
        .collect::<Vec<_>>()
        .join(",\n");
    format!("CREATE TABLE {} (\n{body}\n);", table_name(table, dialect))
}

/// The separate index statements of a table (see `create_table`).
pub fn table_indexes(table: &Table, dialect: Dialect) -> Vec<String> {
    indexed_statements(table, dialect)
        .into_iter()
        .map(|(_, s)| s)
        .collect()
}

fn indexed_statements(table: &Table, dialect: Dialect) -> Vec<(&Index, String)> {
    let inline = inline_uniques(table);
    table
        .indexes
        .iter()
        .filter(|ix| !table.columns.is_empty() && has_columns(table, &ix.columns))
        .filter(|ix| !inline.iter().any(|i| std::ptr::eq(*i, *ix)))
        .filter(|ix| !(ix.unique && ix.name.is_none() && redundant_unique(table, ix)))
        .map(|ix| (ix, create_index(table, ix, dialect)))
        .collect()
}

/// Enum types the schema needs: the declared ones and, for a model schema,
/// the named enums its columns use (models declare them only on columns).
fn enum_types(schema: &Schema) -> Vec<EnumType> {
    let mut out: BTreeMap<String, EnumType> = schema
        .enums
        .iter()
        .map(|(k, e)| (k.clone(), e.clone()))
        .collect();
    for table in schema.tables.values() {
        for col in &table.columns {
            let ty = match &col.ty {
                SqlType::Array(inner) => inner.as_ref(),
                t => t,
            };
            if let SqlType::Enum {
                name: Some(n),
                values,
            } = ty
            {
                out.entry(key(n)).or_insert_with(|| EnumType {
                    name: n.clone(),
                    values: values.clone(),
                    location: col.location.clone(),
                });
            }
        }
    }
    out.into_values().collect()
}

/// Tables in an order where a referenced table comes before the tables that
/// reference it (PostgreSQL and MySQL check that at CREATE time), otherwise
/// by key; cycles fall back to key order.
fn creation_order(schema: &Schema) -> Vec<&Table> {
    fn visit<'a>(
        k: &str,
        schema: &'a Schema,
        state: &mut BTreeMap<String, bool>,
        out: &mut Vec<&'a Table>,
    ) {
        if state.contains_key(k) {
            return;
        }
        let Some(table) = schema.tables.get(k) else {
            return;
        };
        state.insert(k.to_string(), false);
        let mut deps: Vec<String> = table
            .foreign_keys
            .iter()
            .map(|fk| crate::schema::table_key(fk.ref_schema.as_deref(), &fk.ref_table))
            .filter(|d| d != k)
            .collect();
        deps.sort();
        deps.dedup();
        for d in deps {
            visit(&d, schema, state, out);
        }
        state.insert(k.to_string(), true);
        out.push(table);
    }
    let mut state = BTreeMap::new();
    let mut out = Vec::with_capacity(schema.tables.len());
    for k in schema.tables.keys() {
        visit(k, schema, &mut state, &mut out);
    }
    out
}

/// The whole schema as a script: enum types, tables, then indexes, in a
/// deterministic order. What `migraguard schema --format sql` prints.
pub fn schema_sql(schema: &Schema, dialect: Dialect) -> String {
    let mut parts: Vec<String> = Vec::new();
    for e in enum_types(schema) {
        if let Some(s) = create_enum_type(&e, dialect) {
            parts.push(s);
        }
    }
    let tables = creation_order(schema);
    for t in &tables {
        parts.push(create_table(t, schema, dialect));
    }
    let mut indexes: Vec<String> = Vec::new();
    // Index names are per database in SQLite and per schema elsewhere; a
    // second index of the same name would fail the script.
    let mut names = std::collections::BTreeSet::new();
    for t in &tables {
        for (ix, stmt) in indexed_statements(t, dialect) {
            if names.insert(key(&index_name(t, ix))) {
                indexes.push(stmt);
            }
        }
    }
    let mut out = parts.join("\n\n");
    if !indexes.is_empty() {
        if !out.is_empty() {
            out.push_str("\n\n");
        }
        out.push_str(&indexes.join("\n"));
    }
    if !out.is_empty() {
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{DefaultValue, FkAction};
    use crate::source::Location;

    fn loc() -> Location {
        Location::line("t.sql", 1)
    }

    #[test]
    fn an_enum_without_known_values_is_not_rendered_as_an_empty_enum() {
        let mood = EnumType {
            name: "mood".into(),
            values: Vec::new(),
            location: loc(),
        };
        let sql = create_enum_type(&mood, Dialect::Postgresql).unwrap();
        assert!(sql.starts_with("-- "), "{sql}");
        assert!(!sql.contains("ENUM ()"), "{sql}");
        assert_eq!(create_enum_type(&mood, Dialect::Sqlite), None);
    }

    fn col(name: &str, ty: &str, nullable: bool) -> Column {
        let mut c = Column::new(name, SqlType::from_sql_name(ty), loc());
        c.nullable = nullable;
        c
    }

    fn sample() -> Schema {
        let mut s = Schema::default();
        let mut users = Table::new("users", None, loc());
        let mut id = col("id", "integer", false);
        id.autoincrement = true;
        users.columns.push(id);
        let mut email = col("email", "varchar(120)", false);
        email.unique = true;
        users.columns.push(email);
        let mut active = col("active", "boolean", false);
        active.default = Some(DefaultValue::new("true"));
        users.columns.push(active);
        let mut created = col("created_at", "timestamp", true);
        created.default = Some(DefaultValue::new("now()"));
        users.columns.push(created);
        users.columns.push(col("order", "integer", true));
        let mut status = Column::new(
            "status",
            SqlType::Enum {
                name: Some("user_status".into()),
                values: vec!["active".into(), "banned".into()],
            },
            loc(),
        );
        status.nullable = false;
        status.default = Some(DefaultValue::new("'active'::user_status"));
        users.columns.push(status);
        users.primary_key = vec!["id".into()];
        users.indexes.push(Index {
            name: Some("ix_users_created_at".into()),
            columns: vec!["created_at".into()],
            unique: false,
            location: loc(),
        });
        s.insert_table(users);

        let mut memberships = Table::new("memberships", None, loc());
        memberships.columns.push(col("user_id", "bigint", false));
        memberships.columns.push(col("group_id", "integer", false));
        memberships.columns.push(col("Role", "varchar", true));
        memberships.primary_key = vec!["user_id".into(), "group_id".into()];
        memberships.foreign_keys.push(ForeignKey {
            name: None,
            columns: vec!["user_id".into()],
            ref_schema: None,
            ref_table: "users".into(),
            ref_columns: vec!["id".into()],
            on_delete: Some(FkAction::Cascade),
            on_update: None,
            location: loc(),
        });
        memberships.indexes.push(Index {
            name: None,
            columns: vec!["group_id".into(), "Role".into()],
            unique: true,
            location: loc(),
        });
        memberships.checks.push(Check {
            name: Some("ck_role".into()),
            sql: "CHECK (length(\"Role\") > 0)".into(),
            location: loc(),
        });
        s.insert_table(memberships);
        s
    }

    #[test]
    fn quotes_only_when_needed() {
        assert_eq!(quote_ident("users", Dialect::Postgresql), "users");
        assert_eq!(quote_ident("user", Dialect::Postgresql), "\"user\"");
        assert_eq!(quote_ident("order", Dialect::Mysql), "`order`");
        assert_eq!(quote_ident("Role", Dialect::Sqlite), "\"Role\"");
        assert_eq!(quote_ident("my col", Dialect::Sqlite), "\"my col\"");
        assert_eq!(quote_ident("status", Dialect::Sqlite), "status");
        assert_eq!(quote_ident("\"users\"", Dialect::Sqlite), "users");
        // RESERVED must stay sorted for binary_search
        let mut sorted = RESERVED.to_vec();
        sorted.sort_unstable();
        assert_eq!(sorted, RESERVED);
    }

    #[test]
    fn add_column_in_each_dialect() {
        let t = Table::new("services", None, loc());
        let c = col("description", "varchar", true);
        assert_eq!(
            add_column(&t, &c, Dialect::Sqlite),
            "ALTER TABLE services ADD COLUMN description TEXT;"
        );
        assert_eq!(
            add_column(&t, &c, Dialect::Postgresql),
            "ALTER TABLE services ADD COLUMN description VARCHAR;"
        );
        assert_eq!(
            add_column(&t, &c, Dialect::Mysql),
            "ALTER TABLE services ADD COLUMN description VARCHAR(255);"
        );
        let mut d = col("job_serial", "varchar(20)", false);
        d.default = Some(DefaultValue::new("'x'::character varying"));
        assert_eq!(
            add_column(&t, &d, Dialect::Postgresql),
            "ALTER TABLE services ADD COLUMN job_serial VARCHAR(20) NOT NULL DEFAULT 'x'::character varying;"
        );
        assert_eq!(
            add_column(&t, &d, Dialect::Sqlite),
            "ALTER TABLE services ADD COLUMN job_serial VARCHAR(20) NOT NULL DEFAULT 'x';"
        );
        assert!(sqlite_constant_default(&d));
        let mut w = col("state", "varchar(9)", true);
        w.default = Some(DefaultValue::new("draft"));
        assert_eq!(
            add_column(&t, &w, Dialect::Postgresql),
            "ALTER TABLE services ADD COLUMN state VARCHAR(9) DEFAULT 'draft';"
        );
        w.default = Some(DefaultValue::new("CURRENT_TIMESTAMP"));
        assert!(add_column(&t, &w, Dialect::Postgresql).ends_with("DEFAULT CURRENT_TIMESTAMP;"));
        d.unique = true;
        assert_eq!(
            add_column(&t, &d, Dialect::Sqlite),
            "ALTER TABLE services ADD COLUMN job_serial VARCHAR(20) NOT NULL DEFAULT 'x';\nCREATE UNIQUE INDEX uq_services_job_serial ON services (job_serial);"
        );
        assert!(add_column(&t, &d, Dialect::Postgresql)
            .ends_with("DEFAULT 'x'::character varying UNIQUE;"));
        d.default = Some(DefaultValue::new("CURRENT_TIMESTAMP"));
        assert!(!sqlite_constant_default(&d));
    }

    #[test]
    fn renders_postgresql_enums_first_and_serial_keys() {
        let sql = schema_sql(&sample(), Dialect::Postgresql);
        assert!(
            sql.starts_with("CREATE TYPE user_status AS ENUM ('active', 'banned');"),
            "{sql}"
        );
        assert!(sql.contains("    id SERIAL NOT NULL PRIMARY KEY,"), "{sql}");
        assert!(sql.contains("\"order\" INTEGER"), "{sql}");
        // users is referenced by memberships, so it is created first
        let u = sql.find("CREATE TABLE users").unwrap();
        let m = sql.find("CREATE TABLE memberships").unwrap();
        assert!(u < m, "{sql}");
        assert!(sql.ends_with("CREATE INDEX ix_users_created_at ON users (created_at);\n"));
        assert_eq!(sql, schema_sql(&sample(), Dialect::Postgresql));
    }

    #[test]
    fn renders_mysql_enum_inline() {
        let sql = schema_sql(&sample(), Dialect::Mysql);
        assert!(!sql.contains("CREATE TYPE"), "{sql}");
        assert!(
            sql.contains("status ENUM('active', 'banned') NOT NULL"),
            "{sql}"
        );
        assert!(sql.contains("`order` INTEGER"), "{sql}");
        assert!(
            sql.contains("id INTEGER NOT NULL AUTO_INCREMENT PRIMARY KEY"),
            "{sql}"
        );
    }

    #[test]
    fn sqlite_rendering_runs_in_sqlite() {
        let schema = sample();
        let sql = schema_sql(&schema, Dialect::Sqlite);
        let db = rusqlite::Connection::open_in_memory().unwrap();
        db.execute_batch(&sql)
            .unwrap_or_else(|e| panic!("{e}\n{sql}"));

        for table in schema.tables.values() {
            let mut stmt = db
                .prepare(&format!(
                    "PRAGMA table_info({})",
                    quote_ident(&table.name, Dialect::Sqlite)
                ))
                .unwrap();
            let rows: Vec<(String, String, bool, i64)> = stmt
                .query_map([], |r| Ok((r.get(1)?, r.get(2)?, r.get(3)?, r.get(5)?)))
                .unwrap()
                .collect::<Result<_, _>>()
                .unwrap();
            assert_eq!(rows.len(), table.columns.len(), "{}", table.name);
            for ((name, ty, notnull, pk), c) in rows.iter().zip(&table.columns) {
                assert_eq!(name, &c.name);
                // the declared type reads back to the same normalized type
                let back = SqlType::from_sql_name(ty);
                let expected = match &c.ty {
                    SqlType::Enum { values, .. } => SqlType::String {
                        len: values.iter().map(|v| v.len() as u32).max(),
                        fixed: false,
                    },
                    SqlType::String { len: None, .. } => SqlType::Text,
                    t => t.clone(),
                };
                assert_eq!(back, expected, "{}.{}", table.name, c.name);
                let is_pk = table.is_primary_key(&c.name);
                assert_eq!(*pk > 0, is_pk, "{}.{} pk", table.name, c.name);
                // SQLite reports the rowid alias as nullable
                if !(is_pk && table.primary_key.len() == 1) {
                    assert_eq!(*notnull, !c.nullable || is_pk, "{}.{}", table.name, c.name);
                }
            }
        }
        // the enum CHECK and the boolean default are enforced
        assert!(db
            .execute(
                "INSERT INTO users (email, status) VALUES ('a@b', 'nope')",
                []
            )
            .is_err());
        db.execute("INSERT INTO users (email) VALUES ('a@b')", [])
            .unwrap();
        let (active, id): (i64, i64) = db
            .query_row("SELECT active, id FROM users", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        assert_eq!((active, id), (1, 1));
        assert!(db
            .execute("INSERT INTO users (email) VALUES ('a@b')", [])
            .is_err());
        let idx: i64 = db
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name = 'ix_users_created_at'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(idx, 1);
        // the foreign key's ON DELETE CASCADE reached the database
        let on_delete: String = db
            .query_row(
                "SELECT on_delete FROM pragma_foreign_key_list('memberships')",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(on_delete, "CASCADE");
    }

    #[test]
    fn foreign_key_actions_render_in_every_dialect() {
        let schema = sample();
        let Some(memberships) = schema.tables.values().find(|t| t.name == "memberships") else {
            panic!("sample has memberships");
        };
        for d in [Dialect::Postgresql, Dialect::Mysql, Dialect::Sqlite] {
            let sql = create_table(memberships, &schema, d);
            assert!(
                sql.contains("REFERENCES users (id) ON DELETE CASCADE"),
                "{sql}"
            );
            assert!(!sql.contains("ON UPDATE"), "{sql}");
        }
        let mut fk = memberships.foreign_keys[0].clone();
        fk.on_delete = None;
        fk.on_update = Some(FkAction::SetNull);
        assert_eq!(fk_actions(&fk), " ON UPDATE SET NULL");
    }

    #[test]
    fn tables_without_columns_still_render_valid_sql() {
        let mut s = sample();
        s.insert_table(Table::new("opaque", None, loc()));
        let sql = schema_sql(&s, Dialect::Sqlite);
        let db = rusqlite::Connection::open_in_memory().unwrap();
        db.execute_batch(&sql)
            .unwrap_or_else(|e| panic!("{e}\n{sql}"));
        assert!(schema_sql(&s, Dialect::Postgresql).contains("CREATE TABLE opaque ();"));
        assert_eq!(
            quote_path("billing.Status", Dialect::Postgresql),
            "billing.\"Status\""
        );
    }

    #[test]
    fn check_keyword_is_stripped_only_as_a_keyword() {
        assert_eq!(strip_check_keyword("CHECK (a > 0);"), "(a > 0)");
        assert_eq!(strip_check_keyword("check(a > 0)"), "(a > 0)");
        assert_eq!(strip_check_keyword("checked IN (1)"), "checked IN (1)");
        assert_eq!(strip_check_keyword("chécké"), "chécké");
        assert_eq!(strip_check_keyword("é"), "é");
    }

    #[test]
    fn sqlite_cuts_types_it_cannot_parse() {
        assert_eq!(sqlite_type_name("geometry(point, 4326)"), "GEOMETRY");
        assert_eq!(sqlite_type_name("double precision"), "DOUBLE PRECISION");
        assert_eq!(
            type_sql(&SqlType::Array(Box::new(SqlType::Text)), Dialect::Sqlite),
            "JSON"
        );
        let t = Table::new("x", Some("analytics".into()), loc());
        assert_eq!(table_name(&t, Dialect::Sqlite), "x");
        assert_eq!(table_name(&t, Dialect::Postgresql), "analytics.x");
    }
}
