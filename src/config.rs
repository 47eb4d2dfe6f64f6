//! `migraguard.toml` or `[tool.migraguard]` in `pyproject.toml` (SPEC §4).
//! Every key is optional: zero config must work for the common layouts.
//! OWNER: discover helper. Contract: `load` never panics; a malformed file or a
//! key of the wrong type is a `ConfigError` (exit 2) naming the file and key.
//! Documented for users in docs/config.md.

use crate::dialect::Dialect;
use crate::discover::{Layout, ModelKind};
use crate::rules::Severity;
use crate::snapshot::Snapshot;
use crate::source::LineIndex;
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use std::collections::BTreeMap;

#[derive(Clone, Debug, Default)]
pub struct Config {
    /// Where the config was read from (for messages), None for zero-config.
    pub source: Option<String>,
    pub dialect: Option<Dialect>,
    pub models: Vec<ModelsConfig>,
    pub migrations: Vec<MigrationsConfig>,
    /// Per-rule severity override, keyed by rule id (`MG103`); `None` turns the rule off.
    pub rules: BTreeMap<String, Option<Severity>>,
    /// Tables never reported (exact names or globs: `alembic_version`, `tmp_*`).
    pub ignore_tables: Vec<String>,
    pub baseline: Option<String>,
    /// Problems that do not stop the check (unknown keys): `path:line: message`,
    /// for the CLI to print on stderr.
    pub warnings: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct ModelsConfig {
    pub path: String,
    pub kind: Option<crate::discover::ModelKind>,
}

#[derive(Clone, Debug)]
pub struct MigrationsConfig {
    pub path: String,
    pub layout: Option<crate::discover::Layout>,
}

#[derive(Debug)]
pub struct ConfigError {
    pub path: String,
    pub message: String,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

impl std::error::Error for ConfigError {}

/// Config file names looked for at the snapshot root, in order.
pub const CONFIG_FILES: &[&str] = &["migraguard.toml", ".migraguard.toml"];

/// Reads the config from `explicit` (a path on disk, from `--config`) or from
/// the snapshot root: `migraguard.toml`, `.migraguard.toml`, then
/// `[tool.migraguard]` in `pyproject.toml`. No config at all is not an error.
pub fn load(
    snapshot: &dyn Snapshot,
    explicit: Option<&std::path::Path>,
) -> Result<Config, ConfigError> {
    if let Some(p) = explicit {
        let shown = p.display().to_string();
        let text = std::fs::read_to_string(p).map_err(|e| ConfigError {
            path: shown.clone(),
            message: format!("cannot read the config file: {e}"),
        })?;
        let is_pyproject = p.file_name().is_some_and(|n| n == "pyproject.toml");
        if is_pyproject {
            return parse_pyproject(&text, &shown)?.ok_or_else(|| ConfigError {
                path: shown.clone(),
                message: "no [tool.migraguard] table in this file".into(),
            });
        }
        return parse_str(&text, &shown);
    }
    for name in CONFIG_FILES {
        if snapshot.exists(name) {
            let file = snapshot.read(name).map_err(|e| ConfigError {
                path: (*name).into(),
                message: format!("cannot read the config file: {e}"),
            })?;
            return parse_str(&file.text, name);
        }
    }
    if snapshot.exists("pyproject.toml") {
        // A pyproject.toml we cannot read or parse is some other tool's
        // problem unless it mentions us.
        if let Ok(file) = snapshot.read("pyproject.toml") {
            if file.text.contains("migraguard") {
                if let Some(c) = parse_pyproject(&file.text, "pyproject.toml")? {
                    return Ok(c);
                }
            }
        }
    }
    Ok(Config::default())
}

/// Parses a `migraguard.toml` document.
pub fn parse_str(text: &str, path: &str) -> Result<Config, ConfigError> {
    let p = Parser::new(text, path, "");
    let root = p.parse_doc()?;
    p.config(&root)
}

/// Parses the `[tool.migraguard]` table of a `pyproject.toml`; `None` when it
/// has none.
pub fn parse_pyproject(text: &str, path: &str) -> Result<Option<Config>, ConfigError> {
    let p = Parser::new(text, path, "tool.migraguard.");
    let root = p.parse_doc()?;
    let Node::Table(top) = &root.value else {
        return Ok(None);
    };
    let Some(tool) = get(top, "tool") else {
        return Ok(None);
    };
    let Node::Table(tool_t) = &tool.value else {
        return Err(p.err(tool.span.clone(), "`tool` must be a table"));
    };
    let Some(mg) = get(tool_t, "migraguard") else {
        return Ok(None);
    };
    p.config(mg).map(Some)
}

/// A TOML value that remembers where it was written, so errors can name the line.
#[derive(Clone, Debug)]
enum Node {
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    Datetime,
    Array(Vec<Sp>),
    Table(Vec<(String, Sp)>),
}

#[derive(Clone, Debug)]
struct Sp {
    value: Node,
    span: std::ops::Range<usize>,
}

// toml gives spans through serde_spanned's private struct protocol; tables
// that are only implied by a dotted header (`tool` in `[tool.migraguard]`)
// have none and arrive as plain maps, which `Spanned<T>` would reject.
const SPANNED_NAME: &str = "$__serde_spanned_private_Spanned";
const SPANNED_START: &str = "$__serde_spanned_private_start";
const SPANNED_END: &str = "$__serde_spanned_private_end";
const SPANNED_VALUE: &str = "$__serde_spanned_private_value";

impl<'de> Deserialize<'de> for Sp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_struct(
            SPANNED_NAME,
            &[SPANNED_START, SPANNED_END, SPANNED_VALUE],
            SpVisitor,
        )
    }
}

struct SpVisitor;

fn unspanned(value: Node) -> Sp {
    Sp { value, span: 0..0 }
}

impl<'de> Visitor<'de> for SpVisitor {
    type Value = Sp;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a TOML value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Sp, E> {
        Ok(unspanned(Node::Bool(v)))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Sp, E> {
        Ok(unspanned(Node::Int(v)))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Sp, E> {
        Ok(unspanned(Node::Int(i64::try_from(v).unwrap_or(i64::MAX))))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Sp, E> {
        Ok(unspanned(Node::Float(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Sp, E> {
        Ok(unspanned(Node::Str(v.to_string())))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Sp, A::Error> {
        NodeVisitor.visit_seq(seq).map(unspanned)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Sp, A::Error> {
        let Some(first) = map.next_key::<String>()? else {
            return Ok(unspanned(Node::Table(Vec::new())));
        };
        if first == SPANNED_START {
            let start = map.next_value::<usize>()?;
            let mut end = start;
            let mut value = Node::Table(Vec::new());
            while let Some(k) = map.next_key::<String>()? {
                if k == SPANNED_END {
                    end = map.next_value::<usize>()?;
                } else {
                    value = map.next_value::<Node>()?;
                }
            }
            return Ok(Sp {
                value,
                span: start..end.max(start),
            });
        }
        table_from(first, map).map(unspanned)
    }
}

/// The rest of a table whose first key has been read already.
fn table_from<'de, A: MapAccess<'de>>(first: String, mut map: A) -> Result<Node, A::Error> {
    if first == "$__toml_private_datetime" {
        let _ = map.next_value::<String>()?;
        return Ok(Node::Datetime);
    }
    let mut out = vec![(first, map.next_value::<Sp>()?)];
    while let Some(k) = map.next_key::<String>()? {
        let v = map.next_value::<Sp>()?;
        out.push((k, v));
    }
    Ok(Node::Table(out))
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a TOML value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Node, E> {
        Ok(Node::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Node, E> {
        Ok(Node::Int(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Node, E> {
        Ok(Node::Int(i64::try_from(v).unwrap_or(i64::MAX)))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Node, E> {
        Ok(Node::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Node, E> {
        Ok(Node::Str(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Node, E> {
        Ok(Node::Str(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        let mut out = Vec::new();
        while let Some(v) = seq.next_element::<Sp>()? {
            out.push(v);
        }
        Ok(Node::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        match map.next_key::<String>()? {
            None => Ok(Node::Table(Vec::new())),
            Some(first) => table_from(first, map),
        }
    }
}

fn get<'a>(table: &'a [(String, Sp)], key: &str) -> Option<&'a Sp> {
    table.iter().find(|(k, _)| k == key).map(|(_, v)| v)
}

fn describe(n: &Node) -> String {
    match n {
        Node::Str(s) => format!("string \"{s}\""),
        Node::Int(i) => format!("integer {i}"),
        Node::Float(f) => format!("float {f}"),
        Node::Bool(b) => format!("boolean {b}"),
        Node::Datetime => "a date-time".into(),
        Node::Array(_) => "an array".into(),
        Node::Table(_) => "a table".into(),
    }
}

const KNOWN_KEYS: &[&str] = &[
    "dialect",
    "models",
    "migrations",
    "rules",
    "ignore_tables",
    "baseline",
];

struct Parser<'a> {
    text: &'a str,
    path: &'a str,
    /// `tool.migraguard.` in pyproject.toml, so messages name the key as written.
    prefix: &'a str,
    index: LineIndex,
}

impl<'a> Parser<'a> {
    fn new(text: &'a str, path: &'a str, prefix: &'a str) -> Self {
        Parser {
            text,
            path,
            prefix,
            index: LineIndex::new(text),
        }
    }

    fn line(&self, span: &std::ops::Range<usize>) -> u32 {
        self.index.pos(self.text, span.start).line
    }

    fn err(&self, span: std::ops::Range<usize>, message: impl std::fmt::Display) -> ConfigError {
        ConfigError {
            path: self.path.to_string(),
            message: format!("line {}: {message}", self.line(&span)),
        }
    }

    fn parse_doc(&self) -> Result<Sp, ConfigError> {
        toml::from_str::<Sp>(self.text).map_err(|e| {
            let place = e
                .span()
                .map(|s| {
                    let p = self.index.pos(self.text, s.start);
                    format!("line {}, column {}: ", p.line, p.col)
                })
                .unwrap_or_default();
            ConfigError {
                path: self.path.to_string(),
                message: format!("invalid TOML: {place}{}", e.message().trim()),
            }
        })
    }

    fn config(&self, root: &Sp) -> Result<Config, ConfigError> {
        let pre = self.prefix;
        let Node::Table(entries) = &root.value else {
            return Err(self.err(
                root.span.clone(),
                format!("`{}` must be a table", pre.trim_end_matches('.')),
            ));
        };
        let mut c = Config {
            source: Some(self.path.to_string()),
            ..Config::default()
        };
        for (raw_key, v) in entries {
            // Dashes and underscores are both common in TOML keys.
            let key = raw_key.replace('-', "_");
            match key.as_str() {
                "dialect" => {
                    let Node::Str(s) = &v.value else {
                        return Err(self.type_err(
                            v,
                            "dialect",
                            "a string: sqlite, postgresql or mysql",
                        ));
                    };
                    c.dialect = Some(Dialect::parse(s).ok_or_else(|| {
                        self.err(
                            v.span.clone(),
                            format!(
                                "`{pre}dialect`: unknown dialect \"{s}\" (expected sqlite, postgresql or mysql)"
                            ),
                        )
                    })?);
                }
                "models" => {
                    for (path, kind, span) in self.entries(v, "models", "kind")? {
                        let kind = match kind {
                            None => None,
                            Some(k) => Some(ModelKind::parse(&k).ok_or_else(|| {
                                self.err(
                                    span,
                                    format!(
                                        "`{pre}models`: unknown kind \"{k}\" (expected sqlalchemy, flask-sqlalchemy, sqlmodel, diesel or seaorm)"
                                    ),
                                )
                            })?),
                        };
                        c.models.push(ModelsConfig { path, kind });
                    }
                }
                "migrations" => {
                    for (path, layout, span) in self.entries(v, "migrations", "layout")? {
                        let layout = match layout {
                            None => None,
                            Some(l) => Some(Layout::parse(&l).ok_or_else(|| {
                                self.err(
                                    span,
                                    format!(
                                        "`{pre}migrations`: unknown layout \"{l}\" (expected one of {})",
                                        Layout::NAMES.join(", ")
                                    ),
                                )
                            })?),
                        };
                        c.migrations.push(MigrationsConfig { path, layout });
                    }
                }
                "rules" => {
                    let Node::Table(rules) = &v.value else {
                        return Err(self.type_err(
                            v,
                            "rules",
                            "a table like `[rules]` with `MG103 = \"off\"`",
                        ));
                    };
                    for (rule_key, sev) in rules {
                        let Some(rule) = crate::rules::lookup(rule_key) else {
                            return Err(self.err(
                                sev.span.clone(),
                                format!("`{pre}rules`: unknown rule \"{rule_key}\" (see `migraguard explain`)"),
                            ));
                        };
                        let Node::Str(s) = &sev.value else {
                            return Err(self.type_err(
                                sev,
                                &format!("rules.{rule_key}"),
                                "a string: off, note, warning or error",
                            ));
                        };
                        let level = match s.trim().to_ascii_lowercase().as_str() {
                            "off" | "none" | "ignore" | "allow" => None,
                            other => Some(Severity::parse(other).ok_or_else(|| {
                                self.err(
                                    sev.span.clone(),
                                    format!(
                                        "`{pre}rules.{rule_key}`: unknown severity \"{s}\" (expected off, note, warning or error)"
                                    ),
                                )
                            })?),
                        };
                        c.rules.insert(rule.id.to_string(), level);
                    }
                }
                "ignore_tables" => {
                    let items: Vec<&Sp> = match &v.value {
                        Node::Str(_) => vec![v],
                        Node::Array(a) => a.iter().collect(),
                        _ => {
                            return Err(self.type_err(
                                v,
                                "ignore_tables",
                                "an array of table names or globs",
                            ));
                        }
                    };
                    for item in items {
                        let Node::Str(s) = &item.value else {
                            return Err(self.type_err(
                                item,
                                "ignore_tables",
                                "an array of strings",
                            ));
                        };
                        if let Err(e) = globset::Glob::new(s) {
                            return Err(self.err(
                                item.span.clone(),
                                format!(
                                    "`{pre}ignore_tables`: invalid pattern \"{s}\": {}",
                                    e.kind()
                                ),
                            ));
                        }
                        c.ignore_tables.push(s.clone());
                    }
                }
                "baseline" => {
                    let Node::Str(s) = &v.value else {
                        return Err(self.type_err(v, "baseline", "a file path string"));
                    };
                    c.baseline = Some(s.clone());
                }
                _ => c.warnings.push(format!(
                    "{}:{}: unknown key `{pre}{raw_key}` ignored (known keys: {})",
                    self.path,
                    self.line(&v.span),
                    KNOWN_KEYS.join(", ")
                )),
            }
        }
        Ok(c)
    }

    fn type_err(&self, v: &Sp, key: &str, expected: &str) -> ConfigError {
        self.err(
            v.span.clone(),
            format!(
                "`{}{key}` must be {expected}, found {}",
                self.prefix,
                describe(&v.value)
            ),
        )
    }

    /// `models`/`migrations` in any of their forms: `"path"`, `["a", "b"]`,
    /// `[[models]] path = ..., kind = ...`, or one `[models]` table.
    /// Returns (path, kind-or-layout, span).
    #[allow(clippy::type_complexity)]
    fn entries(
        &self,
        v: &Sp,
        key: &str,
        extra: &str,
    ) -> Result<Vec<(String, Option<String>, std::ops::Range<usize>)>, ConfigError> {
        let items: Vec<&Sp> = match &v.value {
            Node::Array(a) => a.iter().collect(),
            Node::Str(_) | Node::Table(_) => vec![v],
            _ => {
                return Err(self.type_err(
                    v,
                    key,
                    &format!(
                        "a path string, an array of paths, or tables with `path` and `{extra}`"
                    ),
                ))
            }
        };
        let mut out = Vec::new();
        for item in items {
            match &item.value {
                Node::Str(s) => out.push((clean_path(s), None, item.span.clone())),
                Node::Table(t) => {
                    let mut path = None;
                    let mut other = None;
                    for (k, val) in t {
                        let k2 = k.replace('-', "_");
                        if k2 == "path" {
                            let Node::Str(s) = &val.value else {
                                return Err(self.type_err(val, &format!("{key}.path"), "a string"));
                            };
                            path = Some(clean_path(s));
                        } else if k2 == extra {
                            let Node::Str(s) = &val.value else {
                                return Err(self.type_err(
                                    val,
                                    &format!("{key}.{extra}"),
                                    "a string",
                                ));
                            };
                            other = Some((s.clone(), val.span.clone()));
                        } else {
                            // `Config` is not built yet: unknown sub-keys are
                            // rare enough to be an error with a clear message.
                            return Err(self.err(
                                val.span.clone(),
                                format!(
                                    "`{}{key}`: unknown key `{k}` (expected `path` and `{extra}`)",
                                    self.prefix
                                ),
                            ));
                        }
                    }
                    let Some(path) = path else {
                        return Err(self.err(
                            item.span.clone(),
                            format!("`{}{key}` entry has no `path`", self.prefix),
                        ));
                    };
                    // Errors about the kind/layout point at its own line.
                    let (other, span) = match other {
                        Some((o, span)) => (Some(o), span),
                        None => (None, item.span.clone()),
                    };
                    out.push((path, other, span));
                }
                _ => {
                    return Err(self.type_err(
                        item,
                        key,
                        &format!("a path string or a table with `path` and `{extra}`"),
                    ))
                }
            }
        }
        for (p, _, span) in &out {
            if p.is_empty() {
                return Err(self.err(span.clone(), format!("`{}{key}`: empty path", self.prefix)));
            }
        }
        Ok(out)
    }
}

/// `./app/models/` -> `app/models`: paths are compared with snapshot paths.
pub fn clean_path(p: &str) -> String {
    let mut p = p.trim().replace('\\', "/");
    while let Some(rest) = p.strip_prefix("./") {
        p = rest.to_string();
    }
    let p = p.trim_end_matches('/');
    if p == "." {
        String::new()
    } else {
        p.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::MemorySnapshot;

    fn err(text: &str) -> String {
        parse_str(text, "migraguard.toml").unwrap_err().to_string()
    }

    #[test]
    fn full_config_with_tables() {
        let c = parse_str(
            r#"
dialect = "sqlite"
ignore_tables = ["alembic_version", "tmp_*"]
baseline = ".migraguard-baseline.json"

[[models]]
path = "./app/models/"
kind = "flask-sqlalchemy"

[[models]]
path = "src/schema.rs"
kind = "diesel"

[[migrations]]
path = "db/migrations"
layout = "golang-migrate"

[rules]
MG103 = "off"
missing-column = "warning"
mg105 = "note"
"#,
            "migraguard.toml",
        )
        .unwrap();
        assert_eq!(c.source.as_deref(), Some("migraguard.toml"));
        assert_eq!(c.dialect, Some(Dialect::Sqlite));
        assert_eq!(c.models.len(), 2);
        assert_eq!(c.models[0].path, "app/models");
        assert_eq!(c.models[0].kind, Some(ModelKind::Sqlalchemy));
        assert_eq!(c.models[1].kind, Some(ModelKind::Diesel));
        assert_eq!(c.migrations[0].path, "db/migrations");
        assert_eq!(c.migrations[0].layout, Some(Layout::GolangMigrate));
        assert_eq!(c.rules.get("MG103"), Some(&None));
        assert_eq!(c.rules.get("MG102"), Some(&Some(Severity::Warning)));
        assert_eq!(c.rules.get("MG105"), Some(&Some(Severity::Note)));
        assert_eq!(c.ignore_tables, vec!["alembic_version", "tmp_*"]);
        assert_eq!(c.baseline.as_deref(), Some(".migraguard-baseline.json"));
        assert!(c.warnings.is_empty());
    }

    #[test]
    fn shorthand_paths() {
        let c = parse_str(
            "models = \"app/models.py\"\nmigrations = [\"migrations\", \"db/schema.sql\"]\n",
            "m",
        )
        .unwrap();
        assert_eq!(c.models.len(), 1);
        assert_eq!(c.models[0].path, "app/models.py");
        assert!(c.models[0].kind.is_none());
        assert_eq!(c.migrations.len(), 2);
        assert_eq!(c.migrations[1].path, "db/schema.sql");
        let c = parse_str("[models]\npath = \"m.py\"\nkind = \"sqlmodel\"\n", "m").unwrap();
        assert_eq!(c.models[0].kind, Some(ModelKind::Sqlalchemy));
        let c = parse_str(
            "migrations = [{ path = \"sql\", layout = \"flyway\" }]",
            "m",
        )
        .unwrap();
        assert_eq!(c.migrations[0].layout, Some(Layout::Flyway));
    }

    #[test]
    fn malformed_toml_names_the_line() {
        let e = err("dialect = \"sqlite\"\nmodels = [\n");
        assert!(e.starts_with("migraguard.toml: invalid TOML: line "), "{e}");
        let e = err("dialect = sqlite\n");
        assert!(e.contains("line 1, column"), "{e}");
    }

    #[test]
    fn wrong_types_are_errors_naming_key_and_line() {
        let e = err("\n\ndialect = 3\n");
        assert!(e.contains("line 3"), "{e}");
        assert!(e.contains("`dialect` must be a string"), "{e}");
        assert!(e.contains("integer 3"), "{e}");
        assert!(err("baseline = true").contains("`baseline` must be"));
        assert!(err("ignore_tables = 1").contains("`ignore_tables` must be"));
        assert!(err("ignore_tables = [1]").contains("`ignore_tables` must be"));
        assert!(err("rules = \"off\"").contains("`rules` must be a table"));
        assert!(err("[rules]\nMG103 = 1").contains("`rules.MG103` must be a string"));
        assert!(err("models = 5").contains("`models` must be"));
        assert!(err("[[models]]\npath = 5").contains("`models.path` must be a string"));
        assert!(err("[[migrations]]\npath = \"m\"\nlayout = 2").contains("`migrations.layout`"));
    }

    #[test]
    fn unknown_values_are_errors() {
        let e = err("dialect = \"oracle\"");
        assert!(e.contains("unknown dialect \"oracle\""), "{e}");
        let e = err("[[models]]\npath = \"x\"\nkind = \"django\"");
        assert!(e.contains("unknown kind \"django\""), "{e}");
        assert!(e.contains("line 3"), "{e}");
        let e = err("[[migrations]]\npath = \"x\"\nlayout = \"liquibase\"");
        assert!(e.contains("unknown layout \"liquibase\""), "{e}");
        let c = parse_str("[[migrations]]\npath = \"x\"\nlayout = \"alembic\"", "m").unwrap();
        assert_eq!(c.migrations[0].layout, Some(Layout::Alembic));
        let e = err("[rules]\nMG999 = \"off\"");
        assert!(e.contains("unknown rule \"MG999\""), "{e}");
        let e = err("[rules]\nMG103 = \"loud\"");
        assert!(e.contains("unknown severity \"loud\""), "{e}");
        assert!(err("[[models]]\nkind = \"diesel\"").contains("has no `path`"));
        assert!(err("[[models]]\npath = \"x\"\nkinds = \"diesel\"").contains("unknown key `kinds`"));
        assert!(err("ignore_tables = [\"a[\"]").contains("invalid pattern"));
        assert!(err("models = \"./\"").contains("empty path"));
    }

    #[test]
    fn unknown_top_level_key_is_a_warning() {
        let c = parse_str(
            "dialect = \"mysql\"\nignore_table = [\"x\"]\n",
            "migraguard.toml",
        )
        .unwrap();
        assert_eq!(c.dialect, Some(Dialect::Mysql));
        assert_eq!(c.warnings.len(), 1);
        assert!(c.warnings[0].starts_with("migraguard.toml:2: unknown key `ignore_table`"));
        // dashes are accepted for underscores
        let c = parse_str("ignore-tables = [\"x\"]", "m").unwrap();
        assert_eq!(c.ignore_tables, vec!["x"]);
    }

    #[test]
    fn pyproject_table() {
        let text = "[project]\nname = \"x\"\n\n[tool.migraguard]\ndialect = \"postgres\"\n\n[tool.migraguard.rules]\nMG103 = \"off\"\n";
        let c = parse_pyproject(text, "pyproject.toml").unwrap().unwrap();
        assert_eq!(c.dialect, Some(Dialect::Postgresql));
        assert_eq!(c.rules.get("MG103"), Some(&None));
        assert!(parse_pyproject("[tool.black]\nx = 1", "p")
            .unwrap()
            .is_none());
        let e = parse_pyproject("[tool.migraguard]\ndialect = 1", "pyproject.toml").unwrap_err();
        assert!(e.message.contains("`tool.migraguard.dialect`"), "{e}");
        assert!(e.message.contains("line 2"), "{e}");
    }

    #[test]
    fn load_from_snapshot_prefers_migraguard_toml() {
        let s = MemorySnapshot::new(vec![
            ("migraguard.toml", "dialect = \"sqlite\""),
            ("pyproject.toml", "[tool.migraguard]\ndialect = \"mysql\""),
        ]);
        let c = load(&s, None).unwrap();
        assert_eq!(c.dialect, Some(Dialect::Sqlite));
        let s = MemorySnapshot::new(vec![(
            "pyproject.toml",
            "[tool.migraguard]\ndialect = \"mysql\"",
        )]);
        let c = load(&s, None).unwrap();
        assert_eq!(c.dialect, Some(Dialect::Mysql));
        assert_eq!(c.source.as_deref(), Some("pyproject.toml"));
        // a broken pyproject.toml that does not mention us is not our problem
        let s = MemorySnapshot::new(vec![("pyproject.toml", "[[[")]);
        let c = load(&s, None).unwrap();
        assert!(c.source.is_none());
        let s = MemorySnapshot::new(vec![("migraguard.toml", "dialect = 3")]);
        assert!(load(&s, None).is_err());
        let s = MemorySnapshot::new(vec![("migraguard.toml", &[0u8, 1][..])]);
        assert!(load(&s, None).unwrap_err().message.contains("cannot read"));
    }

    #[test]
    fn load_explicit_path_from_disk() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("custom.toml");
        std::fs::write(&f, "dialect = \"mysql\"").unwrap();
        let s = MemorySnapshot::new(vec![("migraguard.toml", "dialect = \"sqlite\"")]);
        let c = load(&s, Some(&f)).unwrap();
        assert_eq!(c.dialect, Some(Dialect::Mysql));
        let missing = dir.path().join("nope.toml");
        let e = load(&s, Some(&missing)).unwrap_err();
        assert!(e.message.contains("cannot read"), "{e}");
        let py = dir.path().join("pyproject.toml");
        std::fs::write(&py, "[project]\nname='x'").unwrap();
        assert!(load(&s, Some(&py))
            .unwrap_err()
            .message
            .contains("no [tool.migraguard]"));
    }
}
