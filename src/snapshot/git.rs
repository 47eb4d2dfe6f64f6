//! The git index and commits as snapshots (`--staged`, `--base`).
//!
//! A `GitSnapshot` is a sorted list of root-relative paths with their blob
//! ids; contents are read on demand. `git2::Repository` is not `Sync`, and
//! the frontends read in parallel, so blobs are read through a small pool of
//! repository handles: each reader takes one (or opens one) and gives it back.

use super::{ReadError, Snapshot, SKIPPED_DIRS};
use git2::{ObjectType, Oid, Repository, TreeWalkMode, TreeWalkResult};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Something git could not do, said for a person: what and what to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GitError {
    pub message: String,
    pub help: Option<String>,
}

impl GitError {
    fn new(message: impl Into<String>) -> Self {
        GitError {
            message: message.into(),
            help: None,
        }
    }

    fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

impl std::fmt::Display for GitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// The git repository around a checked root.
pub struct GitRepo {
    repo: Repository,
    /// The work tree root, canonical.
    workdir: PathBuf,
    /// The checked root relative to the work tree root, `/`-separated with a
    /// trailing `/` ("" when they are the same).
    prefix: String,
    blobs: Arc<BlobReader>,
}

/// Regular files only: symlinks (0o120000) and submodules (0o160000) are
/// not something the frontends can read.
fn is_regular_file(mode: u32) -> bool {
    mode & 0o170000 == 0o100000
}

/// Whether a root-relative path sits in a folder nobody checks.
fn in_skipped_dir(path: &str) -> bool {
    let dirs = path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
    !dirs.is_empty() && dirs.split('/').any(|c| SKIPPED_DIRS.contains(&c))
}

impl GitRepo {
    /// The repository whose work tree holds `root`. `Ok(None)` when `root`
    /// is not inside a git work tree at all.
    pub fn discover(root: &Path) -> Result<Option<GitRepo>, GitError> {
        let repo = match Repository::discover(root) {
            Ok(r) => r,
            Err(e) if e.code() == git2::ErrorCode::NotFound => return Ok(None),
            Err(e) => {
                return Err(GitError::new(format!(
                    "cannot open the git repository around {}: {}",
                    root.display(),
                    e.message()
                )))
            }
        };
        let Some(workdir) = repo.workdir() else {
            return Err(GitError::new(format!(
                "{} is a bare git repository: it has no work tree or index to check",
                repo.path().display()
            ))
            .help("run migraguard in a clone or worktree of it"));
        };
        let workdir = canonical(workdir);
        let root = canonical(root);
        let prefix = match root.strip_prefix(&workdir) {
            Ok(rel) => {
                let parts: Vec<_> = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                if parts.is_empty() {
                    String::new()
                } else {
                    format!("{}/", parts.join("/"))
                }
            }
            Err(_) => {
                return Err(GitError::new(format!(
                    "{} is not inside the work tree of the git repository at {}",
                    root.display(),
                    workdir.display()
                )))
            }
        };
        let blobs = Arc::new(BlobReader {
            open_path: workdir.clone(),
            pool: Mutex::new(Vec::new()),
        });
        Ok(Some(GitRepo {
            repo,
            workdir,
            prefix,
            blobs,
        }))
    }

    /// The checked root relative to the work tree root ("" or `sub/dir/`).
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    pub fn workdir(&self) -> &Path {
        &self.workdir
    }

    pub fn repository(&self) -> &Repository {
        &self.repo
    }

    /// HEAD's commit, `None` in a repository with no commits yet.
    pub fn head(&self) -> Result<Option<Oid>, GitError> {
        match self.repo.head() {
            Ok(r) => r
                .peel_to_commit()
                .map(|c| Some(c.id()))
                .map_err(|e| GitError::new(format!("cannot read HEAD: {}", e.message()))),
            Err(e)
                if e.code() == git2::ErrorCode::UnbornBranch
                    || e.code() == git2::ErrorCode::NotFound =>
            {
                Ok(None)
            }
            Err(e) => Err(GitError::new(format!("cannot read HEAD: {}", e.message()))),
        }
    }

    /// The commit a revision names (`main`, `origin/main`, a SHA, `HEAD~2`).
    pub fn resolve(&self, rev: &str) -> Result<Oid, GitError> {
        self.repo
            .revparse_single(rev)
            .and_then(|o| o.peel_to_commit())
            .map(|c| c.id())
            .map_err(|e| {
                let mut err = GitError::new(format!(
                    "`{rev}` does not name a commit in this repository: {}",
                    e.message()
                ));
                err.help = Some(if self.repo.is_shallow() {
                    "this is a shallow clone: fetch more history, e.g. actions/checkout with \
                     fetch-depth: 0, or `git fetch origin <branch>`"
                        .to_string()
                } else {
                    "pass a branch, tag or commit id; in CI, fetch the base branch first \
                     (`git fetch origin main`)"
                        .to_string()
                });
                err
            })
    }

    /// The merge-base of `rev` and HEAD, where a change started.
    pub fn merge_base(&self, rev: Oid, head: Oid) -> Result<Oid, GitError> {
        self.repo.merge_base(rev, head).map_err(|e| {
            let err = GitError::new(format!(
                "no common ancestor of {} and HEAD ({})",
                short_id(rev),
                e.message()
            ));
            if self.repo.is_shallow() {
                err.help(
                    "shallow clone: fetch more history, e.g. actions/checkout with fetch-depth: 0 \
                     (or `git fetch --unshallow`)",
                )
            } else {
                err.help("the two histories are unrelated: pass a revision HEAD descends from")
            }
        })
    }

    /// What is staged: the index (the one `git commit` is writing when it
    /// runs a hook: `GIT_INDEX_FILE` names it for `git commit <paths>`).
    pub fn index_snapshot(&self) -> Result<GitSnapshot, GitError> {
        let index = match std::env::var_os("GIT_INDEX_FILE") {
            Some(p) if !p.is_empty() => git2::Index::open(Path::new(&p)),
            // The repository caches its index: read it again in case it changed.
            _ => self
                .repo
                .index()
                .and_then(|mut i| i.read(false).map(|()| i)),
        }
        .map_err(|e| GitError::new(format!("cannot read the git index: {}", e.message())))?;
        let mut entries = HashMap::new();
        let mut conflicted = 0usize;
        for e in index.iter() {
            let stage = (e.flags >> 12) & 0x3;
            // During a merge, "ours" (stage 2) is what the branch had; the
            // common ancestor (1) and theirs (3) are not what is committed.
            if stage != 0 && stage != 2 {
                continue;
            }
            if e.flags_extended & git2::IndexEntryExtendedFlag::INTENT_TO_ADD.bits() != 0 {
                continue;
            }
            if !is_regular_file(e.mode) {
                continue;
            }
            let Some(path) = self.root_relative(&e.path) else {
                continue;
            };
            if stage == 2 {
                conflicted += 1;
            }
            entries.insert(path, e.id);
        }
        let mut remarks = Vec::new();
        if conflicted > 0 {
            let files = if conflicted == 1 { "file" } else { "files" };
            remarks.push(format!(
                "{conflicted} {files} with merge conflicts read as our side (stage 2)"
            ));
        }
        Ok(self.snapshot("index".into(), entries, remarks))
    }

    /// The files of `commit`, labelled `label` ("HEAD", "merge-base 1a2b3c4").
    pub fn commit_snapshot(&self, commit: Oid, label: &str) -> Result<GitSnapshot, GitError> {
        let err = |e: git2::Error| {
            GitError::new(format!(
                "cannot read commit {}: {}",
                short_id(commit),
                e.message()
            ))
        };
        let tree = self
            .repo
            .find_commit(commit)
            .and_then(|c| c.tree())
            .map_err(err)?;
        let sub = self.prefix.trim_end_matches('/');
        let tree = if sub.is_empty() {
            tree
        } else {
            match tree.get_path(Path::new(sub)) {
                Ok(entry) if entry.kind() == Some(ObjectType::Tree) => entry
                    .to_object(&self.repo)
                    .and_then(|o| o.peel_to_tree())
                    .map_err(err)?,
                // The checked folder did not exist at that commit.
                _ => return Ok(self.snapshot(label.into(), HashMap::new(), Vec::new())),
            }
        };
        let mut entries = HashMap::new();
        tree.walk(TreeWalkMode::PreOrder, |dir, entry| {
            let Ok(name) = entry.name() else {
                return TreeWalkResult::Skip;
            };
            match entry.kind() {
                Some(ObjectType::Tree) if SKIPPED_DIRS.contains(&name) => TreeWalkResult::Skip,
                Some(ObjectType::Blob) if is_regular_file(entry.filemode() as u32) => {
                    entries.insert(format!("{dir}{name}"), entry.id());
                    TreeWalkResult::Ok
                }
                _ => TreeWalkResult::Ok,
            }
        })
        .map_err(err)?;
        Ok(self.snapshot(label.into(), entries, Vec::new()))
    }

    /// An index path relative to the checked root, `None` when it is outside
    /// it, in a skipped folder, or not UTF-8.
    fn root_relative(&self, repo_path: &[u8]) -> Option<String> {
        let path = std::str::from_utf8(repo_path).ok()?;
        let rel = path.strip_prefix(self.prefix.as_str())?;
        (!rel.is_empty() && !in_skipped_dir(rel)).then(|| rel.to_string())
    }

    fn snapshot(
        &self,
        label: String,
        entries: HashMap<String, Oid>,
        remarks: Vec<String>,
    ) -> GitSnapshot {
        let mut files: Vec<String> = entries.keys().cloned().collect();
        files.sort();
        GitSnapshot {
            label,
            files,
            entries,
            blobs: Arc::clone(&self.blobs),
            remarks,
            reads: Mutex::new(Vec::new()),
        }
    }
}

/// The 7-character abbreviation git shows.
pub fn short_id(oid: Oid) -> String {
    let s = oid.to_string();
    s.get(..7).unwrap_or(&s).to_string()
}

fn canonical(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}

/// Reads blobs by id from any thread.
struct BlobReader {
    open_path: PathBuf,
    pool: Mutex<Vec<Repository>>,
}

impl BlobReader {
    fn read(&self, oid: Oid) -> Result<Vec<u8>, ReadError> {
        let pooled = self.pool.lock().ok().and_then(|mut p| p.pop());
        let repo = match pooled {
            Some(r) => r,
            None => Repository::open(&self.open_path)
                .map_err(|e| ReadError::Io(e.message().to_string()))?,
        };
        let bytes = repo
            .find_blob(oid)
            .map(|b| b.content().to_vec())
            .map_err(|e| ReadError::Io(e.message().to_string()));
        if let Ok(mut p) = self.pool.lock() {
            p.push(repo);
        }
        bytes
    }
}

/// The index or a commit, below the checked root.
pub struct GitSnapshot {
    label: String,
    files: Vec<String>,
    entries: HashMap<String, Oid>,
    blobs: Arc<BlobReader>,
    remarks: Vec<String>,
    /// Every path read, so a caller can tell whether two snapshots agree on
    /// everything a check looked at.
    reads: Mutex<Vec<String>>,
}

impl GitSnapshot {
    /// Things worth a line under the report (conflicted files...).
    pub fn remarks(&self) -> &[String] {
        &self.remarks
    }

    /// The blob a path holds here.
    pub fn blob(&self, path: &str) -> Option<Oid> {
        self.entries.get(path).copied()
    }

    /// Whether every path read from `self` so far holds the same blob in
    /// `other` (a path missing from both counts as the same).
    pub fn reads_match(&self, other: &GitSnapshot) -> bool {
        let Ok(reads) = self.reads.lock() else {
            return false;
        };
        reads.iter().all(|p| self.blob(p) == other.blob(p))
    }

    /// Whether both list the same files.
    pub fn same_files(&self, other: &GitSnapshot) -> bool {
        self.files == other.files
    }
}

impl Snapshot for GitSnapshot {
    fn label(&self) -> String {
        self.label.clone()
    }

    fn files(&self) -> &[String] {
        &self.files
    }

    fn read_bytes(&self, path: &str) -> Result<Vec<u8>, ReadError> {
        if let Ok(mut reads) = self.reads.lock() {
            reads.push(path.to_string());
        }
        let oid = self.entries.get(path).ok_or(ReadError::NotFound)?;
        self.blobs.read(*oid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, path: &str, text: &str) {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    fn stage(repo: &Repository, paths: &[&str]) {
        let mut index = repo.index().unwrap();
        for p in paths {
            index.add_path(Path::new(p)).unwrap();
        }
        index.write().unwrap();
    }

    fn commit(repo: &Repository, message: &str) -> Oid {
        let mut index = repo.index().unwrap();
        let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
        let sig = git2::Signature::now("t", "t@example.com").unwrap();
        let parents: Vec<_> = repo
            .head()
            .ok()
            .and_then(|h| h.peel_to_commit().ok())
            .into_iter()
            .collect();
        let parents: Vec<_> = parents.iter().collect();
        repo.commit(Some("HEAD"), &sig, &sig, message, &tree, &parents)
            .unwrap()
    }

    fn text(s: &dyn Snapshot, path: &str) -> String {
        s.read(path).unwrap().text.to_string()
    }

    #[test]
    fn index_and_commits_of_a_subfolder() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let repo = Repository::init(root).unwrap();
        write(root, "app/models.py", "v1");
        write(root, "app/node_modules/x.sql", "vendored");
        write(root, "outside.sql", "not under app/");
        stage(
            &repo,
            &["app/models.py", "app/node_modules/x.sql", "outside.sql"],
        );

        let git = GitRepo::discover(&root.join("app")).unwrap().unwrap();
        assert_eq!(git.prefix(), "app/");
        assert_eq!(git.head().unwrap(), None, "no commits yet");
        let index = git.index_snapshot().unwrap();
        assert_eq!(index.files(), ["models.py"]);
        assert_eq!(text(&index, "models.py"), "v1");

        let first = commit(&repo, "one");
        write(root, "app/models.py", "v2 on disk, then staged");
        write(root, "app/migrations/0001.sql", "untracked");
        stage(&repo, &["app/models.py"]);
        write(root, "app/models.py", "v3 unstaged");

        let index = git.index_snapshot().unwrap();
        assert_eq!(text(&index, "models.py"), "v2 on disk, then staged");
        assert!(!index.exists("migrations/0001.sql"));
        let head = git.commit_snapshot(first, "HEAD").unwrap();
        assert_eq!(head.label(), "HEAD");
        assert_eq!(text(&head, "models.py"), "v1");
        assert!(matches!(head.read("nope.py"), Err(ReadError::NotFound)));
        assert_eq!(git.head().unwrap(), Some(first));
        assert_eq!(git.resolve("HEAD").unwrap(), first);
        assert!(git.resolve("no-such-branch").is_err());

        // The same reads at the same blobs agree; a changed blob does not.
        let index_again = git.index_snapshot().unwrap();
        let _ = index.read("models.py");
        assert!(!index.reads_match(&head));
        assert!(index.reads_match(&index_again));
        assert!(index.same_files(&head));
        let _ = head.read("models.py");
        assert!(!head.reads_match(&index_again));
    }

    #[test]
    fn reads_in_parallel_through_the_pool() {
        use rayon::prelude::*;
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init(dir.path()).unwrap();
        let names: Vec<String> = (0..40).map(|i| format!("m/{i:02}.sql")).collect();
        for n in &names {
            write(dir.path(), n, n);
        }
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        stage(&repo, &refs);
        let git = GitRepo::discover(dir.path()).unwrap().unwrap();
        let index = git.index_snapshot().unwrap();
        let ok = names.par_iter().all(|n| {
            index
                .read(n)
                .map(|f| &*f.text == n.as_str())
                .unwrap_or(false)
        });
        assert!(ok);
    }

    #[test]
    fn symlinks_intent_to_add_and_outside_a_repository() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let repo = Repository::init(root).unwrap();
        write(root, "a.sql", "A");
        write(root, "later.sql", "L");
        #[cfg(unix)]
        std::os::unix::fs::symlink("a.sql", root.join("link.sql")).unwrap();
        stage(&repo, &["a.sql"]);
        #[cfg(unix)]
        stage(&repo, &["link.sql"]);
        let status = std::process::Command::new("git")
            .args(["add", "-N", "later.sql"])
            .current_dir(root)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .status();
        let git = GitRepo::discover(root).unwrap().unwrap();
        let index = git.index_snapshot().unwrap();
        if status.map(|s| s.success()).unwrap_or(false) {
            assert_eq!(index.files(), ["a.sql"]);
        }
        let c = commit(&repo, "c");
        let tree = git.commit_snapshot(c, "HEAD").unwrap();
        assert_eq!(tree.files(), ["a.sql"]);

        let outside = tempfile::tempdir().unwrap();
        // A temp dir may sit inside some repository on a developer machine.
        if Repository::discover(outside.path()).is_err() {
            assert!(GitRepo::discover(outside.path()).unwrap().is_none());
        }
    }

    #[test]
    fn a_conflicted_file_is_read_from_our_side() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init(dir.path()).unwrap();
        let mut index = repo.index().unwrap();
        let blob = |s: &str| repo.blob(s.as_bytes()).unwrap();
        let entry = |stage: u16, id: Oid| git2::IndexEntry {
            ctime: git2::IndexTime::new(0, 0),
            mtime: git2::IndexTime::new(0, 0),
            dev: 0,
            ino: 0,
            mode: 0o100644,
            uid: 0,
            gid: 0,
            file_size: 0,
            id,
            flags: stage << 12,
            flags_extended: 0,
            path: b"models.py".to_vec(),
        };
        index.add(&entry(1, blob("base"))).unwrap();
        index.add(&entry(2, blob("ours"))).unwrap();
        index.add(&entry(3, blob("theirs"))).unwrap();
        index.write().unwrap();
        let git = GitRepo::discover(dir.path()).unwrap().unwrap();
        let snap = git.index_snapshot().unwrap();
        assert_eq!(snap.files(), ["models.py"]);
        assert_eq!(text(&snap, "models.py"), "ours");
        assert_eq!(snap.remarks().len(), 1, "{:?}", snap.remarks());
    }
}
