//! Replays histories into one schema, each by the frontend its units are
//! written for. Parsing inside a history is parallel; applying is in order.

use super::apply::Replay;
use super::{History, MigratedSchema};
use crate::dialect::Dialect;

/// Replays `histories` in order into one schema.
pub fn replay(histories: &[History], dialect: Dialect) -> MigratedSchema {
    let mut state = Replay::new(dialect);
    let mut migrations = 0;
    let mut unknown_tables = 0;
    for h in histories {
        state.findings.extend(h.findings.iter().cloned());
        unknown_tables += replay_history(&mut state, h, dialect);
        migrations += h.units.len();
    }
    let mut out = state.finish(migrations);
    out.unknown_tables = unknown_tables;
    out
}

/// Replays one history's units into `state` (which may already hold a
/// baseline or earlier histories). A history is one layout, so one frontend.
/// Returns how many tables may have been created under names replay could
/// not read.
pub fn replay_history(state: &mut Replay, history: &History, dialect: Dialect) -> usize {
    if history.units.iter().any(|u| u.frontend.is_seaorm()) {
        super::seaorm::replay_history(state, history, dialect)
    } else if history.units.iter().any(|u| u.frontend.is_alembic()) {
        super::alembic::replay_history(state, history)
    } else {
        super::sql::replay_history(state, history, dialect);
        0
    }
}
