//! The JSON report (`--format json`). The shape is a contract shared with
//! other tools and documented field by field in docs/json-format.md; a test
//! below compares this serialization with the example in that document.

use super::Summary;
use crate::findings::{Finding, Related};
use crate::rules::Severity;
use crate::source::Location;
use serde::Serialize;

/// Bumped only on a breaking change (a field removed, renamed or changing
/// type or meaning); adding a field is not breaking.
pub const VERSION: u32 = 1;

#[derive(Serialize)]
struct Report<'a> {
    version: u32,
    summary: JsonSummary<'a>,
    findings: Vec<JsonFinding<'a>>,
}

#[derive(Serialize)]
struct JsonSummary<'a> {
    errors: usize,
    warnings: usize,
    notes: usize,
    suppressed: usize,
    baselined: usize,
    known_at_base: usize,
    dialect: &'a str,
    model_tables: usize,
    migrations: usize,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    rule: &'a str,
    name: &'a str,
    severity: Severity,
    message: &'a str,
    table: Option<&'a str>,
    column: Option<&'a str>,
    location: Option<JsonLocation<'a>>,
    label: Option<&'a str>,
    related: Vec<JsonRelated<'a>>,
    help: Option<&'a str>,
    fingerprint: &'a str,
}

#[derive(Serialize)]
struct JsonLocation<'a> {
    path: &'a str,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
}

#[derive(Serialize)]
struct JsonRelated<'a> {
    location: JsonLocation<'a>,
    message: &'a str,
}

fn location(l: &Location) -> JsonLocation<'_> {
    JsonLocation {
        path: &l.path,
        line: l.start.line,
        column: l.start.col,
        end_line: l.end.line,
        end_column: l.end.col,
    }
}

fn related(r: &Related) -> JsonRelated<'_> {
    JsonRelated {
        location: location(&r.location),
        message: &r.message,
    }
}

fn finding(f: &Finding) -> JsonFinding<'_> {
    JsonFinding {
        rule: f.rule.id,
        name: f.rule.name,
        severity: f.severity,
        message: &f.message,
        table: f.table.as_deref(),
        column: f.column.as_deref(),
        location: f.location.as_ref().map(location),
        label: f.label.as_deref(),
        related: f.related.iter().map(related).collect(),
        help: f.help.as_deref(),
        fingerprint: &f.fingerprint,
    }
}

/// The report as pretty-printed JSON, newline-terminated.
pub fn render(findings: &[Finding], summary: &Summary) -> String {
    let report = Report {
        version: VERSION,
        summary: JsonSummary {
            errors: summary.errors,
            warnings: summary.warnings,
            notes: summary.notes,
            suppressed: summary.scope.suppressed,
            baselined: summary.scope.baselined(),
            known_at_base: summary.scope.at_git_base(),
            dialect: summary.dialect.name(),
            model_tables: summary.model_tables,
            migrations: summary.migrations,
        },
        findings: super::sorted(findings).into_iter().map(finding).collect(),
    };
    // Serializing these plain structs cannot fail; an empty object is still
    // valid JSON if it ever did.
    let mut s = serde_json::to_string_pretty(&report).unwrap_or_else(|_| "{}".into());
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures;
    use serde_json::Value;

    const DOC: &str = include_str!("../../docs/json-format.md");

    /// The first ```json block of the document.
    fn doc_example() -> Value {
        let start = DOC
            .find("```json\n")
            .expect("docs/json-format.md has a ```json block")
            + 8;
        let len = DOC[start..].find("```").expect("closed block");
        serde_json::from_str(&DOC[start..start + len])
            .expect("the documented example is valid JSON")
    }

    /// Same keys at every level, same JSON types where both sides are not null
    /// (null stands for "may be null" in either).
    fn same_shape(doc: &Value, code: &Value, path: &str) {
        match (doc, code) {
            (Value::Null, _) | (_, Value::Null) => {}
            (Value::Object(a), Value::Object(b)) => {
                let ka: Vec<_> = a.keys().collect();
                let kb: Vec<_> = b.keys().collect();
                assert_eq!(ka, kb, "keys of {path} differ between docs and code");
                for (k, v) in a {
                    same_shape(v, &b[k], &format!("{path}.{k}"));
                }
            }
            (Value::Array(a), Value::Array(b)) => {
                for x in a {
                    for y in b {
                        same_shape(x, y, &format!("{path}[]"));
                    }
                }
            }
            (Value::String(_), Value::String(_))
            | (Value::Number(_), Value::Number(_))
            | (Value::Bool(_), Value::Bool(_)) => {}
            _ => panic!("{path}: docs show {doc}, code writes {code}"),
        }
    }

    #[test]
    fn serialization_matches_the_documented_example() {
        let f = fixtures::findings();
        let out: Value = serde_json::from_str(&render(&f, &fixtures::summary(&f))).unwrap();
        let doc = doc_example();
        same_shape(&doc, &out, "$");
        assert_eq!(doc["version"], VERSION);
        // The documented example is this very report: any change to the
        // output must be reflected in the document, and the other way round.
        assert_eq!(
            doc, out,
            "docs/json-format.md example differs from the code's output"
        );
    }

    #[test]
    fn contract_fields_and_order() {
        let f = fixtures::findings();
        let out: Value = serde_json::from_str(&render(&f, &fixtures::summary(&f))).unwrap();
        assert_eq!(out["version"], 1);
        let s = &out["summary"];
        assert_eq!(
            (
                s["errors"].as_u64(),
                s["warnings"].as_u64(),
                s["notes"].as_u64()
            ),
            (Some(2), Some(1), Some(0))
        );
        assert_eq!(
            (s["suppressed"].as_u64(), s["baselined"].as_u64()),
            (Some(2), Some(1))
        );
        assert_eq!(s["dialect"], "sqlite");
        let rules: Vec<_> = out["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["rule"].as_str().unwrap())
            .collect();
        assert_eq!(rules, ["MG204", "MG102", "MG103"]);
        let first = &out["findings"][0];
        assert!(first["location"].is_null() && first["table"].is_null() && first["help"].is_null());
        let mg102 = &out["findings"][1];
        assert_eq!(mg102["name"], "missing-column");
        assert_eq!(mg102["severity"], "error");
        assert_eq!(mg102["location"]["line"], 6);
        assert_eq!(mg102["location"]["end_column"], 47);
        assert_eq!(
            mg102["related"][1]["location"]["path"],
            "migrations/0001_init.sql"
        );
        assert_eq!(mg102["fingerprint"], "MG102:services.description:missing");
    }
}
