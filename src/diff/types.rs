//! Dialect-aware type comparison for MG105.
//!
//! The question is not "are these spelled the same" but "would the database
//! behave differently from what the model expects". SQLite enforces neither
//! lengths nor (outside STRICT tables) types, so most differences there are
//! silence or a warning; an unknown type on either side is always silence.

use crate::dialect::Dialect;
use crate::schema::types::TypeFamily;
use crate::schema::SqlType;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TypeDiff {
    /// The database stores what the model writes; nothing to say.
    Compatible,
    /// Same kind of value, different size, precision or flavour.
    Minor(String),
    /// Different kinds of value: writes or reads through the model break.
    Major(String),
}

/// Compares the model's type with the migrated database's type.
pub fn compare(model: &SqlType, db: &SqlType, dialect: Dialect) -> TypeDiff {
    use SqlType as T;
    use TypeDiff::*;
    if matches!(model, T::Other(_)) || matches!(db, T::Other(_)) {
        return Compatible;
    }
    let sqlite = dialect == Dialect::Sqlite;
    if equivalent_spelling(model, db, dialect) {
        return Compatible;
    }
    if enum_vs_text(model, db) {
        return Compatible;
    }
    let (mf, df) = (model.family(), db.family());
    if mf != df {
        return if sqlite {
            Minor(
                "SQLite does not enforce column types, but values may read back differently".into(),
            )
        } else {
            Major(format!(
                "{} values are not {} values",
                family_name(mf),
                family_name(df)
            ))
        };
    }
    if sqlite {
        // Within a family only sizes, precision and time zones differ, and
        // SQLite enforces none of them.
        return match (model, db) {
            (T::Array(m), T::Array(d)) => compare(m, d, dialect),
            _ => Compatible,
        };
    }
    match (model, db) {
        (T::Integer { bytes: m }, T::Integer { bytes: d }) if m != d => Minor(if m > d {
            format!("the database integer is smaller ({d} bytes, the model expects {m}): large values overflow")
        } else {
            format!("the database integer is larger ({d} bytes, the model declares {m})")
        }),
        (
            T::String {
                len: None,
                fixed: false,
            },
            T::String { .. } | T::Text,
        ) => Compatible,
        (
            T::String {
                len: Some(m),
                fixed: mf,
            },
            T::String {
                len: Some(d),
                fixed: dfx,
            },
        ) => {
            if m > d {
                Minor(format!(
                    "values longer than {d} characters are rejected or truncated by the database"
                ))
            } else if m < d {
                Minor(format!("the database allows {d} characters, the model {m}"))
            } else if mf != dfx {
                Minor("fixed-length CHAR pads values with spaces, VARCHAR does not".into())
            } else {
                Compatible
            }
        }
        (T::String { len: Some(_), .. }, T::String { len: None, .. }) => Compatible,
        (T::String { len: Some(_), .. }, T::Text) => {
            Minor("the database column is unbounded text, the model declares a length".into())
        }
        (T::Text, T::String { len: Some(d), .. }) => Minor(format!(
            "values longer than {d} characters are rejected or truncated by the database"
        )),
        (
            T::Decimal {
                precision: mp,
                scale: ms,
            },
            T::Decimal {
                precision: dp,
                scale: ds,
            },
        ) => {
            let p = mp.is_some() && dp.is_some() && mp != dp;
            let s = ms.is_some() && ds.is_some() && ms != ds;
            if p || s {
                Minor("precision or scale differs: values may be rounded or rejected".into())
            } else {
                Compatible
            }
        }
        // Float width is not compared: SQLAlchemy's `Float` is FLOAT, which is
        // double precision in PostgreSQL and single in MySQL, and frontends
        // cannot know which the model meant.
        (T::Float { .. }, T::Decimal { .. }) | (T::Decimal { .. }, T::Float { .. }) => {
            Minor("exact and floating-point numbers round differently".into())
        }
        (T::Time { tz: m }, T::Time { tz: d })
        | (T::Timestamp { tz: m }, T::Timestamp { tz: d })
            if m != d && dialect == Dialect::Postgresql =>
        {
            Minor(if *m {
                "the model expects time-zone-aware values, the database drops the zone".into()
            } else {
                "the database stores time zones, the model does not expect them".into()
            })
        }
        (T::Json { binary: m }, T::Json { binary: d })
            if m != d && dialect == Dialect::Postgresql =>
        {
            Minor(
                "json keeps the text as written, jsonb normalizes it (key order, duplicates)"
                    .into(),
            )
        }
        (T::Binary { len: Some(m) }, T::Binary { len: Some(d) }) if m > d => Minor(format!(
            "values longer than {d} bytes are rejected by the database"
        )),
        (T::Array(m), T::Array(d)) => compare(m, d, dialect),
        _ => Compatible,
    }
}

/// Pairs of types that are one type in `dialect` although the IR spells
/// them differently (what the ORM emits for a type the database lacks).
fn equivalent_spelling(model: &SqlType, db: &SqlType, dialect: Dialect) -> bool {
    use SqlType as T;
    let texty = |t: &SqlType| matches!(t, T::String { .. } | T::Text);
    match dialect {
        Dialect::Sqlite => match (model, db) {
            (T::Boolean, T::Integer { .. }) | (T::Integer { .. }, T::Boolean) => true,
            (T::Date | T::Time { .. } | T::Timestamp { .. }, d) if texty(d) => true,
            (m, T::Date | T::Time { .. } | T::Timestamp { .. }) if texty(m) => true,
            (T::Date, T::Timestamp { .. }) | (T::Timestamp { .. }, T::Date) => true,
            (T::Uuid, d) if texty(d) || matches!(d, T::Binary { .. }) => true,
            (m, T::Uuid) if texty(m) => true,
            (T::Json { .. }, d) if texty(d) => true,
            (m, T::Json { .. }) if texty(m) => true,
            (T::Enum { .. }, d) if texty(d) => true,
            (m, T::Enum { .. }) if texty(m) => true,
            // SQLAlchemy's ARRAY does not exist in SQLite; JSON stands in.
            (T::Array(_), T::Json { .. }) | (T::Array(_), T::Text) => true,
            // SQLAlchemy's `Interval` is a DATETIME (epoch plus the interval)
            // where the database has no INTERVAL type
            (T::Interval, T::Timestamp { .. }) => true,
            // INTEGER and NUMERIC affinity keep a non-integral number as a
            // REAL and an integer as an INTEGER, so every number the model
            // writes reads back as written (mealie changed `quantity` to
            // Float on PostgreSQL only, for that reason). A REAL column
            // still turns the model's integers into floats.
            (T::Float { .. } | T::Decimal { .. }, T::Integer { .. } | T::Decimal { .. }) => true,
            (T::Integer { .. }, T::Decimal { .. }) => true,
            _ => false,
        },
        Dialect::Mysql => match (model, db) {
            (T::Boolean, T::Integer { bytes: 1 }) | (T::Integer { bytes: 1 }, T::Boolean) => true,
            (T::Uuid, T::String { len, .. }) => matches!(len, Some(32 | 36) | None),
            (T::Uuid, T::Binary { len }) => matches!(len, Some(16) | None),
            (T::String { .. }, T::Uuid) => true,
            (T::Interval, T::Timestamp { .. }) => true,
            _ => false,
        },
        Dialect::Postgresql => false,
    }
}

fn family_name(f: TypeFamily) -> &'static str {
    match f {
        TypeFamily::Integer => "integer",
        TypeFamily::Numeric => "numeric",
        TypeFamily::String => "text",
        TypeFamily::Boolean => "boolean",
        TypeFamily::Date => "date",
        TypeFamily::Time => "time",
        TypeFamily::Timestamp => "timestamp",
        TypeFamily::Interval => "interval",
        TypeFamily::Uuid => "uuid",
        TypeFamily::Json => "json",
        TypeFamily::Binary => "binary",
        TypeFamily::Enum => "enum",
        TypeFamily::Array => "array",
        TypeFamily::Unknown => "unknown",
    }
}

/// Enum against free text: SQLAlchemy's `native_enum=False` stores an enum
/// as VARCHAR and the IR does not say which the model asked for. Whether the
/// text column accepts every value (length, CHECK) is MG111's question.
fn enum_vs_text(model: &SqlType, db: &SqlType) -> bool {
    matches!(
        (model, db),
        (SqlType::Enum { .. }, SqlType::String { .. } | SqlType::Text)
            | (SqlType::String { .. } | SqlType::Text, SqlType::Enum { .. })
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use Dialect::*;

    fn t(s: &str) -> SqlType {
        SqlType::from_sql_name(s)
    }

    fn enum_ty() -> SqlType {
        SqlType::Enum {
            name: Some("status".into()),
            values: vec!["a".into()],
        }
    }

    #[derive(Debug, PartialEq)]
    enum K {
        Ok,
        Warn,
        Err,
    }

    fn kind(d: TypeDiff) -> K {
        match d {
            TypeDiff::Compatible => K::Ok,
            TypeDiff::Minor(_) => K::Warn,
            TypeDiff::Major(_) => K::Err,
        }
    }

    #[test]
    fn comparison_table() {
        let cases: &[(SqlType, SqlType, Dialect, K)] = &[
            // unknown types never produce a finding
            (t("geometry"), t("integer"), Postgresql, K::Ok),
            (t("integer"), t("tsvector"), Postgresql, K::Ok),
            // SQLite: no length, precision or size findings
            (t("varchar(100)"), t("varchar(20)"), Sqlite, K::Ok),
            (t("numeric(10,2)"), t("numeric(12,4)"), Sqlite, K::Ok),
            (t("bigint"), t("integer"), Sqlite, K::Ok),
            (t("text"), t("varchar(5)"), Sqlite, K::Ok),
            (t("timestamptz"), t("timestamp"), Sqlite, K::Ok),
            // SQLite: the ORM's stand-ins are the same type
            (t("boolean"), t("integer"), Sqlite, K::Ok),
            (t("datetime"), t("timestamp"), Sqlite, K::Ok),
            (t("timestamp"), t("text"), Sqlite, K::Ok),
            (t("uuid"), t("char(32)"), Sqlite, K::Ok),
            (SqlType::Interval, t("datetime"), Sqlite, K::Ok),
            (SqlType::Interval, t("datetime"), Mysql, K::Ok),
            (SqlType::Interval, t("timestamp"), Postgresql, K::Err),
            (t("uuid"), t("varchar"), Sqlite, K::Ok),
            (t("json"), t("text"), Sqlite, K::Ok),
            (enum_ty(), t("varchar(8)"), Sqlite, K::Ok),
            // SQLite: INTEGER and NUMERIC affinity store any number as written
            (t("real"), t("integer"), Sqlite, K::Ok),
            (t("double"), t("bigint"), Sqlite, K::Ok),
            (t("numeric(10,2)"), t("integer"), Sqlite, K::Ok),
            (t("integer"), t("numeric"), Sqlite, K::Ok),
            (t("real"), t("numeric(10,2)"), Sqlite, K::Ok),
            // a REAL column reads the model's integers back as floats
            (t("integer"), t("real"), Sqlite, K::Warn),
            (t("real"), t("integer"), Postgresql, K::Err),
            // SQLite: other cross-family differences are warnings only
            (t("integer"), t("text"), Sqlite, K::Warn),
            (t("boolean"), t("varchar(5)"), Sqlite, K::Warn),
            // PostgreSQL
            (t("integer"), t("serial"), Postgresql, K::Ok),
            (t("varchar"), t("text"), Postgresql, K::Ok),
            (t("varchar"), t("varchar(20)"), Postgresql, K::Ok),
            (t("varchar(100)"), t("varchar(20)"), Postgresql, K::Warn),
            (t("varchar(20)"), t("varchar(20)"), Postgresql, K::Ok),
            (t("text"), t("varchar(20)"), Postgresql, K::Warn),
            (t("bigint"), t("integer"), Postgresql, K::Warn),
            (t("numeric(10,2)"), t("numeric(12,2)"), Postgresql, K::Warn),
            (t("numeric"), t("numeric(12,2)"), Postgresql, K::Ok),
            (t("timestamptz"), t("timestamp"), Postgresql, K::Warn),
            (t("json"), t("jsonb"), Postgresql, K::Warn),
            (t("integer"), t("text"), Postgresql, K::Err),
            (t("boolean"), t("integer"), Postgresql, K::Err),
            (t("uuid"), t("varchar(36)"), Postgresql, K::Err),
            (t("timestamp"), t("date"), Postgresql, K::Err),
            (t("int[]"), t("int[]"), Postgresql, K::Ok),
            (t("int[]"), t("text[]"), Postgresql, K::Err),
            (enum_ty(), enum_ty(), Postgresql, K::Ok),
            (enum_ty(), t("varchar(8)"), Postgresql, K::Ok),
            (enum_ty(), t("integer"), Postgresql, K::Err),
            (enum_ty(), t("integer"), Sqlite, K::Warn),
            // MySQL
            (t("boolean"), t("tinyint(1)"), Mysql, K::Ok),
            (t("boolean"), t("int"), Mysql, K::Err),
            (t("uuid"), t("char(36)"), Mysql, K::Ok),
            (t("uuid"), t("char(32)"), Mysql, K::Ok),
            (t("timestamptz"), t("datetime"), Mysql, K::Ok),
            (t("varchar(255)"), t("varchar(100)"), Mysql, K::Warn),
            (t("double"), t("float"), Mysql, K::Ok),
            (t("real"), t("double"), Mysql, K::Ok),
            (t("real"), t("numeric(10,2)"), Postgresql, K::Warn),
        ];
        for (m, d, dialect, want) in cases {
            assert_eq!(
                &kind(compare(m, d, *dialect)),
                want,
                "{m:?} vs {d:?} in {dialect}"
            );
        }
    }
}
