use super::{ReadError, Snapshot, SKIPPED_DIRS};
use std::path::{Path, PathBuf};

/// The files on disk below a root folder.
pub struct WorktreeSnapshot {
    root: PathBuf,
    files: Vec<String>,
}

impl WorktreeSnapshot {
    pub fn open(root: &Path) -> std::io::Result<Self> {
        let meta = std::fs::metadata(root)?;
        if !meta.is_dir() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("{} is not a directory", root.display()),
            ));
        }
        let mut files = Vec::new();
        let walker = walkdir::WalkDir::new(root)
            .follow_links(false)
            .into_iter()
            .filter_entry(|e| {
                e.depth() == 0
                    || !(e.file_type().is_dir()
                        && SKIPPED_DIRS.contains(&e.file_name().to_string_lossy().as_ref()))
            });
        // Unreadable entries are skipped: one bad folder must not stop the check.
        for entry in walker.flatten() {
            if !entry.file_type().is_file() {
                continue;
            }
            if let Ok(rel) = entry.path().strip_prefix(root) {
                let rel: Vec<_> = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect();
                files.push(rel.join("/"));
            }
        }
        files.sort();
        Ok(WorktreeSnapshot {
            root: root.to_path_buf(),
            files,
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }
}

impl Snapshot for WorktreeSnapshot {
    fn label(&self) -> String {
        "working tree".into()
    }

    fn files(&self) -> &[String] {
        &self.files
    }

    fn read_bytes(&self, path: &str) -> Result<Vec<u8>, ReadError> {
        std::fs::read(self.root.join(path)).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => ReadError::NotFound,
            _ => ReadError::Io(e.to_string()),
        })
    }
}
