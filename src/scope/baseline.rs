//! The baseline file: fingerprints of findings accepted as legacy drift, so
//! adopting migraguard in an old repository does not block every commit.
//! `{"version":1,"fingerprints":["MG102:t.c:missing", ...]}`, sorted, so it
//! diffs well in review.

use crate::config::Config;
use crate::findings::Finding;
use crate::pipeline::Fatal;
use crate::snapshot::{ReadError, Snapshot};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

pub const BASELINE_FILE: &str = ".migraguard-baseline.json";
pub const BASELINE_VERSION: u32 = 1;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Baseline {
    pub fingerprints: BTreeSet<String>,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct BaselineFile {
    version: u32,
    fingerprints: Vec<String>,
}

/// Where the baseline lives, relative to the root: `baseline` in the config,
/// else `.migraguard-baseline.json`.
pub fn baseline_path(config: &Config) -> String {
    config
        .baseline
        .as_deref()
        .map(|p| p.trim_start_matches("./").to_string())
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| BASELINE_FILE.to_string())
}

impl Baseline {
    pub fn from_findings<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> Self {
        Baseline {
            fingerprints: findings
                .into_iter()
                .map(|f| f.fingerprint.clone())
                .collect(),
        }
    }

    pub fn parse(text: &str, path: &str) -> Result<Self, Fatal> {
        let file: BaselineFile = serde_json::from_str(text).map_err(|e| {
            Fatal::new(format!("{path}: not a migraguard baseline: {e}"))
                .with_help("regenerate it with `migraguard baseline`")
        })?;
        if file.version != BASELINE_VERSION {
            return Err(Fatal::new(format!(
                "{path}: baseline version {} is not supported (expected {BASELINE_VERSION})",
                file.version
            ))
            .with_help("regenerate it with `migraguard baseline`"));
        }
        Ok(Baseline {
            fingerprints: file.fingerprints.into_iter().collect(),
        })
    }

    /// Reads the baseline through the snapshot; a missing file is no baseline.
    pub fn load(snapshot: &dyn Snapshot, config: &Config) -> Result<Option<Self>, Fatal> {
        let path = baseline_path(config);
        match snapshot.read(&path) {
            Ok(file) => Baseline::parse(&file.text, &path).map(Some),
            Err(ReadError::NotFound) => Ok(None),
            Err(e) => Err(Fatal::new(format!("{path}: cannot read the baseline: {e}"))),
        }
    }

    /// The file's text: pretty, sorted, newline-terminated, identical for
    /// identical findings.
    pub fn to_json(&self) -> String {
        let file = BaselineFile {
            version: BASELINE_VERSION,
            fingerprints: self.fingerprints.iter().cloned().collect(),
        };
        let mut s = serde_json::to_string_pretty(&file).unwrap_or_default();
        s.push('\n');
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_sorted_and_deduplicated() {
        let b = Baseline {
            fingerprints: ["MG103:z:extra", "MG102:t.c:missing", "MG103:z:extra"]
                .into_iter()
                .map(String::from)
                .collect(),
        };
        let text = b.to_json();
        assert_eq!(
            text,
            "{\n  \"version\": 1,\n  \"fingerprints\": [\n    \"MG102:t.c:missing\",\n    \"MG103:z:extra\"\n  ]\n}\n"
        );
        assert_eq!(Baseline::parse(&text, "b.json").unwrap(), b);
    }

    #[test]
    fn rejects_bad_files() {
        assert!(Baseline::parse("{", "b").is_err());
        assert!(Baseline::parse(r#"{"version":2,"fingerprints":[]}"#, "b").is_err());
        assert!(Baseline::parse(r#"{"fingerprints":[]}"#, "b").is_err());
        let e = Baseline::parse(r#"{"version":1,"fingerprints":[1]}"#, "x.json").unwrap_err();
        assert!(e.message.starts_with("x.json"), "{}", e.message);
    }

    #[test]
    fn path_comes_from_config() {
        let mut c = Config::default();
        assert_eq!(baseline_path(&c), BASELINE_FILE);
        c.baseline = Some("./ci/baseline.json".into());
        assert_eq!(baseline_path(&c), "ci/baseline.json");
    }
}
