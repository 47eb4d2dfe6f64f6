use super::{ReadError, Snapshot, SKIPPED_DIRS};
use std::collections::BTreeMap;

/// Files held in memory: for tests of every stage, and for callers that
/// already have the contents (no disk access at all).
///
/// `MemorySnapshot::new(vec![("app/models.py", "class A: ..."), ...])`
#[derive(Clone, Debug, Default)]
pub struct MemorySnapshot {
    files: Vec<String>,
    contents: BTreeMap<String, Vec<u8>>,
}

impl MemorySnapshot {
    /// Paths are `/`-separated and relative (a leading `./` or `/` is dropped);
    /// files inside vendored folders (`SKIPPED_DIRS`) are left out like on disk.
    /// A later duplicate path replaces an earlier one.
    pub fn new<P: AsRef<str>, C: AsRef<[u8]>>(files: Vec<(P, C)>) -> Self {
        let mut contents = BTreeMap::new();
        for (path, data) in files {
            let path = normalize(path.as_ref());
            // Like on disk, only folders are skipped (`.env` the file is kept).
            let dirs = path.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
            if path.is_empty() || dirs.split('/').any(|c| SKIPPED_DIRS.contains(&c)) {
                continue;
            }
            contents.insert(path, data.as_ref().to_vec());
        }
        MemorySnapshot {
            files: contents.keys().cloned().collect(),
            contents,
        }
    }
}

fn normalize(path: &str) -> String {
    let mut p = path.replace('\\', "/");
    while let Some(rest) = p.strip_prefix("./") {
        p = rest.to_string();
    }
    p.trim_start_matches('/').to_string()
}

impl Snapshot for MemorySnapshot {
    fn label(&self) -> String {
        "memory".into()
    }

    fn files(&self) -> &[String] {
        &self.files
    }

    fn read_bytes(&self, path: &str) -> Result<Vec<u8>, ReadError> {
        self.contents.get(path).cloned().ok_or(ReadError::NotFound)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_sorted_normalized_paths_and_reads_them() {
        let s = MemorySnapshot::new(vec![
            ("./b.sql", "B"),
            ("a/x.py", "X"),
            ("node_modules/p/index.sql", "no"),
            (".env", "DATABASE_URL=sqlite://"),
        ]);
        assert_eq!(s.files(), [".env", "a/x.py", "b.sql"]);
        assert!(s.exists("b.sql"));
        assert_eq!(&*s.read("a/x.py").unwrap().text, "X");
        assert!(matches!(s.read("nope"), Err(ReadError::NotFound)));
        let bin = MemorySnapshot::new(vec![("x.sql", &[0u8, 159, 146][..])]);
        assert!(matches!(bin.read("x.sql"), Err(ReadError::Binary)));
        assert_eq!(s.files_under("a").count(), 1);
    }
}
