//! Diesel SQL types (`diesel::sql_types::*`, the per-backend modules and the
//! custom types of a `sql_types` module) to the shared `SqlType`, and back to
//! the Rust spelling for messages and help texts.
//!
//! Diesel's names are aliases of a few types (`Int4` = `Integer`, `Varchar` =
//! `Text`); `diesel print-schema` spells them per backend. A column type is
//! read from its syn AST, never from text.

use crate::schema::SqlType;
use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;
use std::collections::BTreeMap;

/// A type declared in a `sql_types` module with
/// `#[diesel(postgres_type(name = "mood"))]` (or `mysql_type`/`sqlite_type`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CustomType {
    /// A PostgreSQL type by name: an enum when the migrations create one of
    /// that name (`schema` is its `schema = "..."`, if stated).
    Postgres {
        name: String,
        schema: Option<String>,
    },
    /// MySQL `#[diesel(mysql_type(name = "Enum"))]`: print-schema's ENUM column.
    MysqlEnum,
    /// Anything else (a SQLite custom type, a MySQL name other than Enum).
    Other(String),
}

/// Custom types by their Rust name (`Mood`), from every schema file read.
pub type CustomTypes = BTreeMap<String, CustomType>;

/// A column's type as written, reduced to names and type arguments
/// (`Nullable<Array<Text>>`): syn's AST is bound to the thread that parsed it,
/// and types are resolved after every file's custom types are known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TyNode {
    /// The last path segment and its type arguments.
    Named(String, Vec<TyNode>),
    /// A tuple, reference, qualified path...: as written.
    Unknown(String),
}

impl TyNode {
    pub fn from_syn(ty: &syn::Type) -> TyNode {
        match type_path_last(ty) {
            Some((name, args)) => {
                TyNode::Named(name, args.into_iter().map(TyNode::from_syn).collect())
            }
            None => TyNode::Unknown(quote!(#ty).to_string()),
        }
    }
}

/// A column type as Diesel declares it: the IR type plus `Nullable<>` at the top.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mapped {
    pub ty: SqlType,
    pub nullable: bool,
}

/// Maps a column's type. `max_length` is the column's `#[max_length = N]`;
/// `aliases` maps names a `use ... as X` inside the `table!` block renamed.
pub fn map_type(
    ty: &TyNode,
    max_length: Option<u32>,
    custom: &CustomTypes,
    aliases: &BTreeMap<String, String>,
) -> Mapped {
    match ty {
        TyNode::Named(name, args) if name == "Nullable" => {
            let inner = args
                .first()
                .map(|t| map_type(t, max_length, custom, aliases));
            Mapped {
                ty: inner.map_or_else(|| SqlType::Other("nullable".into()), |m| m.ty),
                nullable: true,
            }
        }
        TyNode::Named(name, args) => Mapped {
            ty: map_named(name, args, max_length, custom, aliases),
            nullable: false,
        },
        TyNode::Unknown(raw) => Mapped {
            ty: SqlType::Other(raw.clone()),
            nullable: false,
        },
    }
}

/// `diesel::sql_types::Nullable<Text>` -> ("Nullable", [Text]).
fn type_path_last(ty: &syn::Type) -> Option<(String, Vec<&syn::Type>)> {
    let syn::Type::Path(p) = ty else {
        return None;
    };
    if p.qself.is_some() {
        return None;
    }
    let last = p.path.segments.last()?;
    let args = match &last.arguments {
        syn::PathArguments::AngleBracketed(a) => a
            .args
            .iter()
            .filter_map(|g| match g {
                syn::GenericArgument::Type(t) => Some(t),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    Some((last.ident.to_string(), args))
}

fn map_named(
    name: &str,
    args: &[TyNode],
    max_length: Option<u32>,
    custom: &CustomTypes,
    aliases: &BTreeMap<String, String>,
) -> SqlType {
    let name = aliases.get(name).map(String::as_str).unwrap_or(name);
    if let Some(c) = custom.get(name) {
        return match c {
            CustomType::Postgres { name, schema } => SqlType::Enum {
                name: Some(match schema {
                    Some(s) => format!("{s}.{name}"),
                    None => name.clone(),
                }),
                // the values live in the migrations; the model names the type only
                values: Vec::new(),
            },
            CustomType::MysqlEnum => SqlType::Enum {
                name: None,
                values: Vec::new(),
            },
            CustomType::Other(n) => SqlType::Other(n.to_ascii_lowercase()),
        };
    }
    let inner = |i: usize| {
        args.get(i)
            .map(|t| map_type(t, None, custom, aliases).ty)
            .unwrap_or_else(|| SqlType::Other(name.to_ascii_lowercase()))
    };
    match name {
        "Bool" => SqlType::Boolean,
        "TinyInt" | "Tinyint" => SqlType::Integer { bytes: 1 },
        "SmallInt" | "Smallint" | "Int2" => SqlType::Integer { bytes: 2 },
        "Integer" | "Int4" => SqlType::Integer { bytes: 4 },
        "BigInt" | "Bigint" | "Int8" => SqlType::Integer { bytes: 8 },
        // MySQL `Unsigned<Integer>`: same storage size, no sign
        "Unsigned" => inner(0),
        "Float" | "Float4" => SqlType::Float { double: false },
        "Double" | "Float8" => SqlType::Float { double: true },
        "Numeric" | "Decimal" => SqlType::Decimal {
            precision: None,
            scale: None,
        },
        "Money" => SqlType::Decimal {
            precision: None,
            scale: None,
        },
        "Text" | "TinyText" | "Tinytext" | "MediumText" | "Mediumtext" | "LongText"
        | "Longtext" | "Citext" => match max_length {
            // print-schema writes a varchar(n) as `#[max_length = n]` + Varchar,
            // but Text and Varchar are one Diesel type
            Some(n) => SqlType::String {
                len: Some(n),
                fixed: false,
            },
            None => SqlType::Text,
        },
        "VarChar" | "Varchar" => SqlType::String {
            len: max_length,
            fixed: false,
        },
        "Bpchar" | "Char" => SqlType::String {
            len: max_length,
            fixed: true,
        },
        "Date" => SqlType::Date,
        "Time" => SqlType::Time { tz: false },
        "Timestamp" | "Datetime" => SqlType::Timestamp { tz: false },
        "Timestamptz" | "TimestamptzSqlite" => SqlType::Timestamp { tz: true },
        "Interval" => SqlType::Interval,
        "Uuid" => SqlType::Uuid,
        "Json" => SqlType::Json { binary: false },
        "Jsonb" => SqlType::Json { binary: true },
        "Binary" | "Bytea" | "Blob" | "TinyBlob" | "Tinyblob" | "MediumBlob" | "Mediumblob"
        | "LongBlob" | "Longblob" | "VarBinary" | "Varbinary" => SqlType::Binary { len: None },
        "Array" => SqlType::Array(Box::new(inner(0))),
        // no IR type: kept by name, never compared
        "Inet" | "Cidr" | "MacAddr" | "Macaddr" | "MacAddr8" | "Macaddr8" | "Oid" | "Range"
        | "Multirange" | "Int4range" | "Int8range" | "Numrange" | "Tsrange" | "Tstzrange"
        | "Daterange" | "Record" | "Bit" | "Tsvector" | "Tsquery" | "Regconfig" | "Xml" => {
            SqlType::Other(name.to_ascii_lowercase())
        }
        other => SqlType::Other(other.to_ascii_lowercase()),
    }
}

/// `order_status` -> `OrderStatus`: how print-schema names a custom type.
fn camel(name: &str) -> String {
    let base = name.rsplit('.').next().unwrap_or(name);
    base.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut cs = w.chars();
            match cs.next() {
                Some(f) => f.to_ascii_uppercase().to_string() + cs.as_str(),
                None => String::new(),
            }
        })
        .collect()
}

fn ident(name: &str) -> Ident {
    Ident::new(name, Span::call_site())
}

/// An identifier usable in Rust source, or None (`type`, `a b`, `1x`).
fn rust_ident(name: &str) -> Option<Ident> {
    syn::parse_str::<Ident>(name).ok()
}

/// The Diesel SQL type of an IR type, as tokens (`Nullable` not included).
/// Names that work with every backend are preferred (`Integer`, `BigInt`).
pub fn type_tokens(ty: &SqlType) -> TokenStream {
    let named = |n: &str| {
        let i = ident(n);
        quote!(#i)
    };
    match ty {
        SqlType::Integer { bytes: 1 } => named("TinyInt"),
        SqlType::Integer { bytes: 2 } => named("SmallInt"),
        SqlType::Integer { bytes: 8 } => named("BigInt"),
        SqlType::Integer { .. } => named("Integer"),
        SqlType::Float { double: true } => named("Double"),
        SqlType::Float { .. } => named("Float"),
        SqlType::Decimal { .. } => named("Numeric"),
        SqlType::String { fixed: true, .. } => named("Bpchar"),
        SqlType::String { .. } => named("Varchar"),
        SqlType::Text => named("Text"),
        SqlType::Boolean => named("Bool"),
        SqlType::Date => named("Date"),
        SqlType::Time { .. } => named("Time"),
        SqlType::Timestamp { tz: true } => named("Timestamptz"),
        SqlType::Timestamp { .. } => named("Timestamp"),
        SqlType::Interval => named("Interval"),
        SqlType::Uuid => named("Uuid"),
        SqlType::Json { binary: true } => named("Jsonb"),
        SqlType::Json { .. } => named("Json"),
        SqlType::Binary { .. } => named("Binary"),
        SqlType::Enum { name: Some(n), .. } => {
            let i = ident(&rust_ident(&camel(n)).map_or_else(|| "Text".into(), |i| i.to_string()));
            quote!(#i)
        }
        SqlType::Enum { .. } => named("Text"),
        // PostgreSQL does not enforce element nullability: print-schema
        // writes every array as Array<Nullable<T>>
        SqlType::Array(inner) => {
            let inner = type_tokens(inner);
            quote!(Array<Nullable<#inner>>)
        }
        SqlType::Other(raw) => match rust_ident(&camel(raw)) {
            Some(i) if !raw.is_empty() => quote!(#i),
            _ => named("Text"),
        },
    }
}

/// Tokens rendered as Rust is written: `Nullable<Text>`, not `Nullable < Text >`.
pub fn tidy(tokens: &TokenStream) -> String {
    let raw = tokens.to_string();
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        if c == ' ' {
            let next = chars.peek().copied();
            let prev = out.chars().last();
            let glue_next = matches!(next, Some('<' | '>' | ',' | ':'));
            let glue_prev = matches!(prev, Some('<' | ':' | '#'));
            if glue_next || glue_prev {
                continue;
            }
        }
        out.push(c);
    }
    out.replace(",>", ">")
}

/// The column's type with `Nullable<>` when it allows NULL: `Nullable<Text>`.
pub fn type_decl(ty: &SqlType, nullable: bool) -> String {
    let t = type_tokens(ty);
    if nullable {
        tidy(&quote!(Nullable<#t>))
    } else {
        tidy(&t)
    }
}

/// The whole line of a `table!` block: `bio -> Nullable<Text>,`, with
/// `#[max_length = N]` for a bounded string and `#[sql_name]` for a name
/// that is no Rust identifier (print-schema appends `_`).
pub fn column_decl(name: &str, ty: &SqlType, nullable: bool) -> String {
    let t = type_decl(ty, nullable);
    let mut attrs = String::new();
    if let SqlType::String { len: Some(n), .. } = ty {
        attrs.push_str(&format!("#[max_length = {n}] "));
    }
    let rust_name = match rust_ident(name) {
        Some(i) => i.to_string(),
        None => {
            attrs.push_str(&format!("#[sql_name = {name:?}] "));
            let cleaned: String = name
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                .collect();
            let cleaned = if cleaned.starts_with(|c: char| c.is_ascii_digit()) {
                format!("_{cleaned}")
            } else {
                cleaned
            };
            format!("{cleaned}_")
        }
    };
    format!("{attrs}{rust_name} -> {t},")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(src: &str) -> Mapped {
        map_with(src, None, &CustomTypes::new())
    }

    fn map_with(src: &str, max_length: Option<u32>, custom: &CustomTypes) -> Mapped {
        let ty: syn::Type = syn::parse_str(src).unwrap();
        map_type(&TyNode::from_syn(&ty), max_length, custom, &BTreeMap::new())
    }

    fn not_null(ty: SqlType) -> Mapped {
        Mapped {
            ty,
            nullable: false,
        }
    }

    #[test]
    fn every_diesel_name_maps() {
        use SqlType::*;
        let cases: &[(&str, SqlType)] = &[
            ("Bool", Boolean),
            ("TinyInt", Integer { bytes: 1 }),
            ("Tinyint", Integer { bytes: 1 }),
            ("SmallInt", Integer { bytes: 2 }),
            ("Int2", Integer { bytes: 2 }),
            ("Integer", Integer { bytes: 4 }),
            ("Int4", Integer { bytes: 4 }),
            ("BigInt", Integer { bytes: 8 }),
            ("Bigint", Integer { bytes: 8 }),
            ("Int8", Integer { bytes: 8 }),
            ("Unsigned<BigInt>", Integer { bytes: 8 }),
            ("Float", Float { double: false }),
            ("Float4", Float { double: false }),
            ("Double", Float { double: true }),
            ("Float8", Float { double: true }),
            (
                "Numeric",
                Decimal {
                    precision: None,
                    scale: None,
                },
            ),
            (
                "Money",
                Decimal {
                    precision: None,
                    scale: None,
                },
            ),
            ("Text", Text),
            ("Citext", Text),
            ("LongText", Text),
            (
                "Varchar",
                String {
                    len: None,
                    fixed: false,
                },
            ),
            (
                "VarChar",
                String {
                    len: None,
                    fixed: false,
                },
            ),
            (
                "Bpchar",
                String {
                    len: None,
                    fixed: true,
                },
            ),
            ("Date", Date),
            ("Time", Time { tz: false }),
            ("Timestamp", Timestamp { tz: false }),
            ("Datetime", Timestamp { tz: false }),
            ("Timestamptz", Timestamp { tz: true }),
            ("TimestamptzSqlite", Timestamp { tz: true }),
            ("Interval", Interval),
            ("Uuid", Uuid),
            ("Json", Json { binary: false }),
            ("Jsonb", Json { binary: true }),
            ("Binary", Binary { len: None }),
            ("Bytea", Binary { len: None }),
            ("Blob", Binary { len: None }),
            ("Inet", Other("inet".into())),
            ("Cidr", Other("cidr".into())),
            ("MacAddr", Other("macaddr".into())),
            ("Oid", Other("oid".into())),
            ("Range<Int4>", Other("range".into())),
            ("Int4range", Other("int4range".into())),
            ("Geometry", Other("geometry".into())),
            (
                "diesel::sql_types::Array<diesel::sql_types::Int4>",
                Array(Box::new(Integer { bytes: 4 })),
            ),
            ("Array<Nullable<Text>>", Array(Box::new(Text))),
        ];
        for (src, want) in cases {
            assert_eq!(map(src), not_null(want.clone()), "{src}");
        }
    }

    #[test]
    fn nullable_and_lengths() {
        assert_eq!(
            map("Nullable<Array<Nullable<Uuid>>>"),
            Mapped {
                ty: SqlType::Array(Box::new(SqlType::Uuid)),
                nullable: true
            }
        );
        assert!(map("diesel::sql_types::Nullable<Timestamptz>").nullable);
        let custom = CustomTypes::new();
        assert_eq!(
            map_with("Varchar", Some(120), &custom).ty,
            SqlType::String {
                len: Some(120),
                fixed: false
            }
        );
        assert_eq!(
            map_with("Nullable<Bpchar>", Some(2), &custom).ty,
            SqlType::String {
                len: Some(2),
                fixed: true
            }
        );
        // a malformed Nullable<> says nothing about the type
        assert_eq!(map("Nullable").ty, SqlType::Other("nullable".into()));
        assert_eq!(
            map("(Int4, Text)").ty,
            SqlType::Other("(Int4 , Text)".into())
        );
    }

    #[test]
    fn custom_types_resolve_by_rust_name_and_alias() {
        let mut custom = CustomTypes::new();
        custom.insert(
            "Mood".into(),
            CustomType::Postgres {
                name: "mood".into(),
                schema: None,
            },
        );
        custom.insert(
            "Status".into(),
            CustomType::Postgres {
                name: "status".into(),
                schema: Some("audit".into()),
            },
        );
        custom.insert("UsersKindEnum".into(), CustomType::MysqlEnum);
        let pg_enum = |n: &str| SqlType::Enum {
            name: Some(n.into()),
            values: vec![],
        };
        assert_eq!(map_with("Mood", None, &custom).ty, pg_enum("mood"));
        assert_eq!(
            map_with("super::sql_types::Mood", None, &custom).ty,
            pg_enum("mood")
        );
        assert_eq!(
            map_with("Nullable<Array<Nullable<Status>>>", None, &custom).ty,
            SqlType::Array(Box::new(pg_enum("audit.status")))
        );
        assert_eq!(
            map_with("UsersKindEnum", None, &custom).ty,
            SqlType::Enum {
                name: None,
                values: vec![]
            }
        );
        let ty: syn::Type = syn::parse_str("Feeling").unwrap();
        let aliases = BTreeMap::from([("Feeling".to_string(), "Mood".to_string())]);
        assert_eq!(
            map_type(&TyNode::from_syn(&ty), None, &custom, &aliases).ty,
            pg_enum("mood")
        );
    }

    #[test]
    fn renders_rust_spelling() {
        assert_eq!(type_decl(&SqlType::Text, true), "Nullable<Text>");
        assert_eq!(type_decl(&SqlType::Integer { bytes: 8 }, false), "BigInt");
        assert_eq!(
            type_decl(&SqlType::Array(Box::new(SqlType::Text)), false),
            "Array<Nullable<Text>>"
        );
        assert_eq!(
            type_decl(
                &SqlType::Enum {
                    name: Some("order_status".into()),
                    values: vec![]
                },
                false
            ),
            "OrderStatus"
        );
        assert_eq!(
            column_decl("bio", &SqlType::Text, true),
            "bio -> Nullable<Text>,"
        );
        assert_eq!(
            column_decl(
                "email",
                &SqlType::String {
                    len: Some(255),
                    fixed: false
                },
                false
            ),
            "#[max_length = 255] email -> Varchar,"
        );
        assert_eq!(
            column_decl("type", &SqlType::Text, false),
            "#[sql_name = \"type\"] type_ -> Text,"
        );
        assert_eq!(
            column_decl("geom", &SqlType::Other("geometry".into()), true),
            "geom -> Nullable<Geometry>,"
        );
        // every rendering reads back as the same IR
        for ty in [
            SqlType::Integer { bytes: 2 },
            SqlType::Float { double: true },
            SqlType::Timestamp { tz: true },
            SqlType::Json { binary: true },
            SqlType::Array(Box::new(SqlType::Integer { bytes: 4 })),
            SqlType::Uuid,
            SqlType::Boolean,
        ] {
            assert_eq!(map(&type_decl(&ty, true)).ty, ty);
        }
    }
}
