//! Reporters: findings in, text out. They never compute findings.
//! OWNER: report/cli helper.
//!
//! Every reporter takes the findings that survived scope and a `Summary`;
//! `human` also reads source text through the snapshot for its snippets.

pub mod github;
pub mod human;
pub mod json;
pub mod markdown;
pub mod sarif;
pub mod short;

use crate::dialect::Dialect;
use crate::findings::Finding;
use crate::pipeline::CheckOutcome;
use crate::rules::Severity;
use crate::scope::{ScopeCounts, Scoped};

/// Where report paths point, for the formats read outside the checkout
/// (GitHub annotations, SARIF, the Markdown job summary): they need paths
/// relative to the repository root, and links need the commit.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Links {
    /// The checked root relative to the repository root, with a trailing
    /// `/` ("" when they are the same, or outside git).
    pub prefix: String,
    /// Base URL of files at the checked commit, ending in `/`
    /// (`https://github.com/o/r/blob/<sha>/`), when known.
    pub blob_base: Option<String>,
}

impl Links {
    /// `path` (relative to the checked root) relative to the repository root.
    pub fn repo_path(&self, path: &str) -> String {
        format!("{}{}", self.prefix, path)
    }

    /// Links for a GitHub Actions run, from its environment: files at
    /// `GITHUB_SERVER_URL/GITHUB_REPOSITORY/blob/<sha>/`. The sha is
    /// `MIGRAGUARD_SHA` when set (the Action passes the pull request's head,
    /// since `GITHUB_SHA` of a pull_request run is a merge commit that exists
    /// only on the runner), else `GITHUB_SHA`. Without all three, no links.
    pub fn github_env(prefix: String, env: impl Fn(&str) -> Option<String>) -> Links {
        let var = |name: &str| {
            env(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let blob_base = (|| {
            let server = var("GITHUB_SERVER_URL")?;
            let repository = var("GITHUB_REPOSITORY")?;
            let sha = var("MIGRAGUARD_SHA").or_else(|| var("GITHUB_SHA"))?;
            Some(format!(
                "{}/{}/blob/{}/",
                server.trim_end_matches('/'),
                repository.trim_matches('/'),
                sha
            ))
        })();
        Links { prefix, blob_base }
    }

    /// Link to `path` (relative to the checked root) at lines `start..=end`,
    /// when the commit is known.
    pub fn line_url(&self, path: &str, start: u32, end: u32) -> Option<String> {
        let base = self.blob_base.as_ref()?;
        let anchor = if end > start {
            format!("#L{start}-L{end}")
        } else {
            format!("#L{start}")
        };
        Some(format!("{base}{}{anchor}", url_path(&self.repo_path(path))))
    }
}

/// A repository path as a URL path: every byte outside the unreserved set
/// and `/` percent-encoded, so spaces, `#` and `?` in file names survive.
pub(crate) fn url_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The numbers under a report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Summary {
    pub errors: usize,
    pub warnings: usize,
    pub notes: usize,
    pub scope: ScopeCounts,
    pub dialect: Dialect,
    pub model_tables: usize,
    pub migrations: usize,
    /// Remarks from the pipeline (model kinds skipped...), one line each.
    pub remarks: Vec<String>,
}

impl Summary {
    /// Counts `findings` by severity; the rest describes what was checked.
    pub fn new(
        findings: &[Finding],
        scope: ScopeCounts,
        dialect: Dialect,
        model_tables: usize,
        migrations: usize,
    ) -> Self {
        let count = |s| findings.iter().filter(|f| f.severity == s).count();
        Summary {
            errors: count(Severity::Error),
            warnings: count(Severity::Warning),
            notes: count(Severity::Note),
            scope,
            dialect,
            model_tables,
            migrations,
            remarks: Vec::new(),
        }
    }

    pub fn from_outcome(outcome: &CheckOutcome, scoped: &Scoped) -> Self {
        let mut s = Summary::new(
            &scoped.findings,
            scoped.counts.clone(),
            outcome.project.dialect,
            outcome.models.schema.tables.len(),
            outcome.migrated.migrations,
        );
        s.remarks = outcome.notes.clone();
        s
    }

    /// `2 errors, 1 warning in 3 model tables, 12 migrations (sqlite); 2 suppressed, 1 in baseline`
    pub fn line(&self) -> String {
        let mut counts = Vec::new();
        for (n, word) in [
            (self.errors, "error"),
            (self.warnings, "warning"),
            (self.notes, "note"),
        ] {
            if n > 0 {
                counts.push(plural(n, word));
            }
        }
        let counts = if counts.is_empty() {
            "no problems".to_string()
        } else {
            counts.join(", ")
        };
        let mut line = format!(
            "{counts} in {}, {} ({})",
            plural(self.model_tables, "model table"),
            plural(self.migrations, "migration"),
            self.dialect
        );
        let extra = self.scope.summary_parts();
        if !extra.is_empty() {
            line.push_str("; ");
            line.push_str(&extra.join(", "));
        }
        line
    }

    /// The most severe level present, for colouring the summary line.
    pub fn worst(&self) -> Option<Severity> {
        if self.errors > 0 {
            Some(Severity::Error)
        } else if self.warnings > 0 {
            Some(Severity::Warning)
        } else if self.notes > 0 {
            Some(Severity::Note)
        } else {
            None
        }
    }
}

pub(crate) fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// Findings in report order (path, line, column, rule), whatever order they came in.
pub(crate) fn sorted(findings: &[Finding]) -> Vec<&Finding> {
    let mut v: Vec<&Finding> = findings.iter().collect();
    v.sort_by_cached_key(|f| f.sort_key());
    v
}

/// Hand-built findings shared by the reporters' tests.
#[cfg(test)]
pub(crate) mod fixtures {
    use super::*;
    use crate::rules::{MG102, MG103, MG204};
    use crate::scope::testing::{mem, MemSnapshot};
    use crate::source::{Location, Pos};

    pub const MODELS: &str = "\
from sqlalchemy import Column, Integer, Text

class Service(Base):
    __tablename__ = \"services\"
    id = Column(Integer, primary_key=True)
    description = Column(Text, nullable=False)
";

    pub const MIGRATION: &str = "\
CREATE TABLE services (id INTEGER PRIMARY KEY, description TEXT NOT NULL);
CREATE TABLE services_new (id INTEGER PRIMARY KEY);
INSERT INTO services_new SELECT id FROM services;
DROP TABLE services;
ALTER TABLE services_new RENAME TO services;
CREATE TABLE audit_log (id INTEGER PRIMARY KEY);
";

    pub fn snapshot() -> MemSnapshot {
        mem(&[
            ("app/models.py", MODELS),
            ("migrations/0001_init.sql", MIGRATION),
        ])
    }

    pub fn findings() -> Vec<Finding> {
        let missing = Finding::new(
            &MG102,
            Some("services"),
            Some("description"),
            "missing",
            "column services.description is declared by the model but no migration creates it",
        )
        .at(Location::new(
            "app/models.py",
            Pos::new(6, 5),
            Pos::new(6, 47),
        ))
        .label("declared here")
        .related(
            Location::new("app/models.py", Pos::new(3, 7), Pos::new(3, 14)),
            "in model Service",
        )
        .related(
            Location::new("migrations/0001_init.sql", Pos::new(2, 14), Pos::new(2, 26)),
            "the column was lost when the table was rebuilt here",
        )
        .help("ALTER TABLE services ADD COLUMN description TEXT NOT NULL DEFAULT '';");
        let extra = Finding::new(
            &MG103,
            Some("audit_log"),
            None,
            "extra",
            "table audit_log is created by migrations but no model declares it",
        )
        .at(Location::new(
            "migrations/0001_init.sql",
            Pos::new(6, 14),
            Pos::new(6, 23),
        ))
        .label("created here");
        let history = Finding::new(
            &MG204,
            None,
            None,
            "duplicate-version",
            "two migrations share version 0002",
        )
        .related(Location::line("migrations/0002_a.sql", 1), "first one");
        // deliberately unsorted: reporters sort
        vec![extra, missing, history]
    }

    pub fn summary(findings: &[Finding]) -> Summary {
        let scope = ScopeCounts {
            suppressed: 2,
            known: vec![(crate::scope::KnownReason::Baseline, 1)],
            ..ScopeCounts::default()
        };
        Summary::new(findings, scope, Dialect::Sqlite, 3, 12)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_line_counts_and_pluralizes() {
        let f = fixtures::findings();
        let s = fixtures::summary(&f);
        assert_eq!(
            s.line(),
            "2 errors, 1 warning in 3 model tables, 12 migrations (sqlite); 2 suppressed, 1 in baseline"
        );
        let clean = Summary::new(&[], ScopeCounts::default(), Dialect::Postgresql, 1, 1);
        assert_eq!(
            clean.line(),
            "no problems in 1 model table, 1 migration (postgresql)"
        );
        assert_eq!(clean.worst(), None);
        assert_eq!(s.worst(), Some(Severity::Error));
    }

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn github_env_links_prefer_the_migraguard_sha() {
        let base = [
            ("GITHUB_SERVER_URL", "https://github.com/"),
            ("GITHUB_REPOSITORY", "o/r"),
            ("GITHUB_SHA", "merge123"),
        ];
        let l = Links::github_env("svc/".into(), env(&base));
        assert_eq!(
            l.blob_base.as_deref(),
            Some("https://github.com/o/r/blob/merge123/")
        );
        assert_eq!(l.prefix, "svc/");
        let mut with_head = base.to_vec();
        with_head.push(("MIGRAGUARD_SHA", "head456"));
        let l = Links::github_env(String::new(), env(&with_head));
        assert_eq!(
            l.blob_base.as_deref(),
            Some("https://github.com/o/r/blob/head456/")
        );
        // an empty MIGRAGUARD_SHA (an unset Action input) falls back
        let mut empty = base.to_vec();
        empty.push(("MIGRAGUARD_SHA", ""));
        assert_eq!(
            Links::github_env(String::new(), env(&empty))
                .blob_base
                .as_deref(),
            Some("https://github.com/o/r/blob/merge123/")
        );
        for missing in ["GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_SHA"] {
            let partial: Vec<_> = base
                .iter()
                .copied()
                .filter(|(k, _)| *k != missing)
                .collect();
            assert_eq!(
                Links::github_env("p/".into(), env(&partial)),
                Links {
                    prefix: "p/".into(),
                    blob_base: None
                },
                "without {missing}"
            );
        }
    }

    #[test]
    fn line_urls_are_repository_relative_and_encoded() {
        let l = Links {
            prefix: "svc/".into(),
            blob_base: Some("https://github.com/o/r/blob/abc/".into()),
        };
        assert_eq!(
            l.line_url("app/models.py", 12, 14).as_deref(),
            Some("https://github.com/o/r/blob/abc/svc/app/models.py#L12-L14")
        );
        assert_eq!(
            l.line_url("a b#1.py", 3, 3).as_deref(),
            Some("https://github.com/o/r/blob/abc/svc/a%20b%231.py#L3")
        );
        assert_eq!(Links::default().line_url("x.py", 1, 1), None);
    }

    #[test]
    fn sorted_puts_locationless_first_then_by_path() {
        let f = fixtures::findings();
        let ids: Vec<_> = sorted(&f).iter().map(|f| f.rule.id).collect();
        assert_eq!(ids, vec!["MG204", "MG102", "MG103"]);
    }
}
