//! Snapshots: a readable tree of files. Every later stage reads files only
//! through a `Snapshot`, so checking the working tree, the git index or a
//! commit is the same pipeline with a different first stage.

mod git;
mod memory;
mod worktree;

pub use git::{short_id, GitError, GitRepo, GitSnapshot};

pub use memory::MemorySnapshot;
pub use worktree::WorktreeSnapshot;

use crate::source::SourceFile;

#[derive(Debug)]
pub enum ReadError {
    NotFound,
    /// NUL bytes or invalid UTF-8: not a text file.
    Binary,
    Io(String),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::NotFound => f.write_str("file not found"),
            ReadError::Binary => f.write_str("not a text file (binary content or invalid UTF-8)"),
            ReadError::Io(e) => f.write_str(e),
        }
    }
}

pub trait Snapshot: Sync {
    /// What to call this snapshot in messages ("working tree", "index", a commit id).
    fn label(&self) -> String;

    /// Every file, as `/`-separated paths relative to the root, sorted.
    /// Vendored and generated folders (.git, target, node_modules,
    /// virtualenvs, caches) are already left out.
    fn files(&self) -> &[String];

    fn read_bytes(&self, path: &str) -> Result<Vec<u8>, ReadError>;

    /// Reads a text file. A UTF-8 BOM is dropped; binary content is an error.
    fn read(&self, path: &str) -> Result<SourceFile, ReadError> {
        let bytes = self.read_bytes(path)?;
        let text = std::str::from_utf8(text_bytes(&bytes)?).map_err(|_| ReadError::Binary)?;
        Ok(SourceFile::new(path, text))
    }

    /// Reads a text file that may not be UTF-8 throughout: a Python file with
    /// `# -*- coding: latin-1 -*-`, a SQL dump written by a Windows tool. Sparse
    /// invalid sequences become U+FFFD; in such files they sit in comments and
    /// string data, not in the identifiers we compare, and they take one column
    /// each as the original single-byte characters did. NUL bytes, or more than
    /// a few invalid sequences making over one per hundred characters, still
    /// mean binary.
    fn read_lossy(&self, path: &str) -> Result<SourceFile, ReadError> {
        let bytes = self.read_bytes(path)?;
        let bytes = text_bytes(&bytes)?;
        match std::str::from_utf8(bytes) {
            Ok(text) => Ok(SourceFile::new(path, text)),
            Err(_) => {
                let text = String::from_utf8_lossy(bytes);
                let chars = text.chars().count();
                let bad = text
                    .chars()
                    .filter(|&c| c == char::REPLACEMENT_CHARACTER)
                    .count();
                if bad > 8 && bad * 100 > chars {
                    return Err(ReadError::Binary);
                }
                Ok(SourceFile::new(path, text.as_ref()))
            }
        }
    }

    fn exists(&self, path: &str) -> bool {
        self.files()
            .binary_search_by(|p| p.as_str().cmp(path))
            .is_ok()
    }

    /// Files directly or indirectly below `dir` ("" for all).
    fn files_under<'a>(&'a self, dir: &str) -> Box<dyn Iterator<Item = &'a String> + 'a> {
        let dir = dir.trim_matches('/');
        if dir.is_empty() || dir == "." {
            return Box::new(self.files().iter());
        }
        let prefix = format!("{dir}/");
        Box::new(self.files().iter().filter(move |p| p.starts_with(&prefix)))
    }
}

/// The bytes of a text file without its UTF-8 BOM; NUL bytes mean binary.
fn text_bytes(bytes: &[u8]) -> Result<&[u8], ReadError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.contains(&0) {
        return Err(ReadError::Binary);
    }
    Ok(bytes)
}

/// Folder names never worth reading: dependencies, build output, caches.
pub const SKIPPED_DIRS: &[&str] = &[
    ".git",
    ".hg",
    ".svn",
    "target",
    "node_modules",
    ".venv",
    "venv",
    "env",
    ".env",
    "__pycache__",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".tox",
    ".nox",
    "site-packages",
    "dist",
    "build",
    ".idea",
    ".vscode",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lossy_reads_accept_sparse_legacy_bytes_but_not_binary() {
        let latin1: &[u8] = b"# caf\xe9\nclass U:\n    pass\n";
        let mostly_invalid: Vec<u8> = (0..64u8).map(|i| 0x80 | i).collect();
        let snap = MemorySnapshot::new(vec![
            ("latin.py", latin1),
            ("nul.sql", b"CREATE\0TABLE".as_slice()),
            ("noise.sql", mostly_invalid.as_slice()),
        ]);
        assert!(matches!(snap.read("latin.py"), Err(ReadError::Binary)));
        let f = snap.read_lossy("latin.py").map_err(|e| e.to_string());
        let text = f.map(|f| f.text.to_string()).unwrap_or_default();
        assert_eq!(text, "# caf\u{fffd}\nclass U:\n    pass\n");
        assert!(matches!(snap.read_lossy("nul.sql"), Err(ReadError::Binary)));
        assert!(matches!(
            snap.read_lossy("noise.sql"),
            Err(ReadError::Binary)
        ));
    }
}
