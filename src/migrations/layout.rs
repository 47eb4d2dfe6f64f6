//! Finding and ordering migration files for each SQL layout, extracting the
//! "up" part, and MG204 for duplicate or ambiguous versions.
//! OWNER: discover helper. Users' view: docs/layouts.md.
//!
//! Decisions:
//! - Versions are ordered numerically component by component (`V2` < `V10`,
//!   Flyway `1.2.1` < `1.10`); ties are ordered by path so output is stable.
//! - A duplicate version is MG204 (the tools themselves refuse it, or silently
//!   skip the second file), except for Prisma, which keys migrations by the
//!   whole folder name. Both files are still replayed, in path order: that
//!   gives the schema the two authors meant.
//! - Files that are not migrations of the layout (README.md, .keep, down
//!   scripts, Flyway undo) and Diesel/Prisma folders without their `up.sql` /
//!   `migration.sql` are ignored silently: they change nothing, and the tools
//!   either ignore them too or fail loudly on their own.
//! - An unreadable or binary file is MG002 at line 1, skipped; loading goes on.

use super::{Frontend, History, MigrationUnit};
use crate::dialect::Dialect;
use crate::discover::names::{classify, cmp_versions, is_down_name, SqlName};
use crate::discover::{Layout, MigrationInput};
use crate::findings::Finding;
use crate::rules;
use crate::snapshot::Snapshot;
use crate::source::Location;
use rayon::prelude::*;
use std::cmp::Ordering;
use std::ops::Range;

/// A file chosen for replay, before it is read.
#[derive(Debug)]
struct Entry {
    /// 0 versioned, 1 unversioned or repeatable (after every versioned file).
    group: u8,
    version: String,
    name: String,
    path: String,
}

pub fn load(snapshot: &dyn Snapshot, input: &MigrationInput, dialect: Dialect) -> History {
    let dir = crate::config::clean_path(&input.path);
    match input.layout {
        Layout::SeaOrm => return load_seaorm(snapshot, &dir),
        Layout::Alembic => return super::alembic::load(snapshot, input, dialect),
        _ => {}
    }
    let single_file = snapshot.exists(&dir);
    let mut entries = select(snapshot, &dir, single_file, input.layout);
    entries.sort_by(|a, b| {
        a.group
            .cmp(&b.group)
            .then_with(|| order_in_group(a, b, input.layout))
            .then_with(|| a.path.cmp(&b.path))
    });

    let mut findings = duplicate_versions(&entries, &dir, input.layout);

    let read: Vec<_> = entries
        .par_iter()
        .map(|e| snapshot.read_lossy(&e.path).map_err(|err| err.to_string()))
        .collect();
    let mut units = Vec::with_capacity(entries.len());
    for (e, file) in entries.into_iter().zip(read) {
        match file {
            Ok(file) => {
                let up = up_range(&file.text, input.layout);
                units.push(MigrationUnit {
                    version: e.version,
                    name: e.name,
                    file,
                    up,
                    frontend: Frontend::Sql,
                });
            }
            Err(err) => findings.push(
                Finding::new(
                    &rules::MG002,
                    None,
                    None,
                    &format!("unreadable:{}", e.path),
                    format!("cannot read migration {}: {err}", e.path),
                )
                .at(Location::line(e.path.as_str(), 1))
                .label("skipped: the migrated schema may be incomplete")
                .help("make the file a UTF-8 text file, or move it out of the migrations folder"),
            ),
        }
    }
    History {
        units,
        findings,
        support: Vec::new(),
    }
}

fn unreadable(path: &str, err: &str) -> Finding {
    Finding::new(
        &rules::MG002,
        None,
        None,
        &format!("unreadable:{path}"),
        format!("cannot read migration {path}: {err}"),
    )
    .at(Location::line(path, 1))
    .label("skipped: the migrated schema may be incomplete")
}

/// A SeaORM migration crate at `dir`: the units are the modules
/// `Migrator::migrations()` lists in `src/lib.rs`, in that order (else every
/// `src/m<digits>...rs`, by file name); every other `.rs` and `.sql` file of
/// the crate is support (Iden enums, `include_str!` targets).
fn load_seaorm(snapshot: &dyn Snapshot, dir: &str) -> History {
    let src = crate::discover::join(dir, "src");
    let files: Vec<&String> = snapshot
        .files_under(dir)
        .filter(|p| p.ends_with(".rs") || p.ends_with(".sql"))
        .collect();
    let lib = crate::discover::join(&src, "lib.rs");
    let order = snapshot
        .read_lossy(&lib)
        .ok()
        .and_then(|f| super::seaorm::migrator_order(&f.text));
    let module_file = |m: &str| {
        [format!("{src}/{m}.rs"), format!("{src}/{m}/mod.rs")]
            .into_iter()
            .find(|p| snapshot.exists(p))
    };
    let mut findings = Vec::new();
    let modules: Vec<(String, String)> = match order {
        Some(mods) => mods
            .into_iter()
            .filter_map(|m| match module_file(&m) {
                Some(p) => Some((m, p)),
                None => {
                    findings.push(
                        Finding::new(
                            &rules::MG002,
                            None,
                            None,
                            &format!("missing-module:{dir}:{m}"),
                            format!("{lib} lists migration `{m}` but neither {src}/{m}.rs nor {src}/{m}/mod.rs exists"),
                        )
                        .at(Location::line(lib.as_str(), 1))
                        .label("not replayed: the migrated schema may be incomplete"),
                    );
                    None
                }
            })
            .collect(),
        None => {
            let mut mods: Vec<(String, String)> = files
                .iter()
                .filter_map(|p| {
                    let rest = p.strip_prefix(&format!("{src}/"))?;
                    let stem = rest.strip_suffix(".rs")?;
                    let digits = stem.strip_prefix('m')?;
                    (!rest.contains('/') && digits.starts_with(|c: char| c.is_ascii_digit()))
                        .then(|| (stem.to_string(), (*p).clone()))
                })
                .collect();
            mods.sort();
            mods
        }
    };
    let unit_paths: std::collections::HashSet<&str> =
        modules.iter().map(|(_, p)| p.as_str()).collect();
    let support_paths: Vec<&String> = files
        .iter()
        .filter(|p| !unit_paths.contains(p.as_str()))
        .copied()
        .collect();
    let read_units: Vec<_> = modules
        .par_iter()
        .map(|(_, p)| snapshot.read_lossy(p).map_err(|e| e.to_string()))
        .collect();
    let read_support: Vec<_> = support_paths
        .par_iter()
        .map(|p| snapshot.read_lossy(p).ok())
        .collect();
    let mut units = Vec::new();
    for ((module, path), file) in modules.iter().zip(read_units) {
        match file {
            Ok(file) => {
                let body = module.strip_prefix('m').unwrap_or(module);
                // m20220101_000001_create_table: version 20220101_000001
                let mut parts = body.splitn(3, '_');
                let (a, b, rest) = (parts.next(), parts.next(), parts.next());
                let (version, name) = match (a, b, rest) {
                    (Some(a), Some(b), Some(r)) if b.chars().all(|c| c.is_ascii_digit()) => {
                        (format!("{a}_{b}"), r.to_string())
                    }
                    _ => (module.clone(), String::new()),
                };
                let up = 0..file.text.len();
                units.push(MigrationUnit {
                    version,
                    name,
                    file,
                    up,
                    frontend: Frontend::SeaOrm,
                });
            }
            Err(err) => findings.push(unreadable(path, &err)),
        }
    }
    History {
        units,
        findings,
        support: read_support.into_iter().flatten().collect(),
    }
}

fn order_in_group(a: &Entry, b: &Entry, layout: Layout) -> Ordering {
    match (layout, a.group) {
        // Flyway applies repeatables by description; a schema dump folder
        // runs like docker-entrypoint-initdb.d, by file name.
        (Layout::Flyway, 1) => a.name.cmp(&b.name),
        (Layout::SchemaDump, _) => Ordering::Equal,
        (_, 1) => Ordering::Equal,
        _ => cmp_in_layout(&a.version, &b.version, layout),
    }
}

/// Version order as the tool applies it. Diesel drops the dashes and compares
/// the rest as text (`diesel_migrations`' `version_from_string`), so
/// `2017-09-23-182408` runs between `20170102131034` and `20171001000000`
/// and `2026-05-27-120000-0000` is another version than `2026-05-27-120000`.
fn cmp_in_layout(a: &str, b: &str, layout: Layout) -> Ordering {
    match layout {
        Layout::Diesel => a.replace('-', "").cmp(&b.replace('-', "")),
        _ => cmp_versions(a, b),
    }
}

fn file_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// The folder-relative part of `path`, or None when `path` is not below `dir`.
fn relative<'a>(path: &'a str, dir: &str) -> Option<&'a str> {
    if dir.is_empty() {
        return Some(path);
    }
    path.strip_prefix(dir)?.strip_prefix('/')
}

fn select(snapshot: &dyn Snapshot, dir: &str, single_file: bool, layout: Layout) -> Vec<Entry> {
    // `(relative path, full path)` of every candidate: the file itself for a
    // one-file input, else everything below the folder.
    let files: Vec<(String, String)> = if single_file {
        vec![(file_name(dir).to_string(), dir.to_string())]
    } else {
        snapshot
            .files_under(dir)
            .filter_map(|p| relative(p, dir).map(|r| (r.to_string(), p.clone())))
            .collect()
    };
    let mut out = Vec::new();
    for (rel, path) in files {
        let depth = rel.matches('/').count();
        let fname = file_name(&rel);
        let entry = match layout {
            Layout::Diesel | Layout::Prisma => {
                let wanted = if layout == Layout::Diesel {
                    "up.sql"
                } else {
                    "migration.sql"
                };
                let Some((folder, f)) = rel.split_once('/') else {
                    continue;
                };
                if f != wanted {
                    continue;
                }
                let (version, name) = folder.split_once('_').unwrap_or((folder, ""));
                Entry {
                    group: 0,
                    version: version.to_string(),
                    name: name.to_string(),
                    path,
                }
            }
            // Flyway scans its locations recursively.
            Layout::Flyway => match classify(fname) {
                Some(SqlName::FlywayVersioned { version, desc }) => Entry {
                    group: 0,
                    version,
                    name: desc,
                    path,
                },
                Some(SqlName::FlywayRepeatable { desc }) => Entry {
                    group: 1,
                    version: String::new(),
                    name: desc,
                    path,
                },
                _ => continue,
            },
            // read by `load_seaorm`
            Layout::SeaOrm | Layout::Alembic => continue,
            _ if depth > 0 => continue,
            Layout::GolangMigrate => match classify(fname) {
                Some(SqlName::UpDown {
                    version,
                    name,
                    up: true,
                }) => Entry {
                    group: 0,
                    version,
                    name,
                    path,
                },
                _ => continue,
            },
            Layout::Sqlx | Layout::Dbmate | Layout::Goose => match classify(fname) {
                Some(SqlName::UpDown {
                    version,
                    name,
                    up: true,
                }) if layout == Layout::Sqlx => Entry {
                    group: 0,
                    version,
                    name,
                    path,
                },
                // These tools require `<digits>_name.sql`.
                Some(SqlName::Numbered { version, name })
                    if fname.as_bytes().get(version.len()) == Some(&b'_') =>
                {
                    Entry {
                        group: 0,
                        version,
                        name,
                        path,
                    }
                }
                _ => continue,
            },
            Layout::Numbered => match classify(fname) {
                _ if is_down_name(fname) => continue,
                Some(SqlName::Numbered { version, name })
                | Some(SqlName::UpDown {
                    version,
                    name,
                    up: true,
                }) => Entry {
                    group: 0,
                    version,
                    name,
                    path,
                },
                // Unnumbered files run after numbered ones, in name order,
                // as `sorted(glob("*.sql"))` runners do.
                Some(_) => Entry {
                    group: 1,
                    version: String::new(),
                    name: stem(fname),
                    path,
                },
                None => continue,
            },
            Layout::SchemaDump => {
                if classify(fname).is_none() && !single_file {
                    continue;
                }
                Entry {
                    group: 0,
                    version: String::new(),
                    name: stem(fname),
                    path,
                }
            }
        };
        out.push(entry);
    }
    out
}

fn stem(fname: &str) -> String {
    fname
        .rsplit_once('.')
        .map(|(s, _)| s)
        .unwrap_or(fname)
        .to_string()
}

fn duplicate_versions(entries: &[Entry], dir: &str, layout: Layout) -> Vec<Finding> {
    if matches!(layout, Layout::Prisma | Layout::SchemaDump) {
        return Vec::new();
    }
    let mut out = Vec::new();
    // Sorted: equal versions are adjacent. Compare each with the first of its run.
    let mut first: Option<&Entry> = None;
    for e in entries.iter().filter(|e| e.group == 0) {
        match first {
            Some(f) if cmp_in_layout(&f.version, &e.version, layout) == Ordering::Equal => {
                let canonical = crate::discover::names::canonical_version(&e.version);
                out.push(
                    Finding::new(
                        &rules::MG204,
                        None,
                        None,
                        &format!("duplicate-version:{dir}:{canonical}"),
                        format!(
                            "migration version {} is used by both {} and {}",
                            e.version, f.path, e.path
                        ),
                    )
                    .at(Location::line(e.path.as_str(), 1))
                    .label(format!("version {} again", e.version))
                    .related(
                        Location::line(f.path.as_str(), 1),
                        format!("version {} first used here", f.version),
                    )
                    .help(format!(
                        "give {} the next free version; the migration tool refuses (or silently skips) a duplicate version",
                        file_name(&e.path)
                    )),
                );
            }
            _ => first = Some(e),
        }
    }
    out
}

/// Byte range of the part of `text` that migrates up.
fn up_range(text: &str, layout: Layout) -> Range<usize> {
    let marker: fn(&str) -> Option<bool> = match layout {
        Layout::Dbmate => dbmate_marker,
        Layout::Goose => goose_marker,
        _ => return 0..text.len(),
    };
    let mut up_start = None;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let line_end = offset + line.len();
        match marker(line) {
            Some(true) if up_start.is_none() => up_start = Some(line_end),
            // A down section ends the up part; one before any up marker
            // (down written first) only matters if no up marker follows.
            Some(false) => {
                if let Some(start) = up_start {
                    return start..offset;
                }
            }
            _ => {}
        }
        offset = line_end;
    }
    match up_start {
        Some(start) => start..text.len(),
        // No up marker at all: the tool would refuse the file; replaying the
        // part before any down marker is the best guess at what was meant.
        None => {
            let mut offset = 0;
            for line in text.split_inclusive('\n') {
                if marker(line) == Some(false) {
                    return 0..offset;
                }
                offset += line.len();
            }
            0..text.len()
        }
    }
}

/// `-- migrate:up` -> Some(true), `-- migrate:down` -> Some(false); options
/// after the marker (`transaction:false`) are allowed.
fn dbmate_marker(line: &str) -> Option<bool> {
    let rest = line.trim_start().strip_prefix("--")?.trim_start();
    if rest.starts_with("migrate:up") {
        Some(true)
    } else if rest.starts_with("migrate:down") {
        Some(false)
    } else {
        None
    }
}

/// `-- +goose Up` / `-- +goose Down` (any case); StatementBegin/End and the
/// other annotations are plain SQL comments for the replay.
fn goose_marker(line: &str) -> Option<bool> {
    let rest = line.trim_start().strip_prefix("--")?.trim_start();
    let rest = rest.strip_prefix("+goose")?.trim();
    if rest.eq_ignore_ascii_case("up") {
        Some(true)
    } else if rest.eq_ignore_ascii_case("down") {
        Some(false)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::MemorySnapshot;

    fn input(path: &str, layout: Layout) -> MigrationInput {
        MigrationInput {
            path: path.into(),
            layout,
        }
    }

    fn paths(h: &History) -> Vec<&str> {
        h.units.iter().map(|u| &*u.file.path).collect()
    }

    fn up(u: &MigrationUnit) -> &str {
        &u.file.text[u.up.clone()]
    }

    #[test]
    fn numbered_orders_numerically_and_skips_non_migrations() {
        let s = MemorySnapshot::new(vec![
            ("m/10_c.sql", "C"),
            ("m/2_b.sql", "B"),
            ("m/001-a.sql", "A"),
            ("m/0002_b.down.sql", "no"),
            ("m/README.md", "no"),
            ("m/.keep", ""),
            ("m/zz_seed.sql", "S"),
            ("m/sub/3_x.sql", "nested: not ours"),
        ]);
        let h = load(&s, &input("m", Layout::Numbered), Dialect::default());
        assert_eq!(
            paths(&h),
            ["m/001-a.sql", "m/2_b.sql", "m/10_c.sql", "m/zz_seed.sql"]
        );
        assert_eq!(h.units[2].version, "10");
        assert_eq!(h.units[2].name, "c");
        assert_eq!(up(&h.units[0]), "A");
        assert!(h.findings.is_empty());
    }

    #[test]
    fn duplicate_versions_are_mg204_at_the_second_file() {
        let s = MemorySnapshot::new(vec![
            ("db/0003_b.sql", "B"),
            ("db/0003_a.sql", "A"),
            ("db/0001_x.sql", "X"),
            ("db/3_c.sql", "C"),
        ]);
        let h = load(&s, &input("db", Layout::Numbered), Dialect::default());
        assert_eq!(h.units.len(), 4);
        assert_eq!(h.findings.len(), 2);
        let f = &h.findings[0];
        assert_eq!(f.rule.id, "MG204");
        assert_eq!(f.location.as_ref().unwrap().path.as_ref(), "db/0003_b.sql");
        assert_eq!(f.location.as_ref().unwrap().start.line, 1);
        assert_eq!(f.related[0].location.path.as_ref(), "db/0003_a.sql");
        assert_eq!(f.fingerprint, "MG204::duplicate-version:db:3");
        assert!(f.message.contains("0003"));
        // the third file of the run points at the first one too
        assert_eq!(
            h.findings[1].related[0].location.path.as_ref(),
            "db/0003_a.sql"
        );
    }

    #[test]
    fn flyway_orders_versions_then_repeatables() {
        let s = MemorySnapshot::new(vec![
            ("f/V10__ten.sql", "10"),
            ("f/V2__two.sql", "2"),
            ("f/V1.2.1__x.sql", "121"),
            ("f/V1_10__y.sql", "110"),
            ("f/R__b_views.sql", "Rb"),
            ("f/R__a_funcs.sql", "Ra"),
            ("f/U2__undo.sql", "no"),
            ("f/nested/V3__three.sql", "3"),
            ("f/notes.txt", "no"),
        ]);
        let h = load(&s, &input("f", Layout::Flyway), Dialect::default());
        let got: Vec<_> = h.units.iter().map(up).collect();
        assert_eq!(got, ["121", "110", "2", "3", "10", "Ra", "Rb"]);
        assert_eq!(h.units[1].version, "1.10");
        assert!(h.findings.is_empty());
        let s = MemorySnapshot::new(vec![("f/V1__a.sql", ""), ("f/V1.0__b.sql", "")]);
        assert_eq!(
            load(&s, &input("f", Layout::Flyway), Dialect::default())
                .findings
                .len(),
            1
        );
    }

    #[test]
    fn golang_migrate_uses_only_up_files() {
        let s = MemorySnapshot::new(vec![
            ("m/2_b.up.sql", "B"),
            ("m/2_b.down.sql", "no"),
            ("m/1_a.up.sql", "A"),
            ("m/1_a.down.sql", "no"),
            ("m/3_c.down.sql", "down without up is fine"),
        ]);
        let h = load(&s, &input("m", Layout::GolangMigrate), Dialect::default());
        assert_eq!(paths(&h), ["m/1_a.up.sql", "m/2_b.up.sql"]);
        assert!(h.findings.is_empty());
    }

    #[test]
    fn dbmate_extracts_the_up_section() {
        let text = "-- migrate:up\nCREATE TABLE a (id int);\n\n-- migrate:down\nDROP TABLE a;\n";
        let s = MemorySnapshot::new(vec![
            (
                "db/migrations/20240102000000_b.sql",
                "-- migrate:up transaction:false\nB\n",
            ),
            ("db/migrations/20240101000000_a.sql", text),
        ]);
        let h = load(
            &s,
            &input("db/migrations", Layout::Dbmate),
            Dialect::default(),
        );
        assert_eq!(h.units[0].version, "20240101000000");
        assert_eq!(up(&h.units[0]), "CREATE TABLE a (id int);\n\n");
        assert_eq!(up(&h.units[1]), "B\n");
    }

    #[test]
    fn goose_extracts_the_up_section_with_statement_blocks() {
        let text = "-- +goose Up\n-- +goose StatementBegin\nCREATE TABLE a (id int);\n-- +goose StatementEnd\n-- +goose Down\nDROP TABLE a;\n";
        let down_first = "-- +goose Down\nDROP TABLE b;\n-- +goose Up\nCREATE TABLE b (id int);\n";
        let s = MemorySnapshot::new(vec![
            ("m/00001_a.sql", text),
            ("m/00002_b.sql", down_first),
            ("m/00003_c.go", "package x"),
            (
                "m/00004_d.sql",
                "CREATE TABLE d (id int);\n-- +goose down\nDROP TABLE d;",
            ),
        ]);
        let h = load(&s, &input("m", Layout::Goose), Dialect::default());
        assert_eq!(h.units.len(), 3);
        assert_eq!(
            up(&h.units[0]),
            "-- +goose StatementBegin\nCREATE TABLE a (id int);\n-- +goose StatementEnd\n"
        );
        assert_eq!(up(&h.units[1]), "CREATE TABLE b (id int);\n");
        assert_eq!(up(&h.units[2]), "CREATE TABLE d (id int);\n");
    }

    #[test]
    fn diesel_and_prisma_use_folder_names() {
        let s = MemorySnapshot::new(vec![
            ("migrations/2019-12-10-123456_users/up.sql", "U"),
            ("migrations/2019-12-10-123456_users/down.sql", "no"),
            ("migrations/00000000000000_diesel_initial_setup/up.sql", "I"),
            (
                "migrations/2020-01-01-000000_empty/down.sql",
                "no up.sql: silent",
            ),
            ("migrations/.keep", ""),
        ]);
        let h = load(&s, &input("migrations", Layout::Diesel), Dialect::default());
        let got: Vec<_> = h.units.iter().map(up).collect();
        assert_eq!(got, ["I", "U"]);
        assert_eq!(h.units[1].version, "2019-12-10-123456");
        assert_eq!(h.units[1].name, "users");
        assert!(h.findings.is_empty());

        // old undashed and newer dashed versions interleave as Diesel runs
        // them (crates.io has both); a longer version is another version
        let s = MemorySnapshot::new(vec![
            ("migrations/20170102131034_badges/up.sql", "B"),
            ("migrations/2017-09-23-182408_emails/up.sql", "E"),
            ("migrations/20140925161623_crates/up.sql", "C"),
            ("migrations/2026-05-27-120000_usernames/up.sql", "U"),
            ("migrations/2026-05-27-120000-0000_semver/up.sql", "S"),
        ]);
        let h = load(&s, &input("migrations", Layout::Diesel), Dialect::default());
        let got: Vec<_> = h.units.iter().map(up).collect();
        assert_eq!(got, ["C", "B", "E", "U", "S"]);
        assert!(h.findings.is_empty(), "{:?}", h.findings);

        let s = MemorySnapshot::new(vec![
            ("prisma/migrations/20240201000000_b/migration.sql", "B"),
            ("prisma/migrations/20240101000000_a/migration.sql", "A"),
            ("prisma/migrations/20240101000000_c/migration.sql", "C"),
            (
                "prisma/migrations/migration_lock.toml",
                "provider = \"postgresql\"",
            ),
        ]);
        let h = load(
            &s,
            &input("prisma/migrations", Layout::Prisma),
            Dialect::default(),
        );
        let got: Vec<_> = h.units.iter().map(up).collect();
        assert_eq!(got, ["A", "C", "B"]);
        assert!(h.findings.is_empty(), "prisma keys by folder name");
    }

    #[test]
    fn sqlx_takes_plain_and_up_files() {
        let s = MemorySnapshot::new(vec![
            ("migrations/20240101000000_a.sql", "A"),
            ("migrations/20240102000000_b.up.sql", "B"),
            ("migrations/20240102000000_b.down.sql", "no"),
            ("migrations/notes.sql", "no"),
        ]);
        let h = load(&s, &input("migrations", Layout::Sqlx), Dialect::default());
        let got: Vec<_> = h.units.iter().map(up).collect();
        assert_eq!(got, ["A", "B"]);
    }

    #[test]
    fn schema_dump_file_or_init_folder() {
        let s = MemorySnapshot::new(vec![
            ("db/schema.sql", "S"),
            ("init/02-seed.sql", "2"),
            ("init/01-schema.sql", "1"),
            ("init/readme.md", "no"),
        ]);
        let h = load(
            &s,
            &input("db/schema.sql", Layout::SchemaDump),
            Dialect::default(),
        );
        assert_eq!(paths(&h), ["db/schema.sql"]);
        assert_eq!(h.units[0].name, "schema");
        let h = load(&s, &input("init", Layout::SchemaDump), Dialect::default());
        assert_eq!(paths(&h), ["init/01-schema.sql", "init/02-seed.sql"]);
    }

    #[test]
    fn unreadable_files_are_mg002_and_loading_continues() {
        let s = MemorySnapshot::new(vec![
            ("m/1_a.sql", &b"\0\x01binary"[..]),
            // invalid UTF-8 throughout: not a legacy-encoded text file
            (
                "m/2_b.sql",
                &[0xffu8, 0xfe, 0xfa, 0xfb, 0xfc, 0xfd, 0xc0, 0xc1, 0xf8, 0xf9][..],
            ),
            ("m/3_c.sql", &b"CREATE TABLE c (id int);"[..]),
        ]);
        let h = load(&s, &input("m", Layout::Numbered), Dialect::default());
        assert_eq!(paths(&h), ["m/3_c.sql"]);
        assert_eq!(h.findings.len(), 2);
        assert!(h.findings.iter().all(|f| f.rule.id == "MG002"));
        let loc = h.findings[0].location.as_ref().unwrap();
        assert_eq!((loc.path.as_ref(), loc.start.line), ("m/1_a.sql", 1));
    }

    #[test]
    fn missing_folder_is_an_empty_history() {
        let s = MemorySnapshot::new(vec![("x.sql", "")]);
        let h = load(&s, &input("nope", Layout::Numbered), Dialect::default());
        assert!(h.units.is_empty() && h.findings.is_empty());
    }
}
