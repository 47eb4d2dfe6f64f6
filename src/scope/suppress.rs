//! Inline suppressions: `# migraguard: ignore[MG105]`, `// migraguard: ignore`,
//! `-- migraguard: ignore[MG105, missing-column]`.
//!
//! Only comments are looked at, never code: the directive must follow a
//! comment leader. A malformed directive (`ignore[MG105` without `]`)
//! suppresses nothing, so a typo shows the finding rather than hiding more.

use crate::rules::Rule;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Directive {
    All,
    /// Rule ids or names as written (compared case-insensitively).
    Rules(Vec<String>),
}

impl Directive {
    pub fn covers(&self, rule: &Rule) -> bool {
        match self {
            Directive::All => true,
            Directive::Rules(list) => list
                .iter()
                .any(|r| r.eq_ignore_ascii_case(rule.id) || r.eq_ignore_ascii_case(rule.name)),
        }
    }
}

const LEADERS: &[&str] = &["#", "//", "--"];
const MARKER: &str = "migraguard:";

/// Every well-formed directive in a line of source text.
pub fn directives(line: &str) -> Vec<Directive> {
    // ASCII lower-casing keeps byte offsets, so slices of `lower` and `line` agree.
    let lower = line.to_ascii_lowercase();
    let mut out = Vec::new();
    for (i, _) in lower.match_indices(MARKER) {
        let before = lower[..i].trim_end();
        if !LEADERS.iter().any(|l| before.ends_with(l)) {
            continue;
        }
        let Some(rest) = lower[i + MARKER.len()..]
            .trim_start()
            .strip_prefix("ignore")
        else {
            continue;
        };
        let trimmed = rest.trim_start();
        if let Some(list) = trimmed.strip_prefix('[') {
            let Some(end) = list.find(']') else { continue };
            let rules = list[..end]
                .split(',')
                .map(|r| r.trim().to_string())
                .filter(|r| !r.is_empty())
                .collect();
            out.push(Directive::Rules(rules));
        } else if rest.is_empty() || rest.starts_with(char::is_whitespace) {
            out.push(Directive::All);
        }
    }
    out
}

/// A line holding nothing but a comment: only such a line suppresses findings
/// on the line below it (a trailing comment belongs to its own line).
pub fn is_comment_only(line: &str) -> bool {
    let t = line.trim_start();
    LEADERS.iter().any(|l| t.starts_with(l))
}

/// Whether `line` (the finding's line) or `above` (the line before it)
/// suppresses `rule`.
pub fn suppresses(rule: &Rule, line: Option<&str>, above: Option<&str>) -> bool {
    let on_line = line.is_some_and(|l| directives(l).iter().any(|d| d.covers(rule)));
    let on_above = above
        .filter(|l| is_comment_only(l))
        .is_some_and(|l| directives(l).iter().any(|d| d.covers(rule)));
    on_line || on_above
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{MG102, MG105};

    #[test]
    fn parses_each_form() {
        assert_eq!(
            directives("x = Column(Text)  # migraguard: ignore[MG105]"),
            vec![Directive::Rules(vec!["mg105".into()])]
        );
        assert_eq!(
            directives("# migraguard: ignore[MG105, MG102]"),
            vec![Directive::Rules(vec!["mg105".into(), "mg102".into()])]
        );
        assert_eq!(directives("# migraguard: ignore"), vec![Directive::All]);
        assert_eq!(
            directives("// migraguard: ignore -- legacy"),
            vec![Directive::All]
        );
        assert_eq!(
            directives("ALTER TABLE t ADD c INT; -- migraguard: ignore[MG205]"),
            vec![Directive::Rules(vec!["mg205".into()])]
        );
        assert_eq!(directives("#migraguard:ignore"), vec![Directive::All]);
    }

    #[test]
    fn rejects_near_misses() {
        for line in [
            "x = 1",
            "# migraguard: ignored",
            "# migraguard: ignore[MG105",
            "name = 'migraguard: ignore'",
            "# migraguard ignore",
        ] {
            assert!(directives(line).is_empty(), "{line}");
        }
    }

    #[test]
    fn covers_by_id_or_name() {
        let d = &directives("# migraguard: ignore[missing-column]")[0];
        assert!(d.covers(&MG102));
        assert!(!d.covers(&MG105));
        assert!(Directive::All.covers(&MG105));
    }

    #[test]
    fn line_above_counts_only_when_it_is_a_comment() {
        let c = "    # migraguard: ignore[MG105]";
        assert!(suppresses(&MG105, Some("x = 1"), Some(c)));
        assert!(!suppresses(&MG102, Some("x = 1"), Some(c)));
        // a trailing suppression on the previous code line is about that line
        assert!(!suppresses(
            &MG105,
            Some("b = 2"),
            Some("a = 1  # migraguard: ignore[MG105]")
        ));
        assert!(!suppresses(&MG105, None, None));
    }
}
