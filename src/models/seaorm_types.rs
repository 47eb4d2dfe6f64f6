//! SeaORM / SeaQuery types to `SqlType`, shared by the entity frontend
//! (`column_type = "..."`, Rust field types) and the SeaORM migration frontend
//! (`ColumnDef::new(..).string_len(50)`, `string_len(col, 50)`).
//!
//! One table keyed by snake_case name serves both spellings: the
//! `ColumnType::StringLen`-style variant `String(StringLen::N(50))` and the
//! builder method `.string_len(50)` carry their numbers as integer literals
//! among their arguments, in the same order.

use crate::dialect::Dialect;
use crate::schema::SqlType;

/// `TimestampWithTimeZone` -> `timestamp_with_time_zone`.
pub fn snake_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    let chars: Vec<char> = name.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() {
            let prev_lower = i > 0 && chars.get(i - 1).is_some_and(|p| !p.is_ascii_uppercase());
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            let prev_upper = i > 0 && chars.get(i - 1).is_some_and(|p| p.is_ascii_uppercase());
            if i > 0 && (prev_lower || (prev_upper && next_lower)) && !out.ends_with('_') {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(*c);
        }
    }
    out
}

/// `full_text` -> `FullText`.
pub fn camel_case(name: &str) -> String {
    name.split('_')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut cs = p.chars();
            match cs.next() {
                Some(f) => f.to_ascii_uppercase().to_string() + cs.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

/// The type a SeaQuery column type name creates. `ints` are the integer
/// literals among its arguments (lengths, precision and scale), in order.
/// None for names that are not column types (`not_null`, `default`...).
pub fn column_type(name: &str, ints: &[u32], dialect: Dialect) -> Option<SqlType> {
    let a0 = ints.first().copied();
    let a1 = ints.get(1).copied();
    let mysql = dialect == Dialect::Mysql;
    Some(match snake_case(name).as_str() {
        "char" | "char_len" => SqlType::String {
            len: a0.or(Some(1)),
            fixed: true,
        },
        // SeaQuery writes a bare `string()` as `varchar(255)` on MySQL,
        // which has no unbounded VARCHAR, and as `varchar` elsewhere.
        "string" | "string_len" => SqlType::String {
            len: a0.or(if mysql { Some(255) } else { None }),
            fixed: false,
        },
        "text" => SqlType::Text,
        "tiny_integer" | "tiny_unsigned" => SqlType::Integer {
            bytes: if mysql { 1 } else { 2 },
        },
        "small_integer" | "small_unsigned" => SqlType::Integer { bytes: 2 },
        "integer" | "unsigned" => SqlType::Integer { bytes: 4 },
        "big_integer" | "big_unsigned" => SqlType::Integer { bytes: 8 },
        "float" => SqlType::Float { double: false },
        "double" => SqlType::Float { double: true },
        "decimal" | "decimal_len" | "money" | "money_len" => SqlType::Decimal {
            precision: a0,
            scale: a1,
        },
        "date_time" => SqlType::Timestamp { tz: false },
        // MySQL's TIMESTAMP is stored in UTC and read in the session zone.
        "timestamp" => SqlType::Timestamp { tz: false },
        "timestamp_with_time_zone" => SqlType::Timestamp { tz: !mysql },
        "time" => SqlType::Time { tz: false },
        "date" => SqlType::Date,
        "interval" => SqlType::Interval,
        "binary" | "binary_len" | "var_binary" | "blob" => SqlType::Binary {
            len: if dialect == Dialect::Postgresql {
                None
            } else {
                a0
            },
        },
        "boolean" => SqlType::Boolean,
        "json" => SqlType::Json { binary: false },
        "json_binary" => SqlType::Json { binary: !mysql },
        "uuid" => {
            if mysql {
                SqlType::Binary { len: Some(16) }
            } else {
                SqlType::Uuid
            }
        }
        "year" | "bit" | "varbit" | "cidr" | "inet" | "mac_address" | "ltree" | "vector" => {
            SqlType::Other(snake_case(name))
        }
        _ => return None,
    })
}

/// The column type SeaORM gives a Rust field type (its `ColumnType` for the
/// type when the entity says no `column_type`). `String` maps to an unbounded
/// VARCHAR, which the diff treats as compatible with any string column: a
/// hand-written entity says nothing about the length. None for types that are
/// not SeaORM column types (an `ActiveEnum`, a newtype).
pub fn rust_type(last_segment: &str, dialect: Dialect) -> Option<SqlType> {
    let sql = |n: &str| column_type(n, &[], dialect);
    match last_segment {
        "String" => Some(SqlType::String {
            len: None,
            fixed: false,
        }),
        "i8" | "u8" => sql("tiny_integer"),
        "i16" | "u16" => sql("small_integer"),
        "i32" | "u32" => sql("integer"),
        "i64" | "u64" => sql("big_integer"),
        "f32" => sql("float"),
        "f64" => sql("double"),
        "bool" => sql("boolean"),
        "Decimal" | "BigDecimal" => sql("decimal"),
        // MySQL migrations store UUIDs as BINARY(16) (SeaQuery) or CHAR(36);
        // the diff accepts either for a UUID model type
        "Uuid" => Some(SqlType::Uuid),
        // serde_json::Value decodes from json and jsonb alike
        "Json" | "Value" | "JsonValue" => Some(SqlType::Other("json".into())),
        "Date" | "NaiveDate" | "TimeDate" => sql("date"),
        "Time" | "NaiveTime" | "TimeTime" => sql("time"),
        "DateTime" | "NaiveDateTime" | "PrimitiveDateTime" | "TimeDateTime" => sql("date_time"),
        "DateTimeUtc"
        | "DateTimeLocal"
        | "DateTimeWithTimeZone"
        | "OffsetDateTime"
        | "TimeDateTimeWithTimeZone" => sql("timestamp_with_time_zone"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_convert_both_ways() {
        assert_eq!(
            snake_case("TimestampWithTimeZone"),
            "timestamp_with_time_zone"
        );
        assert_eq!(snake_case("JsonBinary"), "json_binary");
        assert_eq!(snake_case("Table"), "table");
        assert_eq!(snake_case("UUIDValue"), "uuid_value");
        assert_eq!(snake_case("already_snake"), "already_snake");
        assert_eq!(camel_case("full_text"), "FullText");
    }

    #[test]
    fn column_types_per_backend() {
        let pg = Dialect::Postgresql;
        let my = Dialect::Mysql;
        assert_eq!(
            column_type("String", &[], pg),
            Some(SqlType::String {
                len: None,
                fixed: false
            })
        );
        assert_eq!(
            column_type("string", &[], my),
            Some(SqlType::String {
                len: Some(255),
                fixed: false
            })
        );
        assert_eq!(
            column_type("string_len", &[40], pg),
            Some(SqlType::String {
                len: Some(40),
                fixed: false
            })
        );
        assert_eq!(
            column_type("Decimal", &[10, 2], pg),
            Some(SqlType::Decimal {
                precision: Some(10),
                scale: Some(2)
            })
        );
        assert_eq!(
            column_type("JsonBinary", &[], pg),
            Some(SqlType::Json { binary: true })
        );
        assert_eq!(
            column_type("json_binary", &[], my),
            Some(SqlType::Json { binary: false })
        );
        assert_eq!(
            column_type("timestamp_with_time_zone", &[], pg),
            Some(SqlType::Timestamp { tz: true })
        );
        assert_eq!(column_type("uuid", &[], pg), Some(SqlType::Uuid));
        assert_eq!(
            column_type("uuid", &[], my),
            Some(SqlType::Binary { len: Some(16) })
        );
        assert_eq!(
            column_type("tiny_integer", &[], pg),
            Some(SqlType::Integer { bytes: 2 })
        );
        assert_eq!(column_type("not_null", &[], pg), None);
    }

    #[test]
    fn rust_types_map_to_seaorm_defaults() {
        let pg = Dialect::Postgresql;
        assert_eq!(rust_type("i32", pg), Some(SqlType::Integer { bytes: 4 }));
        assert_eq!(rust_type("i64", pg), Some(SqlType::Integer { bytes: 8 }));
        assert_eq!(rust_type("i16", pg), Some(SqlType::Integer { bytes: 2 }));
        assert_eq!(rust_type("f64", pg), Some(SqlType::Float { double: true }));
        assert_eq!(rust_type("bool", pg), Some(SqlType::Boolean));
        assert_eq!(
            rust_type("DateTimeWithTimeZone", pg),
            Some(SqlType::Timestamp { tz: true })
        );
        assert_eq!(
            rust_type("DateTime", pg),
            Some(SqlType::Timestamp { tz: false })
        );
        assert_eq!(rust_type("Date", pg), Some(SqlType::Date));
        assert_eq!(rust_type("Uuid", pg), Some(SqlType::Uuid));
        assert_eq!(rust_type("Uuid", Dialect::Mysql), Some(SqlType::Uuid));
        assert_eq!(
            rust_type("String", Dialect::Mysql),
            Some(SqlType::String {
                len: None,
                fixed: false
            })
        );
        assert_eq!(rust_type("Json", pg), Some(SqlType::Other("json".into())));
        assert_eq!(rust_type("MyNewtype", pg), None);
    }
}
