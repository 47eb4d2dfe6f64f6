//! Compiler-style lines editors and problem matchers parse:
//! `path:line:col: severity[MG102]: message`, one per finding, nothing else.
//! A finding without a location (a whole-repository problem) is written
//! `severity[MG204]: message` so matchers skip it instead of misplacing it.

use crate::findings::Finding;

pub fn render(findings: &[Finding]) -> String {
    let mut out = String::new();
    for f in super::sorted(findings) {
        out.push_str(&line(f));
        out.push('\n');
    }
    out
}

/// One finding's line, without the newline. Line breaks inside the message
/// are folded so every finding stays on one line.
pub fn line(f: &Finding) -> String {
    let message: String = f
        .message
        .split(['\n', '\r'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let body = format!("{}[{}]: {message}", f.severity, f.rule.id);
    match &f.location {
        Some(l) => format!("{}:{}:{}: {body}", l.path, l.start.line, l.start.col),
        None => body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures;
    use crate::rules::MG105;

    #[test]
    fn one_line_per_finding_in_report_order() {
        let out = render(&fixtures::findings());
        assert_eq!(
            out,
            "error[MG204]: two migrations share version 0002\n\
             app/models.py:6:5: error[MG102]: column services.description is declared by the model but no migration creates it\n\
             migrations/0001_init.sql:6:14: warning[MG103]: table audit_log is created by migrations but no model declares it\n"
        );
    }

    #[test]
    fn multi_line_messages_are_folded() {
        let f = Finding::new(
            &MG105,
            Some("t"),
            Some("c"),
            "type",
            "type differs:\n  model INTEGER\r\n  database TEXT",
        )
        .at(crate::source::Location::line("m.py", 3));
        assert_eq!(
            line(&f),
            "m.py:3:1: error[MG105]: type differs: model INTEGER database TEXT"
        );
    }
}
