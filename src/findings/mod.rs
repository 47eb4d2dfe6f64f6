//! What every stage produces and every reporter consumes.

use crate::rules::{Rule, Severity};
use crate::source::Location;
use serde::Serialize;

#[derive(Clone, Debug, Serialize)]
pub struct Related {
    pub location: Location,
    pub message: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct Finding {
    #[serde(serialize_with = "rule_id")]
    pub rule: &'static Rule,
    pub severity: Severity,
    pub message: String,
    pub table: Option<String>,
    pub column: Option<String>,
    /// Where to look: the model line when the model is at fault, the migration
    /// statement when the migration is. None only for whole-repository findings.
    pub location: Option<Location>,
    /// Short text shown under the primary location in the human report.
    pub label: Option<String>,
    pub related: Vec<Related>,
    /// The exact fix: a SQL statement in the project's dialect, or an edit.
    pub help: Option<String>,
    /// Stable identity across commits: rule, table, column and kind, never a
    /// line number, so scope and baselines survive unrelated edits.
    pub fingerprint: String,
}

fn rule_id<S: serde::Serializer>(rule: &&'static Rule, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(rule.id)
}

impl Finding {
    /// A finding at the rule's default severity. `kind` distinguishes findings
    /// of one rule on the same column (e.g. `unique` vs `index` for MG109).
    pub fn new(
        rule: &'static Rule,
        table: Option<&str>,
        column: Option<&str>,
        kind: &str,
        message: impl Into<String>,
    ) -> Self {
        Finding {
            rule,
            severity: rule.default_severity,
            message: message.into(),
            table: table.map(str::to_string),
            column: column.map(str::to_string),
            location: None,
            label: None,
            related: Vec::new(),
            help: None,
            fingerprint: fingerprint(rule.id, table, column, kind),
        }
    }

    pub fn at(mut self, location: Location) -> Self {
        self.location = Some(location);
        self
    }

    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    pub fn related(mut self, location: Location, message: impl Into<String>) -> Self {
        self.related.push(Related {
            location,
            message: message.into(),
        });
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    /// Sort key for stable output: by file, line, then rule.
    pub fn sort_key(&self) -> (String, u32, u32, &'static str, String) {
        match &self.location {
            Some(l) => (
                l.path.to_string(),
                l.start.line,
                l.start.col,
                self.rule.id,
                self.fingerprint.clone(),
            ),
            None => (String::new(), 0, 0, self.rule.id, self.fingerprint.clone()),
        }
    }
}

/// `MG102:services.description:missing`: readable in a baseline file diff.
pub fn fingerprint(rule: &str, table: Option<&str>, column: Option<&str>, kind: &str) -> String {
    let t = table.map(crate::schema::key).unwrap_or_default();
    let c = column.map(crate::schema::key);
    match c {
        Some(c) => format!("{rule}:{t}.{c}:{kind}"),
        None => format!("{rule}:{t}:{kind}"),
    }
}
