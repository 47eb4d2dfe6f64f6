//! SARIF 2.1.0 for GitHub code scanning (`--format sarif`).
//!
//! One run; `tool.driver.rules` lists every rule of the registry in id order,
//! so a result's `ruleIndex` is the rule's position in `rules::ALL` and the
//! metadata (help from docs/rules/) is the same whatever was found. Paths are
//! repository-relative under `%SRCROOT%`; columns count characters, hence
//! `columnKind: unicodeCodePoints`. Checked against the official schema by
//! tests/sarif_schema.rs; the choices are documented in docs/formats.md.

use super::{url_path, Links, Summary};
use crate::findings::Finding;
use crate::rules::{Rule, Severity, ALL};
use crate::source::Location;
use serde_json::{json, Map, Value};

pub const SCHEMA_URI: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";
/// The key of `partialFingerprints`: bumped if the fingerprint's recipe changes,
/// so code scanning does not match old alerts with new ones.
pub const FINGERPRINT_KEY: &str = "migraguard/v1";

pub fn render(findings: &[Finding], summary: &Summary, links: &Links) -> String {
    let results: Vec<Value> = super::sorted(findings)
        .into_iter()
        .map(|f| result(f, links))
        .collect();
    let mut driver = Map::new();
    driver.insert("name".into(), json!("migraguard"));
    driver.insert("version".into(), json!(env!("CARGO_PKG_VERSION")));
    driver.insert("semanticVersion".into(), json!(env!("CARGO_PKG_VERSION")));
    // Cargo.toml may name no repository: an empty informationUri is not a URI.
    let repository = env!("CARGO_PKG_REPOSITORY");
    if !repository.is_empty() {
        driver.insert("informationUri".into(), json!(repository));
    }
    driver.insert(
        "rules".into(),
        Value::Array(ALL.iter().map(|r| rule(r)).collect()),
    );
    let log = json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": driver },
            "columnKind": "unicodeCodePoints",
            "results": results,
            "properties": { "summary": summary.line() },
        }],
    });
    // Serializing a Value cannot fail; an empty object is still JSON if it did.
    let mut s = serde_json::to_string_pretty(&log).unwrap_or_else(|_| "{}".into());
    s.push('\n');
    s
}

pub(crate) fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

/// MG0xx are about reading the inputs, MG1xx compare models with the
/// migrated schema, MG2xx are about the migration history on its own.
fn category(rule: &Rule) -> &'static str {
    match rule.id.as_bytes().get(2) {
        Some(b'0') => "input",
        Some(b'1') => "drift",
        _ => "migrations",
    }
}

fn rule(r: &Rule) -> Value {
    let full = section(r.doc, "What it does").unwrap_or(r.summary);
    json!({
        "id": r.id,
        "name": r.name,
        "shortDescription": { "text": r.summary },
        "fullDescription": { "text": full },
        "help": { "text": r.doc, "markdown": r.doc },
        "defaultConfiguration": { "level": level(r.default_severity) },
        "properties": { "tags": ["migraguard", category(r)] },
    })
}

/// The paragraphs under `## {heading}` in a rule page, joined into one text.
fn section<'a>(doc: &'a str, heading: &str) -> Option<&'a str> {
    let marker = format!("## {heading}");
    let start = doc.find(&marker)? + marker.len();
    let rest = doc.get(start..)?;
    let end = rest.find("\n## ").unwrap_or(rest.len());
    let text = rest.get(..end)?.trim();
    (!text.is_empty()).then_some(text)
}

fn rule_index(f: &Finding) -> Option<usize> {
    ALL.iter().position(|r| r.id == f.rule.id)
}

fn result(f: &Finding, links: &Links) -> Value {
    let mut text = f.message.clone();
    if let Some(help) = f.help.as_deref().filter(|h| !h.trim().is_empty()) {
        text.push_str("\n\nFix:\n");
        text.push_str(help);
    }
    let mut r = Map::new();
    r.insert("ruleId".into(), json!(f.rule.id));
    if let Some(i) = rule_index(f) {
        r.insert("ruleIndex".into(), json!(i));
    }
    r.insert("level".into(), json!(level(f.severity)));
    r.insert("message".into(), json!({ "text": text }));
    r.insert("locations".into(), json!([primary_location(f, links)]));
    let related: Vec<Value> = f
        .related
        .iter()
        .enumerate()
        .map(|(i, rel)| {
            let mut l = physical(&rel.location, links);
            l.insert("id".into(), json!(i));
            l.insert("message".into(), json!({ "text": rel.message }));
            Value::Object(l)
        })
        .collect();
    if !related.is_empty() {
        r.insert("relatedLocations".into(), Value::Array(related));
    }
    r.insert(
        "partialFingerprints".into(),
        json!({ FINGERPRINT_KEY: f.fingerprint }),
    );
    Value::Object(r)
}

/// Code scanning rejects a result without a location, so a whole-repository
/// finding borrows its first related location, or else points at line 1 of
/// the checked root itself (docs/formats.md).
fn primary_location(f: &Finding, links: &Links) -> Value {
    let (location, message) = match (&f.location, f.related.first()) {
        (Some(l), _) => (l.clone(), f.label.clone()),
        (None, Some(rel)) => (rel.location.clone(), Some(rel.message.clone())),
        (None, None) => {
            return json!({
                "physicalLocation": {
                    "artifactLocation": { "uri": root_uri(links), "uriBaseId": "%SRCROOT%" },
                    "region": { "startLine": 1 },
                }
            })
        }
    };
    let mut l = physical(&location, links);
    if let Some(m) = message {
        l.insert("message".into(), json!({ "text": m }));
    }
    Value::Object(l)
}

/// The checked root as a folder URI relative to `%SRCROOT%`.
fn root_uri(links: &Links) -> String {
    if links.prefix.is_empty() {
        "./".into()
    } else {
        url_path(&links.prefix)
    }
}

fn physical(l: &Location, links: &Links) -> Map<String, Value> {
    let mut region = Map::new();
    region.insert("startLine".into(), json!(l.start.line.max(1)));
    // A location that only knows its line (start == end at column 1) covers
    // the whole line: SARIF says so by leaving the columns out.
    if !(l.start == l.end && l.start.col <= 1) {
        region.insert("startColumn".into(), json!(l.start.col.max(1)));
        region.insert("endLine".into(), json!(l.end.line.max(1)));
        region.insert("endColumn".into(), json!(l.end.col.max(1)));
    }
    let mut m = Map::new();
    m.insert(
        "physicalLocation".into(),
        json!({
            "artifactLocation": {
                "uri": url_path(&links.repo_path(&l.path)),
                "uriBaseId": "%SRCROOT%",
            },
            "region": region,
        }),
    );
    m
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures;

    fn log(links: &Links) -> Value {
        let f = fixtures::findings();
        serde_json::from_str(&render(&f, &fixtures::summary(&f), links)).unwrap()
    }

    fn prefixed() -> Links {
        Links {
            prefix: "svc/".into(),
            blob_base: None,
        }
    }

    #[test]
    fn one_run_with_every_rule_and_consistent_indexes() {
        let v = log(&Links::default());
        assert_eq!(v["version"], "2.1.0");
        let run = &v["runs"][0];
        assert_eq!(run["columnKind"], "unicodeCodePoints");
        let driver = &run["tool"]["driver"];
        assert_eq!(driver["name"], "migraguard");
        assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
        let rules = driver["rules"].as_array().unwrap();
        assert_eq!(rules.len(), ALL.len());
        for result in run["results"].as_array().unwrap() {
            let i = result["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(rules[i]["id"], result["ruleId"]);
        }
        let mg102 = rules.iter().find(|r| r["id"] == "MG102").unwrap();
        assert_eq!(mg102["name"], "missing-column");
        assert_eq!(mg102["defaultConfiguration"]["level"], "error");
        assert_eq!(mg102["help"]["markdown"], crate::rules::MG102.doc);
        let full = mg102["fullDescription"]["text"].as_str().unwrap();
        assert!(
            full.starts_with("Reports a column that a model declares"),
            "{full}"
        );
        assert!(!full.contains("## "), "only the first section: {full}");
        assert_eq!(mg102["properties"]["tags"], json!(["migraguard", "drift"]));
    }

    #[test]
    fn results_carry_levels_regions_fingerprints_and_the_fix() {
        let v = log(&prefixed());
        let results = v["runs"][0]["results"].as_array().unwrap();
        let ids: Vec<_> = results
            .iter()
            .map(|r| r["ruleId"].as_str().unwrap())
            .collect();
        assert_eq!(ids, ["MG204", "MG102", "MG103"]);
        let mg102 = &results[1];
        assert_eq!(mg102["level"], "error");
        assert_eq!(results[2]["level"], "warning");
        let text = mg102["message"]["text"].as_str().unwrap();
        assert!(text.starts_with("column services.description is declared"));
        assert!(text.ends_with(
            "\n\nFix:\nALTER TABLE services ADD COLUMN description TEXT NOT NULL DEFAULT '';"
        ));
        let loc = &mg102["locations"][0];
        assert_eq!(
            loc["physicalLocation"]["artifactLocation"],
            json!({"uri": "svc/app/models.py", "uriBaseId": "%SRCROOT%"})
        );
        assert_eq!(
            loc["physicalLocation"]["region"],
            json!({"startLine": 6, "startColumn": 5, "endLine": 6, "endColumn": 47})
        );
        assert_eq!(loc["message"]["text"], "declared here");
        let related = mg102["relatedLocations"].as_array().unwrap();
        assert_eq!(related.len(), 2);
        assert_eq!(related[1]["id"], 1);
        assert_eq!(
            related[1]["physicalLocation"]["artifactLocation"]["uri"],
            "svc/migrations/0001_init.sql"
        );
        assert_eq!(
            related[1]["message"]["text"],
            "the column was lost when the table was rebuilt here"
        );
        assert_eq!(
            mg102["partialFingerprints"],
            json!({"migraguard/v1": "MG102:services.description:missing"})
        );
        // no help: the message alone
        assert_eq!(
            results[2]["message"]["text"],
            "table audit_log is created by migrations but no model declares it"
        );
    }

    #[test]
    fn a_locationless_finding_borrows_its_related_location_or_the_root() {
        let v = log(&prefixed());
        let mg204 = &v["runs"][0]["results"][0];
        let loc = &mg204["locations"][0];
        assert_eq!(
            loc["physicalLocation"]["artifactLocation"]["uri"],
            "svc/migrations/0002_a.sql"
        );
        // a line-only location covers the whole line: no columns
        assert_eq!(loc["physicalLocation"]["region"], json!({"startLine": 1}));
        assert_eq!(loc["message"]["text"], "first one");

        let bare = Finding::new(&crate::rules::MG204, None, None, "k", "m");
        let l = primary_location(&bare, &prefixed());
        assert_eq!(l["physicalLocation"]["artifactLocation"]["uri"], "svc/");
        let l = primary_location(&bare, &Links::default());
        assert_eq!(l["physicalLocation"]["artifactLocation"]["uri"], "./");
        assert_eq!(l["physicalLocation"]["region"]["startLine"], 1);
    }

    #[test]
    fn uris_are_percent_encoded_and_messages_kept_verbatim() {
        let f = Finding::new(
            &crate::rules::MG105,
            Some("t"),
            Some("c"),
            "type",
            "type differs: 100% \"odd\", a|b\nsecond line",
        )
        .at(Location::new(
            "app/my models#1.py",
            crate::source::Pos::new(2, 3),
            crate::source::Pos::new(2, 9),
        ));
        let s = render(
            std::slice::from_ref(&f),
            &fixtures::summary(&[]),
            &Links::default(),
        );
        let v: Value = serde_json::from_str(&s).unwrap();
        let r = &v["runs"][0]["results"][0];
        assert_eq!(
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "app/my%20models%231.py"
        );
        assert_eq!(
            r["message"]["text"],
            "type differs: 100% \"odd\", a|b\nsecond line"
        );
        assert!(r.get("relatedLocations").is_none());
    }

    #[test]
    fn an_empty_report_is_a_run_without_results() {
        let v: Value =
            serde_json::from_str(&render(&[], &fixtures::summary(&[]), &Links::default())).unwrap();
        assert_eq!(v["runs"][0]["results"], json!([]));
        assert_eq!(
            v["runs"][0]["tool"]["driver"]["rules"]
                .as_array()
                .unwrap()
                .len(),
            ALL.len()
        );
    }

    #[test]
    fn categories_follow_the_rule_numbers() {
        assert_eq!(category(&crate::rules::MG002), "input");
        assert_eq!(category(&crate::rules::MG111), "drift");
        assert_eq!(category(&crate::rules::MG205), "migrations");
    }
}
