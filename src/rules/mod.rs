//! The rule registry: one entry per rule, data only. The documentation of a
//! rule is its page under `docs/rules/`, compiled in, so `migraguard explain`,
//! SARIF rule metadata and the docs site cannot drift apart.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Note,
    Warning,
    Error,
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        match s.trim().to_ascii_lowercase().as_str() {
            "note" | "info" => Some(Severity::Note),
            "warning" | "warn" => Some(Severity::Warning),
            "error" | "deny" => Some(Severity::Error),
            _ => None,
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug)]
pub struct Rule {
    pub id: &'static str,
    pub name: &'static str,
    pub default_severity: Severity,
    /// One line, for SARIF `shortDescription` and listings.
    pub summary: &'static str,
    /// The rule's page, Markdown: what it does, why it matters, example, fix.
    pub doc: &'static str,
}

macro_rules! rules {
    ($( $konst:ident = $id:literal, $name:literal, $sev:ident, $summary:literal; )*) => {
        $( pub static $konst: Rule = Rule {
            id: $id,
            name: $name,
            default_severity: Severity::$sev,
            summary: $summary,
            doc: include_str!(concat!("../../docs/rules/", $id, ".md")),
        }; )*
        /// Every rule, in id order.
        pub static ALL: &[&Rule] = &[$( &$konst ),*];
    };
}

rules! {
    MG001 = "MG001", "unresolved-construct", Note, "a model or migration construct could not be resolved statically and was left out";
    MG002 = "MG002", "unreadable-input", Error, "a model or migration file could not be read or parsed";
    MG101 = "MG101", "missing-table", Error, "a model's table is created by no migration";
    MG102 = "MG102", "missing-column", Error, "a model's column exists in no migration";
    MG103 = "MG103", "extra-table", Warning, "migrations create a table no model declares";
    MG104 = "MG104", "extra-column", Warning, "the database has a column the model does not declare";
    MG105 = "MG105", "type-mismatch", Error, "the model's column type differs from the migrated one";
    MG106 = "MG106", "nullability-mismatch", Error, "the model and the database disagree on NULL";
    MG107 = "MG107", "default-mismatch", Warning, "the server default differs";
    MG108 = "MG108", "primary-key-mismatch", Error, "the primary key differs";
    MG109 = "MG109", "index-mismatch", Warning, "a unique constraint or index differs";
    MG110 = "MG110", "foreign-key-mismatch", Warning, "a foreign key differs";
    MG111 = "MG111", "enum-mismatch", Error, "the model can write a value the database enum rejects";
    MG201 = "MG201", "unknown-table", Error, "a migration references a table that does not exist at that point";
    MG202 = "MG202", "unknown-column", Error, "a migration references a column that does not exist at that point";
    MG203 = "MG203", "duplicate-definition", Error, "a migration creates a table or column that already exists";
    MG204 = "MG204", "history-conflict", Error, "migration versions are duplicated, ambiguous or out of order";
    MG205 = "MG205", "unparsed-statement", Warning, "a schema-changing statement could not be parsed";
    MG301 = "MG301", "not-null-without-default", Error, "a new migration adds a NOT NULL column without a default to an existing table";
    MG302 = "MG302", "destructive-change", Warning, "a new migration drops a table or a column";
    MG303 = "MG303", "rename", Warning, "a new migration renames a table or a column, which breaks the running version during deploy";
    MG304 = "MG304", "risky-type-change", Warning, "a new migration narrows a column type or changes it in a way that rewrites the table";
    MG305 = "MG305", "blocking-index", Warning, "a new migration builds a PostgreSQL index on an existing table without CONCURRENTLY";
    MG401 = "MG401", "static-pool", Warning, "a SQLAlchemy engine uses StaticPool for a file or server database";
}

/// Looks a rule up by id (`MG102`, case-insensitive) or name (`missing-column`).
pub fn lookup(id_or_name: &str) -> Option<&'static Rule> {
    let q = id_or_name.trim();
    ALL.iter()
        .copied()
        .find(|r| r.id.eq_ignore_ascii_case(q) || r.name.eq_ignore_ascii_case(q))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_has_a_documented_page_with_an_example_and_a_fix() {
        for r in ALL {
            assert!(
                r.doc.starts_with(&format!("# {} {}", r.id, r.name)),
                "{} page title",
                r.id
            );
            for section in ["## What it does", "## Why", "## Example", "## Fix"] {
                assert!(r.doc.contains(section), "{} lacks {section}", r.id);
            }
        }
    }

    #[test]
    fn ids_are_unique_and_sorted() {
        let ids: Vec<_> = ALL.iter().map(|r| r.id).collect();
        let mut sorted = ids.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(ids, sorted);
        assert_eq!(lookup("mg102").unwrap().name, "missing-column");
        assert_eq!(lookup("missing-column").unwrap().id, "MG102");
    }
}
