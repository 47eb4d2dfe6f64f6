//! A throwaway git repository for the git-aware tests: real `git` for setup,
//! the real binary for checks, nothing from the user's git configuration.

// Each test binary uses a different subset of these helpers.
#![allow(dead_code)]

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

pub struct Repo {
    /// Holds HOME and the repository; removed on drop.
    pub tmp: tempfile::TempDir,
    pub root: PathBuf,
}

/// `git` isolated from the machine: no system or user config, HOME in the
/// temp dir, and none of the GIT_* variables a surrounding hook may set.
pub fn git_command(home: &Path, cwd: &Path) -> Command {
    let mut cmd = Command::new("git");
    cmd.current_dir(cwd)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("GIT_AUTHOR_NAME", "Test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "Test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com")
        .env_remove("GIT_DIR")
        .env_remove("GIT_INDEX_FILE")
        .env_remove("GIT_WORK_TREE")
        .env_remove("MIGRAGUARD");
    cmd
}

impl Repo {
    /// An empty repository on branch main.
    pub fn new() -> Repo {
        let tmp = tempfile::tempdir().expect("temp dir");
        let root = tmp.path().join("repo");
        std::fs::create_dir_all(&root).expect("mkdir");
        let repo = Repo { tmp, root };
        repo.git(&["init", "-q", "-b", "main"]);
        repo.git(&["config", "user.name", "Test"]);
        repo.git(&["config", "user.email", "test@example.com"]);
        repo.git(&["config", "commit.gpgsign", "false"]);
        repo
    }

    /// A repository holding a copy of `fixtures/<name>` (without expect.toml), committed.
    pub fn with_fixture(name: &str) -> Repo {
        let repo = Repo::new();
        repo.copy_fixture(name);
        repo.git(&["add", "-A"]);
        repo.git(&["commit", "-q", "-m", "initial"]);
        repo
    }

    pub fn copy_fixture(&self, name: &str) {
        let src = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures")
            .join(name);
        copy_dir(&src, &self.root);
        let _ = std::fs::remove_file(self.root.join("expect.toml"));
    }

    pub fn home(&self) -> &Path {
        self.tmp.path()
    }

    pub fn git_in(&self, cwd: &Path, args: &[&str]) -> Output {
        git_command(self.home(), cwd)
            .args(args)
            .output()
            .expect("git runs")
    }

    /// Runs git at the root and asserts success.
    pub fn git(&self, args: &[&str]) -> String {
        let out = self.git_in(&self.root, args);
        assert!(
            out.status.success(),
            "git {args:?} failed:\n{}{}",
            text(&out.stdout),
            text(&out.stderr)
        );
        text(&out.stdout)
    }

    pub fn write(&self, path: &str, content: &str) {
        let p = self.root.join(path);
        if let Some(dir) = p.parent() {
            std::fs::create_dir_all(dir).expect("mkdir");
        }
        std::fs::write(p, content).expect("write");
    }

    pub fn read(&self, path: &str) -> String {
        std::fs::read_to_string(self.root.join(path)).expect("read")
    }

    /// Replaces `from` by `to` in a file (which must contain it).
    pub fn edit(&self, path: &str, from: &str, to: &str) {
        let old = self.read(path);
        assert!(old.contains(from), "{path} does not contain {from:?}");
        self.write(path, &old.replacen(from, to, 1));
    }

    /// The migraguard binary with `args`, run in `cwd`.
    pub fn mg_in(&self, cwd: &Path, args: &[&str]) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_migraguard"));
        cmd.current_dir(cwd)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("HOME", self.home())
            .env("NO_COLOR", "1")
            .env_remove("GIT_DIR")
            .env_remove("GIT_INDEX_FILE")
            .env_remove("GIT_WORK_TREE")
            .args(args);
        cmd.output().expect("migraguard runs")
    }

    pub fn mg(&self, args: &[&str]) -> Output {
        self.mg_in(&self.root, args)
    }
}

/// The JSON report of an output, with its exit code.
pub fn json(out: &Output) -> (i32, Value) {
    let code = out.status.code().unwrap_or(-1);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}), exit {code}:\n{}\nstderr:\n{}",
            text(&out.stdout),
            text(&out.stderr)
        )
    });
    (code, v)
}

/// `"RULE table.column"` for each finding, sorted.
pub fn finding_keys(report: &Value) -> Vec<String> {
    let mut keys: Vec<String> = report["findings"]
        .as_array()
        .map(|a| a.as_slice())
        .unwrap_or_default()
        .iter()
        .map(|f| {
            let rule = f["rule"].as_str().unwrap_or("?");
            match (f["table"].as_str(), f["column"].as_str()) {
                (Some(t), Some(c)) => format!("{rule} {t}.{c}"),
                (Some(t), None) => format!("{rule} {t}"),
                _ => rule.to_string(),
            }
        })
        .collect();
    keys.sort();
    keys
}

pub fn copy_dir(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).expect("mkdir");
    for entry in std::fs::read_dir(src).expect("read fixture") {
        let entry = entry.expect("entry");
        let to = dst.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &to);
        } else {
            std::fs::copy(entry.path(), &to).expect("copy");
        }
    }
}
