//! The Alembic migration frontend. Never runs Python: revision files are
//! parsed with ruff_python_parser, once each.
//!
//! - `graph`: the revision graph from each file's `revision`,
//!   `down_revision`, `branch_labels` and `depends_on`, linearized for
//!   replay (merges included), and MG204 for what breaks it (several heads,
//!   a missing or duplicated revision id, a cycle).
//! - `ops`: what `upgrade()` does, as a list of operations read from the
//!   `op.*` calls (batch blocks, `op.execute` SQL, same-file helpers), and
//!   their replay through `apply`. What cannot be read statically is an
//!   MG205 note at its line, never a guess.
//!
//! OWNERS: graph/load: alembic-graph helper; ops/replay: alembic-ops helper.

pub mod graph;
pub mod ops;

use super::apply::Replay;
use super::History;
use crate::dialect::Dialect;
use crate::discover::MigrationInput;
use crate::snapshot::Snapshot;

/// Reads every revision file of the Alembic script folder `input.path`
/// (its `versions/` and the other version locations discovery found),
/// orders them by the revision graph, and reads each `upgrade()` into
/// `Frontend::Alembic`. Findings: MG204 for the graph, MG002 for unreadable
/// files and syntax errors, MG001 for header values that are not literals;
/// the notes of `ops::read` stay in each `Upgrade` (replay reports them).
pub fn load(snapshot: &dyn Snapshot, input: &MigrationInput, dialect: Dialect) -> History {
    graph::load(snapshot, input, dialect)
}

/// Replays one Alembic history, unit by unit, into `state` (whose dialect
/// the revisions were read for).
pub fn replay_history(state: &mut Replay, history: &History) -> usize {
    ops::replay_history(state, history)
}
