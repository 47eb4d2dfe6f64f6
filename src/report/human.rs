//! The human report: miette graphical diagnostics with source snippets,
//! grouped by file, then a one-line summary.
//!
//! Source text comes from the snapshot (the same text the stages read). A
//! finding whose file cannot be read, or whose location lies outside the file,
//! still prints: message, help and related locations, without a snippet.

use super::Summary;
use crate::findings::{Finding, Related};
use crate::rules::Severity;
use crate::snapshot::Snapshot;
use crate::source::{LineIndex, Location, Pos};
use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceSpan,
    ThemeCharacters, ThemeStyles,
};
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HumanOptions {
    /// ANSI colours; the CLI decides (terminal, NO_COLOR, --output).
    pub color: bool,
    /// Columns available for snippets.
    pub width: usize,
}

impl Default for HumanOptions {
    fn default() -> Self {
        HumanOptions {
            color: false,
            width: 100,
        }
    }
}

struct SourceText {
    text: Arc<str>,
    index: LineIndex,
}

/// Files read through the snapshot once each; None when unreadable.
struct Sources<'a> {
    snapshot: &'a dyn Snapshot,
    files: HashMap<Arc<str>, Option<Arc<SourceText>>>,
}

impl<'a> Sources<'a> {
    fn get(&mut self, path: &Arc<str>) -> Option<Arc<SourceText>> {
        let snapshot = self.snapshot;
        self.files
            .entry(path.clone())
            .or_insert_with(|| {
                let file = snapshot.read(path).ok()?;
                let index = LineIndex::new(&file.text);
                Some(Arc::new(SourceText {
                    text: file.text,
                    index,
                }))
            })
            .clone()
    }
}

/// Longer lines (minified SQL, generated code) are not shown as snippets: the
/// location is named instead of flooding the terminal.
const MAX_SNIPPET_LINE: usize = 1000;

/// Byte span of `loc` in `src`, None when the location is outside the file.
/// The span stays on its first line; an empty range (a location that only
/// knows its line) grows to the rest of the line so something is underlined.
fn span(src: &SourceText, loc: &Location) -> Option<SourceSpan> {
    let lines = src.index.line_count();
    if loc.start.line == 0 || loc.start.line as usize > lines {
        return None;
    }
    let line_start = src.index.offset(&src.text, Pos::new(loc.start.line, 1));
    let line_len = src.text[line_start..]
        .find('\n')
        .unwrap_or(src.text.len() - line_start);
    if line_len > MAX_SNIPPET_LINE {
        return None;
    }
    let line_end = line_start + src.text[line_start..line_start + line_len].trim_end().len();
    let mut start = src.index.offset(&src.text, loc.start);
    let end = src.index.offset(&src.text, loc.end).max(start);
    let empty = end == start;
    if empty && start == line_start {
        let line = &src.text[line_start..line_end];
        start += line.len() - line.trim_start().len();
    }
    // A whole statement or call would print every line it spans (a 50-column
    // CREATE TABLE); its first line says where it is.
    let end = if empty || end > line_end {
        line_end.max(start)
    } else {
        end
    };
    Some(SourceSpan::from(start..end))
}

fn named(path: &Arc<str>, src: &SourceText) -> NamedSource<Arc<str>> {
    NamedSource::new(path, src.text.clone())
}

fn miette_severity(s: Severity) -> miette::Severity {
    match s {
        Severity::Error => miette::Severity::Error,
        Severity::Warning => miette::Severity::Warning,
        Severity::Note => miette::Severity::Advice,
    }
}

/// A related location in another file, shown as a nested diagnostic with its
/// own snippet.
#[derive(Debug)]
struct RelatedDiagnostic {
    message: String,
    source: NamedSource<Arc<str>>,
    span: SourceSpan,
}

impl fmt::Display for RelatedDiagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for RelatedDiagnostic {}

impl Diagnostic for RelatedDiagnostic {
    fn severity(&self) -> Option<miette::Severity> {
        Some(miette::Severity::Advice)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(std::iter::once(LabeledSpan::new_with_span(
            None, self.span,
        ))))
    }
}

#[derive(Debug)]
struct FindingDiagnostic {
    code: String,
    message: String,
    severity: Severity,
    source: Option<NamedSource<Arc<str>>>,
    labels: Vec<LabeledSpan>,
    related: Vec<RelatedDiagnostic>,
}

impl fmt::Display for FindingDiagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for FindingDiagnostic {}

impl Diagnostic for FindingDiagnostic {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(&self.code))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(miette_severity(self.severity))
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.labels.is_empty() || self.source.is_none() {
            return None;
        }
        Some(Box::new(self.labels.iter().cloned()))
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        if self.related.is_empty() {
            return None;
        }
        Some(Box::new(self.related.iter().map(|r| r as &dyn Diagnostic)))
    }
}

/// The diagnostic for miette, plus the notes for locations that got no
/// snippet. Help and notes are written after miette's output (see `footer`)
/// so the fix comes last, after every snippet.
fn diagnostic(f: &Finding, sources: &mut Sources<'_>) -> (FindingDiagnostic, Vec<String>) {
    let primary = f
        .location
        .as_ref()
        .and_then(|loc| sources.get(&loc.path).map(|src| (loc, src)))
        .and_then(|(loc, src)| span(&src, loc).map(|sp| (loc, src, sp)));
    let mut d = FindingDiagnostic {
        code: format!("{} {}", f.rule.id, f.rule.name),
        message: f.message.clone(),
        severity: f.severity,
        source: None,
        labels: Vec::new(),
        related: Vec::new(),
    };
    // Locations that get no snippet are still named, under the help.
    let mut footnotes: Vec<String> = Vec::new();
    match &primary {
        Some((loc, src, sp)) => {
            d.source = Some(named(&loc.path, src));
            d.labels
                .push(LabeledSpan::new_primary_with_span(f.label.clone(), *sp));
        }
        None => {
            if let Some(loc) = &f.location {
                let label = f
                    .label
                    .as_deref()
                    .map(|l| format!(": {l}"))
                    .unwrap_or_default();
                footnotes.push(format!("at {loc}{label}"));
            }
        }
    }
    for Related { location, message } in &f.related {
        let same_file = primary
            .as_ref()
            .is_some_and(|(loc, _, _)| loc.path == location.path);
        let src = sources.get(&location.path);
        let sp = src.as_ref().and_then(|s| span(s, location));
        match (src, sp) {
            (Some(_), Some(sp)) if same_file => {
                d.labels
                    .push(LabeledSpan::new_with_span(Some(message.clone()), sp));
            }
            (Some(src), Some(sp)) => d.related.push(RelatedDiagnostic {
                message: message.clone(),
                source: named(&location.path, &src),
                span: sp,
            }),
            _ => footnotes.push(format!("{location}: {message}")),
        }
    }
    (d, footnotes)
}

/// `  note: ...` lines, then `  help: ...` with continuation lines aligned.
fn footer(notes: &[String], help: Option<&str>, color: bool) -> String {
    let mut out = String::new();
    for n in notes {
        out.push_str(&format!("  {}: {n}\n", paint("note", "36", color)));
    }
    if let Some(help) = help {
        for (i, line) in help.lines().enumerate() {
            if i == 0 {
                out.push_str(&format!("  {}: {line}\n", paint("help", "36", color)));
            } else if line.trim().is_empty() {
                out.push('\n');
            } else {
                out.push_str(&format!("        {line}\n"));
            }
        }
    }
    out
}

fn handler(opts: &HumanOptions) -> GraphicalReportHandler {
    let theme = GraphicalTheme {
        characters: ThemeCharacters::unicode(),
        styles: if opts.color {
            ThemeStyles::ansi()
        } else {
            ThemeStyles::none()
        },
    };
    GraphicalReportHandler::new_themed(theme)
        .with_links(false)
        .with_urls(false)
        .with_width(opts.width.max(40))
        // help texts are SQL to copy: never re-flow them
        .with_wrap_lines(false)
        .with_show_related_as_nested(true)
}

fn paint(text: &str, sgr: &str, color: bool) -> String {
    if color {
        format!("\x1b[{sgr}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

/// Renders every finding, grouped by file (in report order), then the
/// pipeline's remarks and the summary line.
pub fn render(
    findings: &[Finding],
    summary: &Summary,
    snapshot: &dyn Snapshot,
    opts: &HumanOptions,
) -> String {
    let handler = handler(opts);
    let mut sources = Sources {
        snapshot,
        files: HashMap::new(),
    };
    let mut out = String::new();
    let sorted = super::sorted(findings);
    let mut i = 0;
    while i < sorted.len() {
        let path = sorted[i].location.as_ref().map(|l| l.path.clone());
        let group_len = sorted[i..]
            .iter()
            .take_while(|f| f.location.as_ref().map(|l| l.path.clone()) == path)
            .count();
        let title = match &path {
            Some(p) => format!("{p} ({})", super::plural(group_len, "finding")),
            None => format!("repository ({})", super::plural(group_len, "finding")),
        };
        out.push_str(&paint(&title, "1;4", opts.color));
        out.push_str("\n\n");
        for f in &sorted[i..i + group_len] {
            let (d, notes) = diagnostic(f, &mut sources);
            let mut text = String::new();
            if handler.render_report(&mut text, &d).is_err() {
                // miette only fails on a formatter error; fall back to the short line
                text = format!("{}\n", super::short::line(f));
            }
            out.push_str(&text);
            out.push_str(&footer(&notes, f.help.as_deref(), opts.color));
            out.push('\n');
        }
        i += group_len;
    }
    for remark in &summary.remarks {
        out.push_str(&paint("note", "1;36", opts.color));
        out.push_str(": ");
        out.push_str(remark);
        out.push('\n');
    }
    let sgr = match summary.worst() {
        Some(Severity::Error) => "1;31",
        Some(Severity::Warning) => "1;33",
        Some(Severity::Note) => "1;36",
        None => "1;32",
    };
    out.push_str(&paint(&summary.line(), sgr, opts.color));
    out.push('\n');
    out
}

/// A `Fatal` (or any diagnostic) as miette renders it, for stderr.
pub fn render_error(d: &dyn Diagnostic, opts: &HumanOptions) -> String {
    let mut out = String::new();
    if handler(opts).render_report(&mut out, d).is_err() {
        out = format!("error: {d}\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures;
    use crate::scope::testing::{mem, MemSnapshot};

    fn render_plain(findings: &[Finding], snap: &MemSnapshot) -> String {
        render(
            findings,
            &fixtures::summary(findings),
            snap,
            &HumanOptions::default(),
        )
    }

    #[test]
    fn report_snapshot() {
        let f = fixtures::findings();
        let out = render_plain(&f, &fixtures::snapshot());
        assert!(!out.contains('\x1b'), "no colour when asked for none");
        insta::assert_snapshot!(out);
    }

    #[test]
    fn unreadable_files_still_print_without_snippets() {
        let f = fixtures::findings();
        let out = render_plain(&f, &mem(&[]));
        assert!(out.contains("MG102 missing-column"));
        assert!(
            out.contains("note: at app/models.py:6:5: declared here"),
            "{out}"
        );
        assert!(out.contains(
            "note: migrations/0001_init.sql:2:14: the column was lost when the table was rebuilt here"
        ));
        assert!(!out.contains("╭─["), "no snippet without source: {out}");
    }

    #[test]
    fn locations_outside_the_file_do_not_panic() {
        let f = vec![
            Finding::new(&crate::rules::MG103, Some("t"), None, "k", "gone")
                .at(Location::new(
                    "app/models.py",
                    Pos::new(999, 3),
                    Pos::new(1000, 1),
                ))
                .related(
                    Location::new("app/models.py", Pos::new(2, 400), Pos::new(2, 1)),
                    "odd",
                ),
        ];
        let out = render_plain(&f, &fixtures::snapshot());
        assert!(out.contains("note: at app/models.py:999:3"), "{out}");
    }

    #[test]
    fn very_long_lines_are_named_not_printed() {
        let long = format!("CREATE TABLE t (c INT);{}\n", " ".repeat(5000));
        let snap = mem(&[("dump.sql", long.as_str())]);
        let f =
            vec![
                Finding::new(&crate::rules::MG103, Some("t"), None, "k", "extra")
                    .at(Location::new("dump.sql", Pos::new(1, 14), Pos::new(1, 15))),
            ];
        let out = render_plain(&f, &snap);
        assert!(out.contains("note: at dump.sql:1:14"), "{out}");
        assert!(out.len() < 1000, "{out}");
    }

    #[test]
    fn multi_line_spans_are_cut_to_their_first_line() {
        let sql = "CREATE TABLE t (\n    a INT,\n    b INT\n);\n";
        let src = SourceText {
            text: sql.into(),
            index: LineIndex::new(sql),
        };
        let whole = Location::new("m.sql", Pos::new(1, 1), Pos::new(4, 3));
        let sp = span(&src, &whole).unwrap();
        assert_eq!(
            &sql[sp.offset()..sp.offset() + sp.len()],
            "CREATE TABLE t ("
        );
        let name = Location::new("m.sql", Pos::new(2, 5), Pos::new(2, 6));
        let sp = span(&src, &name).unwrap();
        assert_eq!(&sql[sp.offset()..sp.offset() + sp.len()], "a");
        let line_only = Location::line("m.sql", 3);
        let sp = span(&src, &line_only).unwrap();
        assert_eq!(&sql[sp.offset()..sp.offset() + sp.len()], "b INT");
    }

    proptest::proptest! {
        #[test]
        fn spans_stay_inside_the_text(
            text in "[a-zé \t\r\n]{0,60}",
            l1 in 0u32..8, c1 in 0u32..30, l2 in 0u32..8, c2 in 0u32..30,
        ) {
            let src = SourceText { text: text.as_str().into(), index: LineIndex::new(&text) };
            let loc = Location::new("f", Pos::new(l1, c1), Pos::new(l2, c2));
            if let Some(sp) = span(&src, &loc) {
                proptest::prop_assert!(sp.offset() + sp.len() <= text.len());
                proptest::prop_assert!(text.is_char_boundary(sp.offset()));
                proptest::prop_assert!(text.is_char_boundary(sp.offset() + sp.len()));
            }
        }
    }

    #[test]
    fn colour_only_when_asked() {
        let f = fixtures::findings();
        let s = fixtures::summary(&f);
        let out = render(
            &f,
            &s,
            &fixtures::snapshot(),
            &HumanOptions {
                color: true,
                width: 100,
            },
        );
        assert!(out.contains("\x1b["));
    }
}
