//! The pre-commit hook end to end: `migraguard hook install` in a real
//! repository, then real `git commit`s.
//!
//! Run: `cargo test --test hook`

mod gitutil;

use gitutil::{git_command, text, Repo};
use std::path::Path;
use std::process::Output;

const BIN: &str = env!("CARGO_BIN_EXE_migraguard");

const NEW_COLUMN: &str = "    owner = Column(String(100))\n";
const NEW_MIGRATION: &str = "ALTER TABLE services ADD COLUMN owner VARCHAR(100);\n";

/// `git commit` with the hook finding the binary under test through $MIGRAGUARD.
fn commit(repo: &Repo, message: &str) -> Output {
    git_command(repo.home(), &repo.root)
        .args(["commit", "-q", "-m", message])
        .env("MIGRAGUARD", BIN)
        .output()
        .expect("git commit runs")
}

fn all_output(out: &Output) -> String {
    format!("{}{}", text(&out.stdout), text(&out.stderr))
}

fn install(repo: &Repo) {
    let out = repo.mg(&["hook", "install"]);
    assert_eq!(out.status.code(), Some(0), "{}", all_output(&out));
}

fn add_owner_column(repo: &Repo) {
    repo.edit(
        "app/models.py",
        "    health_url = Column(String(255))\n",
        &format!("    health_url = Column(String(255))\n{NEW_COLUMN}"),
    );
}

fn head_message(repo: &Repo) -> String {
    repo.git(&["log", "-1", "--format=%s"]).trim().to_string()
}

#[test]
fn a_model_column_without_its_migration_is_refused_until_the_migration_is_staged() {
    let repo = Repo::with_fixture("seed-000-fixed");
    install(&repo);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(repo.root.join(".git/hooks/pre-commit"))
            .expect("hook written")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o755);
    }

    add_owner_column(&repo);
    repo.git(&["add", "app/models.py"]);
    let refused = commit(&repo, "add owner");
    let said = all_output(&refused);
    assert!(!refused.status.success(), "commit went through:\n{said}");
    assert!(said.contains("MG102"), "{said}");
    assert!(said.contains("services.owner"), "{said}");
    assert!(said.contains("git commit --no-verify"), "{said}");
    assert_eq!(head_message(&repo), "initial");

    repo.write("migrations/0004_add_service_owner.sql", NEW_MIGRATION);
    repo.git(&["add", "migrations/0004_add_service_owner.sql"]);
    let accepted = commit(&repo, "add owner");
    let said = all_output(&accepted);
    assert!(accepted.status.success(), "{said}");
    assert_eq!(head_message(&repo), "add owner");
    // One short line on success.
    assert_eq!(said.trim().lines().count(), 1, "{said}");
    assert!(said.starts_with("migraguard: no problems"), "{said}");
}

#[test]
fn commit_all_and_commit_paths_are_checked_through_the_index_git_writes() {
    // `git commit -a` and `git commit <path>` stage into a temporary index
    // named by GIT_INDEX_FILE; the hook must read that one.
    let repo = Repo::with_fixture("seed-000-fixed");
    install(&repo);
    add_owner_column(&repo);
    let out = git_command(repo.home(), &repo.root)
        .args(["commit", "-q", "-a", "-m", "all"])
        .env("MIGRAGUARD", BIN)
        .output()
        .expect("git commit -a");
    assert!(!out.status.success(), "{}", all_output(&out));
    assert!(all_output(&out).contains("MG102"));
    let out = git_command(repo.home(), &repo.root)
        .args(["commit", "-q", "-m", "path", "app/models.py"])
        .env("MIGRAGUARD", BIN)
        .output()
        .expect("git commit <path>");
    assert!(!out.status.success(), "{}", all_output(&out));
    assert_eq!(head_message(&repo), "initial");
}

#[test]
fn unstaged_and_untracked_breakage_does_not_affect_a_clean_commit() {
    let repo = Repo::with_fixture("seed-000-fixed");
    install(&repo);
    // Unstaged: drift and a syntax error in the models; untracked: a
    // migration dropping a table. None of it is being committed.
    add_owner_column(&repo);
    repo.edit("app/models.py", "class Agent(Base):", "class Agent(Base:");
    repo.write("migrations/0004_drop.sql", "DROP TABLE agents;\n");
    repo.write("README.md", "# control center\n");
    repo.git(&["add", "README.md"]);
    let out = commit(&repo, "readme");
    assert!(out.status.success(), "{}", all_output(&out));
    assert_eq!(head_message(&repo), "readme");
    // The same working tree checked as a whole does fail.
    assert_ne!(repo.mg(&["check"]).status.code(), Some(0));
}

#[test]
fn an_existing_hook_is_chained_and_runs_first_and_uninstall_restores_it() {
    let repo = Repo::with_fixture("seed-000-fixed");
    let hooks = repo.root.join(".git/hooks");
    std::fs::create_dir_all(&hooks).expect("hooks dir");
    let marker = repo.home().join("marker");
    let theirs = format!(
        "#!/bin/sh\necho ran >> '{}'\nexit \"${{FAIL_FIRST:-0}}\"\n",
        marker.display()
    );
    write_hook(&hooks.join("pre-commit"), &theirs);
    install(&repo);
    // Installing again changes nothing.
    install(&repo);
    assert_eq!(
        std::fs::read_to_string(hooks.join("pre-commit.pre-migraguard")).expect("kept"),
        theirs
    );

    repo.write("README.md", "x\n");
    repo.git(&["add", "README.md"]);
    let out = commit(&repo, "readme");
    assert!(out.status.success(), "{}", all_output(&out));
    assert_eq!(std::fs::read_to_string(&marker).expect("marker"), "ran\n");

    // Its failure stops the commit even when migraguard has nothing to say.
    repo.write("README.md", "y\n");
    repo.git(&["add", "README.md"]);
    let out = git_command(repo.home(), &repo.root)
        .args(["commit", "-q", "-m", "second"])
        .env("MIGRAGUARD", BIN)
        .env("FAIL_FIRST", "3")
        .output()
        .expect("git commit");
    assert!(!out.status.success());
    assert_eq!(head_message(&repo), "readme");

    let out = repo.mg(&["hook", "uninstall"]);
    assert_eq!(out.status.code(), Some(0), "{}", all_output(&out));
    assert_eq!(
        std::fs::read_to_string(hooks.join("pre-commit")).expect("restored"),
        theirs
    );
    assert!(!hooks.join("pre-commit.pre-migraguard").exists());
}

#[test]
fn core_hooks_path_is_respected() {
    let repo = Repo::with_fixture("seed-000-fixed");
    repo.git(&["config", "core.hooksPath", ".githooks"]);
    // From a subfolder: the hooks path is relative to the work tree root.
    let out = repo.mg_in(&repo.root.join("app"), &["hook", "install"]);
    assert_eq!(out.status.code(), Some(0), "{}", all_output(&out));
    assert!(repo.root.join(".githooks/pre-commit").is_file());
    assert!(!repo.root.join(".git/hooks/pre-commit").exists());

    add_owner_column(&repo);
    repo.git(&["add", "app/models.py"]);
    let out = commit(&repo, "add owner");
    assert!(!out.status.success());
    assert!(all_output(&out).contains("MG102"));

    let out = repo.mg(&["hook", "uninstall"]);
    assert_eq!(out.status.code(), Some(0), "{}", all_output(&out));
    assert!(!repo.root.join(".githooks/pre-commit").exists());
}

#[test]
fn a_hand_copied_hook_without_migraguard_warns_and_lets_the_commit_through() {
    let repo = Repo::with_fixture("seed-000-fixed");
    let hook = repo.root.join(".git/hooks/pre-commit");
    let script =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("hooks/pre-commit"))
            .expect("hooks/pre-commit");
    write_hook(&hook, &script);
    add_owner_column(&repo);
    repo.git(&["add", "app/models.py"]);
    let out = git_command(repo.home(), &repo.root)
        .args(["commit", "-q", "-m", "unchecked"])
        .env("MIGRAGUARD", repo.home().join("no-such-migraguard"))
        .env("PATH", "/usr/bin:/bin")
        .output()
        .expect("git commit");
    let said = all_output(&out);
    assert!(out.status.success(), "{said}");
    assert!(said.contains("migraguard: not found"), "{said}");
    assert_eq!(head_message(&repo), "unchecked");
}

fn write_hook(path: &Path, script: &str) {
    std::fs::write(path, script).expect("write hook");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
}
