//! The schema IR shared by every frontend and the diff: tables, columns,
//! normalized types, nullability, defaults, keys, indexes, foreign keys and
//! enums, each element carrying the `Location` it came from.
//!
//! Names are stored as written; lookups go through `key()` (lower-cased,
//! unquoted) because every supported database folds unquoted identifiers and
//! models rarely quote.

pub mod render;
pub mod types;

pub use types::SqlType;

use crate::source::Location;
use serde::Serialize;
use std::collections::BTreeMap;

/// Lookup key for a table or column name.
pub fn key(name: &str) -> String {
    name.trim_matches(|c| c == '"' || c == '`' || c == '[' || c == ']')
        .to_ascii_lowercase()
}

/// Lookup key for a possibly schema-qualified table. The default schema
/// (`public`, `main`, none) is dropped so `public.users` and `users` meet.
pub fn table_key(schema: Option<&str>, name: &str) -> String {
    match schema.map(key) {
        Some(s) if !s.is_empty() && s != "public" && s != "main" && s != "dbo" => {
            format!("{s}.{}", key(name))
        }
        _ => key(name),
    }
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct Schema {
    /// Keyed by `table_key`.
    pub tables: BTreeMap<String, Table>,
    /// Named database enum types (PostgreSQL `CREATE TYPE ... AS ENUM`), keyed by `key`.
    pub enums: BTreeMap<String, EnumType>,
}

impl Schema {
    pub fn table(&self, schema: Option<&str>, name: &str) -> Option<&Table> {
        self.tables.get(&table_key(schema, name))
    }

    pub fn table_mut(&mut self, schema: Option<&str>, name: &str) -> Option<&mut Table> {
        self.tables.get_mut(&table_key(schema, name))
    }

    /// Inserts or replaces a table under its key.
    pub fn insert_table(&mut self, table: Table) {
        self.tables.insert(table.key(), table);
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Table {
    pub name: String,
    pub schema: Option<String>,
    pub columns: Vec<Column>,
    /// Column names of the primary key, in key order; empty when none is declared.
    pub primary_key: Vec<String>,
    pub indexes: Vec<Index>,
    pub foreign_keys: Vec<ForeignKey>,
    /// CHECK constraints as raw SQL (kept for enum-by-check comparisons).
    pub checks: Vec<Check>,
    /// Where the table was declared (model class / `CREATE TABLE`).
    pub location: Location,
}

impl Table {
    pub fn new(name: impl Into<String>, schema: Option<String>, location: Location) -> Self {
        Table {
            name: name.into(),
            schema,
            columns: Vec::new(),
            primary_key: Vec::new(),
            indexes: Vec::new(),
            foreign_keys: Vec::new(),
            checks: Vec::new(),
            location,
        }
    }

    pub fn key(&self) -> String {
        table_key(self.schema.as_deref(), &self.name)
    }

    /// `schema.name` when qualified, else the name; for messages.
    pub fn display_name(&self) -> String {
        match &self.schema {
            Some(s) => format!("{s}.{}", self.name),
            None => self.name.clone(),
        }
    }

    pub fn column(&self, name: &str) -> Option<&Column> {
        let k = key(name);
        self.columns.iter().find(|c| key(&c.name) == k)
    }

    pub fn column_mut(&mut self, name: &str) -> Option<&mut Column> {
        let k = key(name);
        self.columns.iter_mut().find(|c| key(&c.name) == k)
    }

    pub fn is_primary_key(&self, column: &str) -> bool {
        let k = key(column);
        self.primary_key.iter().any(|c| key(c) == k)
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Column {
    pub name: String,
    pub ty: SqlType,
    pub nullable: bool,
    /// Server-side default (SQL `DEFAULT`, SQLAlchemy `server_default`).
    pub default: Option<DefaultValue>,
    /// The ORM fills the value itself (`default=`, `default_factory=`): the
    /// database needs no default for inserts made through the model.
    pub client_default: bool,
    /// Column-level UNIQUE (table-level unique constraints live in `indexes`).
    pub unique: bool,
    /// AUTOINCREMENT / SERIAL / IDENTITY / generated: the database supplies the value.
    pub autoincrement: bool,
    /// Where the column was declared or added.
    pub location: Location,
    /// Migrated side: the statement that last changed the column after it
    /// was added (ALTER COLUMN type, nullability, default; MySQL MODIFY).
    /// A generated model (Diesel's schema.rs) that disagrees with the column
    /// is stale about that change rather than wrong.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changed_at: Option<Location>,
}

impl Column {
    pub fn new(name: impl Into<String>, ty: SqlType, location: Location) -> Self {
        Column {
            name: name.into(),
            ty,
            nullable: true,
            default: None,
            client_default: false,
            unique: false,
            autoincrement: false,
            location,
            changed_at: None,
        }
    }
}

/// A server default. `raw` is as written; `normalized` is what comparisons use
/// (quotes, casts and case folded, e.g. `'0'::integer` -> `0`, `now()` ->
/// `current_timestamp`).
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct DefaultValue {
    pub raw: String,
    pub normalized: String,
}

impl DefaultValue {
    pub fn new(raw: impl Into<String>) -> Self {
        let raw = raw.into();
        let normalized = types::normalize_default(&raw);
        DefaultValue { raw, normalized }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Index {
    pub name: Option<String>,
    pub columns: Vec<String>,
    pub unique: bool,
    pub location: Location,
}

#[derive(Clone, Debug, Serialize)]
pub struct ForeignKey {
    pub name: Option<String>,
    pub columns: Vec<String>,
    pub ref_schema: Option<String>,
    pub ref_table: String,
    pub ref_columns: Vec<String>,
    /// None: not stated, which every database takes as NO ACTION.
    pub on_delete: Option<FkAction>,
    pub on_update: Option<FkAction>,
    pub location: Location,
}

/// A referential action (`ON DELETE CASCADE`, `ondelete="SET NULL"`).
#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum FkAction {
    Cascade,
    SetNull,
    SetDefault,
    Restrict,
    NoAction,
}

impl FkAction {
    /// Reads the SQL / SQLAlchemy spelling (`"CASCADE"`, `"set null"`,
    /// `"NO  ACTION"`); None for anything else, which the diff then ignores.
    pub fn parse(s: &str) -> Option<FkAction> {
        let words: Vec<String> = s.split_whitespace().map(str::to_ascii_uppercase).collect();
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        match words.as_slice() {
            ["CASCADE"] => Some(FkAction::Cascade),
            ["SET", "NULL"] => Some(FkAction::SetNull),
            ["SET", "DEFAULT"] => Some(FkAction::SetDefault),
            ["RESTRICT"] => Some(FkAction::Restrict),
            ["NO", "ACTION"] => Some(FkAction::NoAction),
            _ => None,
        }
    }

    /// The SQL spelling, as it follows `ON DELETE` / `ON UPDATE`.
    pub fn sql(self) -> &'static str {
        match self {
            FkAction::Cascade => "CASCADE",
            FkAction::SetNull => "SET NULL",
            FkAction::SetDefault => "SET DEFAULT",
            FkAction::Restrict => "RESTRICT",
            FkAction::NoAction => "NO ACTION",
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Check {
    pub name: Option<String>,
    pub sql: String,
    pub location: Location,
}

#[derive(Clone, Debug, Serialize)]
pub struct EnumType {
    pub name: String,
    pub values: Vec<String>,
    pub location: Location,
}

#[cfg(test)]
mod tests {
    use super::FkAction;

    #[test]
    fn fk_actions_parse_sql_and_sqlalchemy_spellings() {
        assert_eq!(FkAction::parse("CASCADE"), Some(FkAction::Cascade));
        assert_eq!(FkAction::parse("set null"), Some(FkAction::SetNull));
        assert_eq!(
            FkAction::parse(" Set  Default "),
            Some(FkAction::SetDefault)
        );
        assert_eq!(FkAction::parse("restrict"), Some(FkAction::Restrict));
        assert_eq!(FkAction::parse("NO ACTION"), Some(FkAction::NoAction));
        assert_eq!(FkAction::parse("SETNULL"), None);
        assert_eq!(FkAction::parse(""), None);
        assert_eq!(
            serde_json::to_string(&FkAction::SetNull).ok().as_deref(),
            Some("\"set_null\"")
        );
    }
}
