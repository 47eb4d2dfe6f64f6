//! GitHub workflow commands (`--format github`): one annotation per finding,
//! `::error file=app/models.py,line=6,col=5,endLine=6,endColumn=47,title=MG102 missing-column::message`,
//! then the summary line as plain log text. Paths are repository-relative,
//! since the runner resolves `file=` against the workspace (the repository
//! root), not against the checked folder.

use super::{Links, Summary};
use crate::findings::Finding;
use crate::rules::Severity;

pub fn render(findings: &[Finding], summary: &Summary, links: &Links) -> String {
    let mut out = String::new();
    for f in super::sorted(findings) {
        out.push_str(&command(f, links));
        out.push('\n');
    }
    out.push_str(&summary.line());
    out.push('\n');
    out
}

fn command_name(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "notice",
    }
}

/// One annotation, without the newline.
pub fn command(f: &Finding, links: &Links) -> String {
    let mut props: Vec<(&str, String)> = Vec::new();
    if let Some(l) = &f.location {
        props.push(("file", links.repo_path(&l.path)));
        props.push(("line", l.start.line.max(1).to_string()));
        // Columns mean something to GitHub only on a one-line range; a
        // line-only location (start == end at column 1) has none.
        let line_only = l.start == l.end && l.start.col <= 1;
        if l.end.line == l.start.line && !line_only {
            props.push(("col", l.start.col.max(1).to_string()));
        }
        props.push(("endLine", l.end.line.max(l.start.line).max(1).to_string()));
        if l.end.line == l.start.line && !line_only {
            props.push(("endColumn", l.end.col.max(1).to_string()));
        }
    }
    props.push(("title", format!("{} {}", f.rule.id, f.rule.name)));
    let props: Vec<String> = props
        .into_iter()
        .map(|(k, v)| format!("{k}={}", escape_property(&v)))
        .collect();
    let mut message = f.message.clone();
    if let Some(help) = f.help.as_deref().filter(|h| !h.trim().is_empty()) {
        message.push_str("\n\nFix:\n");
        message.push_str(help);
    }
    format!(
        "::{} {}::{}",
        command_name(f.severity),
        props.join(","),
        escape_data(&message)
    )
}

/// The runner's escaping of a command's message.
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// The runner's escaping of a property value: the message's, plus the
/// separators of the property list.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures;
    use crate::rules::{MG105, MG107};
    use crate::source::{Location, Pos};

    #[test]
    fn one_command_per_finding_then_the_summary() {
        let f = fixtures::findings();
        let links = Links {
            prefix: "svc/".into(),
            blob_base: None,
        };
        let out = render(&f, &fixtures::summary(&f), &links);
        let lines: Vec<_> = out.lines().collect();
        assert_eq!(lines.len(), 4);
        assert_eq!(
            lines[0],
            "::error title=MG204 history-conflict::two migrations share version 0002"
        );
        assert_eq!(
            lines[1],
            "::error file=svc/app/models.py,line=6,col=5,endLine=6,endColumn=47,\
             title=MG102 missing-column::column services.description is declared by the model \
             but no migration creates it%0A%0AFix:%0AALTER TABLE services ADD COLUMN description \
             TEXT NOT NULL DEFAULT '';"
        );
        assert!(lines[2].starts_with(
            "::warning file=svc/migrations/0001_init.sql,line=6,col=14,endLine=6,endColumn=23,title=MG103 extra-table::"
        ));
        assert_eq!(lines[3], fixtures::summary(&f).line());
    }

    #[test]
    fn escaping_follows_the_runner() {
        assert_eq!(escape_data("100% a:b, c\r\nd"), "100%25 a:b, c%0D%0Ad");
        assert_eq!(
            escape_property("100% a:b, c\r\nd"),
            "100%25 a%3Ab%2C c%0D%0Ad"
        );
        // escaping % first: an already escaped-looking text stays literal
        assert_eq!(escape_data("%0A"), "%250A");
    }

    #[test]
    fn awkward_paths_and_messages_cannot_break_the_command() {
        let f = Finding::new(
            &MG105,
            Some("t"),
            Some("c"),
            "type",
            "types differ:\nmodel 100%\n::error::injected",
        )
        .at(Location::new(
            "dir,with:odd/m.py",
            Pos::new(3, 2),
            Pos::new(3, 8),
        ));
        let line = command(&f, &Links::default());
        assert_eq!(
            line,
            "::error file=dir%2Cwith%3Aodd/m.py,line=3,col=2,endLine=3,endColumn=8,\
             title=MG105 type-mismatch::types differ:%0Amodel 100%25%0A::error::injected"
        );
        assert!(!line.contains('\n'));
    }

    #[test]
    fn notes_are_notices_and_ranges_drop_columns_across_lines() {
        let f = Finding::new(&MG107, Some("t"), Some("c"), "default", "m")
            .severity(Severity::Note)
            .at(Location::new("m.sql", Pos::new(3, 5), Pos::new(5, 2)));
        assert_eq!(
            command(&f, &Links::default()),
            "::notice file=m.sql,line=3,endLine=5,title=MG107 default-mismatch::m"
        );
        let whole_line = Finding::new(&MG107, Some("t"), Some("c"), "default", "m")
            .at(Location::line("m.sql", 9));
        assert_eq!(
            command(&whole_line, &Links::default()),
            "::warning file=m.sql,line=9,endLine=9,title=MG107 default-mismatch::m"
        );
    }

    #[test]
    fn a_clean_report_is_the_summary_alone() {
        let s = fixtures::summary(&[]);
        assert_eq!(
            render(&[], &s, &Links::default()),
            format!("{}\n", s.line())
        );
    }
}
