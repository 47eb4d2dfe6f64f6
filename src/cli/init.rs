//! `migraguard init`: write `migraguard.toml` from what auto-detection found,
//! so users start from a config that already works and can adjust it.

use crate::discover::Project;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

pub const CONFIG_FILE: &str = "migraguard.toml";

/// The name serde gives a unit enum variant (`golang-migrate`): the same
/// spelling the config file accepts.
fn serde_name<T: Serialize + std::fmt::Debug>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_else(|| format!("{v:?}").to_ascii_lowercase())
}

fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn parent(path: &str) -> &str {
    path.rsplit_once('/').map_or(".", |(dir, _)| dir)
}

/// Model files sharing a folder are written as that folder (shorter, and new
/// model files there are picked up); a file alone in its folder stays a file,
/// so a folder of unrelated code is not pulled in for one model file.
/// Files at the root are always listed.
fn model_paths(files: &[String]) -> BTreeSet<&str> {
    let mut per_dir: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for f in files {
        per_dir.entry(parent(f)).or_default().push(f);
    }
    let mut out = BTreeSet::new();
    for (dir, files) in per_dir {
        // the root as a folder would mean every Python file of the repository
        if files.len() >= 2 && dir != "." {
            out.insert(dir);
        } else {
            out.extend(files);
        }
    }
    out
}

/// The config text for `project`. Top-level keys come before the `[[...]]`
/// tables: in TOML a key after a table header belongs to that table.
pub fn render_config(project: &Project) -> String {
    let mut out = String::new();
    out.push_str(
        "# migraguard configuration, written by `migraguard init` from what auto-detection found.\n\
         # Every key is optional; see docs/cli.md.\n\n",
    );
    if project
        .dialect_reason
        .trim()
        .eq_ignore_ascii_case("default")
    {
        out.push_str("# No dialect was detected: this is the default, change it if needed.\n");
    } else {
        out.push_str(&format!(
            "# Detected from {}.\n",
            project.dialect_reason.replace('\n', " ")
        ));
    }
    out.push_str(&format!(
        "dialect = {}\n\n",
        toml_str(project.dialect.name())
    ));
    out.push_str("# Tables never reported (exact names or globs):\n");
    out.push_str("# ignore_tables = [\"alembic_version\", \"tmp_*\"]\n\n");

    if project.models.is_empty() {
        out.push_str("# No models were found; declare them like this:\n");
        out.push_str("# [[models]]\n# path = \"app/models.py\"\n# kind = \"sqlalchemy\"\n\n");
    }
    if project.migrations.is_empty() {
        out.push_str("# No migrations were found; declare them like this:\n");
        out.push_str("# [[migrations]]\n# path = \"migrations\"\n# layout = \"numbered\"\n\n");
    }
    for input in &project.models {
        let kind = serde_name(&input.kind);
        let paths = model_paths(&input.files);
        for path in paths {
            out.push_str("[[models]]\n");
            out.push_str(&format!("path = {}\n", toml_str(path)));
            out.push_str(&format!("kind = {}\n\n", toml_str(&kind)));
        }
    }
    for input in &project.migrations {
        out.push_str("[[migrations]]\n");
        out.push_str(&format!("path = {}\n", toml_str(&input.path)));
        out.push_str(&format!(
            "layout = {}\n\n",
            toml_str(&serde_name(&input.layout))
        ));
    }
    out.push_str("# Per-rule severity: \"error\", \"warning\", \"note\" or \"off\".\n");
    out.push_str("# [rules]\n# MG103 = \"off\"\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::dialect::Dialect;
    use crate::discover::{Layout, MigrationInput, ModelInput, ModelKind};

    fn project(files: Vec<String>, reason: &str) -> Project {
        Project {
            dialect: Dialect::Sqlite,
            dialect_reason: reason.into(),
            models: vec![ModelInput {
                kind: ModelKind::Sqlalchemy,
                files,
            }],
            migrations: vec![MigrationInput {
                path: "db/migrations".into(),
                layout: Layout::GolangMigrate,
            }],
            config: Config::default(),
        }
    }

    #[test]
    fn writes_valid_toml_with_what_was_found() {
        let text = render_config(&project(
            vec!["app/models.py".into(), "lib/\"odd\".py".into()],
            "alembic.ini sqlalchemy.url",
        ));
        assert!(text.contains("# Detected from alembic.ini sqlalchemy.url.\ndialect = \"sqlite\""));
        let v: toml::Value = toml::from_str(&text).expect("valid TOML");
        assert_eq!(v["dialect"].as_str(), Some("sqlite"));
        let models = v["models"].as_array().unwrap();
        assert_eq!(models.len(), 2);
        assert_eq!(models[1]["path"].as_str(), Some("lib/\"odd\".py"));
        assert_eq!(models[0]["kind"].as_str(), Some("sqlalchemy"));
        assert_eq!(
            v["migrations"][0]["layout"].as_str(),
            Some("golang-migrate")
        );
        assert_eq!(v["migrations"][0]["path"].as_str(), Some("db/migrations"));
        assert!(v.get("rules").is_none(), "rules stay commented out");
    }

    #[test]
    fn model_files_sharing_a_folder_collapse_to_it() {
        let files = (0..3)
            .map(|i| format!("app/models/m{i}.py"))
            .chain(["models.py", "db.py", "app/database.py"].map(String::from))
            .collect();
        let text = render_config(&project(files, "default"));
        assert!(text.contains("No dialect was detected"));
        let v: toml::Value = toml::from_str(&text).unwrap();
        let paths: Vec<_> = v["models"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["path"].as_str().unwrap())
            .collect();
        assert_eq!(
            paths,
            vec!["app/database.py", "app/models", "db.py", "models.py"]
        );
    }
}
