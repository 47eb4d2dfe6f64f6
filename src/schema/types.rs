//! Normalized column types. Every frontend maps its own spelling here
//! (`sa.String(50)`, `VARCHAR(50)`, `Varchar` in Diesel) so the diff compares
//! meaning, not spelling.

use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "of", rename_all = "snake_case")]
pub enum SqlType {
    /// Size in bytes: 1 (tinyint), 2 (smallint), 4 (integer), 8 (bigint).
    Integer {
        bytes: u8,
    },
    /// `double`: 8-byte float; otherwise 4-byte (`real`).
    Float {
        double: bool,
    },
    Decimal {
        precision: Option<u32>,
        scale: Option<u32>,
    },
    /// VARCHAR(len) / CHAR(len) when `fixed`; `len` None means unbounded VARCHAR.
    String {
        len: Option<u32>,
        fixed: bool,
    },
    Text,
    Boolean,
    Date,
    Time {
        tz: bool,
    },
    Timestamp {
        tz: bool,
    },
    Interval,
    Uuid,
    Json {
        binary: bool,
    },
    Binary {
        len: Option<u32>,
    },
    /// `name` is the database type name where it has one (PostgreSQL).
    Enum {
        name: Option<String>,
        values: Vec<String>,
    },
    Array(Box<SqlType>),
    /// Anything else, as written (lower-cased). Never reported as a mismatch
    /// against another type: we do not know what it means.
    Other(String),
}

/// Broad groups of types. A change inside a family (length, precision, size) is
/// a warning at most; across families it is an error (SPEC §6, MG105).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TypeFamily {
    Integer,
    Numeric,
    String,
    Boolean,
    Date,
    Time,
    Timestamp,
    Interval,
    Uuid,
    Json,
    Binary,
    Enum,
    Array,
    Unknown,
}

impl SqlType {
    pub fn family(&self) -> TypeFamily {
        match self {
            SqlType::Integer { .. } => TypeFamily::Integer,
            SqlType::Float { .. } | SqlType::Decimal { .. } => TypeFamily::Numeric,
            SqlType::String { .. } | SqlType::Text => TypeFamily::String,
            SqlType::Boolean => TypeFamily::Boolean,
            SqlType::Date => TypeFamily::Date,
            SqlType::Time { .. } => TypeFamily::Time,
            SqlType::Timestamp { .. } => TypeFamily::Timestamp,
            SqlType::Interval => TypeFamily::Interval,
            SqlType::Uuid => TypeFamily::Uuid,
            SqlType::Json { .. } => TypeFamily::Json,
            SqlType::Binary { .. } => TypeFamily::Binary,
            SqlType::Enum { .. } => TypeFamily::Enum,
            SqlType::Array(_) => TypeFamily::Array,
            SqlType::Other(_) => TypeFamily::Unknown,
        }
    }

    /// Parses a SQL type as written in DDL (`varchar(20)`, `TIMESTAMP WITH TIME
    /// ZONE`, `int[]`, `numeric(10, 2)`). Unknown names become `Other`, never an
    /// error: an unknown type must not produce findings.
    pub fn from_sql_name(written: &str) -> SqlType {
        let s = written.trim().to_ascii_lowercase();
        if let Some(inner) = s.strip_suffix("[]") {
            return SqlType::Array(Box::new(SqlType::from_sql_name(inner)));
        }
        let (base, args) = match s.find('(') {
            Some(i) => {
                let close = s.rfind(')').unwrap_or(s.len());
                let args: Vec<u32> = s[i + 1..close.max(i + 1)]
                    .split(',')
                    .filter_map(|a| a.trim().parse().ok())
                    .collect();
                let rest = s[close.min(s.len())..].trim_start_matches(')').trim();
                (
                    format!("{} {}", s[..i].trim(), rest).trim().to_string(),
                    args,
                )
            }
            None => (s.clone(), Vec::new()),
        };
        let base: String = base.split_whitespace().collect::<Vec<_>>().join(" ");
        let a0 = args.first().copied();
        let a1 = args.get(1).copied();
        match base.as_str() {
            "tinyint" | "int1" => SqlType::Integer { bytes: 1 },
            "smallint" | "int2" | "smallserial" | "serial2" => SqlType::Integer { bytes: 2 },
            "int" | "integer" | "int4" | "mediumint" | "serial" | "serial4" => {
                SqlType::Integer { bytes: 4 }
            }
            "bigint" | "int8" | "bigserial" | "serial8" => SqlType::Integer { bytes: 8 },
            "tinyint unsigned" => SqlType::Integer { bytes: 1 },
            "smallint unsigned" => SqlType::Integer { bytes: 2 },
            "int unsigned" | "integer unsigned" => SqlType::Integer { bytes: 4 },
            "bigint unsigned" => SqlType::Integer { bytes: 8 },
            "real" | "float4" => SqlType::Float { double: false },
            "float" => SqlType::Float {
                double: a0.map(|p| p > 24).unwrap_or(true),
            },
            "double" | "double precision" | "float8" => SqlType::Float { double: true },
            "numeric" | "decimal" | "dec" | "money" => SqlType::Decimal {
                precision: a0,
                scale: a1,
            },
            "varchar" | "character varying" | "nvarchar" | "varchar2" | "string" => {
                SqlType::String {
                    len: a0,
                    fixed: false,
                }
            }
            "char" | "character" | "nchar" | "bpchar" => SqlType::String {
                len: a0.or(Some(1)),
                fixed: true,
            },
            "text" | "tinytext" | "mediumtext" | "longtext" | "clob" | "citext" => SqlType::Text,
            "bool" | "boolean" => SqlType::Boolean,
            "date" => SqlType::Date,
            "time" | "time without time zone" => SqlType::Time { tz: false },
            "timetz" | "time with time zone" => SqlType::Time { tz: true },
            "timestamp" | "timestamp without time zone" | "datetime" => {
                SqlType::Timestamp { tz: false }
            }
            "timestamptz" | "timestamp with time zone" => SqlType::Timestamp { tz: true },
            "interval" => SqlType::Interval,
            "uuid" | "uniqueidentifier" => SqlType::Uuid,
            "json" => SqlType::Json { binary: false },
            "jsonb" => SqlType::Json { binary: true },
            "blob" | "bytea" | "longblob" | "mediumblob" | "tinyblob" => {
                SqlType::Binary { len: None }
            }
            "binary" | "varbinary" => SqlType::Binary { len: a0 },
            _ => SqlType::Other(s),
        }
    }

    /// The canonical SQL spelling in `dialect`, for `schema --format sql` and
    /// for the help text of findings.
    pub fn to_sql(&self, dialect: crate::dialect::Dialect) -> String {
        use crate::dialect::Dialect::*;
        match self {
            SqlType::Integer { bytes: 1 } if dialect == Mysql => "TINYINT".into(),
            SqlType::Integer { bytes: 1 | 2 } => "SMALLINT".into(),
            SqlType::Integer { bytes: 8 } => "BIGINT".into(),
            SqlType::Integer { .. } => "INTEGER".into(),
            SqlType::Float { double: true } if dialect == Postgresql => "DOUBLE PRECISION".into(),
            SqlType::Float { double: true } if dialect == Mysql => "DOUBLE".into(),
            SqlType::Float { .. } => "REAL".into(),
            SqlType::Decimal {
                precision: Some(p),
                scale: Some(s),
            } => format!("NUMERIC({p}, {s})"),
            SqlType::Decimal {
                precision: Some(p),
                scale: None,
            } => format!("NUMERIC({p})"),
            SqlType::Decimal { .. } => "NUMERIC".into(),
            SqlType::String {
                len: Some(n),
                fixed: true,
            } => format!("CHAR({n})"),
            SqlType::String {
                len: Some(n),
                fixed: false,
            } => format!("VARCHAR({n})"),
            SqlType::String { len: None, .. } if dialect == Mysql => "VARCHAR(255)".into(),
            SqlType::String { len: None, .. } => "VARCHAR".into(),
            SqlType::Text => "TEXT".into(),
            SqlType::Boolean => "BOOLEAN".into(),
            SqlType::Date => "DATE".into(),
            SqlType::Time { tz: true } if dialect == Postgresql => "TIME WITH TIME ZONE".into(),
            SqlType::Time { .. } => "TIME".into(),
            SqlType::Timestamp { tz: true } if dialect == Postgresql => {
                "TIMESTAMP WITH TIME ZONE".into()
            }
            SqlType::Timestamp { .. } if dialect == Mysql => "DATETIME".into(),
            SqlType::Timestamp { .. } => "TIMESTAMP".into(),
            SqlType::Interval => "INTERVAL".into(),
            SqlType::Uuid if dialect == Postgresql => "UUID".into(),
            SqlType::Uuid if dialect == Mysql => "CHAR(36)".into(),
            SqlType::Uuid => "VARCHAR(36)".into(),
            SqlType::Json { binary: true } if dialect == Postgresql => "JSONB".into(),
            SqlType::Json { .. } if dialect == Sqlite => "JSON".into(),
            SqlType::Json { .. } => "JSON".into(),
            SqlType::Binary { .. } if dialect == Postgresql => "BYTEA".into(),
            SqlType::Binary { len: Some(n) } if dialect == Mysql => format!("VARBINARY({n})"),
            SqlType::Binary { .. } => "BLOB".into(),
            SqlType::Enum { name: Some(n), .. } if dialect == Postgresql => n.clone(),
            SqlType::Enum { values, .. } if dialect == Mysql => format!(
                "ENUM({})",
                values
                    .iter()
                    .map(|v| format!("'{}'", v.replace('\'', "''")))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            SqlType::Enum { .. } => "VARCHAR".into(),
            SqlType::Array(inner) => format!("{}[]", inner.to_sql(dialect)),
            SqlType::Other(raw) => upper_outside_quotes(raw),
        }
    }
}

/// Upper-cases a type as written but not its quoted parts: the values of
/// MySQL's `SET('a','b')` and collation or charset names in quotes keep
/// their spelling.
fn upper_outside_quotes(raw: &str) -> String {
    let mut quote: Option<char> = None;
    raw.chars()
        .map(|c| match quote {
            Some(q) => {
                if c == q {
                    quote = None;
                }
                c
            }
            None if c == '\'' || c == '"' || c == '`' => {
                quote = Some(c);
                c
            }
            None => c.to_ascii_uppercase(),
        })
        .collect()
}

/// Folds a server default into a comparable form: outer parentheses, casts
/// (`::text`), quotes around plain numbers, case, and the common synonyms for
/// "now" and booleans.
pub fn normalize_default(raw: &str) -> String {
    let mut s = raw.trim().to_string();
    loop {
        let t = s.trim();
        if t.starts_with('(') && t.ends_with(')') && balanced(&t[1..t.len() - 1]) {
            s = t[1..t.len() - 1].trim().to_string();
        } else {
            break;
        }
    }
    // strip trailing PostgreSQL casts: 'x'::character varying
    if let Some(i) = find_cast(&s) {
        s.truncate(i);
    }
    let lower = s.trim().to_ascii_lowercase();
    match lower.as_str() {
        "now()"
        | "current_timestamp"
        | "current_timestamp()"
        | "localtimestamp"
        | "statement_timestamp()"
        | "transaction_timestamp()"
        | "getdate()"
        | "datetime('now')"
        | "(datetime('now'))" => return "current_timestamp".into(),
        "true" | "'true'" | "'t'" | "1" | "'1'" => return "true".into(),
        "false" | "'false'" | "'f'" | "0" | "'0'" => return "false".into(),
        "null" => return "null".into(),
        _ => {}
    }
    let t = s.trim();
    if t.len() >= 2 && t.starts_with('\'') && t.ends_with('\'') {
        let inner = &t[1..t.len() - 1];
        if inner.parse::<f64>().is_ok() {
            return inner.to_string();
        }
        return format!("'{}'", inner);
    }
    lower
}

fn balanced(s: &str) -> bool {
    let mut depth = 0i32;
    let mut in_str = false;
    for c in s.chars() {
        match c {
            '\'' => in_str = !in_str,
            '(' if !in_str => depth += 1,
            ')' if !in_str => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            _ => {}
        }
    }
    depth == 0
}

fn find_cast(s: &str) -> Option<usize> {
    let mut in_str = false;
    let b = s.as_bytes();
    for i in 0..b.len() {
        match b[i] {
            b'\'' => in_str = !in_str,
            b':' if !in_str && i + 1 < b.len() && b[i + 1] == b':' => return Some(i),
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    #[test]
    fn other_types_keep_quoted_values_as_written() {
        let t = super::SqlType::Other("set('x','Y''s')".into());
        assert_eq!(t.to_sql(crate::dialect::Dialect::Mysql), "SET('x','Y''s')");
    }

    use super::*;

    #[test]
    fn parses_common_type_spellings() {
        assert_eq!(
            SqlType::from_sql_name("VARCHAR(20)"),
            SqlType::String {
                len: Some(20),
                fixed: false
            }
        );
        assert_eq!(
            SqlType::from_sql_name("character varying (20)"),
            SqlType::String {
                len: Some(20),
                fixed: false
            }
        );
        assert_eq!(
            SqlType::from_sql_name("TIMESTAMP WITH TIME ZONE"),
            SqlType::Timestamp { tz: true }
        );
        assert_eq!(
            SqlType::from_sql_name("timestamp(6) with time zone"),
            SqlType::Timestamp { tz: true }
        );
        assert_eq!(
            SqlType::from_sql_name("numeric(10, 2)"),
            SqlType::Decimal {
                precision: Some(10),
                scale: Some(2)
            }
        );
        assert_eq!(
            SqlType::from_sql_name("int[]"),
            SqlType::Array(Box::new(SqlType::Integer { bytes: 4 }))
        );
        assert_eq!(
            SqlType::from_sql_name("geometry"),
            SqlType::Other("geometry".into())
        );
    }

    #[test]
    fn normalizes_equivalent_defaults() {
        // 0/1 and false/true meet: SQLite and MySQL store booleans as integers
        assert_eq!(
            normalize_default("'0'::integer"),
            normalize_default("false")
        );
        assert_eq!(normalize_default("'42'::integer"), "42");
        assert_eq!(normalize_default("(now())"), "current_timestamp");
        assert_eq!(normalize_default("CURRENT_TIMESTAMP"), "current_timestamp");
        assert_eq!(normalize_default("'{}'"), "'{}'");
        assert_eq!(normalize_default("'draft'::character varying"), "'draft'");
        assert_eq!(normalize_default("TRUE"), normalize_default("'t'"));
    }
}

#[cfg(test)]
mod serde_tests {
    use super::*;

    #[test]
    fn every_variant_serializes() {
        for t in [
            SqlType::Other("geometry".into()),
            SqlType::Array(Box::new(SqlType::Text)),
            SqlType::String {
                len: Some(3),
                fixed: false,
            },
            SqlType::Boolean,
        ] {
            assert!(serde_json::to_string(&t).is_ok(), "{t:?}");
        }
        assert_eq!(
            serde_json::to_string(&SqlType::Other("geometry".into())).unwrap_or_default(),
            r#"{"kind":"other","of":"geometry"}"#
        );
    }
}
