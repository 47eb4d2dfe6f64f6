//! Which folders (or dump files) hold the migrations, and in which layout.

use super::names::{classify, SqlName};
use super::{is_test_path, split, under, DiscoverError, Facts, Layout, MigrationInput, ModelInput};
use crate::config::Config;
use crate::dialect::Dialect;
use crate::snapshot::Snapshot;
use std::collections::BTreeSet;

/// Folder names that hold migrations by convention (`migrations/`,
/// `db/migrate/`, Flyway's `db/migration/`, `prisma/migrations/`...).
const MIGRATION_DIR_NAMES: &[&str] = &["migrations", "migration", "migrate"];

/// Schema dump file names (a dump alone is replayed as the whole history).
const DUMP_FILES: &[&str] = &[
    "schema.sql",
    "structure.sql",
    "init.sql",
    "init_db.sql",
    "init-db.sql",
    "initdb.sql",
    "create_tables.sql",
    "create-tables.sql",
    "ddl.sql",
];

/// Folders of init scripts run in name order (docker-entrypoint-initdb.d style).
const INIT_DIRS: &[&str] = &[
    "docker-entrypoint-initdb.d",
    "initdb.d",
    "initdb",
    "init-db",
    "init_db",
    "db-init",
    "init",
];

/// Folder names that hold one database's migrations (SQL folders and
/// Alembic version folders alike).
pub(super) const DIALECT_DIRS: &[(&str, Dialect)] = &[
    ("postgres", Dialect::Postgresql),
    ("postgresql", Dialect::Postgresql),
    ("pg", Dialect::Postgresql),
    ("sqlite", Dialect::Sqlite),
    ("sqlite3", Dialect::Sqlite),
    ("mysql", Dialect::Mysql),
    ("mariadb", Dialect::Mysql),
];

/// Direct `.sql` children of `dir`, and the names of its subfolders holding
/// `up.sql` (Diesel) or `migration.sql` (Prisma).
struct Listing<'a> {
    sql: Vec<&'a str>,
    diesel_dirs: usize,
    prisma_dirs: usize,
}

fn listing<'a>(snapshot: &'a dyn Snapshot, dir: &str) -> Listing<'a> {
    let mut l = Listing {
        sql: Vec::new(),
        diesel_dirs: 0,
        prisma_dirs: 0,
    };
    for p in snapshot.files_under(dir) {
        let rel = if dir.is_empty() {
            p.as_str()
        } else {
            match p.strip_prefix(dir).and_then(|r| r.strip_prefix('/')) {
                Some(r) => r,
                None => continue,
            }
        };
        match rel.split('/').collect::<Vec<_>>().as_slice() {
            [f] if classify(f).is_some() => l.sql.push(p.as_str()),
            [_, "up.sql"] => l.diesel_dirs += 1,
            [_, "migration.sql"] => l.prisma_dirs += 1,
            _ => {}
        }
    }
    l
}

/// The layout of a folder, from its file names and (dbmate, goose) the
/// markers in a few of its files. None when it holds no SQL migrations.
pub(crate) fn detect_layout(snapshot: &dyn Snapshot, dir: &str, sqlx: bool) -> Option<Layout> {
    let l = listing(snapshot, dir);
    if l.diesel_dirs > 0 || l.prisma_dirs > 0 {
        return Some(if l.diesel_dirs >= l.prisma_dirs {
            Layout::Diesel
        } else {
            Layout::Prisma
        });
    }
    if l.sql.is_empty() {
        return None;
    }
    let (mut flyway, mut updown, mut numbered) = (0, 0, 0);
    for p in &l.sql {
        match classify(split(p).1) {
            Some(SqlName::FlywayVersioned { .. })
            | Some(SqlName::FlywayRepeatable { .. })
            | Some(SqlName::FlywayOther) => flyway += 1,
            Some(SqlName::UpDown { .. }) => updown += 1,
            Some(SqlName::Numbered { .. }) => numbered += 1,
            _ => {}
        }
    }
    if flyway > 0 && flyway >= updown.max(numbered) {
        return Some(Layout::Flyway);
    }
    if updown > 0 && updown >= numbered {
        return Some(if sqlx {
            Layout::Sqlx
        } else {
            Layout::GolangMigrate
        });
    }
    // dbmate and goose name files like any numbered layout: their markers,
    // in every file, tell them apart. A few files are enough.
    for p in l.sql.iter().take(3) {
        if let Ok(f) = snapshot.read(p) {
            for line in f.text.lines() {
                let Some(rest) = line.trim_start().strip_prefix("--") else {
                    continue;
                };
                let rest = rest.trim_start();
                if rest.starts_with("migrate:up") || rest.starts_with("migrate:down") {
                    return Some(Layout::Dbmate);
                }
                if rest.starts_with("+goose") {
                    return Some(Layout::Goose);
                }
            }
        }
    }
    // sqlx insists on `<digits>_`; anything else is some numbered runner.
    let sqlx_names = l.sql.iter().all(|p| {
        let name = split(p).1;
        match classify(name) {
            Some(SqlName::Numbered { version, .. }) => {
                name.as_bytes().get(version.len()) == Some(&b'_')
            }
            _ => false,
        }
    });
    Some(if sqlx && sqlx_names {
        Layout::Sqlx
    } else {
        Layout::Numbered
    })
}

/// Every folder of the snapshot, from its file paths.
fn all_dirs(snapshot: &dyn Snapshot) -> BTreeSet<&str> {
    let mut dirs = BTreeSet::new();
    for p in snapshot.files() {
        let mut d = p.as_str();
        while let Some((parent, _)) = d.rsplit_once('/') {
            if !dirs.insert(parent) {
                break;
            }
            d = parent;
        }
    }
    dirs
}

fn last(dir: &str) -> &str {
    split(dir).1
}

pub(crate) fn find(
    snapshot: &dyn Snapshot,
    config: &Config,
    facts: &Facts,
    dialect: Option<Dialect>,
    models: &[ModelInput],
) -> Result<Vec<MigrationInput>, DiscoverError> {
    if !config.migrations.is_empty() {
        let mut out = config
            .migrations
            .iter()
            .map(|m| {
                configured(
                    snapshot,
                    &crate::config::clean_path(&m.path),
                    m.layout,
                    facts,
                )
            })
            .collect::<Result<Vec<_>, _>>()?;
        // A baseline dump is replayed before the migrations that follow it.
        out.sort_by_key(|m| m.layout != Layout::SchemaDump);
        return Ok(out);
    }

    let dirs = all_dirs(snapshot);
    let skip = |d: &str| is_test_path(&format!("{d}/x")) || facts.in_alembic(d);
    let mut found: Vec<MigrationInput> = Vec::new();

    // diesel.toml and flyway.conf name their folders, whatever they are called.
    for (_, _, mdir) in &facts.diesel {
        // several schema files of one diesel.toml share its migrations
        if detect_layout(snapshot, mdir, false) == Some(Layout::Diesel)
            && !found.iter().any(|f| f.path == *mdir)
        {
            found.push(MigrationInput {
                path: mdir.clone(),
                layout: Layout::Diesel,
            });
        }
    }
    for fdir in &facts.flyway_dirs {
        if !found.iter().any(|f| f.path == *fdir)
            && snapshot.files_under(fdir).any(|p| p.ends_with(".sql"))
        {
            found.push(MigrationInput {
                path: fdir.clone(),
                layout: Layout::Flyway,
            });
        }
    }

    let seaorm: Vec<String> = seaorm_crates(snapshot)
        .into_iter()
        .filter(|k| !skip(k))
        .collect();
    let in_seaorm = |d: &str| seaorm.iter().any(|k| under(d, k));
    for krate in &seaorm {
        found.push(MigrationInput {
            path: krate.clone(),
            layout: Layout::SeaOrm,
        });
    }

    for d in &dirs {
        if skip(d) || found.iter().any(|f| f.path == *d) || in_seaorm(d) {
            continue;
        }
        let name = last(d).to_ascii_lowercase();
        let parent_is_migrations = split(d)
            .0
            .rsplit('/')
            .next()
            .is_some_and(|p| MIGRATION_DIR_NAMES.contains(&p.to_ascii_lowercase().as_str()));
        let conventional =
            MIGRATION_DIR_NAMES.contains(&name.as_str()) || (name == "sql" && parent_is_migrations);
        if !conventional {
            continue;
        }
        if let Some(layout) = detect_layout(snapshot, d, facts.uses_sqlx) {
            found.push(MigrationInput {
                path: d.to_string(),
                layout,
            });
            continue;
        }
        // `migrations/postgres/`, `migrations/sqlite/`: one per database the
        // project supports; replay only the one of the project's dialect.
        let variants: Vec<(Dialect, &str, Layout)> = dirs
            .iter()
            .filter(|sub| split(sub).0 == *d)
            .filter_map(|sub| {
                let dia = DIALECT_DIRS
                    .iter()
                    .find(|(n, _)| last(sub).eq_ignore_ascii_case(n))?
                    .1;
                let layout = detect_layout(snapshot, sub, facts.uses_sqlx)?;
                Some((dia, *sub, layout))
            })
            .collect();
        let want = dialect.unwrap_or_default();
        if let Some((_, sub, layout)) = variants.iter().find(|v| v.0 == want).or_else(|| {
            if variants.len() == 1 {
                variants.first()
            } else {
                None
            }
        }) {
            found.push(MigrationInput {
                path: sub.to_string(),
                layout: *layout,
            });
        }
    }

    // Alembic script folders with revision files: the history is theirs.
    for script in &facts.alembic {
        if is_test_path(&format!("{}/x", script.dir))
            || found.iter().any(|f| f.path == script.dir)
            || !super::alembic::has_revisions(snapshot, script)
        {
            continue;
        }
        found.push(MigrationInput {
            path: script.dir.clone(),
            layout: Layout::Alembic,
        });
    }

    // Revision folders the application runs itself after its Alembic
    // history (CTFd's plugins): replayed after it, into the same schema.
    let later: Vec<MigrationInput> = if found.iter().any(|f| f.layout == Layout::Alembic) {
        super::alembic::bare_revision_folders(snapshot, &facts.alembic)
            .into_iter()
            .filter(|d| !found.iter().any(|f| f.path == *d))
            .map(|path| MigrationInput {
                path,
                layout: Layout::Alembic,
            })
            .collect()
    } else {
        Vec::new()
    };

    if found.len() > 1 {
        found = closest_to_models(found, models);
    }
    if found.len() > 1 {
        let list: Vec<String> = found
            .iter()
            .map(|f| format!("{} ({})", f.path, f.layout))
            .collect();
        // Sections of one alembic.ini (`alembic --name core upgrade head`):
        // environments of one project, often one database in several
        // schemas (Dispatch's core and per-tenant histories), or several
        // databases. Which it is lives in env.py: the user says.
        let ini = |f: &MigrationInput| {
            facts
                .alembic
                .iter()
                .find(|s| s.dir == f.path)
                .and_then(|s| s.config.clone())
        };
        let shared_ini = found.first().and_then(ini).filter(|c| {
            found
                .iter()
                .all(|f| f.layout == Layout::Alembic && ini(f).as_deref() == Some(c))
        });
        if let Some(config) = shared_ini {
            let entries: Vec<String> = found
                .iter()
                .map(|f| {
                    format!(
                        "[[migrations]]\npath = \"{}\"\nlayout = \"alembic\"",
                        f.path
                    )
                })
                .collect();
            return Err(DiscoverError::new(
                format!(
                    "found several Alembic environments in {config}: {}; migraguard replays one history into one schema",
                    list.join(", ")
                ),
                format!(
                    "when they migrate one database (schemas of one database, migrated one after the other), list them all in migraguard.toml, in the order they run; they are replayed into one schema. When they migrate different databases, check each with its own models and config.\n\n{}",
                    entries.join("\n\n")
                ),
            ));
        }
        return Err(DiscoverError::new(
            format!(
                "found several migration folders: {}; migraguard replays one history into one schema",
                list.join(", ")
            ),
            format!(
                "say which one to check in migraguard.toml:\n\n[[migrations]]\npath = \"{}\"\nlayout = \"{}\"",
                found[0].path, found[0].layout
            ),
        ));
    }
    if !found.is_empty() {
        found.extend(later);
        // A dump beside a migrations folder is what dbmate, Rails or
        // pg_dump wrote after migrating: the current state, not an input.
        return Ok(found);
    }

    // No migrations folder: a schema dump (or a folder of init scripts) is
    // the whole history.
    let mut dumps: Vec<MigrationInput> = Vec::new();
    for d in &dirs {
        if skip(d) || !INIT_DIRS.contains(&last(d).to_ascii_lowercase().as_str()) {
            continue;
        }
        if !listing(snapshot, d).sql.is_empty() {
            dumps.push(MigrationInput {
                path: d.to_string(),
                layout: Layout::SchemaDump,
            });
        }
    }
    for p in snapshot.files() {
        let (dir, name) = split(p);
        if !DUMP_FILES.contains(&name.to_ascii_lowercase().as_str())
            || is_test_path(p)
            || facts.in_alembic(p)
            || dumps.iter().any(|d| under(dir, &d.path))
        {
            continue;
        }
        dumps.push(MigrationInput {
            path: p.clone(),
            layout: Layout::SchemaDump,
        });
    }
    match dumps.len() {
        0 => Err(no_migrations(snapshot, facts)),
        1 => Ok(dumps),
        _ => {
            let list: Vec<&str> = dumps.iter().map(|d| d.path.as_str()).collect();
            Err(DiscoverError::new(
                format!(
                    "found several schema dumps: {}; cannot tell which one is the schema",
                    list.join(", ")
                ),
                format!(
                    "say which one to replay in migraguard.toml:\n\n[[migrations]]\npath = \"{}\"\nlayout = \"schema-dump\"",
                    list[0]
                ),
            ))
        }
    }
}

/// Of several migration folders (a monorepo), the ones nearest the models:
/// longest shared folder prefix with any model file. Ties are kept.
fn closest_to_models(found: Vec<MigrationInput>, models: &[ModelInput]) -> Vec<MigrationInput> {
    let shared = |dir: &str| {
        models
            .iter()
            .flat_map(|m| m.files.iter())
            .map(|f| {
                split(f)
                    .0
                    .split('/')
                    .zip(dir.split('/'))
                    .take_while(|(a, b)| a == b && !a.is_empty())
                    .count()
            })
            .max()
            .unwrap_or(0)
    };
    let scored: Vec<(usize, MigrationInput)> =
        found.into_iter().map(|m| (shared(&m.path), m)).collect();
    let best = scored.iter().map(|s| s.0).max().unwrap_or(0);
    scored
        .into_iter()
        .filter(|s| s.0 == best)
        .map(|s| s.1)
        .collect()
}

/// SeaORM migration crates: folders whose `src/lib.rs` implements
/// `MigratorTrait` (a cheap text check; the frontend parses the file).
fn seaorm_crates(snapshot: &dyn Snapshot) -> Vec<String> {
    snapshot
        .files()
        .iter()
        .filter(|p| p.ends_with("src/lib.rs") && !is_test_path(p))
        .filter_map(|p| {
            let krate = p.strip_suffix("src/lib.rs")?.trim_end_matches('/');
            let text = snapshot.read(p).ok()?.text;
            is_seaorm_migrator(&text).then(|| krate.to_string())
        })
        .collect()
}

fn is_seaorm_migrator(lib_rs: &str) -> bool {
    lib_rs.contains("MigratorTrait") && lib_rs.contains("fn migrations")
}

fn no_migrations(snapshot: &dyn Snapshot, facts: &Facts) -> DiscoverError {
    let mut message = format!(
        "no migrations found in the {}: looked for folders named migrations/, migration/ or migrate/ (db/migrations, db/migrate, prisma/migrations, src/main/resources/db/migration...) holding .sql files, diesel.toml's migrations_directory, SeaORM migration crates (src/lib.rs implementing MigratorTrait), and schema dumps ({}, or a docker-entrypoint-initdb.d folder)",
        snapshot.label(),
        DUMP_FILES[..3].join(", ")
    );
    if let Some(script) = facts
        .alembic
        .iter()
        .find(|s| !s.dir.is_empty() && !is_test_path(&format!("{}/x", s.dir)))
    {
        let from = script
            .config
            .as_deref()
            .map(|c| format!(" (from {c})"))
            .unwrap_or_default();
        message.push_str(&format!(
            "; found the Alembic folder {}{from}, but no revision files in {}",
            script.dir,
            script.version_dirs.join(", ")
        ));
    } else if let Some(note) = facts.alembic.iter().find_map(|s| s.note.as_deref()) {
        message.push_str(&format!("; {note}"));
    } else if let Some(ini) = facts.alembic_inis.first() {
        message.push_str(&format!(
            "; found {ini}, but not the Alembic script folder it names"
        ));
    }
    DiscoverError::new(
        message,
        format!(
            "say where the SQL migrations are in migraguard.toml:\n\n[[migrations]]\npath = \"db/migrations\"   # a folder, or a schema.sql file\nlayout = \"numbered\"        # {}",
            Layout::NAMES.join(", ")
        ),
    )
}

fn configured(
    snapshot: &dyn Snapshot,
    path: &str,
    layout: Option<Layout>,
    facts: &Facts,
) -> Result<MigrationInput, DiscoverError> {
    let help =
        "fix `path` under [[migrations]] in the config; paths are relative to the repository root";
    if layout == Some(Layout::Alembic)
        || (layout.is_none() && facts.alembic.iter().any(|s| s.dir == path))
    {
        return configured_alembic(snapshot, path);
    }
    if snapshot.exists(path) {
        return Ok(MigrationInput {
            path: path.to_string(),
            layout: layout.unwrap_or(Layout::SchemaDump),
        });
    }
    let lib = super::join(path, "src/lib.rs");
    let seaorm_lib = snapshot
        .read(&lib)
        .is_ok_and(|f| is_seaorm_migrator(&f.text));
    if layout == Some(Layout::SeaOrm) || (layout.is_none() && seaorm_lib) {
        if !snapshot.exists(&lib) {
            return Err(DiscoverError::new(
                format!("configured SeaORM migration crate `{path}` has no src/lib.rs"),
                "point `path` at the migration crate's folder (the one holding Cargo.toml and src/lib.rs)",
            ));
        }
        return Ok(MigrationInput {
            path: path.to_string(),
            layout: Layout::SeaOrm,
        });
    }
    if snapshot.files_under(path).next().is_none() {
        return Err(DiscoverError::new(
            format!(
                "configured migrations path `{path}` does not exist in the {}",
                snapshot.label()
            ),
            help,
        ));
    }
    let empty = || {
        DiscoverError::new(
            format!("configured migrations folder `{path}` holds no migration files (.sql)"),
            "point `path` at the folder holding the .sql files (for Alembic, the folder holding env.py, with layout = \"alembic\")",
        )
    };
    let layout = match layout {
        Some(l) => {
            if !snapshot.files_under(path).any(|p| p.ends_with(".sql")) {
                return Err(empty());
            }
            l
        }
        None => detect_layout(snapshot, path, facts.uses_sqlx).ok_or_else(empty)?,
    };
    Ok(MigrationInput {
        path: path.to_string(),
        layout,
    })
}

/// A configured Alembic script folder (or the alembic.ini / pyproject.toml
/// naming it): the folder must exist and hold revision files.
fn configured_alembic(
    snapshot: &dyn Snapshot,
    path: &str,
) -> Result<MigrationInput, DiscoverError> {
    let script = super::alembic::script_at(snapshot, path);
    if script.dir.is_empty() {
        return Err(DiscoverError::new(
            script.note.unwrap_or_else(|| {
                format!("configured Alembic path `{path}` names no script folder")
            }),
            "point `path` at the Alembic script folder (the one holding env.py and versions/)",
        ));
    }
    if !super::alembic::has_revisions(snapshot, &script) {
        return Err(DiscoverError::new(
            format!(
                "configured Alembic folder `{}` has no revision files in {}",
                script.dir,
                script.version_dirs.join(", ")
            ),
            "point `path` at the Alembic script folder (the one holding env.py and versions/)",
        ));
    }
    Ok(MigrationInput {
        path: script.dir,
        layout: Layout::Alembic,
    })
}
