//! SQLModel: `class Hero(SQLModel, table=True)` with annotated fields and
//! `Field(...)`. Classes without `table=True` are data models whose fields
//! table subclasses inherit. Table names default to the lower-cased class
//! name; `str` is an unbounded VARCHAR (`AutoString`) unless `max_length`.

use super::python::{
    as_call, bool_lit, call_name, is_none, kwarg, last_name, str_lit, u32_lit, Scope,
};
use super::sqlalchemy::{column_from_calls, fk_actions, ColumnDef, FkSpec, FkTarget, Note};
use super::sqlalchemy_types::{py_type_from_annotation, sa_type_from_expr};
use crate::schema::SqlType;
use crate::source::Location;
use ruff_python_ast::Expr;
use ruff_text_size::Ranged;

/// `name: T = Field(...)` / `name: T = value` / `name: T`. None when the
/// attribute is not a database column (relationship, ClassVar, private);
/// it still hides an inherited column of the same name.
#[allow(clippy::too_many_arguments)]
pub fn field<'a>(
    scope: &Scope<'_, 'a>,
    owner: &str,
    attr: &str,
    annotation: &'a Expr,
    value: Option<&'a Expr>,
    location: Location,
    refers_to_model: bool,
    notes: &mut Vec<Note>,
) -> Option<ColumnDef<'a>> {
    if attr.starts_with('_') || attr == "model_config" {
        return None;
    }
    if let Expr::Subscript(s) = annotation {
        if matches!(last_name(&s.value), Some("ClassVar")) {
            return None;
        }
    }
    let call = value.and_then(as_call);
    if let Some(c) = call {
        if matches!(call_name(c), Some("Relationship" | "relationship")) {
            return None;
        }
    }
    let field_call = call.filter(|c| call_name(c) == Some("Field"));
    // sa_column=Column(...) replaces everything else the Field says
    if let Some(Expr::Call(col)) = field_call.and_then(|f| kwarg(f, "sa_column")) {
        return Some(column_from_calls(
            scope,
            owner,
            attr,
            &[col],
            None,
            false,
            location,
            notes,
        ));
    }
    let pa = py_type_from_annotation(annotation, scope);
    let mut col = ColumnDef::new(attr, location);
    let sa_type = field_call.and_then(|f| kwarg(f, "sa_type"));
    match (sa_type, &pa.ty) {
        (Some(t), _) => match sa_type_from_expr(t, scope) {
            Ok(t) => col.ty = Some(t),
            Err(why) => col.ty_unresolved = Some(why),
        },
        (None, Ok(t)) => {
            col.ty = Some(match t {
                // SQLModel >= 0.0.45 stores `datetime` as UTCDateTime, a
                // DateTime(timezone=True); `NaiveDatetime` stays naive
                SqlType::Timestamp { tz: false }
                    if scope.prog.sqlmodel_aware_datetimes
                        && annotation_names(annotation)
                            .iter()
                            .any(|n| matches!(*n, "datetime" | "AwareDatetime")) =>
                {
                    SqlType::Timestamp { tz: true }
                }
                other => other.clone(),
            })
        }
        (None, Err(why)) => {
            if pa.forward_ref || refers_to_model {
                // a relationship written without Relationship(): SQLModel
                // would refuse it; it is not a column either way
                return None;
            }
            col.ty_unresolved = Some(why.clone());
        }
    }
    let mut fk_only = false;
    if let Some(f) = field_call {
        let args = &f.arguments.args;
        if let Some(d) = args.first().or_else(|| kwarg(f, "default")) {
            if !is_none(d) && !matches!(d, Expr::EllipsisLiteral(_)) {
                col.client_default = true;
            }
        }
        if kwarg(f, "default_factory").is_some() {
            col.client_default = true;
        }
        let b = |k: &str| kwarg(f, k).and_then(bool_lit);
        col.primary_key = b("primary_key").unwrap_or(false);
        col.unique = b("unique").unwrap_or(false);
        col.index = b("index").unwrap_or(false);
        col.nullable = b("nullable");
        if let Some(fk) = kwarg(f, "foreign_key") {
            // SQLModel >= 0.0.21: `Field(foreign_key="t.id", ondelete="CASCADE")`
            let (on_delete, on_update) = fk_actions(f);
            match str_lit(fk) {
                Some(t) => col.fks.push(FkSpec {
                    target: FkTarget::Dotted(t.to_string()),
                    name: None,
                    on_delete,
                    on_update,
                    location: scope.location(fk.range()),
                }),
                None => col.fks.push(FkSpec {
                    target: FkTarget::Expr {
                        file: scope.file,
                        expr: fk,
                    },
                    name: None,
                    on_delete,
                    on_update,
                    location: scope.location(fk.range()),
                }),
            }
            fk_only = col.ty.is_none();
        }
        if let Some(SqlType::String { len, .. }) = &mut col.ty {
            if let Some(n) = kwarg(f, "max_length").and_then(u32_lit) {
                *len = Some(n);
            }
        }
        if let Some(SqlType::Decimal { precision, scale }) = &mut col.ty {
            *precision = kwarg(f, "max_digits").and_then(u32_lit).or(*precision);
            *scale = kwarg(f, "decimal_places").and_then(u32_lit).or(*scale);
        }
        if let Some(Expr::Dict(d)) = kwarg(f, "sa_column_kwargs") {
            let mut synthetic = Vec::new();
            for it in &d.items {
                if let Some(k) = it.key.as_ref().and_then(str_lit) {
                    synthetic.push((k, &it.value));
                }
            }
            apply_kwargs(scope, owner, &mut col, &synthetic, notes);
        }
    } else if let Some(v) = value {
        if !is_none(v) && !matches!(v, Expr::EllipsisLiteral(_)) {
            col.client_default = true;
        }
    }
    if col.nullable.is_none() {
        col.nullable = Some(!col.primary_key && pa.optional);
    }
    if col.ty.is_none() && !fk_only && col.ty_unresolved.is_none() {
        col.ty_unresolved = Some("no column type is given".into());
    }
    if let Some(why) = &col.ty_unresolved {
        notes.push(Note {
            table: None,
            kind: format!("unresolved-type:{owner}.{attr}"),
            message: format!(
                "the type of field `{attr}` on `{owner}` could not be resolved ({why}); its type is not checked"
            ),
            location: col.location.clone(),
        });
    }
    Some(col)
}

/// The names in an annotation: `Optional[datetime]` -> ["Optional", "datetime"].
fn annotation_names(expr: &Expr) -> Vec<&str> {
    fn walk<'e>(e: &'e Expr, out: &mut Vec<&'e str>, depth: usize) {
        if depth > 16 {
            return;
        }
        match e {
            Expr::Name(n) => out.push(n.id.as_str()),
            Expr::Attribute(a) => out.push(a.attr.as_str()),
            Expr::Subscript(s) => {
                walk(&s.value, out, depth + 1);
                walk(&s.slice, out, depth + 1);
            }
            Expr::Tuple(t) => t.elts.iter().for_each(|x| walk(x, out, depth + 1)),
            Expr::BinOp(b) => {
                walk(&b.left, out, depth + 1);
                walk(&b.right, out, depth + 1);
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(expr, &mut out, 0);
    out
}

/// `sa_column_kwargs={"server_default": text("0"), ...}`: the same keywords as `Column(...)`.
fn apply_kwargs<'a>(
    scope: &Scope<'_, 'a>,
    owner: &str,
    col: &mut ColumnDef<'a>,
    kwargs: &[(&str, &'a Expr)],
    notes: &mut Vec<Note>,
) {
    for (k, v) in kwargs {
        match *k {
            "server_default" => match super::sqlalchemy::server_default_in(scope, v) {
                Ok(d) => col.default = d,
                Err(why) => notes.push(Note {
                    table: None,
                    kind: format!("server-default:{owner}.{}", col.attr),
                    message: format!(
                        "the server default of field `{}` on `{owner}` could not be read ({why}); it is not checked",
                        col.attr
                    ),
                    location: scope.location(v.range()),
                }),
            },
            "name" => {
                if let Some(s) = str_lit(v) {
                    col.name = s.to_string();
                }
            }
            "unique" | "index" | "nullable" | "autoincrement" | "primary_key" => {
                if let Some(b) = bool_lit(v) {
                    match *k {
                        "unique" => col.unique = b,
                        "index" => col.index = b,
                        "nullable" => col.nullable = Some(b),
                        "primary_key" => col.primary_key = b,
                        _ => col.autoincrement = Some(b),
                    }
                }
            }
            "default" | "onupdate" | "insert_default" => col.client_default = true,
            _ => {}
        }
    }
}

/// `class X(SQLModel, table=True)`.
pub fn is_table_class(def: &ruff_python_ast::StmtClassDef) -> bool {
    def.arguments
        .as_ref()
        .and_then(|a| {
            a.keywords
                .iter()
                .find(|k| k.arg.as_ref().map(|i| i.as_str()) == Some("table"))
        })
        .and_then(|k| bool_lit(&k.value))
        .unwrap_or(false)
}
