//! SQLAlchemy column types and Python annotations mapped to `SqlType`.
//!
//! Shared by every frontend that reads SQLAlchemy type expressions (models
//! here, Alembic `op.add_column(..., sa.String(50))` later), so `sa.String(50)`
//! means the same thing everywhere. Only the last name of a dotted type
//! matters (`sa.String`, `sqlalchemy.types.String`, `db.String` and
//! `String` are the same type); names that refer to classes defined in the
//! project (custom `TypeDecorator`s) go through `TypeLookup`.

use super::python::{
    bool_lit, call_name, dotted, kwarg, last_name, str_lit, u32_lit, union_members,
};
use crate::dialect::Dialect;
use crate::schema::SqlType;
use ruff_python_ast::Expr;

/// A Python `enum.Enum` subclass found in the parsed files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PyEnum {
    pub class_name: String,
    /// Member names with their literal values (None when not a literal, e.g. `auto()`).
    pub members: Vec<(String, Option<String>)>,
}

/// What the type mapping may ask about the surrounding program. Every
/// method has a default, so a frontend without cross-file knowledge (an
/// Alembic revision) can pass `&NoLookup`.
pub trait TypeLookup {
    /// The Python enum class `expr` names, if it is defined in parsed files.
    fn python_enum(&self, _expr: &Expr) -> Option<PyEnum> {
        None
    }
    /// A project-defined type class (`class GUID(TypeDecorator): impl = CHAR(36)`):
    /// `Some(Ok(..))` its underlying type, `Some(Err(..))` defined but not
    /// understood, `None` not a project class.
    /// `call` is the call when the type is instantiated (`MyType(timezone=True)`).
    fn custom_type(
        &self,
        _expr: &Expr,
        _call: Option<&ruff_python_ast::ExprCall>,
    ) -> Option<Result<SqlType, String>> {
        None
    }
    fn dialect(&self) -> Dialect {
        Dialect::Postgresql
    }
    /// The project's own type for a Python annotation name (SQLAlchemy's
    /// `type_annotation_map`), when it overrides the default.
    fn annotation_type(&self, _name: &str) -> Option<Result<SqlType, String>> {
        None
    }
    /// Whether the project maps `name` itself (used for generic keys such as `Enum`).
    fn annotation_overridden(&self, _name: &str) -> bool {
        false
    }
    /// The value of a module-level integer constant (`String(MAX_LEN)`).
    fn constant_int(&self, _expr: &Expr) -> Option<u32> {
        None
    }
    /// The strings of a module-level tuple/list constant (`Enum(*STATUSES)`).
    fn constant_strings(&self, _expr: &Expr) -> Option<Vec<String>> {
        None
    }
    /// The dotted import path a name stands for (`SAUUID` after
    /// `from sqlalchemy.dialects.postgresql import UUID as SAUUID` is
    /// `sqlalchemy.dialects.postgresql.UUID`), when it is imported from outside the parsed files.
    fn import_path(&self, _expr: &Expr) -> Option<String> {
        None
    }
}

/// The name a type expression is known by: its import path when it is an
/// alias of a SQLAlchemy (or SQLModel) type, else its spelling.
fn type_name(expr: &Expr, lookup: &dyn TypeLookup) -> Option<String> {
    let spelled = dotted(expr)?;
    Some(
        lookup
            .import_path(expr)
            .filter(|p| {
                // only for real aliases: messages keep the name as written
                let last = |s: &str| s.rsplit('.').next().map(str::to_string);
                matches!(
                    p.split('.').next(),
                    Some("sqlalchemy" | "sqlmodel" | "sqlalchemy_utils")
                ) && (last(p) != last(&spelled) || p.starts_with("sqlalchemy_utils."))
            })
            .unwrap_or(spelled),
    )
}

/// A lookup that knows nothing beyond the expression itself.
pub struct NoLookup(pub Dialect);

impl TypeLookup for NoLookup {
    fn dialect(&self) -> Dialect {
        self.0
    }
}

/// The column type a SQLAlchemy type expression declares: `String`,
/// `sa.String(50)`, `postgresql.UUID(as_uuid=True)`, `Enum("a", "b", name="x")`,
/// `ARRAY(Integer)`, `JSON().with_variant(JSONB(), "postgresql")`,
/// `MutableDict.as_mutable(JSONB)`. `Err` says why it could not be resolved.
pub fn sa_type_from_expr(expr: &Expr, lookup: &dyn TypeLookup) -> Result<SqlType, String> {
    sa_type_depth(expr, lookup, 0)
}

fn sa_type_depth(expr: &Expr, lookup: &dyn TypeLookup, depth: usize) -> Result<SqlType, String> {
    if depth > 16 {
        return Err("type expression nested too deeply".into());
    }
    match expr {
        Expr::Call(call) => {
            if let Expr::Attribute(attr) = &*call.func {
                match attr.attr.as_str() {
                    "with_variant" => {
                        let mut dialects = Vec::new();
                        for a in call.arguments.args.iter().skip(1) {
                            collect_strings(a, &mut dialects);
                        }
                        if let Some(k) = kwarg(call, "dialect_name") {
                            collect_strings(k, &mut dialects);
                        }
                        let ours = lookup.dialect();
                        if dialects.iter().any(|d| Dialect::parse(d) == Some(ours)) {
                            if let Some(v) = call.arguments.args.first() {
                                return sa_type_depth(v, lookup, depth + 1);
                            }
                        }
                        return sa_type_depth(&attr.value, lookup, depth + 1);
                    }
                    "evaluates_none" | "execution_options" | "copy" | "as_generic" => {
                        return sa_type_depth(&attr.value, lookup, depth + 1)
                    }
                    "as_mutable" => {
                        if let Some(a) = call.arguments.args.first() {
                            return sa_type_depth(a, lookup, depth + 1);
                        }
                    }
                    _ => {}
                }
            }
            if let Some(custom) = lookup.custom_type(&call.func, Some(call)) {
                return custom;
            }
            let name = type_name(&call.func, lookup)
                .ok_or_else(|| "the column type is computed by an expression".to_string())?;
            type_from_name(&name, Some(call), lookup, depth)
        }
        Expr::Name(_) | Expr::Attribute(_) => {
            if let Some(custom) = lookup.custom_type(expr, None) {
                return custom;
            }
            let name = type_name(expr, lookup).unwrap_or_default();
            type_from_name(&name, None, lookup, depth)
        }
        _ => Err("the column type is not a type name or call".into()),
    }
}

/// A `TypeDecorator`'s `impl = TIMESTAMP` instantiated with the decorator's
/// own arguments: `TIMESTAMPAware(timezone=True)` is `TIMESTAMP(timezone=True)`,
/// as `TypeDecorator.__init__` passes them on.
pub fn impl_with_args(
    imp: &Expr,
    call: &ruff_python_ast::ExprCall,
    lookup: &dyn TypeLookup,
) -> Option<Result<SqlType, String>> {
    if !matches!(imp, Expr::Name(_) | Expr::Attribute(_)) || lookup.custom_type(imp, None).is_some()
    {
        return None;
    }
    let name = type_name(imp, lookup)?;
    Some(type_from_name(&name, Some(call), lookup, 1))
}

fn collect_strings(expr: &Expr, out: &mut Vec<String>) {
    match expr {
        Expr::StringLiteral(s) => out.push(s.value.to_str().to_string()),
        Expr::Tuple(t) => t.elts.iter().for_each(|e| collect_strings(e, out)),
        Expr::List(l) => l.elts.iter().for_each(|e| collect_strings(e, out)),
        _ => {}
    }
}

fn type_from_name(
    name: &str,
    call: Option<&ruff_python_ast::ExprCall>,
    lookup: &dyn TypeLookup,
    depth: usize,
) -> Result<SqlType, String> {
    let seg = name.rsplit('.').next().unwrap_or(name);
    let pos = |i: usize| call.and_then(|c| c.arguments.args.get(i));
    let kw = |k: &str| call.and_then(|c| kwarg(c, k));
    let int_arg = |i: usize, k: &str| -> Result<Option<u32>, String> {
        match kw(k).or_else(|| pos(i)) {
            None => Ok(None),
            Some(e) if super::python::is_none(e) => Ok(None),
            Some(e) => u32_lit(e)
                .or_else(|| lookup.constant_int(e))
                .map(Some)
                .ok_or_else(|| format!("the {k} given to `{name}` is not a literal")),
        }
    };
    let flag = |i: usize, k: &str| kw(k).or_else(|| pos(i)).and_then(bool_lit);
    if name.starts_with("sqlalchemy_utils.") {
        // sqlalchemy_utils' TypeDecorators, by their `impl` and
        // `load_dialect_impl` (checked against the DDL SQLAlchemy emits)
        let dialect = lookup.dialect();
        return Ok(match seg {
            "TSVectorType" => SqlType::Other("tsvector".into()),
            "JSONType" if dialect == Dialect::Postgresql => SqlType::Json { binary: false },
            "JSONType" | "URLType" | "ScalarListType" => SqlType::Text,
            "UUIDType" => {
                let binary = kw("binary").and_then(bool_lit).unwrap_or(true);
                let native = kw("native").and_then(bool_lit).unwrap_or(true);
                if native && dialect == Dialect::Postgresql {
                    SqlType::Uuid
                } else if binary {
                    SqlType::Binary { len: Some(16) }
                } else {
                    SqlType::String {
                        len: Some(32),
                        fixed: true,
                    }
                }
            }
            "EmailType" => SqlType::String {
                len: int_arg(0, "length")?.or(Some(255)),
                fixed: false,
            },
            "IPAddressType" => SqlType::String {
                len: int_arg(0, "max_length")?.or(Some(50)),
                fixed: false,
            },
            "StringEncryptedType" | "EncryptedType" => SqlType::String {
                len: int_arg(usize::MAX, "length")?,
                fixed: false,
            },
            "ChoiceType" => match kw("impl").or_else(|| pos(1)) {
                Some(i) => sa_type_depth(i, lookup, depth + 1)?,
                None => SqlType::String {
                    len: Some(255),
                    fixed: false,
                },
            },
            _ => {
                return Err(format!(
                    "`{seg}` from sqlalchemy_utils is not a type migraguard knows"
                ))
            }
        });
    }
    Ok(match seg {
        "Integer" | "INTEGER" | "INT" | "MEDIUMINT" => SqlType::Integer { bytes: 4 },
        "SmallInteger" | "SMALLINT" => SqlType::Integer { bytes: 2 },
        "BigInteger" | "BIGINT" => SqlType::Integer { bytes: 8 },
        "TINYINT" => SqlType::Integer { bytes: 1 },
        // SQLAlchemy's FLOAT without precision is a double on PostgreSQL and MySQL
        "Float" | "FLOAT" => SqlType::Float {
            double: int_arg(0, "precision")?.map(|p| p > 24).unwrap_or(true),
        },
        "REAL" => SqlType::Float { double: false },
        "Double" | "DOUBLE" | "DOUBLE_PRECISION" => SqlType::Float { double: true },
        "Numeric" | "NUMERIC" | "DECIMAL" => SqlType::Decimal {
            precision: int_arg(0, "precision")?,
            scale: int_arg(1, "scale")?,
        },
        "String" | "VARCHAR" | "NVARCHAR" | "Unicode" | "AutoString" => SqlType::String {
            len: int_arg(0, "length")?,
            fixed: false,
        },
        "CHAR" | "NCHAR" => SqlType::String {
            len: int_arg(0, "length")?.or(Some(1)),
            fixed: true,
        },
        "Text" | "TEXT" | "UnicodeText" | "CLOB" | "TINYTEXT" | "MEDIUMTEXT" | "LONGTEXT"
        | "CITEXT" => SqlType::Text,
        "Boolean" | "BOOLEAN" => SqlType::Boolean,
        "Date" | "DATE" => SqlType::Date,
        "DateTime" | "DATETIME" | "TIMESTAMP" => SqlType::Timestamp {
            tz: flag(0, "timezone").unwrap_or(false),
        },
        "Time" | "TIME" => SqlType::Time {
            tz: flag(0, "timezone").unwrap_or(false),
        },
        "Interval" | "INTERVAL" => SqlType::Interval,
        "Uuid" | "UUID" => SqlType::Uuid,
        "JSON" => SqlType::Json { binary: false },
        "JSONB" => SqlType::Json { binary: true },
        "LargeBinary" | "BLOB" | "BYTEA" | "LONGBLOB" | "MEDIUMBLOB" | "TINYBLOB" => {
            SqlType::Binary {
                len: int_arg(0, "length")?,
            }
        }
        "PickleType" => SqlType::Binary { len: None },
        "BINARY" | "VARBINARY" => SqlType::Binary {
            len: int_arg(0, "length")?,
        },
        "Enum" | "ENUM" => return enum_type(call, lookup),
        "ARRAY" => {
            let inner = kw("item_type")
                .or_else(|| pos(0))
                .ok_or_else(|| "ARRAY without an item type".to_string())?;
            SqlType::Array(Box::new(sa_type_depth(inner, lookup, depth + 1)?))
        }
        "INET" | "CIDR" | "MACADDR" | "MACADDR8" | "TSVECTOR" | "TSQUERY" | "HSTORE" | "MONEY"
        | "BIT" | "OID" | "REGCLASS" | "INT4RANGE" | "INT8RANGE" | "NUMRANGE" | "DATERANGE"
        | "TSRANGE" | "TSTZRANGE" | "XML" | "Geometry" | "Geography" | "Raster" | "YEAR"
        | "SET" | "Vector" | "VECTOR" | "CITEXT_ARRAY" => SqlType::Other(seg.to_ascii_lowercase()),
        _ => {
            return Err(format!(
                "`{name}` is not a SQLAlchemy type migraguard knows"
            ))
        }
    })
}

/// `Enum("a", "b", name="x")`, `Enum(Status)` (member NAMES, as SQLAlchemy
/// stores them unless `values_callable` says otherwise), `native_enum=False`
/// (a VARCHAR as long as the longest value).
fn enum_type(
    call: Option<&ruff_python_ast::ExprCall>,
    lookup: &dyn TypeLookup,
) -> Result<SqlType, String> {
    let call = call.ok_or_else(|| "`Enum` without values".to_string())?;
    let values: Vec<String>;
    let mut name = kwarg(call, "name").and_then(str_lit).map(str::to_string);
    let args = &call.arguments.args;
    let starred = match args.first() {
        Some(Expr::Starred(s)) if args.len() == 1 => Some(&*s.value),
        _ => None,
    };
    if let Some(inner) = starred {
        // Enum(*STATUSES) / Enum(*[s.value for s in Status])
        values = lookup
            .constant_strings(inner)
            .ok_or_else(|| "the enum values are computed (`Enum(*...)`)".to_string())?;
    } else if args.iter().all(|a| str_lit(a).is_some()) && !args.is_empty() {
        values = args
            .iter()
            .filter_map(str_lit)
            .map(str::to_string)
            .collect();
    } else if let Some(first) = args.first() {
        let e = lookup.python_enum(first).ok_or_else(|| {
            format!(
                "enum class `{}` is not defined in the parsed model files",
                dotted(first).unwrap_or_else(|| "?".into())
            )
        })?;
        values = match kwarg(call, "values_callable") {
            None => e.members.iter().map(|(n, _)| n.clone()).collect(),
            Some(cb) if takes_member_values(cb) => {
                let vals: Option<Vec<String>> = e.members.iter().map(|(_, v)| v.clone()).collect();
                vals.ok_or_else(|| {
                    format!(
                        "enum class `{}` has members whose values are not literals",
                        e.class_name
                    )
                })?
            }
            Some(_) => {
                return Err(format!(
                    "`values_callable` of the `{}` enum is not the usual `[e.value for e in x]`",
                    e.class_name
                ))
            }
        };
        if name.is_none() {
            name = Some(e.class_name.to_lowercase());
        }
    } else {
        return Err("`Enum` without values".into());
    }
    let native = kwarg(call, "native_enum")
        .and_then(bool_lit)
        .unwrap_or(true);
    if !native {
        let len = kwarg(call, "length")
            .and_then(u32_lit)
            .or_else(|| values.iter().map(|v| v.chars().count() as u32).max());
        return Ok(SqlType::String { len, fixed: false });
    }
    Ok(SqlType::Enum { name, values })
}

/// `lambda x: [e.value for e in x]` (or any lambda whose comprehension takes `.value`).
fn takes_member_values(expr: &Expr) -> bool {
    let Expr::Lambda(l) = expr else {
        return false;
    };
    match &*l.body {
        Expr::ListComp(c) => matches!(&*c.elt, Expr::Attribute(a) if a.attr.as_str() == "value"),
        Expr::Call(c) if call_name(c) == Some("list") => false,
        _ => false,
    }
}

/// The meaning of a Python annotation (`Mapped[...]`'s argument, a SQLModel
/// field type).
#[derive(Clone, Debug, PartialEq)]
pub struct PyAnnotation {
    pub ty: Result<SqlType, String>,
    /// `Optional[X]`, `X | None`, `Union[X, None]`.
    pub optional: bool,
    /// The annotation names a string / forward reference or a collection of
    /// them (`"User"`, `list["Address"]`): a relationship, not a column.
    pub forward_ref: bool,
}

/// Maps a Python type annotation: int, str, bool, float, Decimal, datetime,
/// date, time, timedelta, uuid.UUID, bytes, dict/list (JSON), enum classes,
/// `Literal[...]`, with `Optional`/`| None`/`Union[.., None]` unwrapped.
pub fn py_type_from_annotation(expr: &Expr, lookup: &dyn TypeLookup) -> PyAnnotation {
    py_type_depth(expr, lookup, 0)
}

/// `X | None`, `Union[X, None]`: the one non-None member's type, optional
/// when None is a member (or the member itself is optional).
fn union_type(members: Vec<&Expr>, lookup: &dyn TypeLookup, depth: usize) -> PyAnnotation {
    let optional = members.iter().any(|m| super::python::is_none(m));
    let rest: Vec<&Expr> = members
        .into_iter()
        .filter(|m| !super::python::is_none(m))
        .collect();
    match rest.as_slice() {
        [one] => {
            let inner = py_type_depth(one, lookup, depth + 1);
            PyAnnotation {
                optional: optional || inner.optional,
                ..inner
            }
        }
        _ => PyAnnotation {
            ty: Err("a union of several types has no single column type".into()),
            optional,
            forward_ref: false,
        },
    }
}

fn py_type_depth(expr: &Expr, lookup: &dyn TypeLookup, depth: usize) -> PyAnnotation {
    let fail = |why: String| PyAnnotation {
        ty: Err(why),
        optional: false,
        forward_ref: false,
    };
    if depth > 16 {
        return fail("annotation nested too deeply".into());
    }
    match expr {
        Expr::StringLiteral(s) => {
            let text = s.value.to_str();
            match ruff_python_parser::parse_expression(text) {
                Ok(parsed) => {
                    let inner = py_type_depth(&parsed.syntax().body, lookup, depth + 1);
                    if inner.ty.is_err() {
                        return PyAnnotation {
                            forward_ref: true,
                            ..inner
                        };
                    }
                    inner
                }
                Err(_) => PyAnnotation {
                    forward_ref: true,
                    ..fail(format!("annotation `{text}` is not a type"))
                },
            }
        }
        Expr::BinOp(_) => union_type(union_members(expr), lookup, depth),
        Expr::Subscript(sub) => {
            let outer = last_name(&sub.value).unwrap_or("");
            if !matches!(
                outer,
                "Optional" | "Union" | "Annotated" | "ClassVar" | "Final"
            ) {
                if let Some(over) = lookup.annotation_type(outer) {
                    return PyAnnotation {
                        ty: over,
                        optional: false,
                        forward_ref: false,
                    };
                }
            }
            match outer {
                "Optional" => {
                    let inner = py_type_depth(&sub.slice, lookup, depth + 1);
                    PyAnnotation {
                        optional: true,
                        ..inner
                    }
                }
                "Union" => {
                    let elts: Vec<&Expr> = match &*sub.slice {
                        Expr::Tuple(t) => t.elts.iter().collect(),
                        other => vec![other],
                    };
                    union_type(elts, lookup, depth)
                }
                "Annotated" => match &*sub.slice {
                    Expr::Tuple(t) => match t.elts.first() {
                        Some(first) => py_type_depth(first, lookup, depth + 1),
                        None => fail("empty Annotated".into()),
                    },
                    other => py_type_depth(other, lookup, depth + 1),
                },
                "Literal" => {
                    let mut values = Vec::new();
                    collect_strings(&sub.slice, &mut values);
                    if values.is_empty() {
                        return fail("Literal without string values".into());
                    }
                    // SQLAlchemy maps a Literal to a non-native Enum: a VARCHAR
                    // as long as the longest value
                    PyAnnotation {
                        ty: Ok(SqlType::String {
                            len: values.iter().map(|v| v.chars().count() as u32).max(),
                            fixed: false,
                        }),
                        optional: false,
                        forward_ref: false,
                    }
                }
                "dict" | "Dict" | "Mapping" | "MutableMapping" => PyAnnotation {
                    ty: Ok(SqlType::Json { binary: false }),
                    optional: false,
                    forward_ref: false,
                },
                "list" | "List" | "Sequence" | "set" | "Set" | "tuple" | "Tuple" => {
                    // list["Address"] is a relationship collection, list[str] a JSON column
                    let elts: Vec<&Expr> = match &*sub.slice {
                        Expr::Tuple(t) => t.elts.iter().collect(),
                        other => vec![other],
                    };
                    let refs = elts.iter().any(|e| {
                        matches!(e, Expr::StringLiteral(_))
                            || py_type_depth(e, lookup, depth + 1).ty.is_err()
                    });
                    if refs {
                        return PyAnnotation {
                            forward_ref: true,
                            ..fail("a collection of objects is a relationship".into())
                        };
                    }
                    PyAnnotation {
                        ty: Ok(SqlType::Json { binary: false }),
                        optional: false,
                        forward_ref: false,
                    }
                }
                "ClassVar" | "Final" => py_type_depth(&sub.slice, lookup, depth + 1),
                _ => fail(format!(
                    "annotation `{}` has no known column type",
                    dotted(&sub.value).unwrap_or_default()
                )),
            }
        }
        Expr::NoneLiteral(_) => PyAnnotation {
            optional: true,
            ..fail("`None` is not a column type".into())
        },
        Expr::Name(_) | Expr::Attribute(_) => {
            let name = dotted(expr).unwrap_or_default();
            let seg = name.rsplit('.').next().unwrap_or(&name);
            if let Some(over) = lookup
                .annotation_type(&name)
                .or_else(|| lookup.annotation_type(seg))
            {
                return PyAnnotation {
                    ty: over,
                    optional: false,
                    forward_ref: false,
                };
            }
            let ty = match seg {
                "int" => SqlType::Integer { bytes: 4 },
                "str" | "EmailStr" | "HttpUrl" | "AnyUrl" | "AnyHttpUrl" | "NameEmail" => {
                    SqlType::String {
                        len: None,
                        fixed: false,
                    }
                }
                "bool" => SqlType::Boolean,
                "float" => SqlType::Float { double: true },
                "Decimal" => SqlType::Decimal {
                    precision: None,
                    scale: None,
                },
                // pydantic's variants (SQLModel): naive unless the SQLModel
                // frontend knows its version makes them aware
                "datetime" | "NaiveDatetime" | "AwareDatetime" => SqlType::Timestamp { tz: false },
                "date" => SqlType::Date,
                "time" => SqlType::Time { tz: false },
                "timedelta" => SqlType::Interval,
                "UUID" | "UUID1" | "UUID4" => SqlType::Uuid,
                "bytes" => SqlType::Binary { len: None },
                "dict" | "list" | "Dict" | "List" => SqlType::Json { binary: false },
                _ => {
                    if let Some(e) = lookup.python_enum(expr) {
                        if lookup.annotation_overridden("Enum") {
                            return fail(format!(
                                "`type_annotation_map` changes how enum `{}` is stored",
                                e.class_name
                            ));
                        }
                        SqlType::Enum {
                            name: Some(e.class_name.to_lowercase()),
                            values: e.members.into_iter().map(|(n, _)| n).collect(),
                        }
                    } else {
                        return fail(format!("annotation `{name}` has no known column type"));
                    }
                }
            };
            PyAnnotation {
                ty: Ok(ty),
                optional: false,
                forward_ref: false,
            }
        }
        _ => fail("annotation is not a type".into()),
    }
}

/// Unwraps `Mapped[X]` (also `orm.Mapped`, a string `"Mapped[X]"` is handled
/// by the caller parsing it): Some(X) for a Mapped annotation.
pub fn mapped_inner(expr: &Expr) -> Option<&Expr> {
    match expr {
        Expr::Subscript(s) if last_name(&s.value) == Some("Mapped") => Some(&s.slice),
        _ => None,
    }
}

/// True for `WriteOnlyMapped[...]` / `DynamicMapped[...]`: relationship collections.
pub fn is_relationship_annotation(expr: &Expr) -> bool {
    matches!(expr, Expr::Subscript(s)
        if matches!(last_name(&s.value), Some("WriteOnlyMapped" | "DynamicMapped" | "Relationship")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ty(src: &str) -> Result<SqlType, String> {
        let parsed = ruff_python_parser::parse_expression(src).unwrap();
        sa_type_from_expr(&parsed.syntax().body, &NoLookup(Dialect::Postgresql))
    }

    fn ann(src: &str) -> PyAnnotation {
        let parsed = ruff_python_parser::parse_expression(src).unwrap();
        py_type_from_annotation(&parsed.syntax().body, &NoLookup(Dialect::Postgresql))
    }

    #[test]
    fn maps_sqlalchemy_type_spellings() {
        let s50 = SqlType::String {
            len: Some(50),
            fixed: false,
        };
        assert_eq!(ty("sa.String(50)"), Ok(s50.clone()));
        // bunkerweb: integer arithmetic on literals
        assert_eq!(
            ty("LargeBinary(length=(2**32) - 1)"),
            Ok(SqlType::Binary {
                len: Some(u32::MAX)
            })
        );
        assert_eq!(
            ty("String(2 * 128 + 1)").ok(),
            Some(SqlType::String {
                len: Some(257),
                fixed: false
            })
        );
        assert!(ty("String(2**40)").is_err());
        assert_eq!(ty("String(length=50)"), Ok(s50.clone()));
        assert_eq!(ty("db.String(50)"), Ok(s50));
        assert_eq!(
            ty("String"),
            Ok(SqlType::String {
                len: None,
                fixed: false
            })
        );
        assert_eq!(
            ty("sqlalchemy.types.Integer"),
            Ok(SqlType::Integer { bytes: 4 })
        );
        assert_eq!(ty("postgresql.UUID(as_uuid=True)"), Ok(SqlType::Uuid));
        assert_eq!(ty("JSONB"), Ok(SqlType::Json { binary: true }));
        assert_eq!(
            ty("Numeric(10, 2)"),
            Ok(SqlType::Decimal {
                precision: Some(10),
                scale: Some(2)
            })
        );
        assert_eq!(
            ty("DateTime(timezone=True)"),
            Ok(SqlType::Timestamp { tz: true })
        );
        assert_eq!(ty("sa.DateTime()"), Ok(SqlType::Timestamp { tz: false }));
        assert_eq!(
            ty("ARRAY(Integer)"),
            Ok(SqlType::Array(Box::new(SqlType::Integer { bytes: 4 })))
        );
        assert_eq!(
            ty("Enum('a', 'b', name='x')"),
            Ok(SqlType::Enum {
                name: Some("x".into()),
                values: vec!["a".into(), "b".into()]
            })
        );
        assert_eq!(
            ty("Enum('draft', 'published', native_enum=False)"),
            Ok(SqlType::String {
                len: Some(9),
                fixed: false
            })
        );
        assert_eq!(
            ty("JSON().with_variant(JSONB(), 'postgresql')"),
            Ok(SqlType::Json { binary: true })
        );
        assert_eq!(
            ty("MutableDict.as_mutable(JSONB)"),
            Ok(SqlType::Json { binary: true })
        );
        assert!(ty("MyCustomType()").is_err());
        assert!(ty("get_type()").is_err());
        assert!(ty("Enum(Unknown)").is_err());
    }

    #[test]
    fn maps_python_annotations() {
        assert_eq!(ann("int").ty, Ok(SqlType::Integer { bytes: 4 }));
        assert!(!ann("int").optional);
        let o = ann("Optional[str]");
        assert!(o.optional);
        assert_eq!(
            o.ty,
            Ok(SqlType::String {
                len: None,
                fixed: false
            })
        );
        assert!(ann("datetime.datetime | None").optional);
        assert_eq!(
            ann("datetime.datetime | None").ty,
            Ok(SqlType::Timestamp { tz: false })
        );
        assert!(ann("Union[uuid.UUID, None]").optional);
        assert_eq!(ann("uuid.UUID").ty, Ok(SqlType::Uuid));
        assert_eq!(
            ann("dict[str, Any]").ty,
            Ok(SqlType::Json { binary: false })
        );
        assert_eq!(ann("list[str]").ty, Ok(SqlType::Json { binary: false }));
        assert!(ann("list['Address']").forward_ref);
        assert!(ann("'User'").forward_ref);
        assert_eq!(ann("'Optional[int]'").ty, Ok(SqlType::Integer { bytes: 4 }));
        assert_eq!(
            ann("Decimal").ty,
            Ok(SqlType::Decimal {
                precision: None,
                scale: None
            })
        );
        assert_eq!(ann("bytes").ty, Ok(SqlType::Binary { len: None }));
        assert!(ann("int | str").ty.is_err());
        assert_eq!(
            ann("Literal['pending', 'received']").ty,
            Ok(SqlType::String {
                len: Some(8),
                fixed: false
            })
        );
    }
}
