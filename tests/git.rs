//! Git-aware checks on real repositories: `--staged` reads the index,
//! `--base REV` reports only what the change adds over the merge-base.
//!
//! Run: `cargo test --test git`

mod gitutil;

use gitutil::{finding_keys, json, text, Repo};

const PHONE: &str = "    phone = Column(String(30))\n";

fn drift_count(repo: &Repo, args: &[&str]) -> usize {
    let mut all = args.to_vec();
    all.extend(["--all", "--format", "json"]);
    let (_, v) = json(&repo.mg(&all));
    v["findings"].as_array().map_or(0, Vec::len)
}

#[test]
fn legacy_drift_at_the_base_only_what_the_change_adds_is_reported() {
    let repo = Repo::with_fixture("sqlalchemy-drift");
    let legacy = drift_count(&repo, &[]);
    assert!(legacy >= 10, "the fixture has drift: {legacy}");
    repo.git(&["checkout", "-q", "-b", "feature"]);

    // A change that adds no drift passes.
    repo.write("README.md", "# shop\n");
    repo.git(&["add", "README.md"]);
    repo.git(&["commit", "-q", "-m", "docs"]);
    let (code, v) = json(&repo.mg(&["check", "--base", "main", "--format", "json"]));
    assert_eq!(code, 0, "{v}");
    assert_eq!(finding_keys(&v), Vec::<String>::new());
    assert_eq!(v["summary"]["known_at_base"], legacy);

    // One more model column without a migration: only that one.
    repo.edit(
        "app/models.py",
        PHONE,
        &format!("{PHONE}    fax = Column(String(30))\n"),
    );
    repo.git(&["commit", "-q", "-am", "fax"]);
    let (code, v) = json(&repo.mg(&["check", "--base", "main", "--format", "json"]));
    assert_eq!(code, 1, "{v}");
    assert_eq!(finding_keys(&v), ["MG102 customers.fax"]);
    assert_eq!(v["summary"]["known_at_base"], legacy);
    let human = repo.mg(&["check", "--base", "main"]);
    let summary = text(&human.stdout);
    let main = repo.git(&["rev-parse", "--short=7", "main"]);
    assert!(
        summary.contains(&format!("{legacy} already at merge-base {}", main.trim())),
        "{summary}"
    );

    // --all shows everything.
    let (_, v) = json(&repo.mg(&["check", "--base", "main", "--all", "--format", "json"]));
    assert_eq!(v["findings"].as_array().map_or(0, Vec::len), legacy + 1);
    assert_eq!(v["summary"]["known_at_base"], 0);

    // The working tree instead of HEAD, with --worktree.
    repo.edit(
        "app/models.py",
        PHONE,
        &format!("{PHONE}    telex = Column(String(30))\n"),
    );
    let (_, v) = json(&repo.mg(&["check", "--base", "main", "--worktree", "--format", "json"]));
    assert_eq!(
        finding_keys(&v),
        ["MG102 customers.fax", "MG102 customers.telex"]
    );
}

#[test]
fn unstaged_and_untracked_files_never_change_a_staged_check() {
    let repo = Repo::with_fixture("seed-000-fixed");
    let before = repo.mg(&["check", "--staged", "--format", "json"]);
    assert_eq!(json(&before).0, 0);

    repo.edit(
        "app/models.py",
        "    port = ",
        "    owner = Column(Text)\n    port = ",
    );
    repo.write("migrations/0004_drop_agents.sql", "DROP TABLE agents;\n");
    repo.write("app/extra.py", "class Broken(:\n");
    let after = repo.mg(&["check", "--staged", "--format", "json"]);
    assert_eq!(text(&after.stdout), text(&before.stdout));
    assert_eq!(after.status.code(), Some(0));
    // The working tree itself does fail: the mess is real.
    assert_eq!(
        repo.mg(&["check", "--format", "json"]).status.code(),
        Some(1)
    );

    // Staged, the column counts.
    repo.git(&["add", "app/models.py"]);
    let (code, v) = json(&repo.mg(&["check", "--staged", "--format", "json"]));
    assert_eq!(code, 1);
    assert_eq!(finding_keys(&v), ["MG102 services.owner"]);
}

#[test]
fn a_deleted_migration_orphans_a_column_in_an_untouched_model_file() {
    let repo = Repo::with_fixture("seed-000-fixed");
    repo.git(&["checkout", "-q", "-b", "cleanup"]);
    repo.git(&["rm", "-q", "migrations/0003_add_service_description.sql"]);
    let (code, v) = json(&repo.mg(&["check", "--staged", "--format", "json"]));
    assert_eq!(code, 1);
    assert_eq!(finding_keys(&v), ["MG102 services.description"]);
    repo.git(&["commit", "-q", "-m", "remove a migration"]);
    let (code, v) = json(&repo.mg(&["check", "--base", "main", "--format", "json"]));
    assert_eq!(code, 1);
    assert_eq!(finding_keys(&v), ["MG102 services.description"]);
}

#[test]
fn a_deleted_migration_nobody_reads_at_the_base_is_still_seen() {
    // Dialect detection samples a few migration files; with many of them the
    // last one is read by neither side until replay. Deleting it must not
    // let the staged check take HEAD's findings as its own.
    let repo = Repo::with_fixture("seed-000-fixed");
    repo.write("migraguard.toml", "dialect = \"sqlite\"\n");
    for n in 4..=72 {
        repo.write(&format!("migrations/{n:04}_noop.sql"), "SELECT 1;\n");
    }
    repo.edit(
        "app/models.py",
        "    port = Column(Integer, nullable=False)\n",
        "    port = Column(Integer, nullable=False)\n    owner = Column(String(100))\n",
    );
    repo.write(
        "migrations/0073_add_service_owner.sql",
        "ALTER TABLE services ADD COLUMN owner VARCHAR(100);\n",
    );
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "-m", "owner"]);
    repo.git(&["rm", "-q", "migrations/0073_add_service_owner.sql"]);
    let (code, v) = json(&repo.mg(&["check", "--staged", "--format", "json"]));
    assert_eq!(code, 1, "{v:#}");
    assert_eq!(finding_keys(&v), ["MG102 services.owner"]);
}

#[test]
fn no_commits_yet_means_nothing_is_known() {
    let repo = Repo::new();
    repo.copy_fixture("seed-000-services-description");
    repo.git(&["add", "-A"]);
    let (code, v) = json(&repo.mg(&["check", "--staged", "--format", "json"]));
    assert_eq!(code, 1);
    assert_eq!(finding_keys(&v), ["MG102 services.description"]);
    let human = text(&repo.mg(&["check", "--staged"]).stdout);
    assert!(human.contains("no commits yet"), "{human}");
    let out = repo.mg(&["check", "--base", "main"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("no commits yet"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_linked_worktree_has_its_own_index() {
    let repo = Repo::with_fixture("seed-000-fixed");
    let wt = repo.tmp.path().join("wt");
    let wt_arg = wt.to_str().expect("utf-8 temp path");
    repo.git(&["worktree", "add", "-q", "-b", "feature", wt_arg]);
    std::fs::write(
        wt.join("app/models.py"),
        repo.read("app/models.py").replacen(
            "    port = ",
            "    owner = Column(Text)\n    port = ",
            1,
        ),
    )
    .expect("edit in the worktree");
    repo.git_in(&wt, &["add", "app/models.py"]);
    let (code, v) = json(&repo.mg_in(&wt, &["check", "--staged", "--format", "json"]));
    assert_eq!(code, 1, "{v}");
    assert_eq!(finding_keys(&v), ["MG102 services.owner"]);
    // The main work tree's index is untouched.
    assert_eq!(
        json(&repo.mg(&["check", "--staged", "--format", "json"])).0,
        0
    );
    // Hooks of a linked worktree live in the common git dir.
    let out = repo.mg_in(&wt, &["hook", "install"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(repo.root.join(".git/hooks/pre-commit").is_file());
}

#[test]
fn a_shallow_clone_without_the_merge_base_says_how_to_fetch_more() {
    let origin = Repo::with_fixture("seed-000-fixed");
    origin.git(&["checkout", "-q", "-b", "feature"]);
    origin.write("README.md", "feature\n");
    origin.git(&["add", "README.md"]);
    origin.git(&["commit", "-q", "-m", "feature"]);
    origin.git(&["checkout", "-q", "main"]);
    origin.write("NOTES.md", "main\n");
    origin.git(&["add", "NOTES.md"]);
    origin.git(&["commit", "-q", "-m", "main moves on"]);

    let url = format!("file://{}", origin.root.display());
    let clone = origin.tmp.path().join("clone");
    let clone_arg = clone.to_str().expect("utf-8 temp path");
    origin.git_in(
        origin.tmp.path(),
        &["clone", "-q", "--depth", "1", &url, clone_arg],
    );
    let fetched = origin.git_in(
        &clone,
        &["fetch", "-q", "--depth", "1", "origin", "feature:feature"],
    );
    assert!(fetched.status.success(), "{}", text(&fetched.stderr));

    let out = origin.mg_in(&clone, &["check", "--base", "feature"]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("shallow clone"), "{err}");
    assert!(err.contains("fetch-depth: 0"), "{err}");

    let out = origin.mg_in(&clone, &["check", "--base", "no-such-branch"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("no-such-branch"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn an_unknown_rev_or_no_repository_is_exit_2() {
    let repo = Repo::with_fixture("seed-000-fixed");
    let out = repo.mg(&["check", "--base", "v9.9.9"]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("`v9.9.9` does not name a commit"), "{err}");
    assert!(err.contains("help"), "{err}");

    let plain = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(plain.path().join("p")).expect("mkdir");
    let outside = plain.path().join("p");
    // A temp dir could sit inside some repository on a developer machine.
    let in_repo = gitutil::git_command(plain.path(), &outside)
        .args(["rev-parse", "--git-dir"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(true);
    if !in_repo {
        let out = repo.mg_in(&outside, &["check", ".", "--staged"]);
        assert_eq!(out.status.code(), Some(2));
        assert!(text(&out.stderr).contains("not inside a git repository"));
    }
}

#[test]
fn a_merge_with_conflicts_is_checked_from_our_side() {
    let repo = Repo::with_fixture("seed-000-fixed");
    let anchor = "    port = ";
    repo.git(&["checkout", "-q", "-b", "theirs"]);
    repo.edit(
        "app/models.py",
        anchor,
        &format!("    team = Column(Text)\n{anchor}"),
    );
    repo.write(
        "migrations/0005_team.sql",
        "ALTER TABLE services ADD COLUMN team TEXT;\n",
    );
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "-m", "team"]);
    repo.git(&["checkout", "-q", "main"]);
    repo.edit(
        "app/models.py",
        anchor,
        &format!("    owner = Column(Text)\n{anchor}"),
    );
    repo.write(
        "migrations/0004_owner.sql",
        "ALTER TABLE services ADD COLUMN owner TEXT;\n",
    );
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-q", "-m", "owner"]);
    let merge = repo.git_in(&repo.root, &["merge", "-q", "theirs"]);
    assert!(!merge.status.success(), "the merge conflicts");

    let out = repo.mg(&["check", "--staged", "--format", "json"]);
    let err = text(&out.stderr);
    assert!(!err.contains("panicked"), "{err}");
    let (code, v) = json(&out);
    // Our models.py (stage 2) has no `team`; their migration adds it.
    assert_eq!(code, 0, "{v}");
    assert_eq!(finding_keys(&v), ["MG104 services.team"]);
    let human = text(&repo.mg(&["check", "--staged"]).stdout);
    assert!(
        human.contains("1 file with merge conflicts read as our side"),
        "{human}"
    );
}

#[test]
fn a_base_without_models_or_migrations_knows_nothing() {
    let repo = Repo::new();
    repo.write("README.md", "# new project\n");
    repo.git(&["add", "README.md"]);
    repo.git(&["commit", "-q", "-m", "readme"]);
    repo.copy_fixture("seed-000-services-description");
    repo.git(&["add", "-A"]);
    let (code, v) = json(&repo.mg(&["check", "--staged", "--format", "json"]));
    assert_eq!(code, 1);
    assert_eq!(finding_keys(&v), ["MG102 services.description"]);
    assert_eq!(v["summary"]["known_at_base"], 0);
    let human = text(&repo.mg(&["check", "--staged"]).stdout);
    assert!(human.contains("nothing known at HEAD"), "{human}");
}

#[test]
fn staged_legacy_drift_only_the_new_column_is_reported() {
    let repo = Repo::with_fixture("sqlalchemy-drift");
    let legacy = drift_count(&repo, &[]);
    // Models only: HEAD reuses the index's replay of the same migrations.
    repo.edit(
        "app/models.py",
        PHONE,
        &format!("{PHONE}    fax = Column(String(30))\n"),
    );
    repo.git(&["add", "app/models.py"]);
    let (code, v) = json(&repo.mg(&["check", "--staged", "--format", "json"]));
    assert_eq!(code, 1, "{v}");
    assert_eq!(finding_keys(&v), ["MG102 customers.fax"]);
    assert_eq!(v["summary"]["known_at_base"], legacy);
    // Migrations only: a new one fixes a legacy finding and adds nothing.
    repo.git(&["reset", "-q"]);
    repo.write(
        "migrations/0004_phone.sql",
        "ALTER TABLE customers ADD COLUMN phone VARCHAR(30);\n",
    );
    repo.git(&["add", "migrations/0004_phone.sql"]);
    let (code, v) = json(&repo.mg(&["check", "--staged", "--format", "json"]));
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["summary"]["known_at_base"], legacy - 1);
}

#[test]
fn the_human_report_shows_the_staged_lines_not_the_disk() {
    let repo = Repo::with_fixture("seed-000-fixed");
    repo.edit(
        "app/models.py",
        "    port = ",
        "    owner = Column(Text)  # staged\n    port = ",
    );
    repo.git(&["add", "app/models.py"]);
    repo.edit("app/models.py", "  # staged", "  # on disk only");
    let out = repo.mg(&["check", "--staged"]);
    let report = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{report}");
    assert!(
        report.contains("owner = Column(Text)  # staged"),
        "{report}"
    );
    assert!(!report.contains("on disk only"), "{report}");
}
