//! Which findings to report: severity overrides and ignored tables from the
//! config, inline suppressions, the baseline file (and, with issue 3, the git
//! base snapshot). OWNER: report/cli helper.
//!
//! Order: severity overrides (a rule set to "off" drops its findings), then
//! `ignore_tables`, then inline suppressions, then known fingerprint sets (the
//! baseline; later the findings already present at the git base). `--all`
//! skips the last two: it shows everything the configuration asks for.
//!
//! The safety lints (MG301-MG305) speak only about migrations the change
//! adds (`NewMigrations`): a migration already deployed cannot be made safer.
//! That filter comes after inline suppressions and before the known sets,
//! and `--all` skips it too.
//!
//! Filtering by "already known" is generic: a `KnownSet` is a reason plus
//! fingerprints. Adding the git-base filter is a new `KnownReason` variant and
//! a `Scope::known` call; reporters only see `ScopeCounts`.

mod baseline;
mod suppress;

pub use baseline::{baseline_path, Baseline, BASELINE_FILE, BASELINE_VERSION};
pub use suppress::{directives, is_comment_only, Directive};

use crate::config::Config;
use crate::findings::Finding;
use crate::pipeline::Fatal;
use crate::rules::Severity;
use crate::snapshot::Snapshot;
use crate::source::{LineIndex, Pos};
use globset::{GlobBuilder, GlobSet, GlobSetBuilder};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

/// Why a finding is already accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KnownReason {
    /// Listed in the baseline file.
    Baseline,
    /// Reported by the same check of the git base the change starts from;
    /// holds that base's label: "HEAD", "merge-base 1a2b3c4".
    GitBase(String),
}

impl KnownReason {
    /// How a count of such findings reads in a summary: "3 in baseline",
    /// "3 already at HEAD".
    pub fn describe(&self) -> String {
        match self {
            KnownReason::Baseline => "in baseline".to_string(),
            KnownReason::GitBase(label) => format!("already at {label}"),
        }
    }
}

/// Fingerprints of findings not to report again.
#[derive(Clone, Debug)]
pub struct KnownSet {
    pub reason: KnownReason,
    pub fingerprints: HashSet<String>,
}

impl KnownSet {
    pub fn baseline(baseline: &Baseline) -> Self {
        KnownSet {
            reason: KnownReason::Baseline,
            fingerprints: baseline.fingerprints.iter().cloned().collect(),
        }
    }

    /// The findings a check of the git base (`label`) reported. Pass them
    /// through `Scope::reported_fingerprints` of the base first: a finding
    /// the base suppressed or turned off was never accepted there, so it
    /// must not hide the same finding at the head.
    pub fn git_base(label: &str, fingerprints: HashSet<String>) -> Self {
        KnownSet {
            reason: KnownReason::GitBase(label.to_string()),
            fingerprints,
        }
    }
}

/// How many findings each step held back.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ScopeCounts {
    /// Rules turned off in the config.
    pub disabled: usize,
    /// Findings on tables matched by `ignore_tables`.
    pub ignored: usize,
    /// Inline `migraguard: ignore` comments.
    pub suppressed: usize,
    /// Per known set, in the order the sets were given.
    pub known: Vec<(KnownReason, usize)>,
    /// Safety findings (MG3xx) on migrations the change did not add.
    pub old_migrations: usize,
}

impl ScopeCounts {
    pub fn baselined(&self) -> usize {
        self.known
            .iter()
            .filter(|(r, _)| *r == KnownReason::Baseline)
            .map(|(_, n)| n)
            .sum()
    }

    /// Findings left out because the git base already had them.
    pub fn at_git_base(&self) -> usize {
        self.known
            .iter()
            .filter(|(r, _)| matches!(r, KnownReason::GitBase(_)))
            .map(|(_, n)| n)
            .sum()
    }

    /// Non-zero counts worth a mention after the summary line:
    /// `["2 suppressed", "5 in baseline"]`. Configuration (rules off,
    /// ignored tables) is deliberate and not repeated on every run.
    pub fn summary_parts(&self) -> Vec<String> {
        let mut parts = Vec::new();
        if self.suppressed > 0 {
            parts.push(format!("{} suppressed", self.suppressed));
        }
        for (reason, n) in &self.known {
            if *n > 0 {
                parts.push(format!("{n} {}", reason.describe()));
            }
        }
        parts
    }
}

#[derive(Debug)]
pub struct Scoped {
    pub findings: Vec<Finding>,
    pub counts: ScopeCounts,
    /// One-line remarks for the summary (why some findings are not shown).
    pub remarks: Vec<String>,
}

/// Which migrations the safety lints (MG301-MG305) may report on: those the
/// change adds or edits, told by the path of the finding's location.
pub enum NewMigrations<'a> {
    /// Every migration (`--all`, a repository without commits, and callers
    /// that do not scope by change).
    All,
    /// Those for which the function says the file differs from the git base
    /// or is absent there.
    Changed(Box<dyn Fn(&str) -> bool + 'a>),
    /// Outside git nothing tells which migrations are new: none.
    NotGit,
}

impl NewMigrations<'_> {
    fn contains(&self, path: &str) -> bool {
        match self {
            NewMigrations::All => true,
            NewMigrations::Changed(is_new) => is_new(path),
            NewMigrations::NotGit => false,
        }
    }
}

/// Whether a finding comes from the safety lints, which look only at new migrations.
pub fn is_safety(f: &Finding) -> bool {
    f.rule.id.starts_with("MG3")
}

pub struct Scope<'a> {
    snapshot: &'a dyn Snapshot,
    overrides: BTreeMap<&'static str, Option<Severity>>,
    ignore_tables: GlobSet,
    all: bool,
    known: Vec<KnownSet>,
    new_migrations: NewMigrations<'a>,
}

impl<'a> Scope<'a> {
    /// Fails (exit 2) on an unknown rule in `[rules]` or a malformed glob in
    /// `ignore_tables`: a silently ignored setting is worse than an error.
    pub fn new(snapshot: &'a dyn Snapshot, config: &Config) -> Result<Self, Fatal> {
        let origin = config.source.as_deref().unwrap_or("configuration");
        let mut overrides = BTreeMap::new();
        for (key, sev) in &config.rules {
            let rule = crate::rules::lookup(key).ok_or_else(|| {
                Fatal::new(format!("{origin}: unknown rule `{key}` in [rules]"))
                    .with_help("`migraguard explain --list` lists every rule")
            })?;
            overrides.insert(rule.id, *sev);
        }
        let mut globs = GlobSetBuilder::new();
        for pattern in &config.ignore_tables {
            let glob = GlobBuilder::new(pattern.trim())
                .case_insensitive(true)
                .build()
                .map_err(|e| {
                    Fatal::new(format!(
                        "{origin}: ignore_tables: `{pattern}` is not a valid glob: {e}"
                    ))
                })?;
            globs.add(glob);
        }
        let ignore_tables = globs
            .build()
            .map_err(|e| Fatal::new(format!("{origin}: ignore_tables: {e}")))?;
        Ok(Scope {
            snapshot,
            overrides,
            ignore_tables,
            all: false,
            known: Vec::new(),
            new_migrations: NewMigrations::All,
        })
    }

    /// Which migrations the safety lints may report on (every one by default).
    pub fn new_migrations(mut self, new: NewMigrations<'a>) -> Self {
        self.new_migrations = new;
        self
    }

    /// `--all`: keep suppressed and known findings (config still applies).
    pub fn all(mut self, all: bool) -> Self {
        self.all = all;
        self
    }

    pub fn known(mut self, set: KnownSet) -> Self {
        self.known.push(set);
        self
    }

    pub fn apply(&self, findings: Vec<Finding>) -> Scoped {
        let mut counts = ScopeCounts {
            known: self.known.iter().map(|k| (k.reason.clone(), 0)).collect(),
            ..ScopeCounts::default()
        };
        let mut lines = LineCache::new(self.snapshot);
        let mut new_paths: HashMap<Arc<str>, bool> = HashMap::new();
        let mut kept = Vec::with_capacity(findings.len());
        for mut f in findings {
            match self.overrides.get(f.rule.id) {
                Some(None) => {
                    counts.disabled += 1;
                    continue;
                }
                Some(Some(sev)) => f.severity = *sev,
                None => {}
            }
            if self.is_ignored_table(&f) {
                counts.ignored += 1;
                continue;
            }
            if self.all {
                kept.push(f);
                continue;
            }
            if lines.suppressed(&f) {
                counts.suppressed += 1;
                continue;
            }
            if is_safety(&f) {
                let mut is_new = |path: &Arc<str>| {
                    *new_paths
                        .entry(path.clone())
                        .or_insert_with(|| self.new_migrations.contains(path))
                };
                let new = f.location.as_ref().is_some_and(|l| is_new(&l.path));
                // a table an earlier migration of the same change created is
                // empty in production: nothing to be careful about (with
                // every migration new, as without commits, that says nothing)
                let table_is_new = matches!(self.new_migrations, NewMigrations::Changed(_))
                    && crate::lints::safety::table_created_at(&f).is_some_and(|l| is_new(&l.path));
                if !new || table_is_new {
                    counts.old_migrations += 1;
                    continue;
                }
            }
            if let Some(i) = self
                .known
                .iter()
                .position(|k| k.fingerprints.contains(&f.fingerprint))
            {
                if let Some((_, n)) = counts.known.get_mut(i) {
                    *n += 1;
                }
                continue;
            }
            kept.push(f);
        }
        let mut remarks = Vec::new();
        if matches!(self.new_migrations, NewMigrations::NotGit) && counts.old_migrations > 0 {
            let n = counts.old_migrations;
            remarks.push(format!(
                "{n} safety finding{} on existing migrations not shown: not a git repository (use --all)",
                if n == 1 { "" } else { "s" }
            ));
        }
        Scoped {
            findings: kept,
            counts,
            remarks,
        }
    }

    /// Fingerprints of the findings this scope would report, before any
    /// known set: configuration and inline suppressions applied, `--all` and
    /// the baseline not. What a check of a git base counts as accepted.
    pub fn reported_fingerprints(&self, findings: Vec<Finding>) -> HashSet<String> {
        let plain = Scope {
            snapshot: self.snapshot,
            overrides: self.overrides.clone(),
            ignore_tables: self.ignore_tables.clone(),
            all: false,
            known: Vec::new(),
            new_migrations: NewMigrations::All,
        };
        plain
            .apply(findings)
            .findings
            .into_iter()
            .map(|f| f.fingerprint)
            .collect()
    }

    fn is_ignored_table(&self, f: &Finding) -> bool {
        let Some(table) = f.table.as_deref() else {
            return false;
        };
        if self.ignore_tables.is_empty() {
            return false;
        }
        let unqualified = table.rsplit('.').next().unwrap_or(table);
        self.ignore_tables.is_match(table)
            || self.ignore_tables.is_match(unqualified)
            || self.ignore_tables.is_match(crate::schema::key(unqualified))
    }
}

struct CachedFile {
    text: Arc<str>,
    index: LineIndex,
}

/// Source lines read through the snapshot, each file once. Files without the
/// marker text are remembered as such and never split into lines.
struct LineCache<'a> {
    snapshot: &'a dyn Snapshot,
    files: HashMap<Arc<str>, Option<CachedFile>>,
}

impl<'a> LineCache<'a> {
    fn new(snapshot: &'a dyn Snapshot) -> Self {
        LineCache {
            snapshot,
            files: HashMap::new(),
        }
    }

    fn suppressed(&mut self, f: &Finding) -> bool {
        let Some(loc) = &f.location else {
            return false;
        };
        let snapshot = self.snapshot;
        let cached = self.files.entry(loc.path.clone()).or_insert_with(|| {
            let file = snapshot.read(&loc.path).ok()?;
            if !file.text.to_ascii_lowercase().contains("migraguard:") {
                return None;
            }
            let index = LineIndex::new(&file.text);
            Some(CachedFile {
                text: file.text,
                index,
            })
        });
        let Some(file) = cached else {
            return false;
        };
        let line = loc.start.line;
        let above = line.checked_sub(1).and_then(|l| line_text(file, l));
        suppress::suppresses(f.rule, line_text(file, line), above)
    }
}

/// Text of 1-based `line` without its line ending, None when out of range.
fn line_text(file: &CachedFile, line: u32) -> Option<&str> {
    if line == 0 || line as usize > file.index.line_count() {
        return None;
    }
    let start = file.index.offset(&file.text, Pos::new(line, 1));
    let rest = file.text.get(start..)?;
    let end = rest.find('\n').unwrap_or(rest.len());
    Some(rest[..end].trim_end_matches('\r'))
}

#[cfg(test)]
pub(crate) mod testing {
    pub use crate::snapshot::MemorySnapshot as MemSnapshot;

    /// `MemorySnapshot` from text files, for unit tests.
    pub fn mem(files: &[(&str, &str)]) -> MemSnapshot {
        MemSnapshot::new(files.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::testing::mem;
    use super::*;
    use crate::rules::{MG102, MG103, MG105};
    use crate::source::Location;

    fn finding(rule: &'static crate::rules::Rule, table: &str, path: &str, line: u32) -> Finding {
        Finding::new(rule, Some(table), Some("c"), "k", "msg").at(Location::line(path, line))
    }

    const MODELS: &str = "\
class A(Base):
    a = Column(Integer)  # migraguard: ignore[MG105]
    b = Column(Integer)
    # migraguard: ignore[MG102, MG105]
    c = Column(Integer)
    d = Column(Integer)  # migraguard: ignore
";

    fn kept_lines(scoped: &Scoped) -> Vec<(&'static str, u32)> {
        scoped
            .findings
            .iter()
            .map(|f| (f.rule.id, f.location.as_ref().map_or(0, |l| l.start.line)))
            .collect()
    }

    #[test]
    fn inline_suppressions_on_the_line_or_just_above() {
        let snap = mem(&[("m.py", MODELS)]);
        let config = Config::default();
        let findings = vec![
            finding(&MG105, "t", "m.py", 2),    // suppressed on its line
            finding(&MG102, "t", "m.py", 2),    // other rule: kept
            finding(&MG105, "t", "m.py", 3),    // trailing comment above is not for it: kept
            finding(&MG102, "t", "m.py", 5),    // comment line above
            finding(&MG105, "t", "m.py", 5),    // comment line above, second id
            finding(&MG103, "t", "m.py", 5),    // not listed: kept
            finding(&MG103, "t", "m.py", 6),    // bare ignore
            finding(&MG103, "t", "gone.py", 1), // unreadable file: kept
            Finding::new(&MG103, Some("t"), None, "k", "no location"),
        ];
        let scoped = Scope::new(&snap, &config).unwrap().apply(findings.clone());
        assert_eq!(
            kept_lines(&scoped)[..4],
            [("MG102", 2), ("MG105", 3), ("MG103", 5), ("MG103", 1)]
        );
        assert_eq!(scoped.findings.len(), 5);
        assert_eq!(scoped.counts.suppressed, 4);
        assert_eq!(scoped.counts.summary_parts(), vec!["4 suppressed"]);

        let all = Scope::new(&snap, &config)
            .unwrap()
            .all(true)
            .apply(findings);
        assert_eq!(all.findings.len(), 9);
        assert_eq!(all.counts.suppressed, 0);
    }

    #[test]
    fn sql_and_rust_comment_leaders() {
        let snap = mem(&[
            (
                "m.sql",
                "-- migraguard: ignore[MG103]\nCREATE TABLE t (c INT);\n",
            ),
            (
                "s.rs",
                "table! {\n    t (id) { // migraguard: ignore[mg102]\n",
            ),
        ]);
        let scoped = Scope::new(&snap, &Config::default()).unwrap().apply(vec![
            finding(&MG103, "t", "m.sql", 2),
            finding(&MG102, "t", "s.rs", 2),
        ]);
        assert!(scoped.findings.is_empty());
        assert_eq!(scoped.counts.suppressed, 2);
    }

    #[test]
    fn baseline_filters_by_fingerprint() {
        let snap = mem(&[]);
        let old = finding(&MG102, "legacy", "m.py", 1);
        let new = finding(&MG102, "fresh", "m.py", 2);
        let baseline = Baseline::from_findings([&old]);
        let scope = Scope::new(&snap, &Config::default())
            .unwrap()
            .known(KnownSet::baseline(&baseline));
        let scoped = scope.apply(vec![old.clone(), new.clone()]);
        assert_eq!(scoped.findings.len(), 1);
        assert_eq!(scoped.findings[0].fingerprint, new.fingerprint);
        assert_eq!(scoped.counts.baselined(), 1);
        assert_eq!(scoped.counts.summary_parts(), vec!["1 in baseline"]);
        let all = scope.all(true).apply(vec![old, new]);
        assert_eq!(all.findings.len(), 2);
        assert_eq!(all.counts.baselined(), 0);
    }

    #[test]
    fn git_base_findings_count_only_when_the_base_reported_them() {
        let base_snap = mem(&[("m.py", "x = 1  # migraguard: ignore[MG102]\ny = 2\n")]);
        let mut config = Config::default();
        config.rules.insert("MG103".into(), None);
        let suppressed = finding(&MG102, "t", "m.py", 1);
        let old = finding(&MG102, "old", "m.py", 2);
        let off = finding(&MG103, "off", "m.py", 2);
        let known = Scope::new(&base_snap, &config)
            .unwrap()
            .reported_fingerprints(vec![suppressed.clone(), old.clone(), off.clone()]);
        assert_eq!(known, HashSet::from([old.fingerprint.clone()]));

        // At the head the suppression comment is gone: the finding is new.
        let head_snap = mem(&[("m.py", "x = 1\ny = 2\n")]);
        let scope = Scope::new(&head_snap, &config)
            .unwrap()
            .known(KnownSet::git_base("merge-base 1a2b3c4", known));
        let scoped = scope.apply(vec![suppressed.clone(), old.clone(), off]);
        assert_eq!(scoped.findings.len(), 1);
        assert_eq!(scoped.findings[0].fingerprint, suppressed.fingerprint);
        assert_eq!(scoped.counts.at_git_base(), 1);
        assert_eq!(scoped.counts.baselined(), 0);
        assert_eq!(
            scoped.counts.summary_parts(),
            vec!["1 already at merge-base 1a2b3c4"]
        );
        assert_eq!(
            scope.all(true).apply(vec![suppressed, old]).findings.len(),
            2
        );
    }

    #[test]
    fn ignore_tables_globs_match_case_insensitively() {
        let snap = mem(&[]);
        let config = Config {
            ignore_tables: vec!["alembic_version".into(), "tmp_*".into()],
            ..Config::default()
        };
        let scoped = Scope::new(&snap, &config).unwrap().all(true).apply(vec![
            finding(&MG103, "alembic_version", "m.sql", 1),
            finding(&MG103, "TMP_import", "m.sql", 2),
            finding(&MG103, "audit.tmp_x", "m.sql", 3),
            finding(&MG103, "users", "m.sql", 4),
            Finding::new(&MG103, None, None, "k", "no table"),
        ]);
        assert_eq!(scoped.findings.len(), 2);
        assert_eq!(scoped.counts.ignored, 3);
        let bad = Config {
            ignore_tables: vec!["tmp_[".into()],
            ..Config::default()
        };
        assert!(Scope::new(&snap, &bad).is_err());
    }

    #[test]
    fn safety_findings_only_on_new_migrations() {
        use crate::rules::{MG301, MG302};
        let snap = mem(&[]);
        let config = Config::default();
        let old = finding(&MG302, "t", "m/0001.sql", 3);
        let new = finding(&MG301, "t", "m/0002.sql", 1);
        let drift = finding(&MG102, "t", "app/models.py", 1);
        // created by a new migration: nothing deployed to be careful about
        let on_new_table = finding(&MG301, "n", "m/0002.sql", 2)
            .related(Location::line("m/0002b.sql", 1), "`n` is created here");
        let on_old_table = finding(&MG302, "o", "m/0002.sql", 3)
            .related(Location::line("m/0001.sql", 1), "`o` is created here");
        let findings = vec![
            old.clone(),
            new.clone(),
            drift.clone(),
            on_new_table,
            on_old_table,
        ];
        let changed = |p: &str| p != "m/0001.sql";
        let scoped = Scope::new(&snap, &config)
            .unwrap()
            .new_migrations(NewMigrations::Changed(Box::new(changed)))
            .apply(findings.clone());
        assert_eq!(
            kept_lines(&scoped),
            [("MG301", 1), ("MG102", 1), ("MG302", 3)]
        );
        assert_eq!(scoped.counts.old_migrations, 2);
        assert!(scoped.remarks.is_empty());

        let outside = Scope::new(&snap, &config)
            .unwrap()
            .new_migrations(NewMigrations::NotGit);
        let scoped = outside.apply(findings.clone());
        assert_eq!(kept_lines(&scoped), [("MG102", 1)]);
        assert_eq!(
            scoped.remarks,
            ["4 safety findings on existing migrations not shown: not a git repository (use --all)"]
        );
        let all = outside.all(true).apply(findings);
        assert_eq!(all.findings.len(), 5);
        assert!(all.remarks.is_empty());
    }

    #[test]
    fn severity_overrides_apply_even_with_all() {
        let snap = mem(&[]);
        let mut config = Config::default();
        config.rules.insert("MG103".into(), None);
        config
            .rules
            .insert("missing-column".into(), Some(Severity::Warning));
        let scoped = Scope::new(&snap, &config).unwrap().all(true).apply(vec![
            finding(&MG103, "t", "m.sql", 1),
            finding(&MG102, "t", "m.py", 1),
            finding(&MG105, "t", "m.py", 2),
        ]);
        assert_eq!(scoped.counts.disabled, 1);
        let sevs: Vec<_> = scoped.findings.iter().map(|f| f.severity).collect();
        assert_eq!(sevs, vec![Severity::Warning, Severity::Error]);
        config.rules.insert("MG999".into(), None);
        assert!(Scope::new(&snap, &config).is_err());
    }
}
