//! One direction for data: snapshot -> discover -> frontends -> schemas ->
//! diff -> findings. Scope and report are applied by the caller.
//! OWNER: report/cli helper (wiring only: no stage logic here).

use crate::config::{Config, ConfigError};
use crate::dialect::Dialect;
use crate::discover::{DiscoverError, ModelInput, ModelKind, Project};
use crate::findings::Finding;
use crate::migrations::{History, MigratedSchema};
use crate::models::ModelSchema;
use crate::snapshot::Snapshot;

/// The tool could not do its job (exit 2): bad config, unreadable root, nothing
/// to compare. Carries a help line saying what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fatal {
    pub message: String,
    pub help: Option<String>,
}

impl Fatal {
    pub fn new(message: impl Into<String>) -> Self {
        Fatal {
            message: message.into(),
            help: None,
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

impl std::fmt::Display for Fatal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Fatal {}

impl miette::Diagnostic for Fatal {
    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h.as_str()) as Box<dyn std::fmt::Display>)
    }
}

impl From<ConfigError> for Fatal {
    fn from(e: ConfigError) -> Self {
        Fatal::new(format!("invalid configuration: {e}"))
            .with_help("fix the file or pass another one with --config (see docs/cli.md)")
    }
}

impl From<DiscoverError> for Fatal {
    fn from(e: DiscoverError) -> Self {
        let help = e
            .help
            .unwrap_or_else(|| "run `migraguard init` to write a migraguard.toml".to_string());
        Fatal::new(e.message).with_help(help)
    }
}

/// Everything `check` computed, before scope.
#[derive(Debug)]
pub struct CheckOutcome {
    pub project: Project,
    /// `models.findings` has been moved into `findings`.
    pub models: ModelSchema,
    /// `migrated.findings` has been moved into `findings`.
    pub migrated: MigratedSchema,
    /// Every raw finding (model frontend, replay, diff), sorted by
    /// `Finding::sort_key`, before severity overrides and scope.
    pub findings: Vec<Finding>,
    /// One-line remarks for the summary, e.g. model kinds that were skipped.
    pub notes: Vec<String>,
}

/// Whether `models::load` can read this kind yet.
// SWITCH: a new ModelKind starts here as false until its frontend lands.
fn has_frontend(kind: ModelKind) -> bool {
    match kind {
        ModelKind::Sqlalchemy | ModelKind::Diesel | ModelKind::Seaorm => true,
    }
}

fn kind_name(kind: ModelKind) -> String {
    serde_json::to_value(kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_else(|| format!("{kind:?}").to_ascii_lowercase())
}

/// Loads the config (from `explicit`, a path on disk, or the snapshot root)
/// and applies a `--dialect` override.
pub fn load_config(
    snapshot: &dyn Snapshot,
    explicit: Option<&std::path::Path>,
    dialect: Option<Dialect>,
) -> Result<Config, Fatal> {
    let mut config = crate::config::load(snapshot, explicit)?;
    if dialect.is_some() {
        config.dialect = dialect;
    }
    Ok(config)
}

/// Discovery, with its failure as a `Fatal`.
pub fn discover(snapshot: &dyn Snapshot, config: Config) -> Result<Project, Fatal> {
    Ok(crate::discover::discover(snapshot, config)?)
}

/// Discovery for a command that needs only one side (`schema --from ...`).
pub fn discover_for(
    snapshot: &dyn Snapshot,
    config: Config,
    need: crate::discover::Need,
) -> Result<Project, Fatal> {
    Ok(crate::discover::discover_for(snapshot, config, need)?)
}

/// Splits model inputs into those a frontend can read and remarks about the rest.
pub fn supported_models(project: &Project) -> (Vec<ModelInput>, Vec<String>) {
    let mut kept = Vec::new();
    let mut notes = Vec::new();
    for input in &project.models {
        if has_frontend(input.kind) {
            kept.push(input.clone());
        } else {
            notes.push(format!(
                "{} {} model file{} skipped: migraguard cannot read {} models yet",
                input.files.len(),
                kind_name(input.kind),
                if input.files.len() == 1 { "" } else { "s" },
                kind_name(input.kind),
            ));
        }
    }
    (kept, notes)
}

/// Exit 2 unless some model file of a readable kind was found.
pub fn require_models(project: &Project) -> Result<(), Fatal> {
    let (inputs, _) = supported_models(project);
    if inputs.iter().any(|i| !i.files.is_empty()) {
        return Ok(());
    }
    if project.models.iter().any(|i| !i.files.is_empty()) {
        return Err(
            Fatal::new("the only models found are of a kind migraguard cannot read yet").with_help(
                "migraguard reads SQLAlchemy, Flask-SQLAlchemy, SQLModel, Diesel and SeaORM models today",
            ),
        );
    }
    Err(Fatal::new("no model files found").with_help(
        "point migraguard at them in migraguard.toml: [[models]] path = \"app/models.py\" \
         (or run `migraguard init`)",
    ))
}

/// Exit 2 unless some migration input was found.
pub fn require_migrations(project: &Project) -> Result<(), Fatal> {
    if project.migrations.is_empty() {
        return Err(Fatal::new("no migrations found").with_help(
            "point migraguard at them in migraguard.toml: [[migrations]] path = \"migrations\" \
             (or run `migraguard init`)",
        ));
    }
    Ok(())
}

/// Inputs were found but yielded nothing: comparing would report every table
/// of the other side, a flood of false alarms. Stop instead, and say what the
/// frontends could not read.
fn require_content(
    project: &Project,
    models: &ModelSchema,
    migrated: &MigratedSchema,
) -> Result<(), Fatal> {
    fn explain(findings: &[Finding], fallback: &str) -> String {
        if findings.is_empty() {
            return fallback.to_string();
        }
        let mut lines: Vec<String> = findings
            .iter()
            .take(3)
            .map(|f| match &f.location {
                Some(l) => format!("{l}: {}", f.message),
                None => f.message.clone(),
            })
            .collect();
        if findings.len() > 3 {
            lines.push(format!("... and {} more", findings.len() - 3));
        }
        lines.join("\n")
    }
    if migrated.migrations == 0 {
        let paths: Vec<&str> = project.migrations.iter().map(|m| m.path.as_str()).collect();
        return Err(
            Fatal::new(format!("no migration files found in {}", paths.join(", "))).with_help(
                explain(
                    &migrated.findings,
                    "check the migrations path and layout in migraguard.toml",
                ),
            ),
        );
    }
    // Mapped classes whose table names are all computed (fief prefixes
    // them from settings) were found: each has its MG001 note, and the run
    // is not a failure to find models.
    if models.schema.tables.is_empty() && models.unnamed_tables == 0 {
        let files: usize = supported_models(project)
            .0
            .iter()
            .map(|i| i.files.len())
            .sum();
        return Err(Fatal::new(format!(
            "no model tables found in {files} model file{}",
            if files == 1 { "" } else { "s" }
        ))
        .with_help(explain(
            &models.findings,
            "check the models path and kind in migraguard.toml",
        )));
    }
    Ok(())
}

/// The schema the models declare (no requirement checks: `schema --from models`).
pub fn model_schema(snapshot: &dyn Snapshot, project: &Project) -> (ModelSchema, Vec<String>) {
    let (inputs, notes) = supported_models(project);
    (
        crate::models::load(snapshot, &inputs, project.dialect),
        notes,
    )
}

/// The schema the migrations build, in the order discovery gave.
pub fn migrated_schema(snapshot: &dyn Snapshot, project: &Project) -> MigratedSchema {
    let histories: Vec<History> = project
        .migrations
        .iter()
        .map(|input| crate::migrations::layout::load(snapshot, input, project.dialect))
        .collect();
    crate::migrations::sql::replay(&histories, project.dialect)
}

/// Runs discovery, both frontends in parallel, and the diff.
pub fn check(snapshot: &dyn Snapshot, config: Config) -> Result<CheckOutcome, Fatal> {
    let project = discover(snapshot, config)?;
    check_project(snapshot, project)
}

/// `check` for an already discovered project.
pub fn check_project(snapshot: &dyn Snapshot, project: Project) -> Result<CheckOutcome, Fatal> {
    run_project(snapshot, project, None, false).map(|(outcome, _)| outcome)
}

/// `check_project` that also returns the migrations' replay as computed
/// (its findings included), and replays nothing when given one: the git base
/// of a change that touched no migration file replays exactly the same files.
pub fn check_project_sharing_replay(
    snapshot: &dyn Snapshot,
    project: Project,
    replay: Option<MigratedSchema>,
) -> Result<(CheckOutcome, MigratedSchema), Fatal> {
    let (outcome, kept) = run_project(snapshot, project, replay, true)?;
    Ok((outcome, kept.unwrap_or_default()))
}

fn run_project(
    snapshot: &dyn Snapshot,
    project: Project,
    replay: Option<MigratedSchema>,
    keep_replay: bool,
) -> Result<(CheckOutcome, Option<MigratedSchema>), Fatal> {
    require_models(&project)?;
    require_migrations(&project)?;
    let dialect = project.dialect;
    let (((mut models, notes), engine_findings), mut migrated) = match replay {
        Some(migrated) => (
            rayon::join(
                || model_schema(snapshot, &project),
                || crate::lints::static_pool::check(snapshot),
            ),
            migrated,
        ),
        None => rayon::join(
            || {
                rayon::join(
                    || model_schema(snapshot, &project),
                    || crate::lints::static_pool::check(snapshot),
                )
            },
            || migrated_schema(snapshot, &project),
        ),
    };
    require_content(&project, &models, &migrated)?;
    let kept = keep_replay.then(|| migrated.clone());
    let alembic = project
        .migrations
        .iter()
        .any(|m| m.layout == crate::discover::Layout::Alembic);
    let diffed = crate::diff::diff_with(&models, &migrated, dialect, alembic);
    let mut findings = std::mem::take(&mut models.findings);
    findings.append(&mut migrated.findings);
    findings.extend(diffed);
    findings.extend(engine_findings);
    findings.sort_by_cached_key(Finding::sort_key);
    let outcome = CheckOutcome {
        project,
        models,
        migrated,
        findings,
        notes,
    };
    Ok((outcome, kept))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discover::MigrationInput;

    fn project(models: Vec<ModelInput>, migrations: Vec<MigrationInput>) -> Project {
        Project {
            dialect: Dialect::Sqlite,
            dialect_reason: "test".into(),
            models,
            migrations,
            config: Config::default(),
        }
    }

    fn input(kind: ModelKind) -> ModelInput {
        ModelInput {
            kind,
            files: vec!["a".into()],
        }
    }

    #[test]
    fn every_kind_has_a_frontend() {
        let p = project(
            vec![
                input(ModelKind::Sqlalchemy),
                input(ModelKind::Diesel),
                input(ModelKind::Seaorm),
            ],
            vec![],
        );
        let (kept, notes) = supported_models(&p);
        assert_eq!(kept.len(), 3);
        assert!(notes.is_empty(), "{notes:?}");
        assert!(require_models(&p).is_ok());
    }

    #[test]
    fn empty_inputs_are_fatal_with_the_reason() {
        use crate::rules::MG002;
        use crate::schema::Table;
        use crate::source::Location;
        let p = project(
            vec![input(ModelKind::Sqlalchemy)],
            vec![MigrationInput {
                path: "migrations".into(),
                layout: crate::discover::Layout::Numbered,
            }],
        );
        let mut models = ModelSchema::default();
        let mut migrated = MigratedSchema::default();
        let err = require_content(&p, &models, &migrated).unwrap_err();
        assert_eq!(err.message, "no migration files found in migrations");
        migrated.migrations = 2;
        models.findings.push(
            Finding::new(&MG002, None, None, "syntax", "invalid syntax")
                .at(Location::line("app/models.py", 3)),
        );
        let err = require_content(&p, &models, &migrated).unwrap_err();
        assert_eq!(err.message, "no model tables found in 1 model file");
        assert_eq!(
            err.help.as_deref(),
            Some("app/models.py:3:1: invalid syntax")
        );
        // every table name computed: reported as notes, not a failure
        models.unnamed_tables = 3;
        assert!(require_content(&p, &models, &migrated).is_ok());
        models.unnamed_tables = 0;
        models
            .schema
            .insert_table(Table::new("t", None, Location::line("app/models.py", 1)));
        assert!(require_content(&p, &models, &migrated).is_ok());
    }

    #[test]
    fn nothing_found_is_fatal() {
        let p = project(vec![], vec![]);
        assert!(require_models(&p).is_err());
        assert!(require_migrations(&p).is_err());
    }
}
