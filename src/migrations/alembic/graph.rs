//! The Alembic revision graph: headers of revision files, linearization for
//! replay, and MG204. OWNER: alembic-graph helper.

use crate::dialect::Dialect;
use crate::discover::MigrationInput;
use crate::migrations::History;
use crate::snapshot::Snapshot;

/// See `alembic::load`.
pub fn load(_snapshot: &dyn Snapshot, _input: &MigrationInput, _dialect: Dialect) -> History {
    History::default()
}
