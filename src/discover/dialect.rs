//! Which database the project targets, and why (`Project::dialect_reason`).
//! Sources, first that answers wins: config, alembic.ini `sqlalchemy.url`,
//! database URLs in Python, `.env*` files, docker-compose images, Prisma's
//! provider, Cargo features of diesel/sqlx/sea-orm, then SQL syntax in the
//! migrations. A source that names several databases says nothing.

use super::models::PythonFiles;
use super::{ini_value, is_test_path, split, Facts, MigrationInput};
use crate::config::Config;
use crate::dialect::Dialect;
use crate::snapshot::Snapshot;

type Found = (Dialect, String);

pub(crate) fn detect_without_sql(
    snapshot: &dyn Snapshot,
    config: &Config,
    facts: &Facts,
    py: &PythonFiles,
) -> Option<Found> {
    if let Some(d) = config.dialect {
        let from = config.source.as_deref().unwrap_or("configuration");
        return Some((d, format!("dialect in {from}")));
    }
    for ini in &facts.alembic_inis {
        let url = snapshot
            .read(ini)
            .ok()
            .and_then(|f| ini_value(&f.text, "sqlalchemy.url"));
        if let Some(d) = url.as_deref().and_then(url_dialect) {
            return Some((d, format!("sqlalchemy.url in {ini}")));
        }
    }
    from_python(py)
        .or_else(|| from_env_files(snapshot))
        .or_else(|| from_compose(snapshot))
        .or_else(|| from_prisma(snapshot))
        .or_else(|| from_flyway(snapshot))
        .or_else(|| from_cargo(snapshot))
}

/// The dialect of a database URL (`postgresql+psycopg2://...`), None for
/// placeholders such as alembic.ini's `driver://user:pass@localhost/dbname`.
fn url_dialect(url: &str) -> Option<Dialect> {
    let url = url.trim().trim_matches(['"', '\'']);
    let (scheme, _) = url.split_once("://")?;
    Dialect::parse(scheme)
}

/// Dialects of the URL literals in `text`. With `quoted`, only URLs that
/// start a string literal count (prose in comments does not).
fn urls_in(text: &str, quoted: bool) -> Vec<Dialect> {
    let mut out = Vec::new();
    for (i, _) in text.match_indices("://") {
        let before = &text[..i];
        let scheme_start = before
            .char_indices()
            .rev()
            .take_while(|(_, c)| c.is_ascii_alphanumeric() || *c == '+')
            .last()
            .map(|(j, _)| j)
            .unwrap_or(i);
        let scheme = &text[scheme_start..i];
        let prev = before[..scheme_start].chars().next_back();
        let ok = match prev {
            Some('"') | Some('\'') => true,
            Some('=') | Some(' ') | Some('\t') | None => !quoted,
            _ => false,
        };
        // `.replace("postgres://", "postgresql://")` (the Heroku idiom)
        // names schemes, not the database.
        let after = text[i + 3..].chars().next();
        let bare_scheme = matches!(after, None | Some('"') | Some('\''));
        if ok && !bare_scheme {
            if let Some(d) = Dialect::parse(scheme).filter(|_| !scheme.is_empty()) {
                out.push(d);
            }
        }
    }
    out
}

/// One answer from a list of (dialect, where, strong) hits: the only dialect,
/// else the only one among strong hits, else a strict majority.
fn decide(hits: &[(Dialect, String, bool)], what: &str) -> Option<Found> {
    let pick = |ds: Vec<Dialect>| -> Option<Dialect> {
        let mut counts: Vec<(Dialect, usize)> = Vec::new();
        for d in ds {
            match counts.iter_mut().find(|(x, _)| *x == d) {
                Some(c) => c.1 += 1,
                None => counts.push((d, 1)),
            }
        }
        counts.sort_by_key(|c| std::cmp::Reverse(c.1));
        match counts.as_slice() {
            [] => None,
            [(d, _)] => Some(*d),
            [(d, a), (_, b), ..] if a > b => Some(*d),
            _ => None,
        }
    };
    let strong: Vec<Dialect> = hits.iter().filter(|h| h.2).map(|h| h.0).collect();
    let all: Vec<Dialect> = hits.iter().map(|h| h.0).collect();
    let distinct = |v: &[Dialect]| {
        let mut v = v.to_vec();
        v.dedup();
        v.sort_by_key(|d| d.name());
        v.dedup();
        v.len()
    };
    let d = if distinct(&all) == 1 {
        all.first().copied()
    } else if distinct(&strong) == 1 {
        strong.first().copied()
    } else {
        pick(all)
    }?;
    let place = hits.iter().find(|h| h.0 == d).map(|h| h.1.as_str())?;
    Some((d, format!("{what} in {place}")))
}

fn from_python(py: &PythonFiles) -> Option<Found> {
    let mut hits = Vec::new();
    for (path, text) in py.texts() {
        if !text.contains("://") {
            continue;
        }
        for line in text.lines() {
            let strong = line.contains("create_engine")
                || line.contains("DATABASE_URL")
                || line.contains("SQLALCHEMY_DATABASE_URI");
            for d in urls_in(line, true) {
                hits.push((d, path.clone(), strong));
            }
        }
    }
    decide(&hits, "database URL")
}

fn from_env_files(snapshot: &dyn Snapshot) -> Option<Found> {
    let files: Vec<&String> = snapshot
        .files()
        .iter()
        .filter(|p| split(p).1.starts_with(".env") && !is_test_path(p))
        .collect();
    // `.env` is the file the app reads; `.env.example` and friends only
    // speak when there is no `.env` answer.
    let (real, examples): (Vec<&String>, Vec<&String>) =
        files.into_iter().partition(|p| split(p).1 == ".env");
    [real, examples].into_iter().find_map(|group| {
        let mut hits = Vec::new();
        for p in group {
            let Ok(f) = snapshot.read(p) else { continue };
            for line in f.text.lines() {
                let l = line.trim();
                if l.starts_with('#') {
                    continue;
                }
                for d in urls_in(l, false) {
                    hits.push((d, p.clone(), l.contains("DATABASE")));
                }
            }
        }
        decide(&hits, "database URL")
    })
}

fn from_compose(snapshot: &dyn Snapshot) -> Option<Found> {
    let mut images = Vec::new();
    let mut urls = Vec::new();
    for p in snapshot.files() {
        let name = split(p).1.to_ascii_lowercase();
        let compose = (name.starts_with("docker-compose") || name.starts_with("compose"))
            && (name.ends_with(".yml") || name.ends_with(".yaml"));
        if !compose || is_test_path(p) {
            continue;
        }
        let Ok(f) = snapshot.read(p) else { continue };
        for line in f.text.lines() {
            let l = line.trim().trim_start_matches('-').trim();
            if let Some(image) = l.strip_prefix("image:") {
                let image = image.trim().to_ascii_lowercase();
                let d = if ["postgres", "postgis", "timescale"]
                    .iter()
                    .any(|n| image.contains(n))
                {
                    Some((Dialect::Postgresql, "postgres"))
                } else if ["mysql", "mariadb", "percona"]
                    .iter()
                    .any(|n| image.contains(n))
                {
                    Some((Dialect::Mysql, "mysql"))
                } else {
                    None
                };
                if let Some((d, label)) = d {
                    images.push((d, format!("{label}\u{0}{p}"), true));
                }
            }
            for d in urls_in(l, false) {
                urls.push((d, p.clone(), false));
            }
        }
    }
    if let Some((d, reason)) = decide(&images, "image") {
        // "image in postgres\0docker-compose.yml" -> "postgres image in docker-compose.yml"
        let rest = reason.trim_start_matches("image in ");
        let (label, path) = rest.split_once('\u{0}').unwrap_or(("database", rest));
        return Some((d, format!("{label} image in {path}")));
    }
    decide(&urls, "database URL")
}

fn from_prisma(snapshot: &dyn Snapshot) -> Option<Found> {
    let mut hits = Vec::new();
    for p in snapshot.files() {
        let name = split(p).1;
        if !(name == "migration_lock.toml" || name.ends_with(".prisma")) || is_test_path(p) {
            continue;
        }
        let Ok(f) = snapshot.read(p) else { continue };
        for line in f.text.lines() {
            let Some((k, v)) = line.split_once('=') else {
                continue;
            };
            if k.trim() == "provider" {
                if let Some(d) = Dialect::parse(v.trim().trim_matches('"')) {
                    hits.push((d, p.clone(), true));
                }
            }
        }
    }
    decide(&hits, "provider")
}

/// `flyway.url=jdbc:postgresql://...` in flyway.conf / flyway.toml.
fn from_flyway(snapshot: &dyn Snapshot) -> Option<Found> {
    let mut hits = Vec::new();
    for p in snapshot.files() {
        if !matches!(split(p).1, "flyway.conf" | "flyway.toml") || is_test_path(p) {
            continue;
        }
        let Ok(f) = snapshot.read(p) else { continue };
        for line in f.text.lines() {
            let Some((_, rest)) = line.split_once("jdbc:") else {
                continue;
            };
            if let Some(d) = rest.split(':').next().and_then(Dialect::parse) {
                hits.push((d, p.clone(), true));
            }
        }
    }
    decide(&hits, "flyway url")
}

fn from_cargo(snapshot: &dyn Snapshot) -> Option<Found> {
    let mut hits = Vec::new();
    for p in snapshot.files() {
        if split(p).1 != "Cargo.toml" || is_test_path(p) {
            continue;
        }
        let Some(table) = snapshot
            .read(p)
            .ok()
            .and_then(|f| f.text.parse::<toml::Table>().ok())
        else {
            continue;
        };
        let mut sections: Vec<&toml::Table> = Vec::new();
        for key in ["dependencies", "dev-dependencies"] {
            if let Some(t) = table.get(key).and_then(|v| v.as_table()) {
                sections.push(t);
            }
        }
        if let Some(t) = table
            .get("workspace")
            .and_then(|w| w.get("dependencies"))
            .and_then(|v| v.as_table())
        {
            sections.push(t);
        }
        for deps in sections {
            for krate in ["diesel", "sqlx", "sea-orm"] {
                let Some(features) = deps
                    .get(krate)
                    .and_then(|s| s.get("features"))
                    .and_then(|f| f.as_array())
                else {
                    continue;
                };
                for f in features.iter().filter_map(|f| f.as_str()) {
                    let d = if f.contains("postgres") {
                        Some(Dialect::Postgresql)
                    } else if f.contains("sqlite") {
                        Some(Dialect::Sqlite)
                    } else if f.contains("mysql") {
                        Some(Dialect::Mysql)
                    } else {
                        None
                    };
                    if let Some(d) = d {
                        hits.push((d, format!("{krate}\u{0}{p}"), true));
                    }
                }
            }
        }
    }
    let (d, reason) = decide(&hits, "features")?;
    let rest = reason.trim_start_matches("features in ");
    let (krate, path) = rest.split_once('\u{0}').unwrap_or(("crate", rest));
    Some((d, format!("{krate} features in {path}")))
}

/// Words and fragments only one database accepts.
const SQL_HINTS: &[(Dialect, &str, bool)] = &[
    // (dialect, text, whole word)
    (Dialect::Sqlite, "AUTOINCREMENT", true),
    (Dialect::Sqlite, "PRAGMA", true),
    (Dialect::Sqlite, "WITHOUT ROWID", false),
    (Dialect::Postgresql, "SERIAL", true),
    (Dialect::Postgresql, "BIGSERIAL", true),
    (Dialect::Postgresql, "SMALLSERIAL", true),
    (Dialect::Postgresql, "TIMESTAMPTZ", true),
    (Dialect::Postgresql, "JSONB", true),
    (Dialect::Postgresql, "CREATE EXTENSION", false),
    (Dialect::Postgresql, "$$", false),
    (Dialect::Postgresql, "::", false),
    (Dialect::Postgresql, "GEN_RANDOM_UUID", true),
    (Dialect::Postgresql, "BYTEA", true),
    (Dialect::Mysql, "AUTO_INCREMENT", true),
    (Dialect::Mysql, "ENGINE=", false),
    (Dialect::Mysql, "ENGINE =", false),
    (Dialect::Mysql, "`", false),
    (Dialect::Mysql, "UNSIGNED", true),
];

fn has_word(upper: &str, word: &str) -> bool {
    let ident = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
    upper.match_indices(word).any(|(i, _)| {
        !ident(upper[..i].chars().next_back()) && !ident(upper[i + word.len()..].chars().next())
    })
}

/// How many migration files are sampled for syntax hints.
const SQL_SAMPLE: usize = 50;

pub(crate) fn detect_from_sql(
    snapshot: &dyn Snapshot,
    migrations: &[MigrationInput],
) -> Option<Found> {
    let mut score = [0usize; 3];
    let mut first_hint: [Option<&str>; 3] = [None; 3];
    let idx = |d: Dialect| match d {
        Dialect::Postgresql => 0,
        Dialect::Sqlite => 1,
        Dialect::Mysql => 2,
    };
    let files = migrations.iter().flat_map(|m| {
        let single = snapshot.exists(&m.path);
        let below: Box<dyn Iterator<Item = &String>> = if single {
            Box::new(std::iter::once(&m.path))
        } else {
            snapshot.files_under(&m.path)
        };
        below.filter(|p| p.ends_with(".sql"))
    });
    for p in files.take(SQL_SAMPLE) {
        let Ok(f) = snapshot.read(p) else { continue };
        let upper = f.text.to_ascii_uppercase();
        for (d, hint, word) in SQL_HINTS {
            let hit = if *word {
                has_word(&upper, hint)
            } else {
                upper.contains(hint)
            };
            if hit {
                score[idx(*d)] += 1;
                first_hint[idx(*d)].get_or_insert(hint);
            }
        }
    }
    let best = (0..3).max_by_key(|&i| score[i])?;
    if score[best] == 0 || (0..3).any(|i| i != best && score[i] == score[best]) {
        return None;
    }
    let d = [Dialect::Postgresql, Dialect::Sqlite, Dialect::Mysql][best];
    let hint = first_hint[best].unwrap_or("");
    Some((
        d,
        format!(
            "SQL syntax in migrations ({})",
            hint.trim_end_matches(['=', ' '])
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_words() {
        assert_eq!(
            url_dialect("postgresql+psycopg2://u@h/db"),
            Some(Dialect::Postgresql)
        );
        assert_eq!(url_dialect("driver://user:pass@localhost/dbname"), None);
        assert_eq!(
            urls_in("e = create_engine(\"sqlite:///x.db\")", true),
            [Dialect::Sqlite]
        );
        assert_eq!(
            urls_in("x = f'postgresql://{user}@h'", true),
            [Dialect::Postgresql]
        );
        assert!(urls_in("# see postgresql://docs", true).is_empty());
        let heroku = "URI = os.environ.get('DATABASE_URL', '').replace('postgres://', 'postgresql://') or 'sqlite:///' + path";
        assert_eq!(urls_in(heroku, true), [Dialect::Sqlite]);
        assert_eq!(
            urls_in("DATABASE_URL=mysql://u@h/d", false),
            [Dialect::Mysql]
        );
        assert!(urls_in("https://example.com", false).is_empty());
        assert!(has_word("A SERIAL,", "SERIAL"));
        assert!(!has_word("SERIAL_NUMBER TEXT", "SERIAL"));
        assert!(!has_word("BIGSERIAL", "SERIAL"));
    }

    #[test]
    fn conflicting_hits_prefer_strong_then_majority() {
        let h = |d, s| (d, "a.py".to_string(), s);
        assert_eq!(
            decide(
                &[h(Dialect::Sqlite, false), h(Dialect::Postgresql, true)],
                "x"
            )
            .map(|f| f.0),
            Some(Dialect::Postgresql)
        );
        assert_eq!(
            decide(
                &[h(Dialect::Sqlite, false), h(Dialect::Postgresql, false)],
                "x"
            ),
            None
        );
        assert_eq!(
            decide(
                &[
                    h(Dialect::Sqlite, false),
                    h(Dialect::Mysql, false),
                    h(Dialect::Mysql, false)
                ],
                "x"
            )
            .map(|f| f.0),
            Some(Dialect::Mysql)
        );
    }
}
