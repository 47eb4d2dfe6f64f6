//! File-name conventions of the migration tools, shared by layout detection
//! (here) and layout loading (`migrations::layout`), so both agree on what a
//! migration file is.

use std::cmp::Ordering;

/// What a migration file name says about itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SqlName {
    /// Flyway `V1.2__add_users.sql` (version `1.2`).
    FlywayVersioned { version: String, desc: String },
    /// Flyway repeatable `R__views.sql`, applied after every versioned one.
    FlywayRepeatable { desc: String },
    /// Flyway undo `U1__x.sql` and baseline `B1__x.sql`: not replayed.
    FlywayOther,
    /// golang-migrate / sqlx `1_add_users.up.sql` (`up == false` for `.down.sql`).
    UpDown {
        version: String,
        name: String,
        up: bool,
    },
    /// `0001_add_users.sql`, `001-add-users.sql`, `20240101120000_x.sql`, `001.sql`.
    Numbered { version: String, name: String },
    /// Any other `.sql` file.
    Plain,
}

/// Classifies a file name (no folder). `None` when it is not a `.sql` file.
pub fn classify(file_name: &str) -> Option<SqlName> {
    let stem = strip_suffix_ci(file_name, ".sql")?;
    if let Some(n) = flyway(stem) {
        return Some(n);
    }
    for (suffix, up) in [(".up", true), (".down", false)] {
        if let Some(base) = strip_suffix_ci(stem, suffix) {
            if let Some((version, name)) = leading_version(base, &['_']) {
                return Some(SqlName::UpDown { version, name, up });
            }
        }
    }
    if let Some((version, name)) = leading_version(stem, &['_', '-', '.']) {
        return Some(SqlName::Numbered { version, name });
    }
    Some(SqlName::Plain)
}

fn strip_suffix_ci<'a>(s: &'a str, suffix: &str) -> Option<&'a str> {
    let cut = s.len().checked_sub(suffix.len())?;
    if !s.is_char_boundary(cut) || !s[cut..].eq_ignore_ascii_case(suffix) {
        return None;
    }
    Some(&s[..cut])
}

fn flyway(stem: &str) -> Option<SqlName> {
    let (head, desc) = stem.split_once("__")?;
    let desc = desc.replace('_', " ");
    let mut chars = head.chars();
    let prefix = chars.next()?;
    let version = chars.as_str();
    match prefix {
        'R' if version.is_empty() => Some(SqlName::FlywayRepeatable { desc }),
        'V' | 'U' | 'B'
            if version.chars().any(|c| c.is_ascii_digit())
                && version
                    .chars()
                    .all(|c| c.is_ascii_digit() || c == '.' || c == '_') =>
        {
            if prefix == 'V' {
                Some(SqlName::FlywayVersioned {
                    version: version.replace('_', "."),
                    desc,
                })
            } else {
                Some(SqlName::FlywayOther)
            }
        }
        _ => None,
    }
}

/// `0001_add_users` -> ("0001", "add_users"); the digits must be followed by
/// one of `seps` or end the stem.
fn leading_version(stem: &str, seps: &[char]) -> Option<(String, String)> {
    let digits = stem.chars().take_while(|c| c.is_ascii_digit()).count();
    if digits == 0 {
        return None;
    }
    let (version, rest) = stem.split_at(digits);
    let name = match rest.chars().next() {
        None => "",
        Some(c) if seps.contains(&c) => &rest[c.len_utf8()..],
        Some(_) => return None,
    };
    Some((version.to_string(), name.to_string()))
}

/// Name of a "down"/rollback script that numbered layouts never replay.
pub fn is_down_name(file_name: &str) -> bool {
    let l = file_name.to_ascii_lowercase();
    [
        ".down.sql",
        "_down.sql",
        "-down.sql",
        ".undo.sql",
        "_undo.sql",
        ".rollback.sql",
        "_rollback.sql",
        "-rollback.sql",
    ]
    .iter()
    .any(|s| l.ends_with(s))
}

/// Numeric components of a version: `V1.2.10` -> ["1", "2", "10"], leading
/// zeros dropped so that the string comparison in `cmp_versions` is numeric
/// without overflowing on 20-digit timestamps.
fn components(v: &str) -> Vec<&str> {
    v.split(|c: char| !c.is_ascii_digit())
        .filter(|s| !s.is_empty())
        .map(|s| {
            let t = s.trim_start_matches('0');
            if t.is_empty() {
                "0"
            } else {
                t
            }
        })
        .collect()
}

/// `0003` -> `3`, `1.0` -> `1`: equal versions get one spelling, for fingerprints.
pub fn canonical_version(v: &str) -> String {
    let mut c = components(v);
    while c.len() > 1 && c.last() == Some(&"0") {
        c.pop();
    }
    if c.is_empty() {
        return v.to_string();
    }
    c.join(".")
}

/// Orders versions the way the tools do: component by component, as numbers
/// (`2` < `10`, `1.2` < `1.10`), missing trailing components count as 0
/// (Flyway's `1` == `1.0`).
pub fn cmp_versions(a: &str, b: &str) -> Ordering {
    let (ca, cb) = (components(a), components(b));
    let n = ca.len().max(cb.len());
    for i in 0..n {
        let x = ca.get(i).copied().unwrap_or("0");
        let y = cb.get(i).copied().unwrap_or("0");
        let o = x.len().cmp(&y.len()).then_with(|| x.cmp(y));
        if o != Ordering::Equal {
            return o;
        }
    }
    Ordering::Equal
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_each_convention() {
        assert_eq!(
            classify("V1_2__add_users.sql"),
            Some(SqlName::FlywayVersioned {
                version: "1.2".into(),
                desc: "add users".into()
            })
        );
        assert_eq!(
            classify("R__views.sql"),
            Some(SqlName::FlywayRepeatable {
                desc: "views".into()
            })
        );
        assert_eq!(classify("U3__undo.sql"), Some(SqlName::FlywayOther));
        assert_eq!(
            classify("1_init.down.sql"),
            Some(SqlName::UpDown {
                version: "1".into(),
                name: "init".into(),
                up: false
            })
        );
        assert_eq!(
            classify("001-x.SQL"),
            Some(SqlName::Numbered {
                version: "001".into(),
                name: "x".into()
            })
        );
        assert_eq!(classify("schema.sql"), Some(SqlName::Plain));
        assert_eq!(classify("Vacation__x.sql"), Some(SqlName::Plain));
        assert_eq!(classify("2fa.sql"), Some(SqlName::Plain));
        assert_eq!(classify("README.md"), None);
        assert_eq!(classify("é.sql"), Some(SqlName::Plain));
        assert!(is_down_name("0002_x.down.sql"));
        assert!(!is_down_name("0002_countdown.sql"));
    }

    #[test]
    fn versions_compare_numerically() {
        assert_eq!(cmp_versions("2", "10"), Ordering::Less);
        assert_eq!(cmp_versions("1.2", "1.10"), Ordering::Less);
        assert_eq!(cmp_versions("1.2.1", "1.3"), Ordering::Less);
        assert_eq!(cmp_versions("1", "1.0"), Ordering::Equal);
        assert_eq!(cmp_versions("001", "1"), Ordering::Equal);
        assert_eq!(
            cmp_versions("2019-12-10-123456", "2019-12-09-999999"),
            Ordering::Greater
        );
        assert_eq!(
            cmp_versions("99999999999999999999999", "100000000000000000000000"),
            Ordering::Less
        );
    }
}
