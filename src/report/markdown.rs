//! The Markdown job summary (`--summary FILE`, appended to
//! `$GITHUB_STEP_SUMMARY`): a heading, the summary line, a table of findings
//! linked to their lines at the checked commit, and each finding's fix and
//! related locations in a `<details>` block.
//!
//! GitHub refuses a step summary over 1 MiB, and several steps may append to
//! the same file, so the report stops well before that (`MAX_BYTES`) and says
//! how many findings it left out; single texts are cut too, so one
//! pathological message cannot blow the budget.

use super::{Links, Summary};
use crate::findings::Finding;
use crate::source::Location;

/// Size budget of the whole summary, a quarter of GitHub's 1 MiB limit.
pub const MAX_BYTES: usize = 256 * 1024;
/// A message longer than this is cut in the table.
const MAX_CELL_CHARS: usize = 1_000;
/// A help text longer than this is cut in its details block.
const MAX_HELP_CHARS: usize = 8_000;
/// Related locations listed per finding.
const MAX_RELATED: usize = 20;

pub fn render(findings: &[Finding], summary: &Summary, links: &Links) -> String {
    render_capped(findings, summary, links, MAX_BYTES)
}

fn render_capped(findings: &[Finding], summary: &Summary, links: &Links, budget: usize) -> String {
    let mut out = String::from("## migraguard\n\n");
    if findings.is_empty() {
        out.push_str(&format!("✅ {}\n\n", escape_text(&summary.line())));
        return out;
    }
    out.push_str(&format!("**{}**\n\n", escape_text(&summary.line())));

    let sorted = super::sorted(findings);
    let parts: Vec<(String, String)> = sorted
        .iter()
        .map(|f| (row(f, links), details(f, links)))
        .collect();
    const HEADER: &str = "| Rule | Severity | Location | Message |\n|---|---|---|---|\n";
    // Room for the header, the "left out" line and the closing newlines.
    let mut used = out.len() + HEADER.len() + 200;
    let mut shown = 0;
    for (r, d) in &parts {
        if used + r.len() + d.len() > budget {
            break;
        }
        used += r.len() + d.len();
        shown += 1;
    }

    out.push_str(HEADER);
    for (r, _) in parts.iter().take(shown) {
        out.push_str(r);
    }
    out.push('\n');
    let left_out = parts.len() - shown;
    if left_out > 0 {
        out.push_str(&format!(
            "{} not shown: the summary stops at {} KiB; the annotations, the SARIF file or `--format json` list them all.\n\n",
            super::plural(left_out, "more finding"),
            budget / 1024
        ));
    }
    for (_, d) in parts.iter().take(shown) {
        out.push_str(d);
    }
    out
}

fn row(f: &Finding, links: &Links) -> String {
    let location = f
        .location
        .as_ref()
        .map(|l| location_link(l, links))
        .unwrap_or_else(|| "—".into());
    format!(
        "| {} {} | {} | {} | {} |\n",
        f.rule.id,
        escape_text(f.rule.name),
        f.severity,
        location,
        escape_text(&cut(&f.message, MAX_CELL_CHARS))
    )
}

/// `path:line`, repository-relative, linked to the lines when the commit is known.
fn location_link(l: &Location, links: &Links) -> String {
    let text = escape_text(&format!(
        "{}:{}",
        links.repo_path(&l.path),
        l.start.line.max(1)
    ));
    match links.line_url(&l.path, l.start.line.max(1), l.end.line) {
        Some(url) => format!("[{text}]({url})"),
        None => text,
    }
}

/// The fix and the related locations, or nothing when the finding has neither.
fn details(f: &Finding, links: &Links) -> String {
    let help = f.help.as_deref().filter(|h| !h.trim().is_empty());
    if help.is_none() && f.related.is_empty() {
        return String::new();
    }
    let subject = match (&f.table, &f.column) {
        (Some(t), Some(c)) => format!("{t}.{c}"),
        (Some(t), None) => t.clone(),
        _ => f.rule.name.to_string(),
    };
    let mut out = format!(
        "<details><summary>{} {}</summary>\n\n",
        f.rule.id,
        escape_html(&cut(&subject, MAX_CELL_CHARS))
    );
    if let Some(help) = help {
        let help = cut(help, MAX_HELP_CHARS);
        let fence = "`".repeat(longest_backtick_run(&help).max(2) + 1);
        out.push_str(&format!("Fix:\n\n{fence}\n{help}\n{fence}\n\n"));
    }
    for r in f.related.iter().take(MAX_RELATED) {
        out.push_str(&format!(
            "- {}: {}\n",
            location_link(&r.location, links),
            escape_text(&cut(&r.message, MAX_CELL_CHARS))
        ));
    }
    if f.related.len() > MAX_RELATED {
        out.push_str(&format!("- and {} more\n", f.related.len() - MAX_RELATED));
    }
    if !f.related.is_empty() {
        out.push('\n');
    }
    out.push_str("</details>\n\n");
    out
}

/// At most `max` characters, with an ellipsis when cut.
fn cut(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", s.get(..i).unwrap_or(s)),
        None => s.to_string(),
    }
}

fn longest_backtick_run(s: &str) -> usize {
    s.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}

/// Text for a table cell or a list item: Markdown punctuation escaped so a
/// message renders as written, HTML neutralized, line breaks kept as `<br>`
/// since a raw newline would end the table row.
pub fn escape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() != Some(&'\n') {
                    out.push_str("<br>");
                }
            }
            '\n' => out.push_str("<br>"),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '#' | '~' | '!' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// Text inside an HTML element (`<summary>`), where Markdown is not rendered.
fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace(['\r', '\n'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::fixtures;
    use crate::rules::{MG102, MG105};
    use crate::source::Pos;

    fn linked() -> Links {
        Links {
            prefix: "svc/".into(),
            blob_base: Some("https://github.com/o/r/blob/abc/".into()),
        }
    }

    #[test]
    fn table_rows_link_to_the_lines() {
        let f = fixtures::findings();
        let out = render(&f, &fixtures::summary(&f), &linked());
        assert!(out.starts_with("## migraguard\n\n**2 errors, 1 warning in 3 model tables"));
        assert!(out.contains(
            "| MG102 missing-column | error | [svc/app/models.py:6](https://github.com/o/r/blob/abc/svc/app/models.py#L6) | column services.description is declared by the model but no migration creates it |\n"
        ), "{out}");
        assert!(
            out.contains(
                "| MG204 history-conflict | error | — | two migrations share version 0002 |\n"
            ),
            "{out}"
        );
        // the fix, fenced, and the related locations, linked
        assert!(out.contains(
            "<details><summary>MG102 services.description</summary>\n\nFix:\n\n```\nALTER TABLE services ADD COLUMN description TEXT NOT NULL DEFAULT '';\n```\n\n"
        ), "{out}");
        assert!(out.contains(
            "- [svc/migrations/0001\\_init.sql:2](https://github.com/o/r/blob/abc/svc/migrations/0001_init.sql#L2): the column was lost when the table was rebuilt here\n"
        ), "{out}");
        // MG103 has neither help nor related locations: no details block
        assert_eq!(out.matches("<details>").count(), 2);
    }

    #[test]
    fn without_a_commit_locations_are_plain_text() {
        let f = fixtures::findings();
        let out = render(&f, &fixtures::summary(&f), &Links::default());
        assert!(out.contains("| error | app/models.py:6 | column"), "{out}");
        assert!(!out.contains("]("), "{out}");
    }

    #[test]
    fn multi_line_ranges_link_to_the_span() {
        let l = Location::new("m.py", Pos::new(12, 1), Pos::new(14, 3));
        assert_eq!(
            location_link(&l, &linked()),
            "[svc/m.py:12](https://github.com/o/r/blob/abc/svc/m.py#L12-L14)"
        );
    }

    #[test]
    fn cells_escape_pipes_newlines_and_markup() {
        assert_eq!(
            escape_text("a|b\nc\r\nd <script> & `x` *y* [z](u) 100% a:b,c"),
            "a\\|b<br>c<br>d &lt;script&gt; &amp; \\`x\\` \\*y\\* \\[z\\](u) 100% a:b,c"
        );
        let f = Finding::new(&MG105, Some("t"), Some("c"), "k", "x | y\nz")
            .at(Location::line("m.py", 1));
        let out = render(
            std::slice::from_ref(&f),
            &fixtures::summary(std::slice::from_ref(&f)),
            &Links::default(),
        );
        let row = out.lines().find(|l| l.starts_with("| MG105")).unwrap();
        assert_eq!(
            row,
            "| MG105 type-mismatch | error | m.py:1 | x \\| y<br>z |"
        );
    }

    #[test]
    fn help_with_backticks_gets_a_longer_fence() {
        let f = Finding::new(&MG102, Some("t"), Some("c"), "k", "m").help("use ```sql``` here");
        let d = details(&f, &Links::default());
        assert!(
            d.contains("Fix:\n\n````\nuse ```sql``` here\n````\n"),
            "{d}"
        );
        let f = Finding::new(&MG102, Some("<t>"), Some("c"), "k", "m").help("x");
        assert!(details(&f, &Links::default())
            .starts_with("<details><summary>MG102 &lt;t&gt;.c</summary>"));
    }

    #[test]
    fn a_clean_result_is_one_line() {
        let s = fixtures::summary(&[]);
        let out = render(&[], &s, &linked());
        assert_eq!(
            out,
            format!("## migraguard\n\n✅ {}\n\n", escape_text(&s.line()))
        );
        assert!(!out.contains('|'));
    }

    #[test]
    fn the_size_is_capped_and_says_what_it_left_out() {
        let many: Vec<Finding> = (0..5_000)
            .map(|i| {
                Finding::new(
                    &MG102,
                    Some("t"),
                    Some(&format!("c{i}")),
                    "k",
                    "x".repeat(300),
                )
                .at(Location::line("m.py", i + 1))
                .help("ALTER TABLE t ADD COLUMN c INTEGER;")
            })
            .collect();
        let out = render(&many, &fixtures::summary(&many), &linked());
        assert!(out.len() <= MAX_BYTES, "{} bytes", out.len());
        let shown = out.lines().filter(|l| l.starts_with("| MG102")).count();
        assert!(shown > 100 && shown < 5_000, "{shown}");
        assert!(
            out.contains(&format!(
                "{} more findings not shown: the summary stops at 256 KiB",
                5_000 - shown
            )),
            "{}",
            &out[out.len() - 500..]
        );
        assert_eq!(out.matches("<details>").count(), shown);

        // one enormous message is cut, not allowed to eat the budget
        let huge = Finding::new(&MG102, Some("t"), Some("c"), "k", "y".repeat(2_000_000))
            .help("z".repeat(2_000_000));
        let out = render(
            std::slice::from_ref(&huge),
            &fixtures::summary(&[]),
            &linked(),
        );
        assert!(out.len() < 20_000, "{}", out.len());
        assert!(out.contains("y…"));
    }

    #[test]
    fn cut_respects_characters() {
        assert_eq!(cut("ééé", 2), "éé…");
        assert_eq!(cut("ab", 2), "ab");
    }
}
