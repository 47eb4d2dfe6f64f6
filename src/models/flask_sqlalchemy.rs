//! Flask-SQLAlchemy: `db = SQLAlchemy()`, `class X(db.Model)`, `db.Column`,
//! `db.Table`, and the table names it generates for models without
//! `__tablename__`. Column and type arguments are plain SQLAlchemy
//! (`sqlalchemy.rs`); the class hierarchy is `declarative.rs`.

use super::python::{last_name, Program, Resolved};
use ruff_python_ast::Expr;

/// Flask-SQLAlchemy 3's `camel_to_snake_case`:
/// `re.sub(r"((?<=[a-z0-9])[A-Z]|(?!^)[A-Z](?=[a-z]))", r"_\1", name).lower().lstrip("_")`.
/// An underscore goes before an uppercase letter that follows a lowercase
/// letter or digit, or that starts a capitalised word (`HTTPServer` ->
/// `http_server`, `UserAPIKey` -> `user_api_key`).
pub fn camel_to_snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() {
            let prev = i.checked_sub(1).and_then(|p| chars.get(p)).copied();
            let next = chars.get(i + 1).copied();
            let after_lower =
                matches!(prev, Some(p) if p.is_ascii_lowercase() || p.is_ascii_digit());
            let starts_word = i != 0 && matches!(next, Some(n) if n.is_ascii_lowercase());
            if after_lower || starts_word {
                out.push('_');
            }
        }
        out.push(c);
    }
    out.to_lowercase().trim_start_matches('_').to_string()
}

/// Whether a class base is Flask-SQLAlchemy's `db.Model`: an attribute
/// `Model` of a `SQLAlchemy(...)` instance (or of a subclass of it, as
/// redash's `db = RedashSQLAlchemy(...)`), or of a `db` we cannot see (the
/// extension object usually lives outside the model files).
pub fn is_db_model(prog: &Program<'_>, base: &Expr, resolved: &Resolved<'_>) -> bool {
    match resolved {
        Resolved::Member { file, expr, attr } => {
            attr == "Model"
                && matches!(expr, Expr::Call(c) if is_extension_class(prog, *file, &c.func, 0))
        }
        Resolved::External(path) => {
            matches!(base, Expr::Attribute(_))
                && path.ends_with(".Model")
                && !path.starts_with("django.")
                && !path.contains(".models.Model")
        }
        _ => false,
    }
}

/// Whether `class` (an expression in `file`) is `SQLAlchemy` or a class
/// of the parsed files deriving from it.
fn is_extension_class(prog: &Program<'_>, file: usize, class: &Expr, depth: usize) -> bool {
    if last_name(class) == Some("SQLAlchemy") {
        return true;
    }
    if depth > 8 {
        return false;
    }
    match prog.resolve(file, class) {
        Resolved::Class(c) => c.def.arguments.as_ref().is_some_and(|a| {
            a.args
                .iter()
                .any(|b| is_extension_class(prog, c.file, b, depth + 1))
        }),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_case_matches_flask_sqlalchemy() {
        assert_eq!(camel_to_snake_case("UserAPIKey"), "user_api_key");
        assert_eq!(camel_to_snake_case("HTTPServer"), "http_server");
        assert_eq!(camel_to_snake_case("User"), "user");
        assert_eq!(
            camel_to_snake_case("JobExecutionBranch"),
            "job_execution_branch"
        );
        assert_eq!(camel_to_snake_case("OAuth2Token"), "o_auth2_token");
        assert_eq!(camel_to_snake_case("Address2User"), "address2_user");
        assert_eq!(camel_to_snake_case("_Private"), "private");
        assert_eq!(camel_to_snake_case("ABC"), "abc");
    }
}
