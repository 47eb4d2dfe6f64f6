//! Alembic script folders: where `alembic.ini`, `pyproject.toml`
//! `[tool.alembic]` (alembic >= 1.16) or Flask-Migrate's `migrations/` put
//! `env.py` and the revision files. Read as configuration text only: env.py
//! is never run, so locations it changes at run time are not seen.
//!
//! Decisions:
//! - Relative paths are taken from the configuration file's folder (where
//!   `alembic` is normally run, and what `%(here)s` means).
//! - `version_locations` replaces `<script folder>/versions`, as in Alembic;
//!   it is split like Alembic does: by `path_separator` (or the older
//!   `version_path_separator`): `space`, `newline`, `os` (`:`), `:` or `;`;
//!   without one, on spaces and commas. In pyproject.toml it is a list.
//! - `package:path` script locations name a folder inside an importable
//!   package: the folder is looked for in the repository (`pkg/sub/path`);
//!   when it is not there the script folder is unknown and a note says so.
//! - A `%(name)s` other than `%(here)s`, or an absolute path, cannot be
//!   resolved in a repository: that location is left out.

use super::migrations::DIALECT_DIRS;
use super::{is_test_path, join, resolve_dots, split, under};
use crate::dialect::Dialect;
use crate::snapshot::Snapshot;

/// One Alembic script folder and where its revision files are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AlembicScript {
    /// Root-relative script folder (the one holding env.py).
    pub dir: String,
    /// The configuration file it came from; None when only env.py beside a
    /// `versions/` folder (or `script.py.mako`) showed it.
    pub config: Option<String>,
    /// Root-relative folders holding revision files.
    pub version_dirs: Vec<String>,
    /// `recursive_version_locations`: revision files in subfolders too.
    pub recursive: bool,
    /// What could not be resolved, for the user.
    pub note: Option<String>,
}

/// Settings read from one configuration source.
#[derive(Default)]
struct Settings {
    script_location: Option<String>,
    version_locations: Option<Vec<String>>,
    recursive: Option<bool>,
}

/// Every Alembic script folder of the repository, configured or evident,
/// sorted by folder and without duplicates (a configured one wins).
pub fn scripts(snapshot: &dyn Snapshot) -> Vec<AlembicScript> {
    let mut out: Vec<AlembicScript> = Vec::new();
    for path in snapshot.files() {
        let (dir, name) = split(path);
        match name {
            "alembic.ini" => out.extend(from_ini(snapshot, path, dir)),
            "pyproject.toml" if !snapshot.exists(&join(dir, "alembic.ini")) => {
                out.extend(from_pyproject(snapshot, path, dir))
            }
            _ => {}
        }
    }
    for path in snapshot.files() {
        let (dir, name) = split(path);
        if name != "env.py" || dir.is_empty() || out.iter().any(|s| s.dir == dir) {
            continue;
        }
        let versions = join(dir, "versions");
        if snapshot.files_under(&versions).next().is_some()
            || snapshot.exists(&join(dir, "script.py.mako"))
        {
            out.push(AlembicScript {
                dir: dir.to_string(),
                config: None,
                version_dirs: vec![versions],
                recursive: false,
                note: None,
            });
        }
    }
    out.retain(|s| !s.dir.is_empty() || s.note.is_some());
    out.sort_by(|a, b| {
        a.dir
            .cmp(&b.dir)
            .then(b.config.is_some().cmp(&a.config.is_some()))
    });
    out.dedup_by(|later, first| later.dir == first.dir);
    out
}

/// The script folder `dir` as its configuration describes it; without one,
/// Alembic's defaults (`<dir>/versions`). `dir` may also name the
/// configuration file itself (`alembic.ini`, `pyproject.toml`).
pub fn script_at(snapshot: &dyn Snapshot, dir: &str) -> AlembicScript {
    let dir = crate::config::clean_path(dir);
    let all = scripts(snapshot);
    if let Some(s) = all
        .iter()
        .find(|s| s.dir == dir || s.config.as_deref() == Some(dir.as_str()))
    {
        return s.clone();
    }
    // a bare revision folder (see `bare_revision_folders`) is its own version folder
    let versions = join(&dir, "versions");
    // reads this folder's files only, not every candidate's as
    // `bare_revision_folders` does
    let bare = snapshot.files_under(&versions).next().is_none()
        && is_bare_revision_folder(snapshot, &all, &dir, &py_files_in(snapshot, &dir));
    let version_dirs = if bare {
        vec![dir.clone()]
    } else {
        vec![versions]
    };
    AlembicScript {
        version_dirs,
        dir,
        config: None,
        recursive: false,
        note: None,
    }
}

/// The revision files of a script folder, sorted: `*.py` in its version
/// folders (their subfolders with `recursive_version_locations`), without
/// `__init__.py`, `__pycache__` and editor lock files, as Alembic lists them.
pub fn revision_files<'a>(snapshot: &'a dyn Snapshot, script: &AlembicScript) -> Vec<&'a String> {
    let mut files: Vec<&String> = Vec::new();
    for vdir in &script.version_dirs {
        for p in snapshot.files_under(vdir) {
            let Some(rel) = p.strip_prefix(vdir.as_str()) else {
                continue;
            };
            let rel = rel.trim_start_matches('/');
            let (sub, name) = split(rel);
            if !name.ends_with(".py")
                || name.starts_with("__init__")
                || name.starts_with(".#")
                || (!sub.is_empty() && !script.recursive)
                || sub.split('/').any(|c| c == "__pycache__")
            {
                continue;
            }
            files.push(p);
        }
    }
    files.sort();
    files.dedup();
    files
}

/// The script folder with the version folders `dialect` runs. A project
/// supporting several databases may keep one history per database
/// (Prefect's `versions/postgresql/` and `versions/sqlite/`, chosen in
/// env.py by setting `version_locations`): when the version folders hold
/// no revision file themselves, their subfolder named after `dialect` is
/// taken, or the only one named after a database.
pub fn for_dialect(
    snapshot: &dyn Snapshot,
    script: AlembicScript,
    dialect: Dialect,
) -> AlembicScript {
    if script.recursive || !revision_files(snapshot, &script).is_empty() {
        return script;
    }
    let variants = dialect_variants(snapshot, &script);
    let chosen = variants
        .iter()
        .filter(|(d, _)| *d == dialect)
        .chain(variants.iter().filter(|_| variants.len() == 1))
        .map(|(_, dir)| dir.clone())
        .next();
    match chosen {
        Some(dir) => AlembicScript {
            version_dirs: vec![dir],
            ..script
        },
        None => script,
    }
}

/// Whether a script folder has revision files, directly or in one of the
/// per-database subfolders [`for_dialect`] chooses from.
pub fn has_revisions(snapshot: &dyn Snapshot, script: &AlembicScript) -> bool {
    !revision_files(snapshot, script).is_empty() || !dialect_variants(snapshot, script).is_empty()
}

/// (dialect, folder) of the version folders' subfolders named after a
/// database that hold revision files.
fn dialect_variants(snapshot: &dyn Snapshot, script: &AlembicScript) -> Vec<(Dialect, String)> {
    let mut out: Vec<(Dialect, String)> = Vec::new();
    for vdir in &script.version_dirs {
        for (name, dialect) in DIALECT_DIRS {
            let sub = join(vdir, name);
            let probe = AlembicScript {
                version_dirs: vec![sub.clone()],
                recursive: false,
                ..script.clone()
            };
            if !out.iter().any(|(_, d)| *d == sub) && !revision_files(snapshot, &probe).is_empty() {
                out.push((*dialect, sub));
            }
        }
    }
    out
}

/// The revision files of every Alembic script folder of the repository.
/// Whole-repository scans of Python files (the MG401 lint) leave them out:
/// the Alembic frontend already reads each one, a second read costs as much
/// again (a zlib inflate per file in a `--staged` check), and a revision
/// runs on the connection env.py hands it, never on an engine of its own.
pub fn all_revision_files(snapshot: &dyn Snapshot) -> std::collections::HashSet<&String> {
    scripts(snapshot)
        .iter()
        .flat_map(|script| revision_files(snapshot, script))
        .collect()
}

/// The script folders of one `alembic.ini`: its `[alembic]` section, and
/// every other section with a `script_location` (multi-database setups run
/// as `alembic --name <section>`).
fn from_ini(snapshot: &dyn Snapshot, path: &str, dir: &str) -> Vec<AlembicScript> {
    if is_test_path(path) {
        return Vec::new();
    }
    let Ok(file) = snapshot.read_lossy(path) else {
        return Vec::new();
    };
    let mut sections: Vec<(String, Vec<(String, String)>)> = ini_sections(&file.text)
        .into_iter()
        .filter(|(name, keys)| {
            name == "alembic" || keys.iter().any(|(k, _)| k == "script_location")
        })
        .collect();
    if sections.is_empty() {
        sections.push(("alembic".into(), Vec::new()));
    }
    sections
        .into_iter()
        .map(|(name, keys)| from_section(snapshot, path, dir, name == "alembic", &keys))
        .collect()
}

fn from_section(
    snapshot: &dyn Snapshot,
    path: &str,
    dir: &str,
    main: bool,
    section: &[(String, String)],
) -> AlembicScript {
    let get = |key: &str| {
        section
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    };
    let mut settings = Settings {
        script_location: get("script_location").map(str::to_string),
        version_locations: get("version_locations").map(|v| {
            let sep = get("path_separator").or_else(|| get("version_path_separator"));
            split_locations(v, sep)
        }),
        recursive: get("recursive_version_locations").map(ini_bool),
    };
    // alembic >= 1.16 reads what the ini leaves out from pyproject.toml
    let pyproject = join(dir, "pyproject.toml");
    if let Some(toml) = pyproject_settings(snapshot, &pyproject).filter(|_| main) {
        settings.script_location = settings.script_location.or(toml.script_location);
        settings.version_locations = settings.version_locations.or(toml.version_locations);
        settings.recursive = settings.recursive.or(toml.recursive);
    }
    if settings.script_location.is_none() && snapshot.exists(&join(dir, "env.py")) {
        // Flask-Migrate's migrations/alembic.ini: the folder is passed in code
        settings.script_location = Some("%(here)s".into());
    }
    resolve(snapshot, path, dir, settings)
}

fn from_pyproject(snapshot: &dyn Snapshot, path: &str, dir: &str) -> Option<AlembicScript> {
    if is_test_path(path) {
        return None;
    }
    let settings = pyproject_settings(snapshot, path)?;
    settings.script_location.as_ref()?;
    Some(resolve(snapshot, path, dir, settings))
}

fn pyproject_settings(snapshot: &dyn Snapshot, path: &str) -> Option<Settings> {
    let text = snapshot.read_lossy(path).ok()?.text;
    let table = text.parse::<toml::Table>().ok()?;
    let alembic = table.get("tool")?.get("alembic")?.as_table()?;
    Some(Settings {
        script_location: alembic
            .get("script_location")
            .and_then(|v| v.as_str())
            .map(str::to_string),
        version_locations: alembic
            .get("version_locations")
            .and_then(|v| v.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str())
                    .map(str::to_string)
                    .collect()
            }),
        recursive: alembic
            .get("recursive_version_locations")
            .and_then(|v| v.as_bool()),
    })
}

fn resolve(snapshot: &dyn Snapshot, config: &str, here: &str, s: Settings) -> AlembicScript {
    let mut note = None;
    let location = s.script_location.unwrap_or_else(|| "alembic".into());
    let dir = match package_location(&location) {
        Some((package, sub)) => match find_package_dir(snapshot, &package, sub) {
            Some(d) => d,
            None => {
                note = Some(format!(
                    "{config}: script_location `{location}` names a folder inside the Python package `{package}`, which is not in the repository"
                ));
                String::new()
            }
        },
        None => match local_path(here, &location) {
            Some(d) => d,
            None => {
                note = Some(format!(
                    "{config}: script_location `{location}` is not a path inside the repository"
                ));
                String::new()
            }
        },
    };
    let version_dirs = match s.version_locations {
        Some(locs) => locs
            .iter()
            .filter_map(|l| match package_location(l) {
                Some((package, sub)) => find_package_dir(snapshot, &package, sub),
                None => local_path(here, l),
            })
            .collect(),
        None if dir.is_empty() => Vec::new(),
        None => vec![join(&dir, "versions")],
    };
    AlembicScript {
        dir,
        config: Some(config.to_string()),
        version_dirs,
        recursive: s.recursive.unwrap_or(false),
        note,
    }
}

/// `myapp.db:migrations` -> (`myapp/db`, `migrations`). A Windows drive
/// (`C:\...`) and `%(here)s/...` are paths, not packages.
fn package_location(location: &str) -> Option<(String, &str)> {
    let (package, sub) = location.split_once(':')?;
    let is_package = !package.is_empty()
        && package
            .split('.')
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_alphanumeric() || c == '_'))
        && package.len() > 1;
    is_package.then(|| (package.replace('.', "/"), sub.trim_matches('/')))
}

/// The folder `<anything>/<package>/<sub>` holding files, the shortest
/// such path when several do.
fn find_package_dir(snapshot: &dyn Snapshot, package: &str, sub: &str) -> Option<String> {
    let want = resolve_dots(&join(package, sub));
    if want.is_empty() {
        return None;
    }
    let needle = format!("/{want}/");
    snapshot
        .files()
        .iter()
        .filter_map(|p| {
            let p = format!("/{p}");
            let at = p.find(&needle)?;
            Some(format!("{}{want}", p.get(1..at + 1)?))
        })
        .min_by_key(|d| (d.len(), d.clone()))
}

/// A configured path relative to the configuration file's folder, `%(here)s`
/// expanded; None for what cannot be resolved in a repository.
fn local_path(here: &str, value: &str) -> Option<String> {
    let value = value.trim();
    let rest = match value.strip_prefix("%(here)s") {
        Some(r) => r.trim_start_matches(['/', '\\']),
        None => value,
    };
    if rest.contains("%(") || rest.starts_with('/') || rest.starts_with('\\') {
        return None;
    }
    let rest = rest.replace('\\', "/").replace("%%", "%");
    Some(resolve_dots(&join(here, &rest)))
}

/// Alembic's splitting of `version_locations`.
fn split_locations(value: &str, separator: Option<&str>) -> Vec<String> {
    let parts: Vec<&str> = match separator.map(str::trim) {
        Some("space") => value.split(' ').collect(),
        Some("newline") => value.split('\n').collect(),
        Some("os") | Some(":") => value.split(':').collect(),
        Some(";") => value.split(';').collect(),
        // legacy: spaces and commas (and the lines of a multi-line value)
        _ => value
            .split(|c: char| c == ',' || c.is_whitespace())
            .collect(),
    };
    parts
        .into_iter()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect()
}

fn ini_bool(v: &str) -> bool {
    matches!(
        v.trim().to_ascii_lowercase().as_str(),
        "1" | "yes" | "true" | "on"
    )
}

/// The sections of an INI file with their `key = value` pairs, as Python's
/// configparser reads them: keys lower-cased, `=` or `:`, indented lines
/// continue the previous value (joined with a newline), full-line `#`/`;`
/// comments; a repeated key or section: the last value wins.
fn ini_sections(text: &str) -> Vec<(String, Vec<(String, String)>)> {
    let mut out: Vec<(String, Vec<(String, String)>)> = Vec::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('#') || trimmed.starts_with(';') || trimmed.is_empty() {
            continue;
        }
        if let Some(name) = trimmed.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
            let name = name.trim().to_string();
            let keys = match out.iter().position(|(n, _)| *n == name) {
                Some(at) => out.remove(at).1,
                None => Vec::new(),
            };
            out.push((name, keys));
            continue;
        }
        let Some((_, keys)) = out.last_mut() else {
            continue;
        };
        if line.starts_with([' ', '\t']) {
            if let Some((_, v)) = keys.last_mut() {
                if !v.is_empty() {
                    v.push('\n');
                }
                v.push_str(trimmed);
                continue;
            }
        }
        if let Some(at) = trimmed.find(['=', ':']) {
            let key = trimmed.get(..at).unwrap_or("").trim().to_ascii_lowercase();
            let value = trimmed.get(at + 1..).unwrap_or("").trim().to_string();
            keys.retain(|(k, _)| *k != key);
            keys.push((key, value));
        }
    }
    out
}

#[cfg(test)]
fn ini_section(text: &str, wanted: &str) -> Vec<(String, String)> {
    ini_sections(text)
        .into_iter()
        .find(|(n, _)| n == wanted)
        .map(|(_, k)| k)
        .unwrap_or_default()
}

/// Whether `path` is inside one of the scripts' folders or version folders.
/// Folders of Alembic revision files that no env.py or configuration
/// names: histories the application runs itself through Alembic's API
/// after its main one (CTFd runs each `plugins/<name>/migrations/`). Every
/// `.py` file of the folder but `__init__.py` must carry a revision header
/// (a cheap text check; the graph loader parses them).
pub fn bare_revision_folders(snapshot: &dyn Snapshot, scripts: &[AlembicScript]) -> Vec<String> {
    let mut by_dir: std::collections::BTreeMap<&str, Vec<&String>> = Default::default();
    for p in snapshot.files() {
        let (dir, name) = split(p);
        if name.ends_with(".py") && !name.starts_with("__init__") {
            by_dir.entry(dir).or_default().push(p);
        }
    }
    by_dir
        .into_iter()
        .filter(|(dir, files)| is_bare_revision_folder(snapshot, scripts, dir, files))
        .map(|(dir, _)| dir.to_string())
        .collect()
}

/// The `.py` files directly in `dir`, `__init__.py` aside.
fn py_files_in<'a>(snapshot: &'a dyn Snapshot, dir: &str) -> Vec<&'a String> {
    snapshot
        .files_under(dir)
        .filter(|p| {
            let (d, name) = split(p);
            d == dir && name.ends_with(".py") && !name.starts_with("__init__")
        })
        .collect()
}

/// Whether `dir`, holding the `.py` files `files` (`__init__.py` aside), is
/// one of [`bare_revision_folders`].
fn is_bare_revision_folder(
    snapshot: &dyn Snapshot,
    scripts: &[AlembicScript],
    dir: &str,
    files: &[&String],
) -> bool {
    !dir.is_empty()
        && !files.is_empty()
        && split(dir).1 == "migrations"
        && !is_test_path(&join(dir, "x"))
        && !in_any(scripts, &join(dir, "x"))
        && !snapshot.exists(&join(dir, "env.py"))
        && files.iter().all(|p| {
            snapshot.read_lossy(p).is_ok_and(|f| {
                f.text.lines().any(|l| l.starts_with("revision"))
                    && f.text.lines().any(|l| l.starts_with("down_revision"))
            })
        })
}

pub(crate) fn in_any(scripts: &[AlembicScript], path: &str) -> bool {
    scripts.iter().any(|s| {
        (!s.dir.is_empty() && under(path, &s.dir))
            || s.version_dirs
                .iter()
                .any(|v| !v.is_empty() && under(path, v))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::MemorySnapshot;

    fn snap(files: &[(&str, &str)]) -> MemorySnapshot {
        MemorySnapshot::new(files.to_vec())
    }

    #[test]
    fn ini_at_root_with_here() {
        let s = snap(&[
            (
                "alembic.ini",
                "[alembic]\nscript_location = %(here)s/alembic\n[loggers]\nkeys = root\n",
            ),
            ("alembic/env.py", ""),
            ("alembic/versions/1_a.py", ""),
        ]);
        let all = scripts(&s);
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].dir, "alembic");
        assert_eq!(all[0].config.as_deref(), Some("alembic.ini"));
        assert_eq!(all[0].version_dirs, ["alembic/versions"]);
    }

    #[test]
    fn multi_database_sections() {
        let s = snap(&[(
            "alembic.ini",
            "[DEFAULT]\nsqlalchemy.url = sqlite://\n[engine1]\nscript_location = db/one\n[engine2]\nscript_location = db/two\n[loggers]\nkeys = root\n",
        )]);
        let dirs: Vec<String> = scripts(&s).into_iter().map(|s| s.dir).collect();
        assert_eq!(dirs, ["db/one", "db/two"]);
    }

    #[test]
    fn version_locations_and_separators() {
        assert_eq!(split_locations("a b,c", None), ["a", "b", "c"]);
        assert_eq!(split_locations("a b:c", Some("os")), ["a b", "c"]);
        assert_eq!(split_locations("a;b", Some(";")), ["a", "b"]);
        assert_eq!(split_locations("\na\nb c", Some("newline")), ["a", "b c"]);
        assert_eq!(split_locations("a b", Some("space")), ["a", "b"]);
        let s = snap(&[
            (
                "backend/alembic.ini",
                "[alembic]\nscript_location = migrations\npath_separator = newline\nversion_locations =\n    %(here)s/migrations/versions\n    %(here)s/plugins/billing/versions\nrecursive_version_locations = true\n",
            ),
            ("backend/migrations/env.py", ""),
        ]);
        let script = script_at(&s, "backend/migrations");
        assert_eq!(
            script.version_dirs,
            [
                "backend/migrations/versions",
                "backend/plugins/billing/versions"
            ]
        );
        assert!(script.recursive);
    }

    #[test]
    fn package_locations() {
        let s = snap(&[
            (
                "alembic.ini",
                "[alembic]\nscript_location = myapp:migrations\n",
            ),
            ("src/myapp/migrations/env.py", ""),
        ]);
        assert_eq!(scripts(&s)[0].dir, "src/myapp/migrations");
        let s = snap(&[("alembic.ini", "[alembic]\nscript_location = other:db\n")]);
        let all = scripts(&s);
        assert_eq!(all.len(), 1, "{all:?}");
        assert_eq!(all[0].dir, "");
        assert!(all[0].version_dirs.is_empty());
        assert!(script_at(&s, "alembic.ini").note.is_some());
    }

    #[test]
    fn revision_files_skip_init_and_cache() {
        let s = snap(&[
            ("a/versions/1_x.py", ""),
            ("a/versions/__init__.py", ""),
            ("a/versions/__pycache__/1_x.cpython-312.py", ""),
            ("a/versions/sub/2_y.py", ""),
            ("a/versions/README", ""),
        ]);
        let mut script = script_at(&s, "a");
        assert_eq!(revision_files(&s, &script), ["a/versions/1_x.py"]);
        script.recursive = true;
        assert_eq!(
            revision_files(&s, &script),
            ["a/versions/1_x.py", "a/versions/sub/2_y.py"]
        );
    }

    #[test]
    fn all_revision_files_cover_every_script_folder() {
        let s = snap(&[
            ("alembic.ini", "[alembic]\nscript_location = db\n"),
            ("db/env.py", ""),
            ("db/versions/1_x.py", ""),
            ("db/versions/__init__.py", ""),
            ("tenant/env.py", ""),
            ("tenant/versions/2_y.py", ""),
            ("app/models.py", ""),
        ]);
        let mut files: Vec<&String> = all_revision_files(&s).into_iter().collect();
        files.sort();
        assert_eq!(files, ["db/versions/1_x.py", "tenant/versions/2_y.py"]);
    }

    #[test]
    fn ini_sections_continue_and_ignore_other_sections() {
        let text = "[other]\nscript_location = no\n[alembic]\n# c\nScript_Location: yes\nversion_locations = a\n  b\n";
        let s = ini_section(text, "alembic");
        assert_eq!(
            s,
            [
                ("script_location".to_string(), "yes".to_string()),
                ("version_locations".to_string(), "a\nb".to_string())
            ]
        );
    }
}
