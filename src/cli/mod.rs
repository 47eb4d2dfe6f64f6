//! The command line (SPEC §3). OWNER: report/cli helper.
//!
//! Exit codes: 0 nothing at or above `--fail-on`; 1 findings at or above it;
//! 2 the tool could not do its job (bad arguments, bad config, unreadable
//! root, nothing to compare). Every path returns a `Result`; errors are
//! rendered by miette on stderr.

use crate::dialect::Dialect;
use crate::pipeline::{self, CheckOutcome, Fatal};
use crate::report::{self, human::HumanOptions, Links, Summary};
use crate::rules::Severity;
use crate::scope::{baseline_path, Baseline, KnownSet, NewMigrations, Scope};
use crate::snapshot::{short_id, GitError, GitRepo, GitSnapshot, Snapshot, WorktreeSnapshot};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::ffi::OsString;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

pub mod hook;

#[derive(Parser, Debug)]
#[command(
    name = "migraguard",
    version,
    about = "Check that ORM models and SQL migrations agree, before commit and in CI",
    override_usage = "migraguard [check] [PATH] [OPTIONS]\n       migraguard <COMMAND> [ARGS]",
    after_help = "Without a command, `check` runs: `migraguard` and `migraguard PATH` check PATH (default: .)."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Compare models and migrations (the default command)
    Check(CheckArgs),
    /// Print the schema migraguard computed from the models or the migrations
    Schema(SchemaArgs),
    /// Print a rule's documentation, or list every rule
    Explain(ExplainArgs),
    /// Write migraguard.toml from what auto-detection found
    Init(InitArgs),
    /// Record the current findings in the baseline file so they stop failing the check
    Baseline(BaselineArgs),
    /// Install or remove the git pre-commit hook that runs `check --staged`
    Hook(hook::HookArgs),
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// Repository root [default: the nearest folder at or above the current one
    /// holding migraguard.toml, [tool.migraguard] in pyproject.toml, or .git]
    pub path: Option<PathBuf>,
    /// Report format
    #[arg(long, value_enum, default_value_t = FormatArg::Human)]
    pub format: FormatArg,
    /// Write the report to FILE instead of stdout
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Also write a Markdown summary to FILE (for $GITHUB_STEP_SUMMARY)
    #[arg(long, value_name = "FILE")]
    pub summary: Option<PathBuf>,
    /// Exit 1 when a finding at or above this severity is reported
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
    /// Config file to use instead of migraguard.toml / pyproject.toml at the root
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Report every finding: ignore inline suppressions and the baseline
    #[arg(long)]
    pub all: bool,
    /// Target database, overriding config and detection (sqlite, postgresql, mysql)
    #[arg(long, value_parser = parse_dialect)]
    pub dialect: Option<Dialect>,
    /// Check what is staged (the git index); report only findings HEAD does not have
    #[arg(long)]
    pub staged: bool,
    /// Report only findings the merge-base of REV and HEAD does not have (checks HEAD,
    /// or the index with --staged, or the working tree with --worktree)
    #[arg(long, value_name = "REV")]
    pub base: Option<String>,
    /// With --base: check the working tree instead of HEAD
    #[arg(long, requires = "base", conflicts_with = "staged")]
    pub worktree: bool,
}

#[derive(Args, Debug)]
pub struct SchemaArgs {
    /// Repository root [default: the nearest folder at or above the current one
    /// holding migraguard.toml, [tool.migraguard] in pyproject.toml, or .git]
    pub path: Option<PathBuf>,
    /// Which schema to print
    #[arg(long, value_enum)]
    pub from: SchemaFrom,
    /// Output format
    #[arg(long, value_enum, default_value_t = SchemaFormat::Sql)]
    pub format: SchemaFormat,
    /// Config file to use instead of migraguard.toml / pyproject.toml at the root
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Target database, overriding config and detection
    #[arg(long, value_parser = parse_dialect)]
    pub dialect: Option<Dialect>,
}

#[derive(Args, Debug)]
pub struct ExplainArgs {
    /// Rule id or name (MG102, missing-column)
    #[arg(required_unless_present = "list")]
    pub rule: Option<String>,
    /// List every rule: id, name, default severity, summary
    #[arg(long, conflicts_with = "rule")]
    pub list: bool,
}

#[derive(Args, Debug)]
pub struct InitArgs {
    /// Repository root
    #[arg(default_value = ".")]
    pub path: PathBuf,
    /// Overwrite an existing migraguard.toml
    #[arg(long)]
    pub force: bool,
}

#[derive(Args, Debug)]
pub struct BaselineArgs {
    /// Repository root [default: the nearest folder at or above the current one
    /// holding migraguard.toml, [tool.migraguard] in pyproject.toml, or .git]
    pub path: Option<PathBuf>,
    /// Config file to use instead of migraguard.toml / pyproject.toml at the root
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Target database, overriding config and detection
    #[arg(long, value_parser = parse_dialect)]
    pub dialect: Option<Dialect>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    Human,
    Short,
    Json,
    Sarif,
    Github,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Never,
}

impl FailOn {
    /// Whether these findings make the check fail.
    pub fn fails(self, findings: &[crate::findings::Finding]) -> bool {
        let threshold = match self {
            FailOn::Error => Severity::Error,
            FailOn::Warning => Severity::Warning,
            FailOn::Never => return false,
        };
        findings.iter().any(|f| f.severity >= threshold)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SchemaFrom {
    Models,
    Migrations,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SchemaFormat {
    Sql,
    Json,
}

fn parse_dialect(s: &str) -> Result<Dialect, String> {
    Dialect::parse(s)
        .ok_or_else(|| format!("unknown dialect `{s}` (expected sqlite, postgresql or mysql)"))
}

/// The file `init` writes.
pub const CONFIG_FILE: &str = "migraguard.toml";

const SUBCOMMANDS: &[&str] = &[
    "check", "schema", "explain", "init", "baseline", "hook", "help",
];
const TOP_LEVEL_FLAGS: &[&str] = &["-h", "--help", "-V", "--version"];

/// `check` is the default command: it is inserted unless the first argument
/// is a subcommand or a top-level `--help`/`--version`. So `migraguard`,
/// `migraguard app/` and `migraguard --format json` all run `check`. (A
/// folder named like a subcommand needs `migraguard check schema`.)
pub fn with_default_command(mut args: Vec<OsString>) -> Vec<OsString> {
    if args.is_empty() {
        args.push("migraguard".into());
    }
    let first = args.get(1).and_then(|a| a.to_str());
    let explicit = first.is_some_and(|a| SUBCOMMANDS.contains(&a) || TOP_LEVEL_FLAGS.contains(&a));
    if !explicit {
        args.insert(1, "check".into());
    }
    args
}

/// Colour only on a terminal, and never when NO_COLOR is set to anything
/// non-empty (https://no-color.org) or the report goes to a file.
pub fn use_color(is_terminal: bool, no_color: Option<&std::ffi::OsStr>) -> bool {
    is_terminal && no_color.is_none_or(|v| v.is_empty())
}

fn terminal_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|&w| w >= 40)
        .unwrap_or(100)
}

fn stderr_options() -> HumanOptions {
    let no_color = std::env::var_os("NO_COLOR");
    HumanOptions {
        color: use_color(std::io::stderr().is_terminal(), no_color.as_deref()),
        width: terminal_width(),
    }
}

/// Runs the CLI with the process arguments and returns the exit code.
pub fn main() -> i32 {
    run(std::env::args_os().collect())
}

/// Writes to stderr without panicking when it is closed (`2>&-`), which
/// `eprint!` would; under `cargo test` it is `eprint!`, the only stderr the
/// test harness captures, so unit tests of `run` stay quiet.
fn write_stderr(text: &str) {
    #[cfg(test)]
    eprint!("{text}");
    #[cfg(not(test))]
    let _ = std::io::Write::write_all(&mut std::io::stderr(), text.as_bytes());
}

/// Runs the CLI with `args` (program name first) and returns the exit code.
pub fn run(args: Vec<OsString>) -> i32 {
    let cli = match Cli::try_parse_from(with_default_command(args)) {
        Ok(cli) => cli,
        Err(e) => {
            #[cfg(not(test))]
            let _ = e.print();
            #[cfg(test)]
            write_stderr(&e.render().to_string());
            // help and version go to stdout and succeed; usage errors are exit 2
            return if e.use_stderr() { 2 } else { 0 };
        }
    };
    match dispatch(cli.command) {
        Ok(code) => code,
        Err(fatal) => {
            let text = report::human::render_error(&fatal, &stderr_options());
            write_stderr(&text);
            2
        }
    }
}

fn dispatch(command: Command) -> Result<i32, Fatal> {
    match command {
        Command::Check(args) => check(&args),
        Command::Schema(args) => schema(&args),
        Command::Explain(args) => explain(&args),
        Command::Init(args) => init(&args),
        Command::Baseline(args) => baseline(&args),
        Command::Hook(args) => hook::run(&args),
    }
}

/// The config, with its non-fatal warnings printed on stderr.
fn load_config(
    snapshot: &dyn Snapshot,
    explicit: Option<&Path>,
    dialect: Option<Dialect>,
) -> Result<crate::config::Config, Fatal> {
    let config = pipeline::load_config(snapshot, explicit, dialect)?;
    // Problems that do not stop the check (unknown keys).
    if !config.warnings.is_empty() {
        let text: String = config
            .warnings
            .iter()
            .map(|w| format!("warning: {w}\n"))
            .collect();
        write_stderr(&text);
    }
    Ok(config)
}

/// The root to check: PATH as given, or else the nearest folder at or above
/// the current one that holds a migraguard config or `.git`, so that running
/// in `app/models/` checks the whole project, as git and cargo would.
fn root_of(path: Option<&Path>) -> PathBuf {
    match path {
        Some(p) => p.to_path_buf(),
        None => std::env::current_dir()
            .ok()
            .and_then(|cwd| find_root(&cwd))
            .unwrap_or_else(|| PathBuf::from(".")),
    }
}

fn find_root(start: &Path) -> Option<PathBuf> {
    let has_config = |dir: &Path| {
        crate::config::CONFIG_FILES
            .iter()
            .any(|name| dir.join(name).is_file())
            || std::fs::read_to_string(dir.join("pyproject.toml"))
                .map(|t| t.contains("[tool.migraguard]"))
                .unwrap_or(false)
    };
    let ancestors = || start.ancestors();
    ancestors()
        .find(|d| has_config(d))
        .or_else(|| ancestors().find(|d| d.join(".git").exists()))
        .map(Path::to_path_buf)
}

/// The checked root relative to the root of the git work tree around it,
/// `/`-separated with a trailing `/` ("" at the top, or outside git), so
/// annotations and SARIF name files as the repository does.
fn open_root(path: &Path) -> Result<WorktreeSnapshot, Fatal> {
    WorktreeSnapshot::open(path).map_err(|e| {
        Fatal::new(format!("cannot read {}: {e}", path.display()))
            .with_help("pass the root of the repository to check")
    })
}

/// Writes to stdout; a closed pipe (`migraguard | head`) is not an error.
/// Under `cargo test`, `print!`, which the harness captures (see `write_stderr`).
#[cfg(test)]
fn print(text: &str) -> Result<(), Fatal> {
    print!("{text}");
    Ok(())
}

/// Writes to stdout; a closed pipe (`migraguard | head`) is not an error.
#[cfg(not(test))]
fn print(text: &str) -> Result<(), Fatal> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Fatal::new(format!("cannot write to stdout: {e}"))),
    }
}

fn write_file(path: &Path, text: &str) -> Result<(), Fatal> {
    std::fs::write(path, text)
        .map_err(|e| Fatal::new(format!("cannot write {}: {e}", path.display())))
}

/// Appends, as `$GITHUB_STEP_SUMMARY` expects of every step that writes it.
fn append_file(path: &Path, text: &str) -> Result<(), Fatal> {
    use std::io::Write;
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .map_err(|e| Fatal::new(format!("cannot write {}: {e}", path.display())))
}

impl From<GitError> for Fatal {
    fn from(e: GitError) -> Self {
        let fatal = Fatal::new(e.message);
        match e.help {
            Some(h) => fatal.with_help(h),
            None => fatal,
        }
    }
}

/// The snapshot a check reads.
enum Checked {
    Worktree(WorktreeSnapshot),
    Git(GitSnapshot),
}

impl Checked {
    fn snapshot(&self) -> &dyn Snapshot {
        match self {
            Checked::Worktree(s) => s,
            Checked::Git(s) => s,
        }
    }
}

/// What the findings are compared with: nothing (a plain check), or a git
/// commit whose findings are already accepted.
enum Base {
    None,
    /// `--staged` in a repository with no commits yet: nothing is known.
    Unborn,
    Commit(GitSnapshot),
}

/// The snapshot to check and the base to compare it with, from the flags.
fn git_snapshots(args: &CheckArgs, git: &GitRepo) -> Result<(Checked, Base), Fatal> {
    let head = git.head()?;
    let checked = if args.staged {
        Checked::Git(git.index_snapshot()?)
    } else if args.worktree {
        Checked::Worktree(open_root(&root_of(args.path.as_deref()))?)
    } else {
        let head = head.ok_or_else(|| {
            Fatal::new(
                "this repository has no commits yet: --base compares HEAD, and there is none",
            )
            .with_help("commit first, or check what is staged with --staged")
        })?;
        Checked::Git(git.commit_snapshot(head, "HEAD")?)
    };
    let base = match (&args.base, head) {
        (Some(rev), Some(head)) => {
            let rev = git.resolve(rev)?;
            let mb = git.merge_base(rev, head)?;
            Base::Commit(git.commit_snapshot(mb, &format!("merge-base {}", short_id(mb)))?)
        }
        (Some(_), None) => {
            return Err(Fatal::new(
                "this repository has no commits yet: there is no merge-base to compare with",
            )
            .with_help("drop --base, or commit first"))
        }
        (None, Some(head)) => Base::Commit(git.commit_snapshot(head, "HEAD")?),
        (None, None) => Base::Unborn,
    };
    Ok((checked, base))
}

fn check(args: &CheckArgs) -> Result<i32, Fatal> {
    let root = root_of(args.path.as_deref());
    let uses_git = args.staged || args.base.is_some();
    let git = match GitRepo::discover(&root) {
        Ok(git) => git,
        Err(e) if uses_git => return Err(e.into()),
        // A plain check does not need git: links just stay root-relative.
        Err(_) => None,
    };
    // Annotations, SARIF and the job summary are read outside the checkout:
    // they name files from the repository root and link to the run's commit.
    let prefix = git
        .as_ref()
        .map(|g| g.prefix().to_string())
        .unwrap_or_default();
    let links = Links::github_env(prefix, |name| std::env::var(name).ok());
    let (checked, base) = match (&git, uses_git) {
        (_, false) => (Checked::Worktree(open_root(&root)?), Base::None),
        (Some(git), true) => git_snapshots(args, git)?,
        (None, true) => {
            return Err(Fatal::new(format!(
                "{} is not inside a git repository: --staged and --base read git",
                root.display()
            ))
            .with_help("run inside a git work tree, or drop --staged/--base for a plain check"))
        }
    };
    // `--all` reports everything: what the base had does not matter.
    let base = if args.all { Base::None } else { base };
    let snapshot = checked.snapshot();
    let config = load_config(snapshot, args.config.as_deref(), args.dialect)?;
    let mut scope = Scope::new(snapshot, &config)?.all(args.all);
    if !args.all {
        if let Some(b) = Baseline::load(snapshot, &config)? {
            scope = scope.known(KnownSet::baseline(&b));
        }
    }
    let (outcome, known, mut remarks) = run_with_base(&checked, &base, &config, args.staged)?;
    if let Some(known) = known {
        scope = scope.known(known);
    }
    if !args.all {
        scope = scope.new_migrations(new_migrations(&checked, &base, git.as_ref()));
    }
    let mut outcome = outcome;
    if let Checked::Git(s) = &checked {
        remarks.splice(0..0, s.remarks().iter().cloned());
    }
    outcome.notes.extend(remarks);
    let to_file = args.output.is_some();
    let no_color = std::env::var_os("NO_COLOR");
    let opts = HumanOptions {
        color: !to_file && use_color(std::io::stdout().is_terminal(), no_color.as_deref()),
        width: terminal_width(),
    };
    let report = finish_check(
        snapshot,
        outcome,
        &scope,
        args.format,
        &opts,
        args.fail_on,
        &links,
        args.summary.is_some(),
    );
    if let (Some(path), Some(md)) = (&args.summary, &report.markdown) {
        append_file(path, md)?;
    }
    match &args.output {
        Some(path) => write_file(path, &report.text)?,
        None => print(&report.text)?,
    }
    Ok(report.code)
}

/// Which migrations the change adds, for the safety lints: those whose
/// content in the checked snapshot differs from the git base's or that the
/// base lacks. A plain check compares the working tree with HEAD (an editor
/// linting on save sees the migration being written); a repository without
/// commits has only new migrations; outside git none is known to be new.
fn new_migrations<'a>(
    checked: &'a Checked,
    base: &'a Base,
    git: Option<&'a GitRepo>,
) -> NewMigrations<'a> {
    match (base, checked) {
        (Base::Unborn, _) => NewMigrations::All,
        (Base::Commit(b), Checked::Git(s)) => {
            NewMigrations::Changed(Box::new(move |p| s.blob(p) != b.blob(p)))
        }
        (Base::Commit(b), Checked::Worktree(w)) => {
            NewMigrations::Changed(Box::new(move |p| !same_content(w, p, b.blob(p))))
        }
        (Base::None, Checked::Worktree(w)) => {
            let Some(git) = git else {
                return NewMigrations::NotGit;
            };
            match git.head() {
                Ok(Some(head)) => {
                    let repo = git.repository();
                    // read HEAD's tree only once a safety finding asks
                    let tree = std::cell::OnceCell::new();
                    // HEAD's tree of each folder, looked up once: `get_path`
                    // inflates every tree on the way at each call, and with
                    // a safety finding or two per revision of a 5,000-file
                    // Alembic versions folder that was 2 s of a plain check
                    // (SPEC §9: 1 s for all of it).
                    let folders = std::cell::RefCell::new(std::collections::HashMap::<
                        String,
                        Option<git2::Tree<'_>>,
                    >::new());
                    NewMigrations::Changed(Box::new(move |p| {
                        let tree =
                            tree.get_or_init(|| repo.find_commit(head).and_then(|c| c.tree()).ok());
                        let full = format!("{}{p}", git.prefix());
                        let (dir, name) = full.rsplit_once('/').unwrap_or(("", full.as_str()));
                        let at_head = folders
                            .borrow_mut()
                            .entry(dir.to_string())
                            .or_insert_with(|| {
                                let root = tree.as_ref()?;
                                if dir.is_empty() {
                                    return Some(root.clone());
                                }
                                let entry = root.get_path(Path::new(dir)).ok()?;
                                repo.find_tree(entry.id()).ok()
                            })
                            .as_ref()
                            .and_then(|t| t.get_name(name).map(|e| e.id()));
                        !same_content(w, p, at_head)
                    }))
                }
                Ok(None) => NewMigrations::All,
                // HEAD unreadable: nothing is known to be new, say nothing
                Err(_) => NewMigrations::Changed(Box::new(|_| false)),
            }
        }
        (Base::None, Checked::Git(_)) => NewMigrations::All,
    }
}

/// Whether the working-tree file `path` holds the blob `oid` (also when only
/// its line endings differ, as `core.autocrlf` leaves them).
fn same_content(w: &WorktreeSnapshot, path: &str, oid: Option<git2::Oid>) -> bool {
    let Some(oid) = oid else {
        return false;
    };
    let Ok(bytes) = w.read_bytes(path) else {
        return false;
    };
    let hash = |b: &[u8]| git2::Oid::hash_object(git2::ObjectType::Blob, b).ok();
    if hash(&bytes) == Some(oid) {
        return true;
    }
    bytes.windows(2).any(|w| w == b"\r\n") && {
        let mut lf = Vec::with_capacity(bytes.len());
        let mut it = bytes.iter().peekable();
        while let Some(&b) = it.next() {
            if !(b == b'\r' && it.peek() == Some(&&b'\n')) {
                lf.push(b);
            }
        }
        hash(&lf) == Some(oid)
    }
}

/// Whether two discoveries found the same model files and migration inputs.
/// Together with the same migration files and the same blobs for every file
/// read, the checks agree.
fn same_inputs(a: &crate::discover::Project, b: &crate::discover::Project) -> bool {
    let inputs = |p: &crate::discover::Project| {
        (
            p.dialect,
            serde_json::to_value(&p.models).ok(),
            serde_json::to_value(&p.migrations).ok(),
        )
    };
    inputs(a) == inputs(b)
}

/// Whether both snapshots hold the very same migration files for these
/// projects, so the base can reuse the head's replay.
fn same_migrations(
    head: &GitSnapshot,
    base: &GitSnapshot,
    head_project: &crate::discover::Project,
    base_project: &crate::discover::Project,
) -> bool {
    let same_list = head_project.dialect == base_project.dialect
        && serde_json::to_value(&head_project.migrations).ok()
            == serde_json::to_value(&base_project.migrations).ok();
    same_list
        && head_project.migrations.iter().all(|m| {
            let under = |s: &GitSnapshot| -> Vec<(String, Option<git2::Oid>)> {
                s.files_under(&m.path)
                    .map(|p| (p.clone(), s.blob(p)))
                    .collect()
            };
            head.blob(&m.path) == base.blob(&m.path) && under(head) == under(base)
        })
}

/// The check of `checked`, and what its base already had: the fingerprints
/// the same check reports at the base (same configuration, so rule settings
/// agree) and remarks for the summary.
fn run_with_base(
    checked: &Checked,
    base: &Base,
    config: &crate::config::Config,
    staged: bool,
) -> Result<(CheckOutcome, Option<KnownSet>, Vec<String>), Fatal> {
    let snapshot = checked.snapshot();
    let base_snap = match base {
        Base::None => return Ok((pipeline::check(snapshot, config.clone())?, None, Vec::new())),
        Base::Unborn => {
            let outcome = pipeline::check(snapshot, config.clone())?;
            let remark = "no commits yet: every finding is new".to_string();
            return Ok((outcome, None, vec![remark]));
        }
        Base::Commit(b) => b,
    };
    let label = base_snap.label();
    let base_result = |r: Result<CheckOutcome, Fatal>| match r {
        Ok(o) => (Some(o), None),
        Err(e) => (
            None,
            Some(format!(
                "nothing known at {label} ({}): every finding is new",
                e.message
            )),
        ),
    };
    let base_check = |s: &GitSnapshot| base_result(pipeline::check(s, config.clone()));
    let (outcome, (base_outcome, remark)) = match checked {
        // The pre-commit case: most commits touch no model or migration, and
        // then HEAD would give exactly the index's findings. Check the index
        // first and run HEAD only when something it read differs.
        Checked::Git(index) if staged => {
            let project = pipeline::discover(snapshot, config.clone())?;
            let (outcome, replay) =
                pipeline::check_project_sharing_replay(snapshot, project, None)?;
            let base_project = if index.reads_match(base_snap) && index.same_files(base_snap) {
                None
            } else {
                Some(pipeline::discover(base_snap, config.clone()))
            };
            let agree = match &base_project {
                None => true,
                // Reads alone miss a migration the change deleted or added
                // without either side reading it (dialect detection samples
                // files): the migration folders must hold the same files too.
                Some(Ok(at_base)) => {
                    index.reads_match(base_snap)
                        && same_inputs(at_base, &outcome.project)
                        && same_migrations(index, base_snap, &outcome.project, at_base)
                        && base_snap.reads_match(index)
                }
                Some(Err(_)) => false,
            };
            if agree {
                let known =
                    Scope::new(base_snap, config)?.reported_fingerprints(outcome.findings.clone());
                return Ok((outcome, Some(KnownSet::git_base(&label, known)), Vec::new()));
            }
            let at_base = match base_project {
                Some(Ok(at_base)) => {
                    let reuse = same_migrations(index, base_snap, &outcome.project, &at_base)
                        .then_some(replay);
                    pipeline::check_project_sharing_replay(base_snap, at_base, reuse)
                        .map(|(o, _)| o)
                }
                Some(Err(e)) => Err(e),
                None => pipeline::check(base_snap, config.clone()),
            };
            (outcome, base_result(at_base))
        }
        _ => {
            let (outcome, base) = rayon::join(
                || pipeline::check(snapshot, config.clone()),
                || base_check(base_snap),
            );
            (outcome?, base)
        }
    };
    let known = match base_outcome {
        Some(b) => Some(KnownSet::git_base(
            &label,
            Scope::new(base_snap, config)?.reported_fingerprints(b.findings),
        )),
        None => None,
    };
    Ok((outcome, known, remark.into_iter().collect()))
}

/// Everything after the pipeline: scope, the report's text and the exit code.
#[allow(clippy::too_many_arguments)]
pub fn finish_check(
    snapshot: &dyn Snapshot,
    mut outcome: CheckOutcome,
    scope: &Scope<'_>,
    format: FormatArg,
    human: &HumanOptions,
    fail_on: FailOn,
    links: &Links,
    want_summary: bool,
) -> CheckReport {
    let scoped = scope.apply(std::mem::take(&mut outcome.findings));
    let mut summary = Summary::from_outcome(&outcome, &scoped);
    summary.remarks.extend(scoped.remarks.iter().cloned());
    let text = match format {
        FormatArg::Human => report::human::render(&scoped.findings, &summary, snapshot, human),
        FormatArg::Short => report::short::render(&scoped.findings),
        FormatArg::Json => report::json::render(&scoped.findings, &summary),
        FormatArg::Sarif => report::sarif::render(&scoped.findings, &summary, links),
        FormatArg::Github => report::github::render(&scoped.findings, &summary, links),
    };
    let markdown =
        want_summary.then(|| report::markdown::render(&scoped.findings, &summary, links));
    let code = if fail_on.fails(&scoped.findings) {
        1
    } else {
        0
    };
    CheckReport {
        text,
        markdown,
        code,
    }
}

/// What `check` prints, and its exit code.
#[derive(Debug)]
pub struct CheckReport {
    /// The report in the chosen format.
    pub text: String,
    /// The Markdown summary, when asked for.
    pub markdown: Option<String>,
    pub code: i32,
}

fn schema(args: &SchemaArgs) -> Result<i32, Fatal> {
    let snapshot = open_root(&root_of(args.path.as_deref()))?;
    let config = load_config(&snapshot, args.config.as_deref(), args.dialect)?;
    let need = match args.from {
        SchemaFrom::Models => crate::discover::Need::Models,
        SchemaFrom::Migrations => crate::discover::Need::Migrations,
    };
    let project = pipeline::discover_for(&snapshot, config, need)?;
    let dialect = project.dialect;
    let (schema, findings, notes) = match args.from {
        SchemaFrom::Models => {
            pipeline::require_models(&project)?;
            let (m, notes) = pipeline::model_schema(&snapshot, &project);
            (m.schema, m.findings, notes)
        }
        SchemaFrom::Migrations => {
            pipeline::require_migrations(&project)?;
            let m = pipeline::migrated_schema(&snapshot, &project);
            // what explains the schema; whether a migration is safe to run
            // is `check`'s business
            let gaps = m
                .findings
                .into_iter()
                .filter(|f| !crate::scope::is_safety(f))
                .collect();
            (m.schema, gaps, Vec::new())
        }
    };
    let text = match args.format {
        SchemaFormat::Json => {
            let mut s = serde_json::to_string_pretty(&schema)
                .map_err(|e| Fatal::new(format!("cannot serialize the schema: {e}")))?;
            s.push('\n');
            s
        }
        SchemaFormat::Sql => {
            let mut s = crate::schema::render::schema_sql(&schema, dialect);
            if !s.is_empty() && !s.ends_with('\n') {
                s.push('\n');
            }
            s
        }
    };
    print(&text)?;
    // What the frontends could not read explains gaps in the schema; stderr
    // keeps stdout a clean schema.
    let mut err = String::new();
    for n in &notes {
        err.push_str(&format!("note: {n}\n"));
    }
    err.push_str(&report::short::render(&findings));
    write_stderr(&err);
    Ok(0)
}

/// `id  name  severity  summary`, aligned.
pub fn rule_list() -> String {
    let rules = crate::rules::ALL;
    let name_w = rules.iter().map(|r| r.name.len()).max().unwrap_or(0);
    let mut out = String::new();
    for r in rules {
        out.push_str(&format!(
            "{}  {:name_w$}  {:7}  {}\n",
            r.id,
            r.name,
            r.default_severity.name(),
            r.summary
        ));
    }
    out
}

fn explain(args: &ExplainArgs) -> Result<i32, Fatal> {
    if args.list {
        print(&rule_list())?;
        return Ok(0);
    }
    let query = args.rule.as_deref().unwrap_or("");
    match crate::rules::lookup(query) {
        Some(rule) => {
            let mut doc = rule.doc.to_string();
            if !doc.ends_with('\n') {
                doc.push('\n');
            }
            print(&doc)?;
            Ok(0)
        }
        None => {
            let ids: Vec<_> = crate::rules::ALL.iter().map(|r| r.id).collect();
            Err(
                Fatal::new(format!("unknown rule `{query}`")).with_help(format!(
                    "known rules: {} (`migraguard explain --list` describes them)",
                    ids.join(", ")
                )),
            )
        }
    }
}

fn init(args: &InitArgs) -> Result<i32, Fatal> {
    let snapshot = open_root(&args.path)?;
    // Any existing config file, not only the one written: `.migraguard.toml`
    // would otherwise be silently shadowed by the new `migraguard.toml`.
    if !args.force {
        if let Some(existing) = crate::config::CONFIG_FILES
            .iter()
            .map(|name| args.path.join(name))
            .find(|p| p.exists())
        {
            return Err(Fatal::new(format!("{} already exists", existing.display()))
                .with_help("pass --force to overwrite it"));
        }
    }
    let target = args.path.join(CONFIG_FILE);
    // Auto-detection only: the point is to write down what zero-config finds.
    let project = pipeline::discover(&snapshot, crate::config::Config::default())?;
    let text = project.to_config_toml();
    write_file(&target, &text)?;
    print(&format!("wrote {}:\n\n{text}", target.display()))?;
    Ok(0)
}

fn baseline(args: &BaselineArgs) -> Result<i32, Fatal> {
    let root = root_of(args.path.as_deref());
    let checked = Checked::Worktree(open_root(&root)?);
    let snapshot = checked.snapshot();
    let config = load_config(snapshot, args.config.as_deref(), args.dialect)?;
    // The baseline records what a plain check would report without a
    // baseline: configuration, inline suppressions and the scope of the
    // safety lints (new migrations only) still apply.
    let git = GitRepo::discover(&root).ok().flatten();
    let scope = Scope::new(snapshot, &config)?.new_migrations(new_migrations(
        &checked,
        &Base::None,
        git.as_ref(),
    ));
    let target = root.join(baseline_path(&config));
    let mut outcome = pipeline::check(snapshot, config)?;
    let scoped = scope.apply(std::mem::take(&mut outcome.findings));
    let b = Baseline::from_findings(&scoped.findings);
    write_file(&target, &b.to_json())?;
    print(&format!(
        "wrote {} ({})\n",
        target.display(),
        report::plural(b.fingerprints.len(), "fingerprint")
    ))?;
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<OsString> {
        a.iter().map(OsString::from).collect()
    }

    fn parse(a: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(with_default_command(args(a)))
    }

    #[test]
    fn check_is_the_default_command() {
        assert_eq!(with_default_command(args(&["mg"])), args(&["mg", "check"]));
        assert_eq!(
            with_default_command(args(&["mg", "app/"])),
            args(&["mg", "check", "app/"])
        );
        assert_eq!(
            with_default_command(args(&["mg", "--format", "json"])),
            args(&["mg", "check", "--format", "json"])
        );
        for explicit in [
            &["mg", "schema", "--from", "models"][..],
            &["mg", "explain", "MG102"],
            &["mg", "--help"],
            &["mg", "-V"],
            &["mg", "help"],
            &["mg", "check", "x"],
        ] {
            assert_eq!(with_default_command(args(explicit)), args(explicit));
        }
        assert_eq!(
            with_default_command(Vec::new()),
            args(&["migraguard", "check"])
        );
    }

    #[test]
    fn parses_check_flags() {
        let cli = parse(&[
            "mg",
            "repo",
            "--format",
            "short",
            "--fail-on",
            "warning",
            "--all",
            "--dialect",
            "postgres",
            "-o",
            "out.txt",
        ])
        .unwrap();
        let Command::Check(c) = cli.command else {
            panic!("expected check")
        };
        assert_eq!(c.path, Some(PathBuf::from("repo")));
        assert_eq!(c.format, FormatArg::Short);
        assert_eq!(c.fail_on, FailOn::Warning);
        assert!(c.all);
        assert_eq!(c.dialect, Some(Dialect::Postgresql));
        assert_eq!(c.output, Some(PathBuf::from("out.txt")));

        let Command::Check(c) = parse(&["mg"]).unwrap().command else {
            panic!("expected check")
        };
        assert_eq!(
            (c.path, c.format, c.fail_on, c.all),
            (None, FormatArg::Human, FailOn::Error, false)
        );
    }

    #[test]
    fn git_flags() {
        let Command::Check(c) = parse(&["mg", "--staged", "--base", "origin/main"])
            .unwrap()
            .command
        else {
            panic!("expected check")
        };
        assert!(c.staged && !c.worktree);
        assert_eq!(c.base.as_deref(), Some("origin/main"));
        assert!(parse(&["mg", "--base", "main", "--worktree"]).is_ok());
        assert!(
            parse(&["mg", "--worktree"]).is_err(),
            "--worktree needs --base"
        );
        assert!(parse(&["mg", "--base", "m", "--worktree", "--staged"]).is_err());
        assert!(matches!(
            parse(&["mg", "hook", "install", "--force"])
                .unwrap()
                .command,
            Command::Hook(_)
        ));
        assert_eq!(
            with_default_command(args(&["mg", "hook", "uninstall"])),
            args(&["mg", "hook", "uninstall"])
        );
    }

    #[test]
    fn bad_arguments_are_errors() {
        assert!(parse(&["mg", "--format", "xml"]).is_err());
        assert!(parse(&["mg", "--dialect", "oracle"]).is_err());
        assert!(parse(&["mg", "schema"]).is_err(), "--from is required");
        assert!(parse(&["mg", "explain"]).is_err(), "RULE or --list");
        assert!(parse(&["mg", "explain", "--list"]).is_ok());
        assert_eq!(run(args(&["mg", "--format", "xml"])), 2);
        assert_eq!(run(args(&["mg", "--version"])), 0);
    }

    #[test]
    fn explain_exit_codes() {
        assert_eq!(run(args(&["mg", "explain", "MG102"])), 0);
        assert_eq!(run(args(&["mg", "explain", "MG999"])), 2);
        let list = rule_list();
        assert_eq!(list.lines().count(), crate::rules::ALL.len());
        assert!(list.contains("MG102  missing-column"), "{list}");
    }

    #[test]
    fn unreadable_root_is_exit_2() {
        assert_eq!(run(args(&["mg", "/nonexistent/migraguard-root"])), 2);
    }

    #[test]
    fn schema_json_serializes_nested_types() {
        use crate::schema::{Column, Schema, SqlType, Table};
        use crate::source::Location;
        let mut t = Table::new("t", None, Location::line("m.sql", 1));
        t.columns.push(Column::new(
            "tags",
            SqlType::Array(Box::new(SqlType::Array(Box::new(SqlType::Text)))),
            Location::line("m.sql", 2),
        ));
        let mut schema = Schema::default();
        schema.insert_table(t);
        let v = serde_json::to_value(&schema).unwrap();
        assert_eq!(
            v["tables"]["t"]["columns"][0]["ty"],
            serde_json::json!({"kind": "array", "of": {"kind": "array", "of": {"kind": "text"}}})
        );
    }

    fn outcome(findings: Vec<crate::findings::Finding>) -> CheckOutcome {
        use crate::discover::Project;
        let mut models = crate::models::ModelSchema::default();
        let t = crate::schema::Table::new(
            "services",
            None,
            crate::source::Location::line("app/models.py", 3),
        );
        models.schema.insert_table(t);
        let migrated = crate::migrations::MigratedSchema {
            migrations: 4,
            ..Default::default()
        };
        CheckOutcome {
            project: Project {
                dialect: Dialect::Sqlite,
                dialect_reason: "test".into(),
                models: Vec::new(),
                migrations: Vec::new(),
                config: crate::config::Config::default(),
            },
            models,
            migrated,
            findings,
            notes: vec!["1 diesel model file skipped".into()],
        }
    }

    #[test]
    fn finish_check_scopes_renders_and_decides_the_exit_code() {
        use crate::report::fixtures;
        let snap = crate::scope::testing::mem(&[(
            "app/models.py",
            "# migraguard: ignore[MG102]\nx = 1\n",
        )]);
        let config = crate::config::Config::default();
        let mut findings = fixtures::findings();
        // MG102 at app/models.py:6 is not suppressed (comment is on line 1)
        findings.push(
            crate::findings::Finding::new(
                &crate::rules::MG102,
                Some("t"),
                Some("x"),
                "missing",
                "m",
            )
            .at(crate::source::Location::line("app/models.py", 2)),
        );
        let baseline = Baseline::from_findings(findings.iter().filter(|f| f.rule.id == "MG204"));
        let scope = Scope::new(&snap, &config)
            .unwrap()
            .known(KnownSet::baseline(&baseline));
        let opts = HumanOptions::default();
        let report = finish_check(
            &snap,
            outcome(findings.clone()),
            &scope,
            FormatArg::Json,
            &opts,
            FailOn::Error,
            &Links::default(),
            false,
        );
        let (json, code) = (report.text, report.code);
        assert_eq!(code, 1);
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["summary"]["suppressed"], 1);
        assert_eq!(v["summary"]["baselined"], 1);
        assert_eq!(v["summary"]["model_tables"], 1);
        assert_eq!(v["summary"]["migrations"], 4);
        assert_eq!(v["findings"].as_array().unwrap().len(), 2);

        let report = finish_check(
            &snap,
            outcome(findings.clone()),
            &scope,
            FormatArg::Human,
            &opts,
            FailOn::Never,
            &Links::default(),
            false,
        );
        let (human, _) = (report.text, report.code);
        assert!(human.ends_with(
            "note: 1 diesel model file skipped\n1 error, 1 warning in 1 model table, 4 migrations (sqlite); 1 suppressed, 1 in baseline\n"
        ), "{human}");

        let all = Scope::new(&snap, &config).unwrap().all(true);
        let report = finish_check(
            &snap,
            outcome(findings),
            &all,
            FormatArg::Short,
            &opts,
            FailOn::Never,
            &Links::default(),
            false,
        );
        let (short, code) = (report.text, report.code);
        assert_eq!(code, 0);
        assert_eq!(short.lines().count(), 4);
    }

    #[test]
    fn init_never_overwrites_without_force() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join(CONFIG_FILE);
        std::fs::write(&target, "dialect = \"mysql\"\n").unwrap();
        let root = dir.path().to_str().unwrap();
        assert_eq!(run(args(&["mg", "init", root])), 2);
        assert_eq!(
            std::fs::read_to_string(&target).unwrap(),
            "dialect = \"mysql\"\n"
        );
        // a hidden config would be shadowed by a new migraguard.toml
        std::fs::remove_file(&target).unwrap();
        std::fs::write(dir.path().join(".migraguard.toml"), "").unwrap();
        assert_eq!(run(args(&["mg", "init", root])), 2);
        assert!(!target.exists());
    }

    #[test]
    fn output_to_an_unwritable_place_is_fatal() {
        let dir = tempfile::tempdir().unwrap();
        let err = write_file(dir.path(), "x").unwrap_err();
        assert!(err.message.starts_with("cannot write"), "{}", err.message);
    }

    #[test]
    fn colour_rules() {
        use std::ffi::OsStr;
        assert!(use_color(true, None));
        assert!(use_color(true, Some(OsStr::new(""))));
        assert!(!use_color(true, Some(OsStr::new("1"))));
        assert!(!use_color(false, None));
    }

    #[test]
    fn fail_on_thresholds() {
        use crate::findings::Finding;
        use crate::rules::{MG102, MG103};
        let warn = vec![Finding::new(&MG103, Some("t"), None, "k", "m")];
        let err = vec![Finding::new(&MG102, Some("t"), Some("c"), "k", "m")];
        assert!(!FailOn::Error.fails(&warn));
        assert!(FailOn::Warning.fails(&warn));
        assert!(FailOn::Error.fails(&err));
        assert!(!FailOn::Never.fails(&err));
        assert!(!FailOn::Warning.fails(&[]));
    }
}
