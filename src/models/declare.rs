//! A column written back in the model's own language, for help texts
//! ("declare it in the model: ..."). One function per ORM; the diff calls
//! `column_decl` / `type_decl` with the kind the models came from.

use crate::discover::ModelKind;
use crate::schema::{Column, SqlType};

/// How to declare `column` in a model of `kind`:
/// `bio = Column(Text)`, `bio -> Nullable<Text>,`, `pub bio: Option<String>,`.
pub fn column_decl(kind: ModelKind, column: &Column) -> String {
    match kind {
        ModelKind::Sqlalchemy => sqlalchemy_column(column),
        ModelKind::Diesel => super::diesel::column_decl(column),
        ModelKind::Seaorm => super::seaorm::column_decl(column),
    }
}

/// The column's type in the model's language: `String(50)`, `Nullable<Text>`,
/// `Option<String>`.
pub fn type_decl(kind: ModelKind, column: &Column) -> String {
    match kind {
        ModelKind::Sqlalchemy => sqlalchemy_type(&column.ty),
        ModelKind::Diesel => super::diesel::type_decl(column),
        ModelKind::Seaorm => super::seaorm::type_decl(column),
    }
}

fn sqlalchemy_column(column: &Column) -> String {
    let mut decl = format!("{} = Column({}", column.name, sqlalchemy_type(&column.ty));
    if !column.nullable {
        decl.push_str(", nullable=False");
    }
    decl.push(')');
    decl
}

/// The SQLAlchemy spelling of a type, for "declare it in the model" help.
fn sqlalchemy_type(ty: &SqlType) -> String {
    match ty {
        SqlType::Integer { bytes: 1 | 2 } => "SmallInteger".into(),
        SqlType::Integer { bytes: 8 } => "BigInteger".into(),
        SqlType::Integer { .. } => "Integer".into(),
        SqlType::Float { .. } => "Float".into(),
        SqlType::Decimal {
            precision: Some(p),
            scale: Some(s),
        } => format!("Numeric({p}, {s})"),
        SqlType::Decimal {
            precision: Some(p), ..
        } => format!("Numeric({p})"),
        SqlType::Decimal { .. } => "Numeric".into(),
        SqlType::String { len: Some(n), .. } => format!("String({n})"),
        SqlType::String { len: None, .. } => "String".into(),
        SqlType::Text => "Text".into(),
        SqlType::Boolean => "Boolean".into(),
        SqlType::Date => "Date".into(),
        SqlType::Time { tz: true } => "Time(timezone=True)".into(),
        SqlType::Time { .. } => "Time".into(),
        SqlType::Timestamp { tz: true } => "DateTime(timezone=True)".into(),
        SqlType::Timestamp { .. } => "DateTime".into(),
        SqlType::Interval => "Interval".into(),
        SqlType::Uuid => "Uuid".into(),
        SqlType::Json { .. } => "JSON".into(),
        SqlType::Binary { .. } => "LargeBinary".into(),
        SqlType::Enum { name, values } => {
            let mut args: Vec<String> = values.iter().map(|v| format!("{v:?}")).collect();
            if let Some(n) = name {
                args.push(format!("name={n:?}"));
            }
            format!("Enum({})", args.join(", "))
        }
        SqlType::Array(inner) => format!("ARRAY({})", sqlalchemy_type(inner)),
        SqlType::Other(raw) => format!("...  # {raw}"),
    }
}
