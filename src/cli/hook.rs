//! `migraguard hook install|uninstall`: the git pre-commit hook.
//!
//! The hook is `hooks/pre-commit` from the repository, with the path of the
//! installing binary filled in as a last-resort fallback. A pre-commit hook
//! that is not ours is kept as `pre-commit.pre-migraguard`, which ours runs
//! first; uninstalling puts it back.

use crate::pipeline::Fatal;
use crate::snapshot::GitRepo;
use clap::{Args, Subcommand};
use std::path::{Path, PathBuf};

/// The hook script as shipped (users may copy it by hand).
pub const HOOK_SCRIPT: &str = include_str!("../../hooks/pre-commit");

/// A line only our hook has: how an installed hook is recognised.
const MARKER: &str = "# migraguard pre-commit hook";

/// Where a foreign hook is kept while ours is installed.
pub const CHAINED: &str = "pre-commit.pre-migraguard";

#[derive(Args, Debug)]
pub struct HookArgs {
    #[command(subcommand)]
    pub action: HookAction,
}

#[derive(Subcommand, Debug)]
pub enum HookAction {
    /// Write the pre-commit hook (an existing foreign hook is kept and run first)
    Install {
        /// Replace an existing pre-commit hook instead of chaining it
        #[arg(long)]
        force: bool,
        /// A folder inside the repository [default: .]
        #[arg(default_value = ".")]
        path: PathBuf,
    },
    /// Remove migraguard's pre-commit hook and restore the one it chained
    Uninstall {
        /// A folder inside the repository [default: .]
        #[arg(default_value = ".")]
        path: PathBuf,
    },
}

pub fn run(args: &HookArgs) -> Result<i32, Fatal> {
    let (path, text) = match &args.action {
        HookAction::Install { force, path } => {
            let dir = hooks_dir(path)?;
            (dir.clone(), install(&dir, *force, &installer())?)
        }
        HookAction::Uninstall { path } => {
            let dir = hooks_dir(path)?;
            (dir.clone(), uninstall(&dir)?)
        }
    };
    super::print(&format!("{text} ({})\n", path.display()))?;
    Ok(0)
}

/// The folder git runs hooks from: `core.hooksPath` (relative to the work
/// tree root) if set, else `hooks/` in the common git directory, which
/// linked worktrees share.
pub fn hooks_dir(start: &Path) -> Result<PathBuf, Fatal> {
    let git = GitRepo::discover(start)?.ok_or_else(|| {
        Fatal::new(format!(
            "{} is not inside a git repository",
            start.display()
        ))
        .with_help("run `migraguard hook install` inside the repository (`git init` first)")
    })?;
    let repo = git.repository();
    let configured = repo
        .config()
        .ok()
        .and_then(|c| c.get_path("core.hooksPath").ok());
    Ok(match configured {
        Some(p) if p.is_absolute() => p,
        Some(p) => git.workdir().join(p),
        None => repo.commondir().join("hooks"),
    })
}

/// The running binary, written into the hook as its last fallback.
fn installer() -> String {
    std::env::current_exe()
        .ok()
        .and_then(|p| p.to_str().map(str::to_string))
        .unwrap_or_default()
}

/// `s` as one single-quoted shell word.
fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// The hook script with `installed_by` set.
pub fn hook_text(installed_by: &str) -> String {
    HOOK_SCRIPT.replacen(
        "installed_by=''",
        &format!("installed_by={}", sh_quote(installed_by)),
        1,
    )
}

fn is_ours(path: &Path) -> bool {
    std::fs::read_to_string(path).is_ok_and(|t| t.contains(MARKER))
}

fn io_fatal(what: &str, path: &Path, e: std::io::Error) -> Fatal {
    Fatal::new(format!("cannot {what} {}: {e}", path.display()))
}

/// Installs into `dir`; says what it did.
pub fn install(dir: &Path, force: bool, installed_by: &str) -> Result<String, Fatal> {
    std::fs::create_dir_all(dir).map_err(|e| io_fatal("create", dir, e))?;
    let hook = dir.join("pre-commit");
    let chained = dir.join(CHAINED);
    let mut what = "installed the migraguard pre-commit hook";
    // symlink_metadata: a dangling symlink is still a hook someone put there.
    if hook.symlink_metadata().is_ok() {
        if is_ours(&hook) {
            what = "updated the migraguard pre-commit hook";
        } else if force {
            what = "replaced the existing pre-commit hook with migraguard's";
        } else if chained.symlink_metadata().is_ok() {
            return Err(Fatal::new(format!(
                "{} exists and so does {}: not overwriting either",
                hook.display(),
                chained.display()
            ))
            .with_help("merge them by hand, or pass --force to replace pre-commit"));
        } else {
            std::fs::rename(&hook, &chained).map_err(|e| io_fatal("rename", &hook, e))?;
            what = "installed the migraguard pre-commit hook; the existing hook is kept as \
                    pre-commit.pre-migraguard and runs first";
        }
        if hook.symlink_metadata().is_ok() {
            std::fs::remove_file(&hook).map_err(|e| io_fatal("replace", &hook, e))?;
        }
    }
    std::fs::write(&hook, hook_text(installed_by)).map_err(|e| io_fatal("write", &hook, e))?;
    make_executable(&hook)?;
    Ok(what.to_string())
}

/// Removes our hook from `dir` and restores a chained one; says what it did.
pub fn uninstall(dir: &Path) -> Result<String, Fatal> {
    let hook = dir.join("pre-commit");
    let chained = dir.join(CHAINED);
    if hook.symlink_metadata().is_ok() && !is_ours(&hook) {
        return Err(Fatal::new(format!(
            "{} is not migraguard's hook: leaving it alone",
            hook.display()
        ))
        .with_help("remove it by hand if you want it gone"));
    }
    let had_ours = hook.exists();
    if had_ours {
        std::fs::remove_file(&hook).map_err(|e| io_fatal("remove", &hook, e))?;
    }
    if chained.symlink_metadata().is_ok() {
        std::fs::rename(&chained, &hook).map_err(|e| io_fatal("restore", &chained, e))?;
        return Ok("removed the migraguard pre-commit hook and restored the previous one".into());
    }
    Ok(if had_ours {
        "removed the migraguard pre-commit hook".into()
    } else {
        "no migraguard pre-commit hook was installed".into()
    })
}

#[cfg(unix)]
fn make_executable(path: &Path) -> Result<(), Fatal> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
        .map_err(|e| io_fatal("make executable", path, e))
}

#[cfg(not(unix))]
fn make_executable(_: &Path) -> Result<(), Fatal> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_script_is_recognisable_and_takes_the_installer_path() {
        assert!(HOOK_SCRIPT.contains(MARKER));
        assert!(HOOK_SCRIPT.contains("installed_by=''"));
        let text = hook_text("/opt/it's here/migraguard");
        assert!(
            text.contains(r"installed_by='/opt/it'\''s here/migraguard'"),
            "{text}"
        );
        assert!(text.contains("check --staged"));
        assert!(text.contains("git commit --no-verify"));
    }

    #[test]
    fn install_chains_reinstall_is_idempotent_uninstall_restores() {
        let dir = tempfile::tempdir().unwrap();
        let hooks = dir.path().join("hooks");
        std::fs::create_dir_all(&hooks).unwrap();
        std::fs::write(hooks.join("pre-commit"), "#!/bin/sh\necho mine\n").unwrap();

        install(&hooks, false, "/bin/mg").unwrap();
        let ours = std::fs::read_to_string(hooks.join("pre-commit")).unwrap();
        assert!(ours.contains(MARKER));
        assert_eq!(
            std::fs::read_to_string(hooks.join(CHAINED)).unwrap(),
            "#!/bin/sh\necho mine\n"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(hooks.join("pre-commit"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o755);
        }
        // Again: the chained hook is not replaced by ours.
        install(&hooks, false, "/bin/mg").unwrap();
        assert_eq!(
            std::fs::read_to_string(hooks.join("pre-commit")).unwrap(),
            ours
        );
        assert!(std::fs::read_to_string(hooks.join(CHAINED))
            .unwrap()
            .contains("mine"));

        uninstall(&hooks).unwrap();
        assert_eq!(
            std::fs::read_to_string(hooks.join("pre-commit")).unwrap(),
            "#!/bin/sh\necho mine\n"
        );
        assert!(!hooks.join(CHAINED).exists());
        assert!(uninstall(&hooks).is_err(), "a foreign hook is left alone");

        install(&hooks, true, "/bin/mg").unwrap();
        assert!(is_ours(&hooks.join("pre-commit")));
        assert!(!hooks.join(CHAINED).exists(), "--force replaces");
        uninstall(&hooks).unwrap();
        assert!(!hooks.join("pre-commit").exists());
    }

    #[test]
    fn both_slots_taken_is_an_error_without_force() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("pre-commit"), "a").unwrap();
        std::fs::write(dir.path().join(CHAINED), "b").unwrap();
        assert!(install(dir.path(), false, "").is_err());
        assert_eq!(
            std::fs::read_to_string(dir.path().join("pre-commit")).unwrap(),
            "a"
        );
    }
}
